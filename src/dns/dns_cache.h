/* DNS response cache for the proxy: raw responses keyed by (name lowercased, type, class, DO),
 * kept for their smallest TTL (negative answers: SOA, RFC 2308 §5), bounded in entries and bytes
 * with LRU eviction; a hit is served with the client's ID and question case and aged TTLs. Pure:
 * now_ms passed in. Memory: tables at init, each response copied into one malloc'd block. */
#ifndef V6L_DNS_CACHE_H
#define V6L_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns_codec.h"

#define DNS_CACHE_MAX_TTL_S 86400     /* one day */
#define DNS_CACHE_MAX_NEG_TTL_S 10800 /* RFC 2308 §5: one to three hours */
#define DNS_CACHE_MSG_MAX 4096        /* larger responses are not cached */
#define DNS_CACHE_NIL UINT32_MAX

struct dns_cache_entry {
	struct dns_name name; /* lowercased */
	uint16_t qtype, qclass;
	bool is_do, is_used;
	uint32_t hash; /* of the key, unmasked: probes and deletion compare it, never rehash */
	uint64_t stored_ms, expires_ms;
	uint8_t *msg;
	uint16_t len;
	uint32_t prev, next; /* LRU (head = most recent); next links the free list */
};

struct dns_cache {
	uint32_t capacity, n_used;
	size_t max_bytes, n_bytes;
	uint32_t table_mask, lru_head, lru_tail, free_head;
	struct dns_cache_entry *e;
	uint32_t *table; /* entry index + 1, 0 = empty; linear probing */
	uint8_t hash_key[16];
	uint64_t n_hits, n_misses, n_stored;
};

/* Allocates a cache of capacity entries holding at most max_bytes of responses; key is the
 * secret SipHash key (names are chosen by whoever queries). Returns false on bad sizes or ENOMEM. */
bool dns_cache_init(struct dns_cache *c, uint32_t capacity, size_t max_bytes,
	const uint8_t key[16]);
void dns_cache_free(struct dns_cache *c);
/* The caching TTL of response m, or 0 for "do not cache": TC, not QUERY, QDCOUNT != 1, an rcode
 * other than NOERROR/NXDOMAIN, records over the codec's caps, a negative answer without SOA
 * (RFC 2308 §5), or a TTL of 0. Capped at DNS_CACHE_MAX_TTL_S / DNS_CACHE_MAX_NEG_TTL_S. */
uint32_t dns_cache_ttl(const struct dns_msg *m);
/* Stores buf[0..len) (parsed as m) for the query's DO bit, replacing an entry with the same key.
 * Returns true if stored. buf is copied. */
bool dns_cache_put(struct dns_cache *c, bool query_do, const struct dns_msg *m, const uint8_t *buf,
	size_t len, uint64_t now_ms);
/* Serves query q from the cache into out[0..cap): q's ID, q's question name bytes (its case), each
 * TTL less the whole seconds since storing. Returns the length, 0 on a miss (or expired entry,
 * which is dropped), -1 if the cached response is larger than cap. */
int dns_cache_get(struct dns_cache *c, const struct dns_msg *q, uint64_t now_ms, uint8_t *out,
	size_t cap);
/* Drops everything (e.g. after the upstream servers changed). */
void dns_cache_flush(struct dns_cache *c);

#endif
