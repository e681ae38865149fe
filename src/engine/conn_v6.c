/* IPv6 autoconfiguration of a dial-up connection; see conn_v6.h. The protocol work is in nd/
 * and dhcp6/; this file turns their events into host changes through the session's undo list
 * (so a dropped session removes them all) and keeps what `status` shows. */
#include "engine/conn_v6.h"

#include "core/clock.h"
#include "core/log.h"
#include "engine/conn_priv.h"
#include "nd/nd_routers.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sodium.h>
#include <sys/stat.h>

static const uint8_t conn_v6_all_dhcp[16] = { 0xff, 0x02, [13] = 0x01, [15] = 0x02 };

static uint32_t conn_v6_lft(uint32_t s)
{
	return s == ND_LIFETIME_INF ? HOSTCFG_LIFETIME_INF : s;
}

static uint64_t conn_v6_until(uint64_t now, uint32_t s)
{
	return s == ND_LIFETIME_INF ? V6L_NEVER : now + (uint64_t)s * 1000u;
}

static const char *conn_v6_src_name(uint8_t s);

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

static struct conn_v6addr *conn_v6_find(struct conn *c, const uint8_t addr[16])
{
	for (unsigned i = 0; i < c->n_v6addrs; i++)
		if (!memcmp(c->v6addrs[i].addr, addr, 16))
			return &c->v6addrs[i];
	return NULL;
}

/* Records and applies one address (create or refresh lifetimes in place: no flapping). v6link
 * does DAD itself (NODAD), and over PPP everything leaves through v6link0 anyway, so no prefix
 * route: the kernel would keep one with an expiry after the address is gone. */
static void conn_v6_addr_set(struct conn *c, const uint8_t addr[16], uint8_t plen, uint32_t valid,
			     uint32_t pref, enum conn_v6src src, uint32_t flags)
{
	uint64_t now = clock_now_ms();
	struct conn_v6addr *a = conn_v6_find(c, addr);
	if (!a && c->n_v6addrs == sizeof(c->v6addrs) / sizeof(c->v6addrs[0]))
		return;
	/* Router mode: the kernel does DAD on the shared segment, optimistically (RFC 4429). */
	uint32_t dad = c->mode == CONN_MODE_ROUTER ? IFA_F_OPTIMISTIC : IFA_F_NODAD;
	if (hostcfg_addr_add(&c->host.hc, AF_INET6, addr, plen, NULL, conn_v6_lft(valid),
			     conn_v6_lft(pref), flags | dad | IFA_F_NOPREFIXROUTE) < 0) {
		log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc));
		return;
	}
	bool is_new = !a;
	if (!a)
		a = &c->v6addrs[c->n_v6addrs++];
	memcpy(a->addr, addr, 16);
	a->plen = plen;
	a->source = (uint8_t)src;
	a->valid_until_ms = conn_v6_until(now, valid);
	a->pref_until_ms = conn_v6_until(now, pref);
	if (is_new)
		conn_v6_hook_addr(c, "address-added", a, valid, pref);
}

static void conn_v6_addr_del(struct conn *c, const uint8_t addr[16])
{
	struct conn_v6addr *a = conn_v6_find(c, addr);
	if (!a)
		return;
	hostcfg_addr_del(&c->host.hc, AF_INET6, a->addr, a->plen, NULL);
	struct conn_v6addr gone = *a;
	*a = c->v6addrs[--c->n_v6addrs];
	conn_v6_hook_addr(c, "address-removed", &gone, 0, 0);
}

/* check_traffic: our sources are fe80::/10, every address's prefix and every delegated prefix. */
void conn_v6_publish(struct conn *c)
{
	struct dp_session *s = &c->dps;
	conn_nat46_update(c);
	if (!c->dp)
		return; /* router mode: the kernel's own interface, no data path of ours */
	conn_host_fill_prefixes(&c->host, s);
	for (unsigned i = 0; i < c->n_v6addrs && s->n_prefixes < DP_MAX_PREFIXES; i++) {
		memcpy(s->prefixes[s->n_prefixes].addr, c->v6addrs[i].addr, 16);
		s->prefixes[s->n_prefixes++].len = c->v6addrs[i].plen;
	}
	for (unsigned i = 0; i < c->n_pd && s->n_prefixes < DP_MAX_PREFIXES; i++) {
		memcpy(s->prefixes[s->n_prefixes].addr, c->pd[i].addr, 16);
		s->prefixes[s->n_prefixes++].len = c->pd[i].plen;
	}
	dp_set_session(c->dp, s);
}

/* --- nd_ra ops --- */

static void conn_nd_send(void *ctx, const uint8_t *pkt, size_t len)
{
	conn_send_ppp(ctx, PPP_PROTO_IPV6, pkt, len);
}

static void conn_nd_addr_update(void *ctx, const struct nd_addr_event *e)
{
	struct conn *c = ctx;
	char a[INET6_ADDRSTRLEN];
	/* A static ipv6_prefix= overrides the ISP's prefixes for the host's own address. */
	if (c->cfg.has_ipv6_prefix)
		return;
	if (e->is_new)
		log_debug(LOGC_HOST, "nd[%s]: SLAAC address %s/%u (valid %u s, preferred %u s)%s", c->cfg.name,
			 inet_ntop(AF_INET6, e->addr, a, sizeof(a)), e->plen, e->valid_s, e->pref_s,
			 e->is_optimistic ? ", optimistic until DAD completes" : "");
	conn_v6_addr_set(c, e->addr, e->plen, e->valid_s, e->pref_s, CONN_V6_SLAAC,
			 e->is_optimistic ? IFA_F_OPTIMISTIC : 0);
	conn_v6_publish(c);
}

static void conn_nd_addr_remove(void *ctx, const uint8_t addr[16], uint8_t plen)
{
	struct conn *c = ctx;
	char a[INET6_ADDRSTRLEN];
	log_debug(LOGC_HOST, "nd[%s]: address %s/%u removed", c->cfg.name, inet_ntop(AF_INET6, addr, a, sizeof(a)),
		 plen);
	conn_v6_addr_del(c, addr);
	conn_v6_publish(c);
}

static void conn_nd_router_update(void *ctx, const uint8_t r[16], uint32_t lifetime_s,
				  enum nd_prf prf)
{
	/* Over PPP every packet goes to the peer: the default route through v6link0 (made when
	 * IPv6CP came up) already covers this router; status reads the list from nd. */
	(void)ctx;
	(void)r;
	(void)lifetime_s;
	(void)prf;
}

static void conn_nd_router_remove(void *ctx, const uint8_t r[16])
{
	(void)ctx;
	(void)r;
}

static void conn_nd_route_update(void *ctx, const uint8_t prefix[16], uint8_t plen,
				 const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf)
{
	struct conn *c = ctx;
	(void)router;
	(void)lifetime_s;
	(void)prf;
	/* RFC 4191 §3.1: a more specific route through the router; on a PPP link via the device. */
	if (plen && hostcfg_route_add(&c->host.hc, AF_INET6, prefix, plen, NULL, 0, NULL,
				      CONN_HOST_METRIC) < 0)
		log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc));
}

static void conn_nd_route_remove(void *ctx, const uint8_t prefix[16], uint8_t plen,
				 const uint8_t router[16])
{
	struct conn *c = ctx;
	(void)router;
	if (plen)
		hostcfg_route_del(&c->host.hc, AF_INET6, prefix, plen, NULL, 0, CONN_HOST_METRIC);
}

static void conn_nd_dns_changed(void *ctx)
{
	conn_dns_update(ctx);
}

static void conn_nd_mtu(void *ctx, uint32_t mtu)
{
	struct conn *c = ctx;
	/* RFC 4861 §6.3.4: never above the link's own MTU (the peer's MRU). */
	uint32_t link = ppp_link_peer_mru(&c->link);
	if (mtu > link)
		mtu = link;
	log_debug(LOGC_HOST, "nd[%s]: link MTU %u", c->cfg.name, mtu);
	char path[96];
	char val[16];
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/mtu", c->tun_name);
	snprintf(val, sizeof(val), "%u", mtu);
	hostcfg_sysctl_set(&c->host.hc, path, val);
}

static void conn_v6_start_dhcp6(struct conn *c, enum dhcp6_mode mode, uint64_t now);

void conn_v6_flags(struct conn *c, bool is_managed, bool is_other)
{
	uint64_t now = clock_now_ms();
	enum dhcp6_mode mode;
	log_debug(LOGC_HOST, "nd[%s]: router flags M=%d O=%d", c->cfg.name, is_managed, is_other);
	/* dhcpv6= other than auto: the mode was chosen when IPv6CP came up. */
	if (c->cfg.dhcpv6 != CFG_DHCPV6_AUTO)
		return;
	if (is_managed)
		mode = c->cfg.want_pd ? DHCP6_MODE_NA_PD : DHCP6_MODE_NA;
	else if (c->cfg.want_pd)
		mode = DHCP6_MODE_PD;
	else if (is_other)
		mode = DHCP6_MODE_STATELESS;
	else
		return;
	conn_v6_start_dhcp6(c, mode, now);
}

static void conn_nd_flags(void *ctx, bool is_managed, bool is_other)
{
	conn_v6_flags(ctx, is_managed, is_other);
}

static const struct nd_ra_ops conn_nd_ops = {
	.send = conn_nd_send,
	.addr_update = conn_nd_addr_update,
	.addr_remove = conn_nd_addr_remove,
	.router_update = conn_nd_router_update,
	.router_remove = conn_nd_router_remove,
	.route_update = conn_nd_route_update,
	.route_remove = conn_nd_route_remove,
	.dns_changed = conn_nd_dns_changed,
	.mtu = conn_nd_mtu,
	.flags = conn_nd_flags,
};

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
	if (c->is_policy_applied && n == c->n_policy_isp && !n)
		return;
	if (policy_apply(&c->policy, rows, n) == 0) {
		if (!c->is_policy_applied || n != c->n_policy_isp)
			log_info("policy[%s]: address selection: %s", c->cfg.name,
				 n ? "the ISP's RFC 7078 table" : "RFC 6724 defaults");
		c->is_policy_applied = true;
		c->n_policy_isp = (unsigned)n;
	}
}

static void conn_v6_policy_undo(struct conn *c)
{
	if (!c->is_policy_applied)
		return;
	policy_undo(&c->policy);
	c->is_policy_applied = false;
	c->n_policy_isp = 0;
}

/* --- DHCPv6 ops --- */

static void conn_d6_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct conn *c = ctx;
	uint8_t pkt[1500];
	if (c->mode == CONN_MODE_ROUTER) {
		conn_router_d6_send(c, buf, len);
		return;
	}
	int n = dhcp6_build_udp6(c->host.v6_ll, conn_v6_all_dhcp, 546, 547, buf, len, pkt,
				 sizeof(pkt));
	if (n > 0)
		conn_send_ppp(c, PPP_PROTO_IPV6, pkt, (size_t)n);
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
	memcpy(out + 8, c->v6.our_iid, 8);
}

/* Removes addresses of this source that the lease no longer has; a new prefix replaces the
 * old one at once (users of other clients report stale prefixes after a redial). */
static void conn_d6_prune(struct conn *c, const struct dhcp6_lease *l)
{
	for (unsigned i = 0; i < c->n_v6addrs;) {
		struct conn_v6addr *a = &c->v6addrs[i];
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
	conn_d6_prune(c, l);
	for (unsigned i = 0; i < l->n_addrs; i++)
		conn_v6_addr_set(c, l->addrs[i].addr, 128, l->addrs[i].valid_s,
				 l->addrs[i].preferred_s, CONN_V6_DHCP6, 0);
	for (unsigned i = 0; i < l->n_prefixes; i++) {
		const struct dhcp6_lease_item *p = &l->prefixes[i];
		if (l->prefixes_changed || !c->n_pd)
			log_info("dhcp6[%s]: delegated prefix %s/%u (valid %u s, preferred %u s)",
				 c->cfg.name, inet_ntop(AF_INET6, p->addr, a, sizeof(a)), p->plen,
				 p->valid_s, p->preferred_s);
		if (p->plen <= 64) {
			uint8_t addr[16];
			conn_pd_addr(c, p, addr);
			/* No prefix route: the rest of the /64 is not on this link. */
			conn_v6_addr_set(c, addr, 64, p->valid_s, p->preferred_s, CONN_V6_PD,
					 IFA_F_NOPREFIXROUTE);
		}
	}
	bool is_new_pd = l->prefixes_changed || c->n_pd != l->n_prefixes;
	c->n_pd = l->n_prefixes;
	memcpy(c->pd, l->prefixes, sizeof(c->pd[0]) * l->n_prefixes);
	c->pd_since_ms = clock_now_ms();
	c->d6_info = l->info;
	c->has_d6_info = true;
	conn_v6_publish(c);
	conn_dns_update(c);
	conn_v6_policy(c, &l->info);
	if (c->n_pd)
		conn_hook(c, is_new_pd ? "prefix-delegated" : "prefix-renewed", NULL);
}

static void conn_d6_on_lost(void *ctx, const char *why)
{
	struct conn *c = ctx;
	log_debug(LOGC_HOST, "dhcp6[%s]: binding lost: %s", c->cfg.name, why);
	conn_d6_prune(c, NULL);
	bool had_pd = c->n_pd;
	c->n_pd = 0;
	c->has_d6_info = false;
	conn_v6_publish(c);
	conn_dns_update(c);
	if (had_pd)
		conn_hook(c, "prefix-lost", NULL);
}

static void conn_d6_on_info(void *ctx, const struct dhcp6_info *info)
{
	struct conn *c = ctx;
	c->d6_info = *info;
	c->has_d6_info = true;
	conn_dns_update(c);
	conn_v6_policy(c, info);
}

static const struct dhcp6_client_ops conn_d6_ops = {
	.send = conn_d6_send,
	.on_bound = conn_d6_on_bound,
	.on_lost = conn_d6_on_lost,
	.on_info = conn_d6_on_info,
};

/* The DUID must survive restarts (RFC 8415 §11): it is kept in CONN_STATE_DIR/NAME.duid and
 * made anew only when the configured type changes. */
static void conn_duid(struct conn *c, struct dhcp6_duid *d)
{
	static const uint16_t types[] = { 1, 2, 3, 4 }; /* enum cfg_duid -> DUID type */
	uint16_t want = types[c->cfg.duid_type & 3];
	char path[256];
	snprintf(path, sizeof(path), "%s/%s.duid", CONN_STATE_DIR, c->cfg.name);
	if (conn_state_read(path, d->b, sizeof(d->b), &d->len) == 0 && d->len >= 4 &&
	    (d->b[0] << 8 | d->b[1]) == want)
		return;
	uint8_t uuid[16];
	bool have_uuid = conn_machine_id(uuid);
	switch (want) {
	case 1:
		dhcp6_duid_llt(d, c->eth.mac, (uint32_t)(time(NULL) - 946684800)); /* since 2000 */
		break;
	case 2:
		/* RFC 5612: enterprise number 32473 is reserved for documentation and examples;
		 * v6link has none of its own, so the machine id follows it. */
		if (have_uuid && dhcp6_duid_en(d, 32473, uuid, 16))
			break;
		dhcp6_duid_ll(d, c->eth.mac);
		break;
	case 4:
		if (have_uuid) {
			dhcp6_duid_uuid(d, uuid);
			break;
		}
		/* No machine id: the link-layer DUID below. */
		__attribute__((fallthrough));
	default:
		dhcp6_duid_ll(d, c->eth.mac);
		break;
	}
	if (conn_state_write(path, d->b, d->len) < 0)
		log_warn("dhcp6[%s]: cannot store the DUID in %s", c->cfg.name, path);
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
	/* IAIDs only need to be stable per interface (RFC 8415 §12): derive them from the MAC. */
	cfg.iaid_na = (uint32_t)c->eth.mac[2] << 24 | (uint32_t)c->eth.mac[3] << 16 |
		      (uint32_t)c->eth.mac[4] << 8 | c->eth.mac[5];
	cfg.iaid_pd = cfg.iaid_na ^ 0x00010000u;
	cfg.pd_plen_hint = c->cfg.pd_length;
	cfg.no_initial_delay = true; /* one client on a point-to-point link: no storm to avoid */
	/* RFC 7078: ask for the address-selection policy (option_dasp= for an old draft's code). */
	cfg.extra_oro[cfg.n_extra_oro++] = c->cfg.option_dasp ? c->cfg.option_dasp : DHCP6_OPT_ADDRSEL;
	conn_v6_user_opts(&cfg, mode == DHCP6_MODE_STATELESS ? &c->cfg.d6_stateless
							     : &c->cfg.d6_stateful);
	dhcp6_client_init(&c->d6, &cfg, &conn_d6_ops, c, c->rng, c->cfg.name);
	c->d6_inited = true;
	c->d6_mode = mode;
}

static void conn_v6_start_dhcp6(struct conn *c, enum dhcp6_mode mode, uint64_t now)
{
	if (c->d6_started && c->d6_mode == mode)
		return;
	if (c->d6_inited && c->d6_mode != mode) {
		log_info("dhcp6[%s]: router flags changed the mode; starting over", c->cfg.name);
		dhcp6_client_stop(&c->d6, now);
		conn_d6_on_lost(c, "mode changed");
		c->d6_inited = false;
	}
	if (!c->d6_inited)
		conn_v6_init_dhcp6(c, mode);
	/* With a binding from the previous session this Rebinds (RFC 8415 §18.2.12), so the same
	 * prefix comes back after a redial. */
	dhcp6_client_start(&c->d6, now);
	c->d6_started = true;
}

/* RFC 7217 §5: the secret key must stay the same across restarts, or every address changes. */
static void conn_v6_secret(struct conn *c, struct nd_ra_cfg *cfg)
{
	char path[256];
	uint16_t len = 0;
	snprintf(path, sizeof(path), "%s/%s.secret", CONN_STATE_DIR, c->cfg.name);
	if (conn_state_read(path, cfg->secret, sizeof(cfg->secret), &len) < 0 ||
	    len != sizeof(cfg->secret)) {
		randombytes_buf(cfg->secret, sizeof(cfg->secret));
		if (conn_state_write(path, cfg->secret, sizeof(cfg->secret)) < 0 ||
		    chmod(path, 0600) < 0)
			log_warn("nd[%s]: cannot store the RFC 7217 secret in %s", c->cfg.name, path);
	}
	cfg->use_stable_privacy = true;
	/* Network_ID (optional): the AC's name, cut to the field. */
	size_t n = strnlen(c->ac_name, sizeof(cfg->network_id) - 1);
	memcpy(cfg->network_id, c->ac_name, n);
	cfg->network_id[n] = 0;
}

/* --- connection events --- */

void conn_v6_up(struct conn *c, uint64_t now)
{
	struct nd_ra_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.iid, c->v6.our_iid, 8);
	snprintf(cfg.net_iface, sizeof(cfg.net_iface), "%s", c->tun_name);
	cfg.link_mtu = ppp_link_peer_mru(&c->link);
	cfg.is_router = c->cfg.want_pd;
	if (c->cfg.stable_privacy)
		conn_v6_secret(c, &cfg);
	nd_ra_init(&c->nd, &cfg, &conn_nd_ops, c, c->rng, c->cfg.name);
	c->dps.ipv6_link_ctl = true;
	conn_v6_begin(c, now);
	if (c->cfg.has_ipv6_prefix) {
		uint8_t addr[16];
		memcpy(addr, c->cfg.ipv6_prefix, 8);
		memcpy(addr + 8, c->v6.our_iid, 8);
		conn_v6_addr_set(c, addr, 64, ND_LIFETIME_INF, ND_LIFETIME_INF, CONN_V6_STATIC, 0);
	}
	conn_v6_publish(c);
	nd_ra_start(&c->nd, now);
}

void conn_v6_begin(struct conn *c, uint64_t now)
{
	policy_init(&c->policy, c->cfg.name, "");
	conn_v6_policy(c, NULL);
	if (c->cfg.dhcpv6 == CFG_DHCPV6_STATEFUL)
		conn_v6_start_dhcp6(c, c->cfg.want_pd ? DHCP6_MODE_NA_PD : DHCP6_MODE_NA, now);
	else if (c->cfg.dhcpv6 == CFG_DHCPV6_STATELESS)
		conn_v6_start_dhcp6(c, DHCP6_MODE_STATELESS, now);
}

void conn_v6_release(struct conn *c, uint64_t now)
{
	if (c->d6_inited)
		dhcp6_client_release(&c->d6, now);
	c->d6_started = false;
}

void conn_v6_down(struct conn *c, uint64_t now)
{
	if (c->mode != CONN_MODE_ROUTER)
		nd_ra_stop(&c->nd, now);
	if (c->d6_inited)
		dhcp6_client_stop(&c->d6, now);
	c->d6_started = false;
	while (c->n_v6addrs)
		conn_v6_addr_del(c, c->v6addrs[0].addr);
	c->n_pd = 0;
	c->has_d6_info = false;
	c->dps.ipv6_link_ctl = false;
	conn_v6_policy_undo(c);
}

void conn_v6_on_packet(struct conn *c, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct dhcp6_udp6 u;
	if (len > 40 && pkt[6] == 17) {
		enum dhcp6_err e = dhcp6_parse_udp6(pkt, len, &u);
		if (e != DHCP6_E_OK)
			log_debug(LOGC_HOST, "dhcp6[%s]: packet dropped: %s", c->cfg.name,
				  dhcp6_err_str(e));
		else if (c->d6_inited)
			dhcp6_client_on_packet(&c->d6, pkt + u.payload_off, u.payload_len, now);
		return;
	}
	nd_ra_on_packet(&c->nd, pkt, len, now);
}

void conn_v6_on_timer(struct conn *c, uint64_t now)
{
	if (c->mode != CONN_MODE_ROUTER && nd_ra_next_deadline(&c->nd) <= now)
		nd_ra_on_timer(&c->nd, now);
	if (c->d6_inited && dhcp6_client_next_deadline(&c->d6) <= now)
		dhcp6_client_on_timer(&c->d6, now);
}

uint64_t conn_v6_next_deadline(const struct conn *c)
{
	uint64_t d = c->mode == CONN_MODE_ROUTER ? V6L_NEVER : nd_ra_next_deadline(&c->nd);
	if (c->d6_inited)
		d = clock_min(d, dhcp6_client_next_deadline(&c->d6));
	return d;
}

void conn_v6_dns(const struct conn *c, struct dns_servers *d)
{
	size_t n, n_search;
	bool is_router = c->mode == CONN_MODE_ROUTER && c->nr;
	const struct nd_ra_dns *rd = is_router ? nd_routers_dns(c->nr, &n) : nd_ra_dns(&c->nd, &n);
	const struct nd_ra_search *rs = is_router ? nd_routers_search(c->nr, &n_search)
						  : nd_ra_search(&c->nd, &n_search);
	/* Static ipv6_dns1/ipv6_dns2 override the servers the ISP announces. */
	bool is_static = false;
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 16; k++)
			is_static = is_static || c->cfg.ipv6_dns[i][k];
	for (size_t i = 0; !is_static && i < n; i++)
		dns_servers_add(d, AF_INET6, rd[i].addr);
	if (c->has_d6_info && !is_static)
		for (unsigned i = 0; i < c->d6_info.n_dns; i++)
			dns_servers_add(d, AF_INET6, c->d6_info.dns[i]);
	for (size_t i = 0; i < n_search; i++)
		dns_servers_add_domain(d, rs[i].name);
	if (c->has_d6_info)
		for (unsigned i = 0; i < c->d6_info.n_domains; i++)
			dns_servers_add_domain(d, c->d6_info.domains[i]);
}

/* --- status --- */

static long long conn_v6_left(uint64_t until, uint64_t now)
{
	if (until == V6L_NEVER)
		return -1; /* infinite */
	return until > now ? (long long)((until - now) / 1000u) : 0;
}

static const char *conn_v6_src_name(uint8_t s)
{
	switch (s) {
	case CONN_V6_SLAAC: return "slaac";
	case CONN_V6_DHCP6: return "dhcpv6";
	case CONN_V6_PD: return "delegated";
	case CONN_V6_STATIC: return "static";
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

static void conn_v6_json_addrs(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	sb_printf(sb, "\"addresses\":[");
	for (unsigned i = 0; i < c->n_v6addrs; i++) {
		const struct conn_v6addr *v = &c->v6addrs[i];
		sb_printf(sb, "%s{\"address\":\"%s\",\"prefix_len\":%u,\"valid_lft\":%lld,"
			      "\"preferred_lft\":%lld,\"source\":\"%s\"}", i ? "," : "",
			  inet_ntop(AF_INET6, v->addr, a, sizeof(a)), v->plen,
			  conn_v6_left(v->valid_until_ms, now), conn_v6_left(v->pref_until_ms, now),
			  conn_v6_src_name(v->source));
	}
	sb_printf(sb, "],\"delegated_prefixes\":[");
	long long age = (long long)((now - c->pd_since_ms) / 1000u);
	for (unsigned i = 0; i < c->n_pd; i++) {
		const struct dhcp6_lease_item *p = &c->pd[i];
		long long v = p->valid_s == ND_LIFETIME_INF ? -1 : (long long)p->valid_s - age;
		long long pr = p->preferred_s == ND_LIFETIME_INF ? -1 : (long long)p->preferred_s - age;
		sb_printf(sb, "%s{\"prefix\":\"%s\",\"prefix_len\":%u,\"valid_lft\":%lld,"
			      "\"preferred_lft\":%lld}", i ? "," : "",
			  inet_ntop(AF_INET6, p->addr, a, sizeof(a)), p->plen, v < 0 && v != -1 ? 0 : v,
			  pr < 0 && pr != -1 ? 0 : pr);
	}
	sb_printf(sb, "]");
}

void conn_v6_status_json(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	conn_v6_json_addrs(c, sb, now);
	sb_printf(sb, ",\"routers\":[");
	if (c->mode == CONN_MODE_ROUTER)
		conn_router_status_json(c, sb, now);
	for (unsigned i = 0; c->mode != CONN_MODE_ROUTER && i < c->nd.n_routers; i++)
		sb_printf(sb, "%s{\"address\":\"%s\",\"lifetime\":%lld,\"preference\":\"%s\"}",
			  i ? "," : "", inet_ntop(AF_INET6, c->nd.routers[i].addr, a, sizeof(a)),
			  conn_v6_left(c->nd.routers[i].until_ms, now),
			  nd_prf_name(c->nd.routers[i].prf));
	struct dns_servers d;
	memset(&d, 0, sizeof(d));
	if (c->v6_up)
		conn_v6_dns(c, &d);
	sb_printf(sb, "],\"dns\":[");
	for (unsigned i = 0; i < d.n; i++)
		sb_printf(sb, "%s\"%s\"", i ? "," : "", inet_ntop(AF_INET6, d.s[i].addr, a, sizeof(a)));
	sb_printf(sb, "],\"domains\":[");
	for (unsigned i = 0; i < d.n_domains; i++) {
		sb_printf(sb, i ? "," : "");
		sb_json_str(sb, d.domains[i]);
	}
	sb_printf(sb, "],\"pref64\":[");
	for (unsigned i = 0; i < c->nd.n_pref64; i++)
		sb_printf(sb, "%s\"%s/%u\"", i ? "," : "",
			  inet_ntop(AF_INET6, c->nd.pref64[i].prefix, a, sizeof(a)),
			  c->nd.pref64[i].plen);
	if (c->mode == CONN_MODE_ROUTER && c->nr)
		sb_printf(sb, "],\"ra\":{\"state\":\"%s\",\"managed\":%s,\"other\":%s,\"mtu\":null}",
			  nd_routers_state_name(c->nr->state), c->nr->is_managed ? "true" : "false",
			  c->nr->is_other ? "true" : "false");
	else
		sb_printf(sb, "],\"ra\":{\"state\":\"%s\",\"managed\":%s,\"other\":%s,\"mtu\":%u}",
			  nd_ra_state_name(c->nd.state), c->nd.is_managed ? "true" : "false",
			  c->nd.is_other ? "true" : "false", c->nd.mtu);
	sb_printf(sb, ",\"policy_table\":%s",
		  !c->is_policy_applied ? "null" : c->n_policy_isp ? "\"isp\"" : "\"rfc6724-defaults\"");
	sb_printf(sb, ",\"dhcpv6\":{\"state\":\"%s\",\"mode\":%s%s%s,\"options\":{",
		  c->d6_inited ? dhcp6_client_state_name(c->d6.state) : "idle",
		  c->d6_inited ? "\"" : "", c->d6_inited ? conn_d6_mode_name(c->d6_mode) : "null",
		  c->d6_inited ? "\"" : "");
	/* Options the server returned that v6link does not decode, e.g. requested with oroN=. */
	for (unsigned i = 0; c->has_d6_info && i < c->d6_info.n_raw; i++) {
		const struct dhcp6_raw_opt *o = &c->d6_info.raw[i];
		sb_printf(sb, "%s\"%u\":\"", i ? "," : "", o->code);
		for (unsigned k = 0; k < o->len && k < DHCP6_RAW_MAX; k++)
			sb_printf(sb, "%02x", o->data[k]);
		sb_printf(sb, "\"");
	}
	sb_printf(sb, "}}");
}

void conn_v6_status_text(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	for (unsigned i = 0; i < c->n_v6addrs; i++) {
		const struct conn_v6addr *v = &c->v6addrs[i];
		sb_printf(sb, "  %-12s %s/%u (%s) valid %llds preferred %llds\n", "ipv6",
			  inet_ntop(AF_INET6, v->addr, a, sizeof(a)), v->plen, conn_v6_src_name(v->source),
			  conn_v6_left(v->valid_until_ms, now), conn_v6_left(v->pref_until_ms, now));
	}
	long long age = (long long)((now - c->pd_since_ms) / 1000u);
	for (unsigned i = 0; i < c->n_pd; i++)
		sb_printf(sb, "  %-12s %s/%u valid %llds\n", "delegated",
			  inet_ntop(AF_INET6, c->pd[i].addr, a, sizeof(a)), c->pd[i].plen,
			  (long long)c->pd[i].valid_s - age);
	struct dns_servers d;
	memset(&d, 0, sizeof(d));
	conn_v6_dns(c, &d);
	for (unsigned i = 0; i < d.n; i++)
		sb_printf(sb, "  %-12s %s\n", "dns", inet_ntop(AF_INET6, d.s[i].addr, a, sizeof(a)));
	for (unsigned i = 0; i < d.n_domains; i++)
		sb_printf(sb, "  %-12s %s\n", "search", d.domains[i]);
	if (c->mode == CONN_MODE_ROUTER)
		conn_router_status_text(c, sb, now);
}
