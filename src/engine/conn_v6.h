/* IPv6 autoconfiguration of a connection, whatever its mode: the DHCPv6 client (addresses,
 * prefix delegation, stateless), addresses with lifetimes (SLAAC ones the mode hands in), the
 * policy table, DNS from RAs and DHCPv6. Host changes go through the connection's session undo
 * list. RFC 8415, 4862, 8106, 6724, 7078. The mode owns router discovery. */
#ifndef V6L_CONN_V6_H
#define V6L_CONN_V6_H

#include <stdbool.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "dhcp6/dhcp6_client.h"
#include "hostcfg/dns.h"
#include "hostcfg/policy.h"

struct conn;

enum conn_v6src {
	CONN_V6_SLAAC, CONN_V6_DHCP6, CONN_V6_PD, CONN_V6_STATIC,
	CONN_V6_ROUTER_PREFIX, /* ours, in a router's prefix shorter than /64 zero-extended */
	CONN_V6_KERNEL,        /* on the adapter without lifetimes, not made by v6link */
};

#define CONN_V6_MAX_ADDRS 16
#define CONN_V6_MAX_RAPFX 8

struct conn_v6addr {
	uint8_t addr[16];
	uint8_t plen;
	uint8_t source; /* enum conn_v6src */
	uint64_t valid_until_ms, pref_until_ms;
};

/* A prefix shorter than /64 that a router announced in a PIO (router mode), reported whole like
 * a delegated prefix; with A set the host has an address in its zero-extended /64. */
struct conn_v6_rapfx {
	uint8_t prefix[16];
	uint8_t plen;
	uint8_t router[16];
	bool is_auto;
	uint64_t valid_until_ms, pref_until_ms; /* V6L_NEVER = infinite */
};

struct conn_v6 {
	bool is_up;
	struct dhcp6_client d6;
	bool d6_started;         /* this session */
	bool d6_inited;          /* the client exists (its binding outlives sessions) */
	enum dhcp6_mode d6_mode;
	unsigned n_addrs;
	struct conn_v6addr addrs[CONN_V6_MAX_ADDRS];
	unsigned n_pd;
	struct dhcp6_lease_item pd[DHCP6_MAX_IA_ADDR];
	uint64_t pd_since_ms;
	struct dhcp6_info d6_info;
	bool has_d6_info;
	unsigned n_rapfx;            /* router prefixes shorter than /64 */
	struct conn_v6_rapfx rapfx[CONN_V6_MAX_RAPFX];
	unsigned n_kaddrs;           /* global addresses on the adapter v6link did not add */
	struct conn_v6addr kaddrs[CONN_V6_MAX_ADDRS];
	bool is_policy_applied;      /* this connection's rows are in the policy owner's table */
	unsigned n_policy_isp;       /* rows from the ISP (RFC 7078), 0 = defaults */
};

/* IPv6 is up on the link with the interface identifier in c->lk.our_iid: the policy table,
 * DHCPv6 as dhcpv6= or prefix_delegation= want it without waiting for an RA, a static
 * ipv6_prefix. */
void conn_v6_up(struct conn *c, uint64_t now_ms);
/* The routers' M/O flags decide the DHCPv6 mode (dhcpv6=auto). */
void conn_v6_flags(struct conn *c, bool is_managed, bool is_other, uint64_t now_ms);
/* A SLAAC address the mode's router discovery made (created or lifetimes refreshed). */
void conn_v6_slaac(struct conn *c, const uint8_t addr[16], uint8_t plen, uint32_t valid_s,
		   uint32_t pref_s, bool is_optimistic, uint64_t now_ms);
void conn_v6_slaac_remove(struct conn *c, const uint8_t addr[16]);
/* Router mode: the routers' prefixes shorter than /64 are now p[0..n) (borrowed): each new one is
 * reported (hook router-prefix-added), each gone one removed (router-prefix-removed), and with A
 * set the host's address in its zero-extended /64 is added, refreshed or removed. */
void conn_v6_router_prefixes(struct conn *c, const struct conn_v6_rapfx *p, unsigned n,
			     uint64_t now_ms);
/* Router mode: the adapter's global addresses that v6link did not add are now a[0..n) (borrowed;
 * source CONN_V6_SLAAC or CONN_V6_KERNEL): reported in status and hooks (address-added,
 * address-removed), never changed on the host. _clear forgets them without events. */
void conn_v6_kernel_addrs(struct conn *c, const struct conn_v6addr *a, unsigned n,
			  uint64_t now_ms);
void conn_v6_kernel_addrs_clear(struct conn *c);
/* The kernel's Duplicate Address Detection failed for addr on the adapter: a DHCPv6 address is
 * declined to its server (RFC 8415 §18.2.8) and another asked for; other addresses: nothing. */
void conn_v6_dad_failed(struct conn *c, const uint8_t addr[16], uint64_t now);
/* Before an orderly hang-up: DHCPv6 Release while the link still carries it. */
void conn_v6_release(struct conn *c, uint64_t now_ms);
/* The link is gone: stop timers, remove the addresses, keep the DHCPv6 binding for a Rebind. */
void conn_v6_down(struct conn *c, uint64_t now_ms);
/* A DHCPv6 message (the UDP payload) for our client. */
void conn_v6_on_dhcp6(struct conn *c, const uint8_t *msg, size_t len, const uint8_t dst[16],
		      uint64_t now_ms);
void conn_v6_on_timer(struct conn *c, uint64_t now_ms);
uint64_t conn_v6_next_deadline(const struct conn *c);
/* Adds the routers' and DHCPv6's DNS servers and domains to d (static ones override both). */
void conn_v6_dns(const struct conn *c, struct dns_servers *d);
/* Frees the DHCPv6 client's binding (the connection goes away). */
void conn_v6_free(struct conn *c);
/* Appends the "addresses", "delegated_prefixes", "routers", "dns", "domains", "ra",
 * "policy_table" and "dhcpv6" JSON members (no braces) and the text lines of `status`. */
void conn_v6_status_json(const struct conn *c, struct strbuf *sb, uint64_t now_ms);
void conn_v6_status_text(const struct conn *c, struct strbuf *sb, uint64_t now_ms);
const char *conn_v6_src_name(uint8_t s);

#endif
