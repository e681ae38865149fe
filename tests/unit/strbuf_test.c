/* The escapers of text from peers (core/strbuf): JSON string literals that are valid JSON and
 * valid UTF-8 for any bytes (RFC 8259 §7-8, RFC 3629 §4 well-formedness: valid 2/3/4-byte
 * sequences pass, overlongs, surrogates, > U+10FFFF, truncated sequences and lone continuation
 * bytes become \u00XX), and shell single quoting for NAME.env, checked by sourcing the output
 * in sh and bash (quotes, newlines, $( ), backticks, bytes >= 0x80, empty values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/strbuf.h"
#include "test_util.h"

/* sb_json_mem of n bytes must give exactly want (the quotes included). */
static void json_is(const char *in, size_t n, const char *want)
{
	struct strbuf b;
	sb_init(&b);
	sb_json_mem(&b, in, n);
	assert_false(b.oom);
	assert_string_equal(b.s, want);
	sb_free(&b);
}
#define JSON_IS(lit, want) json_is(lit, sizeof(lit) - 1, want)

static void test_json_ascii(void **state)
{
	(void)state;
	JSON_IS("", "\"\"");
	JSON_IS("v6l-isp-a", "\"v6l-isp-a\"");
	JSON_IS("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	JSON_IS("\x01\n\t\x1f \x7f~", "\"\\u0001\\u000a\\u0009\\u001f \\u007f~\"");
	JSON_IS("a\0b", "\"a\\u0000b\"");
	struct strbuf b;
	sb_init(&b);
	sb_json_str(&b, NULL);
	sb_put(&b, ",", 1);
	sb_json_str(&b, "x");
	assert_string_equal(b.s, "null,\"x\"");
	sb_free(&b);
}

/* Well-formed sequences, at the edges of every row of RFC 3629 §4's table, pass unchanged. */
static void test_json_utf8_valid(void **state)
{
	(void)state;
	JSON_IS("\xc2\x80", "\"\xc2\x80\"");                 /* U+0080 */
	JSON_IS("T\xc3\xa9l\xc3\xa9" "com", "\"T\xc3\xa9l\xc3\xa9" "com\""); /* é */
	JSON_IS("\xdf\xbf", "\"\xdf\xbf\"");                 /* U+07FF */
	JSON_IS("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");         /* U+0800 */
	JSON_IS("\xe2\x82\xac", "\"\xe2\x82\xac\"");         /* € */
	JSON_IS("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");         /* U+D7FF */
	JSON_IS("\xee\x80\x80", "\"\xee\x80\x80\"");         /* U+E000 */
	JSON_IS("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");         /* U+FFFF */
	JSON_IS("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\""); /* U+10000 */
	JSON_IS("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""); /* U+1F600 */
	JSON_IS("\xf3\xbf\xbf\xbf", "\"\xf3\xbf\xbf\xbf\""); /* U+FFFFF */
	JSON_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	JSON_IS("\xe2\x80\xa8", "\"\xe2\x80\xa8\"");         /* U+2028: valid JSON as it is */
}

/* Everything else: each byte that does not start a well-formed sequence is \u00XX (Latin-1),
 * and decoding goes on at the next byte. */
static void test_json_utf8_invalid(void **state)
{
	(void)state;
	/* An ISO 8859-1 AC-Name ("Télécom"). */
	JSON_IS("T\xe9l\xe9" "com", "\"T\\u00e9l\\u00e9com\"");
	/* Lone continuation bytes. */
	JSON_IS("\x80", "\"\\u0080\"");
	JSON_IS("a\xbf" "b", "\"a\\u00bfb\"");
	/* Overlongs: C0/C1 leads, E0 80..9F, F0 80..8F ("/" and U+07FF, U+FFFF in long forms). */
	JSON_IS("\xc0\xaf", "\"\\u00c0\\u00af\"");
	JSON_IS("\xc1\xbf", "\"\\u00c1\\u00bf\"");
	JSON_IS("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"");
	JSON_IS("\xe0\x9f\xbf", "\"\\u00e0\\u009f\\u00bf\"");
	JSON_IS("\xf0\x80\x80\xaf", "\"\\u00f0\\u0080\\u0080\\u00af\"");
	JSON_IS("\xf0\x8f\xbf\xbf", "\"\\u00f0\\u008f\\u00bf\\u00bf\"");
	/* UTF-16 surrogates encoded in UTF-8 (CESU-8 style). */
	JSON_IS("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
	JSON_IS("\xed\xbf\xbf", "\"\\u00ed\\u00bf\\u00bf\"");
	JSON_IS("\xed\xa0\xbd\xed\xb8\x80", "\"\\u00ed\\u00a0\\u00bd\\u00ed\\u00b8\\u0080\"");
	/* Above U+10FFFF, and bytes that never appear. */
	JSON_IS("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"");
	JSON_IS("\xf5\x80\x80\x80", "\"\\u00f5\\u0080\\u0080\\u0080\"");
	JSON_IS("\xf8\x88\x80\x80\x80", "\"\\u00f8\\u0088\\u0080\\u0080\\u0080\"");
	JSON_IS("\xfe\xff", "\"\\u00fe\\u00ff\"");
	/* Truncated: at the end, before ASCII, before another lead; what follows survives. */
	JSON_IS("\xc3", "\"\\u00c3\"");
	JSON_IS("\xe2\x82", "\"\\u00e2\\u0082\"");
	JSON_IS("\xf0\x9f\x98", "\"\\u00f0\\u009f\\u0098\"");
	JSON_IS("\xe2\x82" "A", "\"\\u00e2\\u0082A\"");
	JSON_IS("\xf0\x9f\x98\xc3\xa9", "\"\\u00f0\\u009f\\u0098\xc3\xa9\"");
	JSON_IS("\xe2\"", "\"\\u00e2\\\"\"");
	JSON_IS("\xc3\n", "\"\\u00c3\\u000a\"");
	/* The hostile AC-Name of test_hooks.sh. */
	JSON_IS("v6l$(touch x)\xff\"", "\"v6l$(touch x)\\u00ff\\\"\"");
}

/* Every string of one and two bytes: the output is well-formed UTF-8, every byte below 0x20 is
 * absent, and replacing each \u00XX by byte XX (\" \\ by the character) gives the input back. */
static bool utf8_ok(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		unsigned len = c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 :
			       c < 0xf5 ? 4 : 0;
		if (!len || i + len > n)
			return false;
		uint32_t cp = len == 1 ? c : c & (0x7f >> len);
		for (unsigned k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static size_t json_unescape(const char *s, unsigned char *out)
{
	size_t n = 0, len = strlen(s);
	assert_true(len >= 2 && s[0] == '"' && s[len - 1] == '"');
	for (size_t i = 1; i < len - 1; i++) {
		assert_true((unsigned char)s[i] >= 0x20);
		if (s[i] != '\\') {
			assert_true(s[i] != '"');
			out[n++] = (unsigned char)s[i];
		} else if (s[i + 1] == 'u') {
			unsigned v;
			assert_int_equal(sscanf(s + i + 2, "%4x", &v), 1);
			assert_true(v <= 0xff);
			out[n++] = (unsigned char)v;
			i += 5;
		} else {
			assert_true(s[i + 1] == '"' || s[i + 1] == '\\');
			out[n++] = (unsigned char)s[++i];
		}
	}
	return n;
}

static void test_json_exhaustive_short(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 0x10100; v++) {
		unsigned w = v - 0x100;
		unsigned char in[2] = { (unsigned char)v, 0 }, back[2];
		size_t n = v < 0x100 ? 1 : 2;
		if (n == 2) {
			in[0] = (unsigned char)(w >> 8);
			in[1] = (unsigned char)w;
		}
		struct strbuf b;
		sb_init(&b);
		sb_json_mem(&b, in, n);
		assert_true(utf8_ok((const unsigned char *)b.s, b.len));
		assert_int_equal(strlen(b.s), b.len);
		assert_int_equal(json_unescape(b.s, back), n);
		assert_memory_equal(back, in, n);
		sb_free(&b);
	}
}

static void sh_quote_is(const char *in, const char *want)
{
	struct strbuf b;
	sb_init(&b);
	sb_sh_quote(&b, in);
	assert_string_equal(b.s, want);
	sb_free(&b);
}

static void test_sh_quote(void **state)
{
	(void)state;
	sh_quote_is("", "''");
	sh_quote_is("v6l-isp-a", "'v6l-isp-a'");
	sh_quote_is("it's", "'it'\\''s'");
	sh_quote_is("'", "''\\'''");
	sh_quote_is("''", "''\\'''\\'''");
	sh_quote_is("a\nb", "'a\nb'");
	sh_quote_is("$(id) `id` ${x} \\ \" ; & | < > * ? [ ] ~ # !",
		    "'$(id) `id` ${x} \\ \" ; & | < > * ? [ ] ~ # !'");
	sh_quote_is("\xe9\xff\xc3\xa9", "'\xe9\xff\xc3\xa9'");
}

static void sh_assign_is(const char *kv, const char *want)
{
	struct strbuf b;
	sb_init(&b);
	sb_put(&b, "x", 1);
	assert_int_equal(sb_sh_assign(&b, kv), want != NULL);
	assert_string_equal(b.s + 1, want ? want : "");
	sb_free(&b);
}

static void test_sh_assign(void **state)
{
	(void)state;
	sh_assign_is("V6LINK_AC_NAME=isp", "V6LINK_AC_NAME='isp'\n");
	sh_assign_is("V6LINK_DNS=", "V6LINK_DNS=''\n");
	sh_assign_is("_k9=a=b", "_k9='a=b'\n");
	sh_assign_is("K=it's", "K='it'\\''s'\n");
	sh_assign_is("NOEQUALS", NULL);
	sh_assign_is("=v", NULL);
	sh_assign_is("9K=v", NULL);
	sh_assign_is("K-X=v", NULL);
	sh_assign_is("K X=v", NULL);
	sh_assign_is("$(id)=v", NULL);
	sh_assign_is("", NULL);
}

/* The values a hostile peer could send; each must come back byte for byte from `. FILE`. */
static const char *const sh_vals[] = {
	"",
	"plain",
	"v6l$(touch MARK)",
	"`touch MARK`",
	"$(touch MARK)'$(touch MARK)'\"$(touch MARK)\"",
	"'",
	"a'b''c'''",
	"\\",
	"trailing backslash \\",
	"line1\nline2\n",
	"\n",
	"x; touch MARK; y",
	"${HOME} $0 $1 $$ $? $# $@ $* ~ * ?",
	"\xe9\xff\x80\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\xa0\x80",
	"\xa5'\xa5\\'\x81\\",
	"\t tab and spaces  ",
	"|&;<>()!#%^{}[]=",
};
#define N_SH_VALS (sizeof(sh_vals) / sizeof(sh_vals[0]))

/* Writes every value as V0..Vn into dir/t.env, sources it in SHELL under LOCALE and prints each
 * value NUL-terminated; the output must equal the values and MARK must not exist. */
static void sh_roundtrip(const char *dir, const char *shell, const char *locale)
{
	char path[256], cmd[1024], kv[256];
	struct strbuf b;
	sb_init(&b);
	for (size_t i = 0; i < N_SH_VALS; i++) {
		snprintf(kv, sizeof(kv), "V%zu=%s", i, sh_vals[i]);
		assert_true(sb_sh_assign(&b, kv));
	}
	assert_false(b.oom);
	snprintf(path, sizeof(path), "%s/t.env", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(b.s, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);
	sb_free(&b);
	int n = snprintf(cmd, sizeof(cmd), "cd '%s' && LC_ALL=%s %s -c 'set -eu; . ./t.env", dir,
			 locale, shell);
	for (size_t i = 0; i < N_SH_VALS; i++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, "; printf \"%%s\\0\" \"$V%zu\"", i);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, "' 2>/dev/null");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char out[4096];
	size_t got = fread(out, 1, sizeof(out), p);
	assert_int_equal(pclose(p), 0);
	size_t off = 0;
	for (size_t i = 0; i < N_SH_VALS; i++) {
		size_t l = strlen(sh_vals[i]);
		assert_true(off + l < got);
		assert_memory_equal(out + off, sh_vals[i], l);
		assert_int_equal(out[off + l], 0);
		off += l + 1;
	}
	assert_int_equal(off, got);
	snprintf(path, sizeof(path), "%s/MARK", dir);
	assert_int_equal(access(path, F_OK), -1);
}

static int sh_dir_setup(void **state)
{
	static char dir[128];
	if (!test_mkdtemp(dir, sizeof(dir), "v6l-strbuf-test"))
		return -1;
	*state = dir;
	return 0;
}

/* Removes what the test may leave, even after a failed assertion. */
static int sh_dir_teardown(void **state)
{
	const char *dir = *state;
	char path[256];
	snprintf(path, sizeof(path), "%s/t.env", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/MARK", dir);
	unlink(path);
	return rmdir(dir);
}

static void test_sh_source_roundtrip(void **state)
{
	const char *dir = *state;
	sh_roundtrip(dir, "/bin/sh", "C");
	if (access("/bin/bash", X_OK) == 0) {
		sh_roundtrip(dir, "/bin/bash", "C");
		sh_roundtrip(dir, "/bin/bash", "C.UTF-8");
		sh_roundtrip(dir, "/bin/bash --posix", "C.UTF-8");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_ascii),
		cmocka_unit_test(test_json_utf8_valid),
		cmocka_unit_test(test_json_utf8_invalid),
		cmocka_unit_test(test_json_exhaustive_short),
		cmocka_unit_test(test_sh_quote),
		cmocka_unit_test(test_sh_assign),
		cmocka_unit_test_setup_teardown(test_sh_source_roundtrip, sh_dir_setup,
						sh_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
