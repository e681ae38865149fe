/* The spawner: a small process forked at start-up, before the seccomp filter and before any
 * untrusted input, that runs the programs the daemon may run (hooks, resolvectl, resolvconf)
 * so that none of them inherits the daemon's filter; it also does the file operations on the
 * host files the daemon may change (resolv.conf, its backup, gai.conf), as uid 0 when the
 * daemon no longer is. The daemon sends one request per SOCK_SEQPACKET datagram (path, argv,
 * environment, stdin bytes; or a file operation); the spawner checks it, forks and execs,
 * reaps its children and reports each one's pid and wait status back. It runs only the
 * programs and touches only the files named when it started, passes only V6LINK_* variables
 * and a fixed PATH, and exits when the daemon closes the socket or dies (PR_SET_PDEATHSIG). */
#ifndef V6L_DAEMON_SPAWN_H
#define V6L_DAEMON_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "daemon/spawn_msg.h"

struct loop;

#define SPAWN_MAX_PROGS 40     /* programs the spawner may run */
#define SPAWN_MAX_FILES 4      /* host files it may write */
#define SPAWN_PATH_MAX 256
#define SPAWN_MAX_CHILDREN 64  /* running at once */
#define SPAWN_LABEL_LEN 400

/* The exec hygiene of every program v6link runs, in a forked child (async-signal-safe calls
 * only): every signal's disposition back to SIG_DFL (also libc's 32 and 33) and none blocked;
 * stdin from in_fd (or /dev/null when in_fd < 0), stdout /dev/null with SPAWN_F_STDOUT_NULL, a
 * new session with SPAWN_F_DETACH; then execve. Never returns (127 when execve fails). */
__attribute__((noreturn)) void spawn_child_exec(const char *path, char *const argv[],
						char *const envp[], int in_fd, unsigned flags);

/* Forks the spawner. progs[0..n) are the only paths it will run (copied; at most
 * SPAWN_MAX_PROGS), files[0..n_files) the only paths it will read, write, replace or remove
 * (each with its temporary file beside it) and create the directories above (at most
 * SPAWN_MAX_FILES; spawn_file_broker sends those paths' operations to it). In the child:
 * only stdio and the socket stay open, PR_SET_PDEATHSIG, then the daemon's own capability
 * drop (sandbox_drop(needs_bind): it stays uid 0 with the daemon's capabilities, as hooks were
 * promised). Call it while single-threaded, before any secret is decrypted. 0, or -1
 * (logged). */
int spawn_start(const char *const *progs, unsigned n, const char *const *files,
		unsigned n_files, bool needs_bind);

/* Asks the spawner for the file operation v (its id is set here) and waits up to 10 s for the
 * answer: its ret, with errno from its err (EPERM: a path not named at start; ENOTCONN: no
 * spawner); a read's bytes in out[cap] (NUL-terminated; out may be NULL otherwise) and its
 * mode, owner and size in st (may be NULL). */
ssize_t spawn_file_call(struct spawn_file_view *v, char *out, size_t cap, struct stat *st);

struct hostcfg_file_broker;
/* Hands the operations on the files named at start to the spawner and waits for each (up to
 * 10 s): the hostcfg_file_ primitives' contract, errno from the spawner (EPERM: a path it may
 * not touch; ENOTCONN: no spawner). For hostcfg_file_set_broker. */
extern const struct hostcfg_file_broker spawn_file_broker;

/* Reports (started, exited) are read and logged from the loop from now on. */
int spawn_attach(struct loop *l);

/* Whether the spawner runs (started and not lost). */
bool spawn_running(void);

/* The spawner's pid, or -1. */
pid_t spawn_pid(void);

/* Runs path with argv (NULL-terminated, argv[0] first) and envp (NULL-terminated; entries not
 * starting V6LINK_ are dropped; PATH is always the spawner's fixed one) without waiting; label
 * names it in the log ("hook[dsl]: /etc/v6link/hook up"). Its start (debug) and a non-zero
 * exit (warning) are logged when the spawner reports them. 0, or -1/errno (logged by the
 * caller). */
int spawn_run(const char *label, const char *path, char *const argv[], char *const envp[],
	      unsigned flags);

/* Runs path like spawn_run with input (may be NULL) on its stdin, and waits up to timeout_ms
 * for its exit; *status gets the wait status. Without a spawner (programs other than the
 * daemon) it forks and execs itself, with PATH only. 0, or -1/errno (ETIMEDOUT: still
 * running; EPERM: a program the spawner may not run). */
int spawn_run_wait(const char *label, const char *path, char *const argv[], char *const envp[],
		   const char *input, unsigned flags, int timeout_ms, int *status);

/* Closes the socket (the spawner runs what it has queued, then exits) and waits up to 2 s for
 * it to end. */
void spawn_stop(void);

#endif
