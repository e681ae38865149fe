/* Connection orchestration; see conn.h. The protocol state machines are pure; this file wires
 * their ops to the sockets, the data plane and the host, and owns redial and demand policy. */
#include "engine/conn.h"
#include "engine/conn_priv.h"
#include "engine/conn_v6.h"

#include "core/clock.h"
#include "core/log.h"
#include "engine/conn_trace.h"
#include "engine/detect.h"
#include "hostcfg/tun.h"

#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CONN_TERM_WAIT_MS 3000u /* LCP Terminate-Request retransmissions before forcing PADT */
#define CONN_IDLE_TICK_MS 1000u
#define CONN_DETECT_RETRY_MS 30000u /* nothing answered detection: probe again after this */

static void conn_teardown(struct conn *c, const char *why, uint64_t now);

const char *conn_state_name(enum conn_state s)
{
	switch (s) {
	case CONN_IDLE: return "idle";
	case CONN_DETECTING: return "detecting";
	case CONN_DISCOVERY: return "discovery";
	case CONN_AUTH: return "authenticating";
	case CONN_NETWORK: return "network";
	case CONN_UP: return "up";
	case CONN_TERMINATING: return "terminating";
	}
	return "?";
}

const char *conn_mode_name(enum conn_mode m)
{
	switch (m) {
	case CONN_MODE_UNKNOWN: return "detecting";
	case CONN_MODE_DIALUP: return "dial-up";
	case CONN_MODE_MIXED: return "mixed";
	case CONN_MODE_ROUTER: return "router";
	}
	return "?";
}

static bool conn_is_ppp(const struct conn *c)
{
	return c->is_open && (c->mode == CONN_MODE_DIALUP || c->mode == CONN_MODE_MIXED);
}

const char *conn_name(const struct conn *c)
{
	return c->cfg.name;
}

bool conn_is_idle(const struct conn *c)
{
	return c->state == CONN_IDLE;
}

void conn_enter(struct conn *c, enum conn_state s, uint64_t now, const char *why)
{
	if (c->state != s)
		log_info("conn[%s]: %s -> %s (%s)", c->cfg.name, conn_state_name(c->state),
			 conn_state_name(s), why);
	if (c->state != s)
		conn_trace_event(c, "%s -> %s (%s)", conn_state_name(c->state), conn_state_name(s), why);
	c->state = s;
	c->since_ms = now;
	snprintf(c->why, sizeof(c->why), "%s", why);
	if (s == CONN_IDLE && c->nat.close_on_idle) {
		c->nat.close_on_idle = false;
		conn_nat46_close(c);
	}
	if (s == CONN_IDLE && c->stopped_cb && !c->want_up) {
		conn_stopped_cb cb = c->stopped_cb;
		c->stopped_cb = NULL;
		cb(c->stopped_ctx, c);
	}
}

/* --- PPPoE discovery ops --- */

static void conn_disc_send(void *ctx, const uint8_t dst[6], const uint8_t *pkt, size_t len)
{
	struct conn *c = ctx;
	uint8_t frame[1600];
	struct pppoe_eth_hdr h = { .has_vlan = c->cfg.has_vlan, .vlan_id = c->cfg.vlan_id,
				   .priority = c->cfg.prio, .ethertype = PPPOE_ETHERTYPE_DISC };
	memcpy(h.dst, dst, 6);
	memcpy(h.src, c->eth.mac, 6);
	int hl = pppoe_eth_build(&h, frame, sizeof(frame));
	if (hl < 0 || len > sizeof(frame) - (size_t)hl)
		return;
	memcpy(frame + hl, pkt, len);
	struct dp_wire w = { .frame = frame, .len = (size_t)hl + len };
	conn_trace_eth(c, true, &w, NULL);
	if (pkt_send(c->disc_fd, c->eth.ifindex, frame, (size_t)hl + len) < 0)
		log_warn("pppoe[%s]: send on %s", c->cfg.name, c->eth.name);
}

static void conn_publish_dp(struct conn *c)
{
	dp_set_session(c->dp, &c->dps);
}

static void conn_disc_on_session(void *ctx, uint16_t sid, const uint8_t ac_mac[6],
				 const struct pppoe_session_info *info)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	snprintf(c->ac_name, sizeof(c->ac_name), "%s", info->ac_name ? info->ac_name : "");
	snprintf(c->service, sizeof(c->service), "%s", info->service ? info->service : "");
	c->has_session = true;
	c->dps.is_up = true;
	c->dps.session_id = sid;
	memcpy(c->dps.ac_mac, ac_mac, 6);
	/* RFC 4638: without a granted PPP-Max-Payload the session MTU stays at 1492. */
	uint16_t max = info->max_payload ? info->max_payload : 1492;
	ppp_link_set_max_mru(&c->link, max < c->cfg.mru ? max : c->cfg.mru);
	conn_publish_dp(c);
	log_debug(LOGC_PPPOE, "pppoe[%s]: AC MAC %02x:%02x:%02x:%02x:%02x:%02x", c->cfg.name,
		  ac_mac[0], ac_mac[1], ac_mac[2], ac_mac[3], ac_mac[4], ac_mac[5]);
	conn_enter(c, CONN_AUTH, now, "PPPoE session established; LCP negotiating");
	ppp_link_lower_up(&c->link, now);
	conn_reschedule(c);
}

static void conn_schedule_redial(struct conn *c, uint64_t now)
{
	if (!c->want_up || !c->cfg.persist) {
		c->want_up = c->want_up && c->cfg.persist;
		c->redial_at_ms = V6L_NEVER;
		return;
	}
	unsigned delay = c->cfg.redial_delay_s ? c->cfg.redial_delay_s : 1;
	for (unsigned i = 1; i < c->n_fail && delay < c->cfg.redial_delay_max_s; i++)
		delay *= 2;
	if (delay > c->cfg.redial_delay_max_s)
		delay = c->cfg.redial_delay_max_s;
	c->redial_at_ms = now + (uint64_t)delay * 1000u;
	log_info("conn[%s]: redialling in %u s (attempt %u)", c->cfg.name, delay, c->n_fail + 1);
}

static void conn_disc_on_failed(void *ctx, const char *why)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	snprintf(c->last_error, sizeof(c->last_error), "discovery failed: %s", why);
	c->n_fail++;
	conn_schedule_redial(c, now);
	conn_enter(c, CONN_IDLE, now, c->last_error);
	conn_reschedule(c);
}

static void conn_disc_on_terminated(void *ctx, const char *why)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	/* An AC ends a session it refused with a PADT: keep the first, more telling reason. */
	if (!c->last_error[0])
		snprintf(c->last_error, sizeof(c->last_error), "%s", why);
	ppp_link_lower_down(&c->link, now);
	conn_teardown(c, why, now);
}

static const struct pppoe_disc_ops conn_disc_ops = {
	.send = conn_disc_send,
	.on_session = conn_disc_on_session,
	.on_failed = conn_disc_on_failed,
	.on_terminated = conn_disc_on_terminated,
};

/* --- PPP link ops --- */

void conn_send_ppp(struct conn *c, uint16_t proto, const uint8_t *buf, size_t len)
{
	if (dp_send_control(c->dp, proto, buf, len) < 0) {
		log_debug(LOGC_PPP, "ppp[%s]: send %s: %s", c->cfg.name, ppp_proto_name(proto),
			  strerror(errno));
		return;
	}
	struct dp_wire w = { .frame = NULL };
	w.frame = dp_control_last_tx(c->dp, &w.len);
	conn_trace_eth(c, true, &w, NULL);
}

static void conn_ppp_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	conn_send_ppp(ctx, proto, buf, len);
}

static void conn_ppp_on_phase(void *ctx, enum ppp_phase phase, const char *why)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	switch (phase) {
	case PPP_PHASE_ESTABLISH:
	case PPP_PHASE_AUTHENTICATE:
		conn_enter(c, CONN_AUTH, now, why);
		break;
	case PPP_PHASE_NETWORK:
		if (c->state != CONN_UP)
			conn_enter(c, CONN_NETWORK, now, why);
		break;
	case PPP_PHASE_TERMINATE:
		if (c->state != CONN_TERMINATING)
			c->term_deadline_ms = now + CONN_TERM_WAIT_MS;
		conn_enter(c, CONN_TERMINATING, now, why);
		break;
	case PPP_PHASE_DEAD:
		break;
	}
}

static void conn_sync_dp_addrs(struct conn *c)
{
	c->dps.ipv4_up = c->v4_up;
	c->dps.ipv6_up = c->v6_up;
	if (c->v4_up)
		memcpy(c->dps.ipv4_local, c->v4.local, 4);
	c->dps.mtu = ppp_link_peer_mru(&c->link);
	conn_v6_publish(c);
}

static void conn_mark_up(struct conn *c, uint64_t now, const char *why)
{
	if (c->state != CONN_UP) {
		c->up_since_ms = now;
		c->n_fail = 0;
		c->last_error[0] = 0;
		conn_enter(c, CONN_UP, now, why);
		conn_hook(c, "up", NULL);
	}
}

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
	if (c->has_session) {
		for (int i = 0; i < 2; i++)
			if (conn_nonzero(c->cfg.ipv6_dns[i], 16))
				dns_servers_add(&d, AF_INET6, c->cfg.ipv6_dns[i]);
	}
	if (c->v4_up && conn_nonzero(c->v4.dns1, 4))
		dns_servers_add(&d, AF_INET, c->v4.dns1);
	if (c->v4_up && conn_nonzero(c->v4.dns2, 4))
		dns_servers_add(&d, AF_INET, c->v4.dns2);
	if (c->v6_up)
		conn_v6_dns(c, &d);
	/* The proxy needs the servers even when the resolver is not ours to configure (dns=0). */
	conn_nat46_dns(c, &d);
	if (!c->cfg.dns)
		return;
	if (d.n == 0) {
		bool was = c->dns.is_applied;
		dns_undo(&c->dns);
		memset(&c->dns_applied, 0, sizeof(c->dns_applied));
		if (was)
			conn_hook(c, "dns-changed", NULL);
		return;
	}
	if (c->dns.is_applied && dns_servers_equal(&d, &c->dns_applied))
		return;
	if (dns_apply(&c->dns, &d, c->cfg.name) == 0) {
		c->dns_applied = d;
		conn_hook(c, "dns-changed", NULL);
	}
}

static void conn_ppp_on_ipcp_up(void *ctx, const struct ipcp_result *r)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	c->v4 = *r;
	if (conn_host_ipv4_up(&c->host, c->v4.local, c->v4.peer, ppp_link_peer_mru(&c->link)) < 0) {
		log_warnx("conn[%s]: IPv4 host configuration failed; hanging up", c->cfg.name);
		ppp_link_close(&c->link, "host configuration failed", now);
		return;
	}
	c->v4_up = true;
	conn_sync_dp_addrs(c);
	conn_dns_update(c);
	conn_mark_up(c, now, "IPCP up");
	conn_hook(c, "ipv4-up", NULL);
	conn_reschedule(c);
}

static void conn_ppp_on_ipcp_down(void *ctx)
{
	struct conn *c = ctx;
	c->v4_up = false;
	conn_host_ipv4_down(&c->host);
	conn_sync_dp_addrs(c);
	conn_dns_update(c);
}

static void conn_ppp_on_ipv6cp_up(void *ctx, const struct ipv6cp_result *r)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	c->v6 = *r;
	if (conn_host_ipv6_up(&c->host, r->our_iid, ppp_link_peer_mru(&c->link)) < 0) {
		log_warnx("conn[%s]: IPv6 host configuration failed; hanging up", c->cfg.name);
		ppp_link_close(&c->link, "host configuration failed", now);
		return;
	}
	c->v6_up = true;
	conn_sync_dp_addrs(c);
	conn_v6_up(c, now);
	conn_mark_up(c, now, "IPv6CP up");
	conn_hook(c, "ipv6-up", NULL);
	conn_reschedule(c);
}

static void conn_ppp_on_ipv6cp_down(void *ctx)
{
	struct conn *c = ctx;
	c->v6_up = false;
	conn_v6_down(c, clock_now_ms());
	conn_host_ipv6_down(&c->host);
	conn_sync_dp_addrs(c);
	conn_dns_update(c);
}

static void conn_ppp_on_auth_failed(void *ctx, const char *msg)
{
	struct conn *c = ctx;
	log_warnx("auth[%s]: login as '%s' refused: %s", c->cfg.name, c->cfg.user, msg);
	snprintf(c->last_error, sizeof(c->last_error), "authentication failed: %s", msg);
}

static void conn_ppp_on_link_down(void *ctx, const char *why)
{
	struct conn *c = ctx;
	conn_teardown(c, why, clock_now_ms());
}

static const struct ppp_link_ops conn_ppp_ops = {
	.send = conn_ppp_send,
	.on_phase = conn_ppp_on_phase,
	.on_ipcp_up = conn_ppp_on_ipcp_up,
	.on_ipcp_down = conn_ppp_on_ipcp_down,
	.on_ipv6cp_up = conn_ppp_on_ipv6cp_up,
	.on_ipv6cp_down = conn_ppp_on_ipv6cp_down,
	.on_auth_failed = conn_ppp_on_auth_failed,
	.on_link_down = conn_ppp_on_link_down,
};

/* Ends the session (PADT if it still exists), removes what the session added to the host and
 * decides between redial, demand and idle. */
static void conn_teardown(struct conn *c, const char *why, uint64_t now)
{
	bool had_session = c->has_session || c->state != CONN_IDLE;
	if (c->disc.state == PPPOE_DISC_SESSION)
		pppoe_disc_stop(&c->disc, now);
	c->has_session = false;
	if (c->v6_up)
		conn_v6_down(c, now);
	c->v4_up = c->v6_up = false;
	c->dps.is_up = c->dps.ipv4_up = c->dps.ipv6_up = false;
	conn_publish_dp(c);
	conn_dns_update(c);
	conn_host_session_down(&c->host);
	if (!had_session)
		return;
	if (c->state != CONN_UP)
		c->n_fail++;
	if (c->last_error[0] == 0 && c->want_up)
		snprintf(c->last_error, sizeof(c->last_error), "%s", why);
	conn_schedule_redial(c, now);
	if (c->cfg.demand && !c->want_up)
		dp_set_demand(c->dp, true);
	conn_enter(c, CONN_IDLE, now, why);
	char reason[CONN_WHY_MAX + 16];
	snprintf(reason, sizeof(reason), "V6LINK_REASON=%s", why);
	const char *extra[] = { reason, NULL };
	conn_hook(c, "down", extra);
	conn_reschedule(c);
}

static void conn_dial(struct conn *c, uint64_t now, const char *why)
{
	c->redial_at_ms = V6L_NEVER;
	dp_set_demand(c->dp, false);
	ppp_link_reset(&c->link);
	conn_enter(c, CONN_DISCOVERY, now, why);
	pppoe_disc_start(&c->disc, now);
	conn_reschedule(c);
}

static void conn_detect_start(struct conn *c, uint64_t now);
static int conn_open_mode(struct conn *c);
static void conn_close_mode(struct conn *c);

void conn_up(struct conn *c, const char *why, uint64_t now)
{
	c->want_up = true;
	c->n_fail = 0;
	/* A connection with enabled=0 opens its adapter, TUN and trace on the first `up`. */
	if (c->mode != CONN_MODE_UNKNOWN && !c->is_open) {
		log_info("conn[%s]: mode %s (%s)", c->cfg.name, conn_mode_name(c->mode), c->mode_why);
		if (conn_open_mode(c) < 0) {
			conn_close_mode(c);
			snprintf(c->last_error, sizeof(c->last_error), "cannot open %s mode on %s",
				 conn_mode_name(c->mode), c->cfg.eth_if);
			c->want_up = false;
			return;
		}
	}
	c->nat.close_on_idle = false;
	if (c->is_open && c->cfg.nat46 && !c->nat.is_on)
		conn_nat46_open(c); /* closed by `down`, or failed to open before */
	if (c->mode == CONN_MODE_UNKNOWN) {
		if (!c->det)
			conn_detect_start(c, now);
		return;
	}
	if (c->mode == CONN_MODE_ROUTER) {
		conn_router_up(c, now);
		return;
	}
	if (c->state == CONN_IDLE)
		conn_dial(c, now, why);
}

void conn_down(struct conn *c, const char *why, uint64_t now, conn_stopped_cb cb, void *ctx)
{
	c->want_up = false;
	c->redial_at_ms = V6L_NEVER;
	c->stopped_cb = cb;
	c->stopped_ctx = ctx;
	c->nat.close_on_idle = c->nat.is_on; /* NAT46 outlives redials, not a hang-up */
	if (c->mode == CONN_MODE_UNKNOWN || !c->is_open) {
		det_free(c->det);
		c->det = NULL;
		c->det_retry_at_ms = V6L_NEVER;
		conn_enter(c, CONN_IDLE, now, why);
		conn_reschedule(c);
		return;
	}
	if (c->mode == CONN_MODE_ROUTER) {
		conn_router_down(c, why, now);
		conn_enter(c, CONN_IDLE, now, why);
		conn_reschedule(c);
		return;
	}
	switch (c->state) {
	case CONN_IDLE:
		conn_enter(c, CONN_IDLE, now, why);
		break;
	case CONN_DETECTING:
	case CONN_DISCOVERY:
		pppoe_disc_stop(&c->disc, now);
		conn_enter(c, CONN_IDLE, now, why);
		break;
	case CONN_AUTH:
	case CONN_NETWORK:
	case CONN_UP:
	case CONN_TERMINATING:
		if (c->state != CONN_TERMINATING)
			c->term_deadline_ms = now + CONN_TERM_WAIT_MS;
		conn_enter(c, CONN_TERMINATING, now, why);
		if (c->v6_up)
			conn_v6_release(c, now);
		ppp_link_close(&c->link, why, now);
		break;
	}
	conn_reschedule(c);
}

/* --- timers and input --- */

static uint64_t conn_idle_deadline(struct conn *c)
{
	if (c->state != CONN_UP || !c->cfg.idle_timeout_s)
		return V6L_NEVER;
	struct dp_stats st;
	dp_get_stats(c->dp, &st);
	uint64_t last = c->up_since_ms;
	last = st.last_tx_ms > last ? st.last_tx_ms : last;
	last = st.last_rx_ms > last ? st.last_rx_ms : last;
	return last + (uint64_t)c->cfg.idle_timeout_s * 1000u;
}

void conn_reschedule(struct conn *c)
{
	uint64_t d = c->det_retry_at_ms;
	if (c->is_open && c->mode == CONN_MODE_ROUTER)
		d = clock_min(d, conn_router_next_deadline(c));
	if (!conn_is_ppp(c)) {
		loop_timer_set(c->loop, &c->timer, d);
		return;
	}
	d = clock_min(d, clock_min(pppoe_disc_next_deadline(&c->disc),
				   ppp_link_next_deadline(&c->link)));
	d = clock_min(d, c->redial_at_ms);
	if (c->v6_up)
		d = clock_min(d, conn_v6_next_deadline(c));
	if (c->state == CONN_TERMINATING)
		d = clock_min(d, c->term_deadline_ms);
	uint64_t idle = conn_idle_deadline(c);
	/* Idleness is polled: traffic moves the deadline without waking the control loop. */
	if (idle != V6L_NEVER)
		d = clock_min(d, idle < clock_now_ms() + CONN_IDLE_TICK_MS ? idle
									  : clock_now_ms() + CONN_IDLE_TICK_MS);
	loop_timer_set(c->loop, &c->timer, d);
}

static void conn_on_ppp_timer(struct conn *c, uint64_t now)
{
	if (pppoe_disc_next_deadline(&c->disc) <= now)
		pppoe_disc_on_timer(&c->disc, now);
	if (ppp_link_next_deadline(&c->link) <= now)
		ppp_link_on_timer(&c->link, now);
	if (c->v6_up)
		conn_v6_on_timer(c, now);
	if (c->state == CONN_TERMINATING && c->term_deadline_ms <= now) {
		ppp_link_lower_down(&c->link, now);
		conn_teardown(c, "LCP Terminate not completed in time", now);
	}
	if (c->state == CONN_IDLE && c->redial_at_ms <= now && c->want_up)
		conn_dial(c, now, "redial");
	uint64_t idle = conn_idle_deadline(c);
	if (idle <= now) {
		char why[64];
		snprintf(why, sizeof(why), "idle for %u s", c->cfg.idle_timeout_s);
		bool demand = c->cfg.demand;
		conn_down(c, why, now, NULL, NULL);
		if (demand)
			dp_set_demand(c->dp, true);
	}
}

static void conn_on_timer(void *arg, uint64_t now)
{
	struct conn *c = arg;
	if (c->det_retry_at_ms <= now) {
		c->det_retry_at_ms = V6L_NEVER;
		conn_detect_start(c, now);
	}
	if (c->is_open && c->mode == CONN_MODE_ROUTER)
		conn_router_on_timer(c, now);
	if (conn_is_ppp(c))
		conn_on_ppp_timer(c, now);
	conn_reschedule(c);
}

static void conn_on_disc_frame(void *arg, int fd, uint32_t ev)
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
			conn_trace_unknown(c, "PPPoE discovery frame that does not parse", &w);
			continue;
		}
		/* A shared segment (or a tagged frame) can bring unicast for other hosts: filter by
		 * MAC. A PADI from another client is broadcast and ignored by the FSM. */
		if (memcmp(eth.dst, c->eth.mac, 6) != 0)
			continue;
		conn_trace_eth(c, false, &w, NULL);
		pppoe_disc_on_packet(&c->disc, eth.src, &pkt, clock_now_ms());
	}
	conn_reschedule(c);
}

static bool conn_ppp_proto_known(uint16_t proto)
{
	static const uint16_t known[] = { 0xc021, 0xc023, 0xc223, 0x8021, 0x8057, 0x0021, 0x0057 };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (proto == known[i])
			return true;
	return false;
}

static void conn_on_control(void *ctx, uint16_t proto, const uint8_t *buf, size_t len,
			    const struct dp_wire *w)
{
	struct conn *c = ctx;
	conn_trace_eth(c, false, w, NULL);
	if (!conn_ppp_proto_known(proto)) {
		char what[48];
		snprintf(what, sizeof(what), "PPP protocol 0x%04x (Protocol-Reject sent)", proto);
		conn_trace_unknown(c, what, w);
	}
	if (proto == PPP_PROTO_IPV6) {
		if (c->v6_up)
			conn_v6_on_packet(c, buf, len, clock_now_ms());
		return;
	}
	ppp_link_on_packet(&c->link, proto, buf, len, clock_now_ms());
}

static void conn_on_ctl_fd(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	(void)fd;
	(void)ev;
	dp_control_drain(c->dp, conn_on_control, c);
	conn_reschedule(c);
}

static void conn_on_demand(void *arg, int fd, uint32_t ev)
{
	struct conn *c = arg;
	eventfd_t v;
	(void)ev;
	eventfd_read(fd, &v);
	if (c->state == CONN_IDLE)
		conn_up(c, "demand: the host sent a packet", clock_now_ms());
}

/* --- life cycle --- */

static int conn_open_io(struct conn *c)
{
	if (pkt_if_lookup(c->cfg.eth_if, &c->eth) < 0) {
		log_warn("conn[%s]: Ethernet adapter '%s'", c->cfg.name, c->cfg.eth_if);
		return -1;
	}
	bool tagged = c->cfg.has_vlan && c->cfg.vlan_id != 0;
	c->disc_fd = pkt_open(c->eth.ifindex, PPPOE_ETHERTYPE_DISC, tagged);
	c->sess_fd = pkt_open(c->eth.ifindex, PPPOE_ETHERTYPE_SESS, tagged);
	if (c->disc_fd < 0 || c->sess_fd < 0) {
		log_warn("conn[%s]: AF_PACKET socket on %s", c->cfg.name, c->eth.name);
		return -1;
	}
	snprintf(c->tun_name, sizeof(c->tun_name), "%s", c->cfg.tun_name);
	if (tun_open(c->tun_name, false, false, &c->tun_fd) < 0) {
		log_warn("conn[%s]: TUN device '%s'", c->cfg.name, c->cfg.tun_name);
		return -1;
	}
	return 0;
}

static int conn_open_dp(struct conn *c)
{
	c->dp = dp_new(c->tun_fd, c->sess_fd, c->eth.ifindex);
	if (!c->dp || dp_start(c->dp) < 0) {
		log_warn("conn[%s]: data plane", c->cfg.name);
		return -1;
	}
	if (loop_add_fd(c->loop, c->disc_fd, EPOLLIN, conn_on_disc_frame, c) < 0 ||
	    loop_add_fd(c->loop, dp_control_fd(c->dp), EPOLLIN, conn_on_ctl_fd, c) < 0 ||
	    loop_add_fd(c->loop, dp_demand_fd(c->dp), EPOLLIN, conn_on_demand, c) < 0) {
		log_warn("conn[%s]: event loop", c->cfg.name);
		return -1;
	}
	return 0;
}

static void conn_init_dps(struct conn *c)
{
	c->dps = (struct dp_session){
		.check_traffic = c->cfg.check_traffic,
		.mcast4_unicast = c->cfg.mcast4_unicast,
		.has_vlan = c->cfg.has_vlan,
		.vlan_tci = (uint16_t)(c->cfg.prio << 13 | c->cfg.vlan_id),
		.mtu = 1492,
	};
	memcpy(c->dps.our_mac, c->eth.mac, 6);
}

/* The IPv6CP interface identifier we propose, kept in CONN_STATE_DIR/NAME.iid so that the
 * link-local and SLAAC addresses stay the same across redials and restarts (RFC 5072 §4.1
 * allows any stable unique value; the peer can still Nak it). */
static void conn_stable_iid(struct conn *c, uint8_t iid[8])
{
	char path[256];
	uint16_t len = 0;
	snprintf(path, sizeof(path), "%s/%s.iid", CONN_STATE_DIR, c->cfg.name);
	if (conn_state_read(path, iid, 8, &len) == 0 && len == 8 && conn_nonzero(iid, 8))
		return;
	do {
		rng_bytes(c->rng, iid, 8);
		iid[0] &= 0xfd; /* RFC 4291 §2.5.1: u bit 0, not a universal identifier */
	} while (!conn_nonzero(iid, 8));
	if (conn_state_write(path, iid, 8) < 0)
		log_warn("conn[%s]: cannot store the interface identifier in %s", c->cfg.name, path);
}

static void conn_init_link(struct conn *c)
{
	struct ppp_link_cfg lc = {
		.conn = c->cfg.name,
		.mru = c->cfg.mru,
		/* Mixed mode: IPv4 stays with the adapter's DHCPv4 router, so no IPCP at all. */
		.use_ipv4 = c->cfg.use_ipv4 && c->mode == CONN_MODE_DIALUP,
		.use_ipv6 = c->cfg.use_ipv6,
		.want_dns = true,
		.echo_interval_ms = c->cfg.echo_interval_s * 1000u,
		.echo_failures = c->cfg.echo_failures,
		.auth_mask = c->cfg.auth_mask,
	};
	conn_stable_iid(c, lc.iid);
	snprintf(lc.user, sizeof(lc.user), "%s", c->cfg.user);
	snprintf(lc.secret, sizeof(lc.secret), "%s", c->cfg.secret);
	ppp_link_init(&c->link, &lc, &conn_ppp_ops, c, c->rng);
	sodium_memzero(lc.secret, sizeof(lc.secret));
}

/* Opens what the chosen mode needs: for dial-up and mixed the AF_PACKET sockets, the TUN, the
 * data plane and the PPP machines; for router mode see conn_router.c. 0 or -1 (logged). */
static int conn_open_mode(struct conn *c)
{
	if (c->mode == CONN_MODE_ROUTER) {
		if (conn_router_open(c) < 0)
			return -1;
		c->is_open = true;
		conn_trace_mode_open(c);
		conn_nat46_open(c);
		return 0;
	}
	bool v4 = c->cfg.use_ipv4 && c->mode == CONN_MODE_DIALUP;
	if (conn_open_io(c) < 0)
		return -1;
	if (conn_host_init(&c->host, c->cfg.name, c->tun_name, v4, c->cfg.use_ipv6, c->cfg.demand,
			   1492) < 0)
		return -1;
	conn_init_dps(c);
	dns_init(&c->dns, c->tun_name, NULL);
	if (conn_open_dp(c) < 0)
		return -1;
	pppoe_disc_init(&c->disc, &c->cfg.disc, &conn_disc_ops, c, c->rng, c->cfg.name);
	conn_init_link(c);
	c->is_open = true;
	conn_trace_mode_open(c);
	conn_nat46_open(c);
	return 0;
}

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

struct conn *conn_new(struct loop *l, const struct conn_cfg *cfg, struct v6l_rng *rng,
		      bool activate)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->loop = l;
	c->rng = rng;
	c->disc_fd = c->sess_fd = c->tun_fd = c->icmp_fd = c->d6_fd = c->nat.tun_fd = -1;
	c->redial_at_ms = V6L_NEVER;
	c->term_deadline_ms = V6L_NEVER;
	c->det_retry_at_ms = V6L_NEVER;
	c->since_ms = clock_now_ms();
	snprintf(c->why, sizeof(c->why), "started");
	snprintf(c->tun_name, sizeof(c->tun_name), "%s", c->cfg.tun_name);
	loop_timer_init(&c->timer, conn_on_timer, c);
	conn_trace_open(c);
	c->mode = conn_forced_mode(&c->cfg, c->mode_why, sizeof(c->mode_why));
	if (c->mode != CONN_MODE_UNKNOWN && activate) {
		log_info("conn[%s]: mode %s (%s)", c->cfg.name, conn_mode_name(c->mode), c->mode_why);
		if (conn_open_mode(c) < 0)
			goto fail;
	}
	return c;
fail:
	conn_free(c);
	return NULL;
}

static void conn_close_mode(struct conn *c)
{
	conn_trace_mode_close(c);
	/* A forced exit (the grace time ran out) can find IPv6 still up: undo it all the same. */
	if (c->v6_up && c->mode != CONN_MODE_ROUTER)
		conn_v6_down(c, clock_now_ms());
	if (c->mode == CONN_MODE_ROUTER)
		conn_router_close(c);
	if (c->dp) {
		loop_del_fd(c->loop, dp_control_fd(c->dp));
		loop_del_fd(c->loop, dp_demand_fd(c->dp));
		dp_free(c->dp);
		c->dp = NULL;
	}
	conn_nat46_close(c);
	if (c->disc_fd >= 0) {
		loop_del_fd(c->loop, c->disc_fd);
		close(c->disc_fd);
	}
	dns_undo(&c->dns);
	conn_host_undo_all(&c->host);
	if (c->sess_fd >= 0)
		close(c->sess_fd);
	if (c->tun_fd >= 0)
		close(c->tun_fd);
	c->disc_fd = c->sess_fd = c->tun_fd = -1;
	c->is_open = false;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	loop_timer_stop(c->loop, &c->timer);
	det_free(c->det);
	conn_close_mode(c);
	conn_trace_close(c);
	conn_hook_state_remove(c);
	if (c->link.rng) /* router mode and detection never made a PPP link */
		ppp_link_reset(&c->link);
	sodium_memzero(&c->link, sizeof(c->link));
	sodium_memzero(&c->cfg, sizeof(c->cfg));
	free(c);
}

/* Dial on demand or always on, once the mode is known. */
static void conn_start_mode(struct conn *c, uint64_t now_ms)
{
	if (c->mode == CONN_MODE_ROUTER) {
		if (c->cfg.demand || c->want_up)
			conn_up(c, "enabled=1", now_ms);
		return;
	}
	if (!c->cfg.demand)
		return;
	if (conn_host_demand(&c->host) < 0)
		return;
	/* enabled=1: the interface and routes exist before the session. Without an idle timeout
	 * the line is always on, so dial now; with one, the first packet dials (pppd's demand). */
	if (!c->cfg.idle_timeout_s) {
		conn_up(c, "enabled=1 (always on)", now_ms);
		return;
	}
	dp_set_demand(c->dp, true);
	log_info("conn[%s]: dial on demand armed on %s", c->cfg.name, c->tun_name);
	conn_enter(c, CONN_IDLE, now_ms, "waiting for traffic (dial on demand)");
}

/* --- detection (mode=auto) --- */

static void conn_on_detected(void *ctx)
{
	struct conn *c = ctx;
	uint64_t now = clock_now_ms();
	char why[CONN_WHY_MAX], ifname[16];
	enum det_mode m = det_choose(c->det, ifname, why, sizeof(why));
	/* The detector's fds are already off the loop; free it after this callback returns. */
	struct det *dt = c->det;
	c->det = NULL;
	det_free(dt);
	if (m == DET_NONE) {
		char w[CONN_WHY_MAX + 40];
		snprintf(w, sizeof(w), "%s; probing again in %u s", why, CONN_DETECT_RETRY_MS / 1000);
		log_warnx("conn[%s]: %s", c->cfg.name, w);
		snprintf(c->last_error, sizeof(c->last_error), "%s", why);
		c->det_retry_at_ms = now + CONN_DETECT_RETRY_MS;
		conn_enter(c, CONN_DETECTING, now, w);
		conn_reschedule(c);
		return;
	}
	c->mode = m == DET_ROUTER ? CONN_MODE_ROUTER :
		  m == DET_MIXED ? CONN_MODE_MIXED : CONN_MODE_DIALUP;
	snprintf(c->mode_why, sizeof(c->mode_why), "%s", why);
	snprintf(c->cfg.eth_if, sizeof(c->cfg.eth_if), "%s", ifname);
	log_info("conn[%s]: mode %s: %s", c->cfg.name, conn_mode_name(c->mode), why);
	if (conn_open_mode(c) < 0) {
		conn_close_mode(c);
		c->mode = CONN_MODE_UNKNOWN;
		snprintf(c->last_error, sizeof(c->last_error), "cannot open %s on %s", conn_mode_name(m == DET_ROUTER ? CONN_MODE_ROUTER : CONN_MODE_DIALUP), ifname);
		c->det_retry_at_ms = now + CONN_DETECT_RETRY_MS;
		conn_enter(c, CONN_DETECTING, now, c->last_error);
		conn_reschedule(c);
		return;
	}
	c->last_error[0] = 0;
	conn_enter(c, CONN_IDLE, now, why);
	bool want = c->want_up;
	if (c->is_started)
		conn_start_mode(c, now);
	if (want && c->state == CONN_IDLE)
		conn_up(c, "detection done", now);
	conn_reschedule(c);
}

static void conn_detect_start(struct conn *c, uint64_t now)
{
	struct det *dt = det_new(c->cfg.param, c->cfg.disc.timeout_ms, c->cfg.disc.tries);
	int rc = dt ? 0 : -1;
	if (!rc)
		rc = c->cfg.eth_if[0] ? det_add_if(dt, c->cfg.eth_if) : det_add_all(dt);
	if (!rc && !det_n_if(dt))
		rc = -1;
	/* run needs to wait for a DHCPv4 answer only when mixed mode could follow. */
	if (!rc)
		rc = det_start(dt, c->loop, true, conn_on_detected, c);
	if (rc < 0) {
		det_free(dt);
		snprintf(c->last_error, sizeof(c->last_error), "detection: no usable Ethernet adapter%s%s",
			 c->cfg.eth_if[0] ? " " : "", c->cfg.eth_if);
		log_warnx("conn[%s]: %s; trying again in %u s", c->cfg.name, c->last_error,
			  CONN_DETECT_RETRY_MS / 1000);
		c->det_retry_at_ms = now + CONN_DETECT_RETRY_MS;
		conn_enter(c, CONN_DETECTING, now, c->last_error);
		conn_reschedule(c);
		return;
	}
	c->det = dt;
	conn_enter(c, CONN_DETECTING, now, c->cfg.eth_if[0] ? "probing the adapter (mode=auto)"
							   : "probing every adapter (mode=auto)");
}

void conn_start(struct conn *c, uint64_t now_ms)
{
	c->is_started = true;
	if (c->mode == CONN_MODE_UNKNOWN) {
		if (c->cfg.demand && !c->det)
			conn_detect_start(c, now_ms);
		return;
	}
	conn_start_mode(c, now_ms);
}
