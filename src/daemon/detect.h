/* `v6link detect`: probes Ethernet adapters for a PPPoE access concentrator (PADI), IPv6
 * routers (Router Solicitation), DHCPv6 servers (Solicit) and DHCPv4 servers (DISCOVER, probe
 * only: never a REQUEST), prints what answered and the mode each adapter would get. It changes
 * nothing on the host. */
#ifndef V6L_DETECT_H
#define V6L_DETECT_H

#include "daemon/cli.h"

/* argv: optional adapter names and --json. Returns the exit status. */
int detect_run(const struct cli_opts *o, int argc, char **argv);

#endif
