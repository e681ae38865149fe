/* IPv6 autoconfiguration of a connection; see conn_v6.h. The protocol work is in dhcp6/; this
 * file turns its events into host changes through the session's undo list (so a dropped session
 * removes them all) and keeps what `status` shows. What differs between modes (how DHCPv6 is
 * sent, the address flags, the routers' DNS) comes from the mode's ops. */
#include "engine/conn_v6.h"

#include "core/clock.h"
#include "core/log.h"
#include "engine/conn_priv.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define CONN_V6_LIFETIME_INF 0xffffffffu /* ND and DHCPv6 both spell infinity this way */

static uint32_t conn_v6_lft(uint32_t s)
{
	return s == CONN_V6_LIFETIME_INF ? HOSTCFG_LIFETIME_INF : s;
}

static uint64_t conn_v6_until(uint64_t now, uint32_t s)
{
	return s == CONN_V6_LIFETIME_INF ? V6L_NEVER : now + (uint64_t)s * 1000u;
}

static void conn_v6_hook_addr(struct conn *c, const char *event, const struct conn_v6addr *a,
			      uint32_t valid, uint32_t pref)
{
	char v[4][96], ip[INET6_ADDRSTRLEN];
	snprintf(v[0], sizeof(v[0]), "V6LINK_ADDRESS=%s/%u", inet_ntop(AF_INET6, a->addr, ip,
								       sizeof(ip)), a->plen);
	snprintf(v[1], sizeof(v[1]), "V6LINK_SOURCE=%s", conn_v6_src_name(a->source));
	snprintf(v[2], sizeof(v[2]), "V6LINK_VALID_LFT=%u", valid);
	snprintf(v[3], sizeof(v[3]), "V6LINK_PREFERRED_LFT=%u", pref);
	const char *extra[] = { v[0], v[1], v[2], v[3], NULL };
	conn_hook(c, event, extra);
}

static void conn_v6_remember_prefix(struct conn *c, const uint8_t addr[16]);

static struct conn_v6addr *conn_v6_find(struct conn *c, const uint8_t addr[16])
{
	for (unsigned i = 0; i < c->v6.n_addrs; i++)
		if (!memcmp(c->v6.addrs[i].addr, addr, 16))
			return &c->v6.addrs[i];
	return NULL;
}

/* The addresses or prefixes changed: the mode's data path filter and NAT46 follow. */
static void conn_v6_changed(struct conn *c)
{
	if (c->ops && c->ops->v6_changed)
		c->ops->v6_changed(c);
	conn_nat46_update(c);
}

/* Records and applies one address (create or refresh lifetimes in place: no flapping). No
 * prefix route: over PPP everything leaves through the TUN anyway, and in router mode the
 * kernel's own SLAAC route covers the link; the kernel would keep one with an expiry after the
 * address is gone. */
static void conn_v6_addr_set(struct conn *c, const uint8_t addr[16], uint8_t plen, uint32_t valid,
			     uint32_t pref, enum conn_v6src src, uint32_t flags, uint64_t now)
{
	struct conn_v6addr *a = conn_v6_find(c, addr);
	if (!a && c->v6.n_addrs == CONN_V6_MAX_ADDRS)
		return;
	flags |= c->ops->v6_addr_flags | IFA_F_NOPREFIXROUTE;
	if (hostcfg_addr_add(&c->host.hc, AF_INET6, addr, plen, NULL, conn_v6_lft(valid),
			     conn_v6_lft(pref), flags) < 0) {
		log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc));
		return;
	}
	bool is_new = !a;
	if (!a)
		a = &c->v6.addrs[c->v6.n_addrs++];
	if (is_new && plen == 64 && src != CONN_V6_DHCP6)
		conn_v6_remember_prefix(c, addr);
	memcpy(a->addr, addr, 16);
	a->plen = plen;
	a->source = (uint8_t)src;
	a->valid_until_ms = conn_v6_until(now, valid);
	a->pref_until_ms = conn_v6_until(now, pref);
	if (is_new)
		conn_v6_hook_addr(c, "address-added", a, valid, pref);
}

/* The /64 of the host's address on the line, kept for the next dial on demand (the packet that
 * dials needs a source of ours). */
static void conn_v6_remember_prefix(struct conn *c, const uint8_t addr[16])
{
	uint8_t old[8];
	uint16_t n = 0;
	conn_host_demand6_prefix(&c->host, addr);
	if (conn_state_read(c, "prefix", old, sizeof(old), &n) == 0 && n == 8 && !memcmp(old, addr, 8))
		return;
	if (conn_state_write(c, "prefix", addr, 8) < 0)
		log_warn("conn[%s]: cannot store the prefix in %s", c->cfg.name, c->cfg.state_dir);
}

static void conn_v6_addr_del(struct conn *c, const uint8_t addr[16])
{
	struct conn_v6addr *a = conn_v6_find(c, addr);
	if (!a)
		return;
	hostcfg_addr_del(&c->host.hc, AF_INET6, a->addr, a->plen, NULL);
	struct conn_v6addr gone = *a;
	*a = c->v6.addrs[--c->v6.n_addrs];
	conn_v6_hook_addr(c, "address-removed", &gone, 0, 0);
}

void conn_v6_slaac(struct conn *c, const uint8_t addr[16], uint8_t plen, uint32_t valid_s,
		   uint32_t pref_s, bool is_optimistic, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	/* A static ipv6_prefix= overrides the ISP's prefixes for the host's own address. */
	if (c->cfg.has_ipv6_prefix)
		return;
	if (!conn_v6_find(c, addr))
		log_debug(LOGC_HOST, "nd[%s]: SLAAC address %s/%u (valid %u s, preferred %u s)%s",
			  c->cfg.name, inet_ntop(AF_INET6, addr, a, sizeof(a)), plen, valid_s, pref_s,
			  is_optimistic ? ", optimistic until DAD completes" : "");
	conn_v6_addr_set(c, addr, plen, valid_s, pref_s, CONN_V6_SLAAC,
			 is_optimistic ? IFA_F_OPTIMISTIC : 0, now);
	conn_v6_changed(c);
}

void conn_v6_slaac_remove(struct conn *c, const uint8_t addr[16])
{
	char a[INET6_ADDRSTRLEN];
	log_debug(LOGC_HOST, "nd[%s]: address %s removed", c->cfg.name,
		  inet_ntop(AF_INET6, addr, a, sizeof(a)));
	conn_v6_addr_del(c, addr);
	conn_v6_changed(c);
}

/* --- router mode: prefixes shorter than /64, the kernel's own addresses --- */

/* Remaining whole seconds until `until` for an address's lifetimes (infinity stays). */
static uint32_t conn_v6_rem_s(uint64_t until, uint64_t now)
{
	if (until == V6L_NEVER)
		return CONN_V6_LIFETIME_INF;
	if (until <= now)
		return 0;
	uint64_t s = (until - now + 999) / 1000;
	return s >= CONN_V6_LIFETIME_INF ? CONN_V6_LIFETIME_INF - 1 : (uint32_t)s;
}

/* The host's address in a router prefix: the prefix zero-extended to 64 bits (the bits past its
 * length are zero) and our interface identifier, as conn_pd_addr does for a delegated prefix. */
static void conn_rapfx_addr(const struct conn *c, const uint8_t prefix[16], uint8_t out[16])
{
	memcpy(out, prefix, 8);
	memcpy(out + 8, c->lk.our_iid, 8);
}

static struct conn_v6_rapfx *conn_rapfx_find(struct conn *c, const uint8_t prefix[16],
					     uint8_t plen)
{
	for (unsigned i = 0; i < c->v6.n_rapfx; i++)
		if (c->v6.rapfx[i].plen == plen && !memcmp(c->v6.rapfx[i].prefix, prefix, 16))
			return &c->v6.rapfx[i];
	return NULL;
}

static void conn_rapfx_hook(struct conn *c, const char *event, const struct conn_v6_rapfx *p,
			    uint64_t now)
{
	char v[4][96], ip[INET6_ADDRSTRLEN];
	snprintf(v[0], sizeof(v[0]), "V6LINK_PREFIX=%s/%u",
		 inet_ntop(AF_INET6, p->prefix, ip, sizeof(ip)), p->plen);
	snprintf(v[1], sizeof(v[1]), "V6LINK_ROUTER=%s",
		 inet_ntop(AF_INET6, p->router, ip, sizeof(ip)));
	snprintf(v[2], sizeof(v[2]), "V6LINK_VALID_LFT=%u", conn_v6_rem_s(p->valid_until_ms, now));
	snprintf(v[3], sizeof(v[3]), "V6LINK_PREFERRED_LFT=%u", conn_v6_rem_s(p->pref_until_ms, now));
	const char *extra[] = { v[0], v[1], v[2], v[3], NULL };
	conn_hook(c, event, extra);
}

/* Adds or refreshes (A set) or removes (A clear) the host's address in router prefix p; an
 * address of another source that happens to be the same is left alone. */
static void conn_rapfx_apply(struct conn *c, const struct conn_v6_rapfx *p, uint64_t now)
{
	uint8_t a[16];
	conn_rapfx_addr(c, p->prefix, a);
	struct conn_v6addr *have = conn_v6_find(c, a);
	if (have && have->source != CONN_V6_ROUTER_PREFIX)
		return;
	/* A static ipv6_prefix= overrides the routers' prefixes for the host's own address. */
	if (p->is_auto && !c->cfg.has_ipv6_prefix)
		conn_v6_addr_set(c, a, 64, conn_v6_rem_s(p->valid_until_ms, now),
				 conn_v6_rem_s(p->pref_until_ms, now), CONN_V6_ROUTER_PREFIX, 0, now);
	else if (have)
		conn_v6_addr_del(c, a);
}

void conn_v6_router_prefixes(struct conn *c, const struct conn_v6_rapfx *p, unsigned n,
			     uint64_t now)
{
	char a[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	for (unsigned i = 0; i < c->v6.n_rapfx;) {
		struct conn_v6_rapfx gone = c->v6.rapfx[i];
		bool keep = false;
		for (unsigned k = 0; k < n && !keep; k++)
			keep = p[k].plen == gone.plen && !memcmp(p[k].prefix, gone.prefix, 16);
		if (keep) {
			i++;
			continue;
		}
		gone.is_auto = false;
		conn_rapfx_apply(c, &gone, now);
		c->v6.rapfx[i] = c->v6.rapfx[--c->v6.n_rapfx];
		log_info("nd[%s]: router prefix %s/%u gone", c->cfg.name,
			 inet_ntop(AF_INET6, gone.prefix, a, sizeof(a)), gone.plen);
		conn_rapfx_hook(c, "router-prefix-removed", &gone, now);
	}
	for (unsigned k = 0; k < n; k++) {
		struct conn_v6_rapfx *o = conn_rapfx_find(c, p[k].prefix, p[k].plen);
		bool is_new = !o;
		if (!o && c->v6.n_rapfx == CONN_V6_MAX_RAPFX)
			continue;
		if (!o)
			o = &c->v6.rapfx[c->v6.n_rapfx++];
		*o = p[k];
		if (is_new) {
			log_info("nd[%s]: router prefix %s/%u from %s (valid %u s)%s", c->cfg.name,
				 inet_ntop(AF_INET6, o->prefix, a, sizeof(a)), o->plen,
				 inet_ntop(AF_INET6, o->router, r, sizeof(r)),
				 conn_v6_rem_s(o->valid_until_ms, now),
				 o->is_auto ? "; the host's address in its first /64" : "");
			conn_rapfx_hook(c, "router-prefix-added", o, now);
		}
		conn_rapfx_apply(c, o, now);
	}
	conn_v6_changed(c);
}

static struct conn_v6addr *conn_kaddr_find(struct conn *c, const uint8_t addr[16])
{
	for (unsigned i = 0; i < c->v6.n_kaddrs; i++)
		if (!memcmp(c->v6.kaddrs[i].addr, addr, 16))
			return &c->v6.kaddrs[i];
	return NULL;
}

void conn_v6_kernel_addrs(struct conn *c, const struct conn_v6addr *a, unsigned n, uint64_t now)
{
	char ip[INET6_ADDRSTRLEN];
	for (unsigned i = 0; i < c->v6.n_kaddrs;) {
		struct conn_v6addr gone = c->v6.kaddrs[i];
		bool keep = false;
		for (unsigned k = 0; k < n && !keep; k++)
			keep = !memcmp(a[k].addr, gone.addr, 16) && !conn_v6_find(c, gone.addr);
		if (keep) {
			i++;
			continue;
		}
		c->v6.kaddrs[i] = c->v6.kaddrs[--c->v6.n_kaddrs];
		log_debug(LOGC_HOST, "nd[%s]: adapter address %s gone", c->cfg.name,
			  inet_ntop(AF_INET6, gone.addr, ip, sizeof(ip)));
		conn_v6_hook_addr(c, "address-removed", &gone, 0, 0);
	}
	for (unsigned k = 0; k < n; k++) {
		if (conn_v6_find(c, a[k].addr))
			continue; /* v6link's own */
		struct conn_v6addr *o = conn_kaddr_find(c, a[k].addr);
		if (o) {
			*o = a[k];
			continue;
		}
		if (c->v6.n_kaddrs == CONN_V6_MAX_ADDRS)
			continue;
		o = &c->v6.kaddrs[c->v6.n_kaddrs++];
		*o = a[k];
		log_info("nd[%s]: adapter address %s/%u (%s, valid %u s)", c->cfg.name,
			 inet_ntop(AF_INET6, o->addr, ip, sizeof(ip)), o->plen,
			 conn_v6_src_name(o->source), conn_v6_rem_s(o->valid_until_ms, now));
		conn_v6_hook_addr(c, "address-added", o, conn_v6_rem_s(o->valid_until_ms, now),
				  conn_v6_rem_s(o->pref_until_ms, now));
	}
}

void conn_v6_kernel_addrs_clear(struct conn *c)
{
	c->v6.n_kaddrs = 0;
}

/* --- policy table (RFC 6724, driven by RFC 7078 when the ISP sends it) --- */

static void conn_v6_policy(struct conn *c, const struct dhcp6_info *info)
{
	struct policy_row rows[POLICY_MAX_ROWS];
	struct dhcp6_addrsel raw_sel;
	const struct dhcp6_addrsel *sel = NULL;
	size_t n = 0;
	if (info && info->has_addrsel)
		sel = &info->addrsel;
	for (unsigned i = 0; info && !sel && i < info->n_raw; i++)
		if (c->cfg.option_dasp && info->raw[i].code == c->cfg.option_dasp &&
		    dhcp6_parse_addrsel(info->raw[i].data, info->raw[i].len,
					(uint16_t)(c->cfg.option_dasp + 1), &raw_sel))
			sel = &raw_sel;
	if (sel)
		n = policy_rows_from_addrsel(sel, rows, POLICY_MAX_ROWS);
	if (c->v6.is_policy_applied && n == c->v6.n_policy_isp && !n)
		return;
	if (policy_owner_set(c->own.policy, c->id, c->cfg.name, rows, n) == 0) {
		if (!c->v6.is_policy_applied || n != c->v6.n_policy_isp)
			log_info("policy[%s]: address selection: %s", c->cfg.name,
				 n ? "the ISP's RFC 7078 table" : "RFC 6724 defaults");
		c->v6.is_policy_applied = true;
		c->v6.n_policy_isp = (unsigned)n;
	}
}

static void conn_v6_policy_undo(struct conn *c)
{
	if (!c->v6.is_policy_applied)
		return;
	policy_owner_clear(c->own.policy, c->id);
	c->v6.is_policy_applied = false;
	c->v6.n_policy_isp = 0;
}

/* --- DHCPv6 ops --- */

static void conn_d6_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct conn *c = ctx;
	c->ops->send_dhcp6(c, buf, len);
}

static bool conn_d6_has_addr(const struct dhcp6_lease *l, const uint8_t a[16])
{
	for (unsigned i = 0; i < l->n_addrs; i++)
		if (!memcmp(l->addrs[i].addr, a, 16))
			return true;
	return false;
}

/* The /64 the host gets from a delegated prefix: the prefix extended with zero bits to 64 and
 * our interface identifier (a /48 or /56 is reported whole for a router on the host to split). */
static void conn_pd_addr(const struct conn *c, const struct dhcp6_lease_item *p, uint8_t out[16])
{
	memcpy(out, p->addr, 8);
	memcpy(out + 8, c->lk.our_iid, 8);
}

/* Removes addresses of this source that the lease no longer has; a new prefix replaces the
 * old one at once (users of other clients report stale prefixes after a redial). */
static void conn_d6_prune(struct conn *c, const struct dhcp6_lease *l)
{
	for (unsigned i = 0; i < c->v6.n_addrs;) {
		struct conn_v6addr *a = &c->v6.addrs[i];
		bool keep = true;
		if (a->source == CONN_V6_DHCP6)
			keep = l && conn_d6_has_addr(l, a->addr);
		if (a->source == CONN_V6_PD) {
			keep = false;
			for (unsigned k = 0; l && k < l->n_prefixes; k++) {
				uint8_t want[16];
				conn_pd_addr(c, &l->prefixes[k], want);
				keep = keep || !memcmp(want, a->addr, 16);
			}
		}
		if (keep) {
			i++;
			continue;
		}
		conn_v6_addr_del(c, a->addr);
	}
}

static void conn_d6_on_bound(void *ctx, const struct dhcp6_lease *l)
{
	struct conn *c = ctx;
	char a[INET6_ADDRSTRLEN];
	uint64_t now = clock_now_ms();
	conn_d6_prune(c, l);
	for (unsigned i = 0; i < l->n_addrs; i++)
		conn_v6_addr_set(c, l->addrs[i].addr, 128, l->addrs[i].valid_s,
				 l->addrs[i].preferred_s, CONN_V6_DHCP6, 0, now);
	for (unsigned i = 0; i < l->n_prefixes; i++) {
		const struct dhcp6_lease_item *p = &l->prefixes[i];
		if (l->prefixes_changed || !c->v6.n_pd)
			log_info("dhcp6[%s]: delegated prefix %s/%u (valid %u s, preferred %u s)",
				 c->cfg.name, inet_ntop(AF_INET6, p->addr, a, sizeof(a)), p->plen,
				 p->valid_s, p->preferred_s);
		if (p->plen <= 64) {
			uint8_t addr[16];
			conn_pd_addr(c, p, addr);
			conn_v6_addr_set(c, addr, 64, p->valid_s, p->preferred_s, CONN_V6_PD, 0, now);
		}
	}
	bool is_new_pd = l->prefixes_changed || c->v6.n_pd != l->n_prefixes;
	c->v6.n_pd = l->n_prefixes;
	memcpy(c->v6.pd, l->prefixes, sizeof(c->v6.pd[0]) * l->n_prefixes);
	c->v6.pd_since_ms = now;
	c->v6.d6_info = l->info;
	c->v6.has_d6_info = true;
	conn_v6_changed(c);
	conn_dns_update(c);
	conn_v6_policy(c, &l->info);
	if (c->v6.n_pd)
		conn_hook(c, is_new_pd ? "prefix-delegated" : "prefix-renewed", NULL);
}

static void conn_d6_on_lost(void *ctx, const char *why)
{
	struct conn *c = ctx;
	log_debug(LOGC_HOST, "dhcp6[%s]: binding lost: %s", c->cfg.name, why);
	conn_d6_prune(c, NULL);
	bool had_pd = c->v6.n_pd;
	c->v6.n_pd = 0;
	c->v6.has_d6_info = false;
	conn_v6_changed(c);
	conn_dns_update(c);
	if (had_pd)
		conn_hook(c, "prefix-lost", NULL);
}

static void conn_d6_on_info(void *ctx, const struct dhcp6_info *info)
{
	struct conn *c = ctx;
	c->v6.d6_info = *info;
	c->v6.has_d6_info = true;
	conn_dns_update(c);
	conn_v6_policy(c, info);
}

static const struct dhcp6_client_ops conn_d6_ops = {
	.send = conn_d6_send,
	.on_bound = conn_d6_on_bound,
	.on_lost = conn_d6_on_lost,
	.on_info = conn_d6_on_info,
};

/* The configured DUID (duid= in hex) is used as it is, and kept in NAME.duid like a made one. */
static void conn_duid_raw(struct conn *c, struct dhcp6_duid *d)
{
	uint8_t old[DHCP6_DUID_MAX];
	uint16_t n = 0;
	d->len = c->cfg.duid_raw_len <= DHCP6_DUID_MAX ? c->cfg.duid_raw_len : DHCP6_DUID_MAX;
	memcpy(d->b, c->cfg.duid_raw, d->len);
	if (conn_state_read(c, "duid", old, sizeof(old), &n) == 0 && n == d->len &&
	    !memcmp(old, d->b, n))
		return;
	if (conn_state_write(c, "duid", d->b, d->len) < 0)
		log_warn("dhcp6[%s]: cannot store the DUID in %s", c->cfg.name, c->cfg.state_dir);
}

/* The DUID must survive restarts (RFC 8415 §11): it is kept in the state dir as NAME.duid and
 * made anew only when the configured type changes. */
static void conn_duid(struct conn *c, struct dhcp6_duid *d)
{
	uint16_t want = 3; /* DUID-LL, the default */
	switch ((enum cfg_duid)c->cfg.duid_type) {
	case CFG_DUID_RAW:
		conn_duid_raw(c, d);
		return;
	case CFG_DUID_LLT:
		want = 1;
		break;
	case CFG_DUID_EN:
		want = 2;
		break;
	case CFG_DUID_UUID:
		want = 4;
		break;
	case CFG_DUID_LL:
		break;
	}
	if (conn_state_read(c, "duid", d->b, sizeof(d->b), &d->len) == 0 && d->len >= 4 &&
	    (d->b[0] << 8 | d->b[1]) == want)
		return;
	uint8_t uuid[16];
	bool have_uuid = conn_machine_id(uuid);
	switch (want) {
	case 1:
		dhcp6_duid_llt(d, c->lk.eth.mac, (uint32_t)(time(NULL) - 946684800)); /* since 2000 */
		break;
	case 2:
		/* RFC 5612: enterprise number 32473 is reserved for documentation and examples;
		 * v6link has none of its own, so the machine id follows it. */
		if (have_uuid && dhcp6_duid_en(d, 32473, uuid, 16))
			break;
		dhcp6_duid_ll(d, c->lk.eth.mac);
		break;
	case 4:
		if (have_uuid) {
			dhcp6_duid_uuid(d, uuid);
			break;
		}
		/* No machine id: the link-layer DUID below. */
		__attribute__((fallthrough));
	default:
		dhcp6_duid_ll(d, c->lk.eth.mac);
		break;
	}
	if (conn_state_write(c, "duid", d->b, d->len) < 0)
		log_warn("dhcp6[%s]: cannot store the DUID in %s", c->cfg.name, c->cfg.state_dir);
}

static uint32_t conn_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* IAIDs must stay the same for the client (RFC 8415 §12): iaid=/iaid_pd= from the file, else
 * the pair kept in the state dir as NAME.iaid (IA_NA then IA_PD, 4 octets each, big-endian),
 * else made from the MAC (IA_NA: its last four octets; IA_PD: that XOR 0x10000, as before
 * NAME.iaid existed) and kept there, so that a new adapter does not lose the binding. */
static void conn_iaids(struct conn *c, uint32_t *na, uint32_t *pd)
{
	const uint8_t *mac = c->lk.eth.mac;
	uint8_t b[8];
	uint16_t n = 0;
	bool is_kept = conn_state_read(c, "iaid", b, sizeof(b), &n) == 0 && n == 8;
	if (is_kept) {
		*na = conn_be32(b);
		*pd = conn_be32(b + 4);
	} else {
		*na = conn_be32(mac + 2);
		*pd = *na ^ 0x00010000u;
	}
	if (c->cfg.has_iaid) {
		*na = c->cfg.iaid;
		*pd = c->cfg.iaid ^ 0x00010000u;
	}
	if (c->cfg.has_iaid_pd)
		*pd = c->cfg.iaid_pd;
	uint8_t w[8] = { (uint8_t)(*na >> 24), (uint8_t)(*na >> 16), (uint8_t)(*na >> 8),
			 (uint8_t)*na, (uint8_t)(*pd >> 24), (uint8_t)(*pd >> 16),
			 (uint8_t)(*pd >> 8), (uint8_t)*pd };
	if (is_kept && !memcmp(w, b, 8))
		return;
	if (conn_state_write(c, "iaid", w, sizeof(w)) < 0)
		log_warn("dhcp6[%s]: cannot store the IAIDs in %s", c->cfg.name, c->cfg.state_dir);
}

/* "00:03:00:01:..." into out[3 * DHCP6_DUID_MAX]. */
static void conn_duid_text(const struct dhcp6_duid *d, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < d->len && o + 4 <= cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%02x", i ? ":" : "", d->b[i]);
}

/* The original product's custom options: oroN= codes join the ORO, optionN= raw options (code,
 * length, value as written) are sent as they are. */
static void conn_v6_user_opts(struct dhcp6_client_cfg *cfg, const struct cfg_dhcp6_opts *u)
{
	for (unsigned i = 0; i < u->n_oro && cfg->n_extra_oro < DHCP6_MAX_EXTRA_ORO; i++)
		cfg->extra_oro[cfg->n_extra_oro++] = u->oro[i];
	for (unsigned i = 0; i < u->n_rawopt && cfg->n_user_opts < DHCP6_MAX_USER_OPTS; i++) {
		const struct cfg_dhcp6_rawopt *r = &u->rawopt[i];
		struct dhcp6_raw_opt *o = &cfg->user_opts[cfg->n_user_opts];
		if (r->len < 4 || r->len - 4u > sizeof(o->data))
			continue;
		o->code = r->code;
		o->len = (uint16_t)(r->len - 4u);
		memcpy(o->data, r->data + 4, o->len);
		cfg->n_user_opts++;
	}
}

static void conn_v6_init_dhcp6(struct conn *c, enum dhcp6_mode mode)
{
	struct dhcp6_client_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = mode;
	conn_duid(c, &cfg.duid);
	conn_iaids(c, &cfg.iaid_na, &cfg.iaid_pd);
	char duid[3 * DHCP6_DUID_MAX];
	conn_duid_text(&cfg.duid, duid, sizeof(duid));
	log_info("dhcp6[%s]: DUID %s%s, IAID %u (IA_NA), %u (IA_PD)", c->cfg.name, duid,
		 c->cfg.duid_type == CFG_DUID_RAW ? " (configured)" : "", (unsigned)cfg.iaid_na,
		 (unsigned)cfg.iaid_pd);
	/* RFC 8415 §18.2.11: a server may ask for a Renew or Information-request (authenticated
	 * with the key of its Reply, §20.4). */
	cfg.reconf_accept = c->cfg.reconfigure_accept;
	cfg.pd_plen_hint = c->cfg.pd_length;
	/* RFC 8415 §18.2.1: a server that allows it answers the Solicit with the Reply, one round
	 * trip instead of two plus the first RT spent collecting Advertises. */
	cfg.rapid_commit = true;
	cfg.no_initial_delay = true; /* one client on a point-to-point link: no storm to avoid */
	/* RFC 7078: ask for the address-selection policy (option_dasp= for an old draft's code). */
	cfg.extra_oro[cfg.n_extra_oro++] = c->cfg.option_dasp ? c->cfg.option_dasp : DHCP6_OPT_ADDRSEL;
	conn_v6_user_opts(&cfg, mode == DHCP6_MODE_STATELESS ? &c->cfg.d6_stateless
							     : &c->cfg.d6_stateful);
	dhcp6_client_init(&c->v6.d6, &cfg, &conn_d6_ops, c, c->rng, c->cfg.name);
	c->v6.d6_inited = true;
	c->v6.d6_mode = mode;
}

static void conn_v6_start_dhcp6(struct conn *c, enum dhcp6_mode mode, uint64_t now)
{
	if (c->v6.d6_started && c->v6.d6_mode == mode)
		return;
	if (c->v6.d6_inited && c->v6.d6_mode != mode) {
		log_info("dhcp6[%s]: router flags changed the mode; starting over", c->cfg.name);
		dhcp6_client_stop(&c->v6.d6, now);
		conn_d6_on_lost(c, "mode changed");
		c->v6.d6_inited = false;
	}
	if (!c->v6.d6_inited)
		conn_v6_init_dhcp6(c, mode);
	/* With a binding from the previous session this Rebinds (RFC 8415 §18.2.12), so the same
	 * prefix comes back after a redial. */
	dhcp6_client_start(&c->v6.d6, now);
	c->v6.d6_started = true;
}

/* dhcpv6=auto: the routers' flags; with prefix_delegation=1 both IAs are asked for at once,
 * so a Managed flag arriving later changes nothing (a server without addresses answers the
 * IA_NA with NoAddrsAvail and the prefix is bound all the same). */
void conn_v6_flags(struct conn *c, bool is_managed, bool is_other, uint64_t now)
{
	enum dhcp6_mode mode;
	log_debug(LOGC_HOST, "nd[%s]: router flags M=%d O=%d", c->cfg.name, is_managed, is_other);
	if (!c->v6.is_up)
		return;
	/* A Solicit sent before the ISP's DHCPv6 service was ready goes again now. */
	if (c->v6.d6_started)
		dhcp6_client_kick(&c->v6.d6, now);
	if (c->cfg.dhcpv6 != CFG_DHCPV6_AUTO)
		return;
	if (c->cfg.want_pd)
		mode = DHCP6_MODE_NA_PD;
	else if (is_managed)
		mode = DHCP6_MODE_NA;
	else if (is_other)
		mode = DHCP6_MODE_STATELESS;
	else
		return;
	conn_v6_start_dhcp6(c, mode, now);
}

/* --- connection events --- */

void conn_v6_up(struct conn *c, uint64_t now)
{
	if (c->v6.is_up)
		return;
	c->v6.is_up = true;
	conn_v6_policy(c, NULL);
	if (c->cfg.dhcpv6 == CFG_DHCPV6_STATEFUL)
		conn_v6_start_dhcp6(c, c->cfg.want_pd ? DHCP6_MODE_NA_PD : DHCP6_MODE_NA, now);
	else if (c->cfg.dhcpv6 == CFG_DHCPV6_STATELESS)
		conn_v6_start_dhcp6(c, DHCP6_MODE_STATELESS, now);
	else if (c->cfg.dhcpv6 == CFG_DHCPV6_AUTO && c->cfg.want_pd)
		/* As CPE routers on PPPoE lines do: the prefix is asked for at once, not after the
		 * first RA. */
		conn_v6_start_dhcp6(c, DHCP6_MODE_NA_PD, now);
	if (c->cfg.has_ipv6_prefix) {
		uint8_t addr[16];
		memcpy(addr, c->cfg.ipv6_prefix, 8);
		memcpy(addr + 8, c->lk.our_iid, 8);
		conn_v6_addr_set(c, addr, 64, CONN_V6_LIFETIME_INF, CONN_V6_LIFETIME_INF,
				 CONN_V6_STATIC, 0, now);
	}
	conn_v6_changed(c);
}

void conn_v6_release(struct conn *c, uint64_t now)
{
	if (c->v6.d6_inited)
		dhcp6_client_release(&c->v6.d6, now);
	c->v6.d6_started = false;
}

void conn_v6_down(struct conn *c, uint64_t now)
{
	if (!c->v6.is_up)
		return;
	c->v6.is_up = false;
	if (c->v6.d6_inited)
		dhcp6_client_stop(&c->v6.d6, now);
	c->v6.d6_started = false;
	while (c->v6.n_addrs)
		conn_v6_addr_del(c, c->v6.addrs[0].addr);
	c->v6.n_pd = 0;
	c->v6.has_d6_info = false;
	conn_v6_policy_undo(c);
	conn_v6_changed(c);
}

void conn_v6_free(struct conn *c)
{
	c->v6.d6_inited = false;
}

void conn_v6_on_dhcp6(struct conn *c, const uint8_t *msg, size_t len, const uint8_t dst[16],
		      uint64_t now)
{
	if (c->v6.d6_inited && c->v6.is_up)
		dhcp6_client_on_packet_to(&c->v6.d6, msg, len, dst[0] == 0xff, now);
}

void conn_v6_dad_failed(struct conn *c, const uint8_t addr[16], uint64_t now)
{
	if (c->v6.d6_inited && c->v6.is_up)
		dhcp6_client_decline(&c->v6.d6, addr, now);
}

void conn_v6_on_timer(struct conn *c, uint64_t now)
{
	if (c->v6.d6_inited && dhcp6_client_next_deadline(&c->v6.d6) <= now)
		dhcp6_client_on_timer(&c->v6.d6, now);
}

uint64_t conn_v6_next_deadline(const struct conn *c)
{
	return c->v6.d6_inited ? dhcp6_client_next_deadline(&c->v6.d6) : V6L_NEVER;
}

static bool conn_v6_has_static_dns(const struct conn *c)
{
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 16; k++)
			if (c->cfg.ipv6_dns[i][k])
				return true;
	return false;
}

void conn_v6_dns(const struct conn *c, struct dns_servers *d)
{
	struct dns_servers ra;
	memset(&ra, 0, sizeof(ra));
	if (c->ops)
		c->ops->ra_dns(c, &ra);
	/* Static ipv6_dns1/ipv6_dns2 override the servers the ISP announces. */
	bool is_static = conn_v6_has_static_dns(c);
	for (unsigned i = 0; !is_static && i < ra.n; i++)
		dns_servers_add(d, ra.s[i].family, ra.s[i].addr);
	if (c->v6.has_d6_info && !is_static)
		for (unsigned i = 0; i < c->v6.d6_info.n_dns; i++)
			dns_servers_add(d, AF_INET6, c->v6.d6_info.dns[i]);
	for (unsigned i = 0; i < ra.n_domains; i++)
		dns_servers_add_domain(d, ra.domains[i]);
	if (c->v6.has_d6_info)
		for (unsigned i = 0; i < c->v6.d6_info.n_domains; i++)
			dns_servers_add_domain(d, c->v6.d6_info.domains[i]);
}

/* --- status --- */

static long long conn_v6_left(uint64_t until, uint64_t now)
{
	if (until == V6L_NEVER)
		return -1; /* infinite */
	return until > now ? (long long)((until - now) / 1000u) : 0;
}

const char *conn_v6_src_name(uint8_t s)
{
	switch ((enum conn_v6src)s) {
	case CONN_V6_SLAAC: return "slaac";
	case CONN_V6_DHCP6: return "dhcpv6";
	case CONN_V6_PD: return "delegated";
	case CONN_V6_STATIC: return "static";
	case CONN_V6_ROUTER_PREFIX: return "router-prefix";
	case CONN_V6_KERNEL: return "kernel";
	}
	return "?";
}

static const char *conn_d6_mode_name(enum dhcp6_mode m)
{
	switch (m) {
	case DHCP6_MODE_NA: return "stateful";
	case DHCP6_MODE_PD: return "prefix-delegation";
	case DHCP6_MODE_NA_PD: return "stateful+prefix-delegation";
	case DHCP6_MODE_STATELESS: return "stateless";
	}
	return "?";
}

/* A delegated prefix's lifetime left, from the time it was bound; -1 = infinite. */
static long long conn_pd_left(const struct conn *c, uint32_t lft_s, uint64_t now)
{
	long long age = (long long)((now - c->v6.pd_since_ms) / 1000u);
	if (lft_s == CONN_V6_LIFETIME_INF)
		return -1;
	long long left = (long long)lft_s - age;
	return left < 0 ? 0 : left;
}

/* The adapter's addresses v6link did not add (router mode), continuing the "addresses" array. */
static void conn_v6_json_kaddrs(const struct conn *c, struct strbuf *sb, uint64_t now, bool first)
{
	char a[INET6_ADDRSTRLEN];
	for (unsigned i = 0; i < c->v6.n_kaddrs; i++) {
		const struct conn_v6addr *v = &c->v6.kaddrs[i];
		sb_printf(sb, "%s{\"address\":\"%s\",\"prefix_len\":%u,\"valid_lft\":%lld,"
			      "\"preferred_lft\":%lld,\"source\":\"%s\"}", first && !i ? "" : ",",
			  inet_ntop(AF_INET6, v->addr, a, sizeof(a)), v->plen,
			  conn_v6_left(v->valid_until_ms, now), conn_v6_left(v->pref_until_ms, now),
			  conn_v6_src_name(v->source));
	}
}

/* The "router_prefixes" member: the routers' prefixes shorter than /64 (router mode). */
static void conn_v6_json_rapfx(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	sb_printf(sb, ",\"router_prefixes\":[");
	for (unsigned i = 0; i < c->v6.n_rapfx; i++) {
		const struct conn_v6_rapfx *p = &c->v6.rapfx[i];
		sb_printf(sb, "%s{\"prefix\":\"%s\",\"prefix_len\":%u,\"valid_lft\":%lld,"
			      "\"preferred_lft\":%lld,\"router\":\"%s\",\"autonomous\":%s}",
			  i ? "," : "", inet_ntop(AF_INET6, p->prefix, a, sizeof(a)), p->plen,
			  conn_v6_left(p->valid_until_ms, now), conn_v6_left(p->pref_until_ms, now),
			  inet_ntop(AF_INET6, p->router, r, sizeof(r)), p->is_auto ? "true" : "false");
	}
	sb_printf(sb, "]");
}

static void conn_v6_json_addrs(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	sb_printf(sb, "\"addresses\":[");
	for (unsigned i = 0; i < c->v6.n_addrs; i++) {
		const struct conn_v6addr *v = &c->v6.addrs[i];
		sb_printf(sb, "%s{\"address\":\"%s\",\"prefix_len\":%u,\"valid_lft\":%lld,"
			      "\"preferred_lft\":%lld,\"source\":\"%s\"}", i ? "," : "",
			  inet_ntop(AF_INET6, v->addr, a, sizeof(a)), v->plen,
			  conn_v6_left(v->valid_until_ms, now), conn_v6_left(v->pref_until_ms, now),
			  conn_v6_src_name(v->source));
	}
	conn_v6_json_kaddrs(c, sb, now, c->v6.n_addrs == 0);
	sb_printf(sb, "],\"delegated_prefixes\":[");
	for (unsigned i = 0; i < c->v6.n_pd; i++) {
		const struct dhcp6_lease_item *p = &c->v6.pd[i];
		sb_printf(sb, "%s{\"prefix\":\"%s\",\"prefix_len\":%u,\"valid_lft\":%lld,"
			      "\"preferred_lft\":%lld}", i ? "," : "",
			  inet_ntop(AF_INET6, p->addr, a, sizeof(a)), p->plen,
			  conn_pd_left(c, p->valid_s, now), conn_pd_left(c, p->preferred_s, now));
	}
	sb_printf(sb, "]");
	conn_v6_json_rapfx(c, sb, now);
}

static void conn_v6_json_dhcp6(const struct conn *c, struct strbuf *sb)
{
	bool on = c->v6.d6_inited;
	sb_printf(sb, ",\"dhcpv6\":{\"state\":\"%s\",\"mode\":%s%s%s,\"options\":{",
		  on ? dhcp6_client_state_name(c->v6.d6.state) : "idle", on ? "\"" : "",
		  on ? conn_d6_mode_name(c->v6.d6_mode) : "null", on ? "\"" : "");
	/* Options the server returned that v6link does not decode, e.g. requested with oroN=. */
	for (unsigned i = 0; c->v6.has_d6_info && i < c->v6.d6_info.n_raw; i++) {
		const struct dhcp6_raw_opt *o = &c->v6.d6_info.raw[i];
		sb_printf(sb, "%s\"%u\":\"", i ? "," : "", o->code);
		for (unsigned k = 0; k < o->len && k < DHCP6_RAW_MAX; k++)
			sb_printf(sb, "%02x", o->data[k]);
		sb_printf(sb, "\"");
	}
	sb_printf(sb, "}");
	if (!on) {
		sb_printf(sb, ",\"duid\":null,\"iaid_na\":null,\"iaid_pd\":null,"
			      "\"declined\":null,\"reconfigure\":null}");
		return;
	}
	/* What a replacement box copies into duid= and iaid= to keep the ISP's binding. */
	const struct dhcp6_client *d6 = &c->v6.d6;
	char duid[3 * DHCP6_DUID_MAX];
	conn_duid_text(&d6->cfg.duid, duid, sizeof(duid));
	sb_printf(sb, ",\"duid\":\"%s\",\"iaid_na\":%u,\"iaid_pd\":%u,\"declined\":%u,"
		      "\"reconfigure\":{\"accept\":%s,\"key\":%s,\"accepted\":%u,\"dropped\":%u}}",
		  duid, (unsigned)d6->cfg.iaid_na, (unsigned)d6->cfg.iaid_pd, (unsigned)d6->n_declined,
		  d6->cfg.reconf_accept ? "true" : "false", d6->has_rkey ? "true" : "false",
		  (unsigned)d6->n_reconf, (unsigned)d6->n_reconf_dropped);
}

void conn_v6_status_json(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	conn_v6_json_addrs(c, sb, now);
	sb_printf(sb, ",");
	if (c->ops)
		c->ops->status_json(c, sb, now);
	else
		sb_printf(sb, "\"routers\":[],\"pref64\":[],\"ra\":null");
	struct dns_servers d;
	memset(&d, 0, sizeof(d));
	if (c->v6.is_up)
		conn_v6_dns(c, &d);
	sb_printf(sb, ",\"dns\":[");
	for (unsigned i = 0; i < d.n; i++)
		sb_printf(sb, "%s\"%s\"", i ? "," : "", inet_ntop(d.s[i].family, d.s[i].addr, a, sizeof(a)));
	sb_printf(sb, "],\"domains\":[");
	for (unsigned i = 0; i < d.n_domains; i++) {
		sb_printf(sb, i ? "," : "");
		sb_json_str(sb, d.domains[i]);
	}
	sb_printf(sb, "],\"policy_table\":%s", !c->v6.is_policy_applied ? "null" :
		  c->v6.n_policy_isp ? "\"isp\"" : "\"rfc6724-defaults\"");
	conn_v6_json_dhcp6(c, sb);
}

/* Text lines of the adapter's own addresses and the routers' short prefixes (router mode). */
static void conn_v6_text_router(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	for (unsigned i = 0; i < c->v6.n_kaddrs; i++) {
		const struct conn_v6addr *v = &c->v6.kaddrs[i];
		sb_printf(sb, "  %-12s %s/%u (%s) valid %llds preferred %llds\n", "ipv6",
			  inet_ntop(AF_INET6, v->addr, a, sizeof(a)), v->plen, conn_v6_src_name(v->source),
			  conn_v6_left(v->valid_until_ms, now), conn_v6_left(v->pref_until_ms, now));
	}
	for (unsigned i = 0; i < c->v6.n_rapfx; i++) {
		const struct conn_v6_rapfx *p = &c->v6.rapfx[i];
		sb_printf(sb, "  %-12s %s/%u from %s valid %llds\n", "router-pfx",
			  inet_ntop(AF_INET6, p->prefix, a, sizeof(a)), p->plen,
			  inet_ntop(AF_INET6, p->router, r, sizeof(r)), conn_v6_left(p->valid_until_ms, now));
	}
}

void conn_v6_status_text(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	for (unsigned i = 0; i < c->v6.n_addrs; i++) {
		const struct conn_v6addr *v = &c->v6.addrs[i];
		sb_printf(sb, "  %-12s %s/%u (%s) valid %llds preferred %llds\n", "ipv6",
			  inet_ntop(AF_INET6, v->addr, a, sizeof(a)), v->plen, conn_v6_src_name(v->source),
			  conn_v6_left(v->valid_until_ms, now), conn_v6_left(v->pref_until_ms, now));
	}
	conn_v6_text_router(c, sb, now);
	for (unsigned i = 0; i < c->v6.n_pd; i++)
		sb_printf(sb, "  %-12s %s/%u valid %llds\n", "delegated",
			  inet_ntop(AF_INET6, c->v6.pd[i].addr, a, sizeof(a)), c->v6.pd[i].plen,
			  conn_pd_left(c, c->v6.pd[i].valid_s, now));
	struct dns_servers d;
	memset(&d, 0, sizeof(d));
	conn_v6_dns(c, &d);
	for (unsigned i = 0; i < d.n; i++)
		sb_printf(sb, "  %-12s %s\n", "dns", inet_ntop(d.s[i].family, d.s[i].addr, a, sizeof(a)));
	for (unsigned i = 0; i < d.n_domains; i++)
		sb_printf(sb, "  %-12s %s\n", "search", d.domains[i]);
	if (c->ops && c->ops->status_text)
		c->ops->status_text(c, sb, now);
}
