/* Host configuration of one connection; see conn_host.h. */
#include "engine/conn_host.h"

#include "core/log.h"
#include "hostcfg/nlparse.h"
#include "hostcfg/sys.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* RFC 7600 reserves 192.0.0.8 as the "IPv4 dummy address" for exactly this: a host that needs
 * an IPv4 source before it has a real one. Used only while dialling on demand. */
static const uint8_t conn_host_dummy4[4] = { 192, 0, 0, 8 };
static const uint8_t conn_host_any[16];

int conn_host_init(struct conn_host *h, const char *conn, const char *ifname, bool use_ipv4,
		   bool use_ipv6, bool demand, unsigned mtu)
{
	char path[96];
	memset(h, 0, sizeof(*h));
	snprintf(h->ifname, sizeof(h->ifname), "%s", ifname);
	h->use_ipv4 = use_ipv4;
	h->use_ipv6 = use_ipv6;
	h->demand = demand;
	h->has_default = true;
	h->metric = CONN_HOST_METRIC;
	if (hostcfg_nl_open(&h->nl) < 0) {
		log_warn("host[%s]: rtnetlink", conn);
		return -1;
	}
	hostcfg_init(&h->hc, conn, ifname, &hostcfg_sys_ops, &h->nl);
	hostcfg_init(&h->hc_link, conn, ifname, &hostcfg_sys_ops, &h->nl);
	/* v6link answers RAs and ND itself; the kernel must not autoconfigure the TUN. */
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/accept_ra", ifname);
	if (hostcfg_sysctl_set(&h->hc_link, path, "0") < 0)
		goto fail;
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/addr_gen_mode", ifname);
	if (hostcfg_sysctl_set(&h->hc_link, path, "1") < 0)
		goto fail;
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/disable_ipv6", ifname);
	if (hostcfg_sysctl_set(&h->hc_link, path, use_ipv6 ? "0" : "1") < 0)
		goto fail;
	if (hostcfg_link_setup(&h->hc_link, mtu, true) < 0)
		goto fail;
	return 0;
fail:
	log_warnx("host[%s]: %s", conn, hostcfg_last_error(&h->hc_link));
	hostcfg_undo_all(&h->hc_link);
	hostcfg_nl_close(&h->nl);
	h->nl.sock = NULL;
	return -1;
}

void conn_host_set_routes(struct conn_host *h, uint32_t metric, uint32_t table,
			  bool default_route)
{
	h->metric = metric;
	h->has_default = default_route;
	if (table == 0) /* RT_TABLE_UNSPEC: the kernel would pick main anyway */
		table = HOSTCFG_TABLE_MAIN;
	hostcfg_set_table(&h->hc, table);
	hostcfg_set_table(&h->hc_link, table);
}

/* A default route through the interface on list hc. Another's default route at our metric in
 * our table is not taken over: the connection goes on without one (said in the log). */
static int conn_host_default_add(struct conn_host *h, struct hostcfg *hc, int family)
{
	if (!h->has_default)
		return 0;
	int r = hostcfg_route_add(hc, family, conn_host_any, 0, NULL, 0, NULL, h->metric);
	if (r == HOSTCFG_EXISTS)
		log_warnx("host[%s]: no IPv%c default route through %s: give this connection a "
			  "route_metric no other default route in its table has", hc->conn,
			  family == AF_INET ? '4' : '6', h->ifname);
	return r < 0 ? -1 : 0;
}

static void conn_host_default_del(struct conn_host *h, struct hostcfg *hc, int family)
{
	hostcfg_route_del(hc, family, conn_host_any, 0, NULL, 0, h->metric);
}

int conn_host_demand(struct conn_host *h)
{
	if (h->use_ipv4) {
		if (hostcfg_addr_add(&h->hc_link, AF_INET, conn_host_dummy4, 32, NULL,
				     HOSTCFG_LIFETIME_INF, HOSTCFG_LIFETIME_INF, 0) < 0 ||
		    conn_host_default_add(h, &h->hc_link, AF_INET) < 0)
			goto fail;
	}
	if (h->use_ipv6 && conn_host_default_add(h, &h->hc_link, AF_INET6) < 0)
		goto fail;
	return 0;
fail:
	log_warnx("host[%s]: demand routes: %s", h->hc_link.conn, hostcfg_last_error(&h->hc_link));
	return -1;
}

static int conn_host_demand6_apply(struct conn_host *h)
{
	if (!h->has_demand6)
		return 0;
	if (hostcfg_addr_add(&h->hc_link, AF_INET6, h->demand_ll, 64, NULL, HOSTCFG_LIFETIME_INF,
			     HOSTCFG_LIFETIME_INF, IFA_F_NODAD) < 0)
		return -1;
	if (h->has_demand_gua &&
	    hostcfg_addr_add(&h->hc_link, AF_INET6, h->demand_gua, 64, NULL, HOSTCFG_LIFETIME_INF,
			     HOSTCFG_LIFETIME_INF, IFA_F_NODAD | IFA_F_NOPREFIXROUTE) < 0)
		return -1;
	return 0;
}

int conn_host_demand6(struct conn_host *h, const uint8_t iid[8], const uint8_t *prefix)
{
	if (!h->demand || !h->use_ipv6)
		return 0;
	memset(h->demand_ll, 0, 16);
	h->demand_ll[0] = 0xfe;
	h->demand_ll[1] = 0x80;
	memcpy(h->demand_ll + 8, iid, 8);
	h->has_demand_gua = prefix != NULL;
	if (prefix) {
		memcpy(h->demand_gua, prefix, 8);
		memcpy(h->demand_gua + 8, iid, 8);
	}
	h->has_demand6 = true;
	if (conn_host_demand6_apply(h) < 0) {
		log_warnx("host[%s]: demand addresses: %s", h->hc_link.conn,
			  hostcfg_last_error(&h->hc_link));
		return -1;
	}
	return 0;
}

void conn_host_demand6_prefix(struct conn_host *h, const uint8_t prefix[8])
{
	if (!h->has_demand6 || (h->has_demand_gua && !memcmp(h->demand_gua, prefix, 8)))
		return;
	/* A renumbered line: the old prefix's address must not stay a source beside the new. */
	if (h->has_demand_gua)
		hostcfg_addr_del(&h->hc_link, AF_INET6, h->demand_gua, 64, NULL);
	memcpy(h->demand_gua, prefix, 8);
	memcpy(h->demand_gua + 8, h->demand_ll + 8, 8);
	h->has_demand_gua = true;
}

int conn_host_ipv4_up(struct conn_host *h, const uint8_t local[4], const uint8_t peer[4],
		      unsigned mtu)
{
	if (hostcfg_link_setup(&h->hc_link, mtu, true) < 0 ||
	    hostcfg_addr_add(&h->hc, AF_INET, local, 32, peer, HOSTCFG_LIFETIME_INF,
			     HOSTCFG_LIFETIME_INF, 0) < 0)
		goto fail;
	/* The demand placeholder goes after the real address exists, so that the interface never
	 * loses its last address (which would flush the default route). */
	if (h->demand)
		hostcfg_addr_del(&h->hc_link, AF_INET, conn_host_dummy4, 32, NULL);
	if (!h->demand && conn_host_default_add(h, &h->hc, AF_INET) < 0)
		goto fail;
	memcpy(h->v4_local, local, 4);
	memcpy(h->v4_peer, peer, 4);
	h->has_v4 = true;
	return 0;
fail:
	log_warnx("host[%s]: %s", h->hc.conn, hostcfg_last_error(&h->hc));
	return -1;
}

void conn_host_ipv4_down(struct conn_host *h)
{
	if (!h->has_v4)
		return;
	if (h->demand)
		hostcfg_addr_add(&h->hc_link, AF_INET, conn_host_dummy4, 32, NULL,
				 HOSTCFG_LIFETIME_INF, HOSTCFG_LIFETIME_INF, 0);
	/* With demand the default route belongs to hc_link and outlives the session. */
	if (!h->demand)
		conn_host_default_del(h, &h->hc, AF_INET);
	hostcfg_addr_del(&h->hc, AF_INET, h->v4_local, 32, h->v4_peer);
	h->has_v4 = false;
}

int conn_host_ipv6_up(struct conn_host *h, const uint8_t iid[8], unsigned mtu)
{
	uint8_t ll[16] = { 0xfe, 0x80 };
	memcpy(ll + 8, iid, 8);
	/* RFC 5072 §5: IPv6CP already guaranteed the identifier is unique on the link. The
	 * demand link-local, when it is the same, stays the demand list's. */
	h->is_v6_ll_demand = h->has_demand6 && !memcmp(ll, h->demand_ll, 16);
	if (hostcfg_link_setup(&h->hc_link, mtu, true) < 0 ||
	    (!h->is_v6_ll_demand &&
	     hostcfg_addr_add(&h->hc, AF_INET6, ll, 64, NULL, HOSTCFG_LIFETIME_INF,
			      HOSTCFG_LIFETIME_INF, IFA_F_NODAD) < 0))
		goto fail;
	if (!h->demand && conn_host_default_add(h, &h->hc, AF_INET6) < 0)
		goto fail;
	memcpy(h->v6_ll, ll, 16);
	h->has_v6 = true;
	h->has_v6_default = !h->demand;
	return 0;
fail:
	log_warnx("host[%s]: %s", h->hc.conn, hostcfg_last_error(&h->hc));
	return -1;
}

void conn_host_ipv6_down(struct conn_host *h)
{
	if (!h->has_v6)
		return;
	if (h->has_v6_default)
		conn_host_default_del(h, &h->hc, AF_INET6);
	if (!h->is_v6_ll_demand)
		hostcfg_addr_del(&h->hc, AF_INET6, h->v6_ll, 64, NULL);
	h->has_v6 = h->has_v6_default = false;
}

int conn_host_ipv6_default(struct conn_host *h, bool want)
{
	if (!h->has_v6 || h->demand || h->has_v6_default == want)
		return 0;
	if (!want) {
		conn_host_default_del(h, &h->hc, AF_INET6);
		h->has_v6_default = false;
		log_info("host[%s]: IPv6 default route removed: no default router (RFC 4861 "
			 "§6.3.4: router lifetime 0 or expired)", h->hc.conn);
		return 0;
	}
	if (conn_host_default_add(h, &h->hc, AF_INET6) < 0) {
		log_warnx("host[%s]: %s", h->hc.conn, hostcfg_last_error(&h->hc));
		return -1;
	}
	h->has_v6_default = true;
	log_info("host[%s]: IPv6 default route back: a router lifetime above 0", h->hc.conn);
	return 0;
}

void conn_host_session_down(struct conn_host *h)
{
	conn_host_ipv4_down(h);
	conn_host_ipv6_down(h);
	hostcfg_undo_all(&h->hc);
	/* The session may have had the demand address as its own (the same prefix again) and
	 * removed it with its list: it waits on the interface again. */
	conn_host_demand6_apply(h);
}

int conn_host_init_adapter(struct conn_host *h, const char *conn, const char *ifname)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->ifname, sizeof(h->ifname), "%s", ifname);
	h->has_default = true;
	h->metric = CONN_HOST_METRIC;
	if (hostcfg_nl_open(&h->nl) < 0) {
		log_warn("host[%s]: rtnetlink", conn);
		return -1;
	}
	hostcfg_init(&h->hc, conn, ifname, &hostcfg_sys_ops, &h->nl);
	hostcfg_init(&h->hc_link, conn, ifname, &hostcfg_sys_ops, &h->nl);
	return 0;
}

int conn_host_route6(struct conn_host *h, const uint8_t prefix[16], uint8_t plen, bool add)
{
	if (add)
		return hostcfg_route_add(&h->hc, AF_INET6, prefix, plen, NULL, 0, NULL, h->metric) < 0 ?
			       -1 : 0;
	return hostcfg_route_del(&h->hc, AF_INET6, prefix, plen, NULL, 0, h->metric);
}

void conn_host_ipv4_lan(struct conn_host *h)
{
	if (!h->use_ipv4)
		return;
	conn_host_ipv4_down(h);
	/* The adapter's DHCPv4 router carries IPv4: no demand placeholder over the session. */
	if (h->demand) {
		conn_host_default_del(h, &h->hc_link, AF_INET);
		hostcfg_addr_del(&h->hc_link, AF_INET, conn_host_dummy4, 32, NULL);
	}
	h->use_ipv4 = false;
}

/* Devices whose MTU cannot exceed their lower device's (IFLA_LINK); a veth's IFLA_LINK is its
 * peer, which is not in the way. */
static bool conn_host_is_stacked(const struct hostcfg_link_info *li)
{
	static const char *const kinds[] = { "vlan", "macvlan", "macvtap", "ipvlan" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(li->kind, kinds[i]) == 0)
			return li->link != 0;
	return false;
}

/* Raises the lower device of the stacked adapter li to mtu: 0, or -1 with the reason added to
 * why[cap] (which holds the adapter's refusal). */
static int conn_host_lower_mtu(struct conn_host *h, const struct hostcfg_link_info *li,
			       unsigned mtu, char *why, size_t cap)
{
	char name[IF_NAMESIZE];
	struct hostcfg_link_info lo;
	size_t n = strnlen(why, cap);
	if (li->has_link_netns) {
		snprintf(why + n, cap - n, "; %s is a %s device whose lower device is in another "
			 "network namespace", li->name, li->kind);
		return -1;
	}
	if (!if_indextoname(li->link, name) || hostcfg_nl_link_get(&h->nl, name, &lo) < 0) {
		snprintf(why + n, cap - n, "; its lower device %u not found", li->link);
		return -1;
	}
	if (lo.mtu >= mtu)
		return -1;
	if (!h->has_lower || strcmp(h->hc_lower.ifname, name) != 0) {
		hostcfg_undo_all(&h->hc_lower);
		hostcfg_init(&h->hc_lower, h->hc.conn, name, &hostcfg_sys_ops, &h->nl);
		h->has_lower = true;
	}
	if (hostcfg_link_mtu(&h->hc_lower, mtu) < 0) {
		snprintf(why + n, cap - n, "; its lower device: %s", hostcfg_nl_strerror(&h->nl));
		return -1;
	}
	log_info("host[%s]: MTU of %s (the lower device of %s) raised from %u to %u", h->hc.conn,
		 name, li->name, lo.mtu, mtu);
	snprintf(h->mtu_rec.lower, sizeof(h->mtu_rec.lower), "%s", name);
	h->mtu_rec.lower_from = (uint16_t)lo.mtu;
	h->mtu_rec.lower_to = (uint16_t)mtu;
	return 0;
}

int conn_host_adapter_mtu(struct conn_host *h, const char *adapter, unsigned mtu, char *why,
			  size_t cap)
{
	struct hostcfg_link_info li;
	why[0] = '\0';
	if (hostcfg_nl_link_get(&h->nl, adapter, &li) < 0) {
		snprintf(why, cap, "%s", hostcfg_nl_strerror(&h->nl));
		return -1;
	}
	if (li.mtu >= mtu)
		return (int)li.mtu;
	memset(&h->mtu_rec, 0, sizeof(h->mtu_rec));
	h->has_mtu_rec = false;
	if (!h->has_eth || strcmp(h->hc_eth.ifname, adapter) != 0) {
		hostcfg_undo_all(&h->hc_eth);
		hostcfg_init(&h->hc_eth, h->hc.conn, adapter, &hostcfg_sys_ops, &h->nl);
		h->has_eth = true;
	}
	if (hostcfg_link_mtu(&h->hc_eth, mtu) == 0)
		goto raised;
	snprintf(why, cap, "%s%s", hostcfg_nl_strerror(&h->nl),
		 li.max_mtu && li.max_mtu < mtu ? " (above the device's maximum)" : "");
	if (conn_host_is_stacked(&li) && conn_host_lower_mtu(h, &li, mtu, why, cap) == 0) {
		if (hostcfg_link_mtu(&h->hc_eth, mtu) == 0)
			goto raised;
		snprintf(why, cap, "%s", hostcfg_nl_strerror(&h->nl));
		hostcfg_undo_all(&h->hc_lower); /* raised for nothing */
		memset(&h->mtu_rec, 0, sizeof(h->mtu_rec));
	}
	return (int)li.mtu;
raised:
	log_info("host[%s]: MTU of %s raised from %u to %u", h->hc.conn, adapter, li.mtu, mtu);
	snprintf(h->mtu_rec.dev, sizeof(h->mtu_rec.dev), "%s", adapter);
	h->mtu_rec.from = (uint16_t)li.mtu;
	h->mtu_rec.to = (uint16_t)mtu;
	h->has_mtu_rec = true;
	return (int)mtu;
}

/* One device of a crashed run's record: back to from if it still has to. */
static void conn_host_mtu_put_back(struct hostcfg_nl *nl, const char *conn, const char *dev,
				   unsigned from, unsigned to)
{
	struct hostcfg_link_info li;
	if (hostcfg_nl_link_get(nl, dev, &li) < 0)
		return; /* gone: a new device has its own MTU */
	if (li.mtu != to) {
		log_info("host[%s]: MTU of %s is %u, not the %u an earlier run set: left as it is",
			 conn, dev, li.mtu, to);
		return;
	}
	if (hostcfg_nl_link_set(nl, li.ifindex, -1, from) < 0) {
		log_warnx("host[%s]: cannot put the MTU of %s back to %u: %s", conn, dev, from,
			  hostcfg_nl_strerror(nl));
		return;
	}
	log_info("host[%s]: MTU of %s put back from %u to %u (raised by an earlier run)", conn,
		 dev, to, from);
}

void conn_host_mtu_restore(const char *conn, const struct conn_mtu_rec *r)
{
	struct hostcfg_nl nl;
	if (hostcfg_nl_open(&nl) < 0) {
		log_warn("host[%s]: rtnetlink", conn);
		return;
	}
	/* The stacked device first: it cannot stay above its lower device. */
	conn_host_mtu_put_back(&nl, conn, r->dev, r->from, r->to);
	if (r->lower[0])
		conn_host_mtu_put_back(&nl, conn, r->lower, r->lower_from, r->lower_to);
	hostcfg_nl_close(&nl);
}

void conn_host_undo_all(struct conn_host *h)
{
	if (!h->nl.sock)
		return;
	hostcfg_undo_all(&h->hc);
	hostcfg_undo_all(&h->hc_link);
	if (h->has_eth)
		hostcfg_undo_all(&h->hc_eth);
	if (h->has_lower)
		hostcfg_undo_all(&h->hc_lower);
	hostcfg_nl_close(&h->nl);
	h->nl.sock = NULL;
}

void conn_host_fill_prefixes(const struct conn_host *h, struct dp_session *s)
{
	s->n_prefixes = 0;
	if (h->has_v6) {
		s->prefixes[0] = (struct dp_prefix6){ .addr = { 0xfe, 0x80 }, .len = 10 };
		s->n_prefixes = 1;
	}
}
