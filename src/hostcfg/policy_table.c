/* Pure part of the RFC 6724 policy table: the §2.1 default table, merging RFC 7078 rows, the
 * kernel label change plan with its undo records, the RTM_NEWADDRLABEL parser and the gai.conf
 * managed-block editor (string in, string out). No I/O, no logging. */
#include "hostcfg/policy.h"

#include <linux/if_addrlabel.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "dhcp6/dhcp6_codec.h"

#define P6(...) { __VA_ARGS__ }

/* RFC 6724 §2.1. Nothing is added for the ISP's own prefixes: its delegated prefix and SLAAC
 * /64 are native global space, matched by ::/0 (precedence 40, label 1), which already ranks
 * above IPv4 (35), 6to4 (30), Teredo (5) and ULA (3); a global source (label 1) pairs with a
 * global destination (label 1) by rule 6 of §5 and §6. */
const struct policy_row policy_rfc6724_default[] = {
	{ .prefix = P6([15] = 1), .plen = 128, .precedence = 50, .label = 0 },     /* ::1/128 */
	{ .prefix = P6(0), .plen = 0, .precedence = 40, .label = 1 },              /* ::/0 */
	{ .prefix = P6([10] = 0xff, [11] = 0xff), .plen = 96, .precedence = 35, .label = 4 },
	{ .prefix = P6(0x20, 0x02), .plen = 16, .precedence = 30, .label = 2 },    /* 6to4 */
	{ .prefix = P6(0x20, 0x01), .plen = 32, .precedence = 5, .label = 5 },     /* Teredo */
	{ .prefix = P6(0xfc), .plen = 7, .precedence = 3, .label = 13 },           /* ULA */
	{ .prefix = P6(0), .plen = 96, .precedence = 1, .label = 3 },              /* ::/96 */
	{ .prefix = P6(0xfe, 0xc0), .plen = 10, .precedence = 1, .label = 11 },    /* site-local */
	{ .prefix = P6(0x3f, 0xfe), .plen = 16, .precedence = 1, .label = 12 },    /* 6bone */
};
const size_t policy_rfc6724_default_len =
	sizeof(policy_rfc6724_default) / sizeof(policy_rfc6724_default[0]);

void policy_prefix_mask(uint8_t prefix[16], uint8_t plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = i * 8u >= plen ? 0 : plen - i * 8u;
		if (bits < 8)
			prefix[i] &= (uint8_t)(0xff00u >> bits);
	}
}

static bool pfx_same(const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen)
{
	return alen == blen && memcmp(a, b, 16) == 0;
}

size_t policy_rows_from_addrsel(const struct dhcp6_addrsel *as, struct policy_row *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < as->n_rows && i < DHCP6_MAX_ADDRSEL && n < cap; i++) {
		const struct dhcp6_addrsel_row *r = &as->rows[i];
		if (r->plen > 128)
			continue;
		struct policy_row *o = &out[n++];
		memset(o, 0, sizeof(*o));
		memcpy(o->prefix, r->prefix, 16);
		o->plen = r->plen;
		o->precedence = r->precedence;
		o->label = r->label;
		policy_prefix_mask(o->prefix, o->plen);
	}
	return n;
}

static int row_find(const struct policy_row *rows, size_t n, const uint8_t *prefix, uint8_t plen)
{
	for (size_t i = 0; i < n; i++)
		if (pfx_same(rows[i].prefix, rows[i].plen, prefix, plen))
			return (int)i;
	return -1;
}

int policy_table_merge(const struct policy_row *base, size_t n_base, const struct policy_row *add,
	size_t n_add, struct policy_row *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < n_base + n_add; i++) {
		struct policy_row r = i < n_base ? base[i] : add[i - n_base];
		if (r.plen > 128 || r.label == POLICY_LABEL_INVALID)
			continue;
		policy_prefix_mask(r.prefix, r.plen);
		int k = row_find(out, n, r.prefix, r.plen);
		if (k >= 0) {
			out[k] = r; /* an existing prefix/length pair is modified in place */
			continue;
		}
		if (n == cap)
			return -1;
		out[n++] = r;
	}
	return (int)n;
}

int policy_effective(const struct policy_row *rows, size_t n, struct policy_row *out, size_t cap)
{
	if (n == 0)
		return 0;
	return policy_table_merge(policy_rfc6724_default, policy_rfc6724_default_len, rows, n, out,
		cap);
}

/* --- kernel labels ----------------------------------------------------------------------------- */

const char *policy_op_kind_name(enum policy_op_kind k)
{
	switch (k) {
	case POLICY_OP_ADD: return "add";
	case POLICY_OP_REPLACE: return "replace";
	case POLICY_OP_DEL: return "del";
	}
	return "?";
}

static int rec_find(const struct policy_rec *recs, size_t n, const uint8_t *prefix, uint8_t plen)
{
	for (size_t i = 0; i < n; i++)
		if (pfx_same(recs[i].prefix, recs[i].plen, prefix, plen))
			return (int)i;
	return -1;
}

static const struct policy_label *cur_find(const struct policy_label *cur, size_t n,
	const uint8_t *prefix, uint8_t plen)
{
	for (size_t i = 0; i < n; i++)
		if (cur[i].ifindex == 0 && pfx_same(cur[i].prefix, cur[i].plen, prefix, plen))
			return &cur[i];
	return NULL;
}

/* The op that puts record r's prefix back as it was: the old label again, or ours deleted. */
static struct policy_op op_restore(const struct policy_rec *r)
{
	struct policy_op op = { .is_restore = true, .plen = r->plen, .had_old = r->had_old,
		.old_label = r->old_label };
	memcpy(op.prefix, r->prefix, 16);
	op.kind = r->had_old ? POLICY_OP_REPLACE : POLICY_OP_DEL;
	op.label = r->had_old ? r->old_label : r->label;
	return op;
}

int policy_plan(const struct policy_label *cur, size_t n_cur, const struct policy_rec *recs,
	size_t n_recs, const struct policy_row *want, size_t n_want, struct policy_op *ops,
	size_t cap)
{
	size_t n = 0;
	for (size_t i = n_recs; i-- > 0;) {
		if (want && row_find(want, n_want, recs[i].prefix, recs[i].plen) >= 0)
			continue;
		if (n == cap)
			return -1;
		ops[n++] = op_restore(&recs[i]);
	}
	for (size_t i = 0; want && i < n_want; i++) {
		const struct policy_row *w = &want[i];
		const struct policy_label *c = cur_find(cur, n_cur, w->prefix, w->plen);
		int k = rec_find(recs, n_recs, w->prefix, w->plen);
		if (w->plen > 128 || w->label == POLICY_LABEL_INVALID || (c && c->label == w->label))
			continue;
		if (n == cap)
			return -1;
		struct policy_op op = { .kind = c ? POLICY_OP_REPLACE : POLICY_OP_ADD, .plen = w->plen,
			.label = w->label };
		memcpy(op.prefix, w->prefix, 16);
		op.had_old = k >= 0 ? recs[k].had_old : c != NULL;
		op.old_label = k >= 0 ? recs[k].old_label : c ? c->label : 0;
		ops[n++] = op;
	}
	return (int)n;
}

bool policy_rec_commit(struct policy_rec *recs, size_t *n_recs, size_t cap,
	const struct policy_op *op)
{
	int k = rec_find(recs, *n_recs, op->prefix, op->plen);
	if (op->is_restore) {
		if (k >= 0) {
			memmove(&recs[k], &recs[k + 1], (*n_recs - (size_t)k - 1) * sizeof(recs[0]));
			(*n_recs)--;
		}
		return true;
	}
	if (k >= 0) {
		recs[k].label = op->label;
		return true;
	}
	if (*n_recs == cap)
		return false;
	struct policy_rec *r = &recs[(*n_recs)++];
	memset(r, 0, sizeof(*r));
	memcpy(r->prefix, op->prefix, 16);
	r->plen = op->plen;
	r->label = op->label;
	r->had_old = op->had_old;
	r->old_label = op->old_label;
	return true;
}

/* Native-endian u32 through the cursor (netlink is host byte order). */
static uint32_t ne32(struct rcur *c)
{
	uint8_t b[4];
	uint32_t v;
	rcur_bytes(c, b, sizeof(b));
	memcpy(&v, b, sizeof(v));
	return v;
}

enum hostcfg_nl_err policy_nl_parse_label(const struct hostcfg_nlmsg *m, struct policy_label *out)
{
	struct rcur c = m->payload, val;
	uint16_t type;
	bool has_addr = false, has_label = false;
	memset(out, 0, sizeof(*out));
	if (m->type != RTM_NEWADDRLABEL)
		return HOSTCFG_NL_E_TYPE;
	uint8_t family = rcur_u8(&c);
	rcur_skip(&c, 1); /* __ifal_reserved */
	out->plen = rcur_u8(&c);
	rcur_skip(&c, 1); /* ifal_flags */
	out->ifindex = ne32(&c);
	rcur_skip(&c, 4); /* ifal_seq */
	if (!rcur_ok(&c))
		return HOSTCFG_NL_E_SHORT;
	if (family != AF_INET6)
		return HOSTCFG_NL_E_FAMILY;
	if (out->plen > 128)
		return HOSTCFG_NL_E_PLEN;
	while (hostcfg_nla_next(&c, &type, &val)) {
		if ((type == IFAL_ADDRESS && rcur_left(&val) != 16) ||
			(type == IFAL_LABEL && rcur_left(&val) != 4))
			return HOSTCFG_NL_E_ATTRLEN;
		if (type == IFAL_ADDRESS) {
			has_addr = rcur_bytes(&val, out->prefix, 16);
		} else if (type == IFAL_LABEL) {
			out->label = ne32(&val);
			has_label = true;
		}
	}
	if (!rcur_ok(&c))
		return HOSTCFG_NL_E_ATTRLEN;
	if (!has_addr || !has_label)
		return HOSTCFG_NL_E_NOADDR;
	policy_prefix_mask(out->prefix, out->plen);
	return HOSTCFG_NL_OK;
}
