/* The connection's trace (issue #6): a pcapng file in trace_dir (one per connection and start,
 * rotated) and live readers of `v6link trace`. Interfaces: "events" (state changes), the
 * Ethernet adapter as on the wire (802.1Q tags re-inserted) and, in router mode, the adapter's
 * IPv6 control packets as raw IP. What is traced follows func_trace: 0 state changes, 1 also
 * control frames, 2 also data. Secrets are masked by the trace encoder; a slow reader loses
 * blocks (counted, and noted in its stream), it never stalls the daemon or the data path. */
#include "engine/conn_trace.h"

#include "core/clock.h"
#include "core/log.h"
#include "dataplane/dp_wire.h"
#include "engine/conn_priv.h"
#include "trace/pcapng.h"
#include "trace/trace_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_TRACE_MAX_BYTES (32u * 1024 * 1024) /* per file, then rotate */
#define CONN_TRACE_KEEP 5                        /* files per connection */
#define CONN_TRACE_FLUSH_MS 500u
#define CONN_READER_BUF (4u * 1024 * 1024)       /* per live reader */

static uint64_t conn_trace_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

unsigned conn_trace_level(const struct conn *c)
{
	unsigned l = c->cfg.param ? c->cfg.param->func_trace : 0;
	/* A live reader wants to see the protocol exchanges even at func_trace=0. */
	return c->tr.n_readers && l < 1 ? 1 : l;
}

/* --- live readers --- */

static void conn_reader_del(struct conn *c, unsigned i)
{
	struct conn_reader *r = &c->tr.readers[i];
	loop_del_fd(c->loop, r->fd);
	close(r->fd);
	free(r->buf);
	log_info("trace[%s]: live reader left (%llu block(s) dropped)", c->cfg.name,
		 (unsigned long long)r->n_dropped);
	*r = c->tr.readers[--c->tr.n_readers];
	if (conn_dp(c))
		dp_set_tap_data(conn_dp(c), conn_trace_level(c) >= 2);
}

static int conn_reader_flush(struct conn_reader *r)
{
	while (r->len) {
		ssize_t w = send(r->fd, r->buf, r->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		memmove(r->buf, r->buf + w, r->len - (size_t)w);
		r->len -= (size_t)w;
	}
	return 0;
}

static void conn_reader_append(struct conn_reader *r, const uint8_t *blk, size_t len)
{
	if (r->len + len > CONN_READER_BUF) {
		r->n_dropped++;
		r->n_pending_drops++;
		return;
	}
	memcpy(r->buf + r->len, blk, len);
	r->len += len;
}

static void conn_reader_note_drops(struct conn *c, struct conn_reader *r)
{
	uint8_t blk[512];
	struct wcur w = wcur_init(blk, sizeof(blk));
	char text[128];
	if (!r->n_pending_drops || r->len + sizeof(blk) > CONN_READER_BUF)
		return;
	snprintf(text, sizeof(text), "trace: %llu block(s) dropped for this slow reader",
		 (unsigned long long)r->n_pending_drops);
	if (trace_stream_event(trace_file_stream(c->tr.tf), &w, conn_trace_now_ns(), text) > 0) {
		conn_reader_append(r, blk, w.len);
		r->n_pending_drops = 0;
	}
}

static void conn_reader_update_events(struct conn *c, struct conn_reader *r)
{
	loop_mod_fd(c->loop, r->fd, EPOLLIN | EPOLLRDHUP | (r->len ? EPOLLOUT : 0));
}

static void conn_trace_tap(void *arg, const uint8_t *blk, size_t len)
{
	struct conn *c = arg;
	for (unsigned i = 0; i < c->tr.n_readers;) {
		struct conn_reader *r = &c->tr.readers[i];
		conn_reader_note_drops(c, r);
		conn_reader_append(r, blk, len);
		if (conn_reader_flush(r) < 0) {
			conn_reader_del(c, i);
			continue;
		}
		conn_reader_update_events(c, r);
		i++;
	}
}

static void conn_on_reader(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	for (unsigned i = 0; i < c->tr.n_readers; i++) {
		struct conn_reader *r = &c->tr.readers[i];
		if (r->fd != fd)
			continue;
		char b[64];
		/* The reader only ever closes: EOF or an error ends it. */
		if ((ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
		    recv(fd, b, sizeof(b), MSG_DONTWAIT) <= 0 && errno != EAGAIN) {
			conn_reader_del(c, i);
			return;
		}
		if (conn_reader_flush(r) < 0) {
			conn_reader_del(c, i);
			return;
		}
		conn_reader_note_drops(c, r);
		conn_reader_update_events(c, r);
		return;
	}
}

int conn_trace_add_reader(struct conn *c, int fd)
{
	if (!c->tr.tf || c->tr.n_readers == CONN_MAX_READERS) {
		errno = c->tr.tf ? EBUSY : ENOENT;
		return -1;
	}
	struct conn_reader *r = &c->tr.readers[c->tr.n_readers];
	memset(r, 0, sizeof(*r));
	r->buf = malloc(CONN_READER_BUF);
	if (!r->buf)
		return -1;
	r->fd = fd;
	/* The control protocol's status line, then the pcapng stream (ctl.h). */
	memcpy(r->buf, "ok\n", 3);
	struct wcur w = wcur_init(r->buf + 3, CONN_READER_BUF - 3);
	if (trace_stream_header(trace_file_stream(c->tr.tf), &w) < 0 ||
	    loop_add_fd(c->loop, fd, EPOLLIN | EPOLLRDHUP | EPOLLOUT, conn_on_reader, c) < 0) {
		free(r->buf);
		errno = ENOMEM;
		return -1;
	}
	r->len = 3 + w.len;
	c->tr.n_readers++;
	if (conn_dp(c))
		dp_set_tap_data(conn_dp(c), conn_trace_level(c) >= 2);
	log_info("trace[%s]: live reader attached (%u now)", c->cfg.name, c->tr.n_readers);
	conn_trace_event(c, "live trace reader attached");
	return 0;
}

/* --- frames --- */

/* Traces a frame on the adapter as it was on the wire: a received frame's 802.1Q tag, which
 * the kernel strips into auxdata, goes back after the MAC addresses. */
static void conn_trace_wire(struct conn *c, uint64_t ts_ns, bool outbound, const struct dp_wire *w,
			    const char *comment)
{
	uint8_t f[2100];
	int n = dp_wire_rebuild(w->frame, w->len, w->has_vlan, w->tci, f, sizeof(f));
	if (n >= 0)
		trace_file_packet(c->tr.tf, c->tr.tf_eth, ts_ns, outbound, f, (size_t)n, comment);
}

void conn_trace_eth(struct conn *c, bool outbound, const struct dp_wire *w, const char *comment)
{
	if (c->tr.tf && conn_trace_level(c) >= 1)
		conn_trace_wire(c, conn_trace_now_ns(), outbound, w, comment);
}

void conn_trace_ip(struct conn *c, bool outbound, const uint8_t *pkt, size_t len)
{
	if (c->tr.tf && conn_trace_level(c) >= 1)
		trace_file_packet(c->tr.tf, c->tr.tf_ip, conn_trace_now_ns(), outbound, pkt, len, NULL);
}

static void conn_trace_on_data(void *ctx, uint64_t ts_ns, bool outbound, const struct dp_wire *w)
{
	conn_trace_wire(ctx, ts_ns, outbound, w, NULL);
}

void conn_trace_drain(struct conn *c)
{
	if (!c->tr.has_tap || !c->tr.tf)
		return;
	uint64_t lost = dp_tap_drain(conn_dp(c), conn_trace_on_data, c);
	if (lost) {
		c->tr.data_dropped += lost;
		trace_file_event(c->tr.tf, conn_trace_now_ns(), "trace: %llu data frame(s) not traced "
				 "(ring full)", (unsigned long long)lost);
	}
}

static void conn_on_tap_fd(void *arg, int fd, uint32_t ev)
{
	(void)fd;
	(void)ev;
	conn_trace_drain(arg);
}

static void conn_on_trace_timer(void *arg, uint64_t now)
{
	struct conn *c = arg;
	conn_trace_drain(c);
	trace_file_flush(c->tr.tf);
	loop_timer_set(c->loop, &c->tr.timer, now + (c->tr.n_readers ? 50u : CONN_TRACE_FLUSH_MS));
}

/* --- life cycle --- */

void conn_trace_event(struct conn *c, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	if (!c->tr.tf)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	conn_trace_drain(c);
	trace_file_event(c->tr.tf, conn_trace_now_ns(), "%s[%s]: %s", "v6link", c->cfg.name, text);
}

void conn_trace_open(struct conn *c)
{
	const struct cfg_param *p = c->cfg.param;
	if (c->tr.tf)
		return;
	c->tr.tf = trace_file_open(p && p->trace_dir[0] ? p->trace_dir : NULL, c->cfg.name,
				CONN_TRACE_MAX_BYTES, CONN_TRACE_KEEP);
	if (!c->tr.tf) {
		log_warn("trace[%s]: no trace", c->cfg.name);
		return;
	}
	trace_file_set_tap(c->tr.tf, conn_trace_tap, c);
	if (trace_file_path(c->tr.tf))
		log_info("trace[%s]: %s (func_trace=%u)", c->cfg.name, trace_file_path(c->tr.tf),
			 p ? p->func_trace : 0);
	loop_timer_init(&c->tr.timer, conn_on_trace_timer, c);
	loop_timer_set(c->loop, &c->tr.timer, clock_now_ms() + CONN_TRACE_FLUSH_MS);
}

/* The mode's sockets exist: the adapter's interface, the mode's own and the data tap join the
 * trace. */
void conn_trace_mode_open(struct conn *c)
{
	char desc[128];
	if (!c->tr.tf)
		return;
	snprintf(desc, sizeof(desc), "Ethernet adapter of connection %s, as on the wire", c->cfg.name);
	c->tr.tf_eth = (unsigned)trace_file_add_iface(c->tr.tf, PCAPNG_LINKTYPE_ETHERNET,
						      c->lk.eth.name, desc);
	if (c->ops->trace_attach)
		c->ops->trace_attach(c);
	struct dataplane *dp = conn_dp(c);
	if (dp) {
		dp_set_tap_data(dp, conn_trace_level(c) >= 2);
		c->tr.has_tap = loop_add_fd(c->loop, dp_tap_fd(dp), EPOLLIN, conn_on_tap_fd, c) == 0;
	}
	conn_trace_event(c, "mode %s (%s) on %s", conn_mode_name(c->fsm.mode), c->mode_why,
			 c->lk.eth.name);
}

void conn_trace_add_ip_iface(struct conn *c, const char *name, const char *desc)
{
	if (c->tr.tf)
		c->tr.tf_ip = (unsigned)trace_file_add_iface(c->tr.tf, PCAPNG_LINKTYPE_RAW, name, desc);
}

void conn_trace_mode_close(struct conn *c)
{
	if (!c->tr.has_tap)
		return;
	struct dataplane *dp = conn_dp(c);
	dp_set_tap_data(dp, false);
	loop_del_fd(c->loop, dp_tap_fd(dp));
	conn_trace_drain(c);
	c->tr.has_tap = false;
}

void conn_trace_close(struct conn *c)
{
	if (!c->tr.tf)
		return;
	while (c->tr.n_readers)
		conn_reader_del(c, 0);
	conn_trace_mode_close(c);
	loop_timer_stop(c->loop, &c->tr.timer);
	trace_file_close(c->tr.tf);
	c->tr.tf = NULL;
}

/* dump_unknown_frames=1: a frame no component understood, in hex in the log and marked in the
 * trace. */
void conn_trace_unknown(struct conn *c, const char *what, const struct dp_wire *w)
{
	if (!c->cfg.param || !c->cfg.param->dump_unknown_frames)
		return;
	char hex[3 * 128 + 1];
	size_t n = w->len < 128 ? w->len : 128;
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 3 * i, 4, "%02x ", w->frame[i]);
	hex[n ? 3 * n - 1 : 0] = 0;
	log_info("trace[%s]: unknown frame (%s), %zu bytes%s: %s", c->cfg.name, what, w->len,
		 w->len > n ? " (first 128)" : "", hex);
	if (c->tr.tf)
		conn_trace_wire(c, conn_trace_now_ns(), false, w, what);
}
