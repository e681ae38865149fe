/* Pure part of the resolver owner: merging the connections' contributions, the merged
 * resolv.conf, and the state file codec; see resolver.h. No I/O, no logging. */
#include "hostcfg/resolver.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Indices of the set contributions in connection order (ascending id; equal ids keep their
 * slot order). Returns the count. */
static size_t rs_order(const struct resolver_contrib *c, size_t n, size_t idx[RESOLVER_MAX_CONNS])
{
	size_t k = 0;
	for (size_t i = 0; i < n && i < RESOLVER_MAX_CONNS; i++) {
		if (!c[i].is_set)
			continue;
		size_t j = k++;
		for (; j > 0 && c[idx[j - 1]].id > c[i].id; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	return k;
}

static bool rs_has_server(const struct dns_servers *d, int family, const uint8_t *addr)
{
	size_t len = family == AF_INET ? 4 : 16;
	for (unsigned i = 0; i < d->n; i++)
		if (d->s[i].family == family && !memcmp(d->s[i].addr, addr, len))
			return true;
	return false;
}

static void rs_add_server(struct dns_servers *out, const struct dns_servers *from, unsigned i,
	unsigned *left)
{
	if (rs_has_server(out, from->s[i].family, from->s[i].addr))
		return;
	if (!dns_servers_add(out, from->s[i].family, from->s[i].addr))
		(*left)++;
}

unsigned resolver_merge(const struct resolver_contrib *c, size_t n, struct dns_servers *out)
{
	size_t idx[RESOLVER_MAX_CONNS];
	size_t k = rs_order(c, n, idx);
	unsigned left = 0;
	memset(out, 0, sizeof(*out));
	/* A resolver reads only the first RESOLVER_NAMESERVERS lines: one from each connection
	 * there, so none depends on another connection's servers alone; the first stays first. */
	for (size_t i = 0; i < k; i++)
		if (c[idx[i]].d.n > 0)
			rs_add_server(out, &c[idx[i]].d, 0, &left);
	for (size_t i = 0; i < k; i++)
		for (unsigned j = 1; j < c[idx[i]].d.n && j < DNS_MAX_SERVERS; j++)
			rs_add_server(out, &c[idx[i]].d, j, &left);
	for (size_t i = 0; i < k; i++) {
		const struct dns_servers *d = &c[idx[i]].d;
		for (unsigned j = 0; j < d->n_domains && j < DNS_MAX_DOMAINS; j++) {
			bool dup = false;
			for (unsigned m = 0; m < out->n_domains && !dup; m++)
				dup = !strcmp(out->domains[m], d->domains[j]);
			if (!dup && !dns_servers_add_domain(out, d->domains[j]))
				left++;
		}
	}
	return left;
}

void resolver_names(const struct resolver_contrib *c, size_t n, char *out, size_t cap)
{
	size_t idx[RESOLVER_MAX_CONNS];
	size_t k = rs_order(c, n, idx);
	struct hostcfg_out o = hostcfg_out_init(out, cap);
	for (size_t i = 0; i < k; i++)
		hostcfg_out_printf(&o, "%s%s", i ? ", " : "", c[idx[i]].name);
}

int resolver_render(const struct dns_servers *d, const char *names, char *buf, size_t cap)
{
	char hdr[RESOLVER_MAX_CONNS * (RESOLVER_NAME_LEN + 2) + 64];
	int n = snprintf(hdr, sizeof(hdr), "# written by v6link (%s); restored when v6link stops",
		names);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -1;
	return dns_render_resolv_conf_hdr(d, hdr, buf, cap);
}

/* --- state file -------------------------------------------------------------------------------- */

const char *resolver_had_name(enum resolver_had h)
{
	switch (h) {
	case RESOLVER_HAD_NONE: return "none";
	case RESOLVER_HAD_FILE: return "file";
	case RESOLVER_HAD_SYMLINK: return "symlink";
	}
	return "?";
}

enum rs_key { RS_BACKEND, RS_TARGET, RS_HAD, RS_BACKUP, RS_MADE_DIR, RS_OURS, RS_LINK, RS_N_KEYS };

static const char *const rs_keys[RS_N_KEYS] = {
	[RS_BACKEND] = "backend", [RS_TARGET] = "target", [RS_HAD] = "had",
	[RS_BACKUP] = "backup", [RS_MADE_DIR] = "made-dir", [RS_OURS] = "ours", [RS_LINK] = "link",
};

static bool rs_backend(const struct hostcfg_kv *kv, enum dns_backend *b)
{
	static const enum dns_backend all[] = { DNS_BACKEND_RESOLVED, DNS_BACKEND_RESOLVCONF,
		DNS_BACKEND_FILE };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (hostcfg_kv_val_is(kv, dns_backend_name(all[i]))) {
			*b = all[i];
			return true;
		}
	return false;
}

static bool rs_had(const struct hostcfg_kv *kv, enum resolver_had *h)
{
	static const enum resolver_had all[] = { RESOLVER_HAD_NONE, RESOLVER_HAD_FILE,
		RESOLVER_HAD_SYMLINK };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (hostcfg_kv_val_is(kv, resolver_had_name(all[i]))) {
			*h = all[i];
			return true;
		}
	return false;
}

/* One key's value into s; E_FULL / E_DUP / E_VALUE as it fails. */
static enum hostcfg_state_err rs_value(enum rs_key k, const struct hostcfg_kv *kv,
	struct resolver_saved *s)
{
	bool ok = false;
	switch (k) {
	case RS_BACKEND: ok = rs_backend(kv, &s->backend); break;
	case RS_TARGET: ok = hostcfg_kv_path(kv, s->target, sizeof(s->target)); break;
	case RS_HAD: ok = rs_had(kv, &s->had); break;
	case RS_BACKUP: ok = hostcfg_kv_path(kv, s->backup, sizeof(s->backup)); break;
	case RS_MADE_DIR: ok = hostcfg_kv_path(kv, s->made_dir, sizeof(s->made_dir)); break;
	case RS_OURS:
		if (s->n_ours == RESOLVER_MAX_OURS)
			return HOSTCFG_STATE_E_FULL;
		ok = hostcfg_kv_hash(kv, s->ours[s->n_ours]);
		for (unsigned i = 0; ok && i < s->n_ours; i++)
			if (!strcmp(s->ours[i], s->ours[s->n_ours]))
				return HOSTCFG_STATE_E_DUP;
		s->n_ours += ok;
		break;
	case RS_LINK:
		if (s->n_links == RESOLVER_MAX_CONNS)
			return HOSTCFG_STATE_E_FULL;
		ok = hostcfg_kv_ifname(kv, s->links[s->n_links], sizeof(s->links[0]));
		for (unsigned i = 0; ok && i < s->n_links; i++)
			if (!strcmp(s->links[i], s->links[s->n_links]))
				return HOSTCFG_STATE_E_DUP;
		s->n_links += ok;
		break;
	case RS_N_KEYS:
		break;
	}
	return ok ? HOSTCFG_STATE_OK : HOSTCFG_STATE_E_VALUE;
}

/* Which keys the backend (and had) require and allow. */
static enum hostcfg_state_err rs_check(const struct resolver_saved *s, unsigned seen)
{
	unsigned file_keys = 1u << RS_TARGET | 1u << RS_HAD | 1u << RS_BACKUP | 1u << RS_MADE_DIR |
		1u << RS_OURS;
	if (!(seen & 1u << RS_BACKEND))
		return HOSTCFG_STATE_E_MISSING;
	if (s->backend != DNS_BACKEND_FILE)
		return seen & file_keys ? HOSTCFG_STATE_E_KEY : HOSTCFG_STATE_OK;
	if (seen & 1u << RS_LINK)
		return HOSTCFG_STATE_E_KEY;
	if (!(seen & 1u << RS_TARGET) || !(seen & 1u << RS_HAD) || s->n_ours == 0)
		return HOSTCFG_STATE_E_MISSING;
	if ((s->had != RESOLVER_HAD_NONE) != ((seen & 1u << RS_BACKUP) != 0))
		return s->had == RESOLVER_HAD_NONE ? HOSTCFG_STATE_E_KEY : HOSTCFG_STATE_E_MISSING;
	return HOSTCFG_STATE_OK;
}

enum hostcfg_state_err resolver_saved_parse(const char *text, size_t len,
	struct resolver_saved *out, unsigned *line)
{
	struct hostcfg_state_iter it = hostcfg_state_iter_init(text, len);
	struct hostcfg_kv kv;
	enum hostcfg_state_err e;
	unsigned seen = 0;
	memset(out, 0, sizeof(*out));
	while ((e = hostcfg_state_next(&it, &kv)) == HOSTCFG_STATE_OK && kv.key) {
		enum rs_key k = RS_N_KEYS;
		for (unsigned i = 0; i < RS_N_KEYS && k == RS_N_KEYS; i++)
			if (hostcfg_kv_is(&kv, rs_keys[i]))
				k = (enum rs_key)i;
		if (k == RS_N_KEYS)
			e = HOSTCFG_STATE_E_KEY;
		else if (k != RS_OURS && k != RS_LINK && (seen & 1u << k))
			e = HOSTCFG_STATE_E_DUP;
		else
			e = rs_value(k, &kv, out);
		if (e != HOSTCFG_STATE_OK)
			break;
		seen |= 1u << k;
	}
	if (e == HOSTCFG_STATE_OK)
		e = rs_check(out, seen);
	if (line)
		*line = kv.line;
	return e;
}

int resolver_saved_render(const struct resolver_saved *s, char *buf, size_t cap)
{
	struct hostcfg_out o = hostcfg_out_init(buf, cap);
	hostcfg_out_printf(&o, "# v6link resolver: what the host holds of ours (restored at the "
		"next start if v6link stopped without undoing it)\n");
	hostcfg_out_printf(&o, "version %d\nbackend %s\n", HOSTCFG_STATE_VERSION,
		dns_backend_name(s->backend));
	if (s->backend == DNS_BACKEND_FILE) {
		hostcfg_out_printf(&o, "target %s\nhad %s\n", s->target, resolver_had_name(s->had));
		if (s->had != RESOLVER_HAD_NONE)
			hostcfg_out_printf(&o, "backup %s\n", s->backup);
		if (s->made_dir[0])
			hostcfg_out_printf(&o, "made-dir %s\n", s->made_dir);
		for (unsigned i = 0; i < s->n_ours && i < RESOLVER_MAX_OURS; i++)
			hostcfg_out_printf(&o, "ours %s\n", s->ours[i]);
	} else {
		for (unsigned i = 0; i < s->n_links && i < RESOLVER_MAX_CONNS; i++)
			hostcfg_out_printf(&o, "link %s\n", s->links[i]);
	}
	hostcfg_out_printf(&o, "end\n");
	return hostcfg_out_result(&o);
}
