/* Router mode: RS timing (RFC 4861 §6.3.7, RFC 7559 §2), the default router list with the PIO
 * prefixes of each router (RFC 4861 §6.3.4), RFC 8028 source routes, RFC 4191 more-specific
 * routes, the RFC 8106 RDNSS/DNSSL union, RFC 8781 NAT64 prefixes and M/O. Every effect is
 * reconciled from the tables after an event, so a route is added once, updated only when its
 * expiry or preference moves and removed exactly once. */
#include "nd/nd_routers.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

#define NDR_LOGC LOGC_HOST /* TODO(#3): a LOGC_ND category in core/log.h */

/* RFC 4861 §10 host constants; RFC 7559 §2 back-off after the initial solicitations. */
static const struct {
	uint32_t max_delay_ms; /* MAX_RTR_SOLICITATION_DELAY */
	uint32_t interval_ms;  /* RTR_SOLICITATION_INTERVAL, also RFC 7559 IRT */
	uint32_t n_initial;    /* MAX_RTR_SOLICITATIONS at the fixed interval */
	uint32_t mrt_ms;       /* RFC 7559 MRT */
	uint32_t rand_pm;      /* RFC 7559 RAND: +-0.1, in per mille */
} ndr_rs = {
	.max_delay_ms = 1000,
	.interval_ms = 4000,
	.n_initial = 3,
	.mrt_ms = 3600000,
	.rand_pm = 100,
};

const char *nd_routers_state_name(enum nd_routers_state s)
{
	switch (s) {
	case ND_ROUTERS_IDLE:
		return "idle";
	case ND_ROUTERS_DELAY:
		return "delay";
	case ND_ROUTERS_SOLICIT:
		return "solicit";
	case ND_ROUTERS_KNOWN:
		return "known";
	}
	return "?";
}

static const char *ndr_conn(const struct nd_routers *nr)
{
	return nr->conn ? nr->conn : "-";
}

/* Formats a for a log line into buf (INET6_ADDRSTRLEN bytes). */
static const char *ndr_ntop(const uint8_t a[16], char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		buf[0] = '\0';
	return buf;
}

uint32_t nd_routers_remaining_s(uint64_t until_ms, uint64_t now_ms)
{
	if (until_ms == V6L_NEVER)
		return ND_LIFETIME_INF;
	if (until_ms <= now_ms)
		return 0;
	uint64_t s = (until_ms - now_ms + 999) / 1000;
	return s >= ND_LIFETIME_INF ? ND_LIFETIME_INF - 1 : (uint32_t)s;
}

static uint64_t ndr_until(uint32_t lifetime_s, uint64_t now_ms)
{
	return lifetime_s == ND_LIFETIME_INF ? V6L_NEVER : now_ms + (uint64_t)lifetime_s * 1000;
}

/* True if expiry a differs from the reported b by more than the slack (RAs repeating the same
 * lifetimes within a second, or routers counting lifetimes down in real time, are not news). */
static bool ndr_moved(uint64_t a, uint64_t b)
{
	if (a == b)
		return false;
	if (a == V6L_NEVER || b == V6L_NEVER)
		return true;
	return (a > b ? a - b : b - a) > ND_ROUTERS_SLACK_MS;
}

void nd_routers_init(struct nd_routers *nr, const struct nd_routers_cfg *cfg,
	const struct nd_routers_ops *ops, void *ctx, struct v6l_rng *rng, const char *conn)
{
	memset(nr, 0, sizeof(*nr));
	if (cfg)
		nr->cfg = *cfg;
	nr->ops = ops;
	nr->ctx = ctx;
	nr->rng = rng;
	nr->conn = conn;
	nr->state = ND_ROUTERS_IDLE;
	nr->rs_deadline_ms = V6L_NEVER;
}

/* RFC 7559 §2: RT = 2 * RTprev + RAND * RTprev, capped at MRT + RAND * MRT; RAND in +-0.1. */
static uint32_t ndr_backoff(struct nd_routers *nr, uint32_t prev_ms)
{
	int32_t rand_pm = (int32_t)rng_below(nr->rng, 2 * ndr_rs.rand_pm + 1) -
		(int32_t)ndr_rs.rand_pm;
	uint64_t rt = (uint64_t)prev_ms * 2;
	if (rt > ndr_rs.mrt_ms)
		rt = ndr_rs.mrt_ms;
	return (uint32_t)((int64_t)rt + (int64_t)rt * rand_pm / 1000);
}

static void ndr_enter(struct nd_routers *nr, enum nd_routers_state st, uint64_t now_ms,
	const char *why)
{
	enum nd_routers_state old = nr->state;
	nr->state = st;
	nr->rs_deadline_ms = V6L_NEVER;
	switch (st) {
	case ND_ROUTERS_IDLE:
	case ND_ROUTERS_KNOWN:
	case ND_ROUTERS_SOLICIT: /* the RS timer arms the next deadline itself */
		break;
	case ND_ROUTERS_DELAY:
		/* RFC 4861 §6.3.7: the first RS after a random 0..MAX_RTR_SOLICITATION_DELAY. */
		nr->rs_count = 0;
		nr->rs_rt_ms = ndr_rs.interval_ms;
		if (!nr->cfg.is_passive)
			nr->rs_deadline_ms = now_ms + rng_below(nr->rng, ndr_rs.max_delay_ms + 1);
		break;
	}
	if (old != st)
		log_debug(NDR_LOGC, "nd[%s]: routers %s -> %s (%s)", ndr_conn(nr),
			nd_routers_state_name(old), nd_routers_state_name(st), why);
}

/* Sends the due RS and arms the next one. */
static void ndr_rs_timer(struct nd_routers *nr, uint64_t now_ms)
{
	if (nr->state == ND_ROUTERS_DELAY)
		ndr_enter(nr, ND_ROUTERS_SOLICIT, now_ms, "delay over");
	nr->ops->send_rs(nr->ctx);
	nr->stats.tx_rs++;
	nr->rs_count++;
	/* RFC 4861 §6.3.7: MAX_RTR_SOLICITATIONS at RTR_SOLICITATION_INTERVAL; then RFC 7559 §2
	 * keeps soliciting with exponential back-off so a router that comes up late is found. */
	if (nr->rs_count >= ndr_rs.n_initial)
		nr->rs_rt_ms = ndr_backoff(nr, nr->rs_rt_ms);
	nr->rs_deadline_ms = now_ms + nr->rs_rt_ms;
}

void nd_routers_start(struct nd_routers *nr, uint64_t now_ms)
{
	if (nr->state != ND_ROUTERS_IDLE)
		return;
	ndr_enter(nr, ND_ROUTERS_DELAY, now_ms, "start");
}

/* ---- the router list and its prefixes ---- */

static struct nd_routers_router *ndr_router_find(struct nd_routers *nr, const uint8_t a[16])
{
	for (size_t i = 0; i < nr->n_routers; i++)
		if (memcmp(nr->routers[i].addr, a, 16) == 0)
			return &nr->routers[i];
	return NULL;
}

static struct nd_routers_prefix *ndr_prefix_find(struct nd_routers_router *r,
	const struct nd_prefix_opt *o)
{
	for (size_t i = 0; i < r->n_prefixes; i++) {
		struct nd_routers_prefix *p = &r->prefixes[i];
		if (p->plen == o->plen && memcmp(p->prefix, o->prefix, 16) == 0)
			return p;
	}
	return NULL;
}

/* Drops prefix p of router r, first withdrawing its src route if one was reported. */
static void ndr_prefix_del(struct nd_routers *nr, struct nd_routers_router *r,
	struct nd_routers_prefix *p)
{
	if (p->has_route)
		nr->ops->src_route_remove(nr->ctx, p->prefix, p->plen, r->addr);
	if (p->is_seen)
		nr->is_prefixes_dirty = true;
	*p = r->prefixes[--r->n_prefixes];
}

/* Drops router r with all its src routes; why NULL means stop() (not logged per router). */
static void ndr_router_del(struct nd_routers *nr, struct nd_routers_router *r, const char *why)
{
	char buf[INET6_ADDRSTRLEN];
	while (r->n_prefixes > 0)
		ndr_prefix_del(nr, r, &r->prefixes[r->n_prefixes - 1]);
	if (why)
		log_info("nd[%s]: router %s removed: %s", ndr_conn(nr), ndr_ntop(r->addr, buf), why);
	if (r->is_reported)
		nr->ops->router_remove(nr->ctx, r->addr);
	*r = nr->routers[--nr->n_routers];
}

/* RFC 4861 §6.3.4: the default router list. Returns the entry the RA's PIOs belong to, or NULL
 * when the router is not (or no longer) a default router or there is no room for it. */
static struct nd_routers_router *ndr_ra_router(struct nd_routers *nr, const uint8_t src[16],
	const struct nd_ra_msg *ra, uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	struct nd_routers_router *r = ndr_router_find(nr, src);
	if (ra->router_lifetime_s == 0) {
		/* RFC 4861 §6.3.4: a zero Router Lifetime times the entry out immediately. */
		if (r)
			ndr_router_del(nr, r, "router lifetime 0");
		return NULL;
	}
	if (!r) {
		if (nr->n_routers == ND_ROUTERS_MAX) {
			nr->stats.n_routers_dropped++;
			if (!nr->has_logged_routers)
				log_warnx("nd[%s]: router %s ignored: %d routers known", ndr_conn(nr),
					ndr_ntop(src, buf), ND_ROUTERS_MAX);
			nr->has_logged_routers = true;
			return NULL;
		}
		r = &nr->routers[nr->n_routers++];
		memset(r, 0, sizeof(*r));
		memcpy(r->addr, src, 16);
		log_info("nd[%s]: router %s lifetime %u s preference %s", ndr_conn(nr),
			ndr_ntop(src, buf), ra->router_lifetime_s, nd_prf_name(ra->prf));
	}
	r->prf = ra->prf;
	r->is_managed = ra->is_managed;
	r->is_other = ra->is_other;
	r->until_ms = now_ms + (uint64_t)ra->router_lifetime_s * 1000;
	return r;
}

/* One PIO of router r. RFC 8028 §3 routes by the prefix a router advertised, whatever its flags:
 * an address may come from SLAAC (A), from DHCPv6 IA_NA inside an L or even an A=0 L=0 prefix,
 * or be configured by hand, and a src route for a prefix the host has no address in never
 * matches, so it costs nothing. Only ::/0 is skipped: "from anywhere" is a plain default route,
 * which the kernel keeps itself. Lifetimes are taken as announced (no RFC 4862 §5.5.3(e)
 * two-hour rule: we form no address); valid lifetime 0 withdraws the prefix. */
static void ndr_ra_pio(struct nd_routers *nr, struct nd_routers_router *r,
	const struct nd_prefix_opt *o, uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	if (o->plen == 0 || o->plen > 128)
		return;
	struct nd_routers_prefix *p = ndr_prefix_find(r, o);
	if (o->valid_s == 0) {
		if (p)
			ndr_prefix_del(nr, r, p);
		return;
	}
	if (!p) {
		if (r->n_prefixes == ND_ROUTERS_MAX_PREFIXES) {
			nr->stats.n_prefixes_dropped++;
			if (!nr->has_logged_prefixes)
				log_warnx("nd[%s]: prefix %s/%u ignored: %d prefixes known for "
					  "this router", ndr_conn(nr), ndr_ntop(o->prefix, buf),
					o->plen, ND_ROUTERS_MAX_PREFIXES);
			nr->has_logged_prefixes = true;
			return;
		}
		p = &r->prefixes[r->n_prefixes++];
		memset(p, 0, sizeof(*p));
		memcpy(p->prefix, o->prefix, 16);
		p->plen = o->plen;
	}
	p->is_onlink = o->is_onlink;
	p->is_auto = o->is_auto;
	p->valid_until_ms = ndr_until(o->valid_s, now_ms);
	p->pref_until_ms = ndr_until(o->preferred_s, now_ms);
}

/* Reports router r and its src routes where they are new or their expiry or preference moved. */
static void ndr_sync_router(struct nd_routers *nr, struct nd_routers_router *r, uint64_t now_ms)
{
	if (!r->is_reported || r->reported_prf != r->prf ||
		ndr_moved(r->until_ms, r->reported_until_ms)) {
		nr->ops->router_update(nr->ctx, r->addr,
			nd_routers_remaining_s(r->until_ms, now_ms), r->prf);
		r->is_reported = true;
		r->reported_until_ms = r->until_ms;
		r->reported_prf = r->prf;
	}
	for (size_t i = 0; i < r->n_prefixes; i++) {
		struct nd_routers_prefix *p = &r->prefixes[i];
		/* RFC 8028 §3: usable while both the router and the prefix are. */
		uint64_t until = clock_min(r->until_ms, p->valid_until_ms);
		if (p->has_route && p->route_prf == r->prf && !ndr_moved(until, p->route_until_ms))
			continue;
		nr->ops->src_route_update(nr->ctx, p->prefix, p->plen, r->addr,
			nd_routers_remaining_s(until, now_ms), r->prf);
		p->has_route = true;
		p->route_until_ms = until;
		p->route_prf = r->prf;
	}
}

/* ---- RFC 4191 more-specific routes ---- */

static struct nd_routers_route *ndr_route_find(struct nd_routers *nr, const uint8_t router[16],
	const struct nd_route_opt *o)
{
	for (size_t i = 0; i < nr->n_routes; i++) {
		struct nd_routers_route *e = &nr->routes[i];
		if (e->plen == o->plen && memcmp(e->prefix, o->prefix, 16) == 0 &&
			memcmp(e->router, router, 16) == 0)
			return e;
	}
	return NULL;
}

static void ndr_route_del(struct nd_routers *nr, struct nd_routers_route *e)
{
	if (e->is_reported)
		nr->ops->route_remove(nr->ctx, e->prefix, e->plen, e->router);
	*e = nr->routes[--nr->n_routes];
}

/* RFC 4191 §3.1: one RIO of router src adds, refreshes or (lifetime 0) removes its route. The
 * route belongs to the routing table, not to the default router list: a router with Router
 * Lifetime 0 still routes its more-specific prefixes, and a route outlives its router's lifetime
 * until its own ends. ::/0 is left to the kernel, which keeps the default routes in router mode
 * and reads a ::/0 RIO itself; a link-local or multicast prefix is never routed via a router. */
static void ndr_rio_one(struct nd_routers *nr, const uint8_t src[16], const struct nd_route_opt *o,
	uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	struct nd_route_opt r = *o;
	/* RFC 4191 §3.1: the reserved preference means the option is ignored. */
	if (r.plen == 0 || r.plen > 128 || r.prf == ND_PRF_RESERVED)
		return;
	/* RFC 4191 §2.3: bits past the prefix length are zero (the codec clears them too). */
	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = 8 * i, keep = r.plen >= bit + 8 ? 8 : r.plen > bit ? r.plen - bit : 0;
		r.prefix[i] &= (uint8_t)(0xff00u >> keep);
	}
	/* Checked on the masked prefix, as the codec does: fe80::/9 sent as fec0:8000::/9. */
	if (nd_prefix_is_link_scope(r.prefix, r.plen))
		return;
	struct nd_routers_route *e = ndr_route_find(nr, src, &r);
	if (r.lifetime_s == 0) {
		if (e)
			ndr_route_del(nr, e);
		return;
	}
	if (!e) {
		if (nr->n_routes == ND_ROUTERS_MAX_ROUTES) {
			nr->stats.n_routes_dropped++;
			if (!nr->has_logged_routes)
				log_warnx("nd[%s]: route %s/%u ignored: %d routes known", ndr_conn(nr),
					ndr_ntop(r.prefix, buf), r.plen, ND_ROUTERS_MAX_ROUTES);
			nr->has_logged_routes = true;
			return;
		}
		e = &nr->routes[nr->n_routes++];
		memset(e, 0, sizeof(*e));
		memcpy(e->prefix, r.prefix, 16);
		e->plen = r.plen;
		memcpy(e->router, src, 16);
	}
	e->prf = r.prf;
	e->until_ms = ndr_until(r.lifetime_s, now_ms);
}

/* Reports every route that is new or whose preference or expiry moved. */
static void ndr_sync_routes(struct nd_routers *nr, uint64_t now_ms)
{
	for (size_t i = 0; i < nr->n_routes; i++) {
		struct nd_routers_route *e = &nr->routes[i];
		if (e->is_reported && e->reported_prf == e->prf &&
			!ndr_moved(e->until_ms, e->reported_until_ms))
			continue;
		nr->ops->route_update(nr->ctx, e->prefix, e->plen, e->router,
			nd_routers_remaining_s(e->until_ms, now_ms), e->prf);
		e->is_reported = true;
		e->reported_until_ms = e->until_ms;
		e->reported_prf = e->prf;
	}
}

/* ---- RFC 8781 PREF64 ---- */

/* RFC 8781 §5: a NAT64 prefix is kept for its lifetime; lifetime 0 from the router that announced
 * it removes it. Per router, as RDNSS: another router's announcement lives on. */
static void ndr_pref64_one(struct nd_routers *nr, const uint8_t src[16], const struct nd_pref64 *o,
	uint64_t now_ms)
{
	size_t i;
	for (i = 0; i < nr->n_pref64_src; i++) {
		const struct nd_routers_pref64_src *e = &nr->pref64_src[i];
		if (e->plen == o->plen && memcmp(e->prefix, o->prefix, 16) == 0 &&
			memcmp(e->router, src, 16) == 0)
			break;
	}
	if (o->lifetime_s == 0) {
		if (i < nr->n_pref64_src)
			nr->pref64_src[i] = nr->pref64_src[--nr->n_pref64_src];
		return;
	}
	if (i == nr->n_pref64_src) {
		if (nr->n_pref64_src == ND_ROUTERS_MAX_PREF64) {
			nr->stats.n_pref64_dropped++;
			if (!nr->has_logged_pref64)
				log_warnx("nd[%s]: PREF64 ignored: %d known", ndr_conn(nr),
					ND_ROUTERS_MAX_PREF64);
			nr->has_logged_pref64 = true;
			return;
		}
		nr->n_pref64_src++;
		memcpy(nr->pref64_src[i].prefix, o->prefix, 16);
		nr->pref64_src[i].plen = o->plen;
		memcpy(nr->pref64_src[i].router, src, 16);
	}
	/* RFC 8781 §4: the scaled lifetime, already in seconds, is never infinite. */
	nr->pref64_src[i].until_ms = now_ms + (uint64_t)o->lifetime_s * 1000;
}

/* ---- what a PIO prefix looks like to the glue ---- */

/* Reports the prefixes once after an event if one appeared, went, or changed its flags or moved
 * a lifetime by more than the slack. */
static void ndr_sync_prefixes(struct nd_routers *nr)
{
	bool changed = nr->is_prefixes_dirty;
	for (size_t i = 0; i < nr->n_routers; i++)
		for (size_t j = 0; j < nr->routers[i].n_prefixes; j++) {
			struct nd_routers_prefix *p = &nr->routers[i].prefixes[j];
			if (p->is_seen && p->seen_onlink == p->is_onlink &&
				p->seen_auto == p->is_auto &&
				!ndr_moved(p->valid_until_ms, p->seen_valid_ms) &&
				!ndr_moved(p->pref_until_ms, p->seen_pref_ms))
				continue;
			changed = true;
			p->is_seen = true;
			p->seen_onlink = p->is_onlink;
			p->seen_auto = p->is_auto;
			p->seen_valid_ms = p->valid_until_ms;
			p->seen_pref_ms = p->pref_until_ms;
		}
	nr->is_prefixes_dirty = false;
	if (changed)
		nr->ops->prefixes_changed(nr->ctx);
}

/* ---- RDNSS / DNSSL ---- */

static bool ndr_dns_listed(const struct nd_routers *nr, const uint8_t a[16], size_t below)
{
	for (size_t i = 0; i < below; i++)
		if (memcmp(nr->dns_src[i].addr, a, 16) == 0)
			return true;
	return false;
}

static bool ndr_search_listed(const struct nd_routers *nr, const char *name, size_t below)
{
	for (size_t i = 0; i < below; i++)
		if (strcmp(nr->search_src[i].name, name) == 0)
			return true;
	return false;
}

/* Number of distinct servers / names over all announcements. */
static size_t ndr_dns_distinct(const struct nd_routers *nr)
{
	size_t n = 0;
	for (size_t i = 0; i < nr->n_dns_src; i++)
		n += !ndr_dns_listed(nr, nr->dns_src[i].addr, i);
	return n;
}

static size_t ndr_search_distinct(const struct nd_routers *nr)
{
	size_t n = 0;
	for (size_t i = 0; i < nr->n_search_src; i++)
		n += !ndr_search_listed(nr, nr->search_src[i].name, i);
	return n;
}

/* RFC 8106 §5.3.1: router src adds or refreshes one server, or removes it with lifetime 0. The
 * lifetime belongs to that router's announcement: another router's 0 does not remove it. When
 * full, the newcomer is dropped (counted and logged once). */
static void ndr_rdnss_one(struct nd_routers *nr, const uint8_t src[16], const struct nd_rdnss *o,
	uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;
	for (i = 0; i < nr->n_dns_src; i++)
		if (memcmp(nr->dns_src[i].addr, o->addr, 16) == 0 &&
			memcmp(nr->dns_src[i].router, src, 16) == 0)
			break;
	if (o->lifetime_s == 0) {
		if (i < nr->n_dns_src)
			nr->dns_src[i] = nr->dns_src[--nr->n_dns_src];
		return;
	}
	if (i == nr->n_dns_src) {
		/* Neither a multicast nor the unspecified address can be a resolver. */
		if (nd_addr_is_multicast(o->addr) || nd_addr_is_unspecified(o->addr))
			return;
		if (nr->n_dns_src == ND_ROUTERS_MAX_DNS_SRC ||
			(!ndr_dns_listed(nr, o->addr, nr->n_dns_src) &&
				ndr_dns_distinct(nr) >= ND_ROUTERS_MAX_DNS)) {
			nr->stats.n_dns_dropped++;
			if (!nr->has_logged_dns)
				log_warnx("nd[%s]: RDNSS %s ignored: list full", ndr_conn(nr),
					ndr_ntop(o->addr, buf));
			nr->has_logged_dns = true;
			return;
		}
		nr->n_dns_src++;
		memcpy(nr->dns_src[i].addr, o->addr, 16);
		memcpy(nr->dns_src[i].router, src, 16);
	}
	nr->dns_src[i].until_ms = ndr_until(o->lifetime_s, now_ms);
}

/* RFC 8106 §5.3.1 for one DNSSL name, as ndr_rdnss_one. */
static void ndr_dnssl_one(struct nd_routers *nr, const uint8_t src[16], const struct nd_dnssl *o,
	uint64_t now_ms)
{
	size_t i;
	if (o->name[0] == '\0' || memchr(o->name, '\0', sizeof(o->name)) == NULL)
		return;
	for (i = 0; i < nr->n_search_src; i++)
		if (strcmp(nr->search_src[i].name, o->name) == 0 &&
			memcmp(nr->search_src[i].router, src, 16) == 0)
			break;
	if (o->lifetime_s == 0) {
		if (i < nr->n_search_src)
			nr->search_src[i] = nr->search_src[--nr->n_search_src];
		return;
	}
	if (i == nr->n_search_src) {
		if (nr->n_search_src == ND_ROUTERS_MAX_DNS_SRC ||
			(!ndr_search_listed(nr, o->name, nr->n_search_src) &&
				ndr_search_distinct(nr) >= ND_ROUTERS_MAX_SEARCH)) {
			nr->stats.n_search_dropped++;
			if (!nr->has_logged_search)
				log_warnx("nd[%s]: DNSSL %s ignored: list full", ndr_conn(nr),
					o->name);
			nr->has_logged_search = true;
			return;
		}
		nr->n_search_src++;
		memcpy(nr->search_src[i].name, o->name, sizeof(o->name));
		memcpy(nr->search_src[i].router, src, 16);
	}
	nr->search_src[i].until_ms = ndr_until(o->lifetime_s, now_ms);
}

/* Rebuilds the distinct server list from the announcements; returns true if the set changed. */
static bool ndr_dns_rebuild(struct nd_routers *nr)
{
	struct nd_ra_dns v[ND_ROUTERS_MAX_DNS];
	size_t n = 0;
	for (size_t i = 0; i < nr->n_dns_src; i++) {
		const struct nd_routers_dns_src *s = &nr->dns_src[i];
		size_t j;
		for (j = 0; j < n && memcmp(v[j].addr, s->addr, 16) != 0; j++)
			;
		if (j == n && n == ND_ROUTERS_MAX_DNS)
			continue; /* admission keeps this from happening */
		if (j == n) {
			memcpy(v[n].addr, s->addr, 16);
			v[n++].until_ms = s->until_ms;
		} else if (s->until_ms > v[j].until_ms) {
			v[j].until_ms = s->until_ms;
		}
	}
	bool changed = n != nr->n_dns;
	for (size_t i = 0; i < n && !changed; i++) {
		size_t j;
		for (j = 0; j < nr->n_dns && memcmp(nr->dns[j].addr, v[i].addr, 16) != 0; j++)
			;
		changed = j == nr->n_dns;
	}
	memcpy(nr->dns, v, n * sizeof(v[0]));
	nr->n_dns = (uint8_t)n;
	return changed;
}

/* As ndr_dns_rebuild for the search list. */
static bool ndr_search_rebuild(struct nd_routers *nr)
{
	struct nd_ra_search v[ND_ROUTERS_MAX_SEARCH];
	size_t n = 0;
	for (size_t i = 0; i < nr->n_search_src; i++) {
		const struct nd_routers_search_src *s = &nr->search_src[i];
		size_t j;
		for (j = 0; j < n && strcmp(v[j].name, s->name) != 0; j++)
			;
		if (j == n && n == ND_ROUTERS_MAX_SEARCH)
			continue;
		if (j == n) {
			memcpy(v[n].name, s->name, sizeof(s->name));
			v[n++].until_ms = s->until_ms;
		} else if (s->until_ms > v[j].until_ms) {
			v[j].until_ms = s->until_ms;
		}
	}
	bool changed = n != nr->n_search;
	for (size_t i = 0; i < n && !changed; i++) {
		size_t j;
		for (j = 0; j < nr->n_search && strcmp(nr->search[j].name, v[i].name) != 0; j++)
			;
		changed = j == nr->n_search;
	}
	memcpy(nr->search, v, n * sizeof(v[0]));
	nr->n_search = (uint8_t)n;
	return changed;
}

static void ndr_dns_commit(struct nd_routers *nr)
{
	bool changed = ndr_dns_rebuild(nr);
	changed |= ndr_search_rebuild(nr);
	if (changed)
		nr->ops->dns_changed(nr->ctx);
}

/* ---- flags, expiry, state ---- */

/* RFC 4861 §4.2 M/O: the OR over the known default routers; with none, the last RA's flags (so
 * a lone router with lifetime 0 announcing DHCPv6 still counts). Reported on change. */
static void ndr_flags(struct nd_routers *nr)
{
	bool m = false, o = false;
	if (nr->n_routers == 0) {
		m = nr->last_managed;
		o = nr->last_other;
	}
	for (size_t i = 0; i < nr->n_routers; i++) {
		m |= nr->routers[i].is_managed;
		o |= nr->routers[i].is_other;
	}
	if (nr->has_flags && m == nr->is_managed && o == nr->is_other)
		return;
	nr->has_flags = true;
	nr->is_managed = m;
	nr->is_other = o;
	log_info("nd[%s]: RA flags M=%d O=%d", ndr_conn(nr), m, o);
	nr->ops->flags(nr->ctx, m, o);
}

/* Drops every router, prefix and DNS announcement whose lifetime ended by now_ms (all of them
 * when everything is true), reporting each src route and router removed. */
static void ndr_expire(struct nd_routers *nr, uint64_t now_ms, bool everything)
{
	for (size_t i = nr->n_routers; i-- > 0;) {
		struct nd_routers_router *r = &nr->routers[i];
		if (everything || r->until_ms <= now_ms) {
			ndr_router_del(nr, r, everything ? NULL : "lifetime expired");
			continue;
		}
		for (size_t j = r->n_prefixes; j-- > 0;)
			if (r->prefixes[j].valid_until_ms <= now_ms)
				ndr_prefix_del(nr, r, &r->prefixes[j]);
	}
	for (size_t i = nr->n_dns_src; i-- > 0;)
		if (everything || nr->dns_src[i].until_ms <= now_ms)
			nr->dns_src[i] = nr->dns_src[--nr->n_dns_src];
	for (size_t i = nr->n_search_src; i-- > 0;)
		if (everything || nr->search_src[i].until_ms <= now_ms)
			nr->search_src[i] = nr->search_src[--nr->n_search_src];
	for (size_t i = nr->n_routes; i-- > 0;)
		if (everything || nr->routes[i].until_ms <= now_ms)
			ndr_route_del(nr, &nr->routes[i]);
	for (size_t i = nr->n_pref64_src; i-- > 0;)
		if (everything || nr->pref64_src[i].until_ms <= now_ms)
			nr->pref64_src[i] = nr->pref64_src[--nr->n_pref64_src];
}

/* Reports what changed after an event (M/O at least once after an RA) and moves between soliciting and KNOWN. */
static void ndr_commit(struct nd_routers *nr, uint64_t now_ms, bool is_ra)
{
	for (size_t i = 0; i < nr->n_routers; i++)
		ndr_sync_router(nr, &nr->routers[i], now_ms);
	ndr_sync_routes(nr, now_ms);
	ndr_sync_prefixes(nr);
	if (is_ra || nr->has_flags)
		ndr_flags(nr);
	ndr_dns_commit(nr);
	/* RFC 4861 §6.3.7: an RA with a non-zero Router Lifetime ends the solicitation. */
	if (nr->n_routers > 0 && nr->state != ND_ROUTERS_KNOWN)
		ndr_enter(nr, ND_ROUTERS_KNOWN, now_ms, "default router known");
	/* No default router left: solicit again (after the random delay, since every host on the
	 * segment saw the same final RA or expiry) rather than wait for a periodic RA. */
	else if (nr->n_routers == 0 && nr->state == ND_ROUTERS_KNOWN)
		ndr_enter(nr, ND_ROUTERS_DELAY, now_ms, "no default router left");
}

void nd_routers_on_ra(struct nd_routers *nr, const uint8_t src[16], const struct nd_ra_msg *ra,
	uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	if (nr->state == ND_ROUTERS_IDLE)
		return;
	/* RFC 4861 §6.1.2: an RA's source MUST be link-local; it names the router. */
	if (!nd_addr_is_link_local(src)) {
		nr->stats.rx_not_link_local++;
		log_debug(NDR_LOGC, "nd[%s]: RA from %s ignored: not link-local", ndr_conn(nr),
			ndr_ntop(src, buf));
		return;
	}
	nr->stats.rx_ra++;
	nr->stats.n_prefixes_dropped += ra->n_prefixes_dropped;
	/* What ran out before this RA goes first, so the RA starts from fresh state. */
	ndr_expire(nr, now_ms, false);
	struct nd_routers_router *r = ndr_ra_router(nr, src, ra, now_ms);
	size_t np = ra->n_prefixes < ND_MAX_PREFIXES ? ra->n_prefixes : ND_MAX_PREFIXES;
	for (size_t i = 0; r && i < np; i++)
		ndr_ra_pio(nr, r, &ra->prefixes[i], now_ms);
	size_t nd = ra->n_rdnss < ND_MAX_RDNSS ? ra->n_rdnss : ND_MAX_RDNSS;
	for (size_t i = 0; i < nd; i++)
		ndr_rdnss_one(nr, src, &ra->rdnss[i], now_ms);
	size_t ns = ra->n_dnssl < ND_MAX_DNSSL ? ra->n_dnssl : ND_MAX_DNSSL;
	for (size_t i = 0; i < ns; i++)
		ndr_dnssl_one(nr, src, &ra->dnssl[i], now_ms);
	size_t nro = ra->n_routes < ND_MAX_ROUTES ? ra->n_routes : ND_MAX_ROUTES;
	for (size_t i = 0; i < nro; i++)
		ndr_rio_one(nr, src, &ra->routes[i], now_ms);
	size_t n64 = ra->n_pref64 < ND_MAX_PREF64 ? ra->n_pref64 : ND_MAX_PREF64;
	for (size_t i = 0; i < n64; i++)
		ndr_pref64_one(nr, src, &ra->pref64[i], now_ms);
	nr->stats.n_routes_dropped += ra->n_routes_dropped;
	nr->stats.n_pref64_dropped += ra->n_pref64_dropped;
	nr->last_managed = ra->is_managed;
	nr->last_other = ra->is_other;
	ndr_commit(nr, now_ms, true);
}

void nd_routers_on_timer(struct nd_routers *nr, uint64_t now_ms)
{
	if (nr->state == ND_ROUTERS_IDLE)
		return;
	if (nr->rs_deadline_ms <= now_ms)
		ndr_rs_timer(nr, now_ms);
	ndr_expire(nr, now_ms, false);
	ndr_commit(nr, now_ms, false);
	if (nr->rs_deadline_ms <= now_ms)
		ndr_rs_timer(nr, now_ms);
}

uint64_t nd_routers_next_deadline(const struct nd_routers *nr)
{
	if (nr->state == ND_ROUTERS_IDLE)
		return V6L_NEVER;
	uint64_t d = nr->rs_deadline_ms;
	for (size_t i = 0; i < nr->n_routers; i++) {
		const struct nd_routers_router *r = &nr->routers[i];
		d = clock_min(d, r->until_ms);
		for (size_t j = 0; j < r->n_prefixes; j++)
			d = clock_min(d, r->prefixes[j].valid_until_ms);
	}
	for (size_t i = 0; i < nr->n_dns_src; i++)
		d = clock_min(d, nr->dns_src[i].until_ms);
	for (size_t i = 0; i < nr->n_search_src; i++)
		d = clock_min(d, nr->search_src[i].until_ms);
	for (size_t i = 0; i < nr->n_routes; i++)
		d = clock_min(d, nr->routes[i].until_ms);
	for (size_t i = 0; i < nr->n_pref64_src; i++)
		d = clock_min(d, nr->pref64_src[i].until_ms);
	return d;
}

void nd_routers_stop(struct nd_routers *nr, uint64_t now_ms)
{
	if (nr->state == ND_ROUTERS_IDLE)
		return;
	ndr_expire(nr, now_ms, true);
	ndr_sync_prefixes(nr);
	ndr_dns_commit(nr);
	nr->has_flags = false;
	nr->has_logged_routers = nr->has_logged_prefixes = false;
	nr->has_logged_dns = nr->has_logged_search = false;
	nr->has_logged_routes = nr->has_logged_pref64 = false;
	ndr_enter(nr, ND_ROUTERS_IDLE, now_ms, "stop");
}

enum nd_err nd_routers_on_packet(struct nd_routers *nr, const uint8_t *pkt, size_t len,
	uint64_t now_ms)
{
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	struct nd_ra_msg ra;
	if (nr->state == ND_ROUTERS_IDLE)
		return ND_E_OK;
	enum nd_err e = nd_parse_ipv6_icmp(pkt, len, &ip, &icmp);
	if (e == ND_E_OK)
		e = nd_parse_ra(icmp.p, icmp.left, &ip, &ra);
	if (e != ND_E_OK) {
		nr->stats.rx_bad++;
		nr->stats.last_err = e;
		log_debug(NDR_LOGC, "nd[%s]: packet dropped: %s", ndr_conn(nr), nd_err_str(e));
		return e;
	}
	nd_routers_on_ra(nr, ip.src, &ra, now_ms);
	return ND_E_OK;
}

const struct nd_routers_router *nd_routers_list(const struct nd_routers *nr, size_t *n)
{
	*n = nr->n_routers;
	return nr->routers;
}

const struct nd_ra_dns *nd_routers_dns(const struct nd_routers *nr, size_t *n)
{
	*n = nr->n_dns;
	return nr->dns;
}

const struct nd_ra_search *nd_routers_search(const struct nd_routers *nr, size_t *n)
{
	*n = nr->n_search;
	return nr->search;
}

const struct nd_routers_route *nd_routers_routes(const struct nd_routers *nr, size_t *n)
{
	*n = nr->n_routes;
	return nr->routes;
}

size_t nd_routers_route_sources(const struct nd_routers *nr, const uint8_t router[16],
	struct nd_routers_src *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < nr->n_routers; i++) {
		const struct nd_routers_router *r = &nr->routers[i];
		if (memcmp(r->addr, router, 16) != 0)
			continue;
		for (size_t k = 0; k < r->n_prefixes && n < cap; k++) {
			memcpy(out[n].prefix, r->prefixes[k].prefix, 16);
			out[n++].plen = r->prefixes[k].plen;
		}
	}
	return n;
}

size_t nd_routers_pref64(const struct nd_routers *nr, struct nd_ra_pref64 *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < nr->n_pref64_src; i++) {
		const struct nd_routers_pref64_src *s = &nr->pref64_src[i];
		size_t j;
		for (j = 0; j < n; j++)
			if (out[j].plen == s->plen && memcmp(out[j].prefix, s->prefix, 16) == 0)
				break;
		if (j < n) {
			if (s->until_ms > out[j].until_ms)
				out[j].until_ms = s->until_ms;
			continue;
		}
		if (n == cap)
			break;
		memcpy(out[n].prefix, s->prefix, 16);
		out[n].plen = s->plen;
		out[n++].until_ms = s->until_ms;
	}
	return n;
}
