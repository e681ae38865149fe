/* Fuzzes the data-plane filter: the first FZ_HDR bytes pick the session view, the rest is a
 * received frame for dp_classify_rx and a TUN packet for dp_check_tx. Aborts if an accepted frame
 * points outside itself, or if a packet dp_check_tx accepts does not survive build -> classify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_HDR 12

/* Byte 0 flags: is_up, ipv4_up, ipv6_up, check_traffic, mcast4_unicast, session VLAN, frame VLAN,
 * and "adopt the frame's MACs and session id" so the deeper checks are reached often. */
static void fz_session(struct dp_session *s, const uint8_t *h, const uint8_t *f, size_t flen)
{
	memset(s, 0, sizeof(*s));
	s->is_up = h[0] & 1;
	s->ipv4_up = h[0] & 2;
	s->ipv6_up = h[0] & 4;
	s->check_traffic = h[0] & 8;
	s->mcast4_unicast = h[0] & 16;
	s->has_vlan = h[0] & 32;
	s->vlan_tci = (uint16_t)(h[1] << 8 | h[2]);
	s->mtu = (uint16_t)(h[5] << 8 | h[6]);
	memcpy(s->ipv4_local, h + 7, 4);
	memset(s->ac_mac, 0xac, 6);
	memset(s->our_mac, 0x01, 6);
	if ((h[0] & 128) && flen >= 18) {
		memcpy(s->our_mac, f, 6);
		memcpy(s->ac_mac, f + 6, 6);
		s->session_id = (uint16_t)(f[16] << 8 | f[17]);
	}
	/* fe80::/10 plus one prefix of any length byte (0..255) taken from the IPv6 destination. */
	s->prefixes[0].addr[0] = 0xfe;
	s->prefixes[0].addr[1] = 0x80;
	s->prefixes[0].len = 10;
	if (flen >= 22 + 40)
		memcpy(s->prefixes[1].addr, f + 22 + 24, 16);
	s->prefixes[1].len = h[11];
	s->n_prefixes = 2;
}

/* A packet dp_check_tx accepted, framed as the AC would echo it, must classify as the same data. */
static void fz_roundtrip(const struct dp_session *s, const uint8_t *pkt, size_t n, uint16_t proto)
{
	static uint8_t buf[DP_HEADROOM + 65536], rxf[DP_HEADROOM + 65536];
	if (n > 65535 - 2)
		return;
	memcpy(buf + DP_HEADROOM, pkt, n);
	size_t start = dp_build_tx_hdr(s, buf, proto, n);
	size_t flen = DP_HEADROOM - start + n;
	const uint8_t *f = buf + start;
	size_t tag = s->has_vlan ? DP_VLAN_HLEN : 0;
	uint16_t tci = s->has_vlan ? (uint16_t)(f[14] << 8 | f[15]) : 0;
	memcpy(rxf, f + 6, 6);
	memcpy(rxf + 6, f, 6);
	memcpy(rxf + 12, f + 12 + tag, flen - 12 - tag);
	flen -= tag;
	struct dp_rx rx;
	dp_classify_rx(s, rxf, flen, tci, s->has_vlan, &rx);
	if (rx.kind == DP_RX_DROP) {
		/* Only the destination check may differ between the two directions. */
		if (rx.drop != DP_DROP_CHECK_DST)
			abort();
		return;
	}
	if (rx.kind == DP_RX_CONTROL || rx.proto != proto || rx.len != n || rx.off != 22 ||
	    memcmp(rxf + rx.off, pkt, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < FZ_HDR)
		return 0;
	const uint8_t *h = data, *f = data + FZ_HDR;
	size_t flen = size - FZ_HDR;
	struct dp_session s;
	fz_session(&s, h, f, flen);

	struct dp_rx rx;
	dp_classify_rx(&s, f, flen, (uint16_t)(h[3] << 8 | h[4]), h[0] & 64, &rx);
	if (rx.kind != DP_RX_DROP) {
		if (rx.drop != DP_DROP_NONE || rx.off < 22 || rx.off > flen)
			abort();
		if (rx.len > flen - rx.off)
			abort();
		if (rx.kind != DP_RX_CONTROL && rx.len < 20)
			abort();
	} else if (rx.drop == DP_DROP_NONE || rx.drop >= DP_DROP_N) {
		abort();
	}

	uint16_t proto = 0;
	enum dp_drop d = dp_check_tx(&s, f, flen, &proto);
	if (d >= DP_DROP_N)
		abort();
	if (d == DP_DROP_NONE) {
		if ((proto != DP_PPP_IPV4 && proto != DP_PPP_IPV6) || flen > s.mtu)
			abort();
		fz_roundtrip(&s, f, flen, proto);
	}
	return 0;
}
