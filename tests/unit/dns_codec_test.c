/* DNS codec: real dnsmasq 2.90 answers to dig 9.18 queries (every field, truncation at every
 * length), compression pointer loops and limits, label and OPT rules, the response builder
 * against golden bytes (one identical to dnsmasq's answer), truncation with TC at every size,
 * name text/PTR helpers and the raw relay helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns_codec.h"
#include "test_util.h"

/* Captured with dumpcap on lo of a network namespace: dnsmasq 2.90 --no-resolv --no-hosts
 * --host-record=v6only.example,2001:db8::1 --host-record=dual.example,192.0.2.10,2001:db8::10
 * --cname=www.example,v6only.example --local=/example/, asked by dig 9.18.49 (+noedns or
 * +edns=0 +nocookie). dig sets AD in its queries (flags 0x0120). */
/* dig +noedns v6only.example AAAA */
static const char q_aaaa[] = "4fe0 0120 0001 0000 0000 0000 0676366f6e6c79 076578616d706c65 00"
	"001c 0001";
/* ... and dnsmasq's answer: 2001:db8::1, TTL 600, owner compressed to the question (c00c). */
static const char r_aaaa[] = "4fe0 8180 0001 0001 0000 0000 0676366f6e6c79 076578616d706c65 00"
	"001c 0001 c00c 001c 0001 00000258 0010 20010db8000000000000000000000001";
/* dig +edns=0 +nocookie www.example AAAA: OPT udp 1232, no options. */
static const char q_www[] = "8930 0120 0001 0000 0000 0001 03777777 076578616d706c65 00 001c 0001"
	"00 0029 04d0 00000000 0000";
/* ... answer: CNAME www.example -> v6only.example (uncompressed target at offset 0x29), AAAA
 * owned by a pointer to that target, OPT echoed. */
static const char r_www[] = "8930 8180 0001 0002 0000 0001 03777777 076578616d706c65 00 001c 0001"
	"c00c 0005 0001 00000258 0010 0676366f6e6c79 076578616d706c65 00"
	"c029 001c 0001 00000258 0010 20010db8000000000000000000000001"
	"00 0029 04d0 00000000 0000";
/* dig +noedns v6only.example A: NODATA without SOA (dnsmasq's local answer). */
static const char r_nodata[] = "5382 8180 0001 0000 0000 0000 0676366f6e6c79 076578616d706c65 00"
	"0001 0001";
/* dig +noedns nosuch.example A: NXDOMAIN. */
static const char r_nx[] = "a30e 8183 0001 0000 0000 0000 066e6f73756368 076578616d706c65 00"
	"0001 0001";
/* dig +noedns -x 192.0.2.10: PTR dual.example, TTL 0, AA. */
static const char r_ptr[] = "adce 8580 0001 0001 0000 0000 023130 0132 0130 03313932"
	"07696e2d61646472 0461727061 00 000c 0001 c00c 000c 0001 00000000 000e 046475616c"
	"076578616d706c65 00";
/* Same dnsmasq in authoritative mode (--auth-zone=example --auth-server=ns.example,lo
 * --auth-soa=1,hostmaster.example,1200,120,604800,300), dig +edns=0 +nocookie +dnssec
 * nosuch.example A: NXDOMAIN, AA, SOA example (TTL 600, serial 1, refresh 1200, retry 120,
 * expire 604800, minimum 600), OPT with DO echoed. */
static const char q_nx_do[] = "19e6 0120 0001 0000 0000 0001 066e6f73756368 076578616d706c65 00"
	"0001 0001 00 0029 04d0 00008000 0000";
static const char r_nx_soa[] = "19e6 8503 0001 0000 0001 0001 066e6f73756368 076578616d706c65 00"
	"0001 0001 076578616d706c65 00 0006 0001 00000258 0034 026e73 076578616d706c65 00"
	"0a686f73746d6173746572 076578616d706c65 00 00000001 000004b0 00000078 00093a80 00000258"
	"00 0029 04d0 00008000 0000";

static const char *const all_vectors[] = { q_aaaa, r_aaaa, q_www, r_www, r_nodata, r_nx, r_ptr,
	q_nx_do, r_nx_soa };

static size_t hex(const char *h, uint8_t *out)
{
	int n = test_hex(h, out, 1024);
	assert_true(n > 0);
	return (size_t)n;
}

static void assert_name(const struct dns_name *n, const char *text)
{
	char buf[DNS_NAME_TEXT_MAX];
	assert_true(dns_name_to_text(n, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, text);
}

static struct dns_msg m, m2;
static uint8_t buf[1024], out[2048];

static void test_parse_cname_answer(void **state)
{
	(void)state;
	size_t len = hex(r_www, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.id, 0x8930);
	assert_int_equal(m.flags, 0x8180);
	assert_true(m.is_response && m.is_rd && m.is_ra);
	assert_false(m.is_aa || m.is_tc || m.is_ad || m.is_cd);
	assert_int_equal(m.opcode, 0);
	assert_int_equal(m.rcode, DNS_RCODE_NOERROR);
	assert_int_equal(m.qdcount, 1);
	assert_int_equal(m.ancount, 2);
	assert_int_equal(m.nscount, 0);
	assert_int_equal(m.arcount, 1);
	assert_int_equal(m.n_q, 1);
	assert_name(&m.q[0].name, "www.example.");
	assert_int_equal(m.q[0].qtype, DNS_T_AAAA);
	assert_int_equal(m.q[0].qclass, DNS_CLASS_IN);
	assert_int_equal(m.n_an, 2);
	assert_name(&m.an[0].name, "www.example.");
	assert_int_equal(m.an[0].type, DNS_T_CNAME);
	assert_int_equal(m.an[0].ttl, 600);
	assert_int_equal(m.an[0].rdata_off, 41);
	assert_int_equal(m.an[0].rdata_len, 16);
	assert_name(&m.an[0].rd.target, "v6only.example.");
	assert_name(&m.an[1].name, "v6only.example.");
	assert_int_equal(m.an[1].type, DNS_T_AAAA);
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	assert_memory_equal(m.an[1].rd.aaaa, a6, 16);
	assert_int_equal(m.n_ns, 0);
	assert_int_equal(m.n_ar, 0); /* the OPT RR lives in edns */
	assert_true(m.edns.is_present);
	assert_int_equal(m.edns.udp_size, 1232);
	assert_int_equal(m.edns.version, 0);
	assert_false(m.edns.is_do);
	assert_int_equal(m.edns.opts_len, 0);
	assert_int_equal(m.n_dropped, 0);
	assert_int_equal(m.len, len);
	assert_int_equal(dns_udp_limit(&m), 1232);
}

static void test_parse_negative_soa(void **state)
{
	(void)state;
	size_t len = hex(r_nx_soa, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.rcode, DNS_RCODE_NXDOMAIN);
	assert_true(m.is_aa);
	assert_false(m.is_ra);
	assert_int_equal(m.n_an, 0);
	assert_int_equal(m.n_ns, 1);
	assert_name(&m.ns[0].name, "example.");
	assert_int_equal(m.ns[0].type, DNS_T_SOA);
	assert_int_equal(m.ns[0].ttl, 600);
	assert_int_equal(m.ns[0].rd.soa.serial, 1);
	assert_int_equal(m.ns[0].rd.soa.refresh, 1200);
	assert_int_equal(m.ns[0].rd.soa.retry, 120);
	assert_int_equal(m.ns[0].rd.soa.expire, 604800);
	assert_int_equal(m.ns[0].rd.soa.minimum, 600);
	uint32_t ttl = 0;
	assert_true(dns_msg_negative_ttl(&m, &ttl));
	assert_int_equal(ttl, 600);
	assert_true(m.edns.is_present && m.edns.is_do);
	/* SOA minimum below the record TTL wins (RFC 2308 §5): patch minimum to 300. */
	buf[len - 11 - 1] = 0x2c;
	buf[len - 11 - 2] = 0x01;
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_true(dns_msg_negative_ttl(&m, &ttl));
	assert_int_equal(ttl, 300);
	len = hex(r_nodata, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_false(dns_msg_negative_ttl(&m, &ttl));
}

static void test_parse_query_and_ptr(void **state)
{
	(void)state;
	size_t len = hex(q_aaaa, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_false(m.is_response);
	assert_true(m.is_rd && m.is_ad);
	assert_false(m.edns.is_present);
	assert_int_equal(dns_udp_limit(&m), 512);
	len = hex(r_ptr, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.an[0].type, DNS_T_PTR);
	assert_int_equal(m.an[0].ttl, 0);
	assert_name(&m.an[0].rd.target, "dual.example.");
	uint8_t v4[4];
	assert_true(dns_name_ptr_v4(&m.q[0].name, v4));
	static const uint8_t want[4] = { 192, 0, 2, 10 };
	assert_memory_equal(v4, want, 4);
}

static void test_truncated_every_length(void **state)
{
	(void)state;
	for (size_t v = 0; v < sizeof(all_vectors) / sizeof(all_vectors[0]); v++) {
		size_t len = hex(all_vectors[v], buf);
		assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
		for (size_t cut = 0; cut < len; cut++) {
			enum dns_err e = dns_parse(buf, cut, &m);
			assert_true(e == DNS_E_SHORT || e == DNS_E_RDATA);
		}
	}
}

/* A one-question message whose name is given as hex. */
static size_t qmsg(const char *name_hex, uint8_t *b)
{
	size_t n = hex("0001 0100 0001 0000 0000 0000", b);
	n += hex(name_hex, b + n);
	n += hex("0001 0001", b + n);
	return n;
}

static void test_compression_rules(void **state)
{
	(void)state;
	size_t len = qmsg("c00c", buf); /* points at itself */
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_PTR);
	len = qmsg("c020", buf); /* forwards */
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_PTR);
	len = qmsg("0161 c00c", buf); /* back into its own labels: a loop */
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_PTR);
	len = qmsg("0161 4000", buf); /* 0x40 label type */
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_LABEL);
	len = qmsg("0161 8000", buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_LABEL);
	/* A chain of pointers, each to the one before: 128 hops pass, 129 do not. */
	uint8_t chain[1 + 2 * 200];
	chain[0] = 0;
	for (size_t i = 0; i < 200; i++) {
		size_t prev = i == 0 ? 0 : 1 + 2 * (i - 1);
		chain[1 + 2 * i] = (uint8_t)(0xc0 | prev >> 8);
		chain[2 + 2 * i] = (uint8_t)prev;
	}
	struct dns_name n;
	size_t off = 1 + 2 * 127; /* pointer #128 */
	assert_int_equal(dns_name_parse(chain, sizeof(chain), &off, &n), DNS_E_OK);
	assert_int_equal(off, 1 + 2 * 128);
	assert_int_equal(n.len, 1);
	off = 1 + 2 * 128;
	assert_int_equal(dns_name_parse(chain, sizeof(chain), &off, &n), DNS_E_PTR);
}

static void test_name_length(void **state)
{
	(void)state;
	char h[2048];
	size_t o = 0;
	/* 3 labels of 63 + one of 61: 64*3 + 62 + 1 = 255 octets: the longest legal name. */
	for (int l = 0; l < 4; l++) {
		int k = l < 3 ? 63 : 61;
		o += (size_t)sprintf(h + o, "%02x", k);
		for (int i = 0; i < k; i++)
			o += (size_t)sprintf(h + o, "61");
	}
	sprintf(h + o, "00");
	size_t len = qmsg(h, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.q[0].name.len, 255);
	char text[DNS_NAME_TEXT_MAX];
	assert_int_equal(dns_name_to_text(&m.q[0].name, text, sizeof(text)), 254);
	struct dns_name back;
	assert_true(dns_name_from_text(text, &back));
	assert_true(dns_name_eq(&back, &m.q[0].name));
	/* One more octet: 256. */
	o = 0;
	for (int l = 0; l < 4; l++) {
		int k = l < 3 ? 63 : 62;
		o += (size_t)sprintf(h + o, "%02x", k);
		for (int i = 0; i < k; i++)
			o += (size_t)sprintf(h + o, "61");
	}
	sprintf(h + o, "00");
	len = qmsg(h, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_NAMELEN);
	text[200] = '\0';
	strcat(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com");
	assert_false(dns_name_from_text(text, &back));
}

static void test_opt_rules(void **state)
{
	(void)state;
	size_t base = hex(q_aaaa, buf);
	static const char opt[] = "00 0029 1000 00000000 0000";
	/* two OPT RRs: RFC 6891 §6.1.1 FORMERR */
	size_t len = base + hex(opt, buf + base);
	len += hex(opt, buf + len);
	buf[11] = 2;
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OPT);
	buf[11] = 1;
	assert_int_equal(dns_parse(buf, len - 11, &m), DNS_E_OK);
	assert_int_equal(m.edns.udp_size, 4096);
	/* OPT in the answer section */
	buf[7] = 1;
	buf[11] = 0;
	assert_int_equal(dns_parse(buf, len - 11, &m), DNS_E_OPT);
	/* owner not root */
	len = base + hex("c00c 0029 1000 00000000 0000", buf + base);
	buf[7] = 0;
	buf[11] = 1;
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OPT);
	/* an option running past the rdata; then a well-framed cookie option kept raw */
	len = base + hex("00 0029 1000 00000000 0006 000a 0008 01020304", buf + base);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OPT);
	len = base + hex("00 0029 1000 01020000 000c 000a 0008 0102030405060708", buf + base);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.edns.opts_len, 12);
	assert_int_equal(m.edns.opts_off, base + 11);
	assert_int_equal(m.edns.version, 2);
	assert_int_equal(m.edns.ext_rcode, 1);
	assert_int_equal(m.rcode, 16);
	/* udp size below 512 counts as 512 (RFC 6891 §6.2.5) */
	len = base + hex("00 0029 0100 00000000 0000", buf + base);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(dns_udp_limit(&m), 512);
}

static void test_rdata_rules(void **state)
{
	(void)state;
	size_t base = hex(q_aaaa, buf);
	buf[7] = 1;
	size_t len = base + hex("c00c 0001 0001 00000010 0005 0102030405", buf + base);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_RDATA);
	/* CNAME whose name stops before the end of its rdata */
	len = base + hex("c00c 0005 0001 00000010 0003 00 0000", buf + base);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_RDATA);
	/* CNAME whose name runs past its rdata */
	len = base + hex("c00c 0005 0001 00000010 0002 0161 00", buf + base);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_RDATA);
	/* TTL with the top bit set reads as 0 (RFC 2181 §8); unknown types are kept raw */
	len = base + hex("c00c 0010 0001 80000010 0003 026869", buf + base);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.an[0].ttl, 0);
	assert_int_equal(m.an[0].type, DNS_T_TXT);
	assert_int_equal(m.an[0].rdata_off, base + 12);
	assert_int_equal(m.an[0].rdata_len, 3);
}

static void test_answer_cap_counts_excess(void **state)
{
	(void)state;
	size_t len = hex(q_aaaa, buf);
	buf[6] = 0;
	buf[7] = 40;
	for (int i = 0; i < 40; i++)
		len += hex("c00c 0001 0001 00000010 0004 c0000201", buf + len);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.n_an, DNS_MAX_ANSWERS);
	assert_int_equal(m.n_dropped, 40 - DNS_MAX_ANSWERS);
}

/* Our answer to dig's AAAA query is byte for byte dnsmasq's. */
static void test_build_golden_dnsmasq(void **state)
{
	(void)state;
	size_t len = hex(q_aaaa, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	struct dns_rr rr = { .name = m.q[0].name, .type = DNS_T_AAAA, .rclass = DNS_CLASS_IN,
		.ttl = 600 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	memcpy(rr.rd.aaaa, a6, 16);
	int n = dns_build_response(&m, DNS_RCODE_NOERROR, &rr, 1, 512, out, sizeof(out));
	uint8_t want[256];
	size_t wlen = hex(r_aaaa, want);
	assert_int_equal(n, wlen);
	assert_memory_equal(out, want, wlen);
}

/* CNAME + AAAA with EDNS: the CNAME target is compressed against "example" of the question
 * (which dnsmasq did not do), the AAAA owner points at the target, OPT echoed. */
static void test_build_golden_cname(void **state)
{
	(void)state;
	size_t len = hex(q_www, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	struct dns_rr rr[2] = {
		{ .name = m.q[0].name, .type = DNS_T_CNAME, .rclass = DNS_CLASS_IN, .ttl = 600 },
		{ .type = DNS_T_AAAA, .rclass = DNS_CLASS_IN, .ttl = 600 },
	};
	assert_true(dns_name_from_text("v6only.example", &rr[0].rd.target));
	rr[1].name = rr[0].rd.target;
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	memcpy(rr[1].rd.aaaa, a6, 16);
	int n = dns_build_response(&m, DNS_RCODE_NOERROR, rr, 2, 1232, out, sizeof(out));
	uint8_t want[256];
	size_t wlen = hex("8930 8180 0001 0002 0000 0001 03777777 076578616d706c65 00 001c 0001"
		"c00c 0005 0001 00000258 0009 0676366f6e6c79 c010"
		"c029 001c 0001 00000258 0010 20010db8000000000000000000000001"
		"00 0029 04d0 00000000 0000", want);
	assert_int_equal(n, wlen);
	assert_memory_equal(out, want, wlen);
	/* round trip: same records as dnsmasq's uncompressed answer */
	assert_int_equal(dns_parse(out, (size_t)n, &m2), DNS_E_OK);
	len = hex(r_www, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m2.n_an, m.n_an);
	for (int i = 0; i < 2; i++) {
		assert_true(dns_name_eq(&m2.an[i].name, &m.an[i].name));
		assert_int_equal(m2.an[i].type, m.an[i].type);
		assert_int_equal(m2.an[i].ttl, m.an[i].ttl);
	}
	assert_true(dns_name_eq(&m2.an[0].rd.target, &m.an[0].rd.target));
	assert_memory_equal(m2.an[1].rd.aaaa, m.an[1].rd.aaaa, 16);
	assert_int_equal(m2.flags, m.flags);
}

static void test_build_query_golden(void **state)
{
	(void)state;
	struct dns_name qn;
	uint8_t want[128];
	assert_true(dns_name_from_text("www.example.", &qn));
	int n = dns_build_query(0x8930, &qn, DNS_T_AAAA, true, true, false, out, sizeof(out));
	size_t wlen = hex(q_www, want);
	want[3] = 0x00; /* dig's AD bit */
	assert_int_equal(n, wlen);
	assert_memory_equal(out, want, wlen);
	assert_true(dns_name_from_text("nosuch.example", &qn));
	n = dns_build_query(0x19e6, &qn, DNS_T_A, true, true, true, out, sizeof(out));
	wlen = hex(q_nx_do, want);
	want[3] = 0x00;
	assert_int_equal(n, wlen);
	assert_memory_equal(out, want, wlen);
	for (size_t cap = 0; cap < wlen; cap++)
		assert_int_equal(dns_build_query(1, &qn, DNS_T_A, true, true, true, out, cap), -1);
}

/* 40 A records: each is 16 octets after a 30-octet head (12 header + 14 name + 4). */
static void test_build_truncation_every_size(void **state)
{
	(void)state;
	struct dns_name qn;
	assert_true(dns_name_from_text("many.example", &qn));
	static struct dns_rr rr[40];
	for (int i = 0; i < 40; i++) {
		rr[i] = (struct dns_rr){ .name = qn, .type = DNS_T_A, .rclass = DNS_CLASS_IN,
			.ttl = 5 };
		rr[i].rd.a[0] = 198;
		rr[i].rd.a[1] = 18;
		rr[i].rd.a[3] = (uint8_t)i;
	}
	for (int edns = 0; edns < 2; edns++) {
		int len = dns_build_query(7, &qn, DNS_T_A, true, edns, false, buf, sizeof(buf));
		assert_true(len > 0);
		assert_int_equal(dns_parse(buf, (size_t)len, &m), DNS_E_OK);
		size_t head = 30, opt = edns ? 11 : 0;
		for (size_t max = 0; max <= 700; max++) {
			int n = dns_build_response(&m, 0, rr, 40, max, out, sizeof(out));
			if (max < head + opt) {
				assert_int_equal(n, -1);
				continue;
			}
			size_t fit = (max - head - opt) / 16 < 40 ? (max - head - opt) / 16 : 40;
			assert_int_equal(n, head + opt + 16 * fit);
			assert_int_equal(dns_parse(out, (size_t)n, &m2), DNS_E_OK);
			assert_int_equal(m2.ancount, fit);
			assert_int_equal(m2.is_tc, fit < 40);
			assert_int_equal(m2.edns.is_present, edns);
		}
		int n = dns_build_response(&m, 0, rr, 40, dns_udp_limit(&m), out, sizeof(out));
		assert_int_equal(n, edns ? 30 + 11 + 16 * 40 : 30 + 16 * 30);
	}
}

static void test_build_flags_rcode(void **state)
{
	(void)state;
	size_t len = hex(q_nx_do, buf);
	buf[3] |= 0x10; /* CD */
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	int n = dns_build_response(&m, DNS_RCODE_BADVERS, NULL, 0, 512, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(dns_parse(out, (size_t)n, &m2), DNS_E_OK);
	assert_int_equal(m2.flags, 0x8190); /* QR RD RA CD; AA and AD clear */
	assert_int_equal(m2.rcode, DNS_RCODE_BADVERS);
	assert_true(m2.edns.is_do); /* RFC 3225 §3 */
	assert_int_equal(m2.edns.udp_size, DNS_EDNS_UDP_SIZE);
	len = hex(q_aaaa, buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(dns_build_response(&m, DNS_RCODE_BADVERS, NULL, 0, 512, out, 512), -1);
	n = dns_build_response(&m, DNS_RCODE_NXDOMAIN, NULL, 0, 512, out, sizeof(out));
	assert_int_equal(n, 32);
	assert_int_equal(dns_parse(out, (size_t)n, &m2), DNS_E_OK);
	assert_int_equal(m2.rcode, DNS_RCODE_NXDOMAIN);
	assert_false(m2.edns.is_present);
	struct dns_rr mx = { .name = m.q[0].name, .type = DNS_T_MX, .rclass = DNS_CLASS_IN };
	assert_int_equal(dns_build_response(&m, 0, &mx, 1, 512, out, sizeof(out)), -1);
}

static void test_names_text_ptr(void **state)
{
	(void)state;
	struct dns_name a, b;
	char t[DNS_NAME_TEXT_MAX];
	assert_true(dns_name_from_text("WWW.Example.", &a));
	assert_true(dns_name_from_text("www.example", &b));
	assert_true(dns_name_eq(&a, &b)); /* RFC 4343 */
	assert_memory_not_equal(a.b, b.b, 4);
	dns_name_lower(&a);
	assert_memory_equal(a.b, b.b, b.len);
	assert_true(dns_name_from_text(".", &a));
	assert_int_equal(a.len, 1);
	assert_int_equal(dns_name_to_text(&a, t, sizeof(t)), 1);
	assert_string_equal(t, ".");
	assert_true(dns_name_from_text("a\\.b\\092\\007.c", &a));
	assert_int_equal(a.b[0], 5);
	assert_int_equal(dns_name_to_text(&a, t, sizeof(t)), 13);
	assert_string_equal(t, "a\\.b\\\\\\007.c.");
	assert_int_equal(dns_name_to_text(&a, t, 13), -1);
	assert_false(dns_name_from_text("a..b", &a));
	assert_false(dns_name_from_text("a\\256", &a));
	assert_false(dns_name_from_text("a\\", &a));
	uint8_t v4[4];
	static const uint8_t pool[4] = { 198, 18, 0, 7 };
	dns_name_make_ptr_v4(pool, &a);
	assert_name(&a, "7.0.18.198.in-addr.arpa.");
	assert_true(dns_name_ptr_v4(&a, v4));
	assert_memory_equal(v4, pool, 4);
	assert_true(dns_name_from_text("7.0.18.198.IN-ADDR.ARPA", &a));
	assert_true(dns_name_ptr_v4(&a, v4));
	static const char *const bad[] = { "07.0.18.198.in-addr.arpa", "256.0.18.198.in-addr.arpa",
		"0.18.198.in-addr.arpa", "1.7.0.18.198.in-addr.arpa", "7.0.18.198.ip6.arpa",
		"x.0.18.198.in-addr.arpa", "7.0.18.198.in-addr.arpa.com" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(dns_name_from_text(bad[i], &a));
		assert_false(dns_name_ptr_v4(&a, v4));
	}
}

static void test_raw_helpers(void **state)
{
	(void)state;
	size_t len = hex(r_www, buf);
	assert_int_equal(dns_get_id(buf, len), 0x8930);
	assert_true(dns_set_id(buf, len, 0xbeef));
	assert_int_equal(dns_get_id(buf, len), 0xbeef);
	assert_false(dns_set_id(buf, 1, 1));
	assert_int_equal(dns_get_id(buf, 1), 0);
	assert_true(dns_raw_age_ttls(buf, len, 100));
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.an[0].ttl, 500);
	assert_int_equal(m.an[1].ttl, 500);
	assert_int_equal(m.edns.version, 0); /* OPT's TTL field untouched */
	assert_int_equal(buf[len - 5], 0);
	assert_true(dns_raw_age_ttls(buf, len, 1000));
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_int_equal(m.an[0].ttl, 0);
	for (size_t cut = 0; cut < len; cut++)
		assert_false(dns_raw_age_ttls(buf, cut, 1));
	/* fuzz_dns crash: a later name points into an earlier TTL; ageing must still walk the
	 * records (it does not follow pointers) */
	len = hex("89348180000100020000000103777777076578616d706c6500001c00010400000000000000c00c0005000100"
		"00025800100676366f6e6c790700001574706c6500c029001c000100000258001020010db800000000000000"
		"000000000100002904d0000000000000", buf);
	assert_int_equal(dns_parse(buf, len, &m), DNS_E_OK);
	assert_true(dns_raw_age_ttls(buf, len, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_cname_answer),
		cmocka_unit_test(test_parse_negative_soa),
		cmocka_unit_test(test_parse_query_and_ptr),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_compression_rules),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_opt_rules),
		cmocka_unit_test(test_rdata_rules),
		cmocka_unit_test(test_answer_cap_counts_excess),
		cmocka_unit_test(test_build_golden_dnsmasq),
		cmocka_unit_test(test_build_golden_cname),
		cmocka_unit_test(test_build_query_golden),
		cmocka_unit_test(test_build_truncation_every_size),
		cmocka_unit_test(test_build_flags_rcode),
		cmocka_unit_test(test_names_text_ptr),
		cmocka_unit_test(test_raw_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
