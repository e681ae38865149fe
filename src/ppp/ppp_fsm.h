/* The one RFC 1661 §4 option-negotiation automaton shared by LCP, IPCP and IPv6CP: ten states,
 * the full event/action table, restart timer with back-off, Max-Configure/Terminate/Failure.
 * Protocols plug in through `const struct ppp_proto_ops`; packets leave through a send hook.
 * Driven only by events with an injected `now_ms`. */
#ifndef V6L_PPP_FSM_H
#define V6L_PPP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"
#include "ppp/ppp_codec.h"

enum ppp_fsm_state {
	PPP_ST_INITIAL,
	PPP_ST_STARTING,
	PPP_ST_CLOSED,
	PPP_ST_STOPPED,
	PPP_ST_CLOSING,
	PPP_ST_STOPPING,
	PPP_ST_REQ_SENT,
	PPP_ST_ACK_RCVD,
	PPP_ST_ACK_SENT,
	PPP_ST_OPENED,
};

/* Verdict of one option handler on one option of the peer's Configure-Request. */
enum ppp_opt_verdict {
	PPP_OPT_ACK,
	PPP_OPT_NAK, /* the handler wrote the suggested value (no type/length) into nak */
	PPP_OPT_REJ,
};

/* What an extra code (beyond 1-7) means to the automaton (RFC 1661 §4.1 events). */
enum ppp_xcode_event {
	PPP_X_RUC,       /* unknown code: send Code-Reject */
	PPP_X_RXJ_PLUS,  /* permitted Code/Protocol-Reject */
	PPP_X_RXJ_MINUS, /* catastrophic Code/Protocol-Reject */
	PPP_X_RXR,       /* Echo-Request/Reply, Discard-Request: handled by the protocol */
};

/* Handler for one option type in the peer's Configure-Request. val holds exactly the value
 * (between min_len and max_len bytes, checked by the automaton); a NAK writes the suggested
 * value into nak. Reading past val or leaving nak full is treated as a Reject. */
struct ppp_opt_handler {
	uint8_t type;
	uint8_t min_len, max_len;
	const char *name;
	enum ppp_opt_verdict (*on_peer)(void *pctx, struct rcur *val, struct wcur *nak);
};

/* A control protocol plugged into the automaton. pctx is the protocol's own state. */
struct ppp_proto_ops {
	uint16_t proto;
	const char *name;
	const struct ppp_opt_handler *peer_opts; /* unknown option types are Rejected */
	size_t n_peer_opts;
	/* Resets what was learned from the previous peer Configure-Request (optional). */
	void (*peer_req_begin)(void *pctx);
	/* Writes the options of our Configure-Request. */
	void (*build_req)(void *pctx, struct wcur *w);
	/* One option of a valid Configure-Nak / Configure-Reject of our request. */
	void (*on_nak_opt)(void *pctx, uint8_t type, struct rcur *val);
	void (*on_rej_opt)(void *pctx, uint8_t type, struct rcur *val);
	/* this-layer-up/down/started/finished (RFC 1661 §4.4); why says what ended the layer. */
	void (*on_up)(void *pctx, uint64_t now_ms);
	void (*on_down)(void *pctx, uint64_t now_ms);
	void (*on_started)(void *pctx, uint64_t now_ms);
	void (*on_finished)(void *pctx, const char *why, uint64_t now_ms);
	/* Codes 8-11 (LCP); NULL means every such code is unknown. raw is the whole packet. */
	enum ppp_xcode_event (*on_extra_code)(void *pctx, const struct ppp_cp_pkt *p,
					      const uint8_t *raw, size_t raw_len, uint64_t now_ms);
	/* The peer Code-Rejected one of our codes (optional). */
	void (*on_code_rej)(void *pctx, uint8_t code);
};

/* RFC 1661 §4.6 counters and the Restart timer. The timer starts at restart_initial_ms and
 * doubles on each timeout up to restart_max_ms. */
struct ppp_fsm_timing {
	unsigned restart_initial_ms;
	unsigned restart_max_ms;
	unsigned max_configure;
	unsigned max_terminate;
	unsigned max_failure;
};

/* Defaults: RFC 1661 §4.6 gives a 3 s Restart timer, Max-Configure 10, Max-Terminate 2,
 * Max-Failure 5. The first retry comes after 1 s instead of 3 s because the ISP's pppd starts
 * about 0.4 s after PADS and often misses our first Configure-Request (DESIGN.md); the timer
 * then doubles to the RFC's 3 s so a slow peer is not flooded. */
extern const struct ppp_fsm_timing ppp_fsm_timing_default;

typedef void (*ppp_send_fn)(void *ctx, uint16_t proto, const uint8_t *buf, size_t len);

/* How long our unanswered Configure-Request waits once the peer's first Configure-Request has
 * shown that it is listening (its Ack, if it got ours, comes within a round trip). */
#define PPP_FSM_QUICK_RTX_MS 200u

struct ppp_fsm {
	const struct ppp_proto_ops *ops;
	void *pctx;
	ppp_send_fn send;
	void *send_ctx;
	const char *conn;
	struct ppp_fsm_timing tm;
	enum ppp_fsm_state state;
	uint8_t id;             /* last Identifier we used */
	uint8_t req_id;         /* Identifier of our last Configure-Request */
	bool req_pending;       /* our last Configure-Request has no valid reply yet */
	unsigned restart_count; /* transmissions left before TO- */
	unsigned timeout_ms;    /* current Restart timer value */
	unsigned n_nak_sent;    /* Configure-Naks sent since the last Configure-Ack */
	bool has_heard_peer;    /* a packet from the peer since the lower layer came up */
	uint64_t deadline_ms;   /* V6L_NEVER when the Restart timer is stopped */
	size_t max_tx_len;      /* peer's MRU: bound for Code-Reject data */
	uint8_t req_opts[PPP_MAX_PKT];
	size_t req_len;
	char why[96];           /* why the layer is finishing, reported by on_finished */
	unsigned n_rx_bad;      /* malformed or unexpected packets dropped */
};

/* Sets f up in Initial. ops, pctx, send_ctx and conn must outlive f; t NULL means defaults. */
void ppp_fsm_init(struct ppp_fsm *f, const struct ppp_proto_ops *ops, void *pctx,
		  const struct ppp_fsm_timing *t, ppp_send_fn send, void *send_ctx,
		  const char *conn);
/* Administrative and lower-layer events (RFC 1661 §4.1 Up, Down, Open, Close). */
void ppp_fsm_up(struct ppp_fsm *f, uint64_t now_ms);
void ppp_fsm_down(struct ppp_fsm *f, uint64_t now_ms);
void ppp_fsm_open(struct ppp_fsm *f, uint64_t now_ms);
/* why (copied) is reported by on_finished when the Terminate exchange ends. */
void ppp_fsm_close(struct ppp_fsm *f, const char *why, uint64_t now_ms);
/* Feeds one received packet of this protocol (buf at the Code field). */
void ppp_fsm_on_packet(struct ppp_fsm *f, const uint8_t *buf, size_t len, uint64_t now_ms);
/* Runs the Restart timer if now_ms >= ppp_fsm_next_deadline(f). */
void ppp_fsm_on_timer(struct ppp_fsm *f, uint64_t now_ms);
uint64_t ppp_fsm_next_deadline(const struct ppp_fsm *f);
/* RXJ+/RXJ- from outside (the link got an LCP Protocol-Reject naming this protocol). */
void ppp_fsm_on_rxj(struct ppp_fsm *f, bool catastrophic, const char *why, uint64_t now_ms);
/* Sends code with a fresh Identifier and data (for Echo/Protocol-Reject); returns the id. */
uint8_t ppp_fsm_send_new(struct ppp_fsm *f, uint8_t code, const uint8_t *data, size_t len);
const char *ppp_fsm_state_name(enum ppp_fsm_state s);

#endif
