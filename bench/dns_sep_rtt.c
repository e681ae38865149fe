/* What a parsing helper process behind a socketpair would cost the DNS proxy (issue #13): the
 * round trip of fixed-size records over an AF_UNIX SOCK_SEQPACKET socketpair to a forked child,
 * one datagram of N requests (one recvmmsg batch) answered by one datagram of N parsed records.
 * The child only copies: the parse itself would move there, not be added, so this is the price
 * of the separation alone, in a tight loop; in place it is dearer (bench/dns_sep_proto.sh: the
 * round trip also shrinks the proxy's batches). Reports per round trip and per query: wall
 * time, CPU time of both processes, and instructions of both (user + kernel, perf_event_open;
 * n/a where the VM has no such counter, as here). Not built by meson; as root for the counter:
 *   cc -O2 -std=c17 -D_GNU_SOURCE bench/dns_sep_rtt.c -o /tmp/dns_sep_rtt && /tmp/dns_sep_rtt
 *   args: [round trips per run (20000)] [runs (7)]
 * Placements: "same" (both on CPU 1, as the proxy under bench/dns_proxy_bench.sh, whose helper
 * would inherit its affinity), "split" (proxy CPU 1, helper CPU 0), "free" (no pinning). */
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A request: 8 octets of header (slot, kind, length) and a raw query of at most 512 octets (an
 * upstream answer would be up to 1232: see REQ_BIG). A parsed record: 512 octets (id, flags,
 * qname of up to 255, qtype, qclass, EDNS, rcode, minimum TTL, 8 AAAA, 8 A, offsets). */
#define REQ_LEN 520
#define REQ_BIG 1240
#define REP_LEN 512
#define BATCH_MAX 32

static uint8_t req_buf[BATCH_MAX * REQ_BIG];
static uint8_t rep_buf[BATCH_MAX * REP_LEN];

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	if (cpu < 0)
		return;
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* The helper: answers each datagram of n requests with n records; a 1-octet 'E' with the CPU
 * time it spent since the previous 'E' (or its start). */
static void child_loop(int fd, size_t req_len)
{
	static uint8_t in[BATCH_MAX * REQ_BIG];
	uint64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (;;) {
		ssize_t n = recv(fd, in, sizeof(in), 0);
		if (n <= 0)
			_exit(0);
		if (n == 1) {
			uint64_t d = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
			if (send(fd, &d, sizeof(d), 0) != sizeof(d))
				_exit(1);
			cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
			continue;
		}
		size_t k = (size_t)n / req_len;
		for (size_t i = 0; i < k; i++) {
			uint8_t *r = rep_buf + i * REP_LEN;
			memcpy(r, in + i * req_len, 8); /* echo slot/kind/len */
			memset(r + 8, (int)i, REP_LEN - 8);
		}
		if (send(fd, rep_buf, k * REP_LEN, 0) < 0)
			_exit(1);
	}
}

static int perf_open(void)
{
	struct perf_event_attr a = { .type = PERF_TYPE_HARDWARE, .size = sizeof(a),
		.config = PERF_COUNT_HW_INSTRUCTIONS, .disabled = 1, .inherit = 1 };
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

struct result {
	double wall_us, cpu_us, instr; /* per round trip */
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One run: fork a helper, iters round trips of batch n; -1 on an I/O failure. */
static int run(int cpu_parent, int cpu_child, unsigned n, size_t req_len, unsigned iters,
	struct result *res)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	int pfd = perf_open(); /* before the fork: inherit counts the helper too */
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]), close(sv[1]);
		if (pfd >= 0)
			close(pfd);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		pin(cpu_child);
		child_loop(sv[1], req_len);
	}
	close(sv[1]);
	pin(cpu_parent);
	memset(req_buf, 0x5a, sizeof(req_buf));
	uint64_t helper_ns = 0;
	int rc = 0;
	for (unsigned phase = 0; phase < 2 && rc == 0; phase++) {
		unsigned todo = phase == 0 ? iters / 10 + 1 : iters; /* warm-up, then the run */
		uint64_t w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
		if (phase == 1 && pfd >= 0) {
			ioctl(pfd, PERF_EVENT_IOC_RESET, 0);
			ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0);
		}
		for (unsigned it = 0; it < todo; it++) {
			struct iovec iov[BATCH_MAX];
			for (unsigned i = 0; i < n; i++)
				iov[i] = (struct iovec){ req_buf + i * req_len, req_len };
			struct msghdr mh = { .msg_iov = iov, .msg_iovlen = n };
			ssize_t want = (ssize_t)(n * REP_LEN);
			if (sendmsg(sv[0], &mh, 0) != (ssize_t)(n * req_len) ||
				recv(sv[0], rep_buf, sizeof(rep_buf), 0) != want) {
				rc = -1;
				break;
			}
		}
		uint64_t w1 = now_ns(CLOCK_MONOTONIC), c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
		/* The helper's CPU for this phase ('E' also costs it a little: noise). */
		if (rc == 0 && (send(sv[0], "E", 1, 0) != 1 ||
				recv(sv[0], &helper_ns, sizeof(helper_ns), 0) != sizeof(helper_ns)))
			rc = -1;
		if (phase == 1 && rc == 0) {
			/* The helper's counts reach the inherited counter when it exits: read
			 * after waitpid below. */
			res->wall_us = (double)(w1 - w0) / 1e3 / iters;
			res->cpu_us = (double)(c1 - c0 + helper_ns) / 1e3 / iters;
		}
	}
	close(sv[0]);
	waitpid(pid, NULL, 0);
	res->instr = -1;
	if (pfd >= 0) {
		uint64_t v;
		ioctl(pfd, PERF_EVENT_IOC_DISABLE, 0);
		if (read(pfd, &v, sizeof(v)) == sizeof(v))
			res->instr = (double)v / iters;
		close(pfd);
	}
	return rc;
}

/* runs runs of one case; prints min and median of each figure. */
static int bench_case(const char *name, int cpu_p, int cpu_c, unsigned n, size_t req_len,
	unsigned iters, unsigned runs)
{
	double w[64], c[64], ins[64];
	unsigned ok = 0;
	for (unsigned r = 0; r < runs; r++) {
		struct result res;
		if (run(cpu_p, cpu_c, n, req_len, iters, &res) < 0) {
			fprintf(stderr, "run failed: %s\n", strerror(errno));
			continue;
		}
		w[ok] = res.wall_us, c[ok] = res.cpu_us, ins[ok] = res.instr;
		ok++;
	}
	if (ok == 0)
		return -1;
	qsort(w, ok, sizeof(double), cmp_d);
	qsort(c, ok, sizeof(double), cmp_d);
	qsort(ins, ok, sizeof(double), cmp_d);
	printf("%-6s %5u %4zu   %8.2f %8.2f   %8.2f %8.2f   %8.2f %8.2f", name, n, req_len, w[0],
		w[ok / 2], c[0], c[ok / 2], c[0] / n, c[ok / 2] / n);
	if (ins[ok / 2] < 0)
		printf("   %12s  %12s\n", "n/a", "n/a");
	else
		printf("   %12.0f  %12.0f\n", ins[ok / 2], ins[ok / 2] / n);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)atoi(argv[1]) : 20000;
	unsigned runs = argc > 2 ? (unsigned)atoi(argv[2]) : 7;
	if (iters == 0 || runs == 0 || runs > 64)
		return 2;
	static const struct {
		const char *name;
		int p, c;
	} place[] = { { "same", 1, 1 }, { "split", 1, 0 }, { "free", -1, -1 } };
	static const unsigned batches[] = { 1, 8, 32 };
	static const size_t req_lens[] = { REQ_LEN, REQ_BIG };
	printf("place  batch req   wall_us/rt(min med)  cpu_us/rt(min med)  cpu_us/query(min med)"
	       "  instr/rt(med)  instr/query(med)\n");
	for (size_t pl = 0; pl < sizeof(place) / sizeof(place[0]); pl++)
		for (size_t bi = 0; bi < sizeof(batches) / sizeof(batches[0]); bi++)
			for (size_t rq = 0; rq < sizeof(req_lens) / sizeof(req_lens[0]); rq++)
				if (bench_case(place[pl].name, place[pl].p, place[pl].c,
					    batches[bi], req_lens[rq], iters, runs) < 0)
					return 1;
	return 0;
}
