/* Bounds-checked byte cursors; see cur.h. */
#include "cur.h"

#include <string.h>

const uint8_t *rcur_ptr(struct rcur *c, size_t n)
{
	if (c->bad || c->left < n) {
		c->bad = true;
		c->left = 0;
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

uint8_t rcur_u8(struct rcur *c)
{
	const uint8_t *p = rcur_ptr(c, 1);
	return p ? p[0] : 0;
}

uint16_t rcur_u16(struct rcur *c)
{
	const uint8_t *p = rcur_ptr(c, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rcur_u32(struct rcur *c)
{
	const uint8_t *p = rcur_ptr(c, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

uint64_t rcur_u64(struct rcur *c)
{
	uint64_t hi = rcur_u32(c);
	return hi << 32 | rcur_u32(c);
}

bool rcur_bytes(struct rcur *c, void *out, size_t n)
{
	const uint8_t *p = rcur_ptr(c, n);
	if (!p) {
		if (n)
			memset(out, 0, n);
		return false;
	}
	if (n)
		memcpy(out, p, n);
	return true;
}

bool rcur_skip(struct rcur *c, size_t n)
{
	return rcur_ptr(c, n) != NULL;
}

bool rcur_sub(struct rcur *c, size_t n, struct rcur *sub)
{
	const uint8_t *p = rcur_ptr(c, n);
	if (!p) {
		*sub = (struct rcur){ .p = NULL, .left = 0, .bad = true };
		return false;
	}
	*sub = rcur_init(p, n);
	return true;
}

bool rcur_addr6(struct rcur *c, uint8_t out[16])
{
	return rcur_bytes(c, out, 16);
}

static uint8_t *wcur_reserve(struct wcur *w, size_t n)
{
	if (w->full || w->cap - w->len < n) {
		w->full = true;
		return NULL;
	}
	uint8_t *p = w->p + w->len;
	w->len += n;
	return p;
}

void wcur_put_u8(struct wcur *w, uint8_t v)
{
	uint8_t *p = wcur_reserve(w, 1);
	if (p)
		p[0] = v;
}

void wcur_put_u16(struct wcur *w, uint16_t v)
{
	uint8_t *p = wcur_reserve(w, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

void wcur_put_u32(struct wcur *w, uint32_t v)
{
	wcur_put_u16(w, (uint16_t)(v >> 16));
	wcur_put_u16(w, (uint16_t)v);
}

void wcur_put_u64(struct wcur *w, uint64_t v)
{
	wcur_put_u32(w, (uint32_t)(v >> 32));
	wcur_put_u32(w, (uint32_t)v);
}

void wcur_put_bytes(struct wcur *w, const void *src, size_t n)
{
	uint8_t *p = wcur_reserve(w, n);
	if (p && n)
		memcpy(p, src, n);
}

void wcur_put_zero(struct wcur *w, size_t n)
{
	uint8_t *p = wcur_reserve(w, n);
	if (p && n)
		memset(p, 0, n);
}

void wcur_patch_u16(struct wcur *w, size_t off, uint16_t v)
{
	if (w->full || off + 2 > w->len)
		return;
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
}

void wcur_patch_u8(struct wcur *w, size_t off, uint8_t v)
{
	if (w->full || off + 1 > w->len)
		return;
	w->p[off] = v;
}

struct wcur_mark wcur_tlv_open(struct wcur *w, uint32_t type, uint8_t type_width, uint8_t len_width)
{
	struct wcur_mark m = { .off = w->len, .type_width = type_width, .len_width = len_width };
	if (type_width == 2)
		wcur_put_u16(w, (uint16_t)type);
	else
		wcur_put_u8(w, (uint8_t)type);
	wcur_put_zero(w, len_width);
	return m;
}

void wcur_tlv_close(struct wcur *w, struct wcur_mark m, unsigned unit, bool hdr_incl)
{
	if (w->full)
		return;
	size_t hdr = (size_t)m.type_width + m.len_width;
	size_t total = w->len - m.off;
	size_t n = hdr_incl ? total : total - hdr;
	if (unit > 1) {
		if (n % unit) {
			w->full = true;
			return;
		}
		n /= unit;
	}
	size_t max = m.len_width == 2 ? 0xffff : 0xff;
	if (n > max) {
		w->full = true;
		return;
	}
	if (m.len_width == 2)
		wcur_patch_u16(w, m.off + m.type_width, (uint16_t)n);
	else
		wcur_patch_u8(w, m.off + m.type_width, (uint8_t)n);
}

bool tlv16_next(struct rcur *c, uint16_t *type, struct rcur *val)
{
	if (c->bad || c->left == 0)
		return false;
	*type = rcur_u16(c);
	uint16_t len = rcur_u16(c);
	return rcur_sub(c, len, val);
}

bool ndopt_next(struct rcur *c, uint8_t *type, struct rcur *val)
{
	if (c->bad || c->left == 0)
		return false;
	*type = rcur_u8(c);
	uint8_t units = rcur_u8(c);
	if (!rcur_ok(c) || units == 0) {
		c->bad = true;
		return false;
	}
	return rcur_sub(c, (size_t)units * 8 - 2, val);
}

bool cpopt_next(struct rcur *c, uint8_t *type, struct rcur *val)
{
	if (c->bad || c->left == 0)
		return false;
	*type = rcur_u8(c);
	uint8_t len = rcur_u8(c);
	if (!rcur_ok(c) || len < 2) {
		c->bad = true;
		return false;
	}
	return rcur_sub(c, (size_t)len - 2, val);
}
