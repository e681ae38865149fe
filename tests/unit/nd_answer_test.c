/* NS answering for one address (nd_answer.c, NAT46's dedicated address in router mode): the
 * answer to a real Linux NS equals the NA Linux sent for it, byte for byte; DAD probes, other
 * targets, multicast sources and every truncation get none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "nd/nd_answer.h"
#include "nd/nd_codec.h"
#include "test_util.h"

/* Captured on a veth pair (nd_codec_test.c): Linux address resolution, NS with SLLA, and the NA
 * Linux answered it with (S, O, TLLA de:31:c3:ac:95:1a). */
static const char cap_ns_ar[] =
	"6000000000203aff 20010db8000100020000000000000001 ff0200000000000000000001ffac951a"
	"87003fa1 00000000 20010db800010002dc31c3fffeac951a 0101defedd7b584a";
static const char cap_na[] =
	"6000000000203aff 20010db800010002dc31c3fffeac951a 20010db8000100020000000000000001"
	"8800ed82 60000000 20010db800010002dc31c3fffeac951a 0201de31c3ac951a";
/* Linux DAD probe for the same address: NS from :: with an RFC 7527 nonce. */
static const char cap_ns_dad[] =
	"6000000000203aff 00000000000000000000000000000000 ff0200000000000000000001ffac951a"
	"870087bd 00000000 20010db800010002dc31c3fffeac951a 0e01fd03904f6012";

static const uint8_t own[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02,
				 0xdc, 0x31, 0xc3, 0xff, 0xfe, 0xac, 0x95, 0x1a };
static const uint8_t mac[6] = { 0xde, 0x31, 0xc3, 0xac, 0x95, 0x1a };

static size_t hex(const char *h, uint8_t *out, size_t cap)
{
	int n = test_hex(h, out, cap);
	assert_true(n >= 0);
	return (size_t)n;
}

static void test_answer_equals_linux(void **st)
{
	(void)st;
	uint8_t ns[128], want[128], out[128];
	size_t n = hex(cap_ns_ar, ns, sizeof(ns)), w = hex(cap_na, want, sizeof(want));
	assert_int_equal(nd_answer_ns(own, mac, ns, n, out, sizeof(out)), (int)w);
	assert_memory_equal(out, want, w);
	/* Too little room: no answer. */
	for (size_t cap = 0; cap < w; cap++)
		assert_int_equal(nd_answer_ns(own, mac, ns, n, out, cap), -1);
	/* Every truncation of the NS: no answer. */
	for (size_t len = 0; len < n; len++)
		assert_int_equal(nd_answer_ns(own, mac, ns, len, out, sizeof(out)), -1);
}

static void test_not_answered(void **st)
{
	(void)st;
	uint8_t pkt[128], out[128], other[16];
	size_t n = hex(cap_ns_dad, pkt, sizeof(pkt));
	/* Another node's DAD probe for the same address (RFC 4862 §5.4.3). */
	assert_int_equal(nd_answer_ns(own, mac, pkt, n, out, sizeof(out)), -1);
	/* An NS for another address, an NA. */
	n = hex(cap_ns_ar, pkt, sizeof(pkt));
	memcpy(other, own, 16);
	other[15] ^= 1;
	assert_int_equal(nd_answer_ns(other, mac, pkt, n, out, sizeof(out)), -1);
	n = hex(cap_na, pkt, sizeof(pkt));
	assert_int_equal(nd_answer_ns(own, mac, pkt, n, out, sizeof(out)), -1);
	/* The same NS from a multicast source (checksum right): RFC 4291 §2.7, §7.1.2 of 4861. */
	uint8_t ns[64], src[16] = { 0xff, 0x02, [15] = 1 }, dst[16];
	int l = nd_build_ns(own, NULL, ns, sizeof(ns));
	assert_true(l > 0);
	nd_solicited_node(own, dst);
	int k = nd_build_ipv6_icmp(src, dst, ns, (size_t)l, pkt, sizeof(pkt));
	assert_true(k > 0);
	assert_int_equal(nd_answer_ns(own, mac, pkt, (size_t)k, out, sizeof(out)), -1);
	/* ... and from a unicast one it is answered (the built NS is valid). */
	src[0] = 0x20;
	k = nd_build_ipv6_icmp(src, dst, ns, (size_t)l, pkt, sizeof(pkt));
	assert_int_equal(nd_answer_ns(own, mac, pkt, (size_t)k, out, sizeof(out)), 40 + 32);
	assert_memory_equal(out + 24, src, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_equals_linux),
		cmocka_unit_test(test_not_answered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
