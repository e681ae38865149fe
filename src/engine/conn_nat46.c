/* IPv4-only applications on the connection (issue #5): the DNS proxy at ipv4_router_addr, the
 * v6link46 TUN routed for the synthesized pool, and the translator (dataplane/xlat) with the
 * connection's dedicated IPv6 address. Opened with the mode, closed with it. */
#include "engine/conn_nat46.h"

#include "core/log.h"
#include "core/rng.h"
#include "core/strbuf.h"
#include "engine/conn_priv.h"
#include "dataplane/dp.h"
#include "dataplane/xlat.h"
#include "dns/dns_proxy.h"
#include "hostcfg/sys.h"
#include "hostcfg/tun.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NAT46_IFNAME "v6link46"
/* The queue the apps fill, from the TUN's 500: bursts of TCP super-packets or small datagrams
 * must not be dropped before the translator drains them (as v6link0's, issue #12). */
#define NAT46_TXQLEN 1000
/* RFC 7600: the source of ICMPv4 errors from IPv6 routers that have no pool address. */
static const uint8_t nat46_icmp_err_v4[4] = { 192, 0, 0, 8 };

/* dns_proxy: can the host reach this IPv4 destination without us? A UDP connect asks the
 * kernel's routing table and sends nothing. */
static bool nat46_has_ipv4_route(void *ctx, const uint8_t dst[4])
{
	(void)ctx;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53) };
	memcpy(&sin.sin_addr, dst, 4);
	bool ok = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

static bool nat46_map4(void *ctx, const uint8_t v4[4], uint8_t v6[16])
{
	return dns_proxy_map_v4(ctx, v4, v6);
}

static bool nat46_map6(void *ctx, const uint8_t v6[16], uint8_t v4[4])
{
	return dns_proxy_map_v6(ctx, v6, v4);
}

static int nat46_open_proxy(struct conn *c, const uint8_t router_v4[4])
{
	const struct cfg_param *par = c->cfg.param;
	struct dns_proxy_cfg pc;
	dns_proxy_cfg_default(&pc);
	pc.n_listen = 2;
	pc.listen[0].family = AF_INET;
	memcpy(pc.listen[0].addr, router_v4, 4);
	pc.listen[1].family = AF_INET6;
	pc.listen[1].addr[15] = 1; /* ::1, for IPv6 clients of the host */
	pc.synthesize = true;
	memcpy(pc.map.pool, par->nat46_pool, 4);
	pc.map.pool_len = (uint8_t)par->nat46_pool_len;
	/* A small pool holds fewer mappings than the default table: network, broadcast and
	 * ipv4_router_addr (if inside) are never handed out. */
	uint32_t usable = (1u << (32 - par->nat46_pool_len)) - 3;
	if (pc.map.capacity > usable)
		pc.map.capacity = usable;
	pc.map.has_router_addr = true;
	memcpy(pc.map.router_addr, router_v4, 4);
	pc.has_ipv4_route = nat46_has_ipv4_route;
	c->nat.proxy = dns_proxy_new(c->loop, &pc, c->cfg.name);
	if (!c->nat.proxy) {
		log_warnx("conn[%s]: nat46: no DNS listener on [::1]:53; trying %s:53 alone", c->cfg.name,
			  inet_ntop(AF_INET, router_v4, (char[INET_ADDRSTRLEN]){ 0 }, INET_ADDRSTRLEN));
		pc.n_listen = 1;
		c->nat.proxy = dns_proxy_new(c->loop, &pc, c->cfg.name);
	}
	return c->nat.proxy ? 0 : -1;
}

/* v6link46: ipv4_router_addr/32 for the proxy, the apps' address next to it, the pool route. */
static int nat46_open_tun(struct conn *c, const uint8_t router_v4[4], unsigned mtu)
{
	snprintf(c->nat.ifname, sizeof(c->nat.ifname), NAT46_IFNAME);
	if (tun_open(c->nat.ifname, true, false, &c->nat.tun_fd) < 0) {
		log_warn("conn[%s]: nat46: TUN %s", c->cfg.name, NAT46_IFNAME);
		return -1;
	}
	/* TCP from the apps arrives as TSO super-packets of up to 64 KiB, one read each; the
	 * translator cuts them (dp_gso). Without the offload the packets come whole. */
	if (tun_set_offload(c->nat.tun_fd, TUN_OFFLOAD_CSUM | TUN_OFFLOAD_TSO4) < 0)
		log_warn("conn[%s]: nat46: %s offloads", c->cfg.name, NAT46_IFNAME);
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0 || tun_set_txqueuelen(sk, c->nat.ifname, NAT46_TXQLEN) < 0)
		log_warn("conn[%s]: nat46: %s txqueuelen %u", c->cfg.name, NAT46_IFNAME, NAT46_TXQLEN);
	if (sk >= 0)
		close(sk);
	if (hostcfg_nl_open(&c->nat.nl) < 0)
		return -1;
	c->nat.has_nl = true;
	struct hostcfg *hc = &c->nat.hc;
	hostcfg_init(hc, c->cfg.name, c->nat.ifname, &hostcfg_sys_ops, &c->nat.nl);
	const struct cfg_param *par = c->cfg.param;
	char path[96], local[96];
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/accept_ra", c->nat.ifname);
	/* ICMPv4 errors the translator makes come from ipv4_router_addr, one of the host's own
	 * addresses: without accept_local the kernel drops them as martians. */
	snprintf(local, sizeof(local), "net/ipv4/conf/%s/accept_local", c->nat.ifname);
	/* The apps' address first: the kernel takes the first address as the pool route's source. */
	if (hostcfg_link_setup(hc, mtu, true) < 0 || hostcfg_sysctl_set(hc, path, "0") < 0 ||
	    hostcfg_sysctl_set(hc, local, "1") < 0 ||
	    hostcfg_addr_add(hc, AF_INET, c->nat.app_v4, 29, NULL, HOSTCFG_LIFETIME_INF,
			     HOSTCFG_LIFETIME_INF, 0) < 0 ||
	    hostcfg_addr_add(hc, AF_INET, router_v4, 32, NULL, HOSTCFG_LIFETIME_INF,
			     HOSTCFG_LIFETIME_INF, 0) < 0 ||
	    hostcfg_route_add(hc, AF_INET, par->nat46_pool, (uint8_t)par->nat46_pool_len, NULL, 0,
			      NULL, 0) < 0) {
		log_warnx("conn[%s]: nat46: %s", c->cfg.name, hostcfg_last_error(hc));
		return -1;
	}
	return 0;
}

static int nat46_open_xlat(struct conn *c, const uint8_t router_v4[4])
{
	struct nat46_cfg xc = {
		.app_v4_plen = 32,
		.v6_mtu = (uint16_t)c->nat.v6_mtu,
		.ctx = c->nat.proxy,
		.map_v4_to_v6 = nat46_map4,
		.map_v6_to_v4 = nat46_map6,
	};
	memcpy(xc.app_v4, c->nat.app_v4, 4);
	memcpy(xc.router_v4, router_v4, 4);
	memcpy(xc.icmp_err_v4, nat46_icmp_err_v4, 4);
	c->nat.x = xlat_new(c->nat.tun_fd, true, &xc);
	if (!c->nat.x) {
		log_warn("conn[%s]: nat46: translator", c->cfg.name);
		return -1;
	}
	/* On a PPPoE session the translated IPv6 goes straight into the session's frames (the
	 * data plane outlives the translator: conn_nat46_close runs before the mode closes). */
	if (xlat_set_dataplane(c->nat.x, c->ops->dataplane ? c->ops->dataplane(c) : NULL) < 0) {
		log_warn("conn[%s]: nat46: IPv4 writer", c->cfg.name);
		return -1;
	}
	/* Replies to the dedicated address reach the translator before its threads run. */
	if (c->ops->nat46_attach(c, c->nat.x) < 0) {
		log_warn("conn[%s]: nat46: replies on %s", c->cfg.name, c->lk.eth.name);
		return -1;
	}
	c->nat.is_attached = true;
	if (xlat_start(c->nat.x) < 0) {
		log_warn("conn[%s]: nat46: translator threads", c->cfg.name);
		return -1;
	}
	return 0;
}

int conn_nat46_open(struct conn *c)
{
	if (!c->cfg.nat46)
		return 0;
	const uint8_t *router_v4 = c->cfg.param->ipv4_router_addr;
	memcpy(c->nat.app_v4, router_v4, 4);
	c->nat.app_v4[3]++; /* the next address of ipv4_router_addr's /29 (192.0.0.2) */
	c->nat.tun_fd = -1;
	rng_bytes(c->rng, c->nat.iid, 8);
	c->nat.iid[0] &= 0xfd; /* RFC 4291 §2.5.1: not a universal identifier */
	c->nat.v6_mtu = c->lk.mtu;
	if (nat46_open_proxy(c, router_v4) < 0 || nat46_open_tun(c, router_v4, c->nat.v6_mtu - 20) < 0 ||
	    nat46_open_xlat(c, router_v4) < 0) {
		log_warnx("conn[%s]: nat46: not available; IPv4-only applications are not served",
			  c->cfg.name);
		conn_nat46_close(c);
		return -1;
	}
	c->nat.is_on = true;
	log_info("conn[%s]: nat46: DNS at %s, IPv4-only applications from %s on %s, pool %s/%u",
		 c->cfg.name, inet_ntop(AF_INET, router_v4, (char[INET_ADDRSTRLEN]){ 0 }, INET_ADDRSTRLEN),
		 inet_ntop(AF_INET, c->nat.app_v4, (char[INET_ADDRSTRLEN]){ 0 }, INET_ADDRSTRLEN),
		 c->nat.ifname,
		 inet_ntop(AF_INET, c->cfg.param->nat46_pool, (char[INET_ADDRSTRLEN]){ 0 }, INET_ADDRSTRLEN),
		 c->cfg.param->nat46_pool_len);
	conn_nat46_update(c);
	return 0;
}

/* Called before the mode closes: the detach waits until the downlink thread no longer calls
 * into the translator, and xlat_free stops the thread that sends on the session. */
void conn_nat46_close(struct conn *c)
{
	if (c->nat.is_attached)
		c->ops->nat46_detach(c);
	c->nat.is_attached = false;
	xlat_free(c->nat.x);
	c->nat.x = NULL;
	if (c->nat.has_nl) {
		hostcfg_undo_all(&c->nat.hc);
		hostcfg_nl_close(&c->nat.nl);
		c->nat.has_nl = false;
	}
	if (c->nat.tun_fd >= 0)
		close(c->nat.tun_fd);
	c->nat.tun_fd = -1;
	dns_proxy_free(c->nat.proxy);
	c->nat.proxy = NULL;
	if (c->nat.is_on)
		log_info("conn[%s]: nat46: off", c->cfg.name);
	c->nat.is_on = false;
	c->nat.has_host = false;
}

/* The /64 the dedicated address comes from: the line's SLAAC, static or delegated prefix, or
 * in router mode the first /64 a router announces. */
static bool nat46_prefix(const struct conn *c, uint8_t out[16])
{
	for (unsigned i = 0; i < c->v6.n_addrs; i++)
		if (c->v6.addrs[i].plen <= 64) {
			memcpy(out, c->v6.addrs[i].addr, 8);
			return true;
		}
	if (c->ops->prefix64 && c->ops->prefix64(c, out))
		return true;
	for (unsigned i = 0; i < c->v6.n_pd; i++)
		if (c->v6.pd[i].plen <= 64) {
			memcpy(out, c->v6.pd[i].addr, 8);
			return true;
		}
	return false;
}

static void nat46_route_host(struct conn *c, bool add)
{
	if (!c->ops->nat46_blackhole || !c->nat.has_host)
		return;
	int r = add ? hostcfg_route_add_blackhole(&c->nat.hc, AF_INET6, c->nat.host_v6, 128)
		    : hostcfg_route_del(&c->nat.hc, AF_INET6, c->nat.host_v6, 128, NULL, 0, 0);
	if (r < 0)
		log_warnx("conn[%s]: nat46: %s", c->cfg.name, hostcfg_last_error(&c->nat.hc));
}

void conn_nat46_update(struct conn *c)
{
	if (!c->nat.is_on)
		return;
	uint8_t v6[16];
	bool has = nat46_prefix(c, v6);
	if (has)
		memcpy(v6 + 8, c->nat.iid, 8);
	if (has == c->nat.has_host && (!has || !memcmp(v6, c->nat.host_v6, 16)))
		return;
	nat46_route_host(c, false);
	c->nat.has_host = has;
	if (has)
		memcpy(c->nat.host_v6, v6, 16);
	if (c->lk.mtu)
		c->nat.v6_mtu = c->lk.mtu;
	xlat_set_host_v6(c->nat.x, has ? v6 : NULL, (uint16_t)c->nat.v6_mtu);
	nat46_route_host(c, true);
	char a[INET6_ADDRSTRLEN];
	if (has)
		log_info("conn[%s]: nat46: IPv6 source of translated packets %s", c->cfg.name,
			 inet_ntop(AF_INET6, v6, a, sizeof(a)));
	else
		log_info("conn[%s]: nat46: no IPv6 prefix; translation waits", c->cfg.name);
}

void conn_nat46_dns(struct conn *c, struct dns_servers *d)
{
	if (!c->nat.proxy)
		return;
	dns_proxy_set_upstreams(c->nat.proxy, d);
	if (!d->n)
		return;
	/* The host asks the proxy, which asks the servers; search domains stay. */
	d->n = 0;
	dns_servers_add(d, AF_INET, c->cfg.param->ipv4_router_addr);
}

static const char *nat46_state(const struct conn *c)
{
	return !c->nat.is_on ? "off" : c->nat.has_host ? "on" : "waiting";
}

void conn_nat46_status_json(const struct conn *c, struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN];
	sb_printf(sb, ",\"nat46\":{\"state\":\"%s\"", nat46_state(c));
	if (!c->nat.is_on) {
		sb_printf(sb, "}");
		return;
	}
	const struct cfg_param *par = c->cfg.param;
	sb_printf(sb, ",\"interface\":\"%s\",\"router_v4\":\"%s\"", c->nat.ifname,
		  inet_ntop(AF_INET, par->ipv4_router_addr, a, sizeof(a)));
	sb_printf(sb, ",\"app_v4\":\"%s\"", inet_ntop(AF_INET, c->nat.app_v4, a, sizeof(a)));
	if (c->nat.has_host)
		sb_printf(sb, ",\"host_v6\":\"%s\"", inet_ntop(AF_INET6, c->nat.host_v6, a, sizeof(a)));
	else
		sb_printf(sb, ",\"host_v6\":null");
	sb_printf(sb, ",\"pool\":\"%s/%u\"", inet_ntop(AF_INET, par->nat46_pool, a, sizeof(a)),
		  par->nat46_pool_len);
	struct xlat_stats xs;
	struct dns_proxy_stats ds;
	xlat_get_stats(c->nat.x, &xs);
	dns_proxy_stats(c->nat.proxy, &ds);
	sb_printf(sb, ",\"mappings\":%u,\"to_v6\":%llu,\"to_v6_session\":%llu,\"to_v4\":%llu,"
		  "\"icmp4_made\":%llu", ds.map_used, (unsigned long long)xs.to_v6,
		  (unsigned long long)xs.via_session, (unsigned long long)xs.to_v4,
		  (unsigned long long)xs.icmp4_made);
	sb_printf(sb, ",\"drops\":{");
	const char *sep = "";
	for (int i = 1; i < NAT46_DROP_N; i++)
		if (xs.drops[i]) {
			sb_printf(sb, "%s\"%s\":%llu", sep, nat46_drop_str((enum nat46_drop)i),
				  (unsigned long long)xs.drops[i]);
			sep = ",";
		}
	sb_printf(sb, "},\"dns\":{\"queries\":%llu,\"forwarded\":%llu,\"synthesized\":%llu,"
		  "\"cache_hits\":%llu,\"servfail\":%llu,\"refused_not_host\":%llu,"
		  "\"rate_limited\":%llu,\"truncated\":%llu}}",
		  (unsigned long long)ds.queries, (unsigned long long)ds.forwarded,
		  (unsigned long long)ds.synthesized, (unsigned long long)ds.cache_hits,
		  (unsigned long long)ds.servfail, (unsigned long long)ds.drop_not_host,
		  (unsigned long long)ds.drop_ratelimit, (unsigned long long)ds.truncated);
}

void conn_nat46_status_text(const struct conn *c, struct strbuf *sb)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	if (!c->nat.is_on)
		return;
	const struct cfg_param *par = c->cfg.param;
	sb_printf(sb, "  %-12s %s: apps %s on %s, DNS %s, pool %s/%u\n", "nat46", nat46_state(c),
		  inet_ntop(AF_INET, c->nat.app_v4, a, sizeof(a)), c->nat.ifname,
		  inet_ntop(AF_INET, par->ipv4_router_addr, b, sizeof(b)),
		  inet_ntop(AF_INET, par->nat46_pool, (char[INET_ADDRSTRLEN]){ 0 }, INET_ADDRSTRLEN),
		  par->nat46_pool_len);
	if (c->nat.has_host)
		sb_printf(sb, "  %-12s %s\n", "nat46 ipv6", inet_ntop(AF_INET6, c->nat.host_v6, a, sizeof(a)));
	struct xlat_stats xs;
	struct dns_proxy_stats ds;
	xlat_get_stats(c->nat.x, &xs);
	dns_proxy_stats(c->nat.proxy, &ds);
	sb_printf(sb, "  %-12s %u mappings, %llu packets to IPv6, %llu to IPv4, %llu ICMPv4 errors made\n",
		  "nat46 stats", ds.map_used, (unsigned long long)xs.to_v6, (unsigned long long)xs.to_v4,
		  (unsigned long long)xs.icmp4_made);
	for (int i = 1; i < NAT46_DROP_N; i++)
		if (xs.drops[i])
			sb_printf(sb, "  %-12s %s %llu\n", "nat46 drop", nat46_drop_str((enum nat46_drop)i),
				  (unsigned long long)xs.drops[i]);
	sb_printf(sb, "  %-12s %llu queries, %llu forwarded, %llu synthesized, %llu from cache\n",
		  "dns proxy", (unsigned long long)ds.queries, (unsigned long long)ds.forwarded,
		  (unsigned long long)ds.synthesized, (unsigned long long)ds.cache_hits);
	sb_printf(sb, "  %-12s %llu refused (not the host), %llu over the rate limit, %llu truncated\n",
		  "dns guard", (unsigned long long)ds.drop_not_host,
		  (unsigned long long)ds.drop_ratelimit, (unsigned long long)ds.truncated);
}
