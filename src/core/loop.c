/* epoll + timerfd + signalfd control loop; timers are a binary min-heap of deadlines. */
#include "loop.h"

#include "clock.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOOP_MAX_FDS 64
#define LOOP_MAX_SIGS 8

struct loop_fd {
	int fd;
	loop_fd_cb cb;
	void *arg;
};

struct loop_sig {
	int signo;
	loop_signal_cb cb;
	void *arg;
};

struct loop {
	int epfd, tfd, sfd;
	bool stop;
	struct loop_fd fds[LOOP_MAX_FDS];
	size_t n_fds;
	struct loop_timer **heap;
	size_t n_heap, cap_heap;
	struct loop_sig sigs[LOOP_MAX_SIGS];
	size_t n_sigs;
	sigset_t sigmask;
	uint64_t armed_ms;
};

static void loop_on_timerfd(void *arg, int fd, uint32_t ev);
static void loop_on_signalfd(void *arg, int fd, uint32_t ev);

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->armed_ms = V6L_NEVER;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		goto fail_free;
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->tfd < 0)
		goto fail_ep;
	l->sfd = -1;
	if (loop_add_fd(l, l->tfd, EPOLLIN, loop_on_timerfd, l) < 0)
		goto fail_tfd;
	return l;
fail_tfd:
	close(l->tfd);
fail_ep:
	close(l->epfd);
fail_free:
	free(l);
	return NULL;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->sfd >= 0)
		close(l->sfd);
	close(l->tfd);
	close(l->epfd);
	free(l->heap);
	free(l);
}

static struct loop_fd *loop_find(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->n_fds; i++)
		if (l->fds[i].fd == fd)
			return &l->fds[i];
	return NULL;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	if (l->n_fds == LOOP_MAX_FDS) {
		errno = ENOSPC;
		return -1;
	}
	/* The slot index is stable until deletion; epoll carries the fd itself. */
	struct epoll_event ev = { .events = events, .data.fd = fd };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	l->fds[l->n_fds++] = (struct loop_fd){ fd, cb, arg };
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void loop_del_fd(struct loop *l, int fd)
{
	struct loop_fd *f = loop_find(l, fd);
	if (!f)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	*f = l->fds[--l->n_fds];
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg)
{
	t->deadline_ms = V6L_NEVER;
	t->heap_idx = LOOP_TIMER_IDLE;
	t->cb = cb;
	t->arg = arg;
}

static void heap_swap(struct loop *l, size_t a, size_t b)
{
	struct loop_timer *t = l->heap[a];
	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->heap_idx = a;
	l->heap[b]->heap_idx = b;
}

static void heap_up(struct loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (l->heap[p]->deadline_ms <= l->heap[i]->deadline_ms)
			break;
		heap_swap(l, i, p);
		i = p;
	}
}

static void heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t a = 2 * i + 1, b = a + 1, m = i;
		if (a < l->n_heap && l->heap[a]->deadline_ms < l->heap[m]->deadline_ms)
			m = a;
		if (b < l->n_heap && l->heap[b]->deadline_ms < l->heap[m]->deadline_ms)
			m = b;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

static void loop_rearm(struct loop *l)
{
	uint64_t want = l->n_heap ? l->heap[0]->deadline_ms : V6L_NEVER;
	if (want == l->armed_ms)
		return;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (want != V6L_NEVER) {
		/* 0 would disarm the timerfd, so an overdue deadline becomes 1 ns. */
		its.it_value.tv_sec = (time_t)(want / 1000);
		its.it_value.tv_nsec = (long)(want % 1000) * 1000000L;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->armed_ms = want;
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	if (t->heap_idx == LOOP_TIMER_IDLE)
		return;
	size_t i = t->heap_idx;
	size_t last = --l->n_heap;
	if (i != last) {
		heap_swap(l, i, last);
		heap_down(l, i);
		heap_up(l, i);
	}
	t->heap_idx = LOOP_TIMER_IDLE;
	t->deadline_ms = V6L_NEVER;
	loop_rearm(l);
}

void loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t deadline_ms)
{
	if (deadline_ms == V6L_NEVER) {
		loop_timer_stop(l, t);
		return;
	}
	if (t->heap_idx == LOOP_TIMER_IDLE) {
		if (l->n_heap == l->cap_heap) {
			size_t cap = l->cap_heap ? l->cap_heap * 2 : 16;
			struct loop_timer **h = realloc(l->heap, cap * sizeof(*h));
			if (!h)
				log_fatalx("loop: out of memory for timers");
			l->heap = h;
			l->cap_heap = cap;
		}
		t->heap_idx = l->n_heap;
		l->heap[l->n_heap++] = t;
		t->deadline_ms = deadline_ms;
		heap_up(l, t->heap_idx);
	} else {
		t->deadline_ms = deadline_ms;
		heap_down(l, t->heap_idx);
		heap_up(l, t->heap_idx);
	}
	loop_rearm(l);
}

static void loop_on_timerfd(void *arg, int fd, uint32_t ev)
{
	struct loop *l = arg;
	uint64_t n;
	(void)ev;
	while (read(fd, &n, sizeof(n)) > 0) {
	}
	l->armed_ms = V6L_NEVER;
	uint64_t now = clock_now_ms();
	while (l->n_heap && l->heap[0]->deadline_ms <= now) {
		struct loop_timer *t = l->heap[0];
		loop_timer_stop(l, t);
		t->cb(t->arg, now);
	}
	loop_rearm(l);
}

static void loop_on_signalfd(void *arg, int fd, uint32_t ev)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;
	(void)ev;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (size_t i = 0; i < l->n_sigs; i++)
			if (l->sigs[i].signo == (int)si.ssi_signo)
				l->sigs[i].cb(l->sigs[i].arg, (int)si.ssi_signo);
	}
}

int loop_add_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	if (l->n_sigs == LOOP_MAX_SIGS) {
		errno = ENOSPC;
		return -1;
	}
	sigaddset(&l->sigmask, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigmask, NULL) < 0)
		return -1;
	int fd = signalfd(l->sfd, &l->sigmask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -1;
	if (l->sfd < 0) {
		l->sfd = fd;
		if (loop_add_fd(l, fd, EPOLLIN, loop_on_signalfd, l) < 0)
			return -1;
	}
	l->sigs[l->n_sigs++] = (struct loop_sig){ signo, cb, arg };
	return 0;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[16];
	l->stop = false;
	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			struct loop_fd *f = loop_find(l, evs[i].data.fd);
			if (f)
				f->cb(f->arg, f->fd, evs[i].events);
		}
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
