/* Fuzzes the host owners' state files (resolver.state, policy.state): every input through both
 * parsers; what parses renders and parses back to the same struct, and the recovery plan built
 * from it against a kernel taken from the input only restores recorded prefixes. The input's
 * bytes also drive the two merges (resolver contributions, policy rows): bounds, no duplicate
 * server, a connection's first server among the first ones. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hostcfg/policy.h"
#include "hostcfg/resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_buf[32768];

static void fz_resolver_state(const uint8_t *data, size_t size)
{
	static struct resolver_saved a, b;
	unsigned line;
	if (resolver_saved_parse((const char *)data, size, &a, &line) != HOSTCFG_STATE_OK)
		return;
	if (a.n_ours > RESOLVER_MAX_OURS || a.n_links > RESOLVER_MAX_CONNS)
		__builtin_trap();
	int n = resolver_saved_render(&a, fz_buf, sizeof(fz_buf));
	if (n < 0 || resolver_saved_parse(fz_buf, (size_t)n, &b, &line) != HOSTCFG_STATE_OK ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
}

static void fz_policy_state(const uint8_t *data, size_t size)
{
	static struct policy_saved a, b;
	static struct policy_label cur[64];
	struct policy_op ops[POLICY_MAX_OPS];
	unsigned line;
	if (policy_saved_parse((const char *)data, size, &a, &line) != HOSTCFG_STATE_OK)
		return;
	if (a.n_recs > POLICY_MAX_OPS)
		__builtin_trap();
	int n = policy_saved_render(&a, fz_buf, sizeof(fz_buf));
	if (n < 0 || policy_saved_parse(fz_buf, (size_t)n, &b, &line) != HOSTCFG_STATE_OK ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
	/* A kernel: the records' prefixes with labels (and interfaces) from the input. */
	size_t nc = 0;
	for (size_t i = 0; i < a.n_recs && nc < 64; i++) {
		uint8_t x = data[i % size];
		if (x % 3 == 0)
			continue; /* absent */
		memcpy(cur[nc].prefix, a.recs[i].prefix, 16);
		cur[nc].plen = a.recs[i].plen;
		cur[nc].ifindex = x % 7 == 0;
		cur[nc].label = x % 3 == 1 ? a.recs[i].label : x;
		nc++;
	}
	int k = policy_saved_plan_restore(cur, nc, &a, ops, POLICY_MAX_OPS);
	if (k < 0 || (size_t)k > a.n_recs)
		__builtin_trap();
	for (int i = 0; i < k; i++) {
		bool found = false;
		for (size_t r = 0; r < a.n_recs && !found; r++)
			found = a.recs[r].plen == ops[i].plen && !memcmp(a.recs[r].prefix, ops[i].prefix, 16) &&
				(ops[i].kind == POLICY_OP_DEL ? !a.recs[r].had_old :
				 a.recs[r].had_old && ops[i].label == a.recs[r].old_label);
		if (!found || !ops[i].is_restore)
			__builtin_trap();
	}
}

/* Contributions from the input: per connection a byte of flags, then servers of 5 bytes
 * (family bit, 4 address bytes spread over the address). */
static void fz_merges(const uint8_t *data, size_t size)
{
	static struct resolver_contrib c[RESOLVER_MAX_CONNS];
	static struct policy_contrib pc[POLICY_OWNER_MAX];
	static struct policy_want w;
	struct dns_servers m;
	size_t pos = 0;
	memset(c, 0, sizeof(c));
	memset(pc, 0, sizeof(pc));
	for (size_t i = 0; i < RESOLVER_MAX_CONNS && pos < size; i++) {
		uint8_t fl = data[pos++];
		c[i].is_set = fl & 1;
		c[i].id = fl >> 4;
		unsigned ns = (fl >> 1) & 7;
		for (unsigned k = 0; k < ns && pos + 5 <= size; k++, pos += 5) {
			uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
			memcpy(a + 12, data + pos + 1, 4);
			dns_servers_add(&c[i].d, data[pos] & 1 ? AF_INET : AF_INET6,
					data[pos] & 1 ? a + 12 : a);
		}
		pc[i].is_set = c[i].is_set;
		pc[i].id = c[i].id;
		for (unsigned k = 0; k < ns && pos + 3 <= size && pc[i].n < POLICY_MAX_ROWS; k++, pos += 3) {
			struct policy_row *r = &pc[i].rows[pc[i].n++];
			memset(r, 0, sizeof(*r));
			r->prefix[0] = 0x20;
			r->prefix[1] = data[pos];
			r->plen = data[pos + 1] % 140;
			r->label = data[pos + 2] == 0xff ? POLICY_LABEL_INVALID : data[pos + 2];
			policy_prefix_mask(r->prefix, r->plen > 128 ? 128 : r->plen);
		}
	}
	resolver_merge(c, RESOLVER_MAX_CONNS, &m);
	if (m.n > DNS_MAX_SERVERS || m.n_domains > DNS_MAX_DOMAINS)
		__builtin_trap();
	for (unsigned i = 0; i < m.n; i++)
		for (unsigned j = i + 1; j < m.n; j++)
			if (m.s[i].family == m.s[j].family && !memcmp(m.s[i].addr, m.s[j].addr, 16))
				__builtin_trap();
	policy_merge_contribs(pc, POLICY_OWNER_MAX, &w);
	if (w.n > POLICY_MAX_ROWS || (w.any_set && w.n < policy_rfc6724_default_len))
		__builtin_trap();
	for (size_t i = 0; i < w.n; i++)
		if (w.rows[i].plen > 128 || w.rows[i].label == POLICY_LABEL_INVALID)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	fz_resolver_state(data, size);
	fz_policy_state(data, size);
	fz_merges(data, size);
	return 0;
}
