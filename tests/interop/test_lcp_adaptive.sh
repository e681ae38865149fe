#!/usr/bin/env bash
# Adaptive LCP echo (as pppd's lcp-echo-adaptive): data received on the session proves the peer
# alive. The ISP drops every LCP Echo-Reply it sends (tc u32 on its access interface, inside
# UML); during a 15 s download the session survives although no echo is answered for at least 8
# lcp_echo_intervals, and once the download stops the same loss ends the session after
# lcp_echo_failure unanswered requests (so the filter is real, not a no-op).
source "$(dirname "$0")/lib.sh"
t_begin
isp_up LCP_ECHO_INTERVAL=0 >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
v6l_conf lcp_echo_interval=1 lcp_echo_failure=3 persist=0
v6l_start
t_check "lcp_adaptive_up" v6l_wait_state up 20
for _ in $(seq 50); do
	[ "$(v6l_json "c['ipv4']['address'] is not None")" = True ] && break
	sleep 0.1
done
sid=$(v6l_json "c['session_id']")

# PPPoE session frames (0x8864) to the client whose PPP protocol is LCP (0xc021) with code 10
# (Echo-Reply): after the 6-byte PPPoE header, the protocol at 6 and the LCP code at 8.
drop_replies="tc qdisc replace dev eth0 root handle 1: prio &&
	tc filter add dev eth0 parent 1: protocol 0x8864 prio 1 u32 \
		match u16 0xc021 0xffff at 6 match u8 0x0a 0xff at 8 action drop"

far_iperf3_serve "$T_RUN/iperf3-s.log" 40
# 15 s of download; the filter goes in once data flows (so that a slow start on a loaded
# machine is not 3 echo intervals without data) and stays for at least 8 echo intervals of it,
# more than twice what lcp_echo_failure allows without data.
in_cli timeout 30 iperf3 -c "$FAR4" -p 5201 -R -t 15 -J >"$T_RUN/iperf3.json" 2>"$T_RUN/iperf3.err" &
IPERF_PID=$!
rx0=$(v6l_json "c['counters']['rx_bytes']" 2>/dev/null || echo 0)
for _ in $(seq 50); do
	[ "$(v6l_json "c['counters']['rx_bytes'] > $rx0 + 1000000")" = True ] && break
	sleep 0.1
done
isp exec "$drop_replies" >/dev/null || t_fail "lcp_adaptive_tc_filter_in_the_isp"
wait "$IPERF_PID"
# What holds right at the end of the download (the checks below take time; without data the
# session ends 3 s later, as the last checks want).
after=$(v6l_json "c['state'] + '|' + str(c['session_id'])")
cp "$V6L_LOG" "$T_RUN/v6link-after-download.log"
bps=$(iperf3_bps "$T_RUN/iperf3.json")
t_check "lcp_adaptive_download_completed (${bps:-0} bit/s)" test "${bps:-0}" -gt 0
dropped=$(isp exec "tc -s filter show dev eth0 parent 1:" 2>/dev/null | sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p' | head -1)
t_check "lcp_adaptive_echo_replies_were_dropped (${dropped:-?} by the filter)" test "${dropped:-0}" -ge 8
t_check "lcp_adaptive_session_survived_download (session $sid -> $after)" test "$after" = "up|$sid"
t_check "lcp_adaptive_no_echo_timeout_during_download" \
	bash -c "! grep -q 'not answering LCP echo' '$T_RUN/v6link-after-download.log'"
# status counts the coalescing: the download's TCP segments went into the TUN as super-packets
# of at least two frames each
t_log "status offload: $(v6l_json "c['counters']['offload']"), rx_ring: $(v6l_json "c['counters']['rx_ring']")"
t_check "dataplane_status_gro_coalesced" test "$(v6l_json "c['counters']['offload']['gro_coalesced']")" -gt 0
t_check "dataplane_status_gro_frames_at_least_twice_super" \
	test "$(v6l_json "c['counters']['offload']['gro_coalesced'] >= 2 * c['counters']['offload']['gro_super']")" = True
# The downlink reads from its receive ring from the start (rx_ring=auto) and keeps it.
t_check "dataplane_receive_ring_on" test "$(v6l_json "c['counters']['rx_ring']['on']")" = True

# No more data: the same loss now ends the session after 3 x 1 s.
t_check "lcp_echo_loss_without_data_ends_session" v6l_wait_state idle 10
t_check "lcp_echo_loss_reason_logged" grep -q 'peer not answering LCP echo (3 x 1 s)' "$V6L_LOG"
isp exec "tc qdisc del dev eth0 root" >/dev/null 2>&1
v6l_stop
exit 0
