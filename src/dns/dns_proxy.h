/* DNS proxy I/O (issue #5): UDP and TCP (RFC 7766) listeners relaying to the ISP's servers of
 * either family from a fresh random-port socket per query (RFC 5452 §9.2), with the response
 * cache, A records synthesized from AAAA for IPv4-only applications (the pool of dns_map) and PTR
 * answers for pool addresses. It answers the host itself only, at a rate per source, UDP answers
 * at most 1232 octets (dns_guard, issue #13). Its sockets sit in a private epoll set: one fd in
 * the loop. */
#ifndef V6L_DNS_PROXY_H
#define V6L_DNS_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/dns_map.h"

struct loop;
struct dns_servers;

#define DNS_PROXY_MAX_LISTEN 4
#define DNS_PROXY_PENDING_MAX 256      /* client queries in flight (each uses 1-2 upstream slots) */
#define DNS_PROXY_TCP_CONNS_MAX 32     /* client TCP connections at once; more are closed */
#define DNS_PROXY_TCP_IDLE_MS 10000    /* RFC 7766 §6.2.3: idle client connections are closed */
#define DNS_PROXY_TCP_UP_MAX 16        /* upstream TCP queries at once (truncated replies) */
/* Default queries a second per source (burst the same): above the most one source got from the
 * proxy in bench/dns_proxy_bench.sh (198 k/s), so only a runaway sender meets it. */
#define DNS_PROXY_RATE_QPS 250000
#define DNS_PROXY_CACHE_ENTRIES 4096
#define DNS_PROXY_CACHE_BYTES (4u << 20)

struct dns_proxy_cfg {
	unsigned n_listen; /* UDP and TCP on each address */
	struct {
		int family;    /* AF_INET or AF_INET6 */
		uint8_t addr[16];
	} listen[DNS_PROXY_MAX_LISTEN];
	uint16_t port;     /* 0 means 53 */
	bool synthesize;   /* A for AAAA-only names from the pool (NAT46) */
	struct dns_map_cfg map; /* its hash_key is replaced by a random one */
	/* Whether the host can reach IPv4 destination dst; NULL = never. */
	bool (*has_ipv4_route)(void *ctx, const uint8_t dst[4]);
	void *ctx;
	uint16_t upstream_port; /* 0 means 53 (tests) */
	uint32_t rate_qps;      /* per source; 0 = no limit */
	uint32_t rate_burst;    /* 0 = rate_qps */
};

struct dns_proxy_stats {
	uint64_t queries;           /* client queries parsed (UDP and TCP) */
	uint64_t queries_tcp;
	uint64_t cache_hits;        /* answered from the cache alone */
	uint64_t forwarded;         /* client queries that went upstream */
	uint64_t synthesized;       /* A answers from the pool */
	uint64_t ptr_answered;      /* PTR queries for pool addresses */
	uint64_t truncated;         /* UDP answers cut to the client's size (TC) */
	uint64_t upstream_sent, upstream_timeouts, failovers, upstream_rejected, upstream_tcp;
	uint64_t servfail;          /* SERVFAIL after every try failed, or no server */
	uint64_t tcp_conns;         /* client TCP connections accepted */
	uint64_t drop_malformed;    /* unparsable or a response */
	uint64_t drop_busy;         /* no free pending slot: answered SERVFAIL */
	uint64_t drop_tcp_limit;    /* connection refused: DNS_PROXY_TCP_CONNS_MAX */
	uint64_t drop_tcp_oversize; /* TCP query over DNS_UP_QUERY_MAX: connection closed */
	uint64_t drop_send;         /* reply could not be sent to the client */
	uint64_t drop_not_host;     /* UDP queries and TCP clients not from the host: dropped, closed */
	uint64_t drop_ratelimit;    /* queries over their source's rate: dropped */
	uint32_t map_used;          /* pool mappings held */
	uint32_t outstanding;       /* upstream queries in flight */
};

/* Fills *c: no listener, port 53, no synthesis, the default pool, no IPv4 route callback,
 * DNS_PROXY_RATE_QPS per source. */
void dns_proxy_cfg_default(struct dns_proxy_cfg *c);
/* Opens the listeners and registers with l (borrowed, as is conn). Returns NULL, logged, on
 * failure (e.g. the port is busy). No upstream yet: queries get SERVFAIL until set_upstreams. */
struct dns_proxy *dns_proxy_new(struct loop *l, const struct dns_proxy_cfg *cfg, const char *conn);
/* Replaces the upstream servers (IPv4 and IPv6 in any mix; copied) and flushes the cache if they
 * changed. An empty set answers SERVFAIL. */
void dns_proxy_set_upstreams(struct dns_proxy *p, const struct dns_servers *d);
/* The NAT46 translator's lookups, thread-safe (the table is locked against the proxy's own
 * use): the IPv6 address pool address v4 stands for, or the pool address of v6; each marks the
 * mapping's flow live (LRU reuse spares it). False when there is no unexpired mapping. */
bool dns_proxy_map_v4(struct dns_proxy *p, const uint8_t v4[4], uint8_t v6[16]);
bool dns_proxy_map_v6(struct dns_proxy *p, const uint8_t v6[16], uint8_t v4[4]);
void dns_proxy_stats(const struct dns_proxy *p, struct dns_proxy_stats *out);
/* Closes every socket, cancels the queries in flight and frees p (NULL is fine). */
void dns_proxy_free(struct dns_proxy *p);

#endif
