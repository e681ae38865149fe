#!/bin/bash
# DNS proxy throughput (issue #5): dnsperf in a client namespace against (a) dnsmasq forwarding,
# (b) tests/interop/dns_proxy_drv forwarding, (c) the driver synthesizing A from AAAA, all to the
# same IPv6-only dnsmasq upstream in a server namespace, caches on. Not run in CI.
# Usage: sudo bench/dns_proxy_bench.sh [BUILD_DIR] (default build); DUR=seconds per run (10).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$TOP/build}
DRV=$BUILD/tests/interop/dns_proxy_drv
DUR=${DUR:-10}
P=v6l-dpb-$$
NS_C=$P-c
NS_S=$P-s
RUN=/tmp/$P
V4=10.53.0.1
UP=2001:db8:53::53
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -x "$DRV" ] || { echo "no $DRV (build first)"; exit 1; }
command -v dnsperf >/dev/null || { echo "dnsperf not installed (apt-get install dnsperf)"; exit 1; }
mkdir -p "$RUN"

ip netns add "$NS_C" && ip netns add "$NS_S" || exit 1
ip link add c0 netns "$NS_C" type veth peer name s0 netns "$NS_S"
ip -n "$NS_C" link set lo up
ip -n "$NS_S" link set lo up
ip -n "$NS_C" addr add $V4/24 dev c0
ip -n "$NS_C" addr add 2001:db8:53::1/64 dev c0 nodad
ip -n "$NS_S" addr add $UP/64 dev s0 nodad
ip -n "$NS_C" link set c0 up
ip -n "$NS_S" link set s0 up

# Upstream zone: 200 dual-stack names h*, 200 AAAA-only names v*; m* do not exist.
for i in $(seq 200); do
	echo "host-record=h$i.test.example,192.0.2.$((i % 250 + 1)),2001:db8:ff::$i"
	echo "host-record=v$i.test.example,2001:db8:fe::$i"
done >"$RUN/zone.conf"
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file="$RUN/zone.conf" --no-resolv --no-hosts \
	--user=root --pid-file= --listen-address=$UP --bind-interfaces --port=53 \
	--local=/test.example/ --local-ttl=300 --cache-size=10000 --dns-forward-max=1000 \
	2>"$RUN/up.err" &
PIDS+=($!)
# (a) dnsmasq as the forwarder on port 5400
ip netns exec "$NS_C" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
	--user=root --pid-file= --listen-address=$V4 --bind-interfaces --port=5400 \
	--server=$UP --cache-size=10000 --dns-forward-max=1000 2>"$RUN/fwd.err" &
PIDS+=($!)
# (b) the proxy on 53, (c) the proxy synthesizing on 5353
ip netns exec "$NS_C" "$DRV" --listen $V4 --port 53 --upstream $UP >"$RUN/b.json" 2>"$RUN/b.err" &
PIDS+=($!)
ip netns exec "$NS_C" "$DRV" --listen $V4 --port 5353 --upstream $UP --synthesize \
	>"$RUN/c.json" 2>"$RUN/c.err" &
PIDS+=($!)
sleep 1

# Mix: A and AAAA of existing names (cache hits after the first pass) and misses (NXDOMAIN).
for i in $(seq 200); do
	echo "h$i.test.example A"
	echo "h$i.test.example AAAA"
	[ $((i % 4)) = 0 ] && echo "m$i.test.example A"
done >"$RUN/mix.txt"
for i in $(seq 200); do echo "v$i.test.example A"; done >"$RUN/synth.txt"

run() { # LABEL PORT FILE
	ip netns exec "$NS_C" dnsperf -s $V4 -p "$2" -d "$3" -l "$DUR" -q 100 >"$RUN/$1.out" 2>&1
	local qps lat lost
	qps=$(awk '/Queries per second/ {printf "%.0f", $4}' "$RUN/$1.out")
	lat=$(awk '/Average Latency/ {printf "%.3f", $4 * 1000}' "$RUN/$1.out")
	lost=$(awk '/Queries lost/ {print $3, $4}' "$RUN/$1.out")
	printf '%-34s %12s %14s %s\n' "$1" "${qps:-?}" "${lat:-?}" "${lost:-?}"
}
printf '%-34s %12s %14s %s\n' "target (${DUR} s each)" "queries/s" "avg lat (ms)" "lost"
run "a_dnsmasq_forwarder_mix" 5400 "$RUN/mix.txt"
run "b_dns_proxy_mix" 53 "$RUN/mix.txt"
run "c_dns_proxy_synth_A_of_AAAA_only" 5353 "$RUN/synth.txt"
kill -TERM "${PIDS[2]}" "${PIDS[3]}"
wait "${PIDS[2]}" "${PIDS[3]}" 2>/dev/null
echo "proxy (b) stats: $(tail -1 "$RUN/b.json")"
echo "proxy (c) stats: $(tail -1 "$RUN/c.json")"
