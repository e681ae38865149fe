#!/usr/bin/env bash
# rx_ring= in connections.ini (issue #12): the downlink's TPACKET_V2 receive ring.
#   auto  (the default: no rx_ring= key) status shows the ring on once the session is up, before
#         any traffic, and still on after a download and a quiet second (it is never switched
#         off: doing so detaches the socket and drops frames); the text status names the
#         kernel's drops; the download coalesces
#   on    the same from the start
#   off   during and after a TCP download and a flood of 64-byte UDP datagrams the ring is
#         never on, the kernel's drops are still counted, and the TCP download still coalesces
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

v6l_conf use_ipv4=1 use_ipv6=0 dns=0
v6l_start
session_up auto
t_check "rx_ring_auto_on_from_the_start" test "$(ring on)" = True
download auto
sleep 1
t_check "rx_ring_auto_still_on_when_quiet" test "$(ring on)" = True
t_check "rx_ring_auto_drops_counted" test "$(v6l_json "type(c['counters']['rx_ring']['drops']) is int and c['counters']['rx_ring']['drops'] >= 0")" = True
t_check "rx_ring_auto_text_status" grep -Eq '^  rx ring +on, [0-9]+ frames dropped by the kernel$' <<<"$(v6l status)"
t_check "rx_ring_auto_download_coalesced" \
	test "$(v6l_json "c['counters']['offload']['gro_coalesced'] > 0")" = True
t_check "rx_ring_auto_no_fallback_logged" bash -c "! grep 'receive ring' '$V6L_LOG' >/dev/null"
v6l_stop

: >"$V6L_LOG"
v6l_conf use_ipv4=1 use_ipv6=0 dns=0 rx_ring=on
v6l_start
session_up on
t_check "rx_ring_on_from_the_start" test "$(ring on)" = True
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
t_log "off: UDP 64-byte download, ${sent:-?} datagrams/s sent, ${pps:-?} received"
t_check "rx_ring_off_udp_flood_received" test "${pps:-0}" -gt 0
t_check "rx_ring_off_not_on" test "$(ring on)" = False
t_check "rx_ring_off_drops_counted" test "$(v6l_json "type(c['counters']['rx_ring']['drops']) is int")" = True
t_check "rx_ring_off_text_status" grep -Eq '^  rx ring +off, [0-9]+ frames dropped by the kernel$' <<<"$(v6l status)"
t_check "rx_ring_off_download_still_coalesced" \
	test "$(v6l_json "c['counters']['offload']['gro_coalesced'] > 0")" = True
v6l_stop
exit $T_FAILED
