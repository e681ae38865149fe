/* PPP control-packet codec (RFC 1661 §5): header and Length/padding rules, option walk,
 * truncation at every length, builders against golden bytes, build -> parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ppp/ppp_codec.h"
#include "test_util.h"

/* LCP Configure-Request as sent by pppd 2.4.9 (rp-pppoe server side, "mru 1492", "require-pap"):
 * MRU 1492, Auth-Protocol PAP, Magic-Number 0x5e630ab8. */
static const char pppd_lcp_req_pap[] = "01 01 00 12  01 04 05 d4  03 04 c0 23  05 06 5e 63 0a b8";

static void test_parse_pppd_req(void **state)
{
	(void)state;
	uint8_t b[64];
	int n = test_hex(pppd_lcp_req_pap, b, sizeof(b));
	struct ppp_cp_pkt p;
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(p.code, PPP_CONF_REQ);
	assert_int_equal(p.id, 1);
	assert_int_equal(p.len, 18);
	assert_int_equal(rcur_left(&p.data), 14);
	assert_int_equal(ppp_cp_check_opts(p.data), PPP_OK);
	struct rcur c = p.data, v;
	uint8_t t;
	assert_true(cpopt_next(&c, &t, &v));
	assert_int_equal(t, 1);
	assert_int_equal(rcur_u16(&v), 1492);
	assert_true(cpopt_next(&c, &t, &v));
	assert_int_equal(t, 3);
	assert_int_equal(rcur_u16(&v), 0xc023);
	assert_int_equal(rcur_left(&v), 0);
	assert_true(cpopt_next(&c, &t, &v));
	assert_int_equal(t, 5);
	assert_int_equal(rcur_u32(&v), 0x5e630ab8);
	assert_false(cpopt_next(&c, &t, &v));
	assert_true(rcur_ok(&c));
}

static void test_padding_ignored(void **state)
{
	(void)state;
	/* RFC 1661 §5: octets past Length are padding (e.g. Ethernet minimum frame size). */
	uint8_t b[64];
	int n = test_hex("06 07 00 04 00 00 00 00 00 00", b, sizeof(b));
	struct ppp_cp_pkt p;
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(p.code, PPP_TERM_ACK);
	assert_int_equal(p.id, 7);
	assert_int_equal(rcur_left(&p.data), 0);
}

static void test_truncated_every_length(void **state)
{
	(void)state;
	uint8_t b[64];
	int n = test_hex(pppd_lcp_req_pap, b, sizeof(b));
	struct ppp_cp_pkt p;
	for (int i = 0; i < n; i++)
		assert_int_equal(ppp_cp_parse(b, (size_t)i, &p), PPP_E_SHORT);
}

static void test_bad_length_field(void **state)
{
	(void)state;
	const uint8_t b[] = { 1, 1, 0, 3, 0 };
	struct ppp_cp_pkt p;
	assert_int_equal(ppp_cp_parse(b, sizeof(b), &p), PPP_E_LEN);
	assert_string_equal(ppp_err_str(PPP_E_LEN), "Length field below 4");
}

static void test_bad_options(void **state)
{
	(void)state;
	uint8_t b[64];
	struct ppp_cp_pkt p;
	/* option length 1 (< 2) is malformed */
	int n = test_hex("01 01 00 08 01 04 05 d4 03 01", b, sizeof(b));
	b[3] = (uint8_t)n;
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(ppp_cp_check_opts(p.data), PPP_E_OPTLEN);
	/* option running past Length */
	n = test_hex("01 01 00 08 01 06 05 d4", b, sizeof(b));
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(ppp_cp_check_opts(p.data), PPP_E_OPTLEN);
}

static void test_fixed_fields(void **state)
{
	(void)state;
	uint8_t b[32];
	struct ppp_cp_pkt p;
	uint32_t magic;
	uint16_t proto;
	uint8_t code;
	int n = test_hex("09 03 00 07 01 02 03", b, sizeof(b)); /* Echo with 3-byte magic */
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(ppp_cp_parse_magic(&p, &magic), PPP_E_FIELD);
	n = test_hex("09 03 00 08 01 02 03 04", b, sizeof(b));
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(ppp_cp_parse_magic(&p, &magic), PPP_OK);
	assert_int_equal(magic, 0x01020304);
	n = test_hex("08 04 00 05 80", b, sizeof(b));
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(ppp_cp_parse_proto_rej(&p, &proto), PPP_E_FIELD);
	n = test_hex("08 04 00 06 80 fd", b, sizeof(b));
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(ppp_cp_parse_proto_rej(&p, &proto), PPP_OK);
	assert_int_equal(proto, 0x80fd);
	n = test_hex("07 04 00 04", b, sizeof(b));
	assert_int_equal(ppp_cp_parse(b, (size_t)n, &p), PPP_OK);
	assert_int_equal(ppp_cp_parse_code_rej(&p, &code), PPP_E_FIELD);
}

static void test_build_golden(void **state)
{
	(void)state;
	uint8_t out[64], exp[64];
	int n = ppp_cp_build(out, sizeof(out), PPP_TERM_ACK, 0x2a, NULL, 0);
	int e = test_hex("06 2a 00 04", exp, sizeof(exp));
	assert_int_equal(n, e);
	assert_memory_equal(out, exp, (size_t)e);
	n = ppp_cp_build_echo(out, sizeof(out), PPP_ECHO_REQ, 3, 0xdeadbeef, NULL, 0);
	e = test_hex("09 03 00 08 de ad be ef", exp, sizeof(exp));
	assert_int_equal(n, e);
	assert_memory_equal(out, exp, (size_t)e);
	/* too small a buffer: -1, nothing half-built is returned */
	assert_int_equal(ppp_cp_build_echo(out, 7, PPP_ECHO_REQ, 3, 1, NULL, 0), -1);
}

static void test_build_options_roundtrip(void **state)
{
	(void)state;
	uint8_t opts[32], pkt[64], exp[64];
	struct wcur w = wcur_init(opts, sizeof(opts));
	ppp_opt_put_u16(&w, 1, 1492);
	ppp_opt_put_u32(&w, 5, 0x5e630ab8);
	ppp_opt_put_bytes(&w, 3, "\xc0\x23", 2);
	assert_true(wcur_ok(&w));
	int n = ppp_cp_build(pkt, sizeof(pkt), PPP_CONF_REQ, 1, opts, w.len);
	int e = test_hex("01 01 00 12 01 04 05 d4 05 06 5e 63 0a b8 03 04 c0 23", exp, sizeof(exp));
	assert_int_equal(n, e);
	assert_memory_equal(pkt, exp, (size_t)e);
	struct ppp_cp_pkt p;
	assert_int_equal(ppp_cp_parse(pkt, (size_t)n, &p), PPP_OK);
	assert_int_equal(p.len, n);
	assert_int_equal(ppp_cp_check_opts(p.data), PPP_OK);
	assert_memory_equal(p.data.p, opts, w.len);
	/* an option value above 253 bytes cannot be expressed */
	struct wcur w2 = wcur_init(opts, sizeof(opts));
	ppp_opt_put_bytes(&w2, 9, opts, 254);
	assert_false(wcur_ok(&w2));
}

static void test_build_reject_truncates(void **state)
{
	(void)state;
	uint8_t rej[100], out[200], exp[32];
	memset(rej, 0xab, sizeof(rej));
	/* RFC 1661 §5.7: Protocol-Reject carries the rejected protocol and as much of the packet
	 * as fits in the peer's MRU (here a tiny 12 for the test) */
	int n = ppp_cp_build_reject(out, sizeof(out), PPP_PROTO_REJ, 9, 0x80fd, rej, sizeof(rej),
				    12);
	int e = test_hex("08 09 00 0c 80 fd ab ab ab ab ab ab", exp, sizeof(exp));
	assert_int_equal(n, e);
	assert_memory_equal(out, exp, (size_t)e);
	n = ppp_cp_build_reject(out, sizeof(out), PPP_CODE_REJ, 2, 0, rej, 3, 1500);
	e = test_hex("07 02 00 07 ab ab ab", exp, sizeof(exp));
	assert_int_equal(n, e);
	assert_memory_equal(out, exp, (size_t)e);
	assert_int_equal(ppp_cp_build_reject(out, sizeof(out), PPP_PROTO_REJ, 1, 1, rej, 3, 5), -1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ppp_code_name(PPP_CONF_REQ), "Configure-Request");
	assert_string_equal(ppp_code_name(PPP_DISCARD_REQ), "Discard-Request");
	assert_string_equal(ppp_code_name(0), "unknown");
	assert_string_equal(ppp_code_name(12), "unknown");
	assert_string_equal(ppp_proto_name(PPP_PROTO_IPV6CP), "IPv6CP");
	assert_string_equal(ppp_proto_name(0x80fd), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_pppd_req),
		cmocka_unit_test(test_padding_ignored),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_bad_length_field),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_fixed_fields),
		cmocka_unit_test(test_build_golden),
		cmocka_unit_test(test_build_options_roundtrip),
		cmocka_unit_test(test_build_reject_truncates),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
