/* The daemon: loads the configuration, runs every connection on one control loop, serves the
 * control socket and cleans up on SIGTERM/SIGINT. */
#ifndef V6L_DAEMON_H
#define V6L_DAEMON_H

#include "daemon/cli.h"
#include "engine/conn.h"
#include "cfg/cfg.h"

/* Fills out from the parsed config of one connection (adapter chosen, password decrypted with
 * the key in confdir). Returns 0, 1 (runtime failure) or 2 (configuration error), logged. */
int daemon_conn_cfg(const char *confdir, const struct cfg_param *p, const struct cfg_conn *cc,
		    struct conn_cfg *out);
/* Loads CONFDIR/v6link.ini and CONFDIR/connections.ini; prints every error; 0 or 2. */
int daemon_load_config(const char *confdir, struct cfg_param *p, struct cfg_conns *cs);
/* `v6link run [CONN]`: returns the exit status. */
int daemon_run(const struct cli_opts *o, const char *only_conn);

#endif
