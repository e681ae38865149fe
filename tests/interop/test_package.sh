#!/usr/bin/env bash
# Packaging (issue #6): `make deb` builds the Debian package from the tracked tree; it is installed
# into a throwaway root (an overlay of / in a private mount namespace, so the host is never
# touched) where it runs, reads /etc/v6link, carries its man pages and a unit systemd-analyze
# accepts, and purges cleanly; the postinst creates the system user v6link, which the daemon
# becomes under the unit; `make install` lays out sbin, the man pages, the unit and the
# sysusers.d file.
source "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/v6l-pkg.XXXXXX)
cleanup_pkg() { rm -rf "$W"; }
trap cleanup_pkg EXIT
trap 'exit 130' INT TERM

for tool in dpkg-buildpackage dh fakeroot unshare chroot man systemd-analyze lintian; do
	command -v "$tool" >/dev/null ||
		{ t_fail "package: $tool not installed (make deps installs it)"; exit 1; }
done
version=$(sed -n '1s/^v6link (\([^)-]*\).*/\1/p' "$T_TOP/debian/changelog")

# --- the .deb, built in a copy of the tracked files ---
t_log "make deb (log: $W/deb.log)"
if make -C "$T_TOP" deb DEBOUT="$W/deb" >"$W/deb.log" 2>&1 && [ -f "$W"/deb/v6link_*.deb ]; then
	t_ok "package: make deb builds v6link_${version}-*.deb"
else
	t_fail "package: make deb: $(grep -m1 -E '(^|: )(fatal )?error:|[Uu]nmet' "$W/deb.log")"
	tail -40 "$W/deb.log"
	exit 1
fi
deb=$(ls "$W"/deb/v6link_*.deb)
grep -qE '^Ok: +[1-9]' "$W/deb.log"
t_check "package: the build ran the unit tests (dh_auto_test)" test $? = 0

lintian --fail-on error "$deb" >"$W/lintian.log" 2>&1
rc=$?
grep -E '^[EW]: ' "$W/lintian.log"
t_check "package: lintian reports no error" test $rc = 0

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
has() { grep -qxF "./$1" <<<"$contents" || { echo "missing in the .deb: $1"; return 1; }; }
t_check "package: .deb holds the binary, 3 man pages, the unit, the examples" eval \
	'has usr/sbin/v6link && has usr/share/man/man8/v6link.8.gz &&
	has usr/share/man/man5/v6link.ini.5.gz && has usr/share/man/man5/connections.ini.5.gz &&
	has lib/systemd/system/v6link.service &&
	has usr/share/doc/v6link/examples/v6link.ini && has usr/share/doc/v6link/examples/connections.ini'

# --- install into a throwaway root: overlay (upper on tmpfs) over /, private mount namespace ---
host_state() { # what the host's dpkg and /etc say about v6link
	dpkg-query -W -f='${Status} ${Version}\n' v6link 2>/dev/null
	ls -la /etc/v6link 2>/dev/null
}
host_before=$(host_state)
cat >"$W/inroot.sh" <<'INROOT'
set -uo pipefail
W=$1 DEB=$2 VERSION=$3
failed=0
ok() { echo "PASS: package: $*"; }
fail() { echo "FAIL: package: $*"; failed=1; }
check() { # NAME CMD...: PASS if CMD succeeds; returns CMD's status
	local n=$1
	shift
	if "$@"; then ok "$n"; return 0; fi
	fail "$n"
	return 1
}
mkdir -p "$W/ov" && mount -t tmpfs -o size=1g v6l-pkg "$W/ov" &&
	mkdir "$W/ov/upper" "$W/ov/work" "$W/ov/root" &&
	mount -t overlay v6l-pkg -o "lowerdir=/,upperdir=$W/ov/upper,workdir=$W/ov/work" "$W/ov/root" ||
	{ fail "throwaway root: cannot mount an overlay of /"; exit 1; }
R=$W/ov/root
for d in proc sys dev; do mount --rbind "/$d" "$R/$d"; done
# A fresh /run (no /run/systemd/system: maintainer scripts do not call systemctl) and /tmp.
mount -t tmpfs tmpfs "$R/run" && mount -t tmpfs tmpfs "$R/tmp" && cp "$DEB" "$R/tmp/v6link.deb"
in_root() { chroot "$R" "$@"; }

# Debian container images exclude /usr/share/man and /usr/share/doc from dpkg: not here.
in_root dpkg -i --path-include='/usr/share/man/*' --path-include='/usr/share/doc/v6link/*' \
	/tmp/v6link.deb >"$W/dpkg-i.log" 2>&1
check "dpkg -i in a throwaway root" test $? = 0 || { cat "$W/dpkg-i.log"; exit 1; }
# The daemon's user (debian: dh_installsysusers, the postinst runs systemd-sysusers): a system
# account without a login shell.
pw=$(in_root getent passwd v6link)
sysuser() { IFS=: read -r _ _ uid _ _ _ shell <<<"$pw" && [ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ]; }
check "dpkg -i creates the system user v6link ($pw)" sysuser
out=$(in_root /usr/sbin/v6link version 2>&1)
check "installed /usr/sbin/v6link version prints '$out'" test "$out" = "v6link $VERSION"

files=$(in_root dpkg -L v6link)
listed() { for f in "$@"; do grep -qxF "$f" <<<"$files" || { echo "dpkg -L lacks $f"; return 1; }; done; }
check "dpkg -L lists v6link(8), v6link.ini(5), connections.ini(5) and the unit" \
	listed /usr/share/man/man8/v6link.8.gz /usr/share/man/man5/v6link.ini.5.gz \
	/usr/share/man/man5/connections.ini.5.gz /lib/systemd/system/v6link.service
renders() { # SECTION NAME: man finds the page, renders it without warnings, whole
	local path text
	path=$(in_root man -w "$1" "$2") || return 1
	text=$(in_root env MANWIDTH=80 man --warnings -l "$path" 2>"$W/man.err")
	[ ! -s "$W/man.err" ] || { cat "$W/man.err"; return 1; }
	grep -q "^SEE ALSO" <<<"$text" && [ "$(wc -l <<<"$text")" -gt 40 ] ||
		{ echo "man $1 $2: short or without SEE ALSO"; return 1; }
}
for page in 8:v6link 5:v6link.ini 5:connections.ini; do
	check "man ${page%%:*} ${page#*:} renders without warnings" renders "${page%%:*}" "${page#*:}"
done

unit=/lib/systemd/system/v6link.service
verified() { # systemd-analyze verify: exit 0 and nothing to say
	in_root systemd-analyze verify "$unit" >"$W/verify.log" 2>&1
	local rc=$?
	cat "$W/verify.log"
	[ $rc = 0 ] && [ ! -s "$W/verify.log" ]
}
check "systemd-analyze verify $unit (ExecStart=$(sed -n 's/^ExecStart=//p' "$R$unit"))" verified
state=$(in_root systemctl is-enabled v6link.service 2>&1)
check "the unit is installed disabled (is-enabled: $state)" test "$state" = disabled
# (systemd 250 and later: --offline; a failure to run it fails the check, it is not skipped)
sec=$(in_root systemd-analyze security --offline=true "$unit" 2>"$W/security.err") ||
	cat "$W/security.err"
score=$(sed -n 's/.*Overall exposure level for v6link.service: \([0-9.]*\).*/\1/p' <<<"$sec")
check "systemd-analyze security: exposure ${score:-?} (<= 4.0)" \
	awk -v s="${score:-99}" 'BEGIN { exit !(s <= 4.0) }'

# The installed binary reads /etc/v6link by default; a bad key is FILE:LINE and exit status 2.
mkdir -p "$R/etc/v6link"
printf '[dsl]\nmru = 9000\n' >"$R/etc/v6link/connections.ini"
err=$(in_root /usr/sbin/v6link run 2>&1)
rc=$?
echo "$err"
check "a bad key in /etc/v6link/connections.ini: exit status $rc (2), file:line message" \
	grep -qxF "/etc/v6link/connections.ini:2: [dsl] key 'mru': expected 128..1500, got '9000'" \
	<<<"$([ $rc = 2 ] && echo "$err")"
# The installed examples are valid configuration: passwd loads both and stores the password.
cp "$R/usr/share/doc/v6link/examples/v6link.ini" "$R/usr/share/doc/v6link/examples/connections.ini" \
	"$R/etc/v6link/"
echo 'pkg-Secret-1' | in_root /usr/sbin/v6link passwd dsl >"$W/passwd.log" 2>&1
rc=$?
cat "$W/passwd.log"
stored() {
	[ $rc = 0 ] && grep -q '^password=enc:v1:' "$R/etc/v6link/connections.ini" &&
		[ "$(stat -c %a "$R/etc/v6link/secret.key")" = 600 ]
}
check "the example configs parse; passwd stores the password encrypted, secret.key 0600" stored

in_root dpkg --purge v6link >"$W/purge.log" 2>&1
rc=$?
purged() { [ $rc = 0 ] && [ ! -e "$R/usr/sbin/v6link" ] && [ ! -e "$R$unit" ]; }
check "dpkg --purge removes the binary and the unit" purged || cat "$W/purge.log"
exit $failed
INROOT
unshare --mount --propagation private bash "$W/inroot.sh" "$W" "$deb" "$version" || T_FAILED=1
host_after=$(host_state)
t_check "package: the host's dpkg database and /etc/v6link are unchanged" \
	test "$host_before" = "$host_after"

# --- the unit at run time: systemd as PID 1 of new PID, mount and network namespaces, on an
# overlay root with the package installed; the daemon runs in its sandbox on a veth with no AC ---
SD_PID= upid=
cleanup_sd() { # PID 1 of the namespaces (unshare's child): killing it takes every process along
	local pid1=$SD_PID
	[ -n "$pid1" ] || [ -z "$upid" ] || pid1=$(pgrep -P "$upid")
	[ -z "$pid1" ] || kill -KILL $pid1 2>/dev/null
	SD_PID=
}
trap 'cleanup_sd; cleanup_pkg' EXIT
cat >"$W/boot.sh" <<'BOOT'
set -ex
W=$1 DEB=$2
mkdir -p "$W/sd" && mount -t tmpfs -o size=1g v6l-pkg "$W/sd"
mkdir "$W/sd/upper" "$W/sd/work" "$W/sd/root"
mount -t overlay v6l-pkg -o "lowerdir=/,upperdir=$W/sd/upper,workdir=$W/sd/work" "$W/sd/root"
R=$W/sd/root
ip link set lo up
ip link add eth9 type veth peer name eth9p && ip link set eth9 up && ip link set eth9p up
ip link add eth8 type veth peer name eth8p && ip link set eth8 up && ip link set eth8p up
mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" && mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/run" && mount -t tmpfs tmpfs "$R/tmp"
cp "$DEB" "$R/tmp/v6link.deb"
chroot "$R" dpkg -i /tmp/v6link.deb >/dev/null
mkdir -p "$R/etc/v6link"
printf '[param]\nlog_level=debug\n' >"$R/etc/v6link/v6link.ini"
cat >"$R/etc/v6link/connections.ini" <<INI
[dsl]
enabled=1
mode=dial-up
dial_string=if=eth9 to=300 tr=1
user_name=u
redial_delay=60
redial_delay_max=60
[lan]
enabled=1
mode=router
dial_string=if=eth8
interface=v6link1
INI
echo pkg-Secret-1 | chroot "$R" v6link passwd dsl 2>/dev/null
chroot "$R" systemctl enable v6link.service 2>/dev/null
: >"$R/etc/machine-id"
exec chroot "$R" env container=v6l-test /lib/systemd/systemd --system --unit=multi-user.target
BOOT
unshare --pid --fork --mount --propagation private --net --uts --ipc \
	bash "$W/boot.sh" "$W" "$deb" >"$W/boot.log" 2>&1 &
upid=$!
for _ in $(seq 200); do
	SD_PID=$(pgrep -P "$upid" 2>/dev/null) && [ "$(cat "/proc/$SD_PID/comm" 2>/dev/null)" = systemd ] && break
	SD_PID=
	kill -0 "$upid" 2>/dev/null || break
	sleep 0.2
done
sd() { nsenter -t "$SD_PID" -m -p -n -u -i -r -w "$@"; }
state=
for _ in $(seq 100); do # until the boot is over (40 s at most)
	[ -n "$SD_PID" ] || break
	state=$(sd systemctl is-system-running 2>/dev/null)
	[ "$state" != running ] && [ "$state" != degraded ] || break
	sleep 0.4
done
if [ "$state" != running ] && [ "$state" != degraded ]; then
	# (systemd is in make deps, and it boots so on the machines this runs on: not a skip)
	t_fail "package: systemd boots as PID 1 of new namespaces with the package installed (state '$state')"
	cat "$W/boot.log"
else
	journal() { sd journalctl -u v6link -q -o cat "$@"; } # (grep -q on a pipe: SIGPIPE, pipefail)
	for _ in $(seq 30); do grep -q 'redialling in' <<<"$(journal)" && break; sleep 0.3; done
	up() {
		sd systemctl -q is-active v6link || { echo "v6link.service is not active"; return 1; }
		sd ip link show v6link0 >/dev/null || return 1
		[ "$(sd cat /proc/sys/net/ipv6/conf/v6link0/accept_ra)" = 0 ] || { echo "accept_ra"; return 1; }
		grep -q 'interface *v6link0 over eth9' <<<"$(sd v6link status)" || { echo "status"; return 1; }
		grep -q 'discovery failed' <<<"$(journal -p warning)" ||
			{ echo "'discovery failed' not logged at priority warning"; return 1; }
		# router mode: raw ICMPv6 and UDP port 546 on the adapter, its sysctls
		grep -q 'v6link' <<<"$(sd ss -Hulpn 'sport = :546')" || { echo "UDP 546 not bound"; return 1; }
		[ "$(sd cat /proc/sys/net/ipv6/conf/eth8/accept_ra)" = 2 ] || { echo "eth8 accept_ra"; return 1; }
	}
	name="package: under systemd the sandboxed daemon makes v6link0, its sysctls, status, warnings; router mode binds UDP 546"
	if up; then t_ok "$name"; else t_fail "$name"; sd journalctl -u v6link --no-pager | tail -20; fi
	# What the unit allows at start (the change of user needs CAP_SETUID, CAP_SETGID, CAP_CHOWN,
	# CAP_SETPCAP), and what the daemon and its hooks may ever hold once started
	# (connections.ini(5), HOOKS): its threads and the spawner have CAP_NET_ADMIN CAP_NET_RAW
	# CAP_NET_BIND_SERVICE (0x3400; router mode binds 546) as bounding and effective set.
	caps=$(sd systemctl show -p CapabilityBoundingSet --value v6link)
	t_check "package: unit bounding set: the three network ones, and the four for the change of user ($caps)" \
		test "$(tr ' ' '\n' <<<"$caps" | sort | tr '\n' ' ')" = "cap_chown cap_net_admin cap_net_bind_service cap_net_raw cap_setgid cap_setpcap cap_setuid "
	main=$(sd systemctl show -p MainPID --value v6link)
	vuid=$(sd id -u v6link)
	# every thread: "Uid real eff saved fs Gid ... CapEff CapBnd", one line each
	threads() { sd sh -c "for t in /proc/$1/task/*; do awk '/^(Uid|Gid|CapEff|CapBnd):/ { printf \"%s \", \$0 }' \$t/status | tr -s ' \t' '  '; echo; done"; }
	vgid=$(sd id -g v6link)
	want="Uid: $vuid $vuid $vuid $vuid Gid: $vgid $vgid $vgid $vgid CapEff: 0000000000003400 CapBnd: 0000000000003400 "
	as_user() { local l n=0; while read -r l; do n=$((n + 1)); [ "$l " = "$want" ] || [ "$l" = "$want" ] || { echo "thread: $l"; return 1; }; done < <(threads "$main"); [ $n -gt 1 ]; }
	t_check "package: under the unit every thread of the daemon (pid $main) is the user v6link ($vuid:$vgid) with CapEff = CapBnd = 0x3400" as_user
	spawner=$(sd pgrep -P "$main" | head -1)
	t_check "package: its spawner (pid $spawner) is uid 0 with the same capabilities" \
		test "$(threads "$spawner")" = "Uid: 0 0 0 0 Gid: 0 0 0 0 CapEff: 0000000000003400 CapBnd: 0000000000003400 "
	t_check "package: /var/lib/v6link is v6link's, group root writable" \
		test "$(sd stat -c %U:%G:%A /var/lib/v6link)" = v6link:root:drwxrwxr-x
	# Type=notify: active means READY=1 came; STATUS= names both connections' states.
	st=$(sd systemctl show -p StatusText --value v6link)
	t_check "package: Type=notify unit ready, STATUS= shows every connection ($st)" \
		grep -qE '^dsl [a-z]+ \(.*\); lan [a-z]+ \(' <<<"$st"
	sd systemctl stop v6link
	stopped() {
		! sd ip link show v6link0 >/dev/null 2>&1 && ! sd test -e /run/v6link &&
			grep -q 'host configuration restored' <<<"$(journal)"
	}
	t_check "package: systemctl stop: v6link0 gone, host configuration restored, /run/v6link removed" stopped
	sd sh -c "echo 'mru = 9000' >>/etc/v6link/connections.ini"
	sd systemctl start v6link
	sleep 7 # RestartSec=5: a restart would have happened by now
	st=$(for p in ActiveState ExecMainStatus NRestarts; do
		echo -n "$p=$(sd systemctl show -p "$p" --value v6link) "; done)
	t_check "package: a configuration error fails the unit without restarts ($st)" \
		test "$st" = "ActiveState=failed ExecMainStatus=2 NRestarts=0 "
	sd systemctl poweroff >/dev/null 2>&1
	for _ in $(seq 25); do kill -0 "$SD_PID" 2>/dev/null || break; sleep 0.2; done
fi
cleanup_sd
wait "$upid" 2>/dev/null

# --- make install PREFIX=/usr DESTDIR=... from a copy of the tracked tree ---
mkdir "$W/src"
git -C "$T_TOP" ls-files -z | (cd "$T_TOP" && tar --null --ignore-failed-read -T - -cf -) |
	tar -xf - -C "$W/src"
t_log "make install (log: $W/install.log)"
make -C "$W/src" install BUILD="$W/build-inst" PREFIX=/usr DESTDIR="$W/dest" >"$W/install.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -30 "$W/install.log"
laid_out() { # DESTDIR PREFIX
	local d=$1$2 f
	for f in sbin/v6link share/man/man8/v6link.8 share/man/man5/v6link.ini.5 \
		share/man/man5/connections.ini.5 share/doc/v6link/examples/v6link.ini \
		share/doc/v6link/examples/connections.ini lib/systemd/system/v6link.service \
		lib/sysusers.d/v6link.conf; do
		[ -f "$d/$f" ] || { echo "make install: no $2/$f"; return 1; }
	done
	[ -x "$d/sbin/v6link" ] &&
		grep -qxF "ExecStart=$2/sbin/v6link -s run" "$d/lib/systemd/system/v6link.service" &&
		grep -qE '^u v6link - ' "$d/lib/sysusers.d/v6link.conf"
}
t_check "package: make install PREFIX=/usr DESTDIR: sbin, 3 man pages, examples, unit, sysusers.d/v6link.conf" \
	eval '[ $rc = 0 ] && laid_out "$W/dest" /usr'
make -C "$W/src" install BUILD="$W/build-inst" DESTDIR="$W/dest-local" >>"$W/install.log" 2>&1
rc=$?
t_check "package: make install, default PREFIX /usr/local (unit runs /usr/local/sbin/v6link)" \
	eval '[ $rc = 0 ] && laid_out "$W/dest-local" /usr/local'
[ "$T_FAILED" = 0 ]
