/* RFC 8415 §20.4 Reconfigure Key Authentication: HMAC-MD5 over a Reconfigure with its digest field
 * zeroed, checked against digests computed independently with Python's hmac module (CPython
 * 3.11 + OpenSSL: hmac.new(key, msg_with_zero_digest, hashlib.md5)), a wrong HMAC, a wrong key, a
 * changed octet, and Authentication options that are not RKAP HMAC-MD5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dhcp6/dhcp6_auth.h"
#include "test_util.h"

static const uint8_t key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

/* Reconfigure for Renew (replay 2), Information-request (replay 3), Rebind (replay 4), each with
 * the digest Python computed. */
static const char *const reconf[] = {
	"0a000000 0001000a0003000102aabbccdd02 0002000e0001000129b9270002aabbccdd01 0013000105"
	"000b001c 030100 0000000000000002 02 43d52014190bc763f358be12482658ad",
	"0a000000 0001000a0003000102aabbccdd02 0002000e0001000129b9270002aabbccdd01 001300010b"
	"000b001c 030100 0000000000000003 02 269a9dae75aeba379d8ae68f3f743641",
	"0a000000 0001000a0003000102aabbccdd02 0002000e0001000129b9270002aabbccdd01 0013000106"
	"000b001c 030100 0000000000000004 02 20f95fcae10dc6f1179764680df95f3b",
};

static uint8_t buf[512], copy[512];

static size_t load(const char *h)
{
	int n = test_hex(h, buf, sizeof(buf));
	assert_true(n > 0);
	return (size_t)n;
}

static void test_python_vectors(void **state)
{
	(void)state;
	for (size_t v = 0; v < 3; v++) {
		size_t n = load(reconf[v]);
		uint8_t d[16];
		assert_true(dhcp6_rkap_verify(buf, n, key));
		/* The digest over the message with the field zeroed is the one in it. */
		assert_true(dhcp6_rkap_hmac(buf, n, n - 16, key, d));
		assert_memory_equal(d, buf + n - 16, 16);
		/* sign() writes the same digest over whatever the field held. */
		memcpy(copy, buf, n);
		memset(copy + n - 16, 0xa5, 16);
		assert_false(dhcp6_rkap_verify(copy, n, key));
		assert_true(dhcp6_rkap_sign(copy, n, key));
		assert_memory_equal(copy, buf, n);
	}
}

static void test_rejects(void **state)
{
	(void)state;
	size_t n = load(reconf[0]);
	uint8_t k2[16];
	/* A wrong key: Python gives fadfeb43... under ff..ff, not the digest in the message. */
	memset(k2, 0xff, sizeof(k2));
	assert_false(dhcp6_rkap_verify(buf, n, k2));
	memcpy(k2, key, 16);
	k2[15] ^= 1;
	assert_false(dhcp6_rkap_verify(buf, n, k2));
	/* Any changed octet, the digest's own included, breaks it. */
	for (size_t i = 0; i < n; i++) {
		memcpy(copy, buf, n);
		copy[i] ^= 0x01;
		if (dhcp6_rkap_verify(copy, n, key))
			fail_msg("octet %zu changed and still verified", i);
	}
	/* A forged digest of the right shape. */
	memcpy(copy, buf, n);
	memset(copy + n - 16, 0, 16);
	assert_false(dhcp6_rkap_verify(copy, n, key));
	/* Not RKAP HMAC-MD5: another protocol, algorithm, RDM or information type (each XOR 3),
	 * or 18 octets of information. */
	static const size_t field[] = { 4, 5, 6, 15 };
	for (size_t f = 0; f < 4; f++) {
		memcpy(copy, buf, n);
		copy[n - 28 + field[f] - 4] ^= 0x03;
		assert_true(dhcp6_rkap_sign(buf, n, key)); /* the original still signs */
		assert_false(dhcp6_rkap_sign(copy, n, key));
		assert_false(dhcp6_rkap_verify(copy, n, key));
	}
	n = load("0a000000 0001000a0003000102aabbccdd02 000b001d 030100 0000000000000002 02"
		 "43d52014190bc763f358be12482658ad 00");
	assert_false(dhcp6_rkap_verify(buf, n, key));
	/* No Authentication option, or a truncated message. */
	n = load("0a000000 0001000a0003000102aabbccdd02 0013000105");
	assert_false(dhcp6_rkap_verify(buf, n, key));
	assert_false(dhcp6_rkap_sign(buf, n, key));
	n = load(reconf[0]);
	for (size_t cut = 0; cut < n; cut++)
		assert_false(dhcp6_rkap_verify(buf, cut, key));
	/* The digest must lie inside the buffer. */
	uint8_t d[16];
	assert_false(dhcp6_rkap_hmac(buf, 20, 5, key, d));
	assert_false(dhcp6_rkap_hmac(buf, 20, 21, key, d));
	assert_true(dhcp6_rkap_hmac(buf, 20, 4, key, d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_vectors),
		cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
