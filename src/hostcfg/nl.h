/* Small synchronous rtnetlink client (libmnl): links, addresses, routes, address dumps.
 * Each request waits for its ack; replies are parsed by the pure nlparse.c. I/O glue. */
#ifndef V6L_HOSTCFG_NL_H
#define V6L_HOSTCFG_NL_H

#include <stdbool.h>
#include <stdint.h>

#include "hostcfg/hostcfg.h"
#include "hostcfg/nlparse.h"

struct mnl_socket;

struct hostcfg_nl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
	char errmsg[256]; /* "route add 2001:db8::/64 dev v6link0: File exists" */
	char kmsg[128];   /* the kernel's extended-ack text of the last failure, or "" */
};

/* Called for every reply message of a request (dump entries); m is borrowed for the call. */
typedef void (*hostcfg_nl_reply_fn)(const struct hostcfg_nlmsg *m, void *arg);

/* Sends the request nlh (its sequence number is set here) and reads until its ack or the
 * NLMSG_DONE of a dump, handing every other reply to fn (may be NULL). 0, or -1 with errno
 * and hostcfg_nl_strerror() saying what (e.g. "addrlabel list: Invalid argument"). */
struct nlmsghdr;
int hostcfg_nl_talk(struct hostcfg_nl *nl, struct nlmsghdr *nlh, const char *what,
	hostcfg_nl_reply_fn fn, void *arg);

/* Opens and binds a NETLINK_ROUTE socket (extended acks on, 3 s receive timeout). 0 or -1/errno. */
int hostcfg_nl_open(struct hostcfg_nl *nl);
void hostcfg_nl_close(struct hostcfg_nl *nl);

/* The description of the last failed request (operation, object, strerror, kernel text). */
const char *hostcfg_nl_strerror(const struct hostcfg_nl *nl);

/* Looks a link up by name (RTM_GETLINK): index, flags, MTU. -1 with errno ENODEV if absent. */
int hostcfg_nl_link_get(struct hostcfg_nl *nl, const char *ifname, struct hostcfg_link_info *li);

/* Sets a link up (up = 1), down (0) or leaves it (-1), and its MTU (0 = keep). */
int hostcfg_nl_link_set(struct hostcfg_nl *nl, uint32_t ifindex, int up, uint32_t mtu);

/* Sets IFLA_INET6_ADDR_GEN_MODE to none so the kernel makes no link-local of its own. */
int hostcfg_nl_link_addr_gen_none(struct hostcfg_nl *nl, uint32_t ifindex);

/* Adds-or-replaces (NLM_F_CREATE|NLM_F_REPLACE, with lifetimes and IFA_FLAGS) or deletes an
 * address. IPv4 with a peer: IFA_LOCAL = addr, IFA_ADDRESS = peer. */
int hostcfg_nl_addr(struct hostcfg_nl *nl, bool add, uint32_t ifindex, const struct hostcfg_addr *a);

/* Adds (create only, NLM_F_EXCL: EEXIST if the table has a route with the same destination,
 * source and metric) or deletes a route with oif = ifindex, r->table and r->proto. */
int hostcfg_nl_route(struct hostcfg_nl *nl, bool add, uint32_t ifindex, const struct hostcfg_route *r);

typedef void (*hostcfg_addr_cb)(const struct hostcfg_addr_info *ai, void *arg);

/* Dumps the addresses of family (AF_UNSPEC = both) on ifindex (0 = all links) into cb. */
int hostcfg_nl_addr_list(struct hostcfg_nl *nl, int family, uint32_t ifindex, hostcfg_addr_cb cb,
	void *arg);

#endif
