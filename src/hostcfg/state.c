/* State file lines; see state.h. */
#include "hostcfg/state.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *hostcfg_state_err_str(enum hostcfg_state_err e)
{
	switch (e) {
	case HOSTCFG_STATE_OK: return "ok";
	case HOSTCFG_STATE_E_LINE: return "malformed line";
	case HOSTCFG_STATE_E_VERSION: return "not 'version 1' first";
	case HOSTCFG_STATE_E_KEY: return "unknown key";
	case HOSTCFG_STATE_E_VALUE: return "bad value";
	case HOSTCFG_STATE_E_DUP: return "key repeated";
	case HOSTCFG_STATE_E_FULL: return "too many entries";
	case HOSTCFG_STATE_E_MISSING: return "required key missing";
	}
	return "?";
}

struct hostcfg_state_iter hostcfg_state_iter_init(const char *text, size_t len)
{
	struct hostcfg_state_iter it = { .text = text, .len = len };
	return it;
}

static bool state_key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
}

/* Splits one non-comment line p[0..n) into key and value. */
static bool state_split(const char *p, size_t n, struct hostcfg_kv *kv)
{
	const char *sp = memchr(p, ' ', n);
	if (!sp || sp == p || (size_t)(sp - p) + 1 >= n)
		return false;
	kv->key = p;
	kv->key_len = (size_t)(sp - p);
	kv->val = sp + 1;
	kv->val_len = n - kv->key_len - 1;
	for (size_t i = 0; i < kv->key_len; i++)
		if (!state_key_char(p[i]))
			return false;
	return true;
}

enum hostcfg_state_err hostcfg_state_next(struct hostcfg_state_iter *it, struct hostcfg_kv *kv)
{
	memset(kv, 0, sizeof(*kv));
	while (it->pos < it->len) {
		const char *p = it->text + it->pos;
		const char *nl = memchr(p, '\n', it->len - it->pos);
		size_t n = nl ? (size_t)(nl - p) : it->len - it->pos;
		it->pos += n + (nl ? 1 : 0);
		kv->line = ++it->line;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return HOSTCFG_STATE_E_LINE;
		if (n == 0 || p[0] == '#')
			continue;
		if (it->has_end)
			return HOSTCFG_STATE_E_LINE; /* nothing after "end" */
		if (n == 3 && memcmp(p, "end", 3) == 0) {
			if (!it->has_version)
				return HOSTCFG_STATE_E_VERSION;
			it->has_end = true;
			continue;
		}
		if (!state_split(p, n, kv))
			return HOSTCFG_STATE_E_LINE;
		if (it->has_version)
			return HOSTCFG_STATE_OK;
		if (!hostcfg_kv_is(kv, "version") || !hostcfg_kv_val_is(kv, "1"))
			return HOSTCFG_STATE_E_VERSION;
		it->has_version = true;
	}
	unsigned line = it->line;
	memset(kv, 0, sizeof(*kv));
	kv->line = line;
	if (!it->has_version)
		return HOSTCFG_STATE_E_VERSION;
	return it->has_end ? HOSTCFG_STATE_OK : HOSTCFG_STATE_E_MISSING;
}

bool hostcfg_kv_is(const struct hostcfg_kv *kv, const char *key)
{
	return kv->key_len == strlen(key) && memcmp(kv->key, key, kv->key_len) == 0;
}

bool hostcfg_kv_val_is(const struct hostcfg_kv *kv, const char *s)
{
	return kv->val_len == strlen(s) && memcmp(kv->val, s, kv->val_len) == 0;
}

/* A value (already free of control characters) copied into out[cap]. */
static bool kv_copy(const struct hostcfg_kv *kv, char *out, size_t cap)
{
	if (kv->val_len >= cap)
		return false;
	memcpy(out, kv->val, kv->val_len);
	out[kv->val_len] = '\0';
	return true;
}

bool hostcfg_kv_path(const struct hostcfg_kv *kv, char *out, size_t cap)
{
	if (kv->val_len < 2 || kv->val[0] != '/' || !kv_copy(kv, out, cap))
		return false;
	/* Each component: not empty, ".", or "..", so the path names what it seems to. */
	for (const char *c = out + 1;;) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!e)
			return true;
		c = e + 1;
	}
}

bool hostcfg_kv_ifname(const struct hostcfg_kv *kv, char *out, size_t cap)
{
	if (kv->val_len == 0 || kv->val_len > 15 || !kv_copy(kv, out, cap))
		return false;
	for (size_t i = 0; i < kv->val_len; i++)
		if ((unsigned char)out[i] <= ' ' || (unsigned char)out[i] >= 0x7f || out[i] == '/')
			return false;
	return true;
}

bool hostcfg_kv_hash(const struct hostcfg_kv *kv, char *out)
{
	if (kv->val_len != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((kv->val[i] >= '0' && kv->val[i] <= '9') || (kv->val[i] >= 'a' && kv->val[i] <= 'f')))
			return false;
	return kv_copy(kv, out, 65);
}

struct hostcfg_out hostcfg_out_init(char *buf, size_t cap)
{
	struct hostcfg_out o = { .buf = buf, .cap = cap, .is_full = cap == 0 };
	if (cap)
		buf[0] = '\0';
	return o;
}

void hostcfg_out_printf(struct hostcfg_out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->is_full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->is_full = true;
		o->buf[o->len] = '\0';
		return;
	}
	o->len += (size_t)n;
}

int hostcfg_out_result(const struct hostcfg_out *o)
{
	return o->is_full ? -1 : (int)o->len;
}

bool hostcfg_state_token_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == 0 || n == cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

bool hostcfg_state_path_ok(const char *path, size_t cap)
{
	char tmp[1024];
	size_t n = strnlen(path, sizeof(tmp));
	struct hostcfg_kv kv = { .val = path, .val_len = n };
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return false;
	return n < sizeof(tmp) && n < cap && hostcfg_kv_path(&kv, tmp, sizeof(tmp));
}
