/* The resolver owner: the connections' contributions, the resolv.conf file with its backup and
 * state file, links through resolver_ops, and recovery; see resolver.h. File I/O happens only
 * on the paths configured (tests use temporary directories).
 *
 * Crash ordering of the file backend. Every step that changes the disk comes after the state
 * file that lets the next start undo it:
 *   first write:  state {had, backup, made-dir, ours = H}  ->  backup copy  ->  mkdir  ->
 *                 target (temporary file, rename)
 *   next writes:  state {ours = H_old, H_new}  ->  target  ->  state {ours = H_new}
 *   restore:      target put back (only if it hashes to an "ours")  ->  backup removed  ->
 *                 directories removed  ->  state removed
 * The target changes only by rename, so it always holds the original, ours (a hash listed), or
 * someone else's file. Recovery restores only when the target hashes to one of ours; otherwise
 * the original is still there or someone replaced ours, and either way the file is left alone
 * and the backup dropped. A restore interrupted before the state file is gone runs again and
 * finds the original (not ours): it only drops what is left. */
#include "hostcfg/resolver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define RS_TEXT_MAX 4096
#define RS_STATE_MAX 4096

static bool rs_crash(struct resolver *r, const char *step)
{
	if (!hostcfg_crash_now(r->crash, step))
		return false;
	errno = ECANCELED;
	return true;
}

/* After a simulated crash nothing may touch the disk any more. */
static bool rs_dead(const struct resolver *r)
{
	return r->crash && r->crash->is_dead;
}

static bool rs_per_link(enum dns_backend b)
{
	return b == DNS_BACKEND_RESOLVED || b == DNS_BACKEND_RESOLVCONF;
}

/* --- the state file ---------------------------------------------------------------------------- */

static int rs_write_saved(struct resolver *r, const struct resolver_saved *s)
{
	char buf[RS_STATE_MAX];
	int n = resolver_saved_render(s, buf, sizeof(buf));
	if (n < 0) {
		errno = EOVERFLOW;
		return -1;
	}
	if (rs_crash(r, "state") ||
		hostcfg_file_replace(r->state_path, buf, (size_t)n, 0600, (uid_t)-1, 0, r->crash) < 0)
		return -1;
	r->saved = *s;
	r->has_saved = true;
	return 0;
}

static int rs_drop_saved(struct resolver *r)
{
	if (rs_crash(r, "drop-state"))
		return -1;
	if (hostcfg_file_remove(r->state_path) < 0) {
		log_warn("resolver: removing %s", r->state_path);
		return -1;
	}
	r->has_saved = false;
	memset(&r->saved, 0, sizeof(r->saved));
	return 0;
}

static bool rs_saved_has_link(const struct resolver *r, const char *ifname)
{
	for (unsigned i = 0; r->has_saved && i < r->saved.n_links; i++)
		if (!strcmp(r->saved.links[i], ifname))
			return true;
	return false;
}

/* --- restoring the file ------------------------------------------------------------------------ */

/* True if the target still holds exactly what the backup says was there (or no backup was
 * made: the target was never replaced). */
static bool rs_untouched(const struct resolver_saved *s, char *buf, size_t cap)
{
	char a[HOSTCFG_HASH_LEN + 1], b[HOSTCFG_HASH_LEN + 1];
	struct stat sb;
	if (s->had == RESOLVER_HAD_NONE)
		return lstat(s->target, &sb) < 0 && errno == ENOENT;
	ssize_t n = hostcfg_file_read(s->backup, buf, cap, NULL);
	if (n < 0)
		return errno == ENOENT;
	if (s->had == RESOLVER_HAD_FILE) {
		hostcfg_hash(buf, (size_t)n, a);
		return hostcfg_hash_file(s->target, b) && !strcmp(a, b);
	}
	char *link = buf + n + 1;
	if ((size_t)n + 1 >= cap)
		return false;
	ssize_t k = readlink(s->target, link, cap - (size_t)n - 2);
	return k == n && memcmp(buf, link, (size_t)n) == 0;
}

/* Puts the original back over our file: deleted, the file's bytes with their mode and owner,
 * or the symlink. 0 or -1/errno (ENOENT: the backup is gone). */
static int rs_put_back(struct resolver *r, const struct resolver_saved *s, char *buf, size_t cap)
{
	struct stat sb;
	if (s->had == RESOLVER_HAD_NONE)
		return hostcfg_file_remove(s->target);
	ssize_t n = hostcfg_file_read(s->backup, buf, cap, &sb);
	if (n < 0)
		return -1;
	if (s->had == RESOLVER_HAD_FILE)
		return hostcfg_file_replace(s->target, buf, (size_t)n, sb.st_mode, sb.st_uid, sb.st_gid,
			r->crash);
	if (n == 0 || strlen(buf) != (size_t)n) {
		errno = EINVAL;
		return -1;
	}
	return hostcfg_file_replace_symlink(s->target, buf, r->crash);
}

/* The restore of the file backend (recovery and clean undo alike). 0, or -1 after logging: the
 * backup and the state file stay for another try. */
static int rs_restore_file(struct resolver *r, const struct resolver_saved *s)
{
	char cur[HOSTCFG_HASH_LEN + 1];
	bool is_ours = false;
	int rc = 0;
	char *buf = malloc(2 * HOSTCFG_FILE_MAX);
	if (!buf)
		return -1;
	hostcfg_file_drop_tmp(s->target);
	if (hostcfg_hash_file(s->target, cur))
		for (unsigned i = 0; i < s->n_ours; i++)
			is_ours = is_ours || !strcmp(cur, s->ours[i]);
	if (is_ours && rs_crash(r, "restore")) {
		rc = -1;
	} else if (is_ours && rs_put_back(r, s, buf, 2 * HOSTCFG_FILE_MAX) < 0) {
		bool is_lost = errno == ENOENT;
		if (!rs_dead(r))
			log_warn("resolver: restoring %s from %s", s->target, s->backup);
		rc = is_lost ? 0 : -1; /* a lost backup cannot come back: give up, loudly */
	} else if (is_ours) {
		log_info("resolver: %s %s", s->target,
			s->had == RESOLVER_HAD_NONE ? "removed (v6link had created it)" : "restored");
	} else if (!rs_untouched(s, buf, 2 * HOSTCFG_FILE_MAX)) {
		log_warnx("resolver: %s was rewritten by someone else after v6link wrote it: left as "
			"it is%s", s->target, s->had == RESOLVER_HAD_NONE ? "" : ", the original dropped");
	}
	if (rc == 0 && s->had != RESOLVER_HAD_NONE) {
		if (rs_crash(r, "drop-backup"))
			rc = -1;
		else if (hostcfg_file_remove(s->backup) < 0)
			log_warn("resolver: removing %s", s->backup);
		if (rc == 0)
			hostcfg_file_drop_tmp(s->backup);
	}
	if (rc == 0 && s->made_dir[0])
		hostcfg_file_rmdirs(s->target, s->made_dir);
	free(buf);
	return rc;
}

/* Undoes what s records: the file, or every link. 0, or -1 (state kept). */
static int rs_restore(struct resolver *r, const struct resolver_saved *s)
{
	if (s->backend == DNS_BACKEND_FILE)
		return rs_restore_file(r, s);
	for (unsigned i = 0; i < s->n_links; i++) {
		if (rs_crash(r, "link-clear"))
			return -1;
		/* A link that is gone took its settings with it: failing is fine then. */
		if (!r->ops)
			log_warnx("resolver: no %s glue to revert link %s", dns_backend_name(s->backend),
				s->links[i]);
		else if (r->ops->link_clear(r->ops_ctx, s->backend, s->links[i]) < 0)
			log_debug(LOGC_HOST, "resolver: reverting link %s failed", s->links[i]);
	}
	return 0;
}

/* Reads the state file an earlier run left and undoes it. */
static void rs_recover(struct resolver *r)
{
	struct resolver_saved s;
	unsigned line = 0;
	char *buf = malloc(HOSTCFG_STATE_MAX);
	if (!buf)
		return;
	hostcfg_file_drop_tmp(r->state_path);
	ssize_t n = hostcfg_file_read(r->state_path, buf, HOSTCFG_STATE_MAX, NULL);
	if (n < 0) {
		if (errno != ENOENT)
			log_warn("resolver: reading %s", r->state_path);
		goto out;
	}
	enum hostcfg_state_err e = resolver_saved_parse(buf, (size_t)n, &s, &line);
	if (e != HOSTCFG_STATE_OK) {
		char bad[HOSTCFG_PATH_MAX + 8];
		snprintf(bad, sizeof(bad), "%s.bad", r->state_path);
		log_warnx("resolver: %s:%u: %s; nothing restored, kept as %s", r->state_path, line,
			hostcfg_state_err_str(e), bad);
		rename(r->state_path, bad);
		goto out;
	}
	log_info("resolver: undoing what an earlier run left in %s%s%s", dns_backend_name(s.backend),
		s.target[0] ? " " : "", s.target);
	r->saved = s;
	r->has_saved = true;
	if (rs_restore(r, &s) == 0)
		rs_drop_saved(r);
	else if (s.backend == DNS_BACKEND_FILE && !rs_dead(r))
		log_warnx("resolver: %s not restored; v6link leaves it alone until it is", s.target);
out:
	free(buf);
}

/* Older versions, whose DNS code ran per connection, kept the original beside the file: after
 * their crash it is still there and ours in its place. Only run when no state file exists. */
static void rs_recover_legacy(struct resolver *r)
{
	char legacy[2][HOSTCFG_PATH_MAX + 32], dir[HOSTCFG_PATH_MAX];
	struct stat sb;
	size_t n = 0;
	snprintf(legacy[n++], sizeof(legacy[0]), "%s.v6link-orig", r->path);
	/* /etc/netns/NAME/resolv.conf kept it as /etc/netns/NAME.resolv.conf.v6link-orig. */
	snprintf(dir, sizeof(dir), "%s", r->path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir && !strcmp(slash, "/resolv.conf")) {
		*slash = '\0';
		snprintf(legacy[n++], sizeof(legacy[0]), "%s.resolv.conf.v6link-orig", dir);
	}
	for (size_t i = 0; i < n; i++) {
		if (lstat(legacy[i], &sb) < 0)
			continue;
		if (rename(legacy[i], r->path) < 0)
			log_warn("resolver: putting back %s left by an older version", legacy[i]);
		else
			log_info("resolver: %s put back from %s, left by an older version", r->path,
				legacy[i]);
		return;
	}
}

/* --- the file backend ------------------------------------------------------------------------- */

/* The state of a first write: what is at the target now. */
static int rs_file_first(struct resolver *r, const char *hash, struct resolver_saved *s)
{
	struct stat sb;
	memset(s, 0, sizeof(*s));
	s->backend = DNS_BACKEND_FILE;
	snprintf(s->target, sizeof(s->target), "%s", r->path);
	if (lstat(r->path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode) && !S_ISLNK(sb.st_mode)) {
			errno = EINVAL; /* a directory, a device...: not ours to replace */
			return -1;
		}
		s->had = S_ISREG(sb.st_mode) ? RESOLVER_HAD_FILE : RESOLVER_HAD_SYMLINK;
		snprintf(s->backup, sizeof(s->backup), "%s", r->backup_path);
	} else if (errno != ENOENT) {
		return -1;
	}
	if (!hostcfg_file_missing_dir(r->path, s->made_dir, sizeof(s->made_dir)))
		return -1;
	s->n_ours = 1;
	snprintf(s->ours[0], sizeof(s->ours[0]), "%s", hash);
	return 0;
}

/* Copies the original into the backup: a file's bytes with its mode and owner, or a symlink's
 * text (the link is never followed). */
static int rs_make_backup(struct resolver *r, const struct resolver_saved *s)
{
	struct stat sb;
	int rc = -1;
	char *buf = malloc(HOSTCFG_FILE_MAX);
	if (!buf || rs_crash(r, "backup"))
		goto out;
	if (s->had == RESOLVER_HAD_FILE) {
		ssize_t n = hostcfg_file_read(s->target, buf, HOSTCFG_FILE_MAX, &sb);
		if (n >= 0)
			rc = hostcfg_file_replace(s->backup, buf, (size_t)n, sb.st_mode, sb.st_uid,
				sb.st_gid, r->crash);
	} else {
		ssize_t n = readlink(s->target, buf, HOSTCFG_FILE_MAX - 1);
		if (n >= 0)
			rc = hostcfg_file_replace(s->backup, buf, (size_t)n, 0600, (uid_t)-1, 0, r->crash);
	}
out:
	free(buf);
	return rc;
}

/* A first write that failed before the target was replaced: nothing of ours is there. */
static void rs_file_rollback(struct resolver *r, const struct resolver_saved *s)
{
	if (s->had != RESOLVER_HAD_NONE)
		hostcfg_file_remove(s->backup);
	if (s->made_dir[0])
		hostcfg_file_rmdirs(s->target, s->made_dir);
	if (r->has_saved)
		rs_drop_saved(r);
}

/* Writes the merged set m into the file, backing up the original on the first write. */
static int rs_file_apply(struct resolver *r, const struct dns_servers *m)
{
	char text[RS_TEXT_MAX], names[RESOLVER_MAX_CONNS * (RESOLVER_NAME_LEN + 2)];
	char hash[HOSTCFG_HASH_LEN + 1];
	struct resolver_saved s;
	resolver_names(r->c, RESOLVER_MAX_CONNS, names, sizeof(names));
	int len = resolver_render(m, names, text, sizeof(text));
	if (len < 0) {
		log_warnx("resolver: %s: text over %d bytes", r->path, RS_TEXT_MAX);
		return -1;
	}
	hostcfg_hash(text, (size_t)len, hash);
	if (r->is_file_applied && !strcmp(hash, r->applied_hash)) {
		r->applied = *m;
		return 0;
	}
	bool is_first = !r->has_saved;
	if (is_first) {
		if (rs_file_first(r, hash, &s) < 0)
			goto fail;
	} else {
		s = r->saved;
		s.n_ours = 0;
		if (r->is_file_applied)
			snprintf(s.ours[s.n_ours++], sizeof(s.ours[0]), "%s", r->applied_hash);
		snprintf(s.ours[s.n_ours++], sizeof(s.ours[0]), "%s", hash);
	}
	if (rs_write_saved(r, &s) < 0)
		goto fail;
	if (is_first && s.had != RESOLVER_HAD_NONE && rs_make_backup(r, &s) < 0)
		goto fail;
	if (is_first && s.made_dir[0] && hostcfg_file_mkdirs(r->path) < 0)
		goto fail;
	if (hostcfg_file_replace(r->path, text, (size_t)len, 0644, (uid_t)-1, 0, r->crash) < 0)
		goto fail;
	if (!r->is_file_applied)
		log_info("resolver: %u server(s) of %s written to %s", m->n, names, r->path);
	else
		log_info("resolver: %s now has %u server(s) of %s", r->path, m->n, names);
	r->is_file_applied = true;
	r->applied = *m;
	snprintf(r->applied_hash, sizeof(r->applied_hash), "%s", hash);
	if (s.n_ours > 1) {
		s.n_ours = 1;
		snprintf(s.ours[0], sizeof(s.ours[0]), "%s", hash);
		if (rs_write_saved(r, &s) < 0 && !rs_dead(r))
			log_warn("resolver: updating %s (it still names both contents)", r->state_path);
	}
	return 0;
fail:
	if (rs_dead(r))
		return -1;
	log_warn("resolver: writing %s", r->path);
	if (is_first)
		rs_file_rollback(r, &s);
	return -1;
}

/* The last contribution is gone (or the daemon stops): the file goes back. */
static int rs_file_undo(struct resolver *r)
{
	if (!r->has_saved)
		return 0;
	if (rs_restore_file(r, &r->saved) < 0)
		return -1;
	r->is_file_applied = false;
	memset(&r->applied, 0, sizeof(r->applied));
	r->is_stuck = false;
	return rs_drop_saved(r);
}

/* --- links ------------------------------------------------------------------------------------- */

static int rs_link_apply(struct resolver *r, struct resolver_contrib *c)
{
	char text[RS_TEXT_MAX];
	if (!rs_saved_has_link(r, c->ifname)) {
		struct resolver_saved s;
		if (r->has_saved)
			s = r->saved;
		else
			s = (struct resolver_saved){ .backend = r->backend };
		if (s.n_links == RESOLVER_MAX_CONNS) {
			errno = ENOSPC;
			return -1;
		}
		snprintf(s.links[s.n_links++], sizeof(s.links[0]), "%s", c->ifname);
		if (rs_write_saved(r, &s) < 0)
			return -1;
	}
	if (dns_render_resolv_conf(&c->d, c->name, text, sizeof(text)) < 0) {
		errno = EOVERFLOW;
		return -1;
	}
	if (rs_crash(r, "link-set"))
		return -1;
	if (!r->ops || r->ops->link_set(r->ops_ctx, r->backend, c->ifname, &c->d, text) < 0) {
		errno = EIO;
		return -1;
	}
	if (!c->is_link_applied)
		log_info("resolver[%s]: %u server(s) configured on %s through %s", c->name, c->d.n,
			c->ifname, dns_backend_name(r->backend));
	c->is_link_applied = true;
	return 0;
}

static int rs_link_clear(struct resolver *r, const char *ifname)
{
	int rc = 0;
	if (rs_crash(r, "link-clear"))
		return -1;
	if (r->ops && r->ops->link_clear(r->ops_ctx, r->backend, ifname) < 0)
		rc = -1;
	struct resolver_saved s = r->saved;
	unsigned k = 0;
	for (unsigned i = 0; i < s.n_links; i++)
		if (strcmp(s.links[i], ifname))
			memcpy(s.links[k++], s.links[i], sizeof(s.links[0]));
	s.n_links = k;
	if (!r->has_saved || k == r->saved.n_links)
		return rc;
	if (k == 0 ? rs_drop_saved(r) < 0 : rs_write_saved(r, &s) < 0)
		rc = -1;
	return rc;
}

/* --- the API ---------------------------------------------------------------------------------- */

static struct resolver_contrib *rs_slot(struct resolver *r, unsigned id, bool create)
{
	for (size_t i = 0; i < RESOLVER_MAX_CONNS; i++)
		if (r->c[i].is_set && r->c[i].id == id)
			return &r->c[i];
	for (size_t i = 0; create && i < RESOLVER_MAX_CONNS; i++)
		if (!r->c[i].is_set) {
			memset(&r->c[i], 0, sizeof(r->c[i]));
			return &r->c[i];
		}
	return NULL;
}

static bool rs_any_set(const struct resolver *r)
{
	for (size_t i = 0; i < RESOLVER_MAX_CONNS; i++)
		if (r->c[i].is_set)
			return true;
	return false;
}

static int rs_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	return n > 0 && (size_t)n < cap && hostcfg_state_path_ok(out, cap) ? 0 : -1;
}

int resolver_open(struct resolver *r, const struct resolver_cfg *cfg)
{
	memset(r, 0, sizeof(*r));
	r->backend = cfg->backend;
	r->ops = cfg->ops;
	r->ops_ctx = cfg->ops_ctx;
	r->crash = cfg->crash;
	if (!cfg->state_dir || rs_path(r->state_path, sizeof(r->state_path), cfg->state_dir,
		RESOLVER_STATE_FILE) < 0 || rs_path(r->backup_path, sizeof(r->backup_path),
		cfg->state_dir, RESOLVER_BACKUP_FILE) < 0) {
		log_warnx("resolver: state directory '%s' unusable", cfg->state_dir ? cfg->state_dir : "");
		return -1;
	}
	if (r->backend == DNS_BACKEND_FILE) {
		if (!cfg->path || !hostcfg_state_path_ok(cfg->path, sizeof(r->path))) {
			log_warnx("resolver: resolv.conf path '%s' unusable", cfg->path ? cfg->path : "");
			return -1;
		}
		snprintf(r->path, sizeof(r->path), "%s", cfg->path);
	}
	if (hostcfg_file_mkdirs(r->state_path) < 0) {
		log_warn("resolver: creating %s", cfg->state_dir);
		return -1;
	}
	rs_recover(r);
	if (!r->has_saved && r->backend == DNS_BACKEND_FILE && !rs_dead(r))
		rs_recover_legacy(r);
	r->is_stuck = r->has_saved;
	log_debug(LOGC_HOST, "resolver: %s%s%s, state in %s", dns_backend_name(r->backend),
		r->path[0] ? " " : "", r->path, r->state_path);
	return 0;
}

/* The connection's name as it goes into logs and the file's header: printable, no blanks. */
static void rs_copy_name(char *out, const char *name)
{
	snprintf(out, RESOLVER_NAME_LEN, "%s", name ? name : "?");
	for (char *p = out; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			*p = '_';
}

int resolver_set(struct resolver *r, unsigned id, const char *name, const char *ifname,
	const struct dns_servers *d)
{
	if (!d || d->n == 0)
		return resolver_clear(r, id);
	if (rs_dead(r))
		return -1;
	struct resolver_contrib *c = rs_slot(r, id, true);
	if (!c) {
		log_warnx("resolver[%s]: more than %d connections", name, RESOLVER_MAX_CONNS);
		return -1;
	}
	ifname = ifname ? ifname : "";
	bool is_same = c->is_set && !strcmp(c->ifname, ifname) && dns_servers_equal(&c->d, d);
	if (rs_per_link(r->backend) && c->is_set && strcmp(c->ifname, ifname) &&
		(c->is_link_applied || rs_saved_has_link(r, c->ifname))) {
		c->is_link_applied = false;
		rs_link_clear(r, c->ifname);
	}
	c->is_set = true;
	c->id = id;
	rs_copy_name(c->name, name);
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	c->d = *d;
	if (r->is_stuck) {
		log_warnx("resolver[%s]: not applied: an earlier run's changes are still in place",
			c->name);
		return -1;
	}
	if (rs_per_link(r->backend)) {
		if (is_same && c->is_link_applied)
			return 0;
		c->is_link_applied = false;
		if (rs_link_apply(r, c) < 0) {
			if (!rs_dead(r))
				log_warn("resolver[%s]: DNS on %s through %s", c->name, c->ifname,
					dns_backend_name(r->backend));
			return -1;
		}
		return 0;
	}
	if (r->backend != DNS_BACKEND_FILE)
		return 0;
	struct dns_servers m;
	unsigned left = resolver_merge(r->c, RESOLVER_MAX_CONNS, &m);
	if (left)
		log_info("resolver: %u server(s) or domain(s) past %d/%d left out of %s", left,
			DNS_MAX_SERVERS, DNS_MAX_DOMAINS, r->path);
	return rs_file_apply(r, &m);
}

int resolver_clear(struct resolver *r, unsigned id)
{
	if (rs_dead(r))
		return -1;
	struct resolver_contrib *c = rs_slot(r, id, false);
	if (!c)
		return 0;
	c->is_set = false;
	if (rs_per_link(r->backend)) {
		bool was = c->is_link_applied || rs_saved_has_link(r, c->ifname);
		c->is_link_applied = false;
		if (was)
			log_info("resolver[%s]: DNS on %s reverted", c->name, c->ifname);
		return was ? rs_link_clear(r, c->ifname) : 0;
	}
	if (r->backend != DNS_BACKEND_FILE || r->is_stuck)
		return 0;
	if (!rs_any_set(r))
		return rs_file_undo(r);
	struct dns_servers m;
	resolver_merge(r->c, RESOLVER_MAX_CONNS, &m);
	return rs_file_apply(r, &m);
}

bool resolver_is_set(const struct resolver *r, unsigned id)
{
	for (size_t i = 0; i < RESOLVER_MAX_CONNS; i++)
		if (r->c[i].is_set && r->c[i].id == id)
			return true;
	return false;
}

int resolver_close(struct resolver *r)
{
	int rc = 0;
	if (rs_dead(r))
		return -1;
	for (size_t i = 0; i < RESOLVER_MAX_CONNS; i++) {
		if (!r->c[i].is_set)
			continue;
		r->c[i].is_set = false;
		if (rs_per_link(r->backend) && (r->c[i].is_link_applied ||
			rs_saved_has_link(r, r->c[i].ifname)) && rs_link_clear(r, r->c[i].ifname) < 0)
			rc = -1;
		r->c[i].is_link_applied = false;
	}
	/* What is left: the file, a link whose set failed, an earlier run's state kept. */
	if (r->has_saved && rs_restore(r, &r->saved) == 0) {
		r->is_file_applied = false;
		r->is_stuck = false;
		if (rs_drop_saved(r) < 0)
			rc = -1;
	} else if (r->has_saved) {
		rc = -1;
	}
	return rc;
}
