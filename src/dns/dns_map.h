/* DNS mapping table: IPv4 pool addresses handed out for IPv6-only destinations (A synthesized from
 * AAAA, RFC 6147 ideas), with v4->entry and v6->entry hash maps, expiry and LRU reuse of mappings
 * without a live flow. Pure: now_ms is passed in; memory is allocated once in dns_map_init.
 * Not thread-safe: the data plane must reach it through the control loop or a lock. */
#ifndef V6L_DNS_MAP_H
#define V6L_DNS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns_codec.h"

/* Default pool 198.18.0.0/15 (RFC 2544 §C.2.2 benchmarking, RFC 6890 §2.2.2: not globally
 * reachable). It is never assigned to hosts on the Internet, so a synthesized address cannot hide
 * a real destination; unlike 100.64.0.0/10 (RFC 6598) it is not the address space ISPs number
 * their CGN customers and services from (nor Tailscale's), which this daemon's users behind an
 * IPv4 CGN/DS-Lite ISP may route; unlike 240.0.0.0/4 every stack accepts it as unicast; unlike
 * 192.0.0.0/24 (RFC 6890 IETF assignments, 192.0.0.0/29 DS-Lite/RFC 7335) it is large (131070
 * addresses). Fake-IP DNS tools (Clash, sing-box, Surge) chose the same range. */
#define DNS_MAP_POOL_DEFAULT { 198, 18, 0, 0 }
#define DNS_MAP_POOL_LEN_DEFAULT 15
#define DNS_MAP_CAPACITY_DEFAULT 8192
#define DNS_MAP_CAPACITY_MAX (1u << 22)
#define DNS_MAP_TTL_DEFAULT_S 3600  /* a mapping lives at least this long after its last use */
#define DNS_MAP_TTL_FACTOR 4        /* ... and at least 4 DNS TTLs */
#define DNS_MAP_LIVE_DEFAULT_S 300  /* a flow is live this long after the translator's last touch */

enum dns_map_err {
	DNS_MAP_OK = 0,
	DNS_MAP_E_CFG,   /* pool not aligned, prefix length outside 8..30, capacity too big or 0 */
	DNS_MAP_E_NOMEM,
	DNS_MAP_E_FULL,  /* every mapping has a live flow */
};

struct dns_map_cfg {
	uint8_t pool[4];
	uint8_t pool_len;
	uint32_t capacity;       /* mappings held at once; at most the usable pool addresses */
	uint32_t mapping_ttl_s;
	uint32_t live_s;
	bool has_router_addr;    /* ipv4_router_addr: never handed out if inside the pool */
	uint8_t router_addr[4];
	uint8_t hash_key[16];    /* secret (from struct v6l_rng): names/AAAA are attacker-chosen */
};

#define DNS_MAP_NIL UINT32_MAX

/* One mapping; read-only for callers. */
struct dns_map_entry {
	uint8_t v4[4];
	uint8_t v6[16];
	struct dns_name name;   /* the owner name of the AAAA record (for PTR) */
	uint64_t expires_ms;
	uint64_t live_until_ms; /* 0 = no flow yet */
	uint32_t prev, next;    /* LRU list (head = most recent); next is the free list link */
	bool is_used;
};

struct dns_map {
	struct dns_map_cfg cfg;
	uint32_t pool_base;     /* host order */
	uint32_t pool_size;     /* 2^(32 - pool_len) */
	uint32_t cursor;        /* next host offset tried for a new address */
	uint32_t n_used;
	uint32_t lru_head, lru_tail, free_head;
	uint32_t table_mask;
	struct dns_map_entry *e;  /* cfg.capacity entries */
	uint32_t *by_v4, *by_v6;  /* open addressing, linear probing: entry index + 1, 0 = empty */
	uint64_t n_reused;        /* LRU reuses under exhaustion */
};

/* Fills *c with the defaults above (no router address, zero hash key). */
void dns_map_cfg_default(struct dns_map_cfg *c);
/* Allocates the tables for cfg (copied). On error nothing is allocated. */
enum dns_map_err dns_map_init(struct dns_map *m, const struct dns_map_cfg *cfg);
void dns_map_free(struct dns_map *m);
/* The pool address for v6: the existing mapping (revived if expired, name updated) or a new one,
 * reusing the least recently used mapping without a live flow when full. The mapping then lives
 * max(dns_ttl_s * DNS_MAP_TTL_FACTOR, mapping_ttl_s) from now. name is copied. */
enum dns_map_err dns_map_lookup_or_add(struct dns_map *m, const uint8_t v6[16],
	const struct dns_name *name, uint32_t dns_ttl_s, uint64_t now_ms, uint8_t out_v4[4]);
/* Traffic on v4's mapping: its flow is live for live_s and the mapping for mapping_ttl_s.
 * Returns false for an address without an unexpired mapping. */
bool dns_map_touch(struct dns_map *m, const uint8_t v4[4], uint64_t now_ms);
/* The unexpired mapping of pool address v4 (NAT46 destination, PTR), or NULL. Borrowed until the
 * next non-const call. */
const struct dns_map_entry *dns_map_by_v4(const struct dns_map *m, const uint8_t v4[4],
	uint64_t now_ms);
/* The unexpired mapping of v6 (NAT46 return path), or NULL. */
const struct dns_map_entry *dns_map_by_v6(const struct dns_map *m, const uint8_t v6[16],
	uint64_t now_ms);
/* Frees every expired mapping; returns how many. */
uint32_t dns_map_expire(struct dns_map *m, uint64_t now_ms);
bool dns_map_in_pool(const struct dns_map *m, const uint8_t v4[4]);
const char *dns_map_err_str(enum dns_map_err e);

#endif
