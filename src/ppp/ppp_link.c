/* PPP link phases (RFC 1661 §3.2): Establish runs LCP, Authenticate runs the client side of
 * PAP/CHAP/MS-CHAPv2 as LCP agreed, Network runs IPCP and IPv6CP, Terminate closes LCP.
 * Routes received frames by protocol (RFC 1661 §3.4, §5.7) and merges every timer. */
#include "ppp_link.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/clock.h"
#include "core/log.h"

const char *ppp_link_phase_name(enum ppp_phase p)
{
	switch (p) {
	case PPP_PHASE_DEAD:
		return "dead";
	case PPP_PHASE_ESTABLISH:
		return "establish";
	case PPP_PHASE_AUTHENTICATE:
		return "authenticate";
	case PPP_PHASE_NETWORK:
		return "network";
	case PPP_PHASE_TERMINATE:
		return "terminate";
	}
	return "?";
}

void ppp_link_cfg_defaults(struct ppp_link_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->conn = "ppp";
	c->mru = lcp_cfg_default.mru;
	c->use_ipv4 = true;
	c->use_ipv6 = true;
	c->want_dns = true;
	c->echo_interval_ms = lcp_cfg_default.echo_interval_ms;
	c->echo_failures = lcp_cfg_default.echo_failures;
	c->auth_mask = LCP_AUTH_ALL;
	c->timing = ppp_fsm_timing_default;
}

/* The one transition function for phases. */
static void link_enter(struct ppp_link *link, enum ppp_phase p, const char *why)
{
	if (p == link->phase)
		return;
	log_info("ppp[%s]: phase %s -> %s (%s)", link->cfg.conn, ppp_link_phase_name(link->phase),
		 ppp_link_phase_name(p), why);
	link->phase = p;
	if (link->ops->on_phase)
		link->ops->on_phase(link->ctx, p, why);
}

static void link_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	struct ppp_link *link = ctx;
	link->ops->send(link->ctx, proto, buf, len);
}

/* --- NCPs --- */

static void link_ncps_start(struct ppp_link *link, uint64_t now)
{
	if (!link->cfg.use_ipv4 && !link->cfg.use_ipv6)
		log_warnx("ppp[%s]: no network protocol enabled", link->cfg.conn);
	if (link->cfg.use_ipv4 && !link->is_ipv4_disabled && !link->cfg.hold_ipv4) {
		ipcp_reset(&link->ipcp);
		ppp_fsm_open(&link->ipcp.fsm, now);
		ppp_fsm_up(&link->ipcp.fsm, now);
	}
	if (link->cfg.use_ipv6) {
		ipv6cp_reset(&link->ipv6cp);
		ppp_fsm_open(&link->ipv6cp.fsm, now);
		ppp_fsm_up(&link->ipv6cp.fsm, now);
	}
}

static void link_ncps_down(struct ppp_link *link, uint64_t now)
{
	if (link->cfg.use_ipv4)
		ppp_fsm_down(&link->ipcp.fsm, now);
	if (link->cfg.use_ipv6)
		ppp_fsm_down(&link->ipv6cp.fsm, now);
}

static bool link_ncp_alive(const struct ppp_fsm *f)
{
	return f->state == PPP_ST_REQ_SENT || f->state == PPP_ST_ACK_RCVD ||
	       f->state == PPP_ST_ACK_SENT || f->state == PPP_ST_OPENED;
}

static void link_ncp_finished(void *ctx, const char *why, uint64_t now)
{
	struct ppp_link *link = ctx;
	(void)why;
	if (link->phase != PPP_PHASE_NETWORK || link->is_closing)
		return;
	bool v4 = link->cfg.use_ipv4 && !link->is_ipv4_disabled &&
		  (link->cfg.hold_ipv4 || link_ncp_alive(&link->ipcp.fsm));
	bool v6 = link->cfg.use_ipv6 && link_ncp_alive(&link->ipv6cp.fsm);
	/* as pppd: once no network protocol can come up, the link is useless */
	if (!v4 && !v6)
		ppp_link_close(link, "no network protocols running", now);
}

static void link_ipcp_up(void *ctx, const struct ipcp_result *r, uint64_t now)
{
	struct ppp_link *link = ctx;
	(void)now;
	if (link->ops->on_ipcp_up)
		link->ops->on_ipcp_up(link->ctx, r);
}

static void link_ipcp_down(void *ctx, uint64_t now)
{
	struct ppp_link *link = ctx;
	(void)now;
	if (link->ops->on_ipcp_down)
		link->ops->on_ipcp_down(link->ctx);
}

static void link_ipv6cp_up(void *ctx, const struct ipv6cp_result *r, uint64_t now)
{
	struct ppp_link *link = ctx;
	(void)now;
	if (link->ops->on_ipv6cp_up)
		link->ops->on_ipv6cp_up(link->ctx, r);
}

static void link_ipv6cp_down(void *ctx, uint64_t now)
{
	struct ppp_link *link = ctx;
	(void)now;
	if (link->ops->on_ipv6cp_down)
		link->ops->on_ipv6cp_down(link->ctx);
}

static const struct ipcp_ops link_ipcp_ops = {
	.up = link_ipcp_up,
	.down = link_ipcp_down,
	.finished = link_ncp_finished,
};

static const struct ipv6cp_ops link_ipv6cp_ops = {
	.up = link_ipv6cp_up,
	.down = link_ipv6cp_down,
	.finished = link_ncp_finished,
};

static void link_network(struct ppp_link *link, const char *why, uint64_t now)
{
	link_enter(link, PPP_PHASE_NETWORK, why);
	link_ncps_start(link, now);
}

/* --- authentication --- */

static void link_auth_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	link_send(ctx, proto, buf, len);
}

static void link_auth_result(void *ctx, bool success, const char *msg)
{
	struct ppp_link *link = ctx;
	char why[320];
	if (link->phase != PPP_PHASE_AUTHENTICATE)
		return;
	if (success) {
		link_network(link, "authenticated", link->now_ms);
		return;
	}
	snprintf(why, sizeof(why), "authentication failed: %s", msg ? msg : "");
	log_warnx("ppp[%s]: %s", link->cfg.conn, why);
	if (link->ops->on_auth_failed)
		link->ops->on_auth_failed(link->ctx, msg ? msg : "");
	ppp_link_close(link, why, link->now_ms);
}

static const struct ppp_auth_ops link_auth_ops = {
	.send = link_auth_send,
	.on_result = link_auth_result,
};

static void link_auth_stop(struct ppp_link *link)
{
	if (!link->has_auth)
		return;
	link->has_auth = false;
	ppp_auth_reset(&link->auth);
}

/* --- LCP effects --- */

static void link_lcp_up(void *ctx, uint64_t now)
{
	struct ppp_link *link = ctx;
	enum ppp_auth_method m = link->lcp.auth;
	if (m == PPP_AUTH_NONE) {
		link_network(link, "LCP opened, no authentication", now);
		return;
	}
	link_enter(link, PPP_PHASE_AUTHENTICATE, ppp_auth_method_name(m));
	ppp_auth_init(&link->auth, m, link->cfg.user, link->cfg.secret, &link_auth_ops, link,
		      link->rng);
	link->auth.name = link->cfg.conn;
	link->has_auth = true;
	ppp_auth_start(&link->auth, now);
}

static void link_lcp_down(void *ctx, uint64_t now)
{
	struct ppp_link *link = ctx;
	link_auth_stop(link);
	link_ncps_down(link, now);
	enum ppp_fsm_state s = link->lcp.fsm.state;
	if (!link->is_lower_up)
		return; /* ppp_link_lower_down sets Dead itself */
	if (s == PPP_ST_CLOSING || s == PPP_ST_STOPPING)
		link_enter(link, PPP_PHASE_TERMINATE, "LCP terminating");
	else
		link_enter(link, PPP_PHASE_ESTABLISH, "LCP renegotiating");
}

static void link_lcp_finished(void *ctx, const char *why, uint64_t now)
{
	struct ppp_link *link = ctx;
	(void)now;
	link_auth_stop(link);
	link_enter(link, PPP_PHASE_DEAD, why);
	if (link->ops->on_link_down)
		link->ops->on_link_down(link->ctx, why);
}

static void link_lcp_proto_rej(void *ctx, uint16_t proto, uint64_t now)
{
	struct ppp_link *link = ctx;
	/* RFC 1661 §5.7: stop sending the rejected protocol; for an NCP that is RXJ-. */
	if (proto == PPP_PROTO_IPCP && link->cfg.use_ipv4)
		ppp_fsm_on_rxj(&link->ipcp.fsm, true, "peer Protocol-Rejected IPCP", now);
	else if (proto == PPP_PROTO_IPV6CP && link->cfg.use_ipv6)
		ppp_fsm_on_rxj(&link->ipv6cp.fsm, true, "peer Protocol-Rejected IPv6CP", now);
}

static const struct lcp_ops link_lcp_ops = {
	.up = link_lcp_up,
	.down = link_lcp_down,
	.finished = link_lcp_finished,
	.proto_rej = link_lcp_proto_rej,
};

/* --- public API --- */

void ppp_link_init(struct ppp_link *link, const struct ppp_link_cfg *cfg,
		   const struct ppp_link_ops *ops, void *ctx, struct v6l_rng *rng)
{
	memset(link, 0, sizeof(*link));
	link->cfg = *cfg;
	if (!link->cfg.conn)
		link->cfg.conn = "ppp";
	if (link->cfg.timing.restart_initial_ms == 0)
		link->cfg.timing = ppp_fsm_timing_default;
	link->ops = ops;
	link->ctx = ctx;
	link->rng = rng;
	link->phase = PPP_PHASE_DEAD;
	struct lcp_cfg lc = lcp_cfg_default;
	lc.mru = link->cfg.mru ? link->cfg.mru : lcp_cfg_default.mru;
	lc.auth_mask = link->cfg.auth_mask;
	lc.echo_interval_ms = link->cfg.echo_interval_ms;
	lc.echo_failures = link->cfg.echo_failures ? link->cfg.echo_failures : 1;
	const struct ppp_fsm_timing *t = &link->cfg.timing;
	lcp_init(&link->lcp, &lc, t, &link_lcp_ops, link, link_send, link, rng, link->cfg.conn);
	ipcp_init(&link->ipcp, link->cfg.want_dns, t, &link_ipcp_ops, link, link_send, link,
		  link->cfg.conn);
	ipv6cp_init(&link->ipv6cp, link->cfg.iid, t, &link_ipv6cp_ops, link, link_send, link, rng,
		    link->cfg.conn);
	link->auth.deadline_ms = V6L_NEVER;
}

void ppp_link_reset(struct ppp_link *link)
{
	struct ppp_link_cfg cfg = link->cfg;
	cfg.use_ipv4 = cfg.use_ipv4 && !link->is_ipv4_disabled;
	const struct ppp_link_ops *ops = link->ops;
	void *ctx = link->ctx;
	struct v6l_rng *rng = link->rng;
	link_auth_stop(link);
	ppp_link_init(link, &cfg, ops, ctx, rng);
	sodium_memzero(&cfg, sizeof(cfg));
}

void ppp_link_set_max_mru(struct ppp_link *link, uint16_t mru)
{
	if (mru < LCP_MIN_MRU)
		mru = LCP_MIN_MRU;
	link->cfg.mru = mru;
	link->lcp.cfg.mru = mru;
}

void ppp_link_lower_up(struct ppp_link *link, uint64_t now)
{
	link->now_ms = now;
	if (link->is_lower_up)
		ppp_link_lower_down(link, now);
	link->is_lower_up = true;
	link->is_closing = false;
	lcp_reset(&link->lcp);
	link_enter(link, PPP_PHASE_ESTABLISH, "lower layer up");
	ppp_fsm_open(&link->lcp.fsm, now);
	ppp_fsm_up(&link->lcp.fsm, now);
}

void ppp_link_release_ipv4(struct ppp_link *link, uint64_t now)
{
	link->now_ms = now;
	if (!link->cfg.hold_ipv4)
		return;
	link->cfg.hold_ipv4 = false;
	if (!link->cfg.use_ipv4 || link->is_ipv4_disabled || link->phase != PPP_PHASE_NETWORK)
		return;
	ipcp_reset(&link->ipcp);
	ppp_fsm_open(&link->ipcp.fsm, now);
	ppp_fsm_up(&link->ipcp.fsm, now);
}

void ppp_link_disable_ipv4(struct ppp_link *link, uint64_t now)
{
	link->now_ms = now;
	link->cfg.hold_ipv4 = false;
	if (!link->cfg.use_ipv4 || link->is_ipv4_disabled)
		return;
	link->is_ipv4_disabled = true;
	/* This session's IPCP closes the RFC 1661 way (it keeps answering until Closed; this-layer-
	 * down reports IPv4 gone); the next session rejects IPCP from the start. */
	if (link_ncp_alive(&link->ipcp.fsm))
		ppp_fsm_close(&link->ipcp.fsm, "IPv4 stays on the adapter (mixed mode)", now);
}

void ppp_link_lower_down(struct ppp_link *link, uint64_t now)
{
	link->now_ms = now;
	link->is_lower_up = false;
	link_auth_stop(link);
	ppp_fsm_down(&link->lcp.fsm, now); /* tld cascades to the NCPs when LCP was Opened */
	link_ncps_down(link, now);
	link_enter(link, PPP_PHASE_DEAD, "lower layer down");
}

void ppp_link_close(struct ppp_link *link, const char *why, uint64_t now)
{
	link->now_ms = now;
	if (link->is_closing)
		return;
	link->is_closing = true;
	link_auth_stop(link);
	log_info("ppp[%s]: closing: %s", link->cfg.conn, why);
	if (link->phase != PPP_PHASE_DEAD)
		link_enter(link, PPP_PHASE_TERMINATE, why);
	ppp_fsm_close(&link->lcp.fsm, why, now);
}

unsigned ppp_link_rx_dropped(const struct ppp_link *link)
{
	return link->lcp.fsm.n_rx_bad + link->ipcp.fsm.n_rx_bad + link->ipv6cp.fsm.n_rx_bad +
	       link->auth.n_ignored + link->lcp.n_echo_looped + link->n_rx_discarded;
}

static void link_discard(struct ppp_link *link, uint16_t proto, const char *why)
{
	link->n_rx_discarded++;
	log_debug(LOGC_PPP, "ppp[%s]: %s frame (0x%04x) dropped in phase %s: %s", link->cfg.conn,
		  ppp_proto_name(proto), proto, ppp_link_phase_name(link->phase), why);
}

/* RFC 1661 §5.7: an unsupported protocol gets a Protocol-Reject, only while LCP is Opened, and
 * at most PPP_LINK_PROTO_REJ_PER_S a second (the rest are discarded and counted). */
static void link_reject(struct ppp_link *link, uint16_t proto, const uint8_t *buf, size_t len)
{
	if (!lcp_is_opened(&link->lcp)) {
		link_discard(link, proto, "unsupported protocol before LCP is opened");
		return;
	}
	if (link->now_ms / 1000 != link->proto_rej_sec) {
		link->proto_rej_sec = link->now_ms / 1000;
		link->n_proto_rej_sec = 0;
	}
	if (link->n_proto_rej_sec >= PPP_LINK_PROTO_REJ_PER_S) {
		link->n_proto_rej_limited++;
		link_discard(link, proto, "Protocol-Reject rate limit reached");
		return;
	}
	link->n_proto_rej_sec++;
	link->n_proto_rej++;
	log_debug(LOGC_PPP, "ppp[%s]: Protocol-Reject for 0x%04x", link->cfg.conn, proto);
	lcp_send_proto_rej(&link->lcp, proto, buf, len);
}

static void link_ncp_packet(struct ppp_link *link, bool enabled, struct ppp_fsm *f,
			    uint16_t proto, const uint8_t *buf, size_t len, uint64_t now)
{
	if (!enabled)
		link_reject(link, proto, buf, len);
	else if (link->phase != PPP_PHASE_NETWORK)
		/* RFC 1661 §3.4/§3.5: NCP packets before the Network phase are silently discarded */
		link_discard(link, proto, "not in network phase");
	else
		ppp_fsm_on_packet(f, buf, len, now);
}

void ppp_link_on_packet(struct ppp_link *link, uint16_t proto, const uint8_t *buf, size_t len,
			uint64_t now)
{
	link->now_ms = now;
	if (!link->is_lower_up) {
		link_discard(link, proto, "lower layer down");
		return;
	}
	lcp_rx_activity(&link->lcp);
	switch (proto) {
	case PPP_PROTO_LCP:
		lcp_on_packet(&link->lcp, buf, len, now);
		break;
	case PPP_PROTO_PAP:
	case PPP_PROTO_CHAP:
		if (link->has_auth && lcp_is_opened(&link->lcp))
			ppp_auth_on_packet(&link->auth, proto, buf, len, now);
		else
			link_discard(link, proto, "authentication not negotiated");
		break;
	case PPP_PROTO_IPCP:
		link_ncp_packet(link, link->cfg.use_ipv4, &link->ipcp.fsm, proto, buf, len, now);
		break;
	case PPP_PROTO_IPV6CP:
		link_ncp_packet(link, link->cfg.use_ipv6, &link->ipv6cp.fsm, proto, buf, len, now);
		break;
	case PPP_PROTO_IPV4:
	case PPP_PROTO_IPV6:
		link_discard(link, proto, "data frame on the control path");
		break;
	default:
		link_reject(link, proto, buf, len);
		break;
	}
}

void ppp_link_rx_activity(struct ppp_link *link)
{
	lcp_rx_activity(&link->lcp);
}

void ppp_link_on_timer(struct ppp_link *link, uint64_t now)
{
	link->now_ms = now;
	if (now >= lcp_next_deadline(&link->lcp))
		lcp_on_timer(&link->lcp, now);
	if (link->has_auth && now >= ppp_auth_next_deadline(&link->auth))
		ppp_auth_on_timer(&link->auth, now);
	if (link->cfg.use_ipv4)
		ppp_fsm_on_timer(&link->ipcp.fsm, now);
	if (link->cfg.use_ipv6)
		ppp_fsm_on_timer(&link->ipv6cp.fsm, now);
}

uint64_t ppp_link_next_deadline(const struct ppp_link *link)
{
	uint64_t d = lcp_next_deadline(&link->lcp);
	if (link->has_auth)
		d = clock_min(d, ppp_auth_next_deadline(&link->auth));
	if (link->cfg.use_ipv4)
		d = clock_min(d, ppp_fsm_next_deadline(&link->ipcp.fsm));
	if (link->cfg.use_ipv6)
		d = clock_min(d, ppp_fsm_next_deadline(&link->ipv6cp.fsm));
	return d;
}

uint16_t ppp_link_peer_mru(const struct ppp_link *link)
{
	return link->lcp.peer_mru;
}

uint16_t ppp_link_our_mru(const struct ppp_link *link)
{
	return link->lcp.mru;
}

enum ppp_auth_method ppp_link_auth_method(const struct ppp_link *link)
{
	return lcp_is_opened(&link->lcp) ? link->lcp.auth : PPP_AUTH_NONE;
}
