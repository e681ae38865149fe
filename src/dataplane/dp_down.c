/* The downlink thread: PPPoE session frames from the AF_PACKET socket -> IP packets into the
 * TUN; control frames to the control loop. Frames come from a TPACKET_V2 ring (dp_ring.c: no
 * system call while frames come, no copy), or from recvmmsg with rx_ring=off. Consecutive TCP
 * segments of a flow go into the TUN as one GSO super-packet (dp_gro.c), and a CHECKSUM_PARTIAL
 * frame's checksum is left to the kernel through the vnet header. See dp_int.h. */
#include "dp_int.h"

#include "core/clock.h"
#include "core/csum.h"
#include "core/log.h"
#include "dataplane/dp_gro.h"
#include "dataplane/dp_ring.h"
#include "dataplane/dp_wire.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define DP_RX_CHUNK DP_GRO_MAX_PKTS /* frames classified and coalesced together */
#define DP_MMSG_BATCH 64

static void dp_queue_control(struct dataplane *dp, const uint8_t *frame, size_t frame_len,
			     const struct dp_rx *rx, bool has_vlan, uint16_t tci)
{
	if (frame_len > DP_FRAME)
		return;
	pthread_mutex_lock(&dp->ctl_lock);
	if (dp->ctl_n < DP_CTLQ) {
		struct dp_ctl_frame *f = &dp->ctlq[(dp->ctl_head + dp->ctl_n) % DP_CTLQ];
		f->proto = rx->proto;
		f->off = (uint16_t)rx->off;
		f->len = (uint16_t)rx->len;
		f->wire = (struct dp_wire){ .len = frame_len, .has_vlan = has_vlan, .tci = tci };
		memcpy(f->buf, frame, frame_len);
		dp->ctl_n++;
	}
	pthread_mutex_unlock(&dp->ctl_lock);
}

struct dp_divert {
	dp_divert6_fn fn;
	void *ctx;
};

/* A chunk of received frames on its way to the TUN. The frames stay where they were received
 * (ring block or recvmmsg buffer) until the chunk is flushed. */
struct dp_rx_chunk {
	size_t n_frames, n_pkts;
	struct dp_ring_frame frame[DP_RX_CHUNK];
	struct dp_gro_pkt pkt[DP_RX_CHUNK];
	uint16_t pkt_frame[DP_RX_CHUNK]; /* the frame each packet came in */
	bool pkt_ok[DP_RX_CHUNK];        /* written into the TUN */
	struct dp_gro gro;
	bool queued;                     /* control frames were queued */
	bool is_gro_off;                 /* V6L_DP_GRO=0: every packet alone (to measure) */
	uint64_t pkts, bytes;
	/* this thread's totals, published per batch: GRO super-packets written and the frames
	 * in them, CHECKSUM_PARTIAL data frames */
	uint64_t n_super, n_coalesced, n_csum_partial;
};

/* One writev of a vnet header and segs[0..n); 0 or -1. */
static int dp_tun_writev(int fd, const struct dp_vnet *vn, const struct dp_gro_seg *segs,
			 size_t n)
{
	uint8_t vh[DP_VNET_HLEN];
	struct iovec v[DP_GRO_MAX_PKTS + 2];
	dp_vnet_build(vn, vh);
	v[0] = (struct iovec){ vh, sizeof(vh) };
	for (size_t i = 0; i < n; i++)
		v[i + 1] = (struct iovec){ (void *)(uintptr_t)segs[i].p, segs[i].len };
	return writev(fd, v, (int)n + 1) < 0 ? -1 : 0;
}

/* A packet alone, as dp_gro_run would have passed it on (the fallback for a refused GSO write). */
static int dp_tun_write1(int fd, const struct dp_gro_pkt *pk)
{
	struct dp_vnet vn = { .gso_type = DP_VNET_GSO_NONE };
	if (pk->is_csum_partial && dp_gro_csum_locate(pk->p, pk->len, &vn.csum_start, &vn.csum_offset))
		vn.flags = DP_VNET_F_NEEDS_CSUM;
	struct dp_gro_seg s = { pk->p, pk->len };
	return dp_tun_writev(fd, &vn, &s, 1);
}

/* Writes item k of the chunk's coalescing result; marks its packets written. */
static void dp_write_item(struct dataplane *dp, struct dp_rx_chunk *c, size_t k)
{
	struct dp_gro_seg segs[DP_GRO_MAX_PKTS + 1];
	const struct dp_gro_out *o = &c->gro.out[k];
	size_t ns = dp_gro_segs(&c->gro, k, c->pkt, segs, DP_GRO_MAX_PKTS + 1);
	bool ok = ns && dp_tun_writev(dp->tun_fd, &o->vnet, segs, ns) == 0;
	if (ok && o->n > 1) {
		c->n_super++;
		c->n_coalesced += o->n;
	}
	for (int i = o->first; i >= 0; i = o->n > 1 ? c->gro.next[i] : -1) {
		/* A kernel that refuses the super-packet still gets its segments one by one. */
		bool pkt_ok = ok || (o->n > 1 && dp_tun_write1(dp->tun_fd, &c->pkt[i]) == 0);
		if (!pkt_ok) {
			dp_count_drop(&dp->rx, DP_DROP_IO);
			continue;
		}
		c->pkt_ok[i] = true;
		c->pkts++;
		c->bytes += c->pkt[i].len;
	}
}

/* Coalesces and writes the chunk's data packets, then the trace copies in arrival order. */
static void dp_rx_flush(struct dataplane *dp, struct dp_rx_chunk *c)
{
	for (size_t i = 0; i < c->n_pkts; i++)
		c->pkt_ok[i] = false;
	if (!c->is_gro_off) {
		size_t n_out = dp_gro_run(&c->gro, c->pkt, c->n_pkts);
		for (size_t k = 0; k < n_out; k++)
			dp_write_item(dp, c, k);
	} else {
		for (size_t i = 0; i < c->n_pkts; i++) {
			if (dp_tun_write1(dp->tun_fd, &c->pkt[i]) < 0) {
				dp_count_drop(&dp->rx, DP_DROP_IO);
				continue;
			}
			c->pkt_ok[i] = true;
			c->pkts++;
			c->bytes += c->pkt[i].len;
		}
	}
	if (atomic_load_explicit(&dp->tap_data, memory_order_relaxed)) {
		for (size_t i = 0; i < c->n_pkts; i++) {
			const struct dp_ring_frame *f = &c->frame[c->pkt_frame[i]];
			if (c->pkt_ok[i])
				dp_tap_push(dp, dp->tap_down, f->frame, f->len, f->has_vlan, f->tci);
		}
	}
	c->n_frames = c->n_pkts = 0;
}

/* NAT46's turn at an IPv6 data packet. It translates the packet's bytes and cannot hand an
 * unfinished checksum on (a CHECKSUM_PARTIAL frame from a local sender, e.g. a veth with tx
 * offload), so that one is finished here first, in the writable ring or recvmmsg buffer. */
static bool dp_rx_divert(const struct dp_divert *dv, const struct dp_ring_frame *f,
			 const struct dp_rx *rx)
{
	uint8_t *pkt = (uint8_t *)(uintptr_t)(f->frame + rx->off);
	if (f->is_csum_partial) {
		uint16_t start, off;
		if (!dp_gro_csum_locate(pkt, rx->len, &start, &off) || (size_t)start + off + 2 > rx->len)
			return false; /* to the TUN, which finishes it */
		/* The field holds the pseudo-header sum; a zero result goes as all ones, as Linux's
		 * skb_checksum_help sends it. */
		uint16_t c = (uint16_t)~csum_fold(csum_add(0, pkt + start, rx->len - start));
		c = c ? c : 0xffff;
		pkt[start + off] = (uint8_t)(c >> 8);
		pkt[start + off + 1] = (uint8_t)c;
	}
	return dv->fn(dv->ctx, pkt, rx->len);
}

/* Classifies the chunk's last frame: control frames are queued, NAT46 takes its IPv6 packets,
 * and data packets wait for dp_rx_flush. */
static void dp_rx_frame(struct dataplane *dp, struct dp_rx_chunk *c, const struct dp_session *s,
			const struct dp_divert *dv)
{
	const struct dp_ring_frame *f = &c->frame[c->n_frames];
	struct dp_rx rx;
	if (f->is_truncated) {
		dp_count_drop(&dp->rx, DP_DROP_MALFORMED);
		return;
	}
	dp_classify_rx(s, f->frame, f->len, f->tci, f->has_vlan, &rx);
	if (f->is_csum_partial && (rx.kind == DP_RX_DATA4 || rx.kind == DP_RX_DATA6))
		c->n_csum_partial++;
	if (rx.kind == DP_RX_CONTROL) {
		dp_queue_control(dp, f->frame, f->len, &rx, f->has_vlan, f->tci);
		c->queued = true;
	} else if (rx.kind == DP_RX_DROP) {
		dp_count_drop(&dp->rx, rx.drop);
	} else if (rx.kind == DP_RX_DATA6 && dv->fn && dp_rx_divert(dv, f, &rx)) {
		c->pkts++;
		c->bytes += rx.len;
	} else {
		c->pkt[c->n_pkts] = (struct dp_gro_pkt){ f->frame + rx.off, rx.len,
							 f->is_csum_partial };
		c->pkt_frame[c->n_pkts++] = (uint16_t)c->n_frames++;
	}
}

/* Batch bookkeeping around the frames of one ring block or one recvmmsg. */
struct dp_rx_batch {
	struct dp_session s;
	struct dp_divert dv;
};

static void dp_rx_begin(struct dataplane *dp, struct dp_rx_batch *b, struct dp_rx_chunk *c)
{
	dp_snapshot(dp, &b->s);
	atomic_store(&dp->divert_busy, true);
	b->dv = (struct dp_divert){ atomic_load(&dp->divert6), atomic_load(&dp->divert6_ctx) };
	if (!b->dv.ctx)
		b->dv.fn = NULL;
	c->n_frames = c->n_pkts = 0;
	c->queued = false;
	c->pkts = c->bytes = 0;
}

/* Takes frame f into the chunk (copied descriptor, borrowed bytes). */
static void dp_rx_add(struct dataplane *dp, struct dp_rx_batch *b, struct dp_rx_chunk *c,
		      const struct dp_ring_frame *f)
{
	c->frame[c->n_frames] = *f;
	dp_rx_frame(dp, c, &b->s, &b->dv);
	if (c->n_frames == DP_RX_CHUNK)
		dp_rx_flush(dp, c);
}

static void dp_rx_end(struct dataplane *dp, struct dp_rx_chunk *c)
{
	dp_rx_flush(dp, c);
	atomic_store(&dp->divert_busy, false);
	if (c->pkts) {
		atomic_fetch_add_explicit(&dp->rx.packets, c->pkts, memory_order_relaxed);
		atomic_fetch_add_explicit(&dp->rx.bytes, c->bytes, memory_order_relaxed);
		atomic_store_explicit(&dp->rx.last_ms, clock_now_ms(), memory_order_relaxed);
	}
	if (c->queued)
		eventfd_write(dp->ctl_efd, 1);
	/* Only this thread writes these: a store, no locked add. */
	atomic_store_explicit(&dp->rx.super, c->n_super, memory_order_relaxed);
	atomic_store_explicit(&dp->rx.segs, c->n_coalesced, memory_order_relaxed);
	atomic_store_explicit(&dp->rx.csum, c->n_csum_partial, memory_order_relaxed);
}

/* The recvmmsg path (no ring, or frames queued before the ring was set up). */
struct dp_mmsg {
	uint8_t frames[DP_MMSG_BATCH][DP_FRAME];
	uint8_t ctrl[DP_MMSG_BATCH][CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov[DP_MMSG_BATCH];
	struct mmsghdr m[DP_MMSG_BATCH];
};

/* Returns the frames read. */
static int dp_rx_mmsg(struct dataplane *dp, struct dp_mmsg *mm, struct dp_rx_chunk *c)
{
	for (int i = 0; i < DP_MMSG_BATCH; i++) {
		mm->iov[i] = (struct iovec){ mm->frames[i], DP_FRAME };
		mm->m[i].msg_hdr = (struct msghdr){ .msg_iov = &mm->iov[i], .msg_iovlen = 1,
						    .msg_control = mm->ctrl[i],
						    .msg_controllen = sizeof(mm->ctrl[i]) };
	}
	int n = recvmmsg(dp->sess_fd, mm->m, DP_MMSG_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n <= 0)
		return 0;
	struct dp_rx_batch b;
	dp_rx_begin(dp, &b, c);
	for (int i = 0; i < n; i++) {
		struct dp_aux aux;
		dp_aux_parse(mm->m[i].msg_hdr.msg_control, mm->m[i].msg_hdr.msg_controllen, &aux);
		struct dp_ring_frame f = {
			.frame = mm->frames[i],
			.len = mm->m[i].msg_len > DP_FRAME ? DP_FRAME : mm->m[i].msg_len,
			.has_vlan = aux.has_vlan,
			.tci = aux.tci,
			.is_csum_partial = aux.is_csum_partial,
			.is_truncated = mm->m[i].msg_len > DP_FRAME,
		};
		dp_rx_add(dp, &b, c, &f);
	}
	dp_rx_end(dp, c);
	return n;
}

/* Every block the kernel has handed over, then back to it. */
static void dp_rx_ring(struct dataplane *dp, struct dp_ring *r, struct dp_rx_chunk *c)
{
	while (dp_ring_ready(r)) {
		struct dp_rx_batch b;
		struct dp_ring_frame f;
		dp_rx_begin(dp, &b, c);
		while (dp_ring_next(r, &f))
			dp_rx_add(dp, &b, c, &f);
		dp_rx_end(dp, c);
		dp_ring_release(r);
	}
}

/* The ring is used from the start unless rx_ring=off (dp_set_rx_ring): a slot per frame, no
 * added latency (see dp_ring.h), so it never needs to be switched off for a quiet link; turning
 * a ring on or off detaches the socket from the device for an RCU grace period, which drops
 * every frame that arrives meanwhile. V6L_DP_GRO=0 (coalescing off) is for measuring. */
static bool dp_down_ring_open(struct dataplane *dp, struct dp_ring *r)
{
	if (dp_ring_open(r, dp->sess_fd, DP_RING_BLOCK_SIZE, DP_RING_BLOCKS, DP_RING_FRAME) == 0)
		return true;
	log_warn("dataplane: TPACKET_V2 receive ring (%u x %u bytes), using recvmmsg",
		 DP_RING_BLOCKS, DP_RING_BLOCK_SIZE);
	return false;
}

void *dp_down_main(void *arg)
{
	struct dataplane *dp = arg;
	prctl(PR_SET_NAME, "v6l-dp-down"); /* top -H, /proc/PID/task/TID/comm, line_rate.sh */
	struct dp_rx_chunk *c = calloc(1, sizeof(*c));
	struct dp_mmsg *mm = calloc(1, sizeof(*mm));
	struct dp_ring r = { 0 };
		if (!c || !mm) {
		log_warnx("dataplane: out of memory for the downlink");
		goto out;
	}
	bool has_ring = dp->rx_ring != DP_RX_RING_OFF && dp_down_ring_open(dp, &r);
	atomic_store_explicit(&dp->ring_on, has_ring, memory_order_relaxed);
	const char *e = getenv("V6L_DP_GRO");
	c->is_gro_off = e && strcmp(e, "0") == 0;
	struct pollfd pf[2] = { { dp->sess_fd, POLLIN, 0 }, { dp->stop_efd, POLLIN, 0 } };
	for (;;) {
		if (has_ring)
			dp_rx_ring(dp, &r, c);
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN)) {
			dp_error_pause(pf[0].revents);
			continue;
		}
		/* With the ring, POLLIN without a frame in it means frames queued on the socket
		 * before the ring existed: read them the old way. */
		if (has_ring && dp_ring_ready(&r))
			continue;
		dp_rx_mmsg(dp, mm, c);
	}
	if (has_ring) {
		dp_ring_close(&r, dp->sess_fd);
		atomic_store(&dp->ring_on, false);
	}
out:
	free(c);
	free(mm);
	return NULL;
}
