/* Fuzzes the NAT46 translator in both directions: the first FZ_HDR bytes pick the direction,
 * the maps, the configuration and whether outer checksums are fixed up; the rest is the packet. Aborts if out_len exceeds out_cap, if
 * an output does not re-parse as IPv4/IPv6 with consistent lengths and a valid IPv4 header
 * checksum, if an IPv6 output exceeds the MTU, or if a checksum that was valid is not after. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nat46/nat46.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_HDR 8

/* Pool 198.18.0.0/15 <-> 2001:db8:99::/96 (+ the IPv4 address), by arithmetic, so inner packets
 * of ICMP errors and their peers are mapped whenever the fuzzer uses those prefixes. */
static const uint8_t FZ_PFX6[12] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99 };

static bool fz_map46(void *ctx, const uint8_t v4[4], uint8_t v6[16])
{
	if (!*(const bool *)ctx || v4[0] != 198 || (v4[1] & 0xfe) != 18)
		return false;
	memcpy(v6, FZ_PFX6, 12);
	memcpy(v6 + 12, v4, 4);
	return true;
}

static bool fz_map64(void *ctx, const uint8_t v6[16], uint8_t v4[4])
{
	if (!*(const bool *)ctx || memcmp(v6, FZ_PFX6, 12) != 0 || v6[12] != 198 ||
	    (v6[13] & 0xfe) != 18)
		return false;
	memcpy(v4, v6 + 12, 4);
	return true;
}

static uint32_t fz_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fz_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Locates the upper layer of a whole (unfragmented) IPv4 or IPv6 packet: returns false for
 * fragments and anything not TCP/UDP/ICMP; sets the pseudo-header sum (0 for ICMPv4). */
static bool fz_l4(const uint8_t *p, size_t n, const uint8_t **l4, size_t *len, uint8_t *proto,
		  uint32_t *ps)
{
	size_t off;
	if (p[0] >> 4 == 4) {
		off = (size_t)(p[0] & 15) * 4;
		if ((p[6] << 8 | p[7]) & 0x3fff || off > n)
			return false;
		*proto = p[9];
		*ps = *proto == 1 ? 0 : fz_sum(p + 12, 8, 0);
	} else {
		off = 40;
		*proto = p[6];
		while (*proto == 0 || *proto == 43 || *proto == 60 || *proto == 44) {
			if (off + 8 > n || (*proto == 44 && ((p[off + 2] << 8 | p[off + 3]) & 0xfff9)))
				return false;
			size_t hl = *proto == 44 ? 8 : ((size_t)p[off + 1] + 1) * 8;
			*proto = p[off];
			off += hl;
		}
		if (off > n)
			return false;
		*ps = fz_sum(p + 8, 32, 0);
	}
	*l4 = p + off;
	*len = n - off;
	if (*proto != 6 && *proto != 17 && *proto != 1 && *proto != 58)
		return false;
	if (*proto != 1)
		*ps += *proto + (uint32_t)*len;
	return true;
}

/* Whether the transport checksum of a whole packet verifies; false where it is absent. */
static bool fz_csum_ok(const uint8_t *p, size_t n)
{
	const uint8_t *l4;
	size_t len;
	uint8_t proto;
	uint32_t ps;
	if (!fz_l4(p, n, &l4, &len, &proto, &ps))
		return false;
	size_t need = proto == 6 ? 18 : proto == 17 ? 8 : 4;
	if (len < need || (proto == 17 && l4[6] == 0 && l4[7] == 0))
		return false;
	return fz_fold(fz_sum(l4, len, ps)) == 0xffff;
}

static bool fz_is_icmp_err(const uint8_t *p, size_t n)
{
	const uint8_t *l4;
	size_t len;
	uint8_t proto;
	uint32_t ps;
	if (!fz_l4(p, n, &l4, &len, &proto, &ps) || len < 4)
		return false;
	return (proto == 1 && l4[0] != 0 && l4[0] != 8) || (proto == 58 && l4[0] < 128);
}

static void fz_check4(const uint8_t *p, size_t n)
{
	if (n < 20 || p[0] != 0x45 || (size_t)(p[2] << 8 | p[3]) != n)
		abort();
	if (fz_fold(fz_sum(p, 20, 0)) != 0xffff)
		abort();
}

static void fz_check6_train(const uint8_t *p, size_t n, size_t mtu)
{
	while (n) {
		size_t k = nat46_pkt_len(p, n);
		if (k < 40 || p[0] >> 4 != 6 || k > mtu)
			abort();
		p += k;
		n -= k;
	}
}

static void fz_put_csum(uint8_t *f, uint32_t s)
{
	uint16_t c = (uint16_t)~fz_fold(s);
	f[0] = (uint8_t)(c >> 8);
	f[1] = (uint8_t)c;
}

/* Makes the outer IPv4 header checksum and the outer ICMP checksum right, so that mutations
 * reach the ICMP error and inner packet paths instead of stopping at a checksum check. */
static void fz_fix_csums(uint8_t *p, size_t n)
{
	if (n >= 20 && p[0] >> 4 == 4 && (p[0] & 15) >= 5 && (size_t)(p[0] & 15) * 4 <= n) {
		size_t hl = (size_t)(p[0] & 15) * 4, tot = (size_t)(p[2] << 8 | p[3]);
		p[10] = p[11] = 0;
		fz_put_csum(p + 10, fz_sum(p, hl, 0));
		if (p[9] == 1 && tot >= hl + 8 && tot <= n) {
			p[hl + 2] = p[hl + 3] = 0;
			fz_put_csum(p + hl + 2, fz_sum(p + hl, tot - hl, 0));
		}
	} else if (n >= 48 && p[0] >> 4 == 6 && p[6] == 58) {
		size_t len = (size_t)(p[4] << 8 | p[5]);
		if (len >= 8 && 40 + len <= n) {
			p[42] = p[43] = 0;
			fz_put_csum(p + 42, fz_sum(p + 40, len, fz_sum(p + 8, 32, 0) + 58 + (uint32_t)len));
		}
	}
}

static void fz_cfg(struct nat46_cfg *c, const uint8_t *h, bool *mapped)
{
	static const uint8_t host6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x46 };
	memset(c, 0, sizeof(*c));
	c->app_v4[0] = 192;
	c->app_v4[3] = 2;
	c->app_v4_plen = (uint8_t)(h[1] % 40);
	c->router_v4[0] = 192;
	c->router_v4[3] = 1;
	if (h[0] & 4) {
		c->icmp_err_v4[0] = 192;
		c->icmp_err_v4[3] = 8;
	}
	memcpy(c->host_v6, host6, 16);
	c->v6_mtu = (uint16_t)(h[2] << 8 | h[3]);
	c->df0_mtu6 = (uint16_t)(h[4] << 8 | h[5]);
	c->clear_tc = h[0] & 8;
	*mapped = !(h[0] & 2);
	c->ctx = mapped;
	c->map_v4_to_v6 = fz_map46;
	c->map_v6_to_v4 = fz_map64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nat46_cfg c;
	bool mapped, v4 = !(data[0] & 1);
	size_t olen;
	enum nat46_drop why;
	if (size < FZ_HDR)
		return 0;
	fz_cfg(&c, data, &mapped);
	const uint8_t *in = data + FZ_HDR;
	size_t n = size - FZ_HDR, cap = data[6] & 1 ? NAT46_OUT_CAP(n) : (size_t)data[7] * 8;
	uint8_t *pkt = malloc(n ? n : 1), *o = malloc(cap ? cap : 1);
	memcpy(pkt, in, n);
	if (data[0] & 16)
		fz_fix_csums(pkt, n);
	enum nat46_verdict r = v4 ? nat46_4to6(&c, pkt, n, o, cap, &olen, &why)
				  : nat46_6to4(&c, pkt, n, o, cap, &olen, &why);
	if (olen > cap || why >= NAT46_DROP_N || (r == NAT46_DROP) != (olen == 0))
		abort();
	if (r == NAT46_DROP && why == NAT46_DROP_NONE)
		abort();
	if (data[6] & 1 && why == NAT46_DROP_NO_ROOM)
		abort(); /* NAT46_OUT_CAP must always be enough */
	size_t mtu = c.v6_mtu < 1280 ? 1280 : c.v6_mtu;
	if (r == NAT46_TO_V6)
		fz_check6_train(o, olen, mtu);
	if (r == NAT46_TO_V4)
		fz_check4(o, olen);
	bool generated = v4 && r == NAT46_TO_V4;
	bool single = r != NAT46_DROP && nat46_pkt_len(o, olen) == olen;
	if (single && (generated || fz_is_icmp_err(o, olen)) && !fz_csum_ok(o, olen))
		abort(); /* errors are always checksummed from scratch */
	size_t in_len = nat46_pkt_len(pkt, n);
	if (single && !generated && in_len && fz_csum_ok(pkt, in_len) && !fz_csum_ok(o, olen))
		abort(); /* a valid transport checksum stays valid */
	free(pkt);
	free(o);
	return 0;
}
