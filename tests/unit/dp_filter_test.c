/* Data-plane filter: dp_classify_rx (RFC 2516 §4 session frames, check_traffic, VLAN, NCP state),
 * dp_check_tx, dp_build_tx_hdr golden bytes, build -> classify round trips, dp_prefix_match.
 * Frames are truncated at every length into exactly-sized heap buffers so ASan sees overreads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dp_filter.h"
#include "test_util.h"

static const uint8_t OUR_MAC[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t AC_MAC[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0xac };
static const uint8_t OTHER_MAC[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x99 };
static const uint8_t V4_LOCAL[4] = { 100, 64, 0, 2 };
static const uint8_t V4_PEER[4] = { 203, 0, 113, 10 };
#define SID 0x1234

static void addr6(const char *hex, uint8_t out[16])
{
	assert_int_equal(test_hex(hex, out, 16), 16);
}

/* A session with both NCPs up, check_traffic on, prefixes fe80::/10, 2001:db8:1:2::/64 (RA)
 * and 2001:db8:ab00::/56 (delegated). */
static struct dp_session sess(void)
{
	struct dp_session s = {
		.is_up = true, .ipv4_up = true, .ipv6_up = true, .check_traffic = true,
		.session_id = SID, .mtu = 1492, .n_prefixes = 3,
	};
	memcpy(s.ac_mac, AC_MAC, 6);
	memcpy(s.our_mac, OUR_MAC, 6);
	memcpy(s.ipv4_local, V4_LOCAL, 4);
	addr6("fe80 0000 0000 0000 0000 0000 0000 0000", s.prefixes[0].addr);
	s.prefixes[0].len = 10;
	addr6("2001 0db8 0001 0002 0000 0000 0000 0000", s.prefixes[1].addr);
	s.prefixes[1].len = 64;
	addr6("2001 0db8 ab00 0000 0000 0000 0000 0000", s.prefixes[2].addr);
	s.prefixes[2].len = 56;
	return s;
}

/* Minimal IPv4 header (RFC 791 §3.1) + 8 bytes of UDP; checksums are not the filter's business. */
static size_t ip4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4])
{
	static const uint8_t hdr[12] = { 0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0 };
	memcpy(p, hdr, 12);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	memcpy(p + 20, "\x04\xd2\x16\x2e\x00\x08\x00\x00", 8);
	return 28;
}

/* IPv6 header (RFC 8200 §3), next header 59 (none), no payload. */
static size_t ip6(uint8_t *p, const char *src, const char *dst)
{
	static const uint8_t hdr[8] = { 0x60, 0, 0, 0, 0, 0, 59, 64 };
	memcpy(p, hdr, 8);
	addr6(src, p + 8);
	addr6(dst, p + 24);
	return 40;
}

/* Ethernet + PPPoE session header (RFC 2516 §4: VER=1 TYPE=1 CODE=0) + PPP protocol + payload. */
static size_t frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t sid,
		    uint16_t proto, const uint8_t *pl, size_t n)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	const uint8_t h[10] = { 0x88, 0x64, 0x11, 0x00, (uint8_t)(sid >> 8), (uint8_t)sid,
				(uint8_t)((n + 2) >> 8), (uint8_t)(n + 2), (uint8_t)(proto >> 8),
				(uint8_t)proto };
	memcpy(f + 12, h, sizeof(h));
	memcpy(f + 22, pl, n);
	return 22 + n;
}

static struct dp_rx classify(const struct dp_session *s, const uint8_t *f, size_t n, uint16_t tci,
			     bool has_vlan)
{
	/* Exactly-sized copy: any read past n is caught by the sanitizer build. */
	uint8_t *c = malloc(n ? n : 1);
	assert_non_null(c);
	memcpy(c, f, n);
	struct dp_rx rx;
	dp_classify_rx(s, c, n, tci, has_vlan, &rx);
	free(c);
	if (rx.kind != DP_RX_DROP) {
		assert_int_equal(rx.drop, DP_DROP_NONE);
		assert_true(rx.off + rx.len <= n);
	} else {
		assert_int_not_equal(rx.drop, DP_DROP_NONE);
	}
	return rx;
}

static struct dp_rx rx_ip4_to(const struct dp_session *s, const uint8_t dst[4])
{
	uint8_t pl[64], f[128];
	size_t n = ip4(pl, V4_PEER, dst);
	return classify(s, f, frame(f, OUR_MAC, AC_MAC, SID, DP_PPP_IPV4, pl, n), 0, false);
}

static struct dp_rx rx_ip6_to(const struct dp_session *s, const char *dst)
{
	uint8_t pl[64], f[128];
	size_t n = ip6(pl, "2001 0db8 ffff 0000 0000 0000 0000 0001", dst);
	return classify(s, f, frame(f, OUR_MAC, AC_MAC, SID, DP_PPP_IPV6, pl, n), 0, false);
}

static void test_rx_ipv4_data(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t pl[64], f[128];
	size_t n = ip4(pl, V4_PEER, V4_LOCAL);
	size_t fl = frame(f, OUR_MAC, AC_MAC, SID, DP_PPP_IPV4, pl, n);
	/* Ethernet pads the 50-byte frame to 60 (IEEE 802.3 minimum without FCS); the PPPoE
	 * LENGTH field, not the frame length, bounds the payload. */
	memset(f + fl, 0, 60 - fl);
	struct dp_rx rx = classify(&s, f, 60, 0, false);
	assert_int_equal(rx.kind, DP_RX_DATA4);
	assert_int_equal(rx.proto, DP_PPP_IPV4);
	assert_int_equal(rx.off, 22);
	assert_int_equal(rx.len, 28);
	assert_memory_equal(f + rx.off, pl, 28);
}

static void test_rx_ipv6_data(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t pl[64], f[128];
	size_t n = ip6(pl, "2001 0db8 ffff 0000 0000 0000 0000 0001",
		       "2001 0db8 0001 0002 0000 0000 0000 0042");
	size_t fl = frame(f, OUR_MAC, AC_MAC, SID, DP_PPP_IPV6, pl, n);
	struct dp_rx rx = classify(&s, f, fl, 0, false);
	assert_int_equal(rx.kind, DP_RX_DATA6);
	assert_int_equal(rx.proto, DP_PPP_IPV6);
	assert_int_equal(rx.off, 22);
	assert_int_equal(rx.len, 40);
	assert_memory_equal(f + rx.off, pl, 40);
}

/* LCP Echo-Request (RFC 1661 §5.8: code 9, id 1, length 8, magic 0x11223344) in a PPPoE session
 * frame, laid out per RFC 2516 §4; hand-built. */
static const char LCP_ECHO[] = "02005e000001 02005e0000ac 8864"
			       "11 00 1234 000a c021"
			       "09 01 0008 11223344";

static void test_rx_control_with_ncps_down(void **state)
{
	(void)state;
	struct dp_session s = sess();
	s.ipv4_up = s.ipv6_up = false;
	uint8_t f[64];
	int n = test_hex(LCP_ECHO, f, sizeof(f));
	assert_int_equal(n, 30);
	struct dp_rx rx = classify(&s, f, (size_t)n, 0, false);
	assert_int_equal(rx.kind, DP_RX_CONTROL);
	assert_int_equal(rx.proto, 0xc021);
	assert_int_equal(rx.off, 22);
	assert_int_equal(rx.len, 8);
	assert_int_equal(f[rx.off], 0x09);

	/* IPCP (0x8021) and IPv6CP (0x8057) are control too, as is an empty PPP payload. */
	uint8_t g[64];
	static const uint8_t ipcp[] = { 1, 1, 0, 10, 3, 6, 0, 0, 0, 0 };
	rx = classify(&s, g, frame(g, OUR_MAC, AC_MAC, SID, 0x8021, ipcp, sizeof(ipcp)), 0, false);
	assert_int_equal(rx.kind, DP_RX_CONTROL);
	assert_int_equal(rx.proto, 0x8021);
	assert_int_equal(rx.len, sizeof(ipcp));
	rx = classify(&s, g, frame(g, OUR_MAC, AC_MAC, SID, 0x8057, ipcp, 0), 0, false);
	assert_int_equal(rx.kind, DP_RX_CONTROL);
	assert_int_equal(rx.len, 0);

	/* Data for an NCP that is down is dropped, not passed as control. */
	rx = rx_ip4_to(&s, V4_LOCAL);
	assert_int_equal(rx.kind, DP_RX_DROP);
	assert_int_equal(rx.drop, DP_DROP_NO_SESSION);
	rx = rx_ip6_to(&s, "2001 0db8 0001 0002 0000 0000 0000 0001");
	assert_int_equal(rx.drop, DP_DROP_NO_SESSION);
	s.ipv6_up = true;
	rx = rx_ip6_to(&s, "2001 0db8 0001 0002 0000 0000 0000 0001");
	assert_int_equal(rx.kind, DP_RX_DATA6);

	/* No session at all: even LCP is dropped. */
	s.is_up = false;
	rx = classify(&s, f, (size_t)n, 0, false);
	assert_int_equal(rx.drop, DP_DROP_NO_SESSION);
}

static void test_rx_not_session(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t pl[64], f[128];
	size_t n = ip4(pl, V4_PEER, V4_LOCAL);
	struct dp_rx rx;
	rx = classify(&s, f, frame(f, OUR_MAC, AC_MAC, SID + 1, DP_PPP_IPV4, pl, n), 0, false);
	assert_int_equal(rx.drop, DP_DROP_NOT_SESSION);
	rx = classify(&s, f, frame(f, OUR_MAC, OTHER_MAC, SID, DP_PPP_IPV4, pl, n), 0, false);
	assert_int_equal(rx.drop, DP_DROP_NOT_SESSION);
	rx = classify(&s, f, frame(f, OTHER_MAC, AC_MAC, SID, DP_PPP_IPV4, pl, n), 0, false);
	assert_int_equal(rx.drop, DP_DROP_NOT_SESSION);
	/* Our own frame seen going out (AF_PACKET delivers other sockets' outgoing frames too). */
	rx = classify(&s, f, frame(f, AC_MAC, OUR_MAC, SID, DP_PPP_IPV4, pl, n), 0, false);
	assert_int_equal(rx.drop, DP_DROP_NOT_SESSION);
	/* Control frames of another session are not ours either. */
	uint8_t g[64];
	int gl = test_hex(LCP_ECHO, g, sizeof(g));
	g[17] = 0x35;
	rx = classify(&s, g, (size_t)gl, 0, false);
	assert_int_equal(rx.drop, DP_DROP_NOT_SESSION);
}

static void test_rx_vlan(void **state)
{
	(void)state;
	struct dp_session s = sess();
	s.has_vlan = true;
	s.vlan_tci = 0xa007; /* prio 5, vlan 7 */
	uint8_t pl[64], f[128];
	size_t n = ip4(pl, V4_PEER, V4_LOCAL);
	size_t fl = frame(f, OUR_MAC, AC_MAC, SID, DP_PPP_IPV4, pl, n);
	/* Only the VLAN id is compared: the AC may send another priority (and DEI). */
	assert_int_equal(classify(&s, f, fl, 0x0007, true).kind, DP_RX_DATA4);
	assert_int_equal(classify(&s, f, fl, 0xf007, true).kind, DP_RX_DATA4);
	assert_int_equal(classify(&s, f, fl, 0xa008, true).drop, DP_DROP_NOT_SESSION);
	assert_int_equal(classify(&s, f, fl, 0x0000, false).drop, DP_DROP_NOT_SESSION);
	assert_int_equal(classify(&s, f, fl, 0x0007, false).drop, DP_DROP_NOT_SESSION);
	s.has_vlan = false;
	s.vlan_tci = 0;
	assert_int_equal(classify(&s, f, fl, 0x0007, true).drop, DP_DROP_NOT_SESSION);
	assert_int_equal(classify(&s, f, fl, 0, false).kind, DP_RX_DATA4);
}

static void test_rx_bad_header(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t f[64];
	int n = test_hex(LCP_ECHO, f, sizeof(f));
	assert_int_equal(classify(&s, f, (size_t)n, 0, false).kind, DP_RX_CONTROL);
	/* RFC 2516 §4: VER=1, TYPE=1, CODE=0 in session frames. */
	static const uint8_t bad_vt[] = { 0x21, 0x12, 0x01, 0x10, 0x00 };
	for (size_t i = 0; i < sizeof(bad_vt); i++) {
		f[14] = bad_vt[i];
		assert_int_equal(classify(&s, f, (size_t)n, 0, false).drop, DP_DROP_MALFORMED);
	}
	f[14] = 0x11;
	f[15] = 0x09; /* PADI's code in a session frame */
	assert_int_equal(classify(&s, f, (size_t)n, 0, false).drop, DP_DROP_MALFORMED);
	f[15] = 0x00;
	f[13] = 0x63; /* discovery ethertype */
	assert_int_equal(classify(&s, f, (size_t)n, 0, false).drop, DP_DROP_MALFORMED);
	f[13] = 0x64;
	/* The malformed check comes first: a bad frame while down is still malformed. */
	s.is_up = false;
	f[14] = 0x12;
	assert_int_equal(classify(&s, f, (size_t)n, 0, false).drop, DP_DROP_MALFORMED);
}

static void test_rx_pppoe_length(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t f[64];
	int n = test_hex(LCP_ECHO, f, sizeof(f));
	/* LENGTH 0x000a fits the 30-byte frame exactly; 0x000b is one byte past the end. */
	f[19] = 0x0b;
	assert_int_equal(classify(&s, f, (size_t)n, 0, false).drop, DP_DROP_MALFORMED);
	f[18] = 0xff;
	f[19] = 0xff;
	assert_int_equal(classify(&s, f, (size_t)n, 0, false).drop, DP_DROP_MALFORMED);
	/* Below 2 there is no PPP protocol field. */
	f[18] = 0;
	f[19] = 1;
	assert_int_equal(classify(&s, f, (size_t)n, 0, false).drop, DP_DROP_MALFORMED);
	f[19] = 0;
	assert_int_equal(classify(&s, f, (size_t)n, 0, false).drop, DP_DROP_MALFORMED);
	f[19] = 2;
	struct dp_rx rx = classify(&s, f, (size_t)n, 0, false);
	assert_int_equal(rx.kind, DP_RX_CONTROL);
	assert_int_equal(rx.len, 0);
	/* Shorter than the frame: the rest is padding and not part of the payload. */
	f[19] = 6;
	rx = classify(&s, f, (size_t)n, 0, false);
	assert_int_equal(rx.len, 4);
	/* IPv4 data whose PPPoE length cuts the IP header short. */
	uint8_t pl[64], g[128];
	size_t pn = ip4(pl, V4_PEER, V4_LOCAL);
	size_t gl = frame(g, OUR_MAC, AC_MAC, SID, DP_PPP_IPV4, pl, pn);
	g[19] = 2 + 19;
	assert_int_equal(classify(&s, g, gl, 0, false).drop, DP_DROP_MALFORMED);
	g[19] = 2 + 20;
	assert_int_equal(classify(&s, g, gl, 0, false).kind, DP_RX_DATA4);
}

/* Every truncation of a valid frame is a clean drop; nothing reads past the end. */
static void test_rx_truncated(void **state)
{
	(void)state;
	struct dp_session s = sess();
	s.has_vlan = true;
	s.vlan_tci = 7;
	uint8_t pl[64], f[3][128];
	size_t len[3];
	len[0] = frame(f[0], OUR_MAC, AC_MAC, SID, DP_PPP_IPV4, pl, ip4(pl, V4_PEER, V4_LOCAL));
	len[1] = frame(f[1], OUR_MAC, AC_MAC, SID, DP_PPP_IPV6, pl,
		       ip6(pl, "fe80 0000 0000 0000 0000 0000 0000 0001",
			   "ff02 0000 0000 0000 0000 0000 0000 0001"));
	len[2] = (size_t)test_hex(LCP_ECHO, f[2], sizeof(f[2]));
	for (int k = 0; k < 3; k++) {
		assert_int_not_equal(classify(&s, f[k], len[k], 7, true).kind, DP_RX_DROP);
		for (size_t i = 0; i < len[k]; i++) {
			struct dp_rx rx = classify(&s, f[k], i, 7, true);
			assert_int_equal(rx.kind, DP_RX_DROP);
			assert_int_equal(rx.drop, DP_DROP_MALFORMED);
		}
	}
}

static void test_rx_check_traffic_ipv4(void **state)
{
	(void)state;
	struct dp_session s = sess();
	static const uint8_t other[4] = { 100, 64, 0, 3 };
	assert_int_equal(rx_ip4_to(&s, V4_LOCAL).kind, DP_RX_DATA4);
	assert_int_equal(rx_ip4_to(&s, other).drop, DP_DROP_CHECK_DST);
	s.check_traffic = false;
	assert_int_equal(rx_ip4_to(&s, other).kind, DP_RX_DATA4);
}

static void test_rx_check_traffic_ipv6(void **state)
{
	(void)state;
	struct dp_session s = sess();
	static const char *const ours[] = {
		"fe80 0000 0000 0000 0000 0000 0000 0001", /* fe80::/10 */
		"febf ffff ffff ffff ffff ffff ffff ffff", /* last of fe80::/10 */
		"2001 0db8 0001 0002 ffff ffff ffff ffff", /* /64 */
		"2001 0db8 ab00 0000 0000 0000 0000 0001", /* /56, first subnet */
		"2001 0db8 ab00 00ff 0000 0000 0000 0001", /* /56, last subnet */
	};
	static const char *const theirs[] = {
		"fec0 0000 0000 0000 0000 0000 0000 0001", /* just past fe80::/10 */
		"2001 0db8 0001 0003 0000 0000 0000 0001", /* next /64 */
		"2001 0db8 ab00 0100 0000 0000 0000 0001", /* next /56 */
		"2001 0db8 ab01 0000 0000 0000 0000 0001",
		"0000 0000 0000 0000 0000 0000 0000 0001",
	};
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		assert_int_equal(rx_ip6_to(&s, ours[i]).kind, DP_RX_DATA6);
	for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
		assert_int_equal(rx_ip6_to(&s, theirs[i]).drop, DP_DROP_CHECK_DST);
	s.check_traffic = false;
	for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
		assert_int_equal(rx_ip6_to(&s, theirs[i]).kind, DP_RX_DATA6);
	/* No prefixes yet (only IPv6CP up): with check_traffic everything unicast is refused. */
	s.check_traffic = true;
	s.n_prefixes = 0;
	assert_int_equal(rx_ip6_to(&s, ours[0]).drop, DP_DROP_CHECK_DST);
}

static void test_rx_multicast(void **state)
{
	(void)state;
	struct dp_session s = sess();
	/* IPv6 multicast (RA to ff02::1, MLD queries, ...) passes check_traffic. */
	const char *all_nodes = "ff02 0000 0000 0000 0000 0000 0000 0001";
	const char *global_mc = "ff0e 0000 0000 0000 0000 0000 0000 0101";
	assert_int_equal(rx_ip6_to(&s, all_nodes).kind, DP_RX_DATA6);
	assert_int_equal(rx_ip6_to(&s, global_mc).kind, DP_RX_DATA6);
	s.n_prefixes = 0;
	assert_int_equal(rx_ip6_to(&s, all_nodes).kind, DP_RX_DATA6);
	/* IPv4 multicast (224.0.0.0/4) depends only on ipv4_mcast_is_unicast. */
	static const uint8_t m1[4] = { 224, 0, 0, 1 }, m2[4] = { 239, 255, 255, 250 };
	static const uint8_t not_m[4] = { 240, 0, 0, 1 };
	s.mcast4_unicast = false;
	assert_int_equal(rx_ip4_to(&s, m1).drop, DP_DROP_MCAST4);
	assert_int_equal(rx_ip4_to(&s, m2).drop, DP_DROP_MCAST4);
	assert_int_equal(rx_ip4_to(&s, not_m).drop, DP_DROP_CHECK_DST);
	s.mcast4_unicast = true;
	assert_int_equal(rx_ip4_to(&s, m1).kind, DP_RX_DATA4);
	assert_int_equal(rx_ip4_to(&s, m2).kind, DP_RX_DATA4);
	s.check_traffic = false;
	s.mcast4_unicast = false;
	assert_int_equal(rx_ip4_to(&s, m1).drop, DP_DROP_MCAST4);
}

static void test_rx_ip_version_mismatch(void **state)
{
	(void)state;
	struct dp_session s = sess();
	s.check_traffic = false;
	uint8_t pl[64], f[128];
	/* An IPv6 header carried as PPP protocol 0x0021 and vice versa. */
	size_t n = ip6(pl, "fe80 0000 0000 0000 0000 0000 0000 0001",
		       "fe80 0000 0000 0000 0000 0000 0000 0002");
	size_t fl = frame(f, OUR_MAC, AC_MAC, SID, DP_PPP_IPV4, pl, n);
	assert_int_equal(classify(&s, f, fl, 0, false).drop, DP_DROP_MALFORMED);
	n = ip4(pl, V4_PEER, V4_LOCAL);
	memset(pl + n, 0, 40 - n);
	fl = frame(f, OUR_MAC, AC_MAC, SID, DP_PPP_IPV6, pl, 40);
	assert_int_equal(classify(&s, f, fl, 0, false).drop, DP_DROP_MALFORMED);
}

static enum dp_drop tx(const struct dp_session *s, const uint8_t *p, size_t n, uint16_t *proto)
{
	uint8_t *c = malloc(n ? n : 1);
	assert_non_null(c);
	memcpy(c, p, n);
	enum dp_drop d = dp_check_tx(s, c, n, proto);
	free(c);
	return d;
}

static void test_tx_ipv4(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t p[64];
	uint16_t proto = 0;
	size_t n = ip4(p, V4_LOCAL, V4_PEER);
	assert_int_equal(tx(&s, p, n, &proto), DP_DROP_NONE);
	assert_int_equal(proto, DP_PPP_IPV4);
	n = ip4(p, V4_PEER, V4_LOCAL);
	assert_int_equal(tx(&s, p, n, &proto), DP_DROP_CHECK_SRC);
	s.check_traffic = false;
	assert_int_equal(tx(&s, p, n, &proto), DP_DROP_NONE);
	s.check_traffic = true;
	static const uint8_t mdns[4] = { 224, 0, 0, 251 };
	n = ip4(p, V4_LOCAL, mdns);
	assert_int_equal(tx(&s, p, n, &proto), DP_DROP_MCAST4);
	s.mcast4_unicast = true;
	assert_int_equal(tx(&s, p, n, &proto), DP_DROP_NONE);
	s.ipv4_up = false;
	assert_int_equal(tx(&s, p, n, &proto), DP_DROP_NO_SESSION);
	s.ipv4_up = true;
	s.is_up = false;
	assert_int_equal(tx(&s, p, n, &proto), DP_DROP_NO_SESSION);
}

static void test_tx_ipv6(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t p[64];
	uint16_t proto = 0;
	static const char *const ours[] = {
		"fe80 0000 0000 0000 0211 22ff fe33 4455",
		"2001 0db8 0001 0002 0000 0000 0000 0001",
		"2001 0db8 ab00 0042 0000 0000 0000 0001",
	};
	static const char *const theirs[] = {
		"2001 0db8 0001 0003 0000 0000 0000 0001",
		"2001 0db8 ab00 0100 0000 0000 0000 0001",
		"0000 0000 0000 0000 0000 0000 0000 0000",
	};
	const char *dst = "2001 0db8 ffff 0000 0000 0000 0000 0001";
	for (size_t i = 0; i < 3; i++) {
		proto = 0;
		assert_int_equal(tx(&s, p, ip6(p, ours[i], dst), &proto), DP_DROP_NONE);
		assert_int_equal(proto, DP_PPP_IPV6);
		assert_int_equal(tx(&s, p, ip6(p, theirs[i], dst), &proto), DP_DROP_CHECK_SRC);
	}
	s.check_traffic = false;
	assert_int_equal(tx(&s, p, ip6(p, theirs[0], dst), &proto), DP_DROP_NONE);
	s.ipv6_up = false;
	assert_int_equal(tx(&s, p, ip6(p, ours[0], dst), &proto), DP_DROP_NO_SESSION);
	/* IPv4 still goes while IPv6CP is down. */
	assert_int_equal(tx(&s, p, ip4(p, V4_LOCAL, V4_PEER), &proto), DP_DROP_NONE);
}

static void test_tx_mtu(void **state)
{
	(void)state;
	struct dp_session s = sess();
	static uint8_t p[1600];
	uint16_t proto;
	ip4(p, V4_LOCAL, V4_PEER);
	assert_int_equal(tx(&s, p, 1492, &proto), DP_DROP_NONE);
	assert_int_equal(tx(&s, p, 1493, &proto), DP_DROP_TOO_BIG);
	ip6(p, "fe80 0000 0000 0000 0000 0000 0000 0001",
	    "ff02 0000 0000 0000 0000 0000 0000 0002");
	assert_int_equal(tx(&s, p, 1492, &proto), DP_DROP_NONE);
	assert_int_equal(tx(&s, p, 1493, &proto), DP_DROP_TOO_BIG);
	s.mtu = 1280;
	assert_int_equal(tx(&s, p, 1281, &proto), DP_DROP_TOO_BIG);
	assert_int_equal(tx(&s, p, 1280, &proto), DP_DROP_NONE);
}

static void test_tx_malformed(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t p[64];
	uint16_t proto;
	size_t n4 = ip4(p, V4_LOCAL, V4_PEER);
	/* Every truncation below the fixed header is malformed (n4 = 28 includes 8 UDP bytes). */
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(tx(&s, p, i, &proto), DP_DROP_MALFORMED);
	for (size_t i = 20; i <= n4; i++)
		assert_int_equal(tx(&s, p, i, &proto), DP_DROP_NONE);
	size_t n6 = ip6(p, "fe80 0000 0000 0000 0000 0000 0000 0001",
			"ff02 0000 0000 0000 0000 0000 0000 0002");
	for (size_t i = 0; i < n6; i++)
		assert_int_equal(tx(&s, p, i, &proto), DP_DROP_MALFORMED);
	assert_int_equal(tx(&s, p, n6, &proto), DP_DROP_NONE);
	static const uint8_t bad_ver[] = { 0x00, 0x50, 0x70, 0xf0 };
	for (size_t i = 0; i < sizeof(bad_ver); i++) {
		p[0] = bad_ver[i];
		assert_int_equal(tx(&s, p, n6, &proto), DP_DROP_MALFORMED);
	}
}

/* Golden frame header without VLAN: AC MAC, our MAC, 0x8864, VER/TYPE 0x11, CODE 0, SESSION_ID,
 * LENGTH = payload + 2, PPP protocol (RFC 2516 §4). */
static void test_build_hdr_plain(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t buf[DP_HEADROOM + 4], want[DP_HEADROOM];
	memset(buf, 0xee, sizeof(buf));
	size_t start = dp_build_tx_hdr(&s, buf, DP_PPP_IPV6, 1280);
	assert_int_equal(start, DP_VLAN_HLEN);
	int n = test_hex("02005e0000ac 02005e000001 8864 11 00 1234 0502 0057", want, sizeof(want));
	assert_int_equal(n, 22);
	assert_memory_equal(buf + start, want, 22);
	for (size_t i = 0; i < start; i++)
		assert_int_equal(buf[i], 0xee);
	for (size_t i = DP_HEADROOM; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

/* With 802.1Q (IEEE 802.1Q §9.6): TPID 0x8100, TCI = PCP 5 << 13 | VID 7 = 0xa007. */
static void test_build_hdr_vlan(void **state)
{
	(void)state;
	struct dp_session s = sess();
	s.has_vlan = true;
	s.vlan_tci = 5 << 13 | 7;
	s.session_id = 0xbeef;
	uint8_t buf[DP_HEADROOM + 4], want[DP_HEADROOM];
	memset(buf, 0xee, sizeof(buf));
	size_t start = dp_build_tx_hdr(&s, buf, DP_PPP_IPV4, 28);
	assert_int_equal(start, 0);
	int n = test_hex("02005e0000ac 02005e000001 8100 a007 8864 11 00 beef 001e 0021", want,
			 sizeof(want));
	assert_int_equal(n, DP_HEADROOM);
	assert_memory_equal(buf, want, DP_HEADROOM);
	for (size_t i = DP_HEADROOM; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
	/* LCP sent by the control loop uses the same builder. */
	dp_build_tx_hdr(&s, buf, 0xc021, 0);
	assert_memory_equal(buf + 22, "\x00\x02\xc0\x21", 4);
}

/* check_tx -> build_tx_hdr -> as the AC would send it back (MACs swapped, tag stripped by the
 * kernel into PACKET_AUXDATA) -> classify_rx gives the same protocol and payload. */
static void roundtrip(struct dp_session *s, const uint8_t *pkt, size_t n, enum dp_rx_kind want)
{
	uint8_t buf[DP_HEADROOM + 1500], rxf[DP_HEADROOM + 1500];
	uint16_t proto = 0;
	assert_int_equal(dp_check_tx(s, pkt, n, &proto), DP_DROP_NONE);
	memcpy(buf + DP_HEADROOM, pkt, n);
	size_t start = dp_build_tx_hdr(s, buf, proto, n);
	const uint8_t *f = buf + start;
	size_t flen = DP_HEADROOM - start + n;
	uint16_t tci = 0;
	memcpy(rxf, f + 6, 6);
	memcpy(rxf + 6, f, 6);
	if (s->has_vlan) {
		assert_memory_equal(f + 12, "\x81\x00", 2);
		tci = (uint16_t)(f[14] << 8 | f[15]);
		memcpy(rxf + 12, f + 16, flen - 16);
		flen -= DP_VLAN_HLEN;
	} else {
		memcpy(rxf + 12, f + 12, flen - 12);
	}
	struct dp_rx rx = classify(s, rxf, flen, tci, s->has_vlan);
	assert_int_equal(rx.kind, want);
	assert_int_equal(rx.proto, proto);
	assert_int_equal(rx.off, 22);
	assert_int_equal(rx.len, n);
	assert_memory_equal(rxf + rx.off, pkt, n);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct dp_session s = sess();
	uint8_t p4[64], p6[64];
	size_t n4 = ip4(p4, V4_LOCAL, V4_LOCAL);
	size_t n6 = ip6(p6, "fe80 0000 0000 0000 0000 0000 0000 0001",
			"2001 0db8 ab00 0001 0000 0000 0000 0001");
	roundtrip(&s, p4, n4, DP_RX_DATA4);
	roundtrip(&s, p6, n6, DP_RX_DATA6);
	s.has_vlan = true;
	s.vlan_tci = 0xa007;
	roundtrip(&s, p4, n4, DP_RX_DATA4);
	roundtrip(&s, p6, n6, DP_RX_DATA6);
	s.session_id = 0xffff - 1;
	s.vlan_tci = 0x0ffe;
	roundtrip(&s, p6, n6, DP_RX_DATA6);
}

static bool match(const char *prefix, unsigned len, const char *addr)
{
	struct dp_prefix6 p = { .len = (uint8_t)len };
	uint8_t a[16];
	addr6(prefix, p.addr);
	addr6(addr, a);
	return dp_prefix_match(&p, a);
}

static void test_prefix_match(void **state)
{
	(void)state;
	const char *z = "0000 0000 0000 0000 0000 0000 0000 0000";
	const char *f = "ffff ffff ffff ffff ffff ffff ffff ffff";
	assert_true(match(z, 0, f));
	assert_true(match(f, 0, z));
	/* /10 */
	assert_true(match("fe80 0000 0000 0000 0000 0000 0000 0000", 10,
			  "febf 0000 0000 0000 0000 0000 0000 0001"));
	assert_false(match("fe80 0000 0000 0000 0000 0000 0000 0000", 10,
			   "fec0 0000 0000 0000 0000 0000 0000 0001"));
	assert_false(match("fe80 0000 0000 0000 0000 0000 0000 0000", 10,
			   "fe40 0000 0000 0000 0000 0000 0000 0001"));
	/* /56 */
	const char *p56 = "2001 0db8 ab00 0000 0000 0000 0000 0000";
	assert_true(match(p56, 56, "2001 0db8 ab00 00ff ffff ffff ffff ffff"));
	assert_false(match(p56, 56, "2001 0db8 ab00 0100 0000 0000 0000 0000"));
	assert_false(match(p56, 56, "2001 0db8 ab01 0000 0000 0000 0000 0000"));
	/* /64 */
	const char *p64 = "2001 0db8 0001 0002 0000 0000 0000 0000";
	assert_true(match(p64, 64, "2001 0db8 0001 0002 ffff ffff ffff ffff"));
	assert_false(match(p64, 64, "2001 0db8 0001 0003 0000 0000 0000 0000"));
	assert_false(match(p64, 64, "a001 0db8 0001 0002 0000 0000 0000 0000"));
	/* /128 */
	const char *h = "2001 0db8 0000 0000 0000 0000 0000 0001";
	assert_true(match(h, 128, h));
	assert_false(match(h, 128, "2001 0db8 0000 0000 0000 0000 0000 0000"));
	assert_false(match(h, 128, "2001 0db8 0000 0000 0000 0000 0000 0081"));
	/* Odd lengths: /1, /7, /57, /63, /127. Host bits in the prefix are ignored. */
	assert_true(match("8000 0000 0000 0000 0000 0000 0000 0000", 1, f));
	assert_false(match("8000 0000 0000 0000 0000 0000 0000 0000", 1, z));
	assert_true(match("fc00 0000 0000 0000 0000 0000 0000 0000", 7,
			  "fdff 0000 0000 0000 0000 0000 0000 0000"));
	assert_false(match("fc00 0000 0000 0000 0000 0000 0000 0000", 7,
			   "fe00 0000 0000 0000 0000 0000 0000 0000"));
	assert_true(match(p56, 57, "2001 0db8 ab00 007f ffff ffff ffff ffff"));
	assert_false(match(p56, 57, "2001 0db8 ab00 0080 0000 0000 0000 0000"));
	assert_true(match(p64, 63, "2001 0db8 0001 0003 0000 0000 0000 0000"));
	assert_false(match(p64, 63, "2001 0db8 0001 0004 0000 0000 0000 0000"));
	assert_true(match(h, 127, "2001 0db8 0000 0000 0000 0000 0000 0000"));
	assert_false(match(h, 127, "2001 0db8 0000 0000 0000 0000 0000 0002"));
	assert_true(match("2001 0db8 0001 0002 dead beef 0000 0001", 64, p64));
}

/* A length above 128 can never match and must not read past the 16 address bytes. */
static void test_prefix_match_bad_len(void **state)
{
	(void)state;
	const char *h = "2001 0db8 0000 0000 0000 0000 0000 0001";
	static const unsigned lens[] = { 129, 135, 136, 200, 255 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* Exactly-sized heap copies so ASan reports any overread. */
		struct dp_prefix6 *p = malloc(sizeof(*p));
		uint8_t *a = malloc(16);
		assert_non_null(p);
		assert_non_null(a);
		addr6(h, p->addr);
		addr6(h, a);
		p->len = (uint8_t)lens[i];
		assert_false(dp_prefix_match(p, a));
		free(p);
		free(a);
	}
}

static void test_drop_names(void **state)
{
	(void)state;
	for (int i = 0; i < DP_DROP_N; i++) {
		const char *n = dp_drop_name((enum dp_drop)i);
		assert_string_not_equal(n, "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, dp_drop_name((enum dp_drop)j));
	}
	assert_string_equal(dp_drop_name(DP_DROP_CHECK_DST), "check_traffic_dst");
}

/* ND (RFC 4861 types 133-137) and DHCPv6 to port 546 go to the control loop when
 * ipv6_link_ctl is on; other ICMPv6 (echo) and other UDP stay data; off, all is data. */
static struct dp_rx rx_ip6_l4(const struct dp_session *s, uint8_t nh, const uint8_t *l4, size_t n)
{
	uint8_t pl[128], f[192];
	size_t len = ip6(pl, "fe80 0000 0000 0000 0000 0000 0000 0001",
			 "ff02 0000 0000 0000 0000 0000 0000 0001");
	pl[6] = nh;
	pl[4] = 0;
	pl[5] = (uint8_t)n;
	memcpy(pl + len, l4, n);
	return classify(s, f, frame(f, OUR_MAC, AC_MAC, SID, DP_PPP_IPV6, pl, len + n), 0, false);
}

static void test_rx_link_ctl6(void **state)
{
	(void)state;
	struct dp_session s = sess();
	const uint8_t ra[16] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08 };
	const uint8_t echo[8] = { 128, 0 };
	const uint8_t dhcp6[8] = { 0x02, 0x23, 0x02, 0x22, 0, 8, 0, 0 };   /* 547 -> 546 */
	const uint8_t dns[8] = { 0x00, 0x35, 0x02, 0x22, 0, 8, 0, 0 };     /* 53 -> 546 */
	const uint8_t other[8] = { 0x02, 0x22, 0x00, 0x35, 0, 8, 0, 0 };   /* 546 -> 53 */
	assert_int_equal(rx_ip6_l4(&s, 58, ra, sizeof(ra)).kind, DP_RX_DATA6);
	s.ipv6_link_ctl = true;
	struct dp_rx rx = rx_ip6_l4(&s, 58, ra, sizeof(ra));
	assert_int_equal(rx.kind, DP_RX_CONTROL);
	assert_int_equal(rx.proto, DP_PPP_IPV6);
	assert_int_equal(rx_ip6_l4(&s, 58, echo, sizeof(echo)).kind, DP_RX_DATA6);
	assert_int_equal(rx_ip6_l4(&s, 17, dhcp6, sizeof(dhcp6)).kind, DP_RX_CONTROL);
	assert_int_equal(rx_ip6_l4(&s, 17, dns, sizeof(dns)).kind, DP_RX_CONTROL);
	assert_int_equal(rx_ip6_l4(&s, 17, other, sizeof(other)).kind, DP_RX_DATA6);
	/* Too short to hold the ICMPv6 type: data, never a read past the end. */
	assert_int_equal(rx_ip6_l4(&s, 58, ra, 4).kind, DP_RX_DATA6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_ipv4_data),
		cmocka_unit_test(test_rx_ipv6_data),
		cmocka_unit_test(test_rx_control_with_ncps_down),
		cmocka_unit_test(test_rx_not_session),
		cmocka_unit_test(test_rx_vlan),
		cmocka_unit_test(test_rx_bad_header),
		cmocka_unit_test(test_rx_pppoe_length),
		cmocka_unit_test(test_rx_truncated),
		cmocka_unit_test(test_rx_check_traffic_ipv4),
		cmocka_unit_test(test_rx_check_traffic_ipv6),
		cmocka_unit_test(test_rx_multicast),
		cmocka_unit_test(test_rx_ip_version_mismatch),
		cmocka_unit_test(test_tx_ipv4),
		cmocka_unit_test(test_tx_ipv6),
		cmocka_unit_test(test_tx_mtu),
		cmocka_unit_test(test_tx_malformed),
		cmocka_unit_test(test_build_hdr_plain),
		cmocka_unit_test(test_build_hdr_vlan),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_prefix_match),
		cmocka_unit_test(test_prefix_match_bad_len),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_rx_link_ctl6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
