/* Internet checksum helpers; see csum.h. */
#include "core/csum.h"

uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
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

uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
