/* Fuzzes the ND codec: the IPv6/ICMPv6 framing and checksum, RA and NS/NA parsers (as whole
 * packets and as bare ICMPv6 messages with a valid header), checking counts, prefix lengths,
 * masked prefix bits, no prefix kept in link-local or multicast space once masked, and names;
 * builds an NA/NS from the input and parses it back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nd/nd_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_check_masked(const uint8_t a[16], unsigned plen)
{
	for (unsigned bit = plen; bit < 128; bit++)
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			abort();
}

static void fz_check_ra(const struct nd_ra_msg *ra)
{
	if (ra->n_prefixes > ND_MAX_PREFIXES || ra->n_routes > ND_MAX_ROUTES ||
		ra->n_rdnss > ND_MAX_RDNSS || ra->n_dnssl > ND_MAX_DNSSL || ra->n_pref64 > ND_MAX_PREF64)
		abort();
	if (ra->prf == ND_PRF_RESERVED)
		abort();
	for (size_t i = 0; i < ra->n_prefixes; i++) {
		const struct nd_prefix_opt *p = &ra->prefixes[i];
		if (p->plen > 128 || p->preferred_s > p->valid_s || nd_addr_is_link_local(p->prefix) ||
			nd_prefix_is_link_scope(p->prefix, p->plen))
			abort();
		fz_check_masked(p->prefix, p->plen);
	}
	for (size_t i = 0; i < ra->n_routes; i++) {
		const struct nd_route_opt *r = &ra->routes[i];
		if (r->plen > 128 || r->prf == ND_PRF_RESERVED ||
			(r->plen > 0 && nd_prefix_is_link_scope(r->prefix, r->plen)))
			abort();
		fz_check_masked(ra->routes[i].prefix, ra->routes[i].plen);
	}
	for (size_t i = 0; i < ra->n_dnssl; i++) {
		const char *n = ra->dnssl[i].name;
		size_t l = strnlen(n, ND_DNAME_MAX + 1);
		if (l == 0 || l > ND_DNAME_MAX)
			abort();
		for (size_t j = 0; j < l; j++)
			if (!(n[j] == '.' || n[j] == '-' || n[j] == '_' || (n[j] >= '0' && n[j] <= '9') ||
				    (n[j] >= 'a' && n[j] <= 'z')))
				abort();
	}
	for (size_t i = 0; i < ra->n_pref64; i++) {
		uint8_t l = ra->pref64[i].plen;
		if ((l != 32 && l != 40 && l != 48 && l != 56 && l != 64 && l != 96) ||
			nd_prefix_is_link_scope(ra->pref64[i].prefix, l))
			abort();
		fz_check_masked(ra->pref64[i].prefix, l);
	}
}

static void fz_parse_icmp(const uint8_t *m, size_t len, const struct nd_ip6_hdr *ip)
{
	static struct nd_ra_msg ra;
	struct nd_nsna_msg ns;
	if (nd_parse_ra(m, len, ip, &ra) == ND_E_OK)
		fz_check_ra(&ra);
	if (nd_parse_nsna(m, len, ip, &ns) == ND_E_OK && nd_addr_is_multicast(ns.target))
		abort();
}

/* Builds an NA and a DAD NS with a target from the input, then parses them back. */
static void fz_roundtrip(const uint8_t *data, size_t size)
{
	if (size < 17)
		return;
	struct nd_nsna_msg na = { .is_router = data[16] & 1, .is_override = data[16] & 2 }, m;
	memcpy(na.target, data, 16);
	na.target[0] &= 0xfe; /* never multicast */
	uint8_t icmp[64], pkt[128], src[16] = { 0xfe, 0x80, [15] = 1 }, dst[16];
	struct nd_ip6_hdr ip;
	struct rcur c;
	int l = nd_build_na(&na, icmp, sizeof(icmp));
	int n = nd_build_ipv6_icmp(src, src, icmp, (size_t)l, pkt, sizeof(pkt));
	if (n < 0 || nd_parse_ipv6_icmp(pkt, (size_t)n, &ip, &c) != ND_E_OK ||
		nd_parse_nsna(c.p, c.left, &ip, &m) != ND_E_OK || m.type != ND_ICMP6_NA ||
		memcmp(m.target, na.target, 16) || m.is_router != na.is_router ||
		m.is_override != na.is_override || m.is_solicited)
		abort();
	memset(src, 0, 16);
	nd_solicited_node(na.target, dst);
	l = nd_build_ns(na.target, data + 10, icmp, sizeof(icmp));
	n = nd_build_ipv6_icmp(src, dst, icmp, (size_t)l, pkt, sizeof(pkt));
	if (n < 0 || nd_parse_ipv6_icmp(pkt, (size_t)n, &ip, &c) != ND_E_OK ||
		nd_parse_nsna(c.p, c.left, &ip, &m) != ND_E_OK || m.type != ND_ICMP6_NS ||
		!m.has_nonce || memcmp(m.nonce, data + 10, ND_NONCE_LEN))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	if (nd_parse_ipv6_icmp(data, size, &ip, &icmp) == ND_E_OK) {
		if (icmp.left > size - ND_IP6_HDR_LEN || icmp.p != data + ND_IP6_HDR_LEN)
			abort();
		fz_parse_icmp(icmp.p, icmp.left, &ip);
	}
	/* The same bytes as a bare ICMPv6 message from a link-local router, hop limit 255. */
	struct nd_ip6_hdr ll = { .src = { 0xfe, 0x80, [15] = 1 }, .dst = { 0xff, 0x02, [15] = 1 },
		.hop_limit = 255 };
	fz_parse_icmp(data, size, &ll);
	struct nd_ip6_hdr un = { .dst = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 1 }, .hop_limit = 255 };
	fz_parse_icmp(data, size, &un);
	fz_roundtrip(data, size);
	return 0;
}
