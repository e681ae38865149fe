/* The daemon's privileges after start-up; see sandbox.h. What it still does then and which
 * capability that takes: TUN devices, opened again on every redial and NAT46 start, rtnetlink
 * (addresses, routes, address labels, VLAN and MTU), sysctls under /proc/sys/net of its
 * interfaces and SO_RCVBUFFORCE (CAP_NET_ADMIN); AF_PACKET, raw ICMPv6 and SO_BINDTODEVICE
 * (CAP_NET_RAW); UDP 546 and 53 (CAP_NET_BIND_SERVICE). Files: the run, state and trace
 * directories are given to the daemon's user (sandbox_user_dirs); /etc/resolv.conf, its backup
 * and gai.conf are written by the spawner, which stays uid 0. */
#include "daemon/sandbox.h"

#include "core/log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const cap_value_t sandbox_caps_kept[] = { CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE };

int sandbox_early(void)
{
	struct rlimit zero = { 0, 0 };
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || setrlimit(RLIMIT_CORE, &zero) < 0) {
		log_warn("daemon: no core dumps");
		return -1;
	}
	return 0;
}

bool sandbox_needs_bind(const struct cfg_conns *cs, const char *only)
{
	for (unsigned i = 0; i < cs->n; i++) {
		const struct cfg_conn *k = &cs->conn[i];
		if (only && strcmp(k->name, only) != 0)
			continue;
		bool nat46 = k->nat46 == CFG_NAT46_ON || (k->nat46 == CFG_NAT46_AUTO && !k->use_ipv4);
		if (k->mode == CFG_MODE_AUTO || k->mode == CFG_MODE_ROUTER || nat46)
			return true;
	}
	return false;
}

static bool sandbox_has(cap_t now, cap_value_t v, cap_flag_t which)
{
	cap_flag_value_t f = CAP_CLEAR;
	return cap_get_flag(now, v, which, &f) == 0 && f == CAP_SET;
}

/* Appends " CAP_X" for each of keep[0..n) to buf. */
static void sandbox_cap_names(const cap_value_t *keep, int n, char *buf, size_t cap)
{
	size_t l = strlen(buf);
	for (int i = 0; i < n && l + 1 < cap; i++) {
		char *name = cap_to_name(keep[i]);
		size_t from = l + 1;
		int w = snprintf(buf + l, cap - l, " %s", name ? name : "?");
		cap_free(name);
		l = w < 0 ? l : l + (size_t)w < cap ? l + (size_t)w : cap - 1;
		for (size_t k = from; k < l; k++)
			buf[k] = (char)toupper((unsigned char)buf[k]);
	}
}

/* Every capability but keep[0..n) leaves the bounding set, so that no hook or program run later
 * regains it. Without CAP_SETPCAP (a unit that already narrowed the set) it stays as it is. */
static int sandbox_bound(cap_t now, const cap_value_t *keep, int n)
{
	if (!sandbox_has(now, CAP_SETPCAP, CAP_EFFECTIVE))
		return 0;
	for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits(); v++) {
		bool kept = false;
		for (int i = 0; i < n; i++)
			kept = kept || keep[i] == v;
		if (!kept && cap_drop_bound(v) < 0 && errno != EINVAL) {
			log_warn("daemon: dropping capability %d from the bounding set", (int)v);
			return -1;
		}
	}
	return 0;
}

/* More than one thread here would keep its capabilities: they are per thread. */
static bool sandbox_single_threaded(void)
{
	DIR *d = opendir("/proc/self/task");
	unsigned n = 0;
	if (!d)
		return true; /* no /proc: nothing to check with */
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n == 1;
}

/* getpwnam(name) in a child process: the NSS modules it loads (libnss_systemd and the libm it
 * brings, 0.6 MB of the daemon's 6 MiB) would stay mapped in the daemon for its whole life,
 * since glibc never unloads them. 1 found (u set), 0 no such user, -1 the lookup failed. */
static int sandbox_getpwnam(const char *name, struct sandbox_user *u)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		const struct passwd *pw = getpwnam(name);
		struct sandbox_user r = { .is_set = pw != NULL };
		if (pw) {
			r.uid = pw->pw_uid;
			r.gid = pw->pw_gid;
			snprintf(r.name, sizeof(r.name), "%s", pw->pw_name);
		}
		_exit(write(p[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	struct sandbox_user r;
	ssize_t n;
	do
		n = read(p[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(r))
		return -1;
	r.name[sizeof(r.name) - 1] = 0;
	*u = r;
	return r.is_set;
}

int sandbox_user_resolve(const char *spec, struct sandbox_user *u)
{
	uint32_t uid, gid;
	memset(u, 0, sizeof(*u));
	if (geteuid() != 0 || !strcmp(spec, "root"))
		return 0;
	if (cfg_user_numeric(spec, &uid, &gid)) {
		u->is_set = uid != 0;
		u->uid = uid;
		u->gid = gid;
		snprintf(u->name, sizeof(u->name), "%u:%u", (unsigned)uid, (unsigned)gid);
		return 0;
	}
	const char *name = spec[0] ? spec : "v6link";
	struct sandbox_user pw;
	int found = sandbox_getpwnam(name, &pw);
	if (found < 0) {
		fprintf(stderr, "v6link: v6link.ini: user '%s': looking it up: %s\n", name,
			strerror(errno ? errno : EIO));
		return 2;
	}
	if (!found && !spec[0]) {
		log_info("daemon: no user v6link: staying uid 0 (user= in v6link.ini)");
		return 0;
	}
	if (!found) {
		fprintf(stderr, "v6link: v6link.ini: user '%s': no such user\n", spec);
		return 2;
	}
	*u = pw;
	u->is_set = pw.uid != 0;
	return 0;
}

/* Directories the rest of the system shares: never given to the daemon's user. */
static const char *const sandbox_shared[] = {
	"/", "/boot", "/dev", "/dev/shm", "/etc", "/home", "/media", "/mnt", "/opt", "/proc",
	"/root", "/run", "/run/user", "/srv", "/sys", "/tmp", "/usr", "/usr/local", "/var",
	"/var/cache", "/var/lib", "/var/log", "/var/run", "/var/tmp",
};

static bool sandbox_is_shared(const char *dir)
{
	char d[CFG_PATH_MAX];
	snprintf(d, sizeof(d), "%s", dir);
	for (size_t l = strlen(d); l > 1 && d[l - 1] == '/'; l--)
		d[l - 1] = 0;
	for (size_t i = 0; i < sizeof(sandbox_shared) / sizeof(sandbox_shared[0]); i++)
		if (!strcmp(d, sandbox_shared[i]))
			return true;
	return false;
}

/* The files the daemon writes in its directories, by their names' ends: NAME.env, .session,
 * .mtu (run), NAME.duid, .iaid, .iid, .prefix, .secret, resolver.state, policy.state (state),
 * their temporary files, and traces. Nothing else there (a hook, a configuration file) is
 * ever given away. */
static const char *const sandbox_own_files[] = {
	".env", ".session", ".mtu", ".duid", ".iaid", ".iid", ".prefix", ".secret", ".state",
	".state.bad", ".new", ".v6link-tmp", ".pcapng", ".txt",
};

static bool sandbox_is_own_file(const char *name, const char *skip)
{
	size_t n = strlen(name), sl = strlen(skip);
	/* the resolver's backup and its temporary file keep their owner */
	if (!strncmp(name, skip, sl) && (!name[sl] || !strcmp(name + sl, ".v6link-tmp")))
		return false;
	for (size_t i = 0; i < sizeof(sandbox_own_files) / sizeof(sandbox_own_files[0]); i++) {
		size_t k = strlen(sandbox_own_files[i]);
		if (n > k && !strcmp(name + n - k, sandbox_own_files[i]))
			return true;
	}
	return false;
}

/* Gives the daemon's own files (sandbox_is_own_file) that root owns directly in the directory
 * fd to u, but hard-linked ones. */
static void sandbox_give_files(const struct sandbox_user *u, int fd, const char *skip)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		struct stat sb;
		if (!sandbox_is_own_file(e->d_name, skip) ||
		    fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode) ||
		    sb.st_uid != 0 || sb.st_nlink != 1)
			continue;
		if (fchownat(fd, e->d_name, u->uid, u->gid, AT_SYMLINK_NOFOLLOW) < 0)
			log_warn("daemon: giving %s to user %s", e->d_name, u->name);
	}
	closedir(d);
}

/* Opens dir if it may be given to u: not shared with the rest of the system, root's or u's
 * already. The descriptor (sb filled), or -1 (logged). */
static int sandbox_open_dir(const struct sandbox_user *u, const char *dir, struct stat *sb)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, sb) < 0) {
		log_warn("daemon: %s", dir);
	} else if (sandbox_is_shared(dir) || (sb->st_mode & S_ISVTX)) {
		log_warnx("daemon: %s is shared with the rest of the system: not given to user %s",
			  dir, u->name);
	} else if (sb->st_uid != 0 && sb->st_uid != u->uid) {
		log_warnx("daemon: %s belongs to uid %u: not given to user %s", dir,
			  (unsigned)sb->st_uid, u->name);
	} else {
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Gives dir (checked by sandbox_open_dir) and its files to u; 0, or -1 (logged). With
 * root_group, the directory's group is root's (gid 0) with write access: the spawner, uid and
 * gid 0 without CAP_DAC_OVERRIDE, keeps the resolver's backup there. */
static int sandbox_give_dir(const struct sandbox_user *u, const char *dir, const char *skip,
			    bool root_group)
{
	gid_t gid = root_group ? 0 : u->gid;
	struct stat sb;
	int rc = -1, fd = sandbox_open_dir(u, dir, &sb);
	if (fd < 0)
		return -1;
	mode_t mode = (sb.st_mode & 07777) | (root_group ? 0070 : 0);
	/* The mode first, while root owns it: under the unit there is no CAP_FOWNER. */
	if ((sb.st_mode & 07777) != mode && fchmod(fd, mode) < 0) {
		log_warn("daemon: %s: mode %04o", dir, (unsigned)mode);
	} else if ((sb.st_uid != u->uid || sb.st_gid != gid) && fchown(fd, u->uid, gid) < 0) {
		log_warn("daemon: giving %s to user %s", dir, u->name);
	} else {
		sandbox_give_files(u, fd, skip);
		rc = 0;
	}
	close(fd);
	return rc;
}

/* Becomes u: supplementary groups, then real, effective and saved gid and uid. */
static int sandbox_set_ids(const struct sandbox_user *u)
{
	gid_t g = u->gid;
	return setgroups(1, &g) < 0 || setresgid(g, g, g) < 0 ||
			       setresuid(u->uid, u->uid, u->uid) < 0 ?
		       -1 :
		       0;
}

/* In a child that became u: the index + 1 of the first of dirs[0..n) it may not create files
 * in, 0 if none, or -1 if that cannot be told. */
static int sandbox_user_check(const struct sandbox_user *u, const char *const *dirs, unsigned n)
{
	int st;
	pid_t pid = fork();
	if (pid == 0) {
		if (sandbox_set_ids(u) < 0)
			_exit(255);
		for (unsigned i = 0; i < n; i++)
			if (dirs[i][0] && access(dirs[i], W_OK | X_OK) < 0)
				_exit((int)i + 1);
		_exit(0);
	}
	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) != 255 ? WEXITSTATUS(st) : -1;
}

/* Whether dirs[i] is "" or one of dirs[0..i). */
static bool sandbox_dir_repeated(const char *const *dirs, unsigned i)
{
	bool seen = !dirs[i][0];
	for (unsigned k = 0; k < i; k++)
		seen = seen || !strcmp(dirs[k], dirs[i]);
	return seen;
}

int sandbox_user_dirs(struct sandbox_user *u, const char *const *dirs, unsigned n,
		      const char *skip, const char *root_group)
{
	int rc = 0;
	if (!u->is_set)
		return 0;
	/* Every directory checked before any is changed: all of them are given, or none. */
	for (unsigned i = 0; i < n && !rc; i++) {
		struct stat sb;
		int fd = sandbox_dir_repeated(dirs, i) ? -2 : sandbox_open_dir(u, dirs[i], &sb);
		if (fd >= 0)
			close(fd);
		rc = fd == -1 ? -1 : 0;
	}
	for (unsigned i = 0; i < n && !rc; i++)
		if (!sandbox_dir_repeated(dirs, i) &&
		    sandbox_give_dir(u, dirs[i], skip, !strcmp(dirs[i], root_group)) < 0)
			rc = -1;
	int bad = rc ? 0 : sandbox_user_check(u, dirs, n);
	if (bad > 0)
		log_warnx("daemon: user %s may not write in %s", u->name, dirs[bad - 1]);
	else if (bad < 0)
		log_warn("daemon: checking what user %s may write", u->name);
	if (rc || bad) {
		log_warnx("daemon: staying uid 0");
		u->is_set = false;
		return -1;
	}
	return 0;
}

/* Becomes u keeping the permitted capabilities (PR_SET_KEEPCAPS), which the change of uid
 * leaves out of the effective set: raised again for sandbox_drop to trim. Not dumpable again
 * (a change of uid resets it to fs.suid_dumpable). */
static int sandbox_become(const struct sandbox_user *u, const char *who)
{
	int rc = -1;
	cap_t c = NULL;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || sandbox_set_ids(u) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		goto out;
	c = cap_get_proc();
	if (!c || cap_fill(c, CAP_EFFECTIVE, CAP_PERMITTED) < 0 || cap_set_proc(c) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		log_warn("%s: becoming user %s", who, u->name);
	if (c)
		cap_free(c);
	return rc;
}

int sandbox_drop(bool needs_bind, const char *who, const struct sandbox_user *u)
{
	cap_value_t keep[3];
	int n = 0, rc = -1;
	char names[160] = "";
	if (!sandbox_single_threaded()) {
		log_warnx("%s: capabilities: more than one thread at start-up", who);
		return -1;
	}
	if (u && u->is_set && sandbox_become(u, who) < 0)
		return -1;
	cap_t now = cap_get_proc(), want = cap_init();
	if (!now || !want)
		goto out;
	/* Only what the process has: one started without a capability runs on without it. */
	for (size_t i = 0; i < sizeof(sandbox_caps_kept) / sizeof(sandbox_caps_kept[0]); i++)
		if ((needs_bind || sandbox_caps_kept[i] != CAP_NET_BIND_SERVICE) &&
		    sandbox_has(now, sandbox_caps_kept[i], CAP_PERMITTED))
			keep[n++] = sandbox_caps_kept[i];
	if (sandbox_bound(now, keep, n) < 0)
		goto out;
	if ((n && (cap_set_flag(want, CAP_PERMITTED, n, keep, CAP_SET) < 0 ||
		   cap_set_flag(want, CAP_EFFECTIVE, n, keep, CAP_SET) < 0)) ||
	    cap_set_proc(want) < 0 || (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)) {
		log_warn("%s: dropping capabilities", who);
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_warn("%s: no_new_privs", who);
		goto out;
	}
	sandbox_cap_names(keep, n, names, sizeof(names));
	log_info("%s: running as uid %u with%s, no_new_privs", who, (unsigned)geteuid(),
		 n ? names : " no capabilities");
	if (u && u->is_set)
		log_info("%s: user %s (uid %u, gid %u)", who, u->name, (unsigned)getuid(),
			 (unsigned)getgid());
	rc = 0;
out:
	if (now)
		cap_free(now);
	if (want)
		cap_free(want);
	return rc;
}
