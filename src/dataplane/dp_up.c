/* The uplink thread: IP packets read from the TUN -> PPPoE session frames, one sendmmsg per
 * batch. The TUN has TSO/USO and checksum offload on (issue #12): one read may return a
 * super-packet of up to 64 KiB, which dp_gso cuts into MTU-sized segments; each segment is sent
 * as two iovecs, its rebuilt headers (Ethernet + PPPoE + PPP + IP + TCP/UDP, in a header slot)
 * and its payload (a slice of the super-packet in the read arena), so the payload is copied only
 * once, by the kernel. See dp_int.h. */
#include "dp_int.h"

#include "core/clock.h"
#include "dataplane/dp_gso.h"
#include "dataplane/dp_wire.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Packets read per batch, and the read arena: a read needs room for the largest super-packet,
 * so the arena takes three of them, or many more small packets (256 KiB of RSS at most). */
#define DP_UP_READS 64
#define DP_UP_READ_MAX DP_GSO_MAX_PKT
#define DP_UP_ARENA (4 * 65536)
/* Segments per sendmmsg (at most UIO_MAXIOV messages): a batch of three 64 KiB super-packets
 * of 1452-byte segments (138) fits one call. */
#define DP_UP_SEGS 256
#define DP_UP_SLOT (DP_HEADROOM + DP_GSO_MAX_HDR)
/* A full transmit path (EAGAIN, ENOBUFS) is waited out for at most DP_UP_WAITS x DP_UP_WAIT_US
 * (EAGAIN: until POLLOUT, 1 ms at most) per flush; the TUN's queue holds what the host sends
 * meanwhile. */
#define DP_UP_WAITS 200
#define DP_UP_WAIT_US 50

struct dp_up {
	struct dataplane *dp;
	struct dp_session s;
	struct sockaddr_ll sll;
	unsigned n;                 /* segments queued */
	uint64_t n_super, n_segs, n_csum; /* this thread's totals, published per batch */
	uint8_t hdr[DP_UP_SEGS][DP_UP_SLOT];
	struct iovec iov[DP_UP_SEGS][2];
	struct mmsghdr m[DP_UP_SEGS];
	uint16_t ip_len[DP_UP_SEGS];
	uint8_t tap[DP_FRAME];
	_Alignas(8) uint8_t arena[DP_UP_ARENA];
};

/* Sends the queued segments (one sendmmsg, repeated after a partial send), counts and taps them. */
static void dp_up_flush(struct dp_up *u)
{
	struct dataplane *dp = u->dp;
	int n = (int)u->n, sent = 0, waits = 0;
	u->n = 0;
	while (sent < n) {
		int k = sendmmsg(dp->sess_fd, u->m + sent, (unsigned)(n - sent), 0);
		if (k < 0 && errno == EINTR)
			continue;
		/* EAGAIN: the socket's send buffer is full of frames not yet freed (queued on another
		 * CPU's backlog, say); ENOBUFS: the adapter's queue, or that backlog, is full (a veth
		 * has no qdisc to wait in). Wait for the frames to drain rather than drop them: a
		 * drop here costs the host's TCP a retransmit. */
		if (k < 0 && (errno == EAGAIN || errno == ENOBUFS) && waits++ < DP_UP_WAITS) {
			struct pollfd p = { dp->sess_fd, POLLOUT, 0 };
			if (errno == EAGAIN)
				poll(&p, 1, DP_UP_WAIT_US / 1000 + 1);
			else
				usleep(DP_UP_WAIT_US);
			continue;
		}
		if (k <= 0)
			break;
		sent += k;
	}
	for (int i = sent; i < n; i++)
		dp_count_drop(&dp->tx, DP_DROP_IO);
	if (!sent)
		return;
	uint64_t bytes = 0;
	bool tap = atomic_load_explicit(&dp->tap_data, memory_order_relaxed);
	for (int i = 0; i < sent; i++) {
		bytes += u->ip_len[i];
		if (!tap)
			continue;
		/* The frame carries its 802.1Q tag itself on the way out. */
		const struct iovec *v = u->iov[i];
		size_t l0 = v[0].iov_len, l1 = u->m[i].msg_hdr.msg_iovlen > 1 ? v[1].iov_len : 0;
		if (l0 + l1 > sizeof(u->tap))
			continue;
		memcpy(u->tap, v[0].iov_base, l0);
		if (l1)
			memcpy(u->tap + l0, v[1].iov_base, l1);
		dp_tap_push(dp, dp->tap_up, u->tap, l0 + l1, false, 0);
	}
	atomic_fetch_add_explicit(&dp->tx.packets, (uint64_t)sent, memory_order_relaxed);
	atomic_fetch_add_explicit(&dp->tx.bytes, bytes, memory_order_relaxed);
	atomic_store_explicit(&dp->tx.last_ms, clock_now_ms(), memory_order_relaxed);
}

/* Queues one frame: the link headers go in front of hdr_len bytes already at the slot's
 * DP_HEADROOM, then pay_len payload bytes from pay (none for a whole packet in the slot). */
static void dp_up_queue(struct dp_up *u, uint16_t proto, size_t hdr_len, const uint8_t *pay,
			size_t pay_len)
{
	unsigned i = u->n++;
	size_t start = dp_build_tx_hdr(&u->s, u->hdr[i], proto, hdr_len + pay_len);
	u->iov[i][0] = (struct iovec){ u->hdr[i] + start, DP_HEADROOM - start + hdr_len };
	u->iov[i][1] = (struct iovec){ (void *)(uintptr_t)pay, pay_len };
	u->m[i].msg_hdr = (struct msghdr){ .msg_name = &u->sll, .msg_namelen = sizeof(u->sll),
					   .msg_iov = u->iov[i], .msg_iovlen = pay_len ? 2 : 1 };
	u->ip_len[i] = (uint16_t)(hdr_len + pay_len);
	if (u->n == DP_UP_SEGS)
		dp_up_flush(u);
}

/* A whole packet: the link headers go in its slot, the packet itself stays in the arena. */
static void dp_up_queue_whole(struct dp_up *u, uint16_t proto, const uint8_t *pkt, size_t len)
{
	dp_up_queue(u, proto, 0, pkt, len);
}

static void dp_up_drop(struct dataplane *dp, enum dp_drop d)
{
	if (d == DP_DROP_NO_SESSION && atomic_exchange(&dp->demand_armed, false))
		eventfd_write(dp->demand_efd, 1);
	dp_count_drop(&dp->tx, d);
}

/* One packet as read: checked, checksummed or segmented, queued. */
static void dp_up_packet(struct dp_up *u, const struct dp_vnet *vh, uint8_t *pkt, size_t len)
{
	struct dataplane *dp = u->dp;
	uint16_t proto = 0;
	if (vh->gso_type == DP_VNET_GSO_NONE) {
		enum dp_drop d = dp_check_tx(&u->s, pkt, len, &proto);
		if (d == DP_DROP_NONE && dp_csum_complete(vh, pkt, len) != DP_GSO_OK)
			d = DP_DROP_MALFORMED;
		else if (d == DP_DROP_NONE && (vh->flags & DP_VNET_F_NEEDS_CSUM))
			u->n_csum++;
		if (d != DP_DROP_NONE)
			dp_up_drop(dp, d);
		else
			dp_up_queue_whole(u, proto, pkt, len);
		return;
	}
	struct dp_gso g;
	enum dp_gso_err e = dp_gso_begin(&g, vh, pkt, len, u->s.mtu);
	if (e != DP_GSO_OK && e != DP_GSO_E_TOO_BIG) {
		dp_count_drop(&dp->tx, DP_DROP_MALFORMED);
		return;
	}
	/* Every segment has the super-packet's addresses: check_traffic once, with the first
	 * segment's length for the MTU (the whole length when no segment fits: TOO_BIG). */
	enum dp_drop d = dp_check_tx(&u->s, pkt, e == DP_GSO_OK ? g.first_len : len, &proto);
	if (d != DP_DROP_NONE) {
		dp_up_drop(dp, d);
		return;
	}
	struct dp_gso_seg seg;
	u->n_super++;
	while (dp_gso_next(&g, u->hdr[u->n] + DP_HEADROOM, &seg)) {
		dp_up_queue(u, proto, seg.hdr_len, seg.pay, seg.pay_len);
		u->n_segs++;
	}
}

/* Reads up to DP_UP_READS packets from the TUN into the arena and sends their segments. */
static void dp_tx_batch(struct dp_up *u)
{
	struct dataplane *dp = u->dp;
	dp_snapshot(dp, &u->s);
	size_t off = 0;
	for (int i = 0; i < DP_UP_READS && off + DP_UP_READ_MAX <= DP_UP_ARENA; i++) {
		uint8_t vb[DP_VNET_HDR_LEN];
		struct iovec rv[2] = { { vb, sizeof(vb) }, { u->arena + off, DP_UP_READ_MAX } };
		ssize_t r = readv(dp->tun_fd, rv, 2);
		if (r <= DP_VNET_HDR_LEN)
			break;
		size_t len = (size_t)r - DP_VNET_HDR_LEN;
		struct dp_vnet vh;
		dp_vnet_parse(vb, &vh);
		dp_up_packet(u, &vh, u->arena + off, len);
		off += (len + 7) & ~(size_t)7;
	}
	if (u->n)
		dp_up_flush(u);
	/* Only this thread writes these: a store, no locked add. */
	atomic_store_explicit(&dp->tx.super, u->n_super, memory_order_relaxed);
	atomic_store_explicit(&dp->tx.segs, u->n_segs, memory_order_relaxed);
	atomic_store_explicit(&dp->tx.csum, u->n_csum, memory_order_relaxed);
}

void *dp_up_main(void *arg)
{
	struct dataplane *dp = arg;
	prctl(PR_SET_NAME, "v6l-dp-up");
	_Static_assert(DP_VNET_HDR_LEN == sizeof(struct virtio_net_hdr), "vnet header size");
	struct dp_up *u = malloc(sizeof(*u));
	if (!u)
		return NULL;
	u->dp = dp;
	u->n = 0;
	u->n_super = u->n_segs = u->n_csum = 0;
	u->sll = (struct sockaddr_ll){ .sll_family = AF_PACKET, .sll_ifindex = dp->ifindex };
	struct pollfd pf[2] = { { dp->tun_fd, POLLIN, 0 }, { dp->stop_efd, POLLIN, 0 } };
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (pf[0].revents & POLLIN)
			dp_tx_batch(u);
		else
			dp_error_pause(pf[0].revents);
	}
	free(u);
	return NULL;
}
