/* Drives the connection policy FSM with arbitrary configurations and event sequences on a fake
 * clock (timers fire when due, as the loop would fire them) and checks its invariants after every
 * event: never two sessions at once (DIAL only without a session, and only with the mode open),
 * HANGUP/ABORT only with a session, OPEN only when closed, demand only on a session of our own,
 * the state agrees with the session, the stop notice only when idle, and every deadline lies in
 * the future. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "engine/conn_fsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_snap {
	bool has_session, is_open;
};

static bool fz_state_has_session(enum conn_state s)
{
	switch (s) {
	case CONN_DISCOVERY:
	case CONN_AUTH:
	case CONN_NETWORK:
	case CONN_UP:
	case CONN_TERMINATING:
		return true;
	case CONN_IDLE:
	case CONN_DETECTING:
		return false;
	}
	abort();
}

static void fz_check(const struct conn_fsm *f, struct fz_snap before, unsigned act, uint64_t now)
{
	bool is_ppp = f->mode == CONN_MODE_DIALUP || f->mode == CONN_MODE_MIXED;
	if (act & CONN_ACT_DIAL) {
		if (before.has_session || !f->has_session || !f->is_open || f->mode == CONN_MODE_UNKNOWN)
			abort();
		if (act & CONN_ACT_HANGUP)
			abort();
	}
	if ((act & (CONN_ACT_HANGUP | CONN_ACT_ABORT)) && !before.has_session)
		abort();
	if ((act & CONN_ACT_OPEN) && before.is_open)
		abort();
	if ((act & CONN_ACT_DEMAND_ON) && (!is_ppp || f->has_session || !f->is_demand_on))
		abort();
	if ((act & CONN_ACT_STOPPED) && f->state != CONN_IDLE)
		abort();
	if ((act & CONN_ACT_NAT46_ON) && (act & CONN_ACT_NAT46_OFF))
		abort();
	if (f->has_session != fz_state_has_session(f->state))
		abort();
	if (f->is_demand_on && f->has_session)
		abort();
	if (conn_fsm_next_deadline(f) <= now)
		abort();
	if (f->n_trans > CONN_FSM_MAX_TRANS)
		abort();
	for (unsigned i = 0; i < f->n_trans; i++)
		if (!memchr(f->trans[i].why, 0, sizeof(f->trans[i].why)))
			abort();
}

static struct fz_snap fz_snap(const struct conn_fsm *f)
{
	return (struct fz_snap){ .has_session = f->has_session, .is_open = f->is_open };
}

/* Fires every timer due up to now, one deadline at a time. */
static void fz_run_timers(struct conn_fsm *f, uint64_t now)
{
	for (int i = 0; i < 64; i++) {
		uint64_t d = conn_fsm_next_deadline(f);
		if (d > now)
			return;
		struct fz_snap s = fz_snap(f);
		unsigned act = conn_fsm_on_timer(f, d);
		fz_check(f, s, act, d);
	}
	abort(); /* a deadline that does not move is a busy loop */
}

static unsigned fz_event(struct conn_fsm *f, uint8_t op, uint8_t arg, uint64_t now)
{
	static const enum conn_mode modes[] = { CONN_MODE_UNKNOWN, CONN_MODE_DIALUP, CONN_MODE_MIXED,
						CONN_MODE_ROUTER };
	switch (op) {
	case 0: return conn_fsm_start(f, arg & 1, now);
	case 1: return conn_fsm_up(f, "up", now);
	case 2: return conn_fsm_down(f, "down", false, now);
	case 3: return conn_fsm_down(f, "stopping", true, now);
	case 4: return conn_fsm_on_demand(f, now);
	case 5: return conn_fsm_on_detected(f, modes[arg & 3], "detected", now);
	case 6: return arg & 1 ? conn_fsm_on_ipv4_lan(f, now) : conn_fsm_on_ipv4_ppp(f, now);
	case 7: return conn_fsm_on_opened(f, arg & 1, "opened", now);
	case 8: return conn_fsm_on_progress(f, CONN_AUTH, "auth", now);
	case 9: return conn_fsm_on_progress(f, CONN_NETWORK, "network", now);
	case 10: return conn_fsm_on_progress(f, CONN_TERMINATING, "terminating", now);
	case 11: return conn_fsm_on_link_up(f, "link up", now);
	case 12: return conn_fsm_on_session_end(f, "session end", now);
	case 13:
		conn_fsm_on_activity(f, now);
		return arg & 1 ? conn_fsm_on_adapter(f, now) : 0;
	case 14: return conn_fsm_on_timer(f, now);
	default: return conn_fsm_on_progress(f, (enum conn_state)(arg % 7), "any", now);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum conn_mode forced[] = { CONN_MODE_UNKNOWN, CONN_MODE_DIALUP,
						 CONN_MODE_MIXED, CONN_MODE_ROUTER };
	static struct conn_fsm f;
	if (size < 2)
		return 0;
	struct conn_fsm_cfg cfg = {
		.forced_mode = forced[data[0] & 3],
		.demand = data[0] & 4,
		.idle_timeout_s = (data[0] & 8) ? 1u + (data[1] & 7) : 0,
		.persist = data[0] & 16,
		.nat46 = data[0] & 32,
		.redial_delay_s = data[1] >> 6,
		.redial_delay_max_s = (data[1] >> 3) & 7,
	};
	uint64_t now = 1000;
	conn_fsm_init(&f, &cfg, now);
	for (size_t i = 2; i + 1 < size; i += 2) {
		uint8_t op = data[i] & 15, arg = data[i + 1];
		now += (uint64_t)(data[i] >> 4) * 250u;
		fz_run_timers(&f, now);
		struct fz_snap s = fz_snap(&f);
		unsigned act = fz_event(&f, op, arg, now);
		fz_check(&f, s, act, now);
	}
	return 0;
}
