/* Files on the host that v6link replaces and later restores (resolv.conf, gai.conf) and its own
 * state files: whole-file reads that never follow a symlink, atomic replacement (a temporary
 * file beside the target, fsync, rename, directory fsync) and the SHA-256 that tells our content
 * from anyone else's. Plain file I/O on the paths given, so unit tests run it in temporary
 * directories; the decisions are the owners' (resolver_own.c, policy_own.c). */
#ifndef V6L_HOSTCFG_FILE_H
#define V6L_HOSTCFG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define HOSTCFG_FILE_MAX 65536          /* largest file read (text in and out) */
#define HOSTCFG_PATH_MAX 256
#define HOSTCFG_TMP_SUFFIX ".v6link-tmp"  /* the temporary file beside a target */
#define HOSTCFG_HASH_LEN 64             /* hex digits of a SHA-256 */

/* Test hook standing in for SIGKILL. fn is asked before each on-disk step with the step's name;
 * returning true stops the operation there, and every later step of the same owner is refused
 * too (is_dead), so nothing is finished or undone: the test then drops the owner without
 * closing it and opens a new one on the same directories. fn is NULL in the daemon. */
struct hostcfg_crash {
	bool (*fn)(void *arg, const char *step);
	void *arg;
	bool is_dead;
};

/* Where the operations on some paths go when the process may not do them itself: the daemon,
 * once it runs as another user, hands those on the host files (resolv.conf, its backup,
 * gai.conf) to its root spawner (daemon/spawn.h). Each primitive below that has a broker field
 * asks owns(path) first and, if true, returns what the broker returns (same contract, errno
 * set); a crash hook's "tmp-written" step is not asked then. */
struct hostcfg_file_broker {
	bool (*owns)(const char *path);
	ssize_t (*read)(const char *path, char *buf, size_t cap, struct stat *st);
	int (*replace)(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
		gid_t gid);
	int (*replace_symlink)(const char *path, const char *target);
	int (*remove)(const char *path);
	void (*drop_tmp)(const char *path);
	int (*mkdirs)(const char *path);
	void (*rmdirs)(const char *path, const char *made);
	int (*open_dev)(const char *path); /* a descriptor of the device, read-write */
};

/* Opens the character device path read-write (O_NONBLOCK, close-on-exec); where this process
 * may not (EACCES, EPERM) and a broker is set, the broker's open_dev. A descriptor, or
 * -1/errno. */
int hostcfg_file_open_dev(const char *path);

/* Sets the broker (NULL: none, every path is done here); b must outlive its use. */
void hostcfg_file_set_broker(const struct hostcfg_file_broker *b);

/* True if the caller must stop before step (c may be NULL: never). */
bool hostcfg_crash_now(struct hostcfg_crash *c, const char *step);

/* Reads the regular file path, never through a symlink (ELOOP), into buf[cap] NUL-terminated;
 * st (may be NULL) gets its fstat. Returns the length, or -1/errno (ENOENT: no file; EFBIG:
 * cap - 1 bytes or more; EINVAL: not a regular file). */
ssize_t hostcfg_file_read(const char *path, char *buf, size_t cap, struct stat *st);

/* Replaces path with data[len]: removes a temporary file an earlier crash left
 * (path HOSTCFG_TMP_SUFFIX), creates it anew with O_CREAT|O_EXCL|O_NOFOLLOW, writes it, sets
 * mode and (unless uid is (uid_t)-1) the owner, fsyncs, renames it over path and fsyncs the
 * directory. A symlink at path is itself replaced, never followed. crash is asked at
 * "tmp-written", before the rename. 0, or -1/errno (the temporary file removed unless the
 * hook stopped it). When the directory may not be written or path is a mount point of its own
 * (EROFS, EACCES, EPERM, EBUSY, EXDEV) and path is a regular file, it is rewritten in place
 * instead (not atomic; never through a symlink). */
int hostcfg_file_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
	gid_t gid, struct hostcfg_crash *crash);

/* Replaces path with a symlink holding target, the same way (temporary link, rename; crash
 * asked at "tmp-written"). 0 or -1/errno. */
int hostcfg_file_replace_symlink(const char *path, const char *target, struct hostcfg_crash *crash);

/* Writes path's temporary file name into out[cap]; false if it does not fit. */
bool hostcfg_file_tmp_name(const char *path, char *out, size_t cap);

/* Removes the temporary file a crash may have left beside path. */
void hostcfg_file_drop_tmp(const char *path);

/* Removes path and fsyncs its directory; 0, or -1/errno (ENOENT counts as success). */
int hostcfg_file_remove(const char *path);

/* SHA-256 of data[len] as 64 lowercase hex digits and a NUL. */
void hostcfg_hash(const void *data, size_t len, char out[HOSTCFG_HASH_LEN + 1]);

/* Hashes the regular file at path (not through a symlink); false if it is missing, not a
 * regular file, unreadable or HOSTCFG_FILE_MAX bytes or more. */
bool hostcfg_hash_file(const char *path, char out[HOSTCFG_HASH_LEN + 1]);

/* Writes into out[cap] the outermost directory above path that does not exist yet ("" when
 * they all exist); false if a path does not fit. */
bool hostcfg_file_missing_dir(const char *path, char *out, size_t cap);

/* Creates the missing directories above path (mode 0755). 0 or -1/errno. */
int hostcfg_file_mkdirs(const char *path);

/* Removes the directories from path's parent up to and including made (one that
 * hostcfg_file_missing_dir named) while they are empty; made "" does nothing. */
void hostcfg_file_rmdirs(const char *path, const char *made);

#endif
