/* The host's own addresses for the DNS proxy's source check (issue #13): an RTM_GETADDR dump
 * into a dns_guard_hosts, reloaded when the proxy asks. I/O glue. */
#ifndef V6L_DNS_HOSTADDR_H
#define V6L_DNS_HOSTADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/dns_guard.h"
#include "hostcfg/nl.h"

struct dns_hostaddr {
	struct hostcfg_nl nl;
	bool is_open;
	uint32_t lo_ifindex;          /* the loopback device's index ("lo", else 1) */
	uint64_t loaded_ms;           /* when h was last loaded; 0 = never */
	uint64_t miss_ms;             /* when a refused source last made it reload; 0 = never */
	struct dns_guard_hosts h;
};

/* Opens the netlink socket and loads the addresses. 0, or -1 with errno (ha is then unusable
 * but safe to close, and every source but loopback is refused). */
int dns_hostaddr_open(struct dns_hostaddr *ha, uint64_t now_ms);
void dns_hostaddr_close(struct dns_hostaddr *ha);
/* Reloads the addresses if the last load is at least min_age_ms old; true if it did. On a
 * failed dump the old list stays. */
bool dns_hostaddr_reload(struct dns_hostaddr *ha, uint64_t now_ms, uint64_t min_age_ms);
/* Reloads the addresses for a source they refused, unless the last such reload is less than
 * min_gap_ms old; true if it did. Timed apart from the periodic loads: an address added just
 * after one (NAT46's, as the proxy opens) is found at its first query, and a flood of refused
 * sources still costs at most one dump per min_gap_ms. */
bool dns_hostaddr_reload_on_miss(struct dns_hostaddr *ha, uint64_t now_ms, uint64_t min_gap_ms);

/* Sets g's destination and ingress interface from mh's IP_PKTINFO or IPV6_PKTINFO control
 * message (ifindex stays 0 without one). */
struct msghdr;
void dns_hostaddr_pktinfo(struct msghdr *mh, struct dns_guard_pkt *g);

#endif
