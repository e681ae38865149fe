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
for _ in $(seq 50); do grep -q 'daemon: running as' "$T_RUN/kp/log" 2>/dev/null && break; sleep 0.1; done
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

# sshd's StrictModes: what v6link acts on as root is refused, with exit 2, the file and the
# reason named and nothing started (no control socket, no log line), when someone other than
# root (or the running user) owns it or may write it: v6link.ini, connections.ini and its
# directory, a hook= and its directory, secret.key.
perm_case() { # NAME EXPECTED-MESSAGE-REGEX SETUP-COMMAND... (run in a fresh, valid $d)
	local name=$1 want=$2 out rc
	shift 2
	d=$T_RUN/perm-$name
	mkdir -p "$d/hooks"
	chmod 0755 "$d" "$d/hooks"
	printf '[param]\ntrace_dir=%s/trace\n' "$d" >"$d/v6link.ini"
	printf '#!/bin/sh\nexit 0\n' >"$d/hooks/h"
	chmod 0755 "$d/hooks/h"
	printf '[dsl]\ndial_string=if=nosuch0\nuser_name=u\nhook=%s/hooks/h\n' "$d" >"$d/connections.ini"
	chmod 0644 "$d/v6link.ini" "$d/connections.ini"
	"$@"
	out=$(timeout 5 "$V6L_BIN" -C "$d" -S "$d/ctl" run dsl 2>&1)
	rc=$?
	t_log "perm $name: rc $rc: $(head -3 <<<"$out")"
	t_check "cli_strict_modes_${name}_exit_2_named (rc $rc)" test "$rc" = 2 -a \
		-n "$(grep -E -- "$want" <<<"$out")" -a ! -e "$d/ctl" -a -z "$(grep running <<<"$out")"
}
perm_case ini_group_writable "^$T_RUN/perm-ini_group_writable/v6link.ini: configuration file is writable by its group \(mode 0664\)" \
	chmod 0664 "$T_RUN/perm-ini_group_writable/v6link.ini"
perm_case conns_world_writable "connections.ini: configuration file is writable by others \(mode 0646\)" \
	chmod 0646 "$T_RUN/perm-conns_world_writable/connections.ini"
perm_case conns_other_owner "connections.ini: configuration file is owned by uid 4321" \
	chown 4321 "$T_RUN/perm-conns_other_owner/connections.ini"
perm_case confdir_world_writable "perm-confdir_world_writable: directory of connections.ini is writable by others" \
	chmod 0757 "$T_RUN/perm-confdir_world_writable"
perm_case hook_group_writable "hooks/h: hook is writable by its group \(mode 0775\)" \
	chmod 0775 "$T_RUN/perm-hook_group_writable/hooks/h"
perm_case hook_other_owner "hooks/h: hook is owned by uid 4321" \
	chown 4321 "$T_RUN/perm-hook_other_owner/hooks/h"
perm_case hook_not_executable "hooks/h: hook is not executable \(mode 0644\)" \
	chmod 0644 "$T_RUN/perm-hook_not_executable/hooks/h"
# /tmp-like: sticky, yet anyone may add a file there.
perm_case hook_dir_sticky_world_writable "hooks: directory of h is writable by its group and others \(mode 1777\)" \
	chmod 1777 "$T_RUN/perm-hook_dir_sticky_world_writable/hooks"
hook_via_symlink() { # the link's directory is fine, the target's is group-writable
	mkdir -p "$d/gw" && cp -p "$d/hooks/h" "$d/gw/real" && chmod 0775 "$d/gw" &&
		ln -sf "$d/gw/real" "$d/hooks/h"
}
perm_case hook_symlink_target_dir "gw: directory of real is writable by its group" hook_via_symlink
key_0644() { echo pw | "$V6L_BIN" -C "$d" passwd dsl >/dev/null 2>&1 && chmod 0644 "$d/secret.key"; }
perm_case secret_key_mode "secret.key: must be owned by root with mode 0600 \(is 0644" key_0644
# detect reads v6link.ini only, and checks it too.
d=$T_RUN/perm-detect
mkdir -p "$d" && printf '[param]\n' >"$d/v6link.ini" && chmod 0666 "$d/v6link.ini"
err=$(timeout 5 "$V6L_BIN" -C "$d" detect nosuch0 2>&1)
rc=$?
t_check "cli_strict_modes_detect_exit_2 (rc $rc)" test "$rc" = 2 -a -n "$(grep 'v6link.ini: configuration file is writable by its group and others' <<<"$err")"
# The same files, root's and mode 0644/0755: the daemon starts (a hook running as root).
d=$T_RUN/perm-fine
perm_case_fine() {
	mkdir -p "$d/hooks" && chmod 0755 "$d" "$d/hooks"
	printf '[param]\ntrace_dir=%s/trace\n' "$d" >"$d/v6link.ini"
	printf '#!/bin/sh\nexit 0\n' >"$d/hooks/h" && chmod 0755 "$d/hooks/h"
	printf '[dsl]\ndial_string=if=nosuch0\nuser_name=u\nhook=%s/hooks/h\n' "$d" >"$d/connections.ini"
	chmod 0644 "$d/v6link.ini" "$d/connections.ini"
	echo pw | "$V6L_BIN" -C "$d" passwd dsl >/dev/null 2>&1
}
perm_case_fine
rm -f "$d/log"
"$V6L_BIN" -C "$d" -S "$d/ctl" run dsl >"$d/log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'daemon: running as' "$d/log" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
rc=$?
t_check "cli_strict_modes_root_files_0644_0755_start (rc $rc)" grep -q 'daemon: running as' "$d/log"

# A key outside the configuration directory: the systemd credential v6link.key in
# $CREDENTIALS_DIRECTORY (LoadCredential=, LoadCredentialEncrypted=), read by passwd and run.
d=$T_RUN/cred
perm_case_fine
rm -f "$d/secret.key" && sed -i '/^password/d' "$d/connections.ini"
mkdir -p "$T_RUN/creds" && head -c 32 /dev/urandom >"$T_RUN/creds/v6link.key" && chmod 0400 "$T_RUN/creds/v6link.key"
out=$(echo pw | CREDENTIALS_DIRECTORY=$T_RUN/creds "$V6L_BIN" -C "$d" passwd dsl 2>&1)
rc=$?
t_check "cli_credential_passwd_uses_it_creates_no_secret_key (rc $rc)" test "$rc" = 0 -a ! -e "$d/secret.key" -a \
	-n "$(grep '^password=enc:v1:' "$d/connections.ini")"
run_briefly() { # ENV...: runs the daemon with ENV, prints its output and exit status
	# The previous run's log goes first: its "running" line would otherwise end the wait below
	# at once, and the TERM could reach the child before it has even truncated the log (CI once
	# read the previous run's output that way). The wait is for the daemon's own line: the
	# spawner's comes before the passwords are decrypted.
	rm -f "$d/log"
	env "$@" timeout 5 "$V6L_BIN" -C "$d" -S "$d/ctl" run dsl >"$d/log" 2>&1 &
	local pid=$! i
	for i in $(seq 30); do grep -q 'daemon: running as' "$d/log" 2>/dev/null && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -TERM $pid 2>/dev/null
	wait $pid
	echo "rc=$?"
	cat "$d/log"
}
out=$(run_briefly CREDENTIALS_DIRECTORY="$T_RUN/creds")
# "daemon: running as" comes after the passwords are decrypted (the spawner's "running as" line
# comes before, so a bare "running" would also match a run that failed on the password).
t_check "cli_credential_run_decrypts_with_it" bash -c 'grep -q "daemon: running as" && ! grep -q "password:"' <<<"$out"
out=$(run_briefly CREDENTIALS_DIRECTORY=)
t_log "without the credential: $(grep -v '^rc=' <<<"$out" | head -2)"
t_check "cli_credential_absent_secret_key_missing_exit_2" test -n "$(grep -x rc=2 <<<"$out")" -a \
	-n "$(grep "cannot open $d/secret.key" <<<"$out")"
# another key in CONFDIR/secret.key: the password does not open with it
head -c 32 /dev/urandom >"$d/secret.key" && chmod 0600 "$d/secret.key"
out=$(run_briefly CREDENTIALS_DIRECTORY=)
t_check "cli_credential_other_key_wrong_key_exit_2" test -n "$(grep -x rc=2 <<<"$out")" -a \
	-n "$(grep "password: wrong key" <<<"$out")"
# $CREDENTIALS_DIRECTORY without v6link.key (credentials of other names): CONFDIR/secret.key,
# created there on first use, nothing written to the credentials directory
mkdir -p "$T_RUN/othercreds" && rm -f "$d/secret.key"
out=$(echo pw | CREDENTIALS_DIRECTORY=$T_RUN/othercreds "$V6L_BIN" -C "$d" passwd dsl 2>&1)
rc=$?
t_check "cli_credentials_dir_without_v6link_key_passwd_uses_secret_key (rc $rc)" test "$rc" = 0 -a \
	-f "$d/secret.key" -a -z "$(ls -A "$T_RUN/othercreds")"
# a credential that others may read is refused
chmod 0440 "$T_RUN/creds/v6link.key"
out=$(run_briefly CREDENTIALS_DIRECTORY="$T_RUN/creds")
t_log "credential 0440: $(grep -v '^rc=' <<<"$out" | head -2)"
t_check "cli_credential_readable_by_group_exit_2" test -n "$(grep -x rc=2 <<<"$out")" -a \
	-n "$(grep "v6link.key: a credential must be owned by root and readable by its owner only (is 0440" <<<"$out")"
exit $T_FAILED
