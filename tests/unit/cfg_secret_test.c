/* Encrypted passwords (enc:v1:, crypto_secretbox), key-file checks and the passwd ini rewrite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfg/secret.h"
#include "test_util.h"

/* NaCl / libsodium crypto_secretbox test vector (NaCl tests/secretbox.c: "firstkey", nonce,
 * the 131-byte message and its 147-byte box): our format is "enc:v1:" + base64(nonce || box). */
static const char nacl_key[] =
	"1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389";
static const char nacl_nonce[] = "69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37";
static const char nacl_m[] =
	"be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc"
	"e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31"
	"0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde"
	"048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864"
	"5e0705";
/* base64(nonce || box), computed independently with Python's base64 module. */
static const char nacl_enc[] =
	"enc:v1:aWlu6VW2K3PNYr2odfxz1oIZ4ANregs38//HcD+UAOUqfftLPTMF2Y6ZO59IaBJzwpZQujL8ds5IMy6nFk2W"
	"pEdvuMUxoRhqwN/BfJjc6HtNp/AR7EjJcnHSwg+bko/iJw1vuGPVFzi0ju7jFKfMirkyFkVI5SaukCJDaFF6z+q9a7Nz"
	"K8Dp2pmDK2HKAbbeViRKnojV+bN5c/YipD0UplmbH2VMtFp041Wl";

static void nacl_vectors(uint8_t key[32], uint8_t nonce[24], char m[132])
{
	assert_int_equal(test_hex(nacl_key, key, 32), 32);
	assert_int_equal(test_hex(nacl_nonce, nonce, 24), 24);
	assert_int_equal(test_hex(nacl_m, (uint8_t *)m, 131), 131);
	m[131] = '\0';
}

static void test_golden_encrypt(void **state)
{
	(void)state;
	uint8_t key[32], nonce[24];
	char m[132], out[400];

	nacl_vectors(key, nonce, m);
	assert_int_equal(cfg_secret_encrypt_nonce(key, nonce, m, 131, out, sizeof(out)),
			 CFG_SECRET_OK);
	assert_string_equal(out, nacl_enc);
	assert_int_equal(strlen(out), cfg_secret_enc_len(131));
	/* exactly enough room, then one byte less */
	assert_int_equal(cfg_secret_encrypt_nonce(key, nonce, m, 131, out, strlen(nacl_enc) + 1),
			 CFG_SECRET_OK);
	assert_int_equal(cfg_secret_encrypt_nonce(key, nonce, m, 131, out, strlen(nacl_enc)),
			 CFG_SECRET_E_LONG);
}

static void test_golden_decrypt(void **state)
{
	(void)state;
	uint8_t key[32], nonce[24];
	char m[132], plain[256];
	size_t n = 0;

	nacl_vectors(key, nonce, m);
	assert_int_equal(cfg_secret_decrypt(key, nacl_enc, plain, sizeof(plain), &n), CFG_SECRET_OK);
	assert_int_equal(n, 131);
	assert_memory_equal(plain, m, 131);
	assert_int_equal(plain[131], '\0');
	assert_int_equal(cfg_secret_check(nacl_enc), CFG_SECRET_OK);
}

static void test_round_trip_random_nonce(void **state)
{
	(void)state;
	uint8_t key[32];
	char a[512], b[512], plain[256];
	size_t n;

	memset(key, 7, sizeof(key));
	for (size_t len = 1; len <= CFG_SECRET_PLAIN_MAX; len += 37) {
		char pw[256];
		memset(pw, 'x', len);
		pw[0] = (char)('a' + len % 26);
		pw[len] = '\0';
		assert_int_equal(cfg_secret_encrypt(key, pw, len, a, sizeof(a)), CFG_SECRET_OK);
		assert_int_equal(cfg_secret_encrypt(key, pw, len, b, sizeof(b)), CFG_SECRET_OK);
		assert_string_not_equal(a, b); /* fresh nonce each time */
		assert_int_equal(strlen(a), cfg_secret_enc_len(len));
		assert_int_equal(cfg_secret_decrypt(key, a, plain, sizeof(plain), &n), CFG_SECRET_OK);
		assert_int_equal(n, len);
		assert_string_equal(plain, pw);
	}
	/* 255 bytes is the limit */
	char big[257];
	memset(big, 'p', 256);
	big[256] = '\0';
	assert_int_equal(cfg_secret_encrypt(key, big, 255, a, sizeof(a)), CFG_SECRET_OK);
	assert_int_equal(cfg_secret_encrypt(key, big, 256, a, sizeof(a)), CFG_SECRET_E_LONG);
	/* the plain buffer must hold the password and its NUL */
	assert_int_equal(cfg_secret_decrypt(key, a, plain, 255, &n), CFG_SECRET_E_LONG);
}

static void test_bad_plain(void **state)
{
	(void)state;
	uint8_t key[32] = { 0 };
	char out[400];

	assert_int_equal(cfg_secret_encrypt(key, "a\nb", 3, out, sizeof(out)), CFG_SECRET_E_CHAR);
	assert_int_equal(cfg_secret_encrypt(key, "a\rb", 3, out, sizeof(out)), CFG_SECRET_E_CHAR);
	assert_int_equal(cfg_secret_encrypt(key, "a\0b", 3, out, sizeof(out)), CFG_SECRET_E_CHAR);
}

static void test_tampered_and_wrong_key(void **state)
{
	(void)state;
	uint8_t key[32], nonce[24];
	char m[132], plain[256], enc[sizeof(nacl_enc)];
	size_t n;

	nacl_vectors(key, nonce, m);
	/* flip one base64 character in every position of the payload: never accepted */
	for (size_t i = 7; i < strlen(nacl_enc); i++) {
		memcpy(enc, nacl_enc, sizeof(enc));
		enc[i] = enc[i] == 'A' ? 'B' : 'A';
		memset(plain, 'Z', sizeof(plain));
		enum cfg_secret_err e = cfg_secret_decrypt(key, enc, plain, sizeof(plain), &n);
		assert_true(e == CFG_SECRET_E_AUTH || e == CFG_SECRET_E_BASE64);
		for (size_t j = 0; j < sizeof(plain); j++)
			assert_true(plain[j] == 0 || plain[j] == 'Z'); /* nothing decrypted left */
	}
	key[0] ^= 1;
	memset(plain, 'Z', sizeof(plain));
	assert_int_equal(cfg_secret_decrypt(key, nacl_enc, plain, sizeof(plain), &n),
			 CFG_SECRET_E_AUTH);
	for (size_t j = 0; j < sizeof(plain); j++)
		assert_int_equal(plain[j], 0); /* wiped */
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t key[32] = { 0 };
	char plain[256];
	size_t n;

	assert_int_equal(cfg_secret_check("hunter2"), CFG_SECRET_E_PREFIX);
	assert_int_equal(cfg_secret_check("enc:v2:AAAA"), CFG_SECRET_E_PREFIX);
	assert_int_equal(cfg_secret_check("enc:v1:"), CFG_SECRET_E_SHORT);
	assert_int_equal(cfg_secret_check("enc:v1:not base64!"), CFG_SECRET_E_BASE64);
	/* 40 zero bytes = nonce + MAC without a password byte: base64 "A"*54 + "==" */
	char s[100] = "enc:v1:";
	memset(s + 7, 'A', 54);
	strcpy(s + 61, "==");
	assert_int_equal(cfg_secret_check(s), CFG_SECRET_E_SHORT);
	/* 42 zero bytes: syntax fine, authentication fails */
	memset(s + 7, 'A', 56);
	s[63] = '\0';
	assert_int_equal(cfg_secret_check(s), CFG_SECRET_OK);
	assert_int_equal(cfg_secret_decrypt(key, s, plain, sizeof(plain), &n), CFG_SECRET_E_AUTH);
	/* longer than any valid password */
	char huge[600] = "enc:v1:";
	memset(huge + 7, 'A', 500);
	huge[507] = '\0';
	assert_int_equal(cfg_secret_check(huge), CFG_SECRET_E_LONG);
	assert_string_equal(cfg_secret_err_str(CFG_SECRET_E_AUTH), "wrong key or damaged ciphertext");
}

static void test_key_stat(void **state)
{
	(void)state;
	struct stat st = { .st_mode = S_IFREG | 0600, .st_uid = 0, .st_size = 32 };
	char err[200];

	assert_true(cfg_secret_key_stat_ok("/etc/v6link/secret.key", &st, err, sizeof(err)));
	st.st_mode = S_IFREG | 0644;
	assert_false(cfg_secret_key_stat_ok("/etc/v6link/secret.key", &st, err, sizeof(err)));
	assert_string_equal(err, "/etc/v6link/secret.key: must be owned by root with mode 0600 "
				 "(is 0644, owner 0)");
	st.st_mode = S_IFREG | 0600;
	st.st_uid = 1000;
	assert_false(cfg_secret_key_stat_ok("k", &st, err, sizeof(err)));
	assert_string_equal(err, "k: must be owned by root with mode 0600 (is 0600, owner 1000)");
	st.st_uid = 0;
	st.st_size = 31;
	assert_false(cfg_secret_key_stat_ok("k", &st, err, sizeof(err)));
	assert_string_equal(err, "k: must hold exactly 32 bytes (holds 31)");
	st.st_size = 32;
	st.st_mode = S_IFLNK | 0600;
	assert_false(cfg_secret_key_stat_ok("k", &st, err, sizeof(err)));
	assert_string_equal(err, "k: not a regular file");
}

/* A systemd credential (LoadCredential=, LoadCredentialEncrypted=): the service user's alone,
 * owned by root or by the uid v6link runs as. */
static void test_cred_stat(void **state)
{
	(void)state;
	struct stat st = { .st_mode = S_IFREG | 0400, .st_uid = 0, .st_size = 32 };
	char err[200];

	assert_true(cfg_secret_cred_stat_ok("/run/credentials/v6link.service/v6link.key", &st, 0,
					    err, sizeof(err)));
	st.st_mode = S_IFREG | 0600;
	assert_true(cfg_secret_cred_stat_ok("c", &st, 0, err, sizeof(err)));
	st.st_mode = S_IFREG | 0440;
	assert_false(cfg_secret_cred_stat_ok("c", &st, 0, err, sizeof(err)));
	assert_string_equal(err, "c: a credential must be owned by root and readable by its owner "
				 "only (is 0440, owner 0)");
	st.st_mode = S_IFREG | 0400;
	st.st_uid = 1000;
	assert_false(cfg_secret_cred_stat_ok("c", &st, 0, err, sizeof(err)));
	/* the uid v6link runs as may own it */
	assert_true(cfg_secret_cred_stat_ok("c", &st, 1000, err, sizeof(err)));
	st.st_uid = 0;
	st.st_size = 33;
	assert_false(cfg_secret_cred_stat_ok("c", &st, 0, err, sizeof(err)));
	assert_string_equal(err, "c: must hold exactly 32 bytes (holds 33)");
	st.st_size = 32;
	st.st_mode = S_IFDIR | 0400;
	assert_false(cfg_secret_cred_stat_ok("c", &st, 0, err, sizeof(err)));
	assert_string_equal(err, "c: not a regular file");
}

static const char *exists_only; /* the one path fake_exists says is there */
static bool fake_exists(const char *path)
{
	return exists_only && !strcmp(path, exists_only);
}

/* The key's place: $CREDENTIALS_DIRECTORY/v6link.key when it is set and holds that file, else
 * CONFDIR/secret.key. */
static void test_key_locate(void **state)
{
	(void)state;
	char out[300];

	exists_only = "/run/credentials/v6link.service/v6link.key";
	assert_true(cfg_secret_key_locate("/run/credentials/v6link.service", "/etc/v6link",
					  fake_exists, out, sizeof(out)));
	assert_string_equal(out, "/run/credentials/v6link.service/v6link.key");
	/* no $CREDENTIALS_DIRECTORY, or an empty one: the key file */
	assert_false(cfg_secret_key_locate(NULL, "/etc/v6link", fake_exists, out, sizeof(out)));
	assert_string_equal(out, "/etc/v6link/secret.key");
	assert_false(cfg_secret_key_locate("", "/etc/v6link", fake_exists, out, sizeof(out)));
	assert_string_equal(out, "/etc/v6link/secret.key");
	/* credentials of other names only (another service's, or LoadCredential= of another
	 * name): the key file */
	exists_only = "/run/credentials/x.service/other";
	assert_false(cfg_secret_key_locate("/run/credentials/x.service", "/tmp/c", fake_exists, out,
					   sizeof(out)));
	assert_string_equal(out, "/tmp/c/secret.key");
	/* a credentials path too long for out: never a truncated credential path */
	exists_only = NULL;
	assert_false(cfg_secret_key_locate("/run/credentials/v6link.service", "/e", fake_exists, out,
					   20));
	assert_string_equal(out, "/e/secret.key");
}

static char *set_pw(const char *in, const char *section, bool *no_section)
{
	size_t n = 0;
	char *out = cfg_ini_set_key(in, strlen(in), section, "password", "enc:v1:NEW", &n,
				    no_section);
	if (out)
		assert_int_equal(n, strlen(out));
	return out;
}

static void test_ini_set_replace(void **state)
{
	(void)state;
	bool ns;
	const char *in = "; my connections\n"
			 "[dsl]   ; home\n"
			 "enabled=1\n"
			 "  Password = enc:v1:OLD   ; set by passwd\n"
			 "# trailing comment\n"
			 "[lte]\n"
			 "password=enc:v1:LTE\n";
	char *out = set_pw(in, "dsl", &ns);
	assert_non_null(out);
	assert_string_equal(out, "; my connections\n"
				 "[dsl]   ; home\n"
				 "enabled=1\n"
				 "  Password = enc:v1:NEW   ; set by passwd\n"
				 "# trailing comment\n"
				 "[lte]\n"
				 "password=enc:v1:LTE\n");
	free(out);
	out = set_pw(in, "lte", &ns);
	assert_string_equal(out + strlen(out) - strlen("password=enc:v1:NEW\n"),
			    "password=enc:v1:NEW\n");
	assert_memory_equal(out, in, strlen(in) - strlen("password=enc:v1:LTE\n"));
	free(out);
}

static void test_ini_set_insert(void **state)
{
	(void)state;
	bool ns;
	char *out;

	out = set_pw("[a]\nuser_name=u\n; note\n\n[b]\nx=1\n", "a", &ns);
	assert_string_equal(out, "[a]\nuser_name=u\npassword=enc:v1:NEW\n; note\n\n[b]\nx=1\n");
	free(out);
	out = set_pw("[a]\r\nuser_name=u\r\n", "a", &ns); /* CRLF file keeps CRLF */
	assert_string_equal(out, "[a]\r\nuser_name=u\r\npassword=enc:v1:NEW\r\n");
	free(out);
	out = set_pw("[a]\nuser_name=u", "a", &ns); /* no line end at the end */
	assert_string_equal(out, "[a]\nuser_name=u\npassword=enc:v1:NEW");
	free(out);
	out = set_pw("[x]\n[a]", "a", &ns); /* empty section at the end */
	assert_string_equal(out, "[x]\n[a]\npassword=enc:v1:NEW");
	free(out);
	out = set_pw("[a]\n[b]\n", "a", &ns);
	assert_string_equal(out, "[a]\npassword=enc:v1:NEW\n[b]\n");
	free(out);
	/* "password" only as a prefix of another key, or in a comment: not replaced */
	out = set_pw("[a]\npasswords=1\n;password=old\n", "a", &ns);
	assert_string_equal(out, "[a]\npasswords=1\npassword=enc:v1:NEW\n;password=old\n");
	free(out);
	/* empty value replaced */
	out = set_pw("[a]\npassword=\n", "a", &ns);
	assert_string_equal(out, "[a]\npassword=enc:v1:NEW\n");
	free(out);
}

static void test_ini_set_no_section(void **state)
{
	(void)state;
	bool ns = false;

	assert_null(set_pw("[ab]\npassword=x\n[A]\n", "a", &ns));
	assert_true(ns);
	assert_null(set_pw("", "a", &ns));
	assert_true(ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_encrypt),
		cmocka_unit_test(test_golden_decrypt),
		cmocka_unit_test(test_round_trip_random_nonce),
		cmocka_unit_test(test_bad_plain),
		cmocka_unit_test(test_tampered_and_wrong_key),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_key_stat),
		cmocka_unit_test(test_cred_stat),
		cmocka_unit_test(test_key_locate),
		cmocka_unit_test(test_ini_set_replace),
		cmocka_unit_test(test_ini_set_insert),
		cmocka_unit_test(test_ini_set_no_section),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
