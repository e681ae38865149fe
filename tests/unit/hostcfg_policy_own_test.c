/* The daemon-wide policy table owner (hostcfg/policy.h): merging the connections' rows, the
 * policy.state codec and recovery plan, and the owner against a simulated kernel label table
 * and gai.conf files in a temporary directory, with a simulated SIGKILL before every step that
 * changes the host, checking at each step that the state file on disk covers the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
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

static int find_row(const struct policy_row *t, size_t n, const char *pfx, uint8_t plen)
{
	struct policy_row r = row(pfx, plen, 0, 0);
	for (size_t i = 0; i < n; i++)
		if (t[i].plen == plen && !memcmp(t[i].prefix, r.prefix, 16))
			return (int)i;
	return -1;
}

/* --- merge ------------------------------------------------------------------------------------ */

static void test_merge_contribs(void **state)
{
	(void)state;
	struct policy_contrib c[POLICY_OWNER_MAX];
	struct policy_want w;
	struct policy_row eff[POLICY_MAX_ROWS];
	memset(c, 0, sizeof(c));
	policy_merge_contribs(c, POLICY_OWNER_MAX, &w);
	assert_false(w.any_set);
	/* One connection without rows: the defaults for gai.conf, the kernel left alone. */
	c[3] = (struct policy_contrib){ .is_set = true, .id = 9, .name = "lte" };
	policy_merge_contribs(c, POLICY_OWNER_MAX, &w);
	assert_true(w.any_set);
	assert_false(w.has_isp);
	assert_int_equal(w.n, policy_rfc6724_default_len);
	assert_memory_equal(w.rows, policy_rfc6724_default, w.n * sizeof(w.rows[0]));
	/* One connection with rows: exactly policy_effective (a later duplicate wins). */
	c[5] = (struct policy_contrib){ .is_set = true, .id = 2, .name = "dsl", .n = 4 };
	c[5].rows[0] = row("2001:db8:1::", 48, 45, 14);
	c[5].rows[1] = row("fc00::", 7, 3, 13);
	c[5].rows[2] = row("::", 0, 40, 1);
	c[5].rows[3] = row("2001:db8:1::", 48, 46, 15);
	c[3].is_set = false;
	policy_merge_contribs(c, POLICY_OWNER_MAX, &w);
	int ne = policy_effective(c[5].rows, 4, eff, POLICY_MAX_ROWS);
	assert_true(w.has_isp);
	assert_int_equal(w.n, (size_t)ne);
	assert_memory_equal(w.rows, eff, w.n * sizeof(w.rows[0]));
	/* Two connections: connection order (id) decides a prefix both set, whatever the slots. */
	c[1] = (struct policy_contrib){ .is_set = true, .id = 1, .name = "first", .n = 2 };
	c[1].rows[0] = row("2001:db8:1::", 48, 60, 20);
	c[1].rows[1] = row("2001:db8:2::", 48, 50, 21);
	c[3].is_set = true;
	policy_merge_contribs(c, POLICY_OWNER_MAX, &w);
	assert_int_equal(w.n, policy_rfc6724_default_len + 2);
	int k = find_row(w.rows, w.n, "2001:db8:1::", 48);
	assert_int_equal(w.rows[k].label, 20);
	k = find_row(w.rows, w.n, "2001:db8:2::", 48);
	assert_int_equal(w.rows[k].label, 21);
	assert_int_equal(w.n_dropped, 0);
}

static void test_merge_overflow(void **state)
{
	(void)state;
	struct policy_contrib *c = calloc(POLICY_OWNER_MAX, sizeof(*c));
	struct policy_want w;
	for (unsigned i = 0; i < 2; i++) {
		c[i].is_set = true;
		c[i].id = i;
		c[i].n = POLICY_MAX_ROWS;
		for (unsigned r = 0; r < POLICY_MAX_ROWS; r++) {
			c[i].rows[r] = row("2001:db8::", 64, 10, 30);
			c[i].rows[r].prefix[6] = (uint8_t)i;
			c[i].rows[r].prefix[7] = (uint8_t)r;
		}
	}
	policy_merge_contribs(c, POLICY_OWNER_MAX, &w);
	assert_int_equal(w.n, POLICY_MAX_ROWS);
	assert_int_equal(w.n_dropped, 2 * POLICY_MAX_ROWS - (POLICY_MAX_ROWS - 9));
	assert_int_equal(w.rows[POLICY_MAX_ROWS - 1].prefix[6], 0); /* the first connection's */
	free(c);
}

/* --- state file codec and recovery plan ------------------------------------------------------- */

/* Fills *s (padding zeroed too: test_saved_codec compares whole structs with the parser's output,
 * which memsets; a struct returned by value may carry indeterminate padding, and did with clang). */
static void srec(struct policy_saved_rec *s, const char *pfx, uint8_t plen, uint32_t label,
		 long long alt, long long old)
{
	struct policy_row r = row(pfx, plen, 0, 0);
	memset(s, 0, sizeof(*s));
	memcpy(s->prefix, r.prefix, 16);
	s->plen = plen;
	s->label = label;
	s->has_alt = alt >= 0;
	s->alt_label = alt >= 0 ? (uint32_t)alt : 0;
	s->had_old = old >= 0;
	s->old_label = old >= 0 ? (uint32_t)old : 0;
}

static void test_saved_codec(void **state)
{
	(void)state;
	struct policy_saved s, p;
	char buf[8192];
	unsigned line;
	memset(&s, 0, sizeof(s));
	snprintf(s.kernel, sizeof(s.kernel), "0b9a4c1e-2f9c-4a47-9a57-0123456789ab/4026531840");
	snprintf(s.gai_path, sizeof(s.gai_path), "/etc/netns/ns1/gai.conf");
	s.gai_had_file = false;
	snprintf(s.gai_made_dir, sizeof(s.gai_made_dir), "/etc/netns");
	srec(&s.recs[s.n_recs++], "2001:db8:1::", 48, 14, -1, 99);
	srec(&s.recs[s.n_recs++], "2001:db8:2::", 48, 20, 21, -1);
	srec(&s.recs[s.n_recs++], "::", 0, 0, -1, 4294967294);
	int n = policy_saved_render(&s, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nversion 1\nkernel 0b9a4c1e-2f9c-4a47-9a57-0123456789ab/4026531840\n"
				    "gai /etc/netns/ns1/gai.conf\ngai-had-file 0\n"
				    "gai-made-dir /etc/netns\nlabel 2001:db8:1::/48 14 - 99\n"
				    "label 2001:db8:2::/48 20 21 -\nlabel ::/0 0 - 4294967294\nend\n"));
	assert_int_equal(policy_saved_parse(buf, (size_t)n, &p, &line), HOSTCFG_STATE_OK);
	assert_memory_equal(&s, &p, sizeof(s));
	for (size_t len = 0; len + 1 < (size_t)n; len++)
		assert_int_not_equal(policy_saved_parse(buf, len, &p, &line), HOSTCFG_STATE_OK);
	for (size_t cap = 1; cap <= (size_t)n; cap++)
		assert_int_equal(policy_saved_render(&s, buf, cap), -1);
	/* Nothing recorded is a valid (empty) state. */
	assert_int_equal(policy_saved_parse("version 1\nend\n", 14, &p, &line), HOSTCFG_STATE_OK);
	assert_int_equal(p.n_recs, 0);

	static const struct {
		const char *text;
		enum hostcfg_state_err e;
		unsigned line;
	} bad[] = {
		{ "version 1\nlabel 2001:db8:1::/48 14 - 99\nlabel 2001:db8:1::/48 15 - -\nend\n",
		  HOSTCFG_STATE_E_DUP, 3 },
		{ "version 1\nlabel 2001:db8:1::1/48 14 - 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel 2001:db8:1::/129 14 - 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel 2001:db8:1:: 14 - 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel 192.0.2.0/24 14 - 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 14 - 99 7\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 14 -\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 14 - 99 \nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 14  - 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 - - 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 014 - 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 4294967295 - 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 14 14 99\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nlabel ::/0 14 - 99999999999\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\ngai /etc/gai.conf\nend\n", HOSTCFG_STATE_E_MISSING, 3 },
		{ "version 1\ngai-had-file 1\nend\n", HOSTCFG_STATE_E_KEY, 3 },
		{ "version 1\ngai /etc/gai.conf\ngai-had-file 2\nend\n", HOSTCFG_STATE_E_VALUE, 3 },
		{ "version 1\ngai /etc/gai.conf\ngai /etc/gai.conf\nend\n", HOSTCFG_STATE_E_DUP, 3 },
		{ "version 1\ngai gai.conf\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nroute ::/0\nend\n", HOSTCFG_STATE_E_KEY, 2 },
		{ "version 1\nkernel a b\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nkernel a\nkernel a\nend\n", HOSTCFG_STATE_E_DUP, 3 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum hostcfg_state_err e = policy_saved_parse(bad[i].text, strlen(bad[i].text), &p, &line);
		if (e != bad[i].e || line != bad[i].line)
			fail_msg("case %zu: got %s line %u, want %s line %u", i, hostcfg_state_err_str(e),
				 line, hostcfg_state_err_str(bad[i].e), bad[i].line);
	}
}

static struct policy_label lbl(const char *pfx, uint8_t plen, uint32_t label)
{
	struct policy_row r = row(pfx, plen, 0, label);
	struct policy_label l = { .plen = plen, .label = label };
	memcpy(l.prefix, r.prefix, 16);
	return l;
}

static void test_plan_restore(void **state)
{
	(void)state;
	struct policy_saved s;
	struct policy_op ops[8];
	memset(&s, 0, sizeof(s));
	srec(&s.recs[s.n_recs++], "2001:db8:1::", 48, 14, -1, 99); /* ours: back to 99 */
	srec(&s.recs[s.n_recs++], "2001:db8:2::", 48, 20, 21, -1); /* alt is ours: delete */
	srec(&s.recs[s.n_recs++], "fc00::", 7, 13, -1, 5);         /* the admin's 7 now: leave */
	srec(&s.recs[s.n_recs++], "2001:db8:3::", 48, 30, -1, -1); /* gone: leave */
	srec(&s.recs[s.n_recs++], "2001::", 32, 5, -1, 6);         /* never set (crash): leave */
	srec(&s.recs[s.n_recs++], "2001:db8:4::", 48, 40, -1, 44); /* cut mid-replace: re-add */
	struct policy_label cur[] = { lbl("2001:db8:1::", 48, 14), lbl("2001:db8:2::", 48, 21),
				      lbl("fc00::", 7, 7), lbl("2001::", 32, 6), lbl("::", 0, 1) };
	int n = policy_saved_plan_restore(cur, 5, &s, ops, 8);
	assert_int_equal(n, 3);
	assert_int_equal(ops[0].kind, POLICY_OP_ADD); /* newest first */
	assert_int_equal(ops[0].label, 44);
	assert_int_equal(ops[1].kind, POLICY_OP_DEL);
	assert_int_equal(ops[1].plen, 48);
	assert_int_equal(ops[1].prefix[5], 2);
	assert_int_equal(ops[2].kind, POLICY_OP_REPLACE);
	assert_int_equal(ops[2].label, 99);
	assert_true(ops[0].is_restore && ops[1].is_restore && ops[2].is_restore);
	assert_int_equal(policy_saved_plan_restore(cur, 5, &s, ops, 2), -1);
	/* A label on one interface only is not the table v6link changed. */
	cur[0].ifindex = 3;
	assert_int_equal(policy_saved_plan_restore(cur, 5, &s, ops, 8), 3);
	assert_int_equal(ops[2].kind, POLICY_OP_ADD);
}

/* --- the owner against a simulated kernel and temporary files --------------------------------- */

struct fake_kernel {
	struct policy_label l[64];
	size_t n;
	bool fail_dump;
	unsigned n_ops;
	char id[64];                  /* boot and namespace */
	struct hostcfg_crash *crash;  /* the owner's: a crash can fall inside a replace */
};

/* The Linux per-netns default table (net/ipv6/addrlabel.c), plus an administrator's label. */
static void fake_init(struct fake_kernel *k)
{
	struct policy_label d[] = { lbl("::1", 128, 0), lbl("::", 96, 3), lbl("::ffff:0:0", 96, 4),
		lbl("2001::", 32, 6), lbl("2001:10::", 28, 7), lbl("3ffe::", 16, 12),
		lbl("2002::", 16, 2), lbl("fec0::", 10, 11), lbl("fc00::", 7, 5), lbl("::", 0, 1),
		lbl("2001:db8:1::", 48, 99) };
	memset(k, 0, sizeof(*k));
	memcpy(k->l, d, sizeof(d));
	k->n = sizeof(d) / sizeof(d[0]);
	snprintf(k->id, sizeof(k->id), "boot-1/4026531840");
}

static int fake_find(const struct fake_kernel *k, const uint8_t *p, uint8_t plen)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->l[i].plen == plen && memcmp(k->l[i].prefix, p, 16) == 0)
			return (int)i;
	return -1;
}

static int fake_dump(void *ctx, struct policy_label *cur, size_t cap, size_t *n_dropped)
{
	struct fake_kernel *k = ctx;
	if (k->fail_dump)
		return -1;
	size_t n = k->n < cap ? k->n : cap;
	memcpy(cur, k->l, n * sizeof(cur[0]));
	*n_dropped = k->n - n;
	return (int)n;
}

/* What the glue does with the kernel: an add fails on an existing entry; a replace is a delete
 * and an add (a crash may fall between them); a delete of a missing entry is success. */
static int fake_op(void *ctx, const struct policy_op *op)
{
	struct fake_kernel *k = ctx;
	int i = fake_find(k, op->prefix, op->plen);
	k->n_ops++;
	switch (op->kind) {
	case POLICY_OP_REPLACE:
		if (i >= 0)
			k->l[i] = k->l[--k->n];
		if (hostcfg_crash_now(k->crash, "replace-add"))
			return -1;
		i = -1;
		__attribute__((fallthrough)); /* (clang takes no comment for it) */
	case POLICY_OP_ADD:
		if (i >= 0)
			return -1;
		assert_true(k->n < 64);
		i = (int)k->n++;
		k->l[i] = (struct policy_label){ .plen = op->plen, .label = op->label };
		memcpy(k->l[i].prefix, op->prefix, 16);
		return 0;
	case POLICY_OP_DEL:
		if (i >= 0)
			k->l[i] = k->l[--k->n];
		return 0;
	}
	return -1;
}

static int fake_kernel_id(void *ctx, char *out, size_t cap)
{
	struct fake_kernel *k = ctx;
	snprintf(out, cap, "%s", k->id);
	return k->id[0] ? 0 : -1;
}

static const struct policy_owner_ops fake_ops = { .dump = fake_dump, .op = fake_op,
						  .kernel_id = fake_kernel_id };

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

static uint32_t fake_label(const struct fake_kernel *k, const char *pfx, uint8_t plen)
{
	struct policy_label l = lbl(pfx, plen, 0);
	int i = fake_find(k, l.prefix, plen);
	return i < 0 ? POLICY_LABEL_INVALID : k->l[i].label;
}

struct fx {
	char root[64], state[96], etc[96], gai[128], state_file[128];
	struct fake_kernel k, orig;
};

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(test_mkdtemp(f->root, sizeof(f->root), "v6l-policy"));
	snprintf(f->state, sizeof(f->state), "%s/state", f->root);
	snprintf(f->state_file, sizeof(f->state_file), "%s/" POLICY_STATE_FILE, f->state);
	snprintf(f->etc, sizeof(f->etc), "%s/etc", f->root);
	snprintf(f->gai, sizeof(f->gai), "%s/gai.conf", f->etc);
	assert_int_equal(mkdir(f->etc, 0755), 0);
	fake_init(&f->k);
	f->orig = f->k;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static const char *get(const char *path)
{
	static char buf[16384];
	struct stat sb;
	if (lstat(path, &sb) < 0)
		return "<none>";
	if (S_ISLNK(sb.st_mode))
		return "<symlink>";
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static const char *ls(const char *dir)
{
	static char out[1024];
	struct dirent **names;
	out[0] = '\0';
	int n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? " " : "",
				 names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return out;
}

static struct policy_owner *own_open(struct fx *f, bool gai, struct hostcfg_crash *crash)
{
	struct policy_owner *o = calloc(1, sizeof(*o));
	struct policy_owner_cfg cfg = { .state_dir = f->state, .gai_path = gai ? f->gai : NULL,
					.ops = &fake_ops, .ops_ctx = &f->k, .crash = crash };
	f->k.crash = crash;
	assert_int_equal(policy_owner_open(o, &cfg), 0);
	return o;
}

static const struct policy_row *isp_a(size_t *n)
{
	static struct policy_row r[2];
	r[0] = row("2001:db8:1::", 48, 45, 14);
	r[1] = row("2001:db8:2::", 48, 60, 20);
	*n = 2;
	return r;
}

static const struct policy_row *isp_b(size_t *n)
{
	static struct policy_row r[2];
	r[0] = row("2001:db8:2::", 48, 60, 21);
	r[1] = row("2001:db8:3::", 48, 45, 15);
	*n = 2;
	return r;
}

static const char *const admin_gai = "# my gai.conf\nreload no\nscopev4 ::ffff:169.254.0.0/112 2\n";

static void test_owner_two_connections(void **state)
{
	struct fx *f = *state;
	size_t n;
	const struct policy_row *a = isp_a(&n);
	struct policy_owner *o = own_open(f, true, NULL);
	assert_string_equal(ls(f->state), "");
	/* lte first, without rows: gai.conf gets the defaults, the kernel is left alone. */
	assert_int_equal(policy_owner_set(o, 2, "lte", NULL, 0), 0);
	assert_true(fake_same(&f->k, &f->orig));
	assert_non_null(strstr(get(f->gai), "precedence ::/0 40\n"));
	assert_non_null(strstr(get(f->state_file), "gai-had-file 0\n"));
	/* dsl with the ISP's table: RFC 6724 labels and its rows. */
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), 0);
	assert_int_equal(fake_label(&f->k, "2001:db8:1::", 48), 14);
	assert_int_equal(fake_label(&f->k, "2001:db8:2::", 48), 20);
	assert_int_equal(fake_label(&f->k, "fc00::", 7), 13);
	assert_int_equal(fake_label(&f->k, "2001:10::", 28), 7); /* nothing deleted */
	assert_non_null(strstr(get(f->gai), "precedence 2001:db8:2::/48 60\n"));
	assert_non_null(strstr(get(f->state_file), "label 2001:db8:1::/48 14 - 99\n"));
	assert_non_null(strstr(get(f->state_file), "label 2001:db8:2::/48 20 - -\n"));
	/* Unchanged: no kernel traffic at all. */
	unsigned ops = f->k.n_ops;
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), 0);
	assert_int_equal(f->k.n_ops, ops);
	/* dsl goes: its labels go back, lte's defaults stay in gai.conf. */
	assert_int_equal(policy_owner_clear(o, 1), 0);
	assert_true(fake_same(&f->k, &f->orig));
	assert_non_null(strstr(get(f->gai), "precedence ::/0 40\n"));
	assert_null(strstr(get(f->gai), "2001:db8:2::"));
	assert_null(strstr(get(f->state_file), "label "));
	/* lte goes: gai.conf was ours, it goes too; so does the state file. */
	assert_int_equal(policy_owner_clear(o, 2), 0);
	assert_string_equal(get(f->gai), "<none>");
	assert_string_equal(ls(f->state), "");
	assert_string_equal(ls(f->etc), "");
	/* The administrator's gai.conf: kept byte for byte with its mode. */
	put(f->gai, admin_gai, 0640);
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), 0);
	assert_int_equal(strncmp(get(f->gai), admin_gai, strlen(admin_gai)), 0);
	assert_int_equal(policy_owner_close(o), 0);
	assert_string_equal(get(f->gai), admin_gai);
	struct stat sb;
	assert_int_equal(stat(f->gai, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_true(fake_same(&f->k, &f->orig));
	assert_string_equal(ls(f->state), "");
	free(o);
}

static void test_owner_kill_and_recover(void **state)
{
	struct fx *f = *state;
	size_t n;
	const struct policy_row *a = isp_a(&n);
	char dir[160];
	/* /etc/netns/NAME/gai.conf where neither directory exists. */
	snprintf(f->gai, sizeof(f->gai), "%s/netns/ns1/gai.conf", f->etc);
	struct policy_owner *o = own_open(f, true, NULL);
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), 0);
	assert_int_equal(policy_owner_set(o, 2, "lte", NULL, 0), 0);
	free(o); /* SIGKILL */
	assert_false(fake_same(&f->k, &f->orig));
	snprintf(dir, sizeof(dir), "%s/netns", f->etc);
	assert_non_null(strstr(get(f->state_file), "gai-made-dir "));
	o = own_open(f, true, NULL);
	assert_true(fake_same(&f->k, &f->orig));
	assert_string_equal(ls(f->etc), "");
	assert_string_equal(ls(f->state), "");
	assert_int_equal(policy_owner_close(o), 0);
	free(o);
	/* The administrator changed one of our labels before the next start: theirs stays. */
	o = own_open(f, false, NULL);
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), 0);
	free(o);
	struct policy_label l = lbl("2001:db8:1::", 48, 0);
	f->k.l[fake_find(&f->k, l.prefix, 48)].label = 77;
	o = own_open(f, false, NULL);
	assert_int_equal(fake_label(&f->k, "2001:db8:1::", 48), 77);
	assert_int_equal(fake_label(&f->k, "fc00::", 7), 5);
	assert_int_equal(fake_label(&f->k, "2001:db8:2::", 48), POLICY_LABEL_INVALID);
	assert_string_equal(ls(f->state), "");
	free(o);
	/* The administrator deleted one that v6link had replaced: it gets its old label back (a
	 * crash between a replace's delete and add looks the same). */
	f->k.l[fake_find(&f->k, l.prefix, 48)].label = 99;
	o = own_open(f, false, NULL);
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), 0);
	free(o);
	int gone = fake_find(&f->k, l.prefix, 48); /* before --n */
	assert_true(gone >= 0);
	f->k.l[gone] = f->k.l[--f->k.n];
	o = own_open(f, false, NULL);
	assert_true(fake_same(&f->k, &f->orig));
	free(o);
	/* After a reboot (or in a new namespace) the kernel has its defaults and another name:
	 * nothing of ours to restore, not even the administrator's label of the last boot. */
	o = own_open(f, false, NULL);
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), 0);
	free(o);
	assert_non_null(strstr(get(f->state_file), "\nkernel boot-1/4026531840\n"));
	fake_init(&f->k);
	f->k.n--; /* the administrator's 2001:db8:1::/48 is not there after the reboot */
	snprintf(f->k.id, sizeof(f->k.id), "boot-2/4026531840");
	struct fake_kernel rebooted = f->k;
	o = own_open(f, false, NULL);
	assert_true(fake_same(&f->k, &rebooted));
	assert_int_equal(f->k.n_ops, 0);
	assert_string_equal(ls(f->state), "");
	free(o);
}

static void test_owner_refusals(void **state)
{
	struct fx *f = *state;
	size_t n;
	const struct policy_row *a = isp_a(&n);
	char target[160];
	/* A symlinked gai.conf is someone else's file: left alone, the labels still go in. */
	snprintf(target, sizeof(target), "%s/real-gai.conf", f->root);
	put(target, admin_gai, 0644);
	assert_int_equal(symlink(target, f->gai), 0);
	struct policy_owner *o = own_open(f, true, NULL);
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), -1);
	assert_int_equal(fake_label(&f->k, "2001:db8:1::", 48), 14);
	assert_string_equal(get(target), admin_gai);
	assert_null(strstr(get(f->state_file), "gai "));
	assert_int_equal(policy_owner_close(o), 0);
	assert_true(fake_same(&f->k, &f->orig));
	assert_string_equal(get(f->gai), "<symlink>");
	free(o);
	unlink(f->gai);
	/* An unreadable state file is set aside; nothing is touched. */
	put(f->state_file, "version 1\nlabel ::/0 1 - 7\n", 0600);
	o = own_open(f, true, NULL);
	assert_string_equal(ls(f->state), "policy.state.bad");
	assert_true(fake_same(&f->k, &f->orig));
	free(o);
	snprintf(target, sizeof(target), "%s.bad", f->state_file);
	assert_int_equal(unlink(target), 0);
	/* A kernel that cannot be read: recovery keeps the state, the owner keeps its hands off,
	 * and the exit tries again. */
	o = own_open(f, true, NULL);
	assert_int_equal(policy_owner_set(o, 1, "dsl", a, n), 0);
	free(o);
	f->k.fail_dump = true;
	o = own_open(f, true, NULL);
	assert_string_equal(ls(f->state), "policy.state");
	assert_int_equal(policy_owner_set(o, 2, "lte", NULL, 0), -1);
	assert_int_equal(policy_owner_close(o), -1);
	f->k.fail_dump = false;
	assert_int_equal(policy_owner_close(o), 0);
	assert_true(fake_same(&f->k, &f->orig));
	assert_string_equal(get(f->gai), "<none>");
	assert_string_equal(ls(f->state), "");
	free(o);
}

/* --- crash points ----------------------------------------------------------------------------- */

struct crash_at {
	unsigned at, n;
	const char *step;
	struct fx *f;
	const char *gai_orig;
};

/* At every step: each kernel label that differs from the start, and a block in gai.conf, must
 * be covered by the state file on disk, so that a crash right here can be undone. */
static void check_covered(struct crash_at *c)
{
	struct fx *f = c->f;
	struct policy_saved s;
	unsigned line;
	bool has = false;
	char *buf = calloc(1, 16384);
	int fd = open(f->state_file, O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, 16383);
		close(fd);
		assert_int_equal(policy_saved_parse(buf, (size_t)n, &s, &line), HOSTCFG_STATE_OK);
		has = true;
	}
	free(buf);
	for (size_t i = 0; i < f->k.n; i++) {
		const struct policy_label *l = &f->k.l[i];
		int j = fake_find(&f->orig, l->prefix, l->plen);
		if (j >= 0 && f->orig.l[j].label == l->label)
			continue;
		bool ok = false;
		for (size_t r = 0; has && r < s.n_recs && !ok; r++) {
			const struct policy_saved_rec *x = &s.recs[r];
			ok = x->plen == l->plen && !memcmp(x->prefix, l->prefix, 16) &&
			     (x->label == l->label || (x->has_alt && x->alt_label == l->label)) &&
			     x->had_old == (j >= 0) && (j < 0 || x->old_label == f->orig.l[j].label);
		}
		if (!ok)
			fail_msg("before '%s' (%u): a kernel label is not covered by the state", c->step,
				 c->n);
	}
	for (size_t j = 0; j < f->orig.n; j++)
		if (fake_find(&f->k, f->orig.l[j].prefix, f->orig.l[j].plen) < 0) {
			bool ok = false;
			for (size_t r = 0; has && r < s.n_recs && !ok; r++)
				ok = s.recs[r].plen == f->orig.l[j].plen &&
				     !memcmp(s.recs[r].prefix, f->orig.l[j].prefix, 16);
			if (!ok)
				fail_msg("before '%s': an original label is gone", c->step);
		}
	if (strstr(get(f->gai), POLICY_GAI_BEGIN) && !(has && s.gai_path[0]))
		fail_msg("before '%s': a block in gai.conf the state does not name", c->step);
}

static bool crash_fn(void *arg, const char *step)
{
	struct crash_at *c = arg;
	check_covered(c);
	c->step = step;
	return ++c->n == c->at;
}

static bool life(struct fx *f, struct hostcfg_crash *crash)
{
	size_t na, nb;
	const struct policy_row *a = isp_a(&na), *b = isp_b(&nb);
	struct policy_owner *o = own_open(f, true, crash);
	policy_owner_set(o, 2, "lte", NULL, 0);
	policy_owner_set(o, 1, "dsl", a, na);
	policy_owner_set(o, 1, "dsl", b, nb); /* 2001:db8:2::/48 20 -> 21: both recorded */
	policy_owner_set(o, 3, "wwan", a, na);
	policy_owner_clear(o, 1);
	policy_owner_clear(o, 3);
	policy_owner_clear(o, 2); /* everything back */
	policy_owner_set(o, 1, "dsl", b, nb);
	policy_owner_close(o);
	free(o);
	return !crash->is_dead;
}

static void crash_loop(struct fx *f, const char *what)
{
	unsigned at;
	for (at = 1; at < 400; at++) {
		char gai0[4096], etc0[1024];
		snprintf(gai0, sizeof(gai0), "%s", get(f->gai));
		snprintf(etc0, sizeof(etc0), "%s", ls(f->etc));
		struct crash_at c = { .at = at, .f = f };
		struct hostcfg_crash crash = { .fn = crash_fn, .arg = &c };
		bool done = life(f, &crash);
		struct policy_owner *o = own_open(f, true, NULL);
		if (!fake_same(&f->k, &f->orig) || strcmp(get(f->gai), gai0) || strcmp(ls(f->state), "") ||
		    strcmp(ls(f->etc), etc0))
			fail_msg("%s: crash %u before '%s': kernel %s, gai.conf '%s', state dir '%s'", what,
				 at, c.step, fake_same(&f->k, &f->orig) ? "restored" : "NOT restored",
				 get(f->gai), ls(f->state));
		assert_int_equal(policy_owner_close(o), 0);
		free(o);
		if (done)
			break;
	}
	assert_true(at > 20);
	assert_true(at < 400);
}

static void test_crash_points_created(void **state)
{
	struct fx *f = *state;
	snprintf(f->gai, sizeof(f->gai), "%s/netns/ns1/gai.conf", f->etc);
	crash_loop(f, "created");
}

static void test_crash_points_admin_file(void **state)
{
	struct fx *f = *state;
	put(f->gai, admin_gai, 0640);
	crash_loop(f, "admin's file");
	struct stat sb;
	assert_int_equal(stat(f->gai, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
}

static void test_crash_during_recovery(void **state)
{
	struct fx *f = *state;
	size_t na;
	const struct policy_row *a = isp_a(&na);
	unsigned at;
	for (at = 1; at < 100; at++) {
		struct policy_owner *o = own_open(f, true, NULL);
		policy_owner_set(o, 1, "dsl", a, na);
		free(o); /* SIGKILL */
		struct crash_at c = { .at = at, .f = f };
		struct hostcfg_crash crash = { .fn = crash_fn, .arg = &c };
		o = own_open(f, true, &crash);
		bool done = !crash.is_dead;
		free(o);
		o = own_open(f, true, NULL);
		if (!fake_same(&f->k, &f->orig) || strcmp(get(f->gai), "<none>") || strcmp(ls(f->state), ""))
			fail_msg("crash %u before '%s' in recovery", at, c.step);
		free(o);
		if (done)
			break;
	}
	assert_true(at > 3);
	assert_true(at < 100);
}

int main(void)
{
	log_init("hostcfg_policy_own_test", false, LOG_LVL_ERR, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_contribs),
		cmocka_unit_test(test_merge_overflow),
		cmocka_unit_test(test_saved_codec),
		cmocka_unit_test(test_plan_restore),
		cmocka_unit_test_setup_teardown(test_owner_two_connections, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_owner_kill_and_recover, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_owner_refusals, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_crash_points_created, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_crash_points_admin_file, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_recovery, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
