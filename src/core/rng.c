/* xoshiro256** seeded from getrandom (or a fixed seed in tests). Not used for key material:
 * secrets come from libsodium. */
#include "rng.h"

#include <string.h>
#include <sys/random.h>

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_init_seed(struct v6l_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

int rng_init_secure(struct v6l_rng *r)
{
	uint64_t seed[4];
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		return -1;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed[i]);
	return 0;
}

uint64_t rng_u64(struct v6l_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint32_t rng_u32(struct v6l_rng *r)
{
	return (uint32_t)(rng_u64(r) >> 32);
}

uint32_t rng_below(struct v6l_rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_u32(r) * n) >> 32);
}

void rng_bytes(struct v6l_rng *r, void *out, size_t n)
{
	uint8_t *o = out;
	while (n) {
		uint64_t v = rng_u64(r);
		size_t k = n < 8 ? n : 8;
		memcpy(o, &v, k);
		o += k;
		n -= k;
	}
}
