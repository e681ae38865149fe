/* Software segmentation of the TUN's offloaded packets for the uplink (issue #12): a TSO/USO
 * super-packet (virtio-net header + one IPv4/IPv6 TCP or UDP datagram up to 64 KiB) becomes
 * MTU-sized segments with their own IP length, IPv4 ID and header checksum, TCP sequence number
 * and flags (RFC 9293 §3.1; FIN and PSH on the last segment only, CWR on the first only, as
 * Linux's tcp_gso_segment does), UDP length (USO), and full TCP/UDP checksums. A packet with
 * only NEEDS_CSUM gets its checksum finished in place. Pure: no I/O; unit-tested and fuzzed. */
#ifndef V6L_DP_GSO_H
#define V6L_DP_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_VNET_HDR_LEN 10 /* struct virtio_net_hdr */
#define DP_VNET_F_NEEDS_CSUM 0x01
#define DP_VNET_GSO_NONE 0
#define DP_VNET_GSO_TCPV4 1
#define DP_VNET_GSO_UDP 3 /* UFO (IP fragmentation): never enabled, rejected */
#define DP_VNET_GSO_TCPV6 4
#define DP_VNET_GSO_UDP_L4 5
#define DP_VNET_GSO_ECN 0x80

/* The largest IP + TCP/UDP header copied into each segment (IPv4 with options 60 + TCP with
 * options 60; IPv6 40 + TCP 60). */
#define DP_GSO_MAX_HDR 128
/* The largest super-packet (IPv4 total length and IPv6 payload length are 16 bits). */
#define DP_GSO_MAX_PKT (65535 + 40)

/* The virtio-net header in host order; the TUN writes it in the host's byte order. */
struct dp_vnet {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

enum dp_gso_err {
	DP_GSO_OK,
	DP_GSO_E_SHORT,  /* packet shorter than its headers or its IP length says */
	DP_GSO_E_HDR,    /* virtio-net header inconsistent with the packet */
	DP_GSO_E_PROTO,  /* not IPv4/IPv6 + TCP/UDP as the GSO type says, or IP fragments */
	DP_GSO_E_TOO_BIG, /* no segment fits the MTU (or a USO datagram is larger than it) */
};

const char *dp_gso_err_str(enum dp_gso_err e);

/* Iteration state over one super-packet; pkt is borrowed until the last dp_gso_next. */
struct dp_gso {
	const uint8_t *pkt;
	size_t end;            /* the IP datagram's length */
	size_t off;            /* the next segment's payload offset in pkt */
	uint64_t psum;         /* pseudo-header sum without the length */
	uint32_t seq;          /* TCP sequence number of the next segment */
	uint16_t ip_id;        /* IPv4 ID of the next segment */
	uint16_t l4_off, hdr_len, seg_max; /* payload bytes per segment */
	uint16_t first_len;    /* the first segment's IP length */
	uint16_t n_segs, n_left; /* segments in all, and still to make */
	uint8_t ip_ver, l4_proto;
	bool is_first;
};

/* Reads the 10-byte virtio-net header b (host byte order) into *out. */
void dp_vnet_parse(const uint8_t b[DP_VNET_HDR_LEN], struct dp_vnet *out);

/* Starts segmenting pkt[0..len), a GSO packet (vh->gso_type TCPV4, TCPV6 or UDP_L4) into IP
 * packets of at most mtu bytes; TCP segments carry at most vh->gso_size payload bytes (fewer if
 * the MTU needs it), UDP datagrams exactly gso_size (E_TOO_BIG if that does not fit). */
enum dp_gso_err dp_gso_begin(struct dp_gso *g, const struct dp_vnet *vh, const uint8_t *pkt,
			     size_t len, uint16_t mtu);

/* One segment: hdr_len header bytes written at the caller's hdr, then pay_len bytes at pay (in
 * the super-packet); ip_len = hdr_len + pay_len. */
struct dp_gso_seg {
	const uint8_t *pay;
	uint16_t hdr_len, pay_len, ip_len;
};

/* Writes the next segment's IP + TCP/UDP headers (checksums complete) at hdr (room for
 * DP_GSO_MAX_HDR bytes) and fills *seg; false once every segment has been made. */
bool dp_gso_next(struct dp_gso *g, uint8_t *hdr, struct dp_gso_seg *seg);

/* Finishes a NEEDS_CSUM checksum in place: the ones' complement sum of pkt[csum_start..ip end)
 * (the field holds the pseudo-header sum) goes to csum_start + csum_offset. A packet without
 * NEEDS_CSUM is left alone. Returns DP_GSO_OK or why the header does not fit the packet. */
enum dp_gso_err dp_csum_complete(const struct dp_vnet *vh, uint8_t *pkt, size_t len);

#endif
