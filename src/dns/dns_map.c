/* DNS mapping table: pool allocation (next-fit, skipping the network, broadcast and router
 * addresses), SipHash-keyed open-addressing maps with backward-shift deletion, an LRU list of
 * indices and lazy expiry. One allocation at init; no malloc per lookup. */
#include "dns/dns_map.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

enum dns_map_key { DNS_MAP_K4, DNS_MAP_K6 };

const char *dns_map_err_str(enum dns_map_err e)
{
	switch (e) {
	case DNS_MAP_OK:
		return "ok";
	case DNS_MAP_E_CFG:
		return "bad pool or capacity";
	case DNS_MAP_E_NOMEM:
		return "out of memory";
	case DNS_MAP_E_FULL:
		return "every pool address has a live flow";
	}
	return "?";
}

void dns_map_cfg_default(struct dns_map_cfg *c)
{
	static const uint8_t pool[4] = DNS_MAP_POOL_DEFAULT;
	memset(c, 0, sizeof(*c));
	memcpy(c->pool, pool, 4);
	c->pool_len = DNS_MAP_POOL_LEN_DEFAULT;
	c->capacity = DNS_MAP_CAPACITY_DEFAULT;
	c->mapping_ttl_s = DNS_MAP_TTL_DEFAULT_S;
	c->live_s = DNS_MAP_LIVE_DEFAULT_S;
}

static uint32_t dns_map_u32(const uint8_t a[4])
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static void dns_map_put_u32(uint32_t v, uint8_t out[4])
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

bool dns_map_in_pool(const struct dns_map *m, const uint8_t v4[4])
{
	return dns_map_u32(v4) - m->pool_base < m->pool_size;
}

/* ---- hash maps ---- */

static uint32_t dns_map_hash(const struct dns_map *m, const uint8_t *key, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	crypto_shorthash(h, key, len, m->cfg.hash_key);
	return dns_map_u32(h) & m->table_mask;
}

static uint32_t *dns_map_table(const struct dns_map *m, enum dns_map_key k)
{
	return k == DNS_MAP_K4 ? m->by_v4 : m->by_v6;
}

static const uint8_t *dns_map_key_of(const struct dns_map_entry *e, enum dns_map_key k,
	size_t *len)
{
	*len = k == DNS_MAP_K4 ? 4 : 16;
	return k == DNS_MAP_K4 ? e->v4 : e->v6;
}

/* Entry index for key, or DNS_MAP_NIL. */
static uint32_t dns_map_find(const struct dns_map *m, enum dns_map_key k, const uint8_t *key)
{
	const uint32_t *t = dns_map_table(m, k);
	size_t len = k == DNS_MAP_K4 ? 4 : 16, klen;
	for (uint32_t i = dns_map_hash(m, key, len);; i = (i + 1) & m->table_mask) {
		if (t[i] == 0)
			return DNS_MAP_NIL;
		const uint8_t *ek = dns_map_key_of(&m->e[t[i] - 1], k, &klen);
		if (memcmp(ek, key, len) == 0)
			return t[i] - 1;
	}
}

static void dns_map_insert(struct dns_map *m, enum dns_map_key k, uint32_t idx)
{
	uint32_t *t = dns_map_table(m, k);
	size_t len;
	const uint8_t *key = dns_map_key_of(&m->e[idx], k, &len);
	uint32_t i = dns_map_hash(m, key, len);
	while (t[i] != 0)
		i = (i + 1) & m->table_mask;
	t[i] = idx + 1;
}

/* Backward-shift deletion (Knuth 6.4 algorithm R): no tombstones. */
static void dns_map_remove(struct dns_map *m, enum dns_map_key k, uint32_t idx)
{
	uint32_t *t = dns_map_table(m, k);
	size_t len;
	const uint8_t *key = dns_map_key_of(&m->e[idx], k, &len);
	uint32_t i = dns_map_hash(m, key, len);
	while (t[i] != idx + 1) {
		if (t[i] == 0)
			return;
		i = (i + 1) & m->table_mask;
	}
	for (uint32_t j = (i + 1) & m->table_mask; t[j] != 0; j = (j + 1) & m->table_mask) {
		const uint8_t *jk = dns_map_key_of(&m->e[t[j] - 1], k, &len);
		uint32_t home = dns_map_hash(m, jk, len);
		/* Move t[j] into the hole at i unless its home lies cyclically in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			t[i] = t[j];
			i = j;
		}
	}
	t[i] = 0;
}

/* ---- LRU list ---- */

static void dns_map_unlink(struct dns_map *m, uint32_t idx)
{
	struct dns_map_entry *e = &m->e[idx];
	if (e->prev != DNS_MAP_NIL)
		m->e[e->prev].next = e->next;
	else
		m->lru_head = e->next;
	if (e->next != DNS_MAP_NIL)
		m->e[e->next].prev = e->prev;
	else
		m->lru_tail = e->prev;
	e->prev = e->next = DNS_MAP_NIL;
}

static void dns_map_push_head(struct dns_map *m, uint32_t idx)
{
	struct dns_map_entry *e = &m->e[idx];
	e->prev = DNS_MAP_NIL;
	e->next = m->lru_head;
	if (m->lru_head != DNS_MAP_NIL)
		m->e[m->lru_head].prev = idx;
	else
		m->lru_tail = idx;
	m->lru_head = idx;
}

/* ---- init ---- */

enum dns_map_err dns_map_init(struct dns_map *m, const struct dns_map_cfg *cfg)
{
	memset(m, 0, sizeof(*m));
	if (cfg->pool_len < 8 || cfg->pool_len > 30 || cfg->capacity == 0 ||
		cfg->capacity > DNS_MAP_CAPACITY_MAX)
		return DNS_MAP_E_CFG;
	m->cfg = *cfg;
	m->pool_size = 1u << (32 - cfg->pool_len);
	m->pool_base = dns_map_u32(cfg->pool);
	uint32_t usable = m->pool_size - 2;
	if (m->pool_base & (m->pool_size - 1))
		return DNS_MAP_E_CFG;
	if (cfg->has_router_addr && dns_map_in_pool(m, cfg->router_addr))
		usable--;
	if (cfg->capacity > usable)
		return DNS_MAP_E_CFG;
	uint32_t tsize = 1;
	while (tsize < 2 * cfg->capacity)
		tsize <<= 1;
	m->table_mask = tsize - 1;
	m->e = calloc(cfg->capacity, sizeof(*m->e));
	m->by_v4 = calloc(tsize, sizeof(uint32_t));
	m->by_v6 = calloc(tsize, sizeof(uint32_t));
	if (!m->e || !m->by_v4 || !m->by_v6) {
		dns_map_free(m);
		return DNS_MAP_E_NOMEM;
	}
	for (uint32_t i = 0; i < cfg->capacity; i++) {
		m->e[i].prev = DNS_MAP_NIL;
		m->e[i].next = i + 1 < cfg->capacity ? i + 1 : DNS_MAP_NIL;
	}
	m->free_head = 0;
	m->lru_head = m->lru_tail = DNS_MAP_NIL;
	m->cursor = 1;
	return DNS_MAP_OK;
}

void dns_map_free(struct dns_map *m)
{
	free(m->e);
	free(m->by_v4);
	free(m->by_v6);
	m->e = NULL;
	m->by_v4 = m->by_v6 = NULL;
	m->n_used = 0;
}

static bool dns_map_expired(const struct dns_map_entry *e, uint64_t now_ms)
{
	return now_ms >= e->expires_ms;
}

/* The next free pool address (next-fit, so a released address is not handed out again soon):
 * never the network or broadcast address, nor ipv4_router_addr. One exists: capacity <= usable. */
static void dns_map_alloc_v4(struct dns_map *m, uint8_t out[4])
{
	for (uint32_t tries = 0; tries < m->pool_size; tries++) {
		uint32_t off = m->cursor;
		m->cursor = off + 2 >= m->pool_size ? 1 : off + 1;
		dns_map_put_u32(m->pool_base + off, out);
		if (m->cfg.has_router_addr && memcmp(out, m->cfg.router_addr, 4) == 0)
			continue;
		if (dns_map_find(m, DNS_MAP_K4, out) == DNS_MAP_NIL)
			return;
	}
}

/* Drops entry idx from both maps and the LRU list onto the free list. */
static void dns_map_release(struct dns_map *m, uint32_t idx)
{
	struct dns_map_entry *e = &m->e[idx];
	dns_map_remove(m, DNS_MAP_K4, idx);
	dns_map_remove(m, DNS_MAP_K6, idx);
	dns_map_unlink(m, idx);
	e->is_used = false;
	e->next = m->free_head;
	m->free_head = idx;
	m->n_used--;
}

/* A victim when full: the least recently used expired mapping, else the least recently used
 * one without a live flow; DNS_MAP_NIL when every flow is live. */
static uint32_t dns_map_victim(const struct dns_map *m, uint64_t now_ms)
{
	for (uint32_t i = m->lru_tail; i != DNS_MAP_NIL; i = m->e[i].prev)
		if (dns_map_expired(&m->e[i], now_ms))
			return i;
	for (uint32_t i = m->lru_tail; i != DNS_MAP_NIL; i = m->e[i].prev)
		if (m->e[i].live_until_ms <= now_ms)
			return i;
	return DNS_MAP_NIL;
}

/* A fresh entry with its pool address in the v4 map, or DNS_MAP_NIL. */
static uint32_t dns_map_new_entry(struct dns_map *m, uint64_t now_ms)
{
	uint32_t idx = m->free_head;
	if (idx != DNS_MAP_NIL) {
		m->free_head = m->e[idx].next;
		m->e[idx].prev = m->e[idx].next = DNS_MAP_NIL;
		dns_map_alloc_v4(m, m->e[idx].v4);
		dns_map_insert(m, DNS_MAP_K4, idx);
		m->n_used++;
		m->e[idx].is_used = true;
		dns_map_push_head(m, idx);
		return idx;
	}
	idx = dns_map_victim(m, now_ms);
	if (idx == DNS_MAP_NIL)
		return DNS_MAP_NIL;
	/* Reuse keeps the pool address: only the v6 side changes. */
	dns_map_remove(m, DNS_MAP_K6, idx);
	dns_map_unlink(m, idx);
	dns_map_push_head(m, idx);
	m->n_reused++;
	return idx;
}

static uint64_t dns_map_until(uint64_t now_ms, uint32_t s)
{
	return now_ms + (uint64_t)s * 1000u;
}

enum dns_map_err dns_map_lookup_or_add(struct dns_map *m, const uint8_t v6[16],
	const struct dns_name *name, uint32_t dns_ttl_s, uint64_t now_ms, uint8_t out_v4[4])
{
	uint32_t idx = dns_map_find(m, DNS_MAP_K6, v6);
	struct dns_map_entry *e;
	if (idx != DNS_MAP_NIL) {
		e = &m->e[idx];
		dns_map_unlink(m, idx);
		dns_map_push_head(m, idx);
	} else {
		idx = dns_map_new_entry(m, now_ms);
		if (idx == DNS_MAP_NIL)
			return DNS_MAP_E_FULL;
		e = &m->e[idx];
		memcpy(e->v6, v6, 16);
		dns_map_insert(m, DNS_MAP_K6, idx);
		e->expires_ms = 0;
		e->live_until_ms = 0;
	}
	uint64_t life_s = (uint64_t)dns_ttl_s * DNS_MAP_TTL_FACTOR;
	if (life_s < m->cfg.mapping_ttl_s)
		life_s = m->cfg.mapping_ttl_s;
	uint64_t until = now_ms + life_s * 1000u;
	if (dns_map_expired(e, now_ms) || until > e->expires_ms)
		e->expires_ms = until;
	e->name = *name;
	memcpy(out_v4, e->v4, 4);
	return DNS_MAP_OK;
}

bool dns_map_touch(struct dns_map *m, const uint8_t v4[4], uint64_t now_ms)
{
	if (!dns_map_in_pool(m, v4))
		return false;
	uint32_t idx = dns_map_find(m, DNS_MAP_K4, v4);
	if (idx == DNS_MAP_NIL || dns_map_expired(&m->e[idx], now_ms))
		return false;
	struct dns_map_entry *e = &m->e[idx];
	e->live_until_ms = dns_map_until(now_ms, m->cfg.live_s);
	uint64_t until = dns_map_until(now_ms, m->cfg.mapping_ttl_s);
	if (until > e->expires_ms)
		e->expires_ms = until;
	dns_map_unlink(m, idx);
	dns_map_push_head(m, idx);
	return true;
}

const struct dns_map_entry *dns_map_by_v4(const struct dns_map *m, const uint8_t v4[4],
	uint64_t now_ms)
{
	if (!dns_map_in_pool(m, v4))
		return NULL;
	uint32_t idx = dns_map_find(m, DNS_MAP_K4, v4);
	if (idx == DNS_MAP_NIL || dns_map_expired(&m->e[idx], now_ms))
		return NULL;
	return &m->e[idx];
}

const struct dns_map_entry *dns_map_by_v6(const struct dns_map *m, const uint8_t v6[16],
	uint64_t now_ms)
{
	uint32_t idx = dns_map_find(m, DNS_MAP_K6, v6);
	if (idx == DNS_MAP_NIL || dns_map_expired(&m->e[idx], now_ms))
		return NULL;
	return &m->e[idx];
}

uint32_t dns_map_expire(struct dns_map *m, uint64_t now_ms)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < m->cfg.capacity; i++) {
		if (m->e[i].is_used && dns_map_expired(&m->e[i], now_ms)) {
			dns_map_release(m, i);
			n++;
		}
	}
	return n;
}
