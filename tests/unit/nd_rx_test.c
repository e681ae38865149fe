/* Router mode's receive metadata (nd_rx.c): hop limit and destination from RFC 3542 ancillary
 * data laid out as the kernel lays it out, for the captured radvd 2.19 RA of nd_codec_test.c;
 * without a whole IPV6_HOPLIMIT the RA fails the RFC 4861 §6.1.2 hop limit check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "nd/nd_codec.h"
#include "nd/nd_rx.h"
#include "test_util.h"

/* radvd 2.19 RA, ICMPv6 header onwards (as a raw ICMPv6 socket returns it), from
 * fe80::dcfe:ddff:fe7b:584a to ff02::1 (nd_codec_test.c: cap_ra). */
static const char ra_body[] =
	"8600bd55 40 48 0708 00007530 000003e8"
	"030440c0 00015180 00003840 00000000 20010db8000100020000000000000000"
	"1803 2818 00000e10 20010db8ff0000000000000000000000"
	"1905 0000 000004b0 20010db8000000000000000000000053"
	"20010db8000000000000000000005353"
	"1f05 0000 000004b0 076578616d706c65036e657400"
	"04636f7270076578616d706c6503636f6d00 00"
	"0501 0000 000005d4"
	"0101 defedd7b584a";
static const uint8_t src[16] = { 0xfe, 0x80, [8] = 0xdc, 0xfe, 0xdd, 0xff, 0xfe, 0x7b, 0x58, 0x4a };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

union ctrl {
	struct cmsghdr align;
	uint8_t b[128];
};

static void put(union ctrl *c, size_t *off, int level, int type, const void *p, size_t n)
{
	struct cmsghdr h = { .cmsg_len = CMSG_LEN(n), .cmsg_level = level, .cmsg_type = type };
	assert_true(*off + CMSG_SPACE(n) <= sizeof(c->b));
	memset(c->b + *off, 0, CMSG_SPACE(n));
	memcpy(c->b + *off, &h, sizeof(h));
	memcpy(c->b + *off + CMSG_LEN(0), p, n);
	*off += CMSG_SPACE(n);
}

/* The control buffer the kernel gives with IPV6_RECVHOPLIMIT and IPV6_RECVPKTINFO on. */
static size_t kernel_ctrl(union ctrl *c, int hop_limit)
{
	size_t off = 0;
	struct in6_pktinfo pi = { .ipi6_ifindex = 7 };
	memcpy(&pi.ipi6_addr, all_nodes, 16);
	put(c, &off, IPPROTO_IPV6, IPV6_HOPLIMIT, &hop_limit, sizeof(hop_limit));
	put(c, &off, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	return off;
}

static void test_radvd_ra(void **st)
{
	(void)st;
	uint8_t body[256];
	int n = test_hex(ra_body, body, sizeof(body));
	assert_true(n > 0);
	union ctrl c;
	size_t len = kernel_ctrl(&c, 255);
	struct nd_ip6_hdr ip;
	static struct nd_ra_msg ra;
	nd_rx_meta(c.b, len, src, (size_t)n, &ip);
	assert_int_equal(ip.hop_limit, 255);
	assert_memory_equal(ip.dst, all_nodes, 16);
	assert_memory_equal(ip.src, src, 16);
	assert_int_equal(ip.payload_len, n);
	assert_int_equal(nd_parse_ra(body, (size_t)n, &ip, &ra), ND_E_OK);
	assert_int_equal(ra.router_lifetime_s, 1800);
	/* Forwarded by a router (hop limit 64): refused. */
	len = kernel_ctrl(&c, 64);
	nd_rx_meta(c.b, len, src, (size_t)n, &ip);
	assert_int_not_equal(nd_parse_ra(body, (size_t)n, &ip, &ra), ND_E_OK);
	/* The control buffer cut anywhere before the whole hop limit: none, so refused too. */
	len = kernel_ctrl(&c, 255);
	for (size_t cut = 0; cut < CMSG_LEN(sizeof(int)); cut++) {
		nd_rx_meta(c.b, cut, src, (size_t)n, &ip);
		assert_int_equal(ip.hop_limit, 0);
		assert_int_not_equal(nd_parse_ra(body, (size_t)n, &ip, &ra), ND_E_OK);
	}
	/* A hop limit out of range is none. */
	len = kernel_ctrl(&c, 256);
	nd_rx_meta(c.b, len, src, (size_t)n, &ip);
	assert_int_equal(ip.hop_limit, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_radvd_ra),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
