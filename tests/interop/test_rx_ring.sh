#!/usr/bin/env bash
# rx_ring= in connections.ini (issue #12): the downlink's TPACKET_V3 receive ring always or
# never, instead of only while the download is fast (auto, test_lcp_adaptive.sh).
#   on    status shows the ring on once the session is up, before any traffic (one switch), and
#         still on after a download, with no switch more (never taken down when quiet)
#   off   during and after a TCP download and a flood of 64-byte UDP datagrams (above the
#         20 kframes/s at which auto turns the ring on, when the machine allows: logged) the
#         ring is never on (0 switches, no "receive ring on" in the log), and the TCP download
#         still coalesces
source "$(dirname "$0")/lib.sh"
t_begin
SECS=${RX_RING_SECS:-4}

isp_up >"$T_RUN/isp.log" 2>&1 || { t_fail "rx_ring_isp_up"; cat "$T_RUN/isp.log"; exit 1; }

ring() { v6l_json "c['counters']['rx_ring']['$1']"; }

# download NAME: iperf3 -R from the far host for SECS seconds; logs the rate
download() {
	far_iperf3_serve "$T_RUN/iperf3-s-$1.log" $((SECS + 20))
	in_cli timeout $((SECS + 15)) iperf3 -c "$FAR4" -p 5201 -R -t "$SECS" -J >"$T_RUN/iperf3-$1.json" \
		2>"$T_RUN/iperf3-$1.err"
	far_iperf3_done
	local bps
	bps=$(iperf3_bps "$T_RUN/iperf3-$1.json")
	t_log "$1: download at ${bps:-0} bit/s; rx_ring $(v6l_json "c['counters']['rx_ring']"), offload $(v6l_json "c['counters']['offload']")"
	t_check "rx_ring_${1}_download_completed" test "${bps:-0}" -gt 0
}

session_up() { # NAME
	v6l_wait_state up 20 && wait_json "c['ipv4']['address'] is not None" 20 ||
		{ t_fail "rx_ring_$1_session_up"; t_dump; exit 1; }
}

v6l_conf use_ipv4=1 use_ipv6=0 dns=0 rx_ring=on
v6l_start
session_up on
t_check "rx_ring_on_from_the_start" test "$(ring on)" = True
t_check "rx_ring_on_one_switch" test "$(ring switches)" = 1
download on
# the idle timeout of auto (200 ms) does not apply: still on, no switch more
sleep 1
t_check "rx_ring_on_still_on_after_download" test "$(ring on)" = True
t_check "rx_ring_on_no_more_switches" test "$(ring switches)" = 1
t_check "rx_ring_on_text_status" grep -Eq '^  rx ring +on, switched 1 times$' <<<"$(v6l status)"
v6l_stop

: >"$V6L_LOG"
v6l_conf use_ipv4=1 use_ipv6=0 dns=0 rx_ring=off
v6l_start
session_up off
t_check "rx_ring_off_at_start" test "$(ring on)" = False
download off
# 64-byte UDP from the far host as fast as it goes: frames per second the client received
far_iperf3_serve "$T_RUN/iperf3-s-udp.log" 20
in_cli timeout 15 iperf3 -c "$FAR4" -p 5201 -R -u -b 0 -l 64 -t 3 -J >"$T_RUN/iperf3-udp.json" 2>"$T_RUN/iperf3-udp.err"
far_iperf3_done
read -r pps sent < <(/usr/bin/python3 -c "import json; s=json.load(open('$T_RUN/iperf3-udp.json'))['end']['sum']
print(int((s['packets'] - s['lost_packets']) / s['seconds']), int(s['packets'] / s['seconds']))" 2>/dev/null)
t_log "off: UDP 64-byte download, ${sent:-?} datagrams/s sent, ${pps:-?} received (auto turns the ring on at 20000 frames/s)"
t_check "rx_ring_off_udp_flood_received" test "${pps:-0}" -gt 0
t_check "rx_ring_off_never_switched" test "$(ring switches)" = 0
t_check "rx_ring_off_not_on" test "$(ring on)" = False
t_check "rx_ring_off_not_in_log" bash -c "! grep -q 'dataplane: receive ring on' '$V6L_LOG'"
t_check "rx_ring_off_download_still_coalesced" \
	test "$(v6l_json "c['counters']['offload']['gro_coalesced'] > 0")" = True
v6l_stop
exit $T_FAILED
