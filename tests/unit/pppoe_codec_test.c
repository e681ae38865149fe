/* PPPoE codec: Ethernet/802.1Q, discovery packets (real rp-pppoe 3.15 captures and hand-written
 * RFC 2516 §5 vectors), every truncation, tag walk errors, golden builds, session header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pppoe/pppoe_codec.h"
#include "test_util.h"

/* Captured with tshark on a veth pair between network namespaces: Debian's pppoe-server 3.15
 * (`pppoe-server -I veth-pa -C test-ac -S internet -S other`, MAC 02:00:00:00:00:0a) and a
 * client at 02:00:00:00:00:0b. Ethernet headers included. */

/* PADI sent by pppoe-discovery (pppd 2.4.9) with -S internet -U. */
static const char cap_padi[] = "ffffffffffff 02000000000b 8863"
			       "11 09 0000 0014"          /* ver/type, PADI, session 0, length 20 */
			       "0101 0008 696e7465726e6574" /* Service-Name "internet" */
			       "0103 0004 f2160000";        /* Host-Uniq (pid) */

/* PADO from pppoe-server 3.15 answering a PADI with Host-Uniq 0123456789abcdef. */
static const char cap_pado[] = "02000000000b 02000000000a 8863"
			       "11 07 0000 0044"                   /* PADO, length 68 */
			       "0102 0007 746573742d6163"          /* AC-Name "test-ac" */
			       "0101 0008 696e7465726e6574"        /* Service-Name "internet" */
			       "0101 0005 6f74686572"              /* Service-Name "other" */
			       "0104 0014 9db04dd03900e0129192778bc58249d3ee160000" /* AC-Cookie */
			       "0103 0008 0123456789abcdef";       /* Host-Uniq echoed */

/* PADR from the test client (hand-built per RFC 2516 §5.3), accepted by that server. */
static const char cap_padr[] = "02000000000a 02000000000b 8863"
			       "11 19 0000 0030"
			       "0101 0008 696e7465726e6574"
			       "0103 0008 0123456789abcdef"
			       "0104 0014 9db04dd03900e0129192778bc58249d3ee160000";

/* PADS from pppoe-server 3.15: session 1. */
static const char cap_pads[] = "02000000000b 02000000000a 8863"
			       "11 65 0001 0018"
			       "0101 0008 696e7465726e6574"
			       "0103 0008 0123456789abcdef";

/* PADS from pppoe-server 3.15 refusing Service-Name "nosuch": session 0, Service-Name-Error. */
static const char cap_pads_err[] = "02000000000b 02000000000a 8863"
				   "11 65 0000 003a"
				   "0201 002a" /* "RP-PPPoE: Server: Invalid service name tag" */
				   "52502d5050506f453a205365727665723a20496e76616c69642073657276"
				   "696365206e616d6520746167"
				   "0103 0008 0123456789abcdef";

/* PADT from pppoe-server 3.15 when its pppd died: Generic-Error, no Host-Uniq. */
static const char cap_padt[] = "02000000000b 02000000000a 8863"
			       "11 a7 0001 002b"
			       "0203 0027" /* "RP-PPPoE: Child pppd process terminated" */
			       "52502d5050506f453a204368696c6420707070642070726f636573732074"
			       "65726d696e61746564";

/* Hand-written (RFC 2516 §5.1, 802.1Q): PADI in VLAN 7 priority 5 (TCI a007), empty
 * Service-Name, PPP-Max-Payload 1500 (RFC 4638), padded to the 60-byte Ethernet minimum. */
static const char vlan_padi[] = "ffffffffffff 02000000000b 8100 a007 8863"
				"11 09 0000 000a"
				"0101 0000"
				"0120 0002 05dc"
				"0000000000000000000000000000000000000000000000000000";

struct vec {
	uint8_t b[1600];
	size_t len;
};

static struct vec vec_hex(const char *hex)
{
	struct vec v;
	int n = test_hex(hex, v.b, sizeof(v.b));
	assert_true(n > 0);
	v.len = (size_t)n;
	return v;
}

static void parse_frame_ok(const char *hex, struct pppoe_eth_hdr *eth, struct pppoe_disc_pkt *p)
{
	struct vec v = vec_hex(hex);
	assert_int_equal(pppoe_disc_parse_frame(v.b, v.len, eth, p), PPPOE_E_OK);
}

static const uint8_t mac_ac[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_cl[6] = { 2, 0, 0, 0, 0, 0x0b };
static const uint8_t hu[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

static void test_padi_capture(void **state)
{
	(void)state;
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	parse_frame_ok(cap_padi, &eth, &p);
	assert_false(eth.has_vlan);
	assert_int_equal(eth.ethertype, PPPOE_ETHERTYPE_DISC);
	assert_memory_equal(eth.src, mac_cl, 6);
	assert_int_equal(p.code, PPPOE_CODE_PADI);
	assert_int_equal(p.session_id, 0);
	assert_int_equal(p.n_services, 1);
	assert_string_equal(p.services[0], "internet");
	assert_true(p.has_host_uniq);
	assert_int_equal(p.host_uniq_len, 4);
	assert_memory_equal(p.host_uniq, "\xf2\x16\x00\x00", 4);
	assert_false(p.has_ac_name);
	assert_false(p.has_cookie);
	assert_false(p.has_max_payload);
}

static void test_pado_capture(void **state)
{
	(void)state;
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	uint16_t tag;
	const char *text;
	parse_frame_ok(cap_pado, &eth, &p);
	assert_memory_equal(eth.src, mac_ac, 6);
	assert_memory_equal(eth.dst, mac_cl, 6);
	assert_int_equal(p.code, PPPOE_CODE_PADO);
	assert_true(p.has_ac_name);
	assert_string_equal(p.ac_name, "test-ac");
	assert_int_equal(p.n_services, 2);
	assert_string_equal(p.services[0], "internet");
	assert_string_equal(p.services[1], "other");
	assert_true(p.has_cookie);
	assert_int_equal(p.cookie_len, 20);
	assert_memory_equal(p.cookie, "\x9d\xb0\x4d\xd0\x39\x00\xe0\x12\x91\x92", 10);
	assert_int_equal(p.cookie[19], 0);
	assert_true(p.has_host_uniq);
	assert_int_equal(p.host_uniq_len, 8);
	assert_memory_equal(p.host_uniq, hu, 8);
	assert_false(p.has_max_payload); /* 3.15 does not speak RFC 4638 */
	assert_false(pppoe_disc_error(&p, &tag, &text));
}

static void test_pads_capture(void **state)
{
	(void)state;
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	parse_frame_ok(cap_pads, &eth, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADS);
	assert_int_equal(p.session_id, 1);
	assert_int_equal(p.n_services, 1);
	assert_string_equal(p.services[0], "internet");
	assert_int_equal(p.host_uniq_len, 8);
	assert_false(p.has_ac_name);
}

static void test_pads_error_capture(void **state)
{
	(void)state;
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	uint16_t tag;
	const char *text;
	parse_frame_ok(cap_pads_err, &eth, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADS);
	assert_int_equal(p.session_id, 0);
	assert_int_equal(p.n_services, 0);
	assert_true(p.has_service_name_error);
	assert_string_equal(p.service_name_error, "RP-PPPoE: Server: Invalid service name tag");
	assert_true(pppoe_disc_error(&p, &tag, &text));
	assert_int_equal(tag, PPPOE_TAG_SERVICE_NAME_ERROR);
	assert_string_equal(text, "RP-PPPoE: Server: Invalid service name tag");
	assert_string_equal(pppoe_tag_name(tag), "Service-Name-Error");
}

static void test_padt_capture(void **state)
{
	(void)state;
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	parse_frame_ok(cap_padt, &eth, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADT);
	assert_int_equal(p.session_id, 1);
	assert_false(p.has_host_uniq);
	assert_true(p.has_generic_error);
	assert_string_equal(p.generic_error, "RP-PPPoE: Child pppd process terminated");
	assert_false(p.has_service_name_error);
	assert_false(p.has_ac_system_error);
}

static void test_vlan_padded(void **state)
{
	(void)state;
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	struct vec v = vec_hex(vlan_padi);
	assert_int_equal(v.len, 60);
	parse_frame_ok(vlan_padi, &eth, &p);
	assert_true(eth.has_vlan);
	assert_int_equal(eth.vlan_id, 7);
	assert_int_equal(eth.priority, 5);
	assert_false(eth.dei);
	assert_int_equal(eth.ethertype, PPPOE_ETHERTYPE_DISC);
	assert_int_equal(p.code, PPPOE_CODE_PADI);
	assert_int_equal(p.n_services, 1);
	assert_string_equal(p.services[0], "");
	assert_true(p.has_max_payload);
	assert_int_equal(p.max_payload, 1500);
}

/* Every proper prefix of a frame without padding must fail cleanly. */
static void truncate_all(const char *hex)
{
	struct vec v = vec_hex(hex);
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	for (size_t n = 0; n < v.len; n++) {
		enum pppoe_err e = pppoe_disc_parse_frame(v.b, n, &eth, &p);
		assert_int_not_equal(e, PPPOE_E_OK);
		if (n < PPPOE_ETH_LEN + PPPOE_HDR_LEN)
			assert_int_equal(e, PPPOE_E_SHORT);
		else
			assert_int_equal(e, PPPOE_E_LENGTH);
	}
	assert_int_equal(pppoe_disc_parse_frame(v.b, v.len, &eth, &p), PPPOE_E_OK);
}

static void test_truncation(void **state)
{
	(void)state;
	truncate_all(cap_padi);
	truncate_all(cap_pado);
	truncate_all(cap_padr);
	truncate_all(cap_pads);
	truncate_all(cap_pads_err);
	truncate_all(cap_padt);
}

static void test_truncation_vlan(void **state)
{
	(void)state;
	struct vec v = vec_hex(vlan_padi);
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	const size_t end = PPPOE_ETH_VLAN_LEN + PPPOE_HDR_LEN + 10;
	for (size_t n = 0; n < v.len; n++) {
		enum pppoe_err e = pppoe_disc_parse_frame(v.b, n, &eth, &p);
		if (n < PPPOE_ETH_VLAN_LEN + PPPOE_HDR_LEN)
			assert_int_equal(e, PPPOE_E_SHORT);
		else if (n < end)
			assert_int_equal(e, PPPOE_E_LENGTH);
		else
			assert_int_equal(e, PPPOE_E_OK); /* the rest is Ethernet padding */
	}
}

static enum pppoe_err parse_hex(const char *hex, struct pppoe_disc_pkt *p)
{
	struct vec v = vec_hex(hex);
	return pppoe_disc_parse(v.b, v.len, p);
}

static void test_header_errors(void **state)
{
	(void)state;
	struct pppoe_disc_pkt p;
	assert_int_equal(parse_hex("21 09 0000 0000", &p), PPPOE_E_VERTYPE);
	assert_int_equal(parse_hex("12 09 0000 0000", &p), PPPOE_E_VERTYPE);
	assert_int_equal(parse_hex("11 42 0000 0000", &p), PPPOE_E_CODE);
	assert_int_equal(parse_hex("11 00 0001 0000", &p), PPPOE_E_CODE); /* session code */
	/* RFC 2516 §5.1-5.3: PADI/PADO/PADR with a session id. */
	assert_int_equal(parse_hex("11 09 0005 0000", &p), PPPOE_E_SESSION_ID);
	assert_int_equal(parse_hex("11 07 0005 0000", &p), PPPOE_E_SESSION_ID);
	assert_int_equal(parse_hex("11 19 0005 0000", &p), PPPOE_E_SESSION_ID);
	assert_int_equal(parse_hex("11 a7 0005 0000", &p), PPPOE_E_OK);
	assert_int_equal(p.session_id, 5);
	assert_int_equal(parse_hex("11 65 0000 0000", &p), PPPOE_E_OK); /* PADS sid 0 is legal */
	assert_int_equal(parse_hex("11 09 0000 0001", &p), PPPOE_E_LENGTH);
	assert_int_equal(parse_hex("11 09 0000", &p), PPPOE_E_SHORT);
	struct vec v = vec_hex(cap_padi);
	v.b[12] = 0x88;
	v.b[13] = 0x64;
	struct pppoe_eth_hdr eth;
	assert_int_equal(pppoe_disc_parse_frame(v.b, v.len, &eth, &p), PPPOE_E_ETHERTYPE);
	assert_string_equal(pppoe_err_str(PPPOE_E_ETHERTYPE), "unexpected ethertype");
}

static void test_tag_walk_errors(void **state)
{
	(void)state;
	struct pppoe_disc_pkt p;
	/* Tag header cut by LENGTH (2 bytes of a 4-byte header). */
	assert_int_equal(parse_hex("11 09 0000 0006 0101 0000 0101", &p), PPPOE_E_TAG);
	/* Value runs past LENGTH even though the buffer has the bytes (padding). */
	assert_int_equal(parse_hex("11 09 0000 0006 0101 0004 6162 6364", &p), PPPOE_E_TAG);
	/* Duplicates of single-valued tags. */
	assert_int_equal(parse_hex("11 07 0000 0008 0102 0000 0102 0000", &p), PPPOE_E_DUP);
	assert_int_equal(parse_hex("11 07 0000 000a 0103 0001 aa 0103 0001 bb", &p), PPPOE_E_DUP);
	assert_int_equal(parse_hex("11 07 0000 000a 0104 0001 aa 0104 0001 bb", &p), PPPOE_E_DUP);
	assert_int_equal(parse_hex("11 07 0000 000a 0110 0001 aa 0110 0001 bb", &p), PPPOE_E_DUP);
	assert_int_equal(parse_hex("11 07 0000 000c 0120 0002 05dc 0120 0002 05dc", &p),
		PPPOE_E_DUP);
	/* RFC 4638 §4: PPP-Max-Payload is exactly 2 bytes. */
	assert_int_equal(parse_hex("11 09 0000 0007 0120 0003 05dc00", &p), PPPOE_E_TAGLEN);
	assert_int_equal(parse_hex("11 09 0000 0005 0120 0001 05", &p), PPPOE_E_TAGLEN);
}

/* A packet with one tag of value length n (all 'a'). */
static size_t one_tag(uint8_t *b, uint16_t type, size_t n)
{
	memcpy(b, "\x11\x07\x00\x00", 4);
	b[4] = (uint8_t)((n + 4) >> 8);
	b[5] = (uint8_t)(n + 4);
	b[6] = (uint8_t)(type >> 8);
	b[7] = (uint8_t)type;
	b[8] = (uint8_t)(n >> 8);
	b[9] = (uint8_t)n;
	memset(b + 10, 'a', n);
	return n + 10;
}

static void test_tag_limits(void **state)
{
	(void)state;
	uint8_t b[1200];
	struct pppoe_disc_pkt p;
	size_t n;
	n = one_tag(b, PPPOE_TAG_HOST_UNIQ, 64);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_OK);
	assert_int_equal(p.host_uniq_len, 64);
	n = one_tag(b, PPPOE_TAG_HOST_UNIQ, 65);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_TAGLEN);
	n = one_tag(b, PPPOE_TAG_AC_COOKIE, 256);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_OK);
	assert_int_equal(p.cookie_len, 256);
	n = one_tag(b, PPPOE_TAG_AC_COOKIE, 257);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_TAGLEN);
	n = one_tag(b, PPPOE_TAG_RELAY_SESSION_ID, 64);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_OK);
	assert_int_equal(p.relay_id_len, 64);
	n = one_tag(b, PPPOE_TAG_RELAY_SESSION_ID, 65);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_TAGLEN);
	n = one_tag(b, PPPOE_TAG_AC_NAME, 255);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_OK);
	assert_int_equal(strlen(p.ac_name), 255);
	n = one_tag(b, PPPOE_TAG_AC_NAME, 256);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_TAGLEN);
	n = one_tag(b, PPPOE_TAG_SERVICE_NAME, 256);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_TAGLEN);
	/* Error text is only reported: long text is cut, not rejected. */
	n = one_tag(b, PPPOE_TAG_AC_SYSTEM_ERROR, 1000);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_OK);
	assert_true(p.has_ac_system_error);
	assert_int_equal(strlen(p.ac_system_error), PPPOE_STR_MAX);
}

static void test_tag_skipping(void **state)
{
	(void)state;
	struct pppoe_disc_pkt p;
	/* Vendor-Specific and an unknown tag are skipped; End-Of-List ends the walk, so the
	 * AC-Name and the broken tag after it are never looked at (RFC 2516 Appendix A). */
	assert_int_equal(parse_hex("11 07 0000 0023"
				   "0105 0006 00000de9 1234" /* Vendor-Specific, vendor 3561 */
				   "7777 0002 abcd"          /* unknown */
				   "0101 0001 78"            /* Service-Name "x" */
				   "0000 0000"               /* End-Of-List */
				   "0102 0002 6869"          /* AC-Name "hi", ignored */
				   "0101 00ff",              /* broken, ignored */
			     &p),
		PPPOE_E_OK);
	assert_int_equal(p.n_services, 1);
	assert_string_equal(p.services[0], "x");
	assert_false(p.has_ac_name);
	/* Control bytes (and NUL) inside a string become '?'. */
	assert_int_equal(parse_hex("11 07 0000 0009 0102 0005 61 00 0a 7f 62", &p), PPPOE_E_OK);
	assert_string_equal(p.ac_name, "a???b");
	/* Error tags: the first of each kind is kept. */
	assert_int_equal(parse_hex("11 65 0000 000a 0203 0001 41 0203 0001 42", &p), PPPOE_E_OK);
	assert_string_equal(p.generic_error, "A");
}

static void test_many_services(void **state)
{
	(void)state;
	uint8_t b[200];
	struct pppoe_disc_pkt p;
	size_t n = 6;
	memcpy(b, "\x11\x07\x00\x00\x00\x00", 6);
	for (int i = 0; i < 10; i++) {
		memcpy(b + n, "\x01\x01\x00\x02", 4);
		b[n + 4] = 's';
		b[n + 5] = (uint8_t)('0' + i);
		n += 6;
	}
	b[5] = (uint8_t)(n - 6);
	assert_int_equal(pppoe_disc_parse(b, n, &p), PPPOE_E_OK);
	assert_int_equal(p.n_services, PPPOE_MAX_SERVICES);
	assert_int_equal(p.n_services_dropped, 2);
	assert_string_equal(p.services[0], "s0");
	assert_string_equal(p.services[7], "s7");
}

static void build_golden(const struct pppoe_disc_pkt *p, const char *frame_hex)
{
	struct vec want = vec_hex(frame_hex);
	uint8_t buf[1500];
	int n = pppoe_disc_build(p, buf, sizeof(buf));
	assert_int_equal(n, (int)want.len - PPPOE_ETH_LEN);
	assert_memory_equal(buf, want.b + PPPOE_ETH_LEN, (size_t)n);
	/* Every smaller buffer fails without writing past it. */
	for (size_t cap = 0; cap < (size_t)n; cap++) {
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(pppoe_disc_build(p, buf, cap), -1);
		assert_int_equal(buf[cap], 0xee);
	}
}

static void test_build_padr_golden(void **state)
{
	(void)state;
	struct pppoe_disc_pkt p;
	memset(&p, 0, sizeof(p));
	p.code = PPPOE_CODE_PADR;
	p.n_services = 1;
	strcpy(p.services[0], "internet");
	p.has_host_uniq = true;
	p.host_uniq_len = 8;
	memcpy(p.host_uniq, hu, 8);
	struct pppoe_disc_pkt pado;
	parse_frame_ok(cap_pado, &(struct pppoe_eth_hdr){ 0 }, &pado);
	p.has_cookie = true;
	p.cookie_len = pado.cookie_len;
	memcpy(p.cookie, pado.cookie, pado.cookie_len);
	build_golden(&p, cap_padr); /* byte for byte what pppoe-server 3.15 accepted */
}

static void test_build_padi_golden(void **state)
{
	(void)state;
	struct pppoe_disc_pkt p;
	memset(&p, 0, sizeof(p));
	p.code = PPPOE_CODE_PADI;
	/* No service given: RFC 2516 §5.1 still wants an (empty) Service-Name. */
	p.has_max_payload = true;
	p.max_payload = 1500;
	build_golden(&p, "ffffffffffff 02000000000b 8863 11 09 0000 000a 0101 0000 0120 0002 05dc");
	/* Service-Name "internet", Host-Uniq, PPP-Max-Payload 1500, in that order. */
	p.n_services = 1;
	strcpy(p.services[0], "internet");
	p.has_host_uniq = true;
	p.host_uniq_len = 8;
	memcpy(p.host_uniq, hu, 8);
	build_golden(&p, "ffffffffffff 02000000000b 8863 11 09 0000 001e"
			 "0101 0008 696e7465726e6574 0103 0008 0123456789abcdef 0120 0002 05dc");
}

static void test_build_padt_golden(void **state)
{
	(void)state;
	struct pppoe_disc_pkt p;
	memset(&p, 0, sizeof(p));
	p.code = PPPOE_CODE_PADT;
	p.session_id = 1;
	p.has_host_uniq = true;
	p.host_uniq_len = 8;
	memcpy(p.host_uniq, hu, 8);
	p.has_cookie = true;
	p.cookie_len = 2;
	memcpy(p.cookie, "\xab\xcd", 2);
	/* A PADT carries no Service-Name. */
	build_golden(&p, "02000000000a 02000000000b 8863 11 a7 0001 0012"
			 "0103 0008 0123456789abcdef 0104 0002 abcd");
}

static void test_build_rejects(void **state)
{
	(void)state;
	struct pppoe_disc_pkt p;
	uint8_t buf[4000];
	memset(&p, 0, sizeof(p));
	p.code = 0x42;
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), -1);
	p.code = PPPOE_CODE_SESSION;
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), -1);
	p.code = PPPOE_CODE_PADO;
	p.n_services = PPPOE_MAX_SERVICES + 1;
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), -1);
	p.n_services = 1;
	memset(p.services[0], 'a', sizeof(p.services[0])); /* not NUL-terminated */
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), -1);
	p.services[0][PPPOE_STR_MAX] = '\0';
	p.host_uniq_len = PPPOE_HOST_UNIQ_MAX + 1;
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), -1);
	p.host_uniq_len = 0;
	p.cookie_len = PPPOE_COOKIE_MAX + 1;
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), -1);
	p.cookie_len = 0;
	/* RFC 2516 §5.1: a PADI over 1484 bytes is refused; the same tags fit a PADO. */
	p.n_services = 6;
	for (int i = 0; i < 6; i++) {
		memset(p.services[i], 'a', PPPOE_STR_MAX);
		p.services[i][PPPOE_STR_MAX] = '\0';
	}
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), 6 + 6 * 259);
	p.code = PPPOE_CODE_PADI;
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), -1);
	p.n_services = 5;
	assert_int_equal(pppoe_disc_build(&p, buf, sizeof(buf)), 6 + 5 * 259);
}

static void test_build_parse_roundtrip(void **state)
{
	(void)state;
	struct pppoe_disc_pkt in, out;
	uint8_t buf[1500];
	memset(&in, 0, sizeof(in));
	in.code = PPPOE_CODE_PADS;
	in.session_id = 0xbeef;
	in.n_services = 3;
	strcpy(in.services[0], "internet");
	strcpy(in.services[1], "");
	strcpy(in.services[2], "voip");
	in.has_ac_name = true;
	strcpy(in.ac_name, "BRAS-01");
	in.has_host_uniq = true;
	in.host_uniq_len = 3;
	memcpy(in.host_uniq, "\x00\x01\x02", 3);
	in.has_cookie = true;
	in.cookie_len = 0;
	in.has_relay_id = true;
	in.relay_id_len = 12;
	memset(in.relay_id, 0x5a, 12);
	in.has_max_payload = true;
	in.max_payload = 1508;
	in.has_service_name_error = true;
	in.has_ac_system_error = true;
	strcpy(in.ac_system_error, "busy");
	in.has_generic_error = true;
	strcpy(in.generic_error, "go away");
	int n = pppoe_disc_build(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(pppoe_disc_parse(buf, (size_t)n, &out), PPPOE_E_OK);
	assert_memory_equal(&in, &out, sizeof(in));
}

static void test_eth(void **state)
{
	(void)state;
	struct pppoe_eth_hdr h, g;
	uint8_t buf[32];
	size_t off;
	memset(&h, 0, sizeof(h));
	memcpy(h.dst, mac_ac, 6);
	memcpy(h.src, mac_cl, 6);
	h.ethertype = PPPOE_ETHERTYPE_SESS;
	struct vec want = vec_hex("02000000000a 02000000000b 8864");
	assert_int_equal(pppoe_eth_build(&h, buf, sizeof(buf)), 14);
	assert_memory_equal(buf, want.b, 14);
	assert_int_equal(pppoe_eth_build(&h, buf, 13), -1);
	h.has_vlan = true;
	h.vlan_id = 4095;
	h.priority = 7;
	h.dei = true;
	want = vec_hex("02000000000a 02000000000b 8100 ffff 8864");
	assert_int_equal(pppoe_eth_build(&h, buf, sizeof(buf)), 18);
	assert_memory_equal(buf, want.b, 18);
	assert_int_equal(pppoe_eth_build(&h, buf, 17), -1);
	assert_int_equal(pppoe_eth_parse(buf, 18, &g, &off), PPPOE_E_OK);
	assert_int_equal(off, 18);
	assert_memory_equal(&g, &h, sizeof(g));
	for (size_t n = 0; n < 18; n++)
		assert_int_equal(pppoe_eth_parse(buf, n, &g, &off), PPPOE_E_SHORT);
	h.vlan_id = 4096;
	assert_int_equal(pppoe_eth_build(&h, buf, sizeof(buf)), -1);
	h.vlan_id = 1;
	h.priority = 8;
	assert_int_equal(pppoe_eth_build(&h, buf, sizeof(buf)), -1);
}

/* Hand-written RFC 2516 §6 session packet: session 1, LCP (c021) Configure-Request id 1 with
 * MRU 1492 and Magic-Number 12345678 (RFC 1661 §5.1, §6.1, §6.4), then 4 bytes of padding. */
static const char sess_lcp[] = "11 00 0001 0010 c021 01 01 000e 0104 05d4 0506 12345678"
			       "00000000";

static void test_session_parse(void **state)
{
	(void)state;
	struct vec v = vec_hex(sess_lcp);
	struct pppoe_sess s;
	assert_int_equal(pppoe_sess_parse(v.b, v.len, &s), PPPOE_E_OK);
	assert_int_equal(s.session_id, 1);
	assert_int_equal(s.proto, 0xc021);
	assert_int_equal(s.info_off, 8);
	assert_int_equal(s.info_len, 14);
	assert_int_equal(v.b[s.info_off], 0x01);
	for (size_t n = 0; n < 22; n++)
		assert_int_not_equal(pppoe_sess_parse(v.b, n, &s), PPPOE_E_OK);
	/* Compressed protocol field (RFC 1661 §6.5): IPv4 0x21 in one byte. */
	v = vec_hex("11 00 0007 0003 21 4500");
	assert_int_equal(pppoe_sess_parse(v.b, v.len, &s), PPPOE_E_OK);
	assert_int_equal(s.proto, 0x21);
	assert_int_equal(s.info_off, 7);
	assert_int_equal(s.info_len, 2);
	v = vec_hex("11 00 0007 0000");
	assert_int_equal(pppoe_sess_parse(v.b, v.len, &s), PPPOE_E_SHORT);
	v = vec_hex("11 00 0007 0001 c0 21");
	assert_int_equal(pppoe_sess_parse(v.b, v.len, &s), PPPOE_E_SHORT);
	v = vec_hex("11 09 0007 0002 c021");
	assert_int_equal(pppoe_sess_parse(v.b, v.len, &s), PPPOE_E_CODE);
	v = vec_hex("10 00 0007 0002 c021");
	assert_int_equal(pppoe_sess_parse(v.b, v.len, &s), PPPOE_E_VERTYPE);
	v = vec_hex("11 00 0007 0003 c021");
	assert_int_equal(pppoe_sess_parse(v.b, v.len, &s), PPPOE_E_LENGTH);
}

static void test_session_hdr_write(void **state)
{
	(void)state;
	uint8_t f[64];
	struct pppoe_sess s;
	struct vec v = vec_hex(sess_lcp);
	memset(f, 0, sizeof(f));
	memcpy(f + 8, v.b + 8, 14);
	assert_int_equal(pppoe_sess_hdr_write(f, 1, 0xc021, 14), 0);
	assert_memory_equal(f, v.b, 22);
	assert_int_equal(pppoe_sess_hdr_write(f, 0xfffe, 0x0057, 0), 0);
	assert_memory_equal(f, "\x11\x00\xff\xfe\x00\x02\x00\x57", 8);
	assert_int_equal(pppoe_sess_parse(f, 8, &s), PPPOE_E_OK);
	assert_int_equal(s.session_id, 0xfffe);
	assert_int_equal(s.proto, 0x0057);
	assert_int_equal(s.info_len, 0);
	assert_int_equal(pppoe_sess_hdr_write(f, 1, 0x21, 0xfffd), 0);
	assert_int_equal(f[4], 0xff);
	assert_int_equal(f[5], 0xff);
	assert_int_equal(pppoe_sess_hdr_write(f, 1, 0x21, 0xfffe), -1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(pppoe_code_name(PPPOE_CODE_PADO), "PADO");
	assert_string_equal(pppoe_code_name(0x42), "unknown");
	assert_string_equal(pppoe_tag_name(PPPOE_TAG_AC_SYSTEM_ERROR), "AC-System-Error");
	for (int e = PPPOE_E_OK; e <= PPPOE_E_RANGE; e++)
		assert_string_not_equal(pppoe_err_str((enum pppoe_err)e), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_padi_capture),
		cmocka_unit_test(test_pado_capture),
		cmocka_unit_test(test_pads_capture),
		cmocka_unit_test(test_pads_error_capture),
		cmocka_unit_test(test_padt_capture),
		cmocka_unit_test(test_vlan_padded),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_truncation_vlan),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_tag_walk_errors),
		cmocka_unit_test(test_tag_limits),
		cmocka_unit_test(test_tag_skipping),
		cmocka_unit_test(test_many_services),
		cmocka_unit_test(test_build_padr_golden),
		cmocka_unit_test(test_build_padi_golden),
		cmocka_unit_test(test_build_padt_golden),
		cmocka_unit_test(test_build_rejects),
		cmocka_unit_test(test_build_parse_roundtrip),
		cmocka_unit_test(test_eth),
		cmocka_unit_test(test_session_parse),
		cmocka_unit_test(test_session_hdr_write),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
