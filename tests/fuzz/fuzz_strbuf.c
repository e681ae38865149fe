/* Fuzzes the escapers of core/strbuf on arbitrary bytes. JSON (sb_json_mem, sb_json_str): the
 * output must be one JSON string literal (RFC 8259 §7: only the escapes it allows, no raw byte
 * below 0x20), well-formed UTF-8 (RFC 3629 §4, checked by the validator below), give the input
 * back when each \u00XX is read as byte XX, and equal the input between quotes when the input is
 * already clean UTF-8. Shell (sb_sh_quote, sb_sh_assign): the unquoter below accepts only
 * '...' runs and \' between them, so any unquoted metacharacter aborts; what it reads back must
 * be the input, and a line is written exactly when the key is a shell name. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Strict UTF-8 (RFC 3629 §4), decoding code points rather than matching byte ranges, so it does
 * not share its method with sb_utf8_len. */
static bool fz_utf8_ok(const uint8_t *p, size_t n)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		unsigned len = c < 0x80 ? 1 : c < 0xc0 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 :
			       c < 0xf8 ? 4 : 0;
		if (!len || len > n - i)
			return false;
		uint32_t cp = len == 1 ? c : c & (0x7fu >> len);
		for (unsigned k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3fu);
		}
		if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static int fz_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses s[0..n) as exactly one JSON string literal (RFC 8259 §7) into out (bytes; \uXXXX must
 * be <= 0xff here, as sb_json_mem writes no other); returns the length or aborts. */
static size_t fz_json_unescape(const char *s, size_t n, uint8_t *out)
{
	size_t k = 0;
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	for (size_t i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == '"')
			abort();
		if (c != '\\') {
			out[k++] = c;
			continue;
		}
		if (++i >= n - 1)
			abort();
		switch (s[i]) {
		case '"': case '\\': case '/':
			out[k++] = (uint8_t)s[i];
			break;
		case 'u': {
			if (n - 1 - i < 5)
				abort();
			int v = 0;
			for (int d = 1; d <= 4; d++) {
				int h = fz_hex(s[i + d]);
				if (h < 0)
					abort();
				v = v << 4 | h;
			}
			if (v > 0xff)
				abort();
			out[k++] = (uint8_t)v;
			i += 4;
			break;
		}
		default: /* b f n r t are valid JSON, but sb_json_mem writes \u00XX for them */
			abort();
		}
	}
	return k;
}

static void fz_json(const uint8_t *data, size_t len, const char *str)
{
	struct strbuf b, z;
	sb_init(&b);
	sb_json_mem(&b, data, len);
	if (b.oom || strlen(b.s) != b.len || !fz_utf8_ok((const uint8_t *)b.s, b.len))
		abort();
	uint8_t *back = malloc(len + 1);
	if (!back || fz_json_unescape(b.s, b.len, back) != len || memcmp(back, data, len) != 0)
		abort();
	free(back);
	bool is_clean = fz_utf8_ok(data, len);
	for (size_t i = 0; i < len; i++)
		is_clean = is_clean && data[i] >= 0x20 && data[i] != 0x7f && data[i] != '"' &&
			   data[i] != '\\';
	if (is_clean && (b.len != len + 2 || memcmp(b.s + 1, data, len) != 0))
		abort();
	/* sb_json_str is sb_json_mem up to the first NUL. */
	size_t sl = strlen(str);
	sb_init(&z);
	sb_json_str(&z, str);
	sb_free(&b);
	sb_init(&b);
	sb_json_mem(&b, str, sl);
	if (z.len != b.len || memcmp(z.s, b.s, b.len) != 0)
		abort();
	sb_free(&z);
	sb_free(&b);
}

/* Reads one shell word written with single quotes and \' only, as sh would, into out; aborts at
 * anything else (a character sh would treat as syntax or expand). Returns the length. */
static size_t fz_sh_unquote(const char *s, size_t n, char *out)
{
	size_t k = 0, i = 0;
	bool is_quoted = false;
	while (i < n) {
		if (is_quoted) {
			if (s[i] == '\'')
				is_quoted = false;
			else
				out[k++] = s[i];
			i++;
		} else if (s[i] == '\'') {
			is_quoted = true;
			i++;
		} else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\'') {
			out[k++] = '\'';
			i += 2;
		} else {
			abort();
		}
	}
	if (is_quoted)
		abort();
	return k;
}

static void fz_sh(const char *str)
{
	size_t sl = strlen(str);
	char *back = malloc(sl + 1);
	struct strbuf b;
	sb_init(&b);
	sb_sh_quote(&b, str);
	if (!back || b.oom || fz_sh_unquote(b.s, b.len, back) != sl || memcmp(back, str, sl) != 0)
		abort();
	sb_free(&b);
	/* The key check: a shell name before the first '='. */
	const char *eq = strchr(str, '=');
	bool is_name = eq && eq != str;
	for (const char *k = str; is_name && k < eq; k++)
		is_name = *k == '_' || (*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
			  (k != str && *k >= '0' && *k <= '9');
	sb_init(&b);
	sb_put(&b, "", 0);
	if (sb_sh_assign(&b, str) != is_name)
		abort();
	if (!is_name) {
		if (b.len != 0)
			abort();
	} else {
		size_t kl = (size_t)(eq - str) + 1, vl = sl - kl;
		if (b.len < kl + 1 || memcmp(b.s, str, kl) != 0 || b.s[b.len - 1] != '\n' ||
		    fz_sh_unquote(b.s + kl, b.len - kl - 1, back) != vl ||
		    memcmp(back, eq + 1, vl) != 0)
			abort();
	}
	sb_free(&b);
	free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *str = malloc(len + 1);
	if (!str)
		return 0;
	memcpy(str, data, len);
	str[len] = 0;
	fz_json(data, len, str);
	fz_sh(str);
	free(str);
	return 0;
}
