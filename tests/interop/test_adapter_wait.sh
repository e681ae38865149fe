#!/usr/bin/env bash
# An adapter that does not exist yet is waited for (rtnetlink link events, logged once), not an
# exit: the daemon starts with if=late0, the client's eth0 is renamed late0 a few seconds later,
# and the connection dials then. The same for aidx=-1 with no Ethernet adapter up at start, and
# for detection (mode=auto), which probes as soon as the adapter appears.
source "$(dirname "$0")/lib.sh"
t_begin

cli_eth0_as() { # NEWNAME [up|down]
	in_cli ip link set "$CUR_IF" down
	in_cli ip link set "$CUR_IF" name "$1"
	CUR_IF=$1
	[ "${2:-up}" = up ] && in_cli ip link set "$CUR_IF" up
	return 0
}
restore_eth0() { [ "${CUR_IF:-eth0}" = eth0 ] || cli_eth0_as eth0; }
trap 'restore_eth0 >/dev/null 2>&1; t_cleanup' EXIT

isp_up >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
CUR_IF=eth0

# --- if=late0: not there at start ---
v6l_conf dial_string="if=late0"
v6l_start
sleep 2
t_check "adapter_missing_daemon_keeps_running" kill -0 "$V6L_PID"
t_check "adapter_missing_status_says_waiting" \
	test "$(v6l_json "c['state'] == 'idle' and 'late0' in (c['last_error'] or '')")" = True
cli_eth0_as late0
t_check "adapter_appears_connection_dials" v6l_wait_state up 20
t_check "adapter_wait_logged_once" test "$(grep -c 'waiting for adapter late0' "$V6L_LOG")" = 1
v6l_stop
t_check "adapter_wait_sigterm_leaves_nothing" v6l_host_clean
cli_eth0_as eth0

# --- aidx=-1 (no if=), mode forced: no Ethernet adapter up at start ---
in_cli ip link set eth0 down
: >"$V6L_LOG"
v6l_conf dial_string="aidx=-1"
v6l_start
sleep 2
t_check "no_adapter_up_daemon_keeps_running" kill -0 "$V6L_PID"
in_cli ip link set eth0 up
t_check "adapter_comes_up_connection_dials" v6l_wait_state up 20
t_check "aidx_-1_picked_eth0" grep -q "using adapter eth0 (aidx=-1)" "$V6L_LOG"
v6l_stop

# --- mode=auto with if=late0: detection waits for the adapter, not for the 30 s retry ---
: >"$V6L_LOG"
v6l_conf dial_string="if=late0" mode=auto
v6l_start
sleep 2
t_check "detect_adapter_missing_daemon_keeps_running" kill -0 "$V6L_PID"
t0=$(date +%s.%N)
cli_eth0_as late0
t_check "detect_adapter_appears_probing_at_once" v6l_wait_state up 20
t1=$(date +%s.%N)
t_check "detect_adapter_appears_dialup_mode" test "$(v6l_json "c['mode']")" = dial-up
t_log "up $(python3 -c "print(f'{$t1-$t0:.1f}')") s after the adapter appeared"
v6l_stop
cli_eth0_as eth0
exit 0
