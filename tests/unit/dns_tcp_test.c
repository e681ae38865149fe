/* DNS-over-TCP framing (dns_tcp.c): two pipelined dig 9.18 queries as dnsmasq 2.90 captures
 * hold them (dns_codec_test.c), with their RFC 1035 §4.2.2 length prefixes, found at every cut;
 * lengths out of range refused as soon as the prefix is in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns_codec.h"
#include "dns/dns_tcp.h"
#include "dns/dns_upstream.h"
#include "test_util.h"

/* dig +noedns v6only.example AAAA, then dig +edns=0 +nocookie www.example AAAA. */
static const char q_aaaa[] = "4fe0 0120 0001 0000 0000 0000 0676366f6e6c79 076578616d706c65 00"
			     "001c 0001";
static const char q_www[] = "8930 0120 0001 0000 0000 0001 03777777 076578616d706c65 00 001c 0001"
			    "00 0029 04d0 00000000 0000";

static size_t with_prefix(const char *hex, uint8_t *out)
{
	int n = test_hex(hex, out + 2, 512);
	assert_true(n >= DNS_HDR_LEN);
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	return (size_t)n + 2;
}

/* The two queries, fed in two pieces cut at every offset: each found once, in order. */
static void test_pipelined_every_cut(void **state)
{
	(void)state;
	uint8_t stream[1024], buf[2 + DNS_UP_QUERY_MAX];
	size_t a = with_prefix(q_aaaa, stream);
	size_t b = with_prefix(q_www, stream + a);
	size_t n = a + b;
	for (size_t cut = 0; cut <= n; cut++) {
		size_t held = 0, found = 0, mlen;
		const size_t piece[2] = { cut, n - cut };
		size_t off = 0;
		for (int p = 0; p < 2; p++) {
			memcpy(buf + held, stream + off, piece[p]);
			held += piece[p];
			off += piece[p];
			enum dns_tcp_state st;
			while ((st = dns_tcp_next(buf, held, DNS_HDR_LEN, DNS_UP_QUERY_MAX, &mlen)) ==
			       DNS_TCP_MSG) {
				size_t want = found == 0 ? a - 2 : b - 2;
				assert_int_equal(mlen, want);
				assert_memory_equal(buf + 2, stream + (found == 0 ? 2 : a + 2), want);
				dns_tcp_consume(buf, &held, mlen);
				found++;
			}
			assert_int_equal(st, DNS_TCP_MORE);
		}
		assert_int_equal(found, 2);
		assert_int_equal(held, 0);
	}
}

static void test_lengths(void **state)
{
	(void)state;
	uint8_t b[4] = { 0 };
	size_t mlen = 99;
	assert_int_equal(dns_tcp_next(b, 0, DNS_HDR_LEN, DNS_UP_QUERY_MAX, &mlen), DNS_TCP_MORE);
	assert_int_equal(mlen, 0);
	b[0] = 0x04;
	assert_int_equal(dns_tcp_next(b, 1, DNS_HDR_LEN, DNS_UP_QUERY_MAX, &mlen), DNS_TCP_MORE);
	/* 1025 > DNS_UP_QUERY_MAX: refused from its two octets on, before the body. */
	b[1] = 0x01;
	assert_int_equal(dns_tcp_next(b, 2, DNS_HDR_LEN, DNS_UP_QUERY_MAX, &mlen), DNS_TCP_BAD);
	assert_int_equal(mlen, 1025);
	/* 1024 waits for its body; over an upstream connection 65535 does too. */
	b[1] = 0x00;
	assert_int_equal(dns_tcp_next(b, 4, DNS_HDR_LEN, DNS_UP_QUERY_MAX, &mlen), DNS_TCP_MORE);
	assert_int_equal(mlen, 1024);
	b[0] = b[1] = 0xff;
	assert_int_equal(dns_tcp_next(b, 4, DNS_HDR_LEN, DNS_MSG_MAX, &mlen), DNS_TCP_MORE);
	/* Shorter than a header (RFC 1035 §4.1.1), zero included. */
	b[0] = 0;
	b[1] = 11;
	assert_int_equal(dns_tcp_next(b, 4, DNS_HDR_LEN, DNS_MSG_MAX, &mlen), DNS_TCP_BAD);
	b[1] = 0;
	assert_int_equal(dns_tcp_next(b, 2, DNS_HDR_LEN, DNS_MSG_MAX, &mlen), DNS_TCP_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_every_cut),
		cmocka_unit_test(test_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
