/* The connection's pcapng trace and its live readers; see conn_trace.c. */
#ifndef V6L_CONN_TRACE_H
#define V6L_CONN_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp.h"

struct conn;

/* Opens the trace file (trace_dir; tap-only when it cannot be written) when the connection is
 * made; close flushes it and ends every live reader. */
void conn_trace_open(struct conn *c);
void conn_trace_close(struct conn *c);
/* The mode's sockets exist / are about to go: the adapter joins the trace (and leaves). */
void conn_trace_mode_open(struct conn *c);
void conn_trace_mode_close(struct conn *c);
/* 0 state changes only, 1 also control frames, 2 also data (func_trace, raised to 1 while a
 * live reader is attached). */
unsigned conn_trace_level(const struct conn *c);
/* A state-change marker (printf format). */
void conn_trace_event(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A control frame on the adapter as on the wire (level >= 1); comment may be NULL. */
void conn_trace_eth(struct conn *c, bool outbound, const struct dp_wire *w, const char *comment);
/* Router mode: an IPv6 control packet of v6link's own sockets, as raw IP (level >= 1). */
void conn_trace_ip(struct conn *c, bool outbound, const uint8_t *pkt, size_t len);
/* Moves queued data frames (func_trace=2) into the trace. */
void conn_trace_drain(struct conn *c);
/* dump_unknown_frames=1: logs the frame in hex and marks it in the trace. */
void conn_trace_unknown(struct conn *c, const char *what, const struct dp_wire *w);
/* Hands a connected socket to the trace: it gets the pcapng header, then every block. 0, or
 * -1 with errno (ENOENT no trace, EBUSY too many readers); on success the trace owns fd. */
int conn_trace_add_reader(struct conn *c, int fd);

#endif
