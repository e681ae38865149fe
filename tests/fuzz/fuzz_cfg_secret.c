/* Fuzzes enc:v1: password decoding and decryption under a fixed key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[CFG_SECRET_KEY_LEN] = { 1, 2, 3 };
	char *s = malloc(size + 8), plain[CFG_SECRET_PLAIN_MAX + 1];
	size_t n;

	if (!s)
		return 0;
	memcpy(s, CFG_SECRET_PREFIX, 7);
	memcpy(s + 7, data, size);
	s[size + 7] = '\0';
	cfg_secret_check(s);
	if (cfg_secret_decrypt(key, s, plain, sizeof(plain), &n) == CFG_SECRET_OK &&
	    (n > CFG_SECRET_PLAIN_MAX || plain[n] != '\0'))
		abort();
	free(s);
	return 0;
}
