/* DHCPv6 codec: real kea-dhcp6 2.2.0 and wide-dhcpv6-server 20080615 replies, every truncation,
 * RFC 8415 range checks (§21.4, §21.6, §21.22, §21.24), golden builds, round trips, DUIDs, the
 * Authentication / Reconfigure options (§21.11, §21.19, §21.20), and the UDP/IPv6 wrapping
 * checked against tshark-computed checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dhcp6/dhcp6_codec.h"
#include "test_util.h"

/* Captured on a veth pair between two network namespaces (Debian bookworm): kea-dhcp6 2.2.0 with
 * subnet 2001:db8:1::/64, pool ::100-::1ff, pd-pool 2001:db8:8000::/40 delegated /56, T1 1000,
 * T2 2000, preferred 3000, valid 4000, DNS 2001:db8::53/54, domain-search example.net,
 * isp.example, information-refresh-time 7200, rapid-commit; and wide-dhcpv6 dhcp6s with
 * preference 255, a host entry delegating 2001:db8:8100::/56 (1800/3600) and an address pool.
 * The client (DUID-LL 02:aa:bb:cc:dd:02) was a test script sending RFC 8415 messages. */

/* kea: Advertise to Solicit(IA_NA 1, IA_PD 2 with ::/56 hint). */
static const char kea_adv[] =
	"02 111111"
	"0001 000a 0003000102aabbccdd02"                   /* client id, DUID-LL */
	"0002 000e 0001000129b9270002aabbccdd01"           /* server id, DUID-LLT */
	"0003 0028 00000001 000003e8 000007d0"              /* IA_NA 1, T1 1000, T2 2000 */
	"  0005 0018 20010db8000100000000000000000100 00000bb8 00000fa0" /* ::100 3000/4000 */
	"0017 0020 20010db8000000000000000000000053 20010db8000000000000000000000054"
	"0018 001a 076578616d706c65036e657400 03697370076578616d706c6500"
	"0019 0029 00000002 000003e8 000007d0"              /* IA_PD 2 */
	"  001a 0019 00000bb8 00000fa0 38 20010db8800000000000000000000000" /* /56 */
	"0020 0004 00001c20";                               /* information refresh 7200 */

/* kea: Reply to a Solicit with Rapid Commit from DUID-LL 02:aa:bb:cc:dd:03. */
static const char kea_rc_reply[] =
	"07 888888 0001 000a 0003000102aabbccdd03 0002 000e 0001000129b9270002aabbccdd01"
	"0003 0028 00000007 000003e8 000007d0"
	"  0005 0018 20010db8000100000000000000000101 00000bb8 00000fa0"
	"000e 0000"
	"0017 0020 20010db8000000000000000000000053 20010db8000000000000000000000054"
	"0018 001a 076578616d706c65036e657400 03697370076578616d706c6500"
	"0019 0029 00000008 000003e8 000007d0"
	"  001a 0019 00000bb8 00000fa0 38 20010db8800002000000000000000000"
	"0020 0004 00001c20";

/* kea: Reply to a Renew of an unknown prefix 2001:db8:ffff::/56 in IA_PD 9: a new prefix and the
 * unknown one with lifetimes 0. */
static const char kea_renew_unknown[] =
	"07 666666 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"0017 0020 20010db8000000000000000000000053 20010db8000000000000000000000054"
	"0018 001a 076578616d706c65036e657400 03697370076578616d706c6500"
	"0019 0046 00000009 000003e8 000007d0"
	"  001a 0019 00000bb8 00000fa0 38 20010db8800001000000000000000000"
	"  001a 0019 00000000 00000000 38 20010db8ffff00000000000000000000"
	"0020 0004 00001c20";

/* kea: Reply to Release: per-IA Success with text, and a top-level summary status. */
static const char kea_release_reply[] =
	"07 777777 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"0003 003f 00000001 00000000 00000000 000d 002f 0000"
	"  4c656173652072656c65617365642e205468616e6b20796f752c20706c6561736520636f6d6520616761696e2e"
	"000d 0029 0000 53756d6d6172792073746174757320666f7220616c6c2070726f6365737365642049415f4e4173"
	"0019 003f 00000002 00000000 00000000 000d 002f 0000"
	"  4c656173652072656c65617365642e205468616e6b20796f752c20706c6561736520636f6d6520616761696e2e";

/* wide dhcp6s: Advertise with preference 255, top-level NoAddrsAvail and a delegated prefix. */
static const char wide_adv[] =
	"02 111111 0001 000a 0003000102aabbccdd02 0002 000e 00010001329b08b81eb69ce9af98"
	"0007 0001 ff"
	"000d 0002 0002"
	"0017 0010 20010db8000000000000000000000053"
	"0018 000d 076578616d706c65036f726700"
	"0019 0029 00000002 00000384 000005a0"
	"  001a 0019 00000708 00000e10 38 20010db8810000000000000000000000";

/* wide dhcp6s: Reply to Renew: NoBinding inside IA_NA 1, the prefix renewed. */
static const char wide_renew_reply[] =
	"07 333333 0001 000a 0003000102aabbccdd02 0002 000e 00010001329b08b81eb69ce9af98"
	"0003 0012 00000001 00000000 00000000 000d 0002 0003"
	"0017 0010 20010db8000000000000000000000053"
	"0018 000d 076578616d706c65036f726700"
	"0019 0029 00000002 00000384 000005a0"
	"  001a 0019 00000708 00000e10 38 20010db8810000000000000000000000";

/* wide dhcp6s: rapid-commit Reply with an address and top-level NoPrefixAvail. */
static const char wide_rc_reply[] =
	"07 888888 0001 000a 0003000102aabbccdd03 0002 000e 00010001329b08b81eb69ce9af98"
	"0003 0028 00000007 00000708 00000b40"
	"  0005 0018 20010db8000100000000000000001000 00000e10 00001c20"
	"000e 0000 0007 0001 ff 000d 0002 0006"
	"0017 0010 20010db8000000000000000000000053"
	"0018 000d 076578616d706c65036f726700";

/* RFC 8415 §18.3.11 / §20.4.2 Reconfigure (msg-type 5 = Renew) built by hand, its HMAC-MD5 under
 * the key 00112233445566778899aabbccddeeff computed with Python's hmac module (not nettle):
 * hmac.new(key, msg_with_zero_digest, hashlib.md5). Replay detection value 2. */
static const char rkap_reconf[] =
	"0a 000000 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"0013 0001 05"
	"000b 001c 03 01 00 0000000000000002 02 43d52014190bc763f358be12482658ad";

/* A Reply carrying the Reconfigure Key (§20.4.1: RKAP, type 1) and Reconfigure Accept. */
static const char rkap_reply[] =
	"07 4a4a4a 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"0019 0029 00000002 000003e8 000007d0"
	"  001a 0019 00000bb8 00000fa0 38 20010db8800000000000000000000000"
	"0014 0000"
	"000b 001c 03 01 00 0000000000000001 01 00112233445566778899aabbccddeeff";

/* kea-dhcp6 2.2.0 Reply to v6link's Request in test_dhcp6_reconfigure (UML ISP, captured on the
 * client's side): IA_NA 0x36000010, the Authentication option of option-data code 11 (RKAP key
 * 00112233..eeff, replay detection 1), DNS, domain, IA_PD 0x36010010 2001:db8:8000::/56. */
static const char kea_rkey_reply[] =
	"07b29ad3 0001000a00030001027636000010 0002000a00030001027636000101"
	"00030028 36000010 000003e8 00000640"
	"  00050018 20010db8020000000000000000001000 000007d0 00000fa0"
	"000b001c 030100 0000000000000001 01 00112233445566778899aabbccddeeff"
	"00170010 20010db8000f00000000000000000053 0018000d 03697370076578616d706c6500"
	"00190029 36010010 000003e8 00000640"
	"  001a0019 000007d0 00000fa0 38 20010db8800000000000000000000000";

static const char *const all_vectors[] = { kea_adv, kea_rc_reply, kea_renew_unknown,
	kea_release_reply, wide_adv, wide_renew_reply, wide_rc_reply, rkap_reconf, rkap_reply,
	kea_rkey_reply };

static struct dhcp6_msg m, m2;
static uint8_t buf[4096], out[4096];

static size_t hex(const char *h, uint8_t *b)
{
	int n = test_hex(h, b, 4096);
	assert_true(n > 0);
	return (size_t)n;
}

static void assert_addr(const uint8_t a[16], const char *h)
{
	uint8_t x[16];
	assert_int_equal(test_hex(h, x, sizeof(x)), 16);
	assert_memory_equal(a, x, 16);
}

static void test_kea_advertise(void **state)
{
	(void)state;
	size_t n = hex(kea_adv, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.type, DHCP6_ADVERTISE);
	assert_int_equal(m.xid, 0x111111);
	assert_int_equal(m.client_id.len, 10);
	assert_memory_equal(m.client_id.b, "\x00\x03\x00\x01\x02\xaa\xbb\xcc\xdd\x02", 10);
	assert_int_equal(m.server_id.len, 14);
	assert_int_equal(m.n_ia, 2);
	assert_int_equal(m.ia[0].type, DHCP6_OPT_IA_NA);
	assert_int_equal(m.ia[0].iaid, 1);
	assert_int_equal(m.ia[0].t1_s, 1000);
	assert_int_equal(m.ia[0].t2_s, 2000);
	assert_int_equal(m.ia[0].n_addrs, 1);
	assert_addr(m.ia[0].addrs[0].addr, "20010db8000100000000000000000100");
	assert_int_equal(m.ia[0].addrs[0].plen, 128);
	assert_int_equal(m.ia[0].addrs[0].preferred_s, 3000);
	assert_int_equal(m.ia[0].addrs[0].valid_s, 4000);
	assert_int_equal(m.ia[1].type, DHCP6_OPT_IA_PD);
	assert_int_equal(m.ia[1].iaid, 2);
	assert_int_equal(m.ia[1].n_addrs, 1);
	assert_int_equal(m.ia[1].addrs[0].plen, 56);
	assert_addr(m.ia[1].addrs[0].addr, "20010db8800000000000000000000000");
	assert_int_equal(m.ia[1].addrs[0].preferred_s, 3000);
	assert_int_equal(m.n_dns, 2);
	assert_addr(m.dns[1], "20010db8000000000000000000000054");
	assert_int_equal(m.n_domains, 2);
	assert_string_equal(m.domains[0], "example.net");
	assert_string_equal(m.domains[1], "isp.example");
	assert_true(m.has_info_refresh);
	assert_int_equal(m.info_refresh_s, 7200);
	assert_false(m.has_preference);
	assert_false(m.status.present);
	assert_false(m.rapid_commit);
	assert_int_equal(m.n_raw, 0);
	assert_int_equal(m.n_skipped, 0);
}

static void test_kea_others(void **state)
{
	(void)state;
	size_t n = hex(kea_rc_reply, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.type, DHCP6_REPLY);
	assert_true(m.rapid_commit);
	assert_int_equal(m.ia[0].iaid, 7);
	assert_addr(m.ia[0].addrs[0].addr, "20010db8000100000000000000000101");
	assert_addr(m.ia[1].addrs[0].addr, "20010db8800002000000000000000000");

	n = hex(kea_renew_unknown, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.n_ia, 1);
	assert_int_equal(m.ia[0].iaid, 9);
	assert_int_equal(m.ia[0].n_addrs, 2);
	assert_int_equal(m.ia[0].addrs[1].valid_s, 0); /* 0/0 is valid: the server's withdrawal */
	assert_addr(m.ia[0].addrs[1].addr, "20010db8ffff00000000000000000000");

	n = hex(kea_release_reply, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_true(m.status.present);
	assert_int_equal(m.status.code, DHCP6_ST_SUCCESS);
	assert_string_equal(m.status.msg, "Summary status for all processed IA_NAs");
	assert_int_equal(m.n_ia, 2);
	assert_true(m.ia[0].status.present);
	assert_string_equal(m.ia[0].status.msg, "Lease released. Thank you, please come again.");
	assert_int_equal(m.ia[1].n_addrs, 0);
}

static void test_wide(void **state)
{
	(void)state;
	size_t n = hex(wide_adv, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_true(m.has_preference);
	assert_int_equal(m.preference, 255);
	assert_true(m.status.present);
	assert_int_equal(m.status.code, DHCP6_ST_NO_ADDRS_AVAIL);
	assert_string_equal(m.status.msg, "");
	assert_int_equal(m.n_ia, 1);
	assert_int_equal(m.ia[0].t1_s, 900);
	assert_int_equal(m.ia[0].t2_s, 1440);
	assert_int_equal(m.ia[0].addrs[0].preferred_s, 1800);
	assert_int_equal(m.ia[0].addrs[0].valid_s, 3600);
	assert_addr(m.ia[0].addrs[0].addr, "20010db8810000000000000000000000");
	assert_int_equal(m.n_domains, 1);
	assert_string_equal(m.domains[0], "example.org");

	n = hex(wide_renew_reply, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.ia[0].type, DHCP6_OPT_IA_NA);
	assert_true(m.ia[0].status.present);
	assert_int_equal(m.ia[0].status.code, DHCP6_ST_NO_BINDING);
	assert_int_equal(m.ia[0].n_addrs, 0);

	n = hex(wide_rc_reply, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_true(m.rapid_commit);
	assert_int_equal(m.status.code, DHCP6_ST_NO_PREFIX_AVAIL);
	assert_int_equal(m.ia[0].addrs[0].valid_s, 7200);
}

/* Top-level option boundaries of a well-formed message: the only lengths a cut may parse at. */
static bool at_boundary(const uint8_t *b, size_t full, size_t cut)
{
	size_t off = DHCP6_HDR_LEN;
	while (off < cut && off + 4 <= full)
		off += 4 + (size_t)(b[off + 2] << 8 | b[off + 3]);
	return off == cut;
}

static void test_truncation(void **state)
{
	(void)state;
	for (size_t v = 0; v < sizeof(all_vectors) / sizeof(all_vectors[0]); v++) {
		size_t n = hex(all_vectors[v], buf);
		for (size_t cut = 0; cut < n; cut++) {
			enum dhcp6_err e = dhcp6_parse(buf, cut, &m);
			if (cut < DHCP6_HDR_LEN)
				assert_int_equal(e, DHCP6_E_SHORT);
			else if (at_boundary(buf, n, cut))
				assert_int_equal(e, DHCP6_E_OK);
			else
				assert_int_equal(e, DHCP6_E_OPTLEN);
		}
	}
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *hex;
		enum dhcp6_err e;
	} cases[] = {
		{ "0c 000000", DHCP6_E_TYPE },                    /* RELAY-FORW */
		{ "00 000000", DHCP6_E_TYPE },
		{ "07 000001 0001 0002 0003 0001 0002 0003", DHCP6_E_DUP }, /* two client ids */
		{ "07 000001 0001 0001 03", DHCP6_E_BADOPT },      /* 1-byte DUID */
		{ "07 000001 0008 0003 000000", DHCP6_E_BADOPT },  /* elapsed time of 3 bytes */
		{ "07 000001 0007 0000", DHCP6_E_BADOPT },         /* empty preference */
		{ "07 000001 000e 0001 00", DHCP6_E_BADOPT },      /* rapid commit with a value */
		{ "07 000001 0006 0003 000100", DHCP6_E_BADOPT },  /* odd ORO */
		{ "07 000001 000d 0001 00", DHCP6_E_BADOPT },      /* 1-byte status */
		{ "07 000001 0003 000b 0000000100000000000000", DHCP6_E_BADOPT }, /* IA_NA of 11 */
		{ "07 000001 0003 0010 000000010000000000000000 0005 0000", DHCP6_E_BADOPT },
		{ "07 000001 0003 0010 000000010000000000000000 0005 0010", DHCP6_E_OPTLEN },
		{ "07 000001 0017 0010 0000", DHCP6_E_OPTLEN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = hex(cases[i].hex, buf);
		assert_int_equal(dhcp6_parse(buf, n, &m), cases[i].e);
		assert_string_not_equal(dhcp6_err_str(cases[i].e), "?");
	}
}

static void test_range_checks(void **state)
{
	(void)state;
	/* §21.22: plen 129, plen 0 and preferred > valid are ignored, the good one is kept. */
	size_t n = hex("07 000001 0019 0080 00000002 00000000 00000000"
		       "001a 0019 00000064 000000c8 81 20010db8000000000000000000000000"
		       "001a 0019 00000064 000000c8 00 20010db8000000000000000000000000"
		       "001a 0019 000000c9 000000c8 38 20010db8000000000000000000000000"
		       "001a 0019 00000064 000000c8 38 20010db8000100000000000000000000",
		buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.ia[0].n_addrs, 1);
	assert_int_equal(m.ia[0].n_ignored, 3);
	assert_addr(m.ia[0].addrs[0].addr, "20010db8000100000000000000000000");
	/* §21.6: IAADDR preferred > valid ignored. */
	n = hex("07 000001 0003 0028 00000001 00000000 00000000"
		"0005 0018 20010db8000000000000000000000001 000000c9 000000c8",
		buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.ia[0].n_addrs, 0);
	assert_int_equal(m.ia[0].n_ignored, 1);
	/* §21.4: T1 > T2 (both non-zero) discards the IA; T2 = 0 does not; a repeated IAID too. */
	n = hex("07 000001 0003 000c 00000001 000000c8 00000064"
		"0003 000c 00000002 000000c8 00000000"
		"0003 000c 00000002 00000001 00000002",
		buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.n_ia, 1);
	assert_int_equal(m.ia[0].iaid, 2);
	assert_int_equal(m.ia[0].t1_s, 200);
	assert_int_equal(m.n_ia_ignored, 2);
	/* §21.24: SOL_MAX_RT below 60 ignored, 60 taken; INF_MAX_RT above 86400 ignored. */
	n = hex("07 000001 0052 0004 0000003b 0052 0004 0000003c 0053 0004 00015181", buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_true(m.has_sol_max_rt);
	assert_int_equal(m.sol_max_rt_s, 60);
	assert_false(m.has_inf_max_rt);
	assert_int_equal(m.n_skipped, 2);
}

static void test_info_options(void **state)
{
	(void)state;
	/* DNS of 17 bytes, a compression pointer, a label with a space, a name without root: all
	 * skipped; the message still parses. */
	size_t n = hex("07 000001 0017 0011 20010db8000000000000000000000053 00"
		       "0018 0004 c00c 0000"
		       "0018 0006 0461206263 00"
		       "0018 0004 03616263",
		buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.n_dns, 0);
	assert_int_equal(m.n_domains, 0);
	assert_int_equal(m.n_skipped, 4);
	/* Unknown options are kept raw (up to DHCP6_MAX_RAW, DHCP6_RAW_MAX bytes each). */
	char h[4096];
	size_t k = (size_t)snprintf(h, sizeof(h), "07 000001");
	for (int i = 0; i < DHCP6_MAX_RAW + 2; i++)
		k += (size_t)snprintf(h + k, sizeof(h) - k, " %04x 0002 %04x", 100 + i, i);
	k += (size_t)snprintf(h + k, sizeof(h) - k, " 0099 0101");
	for (int i = 0; i < 0x101; i++)
		k += (size_t)snprintf(h + k, sizeof(h) - k, "ab");
	n = hex(h, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.n_raw, DHCP6_MAX_RAW);
	assert_int_equal(m.n_raw_dropped, 3);
	assert_int_equal(m.raw[3].code, 103);
	assert_int_equal(m.raw[3].len, 2);
	assert_memory_equal(m.raw[3].data, "\x00\x03", 2);
}

static void test_addrsel(void **state)
{
	(void)state;
	/* RFC 7078 §4: A flag, two rows; the second prefix in the minimal 2-octet encoding. */
	size_t n = hex("07 000001 0054 0021 02"
		       "0055 0013 01 28 40 20010db8000000000000000000000000"
		       "0055 0005 02 14 10 2002",
		buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_true(m.has_addrsel);
	assert_true(m.addrsel.automatic);
	assert_false(m.addrsel.privacy);
	assert_int_equal(m.addrsel.n_rows, 2);
	assert_int_equal(m.addrsel.rows[0].label, 1);
	assert_int_equal(m.addrsel.rows[0].precedence, 40);
	assert_int_equal(m.addrsel.rows[0].plen, 64);
	assert_int_equal(m.addrsel.rows[1].plen, 16);
	assert_addr(m.addrsel.rows[1].prefix, "20020000000000000000000000000000");
	/* The same value kept raw under other codes (an old draft's numbering). */
	struct dhcp6_addrsel as;
	size_t k = hex("03 00fa 0004 0d 0e 08 fd", out);
	assert_true(dhcp6_parse_addrsel(out, k, 250, &as));
	assert_true(as.automatic && as.privacy);
	assert_int_equal(as.n_rows, 1);
	assert_int_equal(as.rows[0].label, 13);
	assert_int_equal(as.rows[0].plen, 8);
	assert_int_equal(as.rows[0].prefix[0], 0xfd);
	assert_true(dhcp6_parse_addrsel(out, k, 85, &as));
	assert_int_equal(as.n_rows, 0);
	assert_false(dhcp6_parse_addrsel(out, k - 1, 250, &as));
	/* A prefix shorter than its length says: the option is skipped. */
	n = hex("07 000001 0054 0009 00 0055 0004 01 01 20 20", buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_false(m.has_addrsel);
	assert_int_equal(m.n_skipped, 1);
}

/* Golden Solicit: our builder's option order, hand-annotated per RFC 8415 §18.2.1. */
/* §21.11 Authentication, §21.19 Reconfigure Message, §21.20 Reconfigure Accept. */
static void test_auth_options(void **state)
{
	(void)state;
	size_t n = hex(rkap_reconf, buf), off = 0;
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_int_equal(m.type, DHCP6_RECONFIGURE);
	assert_string_equal(dhcp6_msg_name(m.type), "RECONFIGURE");
	assert_true(m.has_reconf_msg);
	assert_int_equal(m.reconf_msg, DHCP6_RENEW);
	assert_false(m.reconf_accept);
	assert_true(m.auth.present);
	assert_int_equal(m.auth.protocol, DHCP6_AUTH_PROTO_RKAP);
	assert_int_equal(m.auth.algorithm, DHCP6_AUTH_ALG_HMAC_MD5);
	assert_int_equal(m.auth.rdm, DHCP6_AUTH_RDM_COUNTER);
	assert_int_equal(m.auth.replay, 2);
	assert_int_equal(m.auth.info_len, DHCP6_RKAP_INFO_LEN);
	assert_int_equal(m.auth.info[0], DHCP6_RKAP_TYPE_HMAC);
	assert_int_equal(m.auth.info[1], 0x43);
	assert_int_equal(m.n_skipped + m.n_raw, 0);
	assert_true(dhcp6_auth_locate(buf, n, &off));
	assert_int_equal(off, n - DHCP6_RKAP_INFO_LEN); /* the last option */
	assert_memory_equal(buf + off, m.auth.info, DHCP6_RKAP_INFO_LEN);

	n = hex(kea_rkey_reply, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_true(m.auth.present);
	assert_int_equal(m.auth.protocol, 3);
	assert_int_equal(m.auth.algorithm, 1);
	assert_int_equal(m.auth.rdm, 0);
	assert_int_equal(m.auth.replay, 1);
	assert_int_equal(m.auth.info_len, 17);
	assert_int_equal(m.auth.info[0], DHCP6_RKAP_TYPE_KEY);
	assert_int_equal(m.auth.info[1], 0x00);
	assert_int_equal(m.auth.info[16], 0xff);
	assert_false(m.reconf_accept); /* kea does not echo it */
	assert_int_equal(m.n_ia, 2);
	assert_int_equal(m.ia[1].iaid, 0x36010010);
	assert_true(dhcp6_auth_locate(buf, n, &off));
	assert_int_equal(buf[off - 11], 3);

	n = hex(rkap_reply, buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_true(m.reconf_accept);
	assert_false(m.has_reconf_msg);
	assert_int_equal(m.auth.replay, 1);
	assert_int_equal(m.auth.info[0], DHCP6_RKAP_TYPE_KEY);
	assert_int_equal(m.auth.info[16], 0xff);

	/* Malformed ones are skipped and counted, the message stays (a server's broken
	 * Authentication option must not cost a Reply its lease): short, over 64 octets of
	 * information, a second one, a 2-octet Reconfigure Message, a Reconfigure Accept with data. */
	n = hex("07 010203 000b 000a 03010000000000000000"
		"000b 004c 030100 0000000000000009" /* 65 octets of information */
		"  0000000000000000000000000000000000000000000000000000000000000000"
		"  0000000000000000000000000000000000000000000000000000000000000000 00"
		"000b 000c 030100 0000000000000007 01"
		"000b 000c 030100 0000000000000008 02"
		"0013 0002 0505 0013 0001 0b 0013 0001 05"
		"0014 0001 00 0014 0000 0014 0000", buf);
	assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
	assert_true(m.auth.present);
	assert_int_equal(m.auth.replay, 7); /* the first well-formed one */
	assert_int_equal(m.auth.info_len, 1);
	assert_true(dhcp6_auth_locate(buf, n, &off));
	assert_int_equal(buf[off], 0x01);
	assert_int_equal(buf[off - 1], 0x07);
	assert_int_equal(m.reconf_msg, DHCP6_INFORMATION_REQUEST);
	assert_true(m.reconf_accept);
	assert_int_equal(m.n_skipped, 7);
	/* None at all, and a message cut inside its first option. */
	n = hex(kea_adv, buf);
	assert_false(dhcp6_auth_locate(buf, n, &off));
	assert_false(dhcp6_auth_locate(buf, 3, &off));
	n = hex(rkap_reconf, buf);
	assert_false(dhcp6_auth_locate(buf, n - 1, &off));

	/* Build: Reconfigure Accept right after Rapid Commit; the other two after ADDRSEL. */
	memset(&m, 0, sizeof(m));
	m.type = DHCP6_RENEW;
	m.xid = 0x010203;
	m.rapid_commit = true;
	m.reconf_accept = true;
	m.has_reconf_msg = true;
	m.reconf_msg = 11;
	m.auth.present = true;
	m.auth.protocol = 3;
	m.auth.algorithm = 1;
	m.auth.replay = 0x0102030405060708ull;
	m.auth.info_len = 2;
	m.auth.info[0] = 9;
	m.auth.info[1] = 8;
	int b = dhcp6_build(&m, out, sizeof(out));
	size_t g = hex("05 010203 000e 0000 0014 0000 0013 0001 0b"
		       "000b 000d 03 01 00 0102030405060708 0908", buf);
	assert_int_equal(b, (int)g);
	assert_memory_equal(out, buf, g);
	for (size_t cap = 0; cap < g; cap++)
		assert_int_equal(dhcp6_build(&m, out, cap), -1);
	m.auth.info_len = DHCP6_AUTH_INFO_MAX + 1;
	assert_int_equal(dhcp6_build(&m, out, sizeof(out)), -1);
}

static void test_build_golden(void **state)
{
	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = DHCP6_SOLICIT;
	m.xid = 0xabcdef;
	uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02 };
	dhcp6_duid_ll(&m.client_id, mac);
	m.n_ia = 2;
	m.ia[0].type = DHCP6_OPT_IA_NA;
	m.ia[0].iaid = 1;
	m.ia[1].type = DHCP6_OPT_IA_PD;
	m.ia[1].iaid = 2;
	m.ia[1].n_addrs = 1;
	m.ia[1].addrs[0].plen = 56;
	m.has_elapsed = true;
	m.elapsed_cs = 150;
	m.n_oro = 3;
	m.oro[0] = 23;
	m.oro[1] = 24;
	m.oro[2] = 82;
	m.rapid_commit = true;
	m.n_raw = 1;
	m.raw[0].code = 16;
	m.raw[0].len = 2;
	memcpy(m.raw[0].data, "\x12\x34", 2);
	int n = dhcp6_build(&m, out, sizeof(out));
	size_t g = hex("01 abcdef"
		       "0001 000a 0003000102aabbccdd02"
		       "0003 000c 00000001 00000000 00000000"
		       "0019 0029 00000002 00000000 00000000"
		       "  001a 0019 00000000 00000000 38 00000000000000000000000000000000"
		       "0008 0002 0096"
		       "0006 0006 0017 0018 0052"
		       "000e 0000"
		       "0010 0002 1234",
		buf);
	assert_int_equal(n, (int)g);
	assert_memory_equal(out, buf, g);
	/* Every shorter buffer fails cleanly. */
	for (size_t cap = 0; cap < g; cap++)
		assert_int_equal(dhcp6_build(&m, out, cap), -1);
	m.xid = 0x1000000;
	assert_int_equal(dhcp6_build(&m, out, sizeof(out)), -1);
}

static void test_roundtrip(void **state)
{
	(void)state;
	for (size_t v = 0; v < sizeof(all_vectors) / sizeof(all_vectors[0]); v++) {
		size_t n = hex(all_vectors[v], buf);
		assert_int_equal(dhcp6_parse(buf, n, &m), DHCP6_E_OK);
		int b = dhcp6_build(&m, out, sizeof(out));
		assert_int_equal(b, (int)n); /* same options, possibly reordered */
		assert_int_equal(dhcp6_parse(out, (size_t)b, &m2), DHCP6_E_OK);
		assert_memory_equal(&m, &m2, sizeof(m));
	}
	/* ADDRSEL and SOL/INF_MAX_RT survive a build -> parse too. */
	memset(&m, 0, sizeof(m));
	m.type = DHCP6_REPLY;
	m.has_addrsel = true;
	m.addrsel.privacy = true;
	m.addrsel.n_rows = 1;
	m.addrsel.rows[0].label = 7;
	m.addrsel.rows[0].precedence = 50;
	m.addrsel.rows[0].plen = 48;
	m.addrsel.rows[0].prefix[0] = 0x20;
	m.has_sol_max_rt = m.has_inf_max_rt = true;
	m.sol_max_rt_s = 600;
	m.inf_max_rt_s = 86400;
	int b = dhcp6_build(&m, out, sizeof(out));
	assert_true(b > 0);
	assert_int_equal(dhcp6_parse(out, (size_t)b, &m2), DHCP6_E_OK);
	assert_memory_equal(&m, &m2, sizeof(m));
}

static void test_duid(void **state)
{
	(void)state;
	struct dhcp6_duid d;
	uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01 };
	/* kea built its DUID-LLT from htype 1, time 700000000 and this MAC (server id above). */
	dhcp6_duid_llt(&d, mac, 700000000);
	uint8_t kea[14];
	test_hex("0001000129b9270002aabbccdd01", kea, sizeof(kea));
	assert_int_equal(d.len, 14);
	assert_memory_equal(d.b, kea, 14);
	dhcp6_duid_ll(&d, mac);
	assert_int_equal(d.len, 10);
	assert_memory_equal(d.b, "\x00\x03\x00\x01\x02\xaa\xbb\xcc\xdd\x01", 10);
	assert_true(dhcp6_duid_en(&d, 9, (const uint8_t *)"\x0c\xc0\x84\xd3\x03\x00\x09\x12", 8));
	assert_int_equal(d.len, 14); /* RFC 8415 §11.3 example: enterprise 9 */
	assert_memory_equal(d.b, "\x00\x02\x00\x00\x00\x09\x0c\xc0\x84\xd3\x03\x00\x09\x12", 14);
	assert_false(dhcp6_duid_en(&d, 9, kea, 0));
	assert_false(dhcp6_duid_en(&d, 9, buf, DHCP6_DUID_MAX - 5));
	assert_true(dhcp6_duid_en(&d, 9, buf, DHCP6_DUID_MAX - 6));
	uint8_t uuid[16];
	for (int i = 0; i < 16; i++)
		uuid[i] = (uint8_t)(0xf0 + i);
	dhcp6_duid_uuid(&d, uuid);
	assert_int_equal(d.len, 18);
	assert_memory_equal(d.b, "\x00\x04", 2);
	assert_memory_equal(d.b + 2, uuid, 16);
}

/* IPv6 packets from the same captures: kea's Advertise (unicast to the client's link-local) and
 * the client's Solicit to ff02::1:2 (hop limit 1). The veth capture holds the offload partial
 * sum in the UDP checksum field; it is replaced by the value tshark 4.0.17 computes
 * (udp.checksum_calculated), an independent implementation. */
static const char ip_kea_adv[] =
	"600e4b02 00cf 11 40 fe80000000000000080dfefffe0d0471 fe80000000000000c0d734fffe72a220"
	"0223 0222 00cf 79ee"
	"021111110001000a0003000102aabbccdd020002000e0001000129b9270002aabbccdd010003002800000001"
	"000003e8000007d00005001820010db800010000000000000000010000000bb800000fa00017002020010db8"
	"00000000000000000000005320010db80000000000000000000000540018001a076578616d706c65036e6574"
	"0003697370076578616d706c65000019002900000002000003e8000007d0001a001900000bb800000fa03820"
	"010db88000000000000000000000000020000400001c20";
static const char ip_solicit[] =
	"600d22a7 006d 11 01 fe80000000000000dc9992fffe0e00a0 ff020000000000000000000000010002"
	"0222 0223 006d a768"
	"011111110001000a0003000102aabbccdd020008000200000006000c00170018002000520054005500030"
	"00c00000001000000000000000000190029000000020000000000000000001a0019000000000000000038"
	"00000000000000000000000000000000";

static void test_udp6(void **state)
{
	(void)state;
	struct dhcp6_udp6 u;
	size_t n = hex(ip_kea_adv, buf);
	assert_int_equal(dhcp6_parse_udp6(buf, n, &u), DHCP6_E_OK);
	assert_int_equal(u.payload_off, 48);
	assert_int_equal(u.payload_len, 199);
	assert_addr(u.src, "fe80000000000000080dfefffe0d0471");
	assert_int_equal(dhcp6_parse(buf + u.payload_off, u.payload_len, &m), DHCP6_E_OK);
	assert_int_equal(m.xid, 0x111111);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_not_equal(dhcp6_parse_udp6(buf, cut, &u), DHCP6_E_OK);
	buf[100] ^= 1;
	assert_int_equal(dhcp6_parse_udp6(buf, n, &u), DHCP6_E_CSUM);
	buf[100] ^= 1;
	buf[46] = buf[47] = 0; /* zero checksum: RFC 8200 §8.1 discard */
	assert_int_equal(dhcp6_parse_udp6(buf, n, &u), DHCP6_E_CSUM);

	/* Our own wrapping of the captured Solicit reproduces the packet (flow label aside) with
	 * tshark's checksum, and our parser refuses it for its ports (546 -> 547). */
	n = hex(ip_solicit, buf);
	uint8_t src[16], dst[16];
	memcpy(src, buf + 8, 16);
	memcpy(dst, buf + 24, 16);
	int b = dhcp6_build_udp6(src, dst, 546, 547, buf + 48, n - 48, out, sizeof(out));
	assert_int_equal(b, (int)n);
	assert_int_equal(out[0], 0x60);
	assert_memory_equal(out + 4, buf + 4, n - 4);
	assert_int_equal(dhcp6_parse_udp6(out, (size_t)b, &u), DHCP6_E_PORT);
	assert_int_equal(dhcp6_build_udp6(src, dst, 546, 547, buf + 48, n - 48, out, n - 1), -1);
	/* An answer from another source port (wide-dhcpv6's dhcp6s uses an ephemeral one) passes. */
	b = dhcp6_build_udp6(src, dst, 40123, 546, buf + 48, n - 48, out, sizeof(out));
	assert_true(b > 0);
	assert_int_equal(dhcp6_parse_udp6(out, (size_t)b, &u), DHCP6_E_OK);
	/* A damaged checksum fails, unless the capture says the checksum was left partial. */
	b = dhcp6_build_udp6(src, dst, 547, 546, buf + 48, n - 48, out, sizeof(out));
	out[46] ^= 0x5a;
	assert_int_equal(dhcp6_parse_udp6(out, (size_t)b, &u), DHCP6_E_CSUM);
	assert_int_equal(dhcp6_parse_udp6_csum(out, (size_t)b, true, &u), DHCP6_E_OK);
	/* A built 547 -> 546 packet passes our parser. */
	b = dhcp6_build_udp6(src, dst, 547, 546, buf + 48, n - 48, out, sizeof(out));
	assert_int_equal(dhcp6_parse_udp6(out, (size_t)b, &u), DHCP6_E_OK);
	assert_int_equal(u.payload_len, n - 48);
	assert_memory_equal(out + u.payload_off, buf + 48, n - 48);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(dhcp6_msg_name(DHCP6_INFORMATION_REQUEST), "INFORMATION-REQUEST");
	assert_string_equal(dhcp6_msg_name(12), "?");
	assert_string_equal(dhcp6_status_name(DHCP6_ST_NO_PREFIX_AVAIL), "NoPrefixAvail");
	assert_string_equal(dhcp6_status_name(7), "?");
	assert_string_equal(dhcp6_err_str(DHCP6_E_CSUM), "bad UDP checksum");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kea_advertise),
		cmocka_unit_test(test_kea_others),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_range_checks),
		cmocka_unit_test(test_info_options),
		cmocka_unit_test(test_addrsel),
		cmocka_unit_test(test_auth_options),
		cmocka_unit_test(test_build_golden),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_duid),
		cmocka_unit_test(test_udp6),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
