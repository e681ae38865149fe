/* Fuzzes the policy table's pure part: the gai.conf block editor on arbitrary text (render and
 * strip invariants: user text kept byte for byte, idempotent, one block), merging and the kernel
 * label plan against a simulated kernel (undo restores it exactly), and the addrlabel parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostcfg/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CAP 8192

static char fz_a[FZ_CAP], fz_b[FZ_CAP], fz_c[FZ_CAP], fz_d[FZ_CAP];

/* Rows from the input: 19 bytes each (plen, precedence, label, 16 prefix bytes). */
static size_t fz_rows(const uint8_t *d, size_t n, struct policy_row *rows, size_t cap)
{
	size_t k = 0;
	for (size_t off = 0; off + 19 <= n && k < cap; off += 19, k++) {
		memset(&rows[k], 0, sizeof(rows[k]));
		rows[k].plen = d[off];
		rows[k].precedence = d[off + 1];
		rows[k].label = d[off + 2] == 0xff ? POLICY_LABEL_INVALID : d[off + 2] % 24;
		memcpy(rows[k].prefix, d + off + 3, 16);
	}
	return k;
}

static void fz_gai(const char *text, size_t len, const struct policy_row *rows, size_t n)
{
	int s = policy_gai_strip(text, len, fz_a, FZ_CAP);
	int r = policy_gai_render(text, len, rows, n, fz_b, FZ_CAP);
	if (s < 0 || r < 0)
		return;
	/* strip(render(x)) == strip(x); render is idempotent; strip leaves no block. */
	int s2 = policy_gai_strip(fz_b, (size_t)r, fz_c, FZ_CAP);
	if (s2 != s || memcmp(fz_a, fz_c, (size_t)s) != 0)
		__builtin_trap();
	int r2 = policy_gai_render(fz_b, (size_t)r, rows, n, fz_d, FZ_CAP);
	if (r2 != r || memcmp(fz_b, fz_d, (size_t)r) != 0)
		__builtin_trap();
	if (policy_gai_has_block(fz_a, (size_t)s))
		__builtin_trap();
	/* Text without a block comes back byte for byte. */
	if (!policy_gai_has_block(text, len) && (s != (int)len || memcmp(fz_a, text, len) != 0))
		__builtin_trap();
}

static int fz_find(const struct policy_label *k, size_t n, const uint8_t *p, uint8_t plen)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].ifindex == 0 && k[i].plen == plen && memcmp(k[i].prefix, p, 16) == 0)
			return (int)i;
	return -1;
}

/* Runs a plan on the simulated kernel k (kernel semantics) and commits what succeeded. */
static void fz_run(struct policy_label *k, size_t *nk, struct policy_rec *recs, size_t *nr,
	const struct policy_row *want, size_t nw)
{
	struct policy_op ops[POLICY_MAX_OPS];
	int n = policy_plan(k, *nk, recs, *nr, want, nw, ops, POLICY_MAX_OPS);
	for (int i = 0; i < n; i++) {
		int j = fz_find(k, *nk, ops[i].prefix, ops[i].plen);
		if (ops[i].kind == POLICY_OP_ADD && j < 0 && *nk < 64) {
			k[*nk] = (struct policy_label){ .plen = ops[i].plen, .label = ops[i].label };
			memcpy(k[(*nk)++].prefix, ops[i].prefix, 16);
		} else if (ops[i].kind == POLICY_OP_REPLACE && j >= 0) {
			k[j].label = ops[i].label;
		} else if (ops[i].kind == POLICY_OP_DEL && j >= 0) {
			k[j] = k[--(*nk)];
		} else {
			__builtin_trap(); /* the plan must match the kernel it was made from */
		}
		if (!policy_rec_commit(recs, nr, POLICY_MAX_ROWS, &ops[i]))
			__builtin_trap();
	}
}

static void fz_kernel(const struct policy_row *a, size_t na, const struct policy_row *b, size_t nb)
{
	struct policy_label k[64], orig[64];
	struct policy_rec recs[POLICY_MAX_ROWS];
	struct policy_row ea[POLICY_MAX_ROWS], eb[POLICY_MAX_ROWS];
	size_t nk = 0, nr = 0;
	/* The starting kernel: the rows of b as labels (distinct prefixes). */
	for (size_t i = 0; i < nb && nk < 16; i++) {
		struct policy_label l = { .plen = b[i].plen & 0x7f, .label = b[i].precedence };
		memcpy(l.prefix, b[i].prefix, 16);
		policy_prefix_mask(l.prefix, l.plen);
		if (fz_find(k, nk, l.prefix, l.plen) < 0)
			k[nk++] = l;
	}
	memcpy(orig, k, sizeof(k));
	size_t n0 = nk;
	int n1 = policy_effective(a, na, ea, POLICY_MAX_ROWS);
	int n2 = policy_effective(b, nb, eb, POLICY_MAX_ROWS);
	if (n1 < 0 || n2 < 0)
		return;
	fz_run(k, &nk, recs, &nr, ea, (size_t)n1);
	fz_run(k, &nk, recs, &nr, eb, (size_t)n2);
	fz_run(k, &nk, recs, &nr, NULL, 0);
	if (nr != 0 || nk != n0)
		__builtin_trap();
	for (size_t i = 0; i < n0; i++) {
		int j = fz_find(k, nk, orig[i].prefix, orig[i].plen);
		if (j < 0 || k[j].label != orig[i].label)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_row a[24], b[24];
	if (size < 2)
		return 0;
	/* data[0] = bytes of rows (set a, then set b), the rest is gai.conf text. */
	size_t nrow = (size_t)data[0] * 4 < size - 1 ? (size_t)data[0] * 4 : size - 1;
	size_t na = fz_rows(data + 1, nrow / 2, a, 24);
	size_t nb = fz_rows(data + 1 + nrow / 2, nrow - nrow / 2, b, 24);
	struct policy_row eff[POLICY_MAX_ROWS];
	int ne = policy_effective(a, na, eff, POLICY_MAX_ROWS);
	const char *text = (const char *)data + 1 + nrow;
	size_t tlen = size - 1 - nrow;
	if (ne >= 0)
		fz_gai(text, tlen, ne ? eff : policy_rfc6724_default,
			ne ? (size_t)ne : policy_rfc6724_default_len);
	fz_gai(text, tlen, a, na);
	fz_kernel(a, na, b, nb);
	/* The addrlabel parser over the whole input as netlink messages. */
	struct rcur c = rcur_init(data, size);
	struct hostcfg_nlmsg m;
	struct policy_label l;
	while (hostcfg_nl_next(&c, &m))
		if (policy_nl_parse_label(&m, &l) == HOSTCFG_NL_OK && l.plen > 128)
			__builtin_trap();
	return 0;
}
