/* Control socket server; see ctl.h. Only root (SO_PEERCRED uid 0) may talk to it, and no client
 * can stall the daemon's loop: sockets are non-blocking, a request is reassembled from whatever
 * pieces arrive (ctl_frame), and the answer is written as the client takes it (EPOLLOUT).
 * Clients sit on an epoll set of their own, one fd in the daemon's loop, so they never use up
 * the loop's fd slots. Limits (each drop is counted, see ctl_server_status_json):
 *   CTL_MAX_CLIENTS 256  at once; a new client evicts the longest idle one (the newest is
 *                        likely the administrator's `v6link status`; refusing it would not be)
 *   CTL_IDLE_MS 60 s     without progress (request bytes in, answer bytes out): closed
 *   CTL_OUT_MAX 64 KiB   of an answer that the socket would not take: the client is dropped
 *   CTL_REQ_MAX 256 B    request line without a newline (ctl_proto.h): "error", closed
 *   listen backlog SOMAXCONN (capped by net.core.somaxconn). */
#include "ctl.h"

#include "core/clock.h"
#include "core/log.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_MAX_CLIENTS 256u
#define CTL_IDLE_MS 60000u
#define CTL_OUT_MAX (64u * 1024u)
/* Accepts and client events handled per wake, so that a connect storm or a flood shares the
 * loop with the PPP session (the rest stays ready and is served on the next turn). */
#define CTL_BURST 32
/* Out of fds with no client to evict: accepting pauses this long rather than spin. */
#define CTL_ACCEPT_PAUSE_MS 100u
/* epoll data of the listening socket; a client's is its slot and generation. */
#define CTL_LISTEN_TAG UINT64_MAX
#define CTL_LOG_PER_S 10u

struct ctl_client {
	int fd;                 /* -1: the slot is free */
	uint32_t gen;           /* tells a stale event of an earlier client in this slot */
	bool is_root;           /* SO_PEERCRED uid 0: anyone else only hears "permission denied" */
	bool is_writing;        /* the request is served; out holds the rest of the answer */
	uint64_t active_ms;     /* last progress */
	char *out;
	size_t out_len, out_off;
	struct ctl_frame in;
};

struct ctl_server {
	struct loop *loop;
	int fd, epfd;
	char path[108];
	ctl_handler handler;
	void *ctx;
	struct loop_timer idle_timer, accept_timer;
	unsigned n_clients;
	uint64_t warned_ms, log_s;
	unsigned n_logged, n_log_quiet;
	uint64_t n_accepted, n_requests, n_handed_off;
	uint64_t n_evicted, n_idle, n_slow, n_too_long, n_denied;
	struct ctl_client clients[CTL_MAX_CLIENTS];
};

static uint64_t ctl_tag(const struct ctl_server *s, const struct ctl_client *c)
{
	return (uint64_t)c->gen << 32 | (uint64_t)(c - s->clients);
}

static int ctl_watch(struct ctl_server *s, struct ctl_client *c, int op, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = ctl_tag(s, c) };
	return epoll_ctl(s->epfd, op, c->fd, &ev);
}

/* Frees the slot; the fd is closed unless the handler took it over. */
static void ctl_client_end(struct ctl_server *s, struct ctl_client *c, bool is_handed_off)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (!is_handed_off)
		close(c->fd);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	c->fd = -1;
	c->is_writing = false;
	s->n_clients--;
}

/* At most CTL_LOG_PER_S drops a second are logged, so that a flood does not flood the log. */
static bool ctl_log_ok(struct ctl_server *s, uint64_t now)
{
	if (now / 1000u != s->log_s) {
		if (s->n_log_quiet)
			log_debug(LOGC_CTL, "ctl: %u more client drops not logged (counted)",
				  s->n_log_quiet);
		s->log_s = now / 1000u;
		s->n_logged = s->n_log_quiet = 0;
	}
	if (s->n_logged < CTL_LOG_PER_S) {
		s->n_logged++;
		return true;
	}
	s->n_log_quiet++;
	return false;
}

static void ctl_client_drop(struct ctl_server *s, struct ctl_client *c, uint64_t *counter,
			    const char *why, uint64_t now)
{
	if (ctl_log_ok(s, now))
		log_debug(LOGC_CTL, "ctl: client fd %d dropped: %s", c->fd, why);
	(*counter)++;
	ctl_client_end(s, c, false);
}

static struct ctl_client *ctl_longest_idle(struct ctl_server *s)
{
	struct ctl_client *old = NULL;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &s->clients[i];
		if (c->fd >= 0 && (!old || c->active_ms < old->active_ms))
			old = c;
	}
	return old;
}

/* Sends what the socket takes; 1 while some is left, 0 when done or the client is gone (the
 * slot is then free). Only CTL_OUT_MAX of an answer is kept beyond what the socket took. */
static int ctl_flush(struct ctl_server *s, struct ctl_client *c, uint64_t now)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += (size_t)n;
			c->active_ms = now;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			ctl_client_end(s, c, false);    /* the client went away */
			return 0;
		}
		size_t left = c->out_len - c->out_off;
		if (left > CTL_OUT_MAX) {
			ctl_client_drop(s, c, &s->n_slow, "does not read its answer", now);
			return 0;
		}
		if (c->out_off) {
			/* Keep only the unsent part. */
			memmove(c->out, c->out + c->out_off, left);
			char *shrunk = realloc(c->out, left);
			c->out = shrunk ? shrunk : c->out;
			c->out_len = left;
			c->out_off = 0;
		}
		return 1;
	}
	ctl_client_end(s, c, false);
	return 0;
}

/* Queues the answer buf[0..len) (taking buf, malloc'd; NULL: out of memory) and starts sending. */
static void ctl_answer(struct ctl_server *s, struct ctl_client *c, char *buf, size_t len,
		       uint64_t now)
{
	if (!buf) {
		ctl_client_end(s, c, false);
		return;
	}
	c->out = buf;
	c->out_len = len;
	c->out_off = 0;
	c->is_writing = true;
	/* EPOLLOUT only: a half-closed client's EPOLLRDHUP would wake the loop until it reads. */
	if (ctl_flush(s, c, now) == 1 && ctl_watch(s, c, EPOLL_CTL_MOD, EPOLLOUT) < 0)
		ctl_client_end(s, c, false);
}

static void ctl_answer_error(struct ctl_server *s, struct ctl_client *c, const char *msg,
			     uint64_t now)
{
	struct strbuf e;
	sb_init(&e);
	sb_printf(&e, "error %s\n", msg);
	if (e.oom)
		sb_free(&e);
	ctl_answer(s, c, e.s, e.len, now);
}

/* Serves c's complete request line. */
static void ctl_serve(struct ctl_server *s, struct ctl_client *c, uint64_t now)
{
	char err[256] = "";
	struct ctl_req req;
	struct strbuf out;
	if (!c->is_root) {
		/* Refused once its request is in, so that the client reads the reason rather than
		 * meeting a closed socket when it sends. */
		s->n_denied++;
		ctl_answer_error(s, c, "permission denied: root only", now);
		return;
	}
	sb_init(&out);
	s->n_requests++;
	int rc = ctl_parse_req(c->in.line, c->in.len, &req, err, sizeof(err));
	req.stream_fd = c->fd;
	if (rc == 0) {
		/* Nothing more is read from c: the handler may hand its fd to another reader. */
		ctl_watch(s, c, EPOLL_CTL_MOD, 0);
		rc = s->handler(s->ctx, &req, &out, err, sizeof(err));
	}
	if (rc == 1) {
		/* A trace reader: the handler queued "ok" ahead of the stream itself. */
		s->n_handed_off++;
		ctl_client_end(s, c, true);
	} else if (rc == 0) {
		char *buf = out.oom ? NULL : malloc(3 + out.len);
		if (buf) {
			memcpy(buf, "ok\n", 3);
			if (out.len)
				memcpy(buf + 3, out.s, out.len);
		}
		ctl_answer(s, c, buf, 3 + out.len, now);
	} else {
		ctl_answer_error(s, c, err, now);
	}
	sb_free(&out);
}

static void ctl_on_readable(struct ctl_server *s, struct ctl_client *c, uint64_t now)
{
	uint8_t buf[CTL_REQ_MAX];
	ssize_t n = recv(c->fd, buf, ctl_frame_room(&c->in), MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			ctl_client_end(s, c, false);
		return;
	}
	c->active_ms = now;
	if (n == 0) {
		/* A request cut short is never run ("up dsl2" could have become "up dsl"). */
		if (c->in.len)
			ctl_answer_error(s, c, "request cut short: no newline before end of input",
					 now);
		else
			ctl_client_end(s, c, false);
		return;
	}
	ctl_frame_feed(&c->in, buf, (size_t)n);
	if (c->in.state == CTL_FRAME_LINE) {
		ctl_serve(s, c, now);
	} else if (c->in.state == CTL_FRAME_TOO_LONG) {
		s->n_too_long++;
		if (ctl_log_ok(s, now))
			log_debug(LOGC_CTL, "ctl: client fd %d: no newline in %u bytes", c->fd,
				  (unsigned)CTL_REQ_MAX);
		ctl_answer_error(s, c, "request too long or not text", now);
	}
}

static void ctl_arm_idle(struct ctl_server *s)
{
	struct ctl_client *old = ctl_longest_idle(s);
	loop_timer_set(s->loop, &s->idle_timer, old ? old->active_ms + CTL_IDLE_MS : V6L_NEVER);
}

static void ctl_on_idle_timer(void *arg, uint64_t now)
{
	struct ctl_server *s = arg;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &s->clients[i];
		if (c->fd >= 0 && now - c->active_ms >= CTL_IDLE_MS)
			ctl_client_drop(s, c, &s->n_idle, "idle for 60 s", now);
	}
	ctl_arm_idle(s);
}

static bool ctl_peer_is_root(int fd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 && cred.uid == 0;
}

/* Takes a slot for fd (evicting the longest idle client when all are taken). */
static void ctl_client_add(struct ctl_server *s, int fd, bool is_root, uint64_t now)
{
	struct ctl_client *c = NULL;
	if (s->n_clients == CTL_MAX_CLIENTS)
		ctl_client_drop(s, ctl_longest_idle(s), &s->n_evicted, "evicted for a new client",
				now);
	for (unsigned i = 0; i < CTL_MAX_CLIENTS && !c; i++)
		if (s->clients[i].fd < 0)
			c = &s->clients[i];
	c->fd = fd;
	c->gen++;
	c->is_root = is_root;
	c->active_ms = now;
	ctl_frame_init(&c->in);
	s->n_clients++;
	s->n_accepted++;
	if (ctl_watch(s, c, EPOLL_CTL_ADD, EPOLLIN | EPOLLRDHUP) < 0) {
		log_warn("ctl: epoll");
		ctl_client_end(s, c, false);
		return;
	}
	if (s->idle_timer.heap_idx == LOOP_TIMER_IDLE)
		ctl_arm_idle(s);
}

/* Out of fds: the longest idle client makes room, or accepting pauses for a moment. Returns
 * true when accept may be retried now. */
static bool ctl_on_no_fds(struct ctl_server *s, uint64_t now)
{
	struct ctl_client *old = ctl_longest_idle(s);
	if (old) {
		ctl_client_drop(s, old, &s->n_evicted, "evicted: out of file descriptors",
				now);
		return true;
	}
	if (now - s->warned_ms >= 10000u) {
		log_warn("ctl: accept (pausing %u ms; said at most every 10 s)",
			 CTL_ACCEPT_PAUSE_MS);
		s->warned_ms = now;
	}
	struct epoll_event ev = { .events = 0, .data.u64 = CTL_LISTEN_TAG };
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->fd, &ev);
	loop_timer_set(s->loop, &s->accept_timer, now + CTL_ACCEPT_PAUSE_MS);
	return false;
}

static void ctl_on_accept_timer(void *arg, uint64_t now)
{
	struct ctl_server *s = arg;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = CTL_LISTEN_TAG };
	(void)now;
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

static void ctl_on_accept(struct ctl_server *s, uint64_t now)
{
	for (int i = 0; i < CTL_BURST; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			     errno == ENOMEM) && ctl_on_no_fds(s, now))
				continue;
			return;
		}
		ctl_client_add(s, fd, ctl_peer_is_root(fd), now);
	}
}

/* The control clients' epoll set is ready: serves up to CTL_BURST events. */
static void ctl_on_events(void *arg, int fd, uint32_t events)
{
	struct ctl_server *s = arg;
	struct epoll_event evs[CTL_BURST];
	(void)events;
	int n = epoll_wait(fd, evs, CTL_BURST, 0);
	uint64_t now = clock_now_ms();
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		if (tag == CTL_LISTEN_TAG) {
			ctl_on_accept(s, now);
			continue;
		}
		struct ctl_client *c = &s->clients[(uint32_t)tag];
		if (c->fd < 0 || c->gen != (uint32_t)(tag >> 32))
			continue;    /* closed or replaced earlier in this batch */
		if (c->is_writing)
			ctl_flush(s, c, now);
		else
			ctl_on_readable(s, c, now);
	}
}

void ctl_server_status_json(const struct ctl_server *s, struct strbuf *out)
{
	sb_printf(out, "\"control\":{\"clients\":%u,\"max_clients\":%u,\"accepted\":%llu,"
		  "\"requests\":%llu,\"trace_handoffs\":%llu,\"drops\":{\"evicted\":%llu,"
		  "\"idle\":%llu,\"slow_reader\":%llu,\"too_long\":%llu,\"denied\":%llu}}",
		  s->n_clients, CTL_MAX_CLIENTS, (unsigned long long)s->n_accepted,
		  (unsigned long long)s->n_requests, (unsigned long long)s->n_handed_off,
		  (unsigned long long)s->n_evicted, (unsigned long long)s->n_idle,
		  (unsigned long long)s->n_slow, (unsigned long long)s->n_too_long,
		  (unsigned long long)s->n_denied);
}

static int ctl_someone_listens(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return r;
}

/* Binds and listens on sa, with the clients' epoll set in the loop. */
static int ctl_server_listen(struct ctl_server *s, const struct sockaddr_un *sa)
{
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		goto fail_fd;
	mode_t old = umask(0077);
	int br = bind(s->fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = CTL_LISTEN_TAG };
	if (br < 0 || listen(s->fd, SOMAXCONN) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0 ||
	    loop_add_fd(s->loop, s->epfd, EPOLLIN, ctl_on_events, s) < 0)
		goto fail_ep;
	return 0;
fail_ep:
	close(s->epfd);
fail_fd:
	close(s->fd);
	return -1;
}

struct ctl_server *ctl_server_new(struct loop *l, const char *path, ctl_handler h, void *ctx)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("ctl: socket path too long: %s", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	char dir[108];
	strcpy(dir, path);
	mkdir(dirname(dir), 0755);
	if (ctl_someone_listens(&sa)) {
		log_warnx("ctl: another v6link daemon already answers on %s", path);
		return NULL;
	}
	unlink(path);
	struct ctl_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->loop = l;
	s->handler = h;
	s->ctx = ctx;
	strcpy(s->path, path);
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	loop_timer_init(&s->idle_timer, ctl_on_idle_timer, s);
	loop_timer_init(&s->accept_timer, ctl_on_accept_timer, s);
	if (ctl_server_listen(s, &sa) < 0) {
		log_warn("ctl: cannot listen on %s", path);
		free(s);
		return NULL;
	}
	return s;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			ctl_client_end(s, &s->clients[i], false);
	loop_timer_stop(s->loop, &s->idle_timer);
	loop_timer_stop(s->loop, &s->accept_timer);
	loop_del_fd(s->loop, s->epfd);
	close(s->epfd);
	close(s->fd);
	unlink(s->path);
	free(s);
}
