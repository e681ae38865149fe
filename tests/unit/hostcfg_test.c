/* Undo list: the host calls are recorded through a fake ops table; checks undo order, dedupe,
 * explicit removal, failed applies leaving no record, undo continuing past failures, capacity,
 * argument checks and the human-readable failure text. With a simulated routing table (the
 * kernel's exclusive add): two connections and a third program never replace or remove each
 * other's routes, and routes go into the list's table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include "hostcfg/hostcfg.h"

#define FAKE_MAX_CALLS 200
#define FAKE_MAX_ROUTES 16

/* A route in the simulated kernel table, with the device it goes out of. */
struct fake_rt {
	char ifname[16];
	struct hostcfg_route r;
};

struct fake {
	char calls[FAKE_MAX_CALLS][160];
	unsigned n;
	const char *fail_match; /* a call containing this text fails with fail_errno */
	int fail_errno;
	char sysctl_val[64];
	struct hostcfg_link link;
	bool has_kernel;        /* simulate the routing table below (else every call succeeds) */
	struct fake_rt routes[FAKE_MAX_ROUTES];
	unsigned n_routes;
};

static struct fake g_fake;

static int fake_call(const char *text)
{
	assert_true(g_fake.n < FAKE_MAX_CALLS);
	snprintf(g_fake.calls[g_fake.n++], sizeof(g_fake.calls[0]), "%s", text);
	if (g_fake.fail_match && strstr(text, g_fake.fail_match)) {
		errno = g_fake.fail_errno;
		return -1;
	}
	return 0;
}

static int fake_addr(void *ctx, const char *ifname, bool add, const struct hostcfg_addr *a)
{
	char t[160], fl[40];
	(void)ctx;
	hostcfg_fmt_addr(t, sizeof(t), add ? "add" : "del", ifname, a);
	if (add) {
		snprintf(fl, sizeof(fl), " %u/%u f%x", a->valid_s, a->pref_s, a->flags);
		strncat(t, fl, sizeof(t) - strlen(t) - 1);
	}
	return fake_call(t);
}

/* The kernel's key for NLM_F_EXCL: table, destination, source and metric, whatever the device. */
static bool fake_same_key(const struct hostcfg_route *x, const struct hostcfg_route *y)
{
	return x->table == y->table && x->family == y->family && x->dst_plen == y->dst_plen &&
		x->src_plen == y->src_plen && x->metric == y->metric &&
		!memcmp(x->dst, y->dst, 16) && !memcmp(x->src, y->src, 16);
}

/* Exclusive add (EEXIST on the same key), delete matching device and protocol (ESRCH if none). */
static int fake_kernel_route(const char *ifname, bool add, const struct hostcfg_route *r)
{
	for (unsigned i = 0; i < g_fake.n_routes; i++) {
		struct fake_rt *k = &g_fake.routes[i];
		if (!fake_same_key(&k->r, r))
			continue;
		if (add) {
			errno = EEXIST;
			return -1;
		}
		if (strcmp(k->ifname, ifname) || k->r.proto != r->proto)
			continue;
		*k = g_fake.routes[--g_fake.n_routes];
		return 0;
	}
	if (!add) {
		errno = ESRCH;
		return -1;
	}
	assert_true(g_fake.n_routes < FAKE_MAX_ROUTES);
	struct fake_rt *k = &g_fake.routes[g_fake.n_routes++];
	snprintf(k->ifname, sizeof(k->ifname), "%s", ifname);
	k->r = *r;
	return 0;
}

static int fake_route(void *ctx, const char *ifname, bool add, const struct hostcfg_route *r)
{
	char t[160];
	(void)ctx;
	assert_int_equal(r->proto, HOSTCFG_RTPROT);
	if (fake_call(hostcfg_fmt_route(t, sizeof(t), add ? "add" : "del", ifname, r)) < 0)
		return -1;
	return g_fake.has_kernel ? fake_kernel_route(ifname, add, r) : 0;
}

/* Whether the simulated table has a default route of family with metric in table, out of ifname. */
static bool fake_has_default(int family, const char *ifname, uint32_t metric, uint32_t table)
{
	for (unsigned i = 0; i < g_fake.n_routes; i++) {
		const struct fake_rt *k = &g_fake.routes[i];
		if (k->r.family == family && k->r.dst_plen == 0 && k->r.src_plen == 0 &&
			k->r.metric == metric && k->r.table == table && !strcmp(k->ifname, ifname))
			return true;
	}
	return false;
}

static int fake_sysctl_read(void *ctx, const char *path, char *buf, size_t cap)
{
	char t[160];
	(void)ctx;
	snprintf(t, sizeof(t), "read %s", path);
	if (fake_call(t) < 0)
		return -1;
	snprintf(buf, cap, "%s", g_fake.sysctl_val);
	return 0;
}

static int fake_sysctl_write(void *ctx, const char *path, const char *value)
{
	char t[160];
	(void)ctx;
	snprintf(t, sizeof(t), "write %s=%s", path, value);
	if (fake_call(t) < 0)
		return -1;
	snprintf(g_fake.sysctl_val, sizeof(g_fake.sysctl_val), "%s", value);
	return 0;
}

static int fake_link_get(void *ctx, const char *ifname, struct hostcfg_link *out)
{
	char t[64];
	(void)ctx;
	snprintf(t, sizeof(t), "link get %s", ifname);
	if (fake_call(t) < 0)
		return -1;
	*out = g_fake.link;
	return 0;
}

static int fake_link_set(void *ctx, const char *ifname, const struct hostcfg_link *want)
{
	char t[64];
	(void)ctx;
	snprintf(t, sizeof(t), "link set %s mtu %u %s", ifname, want->mtu,
		 want->is_mtu_only ? "(state kept)" : want->is_up ? "up" : "down");
	if (fake_call(t) < 0)
		return -1;
	g_fake.link.mtu = want->mtu;
	if (!want->is_mtu_only)
		g_fake.link.is_up = want->is_up;
	return 0;
}

static const struct hostcfg_ops fake_ops = {
	.addr = fake_addr,
	.route = fake_route,
	.sysctl_read = fake_sysctl_read,
	.sysctl_write = fake_sysctl_write,
	.link_get = fake_link_get,
	.link_set = fake_link_set,
};

static struct hostcfg g_hc;

static int setup(void **state)
{
	(void)state;
	memset(&g_fake, 0, sizeof(g_fake));
	snprintf(g_fake.sysctl_val, sizeof(g_fake.sysctl_val), "1\n"); /* as /proc returns it */
	g_fake.link.mtu = 1500;
	hostcfg_init(&g_hc, "dsl", "v6link0", &fake_ops, NULL);
	return 0;
}

static void expect_calls(unsigned from, const char *const *want, unsigned n)
{
	assert_int_equal(g_fake.n - from, n);
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(g_fake.calls[from + i], want[i]);
}

static const uint8_t *a4(const char *s)
{
	static uint8_t b[8][4];
	static unsigned k;
	uint8_t *p = b[k++ % 8];
	assert_int_equal(inet_pton(AF_INET, s, p), 1);
	return p;
}

static const uint8_t *a6(const char *s)
{
	static uint8_t b[8][16];
	static unsigned k;
	uint8_t *p = b[k++ % 8];
	assert_int_equal(inet_pton(AF_INET6, s, p), 1);
	return p;
}

#define INF HOSTCFG_LIFETIME_INF

static void test_undo_reverse_order(void **state)
{
	(void)state;
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "net/ipv6/conf/v6link0/accept_ra", "0"), 0);
	assert_int_equal(hostcfg_link_setup(&g_hc, 1492, true), 0);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET, a4("100.64.0.10"), 32, a4("100.64.0.1"), INF,
		INF, 0), 0);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("fe80::1234"), 64, NULL, 600, 300, 0x2), 0);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, a6("::"), 0, a6("2001:db8:1::"), 56,
		a6("fe80::1"), 512), 0);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET, NULL, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(g_hc.n_rec, 6);
	const char *apply[] = {
		"read net/ipv6/conf/v6link0/accept_ra",
		"write net/ipv6/conf/v6link0/accept_ra=0",
		"link get v6link0",
		"link set v6link0 mtu 1492 up",
		"addr add 100.64.0.10 peer 100.64.0.1/32 dev v6link0 4294967295/4294967295 f0",
		"addr add fe80::1234/64 dev v6link0 600/300 f2",
		"route add default from 2001:db8:1::/56 via fe80::1 dev v6link0 metric 512",
		"route add default dev v6link0",
	};
	expect_calls(0, apply, 8);
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	const char *undo[] = {
		"route del default dev v6link0",
		"route del default from 2001:db8:1::/56 via fe80::1 dev v6link0 metric 512",
		"addr del fe80::1234/64 dev v6link0",
		"addr del 100.64.0.10 peer 100.64.0.1/32 dev v6link0",
		"link set v6link0 mtu 1500 down",
		"write net/ipv6/conf/v6link0/accept_ra=1",
	};
	expect_calls(8, undo, 6);
	assert_int_equal(g_hc.n_rec, 0);
	/* A second undo has nothing left to do. */
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	assert_int_equal(g_fake.n, 14);
}

static void test_addr_dedupe_refreshes_lifetimes(void **state)
{
	(void)state;
	const uint8_t *gua = a6("2001:db8:1::1234");
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, gua, 64, NULL, 600, 300, 0x2), 0);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, gua, 64, NULL, 900, 0, 0x2), 0);
	assert_int_equal(g_hc.n_rec, 1);
	assert_int_equal(g_hc.rec[0].kind, HOSTCFG_K_ADDR6);
	assert_int_equal(g_hc.rec[0].u.addr.valid_s, 900);
	assert_int_equal(g_hc.rec[0].u.addr.pref_s, 0);
	assert_string_equal(g_fake.calls[1], "addr add 2001:db8:1::1234/64 dev v6link0 900/0 f2");
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	const char *undo[] = { "addr del 2001:db8:1::1234/64 dev v6link0" };
	expect_calls(2, undo, 1);
}

/* The kernel keys an IPv6 address by address alone but deletes by address and prefix length. */
static void test_addr6_new_plen_replaces_record(void **state)
{
	(void)state;
	const uint8_t *gua = a6("2001:db8:1::1234");
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, gua, 64, NULL, 600, 300, 0), 0);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, gua, 128, NULL, 600, 300, 0), 0);
	const char *want[] = {
		"addr add 2001:db8:1::1234/64 dev v6link0 600/300 f0",
		"addr del 2001:db8:1::1234/64 dev v6link0",
		"addr add 2001:db8:1::1234/128 dev v6link0 600/300 f0",
	};
	expect_calls(0, want, 3);
	assert_int_equal(g_hc.n_rec, 1);
	assert_int_equal(g_hc.rec[0].u.addr.plen, 128);
}

/* IPCP gives a new address after a redial: the old one is removed with its record. */
static void test_addr4_redial_explicit_removal(void **state)
{
	(void)state;
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET, a4("100.64.0.10"), 32, a4("100.64.0.1"), INF,
		INF, 0), 0);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET, NULL, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(hostcfg_addr_del(&g_hc, AF_INET, a4("100.64.0.10"), 32, a4("100.64.0.1")), 0);
	assert_int_equal(g_hc.n_rec, 1);
	assert_int_equal(g_hc.rec[0].kind, HOSTCFG_K_ROUTE4);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET, a4("100.64.0.11"), 32, a4("100.64.0.1"), INF,
		INF, 0), 0);
	unsigned before = g_fake.n;
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	const char *undo[] = {
		"addr del 100.64.0.11 peer 100.64.0.1/32 dev v6link0",
		"route del default dev v6link0",
	};
	expect_calls(before, undo, 2);
}

/* Different peer = a different IPv4 address to the kernel: two records. */
static void test_addr4_identity_includes_peer(void **state)
{
	(void)state;
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET, a4("100.64.0.10"), 32, a4("100.64.0.1"), INF,
		INF, 0), 0);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET, a4("100.64.0.10"), 32, a4("100.64.0.2"), INF,
		INF, 0), 0);
	assert_int_equal(g_hc.n_rec, 2);
}

static void test_route_dedupe_and_del_uses_recorded_gw(void **state)
{
	(void)state;
	const uint8_t *dst = a6("2001:db8:99::");
	g_fake.has_kernel = true;
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, dst, 48, NULL, 0, a6("fe80::1"), 0), 0);
	/* A new gateway for our own route: an exclusive add would fail, so ours goes first. */
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, dst, 48, NULL, 0, a6("fe80::2"), 0), 0);
	assert_int_equal(g_hc.n_rec, 1);
	const char *want[] = {
		"route add 2001:db8:99::/48 via fe80::1 dev v6link0",
		"route del 2001:db8:99::/48 via fe80::1 dev v6link0",
		"route add 2001:db8:99::/48 via fe80::2 dev v6link0",
	};
	expect_calls(0, want, 3);
	assert_int_equal(g_fake.n_routes, 1);
	/* Another metric is another route. */
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, dst, 48, NULL, 0, NULL, 100), 0);
	assert_int_equal(g_hc.n_rec, 2);
	assert_int_equal(hostcfg_route_del(&g_hc, AF_INET6, dst, 48, NULL, 0, 0), 0);
	assert_string_equal(g_fake.calls[g_fake.n - 1],
		"route del 2001:db8:99::/48 via fe80::2 dev v6link0");
	assert_int_equal(g_hc.n_rec, 1);
	assert_int_equal(g_hc.rec[0].u.route.metric, 100);
}

/* NAT46's route for its dedicated address: a blackhole, deleted and undone as installed. */
static void test_blackhole_route(void **state)
{
	(void)state;
	const uint8_t *dst = a6("2001:db8:1::46");
	assert_int_equal(hostcfg_route_add_blackhole(&g_hc, AF_INET6, dst, 128), 0);
	assert_string_equal(g_fake.calls[g_fake.n - 1], "route add blackhole 2001:db8:1::46/128");
	assert_true(g_hc.rec[0].u.route.is_blackhole);
	assert_int_equal(hostcfg_route_del(&g_hc, AF_INET6, dst, 128, NULL, 0, 0), 0);
	assert_string_equal(g_fake.calls[g_fake.n - 1], "route del blackhole 2001:db8:1::46/128");
	assert_int_equal(g_hc.n_rec, 0);
	assert_int_equal(hostcfg_route_add_blackhole(&g_hc, AF_INET6, dst, 128), 0);
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	assert_string_equal(g_fake.calls[g_fake.n - 1], "route del blackhole 2001:db8:1::46/128");
	assert_int_equal(hostcfg_route_add_blackhole(&g_hc, AF_INET6, dst, 129), -1);
}

static void test_apply_failure_leaves_no_record(void **state)
{
	(void)state;
	g_fake.fail_match = "route add";
	g_fake.fail_errno = ENETUNREACH;
	errno = 0;
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, a6("2001:db8::"), 64, NULL, 0, NULL, 0), -1);
	assert_int_equal(errno, ENETUNREACH);
	assert_string_equal(hostcfg_last_error(&g_hc),
		"route add 2001:db8::/64 dev v6link0: Network is unreachable");
	assert_int_equal(g_hc.n_rec, 0);

	g_fake.fail_match = "addr add";
	g_fake.fail_errno = EPERM;
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL, 600, 300, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(g_hc.n_rec, 0);

	/* A failing refresh keeps the record of the address that is still there. */
	g_fake.fail_match = NULL;
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL, 600, 300, 0), 0);
	g_fake.fail_match = "addr add";
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL, 900, 900, 0), -1);
	assert_int_equal(g_hc.n_rec, 1);
	assert_int_equal(g_hc.rec[0].u.addr.valid_s, 600);
}

static void test_sysctl_and_link_failures_leave_no_record(void **state)
{
	(void)state;
	g_fake.fail_match = "read ";
	g_fake.fail_errno = ENOENT;
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "net/ipv6/conf/nope/accept_ra", "0"), -1);
	assert_int_equal(g_fake.n, 1); /* no write without the old value */
	g_fake.fail_match = "write ";
	g_fake.fail_errno = EACCES;
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "net/ipv6/conf/v6link0/accept_ra", "0"), -1);
	g_fake.fail_match = "link set";
	g_fake.fail_errno = EINVAL;
	assert_int_equal(hostcfg_link_setup(&g_hc, 70000, true), -1);
	assert_int_equal(g_hc.n_rec, 0);
	assert_string_equal(hostcfg_last_error(&g_hc), "link set v6link0 mtu 70000 up: Invalid argument");
}

static void test_sysctl_dedupe_keeps_first_old_value(void **state)
{
	(void)state;
	const char *p = "net/ipv6/conf/v6link0/accept_ra";
	assert_int_equal(hostcfg_sysctl_set(&g_hc, p, "0"), 0);
	assert_int_equal(hostcfg_sysctl_set(&g_hc, p, "2"), 0);
	assert_int_equal(g_hc.n_rec, 1);
	assert_string_equal(g_hc.rec[0].u.sysctl.old, "1");
	assert_int_equal(hostcfg_link_setup(&g_hc, 1492, true), 0);
	assert_int_equal(hostcfg_link_setup(&g_hc, 1400, true), 0);
	assert_int_equal(g_hc.n_rec, 2);
	unsigned before = g_fake.n;
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	const char *undo[] = { "link set v6link0 mtu 1500 down", "write net/ipv6/conf/v6link0/accept_ra=1" };
	expect_calls(before, undo, 2);
}

/* An adapter's MTU alone (RFC 4638 raise): its up state is never touched, the first old MTU is
 * what the undo restores, and a refused MTU leaves no record. */
static void test_link_mtu_only(void **state)
{
	(void)state;
	hostcfg_init(&g_hc, "dsl", "eth0", &fake_ops, NULL);
	g_fake.link.is_up = true;
	g_fake.fail_match = "mtu 9000";
	g_fake.fail_errno = EINVAL;
	assert_int_equal(hostcfg_link_mtu(&g_hc, 9000), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(g_hc.n_rec, 0);
	assert_string_equal(hostcfg_last_error(&g_hc), "link set eth0 mtu 9000: Invalid argument");
	assert_int_equal(hostcfg_link_mtu(&g_hc, 1508), 0);
	assert_int_equal(hostcfg_link_mtu(&g_hc, 1512), 0);
	assert_int_equal(hostcfg_link_mtu(&g_hc, 0), -1);
	assert_int_equal(g_hc.n_rec, 1);
	assert_int_equal(g_fake.link.mtu, 1512);
	assert_true(g_fake.link.is_up);
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	const char *want[] = { "link get eth0", "link set eth0 mtu 9000 (state kept)",
			       "link get eth0", "link set eth0 mtu 1508 (state kept)",
			       "link set eth0 mtu 1512 (state kept)",
			       "link set eth0 mtu 1500 (state kept)" };
	expect_calls(0, want, 6);
	assert_int_equal(g_fake.link.mtu, 1500);
	assert_true(g_fake.link.is_up);
}

static void test_undo_continues_past_failures(void **state)
{
	(void)state;
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL, 600, 300, 0), 0);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::2"), 64, NULL, 600, 300, 0), 0);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, a6("2001:db8:99::"), 48, NULL, 0, NULL, 0), 0);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::3"), 64, NULL, 600, 300, 0), 0);
	unsigned before = g_fake.n;
	g_fake.fail_match = "2001:db8::2/";
	g_fake.fail_errno = EPERM;
	errno = 0;
	assert_int_equal(hostcfg_undo_all(&g_hc), -1);
	assert_int_equal(errno, EPERM);
	const char *undo[] = {
		"addr del 2001:db8::3/64 dev v6link0",
		"route del 2001:db8:99::/48 dev v6link0",
		"addr del 2001:db8::2/64 dev v6link0",
		"addr del 2001:db8::1/64 dev v6link0",
	};
	expect_calls(before, undo, 4);
	assert_int_equal(g_hc.n_rec, 0);
	assert_string_equal(hostcfg_last_error(&g_hc),
		"addr del 2001:db8::2/64 dev v6link0: Operation not permitted");
}

/* Already-gone objects (link vanished, route expired) count as undone. */
static void test_undo_ignores_gone(void **state)
{
	(void)state;
	const int gone[] = { ENOENT, ESRCH, EADDRNOTAVAIL, ENODEV };
	for (unsigned i = 0; i < 4; i++) {
		setup(NULL);
		assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL, 600, 300, 0), 0);
		assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, a6("::"), 0, NULL, 0, NULL, 0), 0);
		g_fake.fail_match = " del ";
		g_fake.fail_errno = gone[i];
		assert_int_equal(hostcfg_undo_all(&g_hc), 0);
		assert_int_equal(g_fake.n, 4);
	}
	/* An explicit delete of something already gone succeeds and drops the record. */
	setup(NULL);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL, 600, 300, 0), 0);
	g_fake.fail_match = " del ";
	g_fake.fail_errno = EADDRNOTAVAIL;
	assert_int_equal(hostcfg_addr_del(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL), 0);
	assert_int_equal(g_hc.n_rec, 0);
	/* A real failure keeps the record so undo can retry. */
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL, 600, 300, 0), 0);
	g_fake.fail_errno = EPERM;
	assert_int_equal(hostcfg_addr_del(&g_hc, AF_INET6, a6("2001:db8::1"), 64, NULL), -1);
	assert_int_equal(g_hc.n_rec, 1);
}

static void test_capacity(void **state)
{
	(void)state;
	uint8_t a[16];
	memcpy(a, a6("2001:db8::"), 16);
	for (unsigned i = 0; i < HOSTCFG_MAX_REC; i++) {
		a[15] = (uint8_t)(i + 1);
		assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a, 128, NULL, 600, 300, 0), 0);
	}
	unsigned calls = g_fake.n;
	a[15] = 0xff;
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a, 128, NULL, 600, 300, 0), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(g_fake.n, calls); /* nothing applied that could not be undone */
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, NULL, 0, NULL, 0, NULL, 0), -1);
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "net/ipv6/conf/v6link0/accept_ra", "0"), -1);
	assert_int_equal(hostcfg_link_setup(&g_hc, 1492, true), -1);
	assert_int_equal(g_fake.n, calls);
	/* Refreshing a recorded address still works on a full list. */
	a[15] = 1;
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, a, 128, NULL, 900, 900, 0), 0);
	assert_int_equal(g_hc.n_rec, HOSTCFG_MAX_REC);
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	assert_int_equal(g_fake.n, calls + 1 + HOSTCFG_MAX_REC);
	assert_string_equal(g_fake.calls[g_fake.n - 1], "addr del 2001:db8::1/128 dev v6link0");
}

static void test_bad_arguments(void **state)
{
	(void)state;
	const uint8_t *x = a6("2001:db8::1");
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, x, 129, NULL, 600, 300, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET, a4("1.2.3.4"), 33, NULL, INF, INF, 0), -1);
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, x, 64, NULL, 300, 600, 0), -1); /* pref>valid */
	assert_int_equal(hostcfg_addr_add(&g_hc, AF_INET6, x, 64, NULL, 0, 0, 0), -1);
	assert_int_equal(hostcfg_addr_add(&g_hc, 99, x, 64, NULL, 600, 300, 0), -1);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, NULL, 64, NULL, 0, NULL, 0), -1);
	/* Source-specific routing is IPv6 only. */
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET, NULL, 0, a4("10.0.0.0"), 8, NULL, 0), -1);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, x, 64, x, 129, NULL, 0), -1);
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "/proc/sys/net/ipv6/conf/all/forwarding", "1"), -1);
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "net/ipv6/conf/../../../etc/x", "1"), -1);
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "net/ipv6/conf/a b/x", "1"), -1);
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "", "1"), -1);
	assert_int_equal(hostcfg_sysctl_set(&g_hc, "net/ipv6/conf/v6link0/accept_ra",
		"0123456789012345678901234567890123456789"), -1);
	assert_int_equal(g_fake.n, 0);
	assert_int_equal(g_hc.n_rec, 0);
	assert_true(hostcfg_sysctl_path_ok("net/ipv6/conf/eth0.7/accept_ra"));
}

#define EXISTS_TEXT ": not added: the table already has a route to this destination with this " \
	"metric that this connection did not add (another connection's or program's); left as it is"

/* Two connections (two lists, one host): the second one's default routes at the same metric do
 * not replace the first one's; at another metric both have theirs; each undo removes only its own. */
static void test_route_two_connections(void **state)
{
	(void)state;
	struct hostcfg hb;
	g_fake.has_kernel = true;
	hostcfg_init(&hb, "b", "v6link1", &fake_ops, NULL);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET, NULL, 0, NULL, 0, NULL, 50), 0);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, a6("::"), 0, NULL, 0, NULL, 50), 0);
	unsigned before = g_fake.n;
	assert_int_equal(hostcfg_route_add(&hb, AF_INET, NULL, 0, NULL, 0, NULL, 50), HOSTCFG_EXISTS);
	assert_string_equal(hostcfg_last_error(&hb),
		"route add default dev v6link1 metric 50" EXISTS_TEXT);
	assert_int_equal(hostcfg_route_add(&hb, AF_INET6, a6("::"), 0, NULL, 0, NULL, 50),
		HOSTCFG_EXISTS);
	assert_int_equal(hb.n_rec, 0); /* not ours: never recorded, so never undone */
	/* b's session ends: its deletes and undo leave a's routes alone, without a host call. */
	assert_int_equal(hostcfg_route_del(&hb, AF_INET, NULL, 0, NULL, 0, 50), 0);
	assert_int_equal(hostcfg_undo_all(&hb), 0);
	assert_int_equal(g_fake.n, before + 2);
	assert_true(fake_has_default(AF_INET, "v6link0", 50, HOSTCFG_TABLE_MAIN));
	assert_true(fake_has_default(AF_INET6, "v6link0", 50, HOSTCFG_TABLE_MAIN));
	/* With its own metric b has its routes too. */
	assert_int_equal(hostcfg_route_add(&hb, AF_INET, NULL, 0, NULL, 0, NULL, 60), 0);
	assert_int_equal(hostcfg_route_add(&hb, AF_INET6, a6("::"), 0, NULL, 0, NULL, 60), 0);
	assert_int_equal(g_fake.n_routes, 4);
	/* b goes down: only b's routes go. */
	assert_int_equal(hostcfg_undo_all(&hb), 0);
	const char *undo_b[] = {
		"route del default dev v6link1 metric 60",
		"route del default dev v6link1 metric 60",
	};
	expect_calls(g_fake.n - 2, undo_b, 2);
	assert_int_equal(g_fake.n_routes, 2);
	assert_true(fake_has_default(AF_INET, "v6link0", 50, HOSTCFG_TABLE_MAIN));
	assert_true(fake_has_default(AF_INET6, "v6link0", 50, HOSTCFG_TABLE_MAIN));
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	assert_int_equal(g_fake.n_routes, 0);
}

/* A route of another program (here eth0's default at metric 50, proto boot) is neither taken
 * over nor recorded nor deleted; the connection's RFC 8028 source routes, the blackhole and
 * on-link routes with distinct keys still go in. */
static void test_route_other_programs_route(void **state)
{
	(void)state;
	g_fake.has_kernel = true;
	struct fake_rt *k = &g_fake.routes[g_fake.n_routes++];
	snprintf(k->ifname, sizeof(k->ifname), "eth0");
	k->r = (struct hostcfg_route){ .family = AF_INET6, .metric = 50, .proto = 3,
		.table = HOSTCFG_TABLE_MAIN };
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, a6("::"), 0, NULL, 0, NULL, 50),
		HOSTCFG_EXISTS);
	assert_int_equal(g_hc.n_rec, 0);
	unsigned before = g_fake.n;
	assert_int_equal(hostcfg_route_del(&g_hc, AF_INET6, a6("::"), 0, NULL, 0, 50), 0);
	assert_int_equal(g_fake.n, before);
	assert_true(fake_has_default(AF_INET6, "eth0", 50, HOSTCFG_TABLE_MAIN));
	/* Distinct keys: two source routes for one prefix (metrics 64 and 65), a blackhole. */
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, a6("::"), 0, a6("2001:db8:1::"), 64,
		a6("fe80::1"), 64), 0);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, a6("::"), 0, a6("2001:db8:1::"), 64,
		a6("fe80::2"), 65), 0);
	assert_int_equal(hostcfg_route_add_blackhole(&g_hc, AF_INET6, a6("2001:db8:1::46"), 128), 0);
	assert_int_equal(g_hc.n_rec, 3);
	assert_int_equal(hostcfg_undo_all(&g_hc), 0);
	assert_int_equal(g_fake.n_routes, 1);
	assert_string_equal(g_fake.routes[0].ifname, "eth0");
}

/* Adding our own route again (an RFC 4191 route in every RA) is a refresh: one record. */
static void test_route_refresh_own(void **state)
{
	(void)state;
	g_fake.has_kernel = true;
	const uint8_t *dst = a6("2001:db8:77::");
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, dst, 48, NULL, 0, NULL, 50), 0);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, dst, 48, NULL, 0, NULL, 50), 0);
	assert_int_equal(g_hc.n_rec, 1);
	assert_int_equal(g_fake.n_routes, 1);
	/* The host lost it (link flap): the refresh puts it back. */
	g_fake.n_routes = 0;
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET6, dst, 48, NULL, 0, NULL, 50), 0);
	assert_int_equal(g_fake.n_routes, 1);
	assert_int_equal(g_hc.n_rec, 1);
	assert_int_equal(hostcfg_route_del(&g_hc, AF_INET6, dst, 48, NULL, 0, 50), 0);
	assert_int_equal(g_fake.n_routes, 0);
	assert_int_equal(g_hc.n_rec, 0);
}

/* table=: every route of the list goes into its table and is deleted from there; the same
 * destination and metric in main is another route. */
static void test_route_table(void **state)
{
	(void)state;
	struct hostcfg hb;
	g_fake.has_kernel = true;
	hostcfg_init(&hb, "b", "v6link1", &fake_ops, NULL);
	assert_int_equal(hb.table, HOSTCFG_TABLE_MAIN);
	hostcfg_set_table(&hb, 100);
	assert_int_equal(hostcfg_route_add(&g_hc, AF_INET, NULL, 0, NULL, 0, NULL, 50), 0);
	assert_int_equal(hostcfg_route_add(&hb, AF_INET, NULL, 0, NULL, 0, NULL, 50), 0);
	assert_int_equal(hostcfg_route_add(&hb, AF_INET6, a6("2001:db8:5::"), 48, NULL, 0, NULL, 50),
		0);
	assert_int_equal(hostcfg_route_add_blackhole(&hb, AF_INET6, a6("2001:db8:1::46"), 128), 0);
	const char *want[] = {
		"route add default dev v6link0 metric 50",
		"route add default dev v6link1 metric 50 table 100",
		"route add 2001:db8:5::/48 dev v6link1 metric 50 table 100",
		"route add blackhole 2001:db8:1::46/128 table 100",
	};
	expect_calls(0, want, 4);
	assert_true(fake_has_default(AF_INET, "v6link1", 50, 100));
	assert_int_equal(hostcfg_route_del(&hb, AF_INET, NULL, 0, NULL, 0, 50), 0);
	assert_string_equal(g_fake.calls[g_fake.n - 1], "route del default dev v6link1 metric 50 table 100");
	assert_false(fake_has_default(AF_INET, "v6link1", 50, 100));
	assert_true(fake_has_default(AF_INET, "v6link0", 50, HOSTCFG_TABLE_MAIN));
	assert_int_equal(hostcfg_undo_all(&hb), 0);
	assert_int_equal(g_fake.n_routes, 1);
}

/* A delete of a route the list never added sends nothing: it could be someone else's. */
static void test_route_del_unrecorded(void **state)
{
	(void)state;
	assert_int_equal(hostcfg_route_del(&g_hc, AF_INET, NULL, 0, NULL, 0, 50), 0);
	assert_int_equal(hostcfg_route_del(&g_hc, AF_INET6, a6("2001:db8::"), 64, NULL, 0, 0), 0);
	assert_int_equal(g_fake.n, 0);
}

static void test_fmt(void **state)
{
	(void)state;
	char b[160];
	struct hostcfg_route r = { .family = AF_INET6, .dst_plen = 64, .src_plen = 48, .has_gw = true,
		.metric = 5, .table = HOSTCFG_TABLE_MAIN };
	memcpy(r.dst, a6("2001:db8::"), 16);
	memcpy(r.src, a6("2001:db8:1::"), 16);
	memcpy(r.gw, a6("fe80::1"), 16);
	assert_string_equal(hostcfg_fmt_route(b, sizeof(b), "add", "v6link0", &r),
		"route add 2001:db8::/64 from 2001:db8:1::/48 via fe80::1 dev v6link0 metric 5");
	r.table = 4294967295u;
	assert_string_equal(hostcfg_fmt_route(b, sizeof(b), "del", "v6link0", &r),
		"route del 2001:db8::/64 from 2001:db8:1::/48 via fe80::1 dev v6link0 metric 5 "
		"table 4294967295");
	struct hostcfg_addr a = { .family = AF_INET, .plen = 24 };
	memcpy(a.addr, a4("192.0.2.1"), 4);
	assert_string_equal(hostcfg_fmt_addr(b, sizeof(b), "del", "eth0", &a),
		"addr del 192.0.2.1/24 dev eth0");
	/* Cut to the buffer, still terminated. */
	assert_int_equal(strlen(hostcfg_fmt_addr(b, 10, "del", "eth0", &a)), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_undo_reverse_order, setup),
		cmocka_unit_test_setup(test_addr_dedupe_refreshes_lifetimes, setup),
		cmocka_unit_test_setup(test_addr6_new_plen_replaces_record, setup),
		cmocka_unit_test_setup(test_addr4_redial_explicit_removal, setup),
		cmocka_unit_test_setup(test_addr4_identity_includes_peer, setup),
		cmocka_unit_test_setup(test_route_dedupe_and_del_uses_recorded_gw, setup),
		cmocka_unit_test_setup(test_blackhole_route, setup),
		cmocka_unit_test_setup(test_apply_failure_leaves_no_record, setup),
		cmocka_unit_test_setup(test_sysctl_and_link_failures_leave_no_record, setup),
		cmocka_unit_test_setup(test_sysctl_dedupe_keeps_first_old_value, setup),
		cmocka_unit_test_setup(test_undo_continues_past_failures, setup),
		cmocka_unit_test_setup(test_undo_ignores_gone, setup),
		cmocka_unit_test_setup(test_capacity, setup),
		cmocka_unit_test_setup(test_bad_arguments, setup),
		cmocka_unit_test_setup(test_route_two_connections, setup),
		cmocka_unit_test_setup(test_route_other_programs_route, setup),
		cmocka_unit_test_setup(test_route_refresh_own, setup),
		cmocka_unit_test_setup(test_route_table, setup),
		cmocka_unit_test_setup(test_route_del_unrecorded, setup),
		cmocka_unit_test_setup(test_fmt, setup),
		cmocka_unit_test_setup(test_link_mtu_only, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
