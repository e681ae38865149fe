/* Thin file wrappers around the pure config parsers: read a whole file, then parse it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/cfg.h"

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
