/* Data-plane threads; see dp.h. Per-batch (not per-packet) locking of the session view, per-
 * thread counters, no allocation or logging per packet. */
#include "dp.h"

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

#define DP_BATCH 32
#define DP_FRAME 2048
#define DP_CTLQ 64
#define DP_TAP_SLOTS 512 /* per direction; a full ring drops (counted), never waits */

struct dp_counters {
	_Atomic uint64_t packets, bytes, last_ms;
	_Atomic uint64_t drops[DP_DROP_N];
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
	pthread_mutex_t ctl_lock;
	struct dp_ctl_frame ctlq[DP_CTLQ];
	unsigned ctl_head, ctl_n;
	/* Control frames sent from the control loop use this buffer. */
	uint8_t ctl_tx[DP_FRAME + DP_HEADROOM];
	size_t ctl_tx_start, ctl_tx_len;
	_Atomic bool tap_data;
	int tap_efd;
	struct dp_tap_ring *tap_up, *tap_down;
};

static uint64_t dp_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Producer side: copies the frame if a slot is free; wakes the consumer at a quarter full. */
static void dp_tap_push(struct dataplane *dp, struct dp_tap_ring *r, const uint8_t *f, size_t len,
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

/* An fd in error (interface gone, TUN detached) would make poll return at once forever. */
static void dp_error_pause(short revents)
{
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		usleep(20000);
}

static void dp_count_drop(struct dp_counters *c, enum dp_drop d)
{
	atomic_fetch_add_explicit(&c->drops[d], 1, memory_order_relaxed);
}

static void dp_snapshot(struct dataplane *dp, struct dp_session *s)
{
	pthread_rwlock_rdlock(&dp->lock);
	*s = dp->sess;
	pthread_rwlock_unlock(&dp->lock);
}

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
		} else if (write(dp->tun_fd, frames[i] + rx.off, rx.len) < 0) {
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

static void *dp_down_main(void *arg)
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
		ssize_t r = read(dp->tun_fd, bufs[n] + DP_HEADROOM, DP_FRAME);
		if (r <= 0)
			break;
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

static void *dp_up_main(void *arg)
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
	if (dp->stop_efd < 0 || dp->ctl_efd < 0 || dp->demand_efd < 0 || dp->tap_efd < 0 ||
	    !dp->tap_up || !dp->tap_down)
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
	free(dp);
	return NULL;
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

static void dp_tap_drain_ring(struct dp_tap_ring *r, bool outbound, dp_tap_cb cb, void *ctx)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	for (; head != tail; head++) {
		struct dp_tap_slot *sl = &r->slot[head % DP_TAP_SLOTS];
		struct dp_wire w = sl->wire;
		w.frame = sl->buf;
		cb(ctx, sl->ts_ns, outbound, &w);
	}
	atomic_store_explicit(&r->head, head, memory_order_release);
}

uint64_t dp_tap_drain(struct dataplane *dp, dp_tap_cb cb, void *ctx)
{
	eventfd_t v;
	eventfd_read(dp->tap_efd, &v);
	dp_tap_drain_ring(dp->tap_up, true, cb, ctx);
	dp_tap_drain_ring(dp->tap_down, false, cb, ctx);
	return atomic_exchange(&dp->tap_up->dropped, 0) + atomic_exchange(&dp->tap_down->dropped, 0);
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
}
