#!/usr/bin/env bash
# A wrong password: a clear error, back to idle with nothing on the host, redial with back-off
# (RFC 1334 §2.2.3 Authenticate-Nak / RFC 1994 §4.4 Failure), never a tight loop.
source "$(dirname "$0")/lib.sh"
t_begin
isp_up AUTH=chap >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
ISP_PASS=wrong-password-123 v6l_conf redial_delay=1 redial_delay_max=8
v6l_start
sleep 1
for _ in $(seq 100); do
	grep -q "refused" "$V6L_LOG" && break
	sleep 0.1
done
t_check "rfc1994_4_4_failure_reported_clearly" grep -q "auth\[dsl\]: login as 'v6luser' refused" "$V6L_LOG"
t_check "auth_failure_last_error_in_status" \
	test "$(v6l_json "'authentication failed' in (c['last_error'] or '')")" = True
# Back at idle, with no address or route of the session left while the TUN still exists. The
# redial waits 1, 2, 4 s: polled, since a loaded machine may read the status only once the
# 1 s wait is over and the next attempt is under way.
idle_with_redial() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(v6l_json "c['state'] == 'idle' and c.get('redial_in', 0) >= 1")" = True ] && return 0
		sleep 0.1
	done
	return 1
}
t_check "auth_failure_state_idle_and_redial_scheduled" idle_with_redial
t_check "auth_failure_no_address_or_route_left" \
	bash -c "! ip netns exec $NS_CLI ip addr show dev v6link0 | grep 'inet' >/dev/null && ! ip netns exec $NS_CLI ip route | grep v6link0 >/dev/null"
# Back-off: attempts are spaced by 1, 2, 4 s (redial_delay=1, doubling): at most 5 in 12 s.
sleep 12
n=$(grep -c "refused" "$V6L_LOG")
t_log "attempts in ~13 s: $n"
t_check "auth_failure_backoff_no_tight_loop ($n attempts in 13 s)" test "$n" -ge 2 -a "$n" -le 5
t_check "auth_failure_backoff_growing" grep -q "redialling in 4 s" "$V6L_LOG"
grep -q "wrong-password-123" "$V6L_LOG" && t_fail "wrong_password_never_logged" || t_ok "wrong_password_never_logged"
v6l_stop
exit $T_FAILED
