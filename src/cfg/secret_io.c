/* Key file and connections.ini I/O for encrypted passwords: load (with the root/0600 check),
 * create on first use, and store password= atomically (temporary file + fsync + rename). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "cfg/secret.h"

/* Loads path after checking its stat result as a key file or as a systemd credential. */
static int secret_load(const char *path, bool is_cred, uint8_t key[CFG_SECRET_KEY_LEN],
		       char *err, size_t err_cap)
{
	struct stat st;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(err, err_cap, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, err_cap, "cannot stat %s: %s", path, strerror(errno));
		goto fail;
	}
	if (is_cred ? !cfg_secret_cred_stat_ok(path, &st, geteuid(), err, err_cap)
		    : !cfg_secret_key_stat_ok(path, &st, err, err_cap))
		goto fail;
	r = read(fd, key, CFG_SECRET_KEY_LEN);
	if (r != CFG_SECRET_KEY_LEN) {
		snprintf(err, err_cap, "cannot read %s: %s", path,
			 r < 0 ? strerror(errno) : "short read");
		sodium_memzero(key, CFG_SECRET_KEY_LEN);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int cfg_secret_key_load(const char *path, uint8_t key[CFG_SECRET_KEY_LEN], char *err,
			size_t err_cap)
{
	return secret_load(path, false, key, err, err_cap);
}

static bool secret_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool cfg_secret_key_where(const char *confdir, char *out, size_t cap)
{
	return cfg_secret_key_locate(getenv("CREDENTIALS_DIRECTORY"), confdir, secret_exists, out,
				     cap);
}

int cfg_secret_key_load_any(const char *confdir, uint8_t key[CFG_SECRET_KEY_LEN], char *err,
			    size_t err_cap)
{
	char path[CFG_PATH_MAX + 32];
	bool is_cred = cfg_secret_key_where(confdir, path, sizeof(path));
	return secret_load(path, is_cred, key, err, err_cap);
}

/* Creates the key file's directory (0755) if it is missing. */
static int secret_mkdir(const char *path, char *err, size_t err_cap)
{
	char dir[CFG_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0755) != 0 && errno != EEXIST) {
		snprintf(err, err_cap, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int cfg_secret_key_load_or_create(const char *path, uint8_t key[CFG_SECRET_KEY_LEN], char *err,
				  size_t err_cap)
{
	int fd;

	if (access(path, F_OK) == 0 || errno != ENOENT)
		return cfg_secret_key_load(path, key, err, err_cap);
	if (sodium_init() < 0) {
		snprintf(err, err_cap, "libsodium initialisation failed");
		return -1;
	}
	if (secret_mkdir(path, err, err_cap) != 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, err_cap, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	randombytes_buf(key, CFG_SECRET_KEY_LEN);
	if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0600) != 0 ||
	    write(fd, key, CFG_SECRET_KEY_LEN) != CFG_SECRET_KEY_LEN || fsync(fd) != 0) {
		snprintf(err, err_cap, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		sodium_memzero(key, CFG_SECRET_KEY_LEN);
		return -1;
	}
	close(fd);
	return 0;
}

/* Makes a rename in path's directory durable; best effort. */
static void secret_sync_dir(const char *path)
{
	char dir[CFG_PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Writes buf to a temporary file beside path with st's owner and mode, then renames it. */
static int secret_replace(const char *path, const struct stat *st, const char *buf, size_t len,
			  char *err, size_t err_cap)
{
	char tmp[CFG_PATH_MAX + 16];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_cap, "cannot create a temporary file beside %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fchmod(fd, st->st_mode & 07777) != 0 ||
	    (fchown(fd, st->st_uid, st->st_gid) != 0 && errno != EPERM) ||
	    write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(err, err_cap, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		fd = -1;
		snprintf(err, err_cap, "cannot replace %s: %s", path, strerror(errno));
		goto fail;
	}
	secret_sync_dir(path);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int cfg_passwd_store(const char *path, const char *conn, const char *enc, char *err,
		     size_t err_cap)
{
	struct cfg_msgs *msgs = calloc(1, sizeof(*msgs));
	struct stat st;
	char *in = NULL, *out = NULL;
	size_t in_len, out_len;
	bool no_section;
	int rc = -1;

	if (!msgs || strlen(path) >= CFG_PATH_MAX) {
		snprintf(err, err_cap, "%s: %s", path, msgs ? "path too long" : "out of memory");
		goto done;
	}
	if (stat(path, &st) != 0 || cfg_read_file(path, &in, &in_len, msgs) != 0) {
		snprintf(err, err_cap, "cannot open %s: %s", path, strerror(errno));
		goto done;
	}
	out = cfg_ini_set_key(in, in_len, conn, "password", enc, &out_len, &no_section);
	if (!out) {
		snprintf(err, err_cap, no_section ? "%s: no connection [%s]" : "%s: out of memory",
			 path, conn);
		goto done;
	}
	rc = secret_replace(path, &st, out, out_len, err, err_cap);
done:
	free(in);
	free(out);
	free(msgs);
	return rc;
}
