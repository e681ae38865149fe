/* Internals shared by the two translation directions: big-endian byte accessors for the fixed
 * IP headers (STYLE §12, used only after a length check), Internet checksum helpers (RFC 1071,
 * incremental RFC 1624), the transport checksum fix-up and the protocol filter. */
#ifndef V6L_NAT46_INT_H
#define V6L_NAT46_INT_H

#include "nat46/nat46.h"

#include <string.h>

#define NAT46_IP4_HLEN 20
#define NAT46_IP6_HLEN 40
#define NAT46_FRAG_HLEN 8
#define NAT46_ICMP_HLEN 8
#define NAT46_ICMP4_ERR_MAX 576 /* RFC 1812 §4.3.2.3 */

#define NAT46_P_ICMP4 1
#define NAT46_P_TCP 6
#define NAT46_P_UDP 17
#define NAT46_P_DCCP 33
#define NAT46_P_FRAG 44
#define NAT46_P_ICMP6 58
#define NAT46_P_UDPLITE 136

static inline uint16_t nat46_ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t nat46_ld32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void nat46_st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void nat46_st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Folds a 32-bit one's complement accumulator to 16 bits (end-around carry). */
static inline uint16_t nat46_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* One's complement sum of p[0..n) as big-endian 16-bit words, an odd last byte padded with
 * zero (RFC 1071); folded to 16 bits. Pieces summed separately must have even lengths. */
uint16_t nat46_csum_bytes(const uint8_t *p, size_t n);

/* RFC 1624 eqn. 3: checksum hc after words summing to old_sum were replaced by new_sum. The
 * result is what a full computation gives where the sum covers a pseudo-header (TCP, UDP,
 * ICMPv6): such a sum is never +0, so +0 (0x0000) comes out only where the full computation
 * also gives 0x0000 (writing 0xffff there verifies too, but tshark calls it wrong). Without a
 * pseudo-header (ICMPv4) use nat46_csum_replace_nz. */
static inline uint16_t nat46_csum_replace(uint16_t hc, uint16_t old_sum, uint16_t new_sum)
{
	uint32_t s = (uint32_t)(uint16_t)~hc + (uint16_t)~old_sum + new_sum;
	return (uint16_t)~nat46_fold(s);
}

/* As nat46_csum_replace, but +0 becomes -0 (0xffff): whenever 0x0000 verifies so does 0xffff,
 * not the other way round, and ICMPv4 data may sum to +0 (an all-zero echo reply needs 0xffff). */
static inline uint16_t nat46_csum_replace_nz(uint16_t hc, uint16_t old_sum, uint16_t new_sum)
{
	uint16_t r = nat46_csum_replace(hc, old_sum, new_sum);
	return r ? r : 0xffff;
}

/* False for protocol numbers that cannot cross: IPv6 extension headers (0, 43, 44, 60, and
 * 135, 139, 140: they would be parsed as such after 4->6), no next header (59), AH (51: covers
 * the addresses), IGMP (2: single hop, RFC 7915 §4.2) and ICMP of the other family. */
bool nat46_proto_ok(uint8_t proto, bool from_v4);

/* Where the upper-layer checksum of a pseudo-header protocol sits, or -1 for none. */
int nat46_l4_csum_off(uint8_t proto);

/* Adjusts the transport checksum in l4[0..len), a piece starting frag_byte bytes into the
 * upper-layer message, for addresses summing old_sum before and new_sum after. Pieces that do
 * not hold the checksum field are left alone. Returns false for a zero UDP checksum in the
 * piece when zero_ok is false (the caller must compute it or drop). */
bool nat46_l4_csum_fix(uint8_t proto, uint8_t *l4, size_t len, size_t frag_byte, uint16_t old_sum,
		       uint16_t new_sum, bool zero_ok);

/* Fills the IPv4 header checksum of h[0..20). */
void nat46_ip4_csum_set(uint8_t *h);

/* A 16-bit IPv4 Identification derived from the bytes p[0..n) (stateless; RFC 7915 §6 2.B.a). */
uint16_t nat46_ip_id(const uint8_t *p, size_t n);

/* True if a (v4) lies in app_v4/app_v4_plen. */
bool nat46_in_app_net(const struct nat46_cfg *cfg, const uint8_t a[4]);

/* Returns a 16-bit big-endian-word sum of two equal-length addresses (pseudo-header part). */
static inline uint16_t nat46_addr_sum(const uint8_t *a, const uint8_t *b, size_t n)
{
	return nat46_fold((uint32_t)nat46_csum_bytes(a, n) + nat46_csum_bytes(b, n));
}

#endif
