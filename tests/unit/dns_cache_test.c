/* DNS cache: caching TTL rules (min TTL, RFC 2308 negative TTL from SOA, caps, not cached cases)
 * on real dnsmasq 2.90 answers, hits with the asker's ID and case and aged TTLs, the DO bit in
 * the key, expiry with a fake clock, LRU eviction by entries and by bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns_cache.h"
#include "dns/dns_codec.h"
#include "test_util.h"

/* dnsmasq 2.90 answers to dig 9.18 (capture set-up in dns_codec_test.c). */
static const char r_www[] = "8930 8180 0001 0002 0000 0001 03777777 076578616d706c65 00 001c 0001"
	"c00c 0005 0001 00000258 0010 0676366f6e6c79 076578616d706c65 00"
	"c029 001c 0001 00000258 0010 20010db8000000000000000000000001"
	"00 0029 04d0 00000000 0000";
static const char r_nodata[] = "5382 8180 0001 0000 0000 0000 0676366f6e6c79 076578616d706c65 00"
	"0001 0001";
static const char r_ptr[] = "adce 8580 0001 0001 0000 0000 023130 0132 0130 03313932"
	"07696e2d61646472 0461727061 00 000c 0001 c00c 000c 0001 00000000 000e 046475616c"
	"076578616d706c65 00";
static const char r_nx_soa[] = "19e6 8503 0001 0000 0001 0001 066e6f73756368 076578616d706c65 00"
	"0001 0001 076578616d706c65 00 0006 0001 00000258 0034 026e73 076578616d706c65 00"
	"0a686f73746d6173746572 076578616d706c65 00 00000001 000004b0 00000078 00093a80 00000258"
	"00 0029 04d0 00008000 0000";

static const uint8_t key[16] = { 1, 2, 3 };
static struct dns_cache cache;
static struct dns_msg m, q, r;
static uint8_t buf[8192], qbuf[512], out[8192];

static size_t load(const char *h, uint8_t *b, struct dns_msg *msg)
{
	int n = test_hex(h, b, 8192);
	assert_true(n > 0);
	assert_int_equal(dns_parse(b, (size_t)n, msg), DNS_E_OK);
	return (size_t)n;
}

static void mkquery(const char *name, uint16_t type, uint16_t id, bool is_do)
{
	struct dns_name qn;
	assert_true(dns_name_from_text(name, &qn));
	int n = dns_build_query(id, &qn, type, true, true, is_do, qbuf, sizeof(qbuf));
	assert_int_equal(dns_parse(qbuf, (size_t)n, &q), DNS_E_OK);
}

/* A NOERROR answer with one TXT record of rdlen octets (TTL 300) for name. */
static size_t txt_answer(const char *name, size_t rdlen, uint8_t *b)
{
	struct dns_name qn;
	assert_true(dns_name_from_text(name, &qn));
	int n = dns_build_query(1, &qn, DNS_T_TXT, true, false, false, b, 8192);
	assert_true(n > 0);
	b[2] = 0x81, b[3] = 0x80, b[7] = 1;
	size_t o = (size_t)n;
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 1, 0x2c };
	memcpy(b + o, rr, sizeof(rr));
	o += sizeof(rr);
	b[o++] = (uint8_t)(rdlen >> 8);
	b[o++] = (uint8_t)rdlen;
	memset(b + o, 'x', rdlen);
	return o + rdlen;
}

static void test_ttl_rules(void **state)
{
	(void)state;
	load(r_www, buf, &m);
	assert_int_equal(dns_cache_ttl(&m), 600);
	m.an[1].ttl = 30;
	assert_int_equal(dns_cache_ttl(&m), 30);
	m.an[1].ttl = 9999999;
	m.an[0].ttl = 9999999;
	assert_int_equal(dns_cache_ttl(&m), DNS_CACHE_MAX_TTL_S);
	load(r_nx_soa, buf, &m);
	assert_int_equal(dns_cache_ttl(&m), 600);
	m.ns[0].ttl = m.ns[0].rd.soa.minimum = 86400;
	assert_int_equal(dns_cache_ttl(&m), DNS_CACHE_MAX_NEG_TTL_S);
	load(r_nodata, buf, &m);
	assert_int_equal(dns_cache_ttl(&m), 0); /* negative without SOA (RFC 2308 §5) */
	load(r_ptr, buf, &m);
	assert_int_equal(dns_cache_ttl(&m), 0); /* TTL 0 */
	load(r_www, buf, &m);
	m.is_tc = true;
	assert_int_equal(dns_cache_ttl(&m), 0);
	load(r_www, buf, &m);
	m.rcode = DNS_RCODE_SERVFAIL;
	assert_int_equal(dns_cache_ttl(&m), 0);
	load(r_www, buf, &m);
	m.is_response = false;
	assert_int_equal(dns_cache_ttl(&m), 0);
	load(r_www, buf, &m);
	m.n_dropped = 1;
	assert_int_equal(dns_cache_ttl(&m), 0);
}

static void test_hit_ages_and_rewrites(void **state)
{
	(void)state;
	assert_false(dns_cache_init(&cache, 0, 65536, key));
	assert_false(dns_cache_init(&cache, 4, 100, key));
	assert_true(dns_cache_init(&cache, 16, 65536, key));
	size_t len = load(r_www, buf, &m);
	assert_true(dns_cache_put(&cache, false, &m, buf, len, 1000));
	mkquery("WWW.Example.", DNS_T_AAAA, 0x1234, false);
	int n = dns_cache_get(&cache, &q, 101500, out, sizeof(out));
	assert_int_equal(n, len);
	assert_int_equal(dns_parse(out, (size_t)n, &r), DNS_E_OK);
	assert_int_equal(r.id, 0x1234);
	assert_memory_equal(r.q[0].name.b, q.q[0].name.b, q.q[0].name.len);
	assert_int_equal(r.an[0].ttl, 500);
	assert_int_equal(r.an[1].ttl, 500);
	/* everything else as stored */
	assert_int_equal(r.n_an, 2);
	assert_true(dns_name_eq(&r.an[0].rd.target, &m.an[0].rd.target));
	assert_memory_equal(r.an[1].rd.aaaa, m.an[1].rd.aaaa, 16);
	assert_true(r.edns.is_present);
	assert_int_equal(out[2], buf[2]);
	assert_int_equal(cache.n_hits, 1);
	/* DO is part of the key; so are type and class */
	mkquery("www.example", DNS_T_AAAA, 1, true);
	assert_int_equal(dns_cache_get(&cache, &q, 2000, out, sizeof(out)), 0);
	mkquery("www.example", DNS_T_A, 1, false);
	assert_int_equal(dns_cache_get(&cache, &q, 2000, out, sizeof(out)), 0);
	/* too big for the client's buffer */
	mkquery("www.example", DNS_T_AAAA, 1, false);
	assert_int_equal(dns_cache_get(&cache, &q, 2000, out, len - 1), -1);
	/* expired at stored + 600 s, and dropped */
	assert_int_equal(dns_cache_get(&cache, &q, 600999, out, sizeof(out)), (int)len);
	assert_int_equal(dns_cache_get(&cache, &q, 601000, out, sizeof(out)), 0);
	assert_int_equal(cache.n_used, 0);
	assert_int_equal(cache.n_bytes, 0);
	/* negative answers are served too; uncacheable ones are refused */
	len = load(r_nx_soa, buf, &m);
	assert_true(dns_cache_put(&cache, true, &m, buf, len, 0));
	mkquery("nosuch.example", DNS_T_A, 7, true);
	n = dns_cache_get(&cache, &q, 10000, out, sizeof(out));
	assert_int_equal(dns_parse(out, (size_t)n, &r), DNS_E_OK);
	assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(r.ns[0].ttl, 590);
	len = load(r_nodata, buf, &m);
	assert_false(dns_cache_put(&cache, false, &m, buf, len, 0));
	/* same key again replaces */
	len = load(r_nx_soa, buf, &m);
	assert_true(dns_cache_put(&cache, true, &m, buf, len, 5000));
	assert_int_equal(cache.n_used, 1);
	dns_cache_flush(&cache);
	assert_int_equal(dns_cache_get(&cache, &q, 10000, out, sizeof(out)), 0);
	dns_cache_free(&cache);
}

static void test_lru_entries(void **state)
{
	(void)state;
	assert_true(dns_cache_init(&cache, 2, 65536, key));
	static const char *const names[] = { "a.example", "b.example", "c.example" };
	size_t len = txt_answer(names[0], 10, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_true(dns_cache_put(&cache, false, &m, buf, len, 0));
	len = txt_answer(names[1], 10, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_true(dns_cache_put(&cache, false, &m, buf, len, 0));
	mkquery(names[0], DNS_T_TXT, 1, false);
	assert_true(dns_cache_get(&cache, &q, 1, out, sizeof(out)) > 0); /* a is now recent */
	len = txt_answer(names[2], 10, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_true(dns_cache_put(&cache, false, &m, buf, len, 2));
	assert_int_equal(cache.n_used, 2);
	mkquery(names[1], DNS_T_TXT, 1, false);
	assert_int_equal(dns_cache_get(&cache, &q, 3, out, sizeof(out)), 0);
	mkquery(names[0], DNS_T_TXT, 1, false);
	assert_true(dns_cache_get(&cache, &q, 3, out, sizeof(out)) > 0);
	mkquery(names[2], DNS_T_TXT, 1, false);
	assert_true(dns_cache_get(&cache, &q, 3, out, sizeof(out)) > 0);
	dns_cache_free(&cache);
}

static void test_lru_bytes(void **state)
{
	(void)state;
	assert_true(dns_cache_init(&cache, 100, 4096, key));
	char name[32];
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		size_t len = txt_answer(name, 1400, buf);
		assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
		assert_true(dns_cache_put(&cache, false, &m, buf, len, (uint64_t)i));
		assert_true(cache.n_bytes <= 4096);
		assert_int_equal(cache.n_used, i < 2 ? i + 1 : 2);
	}
	mkquery("n9.example", DNS_T_TXT, 1, false);
	assert_true(dns_cache_get(&cache, &q, 10, out, sizeof(out)) > 0);
	mkquery("n7.example", DNS_T_TXT, 1, false);
	assert_int_equal(dns_cache_get(&cache, &q, 10, out, sizeof(out)), 0);
	/* over DNS_CACHE_MSG_MAX: not cached */
	size_t len = txt_answer("big.example", 4100, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_false(dns_cache_put(&cache, false, &m, buf, len, 11));
	dns_cache_free(&cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_rules),
		cmocka_unit_test(test_hit_ages_and_rewrites),
		cmocka_unit_test(test_lru_entries),
		cmocka_unit_test(test_lru_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
