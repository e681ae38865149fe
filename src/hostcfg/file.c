/* Host file primitives; see file.h. No logging: callers name the file and the step. */
#include "hostcfg/file.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct hostcfg_file_broker *file_broker;

void hostcfg_file_set_broker(const struct hostcfg_file_broker *b)
{
	file_broker = b;
}

/* The broker that does path's operations, or NULL: this process does them. */
static const struct hostcfg_file_broker *file_brokered(const char *path)
{
	return file_broker && file_broker->owns(path) ? file_broker : NULL;
}

int hostcfg_file_open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM) && file_broker && file_broker->open_dev)
		return file_broker->open_dev(path);
	return fd;
}

bool hostcfg_crash_now(struct hostcfg_crash *c, const char *step)
{
	if (!c)
		return false;
	if (!c->is_dead && c->fn && c->fn(c->arg, step))
		c->is_dead = true;
	return c->is_dead;
}

ssize_t hostcfg_file_read(const char *path, char *buf, size_t cap, struct stat *st)
{
	struct stat sb;
	size_t len = 0;
	int err;
	if (file_brokered(path))
		return file_broker->read(path, buf, cap, st);
	/* O_NONBLOCK: a FIFO planted at the path must not hang the daemon (fstat refuses it). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0)
		goto fail;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	for (;;) {
		if (len + 1 >= cap) {
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
	if (st)
		*st = sb;
	return (ssize_t)len;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

bool hostcfg_file_tmp_name(const char *path, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s" HOSTCFG_TMP_SUFFIX, path);
	return n > 0 && (size_t)n < cap;
}

void hostcfg_file_drop_tmp(const char *path)
{
	char tmp[HOSTCFG_PATH_MAX + sizeof(HOSTCFG_TMP_SUFFIX)];
	if (file_brokered(path))
		file_broker->drop_tmp(path);
	else if (hostcfg_file_tmp_name(path, tmp, sizeof(tmp)))
		unlink(tmp);
}

/* Makes a rename or unlink in path's directory durable; best effort (some file systems refuse
 * fsync on a directory, and the change itself already happened). */
static void file_sync_dir(const char *path)
{
	char dir[HOSTCFG_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static bool file_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += (size_t)w;
	}
	return true;
}

/* Removes a stale temporary file and names it; false (errno set) if that fails. */
static bool file_fresh_tmp(const char *path, char *tmp, size_t cap)
{
	if (!hostcfg_file_tmp_name(path, tmp, cap)) {
		errno = ENAMETOOLONG;
		return false;
	}
	return unlink(tmp) == 0 || errno == ENOENT;
}

/* The directory may not be written, or path is a mount point of its own: the errors after
 * which path can still be rewritten where it is. */
static bool file_cannot_rename(int err)
{
	return err == EROFS || err == EACCES || err == EPERM || err == EBUSY || err == EXDEV;
}

/* Rewrites the regular file path in place (never through a symlink): for a file that may be
 * written but not replaced, such as /etc/resolv.conf under a unit with ProtectSystem=strict and
 * ReadWritePaths=/etc/resolv.conf (a bind mount of the file alone). Not atomic: a crash in the
 * middle leaves a mixed file, which recovery sees as someone else's and leaves alone. */
static int file_rewrite_in_place(const char *path, const void *data, size_t len, mode_t mode,
	uid_t uid, gid_t gid)
{
	struct stat sb;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
	int err = ok ? 0 : EINVAL;
	for (size_t off = 0; ok && off < len;) {
		ssize_t w = pwrite(fd, (const char *)data + off, len - off, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		off += ok ? (size_t)w : 0;
	}
	ok = ok && ftruncate(fd, (off_t)len) == 0 &&
		(uid == (uid_t)-1 || (sb.st_uid == uid && sb.st_gid == gid) ||
			fchown(fd, uid, gid) == 0) &&
		((sb.st_mode & 07777) == (mode & 07777) || fchmod(fd, mode & 07777) == 0) &&
		fsync(fd) == 0;
	if (!ok && !err)
		err = errno;
	close(fd);
	if (!ok) {
		errno = err;
		return -1;
	}
	return 0;
}

int hostcfg_file_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
	gid_t gid, struct hostcfg_crash *crash)
{
	char tmp[HOSTCFG_PATH_MAX + sizeof(HOSTCFG_TMP_SUFFIX)];
	struct stat st;
	if (crash && crash->is_dead) {
		errno = ECANCELED;
		return -1;
	}
	if (file_brokered(path))
		return file_broker->replace(path, data, len, mode, uid, gid);
	int fd = file_fresh_tmp(path, tmp, sizeof(tmp)) ?
		open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	if (fd < 0) {
		int err = errno;
		if (file_cannot_rename(err) && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			return file_rewrite_in_place(path, data, len, mode, uid, gid);
		errno = err;
		return -1;
	}
	/* The owner first: chown clears set-id bits that fchmod would have set. */
	bool ok = file_write_all(fd, data, len) &&
		(uid == (uid_t)-1 || fchown(fd, uid, gid) == 0) && fchmod(fd, mode & 07777) == 0 &&
		fsync(fd) == 0;
	int err = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		err = errno;
	}
	if (!ok)
		goto fail;
	if (hostcfg_crash_now(crash, "tmp-written")) {
		errno = ECANCELED;
		return -1;
	}
	if (rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		if (file_cannot_rename(err) && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			return file_rewrite_in_place(path, data, len, mode, uid, gid);
		errno = err;
		return -1;
	}
	file_sync_dir(path);
	return 0;
fail:
	unlink(tmp);
	errno = err;
	return -1;
}

int hostcfg_file_replace_symlink(const char *path, const char *target, struct hostcfg_crash *crash)
{
	char tmp[HOSTCFG_PATH_MAX + sizeof(HOSTCFG_TMP_SUFFIX)];
	if (crash && crash->is_dead) {
		errno = ECANCELED;
		return -1;
	}
	if (file_brokered(path))
		return file_broker->replace_symlink(path, target);
	if (!file_fresh_tmp(path, tmp, sizeof(tmp)) || symlink(target, tmp) < 0)
		return -1;
	if (hostcfg_crash_now(crash, "tmp-written")) {
		errno = ECANCELED;
		return -1;
	}
	if (rename(tmp, path) < 0) {
		int err = errno;
		unlink(tmp);
		errno = err;
		return -1;
	}
	file_sync_dir(path);
	return 0;
}

int hostcfg_file_remove(const char *path)
{
	if (file_brokered(path))
		return file_broker->remove(path);
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : -1;
	file_sync_dir(path);
	return 0;
}

void hostcfg_hash(const void *data, size_t len, char out[HOSTCFG_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[HOSTCFG_HASH_LEN] = '\0';
}

bool hostcfg_hash_file(const char *path, char out[HOSTCFG_HASH_LEN + 1])
{
	char *buf = malloc(HOSTCFG_FILE_MAX);
	if (!buf)
		return false;
	ssize_t n = hostcfg_file_read(path, buf, HOSTCFG_FILE_MAX, NULL);
	if (n >= 0)
		hostcfg_hash(buf, (size_t)n, out);
	free(buf);
	return n >= 0;
}

bool hostcfg_file_missing_dir(const char *path, char *out, size_t cap)
{
	char dir[HOSTCFG_PATH_MAX];
	struct stat sb;
	int n = snprintf(dir, sizeof(dir), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(dir) || cap == 0)
		return false;
	out[0] = '\0';
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		bool missing = lstat(dir, &sb) < 0 && errno == ENOENT;
		if (missing) {
			n = snprintf(out, cap, "%s", dir);
			return n >= 0 && (size_t)n < cap;
		}
		*p = '/';
	}
	return true;
}

int hostcfg_file_mkdirs(const char *path)
{
	char dir[HOSTCFG_PATH_MAX];
	if (file_brokered(path))
		return file_broker->mkdirs(path);
	int n = snprintf(dir, sizeof(dir), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

void hostcfg_file_rmdirs(const char *path, const char *made)
{
	char dir[HOSTCFG_PATH_MAX];
	size_t ml = strlen(made);
	if (ml && file_brokered(path)) {
		file_broker->rmdirs(path, made);
		return;
	}
	/* made must be a proper ancestor of path. */
	if (ml < 2 || strncmp(path, made, ml) != 0 || path[ml] != '/')
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < ml)
			return;
		*slash = '\0';
		if (rmdir(dir) < 0 && errno != ENOENT)
			return;
		if (strlen(dir) == ml)
			return;
	}
}
