/* Router mode on a shared Ethernet segment: RS with RFC 4861 §6.3.7 timing and RFC 7559 back-off,
 * the routers heard in RAs with the prefixes each announced, RFC 8028 source-specific routes per
 * (router, prefix), RFC 4191 more-specific routes (RIO), RDNSS/DNSSL (RFC 8106), PREF64 (RFC 8781)
 * and M/O over all routers. Pure FSM: events carry now_ms, effects go through struct
 * nd_routers_ops. The kernel does SLAAC, DAD and default routes itself (accept_ra=2): no addresses,
 * no NS/NA, no MTU and no ::/0 RIO here. */
#ifndef V6L_ND_ROUTERS_H
#define V6L_ND_ROUTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "nd/nd_codec.h"
#include "nd/nd_ra.h" /* struct nd_ra_dns, struct nd_ra_search */

#define ND_ROUTERS_MAX 8          /* routers with a non-zero lifetime */
#define ND_ROUTERS_MAX_PREFIXES 8 /* PIO prefixes per router */
#define ND_ROUTERS_MAX_DNS 8      /* distinct RDNSS servers over all routers */
#define ND_ROUTERS_MAX_SEARCH 8   /* distinct DNSSL names over all routers */
#define ND_ROUTERS_MAX_DNS_SRC 16 /* (server or name, announcing router) pairs, each kind */
#define ND_ROUTERS_MAX_ROUTES 16  /* RFC 4191 (prefix, router) routes over all routers */
#define ND_ROUTERS_MAX_PREF64 4   /* RFC 8781 (prefix, announcing router) pairs */
#define ND_ROUTERS_SLACK_MS 1000  /* an expiry moving by no more than this is not re-reported */

enum nd_routers_state {
	ND_ROUTERS_IDLE,    /* stopped: nothing sent, RAs ignored */
	ND_ROUTERS_DELAY,   /* random delay before the first RS (RFC 4861 §6.3.7) */
	ND_ROUTERS_SOLICIT, /* sending RSs with back-off (RFC 4861 §6.3.7, RFC 7559) */
	ND_ROUTERS_KNOWN,   /* a default router is known: RSs stopped, RAs tracked */
};

struct nd_routers_cfg {
	bool is_passive; /* never send RSs: only listen to periodic RAs */
};

/* Effects. Every pointer argument is borrowed for the call only. Lifetimes are remaining seconds
 * at the time of the call. */
struct nd_routers_ops {
	/* Send one Router Solicitation to ff02::2 (the glue builds the packet). */
	void (*send_rs)(void *ctx);
	/* A default router appeared or its lifetime or preference changed noticeably. */
	void (*router_update)(void *ctx, const uint8_t router[16], uint32_t lifetime_s,
		enum nd_prf prf);
	/* After the removal of its src routes; the router is still in nd_routers_list() during
	 * the call and dropped right after it. */
	void (*router_remove)(void *ctx, const uint8_t router[16]);
	/* RFC 8028: traffic from prefix/plen goes via router (whose preference is prf), for
	 * lifetime_s = min(router lifetime, prefix valid lifetime). Called again when that expiry
	 * moves by more than ND_ROUTERS_SLACK_MS or prf changes. */
	void (*src_route_update)(void *ctx, const uint8_t prefix[16], uint8_t plen,
		const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf);
	/* Only for a route reported by src_route_update before. */
	void (*src_route_remove)(void *ctx, const uint8_t prefix[16], uint8_t plen,
		const uint8_t router[16]);
	/* RFC 4191: traffic to prefix/plen goes via router with preference prf, for lifetime_s; any
	 * router's RIO counts, a default router or not. Called again when the expiry moves by more
	 * than ND_ROUTERS_SLACK_MS or prf changes. Never for ::/0. */
	void (*route_update)(void *ctx, const uint8_t prefix[16], uint8_t plen,
		const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf);
	/* Only for a route reported by route_update before (lifetime 0, expiry or stop). */
	void (*route_remove)(void *ctx, const uint8_t prefix[16], uint8_t plen,
		const uint8_t router[16]);
	/* A PIO prefix of a default router appeared or went, or its L/A flags or lifetimes moved by
	 * more than ND_ROUTERS_SLACK_MS; read the prefixes with nd_routers_list(). */
	void (*prefixes_changed)(void *ctx);
	/* The set of RDNSS servers or DNSSL names changed; read it with nd_routers_dns/search(). */
	void (*dns_changed)(void *ctx);
	/* M/O: from the first RA, then whenever the OR over the known routers changes. */
	void (*flags)(void *ctx, bool is_managed, bool is_other);
};

/* A prefix one router announced in a PIO. Times are absolute ms; V6L_NEVER = infinite. */
struct nd_routers_prefix {
	uint8_t prefix[16];
	uint8_t plen;
	bool is_onlink, is_auto; /* L, A as last announced */
	uint64_t valid_until_ms, pref_until_ms;
	bool has_route;          /* src_route_update reported, not yet removed */
	uint64_t route_until_ms; /* the expiry last reported */
	enum nd_prf route_prf;   /* the preference last reported */
	bool is_seen;            /* counted in a prefixes_changed report */
	bool seen_onlink, seen_auto;
	uint64_t seen_valid_ms, seen_pref_ms;
};

/* An RFC 4191 more-specific route one router announced. Times are absolute ms. */
/* A source prefix of RFC 4191 routes (nd_routers_route_sources). */
struct nd_routers_src {
	uint8_t prefix[16];
	uint8_t plen;
};

struct nd_routers_route {
	uint8_t prefix[16]; /* bits past plen cleared */
	uint8_t plen;       /* 1..128 */
	uint8_t router[16]; /* link-local source of the RA */
	enum nd_prf prf;    /* high, medium or low */
	uint64_t until_ms;
	bool is_reported;           /* route_update called, route_remove not yet */
	uint64_t reported_until_ms;
	enum nd_prf reported_prf;
};

/* A NAT64 prefix (RFC 8781) as announced by one router. */
struct nd_routers_pref64_src {
	uint8_t prefix[16];
	uint8_t plen;
	uint8_t router[16];
	uint64_t until_ms;
};

struct nd_routers_router {
	uint8_t addr[16]; /* link-local source of its RAs */
	enum nd_prf prf;  /* RFC 4191 §2.2 */
	bool is_managed, is_other;
	uint64_t until_ms;
	bool is_reported;           /* router_update called, router_remove not yet */
	uint64_t reported_until_ms; /* of the last router_update */
	enum nd_prf reported_prf;
	uint8_t n_prefixes;
	struct nd_routers_prefix prefixes[ND_ROUTERS_MAX_PREFIXES];
};

/* One server or name as announced by one router (RFC 8106 lifetimes are per announcement). */
struct nd_routers_dns_src {
	uint8_t addr[16];
	uint8_t router[16];
	uint64_t until_ms;
};

struct nd_routers_search_src {
	char name[ND_DNAME_MAX + 1];
	uint8_t router[16];
	uint64_t until_ms;
};

struct nd_routers_stats {
	uint32_t rx_ra, rx_bad, rx_not_link_local, tx_rs;
	/* Capacity overflows (prefixes include those the codec dropped from an RA). */
	uint32_t n_routers_dropped, n_prefixes_dropped, n_dns_dropped, n_search_dropped;
	uint32_t n_routes_dropped, n_pref64_dropped;
	enum nd_err last_err;
};

struct nd_routers {
	enum nd_routers_state state;
	struct nd_routers_cfg cfg;
	const struct nd_routers_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	const char *conn; /* borrowed, for log lines */

	uint64_t rs_deadline_ms;
	uint32_t rs_count, rs_rt_ms;

	bool has_flags, is_managed, is_other; /* as last reported */
	bool last_managed, last_other;        /* of the last RA */
	bool has_logged_routers, has_logged_prefixes, has_logged_dns, has_logged_search;
	bool has_logged_routes, has_logged_pref64;
	bool is_prefixes_dirty; /* a prefix went since the last prefixes_changed */

	uint8_t n_routers, n_dns_src, n_search_src, n_dns, n_search;
	struct nd_routers_router routers[ND_ROUTERS_MAX];
	struct nd_routers_dns_src dns_src[ND_ROUTERS_MAX_DNS_SRC];
	struct nd_routers_search_src search_src[ND_ROUTERS_MAX_DNS_SRC];
	struct nd_ra_dns dns[ND_ROUTERS_MAX_DNS];          /* distinct, until = latest */
	struct nd_ra_search search[ND_ROUTERS_MAX_SEARCH]; /* distinct, until = latest */
	uint8_t n_routes, n_pref64_src;
	struct nd_routers_route routes[ND_ROUTERS_MAX_ROUTES];
	struct nd_routers_pref64_src pref64_src[ND_ROUTERS_MAX_PREF64];
	struct nd_routers_stats stats;
};

/* Initialises nr in IDLE. cfg is copied (NULL = defaults); ops, ctx, rng and conn are borrowed
 * for nr's life. */
void nd_routers_init(struct nd_routers *nr, const struct nd_routers_cfg *cfg,
	const struct nd_routers_ops *ops, void *ctx, struct v6l_rng *rng, const char *conn);
/* The interface is up: starts soliciting after a random delay of 0..1 s. No-op unless IDLE. */
void nd_routers_start(struct nd_routers *nr, uint64_t now_ms);
/* Reports the removal of every src route, router and DNS entry learnt, then IDLE. */
void nd_routers_stop(struct nd_routers *nr, uint64_t now_ms);

/* Processes an RA already parsed and validated by the caller, received from src. RAs from a
 * source that is not link-local are ignored (RFC 4861 §6.1.2). Ignored in IDLE. */
void nd_routers_on_ra(struct nd_routers *nr, const uint8_t src[16], const struct nd_ra_msg *ra,
	uint64_t now_ms);
/* Parses the IPv6 packet pkt[0..len) (borrowed) as an RA and processes it; returns the codec's
 * verdict (ND_E_OK also in IDLE, where nothing is parsed). */
enum nd_err nd_routers_on_packet(struct nd_routers *nr, const uint8_t *pkt, size_t len,
	uint64_t now_ms);
/* Handles every deadline up to now_ms: RS retransmission and lifetime expiry. */
void nd_routers_on_timer(struct nd_routers *nr, uint64_t now_ms);
/* Returns the earliest deadline in ms, or V6L_NEVER. */
uint64_t nd_routers_next_deadline(const struct nd_routers *nr);

const char *nd_routers_state_name(enum nd_routers_state s);
/* The known default routers, each with its prefixes (borrowed, valid until the next event). */
const struct nd_routers_router *nd_routers_list(const struct nd_routers *nr, size_t *n);
/* Distinct RDNSS servers / DNSSL names over all routers (borrowed, valid until the next event). */
const struct nd_ra_dns *nd_routers_dns(const struct nd_routers *nr, size_t *n);
const struct nd_ra_search *nd_routers_search(const struct nd_routers *nr, size_t *n);
/* The RFC 4191 routes (borrowed, valid until the next event). */
const struct nd_routers_route *nd_routers_routes(const struct nd_routers *nr, size_t *n);
/* The source prefixes an RFC 4191 route via router applies to, written into out (at most cap;
 * the count is returned): the prefixes router announced in PIOs while a default router, for
 * which it is the RFC 8028 first hop. 0 means every source: a router that numbers no prefix
 * (a pure route server, or one with Router Lifetime 0). So a router that numbers prefixes steers
 * only its own sources, and another router's RFC 8028 source route is not overridden by a broad
 * RIO (thc-ipv6's fake_router6 announces 2000::/3 and fc00::/7). */
size_t nd_routers_route_sources(const struct nd_routers *nr, const uint8_t router[16],
	struct nd_routers_src *out, size_t cap);
/* Writes the distinct NAT64 prefixes over all routers into out (at most cap; until = latest)
 * and returns how many. */
size_t nd_routers_pref64(const struct nd_routers *nr, struct nd_ra_pref64 *out, size_t cap);
/* Whole seconds left until until_ms (rounded up); ND_LIFETIME_INF for V6L_NEVER, 0 if past. */
uint32_t nd_routers_remaining_s(uint64_t until_ms, uint64_t now_ms);

#endif
