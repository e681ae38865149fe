/* DNS proxy's closed surface (dns_guard, issue #13): the host-only source check with what a LAN
 * client can and cannot spoof (ingress interfaces as Linux 6.x reports them for the host's own
 * datagrams: the interface holding the destination, or lo), the per-source token bucket with a
 * fake clock, the UDP answer cap at 1232 (RFC 6891 §6.2.5, DNS Flag Day 2020) and TCP client
 * idle time and lifetime (RFC 7766 §6.2.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns_codec.h"
#include "dns/dns_guard.h"
#include "dns/dns_proxy.h"

#define LO 1
#define ETH 2   /* the LAN-facing interface: 10.0.1.1, 2001:db8:1::1 */
#define TUN46 3 /* v6link46: 192.0.0.1 (router address), 192.0.0.2 (apps) */

static const uint8_t ROUTER[4] = { 192, 0, 0, 1 };
static const uint8_t APP[4] = { 192, 0, 0, 2 };
static const uint8_t SLASH29_FREE[4] = { 192, 0, 0, 3 };
static const uint8_t ETH4[4] = { 10, 0, 1, 1 };
static const uint8_t LAN4[4] = { 10, 0, 1, 2 };
static const uint8_t LO4[4] = { 127, 0, 0, 1 };
static const uint8_t ETH6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
static const uint8_t LAN6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
static const uint8_t LO6[16] = { [15] = 1 };

static struct dns_guard_hosts hosts(void)
{
	struct dns_guard_hosts h = { .n = 0 };
	dns_guard_hosts_add(&h, 4, LO4, LO);
	dns_guard_hosts_add(&h, 6, LO6, LO);
	dns_guard_hosts_add(&h, 4, ETH4, ETH);
	dns_guard_hosts_add(&h, 6, ETH6, ETH);
	dns_guard_hosts_add(&h, 4, APP, TUN46);
	dns_guard_hosts_add(&h, 4, ROUTER, TUN46);
	return h;
}

static struct dns_guard_pkt udp(uint8_t family, const uint8_t *src, const uint8_t *dst,
	uint32_t ifindex)
{
	struct dns_guard_pkt p = { .family = family, .has_ingress = true, .ifindex = ifindex };
	memcpy(p.src, src, family == 4 ? 4 : 16);
	memcpy(p.dst, dst, family == 4 ? 4 : 16);
	return p;
}

static struct dns_guard_pkt tcp(uint8_t family, const uint8_t *src)
{
	struct dns_guard_pkt p = { .family = family };
	memcpy(p.src, src, family == 4 ? 4 : 16);
	return p;
}

/* What the host sends itself: to 192.0.0.1 from 192.0.0.1 (the source Linux picks), from an
 * address of another interface, from 127.0.0.1 (reported on lo by older kernels); to ::1. */
static void test_host_datagrams_pass(void **state)
{
	(void)state;
	struct dns_guard_hosts h = hosts();
	struct dns_guard_pkt p = udp(4, ROUTER, ROUTER, TUN46);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_OK);
	p = udp(4, ETH4, ROUTER, TUN46);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_OK);
	p = udp(4, APP, ROUTER, LO);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_OK);
	p = udp(4, LO4, ROUTER, TUN46);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_OK);
	p = udp(6, LO6, LO6, LO);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_OK);
	/* a listener on the LAN-facing address, asked by the host itself */
	p = udp(6, ETH6, ETH6, ETH);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_OK);
}

/* A LAN client routed through the host: its own source, or one it spoofs. */
static void test_lan_datagrams_refused(void **state)
{
	(void)state;
	struct dns_guard_hosts h = hosts();
	struct dns_guard_pkt p = udp(4, LAN4, ROUTER, ETH);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_SOURCE);
	/* a free address of the apps' /29: routed into v6link46, held by nobody, so any LAN
	 * client can send from it (rp_filter loose or off): not the host's */
	p = udp(4, SLASH29_FREE, ROUTER, ETH);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_SOURCE);
	/* the host's own addresses as the source, from the LAN interface: IPv6 has no martian
	 * check, IPv4 with accept_local=1 neither, so the ingress decides */
	p = udp(6, ETH6, ETH6, ETH);
	p.ifindex = TUN46;
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_INGRESS);
	p = udp(4, APP, ROUTER, ETH);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_INGRESS);
	p = udp(4, LO4, ROUTER, ETH); /* route_localnet=1 on the LAN interface */
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_INGRESS);
	p = udp(6, LAN6, ETH6, ETH);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_SOURCE);
	/* no IP_PKTINFO on a datagram: refused */
	p = udp(4, ROUTER, ROUTER, 0);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_UNKNOWN);
	/* an empty list (netlink failed): loopback only */
	struct dns_guard_hosts none = { .n = 0 };
	p = udp(4, ROUTER, ROUTER, TUN46);
	assert_int_equal(dns_guard_check(&none, LO, &p), DNS_GUARD_SOURCE);
	p = udp(4, LO4, ROUTER, LO);
	assert_int_equal(dns_guard_check(&none, LO, &p), DNS_GUARD_OK);
}

/* TCP: the handshake proved the source, so the source alone decides. */
static void test_tcp_source(void **state)
{
	(void)state;
	struct dns_guard_hosts h = hosts();
	struct dns_guard_pkt p = tcp(4, ROUTER);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_OK);
	p = tcp(6, LO6);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_OK);
	p = tcp(4, LAN4);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_SOURCE);
	p = tcp(6, LAN6);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_SOURCE);
	p = tcp(4, SLASH29_FREE);
	assert_int_equal(dns_guard_check(&h, LO, &p), DNS_GUARD_SOURCE);
}

static void test_loopback_and_list(void **state)
{
	(void)state;
	const uint8_t lo8[4] = { 127, 9, 8, 7 }, mapped[16] = { [10] = 0xff, 0xff, 127, 0, 0, 1 };
	const uint8_t mapped_lan[16] = { [10] = 0xff, 0xff, 10, 0, 1, 2 };
	assert_true(dns_guard_is_loopback(4, lo8));
	assert_true(dns_guard_is_loopback(6, LO6));
	assert_true(dns_guard_is_loopback(6, mapped));
	assert_false(dns_guard_is_loopback(6, mapped_lan));
	assert_false(dns_guard_is_loopback(4, LAN4));
	assert_false(dns_guard_is_loopback(6, ETH6));
	struct dns_guard_hosts h = { .n = 0 };
	for (unsigned i = 0; i < DNS_GUARD_HOSTS_MAX; i++)
		assert_true(dns_guard_hosts_add(&h, 4, LAN4, i));
	assert_false(dns_guard_hosts_add(&h, 4, ETH4, 1));
	assert_int_equal(h.n_over, 1);
	assert_true(dns_guard_is_host(&h, 4, LAN4));
	assert_false(dns_guard_is_host(&h, 4, ETH4));
	assert_false(dns_guard_is_host(&h, 6, LAN4)); /* family is part of the key */
	assert_string_equal(dns_guard_verdict_str(DNS_GUARD_INGRESS),
		"host source from another interface");
}

/* rate 10/s, burst 5: five at once, then one every 100 ms; other sources unaffected. */
static void test_rate_limit(void **state)
{
	(void)state;
	static struct dns_guard_rl rl;
	dns_guard_rl_init(&rl, 10, 5);
	uint64_t t = 1000000;
	for (int i = 0; i < 5; i++)
		assert_true(dns_guard_rl_take(&rl, 4, ROUTER, t));
	assert_false(dns_guard_rl_take(&rl, 4, ROUTER, t));
	assert_false(dns_guard_rl_take(&rl, 4, ROUTER, t + 99));
	assert_true(dns_guard_rl_take(&rl, 4, ROUTER, t + 100));
	assert_false(dns_guard_rl_take(&rl, 4, ROUTER, t + 150));
	assert_true(dns_guard_rl_take(&rl, 4, ROUTER, t + 200));
	assert_true(dns_guard_rl_take(&rl, 6, LO6, t + 200));
	assert_true(dns_guard_rl_take(&rl, 4, LO4, t + 200));
	/* an hour later: the burst again, not more */
	t += 3600000;
	for (int i = 0; i < 5; i++)
		assert_true(dns_guard_rl_take(&rl, 4, ROUTER, t));
	assert_false(dns_guard_rl_take(&rl, 4, ROUTER, t));
	/* a clock that goes backwards never adds tokens */
	assert_false(dns_guard_rl_take(&rl, 4, ROUTER, t - 5000));
	/* rate 0: no limit */
	dns_guard_rl_init(&rl, 0, 0);
	for (int i = 0; i < 1000; i++)
		assert_true(dns_guard_rl_take(&rl, 4, ROUTER, t));
}

/* The default (DNS_PROXY_RATE_QPS, burst the same) at the most the DNS bench got from one source
 * (198 k/s, say 200 a millisecond) for ten seconds: never limited. */
static void test_rate_default_never_limits_normal_use(void **state)
{
	(void)state;
	static struct dns_guard_rl rl;
	dns_guard_rl_init(&rl, DNS_PROXY_RATE_QPS, 0);
	assert_int_equal(rl.burst, DNS_PROXY_RATE_QPS);
	uint64_t t = 5000;
	for (int ms = 0; ms < 10000; ms++)
		for (int i = 0; i < 200; i++)
			assert_true(dns_guard_rl_take(&rl, 4, ROUTER, t + (uint64_t)ms));
}

/* A full table: a new source takes the least recently seen slot, starting full. */
static void test_rate_table_reuse(void **state)
{
	(void)state;
	static struct dns_guard_rl rl;
	dns_guard_rl_init(&rl, 1, 1);
	uint8_t a[4] = { 10, 0, 0, 0 };
	for (unsigned i = 0; i < DNS_GUARD_RL_SLOTS; i++) {
		a[3] = (uint8_t)i;
		assert_true(dns_guard_rl_take(&rl, 4, a, 100 + i));
		assert_false(dns_guard_rl_take(&rl, 4, a, 100 + i));
	}
	assert_int_equal(rl.n_evicted, 0);
	/* 10.0.0.0 is the oldest: a new source takes its slot */
	assert_true(dns_guard_rl_take(&rl, 4, LAN4, 200));
	assert_int_equal(rl.n_evicted, 1);
	/* 10.0.0.5 kept its empty bucket */
	a[3] = 5;
	assert_false(dns_guard_rl_take(&rl, 4, a, 200));
	/* 10.0.0.0 comes back with a fresh bucket (it took 10.0.0.1's slot) */
	a[3] = 0;
	assert_true(dns_guard_rl_take(&rl, 4, a, 201));
	assert_int_equal(rl.n_evicted, 2);
}

static void query(uint16_t edns_size, bool has_edns, struct dns_msg *m)
{
	uint8_t buf[512];
	struct dns_name n;
	assert_true(dns_name_from_text("big.test.example", &n));
	int len = dns_build_query(7, &n, DNS_T_TXT, true, has_edns, false, buf, sizeof(buf));
	assert_true(len > 0);
	if (has_edns) { /* the OPT record's CLASS: the requestor's UDP payload size */
		buf[len - 8] = (uint8_t)(edns_size >> 8);
		buf[len - 7] = (uint8_t)edns_size;
	}
	assert_int_equal(dns_parse(buf, (size_t)len, m), DNS_E_OK);
	assert_int_equal(m->edns.is_present, has_edns);
}

static void test_udp_limit(void **state)
{
	(void)state;
	static struct dns_msg m;
	query(0, false, &m);
	assert_int_equal(dns_guard_udp_limit(&m), 512); /* RFC 1035 §4.2.1 */
	query(4096, true, &m);
	assert_int_equal(m.edns.udp_size, 4096);
	assert_int_equal(dns_guard_udp_limit(&m), 1232);
	query(65535, true, &m);
	assert_int_equal(dns_guard_udp_limit(&m), 1232);
	query(1232, true, &m);
	assert_int_equal(dns_guard_udp_limit(&m), 1232);
	query(1000, true, &m);
	assert_int_equal(dns_guard_udp_limit(&m), 1000);
	query(100, true, &m); /* RFC 6891 §6.2.5: below 512 is read as 512 */
	assert_int_equal(dns_guard_udp_limit(&m), 512);
}

static void test_tcp_expiry(void **state)
{
	(void)state;
	const uint64_t idle = 10000, t0 = 1000;
	/* idle: 10 s after the last query or answer, unless something is pending */
	assert_false(dns_guard_tcp_expired(t0, t0, false, idle, t0 + 9999));
	assert_true(dns_guard_tcp_expired(t0, t0, false, idle, t0 + 10000));
	assert_false(dns_guard_tcp_expired(t0, t0, true, idle, t0 + 10000));
	/* active all along: closed at DNS_GUARD_TCP_LIFE_MS when nothing is pending */
	uint64_t life = t0 + DNS_GUARD_TCP_LIFE_MS;
	assert_false(dns_guard_tcp_expired(t0, life - 1, false, idle, life - 1));
	assert_true(dns_guard_tcp_expired(t0, life - 1, false, idle, life));
	/* ... and with queries pending, idle_ms later in any case */
	assert_false(dns_guard_tcp_expired(t0, life, true, idle, life + idle - 1));
	assert_true(dns_guard_tcp_expired(t0, life, true, idle, life + idle));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_datagrams_pass),
		cmocka_unit_test(test_lan_datagrams_refused),
		cmocka_unit_test(test_tcp_source),
		cmocka_unit_test(test_loopback_and_list),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_rate_default_never_limits_normal_use),
		cmocka_unit_test(test_rate_table_reuse),
		cmocka_unit_test(test_udp_limit),
		cmocka_unit_test(test_tcp_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
