/* The spawner's messages (spawn.h): the request codec, no I/O, so that unit tests and a fuzz
 * target reach the parser the spawner runs on every request. */
#ifndef V6L_DAEMON_SPAWN_MSG_H
#define V6L_DAEMON_SPAWN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One request: a run request's header, strings and stdin bytes, or a file request's header,
 * path, argument and up to SPAWN_FILE_DATA_MAX bytes. */
#define SPAWN_MSG_MAX 69632
#define SPAWN_INPUT_MAX 16384 /* stdin bytes: below a pipe's capacity, written at once */
#define SPAWN_MAX_STRINGS 64  /* argv and environment entries, each */

/* Request flags. */
#define SPAWN_F_DETACH 1u      /* stdin /dev/null and a session of its own (hooks) */
#define SPAWN_F_STDOUT_NULL 2u /* stdout /dev/null (else the daemon's) */
#define SPAWN_F_ALL 3u

/* A report from the spawner, one per datagram, exactly this size (SPAWN_REP_FILE: a struct
 * spawn_file_rep and its bytes instead). */
enum spawn_rep_kind { SPAWN_REP_STARTED = 1, SPAWN_REP_EXITED, SPAWN_REP_FAILED, SPAWN_REP_FILE };
struct spawn_rep {
	uint32_t kind; /* enum spawn_rep_kind */
	uint32_t id;   /* the request's */
	int32_t pid;
	int32_t status; /* EXITED: the wait status */
	int32_t err;    /* FAILED: an errno */
};

/* A parsed request; every pointer points into the message it was parsed from. */
struct spawn_req_view {
	uint32_t id, flags;
	const char *path;
	const char *argv[SPAWN_MAX_STRINGS + 1]; /* NULL-terminated, at least argv[0] */
	const char *envp[SPAWN_MAX_STRINGS + 1]; /* NULL-terminated */
	const uint8_t *input;
	size_t input_len;
};

/* Builds a request into buf[cap]: argv and envp NULL-terminated (envp may be NULL), input a
 * string or NULL. The length, or -1 if it does not fit or has too many strings. */
ssize_t spawn_req_build(uint8_t *buf, size_t cap, uint32_t id, uint32_t flags, const char *path,
			char *const argv[], char *const envp[], const char *input);

/* Checks msg[len]: the sizes, the counts, each string NUL-terminated within the buffer, the
 * strings and stdin bytes filling it exactly, a non-empty path, at least argv[0], no unknown
 * flag. Fills v with pointers into msg. 0, or -1 if malformed. */
int spawn_req_parse(const uint8_t *msg, size_t len, struct spawn_req_view *v);

/* --- file requests: the host files the daemon may not write itself (hostcfg/file.h) ---------- */

/* The sixth header word of a request: which kind it is. */
#define SPAWN_KIND_RUN 0
#define SPAWN_KIND_FILE 1

#define SPAWN_FILE_DATA_MAX 65536 /* bytes written or read at once: HOSTCFG_FILE_MAX */
#define SPAWN_FILE_PATH_MAX 256   /* path and argument, with their NUL: HOSTCFG_PATH_MAX */
#define SPAWN_FILE_REP_MAX (sizeof(struct spawn_file_rep) + SPAWN_FILE_DATA_MAX)

/* What a file request asks; each is the hostcfg_file_ primitive of the same name, run by the
 * spawner on a path fixed at start (and on that path's temporary file beside it). */
enum spawn_file_op {
	SPAWN_FILE_READ = 1,   /* cap: the reader's buffer; the bytes and the mode/owner back */
	SPAWN_FILE_REPLACE,    /* data, mode, uid, gid (uid 0xffffffff: owner left as created) */
	SPAWN_FILE_SYMLINK,    /* arg: the link's text */
	SPAWN_FILE_REMOVE,
	SPAWN_FILE_DROP_TMP,
	SPAWN_FILE_MKDIRS,     /* the missing directories above path */
	SPAWN_FILE_RMDIRS,     /* arg: the outermost directory made, an ancestor of path */
	SPAWN_FILE_OPEN_DEV,   /* SPAWN_DEV_TUN only: its descriptor back (SCM_RIGHTS) */
};

/* The one device the spawner opens for the daemon, read-write: each TUN needs a new open of
 * it, which a daemon that is not root may not make where it is root's mode 0600. */
#define SPAWN_DEV_TUN "/dev/net/tun"

/* A parsed (or to be built) file request; pointers point into the message parsed. */
struct spawn_file_view {
	uint32_t id, op, mode, uid, gid, cap;
	const char *path, *arg; /* arg "" unless SYMLINK or RMDIRS */
	const uint8_t *data;    /* REPLACE only */
	size_t data_len;
};

/* The answer to a file request, followed by size bytes (READ) and nothing else. */
struct spawn_file_rep {
	uint32_t kind; /* SPAWN_REP_FILE */
	uint32_t id;
	int32_t ret;   /* 0 or the length read; -1 with err */
	int32_t err;   /* an errno */
	uint32_t mode, uid, gid, size;
};

/* The kind of request msg[len] is (SPAWN_KIND_*, the sixth header word), or -1 if it is too
 * short to say or unknown. */
int spawn_req_kind(const uint8_t *msg, size_t len);

/* Builds a file request from v into buf[cap]. The length, or -1 if v breaks a rule that
 * spawn_file_req_parse checks or it does not fit. */
ssize_t spawn_file_req_build(uint8_t *buf, size_t cap, const struct spawn_file_view *v);

/* Checks msg[len]: the header (a known op, reserved words 0), path and arg NUL-terminated,
 * each under SPAWN_FILE_PATH_MAX, path absolute, the data filling the rest exactly, and only
 * the fields the op uses set (mode at most 07777, cap 1..SPAWN_FILE_DATA_MAX for READ, a
 * non-empty arg for SYMLINK and RMDIRS). Fills v with pointers into msg. 0, or -1. */
int spawn_file_req_parse(const uint8_t *msg, size_t len, struct spawn_file_view *v);

/* Checks a file report msg[len] (the header, size within SPAWN_FILE_DATA_MAX and filling the
 * message exactly, ret -1 or the size for a read). Copies the header into r. 0, or -1. */
int spawn_file_rep_parse(const uint8_t *msg, size_t len, struct spawn_file_rep *r);

#endif
