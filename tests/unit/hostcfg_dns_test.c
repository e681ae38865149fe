/* DNS server lists and resolv.conf rendering (the pure part of hostcfg/dns). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "hostcfg/dns.h"

static void test_render(void **state)
{
	(void)state;
	struct dns_servers d;
	memset(&d, 0, sizeof(d));
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xf, [15] = 0x53 };
	const uint8_t v4[4] = { 203, 0, 113, 53 };
	assert_true(dns_servers_add(&d, AF_INET6, v6));
	assert_true(dns_servers_add(&d, AF_INET, v4));
	assert_false(dns_servers_add(&d, AF_INET, v4)); /* duplicate */
	assert_true(dns_servers_add_domain(&d, "isp.example"));
	assert_false(dns_servers_add_domain(&d, "isp.example"));
	assert_false(dns_servers_add_domain(&d, "evil\nnameserver 6.6.6.6")); /* no injection */
	assert_false(dns_servers_add_domain(&d, ""));
	char buf[512];
	int n = dns_render_resolv_conf(&d, "dsl", buf, sizeof(buf));
	assert_string_equal(buf, "# written by v6link for connection dsl; restored when it ends\n"
				 "nameserver 2001:db8:f::53\n"
				 "nameserver 203.0.113.53\n"
				 "search isp.example\n");
	assert_int_equal(n, (int)strlen(buf));
	/* Every buffer too small fails cleanly. */
	for (size_t cap = 1; cap <= (size_t)n; cap++)
		assert_int_equal(dns_render_resolv_conf(&d, "dsl", buf, cap), -1);
}

static void test_limits_and_equal(void **state)
{
	(void)state;
	struct dns_servers a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	uint8_t addr[16] = { 0x20, 0x01 };
	for (int i = 0; i < DNS_MAX_SERVERS; i++) {
		addr[15] = (uint8_t)i;
		assert_true(dns_servers_add(&a, AF_INET6, addr));
		assert_true(dns_servers_add(&b, AF_INET6, addr));
	}
	addr[15] = 99;
	assert_false(dns_servers_add(&a, AF_INET6, addr)); /* full */
	assert_false(dns_servers_add(&a, 12345, addr));    /* bad family */
	assert_true(dns_servers_equal(&a, &b));
	assert_true(dns_servers_add_domain(&b, "example.net"));
	assert_false(dns_servers_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_limits_and_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
