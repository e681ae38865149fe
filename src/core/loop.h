/* Single-threaded control loop: epoll for fds, one timerfd for a min-heap of deadline timers,
 * signalfd for signals (nothing runs in a signal handler). */
#ifndef V6L_LOOP_H
#define V6L_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

typedef void (*loop_fd_cb)(void *arg, int fd, uint32_t events);
typedef void (*loop_timer_cb)(void *arg, uint64_t now_ms);
typedef void (*loop_signal_cb)(void *arg, int signo);

/* A timer owned by the caller (embed it); armed while heap_idx != LOOP_TIMER_IDLE. */
#define LOOP_TIMER_IDLE SIZE_MAX
struct loop_timer {
	uint64_t deadline_ms;
	size_t heap_idx;
	loop_timer_cb cb;
	void *arg;
};

struct loop *loop_new(void);
void loop_free(struct loop *l);
/* fd stays owned by the caller; remove it with loop_del_fd before closing it. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
void loop_del_fd(struct loop *l, int fd);
void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg);
/* Arms (or re-arms) t for an absolute monotonic deadline; V6L_NEVER disarms it. */
void loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t deadline_ms);
void loop_timer_stop(struct loop *l, struct loop_timer *t);
/* Blocks signo and delivers it through the loop. */
int loop_add_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg);
/* Runs until loop_stop(); returns 0, or -1 on an epoll failure. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
