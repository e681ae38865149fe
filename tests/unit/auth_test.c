/* PPP client authentication: RFC 2759 §9.2 MS-CHAPv2 vectors, a CHAP-MD5 vector, PAP golden
 * bytes, and fake-clock scripts of PAP, CHAP-MD5 and MS-CHAPv2 through the ops table
 * (retransmission, give-up, Nak/Failure texts, bad S=, wrong identifiers, truncation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"
#include "ppp/auth.h"
#include "ppp/auth_impl.h"
#include "test_util.h"

/* ---- recording ops ---- */

struct rec {
	unsigned n_sent;
	uint16_t proto;
	uint8_t pkt[600];
	size_t len;
	unsigned n_result;
	bool success;
	char msg[300];
};

static void rec_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	struct rec *r = ctx;

	assert_true(len <= sizeof(r->pkt));
	r->n_sent++;
	r->proto = proto;
	memcpy(r->pkt, buf, len);
	r->len = len;
}

static void rec_result(void *ctx, bool success, const char *msg)
{
	struct rec *r = ctx;

	r->n_result++;
	r->success = success;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

static const struct ppp_auth_ops rec_ops = { .send = rec_send, .on_result = rec_result };

static void setup(struct ppp_auth *a, struct rec *r, struct v6l_rng *rng, enum ppp_auth_method m,
		  const char *user, const char *pw)
{
	memset(r, 0, sizeof(*r));
	rng_init_seed(rng, 42);
	ppp_auth_init(a, m, user, pw, &rec_ops, r, rng);
	a->name = "test";
}

/* Builds Code, Identifier, Length + body into buf; returns the length. */
static size_t mkpkt(uint8_t *buf, uint8_t code, uint8_t id, const void *body, size_t n)
{
	buf[0] = code;
	buf[1] = id;
	buf[2] = (uint8_t)((n + 4) >> 8);
	buf[3] = (uint8_t)(n + 4);
	if (n > 0)
		memcpy(buf + 4, body, n);
	return n + 4;
}

/* A text message body (Success/Failure of CHAP). */
static size_t mktext(uint8_t *buf, uint8_t code, uint8_t id, const char *text)
{
	return mkpkt(buf, code, id, text, strlen(text));
}

/* A CHAP Challenge: Value-Size, Value, Name. */
static size_t mkchal(uint8_t *buf, uint8_t id, const uint8_t *val, size_t n, const char *name)
{
	uint8_t body[300];

	body[0] = (uint8_t)n;
	memcpy(body + 1, val, n);
	memcpy(body + 1 + n, name, strlen(name));
	return mkpkt(buf, CHAP_CHALLENGE, id, body, 1 + n + strlen(name));
}

/* ---- RFC 2759 §9.2 vectors ---- */

static const char *const rfc_user = "User";
static const char *const rfc_pass = "clientPass";
static const char *const rfc_auth_chal = "5B5D7C7D7B3F2F3E3C2C602132262628";
static const char *const rfc_peer_chal = "21402324255E262A28295F2B3A337C7E";
static const char *const rfc_nt_resp = "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF";
static const char *const rfc_s = "S=407A5589115FD0D6209F510FE9C04566932CDA56";

static void test_mschap_rfc2759_vectors(void **state)
{
	uint8_t auth_chal[16], peer_chal[16], want[32], pw_hash[16], hh[16], ch[8], nt[24];
	uint8_t ar[20];

	(void)state;
	assert_int_equal(test_hex(rfc_auth_chal, auth_chal, sizeof(auth_chal)), 16);
	assert_int_equal(test_hex(rfc_peer_chal, peer_chal, sizeof(peer_chal)), 16);

	mschap_challenge_hash(peer_chal, auth_chal, rfc_user, ch);
	assert_int_equal(test_hex("D02E4386BCE91226", want, sizeof(want)), 8);
	assert_memory_equal(ch, want, 8);

	assert_true(mschap_nt_password_hash(rfc_pass, pw_hash));
	assert_int_equal(test_hex("44EBBA8D5312B8D611474411F56989AE", want, sizeof(want)), 16);
	assert_memory_equal(pw_hash, want, 16);

	mschap_challenge_response(ch, pw_hash, nt);
	assert_int_equal(test_hex(rfc_nt_resp, want, sizeof(want)), 24);
	assert_memory_equal(nt, want, 24);
	memset(nt, 0, sizeof(nt));
	mschap_generate_nt_response(auth_chal, peer_chal, rfc_user, rfc_pass, nt);
	assert_memory_equal(nt, want, 24);

	mschap_hash_nt_password_hash(pw_hash, hh);
	assert_int_equal(test_hex("41C00C584BD2D91C4017A2A12FA59F3F", want, sizeof(want)), 16);
	assert_memory_equal(hh, want, 16);

	mschap_auth_response(rfc_pass, nt, peer_chal, auth_chal, rfc_user, ar);
	assert_int_equal(test_hex(rfc_s + 2, want, sizeof(want)), 20);
	assert_memory_equal(ar, want, 20);
}

static void test_mschap_domain_and_unicode(void **state)
{
	uint8_t auth_chal[16], peer_chal[16], a[8], b[8], h1[16], h2[16], h3[16];

	(void)state;
	test_hex(rfc_auth_chal, auth_chal, sizeof(auth_chal));
	test_hex(rfc_peer_chal, peer_chal, sizeof(peer_chal));
	/* RFC 2759 §4: the domain part of "DOMAIN\User" is not hashed. */
	mschap_challenge_hash(peer_chal, auth_chal, "User", a);
	mschap_challenge_hash(peer_chal, auth_chal, "CORP\\User", b);
	assert_memory_equal(a, b, 8);
	mschap_challenge_hash(peer_chal, auth_chal, "Usr", b);
	assert_memory_not_equal(a, b, 8);
	/* U+00E9 in UTF-8 and the lone Latin-1 byte E9 both become the unit E9 00. */
	assert_true(mschap_nt_password_hash("\xc3\xa9", h1));
	assert_true(mschap_nt_password_hash("\xe9", h2));
	assert_memory_equal(h1, h2, 16);
	assert_true(mschap_nt_password_hash("\xc3", h3));
	assert_memory_not_equal(h1, h3, 16);
}

/* ---- CHAP-MD5 and PAP codecs ---- */

static void test_chap_md5_vector(void **state)
{
	/* printf '\x11s3cret\x00\x01...\x0f' | md5sum  (id 0x11, secret "s3cret", challenge 00..0f) */
	uint8_t chal[16], out[16], want[16];
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++)
		chal[i] = (uint8_t)i;
	chap_md5_value(out, 0x11, "s3cret", chal, sizeof(chal));
	assert_int_equal(test_hex("b61c1100de241c5b6ad12520252b7a81", want, sizeof(want)), 16);
	assert_memory_equal(out, want, 16);
}

static void test_pap_build_golden(void **state)
{
	/* RFC 1334 §2.2.1 layout: 01 id len(2) 03 "joe" 04 "pass" */
	uint8_t buf[600], want[32], small[12];
	char big[300];

	(void)state;
	assert_int_equal(test_hex("01 2a 00 0d 03 6a 6f 65 04 70 61 73 73", want, sizeof(want)), 13);
	assert_int_equal(pap_build_request(buf, sizeof(buf), 0x2a, "joe", "pass"), 13);
	assert_memory_equal(buf, want, 13);
	assert_int_equal(pap_build_request(buf, sizeof(buf), 7, "", ""), 6);
	assert_int_equal(pap_build_request(small, sizeof(small), 0x2a, "joe", "pass"), -1);
	memset(big, 'x', 256);
	big[256] = '\0';
	assert_int_equal(pap_build_request(buf, sizeof(buf), 1, big, "p"), -1);
	big[255] = '\0';
	assert_int_equal(pap_build_request(buf, sizeof(buf), 1, big, "p"), 4 + 1 + 255 + 1 + 1);
}

static void test_parse_hdr(void **state)
{
	const uint8_t pkt[] = { 2, 9, 0, 5, 0, 0xee, 0xee }; /* two octets of padding */
	struct auth_hdr h;
	size_t i;

	(void)state;
	assert_int_equal(auth_parse_hdr(pkt, sizeof(pkt), &h), AUTH_OK);
	assert_int_equal(h.code, 2);
	assert_int_equal(h.id, 9);
	assert_int_equal(rcur_left(&h.body), 1);
	for (i = 0; i < 5; i++)
		assert_int_equal(auth_parse_hdr(pkt, i, &h), AUTH_E_SHORT);
	const uint8_t bad_len[] = { 2, 9, 0, 3 };
	assert_int_equal(auth_parse_hdr(bad_len, sizeof(bad_len), &h), AUTH_E_LEN);
}

/* ---- PAP scripts ---- */

static void test_pap_ack(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[64], want[64];
	const uint8_t ack_body[] = { 7, 'W', 'e', 'l', 'c', 'o', 'm', 'e' };
	size_t n;
	uint8_t id;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_PAP, "joe", "pass");
	assert_int_equal(ppp_auth_next_deadline(&a), V6L_NEVER);
	ppp_auth_start(&a, 1000);
	assert_int_equal(r.n_sent, 1);
	assert_int_equal(r.proto, PPP_PROTO_PAP);
	id = r.pkt[1];
	assert_int_equal(pap_build_request(want, sizeof(want), id, "joe", "pass"), 13);
	assert_int_equal(r.len, 13);
	assert_memory_equal(r.pkt, want, 13);
	assert_int_equal(a.state, PPP_AUTH_WAIT);
	assert_int_equal(ppp_auth_next_deadline(&a), 4000);

	n = mkpkt(buf, PAP_AUTH_ACK, (uint8_t)(id + 1), ack_body, sizeof(ack_body));
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 1100);
	assert_int_equal(r.n_result, 0);
	assert_int_equal(a.n_ignored, 1);
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 1100); /* not the negotiated protocol */
	assert_int_equal(a.n_ignored, 2);

	n = mkpkt(buf, PAP_AUTH_ACK, id, ack_body, sizeof(ack_body));
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 1200);
	assert_int_equal(r.n_result, 1);
	assert_true(r.success);
	assert_string_equal(r.msg, "Welcome");
	assert_int_equal(a.state, PPP_AUTH_DONE);
	assert_int_equal(ppp_auth_next_deadline(&a), V6L_NEVER);
	/* The password and the packet holding it are wiped once done. */
	assert_int_equal(a.secret[0], 0);
	assert_int_equal(a.last_pkt[6], 0);
	/* A duplicate Ack changes nothing. */
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 1300);
	assert_int_equal(r.n_result, 1);
}

static void test_pap_retransmit_and_give_up(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[16], id0;
	size_t n;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_PAP, "joe", "pass");
	a.max_tx = 3;
	a.wait_ms = 60000;
	ppp_auth_start(&a, 0);
	id0 = r.pkt[1];
	ppp_auth_on_timer(&a, 2999); /* early: nothing */
	assert_int_equal(r.n_sent, 1);
	ppp_auth_on_timer(&a, 3000);
	assert_int_equal(r.n_sent, 2);
	/* RFC 1334 §2.2.1: a new Identifier per Request, the rest unchanged. */
	assert_int_equal(r.pkt[1], (uint8_t)(id0 + 1));
	assert_int_equal(r.len, 13);
	assert_memory_equal(r.pkt + 4, "\x03joe\x04pass", 9);
	assert_int_equal(ppp_auth_next_deadline(&a), 6000);
	/* An Ack to the first Request is stale now. */
	n = mkpkt(buf, PAP_AUTH_ACK, id0, "\0", 1);
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 3500);
	assert_int_equal(r.n_result, 0);
	ppp_auth_on_timer(&a, 6000);
	assert_int_equal(r.n_sent, 3);
	assert_int_equal(r.pkt[1], (uint8_t)(id0 + 2));
	ppp_auth_on_timer(&a, 9000);
	assert_int_equal(r.n_sent, 3);
	assert_int_equal(r.n_result, 1);
	assert_false(r.success);
	assert_string_equal(r.msg, "no answer from authenticator");
	assert_int_equal(a.state, PPP_AUTH_FAILED);
	assert_int_equal(a.secret[0], 0);
}

static void test_pap_overall_wait(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_PAP, "joe", "pass");
	a.restart_ms = 1000;
	a.max_tx = 100;
	a.wait_ms = 2500;
	ppp_auth_start(&a, 500);
	ppp_auth_on_timer(&a, 1500);
	ppp_auth_on_timer(&a, 2500);
	assert_int_equal(r.n_sent, 3);
	assert_int_equal(ppp_auth_next_deadline(&a), 3000); /* min(3500, 500 + 2500) */
	ppp_auth_on_timer(&a, 3000);
	assert_int_equal(r.n_sent, 3);
	assert_int_equal(r.n_result, 1);
	assert_string_equal(r.msg, "no answer from authenticator");
}

static void test_pap_nak(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[32];
	const uint8_t body[] = { 13, 'B', 'a', 'd', '\x01', 'p', 'a', 's', 's', 'w', 'o', 'r', 'd', 0xff };
	size_t n;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_PAP, "joe", "pass");
	ppp_auth_start(&a, 0);
	n = mkpkt(buf, PAP_AUTH_NAK, r.pkt[1], body, sizeof(body));
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 10);
	assert_int_equal(r.n_result, 1);
	assert_false(r.success);
	assert_string_equal(r.msg, "Bad?password?"); /* sanitised to printable ASCII */
	assert_int_equal(a.state, PPP_AUTH_FAILED);

	/* A Nak without Msg-Length (Length 4) still fails, with a generic text. */
	setup(&a, &r, &rng, PPP_AUTH_PAP, "joe", "pass");
	ppp_auth_start(&a, 0);
	n = mkpkt(buf, PAP_AUTH_NAK, r.pkt[1], NULL, 0);
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 10);
	assert_int_equal(r.n_result, 1);
	assert_false(r.success);
	assert_string_equal(r.msg, "Authenticate-Nak");
}

static void test_pap_malformed(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[32];
	const uint8_t body[] = { 2, 'o', 'k' };
	const uint8_t overrun[] = { 3, 'o', 'k' }; /* Msg-Length beyond Length */
	size_t n, i;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_PAP, "joe", "pass");
	ppp_auth_start(&a, 0);
	n = mkpkt(buf, PAP_AUTH_ACK, r.pkt[1], body, sizeof(body));
	for (i = 0; i < n; i++)
		ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, i, 10);
	assert_int_equal(a.n_ignored, n);
	n = mkpkt(buf, PAP_AUTH_ACK, r.pkt[1], overrun, sizeof(overrun));
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 10);
	n = mkpkt(buf, PAP_AUTH_REQ, r.pkt[1], body, sizeof(body)); /* we are not the authenticator */
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 10);
	assert_int_equal(r.n_result, 0);
	assert_int_equal(a.state, PPP_AUTH_WAIT);
	n = mkpkt(buf, PAP_AUTH_ACK, r.pkt[1], body, sizeof(body));
	ppp_auth_on_packet(&a, PPP_PROTO_PAP, buf, n, 20);
	assert_int_equal(r.n_result, 1);
	assert_true(r.success);
	assert_string_equal(r.msg, "ok");
}

/* ---- CHAP-MD5 scripts ---- */

static void chal_00_0f(uint8_t chal[16])
{
	unsigned i;

	for (i = 0; i < 16; i++)
		chal[i] = (uint8_t)i;
}

static void test_chap_md5_success_and_rechallenge(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[64], chal[16], want[64];
	size_t n;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_CHAP_MD5, "alice", "s3cret");
	ppp_auth_start(&a, 0);
	assert_int_equal(r.n_sent, 0); /* the authenticator speaks first */
	assert_int_equal(a.state, PPP_AUTH_WAIT);
	assert_int_equal(ppp_auth_next_deadline(&a), 30000);
	/* A Success before any Response is ignored. */
	n = mktext(buf, CHAP_SUCCESS, 0x11, "early");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 5);
	assert_int_equal(r.n_result, 0);

	chal_00_0f(chal);
	n = mkchal(buf, 0x11, chal, 16, "isp");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	assert_int_equal(r.n_sent, 1);
	assert_int_equal(r.proto, PPP_PROTO_CHAP);
	/* 02 11 len 10 MD5(0x11 "s3cret" 00..0f) "alice": md5sum vector above. */
	assert_int_equal(test_hex("02 11 00 1a 10 b61c1100de241c5b6ad12520252b7a81 616c696365", want,
				  sizeof(want)), 26);
	assert_int_equal(r.len, 26);
	assert_memory_equal(r.pkt, want, 26);
	assert_int_equal(a.state, PPP_AUTH_RESPONDED);

	n = mktext(buf, CHAP_SUCCESS, 0x12, "Welcome"); /* wrong identifier */
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 20);
	assert_int_equal(r.n_result, 0);
	n = mktext(buf, CHAP_SUCCESS, 0x11, "Welcome");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 20);
	assert_int_equal(r.n_result, 1);
	assert_true(r.success);
	assert_string_equal(r.msg, "Welcome");
	assert_int_equal(a.state, PPP_AUTH_DONE);
	assert_int_equal(ppp_auth_next_deadline(&a), V6L_NEVER);

	/* RFC 1994 §4: a later re-challenge is answered; no second result. */
	chal[0] = 0xff;
	n = mkchal(buf, 0x12, chal, 16, "isp");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 60000);
	assert_int_equal(r.n_sent, 2);
	assert_int_equal(r.pkt[1], 0x12);
	chap_md5_value(want, 0x12, "s3cret", chal, 16);
	assert_memory_equal(r.pkt + 5, want, 16);
	assert_int_equal(a.state, PPP_AUTH_DONE);
	n = mktext(buf, CHAP_FAILURE, 0x12, "no");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 60010);
	assert_int_equal(r.n_result, 1);
}

static void test_chap_md5_failure(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[64], chal[16];
	size_t n;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_CHAP_MD5, "alice", "wrong");
	ppp_auth_start(&a, 0);
	chal_00_0f(chal);
	n = mkchal(buf, 7, chal, 16, "isp");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	/* The authenticator repeats its Challenge: the same Response again. */
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3010);
	assert_int_equal(r.n_sent, 2);
	n = mktext(buf, CHAP_FAILURE, 7, "Access denied\n");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3020);
	assert_int_equal(r.n_result, 1);
	assert_false(r.success);
	assert_string_equal(r.msg, "Access denied?");
	assert_int_equal(a.state, PPP_AUTH_FAILED);
	assert_int_equal(a.secret[0], 0);
	/* Nothing is answered once failed. */
	n = mkchal(buf, 8, chal, 16, "isp");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3030);
	assert_int_equal(r.n_sent, 2);
}

static void test_chap_timeout(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[64], chal[16];
	size_t n;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_CHAP_MD5, "alice", "s3cret");
	ppp_auth_start(&a, 100);
	ppp_auth_on_timer(&a, 30099);
	assert_int_equal(r.n_result, 0);
	ppp_auth_on_timer(&a, 30100);
	assert_int_equal(r.n_result, 1);
	assert_false(r.success);
	assert_string_equal(r.msg, "no answer from authenticator");

	/* Responded but never told the outcome. */
	setup(&a, &r, &rng, PPP_AUTH_CHAP_MD5, "alice", "s3cret");
	ppp_auth_start(&a, 0);
	chal_00_0f(chal);
	n = mkchal(buf, 1, chal, 16, "isp");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	assert_int_equal(ppp_auth_next_deadline(&a), 30000);
	ppp_auth_on_timer(&a, 30000);
	assert_int_equal(r.n_result, 1);
	assert_string_equal(r.msg, "no answer from authenticator");
}

static void test_chap_malformed(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[64], chal[16];
	const uint8_t zero_size[] = { 0, 'n' };
	const uint8_t overrun[] = { 5, 1, 2, 3 };
	size_t n, i;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_CHAP_MD5, "alice", "s3cret");
	ppp_auth_start(&a, 0);
	chal_00_0f(chal);
	n = mkchal(buf, 3, chal, 16, "isp");
	for (i = 0; i < n; i++)
		ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, i, 10);
	assert_int_equal(a.n_ignored, n);
	n = mkpkt(buf, CHAP_CHALLENGE, 3, zero_size, sizeof(zero_size)); /* RFC 1994 §4.1 */
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	n = mkpkt(buf, CHAP_CHALLENGE, 3, overrun, sizeof(overrun));
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	n = mkpkt(buf, CHAP_CHALLENGE, 3, NULL, 0);
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	n = mkpkt(buf, 9, 3, NULL, 0); /* unknown Code */
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	assert_int_equal(r.n_sent, 0);
	assert_int_equal(a.state, PPP_AUTH_WAIT);

	n = mkchal(buf, 3, chal, 16, "isp");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	assert_int_equal(r.n_sent, 1);
	n = mktext(buf, CHAP_SUCCESS, 3, "ok");
	for (i = 0; i < n; i++)
		ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, i, 20);
	assert_int_equal(r.n_result, 0);
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 20);
	assert_int_equal(r.n_result, 1);
	assert_true(r.success);
}

/* ---- MS-CHAPv2 scripts ---- */

/* Starts an MS-CHAPv2 exchange with the RFC 2759 §9.2 challenge, then forces the RFC peer
 * challenge by having the authenticator repeat its Challenge (the Response is recomputed with
 * the kept peer challenge). Leaves the RFC Response in r->pkt. */
static void mschap_rfc_exchange(struct ppp_auth *a, struct rec *r, struct v6l_rng *rng)
{
	uint8_t buf[64], auth_chal[16], nt[24], want[24];
	size_t n;

	setup(a, r, rng, PPP_AUTH_MSCHAPV2, rfc_user, rfc_pass);
	ppp_auth_start(a, 0);
	test_hex(rfc_auth_chal, auth_chal, sizeof(auth_chal));
	n = mkchal(buf, 0x21, auth_chal, 16, "server");
	ppp_auth_on_packet(a, PPP_PROTO_CHAP, buf, n, 10);
	assert_int_equal(r->n_sent, 1);
	/* Random peer challenge: the NT-Response must still match RFC 2759 §8.1 for it. */
	mschap_generate_nt_response(auth_chal, r->pkt + 5, rfc_user, rfc_pass, nt);
	assert_memory_equal(r->pkt + 5 + 24, nt, 24);

	test_hex(rfc_peer_chal, a->mschap_peer_challenge, 16);
	ppp_auth_on_packet(a, PPP_PROTO_CHAP, buf, n, 3010);
	assert_int_equal(r->n_sent, 2);
	/* RFC 2759 §4 layout: 02 id len 49 PeerChallenge 0*8 NT-Response flags=0 "User" */
	assert_int_equal(r->len, 4 + 1 + 49 + 4);
	assert_int_equal(r->pkt[0], CHAP_RESPONSE);
	assert_int_equal(r->pkt[1], 0x21);
	assert_int_equal(r->pkt[3], 58);
	assert_int_equal(r->pkt[4], 49);
	test_hex(rfc_peer_chal, want, sizeof(want));
	assert_memory_equal(r->pkt + 5, want, 16);
	assert_memory_equal(r->pkt + 21, "\0\0\0\0\0\0\0\0", 8);
	test_hex(rfc_nt_resp, want, sizeof(want));
	assert_memory_equal(r->pkt + 29, want, 24);
	assert_int_equal(r->pkt[53], 0);
	assert_memory_equal(r->pkt + 54, "User", 4);
}

static void test_mschap_success(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[128];
	char text[100];
	size_t n;

	(void)state;
	mschap_rfc_exchange(&a, &r, &rng);
	snprintf(text, sizeof(text), "%s M=Access granted", rfc_s);
	n = mktext(buf, CHAP_SUCCESS, 0x20, text); /* wrong identifier */
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3020);
	assert_int_equal(r.n_result, 0);
	n = mktext(buf, CHAP_SUCCESS, 0x21, text);
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3020);
	assert_int_equal(r.n_result, 1);
	assert_true(r.success);
	assert_string_equal(r.msg, "Access granted");
	assert_int_equal(a.state, PPP_AUTH_DONE);

	/* Lower-case hex and no M= part are accepted too. */
	mschap_rfc_exchange(&a, &r, &rng);
	n = mktext(buf, CHAP_SUCCESS, 0x21, "S=407a5589115fd0d6209f510fe9c04566932cda56");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3020);
	assert_int_equal(r.n_result, 1);
	assert_true(r.success);
	assert_string_equal(r.msg, "MS-CHAPv2 Success");
}

static void test_mschap_wrong_s(void **state)
{
	static const char *const bad[] = {
		"S=407A5589115FD0D6209F510FE9C04566932CDA57 M=ok", /* last digit off */
		"S=407A5589115FD0D6209F510FE9C04566932CDA5",       /* 39 digits */
		"S=407A5589115FD0D6209F510FE9C04566932CDAZ6 M=ok", /* not hex */
		"M=Access granted",                                 /* no proof at all */
		"",
	};
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[128];
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mschap_rfc_exchange(&a, &r, &rng);
		n = mktext(buf, CHAP_SUCCESS, 0x21, bad[i]);
		ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3020);
		assert_int_equal(r.n_result, 1);
		assert_false(r.success);
		assert_string_equal(r.msg, "authenticator response mismatch: server could not "
					   "prove it knows the password");
		assert_int_equal(a.state, PPP_AUTH_FAILED);
	}
}

static void test_mschap_failure_691(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[128];
	size_t n;

	(void)state;
	mschap_rfc_exchange(&a, &r, &rng);
	n = mktext(buf, CHAP_FAILURE, 0x21,
		   "E=691 R=0 C=0123456789ABCDEF0123456789ABCDEF V=3 M=Authentication failure");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3020);
	assert_int_equal(r.n_result, 1);
	assert_false(r.success);
	assert_string_equal(r.msg, "authentication failure (E=691): Authentication failure");
	assert_int_equal(a.state, PPP_AUTH_FAILED);
}

static void test_mschap_failure_texts(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "E=646 R=0 V=3", "restricted logon hours (E=646)" },
		{ "E=647 R=0 V=3 M=Account disabled", "account disabled (E=647): Account disabled" },
		{ "E=648 R=0 V=3", "password expired (E=648)" },
		{ "E=649 R=0 V=3", "no dial-in permission (E=649)" },
		{ "E=709 R=0 V=3", "error changing password (E=709)" },
		{ "E=12 R=0", "unknown error (E=12)" },
		{ "E=x R=0 M=odd", "odd" },
		{ "E=691 M=a b  c", "authentication failure (E=691): a b  c" },
		{ "garbage", "MS-CHAPv2 Failure" },
		{ "M=", "MS-CHAPv2 Failure" },
	};
	char out[AUTH_MSG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		mschap_failure_text((const uint8_t *)v[i].in, strlen(v[i].in), out, sizeof(out));
		assert_string_equal(out, v[i].out);
	}
}

static void test_mschap_bad_challenge(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[64], chal[17] = { 0 };
	size_t n, i;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_MSCHAPV2, rfc_user, rfc_pass);
	ppp_auth_start(&a, 0);
	n = mkchal(buf, 1, chal, 8, "s"); /* RFC 2759 §4: must be 16 */
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	n = mkchal(buf, 1, chal, 17, "s");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	assert_int_equal(r.n_sent, 0);
	assert_int_equal(a.n_ignored, 2);
	n = mkchal(buf, 1, chal, 16, "s");
	for (i = 0; i < n; i++)
		ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, i, 10);
	assert_int_equal(r.n_sent, 0);
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	assert_int_equal(r.n_sent, 1);
	/* A new Challenge (new Identifier) gets a fresh peer challenge. */
	memcpy(chal, r.pkt + 5, 16);
	n = mkchal(buf, 2, chal, 16, "s");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 20);
	assert_int_equal(r.n_sent, 2);
	assert_memory_not_equal(r.pkt + 5, chal, 16);
}

/* ---- shared ---- */

static void test_idle_cred_and_reset(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[64], chal[16];
	char big[300];
	size_t n;

	(void)state;
	setup(&a, &r, &rng, PPP_AUTH_CHAP_MD5, "alice", "s3cret");
	chal_00_0f(chal);
	n = mkchal(buf, 1, chal, 16, "isp");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 0); /* not started */
	assert_int_equal(r.n_sent, 0);
	assert_int_equal(a.n_ignored, 1);
	ppp_auth_start(&a, 0);
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 10);
	n = mktext(buf, CHAP_SUCCESS, 1, "");
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 20);
	assert_true(r.success);
	assert_string_equal(r.msg, "CHAP Success"); /* empty Message */
	assert_string_equal(a.secret, "s3cret"); /* kept for re-challenges */
	ppp_auth_reset(&a);
	assert_int_equal(a.state, PPP_AUTH_IDLE);
	assert_int_equal(a.secret[0], 0);
	assert_int_equal(ppp_auth_next_deadline(&a), V6L_NEVER);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setup(&a, &r, &rng, PPP_AUTH_PAP, "joe", big);
	ppp_auth_start(&a, 0);
	assert_int_equal(r.n_sent, 0);
	assert_int_equal(r.n_result, 1);
	assert_false(r.success);
	assert_string_equal(r.msg, "user name or secret longer than 255 bytes");

	setup(&a, &r, &rng, PPP_AUTH_NONE, NULL, NULL);
	ppp_auth_start(&a, 0);
	assert_int_equal(r.n_result, 1);
	assert_true(r.success);
	assert_string_equal(ppp_auth_method_name(PPP_AUTH_MSCHAPV2), "MS-CHAPv2");
	assert_string_equal(ppp_auth_state_name(PPP_AUTH_RESPONDED), "responded");
}

/* With debug logging on, no line holds the password or a response value. */
static void test_no_secret_in_logs(void **state)
{
	struct ppp_auth a;
	struct rec r;
	struct v6l_rng rng;
	uint8_t buf[128];
	char log[16384], text[100];
	FILE *f = test_tmpfile();
	int saved = dup(2);
	size_t n;

	(void)state;
	assert_non_null(f);
	fflush(stderr);
	dup2(fileno(f), 2);
	log_init("test", false, LOG_LVL_DEBUG, LOGC_ALL);
	setup(&a, &r, &rng, PPP_AUTH_PAP, "joe", "hunter2pw");
	ppp_auth_start(&a, 0);
	ppp_auth_on_timer(&a, 3000);
	mschap_rfc_exchange(&a, &r, &rng);
	snprintf(text, sizeof(text), "%s M=ok", rfc_s);
	n = mktext(buf, CHAP_SUCCESS, 0x21, text);
	ppp_auth_on_packet(&a, PPP_PROTO_CHAP, buf, n, 3020);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	log_init("test", false, LOG_LVL_WARN, 0);
	rewind(f);
	n = fread(log, 1, sizeof(log) - 1, f);
	log[n] = '\0';
	fclose(f);
	assert_non_null(strstr(log, "auth[test]: PAP Authenticate-Request")); /* logging did run */
	assert_non_null(strstr(log, "masked"));
	assert_null(strstr(log, "hunter2pw"));
	assert_null(strstr(log, rfc_pass));
	assert_null(strstr(log, "82309E"));
	assert_null(strstr(log, "82309e"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mschap_rfc2759_vectors),
		cmocka_unit_test(test_mschap_domain_and_unicode),
		cmocka_unit_test(test_chap_md5_vector),
		cmocka_unit_test(test_pap_build_golden),
		cmocka_unit_test(test_parse_hdr),
		cmocka_unit_test(test_pap_ack),
		cmocka_unit_test(test_pap_retransmit_and_give_up),
		cmocka_unit_test(test_pap_overall_wait),
		cmocka_unit_test(test_pap_nak),
		cmocka_unit_test(test_pap_malformed),
		cmocka_unit_test(test_chap_md5_success_and_rechallenge),
		cmocka_unit_test(test_chap_md5_failure),
		cmocka_unit_test(test_chap_timeout),
		cmocka_unit_test(test_chap_malformed),
		cmocka_unit_test(test_mschap_success),
		cmocka_unit_test(test_mschap_wrong_s),
		cmocka_unit_test(test_mschap_failure_691),
		cmocka_unit_test(test_mschap_failure_texts),
		cmocka_unit_test(test_mschap_bad_challenge),
		cmocka_unit_test(test_idle_cred_and_reset),
		cmocka_unit_test(test_no_secret_in_logs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
