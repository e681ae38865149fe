/* DNS codec (RFC 1035 §3-4, RFC 2181, RFC 6891, RFC 2308, RFC 4343): parse, names, builders and
 * raw relay helpers. Pure; errors are returned. Policy: a malformed name, record or OPT rejects
 * the whole message; records over the caps are checked and counted, not kept. */
#include "dns/dns_codec.h"

#include <string.h>

#include "core/cur.h"

const char *dns_err_str(enum dns_err e)
{
	switch (e) {
	case DNS_E_OK:
		return "ok";
	case DNS_E_SHORT:
		return "message ends inside a header, name or record";
	case DNS_E_LABEL:
		return "unknown label type";
	case DNS_E_NAMELEN:
		return "name longer than 255 octets";
	case DNS_E_PTR:
		return "compression pointer not backwards or too many hops";
	case DNS_E_RDATA:
		return "rdata length does not match its type";
	case DNS_E_OPT:
		return "bad, misplaced or repeated OPT record";
	case DNS_E_NOSPACE:
		return "does not fit";
	case DNS_E_ARG:
		return "unsupported record type or bad argument";
	}
	return "?";
}

/* ---- names ---- */

static uint8_t dns_lc(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static bool dns_wire_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (dns_lc(a[i]) != dns_lc(b[i]))
			return false;
	return true;
}

bool dns_name_eq(const struct dns_name *a, const struct dns_name *b)
{
	return a->len == b->len && dns_wire_eq(a->b, b->b, a->len);
}

void dns_name_lower(struct dns_name *n)
{
	for (size_t i = 0; i < n->len; i++)
		n->b[i] = dns_lc(n->b[i]);
}

/* RFC 1035 §4.1.4: a pointer is two octets 11xxxxxx; we follow one only if it points before the
 * labels that led to it (so no loop is possible) and at most DNS_MAX_HOPS times. */
enum dns_err dns_name_parse(const uint8_t *msg, size_t len, size_t *off, struct dns_name *out)
{
	/* Indexed directly (every name of every record passes here: the hot path of the proxy). */
	size_t pos = *off, seg_start = *off, n = 0;
	unsigned hops = 0;
	bool jumped = false;
	for (;;) {
		if (pos >= len)
			return DNS_E_SHORT;
		uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (len - pos < 2)
				return DNS_E_SHORT;
			size_t target = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (target >= seg_start || ++hops > DNS_MAX_HOPS)
				return DNS_E_PTR;
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = seg_start = target;
			continue;
		}
		if (l & 0xc0)
			return DNS_E_LABEL; /* RFC 6891 §5: extended label types are not used */
		if (n + 1 + l > DNS_NAME_MAX)
			return DNS_E_NAMELEN;
		out->b[n] = l;
		if (len - pos - 1 < l)
			return DNS_E_SHORT;
		memcpy(out->b + n + 1, msg + pos + 1, l);
		n += 1 + (size_t)l;
		pos += 1 + (size_t)l;
		if (l == 0)
			break;
	}
	if (!jumped)
		*off = pos;
	out->len = (uint8_t)n;
	return DNS_E_OK;
}

static bool dns_text_char_plain(uint8_t ch)
{
	return ch > 0x20 && ch < 0x7f && ch != '.' && ch != '\\';
}

static void dns_text_put(char *buf, size_t cap, size_t *n, const char *s, size_t k)
{
	if (*n + k < cap)
		memcpy(buf + *n, s, k);
	*n += k;
}

int dns_name_to_text(const struct dns_name *n, char *buf, size_t cap)
{
	size_t o = 0;
	if (n->len <= 1)
		dns_text_put(buf, cap, &o, ".", 1);
	for (size_t i = 0; i + 1 < n->len; i += 1 + (size_t)n->b[i]) {
		for (size_t j = 1; j <= n->b[i] && i + j < n->len; j++) {
			uint8_t ch = n->b[i + j];
			char esc[5] = { '\\', (char)ch, 0, 0, 0 };
			size_t k = 2;
			if (dns_text_char_plain(ch)) {
				esc[0] = (char)ch;
				k = 1;
			} else if (ch != '.' && ch != '\\') {
				esc[1] = (char)('0' + ch / 100);
				esc[2] = (char)('0' + ch / 10 % 10);
				esc[3] = (char)('0' + ch % 10);
				k = 4;
			}
			dns_text_put(buf, cap, &o, esc, k);
		}
		dns_text_put(buf, cap, &o, ".", 1);
	}
	if (o >= cap)
		return -1;
	buf[o] = '\0';
	return (int)o;
}

/* One character of a label in text form, with \X and \DDD escapes; -1 if invalid. */
static int dns_text_unescape(const char **p)
{
	const char *s = *p;
	if (*s != '\\') {
		*p = s + 1;
		return (uint8_t)*s;
	}
	if (s[1] >= '0' && s[1] <= '9') {
		if (s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9')
			return -1;
		int v = (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		*p = s + 4;
		return v > 255 ? -1 : v;
	}
	if (s[1] == '\0')
		return -1;
	*p = s + 2;
	return (uint8_t)s[1];
}

bool dns_name_from_text(const char *text, struct dns_name *n)
{
	size_t o = 0;
	const char *p = text;
	if (p[0] == '.' && p[1] == '\0')
		p++;
	while (*p) {
		size_t lab = o++;
		while (*p && *p != '.') {
			int ch = dns_text_unescape(&p);
			if (ch < 0 || o - lab > DNS_LABEL_MAX || o + 1 >= DNS_NAME_MAX)
				return false;
			n->b[o++] = (uint8_t)ch;
		}
		if (o - lab == 1)
			return false; /* empty label */
		n->b[lab] = (uint8_t)(o - lab - 1);
		if (*p == '.')
			p++;
	}
	n->b[o++] = 0;
	n->len = (uint8_t)o;
	return true;
}

/* One decimal label 0..255 without leading zeros; -1 otherwise. */
static int dns_label_octet(const uint8_t *lab)
{
	if (lab[0] < 1 || lab[0] > 3 || (lab[0] > 1 && lab[1] == '0'))
		return -1;
	int v = 0;
	for (size_t i = 1; i <= lab[0]; i++) {
		if (lab[i] < '0' || lab[i] > '9')
			return -1;
		v = v * 10 + (lab[i] - '0');
	}
	return v > 255 ? -1 : v;
}

bool dns_name_ptr_v4(const struct dns_name *n, uint8_t out[4])
{
	static const uint8_t suffix[] = "\x07in-addr\x04" "arpa";
	size_t i = 0;
	for (int k = 3; k >= 0; k--) {
		if (i >= n->len)
			return false;
		int v = dns_label_octet(n->b + i);
		if (v < 0)
			return false;
		out[k] = (uint8_t)v;
		i += 1 + (size_t)n->b[i];
	}
	return n->len == i + sizeof(suffix) && dns_wire_eq(n->b + i, suffix, sizeof(suffix));
}

void dns_name_make_ptr_v4(const uint8_t v4[4], struct dns_name *n)
{
	char text[32];
	size_t o = 0;
	for (int k = 3; k >= 0; k--) {
		unsigned v = v4[k];
		if (v >= 100)
			text[o++] = (char)('0' + v / 100);
		if (v >= 10)
			text[o++] = (char)('0' + v / 10 % 10);
		text[o++] = (char)('0' + v % 10);
		text[o++] = '.';
	}
	memcpy(text + o, "in-addr.arpa", 13);
	dns_name_from_text(text, n);
}

/* ---- parsing ---- */

/* A name inside rdata: it must end exactly at end (RFC 1035 §3.3). */
static enum dns_err dns_rdata_name(const uint8_t *buf, size_t end, size_t *off,
	struct dns_name *out)
{
	enum dns_err e = dns_name_parse(buf, end, off, out);
	if (e == DNS_E_SHORT)
		return DNS_E_RDATA;
	return e;
}

static enum dns_err dns_parse_rdata(const uint8_t *buf, struct dns_rr *rr)
{
	size_t off = rr->rdata_off, end = off + rr->rdata_len;
	struct dns_name skip;
	struct rcur c;
	enum dns_err e = DNS_E_OK;
	switch (rr->type) {
	case DNS_T_A:
		if (rr->rdata_len != 4)
			return DNS_E_RDATA;
		memcpy(rr->rd.a, buf + off, 4);
		return DNS_E_OK;
	case DNS_T_AAAA:
		if (rr->rdata_len != 16)
			return DNS_E_RDATA;
		memcpy(rr->rd.aaaa, buf + off, 16);
		return DNS_E_OK;
	case DNS_T_CNAME:
	case DNS_T_PTR:
		e = dns_rdata_name(buf, end, &off, &rr->rd.target);
		return e != DNS_E_OK ? e : off == end ? DNS_E_OK : DNS_E_RDATA;
	case DNS_T_SOA:
		e = dns_rdata_name(buf, end, &off, &skip);
		if (e == DNS_E_OK)
			e = dns_rdata_name(buf, end, &off, &skip);
		if (e != DNS_E_OK)
			return e;
		if (end - off != 20)
			return DNS_E_RDATA;
		c = rcur_init(buf + off, 20);
		rr->rd.soa.serial = rcur_u32(&c);
		rr->rd.soa.refresh = rcur_u32(&c);
		rr->rd.soa.retry = rcur_u32(&c);
		rr->rd.soa.expire = rcur_u32(&c);
		rr->rd.soa.minimum = rcur_u32(&c);
		return DNS_E_OK;
	default:
		return DNS_E_OK;
	}
}

/* Reads one record at *off (RFC 1035 §4.1.3). */
static enum dns_err dns_parse_rr(const uint8_t *buf, size_t len, size_t *off, struct dns_rr *rr)
{
	enum dns_err e = dns_name_parse(buf, len, off, &rr->name);
	if (e != DNS_E_OK)
		return e;
	if (len - *off < 10)
		return DNS_E_SHORT;
	const uint8_t *f = buf + *off;
	rr->type = (uint16_t)(f[0] << 8 | f[1]);
	rr->rclass = (uint16_t)(f[2] << 8 | f[3]);
	rr->ttl = (uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 | (uint32_t)f[6] << 8 | f[7];
	rr->rdata_len = (uint16_t)(f[8] << 8 | f[9]);
	if (len - *off - 10 < rr->rdata_len)
		return DNS_E_SHORT;
	if (rr->ttl & 0x80000000u)
		rr->ttl = 0; /* RFC 2181 §8 */
	rr->rdata_off = (uint16_t)(*off + 10);
	*off += 10 + (size_t)rr->rdata_len;
	memset(&rr->rd, 0, sizeof(rr->rd));
	return dns_parse_rdata(buf, rr);
}

/* RFC 6891 §6.1.1-§6.1.3: one OPT, root owner, in the additional section; options framed. */
static enum dns_err dns_parse_opt(const uint8_t *buf, const struct dns_rr *rr, struct dns_msg *m)
{
	if (m->edns.is_present || rr->name.len != 1)
		return DNS_E_OPT;
	struct rcur c = rcur_init(buf + rr->rdata_off, rr->rdata_len), val;
	uint16_t code;
	while (tlv16_next(&c, &code, &val))
		;
	if (!rcur_ok(&c))
		return DNS_E_OPT;
	m->edns = (struct dns_edns){
		.is_present = true,
		.udp_size = rr->rclass,
		.ext_rcode = (uint8_t)(rr->ttl >> 24),
		.version = (uint8_t)(rr->ttl >> 16),
		.is_do = (rr->ttl & 0x8000u) != 0,
		.z = (uint16_t)(rr->ttl & 0x7fffu),
		.opts_off = rr->rdata_off,
		.opts_len = rr->rdata_len,
	};
	return DNS_E_OK;
}

static enum dns_err dns_parse_section(const uint8_t *buf, size_t len, size_t *off, unsigned count,
	struct dns_rr *out, uint8_t cap, uint8_t *n, struct dns_msg *m)
{
	for (unsigned i = 0; i < count; i++) {
		struct dns_rr tmp;
		struct dns_rr *rr = *n < cap ? &out[*n] : &tmp;
		enum dns_err e = dns_parse_rr(buf, len, off, rr);
		if (e != DNS_E_OK)
			return e;
		if (rr->type == DNS_T_OPT) {
			/* The OPT TTL field holds flags, not a TTL: re-read it unclamped. */
			struct rcur c = rcur_init(buf + rr->rdata_off - 6, 4);
			rr->ttl = rcur_u32(&c);
			if (out != m->ar || (e = dns_parse_opt(buf, rr, m)) != DNS_E_OK)
				return DNS_E_OPT;
			continue;
		}
		if (rr == &tmp)
			m->n_dropped++;
		else
			(*n)++;
	}
	return DNS_E_OK;
}

static void dns_parse_header(struct rcur *c, struct dns_msg *m)
{
	m->id = rcur_u16(c);
	m->flags = rcur_u16(c);
	m->qdcount = rcur_u16(c);
	m->ancount = rcur_u16(c);
	m->nscount = rcur_u16(c);
	m->arcount = rcur_u16(c);
	m->is_response = (m->flags & DNS_FLAG_QR) != 0;
	m->is_aa = (m->flags & DNS_FLAG_AA) != 0;
	m->is_tc = (m->flags & DNS_FLAG_TC) != 0;
	m->is_rd = (m->flags & DNS_FLAG_RD) != 0;
	m->is_ra = (m->flags & DNS_FLAG_RA) != 0;
	m->is_ad = (m->flags & DNS_FLAG_AD) != 0;
	m->is_cd = (m->flags & DNS_FLAG_CD) != 0;
	m->opcode = (uint8_t)(m->flags >> 11 & 0xf);
	m->rcode = m->flags & 0xf;
}

enum dns_err dns_parse(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	memset(m, 0, offsetof(struct dns_msg, q));
	m->edns = (struct dns_edns){ .is_present = false };
	if (len > DNS_MSG_MAX)
		len = DNS_MSG_MAX;
	struct rcur c = rcur_init(buf, len);
	dns_parse_header(&c, m);
	if (!rcur_ok(&c))
		return DNS_E_SHORT;
	size_t off = DNS_HDR_LEN;
	for (unsigned i = 0; i < m->qdcount; i++) {
		struct dns_question tmp;
		struct dns_question *q = m->n_q < DNS_MAX_QUESTIONS ? &m->q[m->n_q] : &tmp;
		enum dns_err e = dns_name_parse(buf, len, &off, &q->name);
		if (e != DNS_E_OK)
			return e;
		if (len - off < 4) {
			q->qtype = len - off >= 2 ? (uint16_t)(buf[off] << 8 | buf[off + 1]) : 0;
			q->qclass = 0;
			return DNS_E_SHORT;
		}
		q->qtype = (uint16_t)(buf[off] << 8 | buf[off + 1]);
		q->qclass = (uint16_t)(buf[off + 2] << 8 | buf[off + 3]);
		off += 4;
		if (q == &tmp)
			m->n_dropped++;
		else
			m->n_q++;
	}
	enum dns_err e = dns_parse_section(buf, len, &off, m->ancount, m->an, DNS_MAX_ANSWERS,
		&m->n_an, m);
	if (e == DNS_E_OK)
		e = dns_parse_section(buf, len, &off, m->nscount, m->ns, DNS_MAX_AUTHORITY, &m->n_ns, m);
	if (e == DNS_E_OK)
		e = dns_parse_section(buf, len, &off, m->arcount, m->ar, DNS_MAX_ADDITIONAL, &m->n_ar,
			m);
	if (e != DNS_E_OK)
		return e;
	m->rcode = (uint16_t)(m->rcode | m->edns.ext_rcode << 4);
	m->len = (uint16_t)off;
	return DNS_E_OK;
}

size_t dns_udp_limit(const struct dns_msg *q)
{
	if (!q->edns.is_present || q->edns.udp_size < DNS_UDP_MIN)
		return DNS_UDP_MIN;
	return q->edns.udp_size;
}

bool dns_msg_negative_ttl(const struct dns_msg *m, uint32_t *ttl_s)
{
	for (size_t i = 0; i < m->n_ns; i++) {
		const struct dns_rr *rr = &m->ns[i];
		if (rr->type != DNS_T_SOA)
			continue;
		*ttl_s = rr->ttl < rr->rd.soa.minimum ? rr->ttl : rr->rd.soa.minimum;
		return true;
	}
	return false;
}

/* ---- building ---- */

#define DNS_DICT_MAX 32

/* Names already written, for compression (RFC 1035 §4.1.4): each suffix start with its offset. */
struct dns_dict {
	size_t n;
	struct {
		const uint8_t *wire;
		size_t len;
		uint16_t off;
	} e[DNS_DICT_MAX];
};

static int dns_dict_find(const struct dns_dict *d, const uint8_t *wire, size_t len)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->e[i].len == len && dns_wire_eq(d->e[i].wire, wire, len))
			return d->e[i].off;
	return -1;
}

/* Writes n, ending in a pointer to the longest suffix already written, and remembers the
 * suffixes it wrote in full. */
static void dns_put_name(struct wcur *w, struct dns_dict *d, const struct dns_name *n)
{
	size_t i = 0;
	int ptr = -1;
	for (; i + 1 < n->len; i += 1 + (size_t)n->b[i]) {
		ptr = dns_dict_find(d, n->b + i, n->len - i);
		if (ptr >= 0)
			break;
		if (w->len + i < 0x4000 && d->n < DNS_DICT_MAX) {
			d->e[d->n].wire = n->b + i;
			d->e[d->n].len = n->len - i;
			d->e[d->n].off = (uint16_t)(w->len + i);
			d->n++;
		}
	}
	if (ptr >= 0) {
		wcur_put_bytes(w, n->b, i);
		wcur_put_u16(w, (uint16_t)(0xc000u | (unsigned)ptr));
	} else {
		wcur_put_bytes(w, n->b, n->len);
	}
}

static void dns_put_header(struct wcur *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
	uint16_t ns, uint16_t ar)
{
	wcur_put_u16(w, id);
	wcur_put_u16(w, flags);
	wcur_put_u16(w, qd);
	wcur_put_u16(w, an);
	wcur_put_u16(w, ns);
	wcur_put_u16(w, ar);
}

/* OPT RR (RFC 6891 §6.1.2): root owner, class = UDP size, TTL = ext rcode, version 0, DO. */
static void dns_put_opt(struct wcur *w, uint16_t rcode, bool is_do)
{
	wcur_put_u8(w, 0);
	wcur_put_u16(w, DNS_T_OPT);
	wcur_put_u16(w, DNS_EDNS_UDP_SIZE);
	wcur_put_u8(w, (uint8_t)(rcode >> 4));
	wcur_put_u8(w, 0);
	wcur_put_u16(w, is_do ? 0x8000u : 0);
	wcur_put_u16(w, 0);
}
#define DNS_OPT_LEN 11

int dns_build_query(uint16_t id, const struct dns_name *qname, uint16_t qtype, bool rd,
	bool with_edns, bool is_do, uint8_t *buf, size_t cap)
{
	struct wcur w = wcur_init(buf, cap);
	if (qname->len < 1)
		return -1;
	dns_put_header(&w, id, rd ? DNS_FLAG_RD : 0, 1, 0, 0, with_edns ? 1 : 0);
	wcur_put_bytes(&w, qname->b, qname->len);
	wcur_put_u16(&w, qtype);
	wcur_put_u16(&w, DNS_CLASS_IN);
	if (with_edns)
		dns_put_opt(&w, 0, is_do);
	return wcur_ok(&w) ? (int)w.len : -1;
}

/* One answer record; false for a type the builder does not encode. */
static bool dns_put_rr(struct wcur *w, struct dns_dict *d, const struct dns_rr *rr)
{
	dns_put_name(w, d, &rr->name);
	wcur_put_u16(w, rr->type);
	wcur_put_u16(w, rr->rclass);
	wcur_put_u32(w, rr->ttl);
	size_t len_off = w->len;
	wcur_put_u16(w, 0);
	switch (rr->type) {
	case DNS_T_A:
		wcur_put_bytes(w, rr->rd.a, 4);
		break;
	case DNS_T_AAAA:
		wcur_put_bytes(w, rr->rd.aaaa, 16);
		break;
	case DNS_T_CNAME:
	case DNS_T_PTR:
		if (rr->rd.target.len < 1)
			return false;
		dns_put_name(w, d, &rr->rd.target);
		break;
	default:
		return false;
	}
	if (wcur_ok(w))
		wcur_patch_u16(w, len_off, (uint16_t)(w->len - len_off - 2));
	return true;
}

static uint16_t dns_response_flags(const struct dns_msg *q, uint16_t rcode)
{
	uint16_t f = DNS_FLAG_QR | DNS_FLAG_RA | (uint16_t)(q->opcode << 11) | (rcode & 0xf);
	f |= q->flags & (DNS_FLAG_RD | DNS_FLAG_CD);
	return f;
}

int dns_build_response(const struct dns_msg *q, uint16_t rcode, const struct dns_rr *an,
	size_t n_an, size_t max_len, uint8_t *buf, size_t cap)
{
	struct dns_dict d = { .n = 0 };
	bool edns = q->edns.is_present;
	if ((rcode > 15 && !edns) || rcode > 0xfff || n_an > 0xffff)
		return -1;
	size_t limit = max_len < cap ? max_len : cap, opt_len = edns ? DNS_OPT_LEN : 0;
	struct wcur w = wcur_init(buf, limit);
	uint16_t flags = dns_response_flags(q, rcode);
	dns_put_header(&w, q->id, flags, q->n_q ? 1 : 0, 0, 0, edns ? 1 : 0);
	if (q->n_q) {
		dns_put_name(&w, &d, &q->q[0].name);
		wcur_put_u16(&w, q->q[0].qtype);
		wcur_put_u16(&w, q->q[0].qclass);
	}
	if (!wcur_ok(&w) || w.len + opt_len > limit)
		return -1;
	size_t n_put = 0;
	for (; n_put < n_an; n_put++) {
		size_t mark = w.len, dmark = d.n;
		if (!dns_put_rr(&w, &d, &an[n_put]))
			return -1;
		if (!wcur_ok(&w) || w.len + opt_len > limit) {
			w.len = mark; /* RFC 2181 §9: drop whole records and set TC */
			w.full = false;
			d.n = dmark;
			flags |= DNS_FLAG_TC;
			break;
		}
	}
	if (edns)
		dns_put_opt(&w, rcode, q->edns.is_do);
	wcur_patch_u16(&w, 2, flags);
	wcur_patch_u16(&w, 6, (uint16_t)n_put);
	return wcur_ok(&w) ? (int)w.len : -1;
}

/* ---- raw helpers ---- */

uint16_t dns_get_id(const uint8_t *buf, size_t len)
{
	struct rcur c = rcur_init(buf, len);
	return rcur_u16(&c);
}

bool dns_set_id(uint8_t *buf, size_t len, uint16_t id)
{
	if (len < 2)
		return false;
	struct wcur w = wcur_init(buf, 2);
	wcur_put_u16(&w, id);
	return true;
}

/* Moves *off past the in-place part of a name (labels up to the root or a pointer) without
 * following pointers, so that the bytes it reads are never ones dns_raw_age_ttls rewrote. */
static bool dns_name_skip(const uint8_t *buf, size_t len, size_t *off)
{
	size_t pos = *off;
	for (;;) {
		if (pos >= len)
			return false;
		uint8_t l = buf[pos++];
		if ((l & 0xc0) == 0x40 || (l & 0xc0) == 0x80)
			return false;
		if ((l & 0xc0) == 0xc0) {
			if (pos >= len)
				return false;
			pos++;
			break;
		}
		if (l == 0)
			break;
		if (len - pos < l)
			return false;
		pos += l;
	}
	*off = pos;
	return true;
}

/* Indexed directly, as dns_name_parse: every answer from the cache passes here. */
bool dns_raw_age_ttls(uint8_t *buf, size_t len, uint32_t age_s)
{
	if (len < DNS_HDR_LEN)
		return false;
	uint16_t counts[4];
	for (size_t i = 0; i < 4; i++)
		counts[i] = (uint16_t)(buf[4 + 2 * i] << 8 | buf[5 + 2 * i]);
	size_t off = DNS_HDR_LEN;
	for (unsigned i = 0; i < counts[0]; i++) {
		if (!dns_name_skip(buf, len, &off) || len - off < 4)
			return false;
		off += 4;
	}
	unsigned n_rr = (unsigned)counts[1] + counts[2] + counts[3];
	for (unsigned i = 0; i < n_rr; i++) {
		if (!dns_name_skip(buf, len, &off) || len - off < 10)
			return false;
		uint8_t *f = buf + off;
		uint16_t type = (uint16_t)(f[0] << 8 | f[1]);
		uint32_t ttl = (uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 | (uint32_t)f[6] << 8 | f[7];
		uint16_t rdlen = (uint16_t)(f[8] << 8 | f[9]);
		if (len - off - 10 < rdlen)
			return false;
		if (type != DNS_T_OPT) {
			if (ttl & 0x80000000u)
				ttl = 0; /* RFC 2181 §8 */
			ttl = ttl > age_s ? ttl - age_s : 0;
			f[4] = (uint8_t)(ttl >> 24);
			f[5] = (uint8_t)(ttl >> 16);
			f[6] = (uint8_t)(ttl >> 8);
			f[7] = (uint8_t)ttl;
		}
		off += 10 + (size_t)rdlen;
	}
	return true;
}
