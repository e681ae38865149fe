/* TCP receive coalescing for the TUN (GRO rules of net/ipv4/tcp_offload.c tcp_gro_receive and
 * inet_gro_receive / ipv6_gro_receive) and CHECKSUM_PARTIAL hand-on; see dp_gro.h. RFC 9293
 * §3.1 (header), RFC 791, RFC 8200 §8.1 (pseudo-header), RFC 6864 §4.1 (IDs of atomic
 * datagrams). Fixed headers are read through memcpy-based loads after a length check. */
#include "dataplane/dp_gro.h"

#include "core/csum.h"

#include <string.h>

#define GRO_TCP_FIN 0x01
#define GRO_TCP_SYN 0x02
#define GRO_TCP_RST 0x04
#define GRO_TCP_PSH 0x08
#define GRO_TCP_URG 0x20
#define GRO_TCP_CWR 0x80

static uint16_t gro_ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t gro_ld32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void gro_st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

enum gro_kind {
	GRO_OTHER,    /* not a TCP packet this code reads: passes unchanged */
	GRO_TCP,      /* TCP, but never coalesced (no payload, SYN/FIN/RST/URG/CWR, options) */
	GRO_TCP_DATA, /* a candidate */
};

/* What one packet is, from its fixed headers. */
struct gro_info {
	enum gro_kind kind;
	bool is_v6, has_addrs;
	uint16_t iph_len, th_len, payload;
	uint32_t seq;
	uint8_t flags;
};

/* IPv4: no options, no fragment, total length = the packet's. */
static enum gro_kind gro_parse4(const uint8_t *p, size_t len, struct gro_info *t)
{
	if (len < 20)
		return GRO_OTHER;
	t->has_addrs = true;
	if ((p[0] & 0x0f) != 5 || gro_ld16(p + 2) != len || (gro_ld16(p + 6) & 0x3fff) != 0 ||
	    p[9] != 6)
		return GRO_OTHER; /* MF or an offset: a fragment; or not TCP */
	t->iph_len = 20;
	return GRO_TCP;
}

/* IPv6: TCP right after the fixed header, payload length = the packet's. */
static enum gro_kind gro_parse6(const uint8_t *p, size_t len, struct gro_info *t)
{
	if (len < 40)
		return GRO_OTHER;
	t->is_v6 = true;
	t->has_addrs = true;
	if (gro_ld16(p + 4) + 40u != len || p[6] != 6)
		return GRO_OTHER;
	t->iph_len = 40;
	return GRO_TCP;
}

static void gro_parse(const struct dp_gro_pkt *pk, struct gro_info *t)
{
	memset(t, 0, sizeof(*t));
	const uint8_t *p = pk->p;
	if (pk->len < 1)
		return;
	enum gro_kind k = GRO_OTHER;
	if (p[0] >> 4 == 4)
		k = gro_parse4(p, pk->len, t);
	else if (p[0] >> 4 == 6)
		k = gro_parse6(p, pk->len, t);
	if (k == GRO_OTHER || pk->len < t->iph_len + 20u)
		return;
	const uint8_t *th = p + t->iph_len;
	t->th_len = (uint16_t)((th[12] >> 4) * 4);
	if (t->th_len < 20 || t->iph_len + t->th_len > pk->len)
		return;
	t->kind = GRO_TCP;
	t->seq = gro_ld32(th + 4);
	t->flags = th[13];
	t->payload = (uint16_t)(pk->len - t->iph_len - t->th_len);
	if (t->payload && !(t->flags & (GRO_TCP_SYN | GRO_TCP_FIN | GRO_TCP_RST | GRO_TCP_URG |
					 GRO_TCP_CWR)))
		t->kind = GRO_TCP_DATA;
}

/* The IPv4 header checksum and (unless the sender left it to us) the TCP checksum check. */
static bool gro_csum_ok(const struct dp_gro_pkt *pk, const struct gro_info *t)
{
	const uint8_t *p = pk->p;
	size_t ulen = pk->len - t->iph_len;
	uint64_t sum;
	if (!t->is_v6) {
		if (csum_fold(csum_add(0, p, 20)) != 0xffff)
			return false;
		sum = csum_pseudo4(p + 12, p + 16, ulen, 6);
	} else {
		sum = csum_pseudo6(p + 8, p + 24, ulen, 6);
	}
	if (pk->is_csum_partial)
		return true;
	return csum_fold(csum_add(sum, p + t->iph_len, ulen)) == 0xffff;
}

static bool gro_same_flow(const uint8_t *a, const uint8_t *b, const struct gro_info *t)
{
	if ((a[0] >> 4) != (b[0] >> 4))
		return false;
	if (!t->is_v6)
		return memcmp(a + 12, b + 12, 8) == 0 &&
		       (t->kind == GRO_OTHER || memcmp(a + 20, b + 20, 4) == 0);
	return memcmp(a + 8, b + 8, 32) == 0 &&
	       (t->kind == GRO_OTHER || memcmp(a + 40, b + 40, 4) == 0);
}

static void gro_close(struct dp_gro *g, unsigned i)
{
	g->open[i] = g->open[--g->n_open];
}

/* Every field but length, ID and checksum of the IP header, and of the TCP header every field
 * but sequence number, checksum and PSH must match the chain's first segment. */
static bool gro_headers_match(const uint8_t *f, const uint8_t *p, const struct gro_info *t)
{
	if (!t->is_v6) {
		if (memcmp(f, p, 2) != 0 || memcmp(f + 6, p + 6, 4) != 0)
			return false; /* version, IHL, TOS; flags/offset, TTL, protocol */
	} else if (memcmp(f, p, 4) != 0 || f[7] != p[7]) {
		return false; /* version, traffic class, flow label; hop limit */
	}
	const uint8_t *fh = f + t->iph_len, *ph = p + t->iph_len;
	return memcmp(fh + 8, ph + 8, 5) == 0 && ((fh[13] ^ ph[13]) & ~GRO_TCP_PSH) == 0 &&
	       memcmp(fh + 14, ph + 14, 2) == 0 && memcmp(fh + 18, ph + 18, t->th_len - 18u) == 0;
}

/* Appends packet i to chain k when the kernel would have: 1; 0 if not; -1 if packet i's own
 * checksum is wrong. */
static int gro_try_append(struct dp_gro *g, size_t k, const struct dp_gro_pkt *pkts, size_t i,
			   const struct gro_info *t)
{
	struct dp_gro_out *o = &g->out[k];
	struct dp_gro_chain *c = &g->chain[k];
	const uint8_t *f = pkts[o->first].p, *p = pkts[i].p;
	if ((f[t->iph_len + 12] >> 4) * 4 != t->th_len || t->seq != c->next_seq ||
	    t->payload > c->mss || o->len + t->payload > DP_GRO_MAX_LEN ||
	    !gro_headers_match(f, p, t))
		return 0;
	bool fixed_id = false;
	if (!t->is_v6) {
		uint16_t id = gro_ld16(p + 4), id0 = gro_ld16(f + 4);
		bool df = (p[6] & 0x40) != 0;
		if (o->n == 1)
			fixed_id = df && id == id0; /* RFC 6864 §4.1: any ID on an atomic datagram */
		else
			fixed_id = c->is_fixed_id;
		if (id != (fixed_id ? id0 : c->id_next))
			return 0;
	}
	if (!c->is_checked) {
		struct gro_info ft;
		gro_parse(&pkts[o->first], &ft);
		if (!gro_csum_ok(&pkts[o->first], &ft)) {
			g->stats.n_bad_csum++;
			return 0;
		}
		c->is_checked = true;
	}
	if (!gro_csum_ok(&pkts[i], t)) {
		g->stats.n_bad_csum++;
		return -1;
	}
	c->is_fixed_id = fixed_id;
	c->id_next = (uint16_t)(c->id_next + 1);
	g->next[c->last] = (int16_t)i;
	g->next[i] = -1;
	c->last = (uint16_t)i;
	c->next_seq += t->payload;
	o->n++;
	o->len += t->payload;
	return 1;
}

static size_t gro_new_out(struct dp_gro *g, const struct dp_gro_pkt *pkts, size_t i)
{
	size_t k = g->n_out++;
	struct dp_gro_out *o = &g->out[k];
	o->vnet = (struct dp_vnet){ .gso_type = DP_VNET_GSO_NONE };
	o->first = (uint16_t)i;
	o->n = 1;
	o->hdr_len = 0;
	o->len = (uint32_t)pkts[i].len;
	g->next[i] = -1;
	return k;
}

/* Starts a chain at packet i, which may grow unless it is already final. */
static void gro_open(struct dp_gro *g, const struct dp_gro_pkt *pkts, size_t i,
		     const struct gro_info *t)
{
	size_t k = gro_new_out(g, pkts, i);
	if (t->flags & GRO_TCP_PSH)
		return;
	g->chain[k] = (struct dp_gro_chain){
		.next_seq = t->seq + t->payload,
		.mss = t->payload,
		.last = (uint16_t)i,
		.id_next = t->is_v6 ? 0 : (uint16_t)(gro_ld16(pkts[i].p + 4) + 1),
	};
	g->open[g->n_open++] = (uint16_t)k;
}

/* Packet i (a TCP data segment) joins its flow's open chain or starts a new one. */
static void gro_add_data(struct dp_gro *g, const struct dp_gro_pkt *pkts, size_t i,
			 const struct gro_info *t)
{
	for (unsigned j = 0; j < g->n_open; j++) {
		size_t k = g->open[j];
		if (!gro_same_flow(pkts[g->out[k].first].p, pkts[i].p, t))
			continue;
		int r = gro_try_append(g, k, pkts, i, t);
		if (r > 0) {
			if (t->payload < g->chain[k].mss || (t->flags & GRO_TCP_PSH))
				gro_close(g, j);
			return;
		}
		gro_close(g, j); /* a later segment of the flow must not overtake this chain */
		if (r < 0) {
			gro_new_out(g, pkts, i); /* alone, for the kernel to drop and count */
			return;
		}
		break;
	}
	gro_open(g, pkts, i, t);
}

/* Writes the super-packet's headers and vnet header for chain k. */
static void gro_finish(struct dp_gro *g, size_t k, const struct dp_gro_pkt *pkts)
{
	struct dp_gro_out *o = &g->out[k];
	const struct dp_gro_pkt *f = &pkts[o->first];
	struct gro_info t;
	gro_parse(f, &t);
	uint16_t hl = (uint16_t)(t.iph_len + t.th_len);
	uint8_t *h = o->hdr;
	memcpy(h, f->p, hl);
	size_t ulen = o->len - t.iph_len;
	uint64_t ps;
	if (!t.is_v6) {
		gro_st16(h + 2, (uint16_t)o->len);
		gro_st16(h + 10, 0);
		gro_st16(h + 10, (uint16_t)~csum_fold(csum_add(0, h, 20)));
		ps = csum_pseudo4(h + 12, h + 16, ulen, 6);
	} else {
		gro_st16(h + 4, (uint16_t)ulen);
		ps = csum_pseudo6(h + 8, h + 24, ulen, 6);
	}
	h[t.iph_len + 13] |= pkts[g->chain[k].last].p[t.iph_len + 13] & GRO_TCP_PSH;
	/* A virtio GSO write carries the pseudo-header sum in the checksum field, not inverted
	 * (what __tcp_v4_send_check leaves for CHECKSUM_PARTIAL). */
	gro_st16(h + t.iph_len + 16, csum_fold(ps));
	o->hdr_len = hl;
	o->vnet = (struct dp_vnet){
		.flags = DP_VNET_F_NEEDS_CSUM,
		.gso_type = t.is_v6 ? DP_VNET_GSO_TCPV6 : DP_VNET_GSO_TCPV4,
		.hdr_len = hl,
		.gso_size = g->chain[k].mss,
		.csum_start = t.iph_len,
		.csum_offset = 16,
	};
	g->stats.n_coalesced += o->n;
}

/* A packet passed on alone: NEEDS_CSUM where the sender left the checksum to us. */
static void gro_single_vnet(struct dp_gro *g, struct dp_gro_out *o, const struct dp_gro_pkt *pk)
{
	uint16_t start, off;
	if (!pk->is_csum_partial || !dp_gro_csum_locate(pk->p, pk->len, &start, &off))
		return;
	o->vnet = (struct dp_vnet){ .flags = DP_VNET_F_NEEDS_CSUM, .gso_type = DP_VNET_GSO_NONE,
				    .csum_start = start, .csum_offset = off };
	g->stats.n_csum_partial++;
}

size_t dp_gro_run(struct dp_gro *g, const struct dp_gro_pkt *pkts, size_t n)
{
	if (n > DP_GRO_MAX_PKTS)
		n = DP_GRO_MAX_PKTS;
	g->n_out = 0;
	g->n_open = 0;
	for (size_t i = 0; i < n; i++) {
		struct gro_info t;
		gro_parse(&pkts[i], &t);
		if (t.kind == GRO_TCP_DATA) {
			gro_add_data(g, pkts, i, &t);
			continue;
		}
		/* This packet goes out alone, after whatever its flow (for a non-TCP packet: its
		 * address pair, e.g. a fragment) has so far: those chains stop growing. */
		for (unsigned j = 0; t.has_addrs && j < g->n_open;) {
			if (gro_same_flow(pkts[g->out[g->open[j]].first].p, pkts[i].p, &t))
				gro_close(g, j);
			else
				j++;
		}
		gro_new_out(g, pkts, i);
	}
	for (size_t k = 0; k < g->n_out; k++) {
		if (g->out[k].n > 1)
			gro_finish(g, k, pkts);
		else
			gro_single_vnet(g, &g->out[k], &pkts[g->out[k].first]);
	}
	return g->n_out;
}

size_t dp_gro_segs(const struct dp_gro *g, size_t k, const struct dp_gro_pkt *pkts,
		   struct dp_gro_seg *seg, size_t cap)
{
	const struct dp_gro_out *o = &g->out[k];
	if (o->n == 1) {
		if (cap < 1)
			return 0;
		seg[0] = (struct dp_gro_seg){ pkts[o->first].p, pkts[o->first].len };
		return 1;
	}
	if (cap < o->n + 1u)
		return 0;
	seg[0] = (struct dp_gro_seg){ o->hdr, o->hdr_len };
	size_t m = 1;
	for (int i = o->first; i >= 0; i = g->next[i])
		seg[m++] = (struct dp_gro_seg){ pkts[i].p + o->hdr_len, pkts[i].len - o->hdr_len };
	return m;
}

/* IPv6 extension headers before the upper layer (RFC 8200 §4): Hop-by-Hop, Routing, Destination
 * Options. A Fragment header (or anything else) means no partial checksum can be finished. */
static bool gro_l4_v6(const uint8_t *p, size_t len, size_t *off, uint8_t *nh)
{
	if (len < 40 || gro_ld16(p + 4) + 40u > len)
		return false;
	*nh = p[6];
	*off = 40;
	for (int n = 0; n < 8; n++) {
		if (*nh != 0 && *nh != 43 && *nh != 60)
			return true;
		if (*off + 8 > len)
			return false;
		uint8_t next = p[*off];
		*off += (p[*off + 1] + 1u) * 8;
		*nh = next;
	}
	return false;
}

bool dp_gro_csum_locate(const uint8_t *p, size_t len, uint16_t *csum_start, uint16_t *csum_offset)
{
	size_t off;
	uint8_t proto;
	if (len >= 20 && p[0] >> 4 == 4) {
		off = (p[0] & 0x0fu) * 4;
		if (off < 20 || gro_ld16(p + 2) > len || gro_ld16(p + 2) < off ||
		    (gro_ld16(p + 6) & 0x3fff) != 0)
			return false;
		proto = p[9];
		len = gro_ld16(p + 2);
	} else if (len >= 1 && p[0] >> 4 == 6) {
		if (!gro_l4_v6(p, len, &off, &proto))
			return false;
		len = gro_ld16(p + 4) + 40u;
	} else {
		return false;
	}
	uint16_t co;
	size_t min;
	if (proto == 6) {
		co = 16;
		min = 20;
	} else if (proto == 17 || proto == 136) {
		co = 6;
		min = 8; /* UDP, UDP-Lite (RFC 3828) */
	} else {
		return false;
	}
	if (off + min > len || off > UINT16_MAX)
		return false;
	*csum_start = (uint16_t)off;
	*csum_offset = co;
	return true;
}

void dp_vnet_build(const struct dp_vnet *v, uint8_t out[10])
{
	out[0] = v->flags;
	out[1] = v->gso_type;
	memcpy(out + 2, &v->hdr_len, 2);
	memcpy(out + 4, &v->gso_size, 2);
	memcpy(out + 6, &v->csum_start, 2);
	memcpy(out + 8, &v->csum_offset, 2);
}
