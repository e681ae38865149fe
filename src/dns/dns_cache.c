/* DNS response cache (RFC 1035 §7.4, RFC 2181 §5.2/§8, RFC 2308 §5): SipHash-keyed open addressing
 * with backward-shift deletion, an LRU list of indices, byte and entry budgets. */
#include "dns/dns_cache.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct dns_cache_key {
	struct dns_name name;
	uint16_t qtype, qclass;
	bool is_do;
};

static uint32_t dns_cache_hash(const struct dns_cache *c, const struct dns_cache_key *k)
{
	uint8_t buf[DNS_NAME_MAX + 5], h[crypto_shorthash_BYTES];
	memcpy(buf, k->name.b, k->name.len);
	buf[k->name.len] = (uint8_t)(k->qtype >> 8);
	buf[k->name.len + 1] = (uint8_t)k->qtype;
	buf[k->name.len + 2] = (uint8_t)(k->qclass >> 8);
	buf[k->name.len + 3] = (uint8_t)k->qclass;
	buf[k->name.len + 4] = k->is_do;
	crypto_shorthash(h, buf, k->name.len + 5u, c->hash_key);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static bool dns_cache_key_eq(const struct dns_cache_entry *e, const struct dns_cache_key *k,
	uint32_t hash)
{
	return e->hash == hash && e->qtype == k->qtype && e->qclass == k->qclass && e->is_do == k->is_do &&
		e->name.len == k->name.len && memcmp(e->name.b, k->name.b, k->name.len) == 0;
}

bool dns_cache_init(struct dns_cache *c, uint32_t capacity, size_t max_bytes,
	const uint8_t key[16])
{
	memset(c, 0, sizeof(*c));
	if (capacity == 0 || capacity > (1u << 24) || max_bytes < DNS_CACHE_MSG_MAX)
		return false;
	uint32_t tsize = 1;
	while (tsize < 2 * capacity)
		tsize <<= 1;
	c->e = calloc(capacity, sizeof(*c->e));
	c->table = calloc(tsize, sizeof(uint32_t));
	if (!c->e || !c->table) {
		dns_cache_free(c);
		return false;
	}
	c->capacity = capacity;
	c->max_bytes = max_bytes;
	c->table_mask = tsize - 1;
	memcpy(c->hash_key, key, 16);
	for (uint32_t i = 0; i < capacity; i++)
		c->e[i].next = i + 1 < capacity ? i + 1 : DNS_CACHE_NIL;
	c->free_head = 0;
	c->lru_head = c->lru_tail = DNS_CACHE_NIL;
	return true;
}

void dns_cache_flush(struct dns_cache *c)
{
	for (uint32_t i = 0; i < c->capacity; i++) {
		free(c->e[i].msg);
		c->e[i] = (struct dns_cache_entry){ .next = i + 1 < c->capacity ? i + 1 : DNS_CACHE_NIL };
	}
	if (c->table)
		memset(c->table, 0, (c->table_mask + 1u) * sizeof(uint32_t));
	c->free_head = c->capacity ? 0 : DNS_CACHE_NIL;
	c->lru_head = c->lru_tail = DNS_CACHE_NIL;
	c->n_used = 0;
	c->n_bytes = 0;
}

void dns_cache_free(struct dns_cache *c)
{
	if (c->e)
		dns_cache_flush(c);
	free(c->e);
	free(c->table);
	c->e = NULL;
	c->table = NULL;
}

static uint32_t dns_cache_find(const struct dns_cache *c, const struct dns_cache_key *k,
	uint32_t hash)
{
	for (uint32_t i = hash & c->table_mask;; i = (i + 1) & c->table_mask) {
		if (c->table[i] == 0)
			return DNS_CACHE_NIL;
		if (dns_cache_key_eq(&c->e[c->table[i] - 1], k, hash))
			return c->table[i] - 1;
	}
}

/* Backward-shift deletion of entry idx's slot (Knuth 6.4 algorithm R). */
static void dns_cache_unhash(struct dns_cache *c, uint32_t idx)
{
	uint32_t i = c->e[idx].hash & c->table_mask;
	while (c->table[i] != idx + 1) {
		if (c->table[i] == 0)
			return;
		i = (i + 1) & c->table_mask;
	}
	for (uint32_t j = (i + 1) & c->table_mask; c->table[j]; j = (j + 1) & c->table_mask) {
		uint32_t home = c->e[c->table[j] - 1].hash & c->table_mask;
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			c->table[i] = c->table[j];
			i = j;
		}
	}
	c->table[i] = 0;
}

static void dns_cache_unlink(struct dns_cache *c, uint32_t idx)
{
	struct dns_cache_entry *e = &c->e[idx];
	if (e->prev != DNS_CACHE_NIL)
		c->e[e->prev].next = e->next;
	else
		c->lru_head = e->next;
	if (e->next != DNS_CACHE_NIL)
		c->e[e->next].prev = e->prev;
	else
		c->lru_tail = e->prev;
}

static void dns_cache_push_head(struct dns_cache *c, uint32_t idx)
{
	c->e[idx].prev = DNS_CACHE_NIL;
	c->e[idx].next = c->lru_head;
	if (c->lru_head != DNS_CACHE_NIL)
		c->e[c->lru_head].prev = idx;
	else
		c->lru_tail = idx;
	c->lru_head = idx;
}

static void dns_cache_drop(struct dns_cache *c, uint32_t idx)
{
	struct dns_cache_entry *e = &c->e[idx];
	dns_cache_unhash(c, idx);
	dns_cache_unlink(c, idx);
	c->n_bytes -= e->len;
	free(e->msg);
	*e = (struct dns_cache_entry){ .next = c->free_head, .prev = DNS_CACHE_NIL };
	c->free_head = idx;
	c->n_used--;
}

static uint32_t dns_cache_min_ttl(const struct dns_rr *rr, size_t n, uint32_t ttl)
{
	for (size_t i = 0; i < n; i++)
		if (rr[i].ttl < ttl)
			ttl = rr[i].ttl;
	return ttl;
}

uint32_t dns_cache_ttl(const struct dns_msg *m)
{
	if (!m->is_response || m->is_tc || m->opcode != 0 || m->qdcount != 1 || m->n_q != 1 ||
		m->n_dropped)
		return 0;
	uint32_t ttl = UINT32_MAX, cap = DNS_CACHE_MAX_TTL_S;
	if (m->rcode == DNS_RCODE_NXDOMAIN || (m->rcode == DNS_RCODE_NOERROR && m->n_an == 0)) {
		if (!dns_msg_negative_ttl(m, &ttl))
			return 0; /* RFC 2308 §5: no SOA, no negative caching */
		cap = DNS_CACHE_MAX_NEG_TTL_S;
	} else if (m->rcode != DNS_RCODE_NOERROR) {
		return 0;
	}
	ttl = dns_cache_min_ttl(m->an, m->n_an, ttl);
	ttl = dns_cache_min_ttl(m->ns, m->n_ns, ttl);
	ttl = dns_cache_min_ttl(m->ar, m->n_ar, ttl);
	return ttl < cap ? ttl : cap;
}

/* Evicts from the LRU tail until one more entry of len bytes fits. */
static void dns_cache_make_room(struct dns_cache *c, size_t len)
{
	while (c->lru_tail != DNS_CACHE_NIL &&
		(c->n_used >= c->capacity || c->n_bytes + len > c->max_bytes))
		dns_cache_drop(c, c->lru_tail);
}

bool dns_cache_put(struct dns_cache *c, bool query_do, const struct dns_msg *m, const uint8_t *buf,
	size_t len, uint64_t now_ms)
{
	uint32_t ttl = dns_cache_ttl(m);
	if (ttl == 0 || len > DNS_CACHE_MSG_MAX || len < DNS_HDR_LEN)
		return false;
	struct dns_cache_key k = { .name = m->q[0].name, .qtype = m->q[0].qtype,
		.qclass = m->q[0].qclass, .is_do = query_do };
	dns_name_lower(&k.name);
	uint32_t hash = dns_cache_hash(c, &k);
	uint32_t old = dns_cache_find(c, &k, hash);
	if (old != DNS_CACHE_NIL)
		dns_cache_drop(c, old);
	uint8_t *copy = malloc(len);
	if (!copy)
		return false;
	dns_cache_make_room(c, len);
	uint32_t idx = c->free_head;
	struct dns_cache_entry *e = &c->e[idx];
	c->free_head = e->next;
	*e = (struct dns_cache_entry){ .name = k.name, .qtype = k.qtype, .qclass = k.qclass,
		.is_do = query_do, .is_used = true, .hash = hash, .stored_ms = now_ms,
		.expires_ms = now_ms + (uint64_t)ttl * 1000u, .msg = copy, .len = (uint16_t)len };
	memcpy(copy, buf, len);
	uint32_t i = hash & c->table_mask;
	while (c->table[i])
		i = (i + 1) & c->table_mask;
	c->table[i] = idx + 1;
	dns_cache_push_head(c, idx);
	c->n_used++;
	c->n_bytes += len;
	c->n_stored++;
	return true;
}

int dns_cache_get(struct dns_cache *c, const struct dns_msg *q, uint64_t now_ms, uint8_t *out,
	size_t cap)
{
	if (q->n_q != 1) {
		c->n_misses++;
		return 0;
	}
	struct dns_cache_key k = { .name = q->q[0].name, .qtype = q->q[0].qtype,
		.qclass = q->q[0].qclass, .is_do = q->edns.is_do };
	dns_name_lower(&k.name);
	uint32_t idx = dns_cache_find(c, &k, dns_cache_hash(c, &k));
	if (idx != DNS_CACHE_NIL && now_ms >= c->e[idx].expires_ms) {
		dns_cache_drop(c, idx);
		idx = DNS_CACHE_NIL;
	}
	if (idx == DNS_CACHE_NIL) {
		c->n_misses++;
		return 0;
	}
	struct dns_cache_entry *e = &c->e[idx];
	if (e->len > cap)
		return -1;
	memcpy(out, e->msg, e->len);
	dns_set_id(out, e->len, q->id);
	const struct dns_name *qn = &q->q[0].name;
	/* The question follows the header uncompressed: give it back in the asker's case. */
	struct dns_name stored;
	size_t off = DNS_HDR_LEN;
	if (dns_name_parse(out, e->len, &off, &stored) == DNS_E_OK &&
		off == DNS_HDR_LEN + (size_t)qn->len && dns_name_eq(&stored, qn))
		memcpy(out + DNS_HDR_LEN, qn->b, qn->len);
	dns_raw_age_ttls(out, e->len, (uint32_t)((now_ms - e->stored_ms) / 1000u));
	dns_cache_unlink(c, idx);
	dns_cache_push_head(c, idx);
	c->n_hits++;
	return e->len;
}
