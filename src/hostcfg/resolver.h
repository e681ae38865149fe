/* The daemon's one owner of the host resolver (issue #11): every connection sets or clears its
 * contribution (servers of both families and search domains) and the owner applies them.
 * systemd-resolved and resolvconf are per interface, so there each contribution goes to its own
 * link; the resolv.conf file is host-wide, so there the owner merges the contributions and
 * writes one file. Before its first change the owner writes a state file (in the instance's
 * state directory) saying what it is about to change, so the next start undoes whatever a crash
 * left, once, before any connection exists; a clean undo runs the same restore.
 * The file backend never follows a symlink at the target: a symlink there (systemd-resolved's
 * stub, NetworkManager's file, with neither tool's own backend in use) is replaced by our file
 * and put back as the same symlink; its target is never opened or written. A directory or
 * device there is refused. Writes are atomic (temporary file beside it, fsync, rename), so a
 * bind-mounted resolv.conf (containers) cannot be replaced and is refused too.
 * Pure part (resolver.c): the merge, the rendering, the state file codec. Owner
 * (resolver_own.c): file I/O on the paths it is given, links through resolver_ops. The
 * resolvectl / resolvconf glue and backend detection are I/O (dns_io.c). */
#ifndef V6L_HOSTCFG_RESOLVER_H
#define V6L_HOSTCFG_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>

#include "hostcfg/dns.h"
#include "hostcfg/file.h"
#include "hostcfg/state.h"

#define RESOLVER_MAX_CONNS 16   /* contributions (CFG_MAX_CONNS connections) */
#define RESOLVER_NAME_LEN 16    /* connection name, as in logs */
#define RESOLVER_MAX_OURS 2     /* hashes of our file: the current one, and the next while it is written */
#define RESOLVER_STATE_FILE "resolver.state"
#define RESOLVER_BACKUP_FILE "resolver.orig"
#define RESOLVER_NAMESERVERS 3  /* glibc (MAXNS) and musl read only the first three nameservers */

/* One connection's contribution. */
struct resolver_contrib {
	bool is_set;
	unsigned id;                  /* connection order: a lower id comes first */
	char name[RESOLVER_NAME_LEN];
	char ifname[16];              /* its interface (systemd-resolved, resolvconf) */
	struct dns_servers d;
	bool is_link_applied;         /* per-link backends: d is on ifname */
};

/* --- pure: merge and rendering ---------------------------------------------------------------- */

/* Merges the set contributions of c[n] into out for the resolv.conf file: first each
 * connection's first server in connection order, so every connection (up to three) has one
 * among the nameservers a resolver reads, then the remaining servers in connection order as
 * each connection gave them, then the search domains in connection order. A duplicate appears
 * once, at its first place; servers past DNS_MAX_SERVERS and domains past DNS_MAX_DOMAINS are
 * left out. Returns how many were left out. */
unsigned resolver_merge(const struct resolver_contrib *c, size_t n, struct dns_servers *out);

/* Writes the names of the set contributions, in connection order and comma-separated, into
 * out[cap] (truncated if need be). */
void resolver_names(const struct resolver_contrib *c, size_t n, char *out, size_t cap);

/* Renders the merged resolv.conf (a header naming v6link and the connections names, then
 * dns_render_resolv_conf's lines) into buf[cap]; returns the length or -1. */
int resolver_render(const struct dns_servers *d, const char *names, char *buf, size_t cap);

/* --- pure: the state file -------------------------------------------------------------------- */

/* What the file backend found at the target before its first write. */
enum resolver_had { RESOLVER_HAD_NONE, RESOLVER_HAD_FILE, RESOLVER_HAD_SYMLINK };

const char *resolver_had_name(enum resolver_had h);

/* resolver.state: what the host holds of ours. The file backend: the target, what was there
 * (restore: delete ours / put the file back / put the symlink back, whose text the backup holds),
 * the outermost directory created above it, and the SHA-256 of every content of ours that may be
 * in it (two while a new one is being written). Per-link backends: the links set. */
struct resolver_saved {
	enum dns_backend backend;
	char target[HOSTCFG_PATH_MAX];
	enum resolver_had had;
	char backup[HOSTCFG_PATH_MAX];
	char made_dir[HOSTCFG_PATH_MAX];
	unsigned n_ours;
	char ours[RESOLVER_MAX_OURS][HOSTCFG_HASH_LEN + 1];
	unsigned n_links;
	char links[RESOLVER_MAX_CONNS][16];
};

/* Parses state file text[len] into out; on an error *line (may be NULL) names the line.
 * Checks: known keys, each once (ours and link up to their limits), paths absolute, the keys
 * that the backend and had require. */
enum hostcfg_state_err resolver_saved_parse(const char *text, size_t len,
	struct resolver_saved *out, unsigned *line);

/* Renders s into buf[cap] (parse gives it back); returns the length or -1. */
int resolver_saved_render(const struct resolver_saved *s, char *buf, size_t cap);

/* --- the owner ------------------------------------------------------------------------------- */

/* Per-link backends (systemd-resolved, resolvconf). Each returns 0 or -1 after logging. */
struct resolver_ops {
	/* Puts d on ifname; text is d rendered as resolv.conf for the connection (resolvconf). */
	int (*link_set)(void *ctx, enum dns_backend b, const char *ifname,
		const struct dns_servers *d, const char *text);
	/* Removes what link_set put on ifname (also for a link gone or never set). */
	int (*link_clear)(void *ctx, enum dns_backend b, const char *ifname);
};

struct resolver_cfg {
	const char *state_dir;           /* the instance's state directory, created if missing; it
					  * must live as long as the target (not a tmpfs when the
					  * target is /etc/resolv.conf) */
	enum dns_backend backend;
	const char *path;                /* DNS_BACKEND_FILE: the resolv.conf to manage */
	const struct resolver_ops *ops;  /* per-link backends (and recovery of their links) */
	void *ops_ctx;
	struct hostcfg_crash *crash;     /* tests only; NULL */
};

struct resolver {
	enum dns_backend backend;
	char path[HOSTCFG_PATH_MAX];
	char state_path[HOSTCFG_PATH_MAX];
	char backup_path[HOSTCFG_PATH_MAX];
	const struct resolver_ops *ops;
	void *ops_ctx;
	struct hostcfg_crash *crash;
	struct resolver_contrib c[RESOLVER_MAX_CONNS];
	bool has_saved;               /* the state file exists and saved is its content */
	struct resolver_saved saved;
	bool is_stuck;                /* an earlier run's state could not be undone: hands off */
	bool is_file_applied;         /* the file holds applied (hash applied_hash) */
	struct dns_servers applied;
	char applied_hash[HOSTCFG_HASH_LEN + 1];
};

/* Creates the owner at daemon start, before any connection: checks cfg, creates the state
 * directory, then recovers: if a state file is there (an earlier run did not finish its undo),
 * its restore runs now, whatever backend was in use then, and the file is removed. With no
 * state file, a backup that an older version (which kept it beside the file) left in a crash
 * (PATH.v6link-orig, or /etc/netns/NAME.resolv.conf.v6link-orig) is put back first. r is the
 * caller's. 0, or -1 after logging (bad configuration or no state directory: nothing applied). */
int resolver_open(struct resolver *r, const struct resolver_cfg *cfg);

/* Sets connection id's contribution (name and ifname copied; d with no server clears it) and
 * applies the result: its own link, or the merged file. Unchanged input is a no-op. 0, or -1
 * after logging (the contribution is kept, and the next set or clear tries again). */
int resolver_set(struct resolver *r, unsigned id, const char *name, const char *ifname,
	const struct dns_servers *d);

/* Clears connection id's contribution: its link is reverted, or the file rewritten without it;
 * the last one gone, the file is restored and the state file removed. 0, or -1 after logging. */
int resolver_clear(struct resolver *r, unsigned id);

/* True if connection id has a contribution set. */
bool resolver_is_set(const struct resolver *r, unsigned id);

/* Undoes everything at daemon exit (every contribution cleared). 0, or -1 after logging. */
int resolver_close(struct resolver *r);

/* --- I/O glue (dns_io.c) ---------------------------------------------------------------------- */

/* resolvectl dns/domain/revert, resolvconf -a/-d IFNAME.v6link (fork+exec, fixed argv). ctx
 * unused. */
extern const struct resolver_ops resolver_sys_ops;

/* Chooses the backend: resolv_conf (a path; "" or NULL = automatic) forces the file;
 * inside a named network namespace /etc/netns/NAME/resolv.conf; else systemd-resolved when it
 * runs, else resolvconf when installed, else /etc/resolv.conf. Writes the file's path into
 * path[cap] ("" for the other backends). */
enum dns_backend resolver_detect(const char *resolv_conf, char *path, size_t cap);

/* resolver_detect, then resolver_open with resolver_sys_ops. */
int resolver_open_sys(struct resolver *r, const char *state_dir, const char *resolv_conf);

#endif
