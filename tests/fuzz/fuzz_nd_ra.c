/* Drives the ND router discovery / SLAAC / DAD FSM with sequences of ICMPv6 messages (wrapped in a
 * valid IPv6 header from a chosen source), raw packets, timer steps, NA/NS aimed at our addresses,
 * stop and start. Checks: every packet sent parses, addresses are added before being updated or
 * removed, never with a reserved identifier, pref <= valid, and no deadline is left in the past. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "nd/nd_ra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_LIVE (ND_RA_MAX_PREFIXES * 2)

struct fz {
	int n_live;
	uint8_t live[FZ_MAX_LIVE][16];
};

static int fz_find(struct fz *z, const uint8_t a[16])
{
	for (int i = 0; i < z->n_live; i++)
		if (memcmp(z->live[i], a, 16) == 0)
			return i;
	return -1;
}

static void fz_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct nd_ip6_hdr ip;
	struct rcur c;
	struct nd_nsna_msg m;
	(void)ctx;
	if (nd_parse_ipv6_icmp(pkt, len, &ip, &c) != ND_E_OK || ip.hop_limit != 255)
		abort();
	if (c.p[0] != ND_ICMP6_RS && nd_parse_nsna(c.p, c.left, &ip, &m) != ND_E_OK)
		abort();
}

static void fz_addr(void *ctx, const struct nd_addr_event *a)
{
	struct fz *z = ctx;
	int i = fz_find(z, a->addr);
	if (nd_iid_is_reserved(a->addr + 8) || a->pref_s > a->valid_s || a->valid_s == 0 ||
		nd_prefix_is_link_scope(a->addr, 64))
		abort();
	if (a->plen != 64 && a->plen != 128)
		abort();
	if (a->is_new != (i < 0))
		abort();
	if (a->is_new) {
		if (z->n_live == FZ_MAX_LIVE)
			abort();
		memcpy(z->live[z->n_live++], a->addr, 16);
	}
}

static void fz_addr_rm(void *ctx, const uint8_t addr[16], uint8_t plen)
{
	struct fz *z = ctx;
	int i = fz_find(z, addr);
	(void)plen;
	if (i < 0)
		abort();
	memcpy(z->live[i], z->live[--z->n_live], 16);
}

static void fz_rtr(void *ctx, const uint8_t r[16], uint32_t lifetime_s, enum nd_prf prf)
{
	(void)ctx;
	if (!nd_addr_is_link_local(r) || lifetime_s == 0 || prf == ND_PRF_RESERVED)
		abort();
}

static void fz_rtr_rm(void *ctx, const uint8_t r[16])
{
	(void)ctx;
	(void)r;
}

static void fz_route(void *ctx, const uint8_t p[16], uint8_t plen, const uint8_t r[16],
	uint32_t lifetime_s, enum nd_prf prf)
{
	(void)ctx;
	(void)r;
	if (plen > 128 || lifetime_s == 0 || prf == ND_PRF_RESERVED ||
		(plen > 0 && nd_prefix_is_link_scope(p, plen)))
		abort();
}

static void fz_route_rm(void *ctx, const uint8_t p[16], uint8_t plen, const uint8_t r[16])
{
	(void)ctx;
	(void)p;
	(void)plen;
	(void)r;
}

static void fz_dns(void *ctx)
{
	(void)ctx;
}

static void fz_mtu(void *ctx, uint32_t mtu)
{
	(void)ctx;
	if (mtu < ND_RA_MIN_MTU || mtu > 1492)
		abort();
}

static void fz_flags(void *ctx, bool m, bool o)
{
	(void)ctx;
	(void)m;
	(void)o;
}

static const struct nd_ra_ops fz_ops = {
	.send = fz_send,
	.addr_update = fz_addr,
	.addr_remove = fz_addr_rm,
	.router_update = fz_rtr,
	.router_remove = fz_rtr_rm,
	.route_update = fz_route,
	.route_remove = fz_route_rm,
	.dns_changed = fz_dns,
	.mtu = fz_mtu,
	.flags = fz_flags,
};

/* Sends an NA or a DAD NS (with our nonce when k has bit 7) for the address of prefix slot k. */
static void fz_hit_addr(struct nd_ra *nd, uint8_t k, bool as_ns, uint64_t now)
{
	if (nd->n_prefixes == 0)
		return;
	const struct nd_ra_prefix *p = &nd->prefixes[k % nd->n_prefixes];
	struct nd_ip6_hdr ip = { .src = { 0xfe, 0x80, [15] = 2 }, .hop_limit = 255 };
	struct nd_nsna_msg m = { .type = as_ns ? ND_ICMP6_NS : ND_ICMP6_NA };
	memcpy(m.target, p->addr, 16);
	if (as_ns) {
		memset(ip.src, 0, 16);
		nd_solicited_node(p->addr, ip.dst);
		if (k & 0x80) {
			m.has_nonce = true;
			memcpy(m.nonce, p->nonce, ND_NONCE_LEN);
		}
		nd_ra_on_ns(nd, &ip, &m, now);
	} else {
		nd_ra_on_na(nd, &ip, &m, now);
	}
}

/* Wraps msg in an IPv6 header from a source picked by sel and feeds it. */
static void fz_icmp(struct nd_ra *nd, uint8_t sel, const uint8_t *msg, size_t len, uint64_t now)
{
	static const uint8_t srcs[4][16] = { { 0xfe, 0x80, [15] = 1 }, { 0xfe, 0x80, [15] = 2 },
		{ 0 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	uint8_t dst[16] = { 0xff, 0x02, [15] = 1 }, pkt[ND_IP6_HDR_LEN + 1024];
	if (sel & 4)
		nd_solicited_node(srcs[3], dst);
	int n = nd_build_ipv6_icmp(srcs[sel & 3], dst, msg, len, pkt, sizeof(pkt));
	if (n > 0)
		nd_ra_on_packet(nd, pkt, (size_t)n, now);
}

/* Runs the record at data[*i] (op, arg, maybe bytes) at time *now. */
static void fz_step(struct nd_ra *nd, struct fz *z, const uint8_t *data, size_t size, size_t *i,
	uint64_t *now)
{
	uint8_t op = data[*i], arg = data[*i + 1];
	*i += 2;
	size_t len = (size_t)arg * 4 < size - *i ? (size_t)arg * 4 : size - *i;
	switch (op % 6) {
	case 0: /* ICMPv6 message of arg*4 bytes */
		fz_icmp(nd, op >> 3, data + *i, len, *now);
		*i += len;
		break;
	case 1: /* time passes: arg^2 * 100 ms, or up to the next deadline */
		if (arg == 0 && nd_ra_next_deadline(nd) != V6L_NEVER)
			*now = nd_ra_next_deadline(nd);
		else
			*now += (uint64_t)arg * arg * 100;
		nd_ra_on_timer(nd, *now);
		if (nd_ra_next_deadline(nd) <= *now)
			abort();
		break;
	case 2:
		fz_hit_addr(nd, arg, op & 8, *now);
		break;
	case 3:
		nd_ra_stop(nd, *now);
		if (z->n_live != 0 || nd_ra_next_deadline(nd) != V6L_NEVER)
			abort();
		break;
	case 4:
		nd_ra_start(nd, *now);
		break;
	default: /* raw packet */
		nd_ra_on_packet(nd, data + *i, len, *now);
		*i += len;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nd_ra nd;
	struct v6l_rng rng;
	struct fz z = { 0 };
	struct nd_ra_cfg cfg = { .iid = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 },
		.link_mtu = 1492, .net_iface = "ppp0" };
	if (size < 1)
		return 0;
	cfg.use_stable_privacy = data[0] & 1;
	rng_init_seed(&rng, 1);
	nd_ra_init(&nd, &cfg, &fz_ops, &z, &rng, "fz");
	uint64_t now = 0;
	nd_ra_start(&nd, now);
	size_t i = 1;
	while (i + 2 <= size) {
		fz_step(&nd, &z, data, size, &i, &now);
		if (nd.n_prefixes > ND_RA_MAX_PREFIXES || nd.n_dns > ND_RA_MAX_DNS ||
			nd.n_search > ND_RA_MAX_SEARCH || nd.n_routes > ND_RA_MAX_ROUTES ||
			nd.n_routers > ND_RA_MAX_ROUTERS || nd.n_pref64 > ND_RA_MAX_PREF64)
			abort();
	}
	nd_ra_stop(&nd, now);
	if (z.n_live != 0)
		abort();
	return 0;
}
