/* LCP (RFC 1661 §5-6) as a client over PPPoE: MRU, Authentication-Protocol (we accept what the
 * authenticator asks for, within a configured mask), Magic-Number with looped-back detection,
 * Echo keepalive. PFC/ACFC and unknown options are Rejected (RFC 2516 §7). */
#ifndef V6L_LCP_H
#define V6L_LCP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rng.h"
#include "ppp/auth.h"
#include "ppp/ppp_fsm.h"

#define LCP_OPT_MRU 1
#define LCP_OPT_AUTH 3
#define LCP_OPT_MAGIC 5
#define LCP_OPT_PFC 7
#define LCP_OPT_ACFC 8

#define LCP_MIN_MRU 128 /* smallest peer MRU we Ack (pppd's MINMRU) */
#define LCP_AUTH_BIT(m) (1u << (m))
#define LCP_AUTH_ALL                                                                               \
	(LCP_AUTH_BIT(PPP_AUTH_PAP) | LCP_AUTH_BIT(PPP_AUTH_CHAP_MD5) |                            \
	 LCP_AUTH_BIT(PPP_AUTH_MSCHAPV2))

struct lcp_cfg {
	uint16_t mru;              /* our MRU; a Nak may lower it, never raise it */
	unsigned auth_mask;        /* LCP_AUTH_BIT() of each method we agree to use */
	unsigned echo_interval_ms; /* 0: no keepalive */
	unsigned echo_failures;    /* unanswered Echo-Requests before the link is declared dead */
	unsigned max_loops;        /* our Magic-Number seen this often: looped back */
};

/* mru 1492, all auth methods, echo every 10 s, 3 failures, 5 loops. */
extern const struct lcp_cfg lcp_cfg_default;

/* Link-level effects of LCP. */
struct lcp_ops {
	void (*up)(void *ctx, uint64_t now_ms);
	void (*down)(void *ctx, uint64_t now_ms);
	/* LCP finished: the link is over (why: peer terminate, echo failure, loop, ...). */
	void (*finished)(void *ctx, const char *why, uint64_t now_ms);
	/* The peer Protocol-Rejected proto (not LCP). */
	void (*proto_rej)(void *ctx, uint16_t proto, uint64_t now_ms);
};

struct lcp {
	struct ppp_fsm fsm;
	struct lcp_cfg cfg;
	const struct lcp_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	const char *conn;
	/* our side */
	bool want_mru, want_magic;
	uint16_t mru;
	uint32_t magic;
	/* the peer's side, from its last Configure-Request */
	uint16_t peer_mru;
	enum ppp_auth_method auth;
	uint32_t peer_magic;
	unsigned n_loops;
	bool is_looped;
	/* keepalive */
	bool has_echo; /* false after the peer Code-Rejects Echo-Request */
	unsigned n_echo_pending;
	uint64_t echo_deadline_ms;
	unsigned n_echo_rx;
	unsigned n_echo_looped; /* Echo frames carrying our own magic: dropped, 1 in 1000 logged */
};

/* Sets up l (fsm in Initial). cfg/t NULL mean defaults; ops, ctx, rng, conn outlive l. */
void lcp_init(struct lcp *l, const struct lcp_cfg *cfg, const struct ppp_fsm_timing *t,
	      const struct lcp_ops *ops, void *ctx, ppp_send_fn send, void *send_ctx,
	      struct v6l_rng *rng, const char *conn);
/* Forgets all negotiated values and picks a new magic number (a new session). */
void lcp_reset(struct lcp *l);
void lcp_on_packet(struct lcp *l, const uint8_t *buf, size_t len, uint64_t now_ms);
/* Restart timer and echo keepalive. */
void lcp_on_timer(struct lcp *l, uint64_t now_ms);
uint64_t lcp_next_deadline(const struct lcp *l);
/* Any frame from the peer proves it alive: clears the unanswered-echo count. */
void lcp_rx_activity(struct lcp *l);
/* Sends a Protocol-Reject for a received frame of protocol proto (RFC 1661 §5.7). */
void lcp_send_proto_rej(struct lcp *l, uint16_t proto, const uint8_t *pkt, size_t len);
static inline bool lcp_is_opened(const struct lcp *l)
{
	return l->fsm.state == PPP_ST_OPENED;
}

#endif
