/* The records a connection leaves in its run dir for crash recovery (the PPPoE session, the
 * adapter MTU raised for RFC 4638). The session record: what the daemon
 * writes parses back field by field; a record cut short anywhere before its last required key,
 * a key given twice, an unknown key or a value out of range is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "engine/conn_rec.h"

static const char rec_text[] = "adapter=eth0\nsession_id=4660\nac_mac=02:76:36:00:00:01\n"
			       "our_mac=02:76:36:00:00:10\nvlan=7\nprio=3\n";

static void test_format_parse_round_trip(void **state)
{
	(void)state;
	struct conn_session_rec r = { .adapter = "eth0", .session_id = 4660, .vlan_id = 7, .prio = 3,
				      .ac_mac = { 2, 0x76, 0x36, 0, 0, 1 },
				      .our_mac = { 2, 0x76, 0x36, 0, 0, 0x10 } };
	char buf[256];
	int n = conn_rec_format(&r, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(rec_text));
	assert_string_equal(buf, rec_text);
	struct conn_session_rec back;
	assert_true(conn_rec_parse(buf, (size_t)n, &back));
	assert_string_equal(back.adapter, "eth0");
	assert_int_equal(back.session_id, 4660);
	assert_memory_equal(back.ac_mac, r.ac_mac, 6);
	assert_memory_equal(back.our_mac, r.our_mac, 6);
	assert_int_equal(back.vlan_id, 7);
	assert_int_equal(back.prio, 3);
	assert_int_equal(conn_rec_format(&r, buf, 20), -1);
}

static void test_truncated_refused(void **state)
{
	(void)state;
	struct conn_session_rec r;
	/* our_mac is the last required key: every cut before its value is complete fails. */
	size_t need = (size_t)(strstr(rec_text, "our_mac=") - rec_text) + strlen("our_mac=") + 17;
	for (size_t n = 0; n < need; n++)
		assert_false(conn_rec_parse(rec_text, n, &r));
	assert_true(conn_rec_parse(rec_text, need, &r));
	assert_int_equal(r.vlan_id, 0);
}

static void test_bad_records_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"adapter=eth0\nadapter=eth1\nsession_id=1\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\n",
		"adapter=eth0\nsession_id=0\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\n",
		"adapter=eth0\nsession_id=65535\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\n",
		"adapter=../x\nsession_id=1\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\n",
		"adapter=eth 0\nsession_id=1\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\n",
		"adapter=eth0\nsession_id=1\nac_mac=02:00:00:00:00\nour_mac=02:00:00:00:00:02\n",
		"adapter=eth0\nsession_id=1\nac_mac=02:00:00:00:00:01\nour_mac=02-00-00-00-00-02\n",
		"adapter=eth0\nsession_id=1\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\nvlan=4095\n",
		"adapter=eth0\nsession_id=1\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\nprio=8\n",
		"adapter=eth0\nsession_id=1\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\nfoo=1\n",
		"adapter=eth0\nsession_id=1\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\nvlan\n",
		"adapter=eth0\nsession_id=+1\nac_mac=02:00:00:00:00:01\nour_mac=02:00:00:00:00:02\n",
	};
	struct conn_session_rec r;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (conn_rec_parse(bad[i], strlen(bad[i]), &r))
			fail_msg("accepted: %s", bad[i]);
	}
}

/* The raised-MTU record (NAME.mtu): a plain adapter, and a stacked one with its lower device. */
static void test_mtu_rec_round_trip(void **state)
{
	(void)state;
	struct conn_mtu_rec plain = { .dev = "eth0", .from = 1500, .to = 1508 }, stacked = {
		.dev = "mv0", .from = 1500, .to = 1508, .lower = "eth0", .lower_from = 1500,
		.lower_to = 1508 }, back;
	char buf[160];
	int n = conn_mtu_rec_format(&plain, buf, sizeof(buf));
	assert_string_equal(buf, "dev=eth0\nfrom=1500\nto=1508\n");
	assert_true(conn_mtu_rec_parse(buf, (size_t)n, &back));
	assert_memory_equal(&back, &plain, sizeof(back));
	n = conn_mtu_rec_format(&stacked, buf, sizeof(buf));
	assert_string_equal(buf, "dev=mv0\nfrom=1500\nto=1508\nlower=eth0\nlower_from=1500\n"
				 "lower_to=1508\n");
	assert_true(conn_mtu_rec_parse(buf, (size_t)n, &back));
	assert_memory_equal(&back, &stacked, sizeof(back));
	assert_int_equal(conn_mtu_rec_format(&stacked, buf, 30), -1);
	/* cut before to's value is complete: refused */
	for (size_t k = 0; k < strlen("dev=eth0\nfrom=1500\nto=15"); k++)
		assert_false(conn_mtu_rec_parse("dev=eth0\nfrom=1500\nto=1508\n", k, &back));
}

static void test_mtu_rec_bad_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"dev=eth0\nfrom=1508\nto=1500\n",          /* not a raise */
		"dev=eth0\nfrom=1500\nto=1500\n",
		"dev=eth0\nfrom=67\nto=1508\n",            /* below any Ethernet MTU */
		"dev=eth0\nfrom=1500\nto=65536\n",
		"dev=eth0\nto=1508\n",                      /* from missing */
		"dev=eth/0\nfrom=1500\nto=1508\n",
		"dev=eth0\nfrom=1500\nto=1508\nlower=eth1\n", /* lower without its MTUs */
		"dev=eth0\nfrom=1500\nto=1508\nlower=eth1\nlower_from=1508\nlower_to=1500\n",
		"dev=eth0\nfrom=1500\nto=1508\nlower_from=1500\nlower_to=1508\n",
		"dev=eth0\nfrom=1500\nto=1508\nto=1508\n",
		"dev=eth0\nfrom=1500\nto=1508\nmtu=1\n",
	};
	struct conn_mtu_rec r;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (conn_mtu_rec_parse(bad[i], strlen(bad[i]), &r))
			fail_msg("accepted: %s", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_truncated_refused),
		cmocka_unit_test(test_bad_records_refused),
		cmocka_unit_test(test_mtu_rec_round_trip),
		cmocka_unit_test(test_mtu_rec_bad_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
