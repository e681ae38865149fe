/* Encrypted passwords: "enc:v1:" + base64(nonce[24] || crypto_secretbox_easy(password)) under a
 * 32-byte key (XSalsa20-Poly1305, libsodium); key-file stat checks; and the pure string
 * transform that sets one key of one ini section while keeping every other byte. */
#include "cfg/secret.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(CFG_SECRET_KEY_LEN == crypto_secretbox_KEYBYTES, "key length");
_Static_assert(CFG_SECRET_NONCE_LEN == crypto_secretbox_NONCEBYTES, "nonce length");
_Static_assert(CFG_SECRET_MAC_LEN == crypto_secretbox_MACBYTES, "MAC length");

#define SECRET_PREFIX_LEN (sizeof(CFG_SECRET_PREFIX) - 1)
#define SECRET_BIN_MAX (CFG_SECRET_NONCE_LEN + CFG_SECRET_MAC_LEN + CFG_SECRET_PLAIN_MAX)
#define SECRET_B64 sodium_base64_VARIANT_ORIGINAL

const char *cfg_secret_err_str(enum cfg_secret_err e)
{
	switch (e) {
	case CFG_SECRET_OK: return "ok";
	case CFG_SECRET_E_PREFIX: return "not an enc:v1: string";
	case CFG_SECRET_E_BASE64: return "bad base64";
	case CFG_SECRET_E_SHORT: return "too short";
	case CFG_SECRET_E_LONG: return "too long";
	case CFG_SECRET_E_AUTH: return "wrong key or damaged ciphertext";
	case CFG_SECRET_E_CHAR: return "NUL or line break in password";
	case CFG_SECRET_E_INIT: return "libsodium initialisation failed";
	}
	return "?";
}

size_t cfg_secret_enc_len(size_t plain_len)
{
	size_t bin = CFG_SECRET_NONCE_LEN + CFG_SECRET_MAC_LEN + plain_len;

	return SECRET_PREFIX_LEN + sodium_base64_ENCODED_LEN(bin, SECRET_B64) - 1;
}

enum cfg_secret_err cfg_secret_encrypt_nonce(const uint8_t key[CFG_SECRET_KEY_LEN],
					     const uint8_t nonce[CFG_SECRET_NONCE_LEN],
					     const char *plain, size_t plain_len, char *out,
					     size_t out_cap)
{
	uint8_t bin[SECRET_BIN_MAX];
	size_t bin_len = CFG_SECRET_NONCE_LEN + CFG_SECRET_MAC_LEN + plain_len;

	if (sodium_init() < 0)
		return CFG_SECRET_E_INIT;
	if (plain_len > CFG_SECRET_PLAIN_MAX || out_cap < cfg_secret_enc_len(plain_len) + 1)
		return CFG_SECRET_E_LONG;
	if (memchr(plain, '\0', plain_len) || memchr(plain, '\n', plain_len) ||
	    memchr(plain, '\r', plain_len))
		return CFG_SECRET_E_CHAR;
	memcpy(bin, nonce, CFG_SECRET_NONCE_LEN);
	crypto_secretbox_easy(bin + CFG_SECRET_NONCE_LEN, (const uint8_t *)plain, plain_len,
			      nonce, key);
	memcpy(out, CFG_SECRET_PREFIX, SECRET_PREFIX_LEN);
	sodium_bin2base64(out + SECRET_PREFIX_LEN, out_cap - SECRET_PREFIX_LEN, bin, bin_len,
			  SECRET_B64);
	sodium_memzero(bin, sizeof(bin));
	return CFG_SECRET_OK;
}

enum cfg_secret_err cfg_secret_encrypt(const uint8_t key[CFG_SECRET_KEY_LEN], const char *plain,
				       size_t plain_len, char *out, size_t out_cap)
{
	uint8_t nonce[CFG_SECRET_NONCE_LEN];

	if (sodium_init() < 0)
		return CFG_SECRET_E_INIT;
	randombytes_buf(nonce, sizeof(nonce));
	return cfg_secret_encrypt_nonce(key, nonce, plain, plain_len, out, out_cap);
}

/* Decodes the base64 part of enc into bin; returns its length or sets *e. */
static size_t secret_decode(const char *enc, uint8_t *bin, size_t cap, enum cfg_secret_err *e)
{
	size_t b64_len, bin_len = 0;
	const char *end;

	*e = CFG_SECRET_OK;
	if (strncmp(enc, CFG_SECRET_PREFIX, SECRET_PREFIX_LEN)) {
		*e = CFG_SECRET_E_PREFIX;
		return 0;
	}
	enc += SECRET_PREFIX_LEN;
	b64_len = strlen(enc);
	if (b64_len > sodium_base64_ENCODED_LEN(cap, SECRET_B64) - 1) {
		*e = CFG_SECRET_E_LONG;
		return 0;
	}
	if (sodium_base642bin(bin, cap, enc, b64_len, NULL, &bin_len, &end, SECRET_B64) != 0 ||
	    end != enc + b64_len) {
		*e = CFG_SECRET_E_BASE64;
		return 0;
	}
	if (bin_len < CFG_SECRET_NONCE_LEN + CFG_SECRET_MAC_LEN + 1)
		*e = CFG_SECRET_E_SHORT;
	return bin_len;
}

enum cfg_secret_err cfg_secret_check(const char *enc)
{
	uint8_t bin[SECRET_BIN_MAX];
	enum cfg_secret_err e;

	if (sodium_init() < 0)
		return CFG_SECRET_E_INIT;
	secret_decode(enc, bin, sizeof(bin), &e);
	return e;
}

enum cfg_secret_err cfg_secret_decrypt(const uint8_t key[CFG_SECRET_KEY_LEN], const char *enc,
				       char *plain, size_t plain_cap, size_t *plain_len)
{
	uint8_t bin[SECRET_BIN_MAX];
	enum cfg_secret_err e;
	size_t bin_len, n;

	if (plain_cap > 0)
		plain[0] = '\0';
	if (sodium_init() < 0)
		return CFG_SECRET_E_INIT;
	bin_len = secret_decode(enc, bin, sizeof(bin), &e);
	if (e != CFG_SECRET_OK)
		return e;
	n = bin_len - CFG_SECRET_NONCE_LEN - CFG_SECRET_MAC_LEN;
	if (n + 1 > plain_cap)
		return CFG_SECRET_E_LONG;
	if (crypto_secretbox_open_easy((uint8_t *)plain, bin + CFG_SECRET_NONCE_LEN,
				       bin_len - CFG_SECRET_NONCE_LEN, bin, key) != 0) {
		sodium_memzero(plain, plain_cap);
		return CFG_SECRET_E_AUTH;
	}
	plain[n] = '\0';
	if (memchr(plain, '\0', n)) {
		sodium_memzero(plain, plain_cap);
		return CFG_SECRET_E_CHAR;
	}
	*plain_len = n;
	return CFG_SECRET_OK;
}

bool cfg_secret_cred_stat_ok(const char *path, const struct stat *st, uid_t self, char *err,
			     size_t err_cap)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, err_cap, "%s: not a regular file", path);
		return false;
	}
	if ((st->st_uid != 0 && st->st_uid != self) || (st->st_mode & 077)) {
		snprintf(err, err_cap, "%s: a credential must be owned by root and readable by its "
			 "owner only (is %04o, owner %u)", path, (unsigned)(st->st_mode & 07777),
			 (unsigned)st->st_uid);
		return false;
	}
	if (st->st_size != CFG_SECRET_KEY_LEN) {
		snprintf(err, err_cap, "%s: must hold exactly %d bytes (holds %lld)", path,
			 CFG_SECRET_KEY_LEN, (long long)st->st_size);
		return false;
	}
	return true;
}

bool cfg_secret_key_locate(const char *creds_dir, const char *confdir,
			   bool (*exists)(const char *path), char *out, size_t cap)
{
	if (creds_dir && creds_dir[0]) {
		int n = snprintf(out, cap, "%s/%s", creds_dir, CFG_SECRET_CRED_NAME);
		if (n > 0 && (size_t)n < cap && exists(out))
			return true;
	}
	snprintf(out, cap, "%s/secret.key", confdir);
	return false;
}

bool cfg_secret_key_stat_ok(const char *path, const struct stat *st, char *err, size_t err_cap)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, err_cap, "%s: not a regular file", path);
		return false;
	}
	if (st->st_uid != 0 || (st->st_mode & 07777) != 0600) {
		snprintf(err, err_cap, "%s: must be owned by root with mode 0600 (is %04o, owner %u)",
			 path, (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid);
		return false;
	}
	if (st->st_size != CFG_SECRET_KEY_LEN) {
		snprintf(err, err_cap, "%s: must hold exactly %d bytes (holds %lld)", path,
			 CFG_SECRET_KEY_LEN, (long long)st->st_size);
		return false;
	}
	return true;
}
