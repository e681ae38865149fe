#!/usr/bin/env bash
# Dial on demand (enabled=1, as pppd's demand): routes exist before the session, the first
# packet dials; idle_timeout hangs up and demand is armed again.
source "$(dirname "$0")/lib.sh"
t_begin
isp_up >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
v6l_conf enabled=1 idle_timeout=4
v6l_start run
sleep 1
t_check "demand_idle_before_traffic" test "$(v6l_json "c['state']")" = idle
t_check "demand_routes_exist_before_session" bash -c "ip netns exec $NS_CLI ip route | grep -q 'default dev v6link0'"
in_cli ping -c 1 -W 1 "$FAR4" >/dev/null 2>&1
t_check "demand_first_packet_dials" v6l_wait_state up 20
for _ in $(seq 20); do in_cli ping -c 1 -W 1 "$FAR4" >/dev/null 2>&1 && break; done
t_check "demand_traffic_after_dial" in_cli ping -c 2 -i 0.2 -W 2 "$FAR4"
t0=$(date +%s)
v6l_wait_state idle 15
t1=$(date +%s)
t_check "idle_timeout_hangs_up (after $((t1 - t0)) s, idle_timeout=4)" grep -q "idle for 4 s" "$V6L_LOG"
t_check "demand_rearmed_routes_kept" bash -c "ip netns exec $NS_CLI ip route | grep -q 'default dev v6link0'"
in_cli ping -c 1 -W 1 "$FAR4" >/dev/null 2>&1
t_check "demand_second_dial" v6l_wait_state up 20
v6l_stop
t_check "demand_exit_leaves_nothing" v6l_host_clean
exit $T_FAILED
