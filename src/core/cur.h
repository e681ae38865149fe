/* Bounds-checked byte cursors for every codec: a short read or an overfull write latches a flag
 * instead of touching memory out of range. Big-endian (network order) accessors only.
 * TLV walkers for the three option formats the protocols use (PPPoE/DHCPv6, ND, PPP CP). */
#ifndef V6L_CUR_H
#define V6L_CUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rcur {
	const uint8_t *p;
	size_t left;
	bool bad;
};

struct wcur {
	uint8_t *p;
	size_t cap, len;
	bool full;
};

/* A read cursor over buf[0..len); the cursor borrows buf. */
static inline struct rcur rcur_init(const void *buf, size_t len)
{
	struct rcur c = { .p = buf, .left = len, .bad = false };
	return c;
}

static inline bool rcur_ok(const struct rcur *c) { return !c->bad; }
static inline size_t rcur_left(const struct rcur *c) { return c->left; }

uint8_t rcur_u8(struct rcur *c);
uint16_t rcur_u16(struct rcur *c);
uint32_t rcur_u32(struct rcur *c);
uint64_t rcur_u64(struct rcur *c);
/* Copies n bytes into out; on a short read latches bad and zero-fills out. */
bool rcur_bytes(struct rcur *c, void *out, size_t n);
/* Returns a pointer to the next n bytes (borrowed) and advances, or NULL and latches bad. */
const uint8_t *rcur_ptr(struct rcur *c, size_t n);
bool rcur_skip(struct rcur *c, size_t n);
/* Splits the next n bytes off into sub; on a short read latches bad and sub is empty+bad. */
bool rcur_sub(struct rcur *c, size_t n, struct rcur *sub);
bool rcur_addr6(struct rcur *c, uint8_t out[16]);

/* A write cursor over buf[0..cap). */
static inline struct wcur wcur_init(void *buf, size_t cap)
{
	struct wcur w = { .p = buf, .cap = cap, .len = 0, .full = false };
	return w;
}

static inline bool wcur_ok(const struct wcur *w) { return !w->full; }

void wcur_put_u8(struct wcur *w, uint8_t v);
void wcur_put_u16(struct wcur *w, uint16_t v);
void wcur_put_u32(struct wcur *w, uint32_t v);
void wcur_put_u64(struct wcur *w, uint64_t v);
void wcur_put_bytes(struct wcur *w, const void *src, size_t n);
void wcur_put_zero(struct wcur *w, size_t n);
/* Overwrites a big-endian u16 at an earlier offset (for length fields). */
void wcur_patch_u16(struct wcur *w, size_t off, uint16_t v);
void wcur_patch_u8(struct wcur *w, size_t off, uint8_t v);

/* TLV length back-filling. Open writes a placeholder header (type of type_width bytes, then a
 * length of width bytes) and returns a mark. Close fills the length: the value length in bytes
 * (unit 1, hdr_incl false: PPPoE/DHCPv6), the whole option length (hdr_incl true: PPP CP), or
 * the whole length in 8-octet units (unit 8, hdr_incl true: ND; must be a multiple of 8). */
struct wcur_mark {
	size_t off;
	uint8_t type_width, len_width;
};
struct wcur_mark wcur_tlv_open(struct wcur *w, uint32_t type, uint8_t type_width, uint8_t len_width);
void wcur_tlv_close(struct wcur *w, struct wcur_mark m, unsigned unit, bool hdr_incl);

/* TLV walkers: return true with (type, value sub-cursor) for the next option, false at the end
 * of input or on a malformed option (then c->bad is latched so the caller can tell them apart). */
/* 16-bit type, 16-bit value length: DHCPv6 options, PPPoE tags. */
bool tlv16_next(struct rcur *c, uint16_t *type, struct rcur *val);
/* ND options: 8-bit type, 8-bit length in 8-octet units incl. header; 0 is malformed (RFC 4861 4.6). */
bool ndopt_next(struct rcur *c, uint8_t *type, struct rcur *val);
/* PPP CP options: 8-bit type, 8-bit length incl. header; below 2 is malformed (RFC 1661 6). */
bool cpopt_next(struct rcur *c, uint8_t *type, struct rcur *val);

#endif
