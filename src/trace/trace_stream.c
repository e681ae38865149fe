/* Interface registry and block encoder shared by the trace file and live readers. Secrets are
 * masked in the encoded copy (trace_mask.c), so neither a file nor a reader ever sees them. */
#include "trace/trace_stream.h"

#include <stdio.h>
#include <string.h>

#include "trace/pcapng.h"
#include "trace/trace_mask.h"

/* Copies s into dst[cap], cut at a UTF-8 character boundary when too long. */
static void copy_cut(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

void trace_stream_init(struct trace_stream *ts, const char *conn_name, const char *os)
{
	char desc[TRACE_DESC_MAX];

	memset(ts, 0, sizeof(*ts));
	copy_cut(ts->os, sizeof(ts->os), os);
	snprintf(desc, sizeof(desc), "v6link %s state changes", conn_name ? conn_name : "");
	trace_stream_add_iface(ts, PCAPNG_LINKTYPE_UPPER_PDU, "events", desc);
}

int trace_stream_add_iface(struct trace_stream *ts, uint16_t linktype, const char *name,
			   const char *desc)
{
	struct trace_iface *ifc;
	char cut[TRACE_NAME_MAX];
	unsigned i;

	copy_cut(cut, sizeof(cut), name);
	for (i = 0; i < ts->ifaces.n; i++) {
		ifc = &ts->ifaces.v[i];
		if (ifc->linktype == linktype && strcmp(ifc->name, cut) == 0)
			return (int)i;
	}
	if (ts->ifaces.n >= TRACE_MAX_IFACES)
		return -1;
	ifc = &ts->ifaces.v[ts->ifaces.n];
	ifc->linktype = linktype;
	memcpy(ifc->name, cut, sizeof(cut));
	copy_cut(ifc->desc, sizeof(ifc->desc), desc);
	return (int)ts->ifaces.n++;
}

int trace_stream_idb(const struct trace_stream *ts, unsigned if_id, struct wcur *w)
{
	const struct trace_iface *ifc;

	if (if_id >= ts->ifaces.n) {
		w->full = true;
		return -1;
	}
	ifc = &ts->ifaces.v[if_id];
	return pcapng_build_idb(w, ifc->linktype, TRACE_SNAPLEN, ifc->name, ifc->desc);
}

int trace_stream_header(const struct trace_stream *ts, struct wcur *w)
{
	size_t start = w->len;
	unsigned i;

	if (pcapng_build_shb(w, ts->os) < 0)
		return -1;
	for (i = 0; i < ts->ifaces.n; i++) {
		if (trace_stream_idb(ts, i, w) < 0) {
			w->len = start;
			return -1;
		}
	}
	return (int)(w->len - start);
}

int trace_stream_packet(const struct trace_stream *ts, struct wcur *w, unsigned if_id,
			uint64_t ts_ns, bool outbound, const uint8_t *pkt, size_t len,
			const char *comment)
{
	size_t caplen = len < TRACE_SNAPLEN ? len : TRACE_SNAPLEN;
	size_t start = w->len;
	int n;

	if (if_id >= ts->ifaces.n || len > UINT32_MAX) {
		w->full = true;
		return -1;
	}
	const struct pcapng_epb e = {
		.if_id = if_id,
		.ts_ns = ts_ns,
		.orig_len = (uint32_t)len,
		.dir = outbound ? PCAPNG_DIR_OUT : PCAPNG_DIR_IN,
		.comment = comment,
	};
	n = pcapng_build_epb(w, &e, pkt, caplen);
	if (n < 0)
		return -1;
	uint8_t *data = w->p + start + PCAPNG_EPB_DATA_OFF;
	switch (ts->ifaces.v[if_id].linktype) {
	case PCAPNG_LINKTYPE_ETHERNET:
		trace_mask_secrets(data, caplen, TRACE_FRAME_ETHER);
		break;
	case PCAPNG_LINKTYPE_PPP:
		trace_mask_secrets(data, caplen, TRACE_FRAME_PPP);
		break;
	default:
		break;
	}
	return n;
}

int trace_stream_event(const struct trace_stream *ts, struct wcur *w, uint64_t ts_ns,
		       const char *text)
{
	char cut[TRACE_EVENT_MAX + 1];

	(void)ts;
	copy_cut(cut, sizeof(cut), text);
	return pcapng_build_event(w, TRACE_IF_EVENTS, ts_ns, PCAPNG_EVENT_INFO, cut);
}
