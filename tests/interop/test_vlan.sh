#!/usr/bin/env bash
# 802.1Q-tagged access (the ISP listens on eth0.7 in UML) with vlan= and prio=; the priority
# bits are checked in a capture of the client's frames.
source "$(dirname "$0")/lib.sh"
t_begin
isp_up VLAN=7 >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
v6l_conf "dial_string=if=eth0 vlan=7 prio=5"
ip netns exec "$NS_CLI" dumpcap -q -i eth0 -w "$T_RUN/vlan.pcap" -c 60 >/dev/null 2>&1 &
cap=$!
sleep 0.5
v6l_start
v6l_wait_state up 20 && t_ok "ieee8021q_vlan7_session_up" || { t_fail "ieee8021q_vlan7_session_up"; t_dump; }
# "up" comes with the first NCP; IPCP may finish a little later (CI once pinged 46 ms before it).
wait_json "c['ipv4']['address'] is not None" 10
t_check "ieee8021q_vlan7_ping_far_host" in_cli ping -c 3 -i 0.2 -W 2 "$FAR4"
sleep 0.5
kill "$cap" 2>/dev/null; wait "$cap" 2>/dev/null
# Frames we sent: tagged with VLAN 7 and PCP 5 (tshark reads the tag from the pcap).
pcp=$(tshark -r "$T_RUN/vlan.pcap" -Y "eth.src == 02:76:36:00:00:10 && pppoed" -T fields -e vlan.id -e vlan.priority 2>/dev/null | sort -u)
t_log "client discovery frames vlan/prio: $pcp"
t_check "ieee8021q_prio5_in_capture" test "$pcp" = "$(printf '7\t5')"
sess=$(tshark -r "$T_RUN/vlan.pcap" -Y "eth.src == 02:76:36:00:00:10 && pppoes" -T fields -e vlan.id -e vlan.priority 2>/dev/null | sort -u)
t_check "ieee8021q_session_frames_tagged" test "$sess" = "$(printf '7\t5')"
v6l_stop
# An untagged client on the same segment gets no answer.
v6l_conf "dial_string=if=eth0 to=300 tr=2"
v6l_start
sleep 3
t_check "ieee8021q_untagged_client_gets_no_pado" grep -q "discovery failed" "$V6L_LOG"
v6l_stop
exit $T_FAILED
