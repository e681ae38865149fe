/* Router mode: the adapter is on a segment with IPv6 routers. The kernel's own interface
 * carries the traffic and does SLAAC and (optimistic) DAD; v6link adds the DHCPv6 client over
 * UDP (IA_NA, IA_PD, stateless), DNS from RAs and DHCPv6, the policy table, and RFC 8028
 * source-specific default routes so each source prefix leaves through the router that
 * announced it. Every host change is on the connection's undo lists. */
#include "engine/conn_priv.h"
#include "engine/conn_trace.h"
#include "engine/conn_v6.h"

#include "core/clock.h"
#include "core/log.h"
#include "hostcfg/sys.h"
#include "nd/nd_routers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONN_RTR_METRIC_BASE 64u /* source routes: CONN_RTR_METRIC_BASE + n per same prefix */

static const uint8_t conn_rtr_any[16];

/* --- sockets --- */

static int conn_rtr_sock(struct conn *c, int type, int proto)
{
	int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	int one = 1, ifindex = c->eth.ifindex;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->eth.name, (socklen_t)strlen(c->eth.name)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Raw ICMPv6 for RS out and RA in; the kernel adds the checksum (RFC 3542 §3.1). */
static int conn_rtr_open_icmp(struct conn *c)
{
	int fd = conn_rtr_sock(c, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd < 0)
		return -1;
	struct icmp6_filter f;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &f);
	int hops = 255; /* RFC 4861 §6.3.7 / §6.1.2: ND messages carry hop limit 255 */
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* UDP port 546 on the adapter (RFC 8415 §7.2). */
static int conn_rtr_open_dhcp6(struct conn *c)
{
	int fd = conn_rtr_sock(c, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	int one = 1, hops = 1;
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(546) };
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The trace shows what v6link's sockets carried as IPv6 packets (the kernel adds the headers;
 * the source of a sent packet is the adapter's link-local, which the kernel picks). */
static void conn_rtr_trace_udp(struct conn *c, bool out, const uint8_t src[16], const uint8_t dst[16],
			       uint16_t sport, uint16_t dport, const uint8_t *buf, size_t len)
{
	uint8_t pkt[2100];
	if (conn_trace_level(c) < 1)
		return;
	int n = dhcp6_build_udp6(src, dst, sport, dport, buf, len, pkt, sizeof(pkt));
	if (n > 0)
		conn_trace_ip(c, out, pkt, (size_t)n);
}

static void conn_rtr_trace_icmp(struct conn *c, bool out, const uint8_t src[16],
				const uint8_t dst[16], const uint8_t *msg, size_t len)
{
	uint8_t pkt[2100];
	if (conn_trace_level(c) < 1)
		return;
	int n = nd_build_ipv6_icmp(src, dst, msg, len, pkt, sizeof(pkt));
	if (n > 0)
		conn_trace_ip(c, out, pkt, (size_t)n);
}

void conn_router_d6_send(struct conn *c, const uint8_t *buf, size_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(547),
				   .sin6_scope_id = (uint32_t)c->eth.ifindex };
	static const uint8_t all_dhcp[16] = { 0xff, 0x02, [13] = 0x01, [15] = 0x02 };
	memcpy(&to.sin6_addr, all_dhcp, 16);
	if (c->d6_fd >= 0 && sendto(c->d6_fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		log_debug(LOGC_HOST, "dhcp6[%s]: send on %s: %s", c->cfg.name, c->eth.name,
			  strerror(errno));
		return;
	}
	conn_rtr_trace_udp(c, true, c->host.v6_ll, all_dhcp, 546, 547, buf, len);
}

static void conn_rtr_send_rs(void *ctx)
{
	struct conn *c = ctx;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_scope_id = (uint32_t)c->eth.ifindex };
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
	uint8_t rs[16];
	int n = nd_build_rs(rs, sizeof(rs));
	memcpy(&to.sin6_addr, all_routers, 16);
	if (n <= 0)
		return;
	if (sendto(c->icmp_fd, rs, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		log_debug(LOGC_HOST, "nd[%s]: RS on %s: %s", c->cfg.name, c->eth.name, strerror(errno));
	else
		conn_rtr_trace_icmp(c, true, c->host.v6_ll, all_routers, rs, (size_t)n);
}

/* --- RFC 8028 source-specific default routes --- */

static struct conn_rtr_route *conn_rtr_route_find(struct conn *c, const uint8_t prefix[16],
						   uint8_t plen, const uint8_t router[16])
{
	for (unsigned i = 0; i < c->n_rtr_routes; i++) {
		struct conn_rtr_route *r = &c->rtr_routes[i];
		if (r->plen == plen && !memcmp(r->prefix, prefix, 16) && !memcmp(r->router, router, 16))
			return r;
	}
	return NULL;
}

/* Two routers announcing the same prefix each get a route; a distinct metric keeps the kernel
 * from replacing one with the other. */
static uint32_t conn_rtr_metric(const struct conn *c, const uint8_t prefix[16], uint8_t plen)
{
	uint32_t m = CONN_RTR_METRIC_BASE;
	for (bool clash = true; clash; m++) {
		clash = false;
		for (unsigned i = 0; i < c->n_rtr_routes; i++) {
			const struct conn_rtr_route *r = &c->rtr_routes[i];
			clash = clash || (r->plen == plen && !memcmp(r->prefix, prefix, 16) && r->metric == m);
		}
		if (!clash)
			return m;
	}
	return m;
}

static void conn_rtr_src_route_update(void *ctx, const uint8_t prefix[16], uint8_t plen,
				      const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf)
{
	struct conn *c = ctx;
	char p[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	(void)prf;
	if (conn_rtr_route_find(c, prefix, plen, router))
		return; /* the FSM removes it when its lifetime ends */
	if (c->n_rtr_routes == sizeof(c->rtr_routes) / sizeof(c->rtr_routes[0])) {
		log_warnx("conn[%s]: too many source routes; default from %s/%u via %s not added",
			  c->cfg.name, inet_ntop(AF_INET6, prefix, p, sizeof(p)), plen,
			  inet_ntop(AF_INET6, router, r, sizeof(r)));
		return;
	}
	uint32_t metric = conn_rtr_metric(c, prefix, plen);
	if (hostcfg_route_add(&c->host.hc, AF_INET6, conn_rtr_any, 0, prefix, plen, router,
			      metric) < 0) {
		log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc));
		return;
	}
	struct conn_rtr_route *e = &c->rtr_routes[c->n_rtr_routes++];
	memcpy(e->prefix, prefix, 16);
	memcpy(e->router, router, 16);
	e->plen = plen;
	e->metric = metric;
	log_info("conn[%s]: RFC 8028: default from %s/%u via %s (lifetime %u s)", c->cfg.name,
		 inet_ntop(AF_INET6, prefix, p, sizeof(p)), plen,
		 inet_ntop(AF_INET6, router, r, sizeof(r)), lifetime_s);
	conn_nat46_update(c);
}

static void conn_rtr_src_route_remove(void *ctx, const uint8_t prefix[16], uint8_t plen,
				      const uint8_t router[16])
{
	struct conn *c = ctx;
	char p[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	struct conn_rtr_route *e = conn_rtr_route_find(c, prefix, plen, router);
	if (!e)
		return;
	hostcfg_route_del(&c->host.hc, AF_INET6, conn_rtr_any, 0, prefix, plen, e->metric);
	log_info("conn[%s]: RFC 8028: default from %s/%u via %s removed", c->cfg.name,
		 inet_ntop(AF_INET6, prefix, p, sizeof(p)), plen,
		 inet_ntop(AF_INET6, router, r, sizeof(r)));
	*e = c->rtr_routes[--c->n_rtr_routes];
	conn_nat46_update(c);
}

static void conn_rtr_router_update(void *ctx, const uint8_t router[16], uint32_t lifetime_s,
				   enum nd_prf prf)
{
	struct conn *c = ctx;
	char r[INET6_ADDRSTRLEN];
	uint64_t now = clock_now_ms();
	log_debug(LOGC_HOST, "nd[%s]: router %s lifetime %u s preference %s", c->cfg.name,
		  inet_ntop(AF_INET6, router, r, sizeof(r)), lifetime_s, nd_prf_name(prf));
	if (c->state != CONN_UP) {
		conn_enter(c, CONN_UP, now, "an IPv6 router is on the segment");
		conn_hook(c, "up", NULL);
		conn_hook(c, "ipv6-up", NULL);
	}
}

static void conn_rtr_router_remove(void *ctx, const uint8_t router[16])
{
	struct conn *c = ctx;
	char r[INET6_ADDRSTRLEN];
	size_t n;
	log_info("nd[%s]: router %s gone", c->cfg.name, inet_ntop(AF_INET6, router, r, sizeof(r)));
	nd_routers_list(c->nr, &n);
	/* The FSM drops the router after this call: the last one leaving ends "up". */
	if (n <= 1 && c->state == CONN_UP)
		conn_enter(c, CONN_NETWORK, clock_now_ms(), "no IPv6 router left; soliciting");
}

static void conn_rtr_dns_changed(void *ctx)
{
	conn_dns_update(ctx);
}

static void conn_rtr_flags(void *ctx, bool is_managed, bool is_other)
{
	conn_v6_flags(ctx, is_managed, is_other);
}

static const struct nd_routers_ops conn_rtr_ops = {
	.send_rs = conn_rtr_send_rs,
	.router_update = conn_rtr_router_update,
	.router_remove = conn_rtr_router_remove,
	.src_route_update = conn_rtr_src_route_update,
	.src_route_remove = conn_rtr_src_route_remove,
	.dns_changed = conn_rtr_dns_changed,
	.flags = conn_rtr_flags,
};

/* --- input --- */

/* Receives one packet from a socket of the adapter with its addresses: source (and source
 * port) from the sender's address, hop limit and destination from RFC 3542 ancillary data.
 * Returns its length, or -1 when nothing is queued. */
static ssize_t conn_rtr_recv(int fd, uint8_t *buf, size_t cap, struct nd_ip6_hdr *ip,
			     uint16_t *sport)
{
	union { struct cmsghdr h; uint8_t b[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))]; } cm;
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
	ssize_t n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return -1;
	memset(ip, 0, sizeof(*ip));
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
		if (h->cmsg_level != IPPROTO_IPV6)
			continue;
		if (h->cmsg_type == IPV6_HOPLIMIT) {
			int hl;
			memcpy(&hl, CMSG_DATA(h), sizeof(hl));
			ip->hop_limit = (uint8_t)hl;
		} else if (h->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(h), sizeof(pi));
			memcpy(ip->dst, &pi.ipi6_addr, 16);
		}
	}
	memcpy(ip->src, &from.sin6_addr, 16);
	ip->payload_len = (uint16_t)n;
	*sport = ntohs(from.sin6_port);
	return n;
}

static void conn_rtr_on_icmp(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	uint8_t buf[1500];
	struct nd_ip6_hdr ip;
	uint16_t sport;
	ssize_t n;
	(void)ev;
	for (int k = 0; k < 16 && (n = conn_rtr_recv(fd, buf, sizeof(buf), &ip, &sport)) >= 0; k++) {
		conn_rtr_trace_icmp(c, false, ip.src, ip.dst, buf, (size_t)n);
		static struct nd_ra_msg ra;
		/* nd_parse_ra checks hop limit 255 and a link-local source (RFC 4861 §6.1.2). */
		enum nd_err e = nd_parse_ra(buf, (size_t)n, &ip, &ra);
		if (e != ND_E_OK) {
			log_debug(LOGC_HOST, "nd[%s]: RA dropped: %s", c->cfg.name, nd_err_str(e));
			continue;
		}
		nd_routers_on_ra(c->nr, ip.src, &ra, clock_now_ms());
	}
	conn_reschedule(c);
}

static void conn_rtr_on_dhcp6(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	uint8_t buf[2048];
	struct nd_ip6_hdr ip;
	uint16_t sport;
	ssize_t n;
	(void)ev;
	for (int k = 0; k < 16 && (n = conn_rtr_recv(fd, buf, sizeof(buf), &ip, &sport)) >= 0; k++) {
		conn_rtr_trace_udp(c, false, ip.src, ip.dst, sport, 546, buf, (size_t)n);
		if (c->d6_inited && c->v6_up)
			dhcp6_client_on_packet(&c->d6, buf, (size_t)n, clock_now_ms());
	}
	conn_reschedule(c);
}

/* --- life cycle --- */

/* The kernel's SLAAC and DAD on the adapter, with RFC 4429 optimistic addresses; accept_ra=2
 * also on a host that forwards (a small router). All restored on exit. */
static int conn_rtr_sysctls(struct conn *c)
{
	static const char *const set[][2] = {
		{ "accept_ra", "2" }, { "autoconf", "1" }, { "optimistic_dad", "1" },
		{ "use_optimistic", "1" }, { "disable_ipv6", "0" },
	};
	char path[96];
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		snprintf(path, sizeof(path), "net/ipv6/conf/%s/%s", c->eth.name, set[i][0]);
		if (hostcfg_sysctl_set(&c->host.hc_link, path, set[i][1]) < 0) {
			log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc_link));
			return -1;
		}
	}
	return 0;
}

/* The modified EUI-64 identifier the kernel gives the adapter (RFC 4291 Appendix A): the
 * host's address in a delegated /64 uses it too. */
static void conn_rtr_iid(struct conn *c)
{
	nd_eui64_link_local(c->eth.mac, c->host.v6_ll);
	memcpy(c->v6.our_iid, c->host.v6_ll + 8, 8);
}

int conn_router_open(struct conn *c)
{
	if (pkt_if_lookup(c->cfg.eth_if, &c->eth) < 0) {
		log_warn("conn[%s]: Ethernet adapter '%s'", c->cfg.name, c->cfg.eth_if);
		return -1;
	}
	snprintf(c->tun_name, sizeof(c->tun_name), "%s", c->eth.name);
	memset(&c->host, 0, sizeof(c->host));
	snprintf(c->host.ifname, sizeof(c->host.ifname), "%s", c->eth.name);
	if (hostcfg_nl_open(&c->host.nl) < 0) {
		log_warn("host[%s]: rtnetlink", c->cfg.name);
		return -1;
	}
	hostcfg_init(&c->host.hc, c->cfg.name, c->eth.name, &hostcfg_sys_ops, &c->host.nl);
	hostcfg_init(&c->host.hc_link, c->cfg.name, c->eth.name, &hostcfg_sys_ops, &c->host.nl);
	dns_init(&c->dns, c->eth.name, NULL);
	conn_rtr_iid(c);
	c->nr = calloc(1, sizeof(*c->nr));
	if (!c->nr || conn_rtr_sysctls(c) < 0)
		return -1;
	c->icmp_fd = conn_rtr_open_icmp(c);
	c->d6_fd = conn_rtr_open_dhcp6(c);
	if (c->icmp_fd < 0 || c->d6_fd < 0) {
		log_warn("conn[%s]: %s socket on %s", c->cfg.name, c->icmp_fd < 0 ? "ICMPv6" :
			 "DHCPv6 (UDP 546: is another DHCPv6 client running?)", c->eth.name);
		return -1;
	}
	if (loop_add_fd(c->loop, c->icmp_fd, EPOLLIN, conn_rtr_on_icmp, c) < 0 ||
	    loop_add_fd(c->loop, c->d6_fd, EPOLLIN, conn_rtr_on_dhcp6, c) < 0)
		return -1;
	nd_routers_init(c->nr, NULL, &conn_rtr_ops, c, c->rng, c->cfg.name);
	return 0;
}

void conn_router_up(struct conn *c, uint64_t now)
{
	if (c->v6_up)
		return;
	c->v6_up = true;
	c->up_since_ms = now;
	conn_enter(c, CONN_NETWORK, now, "soliciting IPv6 routers on the adapter");
	nd_routers_start(c->nr, now);
	conn_v6_begin(c, now);
	conn_reschedule(c);
}

void conn_router_down(struct conn *c, const char *why, uint64_t now)
{
	if (!c->v6_up)
		return;
	conn_v6_release(c, now);
	nd_routers_stop(c->nr, now);
	conn_v6_down(c, now);
	c->v6_up = false;
	conn_dns_update(c);
	hostcfg_undo_all(&c->host.hc);
	char reason[CONN_WHY_MAX + 16];
	snprintf(reason, sizeof(reason), "V6LINK_REASON=%s", why);
	const char *extra[] = { reason, NULL };
	conn_hook(c, "down", extra);
}

void conn_router_close(struct conn *c)
{
	if (c->v6_up)
		conn_router_down(c, "daemon stopping", clock_now_ms());
	if (c->icmp_fd >= 0) {
		loop_del_fd(c->loop, c->icmp_fd);
		close(c->icmp_fd);
	}
	if (c->d6_fd >= 0) {
		loop_del_fd(c->loop, c->d6_fd);
		close(c->d6_fd);
	}
	c->icmp_fd = c->d6_fd = -1;
	free(c->nr);
	c->nr = NULL;
}

void conn_router_on_timer(struct conn *c, uint64_t now)
{
	if (!c->v6_up)
		return;
	if (nd_routers_next_deadline(c->nr) <= now)
		nd_routers_on_timer(c->nr, now);
	conn_v6_on_timer(c, now);
}

uint64_t conn_router_next_deadline(const struct conn *c)
{
	if (!c->v6_up || !c->nr)
		return V6L_NEVER;
	return clock_min(nd_routers_next_deadline(c->nr), conn_v6_next_deadline(c));
}

/* --- status --- */

void conn_router_status_json(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	const struct nd_routers_router *r = c->nr ? nd_routers_list(c->nr, &n) : NULL;
	for (size_t i = 0; i < n; i++) {
		sb_printf(sb, "%s{\"address\":\"%s\",\"lifetime\":%u,\"preference\":\"%s\","
			      "\"prefixes\":[", i ? "," : "", inet_ntop(AF_INET6, r[i].addr, a, sizeof(a)),
			  nd_routers_remaining_s(r[i].until_ms, now), nd_prf_name(r[i].prf));
		for (unsigned k = 0; k < r[i].n_prefixes; k++)
			sb_printf(sb, "%s{\"prefix\":\"%s/%u\",\"valid_lft\":%u,\"source_route\":%s}",
				  k ? "," : "", inet_ntop(AF_INET6, r[i].prefixes[k].prefix, a, sizeof(a)),
				  r[i].prefixes[k].plen,
				  nd_routers_remaining_s(r[i].prefixes[k].valid_until_ms, now),
				  r[i].prefixes[k].has_route ? "true" : "false");
		sb_printf(sb, "]}");
	}
}

void conn_router_status_text(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	const struct nd_routers_router *r = c->nr ? nd_routers_list(c->nr, &n) : NULL;
	for (size_t i = 0; i < n; i++) {
		sb_printf(sb, "  %-12s %s lifetime %us preference %s\n", "router",
			  inet_ntop(AF_INET6, r[i].addr, a, sizeof(a)),
			  nd_routers_remaining_s(r[i].until_ms, now), nd_prf_name(r[i].prf));
		for (unsigned k = 0; k < r[i].n_prefixes; k++)
			sb_printf(sb, "  %-12s   default from %s/%u via this router%s\n", "",
				  inet_ntop(AF_INET6, r[i].prefixes[k].prefix, a, sizeof(a)),
				  r[i].prefixes[k].plen, r[i].prefixes[k].has_route ? "" : " (not installed)");
	}
}
