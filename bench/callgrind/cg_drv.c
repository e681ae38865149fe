/* cg_drv.c - instruction counts per packet of the data path's pure functions, for
 * bench/dp_callgrind.sh: each cg_* function below runs one function of src/dataplane or
 * src/nat46 over N packets of one kind; callgrind's inclusive count of cg_X divided by the
 * packets it handled (printed here) is the cost per packet. Not part of the daemon's build. */
#include "dataplane/dp_filter.h"
#include "dataplane/dp_gso.h"
#include "nat46/nat46.h"

#include "core/csum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_drv.h"

#define N_PKT 256
#define N_ROUNDS 20

static const uint8_t local4[4] = {198, 18, 1, 2}, far4[4] = {198, 18, 2, 2};
static const uint8_t local6[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t far6[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2};

static void st16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void st32(uint8_t *p, uint32_t v)
{
	st16(p, v >> 16);
	st16(p + 2, v & 0xffff);
}

/* An IPv4 packet with a TCP (proto 6) or UDP (17) header and pay bytes of payload, checksums
 * complete; returns its length. */
size_t cg_build4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], int proto, size_t pay,
		 uint32_t seq, uint16_t id)
{
	size_t l4 = proto == 6 ? 20 : 8, len = 20 + l4 + pay;

	memset(p, 0, len);
	p[0] = 0x45;
	st16(p + 2, (unsigned)len);
	st16(p + 4, id);
	p[6] = 0x40; /* DF */
	p[8] = 64;
	p[9] = (uint8_t)proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	st16(p + 10, (unsigned)(0xffff & ~csum_fold(csum_add(0, p, 20))));
	uint8_t *t = p + 20;

	st16(t, 40000);
	st16(t + 2, 5201);
	for (size_t i = 0; i < pay; i++)
		t[l4 + i] = (uint8_t)(i * 7 + seq);
	if (proto == 6) {
		st32(t + 4, seq);
		st32(t + 8, 1);
		t[12] = 5 << 4;
		t[13] = 0x10; /* ACK */
		st16(t + 14, 65535);
	} else {
		st16(t + 4, (unsigned)(l4 + pay));
	}
	unsigned c = 0xffff & ~csum_fold(csum_add(csum_pseudo4(src, dst, l4 + pay, (uint8_t)proto), t,
						   l4 + pay));
	st16(t + (proto == 6 ? 16 : 6), c ? c : 0xffff);
	return len;
}

/* The same as IPv6. */
static size_t build6(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], int proto,
		     size_t pay)
{
	size_t l4 = proto == 6 ? 20 : 8, len = 40 + l4 + pay;

	memset(p, 0, len);
	p[0] = 0x60;
	st16(p + 4, (unsigned)(l4 + pay));
	p[6] = (uint8_t)proto;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	uint8_t *t = p + 40;

	st16(t, 40000);
	st16(t + 2, 5201);
	for (size_t i = 0; i < pay; i++)
		t[l4 + i] = (uint8_t)(i * 3);
	if (proto == 6) {
		t[12] = 5 << 4;
		t[13] = 0x10;
	} else {
		st16(t + 4, (unsigned)(l4 + pay));
	}
	unsigned c = 0xffff & ~csum_fold(csum_add(csum_pseudo6(src, dst, l4 + pay, (uint8_t)proto), t,
						   l4 + pay));
	st16(t + (proto == 6 ? 16 : 6), c ? c : 0xffff);
	return len;
}

static struct dp_session sess;
static uint8_t frames[N_PKT][DP_HEADROOM + 1600];
static size_t frame_len[N_PKT];
static volatile unsigned sink;

static void session_init(void)
{
	sess.is_up = sess.ipv4_up = sess.ipv6_up = sess.check_traffic = true;
	sess.session_id = 0x2a2a;
	memcpy(sess.ac_mac, "\x02\x76\x6c\x00\x00\x02", 6);
	memcpy(sess.our_mac, "\x02\x76\x6c\x00\x00\x01", 6);
	sess.mtu = 1492;
	memcpy(sess.ipv4_local, local4, 4);
	sess.n_prefixes = 1;
	memcpy(sess.prefixes[0].addr, local6, 16);
	sess.prefixes[0].len = 64;
}

/* Received session frames (as the AC sends them): IP packet ip[0..len) behind the headers. */
static void make_rx_frames(int ver, int proto, size_t pay)
{
	for (int i = 0; i < N_PKT; i++) {
		uint8_t *f = frames[i];
		size_t ip_len = ver == 4 ? cg_build4(f + 22, far4, local4, proto, pay, (uint32_t)i, 0)
					 : build6(f + 22, far6, local6, proto, pay);

		memcpy(f, sess.our_mac, 6);
		memcpy(f + 6, sess.ac_mac, 6);
		memcpy(f + 12, "\x88\x64\x11\x00", 4);
		st16(f + 16, sess.session_id);
		st16(f + 18, (unsigned)ip_len + 2);
		st16(f + 20, ver == 4 ? DP_PPP_IPV4 : DP_PPP_IPV6);
		frame_len[i] = ip_len + 22;
	}
}

/* Packets read from the TUN, at DP_HEADROOM in their buffers. */
static void make_tx_pkts(int ver, int proto, size_t pay)
{
	for (int i = 0; i < N_PKT; i++) {
		uint8_t *p = frames[i] + DP_HEADROOM;

		frame_len[i] = ver == 4 ? cg_build4(p, local4, far4, proto, pay, (uint32_t)i, 0)
					: build6(p, local6, far6, proto, pay);
	}
}

/* decap: classify one received frame. */
static inline __attribute__((always_inline)) unsigned decap_loop(void)
{
	struct dp_rx rx;
	unsigned n = 0;

	for (int r = 0; r < N_ROUNDS; r++)
		for (int i = 0; i < N_PKT; i++, n++) {
			dp_classify_rx(&sess, frames[i], frame_len[i], 0, false, &rx);
			if (rx.kind != DP_RX_DATA4 && rx.kind != DP_RX_DATA6) {
				fprintf(stderr, "cg_drv: dp_classify_rx: not data (%s)\n",
					dp_drop_name(rx.drop));
				exit(1);
			}
			sink += (unsigned)rx.len;
		}
	return n;
}

__attribute__((noinline, noipa)) static unsigned cg_decap4(void)
{
	return decap_loop();
}

__attribute__((noinline, noipa)) static unsigned cg_decap6(void)
{
	return decap_loop();
}

/* encap: check one packet from the TUN and write its headers. */
static inline __attribute__((always_inline)) unsigned encap_loop(void)
{
	unsigned n = 0;
	uint16_t proto;

	for (int r = 0; r < N_ROUNDS; r++)
		for (int i = 0; i < N_PKT; i++, n++) {
			enum dp_drop d = dp_check_tx(&sess, frames[i] + DP_HEADROOM, frame_len[i],
						     &proto);

			if (d != DP_DROP_NONE) {
				fprintf(stderr, "cg_drv: dp_check_tx: %s\n", dp_drop_name(d));
				exit(1);
			}
			sink += (unsigned)dp_build_tx_hdr(&sess, frames[i], proto, frame_len[i]);
		}
	return n;
}

__attribute__((noinline, noipa)) static unsigned cg_encap4(void)
{
	return encap_loop();
}

__attribute__((noinline, noipa)) static unsigned cg_encap6(void)
{
	return encap_loop();
}

/* segmentation: one 64 KB TCP super-packet from the TUN into MTU-sized segments; counts
 * segments. */
static uint8_t super[DP_GSO_MAX_PKT];
static size_t super_len;

__attribute__((noinline, noipa)) static unsigned cg_gso(int ver)
{
	struct dp_vnet vh = {.flags = DP_VNET_F_NEEDS_CSUM,
			     .gso_type = ver == 4 ? DP_VNET_GSO_TCPV4 : DP_VNET_GSO_TCPV6,
			     .hdr_len = ver == 4 ? 40 : 60,
			     .gso_size = ver == 4 ? 1452 : 1432,
			     .csum_start = ver == 4 ? 20 : 40,
			     .csum_offset = 16};
	uint8_t hdr[DP_GSO_MAX_HDR];
	struct dp_gso g;
	struct dp_gso_seg seg;
	unsigned n = 0;

	for (int r = 0; r < N_ROUNDS; r++) {
		if (dp_gso_begin(&g, &vh, super, super_len, 1492) != DP_GSO_OK) {
			fprintf(stderr, "cg_drv: dp_gso_begin refused the IPv%d super-packet\n", ver);
			exit(1);
		}
		while (dp_gso_next(&g, hdr, &seg)) {
			sink += seg.ip_len;
			n++;
		}
	}
	return n;
}

__attribute__((noinline, noipa)) static unsigned cg_gso4(void)
{
	return cg_gso(4);
}

__attribute__((noinline, noipa)) static unsigned cg_gso6(void)
{
	return cg_gso(6);
}

/* translation: NAT46 both ways. */
static const uint8_t app4[4] = {192, 0, 0, 2}, pool4[4] = {198, 19, 0, 10};
static const uint8_t host6[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x46, 1};

static bool map4(void *ctx, const uint8_t v4[4], uint8_t v6[16])
{
	(void)ctx;
	if (memcmp(v4, pool4, 4) != 0)
		return false;
	memcpy(v6, far6, 16);
	return true;
}

static bool map6(void *ctx, const uint8_t v6[16], uint8_t v4[4])
{
	(void)ctx;
	if (memcmp(v6, far6, 16) != 0)
		return false;
	memcpy(v4, pool4, 4);
	return true;
}

static const struct nat46_cfg ncfg = {
	.app_v4 = {192, 0, 0, 2},
	.app_v4_plen = 32,
	.router_v4 = {192, 0, 0, 1},
	.host_v6 = {0x20, 0x01, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x46, 1},
	.v6_mtu = 1492,
	.map_v4_to_v6 = map4,
	.map_v6_to_v4 = map6,
};
static uint8_t xout[NAT46_OUT_CAP(1600)];

__attribute__((noinline, noipa)) static unsigned cg_nat46_4to6(void)
{
	unsigned n = 0;
	size_t out_len;
	enum nat46_drop why;

	for (int r = 0; r < N_ROUNDS; r++)
		for (int i = 0; i < N_PKT; i++, n++)
			if (nat46_4to6(&ncfg, frames[i], frame_len[i], xout, sizeof(xout), &out_len,
				       &why) != NAT46_TO_V6) {
				fprintf(stderr, "cg_drv: nat46_4to6 dropped (%s)\n", nat46_drop_str(why));
				exit(1);
			}
	return n;
}

__attribute__((noinline, noipa)) static unsigned cg_nat46_6to4(void)
{
	unsigned n = 0;
	size_t out_len;
	enum nat46_drop why;

	for (int r = 0; r < N_ROUNDS; r++)
		for (int i = 0; i < N_PKT; i++, n++)
			if (nat46_6to4(&ncfg, frames[i], frame_len[i], xout, sizeof(xout), &out_len,
				       &why) != NAT46_TO_V4) {
				fprintf(stderr, "cg_drv: nat46_6to4 dropped (%s)\n", nat46_drop_str(why));
				exit(1);
			}
	return n;
}

static void report(const char *fn, const char *what, unsigned n)
{
	printf("%s\t%u\t%s\n", fn, n, what);
}

int main(void)
{
	session_init();
	make_rx_frames(4, 6, 1412);
	report("cg_decap4", "decap: dp_classify_rx, IPv4/TCP 1452 B", cg_decap4());
	make_rx_frames(6, 17, 64);
	report("cg_decap6", "decap: dp_classify_rx, IPv6/UDP 64 B payload", cg_decap6());
	make_tx_pkts(4, 6, 1412);
	report("cg_encap4", "encap: dp_check_tx + dp_build_tx_hdr, IPv4/TCP 1452 B", cg_encap4());
	make_tx_pkts(6, 17, 64);
	report("cg_encap6", "encap: dp_check_tx + dp_build_tx_hdr, IPv6/UDP 64 B payload",
	       cg_encap6());

	super_len = cg_build4(super, local4, far4, 6, 65535 - 40, 1, 7);
	report("cg_gso4", "segmentation: dp_gso_begin/next, 64 KB IPv4/TCP, per segment",
	       cg_gso4());
	super_len = build6(super, local6, far6, 6, 65535 - 20);
	report("cg_gso6", "segmentation: dp_gso_begin/next, 64 KB IPv6/TCP, per segment",
	       cg_gso6());

	unsigned n_items = 0;

	cg_gro_setup();
	unsigned n_gro = cg_gro_tcp4(&n_items);

	report("cg_gro_tcp4", "coalescing: dp_gro_run, batches of 64 IPv4/TCP 1452 B, per packet",
	       n_gro);

	for (int i = 0; i < N_PKT; i++)
		frame_len[i] = cg_build4(frames[i], app4, pool4, 17, 64, (uint32_t)i, (uint16_t)i);
	report("cg_nat46_4to6", "translation: nat46_4to6, IPv4/UDP 64 B payload", cg_nat46_4to6());
	for (int i = 0; i < N_PKT; i++)
		frame_len[i] = build6(frames[i], far6, host6, 17, 64);
	report("cg_nat46_6to4", "translation: nat46_6to4, IPv6/UDP 64 B payload", cg_nat46_6to4());
	return sink == 0xdeadbeef;
}
