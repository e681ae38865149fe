#!/bin/bash
# ct-uml-ref.sh - the reference client of bench/connect_time.sh (pppd + dhcpcd), run INSIDE the
# client UML of tests/interop/isp.sh (`isp.sh exec CLDIR ...`; never on the host: it mounts and
# deletes interfaces).  CLDIR is the client UML's run folder (the same path on host and UML).
#
#   ct-uml-ref.sh prepare CLDIR         once: writable /var/lib/dhcpcd and /etc/resolv.conf (the
#                                       UML sees the host's root read-only), the dummy module
#   ct-uml-ref.sh start CLDIR MDIR [service|ipv6-up]
#                                       fresh lan0 and resolver, the stopwatch (ct-watch.sh),
#                                       dhcpcd, then `pppd call dsl-provider`; MDIR/t0 = the
#                                       moment pppd is exec'd.  dhcpcd: service (default) =
#                                       started before the line, as Debian's dhcpcd.service
#                                       would be, waiting for ppp0; ipv6-up = started by pppd's
#                                       ipv6-up script (a CLDIR/ipv6-up.d hook) for ppp0
#   ct-uml-ref.sh stop CLDIR MDIR       SIGTERM to pppd, dhcpcd and the stopwatch, by their pids
#
# CLDIR/bin holds ct-watch.sh, CLDIR/dhcpcd.conf and CLDIR/dsl-provider come from connect_time.sh.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cmd=$1 CL=$2 MD=${3:-}
NA_RE=${NA_RE:-'inet6 2001:db8:200:'} PD_RE=${PD_RE:-'inet6 2001:db8:8[0-9a-f]{3}:'}
ST=/run/ct-ref

alive() { # PID: running and not a zombie
	local s
	[ -r "/proc/$1/stat" ] || return 1
	read -r _ _ s _ <"/proc/$1/stat" 2>/dev/null || return 1
	[ "$s" != Z ]
}

stop_pid() { # PIDFILE SECONDS [GROUP]   SIGTERM, wait, SIGKILL (GROUP=1: its process group)
	local p i
	[ -e "$1" ] || return 0
	read -r p <"$1" || return 0
	rm -f "$1"
	[ -n "$p" ] || return 0
	alive "$p" || return 0
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < $2 * 20; i++)); do alive "$p" || return 0; sleep 0.05; done
	echo "ct-uml-ref: pid $p still there after $2 s: SIGKILL" >&2
	if [ "${3:-0}" = 1 ]; then kill -KILL -- "-$p" 2>/dev/null; else kill -KILL "$p" 2>/dev/null; fi
	return 0
}

wait_for() { # FILE REGEX SECONDS
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "ct-uml-ref: no /$2/ in $1 after $3 s" >&2
	return 1
}

case "$cmd" in
prepare)
	mkdir -p "$ST"
	mountpoint -q /var/lib/dhcpcd || mount -t tmpfs ct-dhcpcd /var/lib/dhcpcd || exit 1
	if [ ! -e "$ST/resolv.orig" ]; then
		cp /etc/resolv.conf "$ST/resolv.orig" && cp "$ST/resolv.orig" "$ST/resolv.conf" &&
			mount --bind "$ST/resolv.conf" /etc/resolv.conf || exit 1
	fi
	/run/v6l/modprobe dummy || exit 1
	# pppoeconf's peer file, as `pon dsl-provider` would use it (/etc/ppp is a tmpfs copy)
	cp "$CL/dsl-provider" /etc/ppp/peers/dsl-provider || exit 1
	;;
start)
	[ -d "$MD" ] || exit 1
	how=${4:-service}
	# what the previous round left: lan0's addresses, dhcpcd's leases (its DUID stays), resolver
	ip link del lan0 2>/dev/null
	ip link add lan0 type dummy && ip link set lan0 up || exit 1
	rm -rf /run/dhcpcd
	find /var/lib/dhcpcd -mindepth 1 ! -name duid -delete
	cat "$ST/resolv.orig" >/etc/resolv.conf
	bash "$CL/bin/ct-watch.sh" "$MD/watch.log" /etc/resolv.conf "$NA_RE" "$PD_RE" 120 \
		</dev/null >"$MD/watch.out" 2>&1 &
	echo $! >"$ST/watch.pid"
	# dhcpcd in its own process group: `stop` may have to kill its privilege-separated helpers
	rm -f "$CL/ipv6-up.d/50-ct-dhcpcd.sh"
	if [ "$how" = service ]; then
		setsid dhcpcd -f "$CL/dhcpcd.conf" -B </dev/null >"$MD/dhcpcd.out" 2>&1 &
		echo $! >"$ST/dhcpcd.pid"
		wait_for "$MD/dhcpcd.out" 'no interfaces have a carrier|no valid interfaces' 10 || exit 1
	else
		# what /etc/ppp/ipv6-up.d/dhcpcd would do: dhcpcd for the interface pppd brought up ($1)
		# (full paths: pppd runs its scripts without PATH)
		mkdir -p "$CL/ipv6-up.d"
		printf '%s\n' "/usr/bin/setsid /usr/sbin/dhcpcd -f $CL/dhcpcd.conf -B \"\$1\" </dev/null >>$MD/dhcpcd.out 2>&1 &" \
			"echo \$! >$ST/dhcpcd.pid" >"$CL/ipv6-up.d/50-ct-dhcpcd.sh"
	fi
	wait_for "$MD/watch.log" ' ready ' 10 || exit 1
	sleep 0.2
	(
		echo "$EPOCHREALTIME" >"$MD/t0"
		exec pppd call dsl-provider nodetach
	) </dev/null >"$MD/pppd.out" 2>&1 &
	echo $! >"$ST/pppd.pid"
	;;
stop)
	[ -n "$MD" ] && touch "$MD/watch.log.stop"
	rm -f "$CL/ipv6-up.d/50-ct-dhcpcd.sh"
	# dhcpcd first: its clean exit runs hooks for every interface, seconds each in UML, and it
	# stays deaf to SIGTERM meanwhile; the next `start` resets what it leaves behind anyway.
	# Then pppd, which ends the session properly (LCP Terminate, PADT).
	stop_pid "$ST/dhcpcd.pid" 3 1
	stop_pid "$ST/pppd.pid" 20
	stop_pid "$ST/watch.pid" 3
	;;
*)
	echo "ct-uml-ref.sh: unknown command '$cmd'" >&2
	exit 2
	;;
esac
