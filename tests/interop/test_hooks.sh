#!/usr/bin/env bash
# Hooks (connections.ini hook=) with V6LINK_* variables on every event, the state file, and the
# original product's custom DHCPv6 options: oroN= asks the server for an option v6link does not
# decode (31, SNTP servers, RFC 4075) and what the server returns shows in status and hooks.
# The ISP's AC-Name (RFC 2516 §5.2: free text from the network) is hostile: command
# substitutions, which must not run when a script sources NAME.env, and the byte 0xe9 (Latin-1
# é, not UTF-8), which status --json must still give as valid UTF-8. The hook must start with no
# blocked and no ignored signal (also when the daemon inherited libc's signal 32 ignored), stdin /dev/null and none of the daemon's sockets; the state dir
# (DUID, RFC 7217 secret, interface identifier, owners' state) must be mode 0600 files.
source "$(dirname "$0")/lib.sh"
t_begin
pwned=$T_RUN/pwned
# No space (pppd's "name" option takes one word): ${IFS} separates the words when a shell runs it.
AC=$(printf 'v6l$(touch${IFS}%s)`touch${IFS}%s2`\351' "$pwned" "$pwned")
isp_up RA=slaac DHCP6=kea AC_NAME="$AC" >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
hook=$T_RUN/hook.sh
events=$T_RUN/events
# The signal state is read with shell builtins only, before the shell forks anything (dash
# clears the blocked mask of what it forks; a fork would hide what v6link passed).
cat >"$hook" <<HOOK
#!/bin/sh
while read -r k v; do case \$k in SigBlk:|SigIgn:) echo "\$1 \$k \$v" ;; esac; done </proc/\$\$/status >>"$T_RUN/hook-signals"
echo "\$1 \$(readlink /proc/\$\$/fd/0)" >>"$T_RUN/hook-stdin"
ls -l /proc/\$\$/fd/ >>"$T_RUN/hook-fds"
printf '%s' "\$V6LINK_AC_NAME" >"$T_RUN/hook-ac"
echo "\$1 \$V6LINK_EVENT conn=\$V6LINK_CONNECTION if=\$V6LINK_INTERFACE v4=\$V6LINK_IPV4_ADDRESS pd=[\$V6LINK_DELEGATED_PREFIXES] addr=\$V6LINK_ADDRESS src=\$V6LINK_SOURCE dns=[\$V6LINK_DNS] opt31=\$V6LINK_DHCP6_OPTION_31" >>"$events"
HOOK
chmod 755 "$hook"
v6l_conf "hook=$hook" stable_privacy=1
printf '[DHCPv6_stateful_options]\noro1=31\n' >>"$V6L_CONF/v6link.ini"
# The daemon's stdin is a file here (a background job's default would be /dev/null already), so
# that hook_stdin_dev_null sees whether the hook's stdin was replaced.
echo "daemon stdin" >"$T_RUN/daemon-stdin"
# The daemon also starts with SIGINT, SIGCHLD and libc's real-time signal 32 ignored, as a
# script's "v6link run &" (SIGINT) or a supervisor (CI's left 32) can leave them: an ignored
# signal survives execve, and sigaction cannot reset 32. (x86_64: rt_sigaction is system call
# 13 there.)
V6L_BIN_REAL=$V6L_BIN
if [ "$(uname -m)" = x86_64 ]; then
	cat >"$T_RUN/v6link-ign32" <<-'WRAP'
	#!/bin/sh
	exec /usr/bin/python3 -c 'import ctypes, os, sys
	ksa = (ctypes.c_ulong * 8)(1)  # SIG_IGN, no flags, empty mask
	for sig in 2, 17, 32:
	    if ctypes.CDLL(None).syscall(13, sig, ksa, None, 8) != 0:
	        sys.exit(f"rt_sigaction({sig}) failed")
	os.execv(sys.argv[1], sys.argv[1:])' "$V6L_BIN_REAL" "$@"
	WRAP
	chmod 755 "$T_RUN/v6link-ign32"
	V6L_BIN=$T_RUN/v6link-ign32
fi
export V6L_BIN_REAL
{ v6l_start; } <"$T_RUN/daemon-stdin"
V6L_BIN=$V6L_BIN_REAL
v6l_wait_state up 20 || { t_fail "dial"; t_dump; exit 1; }
for _ in $(seq 100); do grep -q "^prefix-delegated" "$events" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
cat "$events"
t_check "hook_up_event" grep -q "^up up conn=dsl if=v6link0" "$events"
t_check "hook_ipv4_up_event_with_address" grep -q "^ipv4-up ipv4-up conn=dsl if=v6link0 v4=100.64." "$events"
t_check "hook_ipv6_up_event" grep -q "^ipv6-up ipv6-up conn=dsl" "$events"
t_check "hook_address_added_slaac" grep -q "^address-added .*addr=2001:db8:100:10:.*/64 src=slaac" "$events"
t_check "hook_prefix_delegated_with_prefix" grep -q "^prefix-delegated .*pd=\[2001:db8:8000::/56\]" "$events"
t_check "hook_dns_changed_with_servers" grep -q "^dns-changed .*dns=\[.*2001:db8:f::53" "$events"
t_check "state_file_while_up" grep -qx "V6LINK_DELEGATED_PREFIXES='2001:db8:8000::/56'" "$T_RUN/dsl.env"
t_check "custom_oro_option_returned_in_status" test "$(v6l_json "c['ipv6']['dhcpv6']['options'].get('31')")" = 20010db8000f00000000000000000123
t_check "custom_oro_option_passed_to_hooks" grep -q "opt31=20010db8000f00000000000000000123" "$events"

# The hook process: every signal unblocked and at SIG_DFL (the daemon blocks SIGTERM, SIGINT,
# SIGCHLD for its signalfd and ignores SIGPIPE; both survive execve), stdin /dev/null, and no
# socket, epoll, timerfd or signalfd of the daemon.
cat "$T_RUN/hook-signals"
hook_signals_clear() {
	[ -s "$T_RUN/hook-signals" ] && ! grep -qv ' Sig\(Blk\|Ign\): 0000000000000000$' "$T_RUN/hook-signals"
}
t_check "hook_no_blocked_or_ignored_signals" hook_signals_clear
t_check "hook_stdin_dev_null" test -z "$(grep -v ' /dev/null$' "$T_RUN/hook-stdin")" -a -s "$T_RUN/hook-stdin"
if grep -E 'socket:|anon_inode:' "$T_RUN/hook-fds"; then t_fail "hook_no_daemon_fds"; else t_ok "hook_no_daemon_fds"; fi

# The hostile AC-Name: raw in the hook's environment (execve parses nothing), byte for byte back
# from sourcing NAME.env in bash and sh, run by neither; status --json is UTF-8 with é for 0xe9.
printf '%s' "$AC" >"$T_RUN/ac-expected"
env_ac() { # SHELL: V6LINK_AC_NAME as `. dsl.env` gives it in SHELL, run in an empty dir
	mkdir -p "$T_RUN/src-$1"
	(cd "$T_RUN/src-$1" && "$1" -c '. "$1" && printf "%s" "$V6LINK_AC_NAME"' sh "$T_RUN/dsl.env")
}
grep -a "^V6LINK_AC_NAME=" "$T_RUN/dsl.env" | od -c | head -5
t_check "hook_env_ac_name_raw" cmp "$T_RUN/hook-ac" "$T_RUN/ac-expected"
t_check "env_file_sourced_bash_ac_name_exact" cmp <(env_ac bash) "$T_RUN/ac-expected"
t_check "env_file_sourced_sh_ac_name_exact" cmp <(env_ac sh) "$T_RUN/ac-expected"
t_check "env_file_sourced_runs_nothing" test ! -e "$pwned" -a ! -e "${pwned}2"
status_json_utf8() {
	v6l status --json | AC="$AC" python3 -c 'import json, os, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
sys.exit(d["connections"][0]["ac_name"] != os.environb[b"AC"].decode("latin-1"))'
}
t_check "status_json_valid_utf8_ac_name_latin1" status_json_utf8

# RFC 7217 §5 wants the secret known to nobody else; the DUID, interface identifier and the
# owners' state files are written the same way (O_EXCL 0600, then rename).
state_files_0600() {
	local f m n=0 bad=0
	for f in "$V6L_CONF/state"/*; do
		[ -f "$f" ] || continue
		m=$(stat -c %a "$f")
		t_log "$(basename "$f"): mode $m"
		n=$((n + 1))
		[ "$m" = 600 ] || bad=1
	done
	[ -s "$V6L_CONF/state/dsl.secret" ] && [ $n -ge 2 ] && [ $bad = 0 ]
}
t_check "rfc7217_secret_and_state_files_mode_0600" state_files_0600
# SIGINT ends the daemon although it inherited SIGINT ignored (x86_64; elsewhere it is not):
# the kernel queues a blocked signal whatever its disposition, and the daemon blocks it for its
# signalfd.
kill -INT "$V6L_PID"
for _ in $(seq 80); do kill -0 "$V6L_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$V6L_PID" 2>/dev/null; then
	t_fail "sigint_ends_daemon_started_with_it_ignored"
	v6l_stop
else
	t_ok "sigint_ends_daemon_started_with_it_ignored"
	wait "$V6L_PID" 2>/dev/null
	V6L_PID=
fi
sleep 0.3
t_check "hook_down_event" grep -q "^down down" "$events"
t_check "state_file_removed_on_exit" test ! -e "$T_RUN/dsl.env"
exit $T_FAILED
