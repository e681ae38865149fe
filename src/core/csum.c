/* Internet checksum helpers; see csum.h. csum_add sums 8 bytes per step into two 64-bit
 * accumulators with end-around carry (RFC 1071 §2(C), 64-bit words), in the host's byte order,
 * and swaps the folded result once on little-endian hosts (RFC 1071 §2(B): the sum is
 * byte-order independent). */
#include "core/csum.h"

#include <string.h>

static uint64_t csum_ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* a + b in ones' complement: the carry out of bit 63 goes back in at bit 0. */
static uint64_t csum_adc(uint64_t a, uint64_t b)
{
	uint64_t r;
	return r = a + b, r + (r < b);
}

/* The sum of n (a multiple of 8) bytes as host-order 64-bit words with end-around carry, folded
 * to 16 bits and returned as big-endian 16-bit words would have summed. */
static uint64_t csum_add_words(const uint8_t *p, size_t n)
{
	uint64_t a = 0, b = 0;
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		a = csum_adc(a, csum_ld64(p + i));
		b = csum_adc(b, csum_ld64(p + i + 8));
		a = csum_adc(a, csum_ld64(p + i + 16));
		b = csum_adc(b, csum_ld64(p + i + 24));
	}
	for (; i < n; i += 8)
		a = csum_adc(a, csum_ld64(p + i));
	a = csum_adc(a, b);
	uint16_t f = csum_fold((a & 0xffffffffu) + (a >> 32));
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
