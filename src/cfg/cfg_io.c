/* Thin file wrappers around the pure config parsers: read a whole file, then parse it. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "cfg/cfg_perm.h"

#define CFG_FILE_MAX (1u << 20)

int cfg_read_file(const char *path, char **buf, size_t *len, struct cfg_msgs *errs)
{
	size_t cap = 4096, n = 0;
	char *b = NULL, *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;
	ssize_t r;

	if (fd < 0)
		goto fail;
	for (;;) {
		if (n + 1 >= cap || !b) {
			if (b)
				cap *= 2;
			if (cap > CFG_FILE_MAX + 1) {
				errno = EFBIG;
				goto fail;
			}
			if (!(nb = realloc(b, cap)))
				goto fail;
			b = nb;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
fail:
	saved = errno;
	cfg_msgs_add(errs, "cannot open %s: %s", path, strerror(saved));
	if (fd >= 0)
		close(fd);
	free(b);
	errno = saved;
	return -1;
}

int cfg_param_load(const char *path, bool missing_ok, struct cfg_param *out,
		   struct cfg_msgs *errs, struct cfg_msgs *warns)
{
	char *buf;
	size_t len;
	int rc;

	if (missing_ok && access(path, F_OK) != 0 && errno == ENOENT) {
		cfg_param_defaults(out);
		return 0;
	}
	if (cfg_read_file(path, &buf, &len, errs) != 0)
		return -1;
	rc = cfg_param_parse(buf, len, path, out, errs, warns);
	free(buf);
	return rc;
}

int cfg_conns_load(const char *path, const struct cfg_param *param, struct cfg_conns *out,
		   struct cfg_msgs *errs, struct cfg_msgs *warns)
{
	char *buf;
	size_t len;
	int rc;

	if (cfg_read_file(path, &buf, &len, errs) != 0)
		return -1;
	rc = cfg_conns_parse(buf, len, path, param, out, errs, warns);
	free(buf);
	return rc;
}

static int perm_stat(const char *path, enum cfg_perm_kind kind, uid_t self, const char *what,
		     struct cfg_msgs *errs)
{
	char err[CFG_MSG_LEN];
	struct stat st;
	if (stat(path, &st) < 0) {
		cfg_msgs_add(errs, "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	if (!cfg_perm_ok(path, &st, kind, self, what, err, sizeof(err))) {
		cfg_msgs_add(errs, "%s", err);
		return -1;
	}
	return 0;
}

/* Checks the directory that holds path (path itself is not read). */
static int perm_dir(const char *path, uid_t self, struct cfg_msgs *errs)
{
	char dir[PATH_MAX], base[PATH_MAX], what[PATH_MAX + 16];
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	snprintf(what, sizeof(what), "directory of %s", basename(base));
	return perm_stat(dirname(dir), CFG_PERM_DIR, self, what, errs);
}

int cfg_perm_check(const char *path, enum cfg_perm_kind kind, uid_t self, bool with_dir,
		   struct cfg_msgs *errs)
{
	char real[PATH_MAX], d1[PATH_MAX], d2[PATH_MAX];
	struct stat lst;
	int rc = perm_stat(path, kind, self, kind == CFG_PERM_HOOK ? "hook" : "configuration file",
			   errs);
	if (!with_dir)
		return rc;
	rc |= perm_dir(path, self, errs);
	/* A symlink: whoever can write the directory of its target can replace the file too. */
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && realpath(path, real)) {
		snprintf(d1, sizeof(d1), "%s", path);
		snprintf(d2, sizeof(d2), "%s", real);
		if (strcmp(dirname(d1), dirname(d2)) != 0)
			rc |= perm_dir(real, self, errs);
	}
	return rc;
}
