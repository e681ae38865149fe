/* What a connection does to the host, in its terms: the TUN link, demand placeholders, the
 * IPv4 address and default route from IPCP, the IPv6 link-local from IPv6CP and the IPv6
 * default route, each route at the connection's metric and in its routing table. Everything
 * goes through the hostcfg undo list; a route another connection or program has is left alone. */
#ifndef V6L_CONN_HOST_H
#define V6L_CONN_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp_filter.h"
#include "engine/conn_rec.h"
#include "hostcfg/hostcfg.h"
#include "hostcfg/nl.h"

/* Default metric of our routes (route_metric=): below common Ethernet defaults (100 and up) so
 * the line wins. */
#define CONN_HOST_METRIC 50

struct conn_host {
	struct hostcfg_nl nl;      /* rtnetlink socket of both lists */
	struct hostcfg hc;       /* session-lifetime records */
	struct hostcfg hc_link;  /* records kept for the daemon's lifetime (link, sysctls, demand) */
	char ifname[16];
	bool use_ipv4, use_ipv6, demand;
	bool has_default;          /* install default routes (default_route=1) */
	uint32_t metric;           /* of the default and RFC 4191 routes */
	bool has_v4;
	uint8_t v4_local[4], v4_peer[4];
	bool has_v6;
	bool has_v6_default;       /* the session's IPv6 default route is installed */
	uint8_t v6_ll[16];
	bool is_v6_ll_demand;      /* the session's link-local is the demand one (hc_link's) */
	/* Dial on demand from IPv6: the link-local of the stable identifier and an address of the
	 * last session's /64 wait on the TUN, so that the packet that dials has a source of ours. */
	bool has_demand6, has_demand_gua;
	uint8_t demand_ll[16], demand_gua[16];
	/* RFC 4638: the Ethernet adapter's MTU and that of the device it is stacked on, raised
	 * for a PPP-Max-Payload above 1492 and kept so for the daemon's lifetime. */
	bool has_eth, has_lower;
	struct hostcfg hc_eth, hc_lower;
	/* What was raised, for the run dir's record (a crash must not leave it raised). */
	bool has_mtu_rec;
	struct conn_mtu_rec mtu_rec;
};

/* Prepares the TUN ifname: IPv6 without kernel autoconfiguration, MTU, link up. 0 or -1. */
int conn_host_init(struct conn_host *h, const char *conn, const char *ifname, bool use_ipv4,
		   bool use_ipv6, bool demand, unsigned mtu);
/* Router mode: the undo lists for the adapter ifname, leaving the link as it is. 0 or -1. */
int conn_host_init_adapter(struct conn_host *h, const char *conn, const char *ifname);
/* The connection's route settings, after conn_host_init(_adapter) and before any route: metric
 * of its default and RFC 4191 routes, the routing table of all its routes (HOSTCFG_TABLE_MAIN =
 * main) and whether it installs default routes at all (demand placeholders included). Without
 * it: CONN_HOST_METRIC, main, default routes. */
void conn_host_set_routes(struct conn_host *h, uint32_t metric, uint32_t table,
			  bool default_route);
/* An IPv6 route via the interface (RFC 4191 more specific routes), added or removed. */
int conn_host_route6(struct conn_host *h, const uint8_t prefix[16], uint8_t plen, bool add);
/* Mixed mode decided after the interface was set up: no IPv4 here, demand placeholder gone. */
void conn_host_ipv4_lan(struct conn_host *h);
/* Installs the dial-on-demand routes (and IPv4 placeholder address). 0 or -1. */
int conn_host_demand(struct conn_host *h);
/* Dial on demand from IPv6 (after conn_host_demand): fe80::iid and, with prefix (NULL: none
 * known), prefix::iid on the interface for as long as demand is armed. 0 or -1. */
int conn_host_demand6(struct conn_host *h, const uint8_t iid[8], const uint8_t *prefix);
/* The line's /64 is prefix now: the demand address of an older one goes at once, the new one
 * waits on the interface after this session. */
void conn_host_demand6_prefix(struct conn_host *h, const uint8_t prefix[8]);
int conn_host_ipv4_up(struct conn_host *h, const uint8_t local[4], const uint8_t peer[4],
		      unsigned mtu);
void conn_host_ipv4_down(struct conn_host *h);
int conn_host_ipv6_up(struct conn_host *h, const uint8_t iid[8], unsigned mtu);
void conn_host_ipv6_down(struct conn_host *h);
/* The session's IPv6 default route on (want) or off, for the default router list (RFC 4861
 * §6.3.4); nothing while IPv6 is down or with demand (its route is the placeholder's). 0 or -1. */
int conn_host_ipv6_default(struct conn_host *h, bool want);
/* The MTU of the Ethernet adapter, raised to at least mtu if it is lower (RFC 4638: a PPPoE
 * payload above 1492 needs the payload + 8); mtu 0 only reads it. A device stacked on another
 * (a VLAN or macvlan device cannot exceed its lower device's MTU) gets its lower device raised
 * first when that is what stands in the way. Each raise is undone by conn_host_undo_all.
 * Returns the adapter's MTU now; when it stays below mtu, why[cap] says why (else ""). -1 if
 * the adapter cannot be read (why says so). */
int conn_host_adapter_mtu(struct conn_host *h, const char *adapter, unsigned mtu, char *why,
			  size_t cap);
/* Puts back an MTU that an earlier run raised and did not undo (it crashed), where the device
 * still has the raised MTU (a value set since by someone else stays). */
void conn_host_mtu_restore(const char *conn, const struct conn_mtu_rec *r);
/* Removes what the session added; demand routes stay. */
void conn_host_session_down(struct conn_host *h);
/* Removes everything, demand routes and link settings (the adapter's MTU) included. */
void conn_host_undo_all(struct conn_host *h);
/* Fills the data path's list of our IPv6 source prefixes (fe80::/10 once IPv6CP is up). */
void conn_host_fill_prefixes(const struct conn_host *h, struct dp_session *s);

#endif
