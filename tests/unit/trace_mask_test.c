/* Secret masking before tracing: PAP passwords (RFC 1334 §2.2.1), CHAP-MD5 and MS-CHAPv2
 * Response values (RFC 1994 §4.1, RFC 2759 §4 with the §9.2 vectors), Change-Password (§7), in
 * PPPoE session frames with 0-2 VLAN tags and in raw PPP; every truncation; nothing else touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "trace/trace_mask.h"
#include "test_util.h"

/* Client 02:00:00:00:00:0b to AC 02:00:00:00:00:0a, PPPoE session 1 (as the rp-pppoe 3.15
 * captures in pppoe_codec_test.c), carrying the PAP request of auth_test.c's golden build:
 * 01 id len(13) 03 "joe" 04 "pass". */
static const char pap_eth[] = "02000000000a 02000000000b 8864 11 00 0001 000f"
			      "c023 01 2a 000d 03 6a6f65 04 70617373";
#define PAP_ETH_PW_OFF 31 /* "pass" */

/* The same in VLAN 7 (TCI 0007), then QinQ (88a8 outer, 8100 inner). */
static const char pap_vlan[] = "02000000000a 02000000000b 8100 0007 8864 11 00 0001 000f"
			       "c023 01 2a 000d 03 6a6f65 04 70617373";
static const char pap_qinq[] = "02000000000a 02000000000b 88a8 0064 8100 0007 8864 11 00 0001 000f"
			       "c023 01 2a 000d 03 6a6f65 04 70617373";

/* CHAP-MD5 Response to auth_test.c's vector (id 0x11, secret "s3cret", challenge 00..0f):
 * Value-Size 16, value b61c..81, Name "joe". */
static const char chap_md5_eth[] = "02000000000a 02000000000b 8864 11 00 0001 001a"
				   "c223 02 11 0018 10 b61c1100de241c5b6ad12520252b7a81 6a6f65";
#define CHAP_ETH_VAL_OFF 27

/* MS-CHAPv2 Response (RFC 2759 §4) from the §9.2 vectors: Value-Size 49 = Peer-Challenge
 * 21402324..7E, 8 reserved zero bytes, NT-Response 82309ECD..DF, Flags 0; Name "User". */
static const char mschap_resp_ppp[] = "c223 02 07 003a 31"
				      "21402324255E262A28295F2B3A337C7E 0000000000000000"
				      "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF 00"
				      "55736572";

/* MS-CHAPv2 Success (RFC 2759 §5): "S=<§9.2 authenticator response> M=OK". Nothing secret. */
static const char mschap_success_ppp[] = "c223 03 07 0033"
					 "533d3430374135353839313135464430443632303946353130464539"
					 "4330343536363933324344413536 204d3d4f4b";

struct frame {
	uint8_t b[300];
	size_t n;
};

static void load(struct frame *f, const char *hex)
{
	int n = test_hex(hex, f->b, sizeof(f->b));

	assert_true(n > 0);
	f->n = (size_t)n;
}

static size_t n_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i, d = 0;

	for (i = 0; i < n; i++)
		d += a[i] != b[i];
	return d;
}

static void test_pap_ether(void **state)
{
	struct frame f, orig;

	(void)state;
	load(&f, pap_eth);
	orig = f;
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 4);
	assert_memory_equal(f.b + PAP_ETH_PW_OFF, "****", 4);
	assert_int_equal(f.b[PAP_ETH_PW_OFF - 1], 4); /* Passwd-Length kept */
	assert_int_equal(n_diff(f.b, orig.b, f.n), 4);
	/* Masking twice changes nothing more. */
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 4);
	assert_int_equal(n_diff(f.b, orig.b, f.n), 4);
}

static void test_pap_vlan_qinq_padding(void **state)
{
	struct frame f;

	(void)state;
	load(&f, pap_vlan);
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 4);
	assert_memory_equal(f.b + f.n - 4, "****", 4);
	load(&f, pap_qinq);
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 4);
	assert_memory_equal(f.b + f.n - 4, "****", 4);
	assert_memory_equal(f.b + f.n - 8, "joe", 3);
	/* Padded to the 60-byte Ethernet minimum: the padding stays. */
	load(&f, pap_eth);
	memset(f.b + f.n, 0xee, 60 - f.n);
	f.n = 60;
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 4);
	assert_int_equal(f.b[35], 0xee);
	assert_int_equal(f.b[59], 0xee);
	/* Three tags is beyond what we look through: untouched. */
	load(&f, "02000000000a 02000000000b 8100 0001 8100 0002 8100 0003 8864 11 00 0001 000f"
		 "c023 01 2a 000d 03 6a6f65 04 70617373");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 0);
}

static void test_pap_raw_ppp(void **state)
{
	struct frame f;

	(void)state;
	load(&f, "c023 01 2a 000d 03 6a6f65 04 70617373");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 4);
	assert_memory_equal(f.b + 11, "****", 4);
	/* RFC 1662 §3.1 address and control in front. */
	load(&f, "ff03 c023 01 2a 000d 03 6a6f65 04 70617373");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 4);
	assert_memory_equal(f.b + 13, "****", 4);
	/* Empty password and empty peer-id. */
	load(&f, "c023 01 01 0006 00 00");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 0);
	load(&f, "c023 01 01 0007 00 01 78");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 1);
	assert_int_equal(f.b[8], '*');
}

static void test_pap_not_request(void **state)
{
	struct frame f, orig;

	(void)state;
	/* Authenticate-Ack "Welcome" (code 2) and Nak (code 3): messages, not secrets. */
	load(&f, "c023 02 2a 000c 07 57656c636f6d65");
	orig = f;
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 0);
	assert_memory_equal(f.b, orig.b, f.n);
	load(&f, "c023 03 2a 0009 04 6e6f706500");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 0);
}

static void test_pap_lying_lengths(void **state)
{
	struct frame f;

	(void)state;
	/* Passwd-Length 200 in a 4-byte password: masked to the end of the frame, no further. */
	load(&f, "c023 01 2a 000d 03 6a6f65 c8 70617373 ");
	f.b[f.n] = 0x77; /* a guard byte just past len */
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 4);
	assert_int_equal(f.b[f.n], 0x77);
	/* The PAP Length says 6 but the password is there anyway: still masked. */
	load(&f, "c023 01 2a 0006 03 6a6f65 04 70617373");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 4);
	/* PPPoE LENGTH 2 (just the protocol) but the PAP packet follows in the frame. */
	load(&f, "02000000000a 02000000000b 8864 11 00 0001 0002 c023 01 2a 000d 03 6a6f65 04 70617373");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 4);
	/* Peer-ID-Length past the end: no password present. */
	load(&f, "c023 01 2a 000d 20 6a6f65 04 70617373");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 0);
}

static void test_chap_md5(void **state)
{
	struct frame f, orig;

	(void)state;
	load(&f, chap_md5_eth);
	orig = f;
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 16);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(f.b[CHAP_ETH_VAL_OFF + i], 0);
	assert_int_equal(f.b[CHAP_ETH_VAL_OFF - 1], 16); /* Value-Size kept */
	assert_memory_equal(f.b + f.n - 3, "joe", 3);      /* Name kept */
	memset(orig.b + CHAP_ETH_VAL_OFF, 0, 16);
	assert_memory_equal(f.b, orig.b, f.n); /* and nothing else changed */
}

static void test_mschapv2(void **state)
{
	struct frame f, orig;
	size_t i;

	(void)state;
	load(&f, mschap_resp_ppp);
	assert_int_equal(f.n, 60);
	orig = f;
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 49);
	for (i = 7; i < 7 + 49; i++)
		assert_int_equal(f.b[i], 0);
	assert_int_equal(f.b[6], 49);
	assert_memory_equal(f.b + 56, "User", 4);
	assert_memory_equal(f.b, orig.b, 7);
	/* Success carries S=<authenticator response>: kept for debugging (RFC 2759 §5). */
	load(&f, mschap_success_ppp);
	orig = f;
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 0);
	assert_memory_equal(f.b, orig.b, f.n);
	/* Challenge (code 1) is not secret either. */
	load(&f, "c223 01 07 0015 10 5B5D7C7D7B3F2F3E3C2C602132262628");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 0);
	/* Change-Password (code 7, RFC 2759 §7): the whole body after the header. */
	load(&f, "c223 07 08 000e 0102030405060708090a");
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 10);
	assert_int_equal(n_diff(f.b + 6, (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0", 10), 0);
	assert_int_equal(f.b[5], 0x0e);
}

static void test_other_frames_untouched(void **state)
{
	static const char *const eth[] = {
		/* PADI (rp-pppoe 3.15 capture in pppoe_codec_test.c): discovery carries no secret. */
		("ffffffffffff 02000000000b 8863 11 09 0000 0014 0101 0008 696e7465726e6574"
		 "0103 0004 f2160000"), /* (one string: parentheses tell clang so) */
		/* LCP Configure-Request in session 1. */
		"02000000000a 02000000000b 8864 11 00 0001 0010 c021 01 01 000e 0104 05d4 0506 12345678",
		/* IPv6 ethertype with a PAP-looking payload. */
		"02000000000a 02000000000b 86dd 11 00 0001 000f c023 01 2a 000d 03 6a6f65 04 70617373",
	};
	struct frame f, orig;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(eth) / sizeof(eth[0]); i++) {
		load(&f, eth[i]);
		orig = f;
		assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_ETHER), 0);
		assert_memory_equal(f.b, orig.b, f.n);
	}
	/* A PAP frame handed over as raw PPP is not a PPP frame: its first bytes are a MAC. */
	load(&f, pap_eth);
	assert_int_equal(trace_mask_secrets(f.b, f.n, TRACE_FRAME_PPP), 0);
	assert_int_equal(trace_mask_secrets(NULL, 10, TRACE_FRAME_PPP), 0);
}

/* Every prefix: masks exactly the password bytes inside it, never a byte past it. */
static void check_prefixes(const char *hex, enum trace_frame_kind kind, size_t sec_off,
			   size_t sec_len)
{
	struct frame full, f;
	size_t len, want;

	load(&full, hex);
	for (len = 0; len <= full.n; len++) {
		memcpy(f.b, full.b, full.n);
		memset(f.b + len, 0xa5, sizeof(f.b) - len);
		want = len <= sec_off ? 0 : (len - sec_off < sec_len ? len - sec_off : sec_len);
		/* A prefix that ends inside the Peer-ID or before Value-Size reveals no secret. */
		assert_int_equal(trace_mask_secrets(f.b, len, kind), want);
		for (size_t i = len; i < sizeof(f.b); i++)
			assert_int_equal(f.b[i], 0xa5);
	}
}

static void test_truncation(void **state)
{
	(void)state;
	check_prefixes(pap_eth, TRACE_FRAME_ETHER, PAP_ETH_PW_OFF, 4);
	check_prefixes(pap_qinq, TRACE_FRAME_ETHER, PAP_ETH_PW_OFF + 8, 4);
	check_prefixes(chap_md5_eth, TRACE_FRAME_ETHER, CHAP_ETH_VAL_OFF, 16);
	check_prefixes(mschap_resp_ppp, TRACE_FRAME_PPP, 7, 49);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pap_ether),
		cmocka_unit_test(test_pap_vlan_qinq_padding),
		cmocka_unit_test(test_pap_raw_ppp),
		cmocka_unit_test(test_pap_not_request),
		cmocka_unit_test(test_pap_lying_lengths),
		cmocka_unit_test(test_chap_md5),
		cmocka_unit_test(test_mschapv2),
		cmocka_unit_test(test_other_frames_untouched),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
