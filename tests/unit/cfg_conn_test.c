/* connections.ini: defaults (incl. [param] defaults), every key valid and invalid with the exact
 * message, dial-string errors with file/line, passwords, names, cross-field checks. */
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
#include "cfg/secret.h"

static struct cfg_msgs errs, warns;
static struct cfg_conns cs;

static int parse_p(const char *text, const struct cfg_param *p)
{
	memset(&errs, 0, sizeof(errs));
	memset(&warns, 0, sizeof(warns));
	return cfg_conns_parse(text, strlen(text), "connections.ini", p, &cs, &errs, &warns);
}

static int parse(const char *text)
{
	return parse_p(text, NULL);
}

static void expect_error(const char *text, const char *msg)
{
	struct cfg_conns before;

	memset(&cs, 0x5a, sizeof(cs));
	before = cs;
	if (parse(text) != -1 || errs.n != 1 || strcmp(errs.text[0], msg))
		fail_msg("input:\n%s\ngot %u errors, first '%s'\nexpected '%s'", text, errs.n,
			 errs.n ? errs.text[0] : "", msg);
	assert_memory_equal(&cs, &before, sizeof(cs)); /* all or nothing */
}

static void test_defaults(void **state)
{
	(void)state;
	static const uint8_t zero[16];
	const struct cfg_conn *c;
	struct cfg_conn d;

	assert_int_equal(parse(""), 0);
	assert_int_equal(cs.n, 0);
	assert_int_equal(parse("[dsl]\n"), 0);
	assert_int_equal(cs.n, 1);
	c = &cs.conn[0];
	assert_string_equal(c->name, "dsl");
	assert_int_equal(c->line, 1);
	assert_false(c->enabled);
	assert_string_equal(c->dial_string, "");
	assert_int_equal(c->dial.aidx, -1);
	assert_int_equal(c->dial.timeout_ms, 2000);
	assert_true(c->dial.host_uniq);
	assert_string_equal(c->user_name, "");
	assert_string_equal(c->password_enc, "");
	assert_int_equal(c->mru, 1492);
	assert_true(c->use_ipv4);
	assert_true(c->use_ipv6);
	assert_false(c->has_ipv6_prefix);
	assert_int_equal(c->idle_timeout_s, 0);
	assert_memory_equal(c->ipv6_dns1, zero, 16);
	assert_memory_equal(c->ipv6_dns2, zero, 16);
	assert_string_equal(c->interface, "v6link0");
	assert_int_equal(c->auth, CFG_AUTH_ALL);
	assert_int_equal(c->lcp_echo_interval_s, 10);
	assert_int_equal(c->lcp_echo_failure, 3);
	assert_int_equal(c->redial_delay_s, 5);
	assert_int_equal(c->redial_delay_max_s, 120);
	assert_true(c->persist);
	assert_true(c->prefix_delegation);
	assert_false(c->stable_privacy);
	assert_int_equal(c->dhcpv6, CFG_DHCPV6_AUTO);
	assert_true(c->dns);
	assert_int_equal(c->duid, CFG_DUID_LL);
	assert_int_equal(c->duid_raw_len, 0);
	assert_false(c->iaid.is_set);
	assert_false(c->iaid_pd.is_set);
	assert_true(c->reconfigure_accept);
	assert_int_equal(c->pd_length, 0);
	assert_string_equal(c->hook, "");
	assert_int_equal(c->mode, CFG_MODE_AUTO);
	assert_int_equal(c->nat46, CFG_NAT46_AUTO);
	assert_int_equal(c->route_metric, 50);
	assert_true(c->default_route);
	assert_int_equal(c->route_table, CFG_TABLE_MAIN);
	assert_int_equal(CFG_TABLE_MAIN, 254);
	assert_int_equal(c->rx_ring, CFG_RX_RING_AUTO);
	cfg_conn_defaults(&d, "dsl", NULL);
	d.line = 1;
	assert_memory_equal(&d, c, sizeof(d));
	assert_ptr_equal(cfg_conn_find(&cs, "dsl"), c);
	assert_null(cfg_conn_find(&cs, "DSL"));
	assert_int_equal(errs.n + warns.n, 0);
}

static void test_param_defaults(void **state)
{
	(void)state;
	struct cfg_param p;

	cfg_param_defaults(&p);
	p.default_use_ipv4 = false;
	assert_int_equal(parse_p("[a]\n[b]\nuse_ipv4=1\n", &p), 0);
	assert_false(cfg_conn_find(&cs, "a")->use_ipv4);
	assert_true(cfg_conn_find(&cs, "a")->use_ipv6);
	assert_true(cfg_conn_find(&cs, "b")->use_ipv4);
	p.default_use_ipv6 = false;
	assert_int_equal(parse_p("[a]\nuse_ipv6=1\n", &p), 0);
	assert_true(cs.conn[0].use_ipv6);
	/* both defaults 0 and nothing set: an error for that connection */
	assert_int_equal(parse_p("[a]\n", &p), -1);
	assert_string_equal(errs.text[0], "connections.ini:1: [a] use_ipv4 and use_ipv6 are both 0: "
					  "nothing to connect");
}

static void test_all_keys(void **state)
{
	(void)state;
	uint8_t key[32] = { 1 }, nonce[24] = { 2 };
	char enc[400], text[2000];
	const struct cfg_conn *c;

	assert_int_equal(cfg_secret_encrypt_nonce(key, nonce, "pw", 2, enc, sizeof(enc)),
			 CFG_SECRET_OK);
	snprintf(text, sizeof(text),
		 "[my-isp.1_x]\n"
		 "enabled=1\n"
		 "dial_string=*99# aidx=4 serv=inet ac=bras h=0 to=3000 tr=5 prio=3 vlan=7\n"
		 "user_name=user@isp.example\n"
		 "password=%s\n"
		 "mru=1500\n"
		 "use_ipv4=0\n"
		 "use_ipv6=1\n"
		 "ipv6_prefix=2001:db8:1:2::/64\n"
		 "idle_timeout=86400\n"
		 "ipv6_dns1=2001:db8::53\n"
		 "ipv6_dns2=fd00::53\n"
		 "interface=ppp-isp\n"
		 "auth=chap, MSCHAPv2\n"
		 "lcp_echo_interval=0\n"
		 "lcp_echo_failure=100\n"
		 "redial_delay=60\n"
		 "redial_delay_max=60\n"
		 "persist=0\n"
		 "prefix_delegation=0\n"
		 "stable_privacy=1\n"
		 "dhcpv6=stateless\n"
		 "dns=0\n"
		 "duid=uuid\n"
		 "iaid=0x0A0b0C0d\n"
		 "iaid_pd=4294967295\n"
		 "reconfigure_accept=0\n"
		 "pd_length=56\n"
		 "hook=/etc/v6link/hook.sh\n"
		 "mode=dial-up\n"
		 "nat46=on\n"
		 "route_metric=4294967295\n"
		 "default_route=0\n"
		 "table=4294967295\n"
		 "rx_ring=off\n",
		 enc);
	assert_int_equal(parse(text), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(warns.n, 1); /* mru 1500 */
	assert_string_equal(warns.text[0], "connections.ini:6: [my-isp.1_x] key 'mru': 1500 > 1492 "
					   "needs RFC 4638 PPP-Max-Payload from the access "
					   "concentrator, else 1492 is used");
	c = &cs.conn[0];
	assert_string_equal(c->name, "my-isp.1_x");
	assert_true(c->enabled);
	assert_string_equal(c->dial_string,
			    "*99# aidx=4 serv=inet ac=bras h=0 to=3000 tr=5 prio=3 vlan=7");
	assert_int_equal(c->dial.aidx, 4);
	assert_string_equal(c->dial.service, "inet");
	assert_string_equal(c->dial.ac_name, "bras");
	assert_false(c->dial.host_uniq);
	assert_int_equal(c->dial.timeout_ms, 3000);
	assert_int_equal(c->dial.retries, 5);
	assert_int_equal(c->dial.prio, 3);
	assert_int_equal(c->dial.vlan, 7);
	assert_string_equal(c->user_name, "user@isp.example");
	assert_string_equal(c->password_enc, enc);
	assert_int_equal(c->mru, 1500);
	assert_false(c->use_ipv4);
	assert_true(c->use_ipv6);
	assert_true(c->has_ipv6_prefix);
	assert_memory_equal(c->ipv6_prefix,
			    ((uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0 }),
			    16);
	assert_int_equal(c->idle_timeout_s, 86400);
	assert_memory_equal(c->ipv6_dns1,
			    ((uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53 }),
			    16);
	assert_int_equal(c->ipv6_dns2[0], 0xfd);
	assert_int_equal(c->ipv6_dns2[15], 0x53);
	assert_string_equal(c->interface, "ppp-isp");
	assert_int_equal(c->auth, CFG_AUTH_CHAP | CFG_AUTH_MSCHAPV2);
	assert_int_equal(c->lcp_echo_interval_s, 0);
	assert_int_equal(c->lcp_echo_failure, 100);
	assert_int_equal(c->redial_delay_s, 60);
	assert_int_equal(c->redial_delay_max_s, 60);
	assert_false(c->persist);
	assert_false(c->prefix_delegation);
	assert_true(c->stable_privacy);
	assert_int_equal(c->dhcpv6, CFG_DHCPV6_STATELESS);
	assert_false(c->dns);
	assert_int_equal(c->duid, CFG_DUID_UUID);
	assert_true(c->iaid.is_set);
	assert_int_equal(c->iaid.value, 0x0a0b0c0d);
	assert_true(c->iaid_pd.is_set);
	assert_int_equal(c->iaid_pd.value, 4294967295u);
	assert_false(c->reconfigure_accept);
	assert_int_equal(c->pd_length, 56);
	assert_string_equal(c->hook, "/etc/v6link/hook.sh");
	assert_int_equal(c->mode, CFG_MODE_DIALUP);
	assert_int_equal(c->nat46, CFG_NAT46_ON);
	assert_int_equal(c->route_metric, 4294967295u);
	assert_false(c->default_route);
	assert_int_equal(c->route_table, 4294967295u);
	assert_int_equal(c->rx_ring, CFG_RX_RING_OFF);
	assert_string_equal(cfg_mode_name(c->mode), "dial-up");
	assert_string_equal(cfg_duid_name(c->duid), "uuid");
}

struct bad_case {
	const char *line;
	const char *msg; /* after "connections.ini:2: [dsl] " */
};

#define IFNAME_EXPECT "expected an interface name of 1..15 characters without '/', ':' or spaces"
#define V6_EXPECT "expected a unicast IPv6 address such as 2001:db8::53"
#define DUID_EXPECT "expected llt, en, ll, uuid or the DUID itself as hex octets separated by ':' " \
	"(such as 00:03:00:01:02:76:36:00:00:10)"
#define DUID_HEX "expected the DUID as hex octets of two digits each, separated by ':' (such as " \
	"00:03:00:01:02:76:36:00:00:10)"
#define IAID_EXPECT "expected an IAID: 0..4294967295, or 0x0..0xffffffff"
#define TABLE_EXPECT "expected main or a table number 1..4294967295 other than the reserved 253 " \
	"(default), 254 (main) and 255 (local)"

static const struct bad_case bad_conn[] = {
	{ "enabled=2", "key 'enabled': expected 0 or 1, got '2'" },
	{ "mru=9000", "key 'mru': expected 128..1500, got '9000'" },
	{ "mru=127", "key 'mru': expected 128..1500, got '127'" },
	{ "mru=1492b", "key 'mru': expected 128..1500, got '1492b'" },
	{ "use_ipv4=on", "key 'use_ipv4': expected 0 or 1, got 'on'" },
	{ "use_ipv6=", "key 'use_ipv6': expected 0 or 1, got ''" },
	{ "ipv6_prefix=2001:db8:1:2::/56",
	  "key 'ipv6_prefix': expected an IPv6 /64 prefix such as 2001:db8:1:2::/64, got "
	  "'2001:db8:1:2::/56'" },
	{ "ipv6_prefix=2001:db8:1:2::",
	  "key 'ipv6_prefix': expected an IPv6 /64 prefix such as 2001:db8:1:2::/64, got "
	  "'2001:db8:1:2::'" },
	{ "ipv6_prefix=2001:db8:1:2::1/64",
	  "key 'ipv6_prefix': expected a /64 prefix with the last 64 bits zero, got "
	  "'2001:db8:1:2::1/64'" },
	{ "ipv6_prefix=fe80::/64",
	  "key 'ipv6_prefix': expected a global or unique-local IPv6 /64 prefix such as "
	  "2001:db8:1:2::/64, got 'fe80::/64'" },
	{ "ipv6_prefix=ff02::/64",
	  "key 'ipv6_prefix': expected a global or unique-local IPv6 /64 prefix such as "
	  "2001:db8:1:2::/64, got 'ff02::/64'" },
	{ "ipv6_prefix=::/64",
	  "key 'ipv6_prefix': expected a global or unique-local IPv6 /64 prefix such as "
	  "2001:db8:1:2::/64, got '::/64'" },
	{ "ipv6_prefix=2001:db8:x::/64",
	  "key 'ipv6_prefix': expected a global or unique-local IPv6 /64 prefix such as "
	  "2001:db8:1:2::/64, got '2001:db8:x::/64'" },
	{ "idle_timeout=86401", "key 'idle_timeout': expected 0..86400, got '86401'" },
	{ "ipv6_dns1=::", "key 'ipv6_dns1': " V6_EXPECT ", got '::'" },
	{ "ipv6_dns1=ff02::1", "key 'ipv6_dns1': " V6_EXPECT ", got 'ff02::1'" },
	{ "ipv6_dns2=192.0.2.1", "key 'ipv6_dns2': " V6_EXPECT ", got '192.0.2.1'" },
	{ "interface=", "key 'interface': " IFNAME_EXPECT ", got ''" },
	{ "interface=averyveryverylong", "key 'interface': " IFNAME_EXPECT
					 ", got 'averyveryverylong'" },
	{ "interface=a b", "key 'interface': " IFNAME_EXPECT ", got 'a b'" },
	{ "auth=", "key 'auth': expected a comma-separated list of pap, chap, mschapv2, got ''" },
	{ "auth=pap,eap", "key 'auth': expected a comma-separated list of pap, chap, mschapv2, got "
			  "'pap,eap'" },
	{ "auth=mschap", "key 'auth': expected a comma-separated list of pap, chap, mschapv2, got "
			 "'mschap'" },
	{ "lcp_echo_interval=3601", "key 'lcp_echo_interval': expected 0..3600, got '3601'" },
	{ "lcp_echo_failure=0", "key 'lcp_echo_failure': expected 1..100, got '0'" },
	{ "redial_delay=0", "key 'redial_delay': expected 1..3600, got '0'" },
	{ "redial_delay_max=86401", "key 'redial_delay_max': expected 1..86400, got '86401'" },
	{ "persist=2", "key 'persist': expected 0 or 1, got '2'" },
	{ "prefix_delegation=yes", "key 'prefix_delegation': expected 0 or 1, got 'yes'" },
	{ "dns=-", "key 'dns': expected 0 or 1, got '-'" },
	{ "duid=mac", "key 'duid': " DUID_EXPECT ", got 'mac'" },
	{ "duid=", "key 'duid': " DUID_EXPECT ", got ''" },
	{ "duid=0003000102763600", "key 'duid': " DUID_EXPECT ", got '0003000102763600'" },
	{ "duid=00:03:00:01:2:76:36", "key 'duid': " DUID_HEX ", got '00:03:00:01:2:76:36'" },
	{ "duid=00-03-00-01-02-76", "key 'duid': " DUID_EXPECT ", got '00-03-00-01-02-76'" },
	{ "duid=00:03:00:01:02:", "key 'duid': " DUID_HEX ", got '00:03:00:01:02:'" },
	{ "duid=00:03:00:01:0g:11", "key 'duid': " DUID_HEX ", got '00:03:00:01:0g:11'" },
	{ "duid=00:03 :00:01:02:11", "key 'duid': " DUID_HEX ", got '00:03 :00:01:02:11'" },
	{ "duid=:00:03:00:01:02", "key 'duid': " DUID_HEX ", got ':00:03:00:01:02'" },
	{ "duid=00", "key 'duid': expected a DUID of 2..130 octets (RFC 8415 section 11.1); this one "
		     "has 1, got '00'" },
	{ "duid=00:", "key 'duid': " DUID_HEX ", got '00:'" },
	/* a MAC pasted without the DUID-LL header: type 0x0276 */
	{ "duid=02:76:36:00:00:10", "key 'duid': expected a DUID of type 1 (LLT), 2 (EN), 3 (LL) or "
				    "4 (UUID) in its first two octets; this one has type 630, got "
				    "'02:76:36:00:00:10'" },
	{ "duid=00:00:01", "key 'duid': expected a DUID of type 1 (LLT), 2 (EN), 3 (LL) or 4 (UUID) "
			   "in its first two octets; this one has type 0, got '00:00:01'" },
	{ "duid=00:05:01:02:03", "key 'duid': expected a DUID of type 1 (LLT), 2 (EN), 3 (LL) or 4 "
				 "(UUID) in its first two octets; this one has type 5, got "
				 "'00:05:01:02:03'" },
	{ "duid=00:01:00:01:00:00:00:01", "key 'duid': expected at least 9 octets for DUID-LLT "
					  "(type 1); this one has 8, got '00:01:00:01:00:00:00:01'" },
	{ "duid=00:01:00:01:00:00:00:01:aa", NULL },
	{ "duid=00:02:00:00:7e:d9", "key 'duid': expected at least 7 octets for DUID-EN (type 2); "
				    "this one has 6, got '00:02:00:00:7e:d9'" },
	{ "duid=00:02:00:00:7e:d9:01", NULL },
	{ "duid=00:03:00:01", "key 'duid': expected at least 5 octets for DUID-LL (type 3); this one "
			      "has 4, got '00:03:00:01'" },
	{ "duid=00:03:00:01:02", NULL },
	{ "duid=00:04:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee",
	  "key 'duid': expected 18 octets for DUID-UUID (type 4); this one has 17, got "
	  "'00:04:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee'" },
	{ "duid=00:04:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00",
	  "key 'duid': expected 18 octets for DUID-UUID (type 4); this one has 19, got "
	  "'00:04:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00'" },
	{ "duid=00:04:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", NULL },
	{ "duid=LLT", NULL },
	{ "iaid=", "key 'iaid': " IAID_EXPECT ", got ''" },
	{ "iaid=4294967296", "key 'iaid': " IAID_EXPECT ", got '4294967296'" },
	{ "iaid=-1", "key 'iaid': " IAID_EXPECT ", got '-1'" },
	{ "iaid=0x", "key 'iaid': " IAID_EXPECT ", got '0x'" },
	{ "iaid=0x100000000", "key 'iaid': " IAID_EXPECT ", got '0x100000000'" },
	{ "iaid=0xfg", "key 'iaid': " IAID_EXPECT ", got '0xfg'" },
	{ "iaid=12ab", "key 'iaid': " IAID_EXPECT ", got '12ab'" },
	{ "iaid= 0x1", NULL }, /* the line reader trims around '=' */
	{ "iaid=0", NULL },
	{ "iaid=0xFFFFFFFF", NULL },
	{ "iaid=4294967295", NULL },
	{ "iaid_pd=0x1 2", "key 'iaid_pd': " IAID_EXPECT ", got '0x1 2'" },
	{ "iaid_pd=0X00000001", NULL },
	{ "reconfigure_accept=yes", "key 'reconfigure_accept': expected 0 or 1, got 'yes'" },
	{ "dhcpv6=yes", "key 'dhcpv6': expected auto, stateful, stateless or off, got 'yes'" },
	{ "pd_length=47", "key 'pd_length': expected 0 (no hint) or 48..64, got '47'" },
	{ "pd_length=65", "key 'pd_length': expected 0 (no hint) or 48..64, got '65'" },
	{ "hook=hook.sh", "key 'hook': expected an absolute path of at most 255 characters, got "
			  "'hook.sh'" },
	{ "mode=bridge", "key 'mode': expected auto, dial-up, router or mixed, got 'bridge'" },
	{ "user_name=a\x01", "key 'user_name': expected 0..255 printable characters, got 'a\\x01'" },
	{ "dial_string=to=5", "key 'dial_string': key 'to': expected 100..60000, got '5'" },
	{ "dial_string=*99# ***", NULL }, /* junk only: valid */
	{ "dial_string=foo=1", "key 'dial_string': unknown key 'foo' (accepted: aidx, if, serv, h, "
			       "ac, to, tr, prio, vlan)" },
	{ "password=hunter2", "key 'password': expected an encrypted password (enc:v1:...), got a "
			      "plain one: remove it and run 'v6link passwd dsl'" },
	{ "password=enc:v1:!!", "key 'password': encrypted password is damaged (bad base64): run "
				"'v6link passwd dsl'" },
	{ "password=enc:v1:AAAA", "key 'password': encrypted password is damaged (too short): run "
				  "'v6link passwd dsl'" },
	{ "foo=1", "unknown key 'foo' (accepted: enabled, dial_string, user_name, password, mru, "
		   "use_ipv4, use_ipv6, ipv6_prefix, idle_timeout, ipv6_dns1, ipv6_dns2, interface, "
		   "auth, lcp_echo_interval, lcp_echo_failure, redial_delay, redial_delay_max, "
		   "persist, dns, duid, iaid, iaid_pd, reconfigure_accept, prefix_delegation, "
		   "stable_privacy, dhcpv6, pd_length, hook, mode, nat46, route_metric, "
		   "default_route, table, rx_ring)" },
	{ "nat46=yes", "key 'nat46': expected auto, on or off, got 'yes'" },
	{ "route_metric=0", "key 'route_metric': expected 1..4294967295, got '0'" },
	{ "route_metric=4294967296", "key 'route_metric': expected 1..4294967295, got "
				     "'4294967296'" },
	{ "route_metric=12345678901", "key 'route_metric': expected 1..4294967295, got "
				      "'12345678901'" },
	{ "route_metric=-1", "key 'route_metric': expected 1..4294967295, got '-1'" },
	{ "route_metric=+5", "key 'route_metric': expected 1..4294967295, got '+5'" },
	{ "route_metric=", "key 'route_metric': expected 1..4294967295, got ''" },
	{ "route_metric=1", NULL },
	{ "route_metric=0050", NULL },
	{ "default_route=yes", "key 'default_route': expected 0 or 1, got 'yes'" },
	{ "table=0", "key 'table': " TABLE_EXPECT ", got '0'" },
	{ "table=253", "key 'table': " TABLE_EXPECT ", got '253'" },
	{ "table=254", "key 'table': " TABLE_EXPECT ", got '254'" },
	{ "table=255", "key 'table': " TABLE_EXPECT ", got '255'" },
	{ "table=4294967296", "key 'table': " TABLE_EXPECT ", got '4294967296'" },
	{ "table=Main", "key 'table': " TABLE_EXPECT ", got 'Main'" },
	{ "table=local", "key 'table': " TABLE_EXPECT ", got 'local'" },
	{ "table=", "key 'table': " TABLE_EXPECT ", got ''" },
	{ "table=0x64", "key 'table': " TABLE_EXPECT ", got '0x64'" },
	{ "table=1", NULL },
	{ "table=252", NULL },
	{ "table=256", NULL },
	{ "table=main", NULL },
	{ "rx_ring=yes", "key 'rx_ring': expected auto, on or off, got 'yes'" },
	{ "rx_ring=1", "key 'rx_ring': expected auto, on or off, got '1'" },
	{ "rx_ring=", "key 'rx_ring': expected auto, on or off, got ''" },
	{ "rx_ring=on", NULL },
	{ "rx_ring=off", NULL },
	{ "rx_ring=auto", NULL },
};

static void test_bad_values(void **state)
{
	(void)state;
	char text[400], msg[CFG_MSG_LEN];

	for (size_t i = 0; i < sizeof(bad_conn) / sizeof(bad_conn[0]); i++) {
		snprintf(text, sizeof(text), "[dsl]\n%s\n", bad_conn[i].line);
		if (!bad_conn[i].msg) {
			assert_int_equal(parse(text), 0);
			continue;
		}
		snprintf(msg, sizeof(msg), "connections.ini:2: [dsl] %s", bad_conn[i].msg);
		expect_error(text, msg);
	}
}

static void test_password_never_echoed(void **state)
{
	(void)state;
	assert_int_equal(parse("[dsl]\nuser_name=u\npassword=S3cr3t-Pw\nmru=1\n"), -1);
	assert_int_equal(errs.n, 2);
	for (unsigned i = 0; i < errs.n; i++)
		assert_null(strstr(errs.text[i], "S3cr3t"));
	assert_int_equal(parse("[dsl]\npassword=\n"), 0); /* explicitly empty: no password */
	assert_string_equal(cs.conn[0].password_enc, "");
}

static void test_dial_string_errors(void **state)
{
	(void)state;
	assert_int_equal(parse("[a]\n\n# c\ndial_string = 0815 to=5,tr=0;h=x vlan=7 ; comment\n"),
			 -1);
	assert_int_equal(errs.n, 3);
	assert_string_equal(errs.text[0], "connections.ini:4: [a] key 'dial_string': key 'to': "
					  "expected 100..60000, got '5'");
	assert_string_equal(errs.text[1], "connections.ini:4: [a] key 'dial_string': key 'tr': "
					  "expected 1..20, got '0'");
	assert_string_equal(errs.text[2], "connections.ini:4: [a] key 'dial_string': key 'h': "
					  "expected 0 or 1, got 'x'");
}

static void test_names_and_sections(void **state)
{
	(void)state;
	char text[2000] = "";

	expect_error("[my isp]\nmru=1400\n", "connections.ini:1: connection name [my isp] invalid: "
					     "expected 1..32 characters of A-Z a-z 0-9 _ . -");
	expect_error("[]\n", "connections.ini:1: connection name [] invalid: expected 1..32 "
			     "characters of A-Z a-z 0-9 _ . -");
	expect_error("[a23456789012345678901234567890123]\n",
		     "connections.ini:1: connection name [a23456789012345678901234567890123] "
		     "invalid: expected 1..32 characters of A-Z a-z 0-9 _ . -");
	assert_int_equal(parse("[a2345678901234567890123456789012]\ninterface=x\n"), 0);
	expect_error("[a]\n[b]\n[a]\nmru=1400\n",
		     "connections.ini:3: connection [a] already defined on line 1");
	expect_error("mru=1400\n", "connections.ini:1: key 'mru' outside any section: put a "
				   "[section] line first");
	expect_error("[a]\nmru=1400\nmru=1400\n",
		     "connections.ini:3: [a] key 'mru' already set on line 2");
	for (int i = 0; i <= CFG_MAX_CONNS; i++)
		sprintf(text + strlen(text), "[c%d]\ninterface=t%d\n", i, i);
	expect_error(text, "connections.ini:33: connection [c16]: more than 16 connections");
}

static void test_cross_checks(void **state)
{
	(void)state;
	expect_error("[a]\nredial_delay=200\n",
		     "connections.ini:2: [a] key 'redial_delay': 200 is more than redial_delay_max "
		     "120");
	expect_error("[a]\nenabled=1\n[b]\ninterface=x\nenabled=1\n[c]\nenabled=1\n",
		     "connections.ini:6: [c] key 'interface': 'v6link0' is also used by [a] and "
		     "both are enabled; give each connection its own interface");
	assert_int_equal(parse("[a]\nenabled=1\n[b]\ninterface=v6link0\n"), 0);
	assert_int_equal(warns.n, 1);
	assert_string_equal(warns.text[0], "connections.ini:4: [b] key 'interface': 'v6link0' is "
					   "also used by [a]: they cannot be up at the same time");
	expect_error("[a]\nuse_ipv4=0\nuse_ipv6=0\n",
		     "connections.ini:1: [a] use_ipv4 and use_ipv6 are both 0: nothing to connect");
	assert_int_equal(parse("[a]\nipv6_dns2=2001:db8::2\npassword=\n"), 0);
	assert_int_equal(warns.n, 1);
	assert_string_equal(warns.text[0],
			    "connections.ini:2: [a] key 'ipv6_dns2' set without ipv6_dns1");
	assert_int_equal(parse("[a]\nmru=1492\n"), 0);
	assert_int_equal(warns.n, 0);
	/* Default routes of two connections at one metric in one table: the second up gets none. */
	assert_int_equal(parse("[a]\n[b]\ninterface=v6link1\nroute_metric=50\n"), 0);
	assert_int_equal(warns.n, 1);
	assert_string_equal(warns.text[0], "connections.ini:4: [b] key 'route_metric': 50 is also "
					   "the metric of [a]'s default routes in the same table: "
					   "while both are up only the first one up has default "
					   "routes; give each its own route_metric");
	assert_int_equal(parse("[a]\n[b]\ninterface=v6link1\n"), 0); /* the header's line */
	assert_int_equal(warns.n, 1);
	assert_true(!strncmp(warns.text[0], "connections.ini:2: [b] key 'route_metric': 50 ", 46));
	/* A metric, table or default_route=0 of its own, or a shared interface: no warning. */
	assert_int_equal(parse("[a]\n[b]\ninterface=v6link1\nroute_metric=60\n"), 0);
	assert_int_equal(parse("[a]\n[b]\ninterface=v6link1\ntable=100\n"), 0);
	assert_int_equal(warns.n, 0);
	assert_int_equal(parse("[a]\n[b]\ninterface=v6link1\ndefault_route=0\n"), 0);
	assert_int_equal(warns.n, 0);
	assert_int_equal(parse("[a]\ndefault_route=0\n[b]\ninterface=v6link1\n"), 0);
	assert_int_equal(warns.n, 0);
	assert_int_equal(parse("[a]\n[b]\n"), 0);
	assert_int_equal(warns.n, 1); /* only that they share v6link0 */
	assert_null(strstr(warns.text[0], "route_metric"));
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

/* duid= as the DUID itself: every octet kept, 2..130 octets (RFC 8415 §11.1), and a name after
 * a raw DUID on another connection leaves no octets behind. */
static void test_duid_raw(void **state)
{
	(void)state;
	char text[1100], v[3 * 140];
	const struct cfg_conn *c;
	size_t o;

	assert_int_equal(parse("[a]\nduid=00:03:00:01:02:76:36:00:00:20\niaid=305441741\n[b]\n"
			       "duid=ll\n"), 0);
	c = cfg_conn_find(&cs, "a");
	assert_int_equal(c->duid, CFG_DUID_RAW);
	assert_string_equal(cfg_duid_name(c->duid), "raw");
	assert_int_equal(c->duid_raw_len, 10);
	assert_memory_equal(c->duid_raw, ((uint8_t[]){ 0, 3, 0, 1, 2, 0x76, 0x36, 0, 0, 0x20 }), 10);
	assert_true(c->iaid.is_set);
	assert_int_equal(c->iaid.value, 0x1234abcd);
	assert_false(c->iaid_pd.is_set);
	c = cfg_conn_find(&cs, "b");
	assert_int_equal(c->duid, CFG_DUID_LL);
	assert_int_equal(c->duid_raw_len, 0);

	/* DUID-EN of the longest length: 130 octets; one more is refused, naming line 3. */
	for (size_t n = 130; n <= 131; n++) {
		o = (size_t)snprintf(v, sizeof(v), "00:02:00:00:7e:d9");
		for (size_t i = 6; i < n; i++)
			o += (size_t)snprintf(v + o, sizeof(v) - o, ":%02x", (unsigned)(i & 0xff));
		snprintf(text, sizeof(text), "[dsl]\nenabled=0\nduid=%s\n", v);
		if (n == 130) {
			assert_int_equal(parse(text), 0);
			assert_int_equal(cs.conn[0].duid_raw_len, 130);
			assert_int_equal(cs.conn[0].duid_raw[129], 129);
			continue;
		}
		assert_int_equal(parse(text), -1);
		assert_int_equal(errs.n, 1);
		assert_non_null(strstr(errs.text[0], "connections.ini:3: [dsl] key 'duid': expected a "
						     "DUID of 2..130 octets (RFC 8415 section 11.1); "
						     "this one has 131, got '00:02:00:00:7e:d9:06:07"));
	}
}

static void test_example_file(void **state)
{
	(void)state;
	for (int u = 0; u < 2; u++) {
		size_t len;
		char *text = read_example("connections.ini", u, &len);
		struct cfg_conn d;
		memset(&errs, 0, sizeof(errs));
		memset(&warns, 0, sizeof(warns));
		if (cfg_conns_parse(text, len, "etc/connections.ini", NULL, &cs, &errs, &warns) != 0)
			fail_msg("%s", errs.text[0]);
		if (warns.n) /* e.g. [fibre] without a route_metric of its own */
			fail_msg("%s", warns.text[0]);
		assert_int_equal(cs.n, u ? 2 : 1);
		cfg_conn_defaults(&d, "dsl", NULL);
		d.line = cs.conn[0].line;
		if (!u) /* the file shows the defaults */
			assert_memory_equal(&d, &cs.conn[0], sizeof(d));
		else
			assert_string_equal(cfg_conn_find(&cs, "fibre")->interface, "v6link1");
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_param_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_password_never_echoed),
		cmocka_unit_test(test_dial_string_errors),
		cmocka_unit_test(test_names_and_sections),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_duid_raw),
		cmocka_unit_test(test_example_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
