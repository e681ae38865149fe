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

bool conn_rec_parse(const char *text, size_t len, struct conn_session_rec *out)
{
	unsigned seen = 0;
	memset(out, 0, sizeof(*out));
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t ln = nl ? (size_t)(nl - text) : len;
		const char *eq = memchr(text, '=', ln);
		if (ln) {
			if (!eq)
				return false;
			size_t kn = (size_t)(eq - text);
			int bit = conn_rec_line(text, kn, eq + 1, ln - kn - 1, out);
			if (bit < 0 || (seen & (unsigned)bit))
				return false; /* a bad line, or a key twice */
			seen |= (unsigned)bit;
		}
		size_t step = nl ? ln + 1 : ln;
		text += step;
		len -= step;
	}
	return (seen & 15) == 15;
}
