/* RFC 1661 §4 option-negotiation automaton: the state transition table of §4.1, the actions of
 * §4.4, the Restart timer and counters of §4.6 and the packet rules of §5. One instance per
 * control protocol (LCP, IPCP, IPv6CP). No compression/ECP/CCP specifics live here. */
#include "ppp_fsm.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

const struct ppp_fsm_timing ppp_fsm_timing_default = {
	.restart_initial_ms = 1000, /* DESIGN.md: peer often misses the first request */
	.restart_max_ms = 3000,     /* RFC 1661 §4.6 Restart timer */
	.max_configure = 10,        /* RFC 1661 §4.6 */
	.max_terminate = 2,         /* RFC 1661 §4.6 */
	.max_failure = 5,           /* RFC 1661 §4.6 */
};

const char *ppp_fsm_state_name(enum ppp_fsm_state s)
{
	switch (s) {
	case PPP_ST_INITIAL:
		return "Initial";
	case PPP_ST_STARTING:
		return "Starting";
	case PPP_ST_CLOSED:
		return "Closed";
	case PPP_ST_STOPPED:
		return "Stopped";
	case PPP_ST_CLOSING:
		return "Closing";
	case PPP_ST_STOPPING:
		return "Stopping";
	case PPP_ST_REQ_SENT:
		return "Req-Sent";
	case PPP_ST_ACK_RCVD:
		return "Ack-Rcvd";
	case PPP_ST_ACK_SENT:
		return "Ack-Sent";
	case PPP_ST_OPENED:
		return "Opened";
	}
	return "?";
}

void ppp_fsm_init(struct ppp_fsm *f, const struct ppp_proto_ops *ops, void *pctx,
		  const struct ppp_fsm_timing *t, ppp_send_fn send, void *send_ctx,
		  const char *conn)
{
	memset(f, 0, sizeof(*f));
	f->ops = ops;
	f->pctx = pctx;
	f->send = send;
	f->send_ctx = send_ctx;
	f->conn = conn ? conn : "";
	f->tm = t ? *t : ppp_fsm_timing_default;
	if (f->tm.restart_initial_ms == 0)
		f->tm.restart_initial_ms = 1;
	if (f->tm.restart_max_ms < f->tm.restart_initial_ms)
		f->tm.restart_max_ms = f->tm.restart_initial_ms;
	f->state = PPP_ST_INITIAL;
	f->timeout_ms = f->tm.restart_initial_ms;
	f->deadline_ms = V6L_NEVER;
	f->max_tx_len = PPP_DEFAULT_MRU;
}

static bool fsm_timer_state(enum ppp_fsm_state s)
{
	/* RFC 1661 §4.6: the Restart timer runs in Closing, Stopping, Req-Sent, Ack-Rcvd and
	 * Ack-Sent. */
	return s == PPP_ST_CLOSING || s == PPP_ST_STOPPING || s == PPP_ST_REQ_SENT ||
	       s == PPP_ST_ACK_RCVD || s == PPP_ST_ACK_SENT;
}

/* The one transition function: sets the state, stops the timer outside timer states, logs. */
static void fsm_enter(struct ppp_fsm *f, enum ppp_fsm_state s, const char *why)
{
	if (!fsm_timer_state(s))
		f->deadline_ms = V6L_NEVER;
	if (s != f->state)
		log_debug(LOGC_PPP, "%s[%s]: %s -> %s (%s)", f->ops->name, f->conn,
			  ppp_fsm_state_name(f->state), ppp_fsm_state_name(s), why);
	f->state = s;
}

static void fsm_set_why(struct ppp_fsm *f, const char *why)
{
	snprintf(f->why, sizeof(f->why), "%s", why);
}

static void fsm_send(struct ppp_fsm *f, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t buf[PPP_MAX_PKT];
	int len = ppp_cp_build(buf, sizeof(buf), code, id, d, n);
	if (len < 0)
		return;
	log_debug(LOGC_PPP, "%s[%s]: sent %s id %u len %d", f->ops->name, f->conn,
		  ppp_code_name(code), id, len);
	f->send(f->send_ctx, f->ops->proto, buf, (size_t)len);
}

uint8_t ppp_fsm_send_new(struct ppp_fsm *f, uint8_t code, const uint8_t *data, size_t len)
{
	uint8_t id = ++f->id;
	fsm_send(f, code, id, data, len);
	return id;
}

/* --- actions (RFC 1661 §4.4) --- */

static void act_tlu(struct ppp_fsm *f, uint64_t now)
{
	if (f->ops->on_up)
		f->ops->on_up(f->pctx, now);
}

static void act_tld(struct ppp_fsm *f, uint64_t now)
{
	if (f->ops->on_down)
		f->ops->on_down(f->pctx, now);
}

static void act_tls(struct ppp_fsm *f, uint64_t now)
{
	if (f->ops->on_started)
		f->ops->on_started(f->pctx, now);
}

static void act_tlf(struct ppp_fsm *f, uint64_t now)
{
	if (f->ops->on_finished)
		f->ops->on_finished(f->pctx, f->why[0] ? f->why : "finished", now);
}

static void act_irc(struct ppp_fsm *f, bool terminate)
{
	f->restart_count = terminate ? f->tm.max_terminate : f->tm.max_configure;
	f->timeout_ms = f->tm.restart_initial_ms;
}

static void act_zrc(struct ppp_fsm *f, uint64_t now)
{
	/* RFC 1661 §4.4: zrc waits one Restart period so the Terminate-Ack can reach the peer. */
	f->restart_count = 0;
	f->deadline_ms = now + f->tm.restart_max_ms;
}

/* scr: a retransmission (on TO+) resends the same Identifier and options (RFC 1661 §5.1 MAY);
 * anything else builds a new request with a new Identifier. */
static void act_scr(struct ppp_fsm *f, bool retransmit, uint64_t now)
{
	if (!retransmit || f->req_len == 0) {
		struct wcur w = wcur_init(f->req_opts, sizeof(f->req_opts) - PPP_HDR_LEN);
		if (f->ops->build_req)
			f->ops->build_req(f->pctx, &w);
		f->req_len = wcur_ok(&w) ? w.len : 0;
		f->req_id = ++f->id;
	}
	f->req_pending = true;
	fsm_send(f, PPP_CONF_REQ, f->req_id, f->req_opts, f->req_len);
	if (f->restart_count > 0)
		f->restart_count--;
	f->deadline_ms = now + f->timeout_ms;
}

static void act_str(struct ppp_fsm *f, uint64_t now)
{
	ppp_fsm_send_new(f, PPP_TERM_REQ, NULL, 0);
	if (f->restart_count > 0)
		f->restart_count--;
	f->deadline_ms = now + f->timeout_ms;
}

static void act_sta(struct ppp_fsm *f, uint8_t id)
{
	fsm_send(f, PPP_TERM_ACK, id, NULL, 0);
}

static void act_scj(struct ppp_fsm *f, const uint8_t *raw, size_t raw_len)
{
	uint8_t buf[PPP_MAX_PKT];
	int len = ppp_cp_build_reject(buf, sizeof(buf), PPP_CODE_REJ, ++f->id, 0, raw, raw_len,
				      f->max_tx_len);
	if (len > 0)
		f->send(f->send_ctx, f->ops->proto, buf, (size_t)len);
}

/* --- administrative events --- */

void ppp_fsm_up(struct ppp_fsm *f, uint64_t now)
{
	f->has_heard_peer = false; /* a new lower layer: a new negotiation */
	switch (f->state) {
	case PPP_ST_INITIAL:
		fsm_enter(f, PPP_ST_CLOSED, "Up");
		break;
	case PPP_ST_STARTING:
		f->n_nak_sent = 0;
		act_irc(f, false);
		fsm_enter(f, PPP_ST_REQ_SENT, "Up");
		act_scr(f, false, now);
		break;
	case PPP_ST_CLOSED:
	case PPP_ST_STOPPED:
	case PPP_ST_CLOSING:
	case PPP_ST_STOPPING:
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
	case PPP_ST_OPENED:
		log_debug(LOGC_PPP, "%s[%s]: Up ignored in %s", f->ops->name, f->conn,
			  ppp_fsm_state_name(f->state));
		break;
	}
}

void ppp_fsm_down(struct ppp_fsm *f, uint64_t now)
{
	switch (f->state) {
	case PPP_ST_INITIAL:
	case PPP_ST_STARTING:
		break;
	case PPP_ST_CLOSED:
	case PPP_ST_CLOSING:
		fsm_enter(f, PPP_ST_INITIAL, "Down");
		break;
	case PPP_ST_STOPPED:
		fsm_enter(f, PPP_ST_STARTING, "Down");
		act_tls(f, now);
		break;
	case PPP_ST_STOPPING:
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
		fsm_enter(f, PPP_ST_STARTING, "Down");
		break;
	case PPP_ST_OPENED:
		fsm_enter(f, PPP_ST_STARTING, "Down");
		act_tld(f, now);
		break;
	}
}

void ppp_fsm_open(struct ppp_fsm *f, uint64_t now)
{
	if (f->state == PPP_ST_INITIAL || f->state == PPP_ST_CLOSED)
		f->has_heard_peer = false;
	switch (f->state) {
	case PPP_ST_INITIAL:
		fsm_enter(f, PPP_ST_STARTING, "Open");
		act_tls(f, now);
		break;
	case PPP_ST_CLOSED:
		f->n_nak_sent = 0;
		act_irc(f, false);
		fsm_enter(f, PPP_ST_REQ_SENT, "Open");
		act_scr(f, false, now);
		break;
	case PPP_ST_CLOSING:
		fsm_enter(f, PPP_ST_STOPPING, "Open");
		break;
	case PPP_ST_STARTING:
	case PPP_ST_STOPPED:
	case PPP_ST_STOPPING:
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
	case PPP_ST_OPENED:
		break; /* no restart option (RFC 1661 §4.1 "r") */
	}
}

void ppp_fsm_close(struct ppp_fsm *f, const char *why, uint64_t now)
{
	fsm_set_why(f, why ? why : "Close");
	switch (f->state) {
	case PPP_ST_INITIAL:
	case PPP_ST_CLOSED:
	case PPP_ST_CLOSING:
		break;
	case PPP_ST_STARTING:
		fsm_enter(f, PPP_ST_INITIAL, "Close");
		act_tlf(f, now);
		break;
	case PPP_ST_STOPPED:
		fsm_enter(f, PPP_ST_CLOSED, "Close");
		break;
	case PPP_ST_STOPPING:
		fsm_enter(f, PPP_ST_CLOSING, "Close");
		break;
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
		act_irc(f, true);
		fsm_enter(f, PPP_ST_CLOSING, "Close");
		act_str(f, now);
		break;
	case PPP_ST_OPENED:
		fsm_enter(f, PPP_ST_CLOSING, "Close");
		act_tld(f, now);
		act_irc(f, true);
		act_str(f, now);
		break;
	}
}

/* --- timer: TO+ / TO- --- */

void ppp_fsm_on_timer(struct ppp_fsm *f, uint64_t now)
{
	if (f->deadline_ms == V6L_NEVER || now < f->deadline_ms)
		return;
	f->deadline_ms = V6L_NEVER;
	bool plus = f->restart_count > 0;
	if (plus) {
		f->timeout_ms *= 2;
		if (f->timeout_ms > f->tm.restart_max_ms)
			f->timeout_ms = f->tm.restart_max_ms;
	}
	switch (f->state) {
	case PPP_ST_CLOSING:
	case PPP_ST_STOPPING:
		if (plus) {
			act_str(f, now);
			break;
		}
		fsm_enter(f, f->state == PPP_ST_CLOSING ? PPP_ST_CLOSED : PPP_ST_STOPPED, "TO-");
		act_tlf(f, now);
		break;
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
		if (plus) {
			if (f->state == PPP_ST_ACK_RCVD)
				fsm_enter(f, PPP_ST_REQ_SENT, "TO+");
			act_scr(f, true, now);
			break;
		}
		snprintf(f->why, sizeof(f->why), "no answer to %u Configure-Requests",
			 f->tm.max_configure);
		fsm_enter(f, PPP_ST_STOPPED, "TO-");
		act_tlf(f, now);
		break;
	case PPP_ST_INITIAL:
	case PPP_ST_STARTING:
	case PPP_ST_CLOSED:
	case PPP_ST_STOPPED:
	case PPP_ST_OPENED:
		break;
	}
}

uint64_t ppp_fsm_next_deadline(const struct ppp_fsm *f)
{
	return f->deadline_ms;
}

/* --- received Configure-Request: RCR+ / RCR- --- */

static const struct ppp_opt_handler *fsm_find_opt(const struct ppp_fsm *f, uint8_t type)
{
	for (size_t i = 0; i < f->ops->n_peer_opts; i++)
		if (f->ops->peer_opts[i].type == type)
			return &f->ops->peer_opts[i];
	return NULL;
}

/* Runs one option through its handler; on NAK nakval holds the suggested value. */
static enum ppp_opt_verdict fsm_eval_opt(struct ppp_fsm *f, uint8_t type, struct rcur val,
					 struct wcur *nakval)
{
	const struct ppp_opt_handler *h = fsm_find_opt(f, type);
	if (!h || rcur_left(&val) < h->min_len || rcur_left(&val) > h->max_len)
		return PPP_OPT_REJ; /* RFC 1661 §5.4: unrecognized or malformed: Reject */
	enum ppp_opt_verdict v = h->on_peer(f->pctx, &val, nakval);
	if (!rcur_ok(&val) || (v == PPP_OPT_NAK && !wcur_ok(nakval)))
		return PPP_OPT_REJ;
	/* RFC 1661 §4.6 Max-Failure: once this many Naks went out without an Ack, Naks for the
	 * peer's options turn into Rejects so negotiation converges. */
	if (v == PPP_OPT_NAK && f->n_nak_sent >= f->tm.max_failure)
		return PPP_OPT_REJ;
	return v;
}

/* Decides the reply to the peer's options: fills out with the reply's data and returns its
 * code (Ack echoes the request, Nak lists suggestions, Reject lists refused options). */
static uint8_t fsm_eval_req(struct ppp_fsm *f, struct rcur opts, struct wcur *out)
{
	uint8_t nak_buf[PPP_MAX_PKT];
	struct wcur nak = wcur_init(nak_buf, sizeof(nak_buf));
	const uint8_t *all = opts.p;
	size_t all_len = rcur_left(&opts);
	bool has_rej = false;
	uint8_t type;
	struct rcur val;
	if (f->ops->peer_req_begin)
		f->ops->peer_req_begin(f->pctx);
	for (const uint8_t *start = opts.p; cpopt_next(&opts, &type, &val); start = opts.p) {
		uint8_t sug[256];
		struct wcur nakval = wcur_init(sug, 253);
		enum ppp_opt_verdict v = fsm_eval_opt(f, type, val, &nakval);
		if (v == PPP_OPT_REJ) {
			has_rej = true;
			wcur_put_bytes(out, start, (size_t)(opts.p - start));
		} else if (v == PPP_OPT_NAK && !has_rej) {
			ppp_opt_put_bytes(&nak, type, sug, nakval.len);
		}
	}
	if (has_rej)
		return PPP_CONF_REJ;
	if (nak.len > 0) {
		wcur_put_bytes(out, nak_buf, nak.len);
		return PPP_CONF_NAK;
	}
	wcur_put_bytes(out, all, all_len);
	return PPP_CONF_ACK;
}

static void fsm_rcr(struct ppp_fsm *f, const struct ppp_cp_pkt *p, uint64_t now)
{
	uint8_t rbuf[PPP_MAX_PKT];
	struct wcur out = wcur_init(rbuf, sizeof(rbuf) - PPP_HDR_LEN);
	uint8_t code;
	enum ppp_fsm_state s = f->state;
	switch (s) {
	case PPP_ST_INITIAL:
	case PPP_ST_STARTING:
	case PPP_ST_CLOSING:
	case PPP_ST_STOPPING:
		return;
	case PPP_ST_CLOSED:
		act_sta(f, p->id);
		return;
	case PPP_ST_STOPPED:
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
	case PPP_ST_OPENED:
		break;
	}
	code = fsm_eval_req(f, p->data, &out);
	if (!wcur_ok(&out))
		return;
	bool good = code == PPP_CONF_ACK;
	f->n_nak_sent = good ? 0 : f->n_nak_sent + (code == PPP_CONF_NAK);
	if (s == PPP_ST_STOPPED) {
		act_irc(f, false);
		fsm_enter(f, good ? PPP_ST_ACK_SENT : PPP_ST_REQ_SENT, good ? "RCR+" : "RCR-");
		act_scr(f, false, now);
	} else if (s == PPP_ST_OPENED) {
		fsm_enter(f, good ? PPP_ST_ACK_SENT : PPP_ST_REQ_SENT, good ? "RCR+" : "RCR-");
		act_tld(f, now);
		act_scr(f, false, now);
	} else if (s == PPP_ST_ACK_RCVD) {
		fsm_enter(f, good ? PPP_ST_OPENED : PPP_ST_ACK_RCVD, good ? "RCR+" : "RCR-");
	} else {
		fsm_enter(f, good ? PPP_ST_ACK_SENT : PPP_ST_REQ_SENT, good ? "RCR+" : "RCR-");
	}
	fsm_send(f, code, p->id, rbuf, out.len);
	if (s == PPP_ST_ACK_RCVD && good)
		act_tlu(f, now);
	/* The peer's first word comes while our request is unanswered: it most likely started
	 * after we sent it (an access concentrator starts pppd some time after the PADS), so our
	 * request was lost. Unless its Ack follows right behind, ours goes again after
	 * PPP_FSM_QUICK_RTX_MS instead of a whole Restart period (RFC 1661 §4.6 leaves the timing
	 * of retransmissions to the implementation). Not sooner: a duplicate request reaching a
	 * peer that has opened would make it renegotiate. */
	if (s == PPP_ST_REQ_SENT && f->req_pending && !f->has_heard_peer &&
	    f->deadline_ms > now + PPP_FSM_QUICK_RTX_MS)
		f->deadline_ms = now + PPP_FSM_QUICK_RTX_MS;
}

/* --- received Configure-Ack/Nak/Reject: RCA, RCN --- */

/* RFC 1661 §5.4: a Configure-Reject lists only options of our request, unmodified, in order. */
static bool fsm_rej_valid(const struct ppp_fsm *f, struct rcur rej)
{
	struct rcur ours = rcur_init(f->req_opts, f->req_len), v;
	uint8_t t;
	for (const uint8_t *r = rej.p; cpopt_next(&rej, &t, &v); r = rej.p) {
		size_t rlen = (size_t)(rej.p - r);
		bool found = false;
		for (const uint8_t *o = ours.p; !found && cpopt_next(&ours, &t, &v); o = ours.p)
			found = (size_t)(ours.p - o) == rlen && memcmp(o, r, rlen) == 0;
		if (!found)
			return false;
	}
	return rcur_ok(&rej);
}

/* Acceptance: the reply must answer our outstanding request (RFC 1661 §5.2-5.4). */
static bool fsm_reply_valid(const struct ppp_fsm *f, const struct ppp_cp_pkt *p)
{
	if (!f->req_pending || p->id != f->req_id)
		return false;
	if (p->code == PPP_CONF_ACK)
		return rcur_left(&p->data) == f->req_len &&
		       (f->req_len == 0 || memcmp(p->data.p, f->req_opts, f->req_len) == 0);
	if (p->code == PPP_CONF_REJ)
		return fsm_rej_valid(f, p->data);
	return ppp_cp_check_opts(p->data) == PPP_OK;
}

static void fsm_apply_nak_rej(struct ppp_fsm *f, const struct ppp_cp_pkt *p)
{
	struct rcur c = p->data, v;
	uint8_t t;
	void (*fn)(void *, uint8_t, struct rcur *) =
		p->code == PPP_CONF_NAK ? f->ops->on_nak_opt : f->ops->on_rej_opt;
	while (fn && cpopt_next(&c, &t, &v))
		fn(f->pctx, t, &v);
}

static bool fsm_reply_ignored(struct ppp_fsm *f, const struct ppp_cp_pkt *p)
{
	switch (f->state) {
	case PPP_ST_INITIAL:
	case PPP_ST_STARTING:
	case PPP_ST_CLOSING:
	case PPP_ST_STOPPING:
		return true;
	case PPP_ST_CLOSED:
	case PPP_ST_STOPPED:
		act_sta(f, p->id);
		return true;
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
	case PPP_ST_OPENED:
		break;
	}
	if (!fsm_reply_valid(f, p)) {
		f->n_rx_bad++;
		log_debug(LOGC_PPP, "%s[%s]: %s id %u does not answer our request id %u: dropped",
			  f->ops->name, f->conn, ppp_code_name(p->code), p->id, f->req_id);
		return true;
	}
	f->req_pending = false;
	return false;
}

static void fsm_rca(struct ppp_fsm *f, const struct ppp_cp_pkt *p, uint64_t now)
{
	if (fsm_reply_ignored(f, p))
		return;
	switch (f->state) {
	case PPP_ST_REQ_SENT:
		act_irc(f, false);
		fsm_enter(f, PPP_ST_ACK_RCVD, "RCA");
		break;
	case PPP_ST_ACK_RCVD: /* crossed connection (RFC 1661 §4.1 "x") */
		fsm_enter(f, PPP_ST_REQ_SENT, "RCA");
		act_scr(f, false, now);
		break;
	case PPP_ST_ACK_SENT:
		act_irc(f, false);
		fsm_enter(f, PPP_ST_OPENED, "RCA");
		act_tlu(f, now);
		break;
	case PPP_ST_OPENED:
		fsm_enter(f, PPP_ST_REQ_SENT, "RCA");
		act_tld(f, now);
		act_scr(f, false, now);
		break;
	case PPP_ST_INITIAL:
	case PPP_ST_STARTING:
	case PPP_ST_CLOSED:
	case PPP_ST_STOPPED:
	case PPP_ST_CLOSING:
	case PPP_ST_STOPPING:
		break;
	}
}

static void fsm_rcn(struct ppp_fsm *f, const struct ppp_cp_pkt *p, uint64_t now)
{
	if (fsm_reply_ignored(f, p))
		return;
	enum ppp_fsm_state s = f->state;
	if (s == PPP_ST_OPENED || s == PPP_ST_ACK_RCVD)
		fsm_enter(f, PPP_ST_REQ_SENT, "RCN");
	if (s == PPP_ST_OPENED)
		act_tld(f, now);
	fsm_apply_nak_rej(f, p);
	if (s == PPP_ST_REQ_SENT || s == PPP_ST_ACK_SENT)
		act_irc(f, false);
	act_scr(f, false, now);
}

/* --- Terminate-Request / Terminate-Ack: RTR, RTA --- */

static void fsm_rtr(struct ppp_fsm *f, const struct ppp_cp_pkt *p, uint64_t now)
{
	switch (f->state) {
	case PPP_ST_INITIAL:
	case PPP_ST_STARTING:
		return;
	case PPP_ST_CLOSED:
	case PPP_ST_STOPPED:
	case PPP_ST_CLOSING:
	case PPP_ST_STOPPING:
	case PPP_ST_REQ_SENT:
		break;
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
		fsm_enter(f, PPP_ST_REQ_SENT, "RTR");
		break;
	case PPP_ST_OPENED:
		fsm_set_why(f, "peer sent Terminate-Request");
		fsm_enter(f, PPP_ST_STOPPING, "RTR");
		act_tld(f, now);
		act_zrc(f, now);
		break;
	}
	act_sta(f, p->id);
}

static void fsm_rta(struct ppp_fsm *f, uint64_t now)
{
	switch (f->state) {
	case PPP_ST_CLOSING:
		fsm_enter(f, PPP_ST_CLOSED, "RTA");
		act_tlf(f, now);
		break;
	case PPP_ST_STOPPING:
		fsm_enter(f, PPP_ST_STOPPED, "RTA");
		act_tlf(f, now);
		break;
	case PPP_ST_ACK_RCVD:
		fsm_enter(f, PPP_ST_REQ_SENT, "RTA");
		break;
	case PPP_ST_OPENED:
		fsm_enter(f, PPP_ST_REQ_SENT, "RTA");
		act_tld(f, now);
		act_scr(f, false, now);
		break;
	case PPP_ST_INITIAL:
	case PPP_ST_STARTING:
	case PPP_ST_CLOSED:
	case PPP_ST_STOPPED:
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_SENT:
		break;
	}
}

/* --- Code-Reject / Protocol-Reject: RXJ+ / RXJ- --- */

void ppp_fsm_on_rxj(struct ppp_fsm *f, bool catastrophic, const char *why, uint64_t now)
{
	if (!catastrophic) {
		if (f->state == PPP_ST_ACK_RCVD)
			fsm_enter(f, PPP_ST_REQ_SENT, "RXJ+");
		return;
	}
	switch (f->state) {
	case PPP_ST_INITIAL:
	case PPP_ST_STARTING:
		return;
	case PPP_ST_CLOSED:
	case PPP_ST_CLOSING:
		fsm_set_why(f, why);
		fsm_enter(f, PPP_ST_CLOSED, "RXJ-");
		act_tlf(f, now);
		break;
	case PPP_ST_STOPPED:
	case PPP_ST_STOPPING:
	case PPP_ST_REQ_SENT:
	case PPP_ST_ACK_RCVD:
	case PPP_ST_ACK_SENT:
		fsm_set_why(f, why);
		fsm_enter(f, PPP_ST_STOPPED, "RXJ-");
		act_tlf(f, now);
		break;
	case PPP_ST_OPENED:
		fsm_set_why(f, why);
		fsm_enter(f, PPP_ST_STOPPING, "RXJ-");
		act_tld(f, now);
		act_irc(f, true);
		act_str(f, now);
		break;
	}
}

static void fsm_rcode_rej(struct ppp_fsm *f, const struct ppp_cp_pkt *p, uint64_t now)
{
	uint8_t code;
	if (ppp_cp_parse_code_rej(p, &code) != PPP_OK) {
		f->n_rx_bad++;
		return;
	}
	log_warnx("%s[%s]: peer sent Code-Reject for %s (code %u)", f->ops->name, f->conn,
		  ppp_code_name(code), code);
	if (f->ops->on_code_rej)
		f->ops->on_code_rej(f->pctx, code);
	/* RFC 1661 §5.6: rejecting a code we need to negotiate (1-7) is catastrophic. */
	bool fatal = code >= PPP_CONF_REQ && code <= PPP_CODE_REJ;
	ppp_fsm_on_rxj(f, fatal, "peer Code-Rejected a required code", now);
}

static void fsm_ruc(struct ppp_fsm *f, const uint8_t *raw, size_t raw_len)
{
	if (f->state == PPP_ST_INITIAL || f->state == PPP_ST_STARTING)
		return;
	act_scj(f, raw, raw_len);
}

static void fsm_extra_code(struct ppp_fsm *f, const struct ppp_cp_pkt *p, const uint8_t *raw,
			   size_t raw_len, uint64_t now)
{
	enum ppp_xcode_event ev = PPP_X_RUC;
	if (f->ops->on_extra_code && f->state != PPP_ST_INITIAL && f->state != PPP_ST_STARTING)
		ev = f->ops->on_extra_code(f->pctx, p, raw, raw_len, now);
	switch (ev) {
	case PPP_X_RUC:
		fsm_ruc(f, raw, raw_len);
		break;
	case PPP_X_RXJ_PLUS:
		ppp_fsm_on_rxj(f, false, NULL, now);
		break;
	case PPP_X_RXJ_MINUS:
		ppp_fsm_on_rxj(f, true, "peer Protocol-Rejected this protocol", now);
		break;
	case PPP_X_RXR:
		break;
	}
}

void ppp_fsm_on_packet(struct ppp_fsm *f, const uint8_t *buf, size_t len, uint64_t now)
{
	struct ppp_cp_pkt p;
	enum ppp_err e = ppp_cp_parse(buf, len, &p);
	if (e == PPP_OK && p.code == PPP_CONF_REQ)
		e = ppp_cp_check_opts(p.data);
	if (e != PPP_OK) {
		f->n_rx_bad++;
		log_debug(LOGC_PPP, "%s[%s]: packet dropped: %s", f->ops->name, f->conn,
			  ppp_err_str(e));
		return;
	}
	log_debug(LOGC_PPP, "%s[%s]: rcvd %s id %u len %u in %s", f->ops->name, f->conn,
		  ppp_code_name(p.code), p.id, p.len, ppp_fsm_state_name(f->state));
	switch (p.code) {
	case PPP_CONF_REQ:
		fsm_rcr(f, &p, now);
		break;
	case PPP_CONF_ACK:
		fsm_rca(f, &p, now);
		break;
	case PPP_CONF_NAK:
	case PPP_CONF_REJ:
		fsm_rcn(f, &p, now);
		break;
	case PPP_TERM_REQ:
		fsm_rtr(f, &p, now);
		break;
	case PPP_TERM_ACK:
		fsm_rta(f, now);
		break;
	case PPP_CODE_REJ:
		fsm_rcode_rej(f, &p, now);
		break;
	default:
		fsm_extra_code(f, &p, buf, p.len, now);
		break;
	}
	f->has_heard_peer = true;
}
