#!/usr/bin/env bash
# The ISP ends the session: PADT (RFC 2516 §5.5), pppd killed, and a silent ISP (LCP echo,
# RFC 1661 §5.8): v6link notices, cleans up, redials and traffic flows again.
source "$(dirname "$0")/lib.sh"
t_begin
trap 'cap_stop_all; t_cleanup' EXIT
isp_up >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
ECHO_INTERVAL=1 ECHO_FAILURE=3
v6l_conf redial_delay=1 lcp_echo_interval=$ECHO_INTERVAL lcp_echo_failure=$ECHO_FAILURE
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
# A silent ISP (RFC 1661 §5.8): the ISP's frames to us are dropped from now on. lcp.c counts the
# Echo-Requests left unanswered since the last PPP control frame it received (LCP, IPCP, ... but
# not IP: only those reach ppp_link_on_packet) and, at the tick where ECHO_FAILURE are pending,
# closes LCP instead of sending another. So in a capture of eth0 exactly ECHO_FAILURE
# Echo-Requests lie between the last control frame from the AC and our Terminate-Request, at
# least ECHO_INTERVAL apart, and the Terminate-Request comes ECHO_FAILURE x ECHO_INTERVAL or more
# after that frame. Load can only delay our timers, which none of these depends on.
silent() {
	local sid0 t0 n verdict name
	sid0=$(v6l_json "c['session_id']")
	cap_start "$NS_CLI" eth0 silent ether proto 0x8864
	# an answered Echo-Request in the capture first: the AC's last control frame must be in it
	sleep "$(python3 -c "print($ECHO_INTERVAL + 0.5)")"
	t0=$(date +%s.%N)
	isp netem-loss 100 >/dev/null
	# (a generous bound: the verdict comes from the capture, not from this wait)
	for _ in $(seq 300); do grep -q "peer not answering LCP echo" "$V6L_LOG" && break; sleep 0.1; done
	t_log "silent ISP noticed after $(python3 -c "print(f'{$(date +%s.%N)-$t0:.1f}')") s"
	sleep 0.5 # our Terminate-Request is on the wire
	cap_stop silent
	isp netem-loss 0 >/dev/null
	verdict=$(tshark -n -r "$T_RUN/silent.pcap" -Y pppoes -T fields -E separator=, -e frame.time_epoch \
		-e eth.src -e ppp.protocol -e ppp.code 2>/dev/null | python3 -c "
import sys
me, t0, n_want, ival = '$(in_cli cat /sys/class/net/eth0/address)', $t0, $ECHO_FAILURE, $ECHO_INTERVAL
rows = [l.strip().split(',') for l in sys.stdin if l.strip()]
rows = [(float(r[0]), r[1], int(r[2], 16) if r[2] else 0, int(r[3]) if len(r) > 3 and r[3] else 0)
        for r in rows]
term = next((i for i, r in enumerate(rows) if r[0] >= t0 and r[1] == me and r[2] == 0xc021 and r[3] == 5), None)
if term is None:
    sys.exit('no LCP Terminate-Request from us in the capture')
ctl = [i for i in range(term) if rows[i][1] != me and rows[i][2] not in (0x0021, 0x0057)]
if not ctl:
    sys.exit('no control frame from the AC before our Terminate-Request')
ref = ctl[-1]
req = [rows[i][0] for i in range(ref + 1, term) if rows[i][1] == me and rows[i][2] == 0xc021 and rows[i][3] == 9]
gaps = [b - a for a, b in zip([rows[ref][0]] + req, req + [rows[term][0]])]
print('%d Echo-Requests unanswered (want %d), Terminate-Request %.1f s after the AC fell silent, gaps %s' % (
    len(req), n_want, rows[term][0] - rows[ref][0], ' '.join('%.2f' % g for g in gaps[1:])))
# timers fire at or after their deadline: 50 ms for the capture's timestamps
ok = len(req) == n_want and rows[term][0] - rows[ref][0] >= n_want * ival - 0.05 and all(g >= ival - 0.05 for g in gaps[1:])
sys.exit(0 if ok else 1)
" 2>&1)
	n=$?
	name="rfc1661_5_8_silent_isp_link_closed_after_lcp_echo_failure_unanswered_echo_requests"
	if [ $n = 0 ]; then t_ok "$name ($verdict)"; else t_fail "$name ($verdict)"; t_dump; fi
	if v6l_wait_state up 40 && [ "$(v6l_json "c['session_id'] != $sid0")" = True ]; then
		wait_json "c['ipv4']['address'] is not None" 10 # "up" comes with the first NCP
		t_check "silent_isp_back_redialled_new_session_traffic" in_cli ping -c 2 -i 0.2 -W 2 "$FAR4"
	else
		t_fail "silent_isp_back_redialled_new_session_traffic"; t_dump
	fi
}
silent
v6l down dsl >/dev/null
v6l_wait_state idle 10
t_check "down_removes_address_and_routes_tun_kept" \
	bash -c "ip netns exec $NS_CLI ip link show v6link0 >/dev/null && ! ip netns exec $NS_CLI ip addr show dev v6link0 | grep inet >/dev/null && ! ip netns exec $NS_CLI ip route | grep v6link0 >/dev/null && ! ip netns exec $NS_CLI ip -6 route | grep v6link0 >/dev/null"
v6l_stop
exit $T_FAILED
