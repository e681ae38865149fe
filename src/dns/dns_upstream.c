/* DNS proxy upstream table (RFC 5452 §9 ID/source checks, RFC 1035 §7.2 retransmission to other
 * servers, RFC 7766 TCP when a reply for a TCP client is truncated). Pure FSM: now_ms passed in;
 * sends and replies go out through struct dns_up_ops. */
#include "dns/dns_upstream.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

bool dns_upstream_init(struct dns_upstream *up, uint32_t capacity, uint32_t timeout_ms,
	uint8_t max_tries, const struct dns_up_ops *ops, void *ctx, struct v6l_rng *rng,
	const char *conn)
{
	memset(up, 0, sizeof(*up));
	if (capacity == 0 || capacity > 65536)
		return false;
	up->q = calloc(capacity, sizeof(*up->q));
	up->free_stk = calloc(capacity, sizeof(*up->free_stk));
	up->deadline = calloc(capacity, sizeof(*up->deadline));
	up->slot_of_id = calloc(65536, sizeof(*up->slot_of_id));
	if (!up->q || !up->free_stk || !up->deadline || !up->slot_of_id) {
		dns_upstream_free(up);
		return false;
	}
	up->capacity = capacity;
	for (uint32_t i = 0; i < capacity; i++) {
		up->free_stk[i] = capacity - 1 - i; /* slot 0 on top */
		up->deadline[i] = V6L_NEVER;
	}
	up->n_free = capacity;
	up->timeout_ms = timeout_ms ? timeout_ms : DNS_UP_TIMEOUT_MS;
	up->max_tries = max_tries ? max_tries : DNS_UP_MAX_TRIES;
	up->ops = ops;
	up->ctx = ctx;
	up->rng = rng;
	up->conn = conn;
	return true;
}

void dns_upstream_free(struct dns_upstream *up)
{
	free(up->q);
	free(up->free_stk);
	free(up->deadline);
	free(up->slot_of_id);
	up->q = NULL;
	up->free_stk = NULL;
	up->deadline = NULL;
	up->slot_of_id = NULL;
	up->capacity = up->n_free = 0;
}

void dns_upstream_set_servers(struct dns_upstream *up, const struct dns_up_server *srv,
	size_t n, uint64_t now_ms)
{
	(void)now_ms;
	up->n_srv = (uint8_t)(n < DNS_UP_MAX_SERVERS ? n : DNS_UP_MAX_SERVERS);
	for (size_t i = 0; i < up->n_srv; i++) {
		up->srv[i] = (struct dns_up_server){ .family = srv[i].family,
			.port = srv[i].port ? srv[i].port : 53 };
		memcpy(up->srv[i].addr, srv[i].addr, 16);
	}
	for (uint32_t i = 0; i < up->capacity; i++) {
		up->q[i].tried_mask = 0; /* a reply from a server no longer listed is not accepted */
		up->q[i].server = UINT8_MAX; /* nor is a new server blamed for the old one's timeout */
	}
}

static bool dns_up_id_used(const struct dns_upstream *up, uint16_t id)
{
	return up->id_used[id >> 3] & (1u << (id & 7));
}

static void dns_up_id_mark(struct dns_upstream *up, uint16_t id, bool used)
{
	if (used)
		up->id_used[id >> 3] = (uint8_t)(up->id_used[id >> 3] | 1u << (id & 7));
	else
		up->id_used[id >> 3] = (uint8_t)(up->id_used[id >> 3] & ~(1u << (id & 7)));
}

/* A random ID no outstanding query has (RFC 5452 §4.3: unpredictable). capacity < 65536 so one
 * is free; after 32 draws fall back to a scan from a random start. */
static uint16_t dns_up_new_id(struct dns_upstream *up)
{
	uint16_t id = 0;
	for (int i = 0; i < 32; i++) {
		id = (uint16_t)rng_u32(up->rng);
		if (!dns_up_id_used(up, id))
			return id;
	}
	while (dns_up_id_used(up, id))
		id++;
	return id;
}

static void dns_up_release(struct dns_upstream *up, struct dns_up_query *q)
{
	uint32_t i = (uint32_t)(q - up->q);
	dns_up_id_mark(up, q->id, false);
	q->is_used = false;
	up->deadline[i] = V6L_NEVER;
	up->free_stk[up->n_free++] = i;
	if (up->ops->release)
		up->ops->release(up->ctx, (unsigned)(q - up->q));
}

/* Builds an error answer to the parsed query m and sends it to client. */
static void dns_up_answer_error(struct dns_upstream *up, const struct dns_msg *m, uint64_t client,
	enum dns_up_transport tr, uint16_t rcode)
{
	uint8_t out[DNS_UDP_MIN];
	int n = dns_build_response(m, rcode, NULL, 0, sizeof(out), out, sizeof(out));
	if (n > 0)
		up->ops->reply(up->ctx, client, tr, out, (size_t)n);
}

/* The next server for q: untried before tried, not backing off before backing off, then list
 * order starting after the current one. */
static int dns_up_pick(const struct dns_upstream *up, const struct dns_up_query *q,
	uint64_t now_ms)
{
	int best = -1, best_score = 0;
	unsigned start = q->n_tries && q->server < up->n_srv ? (unsigned)q->server + 1 : 0;
	for (unsigned k = 0; k < up->n_srv; k++) {
		unsigned i = (start + k) % up->n_srv;
		int score = ((q->tried_mask >> i) & 1u ? 2 : 0) +
			(up->srv[i].backoff_until_ms > now_ms ? 1 : 0);
		if (best < 0 || score < best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}

/* One try of q at server s; false if the glue could not send. */
static bool dns_up_send_to(struct dns_upstream *up, struct dns_up_query *q, unsigned s,
	uint64_t now_ms)
{
	q->server = (uint8_t)s;
	q->n_tries++;
	q->tried_mask |= 1u << s;
	q->deadline_ms = now_ms + up->timeout_ms;
	up->deadline[q - up->q] = q->deadline_ms;
	up->srv[s].n_sent++;
	return up->ops->send(up->ctx, s, (unsigned)(q - up->q), q->is_tcp_now, q->buf, q->len) == 0;
}

/* Sends q to the next server; on a send error tries the others right away. false when no try
 * is left (the caller answers SERVFAIL). */
static bool dns_up_send_next(struct dns_upstream *up, struct dns_up_query *q, uint64_t now_ms)
{
	while (q->n_tries < up->max_tries) {
		int s = dns_up_pick(up, q, now_ms);
		if (s < 0)
			return false;
		if (dns_up_send_to(up, q, (unsigned)s, now_ms))
			return true;
	}
	return false;
}

static void dns_up_fail(struct dns_upstream *up, struct dns_up_query *q)
{
	struct dns_msg *m = &up->scratch;
	up->n_servfail++;
	if (dns_parse(q->buf, q->len, m) == DNS_E_OK) {
		m->id = q->client_id;
		dns_up_answer_error(up, m, q->client, q->tr, DNS_RCODE_SERVFAIL);
	}
	dns_up_release(up, q);
}

static struct dns_up_query *dns_up_free_slot(struct dns_upstream *up)
{
	return up->n_free ? &up->q[up->free_stk[up->n_free - 1]] : NULL;
}

enum dns_up_result dns_upstream_on_query(struct dns_upstream *up, uint64_t client,
	enum dns_up_transport tr, const uint8_t *buf, size_t len, uint64_t now_ms)
{
	if (dns_parse(buf, len, &up->scratch) != DNS_E_OK)
		return DNS_UP_DROPPED;
	return dns_upstream_on_query_msg(up, client, tr, &up->scratch, buf, len, now_ms);
}

enum dns_up_result dns_upstream_on_query_msg(struct dns_upstream *up, uint64_t client,
	enum dns_up_transport tr, const struct dns_msg *m, const uint8_t *buf, size_t len,
	uint64_t now_ms)
{
	if (m->is_response || m->n_q != 1)
		return DNS_UP_DROPPED; /* RFC 1035 §7.3: never answer a response */
	uint16_t rcode = DNS_RCODE_NOERROR;
	struct dns_up_query *q = NULL;
	if (m->opcode != 0)
		rcode = DNS_RCODE_NOTIMP;
	else if (len > DNS_UP_QUERY_MAX)
		rcode = DNS_RCODE_FORMERR;
	else if (up->n_srv == 0)
		rcode = DNS_RCODE_SERVFAIL;
	else if (!(q = dns_up_free_slot(up)))
		rcode = DNS_RCODE_SERVFAIL;
	if (up->n_srv && !q && rcode == DNS_RCODE_SERVFAIL)
		up->n_full++;
	if (rcode != DNS_RCODE_NOERROR) {
		dns_up_answer_error(up, m, client, tr, rcode);
		return DNS_UP_ANSWERED;
	}
	up->n_free--; /* q is the top of the stack */
	*q = (struct dns_up_query){ .is_used = true, .tr = tr, .client = client,
		.client_id = m->id, .q = m->q[0], .len = (uint16_t)len };
	q->id = dns_up_new_id(up);
	dns_up_id_mark(up, q->id, true);
	up->slot_of_id[q->id] = (uint16_t)(q - up->q);
	memcpy(q->buf, buf, len);
	dns_set_id(q->buf, len, q->id);
	if (!dns_up_send_next(up, q, now_ms)) {
		dns_up_fail(up, q);
		return DNS_UP_ANSWERED;
	}
	return DNS_UP_SENT;
}

/* The index of the server q was sent to that has this address and port, or -1. */
static int dns_up_from_tried(const struct dns_upstream *up, const struct dns_up_query *q,
	uint8_t family, const uint8_t *addr, uint16_t port)
{
	for (unsigned i = 0; i < up->n_srv; i++) {
		const struct dns_up_server *s = &up->srv[i];
		if (((q->tried_mask >> i) & 1u) && s->family == family && s->port == port &&
			memcmp(s->addr, addr, family == 4 ? 4 : 16) == 0)
			return (int)i;
	}
	return -1;
}

static struct dns_up_query *dns_up_by_id(struct dns_upstream *up, uint16_t id)
{
	if (!dns_up_id_used(up, id))
		return NULL;
	struct dns_up_query *q = &up->q[up->slot_of_id[id]];
	return q->is_used && q->id == id ? q : NULL;
}

/* RFC 5452 §9.1: ID, source address and port, and the question must all match. */
static struct dns_up_query *dns_up_accept(struct dns_upstream *up, uint8_t family,
	const uint8_t *addr, uint16_t port, const uint8_t *buf, size_t len, unsigned *server)
{
	struct dns_msg *m = &up->scratch;
	struct dns_up_query *q = dns_up_by_id(up, dns_get_id(buf, len));
	int s = q ? dns_up_from_tried(up, q, family, addr, port) : -1;
	if (s < 0)
		return NULL;
	*server = (unsigned)s;
	if (dns_parse(buf, len, m) != DNS_E_OK || !m->is_response || m->n_q != 1 ||
		m->q[0].qtype != q->q.qtype || m->q[0].qclass != q->q.qclass ||
		!dns_name_eq(&m->q[0].name, &q->q.name))
		return NULL;
	return q;
}

static bool dns_up_is_server_error(uint16_t rcode)
{
	return rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED ||
		rcode == DNS_RCODE_NOTIMP;
}

void dns_upstream_on_reply(struct dns_upstream *up, uint8_t family, const uint8_t *addr,
	uint16_t port, const uint8_t *buf, size_t len, uint64_t now_ms)
{
	unsigned from = 0;
	struct dns_up_query *q = dns_up_accept(up, family, addr, port, buf, len, &from);
	if (!q) {
		up->n_rejected++;
		log_debug(LOGC_HOST, "dns[%s]: reply of %zu bytes rejected (ID, source or question)",
			up->conn, len);
		return;
	}
	struct dns_up_server *s = &up->srv[from];
	s->n_fail = 0;
	s->backoff_until_ms = 0;
	s->n_answers++;
	const struct dns_msg *m = &up->scratch;
	/* RFC 7766 §5: a TCP client gets the full answer, so ask again over TCP. */
	if (m->is_tc && q->tr == DNS_UP_TCP && !q->is_tcp_now) {
		q->is_tcp_now = true;
		q->n_tries = 0; /* a fresh budget over TCP, starting with the same server */
		if (dns_up_send_to(up, q, from, now_ms) || dns_up_send_next(up, q, now_ms))
			return;
	} else if (dns_up_is_server_error(m->rcode) && q->n_tries < up->max_tries &&
		dns_up_send_next(up, q, now_ms)) {
		return; /* RFC 1035 §7.2-style: another server may do better */
	}
	uint8_t out[DNS_MSG_MAX];
	memcpy(out, buf, len);
	dns_set_id(out, len, q->client_id);
	up->reply_msg = m;
	up->ops->reply(up->ctx, q->client, q->tr, out, len);
	up->reply_msg = NULL;
	dns_up_release(up, q);
}

/* A try timed out: the server backs off (doubling), and the query moves on. */
static void dns_up_timeout(struct dns_upstream *up, struct dns_up_query *q, uint64_t now_ms)
{
	up->n_timeouts++;
	if (q->server < up->n_srv) {
		struct dns_up_server *s = &up->srv[q->server];
		s->n_timeouts++;
		uint64_t b = DNS_UP_BACKOFF_MS;
		for (uint32_t i = 0; i < s->n_fail && b < DNS_UP_BACKOFF_MAX_MS; i++)
			b *= 2;
		s->n_fail++;
		s->backoff_until_ms = now_ms + (b < DNS_UP_BACKOFF_MAX_MS ? b : DNS_UP_BACKOFF_MAX_MS);
	}
	if (!dns_up_send_next(up, q, now_ms))
		dns_up_fail(up, q);
}

void dns_upstream_on_timer(struct dns_upstream *up, uint64_t now_ms)
{
	for (uint32_t i = 0; i < up->capacity; i++)
		if (up->deadline[i] <= now_ms && up->q[i].is_used)
			dns_up_timeout(up, &up->q[i], now_ms);
}

uint64_t dns_upstream_next_deadline(const struct dns_upstream *up)
{
	uint64_t d = V6L_NEVER;
	if (up->n_free == up->capacity)
		return d;
	for (uint32_t i = 0; i < up->capacity; i++)
		d = clock_min(d, up->deadline[i]);
	return d;
}

void dns_upstream_cancel_client(struct dns_upstream *up, uint64_t client)
{
	for (uint32_t i = 0; i < up->capacity; i++)
		if (up->q[i].is_used && up->q[i].client == client)
			dns_up_release(up, &up->q[i]);
}

unsigned dns_upstream_outstanding(const struct dns_upstream *up)
{
	return up->capacity - up->n_free;
}
