/* Control socket server; see ctl.h. Only root (SO_PEERCRED uid 0) may talk to it. */
#include "ctl.h"

#include "core/log.h"

#include <errno.h>
#include <stdbool.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

struct ctl_server {
	struct loop *loop;
	int fd;
	char path[108];
	ctl_handler handler;
	void *ctx;
};

static void ctl_write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Returns true when the handler kept fd (a trace reader). */
static bool ctl_serve_one(struct ctl_server *s, int fd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char line[256], err[256] = "";
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != 0) {
		ctl_write_all(fd, "error permission denied: root only\n", 35);
		return false;
	}
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t n = recv(fd, line, sizeof(line) - 1, 0);
	if (n <= 0)
		return false;
	struct ctl_req req;
	struct strbuf out;
	sb_init(&out);
	int rc = ctl_parse_req(line, (size_t)n, &req, err, sizeof(err));
	req.stream_fd = fd;
	if (rc == 0)
		rc = s->handler(s->ctx, &req, &out, err, sizeof(err));
	if (rc == 1) {
		/* A trace reader: the handler queued "ok" ahead of the stream itself. */
	} else if (rc == 0) {
		ctl_write_all(fd, "ok\n", 3);
		if (out.s)
			ctl_write_all(fd, out.s, out.len);
	} else {
		struct strbuf e;
		sb_init(&e);
		sb_printf(&e, "error %s\n", err);
		if (e.s)
			ctl_write_all(fd, e.s, e.len);
		sb_free(&e);
	}
	sb_free(&out);
	return rc == 1;
}

static void ctl_on_accept(void *arg, int fd, uint32_t ev)
{
	struct ctl_server *s = arg;
	(void)ev;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (!ctl_serve_one(s, c))
		close(c);
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
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		goto fail_free;
	mode_t old = umask(0077);
	int br = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (br < 0 || listen(s->fd, 8) < 0 || loop_add_fd(l, s->fd, EPOLLIN, ctl_on_accept, s) < 0) {
		log_warn("ctl: cannot listen on %s", path);
		goto fail_close;
	}
	return s;
fail_close:
	close(s->fd);
fail_free:
	free(s);
	return NULL;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	loop_del_fd(s->loop, s->fd);
	close(s->fd);
	unlink(s->path);
	free(s);
}
