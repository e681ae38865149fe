/* CHAP, peer side (RFC 1994 §4), shared by CHAP-MD5 and MS-CHAPv2 (whose value and
 * Success/Failure texts live in mschap.c): answers every Challenge, including re-challenges
 * after success, and ends on a Success or Failure matching the last Response's Identifier. */
#include <string.h>

#include <nettle/md5.h>
#include <sodium.h>

#include "core/log.h"
#include "ppp/auth.h"
#include "ppp/auth_impl.h"

void chap_md5_value(uint8_t out[CHAP_MD5_LEN], uint8_t id, const char *secret,
		    const uint8_t *chal, size_t chal_len)
{
	struct md5_ctx ctx;

	md5_init(&ctx);
	md5_update(&ctx, 1, &id);
	md5_update(&ctx, strlen(secret), (const uint8_t *)secret);
	md5_update(&ctx, chal_len, chal);
	md5_digest(&ctx, CHAP_MD5_LEN, out);
	sodium_memzero(&ctx, sizeof(ctx));
}

int chap_build_response(uint8_t *buf, size_t cap, uint8_t id, const uint8_t *val, size_t val_len,
			const char *name)
{
	size_t name_len = strlen(name);
	struct wcur w = wcur_init(buf, cap);

	if (val_len == 0 || val_len > 255)
		return -1;
	wcur_put_u8(&w, CHAP_RESPONSE);
	wcur_put_u8(&w, id);
	wcur_put_u16(&w, 0);
	wcur_put_u8(&w, (uint8_t)val_len);
	wcur_put_bytes(&w, val, val_len);
	wcur_put_bytes(&w, name, name_len);
	if (!wcur_ok(&w) || w.len > UINT16_MAX)
		return -1;
	wcur_patch_u16(&w, 2, (uint16_t)w.len);
	return (int)w.len;
}

/* RFC 1994 §4.1: Value-Size (at least one octet), Value, Name (the rest). */
static enum auth_err chap_parse_challenge(struct rcur *body, struct rcur *value, struct rcur *name)
{
	uint8_t size = rcur_u8(body);

	if (!rcur_ok(body) || size == 0)
		return AUTH_E_FIELD;
	if (!rcur_sub(body, size, value))
		return AUTH_E_FIELD;
	*name = *body;
	return AUTH_OK;
}

/* Computes the Response Value for this method; returns its length or 0 if unusable. */
static size_t chap_make_value(struct ppp_auth *a, uint8_t id, struct rcur *value,
			      uint8_t out[MSCHAP_VALUE_LEN])
{
	size_t n = rcur_left(value);

	if (a->method == PPP_AUTH_MSCHAPV2)
		return mschap_make_value(a, id, value, out) ? MSCHAP_VALUE_LEN : 0;
	chap_md5_value(out, id, a->secret, rcur_ptr(value, n), n);
	return CHAP_MD5_LEN;
}

static void chap_on_challenge(struct ppp_auth *a, struct auth_hdr *h, uint64_t now_ms)
{
	struct rcur value, name;
	uint8_t val[MSCHAP_VALUE_LEN];
	char peer[64], mask[40];
	size_t val_len;
	int n;

	if (chap_parse_challenge(&h->body, &value, &name) != AUTH_OK) {
		auth_drop(a, "CHAP Challenge", auth_err_str(AUTH_E_FIELD));
		return;
	}
	if (a->state != PPP_AUTH_WAIT && a->state != PPP_AUTH_RESPONDED &&
	    a->state != PPP_AUTH_DONE) {
		auth_drop(a, "CHAP Challenge", "not authenticating");
		return;
	}
	val_len = chap_make_value(a, h->id, &value, val);
	if (val_len == 0) {
		/* RFC 2759 §4: the MS-CHAPv2 Challenge value is exactly 16 octets. */
		auth_drop(a, "CHAP Challenge", "MS-CHAPv2 challenge not 16 octets");
		return;
	}
	n = chap_build_response(a->last_pkt, sizeof(a->last_pkt), h->id, val, val_len, a->user);
	sodium_memzero(val, sizeof(val));
	if (n < 0) {
		auth_drop(a, "CHAP Challenge", "Response does not fit");
		return;
	}
	a->id = h->id;
	a->last_len = (size_t)n;
	a->last_proto = PPP_PROTO_CHAP;
	auth_text(peer, sizeof(peer), &name);
	log_debug(LOGC_AUTH, "auth[%s]: %s Challenge id %u from '%s': Response name '%s' value %s",
		  a->name, ppp_auth_method_name(a->method), h->id, peer, a->user,
		  log_mask(mask, sizeof(mask), (unsigned)val_len));
	if (a->state == PPP_AUTH_WAIT)
		auth_enter(a, PPP_AUTH_RESPONDED, now_ms, "Response sent");
	auth_send_last(a);
	if (a->state == PPP_AUTH_DONE) {
		/* Re-challenge answered; nothing to keep. */
		sodium_memzero(a->last_pkt, sizeof(a->last_pkt));
		a->last_len = 0;
	}
}

/* Acceptance of Success/Failure: RFC 1994 §4.2, its Identifier MUST copy the Response's. */
static bool chap_accept_result(struct ppp_auth *a, const struct auth_hdr *h, const char *what)
{
	if (a->state == PPP_AUTH_DONE && h->code == CHAP_FAILURE && h->id == a->id) {
		log_warnx("auth[%s]: %s Failure after a re-challenge: the authenticator will end "
			  "the link", a->name, ppp_auth_method_name(a->method));
		a->n_ignored++;
		return false;
	}
	if (a->state != PPP_AUTH_RESPONDED) {
		auth_drop(a, what, "no Response outstanding");
		return false;
	}
	if (h->id != a->id) {
		auth_drop(a, what, "Identifier does not match the last Response");
		return false;
	}
	return true;
}

/* A Success or Failure: CHAP-MD5 reports its Message; MS-CHAPv2 checks/decodes it first. */
static void chap_on_result(struct ppp_auth *a, struct auth_hdr *h, uint64_t now_ms)
{
	bool is_success = h->code == CHAP_SUCCESS;
	const char *what = is_success ? "CHAP Success" : "CHAP Failure";
	char text[AUTH_MSG_MAX];

	if (!chap_accept_result(a, h, what))
		return;
	if (a->method == PPP_AUTH_MSCHAPV2) {
		if (is_success)
			mschap_on_success(a, &h->body, now_ms);
		else
			mschap_on_failure(a, &h->body, now_ms);
		return;
	}
	auth_text(text, sizeof(text), &h->body);
	auth_finish(a, is_success, text[0] != '\0' ? text : what, now_ms);
}

void chap_on_packet(struct ppp_auth *a, const uint8_t *buf, size_t len, uint64_t now_ms)
{
	struct auth_hdr h;
	enum auth_err e = auth_parse_hdr(buf, len, &h);

	if (e != AUTH_OK) {
		auth_drop(a, "CHAP packet", auth_err_str(e));
		return;
	}
	switch (h.code) {
	case CHAP_CHALLENGE:
		chap_on_challenge(a, &h, now_ms);
		return;
	case CHAP_SUCCESS:
	case CHAP_FAILURE:
		chap_on_result(a, &h, now_ms);
		return;
	default:
		auth_drop(a, "CHAP packet", "unexpected Code");
		return;
	}
}
