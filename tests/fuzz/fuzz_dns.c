/* DNS codec fuzzer: whatever parses keeps its invariants (caps, ranges inside the input), its
 * names survive text round trips, its A/AAAA/CNAME/PTR answers build into a response that parses
 * back to the same records, TTL ageing and the cache accept it, the synthesis decision and
 * builder run on it, and the upstream table takes it as a client query and as a reply. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rng.h"
#include "dns/dns_cache.h"
#include "dns/dns_codec.h"
#include "dns/dns_synth.h"
#include "dns/dns_upstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_msg m, m2;
static uint8_t out[DNS_MSG_MAX], copy[DNS_MSG_MAX];

static void fz_check_rr(const struct dns_rr *rr, size_t size)
{
	if (rr->name.len < 1 || (size_t)rr->rdata_off + rr->rdata_len > size)
		abort();
}

static void fz_invariants(size_t size)
{
	if (m.n_q > DNS_MAX_QUESTIONS || m.n_an > DNS_MAX_ANSWERS || m.n_ns > DNS_MAX_AUTHORITY ||
		m.n_ar > DNS_MAX_ADDITIONAL || m.len > size || m.len < DNS_HDR_LEN)
		abort();
	for (size_t i = 0; i < m.n_an; i++)
		fz_check_rr(&m.an[i], size);
	for (size_t i = 0; i < m.n_ns; i++)
		fz_check_rr(&m.ns[i], size);
	if (m.edns.is_present && (size_t)m.edns.opts_off + m.edns.opts_len > size)
		abort();
	for (size_t i = 0; i < m.n_q; i++) {
		char text[DNS_NAME_TEXT_MAX];
		struct dns_name back;
		if (dns_name_to_text(&m.q[i].name, text, sizeof(text)) < 0 ||
			!dns_name_from_text(text, &back) || back.len != m.q[i].name.len ||
			memcmp(back.b, m.q[i].name.b, back.len) != 0)
			abort();
	}
}

static bool fz_rr_same(const struct dns_rr *a, const struct dns_rr *b)
{
	if (!dns_name_eq(&a->name, &b->name) || a->type != b->type || a->rclass != b->rclass ||
		a->ttl != b->ttl)
		return false;
	switch (a->type) {
	case DNS_T_A:
		return memcmp(a->rd.a, b->rd.a, 4) == 0;
	case DNS_T_AAAA:
		return memcmp(a->rd.aaaa, b->rd.aaaa, 16) == 0;
	default:
		return dns_name_eq(&a->rd.target, &b->rd.target);
	}
}

static void fz_roundtrip(void)
{
	static struct dns_rr rr[DNS_MAX_ANSWERS];
	size_t n = 0;
	for (size_t i = 0; i < m.n_an; i++) {
		uint16_t t = m.an[i].type;
		if (t == DNS_T_A || t == DNS_T_AAAA || t == DNS_T_CNAME || t == DNS_T_PTR)
			rr[n++] = m.an[i];
	}
	uint16_t rcode = m.edns.is_present ? m.rcode : (uint16_t)(m.rcode & 0xf);
	int len = dns_build_response(&m, rcode, rr, n, sizeof(out), out, sizeof(out));
	if (len < 0)
		abort();
	if (dns_parse(out, (size_t)len, &m2) != DNS_E_OK || m2.n_an != n || m2.is_tc ||
		m2.rcode != rcode || m2.id != m.id || m2.n_q != (m.n_q ? 1 : 0) ||
		m2.edns.is_present != m.edns.is_present)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!fz_rr_same(&rr[i], &m2.an[i]))
			abort();
	if (m.n_q && !dns_name_eq(&m.q[0].name, &m2.q[0].name))
		abort();
	/* truncated to a small UDP size it still parses, with TC when records were dropped */
	len = dns_build_response(&m, rcode, rr, n, DNS_UDP_MIN, out, sizeof(out));
	if (len >= 0 && (dns_parse(out, (size_t)len, &m2) != DNS_E_OK || len > DNS_UDP_MIN ||
		m2.is_tc != (m2.n_an < n)))
		abort();
}

static void fz_synth(void)
{
	struct dns_synth s;
	if (dns_synth_decide(&m, &m, false, 0, &s) != DNS_SYNTH_SYNTHESIZE)
		return;
	if (s.n_addr == 0 || s.n_addr > DNS_SYNTH_MAX_ADDRS || s.ttl_s > DNS_SYNTH_TTL_CAP_S)
		abort();
	const uint8_t v4[DNS_SYNTH_MAX_ADDRS][4] = { { 198, 18, 0, 1 } };
	int len = dns_synth_build_a(&m, &m, &s, v4, s.n_addr, 512, out, sizeof(out));
	if (len < 0 || dns_parse(out, (size_t)len, &m2) != DNS_E_OK)
		abort();
}

static void fz_cache(const uint8_t *data, size_t size)
{
	static struct dns_cache c;
	static const uint8_t key[16];
	if (!c.e && !dns_cache_init(&c, 4, 8192, key))
		abort();
	if (dns_cache_put(&c, m.edns.is_do, &m, data, size, 0)) {
		int n = dns_cache_get(&c, &m, 500, out, sizeof(out));
		if (n != (int)size || dns_get_id(out, (size_t)n) != m.id)
			abort();
	}
	if (c.n_bytes > 8192 || c.n_used > 4)
		abort();
}

static int fz_send(void *ctx, unsigned server_idx, unsigned slot, bool is_tcp,
	const uint8_t *buf, size_t len)
{
	(void)ctx, (void)server_idx, (void)slot, (void)is_tcp;
	if (len < DNS_HDR_LEN)
		abort();
	memcpy(copy, buf, len);
	return 0;
}

static void fz_reply(void *ctx, uint64_t client, enum dns_up_transport tr, const uint8_t *buf,
	size_t len)
{
	(void)ctx, (void)client, (void)tr, (void)buf;
	if (len < DNS_HDR_LEN)
		abort();
}

static void fz_upstream(const uint8_t *data, size_t size)
{
	static const struct dns_up_ops ops = { .send = fz_send, .reply = fz_reply };
	static struct dns_upstream up;
	static struct v6l_rng rng;
	static const struct dns_up_server srv = { .family = 4, .addr = { 192, 0, 2, 53 } };
	if (!up.q) {
		rng_init_seed(&rng, 1);
		if (!dns_upstream_init(&up, 4, 0, 0, &ops, NULL, &rng, "fuzz"))
			abort();
		dns_upstream_set_servers(&up, &srv, 1, 0);
	}
	static uint64_t now;
	now += 10000; /* everything outstanding times out */
	dns_upstream_on_timer(&up, now);
	dns_upstream_on_timer(&up, now + 5000);
	if (size > DNS_MSG_MAX)
		return;
	memcpy(copy, data, size);
	if (size >= 2 && dns_upstream_on_query(&up, 1, DNS_UP_UDP, data, size, now) == DNS_UP_SENT) {
		/* the same bytes as the answer, with the upstream ID and QR set */
		uint16_t id = dns_get_id(copy, size);
		memcpy(copy, data, size);
		dns_set_id(copy, size, id);
		if (size > 2)
			copy[2] |= 0x80;
		dns_upstream_on_reply(&up, 4, srv.addr, 53, copy, size, now + 1);
	}
	if (dns_upstream_outstanding(&up) > 4)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	if (!quiet) {
		log_init("fuzz", false, LOG_LVL_ERR, 0);
		quiet = 1;
	}
	if (size > DNS_MSG_MAX)
		return 0;
	if (dns_parse(data, size, &m) == DNS_E_OK) {
		fz_invariants(size);
		fz_roundtrip();
		fz_synth();
		fz_cache(data, size);
		memcpy(copy, data, size);
		if (!dns_raw_age_ttls(copy, size, 100))
			abort();
	}
	fz_upstream(data, size);
	return 0;
}
