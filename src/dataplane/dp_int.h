/* Internals shared by the data-plane files: dp.c (life cycle, control frames, trace taps,
 * counters), dp_up.c (the uplink thread: TUN -> PPPoE) and dp_down.c (the downlink thread:
 * PPPoE -> TUN). Not for use outside src/dataplane. */
#ifndef V6L_DP_INT_H
#define V6L_DP_INT_H

#include "dataplane/dp.h"

#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdatomic.h>

#define DP_BATCH 32
#define DP_FRAME 2048
#define DP_CTLQ 64
#define DP_TAP_SLOTS 512 /* per direction; a full ring drops (counted), never waits */

struct dp_counters {
	_Atomic uint64_t packets, bytes, last_ms;
	_Atomic uint64_t drops[DP_DROP_N];
	/* Offload work, each written only by its direction's thread (a plain store of the
	 * thread's own running total once per batch, no read-modify-write): tx: TSO/USO
	 * super-packets, segments, checksums finished; rx: GRO super-packets, frames in them,
	 * CHECKSUM_PARTIAL frames. */
	_Atomic uint64_t super, segs, csum;
};

struct dp_ctl_frame {
	uint16_t proto;
	uint16_t off, len;      /* the PPP payload within buf */
	struct dp_wire wire;    /* buf is the whole frame as received */
	uint8_t buf[DP_FRAME];
};

/* Single-producer (one data thread), single-consumer (the control loop) ring of data frames
 * for the trace (func_trace=2). */
struct dp_tap_slot {
	uint64_t ts_ns;
	struct dp_wire wire;
	uint8_t buf[DP_FRAME];
};

struct dp_tap_ring {
	_Atomic uint32_t head, tail; /* consumer, producer */
	_Atomic uint64_t dropped;
	struct dp_tap_slot slot[DP_TAP_SLOTS];
};

struct dataplane {
	int tun_fd, sess_fd, ifindex;
	int stop_efd, ctl_efd, demand_efd;
	pthread_t up, down;
	bool started;
	pthread_rwlock_t lock;
	struct dp_session sess;
	/* NAT46 hook: the downlink thread marks divert_busy around its use, so that
	 * dp_set_divert6 can wait until the old ctx is no longer in use. */
	_Atomic(dp_divert6_fn) divert6;
	_Atomic(void *) divert6_ctx;
	_Atomic bool divert_busy;
	_Atomic bool demand_armed;
	struct dp_counters tx, rx;
	enum dp_rx_ring rx_ring; /* set before the threads start */
	/* The downlink reads from its receive ring; frames the kernel dropped for want of room
	 * in it (or in the socket's queue), summed from PACKET_STATISTICS, which resets. */
	_Atomic bool ring_on;
	_Atomic uint64_t sock_drops;
	pthread_mutex_t ctl_lock;
	struct dp_ctl_frame ctlq[DP_CTLQ];
	unsigned ctl_head, ctl_n;
	/* Control frames sent from the control loop use this buffer. */
	uint8_t ctl_tx[DP_FRAME + DP_HEADROOM];
	size_t ctl_tx_start, ctl_tx_len;
	_Atomic bool tap_data;
	int tap_efd;
	struct dp_tap_ring *tap_up, *tap_down;
	/* Frames dp_send6_batch sent (NAT46): a ring of their own, since the uplink thread is
	 * tap_up's only producer; drained into the outbound direction in time order. */
	struct dp_tap_ring *tap_inj;
};

/* The TUN carries a struct virtio_net_hdr before each packet (IFF_VNET_HDR, size 10): the kernel
 * can hand the uplink TCP/UDP super-packets, and the downlink can write them (GSO). */
#define DP_VNET_HLEN ((int)sizeof(struct virtio_net_hdr))

void dp_tap_push(struct dataplane *dp, struct dp_tap_ring *r, const uint8_t *f, size_t len,
		 bool has_vlan, uint16_t tci);
/* An fd in error (interface gone, TUN detached) would make poll return at once forever. */
void dp_error_pause(short revents);
void dp_count_drop(struct dp_counters *c, enum dp_drop d);
/* A copy of the session view, taken once per batch. */
void dp_snapshot(struct dataplane *dp, struct dp_session *s);

void *dp_up_main(void *arg);
void *dp_down_main(void *arg);

#endif
