/* policy-smoke: applies an RFC 7078 style policy table to the kernel labels and a gai.conf, then
 * reads stdin: "apply ROW..." applies a new set, any other line or EOF undoes and exits.
 * Usage: policy-smoke [-g GAI_PATH | -G] ROW...  with ROW = PREFIX/LEN,PRECEDENCE,LABEL;
 * -G leaves gai.conf alone; default is automatic (/etc/netns/NAME/gai.conf in a netns). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
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

/* Parses the blank-separated rows of a line (after "apply") into rows[cap]; -1 on a bad row. */
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

static int smoke_loop(struct policy_state *st)
{
	char line[2048];
	struct policy_row rows[POLICY_MAX_ROWS];
	int rc = 0;
	while (fgets(line, sizeof(line), stdin) && strncmp(line, "apply", 5) == 0) {
		int n = smoke_parse_line(line + 5, rows, POLICY_MAX_ROWS);
		if (n < 0 || policy_apply(st, rows, (size_t)n) < 0)
			rc = 1;
		printf("%s\n", rc ? "apply failed" : "applied");
		fflush(stdout);
	}
	if (policy_undo(st) < 0)
		rc = 1;
	printf("%s\n", rc ? "undo failed" : "undone");
	return rc;
}

int main(int argc, char **argv)
{
	const char *gai = "";
	struct policy_row rows[POLICY_MAX_ROWS];
	struct policy_state st;
	int opt, n = 0;
	log_init("policy-smoke", false, LOG_LVL_DEBUG, LOGC_ALL);
	while ((opt = getopt(argc, argv, "g:G")) != -1)
		gai = opt == 'g' ? optarg : opt == 'G' ? NULL : gai;
	for (int i = optind; i < argc; i++)
		if (n == POLICY_MAX_ROWS || !smoke_parse_row(argv[i], &rows[n++])) {
			fprintf(stderr, "policy-smoke: bad row '%s'\n", argv[i]);
			return 2;
		}
	policy_init(&st, "smoke", gai);
	printf("gai.conf: %s\n", st.gai_path[0] ? st.gai_path : "(not managed)");
	int rc = policy_apply(&st, rows, (size_t)n) < 0;
	printf("%s\n", rc ? "apply failed" : "applied");
	fflush(stdout);
	return smoke_loop(&st) || rc;
}
