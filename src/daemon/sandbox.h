/* Least privilege for the daemon itself, whoever started it: no core file and not attachable
 * before any secret is read (sandbox_early); then, once the configuration is read, the control
 * socket listens and the connections exist, the daemon becomes the user of user= in
 * v6link.ini (sandbox_user_*), its capabilities shrink to those the connections use after
 * start-up and no_new_privs is set (sandbox_drop). The host files in /etc are written by the
 * root spawner (spawn.h); the run, state and trace directories are given to that user. */
#ifndef V6L_DAEMON_SANDBOX_H
#define V6L_DAEMON_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "cfg/cfg.h"

/* PR_SET_DUMPABLE 0 and RLIMIT_CORE 0: a crash dump would hold the plaintext password, and
 * another process of the same user could read the daemon's memory. 0, or -1 (logged). */
int sandbox_early(void);

/* Whether the connections to run (only: one name, or NULL for all) may need
 * CAP_NET_BIND_SERVICE after start-up: router mode (mode=auto may end there) binds the DHCPv6
 * client's UDP port 546, NAT46 the DNS proxy's port 53, each again whenever a mode opens. */
bool sandbox_needs_bind(const struct cfg_conns *cs, const char *only);

/* The user the daemon becomes after start-up. */
struct sandbox_user {
	bool is_set; /* false: stays uid 0 */
	uid_t uid;
	gid_t gid;
	char name[40]; /* as logged: the account's name or "UID:GID" */
};

/* Resolves user= (cfg_param.user): "" is the account v6link if it exists, else nobody (logged
 * once: stays uid 0); "root" or a numeric uid 0 is nobody; a name must exist; "UID[:GID]" needs
 * no account. Nobody as well when the daemon is not root. 0, or 2 with the reason on stderr. */
int sandbox_user_resolve(const char *spec, struct sandbox_user *u);

/* Gives dirs[0..n) (duplicates and "" skipped), and the daemon's own files directly in them
 * that root owns (NAME.env, NAME.session, state files, traces: never skip, the resolver's
 * backup, nor a hook or a configuration file), to u, while still root, and checks in a child
 * that u may then create files in each. The one named root_group keeps group root, with write
 * access, for the spawner (uid 0 without CAP_DAC_OVERRIDE) to keep skip there. Every
 * directory is checked first: if one is shared with the rest of the system (/, /run, /tmp,
 * /var/lib...: a fixed list, or sticky) or owned by someone else, none is changed. 0, or -1
 * (logged): u->is_set is cleared then, and the daemon stays uid 0. */
int sandbox_user_dirs(struct sandbox_user *u, const char *const *dirs, unsigned n,
		      const char *skip, const char *root_group);

/* Keeps CAP_NET_ADMIN, CAP_NET_RAW and, with needs_bind, CAP_NET_BIND_SERVICE in the bounding,
 * permitted and effective sets (those the process has; dropping the bounding set needs
 * CAP_SETPCAP), clears the inheritable and ambient sets, sets no_new_privs, and logs what it
 * kept ("WHO: running as uid 0 with ..."). With u (may be NULL) set, first becomes that user
 * (supplementary groups: its gid alone; real, effective and saved ids) keeping the capabilities
 * through PR_SET_KEEPCAPS, and stays not dumpable. Capabilities, ids and no_new_privs are per
 * thread: call it before any thread exists (every later thread inherits them). 0, or -1
 * (logged). */
int sandbox_drop(bool needs_bind, const char *who, const struct sandbox_user *u);

#endif
