/* Fuzzes nat46_complete_l4_csum6 (router mode's CHECKSUM_PARTIAL packets) on arbitrary bytes:
 * it must stay inside the buffer (ASan), change at most the two checksum bytes, and leave a
 * TCP/UDP checksum that verifies whenever it changed anything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csum.h"
#include "nat46/nat46.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);
	nat46_complete_l4_csum6(size ? p : NULL, size);
	size_t diff_from = size, diff_to = 0;
	for (size_t i = 0; i < size; i++)
		if (p[i] != data[i]) {
			diff_from = diff_from < i ? diff_from : i;
			diff_to = i + 1;
		}
	if (diff_to) {
		size_t at = 40 + (p[6] == 6 ? 16 : 6);
		size_t plen = (size_t)p[4] << 8 | p[5];
		if (diff_from < at || diff_to > at + 2)
			abort();
		uint64_t s = csum_pseudo6(p + 8, p + 24, plen, p[6]);
		if (csum_fold(csum_add(s, p + 40, plen)) != 0xffff)
			abort();
	}
	free(p);
	return 0;
}
