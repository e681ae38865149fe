/* DNS proxy upstream table: each client query is relayed under a fresh random ID (unique among
 * those outstanding) to one of the ISP's servers (IPv4 or IPv6, whatever the client used), with
 * timeout, failover and a per-server back-off; replies are accepted only from a server the query
 * went to, with its ID and question (RFC 5452 §9.1). Pure: now_ms passed in, effects via ops. */
#ifndef V6L_DNS_UPSTREAM_H
#define V6L_DNS_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "dns/dns_codec.h"

#define DNS_UP_MAX_SERVERS 8
#define DNS_UP_TIMEOUT_MS 1500     /* per try; then the next server */
#define DNS_UP_MAX_TRIES 3         /* sends per query (incl. a TCP retry) before SERVFAIL */
#define DNS_UP_BACKOFF_MS 2000     /* first back-off of a server that timed out; doubles */
#define DNS_UP_BACKOFF_MAX_MS 60000
#define DNS_UP_QUERY_MAX 1024      /* larger client queries get FORMERR */
#define DNS_UP_CAPACITY_DEFAULT 256

enum dns_up_transport { DNS_UP_UDP, DNS_UP_TCP };

enum dns_up_result {
	DNS_UP_SENT,      /* forwarded; the answer comes through ops->reply */
	DNS_UP_ANSWERED,  /* answered at once through ops->reply (error rcode) */
	DNS_UP_DROPPED,   /* not a query we can parse: nothing sent */
};

struct dns_up_server {
	uint8_t family;    /* 4 or 6 */
	uint8_t addr[16];  /* IPv4 in the first 4 bytes */
	uint16_t port;     /* 0 means 53 */
	uint32_t n_fail;   /* consecutive timeouts */
	uint64_t backoff_until_ms;
	uint64_t n_sent, n_timeouts, n_answers;
};

struct dns_up_ops {
	/* Sends query buf[0..len) to server server_idx over UDP, or TCP when is_tcp. Source port
	 * randomisation (RFC 5452 §9.2) is the glue's: a fresh socket per slot, closed on release.
	 * Returns 0, or -1 (e.g. no route to that family) and the next server is tried at once. */
	int (*send)(void *ctx, unsigned server_idx, unsigned slot, bool is_tcp, const uint8_t *buf,
		size_t len);
	/* The answer for client (the handle given to on_query), with the client's own ID. */
	void (*reply)(void *ctx, uint64_t client, enum dns_up_transport tr, const uint8_t *buf,
		size_t len);
	/* Slot done (answered, failed or cancelled); optional. */
	void (*release)(void *ctx, unsigned slot);
};

struct dns_up_query {
	bool is_used, is_tcp_now;
	enum dns_up_transport tr;
	uint64_t client;
	uint16_t id, client_id;
	struct dns_question q;
	uint8_t server, n_tries;
	uint32_t tried_mask;     /* servers sent to: their replies are accepted */
	uint64_t deadline_ms;
	uint16_t len;
	uint8_t buf[DNS_UP_QUERY_MAX];
};

struct dns_upstream {
	const struct dns_up_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	const char *conn;
	uint32_t timeout_ms;
	uint8_t max_tries;
	uint8_t n_srv;
	struct dns_up_server srv[DNS_UP_MAX_SERVERS];
	uint32_t capacity;
	struct dns_up_query *q;
	/* Compact views of q (found without walking the large slots): free slots as a stack, each
	 * slot's deadline (V6L_NEVER when free), the slot of each ID in use. */
	uint32_t *free_stk, n_free;
	uint64_t *deadline;
	uint16_t *slot_of_id;
	uint8_t id_used[65536 / 8];
	/* During ops->reply for an upstream answer: that answer parsed (its ID the upstream one);
	 * NULL for an answer made here. */
	const struct dns_msg *reply_msg;
	uint64_t n_rejected, n_timeouts, n_servfail, n_full;
	struct dns_msg scratch; /* parse buffer */
};

/* Allocates capacity slots; ops, ctx, rng and conn are borrowed. timeout_ms/max_tries 0 take
 * the defaults. Returns false on ENOMEM or capacity 0. */
bool dns_upstream_init(struct dns_upstream *up, uint32_t capacity, uint32_t timeout_ms,
	uint8_t max_tries, const struct dns_up_ops *ops, void *ctx, struct v6l_rng *rng,
	const char *conn);
void dns_upstream_free(struct dns_upstream *up);
/* Replaces the server list (copied: family, addr, port) and resets their scores; queries under
 * way keep going and move to the new servers on their next try. n is capped. */
void dns_upstream_set_servers(struct dns_upstream *up, const struct dns_up_server *srv,
	size_t n, uint64_t now_ms);
/* A client query buf[0..len). Not a query / unparsable: dropped; other opcodes: NOTIMP; too
 * big: FORMERR; no server or table full: SERVFAIL. */
enum dns_up_result dns_upstream_on_query(struct dns_upstream *up, uint64_t client,
	enum dns_up_transport tr, const uint8_t *buf, size_t len, uint64_t now_ms);
/* The same with buf already parsed into *m (by the caller, with DNS_E_OK): one parse less. */
enum dns_up_result dns_upstream_on_query_msg(struct dns_upstream *up, uint64_t client,
	enum dns_up_transport tr, const struct dns_msg *m, const uint8_t *buf, size_t len,
	uint64_t now_ms);
/* A datagram or TCP message from family/addr/port; accepted only if it answers an outstanding
 * query sent to that server with that ID and question, else counted in n_rejected. */
void dns_upstream_on_reply(struct dns_upstream *up, uint8_t family, const uint8_t *addr,
	uint16_t port, const uint8_t *buf, size_t len, uint64_t now_ms);
/* Handles due timeouts: next server, or SERVFAIL after max_tries. */
void dns_upstream_on_timer(struct dns_upstream *up, uint64_t now_ms);
uint64_t dns_upstream_next_deadline(const struct dns_upstream *up);
/* Forgets the queries of client (e.g. its TCP connection closed) without answering. */
void dns_upstream_cancel_client(struct dns_upstream *up, uint64_t client);
unsigned dns_upstream_outstanding(const struct dns_upstream *up);

#endif
