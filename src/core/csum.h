/* The Internet checksum (RFC 1071) and the IPv6 pseudo-header (RFC 8200 §8.1), shared by the
 * codecs (ND, DHCPv6 over UDP) and the NAT46 data path. Pure. */
#ifndef V6L_CSUM_H
#define V6L_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds p[0..n) as big-endian 16-bit words (an odd last byte padded with zero) to sum, 8 bytes
 * per step; the result is congruent (ones' complement) to the word sum, not equal to it. */
uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n);
/* The sum of the IPv6 pseudo-header: src, dst, upper-layer length, next header. */
uint64_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], size_t ulen, uint8_t nh);
/* The sum of the IPv4 pseudo-header (RFC 9293 §3.1): src, dst, zero, protocol, TCP/UDP length. */
uint64_t csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], size_t ulen, uint8_t proto);
/* Folds sum to 16 bits (not complemented: 0xffff means the data checks). */
uint16_t csum_fold(uint64_t sum);

#endif
