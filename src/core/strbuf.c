/* Growable string buffer and the JSON and shell escapers; see strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(struct strbuf *b)
{
	*b = (struct strbuf){ 0 };
}

void sb_free(struct strbuf *b)
{
	free(b->s);
	*b = (struct strbuf){ 0 };
}

static bool sb_reserve(struct strbuf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (extra >= SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_put(struct strbuf *b, const void *p, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	if (n)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

/* Length of the well-formed UTF-8 sequence that starts at p (n > 0 bytes left), or 0 if none
 * does. RFC 3629 §4: C0, C1 and F5..FF never appear; E0 needs A0..BF next (no overlong), ED
 * 80..9F (no UTF-16 surrogate), F0 90..BF (no overlong), F4 80..8F (nothing above U+10FFFF). */
static size_t sb_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static void sb_json_byte_esc(struct strbuf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
	sb_put(b, e, sizeof(e));
}

void sb_json_mem(struct strbuf *b, const void *p, size_t n)
{
	const unsigned char *s = p;
	sb_put(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = 1;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			sb_put(b, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			sb_json_byte_esc(b, c);
		} else if ((len = sb_utf8_len(s + i, n - i)) != 0) {
			sb_put(b, s + i, len);
		} else {
			/* Not UTF-8: the byte as Latin-1 (an old AC's ISO 8859-1 name shows). */
			sb_json_byte_esc(b, c);
			len = 1;
		}
		i += len;
	}
	sb_put(b, "\"", 1);
}

void sb_json_str(struct strbuf *b, const char *s)
{
	if (!s) {
		sb_put(b, "null", 4);
		return;
	}
	sb_json_mem(b, s, strlen(s));
}

void sb_sh_quote(struct strbuf *b, const char *s)
{
	sb_put(b, "'", 1);
	for (;;) {
		size_t n = strcspn(s, "'");
		sb_put(b, s, n);
		if (!s[n])
			break;
		/* Close the quotes, a quoted ', open them again: the one way to write ' in sh. */
		sb_put(b, "'\\''", 4);
		s += n + 1;
	}
	sb_put(b, "'", 1);
}

static bool sb_sh_name_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

bool sb_sh_assign(struct strbuf *b, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return false;
	for (const char *k = kv; k < eq; k++)
		if (!sb_sh_name_char(*k, k == kv))
			return false;
	sb_put(b, kv, (size_t)(eq - kv) + 1);
	sb_sh_quote(b, eq + 1);
	sb_put(b, "\n", 1);
	return true;
}
