/* Download-side receive offload, pure: coalesces consecutive TCP segments of one flow from a
 * receive batch into one GSO super-packet for a TUN with IFF_VNET_HDR (the kernel's GRO rules,
 * net/ipv4/tcp_offload.c), and finds the checksum a CHECKSUM_PARTIAL frame left unfinished, so
 * that both go to the TUN with a virtio-net header. No I/O; packets are only borrowed. */
#ifndef V6L_DP_GRO_H
#define V6L_DP_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_GRO_MAX_PKTS 64     /* packets per dp_gro_run call */
#define DP_GRO_MAX_LEN 65535   /* largest super-packet (IP header included) */
#define DP_GRO_HDR_MAX 100     /* IPv6 40 (IPv4 20, no options) + TCP with options 60 */

/* struct virtio_net_hdr's values (include/uapi/linux/virtio_net.h), in host order. */
#define DP_VNET_F_NEEDS_CSUM 1
#define DP_VNET_GSO_NONE 0
#define DP_VNET_GSO_TCPV4 1
#define DP_VNET_GSO_TCPV6 4

struct dp_vnet {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

/* One IP packet of the batch (borrowed). is_csum_partial: TP_STATUS_CSUMNOTREADY, the L4
 * checksum field holds only the pseudo-header sum. */
struct dp_gro_pkt {
	const uint8_t *p;
	size_t len;
	bool is_csum_partial;
};

/* One write into the TUN: the vnet header, then with n == 1 packet `first` unchanged, with
 * n > 1 hdr[0..hdr_len) followed by the TCP payload of each packet of the chain first ->
 * next[first] -> ... (n packets, in sequence order). */
struct dp_gro_out {
	struct dp_vnet vnet;
	uint16_t first, n;
	uint16_t hdr_len;
	uint32_t len; /* the IP packet length written */
	uint8_t hdr[DP_GRO_HDR_MAX];
};

struct dp_gro_seg {
	const uint8_t *p;
	size_t len;
};

struct dp_gro_stats {
	uint64_t n_coalesced;   /* packets that went into a super-packet */
	uint64_t n_bad_csum;    /* TCP segments not coalesced because their checksum is wrong */
	uint64_t n_csum_partial; /* CHECKSUM_PARTIAL packets handed on with NEEDS_CSUM */
};

/* An item that may still grow (private to dp_gro.c). */
struct dp_gro_chain {
	uint32_t next_seq;  /* the sequence number the next segment must carry */
	uint16_t mss;       /* TCP payload of the first segment: gso_size */
	uint16_t last;      /* the packet that ends the chain */
	uint16_t id_next;   /* IPv4: the ID the next segment must carry */
	bool is_fixed_id;   /* IPv4 with DF: every segment carries the first one's ID */
	bool is_checked;    /* the first segment's checksums were verified */
};

/* Work area and result of dp_gro_run, reused from batch to batch. */
struct dp_gro {
	size_t n_out;
	struct dp_gro_out out[DP_GRO_MAX_PKTS];
	int16_t next[DP_GRO_MAX_PKTS];
	struct dp_gro_stats stats; /* accumulated, never reset by dp_gro_run */
	uint16_t n_open;
	uint16_t open[DP_GRO_MAX_PKTS]; /* out indices of chains that may still grow */
	struct dp_gro_chain chain[DP_GRO_MAX_PKTS]; /* by out index */
};

/* Splits pkts[0..n) (n <= DP_GRO_MAX_PKTS; more are ignored) into g->out[0..g->n_out), in the
 * order of each item's first packet: packets of one TCP flow keep their order, and no item is
 * longer than DP_GRO_MAX_LEN. Returns g->n_out. Segments whose checksum is wrong are never
 * coalesced (the super-packet's checksum is the kernel's to finish, so it would hide them). */
size_t dp_gro_run(struct dp_gro *g, const struct dp_gro_pkt *pkts, size_t n);

/* The pieces of item k (after the vnet header) into seg[0..cap); returns their number, 0 if cap
 * is too small (cap >= out[k].n + 1 always suffices). */
size_t dp_gro_segs(const struct dp_gro *g, size_t k, const struct dp_gro_pkt *pkts,
		   struct dp_gro_seg *seg, size_t cap);

/* Where the unfinished L4 checksum of an IP packet is (TCP or UDP right after the IPv4 header or
 * the IPv6 header and its extension headers): csum_start from the packet's first byte and
 * csum_offset within the L4 header. Returns false for anything else (fragments, other
 * protocols, short or inconsistent headers). */
bool dp_gro_csum_locate(const uint8_t *p, size_t len, uint16_t *csum_start, uint16_t *csum_offset);

/* The vnet header as the TUN reads it (10 bytes, host byte order: a legacy virtio header). */
void dp_vnet_build(const struct dp_vnet *v, uint8_t out[10]);

#endif
