/* The resolver owner's I/O glue (resolver.h): backend detection and the per-link backends,
 * resolvectl and resolvconf, run with fork+exec and a fixed argv (no shell). */
#include "hostcfg/dns.h"
#include "hostcfg/resolver.h"

#include "core/log.h"
#include "daemon/spawn.h"
#include "hostcfg/sys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Through the spawner (daemon/spawn.h), which the daemon's seccomp filter does not bind: stdin
 * from input, stdout /dev/null, stderr the daemon's. 0 if it ran and exited 0. */
static int dns_run(char *const argv[], const char *input)
{
	char label[SPAWN_LABEL_LEN];
	int st = 0;
	snprintf(label, sizeof(label), "dns: %s %s", argv[0], argv[1]);
	if (spawn_run_wait(label, argv[0], argv, NULL, input, SPAWN_F_STDOUT_NULL, 30000, &st) < 0) {
		log_warn("dns: running %s", argv[0]);
		return -1;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

enum dns_backend resolver_detect(const char *resolv_conf, char *path, size_t cap)
{
	char ns[64];
	path[0] = '\0';
	if (resolv_conf && resolv_conf[0]) {
		snprintf(path, cap, "%s", resolv_conf);
		return DNS_BACKEND_FILE;
	}
	if (hostcfg_netns_name(ns, sizeof(ns))) {
		snprintf(path, cap, "/etc/netns/%s/resolv.conf", ns);
		return DNS_BACKEND_FILE;
	}
	if (access("/run/systemd/resolve/io.systemd.Resolve", F_OK) == 0 &&
	    access("/usr/bin/resolvectl", X_OK) == 0)
		return DNS_BACKEND_RESOLVED;
	if (access("/sbin/resolvconf", X_OK) == 0)
		return DNS_BACKEND_RESOLVCONF;
	snprintf(path, cap, "/etc/resolv.conf");
	return DNS_BACKEND_FILE;
}

static int dns_resolved_set(const char *ifname, const struct dns_servers *d)
{
	char args[DNS_MAX_SERVERS + DNS_MAX_DOMAINS + 4][INET6_ADDRSTRLEN + DNS_DOMAIN_LEN];
	char *argv[DNS_MAX_SERVERS + DNS_MAX_DOMAINS + 5];
	char ifn[16];
	unsigned n = 0;
	snprintf(ifn, sizeof(ifn), "%s", ifname);
	argv[n++] = (char *)(uintptr_t)"/usr/bin/resolvectl";
	argv[n++] = (char *)(uintptr_t)"dns";
	argv[n++] = ifn;
	for (unsigned i = 0; i < d->n; i++) {
		inet_ntop(d->s[i].family, d->s[i].addr, args[i], sizeof(args[i]));
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	if (dns_run(argv, NULL) < 0)
		return -1;
	n = 3;
	argv[1] = (char *)(uintptr_t)"domain";
	for (unsigned i = 0; i < d->n_domains; i++)
		argv[n++] = (char *)(uintptr_t)d->domains[i];
	argv[n] = NULL;
	return dns_run(argv, NULL);
}

static int dns_sys_link_set(void *ctx, enum dns_backend b, const char *ifname,
			    const struct dns_servers *d, const char *text)
{
	char name[64];
	(void)ctx;
	int rc = -1;
	if (b == DNS_BACKEND_RESOLVED) {
		rc = dns_resolved_set(ifname, d);
	} else if (b == DNS_BACKEND_RESOLVCONF) {
		snprintf(name, sizeof(name), "%s.v6link", ifname);
		char *argv[] = { (char *)(uintptr_t)"/sbin/resolvconf", (char *)(uintptr_t)"-a", name,
				 NULL };
		rc = dns_run(argv, text);
	}
	if (rc < 0)
		log_warnx("dns: %s on %s failed", dns_backend_name(b), ifname);
	return rc;
}

static int dns_sys_link_clear(void *ctx, enum dns_backend b, const char *ifname)
{
	char name[64];
	(void)ctx;
	snprintf(name, sizeof(name), "%s", ifname);
	if (b == DNS_BACKEND_RESOLVED) {
		char *argv[] = { (char *)(uintptr_t)"/usr/bin/resolvectl", (char *)(uintptr_t)"revert",
				 name, NULL };
		return dns_run(argv, NULL);
	}
	if (b == DNS_BACKEND_RESOLVCONF) {
		snprintf(name, sizeof(name), "%s.v6link", ifname);
		char *argv[] = { (char *)(uintptr_t)"/sbin/resolvconf", (char *)(uintptr_t)"-d", name,
				 NULL };
		return dns_run(argv, NULL);
	}
	return 0;
}

const struct resolver_ops resolver_sys_ops = {
	.link_set = dns_sys_link_set,
	.link_clear = dns_sys_link_clear,
};

int resolver_open_sys(struct resolver *r, const char *state_dir, const char *resolv_conf)
{
	char path[HOSTCFG_PATH_MAX];
	struct resolver_cfg cfg = {
		.state_dir = state_dir,
		.backend = resolver_detect(resolv_conf, path, sizeof(path)),
		.path = path,
		.ops = &resolver_sys_ops,
	};
	return resolver_open(r, &cfg);
}
