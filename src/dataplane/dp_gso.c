/* Software TSO/USO for the uplink; see dp_gso.h. The kernel's virtio-net header hdr_len is the
 * linear part of its skb, not the header length, so the headers are measured here from the IP
 * and TCP headers themselves, and csum_start/csum_offset must agree with them. */
#include "dataplane/dp_gso.h"

#include "core/csum.h"

#include <string.h>

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

const char *dp_gso_err_str(enum dp_gso_err e)
{
	switch (e) {
	case DP_GSO_OK: return "ok";
	case DP_GSO_E_SHORT: return "short";
	case DP_GSO_E_HDR: return "virtio-net header inconsistent";
	case DP_GSO_E_PROTO: return "not TCP/UDP over IPv4/IPv6 as the GSO type says";
	case DP_GSO_E_TOO_BIG: return "segment larger than the MTU";
	}
	return "?";
}

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)(v >> 16));
	st16(p + 2, (uint16_t)v);
}

void dp_vnet_parse(const uint8_t b[DP_VNET_HDR_LEN], struct dp_vnet *out)
{
	out->flags = b[0];
	out->gso_type = b[1];
	memcpy(&out->hdr_len, b + 2, 2);
	memcpy(&out->gso_size, b + 4, 2);
	memcpy(&out->csum_start, b + 6, 2);
	memcpy(&out->csum_offset, b + 8, 2);
}

/* The IP header: version, header length (l4_off), datagram length (end) and L4 protocol. */
static enum dp_gso_err gso_ip(struct dp_gso *g, const uint8_t *p, size_t len)
{
	if (len < 1)
		return DP_GSO_E_SHORT;
	g->ip_ver = p[0] >> 4;
	if (g->ip_ver == 4) {
		if (len < 20 || (p[0] & 0x0f) < 5 || (size_t)(p[0] & 0x0f) * 4 > len)
			return DP_GSO_E_SHORT;
		g->l4_off = (uint16_t)((p[0] & 0x0f) * 4);
		g->end = ld16(p + 2);
		/* a segment must not be a fragment: MF or a fragment offset */
		if (ld16(p + 6) & 0x3fff)
			return DP_GSO_E_PROTO;
		g->l4_proto = p[9];
		g->ip_id = ld16(p + 4);
		g->psum = csum_pseudo4(p + 12, p + 16, 0, g->l4_proto);
	} else if (g->ip_ver == 6) {
		if (len < 40)
			return DP_GSO_E_SHORT;
		g->l4_off = 40;
		g->end = 40 + (size_t)ld16(p + 4);
		/* Only TCP/UDP right after the fixed header: an extension header (a routing header
		 * changes the pseudo-header's destination, RFC 8200 §8.1) is not segmented. */
		g->l4_proto = p[6];
		g->psum = csum_pseudo6(p + 8, p + 24, 0, g->l4_proto);
	} else {
		return DP_GSO_E_PROTO;
	}
	if (g->end < g->l4_off)
		return DP_GSO_E_HDR;
	if (g->end > len)
		return DP_GSO_E_SHORT;
	return DP_GSO_OK;
}

static enum dp_gso_err gso_l4(struct dp_gso *g, const struct dp_vnet *vh, const uint8_t *p)
{
	unsigned t = vh->gso_type & (unsigned)~DP_VNET_GSO_ECN;
	bool tcp = t == DP_VNET_GSO_TCPV4 || t == DP_VNET_GSO_TCPV6;
	if ((t == DP_VNET_GSO_TCPV4 && g->ip_ver != 4) || (t == DP_VNET_GSO_TCPV6 && g->ip_ver != 6))
		return DP_GSO_E_HDR;
	if (g->l4_proto != (tcp ? IPPROTO_TCP_ : IPPROTO_UDP_))
		return DP_GSO_E_PROTO;
	/* virtio 1.2 §5.1.6.2.1: a GSO packet has NEEDS_CSUM, and the checksum it asks for is the
	 * TCP/UDP one. */
	if (!(vh->flags & DP_VNET_F_NEEDS_CSUM) || vh->csum_start != g->l4_off ||
	    vh->csum_offset != (tcp ? 16 : 6))
		return DP_GSO_E_HDR;
	size_t l4hl = 8;
	if (tcp) {
		if (g->end < (size_t)g->l4_off + 20)
			return DP_GSO_E_SHORT;
		l4hl = (size_t)(p[g->l4_off + 12] >> 4) * 4;
		if (l4hl < 20)
			return DP_GSO_E_HDR;
		g->seq = ld32(p + g->l4_off + 4);
	}
	if ((size_t)g->l4_off + l4hl > g->end)
		return DP_GSO_E_SHORT;
	if ((size_t)g->l4_off + l4hl > DP_GSO_MAX_HDR)
		return DP_GSO_E_PROTO;
	g->hdr_len = (uint16_t)(g->l4_off + l4hl);
	return DP_GSO_OK;
}

enum dp_gso_err dp_gso_begin(struct dp_gso *g, const struct dp_vnet *vh, const uint8_t *pkt,
			     size_t len, uint16_t mtu)
{
	memset(g, 0, sizeof(*g));
	unsigned t = vh->gso_type & (unsigned)~DP_VNET_GSO_ECN;
	if (t != DP_VNET_GSO_TCPV4 && t != DP_VNET_GSO_TCPV6 && t != DP_VNET_GSO_UDP_L4)
		return DP_GSO_E_HDR;
	if (vh->gso_size == 0)
		return DP_GSO_E_HDR;
	enum dp_gso_err e = gso_ip(g, pkt, len);
	if (e == DP_GSO_OK)
		e = gso_l4(g, vh, pkt);
	if (e != DP_GSO_OK)
		return e;
	g->pkt = pkt;
	g->off = g->hdr_len;
	g->is_first = true;
	size_t pay = g->end - g->hdr_len;
	size_t room = mtu > g->hdr_len ? (size_t)mtu - g->hdr_len : 0;
	size_t seg = vh->gso_size;
	if (t == DP_VNET_GSO_UDP_L4) {
		/* Each datagram is a message of its own: it cannot be cut smaller. */
		if (seg > room && pay > room)
			return DP_GSO_E_TOO_BIG;
	} else if (seg > room) {
		seg = room; /* a smaller MSS is still valid TCP (RFC 9293 §3.7.1) */
	}
	if (seg == 0)
		return DP_GSO_E_TOO_BIG;
	g->seg_max = (uint16_t)(seg < pay ? seg : (pay ? pay : 1));
	/* a super-packet of headers only is one segment */
	g->n_segs = g->n_left = (uint16_t)(pay ? (pay + seg - 1) / seg : 1);
	g->first_len = (uint16_t)(g->hdr_len + (pay < seg ? pay : seg));
	return DP_GSO_OK;
}

/* IPv4: total length, ID, header checksum; IPv6: payload length. */
static void gso_put_ip(struct dp_gso *g, uint8_t *h, size_t ip_len)
{
	if (g->ip_ver == 4) {
		st16(h + 2, (uint16_t)ip_len);
		st16(h + 4, g->ip_id++);
		st16(h + 10, 0);
		st16(h + 10, (uint16_t)~csum_fold(csum_add(0, h, g->l4_off)));
	} else {
		st16(h + 4, (uint16_t)(ip_len - 40));
	}
}

bool dp_gso_next(struct dp_gso *g, uint8_t *hdr, struct dp_gso_seg *seg)
{
	if (!g->pkt || g->n_left == 0)
		return false;
	size_t pay = g->end - g->off;
	if (pay > g->seg_max)
		pay = g->seg_max;
	bool is_last = --g->n_left == 0;
	size_t ip_len = g->hdr_len + pay, l4_len = ip_len - g->l4_off;
	memcpy(hdr, g->pkt, g->hdr_len);
	gso_put_ip(g, hdr, ip_len);
	uint8_t *l4 = hdr + g->l4_off;
	uint8_t *ck;
	if (g->l4_proto == IPPROTO_TCP_) {
		st32(l4 + 4, g->seq);
		g->seq += (uint32_t)pay;
		uint8_t fl = l4[13];
		if (!is_last)
			fl &= (uint8_t)~(TCP_FIN | TCP_PSH);
		if (!g->is_first)
			fl &= (uint8_t)~TCP_CWR;
		l4[13] = fl;
		ck = l4 + 16;
	} else {
		st16(l4 + 4, (uint16_t)l4_len);
		ck = l4 + 6;
	}
	st16(ck, 0);
	uint64_t sum = g->psum + l4_len;
	sum = csum_add(sum, l4, (size_t)(g->hdr_len - g->l4_off));
	sum = csum_add(sum, g->pkt + g->off, pay);
	uint16_t c = (uint16_t)~csum_fold(sum);
	/* RFC 768: a computed UDP checksum of zero is sent as all ones (zero means none). */
	if (c == 0 && g->l4_proto == IPPROTO_UDP_)
		c = 0xffff;
	st16(ck, c);
	*seg = (struct dp_gso_seg){ .pay = g->pkt + g->off, .hdr_len = g->hdr_len,
				    .pay_len = (uint16_t)pay, .ip_len = (uint16_t)ip_len };
	g->off += pay;
	g->is_first = false;
	return true;
}

enum dp_gso_err dp_csum_complete(const struct dp_vnet *vh, uint8_t *pkt, size_t len)
{
	if (!(vh->flags & DP_VNET_F_NEEDS_CSUM))
		return DP_GSO_OK;
	struct dp_gso g;
	enum dp_gso_err e = gso_ip(&g, pkt, len);
	if (e != DP_GSO_OK)
		return e;
	size_t start = vh->csum_start, at = start + vh->csum_offset;
	if (start < g.l4_off || at + 2 > g.end)
		return DP_GSO_E_HDR;
	uint16_t c = (uint16_t)~csum_fold(csum_add(0, pkt + start, g.end - start));
	/* Linux's skb_checksum_help sends a zero result as all ones (CSUM_MANGLED_0) too. */
	st16(pkt + at, c ? c : 0xffff);
	return DP_GSO_OK;
}
