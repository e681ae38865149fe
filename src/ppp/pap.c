/* PAP, peer side (RFC 1334 §2): sends Authenticate-Request, repeats it with a new Identifier
 * every restart_ms up to max_tx times, and ends on a matching Authenticate-Ack or -Nak.
 * The password travels in clear: that is PAP; the packet copy is wiped once done. */
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "ppp/auth.h"
#include "ppp/auth_impl.h"

int pap_build_request(uint8_t *buf, size_t cap, uint8_t id, const char *user, const char *pw)
{
	size_t user_len = strlen(user), pw_len = strlen(pw);
	struct wcur w = wcur_init(buf, cap);

	/* RFC 1334 §2.2.1: Peer-ID-Length and Passwd-Length are one octet each. */
	if (user_len > 255 || pw_len > 255)
		return -1;
	wcur_put_u8(&w, PAP_AUTH_REQ);
	wcur_put_u8(&w, id);
	wcur_put_u16(&w, 0);
	wcur_put_u8(&w, (uint8_t)user_len);
	wcur_put_bytes(&w, user, user_len);
	wcur_put_u8(&w, (uint8_t)pw_len);
	wcur_put_bytes(&w, pw, pw_len);
	if (!wcur_ok(&w))
		return -1;
	wcur_patch_u16(&w, 2, (uint16_t)w.len);
	return (int)w.len;
}

/* Sends last_pkt again and re-arms the retransmission timer. */
static void pap_send(struct ppp_auth *a, uint64_t now_ms)
{
	char mask[40];

	auth_send_last(a);
	a->deadline_ms = clock_min(now_ms + a->restart_ms, a->started_ms + a->wait_ms);
	log_debug(LOGC_AUTH, "auth[%s]: PAP Authenticate-Request id %u #%u, peer-id '%s', password %s",
		  a->name, a->id, a->n_tx, a->user,
		  log_mask(mask, sizeof(mask), (unsigned)strlen(a->secret)));
}

void pap_start(struct ppp_auth *a, uint64_t now_ms)
{
	int n;

	a->id = (uint8_t)rng_u32(a->rng);
	a->n_tx = 0;
	auth_enter(a, PPP_AUTH_WAIT, now_ms, "Authenticate-Request");
	n = pap_build_request(a->last_pkt, sizeof(a->last_pkt), a->id, a->user, a->secret);
	if (n < 0) {
		auth_finish(a, false, "user name or password too long for PAP", now_ms);
		return;
	}
	a->last_len = (size_t)n;
	a->last_proto = PPP_PROTO_PAP;
	pap_send(a, now_ms);
}

void pap_on_timer(struct ppp_auth *a, uint64_t now_ms)
{
	if (a->state != PPP_AUTH_WAIT)
		return;
	if (a->n_tx >= a->max_tx) {
		auth_finish(a, false, "no answer from authenticator", now_ms);
		return;
	}
	/* RFC 1334 §2.2.1: the Identifier MUST be changed each time a Request is issued. */
	a->id++;
	a->last_pkt[1] = a->id;
	pap_send(a, now_ms);
}

/* Parses an Ack/Nak body into msg (RFC 1334 §2.2.2: Msg-Length, Message). */
static enum auth_err pap_parse_reply(struct rcur *body, struct rcur *msg)
{
	uint8_t msg_len;

	/* Some authenticators omit Msg-Length altogether (pppd accepts that): empty message. */
	if (rcur_left(body) == 0) {
		*msg = *body;
		return AUTH_OK;
	}
	msg_len = rcur_u8(body);
	if (!rcur_sub(body, msg_len, msg))
		return AUTH_E_FIELD;
	return AUTH_OK;
}

void pap_on_packet(struct ppp_auth *a, const uint8_t *buf, size_t len, uint64_t now_ms)
{
	struct auth_hdr h;
	struct rcur msg;
	char text[AUTH_MSG_MAX];
	enum auth_err e = auth_parse_hdr(buf, len, &h);

	if (e == AUTH_OK && h.code != PAP_AUTH_ACK && h.code != PAP_AUTH_NAK) {
		auth_drop(a, "PAP packet", "not an Ack or Nak");
		return;
	}
	if (e == AUTH_OK)
		e = pap_parse_reply(&h.body, &msg);
	if (e != AUTH_OK) {
		auth_drop(a, "PAP packet", auth_err_str(e));
		return;
	}
	if (a->state != PPP_AUTH_WAIT) {
		auth_drop(a, "PAP reply", "no request outstanding");
		return;
	}
	/* RFC 1334 §2.2.2: the reply's Identifier copies the Request's. */
	if (h.id != a->id) {
		auth_drop(a, "PAP reply", "Identifier does not match the last Request");
		return;
	}
	auth_text(text, sizeof(text), &msg);
	if (h.code == PAP_AUTH_ACK)
		auth_finish(a, true, text[0] != '\0' ? text : "Authenticate-Ack", now_ms);
	else
		auth_finish(a, false, text[0] != '\0' ? text : "Authenticate-Nak", now_ms);
}
