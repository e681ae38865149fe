/* The seccomp allow-list; see sandbox_seccomp.h. Names, not numbers, so that the list reads the
 * same on every architecture; a name the architecture lacks (open on arm64) is skipped. What the
 * daemon and libc call, plus what the data path uses by design (TPACKET_V2 rings, vnet headers,
 * batched I/O); checked by running every interop script with the filter on, where a missing call
 * shows as the report line (README "Security model"). A build with
 * -Dc_args=-DV6L_SECCOMP_DEFAULT=SCMP_ACT_LOG only logs instead, through the kernel's audit
 * (which the test machines here do not have). */
#include "daemon/sandbox_seccomp.h"

#include "core/log.h"

#include <errno.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef V6L_SECCOMP_DEFAULT
#define V6L_SECCOMP_DEFAULT SCMP_ACT_TRAP
#endif

#define SECCOMP_NAMES 512 /* system call numbers named in the report */
#define SECCOMP_NAME_LEN 28

static const char *const seccomp_allowed[] = {
	/* memory (malloc, thread stacks, packet rings) */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	/* files: config dir, state, run and trace files, resolv.conf, gai.conf, /proc/sys/net,
	 * /dev/net/tun */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat", "close",
	"lseek", "fstat", "stat", "lstat", "newfstatat", "statx", "access", "faccessat",
	"faccessat2", "fcntl", "dup", "dup2", "dup3", "pipe2", "fsync", "fdatasync", "ftruncate",
	"fchmod", "fchown", "fchownat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat",
	"rename", "renameat", "renameat2", "symlink", "symlinkat", "readlink", "readlinkat",
	"getdents64", "getcwd", "umask", "fstatfs", "statfs",
	/* events and time */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll",
	"ppoll", "select", "pselect6", "timerfd_create", "timerfd_settime", "timerfd_gettime",
	"signalfd4", "eventfd2", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time",
	/* sockets: AF_PACKET, netlink, UDP/TCP, raw ICMPv6, the control socket, syslog,
	 * sd_notify, the spawner's socket */
	"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "shutdown",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "setsockopt",
	"getsockopt", "getsockname", "getpeername", "ioctl",
	/* threads (the data path; clone only with CLONE_THREAD, below), signals, process */
	"futex", "set_robust_list", "get_robust_list", "rseq",
	"set_tid_address", "sched_yield", "sched_getaffinity", "sched_setaffinity", "prctl",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack",
	"restart_syscall", "exit", "exit_group", "wait4", "waitid", "getpid", "gettid", "getppid",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
	"getrandom", "uname", "getrlimit", "prlimit64", "getrusage", "sysinfo", "capget",
	"membarrier",
};

static char seccomp_names[SECCOMP_NAMES][SECCOMP_NAME_LEN];
static unsigned seccomp_n_allowed;
static unsigned seccomp_arch; /* the native AUDIT_ARCH_*, as siginfo's si_arch gives it */

/* Appends s to buf at *l (async-signal-safe). */
static void seccomp_cat(char *buf, size_t cap, size_t *l, const char *s)
{
	while (*s && *l + 1 < cap)
		buf[(*l)++] = *s++;
}

/* The report, then death by SIGSYS: only async-signal-safe calls, each on the list. */
static void seccomp_on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char buf[160], num[12];
	size_t l = 0, k = sizeof(num) - 1;
	unsigned nr = (unsigned)si->si_syscall;
	(void)uctx;
	num[k] = 0;
	do
		num[--k] = (char)('0' + nr % 10);
	while ((nr /= 10) && k);
	nr = (unsigned)si->si_syscall;
	seccomp_cat(buf, sizeof(buf), &l, "v6link: seccomp: system call ");
	seccomp_cat(buf, sizeof(buf), &l, si->si_arch != seccomp_arch ? "of another architecture" :
					   nr < SECCOMP_NAMES && seccomp_names[nr][0] ?
					   seccomp_names[nr] : "?");
	seccomp_cat(buf, sizeof(buf), &l, " (");
	seccomp_cat(buf, sizeof(buf), &l, num + k);
	seccomp_cat(buf, sizeof(buf), &l, ") not allowed; killed by SIGSYS\n");
	(void)!write(STDERR_FILENO, buf, l);
	/* SIG_DFL and unblocked: the signal sent now ends the whole process. */
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
	_exit(128 + sig);
}

/* The names of the report, resolved now: libseccomp allocates, which a handler must not. */
static void seccomp_names_fill(void)
{
	seccomp_arch = seccomp_arch_native();
	for (int nr = 0; nr < SECCOMP_NAMES; nr++) {
		char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		snprintf(seccomp_names[nr], SECCOMP_NAME_LEN, "%s", n ? n : "");
		free(n);
	}
}

/* The list as a filter; ctx NULL if libseccomp fails. */
static scmp_filter_ctx seccomp_build(void)
{
	scmp_filter_ctx ctx = seccomp_init(V6L_SECCOMP_DEFAULT);
	if (!ctx)
		return NULL;
	seccomp_n_allowed = 0;
	/* Another architecture's calls (the i386 ABI on x86_64) trap and kill as well. Not
	 * SCMP_ACT_KILL_PROCESS: libseccomp accepts it only where it may call seccomp(2), which
	 * systemd's SystemCallFilter=@system-service refuses (the filter then loads through
	 * prctl). */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(seccomp_allowed) / sizeof(seccomp_allowed[0]); i++) {
		int nr = seccomp_syscall_resolve_name(seccomp_allowed[i]);
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue; /* not on this architecture */
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0)
			goto fail;
		seccomp_n_allowed++;
	}
	/* Threads, not processes: clone only with CLONE_THREAD (fork, vfork and posix_spawn are
	 * trapped). clone3 passes its flags in memory a filter cannot read: ENOSYS, and libc
	 * falls back to clone. */
	const struct scmp_arg_cmp thread = { .arg = 0, .op = SCMP_CMP_MASKED_EQ,
					     .datum_a = CLONE_THREAD, .datum_b = CLONE_THREAD };
	const struct scmp_arg_cmp self = { .arg = 0, .op = SCMP_CMP_EQ,
					   .datum_a = (scmp_datum_t)getpid(), .datum_b = 0 };
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, thread) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0)
		goto fail;
	seccomp_n_allowed++;
	/* Signals only to the daemon itself: the report's SIGSYS, libc's thread signals. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, self) < 0)
		goto fail;
	seccomp_n_allowed++;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

int sandbox_seccomp_install(void)
{
	struct sigaction sa = { .sa_sigaction = seccomp_on_sigsys, .sa_flags = SA_SIGINFO };
	sigset_t set;
	sigemptyset(&sa.sa_mask);
	seccomp_names_fill();
	scmp_filter_ctx ctx = seccomp_build();
	if (!ctx) {
		log_warnx("daemon: seccomp: building the filter failed");
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	int rc = -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sigaction(SIGSYS, &sa, NULL) < 0 ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) {
		log_warn("daemon: seccomp: SIGSYS handler");
		goto out;
	}
	int err = seccomp_load(ctx);
	if (err < 0) {
		errno = -err;
		log_warn("daemon: seccomp: loading the filter");
		goto out;
	}
	log_info("daemon: seccomp filter on: %u system calls allowed, any other kills the process",
		 seccomp_n_allowed);
	rc = 0;
out:
	seccomp_release(ctx);
	return rc;
}

unsigned sandbox_seccomp_n_allowed(void)
{
	return seccomp_n_allowed;
}
