/* The session record; see conn_rec.h. */
#include "engine/conn_rec.h"

#include <stdio.h>
#include <string.h>

int conn_rec_format(const struct conn_session_rec *r, char *buf, size_t cap)
{
	const uint8_t *a = r->ac_mac, *m = r->our_mac;
	int n = snprintf(buf, cap,
			 "adapter=%s\nsession_id=%u\nac_mac=%02x:%02x:%02x:%02x:%02x:%02x\n"
			 "our_mac=%02x:%02x:%02x:%02x:%02x:%02x\nvlan=%u\nprio=%u\n",
			 r->adapter, r->session_id, a[0], a[1], a[2], a[3], a[4], a[5], m[0], m[1],
			 m[2], m[3], m[4], m[5], r->vlan_id, r->prio);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int conn_rec_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "xx:xx:xx:xx:xx:xx", exactly. */
static bool conn_rec_mac(const char *v, size_t n, uint8_t mac[6])
{
	if (n != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = conn_rec_hex(v[3 * i]), lo = conn_rec_hex(v[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && v[3 * i + 2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Decimal digits only, at most max. */
static bool conn_rec_uint(const char *v, size_t n, unsigned max, unsigned *out)
{
	unsigned u = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		u = u * 10 + (unsigned)(v[i] - '0');
	}
	*out = u;
	return u <= max;
}

/* An interface name as the kernel takes it: 1..15 visible characters, no '/' or ':'. */
static bool conn_rec_ifname(const char *v, size_t n)
{
	if (n == 0 || n >= 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~' || v[i] == '/' || v[i] == ':')
			return false;
	return true;
}

/* One "key=value" line; returns the key's bit, or -1 if the line is bad. */
static int conn_rec_line(const char *k, size_t kn, const char *v, size_t vn,
			 struct conn_session_rec *r)
{
	unsigned u;
	if (kn == 7 && !memcmp(k, "adapter", 7)) {
		if (!conn_rec_ifname(v, vn))
			return -1;
		memcpy(r->adapter, v, vn);
		r->adapter[vn] = 0;
		return 1;
	}
	if (kn == 10 && !memcmp(k, "session_id", 10)) {
		if (!conn_rec_uint(v, vn, 0xfffe, &u) || u == 0)
			return -1;
		r->session_id = (uint16_t)u;
		return 2;
	}
	if (kn == 6 && !memcmp(k, "ac_mac", 6))
		return conn_rec_mac(v, vn, r->ac_mac) ? 4 : -1;
	if (kn == 7 && !memcmp(k, "our_mac", 7))
		return conn_rec_mac(v, vn, r->our_mac) ? 8 : -1;
	if (kn == 4 && !memcmp(k, "vlan", 4)) {
		if (!conn_rec_uint(v, vn, 4094, &u))
			return -1;
		r->vlan_id = (uint16_t)u;
		return 16;
	}
	if (kn == 4 && !memcmp(k, "prio", 4)) {
		if (!conn_rec_uint(v, vn, 7, &u))
			return -1;
		r->prio = (uint8_t)u;
		return 32;
	}
	return -1;
}

typedef int conn_rec_line_fn(const char *k, size_t kn, const char *v, size_t vn, void *out);

/* Splits text[0..len) into "key=value" lines for line(); the keys' bits, or -1 on a bad line or
 * a key given twice. Empty lines are allowed. */
static int conn_rec_lines(const char *text, size_t len, conn_rec_line_fn *line, void *out)
{
	unsigned seen = 0;
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t ln = nl ? (size_t)(nl - text) : len;
		const char *eq = memchr(text, '=', ln);
		if (ln) {
			if (!eq)
				return -1;
			size_t kn = (size_t)(eq - text);
			int bit = line(text, kn, eq + 1, ln - kn - 1, out);
			if (bit < 0 || (seen & (unsigned)bit))
				return -1;
			seen |= (unsigned)bit;
		}
		size_t step = nl ? ln + 1 : ln;
		text += step;
		len -= step;
	}
	return (int)seen;
}

static int conn_rec_session_line(const char *k, size_t kn, const char *v, size_t vn, void *out)
{
	return conn_rec_line(k, kn, v, vn, out);
}

bool conn_rec_parse(const char *text, size_t len, struct conn_session_rec *out)
{
	memset(out, 0, sizeof(*out));
	int seen = conn_rec_lines(text, len, conn_rec_session_line, out);
	return seen >= 0 && (seen & 15) == 15;
}

/* --- the raised MTU record --- */

int conn_mtu_rec_format(const struct conn_mtu_rec *r, char *buf, size_t cap)
{
	int n = r->lower[0]
		? snprintf(buf, cap, "dev=%s\nfrom=%u\nto=%u\nlower=%s\nlower_from=%u\nlower_to=%u\n",
			   r->dev, r->from, r->to, r->lower, r->lower_from, r->lower_to)
		: snprintf(buf, cap, "dev=%s\nfrom=%u\nto=%u\n", r->dev, r->from, r->to);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int conn_rec_name(const char *v, size_t n, char out[16])
{
	if (!conn_rec_ifname(v, n))
		return -1;
	memcpy(out, v, n);
	out[n] = 0;
	return 0;
}

/* An MTU as Linux takes it for Ethernet: 68..65535. */
static int conn_rec_mtu(const char *v, size_t n, uint16_t *out)
{
	unsigned u;
	if (!conn_rec_uint(v, n, 65535, &u) || u < 68)
		return -1;
	*out = (uint16_t)u;
	return 0;
}

static int conn_rec_mtu_line(const char *k, size_t kn, const char *v, size_t vn, void *arg)
{
	struct conn_mtu_rec *r = arg;
	static const struct {
		const char *key;
		int bit;
	} keys[] = { { "dev", 1 },   { "from", 2 },       { "to", 4 },
		     { "lower", 8 }, { "lower_from", 16 }, { "lower_to", 32 } };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strlen(keys[i].key) != kn || memcmp(k, keys[i].key, kn) != 0)
			continue;
		int ok;
		switch (keys[i].bit) {
		case 1: ok = conn_rec_name(v, vn, r->dev); break;
		case 2: ok = conn_rec_mtu(v, vn, &r->from); break;
		case 4: ok = conn_rec_mtu(v, vn, &r->to); break;
		case 8: ok = conn_rec_name(v, vn, r->lower); break;
		case 16: ok = conn_rec_mtu(v, vn, &r->lower_from); break;
		default: ok = conn_rec_mtu(v, vn, &r->lower_to); break;
		}
		return ok < 0 ? -1 : keys[i].bit;
	}
	return -1;
}

bool conn_mtu_rec_parse(const char *text, size_t len, struct conn_mtu_rec *out)
{
	memset(out, 0, sizeof(*out));
	int seen = conn_rec_lines(text, len, conn_rec_mtu_line, out);
	if (seen < 0 || (seen & 7) != 7 || out->from >= out->to)
		return false;
	if ((seen & 56) == 0)
		return true;
	return (seen & 56) == 56 && out->lower_from < out->lower_to;
}
