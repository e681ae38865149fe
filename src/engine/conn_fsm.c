/* The connection's policy; see conn_fsm.h. */
#include "engine/conn_fsm.h"

#include "core/clock.h"

#include <stdio.h>
#include <string.h>

#define CONN_FSM_TERM_WAIT_MS 3000u    /* LCP Terminate-Request retransmissions, then PADT */
#define CONN_FSM_DETECT_RETRY_MS 30000u

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

void conn_fsm_init(struct conn_fsm *f, const struct conn_fsm_cfg *cfg, uint64_t now)
{
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	if (!f->cfg.term_wait_ms)
		f->cfg.term_wait_ms = CONN_FSM_TERM_WAIT_MS;
	if (!f->cfg.detect_retry_ms)
		f->cfg.detect_retry_ms = CONN_FSM_DETECT_RETRY_MS;
	if (!f->cfg.redial_delay_s)
		f->cfg.redial_delay_s = 1;
	if (f->cfg.redial_delay_max_s < f->cfg.redial_delay_s)
		f->cfg.redial_delay_max_s = f->cfg.redial_delay_s;
	f->mode = cfg->forced_mode;
	f->state = CONN_IDLE;
	f->since_ms = now;
	snprintf(f->why, sizeof(f->why), "started");
	f->detect_at_ms = f->redial_at_ms = f->term_at_ms = V6L_NEVER;
}

void conn_fsm_set_error(struct conn_fsm *f, const char *why)
{
	snprintf(f->last_error, sizeof(f->last_error), "%s", why);
}

/* The one transition function: records old -> new (why) for the glue. */
static void conn_fsm_enter(struct conn_fsm *f, enum conn_state s, const char *why, uint64_t now)
{
	if (f->state != s && f->n_trans < CONN_FSM_MAX_TRANS) {
		struct conn_fsm_trans *t = &f->trans[f->n_trans++];
		t->from = f->state;
		t->to = s;
		snprintf(t->why, sizeof(t->why), "%s", why);
	}
	f->state = s;
	f->since_ms = now;
	snprintf(f->why, sizeof(f->why), "%s", why);
	if (s == CONN_UP)
		f->up_since_ms = f->last_activity_ms = now;
}

/* Every event starts a fresh list of transitions. */
static void conn_fsm_begin(struct conn_fsm *f)
{
	f->n_trans = 0;
}

static bool conn_fsm_is_ppp(const struct conn_fsm *f)
{
	return f->mode == CONN_MODE_DIALUP || f->mode == CONN_MODE_MIXED;
}

static unsigned conn_fsm_dial(struct conn_fsm *f, const char *why, uint64_t now)
{
	unsigned act = CONN_ACT_DIAL;
	if (f->is_demand_on)
		act |= CONN_ACT_DEMAND_OFF;
	f->is_demand_on = false;
	f->has_session = true;
	f->redial_at_ms = V6L_NEVER;
	f->term_at_ms = V6L_NEVER;
	conn_fsm_enter(f, conn_fsm_is_ppp(f) ? CONN_DISCOVERY : CONN_NETWORK, why, now);
	return act;
}

/* Dial on demand (the first packet dials) only makes sense over a session of our own. */
static bool conn_fsm_wants_demand(const struct conn_fsm *f)
{
	return f->cfg.demand && conn_fsm_is_ppp(f) && f->is_open && !f->want_up && !f->is_stopping;
}

/* The connection rests: back to idle, with what idle brings (demand, the stop notice). */
static unsigned conn_fsm_rest(struct conn_fsm *f, const char *why, uint64_t now)
{
	unsigned act = 0;
	conn_fsm_enter(f, CONN_IDLE, why, now);
	if (f->want_up)
		return 0;
	if (conn_fsm_wants_demand(f) && !f->is_demand_on) {
		f->is_demand_on = true;
		act |= CONN_ACT_DEMAND_ON;
	}
	if (f->close_nat46 && f->is_nat46_on) {
		f->is_nat46_on = false;
		act |= CONN_ACT_NAT46_OFF;
	}
	f->close_nat46 = false;
	if (f->notify_stopped) {
		f->notify_stopped = false;
		act |= CONN_ACT_STOPPED;
	}
	return act;
}

/* The open mode, once started: always on (demand without idle timeout, or router mode with
 * enabled=1), or armed for the first packet. */
static unsigned conn_fsm_run(struct conn_fsm *f, uint64_t now)
{
	unsigned act = 0;
	if (f->cfg.nat46 && !f->is_nat46_on) {
		f->is_nat46_on = true;
		act |= CONN_ACT_NAT46_ON;
	}
	if (f->is_started && f->cfg.demand && !f->want_up &&
	    (!conn_fsm_is_ppp(f) || !f->cfg.idle_timeout_s)) {
		f->want_up = true;
		f->n_fail = 0;
		snprintf(f->want_why, sizeof(f->want_why), "enabled=1 (always on)");
	}
	if (f->want_up && !f->has_session && f->redial_at_ms == V6L_NEVER)
		return act | conn_fsm_dial(f, f->want_why, now);
	if (!f->has_session && conn_fsm_wants_demand(f) && !f->is_demand_on) {
		f->is_demand_on = true;
		act |= CONN_ACT_DEMAND_ON;
		conn_fsm_enter(f, CONN_IDLE, "waiting for traffic (dial on demand)", now);
	}
	return act;
}

static unsigned conn_fsm_detect(struct conn_fsm *f, const char *why, uint64_t now)
{
	f->is_detecting = true;
	f->detect_at_ms = V6L_NEVER;
	conn_fsm_enter(f, CONN_DETECTING, why, now);
	return CONN_ACT_DETECT;
}

static unsigned conn_fsm_open(struct conn_fsm *f)
{
	if (f->is_open || f->is_opening)
		return 0;
	f->is_opening = true;
	return CONN_ACT_OPEN;
}

unsigned conn_fsm_start(struct conn_fsm *f, bool activate, uint64_t now)
{
	conn_fsm_begin(f);
	if (f->is_started)
		return 0;
	f->is_started = true;
	if (!activate && !f->cfg.demand)
		return 0;
	if (f->mode == CONN_MODE_UNKNOWN)
		return f->is_detecting ? 0 : conn_fsm_detect(f, "probing (mode=auto)", now);
	if (!f->is_open)
		return conn_fsm_open(f);
	return conn_fsm_run(f, now);
}

static unsigned conn_fsm_do_up(struct conn_fsm *f, const char *why, uint64_t now)
{
	snprintf(f->want_why, sizeof(f->want_why), "%s", why);
	f->want_up = true;
	f->n_fail = 0;
	f->redial_at_ms = V6L_NEVER;
	f->close_nat46 = false;
	f->notify_stopped = false;
	if (f->mode == CONN_MODE_UNKNOWN)
		return f->is_detecting ? 0 : conn_fsm_detect(f, why, now);
	if (!f->is_open)
		return conn_fsm_open(f);
	unsigned act = 0;
	if (f->cfg.nat46 && !f->is_nat46_on) {
		f->is_nat46_on = true;
		act |= CONN_ACT_NAT46_ON;
	}
	if (!f->has_session)
		act |= conn_fsm_dial(f, why, now);
	return act;
}

unsigned conn_fsm_up(struct conn_fsm *f, const char *why, uint64_t now)
{
	conn_fsm_begin(f);
	return conn_fsm_do_up(f, why, now);
}

static unsigned conn_fsm_do_down(struct conn_fsm *f, const char *why, bool stopping, uint64_t now)
{
	unsigned act = 0;
	f->want_up = false;
	f->redial_at_ms = V6L_NEVER;
	f->close_nat46 = true; /* NAT46 outlives redials, not a hang-up */
	f->notify_stopped = true;
	f->is_stopping = f->is_stopping || stopping;
	if (f->is_stopping && f->is_demand_on) {
		f->is_demand_on = false;
		act |= CONN_ACT_DEMAND_OFF;
	}
	if (f->is_detecting) {
		f->is_detecting = false;
		act |= CONN_ACT_DETECT_STOP;
	}
	f->detect_at_ms = V6L_NEVER;
	if (!f->has_session)
		return act | conn_fsm_rest(f, why, now);
	if (f->state == CONN_TERMINATING)
		return act;
	/* Before a session exists nothing needs an orderly goodbye. */
	if (f->state == CONN_DISCOVERY) {
		act |= CONN_ACT_ABORT;
		f->has_session = false;
		return act | conn_fsm_rest(f, why, now);
	}
	f->term_at_ms = now + f->cfg.term_wait_ms;
	conn_fsm_enter(f, CONN_TERMINATING, why, now);
	return act | CONN_ACT_HANGUP;
}

unsigned conn_fsm_down(struct conn_fsm *f, const char *why, bool stopping, uint64_t now)
{
	conn_fsm_begin(f);
	return conn_fsm_do_down(f, why, stopping, now);
}

unsigned conn_fsm_on_demand(struct conn_fsm *f, uint64_t now)
{
	conn_fsm_begin(f);
	if (!f->is_demand_on || f->has_session)
		return 0;
	return conn_fsm_do_up(f, "demand: the host sent a packet", now);
}

unsigned conn_fsm_on_detected(struct conn_fsm *f, enum conn_mode m, const char *why,
			      uint64_t now)
{
	conn_fsm_begin(f);
	if (!f->is_detecting)
		return 0;
	f->is_detecting = false;
	if (m == CONN_MODE_UNKNOWN) {
		conn_fsm_set_error(f, why);
		f->detect_at_ms = now + f->cfg.detect_retry_ms;
		conn_fsm_enter(f, CONN_DETECTING, why, now);
		return 0;
	}
	f->mode = m;
	snprintf(f->why, sizeof(f->why), "%s", why);
	return conn_fsm_open(f);
}

unsigned conn_fsm_on_ipv4_lan(struct conn_fsm *f, uint64_t now)
{
	(void)now;
	conn_fsm_begin(f);
	if (f->mode != CONN_MODE_DIALUP || f->cfg.forced_mode == CONN_MODE_DIALUP)
		return 0;
	f->mode = CONN_MODE_MIXED;
	return CONN_ACT_IPV4_LAN;
}

unsigned conn_fsm_on_ipv4_ppp(struct conn_fsm *f, uint64_t now)
{
	(void)now;
	conn_fsm_begin(f);
	return f->mode == CONN_MODE_DIALUP ? CONN_ACT_IPV4_PPP : 0;
}

unsigned conn_fsm_on_opened(struct conn_fsm *f, bool ok, const char *why, uint64_t now)
{
	conn_fsm_begin(f);
	if (!f->is_opening)
		return 0;
	f->is_opening = false;
	if (ok) {
		f->is_open = true;
		f->last_error[0] = 0;
		conn_fsm_enter(f, CONN_IDLE, why, now);
		return conn_fsm_run(f, now);
	}
	conn_fsm_set_error(f, why);
	if (f->cfg.forced_mode == CONN_MODE_UNKNOWN) {
		/* Detection chose it: the adapter may be back later, probe again then. */
		f->mode = CONN_MODE_UNKNOWN;
		f->detect_at_ms = now + f->cfg.detect_retry_ms;
		conn_fsm_enter(f, CONN_DETECTING, why, now);
		return 0;
	}
	/* A forced mode keeps the wish: the adapter may come (conn_fsm_on_adapter). */
	return conn_fsm_rest(f, why, now);
}

unsigned conn_fsm_on_adapter(struct conn_fsm *f, uint64_t now)
{
	conn_fsm_begin(f);
	if (f->mode == CONN_MODE_UNKNOWN) {
		if (f->is_detecting || f->detect_at_ms == V6L_NEVER)
			return 0;
		return conn_fsm_detect(f, "an adapter appeared: probing", now);
	}
	if (f->is_open || f->is_opening || !f->is_started || (!f->want_up && !f->cfg.demand))
		return 0;
	return conn_fsm_open(f);
}

unsigned conn_fsm_on_progress(struct conn_fsm *f, enum conn_state s, const char *why,
			      uint64_t now)
{
	conn_fsm_begin(f);
	if (!f->has_session)
		return 0;
	switch (s) {
	case CONN_AUTH:
		if (f->state == CONN_DISCOVERY || f->state == CONN_AUTH)
			conn_fsm_enter(f, CONN_AUTH, why, now);
		break;
	case CONN_NETWORK:
		if (f->state != CONN_TERMINATING)
			conn_fsm_enter(f, CONN_NETWORK, why, now);
		break;
	case CONN_TERMINATING:
		if (f->state != CONN_TERMINATING)
			f->term_at_ms = now + f->cfg.term_wait_ms;
		conn_fsm_enter(f, CONN_TERMINATING, why, now);
		break;
	case CONN_IDLE:
	case CONN_DETECTING:
	case CONN_DISCOVERY:
	case CONN_UP:
		break;
	}
	return 0;
}

unsigned conn_fsm_on_link_up(struct conn_fsm *f, const char *why, uint64_t now)
{
	conn_fsm_begin(f);
	if (!f->has_session || f->state == CONN_TERMINATING || f->state == CONN_UP)
		return 0;
	f->n_fail = 0;
	f->last_error[0] = 0;
	conn_fsm_enter(f, CONN_UP, why, now);
	return 0;
}

/* Doubling from redial_delay per consecutive failure, capped at redial_delay_max. */
static uint64_t conn_fsm_backoff_ms(const struct conn_fsm *f)
{
	uint64_t d = f->cfg.redial_delay_s;
	for (unsigned i = 1; i < f->n_fail && d < f->cfg.redial_delay_max_s; i++)
		d *= 2;
	if (d > f->cfg.redial_delay_max_s)
		d = f->cfg.redial_delay_max_s;
	return d * 1000u;
}

static unsigned conn_fsm_session_end(struct conn_fsm *f, const char *why, uint64_t now)
{
	if (!f->has_session)
		return 0;
	f->has_session = false;
	f->term_at_ms = V6L_NEVER;
	if (f->state != CONN_UP)
		f->n_fail++;
	if (f->want_up && !f->last_error[0])
		conn_fsm_set_error(f, why);
	if (f->want_up && f->cfg.persist && !f->is_stopping)
		f->redial_at_ms = now + conn_fsm_backoff_ms(f);
	else
		f->want_up = false;
	return conn_fsm_rest(f, why, now);
}

unsigned conn_fsm_on_session_end(struct conn_fsm *f, const char *why, uint64_t now)
{
	conn_fsm_begin(f);
	return conn_fsm_session_end(f, why, now);
}

void conn_fsm_on_activity(struct conn_fsm *f, uint64_t last_ms)
{
	if (last_ms > f->last_activity_ms)
		f->last_activity_ms = last_ms;
}

static uint64_t conn_fsm_idle_deadline(const struct conn_fsm *f)
{
	if (f->state != CONN_UP || !f->cfg.idle_timeout_s || !conn_fsm_is_ppp(f))
		return V6L_NEVER;
	return f->last_activity_ms + (uint64_t)f->cfg.idle_timeout_s * 1000u;
}

uint64_t conn_fsm_next_deadline(const struct conn_fsm *f)
{
	uint64_t d = clock_min(f->detect_at_ms, f->redial_at_ms);
	return clock_min(clock_min(d, f->term_at_ms), conn_fsm_idle_deadline(f));
}

/* The hang-up took too long: end it here, then as any other session end. */
static unsigned conn_fsm_term_expired(struct conn_fsm *f, uint64_t now)
{
	return CONN_ACT_ABORT | conn_fsm_session_end(f, "LCP Terminate not completed in time", now);
}

static unsigned conn_fsm_idle_expired(struct conn_fsm *f, uint64_t now)
{
	char why[64];
	snprintf(why, sizeof(why), "idle for %u s", f->cfg.idle_timeout_s);
	unsigned act = conn_fsm_do_down(f, why, false, now);
	/* Only `down` from the user waits to be told; idleness notifies no one. */
	f->notify_stopped = false;
	return act;
}

unsigned conn_fsm_on_timer(struct conn_fsm *f, uint64_t now)
{
	conn_fsm_begin(f);
	unsigned act = 0;
	if (f->detect_at_ms <= now) {
		f->detect_at_ms = V6L_NEVER;
		if (f->mode == CONN_MODE_UNKNOWN && !f->is_detecting)
			act |= conn_fsm_detect(f, "probing again", now);
	}
	if (f->term_at_ms <= now && f->state == CONN_TERMINATING)
		act |= conn_fsm_term_expired(f, now);
	if (f->redial_at_ms <= now) {
		f->redial_at_ms = V6L_NEVER;
		if (f->want_up && !f->has_session && f->is_open)
			act |= conn_fsm_dial(f, "redial", now);
	}
	if (conn_fsm_idle_deadline(f) <= now)
		act |= conn_fsm_idle_expired(f, now);
	return act;
}
