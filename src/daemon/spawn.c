/* The spawner (spawn.h): the daemon's side (requests out, reports logged) and the spawner
 * process itself (requests in, fork+exec, reaping, reports out). */
#include "daemon/spawn.h"

#include "core/log.h"
#include "core/loop.h"
#include "daemon/sandbox.h"
#include "hostcfg/file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define SPAWN_PATH_ENV "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SPAWN_SOCK_FD 3 /* the spawner's end, after the descriptors it inherited are closed */
#define SPAWN_FILE_TIMEOUT_MS 10000

_Static_assert(SPAWN_FILE_DATA_MAX == HOSTCFG_FILE_MAX, "a host file travels whole");
_Static_assert(SPAWN_FILE_PATH_MAX == HOSTCFG_PATH_MAX, "a host path travels whole");
_Static_assert(SPAWN_PATH_MAX == HOSTCFG_PATH_MAX, "the same path limit");

void spawn_child_exec(const char *path, char *const argv[], char *const envp[], int in_fd,
		      unsigned flags)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++) {
		if (sigaction(s, &sa, NULL) == 0 || s == SIGKILL || s == SIGSTOP)
			continue;
		/* libc keeps its own real-time signals (32, 33) from sigaction, but an ignored one
		 * inherited from whoever started the daemon survives execve like any other: reset
		 * it with the kernel's call. An all-zero kernel sigaction is SIG_DFL, no flags, an
		 * empty mask, whatever the architecture's layout. */
		unsigned long ksa[8] = { 0 };
		syscall(SYS_rt_sigaction, s, ksa, NULL, (size_t)(NSIG - 1) / 8);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int fd = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
	if (fd > 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (flags & SPAWN_F_STDOUT_NULL) {
		fd = open("/dev/null", O_WRONLY);
		if (fd > 1) {
			dup2(fd, 1);
			close(fd);
		}
	}
	if (flags & SPAWN_F_DETACH)
		setsid();
	execve(path, argv, envp);
	_exit(127);
}

/* ---------------------------------------------------------------- the spawner process */

struct spawner {
	int sock, sfd;
	char progs[SPAWN_MAX_PROGS][SPAWN_PATH_MAX];
	unsigned n_progs;
	char files[SPAWN_MAX_FILES][SPAWN_PATH_MAX];
	unsigned n_files;
	struct {
		pid_t pid;
		uint32_t id;
	} kids[SPAWN_MAX_CHILDREN];
	uint8_t buf[SPAWN_MSG_MAX + 1];
	uint8_t rep[SPAWN_FILE_REP_MAX];
};

static void spawner_report(const struct spawner *s, uint32_t kind, uint32_t id, pid_t pid,
			   int status, int err)
{
	struct spawn_rep r = { .kind = kind, .id = id, .pid = pid, .status = status, .err = err };
	/* Blocking: the daemon reads reports in its loop; a lost report would lose a log line. */
	while (send(s->sock, &r, sizeof(r), MSG_NOSIGNAL) < 0 && errno == EINTR) {
	}
}

static bool spawner_allowed(const struct spawner *s, const char *path)
{
	for (unsigned i = 0; i < s->n_progs; i++)
		if (!strcmp(s->progs[i], path))
			return true;
	return false;
}

static int spawner_slot(const struct spawner *s)
{
	for (int i = 0; i < SPAWN_MAX_CHILDREN; i++)
		if (!s->kids[i].pid)
			return i;
	return -1;
}

/* One request: checked, forked, reported (STARTED or FAILED). */
static void spawner_on_request(struct spawner *s, size_t len)
{
	static struct spawn_req_view v;
	char *envp[SPAWN_MAX_STRINGS + 2];
	unsigned n = 0;
	int pfd[2] = { -1, -1 }, slot;
	if (spawn_req_parse(s->buf, len, &v) < 0) {
		spawner_report(s, SPAWN_REP_FAILED, 0, 0, 0, EBADMSG);
		return;
	}
	if (!spawner_allowed(s, v.path)) {
		spawner_report(s, SPAWN_REP_FAILED, v.id, 0, 0, EPERM);
		return;
	}
	if ((slot = spawner_slot(s)) < 0) {
		spawner_report(s, SPAWN_REP_FAILED, v.id, 0, 0, EAGAIN);
		return;
	}
	/* Only the connection's variables: LD_PRELOAD, BASH_ENV and the like never reach a
	 * program run as root, whatever the daemon asks. */
	for (unsigned i = 0; v.envp[i]; i++)
		if (!strncmp(v.envp[i], "V6LINK_", 7))
			envp[n++] = (char *)(uintptr_t)v.envp[i];
	envp[n++] = (char *)(uintptr_t)SPAWN_PATH_ENV;
	envp[n] = NULL;
	if (v.input_len && pipe2(pfd, O_CLOEXEC) < 0) {
		spawner_report(s, SPAWN_REP_FAILED, v.id, 0, 0, errno);
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		spawn_child_exec(v.path, (char *const *)(uintptr_t)v.argv, envp, pfd[0], v.flags);
	int err = errno;
	if (pfd[0] >= 0) {
		close(pfd[0]);
		/* At most SPAWN_INPUT_MAX bytes: a pipe takes them without a reader. */
		if (pid > 0 && write(pfd[1], v.input, v.input_len) < 0)
			err = errno;
		close(pfd[1]);
	}
	if (pid < 0) {
		spawner_report(s, SPAWN_REP_FAILED, v.id, 0, 0, err);
		return;
	}
	s->kids[slot].pid = pid;
	s->kids[slot].id = v.id;
	spawner_report(s, SPAWN_REP_STARTED, v.id, pid, 0, 0);
}

static bool spawner_file_allowed(const struct spawner *s, const char *path)
{
	for (unsigned i = 0; i < s->n_files; i++)
		if (!strcmp(s->files[i], path))
			return true;
	return false;
}

/* Sends a file report: ret (-1 with err), for a read the mode, owner and size bytes that wait
 * in s->rep after the header, and fd (>= 0) as SCM_RIGHTS. */
static void spawner_file_report(struct spawner *s, uint32_t id, ssize_t ret, int err,
				const struct stat *sb, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct spawn_file_rep r = { .kind = SPAWN_REP_FILE, .id = id, .ret = (int32_t)ret,
				    .err = ret < 0 ? (err ? err : EIO) : 0 };
	if (ret >= 0 && sb) {
		r.mode = sb->st_mode;
		r.uid = sb->st_uid;
		r.gid = sb->st_gid;
		r.size = (uint32_t)ret;
	}
	memcpy(s->rep, &r, sizeof(r));
	iov = (struct iovec){ .iov_base = s->rep, .iov_len = sizeof(r) + r.size };
	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(s->sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR) {
	}
}

/* Opens the device path (SPAWN_DEV_TUN) read-write; a descriptor of a character device, or -1
 * with errno. */
static int spawner_open_dev(const char *path)
{
	struct stat sb;
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && (fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode))) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	return fd;
}

/* Runs the operation v asks on its (allowed) path; the result and errno. */
static ssize_t spawner_file_do(struct spawner *s, const struct spawn_file_view *v,
			       struct stat *sb)
{
	char *out = (char *)s->rep + sizeof(struct spawn_file_rep);
	switch ((enum spawn_file_op)v->op) {
	case SPAWN_FILE_READ:
		return hostcfg_file_read(v->path, out, v->cap, sb);
	case SPAWN_FILE_REPLACE:
		return hostcfg_file_replace(v->path, v->data, v->data_len, (mode_t)v->mode,
					    (uid_t)v->uid, (gid_t)v->gid, NULL);
	case SPAWN_FILE_SYMLINK:
		return hostcfg_file_replace_symlink(v->path, v->arg, NULL);
	case SPAWN_FILE_REMOVE:
		return hostcfg_file_remove(v->path);
	case SPAWN_FILE_DROP_TMP:
		hostcfg_file_drop_tmp(v->path);
		return 0;
	case SPAWN_FILE_MKDIRS:
		return hostcfg_file_mkdirs(v->path);
	case SPAWN_FILE_RMDIRS:
		hostcfg_file_rmdirs(v->path, v->arg);
		return 0;
	case SPAWN_FILE_OPEN_DEV:
		break; /* spawner_on_file */
	}
	errno = EINVAL;
	return -1;
}

/* One file request: checked, done on a path named at start only, answered. */
static void spawner_on_file(struct spawner *s, size_t len)
{
	static struct spawn_file_view v;
	struct stat sb;
	memset(&sb, 0, sizeof(sb));
	if (spawn_file_req_parse(s->buf, len, &v) < 0) {
		spawner_file_report(s, 0, -1, EBADMSG, NULL, -1);
		return;
	}
	bool is_dev = v.op == SPAWN_FILE_OPEN_DEV;
	if (is_dev ? strcmp(v.path, SPAWN_DEV_TUN) != 0 : !spawner_file_allowed(s, v.path)) {
		spawner_file_report(s, v.id, -1, EPERM, NULL, -1);
		return;
	}
	if (is_dev) {
		int fd = spawner_open_dev(v.path);
		spawner_file_report(s, v.id, fd < 0 ? -1 : 0, errno, NULL, fd);
		if (fd >= 0)
			close(fd);
		return;
	}
	errno = 0;
	ssize_t ret = spawner_file_do(s, &v, &sb);
	spawner_file_report(s, v.id, ret, errno, v.op == SPAWN_FILE_READ ? &sb : NULL, -1);
}

static void spawner_reap(struct spawner *s)
{
	struct signalfd_siginfo si;
	int st;
	pid_t pid;
	while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
	}
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (int i = 0; i < SPAWN_MAX_CHILDREN; i++)
			if (s->kids[i].pid == pid) {
				spawner_report(s, SPAWN_REP_EXITED, s->kids[i].id, pid, st, 0);
				s->kids[i].pid = 0;
			}
}

/* Everything the daemon had open but stdio and the socket is closed; SIGTERM, SIGINT and
 * SIGHUP are ignored (systemd's stop signals the whole cgroup, and the daemon's last hooks
 * must still run: the spawner ends at the socket's EOF); SIGCHLD comes through a signalfd. */
static int spawner_setup(struct spawner *s, int sock, pid_t parent)
{
	sigset_t chld;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		return -1;
	/* syslog(3)'s socket, inherited: the number may become SPAWN_SOCK_FD below, and a log
	 * line would then go to the daemon. The next line opens a socket of the spawner's own. */
	closelog();
	if (sock != SPAWN_SOCK_FD && (dup2(sock, SPAWN_SOCK_FD) < 0 || close(sock) < 0))
		return -1;
	fcntl(SPAWN_SOCK_FD, F_SETFD, FD_CLOEXEC);
	close_range(SPAWN_SOCK_FD + 1, ~0u, 0);
	s->sock = SPAWN_SOCK_FD;
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL); /* ignored, children would be reaped unseen */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
		return -1;
	s->sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sfd < 0 ? -1 : 0;
}

__attribute__((noreturn)) static void spawner_main(struct spawner *s, int sock, pid_t parent,
						   bool needs_bind)
{
	if (spawner_setup(s, sock, parent) < 0) {
		log_warn("spawner: start-up");
		_exit(1);
	}
	/* The daemon's own capabilities, as hooks were promised (connections.ini(5), HOOKS). */
	if (sandbox_drop(needs_bind, "spawner", NULL) < 0)
		_exit(1);
	for (;;) {
		struct pollfd p[2] = { { .fd = s->sock, .events = POLLIN }, { .fd = s->sfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (p[1].revents)
			spawner_reap(s);
		if (!p[0].revents)
			continue;
		ssize_t n = recv(s->sock, s->buf, sizeof(s->buf), MSG_TRUNC);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			_exit(0); /* the daemon closed the socket or is gone */
		size_t len = (size_t)n > SPAWN_MSG_MAX ? SPAWN_MSG_MAX + 1 : (size_t)n;
		if (n > 0 && spawn_req_kind(s->buf, len) == SPAWN_KIND_FILE)
			spawner_on_file(s, len);
		else if (n > 0)
			spawner_on_request(s, len);
	}
}

/* ---------------------------------------------------------------- the daemon's side */

static struct {
	int fd;
	pid_t pid;
	struct loop *loop;
	bool stopping;
	uint32_t next_id;
	struct {
		uint32_t id; /* 0: free */
		char label[SPAWN_LABEL_LEN];
	} pend[SPAWN_MAX_CHILDREN];
	char files[SPAWN_MAX_FILES][SPAWN_PATH_MAX];
	unsigned n_files;
	uint8_t buf[SPAWN_MSG_MAX];
	uint8_t rbuf[SPAWN_FILE_REP_MAX]; /* the last report read */
	struct spawn_file_rep frep;       /* the last file report, checked */
	int rfd;                          /* the descriptor it carried, or -1 */
} sp = { .fd = -1, .pid = -1, .rfd = -1 };

/* Copies paths[0..n) (at most max, each shorter than SPAWN_PATH_MAX) into out; false, logged,
 * if they do not fit. */
static bool spawn_copy_paths(char (*out)[SPAWN_PATH_MAX], unsigned max, const char *const *paths,
			     unsigned n, const char *what)
{
	if (n > max) {
		log_warnx("spawner: %u %s, at most %u", n, what, max);
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		if (strlen(paths[i]) >= SPAWN_PATH_MAX) {
			log_warnx("spawner: path too long: %.60s...", paths[i]);
			return false;
		}
		snprintf(out[i], SPAWN_PATH_MAX, "%s", paths[i]);
	}
	return true;
}

int spawn_start(const char *const *progs, unsigned n, const char *const *files,
		unsigned n_files, bool needs_bind)
{
	static struct spawner s;
	int sv[2];
	memset(&s, 0, sizeof(s));
	if (!spawn_copy_paths(s.progs, SPAWN_MAX_PROGS, progs, n, "programs to run") ||
	    !spawn_copy_paths(s.files, SPAWN_MAX_FILES, files, n_files, "files to write"))
		return -1;
	s.n_progs = n;
	s.n_files = n_files;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("spawner: socketpair");
		return -1;
	}
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		log_warn("spawner: fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		spawner_main(&s, sv[1], parent, needs_bind);
	}
	close(sv[1]);
	sp.fd = sv[0];
	sp.pid = pid;
	memcpy(sp.files, s.files, sizeof(sp.files));
	sp.n_files = n_files;
	log_debug(LOGC_HOST, "spawner: pid %d, %u program(s) it may run, %u file(s) it may write",
		  (int)pid, n, n_files);
	return 0;
}

bool spawn_running(void)
{
	return sp.fd >= 0;
}

pid_t spawn_pid(void)
{
	return sp.pid;
}

static void spawn_lost(void)
{
	if (sp.stopping)
		log_debug(LOGC_HOST, "spawner: ended (pid %d)", (int)sp.pid);
	else
		log_warnx("spawner: gone (pid %d); hooks and resolvectl no longer run", (int)sp.pid);
	if (sp.loop)
		loop_del_fd(sp.loop, sp.fd);
	close(sp.fd);
	sp.fd = -1;
	sp.loop = NULL;
}

static int spawn_find(uint32_t id)
{
	for (int i = 0; i < SPAWN_MAX_CHILDREN; i++)
		if (sp.pend[i].id == id)
			return i;
	return -1;
}

/* Logs a report; a finished one frees its label. */
static void spawn_on_report(const struct spawn_rep *r)
{
	int i = spawn_find(r->id);
	const char *label = i >= 0 ? sp.pend[i].label : "spawner";
	if (r->kind == SPAWN_REP_STARTED) {
		log_debug(LOGC_HOST, "%s (pid %d)", label, (int)r->pid);
		return;
	}
	if (r->kind == SPAWN_REP_FAILED)
		log_warnx("%s: not run: %s", label, strerror(r->err));
	else if (WIFEXITED(r->status) && WEXITSTATUS(r->status))
		log_warnx("%s: exited with status %d (pid %d)", label, WEXITSTATUS(r->status),
			  (int)r->pid);
	else if (WIFSIGNALED(r->status))
		log_warnx("%s: killed by signal %d (pid %d)", label, WTERMSIG(r->status), (int)r->pid);
	else
		log_debug(LOGC_HOST, "%s: exited with status 0 (pid %d)", label, (int)r->pid);
	if (i >= 0)
		sp.pend[i].id = 0;
}

/* Reads one report; 1 read, 0 none waiting, -1 the spawner is gone (and forgotten). A file
 * report is not logged: r gets its kind and id, sp.frep its header, sp.rbuf its bytes. */
static int spawn_read_one(struct spawn_rep *r)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = sp.rbuf, .iov_len = sizeof(sp.rbuf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf) };
	int fd = -1;
	ssize_t n = recvmsg(sp.fd, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		spawn_lost();
		return -1;
	}
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if ((size_t)n <= sizeof(sp.rbuf) &&
	    spawn_file_rep_parse(sp.rbuf, (size_t)n, &sp.frep) == 0) {
		*r = (struct spawn_rep){ .kind = SPAWN_REP_FILE, .id = sp.frep.id };
		if (sp.rfd >= 0)
			close(sp.rfd);
		sp.rfd = fd;
		return 1;
	}
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(*r)) {
		log_warnx("spawner: report of %zd bytes ignored", n);
		return 0;
	}
	memcpy(r, sp.rbuf, sizeof(*r));
	spawn_on_report(r);
	return 1;
}

static void spawn_on_readable(void *arg, int fd, uint32_t events)
{
	struct spawn_rep r;
	(void)arg;
	(void)fd;
	(void)events;
	while (sp.fd >= 0 && spawn_read_one(&r) > 0) {
	}
}

int spawn_attach(struct loop *l)
{
	if (sp.fd < 0)
		return 0;
	if (loop_add_fd(l, sp.fd, EPOLLIN, spawn_on_readable, NULL) < 0) {
		log_warn("spawner: loop");
		return -1;
	}
	sp.loop = l;
	return 0;
}

static uint32_t spawn_next_id(void)
{
	return ++sp.next_id ? sp.next_id : ++sp.next_id;
}

/* Sends a request; its id, or 0 with errno. */
static uint32_t spawn_send(const char *label, const char *path, char *const argv[],
			   char *const envp[], const char *input, unsigned flags)
{
	int slot = spawn_find(0);
	if (sp.fd < 0 || slot < 0) {
		errno = sp.fd < 0 ? ENOTCONN : EAGAIN;
		return 0;
	}
	uint32_t id = spawn_next_id();
	ssize_t n = spawn_req_build(sp.buf, sizeof(sp.buf), id, flags, path, argv, envp, input);
	if (n < 0) {
		errno = EMSGSIZE;
		return 0;
	}
	if (send(sp.fd, sp.buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
		return 0;
	sp.pend[slot].id = id;
	snprintf(sp.pend[slot].label, sizeof(sp.pend[slot].label), "%s", label);
	return id;
}

int spawn_run(const char *label, const char *path, char *const argv[], char *const envp[],
	      unsigned flags)
{
	return spawn_send(label, path, argv, envp, NULL, flags) ? 0 : -1;
}

/* Without a spawner: fork and exec here, and wait. */
static int spawn_run_here(const char *path, char *const argv[], const char *input,
			  unsigned flags, int *status)
{
	int pfd[2];
	char *envp[] = { (char *)(uintptr_t)SPAWN_PATH_ENV, NULL };
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0)
		spawn_child_exec(path, argv, envp, pfd[0], flags);
	close(pfd[0]);
	if (pid > 0 && input && write(pfd[1], input, strlen(input)) < 0)
		log_warn("spawner: writing to %s", path);
	close(pfd[1]);
	if (pid < 0)
		return -1;
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int64_t spawn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int spawn_left_ms(int64_t end)
{
	int64_t left = end - spawn_now_ms();
	return left > 0 ? (int)left : 0;
}

/* Reads reports until the one for request id: with is_file its file report, else the end of
 * its run (a report of any kind but STARTED or FILE). Other reports are handled meanwhile.
 * 0 with *rep, or -1/errno (ETIMEDOUT at end, ENOTCONN when the spawner is gone). */
static int spawn_wait_reply(uint32_t id, bool is_file, int64_t end, struct spawn_rep *rep)
{
	for (;;) {
		struct pollfd p = { .fd = sp.fd, .events = POLLIN };
		int left = spawn_left_ms(end);
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -1;
		int rc = spawn_read_one(rep);
		if (rc < 0) {
			errno = ENOTCONN;
			return -1;
		}
		if (rc == 0 || rep->id != id)
			continue;
		if (is_file ? rep->kind == SPAWN_REP_FILE
			    : rep->kind != SPAWN_REP_STARTED && rep->kind != SPAWN_REP_FILE)
			return 0;
	}
}

int spawn_run_wait(const char *label, const char *path, char *const argv[], char *const envp[],
		   const char *input, unsigned flags, int timeout_ms, int *status)
{
	if (sp.fd < 0 && sp.pid < 0)
		return spawn_run_here(path, argv, input, flags, status);
	uint32_t id = spawn_send(label, path, argv, envp, input, flags);
	if (!id)
		return -1;
	struct spawn_rep r;
	if (spawn_wait_reply(id, false, spawn_now_ms() + timeout_ms, &r) < 0)
		return -1;
	if (r.kind == SPAWN_REP_FAILED) {
		errno = r.err;
		return -1;
	}
	*status = r.status;
	return 0;
}

/* ---------------------------------------------------------------- host files */

/* Sends msg[len], reading (and logging) reports meanwhile so that neither side waits on the
 * other with a full socket. 0, or -1/errno. */
static int spawn_send_file(const uint8_t *msg, size_t len, int64_t end)
{
	for (;;) {
		struct spawn_rep r;
		struct pollfd p = { .fd = sp.fd, .events = POLLIN | POLLOUT };
		int left = spawn_left_ms(end);
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return -1;
		if ((p.revents & POLLIN) && spawn_read_one(&r) < 0) {
			errno = ENOTCONN;
			return -1;
		}
		if (!(p.revents & POLLOUT))
			continue;
		if (send(sp.fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

ssize_t spawn_file_call(struct spawn_file_view *v, char *out, size_t cap, struct stat *st)
{
	int64_t end = spawn_now_ms() + SPAWN_FILE_TIMEOUT_MS;
	if (sp.fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	v->id = spawn_next_id();
	ssize_t n = spawn_file_req_build(sp.buf, sizeof(sp.buf), v);
	if (n < 0) {
		errno = EMSGSIZE;
		return -1;
	}
	struct spawn_rep r;
	if (spawn_send_file(sp.buf, (size_t)n, end) < 0 ||
	    spawn_wait_reply(v->id, true, end, &r) < 0)
		return -1;
	int fd = sp.rfd;
	sp.rfd = -1;
	if (v->op == SPAWN_FILE_OPEN_DEV && sp.frep.ret == 0) {
		errno = EIO;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	if (sp.frep.ret < 0 || sp.frep.size >= cap) {
		errno = sp.frep.ret < 0 ? sp.frep.err : EFBIG;
		return -1;
	}
	if (out) {
		memcpy(out, sp.rbuf + sizeof(sp.frep), sp.frep.size);
		out[sp.frep.size] = 0;
	}
	if (st) {
		memset(st, 0, sizeof(*st));
		st->st_mode = sp.frep.mode;
		st->st_uid = sp.frep.uid;
		st->st_gid = sp.frep.gid;
		st->st_size = sp.frep.size;
	}
	return sp.frep.ret;
}

static bool spawn_file_owns(const char *path)
{
	for (unsigned i = 0; i < sp.n_files; i++)
		if (!strcmp(sp.files[i], path))
			return true;
	return false;
}

static ssize_t spawn_file_read(const char *path, char *buf, size_t cap, struct stat *st)
{
	size_t c = cap < SPAWN_FILE_DATA_MAX ? cap : SPAWN_FILE_DATA_MAX;
	struct spawn_file_view v = { .op = SPAWN_FILE_READ, .path = path, .arg = "",
				     .cap = (uint32_t)c };
	return spawn_file_call(&v, buf, cap, st);
}

static int spawn_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			      uid_t uid, gid_t gid)
{
	struct spawn_file_view v = { .op = SPAWN_FILE_REPLACE, .path = path, .arg = "",
				     .data = data, .data_len = len, .mode = mode & 07777,
				     .uid = (uint32_t)uid, .gid = (uint32_t)gid };
	if (uid == (uid_t)-1)
		v.gid = 0;
	return (int)spawn_file_call(&v, NULL, 1, NULL);
}

/* An operation on path alone (arg: SYMLINK's text, RMDIRS's directory, else ""). */
static int spawn_file_simple(enum spawn_file_op op, const char *path, const char *arg)
{
	struct spawn_file_view v = { .op = op, .path = path, .arg = arg };
	return (int)spawn_file_call(&v, NULL, 1, NULL);
}

static int spawn_file_symlink(const char *path, const char *target)
{
	return spawn_file_simple(SPAWN_FILE_SYMLINK, path, target);
}

static int spawn_file_remove(const char *path)
{
	return spawn_file_simple(SPAWN_FILE_REMOVE, path, "");
}

static void spawn_file_drop_tmp(const char *path)
{
	spawn_file_simple(SPAWN_FILE_DROP_TMP, path, "");
}

static int spawn_file_mkdirs(const char *path)
{
	return spawn_file_simple(SPAWN_FILE_MKDIRS, path, "");
}

static void spawn_file_rmdirs(const char *path, const char *made)
{
	spawn_file_simple(SPAWN_FILE_RMDIRS, path, made);
}

static int spawn_file_open_dev(const char *path)
{
	struct spawn_file_view v = { .op = SPAWN_FILE_OPEN_DEV, .path = path, .arg = "" };
	return (int)spawn_file_call(&v, NULL, 1, NULL);
}

const struct hostcfg_file_broker spawn_file_broker = {
	.owns = spawn_file_owns,
	.read = spawn_file_read,
	.replace = spawn_file_replace,
	.replace_symlink = spawn_file_symlink,
	.remove = spawn_file_remove,
	.drop_tmp = spawn_file_drop_tmp,
	.mkdirs = spawn_file_mkdirs,
	.rmdirs = spawn_file_rmdirs,
	.open_dev = spawn_file_open_dev,
};

void spawn_stop(void)
{
	if (sp.fd < 0)
		return;
	if (sp.loop)
		loop_del_fd(sp.loop, sp.fd);
	sp.loop = NULL;
	sp.stopping = true;
	/* The spawner reads what is queued, then the EOF, and exits; its end closes with it. */
	shutdown(sp.fd, SHUT_WR);
	int64_t end = spawn_now_ms() + 2000;
	for (;;) {
		struct spawn_rep r;
		int left = (int)(end - spawn_now_ms());
		struct pollfd p = { .fd = sp.fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		if (spawn_read_one(&r) < 0)
			break; /* EOF: spawn_lost closed sp.fd */
	}
	if (sp.fd >= 0) {
		log_warnx("spawner: still running 2 s after the daemon's EOF");
		close(sp.fd);
		sp.fd = -1;
		waitpid(sp.pid, NULL, WNOHANG);
		return;
	}
	/* Its socket closed as it exited (no program it runs holds it: close-on-exec): reap it
	 * now rather than leave a zombie to whoever inherits it. ECHILD: SIGCHLD's handler did. */
	while (waitpid(sp.pid, NULL, 0) < 0 && errno == EINTR) {
	}
}
