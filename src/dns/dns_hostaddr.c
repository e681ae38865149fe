/* The host's own addresses for the DNS proxy's source check (issue #13): every address of every
 * interface, as the kernel lists them (RTM_GETADDR), each with its interface index; and the
 * destination and ingress interface of a datagram (IP_PKTINFO, IPV6_PKTINFO, RFC 3542 §6). */
#include "dns/dns_hostaddr.h"

#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"

/* Every address but IPv6 link-local ones: the host's own query to a listener (never link-local)
 * comes from the listener's address itself (RFC 6724 §5 rule 1) or another global one, and a
 * host with many veths (containers) has a link-local address on each. */
static void dns_hostaddr_add(const struct hostcfg_addr_info *ai, void *arg)
{
	struct dns_guard_hosts *h = arg;
	bool is_ll6 = ai->family == AF_INET6 && ai->addr[0] == 0xfe && (ai->addr[1] & 0xc0) == 0x80;
	if ((ai->family == AF_INET || ai->family == AF_INET6) && !is_ll6)
		dns_guard_hosts_add(h, ai->family == AF_INET ? 4 : 6, ai->addr, ai->ifindex);
}

bool dns_hostaddr_reload(struct dns_hostaddr *ha, uint64_t now_ms, uint64_t min_age_ms)
{
	if (!ha->is_open || (ha->loaded_ms && now_ms - ha->loaded_ms < min_age_ms))
		return false;
	struct dns_guard_hosts fresh = { .n = 0 };
	ha->loaded_ms = now_ms ? now_ms : 1;
	if (hostcfg_nl_addr_list(&ha->nl, AF_UNSPEC, 0, dns_hostaddr_add, &fresh) < 0)
		return false;
	if (fresh.n_over && !ha->h.n_over)
		log_warnx("dns: the host has more than %u addresses; queries from the others are refused",
			DNS_GUARD_HOSTS_MAX);
	ha->h = fresh;
	return true;
}

bool dns_hostaddr_reload_on_miss(struct dns_hostaddr *ha, uint64_t now_ms, uint64_t min_gap_ms)
{
	if (!ha->is_open || (ha->miss_ms && now_ms - ha->miss_ms < min_gap_ms))
		return false;
	ha->miss_ms = now_ms ? now_ms : 1;
	return dns_hostaddr_reload(ha, now_ms, 0);
}

int dns_hostaddr_open(struct dns_hostaddr *ha, uint64_t now_ms)
{
	memset(ha, 0, sizeof(*ha));
	unsigned lo = if_nametoindex("lo");
	ha->lo_ifindex = lo ? lo : 1;
	if (hostcfg_nl_open(&ha->nl) < 0)
		return -1;
	ha->is_open = true;
	dns_hostaddr_reload(ha, now_ms, 0);
	return 0;
}

void dns_hostaddr_close(struct dns_hostaddr *ha)
{
	if (ha->is_open)
		hostcfg_nl_close(&ha->nl);
	ha->is_open = false;
}

void dns_hostaddr_pktinfo(struct msghdr *mh, struct dns_guard_pkt *g)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
			c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			g->ifindex = (uint32_t)pi.ipi_ifindex;
			memcpy(g->dst, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			g->ifindex = pi.ipi6_ifindex;
			memcpy(g->dst, &pi.ipi6_addr, 16);
		}
	}
}
