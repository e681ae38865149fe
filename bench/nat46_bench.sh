#!/usr/bin/env bash
# bench/nat46_bench.sh - NAT46 throughput (issues #5, #12): an IPv4-only iperf3 client reaching
# an IPv6-only server through v6link (nat46=on, the name resolved by its DNS proxy) and through
# Tayga with the same static mapping, plus plain IPv6 as the ceiling, in one run on the same
# namespaces. Default: v6link in router mode on a veth pair. --pppoe: v6link in dial-up over
# the fast PPPoE peer (bench/fastisp, tc BPF; line_rate.sh's topology), Tayga and the ceiling
# on the same middle box routing plain IPv6. A manual benchmark: never part of CI gating. See
# bench/README.md.
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
V6L_BIN=${V6L_BIN:-$TOP/build/v6link}
DURATION=${DURATION:-10}          # seconds per iperf3 run
DIRS=${DIRS:-up down}             # up = client -> server, down = iperf3 -R
UDP_RATE=${UDP_RATE:-0}           # iperf3 -b for the 64-byte UDP runs (0 = unthrottled)
TCP_RATE=${TCP_RATE:-0}           # iperf3 -b for the TCP runs (0 = unthrottled)
UP_WAIT=${UP_WAIT:-30}            # seconds to wait for v6link's NAT46 to be on
WIRE=${WIRE:-0}                   # 0: veth defaults (offloads, like GRO on a NIC), 1: MTU-sized frames
NS_PREFIX=${NS_PREFIX:-v6l-n46b}
V6L_CPU=${V6L_CPU:-1}             # --pppoe: the translators' CPU; iperf3 and the peer: LOAD_CPU
LOAD_CPU=${LOAD_CPU:-0}
RESULTS=''
ONLY=all
PPPOE=0

usage() {
	cat <<-EOF
	usage: $0 [-t SECONDS] [-o RESULTS.tsv] [--v6link-only | --tayga-only] [--pppoe]
	  -t SECONDS     duration of each iperf3 run (1..60, default $DURATION)
	  -o FILE        also write the table as tab-separated values to FILE
	  --pppoe        v6link in dial-up over the fast PPPoE peer (bench/fastisp), the translators
	                 on V6L_CPU (1), iperf3 and the peer on LOAD_CPU (0); needs clang, tc, bpftool
	environment: V6L_BIN (default build/v6link), DURATION, DIRS ("up down"), UDP_RATE and TCP_RATE
	  (iperf3 -b of the UDP and TCP runs, 0 = unthrottled: at a fixed rate below every path's
	  limit, CPU per packet and per Gbit/s compare the translators on a busy machine), UP_WAIT,
	  NS_PREFIX (namespaces NS_PREFIX-PID-{c,s,a}), V6L_CPU and LOAD_CPU (--pppoe),
	  WIRE=0|1 (0, default: veth offloads on, partial checksums and GSO super-packets cross the
	  veth as GRO would make them on a NIC; 1: complete checksums in MTU-sized frames)
	EOF
	exit "$1"
}

while [ $# -gt 0 ]; do
	case "$1" in
	-t) DURATION=${2:-}; shift 2 ;;
	-o) RESULTS=${2:-}; shift 2 ;;
	--v6link-only) ONLY=v6link; shift ;;
	--tayga-only) ONLY=tayga; shift ;;
	--pppoe) PPPOE=1; shift ;;
	-h | --help) usage 0 ;;
	*) usage 2 ;;
	esac
done
if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || ((DURATION < 1 || DURATION > 60)); then usage 2; fi
[ "$(id -u)" = 0 ] || { echo "bench: must run as root (network namespaces)" >&2; exit 2; }
NEED=(iperf3 python3 dnsmasq getent ss ethtool)
if [ "$PPPOE" = 1 ]; then NEED+=(clang tc bpftool taskset); else NEED+=(radvd); fi
for c in "${NEED[@]}"; do
	command -v "$c" >/dev/null || { echo "bench: $c missing (see bench/README.md)" >&2; exit 2; }
done

# Addresses. The server's segment is 2001:db8:1::/64 (radvd in the server namespace); the
# server answers iperf3 and DNS on SRV6. Tayga's IPv4 side lies outside v6link's default pool
# (198.18.0.0/15), so the two translators' routes never overlap.
P=$NS_PREFIX-$$
NS_C=$P-c NS_S=$P-s NS_A=$P-a
RUN=/tmp/$P
CONF=$RUN/conf SOCK=$RUN/ctl.sock
SRV6=2001:db8:1::10
SRV_NAME=server.nat46.example
CLI6=2001:db8:1::2                # the client's own address (the IPv6 ceiling)
TG_SRV4=203.0.113.46              # Tayga: map TG_SRV4 <-> SRV6
TG_APP4=192.168.46.2              # Tayga: map TG_APP4 <-> TG_APP6 (the app's source)
TG_APP6=2001:db8:1::46
TG_OWN4=192.168.46.1              # Tayga's own addresses (ICMP errors it makes)
TG_OWN6=2001:db8:1::47
PIN=()                            # --pppoe: taskset -c V6L_CPU for the translators
if [ "$PPPOE" = 1 ]; then
	# line_rate.sh's addresses: the session's /64 2001:2:0:1::/64 (the peer's RA) and IPCP's
	# 198.18.1.2; the server 2001:2:0:2::2 behind the middle box, its DNS on 198.18.2.53 (IPCP's
	# DNS server; AAAA only). The ceiling and Tayga: the client's plain 2001:2:0:3::2 on the same
	# veth, routed by the middle box to the server's 2001:2:0:4::2. v6link's pool moves out of
	# 198.18.0.0/15 (the peer's addresses).
	SRV6=2001:2:0:2::2 CLI6=2001:2:0:3::2 TG_SRV6=2001:2:0:4::2
	TG_APP6=2001:2:0:3::46 TG_OWN6=2001:2:0:3::47
	V6L_POOL=100.64.46.0/24
	MAC_CLI=02:76:6c:00:00:01 MAC_AC=02:76:6c:00:00:02 MAC_MID=02:76:6c:00:00:03 MAC_SRV=02:76:6c:00:00:04
	SID=0x2a2a ISP_USER=v6lbench ISP_PASS=v6lbench-Secret1
	PIN=(taskset -c "$V6L_CPU")
fi
TG_SRV6=${TG_SRV6:-$SRV6}
mkdir -p "$RUN"

CREATED_NS=()
PIDS=()           # radvd, dnsmasq, iperf3 -s
V6L_PID='' TG_PID='' FG_PID=''
ETC_NETNS=''      # /etc/netns/NS_C when this run made it
ROWS=()           # translator dir tcp_gbit tcp_retr tcp_cpu udp_pps udp_loss udp_cpu (TAB-separated)

log() { echo "[$(date +%T)] $*" >&2; }

stop_pid() { # PID: SIGTERM, 8 s grace, then SIGKILL (only PIDs this script started)
	local p=$1 i
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < 80; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$p" 2>/dev/null && { log "PID $p ignored SIGTERM; killing"; kill -KILL "$p" 2>/dev/null; }
	wait "$p" 2>/dev/null
	return 0
}

cleanup() {
	trap '' INT TERM
	local p
	[ -n "$FG_PID" ] && kill -TERM "$FG_PID" 2>/dev/null && wait "$FG_PID" 2>/dev/null
	stop_pid "$V6L_PID"
	stop_pid "$TG_PID"
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${CREATED_NS[@]}"; do ip netns del "$p" 2>/dev/null; done
	[ -n "$ETC_NETNS" ] && rm -rf "$ETC_NETNS"
	log "logs and raw iperf3 JSON kept in $RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Runs CMD in the background and waits, so an interrupt's trap runs at once (see
# pppoe_throughput.sh). OUT gets the command's stdout, OUT.err its stderr (`ip netns exec`
# may warn there, which must not end up inside iperf3's JSON).
run_fg() { # OUT CMD [ARG ...]
	local out=$1
	shift
	"$@" >"$out" 2>"$out.err" &
	FG_PID=$!
	wait "$FG_PID"
	local rc=$?
	FG_PID=''
	return $rc
}

# CPU time (user + system, all threads, clock ticks) of PID so far, or nothing.
cpu_ticks() { [ -n "$1" ] && awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }

# --- the two namespaces: the IPv4-only application side and the IPv6-only server ---
setup_net() {
	ip netns add "$NS_C" && CREATED_NS+=("$NS_C") || return 1
	ip netns add "$NS_S" && CREATED_NS+=("$NS_S") || return 1
	ip -n "$NS_C" link add eth0 type veth peer name eth0 netns "$NS_S" || return 1
	local ns
	for ns in "$NS_C" "$NS_S"; do
		in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
	done
	# WIRE=1: the server computes TCP/UDP checksums and segments in software, so what reaches
	# the client carries complete checksums in MTU-sized frames, as from a physical wire; the
	# client's GRO stays off (the veth default). WIRE=0 leaves the veth's offloads on: frames
	# cross with CHECKSUM_PARTIAL and as GSO super-packets, which a packet socket sees as such.
	[ "$WIRE" = 1 ] && { in_ns "$NS_S" ethtool -K eth0 tx off >/dev/null 2>&1 ||
		{ log "ethtool -K eth0 tx off failed (WIRE=1 needs ethtool)"; return 1; }; }
	# The server is also the segment's router: radvd wants forwarding on.
	in_ns "$NS_S" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_S" addr add fe80::1/64 dev eth0 nodad
	ip -n "$NS_S" addr add "$SRV6/64" dev eth0 nodad
	ip -n "$NS_C" addr add "$CLI6/64" dev eth0 nodad
	cat >"$RUN/radvd.conf" <<-EOF
	interface eth0 {
		AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; AdvDefaultLifetime 60;
		prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; };
		RDNSS $SRV6 { };
	};
	EOF
	# `ip netns exec` execs the server, so $! is the server itself.
	ip netns exec "$NS_S" radvd -n -C "$RUN/radvd.conf" -p "$RUN/radvd.pid" -m logfile \
		-l "$RUN/radvd.log" </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	# AAAA only: an A query for the name gets an empty answer (NOERROR, no A record).
	ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
		--user=root --pid-file= --listen-address="$SRV6" --bind-interfaces --port=53 \
		--host-record="$SRV_NAME,$SRV6" --local=/nat46.example/ --local-ttl=60 \
		>"$RUN/dnsmasq.log" 2>&1 &
	PIDS+=($!)
	ip netns exec "$NS_S" iperf3 -s -B "$SRV6" >>"$RUN/iperf3-server.log" 2>&1 &
	PIDS+=($!)
	local i
	for ((i = 0; i < 50; i++)); do
		[ -n "$(in_ns "$NS_S" ss -Hltn 'sport = :5201' 2>/dev/null)" ] && break
		sleep 0.1
	done
	timeout 10 ip netns exec "$NS_C" ping -6 -c 2 -i 0.2 -W 2 "$SRV6" >/dev/null ||
		{ log "no IPv6 ping reply from the server"; return 1; }
}

# --- --pppoe: cli eth0 -- ac0 [middle box: fastisp tc BPF + control plane; IPv6 router] srv0 -- eth0 srv
# Offloads as in line_rate.sh: no checksum offload or TSO on any veth (complete checksums in
# 1514-byte frames on the client's wire; the server's GSO packets are cut before its veth, so the
# encap, which cannot segment a GSO packet it made PPPoE, sees single segments), frames from the
# client are received on LOAD_CPU (RPS). gso_max_segs 1 on the server's veth, as here until
# 2026-12-07, made its TCP send one segment per skb: the download's ceiling fell to a tenth.
setup_net_pppoe() {
	local ns
	for ns in "$NS_C" "$NS_A" "$NS_S"; do
		ip netns add "$ns" && CREATED_NS+=("$ns") || return 1
		ip -n "$ns" link set lo up
		in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
	done
	ip -n "$NS_C" link add eth0 address $MAC_CLI type veth peer name ac0 address $MAC_AC \
		netns "$NS_A" || return 1
	ip -n "$NS_A" link add srv0 address $MAC_MID type veth peer name eth0 address $MAC_SRV \
		netns "$NS_S" || return 1
	in_ns "$NS_C" ethtool -K eth0 tx off tso off >/dev/null 2>&1
	in_ns "$NS_A" ethtool -K ac0 tx off tso off >/dev/null 2>&1
	in_ns "$NS_A" ethtool -K srv0 tx off tso off >/dev/null 2>&1
	in_ns "$NS_S" ethtool -K eth0 tx off tso off >/dev/null 2>&1
	ip -n "$NS_A" link set ac0 gso_max_segs 1
	ip -n "$NS_A" link set srv0 gso_max_segs 1
	ip -n "$NS_C" link set eth0 up
	ip -n "$NS_A" link set ac0 up
	ip -n "$NS_A" link set srv0 up
	ip -n "$NS_S" link set eth0 up
	in_ns "$NS_A" sh -c "echo $((1 << LOAD_CPU)) > /sys/class/net/ac0/queues/rx-0/rps_cpus" || return 1
	in_ns "$NS_A" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$NS_C" addr add "$CLI6/64" dev eth0 nodad
	ip -n "$NS_C" route add 2001:2:0:4::/64 via 2001:2:0:3::1
	ip -n "$NS_A" addr add 2001:2:0:3::1/64 dev ac0 nodad
	ip -n "$NS_A" addr add 198.18.2.1/24 dev srv0
	ip -n "$NS_A" addr add 2001:2:0:2::1/64 dev srv0 nodad
	ip -n "$NS_A" route add 2001:2:0:4::/64 via 2001:2:0:2::2
	ip -n "$NS_S" addr add 198.18.2.2/24 dev eth0
	ip -n "$NS_S" addr add 198.18.2.53/24 dev eth0
	ip -n "$NS_S" addr add "$SRV6/64" dev eth0 nodad
	ip -n "$NS_S" addr add "$TG_SRV6/64" dev eth0 nodad
	ip -n "$NS_S" route add 198.18.1.0/24 via 198.18.2.1
	ip -n "$NS_S" route add 2001:2:0:1::/64 via 2001:2:0:2::1 src "$SRV6"
	ip -n "$NS_S" route add 2001:2:0:3::/64 via 2001:2:0:2::1 src "$TG_SRV6"
	ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts \
		--user=root --pid-file= --listen-address=198.18.2.53 --bind-interfaces --port=53 \
		--host-record="$SRV_NAME,$SRV6" --local=/nat46.example/ --local-ttl=60 \
		>"$RUN/dnsmasq.log" 2>&1 &
	PIDS+=($!)
	ip netns exec "$NS_S" taskset -c "$LOAD_CPU" iperf3 -s >>"$RUN/iperf3-server.log" 2>&1 &
	PIDS+=($!)
	start_peer || return 1
	local i
	for ((i = 0; i < 50; i++)); do
		[ -n "$(in_ns "$NS_S" ss -Hltn 'sport = :5201' 2>/dev/null)" ] && break
		sleep 0.1
	done
	timeout 10 ip netns exec "$NS_C" ping -6 -c 2 -i 0.2 -W 2 "$TG_SRV6" >/dev/null ||
		{ log "no IPv6 ping reply from the server"; return 1; }
}

macbytes() { echo "0x${1//:/,0x}"; }

# The fast PPPoE peer of bench/line_rate.sh (bench/fastisp), built for this topology.
start_peer() {
	local ac_idx srv_idx
	ac_idx=$(in_ns "$NS_A" cat /sys/class/net/ac0/ifindex) || return 1
	srv_idx=$(in_ns "$NS_A" cat /sys/class/net/srv0/ifindex) || return 1
	clang -target bpf -O2 -g -Wall -Werror -I/usr/include/"$(gcc -print-multiarch)" \
		-DSID=$SID -DCLI_MAC="$(macbytes $MAC_CLI)" -DAC_MAC="$(macbytes $MAC_AC)" \
		-DMID_MAC="$(macbytes $MAC_MID)" -DSRV_MAC="$(macbytes $MAC_SRV)" \
		-DAC_IFINDEX="$ac_idx" -DSRV_IFINDEX="$srv_idx" -DCLI_V4=198,18,1,2 \
		-DCLI_PFX6=0x20,0x01,0,2,0,0,0,1 \
		-c "$TOP/bench/fastisp/fastisp.bpf.c" -o "$RUN/fastisp.o" 2>"$RUN/clang.log" ||
		{ log "BPF build failed:"; cat "$RUN/clang.log" >&2; return 1; }
	in_ns "$NS_A" tc qdisc add dev ac0 clsact || return 1
	in_ns "$NS_A" tc qdisc add dev srv0 clsact || return 1
	in_ns "$NS_A" tc filter add dev ac0 ingress bpf da obj "$RUN/fastisp.o" sec decap \
		>>"$RUN/tc.log" 2>&1 || { log "tc (decap) failed"; return 1; }
	in_ns "$NS_A" tc filter add dev srv0 ingress bpf da obj "$RUN/fastisp.o" sec encap \
		>>"$RUN/tc.log" 2>&1 || { log "tc (encap) failed"; return 1; }
	printf '%s\n' "$ISP_PASS" >"$RUN/isp-pass"
	in_ns "$NS_A" taskset -c "$LOAD_CPU" python3 "$TOP/bench/fastisp/fastisp_ctl.py" --if ac0 \
		--ac-mac $MAC_AC --sid $SID --user "$ISP_USER" --password-file "$RUN/isp-pass" \
		--client-v4 198.18.1.2 --our-v4 198.18.1.1 --dns-v4 198.18.2.53 \
		--prefix6 2001:2:0:1::/64 --max-seconds $((40 * (DURATION + 25) + 300)) \
		>>"$RUN/fastisp.log" 2>&1 &
	PIDS+=($!)
}

# Prints "Gbit/s packets/s loss% retransmits" from an iperf3 JSON file. TCP: receiver goodput
# and the sender's retransmitted segments. UDP: the packets that arrived at the receiver (its
# byte count / 64) per second and the share of the sent packets that never arrived (trailing
# losses included).
iperf_parse() { # FILE tcp|udp64
	python3 - "$1" "$2" <<-'PY'
	import json, sys
	try:
	    d = json.load(open(sys.argv[1]))
	except Exception:
	    print("error - - -"); sys.exit()
	if "error" in d or "end" not in d:
	    print("error - - -"); sys.exit()
	e = d["end"]
	if sys.argv[2] == "tcp":
	    print(f"{e['sum_received']['bits_per_second'] / 1e9:.3f} - - {e['sum_sent'].get('retransmits', '-')}")
	    sys.exit()
	sent = e["sum_sent"]["packets"]
	r = e["sum_received"]
	got = r["bytes"] // 64
	loss = 100 * (sent - got) / sent if sent else 0
	print(f"{got * 512 / (r['seconds'] or 1) / 1e9:.3f} {got / (r['seconds'] or 1):.0f} {loss:.1f} -")
	PY
}

# One iperf3 run from the client namespace. Sets M_VAL (Gbit/s for tcp, packets/s for udp64),
# M_LOSS (udp64), M_RETR (tcp) and M_CPU, the translator process's CPU use (100 = a core; XPID '' = none).
# Runs in this shell, not in a $(...) subshell, so the EXIT trap can stop the client.
measure() { # NAME up|down tcp|udp64 XPID IPERF3-ARGS...
	local name=$1 dir=$2 kind=$3 xpid=$4
	shift 4
	local args=("$@" -t "$DURATION" -J --connect-timeout 3000) out t0 t1 c0 c1 g s l r
	[ "$PPPOE" = 1 ] && args+=(-A "$LOAD_CPU")
	[ "$dir" = down ] && args+=(-R)
	[ "$kind" = udp64 ] && args+=(-u -l 64 -b "$UDP_RATE")
	[ "$kind" = tcp ] && [ "$TCP_RATE" != 0 ] && args+=(-b "$TCP_RATE")
	out=$RUN/$name-$dir-$kind.json
	log "$name $dir $kind"
	c0=$(cpu_ticks "$xpid")
	t0=$(date +%s%N)
	run_fg "$out" timeout $((DURATION + 20)) ip netns exec "$NS_C" iperf3 "${args[@]}"
	t1=$(date +%s%N)
	c1=$(cpu_ticks "$xpid")
	read -r g s l r < <(iperf_parse "$out" "$kind")
	M_CPU=-
	if [ -n "$c0" ] && [ -n "$c1" ]; then
		M_CPU=$(awk -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v ns=$((t1 - t0)) \
			'BEGIN { printf "%.0f", 100 * d / hz / (ns / 1e9) }')
	fi
	if [ "$kind" = tcp ]; then M_VAL=$g M_LOSS=- M_RETR=$r; else M_VAL=$s M_LOSS=$l M_RETR=-; fi
}

# TCP then UDP64 in each direction of DIRS; a row per direction. RESOLVE, when not empty, is a
# command that prints the server's IPv4 address, run before each iperf3 run (else TARGET).
measure_path() { # NAME XPID FAMILY TARGET [RESOLVE]
	local name=$1 xpid=$2 fam=$3 target=$4 resolve=${5:-} d tg tc tr
	for d in $DIRS; do
		[ -n "$resolve" ] && target=$($resolve)
		measure "$name" "$d" tcp "$xpid" "$fam" -c "${target:-0.0.0.0}"
		tg=$M_VAL tc=$M_CPU tr=$M_RETR
		[ -n "$resolve" ] && target=$($resolve)
		measure "$name" "$d" udp64 "$xpid" "$fam" -c "${target:-0.0.0.0}"
		ROWS+=("$name	$d	$tg	$tr	$tc	$M_VAL	$M_LOSS	$M_CPU")
	done
}

# Packets the kernel dropped because the translator did not read its TUN fast enough.
tun_tx_drops() { in_ns "$NS_C" cat "/sys/class/net/$1/statistics/tx_dropped" 2>/dev/null; }

# Frames dropped by the client namespace's packet sockets (v6link's, full receive buffer).
pkt_sock_drops() {
	in_ns "$NS_C" ss -f link -Hnm 2>/dev/null |
		awk '{ if (match($0, /,d[0-9]+\)/)) n += substr($0, RSTART + 2, RLENGTH - 3) } END { print n + 0 }'
}

# --- (a) v6link in router mode with nat46=on; the app resolves the name via the DNS proxy ---
v6l_json() { # EXPR on connection 0 of status --json
	in_ns "$NS_C" "$V6L_BIN" -S "$SOCK" status --json 2>/dev/null | python3 -c "import json, sys
c = json.load(sys.stdin)['connections'][0]
print($1)" 2>/dev/null
}

# The pool address the app gets: an A lookup through the host resolver (the proxy at 192.0.0.1).
v6l_resolve() { in_ns "$NS_C" getent ahostsv4 "$SRV_NAME" 2>/dev/null | awk 'NR == 1 { print $1 }'; }

v6link_half() {
	if [ ! -x "$V6L_BIN" ]; then
		log "v6link part skipped: no $V6L_BIN"
		ROWS+=("v6link-nat46	-	skipped	-	-	-	-	-")
		return 0
	fi
	ETC_NETNS=/etc/netns/$NS_C
	mkdir -p "$ETC_NETNS" "$CONF"
	echo "# v6link nat46 bench: v6link writes the resolver here" >"$ETC_NETNS/resolv.conf"
	chmod 0755 "$CONF"
	if [ "$PPPOE" = 1 ]; then
		# dial-up over the fast peer; IPCP's DNS server (198.18.2.53) is the proxy's upstream.
		printf '[param]\nfunc_trace = 0\nnat46_pool = %s\nstate_dir = %s\ntrace_dir = %s/trace\n' \
			"$V6L_POOL" "$RUN" "$RUN" >"$CONF/v6link.ini"
		printf '[lan]\ndial_string = if=eth0\nuser_name = %s\nmode = dial-up\nauth = pap\n%s\n' \
			"$ISP_USER" 'nat46 = on
dhcpv6 = off
prefix_delegation = 0
redial_delay = 1' >"$CONF/connections.ini"
		printf '%s\n' "$ISP_PASS" | "$V6L_BIN" -C "$CONF" passwd lan >>"$RUN/v6link.log" 2>&1 ||
			{ log "'v6link passwd' failed; see $RUN/v6link.log"; return 1; }
	else
		printf '[param]\n' >"$CONF/v6link.ini"
		printf '[lan]\ndial_string = if=eth0\nmode = router\nnat46 = on\nprefix_delegation = 0\n' \
			>"$CONF/connections.ini"
	fi
	ip netns exec "$NS_C" "${PIN[@]}" "$V6L_BIN" -C "$CONF" -S "$SOCK" run lan >>"$RUN/v6link.log" 2>&1 &
	V6L_PID=$!
	local i st='' pool=''
	for ((i = 0; i < UP_WAIT * 10; i++)); do
		st=$(v6l_json "c['state'] + ' ' + (c.get('nat46') or {}).get('state', '-')")
		[ "$st" = "up on" ] && grep -qx 'nameserver 192.0.0.1' "$ETC_NETNS/resolv.conf" && break
		kill -0 "$V6L_PID" 2>/dev/null || { log "v6link exited; see $RUN/v6link.log"; return 1; }
		sleep 0.1
	done
	if [ "$st" != "up on" ]; then
		log "v6link not up with NAT46 on after ${UP_WAIT}s (state/nat46: '${st:-none}')"
		tail -n 20 "$RUN/v6link.log" >&2
		return 1
	fi
	log "v6link up, NAT46 on after $((i / 10)).$((i % 10)) s: host_v6 $(v6l_json "c['nat46']['host_v6']")"
	pool=$(v6l_resolve)
	if ! [[ "$pool" =~ ^198\.1[89]\. || ( "$PPPOE" = 1 && "$pool" =~ ^100\.64\.46\. ) ]]; then
		log "$SRV_NAME resolved to '${pool:-nothing}', not a pool address"
		return 1
	fi
	log "$SRV_NAME -> $pool (DNS proxy at 192.0.0.1)"
	timeout 10 ip netns exec "$NS_C" ping -4 -c 2 -i 0.2 -W 2 "$pool" >>"$RUN/ping.log" 2>&1 ||
		log "warning: no IPv4 ping reply from $pool through v6link"
	# Resolved again before each run, as an application would (the records' TTL is <= 5 s).
	measure_path v6link-nat46 "$V6L_PID" -4 "$pool" v6l_resolve
	v6l_json "json.dumps(c.get('nat46'))" >"$RUN/v6link-nat46-status.json"
	log "v6link nat46 status: $(cat "$RUN/v6link-nat46-status.json")"
	log "v6link46 TX drops (TUN queue full): $(tun_tx_drops v6link46); v6link's packet socket drops: $(pkt_sock_drops)"
	log "v6link peak RSS: $(awk '/^VmHWM/ { print $2, $3 }' "/proc/$V6L_PID/status" 2>/dev/null)"
	stop_pid "$V6L_PID"
	V6L_PID=''
}

# --- (b) Tayga: the same static mapping style, its TUN nat64 in the same client namespace ---
tayga_half() {
	if ! command -v tayga >/dev/null; then
		log "Tayga part skipped: tayga missing (apt-get install tayga)"
		ROWS+=("tayga	-	skipped	-	-	-	-	-")
		return 0
	fi
	local mtu
	mtu=$(in_ns "$NS_C" cat /sys/class/net/eth0/mtu)
	[ "$PPPOE" = 1 ] && mtu=1492 # the session's MTU: the same IPv4 packet sizes as v6link46
	cat >"$RUN/tayga.conf" <<-EOF
	tun-device nat64
	ipv4-addr $TG_OWN4
	ipv6-addr $TG_OWN6
	map $TG_SRV4 $TG_SRV6
	map $TG_APP4 $TG_APP6
	EOF
	# The TUN first (persistent), so its MTU is set before Tayga reads it: the link's MTU - 20,
	# as v6link sizes v6link46, so both translators see the same IPv4 packet sizes.
	in_ns "$NS_C" tayga -c "$RUN/tayga.conf" --mktun >>"$RUN/tayga.log" 2>&1 || return 1
	ip -n "$NS_C" link set nat64 mtu $((mtu - 20)) up
	ip -n "$NS_C" addr add "$TG_APP4/32" dev lo
	ip -n "$NS_C" route add "$TG_SRV4/32" dev nat64 src "$TG_APP4"
	ip -n "$NS_C" route add "$TG_OWN4/32" dev nat64
	ip -n "$NS_C" -6 route add "$TG_APP6/128" dev nat64
	ip -n "$NS_C" -6 route add "$TG_OWN6/128" dev nat64
	# The kernel forwards Tayga's IPv6 to the segment and the server's replies for TG_APP6 back
	# into nat64; it answers NS for TG_APP6 on eth0 (proxy NDP, no delay).
	in_ns "$NS_C" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.eth0.accept_ra=2 \
		net.ipv6.conf.eth0.proxy_ndp=1 net.ipv6.neigh.eth0.proxy_delay=0
	ip -n "$NS_C" -6 neigh add proxy "$TG_APP6" dev eth0
	ip netns exec "$NS_C" "${PIN[@]}" tayga -c "$RUN/tayga.conf" --nodetach >>"$RUN/tayga.log" 2>&1 &
	TG_PID=$!
	sleep 0.5
	kill -0 "$TG_PID" 2>/dev/null || { log "tayga exited; see $RUN/tayga.log"; TG_PID=''; return 1; }
	timeout 10 ip netns exec "$NS_C" ping -4 -c 2 -i 0.2 -W 2 "$TG_SRV4" >>"$RUN/ping.log" 2>&1 ||
		log "warning: no IPv4 ping reply from $TG_SRV4 through Tayga"
	measure_path tayga "$TG_PID" -4 "$TG_SRV4"
	log "nat64 TX drops (TUN queue full): $(tun_tx_drops nat64)"
	stop_pid "$TG_PID"
	TG_PID=''
	in_ns "$NS_C" sysctl -qw net.ipv6.conf.all.forwarding=0
}

print_table() {
	local r n d tg tr tc us ul uc
	local pg up
	printf '\n%-13s %-4s %10s %8s %5s %7s %12s %6s %5s %6s\n' translator dir "TCP Gbit/s" retr CPU% "%/Gbit" "UDP64 pkt/s" loss% CPU% "us/pkt"
	for r in "${ROWS[@]}"; do
		IFS=$'\t' read -r n d tg tr tc us ul uc <<<"$r"
		pg=$(awk -v c="$tc" -v g="$tg" 'BEGIN { if (c + 0 > 0 && g + 0 > 0) printf "%.0f", c / g; else print "-" }')
		up=$(awk -v c="$uc" -v p="$us" 'BEGIN { if (c + 0 > 0 && p + 0 > 0) printf "%.2f", c / 100 / p * 1e6; else print "-" }')
		printf '%-13s %-4s %10s %8s %5s %7s %12s %6s %5s %6s\n' "$n" "$d" "$tg" "$tr" "$tc" "$pg" "$us" "$ul" "$uc" "$up"
	done
	printf '(retr: TCP segments the sender retransmitted; CPU%%: the translator process, user + system,\n'
	printf ' 100 = one core; %%/Gbit: that CPU per Gbit/s of TCP; UDP64 pkt/s: packets the receiver got;\n'
	printf ' loss%%: of the packets sent; us/pkt: the translator CPU per UDP packet received)\n'
	if [ -n "$RESULTS" ]; then
		{
			printf 'translator\tdirection\ttcp_gbit_s\ttcp_retransmits\ttcp_cpu_pct\tudp64_pps\tudp64_loss_pct\tudp64_cpu_pct\n'
			printf '%s\n' "${ROWS[@]}"
		} >"$RESULTS"
	fi
}

log "nat46 bench: $(uname -r), $(nproc) CPUs, $(iperf3 --version | head -1), ${DURATION}s per run, WIRE=$WIRE, namespaces $NS_C $NS_S"
if [ "$PPPOE" = 1 ]; then
	setup_net_pppoe || { log "namespace setup failed"; exit 1; }
else
	setup_net || { log "namespace setup failed"; exit 1; }
fi
measure_path ipv6-direct '' -6 "$TG_SRV6"
rc=0
if [ "$ONLY" != tayga ] && ! v6link_half; then
	log "v6link part failed"
	ROWS+=("v6link-nat46	-	failed	-	-	-	-	-")
	rc=1
fi
stop_pid "$V6L_PID"
V6L_PID=''
if [ "$ONLY" != v6link ] && ! tayga_half; then
	log "Tayga part failed"
	ROWS+=("tayga	-	failed	-	-	-	-	-")
	rc=1
fi
print_table
exit $rc
