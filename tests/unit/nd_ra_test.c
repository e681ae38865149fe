/* ND router discovery / SLAAC / DAD scripts: (time, event) -> actions recorded through the ops
 * table with a fake clock and a fixed rng seed. The first RA is the real radvd 2.19 capture of
 * nd_codec_test.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "nd/nd_ra.h"
#include "test_util.h"

enum ev_kind { EV_ADDR, EV_ADDR_RM, EV_RTR, EV_RTR_RM, EV_ROUTE, EV_ROUTE_RM, EV_DNS, EV_MTU,
	EV_FLAGS };

struct ev {
	enum ev_kind kind;
	uint8_t a[16], b[16];
	uint8_t plen;
	uint32_t v, p;
	bool is_new, is_opt;
	enum nd_prf prf;
	bool m, o;
	bool has_router; /* EV_RTR, EV_RTR_RM: nd_ra_has_router() seen from inside the op */
};

#define MAX_EV 64
#define MAX_TX 64

struct rec {
	int n_ev;
	struct ev ev[MAX_EV];
	int n_tx;
	uint8_t tx[MAX_TX][128];
	size_t tx_len[MAX_TX];
};

static struct ev *rec_add(void *ctx, enum ev_kind k)
{
	struct rec *r = ctx;
	assert_true(r->n_ev < MAX_EV);
	struct ev *e = &r->ev[r->n_ev++];
	memset(e, 0, sizeof(*e));
	e->kind = k;
	return e;
}

static void rec_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct rec *r = ctx;
	assert_true(r->n_tx < MAX_TX && len <= sizeof(r->tx[0]));
	memcpy(r->tx[r->n_tx], pkt, len);
	r->tx_len[r->n_tx++] = len;
}

static void rec_addr(void *ctx, const struct nd_addr_event *a)
{
	struct ev *e = rec_add(ctx, EV_ADDR);
	memcpy(e->a, a->addr, 16);
	e->plen = a->plen;
	e->v = a->valid_s;
	e->p = a->pref_s;
	e->is_new = a->is_new;
	e->is_opt = a->is_optimistic;
}

static void rec_addr_rm(void *ctx, const uint8_t addr[16], uint8_t plen)
{
	struct ev *e = rec_add(ctx, EV_ADDR_RM);
	memcpy(e->a, addr, 16);
	e->plen = plen;
}

/* The machine under test, for what the ops look up in it (one test at a time). */
static const struct nd_ra *rec_nd;

static void rec_rtr(void *ctx, const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf)
{
	struct ev *e = rec_add(ctx, EV_RTR);
	memcpy(e->a, router, 16);
	e->v = lifetime_s;
	e->prf = prf;
	e->has_router = rec_nd && nd_ra_has_router(rec_nd);
}

static void rec_rtr_rm(void *ctx, const uint8_t router[16])
{
	struct ev *e = rec_add(ctx, EV_RTR_RM);
	memcpy(e->a, router, 16);
	e->has_router = rec_nd && nd_ra_has_router(rec_nd);
}

static void rec_route(void *ctx, const uint8_t prefix[16], uint8_t plen, const uint8_t router[16],
	uint32_t lifetime_s, enum nd_prf prf)
{
	struct ev *e = rec_add(ctx, EV_ROUTE);
	memcpy(e->a, prefix, 16);
	memcpy(e->b, router, 16);
	e->plen = plen;
	e->v = lifetime_s;
	e->prf = prf;
}

static void rec_route_rm(void *ctx, const uint8_t prefix[16], uint8_t plen,
	const uint8_t router[16])
{
	struct ev *e = rec_add(ctx, EV_ROUTE_RM);
	memcpy(e->a, prefix, 16);
	memcpy(e->b, router, 16);
	e->plen = plen;
}

static void rec_dns(void *ctx)
{
	rec_add(ctx, EV_DNS);
}

static void rec_mtu(void *ctx, uint32_t mtu)
{
	rec_add(ctx, EV_MTU)->v = mtu;
}

static void rec_flags(void *ctx, bool m, bool o)
{
	struct ev *e = rec_add(ctx, EV_FLAGS);
	e->m = m;
	e->o = o;
}

static const struct nd_ra_ops rec_ops = {
	.send = rec_send,
	.addr_update = rec_addr,
	.addr_remove = rec_addr_rm,
	.router_update = rec_rtr,
	.router_remove = rec_rtr_rm,
	.route_update = rec_route,
	.route_remove = rec_route_rm,
	.dns_changed = rec_dns,
	.mtu = rec_mtu,
	.flags = rec_flags,
};

/* The radvd 2.19 RA from nd_codec_test.c (see there for its configuration). */
static const char cap_ra[] =
	"6001940d00a83aff fe80000000000000dcfeddfffe7b584a ff020000000000000000000000000001"
	"8600bd55 40 48 0708 00007530 000003e8"
	"030440c0 00015180 00003840 00000000 20010db8000100020000000000000000"
	"1803 2818 00000e10 20010db8ff0000000000000000000000"
	"1905 0000 000004b0 20010db8000000000000000000000053 20010db8000000000000000000005353"
	"1f05 0000 000004b0 076578616d706c65036e657400 04636f7270076578616d706c6503636f6d00 00"
	"0501 0000 000005d4"
	"0101 defedd7b584a";

struct fx {
	struct rec rec;
	struct v6l_rng rng;
	struct nd_ra nd;
	struct nd_ra_cfg cfg;
	struct nd_ip6_hdr ip; /* of the RAs, NSs and NAs the scripts feed in */
};

static void addr(const char *h, uint8_t out[16])
{
	assert_int_equal(test_hex(h, out, 16), 16);
}

static void fx_init(struct fx *f, bool stable)
{
	memset(f, 0, sizeof(*f));
	rng_init_seed(&f->rng, 7);
	test_hex("1122334455667788", f->cfg.iid, 8);
	f->cfg.use_stable_privacy = stable;
	for (int i = 0; i < ND_RA_SECRET_LEN; i++)
		f->cfg.secret[i] = (uint8_t)i;
	snprintf(f->cfg.net_iface, sizeof(f->cfg.net_iface), "ppp0");
	f->cfg.link_mtu = 1492;
	nd_ra_init(&f->nd, &f->cfg, &rec_ops, &f->rec, &f->rng, "t");
	rec_nd = &f->nd;
	f->ip.hop_limit = 255;
	addr("fe800000000000000000000000000001", f->ip.src);
	addr("ff020000000000000000000000000001", f->ip.dst);
}

/* Starts discovery and lets the first RS go out at t <= 1 s; clears the records. */
static void fx_start(struct fx *f)
{
	nd_ra_start(&f->nd, 0);
	uint64_t d = nd_ra_next_deadline(&f->nd);
	assert_true(d <= 1000);
	nd_ra_on_timer(&f->nd, d);
	assert_int_equal(f->rec.n_tx, 1);
	memset(&f->rec, 0, sizeof(f->rec));
}

static void fx_clear(struct fx *f)
{
	memset(&f->rec, 0, sizeof(f->rec));
}

static void ra_init(struct nd_ra_msg *ra, uint16_t router_lifetime_s)
{
	memset(ra, 0, sizeof(*ra));
	ra->router_lifetime_s = router_lifetime_s;
}

static void ra_pio(struct nd_ra_msg *ra, const char *prefix, uint8_t plen, bool a, uint32_t v,
	uint32_t p)
{
	struct nd_prefix_opt *o = &ra->prefixes[ra->n_prefixes++];
	addr(prefix, o->prefix);
	o->plen = plen;
	o->is_onlink = true;
	o->is_auto = a;
	o->valid_s = v;
	o->preferred_s = p;
}

/* Parses sent packet i, checks the IPv6 header and returns the ICMPv6 type. */
static uint8_t tx_parse(struct fx *f, int i, struct nd_ip6_hdr *ip, struct nd_nsna_msg *m)
{
	struct rcur c;
	assert_true(i < f->rec.n_tx);
	assert_int_equal(nd_parse_ipv6_icmp(f->rec.tx[i], f->rec.tx_len[i], ip, &c), ND_E_OK);
	assert_int_equal(ip->hop_limit, 255);
	if (m && c.p[0] != ND_ICMP6_RS)
		assert_int_equal(nd_parse_nsna(c.p, c.left, ip, m), ND_E_OK);
	return c.p[0];
}

static int count(const struct fx *f, enum ev_kind k)
{
	int n = 0;
	for (int i = 0; i < f->rec.n_ev; i++)
		n += f->rec.ev[i].kind == k;
	return n;
}

static const struct ev *find(const struct fx *f, enum ev_kind k)
{
	for (int i = 0; i < f->rec.n_ev; i++)
		if (f->rec.ev[i].kind == k)
			return &f->rec.ev[i];
	fail_msg("event %d not recorded", k);
	return NULL;
}

/* RFC 4861 §6.3.7 + RFC 7559 §2: first RS within 1 s from fe80::iid to ff02::2, three at 4 s,
 * then doubling with +-10% up to 3600 s +-10%, forever. */
static void test_rs_schedule(void **st)
{
	(void)st;
	static struct fx f;
	fx_init(&f, false);
	assert_int_equal(nd_ra_next_deadline(&f.nd), V6L_NEVER);
	nd_ra_start(&f.nd, 0);
	assert_int_equal(f.nd.state, ND_RA_DELAY);
	uint64_t t = nd_ra_next_deadline(&f.nd), prev = 0;
	assert_true(t <= 1000);
	nd_ra_on_timer(&f.nd, t == 0 ? 0 : t - 1);
	assert_int_equal(f.rec.n_tx, t == 0 ? 1 : 0);
	uint64_t iv_prev = 0;
	for (int i = 0; i < 30; i++) {
		nd_ra_on_timer(&f.nd, t);
		assert_int_equal(f.rec.n_tx, 1);
		struct nd_ip6_hdr ip;
		assert_int_equal(tx_parse(&f, 0, &ip, NULL), ND_ICMP6_RS);
		uint8_t ll[16], ar[16];
		addr("fe800000000000001122334455667788", ll);
		addr("ff020000000000000000000000000002", ar);
		assert_memory_equal(ip.src, ll, 16);
		assert_memory_equal(ip.dst, ar, 16);
		assert_int_equal(f.rec.tx_len[0], 48);
		fx_clear(&f);
		uint64_t iv = i > 0 ? t - prev : 0;
		if (i >= 1 && i <= 3)
			assert_int_equal(iv, 4000);
		if (i >= 4) {
			uint64_t base = iv_prev * 2 > 3600000 ? 3600000 : iv_prev * 2;
			assert_true(iv >= base * 9 / 10 && iv <= base * 11 / 10 + 1);
		}
		if (i >= 25)
			assert_true(iv >= 3240000 && iv <= 3960000);
		prev = t;
		iv_prev = iv;
		t = nd_ra_next_deadline(&f.nd);
		assert_true(t > prev);
	}
	assert_int_equal(f.nd.stats.tx_rs, 30);
}

/* The captured RA: flags, router, MTU, optimistic address + DAD NS, route, DNS; DAD passes. */
static void test_ra_capture_slaac(void **st)
{
	(void)st;
	static struct fx f;
	fx_init(&f, false);
	uint8_t pkt[256], a[16], r[16];
	int n = test_hex(cap_ra, pkt, sizeof(pkt));
	/* In IDLE nothing happens. */
	assert_int_equal(nd_ra_on_packet(&f.nd, pkt, (size_t)n, 0), ND_E_OK);
	assert_int_equal(f.rec.n_ev, 0);
	fx_start(&f);
	uint64_t t = 2000;
	assert_int_equal(nd_ra_on_packet(&f.nd, pkt, (size_t)n, t), ND_E_OK);
	assert_int_equal(f.nd.state, ND_RA_BOUND);
	const struct ev *e = find(&f, EV_FLAGS);
	assert_true(!e->m && e->o);
	addr("fe80000000000000dcfeddfffe7b584a", r);
	e = find(&f, EV_RTR);
	assert_memory_equal(e->a, r, 16);
	assert_int_equal(e->v, 1800);
	assert_int_equal(e->prf, ND_PRF_HIGH);
	assert_int_equal(find(&f, EV_MTU)->v, 1492);
	e = find(&f, EV_ADDR);
	addr("20010db8000100021122334455667788", a);
	assert_memory_equal(e->a, a, 16);
	assert_int_equal(e->plen, 64);
	assert_int_equal(e->v, 86400);
	assert_int_equal(e->p, 14400);
	assert_true(e->is_new && e->is_opt);
	e = find(&f, EV_ROUTE);
	assert_int_equal(e->plen, 40);
	assert_memory_equal(e->b, r, 16);
	assert_int_equal(e->v, 3600);
	assert_int_equal(e->prf, ND_PRF_LOW);
	assert_int_equal(count(&f, EV_DNS), 1);
	size_t nd_n, ns_n;
	const struct nd_ra_dns *dns = nd_ra_dns(&f.nd, &nd_n);
	const struct nd_ra_search *sl = nd_ra_search(&f.nd, &ns_n);
	assert_int_equal(nd_n, 2);
	assert_int_equal(dns[0].addr[15], 0x53);
	assert_int_equal(ns_n, 2);
	assert_string_equal(sl[1].name, "corp.example.com");
	/* The DAD probe: from :: to the solicited-node group, with a nonce. */
	assert_int_equal(f.rec.n_tx, 1);
	struct nd_ip6_hdr ip;
	struct nd_nsna_msg m;
	assert_int_equal(tx_parse(&f, 0, &ip, &m), ND_ICMP6_NS);
	assert_true(nd_addr_is_unspecified(ip.src));
	assert_int_equal(ip.dst[12], 0xff);
	assert_int_equal(ip.dst[15], 0x88);
	assert_memory_equal(m.target, a, 16);
	assert_true(m.has_nonce);
	/* DAD: RetransTimer 1 s, then the address is no longer optimistic. */
	assert_int_equal(nd_ra_next_deadline(&f.nd), t + 1000);
	fx_clear(&f);
	nd_ra_on_timer(&f.nd, t + 999);
	assert_int_equal(f.rec.n_ev, 0);
	nd_ra_on_timer(&f.nd, t + 1000);
	assert_int_equal(f.rec.n_ev, 1);
	e = find(&f, EV_ADDR);
	assert_true(!e->is_new && !e->is_opt);
	assert_int_equal(e->v, 86399);
	assert_int_equal(f.nd.prefixes[0].addr_state, ND_ADDR_PREFERRED);
	/* RSs stopped; the next deadline is the first lifetime to end (RDNSS/DNSSL 1200 s). */
	assert_int_equal(nd_ra_next_deadline(&f.nd), t + 1200000);
	assert_int_equal(f.rec.n_tx, 0);
}

/* Refreshes change lifetimes in place; the RFC 4862 §5.5.3(e) two-hour rule; withdrawal. */
static void test_lifetime_update_rules(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f, false);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, "20010db8000100020000000000000000", 64, true, 86400, 14400);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 10000);
	nd_ra_on_timer(&f.nd, 11000);
	fx_clear(&f);
	/* Same RA 100 s later: one in-place update, no remove. */
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 110000);
	assert_int_equal(count(&f, EV_ADDR), 1);
	assert_int_equal(count(&f, EV_ADDR_RM), 0);
	assert_false(find(&f, EV_ADDR)->is_new);
	assert_int_equal(find(&f, EV_ADDR)->v, 86400);
	fx_clear(&f);
	/* Valid 600 s with 86400 s remaining: set to two hours. */
	ra.prefixes[0].valid_s = 600;
	ra.prefixes[0].preferred_s = 300;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 120000);
	assert_int_equal(find(&f, EV_ADDR)->v, 7200);
	assert_int_equal(find(&f, EV_ADDR)->p, 300);
	fx_clear(&f);
	/* Again 1000 s later: 6200 s remain (<= 2 h): the valid lifetime is left alone. */
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 1120000);
	assert_int_equal(find(&f, EV_ADDR)->v, 6200);
	fx_clear(&f);
	/* A longer one is taken; preferred is clamped to valid. */
	ra.prefixes[0].valid_s = 9000;
	ra.prefixes[0].preferred_s = 9000;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 1120000);
	assert_int_equal(find(&f, EV_ADDR)->v, 9000);
	assert_int_equal(find(&f, EV_ADDR)->p, 9000);
	fx_clear(&f);
	/* Valid 0: withdrawn at once (documented deviation from the two-hour rule). */
	ra.prefixes[0].valid_s = 0;
	ra.prefixes[0].preferred_s = 0;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 1130000);
	assert_int_equal(count(&f, EV_ADDR_RM), 1);
	assert_int_equal(find(&f, EV_ADDR_RM)->plen, 64);
	assert_int_equal(f.nd.n_prefixes, 0);
	/* Withdrawing an unknown prefix does nothing. */
	fx_clear(&f);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 1140000);
	assert_int_equal(count(&f, EV_ADDR_RM), 0);
}

/* Lifetimes run out: address, router (then RS again), route, RDNSS, DNSSL, PREF64. */
static void test_expiry(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f, false);
	fx_start(&f);
	ra_init(&ra, 60);
	ra_pio(&ra, "20010db8000100030000000000000000", 64, true, 30, 20);
	ra.n_rdnss = 1;
	addr("20010db8000000000000000000000053", ra.rdnss[0].addr);
	ra.rdnss[0].lifetime_s = 10;
	ra.n_dnssl = 1;
	snprintf(ra.dnssl[0].name, sizeof(ra.dnssl[0].name), "example.org");
	ra.dnssl[0].lifetime_s = 15;
	ra.n_routes = 1;
	addr("20010db8ff0000000000000000000000", ra.routes[0].prefix);
	ra.routes[0].plen = 40;
	ra.routes[0].lifetime_s = 40;
	ra.n_pref64 = 1;
	addr("0064ff9b000000000000000000000000", ra.pref64[0].prefix);
	ra.pref64[0].plen = 96;
	ra.pref64[0].lifetime_s = 50;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 0);
	nd_ra_on_timer(&f.nd, 1000); /* DAD over */
	size_t n;
	assert_int_equal(nd_ra_pref64(&f.nd, &n)[0].plen, 96);
	assert_int_equal(n, 1);
	fx_clear(&f);
	assert_int_equal(nd_ra_next_deadline(&f.nd), 10000);
	nd_ra_on_timer(&f.nd, 10000);
	assert_int_equal(count(&f, EV_DNS), 1);
	nd_ra_dns(&f.nd, &n);
	assert_int_equal(n, 0);
	nd_ra_search(&f.nd, &n);
	assert_int_equal(n, 1);
	assert_int_equal(nd_ra_next_deadline(&f.nd), 15000);
	nd_ra_on_timer(&f.nd, 15000);
	nd_ra_search(&f.nd, &n);
	assert_int_equal(n, 0);
	assert_int_equal(count(&f, EV_DNS), 2);
	fx_clear(&f);
	nd_ra_on_timer(&f.nd, 29999);
	assert_int_equal(f.rec.n_ev, 0);
	nd_ra_on_timer(&f.nd, 30000);
	assert_int_equal(count(&f, EV_ADDR_RM), 1);
	nd_ra_on_timer(&f.nd, 40000);
	assert_int_equal(count(&f, EV_ROUTE_RM), 1);
	nd_ra_on_timer(&f.nd, 50000);
	nd_ra_pref64(&f.nd, &n);
	assert_int_equal(n, 0);
	assert_int_equal(f.rec.n_tx, 0);
	assert_int_equal(f.nd.state, ND_RA_BOUND);
	nd_ra_on_timer(&f.nd, 60000);
	assert_int_equal(count(&f, EV_RTR_RM), 1);
	/* No default router left: soliciting again at once. */
	assert_int_equal(f.nd.state, ND_RA_SOLICIT);
	assert_int_equal(f.rec.n_tx, 1);
	assert_int_equal(nd_ra_next_deadline(&f.nd), 64000);
}

/* RFC 8106 §5.3.1: lifetime 0 removes a server; a refresh alone is not a change. */
static void test_rdnss_updates(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f, false);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra.n_rdnss = 2;
	addr("20010db8000000000000000000000001", ra.rdnss[0].addr);
	addr("20010db8000000000000000000000002", ra.rdnss[1].addr);
	ra.rdnss[0].lifetime_s = ra.rdnss[1].lifetime_s = 600;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 0);
	assert_int_equal(count(&f, EV_DNS), 1);
	fx_clear(&f);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 1000);
	assert_int_equal(count(&f, EV_DNS), 0);
	ra.rdnss[1].lifetime_s = 0;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 2000);
	assert_int_equal(count(&f, EV_DNS), 1);
	size_t n;
	const struct nd_ra_dns *d = nd_ra_dns(&f.nd, &n);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].addr[15], 1);
	assert_int_equal(d[0].until_ms, 602000);
	/* A multicast "server" is not taken. */
	fx_clear(&f);
	ra.n_rdnss = 1;
	addr("ff020000000000000000000000000001", ra.rdnss[0].addr);
	ra.rdnss[0].lifetime_s = 600;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 3000);
	assert_int_equal(count(&f, EV_DNS), 0);
}

/* RFC 7217 mode: an NA for the address under DAD -> removed, next DAD_Counter, new address. */
static void test_dad_duplicate_stable(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	struct nd_ip6_hdr ip;
	struct nd_nsna_msg m, na = { .type = ND_ICMP6_NA, .is_override = true };
	fx_init(&f, true);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, "20010db8000100020000000000000000", 64, true, 3600, 1800);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 5000);
	const struct ev *e = find(&f, EV_ADDR);
	uint8_t iid0[8], iid1[8], a0[16];
	nd_stable_iid(&f.cfg, ra.prefixes[0].prefix, 0, iid0);
	nd_stable_iid(&f.cfg, ra.prefixes[0].prefix, 1, iid1);
	assert_memory_equal(e->a + 8, iid0, 8);
	assert_memory_not_equal(iid0, f.cfg.iid, 8);
	memcpy(a0, e->a, 16);
	fx_clear(&f);
	/* Someone else answers for it. */
	memcpy(na.target, a0, 16);
	nd_ra_on_na(&f.nd, &f.ip, &na, 5500);
	assert_int_equal(f.nd.stats.dad_dup, 1);
	assert_int_equal(f.rec.ev[0].kind, EV_ADDR_RM);
	assert_memory_equal(f.rec.ev[0].a, a0, 16);
	assert_int_equal(f.rec.ev[1].kind, EV_ADDR);
	assert_memory_equal(f.rec.ev[1].a + 8, iid1, 8);
	assert_true(f.rec.ev[1].is_new && f.rec.ev[1].is_opt);
	assert_int_equal(f.rec.ev[1].v, 3600); /* lifetimes run on from the RA: 0.5 s rounds up */
	assert_int_equal(tx_parse(&f, 0, &ip, &m), ND_ICMP6_NS);
	assert_memory_equal(m.target + 8, iid1, 8);
	/* Its own probe looped back (same nonce) is not a duplicate; a foreign probe is. */
	struct nd_ip6_hdr probe = ip;
	assert_false(nd_ra_on_ns(&f.nd, &probe, &m, 5600));
	assert_int_equal(f.nd.stats.dad_dup, 1);
	m.nonce[0] ^= 1;
	fx_clear(&f);
	assert_false(nd_ra_on_ns(&f.nd, &probe, &m, 5700));
	assert_int_equal(f.nd.stats.dad_dup, 2);
	assert_int_equal(count(&f, EV_ADDR_RM), 1);
	assert_int_equal(f.nd.prefixes[0].dad_counter, 2);
	/* Third and fourth duplicates: counters 3 then give up (IDGEN_RETRIES 3). */
	memcpy(na.target, f.nd.prefixes[0].addr, 16);
	nd_ra_on_na(&f.nd, &f.ip, &na, 5800);
	assert_int_equal(f.nd.prefixes[0].addr_state, ND_ADDR_OPTIMISTIC);
	memcpy(na.target, f.nd.prefixes[0].addr, 16);
	fx_clear(&f);
	nd_ra_on_na(&f.nd, &f.ip, &na, 5900);
	assert_int_equal(f.nd.prefixes[0].addr_state, ND_ADDR_FAILED);
	assert_int_equal(count(&f, EV_ADDR_RM), 1);
	assert_int_equal(count(&f, EV_ADDR), 0);
	/* A failed prefix is not retried by the next RA. */
	fx_clear(&f);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 6000);
	assert_int_equal(count(&f, EV_ADDR), 0);
	assert_int_equal(f.rec.n_tx, 0);
}

/* IID mode: a duplicate means no address for that prefix; a reserved IID is never used. */
static void test_dad_duplicate_iid_and_reserved(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	struct nd_nsna_msg na = { .type = ND_ICMP6_NA };
	fx_init(&f, false);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, "20010db8000100020000000000000000", 64, true, 3600, 1800);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 0);
	memcpy(na.target, find(&f, EV_ADDR)->a, 16);
	fx_clear(&f);
	nd_ra_on_na(&f.nd, &f.ip, &na, 500);
	assert_int_equal(count(&f, EV_ADDR_RM), 1);
	assert_int_equal(count(&f, EV_ADDR), 0);
	assert_int_equal(f.nd.prefixes[0].addr_state, ND_ADDR_FAILED);
	assert_int_equal(nd_ra_next_deadline(&f.nd), 1800000);

	/* The IPv6CP identifier is in the IANA Ethernet block (RFC 5453): no address. */
	fx_init(&f, false);
	test_hex("02005efffe005213", f.cfg.iid, 8);
	nd_ra_init(&f.nd, &f.cfg, &rec_ops, &f.rec, &f.rng, "t");
	fx_start(&f);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 0);
	assert_int_equal(count(&f, EV_ADDR), 0);
	assert_int_equal(f.nd.prefixes[0].addr_state, ND_ADDR_FAILED);
	assert_int_equal(count(&f, EV_RTR), 1);
}

static void test_reserved_iids(void **st)
{
	(void)st;
	static const char *const reserved[] = { "0000000000000000", "02005efffe000000",
		"02005efffe005212", "02005efffe005213", "02005efffeffffff", "fdffffffffffff80",
		"fdffffffffffffff" };
	static const char *const fine[] = { "0000000000000001", "02005efffd ffffff",
		"02005eff ff000000", "fdffffffffffff7f", "fdfffffffffffe80", "1122334455667788" };
	uint8_t iid[8];
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		assert_int_equal(test_hex(reserved[i], iid, 8), 8);
		assert_true(nd_iid_is_reserved(iid));
	}
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		assert_int_equal(test_hex(fine[i], iid, 8), 8);
		assert_false(nd_iid_is_reserved(iid));
	}
	/* RFC 7217: stable for the same inputs, different per prefix, counter, secret and name. */
	struct nd_ra_cfg c = { .use_stable_privacy = true };
	snprintf(c.net_iface, sizeof(c.net_iface), "ppp0");
	uint8_t p1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 }, p2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2 };
	uint8_t a[8], b[8];
	nd_stable_iid(&c, p1, 0, a);
	nd_stable_iid(&c, p1, 0, b);
	assert_memory_equal(a, b, 8);
	nd_stable_iid(&c, p2, 0, b);
	assert_memory_not_equal(a, b, 8);
	nd_stable_iid(&c, p1, 1, b);
	assert_memory_not_equal(a, b, 8);
	c.secret[0] = 1;
	nd_stable_iid(&c, p1, 0, b);
	assert_memory_not_equal(a, b, 8);
	c.secret[0] = 0;
	snprintf(c.net_iface, sizeof(c.net_iface), "ppp1");
	nd_stable_iid(&c, p1, 0, b);
	assert_memory_not_equal(a, b, 8);
	/* Only the first 64 bits of the prefix count. */
	snprintf(c.net_iface, sizeof(c.net_iface), "ppp0");
	p1[15] = 9;
	nd_stable_iid(&c, p1, 0, b);
	assert_memory_equal(a, b, 8);
}

static void test_flags_mtu_router(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f, false);
	fx_start(&f);
	ra_init(&ra, 0); /* not a default router: keep soliciting */
	ra.is_other = true;
	ra.has_mtu = true;
	ra.mtu = 1200; /* below 1280: ignored */
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 100);
	assert_int_equal(count(&f, EV_FLAGS), 1);
	assert_int_equal(count(&f, EV_MTU), 0);
	assert_int_equal(count(&f, EV_RTR), 0);
	assert_int_equal(f.nd.state, ND_RA_SOLICIT);
	fx_clear(&f);
	ra.router_lifetime_s = 600;
	ra.prf = ND_PRF_LOW;
	ra.mtu = 1500; /* above the link's 1492: ignored */
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 200);
	assert_int_equal(count(&f, EV_FLAGS), 0);
	assert_int_equal(count(&f, EV_MTU), 0);
	assert_int_equal(find(&f, EV_RTR)->prf, ND_PRF_LOW);
	/* The router is in the list when router_update runs (the dial-up glue installs the IPv6
	 * default route from it). */
	assert_true(find(&f, EV_RTR)->has_router);
	assert_true(nd_ra_has_router(&f.nd));
	assert_int_equal(f.nd.state, ND_RA_BOUND);
	assert_int_equal(nd_ra_next_deadline(&f.nd), 600200);
	fx_clear(&f);
	ra.is_managed = true;
	ra.mtu = 1480;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 300);
	assert_true(find(&f, EV_FLAGS)->m && find(&f, EV_FLAGS)->o);
	assert_int_equal(find(&f, EV_MTU)->v, 1480);
	fx_clear(&f);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 400); /* nothing changed: only the router refresh */
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(f.rec.ev[0].kind, EV_RTR);
	fx_clear(&f);
	ra.router_lifetime_s = 0;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 500);
	assert_int_equal(count(&f, EV_RTR_RM), 1);
	assert_int_equal(f.nd.n_routers, 0);
	/* RFC 4861 §6.3.4: lifetime 0 takes the router off the list; router_remove already sees
	 * the list without it (the dial-up glue then removes the IPv6 default route). */
	assert_false(find(&f, EV_RTR_RM)->has_router);
	assert_false(nd_ra_has_router(&f.nd));
	/* A later RA with a lifetime makes it a default router again. */
	fx_clear(&f);
	ra.router_lifetime_s = 600;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 600);
	assert_true(find(&f, EV_RTR)->has_router);
	/* Its lifetime runs out: removed by the timer, the list empty inside the op. */
	fx_clear(&f);
	nd_ra_on_timer(&f.nd, 600600);
	assert_int_equal(count(&f, EV_RTR_RM), 1);
	assert_false(find(&f, EV_RTR_RM)->has_router);
	assert_false(nd_ra_has_router(&f.nd));
}

/* NS for our addresses gets an NA (RFC 4861 §7.2.4; RFC 4429 §3.3 for optimistic ones). */
static void test_ns_answers(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	struct nd_ip6_hdr ip, nsip;
	struct nd_nsna_msg m, ns = { .type = ND_ICMP6_NS };
	fx_init(&f, false);
	/* Link down: nothing answered. */
	addr("fe800000000000001122334455667788", ns.target);
	nsip = f.ip;
	assert_false(nd_ra_on_ns(&f.nd, &nsip, &ns, 0));
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, "20010db8000100020000000000000000", 64, true, 3600, 1800);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 0);
	fx_clear(&f);
	/* Our link-local, from the peer's link-local: solicited + override, to the asker. */
	assert_true(nd_ra_on_ns(&f.nd, &nsip, &ns, 100));
	assert_int_equal(tx_parse(&f, 0, &ip, &m), ND_ICMP6_NA);
	assert_true(m.is_solicited && m.is_override && !m.is_router);
	assert_memory_equal(m.target, ns.target, 16);
	assert_memory_equal(ip.src, ns.target, 16);
	assert_memory_equal(ip.dst, nsip.src, 16);
	/* The optimistic global: answered with Override clear. */
	addr("20010db8000100021122334455667788", ns.target);
	assert_true(nd_ra_on_ns(&f.nd, &nsip, &ns, 200));
	tx_parse(&f, 1, &ip, &m);
	assert_true(m.is_solicited && !m.is_override);
	/* After DAD: Override set. From :: (a probe for our address): to all-nodes, no S. */
	nd_ra_on_timer(&f.nd, 1000);
	assert_true(nd_ra_on_ns(&f.nd, &nsip, &ns, 1100));
	tx_parse(&f, 2, &ip, &m);
	assert_true(m.is_override);
	memset(nsip.src, 0, 16);
	nd_solicited_node(ns.target, nsip.dst);
	assert_true(nd_ra_on_ns(&f.nd, &nsip, &ns, 1200));
	tx_parse(&f, 3, &ip, &m);
	assert_true(!m.is_solicited && m.is_override);
	assert_int_equal(ip.dst[0], 0xff);
	assert_int_equal(ip.dst[15], 1);
	assert_int_equal(f.nd.prefixes[0].addr_state, ND_ADDR_PREFERRED);
	/* Someone else's address: no answer. */
	ns.target[15] ^= 1;
	assert_false(nd_ra_on_ns(&f.nd, &nsip, &ns, 1300));
	assert_int_equal(f.rec.n_tx, 4);
	/* An NA for our preferred address is only logged. */
	struct nd_nsna_msg na = { .type = ND_ICMP6_NA };
	addr("20010db8000100021122334455667788", na.target);
	fx_clear(&f);
	nd_ra_on_na(&f.nd, &f.ip, &na, 1400);
	assert_int_equal(f.rec.n_ev, 0);
	assert_int_equal(f.nd.prefixes[0].addr_state, ND_ADDR_PREFERRED);
}

/* Whole packets: a bad checksum is counted and changes nothing; a non-ND ICMPv6 is ignored. */
static void test_packets_and_stop(void **st)
{
	(void)st;
	static struct fx f;
	uint8_t pkt[256];
	fx_init(&f, false);
	fx_start(&f);
	int n = test_hex(cap_ra, pkt, sizeof(pkt));
	pkt[45] ^= 0x80; /* M flag flipped, checksum now wrong */
	assert_int_equal(nd_ra_on_packet(&f.nd, pkt, (size_t)n, 100), ND_E_CSUM);
	assert_int_equal(f.nd.stats.rx_bad, 1);
	assert_int_equal(f.rec.n_ev, 0);
	pkt[45] ^= 0x80;
	pkt[7] = 64; /* hop limit: off-link */
	assert_int_equal(nd_ra_on_packet(&f.nd, pkt, (size_t)n, 100), ND_E_HOPLIMIT);
	assert_int_equal(f.rec.n_ev, 0);
	pkt[7] = 255;
	assert_int_equal(nd_ra_on_packet(&f.nd, pkt, (size_t)n, 100), ND_E_OK);
	assert_int_equal(f.nd.stats.rx_ra, 1);
	/* An echo request (type 128) is not ours to answer. */
	uint8_t echo[8] = { 128, 0, 0, 0, 0, 1, 0, 1 }, src[16], out[64];
	addr("fe800000000000000000000000000002", src);
	int l = nd_build_ipv6_icmp(src, f.nd.link_local, echo, sizeof(echo), out, sizeof(out));
	assert_int_equal(nd_ra_on_packet(&f.nd, out, (size_t)l, 150), ND_E_OK);
	assert_int_equal(f.nd.stats.rx_other, 1);
	/* Link down: everything reported removed, IDLE, no deadline. */
	fx_clear(&f);
	nd_ra_stop(&f.nd, 200);
	assert_int_equal(f.nd.state, ND_RA_IDLE);
	assert_int_equal(count(&f, EV_ADDR_RM), 1);
	assert_int_equal(count(&f, EV_RTR_RM), 1);
	assert_int_equal(count(&f, EV_ROUTE_RM), 1);
	assert_int_equal(count(&f, EV_DNS), 1);
	assert_int_equal(nd_ra_next_deadline(&f.nd), V6L_NEVER);
	assert_int_equal(f.nd.n_prefixes + f.nd.n_dns + f.nd.n_search + f.nd.n_routes, 0);
	/* Restart: flags are reported again with the next RA. */
	fx_clear(&f);
	nd_ra_start(&f.nd, 300);
	assert_int_equal(nd_ra_on_packet(&f.nd, pkt, (size_t)n, 400), ND_E_OK);
	assert_int_equal(count(&f, EV_FLAGS), 1);
	assert_true(find(&f, EV_ADDR)->is_new);
	assert_string_equal(nd_ra_state_name(f.nd.state), "bound");
	assert_string_equal(nd_addr_state_name(ND_ADDR_OPTIMISTIC), "optimistic");
}

/* Prefixes that do not form addresses: not autonomous, not /64. */
static void test_prefix_kinds(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f, false);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, "20010db8000100020000000000000000", 64, false, 3600, 1800);
	ra_pio(&ra, "20010db8000200000000000000000000", 56, true, 3600, 1800);
	ra_pio(&ra, "20010db8000300040000000000000000", 64, true, ND_LIFETIME_INF,
		ND_LIFETIME_INF);
	ra.prefixes[2].is_onlink = false;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 0);
	assert_int_equal(f.nd.n_prefixes, 3);
	assert_int_equal(count(&f, EV_ADDR), 1);
	const struct ev *e = find(&f, EV_ADDR);
	assert_int_equal(e->a[5], 3);
	assert_int_equal(e->plen, 128); /* L clear: RFC 5942 */
	assert_int_equal(e->v, ND_LIFETIME_INF);
	assert_int_equal(e->p, ND_LIFETIME_INF);
	/* The on-link /64 turns autonomous: now it gets an address. */
	fx_clear(&f);
	ra.prefixes[0].is_auto = true;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 5000);
	assert_int_equal(count(&f, EV_ADDR), 2);
	int n_new = 0;
	for (int i = 0; i < f.rec.n_ev; i++)
		n_new += f.rec.ev[i].kind == EV_ADDR && f.rec.ev[i].is_new;
	assert_int_equal(n_new, 1);
	/* Infinite valid lifetime, then a short one: two hours (RFC 4862 §5.5.3(e) 3). */
	fx_clear(&f);
	ra.n_prefixes = 1;
	ra.prefixes[0] = ra.prefixes[2];
	ra.prefixes[0].valid_s = 60;
	ra.prefixes[0].preferred_s = 60;
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 6000);
	assert_int_equal(find(&f, EV_ADDR)->v, 7200);
}

/* Fuzzer find: the end of DAD and the end of the prefix at the same moment: only the removal is
 * reported, never an update with a valid lifetime of 0. */
static void test_dad_end_at_expiry(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f, false);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, "20010db8000100020000000000000000", 64, true, 1, 1);
	nd_ra_on_ra(&f.nd, &f.ip, &ra, 0);
	fx_clear(&f);
	nd_ra_on_timer(&f.nd, 1000);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(f.rec.ev[0].kind, EV_ADDR_RM);
}

/* A point-to-point link (no_rs_delay): the first RS leaves with nd_ra_start, the next after
 * RTR_SOLICITATION_INTERVAL (RFC 4861 §6.3.7's random delay spreads many hosts; PPP has one). */
static void test_rs_at_once_on_point_to_point(void **st)
{
	(void)st;
	static struct fx f;
	fx_init(&f, false);
	f.nd.cfg.no_rs_delay = true;
	nd_ra_start(&f.nd, 500);
	assert_int_equal(f.nd.state, ND_RA_SOLICIT);
	assert_int_equal(f.rec.n_tx, 1);
	struct nd_ip6_hdr ip;
	assert_int_equal(tx_parse(&f, 0, &ip, NULL), ND_ICMP6_RS);
	assert_int_equal(nd_ra_next_deadline(&f.nd), 4500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rs_schedule),
		cmocka_unit_test(test_rs_at_once_on_point_to_point),
		cmocka_unit_test(test_ra_capture_slaac),
		cmocka_unit_test(test_lifetime_update_rules),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_rdnss_updates),
		cmocka_unit_test(test_dad_duplicate_stable),
		cmocka_unit_test(test_dad_duplicate_iid_and_reserved),
		cmocka_unit_test(test_reserved_iids),
		cmocka_unit_test(test_flags_mtu_router),
		cmocka_unit_test(test_ns_answers),
		cmocka_unit_test(test_packets_and_stop),
		cmocka_unit_test(test_prefix_kinds),
		cmocka_unit_test(test_dad_end_at_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
