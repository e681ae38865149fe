/* Router mode: the adapter is on a segment with IPv6 routers. The kernel's own interface
 * carries the traffic and does SLAAC and (optimistic) DAD; v6link adds the DHCPv6 client over
 * UDP (IA_NA, IA_PD, stateless), DNS from RAs and DHCPv6, the policy table, RFC 8028
 * source-specific default routes so each source prefix leaves through the router that
 * announced it, RFC 4191 more-specific routes, the host's address in a router's prefix shorter
 * than /64, and reports the kernel's SLAAC addresses (read from rtnetlink). Every host change is
 * on the connection's undo lists. */
#include "engine/conn_priv.h"

#include "core/clock.h"
#include "core/log.h"
#include "dataplane/xlat.h"
#include "hostcfg/nlparse.h"
#include "hostcfg/sys.h"
#include "nd/nd_routers.h"
#include "nd/nd_rx.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define RT_METRIC_BASE 64u /* source routes: RT_METRIC_BASE + n per same prefix */
#define RT_MAX_ROUTES 32
#define RT_MAX_RIO (2 * ND_ROUTERS_MAX_ROUTES * ND_ROUTERS_MAX_PREFIXES) /* with sources */
/* RFC 4191 routes: route_metric for high preference, + RT_RIO_STEP for medium, + 2 steps for low;
 * routers with the same preference for the same prefix take the next free metric above. */
#define RT_RIO_STEP 8u

static const uint8_t rt_any[16];
static const uint8_t rt_all_dhcp[16] = { 0xff, 0x02, [13] = 0x01, [15] = 0x02 };

struct rt_route {
	uint8_t prefix[16], router[16];
	uint8_t plen;
	uint32_t metric;
};

/* An RFC 4191 route installed via a router. */
struct rt_rio {
	uint8_t prefix[16], router[16];
	uint8_t plen;
	uint8_t src[16], src_plen; /* src_plen 0: every source */
	enum nd_prf prf;
	uint32_t metric;
};

struct conn_router {
	int icmp_fd, d6_fd, addr_fd;
	struct nd_routers nr;
	bool is_up;           /* soliciting and configuring (between dial and hang-up) */
	bool has_kaddrs;      /* reporting the adapter's own addresses (after ipv6-up) */
	unsigned n_routes, n_rio;
	struct rt_route routes[RT_MAX_ROUTES];
	struct rt_rio rio[RT_MAX_RIO];
};

static struct conn_router *rt(const struct conn *c)
{
	return c->mode;
}

/* --- sockets --- */

static int rt_sock(struct conn *c, int type, int proto)
{
	int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	int one = 1, ifindex = c->lk.eth.ifindex;
	const char *dev = c->lk.eth.name;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Raw ICMPv6 for RS out and RA in; the kernel adds the checksum (RFC 3542 §3.1). */
static int rt_open_icmp(struct conn *c)
{
	int fd = rt_sock(c, SOCK_RAW, IPPROTO_ICMPV6);
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
static int rt_open_dhcp6(struct conn *c)
{
	int fd = rt_sock(c, SOCK_DGRAM, 0);
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
static void rt_trace_udp(struct conn *c, bool out, const uint8_t src[16], const uint8_t dst[16],
			 uint16_t sport, uint16_t dport, const uint8_t *buf, size_t len)
{
	uint8_t pkt[2100];
	if (conn_trace_level(c) < 1)
		return;
	int n = dhcp6_build_udp6(src, dst, sport, dport, buf, len, pkt, sizeof(pkt));
	if (n > 0)
		conn_trace_ip(c, out, pkt, (size_t)n);
}

static void rt_trace_icmp(struct conn *c, bool out, const uint8_t src[16], const uint8_t dst[16],
			  const uint8_t *msg, size_t len)
{
	uint8_t pkt[2100];
	if (conn_trace_level(c) < 1)
		return;
	int n = nd_build_ipv6_icmp(src, dst, msg, len, pkt, sizeof(pkt));
	if (n > 0)
		conn_trace_ip(c, out, pkt, (size_t)n);
}

static void rt_send_dhcp6(struct conn *c, const uint8_t *buf, size_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(547),
				   .sin6_scope_id = (uint32_t)c->lk.eth.ifindex };
	memcpy(&to.sin6_addr, rt_all_dhcp, 16);
	if (sendto(rt(c)->d6_fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		log_debug(LOGC_HOST, "dhcp6[%s]: send on %s: %s", c->cfg.name, c->lk.eth.name,
			  strerror(errno));
		return;
	}
	rt_trace_udp(c, true, c->host.v6_ll, rt_all_dhcp, 546, 547, buf, len);
}

static void rt_send_rs(void *ctx)
{
	struct conn *c = ctx;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_scope_id = (uint32_t)c->lk.eth.ifindex };
	static const uint8_t all_routers[16] = { 0xff, 0x02, [15] = 0x02 };
	uint8_t rs[16];
	int n = nd_build_rs(rs, sizeof(rs));
	memcpy(&to.sin6_addr, all_routers, 16);
	if (n <= 0)
		return;
	if (sendto(rt(c)->icmp_fd, rs, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		log_debug(LOGC_HOST, "nd[%s]: RS on %s: %s", c->cfg.name, c->lk.eth.name,
			  strerror(errno));
	else
		rt_trace_icmp(c, true, c->host.v6_ll, all_routers, rs, (size_t)n);
}

/* --- RFC 8028 source-specific default routes --- */

static struct rt_route *rt_route_find(struct conn_router *m, const uint8_t prefix[16],
				      uint8_t plen, const uint8_t router[16])
{
	for (unsigned i = 0; i < m->n_routes; i++) {
		struct rt_route *r = &m->routes[i];
		if (r->plen == plen && !memcmp(r->prefix, prefix, 16) && !memcmp(r->router, router, 16))
			return r;
	}
	return NULL;
}

/* Two routers announcing the same prefix each get a route; a distinct metric keeps the kernel
 * from replacing one with the other. */
static uint32_t rt_metric(const struct conn_router *m, const uint8_t prefix[16], uint8_t plen)
{
	uint32_t metric = RT_METRIC_BASE;
	for (bool clash = true; clash; metric++) {
		clash = false;
		for (unsigned i = 0; i < m->n_routes; i++) {
			const struct rt_route *r = &m->routes[i];
			clash = clash || (r->plen == plen && !memcmp(r->prefix, prefix, 16) &&
					  r->metric == metric);
		}
		if (!clash)
			return metric;
	}
	return metric;
}

static void rt_src_route_update(void *ctx, const uint8_t prefix[16], uint8_t plen,
				const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf)
{
	struct conn *c = ctx;
	struct conn_router *m = rt(c);
	char p[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	(void)prf;
	if (rt_route_find(m, prefix, plen, router))
		return; /* the FSM removes it when its lifetime ends */
	if (m->n_routes == RT_MAX_ROUTES) {
		log_warnx("conn[%s]: too many source routes; default from %s/%u via %s not added",
			  c->cfg.name, inet_ntop(AF_INET6, prefix, p, sizeof(p)), plen,
			  inet_ntop(AF_INET6, router, r, sizeof(r)));
		return;
	}
	uint32_t metric = rt_metric(m, prefix, plen);
	if (hostcfg_route_add(&c->host.hc, AF_INET6, rt_any, 0, prefix, plen, router, metric) < 0) {
		log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc));
		return;
	}
	struct rt_route *e = &m->routes[m->n_routes++];
	memcpy(e->prefix, prefix, 16);
	memcpy(e->router, router, 16);
	e->plen = plen;
	e->metric = metric;
	log_info("conn[%s]: RFC 8028: default from %s/%u via %s (lifetime %u s)", c->cfg.name,
		 inet_ntop(AF_INET6, prefix, p, sizeof(p)), plen,
		 inet_ntop(AF_INET6, router, r, sizeof(r)), lifetime_s);
	conn_nat46_update(c);
}

static void rt_src_route_remove(void *ctx, const uint8_t prefix[16], uint8_t plen,
				const uint8_t router[16])
{
	struct conn *c = ctx;
	struct conn_router *m = rt(c);
	char p[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	struct rt_route *e = rt_route_find(m, prefix, plen, router);
	if (!e)
		return;
	hostcfg_route_del(&c->host.hc, AF_INET6, rt_any, 0, prefix, plen, e->metric);
	log_info("conn[%s]: RFC 8028: default from %s/%u via %s removed", c->cfg.name,
		 inet_ntop(AF_INET6, prefix, p, sizeof(p)), plen,
		 inet_ntop(AF_INET6, router, r, sizeof(r)));
	*e = m->routes[--m->n_routes];
	conn_nat46_update(c);
}

/* --- RFC 4191 more-specific routes --- */

/* The index of a route to prefix/plen via router in m->rio (any source), or -1. */
static int rt_rio_index(const struct conn_router *m, const uint8_t prefix[16], uint8_t plen,
			const uint8_t router[16])
{
	for (unsigned i = 0; i < m->n_rio; i++) {
		const struct rt_rio *r = &m->rio[i];
		if (r->plen == plen && !memcmp(r->prefix, prefix, 16) && !memcmp(r->router, router, 16))
			return (int)i;
	}
	return -1;
}

static bool rt_rio_same(const struct rt_rio *r, const struct nd_routers_route *w,
			const struct nd_routers_src *src)
{
	uint8_t splen = src ? src->plen : 0;
	return r->plen == w->plen && !memcmp(r->prefix, w->prefix, 16) &&
	       !memcmp(r->router, w->router, 16) && r->src_plen == splen &&
	       (!splen || !memcmp(r->src, src->prefix, 16));
}

/* The metric for a route of preference prf: lower is preferred by the kernel, so a high route
 * wins over a medium one for the same prefix (and source) from another router, and both over a
 * low one. */
static uint32_t rt_rio_metric(const struct conn *c, const struct conn_router *m,
			      const struct nd_routers_route *w, const struct nd_routers_src *src)
{
	uint64_t metric = c->host.metric;
	uint8_t splen = src ? src->plen : 0;
	if (w->prf == ND_PRF_MEDIUM)
		metric += RT_RIO_STEP;
	else if (w->prf == ND_PRF_LOW)
		metric += 2 * RT_RIO_STEP;
	for (bool clash = true; clash && metric < UINT32_MAX; metric += clash) {
		clash = false;
		for (unsigned i = 0; i < m->n_rio; i++) {
			const struct rt_rio *r = &m->rio[i];
			clash = clash || (r->plen == w->plen && !memcmp(r->prefix, w->prefix, 16) &&
					  r->src_plen == splen &&
					  (!splen || !memcmp(r->src, src->prefix, 16)) &&
					  r->metric == metric);
		}
	}
	return metric > UINT32_MAX ? UINT32_MAX : (uint32_t)metric;
}

static const char *rt_rio_from(const uint8_t src[16], uint8_t src_plen, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	if (!src_plen)
		return "";
	snprintf(buf, cap, " from %s/%u", inet_ntop(AF_INET6, src, a, sizeof(a)), src_plen);
	return buf;
}

static void rt_rio_del(struct conn *c, struct rt_rio *e, const char *why)
{
	struct conn_router *m = rt(c);
	char p[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], f[64];
	hostcfg_route_del(&c->host.hc, AF_INET6, e->prefix, e->plen, e->src_plen ? e->src : NULL,
			  e->src_plen, e->metric);
	log_info("conn[%s]: RFC 4191: route %s/%u%s via %s removed (%s)", c->cfg.name,
		 inet_ntop(AF_INET6, e->prefix, p, sizeof(p)), e->plen,
		 rt_rio_from(e->src, e->src_plen, f, sizeof(f)),
		 inet_ntop(AF_INET6, e->router, r, sizeof(r)), why);
	*e = m->rio[--m->n_rio];
}

/* Installs route w for sources in src (NULL: every source) unless it is there. A route is
 * installed without an expiry: nd_routers removes it when its lifetime ends. */
static void rt_rio_add(struct conn *c, const struct nd_routers_route *w,
		       const struct nd_routers_src *src, uint64_t now)
{
	struct conn_router *m = rt(c);
	char p[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], f[64];
	for (unsigned i = 0; i < m->n_rio; i++)
		if (rt_rio_same(&m->rio[i], w, src))
			return;
	if (m->n_rio == RT_MAX_RIO)
		return;
	uint32_t metric = rt_rio_metric(c, m, w, src);
	if (hostcfg_route_add(&c->host.hc, AF_INET6, w->prefix, w->plen, src ? src->prefix : NULL,
			      src ? src->plen : 0, w->router, metric) < 0) {
		log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc));
		return;
	}
	struct rt_rio *e = &m->rio[m->n_rio++];
	memset(e, 0, sizeof(*e));
	memcpy(e->prefix, w->prefix, 16);
	memcpy(e->router, w->router, 16);
	e->plen = w->plen;
	if (src) {
		memcpy(e->src, src->prefix, 16);
		e->src_plen = src->plen;
	}
	e->prf = w->prf;
	e->metric = metric;
	log_info("conn[%s]: RFC 4191: route %s/%u%s via %s preference %s metric %u (lifetime %u s)",
		 c->cfg.name, inet_ntop(AF_INET6, w->prefix, p, sizeof(p)), w->plen,
		 rt_rio_from(e->src, e->src_plen, f, sizeof(f)),
		 inet_ntop(AF_INET6, w->router, r, sizeof(r)), nd_prf_name(w->prf), metric,
		 nd_routers_remaining_s(w->until_ms, now));
}

#define RT_RIO_SRC_MAX (ND_ROUTERS_MAX_ROUTES * ND_ROUTERS_MAX_PREFIXES)

/* The sources route i is wanted for (RFC 8028 applied to RFC 4191 routes): its router's prefixes
 * (nd_routers_route_sources); for a router that numbers none, every source (*has_any) and also
 * each source that another router's route to the same prefix is restricted to, so that the two
 * compete by preference there: the kernel's lookup prefers a matching source to no source. */
static size_t rt_rio_wanted(const struct nd_routers_route *rl, size_t n, size_t i,
			    struct nd_routers_src own[][ND_ROUTERS_MAX_PREFIXES], const size_t *n_own,
			    struct nd_routers_src *out, bool *has_any)
{
	size_t k = 0;
	*has_any = n_own[i] == 0;
	for (size_t j = 0; j < n_own[i]; j++)
		out[k++] = own[i][j];
	for (size_t o = 0; *has_any && o < n; o++) {
		if (o == i || rl[o].plen != rl[i].plen || memcmp(rl[o].prefix, rl[i].prefix, 16))
			continue;
		for (size_t j = 0; j < n_own[o] && k < RT_RIO_SRC_MAX; j++) {
			bool dup = false;
			for (size_t x = 0; x < k && !dup; x++)
				dup = out[x].plen == own[o][j].plen &&
				      !memcmp(out[x].prefix, own[o][j].prefix, 16);
			if (!dup)
				out[k++] = own[o][j];
		}
	}
	return k;
}

/* Makes the kernel's RFC 4191 routes what nd_routers knows, after each RA and timer: each route
 * for the sources rt_rio_wanted gives. A route whose preference or sources changed is replaced. */
static void rt_rio_sync(struct conn *c, uint64_t now)
{
	struct conn_router *m = rt(c);
	static struct nd_routers_src own[ND_ROUTERS_MAX_ROUTES][ND_ROUTERS_MAX_PREFIXES];
	static struct nd_routers_src want[ND_ROUTERS_MAX_ROUTES][RT_RIO_SRC_MAX];
	size_t n_own[ND_ROUTERS_MAX_ROUTES], n_want[ND_ROUTERS_MAX_ROUTES], n = 0;
	bool has_any[ND_ROUTERS_MAX_ROUTES];
	const struct nd_routers_route *rl = nd_routers_routes(&m->nr, &n);
	for (size_t i = 0; i < n; i++)
		n_own[i] = nd_routers_route_sources(&m->nr, rl[i].router, own[i],
						    ND_ROUTERS_MAX_PREFIXES);
	for (size_t i = 0; i < n; i++)
		n_want[i] = rt_rio_wanted(rl, n, i, own, n_own, want[i], &has_any[i]);
	for (unsigned k = m->n_rio; k-- > 0;) {
		bool keep = false;
		for (size_t i = 0; i < n && !keep; i++) {
			if (m->rio[k].prf != rl[i].prf)
				continue;
			keep = has_any[i] && rt_rio_same(&m->rio[k], &rl[i], NULL);
			for (size_t j = 0; j < n_want[i] && !keep; j++)
				keep = rt_rio_same(&m->rio[k], &rl[i], &want[i][j]);
		}
		if (!keep)
			rt_rio_del(c, &m->rio[k], "preference or sources changed");
	}
	for (size_t i = 0; i < n; i++) {
		if (has_any[i])
			rt_rio_add(c, &rl[i], NULL, now);
		for (size_t j = 0; j < n_want[i]; j++)
			rt_rio_add(c, &rl[i], &want[i][j], now);
	}
}

/* Installed by rt_rio_sync once the RA or timer has been handled. */
static void rt_route_update(void *ctx, const uint8_t prefix[16], uint8_t plen,
			    const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf)
{
	(void)ctx, (void)prefix, (void)plen, (void)router, (void)lifetime_s, (void)prf;
}

static void rt_route_remove(void *ctx, const uint8_t prefix[16], uint8_t plen,
			    const uint8_t router[16])
{
	struct conn *c = ctx;
	int i;
	while ((i = rt_rio_index(rt(c), prefix, plen, router)) >= 0)
		rt_rio_del(c, &rt(c)->rio[i], "withdrawn or expired");
}

/* --- prefixes shorter than /64 --- */

/* The routers' PIO prefixes shorter than /64, one entry per prefix over all routers (the
 * longest lifetimes, A if any router sets it), go to conn_v6, which reports them and gives the
 * host an address in each one's zero-extended /64 (as for a delegated prefix). */
static void rt_prefixes_changed(void *ctx)
{
	struct conn *c = ctx;
	struct conn_v6_rapfx v[CONN_V6_MAX_RAPFX];
	unsigned n = 0;
	size_t n_rtr;
	const struct nd_routers_router *rl = nd_routers_list(&rt(c)->nr, &n_rtr);
	for (size_t i = 0; i < n_rtr; i++)
		for (unsigned j = 0; j < rl[i].n_prefixes; j++) {
			const struct nd_routers_prefix *p = &rl[i].prefixes[j];
			unsigned k;
			if (p->plen >= 64)
				continue;
			for (k = 0; k < n; k++)
				if (v[k].plen == p->plen && !memcmp(v[k].prefix, p->prefix, 16))
					break;
			if (k == n && n == CONN_V6_MAX_RAPFX)
				continue;
			if (k == n) {
				memset(&v[n], 0, sizeof(v[n]));
				memcpy(v[n].prefix, p->prefix, 16);
				memcpy(v[n].router, rl[i].addr, 16);
				v[n++].plen = p->plen;
			}
			v[k].is_auto = v[k].is_auto || p->is_auto;
			v[k].valid_until_ms = v[k].valid_until_ms > p->valid_until_ms ?
						      v[k].valid_until_ms : p->valid_until_ms;
			v[k].pref_until_ms = v[k].pref_until_ms > p->pref_until_ms ?
						     v[k].pref_until_ms : p->pref_until_ms;
		}
	conn_v6_router_prefixes(c, v, n, clock_now_ms());
}

/* --- the kernel's own addresses on the adapter --- */

struct rt_kaddr_list {
	uint32_t ifindex;
	uint64_t now;
	unsigned n, n_failed;
	struct conn_v6addr a[CONN_V6_MAX_ADDRS];
	uint8_t failed[CONN_V6_MAX_ADDRS][16]; /* DAD failed: another node uses them */
};

static uint64_t rt_until(uint32_t s, uint64_t now)
{
	return s == ND_LIFETIME_INF ? V6L_NEVER : now + (uint64_t)s * 1000u;
}

/* Global addresses only (no link-local, no failed DAD); with lifetimes the kernel made them from
 * an RA (SLAAC, RFC 4941 temporary ones too), without (permanent) someone configured them. */
static void rt_kaddr_cb(const struct hostcfg_addr_info *ai, void *arg)
{
	struct rt_kaddr_list *l = arg;
	if (ai->family != AF_INET6 || ai->ifindex != l->ifindex || ai->scope != RT_SCOPE_UNIVERSE)
		return;
	if (ai->flags & IFA_F_DADFAILED) {
		if (l->n_failed < CONN_V6_MAX_ADDRS)
			memcpy(l->failed[l->n_failed++], ai->addr, 16);
		return;
	}
	if (l->n == CONN_V6_MAX_ADDRS)
		return;
	struct conn_v6addr *a = &l->a[l->n++];
	memcpy(a->addr, ai->addr, 16);
	a->plen = ai->plen;
	a->source = (ai->flags & IFA_F_PERMANENT) ? CONN_V6_KERNEL : CONN_V6_SLAAC;
	a->valid_until_ms = ai->has_cacheinfo ? rt_until(ai->valid_s, l->now) : V6L_NEVER;
	a->pref_until_ms = ai->has_cacheinfo ? rt_until(ai->pref_s, l->now) : V6L_NEVER;
}

static void rt_kaddrs_refresh(struct conn *c)
{
	static struct rt_kaddr_list l;
	if (!rt(c)->has_kaddrs)
		return;
	memset(&l, 0, sizeof(l));
	l.ifindex = (uint32_t)c->lk.eth.ifindex;
	l.now = clock_now_ms();
	if (hostcfg_nl_addr_list(&c->host.nl, AF_INET6, l.ifindex, rt_kaddr_cb, &l) < 0) {
		log_debug(LOGC_HOST, "conn[%s]: %s", c->cfg.name, hostcfg_nl_strerror(&c->host.nl));
		return;
	}
	conn_v6_kernel_addrs(c, l.a, l.n, l.now);
	for (unsigned i = 0; i < l.n_failed; i++)
		conn_v6_dad_failed(c, l.failed[i], l.now);
}

/* The kernel deletes an address with finite lifetimes whose DAD failed (only one with infinite
 * lifetimes stays, flagged IFA_F_DADFAILED), so a DHCPv6 address leaving the adapter while still
 * tentative is a DAD failure: v6link never removes an address the binding still holds. */
static unsigned rt_tentative_deleted(const struct conn *c, const uint8_t *buf, size_t len,
				     uint8_t out[][16], unsigned max)
{
	struct rcur cur = rcur_init(buf, len);
	struct hostcfg_nlmsg m;
	struct hostcfg_addr_info ai;
	unsigned n = 0;
	while (n < max && hostcfg_nl_next(&cur, &m)) {
		if (m.type != RTM_DELADDR || hostcfg_nl_parse_addr(&m, &ai) != HOSTCFG_NL_OK)
			continue;
		if (ai.family == AF_INET6 && ai.ifindex == (uint32_t)c->lk.eth.ifindex &&
		    (ai.flags & IFA_F_TENTATIVE) && ai.scope == RT_SCOPE_UNIVERSE)
			memcpy(out[n++], ai.addr, 16);
	}
	return n;
}

/* RTM_NEWADDR/RTM_DELADDR of any interface (RTMGRP_IPV6_IFADDR): read the adapter's list anew
 * (also after an overrun, when notifications were lost). */
static void rt_on_addr_event(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	uint8_t buf[8192];
	uint8_t gone[CONN_V6_MAX_ADDRS][16];
	unsigned n_gone = 0;
	ssize_t n;
	(void)ev;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 || (n < 0 && errno == ENOBUFS))
		if (n > 0)
			n_gone += rt_tentative_deleted(c, buf, (size_t)n, gone + n_gone,
						       CONN_V6_MAX_ADDRS - n_gone);
	rt_kaddrs_refresh(c);
	for (unsigned i = 0; rt(c)->has_kaddrs && i < n_gone; i++)
		conn_v6_dad_failed(c, gone[i], clock_now_ms());
	conn_reschedule(c); /* a Decline may have started */
}

static int rt_open_addr_watch(struct conn *c)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV6_IFADDR };
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    loop_add_fd(c->loop, fd, EPOLLIN, rt_on_addr_event, c) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void rt_router_update(void *ctx, const uint8_t router[16], uint32_t lifetime_s,
			     enum nd_prf prf)
{
	struct conn *c = ctx;
	char r[INET6_ADDRSTRLEN];
	log_debug(LOGC_HOST, "nd[%s]: router %s lifetime %u s preference %s", c->cfg.name,
		  inet_ntop(AF_INET6, router, r, sizeof(r)), lifetime_s, nd_prf_name(prf));
	if (c->fsm.state != CONN_UP) {
		conn_session_link_up(c, "an IPv6 router is on the segment", clock_now_ms());
		conn_hook(c, "ipv6-up", NULL);
	}
	if (!rt(c)->has_kaddrs) {
		rt(c)->has_kaddrs = true;
		rt_kaddrs_refresh(c);
	}
}

static void rt_router_remove(void *ctx, const uint8_t router[16])
{
	struct conn *c = ctx;
	char r[INET6_ADDRSTRLEN];
	size_t n;
	log_info("nd[%s]: router %s gone", c->cfg.name, inet_ntop(AF_INET6, router, r, sizeof(r)));
	nd_routers_list(&rt(c)->nr, &n);
	/* The FSM drops the router after this call: the last one leaving ends "up". */
	if (n <= 1)
		conn_session_progress(c, CONN_NETWORK, "no IPv6 router left; soliciting",
				      clock_now_ms());
}

static void rt_dns_changed(void *ctx)
{
	conn_dns_update(ctx);
}

static void rt_flags(void *ctx, bool is_managed, bool is_other)
{
	conn_v6_flags(ctx, is_managed, is_other, clock_now_ms());
}

static const struct nd_routers_ops rt_nr_ops = {
	.send_rs = rt_send_rs,
	.router_update = rt_router_update,
	.router_remove = rt_router_remove,
	.src_route_update = rt_src_route_update,
	.src_route_remove = rt_src_route_remove,
	.route_update = rt_route_update,
	.route_remove = rt_route_remove,
	.prefixes_changed = rt_prefixes_changed,
	.dns_changed = rt_dns_changed,
	.flags = rt_flags,
};

/* --- input --- */

/* Receives one packet from a socket of the adapter with its addresses: source (and source
 * port) from the sender's address, hop limit and destination from RFC 3542 ancillary data.
 * Returns its length, or -1 when nothing is queued. */
static ssize_t rt_recv(int fd, uint8_t *buf, size_t cap, struct nd_ip6_hdr *ip, uint16_t *sport)
{
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cm;
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
	ssize_t n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return -1;
	nd_rx_meta(cm.b, mh.msg_controllen, (const uint8_t *)&from.sin6_addr, (size_t)n, ip);
	*sport = ntohs(from.sin6_port);
	return n;
}

static void rt_on_icmp(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	uint8_t buf[1500];
	struct nd_ip6_hdr ip;
	uint16_t sport;
	ssize_t n;
	(void)ev;
	for (int k = 0; k < 16 && (n = rt_recv(fd, buf, sizeof(buf), &ip, &sport)) >= 0; k++) {
		rt_trace_icmp(c, false, ip.src, ip.dst, buf, (size_t)n);
		static struct nd_ra_msg ra;
		/* nd_parse_ra checks hop limit 255 and a link-local source (RFC 4861 §6.1.2). */
		enum nd_err e = nd_parse_ra(buf, (size_t)n, &ip, &ra);
		if (e != ND_E_OK) {
			rt(c)->nr.stats.rx_bad++; /* as nd_routers_on_packet counts its own */
			rt(c)->nr.stats.last_err = e;
			log_debug(LOGC_HOST, "nd[%s]: RA dropped: %s", c->cfg.name, nd_err_str(e));
			continue;
		}
		if (rt(c)->is_up)
			nd_routers_on_ra(&rt(c)->nr, ip.src, &ra, clock_now_ms());
	}
	if (rt(c)->is_up)
		rt_rio_sync(c, clock_now_ms());
	conn_reschedule(c);
}

static void rt_on_dhcp6(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	uint8_t buf[2048];
	struct nd_ip6_hdr ip;
	uint16_t sport;
	ssize_t n;
	(void)ev;
	for (int k = 0; k < 16 && (n = rt_recv(fd, buf, sizeof(buf), &ip, &sport)) >= 0; k++) {
		rt_trace_udp(c, false, ip.src, ip.dst, sport, 546, buf, (size_t)n);
		conn_v6_on_dhcp6(c, buf, (size_t)n, ip.dst, clock_now_ms());
	}
	conn_reschedule(c);
}

/* --- life cycle --- */

/* The kernel's SLAAC and DAD on the adapter, with RFC 4429 optimistic addresses; accept_ra=2
 * also on a host that forwards (a small router). All restored on exit. */
static int rt_sysctls(struct conn *c)
{
	static const char *const set[][2] = {
		{ "accept_ra", "2" }, { "autoconf", "1" }, { "optimistic_dad", "1" },
		{ "use_optimistic", "1" }, { "disable_ipv6", "0" },
	};
	char path[96];
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		snprintf(path, sizeof(path), "net/ipv6/conf/%s/%s", c->lk.eth.name, set[i][0]);
		if (hostcfg_sysctl_set(&c->host.hc_link, path, set[i][1]) < 0) {
			log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc_link));
			return -1;
		}
	}
	return 0;
}

static int rt_open(struct conn *c)
{
	struct conn_router *m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	m->icmp_fd = m->d6_fd = m->addr_fd = -1;
	c->mode = m;
	if (pkt_if_lookup(c->cfg.eth_if, &c->lk.eth) < 0) {
		log_warn("conn[%s]: Ethernet adapter '%s'", c->cfg.name, c->cfg.eth_if);
		return -1;
	}
	snprintf(c->lk.ifname, sizeof(c->lk.ifname), "%s", c->lk.eth.name);
	c->lk.mtu = (uint16_t)c->lk.eth.mtu;
	if (conn_host_init_adapter(&c->host, c->cfg.name, c->lk.eth.name) < 0 || rt_sysctls(c) < 0)
		return -1;
	conn_host_set_routes(&c->host, c->cfg.route_metric, c->cfg.route_table,
			     c->cfg.default_route);
	/* The modified EUI-64 identifier the kernel gives the adapter (RFC 4291 Appendix A): the
	 * host's address in a delegated /64 uses it too. */
	nd_eui64_link_local(c->lk.eth.mac, c->host.v6_ll);
	memcpy(c->lk.our_iid, c->host.v6_ll + 8, 8);
	m->icmp_fd = rt_open_icmp(c);
	m->d6_fd = rt_open_dhcp6(c);
	if (m->icmp_fd < 0 || m->d6_fd < 0) {
		log_warn("conn[%s]: %s socket on %s", c->cfg.name, m->icmp_fd < 0 ? "ICMPv6" :
			 "DHCPv6 (UDP 546: is another DHCPv6 client running?)", c->lk.eth.name);
		return -1;
	}
	if (loop_add_fd(c->loop, m->icmp_fd, EPOLLIN, rt_on_icmp, c) < 0 ||
	    loop_add_fd(c->loop, m->d6_fd, EPOLLIN, rt_on_dhcp6, c) < 0)
		return -1;
	/* Without it the kernel's SLAAC addresses are read at ipv6-up only. */
	m->addr_fd = rt_open_addr_watch(c);
	if (m->addr_fd < 0)
		log_warn("conn[%s]: cannot watch the addresses of %s", c->cfg.name, c->lk.eth.name);
	nd_routers_init(&m->nr, NULL, &rt_nr_ops, c, c->rng, c->cfg.name);
	return 0;
}

static void rt_dial(struct conn *c, uint64_t now)
{
	struct conn_router *m = rt(c);
	if (m->is_up)
		return;
	m->is_up = true;
	c->lk.v6_up = true;
	nd_routers_start(&m->nr, now);
	conn_v6_up(c, now);
}

/* Everything the connection added to the host goes; the adapter's own SLAAC stays. */
static void rt_stop(struct conn *c, uint64_t now, bool release)
{
	struct conn_router *m = rt(c);
	if (!m->is_up)
		return;
	if (release)
		conn_v6_release(c, now);
	nd_routers_stop(&m->nr, now);
	/* The kernel's addresses stay on the adapter: they are only no longer reported. */
	m->has_kaddrs = false;
	conn_v6_kernel_addrs_clear(c);
	conn_v6_down(c, now);
	m->is_up = false;
	c->lk.v6_up = false;
	hostcfg_undo_all(&c->host.hc);
	m->n_routes = 0;
	m->n_rio = 0;
}

static void rt_hangup(struct conn *c, const char *why, uint64_t now)
{
	rt_stop(c, now, true);
	conn_session_end(c, why, now);
}

static void rt_abort(struct conn *c, const char *why, uint64_t now)
{
	(void)why;
	rt_stop(c, now, false);
}

static void rt_close(struct conn *c)
{
	struct conn_router *m = rt(c);
	if (!m)
		return;
	rt_stop(c, clock_now_ms(), false);
	if (m->icmp_fd >= 0) {
		loop_del_fd(c->loop, m->icmp_fd);
		close(m->icmp_fd);
	}
	if (m->d6_fd >= 0) {
		loop_del_fd(c->loop, m->d6_fd);
		close(m->d6_fd);
	}
	if (m->addr_fd >= 0) {
		loop_del_fd(c->loop, m->addr_fd);
		close(m->addr_fd);
	}
	conn_host_undo_all(&c->host);
	free(m);
	c->mode = NULL;
}

static void rt_on_timer(struct conn *c, uint64_t now)
{
	struct conn_router *m = rt(c);
	if (m->is_up && nd_routers_next_deadline(&m->nr) <= now) {
		nd_routers_on_timer(&m->nr, now);
		rt_rio_sync(c, now);
	}
}

static uint64_t rt_next_deadline(const struct conn *c)
{
	const struct conn_router *m = rt(c);
	return m->is_up ? nd_routers_next_deadline(&m->nr) : V6L_NEVER;
}

static uint64_t rt_last_activity(const struct conn *c)
{
	(void)c;
	return 0;
}

/* Router mode has no data path of its own: the adapter's kernel counters stand in. */
static unsigned long long rt_sys_counter(const struct conn *c, const char *name)
{
	char path[128], buf[32] = "";
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", c->lk.eth.name, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strtoull(buf, NULL, 10);
}

static void rt_stats(const struct conn *c, struct dp_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->tx_packets = rt_sys_counter(c, "tx_packets");
	st->rx_packets = rt_sys_counter(c, "rx_packets");
	st->tx_bytes = rt_sys_counter(c, "tx_bytes");
	st->rx_bytes = rt_sys_counter(c, "rx_bytes");
}

static struct dataplane *rt_dataplane(const struct conn *c)
{
	(void)c;
	return NULL;
}

static void rt_ra_dns(const struct conn *c, struct dns_servers *d)
{
	const struct conn_router *m = rt(c);
	size_t n = 0, n_search = 0;
	if (!m)
		return;
	const struct nd_ra_dns *rd = nd_routers_dns(&m->nr, &n);
	const struct nd_ra_search *rs = nd_routers_search(&m->nr, &n_search);
	for (size_t i = 0; i < n; i++)
		dns_servers_add(d, AF_INET6, rd[i].addr);
	for (size_t i = 0; i < n_search; i++)
		dns_servers_add_domain(d, rs[i].name);
}

/* A /64 some router announced (its source route exists): NAT46's dedicated address. */
static bool rt_prefix64(const struct conn *c, uint8_t prefix[8])
{
	const struct conn_router *m = rt(c);
	for (unsigned i = 0; m && i < m->n_routes; i++)
		if (m->routes[i].plen == 64) {
			memcpy(prefix, m->routes[i].prefix, 8);
			return true;
		}
	return false;
}

static int rt_nat46_attach(struct conn *c, struct xlat *x)
{
	return xlat_attach_link(x, c->lk.eth.ifindex, c->lk.eth.mac);
}

static void rt_nat46_detach(struct conn *c)
{
	(void)c; /* xlat_free closes the packet socket */
}

static void rt_trace_attach(struct conn *c)
{
	char name[40];
	snprintf(name, sizeof(name), "%s-ipv6", c->lk.eth.name);
	conn_trace_add_ip_iface(c, name, "IPv6 control packets of v6link's own sockets (RS, RA, DHCPv6)");
}

/* "64:ff9b::/96" strings of the NAT64 prefixes (RFC 8781), as dial-up shows them. */
static void rt_status_pref64(const struct conn_router *m, struct strbuf *sb)
{
	struct nd_ra_pref64 v[ND_ROUTERS_MAX_PREF64];
	char a[INET6_ADDRSTRLEN];
	size_t n = m ? nd_routers_pref64(&m->nr, v, ND_ROUTERS_MAX_PREF64) : 0;
	for (size_t i = 0; i < n; i++)
		sb_printf(sb, "%s\"%s/%u\"", i ? "," : "", inet_ntop(AF_INET6, v[i].prefix, a, sizeof(a)),
			  v[i].plen);
}

/* The RFC 4191 routes with the metric each was installed at (null: not installed). */
static void rt_status_rio(const struct conn_router *m, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], metric[16];
	size_t n = 0;
	const struct nd_routers_route *rl = m ? nd_routers_routes(&m->nr, &n) : NULL;
	for (size_t i = 0; i < n; i++) {
		int k = rt_rio_index(m, rl[i].prefix, rl[i].plen, rl[i].router);
		if (k < 0)
			snprintf(metric, sizeof(metric), "null");
		else
			snprintf(metric, sizeof(metric), "%u", m->rio[k].metric);
		sb_printf(sb, "%s{\"prefix\":\"%s/%u\",\"router\":\"%s\",\"preference\":\"%s\","
			      "\"lifetime\":%u,\"metric\":%s}", i ? "," : "",
			  inet_ntop(AF_INET6, rl[i].prefix, a, sizeof(a)), rl[i].plen,
			  inet_ntop(AF_INET6, rl[i].router, r, sizeof(r)), nd_prf_name(rl[i].prf),
			  nd_routers_remaining_s(rl[i].until_ms, now), metric);
	}
}

/* What the RA machinery received and what it dropped for want of room (ND_ROUTERS_MAX_*). */
static void rt_status_ra_stats(const struct conn_router *m, struct strbuf *sb)
{
	struct nd_routers_stats z = { 0 };
	const struct nd_routers_stats *st = m ? &m->nr.stats : &z;
	sb_printf(sb, ",\"rx_ra\":%u,\"rx_bad\":%u,\"rx_not_link_local\":%u,\"dropped\":{"
		      "\"routers\":%u,\"prefixes\":%u,\"dns\":%u,\"search\":%u,\"routes\":%u,"
		      "\"pref64\":%u}", st->rx_ra, st->rx_bad, st->rx_not_link_local,
		  st->n_routers_dropped, st->n_prefixes_dropped, st->n_dns_dropped,
		  st->n_search_dropped, st->n_routes_dropped, st->n_pref64_dropped);
}

static void rt_status_json(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	const struct conn_router *m = rt(c);
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	const struct nd_routers_router *r = m ? nd_routers_list(&m->nr, &n) : NULL;
	sb_printf(sb, "\"routers\":[");
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
	sb_printf(sb, "],\"pref64\":[");
	rt_status_pref64(m, sb);
	sb_printf(sb, "],\"ra\":{\"state\":\"%s\",\"managed\":%s,\"other\":%s,"
		      "\"mtu\":null,\"routes\":[", m ? nd_routers_state_name(m->nr.state) : "idle",
		  m && m->nr.is_managed ? "true" : "false", m && m->nr.is_other ? "true" : "false");
	rt_status_rio(m, sb, now);
	sb_printf(sb, "]");
	rt_status_ra_stats(m, sb);
	sb_printf(sb, "}");
}

static void rt_status_text(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	const struct conn_router *m = rt(c);
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	const struct nd_routers_router *r = m ? nd_routers_list(&m->nr, &n) : NULL;
	for (size_t i = 0; i < n; i++) {
		sb_printf(sb, "  %-12s %s lifetime %us preference %s\n", "router",
			  inet_ntop(AF_INET6, r[i].addr, a, sizeof(a)),
			  nd_routers_remaining_s(r[i].until_ms, now), nd_prf_name(r[i].prf));
		for (unsigned k = 0; k < r[i].n_prefixes; k++)
			sb_printf(sb, "  %-12s   default from %s/%u via this router%s\n", "",
				  inet_ntop(AF_INET6, r[i].prefixes[k].prefix, a, sizeof(a)),
				  r[i].prefixes[k].plen, r[i].prefixes[k].has_route ? "" : " (not installed)");
	}
	size_t n_rio = 0;
	const struct nd_routers_route *rl = m ? nd_routers_routes(&m->nr, &n_rio) : NULL;
	for (size_t i = 0; i < n_rio; i++) {
		char g[INET6_ADDRSTRLEN];
		sb_printf(sb, "  %-12s %s/%u via %s preference %s lifetime %us\n", "route",
			  inet_ntop(AF_INET6, rl[i].prefix, a, sizeof(a)), rl[i].plen,
			  inet_ntop(AF_INET6, rl[i].router, g, sizeof(g)), nd_prf_name(rl[i].prf),
			  nd_routers_remaining_s(rl[i].until_ms, now));
	}
	struct nd_ra_pref64 v[ND_ROUTERS_MAX_PREF64];
	size_t n64 = m ? nd_routers_pref64(&m->nr, v, ND_ROUTERS_MAX_PREF64) : 0;
	for (size_t i = 0; i < n64; i++)
		sb_printf(sb, "  %-12s %s/%u lifetime %us\n", "pref64",
			  inet_ntop(AF_INET6, v[i].prefix, a, sizeof(a)), v[i].plen,
			  nd_routers_remaining_s(v[i].until_ms, now));
}

const struct conn_mode_ops conn_mode_router = {
	.name = "router",
	.open = rt_open,
	.close = rt_close,
	.dial = rt_dial,
	.hangup = rt_hangup,
	.abort = rt_abort,
	.on_timer = rt_on_timer,
	.next_deadline = rt_next_deadline,
	.last_activity = rt_last_activity,
	.stats = rt_stats,
	.dataplane = rt_dataplane,
	/* The kernel does DAD on the shared segment, optimistically (RFC 4429). */
	.v6_addr_flags = IFA_F_OPTIMISTIC,
	.send_dhcp6 = rt_send_dhcp6,
	.ra_dns = rt_ra_dns,
	.prefix64 = rt_prefix64,
	.nat46_attach = rt_nat46_attach,
	.nat46_detach = rt_nat46_detach,
	.nat46_blackhole = true,
	.trace_attach = rt_trace_attach,
	.status_json = rt_status_json,
	.status_text = rt_status_text,
};
