/* IPv6 autoconfiguration of a dial-up connection once IPv6CP is up: router discovery and SLAAC
 * (nd_ra), the DHCPv6 client (addresses, prefix delegation, stateless), and what they give the
 * host: addresses with lifetimes, routes, DNS. RFC 4861, 4862, 8415, 8106, 4191. */
#ifndef V6L_CONN_V6_H
#define V6L_CONN_V6_H

#include <stdbool.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "hostcfg/dns.h"

struct conn;

/* IPv6CP is up with our interface identifier: start (or, after a redial, resume) both. */
void conn_v6_up(struct conn *c, uint64_t now_ms);
/* DHCPv6 forced by dhcpv6= and the default policy table: the part of conn_v6_up that router
 * mode shares. */
void conn_v6_begin(struct conn *c, uint64_t now_ms);
/* The routers' M/O flags decide the DHCPv6 mode (dhcpv6=auto). */
void conn_v6_flags(struct conn *c, bool is_managed, bool is_other);
/* Before an orderly hang-up: DHCPv6 Release while the session still carries it. */
void conn_v6_release(struct conn *c, uint64_t now_ms);
/* The session is gone: stop timers, forget RA state, keep the DHCPv6 binding for a Rebind. */
void conn_v6_down(struct conn *c, uint64_t now_ms);
/* An IPv6 packet the data path handed over (ND or DHCPv6). */
void conn_v6_on_packet(struct conn *c, const uint8_t *pkt, size_t len, uint64_t now_ms);
void conn_v6_on_timer(struct conn *c, uint64_t now_ms);
uint64_t conn_v6_next_deadline(const struct conn *c);
/* Adds RDNSS/DNSSL and DHCPv6 DNS to d. */
void conn_v6_dns(const struct conn *c, struct dns_servers *d);
/* Appends the "addresses", "delegated_prefixes", "routers", "dns", "domains", "pref64" JSON
 * members (no braces) and the text lines of `status`. */
void conn_v6_status_json(const struct conn *c, struct strbuf *sb, uint64_t now_ms);
void conn_v6_status_text(const struct conn *c, struct strbuf *sb, uint64_t now_ms);

#endif
