/* Control-socket request parser: every accepted form and the error text of rejected ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/ctl_proto.h"

static int parse(const char *s, struct ctl_req *r, char *msg)
{
	return ctl_parse_req(s, strlen(s), r, msg, 128);
}

static void test_accepted(void **state)
{
	(void)state;
	struct ctl_req r;
	char msg[128];
	assert_int_equal(parse("status\n", &r, msg), 0);
	assert_int_equal(r.cmd, CTL_CMD_STATUS);
	assert_int_equal(parse("status json", &r, msg), 0);
	assert_int_equal(r.cmd, CTL_CMD_STATUS_JSON);
	assert_int_equal(parse("up dsl\r\n", &r, msg), 0);
	assert_int_equal(r.cmd, CTL_CMD_UP);
	assert_string_equal(r.arg, "dsl");
	assert_int_equal(parse("down fibre-2.b_x", &r, msg), 0);
	assert_int_equal(r.cmd, CTL_CMD_DOWN);
	assert_string_equal(r.arg, "fibre-2.b_x");
	assert_int_equal(parse("trace\n", &r, msg), 0);
	assert_int_equal(r.cmd, CTL_CMD_TRACE);
	assert_string_equal(r.arg, "");
	assert_int_equal(parse("trace dsl", &r, msg), 0);
	assert_int_equal(r.cmd, CTL_CMD_TRACE);
	assert_string_equal(r.arg, "dsl");
}

static void test_trace_rejected(void **state)
{
	(void)state;
	struct ctl_req r;
	char msg[128];
	assert_int_equal(parse("trace a/b", &r, msg), -1);
	assert_string_equal(msg, "trace: expected a connection name or nothing, got 'a/b'");
}

static void test_rejected(void **state)
{
	(void)state;
	struct ctl_req r;
	char msg[128];
	assert_int_equal(parse("reboot", &r, msg), -1);
	assert_string_equal(msg, "unknown request 'reboot' (expected status, status json, up NAME, "
				 "down NAME, trace [NAME])");
	assert_int_equal(parse("up", &r, msg), -1);
	assert_string_equal(msg, "up: expected a connection name, got ''");
	assert_int_equal(parse("up ../etc", &r, msg), -1);
	assert_int_equal(parse("status yaml", &r, msg), -1);
	const char nul[] = { 'u', 'p', ' ', 'a', 0, 'b' };
	assert_int_equal(ctl_parse_req(nul, sizeof(nul), &r, msg, sizeof(msg)), -1);
	char longreq[300];
	memset(longreq, 'a', sizeof(longreq) - 1);
	longreq[sizeof(longreq) - 1] = 0;
	assert_int_equal(parse(longreq, &r, msg), -1);
	assert_string_equal(msg, "request too long or not text");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_trace_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
