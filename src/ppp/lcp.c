/* LCP for a PPPoE client: option handlers plugged into ppp_fsm (RFC 1661 §6), loop detection
 * with the Magic-Number (§6.4), Echo keepalive and Protocol-Reject (§5.7, §5.8).
 * Does not negotiate PFC/ACFC (RFC 2516 §7), callback, multilink or quality protocols. */
#include "lcp.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

const struct lcp_cfg lcp_cfg_default = {
	.mru = 1492, /* RFC 2516 §7: 1500 - 8 bytes of PPPoE/PPP header */
	.auth_mask = LCP_AUTH_ALL,
	.echo_interval_ms = 10000,
	.echo_failures = 3,
	.max_loops = 5,
};

static uint32_t lcp_new_magic(struct lcp *l, uint32_t avoid1, uint32_t avoid2)
{
	uint32_t m;
	do
		m = rng_u32(l->rng);
	while (m == 0 || m == avoid1 || m == avoid2);
	return m;
}

/* --- the peer's options, one handler each --- */

static enum ppp_opt_verdict lcp_peer_mru(void *pctx, struct rcur *val, struct wcur *nak)
{
	struct lcp *l = pctx;
	uint16_t mru = rcur_u16(val);
	if (mru < LCP_MIN_MRU) {
		wcur_put_u16(nak, LCP_MIN_MRU);
		return PPP_OPT_NAK;
	}
	l->peer_mru = mru;
	return PPP_OPT_ACK;
}

static enum ppp_auth_method lcp_auth_decode(struct rcur *val)
{
	uint16_t proto = rcur_u16(val);
	if (proto == PPP_PROTO_PAP && rcur_left(val) == 0)
		return PPP_AUTH_PAP;
	if (proto != PPP_PROTO_CHAP || rcur_left(val) != 1)
		return PPP_AUTH_NONE;
	switch (rcur_u8(val)) {
	case 5:
		return PPP_AUTH_CHAP_MD5;
	case 0x81:
		return PPP_AUTH_MSCHAPV2;
	default:
		return PPP_AUTH_NONE;
	}
}

/* As the authenticated peer we take the method the authenticator asks for if it is allowed,
 * else Nak with the one we prefer (RFC 1661 §6.2), or Reject if we may use none. */
static enum ppp_opt_verdict lcp_peer_auth(void *pctx, struct rcur *val, struct wcur *nak)
{
	struct lcp *l = pctx;
	enum ppp_auth_method m = lcp_auth_decode(val);
	if (m != PPP_AUTH_NONE && (l->cfg.auth_mask & LCP_AUTH_BIT(m))) {
		l->auth = m;
		return PPP_OPT_ACK;
	}
	if (l->cfg.auth_mask & LCP_AUTH_BIT(PPP_AUTH_CHAP_MD5)) {
		wcur_put_u16(nak, PPP_PROTO_CHAP);
		wcur_put_u8(nak, 5);
	} else if (l->cfg.auth_mask & LCP_AUTH_BIT(PPP_AUTH_MSCHAPV2)) {
		wcur_put_u16(nak, PPP_PROTO_CHAP);
		wcur_put_u8(nak, 0x81);
	} else if (l->cfg.auth_mask & LCP_AUTH_BIT(PPP_AUTH_PAP)) {
		wcur_put_u16(nak, PPP_PROTO_PAP);
	} else {
		return PPP_OPT_REJ;
	}
	return PPP_OPT_NAK;
}

static enum ppp_opt_verdict lcp_peer_magic(void *pctx, struct rcur *val, struct wcur *nak)
{
	struct lcp *l = pctx;
	uint32_t m = rcur_u32(val);
	/* RFC 1661 §6.4: zero MUST be Nak'd; our own number means a possibly looped-back link:
	 * Nak with a different number and count it. */
	if (m != 0 && !(l->want_magic && m == l->magic)) {
		l->peer_magic = m;
		return PPP_OPT_ACK;
	}
	if (m != 0 && ++l->n_loops >= l->cfg.max_loops)
		l->is_looped = true;
	wcur_put_u32(nak, lcp_new_magic(l, l->magic, m));
	return PPP_OPT_NAK;
}

/* PFC (7) and ACFC (8) have no handler: Rejected, as RFC 2516 §7 says they are not used. */
static const struct ppp_opt_handler lcp_peer_opts[] = {
	{ .type = LCP_OPT_MRU, .min_len = 2, .max_len = 2, .name = "MRU", .on_peer = lcp_peer_mru },
	{ .type = LCP_OPT_AUTH, .min_len = 2, .max_len = 3, .name = "Auth-Protocol",
	  .on_peer = lcp_peer_auth },
	{ .type = LCP_OPT_MAGIC, .min_len = 4, .max_len = 4, .name = "Magic-Number",
	  .on_peer = lcp_peer_magic },
};

static void lcp_peer_req_begin(void *pctx)
{
	struct lcp *l = pctx;
	l->peer_mru = PPP_DEFAULT_MRU; /* RFC 1661 §6.1: absent MRU means 1500 */
	l->auth = PPP_AUTH_NONE;
	l->peer_magic = 0;
}

/* --- our options --- */

static void lcp_build_req(void *pctx, struct wcur *w)
{
	struct lcp *l = pctx;
	if (l->want_mru)
		ppp_opt_put_u16(w, LCP_OPT_MRU, l->mru);
	if (l->want_magic)
		ppp_opt_put_u32(w, LCP_OPT_MAGIC, l->magic);
}

static void lcp_on_nak_opt(void *pctx, uint8_t type, struct rcur *val)
{
	struct lcp *l = pctx;
	if (type == LCP_OPT_MRU && l->want_mru) {
		uint16_t mru = rcur_u16(val);
		/* accept a smaller MRU; a larger one than we can take is not accepted */
		if (rcur_ok(val) && mru >= LCP_MIN_MRU && mru <= l->cfg.mru)
			l->mru = mru;
	} else if (type == LCP_OPT_MAGIC && l->want_magic) {
		/* RFC 1661 §6.4: a Nak of our magic means the link may be looped: pick a new one */
		l->magic = lcp_new_magic(l, l->magic, 0);
	}
}

static void lcp_on_rej_opt(void *pctx, uint8_t type, struct rcur *val)
{
	struct lcp *l = pctx;
	(void)val;
	if (type == LCP_OPT_MRU) {
		l->want_mru = false;
		l->mru = PPP_DEFAULT_MRU;
	} else if (type == LCP_OPT_MAGIC) {
		l->want_magic = false;
		l->magic = 0; /* RFC 1661 §6.4: not negotiated means zero in Echo packets */
	}
}

/* --- layer events --- */

static void lcp_up(void *pctx, uint64_t now)
{
	struct lcp *l = pctx;
	l->fsm.max_tx_len = l->peer_mru;
	l->n_echo_pending = 0;
	l->n_loops = 0;
	l->echo_deadline_ms = l->cfg.echo_interval_ms && l->has_echo
				      ? now + l->cfg.echo_interval_ms
				      : V6L_NEVER;
	log_info("lcp[%s]: opened: our MRU %u, peer MRU %u, auth %s, magic %08x/%08x", l->conn,
		 l->mru, l->peer_mru, ppp_auth_method_name(l->auth), l->magic, l->peer_magic);
	if (l->ops->up)
		l->ops->up(l->ctx, now);
}

static void lcp_down(void *pctx, uint64_t now)
{
	struct lcp *l = pctx;
	l->echo_deadline_ms = V6L_NEVER;
	if (l->ops->down)
		l->ops->down(l->ctx, now);
}

static void lcp_finished(void *pctx, const char *why, uint64_t now)
{
	struct lcp *l = pctx;
	l->echo_deadline_ms = V6L_NEVER;
	log_info("lcp[%s]: finished: %s", l->conn, why);
	if (l->ops->finished)
		l->ops->finished(l->ctx, why, now);
}

static void lcp_echo_reply(struct lcp *l, const struct ppp_cp_pkt *p)
{
	uint8_t buf[PPP_MAX_PKT];
	struct rcur d = p->data;
	rcur_skip(&d, 4);
	size_t n = rcur_left(&d);
	size_t max = l->peer_mru < sizeof(buf) ? l->peer_mru : sizeof(buf);
	if (n > max - PPP_HDR_LEN - 4)
		n = max - PPP_HDR_LEN - 4; /* RFC 1661 §5.8: stay within the peer's MRU */
	int len = ppp_cp_build_echo(buf, sizeof(buf), PPP_ECHO_REPLY, p->id, l->magic, d.p, n);
	if (len > 0)
		l->fsm.send(l->fsm.send_ctx, PPP_PROTO_LCP, buf, (size_t)len);
}

static enum ppp_xcode_event lcp_proto_rej(struct lcp *l, const struct ppp_cp_pkt *p,
					  uint64_t now)
{
	uint16_t proto;
	if (ppp_cp_parse_proto_rej(p, &proto) != PPP_OK) {
		l->fsm.n_rx_bad++;
		return PPP_X_RXR;
	}
	log_info("lcp[%s]: peer Protocol-Rejected %s (0x%04x)", l->conn, ppp_proto_name(proto),
		 proto);
	/* RFC 1661 §5.7: a Protocol-Reject of LCP itself is catastrophic (RXJ-). */
	if (proto == PPP_PROTO_LCP)
		return PPP_X_RXJ_MINUS;
	if (l->fsm.state == PPP_ST_OPENED && l->ops->proto_rej)
		l->ops->proto_rej(l->ctx, proto, now);
	return PPP_X_RXJ_PLUS;
}

static enum ppp_xcode_event lcp_extra_code(void *pctx, const struct ppp_cp_pkt *p,
					   const uint8_t *raw, size_t raw_len, uint64_t now)
{
	struct lcp *l = pctx;
	uint32_t magic;
	(void)raw;
	(void)raw_len;
	switch (p->code) {
	case PPP_PROTO_REJ:
		return lcp_proto_rej(l, p, now);
	case PPP_ECHO_REQ:
	case PPP_ECHO_REPLY:
		/* RFC 1661 §5.8: Echo packets are only used in the Opened state. */
		if (l->fsm.state != PPP_ST_OPENED || ppp_cp_parse_magic(p, &magic) != PPP_OK)
			return PPP_X_RXR;
		if (magic != 0 && magic == l->magic) {
			/* Rate-limited: a looped link or a peer that sends them brings them fast. */
			if (l->n_echo_looped++ % 1000 == 0)
				log_warnx("lcp[%s]: %s carries our own magic %08x: looped back? (%u such)",
					  l->conn, ppp_code_name(p->code), magic, l->n_echo_looped);
			return PPP_X_RXR;
		}
		if (p->code == PPP_ECHO_REQ) {
			lcp_echo_reply(l, p);
		} else {
			l->n_echo_pending = 0;
			l->n_echo_rx++;
		}
		return PPP_X_RXR;
	case PPP_DISCARD_REQ:
		return PPP_X_RXR; /* RFC 1661 §5.9: silently discarded */
	default:
		return PPP_X_RUC;
	}
}

static void lcp_code_rej(void *pctx, uint8_t code)
{
	struct lcp *l = pctx;
	if (code == PPP_ECHO_REQ) {
		log_warnx("lcp[%s]: peer rejects Echo-Request: keepalive off", l->conn);
		l->has_echo = false;
		l->echo_deadline_ms = V6L_NEVER;
	}
}

static const struct ppp_proto_ops lcp_proto_ops = {
	.proto = PPP_PROTO_LCP,
	.name = "lcp",
	.peer_opts = lcp_peer_opts,
	.n_peer_opts = sizeof(lcp_peer_opts) / sizeof(lcp_peer_opts[0]),
	.peer_req_begin = lcp_peer_req_begin,
	.build_req = lcp_build_req,
	.on_nak_opt = lcp_on_nak_opt,
	.on_rej_opt = lcp_on_rej_opt,
	.on_up = lcp_up,
	.on_down = lcp_down,
	.on_finished = lcp_finished,
	.on_extra_code = lcp_extra_code,
	.on_code_rej = lcp_code_rej,
};

/* --- public API --- */

void lcp_reset(struct lcp *l)
{
	l->want_mru = true;
	l->mru = l->cfg.mru;
	l->want_magic = true;
	l->magic = lcp_new_magic(l, 0, 0);
	l->peer_mru = PPP_DEFAULT_MRU;
	l->auth = PPP_AUTH_NONE;
	l->peer_magic = 0;
	l->n_loops = 0;
	l->is_looped = false;
	l->has_echo = true;
	l->n_echo_pending = 0;
	l->echo_deadline_ms = V6L_NEVER;
	l->fsm.max_tx_len = PPP_DEFAULT_MRU;
}

void lcp_init(struct lcp *l, const struct lcp_cfg *cfg, const struct ppp_fsm_timing *t,
	      const struct lcp_ops *ops, void *ctx, ppp_send_fn send, void *send_ctx,
	      struct v6l_rng *rng, const char *conn)
{
	memset(l, 0, sizeof(*l));
	l->cfg = cfg ? *cfg : lcp_cfg_default;
	if (l->cfg.mru < LCP_MIN_MRU)
		l->cfg.mru = LCP_MIN_MRU;
	l->ops = ops;
	l->ctx = ctx;
	l->rng = rng;
	l->conn = conn ? conn : "";
	ppp_fsm_init(&l->fsm, &lcp_proto_ops, l, t, send, send_ctx, l->conn);
	lcp_reset(l);
}

void lcp_on_packet(struct lcp *l, const uint8_t *buf, size_t len, uint64_t now)
{
	ppp_fsm_on_packet(&l->fsm, buf, len, now);
	/* RFC 1661 §6.4: our magic keeps coming back: give up on this link. */
	if (l->is_looped && l->fsm.state != PPP_ST_CLOSING && l->fsm.state != PPP_ST_CLOSED) {
		log_warnx("lcp[%s]: link looped back (our magic seen %u times)", l->conn,
			  l->n_loops);
		ppp_fsm_close(&l->fsm, "link looped back", now);
	}
}

static void lcp_echo_tick(struct lcp *l, uint64_t now)
{
	char why[96];
	if (l->n_echo_pending >= l->cfg.echo_failures) {
		snprintf(why, sizeof(why), "peer not answering LCP echo (%u x %u s)",
			 l->cfg.echo_failures, l->cfg.echo_interval_ms / 1000);
		log_warnx("lcp[%s]: %s", l->conn, why);
		l->echo_deadline_ms = V6L_NEVER;
		ppp_fsm_close(&l->fsm, why, now);
		return;
	}
	uint8_t buf[PPP_MAX_PKT];
	int len = ppp_cp_build_echo(buf, sizeof(buf), PPP_ECHO_REQ, ++l->fsm.id, l->magic, NULL, 0);
	if (len > 0)
		l->fsm.send(l->fsm.send_ctx, PPP_PROTO_LCP, buf, (size_t)len);
	l->n_echo_pending++;
	l->echo_deadline_ms = now + l->cfg.echo_interval_ms;
}

void lcp_on_timer(struct lcp *l, uint64_t now)
{
	ppp_fsm_on_timer(&l->fsm, now);
	if (l->fsm.state == PPP_ST_OPENED && now >= l->echo_deadline_ms)
		lcp_echo_tick(l, now);
}

uint64_t lcp_next_deadline(const struct lcp *l)
{
	uint64_t echo = l->fsm.state == PPP_ST_OPENED ? l->echo_deadline_ms : V6L_NEVER;
	return clock_min(ppp_fsm_next_deadline(&l->fsm), echo);
}

void lcp_rx_activity(struct lcp *l)
{
	l->n_echo_pending = 0;
}

void lcp_send_proto_rej(struct lcp *l, uint16_t proto, const uint8_t *pkt, size_t len)
{
	uint8_t buf[PPP_MAX_PKT];
	int n = ppp_cp_build_reject(buf, sizeof(buf), PPP_PROTO_REJ, ++l->fsm.id, proto, pkt, len,
				    l->peer_mru);
	if (n > 0)
		l->fsm.send(l->fsm.send_ctx, PPP_PROTO_LCP, buf, (size_t)n);
}
