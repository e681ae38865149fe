/* Drives dp_gro.c against a real TUN with IFF_VNET_HDR (test_gro_tun.sh makes the TUN and the
 * namespace): it plays the remote TCP sender, coalesces its own segments with dp_gro_run and
 * writes the super-packets as the downlink thread does.
 *   gro_tun_drv tcp TUN LOCAL REMOTE BYTES  a listening socket on LOCAL:5001 accepts the
 *       connection from REMOTE, then gets BYTES of data in rounds of up to 40 segments of 1000
 *       bytes (every other round CHECKSUM_PARTIAL, i.e. only the pseudo-header sum); the bytes
 *       read from the socket must be the bytes sent. Prints segments, writes and bytes.
 *   gro_tun_drv fwd TUN SRC DST BYTES  BYTES in 1000-byte segments from SRC to DST (routed
 *       elsewhere by the kernel, which segments the super-packets again); no handshake.
 * Exit status 0 on success. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/csum.h"
#include "dataplane/dp_gro.h"

#define MSS 1000
#define ROUND 40
#define PORT_L 5001
#define PORT_R 40000

struct flow {
	int fam;
	uint8_t src[16], dst[16];
	uint32_t seq, ack;
	uint16_t ip_id;
};

static int tun_fd;
static unsigned n_writes, n_segs;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An IP/TCP packet from the remote end into buf; returns its length. */
static size_t build(struct flow *f, uint8_t *buf, uint8_t flags, const uint8_t *pay, size_t n,
		    bool partial)
{
	size_t ihl = f->fam == AF_INET ? 20 : 40, len = ihl + 20 + n;
	memset(buf, 0, ihl + 20);
	uint64_t ps;
	if (ihl == 20) {
		buf[0] = 0x45;
		put16(buf + 2, (uint16_t)len);
		put16(buf + 4, f->ip_id++);
		buf[6] = 0x40;
		buf[8] = 64;
		buf[9] = 6;
		memcpy(buf + 12, f->src, 4);
		memcpy(buf + 16, f->dst, 4);
		put16(buf + 10, (uint16_t)~csum_fold(csum_add(0, buf, 20)));
		ps = csum_pseudo4(buf + 12, buf + 16, 20 + n, 6);
	} else {
		buf[0] = 0x60;
		put16(buf + 4, (uint16_t)(20 + n));
		buf[6] = 6;
		buf[7] = 64;
		memcpy(buf + 8, f->src, 16);
		memcpy(buf + 24, f->dst, 16);
		ps = csum_pseudo6(buf + 8, buf + 24, 20 + n, 6);
	}
	uint8_t *th = buf + ihl;
	put16(th, PORT_R);
	put16(th + 2, PORT_L);
	put32(th + 4, f->seq);
	put32(th + 8, f->ack);
	th[12] = 5 << 4;
	th[13] = flags;
	put16(th + 14, 65535);
	memcpy(th + 20, pay, n);
	if (partial)
		put16(th + 16, csum_fold(ps));
	else
		put16(th + 16, (uint16_t)~csum_fold(csum_add(ps, th, 20 + n)));
	f->seq += (uint32_t)n + ((flags & 0x02) ? 1 : 0);
	return len;
}

/* Coalesces pkts[0..n) and writes every item, as dp_down.c does. */
static int write_batch(struct dp_gro_pkt *pk, size_t n)
{
	static struct dp_gro g;
	size_t n_out = dp_gro_run(&g, pk, n);
	for (size_t k = 0; k < n_out; k++) {
		struct dp_gro_seg seg[DP_GRO_MAX_PKTS + 1];
		struct iovec v[DP_GRO_MAX_PKTS + 2];
		uint8_t vh[10];
		size_t ns = dp_gro_segs(&g, k, pk, seg, DP_GRO_MAX_PKTS + 1);
		dp_vnet_build(&g.out[k].vnet, vh);
		v[0] = (struct iovec){ vh, sizeof(vh) };
		for (size_t i = 0; i < ns; i++)
			v[i + 1] = (struct iovec){ (void *)(uintptr_t)seg[i].p, seg[i].len };
		if (writev(tun_fd, v, (int)ns + 1) < 0) {
			perror("writev");
			return -1;
		}
		n_writes++;
	}
	n_segs += (unsigned)n;
	return 0;
}

/* Reads the TUN until the SYN-ACK for f arrives; sets f->ack. */
static int wait_synack(struct flow *f)
{
	uint8_t b[4096];
	for (int tries = 0; tries < 200; tries++) {
		struct pollfd p = { tun_fd, POLLIN, 0 };
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t r = read(tun_fd, b, sizeof(b));
		size_t ihl = f->fam == AF_INET ? 20 : 40;
		if (r < 10 + (ssize_t)ihl + 20)
			continue;
		const uint8_t *ip = b + 10;
		if ((f->fam == AF_INET ? ip[9] : ip[6]) != 6 || (ip[0] >> 4) != (ihl == 20 ? 4 : 6))
			continue;
		const uint8_t *th = ip + ihl;
		if ((th[13] & 0x12) == 0x12) {
			f->ack = get32(th + 4) + 1;
			return 0;
		}
	}
	fprintf(stderr, "no SYN-ACK\n");
	return -1;
}

static void drain_tun(void)
{
	uint8_t b[70000];
	while (read(tun_fd, b, sizeof(b)) > 0)
		;
}

static void pattern(uint8_t *p, size_t n, size_t off)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((off + i) * 131 + ((off + i) >> 11));
}

/* Sends total bytes in rounds; with c >= 0 reads them back from c after each round. */
static int send_data(struct flow *f, size_t total, int c)
{
	static uint8_t pkts[ROUND][1600], pay[MSS], got[ROUND * MSS], want[ROUND * MSS];
	struct dp_gro_pkt pk[ROUND];
	size_t sent = 0;
	for (unsigned round = 0; sent < total; round++) {
		size_t n = 0, start = sent;
		while (n < ROUND && sent < total) {
			size_t len = total - sent < MSS ? total - sent : MSS;
			pattern(pay, len, sent);
			bool last = n + 1 == ROUND || sent + len == total;
			size_t l = build(f, pkts[n], (uint8_t)(0x10 | (last ? 0x08 : 0)), pay, len,
					 round & 1);
			pk[n] = (struct dp_gro_pkt){ pkts[n], l, round & 1 };
			n++;
			sent += len;
		}
		if (write_batch(pk, n) < 0)
			return -1;
		if (c < 0)
			continue;
		size_t want_n = sent - start, have = 0;
		pattern(want, want_n, start);
		while (have < want_n) {
			struct pollfd p = { c, POLLIN, 0 };
			if (poll(&p, 1, 3000) <= 0) {
				fprintf(stderr, "round %u: %zu of %zu bytes\n", round, have, want_n);
				return -1;
			}
			ssize_t r = recv(c, got + have, want_n - have, 0);
			if (r <= 0)
				return -1;
			have += (size_t)r;
		}
		if (memcmp(got, want, want_n) != 0) {
			fprintf(stderr, "round %u: bytes differ\n", round);
			return -1;
		}
		drain_tun();
	}
	return 0;
}

static int addr(int fam, const char *s, uint8_t *out)
{
	if (inet_pton(fam, s, out) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		return -1;
	}
	return 0;
}

static int run_tcp(struct flow *f, const char *local, size_t total)
{
	int l = socket(f->fam, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (f->fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(PORT_L);
		inet_pton(AF_INET, local, &a->sin_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(PORT_L);
		inet_pton(AF_INET6, local, &a->sin6_addr);
		sl = sizeof(*a);
	}
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&ss, sl) < 0 || listen(l, 1) < 0) {
		perror("listen");
		return -1;
	}
	uint8_t b[128];
	struct dp_gro_pkt syn = { b, build(f, b, 0x02, NULL, 0, false), false };
	if (write_batch(&syn, 1) < 0 || wait_synack(f) < 0)
		return -1;
	struct dp_gro_pkt ack = { b, build(f, b, 0x10, NULL, 0, false), false };
	if (write_batch(&ack, 1) < 0)
		return -1;
	int c = accept(l, NULL, NULL);
	if (c < 0) {
		perror("accept");
		return -1;
	}
	n_writes = n_segs = 0;
	int rc = send_data(f, total, c);
	close(c);
	close(l);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 6 || (strcmp(argv[1], "tcp") && strcmp(argv[1], "fwd"))) {
		fprintf(stderr, "usage: gro_tun_drv tcp|fwd TUN LOCAL|SRC REMOTE|DST BYTES\n");
		return 2;
	}
	bool tcp = strcmp(argv[1], "tcp") == 0;
	struct flow f = { .fam = strchr(argv[3], ':') ? AF_INET6 : AF_INET, .seq = 0x1000000,
			  .ip_id = 0x100 };
	/* the remote end is the source of what we write */
	if (addr(f.fam, tcp ? argv[4] : argv[3], f.src) < 0 ||
	    addr(f.fam, tcp ? argv[3] : argv[4], f.dst) < 0)
		return 2;
	size_t total = strtoul(argv[5], NULL, 10);
	tun_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
	if (tun_fd < 0 || ioctl(tun_fd, TUNSETIFF, &ifr) < 0) {
		perror("TUNSETIFF");
		return 1;
	}
	drain_tun();
	int rc = tcp ? run_tcp(&f, argv[3], total) : send_data(&f, total, -1);
	printf("%s %s: %u segments in %u writes, %zu bytes, %s\n", argv[1],
	       f.fam == AF_INET ? "IPv4" : "IPv6", n_segs, n_writes, total, rc ? "FAILED" : "ok");
	return rc ? 1 : 0;
}
