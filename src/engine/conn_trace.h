/* The connection's pcapng trace and its live readers; see conn_trace.c. */
#ifndef V6L_CONN_TRACE_H
#define V6L_CONN_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loop.h"
#include "dataplane/dp.h"

struct conn;
struct trace_file;

#define CONN_MAX_READERS 4

struct conn_reader {
	int fd;
	uint8_t *buf;             /* pcapng bytes not yet written */
	size_t len;
	uint64_t n_dropped, n_pending_drops;
};

struct conn_trace {
	struct trace_file *tf;
	unsigned tf_eth, tf_ip;       /* interface ids: the adapter, the mode's raw IPv6 */
	struct loop_timer timer;
	struct conn_reader readers[CONN_MAX_READERS];
	unsigned n_readers;
	uint64_t data_dropped;
	bool has_tap;                 /* the data plane's tap fd is on the loop */
};

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
/* Adds the raw IPv6 interface of conn_trace_ip (a mode without an adapter view of its own). */
void conn_trace_add_ip_iface(struct conn *c, const char *name, const char *desc);
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
