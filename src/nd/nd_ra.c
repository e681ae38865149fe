/* Router discovery and SLAAC on one PPP link: RS with RFC 4861 §6.3.7 timing then RFC 7559
 * back-off; RA processing (RFC 4861 §6.3.4, RFC 4862 §5.5.3, RFC 8106, RFC 4191, RFC 8781); SLAAC
 * with the IPv6CP identifier or RFC 7217 identifiers; DAD with optimistic addresses (RFC 4862
 * §5.4, RFC 4429, RFC 7527 nonce); NAs for our addresses. Lifetime 0 withdraws a prefix at once. */
#include "nd/nd_ra.h"

#include <arpa/inet.h>
#include <nettle/sha2.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

#define ND_LOGC LOGC_PPP /* TODO(#3): a LOGC_ND category in core/log.h */

#define ND_MAX_RTR_SOLICITATION_DELAY_MS 1000 /* RFC 4861 §10 */
#define ND_RTR_SOLICITATION_INTERVAL_MS 4000  /* RFC 4861 §10, RFC 7559 §2 IRT */
#define ND_MAX_RTR_SOLICITATIONS 3            /* RFC 4861 §10 */
#define ND_MAX_RTR_SOLICITATION_INTERVAL_MS 3600000u /* RFC 7559 §2 MRT */
#define ND_RETRANS_TIMER_MS 1000 /* RFC 4861 §10 RetransTimer: DAD wait (DupAddrDetectTransmits 1) */
#define ND_TWO_HOURS_MS 7200000u /* RFC 4862 §5.5.3(e) */

static const uint8_t nd_all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t nd_all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
static const uint8_t nd_unspec[16];

const char *nd_ra_state_name(enum nd_ra_state s)
{
	switch (s) {
	case ND_RA_IDLE:
		return "idle";
	case ND_RA_DELAY:
		return "delay";
	case ND_RA_SOLICIT:
		return "solicit";
	case ND_RA_BOUND:
		return "bound";
	}
	return "?";
}

const char *nd_addr_state_name(enum nd_addr_state s)
{
	switch (s) {
	case ND_ADDR_NONE:
		return "none";
	case ND_ADDR_OPTIMISTIC:
		return "optimistic";
	case ND_ADDR_PREFERRED:
		return "preferred";
	case ND_ADDR_FAILED:
		return "failed";
	}
	return "?";
}

static const char *nd_conn(const struct nd_ra *nd)
{
	return nd->conn ? nd->conn : "-";
}

/* Formats a for a log line into buf (INET6_ADDRSTRLEN bytes). */
static const char *nd_ntop(const uint8_t a[16], char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		buf[0] = '\0';
	return buf;
}

bool nd_iid_is_reserved(const uint8_t iid[8])
{
	static const uint8_t zero[8];
	static const uint8_t eth[5] = { 0x02, 0x00, 0x5e, 0xff, 0xfe };
	static const uint8_t anycast[7] = { 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	/* RFC 4291 §2.6.1 Subnet-Router anycast. */
	if (memcmp(iid, zero, 8) == 0)
		return true;
	/* IANA Ethernet block incl. Proxy Mobile IPv6 (RFC 5453 §3, RFC 6543). */
	if (memcmp(iid, eth, sizeof(eth)) == 0)
		return true;
	/* RFC 2526 reserved subnet anycast addresses. */
	return memcmp(iid, anycast, sizeof(anycast)) == 0 && iid[7] >= 0x80;
}

void nd_stable_iid(const struct nd_ra_cfg *cfg, const uint8_t prefix[16], uint8_t dad_counter,
	uint8_t iid[8])
{
	struct sha256_ctx h;
	uint8_t digest[SHA256_DIGEST_SIZE];
	static const uint8_t nul = 0;
	sha256_init(&h);
	sha256_update(&h, 8, prefix);
	sha256_update(&h, strnlen(cfg->net_iface, sizeof(cfg->net_iface)),
		(const uint8_t *)cfg->net_iface);
	sha256_update(&h, 1, &nul);
	sha256_update(&h, strnlen(cfg->network_id, sizeof(cfg->network_id)),
		(const uint8_t *)cfg->network_id);
	sha256_update(&h, 1, &nul);
	sha256_update(&h, 1, &dad_counter);
	sha256_update(&h, sizeof(cfg->secret), cfg->secret);
	sha256_digest(&h, sizeof(digest), digest);
	/* RFC 7217 §5: the Interface Identifier is the leftmost 64 bits of RID. */
	memcpy(iid, digest, 8);
}

void nd_ra_init(struct nd_ra *nd, const struct nd_ra_cfg *cfg, const struct nd_ra_ops *ops,
	void *ctx, struct v6l_rng *rng, const char *conn)
{
	memset(nd, 0, sizeof(*nd));
	nd->cfg = *cfg;
	nd->cfg.net_iface[sizeof(nd->cfg.net_iface) - 1] = '\0';
	nd->cfg.network_id[sizeof(nd->cfg.network_id) - 1] = '\0';
	if (nd->cfg.link_mtu == 0)
		nd->cfg.link_mtu = ND_RA_LINK_MTU_DEFAULT;
	nd->ops = ops;
	nd->ctx = ctx;
	nd->rng = rng;
	nd->conn = conn;
	nd->state = ND_RA_IDLE;
	nd->rs_deadline_ms = V6L_NEVER;
	nd->link_local[0] = 0xfe;
	nd->link_local[1] = 0x80;
	memcpy(nd->link_local + 8, cfg->iid, 8);
}

/* Remaining whole seconds until `until` (rounded up), ND_LIFETIME_INF for V6L_NEVER. */
static uint32_t nd_remaining_s(uint64_t until, uint64_t now_ms)
{
	if (until == V6L_NEVER)
		return ND_LIFETIME_INF;
	if (until <= now_ms)
		return 0;
	uint64_t s = (until - now_ms + 999) / 1000;
	return s >= ND_LIFETIME_INF ? ND_LIFETIME_INF - 1 : (uint32_t)s;
}

static uint64_t nd_until(uint32_t lifetime_s, uint64_t now_ms)
{
	return lifetime_s == ND_LIFETIME_INF ? V6L_NEVER : now_ms + (uint64_t)lifetime_s * 1000;
}

/* Builds the ICMPv6 message icmp[0..len) into an IPv6 packet and sends it. */
static void nd_send(struct nd_ra *nd, const uint8_t src[16], const uint8_t dst[16],
	const uint8_t *icmp, int len)
{
	uint8_t pkt[ND_IP6_HDR_LEN + 64];
	int n = len < 0 ? -1 : nd_build_ipv6_icmp(src, dst, icmp, (size_t)len, pkt, sizeof(pkt));
	if (n < 0) {
		log_warnx("nd[%s]: cannot build ICMPv6 type %u", nd_conn(nd), len > 0 ? icmp[0] : 0);
		return;
	}
	nd->ops->send(nd->ctx, pkt, (size_t)n);
}

static void nd_send_rs(struct nd_ra *nd)
{
	uint8_t icmp[16];
	/* RFC 4861 §6.3.7: from our link-local address to all-routers. */
	nd_send(nd, nd->link_local, nd_all_routers, icmp, nd_build_rs(icmp, sizeof(icmp)));
	nd->stats.tx_rs++;
}

/* RFC 7559 §2: RT = 2 * RTprev + RAND * RTprev, capped at MRT + RAND * MRT; RAND in +-0.1. */
static uint32_t nd_rs_backoff(struct nd_ra *nd, uint32_t prev_ms)
{
	int32_t rand_pm = (int32_t)rng_below(nd->rng, 201) - 100; /* per mille */
	uint64_t rt = (uint64_t)prev_ms * 2;
	if (rt > ND_MAX_RTR_SOLICITATION_INTERVAL_MS)
		rt = ND_MAX_RTR_SOLICITATION_INTERVAL_MS;
	return (uint32_t)((int64_t)rt + (int64_t)rt * rand_pm / 1000);
}

static void nd_ra_enter(struct nd_ra *nd, enum nd_ra_state st, uint64_t now_ms, const char *why)
{
	enum nd_ra_state old = nd->state;
	nd->state = st;
	nd->rs_deadline_ms = V6L_NEVER;
	switch (st) {
	case ND_RA_IDLE:
	case ND_RA_BOUND:
		break;
	case ND_RA_DELAY:
		/* RFC 4861 §6.3.7: the first RS after a random 0..MAX_RTR_SOLICITATION_DELAY. */
		nd->rs_count = 0;
		nd->rs_deadline_ms =
			now_ms + rng_below(nd->rng, ND_MAX_RTR_SOLICITATION_DELAY_MS + 1);
		break;
	case ND_RA_SOLICIT:
		nd->rs_count = 0;
		nd->rs_rt_ms = ND_RTR_SOLICITATION_INTERVAL_MS;
		nd->rs_deadline_ms = now_ms;
		break;
	}
	if (old != st)
		log_debug(ND_LOGC, "nd[%s]: %s -> %s (%s)", nd_conn(nd), nd_ra_state_name(old),
			nd_ra_state_name(st), why);
}

/* Sends the due RS and arms the next one. */
static void nd_rs_timer(struct nd_ra *nd, uint64_t now_ms)
{
	if (nd->state == ND_RA_DELAY)
		nd_ra_enter(nd, ND_RA_SOLICIT, now_ms, "delay over");
	nd_send_rs(nd);
	nd->rs_count++;
	/* RFC 4861 §6.3.7: MAX_RTR_SOLICITATIONS at RTR_SOLICITATION_INTERVAL; then RFC 7559 §2
	 * keeps soliciting with exponential back-off so a late router is still found. */
	if (nd->rs_count > ND_MAX_RTR_SOLICITATIONS)
		nd->rs_rt_ms = nd_rs_backoff(nd, nd->rs_rt_ms);
	nd->rs_deadline_ms = now_ms + nd->rs_rt_ms;
}

void nd_ra_start(struct nd_ra *nd, uint64_t now_ms)
{
	if (nd->state != ND_RA_IDLE)
		nd_ra_stop(nd, now_ms);
	if (!nd->cfg.no_rs_delay) {
		nd_ra_enter(nd, ND_RA_DELAY, now_ms, "link up");
		return;
	}
	nd_ra_enter(nd, ND_RA_SOLICIT, now_ms, "point-to-point link up");
	nd_rs_timer(nd, now_ms);
}

static void nd_expire(struct nd_ra *nd, uint64_t now_ms, bool everything);

/* ---- SLAAC addresses and DAD ---- */

static void nd_addr_report(struct nd_ra *nd, const struct nd_ra_prefix *p, bool is_new,
	uint64_t now_ms)
{
	struct nd_addr_event ev = {
		.plen = p->addr_plen,
		.valid_s = nd_remaining_s(p->valid_until_ms, now_ms),
		.pref_s = nd_remaining_s(p->pref_until_ms, now_ms),
		.is_new = is_new,
		.is_optimistic = p->addr_state == ND_ADDR_OPTIMISTIC,
	};
	memcpy(ev.addr, p->addr, 16);
	nd->ops->addr_update(nd->ctx, &ev);
}

static void nd_addr_drop(struct nd_ra *nd, struct nd_ra_prefix *p)
{
	if (p->addr_state == ND_ADDR_OPTIMISTIC || p->addr_state == ND_ADDR_PREFERRED)
		nd->ops->addr_remove(nd->ctx, p->addr, p->addr_plen);
	p->addr_state = ND_ADDR_NONE;
	p->dad_until_ms = V6L_NEVER;
}

/* Picks the identifier for p at its DAD counter; false when none is left. */
static bool nd_pick_iid(struct nd_ra *nd, struct nd_ra_prefix *p, uint8_t iid[8])
{
	if (!nd->cfg.use_stable_privacy) {
		/* The IPv6CP identifier, once: after a duplicate there is no other (RFC 4862 §5.4.5). */
		memcpy(iid, nd->cfg.iid, 8);
		return p->dad_counter == 0 && !nd_iid_is_reserved(iid);
	}
	/* RFC 7217 §5: a reserved result is regenerated with DAD_Counter + 1; RFC 7217 §6: at most
	 * IDGEN_RETRIES new identifiers after duplicates. */
	for (;;) {
		if (p->dad_counter > ND_RA_IDGEN_RETRIES)
			return false;
		nd_stable_iid(&nd->cfg, p->prefix, p->dad_counter, iid);
		if (!nd_iid_is_reserved(iid))
			return true;
		p->dad_counter++;
	}
}

/* Forms the address of p, reports it optimistic and sends the DAD probe (RFC 4862 §5.4.2). */
static void nd_addr_new(struct nd_ra *nd, struct nd_ra_prefix *p, uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	uint8_t iid[8];
	if (!nd_pick_iid(nd, p, iid)) {
		p->addr_state = ND_ADDR_FAILED;
		log_warnx("nd[%s]: no usable interface identifier left for prefix %s/%u", nd_conn(nd),
			nd_ntop(p->prefix, buf), p->plen);
		return;
	}
	memcpy(p->addr, p->prefix, 8);
	memcpy(p->addr + 8, iid, 8);
	/* RFC 5942 §4: an address does not make its prefix on-link; only the L flag does. */
	p->addr_plen = p->is_onlink ? 64 : 128;
	/* RFC 4429 §3.1: usable at once as an optimistic address while DAD runs. */
	p->addr_state = ND_ADDR_OPTIMISTIC;
	p->dad_until_ms = now_ms + ND_RETRANS_TIMER_MS;
	rng_bytes(nd->rng, p->nonce, sizeof(p->nonce));
	log_info("nd[%s]: address %s (optimistic)", nd_conn(nd), nd_ntop(p->addr, buf));
	nd_addr_report(nd, p, true, now_ms);
	uint8_t icmp[32], dst[16];
	nd_solicited_node(p->addr, dst);
	/* RFC 4862 §5.4.2: from ::, to the target's solicited-node group; RFC 7527 nonce. */
	nd_send(nd, nd_unspec, dst, icmp, nd_build_ns(p->addr, p->nonce, icmp, sizeof(icmp)));
}

/* RFC 4862 §5.4.5: a duplicate is not used; RFC 7217 §6 tries the next DAD_Counter. */
static void nd_dad_failed(struct nd_ra *nd, struct nd_ra_prefix *p, const char *why,
	uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	log_warnx("nd[%s]: DAD: address %s is a duplicate (%s)", nd_conn(nd),
		nd_ntop(p->addr, buf), why);
	nd->stats.dad_dup++;
	nd_addr_drop(nd, p);
	p->dad_counter++;
	nd_addr_new(nd, p, now_ms);
}

static void nd_dad_timer(struct nd_ra *nd, uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	for (size_t i = 0; i < nd->n_prefixes; i++) {
		struct nd_ra_prefix *p = &nd->prefixes[i];
		if (p->addr_state != ND_ADDR_OPTIMISTIC || p->dad_until_ms > now_ms)
			continue;
		p->addr_state = ND_ADDR_PREFERRED;
		p->dad_until_ms = V6L_NEVER;
		log_debug(ND_LOGC, "nd[%s]: DAD: address %s is unique", nd_conn(nd),
			nd_ntop(p->addr, buf));
		nd_addr_report(nd, p, false, now_ms);
	}
}

/* ---- RA processing ---- */

static struct nd_ra_prefix *nd_prefix_find(struct nd_ra *nd, const uint8_t prefix[16],
	uint8_t plen)
{
	for (size_t i = 0; i < nd->n_prefixes; i++)
		if (nd->prefixes[i].plen == plen && memcmp(nd->prefixes[i].prefix, prefix, 16) == 0)
			return &nd->prefixes[i];
	return NULL;
}

static void nd_prefix_del(struct nd_ra *nd, struct nd_ra_prefix *p)
{
	nd_addr_drop(nd, p);
	*p = nd->prefixes[--nd->n_prefixes];
}

/* RFC 4862 §5.5.3(e) for the valid lifetime of a known autonomous prefix. */
static uint64_t nd_valid_two_hour_rule(const struct nd_ra_prefix *p, uint32_t valid_s,
	uint64_t now_ms)
{
	uint64_t recv_until = nd_until(valid_s, now_ms);
	uint64_t remaining = p->valid_until_ms == V6L_NEVER ? V6L_NEVER :
			     p->valid_until_ms > now_ms ? p->valid_until_ms - now_ms : 0;
	if (!p->is_auto)
		return recv_until; /* RFC 4861 §6.3.4: on-link only: reset to the new value */
	if ((uint64_t)valid_s * 1000 > ND_TWO_HOURS_MS || recv_until > p->valid_until_ms)
		return recv_until;
	if (remaining <= ND_TWO_HOURS_MS)
		return p->valid_until_ms;
	return now_ms + ND_TWO_HOURS_MS;
}

static void nd_prefix_set_lifetimes(struct nd_ra_prefix *p, uint64_t valid_until,
	uint32_t pref_s, uint64_t now_ms)
{
	p->valid_until_ms = valid_until;
	p->pref_until_ms = nd_until(pref_s, now_ms);
	if (p->pref_until_ms > p->valid_until_ms)
		p->pref_until_ms = p->valid_until_ms;
}

static bool nd_prefix_wants_addr(const struct nd_ra_prefix *p)
{
	/* RFC 4862 §5.5.3(d): prefix length + 64-bit identifier (RFC 5072 §4.1) must be 128. */
	return p->is_auto && p->plen == 64;
}

static struct nd_ra_prefix *nd_prefix_add(struct nd_ra *nd, const struct nd_prefix_opt *o)
{
	char buf[INET6_ADDRSTRLEN];
	if (nd->n_prefixes == ND_RA_MAX_PREFIXES) {
		log_warnx("nd[%s]: RA prefix %s/%u ignored: %d prefixes known", nd_conn(nd),
			nd_ntop(o->prefix, buf), o->plen, ND_RA_MAX_PREFIXES);
		return NULL;
	}
	struct nd_ra_prefix *p = &nd->prefixes[nd->n_prefixes++];
	memset(p, 0, sizeof(*p));
	memcpy(p->prefix, o->prefix, 16);
	p->plen = o->plen;
	p->dad_until_ms = V6L_NEVER;
	if (o->is_auto && o->plen != 64)
		log_info("nd[%s]: RA prefix %s/%u: no SLAAC for a length other than 64",
			nd_conn(nd), nd_ntop(o->prefix, buf), o->plen);
	return p;
}

static void nd_ra_pio(struct nd_ra *nd, const struct nd_prefix_opt *o, uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN];
	struct nd_ra_prefix *p = nd_prefix_find(nd, o->prefix, o->plen);
	if (o->valid_s == 0) {
		/* Withdrawal. RFC 4862 §5.5.3(e) would keep the address two more hours, but on a PPP
		 * link only the ISP's router speaks, and a renumbered ISP prefix must go at once
		 * (RFC 9096 §3, RFC 8978 §3), so a valid lifetime of 0 is honoured. */
		if (p) {
			log_info("nd[%s]: prefix %s/%u withdrawn", nd_conn(nd),
				nd_ntop(p->prefix, buf), p->plen);
			nd_prefix_del(nd, p);
		}
		return;
	}
	if (!o->is_auto && !o->is_onlink)
		return; /* RFC 4861 §6.3.4, RFC 4862 §5.5.3(a): nothing to do with it */
	bool is_new = !p;
	if (is_new && !(p = nd_prefix_add(nd, o)))
		return;
	uint64_t valid_until = is_new ? nd_until(o->valid_s, now_ms) :
					nd_valid_two_hour_rule(p, o->valid_s, now_ms);
	p->is_onlink = o->is_onlink;
	p->is_auto = o->is_auto;
	nd_prefix_set_lifetimes(p, valid_until, o->preferred_s, now_ms);
	bool has_addr = p->addr_state == ND_ADDR_OPTIMISTIC || p->addr_state == ND_ADDR_PREFERRED;
	if (has_addr)
		nd_addr_report(nd, p, false, now_ms); /* lifetimes changed in place */
	else if (p->addr_state == ND_ADDR_NONE && nd_prefix_wants_addr(p))
		nd_addr_new(nd, p, now_ms);
}

static struct nd_ra_router *nd_router_find(struct nd_ra *nd, const uint8_t a[16])
{
	for (size_t i = 0; i < nd->n_routers; i++)
		if (memcmp(nd->routers[i].addr, a, 16) == 0)
			return &nd->routers[i];
	return NULL;
}

static void nd_router_del(struct nd_ra *nd, struct nd_ra_router *r)
{
	uint8_t addr[16];
	memcpy(addr, r->addr, 16);
	/* Out of the list first: router_remove sees what is left (nd_ra_has_router). */
	*r = nd->routers[--nd->n_routers];
	nd->ops->router_remove(nd->ctx, addr);
}

bool nd_ra_has_router(const struct nd_ra *nd)
{
	return nd->n_routers > 0;
}

/* RFC 4861 §6.3.4: the default router list; lifetime 0 removes the router. */
static void nd_ra_router(struct nd_ra *nd, const uint8_t src[16], const struct nd_ra_msg *ra,
	uint64_t now_ms)
{
	struct nd_ra_router *r = nd_router_find(nd, src);
	if (ra->router_lifetime_s == 0) {
		if (r)
			nd_router_del(nd, r);
		return;
	}
	if (!r) {
		if (nd->n_routers == ND_RA_MAX_ROUTERS) {
			log_warnx("nd[%s]: RA router ignored: %d routers known", nd_conn(nd),
				ND_RA_MAX_ROUTERS);
			return;
		}
		r = &nd->routers[nd->n_routers++];
		memcpy(r->addr, src, 16);
	}
	r->prf = ra->prf;
	r->until_ms = now_ms + (uint64_t)ra->router_lifetime_s * 1000;
	nd->ops->router_update(nd->ctx, src, ra->router_lifetime_s, ra->prf);
}

static struct nd_ra_route *nd_route_find(struct nd_ra *nd, const struct nd_route_opt *o,
	const uint8_t router[16])
{
	for (size_t i = 0; i < nd->n_routes; i++) {
		struct nd_ra_route *r = &nd->routes[i];
		if (r->plen == o->plen && memcmp(r->prefix, o->prefix, 16) == 0 &&
			memcmp(r->router, router, 16) == 0)
			return r;
	}
	return NULL;
}

static void nd_route_del(struct nd_ra *nd, struct nd_ra_route *r)
{
	nd->ops->route_remove(nd->ctx, r->prefix, r->plen, r->router);
	*r = nd->routes[--nd->n_routes];
}

/* RFC 4191 §3.1: a Route Information Option updates the routing table; lifetime 0 removes. */
static void nd_ra_rio(struct nd_ra *nd, const uint8_t router[16], const struct nd_route_opt *o,
	uint64_t now_ms)
{
	struct nd_ra_route *r = nd_route_find(nd, o, router);
	if (o->lifetime_s == 0) {
		if (r)
			nd_route_del(nd, r);
		return;
	}
	if (!r) {
		if (nd->n_routes == ND_RA_MAX_ROUTES)
			return;
		r = &nd->routes[nd->n_routes++];
		memcpy(r->prefix, o->prefix, 16);
		r->plen = o->plen;
		memcpy(r->router, router, 16);
	}
	r->prf = o->prf;
	r->until_ms = nd_until(o->lifetime_s, now_ms);
	nd->ops->route_update(nd->ctx, o->prefix, o->plen, router, o->lifetime_s, o->prf);
}

static size_t nd_dns_soonest(const struct nd_ra *nd)
{
	size_t best = 0;
	for (size_t i = 1; i < nd->n_dns; i++)
		if (nd->dns[i].until_ms < nd->dns[best].until_ms)
			best = i;
	return best;
}

static size_t nd_search_soonest(const struct nd_ra *nd)
{
	size_t best = 0;
	for (size_t i = 1; i < nd->n_search; i++)
		if (nd->search[i].until_ms < nd->search[best].until_ms)
			best = i;
	return best;
}

/* RFC 8106 §5.3.1: add, refresh (lifetime) or remove (lifetime 0) one server; when the list is
 * full the entry expiring first gives way. Returns true if the set of servers changed. */
static bool nd_rdnss_one(struct nd_ra *nd, const struct nd_rdnss *o, uint64_t now_ms)
{
	size_t i;
	for (i = 0; i < nd->n_dns && memcmp(nd->dns[i].addr, o->addr, 16) != 0; i++)
		;
	if (o->lifetime_s == 0) {
		if (i == nd->n_dns)
			return false;
		nd->dns[i] = nd->dns[--nd->n_dns];
		return true;
	}
	uint64_t until = nd_until(o->lifetime_s, now_ms);
	if (i < nd->n_dns) {
		nd->dns[i].until_ms = until;
		return false;
	}
	/* Neither a multicast nor the unspecified address can be a resolver. */
	if (nd_addr_is_multicast(o->addr) || nd_addr_is_unspecified(o->addr))
		return false;
	if (nd->n_dns == ND_RA_MAX_DNS) {
		i = nd_dns_soonest(nd);
		if (nd->dns[i].until_ms >= until)
			return false;
	} else {
		i = nd->n_dns++;
	}
	memcpy(nd->dns[i].addr, o->addr, 16);
	nd->dns[i].until_ms = until;
	return true;
}

/* RFC 8106 §5.3.1 for the DNS search list, as nd_rdnss_one. */
static bool nd_dnssl_one(struct nd_ra *nd, const struct nd_dnssl *o, uint64_t now_ms)
{
	size_t i;
	for (i = 0; i < nd->n_search && strcmp(nd->search[i].name, o->name) != 0; i++)
		;
	if (o->lifetime_s == 0) {
		if (i == nd->n_search)
			return false;
		nd->search[i] = nd->search[--nd->n_search];
		return true;
	}
	uint64_t until = nd_until(o->lifetime_s, now_ms);
	if (i < nd->n_search) {
		nd->search[i].until_ms = until;
		return false;
	}
	if (nd->n_search == ND_RA_MAX_SEARCH) {
		i = nd_search_soonest(nd);
		if (nd->search[i].until_ms >= until)
			return false;
	} else {
		i = nd->n_search++;
	}
	memcpy(nd->search[i].name, o->name, sizeof(o->name));
	nd->search[i].until_ms = until;
	return true;
}

/* RFC 8781 §5: the NAT64 prefix is recorded with its lifetime; lifetime 0 removes it. */
static void nd_pref64_one(struct nd_ra *nd, const struct nd_pref64 *o, uint64_t now_ms)
{
	size_t i;
	for (i = 0; i < nd->n_pref64; i++)
		if (nd->pref64[i].plen == o->plen && memcmp(nd->pref64[i].prefix, o->prefix, 16) == 0)
			break;
	if (o->lifetime_s == 0) {
		if (i < nd->n_pref64)
			nd->pref64[i] = nd->pref64[--nd->n_pref64];
		return;
	}
	if (i == nd->n_pref64) {
		if (nd->n_pref64 == ND_RA_MAX_PREF64)
			return;
		nd->n_pref64++;
		memcpy(nd->pref64[i].prefix, o->prefix, 16);
		nd->pref64[i].plen = o->plen;
	}
	nd->pref64[i].until_ms = now_ms + (uint64_t)o->lifetime_s * 1000;
}

/* RFC 4861 §6.3.4: MTU between the IPv6 minimum and the link's maximum is adopted. */
static void nd_ra_mtu(struct nd_ra *nd, const struct nd_ra_msg *ra)
{
	if (!ra->has_mtu)
		return;
	if (ra->mtu < ND_RA_MIN_MTU || ra->mtu > nd->cfg.link_mtu) {
		log_debug(ND_LOGC, "nd[%s]: RA MTU %u ignored: outside %u..%u", nd_conn(nd),
			ra->mtu, ND_RA_MIN_MTU, nd->cfg.link_mtu);
		return;
	}
	if (ra->mtu == nd->mtu)
		return;
	nd->mtu = ra->mtu;
	log_info("nd[%s]: MTU %u", nd_conn(nd), nd->mtu);
	nd->ops->mtu(nd->ctx, nd->mtu);
}

/* RFC 4861 §6.3.4: the RA's M/O flags and the host variables it sets when non-zero. */
static void nd_ra_params(struct nd_ra *nd, const struct nd_ra_msg *ra)
{
	if (ra->cur_hop_limit)
		nd->cur_hop_limit = ra->cur_hop_limit;
	if (ra->reachable_ms)
		nd->reachable_ms = ra->reachable_ms;
	if (ra->retrans_ms)
		nd->retrans_ms = ra->retrans_ms;
	nd->has_flags_ext = ra->has_flags_ext;
	nd->flags_ext = ra->flags_ext;
	if (nd->has_flags && nd->is_managed == ra->is_managed && nd->is_other == ra->is_other)
		return;
	nd->has_flags = true;
	nd->is_managed = ra->is_managed;
	nd->is_other = ra->is_other;
	log_info("nd[%s]: RA flags M=%d O=%d", nd_conn(nd), ra->is_managed, ra->is_other);
	nd->ops->flags(nd->ctx, ra->is_managed, ra->is_other);
}

void nd_ra_on_ra(struct nd_ra *nd, const struct nd_ip6_hdr *ip, const struct nd_ra_msg *ra,
	uint64_t now_ms)
{
	if (nd->state == ND_RA_IDLE)
		return;
	nd->stats.rx_ra++;
	/* What ran out before this RA is gone first, so the RA's updates start from fresh state. */
	nd_expire(nd, now_ms, false);
	nd_ra_params(nd, ra);
	nd_ra_router(nd, ip->src, ra, now_ms);
	nd_ra_mtu(nd, ra);
	for (size_t i = 0; i < ra->n_prefixes; i++)
		nd_ra_pio(nd, &ra->prefixes[i], now_ms);
	for (size_t i = 0; i < ra->n_routes; i++)
		nd_ra_rio(nd, ip->src, &ra->routes[i], now_ms);
	bool dns_changed = false;
	for (size_t i = 0; i < ra->n_rdnss; i++)
		dns_changed |= nd_rdnss_one(nd, &ra->rdnss[i], now_ms);
	for (size_t i = 0; i < ra->n_dnssl; i++)
		dns_changed |= nd_dnssl_one(nd, &ra->dnssl[i], now_ms);
	if (dns_changed)
		nd->ops->dns_changed(nd->ctx);
	for (size_t i = 0; i < ra->n_pref64; i++)
		nd_pref64_one(nd, &ra->pref64[i], now_ms);
	/* RFC 4861 §6.3.7: a valid RA with a non-zero Router Lifetime ends the solicitation. */
	if (ra->router_lifetime_s != 0 && nd->state != ND_RA_BOUND)
		nd_ra_enter(nd, ND_RA_BOUND, now_ms, "RA received");
}

/* ---- NS / NA ---- */

/* Finds the prefix whose SLAAC address is a; NULL if none. */
static struct nd_ra_prefix *nd_addr_find(struct nd_ra *nd, const uint8_t a[16])
{
	for (size_t i = 0; i < nd->n_prefixes; i++) {
		struct nd_ra_prefix *p = &nd->prefixes[i];
		bool live = p->addr_state == ND_ADDR_OPTIMISTIC || p->addr_state == ND_ADDR_PREFERRED;
		if (live && memcmp(p->addr, a, 16) == 0)
			return p;
	}
	return NULL;
}

/* RFC 4861 §7.2.4: answers an NS for target; to all-nodes without S when it came from ::. */
static void nd_send_na(struct nd_ra *nd, const struct nd_ip6_hdr *ip, const uint8_t target[16],
	bool is_override)
{
	struct nd_nsna_msg na = { .type = ND_ICMP6_NA, .is_router = nd->cfg.is_router,
		.is_override = is_override };
	bool from_unspec = nd_addr_is_unspecified(ip->src);
	na.is_solicited = !from_unspec;
	memcpy(na.target, target, 16);
	uint8_t icmp[32];
	nd_send(nd, target, from_unspec ? nd_all_nodes : ip->src, icmp,
		nd_build_na(&na, icmp, sizeof(icmp)));
}

bool nd_ra_on_ns(struct nd_ra *nd, const struct nd_ip6_hdr *ip, const struct nd_nsna_msg *m,
	uint64_t now_ms)
{
	if (nd->state == ND_RA_IDLE)
		return false;
	nd->stats.rx_ns++;
	struct nd_ra_prefix *p = nd_addr_find(nd, m->target);
	bool is_ll = memcmp(m->target, nd->link_local, 16) == 0;
	if (!p && !is_ll)
		return false;
	if (p && p->addr_state == ND_ADDR_OPTIMISTIC) {
		if (nd_addr_is_unspecified(ip->src)) {
			/* RFC 7527 §4.2: our own probe looped back is not a duplicate. */
			if (m->has_nonce && memcmp(m->nonce, p->nonce, ND_NONCE_LEN) == 0)
				return false;
			/* RFC 4429 §3.3 / RFC 4862 §5.4.3: someone else probes it: a duplicate. */
			nd_dad_failed(nd, p, "NS from :: for it", now_ms);
			return false;
		}
		/* RFC 4429 §3.3: answer for an optimistic address with Override clear. */
		nd_send_na(nd, ip, m->target, false);
		return true;
	}
	nd_send_na(nd, ip, m->target, true);
	return true;
}

void nd_ra_on_na(struct nd_ra *nd, const struct nd_ip6_hdr *ip, const struct nd_nsna_msg *m,
	uint64_t now_ms)
{
	char buf[INET6_ADDRSTRLEN], sbuf[INET6_ADDRSTRLEN];
	(void)ip;
	if (nd->state == ND_RA_IDLE)
		return;
	nd->stats.rx_na++;
	struct nd_ra_prefix *p = nd_addr_find(nd, m->target);
	if (p && p->addr_state == ND_ADDR_OPTIMISTIC) {
		/* RFC 4862 §5.4.4: an NA for a tentative address means it is a duplicate. */
		nd_dad_failed(nd, p, "NA for it", now_ms);
		return;
	}
	/* RFC 4862 §5.4.4: for an address in use, a conflict is only logged. */
	if (p || memcmp(m->target, nd->link_local, 16) == 0)
		log_warnx("nd[%s]: NA from %s claims our address %s", nd_conn(nd),
			nd_ntop(ip->src, sbuf), nd_ntop(m->target, buf));
}

/* ---- timers, expiry, stop ---- */

/* Drops every router, prefix, route, DNS entry and NAT64 prefix whose lifetime ended by now_ms
 * (all of them when everything is true), reporting each removal. */
static void nd_expire(struct nd_ra *nd, uint64_t now_ms, bool everything)
{
	char buf[INET6_ADDRSTRLEN];
	bool dns_changed = false;
	for (size_t i = nd->n_prefixes; i-- > 0;)
		if (everything || nd->prefixes[i].valid_until_ms <= now_ms) {
			if (!everything)
				log_info("nd[%s]: prefix %s/%u expired", nd_conn(nd),
					nd_ntop(nd->prefixes[i].prefix, buf), nd->prefixes[i].plen);
			nd_prefix_del(nd, &nd->prefixes[i]);
		}
	for (size_t i = nd->n_routes; i-- > 0;)
		if (everything || nd->routes[i].until_ms <= now_ms)
			nd_route_del(nd, &nd->routes[i]);
	for (size_t i = nd->n_routers; i-- > 0;)
		if (everything || nd->routers[i].until_ms <= now_ms)
			nd_router_del(nd, &nd->routers[i]);
	for (size_t i = nd->n_dns; i-- > 0;)
		if (everything || nd->dns[i].until_ms <= now_ms) {
			nd->dns[i] = nd->dns[--nd->n_dns];
			dns_changed = true;
		}
	for (size_t i = nd->n_search; i-- > 0;)
		if (everything || nd->search[i].until_ms <= now_ms) {
			nd->search[i] = nd->search[--nd->n_search];
			dns_changed = true;
		}
	for (size_t i = nd->n_pref64; i-- > 0;)
		if (everything || nd->pref64[i].until_ms <= now_ms)
			nd->pref64[i] = nd->pref64[--nd->n_pref64];
	if (dns_changed)
		nd->ops->dns_changed(nd->ctx);
}

void nd_ra_on_timer(struct nd_ra *nd, uint64_t now_ms)
{
	if (nd->state == ND_RA_IDLE)
		return;
	if (nd->rs_deadline_ms <= now_ms)
		nd_rs_timer(nd, now_ms);
	bool had_router = nd->n_routers > 0;
	nd_expire(nd, now_ms, false);
	nd_dad_timer(nd, now_ms); /* after expiry: a prefix that ran out is not reported again */
	/* No default router left: look for one again (a restarted ISP router stays silent until its
	 * next periodic RA, which can be minutes away). */
	if (had_router && nd->n_routers == 0 && nd->state == ND_RA_BOUND)
		nd_ra_enter(nd, ND_RA_SOLICIT, now_ms, "default router expired");
	if (nd->rs_deadline_ms <= now_ms)
		nd_rs_timer(nd, now_ms);
}

uint64_t nd_ra_next_deadline(const struct nd_ra *nd)
{
	uint64_t d = nd->rs_deadline_ms;
	if (nd->state == ND_RA_IDLE)
		return V6L_NEVER;
	for (size_t i = 0; i < nd->n_prefixes; i++) {
		d = clock_min(d, nd->prefixes[i].valid_until_ms);
		if (nd->prefixes[i].addr_state == ND_ADDR_OPTIMISTIC)
			d = clock_min(d, nd->prefixes[i].dad_until_ms);
	}
	for (size_t i = 0; i < nd->n_routers; i++)
		d = clock_min(d, nd->routers[i].until_ms);
	for (size_t i = 0; i < nd->n_routes; i++)
		d = clock_min(d, nd->routes[i].until_ms);
	for (size_t i = 0; i < nd->n_dns; i++)
		d = clock_min(d, nd->dns[i].until_ms);
	for (size_t i = 0; i < nd->n_search; i++)
		d = clock_min(d, nd->search[i].until_ms);
	for (size_t i = 0; i < nd->n_pref64; i++)
		d = clock_min(d, nd->pref64[i].until_ms);
	return d;
}

void nd_ra_stop(struct nd_ra *nd, uint64_t now_ms)
{
	if (nd->state == ND_RA_IDLE)
		return;
	nd_expire(nd, now_ms, true);
	nd->has_flags = false;
	nd->mtu = 0;
	nd_ra_enter(nd, ND_RA_IDLE, now_ms, "link down");
}

const struct nd_ra_dns *nd_ra_dns(const struct nd_ra *nd, size_t *n)
{
	*n = nd->n_dns;
	return nd->dns;
}

const struct nd_ra_search *nd_ra_search(const struct nd_ra *nd, size_t *n)
{
	*n = nd->n_search;
	return nd->search;
}

const struct nd_ra_pref64 *nd_ra_pref64(const struct nd_ra *nd, size_t *n)
{
	*n = nd->n_pref64;
	return nd->pref64;
}

/* Parses and dispatches the ICMPv6 message of a packet whose IPv6 header is valid. */
static enum nd_err nd_dispatch(struct nd_ra *nd, const struct nd_ip6_hdr *ip,
	const struct rcur *icmp, uint64_t now_ms)
{
	struct nd_ra_msg ra;
	struct nd_nsna_msg m;
	enum nd_err e;
	switch (icmp->p[0]) {
	case ND_ICMP6_RA:
		e = nd_parse_ra(icmp->p, icmp->left, ip, &ra);
		if (e == ND_E_OK)
			nd_ra_on_ra(nd, ip, &ra, now_ms);
		return e;
	case ND_ICMP6_NS:
	case ND_ICMP6_NA:
		e = nd_parse_nsna(icmp->p, icmp->left, ip, &m);
		if (e == ND_E_OK && m.type == ND_ICMP6_NS)
			nd_ra_on_ns(nd, ip, &m, now_ms);
		else if (e == ND_E_OK)
			nd_ra_on_na(nd, ip, &m, now_ms);
		return e;
	default:
		nd->stats.rx_other++;
		return ND_E_OK;
	}
}

enum nd_err nd_ra_on_packet(struct nd_ra *nd, const uint8_t *pkt, size_t len, uint64_t now_ms)
{
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	if (nd->state == ND_RA_IDLE)
		return ND_E_OK;
	enum nd_err e = nd_parse_ipv6_icmp(pkt, len, &ip, &icmp);
	if (e == ND_E_OK)
		e = nd_dispatch(nd, &ip, &icmp, now_ms);
	if (e != ND_E_OK) {
		char buf[INET6_ADDRSTRLEN];
		nd->stats.rx_bad++;
		nd->stats.last_err = e;
		log_debug(ND_LOGC, "nd[%s]: packet from %s dropped: %s", nd_conn(nd),
			nd_ntop(ip.src, buf), nd_err_str(e));
	}
	return e;
}
