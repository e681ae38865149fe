/* The uplink thread: IP packets read from the TUN -> PPPoE session frames, one sendmmsg per
 * batch. See dp_int.h. */
#include "dp_int.h"

#include "core/clock.h"
#include "dataplane/dp_wire.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Reads up to DP_BATCH packets from the TUN and sends the valid ones in one sendmmsg. */
static void dp_tx_batch(struct dataplane *dp, uint8_t (*bufs)[DP_FRAME + DP_HEADROOM])
{
	struct iovec iov[DP_BATCH];
	struct mmsghdr m[DP_BATCH];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = dp->ifindex };
	struct dp_session s;
	dp_snapshot(dp, &s);
	int n = 0;
	size_t plen[DP_BATCH];
	for (int i = 0; i < DP_BATCH; i++) {
		struct virtio_net_hdr vh;
		struct iovec rv[2] = { { &vh, sizeof(vh) }, { bufs[n] + DP_HEADROOM, DP_FRAME } };
		ssize_t r = readv(dp->tun_fd, rv, 2);
		if (r <= DP_VNET_HLEN)
			break;
		r -= DP_VNET_HLEN;
		/* No offload is enabled on the TUN (TUNSETOFFLOAD), so the kernel hands only whole
		 * packets with complete checksums; anything else is a kernel we do not understand. */
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE || (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
			dp_count_drop(&dp->tx, DP_DROP_MALFORMED);
			continue;
		}
		uint16_t proto = 0;
		enum dp_drop d = dp_check_tx(&s, bufs[n] + DP_HEADROOM, (size_t)r, &proto);
		if (d != DP_DROP_NONE) {
			if (d == DP_DROP_NO_SESSION && atomic_exchange(&dp->demand_armed, false))
				eventfd_write(dp->demand_efd, 1);
			dp_count_drop(&dp->tx, d);
			continue;
		}
		size_t start = dp_build_tx_hdr(&s, bufs[n], proto, (size_t)r);
		iov[n] = (struct iovec){ bufs[n] + start, DP_HEADROOM - start + (size_t)r };
		m[n].msg_hdr = (struct msghdr){ .msg_name = &sll, .msg_namelen = sizeof(sll),
						.msg_iov = &iov[n], .msg_iovlen = 1 };
		plen[n++] = (size_t)r;
	}
	int sent = 0;
	while (sent < n) {
		int k = sendmmsg(dp->sess_fd, m + sent, (unsigned)(n - sent), 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		sent += k;
	}
	for (int i = sent; i < n; i++)
		dp_count_drop(&dp->tx, DP_DROP_IO);
	if (sent) {
		uint64_t bytes = 0;
		bool tap = atomic_load_explicit(&dp->tap_data, memory_order_relaxed);
		for (int i = 0; i < sent; i++) {
			bytes += plen[i];
			/* The frame carries its 802.1Q tag itself on the way out. */
			if (tap)
				dp_tap_push(dp, dp->tap_up, iov[i].iov_base, iov[i].iov_len, false, 0);
		}
		atomic_fetch_add_explicit(&dp->tx.packets, (uint64_t)sent, memory_order_relaxed);
		atomic_fetch_add_explicit(&dp->tx.bytes, bytes, memory_order_relaxed);
		atomic_store_explicit(&dp->tx.last_ms, clock_now_ms(), memory_order_relaxed);
	}
}

void *dp_up_main(void *arg)
{
	struct dataplane *dp = arg;
	static _Thread_local uint8_t bufs[DP_BATCH][DP_FRAME + DP_HEADROOM];
	struct pollfd pf[2] = { { dp->tun_fd, POLLIN, 0 }, { dp->stop_efd, POLLIN, 0 } };
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (pf[0].revents & POLLIN)
			dp_tx_batch(dp, bufs);
		else
			dp_error_pause(pf[0].revents);
	}
	return NULL;
}

