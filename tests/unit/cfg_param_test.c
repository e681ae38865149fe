/* v6link.ini: defaults, every [param] key valid and invalid with the exact message, comments
 * and line handling, [passthrough], [DHCPv6_*_options], error collection, all-or-nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfg/cfg.h"

static struct cfg_msgs errs, warns;
static struct cfg_param par;

static int parse(const char *text)
{
	memset(&errs, 0, sizeof(errs));
	memset(&warns, 0, sizeof(warns));
	return cfg_param_parse(text, strlen(text), "v6link.ini", &par, &errs, &warns);
}

/* Parses text expecting exactly one error, equal to msg. */
static void expect_error(const char *text, const char *msg)
{
	struct cfg_param before;

	memset(&par, 0xa5, sizeof(par));
	before = par;
	if (parse(text) != -1 || errs.n != 1 || strcmp(errs.text[0], msg))
		fail_msg("input:\n%s\ngot %u errors, first '%s'\nexpected '%s'", text, errs.n,
			 errs.n ? errs.text[0] : "", msg);
	assert_memory_equal(&par, &before, sizeof(par)); /* all or nothing */
}

static void test_defaults(void **state)
{
	(void)state;
	struct cfg_param d;

	assert_int_equal(parse(""), 0);
	assert_int_equal(par.func_trace, 0);
	assert_false(par.dump_unknown_frames);
	assert_memory_equal(par.ipv4_router_addr, ((uint8_t[]){ 192, 0, 0, 1 }), 4);
	assert_memory_equal(par.nat46_pool, ((uint8_t[]){ 198, 18, 0, 0 }), 4);
	assert_int_equal(par.nat46_pool_len, 15);
	assert_true(par.allow_mixed_mode);
	assert_true(par.check_traffic);
	assert_true(par.default_use_ipv4);
	assert_true(par.default_use_ipv6);
	assert_false(par.ipv4_mcast_is_unicast);
	assert_string_equal(par.trace_dir, "/var/log/v6link");
	assert_string_equal(par.run_dir, "");
	assert_string_equal(par.state_dir, "");
	assert_false(par.keep_ppinfo);
	assert_int_equal(par.option_dasp, 84);
	assert_int_equal(par.log_level, LOG_LVL_INFO);
	assert_true(par.seccomp);
	assert_string_equal(par.user, "");
	assert_int_equal(par.n_passthrough, 0);
	assert_int_equal(par.dhcp6_stateful.n_oro + par.dhcp6_stateful.n_rawopt, 0);
	assert_int_equal(par.dhcp6_stateless.n_oro + par.dhcp6_stateless.n_rawopt, 0);
	cfg_param_defaults(&d);
	assert_memory_equal(&d, &par, sizeof(d));
	/* sections present but empty: still the defaults */
	assert_int_equal(parse("[param]\n[passthrough]\n[DHCPv6_stateful_options]\n"), 0);
	assert_memory_equal(&d, &par, sizeof(d));
	assert_int_equal(errs.n + warns.n, 0);
}

static void test_all_keys(void **state)
{
	(void)state;
	assert_int_equal(parse("[param]\n"
			       "func_trace=2\n"
			       "dump_unknown_frames=1\n"
			       "ipv4_router_addr=100.64.0.1\n"
			       "nat46_pool=10.64.0.0/10\n"
			       "allow_mixed_mode=0\n"
			       "check_traffic=0\n"
			       "default_use_ipv4=0\n"
			       "default_use_ipv6=0\n"
			       "ipv4_mcast_is_unicast=1\n"
			       "trace_dir=/tmp/tr\n"
			       "run_dir=/tmp/run\n"
			       "state_dir=/tmp/state\n"
			       "keep_ppinfo=1\n"
			       "option_dasp=65535\n"
			       "log_level=debug\n"
			       "seccomp=0\n"
			       "user=64999:64998\n"),
			 0);
	assert_int_equal(par.func_trace, 2);
	assert_true(par.dump_unknown_frames);
	assert_memory_equal(par.ipv4_router_addr, ((uint8_t[]){ 100, 64, 0, 1 }), 4);
	assert_memory_equal(par.nat46_pool, ((uint8_t[]){ 10, 64, 0, 0 }), 4);
	assert_int_equal(par.nat46_pool_len, 10);
	assert_false(par.allow_mixed_mode);
	assert_false(par.check_traffic);
	assert_false(par.default_use_ipv4);
	assert_false(par.default_use_ipv6);
	assert_true(par.ipv4_mcast_is_unicast);
	assert_string_equal(par.trace_dir, "/tmp/tr");
	assert_string_equal(par.run_dir, "/tmp/run");
	assert_string_equal(par.state_dir, "/tmp/state");
	assert_true(par.keep_ppinfo);
	assert_int_equal(par.option_dasp, 65535);
	assert_int_equal(par.log_level, LOG_LVL_DEBUG);
	assert_false(par.seccomp);
	assert_string_equal(par.user, "64999:64998");
	uint32_t uid = 1, gid = 1;
	assert_true(cfg_user_numeric(par.user, &uid, &gid));
	assert_int_equal(uid, 64999);
	assert_int_equal(gid, 64998);
	assert_true(cfg_user_numeric("0", &uid, &gid));
	assert_int_equal(uid + gid, 0);
	assert_true(cfg_user_numeric("4294967294", &uid, &gid));
	assert_int_equal(gid, 4294967294u);
	const char *not_numeric[] = { "v6link", "", ":1", "1:", "01", "4294967295", "1:2:3", "-1" };
	for (size_t i = 0; i < sizeof(not_numeric) / sizeof(not_numeric[0]); i++)
		assert_false(cfg_user_numeric(not_numeric[i], &uid, &gid));
	const char *users[] = { "v6link", "root", "_v6.link-1", "0", "12:34" };
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		char text[64];
		snprintf(text, sizeof(text), "[param]\nuser=%s\n", users[i]);
		assert_int_equal(parse(text), 0);
		assert_string_equal(par.user, users[i]);
	}
	assert_int_equal(parse("[PARAM]\nLog_Level=Error\nfunc_trace=1\n"), 0); /* any case */
	assert_int_equal(par.log_level, LOG_LVL_ERR);
	assert_int_equal(par.func_trace, 1);
	assert_int_equal(parse("[param]\nlog_level=warning\n"), 0);
	assert_int_equal(par.log_level, LOG_LVL_WARN);
}

struct bad_case {
	const char *line;
	const char *msg; /* after "v6link.ini:2: [param] " */
};

static const struct bad_case bad_param[] = {
	{ "func_trace=3", "key 'func_trace': expected 0..2, got '3'" },
	{ "func_trace=-1", "key 'func_trace': expected 0..2, got '-1'" },
	{ "func_trace=", "key 'func_trace': expected 0..2, got ''" },
	{ "func_trace=1.0", "key 'func_trace': expected 0..2, got '1.0'" },
	{ "dump_unknown_frames=2", "key 'dump_unknown_frames': expected 0 or 1, got '2'" },
	{ "allow_mixed_mode=yes", "key 'allow_mixed_mode': expected 0 or 1, got 'yes'" },
	{ "check_traffic=", "key 'check_traffic': expected 0 or 1, got ''" },
	{ "default_use_ipv4=true", "key 'default_use_ipv4': expected 0 or 1, got 'true'" },
	{ "default_use_ipv6=01", "key 'default_use_ipv6': expected 0 or 1, got '01'" },
	{ "ipv4_mcast_is_unicast=-1", "key 'ipv4_mcast_is_unicast': expected 0 or 1, got '-1'" },
	{ "keep_ppinfo=x", "key 'keep_ppinfo': expected 0 or 1, got 'x'" },
	{ "ipv4_router_addr=192.0.0.256",
	  "key 'ipv4_router_addr': expected a unicast IPv4 address such as 192.0.0.1, got "
	  "'192.0.0.256'" },
	{ "ipv4_router_addr=224.0.0.1",
	  "key 'ipv4_router_addr': expected a unicast IPv4 address such as 192.0.0.1, got "
	  "'224.0.0.1'" },
	{ "ipv4_router_addr=0.0.0.0",
	  "key 'ipv4_router_addr': expected a unicast IPv4 address such as 192.0.0.1, got "
	  "'0.0.0.0'" },
	{ "ipv4_router_addr=127.0.0.1",
	  "key 'ipv4_router_addr': expected a unicast IPv4 address such as 192.0.0.1, got "
	  "'127.0.0.1'" },
	{ "ipv4_router_addr=::1",
	  "key 'ipv4_router_addr': expected a unicast IPv4 address such as 192.0.0.1, got '::1'" },
	{ "trace_dir=relative/dir",
	  "key 'trace_dir': expected an absolute path of at most 255 characters, got "
	  "'relative/dir'" },
	{ "trace_dir=", "key 'trace_dir': expected an absolute path of at most 255 characters, "
			"got ''" },
	{ "state_dir=var/lib", "key 'state_dir': expected an absolute path of at most 255 characters, "
			       "got 'var/lib'" },
	{ "run_dir=run", "key 'run_dir': expected an absolute path of at most 255 characters, "
			 "got 'run'" },
	{ "option_dasp=0", "key 'option_dasp': expected 1..65535, got '0'" },
	{ "option_dasp=65536", "key 'option_dasp': expected 1..65535, got '65536'" },
	{ "nat46_pool=198.18.0.0", "key 'nat46_pool': expected an aligned unicast IPv4 prefix "
				   "/8../30 such as 198.18.0.0/15, got '198.18.0.0'" },
	{ "nat46_pool=198.18.0.1/15", "key 'nat46_pool': expected an aligned unicast IPv4 prefix "
				      "/8../30 such as 198.18.0.0/15, got '198.18.0.1/15'" },
	{ "nat46_pool=198.18.0.0/31", "key 'nat46_pool': expected an aligned unicast IPv4 prefix "
				      "/8../30 such as 198.18.0.0/15, got '198.18.0.0/31'" },
	{ "nat46_pool=224.0.0.0/8", "key 'nat46_pool': expected an aligned unicast IPv4 prefix "
				    "/8../30 such as 198.18.0.0/15, got '224.0.0.0/8'" },
	{ "log_level=verbose",
	  "key 'log_level': expected error, warning, info or debug, got 'verbose'" },
	{ "nosuchkey=1",
	  "unknown key 'nosuchkey' (accepted: func_trace, dump_unknown_frames, ipv4_router_addr, "
	  "nat46_pool, allow_mixed_mode, check_traffic, default_use_ipv4, default_use_ipv6, "
	  "ipv4_mcast_is_unicast, trace_dir, run_dir, state_dir, keep_ppinfo, option_dasp, "
	  "log_level, seccomp, user)" },
	{ "seccomp=2", "key 'seccomp': expected 0 or 1, got '2'" },
	{ "user=1v6link", "key 'user': expected a user name of at most 32 characters, or "
			  "UID[:GID], got '1v6link'" },
	{ "user=v6 link", "key 'user': expected a user name of at most 32 characters, or "
			  "UID[:GID], got 'v6 link'" },
	{ "user=1:", "key 'user': expected a user name of at most 32 characters, or UID[:GID], "
		     "got '1:'" },
	{ "user=4294967295", "key 'user': expected a user name of at most 32 characters, or "
			     "UID[:GID], got '4294967295'" },
	{ "user=-x", "key 'user': expected a user name of at most 32 characters, or UID[:GID], "
		     "got '-x'" },
	{ "user=abcdefghijabcdefghijabcdefghijabc",
	  "key 'user': expected a user name of at most 32 characters, or UID[:GID], got "
	  "'abcdefghijabcdefghijabcdefghijabc'" },
};

static void test_bad_values(void **state)
{
	(void)state;
	char text[400], msg[CFG_MSG_LEN];

	for (size_t i = 0; i < sizeof(bad_param) / sizeof(bad_param[0]); i++) {
		snprintf(text, sizeof(text), "[param]\n%s\n", bad_param[i].line);
		snprintf(msg, sizeof(msg), "v6link.ini:2: [param] %s", bad_param[i].msg);
		expect_error(text, msg);
	}
	/* a path of 256 characters is one too many; control characters are shown escaped */
	char longpath[300] = "[param]\ntrace_dir=/";
	memset(longpath + strlen(longpath), 'd', 255);
	assert_int_equal(parse(longpath), -1);
	assert_non_null(strstr(errs.text[0], "at most 255 characters, got '/ddd"));
	assert_non_null(strstr(errs.text[0], "ddd...'"));
	expect_error("[param]\nlog_level=\x1b[31m\n",
		     "v6link.ini:2: [param] key 'log_level': expected error, warning, info or "
		     "debug, got '\\x1b[31m'");
}

static void test_structure_errors(void **state)
{
	(void)state;
	expect_error("func_trace=1\n", "v6link.ini:1: key 'func_trace' outside any section: put a "
				       "[section] line first");
	expect_error("[params]\nfunc_trace=1\nx=2\n",
		     "v6link.ini:1: unknown section [params] (accepted: param, passthrough, "
		     "DHCPv6_stateful_options, DHCPv6_stateless_options)");
	expect_error("[param]\nfunc_trace=1\n\nfunc_trace=2\n",
		     "v6link.ini:4: [param] key 'func_trace' already set on line 2");
	expect_error("[param\nfunc_trace=1\n",
		     "v6link.ini:1: malformed section header '[param': expected [name]");
	expect_error("[param]\nfunc_trace\n",
		     "v6link.ini:2: expected key=value or [section], got 'func_trace'");
	expect_error("[param]\nfunc:trace=1\n",
		     "v6link.ini:2: a key cannot contain ':' (write key=value)");
}

static void test_nul_and_long_lines(void **state)
{
	(void)state;
	static const char text[] = "[param]\nfunc_trace=1\0junk\ncheck_traffic=0\n";
	static char big[3000];

	memset(&errs, 0, sizeof(errs));
	assert_int_equal(cfg_param_parse(text, sizeof(text) - 1, "f", &par, &errs, NULL), -1);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.text[0], "f:2: NUL byte in line");

	snprintf(big, sizeof(big), "[param]\ntrace_dir=/%01100d\nfunc_trace=7\n", 0);
	assert_int_equal(parse(big), -1);
	assert_int_equal(errs.n, 2); /* the long line and, on the right line, the next error */
	assert_string_equal(errs.text[0], "v6link.ini:2: line longer than 1021 characters");
	assert_string_equal(errs.text[1], "v6link.ini:3: [param] key 'func_trace': expected 0..2, "
					  "got '7'");
}

static void test_comments_and_lines(void **state)
{
	(void)state;
	assert_int_equal(parse("\xef\xbb\xbf; comment\r\n"
			       "# another comment\r\n"
			       "  [param]   # inline\r\n"
			       "\r\n"
			       "func_trace = 2 ; inline comment\r\n"
			       "   check_traffic=0   # indented key is not a continuation\r\n"
			       "trace_dir=/a;b#c\n" /* ';' and '#' without a space before: value */
			       "\tlog_level=debug"),  /* no line end at the end of the file */
			 0);
	assert_int_equal(par.func_trace, 2);
	assert_false(par.check_traffic);
	assert_string_equal(par.trace_dir, "/a;b#c");
	assert_int_equal(par.log_level, LOG_LVL_DEBUG);
}

static void test_error_collection(void **state)
{
	(void)state;
	char text[4000] = "[param]\n";

	assert_int_equal(parse("[param]\nfunc_trace=9\ncheck_traffic=2\n[nope]\nx=1\n[param]\n"
			       "option_dasp=0\n"),
			 -1);
	assert_int_equal(errs.n, 4);
	assert_string_equal(errs.text[0], "v6link.ini:2: [param] key 'func_trace': expected 0..2, "
					  "got '9'");
	assert_string_equal(errs.text[1], "v6link.ini:3: [param] key 'check_traffic': expected 0 "
					  "or 1, got '2'");
	assert_true(!strncmp(errs.text[2], "v6link.ini:4: unknown section [nope]", 36));
	assert_string_equal(errs.text[3], "v6link.ini:7: [param] key 'option_dasp': expected "
					  "1..65535, got '0'");
	/* more than CFG_MAX_MSGS errors: the rest are counted */
	for (int i = 0; i < 40; i++)
		strcat(text, "bad=1\n");
	assert_int_equal(parse(text), -1);
	assert_int_equal(errs.n, CFG_MAX_MSGS);
	assert_int_equal(errs.n_dropped, 40 - CFG_MAX_MSGS);
}

static void test_passthrough(void **state)
{
	(void)state;
	char text[3000] = "[passthrough]\n";

	assert_int_equal(parse("[passthrough]\n1=docker\nveth\nbr-=\n  virbr ; libvirt\n"
			       "2=Intel(R) Ethernet: I219\n"),
			 0);
	assert_int_equal(par.n_passthrough, 5);
	assert_string_equal(par.passthrough[0], "docker");
	assert_string_equal(par.passthrough[1], "veth");
	assert_string_equal(par.passthrough[2], "br-");
	assert_string_equal(par.passthrough[3], "virbr");
	assert_string_equal(par.passthrough[4], "Intel(R) Ethernet: I219");
	for (int i = 0; i < CFG_MAX_PASSTHROUGH; i++)
		sprintf(text + strlen(text), "%d=if%d\n", i, i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(par.n_passthrough, CFG_MAX_PASSTHROUGH);
	strcat(text, "one_more\n");
	expect_error(text, "v6link.ini:34: [passthrough] entry 'one_more': more than 32 entries");
	expect_error("[passthrough]\n1=0123456789012345678901234567890123456789012345678901234567"
		     "890123\n",
		     "v6link.ini:2: [passthrough] entry '01234567890123456789012345678901234567890"
		     "12345678901234567890123': expected 1..63 characters");
	expect_error("[passthrough]\na:b\n",
		     "v6link.ini:2: a key cannot contain ':' (write key=value)");
}

static void test_dhcp6_sections(void **state)
{
	(void)state;
	const struct cfg_dhcp6_opts *sf = &par.dhcp6_stateful, *sl = &par.dhcp6_stateless;

	assert_int_equal(parse("[DHCPv6_stateful_options]\n"
			       "oro1=23\n"
			       "oro2=24\n"
			       "option1=00,27,00,03,01,61,62\n" /* client FQDN-like: code 39 */
			       "[dhcpv6_stateless_options]\n"
			       "ORO1=84\n"
			       "option7=0010 0004 0000 0137\n"   /* vendor class, spaces */
			       "option8=00,10,0,2,a,b\n"         /* one-digit items */
			       "option9=ffff0000\n"),            /* empty value */
			 0);
	assert_int_equal(sf->n_oro, 2);
	assert_int_equal(sf->oro[0], 23);
	assert_int_equal(sf->oro[1], 24);
	assert_int_equal(sf->n_rawopt, 1);
	assert_int_equal(sf->rawopt[0].code, 39);
	assert_int_equal(sf->rawopt[0].len, 7);
	assert_memory_equal(sf->rawopt[0].data, ((uint8_t[]){ 0, 39, 0, 3, 1, 'a', 'b' }), 7);
	assert_int_equal(sl->n_oro, 1);
	assert_int_equal(sl->oro[0], 84);
	assert_int_equal(sl->n_rawopt, 3);
	assert_int_equal(sl->rawopt[0].code, 16);
	assert_int_equal(sl->rawopt[0].len, 8);
	assert_memory_equal(sl->rawopt[0].data, ((uint8_t[]){ 0, 0x10, 0, 4, 0, 0, 1, 0x37 }), 8);
	assert_memory_equal(sl->rawopt[1].data, ((uint8_t[]){ 0, 0x10, 0, 2, 0xa, 0xb }), 6);
	assert_int_equal(sl->rawopt[2].code, 0xffff);
	assert_int_equal(sl->rawopt[2].len, 4);
}

static const struct bad_case bad_dhcp6[] = {
	{ "oro1=0", "key 'oro1': expected an option code 1..65535, got '0'" },
	{ "oro1=65536", "key 'oro1': expected an option code 1..65535, got '65536'" },
	{ "oro1=0x17", "key 'oro1': expected an option code 1..65535, got '0x17'" },
	{ "option1=00,17,00,01",
	  "key 'option1': option length field says 1 but 0 value bytes follow, got "
	  "'00,17,00,01'" },
	{ "option1=00,17,00,00,aa",
	  "key 'option1': option length field says 0 but 1 value bytes follow, got "
	  "'00,17,00,00,aa'" },
	{ "option1=00,00,00,00",
	  "key 'option1': expected an option code 1..65535 in the first two bytes, got "
	  "'00,00,00,00'" },
	{ "option1=00,17,00",
	  "key 'option1': expected the whole option as hex bytes 'cc,cc,ll,ll,vv,...' (2-byte "
	  "code, 2-byte length, value; at most 256 bytes), got '00,17,00'" },
	{ "option1=00,17,00,00,",
	  "key 'option1': expected the whole option as hex bytes 'cc,cc,ll,ll,vv,...' (2-byte "
	  "code, 2-byte length, value; at most 256 bytes), got '00,17,00,00,'" },
	{ "option1=00,,17,00,00",
	  "key 'option1': expected the whole option as hex bytes 'cc,cc,ll,ll,vv,...' (2-byte "
	  "code, 2-byte length, value; at most 256 bytes), got '00,,17,00,00'" },
	{ "option1=001,700,00",
	  "key 'option1': expected the whole option as hex bytes 'cc,cc,ll,ll,vv,...' (2-byte "
	  "code, 2-byte length, value; at most 256 bytes), got '001,700,00'" },
	{ "option1=00,17,00,01,zz",
	  "key 'option1': expected the whole option as hex bytes 'cc,cc,ll,ll,vv,...' (2-byte "
	  "code, 2-byte length, value; at most 256 bytes), got '00,17,00,01,zz'" },
	{ "oro=5", "unknown key 'oro' (accepted: oroN=code, optionN=hex,hex,...)" },
	{ "oroX=5", "unknown key 'oroX' (accepted: oroN=code, optionN=hex,hex,...)" },
	{ "foo=5", "unknown key 'foo' (accepted: oroN=code, optionN=hex,hex,...)" },
};

static void test_dhcp6_errors(void **state)
{
	(void)state;
	char text[400], msg[CFG_MSG_LEN];

	for (size_t i = 0; i < sizeof(bad_dhcp6) / sizeof(bad_dhcp6[0]); i++) {
		snprintf(text, sizeof(text), "[DHCPv6_stateful_options]\n%s\n", bad_dhcp6[i].line);
		snprintf(msg, sizeof(msg), "v6link.ini:2: [DHCPv6_stateful_options] %s",
			 bad_dhcp6[i].msg);
		expect_error(text, msg);
	}
	expect_error("[DHCPv6_stateless_options]\noro1=23\noro1=24\n",
		     "v6link.ini:3: [DHCPv6_stateless_options] key 'oro1' already set on line 2");
	expect_error("[DHCPv6_stateless_options]\noption2=00,01,00,00\noption2=00,02,00,00\n",
		     "v6link.ini:3: [DHCPv6_stateless_options] key 'option2' already set on line 2");
	/* the same index in the two sections is fine */
	assert_int_equal(parse("[DHCPv6_stateful_options]\noro1=23\n"
			       "[DHCPv6_stateless_options]\noro1=23\n"),
			 0);

	/* 256 bytes is the limit: code, length 252, value */
	char big[1100] = "[DHCPv6_stateful_options]\noption1=00fc00fc";
	for (int i = 0; i < 252; i++)
		strcat(big, "ab");
	assert_int_equal(parse(big), 0);
	assert_int_equal(par.dhcp6_stateful.rawopt[0].len, 256);
	memcpy(big + strlen("[DHCPv6_stateful_options]\noption1="), "00fc00fd", 8);
	strcat(big, "ab");
	assert_int_equal(parse(big), -1);
	assert_non_null(strstr(errs.text[0], "at most 256 bytes"));

	char many[2000] = "[DHCPv6_stateful_options]\n";
	for (int i = 0; i <= CFG_MAX_ORO; i++)
		sprintf(many + strlen(many), "oro%d=%d\n", i, i + 1);
	expect_error(many, "v6link.ini:34: [DHCPv6_stateful_options] key 'oro32': more than 32 "
			   "oroN keys");
	strcpy(many, "[DHCPv6_stateful_options]\n");
	for (int i = 0; i <= CFG_MAX_RAWOPT; i++)
		sprintf(many + strlen(many), "option%d=00,01,00,00\n", i);
	expect_error(many, "v6link.ini:18: [DHCPv6_stateful_options] key 'option16': more than 16 "
			   "optionN keys");
}

/* Reads etc/NAME of the source tree (found from this file's path); uncomment = also enable the
 * commented-out examples (";key=value" and ";[section]" lines, except password). */
static char *read_example(const char *name, bool uncomment, size_t *len)
{
	char path[512], *buf = calloc(1, 65536), *o = buf;
	const char *slash = strrchr(__FILE__, '/');
	FILE *f;
	char line[1024];

	snprintf(path, sizeof(path), "%.*s/../../etc/%s", (int)(slash ? slash - __FILE__ : 1),
		 slash ? __FILE__ : ".", name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		const char *l = line;
		if (uncomment && line[0] == ';' && (isalnum((unsigned char)line[1]) || line[1] == '[') &&
		    strncmp(line, ";password", 9))
			l = line + 1;
		o += sprintf(o, "%s", l);
	}
	fclose(f);
	*len = (size_t)(o - buf);
	return buf;
}

static void test_example_file(void **state)
{
	(void)state;
	for (int u = 0; u < 2; u++) {
		size_t len;
		char *text = read_example("v6link.ini", u, &len);
		struct cfg_param d;
		memset(&errs, 0, sizeof(errs));
		if (cfg_param_parse(text, len, "etc/v6link.ini", &par, &errs, &warns) != 0)
			fail_msg("%s", errs.text[0]);
		cfg_param_defaults(&d);
		if (!u) /* the file shows the defaults */
			assert_memory_equal(&d, &par, sizeof(d));
		else
			assert_true(par.n_passthrough == 3 && par.dhcp6_stateful.n_oro == 2 &&
				    par.dhcp6_stateful.n_rawopt == 1 && par.dhcp6_stateless.n_oro == 1);
		free(text);
	}
}

/* A daemon instance's directories: keys first, then derived so that instances never share. */
static void test_instance_dirs(void **state)
{
	(void)state;
	static struct cfg_param p;
	char run[CFG_PATH_MAX], st[CFG_PATH_MAX];
	cfg_param_defaults(&p);
	cfg_instance_dirs(&p, "/etc/v6link", "/run/v6link/ctl", "", run, st);
	assert_string_equal(run, "/run/v6link");
	assert_string_equal(st, "/var/lib/v6link");
	cfg_instance_dirs(&p, "/etc/v6link", "/run/v6link/ns1.ctl", "ns1", run, st);
	assert_string_equal(run, "/run/v6link");
	assert_string_equal(st, "/var/lib/v6link/netns-ns1");
	cfg_instance_dirs(&p, "/tmp/t/conf", "/tmp/t/ctl.sock", "v6l-cli", run, st);
	assert_string_equal(run, "/tmp/t");
	assert_string_equal(st, "/tmp/t/conf/state");
	cfg_instance_dirs(&p, "/etc/v6link", "ctl.sock", "", run, st);
	assert_string_equal(run, ".");
	cfg_instance_dirs(&p, "/etc/v6link", "/ctl", "", run, st);
	assert_string_equal(run, "/");
	snprintf(p.run_dir, sizeof(p.run_dir), "/srv/run");
	snprintf(p.state_dir, sizeof(p.state_dir), "/srv/state");
	cfg_instance_dirs(&p, "/tmp/t/conf", "/tmp/t/ctl.sock", "ns1", run, st);
	assert_string_equal(run, "/srv/run");
	assert_string_equal(st, "/srv/state");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instance_dirs),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_comments_and_lines),
		cmocka_unit_test(test_error_collection),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_dhcp6_sections),
		cmocka_unit_test(test_dhcp6_errors),
		cmocka_unit_test(test_example_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
