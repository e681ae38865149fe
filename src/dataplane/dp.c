/* Data-plane threads; see dp.h. Per-batch (not per-packet) locking of the session view, per-
 * thread counters, no allocation or logging per packet. */
#include "dp_int.h"

#include "core/clock.h"
#include "dataplane/dp_wire.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t dp_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Producer side: copies the frame if a slot is free; wakes the consumer at a quarter full. */
void dp_tap_push(struct dataplane *dp, struct dp_tap_ring *r, const uint8_t *f, size_t len,
			bool has_vlan, uint16_t tci)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (tail - head >= DP_TAP_SLOTS || len > DP_FRAME) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return;
	}
	struct dp_tap_slot *sl = &r->slot[tail % DP_TAP_SLOTS];
	sl->ts_ns = dp_now_ns();
	sl->wire = (struct dp_wire){ .frame = NULL, .len = len, .has_vlan = has_vlan, .tci = tci };
	memcpy(sl->buf, f, len);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	if (tail - head == DP_TAP_SLOTS / 4)
		eventfd_write(dp->tap_efd, 1);
}

void dp_error_pause(short revents)
{
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		usleep(20000);
}

void dp_count_drop(struct dp_counters *c, enum dp_drop d)
{
	atomic_fetch_add_explicit(&c->drops[d], 1, memory_order_relaxed);
}

void dp_snapshot(struct dataplane *dp, struct dp_session *s)
{
	pthread_rwlock_rdlock(&dp->lock);
	*s = dp->sess;
	pthread_rwlock_unlock(&dp->lock);
}

struct dataplane *dp_new(int tun_fd, int sess_fd, int ifindex)
{
	struct dataplane *dp = calloc(1, sizeof(*dp));
	if (!dp)
		return NULL;
	dp->tun_fd = tun_fd;
	dp->sess_fd = sess_fd;
	dp->ifindex = ifindex;
	dp->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->ctl_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->demand_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->tap_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->tap_up = calloc(1, sizeof(*dp->tap_up));
	dp->tap_down = calloc(1, sizeof(*dp->tap_down));
	dp->tap_inj = calloc(1, sizeof(*dp->tap_inj));
	if (dp->stop_efd < 0 || dp->ctl_efd < 0 || dp->demand_efd < 0 || dp->tap_efd < 0 ||
	    !dp->tap_up || !dp->tap_down || !dp->tap_inj)
		goto fail;
	pthread_rwlock_init(&dp->lock, NULL);
	pthread_mutex_init(&dp->ctl_lock, NULL);
	return dp;
fail:
	if (dp->stop_efd >= 0)
		close(dp->stop_efd);
	if (dp->ctl_efd >= 0)
		close(dp->ctl_efd);
	if (dp->demand_efd >= 0)
		close(dp->demand_efd);
	if (dp->tap_efd >= 0)
		close(dp->tap_efd);
	free(dp->tap_up);
	free(dp->tap_down);
	free(dp->tap_inj);
	free(dp);
	return NULL;
}

void dp_set_rx_ring(struct dataplane *dp, enum dp_rx_ring mode)
{
	dp->rx_ring = mode;
}

int dp_start(struct dataplane *dp)
{
	int err = pthread_create(&dp->down, NULL, dp_down_main, dp);
	if (err) {
		errno = err;
		return -1;
	}
	err = pthread_create(&dp->up, NULL, dp_up_main, dp);
	if (err) {
		eventfd_write(dp->stop_efd, 1);
		pthread_join(dp->down, NULL);
		errno = err;
		return -1;
	}
	dp->started = true;
	return 0;
}

void dp_free(struct dataplane *dp)
{
	if (!dp)
		return;
	if (dp->started) {
		eventfd_write(dp->stop_efd, 1);
		pthread_join(dp->up, NULL);
		pthread_join(dp->down, NULL);
	}
	close(dp->stop_efd);
	close(dp->ctl_efd);
	close(dp->demand_efd);
	close(dp->tap_efd);
	free(dp->tap_up);
	free(dp->tap_down);
	free(dp->tap_inj);
	pthread_rwlock_destroy(&dp->lock);
	pthread_mutex_destroy(&dp->ctl_lock);
	free(dp);
}

void dp_set_session(struct dataplane *dp, const struct dp_session *s)
{
	pthread_rwlock_wrlock(&dp->lock);
	dp->sess = *s;
	pthread_rwlock_unlock(&dp->lock);
}

void dp_set_divert6(struct dataplane *dp, dp_divert6_fn fn, void *ctx)
{
	if (fn) {
		atomic_store(&dp->divert6_ctx, ctx);
		atomic_store(&dp->divert6, fn);
		return;
	}
	atomic_store(&dp->divert6, NULL);
	atomic_store(&dp->divert6_ctx, NULL);
	/* A batch that loaded the old hook finishes before the caller frees its ctx. */
	while (atomic_load(&dp->divert_busy))
		usleep(100);
}

void dp_set_demand(struct dataplane *dp, bool armed)
{
	atomic_store(&dp->demand_armed, armed);
}

int dp_demand_fd(const struct dataplane *dp)
{
	return dp->demand_efd;
}

int dp_control_fd(const struct dataplane *dp)
{
	return dp->ctl_efd;
}

void dp_control_drain(struct dataplane *dp, dp_control_cb cb, void *ctx)
{
	eventfd_t v;
	eventfd_read(dp->ctl_efd, &v);
	static struct dp_ctl_frame f;
	for (;;) {
		pthread_mutex_lock(&dp->ctl_lock);
		if (!dp->ctl_n) {
			pthread_mutex_unlock(&dp->ctl_lock);
			return;
		}
		f = dp->ctlq[dp->ctl_head];
		dp->ctl_head = (dp->ctl_head + 1) % DP_CTLQ;
		dp->ctl_n--;
		pthread_mutex_unlock(&dp->ctl_lock);
		f.wire.frame = f.buf;
		cb(ctx, f.proto, f.buf + f.off, f.len, &f.wire);
	}
}

int dp_send_control(struct dataplane *dp, uint16_t proto, const uint8_t *buf, size_t len)
{
	struct dp_session s;
	dp_snapshot(dp, &s);
	if (!s.is_up || len > DP_FRAME) {
		errno = ENOTCONN;
		return -1;
	}
	memcpy(dp->ctl_tx + DP_HEADROOM, buf, len);
	size_t start = dp_build_tx_hdr(&s, dp->ctl_tx, proto, len);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = dp->ifindex };
	dp->ctl_tx_start = start;
	dp->ctl_tx_len = DP_HEADROOM - start + len;
	ssize_t r = sendto(dp->sess_fd, dp->ctl_tx + start, DP_HEADROOM - start + len, 0,
			   (struct sockaddr *)&sll, sizeof(sll));
	return r < 0 ? -1 : 0;
}

const uint8_t *dp_control_last_tx(const struct dataplane *dp, size_t *len)
{
	*len = dp->ctl_tx_len;
	return dp->ctl_tx + dp->ctl_tx_start;
}

void dp_set_tap_data(struct dataplane *dp, bool on)
{
	atomic_store(&dp->tap_data, on);
}

int dp_tap_fd(const struct dataplane *dp)
{
	return dp->tap_efd;
}

/* Hands r's queued frames to cb; with r2 (a second producer of the same direction) the two
 * rings' frames go in time order. */
static void dp_tap_drain_ring(struct dp_tap_ring *r, struct dp_tap_ring *r2, bool outbound,
			      dp_tap_cb cb, void *ctx)
{
	struct dp_tap_ring *rs[2] = { r, r2 };
	uint32_t head[2] = { 0, 0 }, tail[2] = { 0, 0 };
	for (int k = 0; k < 2 && rs[k]; k++) {
		head[k] = atomic_load_explicit(&rs[k]->head, memory_order_relaxed);
		tail[k] = atomic_load_explicit(&rs[k]->tail, memory_order_acquire);
	}
	while (head[0] != tail[0] || head[1] != tail[1]) {
		int k = head[0] == tail[0] ? 1 : 0;
		if (!k && head[1] != tail[1] &&
		    rs[1]->slot[head[1] % DP_TAP_SLOTS].ts_ns < rs[0]->slot[head[0] % DP_TAP_SLOTS].ts_ns)
			k = 1;
		struct dp_tap_slot *sl = &rs[k]->slot[head[k]++ % DP_TAP_SLOTS];
		struct dp_wire w = sl->wire;
		w.frame = sl->buf;
		cb(ctx, sl->ts_ns, outbound, &w);
	}
	for (int k = 0; k < 2 && rs[k]; k++)
		atomic_store_explicit(&rs[k]->head, head[k], memory_order_release);
}

uint64_t dp_tap_drain(struct dataplane *dp, dp_tap_cb cb, void *ctx)
{
	eventfd_t v;
	eventfd_read(dp->tap_efd, &v);
	dp_tap_drain_ring(dp->tap_up, dp->tap_inj, true, cb, ctx);
	dp_tap_drain_ring(dp->tap_down, NULL, false, cb, ctx);
	return atomic_exchange(&dp->tap_up->dropped, 0) + atomic_exchange(&dp->tap_down->dropped, 0) +
	       atomic_exchange(&dp->tap_inj->dropped, 0);
}

/* The kernel's drops on the session socket since the data plane started (PACKET_STATISTICS
 * counts since its last read, so they are summed here). */
static uint64_t dp_sock_drops(struct dataplane *dp)
{
	struct tpacket_stats ps;
	socklen_t len = sizeof(ps);
	if (getsockopt(dp->sess_fd, SOL_PACKET, PACKET_STATISTICS, &ps, &len) == 0)
		return atomic_fetch_add(&dp->sock_drops, ps.tp_drops) + ps.tp_drops;
	return atomic_load(&dp->sock_drops);
}

void dp_get_stats(struct dataplane *dp, struct dp_stats *o)
{
	memset(o, 0, sizeof(*o));
	o->tx_packets = atomic_load(&dp->tx.packets);
	o->tx_bytes = atomic_load(&dp->tx.bytes);
	o->rx_packets = atomic_load(&dp->rx.packets);
	o->rx_bytes = atomic_load(&dp->rx.bytes);
	o->last_tx_ms = atomic_load(&dp->tx.last_ms);
	o->last_rx_ms = atomic_load(&dp->rx.last_ms);
	for (int i = 0; i < DP_DROP_N; i++)
		o->drops[i] = atomic_load(&dp->tx.drops[i]) + atomic_load(&dp->rx.drops[i]);
	o->has_dataplane = true;
	o->off = (struct dp_offload_stats){
		.tso_super = atomic_load(&dp->tx.super),
		.tso_segments = atomic_load(&dp->tx.segs),
		.csum_tx = atomic_load(&dp->tx.csum),
		.gro_super = atomic_load(&dp->rx.super),
		.gro_coalesced = atomic_load(&dp->rx.segs),
		.csum_partial_rx = atomic_load(&dp->rx.csum),
		.rx_ring_on = atomic_load(&dp->ring_on),
		.rx_ring_drops = dp_sock_drops(dp),
	};
}
