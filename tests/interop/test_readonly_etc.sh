#!/usr/bin/env bash
# The unit's file system view (etc/v6link.service): ProtectSystem=strict with ReadWritePaths=
# naming only the resolver file and gai.conf, so /etc is read-only and each of the two files is
# a bind mount of its own (rename over it fails with EBUSY, a temporary file beside it with
# EROFS). The daemon runs here in such a mount namespace, made the way systemd makes it, and
# still writes the resolver file and the gai.conf block in place, and restores both byte for
# byte when it stops.
source "$(dirname "$0")/lib.sh"
t_begin
ETC=/etc/netns/$NS_CLI
ro_cleanup() {
	t_cleanup
	rm -rf "$ETC"
}
trap ro_cleanup EXIT

isp_up RA=slaac >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
mkdir -p "$ETC"
echo "nameserver 192.0.2.53" >"$ETC/resolv.conf"
printf '# the administrator'"'"'s gai.conf\nprecedence ::ffff:0:0/96 100\n' >"$ETC/gai.conf"
cp "$ETC/resolv.conf" "$T_RUN/resolv.orig"
cp "$ETC/gai.conf" "$T_RUN/gai.orig"
v6l_conf
# The wrapper: a private mount namespace, each writable file bind-mounted onto itself, then /etc
# bound onto itself with its submounts and that top mount made read-only.
cat >"$T_RUN/v6link-ro" <<WRAP
#!/bin/sh
exec unshare -m --propagation private sh -c 'set -e
for f in $ETC/resolv.conf $ETC/gai.conf; do mount --bind "\$f" "\$f"; done
mount --rbind /etc /etc
mount -o remount,bind,ro /etc
exec "\$0" "\$@"' "$V6L_BIN" "\$@"
WRAP
chmod 755 "$T_RUN/v6link-ro"
V6L_BIN_REAL=$V6L_BIN
V6L_BIN=$T_RUN/v6link-ro
v6l_start
V6L_BIN=$V6L_BIN_REAL
v6l_wait_state up 20 || { t_fail "dial"; t_dump; exit 1; }
# V6L_PID is the wrapper's, which exec'd the daemon: the same process.
t_check "ro_daemon_sees_etc_read_only" bash -c "awk '\$5 == \"/etc\" { print \$6 }' /proc/$V6L_PID/mountinfo | grep -q '^ro'"
t_check "ro_daemon_cannot_create_in_etc" bash -c "! nsenter -t $V6L_PID -m touch $ETC/probe 2>/dev/null"
for _ in $(seq 50); do grep -q v6link "$ETC/gai.conf" && break; sleep 0.1; done
cat "$ETC/resolv.conf" "$ETC/gai.conf"
t_check "ro_resolver_file_written_in_place" grep -q '^nameserver 203.0.113.53' "$ETC/resolv.conf"
t_check "ro_gai_conf_block_written_in_place" grep -q v6link "$ETC/gai.conf"
t_check "ro_gai_conf_admin_lines_kept" grep -q '^precedence ::ffff:0:0/96 100' "$ETC/gai.conf"
v6l_stop
rc=$?
t_check "ro_sigterm_exit_0 (rc $rc)" test "$rc" = 0
t_check "ro_resolver_file_restored_byte_for_byte" cmp "$ETC/resolv.conf" "$T_RUN/resolv.orig"
t_check "ro_gai_conf_restored_byte_for_byte" cmp "$ETC/gai.conf" "$T_RUN/gai.orig"
t_check "ro_no_write_error_logged" bash -c "! grep -iE 'read-only|resource busy|cannot (write|replace)' '$V6L_LOG'"
[ $T_FAILED = 0 ] || t_dump
exit $T_FAILED
