/* PPPoE client discovery (RFC 2516 §5; PPP-Max-Payload of RFC 4638 §4): IDLE -> PADI_SENT ->
 * PADR_SENT -> SESSION, or FAILED once a phase has used all its tries. Pure FSM: events carry
 * now_ms, effects go through struct pppoe_disc_ops. Does not re-dial (the daemon does). */
#include "pppoe/pppoe_disc.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

#define PPPOE_MRU_DEFAULT 1492 /* RFC 2516 §7: MRU MUST NOT be negotiated above 1492 */

static const uint8_t pppoe_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

const char *pppoe_disc_state_name(enum pppoe_disc_state s)
{
	switch (s) {
	case PPPOE_DISC_IDLE:
		return "idle";
	case PPPOE_DISC_PADI_SENT:
		return "padi-sent";
	case PPPOE_DISC_PADR_SENT:
		return "padr-sent";
	case PPPOE_DISC_SESSION:
		return "session";
	case PPPOE_DISC_FAILED:
		return "failed";
	}
	return "?";
}

static const char *pppoe_disc_conn(const struct pppoe_disc *d)
{
	return d->conn ? d->conn : "-";
}

void pppoe_disc_init(struct pppoe_disc *d, const struct pppoe_disc_cfg *cfg,
	const struct pppoe_disc_ops *ops, void *ctx, struct v6l_rng *rng, const char *conn)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->cfg.service[PPPOE_STR_MAX] = '\0';
	d->cfg.ac_filter[PPPOE_STR_MAX] = '\0';
	if (d->cfg.timeout_ms == 0)
		d->cfg.timeout_ms = PPPOE_DISC_TIMEOUT_MS_DEFAULT;
	if (d->cfg.tries == 0)
		d->cfg.tries = PPPOE_DISC_TRIES_DEFAULT;
	d->ops = ops;
	d->ctx = ctx;
	d->rng = rng;
	d->conn = conn;
	d->state = PPPOE_DISC_IDLE;
	d->deadline_ms = V6L_NEVER;
}

static bool pppoe_disc_wants_max_payload(const struct pppoe_disc *d)
{
	/* RFC 4638 §4: ask for PPP-Max-Payload only for an MRU above 1492. */
	return d->cfg.mru > PPPOE_MRU_DEFAULT;
}

/* Builds our PADI, PADR or PADT (of session sid) into buf; returns its length or -1. */
static int pppoe_disc_build_own(const struct pppoe_disc *d, uint8_t code, uint16_t sid,
	uint8_t *buf, size_t cap)
{
	struct pppoe_disc_pkt p;
	memset(&p, 0, sizeof(p));
	p.code = code;
	if (code != PPPOE_CODE_PADT) {
		p.n_services = 1;
		memcpy(p.services[0], d->cfg.service, sizeof(p.services[0]));
		p.has_max_payload = pppoe_disc_wants_max_payload(d);
		p.max_payload = d->cfg.mru;
	} else {
		p.session_id = sid;
	}
	/* RFC 2516 Appendix A: the Host-Uniq goes into every packet of ours once used. */
	p.has_host_uniq = d->cfg.use_host_uniq;
	p.host_uniq_len = PPPOE_DISC_HOST_UNIQ_LEN;
	memcpy(p.host_uniq, d->host_uniq, PPPOE_DISC_HOST_UNIQ_LEN);
	if (code != PPPOE_CODE_PADI) {
		/* Appendix A: AC-Cookie and Relay-Session-Id are echoed unmodified. */
		p.has_cookie = d->has_cookie;
		p.cookie_len = d->cookie_len;
		memcpy(p.cookie, d->cookie, d->cookie_len);
		p.has_relay_id = d->has_relay_id;
		p.relay_id_len = d->relay_id_len;
		memcpy(p.relay_id, d->relay_id, d->relay_id_len);
	}
	return pppoe_disc_build(&p, buf, cap);
}

static bool pppoe_disc_send_sid(struct pppoe_disc *d, uint8_t code, uint16_t sid,
	const uint8_t dst[6])
{
	uint8_t buf[1500];
	int n = pppoe_disc_build_own(d, code, sid, buf, sizeof(buf));
	if (n < 0) {
		log_warnx("pppoe[%s]: cannot build %s", pppoe_disc_conn(d), pppoe_code_name(code));
		return false;
	}
	d->ops->send(d->ctx, dst, buf, (size_t)n);
	return true;
}

static bool pppoe_disc_send_own(struct pppoe_disc *d, uint8_t code, const uint8_t dst[6])
{
	return pppoe_disc_send_sid(d, code, d->session_id, dst);
}

/* Sends the PADI or PADR of the current phase and arms its timeout. */
static bool pppoe_disc_transmit(struct pppoe_disc *d, uint64_t now_ms)
{
	bool padi = d->state == PPPOE_DISC_PADI_SENT;
	if (!pppoe_disc_send_own(d, padi ? PPPOE_CODE_PADI : PPPOE_CODE_PADR,
		    padi ? pppoe_bcast : d->ac_mac))
		return false;
	d->n_sent++;
	d->deadline_ms = now_ms + d->wait_ms;
	return true;
}

static void pppoe_disc_enter(struct pppoe_disc *d, enum pppoe_disc_state st, uint64_t now_ms,
	const char *why)
{
	enum pppoe_disc_state old = d->state;
	d->state = st;
	d->deadline_ms = V6L_NEVER;
	log_debug(LOGC_PPPOE, "pppoe[%s]: %s -> %s (%s)", pppoe_disc_conn(d),
		pppoe_disc_state_name(old), pppoe_disc_state_name(st), why);
	switch (st) {
	case PPPOE_DISC_IDLE:
		break;
	case PPPOE_DISC_PADI_SENT:
	case PPPOE_DISC_PADR_SENT:
		d->n_sent = 0;
		d->wait_ms = d->cfg.timeout_ms;
		if (!pppoe_disc_transmit(d, now_ms))
			pppoe_disc_enter(d, PPPOE_DISC_FAILED, now_ms, "cannot build discovery packet");
		break;
	case PPPOE_DISC_SESSION: {
		struct pppoe_session_info info = {
			.ac_name = d->ac_name,
			.service = d->service,
			.max_payload = d->max_payload,
		};
		log_info("pppoe[%s]: session %u with AC '%s' (%s)", pppoe_disc_conn(d), d->session_id,
			d->ac_name, why);
		d->ops->on_session(d->ctx, d->session_id, d->ac_mac, &info);
		break;
	}
	case PPPOE_DISC_FAILED:
		log_warnx("pppoe[%s]: discovery failed: %s", pppoe_disc_conn(d), why);
		d->ops->on_failed(d->ctx, why);
		break;
	}
}

void pppoe_disc_stop(struct pppoe_disc *d, uint64_t now_ms)
{
	if (d->state == PPPOE_DISC_SESSION)
		pppoe_disc_send_own(d, PPPOE_CODE_PADT, d->ac_mac);
	if (d->state != PPPOE_DISC_IDLE)
		pppoe_disc_enter(d, PPPOE_DISC_IDLE, now_ms, "stopped");
}

void pppoe_disc_start(struct pppoe_disc *d, uint64_t now_ms)
{
	pppoe_disc_stop(d, now_ms);
	d->n_candidates = 0;
	d->why[0] = '\0';
	d->has_cookie = d->has_relay_id = false;
	d->cookie_len = 0;
	d->relay_id_len = 0;
	d->session_id = 0;
	d->max_payload = 0;
	if (d->cfg.use_host_uniq)
		rng_bytes(d->rng, d->host_uniq, sizeof(d->host_uniq));
	pppoe_disc_enter(d, PPPOE_DISC_PADI_SENT, now_ms, "start");
}

void pppoe_disc_set_mru(struct pppoe_disc *d, uint16_t mru)
{
	d->cfg.mru = mru ? mru : PPPOE_MRU_DEFAULT;
}

static void pppoe_disc_give_up(struct pppoe_disc *d, uint64_t now_ms)
{
	char why[PPPOE_DISC_WHY_MAX + 96];
	if (d->state == PPPOE_DISC_PADI_SENT)
		snprintf(why, sizeof(why), "no acceptable PADO after %u PADI%s%s", d->n_sent,
			d->why[0] ? "; last: " : "", d->why);
	else if (d->why[0])
		snprintf(why, sizeof(why), "%s (after %u PADR)", d->why, d->n_sent);
	else
		snprintf(why, sizeof(why), "no PADS from AC '%s' after %u PADR", d->ac_name,
			d->n_sent);
	pppoe_disc_enter(d, PPPOE_DISC_FAILED, now_ms, why);
}

void pppoe_disc_on_timer(struct pppoe_disc *d, uint64_t now_ms)
{
	if (d->state != PPPOE_DISC_PADI_SENT && d->state != PPPOE_DISC_PADR_SENT)
		return;
	if (now_ms < d->deadline_ms)
		return;
	if (d->n_sent >= d->cfg.tries) {
		pppoe_disc_give_up(d, now_ms);
		return;
	}
	/* RFC 2516 §5.1/§5.3: resend and double the waiting period. */
	uint32_t next = d->wait_ms * 2u;
	if (next > PPPOE_DISC_TIMEOUT_MS_MAX || next < d->wait_ms)
		next = d->wait_ms > PPPOE_DISC_TIMEOUT_MS_MAX ? d->wait_ms : PPPOE_DISC_TIMEOUT_MS_MAX;
	d->wait_ms = next;
	if (!pppoe_disc_transmit(d, now_ms))
		pppoe_disc_enter(d, PPPOE_DISC_FAILED, now_ms, "cannot build discovery packet");
}

uint64_t pppoe_disc_next_deadline(const struct pppoe_disc *d)
{
	return d->deadline_ms;
}

const struct pppoe_disc_candidate *pppoe_disc_candidates(const struct pppoe_disc *d, size_t *n)
{
	*n = d->n_candidates;
	return d->candidates;
}

static bool pppoe_disc_host_uniq_match(const struct pppoe_disc *d, const struct pppoe_disc_pkt *p)
{
	return p->host_uniq_len == PPPOE_DISC_HOST_UNIQ_LEN &&
	       memcmp(p->host_uniq, d->host_uniq, PPPOE_DISC_HOST_UNIQ_LEN) == 0;
}

/* RFC 2516 Appendix A: the AC MUST echo our Host-Uniq in PADO and PADS; a packet with another
 * (or one when we sent none) answers some other client on this host. */
static bool pppoe_disc_host_uniq_ok(const struct pppoe_disc *d, const struct pppoe_disc_pkt *p)
{
	if (!d->cfg.use_host_uniq)
		return !p->has_host_uniq;
	return p->has_host_uniq && pppoe_disc_host_uniq_match(d, p);
}

static void pppoe_disc_record(struct pppoe_disc *d, const uint8_t mac[6],
	const struct pppoe_disc_pkt *p)
{
	uint16_t tag;
	const char *text;
	size_t i;
	for (i = 0; i < d->n_candidates; i++)
		if (memcmp(d->candidates[i].mac, mac, 6) == 0)
			break;
	if (i == PPPOE_DISC_MAX_CANDIDATES)
		return;
	if (i == d->n_candidates)
		d->n_candidates++;
	struct pppoe_disc_candidate *c = &d->candidates[i];
	memcpy(c->mac, mac, 6);
	memcpy(c->ac_name, p->ac_name, sizeof(c->ac_name));
	c->n_services = p->n_services;
	memcpy(c->services, p->services, sizeof(c->services));
	c->has_max_payload = p->has_max_payload;
	c->max_payload = p->max_payload;
	c->has_error = pppoe_disc_error(p, &tag, &text);
}

static bool pppoe_disc_offers(const struct pppoe_disc_pkt *p, const char *service)
{
	size_t i;
	for (i = 0; i < p->n_services; i++)
		if (strcmp(p->services[i], service) == 0)
			return true;
	return false;
}

/* Returns NULL if the PADO is acceptable, else writes the reason into d->why and returns it. */
static const char *pppoe_disc_pado_reject(struct pppoe_disc *d, const struct pppoe_disc_pkt *p)
{
	uint16_t tag;
	const char *text;
	const char *name = p->has_ac_name ? p->ac_name : "";
	if (pppoe_disc_error(p, &tag, &text))
		snprintf(d->why, sizeof(d->why), "AC '%s' reported %s: %s", name,
			pppoe_tag_name(tag), text);
	/* RFC 2516 §5.2: the PADO MUST contain one AC-Name and a Service-Name. */
	else if (!p->has_ac_name || p->n_services == 0)
		snprintf(d->why, sizeof(d->why), "AC '%s' sent a PADO without %s", name,
			p->has_ac_name ? "Service-Name" : "AC-Name");
	else if (!strstr(p->ac_name, d->cfg.ac_filter))
		snprintf(d->why, sizeof(d->why), "AC '%s' does not match ac=%s", name,
			d->cfg.ac_filter);
	else if (d->cfg.service[0] && !pppoe_disc_offers(p, d->cfg.service))
		snprintf(d->why, sizeof(d->why), "AC '%s' does not offer service '%s'", name,
			d->cfg.service);
	else
		return NULL;
	return d->why;
}

static void pppoe_disc_on_pado(struct pppoe_disc *d, const uint8_t src[6],
	const struct pppoe_disc_pkt *p, uint64_t now_ms)
{
	/* RFC 2516 §5.2: the PADO comes from the AC's unicast address. */
	if ((src[0] & 1u) || memcmp(src, "\0\0\0\0\0\0", 6) == 0) {
		d->n_ignored++;
		log_debug(LOGC_PPPOE, "pppoe[%s]: PADO ignored: group source address",
			pppoe_disc_conn(d));
		return;
	}
	if (!pppoe_disc_host_uniq_ok(d, p)) {
		d->n_ignored++;
		log_debug(LOGC_PPPOE, "pppoe[%s]: PADO ignored: Host-Uniq not ours", pppoe_disc_conn(d));
		return;
	}
	pppoe_disc_record(d, src, p);
	const char *why = pppoe_disc_pado_reject(d, p);
	if (why) {
		d->n_ignored++;
		log_debug(LOGC_PPPOE, "pppoe[%s]: PADO ignored: %s", pppoe_disc_conn(d), why);
		return;
	}
	memcpy(d->ac_mac, src, 6);
	memcpy(d->ac_name, p->ac_name, sizeof(d->ac_name));
	memcpy(d->service, d->cfg.service, sizeof(d->service));
	d->has_cookie = p->has_cookie;
	d->cookie_len = p->cookie_len;
	memcpy(d->cookie, p->cookie, p->cookie_len);
	d->has_relay_id = p->has_relay_id;
	d->relay_id_len = p->relay_id_len;
	memcpy(d->relay_id, p->relay_id, p->relay_id_len);
	d->why[0] = '\0';
	pppoe_disc_enter(d, PPPOE_DISC_PADR_SENT, now_ms, "PADO accepted");
}

/* RFC 4638 §4: the PPP-Max-Payload echoed in the PADS is what we may use; 0 = plain 1492. */
static uint16_t pppoe_disc_granted(const struct pppoe_disc *d, const struct pppoe_disc_pkt *p)
{
	if (!pppoe_disc_wants_max_payload(d) || !p->has_max_payload ||
		p->max_payload < PPPOE_MRU_DEFAULT)
		return 0;
	return p->max_payload < d->cfg.mru ? p->max_payload : d->cfg.mru;
}

static void pppoe_disc_on_pads(struct pppoe_disc *d, const uint8_t src[6],
	const struct pppoe_disc_pkt *p, uint64_t now_ms)
{
	uint16_t tag;
	const char *text;
	if (memcmp(src, d->ac_mac, 6) != 0 || !pppoe_disc_host_uniq_ok(d, p)) {
		d->n_ignored++;
		log_debug(LOGC_PPPOE, "pppoe[%s]: PADS ignored: not from our AC or not for us",
			pppoe_disc_conn(d));
		return;
	}
	/* RFC 2516 §5.4: a refusing PADS carries an error tag and SESSION_ID 0. The PADR is
	 * retried on the timer; the text becomes the failure reason. */
	if (pppoe_disc_error(p, &tag, &text) || p->session_id == 0) {
		if (pppoe_disc_error(p, &tag, &text))
			snprintf(d->why, sizeof(d->why), "AC reported %s: %s", pppoe_tag_name(tag),
				text);
		else
			snprintf(d->why, sizeof(d->why), "AC sent a PADS with session id 0");
		log_warnx("pppoe[%s]: PADS refused: %s", pppoe_disc_conn(d), d->why);
		return;
	}
	d->session_id = p->session_id;
	d->n_extra_padt = 0;
	if (p->n_services > 0)
		memcpy(d->service, p->services[0], sizeof(d->service));
	d->max_payload = pppoe_disc_granted(d, p);
	pppoe_disc_enter(d, PPPOE_DISC_SESSION, now_ms, "PADS");
}

/* A second PADS after ours: the AC answered a retransmitted PADR too and holds another
 * session for us. RFC 2516 §5.5: end it with a PADT, or it stays until the AC gives up. Each
 * retransmitted PADR can have made at most one such session, so no more PADTs (and log lines)
 * than that go out: a forged PADS stream from the AC's address gets nothing more. */
static void pppoe_disc_on_extra_pads(struct pppoe_disc *d, const uint8_t src[6],
	const struct pppoe_disc_pkt *p)
{
	if (memcmp(src, d->ac_mac, 6) != 0 || !pppoe_disc_host_uniq_ok(d, p) ||
	    p->session_id == 0 || p->session_id == d->session_id ||
	    d->n_extra_padt + 1 >= d->n_sent) {
		d->n_ignored++;
		return;
	}
	d->n_extra_padt++;
	log_info("pppoe[%s]: second PADS (session %u) for a retransmitted PADR: PADT sent",
		pppoe_disc_conn(d), p->session_id);
	pppoe_disc_send_sid(d, PPPOE_CODE_PADT, p->session_id, d->ac_mac);
}

static void pppoe_disc_on_padt(struct pppoe_disc *d, const uint8_t src[6],
	const struct pppoe_disc_pkt *p, uint64_t now_ms)
{
	uint16_t tag;
	const char *text;
	char why[PPPOE_DISC_WHY_MAX];
	/* RFC 2516 §5.5: a PADT names the session; an AC need not echo the Host-Uniq in it (the
	 * rp-pppoe 3.15 server does not), so only a different one disqualifies it. */
	if (p->session_id != d->session_id || memcmp(src, d->ac_mac, 6) != 0 ||
		(p->has_host_uniq && !(d->cfg.use_host_uniq && pppoe_disc_host_uniq_match(d, p)))) {
		d->n_ignored++;
		log_debug(LOGC_PPPOE, "pppoe[%s]: PADT ignored: session %u not ours",
			pppoe_disc_conn(d), p->session_id);
		return;
	}
	if (pppoe_disc_error(p, &tag, &text))
		snprintf(why, sizeof(why), "AC sent PADT: %s: %s", pppoe_tag_name(tag), text);
	else
		snprintf(why, sizeof(why), "AC sent PADT");
	log_info("pppoe[%s]: session %u ended: %s", pppoe_disc_conn(d), d->session_id, why);
	pppoe_disc_enter(d, PPPOE_DISC_IDLE, now_ms, why);
	d->ops->on_terminated(d->ctx, why);
}

void pppoe_disc_on_packet(struct pppoe_disc *d, const uint8_t src_mac[6],
	const struct pppoe_disc_pkt *pkt, uint64_t now_ms)
{
	if (pkt->code == PPPOE_CODE_PADO && d->state == PPPOE_DISC_PADI_SENT)
		pppoe_disc_on_pado(d, src_mac, pkt, now_ms);
	else if (pkt->code == PPPOE_CODE_PADS && d->state == PPPOE_DISC_PADR_SENT)
		pppoe_disc_on_pads(d, src_mac, pkt, now_ms);
	else if (pkt->code == PPPOE_CODE_PADS && d->state == PPPOE_DISC_SESSION)
		pppoe_disc_on_extra_pads(d, src_mac, pkt);
	else if (pkt->code == PPPOE_CODE_PADT && d->state == PPPOE_DISC_SESSION)
		pppoe_disc_on_padt(d, src_mac, pkt, now_ms);
	else {
		d->n_ignored++;
		log_debug(LOGC_PPPOE, "pppoe[%s]: %s ignored in state %s", pppoe_disc_conn(d),
			pppoe_code_name(pkt->code), pppoe_disc_state_name(d->state));
	}
}
