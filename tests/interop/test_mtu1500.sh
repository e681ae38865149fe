#!/usr/bin/env bash
# RFC 4638 (PPP-Max-Payload, MTU 1500 over PPPoE) against Debian's pppoe-server 3.15 + pppd
# 2.4.9 in the UML. pppoe-server grants PPP-Max-Payload up to its interface's MTU - 8 and then
# starts pppd with "mru N mtu N"; the kernel-mode pppd (rp-pppoe plugin) takes up to 1500. So an
# access segment of MTU 1508 on the ISP side (isp.sh ACC_MTU=1508) gives a granting AC, the
# default 1500 one that leaves the tag out. The client's eth0 starts at 1500 each time: v6link
# must raise it to 1508 for full-size frames, and put it back.
#   ISP 1 (grants 1500, RA MTU 1500):
#     granted   mru=1500 on eth0: eth0 1508 during, 1500 after; 1500-byte IPv4 (DF) and IPv6
#               packets both ways, 1522-byte frames on the wire
#     lower     mru=1500 on a macvlan on eth0 (cannot exceed eth0's MTU): both raised, both back;
#               after a SIGKILL both stay raised and the next start puts them back
#     refused   a macvlan whose lower device is in another namespace (a container's): its 1508
#               is refused, PPP-Max-Payload is not asked for, the session runs at 1492
#   ISP 2 (grants 1500 on eth0.7): vlan=7 mru=1500: the tag needs no more than 1508 on eth0
#   ISP 3 (does not grant): mru=1500: session at 1492 with a log line saying why; 1500-byte DF
#     packets get Fragmentation Needed / Packet Too Big (mtu 1492) or a local EMSGSIZE, never
#     silence
source "$(dirname "$0")/lib.sh"
t_begin
NS_CLI0=$NS_CLI
NS_CTR=$NS_CLI0-ctr # the "container" of the refused case
MAC_CLI=02:76:36:00:00:10
MAC_MV0=02:76:36:00:00:30
MAC_MV1=02:76:36:00:00:31
trap 'cap_stop_all; t_cleanup; ip netns del "$NS_CTR" 2>/dev/null' EXIT

mtu_of() { # NS DEV
	ip netns exec "$1" cat "/sys/class/net/$2/mtu" 2>/dev/null
}
# The last IPv4 / global IPv6 address of the session (status --json).
our4() { v6l_json "c['ipv4']['address']"; }
our6() { v6l_json "c['ipv6']['addresses'][0]['address']"; }
# A DF ping (IPv4 -M do, IPv6 never fragments here either): NS FAMILY SIZE DST
ping_df() {
	ip netns exec "$1" ping "-$2" -c 2 -i 0.3 -W 2 -M do -s "$3" "$4"
}
# tshark field values of FILE for filter FILTER (sorted, unique, one line)
fields() { # FILE FILTER FIELD   (PPP-Max-Payload comes out as hex: 05dc = 1500)
	tshark -n -r "$1" -Y "$2" -T fields -e "$3" 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//'
}

conf() { # extra KEY=VALUE ...
	v6l_conf mru=1500 use_ipv4=1 use_ipv6=1 dns=0 "$@"
}

# ---------------------------------------------------------------------------------------------
t_log "ISP 1: access segment MTU 1508, pppd mtu/mru 1500, RA MTU 1500"
isp_up ACC_MTU=1508 PPP_MTU=1500 RA=slaac RA_MTU=1500 >"$T_RUN/isp1.log" 2>&1 ||
	{ t_fail "rfc4638_isp_up (granting AC)"; cat "$T_RUN/isp1.log"; exit 1; }

# --- granted, plain adapter
old=$(mtu_of "$NS_CLI" eth0)
t_log "eth0 MTU before: $old"
conf
cap_start "$NS_CLI" eth0 granted
v6l_start
v6l_wait_state up 20 && wait_json "len(c['ipv6']['addresses']) > 0" 20 ||
	{ t_fail "rfc4638_granted_session_up"; t_dump; }
t_check "rfc4638_4_granted_adapter_raised_to_1508" test "$(mtu_of "$NS_CLI" eth0)" = 1508
t_check "rfc4638_4_granted_session_mtu_1500" test "$(v6l_json "c['mtu']")" = 1500
t_check "rfc4638_4_granted_tun_mtu_1500" test "$(mtu_of "$NS_CLI" v6link0)" = 1500
t_check "rfc4638_4_granted_log" grep -q "AC 'v6l-isp-a' granted PPP-Max-Payload 1500 of 1500" "$V6L_LOG"
t_check "rfc4638_4_granted_status_line" \
	bash -c "ip netns exec $NS_CLI $V6L_BIN -S $V6L_SOCK status | grep -q 'mtu  *1500: PPP-Max-Payload 1500 of 1500 granted (RFC 4638), eth0 MTU 1508'"
a4=$(our4) a6=$(our6)
t_log "our addresses: $a4 $a6"
t_check "rfc4638_ipv4_df_1500_out" ping_df "$NS_CLI" 4 1472 "$FAR4"
t_check "rfc4638_ipv4_df_1500_in" ping_df "$NS_FAR" 4 1472 "$a4"
t_check "rfc4638_ipv6_1500_out" ping_df "$NS_CLI" 6 1452 "$FAR6"
t_check "rfc4638_ipv6_1500_in" ping_df "$NS_FAR" 6 1452 "$a6"
sleep 1 # tcpdump drops what it has not read yet when it is stopped
cap_stop granted
t_log "PADS PPP-Max-Payload: $(fields "$T_RUN/granted.pcap" 'pppoe.code == 0x65' pppoed.tags.max_payload)"
t_check "rfc4638_4_pads_grants_1500" \
	test "$(fields "$T_RUN/granted.pcap" 'pppoe.code == 0x65' pppoed.tags.max_payload)" = 05dc
# (the ISP's pppd sends no MRU option for its 1500, the RFC 1661 default)
t_check "rfc4638_lcp_our_mru_1500_acked" \
	test "$(fields "$T_RUN/granted.pcap" "lcp && ppp.code == 2 && eth.src == 02:76:36:00:00:01" lcp.opt.mru)" = 1500
n_out=$(tshark -n -r "$T_RUN/granted.pcap" -Y "pppoes && frame.len == 1522 && eth.src == $MAC_CLI" 2>/dev/null | wc -l)
n_in=$(tshark -n -r "$T_RUN/granted.pcap" -Y "pppoes && frame.len == 1522 && eth.dst == $MAC_CLI" 2>/dev/null | wc -l)
t_log "1522-byte session frames: $n_out sent, $n_in received"
t_check "rfc4638_full_frames_on_the_wire" test "$n_out" -ge 4 -a "$n_in" -ge 4
t_check "rfc4638_granted_capture_clean" cap_clean "$T_RUN/granted.pcap"
v6l_stop
t_check "rfc4638_adapter_mtu_restored_on_exit" test "$(mtu_of "$NS_CLI" eth0)" = "$old"
t_check "rfc4638_restore_logged" grep -q "undo link set eth0 mtu $old (restore)" "$V6L_LOG"

# --- an adapter stacked on eth0: the lower device is raised first
: >"$V6L_LOG"
in_cli ip link add link eth0 name mv0 address "$MAC_MV0" type macvlan mode bridge
in_cli ip link set mv0 up
t_log "mv0 (macvlan on eth0) refuses 1508 while eth0 is at 1500: $(in_cli ip link set mv0 mtu 1508 2>&1)"
conf "dial_string=if=mv0"
v6l_start
v6l_wait_state up 20 || { t_fail "rfc4638_lower_session_up"; t_dump; }
t_check "rfc4638_lower_device_raised" test "$(mtu_of "$NS_CLI" eth0)/$(mtu_of "$NS_CLI" mv0)" = 1508/1508
t_check "rfc4638_lower_logged" grep -q "MTU of eth0 (the lower device of mv0) raised from 1500 to 1508" "$V6L_LOG"
t_check "rfc4638_lower_session_mtu_1500" test "$(v6l_json "c['mtu']")" = 1500
t_check "rfc4638_lower_ipv4_df_1500_both_ways" \
	bash -c "ip netns exec $NS_CLI ping -c 2 -W 2 -M do -s 1472 $FAR4 && ip netns exec $NS_FAR ping -c 2 -W 2 -M do -s 1472 $(our4)"
v6l_stop
t_check "rfc4638_lower_both_restored" test "$(mtu_of "$NS_CLI" eth0)/$(mtu_of "$NS_CLI" mv0)" = 1500/1500
t_check "rfc4638_mtu_record_removed_on_exit" test ! -e "$T_RUN/dsl.mtu"

# --- a crash leaves both raised: the next start puts them back (RUN/dsl.mtu), before it dials
: >"$V6L_LOG"
v6l_start
v6l_wait_state up 20 || { t_fail "rfc4638_crash_session_up"; t_dump; }
kill -KILL "$V6L_PID"; wait "$V6L_PID" 2>/dev/null; V6L_PID=
t_check "rfc4638_crash_leaves_both_raised" test "$(mtu_of "$NS_CLI" eth0)/$(mtu_of "$NS_CLI" mv0)" = 1508/1508
t_check "rfc4638_crash_leaves_mtu_record" grep -qx "lower=eth0" "$T_RUN/dsl.mtu"
conf "dial_string=if=mv0" mru=1492 # a restart that raises nothing of its own
v6l_start
v6l_wait_state up 20 || { t_fail "rfc4638_after_crash_session_up"; t_dump; }
t_check "rfc4638_after_crash_both_put_back" test "$(mtu_of "$NS_CLI" eth0)/$(mtu_of "$NS_CLI" mv0)" = 1500/1500
t_check "rfc4638_after_crash_logged" grep -q "MTU of eth0 put back from 1508 to 1500 (raised by an earlier run)" "$V6L_LOG"
t_check "rfc4638_after_crash_record_gone" test ! -e "$T_RUN/dsl.mtu"
v6l_stop
in_cli ip link del mv0

# --- a NIC that refuses 1508: a macvlan whose lower device lives in another namespace
: >"$V6L_LOG"
ip netns add "$NS_CTR"
ip -n "$NS_CTR" link set lo up
in_cli ip link add link eth0 name mv1 address "$MAC_MV1" type macvlan mode bridge
in_cli ip link set mv1 netns "$NS_CTR"
ip -n "$NS_CTR" link set mv1 up
NS_CLI=$NS_CTR
conf "dial_string=if=mv1"
cap_start "$NS_CLI0" eth0 refused
v6l_start
v6l_wait_state up 20 || { t_fail "rfc4638_refused_session_up"; t_dump; }
t_check "rfc4638_refused_session_mtu_1492" test "$(v6l_json "c['mtu']")" = 1492
t_check "rfc4638_refused_tun_mtu_1492" test "$(mtu_of "$NS_CLI" v6link0)" = 1492
t_check "rfc4638_refused_adapter_unchanged" test "$(mtu_of "$NS_CLI" mv1)" = 1500
grep "cannot carry" "$V6L_LOG"
t_check "rfc4638_refused_logged" grep -q "mv1 cannot carry MTU 1508 for mru=1500 (RFC 4638): link set mv1 mtu 1508: Invalid argument; mv1 is a macvlan device whose lower device is in another network namespace; PPP-Max-Payload not asked for, session MTU at most 1492" "$V6L_LOG"
t_check "rfc4638_refused_status_line" \
	bash -c "ip netns exec $NS_CLI $V6L_BIN -S $V6L_SOCK status | grep -q 'mtu  *1492: mv1 cannot carry MTU 1508'"
t_check "rfc4638_refused_ipv4_1492_passes" ping_df "$NS_CLI" 4 1464 "$FAR4"
out=$(ping_df "$NS_CLI" 4 1472 "$FAR4" 2>&1)
t_log "$(echo "$out" | grep -m1 -i 'too long')"
t_check "rfc4638_refused_ipv4_1500_local_emsgsize" grep -q "message too long, mtu=1492" <<<"$out"
sleep 1
cap_stop refused
t_check "rfc4638_refused_no_max_payload_asked" \
	test -z "$(fields "$T_RUN/refused.pcap" "pppoed && eth.src == $MAC_MV1" pppoed.tags.max_payload)"
v6l_stop
NS_CLI=$NS_CLI0
ip netns del "$NS_CTR"
isp down

# ---------------------------------------------------------------------------------------------
t_log "ISP 2: PPPoE on eth0.7, access segment MTU 1508"
isp_up ACC_MTU=1508 PPP_MTU=1500 VLAN=7 >"$T_RUN/isp2.log" 2>&1 ||
	{ t_fail "rfc4638_isp_up (VLAN 7)"; cat "$T_RUN/isp2.log"; exit 1; }
: >"$V6L_LOG"
conf "dial_string=if=eth0 vlan=7 prio=5" use_ipv6=0
cap_start "$NS_CLI" eth0 vlan
v6l_start
v6l_wait_state up 20 || { t_fail "rfc4638_vlan_session_up"; t_dump; }
t_check "rfc4638_vlan_adapter_1508" test "$(mtu_of "$NS_CLI" eth0)" = 1508
t_check "rfc4638_vlan_session_mtu_1500" test "$(v6l_json "c['mtu']")" = 1500
t_check "rfc4638_vlan_ipv4_df_1500_out" ping_df "$NS_CLI" 4 1472 "$FAR4"
t_check "rfc4638_vlan_ipv4_df_1500_in" ping_df "$NS_FAR" 4 1472 "$(our4)"
sleep 1
cap_stop vlan
n=$(tshark -n -r "$T_RUN/vlan.pcap" -Y "vlan.id == 7 && pppoes && frame.len == 1526" 2>/dev/null | wc -l)
t_log "1526-byte tagged session frames: $n"
t_check "rfc4638_vlan_full_tagged_frames" test "$n" -ge 4
v6l_stop
t_check "rfc4638_vlan_adapter_restored" test "$(mtu_of "$NS_CLI" eth0)" = 1500
isp down

# ---------------------------------------------------------------------------------------------
t_log "ISP 3: access segment MTU 1500: pppoe-server leaves PPP-Max-Payload out"
isp_up RA=slaac >"$T_RUN/isp3.log" 2>&1 ||
	{ t_fail "rfc4638_isp_up (no grant)"; cat "$T_RUN/isp3.log"; exit 1; }
: >"$V6L_LOG"
conf
cap_start "$NS_CLI" eth0 nogrant
v6l_start
v6l_wait_state up 20 && wait_json "len(c['ipv6']['addresses']) > 0" 20 ||
	{ t_fail "rfc4638_nogrant_session_up"; t_dump; }
grep "did not grant" "$V6L_LOG"
t_check "rfc4638_nogrant_logged" \
	grep -q "AC 'v6l-isp-a' did not grant PPP-Max-Payload 1500 (RFC 4638): session MTU 1492" "$V6L_LOG"
t_check "rfc4638_nogrant_status_line" \
	bash -c "ip netns exec $NS_CLI $V6L_BIN -S $V6L_SOCK status | grep -q 'mtu  *1492: AC .v6l-isp-a. did not grant PPP-Max-Payload 1500 (RFC 4638)'"
t_check "rfc4638_nogrant_session_mtu_1492" test "$(v6l_json "c['mtu']")" = 1492
t_check "rfc4638_nogrant_tun_mtu_1492" test "$(mtu_of "$NS_CLI" v6link0)" = 1492
a4=$(our4) a6=$(our6)
t_check "rfc4638_nogrant_ipv4_1492_both_ways" \
	bash -c "ip netns exec $NS_CLI ping -c 2 -W 2 -M do -s 1464 $FAR4 && ip netns exec $NS_FAR ping -c 2 -W 2 -M do -s 1464 $a4"
t_check "rfc4638_nogrant_ipv6_1492_both_ways" \
	bash -c "ip netns exec $NS_CLI ping -6 -c 2 -W 2 -M do -s 1444 $FAR6 && ip netns exec $NS_FAR ping -6 -c 2 -W 2 -M do -s 1444 $a6"
out=$(ping_df "$NS_FAR" 4 1472 "$a4" 2>&1)
t_log "far -> us, 1500 DF: $(echo "$out" | grep -m1 -i 'frag')"
t_check "rfc4638_nogrant_ipv4_in_frag_needed_1492" grep -q "Frag needed and DF set (mtu = 1492)" <<<"$out"
out=$(ping_df "$NS_FAR" 6 1452 "$a6" 2>&1)
t_log "far -> us, 1500 IPv6: $(echo "$out" | grep -m1 -i 'too big')"
t_check "rfc4638_nogrant_ipv6_in_packet_too_big_1492" grep -q "Packet too big: mtu=1492" <<<"$out"
out=$(ping_df "$NS_CLI" 4 1472 "$FAR4" 2>&1)
t_check "rfc4638_nogrant_ipv4_out_local_emsgsize" grep -q "message too long, mtu=1492" <<<"$out"
out=$(ping_df "$NS_CLI" 6 1452 "$FAR6" 2>&1)
t_check "rfc4638_nogrant_ipv6_out_local_emsgsize" grep -q "message too long, mtu: 1492" <<<"$out"
sleep 1
cap_stop nogrant
t_check "rfc4638_nogrant_padi_asks_1500" \
	test "$(fields "$T_RUN/nogrant.pcap" 'pppoe.code == 0x09' pppoed.tags.max_payload)" = 05dc
t_check "rfc4638_nogrant_pads_without_tag" \
	test -z "$(fields "$T_RUN/nogrant.pcap" 'pppoe.code == 0x65' pppoed.tags.max_payload)"
n=$(tshark -n -r "$T_RUN/nogrant.pcap" -Y "pppoes && frame.len > 1514" 2>/dev/null | wc -l)
t_check "rfc4638_nogrant_no_frame_above_1514" test "$n" = 0
v6l_stop
t_check "rfc4638_nogrant_adapter_restored" test "$(mtu_of "$NS_CLI" eth0)" = 1500
exit $T_FAILED
