/* Commands of the v6link CLI. Exit status: 0 success, 1 runtime failure, 2 usage/config error. */
#ifndef V6L_CLI_H
#define V6L_CLI_H

#include "cfg/cfg.h"

#define CLI_DEFAULT_CONFDIR CFG_DEFAULT_CONFDIR
#define CLI_DEFAULT_SOCKET "/run/v6link/ctl"

struct cli_opts {
	const char *confdir;
	const char *socket;
	int debug;
	int syslog;
};

/* Runs cmd with its arguments; returns the exit status, or -1 for an unknown command/usage. */
int cli_dispatch(const struct cli_opts *o, const char *cmd, int argc, char **argv);

#endif
