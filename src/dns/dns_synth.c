/* A-record synthesis decision and builders (RFC 6147 §5.1 ideas, RFC 1034 §3.6.2 CNAME chains).
 * Pure. */
#include "dns/dns_synth.h"

#include <string.h>

const char *dns_synth_why_str(enum dns_synth_why w)
{
	switch (w) {
	case DNS_SYNTH_WHY_NODATA:
		return "no A record";
	case DNS_SYNTH_WHY_NO_V4_ROUTE:
		return "A records but no IPv4 route";
	case DNS_SYNTH_WHY_HAS_A:
		return "A records reachable";
	case DNS_SYNTH_WHY_NXDOMAIN:
		return "name does not exist";
	case DNS_SYNTH_WHY_A_ERROR:
		return "A query failed or truncated";
	case DNS_SYNTH_WHY_NO_AAAA:
		return "no usable AAAA record";
	}
	return "?";
}

/* Follows the CNAME chain from the first question's name through m's answers (RFC 1034
 * §3.6.2), at most DNS_SYNTH_MAX_CNAMES links; fills s->owner, the CNAME indices and the min TTL. */
static void dns_synth_chain(const struct dns_msg *m, struct dns_synth *s, uint32_t *min_ttl)
{
	s->owner = m->q[0].name;
	s->n_cname = 0;
	for (bool more = true; more && s->n_cname < DNS_SYNTH_MAX_CNAMES;) {
		more = false;
		for (size_t i = 0; i < m->n_an; i++) {
			const struct dns_rr *rr = &m->an[i];
			if (rr->type != DNS_T_CNAME || rr->rclass != DNS_CLASS_IN ||
				!dns_name_eq(&rr->name, &s->owner))
				continue;
			s->cname_idx[s->n_cname++] = (uint8_t)i;
			s->owner = rr->rd.target;
			if (rr->ttl < *min_ttl)
				*min_ttl = rr->ttl;
			more = true;
			break;
		}
	}
}

/* RFC 6147 §5.1.4 excludes ::ffff:0:0/96; we map only what NAT46 can reach: global unicast. */
static bool dns_synth_mappable(const uint8_t a[16])
{
	if (a[0] == 0)
		return false; /* ::/8: unspecified, loopback, v4-mapped, v4-compatible */
	if (a[0] == 0xff || (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return false; /* multicast, ULA, link-local */
	return true;
}

static bool dns_synth_usable(const struct dns_msg *m)
{
	return m && m->is_response && m->rcode == DNS_RCODE_NOERROR && !m->is_tc && m->n_q > 0;
}

/* Records of type t, class IN, owned by the chain's end; AAAA ones collected into s. */
static size_t dns_synth_collect(const struct dns_msg *m, uint16_t t, struct dns_synth *s,
	uint32_t *min_ttl)
{
	struct dns_synth tmp;
	struct dns_synth *c = s ? s : &tmp;
	uint32_t ttl = UINT32_MAX;
	dns_synth_chain(m, c, &ttl);
	size_t n = 0;
	for (size_t i = 0; i < m->n_an; i++) {
		const struct dns_rr *rr = &m->an[i];
		if (rr->type != t || rr->rclass != DNS_CLASS_IN || !dns_name_eq(&rr->name, &c->owner))
			continue;
		if (t == DNS_T_AAAA && (!dns_synth_mappable(rr->rd.aaaa) ||
			c->n_addr >= DNS_SYNTH_MAX_ADDRS))
			continue;
		if (t == DNS_T_AAAA)
			memcpy(c->v6[c->n_addr++], rr->rd.aaaa, 16);
		if (rr->ttl < ttl)
			ttl = rr->ttl;
		n++;
	}
	if (min_ttl)
		*min_ttl = ttl;
	return n;
}

enum dns_synth_verdict dns_synth_decide(const struct dns_msg *a_reply,
	const struct dns_msg *aaaa_reply, bool host_has_ipv4_route, uint32_t ttl_cap_s,
	struct dns_synth *out)
{
	memset(out, 0, sizeof(*out));
	bool has_a = false;
	if (a_reply) {
		if (a_reply->rcode == DNS_RCODE_NXDOMAIN)
			return out->why = DNS_SYNTH_WHY_NXDOMAIN, DNS_SYNTH_PASS;
		if (!dns_synth_usable(a_reply))
			return out->why = DNS_SYNTH_WHY_A_ERROR, DNS_SYNTH_PASS;
		has_a = dns_synth_collect(a_reply, DNS_T_A, NULL, NULL) > 0;
	}
	if (has_a && host_has_ipv4_route)
		return out->why = DNS_SYNTH_WHY_HAS_A, DNS_SYNTH_PASS;
	uint32_t ttl = UINT32_MAX;
	if (!dns_synth_usable(aaaa_reply) ||
		dns_synth_collect(aaaa_reply, DNS_T_AAAA, out, &ttl) == 0) {
		memset(out, 0, sizeof(*out));
		return out->why = DNS_SYNTH_WHY_NO_AAAA, DNS_SYNTH_PASS;
	}
	uint32_t cap = ttl_cap_s ? ttl_cap_s : DNS_SYNTH_TTL_CAP_S;
	out->dns_ttl_s = ttl;
	out->ttl_s = ttl < cap ? ttl : cap;
	out->why = has_a ? DNS_SYNTH_WHY_NO_V4_ROUTE : DNS_SYNTH_WHY_NODATA;
	return DNS_SYNTH_SYNTHESIZE;
}

int dns_synth_build_a(const struct dns_msg *q, const struct dns_msg *aaaa_reply,
	const struct dns_synth *s, const uint8_t (*v4)[4], size_t n_v4, size_t max_len,
	uint8_t *buf, size_t cap)
{
	struct dns_rr an[DNS_SYNTH_MAX_CNAMES + DNS_SYNTH_MAX_ADDRS];
	size_t n = 0;
	if (s->n_cname > DNS_SYNTH_MAX_CNAMES || n_v4 > DNS_SYNTH_MAX_ADDRS)
		return -1;
	for (size_t i = 0; i < s->n_cname; i++) {
		if (s->cname_idx[i] >= aaaa_reply->n_an)
			return -1;
		an[n] = aaaa_reply->an[s->cname_idx[i]];
		if (an[n].ttl > s->ttl_s)
			an[n].ttl = s->ttl_s; /* the chain expires with the synthesized A */
		n++;
	}
	for (size_t i = 0; i < n_v4; i++, n++) {
		memset(&an[n], 0, sizeof(an[n]));
		an[n].name = s->owner;
		an[n].type = DNS_T_A;
		an[n].rclass = DNS_CLASS_IN;
		an[n].ttl = s->ttl_s;
		memcpy(an[n].rd.a, v4[i], 4);
	}
	return dns_build_response(q, DNS_RCODE_NOERROR, an, n, max_len, buf, cap);
}

int dns_synth_build_ptr(const struct dns_msg *q, const struct dns_name *target, uint32_t ttl_s,
	size_t max_len, uint8_t *buf, size_t cap)
{
	struct dns_rr rr;
	if (!target || q->n_q == 0)
		return dns_build_response(q, DNS_RCODE_NXDOMAIN, NULL, 0, max_len, buf, cap);
	memset(&rr, 0, sizeof(rr));
	rr.name = q->q[0].name;
	rr.type = DNS_T_PTR;
	rr.rclass = DNS_CLASS_IN;
	rr.ttl = ttl_s;
	rr.rd.target = *target;
	return dns_build_response(q, DNS_RCODE_NOERROR, &rr, 1, max_len, buf, cap);
}
