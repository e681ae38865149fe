/* The policy table owner's kernel glue (policy.h): address labels through rtnetlink (libmnl;
 * RTM_GETADDRLABEL dump, RTM_NEWADDRLABEL / RTM_DELADDRLABEL with acks), the kernel's name and
 * the automatic gai.conf path. The owner (policy_own.c) makes the decisions and writes gai.conf. */
#include "hostcfg/policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addrlabel.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "core/log.h"
#include "hostcfg/nl.h"
#include "hostcfg/sys.h"

#define POL_REQ_WORDS 64

struct pol_dump {
	struct policy_label cur[POLICY_MAX_KERNEL];
	size_t n, n_dropped;
};

void policy_gai_path(char *out, size_t cap)
{
	char ns[64];
	if (hostcfg_netns_name(ns, sizeof(ns)))
		snprintf(out, cap, "/etc/netns/%s/gai.conf", ns);
	else
		snprintf(out, cap, "/etc/gai.conf");
}

/* --- netlink --------------------------------------------------------------------------------- */

/* Collects the labels of an RTM_GETADDRLABEL dump. */
static void pol_label_reply(const struct hostcfg_nlmsg *m, void *arg)
{
	struct pol_dump *d = arg;
	struct policy_label lb;
	if (policy_nl_parse_label(m, &lb) != HOSTCFG_NL_OK)
		return;
	if (d->n < POLICY_MAX_KERNEL)
		d->cur[d->n++] = lb;
	else
		d->n_dropped++;
}

static int pol_nl_dump(struct hostcfg_nl *nl, struct pol_dump *d)
{
	uint32_t req[POL_REQ_WORDS];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETADDRLABEL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct ifaddrlblmsg *ifal = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifal));
	ifal->ifal_family = AF_INET6;
	d->n = d->n_dropped = 0;
	return hostcfg_nl_talk(nl, nlh, "addrlabel list", pol_label_reply, d);
}

static const char *pol_fmt_op(char *buf, size_t cap, const struct policy_op *op)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, op->prefix, a, sizeof(a));
	snprintf(buf, cap, "addrlabel %s prefix %s/%u label %u%s", policy_op_kind_name(op->kind), a,
		op->plen, op->label, op->is_restore ? " (restore)" : "");
	return buf;
}

/* Sends one RTM_NEWADDRLABEL (exclusive create) or RTM_DELADDRLABEL for prefix/plen. */
static int pol_nl_send(struct hostcfg_nl *nl, uint16_t type, const struct policy_op *op,
	uint32_t label)
{
	uint32_t req[POL_REQ_WORDS];
	char what[128];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWADDRLABEL)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrlblmsg *ifal = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifal));
	ifal->ifal_family = AF_INET6;
	ifal->ifal_prefixlen = op->plen;
	mnl_attr_put(nlh, IFAL_ADDRESS, 16, op->prefix);
	mnl_attr_put_u32(nlh, IFAL_LABEL, label);
	pol_fmt_op(what, sizeof(what), op);
	return hostcfg_nl_talk(nl, nlh, what, NULL, NULL);
}

/* One label change; a delete of a label already gone is success. A replace deletes every
 * entry of the prefix, then adds: the kernel's NLM_F_REPLACE only finds the entry when no
 * other entry of the same length comes before it in its list, and adds a second, shadowing
 * one otherwise (net/ipv6/addrlabel.c, __ip6addrlbl_add). Between the two the prefix falls
 * back to a shorter one's label for a moment. */
static int pol_nl_op(struct hostcfg_nl *nl, const struct policy_op *op)
{
	if (op->kind == POLICY_OP_REPLACE) {
		for (int i = 0; i < POLICY_MAX_KERNEL; i++)
			if (pol_nl_send(nl, RTM_DELADDRLABEL, op, op->label) < 0) {
				if (errno != ESRCH && errno != ENOENT)
					return -1;
				break;
			}
	}
	if (op->kind != POLICY_OP_DEL)
		return pol_nl_send(nl, RTM_NEWADDRLABEL, op, op->label);
	if (pol_nl_send(nl, RTM_DELADDRLABEL, op, op->label) < 0)
		return errno == ESRCH || errno == ENOENT ? 0 : -1;
	return 0;
}

/* --- the daemon-wide owner's kernel glue ----------------------------------------------------- */

static int pol_own_dump(void *ctx, struct policy_label *cur, size_t cap, size_t *n_dropped)
{
	struct hostcfg_nl *nl = ctx;
	struct pol_dump *d = calloc(1, sizeof(*d));
	int n = -1;
	if (!d)
		return -1;
	if (pol_nl_dump(nl, d) < 0) {
		log_warnx("policy: %s", hostcfg_nl_strerror(nl));
	} else {
		n = (int)(d->n < cap ? d->n : cap);
		memcpy(cur, d->cur, (size_t)n * sizeof(cur[0]));
		*n_dropped = d->n_dropped + (d->n - (size_t)n);
	}
	free(d);
	return n;
}

static int pol_own_op(void *ctx, const struct policy_op *op)
{
	struct hostcfg_nl *nl = ctx;
	char what[128];
	if (pol_nl_op(nl, op) < 0) {
		log_warnx("policy: %s", hostcfg_nl_strerror(nl));
		return -1;
	}
	log_debug(LOGC_HOST, "policy: %s", pol_fmt_op(what, sizeof(what), op));
	return 0;
}

static int pol_own_kernel_id(void *ctx, char *out, size_t cap)
{
	char boot[64];
	struct stat sb;
	(void)ctx;
	if (hostcfg_sysctl_read("kernel/random/boot_id", boot, sizeof(boot)) < 0 ||
		stat("/proc/self/ns/net", &sb) < 0)
		return -1;
	int n = snprintf(out, cap, "%s/%llu", boot, (unsigned long long)sb.st_ino);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

const struct policy_owner_ops policy_nl_ops = {
	.dump = pol_own_dump,
	.op = pol_own_op,
	.kernel_id = pol_own_kernel_id,
};

int policy_owner_open_sys(struct policy_owner *o, struct hostcfg_nl *nl, const char *state_dir,
	const char *gai_path)
{
	char gai[HOSTCFG_PATH_MAX];
	if (gai_path && !gai_path[0])
		policy_gai_path(gai, sizeof(gai));
	else
		snprintf(gai, sizeof(gai), "%s", gai_path ? gai_path : "");
	struct policy_owner_cfg cfg = {
		.state_dir = state_dir,
		.gai_path = gai_path ? gai : NULL,
		.ops = &policy_nl_ops,
		.ops_ctx = nl,
	};
	return policy_owner_open(o, &cfg);
}
