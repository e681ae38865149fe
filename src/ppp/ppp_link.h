/* One PPP link over a PPPoE session: the RFC 1661 §3.2 phases (Dead, Establish, Authenticate,
 * Network, Terminate) owning LCP, client authentication (auth.h) and the NCPs IPCP and IPv6CP.
 * Routes every received control frame, merges all timers, reports results through ops.
 * Driven by events with an injected now_ms; no I/O of its own. */
#ifndef V6L_PPP_LINK_H
#define V6L_PPP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "ppp/auth.h"
#include "ppp/ipcp.h"
#include "ppp/ipv6cp.h"
#include "ppp/lcp.h"
#include "ppp/ppp_fsm.h"

enum ppp_phase {
	PPP_PHASE_DEAD,
	PPP_PHASE_ESTABLISH,
	PPP_PHASE_AUTHENTICATE,
	PPP_PHASE_NETWORK,
	PPP_PHASE_TERMINATE,
};

/* conn is borrowed and must outlive the link; user and secret are copied (the caller may wipe
 * its copy). Zero timing fields mean the defaults. */
struct ppp_link_cfg {
	const char *conn;             /* name in log lines */
	char user[256];
	char secret[256];
	uint16_t mru;                 /* our MRU (default 1492) */
	bool use_ipv4, use_ipv6, want_dns;
	bool hold_ipv4;               /* IPCP waits for ppp_link_release_ipv4 (or disable) */
	unsigned echo_interval_ms;    /* 0: no LCP echo keepalive */
	unsigned echo_failures;
	unsigned auth_mask;           /* LCP_AUTH_BIT() per allowed method */
	struct ppp_fsm_timing timing; /* restart timer and counters for LCP and the NCPs */
	uint8_t iid[8];               /* IPv6CP Interface-Identifier, all zero: random */
};

/* Fills c with the defaults: MRU 1492, IPv4+IPv6+DNS, echo 10 s x 3, all auth methods. */
void ppp_link_cfg_defaults(struct ppp_link_cfg *c);

struct ppp_link_ops {
	/* One PPP frame to send: proto, then buf starting at the Code field. */
	void (*send)(void *ctx, uint16_t proto, const uint8_t *buf, size_t len);
	void (*on_phase)(void *ctx, enum ppp_phase phase, const char *why);
	void (*on_ipcp_up)(void *ctx, const struct ipcp_result *r);
	void (*on_ipcp_down)(void *ctx);
	void (*on_ipv6cp_up)(void *ctx, const struct ipv6cp_result *r);
	void (*on_ipv6cp_down)(void *ctx);
	void (*on_auth_failed)(void *ctx, const char *msg);
	/* The link is finished; tear the PPPoE session down (and redial if wanted). */
	void (*on_link_down)(void *ctx, const char *why);
};

/* Protocol-Rejects sent per second at most: each one carries the rejected frame back to the AC,
 * so a flood of frames of unknown protocols spoofed into the session would otherwise be
 * reflected at the same rate onto the AC (as ICMPv6 errors are rate-limited, RFC 4443 §2.4 f).
 * A peer's NCP sends a Configure-Request per restart timer (3 s), far below this. */
#define PPP_LINK_PROTO_REJ_PER_S 10

struct ppp_link {
	struct ppp_link_cfg cfg;
	const struct ppp_link_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	enum ppp_phase phase;
	bool is_lower_up;
	bool is_closing;       /* ppp_link_close was called for this session */
	bool has_auth;         /* auth was started this session */
	bool is_ipv4_disabled; /* ppp_link_disable_ipv4: no IPCP from now on */
	uint64_t now_ms;       /* time of the event being handled (auth callbacks) */
	struct lcp lcp;
	struct ppp_auth auth;
	struct ipcp ipcp;
	struct ipv6cp ipv6cp;
	unsigned n_rx_discarded; /* frames dropped for their protocol or phase */
	unsigned n_proto_rej;    /* Protocol-Rejects we sent */
	unsigned n_proto_rej_limited; /* frames not answered: PPP_LINK_PROTO_REJ_PER_S reached */
	uint64_t proto_rej_sec;       /* the second (now_ms / 1000) the count below is for */
	unsigned n_proto_rej_sec;
};

/* Control packets of this session dropped as malformed or unexpected: LCP, IPCP, IPv6CP,
 * authentication, Echo frames with our own magic, and frames of a protocol or phase we drop. */
unsigned ppp_link_rx_dropped(const struct ppp_link *link);

/* Sets link up in phase Dead. cfg is copied (its strings are borrowed); ops, ctx, rng outlive
 * the link. */
void ppp_link_init(struct ppp_link *link, const struct ppp_link_cfg *cfg,
		   const struct ppp_link_ops *ops, void *ctx, struct v6l_rng *rng);
/* Back to Dead with nothing negotiated and no callbacks; the configuration is kept. */
void ppp_link_reset(struct ppp_link *link);
/* Caps our MRU (e.g. by the PPPoE PPP-Max-Payload, RFC 4638); applies from the next lower_up. */
void ppp_link_set_max_mru(struct ppp_link *link, uint16_t mru);
/* The PPPoE session exists: start LCP. */
void ppp_link_lower_up(struct ppp_link *link, uint64_t now_ms);
/* The PPPoE session is gone: everything goes down at once, nothing is sent. */
void ppp_link_lower_down(struct ppp_link *link, uint64_t now_ms);
/* IPCP held by cfg.hold_ipv4 may run: it starts now if the link is in the Network phase, else
 * when it gets there. */
void ppp_link_release_ipv4(struct ppp_link *link, uint64_t now_ms);
/* No IPCP from now on: closed if it runs (Terminate-Request; on_ipcp_down follows if it was
 * up), not started on the next session. */
void ppp_link_disable_ipv4(struct ppp_link *link, uint64_t now_ms);
/* Administrative hang-up: LCP Terminate-Request; on_link_down(why) follows when done. */
void ppp_link_close(struct ppp_link *link, const char *why, uint64_t now_ms);
/* One received PPP frame after the PPPoE header: proto, then buf at the Code field. */
void ppp_link_on_packet(struct ppp_link *link, uint16_t proto, const uint8_t *buf, size_t len,
			uint64_t now_ms);
/* Any frame from the peer (data too) proves it alive for the echo keepalive. */
void ppp_link_rx_activity(struct ppp_link *link);
/* Runs every timer due at now_ms. */
void ppp_link_on_timer(struct ppp_link *link, uint64_t now_ms);
/* Earliest deadline of LCP, echo, auth and the NCPs, or V6L_NEVER. */
uint64_t ppp_link_next_deadline(const struct ppp_link *link);
/* The peer's MRU: the largest PPP payload we may send. */
uint16_t ppp_link_peer_mru(const struct ppp_link *link);
/* Our MRU as agreed with the peer. */
uint16_t ppp_link_our_mru(const struct ppp_link *link);
/* The authentication method LCP agreed on (PPP_AUTH_NONE if none or not yet). */
enum ppp_auth_method ppp_link_auth_method(const struct ppp_link *link);
const char *ppp_link_phase_name(enum ppp_phase p);

#endif
