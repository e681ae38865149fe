/* ND codec: a real radvd 2.19 RA and real Linux NS/NA (captured), every truncation, the RFC 4861
 * §6.1.2 / §7.1 checks, each option's malformed forms, checksum and golden builds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "nd/nd_codec.h"
#include "test_util.h"

/* Captured with dumpcap on a veth pair between two network namespaces: radvd 2.19 in one (config:
 * AdvDefaultPreference high, AdvOtherConfigFlag on, AdvLinkMTU 1492, AdvDefaultLifetime 1800,
 * AdvReachableTime 30000, AdvRetransTimer 1000, prefix 2001:db8:1:2::/64 valid 86400 preferred
 * 14400, route 2001:db8:ff00::/40 low 3600, RDNSS 2001:db8::53 2001:db8::5353 1200, DNSSL
 * example.net corp.example.com 1200), Linux 6.x in the other. IPv6 header onwards. */
static const char cap_ra[] =
	"6001940d00a83aff fe80000000000000dcfeddfffe7b584a ff020000000000000000000000000001"
	"8600bd55 40 48 0708 00007530 000003e8"                                /* RA header */
	"030440c0 00015180 00003840 00000000 20010db8000100020000000000000000" /* PIO */
	"1803 2818 00000e10 20010db8ff0000000000000000000000"                 /* RIO (len 3) */
	"1905 0000 000004b0 20010db8000000000000000000000053"                  /* RDNSS */
	"20010db8000000000000000000005353"
	"1f05 0000 000004b0 076578616d706c65036e657400"                        /* DNSSL */
	"04636f7270076578616d706c6503636f6d00 00"
	"0501 0000 000005d4"                                                   /* MTU 1492 */
	"0101 defedd7b584a";                                                   /* SLLA */

/* Linux DAD probe from the same capture: NS from :: with an RFC 7527 nonce. */
static const char cap_ns_dad[] =
	"6000000000203aff 00000000000000000000000000000000 ff0200000000000000000001ffac951a"
	"870087bd 00000000 20010db800010002dc31c3fffeac951a 0e01fd03904f6012";

/* Linux address resolution: NS with SLLA, and the NA answering it (S, O, TLLA). */
static const char cap_ns_ar[] =
	"6000000000203aff 20010db8000100020000000000000001 ff0200000000000000000001ffac951a"
	"87003fa1 00000000 20010db800010002dc31c3fffeac951a 0101defedd7b584a";
static const char cap_na[] =
	"6000000000203aff 20010db800010002dc31c3fffeac951a 20010db8000100020000000000000001"
	"8800ed82 60000000 20010db800010002dc31c3fffeac951a 0201de31c3ac951a";

static size_t hex(const char *h, uint8_t *out, size_t cap)
{
	int n = test_hex(h, out, cap);
	assert_true(n >= 0);
	return (size_t)n;
}

static void addr(const char *h, uint8_t out[16])
{
	assert_int_equal(hex(h, out, 16), 16);
}

static void test_ra_capture(void **st)
{
	(void)st;
	uint8_t pkt[512], a[16];
	size_t n = hex(cap_ra, pkt, sizeof(pkt));
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	struct nd_ra_msg ra;
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_OK);
	assert_int_equal(ip.hop_limit, 255);
	assert_int_equal(ip.payload_len, 168);
	assert_int_equal(ip.flow_label, 0x1940d);
	assert_int_equal(icmp.left, 168);
	assert_int_equal(nd_parse_ra(icmp.p, icmp.left, &ip, &ra), ND_E_OK);
	assert_int_equal(ra.cur_hop_limit, 64);
	assert_false(ra.is_managed);
	assert_true(ra.is_other);
	assert_int_equal(ra.prf, ND_PRF_HIGH);
	assert_int_equal(ra.router_lifetime_s, 1800);
	assert_int_equal(ra.reachable_ms, 30000);
	assert_int_equal(ra.retrans_ms, 1000);
	assert_true(ra.has_slla);
	assert_true(ra.has_mtu);
	assert_int_equal(ra.mtu, 1492);
	assert_int_equal(ra.n_prefixes, 1);
	addr("20010db8000100020000000000000000", a);
	assert_memory_equal(ra.prefixes[0].prefix, a, 16);
	assert_int_equal(ra.prefixes[0].plen, 64);
	assert_true(ra.prefixes[0].is_onlink && ra.prefixes[0].is_auto);
	assert_int_equal(ra.prefixes[0].valid_s, 86400);
	assert_int_equal(ra.prefixes[0].preferred_s, 14400);
	assert_int_equal(ra.n_routes, 1);
	addr("20010db8ff0000000000000000000000", a);
	assert_memory_equal(ra.routes[0].prefix, a, 16);
	assert_int_equal(ra.routes[0].plen, 40);
	assert_int_equal(ra.routes[0].prf, ND_PRF_LOW);
	assert_int_equal(ra.routes[0].lifetime_s, 3600);
	assert_int_equal(ra.n_rdnss, 2);
	addr("20010db8000000000000000000005353", a);
	assert_memory_equal(ra.rdnss[1].addr, a, 16);
	assert_int_equal(ra.rdnss[0].lifetime_s, 1200);
	assert_int_equal(ra.n_dnssl, 2);
	assert_string_equal(ra.dnssl[0].name, "example.net");
	assert_string_equal(ra.dnssl[1].name, "corp.example.com");
	assert_int_equal(ra.dnssl[1].lifetime_s, 1200);
	assert_int_equal(ra.n_opts_ignored + ra.n_opts_unknown, 0);
}

/* Every truncation of the whole packet fails; of the ICMPv6 message, only option boundaries
 * parse (with fewer options), everything else is SHORT or OPTLEN. */
static void test_ra_truncations(void **st)
{
	(void)st;
	uint8_t pkt[512];
	size_t n = hex(cap_ra, pkt, sizeof(pkt));
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	struct nd_ra_msg ra;
	for (size_t l = 0; l < n; l++) {
		enum nd_err e = nd_parse_ipv6_icmp(pkt, l, &ip, &icmp);
		assert_true(e == (l < ND_IP6_HDR_LEN ? ND_E_SHORT : ND_E_LENGTH));
	}
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_OK);
	static const size_t bounds[] = { 16, 48, 72, 112, 152, 160, 168 };
	size_t bi = 0;
	for (size_t l = 0; l <= icmp.left; l++) {
		enum nd_err e = nd_parse_ra(icmp.p, l, &ip, &ra);
		if (l < ND_RA_HDR_LEN) {
			assert_int_equal(e, ND_E_SHORT);
		} else if (bi < 7 && l == bounds[bi]) {
			assert_int_equal(e, ND_E_OK);
			bi++;
		} else {
			assert_int_equal(e, ND_E_OPTLEN);
		}
	}
	assert_int_equal(bi, 7);
}

static void test_ra_checksum(void **st)
{
	(void)st;
	uint8_t pkt[512];
	size_t n = hex(cap_ra, pkt, sizeof(pkt));
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	/* Golden: the checksum radvd computed, recomputed over the message with the field zeroed. */
	pkt[42] = pkt[43] = 0;
	assert_int_equal(nd_icmp6_csum(pkt + 8, pkt + 24, pkt + 40, n - 40), 0xbd55);
	pkt[42] = 0xbd;
	pkt[43] = 0x55;
	for (size_t i = 8; i < n; i++) {
		pkt[i] ^= 0x01;
		assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_CSUM);
		pkt[i] ^= 0x01;
	}
	/* Trailing bytes beyond the payload length (link padding) are not part of the message. */
	pkt[n] = 0xaa;
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n + 1, &ip, &icmp), ND_E_OK);
	assert_int_equal(icmp.left, 168);
}

static void test_ipv6_header_checks(void **st)
{
	(void)st;
	uint8_t pkt[512];
	size_t n = hex(cap_ra, pkt, sizeof(pkt));
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	pkt[0] = 0x40;
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_VERSION);
	pkt[0] = 0x60;
	pkt[6] = 0; /* hop-by-hop options header: not supported */
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_NEXTHDR);
	pkt[6] = 58;
	pkt[5] = 0xa9; /* payload length one past the packet */
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_LENGTH);
	pkt[4] = 0;
	pkt[5] = 3; /* shorter than an ICMPv6 header */
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_SHORT);
}

/* RFC 4861 §6.1.2 checks on the captured RA. */
static void test_ra_validation(void **st)
{
	(void)st;
	uint8_t pkt[512];
	size_t n = hex(cap_ra, pkt, sizeof(pkt));
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	struct nd_ra_msg ra;
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_OK);
	uint8_t *m = pkt + 40;
	size_t ml = n - 40;
	ip.hop_limit = 254;
	assert_int_equal(nd_parse_ra(m, ml, &ip, &ra), ND_E_HOPLIMIT);
	ip.hop_limit = 255;
	m[1] = 1;
	assert_int_equal(nd_parse_ra(m, ml, &ip, &ra), ND_E_CODE);
	m[1] = 0;
	m[0] = ND_ICMP6_NS;
	assert_int_equal(nd_parse_ra(m, ml, &ip, &ra), ND_E_TYPE);
	m[0] = ND_ICMP6_RA;
	ip.src[0] = 0x20; /* global source */
	assert_int_equal(nd_parse_ra(m, ml, &ip, &ra), ND_E_SRC);
	ip.src[0] = 0xfe;
	m[16 + 32 + 1] = 0; /* RIO length 0: the whole message is dropped */
	assert_int_equal(nd_parse_ra(m, ml, &ip, &ra), ND_E_OPTLEN);
	m[16 + 32 + 1] = 0x30; /* RIO running past the end */
	assert_int_equal(nd_parse_ra(m, ml, &ip, &ra), ND_E_OPTLEN);
}

/* Parses an RA made of the captured header and the given options (hex). */
static enum nd_err parse_opts(const char *opts, struct nd_ra_msg *ra)
{
	static const char ra_hdr[] = "86000000 40 48 0708 00007530 000003e8";
	uint8_t m[1024];
	size_t n = hex(ra_hdr, m, sizeof(m));
	n += hex(opts, m + n, sizeof(m) - n);
	struct nd_ip6_hdr ip = { .hop_limit = 255 };
	addr("fe800000000000000000000000000001", ip.src);
	return nd_parse_ra(m, n, &ip, ra);
}

static void test_ra_pio_policies(void **st)
{
	(void)st;
	struct nd_ra_msg ra;
	/* Preferred > valid: ignored (RFC 4862 §5.5.3(c)). */
	assert_int_equal(parse_opts("030440c0 00000064 00000065 00000000"
				    "20010db8000100020000000000000000", &ra), ND_E_OK);
	assert_int_equal(ra.n_prefixes, 0);
	assert_int_equal(ra.n_opts_ignored, 1);
	/* Link-local and multicast prefixes: ignored; length 3: ignored; plen 129: ignored. */
	assert_int_equal(parse_opts("030440c0 00000064 00000064 00000000"
				    "fe800000000000000000000000000000"
				    "030440c0 00000064 00000064 00000000"
				    "ff0e0000000000000000000000000000"
				    "0303 40c0 00000064 00000064 0000000020010db800010002"
				    "0304 81c0 00000064 00000064 00000000 20010db8000100020000000000000000",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_prefixes, 0);
	assert_int_equal(ra.n_opts_ignored, 4);
	/* Bits past the prefix length are cleared; valid 0 and infinite lifetimes pass. */
	assert_int_equal(parse_opts("0304 3080 ffffffff 00000000 00000000"
				    "20010db8ffffffffffff000000000001"
				    "0304 4040 00000000 00000000 00000000 20010db8000100030000000000000000",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_prefixes, 2);
	uint8_t a[16];
	addr("20010db8ffff00000000000000000000", a);
	assert_memory_equal(ra.prefixes[0].prefix, a, 16);
	assert_int_equal(ra.prefixes[0].plen, 48);
	assert_true(ra.prefixes[0].is_onlink);
	assert_false(ra.prefixes[0].is_auto);
	assert_int_equal(ra.prefixes[0].valid_s, ND_LIFETIME_INF);
	assert_true(ra.prefixes[1].is_auto);
	assert_int_equal(ra.prefixes[1].valid_s, 0);
}

static void test_ra_rio_policies(void **st)
{
	(void)st;
	struct nd_ra_msg ra;
	/* plen 0 with length 1; plen 64 with length 2; plen 56, bits past it cleared. */
	assert_int_equal(parse_opts("1801 0008 00000e10"
				    "1802 4000 00000e10 20010db800010002"
				    "1802 3800 ffffffff 20010db8000102ff",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_routes, 3);
	assert_int_equal(ra.routes[0].plen, 0);
	assert_int_equal(ra.routes[0].prf, ND_PRF_HIGH);
	assert_int_equal(ra.routes[1].plen, 64);
	assert_int_equal(ra.routes[2].prefix[7], 0);
	assert_int_equal(ra.routes[2].prefix[6], 0x02);
	assert_int_equal(ra.routes[2].lifetime_s, ND_LIFETIME_INF);
	/* RFC 4191 §3.1: length too small for the prefix length, reserved prf, plen > 128, and a
	 * length above 3 are all ignored. */
	assert_int_equal(parse_opts("1801 4000 00000e10"
				    "1802 4100 00000e10 20010db800010002"
				    "1802 3010 00000e10 20010db800010002"
				    "1803 8100 00000e10 20010db8000100020000000000000000"
				    "1804 3000 00000e10 20010db8000100020000000000000000 0000000000000000",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_routes, 0);
	assert_int_equal(ra.n_opts_ignored, 5);
}

/* #13: fuzz_nd's reproducer (tests/fuzz/seeds/nd/ra_pio_fec0_8000_9). fec0:8000::/9 is fe80::/9
 * once the bits past 9 are cleared, a prefix covering link-local fe80::/10: RFC 4861 §6.3.4 and
 * RFC 4862 §5.5.3(b) ignore the link-local prefix, checked after masking and for any overlap. */
static void test_ra_link_scope_prefixes(void **st)
{
	(void)st;
	struct nd_ra_msg ra;
	/* PIO: fec0:8000::/9, ::/0, fe00::/7 (covers fe80::/10 and ff00::/8), fe80:1::/64 and
	 * ff80::/9 (multicast) are ignored; fec0::/10 (RFC 3879: global) and fc00::/7 are kept. */
	assert_int_equal(parse_opts("0304 09c0 00000064 00000064 00000000"
				    "fec08000000000000000000000000000"
				    "0304 00c0 00000064 00000064 00000000"
				    "20010db8000000000000000000000000"
				    "0304 07c0 00000064 00000064 00000000"
				    "fe000000000000000000000000000000"
				    "0304 40c0 00000064 00000064 00000000"
				    "fe800001000000000000000000000000"
				    "0304 0980 00000064 00000064 00000000"
				    "ff800000000000000000000000000000"
				    "0304 0a80 00000064 00000064 00000000"
				    "fec00000000000000000000000000000"
				    "0304 0780 00000064 00000064 00000000"
				    "fd000000000000000000000000000000",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_opts_ignored, 5);
	assert_int_equal(ra.n_prefixes, 2);
	assert_int_equal(ra.prefixes[0].plen, 10);
	assert_int_equal(ra.prefixes[0].prefix[1], 0xc0);
	assert_int_equal(ra.prefixes[1].plen, 7);
	assert_int_equal(ra.prefixes[1].prefix[0], 0xfc); /* masked */
	/* RIO: the same fec0:8000::/9, fe80::/64, ff02::/16 and fe00::/7 are ignored; ::/0 (the
	 * default route, RFC 4191 §2.3) and fec0::/10 stay. */
	assert_int_equal(parse_opts("1803 0900 00000e10 fec08000000000000000000000000000"
				    "1802 4000 00000e10 fe80000000000000"
				    "1802 1000 00000e10 ff02000000000000"
				    "1802 0700 00000e10 fe00000000000000"
				    "1801 0000 00000e10"
				    "1802 0a00 00000e10 fec0000000000000",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_opts_ignored, 4);
	assert_int_equal(ra.n_routes, 2);
	assert_int_equal(ra.routes[0].plen, 0);
	assert_int_equal(ra.routes[1].plen, 10);
	/* PREF64: fe80::/96 and ff0e::/96 (RFC 8781 §4 PLC 0) are ignored, 64:ff9b::/96 kept. */
	assert_int_equal(parse_opts("2602 0258 fe8000000000000000000000"
				    "2602 0258 ff0e00000000000000000000"
				    "2602 0258 0064ff9b0000000000000000",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_opts_ignored, 2);
	assert_int_equal(ra.n_pref64, 1);
	assert_int_equal(ra.pref64[0].prefix[1], 0x64);
}

static void test_ra_dns_options(void **st)
{
	(void)st;
	struct nd_ra_msg ra;
	/* RDNSS length 2 and 4 ignored (RFC 8106 §5.1: >= 3 and odd), length 3 kept. */
	assert_int_equal(parse_opts("1902 0000 0000003c 20010db800000000"
				    "1904 0000 0000003c 20010db8000000000000000000000001"
				    "0000000000000000"
				    "1903 0000 0000003c 20010db8000000000000000000000003",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_opts_ignored, 2);
	assert_int_equal(ra.n_rdnss, 1);
	assert_int_equal(ra.rdnss[0].addr[15], 3);
	assert_int_equal(ra.rdnss[0].lifetime_s, 60);
	/* DNSSL: a compression pointer makes the option malformed; a name with a space is skipped
	 * but the others kept; upper case folded; a name missing its terminator is malformed. */
	assert_int_equal(parse_opts("1f02 0000 0000003c 01 61 c00c 00000000"
				    "1f03 0000 0000003c 03 612062 00 03 4162 63 00 000000000000",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_opts_ignored, 1);
	assert_int_equal(ra.n_dnssl, 1);
	assert_string_equal(ra.dnssl[0].name, "abc");
	assert_int_equal(ra.n_dnssl_dropped, 1);
	assert_int_equal(parse_opts("1f02 0000 0000003c 0761626364656667", &ra), ND_E_OK);
	assert_int_equal(ra.n_dnssl, 0);
	assert_int_equal(ra.n_opts_ignored, 1);
	/* Capacity: 9 servers, 8 kept and 1 counted as dropped. */
	char opt[1024] = "1913 0000 0000003c";
	for (int i = 0; i < 9; i++)
		strcat(opt, "20010db8000000000000000000000009");
	assert_int_equal(parse_opts(opt, &ra), ND_E_OK);
	assert_int_equal(ra.n_rdnss, ND_MAX_RDNSS);
	assert_int_equal(ra.n_rdnss_dropped, 1);
}

static void test_ra_other_options(void **st)
{
	(void)st;
	struct nd_ra_msg ra;
	/* PREF64 (RFC 8781 §4): 64:ff9b::/96 lifetime 600 (scaled 75, PLC 0); a /56 (PLC 2) with
	 * bits past 56 cleared; PLC 6 and length 3 ignored. Flags expansion; unknown type 99;
	 * second MTU ignored. */
	assert_int_equal(parse_opts("2602 0258 0064ff9b0000000000000000"
				    "2602 025a 20010db8aabbccddeeff0011"
				    "2602 025e 0064ff9b0000000000000000"
				    "2603 0258 0064ff9b0000000000000000 0000000000000000"
				    "1a01 800000000001"
				    "6301 000000000000"
				    "0501 0000 00000500 0501 0000 000005dc",
			     &ra), ND_E_OK);
	assert_int_equal(ra.n_pref64, 2);
	assert_int_equal(ra.pref64[0].plen, 96);
	assert_int_equal(ra.pref64[0].lifetime_s, 600);
	assert_int_equal(ra.pref64[0].prefix[1], 0x64);
	assert_int_equal(ra.pref64[0].prefix[3], 0x9b);
	assert_int_equal(ra.pref64[1].plen, 56);
	assert_int_equal(ra.pref64[1].prefix[6], 0xcc);
	assert_int_equal(ra.pref64[1].prefix[7], 0);
	assert_true(ra.has_flags_ext);
	assert_true(ra.flags_ext == 0x800000000001ull);
	assert_int_equal(ra.n_opts_unknown, 1);
	assert_int_equal(ra.mtu, 1280);
	assert_int_equal(ra.n_opts_ignored, 3);
	/* RFC 4191 §2.2: the reserved router preference is read as medium. */
	uint8_t m[16];
	hex("86000000 40 10 0708 00000000 00000000", m, sizeof(m));
	struct nd_ip6_hdr ip = { .hop_limit = 255 };
	addr("fe800000000000000000000000000001", ip.src);
	assert_int_equal(nd_parse_ra(m, 16, &ip, &ra), ND_E_OK);
	assert_int_equal(ra.prf, ND_PRF_MEDIUM);
	assert_string_equal(nd_prf_name(ND_PRF_LOW), "low");
}

static void parse_pkt(const char *h, struct nd_ip6_hdr *ip, struct nd_nsna_msg *m,
	enum nd_err want)
{
	uint8_t pkt[256];
	size_t n = hex(h, pkt, sizeof(pkt));
	struct rcur icmp;
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, ip, &icmp), ND_E_OK);
	assert_int_equal(nd_parse_nsna(icmp.p, icmp.left, ip, m), want);
}

static void test_nsna_capture(void **st)
{
	(void)st;
	struct nd_ip6_hdr ip;
	struct nd_nsna_msg m;
	uint8_t t[16];
	addr("20010db800010002dc31c3fffeac951a", t);
	parse_pkt(cap_ns_dad, &ip, &m, ND_E_OK);
	assert_int_equal(m.type, ND_ICMP6_NS);
	assert_memory_equal(m.target, t, 16);
	assert_true(m.has_nonce);
	assert_memory_equal(m.nonce, "\xfd\x03\x90\x4f\x60\x12", 6);
	assert_false(m.has_lladdr);
	parse_pkt(cap_ns_ar, &ip, &m, ND_E_OK);
	assert_true(m.has_lladdr);
	assert_false(m.has_nonce);
	parse_pkt(cap_na, &ip, &m, ND_E_OK);
	assert_int_equal(m.type, ND_ICMP6_NA);
	assert_memory_equal(m.target, t, 16);
	assert_true(m.is_solicited && m.is_override);
	assert_false(m.is_router);
	assert_true(m.has_lladdr);
}

static void test_nsna_truncations(void **st)
{
	(void)st;
	static const char *const caps[] = { cap_ns_dad, cap_ns_ar, cap_na };
	for (size_t c = 0; c < 3; c++) {
		uint8_t pkt[256];
		size_t n = hex(caps[c], pkt, sizeof(pkt));
		struct nd_ip6_hdr ip;
		struct rcur icmp;
		struct nd_nsna_msg m;
		assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_OK);
		for (size_t l = 0; l < icmp.left; l++) {
			enum nd_err e = nd_parse_nsna(icmp.p, l, &ip, &m);
			if (l < ND_NS_HDR_LEN)
				assert_int_equal(e, ND_E_SHORT);
			else if (l == ND_NS_HDR_LEN)
				/* the DAD NS without its nonce is still a valid DAD NS */
				assert_int_equal(e, ND_E_OK);
			else
				assert_int_equal(e, ND_E_OPTLEN);
		}
	}
}

/* RFC 4861 §7.1.1 and §7.1.2 checks. */
static void test_nsna_validation(void **st)
{
	(void)st;
	uint8_t pkt[256];
	size_t n = hex(cap_ns_ar, pkt, sizeof(pkt));
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	struct nd_nsna_msg m;
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_OK);
	uint8_t *msg = pkt + 40;
	size_t ml = n - 40;
	/* From :: with an SLLA option. */
	struct nd_ip6_hdr ip2 = ip;
	memset(ip2.src, 0, 16);
	assert_int_equal(nd_parse_nsna(msg, ml, &ip2, &m), ND_E_SRC);
	/* From :: to an address other than a solicited-node group (the SLLA dropped). */
	memset(ip2.dst, 0, 16);
	ip2.dst[0] = 0xff;
	ip2.dst[1] = 0x02;
	ip2.dst[15] = 1;
	assert_int_equal(nd_parse_nsna(msg, 24, &ip2, &m), ND_E_DST);
	ip.hop_limit = 64;
	assert_int_equal(nd_parse_nsna(msg, ml, &ip, &m), ND_E_HOPLIMIT);
	ip.hop_limit = 255;
	msg[1] = 3;
	assert_int_equal(nd_parse_nsna(msg, ml, &ip, &m), ND_E_CODE);
	msg[1] = 0;
	msg[8] = 0xff; /* multicast target */
	assert_int_equal(nd_parse_nsna(msg, ml, &ip, &m), ND_E_TARGET);
	msg[8] = 0x20;
	msg[0] = ND_ICMP6_RS;
	assert_int_equal(nd_parse_nsna(msg, ml, &ip, &m), ND_E_TYPE);
	/* An NA with S set sent to a multicast address. */
	n = hex(cap_na, pkt, sizeof(pkt));
	assert_int_equal(nd_parse_ipv6_icmp(pkt, n, &ip, &icmp), ND_E_OK);
	memcpy(ip.dst, ip2.dst, 16);
	assert_int_equal(nd_parse_nsna(pkt + 40, n - 40, &ip, &m), ND_E_DST);
	pkt[44] = 0x20; /* S clear: fine */
	assert_int_equal(nd_parse_nsna(pkt + 40, n - 40, &ip, &m), ND_E_OK);
}

/* Golden bytes: the DAD NS equals the Linux probe byte for byte given the same nonce; RS and NA
 * checked by tshark ("Checksum Status: Good") when written. */
static void test_build_golden(void **st)
{
	(void)st;
	uint8_t icmp[64], pkt[128], want[128], t[16], dst[16], src[16];
	addr("20010db800010002dc31c3fffeac951a", t);
	nd_solicited_node(t, dst);
	int l = nd_build_ns(t, (const uint8_t *)"\xfd\x03\x90\x4f\x60\x12", icmp, sizeof(icmp));
	assert_int_equal(l, 32);
	memset(src, 0, 16);
	int n = nd_build_ipv6_icmp(src, dst, icmp, (size_t)l, pkt, sizeof(pkt));
	assert_int_equal(n, (int)hex(cap_ns_dad, want, sizeof(want)));
	assert_memory_equal(pkt, want, (size_t)n);

	addr("fe800000000000001122334455667788", src);
	addr("ff020000000000000000000000000002", dst);
	l = nd_build_rs(icmp, sizeof(icmp));
	assert_int_equal(l, 8);
	n = nd_build_ipv6_icmp(src, dst, icmp, (size_t)l, pkt, sizeof(pkt));
	assert_int_equal(n, (int)hex("6000000000083aff fe800000000000001122334455667788"
				     "ff020000000000000000000000000002 85006be2 00000000",
				 want, sizeof(want)));
	assert_memory_equal(pkt, want, (size_t)n);

	struct nd_nsna_msg na = { .is_solicited = true, .is_override = true };
	addr("20010db8000100021122334455667788", na.target);
	addr("20010db8000100020000000000000001", dst);
	l = nd_build_na(&na, icmp, sizeof(icmp));
	assert_int_equal(l, 24);
	n = nd_build_ipv6_icmp(na.target, dst, icmp, (size_t)l, pkt, sizeof(pkt));
	assert_int_equal(n, (int)hex("6000000000183aff 20010db8000100021122334455667788"
				     "20010db8000100020000000000000001 88006bcd 60000000"
				     "20010db8000100021122334455667788",
				 want, sizeof(want)));
	assert_memory_equal(pkt, want, (size_t)n);
}

/* Build -> parse round trips and the too-small buffers. */
static void test_build_roundtrip(void **st)
{
	(void)st;
	uint8_t icmp[64], pkt[128], src[16], dst[16];
	struct nd_ip6_hdr ip;
	struct rcur c;
	struct nd_nsna_msg na = { .is_router = true, .is_override = true }, m;
	addr("20010db8000100021122334455667788", na.target);
	memcpy(src, na.target, 16);
	addr("ff020000000000000000000000000001", dst);
	int l = nd_build_na(&na, icmp, sizeof(icmp));
	int n = nd_build_ipv6_icmp(src, dst, icmp, (size_t)l, pkt, sizeof(pkt));
	assert_int_equal(nd_parse_ipv6_icmp(pkt, (size_t)n, &ip, &c), ND_E_OK);
	assert_int_equal(nd_parse_nsna(c.p, c.left, &ip, &m), ND_E_OK);
	assert_true(m.type == ND_ICMP6_NA && m.is_router && m.is_override && !m.is_solicited);
	assert_memory_equal(m.target, na.target, 16);
	for (size_t cap = 0; cap < 24; cap++)
		assert_int_equal(nd_build_na(&na, icmp, cap), -1);
	for (size_t cap = 0; cap < 32; cap++)
		assert_int_equal(nd_build_ns(na.target, (const uint8_t *)"abcdef", icmp, cap), -1);
	for (size_t cap = 0; cap < 8; cap++)
		assert_int_equal(nd_build_rs(icmp, cap), -1);
	for (size_t cap = 0; cap < 64; cap++)
		assert_int_equal(nd_build_ipv6_icmp(src, dst, icmp, 24, pkt, cap), -1);
	assert_int_equal(nd_build_ipv6_icmp(src, dst, icmp, 2, pkt, sizeof(pkt)), -1);
	assert_int_equal(nd_build_ns(na.target, NULL, icmp, sizeof(icmp)), 24);
	/* With the TLLA option (Ethernet, RFC 4861 §4.6.1): type 2, length 1 (8 bytes), the MAC. */
	const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	na.is_solicited = true; /* to the soliciting node's unicast address (§7.1.2) */
	addr("20010db8000100020000000000000001", dst);
	l = nd_build_na_tlla(&na, mac, icmp, sizeof(icmp));
	assert_int_equal(l, 32);
	assert_memory_equal(icmp + 24, ((const uint8_t[]){ 2, 1, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }), 8);
	n = nd_build_ipv6_icmp(src, dst, icmp, (size_t)l, pkt, sizeof(pkt));
	assert_int_equal(nd_parse_ipv6_icmp(pkt, (size_t)n, &ip, &c), ND_E_OK);
	assert_int_equal(nd_parse_nsna(c.p, c.left, &ip, &m), ND_E_OK);
	assert_true(m.is_solicited && m.has_lladdr);
	for (size_t cap = 0; cap < 32; cap++)
		assert_int_equal(nd_build_na_tlla(&na, mac, icmp, cap), -1);
}

static void test_addr_helpers(void **st)
{
	(void)st;
	uint8_t a[16], s[16];
	addr("fe800000000000000000000000000001", a);
	assert_true(nd_addr_is_link_local(a));
	a[1] = 0xc0; /* fec0::/10 is not link-local */
	assert_false(nd_addr_is_link_local(a));
	addr("20010db8000000000000000000abcdef", a);
	nd_solicited_node(a, s);
	uint8_t want[16];
	addr("ff0200000000000000000001ffabcdef", want);
	assert_memory_equal(s, want, 16);
	assert_true(nd_addr_is_multicast(s));
	assert_false(nd_addr_is_unspecified(a));
	memset(a, 0, 16);
	assert_true(nd_addr_is_unspecified(a));
	assert_string_equal(nd_err_str(ND_E_CSUM), "bad ICMPv6 checksum");
	/* Overlap is agreement on the shorter length's bits. */
	addr("fe800000000000000000000000000000", a);
	assert_true(nd_prefix_is_link_scope(a, 9));
	assert_true(nd_prefix_is_link_scope(a, 64));
	assert_true(nd_prefix_is_link_scope(a, 0));
	a[1] = 0xc0;
	assert_false(nd_prefix_is_link_scope(a, 10));
	assert_true(nd_prefix_is_link_scope(a, 8)); /* fe00::/8 covers fe80::/10 */
	addr("20000000000000000000000000000000", a);
	assert_false(nd_prefix_is_link_scope(a, 3));
	assert_true(nd_prefix_overlaps(a, 3, s, 0));
	assert_false(nd_prefix_overlaps(a, 3, s, 1)); /* ff02::... starts with bit 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ra_capture),
		cmocka_unit_test(test_ra_truncations),
		cmocka_unit_test(test_ra_checksum),
		cmocka_unit_test(test_ipv6_header_checks),
		cmocka_unit_test(test_ra_validation),
		cmocka_unit_test(test_ra_pio_policies),
		cmocka_unit_test(test_ra_rio_policies),
		cmocka_unit_test(test_ra_link_scope_prefixes),
		cmocka_unit_test(test_ra_dns_options),
		cmocka_unit_test(test_ra_other_options),
		cmocka_unit_test(test_nsna_capture),
		cmocka_unit_test(test_nsna_truncations),
		cmocka_unit_test(test_nsna_validation),
		cmocka_unit_test(test_build_golden),
		cmocka_unit_test(test_build_roundtrip),
		cmocka_unit_test(test_addr_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
