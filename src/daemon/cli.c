/* CLI commands: run, up, down, status, passwd, version. */
#include "daemon/cli.h"

#include "cfg/cfg_perm.h"
#include "cfg/secret.h"
#include "ctl/ctl.h"
#include "daemon/daemon.h"
#include "engine/detect.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

/* Reads one line without echo from the tty, or from stdin when it is not a tty. */
static int cli_read_password(char *buf, size_t cap)
{
	struct termios old, noecho;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fprintf(stderr, "Password: ");
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	}
	char *r = fgets(buf, (int)cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!r)
		return -1;
	buf[strcspn(buf, "\r\n")] = 0;
	return 0;
}

static int cli_passwd(const struct cli_opts *o, const char *conn)
{
	static struct cfg_param p;
	static struct cfg_conns cs;
	int rc = daemon_load_config(o->confdir, &p, &cs);
	if (rc)
		return rc;
	if (!cfg_conn_find(&cs, conn)) {
		fprintf(stderr, "v6link: no connection '%s' in %s/connections.ini\n", conn, o->confdir);
		return 2;
	}
	char path[512], err[512], plain[CFG_SECRET_PLAIN_MAX + 2], enc[CFG_PASSWORD_ENC_MAX];
	uint8_t key[CFG_SECRET_KEY_LEN];
	if (sodium_init() < 0 || cli_read_password(plain, sizeof(plain)) < 0 || !plain[0]) {
		fprintf(stderr, "v6link: passwd: no password read\n");
		return 1;
	}
	/* The systemd credential v6link.key when there is one (never created there), else
	 * CONFDIR/secret.key, created on first use. */
	bool is_cred = cfg_secret_key_where(o->confdir, path, sizeof(path));
	rc = 1;
	if ((is_cred ? cfg_secret_key_load_any(o->confdir, key, err, sizeof(err))
		     : cfg_secret_key_load_or_create(path, key, err, sizeof(err))) < 0) {
		fprintf(stderr, "v6link: %s\n", err);
		goto out;
	}
	enum cfg_secret_err e = cfg_secret_encrypt(key, plain, strlen(plain), enc, sizeof(enc));
	if (e != CFG_SECRET_OK) {
		fprintf(stderr, "v6link: passwd: %s\n", cfg_secret_err_str(e));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/connections.ini", o->confdir);
	if (cfg_passwd_store(path, conn, enc, err, sizeof(err)) < 0) {
		fprintf(stderr, "v6link: %s\n", err);
		goto out;
	}
	fprintf(stderr, "v6link: password of '%s' stored encrypted in %s\n", conn, path);
	rc = 0;
out:
	sodium_memzero(plain, sizeof(plain));
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* trace [-w FILE|-] [CONN]: the daemon's live pcapng to FILE or stdout ('-'). */
static int cli_trace(const struct cli_opts *o, int argc, char **argv)
{
	const char *file = NULL, *conn = "";
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-w") && i + 1 < argc)
			file = argv[++i];
		else if (argv[i][0] != '-' && !conn[0])
			conn = argv[i];
		else
			return -1;
	}
	if (!file && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "v6link: trace writes binary pcapng: give -w FILE, or pipe it "
				"(v6link trace -w - | wireshark -k -i -)\n");
		return 2;
	}
	int fd = STDOUT_FILENO;
	if (file && strcmp(file, "-") != 0) {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (fd < 0) {
			fprintf(stderr, "v6link: trace: %s: %s\n", file, strerror(errno));
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	char line[96];
	snprintf(line, sizeof(line), conn[0] ? "trace %s" : "trace", conn);
	int rc = ctl_client_stream(o->socket, line, fd);
	if (fd != STDOUT_FILENO)
		close(fd);
	return rc;
}

static void cli_detect_done(void *ctx)
{
	loop_stop(ctx);
}

/* detect [--json] [IFNAME ...]: probes and prints; changes nothing on the host. */
static int cli_detect(const struct cli_opts *o, int argc, char **argv)
{
	static struct cfg_param p;
	static struct cfg_msgs errs;
	char path[512];
	bool json = false;
	struct cfg_dial dial;
	snprintf(path, sizeof(path), "%s/v6link.ini", o->confdir);
	if ((access(path, F_OK) == 0 &&
	     cfg_perm_check(path, CFG_PERM_CONFIG, geteuid(), false, &errs) < 0) ||
	    cfg_param_load(path, true, &p, &errs, NULL) < 0) {
		for (unsigned i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.text[i]);
		return 2;
	}
	cfg_dial_defaults(&dial);
	struct det *dt = det_new(&p, dial.timeout_ms, dial.retries);
	struct loop *l = loop_new();
	int rc = 1;
	if (!dt || !l)
		goto out;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (det_add_if(dt, argv[i]) < 0)
			goto out;
	}
	if (!det_n_if(dt))
		det_add_all(dt);
	if (!det_n_if(dt)) {
		fprintf(stderr, "v6link: detect: no Ethernet adapter is up\n");
		goto out;
	}
	if (det_start(dt, l, NULL, cli_detect_done, l) < 0 || loop_run(l) < 0)
		goto out;
	struct strbuf sb;
	sb_init(&sb);
	det_report(dt, json, &sb);
	fputs(sb.s ? sb.s : "", stdout);
	sb_free(&sb);
	rc = 0;
out:
	det_free(dt);
	loop_free(l);
	return rc;
}

int cli_dispatch(const struct cli_opts *o, const char *cmd, int argc, char **argv)
{
	char line[128];
	if (!strcmp(cmd, "version") && argc == 0) {
		printf("v6link %s\n", V6L_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "run") && argc <= 1)
		return daemon_run(o, argc ? argv[0] : NULL);
	if ((!strcmp(cmd, "up") || !strcmp(cmd, "down")) && argc == 1) {
		snprintf(line, sizeof(line), "%s %s", cmd, argv[0]);
		return ctl_client_request(o->socket, line);
	}
	if (!strcmp(cmd, "status") && argc <= 1) {
		if (argc && strcmp(argv[0], "--json") != 0)
			return -1;
		return ctl_client_request(o->socket, argc ? "status json" : "status");
	}
	if (!strcmp(cmd, "passwd") && argc == 1)
		return cli_passwd(o, argv[0]);
	if (!strcmp(cmd, "detect"))
		return cli_detect(o, argc, argv);
	if (!strcmp(cmd, "trace"))
		return cli_trace(o, argc, argv);
	return -1;
}
