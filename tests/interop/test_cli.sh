#!/usr/bin/env bash
# The command line as users expect it: --help and help print the usage on stdout and exit 0,
# -h too; an unknown option or command prints it on stderr and exits 2; version prints it.
source "$(dirname "$0")/lib.sh"
t_begin
for a in --help help -h "-d --help"; do
	out=$("$V6L_BIN" $a 2>/dev/null)
	rc=$?
	t_check "cli_${a// /_}_usage_on_stdout_exit_0 (rc $rc)" test "$rc" = 0 -a -n "$(grep '^usage: v6link' <<<"$out")"
done
for a in --bogus nosuchcommand; do
	err=$("$V6L_BIN" $a 2>&1 >/dev/null)
	rc=$?
	t_check "cli_${a}_usage_on_stderr_exit_2 (rc $rc)" test "$rc" = 2 -a -n "$(grep '^usage: v6link' <<<"$err")"
done
version_ok() { grep -qE '^v6link [0-9]+\.[0-9]+\.[0-9]+$' <<<"$("$V6L_BIN" version)"; }
t_check "cli_version" version_ok

# keep_ppinfo is accepted for the original product's files and said to mean nothing here.
mkdir -p "$T_RUN/kp"
printf '[param]\nkeep_ppinfo=1\ntrace_dir=%s/kp/trace\n' "$T_RUN" >"$T_RUN/kp/v6link.ini"
printf '[dsl]\ndial_string=if=nosuch0\nuser_name=u\n' >"$T_RUN/kp/connections.ini"
"$V6L_BIN" -C "$T_RUN/kp" -S "$T_RUN/kp/ctl" run >"$T_RUN/kp/log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'running' "$T_RUN/kp/log" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
t_check "cli_keep_ppinfo_logged_as_meaningless" grep -q 'keep_ppinfo=1 in v6link.ini has no meaning on Linux' "$T_RUN/kp/log"

# Every configuration error is reported at once: one in each file, both on stderr, exit 2.
mkdir -p "$T_RUN/bad"
printf '[param]\nfunc_trace=7\n' >"$T_RUN/bad/v6link.ini"
printf '[dsl]\ndial_string=if=eth0\nuser_name=u\nmru=9000\n' >"$T_RUN/bad/connections.ini"
err=$("$V6L_BIN" -C "$T_RUN/bad" -S "$T_RUN/bad/ctl" run 2>&1)
rc=$?
t_check "cli_config_errors_of_both_files_at_once (rc $rc)" test "$rc" = 2 -a \
	-n "$(grep "v6link.ini:2: .*func_trace" <<<"$err")" -a -n "$(grep "connections.ini:4: .*mru" <<<"$err")"
exit 0
