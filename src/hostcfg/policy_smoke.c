/* policy-smoke: drives the daemon-wide policy table owner against the real kernel labels and a
 * gai.conf. It opens the owner (recovering what an earlier run's state file records), applies
 * ROWs as connection 1, then reads stdin:
 *   apply ROW...      connection 1's rows (none: the RFC 6724 defaults)
 *   set ID ROW...     connection ID's rows
 *   clear ID          connection ID gone
 *   any other line or EOF: undo everything and exit.
 * Usage: policy-smoke [-g GAI_PATH | -G] [-s STATE_DIR] [-R] ROW...  with ROW =
 * PREFIX/LEN,PRECEDENCE,LABEL; -G leaves gai.conf alone (default: automatic, i.e.
 * /etc/netns/NAME/gai.conf in a netns); -s keeps policy.state in STATE_DIR (default: a new
 * temporary directory, removed at exit); -R only recovers, prints "recovered" and exits. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "hostcfg/nl.h"
#include "hostcfg/policy.h"

static bool smoke_parse_row(const char *s, struct policy_row *r)
{
	char a[INET6_ADDRSTRLEN + 1];
	unsigned plen, prec, label;
	memset(r, 0, sizeof(*r));
	if (sscanf(s, "%46[0-9a-fA-F:.]/%u,%u,%u", a, &plen, &prec, &label) != 4 || plen > 128 ||
		inet_pton(AF_INET6, a, r->prefix) != 1)
		return false;
	r->plen = (uint8_t)plen;
	r->precedence = prec;
	r->label = label;
	policy_prefix_mask(r->prefix, r->plen);
	return true;
}

/* Parses the blank-separated rows of a line into rows[cap]; -1 on a bad row. */
static int smoke_parse_line(char *line, struct policy_row *rows, size_t cap)
{
	size_t n = 0;
	for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
		if (n == cap || !smoke_parse_row(tok, &rows[n])) {
			fprintf(stderr, "policy-smoke: bad row '%s'\n", tok);
			return -1;
		}
		n++;
	}
	return (int)n;
}

/* One command line; false at the end (undo). */
static bool smoke_command(struct policy_owner *o, char *line, struct policy_row *rows, int *rc)
{
	unsigned id = 1;
	char *rest = line;
	int n = 0;
	if (strncmp(line, "apply", 5) == 0) {
		rest = line + 5;
	} else if (strncmp(line, "set ", 4) == 0 || strncmp(line, "clear ", 6) == 0) {
		rest = strchr(line, ' ') + 1;
		id = (unsigned)strtoul(rest, &rest, 10);
	} else {
		return false;
	}
	if (line[0] == 'c')
		*rc = policy_owner_clear(o, id) < 0;
	else if ((n = smoke_parse_line(rest, rows, POLICY_MAX_ROWS)) < 0)
		*rc = 1;
	else
		*rc = policy_owner_set(o, id, id == 1 ? "smoke" : "smoke2", rows, (size_t)n) < 0;
	printf("%s\n", *rc ? "apply failed" : "applied");
	fflush(stdout);
	return true;
}

static int smoke_loop(struct policy_owner *o)
{
	char line[2048];
	struct policy_row rows[POLICY_MAX_ROWS];
	int rc = 0, any = 0;
	while (fgets(line, sizeof(line), stdin) && smoke_command(o, line, rows, &rc))
		any |= rc;
	rc = policy_owner_close(o) < 0;
	printf("%s\n", rc ? "undo failed" : "undone");
	return rc || any;
}

int main(int argc, char **argv)
{
	const char *gai = "", *state_dir = NULL;
	char tmp[] = "/tmp/policy-smoke-XXXXXX";
	struct policy_row rows[POLICY_MAX_ROWS];
	struct hostcfg_nl nl;
	bool only_recover = false;
	int opt, n = 0;
	log_init("policy-smoke", false, LOG_LVL_DEBUG, LOGC_ALL);
	while ((opt = getopt(argc, argv, "g:Gs:R")) != -1) {
		if (opt == 'g' || opt == 'G')
			gai = opt == 'g' ? optarg : NULL;
		else if (opt == 's')
			state_dir = optarg;
		else if (opt == 'R')
			only_recover = true;
		else
			return 2;
	}
	for (int i = optind; i < argc; i++)
		if (n == POLICY_MAX_ROWS || !smoke_parse_row(argv[i], &rows[n++])) {
			fprintf(stderr, "policy-smoke: bad row '%s'\n", argv[i]);
			return 2;
		}
	if (!state_dir && !(state_dir = mkdtemp(tmp)))
		return 1;
	struct policy_owner *o = calloc(1, sizeof(*o));
	if (!o || hostcfg_nl_open(&nl) < 0 || policy_owner_open_sys(o, &nl, state_dir, gai) < 0)
		return 1;
	printf("gai.conf: %s\n", o->gai_path[0] ? o->gai_path : "(not managed)");
	if (only_recover) {
		printf("recovered\n");
		return 0;
	}
	int rc = policy_owner_set(o, 1, "smoke", rows, (size_t)n) < 0;
	printf("%s\n", rc ? "apply failed" : "applied");
	fflush(stdout);
	rc = smoke_loop(o) || rc;
	hostcfg_nl_close(&nl);
	free(o);
	if (state_dir == tmp)
		rmdir(tmp);
	return rc;
}
