/* The session record a connection leaves in its run dir for crash recovery: what the daemon
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_truncated_refused),
		cmocka_unit_test(test_bad_records_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
