/* Helpers for both directions of the translator: checksums (RFC 1071, RFC 1624), transport
 * checksum fix-up, IPv4 Identification, drop reason names and the fragment-train walker. */
#include "nat46/nat46_int.h"

#include "core/csum.h"

void nat46_complete_l4_csum6(uint8_t *p, size_t len)
{
	uint8_t nh = len >= 40 ? p[6] : 0;
	size_t at = nh == 6 ? 16 : nh == 17 ? 6 : 0; /* checksum offset in TCP / UDP */
	size_t plen = len >= 40 ? ((size_t)p[4] << 8 | p[5]) : 0;
	if (!at || 40 + plen > len || plen < at + 2)
		return;
	p[40 + at] = p[41 + at] = 0;
	uint64_t s = csum_pseudo6(p + 8, p + 24, plen, nh);
	uint16_t c = (uint16_t)~csum_fold(csum_add(s, p + 40, plen));
	if (nh == 17 && c == 0)
		c = 0xffff; /* RFC 8200 §8.1: a computed zero is sent as all ones */
	p[40 + at] = (uint8_t)(c >> 8);
	p[41 + at] = (uint8_t)c;
}

const char *nat46_drop_str(enum nat46_drop why)
{
	switch (why) {
	case NAT46_DROP_NONE: return "none";
	case NAT46_DROP_SHORT: return "short";
	case NAT46_DROP_HDR: return "bad_header";
	case NAT46_DROP_CSUM4: return "bad_ipv4_checksum";
	case NAT46_DROP_SRC: return "bad_source";
	case NAT46_DROP_DST: return "not_for_host_v6";
	case NAT46_DROP_MCAST: return "multicast";
	case NAT46_DROP_NO_MAP: return "no_map";
	case NAT46_DROP_SRC_ROUTE: return "source_route";
	case NAT46_DROP_TOO_BIG: return "too_big";
	case NAT46_DROP_PROTO: return "protocol";
	case NAT46_DROP_EXT_HDR: return "ext_header";
	case NAT46_DROP_ICMP_TYPE: return "icmp_type";
	case NAT46_DROP_ICMP_CSUM: return "icmp_checksum";
	case NAT46_DROP_ICMP_FRAG: return "icmp_fragment";
	case NAT46_DROP_ICMP_INNER: return "icmp_inner";
	case NAT46_DROP_UDP0_FRAG: return "udp_zero_csum_fragment";
	case NAT46_DROP_NO_ROOM: return "no_room";
	case NAT46_DROP_N: break;
	}
	return "?";
}

/* Sums native-order 32-bit words and swaps the folded result into big-endian word order: the
 * one's complement sum is byte-order independent up to that swap (RFC 1071 §2 (B)). */
uint16_t nat46_csum_bytes(const uint8_t *p, size_t n)
{
	uint64_t s = 0;
	uint32_t a, b;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		s += (uint64_t)a + b;
	}
	if (n >= 4) {
		memcpy(&a, p, 4);
		s += a;
		p += 4;
		n -= 4;
	}
	if (n) {
		uint8_t t[4] = { 0 };
		memcpy(t, p, n);
		memcpy(&a, t, 4);
		s += a;
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	uint16_t r = nat46_fold((uint32_t)(s & 0xffff) + (uint32_t)(s >> 16));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	r = (uint16_t)(r << 8 | r >> 8);
#endif
	return r;
}

bool nat46_proto_ok(uint8_t proto, bool from_v4)
{
	switch (proto) {
	case 0: case 2: case 43: case NAT46_P_FRAG: case 51: case 59: case 60: case 135:
	case 139: case 140:
		return false;
	case NAT46_P_ICMP4:
		return from_v4;
	case NAT46_P_ICMP6:
		return !from_v4;
	default:
		return true;
	}
}

int nat46_l4_csum_off(uint8_t proto)
{
	switch (proto) {
	case NAT46_P_TCP: return 16;
	case NAT46_P_UDP: /* RFC 768 */
	case NAT46_P_DCCP: /* RFC 4340 §9 */
	case NAT46_P_UDPLITE: return 6; /* RFC 3828 */
	default: return -1;
	}
}

bool nat46_l4_csum_fix(uint8_t proto, uint8_t *l4, size_t len, size_t frag_byte, uint16_t old_sum,
		       uint16_t new_sum, bool zero_ok)
{
	int off = nat46_l4_csum_off(proto);
	if (off < 0 || frag_byte > (size_t)off || (size_t)off + 2 - frag_byte > len)
		return true;
	uint8_t *f = l4 + ((size_t)off - frag_byte);
	uint16_t hc = nat46_ld16(f);
	if (proto == NAT46_P_UDP && hc == 0)
		return zero_ok; /* RFC 768: no checksum; stays zero (IPv4) or needs computing */
	hc = nat46_csum_replace(hc, old_sum, new_sum);
	if (proto == NAT46_P_UDP && hc == 0)
		hc = 0xffff; /* RFC 768: a computed zero is sent as all ones */
	nat46_st16(f, hc);
	return true;
}

void nat46_ip4_csum_set(uint8_t *h)
{
	h[10] = h[11] = 0;
	nat46_st16(h + 10, (uint16_t)~nat46_csum_bytes(h, NAT46_IP4_HLEN));
}

/* A multiply-xorshift mix of the bytes, 8 at a time, folded to 16 bits: different packets of
 * one flow get different IDs with high probability without any per-flow state. */
uint16_t nat46_ip_id(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ n, w;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	h ^= h >> 32;
	return (uint16_t)(h ^ h >> 16);
}

bool nat46_in_app_net(const struct nat46_cfg *cfg, const uint8_t a[4])
{
	unsigned plen = cfg->app_v4_plen > 32 ? 32 : cfg->app_v4_plen;
	uint32_t mask = plen ? 0xffffffffu << (32 - plen) : 0;
	return ((nat46_ld32(a) ^ nat46_ld32(cfg->app_v4)) & mask) == 0;
}

size_t nat46_pkt_len(const uint8_t *buf, size_t len)
{
	size_t n = 0;
	if (len >= NAT46_IP4_HLEN && buf[0] >> 4 == 4)
		n = nat46_ld16(buf + 2);
	else if (len >= NAT46_IP6_HLEN && buf[0] >> 4 == 6)
		n = NAT46_IP6_HLEN + (size_t)nat46_ld16(buf + 4);
	return n && n <= len ? n : 0;
}
