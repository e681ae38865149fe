/* The PPPoE session data plane: an uplink thread (TUN -> PPPoE) and a downlink thread
 * (PPPoE -> TUN), batched with sendmmsg/recvmmsg, off the control loop. Control frames (LCP, PAP,
 * CHAP, IPCP, IPv6CP, ...) are queued to the control loop through an eventfd. */
#ifndef V6L_DP_H
#define V6L_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp_filter.h"

struct dataplane;

/* The offload work of the data path (issue #12), since the data plane started. */
struct dp_offload_stats {
	uint64_t tso_super;       /* TSO/USO super-packets read from the TUN */
	uint64_t tso_segments;    /* segments cut from them */
	uint64_t csum_tx;         /* NEEDS_CSUM packets from the TUN whose checksum v6link finished */
	uint64_t gro_super;       /* super-packets written into the TUN (2 or more frames each) */
	uint64_t gro_coalesced;   /* frames coalesced into them */
	uint64_t csum_partial_rx; /* CHECKSUM_PARTIAL frames received (NEEDS_CSUM or finished) */
	bool rx_ring_on;          /* the downlink reads from its TPACKET_V2 ring */
	uint64_t rx_ring_drops;   /* frames the kernel dropped: ring (or socket queue) full */
};

struct dp_stats {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint64_t drops[DP_DROP_N];
	uint64_t last_tx_ms, last_rx_ms; /* monotonic time of the last data packet each way */
	bool has_dataplane;              /* the fields below are the session data plane's */
	struct dp_offload_stats off;
};

/* Takes no ownership of tun_fd (opened with IFF_VNET_HDR: a 10-byte struct virtio_net_hdr before
 * each packet) or sess_fd (an AF_PACKET socket bound to ETH_P_PPP_SES). */
struct dataplane *dp_new(int tun_fd, int sess_fd, int ifindex);
/* The downlink's TPACKET_V2 receive ring (dp_ring.c). */
enum dp_rx_ring {
	DP_RX_RING_AUTO, /* the ring, or recvmmsg when the kernel gives none (logged) */
	DP_RX_RING_ON,   /* the same (kept for configurations that name it) */
	DP_RX_RING_OFF,  /* never: recvmmsg only */
};
/* Before dp_start; the default is DP_RX_RING_AUTO. */
void dp_set_rx_ring(struct dataplane *dp, enum dp_rx_ring mode);
/* Starts both threads; 0 or -1 with errno. */
int dp_start(struct dataplane *dp);
/* Stops and joins the threads, then frees dp. */
void dp_free(struct dataplane *dp);
/* Publishes a new session view to both threads (copied). */
void dp_set_session(struct dataplane *dp, const struct dp_session *s);
/* When armed, the first packet the host sends while no session is up wakes dp_demand_fd(). */
void dp_set_demand(struct dataplane *dp, bool armed);
int dp_demand_fd(const struct dataplane *dp);
/* Readable when control frames are queued; drain them on the control loop. */
int dp_control_fd(const struct dataplane *dp);
/* A frame as it was on the wire (the kernel strips a received 802.1Q tag into has_vlan/tci). */
struct dp_wire {
	const uint8_t *frame;
	size_t len;
	bool has_vlan;
	uint16_t tci;
};
/* buf[0..len) is the PPP payload of the received frame w (both borrowed for the call). */
typedef void (*dp_control_cb)(void *ctx, uint16_t proto, const uint8_t *buf, size_t len,
			      const struct dp_wire *w);
void dp_control_drain(struct dataplane *dp, dp_control_cb cb, void *ctx);
/* Sends one PPP control packet on the session (from the control loop); 0 or -1 with errno. */
int dp_send_control(struct dataplane *dp, uint16_t proto, const uint8_t *buf, size_t len);
/* The whole frame the last dp_send_control built (control loop only, until the next send). */
const uint8_t *dp_control_last_tx(const struct dataplane *dp, size_t *len);
void dp_get_stats(struct dataplane *dp, struct dp_stats *out);
/* NAT46 (issue #5): received IPv6 data packets go to fn first (on the downlink thread); those it
 * returns true for were consumed and do not reach the TUN. fn NULL removes the hook and returns
 * only once the downlink thread no longer uses the old ctx. */
typedef bool (*dp_divert6_fn)(void *ctx, const uint8_t *pkt, size_t len);
void dp_set_divert6(struct dataplane *dp, dp_divert6_fn fn, void *ctx);

/* NAT46 on a session (issue #12): a translated IPv6 packet pkt[0..len) with DP_HEADROOM writable
 * bytes before pkt, where dp_send6_batch builds the frame's headers. */
struct dp_tx6 {
	uint8_t *pkt;
	size_t len;
	bool to_kernel; /* out: not the session's (dp_inject.c); the caller routes it itself */
};
/* Sends p[0..n) straight on the session, checked and counted as the uplink thread does (one
 * sendmmsg, the trace's own ring), without crossing the TUN. One thread at a time besides the
 * uplink thread. Packets for destinations the session does not carry (not 2000::/3, or inside
 * the session's own prefixes) are only marked to_kernel. Returns the number sent. */
int dp_send6_batch(struct dataplane *dp, struct dp_tx6 *p, int n);

/* Data frames for the trace (func_trace=2): the threads copy each frame they pass into a ring
 * per direction; a full ring drops and counts, so a slow trace never stalls the data path. */
void dp_set_tap_data(struct dataplane *dp, bool on);
/* Readable when a ring is a quarter full; drain it on the control loop (also from a timer). */
int dp_tap_fd(const struct dataplane *dp);
typedef void (*dp_tap_cb)(void *ctx, uint64_t ts_ns, bool outbound, const struct dp_wire *w);
/* Hands every queued frame to cb in order per direction; returns frames dropped since last. */
uint64_t dp_tap_drain(struct dataplane *dp, dp_tap_cb cb, void *ctx);

#endif
