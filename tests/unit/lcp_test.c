/* LCP client (RFC 1661 §5-6): pppd-style Configure-Requests with MRU 1492 and each auth method,
 * our own request, Nak/Reject handling, magic-number loop detection (§6.4), echo keepalive
 * timing with a fake clock (§5.8), Protocol-Reject and Code-Reject handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "ppp/lcp.h"
#include "test_util.h"

#define T_MAXPKT 64

static struct {
	uint8_t pkt[T_MAXPKT][PPP_MAX_PKT];
	size_t len[T_MAXPKT];
	unsigned n, head; /* queue of sent packets */
	unsigned n_up, n_down, n_fin;
	char why[128];
	uint16_t rej_proto;
} T;

static struct lcp L;
static struct v6l_rng R;

static void t_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	(void)ctx;
	assert_int_equal(proto, PPP_PROTO_LCP);
	assert_true(T.n < T_MAXPKT);
	memcpy(T.pkt[T.n], buf, len);
	T.len[T.n++] = len;
}

static void t_up(void *ctx, uint64_t now) { (void)ctx; (void)now; T.n_up++; }
static void t_down(void *ctx, uint64_t now) { (void)ctx; (void)now; T.n_down++; }
static void t_fin(void *ctx, const char *why, uint64_t now)
{
	(void)ctx;
	(void)now;
	T.n_fin++;
	snprintf(T.why, sizeof(T.why), "%s", why);
}
static void t_rej(void *ctx, uint16_t proto, uint64_t now)
{
	(void)ctx;
	(void)now;
	T.rej_proto = proto;
}

static const struct lcp_ops t_ops = { .up = t_up, .down = t_down, .finished = t_fin,
				      .proto_rej = t_rej };

static void t_start(const struct lcp_cfg *cfg)
{
	memset(&T, 0, sizeof(T));
	rng_init_seed(&R, 42);
	lcp_init(&L, cfg, NULL, &t_ops, NULL, t_send, NULL, &R, "t");
	ppp_fsm_open(&L.fsm, 0);
	ppp_fsm_up(&L.fsm, 0);
}

static const uint8_t *t_last(void)
{
	assert_true(T.n > 0);
	return T.pkt[T.n - 1];
}

static void t_feed(const char *hex, uint64_t now)
{
	uint8_t b[PPP_MAX_PKT];
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > 0);
	lcp_on_packet(&L, b, (size_t)n, now);
}

static void t_expect_last(const char *hex)
{
	uint8_t b[PPP_MAX_PKT];
	int n = test_hex(hex, b, sizeof(b));
	assert_int_equal(T.len[T.n - 1], n);
	assert_memory_equal(t_last(), b, (size_t)n);
}

/* Acks our last Configure-Request (echoing it as the peer would). */
static void t_ack_ours(uint64_t now)
{
	uint8_t b[PPP_MAX_PKT];
	size_t n = 0;
	for (unsigned i = T.n; i-- > 0;)
		if (T.pkt[i][0] == PPP_CONF_REQ) {
			n = T.len[i];
			memcpy(b, T.pkt[i], n);
			break;
		}
	assert_true(n > 0);
	b[0] = PPP_CONF_ACK;
	lcp_on_packet(&L, b, n, now);
}

/* pppd (server, "mru 1492") LCP Configure-Requests, one per auth method it may require:
 * MRU 1492, Auth-Protocol, Magic-Number 0x5e630ab8. */
static const char req_pap[] = "01 01 00 12 01 04 05 d4 03 04 c0 23 05 06 5e 63 0a b8";
static const char req_chap[] = "01 01 00 13 01 04 05 d4 03 05 c2 23 05 05 06 5e 63 0a b8";
static const char req_mschap2[] = "01 01 00 13 01 04 05 d4 03 05 c2 23 81 05 06 5e 63 0a b8";

static void t_open_with(const char *peer_req)
{
	t_start(NULL);
	t_feed(peer_req, 100);
	assert_int_equal(t_last()[0], PPP_CONF_ACK);
	t_ack_ours(150);
	assert_true(lcp_is_opened(&L));
	assert_int_equal(T.n_up, 1);
}

static void test_our_request_golden(void **state)
{
	(void)state;
	t_start(NULL);
	assert_int_equal(T.n, 1);
	char hex[80];
	/* MRU 1492 (RFC 2516 §7) and a random nonzero magic; no PFC/ACFC, no auth */
	snprintf(hex, sizeof(hex), "01 01 00 0e 01 04 05 d4 05 06 %02x %02x %02x %02x",
		 L.magic >> 24, (L.magic >> 16) & 0xff, (L.magic >> 8) & 0xff, L.magic & 0xff);
	t_expect_last(hex);
	assert_true(L.magic != 0);
}

static void test_pppd_pap_acked(void **state)
{
	(void)state;
	t_open_with(req_pap);
	/* the Ack repeats the request's options exactly (RFC 1661 §5.2) */
	uint8_t exp[32];
	int n = test_hex(req_pap, exp, sizeof(exp));
	exp[0] = PPP_CONF_ACK;
	assert_memory_equal(T.pkt[1], exp, (size_t)n);
	assert_int_equal(L.auth, PPP_AUTH_PAP);
	assert_int_equal(L.peer_mru, 1492);
	assert_int_equal(L.peer_magic, 0x5e630ab8);
	assert_int_equal(L.fsm.max_tx_len, 1492);
}

static void test_pppd_chap_methods(void **state)
{
	(void)state;
	t_open_with(req_chap);
	assert_int_equal(L.auth, PPP_AUTH_CHAP_MD5);
	t_open_with(req_mschap2);
	assert_int_equal(L.auth, PPP_AUTH_MSCHAPV2);
}

static void test_auth_mask_nak(void **state)
{
	(void)state;
	struct lcp_cfg c = lcp_cfg_default;
	c.auth_mask = LCP_AUTH_BIT(PPP_AUTH_PAP);
	t_start(&c);
	t_feed(req_chap, 100);
	/* CHAP not allowed: Nak suggesting PAP */
	t_expect_last("03 01 00 08 03 04 c0 23");
	/* MS-CHAPv1 (0x80) is not supported: Nak with CHAP-MD5 when allowed */
	t_start(NULL);
	t_feed("01 02 00 09 03 05 c2 23 80", 100);
	t_expect_last("03 02 00 09 03 05 c2 23 05");
	/* nothing allowed: Reject */
	c.auth_mask = 0;
	t_start(&c);
	t_feed(req_pap, 100);
	t_expect_last("04 01 00 08 03 04 c0 23");
	/* a later request without auth clears the agreed method */
	t_open_with(req_pap);
	t_feed("01 02 00 08 01 04 05 d4", 200);
	assert_int_equal(L.auth, PPP_AUTH_NONE);
}

static void test_pfc_acfc_unknown_rejected(void **state)
{
	(void)state;
	t_start(NULL);
	/* MRU, PFC, ACFC, unknown 0x0d (Callback) */
	t_feed("01 05 00 15 01 04 05 d4 07 02 08 02 0d 03 06 05 06 01 02 03 04", 100);
	t_expect_last("04 05 00 0b 07 02 08 02 0d 03 06");
}

static void test_small_mru_nakd(void **state)
{
	(void)state;
	t_start(NULL);
	t_feed("01 05 00 08 01 04 00 40", 100);
	t_expect_last("03 05 00 08 01 04 00 80");
}

static void test_nak_of_our_mru(void **state)
{
	(void)state;
	t_start(NULL);
	char hex[64];
	snprintf(hex, sizeof(hex), "03 %02x 00 08 01 04 05 78", L.fsm.req_id); /* 1400 */
	t_feed(hex, 10);
	assert_int_equal(L.mru, 1400);
	assert_int_equal(t_last()[0], PPP_CONF_REQ);
	assert_int_equal(t_last()[6], 0x05);
	assert_int_equal(t_last()[7], 0x78);
	/* more than our limit is not taken */
	snprintf(hex, sizeof(hex), "03 %02x 00 08 01 04 05 dc", L.fsm.req_id); /* 1500 */
	t_feed(hex, 20);
	assert_int_equal(L.mru, 1400);
	/* Reject: stop asking; the default 1500 applies */
	snprintf(hex, sizeof(hex), "04 %02x 00 08 01 04 05 78", L.fsm.req_id);
	t_feed(hex, 30);
	assert_false(L.want_mru);
	assert_int_equal(t_last()[4], LCP_OPT_MAGIC);
}

static void test_magic_reject_and_zero(void **state)
{
	(void)state;
	t_start(NULL);
	char hex[80];
	snprintf(hex, sizeof(hex), "04 %02x 00 0a 05 06 %02x %02x %02x %02x", L.fsm.req_id,
		 L.magic >> 24, (L.magic >> 16) & 0xff, (L.magic >> 8) & 0xff, L.magic & 0xff);
	t_feed(hex, 10);
	assert_false(L.want_magic);
	assert_int_equal(L.magic, 0);
	t_expect_last("01 02 00 08 01 04 05 d4");
	/* RFC 1661 §6.4: a zero magic from the peer is Nak'd with a nonzero one */
	t_feed("01 09 00 0a 05 06 00 00 00 00", 20);
	assert_int_equal(t_last()[0], PPP_CONF_NAK);
	uint32_t sug = (uint32_t)t_last()[6] << 24 | (uint32_t)t_last()[7] << 16 |
		       (uint32_t)t_last()[8] << 8 | t_last()[9];
	assert_true(sug != 0);
}

static void test_looped_back_link(void **state)
{
	(void)state;
	t_start(NULL);
	/* a looped line: everything we send comes straight back */
	uint64_t now = 0;
	for (unsigned guard = 0; guard < 60 && T.head < T.n; guard++) {
		uint8_t b[PPP_MAX_PKT];
		size_t n = T.len[T.head];
		memcpy(b, T.pkt[T.head++], n);
		lcp_on_packet(&L, b, n, now += 10);
		if (T.n_fin)
			break;
	}
	assert_int_equal(T.n_fin, 1);
	assert_string_equal(T.why, "link looped back");
	assert_int_equal(T.n_up, 0);
}

static void test_magic_collision_naks_new(void **state)
{
	(void)state;
	t_start(NULL);
	uint32_t m = L.magic;
	char hex[80];
	snprintf(hex, sizeof(hex), "01 20 00 0a 05 06 %02x %02x %02x %02x", m >> 24,
		 (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
	t_feed(hex, 10);
	assert_int_equal(t_last()[0], PPP_CONF_NAK);
	uint32_t sug = (uint32_t)t_last()[6] << 24 | (uint32_t)t_last()[7] << 16 |
		       (uint32_t)t_last()[8] << 8 | t_last()[9];
	assert_true(sug != 0 && sug != m);
	assert_int_equal(L.n_loops, 1);
	/* the peer Naks our magic: we pick a new one */
	snprintf(hex, sizeof(hex), "03 %02x 00 0a 05 06 %02x %02x %02x %02x", L.fsm.req_id,
		 m >> 24, (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
	t_feed(hex, 20);
	assert_true(L.magic != m && L.magic != 0);
}

static void test_echo_failure_timing(void **state)
{
	(void)state;
	t_open_with(req_pap); /* opened at t=150 */
	unsigned base = T.n;
	assert_int_equal(lcp_next_deadline(&L), 10150);
	lcp_on_timer(&L, 10149);
	assert_int_equal(T.n, base);
	char hex[40];
	uint32_t m = L.magic;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t at = 10150 + 10000u * i;
		assert_int_equal(lcp_next_deadline(&L), at);
		lcp_on_timer(&L, at);
		assert_int_equal(T.n, base + i + 1);
		snprintf(hex, sizeof(hex), "09 %02x 00 08 %02x %02x %02x %02x", t_last()[1],
			 m >> 24, (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
		t_expect_last(hex);
	}
	/* 3 unanswered: at the 4th tick the link is closed (Terminate-Request) */
	lcp_on_timer(&L, 40150);
	assert_int_equal(t_last()[0], PPP_TERM_REQ);
	assert_int_equal(T.n_down, 1);
	lcp_on_timer(&L, 41150);
	lcp_on_timer(&L, 43150);
	assert_int_equal(T.n_fin, 1);
	assert_string_equal(T.why, "peer not answering LCP echo (3 x 10 s)");
}

static void test_echo_reply_and_activity_reset(void **state)
{
	(void)state;
	t_open_with(req_pap);
	lcp_on_timer(&L, 10150);
	lcp_on_timer(&L, 20150);
	assert_int_equal(L.n_echo_pending, 2);
	char hex[40];
	snprintf(hex, sizeof(hex), "0a %02x 00 08 5e 63 0a b8", t_last()[1]);
	t_feed(hex, 20200);
	assert_int_equal(L.n_echo_pending, 0);
	lcp_on_timer(&L, 30150);
	lcp_on_timer(&L, 40150);
	lcp_rx_activity(&L); /* a data frame arrived */
	assert_int_equal(L.n_echo_pending, 0);
	lcp_on_timer(&L, 50150);
	lcp_on_timer(&L, 60150);
	lcp_on_timer(&L, 70150);
	assert_true(lcp_is_opened(&L));
	assert_int_equal(T.n_fin, 0);
	/* an Echo-Reply carrying our own magic is not an answer (looped) */
	uint32_t m = L.magic;
	snprintf(hex, sizeof(hex), "0a 77 00 08 %02x %02x %02x %02x", m >> 24, (m >> 16) & 0xff,
		 (m >> 8) & 0xff, m & 0xff);
	t_feed(hex, 70200);
	assert_int_equal(L.n_echo_pending, 3);
	assert_int_equal(L.n_echo_looped, 1); /* counted as dropped (status: drops.control) */
}

static void test_answer_echo_request(void **state)
{
	(void)state;
	t_start(NULL);
	t_feed("09 10 00 0a 5e 63 0a b8 aa bb", 10); /* not Opened: ignored (§5.8) */
	assert_int_equal(t_last()[0], PPP_CONF_REQ);
	t_open_with(req_pap);
	t_feed("09 10 00 0a 5e 63 0a b8 aa bb", 200);
	uint32_t m = L.magic;
	char hex[64];
	snprintf(hex, sizeof(hex), "0a 10 00 0a %02x %02x %02x %02x aa bb", m >> 24,
		 (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
	t_expect_last(hex);
	unsigned n = T.n;
	t_feed("0b 11 00 08 5e 63 0a b8", 210); /* Discard-Request: nothing */
	t_feed("09 12 00 07 5e 63 0a", 210);    /* Echo-Request without full magic: dropped */
	assert_int_equal(T.n, n);
}

static void test_protocol_reject(void **state)
{
	(void)state;
	t_open_with(req_pap);
	t_feed("08 20 00 0a 80 57 01 01 00 04", 300);
	assert_int_equal(T.rej_proto, PPP_PROTO_IPV6CP);
	assert_true(lcp_is_opened(&L));
	/* LCP itself rejected: catastrophic, RXJ- in Opened: tld, str -> Stopping */
	t_feed("08 21 00 0a c0 21 01 01 00 04", 310);
	assert_int_equal(L.fsm.state, PPP_ST_STOPPING);
	assert_int_equal(t_last()[0], PPP_TERM_REQ);
}

static void test_send_proto_rej_golden(void **state)
{
	(void)state;
	t_open_with(req_pap);
	const uint8_t ccp[] = { 0x01, 0x01, 0x00, 0x04 };
	lcp_send_proto_rej(&L, 0x80fd, ccp, sizeof(ccp));
	char hex[64];
	snprintf(hex, sizeof(hex), "08 %02x 00 0a 80 fd 01 01 00 04", t_last()[1]);
	t_expect_last(hex);
}

static void test_code_reject_of_echo_disables_keepalive(void **state)
{
	(void)state;
	t_open_with(req_pap);
	lcp_on_timer(&L, 10150);
	t_feed("07 30 00 0c 09 05 00 08 01 02 03 04", 10200);
	assert_true(lcp_is_opened(&L));
	assert_int_equal(lcp_next_deadline(&L), V6L_NEVER);
}

static void test_unknown_code(void **state)
{
	(void)state;
	t_open_with(req_pap);
	t_feed("0e 40 00 05 99", 300); /* code 14 (Identification): Code-Reject */
	char hex[64];
	snprintf(hex, sizeof(hex), "07 %02x 00 09 0e 40 00 05 99", t_last()[1]);
	t_expect_last(hex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_our_request_golden),
		cmocka_unit_test(test_pppd_pap_acked),
		cmocka_unit_test(test_pppd_chap_methods),
		cmocka_unit_test(test_auth_mask_nak),
		cmocka_unit_test(test_pfc_acfc_unknown_rejected),
		cmocka_unit_test(test_small_mru_nakd),
		cmocka_unit_test(test_nak_of_our_mru),
		cmocka_unit_test(test_magic_reject_and_zero),
		cmocka_unit_test(test_looped_back_link),
		cmocka_unit_test(test_magic_collision_naks_new),
		cmocka_unit_test(test_echo_failure_timing),
		cmocka_unit_test(test_echo_reply_and_activity_reset),
		cmocka_unit_test(test_answer_echo_request),
		cmocka_unit_test(test_protocol_reject),
		cmocka_unit_test(test_send_proto_rej_golden),
		cmocka_unit_test(test_code_reject_of_echo_disables_keepalive),
		cmocka_unit_test(test_unknown_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
