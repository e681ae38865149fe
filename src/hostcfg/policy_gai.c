/* The managed block of glibc's gai.conf: finds, replaces and removes the lines between
 * POLICY_GAI_BEGIN and POLICY_GAI_END, reading the user's own `precedence`/`label` lines as
 * glibc's gaiconf_init() does. Pure: text in, text out; everything outside the block is kept. */
#include "hostcfg/policy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum gai_kind { GAI_PRECEDENCE, GAI_LABEL };

/* One line (with its '\n' if any) and whether it belongs to a managed block. */
struct gai_line {
	const char *p;
	size_t len;
	bool in_block, is_begin;
};

struct gai_iter {
	const char *text;
	size_t len, pos;
	bool in_block;
};

struct gai_out {
	char *buf;
	size_t cap, len;
	bool full;
};

/* True if the line (without its newline and trailing blanks) is exactly marker. */
static bool gai_is_marker(const char *p, size_t n, const char *marker)
{
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n == strlen(marker) && memcmp(p, marker, n) == 0;
}

static bool gai_next(struct gai_iter *it, struct gai_line *l)
{
	if (it->pos >= it->len)
		return false;
	const char *p = it->text + it->pos;
	const char *nl = memchr(p, '\n', it->len - it->pos);
	l->p = p;
	l->len = nl ? (size_t)(nl - p) + 1 : it->len - it->pos;
	it->pos += l->len;
	l->is_begin = !it->in_block && gai_is_marker(p, l->len, POLICY_GAI_BEGIN);
	if (l->is_begin)
		it->in_block = true;
	l->in_block = it->in_block;
	if (it->in_block && !l->is_begin && gai_is_marker(p, l->len, POLICY_GAI_END))
		it->in_block = false;
	return true;
}

bool policy_gai_has_block(const char *text, size_t len)
{
	struct gai_iter it = { .text = text, .len = len };
	struct gai_line l;
	while (gai_next(&it, &l))
		if (l.is_begin)
			return true;
	return false;
}

/* Parses "ADDR[/LEN]" as glibc does: IPv6, or IPv4 mapped into ::ffff:0:0/96. */
static bool gai_parse_prefix(const char *tok, size_t n, uint8_t prefix[16], uint8_t *plen)
{
	char a[INET6_ADDRSTRLEN + 8];
	if (n == 0 || n >= sizeof(a))
		return false;
	memcpy(a, tok, n);
	a[n] = '\0';
	char *slash = strchr(a, '/');
	unsigned long bits = 128, max = 128, add = 0;
	if (slash)
		*slash++ = '\0';
	memset(prefix, 0, 16);
	if (inet_pton(AF_INET, a, prefix + 12) == 1) {
		prefix[10] = prefix[11] = 0xff;
		bits = max = 32;
		add = 96;
	} else if (inet_pton(AF_INET6, a, prefix) != 1) {
		return false;
	}
	if (slash) {
		char *end;
		if (*slash < '0' || *slash > '9')
			return false;
		bits = strtoul(slash, &end, 10);
		if (*end != '\0' || bits > max)
			return false;
	}
	*plen = (uint8_t)(bits + add);
	policy_prefix_mask(prefix, *plen);
	return true;
}

/* Splits off the next blank-separated token of p[0..n) starting at *pos. */
static bool gai_token(const char *p, size_t n, size_t *pos, const char **tok, size_t *tlen)
{
	while (*pos < n && (p[*pos] == ' ' || p[*pos] == '\t' || p[*pos] == '\r' || p[*pos] == '\n'))
		(*pos)++;
	size_t s = *pos;
	while (*pos < n && p[*pos] != ' ' && p[*pos] != '\t' && p[*pos] != '\r' && p[*pos] != '\n')
		(*pos)++;
	*tok = p + s;
	*tlen = *pos - s;
	return *tlen > 0;
}

/* A user line "precedence|label PREFIX VALUE" (comments after '#' ignored, as glibc does). */
static bool gai_parse_line(const struct gai_line *l, enum gai_kind *kind, uint8_t prefix[16],
	uint8_t *plen)
{
	const char *hash = memchr(l->p, '#', l->len);
	size_t n = hash ? (size_t)(hash - l->p) : l->len, pos = 0, tl;
	const char *t;
	if (!gai_token(l->p, n, &pos, &t, &tl))
		return false;
	if (tl == 10 && memcmp(t, "precedence", 10) == 0)
		*kind = GAI_PRECEDENCE;
	else if (tl == 5 && memcmp(t, "label", 5) == 0)
		*kind = GAI_LABEL;
	else
		return false;
	if (!gai_token(l->p, n, &pos, &t, &tl) || !gai_parse_prefix(t, tl, prefix, plen))
		return false;
	return gai_token(l->p, n, &pos, &t, &tl);
}

/* Does the user (outside any block) set prefix/plen for kind? prefix NULL: any line of kind. */
static bool gai_user_has(const char *text, size_t len, enum gai_kind kind, const uint8_t *prefix,
	uint8_t plen)
{
	struct gai_iter it = { .text = text, .len = len };
	struct gai_line l;
	uint8_t p[16], pl;
	enum gai_kind k;
	while (gai_next(&it, &l)) {
		if (l.in_block || !gai_parse_line(&l, &k, p, &pl) || k != kind)
			continue;
		if (!prefix || (pl == plen && memcmp(p, prefix, 16) == 0))
			return true;
	}
	return false;
}

static void out_put(struct gai_out *o, const char *s, size_t n)
{
	if (o->full || n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void out_str(struct gai_out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static bool row_is_default(const struct policy_row *r)
{
	for (size_t i = 0; i < policy_rfc6724_default_len; i++) {
		const struct policy_row *d = &policy_rfc6724_default[i];
		if (d->plen == r->plen && memcmp(d->prefix, r->prefix, 16) == 0 &&
			d->precedence == r->precedence && d->label == r->label)
			return true;
	}
	return false;
}

/* Writes the lines of one kind that the user's own lines leave to us; returns how many. */
static size_t gai_put_kind(struct gai_out *o, const char *old, size_t old_len,
	const struct policy_row *rows, size_t n, enum gai_kind kind)
{
	bool user_any = gai_user_has(old, old_len, kind, NULL, 0);
	size_t written = 0;
	for (size_t i = 0; i < n; i++) {
		const struct policy_row *r = &rows[i];
		char a[INET6_ADDRSTRLEN], line[96];
		if (r->plen > 128 || (user_any && row_is_default(r)) ||
			gai_user_has(old, old_len, kind, r->prefix, r->plen))
			continue;
		if (!inet_ntop(AF_INET6, r->prefix, a, sizeof(a)))
			continue;
		snprintf(line, sizeof(line), "%s %s/%u %u\n", kind == GAI_LABEL ? "label" : "precedence",
			a, r->plen, kind == GAI_LABEL ? r->label : r->precedence);
		out_str(o, line);
		written++;
	}
	return written;
}

/* Writes the whole block; returns false (nothing written) if no row is left for it. */
static bool gai_put_block(struct gai_out *o, const char *old, size_t old_len,
	const struct policy_row *rows, size_t n)
{
	size_t start = o->len;
	out_str(o, POLICY_GAI_BEGIN "\n");
	out_str(o, "# RFC 6724 policy table (with the ISP's RFC 7078 rows); removed when v6link stops\n");
	size_t k = gai_put_kind(o, old, old_len, rows, n, GAI_PRECEDENCE);
	k += gai_put_kind(o, old, old_len, rows, n, GAI_LABEL);
	out_str(o, POLICY_GAI_END "\n");
	if (k == 0 && !o->full) {
		o->len = start;
		o->buf[start] = '\0';
	}
	return k > 0;
}

/* Copies old without its blocks; with rows, the new block goes where the first block was. */
static int gai_edit(const char *old, size_t old_len, const struct policy_row *rows, size_t n,
	char *out, size_t cap)
{
	struct gai_out o = { .buf = out, .cap = cap };
	struct gai_iter it = { .text = old, .len = old_len };
	struct gai_line l;
	bool placed = !rows;
	if (cap == 0)
		return -1;
	out[0] = '\0';
	/* No block yet: at the end, unless the text lacks its final newline (then first). */
	if (!placed && !policy_gai_has_block(old, old_len) && old_len > 0 && old[old_len - 1] != '\n') {
		gai_put_block(&o, old, old_len, rows, n);
		placed = true;
	}
	while (gai_next(&it, &l)) {
		if (l.is_begin && !placed) {
			gai_put_block(&o, old, old_len, rows, n);
			placed = true;
		}
		if (!l.in_block)
			out_put(&o, l.p, l.len);
	}
	if (!placed)
		gai_put_block(&o, old, old_len, rows, n);
	return o.full ? -1 : (int)o.len;
}

int policy_gai_render(const char *old, size_t old_len, const struct policy_row *rows, size_t n,
	char *out, size_t cap)
{
	static const struct policy_row none[1];
	return gai_edit(old, old_len, rows ? rows : none, rows ? n : 0, out, cap);
}

int policy_gai_strip(const char *old, size_t old_len, char *out, size_t cap)
{
	return gai_edit(old, old_len, NULL, 0, out, cap);
}
