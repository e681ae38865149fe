/* Micro-benchmark of the NAT46 translator: Mpps for 64-byte UDP and 1400-byte TCP packets in
 * each direction, one core, packets already in cache. Not built by meson; build and run with
 *   cc -O2 -std=c17 -D_GNU_SOURCE -Isrc bench/nat46_xlat_bench.c src/nat46/nat46_*.c \
 *      src/core/csum.c -o /tmp/nat46_xlat_bench && /tmp/nat46_xlat_bench [iterations]
 * Instructions per packet: valgrind --tool=callgrind --toggle-collect=nat46_4to6 (or
 * nat46_6to4) /tmp/nat46_xlat_bench 100000: the total Ir over iterations x 1.25 packets (each
 * direction translates `iterations` UDP and iterations / 4 TCP packets). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nat46/nat46.h"

static const uint8_t POOL4[4] = { 198, 18, 0, 5 };
static const uint8_t PEER6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99, [15] = 5 };

static bool bench_map46(void *ctx, const uint8_t v4[4], uint8_t v6[16])
{
	(void)ctx;
	if (memcmp(v4, POOL4, 4) != 0)
		return false;
	memcpy(v6, PEER6, 16);
	return true;
}

static bool bench_map64(void *ctx, const uint8_t v6[16], uint8_t v4[4])
{
	(void)ctx;
	if (memcmp(v6, PEER6, 16) != 0)
		return false;
	memcpy(v4, POOL4, 4);
	return true;
}

static uint16_t bench_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4 packet of len bytes from 192.0.0.2 to the pool address: UDP or TCP, DF set. */
static size_t bench_pkt4(uint8_t *p, size_t len, uint8_t proto)
{
	memset(p, 0xab, len);
	memcpy(p, (const uint8_t[]){ 0x45, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 1, 0x40, 0, 64,
				     proto, 0, 0, 192, 0, 0, 2 }, 16);
	memcpy(p + 16, POOL4, 4);
	uint16_t c = bench_csum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[22] = p[24] = 0x12; /* ports */
	if (proto == 17) {
		p[24] = (uint8_t)((len - 20) >> 8);
		p[25] = (uint8_t)(len - 20);
	}
	return len;
}

static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_run(const char *name, const struct nat46_cfg *c, bool v4, const uint8_t *in,
		      size_t n, long iters)
{
	static uint8_t out[NAT46_OUT_CAP(1500)];
	size_t olen = 0;
	enum nat46_drop why;
	volatile size_t sink = 0;
	double t0 = bench_now();
	for (long i = 0; i < iters; i++) {
		enum nat46_verdict r = v4 ? nat46_4to6(c, in, n, out, sizeof(out), &olen, &why)
					  : nat46_6to4(c, in, n, out, sizeof(out), &olen, &why);
		sink += olen + (size_t)r;
	}
	double dt = bench_now() - t0;
	printf("%-16s %5zu bytes  %7.2f Mpps  %7.2f Gbit/s  (%s)\n", name, n, iters / dt / 1e6,
	       (double)iters * (double)n * 8 / dt / 1e9, nat46_drop_str(why));
	(void)sink;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 20000000;
	struct nat46_cfg c = { .app_v4 = { 192, 0, 0, 2 }, .app_v4_plen = 32,
			       .router_v4 = { 192, 0, 0, 1 }, .v6_mtu = 1500,
			       .map_v4_to_v6 = bench_map46, .map_v6_to_v4 = bench_map64 };
	memcpy(c.host_v6, (const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x46 }, 16);
	static uint8_t udp4[64], tcp4[1400], udp6[128], tcp6[1500];
	size_t lu6, lt6;
	enum nat46_drop why;
	bench_pkt4(udp4, sizeof(udp4), 17);
	bench_pkt4(tcp4, sizeof(tcp4), 6);
	if (nat46_4to6(&c, udp4, sizeof(udp4), udp6, sizeof(udp6), &lu6, &why) != NAT46_TO_V6 ||
	    nat46_4to6(&c, tcp4, sizeof(tcp4), tcp6, sizeof(tcp6), &lt6, &why) != NAT46_TO_V6)
		return 1;
	/* The replies: swap addresses so they are for host_v6 from the peer. */
	uint8_t tmp[16];
	for (int k = 0; k < 2; k++) {
		uint8_t *p = k ? tcp6 : udp6;
		memcpy(tmp, p + 8, 16);
		memcpy(p + 8, p + 24, 16);
		memcpy(p + 24, tmp, 16);
	}
	bench_run("4to6 udp", &c, true, udp4, sizeof(udp4), iters);
	bench_run("4to6 tcp", &c, true, tcp4, sizeof(tcp4), iters / 4);
	bench_run("6to4 udp", &c, false, udp6, lu6, iters);
	bench_run("6to4 tcp", &c, false, tcp6, lt6, iters / 4);
	return 0;
}
