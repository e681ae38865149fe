/* A connection: carries out what its policy (conn_fsm) decides through its mode's ops, and turns
 * the state changes into log lines, trace marks and hooks; see conn.h. */
#include "engine/conn.h"
#include "engine/conn_priv.h"

#include "core/clock.h"
#include "core/log.h"
#include "engine/detect.h"
#include "hostcfg/resolver.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Once an IPv6 router or DHCPv6 server answered the probes, a PADO may still come this long
 * (an access concentrator answers in milliseconds; PPPoE wins over router mode). */
#define CONN_DETECT_GRACE_MS 500u

const char *conn_name(const struct conn *c)
{
	return c->cfg.name;
}

bool conn_is_idle(const struct conn *c)
{
	return c->fsm.state == CONN_IDLE;
}

void conn_summary(const struct conn *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %s (%s)", c->cfg.name, conn_state_name(c->fsm.state), c->fsm.why);
}

struct dataplane *conn_dp(const struct conn *c)
{
	return c->ops && c->mode ? c->ops->dataplane(c) : NULL;
}

void conn_set_error(struct conn *c, const char *fmt, ...)
{
	char why[CONN_WHY_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	conn_fsm_set_error(&c->fsm, why);
}

static bool conn_state_has_session(enum conn_state s)
{
	return s != CONN_IDLE && s != CONN_DETECTING;
}

/* The state changes of the last event: log, trace, hooks. */
static void conn_report(struct conn *c)
{
	for (unsigned i = 0; i < c->fsm.n_trans; i++) {
		const struct conn_fsm_trans *t = &c->fsm.trans[i];
		log_info("conn[%s]: %s -> %s (%s)", c->cfg.name, conn_state_name(t->from),
			 conn_state_name(t->to), t->why);
		conn_trace_event(c, "%s -> %s (%s)", conn_state_name(t->from), conn_state_name(t->to),
				 t->why);
		if (t->to == CONN_UP) {
			conn_hook(c, "up", NULL);
		} else if (t->to == CONN_IDLE && conn_state_has_session(t->from)) {
			if (c->fsm.redial_at_ms != V6L_NEVER)
				log_info("conn[%s]: redialling in %llu s (attempt %u)", c->cfg.name,
					 (unsigned long long)((c->fsm.redial_at_ms - c->fsm.since_ms +
							       999) / 1000), c->fsm.n_fail + 1);
			char reason[CONN_WHY_MAX + 16];
			snprintf(reason, sizeof(reason), "V6LINK_REASON=%s", t->why);
			const char *extra[] = { reason, NULL };
			conn_hook(c, "down", extra);
		}
	}
	if (c->fsm.n_trans && c->own.on_state)
		c->own.on_state(c->own.ctx, c);
	c->fsm.n_trans = 0;
}

/* --- carrying out the policy's actions --- */

static void conn_step(struct conn *c, unsigned act, uint64_t now);

static const struct conn_mode_ops *conn_mode_ops_of(enum conn_mode m)
{
	switch (m) {
	case CONN_MODE_DIALUP:
	case CONN_MODE_MIXED:
		return &conn_mode_dialup;
	case CONN_MODE_ROUTER:
		return &conn_mode_router;
	case CONN_MODE_UNKNOWN:
		break;
	}
	return NULL;
}

static void conn_close_mode(struct conn *c, uint64_t now)
{
	if (!c->ops)
		return;
	if (c->mode)
		conn_trace_mode_close(c);
	conn_nat46_close(c);
	if (c->mode) {
		c->ops->abort(c, "closing", now);
		c->ops->close(c);
	}
	/* What a session left in the resolver went with it (conn_session_end); a forced exit
	 * clears the rest here. */
	resolver_clear(c->own.resolver, c->id);
	memset(&c->dns_applied, 0, sizeof(c->dns_applied));
	c->ops = NULL;
}

/* --- waiting for the adapter --- */

static void conn_on_link_event(void *arg, int fd, uint32_t ev);
static void conn_end_stale_session(struct conn *c);

/* The adapter is there (if= names it, or aidx=-1 finds one that is up); an adapter picked
 * for aidx=-1 is kept in cfg.eth_if. */
static bool conn_adapter_ready(struct conn *c)
{
	struct pkt_if ifc;
	if (c->cfg.eth_if[0])
		return pkt_if_lookup(c->cfg.eth_if, &ifc) == 0;
	if (c->fsm.mode == CONN_MODE_UNKNOWN)
		return det_pick_adapter(c->cfg.param, (char[16]){ 0 }) == 0;
	if (det_pick_adapter(c->cfg.param, c->cfg.eth_if) < 0)
		return false;
	log_info("conn[%s]: using adapter %s (aidx=-1)", c->cfg.name, c->cfg.eth_if);
	return true;
}

/* Links appearing and coming up are announced on RTMGRP_LINK: the wait costs nothing and ends
 * as soon as the adapter does. */
static void conn_watch_links(struct conn *c)
{
	if (c->link_fd >= 0)
		return;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    loop_add_fd(c->loop, fd, EPOLLIN, conn_on_link_event, c) < 0) {
		log_warn("conn[%s]: cannot watch for network adapters", c->cfg.name);
		if (fd >= 0)
			close(fd);
		return;
	}
	c->link_fd = fd;
	log_info("conn[%s]: waiting for adapter %s", c->cfg.name,
		 c->cfg.eth_if[0] ? c->cfg.eth_if : "(any Ethernet adapter that is up)");
}

static void conn_unwatch_links(struct conn *c)
{
	if (c->link_fd < 0)
		return;
	loop_del_fd(c->loop, c->link_fd);
	close(c->link_fd);
	c->link_fd = -1;
}

static void conn_on_link_event(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	uint8_t buf[8192];
	(void)ev;
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
	}
	if (!conn_adapter_ready(c))
		return;
	conn_unwatch_links(c);
	uint64_t now = clock_now_ms();
	conn_step(c, conn_fsm_on_adapter(&c->fsm, now), now);
}

static void conn_open_mode(struct conn *c, uint64_t now)
{
	if (!conn_adapter_ready(c)) {
		char why[CONN_WHY_MAX];
		snprintf(why, sizeof(why), "%s%s%s", c->cfg.eth_if[0] ? "no adapter " : "",
			 c->cfg.eth_if, c->cfg.eth_if[0] ? "; waiting for it" :
			 "no Ethernet adapter is up; waiting for one");
		conn_watch_links(c);
		conn_step(c, conn_fsm_on_opened(&c->fsm, false, why, now), now);
		return;
	}
	conn_end_stale_session(c);
	c->ops = conn_mode_ops_of(c->fsm.mode);
	log_info("conn[%s]: mode %s (%s)", c->cfg.name, conn_mode_name(c->fsm.mode), c->mode_why);
	if (c->ops->open(c) < 0) {
		char why[CONN_WHY_MAX];
		snprintf(why, sizeof(why), "cannot open %s mode on %s", c->ops->name,
			 c->cfg.eth_if[0] ? c->cfg.eth_if : "the adapter");
		c->ops->close(c);
		c->ops = NULL;
		memset(&c->lk, 0, sizeof(c->lk));
		conn_step(c, conn_fsm_on_opened(&c->fsm, false, why, now), now);
		return;
	}
	conn_trace_mode_open(c);
	conn_step(c, conn_fsm_on_opened(&c->fsm, true, c->mode_why, now), now);
}

static void conn_detect_start(struct conn *c, uint64_t now);
static void conn_detect_stop(struct conn *c);

static void conn_stopped(struct conn *c)
{
	conn_stopped_cb cb = c->stopped_cb;
	c->stopped_cb = NULL;
	if (cb)
		cb(c->stopped_ctx, c);
}

static void conn_step(struct conn *c, unsigned act, uint64_t now)
{
	conn_report(c);
	if (act & CONN_ACT_DETECT)
		conn_detect_start(c, now);
	if (act & CONN_ACT_DETECT_STOP)
		conn_detect_stop(c);
	if (act & CONN_ACT_OPEN)
		conn_open_mode(c, now);
	if (act & CONN_ACT_NAT46_ON)
		conn_nat46_open(c);
	if ((act & (CONN_ACT_IPV4_LAN | CONN_ACT_IPV4_PPP)) && c->ops->ipv4_decided)
		c->ops->ipv4_decided(c, act & CONN_ACT_IPV4_LAN, now);
	if ((act & CONN_ACT_DEMAND_OFF) && c->ops->set_demand)
		c->ops->set_demand(c, false);
	if (act & CONN_ACT_ABORT)
		c->ops->abort(c, c->fsm.why, now);
	if (act & CONN_ACT_DIAL)
		c->ops->dial(c, now);
	if (act & CONN_ACT_HANGUP)
		c->ops->hangup(c, c->fsm.why, now);
	if ((act & CONN_ACT_DEMAND_ON) && c->ops->set_demand) {
		c->ops->set_demand(c, true);
		log_info("conn[%s]: dial on demand armed on %s", c->cfg.name, c->lk.ifname);
	}
	if (act & CONN_ACT_NAT46_OFF)
		conn_nat46_close(c);
	if (act & (CONN_ACT_ABORT | CONN_ACT_HANGUP))
		conn_dns_update(c);
	if (act & CONN_ACT_STOPPED)
		conn_stopped(c);
	conn_reschedule(c);
}

/* --- what the mode reports --- */

void conn_session_progress(struct conn *c, enum conn_state s, const char *why, uint64_t now)
{
	conn_step(c, conn_fsm_on_progress(&c->fsm, s, why, now), now);
}

void conn_session_link_up(struct conn *c, const char *why, uint64_t now)
{
	conn_step(c, conn_fsm_on_link_up(&c->fsm, why, now), now);
}

void conn_session_end(struct conn *c, const char *why, uint64_t now)
{
	conn_session_record(c);
	conn_dns_update(c);
	conn_step(c, conn_fsm_on_session_end(&c->fsm, why, now), now);
}

void conn_on_demand_packet(struct conn *c, uint64_t now)
{
	conn_step(c, conn_fsm_on_demand(&c->fsm, now), now);
}

/* --- DNS --- */

static bool conn_nonzero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return true;
	return false;
}

/* Gathers every DNS server the connection knows (static ones first) and hands the set to the
 * host's resolver when it changed; an empty set restores the resolver. */
void conn_dns_update(struct conn *c)
{
	struct dns_servers d;
	memset(&d, 0, sizeof(d));
	if (c->lk.has_session)
		for (int i = 0; i < 2; i++)
			if (conn_nonzero(c->cfg.ipv6_dns[i], 16))
				dns_servers_add(&d, AF_INET6, c->cfg.ipv6_dns[i]);
	if (c->lk.v4_up && conn_nonzero(c->lk.v4.dns1, 4))
		dns_servers_add(&d, AF_INET, c->lk.v4.dns1);
	if (c->lk.v4_up && conn_nonzero(c->lk.v4.dns2, 4))
		dns_servers_add(&d, AF_INET, c->lk.v4.dns2);
	/* Mixed mode: IPv4 and its DNS server are the LAN's DHCPv4 router's (DESIGN.md "Modes"). */
	for (unsigned i = 0; c->lk.has_session && i < c->n_lan_dns4; i++)
		dns_servers_add(&d, AF_INET, c->lan_dns4[i]);
	if (c->v6.is_up)
		conn_v6_dns(c, &d);
	/* The proxy needs the servers even when the resolver is not ours to configure (dns=0). */
	conn_nat46_dns(c, &d);
	if (!c->cfg.dns)
		return;
	struct resolver *r = c->own.resolver;
	if (d.n == 0) {
		bool was = resolver_is_set(r, c->id);
		resolver_clear(r, c->id);
		memset(&c->dns_applied, 0, sizeof(c->dns_applied));
		if (was)
			conn_hook(c, "dns-changed", NULL);
		return;
	}
	if (resolver_is_set(r, c->id) && dns_servers_equal(&d, &c->dns_applied))
		return;
	if (resolver_set(r, c->id, c->cfg.name, c->lk.ifname, &d) == 0) {
		c->dns_applied = d;
		conn_hook(c, "dns-changed", NULL);
	}
}

/* --- timers --- */

void conn_reschedule(struct conn *c)
{
	uint64_t d = conn_fsm_next_deadline(&c->fsm);
	if (c->ops && c->mode)
		d = clock_min(d, c->ops->next_deadline(c));
	d = clock_min(d, conn_v6_next_deadline(c));
	loop_timer_set(c->loop, &c->timer, d);
}

static void conn_on_timer(void *arg, uint64_t now)
{
	struct conn *c = arg;
	if (c->ops && c->mode) {
		c->ops->on_timer(c, now);
		conn_fsm_on_activity(&c->fsm, c->ops->last_activity(c));
	}
	conn_v6_on_timer(c, now);
	conn_step(c, conn_fsm_on_timer(&c->fsm, now), now);
}

/* --- detection (mode=auto) --- */

static enum conn_mode conn_mode_of_det(enum det_mode m)
{
	switch (m) {
	case DET_DIALUP: return CONN_MODE_DIALUP;
	case DET_MIXED: return CONN_MODE_MIXED;
	case DET_ROUTER: return CONN_MODE_ROUTER;
	case DET_NONE: break;
	}
	return CONN_MODE_UNKNOWN;
}

/* The mode is known before detection ends: open it and dial now (conn_fsm decides). */
static void conn_on_settled(void *ctx, enum det_mode m, const char *ifname, const char *why)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	snprintf(c->mode_why, sizeof(c->mode_why), "%s", why);
	snprintf(c->cfg.eth_if, sizeof(c->cfg.eth_if), "%s", ifname);
	log_info("conn[%s]: %s", c->cfg.name, why);
	/* The adapter already routes IPv4 (a LAN router): until the DHCPv4 probe has had its time,
	 * IPCP must not put a default route over the session in front of it. On a bare PPPoE
	 * line IPCP starts at once. */
	c->hold_ipv4 = m == DET_DIALUP && c->cfg.param->allow_mixed_mode && c->det &&
		       det_has_ipv4_default(ifname);
	if (c->hold_ipv4)
		log_info("conn[%s]: %s already routes IPv4: IPCP waits for the DHCPv4 probe",
			 c->cfg.name, ifname);
	conn_step(c, conn_fsm_on_detected(&c->fsm, conn_mode_of_det(m), why, now), now);
}

/* Detection ended: nothing answered, or (after an early dial) whether a DHCPv4 server on the
 * adapter takes IPv4 (mixed mode). */
static void conn_on_detected(void *ctx)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	char why[CONN_WHY_MAX], ifname[16];
	uint8_t dns[2][4];
	unsigned n_dns;
	enum det_mode m = det_choose(c->det, ifname, why, sizeof(why));
	bool lan4 = c->fsm.mode != CONN_MODE_UNKNOWN &&
		    det_lan_ipv4(c->det, c->cfg.eth_if, dns, &n_dns, 2);
	/* The detector's fds are already off the loop; free it after this callback returns. */
	struct det *dt = c->det;
	c->det = NULL;
	det_free(dt);
	if (c->fsm.mode != CONN_MODE_UNKNOWN) {
		c->hold_ipv4 = false;
		if (lan4 && c->cfg.param->allow_mixed_mode) {
			c->n_lan_dns4 = n_dns;
			memcpy(c->lan_dns4, dns, sizeof(dns[0]) * n_dns);
			snprintf(c->mode_why, sizeof(c->mode_why), "a DHCPv4 server on %s answered too "
				 "(allow_mixed_mode=1): IPv4 stays there", c->cfg.eth_if);
			conn_step(c, conn_fsm_on_ipv4_lan(&c->fsm, now), now);
		} else {
			conn_step(c, conn_fsm_on_ipv4_ppp(&c->fsm, now), now);
		}
		return;
	}
	if (m == DET_NONE)
		log_warnx("conn[%s]: %s; probing again in %u s", c->cfg.name, why,
			  c->fsm.cfg.detect_retry_ms / 1000);
	else
		conn_on_settled(c, m, ifname, why);
	if (m == DET_NONE)
		conn_step(c, conn_fsm_on_detected(&c->fsm, CONN_MODE_UNKNOWN, why, now), now);
}

static void conn_detect_start(struct conn *c, uint64_t now)
{
	struct det *dt = det_new(c->cfg.param, c->cfg.disc.timeout_ms, c->cfg.disc.tries);
	int rc = dt ? 0 : -1;
	c->det_run = (struct det_run){
		.settled = conn_on_settled,
		.ac_filter = c->cfg.disc.ac_filter,
		.service = c->cfg.disc.service,
		.grace_ms = CONN_DETECT_GRACE_MS,
	};
	if (!rc)
		rc = c->cfg.eth_if[0] ? det_add_if(dt, c->cfg.eth_if) : det_add_all(dt);
	if (!rc && !det_n_if(dt))
		rc = -1;
	c->det = dt;
	if (!rc)
		rc = det_start(dt, c->loop, &c->det_run, conn_on_detected, c);
	if (rc < 0) {
		char why[CONN_WHY_MAX];
		conn_detect_stop(c);
		snprintf(why, sizeof(why), "detection: no usable Ethernet adapter%s%s",
			 c->cfg.eth_if[0] ? " " : "", c->cfg.eth_if);
		log_warnx("conn[%s]: %s; trying again in %u s or when one appears", c->cfg.name, why,
			  c->fsm.cfg.detect_retry_ms / 1000);
		conn_watch_links(c);
		conn_step(c, conn_fsm_on_detected(&c->fsm, CONN_MODE_UNKNOWN, why, now), now);
	}
}

static void conn_detect_stop(struct conn *c)
{
	det_free(c->det);
	c->det = NULL;
}

/* --- life cycle --- */

static enum conn_mode conn_forced_mode(const struct conn_cfg *cfg, char *why, size_t cap)
{
	switch ((enum cfg_mode)cfg->mode) {
	case CFG_MODE_DIALUP:
		snprintf(why, cap, "mode=dial-up in connections.ini");
		return CONN_MODE_DIALUP;
	case CFG_MODE_MIXED:
		snprintf(why, cap, "mode=mixed in connections.ini");
		return CONN_MODE_MIXED;
	case CFG_MODE_ROUTER:
		snprintf(why, cap, "mode=router in connections.ini");
		return CONN_MODE_ROUTER;
	case CFG_MODE_AUTO:
		break;
	}
	/* A VLAN only makes sense for PPPoE here: detection probes untagged. */
	if (cfg->has_vlan) {
		snprintf(why, cap, "vlan=/prio= in the dial string: PPPoE, no detection");
		return CONN_MODE_DIALUP;
	}
	return CONN_MODE_UNKNOWN;
}

/* A crash left a PPPoE session open: end it at the AC (RFC 2516 §5.5 PADT), so that an ISP that
 * allows one session per account lets us dial again. The record stays until the PADT went out:
 * an adapter that is not there yet gets it when it appears, before our own PADI. */
static void conn_end_stale_session(struct conn *c)
{
	const struct conn_session_rec *r = &c->stale;
	struct pkt_if ifc;
	static struct pppoe_disc_pkt p;
	uint8_t frame[128];
	if (!c->has_stale)
		return;
	memset(&p, 0, sizeof(p));
	p.code = PPPOE_CODE_PADT;
	p.session_id = r->session_id;
	struct pppoe_eth_hdr h = { .has_vlan = r->vlan_id || r->prio, .vlan_id = r->vlan_id,
				   .priority = r->prio, .ethertype = PPPOE_ETHERTYPE_DISC };
	memcpy(h.dst, r->ac_mac, 6);
	memcpy(h.src, r->our_mac, 6);
	int hl = pppoe_eth_build(&h, frame, sizeof(frame));
	int n = hl < 0 ? -1 : pppoe_disc_build(&p, frame + hl, sizeof(frame) - (size_t)hl);
	int fd = -1;
	if (n > 0 && pkt_if_lookup(r->adapter, &ifc) == 0)
		fd = pkt_open(ifc.ifindex, PPPOE_ETHERTYPE_DISC, false);
	bool sent = fd >= 0 && pkt_send(fd, ifc.ifindex, frame, (size_t)(hl + n)) == 0;
	if (fd >= 0)
		close(fd);
	if (!sent) {
		log_warn("conn[%s]: cannot end session %u on %s left by an earlier run yet",
			 c->cfg.name, r->session_id, r->adapter);
		return;
	}
	log_info("conn[%s]: PADT sent for session %u on %s, left open by an earlier run",
		 c->cfg.name, r->session_id, r->adapter);
	c->has_stale = false;
	conn_session_record_clear(&c->cfg);
}

struct conn *conn_new(struct loop *l, const struct conn_cfg *cfg, struct v6l_rng *rng,
		      const struct conn_shared *own, unsigned id)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->own = *own;
	c->id = id;
	c->link_fd = -1;
	c->loop = l;
	c->rng = rng;
	c->nat.tun_fd = -1;
	uint64_t now = clock_now_ms();
	struct conn_fsm_cfg fc = {
		.forced_mode = conn_forced_mode(&c->cfg, c->mode_why, sizeof(c->mode_why)),
		.demand = cfg->demand,
		.idle_timeout_s = cfg->idle_timeout_s,
		.persist = cfg->persist,
		.redial_delay_s = cfg->redial_delay_s,
		.redial_delay_max_s = cfg->redial_delay_max_s,
		.nat46 = cfg->nat46,
	};
	conn_fsm_init(&c->fsm, &fc, now);
	loop_timer_init(&c->timer, conn_on_timer, c);
	/* What a crash of the previous run left: its session at the AC, its state file. */
	c->has_stale = conn_session_record_read(&c->cfg, &c->stale) == 0;
	conn_end_stale_session(c);
	conn_mtu_record_recover(&c->cfg);
	conn_hook_state_remove(c);
	conn_trace_open(c);
	return c;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	loop_timer_stop(c->loop, &c->timer);
	conn_unwatch_links(c);
	conn_detect_stop(c);
	conn_close_mode(c, clock_now_ms());
	conn_trace_close(c);
	conn_hook_state_remove(c);
	conn_v6_free(c);
	sodium_memzero(&c->cfg, sizeof(c->cfg));
	free(c);
}

void conn_start(struct conn *c, bool activate, uint64_t now)
{
	conn_step(c, conn_fsm_start(&c->fsm, activate, now), now);
}

void conn_up(struct conn *c, const char *why, uint64_t now)
{
	conn_step(c, conn_fsm_up(&c->fsm, why, now), now);
}

void conn_down(struct conn *c, const char *why, bool stopping, uint64_t now, conn_stopped_cb cb,
	       void *ctx)
{
	c->stopped_cb = cb;
	c->stopped_ctx = ctx;
	conn_step(c, conn_fsm_down(&c->fsm, why, stopping, now), now);
}
