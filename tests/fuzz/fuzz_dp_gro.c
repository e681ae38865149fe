/* Fuzzes the download coalescing (dp_gro.c). Input: one byte of options (bit 0: recompute the
 * IPv4 header and TCP checksums of every packet, so that the fuzzer reaches coalescing), then
 * packets as [length: 2 bytes, big-endian, at most 2048][flags: bit 0 CHECKSUM_PARTIAL][bytes].
 * Invariants: every packet is in exactly one item, items in the order of their first packet;
 * an item alone is the packet unchanged; a super-packet is at most 65535 bytes, its payload is
 * its segments' payloads in sequence order (all gso_size long but the last, which is not
 * longer), none of them with a wrong checksum unless CHECKSUM_PARTIAL; and no packet is written
 * before an earlier one of its flow (same addresses, and same ports when both are TCP). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csum.h"
#include "dataplane/dp_gro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static uint8_t bufs[DP_GRO_MAX_PKTS][2048];
static uint8_t flat[70000];

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The header length of an IP packet dp_gro reads as TCP (ports at that offset), or 0. */
static size_t tcp_at(const uint8_t *p, size_t n)
{
	if (n >= 20 && p[0] == 0x45 && ld16(p + 2) == n && (ld16(p + 6) & 0x3fff) == 0 && p[9] == 6)
		return n >= 40 && (p[32] >> 4) >= 5 && 20u + (p[32] >> 4) * 4u <= n ? 20 : 0;
	if (n >= 40 && p[0] >> 4 == 6 && ld16(p + 4) + 40u == n && p[6] == 6)
		return n >= 60 && (p[52] >> 4) >= 5 && 40u + (p[52] >> 4) * 4u <= n ? 40 : 0;
	return 0;
}

static bool has_addrs(const uint8_t *p, size_t n)
{
	return (n >= 20 && p[0] >> 4 == 4) || (n >= 40 && p[0] >> 4 == 6);
}

/* Packets whose relative order must hold. */
static bool same_flow(const struct dp_gro_pkt *a, const struct dp_gro_pkt *b)
{
	if (!has_addrs(a->p, a->len) || !has_addrs(b->p, b->len) || a->p[0] >> 4 != b->p[0] >> 4)
		return false;
	bool v6 = a->p[0] >> 4 == 6;
	if (memcmp(a->p + (v6 ? 8 : 12), b->p + (v6 ? 8 : 12), v6 ? 32 : 8) != 0)
		return false;
	size_t ta = tcp_at(a->p, a->len), tb = tcp_at(b->p, b->len);
	return !ta || !tb || memcmp(a->p + ta, b->p + tb, 4) == 0;
}

static void fix(uint8_t *p, size_t n)
{
	size_t ihl = tcp_at(p, n);
	if (!ihl)
		return;
	uint64_t s;
	if (ihl == 20) {
		p[10] = p[11] = 0;
		uint16_t c = (uint16_t)~csum_fold(csum_add(0, p, 20));
		p[10] = (uint8_t)(c >> 8);
		p[11] = (uint8_t)c;
		s = csum_pseudo4(p + 12, p + 16, n - 20, 6);
	} else {
		s = csum_pseudo6(p + 8, p + 24, n - 40, 6);
	}
	p[ihl + 16] = p[ihl + 17] = 0;
	uint16_t c = (uint16_t)~csum_fold(csum_add(s, p + ihl, n - ihl));
	p[ihl + 16] = (uint8_t)(c >> 8);
	p[ihl + 17] = (uint8_t)c;
}

static bool csum_good(const struct dp_gro_pkt *pk, size_t ihl)
{
	const uint8_t *p = pk->p;
	uint64_t s = ihl == 20 ? csum_pseudo4(p + 12, p + 16, pk->len - 20, 6)
			       : csum_pseudo6(p + 8, p + 24, pk->len - 40, 6);
	if (ihl == 20 && csum_fold(csum_add(0, p, 20)) != 0xffff)
		return false;
	return pk->is_csum_partial || csum_fold(csum_add(s, p + ihl, pk->len - ihl)) == 0xffff;
}

static void check_super(const struct dp_gro *g, size_t k, const struct dp_gro_pkt *pk)
{
	const struct dp_gro_out *o = &g->out[k];
	struct dp_gro_seg seg[DP_GRO_MAX_PKTS + 1];
	size_t ns = dp_gro_segs(g, k, pk, seg, DP_GRO_MAX_PKTS + 1), len = 0;
	if (ns != o->n + 1u || o->len > DP_GRO_MAX_LEN || o->vnet.gso_size == 0 ||
	    o->vnet.hdr_len != o->hdr_len || !(o->vnet.flags & DP_VNET_F_NEEDS_CSUM))
		abort();
	for (size_t i = 0; i < ns; i++) {
		memcpy(flat + len, seg[i].p, seg[i].len);
		len += seg[i].len;
	}
	if (len != o->len)
		abort();
	size_t ihl = o->vnet.csum_start, hl = o->hdr_len;
	uint32_t seq = (uint32_t)ld16(flat + ihl + 4) << 16 | ld16(flat + ihl + 6);
	size_t off = hl, j = 0;
	for (int i = o->first; i >= 0; i = g->next[i], j++) {
		const struct dp_gro_pkt *m = &pk[i];
		size_t pay = m->len - hl;
		uint32_t mseq = (uint32_t)ld16(m->p + ihl + 4) << 16 | ld16(m->p + ihl + 6);
		bool last = g->next[i] < 0;
		if (tcp_at(m->p, m->len) != ihl || mseq != seq || pay > o->vnet.gso_size ||
		    (!last && pay != o->vnet.gso_size) || memcmp(flat + off, m->p + hl, pay) != 0 ||
		    !csum_good(m, ihl))
			abort();
		seq += (uint32_t)pay;
		off += pay;
	}
	if (j != o->n || off != len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct dp_gro g;
	struct dp_gro_pkt pk[DP_GRO_MAX_PKTS];
	if (len < 1)
		return 0;
	bool fix_all = data[0] & 1;
	size_t n = 0, i = 1;
	while (n < DP_GRO_MAX_PKTS && i + 3 <= len) {
		size_t l = ld16(data + i) & 0x7ff;
		bool partial = data[i + 2] & 1;
		i += 3;
		if (l > len - i)
			l = len - i;
		memcpy(bufs[n], data + i, l);
		i += l;
		if (fix_all)
			fix(bufs[n], l);
		pk[n] = (struct dp_gro_pkt){ bufs[n], l, partial };
		n++;
	}
	size_t n_out = dp_gro_run(&g, pk, n);
	int where[DP_GRO_MAX_PKTS];
	for (size_t k = 0; k < n; k++)
		where[k] = -1;
	if (n_out > n)
		abort();
	for (size_t k = 0; k < n_out; k++) {
		const struct dp_gro_out *o = &g.out[k];
		if (o->n == 0 || o->first >= n || (k && o->first <= g.out[k - 1].first))
			abort();
		if (o->n == 1) {
			struct dp_gro_seg s;
			if (dp_gro_segs(&g, k, pk, &s, 1) != 1 || s.p != pk[o->first].p ||
			    s.len != pk[o->first].len || o->vnet.gso_type != DP_VNET_GSO_NONE)
				abort();
		} else {
			check_super(&g, k, pk);
		}
		int prev = -1;
		size_t cnt = 0;
		for (int m = o->first; m >= 0 && cnt < n; m = o->n > 1 ? g.next[m] : -1, cnt++) {
			if (m <= prev || (size_t)m >= n || where[m] != -1)
				abort();
			where[m] = (int)k;
			prev = m;
		}
		if (cnt != o->n)
			abort();
	}
	for (size_t a = 0; a < n; a++) {
		if (where[a] < 0)
			abort();
		for (size_t b = a + 1; b < n; b++)
			if (where[b] < where[a] && same_flow(&pk[a], &pk[b]))
				abort();
	}
	return 0;
}
