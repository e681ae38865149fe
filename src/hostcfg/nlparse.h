/* Pure parser for rtnetlink replies as the kernel writes them (host byte order): the message
 * walk, NLMSG_ERROR acks (with the extended-ack text), RTM_NEWADDR and RTM_NEWLINK.
 * No libmnl, no sockets: it builds into a fuzzer with only src/core/cur.c beside it. */
#ifndef V6L_HOSTCFG_NLPARSE_H
#define V6L_HOSTCFG_NLPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

enum hostcfg_nl_err {
	HOSTCFG_NL_OK,
	HOSTCFG_NL_E_SHORT,   /* fixed header or attribute cut short */
	HOSTCFG_NL_E_MSGLEN,  /* nlmsg_len below the header or past the buffer */
	HOSTCFG_NL_E_TYPE,    /* not the message type this parser reads */
	HOSTCFG_NL_E_ATTRLEN, /* attribute length below 4, past its container, or wrong size */
	HOSTCFG_NL_E_FAMILY,  /* address family other than AF_INET / AF_INET6 */
	HOSTCFG_NL_E_PLEN,    /* prefix length above 32 / 128 */
	HOSTCFG_NL_E_NOADDR,  /* RTM_NEWADDR without IFA_ADDRESS or IFA_LOCAL */
	HOSTCFG_NL_E_ERRNO,   /* NLMSG_ERROR code not in -4095..0 */
	HOSTCFG_NL_E_NOACK,   /* no NLMSG_ERROR / NLMSG_DONE for the sequence number in this buffer */
};

const char *hostcfg_nl_err_str(enum hostcfg_nl_err e);

/* One netlink message; payload borrows the buffer given to hostcfg_nl_next(). */
struct hostcfg_nlmsg {
	uint16_t type, flags;
	uint32_t seq, pid;
	struct rcur payload;
};

/* Splits the next message off c (skipping its NLMSG_ALIGN padding). Returns false at the end of
 * input, or on a malformed header, in which case c->bad is latched. */
bool hostcfg_nl_next(struct rcur *c, struct hostcfg_nlmsg *m);

/* Walks route attributes (struct nlattr, NLA_ALIGN'd): false at the end, or on a malformed
 * attribute with c->bad latched. The type has the nested/byte-order bits masked off. */
bool hostcfg_nla_next(struct rcur *c, uint16_t *type, struct rcur *val);

/* Result of an NLMSG_ERROR: err is a positive errno (0 = success); msg holds the kernel's
 * NLMSGERR_ATTR_MSG text if it sent one, else "". */
struct hostcfg_nl_ack {
	int err;
	char msg[128];
};

/* Parses the payload of an NLMSG_ERROR message (capped or not, with or without ack TLVs). */
enum hostcfg_nl_err hostcfg_nl_parse_error(const struct hostcfg_nlmsg *m, struct hostcfg_nl_ack *ack);

/* Finds the ack for seq in buf[0..len): HOSTCFG_NL_OK with *ack filled, HOSTCFG_NL_E_NOACK if the
 * buffer holds only other messages, or an error if the framing or the ack is malformed. An
 * NLMSG_DONE for seq counts as a success ack. */
enum hostcfg_nl_err hostcfg_nl_parse_ack(const void *buf, size_t len, uint32_t seq,
	struct hostcfg_nl_ack *ack);

/* One address from RTM_NEWADDR/RTM_DELADDR. addr is IFA_LOCAL if present, else IFA_ADDRESS;
 * peer is IFA_ADDRESS when it differs from IFA_LOCAL (IPv4 point-to-point). IPv4 addresses use
 * the first 4 bytes. Lifetimes are in seconds, UINT32_MAX = forever. */
struct hostcfg_addr_info {
	uint16_t msg_type;
	uint8_t family, plen, scope;
	uint32_t ifindex, flags;
	uint8_t addr[16], peer[16];
	bool has_peer, has_cacheinfo;
	uint32_t valid_s, pref_s;
	char label[16];
};

enum hostcfg_nl_err hostcfg_nl_parse_addr(const struct hostcfg_nlmsg *m, struct hostcfg_addr_info *ai);

/* One link from RTM_NEWLINK: index, IFF_* flags, MTU and name (IFLA_IFNAME, cut to 15 chars);
 * for a device stacked on another, the kind (IFLA_INFO_KIND: "macvlan", "vlan", but also "veth",
 * whose IFLA_LINK is its peer) and IFLA_LINK, which names a device of another namespace when
 * IFLA_LINK_NETNSID is present. */
struct hostcfg_link_info {
	uint32_t ifindex, flags, mtu;
	uint16_t type;
	bool has_mtu;
	char name[16];
	uint32_t max_mtu;     /* IFLA_MAX_MTU; 0 = not reported */
	uint32_t link;        /* IFLA_LINK ifindex; 0 = none */
	bool has_link_netns;  /* IFLA_LINK_NETNSID: link is an index in another namespace */
	char kind[16];        /* IFLA_LINKINFO / IFLA_INFO_KIND; "" = none */
};

enum hostcfg_nl_err hostcfg_nl_parse_link(const struct hostcfg_nlmsg *m, struct hostcfg_link_info *li);

#endif
