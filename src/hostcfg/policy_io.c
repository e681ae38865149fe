/* Policy table I/O: kernel address labels through rtnetlink (libmnl; RTM_GETADDRLABEL dump,
 * RTM_NEWADDRLABEL / RTM_DELADDRLABEL with acks) and gai.conf written atomically (temp file +
 * rename, mode and owner kept). The decisions are made by the pure policy_table.c/policy_gai.c. */
#include "hostcfg/policy.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addrlabel.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "hostcfg/nl.h"
#include "hostcfg/sys.h"

#define POL_REQ_WORDS 64

struct pol_dump {
	struct policy_label cur[POLICY_MAX_KERNEL];
	size_t n, n_dropped;
};

void policy_gai_path(char *out, size_t cap)
{
	char ns[64];
	if (hostcfg_netns_name(ns, sizeof(ns)))
		snprintf(out, cap, "/etc/netns/%s/gai.conf", ns);
	else
		snprintf(out, cap, "/etc/gai.conf");
}

void policy_init(struct policy_state *st, const char *conn, const char *gai_path)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->conn, sizeof(st->conn), "%s", conn);
	if (!gai_path)
		return;
	if (gai_path[0])
		snprintf(st->gai_path, sizeof(st->gai_path), "%s", gai_path);
	else
		policy_gai_path(st->gai_path, sizeof(st->gai_path));
}

/* --- netlink --------------------------------------------------------------------------------- */

/* Collects the labels of an RTM_GETADDRLABEL dump. */
static void pol_label_reply(const struct hostcfg_nlmsg *m, void *arg)
{
	struct pol_dump *d = arg;
	struct policy_label lb;
	if (policy_nl_parse_label(m, &lb) != HOSTCFG_NL_OK)
		return;
	if (d->n < POLICY_MAX_KERNEL)
		d->cur[d->n++] = lb;
	else
		d->n_dropped++;
}

static int pol_nl_dump(struct hostcfg_nl *nl, struct pol_dump *d)
{
	uint32_t req[POL_REQ_WORDS];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETADDRLABEL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct ifaddrlblmsg *ifal = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifal));
	ifal->ifal_family = AF_INET6;
	d->n = d->n_dropped = 0;
	return hostcfg_nl_talk(nl, nlh, "addrlabel list", pol_label_reply, d);
}

static const char *pol_fmt_op(char *buf, size_t cap, const struct policy_op *op)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, op->prefix, a, sizeof(a));
	snprintf(buf, cap, "addrlabel %s prefix %s/%u label %u%s", policy_op_kind_name(op->kind), a,
		op->plen, op->label, op->is_restore ? " (restore)" : "");
	return buf;
}

/* Sends one RTM_NEWADDRLABEL (exclusive create) or RTM_DELADDRLABEL for prefix/plen. */
static int pol_nl_send(struct hostcfg_nl *nl, uint16_t type, const struct policy_op *op,
	uint32_t label)
{
	uint32_t req[POL_REQ_WORDS];
	char what[128];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWADDRLABEL)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrlblmsg *ifal = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifal));
	ifal->ifal_family = AF_INET6;
	ifal->ifal_prefixlen = op->plen;
	mnl_attr_put(nlh, IFAL_ADDRESS, 16, op->prefix);
	mnl_attr_put_u32(nlh, IFAL_LABEL, label);
	pol_fmt_op(what, sizeof(what), op);
	return hostcfg_nl_talk(nl, nlh, what, NULL, NULL);
}

/* One label change; a delete of a label already gone is success. A replace deletes every
 * entry of the prefix, then adds: the kernel's NLM_F_REPLACE only finds the entry when no
 * other entry of the same length comes before it in its list, and adds a second, shadowing
 * one otherwise (net/ipv6/addrlabel.c, __ip6addrlbl_add). Between the two the prefix falls
 * back to a shorter one's label for a moment. */
static int pol_nl_op(struct hostcfg_nl *nl, const struct policy_op *op)
{
	if (op->kind == POLICY_OP_REPLACE) {
		for (int i = 0; i < POLICY_MAX_KERNEL; i++)
			if (pol_nl_send(nl, RTM_DELADDRLABEL, op, op->label) < 0) {
				if (errno != ESRCH && errno != ENOENT)
					return -1;
				break;
			}
	}
	if (op->kind != POLICY_OP_DEL)
		return pol_nl_send(nl, RTM_NEWADDRLABEL, op, op->label);
	if (pol_nl_send(nl, RTM_DELADDRLABEL, op, op->label) < 0)
		return errno == ESRCH || errno == ENOENT ? 0 : -1;
	return 0;
}

/* Runs the plan; each change that the kernel took is recorded. */
static int pol_run_ops(struct policy_state *st, struct hostcfg_nl *nl, const struct policy_op *ops,
	size_t n)
{
	int rc = 0;
	char what[128];
	for (size_t i = 0; i < n; i++) {
		const struct policy_op *op = &ops[i];
		pol_fmt_op(what, sizeof(what), op);
		bool is_new = !op->is_restore;
		for (size_t k = 0; k < st->n_recs && is_new; k++)
			is_new = !(st->recs[k].plen == op->plen && !memcmp(st->recs[k].prefix, op->prefix, 16));
		if (is_new && st->n_recs == POLICY_MAX_ROWS) {
			log_warnx("policy[%s]: %s: undo list full", st->conn, what);
			rc = -1;
			continue;
		}
		if (pol_nl_op(nl, op) < 0) {
			log_warnx("policy[%s]: %s", st->conn, hostcfg_nl_strerror(nl));
			rc = -1;
			continue;
		}
		policy_rec_commit(st->recs, &st->n_recs, POLICY_MAX_ROWS, op);
		log_debug(LOGC_HOST, "policy[%s]: %s", st->conn, what);
	}
	return rc;
}

/* Brings the kernel labels to want (n = 0: only restores what earlier calls changed). */
static int pol_kernel_sync(struct policy_state *st, const struct policy_row *want, size_t n)
{
	struct hostcfg_nl nl;
	struct pol_dump *d = calloc(1, sizeof(*d));
	struct policy_op ops[POLICY_MAX_OPS];
	int rc = -1;
	if (n == 0 && st->n_recs == 0) {
		free(d);
		return 0; /* nothing wanted, nothing to restore: leave the kernel's table alone */
	}
	if (!d || hostcfg_nl_open(&nl) < 0) {
		log_warn("policy[%s]: opening rtnetlink", st->conn);
		free(d);
		return -1;
	}
	if (pol_nl_dump(&nl, d) < 0) {
		log_warnx("policy[%s]: %s", st->conn, hostcfg_nl_strerror(&nl));
		goto out;
	}
	if (d->n_dropped)
		log_warnx("policy[%s]: %zu kernel labels past %d ignored", st->conn, d->n_dropped,
			POLICY_MAX_KERNEL);
	int n_ops = policy_plan(d->cur, d->n, st->recs, st->n_recs, want, n, ops, POLICY_MAX_OPS);
	if (n_ops < 0) {
		log_warnx("policy[%s]: label plan for %zu rows too large", st->conn, n);
		goto out;
	}
	rc = pol_run_ops(st, &nl, ops, (size_t)n_ops);
	if (n_ops > 0)
		log_info("policy[%s]: %d kernel address label change(s), %zu recorded for undo",
			st->conn, n_ops, st->n_recs);
out:
	hostcfg_nl_close(&nl);
	free(d);
	return rc;
}

/* --- gai.conf -------------------------------------------------------------------------------- */

/* Reads path into buf[cap] (NUL-terminated): length, or -1 (errno; ENOENT = no file). */
static ssize_t pol_read(const char *path, char *buf, size_t cap, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0)
		goto fail;
	for (;;) {
		if (len == cap - 1) {
			errno = EFBIG;
			goto fail;
		}
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
fail: {
	int err = errno;
	close(fd);
	errno = err;
	return -1;
}
}

/* Creates the missing parents of path; true if the innermost one was created here. */
static bool pol_mkdirs(const char *path)
{
	char dir[256];
	bool made = false;
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		made = mkdir(dir, 0755) == 0;
		*p = '/';
	}
	return made;
}

/* Removes the directory of path (e.g. /etc/netns/NAME) if it is empty. */
static void pol_rmdir_parent(const char *path)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		rmdir(dir);
	}
}

/* Replaces path with text through a temporary file and rename; mode/owner from st (or 0644). */
static int pol_write(const char *path, const char *text, size_t len, const struct stat *st,
	bool *made_dir)
{
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.v6link-new", path);
	if (pol_mkdirs(path))
		*made_dir = true;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	bool ok = fchmod(fd, st ? st->st_mode & 07777 : 0644) == 0;
	if (ok && st && fchown(fd, st->st_uid, st->st_gid) < 0)
		ok = false;
	for (size_t off = 0; ok && off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		off += ok ? (size_t)w : 0;
	}
	ok = ok && fsync(fd) == 0;
	int err = errno;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		err = ok ? errno : err;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

/* Puts rows into the block (rows NULL: removes it) and rewrites the file if that changes it. */
static int pol_gai_sync(struct policy_state *st, const struct policy_row *rows, size_t n)
{
	char *old = malloc(POLICY_GAI_MAX), *neu = malloc(POLICY_GAI_MAX);
	struct stat sb;
	int rc = -1;
	if (!old || !neu)
		goto out;
	ssize_t olen = pol_read(st->gai_path, old, POLICY_GAI_MAX, &sb);
	bool exists = olen >= 0;
	if (!exists && errno != ENOENT) {
		log_warn("policy[%s]: reading %s", st->conn, st->gai_path);
		goto out;
	}
	if (!exists)
		olen = 0;
	int nlen = rows ? policy_gai_render(old, (size_t)olen, rows, n, neu, POLICY_GAI_MAX) :
		policy_gai_strip(old, (size_t)olen, neu, POLICY_GAI_MAX);
	if (nlen < 0) {
		log_warnx("policy[%s]: %s: new text over %d bytes", st->conn, st->gai_path,
			POLICY_GAI_MAX);
		goto out;
	}
	if (!st->gai_applied && rows)
		st->gai_had_file = exists;
	rc = 0;
	if (!rows && !st->gai_had_file && exists && nlen == 0) {
		if (unlink(st->gai_path) < 0 && errno != ENOENT)
			rc = -1;
		else if (st->gai_made_dir)
			pol_rmdir_parent(st->gai_path);
	} else if ((exists || nlen > 0) && ((size_t)nlen != (size_t)olen || memcmp(old, neu, (size_t)nlen))) {
		rc = pol_write(st->gai_path, neu, (size_t)nlen, exists ? &sb : NULL, &st->gai_made_dir);
	}
	if (rc < 0)
		log_warn("policy[%s]: %s %s", st->conn, rows ? "writing" : "restoring", st->gai_path);
	else
		st->gai_applied = rows != NULL;
out:
	free(old);
	free(neu);
	return rc;
}

/* --- apply / undo ---------------------------------------------------------------------------- */

int policy_apply(struct policy_state *st, const struct policy_row *rows, size_t n)
{
	struct policy_row eff[POLICY_MAX_ROWS];
	int n_eff = policy_effective(rows, n, eff, POLICY_MAX_ROWS);
	if (n_eff < 0) {
		log_warnx("policy[%s]: %zu rows do not fit a table of %d", st->conn, n, POLICY_MAX_ROWS);
		return -1;
	}
	int rc = pol_kernel_sync(st, eff, (size_t)n_eff);
	if (st->gai_path[0]) {
		const struct policy_row *g = n_eff > 0 ? eff : policy_rfc6724_default;
		size_t ng = n_eff > 0 ? (size_t)n_eff : policy_rfc6724_default_len;
		if (pol_gai_sync(st, g, ng) < 0)
			rc = -1;
	}
	if (rc == 0)
		log_info("policy[%s]: policy table applied (%zu ISP row(s))%s%s", st->conn, n,
			st->gai_path[0] ? ", precedences in " : "", st->gai_path);
	return rc;
}

int policy_undo(struct policy_state *st)
{
	int rc = 0;
	if (st->n_recs > 0 && pol_kernel_sync(st, NULL, 0) < 0)
		rc = -1;
	if (st->gai_path[0] && st->gai_applied && pol_gai_sync(st, NULL, 0) < 0)
		rc = -1;
	if (rc == 0)
		log_debug(LOGC_HOST, "policy[%s]: policy table restored", st->conn);
	return rc;
}

/* --- the daemon-wide owner's kernel glue ----------------------------------------------------- */

static int pol_own_dump(void *ctx, struct policy_label *cur, size_t cap, size_t *n_dropped)
{
	struct hostcfg_nl *nl = ctx;
	struct pol_dump *d = calloc(1, sizeof(*d));
	int n = -1;
	if (!d)
		return -1;
	if (pol_nl_dump(nl, d) < 0) {
		log_warnx("policy: %s", hostcfg_nl_strerror(nl));
	} else {
		n = (int)(d->n < cap ? d->n : cap);
		memcpy(cur, d->cur, (size_t)n * sizeof(cur[0]));
		*n_dropped = d->n_dropped + (d->n - (size_t)n);
	}
	free(d);
	return n;
}

static int pol_own_op(void *ctx, const struct policy_op *op)
{
	struct hostcfg_nl *nl = ctx;
	char what[128];
	if (pol_nl_op(nl, op) < 0) {
		log_warnx("policy: %s", hostcfg_nl_strerror(nl));
		return -1;
	}
	log_debug(LOGC_HOST, "policy: %s", pol_fmt_op(what, sizeof(what), op));
	return 0;
}

static int pol_own_kernel_id(void *ctx, char *out, size_t cap)
{
	char boot[64];
	struct stat sb;
	(void)ctx;
	if (hostcfg_sysctl_read("kernel/random/boot_id", boot, sizeof(boot)) < 0 ||
		stat("/proc/self/ns/net", &sb) < 0)
		return -1;
	int n = snprintf(out, cap, "%s/%llu", boot, (unsigned long long)sb.st_ino);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

const struct policy_owner_ops policy_nl_ops = {
	.dump = pol_own_dump,
	.op = pol_own_op,
	.kernel_id = pol_own_kernel_id,
};

int policy_owner_open_sys(struct policy_owner *o, struct hostcfg_nl *nl, const char *state_dir,
	const char *gai_path)
{
	char gai[HOSTCFG_PATH_MAX];
	if (gai_path && !gai_path[0])
		policy_gai_path(gai, sizeof(gai));
	else
		snprintf(gai, sizeof(gai), "%s", gai_path ? gai_path : "");
	struct policy_owner_cfg cfg = {
		.state_dir = state_dir,
		.gai_path = gai_path ? gai : NULL,
		.ops = &policy_nl_ops,
		.ops_ctx = nl,
	};
	return policy_owner_open(o, &cfg);
}
