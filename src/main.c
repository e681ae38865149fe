/* v6link entry point: global options, then one command (DESIGN.md "The command line"). */
#include "daemon/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: v6link [-C CONFDIR] [-S SOCKET] [-d] COMMAND\n"
		"  run [CONN]        run the daemon in the foreground (dials CONN now)\n"
		"  up CONN           dial CONN through the running daemon\n"
		"  down CONN         hang CONN up\n"
		"  status [--json]   state of every connection\n"
		"  passwd CONN       read a password (tty prompt or stdin) and store it encrypted\n"
		"  detect [--json] [IFNAME ...]  probe adapters, print the mode each would get\n"
		"  trace [-w FILE|-] [CONN]  live pcapng of what the daemon sees (wireshark -k -i -)\n"
		"  version           print the version\n"
		"options: -C CONFDIR (default %s), -S SOCKET (default %s), -d debug log,\n"
		"         -s log to syslog\n",
		CLI_DEFAULT_CONFDIR, CLI_DEFAULT_SOCKET);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli_opts o = { .confdir = CLI_DEFAULT_CONFDIR, .socket = CLI_DEFAULT_SOCKET };
	int c;
	/* --help before the options: getopt knows only short ones. */
	for (int i = 1; i < argc && argv[i][0] == '-'; i++)
		if (!strcmp(argv[i], "--help"))
			return usage(stdout, 0);
	while ((c = getopt(argc, argv, "+C:S:dsh")) != -1) {
		switch (c) {
		case 'C': o.confdir = optarg; break;
		case 'S': o.socket = optarg; break;
		case 'd': o.debug = 1; break;
		case 's': o.syslog = 1; break;
		case 'h': return usage(stdout, 0);
		default: return usage(stderr, 2);
		}
	}
	if (optind >= argc)
		return usage(stderr, 2);
	const char *cmd = argv[optind];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "help"))
		return usage(stdout, 0);
	int rc = cli_dispatch(&o, cmd, argc - optind - 1, argv + optind + 1);
	return rc < 0 ? usage(stderr, 2) : rc;
}
