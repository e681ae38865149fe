/* The connection policy FSM: scripts of (time, event) with the actions and states expected —
 * always-on dial-up with redial back-off, dial on demand with the idle timeout, hang-up and its
 * forced end, detection (nothing, then an access concentrator, then a DHCPv4 server: mixed),
 * router mode, NAT46 across redials, open failures, and events in the wrong state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "engine/conn_fsm.h"

static struct conn_fsm F;

static void t_init(enum conn_mode mode, bool demand, unsigned idle_s, bool persist, bool nat46)
{
	struct conn_fsm_cfg c = {
		.forced_mode = mode,
		.demand = demand,
		.idle_timeout_s = idle_s,
		.persist = persist,
		.redial_delay_s = 5,
		.redial_delay_max_s = 120,
		.nat46 = nat46,
	};
	conn_fsm_init(&F, &c, 0);
}

/* Brings an always-on dial-up connection to up at t=1000. */
static void t_dialup_up(void)
{
	t_init(CONN_MODE_DIALUP, true, 0, true, false);
	assert_int_equal(conn_fsm_start(&F, true, 0), CONN_ACT_OPEN);
	assert_int_equal(conn_fsm_on_opened(&F, true, "opened", 10), CONN_ACT_DIAL);
	assert_int_equal(F.state, CONN_DISCOVERY);
	assert_int_equal(conn_fsm_on_progress(&F, CONN_AUTH, "PADS", 200), 0);
	assert_int_equal(F.state, CONN_AUTH);
	assert_int_equal(conn_fsm_on_progress(&F, CONN_NETWORK, "auth done", 400), 0);
	assert_int_equal(conn_fsm_on_link_up(&F, "IPv6CP up", 1000), 0);
	assert_int_equal(F.state, CONN_UP);
	assert_int_equal(F.up_since_ms, 1000);
}

static void test_always_on_dial_and_redial(void **state)
{
	(void)state;
	t_dialup_up();
	assert_int_equal(conn_fsm_next_deadline(&F), V6L_NEVER);
	/* The ISP drops the session: redial after redial_delay (5 s). */
	assert_int_equal(conn_fsm_on_session_end(&F, "PADT from the AC", 60000), 0);
	assert_int_equal(F.state, CONN_IDLE);
	assert_string_equal(F.why, "PADT from the AC");
	assert_int_equal(conn_fsm_next_deadline(&F), 65000);
	assert_int_equal(conn_fsm_on_timer(&F, 64999), 0);
	assert_int_equal(conn_fsm_on_timer(&F, 65000), CONN_ACT_DIAL);
	assert_int_equal(F.state, CONN_DISCOVERY);
	assert_string_equal(F.why, "redial");
}

static void test_backoff_doubles_and_caps(void **state)
{
	(void)state;
	static const unsigned want_s[] = { 5, 5, 10, 20, 40, 80, 120, 120 };
	t_dialup_up();
	uint64_t now = 60000;
	assert_int_equal(conn_fsm_on_session_end(&F, "LCP echo timeout", now), 0);
	/* The drop of an up session is not a failure: redial after the base delay; the first
	 * failed attempt waits as long, every further one twice as long, up to the cap. */
	for (size_t i = 0; i < sizeof(want_s) / sizeof(want_s[0]); i++) {
		uint64_t d = conn_fsm_next_deadline(&F);
		assert_int_equal(d - now, (uint64_t)want_s[i] * 1000u);
		now = d;
		assert_int_equal(conn_fsm_on_timer(&F, now), CONN_ACT_DIAL);
		assert_int_equal(conn_fsm_on_session_end(&F, "discovery failed", now + 100), 0);
		now += 100;
	}
	assert_int_equal(F.n_fail, 8);
	assert_string_equal(F.last_error, "LCP echo timeout");
	/* Up again: the count starts over and the error clears. */
	assert_int_equal(conn_fsm_on_timer(&F, conn_fsm_next_deadline(&F)), CONN_ACT_DIAL);
	assert_int_equal(conn_fsm_on_link_up(&F, "IPCP up", now + 200000), 0);
	assert_int_equal(F.n_fail, 0);
	assert_string_equal(F.last_error, "");
}

static void test_no_persist_stays_down(void **state)
{
	(void)state;
	t_init(CONN_MODE_DIALUP, false, 0, false, false);
	assert_int_equal(conn_fsm_start(&F, false, 0), 0);
	assert_int_equal(conn_fsm_up(&F, "v6link up", 5), CONN_ACT_OPEN);
	assert_int_equal(conn_fsm_on_opened(&F, true, "opened", 6), CONN_ACT_DIAL);
	assert_int_equal(conn_fsm_on_link_up(&F, "IPCP up", 900), 0);
	assert_int_equal(conn_fsm_on_session_end(&F, "PADT", 5000), 0);
	assert_int_equal(F.state, CONN_IDLE);
	assert_false(F.want_up);
	assert_int_equal(conn_fsm_next_deadline(&F), V6L_NEVER);
}

static void test_demand_idle_timeout(void **state)
{
	(void)state;
	t_init(CONN_MODE_DIALUP, true, 4, true, false);
	assert_int_equal(conn_fsm_start(&F, true, 0), CONN_ACT_OPEN);
	assert_int_equal(conn_fsm_on_opened(&F, true, "opened", 1), CONN_ACT_DEMAND_ON);
	assert_int_equal(F.state, CONN_IDLE);
	assert_string_equal(F.why, "waiting for traffic (dial on demand)");
	assert_int_equal(conn_fsm_on_demand(&F, 3000), CONN_ACT_DEMAND_OFF | CONN_ACT_DIAL);
	assert_int_equal(conn_fsm_on_demand(&F, 3001), 0);
	assert_int_equal(conn_fsm_on_link_up(&F, "IPCP up", 4000), 0);
	assert_int_equal(conn_fsm_next_deadline(&F), 8000);
	/* Traffic moves the deadline; the timer that fires early changes nothing. */
	conn_fsm_on_activity(&F, 6000);
	assert_int_equal(conn_fsm_on_timer(&F, 8000), 0);
	assert_int_equal(conn_fsm_next_deadline(&F), 10000);
	assert_int_equal(conn_fsm_on_timer(&F, 10000), CONN_ACT_HANGUP);
	assert_int_equal(F.state, CONN_TERMINATING);
	assert_string_equal(F.why, "idle for 4 s");
	/* Hung up for idleness: demand is armed again, no redial, nobody waits for a notice. */
	assert_int_equal(conn_fsm_on_session_end(&F, "LCP terminated", 10300), CONN_ACT_DEMAND_ON);
	assert_int_equal(conn_fsm_next_deadline(&F), V6L_NEVER);
	assert_int_equal(conn_fsm_on_demand(&F, 20000), CONN_ACT_DEMAND_OFF | CONN_ACT_DIAL);
}

static void test_down_hangs_up_and_forces_end(void **state)
{
	(void)state;
	t_dialup_up();
	assert_int_equal(conn_fsm_down(&F, "v6link down", false, 5000), CONN_ACT_HANGUP);
	assert_int_equal(F.state, CONN_TERMINATING);
	assert_int_equal(conn_fsm_next_deadline(&F), 8000);
	/* The peer never answers the Terminate-Request: PADT at the deadline, no redial. */
	assert_int_equal(conn_fsm_on_timer(&F, 8000), CONN_ACT_ABORT | CONN_ACT_DEMAND_ON |
							  CONN_ACT_STOPPED);
	assert_int_equal(F.state, CONN_IDLE);
	assert_string_equal(F.why, "LCP Terminate not completed in time");
	assert_int_equal(conn_fsm_next_deadline(&F), V6L_NEVER);
	/* The late LCP callback changes nothing. */
	assert_int_equal(conn_fsm_on_session_end(&F, "LCP down", 8100), 0);
}

static void test_down_in_discovery_and_idle(void **state)
{
	(void)state;
	t_init(CONN_MODE_DIALUP, false, 0, true, false);
	assert_int_equal(conn_fsm_up(&F, "v6link up", 0), CONN_ACT_OPEN);
	assert_int_equal(conn_fsm_on_opened(&F, true, "opened", 0), CONN_ACT_DIAL);
	assert_int_equal(conn_fsm_down(&F, "v6link down", false, 100),
			 CONN_ACT_ABORT | CONN_ACT_STOPPED);
	assert_int_equal(F.state, CONN_IDLE);
	assert_false(F.has_session);
	assert_int_equal(conn_fsm_down(&F, "v6link down", false, 200), CONN_ACT_STOPPED);
}

static void test_daemon_stopping_disarms_demand(void **state)
{
	(void)state;
	t_init(CONN_MODE_DIALUP, true, 60, true, false);
	conn_fsm_start(&F, true, 0);
	assert_int_equal(conn_fsm_on_opened(&F, true, "opened", 0), CONN_ACT_DEMAND_ON);
	assert_int_equal(conn_fsm_on_demand(&F, 10), CONN_ACT_DEMAND_OFF | CONN_ACT_DIAL);
	conn_fsm_on_link_up(&F, "up", 20);
	assert_int_equal(conn_fsm_down(&F, "daemon stopping", true, 30), CONN_ACT_HANGUP);
	assert_int_equal(conn_fsm_on_session_end(&F, "LCP terminated", 40), CONN_ACT_STOPPED);
	assert_false(F.is_demand_on);
	/* A connection idle with demand armed when the daemon stops: disarmed, stopped at once. */
	t_init(CONN_MODE_DIALUP, true, 60, true, false);
	conn_fsm_start(&F, true, 0);
	conn_fsm_on_opened(&F, true, "opened", 0);
	assert_int_equal(conn_fsm_down(&F, "daemon stopping", true, 30),
			 CONN_ACT_DEMAND_OFF | CONN_ACT_STOPPED);
}

static void test_detect_nothing_then_ac_then_dhcp4(void **state)
{
	(void)state;
	t_init(CONN_MODE_UNKNOWN, true, 0, true, false);
	assert_int_equal(conn_fsm_start(&F, true, 0), CONN_ACT_DETECT);
	assert_int_equal(F.state, CONN_DETECTING);
	assert_int_equal(conn_fsm_up(&F, "run dsl", 1), 0); /* already probing */
	assert_int_equal(conn_fsm_on_detected(&F, CONN_MODE_UNKNOWN, "nothing answered", 6000), 0);
	assert_int_equal(F.state, CONN_DETECTING);
	assert_string_equal(F.last_error, "nothing answered");
	assert_int_equal(conn_fsm_next_deadline(&F), 36000);
	assert_int_equal(conn_fsm_on_timer(&F, 36000), CONN_ACT_DETECT);
	/* The first PADO: dial at once; the DHCPv4 probe goes on. */
	assert_int_equal(conn_fsm_on_detected(&F, CONN_MODE_DIALUP, "an AC answered", 36020),
			 CONN_ACT_OPEN);
	assert_int_equal(F.mode, CONN_MODE_DIALUP);
	assert_int_equal(conn_fsm_on_opened(&F, true, "an AC answered", 36030), CONN_ACT_DIAL);
	assert_int_equal(F.state, CONN_DISCOVERY);
	assert_int_equal(conn_fsm_on_ipv4_lan(&F, 38000), CONN_ACT_IPV4_LAN);
	assert_int_equal(conn_fsm_on_ipv4_ppp(&F, 38000), 0); /* mixed now: no IPCP */
	assert_int_equal(F.mode, CONN_MODE_MIXED);
	assert_int_equal(conn_fsm_on_ipv4_lan(&F, 38001), 0);
	assert_int_equal(F.state, CONN_DISCOVERY);
}

static void test_forced_dialup_ignores_dhcp4(void **state)
{
	(void)state;
	t_dialup_up();
	assert_int_equal(conn_fsm_on_ipv4_lan(&F, 2000), 0);
	assert_int_equal(F.mode, CONN_MODE_DIALUP);
	/* no DHCPv4 server: IPv4 over the session (a held IPCP goes) */
	assert_int_equal(conn_fsm_on_ipv4_ppp(&F, 2000), CONN_ACT_IPV4_PPP);
}

static void test_open_failure(void **state)
{
	(void)state;
	/* Forced mode: the user's up fails and stays failed. */
	t_init(CONN_MODE_DIALUP, false, 0, true, false);
	assert_int_equal(conn_fsm_up(&F, "v6link up", 0), CONN_ACT_OPEN);
	assert_int_equal(conn_fsm_up(&F, "v6link up", 1), 0); /* OPEN is under way */
	assert_int_equal(conn_fsm_on_opened(&F, false, "no adapter eth9", 2), 0);
	assert_true(F.want_up);
	assert_int_equal(F.state, CONN_IDLE);
	assert_string_equal(F.last_error, "no adapter eth9");
	/* the adapter appears: open and dial as wanted */
	assert_int_equal(conn_fsm_on_adapter(&F, 5000), 0); /* conn_fsm_start not run yet */
	conn_fsm_start(&F, false, 5000);
	assert_int_equal(conn_fsm_on_adapter(&F, 5001), CONN_ACT_OPEN);
	assert_int_equal(conn_fsm_on_opened(&F, true, "opened", 5002), CONN_ACT_DIAL);
	assert_int_equal(conn_fsm_on_adapter(&F, 5003), 0);
	/* Detected mode: probe again later. */
	t_init(CONN_MODE_UNKNOWN, true, 0, true, false);
	conn_fsm_start(&F, true, 0);
	assert_int_equal(conn_fsm_on_detected(&F, CONN_MODE_ROUTER, "a router answered", 10),
			 CONN_ACT_OPEN);
	assert_int_equal(conn_fsm_on_opened(&F, false, "UDP 546 in use", 11), 0);
	assert_int_equal(F.mode, CONN_MODE_UNKNOWN);
	assert_int_equal(F.state, CONN_DETECTING);
	assert_int_equal(conn_fsm_on_adapter(&F, 20000), CONN_ACT_DETECT); /* sooner than 30 s */
	assert_int_equal(conn_fsm_on_adapter(&F, 20001), 0);
}

static void test_router_mode(void **state)
{
	(void)state;
	t_init(CONN_MODE_ROUTER, true, 30, true, false);
	assert_int_equal(conn_fsm_start(&F, true, 0), CONN_ACT_OPEN);
	/* enabled=1 in router mode is always on: no demand on the kernel's own interface. */
	assert_int_equal(conn_fsm_on_opened(&F, true, "opened", 1), CONN_ACT_DIAL);
	assert_int_equal(F.state, CONN_NETWORK);
	assert_int_equal(conn_fsm_on_link_up(&F, "a router answered", 50), 0);
	assert_int_equal(F.state, CONN_UP);
	assert_int_equal(conn_fsm_next_deadline(&F), V6L_NEVER); /* no idle timeout here */
	assert_int_equal(conn_fsm_on_progress(&F, CONN_NETWORK, "no router left", 9000), 0);
	assert_int_equal(F.state, CONN_NETWORK);
	assert_int_equal(conn_fsm_down(&F, "v6link down", false, 9500), CONN_ACT_HANGUP);
	assert_int_equal(conn_fsm_on_session_end(&F, "released", 9500), CONN_ACT_STOPPED);
	assert_false(F.is_demand_on);
}

static void test_nat46_outlives_redials_not_down(void **state)
{
	(void)state;
	t_init(CONN_MODE_DIALUP, true, 0, true, true);
	conn_fsm_start(&F, true, 0);
	assert_int_equal(conn_fsm_on_opened(&F, true, "opened", 0),
			 CONN_ACT_NAT46_ON | CONN_ACT_DIAL);
	conn_fsm_on_link_up(&F, "up", 10);
	assert_int_equal(conn_fsm_on_session_end(&F, "PADT", 20), 0);
	assert_int_equal(conn_fsm_on_timer(&F, 5020), CONN_ACT_DIAL);
	assert_int_equal(conn_fsm_down(&F, "v6link down", false, 6000), CONN_ACT_ABORT |
			 CONN_ACT_DEMAND_ON | CONN_ACT_NAT46_OFF | CONN_ACT_STOPPED);
	assert_int_equal(conn_fsm_up(&F, "v6link up", 7000), CONN_ACT_NAT46_ON | CONN_ACT_DEMAND_OFF |
			 CONN_ACT_DIAL);
}

static void test_up_during_redial_wait_dials_now(void **state)
{
	(void)state;
	t_dialup_up();
	conn_fsm_on_session_end(&F, "PADT", 2000);
	assert_int_equal(conn_fsm_next_deadline(&F), 7000);
	assert_int_equal(conn_fsm_up(&F, "v6link up", 3000), CONN_ACT_DIAL);
	assert_int_equal(conn_fsm_next_deadline(&F), V6L_NEVER);
}

static void test_wrong_state_events(void **state)
{
	(void)state;
	t_init(CONN_MODE_DIALUP, false, 0, true, false);
	assert_int_equal(conn_fsm_on_session_end(&F, "x", 1), 0);
	assert_int_equal(conn_fsm_on_link_up(&F, "x", 1), 0);
	assert_int_equal(conn_fsm_on_progress(&F, CONN_AUTH, "x", 1), 0);
	assert_int_equal(conn_fsm_on_demand(&F, 1), 0);
	assert_int_equal(conn_fsm_on_opened(&F, true, "x", 1), 0);
	assert_int_equal(conn_fsm_on_detected(&F, CONN_MODE_ROUTER, "x", 1), 0);
	assert_int_equal(conn_fsm_on_timer(&F, 1), 0);
	assert_int_equal(F.state, CONN_IDLE);
	assert_false(F.is_open);
	/* enabled=0 and no `run NAME`: start does nothing. */
	assert_int_equal(conn_fsm_start(&F, false, 2), 0);
	assert_int_equal(conn_fsm_start(&F, true, 3), 0);
}

static void test_transitions_recorded(void **state)
{
	(void)state;
	t_init(CONN_MODE_DIALUP, false, 0, true, false);
	conn_fsm_up(&F, "v6link up", 0);
	conn_fsm_on_opened(&F, true, "opened", 0);
	assert_int_equal(F.n_trans, 1);
	assert_int_equal(F.trans[0].from, CONN_IDLE);
	assert_int_equal(F.trans[0].to, CONN_DISCOVERY);
	assert_string_equal(F.trans[0].why, "v6link up");
	conn_fsm_on_progress(&F, CONN_AUTH, "PADS", 1);
	conn_fsm_on_link_up(&F, "IPCP up", 2);
	assert_int_equal(conn_fsm_down(&F, "v6link down", false, 3), CONN_ACT_HANGUP);
	assert_int_equal(conn_fsm_on_timer(&F, 3003), CONN_ACT_ABORT | CONN_ACT_STOPPED);
	assert_int_equal(F.n_trans, 1);
	assert_int_equal(F.trans[0].from, CONN_TERMINATING);
	assert_int_equal(F.trans[0].to, CONN_IDLE);
	assert_string_equal(conn_state_name(CONN_TERMINATING), "terminating");
	assert_string_equal(conn_mode_name(CONN_MODE_MIXED), "mixed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_always_on_dial_and_redial),
		cmocka_unit_test(test_backoff_doubles_and_caps),
		cmocka_unit_test(test_no_persist_stays_down),
		cmocka_unit_test(test_demand_idle_timeout),
		cmocka_unit_test(test_down_hangs_up_and_forces_end),
		cmocka_unit_test(test_down_in_discovery_and_idle),
		cmocka_unit_test(test_daemon_stopping_disarms_demand),
		cmocka_unit_test(test_detect_nothing_then_ac_then_dhcp4),
		cmocka_unit_test(test_forced_dialup_ignores_dhcp4),
		cmocka_unit_test(test_open_failure),
		cmocka_unit_test(test_router_mode),
		cmocka_unit_test(test_nat46_outlives_redials_not_down),
		cmocka_unit_test(test_up_during_redial_wait_dials_now),
		cmocka_unit_test(test_wrong_state_events),
		cmocka_unit_test(test_transitions_recorded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
