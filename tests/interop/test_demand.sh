#!/usr/bin/env bash
# Dial on demand (enabled=1, as pppd's demand): routes exist before the session, the first
# packet dials; idle_timeout hangs up and demand is armed again. From IPv6 too: the TUN has the
# link-local of the stable identifier before the first session and an address of the last
# session's /64 before the next ones, so the packet that dials leaves from a source of ours.
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

# --- dial on demand from IPv6: the TUN has a source of ours before the session ---
isp down >/dev/null 2>&1
isp_up RA=slaac FAR_HTTP=1 >"$T_RUN/isp6.log" 2>&1 || { t_fail "isp up (RA)"; cat "$T_RUN/isp6.log"; exit 1; }
rm -rf "$V6L_CONF/state"
v6l_conf enabled=1 idle_timeout=4
v6l_start run
sleep 1
iid=$(python3 -c "import sys; b=open('$V6L_CONF/state/dsl.iid','rb').read(); print(':'.join(f'{b[i]:02x}{b[i+1]:02x}' for i in range(0,8,2)))")
ll=$(python3 -c "import ipaddress; print(ipaddress.ip_address('fe80::$iid'))")
t_check "demand6_link_local_before_session ($ll)" bash -c "ip -n $NS_CLI -6 addr show dev v6link0 | grep -q 'inet6 $ll/64'"
cap_start "$NS_CLI" v6link0 demand6 icmp6 || t_fail "capture v6link0"
in_cli ping -6 -c 1 -W 1 "$FAR6" >/dev/null 2>&1
t_check "demand6_first_ipv6_packet_dials" v6l_wait_state up 20
cap_stop demand6
src=$(tshark -n -r "$T_RUN/demand6.pcap" -Y 'icmpv6.type == 128' -T fields -e ipv6.src 2>/dev/null | head -1)
t_check "demand6_dialling_packet_from_our_link_local ($src)" test "$src" = "$ll"
t_check "demand6_slaac_after_dial" wait_json "any(a['source'] == 'slaac' for a in c['ipv6']['addresses'])" 15
gua=$(v6l_json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'slaac'][0]")
v6l_wait_state idle 15
t_check "demand6_last_prefix_address_kept_for_next_dial ($gua)" \
	bash -c "ip -n $NS_CLI -6 addr show dev v6link0 | grep -q 'inet6 $gua/64'"
# A TCP connection from the waiting address dials, and its retransmitted SYN gets through.
out=$(in_cli curl -6 -s -m 20 "http://[$FAR6]/" 2>&1)
t_check "demand6_tcp_from_last_prefix_dials_and_connects" test -n "$out"
t_check "demand6_second_session_same_address" \
	test "$(v6l_json "any(a['address'] == '$gua' for a in c['ipv6']['addresses'])")" = True
v6l_stop
no_gua_left() { ! ip -n "$NS_CLI" -6 addr | grep "$gua" >/dev/null; }
t_check "demand6_exit_leaves_nothing" v6l_host_clean
t_check "demand6_exit_removes_the_waiting_address" no_gua_left
exit $T_FAILED
