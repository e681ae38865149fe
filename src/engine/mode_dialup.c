/* Dial-up mode, and mixed mode as its variant without IPCP: a PPPoE session of our own on the
 * adapter (pppoe_disc), the PPP link (ppp_link), the data plane between the session and our TUN,
 * and router discovery and SLAAC over the link (nd_ra). The protocol machines are pure; this file
 * wires their ops to the sockets, the data plane and the host, and reports the session's
 * progress to the connection (conn_session_*). */
#include "engine/conn_priv.h"

#include "core/clock.h"
#include "core/log.h"
#include "dataplane/xlat.h"
#include "hostcfg/tun.h"
#include "nd/nd_ra.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint8_t du_all_dhcp[16] = { 0xff, 0x02, [13] = 0x01, [15] = 0x02 };

#define DU_PPPOE_MTU 1492  /* RFC 2516 §7: the PPP payload in a 1500-byte Ethernet frame */
#define DU_PPPOE_OVERHEAD 8 /* PPPoE header (6) + PPP protocol (2) in the Ethernet payload */

struct conn_dialup {
	int disc_fd, sess_fd, tun_fd;
	struct dataplane *dp;
	struct dp_session dps;
	struct pppoe_disc disc;
	struct ppp_link link;
	struct nd_ra nd;
	bool has_nd;  /* nd_ra initialised (IPv6CP came up at least once) */
	uint64_t rx_seen_ms; /* the data plane's last received packet the link was told of */
	/* RFC 4638: the PPP payload the adapter carries this dial (mru, or less when its MTU
	 * stays below mru + 8), the session's (the granted PPP-Max-Payload, else 1492, capped
	 * by the former), and why, for the log and status. */
	uint16_t payload_max, session_max;
	char adapter_why[256];
	struct conn_mtu_rec mtu_recorded; /* what NAME.mtu in the run dir holds */
	/* Control packets dropped by the links of past sessions and discovery frames that did
	 * not parse (status: counters.drops.control, with this session's and discovery's). */
	uint64_t n_ctl_dropped;
	char mtu_why[320];
};

static struct conn_dialup *du(const struct conn *c)
{
	return c->mode;
}

/* The largest IP packet we send: the peer's MRU, within what the session carries (a peer that
 * sends no MRU option means 1500, RFC 1661 §6.1, which a 1492 session cannot take). */
static uint16_t du_link_mtu(const struct conn *c)
{
	const struct conn_dialup *d = du(c);
	uint16_t peer = ppp_link_peer_mru(&d->link);
	return d->session_max && d->session_max < peer ? d->session_max : peer;
}

/* --- sending --- */

static void du_send_ppp(struct conn *c, uint16_t proto, const uint8_t *buf, size_t len)
{
	struct conn_dialup *d = du(c);
	if (dp_send_control(d->dp, proto, buf, len) < 0) {
		log_debug(LOGC_PPP, "ppp[%s]: send %s: %s", c->cfg.name, ppp_proto_name(proto),
			  strerror(errno));
		return;
	}
	struct dp_wire w = { .frame = NULL };
	w.frame = dp_control_last_tx(d->dp, &w.len);
	conn_trace_eth(c, true, &w, NULL);
}

static void du_disc_send(void *ctx, const uint8_t dst[6], const uint8_t *pkt, size_t len)
{
	struct conn *c = ctx;
	uint8_t frame[1600];
	struct pppoe_eth_hdr h = { .has_vlan = c->cfg.has_vlan, .vlan_id = c->cfg.vlan_id,
				   .priority = c->cfg.prio, .ethertype = PPPOE_ETHERTYPE_DISC };
	memcpy(h.dst, dst, 6);
	memcpy(h.src, c->lk.eth.mac, 6);
	int hl = pppoe_eth_build(&h, frame, sizeof(frame));
	if (hl < 0 || len > sizeof(frame) - (size_t)hl)
		return;
	memcpy(frame + hl, pkt, len);
	struct dp_wire w = { .frame = frame, .len = (size_t)hl + len };
	conn_trace_eth(c, true, &w, NULL);
	if (pkt_send(du(c)->disc_fd, c->lk.eth.ifindex, frame, (size_t)hl + len) < 0)
		log_warn("pppoe[%s]: send on %s", c->cfg.name, c->lk.eth.name);
}

/* --- the session's facts for the data plane, status and hooks --- */

/* The data path's filter: our sources are fe80::/10, every address's prefix and every
 * delegated prefix (check_traffic). */
static void du_publish(struct conn *c)
{
	struct conn_dialup *d = du(c);
	struct dp_session *s = &d->dps;
	s->is_up = c->lk.has_session;
	s->ipv4_up = c->lk.v4_up;
	s->ipv6_up = c->lk.v6_up;
	if (c->lk.v4_up)
		memcpy(s->ipv4_local, c->lk.v4.local, 4);
	s->mtu = c->lk.mtu;
	conn_host_fill_prefixes(&c->host, s);
	for (unsigned i = 0; i < c->v6.n_addrs && s->n_prefixes < DP_MAX_PREFIXES; i++) {
		memcpy(s->prefixes[s->n_prefixes].addr, c->v6.addrs[i].addr, 16);
		s->prefixes[s->n_prefixes++].len = c->v6.addrs[i].plen;
	}
	for (unsigned i = 0; i < c->v6.n_pd && s->n_prefixes < DP_MAX_PREFIXES; i++) {
		memcpy(s->prefixes[s->n_prefixes].addr, c->v6.pd[i].addr, 16);
		s->prefixes[s->n_prefixes++].len = c->v6.pd[i].plen;
	}
	dp_set_session(d->dp, s);
}

/* Everything the session set up goes: PADT if it still exists, IPv6 and IPv4 on the host. */
static void du_teardown(struct conn *c, uint64_t now)
{
	struct conn_dialup *d = du(c);
	if (d->disc.state == PPPOE_DISC_SESSION || d->disc.state == PPPOE_DISC_PADI_SENT ||
	    d->disc.state == PPPOE_DISC_PADR_SENT)
		pppoe_disc_stop(&d->disc, now);
	c->lk.has_session = false;
	conn_v6_down(c, now);
	if (d->has_nd)
		nd_ra_stop(&d->nd, now);
	d->dps.ipv6_link_ctl = false;
	c->lk.v4_up = c->lk.v6_up = false;
	conn_host_session_down(&c->host);
	du_publish(c);
}

static void du_session_over(struct conn *c, const char *why, uint64_t now)
{
	du_teardown(c, now);
	conn_session_end(c, why, now);
}

/* --- RFC 4638: the session's payload and the adapter's MTU --- */

/* Before each dial: the adapter must carry mru + 8 for a PPP-Max-Payload of mru; raised if
 * lower (the raise stays until exit). What it cannot carry is not asked of the AC. */
static void du_payload_prepare(struct conn *c)
{
	struct conn_dialup *d = du(c);
	char why[sizeof(d->adapter_why)];
	unsigned want = c->cfg.mru > DU_PPPOE_MTU ? c->cfg.mru + DU_PPPOE_OVERHEAD : 0;
	int mtu = conn_host_adapter_mtu(&c->host, c->lk.eth.name, want, why, sizeof(why));
	if (c->host.has_mtu_rec &&
	    memcmp(&c->host.mtu_rec, &d->mtu_recorded, sizeof(d->mtu_recorded)) != 0) {
		conn_mtu_record(c, &c->host.mtu_rec);
		d->mtu_recorded = c->host.mtu_rec;
	}
	if (mtu < 0)
		mtu = (int)c->lk.eth.mtu;
	unsigned carried = mtu > LCP_MIN_MRU + DU_PPPOE_OVERHEAD ? (unsigned)mtu - DU_PPPOE_OVERHEAD
								  : LCP_MIN_MRU;
	d->payload_max = (uint16_t)(carried < c->cfg.mru ? carried : c->cfg.mru);
	pppoe_disc_set_mru(&d->disc, d->payload_max);
	if (!why[0] || (unsigned)mtu >= want) {
		d->adapter_why[0] = '\0';
		return;
	}
	/* Once per reason, not on every redial. */
	if (strcmp(why, d->adapter_why) != 0)
		log_warnx("pppoe[%s]: %s cannot carry MTU %u for mru=%u (RFC 4638): %s; "
			  "PPP-Max-Payload %s, session MTU at most %u",
			  c->cfg.name, c->lk.eth.name, want, c->cfg.mru, why,
			  d->payload_max > DU_PPPOE_MTU ? "asked for less" : "not asked for",
			  d->payload_max > DU_PPPOE_MTU ? d->payload_max : DU_PPPOE_MTU);
	snprintf(d->adapter_why, sizeof(d->adapter_why), "%s", why);
}

/* At PADS: the session carries the granted PPP-Max-Payload (RFC 4638), else 1492 (RFC 2516
 * §7), never more than the adapter; our LCP MRU follows (not above mru). */
static void du_session_payload(struct conn *c, const struct pppoe_session_info *info)
{
	struct conn_dialup *d = du(c);
	uint16_t base = d->payload_max < DU_PPPOE_MTU ? d->payload_max : DU_PPPOE_MTU;
	uint16_t asked = d->payload_max > DU_PPPOE_MTU ? d->payload_max : 0;
	d->session_max = info->max_payload ? info->max_payload : base;
	ppp_link_set_max_mru(&d->link, d->session_max < c->cfg.mru ? d->session_max : c->cfg.mru);
	if (asked && !info->max_payload) {
		snprintf(d->mtu_why, sizeof(d->mtu_why), "%u: AC '%s' did not grant PPP-Max-Payload "
			 "%u (RFC 4638)", d->session_max, c->lk.ac_name, asked);
		log_warnx("pppoe[%s]: AC '%s' did not grant PPP-Max-Payload %u (RFC 4638): "
			  "session MTU %u", c->cfg.name, c->lk.ac_name, asked, d->session_max);
	} else if (asked) {
		snprintf(d->mtu_why, sizeof(d->mtu_why), "%u: PPP-Max-Payload %u of %u granted "
			 "(RFC 4638), %s MTU %u", d->session_max, info->max_payload, asked,
			 c->lk.eth.name, d->payload_max + DU_PPPOE_OVERHEAD);
		log_info("pppoe[%s]: AC '%s' granted PPP-Max-Payload %u of %u (RFC 4638)",
			 c->cfg.name, c->lk.ac_name, info->max_payload, asked);
	} else if (c->cfg.mru > DU_PPPOE_MTU) {
		snprintf(d->mtu_why, sizeof(d->mtu_why), "%u: %s cannot carry MTU %u (%s)",
			 d->session_max, c->lk.eth.name, c->cfg.mru + DU_PPPOE_OVERHEAD,
			 d->adapter_why);
	} else {
		d->mtu_why[0] = '\0';
	}
}

/* --- PPPoE discovery ops --- */

static void du_disc_on_session(void *ctx, uint16_t sid, const uint8_t ac_mac[6],
			       const struct pppoe_session_info *info)
{
	struct conn *c = ctx;
	struct conn_dialup *d = du(c);
	uint64_t now = clock_now_ms();
	snprintf(c->lk.ac_name, sizeof(c->lk.ac_name), "%s", info->ac_name ? info->ac_name : "");
	snprintf(c->lk.service, sizeof(c->lk.service), "%s", info->service ? info->service : "");
	c->lk.has_session = true;
	c->lk.session_id = sid;
	memcpy(c->lk.ac_mac, ac_mac, 6);
	d->dps.session_id = sid;
	memcpy(d->dps.ac_mac, ac_mac, 6);
	du_session_payload(c, info);
	du_publish(c);
	log_debug(LOGC_PPPOE, "pppoe[%s]: AC MAC %02x:%02x:%02x:%02x:%02x:%02x", c->cfg.name,
		  ac_mac[0], ac_mac[1], ac_mac[2], ac_mac[3], ac_mac[4], ac_mac[5]);
	conn_session_record(c);
	conn_session_progress(c, CONN_AUTH, "PPPoE session established; LCP negotiating", now);
	ppp_link_lower_up(&d->link, now);
}

static void du_disc_on_failed(void *ctx, const char *why)
{
	struct conn *c = ctx;
	conn_set_error(c, "discovery failed: %s", why);
	du_session_over(c, c->fsm.last_error, clock_now_ms());
}

static void du_disc_on_terminated(void *ctx, const char *why)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	/* An AC ends a session it refused with a PADT: keep the first, more telling reason. */
	if (!c->fsm.last_error[0])
		conn_set_error(c, "%s", why);
	ppp_link_lower_down(&du(c)->link, now);
	du_session_over(c, why, now);
}

static const struct pppoe_disc_ops du_disc_ops = {
	.send = du_disc_send,
	.on_session = du_disc_on_session,
	.on_failed = du_disc_on_failed,
	.on_terminated = du_disc_on_terminated,
};

/* --- router discovery over the link (nd_ra ops) --- */

static void du_nd_send(void *ctx, const uint8_t *pkt, size_t len)
{
	du_send_ppp(ctx, PPP_PROTO_IPV6, pkt, len);
}

static void du_nd_addr_update(void *ctx, const struct nd_addr_event *e)
{
	conn_v6_slaac(ctx, e->addr, e->plen, e->valid_s, e->pref_s, e->is_optimistic,
		      clock_now_ms());
}

static void du_nd_addr_remove(void *ctx, const uint8_t addr[16], uint8_t plen)
{
	(void)plen;
	conn_v6_slaac_remove(ctx, addr);
}

/* Over PPP every packet goes to the peer: the default route through the TUN (made when IPv6CP
 * came up) already covers every router; status reads the list from nd. */
/* RFC 4861 §6.3.4: the IPv6 default route (installed at IPv6CP up: the peer is the router
 * until an RA says otherwise) follows the default router list. An RA with router lifetime 0,
 * or the last router's lifetime running out, takes it away; the next RA with a lifetime puts it
 * back. (At the session's end ND stops first: the route then goes with the session.) */
static void du_nd_router_update(void *ctx, const uint8_t r[16], uint32_t lifetime_s,
				enum nd_prf prf)
{
	struct conn *c = ctx;
	(void)r;
	(void)lifetime_s;
	(void)prf;
	conn_host_ipv6_default(&c->host, true);
}

static void du_nd_router_remove(void *ctx, const uint8_t r[16])
{
	struct conn *c = ctx;
	(void)r;
	if (c->lk.has_session && c->lk.v6_up && !nd_ra_has_router(&du(c)->nd))
		conn_host_ipv6_default(&c->host, false);
}

static void du_nd_route_update(void *ctx, const uint8_t prefix[16], uint8_t plen,
			       const uint8_t router[16], uint32_t lifetime_s, enum nd_prf prf)
{
	struct conn *c = ctx;
	(void)router;
	(void)lifetime_s;
	(void)prf;
	/* RFC 4191 §3.1: a more specific route through the router; on a PPP link via the device. */
	if (plen && conn_host_route6(&c->host, prefix, plen, true) < 0)
		log_warnx("conn[%s]: %s", c->cfg.name, hostcfg_last_error(&c->host.hc));
}

static void du_nd_route_remove(void *ctx, const uint8_t prefix[16], uint8_t plen,
			       const uint8_t router[16])
{
	struct conn *c = ctx;
	(void)router;
	if (plen)
		conn_host_route6(&c->host, prefix, plen, false);
}

static void du_nd_dns_changed(void *ctx)
{
	conn_dns_update(ctx);
}

static void du_nd_mtu(void *ctx, uint32_t mtu)
{
	struct conn *c = ctx;
	/* RFC 4861 §6.3.4: never above the link's own MTU (the peer's MRU within the session). */
	uint32_t link = du_link_mtu(c);
	if (mtu > link)
		mtu = link;
	log_debug(LOGC_HOST, "nd[%s]: link MTU %u", c->cfg.name, mtu);
	char path[96], val[16];
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/mtu", c->lk.ifname);
	snprintf(val, sizeof(val), "%u", mtu);
	hostcfg_sysctl_set(&c->host.hc, path, val);
}

static void du_nd_flags(void *ctx, bool is_managed, bool is_other)
{
	conn_v6_flags(ctx, is_managed, is_other, clock_now_ms());
}

static const struct nd_ra_ops du_nd_ops = {
	.send = du_nd_send,
	.addr_update = du_nd_addr_update,
	.addr_remove = du_nd_addr_remove,
	.router_update = du_nd_router_update,
	.router_remove = du_nd_router_remove,
	.route_update = du_nd_route_update,
	.route_remove = du_nd_route_remove,
	.dns_changed = du_nd_dns_changed,
	.mtu = du_nd_mtu,
	.flags = du_nd_flags,
};

/* RFC 7217 §5: the secret key must stay the same across restarts, or every address changes. */
static void du_nd_secret(struct conn *c, struct nd_ra_cfg *cfg)
{
	uint16_t len = 0;
	if (conn_state_read(c, "secret", cfg->secret, sizeof(cfg->secret), &len) < 0 ||
	    len != sizeof(cfg->secret)) {
		randombytes_buf(cfg->secret, sizeof(cfg->secret));
		if (conn_state_write(c, "secret", cfg->secret, sizeof(cfg->secret)) < 0)
			log_warn("nd[%s]: cannot store the RFC 7217 secret in %s", c->cfg.name,
				 c->cfg.state_dir);
	}
	cfg->use_stable_privacy = true;
	/* Network_ID (optional): the AC's name, cut to the field. */
	size_t n = strnlen(c->lk.ac_name, sizeof(cfg->network_id) - 1);
	memcpy(cfg->network_id, c->lk.ac_name, n);
	cfg->network_id[n] = 0;
}

static void du_nd_start(struct conn *c, uint64_t now)
{
	struct conn_dialup *d = du(c);
	struct nd_ra_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.iid, c->lk.our_iid, 8);
	snprintf(cfg.net_iface, sizeof(cfg.net_iface), "%s", c->lk.ifname);
	cfg.link_mtu = du_link_mtu(c);
	cfg.is_router = c->cfg.want_pd;
	cfg.no_rs_delay = true;
	if (c->cfg.stable_privacy)
		du_nd_secret(c, &cfg);
	nd_ra_init(&d->nd, &cfg, &du_nd_ops, c, c->rng, c->cfg.name);
	sodium_memzero(cfg.secret, sizeof(cfg.secret));
	d->has_nd = true;
	d->dps.ipv6_link_ctl = true;
	nd_ra_start(&d->nd, now);
}

/* --- PPP link ops --- */

static void du_ppp_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	du_send_ppp(ctx, proto, buf, len);
}

static void du_ppp_on_phase(void *ctx, enum ppp_phase phase, const char *why)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	switch (phase) {
	case PPP_PHASE_ESTABLISH:
	case PPP_PHASE_AUTHENTICATE:
		conn_session_progress(c, CONN_AUTH, why, now);
		break;
	case PPP_PHASE_NETWORK:
		c->lk.auth = ppp_link_auth_method(&du(c)->link);
		conn_session_progress(c, CONN_NETWORK, why, now);
		break;
	case PPP_PHASE_TERMINATE:
		conn_session_progress(c, CONN_TERMINATING, why, now);
		break;
	case PPP_PHASE_DEAD:
		break;
	}
}

static void du_ppp_on_ipcp_up(void *ctx, const struct ipcp_result *r)
{
	struct conn *c = ctx;
	struct conn_dialup *d = du(c);
	uint64_t now = clock_now_ms();
	c->lk.v4 = *r;
	c->lk.mtu = du_link_mtu(c);
	if (conn_host_ipv4_up(&c->host, r->local, r->peer, c->lk.mtu) < 0) {
		log_warnx("conn[%s]: IPv4 host configuration failed; hanging up", c->cfg.name);
		ppp_link_close(&d->link, "host configuration failed", now);
		return;
	}
	c->lk.v4_up = true;
	du_publish(c);
	conn_dns_update(c);
	conn_session_link_up(c, "IPCP up", now);
	conn_hook(c, "ipv4-up", NULL);
}

static void du_ppp_on_ipcp_down(void *ctx)
{
	struct conn *c = ctx;
	c->lk.v4_up = false;
	conn_host_ipv4_down(&c->host);
	du_publish(c);
	conn_dns_update(c);
}

static void du_ppp_on_ipv6cp_up(void *ctx, const struct ipv6cp_result *r)
{
	struct conn *c = ctx;
	struct conn_dialup *d = du(c);
	uint64_t now = clock_now_ms();
	memcpy(c->lk.our_iid, r->our_iid, 8);
	memcpy(c->lk.peer_iid, r->peer_iid, 8);
	c->lk.has_peer_iid = true;
	c->lk.mtu = du_link_mtu(c);
	if (conn_host_ipv6_up(&c->host, r->our_iid, c->lk.mtu) < 0) {
		log_warnx("conn[%s]: IPv6 host configuration failed; hanging up", c->cfg.name);
		ppp_link_close(&d->link, "host configuration failed", now);
		return;
	}
	c->lk.v6_up = true;
	du_publish(c);
	/* The RS first: the ISP's answer is the slowest part of getting an address. */
	du_nd_start(c, now);
	conn_v6_up(c, now);
	conn_session_link_up(c, "IPv6CP up", now);
	conn_hook(c, "ipv6-up", NULL);
}

static void du_ppp_on_ipv6cp_down(void *ctx)
{
	struct conn *c = ctx;
	struct conn_dialup *d = du(c);
	uint64_t now = clock_now_ms();
	c->lk.v6_up = false;
	conn_v6_down(c, now);
	if (d->has_nd)
		nd_ra_stop(&d->nd, now);
	d->dps.ipv6_link_ctl = false;
	conn_host_ipv6_down(&c->host);
	du_publish(c);
	conn_dns_update(c);
}

static void du_ppp_on_auth_failed(void *ctx, const char *msg)
{
	struct conn *c = ctx;
	log_warnx("auth[%s]: login as '%s' refused: %s", c->cfg.name, c->cfg.user, msg);
	conn_set_error(c, "authentication failed: %s", msg);
}

static void du_ppp_on_link_down(void *ctx, const char *why)
{
	du_session_over(ctx, why, clock_now_ms());
}

static const struct ppp_link_ops du_ppp_ops = {
	.send = du_ppp_send,
	.on_phase = du_ppp_on_phase,
	.on_ipcp_up = du_ppp_on_ipcp_up,
	.on_ipcp_down = du_ppp_on_ipcp_down,
	.on_ipv6cp_up = du_ppp_on_ipv6cp_up,
	.on_ipv6cp_down = du_ppp_on_ipv6cp_down,
	.on_auth_failed = du_ppp_on_auth_failed,
	.on_link_down = du_ppp_on_link_down,
};

/* --- input --- */

static void du_on_disc_frame(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	uint8_t frame[1600];
	(void)ev;
	for (int i = 0; i < 16; i++) {
		bool has_vlan;
		uint16_t tci;
		ssize_t n = pkt_recv(fd, frame, sizeof(frame), &has_vlan, &tci, NULL);
		if (n < 0)
			break;
		/* 802.1Q: VLAN ID 0 is a priority tag only, so such a frame counts as untagged. */
		uint16_t vid = has_vlan ? (tci & 0x0fff) : 0;
		if (vid != (c->cfg.has_vlan ? c->cfg.vlan_id : 0))
			continue;
		struct pppoe_eth_hdr eth;
		static struct pppoe_disc_pkt pkt;
		struct dp_wire w = { .frame = frame, .len = (size_t)n, .has_vlan = has_vlan, .tci = tci };
		if (pppoe_disc_parse_frame(frame, (size_t)n, &eth, &pkt) != PPPOE_E_OK) {
			du(c)->n_ctl_dropped++;
			conn_trace_unknown(c, "PPPoE discovery frame that does not parse", &w);
			continue;
		}
		/* A shared segment (or a tagged frame) can bring unicast for other hosts: filter by
		 * MAC. A PADI from another client is broadcast and ignored by the FSM. */
		if (memcmp(eth.dst, c->lk.eth.mac, 6) != 0)
			continue;
		conn_trace_eth(c, false, &w, NULL);
		pppoe_disc_on_packet(&du(c)->disc, eth.src, &pkt, clock_now_ms());
	}
	conn_reschedule(c);
}

static bool du_ppp_proto_known(uint16_t proto)
{
	static const uint16_t known[] = { 0xc021, 0xc023, 0xc223, 0x8021, 0x8057, 0x0021, 0x0057 };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (proto == known[i])
			return true;
	return false;
}

/* An IPv6 packet the data path handed over: DHCPv6 for the client, or ND. */
static void du_on_ipv6(struct conn *c, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct conn_dialup *d = du(c);
	struct dhcp6_udp6 u;
	if (len > 40 && pkt[6] == 17) {
		enum dhcp6_err e = dhcp6_parse_udp6(pkt, len, &u);
		if (e != DHCP6_E_OK)
			log_debug(LOGC_HOST, "dhcp6[%s]: packet dropped: %s", c->cfg.name,
				  dhcp6_err_str(e));
		else
			conn_v6_on_dhcp6(c, pkt + u.payload_off, u.payload_len, pkt + 24, now);
		return;
	}
	if (d->has_nd)
		nd_ra_on_packet(&d->nd, pkt, len, now);
}

static void du_on_control(void *ctx, uint16_t proto, const uint8_t *buf, size_t len,
			  const struct dp_wire *w)
{
	struct conn *c = ctx;
	conn_trace_eth(c, false, w, NULL);
	if (!du_ppp_proto_known(proto)) {
		char what[48];
		snprintf(what, sizeof(what), "PPP protocol 0x%04x (Protocol-Reject sent)", proto);
		conn_trace_unknown(c, what, w);
	}
	if (proto == PPP_PROTO_IPV6) {
		if (c->lk.v6_up)
			du_on_ipv6(c, buf, len, clock_now_ms());
		return;
	}
	ppp_link_on_packet(&du(c)->link, proto, buf, len, clock_now_ms());
}

static void du_on_ctl_fd(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	(void)fd;
	(void)ev;
	dp_control_drain(du(c)->dp, du_on_control, c);
	conn_reschedule(c);
}

static void du_on_demand(void *arg, int fd, uint32_t ev)
{
	eventfd_t v;
	(void)ev;
	eventfd_read(fd, &v);
	conn_on_demand_packet(arg, clock_now_ms());
}

/* --- life cycle --- */

/* The IPv6CP interface identifier we propose, kept in the state dir as NAME.iid so that the
 * link-local and SLAAC addresses stay the same across redials and restarts (RFC 5072 §4.1
 * allows any stable unique value; the peer can still Nak it). */
static void du_stable_iid(struct conn *c, uint8_t iid[8])
{
	static const uint8_t zero[8];
	uint16_t len = 0;
	if (conn_state_read(c, "iid", iid, 8, &len) == 0 && len == 8 && memcmp(iid, zero, 8))
		return;
	do {
		rng_bytes(c->rng, iid, 8);
		iid[0] &= 0xfd; /* RFC 4291 §2.5.1: u bit 0, not a universal identifier */
	} while (!memcmp(iid, zero, 8));
	if (conn_state_write(c, "iid", iid, 8) < 0)
		log_warn("conn[%s]: cannot store the interface identifier in %s", c->cfg.name,
			 c->cfg.state_dir);
}

static void du_init_link(struct conn *c)
{
	struct conn_dialup *d = du(c);
	struct ppp_link_cfg lc = {
		.conn = c->cfg.name,
		.mru = c->cfg.mru,
		/* Mixed mode: IPv4 stays with the adapter's DHCPv4 router, so no IPCP at all. */
		.use_ipv4 = c->cfg.use_ipv4 && c->fsm.mode == CONN_MODE_DIALUP,
		.hold_ipv4 = c->hold_ipv4,
		.use_ipv6 = c->cfg.use_ipv6,
		.want_dns = true,
		.echo_interval_ms = c->cfg.echo_interval_s * 1000u,
		.echo_failures = c->cfg.echo_failures,
		.auth_mask = c->cfg.auth_mask,
	};
	du_stable_iid(c, lc.iid);
	snprintf(lc.user, sizeof(lc.user), "%s", c->cfg.user);
	snprintf(lc.secret, sizeof(lc.secret), "%s", c->cfg.secret);
	ppp_link_init(&d->link, &lc, &du_ppp_ops, c, c->rng);
	sodium_memzero(lc.secret, sizeof(lc.secret));
}

/* TSO/USO super-packets and unfinished checksums from the host, segmented and checksummed by
 * the uplink thread (dp_gso, issue #12): one TUN read per up to 64 KiB instead of per packet. USO
 * needs Linux 6.2, and the ECN bit lets CWR segments be offloaded too; an older kernel gets the
 * next set. The queue the host fills is raised from 500 packets so that an upload's bursts are
 * not dropped before the uplink thread drains them (measured, issue #12). */
#define DU_TUN_TXQLEN 1000
static void du_tun_offload(struct conn *c, struct conn_dialup *d)
{
	static const unsigned tries[] = {
		TUN_OFFLOAD_CSUM | TUN_OFFLOAD_TSO4 | TUN_OFFLOAD_TSO6 | TUN_OFFLOAD_TSO_ECN |
			TUN_OFFLOAD_USO4 | TUN_OFFLOAD_USO6,
		TUN_OFFLOAD_CSUM | TUN_OFFLOAD_TSO4 | TUN_OFFLOAD_TSO6 | TUN_OFFLOAD_TSO_ECN,
	};
	unsigned got = tun_set_offload_first(d->tun_fd, tries, 2);
	log_info("conn[%s]: %s offloads%s%s", c->cfg.name, c->lk.ifname,
		  got ? " TSO4 TSO6 CSUM" : " none (whole packets)",
		  got & TUN_OFFLOAD_USO4 ? " USO4 USO6" : "");
	if (tun_set_txqueuelen(d->sess_fd, c->lk.ifname, DU_TUN_TXQLEN) < 0)
		log_warn("conn[%s]: %s txqueuelen %u", c->cfg.name, c->lk.ifname, DU_TUN_TXQLEN);
}

static int du_open_io(struct conn *c)
{
	struct conn_dialup *d = du(c);
	if (pkt_if_lookup(c->cfg.eth_if, &c->lk.eth) < 0) {
		log_warn("conn[%s]: Ethernet adapter '%s'", c->cfg.name, c->cfg.eth_if);
		return -1;
	}
	bool tagged = c->cfg.has_vlan && c->cfg.vlan_id != 0;
	d->disc_fd = pkt_open(c->lk.eth.ifindex, PPPOE_ETHERTYPE_DISC, tagged);
	d->sess_fd = pkt_open(c->lk.eth.ifindex, PPPOE_ETHERTYPE_SESS, tagged);
	if (d->disc_fd < 0 || d->sess_fd < 0) {
		log_warn("conn[%s]: AF_PACKET socket on %s", c->cfg.name, c->lk.eth.name);
		return -1;
	}
	snprintf(c->lk.ifname, sizeof(c->lk.ifname), "%s", c->cfg.tun_name);
	if (tun_open(c->lk.ifname, true, false, &d->tun_fd) < 0) {
		log_warn("conn[%s]: TUN device '%s'", c->cfg.name, c->cfg.tun_name);
		return -1;
	}
	du_tun_offload(c, d);
	return 0;
}

static enum dp_rx_ring du_rx_ring(int cfg_rx_ring)
{
	switch ((enum cfg_rx_ring)cfg_rx_ring) {
	case CFG_RX_RING_ON: return DP_RX_RING_ON;
	case CFG_RX_RING_OFF: return DP_RX_RING_OFF;
	case CFG_RX_RING_AUTO: break;
	}
	return DP_RX_RING_AUTO;
}

static int du_open_dp(struct conn *c)
{
	struct conn_dialup *d = du(c);
	d->dps = (struct dp_session){
		.check_traffic = c->cfg.check_traffic,
		.mcast4_unicast = c->cfg.mcast4_unicast,
		.has_vlan = c->cfg.has_vlan,
		.vlan_tci = (uint16_t)(c->cfg.prio << 13 | c->cfg.vlan_id),
		.mtu = c->lk.mtu,
	};
	memcpy(d->dps.our_mac, c->lk.eth.mac, 6);
	d->dp = dp_new(d->tun_fd, d->sess_fd, c->lk.eth.ifindex);
	if (d->dp)
		dp_set_rx_ring(d->dp, du_rx_ring(c->cfg.rx_ring));
	if (!d->dp || dp_start(d->dp) < 0) {
		log_warn("conn[%s]: data plane", c->cfg.name);
		return -1;
	}
	if (loop_add_fd(c->loop, d->disc_fd, EPOLLIN, du_on_disc_frame, c) < 0 ||
	    loop_add_fd(c->loop, dp_control_fd(d->dp), EPOLLIN, du_on_ctl_fd, c) < 0 ||
	    loop_add_fd(c->loop, dp_demand_fd(d->dp), EPOLLIN, du_on_demand, c) < 0) {
		log_warn("conn[%s]: event loop", c->cfg.name);
		return -1;
	}
	return 0;
}

static int du_open(struct conn *c)
{
	struct conn_dialup *d = calloc(1, sizeof(*d));
	if (!d)
		return -1;
	d->disc_fd = d->sess_fd = d->tun_fd = -1;
	c->mode = d;
	c->lk.mtu = 1492;
	bool v4 = c->cfg.use_ipv4 && c->fsm.mode == CONN_MODE_DIALUP;
	if (du_open_io(c) < 0 ||
	    conn_host_init(&c->host, c->cfg.name, c->lk.ifname, v4, c->cfg.use_ipv6, c->cfg.demand,
			   c->lk.mtu) < 0 ||
	    du_open_dp(c) < 0)
		return -1;
	conn_host_set_routes(&c->host, c->cfg.route_metric, c->cfg.route_table,
			     c->cfg.default_route);
	pppoe_disc_init(&d->disc, &c->cfg.disc, &du_disc_ops, c, c->rng, c->cfg.name);
	du_init_link(c);
	/* enabled=1: the interface and its routes exist before the session, and for IPv6 a source
	 * of ours: the link-local of the stable identifier and, once a session had one, its /64. */
	if (c->cfg.demand) {
		uint8_t prefix[8];
		uint16_t n = 0;
		bool has_prefix = conn_state_read(c, "prefix", prefix, sizeof(prefix), &n) == 0 &&
				  n == sizeof(prefix);
		if (conn_host_demand(&c->host) < 0 ||
		    conn_host_demand6(&c->host, d->link.cfg.iid, has_prefix ? prefix : NULL) < 0)
			return -1;
	}
	return 0;
}

static void du_close(struct conn *c)
{
	struct conn_dialup *d = du(c);
	if (!d)
		return;
	if (d->dp) {
		loop_del_fd(c->loop, dp_control_fd(d->dp));
		loop_del_fd(c->loop, dp_demand_fd(d->dp));
		dp_free(d->dp);
	}
	if (d->disc_fd >= 0) {
		loop_del_fd(c->loop, d->disc_fd);
		close(d->disc_fd);
	}
	conn_host_undo_all(&c->host);
	if (c->host.has_mtu_rec)
		conn_mtu_record_clear(&c->cfg);
	if (d->sess_fd >= 0)
		close(d->sess_fd);
	if (d->tun_fd >= 0)
		close(d->tun_fd);
	ppp_link_reset(&d->link);
	sodium_memzero(d, sizeof(*d));
	free(d);
	c->mode = NULL;
}

static void du_dial(struct conn *c, uint64_t now)
{
	struct conn_dialup *d = du(c);
	d->n_ctl_dropped += ppp_link_rx_dropped(&d->link); /* its counters restart */
	ppp_link_reset(&d->link);
	du_payload_prepare(c);
	d->session_max = 0;
	pppoe_disc_start(&d->disc, now);
}

static void du_hangup(struct conn *c, const char *why, uint64_t now)
{
	if (c->lk.v6_up)
		conn_v6_release(c, now);
	ppp_link_close(&du(c)->link, why, now);
}

static void du_abort(struct conn *c, const char *why, uint64_t now)
{
	(void)why;
	ppp_link_lower_down(&du(c)->link, now);
	du_teardown(c, now);
}

static void du_set_demand(struct conn *c, bool on)
{
	dp_set_demand(du(c)->dp, on);
}

static void du_ipv4_decided(struct conn *c, bool lan, uint64_t now)
{
	if (!c->cfg.use_ipv4)
		return;
	if (!lan) {
		ppp_link_release_ipv4(&du(c)->link, now);
		return;
	}
	log_info("conn[%s]: a DHCPv4 server answered on %s: IPv4 stays there (mixed mode)",
		 c->cfg.name, c->lk.eth.name);
	ppp_link_disable_ipv4(&du(c)->link, now);
	conn_host_ipv4_lan(&c->host);
}

/* Data received on the session proves the peer alive as an Echo-Reply would (pppd's
 * lcp-echo-adaptive): a saturated downlink that delays the replies is no reason to hang up. */
static void du_rx_activity(struct conn_dialup *d)
{
	struct dp_stats st;
	dp_get_stats(d->dp, &st);
	if (st.last_rx_ms <= d->rx_seen_ms)
		return;
	d->rx_seen_ms = st.last_rx_ms;
	ppp_link_rx_activity(&d->link);
}

static void du_on_timer(struct conn *c, uint64_t now)
{
	struct conn_dialup *d = du(c);
	du_rx_activity(d);
	if (pppoe_disc_next_deadline(&d->disc) <= now)
		pppoe_disc_on_timer(&d->disc, now);
	if (ppp_link_next_deadline(&d->link) <= now)
		ppp_link_on_timer(&d->link, now);
	if (d->has_nd && nd_ra_next_deadline(&d->nd) <= now)
		nd_ra_on_timer(&d->nd, now);
}

static uint64_t du_next_deadline(const struct conn *c)
{
	const struct conn_dialup *d = du(c);
	uint64_t t = clock_min(pppoe_disc_next_deadline(&d->disc), ppp_link_next_deadline(&d->link));
	return d->has_nd ? clock_min(t, nd_ra_next_deadline(&d->nd)) : t;
}

static void du_stats(const struct conn *c, struct dp_stats *st)
{
	const struct conn_dialup *d = du(c);
	dp_get_stats(d->dp, st);
	st->drops[DP_DROP_CONTROL] =
		d->n_ctl_dropped + ppp_link_rx_dropped(&d->link) + d->disc.n_ignored;
}

static uint64_t du_last_activity(const struct conn *c)
{
	struct dp_stats st;
	dp_get_stats(du(c)->dp, &st);
	return st.last_tx_ms > st.last_rx_ms ? st.last_tx_ms : st.last_rx_ms;
}

static struct dataplane *du_dataplane(const struct conn *c)
{
	return du(c)->dp;
}

static void du_send_dhcp6(struct conn *c, const uint8_t *msg, size_t len)
{
	uint8_t pkt[1500];
	int n = dhcp6_build_udp6(c->host.v6_ll, du_all_dhcp, 546, 547, msg, len, pkt, sizeof(pkt));
	if (n > 0)
		du_send_ppp(c, PPP_PROTO_IPV6, pkt, (size_t)n);
}

static void du_ra_dns(const struct conn *c, struct dns_servers *d)
{
	const struct conn_dialup *m = du(c);
	size_t n = 0, n_search = 0;
	if (!m || !m->has_nd)
		return;
	const struct nd_ra_dns *rd = nd_ra_dns(&m->nd, &n);
	const struct nd_ra_search *rs = nd_ra_search(&m->nd, &n_search);
	for (size_t i = 0; i < n; i++)
		dns_servers_add(d, AF_INET6, rd[i].addr);
	for (size_t i = 0; i < n_search; i++)
		dns_servers_add_domain(d, rs[i].name);
}

static bool du_xlat_divert(void *ctx, const uint8_t *pkt, size_t len)
{
	return xlat_input6(ctx, pkt, len);
}

static int du_nat46_attach(struct conn *c, struct xlat *x)
{
	dp_set_divert6(du(c)->dp, du_xlat_divert, x);
	return 0;
}

static void du_nat46_detach(struct conn *c)
{
	dp_set_divert6(du(c)->dp, NULL, NULL);
}

static long long du_left(uint64_t until, uint64_t now)
{
	if (until == V6L_NEVER)
		return -1;
	return until > now ? (long long)((until - now) / 1000u) : 0;
}

static void du_status_json(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	const struct conn_dialup *d = du(c);
	char a[INET6_ADDRSTRLEN];
	bool nd = d && d->has_nd;
	sb_printf(sb, "\"routers\":[");
	for (unsigned i = 0; nd && i < d->nd.n_routers; i++)
		sb_printf(sb, "%s{\"address\":\"%s\",\"lifetime\":%lld,\"preference\":\"%s\"}",
			  i ? "," : "", inet_ntop(AF_INET6, d->nd.routers[i].addr, a, sizeof(a)),
			  du_left(d->nd.routers[i].until_ms, now), nd_prf_name(d->nd.routers[i].prf));
	sb_printf(sb, "],\"pref64\":[");
	for (unsigned i = 0; nd && i < d->nd.n_pref64; i++)
		sb_printf(sb, "%s\"%s/%u\"", i ? "," : "",
			  inet_ntop(AF_INET6, d->nd.pref64[i].prefix, a, sizeof(a)),
			  d->nd.pref64[i].plen);
	sb_printf(sb, "],\"ra\":{\"state\":\"%s\",\"managed\":%s,\"other\":%s,\"mtu\":%u}",
		  nd ? nd_ra_state_name(d->nd.state) : "idle",
		  nd && d->nd.is_managed ? "true" : "false", nd && d->nd.is_other ? "true" : "false",
		  nd ? d->nd.mtu : 0);
}

static void du_status_text(const struct conn *c, struct strbuf *sb, uint64_t now)
{
	const struct conn_dialup *d = du(c);
	(void)now;
	if (d && c->lk.has_session && d->mtu_why[0])
		sb_printf(sb, "  %-12s %s\n", "mtu", d->mtu_why);
}

const struct conn_mode_ops conn_mode_dialup = {
	.name = "dial-up",
	.open = du_open,
	.close = du_close,
	.dial = du_dial,
	.hangup = du_hangup,
	.abort = du_abort,
	.set_demand = du_set_demand,
	.ipv4_decided = du_ipv4_decided,
	.on_timer = du_on_timer,
	.next_deadline = du_next_deadline,
	.last_activity = du_last_activity,
	.stats = du_stats,
	.dataplane = du_dataplane,
	/* v6link does DAD on the link itself (IPv6CP made the identifier unique, RFC 5072 §5). */
	.v6_addr_flags = IFA_F_NODAD,
	.send_dhcp6 = du_send_dhcp6,
	.v6_changed = du_publish,
	.ra_dns = du_ra_dns,
	.nat46_attach = du_nat46_attach,
	.nat46_detach = du_nat46_detach,
	.status_json = du_status_json,
	.status_text = du_status_text,
};
