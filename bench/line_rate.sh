#!/usr/bin/env bash
# bench/line_rate.sh - v6link's PPPoE data path against a peer that is never the limit
# (bench/fastisp: tc BPF decap/encap + a small control plane), next to the ceiling: the same
# namespaces and middle box routing plain IP, same offloads, 1514-byte frames on the client's
# wire. TCP 1 and 4 streams and UDP 64-byte packets each way, ROUNDS alternating rounds,
# min/median/max, CPU per Gbit/s, v6link's peak RSS, the peer's own ns per frame.
# A manual benchmark (root), never part of CI gating. See bench/README.md.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
V6L_BIN=${V6L_BIN:-$TOP/build/v6link}
ROUNDS=${ROUNDS:-3}           # alternating rounds (ceiling, v6link) of every test
DURATION=${DURATION:-5}       # seconds per iperf3 run
UP_WAIT=${UP_WAIT:-30}        # seconds to wait for the session
FAMILY=${FAMILY:-4}           # 4: measure over IPCP's IPv4, 6: over the RA's /64
TESTS=${TESTS:-"ping tcp1-up tcp1-down tcp4-up tcp4-down udp64-up udp64-down"}
V6L_CPU=${V6L_CPU:-1}         # v6link's CPU; iperf3, the peer's control plane and RPS: LOAD_CPU
LOAD_CPU=${LOAD_CPU:-0}
RX_RING=${RX_RING:-auto}     # v6link's rx_ring= (auto|on|off)
QUIET_WAIT=${QUIET_WAIT:-0}   # before each run, wait up to this long for other load to go away
QUIET_MAX=${QUIET_MAX:-15}    # ... until it is below this % of one CPU
BACKLOG=${BACKLOG:-10000}     # net.core.netdev_max_backlog for the run (restored afterwards)
RESULTS=''

usage() {
	cat <<-EOF
	usage: $0 [-o RESULTS.tsv] | --report RUNFOLDER/runs.tsv
	  -o FILE   also write the summary and every run (tab-separated) to FILE
	  --report  print the table again from an earlier run's runs.tsv (no root needed)
	environment: V6L_BIN (default build/v6link), ROUNDS (3), DURATION (5 s), FAMILY (4|6),
	  TESTS (default "$TESTS"), UP_WAIT (30), V6L_CPU (1), LOAD_CPU (0),
	  QUIET_WAIT (0 s: before each run wait up to this long until other load is under
	  QUIET_MAX % of one CPU, default 15), BACKLOG (net.core.netdev_max_backlog during the
	  run, default 10000)
	EOF
	exit "$1"
}
REPORT_ONLY=''
while [ $# -gt 0 ]; do
	case "$1" in
	-o) RESULTS=${2:-}; shift 2 ;;
	--report) REPORT_ONLY=${2:-}; shift 2 ;;
	-h | --help) usage 0 ;;
	*) usage 2 ;;
	esac
done
[[ "$ROUNDS" =~ ^[0-9]+$ ]] && ((ROUNDS >= 1 && ROUNDS <= 20)) || usage 2
[[ "$DURATION" =~ ^[0-9]+$ ]] && ((DURATION >= 1 && DURATION <= 60)) || usage 2
[ "$FAMILY" = 4 ] || [ "$FAMILY" = 6 ] || usage 2
if [ -n "$REPORT_ONLY" ]; then
	RUN=$(dirname "$REPORT_ONLY")
	V6L_HWM='-'
fi
[ -n "$REPORT_ONLY" ] || [ "$(id -u)" = 0 ] || { echo "line_rate: must run as root (network namespaces, BPF)" >&2; exit 2; }
[ -n "$REPORT_ONLY" ] || [ -x "$V6L_BIN" ] || { echo "line_rate: no $V6L_BIN (build it, or set V6L_BIN)" >&2; exit 2; }
for c in iperf3 clang tc bpftool ethtool python3 taskset; do
	[ -n "$REPORT_ONLY" ] || command -v "$c" >/dev/null ||
		{ echo "line_rate: $c missing (make deps)" >&2; exit 2; }
done

TAG=$$
[ -n "$REPORT_ONLY" ] || RUN=$(mktemp -d /tmp/v6lr.XXXXXX)
NS_CLI=v6lr-cli-$TAG NS_AC=v6lr-ac-$TAG NS_SRV=v6lr-srv-$TAG
CONF=$RUN/conf SOCK=$RUN/ctl.sock
SID=0x2a2a
# Fixed MACs and addresses (RFC 2544 benchmarking ranges), so the BPF objects get them as
# constants. v6link: 198.18.1.2 (IPCP) / 2001:2:0:1::/64 (RA). The ceiling's client: 198.18.3.2 /
# 2001:2:0:3::2 on the same veth. The server answers the v6link path on .2.2 / 2001:2:0:2::2 and
# the ceiling path on .4.2 / 2001:2:0:4::2, so both paths stay up and rounds can alternate.
MAC_CLI=02:76:6c:00:00:01 MAC_AC=02:76:6c:00:00:02 MAC_MID=02:76:6c:00:00:03 MAC_SRV=02:76:6c:00:00:04
ISP_USER=v6lbench ISP_PASS=v6lbench-Secret1
CREATED_NS=()
PIDS=()          # iperf3 server, the peer's control plane
V6L_PID=''
FG_PID=''
CTL_PID='' SRV_PID=''
OLD_BACKLOG=''
STATS_PID=''     # the process holding the BPF_ENABLE_STATS file descriptor

log() { echo "[$(date +%T)] $*" >&2; }

cleanup() {
	trap '' INT TERM
	local p i
	[ -n "$FG_PID" ] && kill -TERM "$FG_PID" 2>/dev/null && wait "$FG_PID" 2>/dev/null
	if [ -n "$V6L_PID" ]; then
		kill -TERM "$V6L_PID" 2>/dev/null
		for ((i = 0; i < 50; i++)); do kill -0 "$V6L_PID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$V6L_PID" 2>/dev/null && kill -KILL "$V6L_PID" 2>/dev/null
		wait "$V6L_PID" 2>/dev/null
	fi
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "$STATS_PID" ] && kill -TERM "$STATS_PID" 2>/dev/null && wait "$STATS_PID" 2>/dev/null
	[ -n "$OLD_BACKLOG" ] && sysctl -q -w net.core.netdev_max_backlog="$OLD_BACKLOG" >/dev/null
	for p in "${CREATED_NS[@]}"; do ip netns del "$p" 2>/dev/null; done
	log "logs and raw iperf3 JSON kept in $RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

run_fg() { # OUT CMD [ARG ...]: in the background, so that a trap acts at once during `wait`
	local out=$1
	shift
	"$@" >"$out" 2>&1 &
	FG_PID=$!
	wait "$FG_PID"
	local rc=$?
	FG_PID=''
	return $rc
}

# ---- topology -------------------------------------------------------------------------------
# cli: eth0 ---- ac0 :ac (fastisp: tc BPF + control plane; plain IP router for the ceiling)
#                       srv0 ---- eth0 :srv (iperf3 -s)
setup_topology() {
	local ns
	for ns in "$NS_CLI" "$NS_AC" "$NS_SRV"; do
		ip netns add "$ns" && CREATED_NS+=("$ns") || return 1
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_CLI" link add eth0 address $MAC_CLI type veth peer name ac0 address $MAC_AC \
		netns "$NS_AC" || return 1
	ip -n "$NS_AC" link add srv0 address $MAC_MID type veth peer name eth0 address $MAC_SRV \
		netns "$NS_SRV" || return 1
	# The same offloads for both paths: no checksum offload anywhere (each packet carries a
	# complete checksum, as from a wire, so the receiver verifies it in both paths), hence no
	# TSO; the client's TCP still builds GSO super-packets that are cut into 1514-byte frames in
	# software (the ceiling at its veth, the v6link path at its TUN). The server's TCP builds
	# GSO super-packets too; without TSO on its veth the kernel cuts them before the veth, so the
	# encap (which cannot make a GSO skb PPPoE) sees single segments, counted by the programs'
	# drop_big and over_1514 (0 in every run). gso_max_segs 1 on the server, as here until
	# 2026-12-07, made its TCP send one segment per skb and held the ceiling's download to a
	# tenth (0.30 against 2.35 Gbit/s).
	in_ns "$NS_CLI" ethtool -K eth0 tx off tso off >/dev/null 2>&1
	in_ns "$NS_AC" ethtool -K ac0 tx off tso off >/dev/null 2>&1
	in_ns "$NS_AC" ethtool -K srv0 tx off tso off >/dev/null 2>&1
	in_ns "$NS_SRV" ethtool -K eth0 tx off tso off >/dev/null 2>&1
	ip -n "$NS_AC" link set ac0 gso_max_segs 1
	ip -n "$NS_AC" link set srv0 gso_max_segs 1
	ip -n "$NS_CLI" link set eth0 up
	ip -n "$NS_AC" link set ac0 up
	ip -n "$NS_AC" link set srv0 up
	ip -n "$NS_SRV" link set eth0 up
	# Frames the client sends are received in the middle box on LOAD_CPU (RPS), not in the
	# sender's softirq on v6link's CPU: the peer is load, not the unit under test.
	in_ns "$NS_AC" sh -c "echo $((1 << LOAD_CPU)) > /sys/class/net/ac0/queues/rx-0/rps_cpus" ||
		return 1
	in_ns "$NS_AC" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null
	# The ceiling's addresses.
	ip -n "$NS_CLI" addr add 198.18.3.2/24 dev eth0
	ip -n "$NS_CLI" addr add 2001:2:0:3::2/64 dev eth0 nodad
	ip -n "$NS_CLI" route add 198.18.4.0/24 via 198.18.3.1
	ip -n "$NS_CLI" route add 2001:2:0:4::/64 via 2001:2:0:3::1
	ip -n "$NS_AC" addr add 198.18.3.1/24 dev ac0
	ip -n "$NS_AC" addr add 2001:2:0:3::1/64 dev ac0 nodad
	ip -n "$NS_AC" addr add 198.18.2.1/24 dev srv0
	ip -n "$NS_AC" addr add 2001:2:0:2::1/64 dev srv0 nodad
	ip -n "$NS_AC" route add 198.18.4.0/24 via 198.18.2.2
	ip -n "$NS_AC" route add 2001:2:0:4::/64 via 2001:2:0:2::2
	ip -n "$NS_SRV" addr add 198.18.2.2/24 dev eth0
	ip -n "$NS_SRV" addr add 198.18.4.2/24 dev eth0
	ip -n "$NS_SRV" addr add 2001:2:0:2::2/64 dev eth0 nodad
	ip -n "$NS_SRV" addr add 2001:2:0:4::2/64 dev eth0 nodad
	# src: iperf3 -s answers UDP from an unbound socket; the reply must come from the address the
	# client's (connected) socket sent to.
	ip -n "$NS_SRV" route add 198.18.1.0/24 via 198.18.2.1 src 198.18.2.2
	ip -n "$NS_SRV" route add 198.18.3.0/24 via 198.18.2.1 src 198.18.4.2
	ip -n "$NS_SRV" route add 2001:2:0:1::/64 via 2001:2:0:2::1 src 2001:2:0:2::2
	ip -n "$NS_SRV" route add 2001:2:0:3::/64 via 2001:2:0:2::1 src 2001:2:0:4::2
}

# ---- the fast peer --------------------------------------------------------------------------
macbytes() { echo "0x${1//:/,0x}"; }

start_peer() {
	local ac_idx srv_idx
	ac_idx=$(in_ns "$NS_AC" cat /sys/class/net/ac0/ifindex) || return 1
	srv_idx=$(in_ns "$NS_AC" cat /sys/class/net/srv0/ifindex) || return 1
	clang -target bpf -O2 -g -Wall -Werror -I/usr/include/"$(gcc -print-multiarch)" \
		-DSID=$SID -DCLI_MAC="$(macbytes $MAC_CLI)" -DAC_MAC="$(macbytes $MAC_AC)" \
		-DMID_MAC="$(macbytes $MAC_MID)" -DSRV_MAC="$(macbytes $MAC_SRV)" \
		-DAC_IFINDEX="$ac_idx" -DSRV_IFINDEX="$srv_idx" -DCLI_V4=198,18,1,2 \
		-DCLI_PFX6=0x20,0x01,0,2,0,0,0,1 \
		-c "$TOP/bench/fastisp/fastisp.bpf.c" -o "$RUN/fastisp.o" 2>"$RUN/clang.log" ||
		{ log "BPF build failed:"; cat "$RUN/clang.log" >&2; return 1; }
	in_ns "$NS_AC" tc qdisc add dev ac0 clsact || return 1
	in_ns "$NS_AC" tc qdisc add dev srv0 clsact || return 1
	in_ns "$NS_AC" tc filter add dev ac0 ingress bpf da obj "$RUN/fastisp.o" sec decap \
		>>"$RUN/tc.log" 2>&1 || { log "tc (decap) failed:"; cat "$RUN/tc.log" >&2; return 1; }
	in_ns "$NS_AC" tc filter add dev srv0 ingress bpf da obj "$RUN/fastisp.o" sec encap \
		>>"$RUN/tc.log" 2>&1 || { log "tc (encap) failed:"; cat "$RUN/tc.log" >&2; return 1; }
	PROG_DECAP=$(in_ns "$NS_AC" tc filter show dev ac0 ingress | sed -n 's/.* id \([0-9]*\).*/\1/p' | head -1)
	PROG_ENCAP=$(in_ns "$NS_AC" tc filter show dev srv0 ingress | sed -n 's/.* id \([0-9]*\).*/\1/p' | head -1)
	[ -n "$PROG_DECAP" ] && [ -n "$PROG_ENCAP" ] || { log "no BPF program ids from tc"; return 1; }
	printf '%s\n' "$ISP_PASS" >"$RUN/isp-pass"
	# Bounded: the control plane exits by itself after the longest this run can take.
	local max_s=$((ROUNDS * 12 * (DURATION + 25) + UP_WAIT + 120))
	in_ns "$NS_AC" taskset -c "$LOAD_CPU" python3 "$TOP/bench/fastisp/fastisp_ctl.py" --if ac0 \
		--ac-mac $MAC_AC --sid $SID --user "$ISP_USER" --password-file "$RUN/isp-pass" \
		--client-v4 198.18.1.2 --our-v4 198.18.1.1 --prefix6 2001:2:0:1::/64 \
		--max-seconds "$max_s" >>"$RUN/fastisp.log" 2>&1 &
	CTL_PID=$!
	PIDS+=($!)
}

# ---- v6link ---------------------------------------------------------------------------------
v6l_json() { # EXPR on connection 0 (c) of `status --json`
	in_ns "$NS_CLI" "$V6L_BIN" -S "$SOCK" status --json 2>/dev/null | python3 -c "import json,sys
c=json.load(sys.stdin)['connections'][0]
print($1)" 2>/dev/null
}

start_v6link() {
	mkdir -p "$CONF" "$RUN/state"
	chmod 0755 "$CONF"
	printf '[param]\nfunc_trace = 0\ntrace_dir = %s/trace\nstate_dir = %s/state\n' "$RUN" "$RUN" \
		>"$CONF/v6link.ini"
	# dial-up without detection, no resolver changes, no DHCPv6, no NAT46 (its default pool is
	# 198.18.0.0/15, the addresses used here).
	cat >"$CONF/connections.ini" <<-EOF
	[dsl]
	dial_string = if=eth0
	user_name = $ISP_USER
	mode = dial-up
	auth = pap
	dns = 0
	dhcpv6 = off
	prefix_delegation = 0
	nat46 = off
	redial_delay = 1
	rx_ring = $RX_RING
	EOF
	printf '%s\n' "$ISP_PASS" | "$V6L_BIN" -C "$CONF" passwd dsl >>"$RUN/v6link.log" 2>&1 ||
		{ log "'v6link passwd dsl' failed; see $RUN/v6link.log"; return 1; }
	# ip netns exec and taskset exec, so $! is v6link itself.
	ip netns exec "$NS_CLI" taskset -c "$V6L_CPU" "$V6L_BIN" -C "$CONF" -S "$SOCK" run dsl \
		>>"$RUN/v6link.log" 2>&1 &
	V6L_PID=$!
	local i want st=''
	if [ "$FAMILY" = 4 ]; then
		want="c['state']=='up' and bool((c.get('ipv4') or {}).get('address'))"
	else
		want="c['state']=='up' and any(not a['address'].startswith('fe80') for a in (c.get('ipv6') or {}).get('addresses',[]))"
	fi
	for ((i = 0; i < UP_WAIT * 10; i++)); do
		st=$(v6l_json "$want")
		[ "$st" = True ] && break
		kill -0 "$V6L_PID" 2>/dev/null || { log "v6link exited; see $RUN/v6link.log"; return 1; }
		sleep 0.1
	done
	if [ "$st" != True ]; then
		log "session not up after ${UP_WAIT}s (state: $(v6l_json "c['state']")); logs in $RUN"
		tail -n 20 "$RUN/v6link.log" "$RUN/fastisp.log" >&2
		return 1
	fi
	log "v6link session up after $((i / 10)).$((i % 10)) s (PID $V6L_PID, CPU $V6L_CPU)"
}

# ---- measuring ------------------------------------------------------------------------------
bpf_stat() { # PROG_ID -> "run_time_ns run_cnt"
	bpftool -j prog show id "$1" 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("run_time_ns",0), d.get("run_cnt",0))' 2>/dev/null ||
		echo "0 0"
}
proc_cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; } # utime+stime ticks
# utime+stime ticks of v6link's data threads (named by prctl): uplink, downlink
thread_cpu() {
	local t up=0 down=0 n
	for t in /proc/"$V6L_PID"/task/*; do
		n=$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null) || continue
		case $(cat "$t/comm" 2>/dev/null) in
		v6l-dp-up) up=$((up + n)) ;;
		v6l-dp-down) down=$((down + n)) ;;
		esac
	done
	echo "$up $down"
}
# Whole machine: busy, all, and irq+softirq ticks (the kernel's packet work, whoever caused it).
# Then busy and all ticks of LOAD_CPU and of V6L_CPU: which of the two is the bottleneck.
machine_cpu() {
	awk -v l="cpu$LOAD_CPU" -v v="cpu$V6L_CPU" '
		$1 ~ /^cpu/ { b[$1] = $2 + $3 + $4 + $7 + $8 + $9; t[$1] = b[$1] + $5 + $6; i[$1] = $7 + $8 }
		END { print b["cpu"], t["cpu"], i["cpu"], b[l], t[l], b[v], t[v] }' /proc/stat
}
# Frames dropped at a full per-CPU input queue (netdev_max_backlog), all CPUs: where RPS hands
# v6link's frames to LOAD_CPU faster than it drains them (v6link counts them as io_error).
backlog_drops() { python3 -c 'print(sum(int(l.split()[1], 16) for l in open("/proc/net/softnet_stat")))'; }
# Ticks of everything this bench runs: v6link, iperf3 -s, the peer's control plane, and the
# shell's reaped children (the iperf3 client under timeout). The rest of the busy time, less
# irq+softirq, is foreign: other work on this machine, reported so a shared run shows as such.
ours_cpu() {
	echo $(($(proc_cpu "$V6L_PID") + $(proc_cpu "$SRV_PID") + $(proc_cpu "$CTL_PID") +
		$(awk '{print $16 + $17}' "/proc/$$/stat")))
}
# Waits (at most QUIET_WAIT s) until the foreign load over 1 s is below QUIET_MAX % of a CPU.
wait_quiet() {
	local i a0 a1 o0 o1 f
	for ((i = 0; i < QUIET_WAIT; i++)); do
		a0=$(machine_cpu); o0=$(ours_cpu)
		sleep 1
		a1=$(machine_cpu); o1=$(ours_cpu)
		f=$(awk -v a="$a0" -v b="$a1" -v o="$((o1 - o0))" -v n="$(nproc)" 'BEGIN {
			split(a, x); split(b, y); t = y[2] - x[2]; if (t <= 0) t = 1
			printf "%d", 100 * n * (y[1] - x[1] - (y[3] - x[3]) - o) / t }')
		((f < QUIET_MAX)) && return 0
	done
	((QUIET_WAIT == 0)) || log "still ${f}% foreign CPU after ${QUIET_WAIT}s; measuring anyway"
}

# One iperf3 run; appends a record to $RUN/runs.tsv:
# round path test gbit_s pkt_s wall_s machine_busy_ticks machine_total_ticks v6l_ticks
#   decap_ns decap_cnt encap_ns encap_cnt irq_softirq_ticks our_process_ticks backlog_drops
#   load_cpu_busy_pct v6link_cpu_busy_pct v6link_rx_ring_drops tcp_retransmits
#   uplink_thread_ticks downlink_thread_ticks
measure() { # ROUND PATH TEST
	local round=$1 path=$2 test=$3 srv out
	if [ "$path" = ceiling ]; then
		[ "$FAMILY" = 4 ] && srv=198.18.4.2 || srv=2001:2:0:4::2
	else
		[ "$FAMILY" = 4 ] && srv=198.18.2.2 || srv=2001:2:0:2::2
	fi
	local args=(-c "$srv" -t "$DURATION" -J --connect-timeout 3000 -A "$LOAD_CPU")
	case $test in
	tcp1-*) ;;
	tcp4-*) args+=(-P 4) ;;
	udp64-*) args+=(-u -l 64 -b 0) ;;
	esac
	[[ $test == *-down ]] && args+=(-R)
	out=$RUN/r$round-$path-$test.json
	local m0 m1 v0=0 v1=0 d0 d1 e0 e1 t0 t1 o0 o1 b0 b1
	wait_quiet
	m0=$(machine_cpu)
	o0=$(ours_cpu)
	b0=$(backlog_drops)
	local r0=0 r1=0 th0="0 0" th1="0 0"
	[ "$path" = v6link ] && v0=$(proc_cpu "$V6L_PID") && r0=$(v6l_json "c['counters']['rx_ring']['drops']") &&
		th0=$(thread_cpu)
	d0=$(bpf_stat "$PROG_DECAP")
	e0=$(bpf_stat "$PROG_ENCAP")
	t0=$(date +%s.%N)
	if [ "$test" = ping ]; then
		# Round trip of a quiet link: one 56-byte echo every 10 ms for DURATION s.
		run_fg "$out" timeout $((DURATION + 20)) ip netns exec "$NS_CLI" ping -q -i 0.01 \
			-w "$DURATION" -c $((DURATION * 100)) "$srv"
	else
		run_fg "$out" timeout $((DURATION + 20)) ip netns exec "$NS_CLI" iperf3 "${args[@]}"
	fi
	t1=$(date +%s.%N)
	m1=$(machine_cpu)
	o1=$(ours_cpu)
	b1=$(backlog_drops)
	[ "$path" = v6link ] && v1=$(proc_cpu "$V6L_PID") && r1=$(v6l_json "c['counters']['rx_ring']['drops']") &&
		th1=$(thread_cpu)
	d1=$(bpf_stat "$PROG_DECAP")
	e1=$(bpf_stat "$PROG_ENCAP")
	python3 - "$out" "$test" "$round" "$path" "$t0" "$t1" "$m0" "$m1" "$v0" "$v1" "$d0" "$d1" \
		"$e0" "$e1" "$((o1 - o0))" "$((b1 - b0))" "$((${r1:-0} - ${r0:-0}))" "$th0" "$th1" >>"$RUN/runs.tsv" <<-'PY'
	import json, sys
	f, test, rnd, path, t0, t1, m0, m1, v0, v1, d0, d1, e0, e1, ours, bdrop, rdrop, th0, th1 = sys.argv[1:]
	up0, down0 = map(int, th0.split()); up1, down1 = map(int, th1.split())
	g = p = "nan"
	retr = -1
	try:
	    if test == "ping":
	        # "rtt min/avg/max/mdev = 0.031/0.045/0.210/0.012 ms": the average, in microseconds
	        for line in open(f):
	            if line.startswith("rtt ") or line.startswith("round-trip"):
	                p = f"{float(line.split('=')[1].split('/')[1]) * 1000:.0f}"
	        raise StopIteration
	    d = json.load(open(f))
	    e = d["end"]
	    if "error" not in d:
	        if test.startswith("tcp"):
	            g = f"{e['sum_received']['bits_per_second'] / 1e9:.4f}"
	            retr = e["sum_sent"].get("retransmits", -1)
	        else:
	            s = e.get("sum_received") or e["sum"]
	            got = max(s["packets"] - s.get("lost_packets", 0), 0)
	            p = f"{got / (s['seconds'] or 1):.0f}"
	            g = f"{got * 64 * 8 / (s['seconds'] or 1) / 1e9:.4f}"
	except (Exception, StopIteration):
	    pass
	mb0, mt0, mi0, lb0, lt0, vb0, vt0 = map(int, m0.split())
	mb1, mt1, mi1, lb1, lt1, vb1, vt1 = map(int, m1.split())
	dn0, dc0 = map(int, d0.split()); dn1, dc1 = map(int, d1.split())
	en0, ec0 = map(int, e0.split()); en1, ec1 = map(int, e1.split())
	print("\t".join(map(str, [rnd, path, test, g, p, f"{float(t1) - float(t0):.3f}", mb1 - mb0,
	      mt1 - mt0, int(v1) - int(v0), dn1 - dn0, dc1 - dc0, en1 - en0, ec1 - ec0, mi1 - mi0,
	      int(ours), int(bdrop), f"{100 * (lb1 - lb0) / max(lt1 - lt0, 1):.0f}",
	      f"{100 * (vb1 - vb0) / max(vt1 - vt0, 1):.0f}", int(rdrop), retr, up1 - up0, down1 - down0])))
	PY
	log "round $round $path $test: $(tail -n 1 "$RUN/runs.tsv" | cut -f4,5 | tr '\t' ' ')"
}

report() {
	python3 - "$RUN/runs.tsv" "$(getconf CLK_TCK)" "${RESULTS:-}" "$V6L_HWM" "$(nproc)" <<-'PY'
	import statistics as st, sys
	runs, hz, out, hwm, ncpu = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
	rows = [l.rstrip("\n").split("\t") for l in open(runs) if l.strip()]
	tests = []
	for r in rows:
	    if r[2] not in tests:
	        tests.append(r[2])
	def fl(x):
	    try:
	        v = float(x)
	        return None if v != v else v
	    except ValueError:
	        return None
	def mmm(vals):
	    v = sorted(x for x in vals if x is not None)
	    if not v:
	        return None, None, None
	    return v[0], st.median(v), v[-1]
	def fmt(x, nd):
	    return "-" if x is None else f"{x:.{nd}f}"
	print(f"\n{'test':<11} {'path':<8} {'Gbit/s or pkt/s (min / median / max)':<38} {'machine':>7} {'bench':>6} {'v6link':>7} {'mach/Gb':>8} {'v6l/Gb':>7} {'ratio':>6} {'foreign':>7} {'backlog':>7} {'load':>5} {'v6l':>5} {'ring':>6} {'TCP':>6} {'up':>5} {'down':>5}")
	print(f"{'':<11} {'':<8} {'':<38} {'CPU %':>7} {'CPU %':>6} {'CPU %':>7} {'%CPU':>8} {'%CPU':>7} {'v6l/ceil':>6} {'CPU %':>7} {'drops':>7} {'CPU%':>5} {'CPU%':>5} {'drops':>6} {'retr':>6} {'thr%':>5} {'thr%':>5}")
	summary = []
	for t in tests:
	    med = {}
	    for path in ("ceiling", "v6link"):
	        rs = [r for r in rows if r[2] == t and r[1] == path]
	        if not rs:
	            continue
	        udp = t.startswith("udp") or t == "ping"
	        val = [fl(r[4] if udp else r[3]) for r in rs]
	        lo, md, hi = mmm(val)
	        med[path] = md
	        # bench CPU: the bench's processes + irq/softirq (the kernel's packet work), in % of
	        # one CPU. It counts some softirq work twice (in a process's system time and as
	        # softirq, without IRQ time accounting), so "foreign" (machine - bench) reads
	        # negative on a quiet machine; only a large positive value means other work.
	        mcpu = [100 * ncpu * (int(r[13]) + int(r[14])) / max(int(r[7]), 1) for r in rs]
	        vcpu = [100 * int(r[8]) / hz / float(r[5]) for r in rs] if path == "v6link" else []
	        mc = st.median(mcpu)
	        whole = st.median([100 * ncpu * int(r[6]) / max(int(r[7]), 1) for r in rs])
	        bd = sum(int(r[15]) for r in rs if len(r) > 15)
	        fc = st.median([100 * ncpu * (int(r[6]) - int(r[13]) - int(r[14])) / max(int(r[7]), 1) for r in rs])
	        vc = st.median(vcpu) if vcpu else None
	        # busy % of LOAD_CPU and of V6L_CPU (runs of older versions have neither)
	        lcpu = st.median([float(r[16]) for r in rs]) if all(len(r) > 17 for r in rs) else None
	        v6cpu = st.median([float(r[17]) for r in rs]) if all(len(r) > 17 for r in rs) else None
	        # v6link's receive-ring drops (kernel) and the TCP sender's retransmits, summed
	        rdr = sum(int(r[18]) for r in rs) if all(len(r) > 19 for r in rs) else None
	        rtr = sum(int(r[19]) for r in rs) if all(len(r) > 19 and int(r[19]) >= 0 for r in rs) else None
	        # v6link's uplink and downlink threads, % of one CPU
	        upc = st.median([100 * int(r[20]) / hz / float(r[5]) for r in rs]) if path == "v6link" and all(len(r) > 21 for r in rs) else None
	        dnc = st.median([100 * int(r[21]) / hz / float(r[5]) for r in rs]) if path == "v6link" and all(len(r) > 21 for r in rs) else None
	        gb = st.median([x for x in (fl(r[3]) for r in rs) if x] or [0])
	        # per Gbit/s: the machine's busy CPU (right on a quiet machine: the load columns show
	        # it) and v6link's own
	        mpg = whole / gb if gb and not udp else None
	        vpg = vc / gb if (gb and vc is not None and not udp) else None
	        nd = 0 if udp else 3
	        unit = " us RTT" if t == "ping" else " pkt/s" if udp else ""
	        rng = f"{fmt(lo, nd)} / {fmt(md, nd)} / {fmt(hi, nd)}" + unit
	        ratio = ""
	        if path == "v6link" and med.get("ceiling") and md is not None:
	            ratio = f"{md / med['ceiling']:.2f}"
	        print(f"{t:<11} {path:<8} {rng:<38} {whole:>7.0f} {mc:>6.0f} {fmt(vc, 0):>7} {fmt(mpg, 1):>8} {fmt(vpg, 1):>7} {ratio:>6} {fc:>7.0f} {bd:>7} {fmt(lcpu, 0):>5} {fmt(v6cpu, 0):>5} {fmt(rdr, 0):>6} {fmt(rtr, 0):>6} {fmt(upc, 0):>5} {fmt(dnc, 0):>5}")
	        summary.append([t, path, fmt(lo, nd), fmt(md, nd), fmt(hi, nd), f"{mc:.1f}", fmt(vc, 1),
	                        fmt(mpg, 2), fmt(vpg, 2), ratio, f"{fc:.1f}", f"{whole:.1f}", str(bd),
	                        fmt(lcpu, 0), fmt(v6cpu, 0), fmt(rdr, 0), fmt(rtr, 0), fmt(upc, 1), fmt(dnc, 1)])
	# The peer's own cost (BPF_ENABLE_STATS): ns per frame of each program, v6link runs only.
	dn = sum(int(r[9]) for r in rows if r[1] == "v6link"); dc = sum(int(r[10]) for r in rows if r[1] == "v6link")
	en = sum(int(r[11]) for r in rows if r[1] == "v6link"); ec = sum(int(r[12]) for r in rows if r[1] == "v6link")
	cn = sum(int(r[9]) + int(r[11]) for r in rows if r[1] == "ceiling")
	cc = sum(int(r[10]) + int(r[12]) for r in rows if r[1] == "ceiling")
	busiest = 0.0
	for r in rows:
	    if r[1] == "v6link":
	        busiest = max(busiest, (int(r[9]) + int(r[11])) / 1e9 / float(r[5]))
	print(f"\npeer (tc BPF, run time from BPF_ENABLE_STATS): decap {dn / dc if dc else 0:.0f} ns/frame over {dc} frames,"
	      f" encap {en / ec if ec else 0:.0f} ns/frame over {ec} frames; busiest v6link run:"
	      f" {100 * busiest:.1f} % of one CPU in the programs; ceiling runs (programs pass every"
	      f" frame on): {cn / cc if cc else 0:.0f} ns/frame over {cc} frames")
	print(f"v6link peak RSS (VmHWM): {hwm}")
	if out:
	    with open(out, "w") as f:
	        f.write("test\tpath\tmin\tmedian\tmax\tbench_cpu_pct\tv6link_cpu_pct\tmachine_cpu_pct_per_gbit\tv6link_cpu_pct_per_gbit\tratio\tforeign_cpu_pct\tmachine_cpu_pct\tbacklog_drops\tload_cpu_busy_pct\tv6link_cpu_busy_pct\tv6link_rx_ring_drops\ttcp_retransmits\tuplink_thread_cpu_pct\tdownlink_thread_cpu_pct\n")
	        for s in summary:
	            f.write("\t".join(s) + "\n")
	        f.write("\n# every run: round path test gbit_s pkt_s wall_s machine_busy_ticks machine_total_ticks v6link_ticks decap_ns decap_cnt encap_ns encap_cnt irq_softirq_ticks our_process_ticks backlog_drops load_cpu_busy_pct v6link_cpu_busy_pct v6link_rx_ring_drops tcp_retransmits uplink_thread_ticks downlink_thread_ticks\n")
	        for r in rows:
	            f.write("\t".join(r) + "\n")
	PY
}

if [ -n "$REPORT_ONLY" ]; then
	trap - EXIT
	report
	exit
fi
log "line_rate: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(iperf3 --version | head -1), ROUNDS=$ROUNDS DURATION=${DURATION}s FAMILY=$FAMILY; run folder $RUN"
setup_topology || { log "topology failed"; exit 1; }
start_peer || { log "the fast peer did not start"; exit 1; }
start_v6link || exit 1
# The programs' run time is counted while a BPF_ENABLE_STATS descriptor is open (reference-
# counted by the kernel, so runs side by side, or anything else that wants the statistics, do not
# turn them off under each other as writing kernel.bpf_stats_enabled would). A small process
# holds it for the run; it ends with the run (cleanup) or at the run's longest time.
timeout "$((ROUNDS * 12 * (DURATION + 25) + 120))" python3 -c '
import ctypes, os, signal, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
attr = ctypes.create_string_buffer(struct.pack("I", 0), 8)  # BPF_STATS_RUN_TIME
fd = libc.syscall(321, 32, attr, 4)                           # bpf(BPF_ENABLE_STATS) on x86_64
if fd < 0:
    sys.exit("BPF_ENABLE_STATS: " + os.strerror(ctypes.get_errno()))
print("ok", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.pause()' >"$RUN/bpf-stats.log" 2>&1 &
STATS_PID=$!
for ((i = 0; i < 50; i++)); do
	grep -q . "$RUN/bpf-stats.log" 2>/dev/null && break
	sleep 0.1
done
grep -q '^ok' "$RUN/bpf-stats.log" ||
	log "BPF run-time statistics not enabled ($(cat "$RUN/bpf-stats.log")): the peer's ns/frame will read 0"
# RPS queues v6link's frames from CPU1 to LOAD_CPU; the default 1000-frame queue overflows in
# bursts (the ceiling's sender feeds its own CPU's queue and never sees this).
OLD_BACKLOG=$(sysctl -n net.core.netdev_max_backlog)
sysctl -q -w net.core.netdev_max_backlog="$BACKLOG" >/dev/null
ip netns exec "$NS_SRV" iperf3 -s -A "$LOAD_CPU" >>"$RUN/iperf3-server.log" 2>&1 &
SRV_PID=$!
PIDS+=($!)
for ((i = 0; i < 50; i++)); do
	[ -n "$(in_ns "$NS_SRV" ss -Hltn 'sport = :5201' 2>/dev/null)" ] && break
	sleep 0.1
done
if [ "$FAMILY" = 4 ]; then p1=198.18.2.2 p2=198.18.4.2; else p1=2001:2:0:2::2 p2=2001:2:0:4::2; fi
timeout 10 ip netns exec "$NS_CLI" ping -c 2 -i 0.2 -W 2 "$p1" >/dev/null ||
	{ log "no ping reply from $p1 through v6link and the peer"; exit 1; }
timeout 10 ip netns exec "$NS_CLI" ping -c 2 -i 0.2 -W 2 "$p2" >/dev/null ||
	{ log "no ping reply from $p2 (ceiling path)"; exit 1; }
: >"$RUN/runs.tsv"
for ((r = 1; r <= ROUNDS; r++)); do
	for t in $TESTS; do
		# Alternate which path goes first, so that a slow drift of the machine hits both alike.
		if ((r % 2)); then order="ceiling v6link"; else order="v6link ceiling"; fi
		for p in $order; do
			kill -0 "$V6L_PID" 2>/dev/null || { log "v6link died; see $RUN/v6link.log"; exit 1; }
			measure "$r" "$p" "$t"
		done
	done
done
V6L_HWM=$(awk '/^VmHWM/{print $2, $3}' "/proc/$V6L_PID/status" 2>/dev/null)
log "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in "$PROG_DECAP" "$PROG_ENCAP"; do
	m=$(bpftool -j map show 2>/dev/null | python3 -c "import json,sys
ids=$(bpftool -j prog show id "$p" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("map_ids",[]))')
print(*[m['id'] for m in json.load(sys.stdin) if m['id'] in ids and m.get('name')=='fisp_cnt'])")
	[ -n "$m" ] || continue
	log "BPF program $p counters [decap, encap, pass, drop_big, drop_helper, over_1514]: $(bpftool -j map dump id "$m" |
		python3 -c 'import json,sys
val = lambda v: v if isinstance(v, int) else int.from_bytes(bytes(int(x, 16) for x in v), "little")
print([sum(val(v["value"]) for v in e["values"]) for e in json.load(sys.stdin)])')"
done
in_ns "$NS_CLI" "$V6L_BIN" -S "$SOCK" status --json 2>/dev/null |
	python3 -c 'import json,sys; print("v6link counters:", json.dumps(json.load(sys.stdin)["connections"][0].get("counters")))' >&2
report
