/* Hooks and the state file of a connection: on every event an executable (connections.ini
 * hook=) runs with V6LINK_* variables describing the connection, as dhcpcd and odhcp6c users
 * know it; the same variables are kept in RUN_DIR/NAME.env, shell-quoted, for scripts that poll
 * or source it. The AC-Name in them is untrusted text from the network. */
#include "engine/conn_priv.h"
#include "engine/conn_trace.h"

#include "core/log.h"
#include "core/strbuf.h"
#include "daemon/spawn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOOK_MAX_VARS 48
#define HOOK_VAR_LEN 640

struct hook_env {
	unsigned n;
	char v[HOOK_MAX_VARS][HOOK_VAR_LEN];
};

static void hook_set(struct hook_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hook_set(struct hook_env *e, const char *fmt, ...)
{
	if (e->n == HOOK_MAX_VARS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->v[e->n++], HOOK_VAR_LEN, fmt, ap);
	va_end(ap);
}

/* Appends " item" to a space-separated list variable being built in buf. */
static void hook_list_add(char *buf, size_t cap, const char *item)
{
	size_t l = strlen(buf);
	snprintf(buf + l, cap - l, "%s%s", l ? " " : "", item);
}

static void hook_env_v6(const struct conn *c, struct hook_env *e)
{
	char a[INET6_ADDRSTRLEN], item[80], list[HOOK_VAR_LEN - 32] = "";
	for (unsigned i = 0; i < c->v6.n_addrs; i++) {
		snprintf(item, sizeof(item), "%s/%u", inet_ntop(AF_INET6, c->v6.addrs[i].addr, a,
								 sizeof(a)), c->v6.addrs[i].plen);
		hook_list_add(list, sizeof(list), item);
	}
	/* Router mode: the adapter's own (the kernel's SLAAC) addresses too. */
	for (unsigned i = 0; i < c->v6.n_kaddrs; i++) {
		snprintf(item, sizeof(item), "%s/%u", inet_ntop(AF_INET6, c->v6.kaddrs[i].addr, a,
								 sizeof(a)), c->v6.kaddrs[i].plen);
		hook_list_add(list, sizeof(list), item);
	}
	hook_set(e, "V6LINK_IPV6_ADDRESSES=%s", list);
	list[0] = 0;
	for (unsigned i = 0; i < c->v6.n_pd; i++) {
		snprintf(item, sizeof(item), "%s/%u", inet_ntop(AF_INET6, c->v6.pd[i].addr, a, sizeof(a)),
			 c->v6.pd[i].plen);
		hook_list_add(list, sizeof(list), item);
	}
	hook_set(e, "V6LINK_DELEGATED_PREFIXES=%s", list);
	list[0] = 0;
	for (unsigned i = 0; i < c->v6.n_rapfx; i++) {
		snprintf(item, sizeof(item), "%s/%u", inet_ntop(AF_INET6, c->v6.rapfx[i].prefix, a,
								 sizeof(a)), c->v6.rapfx[i].plen);
		hook_list_add(list, sizeof(list), item);
	}
	hook_set(e, "V6LINK_ROUTER_PREFIXES=%s", list);
	list[0] = 0;
	for (unsigned i = 0; i < c->dns_applied.n; i++)
		hook_list_add(list, sizeof(list), inet_ntop(c->dns_applied.s[i].family,
							    c->dns_applied.s[i].addr, a, sizeof(a)));
	hook_set(e, "V6LINK_DNS=%s", list);
	list[0] = 0;
	for (unsigned i = 0; i < c->dns_applied.n_domains; i++)
		hook_list_add(list, sizeof(list), c->dns_applied.domains[i]);
	hook_set(e, "V6LINK_DOMAINS=%s", list);
	/* What the DHCPv6 server returned for options we do not decode (user ORO codes). */
	for (unsigned i = 0; c->v6.has_d6_info && i < c->v6.d6_info.n_raw; i++) {
		char hex[2 * DHCP6_RAW_MAX + 1];
		const struct dhcp6_raw_opt *o = &c->v6.d6_info.raw[i];
		for (unsigned k = 0; k < o->len && k < DHCP6_RAW_MAX; k++)
			snprintf(hex + 2 * k, 3, "%02x", o->data[k]);
		hex[2 * (o->len < DHCP6_RAW_MAX ? o->len : DHCP6_RAW_MAX)] = 0;
		hook_set(e, "V6LINK_DHCP6_OPTION_%u=%s", o->code, hex);
	}
}

static void hook_env_build(const struct conn *c, const char *event, const char *const *extra,
			   struct hook_env *e)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	e->n = 0;
	hook_set(e, "V6LINK_EVENT=%s", event);
	hook_set(e, "V6LINK_CONNECTION=%s", c->cfg.name);
	hook_set(e, "V6LINK_STATE=%s", conn_state_name(c->fsm.state));
	hook_set(e, "V6LINK_INTERFACE=%s", c->lk.ifname);
	hook_set(e, "V6LINK_ADAPTER=%s", c->lk.eth.name);
	hook_set(e, "V6LINK_AC_NAME=%s", c->lk.has_session ? c->lk.ac_name : "");
	hook_set(e, "V6LINK_SESSION_ID=%u", c->lk.has_session ? c->lk.session_id : 0);
	hook_set(e, "V6LINK_MTU=%u", c->lk.mtu);
	hook_set(e, "V6LINK_IPV4_ADDRESS=%s",
		 c->lk.v4_up ? inet_ntop(AF_INET, c->lk.v4.local, a, sizeof(a)) : "");
	hook_set(e, "V6LINK_IPV4_PEER=%s",
		 c->lk.v4_up ? inet_ntop(AF_INET, c->lk.v4.peer, b, sizeof(b)) : "");
	hook_set(e, "V6LINK_IPV6_LINK_LOCAL=%s",
		 c->lk.v6_up ? inet_ntop(AF_INET6, c->host.v6_ll, a, sizeof(a)) : "");
	hook_env_v6(c, e);
	for (; extra && *extra; extra++)
		hook_set(e, "%s", *extra);
	hook_set(e, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
}

/* The state file: the variables of the last event as KEY='value' lines (sb_sh_assign), so that
 * `. NAME.env` gives back every value byte for byte and runs nothing an AC-Name carried;
 * replaced atomically. The hook's own environment stays raw: execve does not parse it. */
static void hook_write_state(const struct conn *c, const struct hook_env *e)
{
	char path[CFG_PATH_MAX + 80], tmp[CFG_PATH_MAX + 96];
	struct strbuf sb;
	sb_init(&sb);
	for (unsigned i = 0; i < e->n; i++)
		if (strncmp(e->v[i], "PATH=", 5) && !sb_sh_assign(&sb, e->v[i]))
			log_warnx("hook[%s]: '%.40s' left out of %s.env: not KEY=value",
				  c->cfg.name, e->v[i], c->cfg.name);
	mkdir(c->cfg.run_dir, 0755);
	snprintf(path, sizeof(path), "%s/%s.env", c->cfg.run_dir, c->cfg.name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	int fd = -1;
	if (!sb.oom)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		goto fail_open;
	bool ok = write(fd, sb.s, sb.len) == (ssize_t)sb.len;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) < 0)
		goto fail_write;
	sb_free(&sb);
	return;
fail_write:
	unlink(tmp);
fail_open:
	log_warn("hook[%s]: cannot write %s", c->cfg.name, path);
	sb_free(&sb);
}

/* Through the spawner (daemon/spawn.h): it resets every signal, gives the hook stdin /dev/null
 * and a session of its own, and keeps stdout and stderr the daemon's (its journal). A hook gets
 * no secrets and no descriptors of ours beyond stdio. */
static void hook_spawn(const struct conn *c, struct hook_env *e, const char *event)
{
	char *envp[HOOK_MAX_VARS + 1], label[SPAWN_LABEL_LEN];
	for (unsigned i = 0; i < e->n; i++)
		envp[i] = e->v[i];
	envp[e->n] = NULL;
	char *argv[] = { (char *)(uintptr_t)c->cfg.hook, (char *)(uintptr_t)event, NULL };
	snprintf(label, sizeof(label), "hook[%s]: %s %s", c->cfg.name, c->cfg.hook, event);
	if (spawn_run(label, c->cfg.hook, argv, envp, SPAWN_F_DETACH) < 0)
		log_warn("hook[%s]: cannot run %s for %s", c->cfg.name, c->cfg.hook, event);
}

void conn_hook(struct conn *c, const char *event, const char *const *extra)
{
	static struct hook_env e;
	/* The same events mark the trace: address added, prefix delegated, dns changed, ... */
	char what[320];
	size_t n = (size_t)snprintf(what, sizeof(what), "event %s", event);
	for (unsigned i = 0; extra && extra[i] && n < sizeof(what); i++)
		n += (size_t)snprintf(what + n, sizeof(what) - n, " %s", extra[i]);
	conn_trace_event(c, "%s", what);
	hook_env_build(c, event, extra, &e);
	hook_write_state(c, &e);
	if (c->cfg.hook[0])
		hook_spawn(c, &e, event);
}

void conn_hook_state_remove(const struct conn *c)
{
	char path[CFG_PATH_MAX + 80];
	snprintf(path, sizeof(path), "%s/%s.env", c->cfg.run_dir, c->cfg.name);
	unlink(path);
}
