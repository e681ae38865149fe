/* NAT46 data-path threads; see xlat.h. The translator itself (nat46/) is pure; this file moves
 * packets: TUN reads in batches, one sendmmsg per batch on the raw socket, no allocation or
 * logging per packet, the configuration read under a reader lock. */
#include "xlat.h"

#include "dataplane/dp_wire.h"
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
#include <sys/socket.h>
#include <unistd.h>

#define XLAT_BATCH 32
#define XLAT_IN 2048
#define XLAT_OUT NAT46_OUT_CAP(XLAT_IN)
#define XLAT_MSGS (XLAT_BATCH * 4) /* a DF=0 packet may become up to 3 fragments */
/* Router mode's packet socket sees what the adapter's GRO merged: up to 64 KiB at once. */
#define XLAT_RX (65535 + 64)
#define XLAT_RCVBUF (8 << 20)

struct xlat_counters {
	_Atomic uint64_t to_v6, to_v4, icmp4_made, na_sent, io_errors;
	_Atomic uint64_t drops[NAT46_DROP_N];
};

struct xlat {
	int tun_fd, raw6_fd, pkt_fd, stop_efd;
	int ifindex;
	uint8_t mac[6];
	pthread_t t4, tlink;
	bool has_t4, has_tlink;
	pthread_rwlock_t lock;
	struct nat46_cfg cfg;   /* under lock */
	bool has_host;          /* under lock */
	uint8_t sn_mac[6];      /* multicast MAC joined for host_v6's solicited-node group */
	bool has_sn_mac;
	struct xlat_counters n;
	uint8_t (*rx)[XLAT_RX];  /* router mode: the link thread's receive buffers */
	uint8_t *rx_out;         /* ... and its translation output */
};

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

/* Queues the IPv6 packet (or fragment train) out[0..len) as messages m[*n..]. */
static void xlat_queue6(uint8_t *out, size_t len, struct mmsghdr *m, struct iovec *iov,
			struct sockaddr_in6 *dst, int *n)
{
	size_t off = 0;
	while (off < len && *n < XLAT_MSGS) {
		size_t l = nat46_pkt_len(out + off, len - off);
		if (!l)
			return;
		int i = (*n)++;
		dst[i] = (struct sockaddr_in6){ .sin6_family = AF_INET6 };
		memcpy(&dst[i].sin6_addr, out + off + 24, 16);
		iov[i] = (struct iovec){ out + off, l };
		m[i].msg_hdr = (struct msghdr){ .msg_name = &dst[i], .msg_namelen = sizeof(dst[i]),
						.msg_iov = &iov[i], .msg_iovlen = 1 };
		off += l;
	}
}

static void xlat_send6(struct xlat *x, struct mmsghdr *m, int n)
{
	int sent = 0;
	while (sent < n) {
		int k = sendmmsg(x->raw6_fd, m + sent, (unsigned)(n - sent), 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			/* One bad packet (EMSGSIZE, no route) must not take the rest of the batch. */
			xlat_count(&x->n.io_errors, 1);
			sent++;
			continue;
		}
		sent += k;
	}
}

/* One translated IPv4 packet: IPv6 queued for the raw socket, or an ICMPv4 error for the app. */
static void xlat_one4(struct xlat *x, const struct nat46_cfg *cfg, const uint8_t *in, size_t len,
		      uint8_t *out, struct mmsghdr *m, struct iovec *iov, struct sockaddr_in6 *dst,
		      int *n)
{
	size_t olen = 0;
	enum nat46_drop why = NAT46_DROP_NONE;
	enum nat46_verdict v = nat46_4to6(cfg, in, len, out, XLAT_OUT, &olen, &why);
	switch (v) {
	case NAT46_TO_V6:
		xlat_queue6(out, olen, m, iov, dst, n);
		xlat_count(&x->n.to_v6, 1);
		break;
	case NAT46_TO_V4:
		xlat_count(&x->n.drops[why], 1);
		if (write(x->tun_fd, out, olen) < 0)
			xlat_count(&x->n.io_errors, 1);
		else
			xlat_count(&x->n.icmp4_made, 1);
		break;
	case NAT46_DROP:
		xlat_count(&x->n.drops[why], 1);
		break;
	}
}

static void xlat_batch4(struct xlat *x)
{
	static _Thread_local uint8_t in[XLAT_IN];
	static _Thread_local uint8_t out[XLAT_BATCH][XLAT_OUT];
	struct mmsghdr m[XLAT_MSGS];
	struct iovec iov[XLAT_MSGS];
	struct sockaddr_in6 dst[XLAT_MSGS];
	struct nat46_cfg cfg;
	bool has_host = xlat_snapshot(x, &cfg);
	int n = 0;
	for (int i = 0; i < XLAT_BATCH; i++) {
		ssize_t r = read(x->tun_fd, in, sizeof(in));
		if (r <= 0)
			break;
		/* IPv6 on the TUN is the kernel forwarding host_v6 here (router mode, forwarding on):
		 * the packet socket has seen it already. */
		if ((in[0] >> 4) != 4)
			continue;
		if (!has_host) {
			xlat_count(&x->n.drops[NAT46_DROP_NO_MAP], 1);
			continue;
		}
		xlat_one4(x, &cfg, in, (size_t)r, out[i], m, iov, dst, &n);
	}
	xlat_send6(x, m, n);
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
		xlat_count(&x->n.drops[len > cap ? NAT46_DROP_NO_ROOM : why], 1);
		return;
	}
	if (write(x->tun_fd, out, olen) < 0)
		xlat_count(&x->n.io_errors, 1);
	else
		xlat_count(&x->n.to_v4, 1);
}

bool xlat_input6(struct xlat *x, const uint8_t *pkt, size_t len)
{
	static _Thread_local uint8_t out[XLAT_IN];
	struct nat46_cfg cfg;
	if (len < 40 || (pkt[0] >> 4) != 6)
		return false;
	if (!xlat_snapshot(x, &cfg) || memcmp(pkt + 24, cfg.host_v6, 16) != 0)
		return false;
	xlat_6to4(x, &cfg, pkt, len, out, sizeof(out));
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
		xlat_count(&x->n.io_errors, 1);
	else
		xlat_count(&x->n.na_sent, 1);
}

static bool xlat_csum_not_ready(const struct msghdr *h)
{
	struct dp_aux aux;
	dp_aux_parse(h->msg_control, h->msg_controllen, &aux);
	return aux.is_csum_partial;
}

static void xlat_link_batch(struct xlat *x)
{
	static _Thread_local uint8_t ctrl[XLAT_BATCH][CMSG_SPACE(sizeof(struct tpacket_auxdata))];
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
	if (!x->rx || !x->rx_out)
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

struct xlat *xlat_new(int tun_fd, const struct nat46_cfg *cfg)
{
	struct xlat *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->tun_fd = tun_fd;
	x->pkt_fd = -1;
	x->cfg = *cfg;
	static const uint8_t zero[16];
	x->has_host = memcmp(cfg->host_v6, zero, 16) != 0;
	x->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* IPPROTO_RAW: the IPv6 header is ours (RFC 3542 §3); the kernel routes on its destination. */
	x->raw6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (x->stop_efd < 0 || x->raw6_fd < 0) {
		int e = errno;
		if (x->stop_efd >= 0)
			close(x->stop_efd);
		if (x->raw6_fd >= 0)
			close(x->raw6_fd);
		free(x);
		errno = e;
		return NULL;
	}
	int sz = 4 << 20;
	setsockopt(x->raw6_fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	pthread_rwlock_init(&x->lock, NULL);
	return x;
}

int xlat_start(struct xlat *x)
{
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
	if (x->pkt_fd >= 0)
		close(x->pkt_fd);
	close(x->raw6_fd);
	close(x->stop_efd);
	pthread_rwlock_destroy(&x->lock);
	free(x->rx);
	free(x->rx_out);
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
	o->to_v6 = atomic_load(&x->n.to_v6);
	o->to_v4 = atomic_load(&x->n.to_v4);
	o->icmp4_made = atomic_load(&x->n.icmp4_made);
	o->na_sent = atomic_load(&x->n.na_sent);
	o->io_errors = atomic_load(&x->n.io_errors);
	for (int i = 0; i < NAT46_DROP_N; i++)
		o->drops[i] = atomic_load(&x->n.drops[i]);
}
