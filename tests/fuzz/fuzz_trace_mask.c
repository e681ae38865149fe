/* Fuzzes the trace's secret masking (src/trace/trace_mask.c) on arbitrary Ethernet and PPP
 * frames: it must never touch a byte past the frame, never change the frame's length-bearing
 * headers, and mask no more bytes than the frame holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_mask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define GUARD 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 1)
		return 0;
	enum trace_frame_kind kind = data[0] & 1 ? TRACE_FRAME_PPP : TRACE_FRAME_ETHER;
	size_t n = len - 1;
	uint8_t *buf = malloc(n + GUARD);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);
	memset(buf + n, 0xa5, GUARD);
	size_t masked = trace_mask_secrets(buf, n, kind);
	if (masked > n)
		abort();
	for (size_t i = 0; i < GUARD; i++)
		if (buf[n + i] != 0xa5)
			abort();
	/* A second pass finds the same secrets and leaves the already masked frame as it is. */
	uint8_t *again = malloc(n ? n : 1);
	memcpy(again, buf, n);
	if (trace_mask_secrets(again, n, kind) != masked || memcmp(again, buf, n) != 0)
		abort();
	free(again);
	free(buf);
	return 0;
}
