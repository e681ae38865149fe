/* The interface registry of one connection's trace and the encoder shared by the trace file
 * and live readers: the header a late reader needs (SHB + every IDB) and one block per packet or
 * event, with secrets masked. Pure. Interface 0 is always the events interface. */
#ifndef V6L_TRACE_STREAM_H
#define V6L_TRACE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

#define TRACE_MAX_IFACES 16
#define TRACE_NAME_MAX 64  /* bytes incl. NUL; longer names are cut */
#define TRACE_DESC_MAX 128
#define TRACE_OS_MAX 128
#define TRACE_IF_EVENTS 0
#define TRACE_SNAPLEN 262144u /* bytes kept of a packet; larger ones are cut (orig_len kept) */
#define TRACE_EVENT_MAX 1024  /* bytes of event text kept */
/* Room for the largest block trace_stream_packet or trace_stream_event emits. */
#define TRACE_BLOCK_MAX (TRACE_SNAPLEN + 4096u)

struct trace_iface {
	uint16_t linktype; /* PCAPNG_LINKTYPE_* */
	char name[TRACE_NAME_MAX];
	char desc[TRACE_DESC_MAX];
};

struct trace_ifaces {
	unsigned n;
	struct trace_iface v[TRACE_MAX_IFACES];
};

struct trace_stream {
	struct trace_ifaces ifaces;
	char os[TRACE_OS_MAX]; /* shb_os, "" to omit */
};

/* Empties ts and registers interface 0, "events" (Upper-PDU, described as "v6link CONN state
 * changes"); os is the shb_os text (may be NULL). */
void trace_stream_init(struct trace_stream *ts, const char *conn_name, const char *os);

/* Registers an interface and returns its id; the same linktype and name again return the
 * existing id. -1 if the registry is full. The caller then emits trace_stream_idb() for it. */
int trace_stream_add_iface(struct trace_stream *ts, uint16_t linktype, const char *name,
			   const char *desc);

/* Appends the SHB and every registered IDB in id order: what a new file or a reader joining
 * late receives first. Returns the length or -1 (w->len unchanged). */
int trace_stream_header(const struct trace_stream *ts, struct wcur *w);

/* Appends the IDB of interface if_id; length or -1 (unknown id or no room). */
int trace_stream_idb(const struct trace_stream *ts, unsigned if_id, struct wcur *w);

/* Appends an EPB for pkt[0..len) seen on if_id at ts_ns (ns since the epoch), cut to
 * TRACE_SNAPLEN, then masks secrets in the copy when the interface is Ethernet or PPP.
 * comment may be NULL. Returns the length or -1 (unknown id or no room). */
int trace_stream_packet(const struct trace_stream *ts, struct wcur *w, unsigned if_id,
			uint64_t ts_ns, bool outbound, const uint8_t *pkt, size_t len,
			const char *comment);

/* Appends a state-change marker on the events interface (syslog daemon.info text, also the
 * packet comment), text cut to TRACE_EVENT_MAX bytes. Returns the length or -1. */
int trace_stream_event(const struct trace_stream *ts, struct wcur *w, uint64_t ts_ns,
		       const char *text);

#endif
