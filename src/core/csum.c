/* Internet checksum helpers; see csum.h. csum_add sums 8 bytes per step into a 64-bit
 * accumulator (two 32-bit halves each, so no carry is lost for up to 2^32 steps), in the host's
 * byte order, and swaps the folded result once on little-endian hosts (RFC 1071 §2(B): the sum
 * is byte-order independent). */
#include "core/csum.h"

#include <string.h>

static uint64_t csum_ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* The sum of n (a multiple of 8) bytes as host-order 32-bit words, folded to 16 bits and
 * returned as big-endian 16-bit words would have summed. */
static uint64_t csum_add_words(const uint8_t *p, size_t n)
{
	uint64_t a = 0, b = 0;
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		uint64_t v0 = csum_ld64(p + i), v1 = csum_ld64(p + i + 8);
		uint64_t v2 = csum_ld64(p + i + 16), v3 = csum_ld64(p + i + 24);
		a += (v0 & 0xffffffffu) + (v0 >> 32) + (v1 & 0xffffffffu) + (v1 >> 32);
		b += (v2 & 0xffffffffu) + (v2 >> 32) + (v3 & 0xffffffffu) + (v3 >> 32);
	}
	for (; i < n; i += 8) {
		uint64_t v = csum_ld64(p + i);
		a += (v & 0xffffffffu) + (v >> 32);
	}
	uint16_t f = csum_fold(a + b);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	f = (uint16_t)(f << 8 | f >> 8);
#endif
	return f;
}

uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	size_t w = n & ~(size_t)7;
	if (w)
		sum += csum_add_words(p, w);
	for (size_t i = w; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint64_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], size_t ulen, uint8_t nh)
{
	uint64_t sum = csum_add(0, src, 16);
	sum = csum_add(sum, dst, 16);
	return sum + (ulen >> 16) + (ulen & 0xffff) + nh;
}

uint64_t csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], size_t ulen, uint8_t proto)
{
	uint64_t sum = (uint32_t)(src[0] << 8 | src[1]) + (uint32_t)(src[2] << 8 | src[3]);
	sum += (uint32_t)(dst[0] << 8 | dst[1]) + (uint32_t)(dst[2] << 8 | dst[3]);
	return sum + (ulen >> 16) + (ulen & 0xffff) + proto;
}

uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
