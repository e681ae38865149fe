#!/usr/bin/env bash
# bench/pppoe_throughput.sh - TCP and small-packet UDP throughput through a v6link PPPoE session
# (the UML ISP of tests/interop/isp.sh) next to the same traffic over a bare veth, in one run.
# A manual benchmark: never part of CI gating. Needs root and iperf3; the PPPoE part also needs
# build/v6link and tests/interop/isp.sh (else only the baseline runs). See bench/README.md.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
V6L_BIN=${V6L_BIN:-$TOP/build/v6link}
ISP_SH=${ISP_SH:-$TOP/tests/interop/isp.sh}
DURATION=${DURATION:-5}          # seconds per iperf3 run
FUNC_TRACE=${FUNC_TRACE:-0}      # v6link's func_trace for the PPPoE part (2 = trace data too)
KMODE=${KMODE:-1}                # ISP side: 1 kernel-mode PPPoE sessions, 0 pppoe-server relay
UP_WAIT=${UP_WAIT:-30}           # seconds to wait for the session to reach state "up"
ISP_USER=${ISP_USER:-v6luser}
ISP_PASS=${ISP_PASS:-v6lpass-Secret1}
FAR4=203.0.113.10                # far host behind the UML ISP (fixed by isp.sh)
RESULTS=''
ONLY=all

usage() {
	cat <<-EOF
	usage: $0 [-t SECONDS] [-o RESULTS.tsv] [--baseline-only | --pppoe-only]
	  -t SECONDS     duration of each iperf3 run (1..30, default $DURATION)
	  -o FILE        also write the table as tab-separated values to FILE
	environment: V6L_BIN (default build/v6link), ISP_SH, KMODE=1|0, UP_WAIT, ISP_USER, ISP_PASS,
	  FUNC_TRACE=0|1|2 (v6link's func_trace; 2 traces every data frame: the trace overhead)
	EOF
	exit "$1"
}

while [ $# -gt 0 ]; do
	case "$1" in
	-t) DURATION=${2:-}; shift 2 ;;
	-o) RESULTS=${2:-}; shift 2 ;;
	--baseline-only) ONLY=baseline; shift ;;
	--pppoe-only) ONLY=pppoe; shift ;;
	-h | --help) usage 0 ;;
	*) usage 2 ;;
	esac
done
if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || ((DURATION < 1 || DURATION > 30)); then usage 2; fi
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (network namespaces)" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "bench: iperf3 missing (apt-get install iperf3)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 missing" >&2; exit 2; }

# Everything this run creates carries its PID, so parallel runs and interop tests never collide.
TAG=$$
RUN=/tmp/v6lb-$TAG                # short: isp.sh needs RUNDIR <= 70 characters
NS_A=v6lb-a-$TAG NS_B=v6lb-b-$TAG
NS_CLI=v6lb-cli-$TAG NS_ISP=v6lb-isp-$TAG NS_FAR=v6lb-far-$TAG
CONF=$RUN/conf SOCK=$RUN/ctl.sock
mkdir -p "$RUN"

CREATED_NS=()     # namespaces this script made itself (isp.sh removes its own)
PIDS=()           # iperf3 servers this script started
V6L_PID=''
FG_PID=''         # the iperf3 client (its `timeout`) running now
ISP_STARTED=0
ROWS=()           # "path<TAB>direction<TAB>traffic<TAB>Gbit/s<TAB>packets/s<TAB>loss%"

log() { echo "[$(date +%T)] $*" >&2; }

cleanup() {
	trap '' INT TERM
	local p i
	[ -n "$FG_PID" ] && kill -TERM "$FG_PID" 2>/dev/null && wait "$FG_PID" 2>/dev/null
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	if [ -n "$V6L_PID" ]; then
		kill -TERM "$V6L_PID" 2>/dev/null
		for ((i = 0; i < 50; i++)); do kill -0 "$V6L_PID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$V6L_PID" 2>/dev/null && kill -KILL "$V6L_PID" 2>/dev/null
		wait "$V6L_PID" 2>/dev/null
	fi
	[ "$ISP_STARTED" = 1 ] && timeout 60 bash "$ISP_SH" down "$RUN/isp" >>"$RUN/isp.log" 2>&1
	for p in "${CREATED_NS[@]}"; do ip netns del "$p" 2>/dev/null; done
	log "logs and raw iperf3 JSON kept in $RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Runs CMD in the background and waits: bash runs a trap at once during `wait`, but only after a
# foreground command has finished, so an interrupt does not have to wait out an iperf3 run.
# OUT gets the command's output; redirecting the call instead would also redirect the traps.
run_fg() { # OUT CMD [ARG ...]
	local out=$1
	shift
	"$@" >"$out" 2>&1 &
	FG_PID=$!
	wait "$FG_PID"
	local rc=$?
	FG_PID=''
	return $rc
}

# Starts `iperf3 -s` in NS bound to ADDR and waits until it listens (at most 5 s).
iperf_server() { # NS ADDR
	# `ip netns exec` execs iperf3, so $! is iperf3 itself (a backgrounded shell function
	# would be a subshell, and killing it would leave iperf3 running).
	ip netns exec "$1" iperf3 -s -B "$2" >>"$RUN/iperf3-server-$1.log" 2>&1 &
	PIDS+=($!)
	local i
	for ((i = 0; i < 50; i++)); do
		[ -n "$(in_ns "$1" ss -Hltn 'sport = :5201' 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	log "iperf3 server in $1 did not start"
	return 1
}

# Prints "Gbit/s packets/s loss%" from an iperf3 JSON file. TCP: receiver goodput; packets/s and
# loss "-" (iperf3 has no per-packet count, and with GSO interface counters count super-packets).
# UDP: packets that arrived (sent - lost) per second, their payload bit rate, and the loss.
iperf_parse() { # FILE tcp|udp64
	python3 - "$1" "$2" <<-'PY'
	import json, sys
	try:
	    d = json.load(open(sys.argv[1]))
	except Exception:
	    print("error - -"); sys.exit()
	if "error" in d or "end" not in d:
	    print("error - -"); sys.exit()
	e = d["end"]
	if sys.argv[2] == "tcp":
	    print(f"{e['sum_received']['bits_per_second'] / 1e9:.3f} - -")
	else:
	    s = e["sum"]
	    got = max(s["packets"] - s["lost_packets"], 0)
	    secs = s["seconds"] or 1
	    loss = 100 * (s["packets"] - got) / s["packets"] if s["packets"] else 0
	    print(f"{got * 64 * 8 / secs / 1e9:.3f} {got / secs:.0f} {loss:.1f}")
	PY
}

# One iperf3 run from client namespace NS to SERVER; appends a table row.
measure() { # PATH NS SERVER up|down tcp|udp64
	local path=$1 ns=$2 srv=$3 dir=$4 kind=$5 out
	local args=(-c "$srv" -t "$DURATION" -J --connect-timeout 3000)
	[ "$dir" = down ] && args+=(-R)
	[ "$kind" = udp64 ] && args+=(-u -l 64 -b 0)
	out=$RUN/$path-$dir-$kind.json
	log "$path $dir $kind"
	run_fg "$out" timeout $((DURATION + 20)) ip netns exec "$ns" iperf3 "${args[@]}"
	local g s l
	read -r g s l < <(iperf_parse "$out" "$kind")
	ROWS+=("$path	$dir	$kind	$g	$s	$l")
}

measure_all() { # PATH NS SERVER
	local d k
	for d in up down; do
		for k in tcp udp64; do measure "$1" "$2" "$3" "$d" "$k"; done
	done
}

# (a) Bare veth between two namespaces: first with the kernel's default offloads (the ceiling),
# then with offloads off as isp.sh configures the access segment (PPPoE frames get no GSO).
baseline() {
	ip netns add "$NS_A" && CREATED_NS+=("$NS_A") || return 1
	ip netns add "$NS_B" && CREATED_NS+=("$NS_B") || return 1
	ip -n "$NS_A" link add veth0 type veth peer name veth0 netns "$NS_B" || return 1
	local ns
	for ns in "$NS_A" "$NS_B"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set veth0 up
	done
	# RFC 2544 benchmarking range.
	ip -n "$NS_A" addr add 198.18.0.1/24 dev veth0
	ip -n "$NS_B" addr add 198.18.0.2/24 dev veth0
	iperf_server "$NS_B" 198.18.0.2 || return 1
	measure_all veth "$NS_A" 198.18.0.2
	for ns in "$NS_A" "$NS_B"; do
		in_ns "$ns" ethtool -K veth0 tx off tso off gso off gro off >/dev/null 2>&1
	done
	measure_all veth-nooffload "$NS_A" 198.18.0.2
}

v6l_state() { # prints connection 0's state and whether it has an IPv4 address
	in_ns "$NS_CLI" "$V6L_BIN" -S "$SOCK" status --json 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["connections"][0]
print(c["state"], "ipv4" if (c.get("ipv4") or {}).get("address") else "-")' 2>/dev/null
}

# (b) The same traffic from the client namespace through v6link -> PPPoE -> UML pppd -> far host.
pppoe() {
	if [ ! -x "$V6L_BIN" ] || [ ! -f "$ISP_SH" ]; then
		log "PPPoE part skipped: need $V6L_BIN and $ISP_SH"
		ROWS+=("pppoe-v6link	-	-	skipped	-	-")
		return 0
	fi
	log "starting the UML ISP (KMODE=$KMODE) in $RUN/isp"
	ISP_STARTED=1
	if ! timeout 120 bash "$ISP_SH" up "$RUN/isp" NS_CLI="$NS_CLI" NS_ISP="$NS_ISP" \
		NS_FAR="$NS_FAR" KMODE="$KMODE" AUTH=pap ISP_USER="$ISP_USER" ISP_PASS="$ISP_PASS" \
		>>"$RUN/isp.log" 2>&1; then
		log "isp.sh up failed; see $RUN/isp.log"
		tail -n 15 "$RUN/isp.log" >&2
		return 1
	fi
	mkdir -p "$CONF"
	chmod 0755 "$CONF"
	printf '[param]\nfunc_trace = %s\ntrace_dir = %s/trace\n' "$FUNC_TRACE" "$RUN" >"$CONF/v6link.ini"
	printf '[dsl]\ndial_string = if=eth0\nuser_name = %s\n' "$ISP_USER" >"$CONF/connections.ini"
	# The password goes in through the CLI (stdin), stored encrypted; never on a command line.
	if ! printf '%s\n' "$ISP_PASS" | "$V6L_BIN" -C "$CONF" passwd dsl >>"$RUN/v6link.log" 2>&1; then
		log "'v6link passwd dsl' failed; see $RUN/v6link.log"
		return 1
	fi
	ip netns exec "$NS_CLI" "$V6L_BIN" -C "$CONF" -S "$SOCK" run dsl >>"$RUN/v6link.log" 2>&1 &
	V6L_PID=$!
	local i st=''
	for ((i = 0; i < UP_WAIT * 10; i++)); do
		st=$(v6l_state)
		[ "$st" = "up ipv4" ] && break
		kill -0 "$V6L_PID" 2>/dev/null || { log "v6link exited; see $RUN/v6link.log"; return 1; }
		sleep 0.1
	done
	if [ "$st" != "up ipv4" ]; then
		log "session not up with IPv4 after ${UP_WAIT}s (state: '${st:-none}'); see $RUN/v6link.log"
		tail -n 15 "$RUN/v6link.log" >&2
		return 1
	fi
	log "session up after $((i / 10)).$((i % 10)) s"
	timeout 10 ip netns exec "$NS_CLI" ping -c 2 -i 0.2 -W 2 "$FAR4" >/dev/null ||
		log "warning: no ping reply from $FAR4 through the session"
	iperf_server "$NS_FAR" "$FAR4" || return 1
	measure_all "pppoe-ft$FUNC_TRACE" "$NS_CLI" "$FAR4"
	log "trace: $(du -sh "$RUN/trace" 2>/dev/null | cut -f1) in $RUN/trace; $(cat "$RUN"/trace/*.pcapng 2>/dev/null | grep -ao 'data frame(s) not traced' | wc -l) ring-full note(s)"
	in_ns "$NS_CLI" "$V6L_BIN" -S "$SOCK" status --json 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["connections"][0]
print("v6link counters:", json.dumps(c.get("counters")), file=sys.stderr)' || true
}

print_table() {
	local r p d k g s l
	printf '\n%-14s %-9s %-7s %9s %11s %7s\n' path direction traffic Gbit/s packets/s loss%
	for r in "${ROWS[@]}"; do
		IFS=$'\t' read -r p d k g s l <<<"$r"
		printf '%-14s %-9s %-7s %9s %11s %7s\n' "$p" "$d" "$k" "$g" "$s" "$l"
	done
	if [ -n "$RESULTS" ]; then
		{
			printf 'path\tdirection\ttraffic\tgbit_s\tpackets_s\tloss_pct\n'
			printf '%s\n' "${ROWS[@]}"
		} >"$RESULTS"
	fi
}

log "v6link bench: $(uname -r), $(nproc) CPUs, $(iperf3 --version | head -1), ${DURATION}s per run"
[ "$ONLY" = pppoe ] || baseline || log "baseline failed"
if [ "$ONLY" != baseline ] && ! pppoe; then
	log "PPPoE part failed"
	ROWS+=("pppoe-v6link	-	-	failed	-	-")
fi
print_table
