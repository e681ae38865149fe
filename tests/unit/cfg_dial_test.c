/* Dial-string parser: defaults, every key, any order with junk digits, every error message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cfg/dialstr.h"

struct errs {
	unsigned n;
	char msg[8][256];
};

static void collect(void *ctx, const char *msg)
{
	struct errs *e = ctx;
	if (e->n < 8)
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	e->n++;
}

static void test_defaults(void **state)
{
	(void)state;
	struct cfg_dial d;
	struct errs e = { 0 };

	memset(&d, 0x55, sizeof(d));
	assert_int_equal(cfg_dial_parse("", &d, collect, &e), 0);
	assert_int_equal(d.aidx, -1);
	assert_string_equal(d.ifname, "");
	assert_string_equal(d.service, "");
	assert_true(d.host_uniq);
	assert_string_equal(d.ac_name, "");
	assert_int_equal(d.timeout_ms, 2000);
	assert_int_equal(d.retries, 3);
	assert_int_equal(d.prio, 0);
	assert_int_equal(d.vlan, 0);
	assert_int_equal(e.n, 0);
}

static void test_all_keys_any_order_junk(void **state)
{
	(void)state;
	struct cfg_dial d;
	struct errs e = { 0 };

	/* a phone number, a stray word and mixed separators between the parameters */
	assert_int_equal(cfg_dial_parse("*99# vlan=7,prio=5;12345  TO=500\ttr=20 ac=BRAS-1 h=0 "
					"serv=internet if=eth0.7 more_digits 0800",
					&d, collect, &e),
			 0);
	assert_int_equal(d.aidx, -1);
	assert_string_equal(d.ifname, "eth0.7");
	assert_string_equal(d.service, "internet");
	assert_false(d.host_uniq);
	assert_string_equal(d.ac_name, "BRAS-1");
	assert_int_equal(d.timeout_ms, 500);
	assert_int_equal(d.retries, 20);
	assert_int_equal(d.prio, 5);
	assert_int_equal(d.vlan, 7);

	assert_int_equal(cfg_dial_parse("aidx=3 h=1 serv= ac=", &d, collect, &e), 0);
	assert_int_equal(d.aidx, 3);
	assert_true(d.host_uniq);
	assert_string_equal(d.service, "");
	assert_int_equal(e.n, 0);
	/* limits are accepted */
	assert_int_equal(cfg_dial_parse("to=100 tr=1 prio=0 vlan=1 aidx=-1", &d, NULL, NULL), 0);
	assert_int_equal(cfg_dial_parse("to=60000 prio=7 vlan=4094 aidx=2147483647", &d, NULL, NULL),
			 0);
	assert_int_equal(d.aidx, 2147483647);
}

struct bad_case {
	const char *in;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "to=99", "key 'to': expected 100..60000, got '99'" },
	{ "to=60001", "key 'to': expected 100..60000, got '60001'" },
	{ "to=2s", "key 'to': expected 100..60000, got '2s'" },
	{ "to=", "key 'to': expected 100..60000, got ''" },
	{ "tr=0", "key 'tr': expected 1..20, got '0'" },
	{ "tr=21", "key 'tr': expected 1..20, got '21'" },
	{ "prio=8", "key 'prio': expected 0..7, got '8'" },
	{ "prio=-1", "key 'prio': expected 0..7, got '-1'" },
	{ "vlan=0", "key 'vlan': expected 1..4094, got '0'" },
	{ "vlan=4095", "key 'vlan': expected 1..4094, got '4095'" },
	{ "vlan=99999999999", "key 'vlan': expected 1..4094, got '99999999999'" },
	{ "aidx=-2", "key 'aidx': expected -1..2147483647, got '-2'" },
	{ "aidx=2147483648", "key 'aidx': expected -1..2147483647, got '2147483648'" },
	{ "aidx=x", "key 'aidx': expected -1..2147483647, got 'x'" },
	{ "h=2", "key 'h': expected 0 or 1, got '2'" },
	{ "h=yes", "key 'h': expected 0 or 1, got 'yes'" },
	{ "if=", "key 'if': expected an interface name of 1..15 characters without '/', ':' or "
		 "spaces, got ''" },
	{ "if=abcdefghijklmnop", "key 'if': expected an interface name of 1..15 characters "
				 "without '/', ':' or spaces, got 'abcdefghijklmnop'" },
	{ "if=a/b", "key 'if': expected an interface name of 1..15 characters without '/', ':' or "
		    "spaces, got 'a/b'" },
	{ "if=..", "key 'if': expected an interface name of 1..15 characters without '/', ':' or "
		   "spaces, got '..'" },
	{ "serv=0123456789012345678901234567890123456789012345678901234567890123",
	  "key 'serv': expected up to 63 printable characters, got "
	  "'0123456789012345678901234567890123456789012345678901234567890123'" },
	{ "ac=\x01", "key 'ac': expected up to 63 printable characters, got '\x01'" },
	{ "speed=fast", "unknown key 'speed' (accepted: aidx, if, serv, h, ac, to, tr, prio, vlan)" },
	{ "=5", "unknown key '' (accepted: aidx, if, serv, h, ac, to, tr, prio, vlan)" },
	{ "to=500 to=600", "key 'to' given twice" },
	{ "aidx=2 if=eth0", "keys 'aidx' and 'if' both given: choose the adapter with one of them" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct cfg_dial d;
		struct errs e = { 0 };
		unsigned n = cfg_dial_parse(bad_cases[i].in, &d, collect, &e);
		if (n != 1 || e.n != 1 || strcmp(e.msg[0], bad_cases[i].msg))
			fail_msg("'%s': %u errors, first '%s', expected '%s'", bad_cases[i].in, n,
				 e.n ? e.msg[0] : "", bad_cases[i].msg);
	}
}

static void test_all_errors_collected(void **state)
{
	(void)state;
	struct cfg_dial d;
	struct errs e = { 0 };

	assert_int_equal(cfg_dial_parse("to=1 tr=0 x=1 *99#", &d, collect, &e), 3);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.msg[0], "key 'to': expected 100..60000, got '1'");
	assert_string_equal(e.msg[1], "key 'tr': expected 1..20, got '0'");
	assert_string_equal(e.msg[2],
			    "unknown key 'x' (accepted: aidx, if, serv, h, ac, to, tr, prio, vlan)");
	/* no callback: still counted */
	assert_int_equal(cfg_dial_parse("to=1 tr=0", &d, NULL, NULL), 2);
}

static void test_long_tokens(void **state)
{
	(void)state;
	struct cfg_dial d;
	struct errs e = { 0 };
	char s[400];

	memset(s, '9', 300); /* a long run of digits is just ignored */
	strcpy(s + 300, " to=300");
	assert_int_equal(cfg_dial_parse(s, &d, collect, &e), 0);
	assert_int_equal(d.timeout_ms, 300);
	memcpy(s, "serv=", 5); /* a long parameter is an error */
	assert_int_equal(cfg_dial_parse(s, &d, collect, &e), 1);
	assert_string_equal(e.msg[0], "parameter 'serv=999999999999999...' longer than 127 characters");
}

static void test_ifname_valid(void **state)
{
	(void)state;
	assert_true(cfg_ifname_valid("eth0"));
	assert_true(cfg_ifname_valid("enp0s31f6.100"));
	assert_true(cfg_ifname_valid("abcdefghijklmno")); /* 15 */
	assert_false(cfg_ifname_valid("abcdefghijklmnop")); /* 16 */
	assert_false(cfg_ifname_valid(""));
	assert_false(cfg_ifname_valid("."));
	assert_false(cfg_ifname_valid("a b"));
	assert_false(cfg_ifname_valid("a:1"));
	assert_false(cfg_ifname_valid("a\x7f"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys_any_order_junk),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_all_errors_collected),
		cmocka_unit_test(test_long_tokens),
		cmocka_unit_test(test_ifname_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
