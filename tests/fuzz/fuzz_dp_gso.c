/* Fuzzes the uplink's software TSO/USO (dp_gso.c): bytes 0-1 the MTU, then a 10-byte
 * virtio-net header and the packet. When dp_gso_begin accepts, every segment must fit the MTU,
 * carry the headers it says, have a valid IPv4 header checksum and TCP/UDP checksum (checked
 * byte-wise here, independently of core/csum.c), and the payloads together must be the
 * super-packet's. dp_csum_complete runs on a copy of every input and must leave a valid
 * checksum when it accepts a TCP/UDP packet whose field it was pointed at. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_gso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static uint32_t ref_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static uint32_t ref_l4_check(const uint8_t *p, size_t len, size_t l4)
{
	uint32_t s;
	if ((p[0] >> 4) == 4)
		s = ref_sum(0, p + 12, 8) + p[9] + (uint32_t)(len - l4);
	else
		s = ref_sum(0, p + 8, 32) + p[6] + (uint32_t)(len - l4);
	return ref_sum(s, p + l4, len - l4);
}

static void check_segments(const struct dp_vnet *vh, const uint8_t *pkt, size_t plen, uint16_t mtu)
{
	static uint8_t seg[70000], cat[70000];
	struct dp_gso g;
	if (dp_gso_begin(&g, vh, pkt, plen, mtu) != DP_GSO_OK)
		return;
	size_t l4 = (pkt[0] >> 4) == 4 ? (size_t)(pkt[0] & 15) * 4 : 40;
	uint8_t hdr[DP_GSO_MAX_HDR];
	struct dp_gso_seg s;
	size_t got = 0, hl = 0;
	unsigned n = 0;
	while (dp_gso_next(&g, hdr, &s)) {
		if (s.ip_len > mtu || s.ip_len != s.hdr_len + s.pay_len || s.hdr_len > DP_GSO_MAX_HDR)
			abort();
		if (s.pay < pkt || s.pay + s.pay_len > pkt + plen)
			abort();
		hl = s.hdr_len;
		memcpy(seg, hdr, s.hdr_len);
		memcpy(seg + s.hdr_len, s.pay, s.pay_len);
		memcpy(cat + got, s.pay, s.pay_len);
		got += s.pay_len;
		if ((seg[0] >> 4) == 4 && ref_sum(0, seg, l4) != 0xffff)
			abort();
		if (ref_l4_check(seg, s.ip_len, l4) != 0xffff)
			abort();
		if (++n > g.n_segs)
			abort();
	}
	if (n != g.n_segs || n == 0 || got != g.end - hl || memcmp(cat, pkt + hl, got) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static uint8_t copy[70000];
	if (len < 2 + DP_VNET_HDR_LEN || len - 2 - DP_VNET_HDR_LEN > DP_GSO_MAX_PKT)
		return 0;
	uint16_t mtu = (uint16_t)(data[0] << 8 | data[1]);
	struct dp_vnet vh;
	dp_vnet_parse(data + 2, &vh);
	const uint8_t *pkt = data + 2 + DP_VNET_HDR_LEN;
	size_t plen = len - 2 - DP_VNET_HDR_LEN;
	check_segments(&vh, pkt, plen, mtu);
	memcpy(copy, pkt, plen);
	/* A TCP/UDP checksum right after a plain IP header, its field seeded with the pseudo-header
	 * sum as the kernel leaves it: once accepted, the packet's checksum must check. */
	bool v4 = plen >= 20 && (copy[0] >> 4) == 4, v6 = plen >= 40 && (copy[0] >> 4) == 6;
	size_t l4 = v4 ? (size_t)(copy[0] & 15) * 4 : 40;
	size_t end = v4 ? (size_t)(copy[2] << 8 | copy[3]) : v6 ? 40 + (size_t)(copy[4] << 8 | copy[5]) : 0;
	uint8_t proto = v4 ? copy[9] : v6 ? copy[6] : 0;
	bool tcp = proto == 6 && vh.csum_offset == 16, udp = proto == 17 && vh.csum_offset == 6;
	bool seeded = (v4 || v6) && vh.csum_start == l4 && l4 >= 20 && (tcp || udp) &&
		      l4 + vh.csum_offset + 2 <= end && end <= plen;
	if (seeded) {
		uint32_t ps = (v4 ? ref_sum(0, copy + 12, 8) : ref_sum(0, copy + 8, 32)) + proto;
		ps = ref_sum(ps + (uint32_t)(end - l4), NULL, 0);
		copy[l4 + vh.csum_offset] = (uint8_t)(ps >> 8);
		copy[l4 + vh.csum_offset + 1] = (uint8_t)ps;
	}
	enum dp_gso_err e = dp_csum_complete(&vh, copy, plen);
	if (e == DP_GSO_OK && seeded && (vh.flags & DP_VNET_F_NEEDS_CSUM) &&
	    ref_l4_check(copy, end, l4) != 0xffff)
		abort();
	return 0;
}
