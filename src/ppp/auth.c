/* PPP client authentication, shared part: set-up, the state transitions and overall wait timer,
 * dispatch to PAP (pap.c, RFC 1334), CHAP-MD5 (chap.c, RFC 1994) and MS-CHAPv2 (mschap.c,
 * RFC 2759), result reporting and secret wiping. Client side only: we never authenticate the
 * peer. */
#include <string.h>

#include <sodium.h>

#include "core/clock.h"
#include "core/log.h"
#include "ppp/auth.h"
#include "ppp/auth_impl.h"

const char *ppp_auth_method_name(enum ppp_auth_method m)
{
	switch (m) {
	case PPP_AUTH_NONE:
		return "none";
	case PPP_AUTH_PAP:
		return "PAP";
	case PPP_AUTH_CHAP_MD5:
		return "CHAP-MD5";
	case PPP_AUTH_MSCHAPV2:
		return "MS-CHAPv2";
	}
	return "?";
}

const char *ppp_auth_state_name(enum ppp_auth_state s)
{
	switch (s) {
	case PPP_AUTH_IDLE:
		return "idle";
	case PPP_AUTH_WAIT:
		return "wait";
	case PPP_AUTH_RESPONDED:
		return "responded";
	case PPP_AUTH_DONE:
		return "done";
	case PPP_AUTH_FAILED:
		return "failed";
	}
	return "?";
}

const char *auth_err_str(enum auth_err e)
{
	switch (e) {
	case AUTH_OK:
		return "ok";
	case AUTH_E_SHORT:
		return "packet shorter than its header or Length field";
	case AUTH_E_LEN:
		return "Length field below 4";
	case AUTH_E_FIELD:
		return "inner length field overruns the packet";
	}
	return "?";
}

enum auth_err auth_parse_hdr(const uint8_t *buf, size_t len, struct auth_hdr *h)
{
	struct rcur c = rcur_init(buf, len);
	uint16_t plen;

	h->code = rcur_u8(&c);
	h->id = rcur_u8(&c);
	plen = rcur_u16(&c);
	h->body = rcur_init(NULL, 0);
	if (!rcur_ok(&c))
		return AUTH_E_SHORT;
	if (plen < 4)
		return AUTH_E_LEN;
	/* RFC 1661 §5 (Length): octets outside the Length field are padding, ignored on receipt;
	 * a Length beyond the received data makes the packet malformed. */
	if (!rcur_sub(&c, plen - 4u, &h->body))
		return AUTH_E_SHORT;
	return AUTH_OK;
}

void auth_text(char *out, size_t cap, struct rcur *c)
{
	size_t n = rcur_left(c), i, k = 0;
	const uint8_t *p = rcur_ptr(c, n);

	for (i = 0; p != NULL && i < n && k + 1 < cap; i++)
		out[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[k] = '\0';
}

/* Copies src (NULL = "") into dst; false, with dst empty, if it does not fit. */
static bool auth_copy(char *dst, size_t cap, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= cap) {
		dst[0] = '\0';
		return false;
	}
	memcpy(dst, src != NULL ? src : "", n);
	dst[n] = '\0';
	return true;
}

void ppp_auth_init(struct ppp_auth *a, enum ppp_auth_method m, const char *user, const char *secret,
		   const struct ppp_auth_ops *ops, void *ctx, struct v6l_rng *rng)
{
	bool user_ok, secret_ok;

	sodium_memzero(a, sizeof(*a));
	a->method = m;
	a->state = PPP_AUTH_IDLE;
	a->ops = ops;
	a->ctx = ctx;
	a->rng = rng;
	a->name = "ppp";
	a->deadline_ms = V6L_NEVER;
	a->restart_ms = AUTH_RESTART_MS;
	a->max_tx = AUTH_MAX_TX;
	a->wait_ms = AUTH_WAIT_MS;
	user_ok = auth_copy(a->user, sizeof(a->user), user);
	secret_ok = auth_copy(a->secret, sizeof(a->secret), secret);
	a->is_cred_too_long = !user_ok || !secret_ok;
}

/* Wipes everything derived from the password; keep_secret for CHAP re-challenges. */
static void auth_wipe(struct ppp_auth *a, bool keep_secret)
{
	if (!keep_secret)
		sodium_memzero(a->secret, sizeof(a->secret));
	sodium_memzero(a->last_pkt, sizeof(a->last_pkt));
	a->last_len = 0;
}

void auth_enter(struct ppp_auth *a, enum ppp_auth_state s, uint64_t now_ms, const char *why)
{
	enum ppp_auth_state old = a->state;

	a->state = s;
	switch (s) {
	case PPP_AUTH_IDLE:
		a->deadline_ms = V6L_NEVER;
		break;
	case PPP_AUTH_WAIT:
	case PPP_AUTH_RESPONDED:
		if (old == PPP_AUTH_IDLE)
			a->started_ms = now_ms;
		a->deadline_ms = a->started_ms + a->wait_ms;
		break;
	case PPP_AUTH_DONE:
		/* CHAP keeps the secret: RFC 1994 §4 lets the authenticator re-challenge at any time. */
		auth_wipe(a, a->method != PPP_AUTH_PAP);
		a->deadline_ms = V6L_NEVER;
		break;
	case PPP_AUTH_FAILED:
		auth_wipe(a, false);
		a->deadline_ms = V6L_NEVER;
		break;
	}
	log_debug(LOGC_AUTH, "auth[%s]: %s %s -> %s (%s)", a->name, ppp_auth_method_name(a->method),
		  ppp_auth_state_name(old), ppp_auth_state_name(s), why);
}

void auth_finish(struct ppp_auth *a, bool success, const char *msg, uint64_t now_ms)
{
	const struct ppp_auth_ops *ops = a->ops;
	void *ctx = a->ctx;

	auth_enter(a, success ? PPP_AUTH_DONE : PPP_AUTH_FAILED, now_ms,
		   success ? "authenticated" : "rejected");
	if (success)
		log_info("auth[%s]: %s authentication succeeded: %s", a->name,
			 ppp_auth_method_name(a->method), msg);
	else
		log_warnx("auth[%s]: %s authentication failed: %s", a->name,
			  ppp_auth_method_name(a->method), msg);
	/* Last: the callback may reset or re-initialise a. */
	if (ops != NULL && ops->on_result != NULL)
		ops->on_result(ctx, success, msg);
}

void auth_send_last(struct ppp_auth *a)
{
	a->n_tx++;
	if (a->ops != NULL && a->ops->send != NULL)
		a->ops->send(a->ctx, a->last_proto, a->last_pkt, a->last_len);
}

void auth_drop(struct ppp_auth *a, const char *what, const char *why)
{
	a->n_ignored++;
	log_debug(LOGC_AUTH, "auth[%s]: %s ignored in state %s: %s", a->name, what,
		  ppp_auth_state_name(a->state), why);
}

void ppp_auth_start(struct ppp_auth *a, uint64_t now_ms)
{
	if (a->state != PPP_AUTH_IDLE) {
		auth_drop(a, "start", "not idle");
		return;
	}
	if (a->is_cred_too_long) {
		a->started_ms = now_ms;
		auth_finish(a, false, "user name or secret longer than 255 bytes", now_ms);
		return;
	}
	switch (a->method) {
	case PPP_AUTH_NONE:
		auth_finish(a, true, "no authentication requested", now_ms);
		break;
	case PPP_AUTH_PAP:
		pap_start(a, now_ms);
		break;
	case PPP_AUTH_CHAP_MD5:
	case PPP_AUTH_MSCHAPV2:
		auth_enter(a, PPP_AUTH_WAIT, now_ms, "waiting for Challenge");
		break;
	}
}

void ppp_auth_on_packet(struct ppp_auth *a, uint16_t proto, const uint8_t *buf, size_t len,
			uint64_t now_ms)
{
	if (a->state == PPP_AUTH_IDLE) {
		auth_drop(a, "packet", "not started");
		return;
	}
	switch (a->method) {
	case PPP_AUTH_NONE:
		break;
	case PPP_AUTH_PAP:
		if (proto == PPP_PROTO_PAP) {
			pap_on_packet(a, buf, len, now_ms);
			return;
		}
		break;
	case PPP_AUTH_CHAP_MD5:
	case PPP_AUTH_MSCHAPV2:
		if (proto == PPP_PROTO_CHAP) {
			chap_on_packet(a, buf, len, now_ms);
			return;
		}
		break;
	}
	auth_drop(a, "packet", "protocol not negotiated");
}

void ppp_auth_on_timer(struct ppp_auth *a, uint64_t now_ms)
{
	if (a->deadline_ms == V6L_NEVER || now_ms < a->deadline_ms)
		return;
	if (now_ms >= a->started_ms + a->wait_ms) {
		auth_finish(a, false, "no answer from authenticator", now_ms);
		return;
	}
	if (a->method == PPP_AUTH_PAP)
		pap_on_timer(a, now_ms);
	else
		a->deadline_ms = a->started_ms + a->wait_ms;
}

uint64_t ppp_auth_next_deadline(const struct ppp_auth *a)
{
	return a->deadline_ms;
}

void ppp_auth_reset(struct ppp_auth *a)
{
	auth_wipe(a, false);
	sodium_memzero(a->mschap_peer_challenge, sizeof(a->mschap_peer_challenge));
	sodium_memzero(a->mschap_nt_response, sizeof(a->mschap_nt_response));
	sodium_memzero(a->mschap_auth_challenge, sizeof(a->mschap_auth_challenge));
	a->n_tx = 0;
	a->state = PPP_AUTH_IDLE;
	a->deadline_ms = V6L_NEVER;
}
