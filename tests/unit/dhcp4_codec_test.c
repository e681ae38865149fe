/* DHCPv4 codec: a real dnsmasq 2.90 DHCPOFFER frame (every field, truncation at every length,
 * checksums), the probe's DHCPDISCOVER against golden bytes that dnsmasq answered, the
 * Ethernet/IPv4/UDP wrapping, option policies (RFC 2132 lengths, duplicates, RFC 3396 joins,
 * overload) and build/parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dhcp4/dhcp4_codec.h"
#include "test_util.h"

/* Captured with dumpcap on the client side of a veth pair (netns d4-b): dnsmasq 2.90
 * `--dhcp-range=192.0.2.100,192.0.2.200,12h --dhcp-option=3,192.0.2.1
 * --dhcp-option=6,192.0.2.53` on 192.0.2.1/24 (mac 02:aa:bb:cc:dd:01) answering the DISCOVER
 * below (xid 0x12345678, chaddr 02:aa:bb:cc:dd:02, broadcast flag). Options: 53 OFFER, 54
 * 192.0.2.1, 51 43200, 58 21600, 59 37800, 1 255.255.255.0, 28 192.0.2.255, 6 192.0.2.53,
 * 3 192.0.2.1, End, then 8 pad bytes (UDP length 308). Between the chaddr and the cookie the
 * frame holds 202 zero bytes (chaddr padding, sname, file): VEC_ZEROS below. The UDP checksum
 * field holds 0xc346, the bare pseudo-header sum: veth checksum offload (CHECKSUM_PARTIAL) as
 * seen by AF_PACKET. The true checksum, computed by an independent Python script, is 0x16b8;
 * offer_frame() patches it in, raw_offer_frame() keeps the capture as is. */
static const char offer_head[] =
	"ffffffffffff 02aabbccdd01 0800"
	"45c0 0148 96dd 0000 4011 2007 c0000201 ffffffff"
	"0043 0044 0134 c346"
	"02 01 06 00 12345678 0000 8000 00000000 c0000299 c0000201 00000000 02aabbccdd02";
static const char offer_tail[] =
	"63825363 350102 3604c0000201 330400 00a8c0 3a0400005460 3b04000093a8 0104ffffff00"
	"1c04c00002ff 0604c0000235 0304c0000201 ff 0000000000000000";
#define VEC_ZEROS 202
#define OFFER_LEN 342
#define OFFER_OPTS (14 + 20 + 8 + 240) /* first option byte in the frame */
#define OFFER_END (OFFER_OPTS + 51)     /* End option in the frame */

/* The DISCOVER sent to dnsmasq above (built by an independent Python script), padded with zeros
 * to 300 bytes as dhcp4_build does. */
static const char disc_head[] =
	"01 01 06 00 12345678 0000 8000 00000000 00000000 00000000 00000000 02aabbccdd02";
static const char disc_tail[] = "63825363 350101 3d070102aabbccdd02 3704 0103060f ff";
/* Its Ethernet + IPv4 + UDP headers after padding to 300 bytes, from the same script. */
static const char disc_frame_hdr[] =
	"ffffffffffff 02aabbccdd02 0800 4500 0148 0000 0000 4011 79a6 00000000 ffffffff"
	"0044 0043 0134 a522";
static const uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02 };

static size_t vec(const char *head, size_t zeros, const char *tail, uint8_t *out, size_t cap)
{
	int a = test_hex(head, out, cap);
	assert_true(a > 0 && (size_t)a + zeros < cap);
	memset(out + a, 0, zeros);
	int b = test_hex(tail, out + a + zeros, cap - (size_t)a - zeros);
	assert_true(b > 0);
	return (size_t)a + zeros + (size_t)b;
}

static size_t raw_offer_frame(uint8_t *out)
{
	size_t n = vec(offer_head, VEC_ZEROS, offer_tail, out, 2048);
	assert_int_equal(n, OFFER_LEN);
	return n;
}

static size_t offer_frame(uint8_t *out)
{
	size_t n = raw_offer_frame(out);
	out[40] = 0x16, out[41] = 0xb8;
	return n;
}

static const uint8_t *ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	static uint8_t r[8][4];
	static unsigned i;
	uint8_t *p = r[i++ % 8];
	p[0] = a, p[1] = b, p[2] = c, p[3] = d;
	return p;
}

/* Independent RFC 1071 checksum for the tests that rewrite headers. */
static uint16_t t_csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void fix_ip_csum(uint8_t *f)
{
	f[24] = f[25] = 0;
	uint16_t c = t_csum(f + 14, 20, 0);
	f[24] = (uint8_t)(c >> 8), f[25] = (uint8_t)c;
}

static void test_offer_frame(void **state)
{
	(void)state;
	uint8_t f[2048];
	size_t n = offer_frame(f);
	struct dhcp4_frame fr;
	assert_int_equal(dhcp4_parse_frame(f, n, false, &fr), DHCP4_E_OK);
	/* The capture as received: only the kernel's TP_STATUS_CSUMNOTREADY makes it acceptable. */
	uint8_t raw[2048];
	raw_offer_frame(raw);
	assert_int_equal(dhcp4_parse_frame(raw, n, false, &fr), DHCP4_E_CSUM);
	assert_int_equal(dhcp4_parse_frame(raw, n, true, &fr), DHCP4_E_OK);
	assert_memory_equal(fr.src_mac, "\x02\xaa\xbb\xcc\xdd\x01", 6);
	assert_memory_equal(fr.dst_mac, "\xff\xff\xff\xff\xff\xff", 6);
	assert_memory_equal(fr.src_ip, ip4(192, 0, 2, 1), 4);
	assert_memory_equal(fr.dst_ip, ip4(255, 255, 255, 255), 4);
	assert_int_equal(fr.payload_off, 42);
	assert_int_equal(fr.payload_len, 300);
}

static void test_offer_fields(void **state)
{
	(void)state;
	uint8_t f[2048];
	size_t n = offer_frame(f);
	struct dhcp4_msg m;
	assert_int_equal(dhcp4_parse(f + 42, n - 42, &m), DHCP4_E_OK);
	assert_int_equal(m.op, DHCP4_BOOTREPLY);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.hops, 0);
	assert_int_equal(m.xid, 0x12345678);
	assert_int_equal(m.secs, 0);
	assert_int_equal(m.flags, DHCP4_FLAG_BROADCAST);
	assert_memory_equal(m.ciaddr, ip4(0, 0, 0, 0), 4);
	assert_memory_equal(m.yiaddr, ip4(192, 0, 2, 153), 4);
	assert_memory_equal(m.siaddr, ip4(192, 0, 2, 1), 4);
	assert_memory_equal(m.giaddr, ip4(0, 0, 0, 0), 4);
	assert_memory_equal(m.chaddr, mac, 6);
	assert_memory_equal(m.chaddr + 6, "\0\0\0\0\0\0\0\0\0\0", 10);
	assert_int_equal(m.msg_type, DHCP4_OFFER);
	assert_string_equal(dhcp4_msg_name(m.msg_type), "DHCPOFFER");
	assert_true(m.has_server_id);
	assert_memory_equal(m.server_id, ip4(192, 0, 2, 1), 4);
	assert_true(m.has_lease_time);
	assert_int_equal(m.lease_time_s, 43200);
	assert_true(m.has_subnet_mask);
	assert_memory_equal(m.subnet_mask, ip4(255, 255, 255, 0), 4);
	assert_int_equal(m.n_routers, 1);
	assert_memory_equal(m.routers[0], ip4(192, 0, 2, 1), 4);
	assert_int_equal(m.n_dns, 1);
	assert_memory_equal(m.dns[0], ip4(192, 0, 2, 53), 4);
	assert_false(m.has_requested_ip);
	assert_string_equal(m.domain, "");
	assert_int_equal(m.client_id_len, 0);
	assert_int_equal(m.n_prl, 0);
	assert_int_equal(m.n_skipped, 0);
}

/* Every cut of the DHCP payload before the End option fails cleanly; from End on it parses. */
static void test_offer_truncated(void **state)
{
	(void)state;
	uint8_t f[2048];
	size_t n = offer_frame(f);
	struct dhcp4_msg m;
	for (size_t len = 0; len <= n - 42; len++) {
		enum dhcp4_err e = dhcp4_parse(f + 42, len, &m);
		if (len < 240)
			assert_int_equal(e, DHCP4_E_SHORT);
		else if (len <= OFFER_END - 42)
			assert_int_equal(e, DHCP4_E_OPTLEN);
		else
			assert_int_equal(e, DHCP4_E_OK);
	}
	/* The frame: any cut below the IPv4 total length is rejected. */
	struct dhcp4_frame fr;
	for (size_t len = 0; len < n; len++) {
		enum dhcp4_err e = dhcp4_parse_frame(f, len, false, &fr);
		assert_int_equal(e, len < 14 ? DHCP4_E_ETH : DHCP4_E_IP4);
	}
}

static void test_frame_errors(void **state)
{
	(void)state;
	uint8_t f[2048], g[2048];
	size_t n = offer_frame(f);
	struct dhcp4_frame fr;
	/* Ethernet padding past the IPv4 total length is ignored. */
	memcpy(g, f, n);
	memset(g + n, 0xee, 10);
	assert_int_equal(dhcp4_parse_frame(g, n + 10, false, &fr), DHCP4_E_OK);
	assert_int_equal(fr.payload_len, 300);
	/* A flipped payload bit breaks the UDP checksum... */
	memcpy(g, f, n);
	g[42 + 16] ^= 1;
	assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_CSUM);
	/* ...unless the sender sent no checksum (RFC 768). */
	g[40] = g[41] = 0;
	assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_OK);
	/* IPv4 header checksum. */
	memcpy(g, f, n);
	g[22] = 63; /* TTL */
	assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_IP4);
	fix_ip_csum(g);
	assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_OK);
	/* Fragments, other protocols, version and IHL. */
	static const struct { size_t off; uint8_t val; } bad[] = {
		{ 20, 0x20 }, { 21, 0x01 }, { 23, 6 }, { 14, 0x65 }, { 14, 0x44 }, { 16, 0x02 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(g, f, n);
		g[bad[i].off] = bad[i].val;
		fix_ip_csum(g);
		assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_IP4);
	}
	/* Ethertype (VLAN tag not handled here). */
	memcpy(g, f, n);
	g[12] = 0x81;
	assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_ETH);
	/* Ports: a client's DISCOVER (68 -> 67) is not for us. */
	memcpy(g, f, n);
	g[35] = 68, g[37] = 67;
	assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_PORT);
	/* UDP length beyond the IPv4 payload, or below the header. */
	memcpy(g, f, n);
	g[38] = 0x01, g[39] = 0x35;
	assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_CSUM);
	g[38] = 0, g[39] = 7;
	assert_int_equal(dhcp4_parse_frame(g, n, false, &fr), DHCP4_E_CSUM);
}

static void test_ip_options_skipped(void **state)
{
	(void)state;
	uint8_t f[2048], g[2048];
	size_t n = offer_frame(f);
	/* Insert a 4-byte IPv4 option (NOP x3 + EOL) and fix lengths and the header checksum. */
	memcpy(g, f, 34);
	memcpy(g + 34, "\x01\x01\x01\x00", 4);
	memcpy(g + 38, f + 34, n - 34);
	g[14] = 0x46;
	g[16] = 0x01, g[17] = 0x4c;
	fix_ip_csum(g);
	/* fix_ip_csum sums 20 bytes; redo over 24. */
	g[24] = g[25] = 0;
	uint16_t c = t_csum(g + 14, 24, 0);
	g[24] = (uint8_t)(c >> 8), g[25] = (uint8_t)c;
	struct dhcp4_frame fr;
	assert_int_equal(dhcp4_parse_frame(g, n + 4, false, &fr), DHCP4_E_OK);
	assert_int_equal(fr.payload_off, 46);
	assert_int_equal(fr.payload_len, 300);
}

static void test_discover_golden(void **state)
{
	(void)state;
	uint8_t want[512], got[512];
	size_t wn = vec(disc_head, VEC_ZEROS, disc_tail, want, sizeof(want));
	assert_int_equal(wn, 259);
	memset(want + wn, 0, 300 - wn);
	struct dhcp4_msg m;
	dhcp4_discover_init(&m, mac, 0x12345678, 0);
	int n = dhcp4_build(&m, got, sizeof(got));
	assert_int_equal(n, 300);
	assert_memory_equal(got, want, 300);
	/* Every shorter buffer fails whole. */
	for (size_t cap = 0; cap < 300; cap++)
		assert_int_equal(dhcp4_build(&m, got, cap), -1);
	/* It parses back to the same struct. */
	struct dhcp4_msg back;
	assert_int_equal(dhcp4_parse(got, 300, &back), DHCP4_E_OK);
	assert_memory_equal(&back, &m, sizeof(m));
	assert_int_equal(back.msg_type, DHCP4_DISCOVER);
	assert_int_equal(back.client_id_len, 7);
	assert_int_equal(back.n_prl, 4);
}

static void test_frame_golden(void **state)
{
	(void)state;
	uint8_t payload[512], hdr[64], out[1024];
	struct dhcp4_msg m;
	dhcp4_discover_init(&m, mac, 0x12345678, 0);
	int pn = dhcp4_build(&m, payload, sizeof(payload));
	assert_int_equal(pn, 300);
	assert_int_equal(test_hex(disc_frame_hdr, hdr, sizeof(hdr)), 42);
	int n = dhcp4_build_frame(mac, payload, (size_t)pn, out, sizeof(out));
	assert_int_equal(n, 342);
	assert_memory_equal(out, hdr, 42);
	assert_memory_equal(out + 42, payload, 300);
	uint8_t scratch[1024];
	for (size_t cap = 0; cap < 342; cap++)
		assert_int_equal(dhcp4_build_frame(mac, payload, (size_t)pn, scratch, cap), -1);
	/* Our own frame fails the client-side parser only on the ports; swapping them (and fixing
	 * the UDP checksum, whose sum is port-order independent) makes it parse. */
	struct dhcp4_frame fr;
	assert_int_equal(dhcp4_parse_frame(out, 342, false, &fr), DHCP4_E_PORT);
	out[35] = 67, out[37] = 68;
	assert_int_equal(dhcp4_parse_frame(out, 342, false, &fr), DHCP4_E_OK);
	assert_int_equal(fr.payload_len, 300);
	assert_memory_equal(out + fr.payload_off, payload, 300);
}

/* Builds a message from the cookie on: the fixed header of the OFFER, then opts (hex). */
static enum dhcp4_err parse_opts(const char *opts, struct dhcp4_msg *m)
{
	uint8_t f[2048], buf[1024];
	offer_frame(f);
	memcpy(buf, f + 42, 236);
	int n = test_hex(opts, buf + 236, sizeof(buf) - 236);
	assert_true(n >= 0);
	return dhcp4_parse(buf, 236 + (size_t)n, m);
}

static void test_option_policy(void **state)
{
	(void)state;
	struct dhcp4_msg m;
	assert_int_equal(parse_opts("63825363 ff", &m), DHCP4_E_OK);
	assert_int_equal(m.msg_type, 0); /* BOOTP-style reply: no type */
	assert_int_equal(parse_opts("63825364 ff", &m), DHCP4_E_MAGIC);
	assert_int_equal(parse_opts("63825363", &m), DHCP4_E_OPTLEN);       /* no End */
	assert_int_equal(parse_opts("63825363 00 00 00", &m), DHCP4_E_OPTLEN);
	assert_int_equal(parse_opts("63825363 0304c00002", &m), DHCP4_E_OPTLEN);
	assert_int_equal(parse_opts("63825363 03", &m), DHCP4_E_OPTLEN);
	assert_int_equal(parse_opts("63825363 350102 350102 ff", &m), DHCP4_E_DUP);
	assert_int_equal(parse_opts("63825363 35020202 ff", &m), DHCP4_E_BADOPT);
	assert_int_equal(parse_opts("63825363 350100 ff", &m), DHCP4_E_BADOPT);
	assert_int_equal(parse_opts("63825363 3603c00002 ff", &m), DHCP4_E_BADOPT);
	assert_int_equal(parse_opts("63825363 3604c0000201 3604c0000202 ff", &m), DHCP4_E_DUP);
	assert_int_equal(parse_opts("63825363 3303000001 ff", &m), DHCP4_E_BADOPT);
	assert_int_equal(parse_opts("63825363 330400000001 330400000001 ff", &m), DHCP4_E_DUP);
	assert_int_equal(parse_opts("63825363 3205c000020100 ff", &m), DHCP4_E_BADOPT);
	assert_int_equal(parse_opts("63825363 340103 ff", &m), DHCP4_E_OVERLOAD);
	/* Information options: malformed ones are skipped and counted. */
	assert_int_equal(parse_opts("63825363 350102 0305c000020101 0600 0103ffffff ff", &m),
		DHCP4_E_OK);
	assert_int_equal(m.msg_type, DHCP4_OFFER);
	assert_int_equal(m.n_routers, 0);
	assert_int_equal(m.n_dns, 0);
	assert_false(m.has_subnet_mask);
	assert_int_equal(m.n_skipped, 3);
	/* RFC 3396: split lists are joined; over the cap is counted. */
	assert_int_equal(parse_opts("63825363 0304c0000201 0308c0000202c0000203"
		"0618 01010101 02020202 03030303 04040404 05050505 06060606 ff", &m), DHCP4_E_OK);
	assert_int_equal(m.n_routers, 3);
	assert_memory_equal(m.routers[2], ip4(192, 0, 2, 3), 4);
	assert_int_equal(m.n_dns, 4);
	assert_memory_equal(m.dns[3], ip4(4, 4, 4, 4), 4);
	assert_int_equal(m.n_skipped, 1);
	/* Domain: trailing NUL dropped; instances joined; a space makes it skipped. */
	assert_int_equal(parse_opts("63825363 0f086578616d706c6500 0f042e6f7267 ff", &m), DHCP4_E_OK);
	assert_string_equal(m.domain, "example.org");
	assert_int_equal(parse_opts("63825363 0f0361206200 ff", &m), DHCP4_E_OK);
	assert_string_equal(m.domain, "");
	assert_int_equal(m.n_skipped, 1);
	/* Unknown options are skipped silently; options after End are not read. */
	assert_int_equal(parse_opts("63825363 fe03010203 ff 350102", &m), DHCP4_E_OK);
	assert_int_equal(m.msg_type, 0);
	assert_int_equal(m.n_skipped, 0);
	/* Header checks. */
	uint8_t f[2048];
	offer_frame(f);
	f[42] = 3;
	assert_int_equal(dhcp4_parse(f + 42, 300, &m), DHCP4_E_HDR);
	f[42] = 2, f[44] = 17;
	assert_int_equal(dhcp4_parse(f + 42, 300, &m), DHCP4_E_HDR);
}

static void test_roundtrip_full(void **state)
{
	(void)state;
	struct dhcp4_msg m, back;
	memset(&m, 0, sizeof(m));
	m.op = DHCP4_BOOTREPLY, m.htype = 1, m.hlen = 6, m.hops = 2;
	m.xid = 0xdeadbeef, m.secs = 7, m.flags = DHCP4_FLAG_BROADCAST;
	memcpy(m.ciaddr, ip4(10, 0, 0, 1), 4);
	memcpy(m.yiaddr, ip4(10, 0, 0, 2), 4);
	memcpy(m.siaddr, ip4(10, 0, 0, 3), 4);
	memcpy(m.giaddr, ip4(10, 0, 0, 4), 4);
	memcpy(m.chaddr, mac, 6);
	m.msg_type = DHCP4_ACK;
	m.has_server_id = m.has_requested_ip = m.has_lease_time = m.has_subnet_mask = true;
	memcpy(m.server_id, ip4(10, 0, 0, 5), 4);
	memcpy(m.requested_ip, ip4(10, 0, 0, 6), 4);
	memcpy(m.subnet_mask, ip4(255, 255, 0, 0), 4);
	m.lease_time_s = 0xffffffffu;
	m.n_routers = DHCP4_MAX_ROUTERS;
	m.n_dns = 2;
	for (int i = 0; i < DHCP4_MAX_ROUTERS; i++)
		memcpy(m.routers[i], ip4(10, 1, 0, (uint8_t)i), 4);
	memcpy(m.dns[1], ip4(9, 9, 9, 9), 4);
	strcpy(m.domain, "lan.example");
	m.client_id_len = 3;
	memcpy(m.client_id, "\xff\x01\x02", 3);
	m.n_prl = 2, m.prl[0] = 1, m.prl[1] = 121;
	uint8_t buf[1024];
	int n = dhcp4_build(&m, buf, sizeof(buf));
	assert_int_equal(n, 318); /* 240 + 77 bytes of options + End: no padding needed */
	assert_int_equal(buf[317], DHCP4_OPT_END);
	assert_int_equal(dhcp4_parse(buf, (size_t)n, &back), DHCP4_E_OK);
	assert_memory_equal(&back, &m, sizeof(m));
	/* A long domain needs a longer message too. */
	memset(m.domain, 'a', DHCP4_DOMAIN_MAX);
	m.domain[DHCP4_DOMAIN_MAX] = '\0';
	n = dhcp4_build(&m, buf, sizeof(buf));
	assert_int_equal(n, 318 - 11 + DHCP4_DOMAIN_MAX);
	assert_int_equal(buf[n - 1], DHCP4_OPT_END);
	assert_int_equal(dhcp4_parse(buf, (size_t)n, &back), DHCP4_E_OK);
	assert_memory_equal(&back, &m, sizeof(m));
	/* Counts over the caps are refused. */
	m.n_dns = DHCP4_MAX_DNS + 1;
	assert_int_equal(dhcp4_build(&m, buf, sizeof(buf)), -1);
}

static void test_names(void **state)
{
	(void)state;
	for (int e = DHCP4_E_OK; e <= DHCP4_E_CSUM; e++) {
		const char *s = dhcp4_err_str((enum dhcp4_err)e);
		assert_string_not_equal(s, "?");
		for (int k = DHCP4_E_OK; k < e; k++)
			assert_string_not_equal(s, dhcp4_err_str((enum dhcp4_err)k));
	}
	assert_string_equal(dhcp4_msg_name(DHCP4_DISCOVER), "DHCPDISCOVER");
	assert_string_equal(dhcp4_msg_name(DHCP4_INFORM), "DHCPINFORM");
	assert_string_equal(dhcp4_msg_name(0), "?");
	assert_string_equal(dhcp4_msg_name(9), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_frame),
		cmocka_unit_test(test_offer_fields),
		cmocka_unit_test(test_offer_truncated),
		cmocka_unit_test(test_frame_errors),
		cmocka_unit_test(test_ip_options_skipped),
		cmocka_unit_test(test_discover_golden),
		cmocka_unit_test(test_frame_golden),
		cmocka_unit_test(test_option_policy),
		cmocka_unit_test(test_roundtrip_full),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
