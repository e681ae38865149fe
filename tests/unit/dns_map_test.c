/* DNS mapping table and A synthesis: allocation (never network, broadcast or router address),
 * refresh, LRU reuse under exhaustion with live flows protected, expiry with a fake clock, v4/v6
 * lookups for NAT46 and PTR, hash-table churn; the synthesis decision table on real dnsmasq 2.90
 * replies, CNAME chains and the synthesized A and PTR answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/rng.h"
#include "dns/dns_codec.h"
#include "dns/dns_map.h"
#include "dns/dns_synth.h"
#include "test_util.h"

static struct dns_map map;
static struct dns_name nm;

static void v6_of(unsigned i, uint8_t v6[16])
{
	static const uint8_t base[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(v6, base, 16);
	v6[12] = (uint8_t)(i >> 24);
	v6[13] = (uint8_t)(i >> 16);
	v6[14] = (uint8_t)(i >> 8);
	v6[15] = (uint8_t)i;
}

/* 192.0.2.0/29 with router 192.0.2.3: usable .1 .2 .4 .5 .6. */
static void small_map(uint32_t capacity)
{
	struct dns_map_cfg c;
	dns_map_cfg_default(&c);
	static const uint8_t pool[4] = { 192, 0, 2, 0 }, rt[4] = { 192, 0, 2, 3 };
	memcpy(c.pool, pool, 4);
	c.pool_len = 29;
	c.capacity = capacity;
	c.mapping_ttl_s = 60;
	c.live_s = 10;
	c.has_router_addr = true;
	memcpy(c.router_addr, rt, 4);
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_OK);
	assert_true(dns_name_from_text("host.example", &nm));
}

static uint8_t add(unsigned i, uint32_t ttl, uint64_t now)
{
	uint8_t v6[16], v4[4];
	v6_of(i, v6);
	assert_int_equal(dns_map_lookup_or_add(&map, v6, &nm, ttl, now, v4), DNS_MAP_OK);
	assert_int_equal(v4[0], 192);
	return v4[3];
}

static void test_cfg(void **state)
{
	(void)state;
	struct dns_map_cfg c;
	dns_map_cfg_default(&c);
	static const uint8_t def[4] = { 198, 18, 0, 0 };
	assert_memory_equal(c.pool, def, 4);
	assert_int_equal(c.pool_len, 15);
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_OK);
	uint8_t v6[16], v4[4];
	v6_of(1, v6);
	assert_true(dns_name_from_text("a.example", &nm));
	assert_int_equal(dns_map_lookup_or_add(&map, v6, &nm, 5, 0, v4), DNS_MAP_OK);
	static const uint8_t first[4] = { 198, 18, 0, 1 };
	assert_memory_equal(v4, first, 4);
	assert_true(dns_map_in_pool(&map, v4));
	static const uint8_t out1[4] = { 198, 20, 0, 1 }, out2[4] = { 198, 17, 255, 255 };
	assert_false(dns_map_in_pool(&map, out1));
	assert_false(dns_map_in_pool(&map, out2));
	dns_map_free(&map);
	c.pool[3] = 4; /* not aligned to /15 */
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_E_CFG);
	c.pool[3] = 0;
	c.pool_len = 31;
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_E_CFG);
	c.pool_len = 15;
	c.capacity = 0;
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_E_CFG);
	c.capacity = 131071; /* usable is 131070 */
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_E_CFG);
	/* /29 with the router inside: 5 usable */
	c.pool[0] = 192, c.pool[1] = 0, c.pool[2] = 2;
	c.pool_len = 29;
	c.capacity = 6;
	c.has_router_addr = true;
	memcpy(c.router_addr, (const uint8_t[4]){ 192, 0, 2, 3 }, 4);
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_E_CFG);
	c.has_router_addr = false;
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_OK);
	dns_map_free(&map);
}

static void test_allocation_skips_reserved(void **state)
{
	(void)state;
	small_map(5);
	static const uint8_t want[5] = { 1, 2, 4, 5, 6 };
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(add(i, 5, 1000), want[i]);
	/* the same v6 gets the same address; by_v4/by_v6 agree */
	assert_int_equal(add(2, 5, 2000), 4);
	uint8_t v6[16];
	v6_of(2, v6);
	const struct dns_map_entry *e = dns_map_by_v4(&map, (const uint8_t[4]){ 192, 0, 2, 4 }, 2000);
	assert_non_null(e);
	assert_memory_equal(e->v6, v6, 16);
	assert_true(dns_name_eq(&e->name, &nm));
	assert_ptr_equal(dns_map_by_v6(&map, v6, 2000), e);
	assert_null(dns_map_by_v4(&map, (const uint8_t[4]){ 192, 0, 2, 3 }, 2000));
	assert_null(dns_map_by_v4(&map, (const uint8_t[4]){ 10, 0, 2, 4 }, 2000));
	/* a new name for the same AAAA replaces the PTR name */
	struct dns_name other;
	assert_true(dns_name_from_text("alias.example", &other));
	uint8_t v4[4];
	assert_int_equal(dns_map_lookup_or_add(&map, v6, &other, 5, 3000, v4), DNS_MAP_OK);
	assert_true(dns_name_eq(&dns_map_by_v6(&map, v6, 3000)->name, &other));
	dns_map_free(&map);
}

static void test_lru_reuse_protects_live(void **state)
{
	(void)state;
	small_map(5);
	for (unsigned i = 0; i < 5; i++)
		add(i, 5, 1000 + i);
	/* flows on .1 and .2 (the two oldest): live for 10 s */
	assert_true(dns_map_touch(&map, (const uint8_t[4]){ 192, 0, 2, 1 }, 2000));
	assert_true(dns_map_touch(&map, (const uint8_t[4]){ 192, 0, 2, 2 }, 2000));
	assert_false(dns_map_touch(&map, (const uint8_t[4]){ 192, 0, 2, 3 }, 2000));
	/* full: the LRU without a live flow is .4 (v6 #2), then .5, then .6 */
	assert_int_equal(add(100, 5, 3000), 4);
	assert_int_equal(map.n_reused, 1);
	uint8_t v6[16];
	v6_of(2, v6);
	assert_null(dns_map_by_v6(&map, v6, 3000));
	assert_int_equal(add(101, 5, 3001), 5);
	assert_int_equal(add(102, 5, 3002), 6);
	/* now .4 .5 .6 are the new ones (no flow); a lookup refreshes .4 so .5 goes next */
	assert_int_equal(add(100, 5, 3003), 4);
	assert_int_equal(add(103, 5, 3004), 5);
	/* every flow live: full */
	for (unsigned k = 1; k <= 6; k++)
		if (k != 3)
			assert_true(dns_map_touch(&map, (const uint8_t[4]){ 192, 0, 2, (uint8_t)k },
				4000));
	uint8_t v4[4];
	v6_of(200, v6);
	assert_int_equal(dns_map_lookup_or_add(&map, v6, &nm, 5, 4000, v4), DNS_MAP_E_FULL);
	/* 10 s later the flows are idle again */
	assert_int_equal(dns_map_lookup_or_add(&map, v6, &nm, 5, 14000, v4), DNS_MAP_OK);
	dns_map_free(&map);
}

static void test_expiry(void **state)
{
	(void)state;
	small_map(5);
	/* lifetime max(5 * 4, 60) = 60 s */
	assert_int_equal(add(0, 5, 1000), 1);
	const uint8_t a1[4] = { 192, 0, 2, 1 };
	assert_non_null(dns_map_by_v4(&map, a1, 60999));
	assert_null(dns_map_by_v4(&map, a1, 61000));
	assert_false(dns_map_touch(&map, a1, 61000));
	/* revived with its old address when asked again */
	assert_int_equal(add(0, 5, 70000), 1);
	/* a long DNS TTL: 4 * 100 s */
	assert_int_equal(add(1, 100, 0), 2);
	assert_non_null(dns_map_by_v4(&map, (const uint8_t[4]){ 192, 0, 2, 2 }, 399999));
	assert_null(dns_map_by_v4(&map, (const uint8_t[4]){ 192, 0, 2, 2 }, 400000));
	/* traffic keeps a mapping: touch extends to now + 60 s */
	assert_true(dns_map_touch(&map, a1, 120000));
	assert_non_null(dns_map_by_v4(&map, a1, 179999));
	assert_int_equal(dns_map_expire(&map, 180000), 1);
	assert_int_equal(dns_map_expire(&map, 400000), 1);
	assert_int_equal(map.n_used, 0);
	assert_null(dns_map_by_v4(&map, a1, 400000));
	/* next-fit: a new mapping does not reuse the just-freed .1 and .2 */
	assert_int_equal(add(5, 5, 400000), 4);
	dns_map_free(&map);
}

static void test_expired_victim_first(void **state)
{
	(void)state;
	small_map(5);
	add(0, 5, 0);           /* .1, LRU tail, expires at 60 s */
	add(1, 1000, 1);        /* .2, expires at 4001 s */
	add(2, 5, 50000);       /* .4, expires at 110 s */
	add(3, 5, 50001);
	add(4, 5, 50002);
	/* at 100 s: .1 expired (reused first); then the LRU non-live .2 */
	assert_int_equal(add(10, 5, 100000), 1);
	assert_int_equal(add(11, 5, 100001), 2);
	dns_map_free(&map);
}

/* Churn through a bigger table: inserts, expiries and reuse keep both maps consistent. */
static void test_churn(void **state)
{
	(void)state;
	struct dns_map_cfg c;
	dns_map_cfg_default(&c);
	c.capacity = 1000;
	c.mapping_ttl_s = 10;
	struct v6l_rng rng;
	rng_init_seed(&rng, 5);
	rng_bytes(&rng, c.hash_key, 16);
	assert_int_equal(dns_map_init(&map, &c), DNS_MAP_OK);
	assert_true(dns_name_from_text("x.example", &nm));
	uint64_t now = 0;
	for (unsigned round = 0; round < 20000; round++) {
		uint8_t v6[16], v4[4];
		v6_of(rng_below(&rng, 3000), v6);
		now += rng_below(&rng, 20);
		assert_int_equal(dns_map_lookup_or_add(&map, v6, &nm, 1, now, v4), DNS_MAP_OK);
		const struct dns_map_entry *e = dns_map_by_v4(&map, v4, now);
		assert_non_null(e);
		assert_memory_equal(e->v6, v6, 16);
		assert_ptr_equal(dns_map_by_v6(&map, v6, now), e);
		assert_true(v4[3] != 255 || v4[2] != 255 || v4[1] != 19);
		assert_true(v4[3] != 0 || v4[2] != 0 || v4[1] != 18);
		if (round % 1000 == 0)
			dns_map_expire(&map, now);
	}
	for (uint32_t i = 0; i < c.capacity; i++) {
		const struct dns_map_entry *e = &map.e[i];
		if (!e->is_used)
			continue;
		assert_ptr_equal(dns_map_by_v4(&map, e->v4, 0), e);
		assert_ptr_equal(dns_map_by_v6(&map, e->v6, 0), e);
	}
	dns_map_free(&map);
}

/* ---- synthesis ---- */

/* dnsmasq 2.90 answers (see dns_codec_test.c for the capture set-up). */
static const char r_aaaa[] = "4fe0 8180 0001 0001 0000 0000 0676366f6e6c79 076578616d706c65 00"
	"001c 0001 c00c 001c 0001 00000258 0010 20010db8000000000000000000000001";
static const char r_nodata[] = "5382 8180 0001 0000 0000 0000 0676366f6e6c79 076578616d706c65 00"
	"0001 0001";
static const char r_nx[] = "a30e 8183 0001 0000 0000 0000 066e6f73756368 076578616d706c65 00"
	"0001 0001";
static const char r_a[] = "2cf8 8180 0001 0001 0000 0000 046475616c 076578616d706c65 00 0001 0001"
	"c00c 0001 0001 00000258 0004 c000020a";
static const char r_www[] = "8930 8180 0001 0002 0000 0001 03777777 076578616d706c65 00 001c 0001"
	"c00c 0005 0001 00000258 0010 0676366f6e6c79 076578616d706c65 00"
	"c029 001c 0001 00000258 0010 20010db8000000000000000000000001"
	"00 0029 04d0 00000000 0000";

static struct dns_msg ma, m6, q, r;
static uint8_t b1[512], b2[512], out[1024];

static void load(const char *h, uint8_t *b, struct dns_msg *m)
{
	int n = test_hex(h, b, 512);
	assert_true(n > 0);
	assert_int_equal(dns_parse(b, (size_t)n, m), DNS_E_OK);
}

static void test_synth_decision_table(void **state)
{
	(void)state;
	struct dns_synth s;
	load(r_aaaa, b2, &m6);
	load(r_nodata, b1, &ma);
	assert_int_equal(dns_synth_decide(&ma, &m6, true, 0, &s), DNS_SYNTH_SYNTHESIZE);
	assert_int_equal(s.why, DNS_SYNTH_WHY_NODATA);
	assert_int_equal(s.ttl_s, DNS_SYNTH_TTL_CAP_S);
	assert_int_equal(s.dns_ttl_s, 600);
	assert_int_equal(s.n_addr, 1);
	assert_int_equal(s.n_cname, 0);
	assert_int_equal(s.v6[0][15], 1);
	assert_true(dns_name_eq(&s.owner, &m6.q[0].name));
	assert_int_equal(dns_synth_decide(NULL, &m6, true, 0, &s), DNS_SYNTH_SYNTHESIZE);
	assert_int_equal(dns_synth_decide(&ma, &m6, false, 30, &s), DNS_SYNTH_SYNTHESIZE);
	assert_int_equal(s.ttl_s, 30);
	/* NXDOMAIN for A: the name does not exist */
	load(r_nx, b1, &ma);
	assert_int_equal(dns_synth_decide(&ma, &m6, false, 0, &s), DNS_SYNTH_PASS);
	assert_int_equal(s.why, DNS_SYNTH_WHY_NXDOMAIN);
	/* A records: pass with an IPv4 route, synthesize without */
	load(r_a, b1, &ma);
	assert_int_equal(dns_synth_decide(&ma, &m6, true, 0, &s), DNS_SYNTH_PASS);
	assert_int_equal(s.why, DNS_SYNTH_WHY_HAS_A);
	assert_int_equal(dns_synth_decide(&ma, &m6, false, 0, &s), DNS_SYNTH_SYNTHESIZE);
	assert_int_equal(s.why, DNS_SYNTH_WHY_NO_V4_ROUTE);
	/* SERVFAIL or TC on A: pass */
	load(r_nodata, b1, &ma);
	ma.rcode = DNS_RCODE_SERVFAIL;
	assert_int_equal(dns_synth_decide(&ma, &m6, false, 0, &s), DNS_SYNTH_PASS);
	assert_int_equal(s.why, DNS_SYNTH_WHY_A_ERROR);
	load(r_nodata, b1, &ma);
	ma.is_tc = true;
	assert_int_equal(dns_synth_decide(&ma, &m6, false, 0, &s), DNS_SYNTH_PASS);
	/* no AAAA: NULL, NODATA, or only unmappable addresses */
	load(r_nodata, b1, &ma);
	assert_int_equal(dns_synth_decide(&ma, NULL, false, 0, &s), DNS_SYNTH_PASS);
	assert_int_equal(s.why, DNS_SYNTH_WHY_NO_AAAA);
	assert_int_equal(dns_synth_decide(&ma, &ma, false, 0, &s), DNS_SYNTH_PASS);
	static const uint8_t bad[][16] = {
		{ 0xfe, 0x80, [15] = 1 },
		{ [10] = 0xff, [11] = 0xff, [12] = 192, [15] = 1 },
		{ [15] = 1 },
		{ 0xff, 0x02, [15] = 1 },
		{ 0xfd, 0x00, [15] = 1 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(m6.an[0].rd.aaaa, bad[i], 16);
		assert_int_equal(dns_synth_decide(&ma, &m6, false, 0, &s), DNS_SYNTH_PASS);
		assert_int_equal(s.why, DNS_SYNTH_WHY_NO_AAAA);
	}
	/* a short AAAA TTL is kept */
	load(r_aaaa, b2, &m6);
	m6.an[0].ttl = 3;
	assert_int_equal(dns_synth_decide(&ma, &m6, false, 0, &s), DNS_SYNTH_SYNTHESIZE);
	assert_int_equal(s.ttl_s, 3);
	/* an AAAA owned by another name than the question is not used */
	load(r_aaaa, b2, &m6);
	assert_true(dns_name_from_text("other.example", &m6.an[0].name));
	assert_int_equal(dns_synth_decide(&ma, &m6, false, 0, &s), DNS_SYNTH_PASS);
}

static void test_synth_cname_chain_build(void **state)
{
	(void)state;
	struct dns_synth s;
	struct dns_name qn;
	load(r_www, b2, &m6);
	assert_true(dns_name_from_text("WWW.example", &qn));
	int n = dns_build_query(0x4242, &qn, DNS_T_A, true, false, false, b1, sizeof(b1));
	assert_true(n > 0);
	assert_int_equal(dns_parse(b1, (size_t)n, &q), DNS_E_OK);
	assert_int_equal(dns_synth_decide(NULL, &m6, false, 0, &s), DNS_SYNTH_SYNTHESIZE);
	assert_int_equal(s.n_cname, 1);
	assert_int_equal(s.cname_idx[0], 0);
	struct dns_name v6only;
	assert_true(dns_name_from_text("v6only.example", &v6only));
	assert_true(dns_name_eq(&s.owner, &v6only));
	const uint8_t v4[1][4] = { { 198, 18, 0, 9 } };
	n = dns_synth_build_a(&q, &m6, &s, v4, 1, 512, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dns_parse(out, (size_t)n, &r), DNS_E_OK);
	assert_int_equal(r.id, 0x4242);
	assert_int_equal(r.rcode, 0);
	assert_true(r.is_response && r.is_ra && r.is_rd && !r.is_aa);
	assert_true(dns_name_eq(&r.q[0].name, &qn));
	assert_memory_equal(r.q[0].name.b, qn.b, qn.len); /* the asker's case */
	assert_int_equal(r.q[0].qtype, DNS_T_A);
	assert_int_equal(r.n_an, 2);
	assert_int_equal(r.an[0].type, DNS_T_CNAME);
	assert_int_equal(r.an[0].ttl, DNS_SYNTH_TTL_CAP_S);
	assert_true(dns_name_eq(&r.an[0].rd.target, &v6only));
	assert_int_equal(r.an[1].type, DNS_T_A);
	assert_true(dns_name_eq(&r.an[1].name, &v6only));
	assert_int_equal(r.an[1].ttl, DNS_SYNTH_TTL_CAP_S);
	assert_memory_equal(r.an[1].rd.a, v4[0], 4);
	/* a CNAME loop ends at DNS_SYNTH_MAX_CNAMES links with no AAAA: pass */
	m6.an[1].type = DNS_T_CNAME;
	m6.an[1].rd.target = m6.q[0].name;
	assert_int_equal(dns_synth_decide(NULL, &m6, false, 0, &s), DNS_SYNTH_PASS);
}

static void test_synth_ptr(void **state)
{
	(void)state;
	small_map(5);
	assert_int_equal(add(7, 5, 0), 1);
	struct dns_name qn;
	dns_name_make_ptr_v4((const uint8_t[4]){ 192, 0, 2, 1 }, &qn);
	int n = dns_build_query(9, &qn, DNS_T_PTR, true, true, false, b1, sizeof(b1));
	assert_int_equal(dns_parse(b1, (size_t)n, &q), DNS_E_OK);
	uint8_t v4[4];
	assert_true(dns_name_ptr_v4(&q.q[0].name, v4));
	const struct dns_map_entry *e = dns_map_by_v4(&map, v4, 1000);
	assert_non_null(e);
	n = dns_synth_build_ptr(&q, &e->name, DNS_SYNTH_TTL_CAP_S, dns_udp_limit(&q), out,
		sizeof(out));
	assert_int_equal(dns_parse(out, (size_t)n, &r), DNS_E_OK);
	assert_int_equal(r.n_an, 1);
	assert_int_equal(r.an[0].type, DNS_T_PTR);
	assert_true(dns_name_eq(&r.an[0].rd.target, &nm));
	assert_true(r.edns.is_present);
	/* an unmapped pool address: NXDOMAIN */
	n = dns_synth_build_ptr(&q, NULL, 5, 512, out, sizeof(out));
	assert_int_equal(dns_parse(out, (size_t)n, &r), DNS_E_OK);
	assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(r.n_an, 0);
	dns_map_free(&map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg),
		cmocka_unit_test(test_allocation_skips_reserved),
		cmocka_unit_test(test_lru_reuse_protects_live),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_expired_victim_first),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_synth_decision_table),
		cmocka_unit_test(test_synth_cname_chain_build),
		cmocka_unit_test(test_synth_ptr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
