/* IPv6 -> IPv4 translation (RFC 7915 §5) for replies to the bump in the host: extension
 * headers skipped, Fragment header -> IPv4 fragment fields, ICMPv6 -> ICMPv4 with one level of
 * inner packet, transport checksums. IPv6 problems are dropped; no ICMPv6 error is sent back. */
#include "nat46/nat46_int.h"

struct nat46_v6h {
	const uint8_t *p;         /* the IPv6 header */
	size_t l4_off, l4_len;    /* upper-layer offset; its length per the Payload Length */
	size_t avail;             /* bytes present from p, <= 40 + Payload Length */
	uint8_t tc, hop, proto;   /* proto: the upper-layer protocol */
	bool has_frag, mf;
	uint16_t foff;            /* fragment offset in 8-octet units */
	uint32_t id;
	const uint8_t *src, *dst;
};

struct nat46_o6 {
	uint8_t *p;
	size_t cap, *len;
	enum nat46_drop *why;
};

static enum nat46_verdict y6_fail(struct nat46_o6 *o, enum nat46_drop d)
{
	*o->len = 0;
	*o->why = d;
	return NAT46_DROP;
}

static bool y6_is_frag(const struct nat46_v6h *h)
{
	return h->has_frag && (h->mf || h->foff);
}

static bool y6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == NAT46_P_FRAG || nh == 60;
}

/* Hop-by-hop, routing and destination options: skipped (RFC 7915 §5.1); a routing header with
 * Segments Left > 0 MUST NOT be translated. Returns the header length or 0 with *d set. */
static size_t y6_skip_ext(const struct nat46_v6h *h, size_t off, uint8_t nh, enum nat46_drop *d)
{
	*d = NAT46_DROP_EXT_HDR;
	if ((nh == 0 && off != NAT46_IP6_HLEN) || y6_is_frag(h))
		return 0; /* RFC 8200 §4.1 order; options inside fragments cannot be removed */
	*d = NAT46_DROP_SHORT;
	if (off + 8 > h->avail)
		return 0;
	size_t hl = ((size_t)h->p[off + 1] + 1) * 8;
	if (off + hl > h->avail)
		return 0;
	*d = NAT46_DROP_EXT_HDR;
	if (nh == 43 && h->p[off + 3] != 0)
		return 0;
	*d = NAT46_DROP_NONE;
	return hl;
}

/* Walks the extension headers to the upper layer; inner packets may be cut short anywhere. */
static enum nat46_drop y6_walk(struct nat46_v6h *h, size_t end)
{
	size_t off = NAT46_IP6_HLEN;
	uint8_t nh = h->p[6];
	enum nat46_drop d;
	while (y6_is_ext(nh)) {
		if (nh != NAT46_P_FRAG) {
			size_t hl = y6_skip_ext(h, off, nh, &d);
			if (!hl)
				return d;
			nh = h->p[off];
			off += hl;
			continue;
		}
		if (h->has_frag)
			return NAT46_DROP_EXT_HDR;
		if (off + NAT46_FRAG_HLEN > h->avail)
			return NAT46_DROP_SHORT;
		h->has_frag = true;
		h->foff = nat46_ld16(h->p + off + 2) >> 3;
		h->mf = h->p[off + 3] & 1;
		h->id = nat46_ld32(h->p + off + 4);
		nh = h->p[off];
		off += NAT46_FRAG_HLEN;
		if (h->foff && y6_is_ext(nh))
			return NAT46_DROP_EXT_HDR;
	}
	if (off > end)
		return NAT46_DROP_HDR;
	h->proto = nh;
	h->l4_off = off;
	h->l4_len = end - off;
	return NAT46_DROP_NONE;
}

/* Parses an IPv6 header. Outer: the whole packet must be present. Inner (quoted in an ICMPv6
 * error): may be cut after the extension headers. */
static enum nat46_drop y6_parse(const uint8_t *p, size_t len, bool inner, struct nat46_v6h *h)
{
	if (len < NAT46_IP6_HLEN)
		return NAT46_DROP_SHORT;
	if (p[0] >> 4 != 6)
		return NAT46_DROP_HDR;
	size_t end = NAT46_IP6_HLEN + (size_t)nat46_ld16(p + 4);
	if (!inner && end > len)
		return NAT46_DROP_SHORT;
	memset(h, 0, sizeof(*h));
	h->p = p;
	h->avail = end < len ? end : len;
	h->tc = (uint8_t)(nat46_ld16(p) >> 4);
	h->hop = p[7];
	h->src = p + 8;
	h->dst = p + 24;
	return y6_walk(h, end);
}

/* RFC 7915 §5.1 IPv4 header; §6 2.: a Fragment header gives ID, MF and offset; otherwise
 * packets up to 1260 bytes get DF=0 and a generated ID (stateless here: a hash of the packet,
 * as the output is delivered to this host and never fragmented again; 0 in a quoted inner
 * header, which only serves to match the error to a socket), larger ones DF=1. */
static void y6_v4_hdr(uint8_t *o, const struct nat46_cfg *cfg, const struct nat46_v6h *h,
		      size_t tot, uint8_t proto, const uint8_t src4[4], const uint8_t dst4[4],
		      bool inner)
{
	uint16_t id = 0, flags = 0;
	if (h->has_frag) {
		id = (uint16_t)h->id;
		flags = (uint16_t)((h->mf ? 0x2000 : 0) | h->foff);
	} else if (tot <= NAT46_IPV6_MIN_MTU - (NAT46_IP6_HLEN - NAT46_IP4_HLEN)) {
		size_t n = h->avail < h->l4_off + 8 ? h->avail : h->l4_off + 8;
		id = inner ? 0 : nat46_ip_id(h->p, n);
	} else {
		flags = 0x4000;
	}
	o[0] = 0x45;
	o[1] = cfg->clear_tc ? 0 : h->tc;
	nat46_st16(o + 2, (uint16_t)tot);
	nat46_st16(o + 4, id);
	nat46_st16(o + 6, flags);
	o[8] = h->hop; /* not decremented: see nat46_4to6 */
	o[9] = proto;
	memcpy(o + 12, src4, 4);
	memcpy(o + 16, dst4, 4);
	nat46_ip4_csum_set(o);
}

static enum nat46_verdict y6_done(struct nat46_o6 *o, size_t len)
{
	*o->len = len;
	*o->why = NAT46_DROP_NONE;
	return NAT46_TO_V4;
}

/* TCP, UDP and every other protocol: payload copied, pseudo-header checksum updated
 * incrementally (RFC 1624) in the fragment that holds it; a zero UDP checksum stays zero. */
static enum nat46_verdict y6_data(const struct nat46_cfg *cfg, const struct nat46_v6h *h,
				  const uint8_t src4[4], struct nat46_o6 *o)
{
	size_t tot = NAT46_IP4_HLEN + h->l4_len;
	if (tot > 0xffff)
		return y6_fail(o, NAT46_DROP_HDR);
	if (tot > o->cap)
		return y6_fail(o, NAT46_DROP_NO_ROOM);
	uint8_t *l4 = o->p + NAT46_IP4_HLEN;
	memcpy(l4, h->p + h->l4_off, h->l4_len);
	nat46_l4_csum_fix(h->proto, l4, h->l4_len, (size_t)h->foff * 8,
			  nat46_addr_sum(h->src, h->dst, 16), nat46_addr_sum(src4, cfg->app_v4, 4),
			  true);
	y6_v4_hdr(o->p, cfg, h, tot, h->proto, src4, cfg->app_v4, false);
	return y6_done(o, tot);
}

/* RFC 7915 §5.2 Echo: 128/129 -> 8/0, checksum adjusted for the type and for leaving out the
 * pseudo-header of length len (RFC 1624). */
static void y6_echo_csum(uint8_t *ic, size_t len, const uint8_t *src6, const uint8_t *dst6)
{
	uint32_t ps = nat46_addr_sum(src6, dst6, 16) + (uint32_t)len + NAT46_P_ICMP6;
	uint16_t old_sum = nat46_fold(ps + nat46_ld16(ic));
	ic[0] = ic[0] == 128 ? 8 : 0;
	nat46_st16(ic + 2, nat46_csum_replace_nz(nat46_ld16(ic + 2), old_sum, nat46_ld16(ic)));
}

static enum nat46_verdict y6_echo(const struct nat46_cfg *cfg, const struct nat46_v6h *h,
				  const uint8_t src4[4], struct nat46_o6 *o)
{
	size_t tot = NAT46_IP4_HLEN + h->l4_len;
	if (tot > 0xffff)
		return y6_fail(o, NAT46_DROP_HDR);
	if (tot > o->cap)
		return y6_fail(o, NAT46_DROP_NO_ROOM);
	uint8_t *ic = o->p + NAT46_IP4_HLEN;
	memcpy(ic, h->p + h->l4_off, h->l4_len);
	y6_echo_csum(ic, h->l4_len, h->src, h->dst);
	y6_v4_hdr(o->p, cfg, h, tot, NAT46_P_ICMP4, src4, cfg->app_v4, false);
	return y6_done(o, tot);
}

/* RFC 7915 §5.2 Figure 6: IPv6 Parameter Problem pointer -> IPv4 pointer; -1 = n/a. */
static int y6_pp_ptr(uint32_t p6)
{
	if (p6 >= 40)
		return -1;
	if (p6 >= 24)
		return 16;
	if (p6 >= 8)
		return 12;
	static const int8_t map[8] = { 0, 1, -1, -1, 2, 2, 9, 8 };
	return map[p6];
}

/* RFC 7915 §5.2 Destination Unreachable codes; false = silently drop. */
static bool y6_unreach_map(uint8_t c6, uint8_t *c4)
{
	switch (c6) {
	case 0: case 2: case 3: /* no route, beyond scope, address unreachable */
		*c4 = 1;
		return true;
	case 1: /* administratively prohibited */
		*c4 = 10;
		return true;
	case 4:
		*c4 = 3;
		return true;
	default:
		return false;
	}
}

/* RFC 7915 §5.2 Packet Too Big -> Frag Needed: min(MTU - 20, IPv6 next-hop MTU - 20), 28 when
 * the packet in error had a Fragment header. An MTU below 1280 counts as 1280: IPv6 links are
 * never smaller (RFC 8200 §5), and RFC 8201 §4 forbids shrinking the path MTU below it. */
static uint32_t y6_ptb_mtu(const struct nat46_cfg *cfg, const uint8_t *ic, const uint8_t *inner,
			   size_t ilen)
{
	struct nat46_v6h ih;
	uint32_t mtu = nat46_ld32(ic + 4), v6 = cfg->v6_mtu;
	if (mtu < NAT46_IPV6_MIN_MTU)
		mtu = NAT46_IPV6_MIN_MTU;
	if (v6 < NAT46_IPV6_MIN_MTU)
		v6 = NAT46_IPV6_MIN_MTU;
	if (mtu > v6)
		mtu = v6;
	mtu -= NAT46_IP6_HLEN - NAT46_IP4_HLEN;
	if (y6_parse(inner, ilen, true, &ih) == NAT46_DROP_NONE && ih.has_frag)
		mtu -= NAT46_FRAG_HLEN;
	return mtu;
}

/* Maps an ICMPv6 error header to ICMPv4 type, code and the 32-bit field (RFC 7915 §5.2). */
static bool y6_err_map(const struct nat46_cfg *cfg, const uint8_t *ic, const uint8_t *inner,
		       size_t ilen, uint8_t *t4, uint8_t *c4, uint32_t *rest)
{
	int ptr;
	*rest = 0;
	switch (ic[0]) {
	case 1:
		*t4 = 3;
		return y6_unreach_map(ic[1], c4);
	case 2:
		*t4 = 3;
		*c4 = 4;
		*rest = y6_ptb_mtu(cfg, ic, inner, ilen);
		return true;
	case 3: /* time exceeded: code unchanged */
		*t4 = 11;
		*c4 = ic[1];
		return true;
	case 4:
		if (ic[1] == 1) { /* unrecognized Next Header -> protocol unreachable */
			*t4 = 3;
			*c4 = 2;
			return true;
		}
		ptr = y6_pp_ptr(nat46_ld32(ic + 4));
		if (ic[1] != 0 || ptr < 0)
			return false; /* code 2 (unrecognized option), unknown codes, n/a pointers */
		*t4 = 12;
		*c4 = 0;
		*rest = (uint32_t)ptr << 24;
		return true;
	default:
		return false;
	}
}

/* Inner ICMPv6 of an error: an echo is translated (checksum with the untruncated length);
 * an error inside an error stops the translation (RFC 7915 §5.3). */
static bool y6_inner_icmp(const struct nat46_v6h *ih, uint8_t *ic, size_t n)
{
	if (ih->foff || n == 0)
		return true;
	if (ic[0] != 128 && ic[0] != 129)
		return false;
	if (n < 4 || y6_is_frag(ih))
		ic[0] = ic[0] == 128 ? 8 : 0;
	else
		y6_echo_csum(ic, ih->l4_len, ih->src, ih->dst);
	return true;
}

/* Translates the packet quoted in an ICMPv6 error (RFC 7915 §5.3): one this host sent, so its
 * source is host_v6 and its destination a mapped peer. Returns its IPv4 length or 0, *d set. */
static size_t y6_inner(const struct nat46_cfg *cfg, const uint8_t *in, size_t ilen, uint8_t *o,
		       size_t cap, enum nat46_drop *d)
{
	struct nat46_v6h ih;
	uint8_t dst4[4];
	*d = NAT46_DROP_ICMP_INNER;
	if (y6_parse(in, ilen, true, &ih) != NAT46_DROP_NONE ||
	    memcmp(ih.src, cfg->host_v6, 16) != 0 || !cfg->map_v6_to_v4(cfg->ctx, ih.dst, dst4))
		return 0;
	size_t n = ih.avail - ih.l4_off, tot = NAT46_IP4_HLEN + ih.l4_len;
	if (tot > 0xffff || !nat46_proto_ok(ih.proto, false))
		return 0;
	if (cap < NAT46_IP4_HLEN + n) {
		*d = NAT46_DROP_NO_ROOM;
		return 0;
	}
	uint8_t *l4 = o + NAT46_IP4_HLEN;
	memcpy(l4, ih.p + ih.l4_off, n);
	uint8_t proto = ih.proto;
	if (proto == NAT46_P_ICMP6) {
		proto = NAT46_P_ICMP4;
		if (!y6_inner_icmp(&ih, l4, n))
			return 0;
	} else {
		nat46_l4_csum_fix(proto, l4, n, (size_t)ih.foff * 8,
				  nat46_addr_sum(ih.src, ih.dst, 16),
				  nat46_addr_sum(cfg->app_v4, dst4, 4), true);
	}
	y6_v4_hdr(o, cfg, &ih, tot, proto, cfg->app_v4, dst4, true);
	*d = NAT46_DROP_NONE;
	return NAT46_IP4_HLEN + n;
}

/* RFC 7915 §5.2/§5.3 ICMPv6 error -> ICMPv4 error, checksum computed over the result (the
 * input's, pseudo-header included, was verified first). RFC 4884 extensions are cut off. */
static enum nat46_verdict y6_error(const struct nat46_cfg *cfg, const struct nat46_v6h *h,
				   const uint8_t src4[4], struct nat46_o6 *o)
{
	const uint8_t *ic = h->p + h->l4_off;
	size_t n = h->l4_len, ilen = n - NAT46_ICMP_HLEN;
	uint8_t t4, c4;
	uint32_t rest;
	enum nat46_drop d;
	uint32_t ps = nat46_addr_sum(h->src, h->dst, 16) + (uint32_t)n + NAT46_P_ICMP6;
	if (nat46_fold(ps + nat46_csum_bytes(ic, n)) != 0xffff)
		return y6_fail(o, NAT46_DROP_ICMP_CSUM);
	if ((ic[0] == 1 || ic[0] == 3) && ic[4] && (size_t)ic[4] * 8 <= ilen)
		ilen = (size_t)ic[4] * 8; /* RFC 4884 §4.1 length attribute */
	if (!y6_err_map(cfg, ic, ic + NAT46_ICMP_HLEN, ilen, &t4, &c4, &rest))
		return y6_fail(o, NAT46_DROP_ICMP_TYPE);
	size_t hl = NAT46_IP4_HLEN + NAT46_ICMP_HLEN;
	if (o->cap < hl)
		return y6_fail(o, NAT46_DROP_NO_ROOM);
	size_t in4 = y6_inner(cfg, ic + NAT46_ICMP_HLEN, ilen, o->p + hl, o->cap - hl, &d);
	if (!in4)
		return y6_fail(o, d);
	uint8_t *ic4 = o->p + NAT46_IP4_HLEN;
	size_t len4 = NAT46_ICMP_HLEN + in4;
	ic4[0] = t4;
	ic4[1] = c4;
	ic4[2] = ic4[3] = 0;
	nat46_st32(ic4 + 4, rest);
	nat46_st16(ic4 + 2, (uint16_t)~nat46_csum_bytes(ic4, len4));
	y6_v4_hdr(o->p, cfg, h, NAT46_IP4_HLEN + len4, NAT46_P_ICMP4, src4, cfg->app_v4,
		  false);
	return y6_done(o, NAT46_IP4_HLEN + len4);
}

/* RFC 7915 §5.2: echo and errors are translated; MLD, ND and other informational messages
 * are single-hop or unknown and dropped. Fragmented ICMPv6 is dropped (RFC 7915 §1.2). */
static enum nat46_verdict y6_icmp(const struct nat46_cfg *cfg, const struct nat46_v6h *h,
				  const uint8_t src4[4], struct nat46_o6 *o)
{
	if (y6_is_frag(h))
		return y6_fail(o, NAT46_DROP_ICMP_FRAG);
	if (h->l4_len < NAT46_ICMP_HLEN)
		return y6_fail(o, NAT46_DROP_SHORT);
	switch (h->p[h->l4_off]) {
	case 128: case 129:
		return y6_echo(cfg, h, src4, o);
	case 1: case 2: case 3: case 4:
		return y6_error(cfg, h, src4, o);
	default:
		return y6_fail(o, NAT46_DROP_ICMP_TYPE);
	}
}

/* The peer's pool address; an ICMPv6 error from an unmapped router (Time Exceeded, Packet
 * Too Big on the path) takes icmp_err_v4 as its source instead (RFC 7915 §5.1, RFC 6791). */
static bool y6_src4(const struct nat46_cfg *cfg, const struct nat46_v6h *h, uint8_t src4[4])
{
	if (cfg->map_v6_to_v4(cfg->ctx, h->src, src4))
		return true;
	bool is_err = h->proto == NAT46_P_ICMP6 && !y6_is_frag(h) && h->l4_len > 0 &&
		      h->p[h->l4_off] < 128;
	if (!is_err || nat46_ld32(cfg->icmp_err_v4) == 0)
		return false;
	memcpy(src4, cfg->icmp_err_v4, 4);
	return true;
}

enum nat46_verdict nat46_6to4(const struct nat46_cfg *cfg, const uint8_t *in, size_t in_len,
			      uint8_t *out, size_t out_cap, size_t *out_len, enum nat46_drop *why)
{
	struct nat46_o6 o = { .p = out, .cap = out_cap, .len = out_len, .why = why };
	struct nat46_v6h h;
	uint8_t src4[4];
	enum nat46_drop d = y6_parse(in, in_len, false, &h);
	if (d != NAT46_DROP_NONE)
		return y6_fail(&o, d);
	if (memcmp(h.dst, cfg->host_v6, 16) != 0)
		return y6_fail(&o, NAT46_DROP_DST);
	if (h.src[0] == 0xff)
		return y6_fail(&o, NAT46_DROP_SRC);
	if (!y6_src4(cfg, &h, src4))
		return y6_fail(&o, NAT46_DROP_NO_MAP);
	if (!nat46_proto_ok(h.proto, false))
		return y6_fail(&o, NAT46_DROP_PROTO);
	if (h.proto == NAT46_P_ICMP6)
		return y6_icmp(cfg, &h, src4, &o);
	return y6_data(cfg, &h, src4, &o);
}
