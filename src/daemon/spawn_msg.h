/* The spawner's messages (spawn.h): the request codec, no I/O, so that unit tests and a fuzz
 * target reach the parser the spawner runs on every request. */
#ifndef V6L_DAEMON_SPAWN_MSG_H
#define V6L_DAEMON_SPAWN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPAWN_MSG_MAX 40960   /* one request: header, strings, stdin bytes */
#define SPAWN_INPUT_MAX 16384 /* stdin bytes: below a pipe's capacity, written at once */
#define SPAWN_MAX_STRINGS 64  /* argv and environment entries, each */

/* Request flags. */
#define SPAWN_F_DETACH 1u      /* stdin /dev/null and a session of its own (hooks) */
#define SPAWN_F_STDOUT_NULL 2u /* stdout /dev/null (else the daemon's) */
#define SPAWN_F_ALL 3u

/* A report from the spawner, one per datagram, exactly this size. */
enum spawn_rep_kind { SPAWN_REP_STARTED = 1, SPAWN_REP_EXITED, SPAWN_REP_FAILED };
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

#endif
