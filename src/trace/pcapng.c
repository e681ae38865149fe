/* pcapng block builders and parser (draft-ietf-opsawg-pcapng §3-4), host byte order.
 * Event markers are LINKTYPE_WIRESHARK_UPPER_PDU frames for the "syslog" dissector.
 * Pure: returns lengths or enum pcapng_err, never logs. */
#include "trace/pcapng.h"

#include <string.h>

#ifndef V6L_VERSION
#define V6L_VERSION "unknown"
#endif

#define PCAPNG_OPT_MAX 0xffffU /* option length is 16 bits (§3.5) */

const char *pcapng_err_str(enum pcapng_err e)
{
	switch (e) {
	case PCAPNG_OK:
		return "ok";
	case PCAPNG_E_SHORT:
		return "block incomplete";
	case PCAPNG_E_LENGTH:
		return "bad block total length";
	case PCAPNG_E_BYTE_ORDER:
		return "section in foreign byte order";
	case PCAPNG_E_VERSION:
		return "unsupported pcapng major version";
	case PCAPNG_E_BODY:
		return "block body too short";
	case PCAPNG_E_OPT:
		return "option runs past the block";
	case PCAPNG_E_OPTLEN:
		return "option of the wrong size";
	}
	return "unknown error";
}

/* ---- host-order accessors: pcapng is written in the writer's byte order (§4.1) ---- */

static void put16h(struct wcur *w, uint16_t v)
{
	wcur_put_bytes(w, &v, sizeof(v));
}

static void put32h(struct wcur *w, uint32_t v)
{
	wcur_put_bytes(w, &v, sizeof(v));
}

static void put64h(struct wcur *w, uint64_t v)
{
	wcur_put_bytes(w, &v, sizeof(v));
}

static uint16_t get16h(struct rcur *c)
{
	uint16_t v = 0;
	rcur_bytes(c, &v, sizeof(v));
	return v;
}

static uint32_t get32h(struct rcur *c)
{
	uint32_t v = 0;
	rcur_bytes(c, &v, sizeof(v));
	return v;
}

static uint64_t get64h(struct rcur *c)
{
	uint64_t v = 0;
	rcur_bytes(c, &v, sizeof(v));
	return v;
}

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

/* ---- builders ---- */

/* Appends one option, its value zero-padded to 4 (§3.5); false if the value is too long. */
static bool opt_put(struct wcur *w, uint16_t code, const void *val, size_t n)
{
	if (n > PCAPNG_OPT_MAX) {
		w->full = true;
		return false;
	}
	put16h(w, code);
	put16h(w, (uint16_t)n);
	wcur_put_bytes(w, val, n);
	wcur_put_zero(w, pad4(n));
	return wcur_ok(w);
}

static void opt_str(struct wcur *w, uint16_t code, const char *s)
{
	if (s && *s)
		opt_put(w, code, s, strlen(s));
}

/* Writes the type and a placeholder length; returns where the block starts. */
static size_t block_open(struct wcur *w, uint32_t type)
{
	size_t start = w->len;

	put32h(w, type);
	put32h(w, 0);
	return start;
}

/* Ends the options (if any were written), writes both total lengths and returns the block
 * length, or rolls the cursor back to start and returns -1. */
static int block_close(struct wcur *w, size_t start, size_t opts_off)
{
	size_t n;
	uint32_t n32;

	if (wcur_ok(w) && w->len > opts_off)
		opt_put(w, PCAPNG_OPT_ENDOFOPT, NULL, 0);
	n = w->len - start + 4;
	if (!wcur_ok(w) || n > INT32_MAX) {
		w->len = start;
		w->full = true;
		return -1;
	}
	n32 = (uint32_t)n;
	put32h(w, n32);
	if (!wcur_ok(w)) {
		w->len = start;
		return -1;
	}
	memcpy(w->p + start + 4, &n32, sizeof(n32));
	return (int)n;
}

int pcapng_build_shb(struct wcur *w, const char *os)
{
	size_t start = block_open(w, PCAPNG_BT_SHB);

	put32h(w, PCAPNG_BYTE_ORDER_MAGIC);
	put16h(w, 1); /* major */
	put16h(w, 0); /* minor */
	put64h(w, UINT64_MAX); /* section length: not specified (§4.1) */
	size_t opts = w->len;
	opt_str(w, PCAPNG_OPT_SHB_OS, os);
	opt_str(w, PCAPNG_OPT_SHB_USERAPPL, "v6link " V6L_VERSION);
	return block_close(w, start, opts);
}

int pcapng_build_idb(struct wcur *w, uint16_t linktype, uint32_t snaplen, const char *name,
		     const char *desc)
{
	const uint8_t tsresol = PCAPNG_TSRESOL_NS;
	size_t start = block_open(w, PCAPNG_BT_IDB);

	put16h(w, linktype);
	put16h(w, 0); /* reserved: MUST be 0 (§4.2) */
	put32h(w, snaplen);
	size_t opts = w->len;
	opt_str(w, PCAPNG_OPT_IF_NAME, name);
	opt_str(w, PCAPNG_OPT_IF_DESCRIPTION, desc);
	opt_put(w, PCAPNG_OPT_IF_TSRESOL, &tsresol, 1);
	return block_close(w, start, opts);
}

/* Packet data given in up to three pieces, so an event needs no staging buffer. */
struct epb_piece {
	const void *p;
	size_t n;
};

static int epb_build(struct wcur *w, const struct pcapng_epb *e, const struct epb_piece *pc,
		     unsigned n_pc)
{
	size_t caplen = 0;
	unsigned i;

	for (i = 0; i < n_pc; i++)
		caplen += pc[i].n;
	uint32_t orig = e->orig_len ? e->orig_len : (uint32_t)caplen;
	if (caplen > INT32_MAX || orig < caplen || !wcur_ok(w)) {
		w->full = true;
		return -1;
	}
	size_t start = block_open(w, PCAPNG_BT_EPB);
	put32h(w, e->if_id);
	put32h(w, (uint32_t)(e->ts_ns >> 32)); /* timestamp high word first (§4.3) */
	put32h(w, (uint32_t)e->ts_ns);
	put32h(w, (uint32_t)caplen);
	put32h(w, orig);
	for (i = 0; i < n_pc; i++)
		wcur_put_bytes(w, pc[i].p, pc[i].n);
	wcur_put_zero(w, pad4(caplen));
	size_t opts = w->len;
	opt_str(w, PCAPNG_OPT_COMMENT, e->comment);
	if (e->dir != PCAPNG_DIR_UNKNOWN) {
		uint32_t flags = (uint32_t)e->dir;
		opt_put(w, PCAPNG_OPT_EPB_FLAGS, &flags, sizeof(flags));
	}
	if (e->has_dropcount)
		opt_put(w, PCAPNG_OPT_EPB_DROPCOUNT, &e->dropcount, sizeof(e->dropcount));
	return block_close(w, start, opts);
}

int pcapng_build_epb(struct wcur *w, const struct pcapng_epb *e, const uint8_t *pkt,
		     size_t caplen)
{
	const struct epb_piece pc = { .p = pkt, .n = caplen };

	return epb_build(w, e, &pc, 1);
}

/* Exported-PDU tags are big-endian type and length with an unpadded value: Wireshark 4.0
 * reads the payload right after the last value byte. */
int pcapng_build_event(struct wcur *w, uint32_t if_id, uint64_t ts_ns, uint8_t pri,
		       const char *text)
{
	uint8_t hdr[32];
	struct wcur h = wcur_init(hdr, sizeof(hdr));
	size_t n = 0;
	char pri_s[8];

	wcur_put_u16(&h, PCAPNG_EXP_PDU_TAG_DISSECTOR_NAME);
	wcur_put_u16(&h, 6);
	wcur_put_bytes(&h, "syslog", 6);
	wcur_put_u16(&h, PCAPNG_EXP_PDU_TAG_END);
	wcur_put_u16(&h, 0);
	pri_s[n++] = '<'; /* RFC 5424 §6.2.1: PRI is 1-3 digits, no leading zeros */
	if (pri >= 100)
		pri_s[n++] = (char)('0' + pri / 100);
	if (pri >= 10)
		pri_s[n++] = (char)('0' + pri / 10 % 10);
	pri_s[n++] = (char)('0' + pri % 10);
	pri_s[n++] = '>';
	wcur_put_bytes(&h, pri_s, n);

	const struct pcapng_epb e = { .if_id = if_id, .ts_ns = ts_ns, .comment = text };
	const struct epb_piece pc[2] = { { hdr, h.len }, { text, strlen(text) } };
	return epb_build(w, &e, pc, 2);
}

/* ---- parser ---- */

/* Records one option of a block; unknown codes are skipped (§3.5). */
static enum pcapng_err opt_take(struct pcapng_block *out, uint16_t code, struct rcur *v)
{
	size_t n = rcur_left(v);
	struct pcapng_str s = { .p = v->p, .len = n };

	if (code == PCAPNG_OPT_COMMENT) {
		if (!out->comment.p)
			out->comment = s;
		return PCAPNG_OK;
	}
	switch (out->type) {
	case PCAPNG_BT_SHB:
		if (code == PCAPNG_OPT_SHB_HARDWARE)
			out->shb.hardware = s;
		else if (code == PCAPNG_OPT_SHB_OS)
			out->shb.os = s;
		else if (code == PCAPNG_OPT_SHB_USERAPPL)
			out->shb.userappl = s;
		return PCAPNG_OK;
	case PCAPNG_BT_IDB:
		if (code == PCAPNG_OPT_IF_NAME)
			out->idb.name = s;
		else if (code == PCAPNG_OPT_IF_DESCRIPTION)
			out->idb.desc = s;
		else if (code == PCAPNG_OPT_IF_TSRESOL) {
			if (n != 1)
				return PCAPNG_E_OPTLEN;
			out->idb.has_tsresol = true;
			out->idb.tsresol = rcur_u8(v);
		}
		return PCAPNG_OK;
	case PCAPNG_BT_EPB:
		if (code == PCAPNG_OPT_EPB_FLAGS) {
			if (n != 4)
				return PCAPNG_E_OPTLEN;
			out->epb.has_flags = true;
			out->epb.flags = get32h(v);
		} else if (code == PCAPNG_OPT_EPB_DROPCOUNT) {
			if (n != 8)
				return PCAPNG_E_OPTLEN;
			out->epb.has_dropcount = true;
			out->epb.dropcount = get64h(v);
		}
		return PCAPNG_OK;
	default:
		return PCAPNG_OK;
	}
}

/* Walks the options that fill the rest of a block body (§3.5). opt_endofopt may be missing;
 * when present it has length 0 and nothing may follow it. */
static enum pcapng_err opts_walk(struct rcur *c, struct pcapng_block *out)
{
	while (rcur_left(c) > 0) {
		struct rcur v;
		if (rcur_left(c) < 4)
			return PCAPNG_E_OPT;
		uint16_t code = get16h(c);
		uint16_t len = get16h(c);
		if (code == PCAPNG_OPT_ENDOFOPT) {
			if (len != 0)
				return PCAPNG_E_OPTLEN;
			return rcur_left(c) == 0 ? PCAPNG_OK : PCAPNG_E_OPT;
		}
		if ((size_t)len + pad4(len) > rcur_left(c))
			return PCAPNG_E_OPT;
		rcur_sub(c, len, &v);
		rcur_skip(c, pad4(len));
		out->n_opts++;
		enum pcapng_err e = opt_take(out, code, &v);
		if (e != PCAPNG_OK)
			return e;
	}
	return PCAPNG_OK;
}

static enum pcapng_err parse_shb(struct rcur *b, struct pcapng_block *out)
{
	if (rcur_left(b) < PCAPNG_SHB_MIN - PCAPNG_BLOCK_MIN)
		return PCAPNG_E_BODY;
	rcur_skip(b, 4); /* byte-order magic, checked before the length */
	out->shb.major = get16h(b);
	out->shb.minor = get16h(b);
	out->shb.section_len = get64h(b);
	/* §4.1: a reader MUST NOT read a section whose major version it does not know. */
	if (out->shb.major != 1)
		return PCAPNG_E_VERSION;
	return opts_walk(b, out);
}

static enum pcapng_err parse_idb(struct rcur *b, struct pcapng_block *out)
{
	if (rcur_left(b) < PCAPNG_IDB_MIN - PCAPNG_BLOCK_MIN)
		return PCAPNG_E_BODY;
	out->idb.linktype = get16h(b);
	rcur_skip(b, 2); /* reserved: ignored on read (§4.2) */
	out->idb.snaplen = get32h(b);
	return opts_walk(b, out);
}

static enum pcapng_err parse_epb(struct rcur *b, struct pcapng_block *out)
{
	if (rcur_left(b) < PCAPNG_EPB_MIN - PCAPNG_BLOCK_MIN)
		return PCAPNG_E_BODY;
	out->epb.if_id = get32h(b);
	uint64_t hi = get32h(b);
	out->epb.ts = hi << 32 | get32h(b);
	out->epb.caplen = get32h(b);
	out->epb.origlen = get32h(b);
	size_t n = out->epb.caplen;
	if (n > rcur_left(b) || pad4(n) > rcur_left(b) - n)
		return PCAPNG_E_BODY;
	out->epb.data = rcur_ptr(b, n);
	rcur_skip(b, pad4(n));
	return opts_walk(b, out);
}

/* Reads type and total length, checking an SHB's byte-order magic first: in a foreign byte
 * order its length would be read wrongly (§4.1). */
static enum pcapng_err parse_head(struct rcur *c, struct pcapng_block *out)
{
	struct rcur h = *c;

	if (rcur_left(&h) < 8)
		return PCAPNG_E_SHORT;
	out->type = get32h(&h);
	out->total_len = get32h(&h);
	if (out->type == PCAPNG_BT_SHB) {
		if (rcur_left(&h) < 4)
			return PCAPNG_E_SHORT;
		if (get32h(&h) != PCAPNG_BYTE_ORDER_MAGIC)
			return PCAPNG_E_BYTE_ORDER;
	}
	/* §3.1: Block Total Length is a multiple of 4 and covers the 12 framing bytes. */
	if (out->total_len < PCAPNG_BLOCK_MIN || out->total_len % 4 != 0)
		return PCAPNG_E_LENGTH;
	if (out->total_len > rcur_left(c))
		return PCAPNG_E_SHORT;
	return PCAPNG_OK;
}

enum pcapng_err pcapng_parse_block(struct rcur *c, struct pcapng_block *out)
{
	struct rcur blk, body;
	enum pcapng_err e;

	memset(out, 0, sizeof(*out));
	if (!rcur_ok(c))
		return PCAPNG_E_SHORT;
	e = parse_head(c, out);
	if (e != PCAPNG_OK)
		return e;
	blk = *c;
	rcur_skip(&blk, 8);
	rcur_sub(&blk, out->total_len - PCAPNG_BLOCK_MIN, &body);
	if (get32h(&blk) != out->total_len) /* §3.1: both copies of the length are equal */
		return PCAPNG_E_LENGTH;
	switch (out->type) {
	case PCAPNG_BT_SHB:
		e = parse_shb(&body, out);
		break;
	case PCAPNG_BT_IDB:
		e = parse_idb(&body, out);
		break;
	case PCAPNG_BT_EPB:
		e = parse_epb(&body, out);
		break;
	default:
		e = PCAPNG_OK;
		break;
	}
	if (e == PCAPNG_OK)
		rcur_skip(c, out->total_len);
	return e;
}
