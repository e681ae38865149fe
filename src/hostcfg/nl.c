/* Synchronous rtnetlink client: libmnl builds and sends requests, the pure nlparse.c reads the
 * replies and acks. One request in flight; a 3 s receive timeout keeps a stuck kernel from
 * hanging the control loop. */
#include "hostcfg/nl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#define NL_REQ_WORDS 256 /* 1 KiB request buffer, 4-byte aligned for struct nlmsghdr */
#define NL_RCVTIMEO_S 3
#define NL_RCVBUF 32768 /* a dump batch: libmnl's MNL_SOCKET_DUMP_SIZE */

typedef hostcfg_nl_reply_fn nl_reply_fn;

int hostcfg_nl_open(struct hostcfg_nl *nl)
{
	int one = 1;
	struct timeval tv = { .tv_sec = NL_RCVTIMEO_S };
	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return -1;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail_sock;
	/* Best effort: older kernels lack extended acks; capped acks keep replies small. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		goto fail_sock;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
fail_sock: {
	int err = errno;
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
	errno = err;
	return -1;
}
}

void hostcfg_nl_close(struct hostcfg_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

const char *hostcfg_nl_strerror(const struct hostcfg_nl *nl)
{
	return nl->errmsg;
}

static int nl_fail(struct hostcfg_nl *nl, const char *what, int err)
{
	if (nl->kmsg[0])
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s: %s (kernel: %s)", what, strerror(err),
			nl->kmsg);
	else
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s: %s", what, strerror(err));
	errno = err;
	return -1;
}

/* Walks one received buffer: 1 = our ack/DONE seen (*err set), 0 = need more, -1 = malformed. */
static int nl_walk(struct hostcfg_nl *nl, const uint8_t *buf, size_t n, nl_reply_fn fn, void *arg,
	int *err)
{
	struct rcur c = rcur_init(buf, n);
	struct hostcfg_nlmsg m;
	struct hostcfg_nl_ack ack;
	while (hostcfg_nl_next(&c, &m)) {
		if (m.seq != nl->seq)
			continue;
		if (m.type == NLMSG_DONE) {
			*err = 0;
			return 1;
		}
		if (m.type == NLMSG_ERROR) {
			if (hostcfg_nl_parse_error(&m, &ack) != HOSTCFG_NL_OK)
				return -1;
			*err = ack.err;
			snprintf(nl->kmsg, sizeof(nl->kmsg), "%s", ack.msg);
			return 1;
		}
		if (fn)
			fn(&m, arg);
	}
	return rcur_ok(&c) ? 0 : -1;
}

int hostcfg_nl_talk(struct hostcfg_nl *nl, struct nlmsghdr *nlh, const char *what, nl_reply_fn fn,
	void *arg)
{
	uint8_t buf[NL_RCVBUF];
	int err = 0;
	nlh->nlmsg_seq = ++nl->seq;
	nl->errmsg[0] = nl->kmsg[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return nl_fail(nl, what, errno);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nl_fail(nl, what, errno == EAGAIN ? ETIMEDOUT : errno);
		int r = nl_walk(nl, buf, (size_t)n, fn, arg, &err);
		if (r < 0)
			return nl_fail(nl, what, EPROTO);
		if (r > 0)
			break;
	}
	return err ? nl_fail(nl, what, err) : 0;
}

static const char *ifname_of(uint32_t ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

static void link_reply(const struct hostcfg_nlmsg *m, void *arg)
{
	struct hostcfg_link_info *li = arg;
	struct hostcfg_link_info tmp;
	if (hostcfg_nl_parse_link(m, &tmp) == HOSTCFG_NL_OK)
		*li = tmp;
}

int hostcfg_nl_link_get(struct hostcfg_nl *nl, const char *ifname, struct hostcfg_link_info *li)
{
	uint32_t req[NL_REQ_WORDS];
	char what[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	memset(li, 0, sizeof(*li));
	snprintf(what, sizeof(what), "link get %s", ifname);
	if (hostcfg_nl_talk(nl, nlh, what, link_reply, li) < 0)
		return -1;
	if (li->ifindex == 0)
		return nl_fail(nl, what, ENODEV);
	return 0;
}

int hostcfg_nl_link_set(struct hostcfg_nl *nl, uint32_t ifindex, int up, uint32_t mtu)
{
	uint32_t req[NL_REQ_WORDS];
	char what[80], name[IF_NAMESIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	snprintf(what, sizeof(what), "link set %s mtu %u%s", ifname_of(ifindex, name), mtu,
		up < 0 ? "" : up ? " up" : " down");
	return hostcfg_nl_talk(nl, nlh, what, NULL, NULL);
}

int hostcfg_nl_link_addr_gen_none(struct hostcfg_nl *nl, uint32_t ifindex)
{
	uint32_t req[NL_REQ_WORDS];
	char what[80], name[IF_NAMESIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, spec);
	snprintf(what, sizeof(what), "link set %s addrgenmode none", ifname_of(ifindex, name));
	return hostcfg_nl_talk(nl, nlh, what, NULL, NULL);
}

int hostcfg_nl_addr(struct hostcfg_nl *nl, bool add, uint32_t ifindex, const struct hostcfg_addr *a)
{
	uint32_t req[NL_REQ_WORDS];
	char what[160], name[IF_NAMESIZE];
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->plen;
	ifa->ifa_flags = (uint8_t)(a->flags & 0xff);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->has_peer ? a->peer : a->addr);
	if (add) {
		struct ifa_cacheinfo ci = { .ifa_prefered = a->pref_s, .ifa_valid = a->valid_s };
		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
		mnl_attr_put_u32(nlh, IFA_FLAGS, a->flags);
	}
	hostcfg_fmt_addr(what, sizeof(what), add ? "add" : "del", ifname_of(ifindex, name), a);
	return hostcfg_nl_talk(nl, nlh, what, NULL, NULL);
}

int hostcfg_nl_route(struct hostcfg_nl *nl, bool add, uint32_t ifindex, const struct hostcfg_route *r)
{
	uint32_t req[NL_REQ_WORDS];
	char what[192], name[IF_NAMESIZE];
	size_t alen = r->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	/* Create only, as `ip route add`: NLM_F_REPLACE would take over the first route with this
	 * table, destination, source and metric, whoever's it is (another connection's default
	 * route); NLM_F_EXCL makes the kernel answer EEXIST instead, and hostcfg decides. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)r->family;
	rtm->rtm_dst_len = r->dst_plen;
	rtm->rtm_src_len = r->src_plen;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->proto;
	rtm->rtm_type = r->is_blackhole ? RTN_BLACKHOLE : RTN_UNICAST;
	/* An IPv4 route without a gateway is on-link; a delete matches any scope. */
	rtm->rtm_scope = !add ? RT_SCOPE_NOWHERE :
		(r->family == AF_INET && !r->has_gw) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	if (r->dst_plen > 0)
		mnl_attr_put(nlh, RTA_DST, alen, r->dst);
	if (r->src_plen > 0)
		mnl_attr_put(nlh, RTA_SRC, alen, r->src);
	if (r->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, r->gw);
	if (!r->is_blackhole)
		mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	if (r->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	hostcfg_fmt_route(what, sizeof(what), add ? "add" : "del", ifname_of(ifindex, name), r);
	return hostcfg_nl_talk(nl, nlh, what, NULL, NULL);
}

struct addr_dump {
	uint32_t ifindex;
	hostcfg_addr_cb cb;
	void *arg;
};

static void addr_reply(const struct hostcfg_nlmsg *m, void *arg)
{
	const struct addr_dump *d = arg;
	struct hostcfg_addr_info ai;
	if (hostcfg_nl_parse_addr(m, &ai) != HOSTCFG_NL_OK)
		return;
	if (d->ifindex == 0 || ai.ifindex == d->ifindex)
		d->cb(&ai, d->arg);
}

int hostcfg_nl_addr_list(struct hostcfg_nl *nl, int family, uint32_t ifindex, hostcfg_addr_cb cb,
	void *arg)
{
	uint32_t req[NL_REQ_WORDS];
	struct addr_dump d = { .ifindex = ifindex, .cb = cb, .arg = arg };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	return hostcfg_nl_talk(nl, nlh, "addr list", addr_reply, &d);
}
