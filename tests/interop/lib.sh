# Shared helpers for v6link's interop tests (sourced). A test script:
#   source lib.sh; t_begin NAME; isp_up ...; v6l_conf ...; v6l_start; ...; t_ok/t_fail; (trap cleans up)
# Every result line is "PASS: name" or "FAIL: name" (counted by tests/run_all.sh).
set -uo pipefail
T_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T_TOP=$(cd "$T_HERE/../.." && pwd)
V6L_BIN=${V6L_BIN:-$T_TOP/build/v6link}
NS_CLI=${NS_CLI:-v6l-cli}
NS_ISP=${NS_ISP:-v6l-isp}
NS_FAR=${NS_FAR:-v6l-far}
ISP_USER=${ISP_USER:-v6luser}
ISP_PASS=${ISP_PASS:-v6lpass-Secret1}
FAR4=203.0.113.10
FAR6=2001:db8:f::10
T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_RUN=${T_RUN:-${T_ROOT:-/tmp}/v6l-$T_NAME} # T_ROOT: set by tests/run_all.sh per run
ISP_RUN=$T_RUN/isp
V6L_CONF=$T_RUN/conf
V6L_SOCK=$T_RUN/ctl.sock
V6L_LOG=$T_RUN/v6link.log
V6L_PID=
T_FAILED=0

t_log() { echo "[$(date +%T)] $*"; }
t_ok() { echo "PASS: $*"; }
t_fail() { echo "FAIL: $*"; T_FAILED=1; }
# t_check NAME CMD...: PASS if CMD succeeds.
t_check() {
	local name=$1
	shift
	if "$@"; then t_ok "$name"; else t_fail "$name"; fi
}

isp_up() { # KEY=VALUE ... (see isp.sh)
	bash "$T_HERE/isp.sh" up "$ISP_RUN" "$@"
}
isp() { bash "$T_HERE/isp.sh" "$1" "$ISP_RUN" "${@:2}"; }

in_cli() { ip netns exec "$NS_CLI" "$@"; }

# v6l_conf [connections.ini keys as KEY=VALUE ...]: writes a config for connection 'dsl'.
v6l_conf() {
	mkdir -p "$V6L_CONF"
	chmod 0755 "$V6L_CONF"
	cat >"$V6L_CONF/v6link.ini" <<-INI
	[param]
	func_trace = ${V6L_FUNC_TRACE:-1}
	trace_dir = $T_RUN/trace
	INI
	# V6L_USER=UID:GID runs a script's daemon as that user (user= in [param]).
	[ -z "${V6L_USER:-}" ] || echo "user = $V6L_USER" >>"$V6L_CONF/v6link.ini"
	# mode=dial-up skips detection (tested in test_mixed_mode and test_router_mode), so that
	# timings measure the dial-up itself.
	local -A kv=([dial_string]="if=eth0" [user_name]="$ISP_USER" [redial_delay]=1 [redial_delay_max]=4
		[mode]=dial-up)
	local order=(dial_string user_name redial_delay redial_delay_max mode) a k
	for a in "$@"; do
		k=${a%%=*}
		[ -n "${kv[$k]+x}" ] || order+=("$k")
		kv[$k]=${a#*=}
	done
	{
		echo "[dsl]"
		for k in "${order[@]}"; do echo "$k = ${kv[$k]}"; done
	} >"$V6L_CONF/connections.ini"
	echo "$ISP_PASS" | "$V6L_BIN" -C "$V6L_CONF" passwd dsl
}

# v6l_start [run args]: starts the daemon in the client namespace (default: run dsl).
v6l_start() {
	local args=("$@")
	[ ${#args[@]} -gt 0 ] || args=(run dsl)
	ip netns exec "$NS_CLI" "$V6L_BIN" -d -C "$V6L_CONF" -S "$V6L_SOCK" "${args[@]}" \
		>>"$V6L_LOG" 2>&1 &
	V6L_PID=$!
}

v6l() { ip netns exec "$NS_CLI" "$V6L_BIN" -S "$V6L_SOCK" "$@"; }

# v6l_json EXPR: evaluates a python expression on the status JSON (variable c = connection 0).
# (/usr/bin/python3: a pyenv shim first in PATH costs half a second per call on a loaded host,
# and tests poll this)
v6l_json() {
	v6l status --json 2>/dev/null | /usr/bin/python3 -c "import json,sys
d=json.load(sys.stdin); c=d['connections'][0]
print($1)"
}
# wait_json EXPR SECS: until v6l_json EXPR prints True (polled every 0.1 s); logs a timeout.
wait_json() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(v6l_json "$1" 2>/dev/null)" = True ] && return 0
		sleep 0.1
	done
	t_log "not true after $2 s: $1"
	return 1
}

# v6l_wait_state STATE [SECS]: waits until connection 0 is in STATE.
v6l_wait_state() {
	local want=$1 secs=${2:-20} i
	for ((i = 0; i < secs * 10; i++)); do
		[ "$(v6l_json "c['state']" 2>/dev/null)" = "$want" ] && return 0
		sleep 0.1
	done
	t_log "state is '$(v6l_json "c['state']" 2>/dev/null)', wanted '$want' after ${secs}s"
	return 1
}

# v6l_stop: SIGTERM and wait (5 s grace, then KILL).
v6l_stop() {
	[ -n "$V6L_PID" ] || return 0
	kill -TERM "$V6L_PID" 2>/dev/null
	local i
	for ((i = 0; i < 80; i++)); do
		kill -0 "$V6L_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$V6L_PID" 2>/dev/null; then
		t_log "v6link did not exit on SIGTERM; killing"
		kill -KILL "$V6L_PID" 2>/dev/null
	fi
	wait "$V6L_PID" 2>/dev/null
	local rc=$?
	V6L_PID=
	return $rc
}

# Nothing of v6link left in the client namespace: no TUN, no route through it, no address.
# (A negated `cmd | grep -q` is wrong under pipefail: grep -q exits at the first match, cmd may
# die of SIGPIPE, and `!` turns the failed pipeline into success. grep >/dev/null reads it all.)
v6l_host_clean() {
	! in_cli ip link show v6link0 >/dev/null 2>&1 &&
		! in_cli ip link show v6link46 >/dev/null 2>&1 &&
		! in_cli ip -4 route | grep v6link >/dev/null &&
		! in_cli ip -6 route | grep v6link >/dev/null &&
		! in_cli ip addr | grep -E '100\.64\.|192\.0\.0\.8' >/dev/null
}

# Packet captures of a test (tcpdump, whole frames): cap_start NS DEV NAME [FILTER...] writes
# $T_RUN/NAME.pcap; cap_stop NAME ends one; cap_stop_all (in a test's EXIT trap) ends the rest.
declare -A CAP_PID=()
cap_start() {
	local ns=$1 dev=$2 name=$3 i
	shift 3
	ip netns exec "$ns" tcpdump -Z root -i "$dev" -n -U -s 0 -w "$T_RUN/$name.pcap" "$@" \
		>"$T_RUN/$name.cap.log" 2>&1 &
	CAP_PID[$name]=$!
	for ((i = 0; i < 50; i++)); do
		grep 'listening on' "$T_RUN/$name.cap.log" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	t_log "tcpdump $name did not start: $(cat "$T_RUN/$name.cap.log")"
	return 1
}
cap_stop() { # NAME
	local p=${CAP_PID[$1]:-}
	[ -n "$p" ] || return 0
	sleep 0.3
	kill -INT "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	CAP_PID[$1]=
}
cap_stop_all() {
	local n
	for n in "${!CAP_PID[@]}"; do cap_stop "$n"; done
}
# cap_clean FILE [OFFLOAD_SRC]: at least one frame, none malformed, no bad IPv4/TCP/UDP/ICMP/
# ICMPv6 checksum, no error-level expert info (tshark as the independent decoder). TCP and UDP
# from the IPv4 address OFFLOAD_SRC are exempt from the L4 checks: captured before a device that
# offloads checksums, they carry only the pseudo-header sum.
cap_clean() {
	local f=$1 n bad l4='tcp.checksum.status==bad || udp.checksum.status==bad || _ws.expert.severity == error'
	[ -n "${2:-}" ] && l4="ip.src != $2 && ($l4)"
	n=$(tshark -n -r "$f" 2>/dev/null | wc -l)
	bad=$(tshark -n -r "$f" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y "ip.checksum.status==bad || icmp.checksum.status==bad || icmpv6.checksum.status==bad || _ws.malformed || ($l4)" 2>/dev/null)
	t_log "$(basename "$f"): $n frames, $(printf '%s' "$bad" | grep -c .) bad"
	[ -n "$bad" ] && printf '%s\n' "$bad" | head -10
	[ "$n" -gt 0 ] && [ -z "$bad" ]
}

# iperf3 against the far host: far_iperf3_serve LOG SECS starts a one-test server there on port
# 5201 (FAR_IPERF_PID; killed after SECS, or by t_cleanup) and gives it half a second to listen;
# far_iperf3_done waits for it to end. iperf3_bps JSON prints the bits per second received in a
# client's iperf3 -J output (nothing if the run has none).
FAR_IPERF_PID=
far_iperf3_serve() {
	ip netns exec "$NS_FAR" timeout "$2" iperf3 -s -1 -p 5201 >"$1" 2>&1 &
	FAR_IPERF_PID=$!
	sleep 0.5
}
far_iperf3_done() {
	[ -n "$FAR_IPERF_PID" ] && wait "$FAR_IPERF_PID" 2>/dev/null
	FAR_IPERF_PID=
}
iperf3_bps() {
	/usr/bin/python3 -c "import json; print(int(json.load(open('$1'))['end']['sum_received']['bits_per_second']))" 2>/dev/null
}

t_cleanup() {
	[ -n "$FAR_IPERF_PID" ] && kill "$FAR_IPERF_PID" 2>/dev/null && wait "$FAR_IPERF_PID" 2>/dev/null
	v6l_stop >/dev/null 2>&1
	bash "$T_HERE/isp.sh" down "$ISP_RUN" >/dev/null 2>&1
}

t_begin() {
	rm -rf "$T_RUN"
	mkdir -p "$T_RUN"
	trap 't_cleanup' EXIT
	trap 'exit 130' INT TERM
	[ -x "$V6L_BIN" ] || { t_fail "$T_NAME: no binary at $V6L_BIN"; exit 1; }
}

# Shows the logs after a failure, so CI output explains it.
t_dump() {
	echo "---- v6link log (tail) ----"
	tail -40 "$V6L_LOG" 2>/dev/null
	echo "---- ISP pppd log (tail) ----"
	tail -20 "$ISP_RUN/pppd.log" 2>/dev/null
}


# --- "nothing leaked": the client namespace's host state, compared with a snapshot ---
# ns_state: what v6link may change in the client namespace, one sorted section each: addresses,
# routes (IPv4 and IPv6, every table), policy rules, address labels (ip addrlabel), link and IPv6
# MTUs, resolv.conf and gai.conf (/etc/netns/NS_CLI/, what ip netns exec bind-mounts on /etc) and
# the names of the processes in the namespace. Lifetimes and expiry times are left out; the rest
# must match exactly.
ns_state() {
	local p
	in_cli bash -c '
	echo "## addresses"
	ip -o addr show | sed -E "s/\\\\ +valid_lft .*//; s/ +/ /g" | sort
	echo "## routes4"
	ip -4 route show table all | sed -E "s/ expires [^ ]+//" | sort
	echo "## routes6"
	ip -6 route show table all | sed -E "s/ expires [^ ]+//" | sort
	echo "## rules"
	{ ip -4 rule show; ip -6 rule show; } | sort
	echo "## addrlabel"
	ip addrlabel list | sort
	echo "## links"
	for d in /sys/class/net/*; do
		n=${d##*/}
		echo "$n mtu $(cat "$d/mtu") ipv6 mtu $(cat "/proc/sys/net/ipv6/conf/$n/mtu" 2>/dev/null)"
	done'
	echo "## resolv.conf"
	cat "/etc/netns/$NS_CLI/resolv.conf" 2>/dev/null
	echo "## gai.conf"
	cat "/etc/netns/$NS_CLI/gai.conf" 2>/dev/null
	echo "## processes"
	for p in $(ip netns pids "$NS_CLI" 2>/dev/null); do cat "/proc/$p/comm" 2>/dev/null; done | sort
}
# ns_snap NAME: records ns_state as $T_RUN/NAME.state.
ns_snap() { ns_state >"$T_RUN/$1.state"; }
# ns_renum OLD=NEW ...: a filter that moves every address or prefix in the text from an old
# IPv4 address or IPv6 prefix to the new one (host bits kept): what a snapshot must become after
# the ISP handed out a new address or prefix. OLD=- drops every line with an address in OLD.
ns_renum() {
	(($#)) || { cat; return; }
	/usr/bin/python3 -c '
import ipaddress, re, sys
net = lambda x: ipaddress.ip_network(x, strict=False)
maps = [(net(o), net(n)) for o, n in (a.split("=") for a in sys.argv[1:]) if n != "-"]
drops = [net(a.split("=")[0]) for a in sys.argv[1:] if a.endswith("=-")]
TOKEN = r"[0-9a-fA-F:.]*[:.][0-9a-fA-F:.]*(/[0-9]+)?"
def dropped(line):
    for m in re.finditer(TOKEN, line):
        try:
            ip = ipaddress.ip_address(m.group(0).partition("/")[0])
        except ValueError:
            continue
        if any(ip.version == d.version and ip in d for d in drops):
            return True
    return False
def move(m):
    t = m.group(0)
    a, _, plen = t.partition("/")
    try:
        ip = ipaddress.ip_address(a)
    except ValueError:
        return t
    for old, new in maps:
        if ip.version == old.version and ip in old:
            ip = ipaddress.ip_address(int(new.network_address) | (int(ip) & int(old.hostmask)))
            return str(ip) + ("/" + plen if plen else "")
    return t
for line in sys.stdin:
    if not dropped(line):
        sys.stdout.write(re.sub(TOKEN, move, line))
' "$@"
}
# ns_same NAME [OLD=NEW ...]: the state now equals snapshot NAME (renumbered by ns_renum if maps
# are given); on a difference, prints it (unified diff).
ns_same() {
	local now name=$1
	shift
	now=$(ns_state)
	diff -u --label "$name (expected)" --label "now" <(ns_renum "$@" <"$T_RUN/$name.state") \
		<(printf '%s\n' "$now")
}
# ns_wait_same NAME SECS [OLD=NEW ...]: polls (0.2 s) until ns_same holds; on a timeout prints
# the last difference and returns 1. Sets NS_WAITED to the seconds it took.
ns_wait_same() {
	local t0=$EPOCHREALTIME name=$1 secs=$2 out
	shift 2
	while ! out=$(ns_same "$name" "$@"); do
		if ! awk -v a="$t0" -v b="$EPOCHREALTIME" -v s="$secs" 'BEGIN { exit !(b - a < s) }'; then
			t_log "host state differs from '$name' after $secs s:"
			printf '%s\n' "$out" | head -40
			NS_WAITED=$secs
			return 1
		fi
		sleep 0.2
	done
	NS_WAITED=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
}
