/* Software TSO/USO (dp_gso.c) and csum_add against Linux 6.18's own super-packets (captured from
 * a TUN with IFF_VNET_HDR and every offload on by gso_capture.py: dp_gso_vectors.h): each
 * segment is checked with an independent byte-wise checksum (IPv4 header, TCP/UDP with the
 * pseudo-header), its lengths, IPv4 ID, TCP sequence and flags, and the payloads put together
 * must be the super-packet's. With DP_GSO_PCAP=FILE every segment is also written to a pcap
 * (raw IP) that tests/unit/gso_check.sh has tshark check. Malformed and truncated input is
 * refused cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/csum.h"
#include "dataplane/dp_gso.h"
#include "dp_gso_vectors.h"
#include "test_util.h"

#define NVECS (sizeof(gso_vecs) / sizeof(gso_vecs[0]))

static FILE *pcap;

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

/* The reference: RFC 1071 one 16-bit word at a time. */
static uint32_t ref_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* 0xffff when the TCP/UDP checksum of the IP packet p[0..len) checks. */
static uint32_t ref_l4_check(const uint8_t *p, size_t len)
{
	uint32_t s;
	if ((p[0] >> 4) == 4) {
		size_t hl = (size_t)(p[0] & 15) * 4;
		s = ref_sum(0, p + 12, 8) + p[9] + (uint32_t)(len - hl);
		return ref_sum(s, p + hl, len - hl);
	}
	s = ref_sum(0, p + 8, 32) + p[6] + (uint32_t)(len - 40);
	return ref_sum(s, p + 40, len - 40);
}

static void pcap_put(const uint8_t *p, size_t len)
{
	if (!pcap)
		return;
	uint32_t rec[4] = { 0, 0, (uint32_t)len, (uint32_t)len };
	fwrite(rec, sizeof(rec), 1, pcap);
	fwrite(p, 1, len, pcap);
}

static void test_csum_add_matches_reference(void **state)
{
	(void)state;
	uint8_t buf[512];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	memset(buf + 300, 0xff, 100); /* long runs of ones: carries */
	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n + off <= sizeof(buf); n += (n < 80 ? 1 : 37)) {
			uint64_t s = csum_add(0x1234, buf + off, n);
			uint32_t r = ref_sum(0x1234, buf + off, n);
			assert_int_equal(csum_fold(s) % 0xffff, r % 0xffff);
		}
}

/* Segments vector v at mtu and checks every segment; returns the number of segments. */
static unsigned check_vector(const uint8_t *b, size_t blen, uint16_t mtu)
{
	struct dp_vnet vh;
	dp_vnet_parse(b, &vh);
	const uint8_t *pkt = b + DP_VNET_HDR_LEN;
	size_t len = blen - DP_VNET_HDR_LEN;
	static uint8_t seg_pkt[70000], payload[70000];
	if (vh.gso_type == DP_VNET_GSO_NONE) {
		memcpy(seg_pkt, pkt, len);
		assert_int_equal(dp_csum_complete(&vh, seg_pkt, len), DP_GSO_OK);
		assert_int_equal(ref_l4_check(seg_pkt, len), 0xffff);
		pcap_put(seg_pkt, len);
		return 1;
	}
	struct dp_gso g;
	assert_int_equal(dp_gso_begin(&g, &vh, pkt, len, mtu), DP_GSO_OK);
	bool v4 = (pkt[0] >> 4) == 4, tcp = (vh.gso_type & 0x7f) != DP_VNET_GSO_UDP_L4;
	size_t l4 = v4 ? (size_t)(pkt[0] & 15) * 4 : 40;
	size_t hl = l4 + (tcp ? (size_t)(pkt[l4 + 12] >> 4) * 4 : 8);
	uint32_t seq0 = tcp ? rd32(pkt + l4 + 4) : 0;
	uint16_t id0 = v4 ? rd16(pkt + 4) : 0;
	size_t seg_max = vh.gso_size;
	if (tcp && seg_max > mtu - hl)
		seg_max = mtu - hl;
	unsigned n = 0;
	size_t got = 0;
	struct dp_gso_seg s;
	uint8_t hdr[DP_GSO_MAX_HDR];
	while (dp_gso_next(&g, hdr, &s)) {
		assert_int_equal(s.hdr_len, hl);
		assert_int_equal(s.ip_len, s.hdr_len + s.pay_len);
		assert_true(s.ip_len <= mtu);
		memcpy(seg_pkt, hdr, s.hdr_len);
		memcpy(seg_pkt + s.hdr_len, s.pay, s.pay_len);
		memcpy(payload + got, s.pay, s.pay_len);
		bool last = got + s.pay_len == len - hl;
		if (!last)
			assert_int_equal(s.pay_len, seg_max);
		if (v4) {
			assert_int_equal(rd16(seg_pkt + 2), s.ip_len);
			assert_int_equal(rd16(seg_pkt + 4), (uint16_t)(id0 + n));
			assert_int_equal(ref_sum(0, seg_pkt, l4), 0xffff);
		} else {
			assert_int_equal(rd16(seg_pkt + 4), s.ip_len - 40);
		}
		assert_int_equal(ref_l4_check(seg_pkt, s.ip_len), 0xffff);
		if (tcp) {
			uint8_t fl = seg_pkt[l4 + 13], fl0 = pkt[l4 + 13];
			assert_int_equal(rd32(seg_pkt + l4 + 4), (uint32_t)(seq0 + got));
			assert_int_equal(fl & 0x09, last ? (fl0 & 0x09) : 0);      /* FIN, PSH */
			assert_int_equal(fl & 0x80, n == 0 ? (fl0 & 0x80) : 0);    /* CWR */
			assert_int_equal(fl & 0x76, fl0 & 0x76);
		} else {
			assert_int_equal(rd16(seg_pkt + l4 + 4), s.ip_len - l4);
		}
		pcap_put(seg_pkt, s.ip_len);
		got += s.pay_len;
		n++;
	}
	assert_int_equal(got, len - hl);
	assert_memory_equal(payload, pkt + hl, got);
	assert_int_equal(n, g.n_segs);
	return n;
}

static void test_kernel_vectors(void **state)
{
	(void)state;
	unsigned n_gso = 0, n_csum = 0, n_segs = 0;
	for (size_t i = 0; i < NVECS; i++) {
		unsigned k = check_vector(gso_vecs[i].b, gso_vecs[i].len, 1400);
		if (gso_vecs[i].b[1])
			n_gso++;
		else
			n_csum++;
		n_segs += k;
	}
	assert_true(n_gso >= 6 && n_csum >= 4);
	print_message("%u super-packets, %u NEEDS_CSUM packets: %u segments\n", n_gso, n_csum,
		      n_segs);
}

/* A session MTU below the TUN's: TCP segments shrink to fit; a USO datagram cannot. */
static void test_mtu_clamp(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVECS; i++) {
		const uint8_t *b = gso_vecs[i].b;
		struct dp_vnet vh;
		dp_vnet_parse(b, &vh);
		if (vh.gso_type == DP_VNET_GSO_TCPV4 || vh.gso_type == DP_VNET_GSO_TCPV6) {
			check_vector(b, gso_vecs[i].len, 1000);
			check_vector(b, gso_vecs[i].len, 576);
		} else if (vh.gso_type == DP_VNET_GSO_UDP_L4) {
			struct dp_gso g;
			assert_int_equal(dp_gso_begin(&g, &vh, b + 10, gso_vecs[i].len - 10, 1000),
					 DP_GSO_E_TOO_BIG);
		}
		if (vh.gso_type != DP_VNET_GSO_NONE) {
			struct dp_gso g;
			assert_int_equal(dp_gso_begin(&g, &vh, b + 10, gso_vecs[i].len - 10, 40),
					 DP_GSO_E_TOO_BIG);
		}
	}
}

/* The first TCP super-packet of IP version ver, copied to buf; its length. */
static size_t first_tcp(unsigned ver, uint8_t *buf)
{
	for (size_t i = 0; i < NVECS; i++) {
		const uint8_t *b = gso_vecs[i].b;
		if ((b[1] == DP_VNET_GSO_TCPV4 || b[1] == DP_VNET_GSO_TCPV6) && (b[10] >> 4) == ver) {
			memcpy(buf, b, gso_vecs[i].len);
			return gso_vecs[i].len;
		}
	}
	fail();
	return 0;
}

/* CWR on the first segment only, FIN and PSH on the last only (Linux's tcp_gso_segment). */
static void test_tcp_flags(void **state)
{
	(void)state;
	static uint8_t b[70000];
	for (unsigned ver = 4; ver <= 6; ver += 2) {
		size_t len = first_tcp(ver, b);
		size_t l4 = 10 + (ver == 4 ? (size_t)(b[10] & 15) * 4 : 40);
		b[l4 + 13] = 0x80 | 0x10 | 0x08 | 0x01; /* CWR ACK PSH FIN */
		b[1] |= DP_VNET_GSO_ECN;
		assert_true(check_vector(b, len, 1400) >= 2);
	}
}

static void test_malformed(void **state)
{
	(void)state;
	static uint8_t b[70000];
	size_t len = first_tcp(4, b);
	struct dp_vnet vh, v;
	dp_vnet_parse(b, &vh);
	const uint8_t *pkt = b + 10;
	size_t plen = len - 10;
	struct dp_gso g;
	v = vh;
	v.flags = 0;
	assert_int_equal(dp_gso_begin(&g, &v, pkt, plen, 1400), DP_GSO_E_HDR);
	v = vh;
	v.csum_offset = 6;
	assert_int_equal(dp_gso_begin(&g, &v, pkt, plen, 1400), DP_GSO_E_HDR);
	v = vh;
	v.csum_start = 0;
	assert_int_equal(dp_gso_begin(&g, &v, pkt, plen, 1400), DP_GSO_E_HDR);
	v = vh;
	v.gso_type = DP_VNET_GSO_TCPV6;
	assert_int_equal(dp_gso_begin(&g, &v, pkt, plen, 1400), DP_GSO_E_HDR);
	v = vh;
	v.gso_type = DP_VNET_GSO_UDP;
	assert_int_equal(dp_gso_begin(&g, &v, pkt, plen, 1400), DP_GSO_E_HDR);
	v = vh;
	v.gso_type = DP_VNET_GSO_UDP_L4;
	assert_int_equal(dp_gso_begin(&g, &v, pkt, plen, 1400), DP_GSO_E_PROTO);
	v = vh;
	v.gso_size = 0;
	assert_int_equal(dp_gso_begin(&g, &v, pkt, plen, 1400), DP_GSO_E_HDR);
	/* every truncation is refused cleanly (the IP length says more) */
	for (size_t n = 0; n < plen; n++)
		assert_int_not_equal(dp_gso_begin(&g, &vh, pkt, n, 1400), DP_GSO_OK);
	/* an IPv4 fragment (MF) */
	b[10 + 6] |= 0x20;
	assert_int_equal(dp_gso_begin(&g, &vh, pkt, plen, 1400), DP_GSO_E_PROTO);
	b[10 + 6] &= (uint8_t)~0x20;
	/* TCP data offset below 5 words */
	size_t l4 = (size_t)(b[10] & 15) * 4;
	uint8_t doff = b[10 + l4 + 12];
	b[10 + l4 + 12] = 0x40;
	assert_int_equal(dp_gso_begin(&g, &vh, pkt, plen, 1400), DP_GSO_E_HDR);
	b[10 + l4 + 12] = doff;
	/* not IP at all */
	b[10] = 0x55;
	assert_int_equal(dp_gso_begin(&g, &vh, pkt, plen, 1400), DP_GSO_E_PROTO);
	assert_false(dp_gso_next(&g, b, &(struct dp_gso_seg){ 0 }));
}

static void test_csum_complete_refuses(void **state)
{
	(void)state;
	uint8_t p[60] = { 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6 };
	struct dp_vnet vh = { .flags = DP_VNET_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 16 };
	assert_int_equal(dp_csum_complete(&vh, p, 40), DP_GSO_OK);
	vh.csum_offset = 19; /* field past the IP datagram */
	assert_int_equal(dp_csum_complete(&vh, p, 40), DP_GSO_E_HDR);
	vh.csum_offset = 16;
	vh.csum_start = 10; /* inside the IP header */
	assert_int_equal(dp_csum_complete(&vh, p, 40), DP_GSO_E_HDR);
	vh.csum_start = 20;
	assert_int_equal(dp_csum_complete(&vh, p, 39), DP_GSO_E_SHORT);
	vh.flags = 0; /* nothing asked: left alone */
	assert_int_equal(dp_csum_complete(&vh, p, 3), DP_GSO_OK);
}

int main(void)
{
	const char *pc = getenv("DP_GSO_PCAP");
	if (pc && *pc) {
		pcap = fopen(pc, "wb");
		uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101 /* LINKTYPE_RAW */ };
		if (pcap)
			fwrite(gh, sizeof(gh), 1, pcap);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_add_matches_reference),
		cmocka_unit_test(test_kernel_vectors),
		cmocka_unit_test(test_mtu_clamp),
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_csum_complete_refuses),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (pcap)
		fclose(pcap);
	return rc;
}
