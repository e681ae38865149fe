#!/usr/bin/env bash
# Least privilege in the daemon itself (issue #13), started as full root (ip netns exec, no
# systemd): after start-up every thread keeps only CAP_NET_ADMIN and CAP_NET_RAW (plus
# CAP_NET_BIND_SERVICE when NAT46 or router mode may bind port 53 or 546) in its effective,
# permitted and bounding sets, nothing inheritable or ambient, no_new_privs set, no core file
# (RLIMIT_CORE 0) and not dumpable; a hook runs with the same capabilities. With that, a full
# connect, down, up, redial (PADT) and stop still configures the host and cleans it up again,
# and NAT46's DNS proxy binds port 53 again after a down/up.
# The seccomp allow-list (issue #13) is on in every thread of the daemon (Seccomp 2, one
# filter) and in none of the spawner and its hooks (Seccomp 0: a filter is inherited, so hooks
# come from the spawner, forked before it); the spawner is uid 0 with the daemon's capabilities
# and no_new_privs, and ends with the daemon: at SIGTERM after the last hook, and at SIGKILL
# (PR_SET_PDEATHSIG). seccomp=0 in v6link.ini leaves the daemon unfiltered.
# Runs 1-3 set user=root: the daemon stays uid 0. Runs 4-5 set user=64999:64999 (no account
# needed): every thread of the daemon has that uid and gid (real, effective, saved, fs) and no
# other group, the same capabilities, the spawner and hooks stay uid 0, /etc/netns/NS/resolv.conf
# and its backup stay root's (the spawner writes them), the run, state and trace directories
# and what the daemon writes there are 64999's, and the same cycle works: connect, down/up,
# redial after a PADT, SIGTERM restoring everything, and NAT46's port 53 after a down/up.
source "$(dirname "$0")/lib.sh"
t_begin
CLI_RESOLV=/etc/netns/$NS_CLI/resolv.conf
SLEEP_PID=
priv_cleanup() {
	[ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
	t_cleanup
	rm -rf "/etc/netns/$NS_CLI"
}
trap priv_cleanup EXIT

isp_up RA=slaac DHCP6=kea FAR_DNS=1 >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
mkdir -p "/etc/netns/$NS_CLI"
echo "nameserver 192.0.2.53" >"$CLI_RESOLV"
cp "$CLI_RESOLV" "$T_RUN/resolv.orig"

hook=$T_RUN/hook.sh
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$1 \$(grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/\$\$/status | tr -s '\t\n' '  ')" >>"$T_RUN/hook-caps"
HOOK
chmod 755 "$hook"

# thread_status PID AWK: one line per thread of PID: "TID " and what AWK prints of its status
thread_status() {
	local t
	for t in /proc/"$1"/task/*; do
		echo "${t##*/} $(awk "$2" "$t/status")"
	done
}
# caps_of_all_threads PID: one line per thread: "TID CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs"
caps_of_all_threads() {
	thread_status "$1" '/^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):/ { printf "%s ", $2 }'
}
# threads_have PID EFF: every thread has EFF as permitted, effective and bounding set, nothing
# inheritable or ambient, and no_new_privs.
threads_have() {
	local want="0000000000000000 $2 $2 $2 0000000000000000 1" line bad=0
	while read -r line; do
		[ "${line#* }" = "$want" ] || { t_log "thread ${line%% *}: ${line#* } (want $want)"; bad=1; }
	done < <(caps_of_all_threads "$1")
	[ $bad = 0 ]
}
# threads_seccomp PID: every thread in filter mode (2) with exactly one filter.
threads_seccomp() {
	local t bad=0
	for t in /proc/"$1"/task/*; do
		[ "$(awk '/^Seccomp:/ { s = $2 } /^Seccomp_filters:/ { f = $2 } END { print s "/" f }' "$t/status")" = 2/1 ] ||
			{ t_log "thread ${t##*/}: $(grep ^Seccomp "$t/status" | tr '\n' ' ')"; bad=1; }
	done
	[ $bad = 0 ]
}
# spawner_of PID: the daemon's child process, the spawner (hooks are its children, not the daemon's).
spawner_of() { pgrep -P "$1" | head -1; }
# status_of PID KEYS...: "key value" of the named /proc/PID/status lines, on one line.
status_of() {
	local pid=$1; shift
	local k out=
	for k in "$@"; do out="$out$k $(awk -v k="$k:" '$1 == k { print $2 }' /proc/"$pid"/status) "; done
	echo "${out% }"
}
# Dumpable: a process of the same uid and no more capabilities than the daemon (so none of
# CAP_SYS_PTRACE) may read /proc/PID/environ (ptrace access mode READ) only of a dumpable
# process. The control is a sleep with the same capabilities, started here.
with_daemon_caps() { setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all,+net_admin,+net_raw "$@"; }
read_environ() { with_daemon_caps cat "/proc/$1/environ" >/dev/null 2>&1; }

# as_user USER: user=USER in v6link.ini's [param]
as_user() { sed -i "s/^\[param\]\$/[param]\nuser=$1/" "$V6L_CONF/v6link.ini"; }

# dial USER FAIL [KEY=VALUE...]: a config with user=USER, the daemon started and up (if not:
# check FAIL fails and the script ends).
dial() {
	local user=$1 fail=$2
	shift 2
	v6l_conf "$@"
	as_user "$user"
	v6l_start
	v6l_wait_state up 20 || { t_fail "$fail"; t_dump; exit 1; }
}
far4_reachable() { # (until the first IPv4 ping to the far host answers; 50 tries)
	for _ in $(seq 50); do in_cli ping -c 1 -W 1 "$FAR4" >/dev/null 2>&1 && break; done
}
# ids_of_all_threads PID: one line per thread: "TID Uid: real effective saved fs Gid: ... Groups: ..."
ids_of_all_threads() {
	thread_status "$1" '/^(Uid|Gid|Groups):/ { printf "%s ", $0 }' | tr -s ' \t' '  '
}
# threads_are ID PID: every thread's real, effective, saved and file system uid and gid are ID,
# and ID is its only supplementary group.
threads_are() {
	local line bad=0 want="Uid: $1 $1 $1 $1 Gid: $1 $1 $1 $1 Groups: $1"
	while read -r line; do
		[ "${line#* }" = "$want" ] || { t_log "thread ${line%% *}: ${line#* } (want $want)"; bad=1; }
	done < <(ids_of_all_threads "$2")
	[ $bad = 0 ]
}
# (v6link0 itself stays until the daemon ends: test_redial.sh)
down_clean() {
	! in_cli ip addr show dev v6link0 | grep inet >/dev/null &&
		! in_cli ip route | grep v6link0 >/dev/null && ! in_cli ip -6 route | grep v6link0 >/dev/null
}
# (retried: the ISP's routes to a fresh address may take a moment; each try is a new query)
dns_answers() {
	local i
	for i in 1 2 3 4 5 6; do
		in_cli dig +time=2 +tries=1 +short @192.0.0.1 A v6only.isp.example | grep -E '^198\.1[89]\.' >/dev/null &&
			{ t_log "proxy answered at try $i"; return 0; }
		sleep 1
	done
	return 1
}

# The checks runs 1 and 4 (and 2 and 5) share, named PREFIX_...: PREFIX priv for uid 0, user
# for 64999.
# daemon_checks PREFIX: every thread keeps CAP_NET_ADMIN and CAP_NET_RAW only, with
# no_new_privs and one seccomp filter, RLIMIT_CORE 0; the spawner (SPAWNER) is uid 0 with the
# same capabilities and no filter. Sets n_threads.
daemon_checks() {
	local p=$1 st
	n_threads=$(ls /proc/"$V6L_PID"/task | wc -l)
	t_check "${p}_all_${n_threads}_threads_net_admin_net_raw_only_no_new_privs" threads_have "$V6L_PID" 0000000000003000
	t_check "${p}_all_${n_threads}_threads_seccomp_filter" threads_seccomp "$V6L_PID"
	t_check "${p}_rlimit_core_0" grep -qE '^Max core file size +0 +0 ' /proc/"$V6L_PID"/limits
	SPAWNER=$(spawner_of "$V6L_PID")
	st=$(status_of "$SPAWNER" Uid CapEff CapBnd NoNewPrivs Seccomp)
	t_log "spawner: pid $SPAWNER, $st"
	t_check "${p}_spawner_uid_0_daemon_caps_no_filter" test "$st" = \
		"Uid 0 CapEff 0000000000003000 CapBnd 0000000000003000 NoNewPrivs 1 Seccomp 0"
}
# up_checks PREFIX: the host is configured: routes, addresses, resolver.
up_checks() {
	t_check "$1_up_ipv4_ping_far" in_cli ping -c 2 -i 0.2 -W 2 "$FAR4"
	t_check "$1_up_ipv6_ping_far" in_cli ping -6 -c 2 -i 0.2 -W 2 "$FAR6"
	t_check "$1_up_resolver_written" grep -q '^nameserver 203.0.113.53' "$CLI_RESOLV"
	t_check "$1_up_ipv6_global_address_on_v6link0" bash -c "ip -n $NS_CLI -6 addr show dev v6link0 scope global | grep -q 'inet6 2001:db8:'"
}
# hook_check NAME REGEX: the hook's "up" line (after half a second) matches REGEX.
hook_check() {
	sleep 0.5
	cat "$T_RUN/hook-caps"
	t_check "$1" grep -qE "$2" "$T_RUN/hook-caps"
}
# down_checks PREFIX: down: idle, everything undone.
down_checks() {
	v6l down dsl >/dev/null
	t_check "$1_down_idle" v6l_wait_state idle 20
	for _ in $(seq 50); do down_clean && break; sleep 0.1; done
	t_check "$1_down_addresses_and_routes_removed" down_clean
	t_check "$1_down_resolver_restored" cmp -s "$CLI_RESOLV" "$T_RUN/resolv.orig"
}
# redial_checks PREFIX: up again (a new TUN and session with the reduced capabilities), then a
# redial after the AC ends the session (PADT).
redial_checks() {
	local p=$1 sid0
	v6l up dsl >/dev/null
	t_check "${p}_up_again" v6l_wait_state up 30
	far4_reachable
	t_check "${p}_up_again_ping_far" in_cli ping -c 2 -i 0.2 -W 2 "$FAR4"
	t_check "${p}_up_again_resolver_written" grep -q '^nameserver 203.0.113.53' "$CLI_RESOLV"
	sid0=$(v6l_json "c['session_id']")
	isp padt >/dev/null
	for _ in $(seq 150); do [ "$(v6l_json "c['state'] == 'up' and c['session_id'] != $sid0")" = True ] && break; sleep 0.2; done
	t_check "${p}_redial_after_padt" test "$(v6l_json "c['state'] == 'up' and c['session_id'] != $sid0")" = True
	far4_reachable
	t_check "${p}_redial_ping_far" in_cli ping -c 2 -i 0.2 -W 2 "$FAR4"
	t_check "${p}_after_redial_threads_still_reduced" threads_have "$V6L_PID" 0000000000003000
}
# stop_checks PREFIX ERRORS: SIGTERM: exit status 0, the host as before, a trace written, the
# spawner gone with the daemon, no line matching the regex ERRORS in the log.
stop_checks() {
	local p=$1 rc
	v6l_stop
	rc=$?
	t_check "${p}_sigterm_exit_0 (rc $rc)" test "$rc" = 0
	t_check "${p}_sigterm_host_clean" v6l_host_clean
	t_check "${p}_sigterm_resolver_restored" cmp -s "$CLI_RESOLV" "$T_RUN/resolv.orig"
	t_check "${p}_trace_files_written" bash -c "ls '$T_RUN'/trace/dsl-*.pcapng && test -s \"\$(ls '$T_RUN'/trace/dsl-*.pcapng | tail -1)\""
	# (gone, not a zombie: the daemon reaps it before it exits)
	t_check "${p}_spawner_ends_with_daemon" test ! -e "/proc/$SPAWNER"
	t_check "${p}_no_error_logged" bash -c "! grep -E '$2' '$V6L_LOG'"
}
# nat46_checks PREFIX ERRORS: NAT46 keeps CAP_NET_BIND_SERVICE, its DNS proxy answers on port 53,
# and again after a down/up; SIGTERM restores the host; no line matching ERRORS in the log.
nat46_checks() {
	local p=$1_nat46
	t_check "${p}_threads_keep_net_bind_service" threads_have "$V6L_PID" 0000000000003400
	t_check "${p}_proxy_answers" dns_answers
	v6l down dsl >/dev/null
	v6l_wait_state idle 20
	for _ in $(seq 50); do in_cli ip link show v6link46 >/dev/null 2>&1 || break; sleep 0.1; done
	t_check "${p}_down_removes_v6link46" bash -c "! ip -n $NS_CLI link show v6link46 >/dev/null 2>&1"
	v6l up dsl >/dev/null
	v6l_wait_state up 30
	wait_json "c['nat46']['state'] == 'on'" 20
	t_check "${p}_up_creates_v6link46_again" in_cli ip link show v6link46
	t_check "${p}_proxy_binds_port_53_again_after_down_up" dns_answers
	v6l_stop
	t_check "${p}_sigterm_host_clean" v6l_host_clean
	t_check "${p}_no_error_logged" bash -c "! grep -E '$2' '$V6L_LOG'"
}

# ================= run 1: dial-up, IPv4 on the line, no NAT46 =================
dial root dial "hook=$hook"
far4_reachable
wait_json "len(c['ipv6']['delegated_prefixes']) > 0" 20
caps_of_all_threads "$V6L_PID"
t_check "priv_log_names_what_is_kept" grep -q 'daemon: running as uid 0 with CAP_NET_ADMIN CAP_NET_RAW, no_new_privs' "$V6L_LOG"
t_check "priv_uid_0" test "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' /proc/"$V6L_PID"/status)" = 0000
t_check "priv_seccomp_log_line" grep -qE 'daemon: seccomp filter on: [0-9]+ system calls allowed' "$V6L_LOG"
daemon_checks priv
# its descriptors: stdio, the socket to the daemon and its own signalfd, nothing of the daemon's
spawner_fds() {
	local fds
	fds=$(for f in /proc/"$SPAWNER"/fd/*; do [ "${f##*/}" -gt 2 ] && readlink "$f"; done | sed 's/:\[[0-9]*\]$//' | sort | tr '\n' ' ')
	t_log "spawner fds above 2: $fds"
	[ "$fds" = "anon_inode:[signalfd] socket " ]
}
t_check "priv_spawner_only_its_socket_and_signalfd" spawner_fds
# SIGTERM (systemd's stop signals the whole cgroup) does not end it: the last hooks still run.
kill -TERM "$SPAWNER"
sleep 0.3
t_check "priv_spawner_ignores_sigterm" test -e "/proc/$SPAWNER"
setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all,+net_admin,+net_raw sleep 600 &
SLEEP_PID=$!
sleep 0.2
t_log "control sleep: $(grep CapPrm /proc/$SLEEP_PID/status | tr '\t' ' ')"
t_check "priv_control_dumpable_process_environ_readable" read_environ "$SLEEP_PID"
if read_environ "$V6L_PID"; then t_fail "priv_not_dumpable_environ_unreadable"; else t_ok "priv_not_dumpable_environ_unreadable"; fi
kill "$SLEEP_PID"; wait "$SLEEP_PID" 2>/dev/null; SLEEP_PID=

up_checks priv
t_check "priv_up_ipv6_default_route_via_v6link0" bash -c "ip -n $NS_CLI -6 route | grep -q '^default .*dev v6link0'"
hook_check priv_hook_runs_with_same_caps_no_new_privs_no_filter \
	'^up CapEff: 0000000000003000 CapBnd: 0000000000003000 NoNewPrivs: 1 Seccomp: 0'
down_checks priv
redial_checks priv
stop_checks priv 'Operation not permitted|Permission denied'
t_check "priv_hook_down_event" grep -q '^down ' "$T_RUN/hook-caps"

# ================= run 2: IPv6-only line, NAT46 with its DNS proxy on port 53 =================
: >"$V6L_LOG"
dial root "nat46 dial" use_ipv4=0
wait_json "c['nat46']['state'] == 'on'" 20
t_check "priv_nat46_log_names_bind_service" grep -q 'with CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE, no_new_privs' "$V6L_LOG"
nat46_checks priv 'Operation not permitted|Permission denied'

# ================= run 3: seccomp=0; the daemon killed outright takes the spawner along =================
: >"$V6L_LOG"
v6l_conf use_ipv4=1
sed -i 's/^\[param\]$/[param]\nseccomp=0/' "$V6L_CONF/v6link.ini"
# (no user=: the account v6link if it exists; the test machine has none, and neither uid 0
# run above would be one if it had)
if getent passwd v6link >/dev/null; then as_user root; fi
v6l_start
v6l_wait_state up 20 || { t_fail "seccomp=0 dial"; t_dump; }
t_check "priv_seccomp_0_logged" grep -q 'daemon: seccomp=0: no system call filter' "$V6L_LOG"
t_check "priv_seccomp_0_no_filter" test "$(status_of "$V6L_PID" Seccomp)" = "Seccomp 0"
if ! getent passwd v6link >/dev/null; then
	t_check "priv_default_user_no_v6link_account_stays_uid_0" \
		grep -q 'daemon: no user v6link: staying uid 0 (user= in v6link.ini)' "$V6L_LOG"
	t_check "priv_default_user_uid_0" test "$(status_of "$V6L_PID" Uid)" = "Uid 0"
fi
SPAWNER=$(spawner_of "$V6L_PID")
t_log "spawner: pid $SPAWNER"
kill -KILL "$V6L_PID"
wait "$V6L_PID" 2>/dev/null
V6L_PID=
for _ in $(seq 20); do [ -e "/proc/$SPAWNER" ] || break; sleep 0.1; done
t_check "priv_spawner_ends_at_daemon_sigkill" test -n "$SPAWNER" -a ! -e "/proc/$SPAWNER"

# A user= that names no account: exit status 2 before anything starts.
v6l_conf
as_user nosuchuser-v6l
err=$(ip netns exec "$NS_CLI" "$V6L_BIN" -C "$V6L_CONF" -S "$V6L_SOCK" run dsl 2>&1)
rc=$?
t_check "priv_unknown_user_exit_2 (rc $rc: $err)" \
	test "$rc:$err" = "2:v6link: v6link.ini: user 'nosuchuser-v6l': no such user"

# A directory the rest of the system shares is never given to the user: trace_dir=/tmp keeps
# the daemon uid 0, and none of its other directories is changed either (no connection
# started: `run` waits for `up`; what it wrote to /tmp goes). Run and socket directory:
# $T_RUN/u (the daemon may give it to 64999; $T_RUN holds the hook, whose directory must stay
# root's).
V6L_SOCK=$T_RUN/u/ctl.sock
mkdir -p "$T_RUN/u"
v6l_conf
as_user 64999:64999
sed -i "s|^trace_dir = .*|trace_dir = /tmp|" "$V6L_CONF/v6link.ini"
: >"$V6L_LOG"
v6l_start run
for _ in $(seq 50); do grep -q 'running: 1 connection' "$V6L_LOG" && break; sleep 0.1; done
t_check "priv_shared_trace_dir_not_given" grep -q 'daemon: /tmp is shared with the rest of the system: not given to user 64999:64999' "$V6L_LOG"
t_check "priv_shared_trace_dir_stays_uid_0" bash -c "grep -q 'daemon: staying uid 0' '$V6L_LOG' && [ \"\$(awk '/^Uid:/ { print \$2 \$3 }' /proc/$V6L_PID/status)\" = 00 ]"
t_check "priv_shared_tmp_and_the_other_dirs_still_root_s" test "$(stat -c %u /tmp "$T_RUN/u" "$V6L_CONF/state" | sort -u)" = 0
v6l_stop
for f in $(sed -n 's/.*text trace \(\/tmp\/v6link-[0-9-]*\.txt\).*/\1/p; s/.*trace\[dsl\]: writing \(\/tmp\/dsl-[0-9-]*\.pcapng\).*/\1/p' "$V6L_LOG"); do rm -f "$f"; done

# ================= run 4: user=64999:64999, dial-up with IPv4, a hook =================
STATE=$V6L_CONF/state
: >"$V6L_LOG"
: >"$T_RUN/hook-caps"
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$1 \$(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/\$\$/status | tr -s '\t\n' '  ')" >>"$T_RUN/hook-caps"
HOOK
dial 64999:64999 "user dial" "hook=$hook"
far4_reachable
wait_json "len(c['ipv6']['delegated_prefixes']) > 0" 20
ids_of_all_threads "$V6L_PID"
t_check "user_log_names_uid_and_caps" grep -q 'daemon: running as uid 64999 with CAP_NET_ADMIN CAP_NET_RAW, no_new_privs' "$V6L_LOG"
t_check "user_log_names_user" grep -q 'daemon: user 64999:64999 (uid 64999, gid 64999)' "$V6L_LOG"
daemon_checks user
t_check "user_all_${n_threads}_threads_uid_gid_64999_no_other_group" threads_are 64999 "$V6L_PID"
# (a process that is not dumpable has its /proc files owned by root; the directory keeps the
# euid)
t_check "user_not_dumpable" test "$(stat -c %u /proc/"$V6L_PID"/environ)" = 0
up_checks user
t_check "user_up_resolver_and_backup_root_s" test "$(stat -c %u:%g "$CLI_RESOLV" "$STATE/resolver.orig" | sort -u)" = 0:0
t_check "user_backup_is_the_original" cmp -s "$STATE/resolver.orig" "$T_RUN/resolv.orig"
owned_by_user() {
	local f bad=0
	for f in "$@"; do [ "$(stat -c %u:%g "$f")" = 64999:64999 ] || { t_log "$f: $(stat -c %u:%g "$f")"; bad=1; }; done
	[ $bad = 0 ]
}
# (the state directory keeps group root, writable: the spawner makes the backup there)
t_check "user_state_dir_64999_group_root_writable" test "$(stat -c %u:%g:%A "$STATE")" = 64999:0:drwxrwxr-x
t_check "user_hook_and_its_dir_stay_root_s" test "$(stat -c %u "$hook" "$T_RUN" | sort -u)" = 0
t_check "user_run_state_trace_files_are_64999_s" owned_by_user "$T_RUN/u" "$T_RUN/u/dsl.session" "$T_RUN/u/dsl.env" "$STATE/resolver.state" "$T_RUN/trace" $(ls "$T_RUN"/trace/dsl-*.pcapng | tail -1) "$STATE"/dsl.*
ls -l "$STATE" "$T_RUN/u"
hook_check user_hook_runs_as_uid_0_with_same_caps \
	'^up Uid: 0 0 0 0 CapEff: 0000000000003000 CapBnd: 0000000000003000 NoNewPrivs: 1 Seccomp: 0'
down_checks user
t_check "user_down_backup_removed" test ! -e "$STATE/resolver.orig"
redial_checks user
t_check "user_after_redial_threads_still_64999" threads_are 64999 "$V6L_PID"
stop_checks user 'Operation not permitted|Permission denied|staying uid 0'
t_check "user_sigterm_resolver_root_s" test "$(stat -c %u:%g "$CLI_RESOLV")" = 0:0
t_check "user_sigterm_no_state_backup_socket_session_left" bash -c "[ ! -e '$STATE/resolver.state' ] && [ ! -e '$STATE/resolver.orig' ] && [ ! -e '$V6L_SOCK' ] && [ ! -e '$T_RUN/u/dsl.session' ]"
t_check "user_hook_down_event_as_uid_0" grep -qE '^down Uid: 0 0 0 0 ' "$T_RUN/hook-caps"

# ================= run 5: user=64999:64999, IPv6-only line, NAT46's DNS proxy on port 53 =================
: >"$V6L_LOG"
dial 64999:64999 "user nat46 dial" use_ipv4=0
wait_json "c['nat46']['state'] == 'on'" 20
t_check "user_nat46_log_names_bind_service" grep -q 'running as uid 64999 with CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE, no_new_privs' "$V6L_LOG"
t_check "user_nat46_threads_64999" threads_are 64999 "$V6L_PID"
nat46_checks user 'Operation not permitted|Permission denied|staying uid 0'
t_check "user_nat46_sigterm_resolver_restored" cmp -s "$CLI_RESOLV" "$T_RUN/resolv.orig"
[ $T_FAILED = 0 ] || t_dump
exit $T_FAILED
