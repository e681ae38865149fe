#!/usr/bin/env bash
# Detection time with the default configuration (issue #11): no mode= key, so mode=auto and
# allow_mixed_mode=1. Detection must not wait for probe rounds (2 s, 4 s, 8 s by default):
#   dial-up  the first PADO settles PPPoE; the PADR follows within a fraction of a second
#   mixed    a DHCPv4 server (dnsmasq in the ISP's UML, on the access segment) answers seconds
#            later (it pings an address before offering it): the dial does not wait for it; as
#            eth0 already routes IPv4 through the LAN's router, IPCP waits for the probe and never
#            runs, IPv4 stays with the LAN (its address and default route), IPv6 runs over the
#            PPPoE session
#   router   radvd on a segment without PPPoE: router mode once a PADO has had its grace time
#            (500 ms) after the RA, not after a round
# Times come from the daemon's own log stamps (CLOCK_MONOTONIC) and from packet captures
# (CLOCK_REALTIME, converted with one offset), not from the test's sleeps.
source "$(dirname "$0")/lib.sh"
NS_SW=${NS_SW:-$NS_CLI-sw} NS_R1=${NS_R1:-$NS_CLI-r1} NS_R2=${NS_R2:-$NS_CLI-r2} NS_LF=${NS_LF:-$NS_CLI-lf}
source "$T_HERE/lan.sh"
t_begin
MAC_CLI=02:76:36:00:00:10
LAN_UP=0
MON_PID=
dt_cleanup() {
	cap_stop_all
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null && wait "$MON_PID" 2>/dev/null
	t_cleanup
	[ "$LAN_UP" = 1 ] && lan_down
	rm -rf "/etc/netns/$NS_CLI"
}
trap dt_cleanup EXIT

# CLOCK_REALTIME - CLOCK_MONOTONIC: turns the log's stamps into capture time.
MONO_OFF=$(python3 -c 'import time; print(f"{time.time() - time.clock_gettime(time.CLOCK_MONOTONIC):.6f}")')
mono() { python3 -c 'import time; print(f"{time.clock_gettime(time.CLOCK_MONOTONIC):.6f}")'; }
calc() { python3 -c "print(f'{$1:.3f}')"; }
LOG_MARK=0
run_log() { tail -n +"$((LOG_MARK + 1))" "$V6L_LOG"; }
# log_t TEXT: the log stamp (monotonic s) of this run's first line containing TEXT
log_t() { run_log | grep -F -m1 -- "$1" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'; }
log_has() { run_log | grep -F -- "$1" >/dev/null; }
# cap_t PCAP FILTER: capture time (epoch s) of the first frame matching the display filter
cap_t() { tshark -n -r "$1" -Y "$2" -T fields -e frame.time_epoch 2>/dev/null | head -1; }
# is_lt A B: A < B (numbers; empty fails)
is_lt() { [ -n "$1" ] && [ -n "$2" ] && python3 -c "import sys; sys.exit(0 if $1 < $2 else 1)"; }
default_conf() { # the default configuration: no mode= key (v6l_conf writes mode=dial-up)
	v6l_conf
	sed -i '/^mode *=/d' "$V6L_CONF/connections.ini"
	! grep -q -e '^mode' -e 'allow_mixed_mode' "$V6L_CONF/connections.ini" "$V6L_CONF/v6link.ini"
}
start_run() { # sets T_RUN_MONO, T_RUN_REAL
	LOG_MARK=$({ wc -l <"$V6L_LOG"; } 2>/dev/null || echo 0)
	T_RUN_MONO=$(mono)
	v6l_start
	T_RUN_REAL=$(calc "$T_RUN_MONO + $MONO_OFF")
}
SUMMARY=()

# ================= 1. dial-up: the UML ISP alone =================
isp_up RA=slaac FAR_HTTP=0 FAR_DNS=0 >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
t_check "default_config_has_no_mode_key" default_conf
cap_start "$NS_CLI" eth0 dialup ether proto 0x8863 || t_fail "capture dialup"
start_run
t_check "default_dialup_up" v6l_wait_state up 25
cap_stop dialup
t_check "default_mode_auto_chose_dial_up ($(v6l_json "c['mode']"))" test "$(v6l_json "c['mode']")" = dial-up
t_det=$(log_t "conn[dsl]: idle -> detecting")
x=$(run_log | grep -F -m1 'conn[dsl]: mode dial-up (' | sed -n 's/.*detected in \([0-9.]*\) s.*/\1/p')
t_mode=$(log_t "conn[dsl]: mode dial-up (")
t_disc=$(log_t "conn[dsl]: idle -> discovery")
t_padr=$(log_t "pppoe[dsl]: padi-sent -> padr-sent")
w_padi=$(cap_t "$T_RUN/dialup.pcap" "pppoe.code == 0x09 && eth.src == $MAC_CLI")
w_padr=$(cap_t "$T_RUN/dialup.pcap" "pppoe.code == 0x19 && eth.src == $MAC_CLI")
n_padi=$(tshark -n -r "$T_RUN/dialup.pcap" -Y "pppoe.code == 0x09 && eth.src == $MAC_CLI && frame.time_epoch < ${w_padr:-0}" 2>/dev/null | wc -l)
r_start=$(calc "${t_det:-0} - $T_RUN_MONO")
r_det=$(calc "${t_mode:-0} - ${t_det:-0}")
r_disc=$(calc "${t_disc:-0} - ${t_det:-0}")
r_padr=$(calc "${t_padr:-0} - ${t_det:-0}")
w_run_padr=$(calc "${w_padr:-0} - $T_RUN_REAL")
t_log "dial-up: run -> detecting ${r_start} s; detecting -> mode dial-up ${r_det} s (log says 'detected in ${x:-?} s'), -> discovery ${r_disc} s, -> PADR sent ${r_padr} s; on the wire: first PADI $(calc "${w_padi:-0} - $T_RUN_REAL") s, PADR ${w_run_padr} s after run ($n_padi PADI before it)"
t_check "dialup_detected_in_under_1s (log: 'detected in ${x:-?} s')" is_lt "$x" 1.0
t_check "dialup_detecting_to_discovery_under_1s (${r_disc} s, log stamps)" is_lt "$r_disc" 1.0
t_check "dialup_detecting_to_padr_sent_under_1s (${r_padr} s, log stamps)" is_lt "$r_padr" 1.0
t_check "dialup_padr_on_wire_under_2s_after_run (${w_run_padr} s, capture)" is_lt "$w_run_padr" 2.0
t_check "dialup_no_second_probe_round ($n_padi PADI before the PADR)" test "$n_padi" -ge 1 -a "$n_padi" -le 2
# A bare PPPoE line (no IPv4 route on eth0): IPCP runs at once, not after the DHCPv4 probe.
t_check "dialup_ipcp_not_held" bash -c "! grep -F 'IPCP waits for the DHCPv4 probe' '$V6L_LOG' >/dev/null"
t_check "dialup_ipv4_up" wait_json "c['ipv4']['address'] is not None" 10
SUMMARY+=("dial-up: detected in ${x:-?} s, detecting->PADR ${r_padr} s, run->PADR on the wire ${w_run_padr} s")
v6l_stop
t_check "dialup_exit_clean" v6l_host_clean

# ================= 2. mixed: a DHCPv4 server on the access segment =================
isp exec "ip addr add 192.0.2.1/24 dev eth0; dnsmasq --conf-file=/dev/null --no-resolv --port=0 --interface=eth0 --bind-interfaces --dhcp-range=192.0.2.100,192.0.2.150,1h --dhcp-leasefile=/tmp/d.leases --pid-file=/tmp/d.pid" >/dev/null ||
	t_fail "dnsmasq in the ISP's UML"
# The LAN's IPv4, as the host's DHCPv4 client would have set it up before v6link starts.
in_cli ip addr add 192.0.2.50/24 dev eth0
in_cli ip route add default via 192.0.2.1 dev eth0
ip -n "$NS_CLI" -4 monitor address route >"$T_RUN/mon4.log" 2>&1 &
MON_PID=$!
cap_start "$NS_CLI" eth0 mixed "ether proto 0x8863 or udp port 67 or udp port 68" || t_fail "capture mixed"
default_conf
start_run
t_check "mixed_up" v6l_wait_state up 25
t_check "mixed_mode_chosen" wait_json "c['mode'] == 'mixed' and 'DHCPv4' in (c['mode_reason'] or '')" 20
t_check "mixed_ipv6_slaac_address_over_pppoe" wait_json "any(a['source'] == 'slaac' for a in c['ipv6']['addresses'])" 15
# The daemon took a DHCPv4 answer, so the offer was on the wire: let tcpdump write it before it
# stops (on a loaded machine it still had 2 frames to read when the SIGINT came, the offer one).
for _ in $(seq 50); do
	[ -n "$(cap_t "$T_RUN/mixed.pcap" "dhcp.option.dhcp == 2")" ] && break
	sleep 0.1
done
cap_stop mixed
kill "$MON_PID" 2>/dev/null
wait "$MON_PID" 2>/dev/null
MON_PID=
t_det=$(log_t "conn[dsl]: idle -> detecting")
x=$(run_log | grep -F -m1 'conn[dsl]: mode ' | sed -n 's/.*detected in \([0-9.]*\) s.*/\1/p')
t_padr=$(log_t "pppoe[dsl]: padi-sent -> padr-sent")
t_v6cp=$(log_t "ipv6cp[dsl]: up:")
t_up=$(log_t "conn[dsl]: network -> up")
t_d4=$(log_t "a DHCPv4 server answered on eth0: IPv4 stays there")
t_ipcp_up=$(log_t "ipcp[dsl]: up:")
t_ipcp_end=$(log_t "ipcp[dsl]: finished: IPv4 stays on the adapter")
w_padr=$(cap_t "$T_RUN/mixed.pcap" "pppoe.code == 0x19 && eth.src == $MAC_CLI")
w_offer=$(cap_t "$T_RUN/mixed.pcap" "dhcp.option.dhcp == 2")
settled_mixed=0
run_log | grep -F 'conn[dsl]: mode mixed (' >/dev/null && settled_mixed=1
rel() { [ -n "$1" ] && calc "$1 - $t_det" || echo "-"; }
t_log "mixed: detecting -> PADR sent $(rel "$t_padr") s (detected in ${x:-?} s), IPv6CP up $(rel "$t_v6cp") s, state up $(rel "$t_up") s, DHCPv4 answer taken $(rel "$t_d4") s; IPCP up $(rel "$t_ipcp_up") s, ended $(rel "$t_ipcp_end") s; on the wire: PADR $(calc "${w_padr:-0} - $T_RUN_REAL") s, first DHCPOFFER $([ -n "$w_offer" ] && calc "$w_offer - $T_RUN_REAL" || echo -) s after run"
t_check "mixed_detected_in_under_1s (log: 'detected in ${x:-?} s')" is_lt "$x" 1.0
t_check "mixed_detecting_to_padr_sent_under_1s ($(rel "$t_padr") s)" is_lt "$(rel "$t_padr")" 1.0
# The dial did not wait for the DHCPv4 probe: the PADR left before the server's first offer
# (unless the offer came with the first PADO and detection said mixed at once).
if [ "$settled_mixed" = 1 ]; then
	t_ok "mixed_dial_did_not_wait_for_dhcpv4_probe (DHCPv4 and PADO answered together)"
else
	t_check "mixed_dial_did_not_wait_for_dhcpv4_probe (PADR $(calc "${w_padr:-0} - $T_RUN_REAL") s, DHCPOFFER $([ -n "$w_offer" ] && calc "$w_offer - $T_RUN_REAL" || echo -) s after run)" is_lt "$w_padr" "$w_offer"
fi
# eth0 already routed IPv4 through the LAN's router when v6link started: IPCP waited for the
# DHCPv4 probe and, a DHCPv4 server having answered, never ran; IPv4 was never over PPPoE.
t_check "mixed_lan_route_holds_ipcp" log_has "eth0 already routes IPv4: IPCP waits for the DHCPv4 probe"
t_check "mixed_ipcp_never_up (ipcp up at '${t_ipcp_up:-never}')" test -z "$t_ipcp_up"
t_check "mixed_no_ipv4_on_v6link0_at_any_time" bash -c "! grep v6link0 '$T_RUN/mon4.log' >/dev/null"
t_check "mixed_no_ipv4_in_status ($(v6l_json "c['ipv4']['address']"))" test "$(v6l_json "c['ipv4']['address']")" = None
t_check "mixed_no_ipv4_address_on_v6link0" bash -c "! ip -n $NS_CLI -4 addr show dev v6link0 | grep inet >/dev/null"
t_check "mixed_ipv4_default_route_stays_the_lans ($(ip -n "$NS_CLI" -4 route show default | tr '\n' ';'))" \
	test "$(ip -n "$NS_CLI" -4 route show default)" = "default via 192.0.2.1 dev eth0 "
t_check "mixed_ipv4_route_via_lan_router" bash -c "ip -n $NS_CLI -4 route get $FAR4 | grep 'via 192.0.2.1 dev eth0' >/dev/null"
t_check "mixed_lan_default_route_never_removed" bash -c "! grep -E '^Deleted default via 192.0.2.1' '$T_RUN/mon4.log' >/dev/null"
t_check "mixed_ipv6_route_via_pppoe" bash -c "ip -n $NS_CLI -6 route get $FAR6 | grep 'dev v6link0' >/dev/null"
if [ -n "$t_ipcp_up" ]; then
	t_log "mixed: IPCP ran for $(calc "${t_ipcp_end:-$t_ipcp_up} - $t_ipcp_up") s before the DHCPv4 answer (rtnetlink while it ran: $(grep -c v6link0 "$T_RUN/mon4.log") v6link0 line(s): $(grep v6link0 "$T_RUN/mon4.log" | tr '\n' ';'))"
fi
SUMMARY+=("mixed: detecting->PADR $(rel "$t_padr") s, IPv6CP up $(rel "$t_v6cp") s, DHCPv4 answer taken $(rel "$t_d4") s")
v6l_stop
t_check "mixed_exit_keeps_lan_ipv4" bash -c "ip -n $NS_CLI -4 route show default | grep 'default via 192.0.2.1 dev eth0' >/dev/null"
t_check "mixed_exit_clean" v6l_host_clean
isp down >/dev/null 2>&1

# ================= 3. router: radvd only, no PPPoE =================
LAN_UP=1
lan_up
lan_radvd "$NS_R1" 1 off off
cap_start "$NS_CLI" eth0 router icmp6 || t_fail "capture router"
default_conf
start_run
t_check "router_mode_chosen" wait_json "c['mode'] == 'router'" 15
cap_stop router
t_det=$(log_t "conn[dsl]: idle -> detecting")
t_mode=$(log_t "conn[dsl]: mode router (")
x=$(run_log | grep -F -m1 'conn[dsl]: mode router (' | sed -n 's/.*detected in \([0-9.]*\) s.*/\1/p')
w_det=$(calc "${t_det:-0} + $MONO_OFF")
w_mode=$(calc "${t_mode:-0} + $MONO_OFF")
# our Router Solicitation (the detector's, after it opened its sockets), the first RA after it
w_rs=$(cap_t "$T_RUN/router.pcap" "icmpv6.type == 133 && eth.src == $MAC_CLI && frame.time_epoch >= $w_det")
w_ra=$(cap_t "$T_RUN/router.pcap" "icmpv6.type == 134 && frame.time_epoch >= ${w_rs:-$w_det}")
ra_to_mode=$([ -n "$w_ra" ] && calc "$w_mode - $w_ra")
t_log "router: run -> detecting $(calc "${t_det:-0} - $T_RUN_MONO") s, RS $([ -n "$w_rs" ] && calc "$w_rs - $w_det" || echo -) s, RA $([ -n "$w_ra" ] && calc "$w_ra - $w_det" || echo -) s, mode router $(calc "${t_mode:-0} - ${t_det:-0}") s after detecting (log: 'detected in ${x:-?} s'); RA -> router mode ${ra_to_mode:--} s"
t_check "router_mode_reason_is_the_ra" log_has "conn[dsl]: mode router (an IPv6 router answered the Router Solicitation"
t_check "router_mode_0_5_to_1_s_after_the_ra (${ra_to_mode:--} s: the PADO grace, no round)" \
	bash -c "[ -n '$ra_to_mode' ] && python3 -c 'import sys; sys.exit(0 if 0.45 <= $ra_to_mode <= 1.0 else 1)'"
SUMMARY+=("router: RA -> router mode ${ra_to_mode:--} s (detected in ${x:-?} s)")
v6l_stop
t_check "router_exit_clean" v6l_host_clean

for s in "${SUMMARY[@]}"; do t_log "detection times: $s"; done
[ "$T_FAILED" = 0 ] || t_dump
exit $T_FAILED
