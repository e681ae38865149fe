#!/bin/bash
# connect_time.sh - connect time of v6link against pppd + dhcpcd (issue #11), both dialling the
# same test ISP (tests/interop/isp.sh: pppoe-server + pppd + radvd + Kea in User-Mode Linux) in
# the same run.  Not run in CI.
#
#   sudo bash bench/connect_time.sh [BUILD_DIR]        (default build; make bench runs it too)
#
# Connect time = from the client's start (v6link: `v6link run` exec'd; reference: pppd exec'd)
# to the moment the host has (a) a global IPv6 address (IA_NA), (b) an address from the delegated
# prefix and (c) an IPv6 DNS server in its resolver, stamped by bench/ct-watch.sh where the
# client runs (kernel address events via `ip monitor`, the resolver file polled every 20 ms).
# Four clients, in rotating order each round:
#   auto    v6link with a new user's configuration (enabled, if=eth0, user, `v6link passwd`;
#           mode=auto, allow_mixed_mode=1 by default), in the client namespace on the host
#   dialup  the same with mode=dial-up (no detection)
#   ref     pppd 2.4.9 (pppoeconf's dsl-provider + `+ipv6`) and dhcpcd 9.4.1 (Debian's
#           dhcpcd.conf + IA_NA/IA_PD on ppp0), inside a client UML (the host kernel has no PPP),
#           dhcpcd started before pppd as a service would be
#   ref6    the same with dhcpcd started by pppd's ipv6-up script
# ISP_V6READY=1 (default): an ISP that behaves like a BNG: its radvd and Kea run from boot and
# answer a new session's RS and Solicit within tens of milliseconds of its IPv6CP (isp.sh
# V6READY=1), Kea logs no packets (DHCP6_LOG=info) and its pppd starts without module requests
# (ONDEMAND_MODULES=0), so the figures are the clients' own; ISP_V6READY=0: isp.sh's defaults as
# the interop tests use them: radvd and Kea started from each session's ipv6-up script, seconds
# after IPv6CP in UML (the figures are then mostly the ISP's; see README.md).  ISP_EXTRA='K=V ..'
# adds isp.sh options (e.g. ISP_EXTRA=ONDEMAND_MODULES=1).
# Environment: ROUNDS (5), TIMEOUT (60 s per connect), RUN (/tmp/v6l-bench-ct: logs stay
# there), NS_CLI/NS_ISP/NS_FAR (v6l-ctcli/v6l-ctisp/v6l-ctfar).  Prints figures and exits 0;
# 1 only when something broke (the ISP did not come up, a v6link line or both reference lines
# never connected, ...).
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$TOP/bench
BUILD=${1:-build}
[[ "$BUILD" == /* ]] || BUILD=$TOP/$BUILD
BIN=$BUILD/v6link
ROUNDS=${ROUNDS:-5}
TIMEOUT=${TIMEOUT:-60}
RUN=${RUN:-/tmp/v6l-bench-ct}
export NS_CLI=${NS_CLI:-v6l-ctcli} NS_ISP=${NS_ISP:-v6l-ctisp} NS_FAR=${NS_FAR:-v6l-ctfar}
ISP_SH=$TOP/tests/interop/isp.sh
ISP=$RUN/isp
CL=$RUN/cl
M=$CL/m # measurements live in the client UML's run folder: the UML writes there too
SOCK=$RUN/ctl.sock
CONN=ctbench # v6link keeps /var/lib/v6link/NAME.{duid,iid}, /run/v6link/NAME.env: removed at exit
ISP_V6READY=${ISP_V6READY:-1}
ISP_OPTS=(AUTH=pap RA=m DHCP6=kea PD_LEN=56 V6READY="$ISP_V6READY")
# (Kea's per-packet DEBUG log costs the ISP 30-100 ms per exchange in UML, the agent's lines in
# isp6.log give the ISP's side of the timeline; modprobe runs cost its pppd 0.3-1.2 s per session)
[ "$ISP_V6READY" = 1 ] && ISP_OPTS+=(DHCP6_LOG=info ONDEMAND_MODULES=0)
read -r -a _extra <<<"${ISP_EXTRA:-}"
ISP_OPTS+=("${_extra[@]}")
export NA_RE='inet6 2001:db8:200:' PD_RE='inet6 2001:db8:8[0-9a-f]{3}:' # the ISP's pools
V6L_PID='' WATCH_PID='' STATE_NEW=()

log() { echo "[$(date +%T)] $*" >&2; }
die() { log "connect_time: $*"; exit 1; }
isp() { bash "$ISP_SH" "$@"; }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

stop_pid() { # PID SECONDS: SIGTERM, wait, SIGKILL; then reap it
	local p=$1 i
	alive "$p" || { wait "$p" 2>/dev/null; return 0; }
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < $2 * 20; i++)); do alive "$p" || break; sleep 0.05; done
	alive "$p" && { log "pid $p still there after $2 s: SIGKILL"; kill -KILL "$p" 2>/dev/null; }
	wait "$p" 2>/dev/null
	return 0
}

cleanup() {
	local f
	stop_pid "$V6L_PID" 10
	stop_pid "$WATCH_PID" 3
	V6L_PID='' WATCH_PID=''
	[ -e "$ISP/isp.env" ] && timeout 60 bash "$ISP_SH" down "$ISP" >/dev/null 2>&1
	for f in "${STATE_NEW[@]}"; do rm -f "$f"; done
	[ -d "/etc/netns/$NS_CLI" ] && rmdir "/etc/netns/$NS_CLI" 2>/dev/null
	return 0
}

wait_match() { # FILE REGEX SECONDS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

n_exits() {
	local n
	n=$(grep -c ' pppd-exit ' "$ISP/events.log" 2>/dev/null)
	echo "${n:-0}"
}

# The ISP's session must be gone before the next client dials, so that every client meets the
# same ISP.  When the client sends its PADT right after the LCP Terminate-Ack (v6link does),
# pppoe-server SIGTERMs the session's pppd while its ip-down/ipv6-down scripts run, they die, and
# that session's radvd stays: it would answer the next client's RS before the ISP's ipv6-up hook
# has even run.  So stop it the way ipv6-down would have (isp6-hook.sh down IF), and count it.
# (With V6READY=1 there is one radvd for every session, from boot: nothing to stop.)
wait_isp_idle() { # EXITS-BEFORE MDIR
	local i ifn
	for ((i = 0; i < 300; i++)); do
		(($(n_exits) > $1)) && break
		sleep 0.1
	done
	(($(n_exits) > $1)) || { log "the ISP's pppd did not exit within 30 s"; return 1; }
	ifn=$(awk '$2 == "ipv6-up" { i = $3 } END { print i }' "$ISP/events.log")
	if [ -n "$ifn" ] && [ "$ISP_V6READY" = 0 ]; then
		isp exec "$ISP" "if pgrep -x radvd >/dev/null; then echo stale radvd; bash $ISP/bin/isp6-hook.sh down $ifn; fi; true" \
			>"$2/isp-cleanup.out" 2>&1
	fi
	sleep 1
	return 0
}

mono_offset() { /usr/bin/python3 -c 'import time; print("%.6f" % (time.time() - time.monotonic()))'; }

measure_v6link() { # VARIANT MDIR
	local var=$1 md=$2 before
	before=$(n_exits)
	ip netns exec "$NS_CLI" bash "$HERE/ct-watch.sh" "$md/watch.log" "/etc/netns/$NS_CLI/resolv.conf" \
		"$NA_RE" "$PD_RE" $((TIMEOUT + 30)) </dev/null >"$md/watch.out" 2>&1 &
	WATCH_PID=$!
	wait_match "$md/watch.log" ' ready ' 10 || { log "stopwatch did not start: $(cat "$md/watch.out")"; return 1; }
	mono_offset >"$md/mono"
	ip netns exec "$NS_CLI" bash -c 't0=$1; shift; echo "$EPOCHREALTIME" >"$t0"; exec "$@"' ct \
		"$md/t0" "$BIN" -d -C "$RUN/conf-$var" -S "$SOCK" run </dev/null >"$md/v6link.log" 2>&1 &
	V6L_PID=$!
	if wait_match "$md/watch.log" ' done$' "$TIMEOUT"; then echo ok >"$md/result"; else echo timeout >"$md/result"; fi
	ip netns exec "$NS_CLI" "$BIN" -S "$SOCK" status --json >"$md/status.json" 2>&1
	stop_pid "$V6L_PID" 10
	V6L_PID=''
	touch "$md/watch.log.stop"
	stop_pid "$WATCH_PID" 3
	WATCH_PID=''
	echo "$EPOCHREALTIME" >"$md/t_stop"
	wait_isp_idle "$before" "$md"
}

measure_ref() { # MDIR service|ipv6-up
	local md=$1 before
	before=$(n_exits)
	if ! isp exec "$CL" bash "$CL/bin/ct-uml-ref.sh" start "$CL" "$md" "$2" >"$md/start.out" 2>&1; then
		log "reference did not start: $(tail -3 "$md/start.out")"
		isp exec "$CL" bash "$CL/bin/ct-uml-ref.sh" stop "$CL" "$md" >/dev/null 2>&1
		return 1
	fi
	if wait_match "$md/watch.log" ' done$' "$TIMEOUT"; then echo ok >"$md/result"; else echo timeout >"$md/result"; fi
	isp exec "$CL" bash "$CL/bin/ct-uml-ref.sh" stop "$CL" "$md" >"$md/stop.out" 2>&1
	echo "$EPOCHREALTIME" >"$md/t_stop"
	wait_isp_idle "$before" "$md"
}

write_configs() {
	local var
	for var in auto dialup; do
		mkdir -p "$RUN/conf-$var"
		chmod 0755 "$RUN/conf-$var"
		# v6link.ini only moves the always-on pcapng trace out of /var/log (same cost)
		printf '[param]\ntrace_dir = %s/trace\n' "$RUN" >"$RUN/conf-$var/v6link.ini"
		{
			echo "[$CONN]"
			echo "enabled = 1"
			echo "dial_string = if=eth0"
			echo "user_name = v6luser"
			[ "$var" = dialup ] && echo "mode = dial-up"
		} >"$RUN/conf-$var/connections.ini"
		echo "v6lpass-Secret1" | "$BIN" -C "$RUN/conf-$var" passwd "$CONN" >/dev/null || return 1
	done
	# pppoeconf's /etc/ppp/peers/dsl-provider (commented-out lines left out), plus +ipv6
	cat >"$CL/dsl-provider" <<-'EOF'
	noipdefault
	defaultroute
	replacedefaultroute
	hide-password
	noauth
	persist
	plugin rp-pppoe.so
	nic-eth0
	user "v6luser"
	usepeerdns
	+ipv6
	EOF
	# Debian's /etc/dhcpcd.conf as installed, plus what a PPPoE user adds for IPv6 with PD
	{
		cat /etc/dhcpcd.conf
		cat <<-'EOF'

		# --- added: pppd dials on eth0 and creates ppp0 (IPv4 comes from IPCP); dhcpcd runs as
		# a service waiting for ppp0 and does IPv6 there: RS, IA_NA, and a /56 for the LAN (lan0)
		nodev
		allowinterfaces ppp0
		interface ppp0
			ipv6only
			ia_na 1
			ia_pd 2 lan0/0
		EOF
	} >"$CL/dhcpcd.conf"
	# the password comes from /etc/ppp/pap-secrets, which isp.sh writes in every UML
}

main() {
	[ "$(id -u)" = 0 ] || { echo "connect_time.sh: run as root" >&2; exit 2; }
	[ -x "$BIN" ] || die "no $BIN (build first: meson setup BUILD && ninja -C BUILD)"
	[ -x /usr/sbin/dhcpcd ] || die "no /usr/sbin/dhcpcd (apt-get install dhcpcd-base)"
	{ [ -x /usr/sbin/pppd ] && ls /usr/lib/pppd/*/rp-pppoe.so >/dev/null 2>&1; } || die "no pppd with rp-pppoe.so (apt-get install ppp)"
	[ -x /usr/bin/python3 ] || die "no /usr/bin/python3"
	[[ "$ROUNDS" =~ ^[1-9][0-9]?$ && "$TIMEOUT" =~ ^[1-9][0-9]{0,2}$ ]] || die "ROUNDS 1..99, TIMEOUT 1..999"
	[[ "$ISP_V6READY" == [01] ]] || die "ISP_V6READY takes 0 or 1"
	local f var r i n=0 order
	for f in "/var/lib/v6link/$CONN.duid" "/var/lib/v6link/$CONN.iid" "/var/lib/v6link/$CONN.secret" \
		"/run/v6link/$CONN.env"; do
		[ -e "$f" ] || STATE_NEW+=("$f")
	done
	TREE=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?')
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	[[ "$RUN" == /* && "$RUN" != *[[:space:]]* ]] || die "RUN must be an absolute path without spaces"
	# a previous run's ISP (same RUN) goes down; only our own sub-folders are removed
	[ -e "$ISP/isp.env" ] && timeout 60 bash "$ISP_SH" down "$ISP" >/dev/null 2>&1
	rm -rf "$ISP" "$CL" "$RUN/conf-auto" "$RUN/conf-dialup" "$RUN/trace"
	mkdir -p "$RUN" "$CL/bin" "$CL/ipv6-up.d" "$M"
	log "ISP up (${ISP_OPTS[*]}) and a client UML, namespaces $NS_CLI $NS_ISP $NS_FAR"
	timeout 180 bash "$ISP_SH" up "$ISP" "${ISP_OPTS[@]}" 2>"$RUN/isp-up.log" || die "isp.sh up failed: $(tail -3 "$RUN/isp-up.log")"
	timeout 120 bash "$ISP_SH" client-up "$CL" "$ISP" 2>"$RUN/client-up.log" || die "isp.sh client-up failed: $(tail -3 "$RUN/client-up.log")"
	cp "$HERE/ct-watch.sh" "$HERE/ct-uml-ref.sh" "$CL/bin/"
	write_configs || die "cannot write the configurations"
	isp exec "$CL" bash "$CL/bin/ct-uml-ref.sh" prepare "$CL" >"$RUN/prepare.log" 2>&1 || die "client UML prepare: $(cat "$RUN/prepare.log")"

	for ((r = 1; r <= ROUNDS; r++)); do
		order=(auto dialup ref ref6)
		for ((i = 0; i < (r - 1) % 4; i++)); do order=("${order[@]:1}" "${order[0]}"); done
		for var in "${order[@]}"; do
			n=$((n + 1))
			local md
			md=$M/$(printf %02d "$n")-r$r-$var
			mkdir -p "$md"
			case $var in
			ref) measure_ref "$md" service ;;
			ref6) measure_ref "$md" ipv6-up ;;
			*) measure_v6link "$var" "$md" ;;
			esac || die "measurement $md broke"
			log "round $r/$ROUNDS $var: $(cat "$md/result" 2>/dev/null) $(awk -v t0="$(cat "$md/t0")" '$2 == "done" { printf "%.2f s", $1 - t0; exit }' "$md/watch.log")"
		done
	done

	local isp_uml
	isp_uml=$(awk '/UML .isp. ready/ { print $(NF-3) }' "$RUN/isp-up.log")
	echo "== v6link connect time vs pppd + dhcpcd ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
	echo "$("$BIN" version 2>/dev/null | head -1) ($BIN, built $(date -r "$BIN" '+%Y-%m-%d %H:%M'); tree at bench start: $TREE); $(pppd --version 2>&1 | head -1); $(dhcpcd --version | head -1)"
	echo "ISP: isp.sh ${ISP_OPTS[*]} (PAP; radvd RA M=1 O=1 A=0, RDNSS 2001:db8:f::53, RAs every 3-4 s; Kea IA_NA 2001:db8:200::/64, IA_PD /56 from 2001:db8:8000::/40, DNS option, Advertise+Request; isp up ${isp_uml:-?} s)"
	if [ "$ISP_V6READY" = 1 ]; then
		echo "  V6READY=1: radvd and Kea running since the ISP's boot; a resident agent reloads radvd with the session's block when pppd sets the link-local (IPv6CP up) and relays DHCPv6 to Kea: no process started per session; ONDEMAND_MODULES=0: no modprobe runs when the ISP's pppd starts"
	else
		echo "  V6READY=0: radvd and Kea started (Kea: reloaded) by each session's ipv6-up script"
	fi
	echo "rounds: $ROUNDS, order rotating; timeout $TIMEOUT s; logs in $M"
	echo "v6link config ($CONN): $(grep -v '^password' "$RUN/conf-auto/connections.ini" | tr '\n' ' ')+ password via 'v6link passwd'; second line: + mode = dial-up; run as 'v6link -d -C DIR -S SOCK run'"
	echo "reference (client UML): pppd call dsl-provider nodetach; dsl-provider = $(tr '\n' ' ' <"$CL/dsl-provider")"
	echo "  dhcpcd -B -f dhcpcd.conf, Debian's dhcpcd.conf + $(sed -n '/^# --- added/,$p' "$CL/dhcpcd.conf" | grep -v '^#' | tr -s '\n\t' '  ')"
	echo "  'service': dhcpcd started before pppd and waiting for ppp0; 'from ipv6-up': started for ppp0 by pppd's ipv6-up script"
	TIMEOUT=$TIMEOUT /usr/bin/python3 "$HERE/ct_report.py" "$RUN" || die "report failed"
	echo
	for var in auto dialup ref ref6; do
		[ "$ISP_V6READY" = 0 ] || break
		echo "ISP after '$var' sessions: a stale radvd (ipv6-down cut short) had to be stopped $(cat "$M"/*-"$var"/isp-cleanup.out 2>/dev/null | grep -c 'stale radvd') time(s) in $(ls -d "$M"/*-"$var" | wc -l)"
	done
	local bad
	bad=$(grep -L '^ok$' "$M"/*/result 2>/dev/null | wc -l)
	((bad == 0)) || log "$bad measurement(s) did not connect within $TIMEOUT s (see TIMEOUT rows)"
	# Broken = a v6link line or both reference lines without a single connect.  One reference
	# set-up failing every time is a finding (dhcpcd's race, see README.md), not a breakage.
	for var in auto dialup; do
		grep -qx ok "$M"/*-"$var"/result 2>/dev/null || die "no successful measurement of '$var'"
	done
	grep -qx ok "$M"/*-ref/result "$M"/*-ref6/result 2>/dev/null || die "no reference set-up ever connected"
	return 0
}

main
