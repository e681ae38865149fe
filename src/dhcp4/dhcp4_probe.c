/* DHCPv4 detection probe: DISCOVER with a doubling retransmission timeout (to=/tr=), OFFERs
 * matched on xid and chaddr (RFC 2131 §4.4.1), one entry per server id, finish at the end of the
 * last wait. Never requests a lease. */
#include "dhcp4/dhcp4_probe.h"

#include <string.h>

#include "core/clock.h"
#include "core/log.h"

#define DHCP4_LOGC LOGC_HOST /* no DHCP category in core/log.h yet */

const char *dhcp4_probe_state_name(enum dhcp4_probe_state s)
{
	switch (s) {
	case DHCP4_PROBE_IDLE:
		return "idle";
	case DHCP4_PROBE_SELECTING:
		return "selecting";
	case DHCP4_PROBE_DONE:
		return "done";
	}
	return "?";
}

static const char *dhcp4_probe_conn(const struct dhcp4_probe *p)
{
	return p->cfg.name ? p->cfg.name : "-";
}

void dhcp4_probe_init(struct dhcp4_probe *p, const struct dhcp4_probe_cfg *cfg,
	const struct dhcp4_probe_ops *ops, void *ctx, struct v6l_rng *rng)
{
	memset(p, 0, sizeof(*p));
	p->state = DHCP4_PROBE_IDLE;
	p->cfg = *cfg;
	if (p->cfg.timeout_ms == 0)
		p->cfg.timeout_ms = DHCP4_PROBE_TIMEOUT_MS_DEFAULT;
	if (p->cfg.timeout_ms > DHCP4_PROBE_TIMEOUT_MS_MAX)
		p->cfg.timeout_ms = DHCP4_PROBE_TIMEOUT_MS_MAX;
	if (p->cfg.tries == 0)
		p->cfg.tries = DHCP4_PROBE_TRIES_DEFAULT;
	p->ops = ops;
	p->ctx = ctx;
	p->rng = rng;
	p->deadline_ms = V6L_NEVER;
}

/* Builds and sends one DISCOVER. secs counts from the first one (RFC 2131 §2, Table 5). The xid
 * stays the same for every retransmission so a late OFFER to an earlier copy still counts. */
static void dhcp4_probe_send(struct dhcp4_probe *p, uint64_t now_ms)
{
	struct dhcp4_msg m;
	uint8_t msg[DHCP4_MIN_LEN + 64], frame[DHCP4_PROBE_FRAME_MAX];
	uint64_t secs = (now_ms - p->start_ms) / 1000;
	dhcp4_discover_init(&m, p->cfg.mac, p->xid, secs > 0xffff ? 0xffff : (uint16_t)secs);
	int n = dhcp4_build(&m, msg, sizeof(msg));
	int fl = n < 0 ? -1 : dhcp4_build_frame(p->cfg.mac, msg, (size_t)n, frame, sizeof(frame));
	p->n_sent++;
	if (fl < 0) {
		log_warnx("dhcp4[%s]: cannot build DHCPDISCOVER", dhcp4_probe_conn(p));
		return;
	}
	p->stats.sent++;
	log_debug(DHCP4_LOGC, "dhcp4[%s]: send DHCPDISCOVER xid 0x%08x try %u/%u wait %u ms",
		dhcp4_probe_conn(p), p->xid, p->n_sent, p->cfg.tries, p->wait_ms);
	p->ops->send(p->ctx, frame, (size_t)fl);
}

/* The one transition function: entry actions, deadline, log. */
static void dhcp4_probe_enter(struct dhcp4_probe *p, enum dhcp4_probe_state s, uint64_t now_ms,
	const char *why)
{
	enum dhcp4_probe_state old = p->state;
	p->state = s;
	log_debug(DHCP4_LOGC, "dhcp4[%s]: %s -> %s (%s)", dhcp4_probe_conn(p),
		dhcp4_probe_state_name(old), dhcp4_probe_state_name(s), why);
	switch (s) {
	case DHCP4_PROBE_IDLE:
		p->deadline_ms = V6L_NEVER;
		break;
	case DHCP4_PROBE_SELECTING:
		p->xid = rng_u32(p->rng);
		p->n_sent = 0;
		p->n_offers = 0;
		p->start_ms = now_ms;
		p->wait_ms = p->cfg.timeout_ms;
		p->deadline_ms = now_ms + p->wait_ms;
		dhcp4_probe_send(p, now_ms);
		break;
	case DHCP4_PROBE_DONE:
		p->deadline_ms = V6L_NEVER;
		log_info("dhcp4[%s]: probe done: %zu DHCPv4 server(s) answered", dhcp4_probe_conn(p),
			p->n_offers);
		p->ops->on_done(p->ctx, p->offers, p->n_offers);
		break;
	}
}

void dhcp4_probe_start(struct dhcp4_probe *p, uint64_t now_ms)
{
	dhcp4_probe_enter(p, DHCP4_PROBE_SELECTING, now_ms, "start");
}

void dhcp4_probe_stop(struct dhcp4_probe *p, uint64_t now_ms)
{
	if (p->state != DHCP4_PROBE_IDLE)
		dhcp4_probe_enter(p, DHCP4_PROBE_IDLE, now_ms, "stopped");
}

void dhcp4_probe_on_timer(struct dhcp4_probe *p, uint64_t now_ms)
{
	if (p->state != DHCP4_PROBE_SELECTING || now_ms < p->deadline_ms)
		return;
	if (p->n_sent >= p->cfg.tries) {
		dhcp4_probe_enter(p, DHCP4_PROBE_DONE, now_ms, "last wait over");
		return;
	}
	uint32_t w = p->wait_ms * 2;
	p->wait_ms = w > DHCP4_PROBE_TIMEOUT_MS_MAX ? DHCP4_PROBE_TIMEOUT_MS_MAX : w;
	p->deadline_ms = now_ms + p->wait_ms;
	dhcp4_probe_send(p, now_ms);
}

uint64_t dhcp4_probe_next_deadline(const struct dhcp4_probe *p)
{
	return p->state == DHCP4_PROBE_SELECTING ? p->deadline_ms : V6L_NEVER;
}

/* Acceptance before action: a well-formed BOOTREPLY DHCPOFFER for our xid and chaddr with a
 * server id. Returns NULL when accepted, else why it was dropped (counted). */
static const char *dhcp4_probe_accept(struct dhcp4_probe *p, const struct dhcp4_msg *m)
{
	if (m->op != DHCP4_BOOTREPLY || m->msg_type != DHCP4_OFFER)
		return "not a DHCPOFFER";
	/* RFC 2131 §4.4.1: the client matches replies by xid; chaddr guards against other
	 * clients that happen to draw the same xid on the segment. */
	if (m->xid != p->xid)
		return "other xid";
	if (m->htype != DHCP4_HTYPE_ETHER || m->hlen != 6 || memcmp(m->chaddr, p->cfg.mac, 6) != 0)
		return "other chaddr";
	if (!m->has_server_id)
		return "no server identifier"; /* RFC 2131 Table 3: MUST in DHCPOFFER */
	return NULL;
}

static void dhcp4_probe_record(struct dhcp4_probe *p, const struct dhcp4_msg *m,
	const struct dhcp4_frame *f)
{
	size_t i = 0;
	while (i < p->n_offers && memcmp(p->offers[i].server_id, m->server_id, 4) != 0)
		i++;
	if (i == DHCP4_PROBE_MAX_OFFERS) {
		p->stats.dropped_full++;
		log_debug(DHCP4_LOGC, "dhcp4[%s]: DHCPOFFER ignored: %d servers already",
			dhcp4_probe_conn(p), DHCP4_PROBE_MAX_OFFERS);
		return;
	}
	if (i == p->n_offers)
		p->n_offers++;
	struct dhcp4_offer *o = &p->offers[i]; /* a repeat from the same server replaces it */
	memset(o, 0, sizeof(*o));
	memcpy(o->server_id, m->server_id, 4);
	memcpy(o->server_mac, f->src_mac, 6);
	memcpy(o->yiaddr, m->yiaddr, 4);
	o->has_subnet_mask = m->has_subnet_mask;
	memcpy(o->subnet_mask, m->subnet_mask, 4);
	o->has_lease_time = m->has_lease_time;
	o->lease_time_s = m->lease_time_s;
	o->n_routers = m->n_routers;
	memcpy(o->routers, m->routers, sizeof(o->routers));
	o->n_dns = m->n_dns;
	memcpy(o->dns, m->dns, sizeof(o->dns));
	memcpy(o->domain, m->domain, sizeof(o->domain));
	p->stats.offers++;
	log_debug(DHCP4_LOGC, "dhcp4[%s]: DHCPOFFER %u.%u.%u.%u from server %u.%u.%u.%u",
		dhcp4_probe_conn(p), m->yiaddr[0], m->yiaddr[1], m->yiaddr[2], m->yiaddr[3],
		m->server_id[0], m->server_id[1], m->server_id[2], m->server_id[3]);
}

void dhcp4_probe_on_frame(struct dhcp4_probe *p, const uint8_t *frame, size_t len,
	bool csum_partial, uint64_t now_ms)
{
	(void)now_ms;
	if (p->state != DHCP4_PROBE_SELECTING)
		return;
	struct dhcp4_frame f;
	struct dhcp4_msg m;
	enum dhcp4_err e = dhcp4_parse_frame(frame, len, csum_partial, &f);
	if (e == DHCP4_E_OK)
		e = dhcp4_parse(frame + f.payload_off, f.payload_len, &m);
	if (e != DHCP4_E_OK) {
		p->stats.dropped_parse++;
		log_debug(DHCP4_LOGC, "dhcp4[%s]: frame ignored: %s", dhcp4_probe_conn(p),
			dhcp4_err_str(e));
		return;
	}
	const char *why = dhcp4_probe_accept(p, &m);
	if (why) {
		p->stats.dropped_match++;
		log_debug(DHCP4_LOGC, "dhcp4[%s]: %s ignored: %s", dhcp4_probe_conn(p),
			dhcp4_msg_name(m.msg_type), why);
		return;
	}
	dhcp4_probe_record(p, &m, &f);
}
