/* The daemon's seccomp allow-list (daemon/sandbox_seccomp.h), installed in a forked child as
 * the daemon installs it: a forbidden call (ptrace, mount, kexec_load, init_module, execve,
 * fork) kills the process by SIGSYS and the report line names the call and its number, before
 * the call could do anything; the calls the daemon makes (files, sockets, batched datagram I/O,
 * epoll, timerfd, threads, memory) still work under it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/sandbox_seccomp.h"
#include "test_util.h"

/* Run in the child before the filter is installed, when set. */
static void (*run_before)(void);

/* Runs fn in a child with the filter installed and its stderr captured into out[cap]; returns
 * the wait status. */
static int run_filtered(void (*fn)(void), char *out, size_t cap)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		if (run_before)
			run_before();
		if (sandbox_seccomp_install() < 0)
			_exit(90);
		fn();
		_exit(0);
	}
	close(pfd[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(pfd[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(pfd[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void call_ptrace(void)
{
	syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
}
static void call_mount(void)
{
	syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL);
}
static void call_kexec_load(void)
{
	syscall(SYS_kexec_load, 0, 0, NULL, 0);
}
static void call_init_module(void)
{
	syscall(SYS_init_module, NULL, 0, "");
}
static void call_execve(void)
{
	char *const argv[] = { (char *)(uintptr_t)"/bin/true", NULL };
	execve("/bin/true", argv, argv + 1);
}
static void call_fork(void)
{
	pid_t p = fork(); /* clone without CLONE_THREAD */
	if (p == 0)
		_exit(0);
}

/* The child dies by SIGSYS, and its report names the call. */
static void expect_killed(void (*fn)(void), const char *name)
{
	char out[512], want[96];
	int nr = seccomp_syscall_resolve_name(name);
	assert_true(nr >= 0);
	snprintf(want, sizeof(want), "v6link: seccomp: system call %s (%d) not allowed; killed by SIGSYS\n",
		 name, nr);
	int st = run_filtered(fn, out, sizeof(out));
	print_message("%s: status 0x%x, stderr: %s", name, (unsigned)st, out);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	assert_non_null(strstr(out, want));
}

static void test_forbidden_calls_kill_and_report(void **state)
{
	(void)state;
	expect_killed(call_ptrace, "ptrace");
	expect_killed(call_mount, "mount");
	expect_killed(call_kexec_load, "kexec_load");
	expect_killed(call_init_module, "init_module");
	expect_killed(call_execve, "execve");
	/* glibc's fork is clone(SIGCHLD): a process, not a thread */
	expect_killed(call_fork, "clone");
}

/* As under systemd's SystemCallFilter=@system-service: seccomp(2) itself fails with EPERM
 * (prctl does not). The filter must still load, and still kill and report. */
static void refuse_seccomp_syscall(void)
{
	/* By hand, not with libseccomp: it would remember that seccomp(2) worked. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_seccomp, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL) != -1 || errno != EPERM)
		_exit(91);
}

static void test_loads_where_seccomp_syscall_is_refused(void **state)
{
	char out[512];
	(void)state;
	run_before = refuse_seccomp_syscall;
	int st = run_filtered(call_ptrace, out, sizeof(out));
	run_before = NULL;
	print_message("status 0x%x, stderr: %s", (unsigned)st, out);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	assert_non_null(strstr(out, "system call ptrace ("));
}

static void *thread_fn(void *arg)
{
	return arg;
}

/* What the daemon does all day; any trap ends the child with SIGSYS instead of exit 0. */
static void daemon_like_calls(void)
{
	char path[256];
	if (!test_tmp_template(path, sizeof(path), "seccomp"))
		_exit(10);
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, "x", 1) != 1 || fsync(fd) < 0 || close(fd) < 0 || unlink(path) < 0)
		_exit(11);
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int one = 1;
	if (u < 0 || setsockopt(u, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(u, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(u, (struct sockaddr *)&a, &al) < 0)
		_exit(12);
	struct iovec iov = { .iov_base = path, .iov_len = 4 };
	struct mmsghdr mm = { .msg_hdr = { .msg_name = &a, .msg_namelen = sizeof(a),
					   .msg_iov = &iov, .msg_iovlen = 1 } };
	if (sendmmsg(u, &mm, 1, 0) != 1 || recvmmsg(u, &mm, 1, MSG_WAITFORONE, NULL) < 0)
		_exit(13);
	int ep = epoll_create1(EPOLL_CLOEXEC), tf = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	struct itimerspec its = { .it_value.tv_nsec = 1000000 };
	if (ep < 0 || tf < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, tf, &ev) < 0 ||
	    timerfd_settime(tf, 0, &its, NULL) < 0 || epoll_wait(ep, &ev, 1, 1000) != 1)
		_exit(14);
	void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || madvise(m, 1 << 20, MADV_DONTNEED) < 0 || munmap(m, 1 << 20) < 0)
		_exit(15);
	static int token;
	pthread_t t;
	void *ret = NULL;
	if (pthread_create(&t, NULL, thread_fn, &token) != 0 || pthread_join(t, &ret) != 0 ||
	    ret != &token)
		_exit(16);
	free(malloc(1 << 22));
	fflush(NULL);
	_exit(0);
}

static void test_daemon_calls_allowed(void **state)
{
	char out[512];
	(void)state;
	int st = run_filtered(daemon_like_calls, out, sizeof(out));
	print_message("status 0x%x, stderr: %s\n", (unsigned)st, out);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(sandbox_seccomp_n_allowed() == 0); /* counted in the child only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbidden_calls_kill_and_report),
		cmocka_unit_test(test_daemon_calls_allowed),
		cmocka_unit_test(test_loads_where_seccomp_syscall_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
