/* The downlink thread: PPPoE session frames from the AF_PACKET socket -> IP packets into the
 * TUN; control frames to the control loop. See dp_int.h. */
#include "dp_int.h"

#include "core/clock.h"
#include "dataplane/dp_wire.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

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

/* One whole packet into the TUN, behind a virtio-net header that asks nothing of the kernel. */
static ssize_t dp_tun_write(int fd, const uint8_t *pkt, size_t len)
{
	struct virtio_net_hdr vh = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	struct iovec v[2] = { { &vh, sizeof(vh) }, { (void *)(uintptr_t)pkt, len } };
	return writev(fd, v, 2);
}

struct dp_divert {
	dp_divert6_fn fn;
	void *ctx;
};

static void dp_rx_batch(struct dataplane *dp, struct mmsghdr *m, int n, uint8_t (*frames)[DP_FRAME],
			const struct dp_session *s, const struct dp_divert *dv)
{
	bool queued = false;
	bool tap = atomic_load_explicit(&dp->tap_data, memory_order_relaxed);
	uint64_t pkts = 0, bytes = 0;
	for (int i = 0; i < n; i++) {
		struct dp_aux aux;
		dp_aux_parse(m[i].msg_hdr.msg_control, m[i].msg_hdr.msg_controllen, &aux);
		uint16_t tci = aux.tci;
		bool has_vlan = aux.has_vlan;
		struct dp_rx rx;
		dp_classify_rx(s, frames[i], m[i].msg_len, tci, has_vlan, &rx);
		if (rx.kind == DP_RX_CONTROL) {
			dp_queue_control(dp, frames[i], m[i].msg_len, &rx, has_vlan, tci);
			queued = true;
		} else if (rx.kind == DP_RX_DROP) {
			dp_count_drop(&dp->rx, rx.drop);
		} else if (rx.kind == DP_RX_DATA6 && dv->fn &&
			   dv->fn(dv->ctx, frames[i] + rx.off, rx.len)) {
			pkts++;
			bytes += rx.len;
		} else if (dp_tun_write(dp->tun_fd, frames[i] + rx.off, rx.len) < 0) {
			dp_count_drop(&dp->rx, DP_DROP_IO);
		} else {
			pkts++;
			bytes += rx.len;
			if (tap)
				dp_tap_push(dp, dp->tap_down, frames[i], m[i].msg_len, has_vlan, tci);
		}
	}
	if (pkts) {
		atomic_fetch_add_explicit(&dp->rx.packets, pkts, memory_order_relaxed);
		atomic_fetch_add_explicit(&dp->rx.bytes, bytes, memory_order_relaxed);
		atomic_store_explicit(&dp->rx.last_ms, clock_now_ms(), memory_order_relaxed);
	}
	if (queued)
		eventfd_write(dp->ctl_efd, 1);
}

void *dp_down_main(void *arg)
{
	struct dataplane *dp = arg;
	static _Thread_local uint8_t frames[DP_BATCH][DP_FRAME];
	static _Thread_local uint8_t ctrl[DP_BATCH][CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov[DP_BATCH];
	struct mmsghdr m[DP_BATCH];
	struct pollfd pf[2] = { { dp->sess_fd, POLLIN, 0 }, { dp->stop_efd, POLLIN, 0 } };
	struct dp_session s;
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN)) {
			dp_error_pause(pf[0].revents);
			continue;
		}
		for (int i = 0; i < DP_BATCH; i++) {
			iov[i] = (struct iovec){ frames[i], DP_FRAME };
			m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1,
							.msg_control = ctrl[i],
							.msg_controllen = sizeof(ctrl[i]) };
		}
		int n = recvmmsg(dp->sess_fd, m, DP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		dp_snapshot(dp, &s);
		atomic_store(&dp->divert_busy, true);
		struct dp_divert dv = { atomic_load(&dp->divert6), atomic_load(&dp->divert6_ctx) };
		if (!dv.ctx)
			dv.fn = NULL;
		dp_rx_batch(dp, m, n, frames, &s, &dv);
		atomic_store(&dp->divert_busy, false);
	}
	return NULL;
}

