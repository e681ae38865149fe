/* Encrypted passwords in connections.ini: "enc:v1:" + base64(nonce || crypto_secretbox) under a
 * 32-byte key file. Pure part (seal/open given a key, rewriting one key of one ini section as a
 * string transform) here; key-file and connections.ini file I/O in secret_io.c. */
#ifndef V6L_CFG_SECRET_H
#define V6L_CFG_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define CFG_SECRET_KEY_LEN 32      /* crypto_secretbox_KEYBYTES */
#define CFG_SECRET_NONCE_LEN 24    /* crypto_secretbox_NONCEBYTES */
#define CFG_SECRET_MAC_LEN 16      /* crypto_secretbox_MACBYTES */
#define CFG_SECRET_PLAIN_MAX 255   /* longest password, bytes (struct ppp_auth.secret is 256) */
#define CFG_SECRET_PREFIX "enc:v1:"
#define CFG_SECRET_KEY_PATH "/etc/v6link/secret.key"
/* A key kept outside the configuration directory: the systemd credential of this name
 * (LoadCredential=, LoadCredentialEncrypted=) in $CREDENTIALS_DIRECTORY. */
#define CFG_SECRET_CRED_NAME "v6link.key"

enum cfg_secret_err {
	CFG_SECRET_OK,
	CFG_SECRET_E_PREFIX,  /* does not start with enc:v1: (a plain password?) */
	CFG_SECRET_E_BASE64,  /* not valid base64 */
	CFG_SECRET_E_SHORT,   /* shorter than nonce + MAC + 1 byte */
	CFG_SECRET_E_LONG,    /* password longer than CFG_SECRET_PLAIN_MAX, or output too small */
	CFG_SECRET_E_AUTH,    /* wrong key or tampered ciphertext */
	CFG_SECRET_E_CHAR,    /* password holds a NUL or line-break character */
	CFG_SECRET_E_INIT,    /* sodium_init() failed */
};

const char *cfg_secret_err_str(enum cfg_secret_err e);

/* Length of the enc:v1: string (without NUL) for a plain_len-byte password. */
size_t cfg_secret_enc_len(size_t plain_len);

/* Encrypts plain[0..plain_len) with key under a fresh random nonce into out (NUL-terminated,
 * out_cap >= cfg_secret_enc_len(plain_len) + 1). */
enum cfg_secret_err cfg_secret_encrypt(const uint8_t key[CFG_SECRET_KEY_LEN], const char *plain,
				       size_t plain_len, char *out, size_t out_cap);

/* As cfg_secret_encrypt with the given nonce (for tests and golden vectors only). */
enum cfg_secret_err cfg_secret_encrypt_nonce(const uint8_t key[CFG_SECRET_KEY_LEN],
					     const uint8_t nonce[CFG_SECRET_NONCE_LEN],
					     const char *plain, size_t plain_len, char *out,
					     size_t out_cap);

/* Decrypts the NUL-terminated enc into plain (NUL-terminated, *plain_len bytes before it);
 * plain_cap > CFG_SECRET_PLAIN_MAX is always enough. On error plain is wiped. The caller wipes
 * plain with sodium_memzero after use. */
enum cfg_secret_err cfg_secret_decrypt(const uint8_t key[CFG_SECRET_KEY_LEN], const char *enc,
				       char *plain, size_t plain_cap, size_t *plain_len);

/* Checks the syntax of an enc:v1: string without a key (prefix, base64, length). */
enum cfg_secret_err cfg_secret_check(const char *enc);

/* Checks a key file's stat result: regular file, owned by root, mode 0600, 32 bytes. On
 * failure returns false with "PATH: must be owned by root with mode 0600 (is 0644)" or
 * similar in err. */
bool cfg_secret_key_stat_ok(const char *path, const struct stat *st, char *err, size_t err_cap);

/* Checks a systemd credential's stat result: regular file, owned by root or by self (the uid
 * v6link runs as), no access for group or others (a credential is its service user's alone),
 * 32 bytes.
 * On failure returns false with the reason in err, as cfg_secret_key_stat_ok. */
bool cfg_secret_cred_stat_ok(const char *path, const struct stat *st, uid_t self, char *err,
			     size_t err_cap);

/* Where the key is: CREDS_DIR/v6link.key when creds_dir (the value of $CREDENTIALS_DIRECTORY,
 * or NULL) is not empty and exists() says that file is there; else CONFDIR/secret.key. Writes
 * the path to out; returns true for the credential. */
bool cfg_secret_key_locate(const char *creds_dir, const char *confdir,
			   bool (*exists)(const char *path), char *out, size_t cap);

/* Returns a malloc'd copy of the ini text in[0..in_len) in which key=value is set in
 * [section]: the value of the first such key line is replaced (spacing and a trailing inline
 * comment kept), or a new line is inserted after the last key line of the section. Every other
 * byte is kept. Returns NULL if the section does not exist (*no_section = true) or on ENOMEM.
 * *out_len gets the length (the copy is also NUL-terminated). */
char *cfg_ini_set_key(const char *in, size_t in_len, const char *section, const char *key,
		      const char *value, size_t *out_len, bool *no_section);

/* File I/O (secret_io.c). Each returns 0, or -1 with a complete message in err. */

/* Loads the key from path after checking it with cfg_secret_key_stat_ok. */
int cfg_secret_key_load(const char *path, uint8_t key[CFG_SECRET_KEY_LEN], char *err,
			size_t err_cap);

/* cfg_secret_key_locate with $CREDENTIALS_DIRECTORY and the file system. */
bool cfg_secret_key_where(const char *confdir, char *out, size_t cap);

/* Loads the key of cfg_secret_key_where: a credential checked with cfg_secret_cred_stat_ok,
 * CONFDIR/secret.key with cfg_secret_key_stat_ok. */
int cfg_secret_key_load_any(const char *confdir, uint8_t key[CFG_SECRET_KEY_LEN], char *err,
			    size_t err_cap);

/* Loads the key, or if path does not exist creates it (32 random bytes, root-owned, 0600,
 * parent directory created 0755 if missing). */
int cfg_secret_key_load_or_create(const char *path, uint8_t key[CFG_SECRET_KEY_LEN], char *err,
				  size_t err_cap);

/* Sets password=enc in [conn] of the connections.ini at path, atomically (temporary file in the
 * same directory with the same owner and mode, fsync, rename). */
int cfg_passwd_store(const char *path, const char *conn, const char *enc, char *err,
		     size_t err_cap);

#endif
