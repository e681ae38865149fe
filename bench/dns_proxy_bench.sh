#!/bin/bash
# DNS proxy throughput beside unbound (issues #5, #12 item 6): dnsperf in a client namespace
# against v6link's proxy (tests/interop/dns_proxy_drv, the daemon's own proxy code) and unbound,
# both forwarding to the same IPv6-only nsd in a server namespace, in the same run, in
# alternating rounds. Not run in CI.
#
# Placement (perf-anchors §0): the server under test on CPU1; dnsperf and nsd on CPU0.
# Cases (dnsperf -c 8 -q 200 -T 1, as in perf-anchors §4):
#   hit    1000 dual-stack names x (A, AAAA), warmed by one pass just before the run
#   miss   unique names (A, AAAA alternating) never asked before: every query goes upstream
#   synth  A queries for 1000 AAAA-only names: v6link answers with a pool address mapped to the
#          AAAA (its NAT46 DNS mapping, warmed); unbound has no equivalent, so its figure is
#          the same A queries answered from local-data (the closest: no upstream, no cache
#          miss); unbound's hit figure is the other comparison
#   direct the miss queries sent to nsd itself: the upstream's ceiling (is it ever the limit?)
# v6link's proxy runs twice: plain (hit, miss) and with --synthesize (synth), as the daemon
# does with NAT46 off and on.
# Pitfalls heeded: nsd's response-rate limiting is off (Debian builds it in, 200 qps per source);
# unbound has no default local zone over test.example (it has one for "test."), its validator is
# off (v6link does not validate) and it runs 1 thread (the proxy runs in one thread).
#
# Usage: sudo bench/dns_proxy_bench.sh [BUILD_DIR] (default build)
#   DUR=seconds per run (10), ROUNDS=rounds (3), CASES="hit miss synth direct" (all),
#   SERVERS="v6link unbound" (both; a second build is V6L2=BUILD_DIR, shown as "v6link2"),
#   SYSCALLS=1: also the datagrams the proxy handles per wake-up (perf stat of its system calls),
#   QPS=N: dnsperf sends at most N queries/s (a light load: the proxy then sees a query or two
#   per wake-up, where at full load it took 17-110 at once),
#   CALLGRIND=N: then the proxy's user-space instructions per query (valgrind's callgrind, N
#   queries per case at 2000/s after a warm pass; deterministic, so a change shows as a number).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$TOP/build}
DUR=${DUR:-10}
ROUNDS=${ROUNDS:-3}
CASES=${CASES:-hit miss synth direct}
SERVERS=${SERVERS:-v6link unbound}
V6L2=${V6L2:-}
P=v6l-dpb-$$
NS_C=$P-c
NS_S=$P-s
V4=10.53.0.1
UP=2001:db8:53::53
ZONE=test.example
PIDS=()
RUN=$(mktemp -d /tmp/v6l-dpb.XXXXXX) || exit 1

cleanup() {
	local pid
	[ -n "${SC_PID:-}" ] && kill "$SC_PID" 2>/dev/null
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for b in "$BUILD" ${V6L2:+"$V6L2"}; do
	[ -x "$b/tests/interop/dns_proxy_drv" ] || {
		echo "no $b/tests/interop/dns_proxy_drv (build first)"
		exit 1
	}
done
for c in dnsperf nsd unbound taskset ${CALLGRIND:+valgrind callgrind_control callgrind_annotate} \
	${SYSCALLS:+perf}; do
	command -v "$c" >/dev/null || {
		echo "$c not installed (make deps)"
		exit 1
	}
done
[ -n "$V6L2" ] && SERVERS="$SERVERS v6link2"

ip netns add "$NS_C" && ip netns add "$NS_S" || exit 1
ip link add c0 netns "$NS_C" type veth peer name s0 netns "$NS_S"
ip -n "$NS_C" link set lo up
ip -n "$NS_S" link set lo up
ip -n "$NS_C" addr add $V4/24 dev c0
ip -n "$NS_C" addr add 2001:db8:53::1/64 dev c0 nodad
ip -n "$NS_S" addr add $UP/64 dev s0 nodad
ip -n "$NS_C" link set c0 up
ip -n "$NS_S" link set s0 up

# The zone: h1..h1000 with A and AAAA, v1..v1000 with AAAA only (NODATA for A, with the SOA, so
# that resolvers cache it), and any name under miss. (A and AAAA, TTL 300).
{
	printf '$ORIGIN %s.\n$TTL 300\n' $ZONE
	printf '@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns AAAA %s\n' $UP
	for i in $(seq 1000); do
		printf 'h%d A 192.0.2.%d\nh%d AAAA 2001:db8:ff::%x\n' $i $((i % 250 + 1)) $i $i
		printf 'v%d AAAA 2001:db8:fe::%x\n' $i $i
	done
	printf '*.miss A 192.0.2.1\n*.miss AAAA 2001:db8:fd::1\n'
} >"$RUN/zone"
cat >"$RUN/nsd.conf" <<EOF
server:
	ip-address: $UP
	port: 53
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$RUN"
	database: ""
	zonelistfile: "$RUN/nsd.zonelist"
	xfrdfile: "$RUN/nsd.xfrd"
	xfrdir: "$RUN"
	pidfile: "$RUN/nsd.pid"
	logfile: "$RUN/nsd.log"
	verbosity: 0
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	hide-version: yes
remote-control:
	control-enable: no
zone:
	name: $ZONE
	zonefile: "$RUN/zone"
EOF
# unbound: 1 thread, iterator only, forwarding test.example to nsd; local-data for the synth case.
{
	cat <<EOF
server:
	num-threads: 1
	interface: $V4@5400
	port: 5400
	do-ip6: yes
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$RUN"
	pidfile: ""
	use-syslog: no
	logfile: "$RUN/unbound.log"
	verbosity: 0
	access-control: 10.53.0.0/24 allow
	module-config: "iterator"
	do-not-query-localhost: no
EOF
	for i in $(seq 1000); do
		printf '\tlocal-data: "v%d.%s. 5 IN A 198.18.%d.%d"\n' $i $ZONE $((i / 250)) $((i % 250 + 1))
	done
	printf 'forward-zone:\n\tname: "%s."\n\tforward-addr: %s\n' $ZONE $UP
} >"$RUN/unbound.conf"
unbound-checkconf "$RUN/unbound.conf" >/dev/null || {
	echo "unbound.conf rejected"
	exit 1
}

ip netns exec "$NS_S" taskset -c 0 nsd -d -c "$RUN/nsd.conf" 2>"$RUN/nsd.err" &
PIDS+=($!)
ip netns exec "$NS_C" taskset -c 1 unbound -d -c "$RUN/unbound.conf" 2>"$RUN/unbound.err" &
PIDS+=($!)
declare -A PORT PID
PID[unbound]=$!
PORT[unbound]=5400
start_drv() { # NAME BUILD PORT [--synthesize]
	ip netns exec "$NS_C" taskset -c 1 "$2/tests/interop/dns_proxy_drv" --listen $V4 --port "$3" \
		--upstream $UP ${4:-} >"$RUN/$1.json" 2>"$RUN/$1.err" &
	PIDS+=($!)
	PID[$1]=$!
	PORT[$1]=$3
}
start_drv v6link "$BUILD" 53
start_drv v6link-synth "$BUILD" 5353 --synthesize
if [ -n "$V6L2" ]; then
	start_drv v6link2 "$V6L2" 5354
	start_drv v6link2-synth "$V6L2" 5355 --synthesize
fi
sleep 2
for k in "${!PID[@]}"; do
	kill -0 "${PID[$k]}" 2>/dev/null || {
		echo "$k did not start:"
		cat "$RUN/$k.err"
		exit 1
	}
done
ip netns exec "$NS_C" dig +short -p 53 @$V4 h1.$ZONE AAAA | grep -q 2001:db8:ff::1 ||
	{
		echo "the proxy does not answer from nsd"
		cat "$RUN/nsd.err" "$RUN/nsd.log"
		exit 1
	}

for i in $(seq 1000); do printf 'h%d.%s A\nh%d.%s AAAA\n' $i $ZONE $i $ZONE; done >"$RUN/hit.txt"
for i in $(seq 1000); do printf 'v%d.%s A\n' $i $ZONE; done >"$RUN/synth.txt"
MISS_N=${MISS_N:-$((DUR * 150000))}
miss_file() { # TAG: MISS_N unique names under miss
	awk -v n="$MISS_N" -v t="$1" -v z=$ZONE \
		'BEGIN { for (i = 0; i < n; i++) printf "q%d-%s.miss.%s %s\n", i, t, z, (i % 2 ? "AAAA" : "A") }' \
		>"$RUN/miss.txt"
}

# User and system ticks of PID and of its children alive (nsd's serving process; a helper
# process of the proxy's, such as a parser behind a socketpair, README "Security model").
cpu_ticks() { # PID
	local c t=0 v
	for c in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		v=$(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null) && t=$((t + ${v:-0}))
	done
	echo "$t"
}

# dnsperf against ADDR PORT with FILE; prints "qps latency_ms lost% cpu%" (cpu of PID and its
# children: the server's, incl. the softirq work charged to it).
perf_run() { # ADDR PORT FILE RUNS PID OUT
	local t0 t1
	t0=$(cpu_ticks "$5")
	ip netns exec "$NS_C" taskset -c 0 dnsperf -s "$1" -p "$2" -d "$3" -l "$DUR" -n "$4" -c 8 \
		-q 200 -T 1 ${QPS:+-Q "$QPS"} >"$6" 2>&1
	t1=$(cpu_ticks "$5")
	awk -v cpu=$(((t1 - t0) * 100 / $(getconf CLK_TCK))) '
		/Queries per second/ { q = $4 }
		/Average Latency/ { l = $4 * 1000 }
		/Queries lost/ { gsub(/[()%]/, "", $4); lost = $4 }
		/Run time \(s\)/ { rt = $4 }
		END { printf "%.0f %.3f %s %.0f\n", q, l, lost, (rt > 0 ? cpu / rt : 0) }' "$6"
}

# One measurement: SERVER CASE ROUND -> a line in results.
measure() {
	local s=$1 c=$2 r=$3 addr=$V4 port pid file runs=1000000 out="$RUN/$1-$2-$3.out" key=$1
	[ "$c" = synth ] && [ "$s" != unbound ] && key=$s-synth
	port=${PORT[$key]:-53}
	pid=${PID[$key]:-0}
	case $c in
	hit | synth)
		file=$RUN/$c.txt
		ip netns exec "$NS_C" taskset -c 0 dnsperf -s $V4 -p "$port" -d "$file" -n 2 -c 8 \
			-q 200 >/dev/null 2>&1
		;;
	miss | direct)
		miss_file "$r-$s-$c"
		file=$RUN/miss.txt
		runs=1
		;;
	esac
	[ "$c" = direct ] && addr=$UP
	if [ -n "${SYSCALLS:-}" ] && [ "$s" != unbound ] && [ "$c" != direct ]; then
		perf stat -x, -o "$RUN/$s-$c-$r.sc" -p "$pid" -e "$SC_EVENTS" &
		SC_PID=$!
	fi
	perf_run "$addr" "$port" "$file" "$runs" "$pid" "$out" | sed "s/^/$c $s $r /" >>"$RUN/results"
	tail -1 "$RUN/results"
	[ -n "$SC_PID" ] && syscalls_done "$c $s $r" "$RUN/$s-$c-$r.sc" "$out"
}

# SYSCALLS=1: what one wake-up of the proxy handles (the batch a parsing helper process would
# get in one round trip, README "Security model"). Each pass over the proxy's sockets is one
# epoll_wait of the loop and one of the proxy's own set (the loop's timers add a few); client
# datagrams come by recvmmsg, upstream answers by recvfrom, one per answer.
SC_EVENTS=syscalls:sys_enter_epoll_wait,syscalls:sys_enter_recvmmsg,syscalls:sys_enter_recvfrom
SC_PID=
syscalls_done() { # "CASE SERVER ROUND" PERF_OUT DNSPERF_OUT; ends perf stat (SC_PID)
	kill -INT "$SC_PID"
	wait "$SC_PID" 2>/dev/null
	SC_PID=
	awk -F, -v k="$1" -v out="$RUN/syscalls" '
		FILENAME == ARGV[1] && /Queries completed/ { split($0, f, " "); q = f[3] }
		FILENAME == ARGV[2] && $3 ~ /epoll_wait/ { ew = $1 }
		FILENAME == ARGV[2] && $3 ~ /recvfrom/ { rf = $1 }
		END { printf "%s %d %d %d %.1f\n", k, q, ew / 2, rf, (ew > 0 ? (q + rf) * 2 / ew : 0) >>out }
	' "$3" "$2"
}

: >"$RUN/results"
echo "load before: $(uptime)"
echo "case server round qps avg_latency_ms lost% cpu%_of_server"
for r in $(seq "$ROUNDS"); do
	order=$SERVERS
	[ $((r % 2)) = 0 ] && order=$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for c in $CASES; do
		if [ "$c" = direct ]; then
			measure nsd direct "$r"
			continue
		fi
		for s in $order; do measure "$s" "$c" "$r"; done
	done
done
echo "load after: $(uptime)"

# Summary per case and server: queries/s min / median / max, and queries per CPU-second of the
# server (qps / its CPU share: the cost of a query, less sensitive to a busy machine), each with
# the ratio of the medians to unbound's.
echo
echo "over $ROUNDS rounds of $DUR s; q/cpu-s = queries per CPU-second of the server"
awk '
	{
		k = $1 " " $2; n[k]++; v[k, n[k]] = $4; e[k, n[k]] = ($7 > 0 ? $4 * 100 / $7 : 0)
		if (!(k in seen)) { seen[k] = 1; order[++m] = k }
	}
	function med(arr, k,   i, j, t, a, c) {
		c = n[k]; for (i = 1; i <= c; i++) a[i] = arr[k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		lo[k] = a[1]; hi[k] = a[c]
		return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	function ratio(x, k, f,   u) {
		u = f " unbound"
		return (k != u && (u in x) && x[u] > 0) ? sprintf("%.2f", x[k] / x[u]) : "-"
	}
	END {
		for (i = 1; i <= m; i++) { k = order[i]; me[k] = med(e, k); md[k] = med(v, k) }
		printf "%-7s %-14s %8s %8s %8s %6s %9s %6s\n", "case", "server", "min", "median", "max", "/unb", "q/cpu-s", "/unb"
		for (i = 1; i <= m; i++) {
			k = order[i]; split(k, f, " ")
			printf "%-7s %-14s %8.0f %8.0f %8.0f %6s %9.0f %6s\n", f[1], f[2], lo[k], md[k], hi[k], ratio(md, k, f[1]), me[k], ratio(me, k, f[1])
		}
	}' "$RUN/results"
if [ -n "${SYSCALLS:-}" ]; then
	echo
	echo "the proxy's wake-ups (perf stat of its system calls during each dnsperf run)"
	printf '%-7s %-14s %5s %9s %9s %9s %13s\n' case server round queries passes upstream \
		datagrams/pass
	awk '{ printf "%-7s %-14s %5s %9d %9d %9d %13.1f\n", $1, $2, $3, $4, $5, $6, $7 }' \
		"$RUN/syscalls"
fi
# Instructions per query: the driver under callgrind, counters zeroed after a warm pass.
callgrind_case() { # CASE [--synthesize]
	local c=$1 pid n f out=$RUN/cg-$1 tot
	ip netns exec "$NS_C" taskset -c 1 valgrind --tool=callgrind --callgrind-out-file="$out.%p" \
		"$BUILD/tests/interop/dns_proxy_drv" --listen $V4 --port 5370 --upstream $UP ${2:-} \
		>/dev/null 2>"$out.err" &
	pid=$!
	sleep 3
	case $c in
	hit | synth)
		f=$RUN/$c.txt
		ip netns exec "$NS_C" dnsperf -s $V4 -p 5370 -d "$f" -n 1 -Q 2000 -q 50 >/dev/null 2>&1
		;;
	miss)
		MISS_N=$CALLGRIND miss_file "cg"
		f=$RUN/miss.txt
		;;
	esac
	callgrind_control -z "$pid" >/dev/null 2>&1
	ip netns exec "$NS_C" taskset -c 0 dnsperf -s $V4 -p 5370 -d "$f" -n 1 -Q 2000 -q 100 \
		-c 8 >"$out.perf" 2>&1
	callgrind_control -d "$pid" >/dev/null 2>&1
	kill "$pid"
	wait "$pid" 2>/dev/null
	n=$(awk '/Queries completed/ { print $3 }' "$out.perf")
	tot=$(for f in "$out".[0-9]*.[0-9]*; do callgrind_annotate "$f"; done 2>/dev/null |
		awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	awk -v c="$c" -v t="${tot:-0}" -v n="${n:-0}" \
		'BEGIN { printf "%-7s %8d %12d %10.0f\n", c, n, t, (n > 0 ? t / n : 0) }'
}
if [ -n "${CALLGRIND:-}" ]; then
	echo
	echo "the proxy's user space under callgrind ($BUILD)"
	printf '%-7s %8s %12s %10s\n' case queries Ir Ir/query
	callgrind_case hit
	callgrind_case miss
	callgrind_case synth --synthesize
fi
for k in v6link v6link-synth ${V6L2:+v6link2 v6link2-synth}; do
	kill -USR1 "${PID[$k]}"
done
sleep 0.5
for k in v6link v6link-synth ${V6L2:+v6link2 v6link2-synth}; do
	echo "$k stats: $(tail -1 "$RUN/$k.json")"
done
