/* Injected randomness for transaction IDs, magic numbers, jitter and challenges.
 * rng_init_secure() seeds from getrandom(); tests use rng_init_seed() for repeatable runs. */
#ifndef V6L_RNG_H
#define V6L_RNG_H

#include <stddef.h>
#include <stdint.h>

struct v6l_rng {
	uint64_t s[4];
};

void rng_init_seed(struct v6l_rng *r, uint64_t seed);
/* Seeds from the kernel's CSPRNG; returns 0 or -1 with errno. */
int rng_init_secure(struct v6l_rng *r);
uint64_t rng_u64(struct v6l_rng *r);
uint32_t rng_u32(struct v6l_rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t rng_below(struct v6l_rng *r, uint32_t n);
void rng_bytes(struct v6l_rng *r, void *out, size_t n);

#endif
