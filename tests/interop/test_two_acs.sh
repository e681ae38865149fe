#!/usr/bin/env bash
# Two access concentrators on one segment (RFC 2516 §5.2: the host may choose among PADOs):
# ac= and serv= pick the right one.
source "$(dirname "$0")/lib.sh"
t_begin
isp_up SECOND_AC=1 >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
pick() { # NAME DIALSTRING WANT_AC
	v6l_conf "dial_string=if=eth0 $2"
	v6l_start
	if v6l_wait_state up 20; then
		local ac; ac=$(v6l_json "c['ac_name']")
		t_check "rfc2516_5_2_$1 (AC '$ac')" test "$ac" = "$3"
	else
		t_fail "rfc2516_5_2_$1"; t_dump
	fi
	v6l_stop
	sleep 1
}
pick ac_filter_b "ac=isp-b" v6l-isp-b
pick ac_filter_a "ac=isp-a" v6l-isp-a
pick service_business "serv=business" v6l-isp-b
pick service_internet "serv=internet" v6l-isp-a
v6l_conf "dial_string=if=eth0 ac=nonexistent to=300 tr=2"
v6l_start
sleep 2.5
t_check "rfc2516_5_2_no_matching_ac_fails_discovery" grep -q "discovery failed" "$V6L_LOG"
v6l_stop
exit $T_FAILED
