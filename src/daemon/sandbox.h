/* Least privilege for the daemon itself, whoever started it: no core file and not attachable
 * before any secret is read (sandbox_early); then, once the configuration is read, the control
 * socket listens and the connections exist, the capabilities shrink to those the connections
 * use after start-up and no_new_privs is set (sandbox_drop). The daemon stays uid 0: the files
 * it writes are root's and need no DAC override. */
#ifndef V6L_DAEMON_SANDBOX_H
#define V6L_DAEMON_SANDBOX_H

#include <stdbool.h>

#include "cfg/cfg.h"

/* PR_SET_DUMPABLE 0 and RLIMIT_CORE 0: a crash dump would hold the plaintext password, and
 * another process of the same user could read the daemon's memory. 0, or -1 (logged). */
int sandbox_early(void);

/* Whether the connections to run (only: one name, or NULL for all) may need
 * CAP_NET_BIND_SERVICE after start-up: router mode (mode=auto may end there) binds the DHCPv6
 * client's UDP port 546, NAT46 the DNS proxy's port 53, each again whenever a mode opens. */
bool sandbox_needs_bind(const struct cfg_conns *cs, const char *only);

/* Keeps CAP_NET_ADMIN, CAP_NET_RAW and, with needs_bind, CAP_NET_BIND_SERVICE in the bounding,
 * permitted and effective sets (those the process has; dropping the bounding set needs
 * CAP_SETPCAP), clears the inheritable and ambient sets, sets no_new_privs, and logs what it
 * kept ("WHO: running as uid 0 with ..."). Capabilities and no_new_privs are per thread: call it
 * before any thread exists (every later thread inherits them). 0, or -1 (logged). */
int sandbox_drop(bool needs_bind, const char *who);

#endif
