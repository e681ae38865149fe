/* Router-mode ND scripts: (time, event) -> actions recorded through the ops table with a fake
 * clock and a fixed rng seed. RAs are the real radvd 2.19 capture of nd_codec_test.c, variants of
 * it (fields patched, checksum recomputed) and decoded structs built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "nd/nd_routers.h"
#include "test_util.h"

/* Captured with dumpcap on a veth pair between two network namespaces: radvd 2.19 in one (config:
 * AdvDefaultPreference high, AdvOtherConfigFlag on, AdvLinkMTU 1492, AdvDefaultLifetime 1800,
 * AdvReachableTime 30000, AdvRetransTimer 1000, prefix 2001:db8:1:2::/64 valid 86400 preferred
 * 14400, route 2001:db8:ff00::/40 low 3600, RDNSS 2001:db8::53 2001:db8::5353 1200, DNSSL
 * example.net corp.example.com 1200), Linux 6.x in the other. IPv6 header onwards. */
static const char cap_ra[] =
	"6001940d00a83aff fe80000000000000dcfeddfffe7b584a ff020000000000000000000000000001"
	"8600bd55 40 48 0708 00007530 000003e8"                                /* RA header */
	"030440c0 00015180 00003840 00000000 20010db8000100020000000000000000" /* PIO */
	"1803 2818 00000e10 20010db8ff0000000000000000000000"                 /* RIO (len 3) */
	"1905 0000 000004b0 20010db8000000000000000000000053"                  /* RDNSS */
	"20010db8000000000000000000005353"
	"1f05 0000 000004b0 076578616d706c65036e657400"                        /* DNSSL */
	"04636f7270076578616d706c6503636f6d00 00"
	"0501 0000 000005d4"                                                   /* MTU 1492 */
	"0101 defedd7b584a";                                                   /* SLLA */

/* Offsets into cap_ra (from the start of the IPv6 header). */
#define CAP_SRC 8
#define CAP_FLAGS 45    /* M O Prf */
#define CAP_RTR_LT 46   /* router lifetime, 16 bits */
#define CAP_PIO_VALID 60
#define CAP_PIO_PREF 64

enum ev_kind { EV_RS, EV_RTR, EV_RTR_RM, EV_SRC, EV_SRC_RM, EV_DNS, EV_FLAGS, EV_RT, EV_RT_RM,
	EV_PFX };

struct ev {
	enum ev_kind kind;
	uint8_t a[16], b[16]; /* prefix or router; router */
	uint8_t plen;
	uint32_t v;
	enum nd_prf prf;
	bool m, o;
};

#define MAX_EV 128

struct rec {
	bool want_pfx; /* record prefixes_changed (tests of it turn it on) */
	int n_ev;
	struct ev ev[MAX_EV];
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

static void rec_rs(void *ctx)
{
	rec_add(ctx, EV_RS);
}

static void rec_rtr(void *ctx, const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf)
{
	struct ev *e = rec_add(ctx, EV_RTR);
	memcpy(e->a, router, 16);
	e->v = lifetime_s;
	e->prf = prf;
}

static void rec_rtr_rm(void *ctx, const uint8_t router[16])
{
	memcpy(rec_add(ctx, EV_RTR_RM)->a, router, 16);
}

static void rec_src(void *ctx, const uint8_t prefix[16], uint8_t plen, const uint8_t router[16],
	uint32_t lifetime_s, enum nd_prf prf)
{
	struct ev *e = rec_add(ctx, EV_SRC);
	memcpy(e->a, prefix, 16);
	memcpy(e->b, router, 16);
	e->plen = plen;
	e->v = lifetime_s;
	e->prf = prf;
}

static void rec_src_rm(void *ctx, const uint8_t prefix[16], uint8_t plen, const uint8_t router[16])
{
	struct ev *e = rec_add(ctx, EV_SRC_RM);
	memcpy(e->a, prefix, 16);
	memcpy(e->b, router, 16);
	e->plen = plen;
}

static void rec_rt(void *ctx, const uint8_t prefix[16], uint8_t plen, const uint8_t router[16],
	uint32_t lifetime_s, enum nd_prf prf)
{
	struct ev *e = rec_add(ctx, EV_RT);
	memcpy(e->a, prefix, 16);
	memcpy(e->b, router, 16);
	e->plen = plen;
	e->v = lifetime_s;
	e->prf = prf;
}

static void rec_rt_rm(void *ctx, const uint8_t prefix[16], uint8_t plen, const uint8_t router[16])
{
	struct ev *e = rec_add(ctx, EV_RT_RM);
	memcpy(e->a, prefix, 16);
	memcpy(e->b, router, 16);
	e->plen = plen;
}

static void rec_pfx(void *ctx)
{
	struct rec *r = ctx;
	if (r->want_pfx)
		rec_add(ctx, EV_PFX);
}

static void rec_dns(void *ctx)
{
	rec_add(ctx, EV_DNS);
}

static void rec_flags(void *ctx, bool m, bool o)
{
	struct ev *e = rec_add(ctx, EV_FLAGS);
	e->m = m;
	e->o = o;
}

static const struct nd_routers_ops rec_ops = {
	.send_rs = rec_rs,
	.router_update = rec_rtr,
	.router_remove = rec_rtr_rm,
	.src_route_update = rec_src,
	.src_route_remove = rec_src_rm,
	.route_update = rec_rt,
	.route_remove = rec_rt_rm,
	.prefixes_changed = rec_pfx,
	.dns_changed = rec_dns,
	.flags = rec_flags,
};

struct fx {
	struct rec rec;
	struct v6l_rng rng;
	struct nd_routers nr;
};

static uint8_t R1[16], R2[16], P1[16], P2[16], P3[16];

static void addr(const char *h, uint8_t out[16])
{
	assert_int_equal(test_hex(h, out, 16), 16);
}

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	rng_init_seed(&f->rng, 7);
	nd_routers_init(&f->nr, NULL, &rec_ops, &f->rec, &f->rng, "t");
	addr("fe80000000000000dcfeddfffe7b584a", R1); /* the radvd of the capture */
	addr("fe800000000000000000000000000002", R2);
	addr("20010db8000100020000000000000000", P1); /* the capture's prefix */
	addr("20010db8000200000000000000000000", P2);
	addr("fd000000000000010000000000000000", P3);
}

static void fx_clear(struct fx *f)
{
	bool want_pfx = f->rec.want_pfx;
	memset(&f->rec, 0, sizeof(f->rec));
	f->rec.want_pfx = want_pfx;
}

/* Starts and lets the first RS go out (t <= 1 s); clears the records. */
static void fx_start(struct fx *f)
{
	nd_routers_start(&f->nr, 0);
	uint64_t d = nd_routers_next_deadline(&f->nr);
	assert_true(d <= 1000);
	nd_routers_on_timer(&f->nr, d);
	assert_int_equal(f->rec.n_ev, 1);
	fx_clear(f);
}

static void ra_init(struct nd_ra_msg *ra, uint16_t router_lifetime_s)
{
	memset(ra, 0, sizeof(*ra));
	ra->router_lifetime_s = router_lifetime_s;
}

static void ra_pio(struct nd_ra_msg *ra, const uint8_t prefix[16], uint8_t plen, uint32_t v,
	uint32_t p)
{
	struct nd_prefix_opt *o = &ra->prefixes[ra->n_prefixes++];
	memcpy(o->prefix, prefix, 16);
	o->plen = plen;
	o->is_onlink = true;
	o->is_auto = true;
	o->valid_s = v;
	o->preferred_s = p;
}

static void ra_rio(struct nd_ra_msg *ra, const char *prefix, uint8_t plen, uint32_t lifetime_s,
	enum nd_prf prf)
{
	struct nd_route_opt *o = &ra->routes[ra->n_routes++];
	addr(prefix, o->prefix);
	o->plen = plen;
	o->lifetime_s = lifetime_s;
	o->prf = prf;
}

static void ra_pref64(struct nd_ra_msg *ra, const char *prefix, uint8_t plen, uint32_t lifetime_s)
{
	struct nd_pref64 *o = &ra->pref64[ra->n_pref64++];
	addr(prefix, o->prefix);
	o->plen = plen;
	o->lifetime_s = lifetime_s;
}

static void ra_rdnss(struct nd_ra_msg *ra, const char *a, uint32_t lifetime_s)
{
	addr(a, ra->rdnss[ra->n_rdnss].addr);
	ra->rdnss[ra->n_rdnss++].lifetime_s = lifetime_s;
}

static void ra_dnssl(struct nd_ra_msg *ra, const char *name, uint32_t lifetime_s)
{
	snprintf(ra->dnssl[ra->n_dnssl].name, sizeof(ra->dnssl[0].name), "%s", name);
	ra->dnssl[ra->n_dnssl++].lifetime_s = lifetime_s;
}

static int count(const struct fx *f, enum ev_kind k)
{
	int n = 0;
	for (int i = 0; i < f->rec.n_ev; i++)
		n += f->rec.ev[i].kind == k;
	return n;
}

/* The recorded event of kind k for (a, b) (b NULL: any); fails if there is none. */
static const struct ev *find2(const struct fx *f, enum ev_kind k, const uint8_t *a,
	const uint8_t *b)
{
	for (int i = 0; i < f->rec.n_ev; i++) {
		const struct ev *e = &f->rec.ev[i];
		if (e->kind == k && (!a || memcmp(e->a, a, 16) == 0) &&
			(!b || memcmp(e->b, b, 16) == 0))
			return e;
	}
	fail_msg("event %d not recorded", k);
	return NULL;
}

static bool has2(const struct fx *f, enum ev_kind k, const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < f->rec.n_ev; i++) {
		const struct ev *e = &f->rec.ev[i];
		if (e->kind == k && (!a || memcmp(e->a, a, 16) == 0) &&
			(!b || memcmp(e->b, b, 16) == 0))
			return true;
	}
	return false;
}

/* The capture, optionally from another router / with other lifetimes, checksum recomputed. */
static size_t cap_variant(uint8_t *out, size_t cap, const uint8_t *src, int rtr_lt, int pio_valid)
{
	uint8_t raw[256];
	int n = test_hex(cap_ra, raw, sizeof(raw));
	assert_true(n > 0);
	if (src)
		memcpy(raw + CAP_SRC, src, 16);
	if (rtr_lt >= 0) {
		raw[CAP_RTR_LT] = (uint8_t)(rtr_lt >> 8);
		raw[CAP_RTR_LT + 1] = (uint8_t)rtr_lt;
	}
	if (pio_valid >= 0) {
		uint8_t b[4] = { (uint8_t)(pio_valid >> 24), (uint8_t)(pio_valid >> 16),
			(uint8_t)(pio_valid >> 8), (uint8_t)pio_valid };
		memcpy(raw + CAP_PIO_VALID, b, 4);
		memcpy(raw + CAP_PIO_PREF, b, 4); /* preferred <= valid */
	}
	raw[42] = raw[43] = 0;
	int m = nd_build_ipv6_icmp(raw + 8, raw + 24, raw + 40, (size_t)n - 40, out, cap);
	assert_int_equal(m, n);
	return (size_t)m;
}

/* RFC 4861 §6.3.7 + RFC 7559 §2: first RS within 1 s, three 4 s apart, then doubling with +-10%
 * up to 3600 s +-10%; an RA with lifetime 0 does not stop it, one with a lifetime does. */
static void test_rs_schedule(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f);
	assert_int_equal(nd_routers_next_deadline(&f.nr), V6L_NEVER);
	nd_routers_start(&f.nr, 0);
	assert_int_equal(f.nr.state, ND_ROUTERS_DELAY);
	uint64_t t = nd_routers_next_deadline(&f.nr), prev = 0, iv_prev = 0;
	assert_true(t <= 1000);
	if (t > 0) {
		nd_routers_on_timer(&f.nr, t - 1);
		assert_int_equal(f.rec.n_ev, 0);
	}
	for (int i = 0; i < 30; i++) {
		nd_routers_on_timer(&f.nr, t);
		assert_int_equal(f.rec.n_ev, 1);
		assert_int_equal(f.rec.ev[0].kind, EV_RS);
		assert_int_equal(f.nr.state, ND_ROUTERS_SOLICIT);
		fx_clear(&f);
		uint64_t iv = i > 0 ? t - prev : 0;
		if (i == 1 || i == 2)
			assert_int_equal(iv, 4000);
		if (i >= 3) {
			uint64_t base = iv_prev * 2 > 3600000 ? 3600000 : iv_prev * 2;
			assert_true(iv >= base * 9 / 10 && iv <= base * 11 / 10 + 1);
		}
		if (i == 3)
			assert_true(iv >= 7200 && iv <= 8800);
		if (i >= 25)
			assert_true(iv >= 3240000 && iv <= 3960000);
		prev = t;
		iv_prev = iv;
		t = nd_routers_next_deadline(&f.nr);
		assert_true(t > prev);
	}
	assert_int_equal(f.nr.stats.tx_rs, 30);
	/* A non-default router: RSs go on. */
	ra_init(&ra, 0);
	nd_routers_on_ra(&f.nr, R1, &ra, prev + 1);
	assert_int_equal(f.nr.state, ND_ROUTERS_SOLICIT);
	assert_int_equal(nd_routers_next_deadline(&f.nr), t);
	/* A default router: RSs stop; the next deadline is its expiry. */
	ra_init(&ra, 1800);
	nd_routers_on_ra(&f.nr, R1, &ra, prev + 2);
	assert_int_equal(f.nr.state, ND_ROUTERS_KNOWN);
	assert_int_equal(nd_routers_next_deadline(&f.nr), prev + 2 + 1800000);
	fx_clear(&f);
	nd_routers_on_timer(&f.nr, t);
	assert_int_equal(count(&f, EV_RS), 0);
}

/* An RA during the initial delay: no RS at all. Passive mode never solicits. */
static void test_rs_none(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f);
	nd_routers_start(&f.nr, 0);
	ra_init(&ra, 600);
	nd_routers_on_ra(&f.nr, R1, &ra, 0);
	assert_int_equal(f.nr.state, ND_ROUTERS_KNOWN);
	nd_routers_on_timer(&f.nr, 5000);
	assert_int_equal(count(&f, EV_RS), 0);
	struct nd_routers_cfg cfg = { .is_passive = true };
	nd_routers_init(&f.nr, &cfg, &rec_ops, &f.rec, &f.rng, "t");
	nd_routers_start(&f.nr, 0);
	assert_int_equal(nd_routers_next_deadline(&f.nr), V6L_NEVER);
	nd_routers_on_timer(&f.nr, 100000);
	assert_int_equal(count(&f, EV_RS), 0);
}

/* The captured RA through on_packet: router, one src route, the RFC 4191 route, M/O, RDNSS,
 * DNSSL, status view. */
static void test_capture(void **st)
{
	(void)st;
	static struct fx f;
	uint8_t pkt[256], a[16];
	fx_init(&f);
	int n = test_hex(cap_ra, pkt, sizeof(pkt));
	/* IDLE: nothing parsed, nothing reported. */
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, (size_t)n, 0), ND_E_OK);
	assert_int_equal(f.rec.n_ev, 0);
	fx_start(&f);
	uint64_t t = 2000;
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, (size_t)n, t), ND_E_OK);
	assert_int_equal(f.nr.state, ND_ROUTERS_KNOWN);
	assert_int_equal(f.rec.n_ev, 5);
	const struct ev *e = find2(&f, EV_RTR, R1, NULL);
	assert_int_equal(e->v, 1800);
	assert_int_equal(e->prf, ND_PRF_HIGH);
	e = find2(&f, EV_SRC, P1, R1);
	assert_int_equal(e->plen, 64);
	assert_int_equal(e->v, 1800); /* min(router 1800, valid 86400) */
	assert_int_equal(e->prf, ND_PRF_HIGH);
	e = find2(&f, EV_FLAGS, NULL, NULL);
	assert_true(!e->m && e->o);
	assert_int_equal(count(&f, EV_DNS), 1);
	/* route 2001:db8:ff00::/40 low 3600 */
	addr("20010db8ff0000000000000000000000", a);
	e = find2(&f, EV_RT, a, R1);
	assert_int_equal(e->plen, 40);
	assert_int_equal(e->v, 3600);
	assert_int_equal(e->prf, ND_PRF_LOW);
	size_t nd_n, ns_n, nr_n;
	const struct nd_ra_dns *dns = nd_routers_dns(&f.nr, &nd_n);
	const struct nd_ra_search *sl = nd_routers_search(&f.nr, &ns_n);
	assert_int_equal(nd_n, 2);
	addr("20010db8000000000000000000000053", a);
	assert_memory_equal(dns[0].addr, a, 16);
	assert_int_equal(dns[1].until_ms, t + 1200000);
	assert_int_equal(ns_n, 2);
	assert_string_equal(sl[0].name, "example.net");
	assert_string_equal(sl[1].name, "corp.example.com");
	/* Status: the router with its prefix and remaining lifetimes 100 s later. */
	const struct nd_routers_router *rl = nd_routers_list(&f.nr, &nr_n);
	assert_int_equal(nr_n, 1);
	assert_memory_equal(rl[0].addr, R1, 16);
	assert_int_equal(nd_routers_remaining_s(rl[0].until_ms, t + 100000), 1700);
	assert_int_equal(rl[0].n_prefixes, 1);
	assert_true(rl[0].prefixes[0].is_auto && rl[0].prefixes[0].is_onlink);
	assert_int_equal(nd_routers_remaining_s(rl[0].prefixes[0].valid_until_ms, t + 100000),
		86300);
	assert_int_equal(nd_routers_remaining_s(rl[0].prefixes[0].pref_until_ms, t + 100500),
		14300);
	assert_int_equal(nd_routers_remaining_s(V6L_NEVER, t), ND_LIFETIME_INF);
	assert_int_equal(nd_routers_remaining_s(t, t + 1), 0);
	/* The first lifetime to end is the DNS one (1200 s). */
	assert_int_equal(nd_routers_next_deadline(&f.nr), t + 1200000);
	/* A damaged copy is dropped and counted. */
	fx_clear(&f);
	pkt[60] ^= 1;
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, (size_t)n, t), ND_E_CSUM);
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, 30, t), ND_E_SHORT);
	assert_int_equal(f.nr.stats.rx_bad, 2);
	assert_int_equal(f.nr.stats.last_err, ND_E_SHORT);
	assert_int_equal(f.rec.n_ev, 0);
}

/* One router, two prefixes: each src route lives min(router lifetime, prefix valid). */
static void test_two_prefixes(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, P1, 64, 86400, 14400);
	ra_pio(&ra, P2, 48, 600, 300);
	nd_routers_on_ra(&f.nr, R1, &ra, 5000);
	assert_int_equal(count(&f, EV_SRC), 2);
	assert_int_equal(find2(&f, EV_SRC, P1, R1)->v, 1800);
	const struct ev *e = find2(&f, EV_SRC, P2, R1);
	assert_int_equal(e->v, 600);
	assert_int_equal(e->plen, 48);
	assert_int_equal(e->prf, ND_PRF_MEDIUM);
	/* Infinite valid lifetime: the router's lifetime bounds the route. */
	fx_clear(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, P3, 64, ND_LIFETIME_INF, ND_LIFETIME_INF);
	nd_routers_on_ra(&f.nr, R1, &ra, 5000);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(find2(&f, EV_SRC, P3, R1)->v, 1800);
	/* Prefix length 0 is never a src route. */
	fx_clear(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, P3, 0, 600, 600);
	nd_routers_on_ra(&f.nr, R1, &ra, 5000);
	assert_int_equal(f.rec.n_ev, 0);
}

/* RFC 8028 §3: two routers, each with its own prefix: each prefix routed via its own router. */
static void test_two_routers(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	uint8_t pkt[256];
	fx_init(&f);
	fx_start(&f);
	size_t n = cap_variant(pkt, sizeof(pkt), NULL, -1, -1);
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, n, 1000), ND_E_OK);
	ra_init(&ra, 900);
	ra.prf = ND_PRF_LOW;
	ra_pio(&ra, P2, 64, 3600, 1800);
	nd_routers_on_ra(&f.nr, R2, &ra, 1000);
	assert_int_equal(count(&f, EV_RTR), 2);
	assert_int_equal(count(&f, EV_SRC), 2);
	assert_int_equal(find2(&f, EV_SRC, P1, R1)->prf, ND_PRF_HIGH);
	const struct ev *e = find2(&f, EV_SRC, P2, R2);
	assert_int_equal(e->v, 900);
	assert_int_equal(e->prf, ND_PRF_LOW);
	assert_false(has2(&f, EV_SRC, P1, R2));
	assert_false(has2(&f, EV_SRC, P2, R1));
	/* Both routers announce P1 later: routes via each. */
	fx_clear(&f);
	ra_pio(&ra, P1, 64, 7200, 3600);
	nd_routers_on_ra(&f.nr, R2, &ra, 2000);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(find2(&f, EV_SRC, P1, R2)->v, 900);
}

/* RFC 4861 §6.3.4: router lifetime 0 removes the router and every src route via it, and
 * soliciting starts again when no default router is left. */
static void test_router_lifetime_zero(void **st)
{
	(void)st;
	static struct fx f;
	uint8_t pkt[256];
	struct nd_ra_msg ra;
	fx_init(&f);
	fx_start(&f);
	size_t n = cap_variant(pkt, sizeof(pkt), NULL, -1, -1);
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, n, 1000), ND_E_OK);
	ra_init(&ra, 900);
	ra_pio(&ra, P2, 64, 3600, 1800);
	nd_routers_on_ra(&f.nr, R2, &ra, 1000);
	fx_clear(&f);
	/* The captured router sends its final RA (lifetime 0). */
	n = cap_variant(pkt, sizeof(pkt), NULL, 0, -1);
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, n, 5000), ND_E_OK);
	assert_int_equal(count(&f, EV_SRC_RM), 1);
	assert_int_equal(find2(&f, EV_SRC_RM, P1, R1)->plen, 64);
	assert_int_equal(count(&f, EV_RTR_RM), 1);
	find2(&f, EV_RTR_RM, R1, NULL);
	assert_int_equal(count(&f, EV_SRC) + count(&f, EV_RTR), 0);
	assert_int_equal(f.nr.state, ND_ROUTERS_KNOWN);
	/* Again: unknown router, nothing to remove. */
	fx_clear(&f);
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, n, 6000), ND_E_OK);
	assert_int_equal(count(&f, EV_SRC_RM) + count(&f, EV_RTR_RM), 0);
	/* The second router leaves too: back to soliciting after the random delay. */
	ra.router_lifetime_s = 0;
	nd_routers_on_ra(&f.nr, R2, &ra, 7000);
	find2(&f, EV_SRC_RM, P2, R2);
	find2(&f, EV_RTR_RM, R2, NULL);
	assert_int_equal(f.nr.state, ND_ROUTERS_DELAY);
	uint64_t d = nd_routers_next_deadline(&f.nr);
	assert_true(d >= 7000 && d <= 8000);
	fx_clear(&f);
	nd_routers_on_timer(&f.nr, d);
	assert_int_equal(count(&f, EV_RS), 1);
	assert_int_equal(nd_routers_next_deadline(&f.nr), d + 4000);
}

/* Prefix valid lifetime 0 withdraws that route only (no RFC 4862 two-hour rule here). */
static void test_prefix_withdraw(void **st)
{
	(void)st;
	static struct fx f;
	uint8_t pkt[256];
	struct nd_ra_msg ra;
	fx_init(&f);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra.prf = ND_PRF_HIGH; /* as the capture */
	ra_pio(&ra, P1, 64, 86400, 14400);
	ra_pio(&ra, P2, 64, 86400, 14400);
	nd_routers_on_ra(&f.nr, R1, &ra, 1000);
	fx_clear(&f);
	size_t n = cap_variant(pkt, sizeof(pkt), NULL, -1, 0); /* P1 valid 0 */
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, n, 1500), ND_E_OK);
	assert_int_equal(count(&f, EV_SRC_RM), 1);
	find2(&f, EV_SRC_RM, P1, R1);
	assert_int_equal(count(&f, EV_RTR_RM) + count(&f, EV_SRC), 0);
	assert_int_equal(f.nr.routers[0].n_prefixes, 1);
	assert_memory_equal(f.nr.routers[0].prefixes[0].prefix, P2, 16);
	/* Withdrawing it again does nothing. */
	fx_clear(&f);
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, n, 1600), ND_E_OK);
	assert_int_equal(count(&f, EV_SRC_RM), 0);
}

/* Lifetimes run out by the timer: the short prefix first, then the router with the rest. */
static void test_expiry(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f);
	fx_start(&f);
	ra_init(&ra, 60);
	ra_pio(&ra, P1, 64, 30, 20);
	ra_pio(&ra, P2, 64, 86400, 14400);
	ra_rdnss(&ra, "20010db8000000000000000000000053", 10);
	ra_dnssl(&ra, "example.org", 15);
	nd_routers_on_ra(&f.nr, R1, &ra, 0);
	fx_clear(&f);
	assert_int_equal(nd_routers_next_deadline(&f.nr), 10000);
	nd_routers_on_timer(&f.nr, 10000);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(count(&f, EV_DNS), 1);
	assert_int_equal(nd_routers_next_deadline(&f.nr), 15000);
	nd_routers_on_timer(&f.nr, 15000);
	assert_int_equal(count(&f, EV_DNS), 2);
	fx_clear(&f);
	assert_int_equal(nd_routers_next_deadline(&f.nr), 30000);
	nd_routers_on_timer(&f.nr, 29999);
	assert_int_equal(f.rec.n_ev, 0);
	nd_routers_on_timer(&f.nr, 30000);
	assert_int_equal(f.rec.n_ev, 1);
	find2(&f, EV_SRC_RM, P1, R1);
	fx_clear(&f);
	assert_int_equal(nd_routers_next_deadline(&f.nr), 60000);
	nd_routers_on_timer(&f.nr, 60000);
	find2(&f, EV_SRC_RM, P2, R1);
	find2(&f, EV_RTR_RM, R1, NULL);
	/* Removed before the router; no default router left: RS again after the delay. */
	assert_int_equal(f.rec.ev[0].kind, EV_SRC_RM);
	assert_int_equal(f.rec.ev[1].kind, EV_RTR_RM);
	assert_int_equal(f.nr.state == ND_ROUTERS_DELAY || f.nr.state == ND_ROUTERS_SOLICIT, 1);
	assert_true(nd_routers_next_deadline(&f.nr) <= 61000);
	size_t n;
	nd_routers_list(&f.nr, &n);
	assert_int_equal(n, 0);
}

/* Refreshes: the same lifetimes within the slack or counting down in real time are not reported
 * again; a real refresh or a preference change is, once. */
static void test_refresh(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, P1, 64, 600, 600);
	nd_routers_on_ra(&f.nr, R1, &ra, 10000);
	assert_int_equal(count(&f, EV_RTR) + count(&f, EV_SRC), 2);
	fx_clear(&f);
	/* Same RA 0.9 s later (e.g. the answer to our RS after a periodic one): nothing. */
	nd_routers_on_ra(&f.nr, R1, &ra, 10900);
	assert_int_equal(f.rec.n_ev, 0);
	/* A router counting lifetimes down (100 s later, everything 100 s shorter): nothing. */
	ra.router_lifetime_s = 1700;
	ra.prefixes[0].valid_s = ra.prefixes[0].preferred_s = 500;
	nd_routers_on_ra(&f.nr, R1, &ra, 110000);
	assert_int_equal(f.rec.n_ev, 0);
	/* Full lifetimes again 100 s later: one router update, one route update. */
	ra.router_lifetime_s = 1800;
	ra.prefixes[0].valid_s = ra.prefixes[0].preferred_s = 600;
	nd_routers_on_ra(&f.nr, R1, &ra, 210000);
	assert_int_equal(f.rec.n_ev, 2);
	assert_int_equal(find2(&f, EV_RTR, R1, NULL)->v, 1800);
	assert_int_equal(find2(&f, EV_SRC, P1, R1)->v, 600);
	assert_int_equal(count(&f, EV_SRC_RM), 0);
	fx_clear(&f);
	/* Router lifetime change that does not move the route's expiry (bounded by the prefix):
	 * only the router is reported. */
	ra.router_lifetime_s = 3000;
	nd_routers_on_ra(&f.nr, R1, &ra, 210500);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(find2(&f, EV_RTR, R1, NULL)->v, 3000);
	fx_clear(&f);
	/* Preference change alone: router and route reported with the new one. */
	ra.router_lifetime_s = 3000;
	ra.prf = ND_PRF_HIGH;
	nd_routers_on_ra(&f.nr, R1, &ra, 210500);
	assert_int_equal(f.rec.n_ev, 2);
	assert_int_equal(find2(&f, EV_RTR, R1, NULL)->prf, ND_PRF_HIGH);
	assert_int_equal(find2(&f, EV_SRC, P1, R1)->prf, ND_PRF_HIGH);
	fx_clear(&f);
	/* Shorter lifetime: reported too (the route expires earlier). */
	ra.prefixes[0].valid_s = ra.prefixes[0].preferred_s = 60;
	nd_routers_on_ra(&f.nr, R1, &ra, 210500);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(find2(&f, EV_SRC, P1, R1)->v, 60);
}

/* RFC 8106: the union over routers; a router's lifetime 0 removes only its own announcement;
 * each announcement expires on its own; refreshes are not changes. */
static void test_dns_union(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	size_t n;
	uint8_t a[16];
	fx_init(&f);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_rdnss(&ra, "20010db800000000000000000000000a", 1200);
	ra_rdnss(&ra, "20010db800000000000000000000000b", 1200);
	ra_dnssl(&ra, "example.net", 1200);
	nd_routers_on_ra(&f.nr, R1, &ra, 0);
	assert_int_equal(count(&f, EV_DNS), 1);
	ra_init(&ra, 1800);
	ra_rdnss(&ra, "20010db800000000000000000000000b", 600);
	ra_rdnss(&ra, "20010db800000000000000000000000c", 300);
	ra_dnssl(&ra, "example.net", 300);
	ra_dnssl(&ra, "example.com", 300);
	fx_clear(&f);
	nd_routers_on_ra(&f.nr, R2, &ra, 0);
	assert_int_equal(count(&f, EV_DNS), 1);
	const struct nd_ra_dns *d = nd_routers_dns(&f.nr, &n);
	assert_int_equal(n, 3);
	addr("20010db800000000000000000000000b", a);
	assert_memory_equal(d[1].addr, a, 16);
	assert_int_equal(d[1].until_ms, 1200000); /* the later of the two announcements */
	nd_routers_search(&f.nr, &n);
	assert_int_equal(n, 2);
	/* Refresh: no change. */
	fx_clear(&f);
	nd_routers_on_ra(&f.nr, R2, &ra, 1000);
	assert_int_equal(count(&f, EV_DNS), 0);
	/* R2 withdraws ::b and example.net: R1 still announces them. */
	ra.rdnss[0].lifetime_s = 0;
	ra.dnssl[0].lifetime_s = 0;
	nd_routers_on_ra(&f.nr, R2, &ra, 2000);
	assert_int_equal(count(&f, EV_DNS), 0);
	nd_routers_dns(&f.nr, &n);
	assert_int_equal(n, 3);
	/* ::c and example.com expire (301 s after the last refresh). */
	assert_int_equal(nd_routers_next_deadline(&f.nr), 302000);
	nd_routers_on_timer(&f.nr, 302000);
	assert_int_equal(count(&f, EV_DNS), 1);
	nd_routers_dns(&f.nr, &n);
	assert_int_equal(n, 2);
	const struct nd_ra_search *s = nd_routers_search(&f.nr, &n);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].name, "example.net");
	/* A router leaving (lifetime 0) does not take its RDNSS with it (RFC 8106 lifetimes). */
	fx_clear(&f);
	ra_init(&ra, 0);
	nd_routers_on_ra(&f.nr, R1, &ra, 303000);
	assert_int_equal(count(&f, EV_DNS), 0);
	nd_routers_dns(&f.nr, &n);
	assert_int_equal(n, 2);
	/* Multicast and unspecified servers are not taken. */
	ra_init(&ra, 0);
	ra_rdnss(&ra, "ff020000000000000000000000000001", 100);
	ra_rdnss(&ra, "00000000000000000000000000000000", 100);
	nd_routers_on_ra(&f.nr, R1, &ra, 303000);
	nd_routers_dns(&f.nr, &n);
	assert_int_equal(n, 2);
	assert_int_equal(count(&f, EV_DNS), 0);
}

/* M/O: reported on the first RA, then only when the OR over the known routers changes. */
static void test_flags(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f);
	fx_start(&f);
	ra_init(&ra, 1800);
	nd_routers_on_ra(&f.nr, R1, &ra, 0);
	const struct ev *e = find2(&f, EV_FLAGS, NULL, NULL);
	assert_true(!e->m && !e->o);
	fx_clear(&f);
	nd_routers_on_ra(&f.nr, R1, &ra, 1000);
	assert_int_equal(count(&f, EV_FLAGS), 0);
	ra.is_managed = true;
	nd_routers_on_ra(&f.nr, R2, &ra, 2000);
	e = find2(&f, EV_FLAGS, NULL, NULL);
	assert_true(e->m && !e->o);
	fx_clear(&f);
	/* R1 now sets O: M from R2, O from R1. */
	ra.is_managed = false;
	ra.is_other = true;
	nd_routers_on_ra(&f.nr, R1, &ra, 3000);
	e = find2(&f, EV_FLAGS, NULL, NULL);
	assert_true(e->m && e->o);
	fx_clear(&f);
	/* R2 leaves: only R1's O. */
	ra.router_lifetime_s = 0;
	ra.is_managed = true;
	nd_routers_on_ra(&f.nr, R2, &ra, 4000);
	e = find2(&f, EV_FLAGS, NULL, NULL);
	assert_true(!e->m && e->o);
	assert_int_equal(count(&f, EV_FLAGS), 1);
	/* A first RA from a non-default router reports its flags too. */
	fx_init(&f);
	fx_start(&f);
	ra_init(&ra, 0);
	ra.is_managed = true;
	nd_routers_on_ra(&f.nr, R1, &ra, 0);
	e = find2(&f, EV_FLAGS, NULL, NULL);
	assert_true(e->m && !e->o);
}

/* Fixed capacities: the excess is counted and dropped, the rest keeps working. */
static void test_capacity(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	uint8_t r[16];
	size_t n;
	fx_init(&f);
	fx_start(&f);
	for (int i = 0; i < ND_ROUTERS_MAX + 2; i++) {
		addr("fe800000000000000000000000000100", r);
		r[15] = (uint8_t)i;
		ra_init(&ra, 600);
		ra_pio(&ra, P1, 64, 600, 600);
		nd_routers_on_ra(&f.nr, r, &ra, 0);
	}
	assert_int_equal(count(&f, EV_RTR), ND_ROUTERS_MAX);
	assert_int_equal(count(&f, EV_SRC), ND_ROUTERS_MAX);
	assert_int_equal(f.nr.stats.n_routers_dropped, 2);
	nd_routers_list(&f.nr, &n);
	assert_int_equal(n, ND_ROUTERS_MAX);
	/* The first router already has P1; 10 more (two RAs, the codec's limit is 8 per RA). */
	fx_clear(&f);
	addr("fe800000000000000000000000000100", r);
	for (int k = 0; k < 2; k++) {
		ra_init(&ra, 600);
		for (int i = 0; i < 5; i++) {
			uint8_t p[16];
			addr("20010db8000000000000000000000000", p);
			p[5] = (uint8_t)(k * 5 + i + 1);
			ra_pio(&ra, p, 64, 600, 600);
		}
		nd_routers_on_ra(&f.nr, r, &ra, 1000);
	}
	assert_int_equal(count(&f, EV_SRC), ND_ROUTERS_MAX_PREFIXES - 1);
	assert_int_equal(f.nr.stats.n_prefixes_dropped, 3);
	assert_int_equal(f.nr.routers[0].n_prefixes, ND_ROUTERS_MAX_PREFIXES);
	/* 10 distinct servers and names from two routers: 8 of each. */
	for (int k = 0; k < 2; k++) {
		ra_init(&ra, 0);
		for (int i = 0; i < 5; i++) {
			char h[40], name[16];
			snprintf(h, sizeof(h), "20010db80000000000000000000000%02x", k * 5 + i);
			ra_rdnss(&ra, h, 600);
			snprintf(name, sizeof(name), "d%d.example", k * 5 + i);
			ra_dnssl(&ra, name, 600);
		}
		nd_routers_on_ra(&f.nr, k ? R2 : R1, &ra, 2000);
	}
	nd_routers_dns(&f.nr, &n);
	assert_int_equal(n, ND_ROUTERS_MAX_DNS);
	nd_routers_search(&f.nr, &n);
	assert_int_equal(n, ND_ROUTERS_MAX_SEARCH);
	assert_int_equal(f.nr.stats.n_dns_dropped, 2);
	assert_int_equal(f.nr.stats.n_search_dropped, 2);
	/* A known server from another router is still accepted (no new distinct entry). */
	ra_init(&ra, 0);
	ra_rdnss(&ra, "20010db8000000000000000000000000", 900);
	nd_routers_on_ra(&f.nr, R2, &ra, 2000);
	assert_int_equal(f.nr.stats.n_dns_dropped, 2);
	assert_int_equal(nd_routers_dns(&f.nr, &n)[0].until_ms, 902000);
}

/* stop(): every src route, router and DNS entry reported removed, then IDLE; start works again. */
static void test_stop(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	uint8_t pkt[256];
	size_t n;
	fx_init(&f);
	nd_routers_stop(&f.nr, 0); /* stop in IDLE: nothing */
	assert_int_equal(f.rec.n_ev, 0);
	fx_start(&f);
	n = cap_variant(pkt, sizeof(pkt), NULL, -1, -1);
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, n, 1000), ND_E_OK);
	ra_init(&ra, 900);
	ra_pio(&ra, P2, 64, 3600, 1800);
	ra_pio(&ra, P3, 64, 3600, 1800);
	nd_routers_on_ra(&f.nr, R2, &ra, 1000);
	fx_clear(&f);
	nd_routers_stop(&f.nr, 2000);
	assert_int_equal(count(&f, EV_SRC_RM), 3);
	find2(&f, EV_SRC_RM, P1, R1);
	find2(&f, EV_SRC_RM, P2, R2);
	find2(&f, EV_SRC_RM, P3, R2);
	assert_int_equal(count(&f, EV_RTR_RM), 2);
	assert_int_equal(count(&f, EV_RT_RM), 1); /* the capture's RFC 4191 route */
	assert_int_equal(count(&f, EV_DNS), 1);
	assert_int_equal(count(&f, EV_SRC) + count(&f, EV_RTR) + count(&f, EV_RS) +
		count(&f, EV_RT), 0);
	/* Every route of a router goes before the router. */
	for (int i = 0; i < f.rec.n_ev; i++)
		if (f.rec.ev[i].kind == EV_SRC_RM)
			for (int j = 0; j < i; j++)
				assert_false(f.rec.ev[j].kind == EV_RTR_RM &&
					memcmp(f.rec.ev[j].a, f.rec.ev[i].b, 16) == 0);
	assert_int_equal(f.nr.state, ND_ROUTERS_IDLE);
	assert_int_equal(nd_routers_next_deadline(&f.nr), V6L_NEVER);
	nd_routers_dns(&f.nr, &n);
	assert_int_equal(n, 0);
	/* Events in IDLE are ignored. */
	fx_clear(&f);
	nd_routers_on_ra(&f.nr, R2, &ra, 3000);
	nd_routers_on_timer(&f.nr, 10000000);
	assert_int_equal(f.rec.n_ev, 0);
	/* Start again: a fresh run with flags reported anew. */
	fx_start(&f);
	nd_routers_on_ra(&f.nr, R2, &ra, 20000);
	assert_int_equal(count(&f, EV_RTR), 1);
	assert_int_equal(count(&f, EV_SRC), 2);
	assert_int_equal(count(&f, EV_FLAGS), 1);
}

/* RFC 4861 §6.1.2: an RA whose source is not link-local is ignored (also through on_packet,
 * where the codec rejects it). */
static void test_not_link_local(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	uint8_t src[16], pkt[256];
	fx_init(&f);
	fx_start(&f);
	addr("20010db8000000000000000000000001", src);
	ra_init(&ra, 1800);
	ra_pio(&ra, P1, 64, 600, 600);
	ra_rdnss(&ra, "20010db8000000000000000000000053", 600);
	nd_routers_on_ra(&f.nr, src, &ra, 1000);
	assert_int_equal(f.rec.n_ev, 0);
	assert_int_equal(f.nr.stats.rx_not_link_local, 1);
	assert_int_equal(f.nr.state, ND_ROUTERS_SOLICIT);
	size_t n = cap_variant(pkt, sizeof(pkt), src, -1, -1);
	assert_int_equal(nd_routers_on_packet(&f.nr, pkt, n, 1000), ND_E_SRC);
	assert_int_equal(f.rec.n_ev, 0);
	assert_int_equal(f.nr.stats.rx_ra, 0);
}

/* RFC 4191 §3.1: each RIO route via the router that announced it, with its preference and
 * lifetime; refreshes within the slack are not news, a preference or expiry change is; lifetime
 * 0 removes; ::/0, link-local, multicast and reserved-preference routes are ignored; routes do
 * not depend on the default router list. */
static void test_rio(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	uint8_t a[16], b[16], c[16];
	fx_init(&f);
	fx_start(&f);
	addr("20010db8007700000000000000000000", a);
	addr("20010db8007800000000000000000000", b);
	addr("20010db8007900000000000000000000", c);
	ra_init(&ra, 1800);
	ra_rio(&ra, "20010db8007700000000000000000000", 48, 30, ND_PRF_HIGH);
	ra_rio(&ra, "20010db8007800000000000000000000", 56, ND_LIFETIME_INF, ND_PRF_MEDIUM);
	ra_rio(&ra, "00000000000000000000000000000000", 0, 600, ND_PRF_HIGH);
	ra_rio(&ra, "fe800000000000000000000000000000", 64, 600, ND_PRF_HIGH);
	ra_rio(&ra, "ff000000000000000000000000000000", 8, 600, ND_PRF_HIGH);
	ra_rio(&ra, "20010db8007a00000000000000000000", 48, 600, ND_PRF_RESERVED);
	nd_routers_on_ra(&f.nr, R1, &ra, 1000);
	assert_int_equal(count(&f, EV_RT), 2);
	const struct ev *e = find2(&f, EV_RT, a, R1);
	assert_int_equal(e->plen, 48);
	assert_int_equal(e->v, 30);
	assert_int_equal(e->prf, ND_PRF_HIGH);
	e = find2(&f, EV_RT, b, R1);
	assert_int_equal(e->plen, 56);
	assert_int_equal(e->v, ND_LIFETIME_INF);
	assert_int_equal(e->prf, ND_PRF_MEDIUM);
	size_t n;
	const struct nd_routers_route *rl = nd_routers_routes(&f.nr, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(rl[0].router, R1, 16);
	assert_int_equal(nd_routers_next_deadline(&f.nr), 31000);
	/* The same RA 0.5 s later: nothing new. */
	fx_clear(&f);
	nd_routers_on_ra(&f.nr, R1, &ra, 1500);
	assert_int_equal(f.rec.n_ev, 0);
	/* Preference high -> low: one update with the new preference. */
	ra.routes[0].prf = ND_PRF_LOW;
	nd_routers_on_ra(&f.nr, R1, &ra, 1600);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(find2(&f, EV_RT, a, R1)->prf, ND_PRF_LOW);
	/* A longer lifetime moves the expiry: reported. */
	fx_clear(&f);
	ra.routes[0].lifetime_s = 300;
	nd_routers_on_ra(&f.nr, R1, &ra, 1700);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(find2(&f, EV_RT, a, R1)->v, 300);
	/* Lifetime 0: removed, once. */
	fx_clear(&f);
	ra.routes[0].lifetime_s = 0;
	nd_routers_on_ra(&f.nr, R1, &ra, 2000);
	assert_int_equal(f.rec.n_ev, 1);
	assert_int_equal(find2(&f, EV_RT_RM, a, R1)->plen, 48);
	nd_routers_on_ra(&f.nr, R1, &ra, 2100);
	assert_int_equal(count(&f, EV_RT_RM), 1);
	/* A router that is not a default router (lifetime 0) still routes its prefixes; bits past
	 * the prefix length are cleared. */
	fx_clear(&f);
	ra_init(&ra, 0);
	ra_rio(&ra, "20010db80079ffff0000000000000001", 32, 20, ND_PRF_MEDIUM);
	addr("20010db8000000000000000000000000", c);
	nd_routers_on_ra(&f.nr, R2, &ra, 3000);
	assert_int_equal(count(&f, EV_RTR), 0);
	assert_int_equal(find2(&f, EV_RT, c, R2)->plen, 32);
	/* R1 stops being a default router: its routes stay. */
	fx_clear(&f);
	ra_init(&ra, 0);
	nd_routers_on_ra(&f.nr, R1, &ra, 4000);
	find2(&f, EV_RTR_RM, R1, NULL);
	assert_int_equal(count(&f, EV_RT_RM), 0);
	nd_routers_routes(&f.nr, &n);
	assert_int_equal(n, 2);
	/* R2's route expires 20 s after its RA. */
	fx_clear(&f);
	assert_int_equal(nd_routers_next_deadline(&f.nr) <= 23000, 1);
	nd_routers_on_timer(&f.nr, 22999);
	assert_int_equal(count(&f, EV_RT_RM), 0);
	nd_routers_on_timer(&f.nr, 23000);
	assert_int_equal(count(&f, EV_RT_RM), 1);
	find2(&f, EV_RT_RM, c, R2);
	/* Stop removes the rest. */
	fx_clear(&f);
	nd_routers_stop(&f.nr, 30000);
	assert_int_equal(count(&f, EV_RT_RM), 1);
	find2(&f, EV_RT_RM, b, R1);
	nd_routers_routes(&f.nr, &n);
	assert_int_equal(n, 0);
}

/* ND_ROUTERS_MAX_ROUTES routes at most: the excess is counted and dropped. */
static void test_rio_capacity(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	size_t n;
	fx_init(&f);
	fx_start(&f);
	for (int k = 0; k < 3; k++) {
		ra_init(&ra, 600);
		for (int i = 0; i < 6; i++) {
			char h[40];
			snprintf(h, sizeof(h), "20010db800%02x00000000000000000000", k * 6 + i);
			ra_rio(&ra, h, 48, 600, ND_PRF_MEDIUM);
		}
		nd_routers_on_ra(&f.nr, R1, &ra, 1000);
	}
	assert_int_equal(count(&f, EV_RT), ND_ROUTERS_MAX_ROUTES);
	assert_int_equal(f.nr.stats.n_routes_dropped, 18 - ND_ROUTERS_MAX_ROUTES);
	nd_routers_routes(&f.nr, &n);
	assert_int_equal(n, ND_ROUTERS_MAX_ROUTES);
}

/* The sources an RFC 4191 route applies to: the prefixes its router numbers as a default router
 * (thc-ipv6's fake_router6: PIO 2001:db8:bad::/64 and RIOs 2000::/3, fc00::/7 only steer
 * 2001:db8:bad::/64, not the sources of the legitimate router); every source (0) for a router
 * that numbers none or is not a default router; they follow the PIOs as they come and go. */
static void test_rio_sources(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	struct nd_routers_src v[ND_ROUTERS_MAX_PREFIXES];
	uint8_t bad[16];
	fx_init(&f);
	fx_start(&f);
	addr("20010db80bad00000000000000000000", bad);
	ra_init(&ra, 1800);
	ra.prf = ND_PRF_HIGH;
	ra_pio(&ra, bad, 64, 2592000, 604800);
	ra_rio(&ra, "20000000000000000000000000000000", 3, 4369, ND_PRF_HIGH);
	ra_rio(&ra, "fc000000000000000000000000000000", 7, 4369, ND_PRF_HIGH);
	nd_routers_on_ra(&f.nr, R2, &ra, 1000);
	assert_int_equal(nd_routers_route_sources(&f.nr, R2, v, ND_ROUTERS_MAX_PREFIXES), 1);
	assert_memory_equal(v[0].prefix, bad, 16);
	assert_int_equal(v[0].plen, 64);
	/* cap bounds what is written */
	assert_int_equal(nd_routers_route_sources(&f.nr, R2, v, 0), 0);
	/* A router that announced nothing, and one that is no default router: every source. */
	assert_int_equal(nd_routers_route_sources(&f.nr, R1, v, ND_ROUTERS_MAX_PREFIXES), 0);
	ra_init(&ra, 0);
	ra_pio(&ra, P1, 64, 3600, 1800);
	ra_rio(&ra, "20010db8007700000000000000000000", 48, 600, ND_PRF_MEDIUM);
	nd_routers_on_ra(&f.nr, R1, &ra, 1000);
	assert_int_equal(nd_routers_route_sources(&f.nr, R1, v, ND_ROUTERS_MAX_PREFIXES), 0);
	/* R2 numbers a second prefix: both; its first one withdrawn (valid 0 is kept as 2 h by
	 * RFC 4862 §5.5.3 e, so let the router go instead): none left with the router. */
	ra_init(&ra, 1800);
	ra_pio(&ra, bad, 64, 2592000, 604800);
	ra_pio(&ra, P2, 64, 3600, 1800);
	nd_routers_on_ra(&f.nr, R2, &ra, 2000);
	assert_int_equal(nd_routers_route_sources(&f.nr, R2, v, ND_ROUTERS_MAX_PREFIXES), 2);
	ra_init(&ra, 0);
	nd_routers_on_ra(&f.nr, R2, &ra, 3000);
	assert_int_equal(nd_routers_route_sources(&f.nr, R2, v, ND_ROUTERS_MAX_PREFIXES), 0);
	size_t n;
	nd_routers_routes(&f.nr, &n);
	assert_int_equal(n, 3); /* its routes live on (RFC 4191), now for every source */
}

/* RFC 8781: NAT64 prefixes kept per announcing router with their lifetimes, shown distinct. */
static void test_pref64(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	struct nd_ra_pref64 v[ND_ROUTERS_MAX_PREF64];
	uint8_t a[16];
	fx_init(&f);
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pref64(&ra, "0064ff9b000000000000000000000000", 96, 600);
	nd_routers_on_ra(&f.nr, R1, &ra, 0);
	ra_init(&ra, 0);
	ra_pref64(&ra, "0064ff9b000000000000000000000000", 96, 1200);
	ra_pref64(&ra, "20010db8006400000000000000000000", 64, 300);
	nd_routers_on_ra(&f.nr, R2, &ra, 0);
	assert_int_equal(f.rec.n_ev, 2); /* router R1 and M/O: PREF64 is read, not reported */
	size_t n = nd_routers_pref64(&f.nr, v, ND_ROUTERS_MAX_PREF64);
	assert_int_equal(n, 2);
	addr("0064ff9b000000000000000000000000", a);
	assert_memory_equal(v[0].prefix, a, 16);
	assert_int_equal(v[0].plen, 96);
	assert_int_equal(v[0].until_ms, 1200000); /* the later announcement */
	assert_int_equal(v[1].plen, 64);
	assert_int_equal(nd_routers_pref64(&f.nr, v, 1), 1);
	/* R2 withdraws 64:ff9b::/96: R1's announcement stays until its own lifetime ends. */
	ra.pref64[0].lifetime_s = 0;
	nd_routers_on_ra(&f.nr, R2, &ra, 1000);
	n = nd_routers_pref64(&f.nr, v, ND_ROUTERS_MAX_PREF64);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].until_ms, 600000);
	assert_int_equal(nd_routers_next_deadline(&f.nr), 301000);
	nd_routers_on_timer(&f.nr, 301000);
	assert_int_equal(nd_routers_pref64(&f.nr, v, ND_ROUTERS_MAX_PREF64), 1);
	nd_routers_on_timer(&f.nr, 600000);
	assert_int_equal(nd_routers_pref64(&f.nr, v, ND_ROUTERS_MAX_PREF64), 0);
	/* Capacity: the fifth (prefix, router) pair is dropped and counted. */
	ra_init(&ra, 0);
	for (int i = 0; i < 2; i++) {
		char h[40];
		snprintf(h, sizeof(h), "20010db800%02x00000000000000000000", i);
		ra_pref64(&ra, h, 96, 600);
	}
	nd_routers_on_ra(&f.nr, R1, &ra, 700000);
	nd_routers_on_ra(&f.nr, R2, &ra, 700000);
	ra.pref64[0].prefix[5] = 9;
	nd_routers_on_ra(&f.nr, R2, &ra, 700000);
	assert_int_equal(f.nr.stats.n_pref64_dropped, 1);
	assert_int_equal(nd_routers_pref64(&f.nr, v, ND_ROUTERS_MAX_PREF64), 2);
	nd_routers_stop(&f.nr, 800000);
	assert_int_equal(nd_routers_pref64(&f.nr, v, ND_ROUTERS_MAX_PREF64), 0);
}

/* prefixes_changed: once per event in which a prefix of a default router appeared, went, changed
 * L/A or moved a lifetime beyond the slack; not for repeats or lifetimes counting down. */
static void test_prefixes_changed(void **st)
{
	(void)st;
	static struct fx f;
	struct nd_ra_msg ra;
	fx_init(&f);
	f.rec.want_pfx = true;
	fx_start(&f);
	ra_init(&ra, 1800);
	ra_pio(&ra, P1, 64, 600, 300);
	ra_pio(&ra, P2, 56, 600, 300);
	nd_routers_on_ra(&f.nr, R1, &ra, 1000);
	assert_int_equal(count(&f, EV_PFX), 1);
	size_t n;
	const struct nd_routers_router *rl = nd_routers_list(&f.nr, &n);
	assert_int_equal(rl[0].n_prefixes, 2);
	assert_int_equal(rl[0].prefixes[1].plen, 56);
	/* Repeated, then counting down in real time: nothing. */
	fx_clear(&f);
	nd_routers_on_ra(&f.nr, R1, &ra, 1500);
	ra.prefixes[0].valid_s = ra.prefixes[1].valid_s = 500;
	ra.prefixes[0].preferred_s = ra.prefixes[1].preferred_s = 200;
	nd_routers_on_ra(&f.nr, R1, &ra, 101000);
	assert_int_equal(count(&f, EV_PFX), 0);
	/* The A flag of the /56 goes: once. */
	ra.prefixes[1].is_auto = false;
	nd_routers_on_ra(&f.nr, R1, &ra, 101000);
	assert_int_equal(count(&f, EV_PFX), 1);
	/* Preferred lifetime 0 (deprecated): once. */
	fx_clear(&f);
	ra.prefixes[1].preferred_s = 0;
	nd_routers_on_ra(&f.nr, R1, &ra, 101000);
	assert_int_equal(count(&f, EV_PFX), 1);
	/* Withdrawn (valid 0): once. */
	fx_clear(&f);
	ra.prefixes[1].valid_s = 0;
	nd_routers_on_ra(&f.nr, R1, &ra, 102000);
	assert_int_equal(count(&f, EV_PFX), 1);
	nd_routers_list(&f.nr, &n);
	assert_int_equal(f.nr.routers[0].n_prefixes, 1);
	/* Expiry of the /64 by the timer: once. */
	fx_clear(&f);
	nd_routers_on_timer(&f.nr, 602000);
	assert_int_equal(count(&f, EV_PFX), 1);
	assert_int_equal(f.nr.routers[0].n_prefixes, 0);
	/* The router goes with a prefix: once; a stop with nothing left: none. */
	ra_init(&ra, 1800);
	ra_pio(&ra, P2, 56, 600, 300);
	nd_routers_on_ra(&f.nr, R1, &ra, 700000);
	fx_clear(&f);
	ra.router_lifetime_s = 0;
	nd_routers_on_ra(&f.nr, R1, &ra, 701000);
	assert_int_equal(count(&f, EV_PFX), 1);
	fx_clear(&f);
	nd_routers_stop(&f.nr, 702000);
	assert_int_equal(count(&f, EV_PFX), 0);
	/* A stop with prefixes: once. */
	fx_start(&f);
	ra.router_lifetime_s = 1800;
	nd_routers_on_ra(&f.nr, R1, &ra, 800000);
	fx_clear(&f);
	nd_routers_stop(&f.nr, 801000);
	assert_int_equal(count(&f, EV_PFX), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rs_schedule),
		cmocka_unit_test(test_rs_none),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_two_prefixes),
		cmocka_unit_test(test_two_routers),
		cmocka_unit_test(test_router_lifetime_zero),
		cmocka_unit_test(test_prefix_withdraw),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_dns_union),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_not_link_local),
		cmocka_unit_test(test_rio),
		cmocka_unit_test(test_rio_capacity),
		cmocka_unit_test(test_rio_sources),
		cmocka_unit_test(test_pref64),
		cmocka_unit_test(test_prefixes_changed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
