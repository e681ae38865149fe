/* Monotonic time in milliseconds. Only I/O glue and the loop read the clock; state machines
 * take `now_ms` as an argument so tests can drive them with a fake clock. */
#ifndef V6L_CLOCK_H
#define V6L_CLOCK_H

#include <stdint.h>
#include <time.h>

#define V6L_NEVER UINT64_MAX

static inline uint64_t clock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline uint64_t clock_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#endif
