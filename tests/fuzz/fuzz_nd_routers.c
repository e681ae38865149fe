/* Drives the router-mode ND FSM with sequences of records: an ICMPv6 body wrapped in a valid IPv6
 * header from one of four sources (checksum filled in), a raw packet, time passing, stop/start.
 * Checks: no src route, RFC 4191 route or router removed that was not added, src routes only via
 * known routers, RFC 4191 routes never for ::/0, link-local or multicast prefixes, lifetimes
 * non-zero, counts within capacity, DNS and PREF64 lists distinct, no deadline left in the past,
 * and nothing left after stop. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "nd/nd_routers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_ROUTES (ND_ROUTERS_MAX * ND_ROUTERS_MAX_PREFIXES)

struct fz_route {
	uint8_t prefix[16], router[16];
	uint8_t plen;
};

struct fz {
	int n_rtr, n_route, n_rio;
	uint8_t rtr[ND_ROUTERS_MAX][16];
	struct fz_route route[FZ_MAX_ROUTES];
	struct fz_route rio[ND_ROUTERS_MAX_ROUTES];
};

static int fz_rio_find(const struct fz *z, const uint8_t p[16], uint8_t plen, const uint8_t r[16])
{
	for (int i = 0; i < z->n_rio; i++)
		if (z->rio[i].plen == plen && memcmp(z->rio[i].prefix, p, 16) == 0 &&
			memcmp(z->rio[i].router, r, 16) == 0)
			return i;
	return -1;
}

static void fz_rt(void *ctx, const uint8_t p[16], uint8_t plen, const uint8_t r[16],
	uint32_t lifetime_s, enum nd_prf prf)
{
	struct fz *z = ctx;
	if (plen == 0 || plen > 128 || lifetime_s == 0 || prf == ND_PRF_RESERVED ||
		!nd_addr_is_link_local(r) || nd_prefix_is_link_scope(p, plen))
		abort();
	if (fz_rio_find(z, p, plen, r) >= 0)
		return;
	if (z->n_rio == ND_ROUTERS_MAX_ROUTES)
		abort();
	struct fz_route *e = &z->rio[z->n_rio++];
	memcpy(e->prefix, p, 16);
	memcpy(e->router, r, 16);
	e->plen = plen;
}

static void fz_rt_rm(void *ctx, const uint8_t p[16], uint8_t plen, const uint8_t r[16])
{
	struct fz *z = ctx;
	int i = fz_rio_find(z, p, plen, r);
	if (i < 0)
		abort();
	z->rio[i] = z->rio[--z->n_rio];
}

static void fz_pfx(void *ctx)
{
	(void)ctx;
}

static int fz_rtr_find(const struct fz *z, const uint8_t r[16])
{
	for (int i = 0; i < z->n_rtr; i++)
		if (memcmp(z->rtr[i], r, 16) == 0)
			return i;
	return -1;
}

static int fz_route_find(const struct fz *z, const uint8_t p[16], uint8_t plen,
	const uint8_t r[16])
{
	for (int i = 0; i < z->n_route; i++)
		if (z->route[i].plen == plen && memcmp(z->route[i].prefix, p, 16) == 0 &&
			memcmp(z->route[i].router, r, 16) == 0)
			return i;
	return -1;
}

static void fz_rs(void *ctx)
{
	(void)ctx;
}

static void fz_rtr(void *ctx, const uint8_t r[16], uint32_t lifetime_s, enum nd_prf prf)
{
	struct fz *z = ctx;
	if (!nd_addr_is_link_local(r) || lifetime_s == 0 || lifetime_s > 65535 || prf > ND_PRF_LOW)
		abort();
	if (fz_rtr_find(z, r) >= 0)
		return;
	if (z->n_rtr == ND_ROUTERS_MAX)
		abort();
	memcpy(z->rtr[z->n_rtr++], r, 16);
}

static void fz_rtr_rm(void *ctx, const uint8_t r[16])
{
	struct fz *z = ctx;
	int i = fz_rtr_find(z, r);
	if (i < 0)
		abort();
	/* Every src route via it is withdrawn first. */
	for (int k = 0; k < z->n_route; k++)
		if (memcmp(z->route[k].router, r, 16) == 0)
			abort();
	memcpy(z->rtr[i], z->rtr[--z->n_rtr], 16);
}

static void fz_src(void *ctx, const uint8_t p[16], uint8_t plen, const uint8_t r[16],
	uint32_t lifetime_s, enum nd_prf prf)
{
	struct fz *z = ctx;
	if (plen == 0 || plen > 128 || lifetime_s == 0 || lifetime_s > 65535 || prf > ND_PRF_LOW)
		abort();
	if (fz_rtr_find(z, r) < 0)
		abort();
	if (fz_route_find(z, p, plen, r) >= 0)
		return;
	if (z->n_route == FZ_MAX_ROUTES)
		abort();
	struct fz_route *e = &z->route[z->n_route++];
	memcpy(e->prefix, p, 16);
	memcpy(e->router, r, 16);
	e->plen = plen;
}

static void fz_src_rm(void *ctx, const uint8_t p[16], uint8_t plen, const uint8_t r[16])
{
	struct fz *z = ctx;
	int i = fz_route_find(z, p, plen, r);
	if (i < 0)
		abort();
	z->route[i] = z->route[--z->n_route];
}

static void fz_dns(void *ctx)
{
	(void)ctx;
}

static void fz_flags(void *ctx, bool m, bool o)
{
	(void)ctx;
	(void)m;
	(void)o;
}

static const struct nd_routers_ops fz_ops = {
	.send_rs = fz_rs,
	.router_update = fz_rtr,
	.router_remove = fz_rtr_rm,
	.src_route_update = fz_src,
	.src_route_remove = fz_src_rm,
	.route_update = fz_rt,
	.route_remove = fz_rt_rm,
	.prefixes_changed = fz_pfx,
	.dns_changed = fz_dns,
	.flags = fz_flags,
};

/* Wraps msg in an IPv6 header (hop limit 255) from a source picked by sel and feeds it. */
static void fz_icmp(struct nd_routers *nr, uint8_t sel, const uint8_t *msg, size_t len,
	uint64_t now)
{
	static const uint8_t srcs[4][16] = { { 0xfe, 0x80, [15] = 1 }, { 0xfe, 0x80, [15] = 2 },
		{ 0xfe, 0x80, [14] = 1, [15] = 3 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	static const uint8_t dst[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t pkt[ND_IP6_HDR_LEN + 1024];
	int n = nd_build_ipv6_icmp(srcs[sel & 3], dst, msg, len, pkt, sizeof(pkt));
	if (n > 0)
		nd_routers_on_packet(nr, pkt, (size_t)n, now);
}

static void fz_check(const struct nd_routers *nr, const struct fz *z, uint64_t now)
{
	size_t n;
	if (nr->n_routers > ND_ROUTERS_MAX || nr->n_dns_src > ND_ROUTERS_MAX_DNS_SRC ||
		nr->n_search_src > ND_ROUTERS_MAX_DNS_SRC || z->n_rtr != nr->n_routers)
		abort();
	int n_routes = 0;
	for (size_t i = 0; i < nr->n_routers; i++) {
		if (nr->routers[i].n_prefixes > ND_ROUTERS_MAX_PREFIXES)
			abort();
		n_routes += nr->routers[i].n_prefixes;
	}
	if (n_routes != z->n_route)
		abort();
	const struct nd_ra_dns *d = nd_routers_dns(nr, &n);
	if (n > ND_ROUTERS_MAX_DNS)
		abort();
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(d[i].addr, d[j].addr, 16) == 0)
				abort();
	const struct nd_ra_search *s = nd_routers_search(nr, &n);
	if (n > ND_ROUTERS_MAX_SEARCH)
		abort();
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s[i].name, s[j].name) == 0)
				abort();
	if (nr->state == ND_ROUTERS_IDLE && nd_routers_next_deadline(nr) != V6L_NEVER)
		abort();
	/* Every RFC 4191 route is reported once the event is over. */
	if (nr->n_routes > ND_ROUTERS_MAX_ROUTES || z->n_rio != nr->n_routes ||
		nr->n_pref64_src > ND_ROUTERS_MAX_PREF64)
		abort();
	struct nd_ra_pref64 v[ND_ROUTERS_MAX_PREF64];
	size_t n64 = nd_routers_pref64(nr, v, ND_ROUTERS_MAX_PREF64);
	for (size_t i = 0; i < n64; i++)
		for (size_t j = 0; j < i; j++)
			if (v[i].plen == v[j].plen && memcmp(v[i].prefix, v[j].prefix, 16) == 0)
				abort();
	(void)now;
}

/* Runs the record at data[*i]: op, arg, maybe arg*4 bytes, at time *now. */
static void fz_step(struct nd_routers *nr, struct fz *z, const uint8_t *data, size_t size,
	size_t *i, uint64_t *now)
{
	uint8_t op = data[*i], arg = data[*i + 1];
	*i += 2;
	size_t len = (size_t)arg * 4 < size - *i ? (size_t)arg * 4 : size - *i;
	switch (op % 5) {
	case 0: /* ICMPv6 message of arg*4 bytes */
	case 1:
		fz_icmp(nr, op >> 3, data + *i, len, *now);
		*i += len;
		break;
	case 2: /* time passes: arg^2 * 100 ms, or up to the next deadline */
		if (arg == 0 && nd_routers_next_deadline(nr) != V6L_NEVER)
			*now = nd_routers_next_deadline(nr);
		else
			*now += (uint64_t)arg * arg * 100;
		nd_routers_on_timer(nr, *now);
		if (nd_routers_next_deadline(nr) <= *now)
			abort();
		break;
	case 3:
		if (op & 8) {
			nd_routers_stop(nr, *now);
			if (z->n_rtr != 0 || z->n_route != 0 || z->n_rio != 0 ||
				nd_routers_next_deadline(nr) != V6L_NEVER)
				abort();
		} else {
			nd_routers_start(nr, *now);
		}
		break;
	default: /* raw packet */
		nd_routers_on_packet(nr, data + *i, len, *now);
		*i += len;
		break;
	}
	/* Small steps of time between records, as packets arrive. */
	*now += (op >> 5) * 250u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nd_routers nr;
	struct v6l_rng rng;
	struct fz z = { 0 };
	struct nd_routers_cfg cfg = { 0 };
	if (size < 1)
		return 0;
	cfg.is_passive = data[0] & 1;
	rng_init_seed(&rng, 1);
	nd_routers_init(&nr, &cfg, &fz_ops, &z, &rng, "fz");
	uint64_t now = 0;
	nd_routers_start(&nr, now);
	size_t i = 1;
	while (i + 2 <= size) {
		fz_step(&nr, &z, data, size, &i, &now);
		fz_check(&nr, &z, now);
	}
	nd_routers_stop(&nr, now);
	if (z.n_rtr != 0 || z.n_route != 0 || z.n_rio != 0)
		abort();
	return 0;
}
