/* NAT46 data-path threads; see xlat.h. The translator itself (nat46/) is pure; this file moves
 * packets: TUN reads in batches, translation into buffers with headroom, then on a PPPoE session
 * one sendmmsg of whole frames on the session socket (dp_send6_batch), else one sendmmsg on the
 * raw socket; no allocation or logging per packet, the configuration read once per batch (the
 * TUN thread) or when it changed (the receiving thread, xlat_input6). */
#include "xlat.h"

#include "dataplane/dp.h"
#include "dataplane/dp_gso.h"
#include "dataplane/dp_wire.h"
#include "dataplane/xlat_v4q.h"
#include "nd/nd_answer.h"
#include "nd/nd_codec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define XLAT_BATCH 32     /* TUN reads per wake-up */
#define XLAT_IN 2048      /* the largest IPv4 packet (or TSO segment) translated */
#define XLAT_OUT NAT46_OUT_CAP(XLAT_IN)
#define XLAT_FRAGS 4 /* a DF=0 packet of XLAT_IN bytes becomes at most 3 fragments */
#define XLAT_SLOTS 64     /* translations per send: one TSO read of 64 KiB is 45 segments */
#define XLAT_MSGS (XLAT_SLOTS * XLAT_FRAGS)
/* Each translation goes to a slot with DP_HEADROOM in front (the session's frame headers are
 * built there) and room to give every further fragment of a train its own headroom. */
#define XLAT_SLOT (XLAT_FRAGS * DP_HEADROOM + XLAT_OUT)
/* A TUN read with the virtio-net header: a TSO super-packet of up to 64 KiB. */
#define XLAT_SUPER (65535 + 64)
/* Router mode's packet socket sees what the adapter's GRO merged: up to 64 KiB at once. */
#define XLAT_RX (65535 + 64)
#define XLAT_RCVBUF (8 << 20)

/* Per thread: the TUN thread's, and the one of whichever thread delivers IPv6 (the PPPoE
 * downlink or router mode's link thread), apart so that they share no cache line. */
struct xlat_counters {
	_Alignas(64) _Atomic uint64_t to_v6, to_v4, via_session, icmp4_made, na_sent, io_errors;
	_Atomic uint64_t drops[NAT46_DROP_N];
};

struct xlat {
	int tun_fd, raw6_fd, pkt_fd, stop_efd;
	bool has_vnet;          /* the TUN has IFF_VNET_HDR: TSO4 super-packets, NEEDS_CSUM */
	int ifindex;
	uint8_t mac[6];
	pthread_t t4, tlink;
	bool has_t4, has_tlink;
	pthread_rwlock_t lock;
	struct nat46_cfg cfg;   /* under lock */
	bool has_host;          /* under lock */
	_Atomic uint64_t gen;   /* a new value from xlat_gen_seq whenever cfg changes */
	struct dataplane *dp;   /* PPPoE: translated IPv6 goes onto the session (set before start) */
	struct xlat_v4q *v4q;   /* PPPoE: IPv4 for the apps, written by a thread of its own */
	uint8_t sn_mac[6];      /* multicast MAC joined for host_v6's solicited-node group */
	bool has_sn_mac;
	struct xlat_counters n4, n6;
	uint8_t (*rx)[XLAT_RX];  /* router mode: the link thread's receive buffers */
	uint8_t *rx_out;         /* ... and its translation output */
	uint8_t (*rx_ctrl)[CMSG_SPACE(sizeof(struct tpacket_auxdata))]; /* ... and their aux data */
	/* The TUN thread's buffers (xlat_batch4), and those of whichever thread delivers IPv6
	 * (xlat_input6): on the heap, not _Thread_local, since every thread of the process (the
	 * control loop, the PPPoE data path) would carry a zeroed copy of static TLS. */
	struct xlat_t4buf *t4b;
	uint8_t *in6_out;
	struct xlat_cfg_cache *in6_cc;
};

/* Configuration generations, unique across translators, so that a thread's cached copy
 * (xlat_input6) can never match a later translator at the same address. */
static _Atomic uint64_t xlat_gen_seq = 1;

static bool xlat_snapshot(struct xlat *x, struct nat46_cfg *cfg)
{
	pthread_rwlock_rdlock(&x->lock);
	*cfg = x->cfg;
	bool has = x->has_host;
	pthread_rwlock_unlock(&x->lock);
	return has;
}

static void xlat_count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* Queues the IPv6 packet or fragment train buf[0..len) as tx[*n..]. buf has DP_HEADROOM before
 * it and (XLAT_FRAGS - 1) * DP_HEADROOM spare bytes behind the train: each fragment after the
 * first moves up to get its own headroom (DF=0 trains only; the common packet stays put). */
static void xlat_queue6(struct xlat *x, uint8_t *buf, size_t len, struct dp_tx6 *tx, int *n)
{
	size_t off[XLAT_FRAGS], l[XLAT_FRAGS];
	int k = 0;
	for (size_t o = 0; o < len; o += l[k++]) {
		size_t pl = nat46_pkt_len(buf + o, len - o);
		if (!pl || k == XLAT_FRAGS) {
			xlat_count(&x->n4.drops[NAT46_DROP_NO_ROOM], 1);
			return;
		}
		off[k] = o;
		l[k] = pl;
	}
	for (int j = k - 1; j > 0; j--)
		memmove(buf + off[j] + (size_t)j * DP_HEADROOM, buf + off[j], l[j]);
	for (int j = 0; j < k && *n < XLAT_MSGS; j++)
		tx[(*n)++] = (struct dp_tx6){ buf + off[j] + (size_t)j * DP_HEADROOM, l[j], true };
}

/* The kernel routes what the session does not take (router mode: everything) through the raw
 * socket, one sendmmsg per batch. */
static void xlat_send_raw(struct xlat *x, const struct dp_tx6 *tx, int n_tx)
{
	struct mmsghdr m[XLAT_MSGS];
	struct iovec iov[XLAT_MSGS];
	struct sockaddr_in6 dst[XLAT_MSGS];
	int n = 0;
	for (int i = 0; i < n_tx; i++) {
		if (!tx[i].to_kernel)
			continue;
		dst[n] = (struct sockaddr_in6){ .sin6_family = AF_INET6 };
		memcpy(&dst[n].sin6_addr, tx[i].pkt + 24, 16);
		iov[n] = (struct iovec){ tx[i].pkt, tx[i].len };
		m[n].msg_hdr = (struct msghdr){ .msg_name = &dst[n], .msg_namelen = sizeof(dst[n]),
						.msg_iov = &iov[n], .msg_iovlen = 1 };
		n++;
	}
	int sent = 0;
	while (sent < n) {
		int k = sendmmsg(x->raw6_fd, m + sent, (unsigned)(n - sent), 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			/* One bad packet (EMSGSIZE, no route) must not take the rest of the batch. */
			xlat_count(&x->n4.io_errors, 1);
			sent++;
			continue;
		}
		sent += k;
	}
}

static void xlat_send6(struct xlat *x, struct dp_tx6 *tx, int n)
{
	if (!n)
		return;
	if (x->dp) {
		int k = dp_send6_batch(x->dp, tx, n);
		if (k)
			xlat_count(&x->n4.via_session, (uint64_t)k);
	}
	xlat_send_raw(x, tx, n);
}

/* Writes the IPv4 packet pkt[0..len) into the TUN (behind a virtio-net header that asks
 * nothing of the kernel, if the TUN has one). */
static ssize_t xlat_tun_write(struct xlat *x, const uint8_t *pkt, size_t len)
{
	static const uint8_t vh[DP_VNET_HDR_LEN]; /* flags 0, GSO_NONE */
	struct iovec v[2] = { { (void *)(uintptr_t)vh, sizeof(vh) }, { (void *)(uintptr_t)pkt, len } };
	return x->has_vnet ? writev(x->tun_fd, v, 2) : write(x->tun_fd, pkt, len);
}

/* The TUN thread's send batch: translations in slots, their IPv6 packets in tx. */
struct xlat_txq {
	uint8_t (*slot)[XLAT_SLOT];
	int n_slots, n;
	uint64_t n_pkts;
	struct dp_tx6 tx[XLAT_MSGS];
};

/* The TUN thread's working memory (xlat_batch4): a read, the translations, one segment. */
struct xlat_t4buf {
	uint8_t in[XLAT_SUPER];
	uint8_t slot[XLAT_SLOTS][XLAT_SLOT];
	struct xlat_txq q;
	uint8_t seg[XLAT_IN];
};

static void xlat_flush(struct xlat *x, struct xlat_txq *q)
{
	if (q->n_pkts)
		xlat_count(&x->n4.to_v6, q->n_pkts);
	xlat_send6(x, q->tx, q->n);
	q->n = q->n_slots = 0;
	q->n_pkts = 0;
}

/* One IPv4 packet: translated IPv6 queued in q (sent first if q is full), or an ICMPv4 error for
 * the app. */
static void xlat_one4(struct xlat *x, const struct nat46_cfg *cfg, const uint8_t *in, size_t len,
		      struct xlat_txq *q)
{
	if (q->n_slots == XLAT_SLOTS)
		xlat_flush(x, q);
	uint8_t *out = q->slot[q->n_slots] + DP_HEADROOM;
	size_t olen = 0;
	enum nat46_drop why = NAT46_DROP_NONE;
	enum nat46_verdict v = nat46_4to6(cfg, in, len, out, XLAT_OUT, &olen, &why);
	switch (v) {
	case NAT46_TO_V6:
		q->n_slots++;
		q->n_pkts++;
		xlat_queue6(x, out, olen, q->tx, &q->n);
		break;
	case NAT46_TO_V4:
		xlat_count(&x->n4.drops[why], 1);
		if (xlat_tun_write(x, out, olen) < 0)
			xlat_count(&x->n4.io_errors, 1);
		else
			xlat_count(&x->n4.icmp4_made, 1);
		break;
	case NAT46_DROP:
		xlat_count(&x->n4.drops[why], 1);
		break;
	}
}

/* One read with a virtio-net header: a whole packet (its checksum finished if the kernel left
 * it, NEEDS_CSUM) or a TSO4 super-packet cut into segments of the IPv4 MTU (dp_gso), each
 * translated on its own. */
static void xlat_super4(struct xlat *x, const struct nat46_cfg *cfg, const uint8_t vb[],
			uint8_t *pkt, size_t len, struct xlat_txq *q)
{
	uint8_t *seg = x->t4b->seg;
	struct dp_vnet vh;
	dp_vnet_parse(vb, &vh);
	if (vh.gso_type == DP_VNET_GSO_NONE) {
		if (dp_csum_complete(&vh, pkt, len) != DP_GSO_OK)
			xlat_count(&x->n4.drops[NAT46_DROP_HDR], 1);
		else
			xlat_one4(x, cfg, pkt, len, q);
		return;
	}
	unsigned mtu4 = (cfg->v6_mtu < NAT46_IPV6_MIN_MTU ? NAT46_IPV6_MIN_MTU : cfg->v6_mtu) - 20;
	struct dp_gso g;
	struct dp_gso_seg sg;
	if (dp_gso_begin(&g, &vh, pkt, len, (uint16_t)(mtu4 < XLAT_IN ? mtu4 : XLAT_IN)) !=
	    DP_GSO_OK) {
		xlat_count(&x->n4.drops[NAT46_DROP_HDR], 1);
		return;
	}
	while (dp_gso_next(&g, seg, &sg)) {
		memcpy(seg + sg.hdr_len, sg.pay, sg.pay_len);
		xlat_one4(x, cfg, seg, sg.ip_len, q);
	}
}

/* Reads up to XLAT_BATCH packets (until the TUN has no more), translates them and sends them
 * in batches of up to XLAT_SLOTS translations. */
static void xlat_batch4(struct xlat *x)
{
	uint8_t *in = x->t4b->in;
	struct xlat_txq *q = &x->t4b->q;
	uint8_t vb[DP_VNET_HDR_LEN];
	struct nat46_cfg cfg;
	bool has_host = xlat_snapshot(x, &cfg);
	q->slot = x->t4b->slot;
	size_t hl = x->has_vnet ? sizeof(vb) : 0;
	for (int i = 0; i < XLAT_BATCH; i++) {
		struct iovec v[2] = { { vb, hl }, { in, XLAT_SUPER } };
		ssize_t r = readv(x->tun_fd, x->has_vnet ? v : v + 1, x->has_vnet ? 2 : 1);
		if (r <= (ssize_t)hl)
			break;
		size_t len = (size_t)r - hl;
		/* IPv6 on the TUN is the kernel forwarding host_v6 here (router mode, forwarding on):
		 * the packet socket has seen it already. */
		if ((in[0] >> 4) != 4)
			continue;
		if (!has_host)
			xlat_count(&x->n4.drops[NAT46_DROP_NO_MAP], 1);
		else if (x->has_vnet)
			xlat_super4(x, &cfg, vb, in, len, q);
		else
			xlat_one4(x, &cfg, in, len, q);
	}
	xlat_flush(x, q);
}

/* A thread's life: batch whenever fd is readable, until stop_efd. */
static void xlat_run(struct xlat *x, int fd, void (*batch)(struct xlat *))
{
	struct pollfd pf[2] = { { fd, POLLIN, 0 }, { x->stop_efd, POLLIN, 0 } };
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (pf[0].revents & POLLIN)
			batch(x);
		else if (pf[0].revents)
			usleep(20000); /* TUN or adapter gone: do not spin */
	}
}

static void *xlat_t4_main(void *arg)
{
	struct xlat *x = arg;
	prctl(PR_SET_NAME, "v6l-xlat-tun");
	xlat_run(x, x->tun_fd, xlat_batch4);
	return NULL;
}

/* Translates pkt (IPv6 for host_v6) into out and writes it to the TUN. */
static void xlat_6to4(struct xlat *x, const struct nat46_cfg *cfg, const uint8_t *pkt,
		      size_t len, uint8_t *out, size_t cap)
{
	size_t olen = 0;
	enum nat46_drop why = NAT46_DROP_NONE;
	if (len > cap || nat46_6to4(cfg, pkt, len, out, cap, &olen, &why) != NAT46_TO_V4) {
		xlat_count(&x->n6.drops[len > cap ? NAT46_DROP_NO_ROOM : why], 1);
		return;
	}
	if (xlat_tun_write(x, out, olen) < 0)
		xlat_count(&x->n6.io_errors, 1);
	else
		xlat_count(&x->n6.to_v4, 1);
}

/* The delivering thread's copy of the configuration, taken again only when it changed: no
 * lock per received packet. */
struct xlat_cfg_cache {
	uint64_t gen;
	bool has_host;
	struct nat46_cfg cfg;
};

static const struct nat46_cfg *xlat_cfg_cached(struct xlat *x, struct xlat_cfg_cache *cc)
{
	uint64_t g = atomic_load_explicit(&x->gen, memory_order_acquire);
	if (cc->gen != g) {
		cc->has_host = xlat_snapshot(x, &cc->cfg);
		cc->gen = g;
	}
	return cc->has_host ? &cc->cfg : NULL;
}

/* PPPoE: translates pkt into the IPv4 writer's next slot (xlat_v4q). */
static void xlat_6to4_queue(struct xlat *x, const struct nat46_cfg *cfg, const uint8_t *pkt,
			    size_t len)
{
	uint8_t *out = xlat_v4q_slot(x->v4q);
	size_t olen = 0;
	enum nat46_drop why = NAT46_DROP_NO_ROOM;
	if (!out || len > XLAT_V4Q_SLOT ||
	    nat46_6to4(cfg, pkt, len, out, XLAT_V4Q_SLOT, &olen, &why) != NAT46_TO_V4) {
		xlat_count(&x->n6.drops[why], 1);
		return;
	}
	xlat_v4q_commit(x->v4q, olen);
	xlat_count(&x->n6.to_v4, 1);
}

bool xlat_input6(struct xlat *x, const uint8_t *pkt, size_t len)
{
	if (len < 40 || (pkt[0] >> 4) != 6)
		return false;
	const struct nat46_cfg *cfg = xlat_cfg_cached(x, x->in6_cc);
	if (!cfg || memcmp(pkt + 24, cfg->host_v6, 16) != 0)
		return false;
	if (x->v4q)
		xlat_6to4_queue(x, cfg, pkt, len);
	else
		xlat_6to4(x, cfg, pkt, len, x->in6_out, XLAT_IN);
	return true;
}

/* --- router mode: the packet socket for host_v6 --- */

/* Answers a Neighbor Solicitation for host_v6 (RFC 4861 §7.2.4, nd_answer_ns); src_mac is the
 * frame's. */
static void xlat_answer_ns(struct xlat *x, const struct nat46_cfg *cfg, const uint8_t *pkt,
			   size_t len, const uint8_t src_mac[6])
{
	uint8_t frame[128];
	int n = nd_answer_ns(cfg->host_v6, x->mac, pkt, len, frame, sizeof(frame));
	if (n < 0)
		return;
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6),
				  .sll_ifindex = x->ifindex, .sll_halen = 6 };
	memcpy(to.sll_addr, src_mac, 6);
	if (sendto(x->pkt_fd, frame, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		xlat_count(&x->n6.io_errors, 1);
	else
		xlat_count(&x->n6.na_sent, 1);
}

static bool xlat_csum_not_ready(const struct msghdr *h)
{
	struct dp_aux aux;
	dp_aux_parse(h->msg_control, h->msg_controllen, &aux);
	return aux.is_csum_partial;
}

static void xlat_link_batch(struct xlat *x)
{
	uint8_t (*ctrl)[CMSG_SPACE(sizeof(struct tpacket_auxdata))] = x->rx_ctrl;
	struct mmsghdr m[XLAT_BATCH];
	struct iovec iov[XLAT_BATCH];
	struct sockaddr_ll from[XLAT_BATCH];
	for (int i = 0; i < XLAT_BATCH; i++) {
		iov[i] = (struct iovec){ x->rx[i], XLAT_RX };
		m[i].msg_hdr = (struct msghdr){ .msg_name = &from[i], .msg_namelen = sizeof(from[i]),
						.msg_iov = &iov[i], .msg_iovlen = 1,
						.msg_control = ctrl[i],
						.msg_controllen = sizeof(ctrl[i]) };
	}
	int n = recvmmsg(x->pkt_fd, m, XLAT_BATCH, MSG_DONTWAIT, NULL);
	struct nat46_cfg cfg;
	if (n <= 0 || !xlat_snapshot(x, &cfg))
		return;
	for (int i = 0; i < n; i++) {
		if (from[i].sll_pkttype == PACKET_OUTGOING)
			continue;
		uint8_t *p = x->rx[i];
		size_t len = m[i].msg_len;
		if (len < 40 || memcmp(p + 24, cfg.host_v6, 16) != 0) {
			xlat_answer_ns(x, &cfg, p, len, from[i].sll_addr);
			continue;
		}
		/* CHECKSUM_PARTIAL (a veth or virtio peer, GRO): only the pseudo-header sum is there. */
		if (xlat_csum_not_ready(&m[i].msg_hdr))
			nat46_complete_l4_csum6(p, len);
		xlat_6to4(x, &cfg, p, len, x->rx_out, XLAT_RX);
	}
}

static void *xlat_link_main(void *arg)
{
	struct xlat *x = arg;
	prctl(PR_SET_NAME, "v6l-xlat-link");
	xlat_run(x, x->pkt_fd, xlat_link_batch);
	return NULL;
}

/* Appends to f a check "IPv6 destination == a" that jumps to the end-of-block accept when it
 * matches and to the instruction after the block when not. */
static unsigned xlat_bpf_match(struct sock_filter *f, unsigned at, const uint8_t a[16])
{
	for (unsigned w = 0; w < 4; w++) {
		uint32_t v = (uint32_t)a[4 * w] << 24 | (uint32_t)a[4 * w + 1] << 16 |
			     (uint32_t)a[4 * w + 2] << 8 | a[4 * w + 3];
		f[at++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 24 + 4 * w);
		/* jf skips the remaining words and the accept of this block */
		f[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v, 0,
						     (uint8_t)(2 * (3 - w) + 1));
		at++;
	}
	f[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
	return at;
}

/* Lets through only IPv6 for host_v6 and for its solicited-node group (NS). */
static int xlat_set_filter(struct xlat *x, const uint8_t *host_v6)
{
	struct sock_filter f[20];
	unsigned n = 0;
	if (host_v6) {
		uint8_t sn[16];
		nd_solicited_node(host_v6, sn);
		n = xlat_bpf_match(f, n, host_v6);
		n = xlat_bpf_match(f, n, sn);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
	return setsockopt(x->pkt_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

/* Joins (or leaves) the Ethernet group of host_v6's solicited-node address: NICs filter
 * multicast, and no kernel address of ours makes it join this one. */
static void xlat_sn_membership(struct xlat *x, const uint8_t mac[6], bool join)
{
	struct packet_mreq mr = { .mr_ifindex = x->ifindex, .mr_type = PACKET_MR_MULTICAST,
				  .mr_alen = 6 };
	memcpy(mr.mr_address, mac, 6);
	setsockopt(x->pkt_fd, SOL_PACKET, join ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP,
		   &mr, sizeof(mr));
}

int xlat_attach_link(struct xlat *x, int ifindex, const uint8_t mac[6])
{
	x->rx = malloc(XLAT_BATCH * sizeof(*x->rx));
	x->rx_out = malloc(XLAT_RX);
	x->rx_ctrl = malloc(XLAT_BATCH * sizeof(*x->rx_ctrl));
	if (!x->rx || !x->rx_out || !x->rx_ctrl)
		return -1;
	x->pkt_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IPV6));
	if (x->pkt_fd < 0)
		return -1;
	/* Bursts of a fast download must not overflow the default 208 KiB (root: FORCE). */
	int one = 1, rcv = XLAT_RCVBUF;
	if (setsockopt(x->pkt_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(x->pkt_fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	setsockopt(x->pkt_fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	x->ifindex = ifindex;
	memcpy(x->mac, mac, 6);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IPV6),
				   .sll_ifindex = ifindex };
	/* The filter goes on before bind so that no unrelated frame is ever queued. */
	if (xlat_set_filter(x, x->has_host ? x->cfg.host_v6 : NULL) < 0 ||
	    bind(x->pkt_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		close(x->pkt_fd);
		x->pkt_fd = -1;
		return -1;
	}
	return 0;
}

struct xlat *xlat_new(int tun_fd, bool has_vnet_hdr, const struct nat46_cfg *cfg)
{
	struct xlat *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->tun_fd = tun_fd;
	x->has_vnet = has_vnet_hdr;
	x->pkt_fd = -1;
	x->cfg = *cfg;
	static const uint8_t zero[16];
	x->has_host = memcmp(cfg->host_v6, zero, 16) != 0;
	atomic_store(&x->gen, atomic_fetch_add(&xlat_gen_seq, 1));
	x->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* IPPROTO_RAW: the IPv6 header is ours (RFC 3542 §3); the kernel routes on its destination. */
	x->raw6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	/* malloc: the pages a thread never touches (most of a 64 KiB read, most slots while the
	 * traffic is small) cost no memory. */
	x->t4b = malloc(sizeof(*x->t4b));
	x->in6_out = malloc(XLAT_IN);
	x->in6_cc = calloc(1, sizeof(*x->in6_cc));
	if (x->stop_efd < 0 || x->raw6_fd < 0 || !x->t4b || !x->in6_out || !x->in6_cc) {
		int e = x->stop_efd < 0 || x->raw6_fd < 0 ? errno : ENOMEM;
		if (x->stop_efd >= 0)
			close(x->stop_efd);
		if (x->raw6_fd >= 0)
			close(x->raw6_fd);
		free(x->t4b);
		free(x->in6_out);
		free(x->in6_cc);
		free(x);
		errno = e;
		return NULL;
	}
	int sz = 4 << 20;
	setsockopt(x->raw6_fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	pthread_rwlock_init(&x->lock, NULL);
	return x;
}

int xlat_set_dataplane(struct xlat *x, struct dataplane *dp)
{
	x->dp = dp;
	if (!dp || !x->has_vnet)
		return 0;
	x->v4q = xlat_v4q_new(x->tun_fd);
	return x->v4q ? 0 : -1;
}

int xlat_start(struct xlat *x)
{
	if (x->v4q && xlat_v4q_start(x->v4q) < 0)
		return -1;
	int err = pthread_create(&x->t4, NULL, xlat_t4_main, x);
	if (!err) {
		x->has_t4 = true;
		if (x->pkt_fd >= 0) {
			err = pthread_create(&x->tlink, NULL, xlat_link_main, x);
			x->has_tlink = !err;
		}
	}
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

void xlat_free(struct xlat *x)
{
	if (!x)
		return;
	eventfd_write(x->stop_efd, 1);
	if (x->has_t4)
		pthread_join(x->t4, NULL);
	if (x->has_tlink)
		pthread_join(x->tlink, NULL);
	xlat_v4q_free(x->v4q);
	if (x->pkt_fd >= 0)
		close(x->pkt_fd);
	close(x->raw6_fd);
	close(x->stop_efd);
	pthread_rwlock_destroy(&x->lock);
	free(x->rx);
	free(x->rx_out);
	free(x->rx_ctrl);
	free(x->t4b);
	free(x->in6_out);
	free(x->in6_cc);
	free(x);
}

void xlat_set_host_v6(struct xlat *x, const uint8_t host_v6[16], uint16_t v6_mtu)
{
	pthread_rwlock_wrlock(&x->lock);
	x->has_host = host_v6 != NULL;
	memset(x->cfg.host_v6, 0, 16);
	if (host_v6)
		memcpy(x->cfg.host_v6, host_v6, 16);
	x->cfg.v6_mtu = v6_mtu;
	atomic_store_explicit(&x->gen, atomic_fetch_add(&xlat_gen_seq, 1), memory_order_release);
	pthread_rwlock_unlock(&x->lock);
	if (x->pkt_fd < 0)
		return;
	if (x->has_sn_mac)
		xlat_sn_membership(x, x->sn_mac, false);
	x->has_sn_mac = false;
	if (host_v6) {
		/* 33:33 + the low 32 bits of ff02::1:ffXX:XXXX (RFC 2464 §7) */
		x->sn_mac[0] = 0x33, x->sn_mac[1] = 0x33, x->sn_mac[2] = 0xff;
		memcpy(x->sn_mac + 3, host_v6 + 13, 3);
		xlat_sn_membership(x, x->sn_mac, true);
		x->has_sn_mac = true;
	}
	xlat_set_filter(x, host_v6);
}

void xlat_get_stats(struct xlat *x, struct xlat_stats *o)
{
	memset(o, 0, sizeof(*o));
	const struct xlat_counters *c[2] = { &x->n4, &x->n6 };
	for (int k = 0; k < 2; k++) {
		o->to_v6 += atomic_load(&c[k]->to_v6);
		o->to_v4 += atomic_load(&c[k]->to_v4);
		o->via_session += atomic_load(&c[k]->via_session);
		o->icmp4_made += atomic_load(&c[k]->icmp4_made);
		o->na_sent += atomic_load(&c[k]->na_sent);
		o->io_errors += atomic_load(&c[k]->io_errors);
		for (int i = 0; i < NAT46_DROP_N; i++)
			o->drops[i] += atomic_load(&c[k]->drops[i]);
	}
	if (x->v4q) {
		uint64_t written, errs;
		xlat_v4q_stats(x->v4q, &written, &errs);
		o->io_errors += errs;
	}
}
