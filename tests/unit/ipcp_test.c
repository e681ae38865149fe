/* IPCP client (RFC 1332, RFC 1877): our request for 0.0.0.0 + DNS, the peer's Nak giving the
 * address and DNS servers, Reject of the DNS options, the peer's own request, option policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ppp/ipcp.h"
#include "test_util.h"

static struct {
	uint8_t last[PPP_MAX_PKT];
	size_t last_len;
	unsigned n_sent, n_up, n_down, n_fin;
	struct ipcp_result res;
	char why[96];
} T;

static struct ipcp IP;

static void t_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	(void)ctx;
	assert_int_equal(proto, PPP_PROTO_IPCP);
	memcpy(T.last, buf, len);
	T.last_len = len;
	T.n_sent++;
}

static void t_up(void *ctx, const struct ipcp_result *r, uint64_t now)
{
	(void)ctx;
	(void)now;
	T.res = *r;
	T.n_up++;
}
static void t_down(void *ctx, uint64_t now) { (void)ctx; (void)now; T.n_down++; }
static void t_fin(void *ctx, const char *why, uint64_t now)
{
	(void)ctx;
	(void)now;
	snprintf(T.why, sizeof(T.why), "%s", why);
	T.n_fin++;
}

static const struct ipcp_ops t_ops = { .up = t_up, .down = t_down, .finished = t_fin };

static void t_start(bool dns)
{
	memset(&T, 0, sizeof(T));
	ipcp_init(&IP, dns, NULL, &t_ops, NULL, t_send, NULL, "t");
	ppp_fsm_open(&IP.fsm, 0);
	ppp_fsm_up(&IP.fsm, 0);
}

static void t_feed(const char *hex)
{
	uint8_t b[PPP_MAX_PKT];
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > 0);
	ppp_fsm_on_packet(&IP.fsm, b, (size_t)n, 10);
}

/* hex with "%02x" for the Identifier of our current request */
static void t_feed_id(const char *fmt)
{
	char hex[256];
	snprintf(hex, sizeof(hex), fmt, IP.fsm.req_id);
	t_feed(hex);
}

static void t_expect(const char *hex)
{
	uint8_t b[PPP_MAX_PKT];
	int n = test_hex(hex, b, sizeof(b));
	assert_int_equal(T.last_len, n);
	assert_memory_equal(T.last, b, (size_t)n);
}

static void test_request_golden(void **state)
{
	(void)state;
	t_start(true);
	/* IP-Address 0.0.0.0, Primary DNS 0.0.0.0 (129), Secondary DNS 0.0.0.0 (131) */
	t_expect("01 01 00 16 03 06 00 00 00 00 81 06 00 00 00 00 83 06 00 00 00 00");
	t_start(false);
	t_expect("01 01 00 0a 03 06 00 00 00 00");
}

static void test_dns_nak_flow(void **state)
{
	(void)state;
	t_start(true);
	/* pppd with "ms-dns 8.8.8.8 ms-dns 8.8.4.4", remote address 10.0.0.2 (RFC 1877 §1.1) */
	t_feed_id("03 %02x 00 16 03 06 0a 00 00 02 81 06 08 08 08 08 83 06 08 08 04 04");
	t_expect("01 02 00 16 03 06 0a 00 00 02 81 06 08 08 08 08 83 06 08 08 04 04");
	/* pppd's own request: its address 10.0.0.1 */
	t_feed("01 01 00 0a 03 06 0a 00 00 01");
	t_expect("02 01 00 0a 03 06 0a 00 00 01");
	t_feed_id("02 %02x 00 16 03 06 0a 00 00 02 81 06 08 08 08 08 83 06 08 08 04 04");
	assert_int_equal(IP.fsm.state, PPP_ST_OPENED);
	assert_int_equal(T.n_up, 1);
	static const uint8_t l[4] = { 10, 0, 0, 2 }, p[4] = { 10, 0, 0, 1 };
	static const uint8_t d1[4] = { 8, 8, 8, 8 }, d2[4] = { 8, 8, 4, 4 };
	assert_memory_equal(T.res.local, l, 4);
	assert_memory_equal(T.res.peer, p, 4);
	assert_memory_equal(T.res.dns1, d1, 4);
	assert_memory_equal(T.res.dns2, d2, 4);
	ppp_fsm_down(&IP.fsm, 20);
	assert_int_equal(T.n_down, 1);
}

static void test_dns_rejected(void **state)
{
	(void)state;
	t_start(true);
	/* a peer without DNS configured rejects both DNS options: stop asking (RFC 1877) */
	t_feed_id("04 %02x 00 10 81 06 00 00 00 00 83 06 00 00 00 00");
	t_expect("01 02 00 0a 03 06 00 00 00 00");
	t_feed_id("03 %02x 00 0a 03 06 c0 a8 01 05");
	t_expect("01 03 00 0a 03 06 c0 a8 01 05");
	t_feed("01 07 00 0a 03 06 c0 a8 01 01");
	t_feed_id("02 %02x 00 0a 03 06 c0 a8 01 05");
	assert_int_equal(T.n_up, 1);
	static const uint8_t zero[4];
	assert_memory_equal(T.res.dns1, zero, 4);
	assert_memory_equal(T.res.dns2, zero, 4);
	/* a new session asks again */
	ipcp_reset(&IP);
	assert_true(IP.want_dns1 && IP.want_dns2);
}

static void test_peer_options_policy(void **state)
{
	(void)state;
	t_start(true);
	/* Van Jacobson compression (RFC 1332 §3.2) is rejected, address accepted */
	t_feed("01 03 00 10 02 06 00 2d 0f 01 03 06 0a 00 00 01");
	t_expect("04 03 00 0a 02 06 00 2d 0f 01");
	/* the peer asking for an address (0.0.0.0) or for DNS: rejected */
	t_feed("01 04 00 10 03 06 00 00 00 00 81 06 00 00 00 00");
	t_expect("04 04 00 10 03 06 00 00 00 00 81 06 00 00 00 00");
	/* old IP-Addresses option (1): rejected */
	t_feed("01 05 00 0e 01 0a 0a 00 00 01 0a 00 00 02");
	t_expect("04 05 00 0e 01 0a 0a 00 00 01 0a 00 00 02");
}

static void test_no_address_closes(void **state)
{
	(void)state;
	t_start(false);
	/* the peer Acks 0.0.0.0: we have no address and must not come up */
	t_feed("01 01 00 0a 03 06 0a 00 00 01");
	t_feed_id("02 %02x 00 0a 03 06 00 00 00 00");
	assert_int_equal(T.n_up, 0);
	assert_int_equal(IP.fsm.state, PPP_ST_CLOSING);
	assert_int_equal(T.last[0], PPP_TERM_REQ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_golden),
		cmocka_unit_test(test_dns_nak_flow),
		cmocka_unit_test(test_dns_rejected),
		cmocka_unit_test(test_peer_options_policy),
		cmocka_unit_test(test_no_address_closes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
