/* NAT46's IPv4 writer; see xlat_v4q.h. A single-producer, single-consumer ring of packet slots:
 * the producer publishes with a release store of tail, the writer frees slots with a release
 * store of head once they are written. The writer sleeps on an eventfd only after it said so
 * (is_sleeping) and found the ring still empty, so the producer pays a system call only for a
 * writer that really sleeps, not per packet. */
#include "dataplane/xlat_v4q.h"

#include "dataplane/dp_gro.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define XLAT_V4Q_N 256 /* slots (a power of two): more than a TPACKET block's frames */
#define XLAT_V4Q_YIELDS 8 /* a full ring: let the writer run (it may share our CPU) first */
#define XLAT_V4Q_VNET 10

struct xlat_v4q {
	int tun_fd, wake_efd, stop_efd;
	pthread_t t;
	bool has_t;
	_Atomic uint32_t head, tail; /* consumer, producer */
	_Atomic bool is_sleeping;
	_Atomic uint64_t written, io_errors;
	uint16_t len[XLAT_V4Q_N];
	struct dp_gro gro;
	uint8_t slot[XLAT_V4Q_N][XLAT_V4Q_SLOT];
};

uint8_t *xlat_v4q_slot(struct xlat_v4q *q)
{
	uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	for (int i = 0; i <= XLAT_V4Q_YIELDS; i++) {
		uint32_t h = atomic_load_explicit(&q->head, memory_order_acquire);
		if (t - h < XLAT_V4Q_N)
			return q->slot[t % XLAT_V4Q_N];
		sched_yield();
	}
	return NULL;
}

void xlat_v4q_commit(struct xlat_v4q *q, size_t len)
{
	uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	q->len[t % XLAT_V4Q_N] = (uint16_t)len;
	/* seq_cst store, then load: with the writer's store of is_sleeping and load of tail, one
	 * of the two sees the other (no lost wake-up). */
	atomic_store(&q->tail, t + 1);
	if (atomic_load(&q->is_sleeping) && atomic_exchange(&q->is_sleeping, false))
		eventfd_write(q->wake_efd, 1);
}

/* One writev: the virtio-net header vn, then segs[0..n). */
static bool xlat_v4q_writev(struct xlat_v4q *q, const struct dp_vnet *vn,
			    const struct dp_gro_seg *segs, size_t n)
{
	uint8_t vh[XLAT_V4Q_VNET];
	struct iovec v[DP_GRO_MAX_PKTS + 2];
	dp_vnet_build(vn, vh);
	v[0] = (struct iovec){ vh, sizeof(vh) };
	for (size_t i = 0; i < n; i++)
		v[i + 1] = (struct iovec){ (void *)(uintptr_t)segs[i].p, segs[i].len };
	return writev(q->tun_fd, v, (int)n + 1) >= 0;
}

/* Writes item k of the coalescing result; a super-packet the kernel refuses goes again packet
 * by packet. Returns the packets written. */
static uint64_t xlat_v4q_item(struct xlat_v4q *q, const struct dp_gro_pkt *pkts, size_t k)
{
	struct dp_gro_seg segs[DP_GRO_MAX_PKTS + 1];
	const struct dp_gro_out *o = &q->gro.out[k];
	size_t ns = dp_gro_segs(&q->gro, k, pkts, segs, DP_GRO_MAX_PKTS + 1);
	if (ns && xlat_v4q_writev(q, &o->vnet, segs, ns))
		return o->n;
	uint64_t n = 0;
	const struct dp_vnet one = { .gso_type = DP_VNET_GSO_NONE };
	for (int i = o->first; i >= 0; i = o->n > 1 ? q->gro.next[i] : -1) {
		struct dp_gro_seg s = { pkts[i].p, pkts[i].len };
		if (o->n > 1 && xlat_v4q_writev(q, &one, &s, 1))
			n++;
		else
			atomic_fetch_add_explicit(&q->io_errors, 1, memory_order_relaxed);
	}
	return n;
}

/* Takes up to DP_GRO_MAX_PKTS queued packets, coalesces and writes them; false if none. */
static bool xlat_v4q_batch(struct xlat_v4q *q)
{
	struct dp_gro_pkt pkts[DP_GRO_MAX_PKTS];
	uint32_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint32_t t = atomic_load_explicit(&q->tail, memory_order_acquire);
	size_t n = t - h < DP_GRO_MAX_PKTS ? t - h : DP_GRO_MAX_PKTS;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = (h + (uint32_t)i) % XLAT_V4Q_N;
		pkts[i] = (struct dp_gro_pkt){ q->slot[s], q->len[s], false };
	}
	size_t n_out = dp_gro_run(&q->gro, pkts, n);
	uint64_t w = 0;
	for (size_t k = 0; k < n_out; k++)
		w += xlat_v4q_item(q, pkts, k);
	atomic_fetch_add_explicit(&q->written, w, memory_order_relaxed);
	atomic_store_explicit(&q->head, h + (uint32_t)n, memory_order_release);
	return true;
}

static void *xlat_v4q_main(void *arg)
{
	struct xlat_v4q *q = arg;
	prctl(PR_SET_NAME, "v6l-xlat-v4w");
	struct pollfd pf[2] = { { q->wake_efd, POLLIN, 0 }, { q->stop_efd, POLLIN, 0 } };
	for (;;) {
		if (xlat_v4q_batch(q))
			continue;
		atomic_store(&q->is_sleeping, true);
		if (atomic_load(&q->tail) != atomic_load(&q->head)) {
			atomic_store(&q->is_sleeping, false);
			continue;
		}
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		eventfd_t v;
		eventfd_read(q->wake_efd, &v);
		atomic_store(&q->is_sleeping, false);
	}
	return NULL;
}

struct xlat_v4q *xlat_v4q_new(int tun_fd)
{
	struct xlat_v4q *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->tun_fd = tun_fd;
	q->wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->wake_efd < 0 || q->stop_efd < 0) {
		int e = errno;
		xlat_v4q_free(q);
		errno = e;
		return NULL;
	}
	return q;
}

int xlat_v4q_start(struct xlat_v4q *q)
{
	int err = pthread_create(&q->t, NULL, xlat_v4q_main, q);
	if (err) {
		errno = err;
		return -1;
	}
	q->has_t = true;
	return 0;
}

void xlat_v4q_free(struct xlat_v4q *q)
{
	if (!q)
		return;
	if (q->has_t) {
		eventfd_write(q->stop_efd, 1);
		pthread_join(q->t, NULL);
	}
	if (q->wake_efd >= 0)
		close(q->wake_efd);
	if (q->stop_efd >= 0)
		close(q->stop_efd);
	free(q);
}

void xlat_v4q_stats(struct xlat_v4q *q, uint64_t *written, uint64_t *io_errors)
{
	*written = atomic_load(&q->written);
	*io_errors = atomic_load(&q->io_errors);
}
