/* DHCPv6 client state machine (RFC 8415 §15, §18): stateful IA_NA, prefix delegation IA_PD, both,
 * or stateless Information-request; Solicit/Advertise with preference, Rapid Commit, Renew at T1,
 * Rebind at T2, expiry, Confirm/Rebind after a redial, one-shot Release, and Reconfigure
 * (§18.2.11) authenticated with the Reconfigure Key (§20.4). Pure: events carry now_ms, effects go
 * through struct dhcp6_client_ops; the daemon owns the socket, the DUID and the IAIDs. */
#ifndef V6L_DHCP6_CLIENT_H
#define V6L_DHCP6_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "dhcp6/dhcp6_codec.h"

#define DHCP6_MAX_EXTRA_ORO 16
#define DHCP6_MAX_USER_OPTS 4
#define DHCP6_INFO_REFRESH_DEFAULT_S 86400 /* RFC 8415 §7.6 IRT_DEFAULT */
#define DHCP6_INFO_REFRESH_MIN_S 600       /* RFC 8415 §7.6 IRT_MINIMUM */

enum dhcp6_mode {
	DHCP6_MODE_NA,        /* stateful addresses */
	DHCP6_MODE_PD,        /* prefix delegation */
	DHCP6_MODE_NA_PD,     /* both in one exchange */
	DHCP6_MODE_STATELESS, /* Information-request only */
};

enum dhcp6_client_state {
	DHCP6_CL_IDLE,
	DHCP6_CL_SOLICIT,  /* initial delay, then Solicit, collecting Advertises */
	DHCP6_CL_REQUEST,
	DHCP6_CL_BOUND,
	DHCP6_CL_RENEW,
	DHCP6_CL_REBIND,   /* at T2, or after a link change when a prefix is held */
	DHCP6_CL_CONFIRM,  /* after a link change when only addresses are held */
	DHCP6_CL_INFO_REQ,
	DHCP6_CL_INFO_BOUND,
	DHCP6_CL_DECLINE,  /* addresses failed DAD: Decline sent, waiting for the Reply (§18.2.8) */
};

struct dhcp6_client_cfg {
	enum dhcp6_mode mode;
	struct dhcp6_duid duid; /* the daemon builds and persists it */
	uint32_t iaid_na, iaid_pd;
	uint8_t pd_plen_hint;   /* 0 = no hint; else an IAPREFIX ::/plen in Solicit (§18.2.1) */
	bool rapid_commit;      /* ask for Rapid Commit in Solicit (§18.2.1, §21.14) */
	bool no_initial_delay;  /* skip SOL_MAX_DELAY/INF_MAX_DELAY/CNF_MAX_DELAY (PPP link) */
	bool reconf_accept;     /* send Reconfigure Accept (§21.20), act on authenticated
				 * Reconfigures (§18.2.11) */
	uint8_t n_extra_oro;
	uint16_t extra_oro[DHCP6_MAX_EXTRA_ORO]; /* user option codes added to the ORO */
	uint8_t n_user_opts;
	struct dhcp6_raw_opt user_opts[DHCP6_MAX_USER_OPTS]; /* appended verbatim to our messages */
};

/* One address or prefix with its remaining lifetimes in seconds (DHCP6_INFINITY = forever). */
struct dhcp6_lease_item {
	uint8_t addr[16];
	uint8_t plen; /* 128 for an address */
	uint32_t preferred_s, valid_s;
};

/* Configuration information that comes with a lease or a stateless Reply. */
struct dhcp6_info {
	uint8_t n_dns;
	uint8_t dns[DHCP6_MAX_DNS][16];
	uint8_t n_domains;
	char domains[DHCP6_MAX_DOMAINS][DHCP6_DOMAIN_MAX + 1];
	uint32_t refresh_s; /* stateless: when the client asks again */
	bool has_addrsel;
	struct dhcp6_addrsel addrsel;
	uint8_t n_raw;
	struct dhcp6_raw_opt raw[DHCP6_MAX_RAW]; /* options we do not decode, e.g. user ORO codes */
};

/* The whole current binding; passed (borrowed) to on_bound after Reply, Renew, Rebind or a partial
 * expiry. The daemon reconciles the host with this complete set. */
struct dhcp6_lease {
	struct dhcp6_duid server_id;
	uint32_t t1_s, t2_s; /* effective, after the §21.4 defaults */
	uint8_t n_addrs, n_prefixes;
	struct dhcp6_lease_item addrs[DHCP6_MAX_IA_ADDR];
	struct dhcp6_lease_item prefixes[DHCP6_MAX_IA_ADDR];
	bool addrs_changed, prefixes_changed; /* the set (not the lifetimes) differs from before */
	struct dhcp6_info info;
};

struct dhcp6_client_ops {
	/* buf[0..len) is a DHCPv6 message; the glue sends it from [fe80::ours]:546 to
	 * [ff02::1:2]:547 (dhcp6_build_udp6). */
	void (*send)(void *ctx, const uint8_t *buf, size_t len);
	void (*on_bound)(void *ctx, const struct dhcp6_lease *lease);
	/* Every address and prefix is gone: remove them all. why is a short English reason. */
	void (*on_lost)(void *ctx, const char *why);
	/* Stateless Reply (Information-request). */
	void (*on_info)(void *ctx, const struct dhcp6_info *info);
};

/* A held lease with absolute deadlines (ms, V6L_NEVER for infinity). */
struct dhcp6_held {
	struct dhcp6_lease_item it;
	uint64_t preferred_until_ms, valid_until_ms;
};

struct dhcp6_client {
	enum dhcp6_client_state state;
	struct dhcp6_client_cfg cfg;
	const struct dhcp6_client_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	const char *conn; /* for log lines; borrowed */

	/* Retransmission (§15) of the exchange under way. */
	uint32_t xid;
	uint64_t deadline_ms;  /* next transmission or the state's timer; V6L_NEVER = none */
	uint64_t start_ms;     /* first transmission of the exchange (elapsed time, MRD) */
	uint32_t rt_ms, irt_ms, mrt_ms, mrc, mrd_ms;
	uint32_t n_tx;         /* transmissions of this exchange; 0 = still in the initial delay */
	bool after_link_change; /* REBIND/CONFIRM started by a redial: fall back to Solicit */
	uint32_t sol_max_rt_s, inf_max_rt_s; /* §21.24/§21.25, updated by servers */

	/* Solicit: the best Advertise so far (§18.2.1). */
	bool has_best;
	int best_score;
	struct dhcp6_msg best;

	/* The binding. */
	bool has_lease;
	struct dhcp6_duid server_id;
	uint64_t t1_ms, t2_ms; /* absolute; V6L_NEVER for infinity */
	uint32_t t1_s, t2_s;
	uint8_t n_addrs, n_prefixes;
	struct dhcp6_held addrs[DHCP6_MAX_IA_ADDR];
	struct dhcp6_held prefixes[DHCP6_MAX_IA_ADDR];
	struct dhcp6_info info;

	/* Reconfigure (§18.2.11): the key a Reply carried (§20.4.1), the server it belongs to and
	 * the highest replay detection value seen from it (§20.3). */
	bool has_rkey;
	uint8_t rkey[DHCP6_RKAP_VALUE_LEN];
	struct dhcp6_duid rkey_server;
	uint64_t rkey_replay;
	bool by_reconf; /* the exchange under way answers a Reconfigure */
	uint32_t n_reconf, n_reconf_dropped; /* Reconfigures acted on / dropped */

	/* Decline (§18.2.8): the addresses that failed DAD and the server that gave them. */
	uint8_t n_declining;
	uint8_t declining[DHCP6_MAX_IA_ADDR][16];
	struct dhcp6_duid decline_server;
	uint32_t n_declined; /* addresses declined since start */

	uint32_t n_dropped; /* received messages not accepted (Reconfigures included) */
	struct dhcp6_msg rx; /* parse buffer of dhcp6_client_on_packet */
	bool rx_multicast;   /* rx was sent to a multicast address */
	struct dhcp6_msg tx; /* build buffer of our messages */
};

/* Initialises cl in IDLE. cfg is copied; ops, ctx, rng and conn are borrowed for cl's lifetime. */
void dhcp6_client_init(struct dhcp6_client *cl, const struct dhcp6_client_cfg *cfg,
	const struct dhcp6_client_ops *ops, void *ctx, struct v6l_rng *rng, const char *conn);
/* Link up: from IDLE starts Solicit (or Information-request); with a remembered unexpired lease
 * starts Rebind (a prefix is held) or Confirm (addresses only) as after a link change. */
void dhcp6_client_start(struct dhcp6_client *cl, uint64_t now_ms);
/* The network shows it is up (an RA arrived): a Solicit or Information-request that no server
 * answered yet is sent again now, its back-off starting over; otherwise nothing. */
void dhcp6_client_kick(struct dhcp6_client *cl, uint64_t now_ms);
/* A new PPP session (redial) on the same DUID/IAIDs: §18.2.12 Rebind (prefixes held) or Confirm
 * (addresses only); Solicit when nothing is held. Works from any state. */
void dhcp6_client_on_link_change(struct dhcp6_client *cl, uint64_t now_ms);
/* Link down without Release: stops timers, keeps the lease for dhcp6_client_start. */
void dhcp6_client_stop(struct dhcp6_client *cl, uint64_t now_ms);
/* Hang-up or exit: sends one Release for the binding (no retransmission, the link may be gone),
 * forgets it, calls on_lost("released") and goes IDLE. */
void dhcp6_client_release(struct dhcp6_client *cl, uint64_t now_ms);
/* The host found addr (one of the binding's IA_NA addresses) in use by another node (Duplicate
 * Address Detection failed): it leaves the binding at once (on_bound without it, or on_lost when
 * nothing else is held), a Decline names it to the server (§18.2.8, DEC_TIMEOUT 1 s, DEC_MAX_RC
 * 4), and after the Reply (or the last retransmission) a Solicit asks for another address when
 * no address is left. An address not in the binding is ignored. */
void dhcp6_client_decline(struct dhcp6_client *cl, const uint8_t addr[16], uint64_t now_ms);
/* Feeds a parsed message from the server; messages not accepted in this state are dropped, and
 * so is a Reconfigure (its HMAC needs the bytes: dhcp6_client_on_packet). */
void dhcp6_client_on_msg(struct dhcp6_client *cl, const struct dhcp6_msg *m, uint64_t now_ms);
/* Parses buf[0..len) (a UDP payload from a server) and feeds it; bad packets are dropped. A
 * Reconfigure that passes §16.11 and the key's HMAC and replay checks starts the Renew, Rebind or
 * Information-request it asks for. */
void dhcp6_client_on_packet(struct dhcp6_client *cl, const uint8_t *buf, size_t len,
	uint64_t now_ms);
/* As dhcp6_client_on_packet, saying whether the packet was sent to a multicast address (a
 * Reconfigure must be unicast to the client, §16.11). dhcp6_client_on_packet: unicast. */
void dhcp6_client_on_packet_to(struct dhcp6_client *cl, const uint8_t *buf, size_t len,
	bool to_multicast, uint64_t now_ms);
/* Handles due deadlines (retransmission, T1, T2, expiry, refresh). No-op before them. */
void dhcp6_client_on_timer(struct dhcp6_client *cl, uint64_t now_ms);
/* Returns the next deadline in ms, or V6L_NEVER. */
uint64_t dhcp6_client_next_deadline(const struct dhcp6_client *cl);
const char *dhcp6_client_state_name(enum dhcp6_client_state s);

#endif
