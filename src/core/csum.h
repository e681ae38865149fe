/* The Internet checksum (RFC 1071) and the IPv6 pseudo-header (RFC 8200 §8.1), shared by the
 * codecs (ND, DHCPv6 over UDP) and the NAT46 data path. Pure. */
#ifndef V6L_CSUM_H
#define V6L_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds p[0..n) as big-endian 16-bit words (an odd last byte padded with zero) to sum. */
uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n);
/* The sum of the IPv6 pseudo-header: src, dst, upper-layer length, next header. */
uint64_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], size_t ulen, uint8_t nh);
/* Folds sum to 16 bits (not complemented: 0xffff means the data checks). */
uint16_t csum_fold(uint64_t sum);

#endif
