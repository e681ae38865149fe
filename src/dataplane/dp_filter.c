/* Fast-path frame classification and header building; see dp_filter.h. Fixed headers are read
 * with memcpy-based loads after the length has been checked (STYLE §12). */
#include "dp_filter.h"

#include "pppoe/pppoe_codec.h"

#include <string.h>

const char *dp_drop_name(enum dp_drop d)
{
	switch (d) {
	case DP_DROP_NONE: return "none";
	case DP_DROP_MALFORMED: return "malformed";
	case DP_DROP_NOT_SESSION: return "not_session";
	case DP_DROP_NO_SESSION: return "no_session";
	case DP_DROP_CHECK_SRC: return "check_traffic_src";
	case DP_DROP_CHECK_DST: return "check_traffic_dst";
	case DP_DROP_MCAST4: return "ipv4_multicast";
	case DP_DROP_TOO_BIG: return "too_big";
	case DP_DROP_IO: return "io_error";
	case DP_DROP_CONTROL: return "control";
	case DP_DROP_N: break;
	}
	return "?";
}

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool dp_prefix_match(const struct dp_prefix6 *p, const uint8_t addr[16])
{
	unsigned bytes = p->len / 8, bits = p->len % 8;
	if (p->len > 128) /* never valid; would read past the 16 address bytes */
		return false;
	if (memcmp(p->addr, addr, bytes) != 0)
		return false;
	if (!bits)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (p->addr[bytes] & mask) == (addr[bytes] & mask);
}

static bool dp_addr6_ours(const struct dp_session *s, const uint8_t a[16])
{
	for (unsigned i = 0; i < s->n_prefixes; i++)
		if (dp_prefix_match(&s->prefixes[i], a))
			return true;
	return false;
}

/* Incoming: the destination must be ours (or multicast, which the link may carry: RA, ND). */
static enum dp_drop dp_check_rx_ip(const struct dp_session *s, uint16_t proto, const uint8_t *ip,
				   size_t len)
{
	if (proto == DP_PPP_IPV4) {
		if (len < 20 || (ip[0] >> 4) != 4)
			return DP_DROP_MALFORMED;
		if ((ip[16] & 0xf0) == 0xe0)
			return s->mcast4_unicast ? DP_DROP_NONE : DP_DROP_MCAST4;
		if (s->check_traffic && memcmp(ip + 16, s->ipv4_local, 4) != 0)
			return DP_DROP_CHECK_DST;
		return DP_DROP_NONE;
	}
	if (len < 40 || (ip[0] >> 4) != 6)
		return DP_DROP_MALFORMED;
	if (ip[24] == 0xff)
		return DP_DROP_NONE;
	if (s->check_traffic && !dp_addr6_ours(s, ip + 24))
		return DP_DROP_CHECK_DST;
	return DP_DROP_NONE;
}

/* Neighbor Discovery (RFC 4861 types 133-137) and DHCPv6 to the client port (RFC 8415 §7.2)
 * belong to v6link's control plane, not to the host: v6link owns the link. Only packets whose
 * ICMPv6/UDP header directly follows the fixed IPv6 header are recognised. */
static bool dp_is_link_ctl6(const uint8_t *ip, size_t len)
{
	if (len < 48)
		return false;
	if (ip[6] == 58)
		return ip[40] >= 133 && ip[40] <= 137;
	return ip[6] == 17 && ld16(ip + 42) == 546;
}

static bool dp_frame_is_ours(const struct dp_session *s, const uint8_t *f, bool has_vlan,
			     uint16_t vlan_tci)
{
	if (memcmp(f, s->our_mac, 6) != 0 || memcmp(f + 6, s->ac_mac, 6) != 0)
		return false;
	/* 802.1Q: VLAN ID 0 is a priority tag only, so such a frame counts as untagged. */
	uint16_t got = has_vlan ? (vlan_tci & 0x0fff) : 0;
	uint16_t want = s->has_vlan ? (s->vlan_tci & 0x0fff) : 0;
	return got == want;
}

void dp_classify_rx(const struct dp_session *s, const uint8_t *f, size_t len, uint16_t vlan_tci,
		    bool has_vlan, struct dp_rx *out)
{
	*out = (struct dp_rx){ .kind = DP_RX_DROP, .drop = DP_DROP_MALFORMED };
	if (len < DP_ETH_HLEN + DP_PPPOE_HLEN || ld16(f + 12) != 0x8864)
		return;
	const uint8_t *h = f + DP_ETH_HLEN;
	/* RFC 2516 §4: VER and TYPE are 1, CODE is 0 in session frames. */
	if (h[0] != 0x11 || h[1] != 0x00)
		return;
	size_t plen = ld16(h + 4);
	if (plen < 2 || plen > len - DP_ETH_HLEN - 6)
		return;
	out->drop = DP_DROP_NO_SESSION;
	if (!s->is_up)
		return;
	out->drop = DP_DROP_NOT_SESSION;
	if (ld16(h + 2) != s->session_id || !dp_frame_is_ours(s, f, has_vlan, vlan_tci))
		return;
	out->proto = ld16(h + 6);
	out->off = DP_ETH_HLEN + DP_PPPOE_HLEN;
	out->len = plen - 2;
	if (out->proto != DP_PPP_IPV4 && out->proto != DP_PPP_IPV6) {
		out->kind = DP_RX_CONTROL;
		out->drop = DP_DROP_NONE;
		return;
	}
	bool ncp_up = out->proto == DP_PPP_IPV4 ? s->ipv4_up : s->ipv6_up;
	out->drop = ncp_up ? dp_check_rx_ip(s, out->proto, f + out->off, out->len) : DP_DROP_NO_SESSION;
	if (out->drop != DP_DROP_NONE)
		return;
	out->kind = out->proto == DP_PPP_IPV4 ? DP_RX_DATA4 : DP_RX_DATA6;
	if (out->kind == DP_RX_DATA6 && s->ipv6_link_ctl && dp_is_link_ctl6(f + out->off, out->len))
		out->kind = DP_RX_CONTROL;
}

enum dp_drop dp_check_tx(const struct dp_session *s, const uint8_t *pkt, size_t len, uint16_t *proto)
{
	if (len < 1)
		return DP_DROP_MALFORMED;
	unsigned ver = pkt[0] >> 4;
	if (ver == 4) {
		*proto = DP_PPP_IPV4;
		if (len < 20)
			return DP_DROP_MALFORMED;
		if (!s->is_up || !s->ipv4_up)
			return DP_DROP_NO_SESSION;
		if ((pkt[16] & 0xf0) == 0xe0 && !s->mcast4_unicast)
			return DP_DROP_MCAST4;
		if (s->check_traffic && memcmp(pkt + 12, s->ipv4_local, 4) != 0)
			return DP_DROP_CHECK_SRC;
	} else if (ver == 6) {
		*proto = DP_PPP_IPV6;
		if (len < 40)
			return DP_DROP_MALFORMED;
		if (!s->is_up || !s->ipv6_up)
			return DP_DROP_NO_SESSION;
		if (s->check_traffic && !dp_addr6_ours(s, pkt + 8))
			return DP_DROP_CHECK_SRC;
	} else {
		return DP_DROP_MALFORMED;
	}
	if (len > s->mtu)
		return DP_DROP_TOO_BIG;
	return DP_DROP_NONE;
}

size_t dp_build_tx_hdr(const struct dp_session *s, uint8_t *buf, uint16_t proto, size_t payload_len)
{
	size_t start = s->has_vlan ? 0 : DP_VLAN_HLEN;
	uint8_t *p = buf + start;
	memcpy(p, s->ac_mac, 6);
	memcpy(p + 6, s->our_mac, 6);
	p += 12;
	if (s->has_vlan) {
		*p++ = 0x81;
		*p++ = 0x00;
		*p++ = (uint8_t)(s->vlan_tci >> 8);
		*p++ = (uint8_t)s->vlan_tci;
	}
	*p++ = 0x88;
	*p++ = 0x64;
	/* payload_len is at most one frame, so the 16-bit LENGTH cannot overflow. */
	pppoe_sess_hdr_write(p, s->session_id, proto, payload_len);
	return start;
}
