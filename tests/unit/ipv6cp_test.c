/* IPv6CP (RFC 5072): Interface-Identifier negotiation, collisions and zero identifiers
 * (§4.1), Nak of ours, Reject of IPv6-Compression-Protocol (§4.2), result reporting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ppp/ipv6cp.h"
#include "test_util.h"

static struct {
	uint8_t last[PPP_MAX_PKT];
	size_t last_len;
	unsigned n_up, n_down;
	struct ipv6cp_result res;
} T;

static struct ipv6cp V;
static struct v6l_rng R;

static void t_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	(void)ctx;
	assert_int_equal(proto, PPP_PROTO_IPV6CP);
	memcpy(T.last, buf, len);
	T.last_len = len;
}

static void t_up(void *ctx, const struct ipv6cp_result *r, uint64_t now)
{
	(void)ctx;
	(void)now;
	T.res = *r;
	T.n_up++;
}
static void t_down(void *ctx, uint64_t now) { (void)ctx; (void)now; T.n_down++; }

static const struct ipv6cp_ops t_ops = { .up = t_up, .down = t_down };

static const uint8_t ours[8] = { 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 };

static void t_start(const uint8_t *iid)
{
	memset(&T, 0, sizeof(T));
	rng_init_seed(&R, 7);
	ipv6cp_init(&V, iid, NULL, &t_ops, NULL, t_send, NULL, &R, "t");
	ppp_fsm_open(&V.fsm, 0);
	ppp_fsm_up(&V.fsm, 0);
}

static void t_feed(const char *fmt)
{
	char hex[256];
	uint8_t b[PPP_MAX_PKT];
	snprintf(hex, sizeof(hex), fmt, V.fsm.req_id);
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > 0);
	ppp_fsm_on_packet(&V.fsm, b, (size_t)n, 10);
}

static void t_expect(const char *hex)
{
	uint8_t b[PPP_MAX_PKT];
	int n = test_hex(hex, b, sizeof(b));
	assert_int_equal(T.last_len, n);
	assert_memory_equal(T.last, b, (size_t)n);
}

static void test_request_golden_and_up(void **state)
{
	(void)state;
	t_start(ours);
	t_expect("01 01 00 0e 01 0a 02 11 22 ff fe 33 44 55");
	/* pppd's request with its identifier */
	t_feed("01 01 00 0e 01 0a 1c 2a 3b ff fe 4c 5d 6e");
	t_expect("02 01 00 0e 01 0a 1c 2a 3b ff fe 4c 5d 6e");
	t_feed("02 %02x 00 0e 01 0a 02 11 22 ff fe 33 44 55");
	assert_int_equal(T.n_up, 1);
	static const uint8_t peer[8] = { 0x1c, 0x2a, 0x3b, 0xff, 0xfe, 0x4c, 0x5d, 0x6e };
	assert_memory_equal(T.res.our_iid, ours, 8);
	assert_memory_equal(T.res.peer_iid, peer, 8);
}

static void test_random_iid(void **state)
{
	(void)state;
	t_start(NULL);
	static const uint8_t zero[8];
	assert_memory_not_equal(V.res.our_iid, zero, 8);
	assert_int_equal(V.res.our_iid[0] & 0x02, 0); /* not a universal (u=1) identifier */
	assert_int_equal(T.last[4], IPV6CP_OPT_IFID);
	assert_memory_equal(T.last + 6, V.res.our_iid, 8);
}

static void test_collision_naks_different(void **state)
{
	(void)state;
	t_start(ours);
	/* RFC 5072 §4.1: the peer uses our identifier: Nak with a different nonzero one */
	t_feed("01 05 00 0e 01 0a 02 11 22 ff fe 33 44 55");
	assert_int_equal(T.last[0], PPP_CONF_NAK);
	assert_int_equal(T.last_len, 14);
	static const uint8_t zero[8];
	assert_memory_not_equal(T.last + 6, ours, 8);
	assert_memory_not_equal(T.last + 6, zero, 8);
	/* zero identifier from the peer: Nak with a nonzero suggestion */
	t_feed("01 06 00 0e 01 0a 00 00 00 00 00 00 00 00");
	assert_int_equal(T.last[0], PPP_CONF_NAK);
	assert_memory_not_equal(T.last + 6, zero, 8);
	assert_memory_not_equal(T.last + 6, ours, 8);
}

static void test_nak_of_ours(void **state)
{
	(void)state;
	t_start(ours);
	/* the peer suggests an identifier: we take it */
	t_feed("03 %02x 00 0e 01 0a 00 00 00 00 00 00 00 99");
	t_expect("01 02 00 0e 01 0a 00 00 00 00 00 00 00 99");
	/* the peer suggests its own identifier: not acceptable, choose a random one */
	t_feed("01 07 00 0e 01 0a 1c 2a 3b ff fe 4c 5d 6e");
	t_feed("03 %02x 00 0e 01 0a 1c 2a 3b ff fe 4c 5d 6e");
	static const uint8_t peer[8] = { 0x1c, 0x2a, 0x3b, 0xff, 0xfe, 0x4c, 0x5d, 0x6e };
	static const uint8_t zero[8];
	assert_int_equal(T.last[0], PPP_CONF_REQ);
	assert_memory_not_equal(T.last + 6, peer, 8);
	assert_memory_not_equal(T.last + 6, zero, 8);
	assert_memory_equal(T.last + 6, V.res.our_iid, 8);
}

static void test_compression_rejected(void **state)
{
	(void)state;
	t_start(ours);
	/* IPv6-Compression-Protocol 0x004f (IPHC) and an unknown option: Rejected */
	t_feed("01 08 00 14 02 04 00 4f 01 0a 1c 2a 3b ff fe 4c 5d 6e 09 02");
	t_expect("04 08 00 0a 02 04 00 4f 09 02");
	/* wrong Interface-Identifier length: Rejected */
	t_feed("01 09 00 0a 01 06 01 02 03 04");
	t_expect("04 09 00 0a 01 06 01 02 03 04");
}

static void test_rejected_iid(void **state)
{
	(void)state;
	t_start(ours);
	t_feed("04 %02x 00 0e 01 0a 02 11 22 ff fe 33 44 55");
	t_expect("01 02 00 04");
	t_feed("01 03 00 04");
	t_feed("02 %02x 00 04");
	assert_int_equal(T.n_up, 1);
	assert_memory_equal(T.res.our_iid, ours, 8); /* still used for our link-local */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_golden_and_up),
		cmocka_unit_test(test_random_iid),
		cmocka_unit_test(test_collision_naks_different),
		cmocka_unit_test(test_nak_of_ours),
		cmocka_unit_test(test_compression_rejected),
		cmocka_unit_test(test_rejected_iid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
