/* Undo list for host changes: records are kept only after the host accepted the change, the
 * same address/route/sysctl is recorded once, and undo runs newest first, past failures. A route
 * is only ever created, never replaced, so another connection's or program's stays as it is.
 * Pure: the actual changes go through struct hostcfg_ops. */
#include "hostcfg/hostcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"

const char *hostcfg_kind_name(enum hostcfg_kind k)
{
	switch (k) {
	case HOSTCFG_K_ADDR4: return "addr4";
	case HOSTCFG_K_ADDR6: return "addr6";
	case HOSTCFG_K_ROUTE4: return "route4";
	case HOSTCFG_K_ROUTE6: return "route6";
	case HOSTCFG_K_SYSCTL: return "sysctl";
	case HOSTCFG_K_LINK: return "link";
	}
	return "?";
}

void hostcfg_init(struct hostcfg *hc, const char *conn, const char *ifname,
	const struct hostcfg_ops *ops, void *ctx)
{
	memset(hc, 0, sizeof(*hc));
	snprintf(hc->conn, sizeof(hc->conn), "%s", conn);
	snprintf(hc->ifname, sizeof(hc->ifname), "%s", ifname);
	hc->ops = ops;
	hc->ctx = ctx;
	hc->table = HOSTCFG_TABLE_MAIN;
}

void hostcfg_set_table(struct hostcfg *hc, uint32_t table)
{
	hc->table = table;
}

const char *hostcfg_last_error(const struct hostcfg *hc)
{
	return hc->errmsg;
}

static size_t alen_of(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Errors that mean the object is already gone from the host: undo is then done. */
static bool err_is_gone(int err)
{
	return err == ENOENT || err == ESRCH || err == EADDRNOTAVAIL || err == ENODEV;
}

/* Records "what: strerror" as the last error, logs it and returns -1 with errno = err. */
static int fail(struct hostcfg *hc, const char *what, int err)
{
	snprintf(hc->errmsg, sizeof(hc->errmsg), "%s: %s", what, strerror(err));
	log_warnx("hostcfg[%s]: %s", hc->conn, hc->errmsg);
	errno = err;
	return -1;
}

static struct hostcfg_rec *rec_push(struct hostcfg *hc, enum hostcfg_kind kind)
{
	struct hostcfg_rec *r = &hc->rec[hc->n_rec++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	return r;
}

/* Drops record i, keeping the order of the others (undo order is the order of changes). */
static void rec_remove(struct hostcfg *hc, unsigned i)
{
	memmove(&hc->rec[i], &hc->rec[i + 1], (hc->n_rec - i - 1) * sizeof(hc->rec[0]));
	hc->n_rec--;
}

static const char *ntop(int family, const uint8_t *a, char *buf, size_t cap)
{
	if (!inet_ntop(family, a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

const char *hostcfg_fmt_addr(char *buf, size_t cap, const char *verb, const char *ifname,
	const struct hostcfg_addr *a)
{
	char s[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	ntop(a->family, a->addr, s, sizeof(s));
	if (a->has_peer)
		snprintf(buf, cap, "addr %s %s peer %s/%u dev %s", verb, s,
			ntop(a->family, a->peer, p, sizeof(p)), a->plen, ifname);
	else
		snprintf(buf, cap, "addr %s %s/%u dev %s", verb, s, a->plen, ifname);
	return buf;
}

const char *hostcfg_fmt_route(char *buf, size_t cap, const char *verb, const char *ifname,
	const struct hostcfg_route *r)
{
	char d[INET6_ADDRSTRLEN + 4], s[INET6_ADDRSTRLEN + 10], g[INET6_ADDRSTRLEN + 5], m[20];
	char t[20], tmp[INET6_ADDRSTRLEN];
	if (r->dst_plen == 0)
		snprintf(d, sizeof(d), "default");
	else
		snprintf(d, sizeof(d), "%s/%u", ntop(r->family, r->dst, tmp, sizeof(tmp)), r->dst_plen);
	s[0] = g[0] = m[0] = t[0] = '\0';
	if (r->src_plen > 0)
		snprintf(s, sizeof(s), " from %s/%u", ntop(r->family, r->src, tmp, sizeof(tmp)),
			r->src_plen);
	if (r->has_gw)
		snprintf(g, sizeof(g), " via %s", ntop(r->family, r->gw, tmp, sizeof(tmp)));
	if (r->metric)
		snprintf(m, sizeof(m), " metric %u", r->metric);
	if (r->table != HOSTCFG_TABLE_MAIN)
		snprintf(t, sizeof(t), " table %u", r->table);
	if (r->is_blackhole)
		snprintf(buf, cap, "route %s blackhole %s%s%s%s", verb, d, s, m, t);
	else
		snprintf(buf, cap, "route %s %s%s%s dev %s%s%s", verb, d, s, g, ifname, m, t);
	return buf;
}

bool hostcfg_sysctl_path_ok(const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(((struct hostcfg_sysctl *)0)->path) || path[0] == '/')
		return false;
	if (strstr(path, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = path[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '_' || c == '-' || c == '/';
		if (!ok)
			return false;
	}
	return true;
}

/* --- addresses ------------------------------------------------------------------------------- */

static bool addr_make(struct hostcfg_addr *a, int family, const void *addr, uint8_t plen,
	const void *peer)
{
	size_t alen = alen_of(family);
	memset(a, 0, sizeof(*a));
	if (alen == 0 || !addr || plen > alen * 8)
		return false;
	a->family = family;
	a->plen = plen;
	memcpy(a->addr, addr, alen);
	if (peer) {
		a->has_peer = true;
		memcpy(a->peer, peer, alen);
	}
	return true;
}

/* Kernel identity: IPv6 by address alone; IPv4 by local address, prefix length and peer. */
static bool addr_same(const struct hostcfg_addr *x, const struct hostcfg_addr *y)
{
	if (x->family != y->family || memcmp(x->addr, y->addr, sizeof(x->addr)) != 0)
		return false;
	if (x->family == AF_INET6)
		return true;
	return x->plen == y->plen && x->has_peer == y->has_peer &&
		memcmp(x->peer, y->peer, sizeof(x->peer)) == 0;
}

static int addr_find(const struct hostcfg *hc, const struct hostcfg_addr *a)
{
	for (unsigned i = 0; i < hc->n_rec; i++) {
		const struct hostcfg_rec *r = &hc->rec[i];
		if ((r->kind == HOSTCFG_K_ADDR4 || r->kind == HOSTCFG_K_ADDR6) && addr_same(&r->u.addr, a))
			return (int)i;
	}
	return -1;
}

/* Deletes a recorded address from the host and drops its record. */
static int addr_del_rec(struct hostcfg *hc, unsigned i)
{
	char what[160];
	const struct hostcfg_addr *a = &hc->rec[i].u.addr;
	hostcfg_fmt_addr(what, sizeof(what), "del", hc->ifname, a);
	if (hc->ops->addr(hc->ctx, hc->ifname, false, a) < 0 && !err_is_gone(errno))
		return fail(hc, what, errno);
	log_debug(LOGC_HOST, "hostcfg[%s]: %s", hc->conn, what);
	rec_remove(hc, i);
	return 0;
}

int hostcfg_addr_add(struct hostcfg *hc, int family, const void *addr, uint8_t plen,
	const void *peer, uint32_t valid_s, uint32_t pref_s, uint32_t flags)
{
	struct hostcfg_addr a;
	char what[160];
	if (!addr_make(&a, family, addr, plen, peer) || valid_s == 0 || pref_s > valid_s)
		return fail(hc, "addr add: bad arguments", EINVAL);
	a.valid_s = valid_s;
	a.pref_s = pref_s;
	a.flags = flags;
	hostcfg_fmt_addr(what, sizeof(what), "add", hc->ifname, &a);
	int i = addr_find(hc, &a);
	/* A new prefix length is a new address to the kernel: drop the old one first. */
	if (i >= 0 && hc->rec[i].u.addr.plen != a.plen) {
		if (addr_del_rec(hc, (unsigned)i) < 0)
			return -1;
		i = -1;
	}
	if (i < 0 && hc->n_rec == HOSTCFG_MAX_REC)
		return fail(hc, what, ENOSPC);
	if (hc->ops->addr(hc->ctx, hc->ifname, true, &a) < 0)
		return fail(hc, what, errno);
	if (i >= 0)
		hc->rec[i].u.addr = a;
	else
		rec_push(hc, family == AF_INET ? HOSTCFG_K_ADDR4 : HOSTCFG_K_ADDR6)->u.addr = a;
	log_debug(LOGC_HOST, "hostcfg[%s]: %s valid %u pref %u", hc->conn, what, valid_s, pref_s);
	return 0;
}

int hostcfg_addr_del(struct hostcfg *hc, int family, const void *addr, uint8_t plen,
	const void *peer)
{
	struct hostcfg_addr a;
	char what[160];
	if (!addr_make(&a, family, addr, plen, peer))
		return fail(hc, "addr del: bad arguments", EINVAL);
	int i = addr_find(hc, &a);
	if (i >= 0)
		return addr_del_rec(hc, (unsigned)i);
	hostcfg_fmt_addr(what, sizeof(what), "del", hc->ifname, &a);
	if (hc->ops->addr(hc->ctx, hc->ifname, false, &a) < 0 && !err_is_gone(errno))
		return fail(hc, what, errno);
	return 0;
}

/* --- routes ---------------------------------------------------------------------------------- */

static bool route_make(const struct hostcfg *hc, struct hostcfg_route *r, int family,
	const void *dst, uint8_t plen, const void *src, uint8_t src_plen, uint32_t metric)
{
	size_t alen = alen_of(family);
	memset(r, 0, sizeof(*r));
	if (alen == 0 || plen > alen * 8 || src_plen > alen * 8 || (plen > 0 && !dst))
		return false;
	/* Source-specific routes (RTA_SRC) exist only in the IPv6 FIB. */
	if (src && src_plen > 0 && family != AF_INET6)
		return false;
	r->family = family;
	r->dst_plen = plen;
	if (dst)
		memcpy(r->dst, dst, alen);
	if (src && src_plen > 0) {
		r->src_plen = src_plen;
		memcpy(r->src, src, alen);
	}
	r->metric = metric;
	r->table = hc->table;
	r->proto = HOSTCFG_RTPROT;
	return true;
}

/* The kernel's identity of a route in an exclusive add: table, destination, source, metric. */
static bool route_same(const struct hostcfg_route *x, const struct hostcfg_route *y)
{
	return x->family == y->family && x->dst_plen == y->dst_plen && x->src_plen == y->src_plen &&
		x->metric == y->metric && x->table == y->table &&
		memcmp(x->dst, y->dst, sizeof(x->dst)) == 0 && memcmp(x->src, y->src, sizeof(x->src)) == 0;
}

static int route_find(const struct hostcfg *hc, const struct hostcfg_route *rt)
{
	for (unsigned i = 0; i < hc->n_rec; i++) {
		const struct hostcfg_rec *r = &hc->rec[i];
		if ((r->kind == HOSTCFG_K_ROUTE4 || r->kind == HOSTCFG_K_ROUTE6) &&
			route_same(&r->u.route, rt))
			return (int)i;
	}
	return -1;
}

static int route_install(struct hostcfg *hc, struct hostcfg_route rt);

int hostcfg_route_add(struct hostcfg *hc, int family, const void *dst, uint8_t plen,
	const void *src, uint8_t src_plen, const void *gw, uint32_t metric)
{
	struct hostcfg_route rt;
	if (!route_make(hc, &rt, family, dst, plen, src, src_plen, metric))
		return fail(hc, "route add: bad arguments", EINVAL);
	if (gw) {
		rt.has_gw = true;
		memcpy(rt.gw, gw, alen_of(family));
	}
	return route_install(hc, rt);
}

int hostcfg_route_add_blackhole(struct hostcfg *hc, int family, const void *dst, uint8_t plen)
{
	struct hostcfg_route rt;
	if (!route_make(hc, &rt, family, dst, plen, NULL, 0, 0))
		return fail(hc, "route add: bad arguments", EINVAL);
	rt.is_blackhole = true;
	return route_install(hc, rt);
}

/* Same identity and the same next hop: nothing to change on the host. */
static bool route_same_hop(const struct hostcfg_route *x, const struct hostcfg_route *y)
{
	return x->has_gw == y->has_gw && x->is_blackhole == y->is_blackhole &&
		memcmp(x->gw, y->gw, sizeof(x->gw)) == 0;
}

/* The route is there and not ours: described, logged once, left alone, not recorded. */
static int route_not_ours(struct hostcfg *hc, const char *what)
{
	snprintf(hc->errmsg, sizeof(hc->errmsg), "%s: not added: the table already has a route "
		"to this destination with this metric that this connection did not add (another "
		"connection's or program's); left as it is", what);
	log_warnx("hostcfg[%s]: %s", hc->conn, hc->errmsg);
	return HOSTCFG_EXISTS;
}

static int route_install(struct hostcfg *hc, struct hostcfg_route rt)
{
	char what[192];
	hostcfg_fmt_route(what, sizeof(what), "add", hc->ifname, &rt);
	int i = route_find(hc, &rt);
	/* Ours with another next hop: an exclusive add would fail, so ours goes first. */
	if (i >= 0 && !route_same_hop(&hc->rec[i].u.route, &rt)) {
		if (hostcfg_route_del(hc, rt.family, rt.dst, rt.dst_plen, rt.src, rt.src_plen,
			rt.metric) < 0)
			return -1;
		i = -1;
	}
	if (i < 0 && hc->n_rec == HOSTCFG_MAX_REC)
		return fail(hc, what, ENOSPC);
	if (hc->ops->route(hc->ctx, hc->ifname, true, &rt) < 0) {
		if (errno != EEXIST)
			return fail(hc, what, errno);
		if (i < 0)
			return route_not_ours(hc, what);
		/* Ours and still there (a refresh). */
		log_debug(LOGC_HOST, "hostcfg[%s]: %s: already there", hc->conn, what);
		return 0;
	}
	if (i < 0)
		rec_push(hc, rt.family == AF_INET ? HOSTCFG_K_ROUTE4 : HOSTCFG_K_ROUTE6)->u.route = rt;
	log_debug(LOGC_HOST, "hostcfg[%s]: %s", hc->conn, what);
	return 0;
}

int hostcfg_route_del(struct hostcfg *hc, int family, const void *dst, uint8_t plen,
	const void *src, uint8_t src_plen, uint32_t metric)
{
	struct hostcfg_route rt;
	char what[192];
	if (!route_make(hc, &rt, family, dst, plen, src, src_plen, metric))
		return fail(hc, "route del: bad arguments", EINVAL);
	int i = route_find(hc, &rt);
	if (i < 0)
		return 0; /* not ours (or already removed): never delete another's route */
	rt = hc->rec[i].u.route; /* delete exactly what was installed (gateway included) */
	hostcfg_fmt_route(what, sizeof(what), "del", hc->ifname, &rt);
	if (hc->ops->route(hc->ctx, hc->ifname, false, &rt) < 0 && !err_is_gone(errno))
		return fail(hc, what, errno);
	rec_remove(hc, (unsigned)i);
	log_debug(LOGC_HOST, "hostcfg[%s]: %s", hc->conn, what);
	return 0;
}

/* --- sysctl and link ------------------------------------------------------------------------- */

static void strip_ws(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

int hostcfg_sysctl_set(struct hostcfg *hc, const char *path, const char *value)
{
	char what[160], old[32];
	snprintf(what, sizeof(what), "sysctl %s=%s", path, value);
	if (!hostcfg_sysctl_path_ok(path) || strlen(value) >= sizeof(old))
		return fail(hc, what, EINVAL);
	int i = -1;
	for (unsigned k = 0; k < hc->n_rec && i < 0; k++)
		if (hc->rec[k].kind == HOSTCFG_K_SYSCTL && strcmp(hc->rec[k].u.sysctl.path, path) == 0)
			i = (int)k;
	if (i < 0) {
		if (hc->n_rec == HOSTCFG_MAX_REC)
			return fail(hc, what, ENOSPC);
		if (hc->ops->sysctl_read(hc->ctx, path, old, sizeof(old)) < 0)
			return fail(hc, what, errno);
		old[sizeof(old) - 1] = '\0';
		strip_ws(old);
	}
	if (hc->ops->sysctl_write(hc->ctx, path, value) < 0)
		return fail(hc, what, errno);
	if (i < 0) {
		struct hostcfg_rec *r = rec_push(hc, HOSTCFG_K_SYSCTL);
		snprintf(r->u.sysctl.path, sizeof(r->u.sysctl.path), "%s", path);
		snprintf(r->u.sysctl.old, sizeof(r->u.sysctl.old), "%s", old);
	}
	log_debug(LOGC_HOST, "hostcfg[%s]: %s", hc->conn, what);
	return 0;
}

int hostcfg_link_setup(struct hostcfg *hc, uint32_t mtu, bool up)
{
	char what[96];
	struct hostcfg_link old = { 0 }, want = { .mtu = mtu, .is_up = up };
	snprintf(what, sizeof(what), "link set %s mtu %u %s", hc->ifname, mtu, up ? "up" : "down");
	int i = -1;
	for (unsigned k = 0; k < hc->n_rec && i < 0; k++)
		if (hc->rec[k].kind == HOSTCFG_K_LINK)
			i = (int)k;
	if (i < 0) {
		if (hc->n_rec == HOSTCFG_MAX_REC)
			return fail(hc, what, ENOSPC);
		if (hc->ops->link_get(hc->ctx, hc->ifname, &old) < 0)
			return fail(hc, what, errno);
	}
	if (hc->ops->link_set(hc->ctx, hc->ifname, &want) < 0)
		return fail(hc, what, errno);
	if (i < 0)
		rec_push(hc, HOSTCFG_K_LINK)->u.link = old;
	log_debug(LOGC_HOST, "hostcfg[%s]: %s", hc->conn, what);
	return 0;
}

int hostcfg_link_mtu(struct hostcfg *hc, uint32_t mtu)
{
	char what[96];
	struct hostcfg_link old = { 0 }, want = { .mtu = mtu, .is_mtu_only = true };
	snprintf(what, sizeof(what), "link set %s mtu %u", hc->ifname, mtu);
	if (mtu == 0)
		return fail(hc, what, EINVAL);
	bool has_rec = false;
	for (unsigned k = 0; k < hc->n_rec && !has_rec; k++)
		has_rec = hc->rec[k].kind == HOSTCFG_K_LINK;
	if (!has_rec) {
		if (hc->n_rec == HOSTCFG_MAX_REC)
			return fail(hc, what, ENOSPC);
		if (hc->ops->link_get(hc->ctx, hc->ifname, &old) < 0)
			return fail(hc, what, errno);
		old.is_mtu_only = true;
	}
	if (hc->ops->link_set(hc->ctx, hc->ifname, &want) < 0)
		return fail(hc, what, errno);
	if (!has_rec)
		rec_push(hc, HOSTCFG_K_LINK)->u.link = old;
	log_debug(LOGC_HOST, "hostcfg[%s]: %s", hc->conn, what);
	return 0;
}

/* --- undo ------------------------------------------------------------------------------------ */

static int undo_one(struct hostcfg *hc, const struct hostcfg_rec *r, char *what, size_t cap)
{
	switch (r->kind) {
	case HOSTCFG_K_ADDR4:
	case HOSTCFG_K_ADDR6:
		hostcfg_fmt_addr(what, cap, "del", hc->ifname, &r->u.addr);
		return hc->ops->addr(hc->ctx, hc->ifname, false, &r->u.addr);
	case HOSTCFG_K_ROUTE4:
	case HOSTCFG_K_ROUTE6:
		hostcfg_fmt_route(what, cap, "del", hc->ifname, &r->u.route);
		return hc->ops->route(hc->ctx, hc->ifname, false, &r->u.route);
	case HOSTCFG_K_SYSCTL:
		snprintf(what, cap, "sysctl %s=%s (restore)", r->u.sysctl.path, r->u.sysctl.old);
		return hc->ops->sysctl_write(hc->ctx, r->u.sysctl.path, r->u.sysctl.old);
	case HOSTCFG_K_LINK:
		snprintf(what, cap, "link set %s mtu %u%s (restore)", hc->ifname, r->u.link.mtu,
			r->u.link.is_mtu_only ? "" : r->u.link.is_up ? " up" : " down");
		return hc->ops->link_set(hc->ctx, hc->ifname, &r->u.link);
	}
	errno = EINVAL;
	return -1;
}

int hostcfg_undo_all(struct hostcfg *hc)
{
	int first_err = 0;
	char what[192];
	while (hc->n_rec > 0) {
		const struct hostcfg_rec *r = &hc->rec[hc->n_rec - 1];
		if (undo_one(hc, r, what, sizeof(what)) < 0 && !err_is_gone(errno)) {
			int err = errno;
			fail(hc, what, err);
			if (!first_err)
				first_err = err;
		} else {
			log_debug(LOGC_HOST, "hostcfg[%s]: undo %s", hc->conn, what);
		}
		hc->n_rec--;
	}
	if (first_err) {
		errno = first_err;
		return -1;
	}
	return 0;
}
