/* Test driver for the DNS proxy (issue #5 interop test and bench): one dns_proxy in a loop until
 * SIGTERM/SIGINT, stats as one JSON line on stdout at exit and on SIGUSR1. Not installed. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "dns/dns_proxy.h"
#include "hostcfg/dns.h"

struct drv {
	struct loop *l;
	struct dns_proxy *p;
	bool has_route;
};

static bool drv_route(void *ctx, const uint8_t dst[4])
{
	const struct drv *d = ctx;
	(void)dst;
	return d->has_route;
}

/* Parses "ADDR[,ADDR...]" into family/address pairs through add(); false on a bad address. */
static bool drv_addrs(char *list, void (*add)(void *, int, const uint8_t *), void *arg)
{
	for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
		uint8_t a[16] = { 0 };
		int af = strchr(t, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(af, t, a) != 1) {
			fprintf(stderr, "bad address '%s'\n", t);
			return false;
		}
		add(arg, af, a);
	}
	return true;
}

static void drv_add_listen(void *arg, int af, const uint8_t *a)
{
	struct dns_proxy_cfg *c = arg;
	if (c->n_listen < DNS_PROXY_MAX_LISTEN) {
		c->listen[c->n_listen].family = af;
		memcpy(c->listen[c->n_listen].addr, a, 16);
		c->n_listen++;
	}
}

static void drv_add_server(void *arg, int af, const uint8_t *a)
{
	dns_servers_add(arg, af, a);
}

static bool drv_pool(const char *s, struct dns_map_cfg *m)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash = 0;
	m->pool_len = (uint8_t)atoi(slash + 1);
	return inet_pton(AF_INET, buf, m->pool) == 1;
}

static void drv_print_stats(const struct drv *d)
{
	struct dns_proxy_stats s;
	dns_proxy_stats(d->p, &s);
	printf("{\"queries\": %lu, \"queries_tcp\": %lu, \"cache_hits\": %lu, \"forwarded\": %lu, "
		"\"synthesized\": %lu, \"ptr_answered\": %lu, \"truncated\": %lu, "
		"\"upstream_sent\": %lu, \"upstream_timeouts\": %lu, \"failovers\": %lu, "
		"\"upstream_rejected\": %lu, \"upstream_tcp\": %lu, \"servfail\": %lu, "
		"\"tcp_conns\": %lu, \"drop_malformed\": %lu, \"drop_busy\": %lu, "
		"\"drop_tcp_limit\": %lu, \"drop_tcp_oversize\": %lu, \"drop_send\": %lu, "
		"\"drop_not_host\": %lu, \"drop_ratelimit\": %lu, "
		"\"map_used\": %u, \"outstanding\": %u}\n",
		s.queries, s.queries_tcp, s.cache_hits, s.forwarded, s.synthesized, s.ptr_answered,
		s.truncated, s.upstream_sent, s.upstream_timeouts, s.failovers, s.upstream_rejected,
		s.upstream_tcp, s.servfail, s.tcp_conns, s.drop_malformed, s.drop_busy,
		s.drop_tcp_limit, s.drop_tcp_oversize, s.drop_send, s.drop_not_host, s.drop_ratelimit,
		s.map_used, s.outstanding);
	fflush(stdout);
}

static void drv_on_signal(void *arg, int signo)
{
	struct drv *d = arg;
	if (signo == SIGUSR1)
		drv_print_stats(d);
	else
		loop_stop(d->l);
}

/* Fills cfg, servers and d from argv; false on a usage error. */
static bool drv_args(int argc, char **argv, struct dns_proxy_cfg *cfg, struct dns_servers *srv,
	struct drv *d, bool *is_debug)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--synthesize"))
			cfg->synthesize = true;
		else if (!strcmp(a, "--no-ipv4-route"))
			d->has_route = false;
		else if (!strcmp(a, "--debug"))
			*is_debug = true;
		else if (!v)
			return false;
		else if (!strcmp(a, "--listen") && ++i) {
			if (!drv_addrs(v, drv_add_listen, cfg))
				return false;
		} else if (!strcmp(a, "--rate-limit") && ++i)
			cfg->rate_qps = (uint32_t)atoi(v);
		else if (!strcmp(a, "--port") && ++i)
			cfg->port = (uint16_t)atoi(v);
		else if (!strcmp(a, "--upstream-port") && ++i)
			cfg->upstream_port = (uint16_t)atoi(v);
		else if (!strcmp(a, "--upstream") && ++i) {
			if (!drv_addrs(v, drv_add_server, srv))
				return false;
		} else if (!strcmp(a, "--pool") && ++i) {
			if (!drv_pool(v, &cfg->map))
				return false;
		} else
			return false;
	}
	return cfg->n_listen > 0;
}

int main(int argc, char **argv)
{
	struct dns_proxy_cfg cfg;
	struct dns_servers srv = { 0 };
	struct drv d = { .has_route = true };
	bool is_debug = false;
	dns_proxy_cfg_default(&cfg);
	cfg.has_ipv4_route = drv_route;
	cfg.ctx = &d;
	if (!drv_args(argc, argv, &cfg, &srv, &d, &is_debug)) {
		fprintf(stderr, "usage: dns_proxy_drv --listen ADDR[,ADDR] [--port N] "
			"[--upstream ADDR[,ADDR]] [--upstream-port N] [--synthesize] "
			"[--pool A.B.C.D/N] [--rate-limit QPS] [--no-ipv4-route] [--debug]\n");
		return 2;
	}
	log_init("dns_proxy_drv", false, is_debug ? LOG_LVL_DEBUG : LOG_LVL_INFO,
		is_debug ? LOGC_HOST : 0);
	d.l = loop_new();
	if (!d.l || loop_add_signal(d.l, SIGTERM, drv_on_signal, &d) < 0 ||
		loop_add_signal(d.l, SIGINT, drv_on_signal, &d) < 0 ||
		loop_add_signal(d.l, SIGUSR1, drv_on_signal, &d) < 0)
		return 1;
	d.p = dns_proxy_new(d.l, &cfg, "drv");
	if (!d.p)
		return 1;
	dns_proxy_set_upstreams(d.p, &srv);
	fprintf(stderr, "dns_proxy_drv: ready\n");
	int rc = loop_run(d.l);
	drv_print_stats(&d);
	dns_proxy_free(d.p);
	loop_free(d.l);
	return rc < 0 ? 1 : 0;
}
