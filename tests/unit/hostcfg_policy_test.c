/* RFC 6724 policy table (pure part of hostcfg/policy): default table, merging RFC 7078 rows, the
 * kernel label plan and undo records against a simulated kernel, the RTM_NEWADDRLABEL parser
 * and the gai.conf managed block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "dhcp6/dhcp6_codec.h"
#include "hostcfg/policy.h"
#include "test_util.h"

static struct policy_row row(const char *pfx, uint8_t plen, uint32_t prec, uint32_t label)
{
	struct policy_row r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(inet_pton(AF_INET6, pfx, r.prefix), 1);
	r.plen = plen;
	r.precedence = prec;
	r.label = label;
	return r;
}

/* RFC 6724 §5/§6 longest-match lookup in a table. */
static const struct policy_row *lookup(const struct policy_row *t, size_t n, const char *addr)
{
	uint8_t a[16];
	const struct policy_row *best = NULL;
	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t m[16];
		memcpy(m, a, 16);
		policy_prefix_mask(m, t[i].plen);
		if (memcmp(m, t[i].prefix, 16) == 0 && (!best || t[i].plen > best->plen))
			best = &t[i];
	}
	assert_non_null(best);
	return best;
}

static void test_default_table(void **state)
{
	(void)state;
	const struct policy_row *t = policy_rfc6724_default;
	size_t n = policy_rfc6724_default_len;
	assert_int_equal(n, 9);
	/* RFC 6724 §2.1, row by row. */
	struct policy_row want[] = { row("::1", 128, 50, 0), row("::", 0, 40, 1),
		row("::ffff:0:0", 96, 35, 4), row("2002::", 16, 30, 2), row("2001::", 32, 5, 5),
		row("fc00::", 7, 3, 13), row("::", 96, 1, 3), row("fec0::", 10, 1, 11),
		row("3ffe::", 16, 1, 12) };
	assert_memory_equal(t, want, sizeof(want));
	/* A delegated prefix / SLAAC address of the ISP ranks above IPv4, 6to4, Teredo and ULA. */
	uint32_t isp = lookup(t, n, "2a02:8070:1:2::1")->precedence;
	assert_int_equal(isp, 40);
	assert_true(isp > lookup(t, n, "::ffff:192.0.2.1")->precedence);
	assert_true(isp > lookup(t, n, "2002:c000:201::1")->precedence);
	assert_true(isp > lookup(t, n, "2001:0:4136:e378::1")->precedence);
	assert_true(isp > lookup(t, n, "fd12:3456:789a::1")->precedence);
	assert_int_equal(lookup(t, n, "2001:db8:1::1")->label, 1); /* not Teredo's 2001::/32 */
}

static void test_merge(void **state)
{
	(void)state;
	struct policy_row out[POLICY_MAX_ROWS];
	struct policy_row add[] = {
		row("fc00::", 7, 30, 13),            /* modifies the ULA row in place */
		row("2001:db8:1:ffff::", 48, 45, 14), /* masked to 2001:db8:1::/48, appended */
		row("2001:db8:1::", 48, 50, 15),      /* a later duplicate wins */
		row("::", 200, 1, 1),                 /* plen > 128: skipped */
		row("2001:db8:9::", 48, 1, POLICY_LABEL_INVALID),
	};
	int n = policy_table_merge(policy_rfc6724_default, policy_rfc6724_default_len, add, 5, out,
		POLICY_MAX_ROWS);
	assert_int_equal(n, 10);
	struct policy_row ula = row("fc00::", 7, 30, 13), isp = row("2001:db8:1::", 48, 50, 15);
	assert_memory_equal(&out[5], &ula, sizeof(ula));
	assert_memory_equal(&out[9], &isp, sizeof(isp));
	assert_memory_equal(out, policy_rfc6724_default, 5 * sizeof(out[0]));
	for (size_t cap = 0; cap < 10; cap++)
		assert_int_equal(policy_table_merge(policy_rfc6724_default, 9, add, 5, out, cap), -1);
	/* Effective table: nothing from the ISP = leave the host alone; else defaults + rows. */
	assert_int_equal(policy_effective(NULL, 0, out, POLICY_MAX_ROWS), 0);
	assert_int_equal(policy_effective(add, 2, out, POLICY_MAX_ROWS), 10);
}

static void test_from_addrsel(void **state)
{
	(void)state;
	struct dhcp6_addrsel as;
	struct policy_row out[4];
	memset(&as, 0, sizeof(as));
	as.n_rows = 3;
	as.rows[0] = (struct dhcp6_addrsel_row){ .label = 14, .precedence = 45, .plen = 33,
		.prefix = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff } };
	as.rows[1] = (struct dhcp6_addrsel_row){ .label = 1, .precedence = 1, .plen = 129 };
	as.rows[2] = (struct dhcp6_addrsel_row){ .label = 13, .precedence = 3, .plen = 7,
		.prefix = { 0xfd } };
	assert_int_equal(policy_rows_from_addrsel(&as, out, 4), 2);
	struct policy_row r0 = row("2001:db8:8000::", 33, 45, 14), r1 = row("fc00::", 7, 3, 13);
	assert_memory_equal(&out[0], &r0, sizeof(r0));
	assert_memory_equal(&out[1], &r1, sizeof(r1));
	assert_int_equal(policy_rows_from_addrsel(&as, out, 1), 1);
}

/* --- kernel plan against a simulated label table ---------------------------------------------- */

struct fake_kernel {
	struct policy_label l[64];
	size_t n;
};

static struct policy_label lbl(const char *pfx, uint8_t plen, uint32_t label)
{
	struct policy_row r = row(pfx, plen, 0, label);
	struct policy_label l = { .plen = plen, .label = label };
	memcpy(l.prefix, r.prefix, 16);
	return l;
}

/* The Linux per-netns default table (net/ipv6/addrlabel.c), as `ip addrlabel` shows it. */
static void fake_init(struct fake_kernel *k)
{
	struct policy_label d[] = { lbl("::1", 128, 0), lbl("::", 96, 3), lbl("::ffff:0:0", 96, 4),
		lbl("2001::", 32, 6), lbl("2001:10::", 28, 7), lbl("3ffe::", 16, 12),
		lbl("2002::", 16, 2), lbl("fec0::", 10, 11), lbl("fc00::", 7, 5), lbl("::", 0, 1) };
	memset(k, 0, sizeof(*k));
	memcpy(k->l, d, sizeof(d));
	k->n = 10;
}

static int fake_find(const struct fake_kernel *k, const uint8_t *p, uint8_t plen)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->l[i].plen == plen && memcmp(k->l[i].prefix, p, 16) == 0)
			return (int)i;
	return -1;
}

/* Kernel semantics: add without NLM_F_REPLACE fails on an existing entry, delete ignores the
 * label and fails on a missing one. */
static bool fake_op(struct fake_kernel *k, const struct policy_op *op)
{
	int i = fake_find(k, op->prefix, op->plen);
	switch (op->kind) {
	case POLICY_OP_ADD:
		if (i >= 0)
			return false;
		k->l[k->n++] = (struct policy_label){ .plen = op->plen, .label = op->label };
		memcpy(k->l[k->n - 1].prefix, op->prefix, 16);
		return true;
	case POLICY_OP_REPLACE:
		if (i < 0)
			return false;
		k->l[i].label = op->label;
		return true;
	case POLICY_OP_DEL:
		if (i < 0)
			return false;
		k->l[i] = k->l[--k->n];
		return true;
	}
	return false;
}

/* One apply: plan, run on the fake kernel, commit. Returns the op count. */
static int fake_apply(struct fake_kernel *k, struct policy_rec *recs, size_t *n_recs,
	const struct policy_row *want, size_t n_want)
{
	struct policy_op ops[POLICY_MAX_OPS];
	int n = policy_plan(k->l, k->n, recs, *n_recs, want, n_want, ops, POLICY_MAX_OPS);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		assert_true(fake_op(k, &ops[i]));
		assert_true(policy_rec_commit(recs, n_recs, POLICY_MAX_ROWS, &ops[i]));
	}
	return n;
}

static bool fake_same(const struct fake_kernel *a, const struct fake_kernel *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		int j = fake_find(b, a->l[i].prefix, a->l[i].plen);
		if (j < 0 || b->l[j].label != a->l[i].label)
			return false;
	}
	return true;
}

static void test_plan_apply_update_undo(void **state)
{
	(void)state;
	struct fake_kernel k, orig;
	struct policy_rec recs[POLICY_MAX_ROWS];
	size_t n_recs = 0;
	struct policy_row eff[POLICY_MAX_ROWS], isp[] = { row("2001:db8:1::", 48, 45, 14),
		row("fc00::", 7, 3, 13) };
	fake_init(&k);
	orig = k;
	int ne = policy_effective(isp, 2, eff, POLICY_MAX_ROWS);
	assert_int_equal(ne, 10);

	/* Renumbered to RFC 6724: 2001::/32 6->5 and fc00::/7 5->13 are modified, the ISP's /48
	 * is added; ::1, ::/0, ::ffff:0:0/96, 2002::/16, ::/96, fec0::/10, 3ffe::/16 already match. */
	struct policy_op ops[POLICY_MAX_OPS];
	int n = policy_plan(k.l, k.n, recs, 0, eff, (size_t)ne, ops, POLICY_MAX_OPS);
	assert_int_equal(n, 3);
	assert_int_equal(ops[0].kind, POLICY_OP_REPLACE);
	assert_int_equal(ops[0].label, 5);
	assert_true(ops[0].had_old);
	assert_int_equal(ops[0].old_label, 6);
	assert_int_equal(ops[1].kind, POLICY_OP_REPLACE);
	assert_int_equal(ops[1].label, 13);
	assert_int_equal(ops[1].old_label, 5);
	assert_int_equal(ops[2].kind, POLICY_OP_ADD);
	assert_false(ops[2].had_old);
	assert_int_equal(ops[2].plen, 48);
	for (size_t cap = 0; cap < 3; cap++)
		assert_int_equal(policy_plan(k.l, k.n, recs, 0, eff, (size_t)ne, ops, cap), -1);

	assert_int_equal(fake_apply(&k, recs, &n_recs, eff, (size_t)ne), 3);
	assert_int_equal(n_recs, 3);
	assert_int_equal(k.n, 11); /* nothing deleted: 2001:10::/28 (Linux only) stays */
	/* Idempotent. */
	assert_int_equal(fake_apply(&k, recs, &n_recs, eff, (size_t)ne), 0);

	/* A new set: the /48 moves to label 20, ULA comes back, a /56 is new. */
	struct policy_row isp2[] = { row("2001:db8:1::", 48, 60, 20), row("2001:db8:2::", 56, 45, 21) };
	ne = policy_effective(isp2, 2, eff, POLICY_MAX_ROWS);
	n = fake_apply(&k, recs, &n_recs, eff, (size_t)ne);
	assert_int_equal(n, 2); /* fc00::/7 13 stays (RFC default), /48 replaced, /56 added */
	assert_int_equal(k.l[fake_find(&k, eff[9].prefix, 48)].label, 20);
	assert_int_equal(n_recs, 4);

	/* Someone deleted our /56 meanwhile; undo still restores the rest exactly. */
	int gone = fake_find(&k, eff[10].prefix, 56); /* before --k.n: the /56 is the last one */
	assert_true(gone >= 0);
	k.l[gone] = k.l[--k.n];
	n = policy_plan(k.l, k.n, recs, n_recs, NULL, 0, ops, POLICY_MAX_OPS);
	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++) {
		assert_true(ops[i].is_restore);
		if (fake_op(&k, &ops[i]) || ops[i].kind == POLICY_OP_DEL)
			assert_true(policy_rec_commit(recs, &n_recs, POLICY_MAX_ROWS, &ops[i]));
	}
	assert_int_equal(ops[0].kind, POLICY_OP_DEL); /* newest first: the /56 */
	assert_int_equal(ops[0].plen, 56);
	assert_int_equal(n_recs, 0);
	assert_true(fake_same(&k, &orig));
}

static void test_plan_restores_dropped_row(void **state)
{
	(void)state;
	struct fake_kernel k, orig;
	struct policy_rec recs[POLICY_MAX_ROWS];
	size_t n_recs = 0;
	struct policy_row a[] = { row("2001:db8::", 32, 45, 14) };
	fake_init(&k);
	orig = k;
	/* Directly (not through the effective table): only the ISP's row. */
	assert_int_equal(fake_apply(&k, recs, &n_recs, a, 1), 1);
	assert_int_equal(k.n, 11);
	/* A set without it restores (deletes) it; none of the kernel's own rows is touched. */
	struct policy_row b[] = { row("::", 0, 40, 1) };
	assert_int_equal(fake_apply(&k, recs, &n_recs, b, 1), 1);
	assert_int_equal(n_recs, 0);
	assert_true(fake_same(&k, &orig));
	/* ifindex != 0 rows of the kernel are not the global row we want: add one. */
	k.l[9].ifindex = 3;
	struct policy_op ops[4];
	assert_int_equal(policy_plan(k.l, k.n, recs, 0, b, 1, ops, 4), 1);
	assert_int_equal(ops[0].kind, POLICY_OP_ADD);
}

static void test_rec_commit_full(void **state)
{
	(void)state;
	struct policy_rec recs[2];
	size_t n = 0;
	struct policy_op op = { .kind = POLICY_OP_ADD, .plen = 48, .label = 9 };
	for (uint8_t i = 0; i < 2; i++) {
		op.prefix[0] = i;
		assert_true(policy_rec_commit(recs, &n, 2, &op));
	}
	op.prefix[0] = 7;
	assert_false(policy_rec_commit(recs, &n, 2, &op));
	assert_int_equal(n, 2);
	op.prefix[0] = 1;
	op.label = 10;
	assert_true(policy_rec_commit(recs, &n, 2, &op)); /* update in place */
	assert_int_equal(recs[1].label, 10);
	op.is_restore = true;
	assert_true(policy_rec_commit(recs, &n, 2, &op));
	assert_int_equal(n, 1);
	assert_int_equal(recs[0].prefix[0], 0);
}

/* --- RTM_NEWADDRLABEL ------------------------------------------------------------------------- */

/* Captured from a Linux 6.x RTM_GETADDRLABEL dump after `ip addrlabel add prefix 2001:db8::/32
 * label 14` in a fresh namespace (python AF_NETLINK socket, raw bytes). */
static const char *const label_msg_hex =
	"38000000 4800 0200 07000000 ba380000"           /* nlmsghdr: RTM_NEWADDRLABEL, MULTI */
	"0a 00 20 00 00000000 0b000000"                 /* ifaddrlblmsg: AF_INET6, /32, if 0 */
	"1400 0100 20010db8000000000000000000000000"    /* IFAL_ADDRESS */
	"0800 0200 0e000000";                           /* IFAL_LABEL 14 */

static void test_parse_label(void **state)
{
	(void)state;
	uint8_t buf[64];
	int len = test_hex(label_msg_hex, buf, sizeof(buf));
	assert_int_equal(len, 56);
	struct rcur c = rcur_init(buf, (size_t)len);
	struct hostcfg_nlmsg m;
	struct policy_label l;
	assert_true(hostcfg_nl_next(&c, &m));
	assert_int_equal(policy_nl_parse_label(&m, &l), HOSTCFG_NL_OK);
	struct policy_label want = lbl("2001:db8::", 32, 14);
	assert_memory_equal(&l, &want, sizeof(l));
	/* Truncated payloads at every length fail cleanly. */
	for (int cut = 16; cut < len; cut++) {
		struct hostcfg_nlmsg t = m;
		t.payload = rcur_init(buf + 16, (size_t)cut - 16);
		assert_int_not_equal(policy_nl_parse_label(&t, &l), HOSTCFG_NL_OK);
	}
	/* Wrong type, family, prefix length, attribute size. */
	struct hostcfg_nlmsg t = m;
	t.type = 20;
	assert_int_equal(policy_nl_parse_label(&t, &l), HOSTCFG_NL_E_TYPE);
	buf[16] = 2;
	assert_int_equal(policy_nl_parse_label(&m, &l), HOSTCFG_NL_E_FAMILY);
	buf[16] = 10;
	buf[18] = 129;
	assert_int_equal(policy_nl_parse_label(&m, &l), HOSTCFG_NL_E_PLEN);
	buf[18] = 32;
	buf[48] = 7; /* IFAL_LABEL of 3 bytes */
	assert_int_not_equal(policy_nl_parse_label(&m, &l), HOSTCFG_NL_OK);
}

/* --- gai.conf ------------------------------------------------------------------------------ */

static const char gai_default_block[] =
	"# BEGIN v6link (managed, do not edit)\n"
	"# RFC 6724 policy table (with the ISP's RFC 7078 rows); removed when v6link stops\n"
	"precedence ::1/128 50\n"
	"precedence ::/0 40\n"
	"precedence ::ffff:0.0.0.0/96 35\n"
	"precedence 2002::/16 30\n"
	"precedence 2001::/32 5\n"
	"precedence fc00::/7 3\n"
	"precedence ::/96 1\n"
	"precedence fec0::/10 1\n"
	"precedence 3ffe::/16 1\n"
	"label ::1/128 0\n"
	"label ::/0 1\n"
	"label ::ffff:0.0.0.0/96 4\n"
	"label 2002::/16 2\n"
	"label 2001::/32 5\n"
	"label fc00::/7 13\n"
	"label ::/96 3\n"
	"label fec0::/10 11\n"
	"label 3ffe::/16 12\n"
	"# END v6link\n";

/* An excerpt of Debian's stock /etc/gai.conf (glibc's example file): all comments. */
static const char gai_debian[] =
	"# Configuration for getaddrinfo(3).\n"
	"#\n"
	"# So far only configuration for the destination address sorting is needed.\n"
	"#\n"
	"#precedence  ::1/128       50\n"
	"#precedence  ::/0          40\n"
	"#    For sites which prefer IPv4 connections change the last line to\n"
	"#precedence ::ffff:0:0/96  100\n";

static char *render(const char *old, const struct policy_row *rows, size_t n)
{
	static char out[8192];
	int len = policy_gai_render(old, strlen(old), rows, n, out, sizeof(out));
	assert_true(len >= 0);
	assert_int_equal((size_t)len, strlen(out));
	return out;
}

static char *strip(const char *old)
{
	static char out[8192];
	int len = policy_gai_strip(old, strlen(old), out, sizeof(out));
	assert_true(len >= 0);
	assert_int_equal((size_t)len, strlen(out));
	return out;
}

static void test_gai_empty_golden(void **state)
{
	(void)state;
	const struct policy_row *d = policy_rfc6724_default;
	assert_string_equal(render("", d, 9), gai_default_block);
	assert_string_equal(strip(gai_default_block), "");
	assert_true(policy_gai_has_block(gai_default_block, strlen(gai_default_block)));
	/* Every buffer too small fails cleanly. */
	char out[sizeof(gai_default_block)];
	for (size_t cap = 0; cap < sizeof(gai_default_block); cap++)
		assert_int_equal(policy_gai_render("", 0, d, 9, out, cap), -1);
	assert_int_equal(policy_gai_render("", 0, d, 9, out, sizeof(out)),
		(int)sizeof(gai_default_block) - 1);
	/* No rows: no block at all. */
	assert_string_equal(render(gai_debian, NULL, 0), gai_debian);
}

static void test_gai_keep_idempotent_replace(void **state)
{
	(void)state;
	struct policy_row eff[POLICY_MAX_ROWS], isp[] = { row("2001:db8:1::", 48, 45, 14) };
	int ne = policy_effective(isp, 1, eff, POLICY_MAX_ROWS);
	char first[8192], second[8192];
	snprintf(first, sizeof(first), "%s", render(gai_debian, eff, (size_t)ne));
	/* Existing content kept in front, block appended, the ISP's row in both kinds. */
	assert_memory_equal(first, gai_debian, strlen(gai_debian));
	assert_non_null(strstr(first, "\nprecedence 2001:db8:1::/48 45\n"));
	assert_non_null(strstr(first, "\nlabel 2001:db8:1::/48 14\n"));
	/* The stock file's precedence lines are comments: the full default table is written. */
	assert_non_null(strstr(first, "\nprecedence ::/0 40\n"));
	assert_non_null(strstr(first, "\nlabel fc00::/7 13\n"));
	assert_string_equal(render(first, eff, (size_t)ne), first); /* idempotent */
	assert_string_equal(strip(first), gai_debian);              /* byte-identical inverse */
	/* A new set replaces the block: one BEGIN, the old row gone, user text unchanged. */
	struct policy_row isp2[] = { row("2001:db8:2::", 56, 50, 15) };
	ne = policy_effective(isp2, 1, eff, POLICY_MAX_ROWS);
	snprintf(second, sizeof(second), "%s", render(first, eff, (size_t)ne));
	assert_null(strstr(second, "2001:db8:1::"));
	assert_non_null(strstr(second, "precedence 2001:db8:2::/56 50\n"));
	char *b = strstr(second, POLICY_GAI_BEGIN);
	assert_non_null(b);
	assert_null(strstr(b + 1, POLICY_GAI_BEGIN));
	assert_string_equal(strip(second), gai_debian);
}

static void test_gai_block_in_place(void **state)
{
	(void)state;
	const struct policy_row *d = policy_rfc6724_default;
	/* A block in the middle (the user added text after it) stays where it is. */
	char text[4096], want[4096];
	snprintf(text, sizeof(text), "reload yes\n" POLICY_GAI_BEGIN "\nprecedence ::/0 1\n"
		POLICY_GAI_END "\nscopev4 ::ffff:169.254.0.0/112 2\n");
	snprintf(want, sizeof(want), "reload yes\n%sscopev4 ::ffff:169.254.0.0/112 2\n",
		gai_default_block);
	assert_string_equal(render(text, d, 9), want);
	assert_string_equal(strip(text), "reload yes\nscopev4 ::ffff:169.254.0.0/112 2\n");
	/* Two blocks (e.g. a copy pasted): the first is replaced, the second removed. */
	snprintf(text, sizeof(text), "a\n%sb\n%sc\n", gai_default_block, gai_default_block);
	snprintf(want, sizeof(want), "a\n%sb\nc\n", gai_default_block);
	assert_string_equal(render(text, d, 9), want);
	assert_string_equal(strip(text), "a\nb\nc\n");
	/* An unterminated block runs to the end; markers with CRLF and trailing blanks count. */
	assert_string_equal(strip("x\n" POLICY_GAI_BEGIN "\nlabel ::/0 1\n"), "x\n");
	assert_string_equal(strip("x\r\n" POLICY_GAI_BEGIN " \r\nlabel ::/0 1\r\n" POLICY_GAI_END
		"\r\ny\r\n"), "x\r\ny\r\n");
	/* A marker inside a longer line is not a marker. */
	assert_string_equal(strip("#" POLICY_GAI_BEGIN "\nz\n"), "#" POLICY_GAI_BEGIN "\nz\n");
	assert_false(policy_gai_has_block("x " POLICY_GAI_BEGIN "\n", 40));
}

static void test_gai_no_final_newline(void **state)
{
	(void)state;
	const struct policy_row *d = policy_rfc6724_default;
	char want[4096];
	/* Without a final newline the block goes first, so strip restores the text exactly. */
	snprintf(want, sizeof(want), "%sreload yes", gai_default_block);
	assert_string_equal(render("reload yes", d, 9), want);
	assert_string_equal(strip(want), "reload yes");
	assert_string_equal(render(want, d, 9), want);
	/* A block whose END lost its newline at the end of the file is still replaced. */
	char text[4096];
	snprintf(text, sizeof(text), "a\n%s", gai_default_block);
	text[strlen(text) - 1] = '\0';
	snprintf(want, sizeof(want), "a\n%s", gai_default_block);
	assert_string_equal(render(text, d, 9), want);
	assert_string_equal(strip(text), "a\n");
}

static void test_gai_user_lines_win(void **state)
{
	(void)state;
	struct policy_row eff[POLICY_MAX_ROWS], isp[] = { row("2001:db8:1::", 48, 45, 14) };
	int ne = policy_effective(isp, 1, eff, POLICY_MAX_ROWS);
	/* The user's own precedence table (IPv4 preferred): glibc already has no built-in
	 * precedences, so only the ISP's row is added; the same for labels (the user has one).
	 * Commented lines do not count. */
	const char *user = "precedence ::1/128 50\n"
			   "precedence  ::/0\t40  # native\n"
			   "precedence ::ffff:0.0.0.0/96 100\n"
			   "label ::/0 1\n"
			   "#label fc00::/7 99\n";
	char *out = render(user, eff, (size_t)ne);
	assert_memory_equal(out, user, strlen(user));
	const char *blk = out + strlen(user);
	assert_non_null(strstr(blk, "\nprecedence 2001:db8:1::/48 45\n"));
	assert_null(strstr(blk, "precedence ::/0"));
	assert_null(strstr(blk, "precedence fc00::/7"));
	assert_null(strstr(blk, "label ::/0 "));
	assert_null(strstr(blk, "label fc00::/7"));
	assert_non_null(strstr(blk, "\nlabel 2001:db8:1::/48 14\n"));
	assert_string_equal(strip(out), user);
	/* The user sets the ISP's prefix themselves, in IPv4 and unmasked spellings: left out. */
	const char *u2 = "precedence 2001:db8:1:ff::/48 10\nlabel 10.0.0.0/8 7\n";
	struct policy_row v4 = row("::ffff:10.0.0.0", 104, 9, 9);
	struct policy_row both[] = { eff[9], v4 };
	out = render(u2, both, 2);
	assert_null(strstr(out + strlen(u2), "precedence 2001:db8:1::/48"));
	assert_non_null(strstr(out, "label 2001:db8:1::/48 14\n"));
	assert_non_null(strstr(out, "precedence ::ffff:10.0.0.0/104 9\n"));
	assert_null(strstr(out, "label ::ffff:10.0.0.0/104"));
	/* Everything left to the user: no block. */
	const char *u3 = "precedence ::/0 40\nlabel ::/0 1\n";
	struct policy_row only = row("::", 0, 40, 1);
	assert_string_equal(render(u3, &only, 1), u3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_table),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_from_addrsel),
		cmocka_unit_test(test_plan_apply_update_undo),
		cmocka_unit_test(test_plan_restores_dropped_row),
		cmocka_unit_test(test_rec_commit_full),
		cmocka_unit_test(test_parse_label),
		cmocka_unit_test(test_gai_empty_golden),
		cmocka_unit_test(test_gai_keep_idempotent_replace),
		cmocka_unit_test(test_gai_block_in_place),
		cmocka_unit_test(test_gai_no_final_newline),
		cmocka_unit_test(test_gai_user_lines_win),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
