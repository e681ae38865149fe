/* NAT46 and the DNS mapper for a connection (conn_nat46.c); see dataplane/xlat.h and
 * dns/dns_proxy.h for the parts it wires together. */
#ifndef V6L_CONN_NAT46_H
#define V6L_CONN_NAT46_H

#include <stdbool.h>
#include <stdint.h>

#include "hostcfg/hostcfg.h"
#include "hostcfg/nl.h"

struct conn;
struct strbuf;
struct dns_servers;
struct dns_proxy;
struct xlat;

struct conn_nat46 {
	bool is_on;
	struct dns_proxy *proxy;
	struct xlat *x;
	int tun_fd;
	char ifname[16];
	struct hostcfg_nl nl;
	bool has_nl;
	struct hostcfg hc;         /* v6link46's addresses and routes, host_v6's route */
	uint8_t app_v4[4];         /* the IPv4-only applications' source (ipv4_router_addr + 1) */
	uint8_t iid[8];            /* random per mode opening; the prefix comes from the line */
	bool has_host;
	uint8_t host_v6[16];
	unsigned v6_mtu;
	bool is_attached;          /* the mode hands replies to the translator */
};

/* With nat46 on for the connection: proxy, TUN, translator. Failure is logged and leaves the
 * connection without NAT46 (-1); 0 otherwise. */
int conn_nat46_open(struct conn *c);
/* Before the mode closes: the translator's threads use its data plane until they stop here. */
void conn_nat46_close(struct conn *c);
/* The connection's addresses or prefixes changed: picks the dedicated IPv6 address. */
void conn_nat46_update(struct conn *c);
/* Hands the servers d to the proxy and replaces them by the proxy's address (domains stay). */
void conn_nat46_dns(struct conn *c, struct dns_servers *d);
void conn_nat46_status_json(const struct conn *c, struct strbuf *sb);
void conn_nat46_status_text(const struct conn *c, struct strbuf *sb);

#endif
