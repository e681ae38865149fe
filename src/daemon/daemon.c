/* The daemon; see daemon.h. */
#include "daemon/daemon.h"

#include "cfg/cfg_perm.h"
#include "cfg/secret.h"
#include "core/clock.h"
#include "core/log.h"
#include "ctl/ctl.h"
#include "daemon/sandbox.h"
#include "daemon/sandbox_seccomp.h"
#include "daemon/notify.h"
#include "daemon/spawn.h"
#include "hostcfg/file.h"
#include "hostcfg/policy.h"
#include "hostcfg/resolver.h"
#include "hostcfg/sys.h"
#include "engine/conn_trace.h"
#include "trace/trace_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DAEMON_MAX_CONNS CFG_MAX_CONNS
#define DAEMON_STOP_GRACE_MS 5000u

struct daemon {
	struct loop *loop;
	struct v6l_rng rng;
	struct conn *conns[DAEMON_MAX_CONNS];
	bool activate[DAEMON_MAX_CONNS]; /* enabled=1 or `run NAME`: opened at start */
	unsigned n_conns;
	struct ctl_server *ctl;
	bool stopping;
	struct loop_timer stop_timer;
	char run_dir[CFG_PATH_MAX], state_dir[CFG_PATH_MAX]; /* this instance's */
	char resolv_path[HOSTCFG_PATH_MAX], gai_path[HOSTCFG_PATH_MAX]; /* the host files */
	/* The owners of what connections share on the host, opened before any connection. */
	struct resolver resolver;
	struct policy_owner policy;
	struct hostcfg_nl policy_nl;
	bool has_resolver, has_policy;
};

static void daemon_print_msgs(const struct cfg_msgs *m, const char *prefix)
{
	for (unsigned i = 0; i < m->n; i++)
		fprintf(stderr, "%s%s\n", prefix, m->text[i]);
	if (m->n_dropped)
		fprintf(stderr, "%s(%u more)\n", prefix, m->n_dropped);
}

int daemon_load_config(const char *confdir, struct cfg_param *p, struct cfg_conns *cs)
{
	char path[512];
	static struct cfg_msgs errs, warns;
	memset(&errs, 0, sizeof(errs));
	memset(&warns, 0, sizeof(warns));
	snprintf(path, sizeof(path), "%s/v6link.ini", confdir);
	/* Whoever can write a file v6link acts on as root can run a program as root: owner and
	 * mode come first (sshd's StrictModes), the directory with connections.ini. */
	int rc = access(path, F_OK) == 0 ?
		cfg_perm_check(path, CFG_PERM_CONFIG, geteuid(), false, &errs) : 0;
	rc |= cfg_param_load(path, true, p, &errs, &warns);
	/* Both files are checked, so that one run reports every error; with a bad v6link.ini,
	 * connections.ini is checked against the defaults of its [param] keys. */
	if (rc != 0)
		cfg_param_defaults(p);
	snprintf(path, sizeof(path), "%s/connections.ini", confdir);
	if (access(path, F_OK) == 0)
		rc |= cfg_perm_check(path, CFG_PERM_CONFIG, geteuid(), true, &errs);
	rc |= cfg_conns_load(path, p, cs, &errs, &warns);
	daemon_print_msgs(&warns, "warning: ");
	daemon_print_msgs(&errs, "");
	return rc == 0 ? 0 : 2;
}

static struct conn *daemon_find(struct daemon *d, const char *name)
{
	for (unsigned i = 0; i < d->n_conns; i++)
		if (!strcmp(conn_name(d->conns[i]), name))
			return d->conns[i];
	return NULL;
}

/* `v6link trace`: the socket becomes a live reader of the connection's pcapng stream. */
static int daemon_trace(struct daemon *d, struct conn *c, int fd, char *err, size_t errlen)
{
	if (!c && d->n_conns)
		c = d->conns[0];
	if (!c) {
		snprintf(err, errlen, "no connection in this daemon");
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || conn_trace_add_reader(c, fd) < 0) {
		snprintf(err, errlen, "%s: %s", conn_name(c),
			 errno == ENOENT ? "no trace yet (detection still running?)" :
			 errno == EBUSY ? "too many live readers" : strerror(errno));
		return -1;
	}
	return 1;
}

static int daemon_on_ctl(void *ctx, const struct ctl_req *req, struct strbuf *out, char *err,
			 size_t errlen)
{
	struct daemon *d = ctx;
	uint64_t now = clock_now_ms();
	struct conn *c = NULL;
	if (req->cmd == CTL_CMD_UP || req->cmd == CTL_CMD_DOWN ||
	    (req->cmd == CTL_CMD_TRACE && req->arg[0])) {
		c = daemon_find(d, req->arg);
		if (!c) {
			snprintf(err, errlen, "no connection '%s' in this daemon", req->arg);
			return -1;
		}
	}
	switch (req->cmd) {
	case CTL_CMD_TRACE:
		return daemon_trace(d, c, req->stream_fd, err, errlen);
	case CTL_CMD_STATUS:
		for (unsigned i = 0; i < d->n_conns; i++)
			conn_status_text(d->conns[i], out, now);
		break;
	case CTL_CMD_STATUS_JSON:
		sb_printf(out, "{\"version\":\"%s\",\"connections\":[", V6L_VERSION);
		for (unsigned i = 0; i < d->n_conns; i++) {
			sb_printf(out, i ? "," : "");
			conn_status_json(d->conns[i], out, now);
		}
		sb_printf(out, "],");
		ctl_server_status_json(d->ctl, out);
		sb_printf(out, "}\n");
		break;
	case CTL_CMD_UP:
		conn_up(c, "'v6link up' from the control socket", now);
		sb_printf(out, "%s: dialling\n", req->arg);
		break;
	case CTL_CMD_DOWN:
		conn_down(c, "'v6link down' from the control socket", false, now, NULL, NULL);
		sb_printf(out, "%s: hanging up\n", req->arg);
		break;
	}
	return 0;
}

static void daemon_check_stopped(void *ctx, struct conn *c)
{
	struct daemon *d = ctx;
	(void)c;
	for (unsigned i = 0; i < d->n_conns; i++)
		if (!conn_is_idle(d->conns[i]))
			return;
	loop_stop(d->loop);
}

static void daemon_on_stop_timer(void *arg, uint64_t now)
{
	struct daemon *d = arg;
	(void)now;
	log_warnx("daemon: connections did not hang up within %u ms; exiting anyway",
		  DAEMON_STOP_GRACE_MS);
	loop_stop(d->loop);
}

static void daemon_on_signal(void *arg, int signo)
{
	struct daemon *d = arg;
	uint64_t now = clock_now_ms();
	if (d->stopping) {
		loop_stop(d->loop);
		return;
	}
	d->stopping = true;
	notify_send("STOPPING=1\nSTATUS=hanging up and cleaning up");
	log_info("daemon: %s: hanging up and cleaning up", strsignal(signo));
	loop_timer_set(d->loop, &d->stop_timer, now + DAEMON_STOP_GRACE_MS);
	for (unsigned i = 0; i < d->n_conns; i++)
		conn_down(d->conns[i], "daemon stopping", true, now, daemon_check_stopped, d);
	daemon_check_stopped(d, NULL);
}

/* systemd (Type=notify): one STATUS= line with every connection's state, on each change. */
static void daemon_on_state(void *ctx, struct conn *changed)
{
	struct daemon *d = ctx;
	char line[512] = "STATUS=", one[160];
	(void)changed;
	for (unsigned i = 0; i < d->n_conns; i++) {
		conn_summary(d->conns[i], one, sizeof(one));
		size_t l = strlen(line);
		snprintf(line + l, sizeof(line) - l, "%s%s", i ? "; " : "", one);
	}
	notify_send(line);
}

/* This instance's run and state directories (cfg_instance_dirs), so that daemons in several
 * namespaces never share a file. */
static void daemon_dirs(struct daemon *d, const struct cli_opts *o, const struct cfg_param *p)
{
	char ns[64] = "";
	if (!hostcfg_netns_name(ns, sizeof(ns)))
		ns[0] = 0;
	cfg_instance_dirs(p, o->confdir, o->socket, ns, d->run_dir, d->state_dir);
}

/* The resolver and policy table owners: recovery after a crash runs here, once, before any
 * connection exists. */
static int daemon_open_owners(struct daemon *d)
{
	if (resolver_open_sys(&d->resolver, d->state_dir, d->resolv_path) < 0)
		return 1;
	d->has_resolver = true;
	if (hostcfg_nl_open(&d->policy_nl) < 0) {
		log_warn("daemon: rtnetlink");
		return 1;
	}
	if (policy_owner_open_sys(&d->policy, &d->policy_nl, d->state_dir, d->gai_path) < 0)
		return 1;
	d->has_policy = true;
	return 0;
}

static int daemon_add_conns(struct daemon *d, const struct cli_opts *o, const struct cfg_param *p,
			    const struct cfg_conns *cs, const char *only)
{
	static struct conn_cfg cc;
	for (unsigned i = 0; i < cs->n; i++) {
		const struct cfg_conn *k = &cs->conn[i];
		/* Without NAME every connection is there for `v6link up`; enabled=1 ones start. */
		if (only && strcmp(k->name, only) != 0)
			continue;
		int rc = daemon_conn_cfg(o->confdir, p, k, &cc);
		if (rc)
			return rc;
		snprintf(cc.run_dir, sizeof(cc.run_dir), "%s", d->run_dir);
		snprintf(cc.state_dir, sizeof(cc.state_dir), "%s", d->state_dir);
		struct conn_shared own = { .resolver = &d->resolver, .policy = &d->policy,
					   .on_state = daemon_on_state, .ctx = d };
		struct conn *c = conn_new(d->loop, &cc, &d->rng, &own, i);
		sodium_memzero(&cc, sizeof(cc));
		if (!c)
			return 1;
		d->conns[d->n_conns] = c;
		d->activate[d->n_conns++] = only || k->enabled;
	}
	if (only && !d->n_conns) {
		fprintf(stderr, "v6link: no connection '%s' in %s/connections.ini\n", only, o->confdir);
		return 2;
	}
	unsigned n_enabled = 0;
	for (unsigned i = 0; i < cs->n; i++)
		n_enabled += cs->conn[i].enabled;
	if (!only && !n_enabled)
		log_info("daemon: no connection has enabled=1; waiting for 'v6link up NAME'");
	return 0;
}

/* What the connections to run use as root, checked before anything starts: each hook= and its
 * directory (cfg_perm.h), and the key (secret.key or the credential) when a password is stored. 0, or 2 with the reasons
 * on stderr. */
static int daemon_check_files(const char *confdir, const struct cfg_conns *cs, const char *only)
{
	static struct cfg_msgs errs;
	char err[CFG_PATH_MAX + 200];
	uint8_t key[CFG_SECRET_KEY_LEN];
	bool has_password = false;
	int rc = 0;
	memset(&errs, 0, sizeof(errs));
	for (unsigned i = 0; i < cs->n; i++) {
		const struct cfg_conn *k = &cs->conn[i];
		if (only && strcmp(k->name, only) != 0)
			continue;
		if (k->hook[0])
			rc |= cfg_perm_check(k->hook, CFG_PERM_HOOK, geteuid(), true, &errs);
		has_password = has_password || k->password_enc[0];
	}
	if (has_password && cfg_secret_key_load_any(confdir, key, err, sizeof(err)) < 0) {
		cfg_msgs_add(&errs, "%s", err);
		rc = -1;
	}
	sodium_memzero(key, sizeof(key));
	daemon_print_msgs(&errs, "");
	return rc ? 2 : 0;
}

/* The spawner, once it exits, is the only child: hooks are the spawner's. */
static void daemon_on_sigchld(void *arg, int signo)
{
	(void)arg;
	(void)signo;
	while (waitpid(-1, NULL, WNOHANG) > 0) {
	}
}

/* The spawner (spawn.h) runs every hook= of the connections to run and the resolver's tools,
 * and nothing else; it is forked before any password is decrypted and before anything is read
 * from the network. It also writes the host files, decided here once: resolv.conf (when that
 * is the resolver's backend) and its backup, and gai.conf; the owners open them by the same
 * paths, and every operation on those paths goes to the spawner from now on. */
static int daemon_start_spawner(struct daemon *d, const struct cfg_conns *cs, const char *only)
{
	const char *progs[SPAWN_MAX_PROGS], *files[3];
	static char backup[HOSTCFG_PATH_MAX + 32];
	unsigned n = 0, n_files = 0;
	progs[n++] = "/usr/bin/resolvectl";
	progs[n++] = "/sbin/resolvconf";
	for (unsigned i = 0; i < cs->n && n < SPAWN_MAX_PROGS; i++)
		if ((!only || !strcmp(cs->conn[i].name, only)) && cs->conn[i].hook[0])
			progs[n++] = cs->conn[i].hook;
	if (resolver_detect(NULL, d->resolv_path, sizeof(d->resolv_path)) == DNS_BACKEND_FILE) {
		snprintf(backup, sizeof(backup), "%s/%s", d->state_dir, RESOLVER_BACKUP_FILE);
		files[n_files++] = d->resolv_path;
		files[n_files++] = backup;
	}
	policy_gai_path(d->gai_path, sizeof(d->gai_path));
	files[n_files++] = d->gai_path;
	if (spawn_start(progs, n, files, n_files, sandbox_needs_bind(cs, only)) < 0)
		return 1;
	hostcfg_file_set_broker(&spawn_file_broker);
	return 0;
}

static int daemon_setup(struct daemon *d, const struct cli_opts *o)
{
	d->loop = loop_new();
	if (!d->loop || rng_init_secure(&d->rng) < 0) {
		log_warn("daemon: start-up");
		return 1;
	}
	loop_timer_init(&d->stop_timer, daemon_on_stop_timer, d);
	signal(SIGPIPE, SIG_IGN);
	if (loop_add_signal(d->loop, SIGTERM, daemon_on_signal, d) < 0 ||
	    loop_add_signal(d->loop, SIGINT, daemon_on_signal, d) < 0 ||
	    loop_add_signal(d->loop, SIGCHLD, daemon_on_sigchld, d) < 0) {
		log_warn("daemon: signals");
		return 1;
	}
	if (spawn_attach(d->loop) < 0)
		return 1;
	d->ctl = ctl_server_new(d->loop, o->socket, daemon_on_ctl, d);
	return d->ctl ? 0 : 1;
}

static void daemon_teardown(struct daemon *d)
{
	for (unsigned i = 0; i < d->n_conns; i++)
		conn_free(d->conns[i]);
	if (d->has_resolver)
		resolver_close(&d->resolver);
	if (d->has_policy)
		policy_owner_close(&d->policy);
	if (d->policy_nl.sock)
		hostcfg_nl_close(&d->policy_nl);
	ctl_server_free(d->ctl);
	/* After the last hook, resolvectl and host file: the spawner runs what it has queued, then
	 * exits. */
	spawn_stop();
	hostcfg_file_set_broker(NULL);
	if (d->loop) {
		loop_timer_stop(d->loop, &d->stop_timer);
		loop_free(d->loop);
	}
}

/* The text trace TRACE_DIR/v6link-YYYYmmdd-HHMMSS.txt: func_trace=0 the minimum (state
 * changes, warnings, errors: what the log says at info level), 1 also every protocol category's
 * debug lines but data, 2 data too, whatever the log level. */
static void daemon_text_trace(const struct cfg_param *p)
{
	char path[CFG_PATH_MAX + 64], stamp[32];
	if (!p->trace_dir[0])
		return;
	trace_mkdir_p(p->trace_dir, 0750);
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(path, sizeof(path), "%s/v6link-%s.txt", p->trace_dir, stamp);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!f) {
		log_warn("daemon: text trace %s", path);
		if (fd >= 0)
			close(fd);
		return;
	}
	log_set_trace(f, p->func_trace >= 2 ? LOGC_ALL : p->func_trace ? (LOGC_ALL & ~LOGC_DATA) : 0);
	log_info("daemon: text trace %s (func_trace=%u)", path, p->func_trace);
}

/* Gives the daemon's directories to its user (sandbox_user_dirs): run, state, trace and the
 * control socket's; the resolver's backup in the state directory stays as the spawner made it,
 * and the state directory writable by group root for the spawner to make it. */
static void daemon_give_dirs(struct daemon *d, const struct cli_opts *o,
			     const struct cfg_param *p, struct sandbox_user *u)
{
	char sock_dir[CFG_PATH_MAX];
	snprintf(sock_dir, sizeof(sock_dir), "%s", o->socket);
	char *slash = strrchr(sock_dir, '/');
	if (slash && slash != sock_dir)
		*slash = 0;
	else
		sock_dir[0] = 0;
	const char *dirs[] = { d->run_dir, d->state_dir, p->trace_dir, sock_dir };
	sandbox_user_dirs(u, dirs, 4, RESOLVER_BACKUP_FILE, d->state_dir);
}

int daemon_run(const struct cli_opts *o, const char *only)
{
	struct sandbox_user user;
	static struct cfg_param p;
	static struct cfg_conns cs;
	static struct daemon d;
	memset(&d, 0, sizeof(d));
	/* No core file and no ptrace by the same user before any secret is read. */
	if (sandbox_early() < 0)
		return 1;
	int rc = daemon_load_config(o->confdir, &p, &cs);
	if (!rc)
		rc = daemon_check_files(o->confdir, &cs, only);
	if (rc)
		return rc;
	log_init("v6link", o->syslog, o->debug ? LOG_LVL_DEBUG : p.log_level, LOGC_ALL);
	rc = sandbox_user_resolve(p.user, &user);
	if (rc)
		return rc;
	daemon_dirs(&d, o, &p);
	if (daemon_start_spawner(&d, &cs, only))
		return 1;
	if (p.keep_ppinfo)
		log_info("daemon: keep_ppinfo=1 in v6link.ini has no meaning on Linux (accepted for "
			 "the original product's files)");
	daemon_text_trace(&p);
	if (sodium_init() < 0)
		log_fatalx("daemon: libsodium failed to initialise");
	rc = daemon_setup(&d, o);
	if (!rc)
		rc = daemon_open_owners(&d);
	if (!rc)
		rc = daemon_add_conns(&d, o, &p, &cs, only);
	/* Before any connection starts a thread or a hook: they inherit what is left, the user
	 * (user=) included. */
	if (!rc)
		daemon_give_dirs(&d, o, &p, &user);
	if (!rc && sandbox_drop(sandbox_needs_bind(&cs, only), "daemon", &user) < 0)
		rc = 1;
	/* Sockets, netlink and the control socket are open, hooks go through the spawner: from
	 * here on only the allow-list (seccomp=0 in v6link.ini: none). */
	if (!rc && p.seccomp && sandbox_seccomp_install() < 0)
		rc = 1;
	else if (!rc && !p.seccomp)
		log_info("daemon: seccomp=0: no system call filter");
	if (!rc) {
		uint64_t now = clock_now_ms();
		log_info("v6link %s running: %u connection(s), control socket %s", V6L_VERSION,
			 d.n_conns, o->socket);
		for (unsigned i = 0; i < d.n_conns; i++) {
			conn_start(d.conns[i], d.activate[i], now);
			if (only)
				conn_up(d.conns[i], "'v6link run NAME'", now);
		}
		/* The control socket listens and every connection has started. */
		notify_send("READY=1");
		daemon_on_state(&d, NULL);
		if (loop_run(d.loop) < 0)
			rc = 1;
	}
	daemon_teardown(&d);
	log_info("v6link: exited, host configuration restored");
	log_set_trace(NULL, 0);
	return rc;
}
