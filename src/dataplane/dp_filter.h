/* Fast-path frame classification for the PPPoE session data plane: parses a received Ethernet
 * frame down to the PPP payload and applies check_traffic (only the session's own addresses
 * and prefixes pass). Pure: no I/O, so it is unit-tested and fuzzed. RFC 2516 §4, RFC 1661 §2. */
#ifndef V6L_DP_FILTER_H
#define V6L_DP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_MAX_PREFIXES 16
#define DP_ETH_HLEN 14
#define DP_VLAN_HLEN 4
#define DP_PPPOE_HLEN 8 /* 6-byte PPPoE header + 2-byte PPP protocol */
#define DP_HEADROOM (DP_ETH_HLEN + DP_VLAN_HLEN + DP_PPPOE_HLEN)

#define DP_PPP_IPV4 0x0021
#define DP_PPP_IPV6 0x0057

/* Why a frame or packet was dropped; counted per reason and shown by `status`. */
enum dp_drop {
	DP_DROP_NONE,
	DP_DROP_MALFORMED,    /* short frame, bad PPPoE version/type/code or length */
	DP_DROP_NOT_SESSION,  /* other session id, other AC, not addressed to us */
	DP_DROP_NO_SESSION,   /* no session up (or the protocol's NCP is down) */
	DP_DROP_CHECK_SRC,    /* outgoing packet with a source that is not ours (check_traffic) */
	DP_DROP_CHECK_DST,    /* incoming packet for a destination that is not ours (check_traffic) */
	DP_DROP_MCAST4,       /* IPv4 multicast while ipv4_mcast_is_unicast=0 */
	DP_DROP_TOO_BIG,      /* larger than the session MTU */
	DP_DROP_IO,           /* a system call failed */
	DP_DROP_CONTROL,      /* control packet (PPPoE discovery, LCP, NCP, auth) malformed or
	                       * unexpected: counted by the control loop, never by the data path */
	DP_DROP_N,
};

const char *dp_drop_name(enum dp_drop d);

struct dp_prefix6 {
	uint8_t addr[16];
	uint8_t len;
};

/* What the data path knows of the session; published by the control loop. */
struct dp_session {
	bool is_up;           /* a PPPoE session exists */
	bool ipv4_up, ipv6_up;
	bool check_traffic;
	bool ipv6_link_ctl;   /* hand ND and DHCPv6 client traffic to the control loop */
	bool mcast4_unicast;
	uint16_t session_id;
	uint8_t ac_mac[6], our_mac[6];
	bool has_vlan;
	uint16_t vlan_tci;    /* priority << 13 | vlan id */
	uint16_t mtu;         /* largest IP packet we may send (peer's MRU) */
	uint8_t ipv4_local[4];
	uint8_t n_prefixes;   /* IPv6 prefixes our sources may come from (incl. fe80::/10) */
	struct dp_prefix6 prefixes[DP_MAX_PREFIXES];
};

enum dp_rx_kind { DP_RX_DROP, DP_RX_DATA4, DP_RX_DATA6, DP_RX_CONTROL };

struct dp_rx {
	enum dp_rx_kind kind;
	enum dp_drop drop;
	uint16_t proto;       /* PPP protocol */
	size_t off, len;      /* PPP payload (after the protocol field) within the frame */
};

/* Classifies one received frame (Ethernet header first, VLAN tag already removed by the kernel;
 * vlan_tci from PACKET_AUXDATA or 0). Control frames pass even when no NCP is up; with
 * ipv6_link_ctl, ND and DHCPv6 packets for us are control too (proto DP_PPP_IPV6). */
void dp_classify_rx(const struct dp_session *s, const uint8_t *frame, size_t len, uint16_t vlan_tci,
		    bool has_vlan, struct dp_rx *out);

/* Checks an IP packet read from the TUN for sending; returns DP_DROP_NONE and the PPP protocol. */
enum dp_drop dp_check_tx(const struct dp_session *s, const uint8_t *pkt, size_t len, uint16_t *proto);

/* Writes Ethernet (+802.1Q) + PPPoE + PPP protocol headers so that they end exactly at
 * buf + DP_HEADROOM; returns the offset where the frame starts. payload_len excludes headers. */
size_t dp_build_tx_hdr(const struct dp_session *s, uint8_t *buf, uint16_t proto, size_t payload_len);

bool dp_prefix_match(const struct dp_prefix6 *p, const uint8_t addr[16]);

#endif
