#!/usr/bin/env bash
# What a crash leaves and what the next start undoes (issue #11), against the UML ISP:
# v6link is SIGKILLed while up with its DNS servers in /etc/netns/NS/resolv.conf. The crash
# leaves the session record (RUN/dsl.session), the hook state (RUN/dsl.env), v6link's resolv.conf
# and the session at the ISP. The next start ends that session with a PADT (RFC 2516 §5.5) that
# the AC sees at once (the ISP's own LCP echo is slowed down to 30 s x 3, so nothing else could
# end the session within the bound), dials a new one, replaces the stale record and env, and puts
# back the original resolv.conf (resolver.state in the state dir): after a clean SIGTERM the file
# is the original byte for byte, or absent when there was none (the stale file must not become
# the "original"), also after two crashes in a row.
#   A  original resolv.conf: crash, restart, SIGTERM -> original
#   C  no resolv.conf:       crash, restart, SIGTERM -> none
#   D  original resolv.conf: crash, restart, crash again, restart, SIGTERM -> original
source "$(dirname "$0")/lib.sh"
t_begin
CLI_RESOLV=/etc/netns/$NS_CLI/resolv.conf
ORIG=$T_RUN/resolv.conf.orig
STATE=$V6L_CONF/state
MAC_CLI=02:76:36:00:00:10
MAC_AC=02:76:36:00:00:01
ECHO_INTERVAL=30 ECHO_FAILURE=3
PADT_BOUND=15 # s from the restart to the old session's end at the ISP (LCP echo: >= 90 s)

crash_cleanup() {
	cap_stop_all
	t_cleanup
	rm -rf "/etc/netns/$NS_CLI"
}
trap crash_cleanup EXIT

now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.2f}')"; }

# The ISP's sessions as "PPPD_PID SESSION_ID" lines.
isp_sids() { isp sessions 2>/dev/null | sed -n 's/^pid=\([0-9]*\) .*session=\([0-9]*\):.*/\1 \2/p'; }
# The pid of the ISP's pppd that serves session SID (empty if none).
isp_pid_of() { isp_sids | awk -v s="$1" '$2 == s { print $1 }'; }
is_ours() { head -1 "$CLI_RESOLV" 2>/dev/null | grep '^# written by v6link' >/dev/null; }
dns_applied() { is_ours && grep -x 'nameserver 203.0.113.53' "$CLI_RESOLV" >/dev/null; }
# this run's part of the daemon's log (v6l_start appends)
LOG_MARK=0
run_log() { tail -n +"$((LOG_MARK + 1))" "$V6L_LOG"; }
has_log() { run_log | grep -F -- "$1" >/dev/null; }

# run_up NAME: starts the daemon; waits until up with the IPCP DNS server in resolv.conf and the
# session recorded. Sets SID (the session id) and PPPD (the ISP's pppd of it).
run_up() {
	local name=$1 i
	SID='' PPPD=''
	LOG_MARK=$({ wc -l <"$V6L_LOG"; } 2>/dev/null || echo 0)
	v6l_start
	if ! v6l_wait_state up 25; then
		t_fail "${name}_up"; t_dump; return 1
	fi
	SID=$(v6l_json "c['session_id']")
	for ((i = 0; i < 100; i++)); do
		dns_applied 2>/dev/null && [ -s "$T_RUN/dsl.session" ] && [ -s "$T_RUN/dsl.env" ] && break
		sleep 0.1
	done
	PPPD=$(isp_pid_of "$SID")
	t_log "$name: up, session $SID (ISP pppd ${PPPD:-?}), resolv.conf: $(grep -c '^nameserver' "$CLI_RESOLV" 2>/dev/null) server(s) of v6link"
	t_check "${name}_up_with_dns_applied (session $SID)" dns_applied
}

# crash NAME: SIGKILL, then what the crash leaves.
crash() {
	local name=$1
	kill -KILL "$V6L_PID"
	wait "$V6L_PID" 2>/dev/null
	V6L_PID=
	t_log "$name: SIGKILLed in session $SID"
	t_check "${name}_crash_leaves_session_record" grep -qx "session_id=$SID" "$T_RUN/dsl.session"
	# (NAME.env: KEY='value' lines, shell-quoted for `. NAME.env`; older builds wrote KEY=value)
	t_check "${name}_crash_leaves_env" grep -Eqx "V6LINK_SESSION_ID='?$SID'?" "$T_RUN/dsl.env"
	t_check "${name}_crash_leaves_v6link_resolv_conf" is_ours
	t_check "${name}_crash_leaves_resolver_state" test -s "$STATE/resolver.state"
	t_check "${name}_isp_still_has_session_$SID" test -n "$(isp_pid_of "$SID")"
}

# restart NAME HAD: starts the daemon after a crash in session SID (pppd PPPD at the ISP) and
# checks the recovery: PADT at the AC, the old session gone promptly, a new session, a fresh
# record, the log naming both recoveries (HAD: file = an original resolv.conf is put back, none =
# v6link's is removed). Leaves the new run up (SID/PPPD of the new session).
restart() {
	local name=$1 old_sid=$SID old_pppd=$PPPD had=$2 t0 ev dt
	cap_start "$NS_ISP" tisp0 "padt-$name" ether proto 0x8863 ||
		t_fail "${name}_capture_at_ac_port"
	t0=$(now)
	run_up "$name" || return 1
	# The old session's pppd exits at the ISP: pppoe-server ends it when the PADT arrives.
	if ev=$(isp wait-event "pppd-exit pid=$old_pppd " "$PADT_BOUND" 2>/dev/null); then
		dt=$(python3 -c "print(f'{${ev%% *} - $t0:.2f}')")
		t_ok "${name}_old_session_${old_sid}_ended_at_isp_promptly (${dt} s after the restart; LCP echo would take >= $((ECHO_INTERVAL * ECHO_FAILURE)) s)"
	else
		t_fail "${name}_old_session_${old_sid}_ended_at_isp_promptly (still there $(since "$t0") s after the restart: $(isp_sids | tr '\n' ' '))"
	fi
	t_check "${name}_old_session_not_ended_by_lcp_echo" bash -c "! grep -E 'pppd\\[$old_pppd\\]: No response to' '$ISP_RUN/syslog.log' >/dev/null"
	cap_stop "padt-$name"
	# The client's discovery frames as they reach the AC's port: the first PADT for the old
	# session and the first PADR of the new one (frame number and seconds after the restart).
	local pcap=$T_RUN/padt-$name.pcap padt_at padr_at
	padt_at=$(tshark -n -r "$pcap" -Y "pppoe.code == 0xa7 && pppoe.session_id == $old_sid && eth.src == $MAC_CLI && eth.dst == $MAC_AC" \
		-T fields -e frame.number -e frame.time_epoch 2>/dev/null | head -1)
	padr_at=$(tshark -n -r "$pcap" -Y "pppoe.code == 0x19 && eth.src == $MAC_CLI" -T fields -e frame.number -e frame.time_epoch 2>/dev/null | head -1)
	if [ -n "$padt_at" ]; then
		t_ok "rfc2516_5_5_${name}_padt_for_session_left_by_crash (session $old_sid, at the AC's port $(python3 -c "print(f'{${padt_at#*$'\t'} - $t0:.2f}')") s after the restart)"
	else
		t_fail "rfc2516_5_5_${name}_padt_for_session_left_by_crash (no PADT for session $old_sid from $MAC_CLI to $MAC_AC)"
		tshark -n -r "$pcap" 2>/dev/null | head -20
	fi
	local padt_no=${padt_at%%$'\t'*} padr_no=${padr_at%%$'\t'*}
	t_check "${name}_padt_before_the_new_padr (frames ${padt_no:-none}, ${padr_no:-none})" \
		test "${padt_no:-999999}" -lt "${padr_no:-0}"
	t_check "${name}_new_session_after_crash ($old_sid -> $SID)" test -n "$SID" -a "$SID" != "$old_sid"
	local sids extra
	sids=" $(isp_sids | awk '{ print $2 }' | tr '\n' ' ')"
	t_check "${name}_isp_has_the_new_session_not_the_old (sessions:$sids)" \
		test "${sids/ $SID /}" != "$sids" -a "${sids/ $old_sid /}" = "$sids"
	# A PADS that answers a retransmitted PADR (the AC took over 2 s for the first, e.g. while
	# it still ends the old session) names another new session: v6link ignores it and sends no
	# PADT, so the AC keeps it until its LCP Configure-Requests time out (about 30 s).
	extra=$(echo "${sids/ $SID /}" | xargs)
	[ -z "$extra" ] || t_log "$name: note: the ISP also has session(s) $extra (not ours): $(run_log | grep -c 'PADS ignored in state session') PADS ignored in state session"
	t_check "${name}_stale_session_record_replaced" grep -qx "session_id=$SID" "$T_RUN/dsl.session"
	t_check "${name}_stale_env_replaced" grep -Eqx "V6LINK_SESSION_ID='?$SID'?" "$T_RUN/dsl.env"
	t_check "${name}_log_names_padt_sent" has_log "conn[dsl]: PADT sent for session $old_sid on eth0, left open by an earlier run"
	t_check "${name}_log_names_resolver_undone" has_log "resolver: undoing what an earlier run left in resolv.conf $CLI_RESOLV"
	if [ "$had" = file ]; then
		t_check "${name}_log_names_resolver_restored" has_log "resolver: $CLI_RESOLV restored"
	else
		t_check "${name}_log_names_resolver_removed" has_log "resolver: $CLI_RESOLV removed (v6link had created it)"
	fi
}

# stop NAME: SIGTERM; a clean stop leaves no record, env or resolver state.
stop() {
	local name=$1 rc
	v6l_stop
	rc=$?
	t_check "${name}_sigterm_exit_0 (rc $rc)" test "$rc" = 0
	t_check "${name}_sigterm_removes_record_env_state" bash -c "[ ! -e '$T_RUN/dsl.session' ] && [ ! -e '$T_RUN/dsl.env' ] && [ ! -e '$STATE/resolver.state' ]"
	t_check "${name}_sigterm_leaves_nothing" v6l_host_clean
}

isp_up LCP_ECHO_INTERVAL=$ECHO_INTERVAL LCP_ECHO_FAILURE=$ECHO_FAILURE FAR_HTTP=0 FAR_DNS=0 \
	>"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
v6l_conf
T_START=$(now)
LABELS0=$(ip -n "$NS_CLI" addrlabel list)

# ---- A: an original resolv.conf; crash, restart, SIGTERM ----
rm -rf "/etc/netns/$NS_CLI"
mkdir -p "/etc/netns/$NS_CLI"
printf '# the host resolver before v6link (test_crash A)\nnameserver 192.0.2.53\noptions edns0 timeout:2\n' >"$CLI_RESOLV"
chmod 0640 "$CLI_RESOLV"
cp -p "$CLI_RESOLV" "$ORIG"
run_up a_first_run || exit 1
crash a_first_run
restart a_restart file
stop a_restart
t_check "a_original_resolv_conf_back_byte_for_byte_after_crash_and_restart" cmp "$ORIG" "$CLI_RESOLV"
t_check "a_original_resolv_conf_mode_kept ($(stat -c %a "$CLI_RESOLV" 2>&1))" test "$(stat -c %a "$CLI_RESOLV" 2>&1)" = 640
# gai.conf (the policy owner's, recovered from policy.state like resolv.conf) is gone again
t_check "a_netns_dir_holds_only_the_original ($(ls -A "/etc/netns/$NS_CLI" | tr '\n' ' '))" test "$(ls -A "/etc/netns/$NS_CLI")" = resolv.conf

# ---- C: no resolv.conf at all; crash, restart, SIGTERM (the stale file must not become the original) ----
rm -rf "/etc/netns/$NS_CLI"
run_up c_first_run || exit 1
t_check "c_resolver_state_records_no_original" grep -qx 'had none' "$STATE/resolver.state"
crash c_first_run
restart c_restart none
t_check "c_restart_state_records_no_original" grep -qx 'had none' "$STATE/resolver.state"
stop c_restart
t_check "c_no_resolv_conf_left_after_crash_and_restart" test ! -e "$CLI_RESOLV"
t_log "c: /etc/netns/$NS_CLI after the stop: $(ls -A "/etc/netns/$NS_CLI" 2>&1 | tr '\n' ' ')"
t_check "c_netns_dir_made_by_v6link_removed" test ! -e "/etc/netns/$NS_CLI"

# ---- D: two crashes in a row (the second during the run that recovered from the first) ----
rm -rf "/etc/netns/$NS_CLI"
mkdir -p "/etc/netns/$NS_CLI"
printf '# the host resolver before v6link (test_crash D)\nnameserver 192.0.2.54\nsearch example.net\n' >"$CLI_RESOLV"
cp -p "$CLI_RESOLV" "$ORIG"
run_up d_first_run || exit 1
crash d_first_run
restart d_second_run file
crash d_second_run
restart d_third_run file
stop d_third_run
t_check "d_original_resolv_conf_back_after_two_crashes" cmp "$ORIG" "$CLI_RESOLV"
t_check "d_netns_dir_holds_only_the_original ($(ls -A "/etc/netns/$NS_CLI" | tr '\n' ' '))" test "$(ls -A "/etc/netns/$NS_CLI")" = resolv.conf
t_check "kernel_address_labels_as_before_the_first_run" test "$(ip -n "$NS_CLI" addrlabel list)" = "$LABELS0"

t_log "test_crash took $(since "$T_START") s after the ISP was up"
[ "$T_FAILED" = 0 ] || t_dump
exit $T_FAILED
