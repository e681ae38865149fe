/* pcapng parser on arbitrary bytes (block by block, and resyncing at every 4-byte offset), and
 * build -> parse round trips of IDB, EPB and event blocks whose fields come from the input, with
 * secret masking of the trace stream checked against trace_mask_secrets on a copy. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cur.h"
#include "trace/pcapng.h"
#include "trace/trace_mask.h"
#include "trace/trace_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

/* Reads every byte a parsed block points at, so ASan sees any pointer past the input. */
static void touch(const struct pcapng_block *b)
{
	const struct pcapng_str *s[] = { &b->comment, &b->shb.os, &b->shb.userappl,
					 &b->shb.hardware, &b->idb.name, &b->idb.desc };
	size_t i, j;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		for (j = 0; j < s[i]->len; j++)
			sink ^= s[i]->p[j];
	if (b->type == PCAPNG_BT_EPB)
		for (j = 0; j < b->epb.caplen; j++)
			sink ^= b->epb.data[j];
}

static void parse_all(const uint8_t *d, size_t n)
{
	struct pcapng_block b;
	struct rcur c = rcur_init(d, n);
	size_t off;

	while (pcapng_parse_block(&c, &b) == PCAPNG_OK) {
		if (b.total_len < PCAPNG_BLOCK_MIN || b.total_len % 4)
			abort();
		touch(&b);
	}
	for (off = 4; off < n && off < 512; off += 4) {
		c = rcur_init(d + off, n - off);
		if (pcapng_parse_block(&c, &b) == PCAPNG_OK)
			touch(&b);
		else if (rcur_left(&c) != n - off)
			abort(); /* an error must leave the cursor alone */
	}
}

static char *cstr(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	size_t i;

	if (!s)
		abort();
	for (i = 0; i < n; i++)
		s[i] = p[i] ? (char)p[i] : 'z';
	s[n] = '\0';
	return s;
}

static void parse_one(const uint8_t *p, size_t n, struct pcapng_block *b)
{
	struct rcur c = rcur_init(p, n);

	if (pcapng_parse_block(&c, b) != PCAPNG_OK || rcur_left(&c) != 0 || b->total_len != n)
		abort();
}

/* Input: if_id, dir, comment length, linktype selector, 8 bytes of timestamp, comment, packet. */
static void round_trip(const uint8_t *d, size_t n)
{
	if (n < 12)
		return;
	uint32_t if_id = d[0] % 4;
	enum pcapng_dir dir = (enum pcapng_dir)(d[1] % 3);
	size_t clen = d[2] % 64 < n - 12 ? d[2] % 64 : n - 12;
	uint16_t lt = d[3] & 1 ? PCAPNG_LINKTYPE_ETHERNET : PCAPNG_LINKTYPE_PPP;
	uint64_t ts;
	memcpy(&ts, d + 4, 8);
	char *comment = cstr(d + 12, clen);
	const uint8_t *pkt = d + 12 + clen;
	size_t plen = n - 12 - clen;
	size_t cap = plen + clen + 4096;
	uint8_t *buf = malloc(cap), *masked = malloc(plen + 1);
	struct wcur w = wcur_init(buf, cap);
	struct pcapng_block b;
	struct trace_stream ts_enc;

	if (!buf || !masked)
		abort();
	const struct pcapng_epb e = { .if_id = if_id, .ts_ns = ts, .dir = dir, .comment = comment };
	int len = pcapng_build_epb(&w, &e, pkt, plen);
	if (len < 0 || (size_t)len != w.len || len % 4)
		abort();
	parse_one(buf, w.len, &b);
	if (b.epb.if_id != if_id || b.epb.ts != ts || b.epb.caplen != plen || b.epb.origlen != plen ||
	    memcmp(b.epb.data, pkt, plen) != 0 || b.comment.len != strlen(comment) ||
	    (clen && memcmp(b.comment.p, comment, clen) != 0) ||
	    b.epb.has_flags != (dir != PCAPNG_DIR_UNKNOWN) || (b.epb.has_flags && b.epb.flags != dir))
		abort();

	/* Through the stream encoder: exactly trace_mask_secrets applied to a copy. */
	trace_stream_init(&ts_enc, comment, comment);
	int id = trace_stream_add_iface(&ts_enc, lt, comment, comment);
	memcpy(masked, pkt, plen);
	trace_mask_secrets(masked, plen, lt == PCAPNG_LINKTYPE_ETHERNET ? TRACE_FRAME_ETHER
									: TRACE_FRAME_PPP);
	w = wcur_init(buf, cap);
	if (id != 1 || trace_stream_packet(&ts_enc, &w, 1, ts, true, pkt, plen, NULL) < 0)
		abort();
	parse_one(buf, w.len, &b);
	if (b.epb.caplen != plen || memcmp(b.epb.data, masked, plen) != 0)
		abort();

	w = wcur_init(buf, cap);
	if (trace_stream_header(&ts_enc, &w) < 0 || trace_stream_event(&ts_enc, &w, ts, comment) < 0)
		abort();
	parse_all(buf, w.len);
	free(comment);
	free(buf);
	free(masked);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_all(data, size);
	round_trip(data, size);
	return 0;
}
