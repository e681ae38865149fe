/* Control-socket request parser: every accepted form and the error text of rejected ones; the
 * framing that reassembles a request from the pieces a socket delivers. */
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

static enum ctl_frame_state feed_str(struct ctl_frame *f, const char *s, size_t *took)
{
	*took = ctl_frame_feed(f, (const uint8_t *)s, strlen(s));
	return f->state;
}

static void test_frame_whole_line(void **state)
{
	(void)state;
	struct ctl_frame f;
	size_t took;
	ctl_frame_init(&f);
	assert_int_equal(ctl_frame_room(&f), CTL_REQ_MAX);
	assert_int_equal(feed_str(&f, "status json\n", &took), CTL_FRAME_LINE);
	assert_int_equal(took, 12);
	assert_string_equal(f.line, "status json");
	assert_int_equal(f.len, 11);
	/* Final: nothing more is taken. */
	assert_int_equal(ctl_frame_room(&f), 0);
	assert_int_equal(feed_str(&f, "up dsl\n", &took), CTL_FRAME_LINE);
	assert_int_equal(took, 0);
	assert_string_equal(f.line, "status json");
}

/* "status json\r\n" cut into two pieces at every position, and fed a byte at a time. */
static void test_frame_pieces(void **state)
{
	(void)state;
	const char req[] = "status json\r\n";
	size_t n = sizeof(req) - 1;
	for (size_t cut = 0; cut <= n; cut++) {
		struct ctl_frame f;
		struct ctl_req r;
		char msg[128];
		ctl_frame_init(&f);
		assert_int_equal(ctl_frame_feed(&f, (const uint8_t *)req, cut), cut);
		assert_int_equal(f.state, cut == n ? CTL_FRAME_LINE : CTL_FRAME_MORE);
		assert_int_equal(ctl_frame_feed(&f, (const uint8_t *)req + cut, n - cut), n - cut);
		assert_int_equal(f.state, CTL_FRAME_LINE);
		assert_int_equal(ctl_parse_req(f.line, f.len, &r, msg, sizeof(msg)), 0);
		assert_int_equal(r.cmd, CTL_CMD_STATUS_JSON);
	}
	struct ctl_frame f;
	ctl_frame_init(&f);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(f.state, CTL_FRAME_MORE);
		assert_int_equal(ctl_frame_feed(&f, (const uint8_t *)req + i, 1), 1);
	}
	assert_int_equal(f.state, CTL_FRAME_LINE);
	assert_string_equal(f.line, "status json\r");
}

/* Bytes after the newline belong to no request; an empty chunk changes nothing. */
static void test_frame_rest_not_taken(void **state)
{
	(void)state;
	struct ctl_frame f;
	size_t took;
	ctl_frame_init(&f);
	assert_int_equal(ctl_frame_feed(&f, (const uint8_t *)"", 0), 0);
	assert_int_equal(f.state, CTL_FRAME_MORE);
	assert_int_equal(feed_str(&f, "up dsl\ndown dsl\n", &took), CTL_FRAME_LINE);
	assert_int_equal(took, 7);
	assert_string_equal(f.line, "up dsl");
	ctl_frame_init(&f);
	assert_int_equal(feed_str(&f, "\n", &took), CTL_FRAME_LINE);
	assert_int_equal(took, 1);
	assert_int_equal(f.len, 0);
}

/* CTL_REQ_MAX bytes with the newline last is a line; without a newline, too long, in one piece
 * or in two at every cut. */
static void test_frame_limit(void **state)
{
	(void)state;
	uint8_t b[CTL_REQ_MAX + 8];
	memset(b, 'a', sizeof(b));
	struct ctl_frame f;
	ctl_frame_init(&f);
	b[CTL_REQ_MAX - 1] = '\n';
	assert_int_equal(ctl_frame_feed(&f, b, sizeof(b)), CTL_REQ_MAX);
	assert_int_equal(f.state, CTL_FRAME_LINE);
	assert_int_equal(f.len, CTL_REQ_MAX - 1);
	assert_int_equal(strlen(f.line), CTL_REQ_MAX - 1);
	b[CTL_REQ_MAX - 1] = 'a';
	b[CTL_REQ_MAX] = '\n';
	for (size_t cut = 0; cut <= CTL_REQ_MAX; cut++) {
		ctl_frame_init(&f);
		size_t took = ctl_frame_feed(&f, b, cut);
		took += ctl_frame_feed(&f, b + cut, sizeof(b) - cut);
		assert_int_equal(took, CTL_REQ_MAX);
		assert_int_equal(f.state, CTL_FRAME_TOO_LONG);
		assert_int_equal(f.len, CTL_REQ_MAX - 1);
		assert_int_equal(f.line[f.len], 0);
		assert_int_equal(ctl_frame_room(&f), 0);
		assert_int_equal(ctl_frame_feed(&f, b, sizeof(b)), 0);
	}
}

/* A line the frame holds but the parser refuses, and a NUL inside a line. */
static void test_frame_then_parse_rejects(void **state)
{
	(void)state;
	uint8_t b[200];
	memset(b, 'a', sizeof(b));
	b[sizeof(b) - 1] = '\n';
	struct ctl_frame f;
	struct ctl_req r;
	char msg[128];
	ctl_frame_init(&f);
	assert_int_equal(ctl_frame_feed(&f, b, sizeof(b)), sizeof(b));
	assert_int_equal(f.state, CTL_FRAME_LINE);
	assert_int_equal(ctl_parse_req(f.line, f.len, &r, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "request too long or not text");
	const uint8_t nul[] = { 'u', 'p', ' ', 'a', 0, 'b', '\n' };
	ctl_frame_init(&f);
	assert_int_equal(ctl_frame_feed(&f, nul, sizeof(nul)), sizeof(nul));
	assert_int_equal(f.len, 6);
	assert_int_equal(ctl_parse_req(f.line, f.len, &r, msg, sizeof(msg)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_trace_rejected),
		cmocka_unit_test(test_frame_whole_line),
		cmocka_unit_test(test_frame_pieces),
		cmocka_unit_test(test_frame_rest_not_taken),
		cmocka_unit_test(test_frame_limit),
		cmocka_unit_test(test_frame_then_parse_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
