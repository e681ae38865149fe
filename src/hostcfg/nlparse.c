/* Pure rtnetlink reply parser: message framing, NLMSG_ERROR (+ extended ack), RTM_NEWADDR and
 * RTM_NEWLINK. Netlink is host byte order, so fields are copied out with memcpy (no casts of
 * packet pointers); the kernel uapi headers are used for constants only. */
#include "hostcfg/nlparse.h"

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#define NL_HDR_LEN 16u   /* struct nlmsghdr */
#define NLA_HDR_LEN 4u   /* struct nlattr */
#define NL_MAX_ERRNO 4095

const char *hostcfg_nl_err_str(enum hostcfg_nl_err e)
{
	switch (e) {
	case HOSTCFG_NL_OK: return "ok";
	case HOSTCFG_NL_E_SHORT: return "truncated";
	case HOSTCFG_NL_E_MSGLEN: return "bad nlmsg_len";
	case HOSTCFG_NL_E_TYPE: return "unexpected message type";
	case HOSTCFG_NL_E_ATTRLEN: return "bad attribute length";
	case HOSTCFG_NL_E_FAMILY: return "unknown address family";
	case HOSTCFG_NL_E_PLEN: return "prefix length out of range";
	case HOSTCFG_NL_E_NOADDR: return "address missing";
	case HOSTCFG_NL_E_ERRNO: return "error code out of range";
	case HOSTCFG_NL_E_NOACK: return "no ack";
	}
	return "?";
}

/* Native-endian loads through the cursor (a short read latches bad and yields 0). */
static uint16_t ne16(struct rcur *c)
{
	uint8_t b[2];
	uint16_t v;
	rcur_bytes(c, b, sizeof(b));
	memcpy(&v, b, sizeof(v));
	return v;
}

static uint32_t ne32(struct rcur *c)
{
	uint8_t b[4];
	uint32_t v;
	rcur_bytes(c, b, sizeof(b));
	memcpy(&v, b, sizeof(v));
	return v;
}

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

/* Skips alignment padding; the last item in a buffer may come without it. */
static void skip_pad(struct rcur *c, size_t n)
{
	size_t p = pad4(n);
	rcur_skip(c, p < rcur_left(c) ? p : rcur_left(c));
}

bool hostcfg_nl_next(struct rcur *c, struct hostcfg_nlmsg *m)
{
	if (!rcur_ok(c) || rcur_left(c) == 0)
		return false;
	uint32_t len = ne32(c);
	m->type = ne16(c);
	m->flags = ne16(c);
	m->seq = ne32(c);
	m->pid = ne32(c);
	if (!rcur_ok(c) || len < NL_HDR_LEN) {
		c->bad = true;
		return false;
	}
	if (!rcur_sub(c, len - NL_HDR_LEN, &m->payload))
		return false;
	skip_pad(c, len);
	return true;
}

bool hostcfg_nla_next(struct rcur *c, uint16_t *type, struct rcur *val)
{
	if (!rcur_ok(c) || rcur_left(c) == 0)
		return false;
	uint16_t len = ne16(c);
	*type = ne16(c) & NLA_TYPE_MASK;
	if (!rcur_ok(c) || len < NLA_HDR_LEN) {
		c->bad = true;
		return false;
	}
	if (!rcur_sub(c, len - NLA_HDR_LEN, val))
		return false;
	skip_pad(c, len);
	return true;
}

/* Copies a string attribute (NUL-terminated or not) into out[cap], always terminating it. */
static void nla_str(struct rcur *val, char *out, size_t cap)
{
	size_t n = 0;
	while (rcur_left(val) > 0 && n + 1 < cap) {
		uint8_t ch = rcur_u8(val);
		if (ch == 0)
			break;
		out[n++] = (char)ch;
	}
	out[n] = '\0';
}

/* Extended-ack TLVs after the (possibly capped) original request; only the text is kept. */
static enum hostcfg_nl_err parse_ack_tlvs(struct rcur *c, struct hostcfg_nl_ack *ack)
{
	uint16_t type;
	struct rcur val;
	while (hostcfg_nla_next(c, &type, &val)) {
		if (type == NLMSGERR_ATTR_MSG)
			nla_str(&val, ack->msg, sizeof(ack->msg));
	}
	return rcur_ok(c) ? HOSTCFG_NL_OK : HOSTCFG_NL_E_ATTRLEN;
}

enum hostcfg_nl_err hostcfg_nl_parse_error(const struct hostcfg_nlmsg *m, struct hostcfg_nl_ack *ack)
{
	struct rcur c = m->payload;
	ack->err = 0;
	ack->msg[0] = '\0';
	if (m->type != NLMSG_ERROR)
		return HOSTCFG_NL_E_TYPE;
	int32_t code = (int32_t)ne32(&c);
	uint32_t orig_len = ne32(&c);
	rcur_skip(&c, NL_HDR_LEN - 4); /* rest of the echoed nlmsghdr */
	if (!rcur_ok(&c))
		return HOSTCFG_NL_E_SHORT;
	if (code > 0 || code < -NL_MAX_ERRNO)
		return HOSTCFG_NL_E_ERRNO;
	ack->err = -code;
	/* Without NLM_F_CAPPED the whole original request is echoed after the error code. */
	if (!(m->flags & NLM_F_CAPPED)) {
		if (orig_len < NL_HDR_LEN)
			return HOSTCFG_NL_E_MSGLEN;
		if (!rcur_skip(&c, orig_len - NL_HDR_LEN))
			return HOSTCFG_NL_E_SHORT;
		skip_pad(&c, orig_len);
	}
	if (!(m->flags & NLM_F_ACK_TLVS))
		return HOSTCFG_NL_OK;
	return parse_ack_tlvs(&c, ack);
}

enum hostcfg_nl_err hostcfg_nl_parse_ack(const void *buf, size_t len, uint32_t seq,
	struct hostcfg_nl_ack *ack)
{
	struct rcur c = rcur_init(buf, len);
	struct hostcfg_nlmsg m;
	ack->err = 0;
	ack->msg[0] = '\0';
	while (hostcfg_nl_next(&c, &m)) {
		if (m.seq != seq)
			continue;
		if (m.type == NLMSG_ERROR)
			return hostcfg_nl_parse_error(&m, ack);
		if (m.type == NLMSG_DONE)
			return HOSTCFG_NL_OK;
	}
	return rcur_ok(&c) ? HOSTCFG_NL_E_NOACK : HOSTCFG_NL_E_MSGLEN;
}

static size_t family_alen(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Reads one RTM_NEWADDR attribute into ai; addresses must be exactly the family's size. */
static enum hostcfg_nl_err addr_attr(struct hostcfg_addr_info *ai, uint16_t type, struct rcur *val,
	bool *has_addr, bool *has_local, uint8_t local[16])
{
	size_t alen = family_alen(ai->family);
	switch (type) {
	case IFA_ADDRESS:
	case IFA_LOCAL:
		if (rcur_left(val) != alen)
			return HOSTCFG_NL_E_ATTRLEN;
		rcur_bytes(val, type == IFA_ADDRESS ? ai->peer : local, alen);
		*(type == IFA_ADDRESS ? has_addr : has_local) = true;
		return HOSTCFG_NL_OK;
	case IFA_CACHEINFO: /* struct ifa_cacheinfo: prefered, valid, cstamp, tstamp */
		if (rcur_left(val) < 8)
			return HOSTCFG_NL_E_ATTRLEN;
		ai->pref_s = ne32(val);
		ai->valid_s = ne32(val);
		ai->has_cacheinfo = true;
		return HOSTCFG_NL_OK;
	case IFA_FLAGS: /* supersedes the 8-bit ifa_flags */
		if (rcur_left(val) < 4)
			return HOSTCFG_NL_E_ATTRLEN;
		ai->flags = ne32(val);
		return HOSTCFG_NL_OK;
	case IFA_LABEL:
		nla_str(val, ai->label, sizeof(ai->label));
		return HOSTCFG_NL_OK;
	default:
		return HOSTCFG_NL_OK;
	}
}

/* IFA_LOCAL is the local address when present; IFA_ADDRESS is then the peer (if different). */
static enum hostcfg_nl_err addr_finish(struct hostcfg_addr_info *ai, bool has_addr, bool has_local,
	const uint8_t local[16])
{
	size_t alen = family_alen(ai->family);
	if (!has_addr && !has_local)
		return HOSTCFG_NL_E_NOADDR;
	if (has_local) {
		if (has_addr && memcmp(local, ai->peer, alen) != 0)
			ai->has_peer = true;
		memcpy(ai->addr, local, alen);
	} else {
		memcpy(ai->addr, ai->peer, alen);
	}
	if (!ai->has_peer)
		memset(ai->peer, 0, sizeof(ai->peer));
	return HOSTCFG_NL_OK;
}

enum hostcfg_nl_err hostcfg_nl_parse_addr(const struct hostcfg_nlmsg *m, struct hostcfg_addr_info *ai)
{
	struct rcur c = m->payload, val;
	uint8_t local[16] = { 0 };
	bool has_addr = false, has_local = false;
	uint16_t type;
	memset(ai, 0, sizeof(*ai));
	if (m->type != RTM_NEWADDR && m->type != RTM_DELADDR)
		return HOSTCFG_NL_E_TYPE;
	ai->msg_type = m->type;
	ai->family = rcur_u8(&c);
	ai->plen = rcur_u8(&c);
	ai->flags = rcur_u8(&c);
	ai->scope = rcur_u8(&c);
	ai->ifindex = ne32(&c);
	if (!rcur_ok(&c))
		return HOSTCFG_NL_E_SHORT;
	if (family_alen(ai->family) == 0)
		return HOSTCFG_NL_E_FAMILY;
	if (ai->plen > family_alen(ai->family) * 8)
		return HOSTCFG_NL_E_PLEN;
	while (hostcfg_nla_next(&c, &type, &val)) {
		enum hostcfg_nl_err e = addr_attr(ai, type, &val, &has_addr, &has_local, local);
		if (e != HOSTCFG_NL_OK)
			return e;
	}
	if (!rcur_ok(&c))
		return HOSTCFG_NL_E_ATTRLEN;
	return addr_finish(ai, has_addr, has_local, local);
}

/* IFLA_INFO_KIND out of the nested IFLA_LINKINFO; false if the nest is malformed. */
static bool link_kind(struct rcur *nest, char *out, size_t cap)
{
	uint16_t type;
	struct rcur val;
	while (hostcfg_nla_next(nest, &type, &val))
		if (type == IFLA_INFO_KIND)
			nla_str(&val, out, cap);
	return rcur_ok(nest);
}

enum hostcfg_nl_err hostcfg_nl_parse_link(const struct hostcfg_nlmsg *m, struct hostcfg_link_info *li)
{
	struct rcur c = m->payload, val;
	uint16_t type;
	memset(li, 0, sizeof(*li));
	if (m->type != RTM_NEWLINK && m->type != RTM_DELLINK)
		return HOSTCFG_NL_E_TYPE;
	rcur_skip(&c, 2); /* ifi_family, pad */
	li->type = ne16(&c);
	li->ifindex = ne32(&c);
	li->flags = ne32(&c);
	rcur_skip(&c, 4); /* ifi_change */
	if (!rcur_ok(&c))
		return HOSTCFG_NL_E_SHORT;
	while (hostcfg_nla_next(&c, &type, &val)) {
		if (type == IFLA_IFNAME) {
			nla_str(&val, li->name, sizeof(li->name));
		} else if (type == IFLA_MTU || type == IFLA_MAX_MTU || type == IFLA_LINK) {
			if (rcur_left(&val) < 4)
				return HOSTCFG_NL_E_ATTRLEN;
			uint32_t v = ne32(&val);
			if (type == IFLA_MTU) {
				li->mtu = v;
				li->has_mtu = true;
			} else if (type == IFLA_MAX_MTU) {
				li->max_mtu = v;
			} else {
				li->link = v;
			}
		} else if (type == IFLA_LINK_NETNSID) {
			li->has_link_netns = true;
		} else if (type == IFLA_LINKINFO && !link_kind(&val, li->kind, sizeof(li->kind))) {
			return HOSTCFG_NL_E_ATTRLEN;
		}
	}
	return rcur_ok(&c) ? HOSTCFG_NL_OK : HOSTCFG_NL_E_ATTRLEN;
}
