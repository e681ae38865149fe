/* The daemon-wide policy table owner: the connections' rows merged into kernel labels (through
 * policy_owner_ops) and one gai.conf block (file I/O on the path given), with policy.state and
 * recovery; see policy.h.
 *
 * Crash ordering. Before the host changes, policy.state already covers the change:
 *   sync:     state {records so far + every label about to be set, with the old one kept and a
 *             label being changed listing both values; gai: path, had-file, made-dir} ->
 *             kernel ops -> gai.conf block (temporary file, rename) -> state {what is now true}
 *   restore:  kernel: each recorded label the kernel still holds with a value of ours goes back
 *             to its old one (or is deleted) -> gai.conf without the block (deleted if we created
 *             it and it is empty) -> directories -> state removed
 * A kernel op either happened or not, and either way the kernel holds the old label (not ours:
 * left) or one listed as ours (restored). The block is found by its markers, so stripping it
 * is right whatever the file went through; a restore cut short runs again and finds nothing
 * of ours left to change. */
#include "hostcfg/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define PO_STATE_MAX 8192

static bool po_crash(struct policy_owner *o, const char *step)
{
	if (!hostcfg_crash_now(o->crash, step))
		return false;
	errno = ECANCELED;
	return true;
}

static bool po_dead(const struct policy_owner *o)
{
	return o->crash && o->crash->is_dead;
}

/* --- the state file --------------------------------------------------------------------------- */

/* What is true now: the committed labels and the gai.conf we wrote. */
static void po_saved_now(const struct policy_owner *o, struct policy_saved *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->kernel, sizeof(s->kernel), "%s", o->kernel);
	if (o->gai_applied) {
		snprintf(s->gai_path, sizeof(s->gai_path), "%s", o->gai_path);
		s->gai_had_file = o->gai_had_file;
		snprintf(s->gai_made_dir, sizeof(s->gai_made_dir), "%s", o->gai_made_dir);
	}
	for (size_t i = 0; i < o->n_recs; i++) {
		struct policy_saved_rec *r = &s->recs[s->n_recs++];
		memcpy(r->prefix, o->recs[i].prefix, 16);
		r->plen = o->recs[i].plen;
		r->label = o->recs[i].label;
		r->had_old = o->recs[i].had_old;
		r->old_label = o->recs[i].old_label;
	}
}

/* Adds the labels ops are about to set: a new record, or a second value of ours. */
static void po_saved_add_ops(struct policy_saved *s, const struct policy_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct policy_op *op = &ops[i];
		struct policy_saved_rec *r = NULL;
		if (op->is_restore)
			continue; /* the record stays until the restore is done */
		for (size_t k = 0; k < s->n_recs && !r; k++)
			if (s->recs[k].plen == op->plen && !memcmp(s->recs[k].prefix, op->prefix, 16))
				r = &s->recs[k];
		if (r && r->label != op->label) {
			r->has_alt = true;
			r->alt_label = op->label;
		} else if (!r && s->n_recs < POLICY_MAX_OPS) {
			r = &s->recs[s->n_recs++];
			memset(r, 0, sizeof(*r));
			memcpy(r->prefix, op->prefix, 16);
			r->plen = op->plen;
			r->label = op->label;
			r->had_old = op->had_old;
			r->old_label = op->old_label;
		}
	}
}

/* Writes s as policy.state unless it already says that; nothing to say: the file goes. */
static int po_write_saved(struct policy_owner *o, const struct policy_saved *s)
{
	char *buf = malloc(2 * PO_STATE_MAX), *old = buf + PO_STATE_MAX;
	int rc = -1;
	if (!buf)
		return -1;
	int n = policy_saved_render(s, buf, PO_STATE_MAX);
	if (n < 0) {
		errno = EOVERFLOW;
		goto out;
	}
	if (o->has_saved && policy_saved_render(&o->saved, old, PO_STATE_MAX) == n &&
		!memcmp(buf, old, (size_t)n)) {
		rc = 0;
	} else if (!s->gai_path[0] && s->n_recs == 0) {
		rc = 0;
		if (o->has_saved) {
			rc = po_crash(o, "drop-state") ? -1 : hostcfg_file_remove(o->state_path);
			o->has_saved = rc < 0;
		}
	} else if (!po_crash(o, "state") &&
		hostcfg_file_replace(o->state_path, buf, (size_t)n, 0600, (uid_t)-1, 0, o->crash) == 0) {
		o->saved = *s;
		o->has_saved = true;
		rc = 0;
	}
	if (rc < 0 && !po_dead(o))
		log_warn("policy: writing %s", o->state_path);
out:
	free(buf);
	return rc;
}

/* --- kernel labels ---------------------------------------------------------------------------- */

/* Runs ops; each change the kernel took is committed to the records. */
static int po_run_ops(struct policy_owner *o, const struct policy_op *ops, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		const struct policy_op *op = &ops[i];
		bool is_new = !op->is_restore;
		for (size_t k = 0; k < o->n_recs && is_new; k++)
			is_new = !(o->recs[k].plen == op->plen && !memcmp(o->recs[k].prefix, op->prefix, 16));
		if (is_new && o->n_recs == POLICY_MAX_ROWS) {
			log_warnx("policy: label undo list full (%d)", POLICY_MAX_ROWS);
			rc = -1;
			continue;
		}
		if (po_crash(o, "label"))
			return -1;
		if (o->ops->op(o->ops_ctx, op) < 0) {
			rc = -1;
			continue;
		}
		policy_rec_commit(o->recs, &o->n_recs, POLICY_MAX_ROWS, op);
	}
	return rc;
}

/* Reads the kernel's labels into a new array (*n set); NULL after logging. */
static struct policy_label *po_dump(struct policy_owner *o, size_t *n)
{
	size_t dropped = 0;
	struct policy_label *cur = calloc(POLICY_MAX_KERNEL, sizeof(*cur));
	int k = cur ? o->ops->dump(o->ops_ctx, cur, POLICY_MAX_KERNEL, &dropped) : -1;
	if (k < 0) {
		free(cur);
		return NULL;
	}
	if (dropped)
		log_warnx("policy: %zu kernel labels past %d ignored", dropped, POLICY_MAX_KERNEL);
	*n = (size_t)k;
	return cur;
}

/* --- gai.conf --------------------------------------------------------------------------------- */

/* The new text of gai.conf: rows in the block, or (rows NULL) without it. *olen < 0: no file.
 * Returns the new length, or -1 after logging. */
static int po_gai_text(struct policy_owner *o, const char *path, const struct policy_row *rows,
	size_t n, char *old, ssize_t *olen, struct stat *sb, char *neu)
{
	*olen = hostcfg_file_read(path, old, POLICY_GAI_MAX, sb);
	if (*olen < 0 && errno != ENOENT) {
		int err = errno;
		if (err == ELOOP || err == EINVAL)
			log_warnx("policy: %s is not a regular file (a symlink?): left alone", path);
		else
			log_warn("policy: reading %s", path);
		errno = err;
		return -1;
	}
	size_t len = *olen < 0 ? 0 : (size_t)*olen;
	int nlen = rows ? policy_gai_render(old, len, rows, n, neu, POLICY_GAI_MAX) :
		policy_gai_strip(old, len, neu, POLICY_GAI_MAX);
	if (nlen < 0) {
		log_warnx("policy: %s: new text over %d bytes", path, POLICY_GAI_MAX);
		errno = EFBIG;
	}
	(void)o;
	return nlen;
}

/* Writes text (n bytes) over path if it differs from old; keeps mode and owner. */
static int po_gai_write(struct policy_owner *o, const char *path, const char *old, ssize_t olen,
	const struct stat *sb, const char *neu, int n)
{
	if (olen >= 0 && (size_t)olen == (size_t)n && !memcmp(old, neu, (size_t)n))
		return 0;
	if (olen < 0 && n == 0)
		return 0;
	if (po_crash(o, "gai"))
		return -1;
	if (olen < 0 && hostcfg_file_mkdirs(path) < 0)
		return -1;
	return hostcfg_file_replace(path, neu, (size_t)n, olen >= 0 ? sb->st_mode : 0644,
		olen >= 0 ? sb->st_uid : (uid_t)-1, olen >= 0 ? sb->st_gid : 0, o->crash);
}

/* Removes the block from path (deleting the file if v6link created it and nothing else is in
 * it, and the directories it created). 0 or -1 (logged). */
static int po_gai_strip(struct policy_owner *o, const char *path, bool had_file,
	const char *made_dir)
{
	char *old = malloc(2 * POLICY_GAI_MAX), *neu = old + POLICY_GAI_MAX;
	ssize_t olen;
	struct stat sb;
	int rc = -1;
	if (!old)
		return -1;
	hostcfg_file_drop_tmp(path);
	int n = po_gai_text(o, path, NULL, 0, old, &olen, &sb, neu);
	if (n < 0 && errno == ELOOP) {
		rc = 0; /* someone put a symlink there: not ours any more */
	} else if (n >= 0 && !had_file && olen >= 0 && n == 0) {
		rc = po_crash(o, "gai") ? -1 : hostcfg_file_remove(path);
	} else if (n >= 0) {
		rc = po_gai_write(o, path, old, olen, &sb, neu, n);
	}
	if (rc < 0 && !po_dead(o))
		log_warn("policy: removing v6link's block from %s", path);
	if (rc == 0 && made_dir[0])
		hostcfg_file_rmdirs(path, made_dir);
	free(old);
	return rc;
}

/* --- restore (recovery and clean undo) -------------------------------------------------------- */

/* Undoes what s records. 0, or -1 (state kept for another try). */
static int po_restore(struct policy_owner *o, const struct policy_saved *s)
{
	struct policy_op ops[POLICY_MAX_OPS];
	int rc = 0;
	if (s->n_recs > 0 && s->kernel[0] && o->kernel[0] && strcmp(s->kernel, o->kernel)) {
		log_info("policy: the kernel's address labels were reset since (reboot or new network "
			"namespace): none to restore");
	} else if (s->n_recs > 0) {
		size_t n_cur = 0;
		struct policy_label *cur = po_dump(o, &n_cur);
		int n = cur ? policy_saved_plan_restore(cur, n_cur, s, ops, POLICY_MAX_OPS) : -1;
		free(cur);
		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			if (po_crash(o, "label"))
				return -1;
			if (o->ops->op(o->ops_ctx, &ops[i]) < 0)
				rc = -1;
		}
		if (rc == 0 && n > 0)
			log_info("policy: %d kernel address label(s) restored", n);
	}
	if (rc == 0 && s->gai_path[0] && po_gai_strip(o, s->gai_path, s->gai_had_file,
		s->gai_made_dir) < 0)
		rc = -1;
	return rc;
}

static void po_forget(struct policy_owner *o)
{
	o->n_recs = 0;
	o->gai_applied = false;
	o->gai_made_dir[0] = '\0';
	o->has_table = false;
	o->is_stuck = false;
}

/* Restores everything recorded and removes the state file. The state file's content is a
 * superset of what is true now (an earlier run's, or labels being set when a sync failed). */
static int po_undo_all(struct policy_owner *o)
{
	struct policy_saved s, none;
	if (o->has_saved)
		s = o->saved;
	else
		po_saved_now(o, &s);
	if (po_restore(o, &s) < 0) {
		if (!po_dead(o))
			log_warnx("policy: policy table not fully restored; kept in %s", o->state_path);
		return -1;
	}
	po_forget(o);
	memset(&none, 0, sizeof(none));
	return po_write_saved(o, &none);
}

static void po_recover(struct policy_owner *o)
{
	unsigned line = 0;
	struct policy_saved *s = malloc(sizeof(*s));
	char *buf = malloc(HOSTCFG_STATE_MAX);
	if (!s || !buf)
		goto out;
	hostcfg_file_drop_tmp(o->state_path);
	ssize_t n = hostcfg_file_read(o->state_path, buf, HOSTCFG_STATE_MAX, NULL);
	if (n < 0) {
		if (errno != ENOENT)
			log_warn("policy: reading %s", o->state_path);
		goto out;
	}
	enum hostcfg_state_err e = policy_saved_parse(buf, (size_t)n, s, &line);
	if (e != HOSTCFG_STATE_OK) {
		char bad[HOSTCFG_PATH_MAX + 8];
		snprintf(bad, sizeof(bad), "%s.bad", o->state_path);
		log_warnx("policy: %s:%u: %s; nothing restored, kept as %s", o->state_path, line,
			hostcfg_state_err_str(e), bad);
		rename(o->state_path, bad);
		goto out;
	}
	log_info("policy: undoing what an earlier run left (%zu kernel label(s)%s%s)", s->n_recs,
		s->gai_path[0] ? ", block in " : "", s->gai_path);
	o->saved = *s;
	o->has_saved = true;
	o->is_stuck = true;
	po_undo_all(o);
out:
	free(s);
	free(buf);
}

/* --- sync ------------------------------------------------------------------------------------- */

/* The gai.conf text for w (read now, written after the labels); a first write is recorded in
 * pre beforehand. *n < 0: nothing to write (refused or failed, logged). */
struct po_gai {
	char *old, *neu;
	ssize_t olen;
	struct stat sb;
	int n;
	bool is_first;
};

static int po_gai_prepare(struct policy_owner *o, const struct policy_want *w,
	struct policy_saved *pre, struct po_gai *g)
{
	g->n = -1;
	if (!o->gai_path[0] || o->is_gai_refused)
		return 0;
	g->n = po_gai_text(o, o->gai_path, w->rows, w->n, g->old, &g->olen, &g->sb, g->neu);
	if (g->n < 0) {
		o->is_gai_refused = errno == ELOOP || errno == EINVAL;
		return -1;
	}
	g->is_first = !o->gai_applied;
	if (g->is_first) {
		o->gai_had_file = g->olen >= 0;
		if (!hostcfg_file_missing_dir(o->gai_path, o->gai_made_dir, sizeof(o->gai_made_dir))) {
			g->n = -1;
			return -1;
		}
		snprintf(pre->gai_path, sizeof(pre->gai_path), "%s", o->gai_path);
		pre->gai_had_file = o->gai_had_file;
		snprintf(pre->gai_made_dir, sizeof(pre->gai_made_dir), "%s", o->gai_made_dir);
	}
	return 0;
}

/* Plans the kernel labels for w; the count, or -1 (logged). */
static int po_plan(struct policy_owner *o, const struct policy_want *w, struct policy_op *ops)
{
	size_t n_cur = 0;
	if (!w->has_isp && o->n_recs == 0)
		return 0; /* nothing wanted, nothing to restore: the kernel's table is left alone */
	struct policy_label *cur = po_dump(o, &n_cur);
	if (!cur)
		return -1;
	int n = policy_plan(cur, n_cur, o->recs, o->n_recs, w->has_isp ? w->rows : NULL,
		w->has_isp ? w->n : 0, ops, POLICY_MAX_OPS);
	free(cur);
	if (n < 0)
		log_warnx("policy: label plan for %zu rows too large", w->n);
	return n;
}

/* Applies the merged table w: state first, then labels, then gai.conf, then state again. */
static int po_apply(struct policy_owner *o, const struct policy_want *w)
{
	struct policy_op ops[POLICY_MAX_OPS];
	struct policy_saved *pre = malloc(sizeof(*pre));
	struct po_gai g = { .old = malloc(2 * POLICY_GAI_MAX) };
	int rc = 0;
	if (!pre || !g.old) {
		rc = -1;
		goto out;
	}
	g.neu = g.old + POLICY_GAI_MAX;
	int n_ops = po_plan(o, w, ops);
	if (n_ops < 0) {
		rc = -1;
		n_ops = 0;
	}
	po_saved_now(o, pre);
	po_saved_add_ops(pre, ops, (size_t)n_ops);
	if (po_gai_prepare(o, w, pre, &g) < 0)
		rc = -1;
	if (po_write_saved(o, pre) < 0) {
		rc = -1;
		goto out;
	}
	if (po_run_ops(o, ops, (size_t)n_ops) < 0)
		rc = -1;
	if (n_ops > 0 && !po_dead(o))
		log_info("policy: %d kernel address label change(s), %zu recorded for undo", n_ops,
			o->n_recs);
	if (g.n >= 0 && po_gai_write(o, o->gai_path, g.old, g.olen, &g.sb, g.neu, g.n) == 0) {
		o->gai_applied = true;
	} else if (g.n >= 0 && !po_dead(o)) {
		log_warn("policy: writing %s", o->gai_path);
		if (g.is_first && o->gai_made_dir[0])
			hostcfg_file_rmdirs(o->gai_path, o->gai_made_dir);
		rc = -1;
	}
	if (po_dead(o))
		goto out;
	po_saved_now(o, pre);
	if (po_write_saved(o, pre) < 0)
		rc = -1;
out:
	free(pre);
	free(g.old);
	return rc;
}

static int po_sync(struct policy_owner *o)
{
	struct policy_want *w = malloc(sizeof(*w));
	int rc;
	if (!w)
		return -1;
	policy_merge_contribs(o->c, POLICY_OWNER_MAX, w);
	if (w->n_dropped)
		log_warnx("policy: %zu RFC 7078 row(s) past %d left out", w->n_dropped, POLICY_MAX_ROWS);
	if (!w->any_set) {
		rc = o->has_saved || o->n_recs || o->gai_applied ? po_undo_all(o) : 0;
		if (rc == 0)
			log_debug(LOGC_HOST, "policy: policy table restored");
	} else if (o->has_table && o->had_isp == w->has_isp && o->n_applied == w->n &&
		!memcmp(o->applied, w->rows, w->n * sizeof(w->rows[0]))) {
		rc = 0;
	} else {
		o->has_table = false;
		rc = po_apply(o, w);
		if (rc == 0) {
			o->has_table = true;
			o->had_isp = w->has_isp;
			o->n_applied = w->n;
			memcpy(o->applied, w->rows, w->n * sizeof(w->rows[0]));
			log_info("policy: policy table applied (%s)%s%s", w->has_isp ?
				"RFC 6724 defaults with the ISPs' RFC 7078 rows" : "RFC 6724 defaults",
				o->gai_applied ? ", precedences in " : "", o->gai_applied ? o->gai_path : "");
		}
	}
	free(w);
	return rc;
}

/* --- the API ---------------------------------------------------------------------------------- */

static struct policy_contrib *po_slot(struct policy_owner *o, unsigned id, bool create)
{
	for (size_t i = 0; i < POLICY_OWNER_MAX; i++)
		if (o->c[i].is_set && o->c[i].id == id)
			return &o->c[i];
	for (size_t i = 0; create && i < POLICY_OWNER_MAX; i++)
		if (!o->c[i].is_set) {
			memset(&o->c[i], 0, sizeof(o->c[i]));
			return &o->c[i];
		}
	return NULL;
}

static int po_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	return n > 0 && (size_t)n < cap && hostcfg_state_path_ok(out, cap) ? 0 : -1;
}

int policy_owner_open(struct policy_owner *o, const struct policy_owner_cfg *cfg)
{
	memset(o, 0, sizeof(*o));
	o->ops = cfg->ops;
	o->ops_ctx = cfg->ops_ctx;
	o->crash = cfg->crash;
	if (!cfg->ops || !cfg->state_dir ||
		po_path(o->state_path, sizeof(o->state_path), cfg->state_dir, POLICY_STATE_FILE) < 0) {
		log_warnx("policy: state directory '%s' unusable", cfg->state_dir ? cfg->state_dir : "");
		return -1;
	}
	if (cfg->gai_path && !hostcfg_state_path_ok(cfg->gai_path, sizeof(o->gai_path))) {
		log_warnx("policy: gai.conf path '%s' unusable", cfg->gai_path);
		return -1;
	}
	snprintf(o->gai_path, sizeof(o->gai_path), "%s", cfg->gai_path ? cfg->gai_path : "");
	if (o->ops->kernel_id && (o->ops->kernel_id(o->ops_ctx, o->kernel, sizeof(o->kernel)) < 0 ||
		!hostcfg_state_token_ok(o->kernel, sizeof(o->kernel))))
		o->kernel[0] = '\0';
	if (hostcfg_file_mkdirs(o->state_path) < 0) {
		log_warn("policy: creating %s", cfg->state_dir);
		return -1;
	}
	po_recover(o);
	return 0;
}

int policy_owner_set(struct policy_owner *o, unsigned id, const char *name,
	const struct policy_row *rows, size_t n)
{
	if (po_dead(o))
		return -1;
	struct policy_contrib *c = po_slot(o, id, true);
	if (!c) {
		log_warnx("policy[%s]: more than %d connections", name, POLICY_OWNER_MAX);
		return -1;
	}
	if (n > POLICY_MAX_ROWS) {
		log_warnx("policy[%s]: %zu rows, only %d kept", name, n, POLICY_MAX_ROWS);
		n = POLICY_MAX_ROWS;
	}
	c->is_set = true;
	c->id = id;
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "?");
	c->n = n;
	if (n)
		memcpy(c->rows, rows, n * sizeof(rows[0]));
	if (o->is_stuck) {
		log_warnx("policy[%s]: not applied: an earlier run's changes are still in place",
			c->name);
		return -1;
	}
	return po_sync(o);
}

int policy_owner_clear(struct policy_owner *o, unsigned id)
{
	if (po_dead(o))
		return -1;
	struct policy_contrib *c = po_slot(o, id, false);
	if (!c)
		return 0;
	c->is_set = false;
	return o->is_stuck ? 0 : po_sync(o);
}

bool policy_owner_is_set(const struct policy_owner *o, unsigned id)
{
	for (size_t i = 0; i < POLICY_OWNER_MAX; i++)
		if (o->c[i].is_set && o->c[i].id == id)
			return true;
	return false;
}

int policy_owner_close(struct policy_owner *o)
{
	if (po_dead(o))
		return -1;
	for (size_t i = 0; i < POLICY_OWNER_MAX; i++)
		o->c[i].is_set = false;
	if (!o->has_saved && !o->n_recs && !o->gai_applied)
		return 0;
	return po_undo_all(o);
}
