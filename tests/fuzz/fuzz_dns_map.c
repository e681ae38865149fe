/* DNS mapping table fuzzer: the input is a script of operations (add, touch, lookups, expiry,
 * clock steps) on a small pool with the router address inside; after each step the handed-out
 * addresses stay inside the pool and off its network, broadcast and router addresses, both maps
 * agree, and the LRU list holds exactly the mappings in use. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_v6(uint8_t b, uint8_t v6[16])
{
	memset(v6, 0, 16);
	v6[0] = 0x20, v6[1] = 0x01, v6[2] = 0x0d, v6[3] = 0xb8;
	v6[15] = b & 0x3f; /* few distinct destinations: many hits and reuses */
}

static void fz_check_addr(const struct dns_map *m, const uint8_t v4[4])
{
	static const uint8_t net[4] = { 198, 18, 0, 0 }, bcast[4] = { 198, 18, 0, 15 },
			     rt[4] = { 198, 18, 0, 7 };
	if (!dns_map_in_pool(m, v4) || !memcmp(v4, net, 4) || !memcmp(v4, bcast, 4) ||
		!memcmp(v4, rt, 4))
		abort();
}

static void fz_consistent(const struct dns_map *m)
{
	uint32_t n = 0;
	for (uint32_t i = m->lru_head; i != DNS_MAP_NIL; i = m->e[i].next) {
		const struct dns_map_entry *e = &m->e[i];
		if (!e->is_used || ++n > m->n_used)
			abort();
		fz_check_addr(m, e->v4);
		if (dns_map_by_v4(m, e->v4, 0) != e || dns_map_by_v6(m, e->v6, 0) != e)
			abort();
	}
	if (n != m->n_used || n > m->cfg.capacity)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_map m;
	struct dns_map_cfg cfg;
	if (size < 1)
		return 0;
	dns_map_cfg_default(&cfg);
	cfg.pool_len = 28;
	cfg.capacity = 1 + data[0] % 13; /* 16 - network - broadcast - router = 13 usable */
	cfg.mapping_ttl_s = 2;
	cfg.live_s = 1;
	cfg.has_router_addr = true;
	memcpy(cfg.router_addr, (const uint8_t[4]){ 198, 18, 0, 7 }, 4);
	if (dns_map_init(&m, &cfg) != DNS_MAP_OK)
		abort();
	struct dns_name name;
	if (!dns_name_from_text("fuzz.example", &name))
		abort();
	uint64_t now = 1;
	uint8_t v6[16], v4[4];
	for (size_t i = 1; i + 1 < size; i += 2) {
		uint8_t op = data[i], arg = data[i + 1];
		const struct dns_map_entry *e;
		switch (op % 6) {
		case 0:
			if (dns_map_lookup_or_add(&m, (fz_v6(arg, v6), v6), &name, op >> 4, now, v4) ==
				DNS_MAP_OK) {
				fz_check_addr(&m, v4);
				e = dns_map_by_v4(&m, v4, now);
				if (!e || memcmp(e->v6, v6, 16) != 0 || dns_map_by_v6(&m, v6, now) != e)
					abort();
			}
			break;
		case 1:
			dns_map_touch(&m, (const uint8_t[4]){ 198, 18, 0, (uint8_t)(arg & 15) }, now);
			break;
		case 2:
			e = dns_map_by_v4(&m, (const uint8_t[4]){ 198, 18, 0, (uint8_t)(arg & 15) }, now);
			if (e && (e->v4[3] != (arg & 15) || now >= e->expires_ms))
				abort();
			break;
		case 3:
			fz_v6(arg, v6);
			e = dns_map_by_v6(&m, v6, now);
			if (e && memcmp(e->v6, v6, 16) != 0)
				abort();
			break;
		case 4:
			dns_map_expire(&m, now);
			break;
		default:
			now += (uint64_t)arg * 50;
			break;
		}
		fz_consistent(&m);
	}
	dns_map_free(&m);
	return 0;
}
