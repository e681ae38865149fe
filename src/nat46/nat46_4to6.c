/* IPv4 -> IPv6 translation (RFC 7915 §4) for the bump in the host: headers, fragments, ICMPv4
 * -> ICMPv6 with one level of inner packet, transport checksums, and the ICMPv4 errors the
 * translator itself sends back to the app (host unreachable, source route failed, frag needed).
 * The TTL is copied, not decremented: see nat46_4to6 below. */
#include "nat46/nat46_int.h"

struct nat46_v4h {
	const uint8_t *p;          /* the header */
	size_t hlen, tot, avail;   /* avail: bytes present from p, <= tot */
	uint8_t tos, ttl, proto;
	uint16_t id, foff;         /* fragment offset in 8-octet units */
	bool df, mf;
	const uint8_t *src, *dst;
};

/* One output in progress: the buffer and what the caller gets back. */
struct nat46_o {
	uint8_t *p;
	size_t cap, *len;
	enum nat46_drop *why;
};

static enum nat46_verdict x4_fail(struct nat46_o *o, enum nat46_drop d)
{
	*o->len = 0;
	*o->why = d;
	return NAT46_DROP;
}

static bool x4_is_frag(const struct nat46_v4h *h)
{
	return h->mf || h->foff;
}

/* Parses an IPv4 header. Outer: the whole packet must be present and the header checksum
 * right. Inner (quoted in an ICMP error): may be cut anywhere after the header. */
static enum nat46_drop x4_parse(const uint8_t *p, size_t len, bool inner, struct nat46_v4h *h)
{
	if (len < NAT46_IP4_HLEN)
		return NAT46_DROP_SHORT;
	if (p[0] >> 4 != 4 || (p[0] & 15) < 5)
		return NAT46_DROP_HDR;
	h->p = p;
	h->hlen = (size_t)(p[0] & 15) * 4;
	h->tot = nat46_ld16(p + 2);
	if (len < h->hlen)
		return NAT46_DROP_SHORT;
	if (h->tot < h->hlen)
		return NAT46_DROP_HDR;
	if (!inner && h->tot > len)
		return NAT46_DROP_SHORT;
	if (!inner && nat46_csum_bytes(p, h->hlen) != 0xffff)
		return NAT46_DROP_CSUM4; /* RFC 1812 §5.2.2 */
	h->avail = h->tot < len ? h->tot : len;
	h->tos = p[1];
	h->id = nat46_ld16(p + 4);
	h->df = p[6] & 0x40;
	h->mf = p[6] & 0x20;
	h->foff = nat46_ld16(p + 6) & 0x1fff;
	h->ttl = p[8];
	h->proto = p[9];
	h->src = p + 12;
	h->dst = p + 16;
	return NAT46_DROP_NONE;
}

/* RFC 7915 §4.1: an unexpired loose or strict source route (pointer within the option) makes
 * the packet untranslatable. Malformed options end the walk: options are ignored anyway. */
static bool x4_src_route(const struct nat46_v4h *h)
{
	const uint8_t *o = h->p + NAT46_IP4_HLEN;
	size_t left = h->hlen - NAT46_IP4_HLEN;
	while (left && o[0] != 0) {
		if (o[0] == 1) {
			o++;
			left--;
			continue;
		}
		if (left < 2 || o[1] < 2 || o[1] > left)
			return false;
		if ((o[0] == 131 || o[0] == 137) && o[1] >= 3 && o[2] <= o[1])
			return true;
		left -= o[1];
		o += o[1];
	}
	return false;
}

static bool x4_icmp_is_query(uint8_t type)
{
	return type == 0 || type == 8 || (type >= 9 && type <= 10) || (type >= 13 && type <= 18);
}

static uint16_t x4_v6_mtu(const struct nat46_cfg *cfg)
{
	return cfg->v6_mtu < NAT46_IPV6_MIN_MTU ? NAT46_IPV6_MIN_MTU : cfg->v6_mtu;
}

/* RFC 7915 §4.1: the size above which DF=0 packets are fragmented, 1280 unless configured. */
static size_t x4_df0_mtu(const struct nat46_cfg *cfg)
{
	size_t m = cfg->df0_mtu6 ? cfg->df0_mtu6 : NAT46_IPV6_MIN_MTU;
	size_t v6 = x4_v6_mtu(cfg);
	if (m < NAT46_IPV6_MIN_MTU)
		m = NAT46_IPV6_MIN_MTU;
	return m > v6 ? v6 : m;
}

/* Answers the offending packet with an ICMPv4 error from router_v4 (RFC 792), quoting as much
 * of it as fits in 576 bytes (RFC 1812 §4.3.2.3). No error is sent about an ICMP error or a
 * non-first fragment (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7); then the packet is just dropped. */
static enum nat46_verdict x4_icmp_err(const struct nat46_cfg *cfg, const struct nat46_v4h *h,
				      uint8_t type, uint8_t code, uint32_t rest,
				      enum nat46_drop reason, struct nat46_o *o)
{
	size_t l4 = h->tot - h->hlen;
	if (nat46_ld32(cfg->router_v4) == 0) /* no source to send from: just drop */
		return x4_fail(o, reason);
	if (h->foff || (h->proto == NAT46_P_ICMP4 &&
			(l4 == 0 || !x4_icmp_is_query(h->p[h->hlen]))))
		return x4_fail(o, reason);
	size_t q = h->tot, max_q = NAT46_ICMP4_ERR_MAX - NAT46_IP4_HLEN - NAT46_ICMP_HLEN;
	if (q > max_q)
		q = max_q;
	size_t n = NAT46_IP4_HLEN + NAT46_ICMP_HLEN + q;
	if (n > o->cap)
		return x4_fail(o, NAT46_DROP_NO_ROOM);
	uint8_t *ip = o->p, *ic = o->p + NAT46_IP4_HLEN;
	ip[0] = 0x45;
	ip[1] = 0xc0; /* RFC 1812 §4.3.2.5: precedence 6 for ICMP errors */
	nat46_st16(ip + 2, (uint16_t)n);
	nat46_st16(ip + 4, nat46_ip_id(h->p, h->hlen));
	nat46_st16(ip + 6, 0);
	ip[8] = 64;
	ip[9] = NAT46_P_ICMP4;
	memcpy(ip + 12, cfg->router_v4, 4);
	memcpy(ip + 16, h->src, 4);
	nat46_ip4_csum_set(ip);
	ic[0] = type;
	ic[1] = code;
	ic[2] = ic[3] = 0;
	nat46_st32(ic + 4, rest);
	memcpy(ic + 8, h->p, q);
	nat46_st16(ic + 2, (uint16_t)~nat46_csum_bytes(ic, NAT46_ICMP_HLEN + q));
	*o->len = n;
	*o->why = reason;
	return NAT46_TO_V4;
}

/* RFC 1191 §7 plateau table, for a Frag Needed without a next-hop MTU. */
static uint32_t x4_plateau(uint32_t tot_len)
{
	static const uint16_t plateau[] = { 65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006,
					    508, 296, 68 };
	for (size_t i = 0; i < sizeof(plateau) / sizeof(plateau[0]); i++)
		if (plateau[i] < tot_len)
			return plateau[i];
	return 68;
}

static void x4_v6_hdr(uint8_t *o, const struct nat46_cfg *cfg, uint8_t tos, size_t plen, uint8_t nh,
		      uint8_t hop, const uint8_t src[16], const uint8_t dst[16])
{
	uint8_t tc = cfg->clear_tc ? 0 : tos;
	nat46_st32(o, 0x60000000u | (uint32_t)tc << 20);
	nat46_st16(o + 4, (uint16_t)plen);
	o[6] = nh;
	o[7] = hop;
	memcpy(o + 8, src, 16);
	memcpy(o + 24, dst, 16);
}

/* RFC 7915 §4.1 Fragment header: offset and M copied, Identification = the IPv4 one. */
static void x4_frag_hdr(uint8_t *o, uint8_t nh, uint32_t foff, bool mf, uint16_t id)
{
	o[0] = nh;
	o[1] = 0;
	nat46_st16(o + 2, (uint16_t)(foff << 3 | (mf ? 1 : 0)));
	nat46_st32(o + 4, id);
}

/* Splits the unfragmented IPv6 packet at o->p (40-byte header, payload plen) into fragments of
 * at most mtu bytes, back to back, moving the payload chunks in place from the last one; h
 * gives the offset, MF and Identification of the IPv4 original (RFC 7915 §4.1). */
static enum nat46_verdict x4_split(const struct nat46_v4h *h, size_t plen, size_t mtu,
				   struct nat46_o *o)
{
	size_t c = (mtu - NAT46_IP6_HLEN - NAT46_FRAG_HLEN) & ~(size_t)7;
	size_t n = (plen + c - 1) / c, step = NAT46_IP6_HLEN + NAT46_FRAG_HLEN + c;
	if (n * (NAT46_IP6_HLEN + NAT46_FRAG_HLEN) + plen > o->cap)
		return x4_fail(o, NAT46_DROP_NO_ROOM);
	uint8_t tmpl[NAT46_IP6_HLEN];
	memcpy(tmpl, o->p, sizeof(tmpl));
	for (size_t i = n; i-- > 0;) {
		size_t len = plen - i * c < c ? plen - i * c : c;
		memmove(o->p + i * step + NAT46_IP6_HLEN + NAT46_FRAG_HLEN,
			o->p + NAT46_IP6_HLEN + i * c, len);
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = plen - i * c < c ? plen - i * c : c;
		uint8_t *f = o->p + i * step;
		memcpy(f, tmpl, sizeof(tmpl));
		nat46_st16(f + 4, (uint16_t)(NAT46_FRAG_HLEN + len));
		f[6] = NAT46_P_FRAG;
		x4_frag_hdr(f + NAT46_IP6_HLEN, tmpl[6], h->foff + i * c / 8, i + 1 < n || h->mf,
			    h->id);
	}
	*o->len = n * (NAT46_IP6_HLEN + NAT46_FRAG_HLEN) + plen;
	*o->why = NAT46_DROP_NONE;
	return NAT46_TO_V6;
}

/* RFC 7915 §4.5: an unfragmented UDP datagram with a zero checksum gets a full IPv6 one. */
static bool x4_udp_csum(uint8_t *udp, size_t plen, const uint8_t src6[16], const uint8_t dst6[16])
{
	size_t ulen = plen >= 8 ? nat46_ld16(udp + 4) : 0;
	if (ulen < 8 || ulen > plen)
		return false;
	uint32_t s = nat46_addr_sum(src6, dst6, 16);
	s += (uint32_t)ulen + NAT46_P_UDP + nat46_csum_bytes(udp, ulen);
	uint16_t c = (uint16_t)~nat46_fold(s);
	nat46_st16(udp + 6, c ? c : 0xffff);
	return true;
}

/* Decides the size policy for an IPv6 packet of plen payload bytes made from h: ok (with a
 * Fragment header when h is a fragment), split (DF=0, RFC 7915 §4.1), or frag needed. */
enum x4_size { X4_FITS, X4_SPLIT, X4_TOO_BIG };

static enum x4_size x4_size(const struct nat46_cfg *cfg, const struct nat46_v4h *h, size_t plen)
{
	size_t need = NAT46_IP6_HLEN + (x4_is_frag(h) ? NAT46_FRAG_HLEN : 0) + plen;
	if (h->df)
		return need > x4_v6_mtu(cfg) ? X4_TOO_BIG : X4_FITS;
	return need > x4_df0_mtu(cfg) ? X4_SPLIT : X4_FITS;
}

/* RFC 1191: Frag Needed carries the largest IPv4 packet that fits after translation. */
static enum nat46_verdict x4_too_big(const struct nat46_cfg *cfg, const struct nat46_v4h *h,
				     struct nat46_o *o)
{
	uint32_t mtu4 = x4_v6_mtu(cfg) - (NAT46_IP6_HLEN - NAT46_IP4_HLEN) -
			(x4_is_frag(h) ? NAT46_FRAG_HLEN : 0);
	return x4_icmp_err(cfg, h, 3, 4, mtu4, NAT46_DROP_TOO_BIG, o);
}

/* Writes the header(s) in front of a payload already at o->p + 40 (+8) and splits if asked. */
static enum nat46_verdict x4_finish(const struct nat46_cfg *cfg, const struct nat46_v4h *h,
				    uint8_t nh, size_t plen, const uint8_t dst6[16],
				    enum x4_size sz, struct nat46_o *o)
{
	bool fh = x4_is_frag(h) && sz == X4_FITS;
	x4_v6_hdr(o->p, cfg, h->tos, plen + (fh ? NAT46_FRAG_HLEN : 0), fh ? NAT46_P_FRAG : nh,
		  h->ttl, cfg->host_v6, dst6);
	if (sz == X4_SPLIT)
		return x4_split(h, plen, x4_df0_mtu(cfg), o);
	if (fh)
		x4_frag_hdr(o->p + NAT46_IP6_HLEN, nh, h->foff, h->mf, h->id);
	*o->len = NAT46_IP6_HLEN + (fh ? NAT46_FRAG_HLEN : 0) + plen;
	*o->why = NAT46_DROP_NONE;
	return NAT46_TO_V6;
}

/* TCP, UDP and every other protocol: payload copied, pseudo-header checksums updated
 * incrementally (RFC 1624) in whichever fragment holds the checksum field. */
static enum nat46_verdict x4_data(const struct nat46_cfg *cfg, const struct nat46_v4h *h,
				  const uint8_t dst6[16], struct nat46_o *o)
{
	size_t plen = h->tot - h->hlen;
	enum x4_size sz = x4_size(cfg, h, plen);
	if (sz == X4_TOO_BIG)
		return x4_too_big(cfg, h, o);
	size_t off = NAT46_IP6_HLEN + (x4_is_frag(h) && sz == X4_FITS ? NAT46_FRAG_HLEN : 0);
	if (off + plen > o->cap)
		return x4_fail(o, NAT46_DROP_NO_ROOM);
	uint8_t *l4 = o->p + off;
	memcpy(l4, h->p + h->hlen, plen);
	uint16_t os = nat46_addr_sum(h->src, h->dst, 4);
	uint16_t ns = nat46_addr_sum(cfg->host_v6, dst6, 16);
	if (!nat46_l4_csum_fix(h->proto, l4, plen, (size_t)h->foff * 8, os, ns, false)) {
		if (x4_is_frag(h)) /* RFC 7915 §4.5: a stateless translator SHOULD drop */
			return x4_fail(o, NAT46_DROP_UDP0_FRAG);
		if (!x4_udp_csum(l4, plen, cfg->host_v6, dst6))
			return x4_fail(o, NAT46_DROP_HDR);
	}
	return x4_finish(cfg, h, h->proto, plen, dst6, sz, o);
}

/* RFC 7915 §4.2 Echo: type 8/0 -> 128/129; the checksum is adjusted for the type change and
 * the ICMPv6 pseudo-header (RFC 1624), so a corrupted message stays detectably corrupted. */
static void x4_echo_csum(uint8_t *ic, uint8_t new_type, size_t len, const uint8_t *src6,
			 const uint8_t *dst6)
{
	uint16_t old_w = nat46_ld16(ic);
	ic[0] = new_type;
	uint32_t ps = nat46_addr_sum(src6, dst6, 16) + (uint32_t)len + NAT46_P_ICMP6;
	uint16_t new_sum = nat46_fold(ps + nat46_ld16(ic));
	nat46_st16(ic + 2, nat46_csum_replace(nat46_ld16(ic + 2), old_w, new_sum));
}

static enum nat46_verdict x4_echo(const struct nat46_cfg *cfg, const struct nat46_v4h *h,
				  const uint8_t dst6[16], struct nat46_o *o)
{
	size_t plen = h->tot - h->hlen;
	enum x4_size sz = x4_size(cfg, h, plen);
	if (sz == X4_TOO_BIG)
		return x4_too_big(cfg, h, o);
	if (NAT46_IP6_HLEN + plen > o->cap)
		return x4_fail(o, NAT46_DROP_NO_ROOM);
	uint8_t *ic = o->p + NAT46_IP6_HLEN;
	memcpy(ic, h->p + h->hlen, plen);
	x4_echo_csum(ic, h->p[h->hlen] == 8 ? 128 : 129, plen, cfg->host_v6, dst6);
	return x4_finish(cfg, h, NAT46_P_ICMP6, plen, dst6, sz, o);
}

/* RFC 7915 §4.2 Figure 3: IPv4 Parameter Problem pointer -> IPv6 pointer; -1 = n/a. */
static int x4_pp_ptr(uint8_t p4)
{
	static const int8_t map[20] = { 0, 1, 4, 4, -1, -1, -1, -1, 7, 6, -1, -1,
					8, 8, 8, 8, 24, 24, 24, 24 };
	return p4 < 20 ? map[p4] : -1;
}

/* RFC 7915 §4.2 Destination Unreachable code -> ICMPv6 type/code; false = silently drop. */
static bool x4_unreach_map(uint8_t code, uint8_t *t6, uint8_t *c6, uint32_t *rest)
{
	*t6 = 1;
	*rest = 0;
	switch (code) {
	case 0: case 1: case 5: case 6: case 7: case 8: case 11: case 12:
		*c6 = 0;
		return true;
	case 2: /* protocol unreachable -> parameter problem pointing at Next Header */
		*t6 = 4;
		*c6 = 1;
		*rest = 6;
		return true;
	case 3:
		*c6 = 4;
		return true;
	case 9: case 10: case 13: case 15:
		*c6 = 1;
		return true;
	default: /* 14 host precedence violation, unknown codes */
		return false;
	}
}

/* RFC 7915 §4.2 Frag Needed -> Packet Too Big: min(MTU+20, IPv6 next-hop MTU); a zero MTU
 * uses the RFC 1191 plateau below the quoted Total Length; below 1280 becomes 1280 (§6). */
static uint32_t x4_ptb_mtu(const struct nat46_cfg *cfg, const uint8_t *ic, const uint8_t *inner,
			   size_t ilen)
{
	uint32_t mtu = nat46_ld16(ic + 6);
	if (mtu == 0)
		mtu = x4_plateau(ilen >= 4 ? nat46_ld16(inner + 2) : 0);
	mtu += NAT46_IP6_HLEN - NAT46_IP4_HLEN;
	if (mtu > x4_v6_mtu(cfg))
		mtu = x4_v6_mtu(cfg);
	return mtu < NAT46_IPV6_MIN_MTU ? NAT46_IPV6_MIN_MTU : mtu;
}

/* Maps an ICMPv4 error header to the ICMPv6 type, code and 32-bit field (RFC 7915 §4.2). */
static bool x4_err_map(const struct nat46_cfg *cfg, const uint8_t *ic, const uint8_t *inner,
		       size_t ilen, uint8_t *t6, uint8_t *c6, uint32_t *rest)
{
	int ptr;
	switch (ic[0]) {
	case 3:
		if (ic[1] != 4)
			return x4_unreach_map(ic[1], t6, c6, rest);
		*t6 = 2;
		*c6 = 0;
		*rest = x4_ptb_mtu(cfg, ic, inner, ilen);
		return true;
	case 11: /* time exceeded: code unchanged */
		*t6 = 3;
		*c6 = ic[1];
		*rest = 0;
		return true;
	case 12: /* parameter problem: codes 0 and 2 by Figure 3, others dropped */
		ptr = x4_pp_ptr(ic[4]);
		if ((ic[1] != 0 && ic[1] != 2) || ptr < 0)
			return false;
		*t6 = 4;
		*c6 = 0;
		*rest = (uint32_t)ptr;
		return true;
	default: /* source quench, redirect, alternate host address, unknown: drop */
		return false;
	}
}

/* Inner ICMP of an error: an echo gets its type and checksum translated (with the original,
 * untruncated length in the pseudo-header); an error inside an error stops the translation
 * (RFC 7915 §4.3). Fragments other than the first are opaque. */
static bool x4_inner_icmp(const struct nat46_v4h *ih, uint8_t *ic, size_t n, const uint8_t *src6,
			  const uint8_t *dst6)
{
	if (ih->foff || n == 0)
		return true;
	if (ic[0] != 0 && ic[0] != 8)
		return false;
	if (n < 4 || x4_is_frag(ih)) {
		ic[0] = ic[0] == 8 ? 128 : 129;
		return true;
	}
	x4_echo_csum(ic, ic[0] == 8 ? 128 : 129, ih->tot - ih->hlen, src6, dst6);
	return true;
}

/* Translates the packet quoted in an ICMPv4 error (RFC 7915 §4.3): a packet the app received,
 * so its source is a pool address and its destination the app. The payload is cut to fit
 * limit bytes; more than cap is NO_ROOM. Returns the length, or 0 with *d set. */
static size_t x4_inner(const struct nat46_cfg *cfg, const uint8_t *in, size_t ilen, uint8_t *o,
		       size_t limit, size_t cap, enum nat46_drop *d)
{
	struct nat46_v4h ih;
	uint8_t src6[16];
	*d = NAT46_DROP_ICMP_INNER;
	if (x4_parse(in, ilen, true, &ih) != NAT46_DROP_NONE || !nat46_in_app_net(cfg, ih.dst) ||
	    !nat46_proto_ok(ih.proto, true) || !cfg->map_v4_to_v6(cfg->ctx, ih.src, src6))
		return 0;
	bool fh = x4_is_frag(&ih);
	size_t hl = NAT46_IP6_HLEN + (fh ? NAT46_FRAG_HLEN : 0), n = ih.avail - ih.hlen;
	uint8_t nh = ih.proto == NAT46_P_ICMP4 ? NAT46_P_ICMP6 : ih.proto;
	if (n > limit - hl)
		n = limit - hl;
	if (hl + n > cap) {
		*d = NAT46_DROP_NO_ROOM;
		return 0;
	}
	x4_v6_hdr(o, cfg, ih.tos, ih.tot - ih.hlen + (fh ? NAT46_FRAG_HLEN : 0),
		  fh ? NAT46_P_FRAG : nh, ih.ttl, src6, cfg->host_v6);
	if (fh)
		x4_frag_hdr(o + NAT46_IP6_HLEN, nh, ih.foff, ih.mf, ih.id);
	memcpy(o + hl, ih.p + ih.hlen, n);
	if (ih.proto == NAT46_P_ICMP4) {
		if (!x4_inner_icmp(&ih, o + hl, n, src6, cfg->host_v6))
			return 0;
	} else {
		nat46_l4_csum_fix(ih.proto, o + hl, n, (size_t)ih.foff * 8,
				  nat46_addr_sum(ih.src, ih.dst, 4),
				  nat46_addr_sum(src6, cfg->host_v6, 16), true);
	}
	*d = NAT46_DROP_NONE;
	return hl + n;
}

/* RFC 7915 §4.2/§4.3 ICMPv4 error -> ICMPv6 error, at most 1280 bytes (RFC 4443 §2.4 (c)),
 * checksum computed over the result with the pseudo-header. RFC 4884 extensions are cut off
 * and the length attribute cleared. */
static enum nat46_verdict x4_error(const struct nat46_cfg *cfg, const struct nat46_v4h *h,
				   const uint8_t dst6[16], struct nat46_o *o)
{
	const uint8_t *ic = h->p + h->hlen;
	size_t n = h->tot - h->hlen, ilen = n - NAT46_ICMP_HLEN;
	uint8_t t6, c6;
	uint32_t rest;
	enum nat46_drop d;
	if (nat46_csum_bytes(ic, n) != 0xffff)
		return x4_fail(o, NAT46_DROP_ICMP_CSUM);
	if (ic[5] && (size_t)ic[5] * 4 <= ilen) /* RFC 4884 §4.1 length attribute */
		ilen = (size_t)ic[5] * 4;
	if (!x4_err_map(cfg, ic, ic + NAT46_ICMP_HLEN, ilen, &t6, &c6, &rest))
		return x4_fail(o, NAT46_DROP_ICMP_TYPE);
	size_t hl = NAT46_IP6_HLEN + NAT46_ICMP_HLEN;
	if (o->cap < hl)
		return x4_fail(o, NAT46_DROP_NO_ROOM);
	size_t in6 = x4_inner(cfg, ic + NAT46_ICMP_HLEN, ilen, o->p + hl, NAT46_IPV6_MIN_MTU - hl,
			      o->cap - hl, &d);
	if (!in6)
		return x4_fail(o, d);
	uint8_t *ic6 = o->p + NAT46_IP6_HLEN;
	size_t len6 = NAT46_ICMP_HLEN + in6;
	ic6[0] = t6;
	ic6[1] = c6;
	ic6[2] = ic6[3] = 0;
	nat46_st32(ic6 + 4, rest);
	uint32_t s = nat46_addr_sum(cfg->host_v6, dst6, 16) + (uint32_t)len6 + NAT46_P_ICMP6;
	nat46_st16(ic6 + 2, (uint16_t)~nat46_fold(s + nat46_csum_bytes(ic6, len6)));
	x4_v6_hdr(o->p, cfg, h->tos, len6, NAT46_P_ICMP6, h->ttl, cfg->host_v6, dst6);
	*o->len = NAT46_IP6_HLEN + len6;
	*o->why = NAT46_DROP_NONE;
	return NAT46_TO_V6;
}

/* RFC 7915 §4.2: echo is translated, errors with their inner packet, the rest (obsolete
 * queries, single-hop messages, unknown types) silently dropped. ICMP split into fragments
 * cannot have its checksum translated statelessly and is dropped (RFC 7915 §1.2). */
static enum nat46_verdict x4_icmp(const struct nat46_cfg *cfg, const struct nat46_v4h *h,
				  const uint8_t dst6[16], struct nat46_o *o)
{
	if (x4_is_frag(h))
		return x4_fail(o, NAT46_DROP_ICMP_FRAG);
	if (h->tot - h->hlen < NAT46_ICMP_HLEN)
		return x4_fail(o, NAT46_DROP_SHORT);
	switch (h->p[h->hlen]) {
	case 0: case 8:
		return x4_echo(cfg, h, dst6, o);
	case 3: case 11: case 12:
		return x4_error(cfg, h, dst6, o);
	default:
		return x4_fail(o, NAT46_DROP_ICMP_TYPE);
	}
}

static bool x4_mcast_dst(const uint8_t d[4])
{
	return (d[0] & 0xf0) == 0xe0 || nat46_ld32(d) == 0xffffffffu || nat46_ld32(d) == 0;
}

/* The TTL becomes the hop limit unchanged. RFC 7915 §4.1 has a translator decrement it as a
 * router would; this one is a bump in the host (RFC 6535): the packet has not crossed a router
 * yet, so no hop is counted (no phantom hop in traceroute, TTL=1 packets still leave) and no
 * Time Exceeded is ever generated here. */
enum nat46_verdict nat46_4to6(const struct nat46_cfg *cfg, const uint8_t *in, size_t in_len,
			      uint8_t *out, size_t out_cap, size_t *out_len, enum nat46_drop *why)
{
	struct nat46_o o = { .p = out, .cap = out_cap, .len = out_len, .why = why };
	struct nat46_v4h h;
	uint8_t dst6[16];
	enum nat46_drop d = x4_parse(in, in_len, false, &h);
	if (d != NAT46_DROP_NONE)
		return x4_fail(&o, d);
	if (!nat46_in_app_net(cfg, h.src))
		return x4_fail(&o, NAT46_DROP_SRC);
	if (x4_mcast_dst(h.dst))
		return x4_fail(&o, NAT46_DROP_MCAST);
	if (h.hlen > NAT46_IP4_HLEN && x4_src_route(&h)) /* RFC 7915 §4.1: source route failed */
		return x4_icmp_err(cfg, &h, 3, 5, 0, NAT46_DROP_SRC_ROUTE, &o);
	if (!cfg->map_v4_to_v6(cfg->ctx, h.dst, dst6)) /* RFC 792: host unreachable */
		return x4_icmp_err(cfg, &h, 3, 1, 0, NAT46_DROP_NO_MAP, &o);
	if (!nat46_proto_ok(h.proto, true))
		return x4_fail(&o, NAT46_DROP_PROTO);
	if (h.proto == NAT46_P_ICMP4)
		return x4_icmp(cfg, &h, dst6, &o);
	return x4_data(cfg, &h, dst6, &o);
}
