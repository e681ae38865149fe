/* DNS proxy I/O (issue #5): listeners (UDP, TCP per RFC 7766), upstream sockets (a fresh random
 * port per query, RFC 5452 §9.2; TCP for truncated replies to TCP clients), cache, A synthesis
 * from AAAA and PTR for pool addresses, for the host's own queries only (issue #13). The
 * decisions are the pure parts' (dns_upstream, dns_cache, dns_synth, dns_map, dns_guard); this
 * file moves bytes. No DNSSEC validation, no DoT/DoH. */
#include "dns/dns_proxy.h"

#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/rng.h"
#include "dns/dns_cache.h"
#include "dns/dns_codec.h"
#include "dns/dns_guard.h"
#include "dns/dns_hostaddr.h"
#include "dns/dns_synth.h"
#include "dns/dns_tcp.h"
#include "dns/dns_upstream.h"
#include "hostcfg/dns.h"

#define DP_UP_SLOTS (2 * DNS_PROXY_PENDING_MAX)
#define DP_HALF_MAX DNS_CACHE_MSG_MAX
#define DP_TICK_MS 1000
#define DP_MAP_EXPIRE_MS 10000
#define DP_BATCH 64
#define DP_RX_BATCH 32           /* client datagrams per recvmmsg */
#define DP_RX_BUF 4096           /* a larger client datagram is malformed */
#define DP_TX_BATCH 64           /* UDP answers per sendmmsg */
#define DP_TCP_OUT_MAX (1u << 20)
#define DP_NO_CONN UINT32_MAX
#define DP_HOSTS_RELOAD_MS 10000 /* the host's addresses, reloaded this often */
#define DP_HOSTS_MISS_MS 250     /* ... and at most this often for a refused source */

/* Tags of the private epoll set: kind << 56 | gen << 24 | index. */
enum dp_ev { DP_EV_UDP, DP_EV_LISTEN, DP_EV_CONN, DP_EV_UP, DP_EV_UPTCP };

/* Where a client query came from and how large its answer may be. */
struct dp_src {
	uint32_t conn, conn_gen; /* TCP client connection, or DP_NO_CONN for UDP */
	uint8_t lst;             /* UDP listener */
	socklen_t peer_len;
	struct sockaddr_storage peer;
	uint16_t limit;          /* dns_guard_udp_limit, or DNS_MSG_MAX over TCP */
};

/* A client query in flight; a synthesized A query has two halves (0: A, 1: AAAA). */
struct dp_pending {
	bool is_used, is_synth, is_answered, is_do;
	bool need[2];
	uint32_t gen;
	struct dp_src src;
	uint16_t qlen;
	uint8_t q[DNS_UP_QUERY_MAX];
	uint16_t hlen[2];
	uint8_t half[2][DP_HALF_MAX];
};

struct dp_upslot {
	int fd[2];               /* UDP: [0] IPv4, [1] IPv6; -1 = none */
	int tfd;                 /* TCP, with tcpbuf */
	uint32_t gen;
	uint8_t n_sends, server;
	bool was_tcp;
	int tcpbuf;
};

struct dp_tcpbuf {
	bool is_used, is_connected;
	uint32_t out_len, out_off, in_len;
	uint8_t out[2 + DNS_UP_QUERY_MAX];
	uint8_t in[2 + DNS_MSG_MAX];
};

struct dp_conn {
	int fd;
	uint32_t gen;
	bool is_broken;
	unsigned n_pending;
	uint64_t open_ms, last_ms; /* last_ms: the last whole query or answer */
	socklen_t peer_len;
	struct sockaddr_storage peer;
	uint16_t in_len;
	uint8_t in[2 + DNS_UP_QUERY_MAX];
	uint8_t *out;
	size_t out_len, out_off, out_cap;
};

struct dp_listener {
	int udp_fd, tcp_fd, family;
};

/* Client datagrams of one recvmmsg. */
struct dp_rx {
	struct mmsghdr mh[DP_RX_BATCH];
	struct iovec iov[DP_RX_BATCH];
	struct sockaddr_storage peer[DP_RX_BATCH];
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl[DP_RX_BATCH];
	uint8_t buf[DP_RX_BATCH][DP_RX_BUF];
};

/* UDP answers waiting for one sendmmsg per listener (dp_flush), at the end of each pass over
 * the events or when full. */
struct dp_tx {
	unsigned n;
	uint8_t lst[DP_TX_BATCH];
	struct mmsghdr mh[DP_TX_BATCH];
	struct iovec iov[DP_TX_BATCH];
	struct sockaddr_storage peer[DP_TX_BATCH];
	uint8_t buf[DP_TX_BATCH][DNS_GUARD_UDP_MAX];
};

struct dns_proxy {
	struct loop *l;
	const char *conn;
	struct dns_proxy_cfg cfg;
	int epfd;
	struct v6l_rng rng;
	struct loop_timer up_timer, tick;
	uint64_t next_expire_ms;
	unsigned n_lst;
	struct dp_listener lst[DNS_PROXY_MAX_LISTEN];
	struct dns_upstream up;
	struct dns_cache cache;
	struct dns_map map;
	pthread_mutex_t map_lock; /* the map is shared with the NAT46 data-path threads */
	bool has_map, is_fail_burst;
	uint64_t seen_timeouts;
	struct dns_hostaddr ha;
	struct dns_guard_rl rl;
	uint64_t refuse_log_ms;
	struct dns_proxy_stats st;
	struct dp_pending *pend;
	uint32_t pend_free[DNS_PROXY_PENDING_MAX], n_pend_free; /* free entries of pend, a stack */
	struct dp_upslot slot[DP_UP_SLOTS];
	struct dp_tcpbuf *tcpbuf;
	struct dp_rx *rxb;
	struct dp_tx *txb;
	struct dp_conn conns[DNS_PROXY_TCP_CONNS_MAX];
	struct dns_msg mq, ma, mb; /* scratch: query, A reply, AAAA reply */
	/* mq holds the parse of pending entry mq_of - 1's query, ma of its A half, while their
	 * gen matches (0: nothing known); every other parse into them clears the tag. */
	uint32_t mq_of, mq_gen, ma_of, ma_gen;
	uint8_t rx[DNS_MSG_MAX];
	uint8_t out[DNS_MSG_MAX];
};

static void dp_arm(struct dns_proxy *p);
static void dp_flush(struct dns_proxy *p);

static uint64_t dp_tag(enum dp_ev kind, uint32_t gen, uint32_t idx)
{
	return (uint64_t)kind << 56 | (uint64_t)gen << 24 | (idx & 0xffffffu);
}

static int dp_ep_add(struct dns_proxy *p, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };
	return epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int dp_ep_mod(struct dns_proxy *p, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };
	return epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void dp_close(struct dns_proxy *p, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(p->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* family 4/6 or AF_INET/AF_INET6 + address + port -> sockaddr; returns its length. */
static socklen_t dp_sockaddr(int family, const uint8_t *addr, uint16_t port,
	struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == 4 || family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
		memcpy(&sin.sin_addr, addr, 4);
		memcpy(ss, &sin, sizeof(sin));
		return sizeof(sin);
	}
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	memcpy(&sin6.sin6_addr, addr, 16);
	memcpy(ss, &sin6, sizeof(sin6));
	return sizeof(sin6);
}

/* sockaddr -> family 4/6, address (16 bytes, IPv4 first) and port; false for other families. */
static bool dp_from_sockaddr(const struct sockaddr_storage *ss, uint8_t *family, uint8_t addr[16],
	uint16_t *port)
{
	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in sin;
		memcpy(&sin, ss, sizeof(sin));
		memcpy(addr, &sin.sin_addr, 4);
		*family = 4;
		*port = ntohs(sin.sin_port);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 sin6;
		memcpy(&sin6, ss, sizeof(sin6));
		memcpy(addr, &sin6.sin6_addr, 16);
		*family = 6;
		*port = ntohs(sin6.sin6_port);
		return true;
	}
	return false;
}

static void dp_log_query(const struct dns_proxy *p, const struct dns_msg *m, const char *what)
{
	char name[DNS_NAME_TEXT_MAX];
	if (!log_debug_on(LOGC_HOST))
		return;
	if (m->n_q == 0 || dns_name_to_text(&m->q[0].name, name, sizeof(name)) < 0)
		strcpy(name, "?");
	log_debug(LOGC_HOST, "dns[%s]: %s %s type %u", p->conn, what, name,
		m->n_q ? m->q[0].qtype : 0);
}

/* ---- answers to clients ---- */

/* Appends buf to c's output queue (the socket would block). false when over DP_TCP_OUT_MAX. */
static bool dp_conn_queue(struct dp_conn *c, const uint8_t *buf, size_t len)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len)
			cap *= 2;
		if (cap > DP_TCP_OUT_MAX)
			return false;
		uint8_t *n = realloc(c->out, cap);
		if (!n)
			return false;
		c->out = n;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	return true;
}

/* RFC 7766 §8: a two-octet length, then the message. Errors mark c broken (closed later, never
 * from inside a pure module's callback). */
static void dp_conn_send(struct dns_proxy *p, uint32_t ci, const uint8_t *buf, size_t len)
{
	struct dp_conn *c = &p->conns[ci];
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	size_t total = len + 2, done = 0;
	c->last_ms = clock_now_ms();
	if (c->out_off == c->out_len) {
		struct iovec iov[2] = { { hdr, 2 }, { (void *)(uintptr_t)buf, len } };
		ssize_t n = writev(c->fd, iov, 2);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			c->is_broken = true;
			p->st.drop_send++;
			return;
		}
		done = n > 0 ? (size_t)n : 0;
	}
	if (done == total)
		return;
	bool ok = true;
	if (done < 2)
		ok = dp_conn_queue(c, hdr + done, 2 - done);
	size_t off = done > 2 ? done - 2 : 0;
	ok = ok && dp_conn_queue(c, buf + off, len - off);
	if (!ok) {
		c->is_broken = true;
		p->st.drop_send++;
		return;
	}
	dp_ep_mod(p, c->fd, EPOLLIN | EPOLLOUT, dp_tag(DP_EV_CONN, c->gen, ci));
}

/* An answer of len > src->limit becomes header and question with TC (RFC 2181 §9). */
static size_t dp_truncate(struct dns_proxy *p, const uint8_t *q, size_t qlen, const uint8_t *buf,
	size_t limit)
{
	p->mq_of = 0;
	if (dns_parse(q, qlen, &p->mq) != DNS_E_OK)
		return 0;
	int n = dns_build_response(&p->mq, buf[3] & 0x0f, NULL, 0, limit, p->out, sizeof(p->out));
	if (n < DNS_HDR_LEN)
		return 0;
	p->out[2] |= DNS_FLAG_TC >> 8;
	p->st.truncated++;
	return (size_t)n;
}

/* Sends the queued UDP answers: one sendmmsg per listener (an answer the socket refuses is
 * dropped and counted, as a failed sendto was). */
static void dp_flush(struct dns_proxy *p)
{
	struct dp_tx *t = p->txb;
	unsigned n = t->n;
	t->n = 0;
	for (unsigned li = 0; li < p->n_lst && n > 0; li++) {
		struct mmsghdr mh[DP_TX_BATCH];
		unsigned m = 0;
		for (unsigned k = 0; k < n; k++)
			if (t->lst[k] == li)
				mh[m++] = t->mh[k];
		for (unsigned off = 0; off < m;) {
			int r = sendmmsg(p->lst[li].udp_fd, mh + off, m - off, 0);
			if (r <= 0) {
				p->st.drop_send++;
				off++;
			} else {
				off += (unsigned)r;
			}
		}
	}
}

/* Sends buf to the client of src (UDP: queued for dp_flush); q is the client's query (for
 * truncation). */
static void dp_answer(struct dns_proxy *p, const struct dp_src *src, const uint8_t *q, size_t qlen,
	const uint8_t *buf, size_t len)
{
	if (src->conn != DP_NO_CONN) {
		struct dp_conn *c = &p->conns[src->conn];
		if (c->fd >= 0 && c->gen == src->conn_gen && !c->is_broken)
			dp_conn_send(p, src->conn, buf, len);
		return;
	}
	if (len > src->limit && len >= DNS_HDR_LEN) {
		len = dp_truncate(p, q, qlen, buf, src->limit);
		buf = p->out;
		if (len == 0)
			return;
	}
	struct dp_tx *t = p->txb;
	if (len > sizeof(t->buf[0])) { /* limit is at most DNS_GUARD_UDP_MAX: not reached */
		p->st.drop_send++;
		return;
	}
	if (t->n == DP_TX_BATCH)
		dp_flush(p);
	unsigned k = t->n++;
	t->lst[k] = src->lst;
	memcpy(t->buf[k], buf, len);
	memcpy(&t->peer[k], &src->peer, src->peer_len);
	t->iov[k] = (struct iovec){ t->buf[k], len };
	t->mh[k] = (struct mmsghdr){ .msg_hdr = { .msg_name = &t->peer[k],
		.msg_namelen = src->peer_len, .msg_iov = &t->iov[k], .msg_iovlen = 1 } };
}

/* ---- pending client queries ---- */

static uint64_t dp_handle(const struct dns_proxy *p, uint32_t i, unsigned half)
{
	return (uint64_t)p->pend[i].gen << 32 | (uint64_t)i << 1 | half;
}

static struct dp_pending *dp_pending_new(struct dns_proxy *p, const struct dp_src *src,
	const uint8_t *q, size_t qlen, bool is_do, uint32_t *idx)
{
	if (p->n_pend_free > 0) {
		uint32_t i = p->pend_free[--p->n_pend_free];
		struct dp_pending *e = &p->pend[i];
		e->is_used = true;
		e->is_synth = e->is_answered = false;
		e->need[0] = e->need[1] = false;
		e->hlen[0] = e->hlen[1] = 0;
		e->is_do = is_do;
		e->src = *src;
		e->qlen = (uint16_t)(qlen <= sizeof(e->q) ? qlen : 0);
		memcpy(e->q, q, e->qlen);
		if (src->conn != DP_NO_CONN)
			p->conns[src->conn].n_pending++;
		*idx = i;
		return e;
	}
	return NULL;
}

static void dp_pending_free(struct dns_proxy *p, struct dp_pending *e)
{
	if (!e->is_used)
		return; /* once only: the free stack holds each entry once */
	if (e->src.conn != DP_NO_CONN) {
		struct dp_conn *c = &p->conns[e->src.conn];
		if (c->gen == e->src.conn_gen && c->n_pending)
			c->n_pending--;
	}
	e->is_used = false;
	e->gen++;
	p->pend_free[p->n_pend_free++] = (uint32_t)(e - p->pend);
}

/* An upstream reply: cached when cacheable (for the query's DO bit). dns_upstream has parsed
 * it already unless it made the answer itself. */
static void dp_cache_reply(struct dns_proxy *p, bool is_do, const uint8_t *buf, size_t len)
{
	const struct dns_msg *m = p->up.reply_msg;
	if (!m) {
		p->ma_of = 0;
		if (dns_parse(buf, len, &p->ma) != DNS_E_OK)
			return;
		m = &p->ma;
	}
	if (dns_cache_ttl(m) > 0)
		dns_cache_put(&p->cache, is_do, m, buf, len, clock_now_ms());
}

static void dp_servfail(struct dns_proxy *p, struct dp_pending *e)
{
	p->mq_of = 0;
	if (dns_parse(e->q, e->qlen, &p->mq) != DNS_E_OK)
		return;
	int n = dns_build_response(&p->mq, DNS_RCODE_SERVFAIL, NULL, 0, e->src.limit, p->out,
		sizeof(p->out));
	if (n > 0)
		dp_answer(p, &e->src, e->q, e->qlen, p->out, (size_t)n);
}

/* The first A record of m, if any. */
static const uint8_t *dp_first_a(const struct dns_msg *m)
{
	for (unsigned i = 0; i < m->n_an; i++)
		if (m->an[i].type == DNS_T_A && m->an[i].rclass == DNS_CLASS_IN)
			return m->an[i].rd.a;
	return NULL;
}

static bool dp_route(const struct dns_proxy *p, const uint8_t *a)
{
	return a && p->cfg.has_ipv4_route && p->cfg.has_ipv4_route(p->cfg.ctx, a);
}

/* Maps the AAAA addresses of s into the pool and builds the A answer into p->out; 0 if none
 * could be mapped (pool full of live flows). */
static size_t dp_synth_build(struct dns_proxy *p, const struct dp_pending *e,
	const struct dns_synth *s)
{
	uint8_t v4[DNS_SYNTH_MAX_ADDRS][4];
	size_t n = 0;
	uint64_t now = clock_now_ms();
	for (unsigned i = 0; i < s->n_addr; i++) {
		pthread_mutex_lock(&p->map_lock);
		enum dns_map_err err = dns_map_lookup_or_add(&p->map, s->v6[i], &s->owner,
			s->dns_ttl_s, now, v4[n]);
		pthread_mutex_unlock(&p->map_lock);
		if (err == DNS_MAP_OK)
			n++;
		else
			log_debug(LOGC_HOST, "dns[%s]: no pool address: %s", p->conn,
				dns_map_err_str(err));
	}
	if (n == 0)
		return 0;
	int len = dns_synth_build_a(&p->mq, &p->mb, s, (const uint8_t (*)[4])v4, n, e->src.limit,
		p->out, sizeof(p->out));
	return len > 0 ? (size_t)len : 0;
}

/* Both halves of a synthesized query are in: decide and answer (dns_synth_decide). */
static void dp_synth_finish(struct dns_proxy *p, struct dp_pending *e)
{
	uint32_t ei = (uint32_t)(e - p->pend) + 1;
	bool has_a = e->hlen[0] && ((p->ma_of == ei && p->ma_gen == e->gen) ||
		dns_parse(e->half[0], e->hlen[0], &p->ma) == DNS_E_OK);
	p->ma_of = 0;
	bool has_aaaa = e->hlen[1] && dns_parse(e->half[1], e->hlen[1], &p->mb) == DNS_E_OK;
	if (!(p->mq_of == ei && p->mq_gen == e->gen)) {
		p->mq_of = 0;
		if (dns_parse(e->q, e->qlen, &p->mq) != DNS_E_OK)
			return;
	}
	struct dns_synth s;
	bool route = has_a && dp_route(p, dp_first_a(&p->ma));
	enum dns_synth_verdict v = dns_synth_decide(has_a ? &p->ma : NULL,
		has_aaaa ? &p->mb : NULL, route, 0, &s);
	log_debug(LOGC_HOST, "dns[%s]: A synthesis: %s", p->conn, dns_synth_why_str(s.why));
	size_t n = v == DNS_SYNTH_SYNTHESIZE ? dp_synth_build(p, e, &s) : 0;
	if (n > 0) {
		p->st.synthesized++;
		dp_answer(p, &e->src, e->q, e->qlen, p->out, n);
	} else if (e->hlen[0]) {
		dp_answer(p, &e->src, e->q, e->qlen, e->half[0], e->hlen[0]);
	} else {
		dp_servfail(p, e);
	}
}

/* The A half of e answered (buf, also stored in e->half[0]). Relayed at once when synthesis
 * cannot follow: an error or NXDOMAIN (RFC 6147 §5.1.2 likewise), or A records the host can
 * reach. */
static bool dp_synth_a_final(struct dns_proxy *p, const struct dp_pending *e, const uint8_t *buf,
	size_t len)
{
	p->ma_of = 0;
	if (dns_parse(buf, len, &p->ma) != DNS_E_OK)
		return true;
	p->ma_of = (uint32_t)(e - p->pend) + 1;
	p->ma_gen = e->gen;
	if (p->ma.is_tc)
		return true;
	if (p->ma.rcode != DNS_RCODE_NOERROR)
		return true;
	return dp_route(p, dp_first_a(&p->ma));
}

/* One half of pending e is done with buf[0..len) (len 0: no usable answer). */
static void dp_half_done(struct dns_proxy *p, struct dp_pending *e, unsigned half,
	const uint8_t *buf, size_t len)
{
	e->need[half] = false;
	if (!e->is_synth) {
		if (len)
			dp_answer(p, &e->src, e->q, e->qlen, buf, len);
		dp_pending_free(p, e);
		return;
	}
	if (len <= DP_HALF_MAX) {
		e->hlen[half] = (uint16_t)len;
		memcpy(e->half[half], buf, len);
	}
	if (half == 0 && !e->is_answered && len && (len > DP_HALF_MAX ||
		dp_synth_a_final(p, e, buf, len))) {
		dp_answer(p, &e->src, e->q, e->qlen, buf, len);
		e->is_answered = true;
	}
	if (e->need[0] || e->need[1])
		return;
	if (!e->is_answered)
		dp_synth_finish(p, e);
	dp_pending_free(p, e);
}

/* dns_up_ops.reply: an answer (or the upstream module's error answer) for a pending half. */
static void dp_up_reply(void *ctx, uint64_t client, enum dns_up_transport tr, const uint8_t *buf,
	size_t len)
{
	struct dns_proxy *p = ctx;
	(void)tr;
	uint32_t i = (uint32_t)(client & 0xffffffffu) >> 1;
	unsigned half = (unsigned)(client & 1u);
	if (i >= DNS_PROXY_PENDING_MAX)
		return;
	struct dp_pending *e = &p->pend[i];
	if (!e->is_used || e->gen != (uint32_t)(client >> 32) || !e->need[half])
		return;
	dp_cache_reply(p, e->is_do, buf, len);
	dp_half_done(p, e, half, buf, len);
}

/* ---- client queries ---- */

/* PTR for a pool address, answered from the mapping table (NXDOMAIN if unmapped). */
static bool dp_try_ptr(struct dns_proxy *p, const struct dp_src *src, const uint8_t *q,
	size_t qlen)
{
	const struct dns_question *qq = &p->mq.q[0];
	uint8_t v4[4];
	if (!p->cfg.synthesize || qq->qtype != DNS_T_PTR || qq->qclass != DNS_CLASS_IN ||
		!dns_name_ptr_v4(&qq->name, v4) || !dns_map_in_pool(&p->map, v4))
		return false;
	pthread_mutex_lock(&p->map_lock);
	const struct dns_map_entry *me = dns_map_by_v4(&p->map, v4, clock_now_ms());
	int n = dns_synth_build_ptr(&p->mq, me ? &me->name : NULL, DNS_SYNTH_TTL_CAP_S, src->limit,
		p->out, sizeof(p->out));
	pthread_mutex_unlock(&p->map_lock);
	if (n > 0) {
		p->st.ptr_answered++;
		dp_answer(p, src, q, qlen, p->out, (size_t)n);
	}
	return true;
}

/* Sends half of e upstream (the query bytes q[0..len), parsed as m or NULL); a synchronous
 * answer lands in dp_up_reply, a drop ends the half without an answer. */
static void dp_forward(struct dns_proxy *p, uint32_t i, unsigned half, const uint8_t *q,
	size_t len, const struct dns_msg *m)
{
	struct dp_pending *e = &p->pend[i];
	enum dns_up_transport tr = e->src.conn == DP_NO_CONN ? DNS_UP_UDP : DNS_UP_TCP;
	uint32_t gen = e->gen;
	if (p->up.n_srv == 0)
		p->st.servfail++;
	enum dns_up_result r = m ?
		dns_upstream_on_query_msg(&p->up, dp_handle(p, i, half), tr, m, q, len, clock_now_ms()) :
		dns_upstream_on_query(&p->up, dp_handle(p, i, half), tr, q, len, clock_now_ms());
	if (r == DNS_UP_DROPPED && e->is_used && e->gen == gen && e->need[half])
		dp_half_done(p, e, half, NULL, 0);
}

/* Starts an A query with synthesis: the A half (the client's query) and an AAAA half (built),
 * each from the cache or upstream. */
static void dp_synth_start(struct dns_proxy *p, struct dp_pending *e, uint32_t i)
{
	uint64_t now = clock_now_ms();
	uint8_t aq[DNS_NAME_MAX + 64];
	int aqlen = dns_build_query((uint16_t)rng_u32(&p->rng), &p->mq.q[0].name, DNS_T_AAAA,
		p->mq.is_rd, true, e->is_do, aq, sizeof(aq));
	e->is_synth = true;
	e->need[0] = e->need[1] = true;
	p->mq_of = i + 1; /* p->mq: the client's query, now e->q */
	p->mq_gen = e->gen;
	int n0 = dns_cache_get(&p->cache, &p->mq, now, p->rx, DP_HALF_MAX);
	int n1 = aqlen > 0 && dns_parse(aq, (size_t)aqlen, &p->mb) == DNS_E_OK ?
		dns_cache_get(&p->cache, &p->mb, now, p->out, DP_HALF_MAX) : -1;
	if (n0 > 0 && n1 > 0)
		p->st.cache_hits++;
	else
		p->st.forwarded++;
	uint32_t gen = e->gen;
	if (n1 > 0)
		dp_half_done(p, e, 1, p->out, (size_t)n1);
	else if (aqlen <= 0)
		dp_half_done(p, e, 1, NULL, 0);
	if (n0 > 0)
		dp_half_done(p, e, 0, p->rx, (size_t)n0);
	if (e->is_used && e->gen == gen && e->need[0])
		dp_forward(p, i, 0, e->q, e->qlen, NULL);
	if (e->is_used && e->gen == gen && e->need[1])
		dp_forward(p, i, 1, aq, (size_t)aqlen, NULL);
}

/* A client query buf[0..len) from src (limit not yet set). */
static void dp_on_query(struct dns_proxy *p, struct dp_src *src, const uint8_t *buf, size_t len)
{
	uint8_t family, addr[16];
	uint16_t port;
	if (dp_from_sockaddr(&src->peer, &family, addr, &port) &&
		!dns_guard_rl_take(&p->rl, family, addr, clock_now_ms())) {
		p->st.drop_ratelimit++;
		return;
	}
	p->mq_of = 0;
	if (dns_parse(buf, len, &p->mq) != DNS_E_OK || p->mq.is_response) {
		p->st.drop_malformed++; /* RFC 1035 §7.3: a response is never answered */
		return;
	}
	p->st.queries++;
	dp_log_query(p, &p->mq, src->conn == DP_NO_CONN ? "query (udp)" : "query (tcp)");
	src->limit = (uint16_t)(src->conn == DP_NO_CONN ? dns_guard_udp_limit(&p->mq) : DNS_MSG_MAX);
	bool is_plain = p->mq.n_q == 1 && p->mq.opcode == 0;
	if (is_plain && dp_try_ptr(p, src, buf, len))
		return;
	bool is_do = p->mq.edns.is_present && p->mq.edns.is_do;
	bool is_synth = is_plain && p->cfg.synthesize && len <= DNS_UP_QUERY_MAX &&
		p->mq.q[0].qtype == DNS_T_A && p->mq.q[0].qclass == DNS_CLASS_IN;
	int n = is_plain && !is_synth ?
		dns_cache_get(&p->cache, &p->mq, clock_now_ms(), p->out, sizeof(p->out)) : 0;
	if (n > 0) {
		p->st.cache_hits++;
		dp_answer(p, src, buf, len, p->out, (size_t)n);
		return;
	}
	uint32_t i;
	struct dp_pending *e = dp_pending_new(p, src, buf, len, is_do, &i);
	if (!e) {
		p->st.drop_busy++;
		int m = dns_build_response(&p->mq, DNS_RCODE_SERVFAIL, NULL, 0, src->limit, p->out,
			sizeof(p->out));
		if (m > 0)
			dp_answer(p, src, buf, len, p->out, (size_t)m);
		return;
	}
	if (is_synth) {
		dp_synth_start(p, e, i);
		return;
	}
	p->st.forwarded++;
	e->need[0] = true;
	dp_forward(p, i, 0, buf, len, &p->mq); /* p->mq: buf parsed above */
}

/* ---- upstream sockets (dns_up_ops) ---- */

/* A UDP socket of family bound to a random port (RFC 5452 §9.2), in the epoll set. */
static int dp_up_socket(struct dns_proxy *p, uint8_t family, uint32_t slot)
{
	int af = family == 4 ? AF_INET : AF_INET6;
	int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	static const uint8_t any[16];
	struct sockaddr_storage ss;
	bool is_bound = false;
	for (int k = 0; k < 8 && !is_bound; k++) {
		uint16_t port = (uint16_t)(1024 + rng_below(&p->rng, 65536 - 1024));
		socklen_t sl = dp_sockaddr(family, any, port, &ss);
		is_bound = bind(fd, (struct sockaddr *)&ss, sl) == 0;
	}
	/* Eight ports in use in a row: the kernel's own random choice. */
	socklen_t sl = dp_sockaddr(family, any, 0, &ss);
	/* Edge-triggered: its reader drains it or closes it, and closing it leaves the set without
	 * an EPOLL_CTL_DEL (no other descriptor refers to it; a stale event fails the gen test). */
	if ((!is_bound && bind(fd, (struct sockaddr *)&ss, sl) < 0) ||
		dp_ep_add(p, fd, EPOLLIN | EPOLLET, dp_tag(DP_EV_UP, p->slot[slot].gen, slot)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void dp_up_tcp_close(struct dns_proxy *p, struct dp_upslot *s)
{
	dp_close(p, &s->tfd);
	if (s->tcpbuf >= 0)
		p->tcpbuf[s->tcpbuf].is_used = false;
	s->tcpbuf = -1;
}

/* A TCP query to server (RFC 7766 §5, after a truncated UDP reply): connect without blocking;
 * the query goes out from dp_up_tcp_event. */
static int dp_up_tcp_send(struct dns_proxy *p, uint32_t slot, const struct dns_up_server *srv,
	const uint8_t *buf, size_t len)
{
	struct dp_upslot *s = &p->slot[slot];
	dp_up_tcp_close(p, s);
	int b = -1;
	for (int k = 0; k < DNS_PROXY_TCP_UP_MAX && b < 0; k++)
		if (!p->tcpbuf[k].is_used)
			b = k;
	if (b < 0)
		return -1;
	struct sockaddr_storage ss;
	socklen_t sl = dp_sockaddr(srv->family, srv->addr, srv->port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if ((connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) ||
		dp_ep_add(p, fd, EPOLLOUT, dp_tag(DP_EV_UPTCP, s->gen, slot)) < 0) {
		close(fd);
		return -1;
	}
	struct dp_tcpbuf *t = &p->tcpbuf[b];
	*t = (struct dp_tcpbuf){ .is_used = true, .out_len = (uint32_t)len + 2 };
	t->out[0] = (uint8_t)(len >> 8);
	t->out[1] = (uint8_t)len;
	memcpy(t->out + 2, buf, len);
	s->tfd = fd;
	s->tcpbuf = b;
	p->st.upstream_tcp++;
	return 0;
}

static int dp_up_send(void *ctx, unsigned server_idx, unsigned slot, bool is_tcp,
	const uint8_t *buf, size_t len)
{
	struct dns_proxy *p = ctx;
	if (slot >= DP_UP_SLOTS || server_idx >= p->up.n_srv)
		return -1;
	const struct dns_up_server *srv = &p->up.srv[server_idx];
	struct dp_upslot *s = &p->slot[slot];
	/* RFC 7766 §5 switch: the same server again over TCP is no failover. */
	bool is_switch = is_tcp && !s->was_tcp && s->server == server_idx;
	if (s->n_sends++ > 0 && !is_switch)
		p->st.failovers++;
	s->server = (uint8_t)server_idx;
	s->was_tcp = is_tcp;
	p->st.upstream_sent++;
	if (is_tcp)
		return dp_up_tcp_send(p, slot, srv, buf, len);
	int *fd = &s->fd[srv->family == 4 ? 0 : 1];
	if (*fd < 0 && (*fd = dp_up_socket(p, srv->family, slot)) < 0) {
		log_debug(LOGC_HOST, "dns[%s]: upstream socket: %s", p->conn, strerror(errno));
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = dp_sockaddr(srv->family, srv->addr, srv->port, &ss);
	if (sendto(*fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		log_debug(LOGC_HOST, "dns[%s]: upstream send: %s", p->conn, strerror(errno));
		return -1;
	}
	return 0;
}

/* dns_up_ops.release: the slot's sockets are closed, so its ports are never reused. */
static void dp_up_release(void *ctx, unsigned slot)
{
	struct dns_proxy *p = ctx;
	if (slot >= DP_UP_SLOTS)
		return;
	struct dp_upslot *s = &p->slot[slot];
	for (unsigned f = 0; f < 2; f++)
		if (s->fd[f] >= 0) {
			close(s->fd[f]); /* leaves the epoll set with it (dp_up_socket) */
			s->fd[f] = -1;
		}
	dp_up_tcp_close(p, s);
	s->n_sends = 0;
	s->was_tcp = false;
	s->gen++;
}

static const struct dns_up_ops dp_up_ops = {
	.send = dp_up_send,
	.reply = dp_up_reply,
	.release = dp_up_release,
};

/* Hands a reply to dns_upstream and tracks failure bursts for the warning. */
static void dp_up_deliver(struct dns_proxy *p, uint8_t family, const uint8_t *addr, uint16_t port,
	const uint8_t *buf, size_t len)
{
	uint64_t rejected = p->up.n_rejected;
	dns_upstream_on_reply(&p->up, family, addr, port, buf, len, clock_now_ms());
	if (p->up.n_rejected != rejected) {
		p->st.upstream_rejected++;
	} else if (p->is_fail_burst) {
		p->is_fail_burst = false;
		log_info("dns[%s]: upstream servers answer again", p->conn);
	}
}

/* Datagrams on an upstream UDP socket of slot (closed under us once the slot is answered). */
static void dp_up_udp_event(struct dns_proxy *p, uint32_t slot, uint32_t gen, int fd)
{
	for (int k = 0; k < DP_BATCH; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, p->rx, sizeof(p->rx), 0, (struct sockaddr *)&ss, &sl);
		uint8_t family, addr[16];
		uint16_t port;
		if (n < 0)
			return;
		if (dp_from_sockaddr(&ss, &family, addr, &port))
			dp_up_deliver(p, family, addr, port, p->rx, (size_t)n);
		const struct dp_upslot *s = &p->slot[slot];
		if (s->gen != gen || (s->fd[0] != fd && s->fd[1] != fd))
			return;
	}
}

/* The upstream TCP connection of slot: connected (send the query), or data (one message). */
static void dp_up_tcp_event(struct dns_proxy *p, uint32_t slot, uint32_t events)
{
	struct dp_upslot *s = &p->slot[slot];
	struct dp_tcpbuf *t = &p->tcpbuf[s->tcpbuf];
	ssize_t n;
	if (t->out_off < t->out_len) {
		n = send(s->tfd, t->out + t->out_off, t->out_len - t->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN)
			goto fail;
		t->out_off += n > 0 ? (uint32_t)n : 0;
		if (t->out_off == t->out_len)
			dp_ep_mod(p, s->tfd, EPOLLIN, dp_tag(DP_EV_UPTCP, s->gen, slot));
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(s->tfd, t->in + t->in_len, sizeof(t->in) - t->in_len, 0);
	if (n <= 0)
		goto fail; /* EOF or error: the query's timeout moves it on */
	t->in_len += (uint32_t)n;
	size_t mlen;
	enum dns_tcp_state st = dns_tcp_next(t->in, t->in_len, DNS_HDR_LEN, sizeof(t->in) - 2, &mlen);
	if (st == DNS_TCP_MORE)
		return;
	if (st == DNS_TCP_BAD || s->server >= p->up.n_srv)
		goto fail;
	const struct dns_up_server *srv = &p->up.srv[s->server];
	int fd = s->tfd;
	dp_up_deliver(p, srv->family, srv->addr, srv->port, t->in + 2, mlen);
	if (s->tfd == fd)
		dp_up_tcp_close(p, s); /* rejected: the query's timeout moves it on */
	return;
fail:
	dp_up_tcp_close(p, s);
}

/* ---- client sockets ---- */

/* Whether the host itself sent this (dns_guard_check), with the host's addresses reloaded once
 * when they do not say so; counted and logged (at most once a second) when not. */
static bool dp_admit(struct dns_proxy *p, const struct dns_guard_pkt *g)
{
	uint64_t now = clock_now_ms();
	enum dns_guard_verdict v = dns_guard_check(&p->ha.h, p->ha.lo_ifindex, g);
	if (v != DNS_GUARD_OK && dns_hostaddr_reload_on_miss(&p->ha, now, DP_HOSTS_MISS_MS))
		v = dns_guard_check(&p->ha.h, p->ha.lo_ifindex, g);
	if (v == DNS_GUARD_OK)
		return true;
	p->st.drop_not_host++;
	if (log_debug_on(LOGC_HOST) && now - p->refuse_log_ms >= 1000) {
		char a[INET6_ADDRSTRLEN] = "?";
		inet_ntop(g->family == 4 ? AF_INET : AF_INET6, g->src, a, sizeof(a));
		log_debug(LOGC_HOST, "dns[%s]: %s client %s refused: %s (%llu so far)", p->conn,
			g->has_ingress ? "udp" : "tcp", a, dns_guard_verdict_str(v),
			(unsigned long long)p->st.drop_not_host);
		p->refuse_log_ms = now;
	}
	return false;
}

/* Client datagrams on listener li, DP_RX_BATCH to a recvmmsg, up to DP_BATCH a turn. */
static void dp_udp_event(struct dns_proxy *p, uint32_t li)
{
	struct dp_rx *r = p->rxb;
	for (int got = 0; got < DP_BATCH;) {
		for (unsigned k = 0; k < DP_RX_BATCH; k++) {
			r->iov[k] = (struct iovec){ r->buf[k], sizeof(r->buf[k]) };
			r->mh[k] = (struct mmsghdr){ .msg_hdr = { .msg_name = &r->peer[k],
				.msg_namelen = sizeof(r->peer[k]), .msg_iov = &r->iov[k],
				.msg_iovlen = 1, .msg_control = r->ctl[k].b,
				.msg_controllen = sizeof(r->ctl[k].b) } };
		}
		int n = recvmmsg(p->lst[li].udp_fd, r->mh, DP_RX_BATCH, 0, NULL);
		if (n <= 0)
			return;
		for (int k = 0; k < n; k++) {
			struct msghdr *mh = &r->mh[k].msg_hdr;
			struct dp_src src = { .conn = DP_NO_CONN, .lst = (uint8_t)li,
				.peer_len = mh->msg_namelen };
			memcpy(&src.peer, &r->peer[k], sizeof(src.peer));
			struct dns_guard_pkt g = { .has_ingress = true };
			uint16_t port;
			dp_from_sockaddr(&src.peer, &g.family, g.src, &port);
			dns_hostaddr_pktinfo(mh, &g);
			if (!dp_admit(p, &g))
				continue;
			if (mh->msg_flags & MSG_TRUNC)
				p->st.drop_malformed++; /* over DP_RX_BUF: no DNS query is that large */
			else
				dp_on_query(p, &src, r->buf[k], r->mh[k].msg_len);
		}
		got += n;
		if (n < DP_RX_BATCH)
			return;
	}
}

static void dp_conn_close(struct dns_proxy *p, uint32_t ci)
{
	struct dp_conn *c = &p->conns[ci];
	for (uint32_t i = 0; i < DNS_PROXY_PENDING_MAX; i++) {
		struct dp_pending *e = &p->pend[i];
		if (!e->is_used || e->src.conn != ci || e->src.conn_gen != c->gen)
			continue;
		for (unsigned h = 0; h < 2; h++)
			if (e->need[h])
				dns_upstream_cancel_client(&p->up, dp_handle(p, i, h));
		dp_pending_free(p, e);
	}
	dp_close(p, &c->fd);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = c->out_cap = 0;
	c->n_pending = 0;
	c->is_broken = false;
	c->gen++;
}

static void dp_accept(struct dns_proxy *p, uint32_t li)
{
	for (int k = 0; k < DP_BATCH; k++) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		int fd = accept4(p->lst[li].tcp_fd, (struct sockaddr *)&peer, &peer_len,
			SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct dns_guard_pkt g = { .has_ingress = false };
		uint16_t port;
		if (!dp_from_sockaddr(&peer, &g.family, g.src, &port) || !dp_admit(p, &g)) {
			close(fd); /* the handshake proved the source: not the host */
			continue;
		}
		uint32_t ci = 0;
		while (ci < DNS_PROXY_TCP_CONNS_MAX && p->conns[ci].fd >= 0)
			ci++;
		struct dp_conn *c = &p->conns[ci];
		if (ci == DNS_PROXY_TCP_CONNS_MAX ||
			dp_ep_add(p, fd, EPOLLIN, dp_tag(DP_EV_CONN, c->gen, ci)) < 0) {
			p->st.drop_tcp_limit++;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->in_len = 0;
		c->open_ms = c->last_ms = clock_now_ms();
		c->peer = peer;
		c->peer_len = peer_len;
		p->st.tcp_conns++;
	}
}

/* Length-prefixed queries from a client connection (RFC 7766 §6.2.1: several per connection,
 * answered as they come, possibly out of order). */
static void dp_conn_read(struct dns_proxy *p, uint32_t ci)
{
	struct dp_conn *c = &p->conns[ci];
	uint32_t gen = c->gen;
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		c->is_broken = true;
		return;
	}
	c->in_len = (uint16_t)(c->in_len + (n > 0 ? n : 0));
	while (!c->is_broken && c->gen == gen) {
		size_t mlen, in_len = c->in_len;
		enum dns_tcp_state st = dns_tcp_next(c->in, in_len, DNS_HDR_LEN, DNS_UP_QUERY_MAX,
						     &mlen);
		if (st == DNS_TCP_BAD) {
			p->st.drop_tcp_oversize++;
			c->is_broken = true;
			return;
		}
		if (st == DNS_TCP_MORE)
			return;
		struct dp_src src = { .conn = ci, .conn_gen = gen, .peer = c->peer,
			.peer_len = c->peer_len };
		c->last_ms = clock_now_ms(); /* a whole query: a byte now and then is still idle */
		p->st.queries_tcp++;
		dp_on_query(p, &src, c->in + 2, mlen);
		dns_tcp_consume(c->in, &in_len, mlen);
		c->in_len = (uint16_t)in_len;
	}
}

static void dp_conn_write(struct dns_proxy *p, uint32_t ci)
{
	struct dp_conn *c = &p->conns[ci];
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN) {
		c->is_broken = true;
		return;
	}
	c->out_off += n > 0 ? (size_t)n : 0;
	if (c->out_off == c->out_len)
		dp_ep_mod(p, c->fd, EPOLLIN, dp_tag(DP_EV_CONN, c->gen, ci));
}

static void dp_conn_event(struct dns_proxy *p, uint32_t ci, uint32_t events)
{
	struct dp_conn *c = &p->conns[ci];
	if ((events & EPOLLOUT) && c->out_off < c->out_len)
		dp_conn_write(p, ci);
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->is_broken)
		dp_conn_read(p, ci);
}

/* Closes the connections marked broken (never from inside a callback of a pure module). */
static void dp_reap(struct dns_proxy *p)
{
	for (uint32_t ci = 0; ci < DNS_PROXY_TCP_CONNS_MAX; ci++)
		if (p->conns[ci].fd >= 0 && p->conns[ci].is_broken)
			dp_conn_close(p, ci);
}

static void dp_dispatch(struct dns_proxy *p, uint64_t tag, uint32_t events)
{
	enum dp_ev kind = (enum dp_ev)(tag >> 56);
	uint32_t gen = (uint32_t)(tag >> 24) & 0xffffffffu;
	uint32_t idx = (uint32_t)(tag & 0xffffffu);
	switch (kind) {
	case DP_EV_UDP:
		dp_udp_event(p, idx);
		break;
	case DP_EV_LISTEN:
		dp_accept(p, idx);
		break;
	case DP_EV_CONN:
		if (p->conns[idx].fd >= 0 && p->conns[idx].gen == gen)
			dp_conn_event(p, idx, events);
		break;
	case DP_EV_UP:
		for (unsigned f = 0; f < 2; f++)
			if (p->slot[idx].gen == gen && p->slot[idx].fd[f] >= 0)
				dp_up_udp_event(p, idx, gen, p->slot[idx].fd[f]);
		break;
	case DP_EV_UPTCP:
		if (p->slot[idx].gen == gen && p->slot[idx].tfd >= 0)
			dp_up_tcp_event(p, idx, events);
		break;
	}
}

/* The loop's callback for the private epoll set. */
static void dp_on_epoll(void *arg, int fd, uint32_t events)
{
	struct dns_proxy *p = arg;
	struct epoll_event ev[DP_BATCH];
	(void)fd;
	(void)events;
	int n = epoll_wait(p->epfd, ev, DP_BATCH, 0);
	for (int i = 0; i < n; i++)
		dp_dispatch(p, ev[i].data.u64, ev[i].events);
	dp_flush(p);
	dp_reap(p);
	dp_arm(p);
}

/* ---- timers ---- */

static void dp_arm(struct dns_proxy *p)
{
	loop_timer_set(p->l, &p->up_timer, dns_upstream_next_deadline(&p->up));
}

static void dp_on_up_timer(void *arg, uint64_t now_ms)
{
	struct dns_proxy *p = arg;
	dns_upstream_on_timer(&p->up, now_ms);
	if (p->up.n_timeouts != p->seen_timeouts && !p->is_fail_burst) {
		char a[INET6_ADDRSTRLEN] = "?";
		for (unsigned i = 0; i < p->up.n_srv; i++)
			if (p->up.srv[i].n_fail) {
				inet_ntop(p->up.srv[i].family == 4 ? AF_INET : AF_INET6,
					p->up.srv[i].addr, a, sizeof(a));
				break;
			}
		log_warnx("dns[%s]: upstream server %s does not answer; trying the others", p->conn,
			a);
		p->is_fail_burst = true;
	}
	p->seen_timeouts = p->up.n_timeouts;
	dp_flush(p);
	dp_reap(p);
	dp_arm(p);
}

/* Once a second: idle and old TCP clients (RFC 7766 §6.2.3), expired pool mappings, and now and
 * then the host's addresses. */
static void dp_on_tick(void *arg, uint64_t now_ms)
{
	struct dns_proxy *p = arg;
	for (uint32_t ci = 0; ci < DNS_PROXY_TCP_CONNS_MAX; ci++) {
		struct dp_conn *c = &p->conns[ci];
		bool is_busy = c->n_pending > 0 || c->out_off < c->out_len;
		if (c->fd >= 0 && dns_guard_tcp_expired(c->open_ms, c->last_ms, is_busy,
					  DNS_PROXY_TCP_IDLE_MS, now_ms))
			c->is_broken = true;
	}
	dp_reap(p);
	dns_hostaddr_reload(&p->ha, now_ms, DP_HOSTS_RELOAD_MS);
	if (now_ms >= p->next_expire_ms) {
		pthread_mutex_lock(&p->map_lock);
		uint32_t n = dns_map_expire(&p->map, now_ms);
		pthread_mutex_unlock(&p->map_lock);
		if (n)
			log_debug(LOGC_HOST, "dns[%s]: %u pool mappings expired", p->conn, n);
		p->next_expire_ms = now_ms + DP_MAP_EXPIRE_MS;
	}
	loop_timer_set(p->l, &p->tick, now_ms + DP_TICK_MS);
}

/* ---- set-up ---- */

/* One listening socket (type SOCK_DGRAM or SOCK_STREAM) on address i of the config. Freebind:
 * the address may come up after us (the router address on the LAN). */
static int dp_listen_socket(struct dns_proxy *p, unsigned i, int type)
{
	int af = p->cfg.listen[i].family, one = 1;
	int fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_storage ss;
	socklen_t sl = dp_sockaddr(af, p->cfg.listen[i].addr, p->cfg.port ? p->cfg.port : 53, &ss);
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	else /* the destination and ingress interface of each query, for dns_guard_check */
		setsockopt(fd, af == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
			af == AF_INET6 ? IPV6_RECVPKTINFO : IP_PKTINFO, &one, sizeof(one));
	setsockopt(fd, af == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
		af == AF_INET6 ? IPV6_FREEBIND : IP_FREEBIND, &one, sizeof(one));
	uint64_t tag = dp_tag(type == SOCK_STREAM ? DP_EV_LISTEN : DP_EV_UDP, 0, i);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
		(type == SOCK_STREAM && listen(fd, 64) < 0) || dp_ep_add(p, fd, EPOLLIN, tag) < 0) {
		char a[INET6_ADDRSTRLEN] = "?";
		inet_ntop(af, p->cfg.listen[i].addr, a, sizeof(a));
		log_warn("dns[%s]: cannot listen on %s port %u/%s", p->conn, a,
			p->cfg.port ? p->cfg.port : 53, type == SOCK_STREAM ? "tcp" : "udp");
		close(fd);
		return -1;
	}
	return fd;
}

static bool dp_open_listeners(struct dns_proxy *p)
{
	for (unsigned i = 0; i < p->cfg.n_listen && i < DNS_PROXY_MAX_LISTEN; i++) {
		struct dp_listener *li = &p->lst[i];
		li->family = p->cfg.listen[i].family;
		li->udp_fd = dp_listen_socket(p, i, SOCK_DGRAM);
		li->tcp_fd = li->udp_fd >= 0 ? dp_listen_socket(p, i, SOCK_STREAM) : -1;
		p->n_lst = i + 1;
		if (li->tcp_fd < 0)
			return false;
	}
	return true;
}

/* Everything allocated once: tables of the pure parts, pending queries, TCP buffers. */
static bool dp_alloc(struct dns_proxy *p)
{
	uint8_t key[16];
	rng_bytes(&p->rng, key, sizeof(key));
	if (!dns_cache_init(&p->cache, DNS_PROXY_CACHE_ENTRIES, DNS_PROXY_CACHE_BYTES, key))
		return false;
	rng_bytes(&p->rng, p->cfg.map.hash_key, sizeof(p->cfg.map.hash_key));
	enum dns_map_err err = dns_map_init(&p->map, &p->cfg.map);
	if (err != DNS_MAP_OK) {
		log_warnx("dns[%s]: pool: %s", p->conn, dns_map_err_str(err));
		return false;
	}
	p->has_map = true;
	p->pend = calloc(DNS_PROXY_PENDING_MAX, sizeof(*p->pend));
	for (uint32_t i = 0; i < DNS_PROXY_PENDING_MAX; i++)
		p->pend_free[i] = DNS_PROXY_PENDING_MAX - 1 - i;
	p->n_pend_free = DNS_PROXY_PENDING_MAX;
	p->tcpbuf = calloc(DNS_PROXY_TCP_UP_MAX, sizeof(*p->tcpbuf));
	p->rxb = calloc(1, sizeof(*p->rxb));
	p->txb = calloc(1, sizeof(*p->txb));
	return p->pend && p->tcpbuf && p->rxb && p->txb &&
		dns_upstream_init(&p->up, DP_UP_SLOTS, 0, 0, &dp_up_ops, p, &p->rng, p->conn);
}

void dns_proxy_cfg_default(struct dns_proxy_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 53;
	c->rate_qps = DNS_PROXY_RATE_QPS;
	dns_map_cfg_default(&c->map);
}

struct dns_proxy *dns_proxy_new(struct loop *l, const struct dns_proxy_cfg *cfg, const char *conn)
{
	struct dns_proxy *p = calloc(1, sizeof(*p));
	if (!p) {
		log_warn("dns[%s]: proxy", conn);
		return NULL;
	}
	p->l = l;
	p->conn = conn;
	p->cfg = *cfg;
	pthread_mutex_init(&p->map_lock, NULL);
	p->epfd = -1;
	for (unsigned i = 0; i < DNS_PROXY_MAX_LISTEN; i++)
		p->lst[i].udp_fd = p->lst[i].tcp_fd = -1;
	for (unsigned i = 0; i < DP_UP_SLOTS; i++)
		p->slot[i] = (struct dp_upslot){ .fd = { -1, -1 }, .tfd = -1, .tcpbuf = -1 };
	for (unsigned i = 0; i < DNS_PROXY_TCP_CONNS_MAX; i++)
		p->conns[i].fd = -1;
	loop_timer_init(&p->up_timer, dp_on_up_timer, p);
	loop_timer_init(&p->tick, dp_on_tick, p);
	dns_guard_rl_init(&p->rl, cfg->rate_qps, cfg->rate_burst);
	if (dns_hostaddr_open(&p->ha, clock_now_ms()) < 0)
		log_warn("dns[%s]: the host's addresses (only loopback clients are served)", conn);
	if (rng_init_secure(&p->rng) < 0 || !dp_alloc(p)) {
		log_warn("dns[%s]: proxy set-up", conn);
		goto fail;
	}
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0 || loop_add_fd(l, p->epfd, EPOLLIN, dp_on_epoll, p) < 0) {
		log_warn("dns[%s]: proxy epoll", conn);
		goto fail;
	}
	if (!dp_open_listeners(p))
		goto fail;
	loop_timer_set(l, &p->tick, clock_now_ms() + DP_TICK_MS);
	return p;
fail:
	dns_proxy_free(p);
	return NULL;
}

void dns_proxy_free(struct dns_proxy *p)
{
	if (!p)
		return;
	for (uint32_t ci = 0; ci < DNS_PROXY_TCP_CONNS_MAX; ci++)
		if (p->conns[ci].fd >= 0)
			dp_conn_close(p, ci);
	if (p->pend)
		for (uint32_t i = 0; i < DNS_PROXY_PENDING_MAX; i++)
			for (unsigned h = 0; h < 2; h++)
				if (p->pend[i].is_used && p->pend[i].need[h])
					dns_upstream_cancel_client(&p->up, dp_handle(p, i, h));
	for (unsigned i = 0; i < DNS_PROXY_MAX_LISTEN; i++) {
		dp_close(p, &p->lst[i].udp_fd);
		dp_close(p, &p->lst[i].tcp_fd);
	}
	loop_timer_stop(p->l, &p->up_timer);
	loop_timer_stop(p->l, &p->tick);
	if (p->epfd >= 0) {
		loop_del_fd(p->l, p->epfd);
		close(p->epfd);
	}
	dns_upstream_free(&p->up);
	dns_hostaddr_close(&p->ha);
	dns_cache_free(&p->cache);
	if (p->has_map)
		dns_map_free(&p->map);
	free(p->pend);
	free(p->tcpbuf);
	free(p->rxb);
	free(p->txb);
	pthread_mutex_destroy(&p->map_lock);
	free(p);
}

void dns_proxy_set_upstreams(struct dns_proxy *p, const struct dns_servers *d)
{
	struct dns_up_server srv[DNS_UP_MAX_SERVERS];
	size_t n = 0;
	for (unsigned i = 0; i < d->n && i < DNS_MAX_SERVERS && n < DNS_UP_MAX_SERVERS; i++) {
		if (d->s[i].family != AF_INET && d->s[i].family != AF_INET6)
			continue;
		srv[n] = (struct dns_up_server){ .family = d->s[i].family == AF_INET ? 4 : 6,
			.port = p->cfg.upstream_port };
		memcpy(srv[n].addr, d->s[i].addr, d->s[i].family == AF_INET ? 4 : 16);
		n++;
	}
	bool is_same = n == p->up.n_srv;
	for (size_t i = 0; i < n && is_same; i++)
		is_same = srv[i].family == p->up.srv[i].family &&
			memcmp(srv[i].addr, p->up.srv[i].addr, 16) == 0;
	if (is_same)
		return;
	dns_upstream_set_servers(&p->up, srv, n, clock_now_ms());
	dns_cache_flush(&p->cache);
	log_info("dns[%s]: %zu upstream server%s", p->conn, n, n == 1 ? "" : "s");
}

bool dns_proxy_map_v4(struct dns_proxy *p, const uint8_t v4[4], uint8_t v6[16])
{
	uint64_t now = clock_now_ms();
	pthread_mutex_lock(&p->map_lock);
	const struct dns_map_entry *e = dns_map_by_v4(&p->map, v4, now);
	if (e) {
		memcpy(v6, e->v6, 16);
		dns_map_touch(&p->map, v4, now);
	}
	pthread_mutex_unlock(&p->map_lock);
	return e != NULL;
}

bool dns_proxy_map_v6(struct dns_proxy *p, const uint8_t v6[16], uint8_t v4[4])
{
	uint64_t now = clock_now_ms();
	pthread_mutex_lock(&p->map_lock);
	const struct dns_map_entry *e = dns_map_by_v6(&p->map, v6, now);
	if (e) {
		memcpy(v4, e->v4, 4);
		dns_map_touch(&p->map, v4, now);
	}
	pthread_mutex_unlock(&p->map_lock);
	return e != NULL;
}

void dns_proxy_stats(const struct dns_proxy *p, struct dns_proxy_stats *out)
{
	*out = p->st;
	out->upstream_timeouts = p->up.n_timeouts;
	out->servfail += p->up.n_servfail + p->up.n_full;
	out->map_used = p->map.n_used;
	out->outstanding = dns_upstream_outstanding(&p->up);
}
