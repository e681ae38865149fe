/* Stateless IP/ICMP translator (RFC 7915) with explicit address mappings (RFC 7757), used as a
 * bump in the host (RFC 6535): IPv4-only apps on this host reach IPv6 peers through pool
 * addresses the DNS mapper synthesizes. Pure: no I/O, no allocation, no logging, no state; one
 * packet in, one packet (or a train of IPv6 fragments) out. Not done: RFC 4884 ICMP extensions
 * (dropped from translated errors), ICMP errors back to IPv6 senders (IPv6 problems just drop). */
#ifndef V6L_NAT46_H
#define V6L_NAT46_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAT46_IPV6_MIN_MTU 1280 /* RFC 8200 §5 */
/* Output space that is always enough for nat46_4to6/nat46_6to4 of an in_len-byte packet: the
 * 20-byte header growth, a Fragment header, a second (inner) header growth in ICMP errors, 48
 * bytes per extra fragment when a DF=0 packet must be split (chunks >= 1232 bytes), and a
 * generated 576-byte ICMPv4 error. */
#define NAT46_OUT_CAP(in_len) ((size_t)(in_len) + 48u * ((size_t)(in_len) / 1232u + 2u) + 576u)

/* Looks up the IPv6 address a pool IPv4 address stands for (the DNS mapper's table; the callee
 * may refresh the entry's lifetime). Called from data-path threads: must be thread-safe. */
typedef bool (*nat46_map4_fn)(void *ctx, const uint8_t v4[4], uint8_t v6[16]);
/* The reverse lookup: the pool IPv4 address that stands for v6; false when none does. */
typedef bool (*nat46_map6_fn)(void *ctx, const uint8_t v6[16], uint8_t v4[4]);

/* Translator configuration; read-only during a call, may be shared by threads.
 * A stateless 1:1 mapping needs exactly one IPv4 address on the host's side: every reply to
 * host_v6 is delivered to app_v4. Sources anywhere in app_v4/app_v4_plen are translated, but
 * only app_v4 gets replies, so the host should use app_v4 (e.g. 192.0.0.2) as its only source
 * on v6link46 (app_v4_plen 32 enforces it). */
struct nat46_cfg {
	uint8_t app_v4[4];      /* the host's IPv4 address on the v4 side, e.g. 192.0.0.2 */
	uint8_t app_v4_plen;    /* accepted IPv4 sources: app_v4/plen (0..32) */
	uint8_t router_v4[4];   /* source of ICMPv4 errors it makes (ipv4_router_addr); 0 = none */
	uint8_t icmp_err_v4[4]; /* source for ICMPv6 errors from unmapped IPv6 routers (RFC 6791;
				 * 192.0.0.8, RFC 7600); 0.0.0.0 drops such errors */
	uint8_t host_v6[16];    /* the dedicated IPv6 address every IPv4 source becomes */
	uint16_t v6_mtu;        /* path MTU on the IPv6 side (1492 on PPPoE); below 1280 counts 1280 */
	uint16_t df0_mtu6;      /* RFC 7915 §4.1 size above which DF=0 packets are fragmented;
				 * 0 = 1280; clamped to 1280..v6_mtu */
	bool clear_tc;          /* RFC 7915 §4.1/§5.1 option: Traffic Class/TOS set to 0, not copied */
	void *ctx;              /* passed to the two lookups */
	nat46_map4_fn map_v4_to_v6;
	nat46_map6_fn map_v6_to_v4;
};

enum nat46_verdict {
	NAT46_TO_V6,   /* out holds IPv6: one packet, or fragments back to back (nat46_pkt_len) */
	NAT46_TO_V4,   /* out holds one IPv4 packet (from 6to4, or an ICMPv4 error made by 4to6) */
	NAT46_DROP,
};

/* Why a packet was not translated; counted per reason by the caller. With NAT46_TO_V4 from
 * nat46_4to6 it names why the translator answered with an ICMPv4 error instead. */
enum nat46_drop {
	NAT46_DROP_NONE,
	NAT46_DROP_SHORT,      /* truncated header, or a length field beyond the packet */
	NAT46_DROP_HDR,        /* bad version, IHL, total/payload length */
	NAT46_DROP_CSUM4,      /* bad IPv4 header checksum */
	NAT46_DROP_SRC,        /* IPv4 source outside app_v4/plen, or multicast IPv6 source */
	NAT46_DROP_DST,        /* IPv6 destination is not host_v6 */
	NAT46_DROP_MCAST,      /* IPv4 multicast/broadcast destination */
	NAT46_DROP_NO_MAP,     /* no mapping for the peer address (4to6: host unreachable sent) */
	NAT46_DROP_SRC_ROUTE,  /* unexpired IPv4 source route (source route failed sent) */
	NAT46_DROP_TOO_BIG,    /* DF=1 and larger than v6_mtu after translation (frag needed sent) */
	NAT46_DROP_PROTO,      /* protocol not translated (IGMP, ICMPv6 in IPv4, AH, ...) */
	NAT46_DROP_EXT_HDR,    /* IPv6 extension header: routing with segments left, misplaced */
	NAT46_DROP_ICMP_TYPE,  /* ICMP type/code the RFC says to drop silently */
	NAT46_DROP_ICMP_CSUM,  /* ICMP error with a bad checksum */
	NAT46_DROP_ICMP_FRAG,  /* fragmented ICMP message (checksum cannot be translated) */
	NAT46_DROP_ICMP_INNER, /* ICMP error whose inner packet is bad, not ours, or an error */
	NAT46_DROP_UDP0_FRAG,  /* fragment of an IPv4 UDP datagram with a zero checksum */
	NAT46_DROP_NO_ROOM,    /* out_cap too small */
	NAT46_DROP_N,
};

/* Translates the IPv4 packet in[0..in_len) (from the v4 side) into out[0..out_cap); in and out
 * must not overlap. Sets *out_len and *why (NONE on success). Returns NAT46_TO_V6, NAT46_TO_V4
 * (an ICMPv4 error for the app: unknown pool address, source route, DF packet too big), or
 * NAT46_DROP. Never writes beyond out_cap; NAT46_OUT_CAP(in_len) is always enough. */
enum nat46_verdict nat46_4to6(const struct nat46_cfg *cfg, const uint8_t *in, size_t in_len,
			      uint8_t *out, size_t out_cap, size_t *out_len, enum nat46_drop *why);

/* Translates the IPv6 packet in[0..in_len) (from the IPv6 side, for host_v6) into one IPv4
 * packet in out; returns NAT46_TO_V4 or NAT46_DROP. out_cap >= in_len is always enough. */
enum nat46_verdict nat46_6to4(const struct nat46_cfg *cfg, const uint8_t *in, size_t in_len,
			      uint8_t *out, size_t out_cap, size_t *out_len, enum nat46_drop *why);

/* Length of the IPv4 or IPv6 packet at the start of buf[0..len) per its length field, or 0 if
 * it is not a whole packet; walks the fragment train nat46_4to6 may return. */
size_t nat46_pkt_len(const uint8_t *buf, size_t len);

/* Completes the TCP or UDP checksum of the IPv6 packet pkt[0..len) whose checksum field holds
 * only the pseudo-header sum (a kernel CHECKSUM_PARTIAL packet: from a veth or virtio peer, or
 * merged by GRO). The translators adjust checksums incrementally, so they need it whole first.
 * Only TCP/UDP right after the IPv6 header (where offloads put them); anything else, or a
 * length field beyond len, is left untouched. */
void nat46_complete_l4_csum6(uint8_t *pkt, size_t len);

/* Short stable name of a drop reason ("no_map"), for status output. */
const char *nat46_drop_str(enum nat46_drop why);

#endif
