#!/usr/bin/env bash
# The ISP ends the session: PADT (RFC 2516 §5.5), pppd killed, and a silent ISP (LCP echo,
# RFC 1661 §5.8): v6link notices, cleans up, redials and traffic flows again.
source "$(dirname "$0")/lib.sh"
t_begin
isp_up >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
v6l_conf redial_delay=1 lcp_echo_interval=1 lcp_echo_failure=3
v6l_start
v6l_wait_state up 20 || { t_fail "initial dial"; t_dump; exit 1; }
in_cli ping -c 1 -W 2 "$FAR4" >/dev/null

recover() { # NAME ACTION...
	local name=$1 sid0 t0
	shift
	sid0=$(v6l_json "c['session_id']")
	t0=$(date +%s.%N)
	"$@"
	for _ in $(seq 150); do
		[ "$(v6l_json "c['state'] != 'up' or c['session_id'] != $sid0")" = True ] && break
		sleep 0.1
	done
	local t1; t1=$(date +%s.%N)
	t_log "$name: noticed after $(python3 -c "print(f'{$t1-$t0:.1f}')") s"
	if v6l_wait_state up 30 && [ "$(v6l_json "c['session_id'] != $sid0")" = True ]; then
		for _ in $(seq 30); do in_cli ping -c 1 -W 1 "$FAR4" >/dev/null 2>&1 && break; done
		t_check "$name: redialled and traffic flows ($(python3 -c "print(f'{$(date +%s.%N)-$t0:.1f}')") s)" \
			in_cli ping -c 2 -i 0.2 -W 2 "$FAR4"
	else
		t_fail "$name: redialled"; t_dump
	fi
}
recover "rfc2516_5_5_padt_from_ac" isp padt
recover "pppd_killed_padt_from_server" isp kill-pppd
silent() {
	local t0 t1
	t0=$(date +%s.%N)
	isp netem-loss 100 >/dev/null
	for _ in $(seq 100); do grep -q "LCP echo" "$V6L_LOG" && break; sleep 0.1; done
	t1=$(date +%s.%N)
	local dt; dt=$(python3 -c "print(f'{$t1-$t0:.1f}')")
	t_check "rfc1661_5_8_silent_isp_detected_within_interval_x_failures ($dt s, limit 1 s x 3 + 1)" \
		python3 -c "import sys; sys.exit(0 if $t1-$t0 <= 4.5 else 1)"
	isp netem-loss 0 >/dev/null
}
silent
v6l_wait_state up 40 && t_check "silent_isp_back_redialled_traffic" in_cli ping -c 2 -i 0.2 -W 2 "$FAR4" || { t_fail "silent_isp_back_redialled_traffic"; t_dump; }
v6l down dsl >/dev/null
v6l_wait_state idle 10
t_check "down_removes_address_and_routes_tun_kept" \
	bash -c "ip netns exec $NS_CLI ip link show v6link0 >/dev/null && ! ip netns exec $NS_CLI ip addr show dev v6link0 | grep -q inet && ! ip netns exec $NS_CLI ip route | grep -q v6link0 && ! ip netns exec $NS_CLI ip -6 route | grep -q v6link0"
v6l_stop
exit $T_FAILED
