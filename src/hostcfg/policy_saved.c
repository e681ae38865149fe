/* Pure part of the daemon-wide policy table owner: merging the connections' rows, the
 * policy.state codec and the recovery plan; see policy.h. No I/O, no logging.
 *
 * policy.state, after "version 1":
 *   kernel BOOT_ID/NETNS_INODE  the kernel the labels below are in (a reboot or a new network
 *                               namespace starts with the kernel's defaults: nothing to undo)
 *   gai PATH                    gai.conf may hold our block
 *   gai-had-file 0|1            it existed before our first write (else: removed when empty)
 *   gai-made-dir PATH           the outermost directory created above it
 *   label PREFIX/LEN OURS ALT OLD   a kernel label of ours: OURS (and ALT, or "-", while a new
 *                               value is being set), OLD the label before, "-" for none
 * and "end". */
#include "hostcfg/policy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static bool ps_same(const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen)
{
	return alen == blen && memcmp(a, b, 16) == 0;
}

/* --- merge ------------------------------------------------------------------------------------ */

void policy_merge_contribs(const struct policy_contrib *c, size_t n, struct policy_want *out)
{
	size_t idx[POLICY_OWNER_MAX], k = 0;
	bool from_isp[POLICY_MAX_ROWS] = { false };
	struct policy_row own[POLICY_MAX_ROWS];
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n && i < POLICY_OWNER_MAX; i++) {
		if (!c[i].is_set)
			continue;
		size_t j = k++;
		for (; j > 0 && c[idx[j - 1]].id > c[i].id; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	memcpy(out->rows, policy_rfc6724_default, policy_rfc6724_default_len * sizeof(out->rows[0]));
	out->n = policy_rfc6724_default_len;
	for (size_t i = 0; i < k; i++) {
		const struct policy_contrib *ci = &c[idx[i]];
		out->any_set = true;
		size_t nr = ci->n < POLICY_MAX_ROWS ? ci->n : POLICY_MAX_ROWS;
		int m = policy_table_merge(NULL, 0, ci->rows, nr, own, POLICY_MAX_ROWS);
		for (int r = 0; r < m; r++) {
			size_t at = out->n;
			for (size_t q = 0; q < out->n && at == out->n; q++)
				if (ps_same(out->rows[q].prefix, out->rows[q].plen, own[r].prefix, own[r].plen))
					at = q;
			if (at < out->n && from_isp[at])
				continue; /* an earlier connection set it */
			if (at == POLICY_MAX_ROWS) {
				out->n_dropped++;
				continue;
			}
			out->rows[at] = own[r];
			from_isp[at] = true;
			out->has_isp = true;
			out->n += at == out->n;
		}
	}
}

/* --- state file ------------------------------------------------------------------------------- */

/* "N" (decimal u32 below POLICY_LABEL_INVALID) or, if dash_ok, "-". */
static bool ps_label(const char *t, size_t n, bool dash_ok, bool *has, uint32_t *v)
{
	uint64_t x = 0;
	*has = false;
	*v = 0;
	if (dash_ok && n == 1 && t[0] == '-')
		return true;
	if (n == 0 || n > 10 || (n > 1 && t[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(t[i] - '0');
	}
	if (x >= POLICY_LABEL_INVALID)
		return false;
	*has = true;
	*v = (uint32_t)x;
	return true;
}

/* "PREFIX/LEN": an IPv6 prefix with no bits set past LEN. */
static bool ps_prefix(const char *t, size_t n, uint8_t prefix[16], uint8_t *plen)
{
	char a[INET6_ADDRSTRLEN + 8];
	const char *slash = memchr(t, '/', n);
	bool has;
	uint32_t len;
	if (!slash || (size_t)(slash - t) >= INET6_ADDRSTRLEN)
		return false;
	memcpy(a, t, (size_t)(slash - t));
	a[slash - t] = '\0';
	if (inet_pton(AF_INET6, a, prefix) != 1)
		return false;
	if (!ps_label(slash + 1, n - (size_t)(slash - t) - 1, false, &has, &len) || len > 128)
		return false;
	*plen = (uint8_t)len;
	uint8_t m[16];
	memcpy(m, prefix, 16);
	policy_prefix_mask(m, *plen);
	return memcmp(m, prefix, 16) == 0;
}

/* "label PREFIX/LEN OURS ALT OLD" into r. */
static bool ps_rec(const struct hostcfg_kv *kv, struct policy_saved_rec *r)
{
	const char *f[5];
	size_t fl[5], k = 0, pos = 0;
	bool has;
	memset(r, 0, sizeof(*r));
	while (pos < kv->val_len && k < 5) {
		const char *sp = memchr(kv->val + pos, ' ', kv->val_len - pos);
		size_t end = sp ? (size_t)(sp - kv->val) : kv->val_len;
		f[k] = kv->val + pos;
		fl[k++] = end - pos;
		pos = end + 1;
		if (sp && pos == kv->val_len)
			return false; /* trailing blank */
	}
	if (k != 4 || pos < kv->val_len)
		return false;
	return ps_prefix(f[0], fl[0], r->prefix, &r->plen) &&
		ps_label(f[1], fl[1], false, &has, &r->label) &&
		ps_label(f[2], fl[2], true, &r->has_alt, &r->alt_label) &&
		ps_label(f[3], fl[3], true, &r->had_old, &r->old_label) &&
		(!r->has_alt || r->alt_label != r->label);
}

enum ps_key { PS_KERNEL, PS_GAI, PS_GAI_HAD, PS_GAI_DIR, PS_LABEL, PS_N_KEYS };

static const char *const ps_keys[PS_N_KEYS] = {
	[PS_KERNEL] = "kernel", [PS_GAI] = "gai", [PS_GAI_HAD] = "gai-had-file", [PS_GAI_DIR] = "gai-made-dir",
	[PS_LABEL] = "label",
};

static enum hostcfg_state_err ps_value(enum ps_key k, const struct hostcfg_kv *kv,
	struct policy_saved *s)
{
	bool ok = false;
	switch (k) {
	case PS_KERNEL:
		ok = kv->val_len < sizeof(s->kernel);
		if (ok) {
			memcpy(s->kernel, kv->val, kv->val_len);
			s->kernel[kv->val_len] = '\0';
			ok = hostcfg_state_token_ok(s->kernel, sizeof(s->kernel));
		}
		break;
	case PS_GAI: ok = hostcfg_kv_path(kv, s->gai_path, sizeof(s->gai_path)); break;
	case PS_GAI_HAD:
		ok = hostcfg_kv_val_is(kv, "0") || hostcfg_kv_val_is(kv, "1");
		s->gai_had_file = hostcfg_kv_val_is(kv, "1");
		break;
	case PS_GAI_DIR: ok = hostcfg_kv_path(kv, s->gai_made_dir, sizeof(s->gai_made_dir)); break;
	case PS_LABEL: {
		struct policy_saved_rec *r = &s->recs[s->n_recs];
		if (s->n_recs == POLICY_MAX_OPS)
			return HOSTCFG_STATE_E_FULL;
		ok = ps_rec(kv, r);
		for (size_t i = 0; ok && i < s->n_recs; i++)
			if (ps_same(s->recs[i].prefix, s->recs[i].plen, r->prefix, r->plen))
				return HOSTCFG_STATE_E_DUP;
		s->n_recs += ok;
		break;
	}
	case PS_N_KEYS:
		break;
	}
	return ok ? HOSTCFG_STATE_OK : HOSTCFG_STATE_E_VALUE;
}

enum hostcfg_state_err policy_saved_parse(const char *text, size_t len, struct policy_saved *out,
	unsigned *line)
{
	struct hostcfg_state_iter it = hostcfg_state_iter_init(text, len);
	struct hostcfg_kv kv;
	enum hostcfg_state_err e;
	unsigned seen = 0;
	memset(out, 0, sizeof(*out));
	while ((e = hostcfg_state_next(&it, &kv)) == HOSTCFG_STATE_OK && kv.key) {
		enum ps_key k = PS_N_KEYS;
		for (unsigned i = 0; i < PS_N_KEYS && k == PS_N_KEYS; i++)
			if (hostcfg_kv_is(&kv, ps_keys[i]))
				k = (enum ps_key)i;
		if (k == PS_N_KEYS)
			e = HOSTCFG_STATE_E_KEY;
		else if (k != PS_LABEL && (seen & 1u << k))
			e = HOSTCFG_STATE_E_DUP;
		else
			e = ps_value(k, &kv, out);
		if (e != HOSTCFG_STATE_OK)
			break;
		seen |= 1u << k;
	}
	/* gai's companions only with it, and gai-had-file always with it. */
	if (e == HOSTCFG_STATE_OK && !(seen & 1u << PS_GAI) &&
		(seen & (1u << PS_GAI_HAD | 1u << PS_GAI_DIR)))
		e = HOSTCFG_STATE_E_KEY;
	else if (e == HOSTCFG_STATE_OK && (seen & 1u << PS_GAI) && !(seen & 1u << PS_GAI_HAD))
		e = HOSTCFG_STATE_E_MISSING;
	if (line)
		*line = kv.line;
	return e;
}

static void ps_put_label(struct hostcfg_out *o, bool has, uint32_t v)
{
	if (has)
		hostcfg_out_printf(o, " %u", v);
	else
		hostcfg_out_printf(o, " -");
}

int policy_saved_render(const struct policy_saved *s, char *buf, size_t cap)
{
	struct hostcfg_out o = hostcfg_out_init(buf, cap);
	char a[INET6_ADDRSTRLEN];
	hostcfg_out_printf(&o, "# v6link policy table: what the host holds of ours (restored at the "
		"next start if v6link stopped without undoing it)\nversion %d\n", HOSTCFG_STATE_VERSION);
	if (s->kernel[0])
		hostcfg_out_printf(&o, "kernel %s\n", s->kernel);
	if (s->gai_path[0]) {
		hostcfg_out_printf(&o, "gai %s\ngai-had-file %d\n", s->gai_path, s->gai_had_file);
		if (s->gai_made_dir[0])
			hostcfg_out_printf(&o, "gai-made-dir %s\n", s->gai_made_dir);
	}
	for (size_t i = 0; i < s->n_recs && i < POLICY_MAX_OPS; i++) {
		const struct policy_saved_rec *r = &s->recs[i];
		inet_ntop(AF_INET6, r->prefix, a, sizeof(a));
		hostcfg_out_printf(&o, "label %s/%u %u", a, r->plen, r->label);
		ps_put_label(&o, r->has_alt, r->alt_label);
		ps_put_label(&o, r->had_old, r->old_label);
		hostcfg_out_printf(&o, "\n");
	}
	hostcfg_out_printf(&o, "end\n");
	return hostcfg_out_result(&o);
}

/* --- recovery plan ---------------------------------------------------------------------------- */

int policy_saved_plan_restore(const struct policy_label *cur, size_t n_cur,
	const struct policy_saved *s, struct policy_op *ops, size_t cap)
{
	size_t n = 0;
	for (size_t i = s->n_recs; i-- > 0;) {
		const struct policy_saved_rec *r = &s->recs[i];
		const struct policy_label *c = NULL;
		for (size_t k = 0; k < n_cur && !c; k++)
			if (cur[k].ifindex == 0 && ps_same(cur[k].prefix, cur[k].plen, r->prefix, r->plen))
				c = &cur[k];
		bool is_ours = c && (c->label == r->label || (r->has_alt && c->label == r->alt_label));
		if (!is_ours && !(!c && r->had_old))
			continue; /* changed by someone else since, or never became ours: leave it */
		if (n == cap)
			return -1;
		struct policy_op *op = &ops[n++];
		memset(op, 0, sizeof(*op));
		op->is_restore = true;
		memcpy(op->prefix, r->prefix, 16);
		op->plen = r->plen;
		op->had_old = r->had_old;
		op->old_label = r->old_label;
		if (!c)
			op->kind = POLICY_OP_ADD; /* cut between a replace's delete and its add */
		else
			op->kind = r->had_old ? POLICY_OP_REPLACE : POLICY_OP_DEL;
		op->label = r->had_old ? r->old_label : c->label;
	}
	return (int)n;
}
