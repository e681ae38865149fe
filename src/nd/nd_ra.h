/* Router discovery, SLAAC and DAD for one PPP interface (RFC 4861 §6.3, RFC 4862, RFC 4429,
 * RFC 7559, RFC 7217, RFC 8106, RFC 4191, RFC 8781). Pure FSM: events carry now_ms, effects go
 * through struct nd_ra_ops (the caller writes them into the kernel with their lifetimes).
 * Does not do address resolution, Redirect or on-link prefix routes (a PPP link has no neighbours
 * to resolve: everything goes to the peer). */
#ifndef V6L_ND_RA_H
#define V6L_ND_RA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "nd/nd_codec.h"

#define ND_RA_MAX_ROUTERS 4
#define ND_RA_MAX_PREFIXES 8
#define ND_RA_MAX_ROUTES 16
#define ND_RA_MAX_DNS 8
#define ND_RA_MAX_SEARCH 8
#define ND_RA_MAX_PREF64 2
#define ND_RA_IDGEN_RETRIES 3     /* RFC 7217 §6: new identifiers after a duplicate */
#define ND_RA_SECRET_LEN 32       /* RFC 7217 §5 secret_key, at least 128 bits */
#define ND_RA_LINK_MTU_DEFAULT 1500
#define ND_RA_MIN_MTU 1280        /* RFC 8200 §5 */

enum nd_ra_state {
	ND_RA_IDLE,    /* link down: nothing sent, packets ignored */
	ND_RA_DELAY,   /* random delay before the first RS (RFC 4861 §6.3.7) */
	ND_RA_SOLICIT, /* sending RSs with back-off (RFC 4861 §6.3.7, RFC 7559) */
	ND_RA_BOUND,   /* a default router is known; RSs stopped */
};

/* Per prefix: the SLAAC address formed from it. */
enum nd_addr_state {
	ND_ADDR_NONE,       /* no address: not autonomous or not a /64 */
	ND_ADDR_OPTIMISTIC, /* DAD running, in use as an RFC 4429 optimistic address */
	ND_ADDR_PREFERRED,  /* DAD done (deprecation is left to the kernel's lifetimes) */
	ND_ADDR_FAILED,     /* duplicate and no identifier left: no address for this prefix */
};

struct nd_ra_cfg {
	uint8_t iid[8];         /* IPv6CP identifier: our link-local is fe80::iid */
	bool use_stable_privacy; /* RFC 7217 identifiers instead of iid for SLAAC */
	uint8_t secret[ND_RA_SECRET_LEN]; /* RFC 7217 secret_key */
	char net_iface[32];     /* RFC 7217 Net_Iface (a stable interface name) */
	char network_id[64];    /* RFC 7217 Network_ID, may be empty */
	uint32_t link_mtu;      /* largest MTU an RA may set; 0 = ND_RA_LINK_MTU_DEFAULT */
	bool is_router;         /* R flag of our NAs (we route a delegated prefix) */
	/* The first RS at once: RFC 4861 §6.3.7's random delay spreads the solicitations of many
	 * hosts coming up on one link; a PPP link has one host, and the delay only costs time. */
	bool no_rs_delay;
};

/* An address to add or update; lifetimes are remaining seconds (ND_LIFETIME_INF = forever). */
struct nd_addr_event {
	uint8_t addr[16];
	uint8_t plen; /* 64 for an on-link prefix, else 128 (RFC 5942 §4) */
	uint32_t valid_s, pref_s;
	bool is_new;        /* not reported before: add, else change lifetimes in place */
	bool is_optimistic; /* add with IFA_F_OPTIMISTIC; false once DAD has passed */
};

/* Effects. Every pointer argument is borrowed for the call only. */
struct nd_ra_ops {
	/* A complete IPv6 packet (RS, DAD NS or NA) to send into the PPP session. */
	void (*send)(void *ctx, const uint8_t *pkt, size_t len);
	void (*addr_update)(void *ctx, const struct nd_addr_event *a);
	void (*addr_remove)(void *ctx, const uint8_t addr[16], uint8_t plen);
	void (*router_update)(void *ctx, const uint8_t router[16], uint32_t lifetime_s,
		enum nd_prf prf);
	void (*router_remove)(void *ctx, const uint8_t router[16]);
	void (*route_update)(void *ctx, const uint8_t prefix[16], uint8_t plen,
		const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf);
	void (*route_remove)(void *ctx, const uint8_t prefix[16], uint8_t plen,
		const uint8_t router[16]);
	/* The RDNSS or DNSSL set changed; read it with nd_ra_dns() / nd_ra_search(). */
	void (*dns_changed)(void *ctx);
	void (*mtu)(void *ctx, uint32_t mtu);
	/* M/O from the first RA and on every change. */
	void (*flags)(void *ctx, bool is_managed, bool is_other);
};

struct nd_ra_router {
	uint8_t addr[16];
	enum nd_prf prf;
	uint64_t until_ms;
};

struct nd_ra_prefix {
	uint8_t prefix[16];
	uint8_t plen;
	bool is_onlink, is_auto;
	uint64_t valid_until_ms, pref_until_ms; /* V6L_NEVER = infinite */
	enum nd_addr_state addr_state;
	uint8_t addr[16];
	uint8_t addr_plen; /* fixed when the address is formed: 64 if on-link then, else 128 */
	uint8_t dad_counter; /* RFC 7217 DAD_Counter */
	uint64_t dad_until_ms;
	uint8_t nonce[ND_NONCE_LEN]; /* of our DAD NS, RFC 7527 */
};

struct nd_ra_route {
	uint8_t prefix[16];
	uint8_t plen;
	uint8_t router[16];
	enum nd_prf prf;
	uint64_t until_ms;
};

struct nd_ra_dns {
	uint8_t addr[16];
	uint64_t until_ms;
};

struct nd_ra_search {
	char name[ND_DNAME_MAX + 1];
	uint64_t until_ms;
};

struct nd_ra_pref64 {
	uint8_t prefix[16];
	uint8_t plen;
	uint64_t until_ms;
};

struct nd_ra_stats {
	uint32_t rx_ra, rx_ns, rx_na, rx_other, rx_bad, tx_rs, dad_dup;
	enum nd_err last_err;
};

struct nd_ra {
	enum nd_ra_state state;
	struct nd_ra_cfg cfg;
	const struct nd_ra_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	const char *conn; /* borrowed, for log lines */
	uint8_t link_local[16];

	uint64_t rs_deadline_ms;
	uint32_t rs_count, rs_rt_ms;

	bool has_flags, is_managed, is_other;
	uint32_t mtu; /* 0 until an RA sets one */
	uint8_t cur_hop_limit;
	uint32_t reachable_ms, retrans_ms;
	bool has_flags_ext;
	uint64_t flags_ext;

	uint8_t n_routers, n_prefixes, n_routes, n_dns, n_search, n_pref64;
	struct nd_ra_router routers[ND_RA_MAX_ROUTERS];
	struct nd_ra_prefix prefixes[ND_RA_MAX_PREFIXES];
	struct nd_ra_route routes[ND_RA_MAX_ROUTES];
	struct nd_ra_dns dns[ND_RA_MAX_DNS];
	struct nd_ra_search search[ND_RA_MAX_SEARCH];
	struct nd_ra_pref64 pref64[ND_RA_MAX_PREF64];
	struct nd_ra_stats stats;
};

/* Initialises nd in IDLE. cfg is copied; ops, ctx, rng and conn are borrowed for nd's life. */
void nd_ra_init(struct nd_ra *nd, const struct nd_ra_cfg *cfg, const struct nd_ra_ops *ops,
	void *ctx, struct v6l_rng *rng, const char *conn);
/* IPv6CP is up: starts router discovery after a random delay of 0..1 s. */
void nd_ra_start(struct nd_ra *nd, uint64_t now_ms);
/* Link down: reports the removal of everything learnt (addresses, routes, routers, DNS) and
 * returns to IDLE. */
void nd_ra_stop(struct nd_ra *nd, uint64_t now_ms);

/* Feeds one IPv6 packet received on the link; ICMPv6 types other than RA/NS/NA are ignored.
 * Returns the codec's verdict (counted in stats). */
enum nd_err nd_ra_on_packet(struct nd_ra *nd, const uint8_t *pkt, size_t len, uint64_t now_ms);
/* Processes a parsed and validated RA from ip->src. */
void nd_ra_on_ra(struct nd_ra *nd, const struct nd_ip6_hdr *ip, const struct nd_ra_msg *ra,
	uint64_t now_ms);
/* Processes an NS; returns true if its target is one of our addresses and an NA was sent. An NS
 * from :: for an address under DAD marks that address duplicate. */
bool nd_ra_on_ns(struct nd_ra *nd, const struct nd_ip6_hdr *ip, const struct nd_nsna_msg *m,
	uint64_t now_ms);
/* Processes an NA: one for an address under DAD marks it duplicate. */
void nd_ra_on_na(struct nd_ra *nd, const struct nd_ip6_hdr *ip, const struct nd_nsna_msg *m,
	uint64_t now_ms);
/* Handles every deadline up to now_ms: RS retransmission, end of DAD, lifetime expiry. */
void nd_ra_on_timer(struct nd_ra *nd, uint64_t now_ms);
/* Returns the earliest deadline in ms, or V6L_NEVER. */
uint64_t nd_ra_next_deadline(const struct nd_ra *nd);
/* True while the default router list holds a router (RFC 4861 §6.3.4: one whose RA had a
 * router lifetime above 0, not yet expired); already false inside the last router_remove. */
bool nd_ra_has_router(const struct nd_ra *nd);

const char *nd_ra_state_name(enum nd_ra_state s);
const char *nd_addr_state_name(enum nd_addr_state s);
/* Current RDNSS servers / DNSSL names / PREF64 prefixes (borrowed, valid until the next event). */
const struct nd_ra_dns *nd_ra_dns(const struct nd_ra *nd, size_t *n);
const struct nd_ra_search *nd_ra_search(const struct nd_ra *nd, size_t *n);
const struct nd_ra_pref64 *nd_ra_pref64(const struct nd_ra *nd, size_t *n);

/* RFC 5453 / IANA reserved interface identifiers: 0, 0200:5eff:fe00:0-0200:5eff:feff:ffff,
 * fdff:ffff:ffff:ff80-ffff. */
bool nd_iid_is_reserved(const uint8_t iid[8]);
/* RFC 7217 §5: first 64 bits of SHA-256(prefix[0..8) | net_iface | 0 | network_id | 0 |
 * dad_counter | secret) into iid (may be reserved: the caller checks). */
void nd_stable_iid(const struct nd_ra_cfg *cfg, const uint8_t prefix[16], uint8_t dad_counter,
	uint8_t iid[8]);

#endif
