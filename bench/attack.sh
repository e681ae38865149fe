#!/usr/bin/env bash
# Attack suite (issue #13 item 5): hostile peers against a running v6link, each attack bounded in
# time (ATTACK_SECS, default 15) and count, inside namespaces created here only (v6l-e*):
#   router mode on a LAN segment (tests/interop/lan.sh: radvd + kea on r1): thc-ipv6's
#     fake_router6, fake_dhcps6 and dos-new-ip6 (both while the connection is taken down and up,
#     so that it solicits and runs DAD under attack) and flood_router6, from a namespace on the
#     same bridge;
#   dial-up against the UML ISP (tests/interop/isp.sh, use_ipv4=0 so NAT46 and the DNS proxy run):
#     a DNS flood at the proxy from the host (dnsperf) and from a LAN namespace routed through the
#     host, malformed datagrams and idle TCP clients at the proxy; then a scapy access
#     concentrator (bench/attack_ac.py) spoofing the AC: malformed discovery while the client
#     redials, LCP Nak storms, looped magic numbers, wrong lengths, oversized IPCP/IPv6CP options
#     (ac-cpopts where they cannot restart a negotiation; ac-cpreq, 20 a second, in well-formed
#     Configure-Requests, which make both ends renegotiate: checked against the AC's link-local).
# For each: the daemon stays alive, its peak RSS during the attack (VmHWM, reset before it through
# /proc/PID/clear_refs), the drop counters of `status --json` that moved, and legitimate traffic
# (a ping through the router or the session every 0.2 s during the attack, then one that must
# answer within RECOVER_SECS after it). Prints a table; exits 1 if the daemon died or the
# legitimate traffic did not come back, 2 on set-up failure.
# Usage: sudo bench/attack.sh [BUILD_DIR] (default build); ATTACK_SECS=15 RECOVER_SECS=30;
# ONLY=router|dialup runs one half, ONLY=NAME,NAME... those attacks (names as in the table). Not run in CI (about 6 minutes).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$TOP/build}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "attack: no build dir ${1:-build}"; exit 2; }
export V6L_BIN=$BUILD/v6link
export NS_CLI=v6l-ecli NS_ISP=v6l-eisp NS_FAR=v6l-efar
export T_NAME=attack
T_RUN=$(mktemp -d /tmp/v6l-attack.XXXXXX)
export T_RUN
SECS=${ATTACK_SECS:-15}
RECOVER=${RECOVER_SECS:-30}
ONLY=${ONLY:-}
NS_ATK=v6l-eatk
NS_LAN=v6l-elan
AC_MAC=02:76:36:00:00:01
CLI_MAC=02:76:36:00:00:10
source "$TOP/tests/interop/lib.sh"
source "$TOP/tests/interop/lan.sh"
BG_PIDS=()
ROWS=()
BAD=0

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	BG_PIDS=()
	v6l_stop >/dev/null 2>&1
	lan_down >/dev/null 2>&1
	bash "$T_HERE/isp.sh" down "$ISP_RUN" >/dev/null 2>&1
	ip netns del "$NS_ATK" 2>/dev/null
	ip netns del "$NS_LAN" 2>/dev/null
	rm -rf "/etc/netns/$NS_CLI"
	[ -n "${KEEP:-}" ] || rm -rf "$T_RUN"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -x "$V6L_BIN" ] || { echo "attack: no $V6L_BIN (build first)"; exit 2; }
for c in atk6-fake_router6 dnsperf radvd kea-dhcp6; do
	command -v "$c" >/dev/null || { echo "attack: $c not installed (make deps)"; exit 2; }
done

# ---------------------------------------------------------------------------------------------
# Measurements
alive() { [ -n "$V6L_PID" ] && kill -0 "$V6L_PID" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$V6L_PID/status"; }
# hwm_reset / hwm: the daemon's peak resident set since the last reset, in kB.
hwm_reset() { alive && echo 5 >"/proc/$V6L_PID/clear_refs" 2>/dev/null; }
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$V6L_PID/status" 2>/dev/null || echo "-"; }
# counters: every drop-like counter in status --json, flattened to "path=value" lines.
counters() {
	v6l status --json 2>/dev/null | python3 -c '
import json, sys
def walk(p, v):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(p + [k], x)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        key = ".".join(p)
        if key.endswith("dns.queries") or any(w in key for w in (
                "drop", "refused", "rate_limited", "truncated", "bad", "servfail",
                "ignored", "discarded", "rejected", "malformed", "evicted")):
            print("%s=%d" % (key, v))
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
for c in d.get("connections", []):
    walk([], c)
walk(["ctl"], d.get("ctl", {}))
'
}
# delta BEFORE AFTER: the counters that moved, "name +N" comma separated ("none" if none).
delta() {
	python3 - "$1" "$2" <<-'EOF'
	import sys
	def load(s):
	    return dict(l.split("=", 1) for l in s.splitlines() if "=" in l)
	a, b = load(sys.argv[1]), load(sys.argv[2])
	out = ["%s +%d" % (k.replace("counters.drops.", "").replace("nat46.dns.", "dns.")
	                   .replace("ipv6.ra.", "ra."), int(v) - int(a.get(k, 0)))
	       for k, v in sorted(b.items()) if int(v) > int(a.get(k, 0))]
	print(", ".join(out) if out else "none")
	EOF
}
# legit_bg NAME CMD...: CMD every 0.2 s for the attack's time (and 1 s more), results counted in
# $T_RUN/NAME.legit as "ok" / "fail" lines.
legit_bg() {
	local name=$1
	shift
	: >"$T_RUN/$name.legit"
	(
		end=$((SECONDS + SECS + 1))
		while [ $SECONDS -lt $end ]; do
			if "$@" >/dev/null 2>&1; then echo ok; else echo fail; fi
			sleep 0.2
		done >>"$T_RUN/$name.legit"
	) &
	LEGIT_PID=$!
}
legit_during() { # NAME: "ok/total"
	local ok tot
	ok=$(grep -c '^ok' "$T_RUN/$1.legit")
	tot=$(grep -c . "$T_RUN/$1.legit")
	echo "$ok/$tot"
}
# legit_after CMD...: seconds until CMD succeeds (within RECOVER), or "no".
legit_after() {
	local t0=$SECONDS
	while [ $((SECONDS - t0)) -le "$RECOVER" ]; do
		if "$@" >/dev/null 2>&1; then
			echo "$((SECONDS - t0))s"
			return 0
		fi
		sleep 0.5
	done
	echo no
	return 1
}
# want NAME: NAME is to run (ONLY empty, router, dialup, or a comma-separated list of names).
want() {
	case "$ONLY" in
	"" | router | dialup) return 0 ;;
	*) [[ ",$ONLY," == *",$1,"* ]] ;;
	esac
}
# record NAME SENT BEFORE_COUNTERS LEGIT_DURING LEGIT_AFTER_CMD...
record() {
	local name=$1 sent=$2 before=$3 during=$4 after isalive peak d
	shift 4
	after=$(legit_after "$@")
	if alive; then isalive=yes; else isalive=NO; BAD=1; fi
	[ "$after" != no ] || BAD=1
	peak=$(hwm)
	d=$(delta "$before" "$(counters)")
	ROWS+=("$name|$SECS|$sent|$isalive|$peak|$d|$during, after: $after")
	t_log "$name: sent $sent, alive $isalive, peak RSS ${peak} kB, drops: $d; legit during $during, after $after"
}
# tx NS IF: packets sent so far by IF in NS
tx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_packets"; }

# ---------------------------------------------------------------------------------------------
# Router mode: r1 (radvd M+O, kea) on the bridge, the attacker on its own port.
SLAAC=2001:db8:1:0:76:36ff:fe00:10
ping_far() { in_cli ping -6 -c 1 -W 1 -I "$SLAAC" "$LAN_FAR6"; }
slaac_ready() { in_cli ip -6 addr show dev eth0 | grep "inet6 $SLAAC/" | grep -v tentative >/dev/null; }

router_setup() {
	lan_up
	lan_radvd "$NS_R1" 1 on on
	lan_kea
	ip netns add "$NS_ATK"
	lan_link "$NS_ATK" eth0 p-atk
	ip -n "$NS_ATK" link set lo up
	mkdir -p "$V6L_CONF"
	printf '[param]\nfunc_trace = 1\ntrace_dir = %s/trace\n' "$T_RUN" >"$V6L_CONF/v6link.ini"
	printf '[lan]\ndial_string = if=eth0\nmode = router\nprefix_delegation = 0\n' >"$V6L_CONF/connections.ini"
	v6l_start run lan
	v6l_wait_state up 30 || return 1
	wait_json "any(a['source'] == 'dhcpv6' for a in c['ipv6']['addresses'])" 30 || return 1
	local i
	for ((i = 0; i < 100; i++)); do slaac_ready && break; sleep 0.2; done
	legit_after ping_far >/dev/null
}

# router_attack NAME REDIAL(0|1) CMD...: CMD (bounded by timeout) from the attacker namespace;
# with REDIAL=1 the connection goes down and up 2 s into the attack.
router_attack() {
	local name=$1 redial=$2 before tx0 sent during
	shift 2
	want "$name" || return 0
	t_log "--- $name"
	before=$(counters)
	hwm_reset
	tx0=$(tx "$NS_ATK" eth0)
	legit_bg "$name" ping_far
	ip netns exec "$NS_ATK" timeout -s INT "$SECS" "$@" >"$T_RUN/$name.out" 2>&1 &
	local apid=$!
	if [ "$redial" = 1 ]; then
		sleep 2
		v6l down lan >/dev/null 2>&1
		sleep 1
		v6l up lan >/dev/null 2>&1
	fi
	wait "$apid"
	wait "$LEGIT_PID"
	sent=$(($(tx "$NS_ATK" eth0) - tx0))
	during=$(legit_during "$name")
	record "$name" "$sent" "$before" "$during" ping_far
	v6l status >"$T_RUN/$name.status" 2>&1
	local nr ns
	nr=$(v6l_json "len(c['ipv6']['routers'])" 2>/dev/null)
	ns=$(in_cli ip -6 route show | grep -c '^default from')
	t_log "$name: routers in status ${nr:-?}, v6link's source routes $ns, state $(v6l_json "c['state']" 2>/dev/null), addresses that failed DAD: $(in_cli ip -6 addr show dev eth0 dadfailed | grep -c inet6)"
}

router_suite() {
	t_log "=== router mode (LAN segment, radvd + kea on r1)"
	router_setup || { t_log "router mode set-up failed"; tail -30 "$V6L_LOG"; BAD=1; return; }
	router_attack fake_router6 0 atk6-fake_router6 eth0 2001:db8:bad::/64
	router_attack fake_dhcps6 1 atk6-fake_dhcps6 eth0 2001:db8:bad:d::/64 2001:db8:bad::53
	router_attack dos-new-ip6 1 atk6-dos-new-ip6 eth0
	router_attack flood_router6 0 atk6-flood_router6 eth0
	v6l_stop
	lan_down
	ip netns del "$NS_ATK" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Dial-up: the UML ISP; NAT46 and the DNS proxy on (use_ipv4=0).
ping_far6() { in_cli ping -6 -c 1 -W 1 "$FAR6"; }
# The AC's own link-local over the session: the session works even where the test ISP lost its
# route to the line's prefix (its pppd does not run ipv6-up again after an IPv6CP renegotiation).
ping_ac_ll() { in_cli ping -6 -c 1 -W 1 fe80::1%v6link0; }
dig_proxy() { in_cli dig +time=1 +tries=1 +short @192.0.0.1 A v6only.isp.example | grep -E '^198\.1[89]\.' >/dev/null; }
legit_dialup() { ping_far6 && dig_proxy; }

dialup_setup() {
	isp_up RA=slaac FAR_DNS=1 >"$T_RUN/isp.log" 2>&1 || { cat "$T_RUN/isp.log"; return 1; }
	mkdir -p "/etc/netns/$NS_CLI"
	echo "nameserver 192.0.2.53" >"/etc/netns/$NS_CLI/resolv.conf"
	v6l_conf use_ipv4=0
	v6l_start
	v6l_wait_state up 30 || return 1
	wait_json "c['nat46']['state'] == 'on'" 20 || return 1
	legit_after legit_dialup >/dev/null
	# A LAN behind the host: 10.99.0.0/24, the host forwards; the proxy's 192.0.0.1 routed to it.
	ip netns add "$NS_LAN"
	ip -n "$NS_LAN" link set lo up
	ip link add lan0 netns "$NS_CLI" type veth peer name eth0 netns "$NS_LAN"
	ip -n "$NS_CLI" addr add 10.99.0.1/24 dev lan0
	ip -n "$NS_CLI" link set lan0 up
	ip -n "$NS_LAN" addr add 10.99.0.2/24 dev eth0
	ip -n "$NS_LAN" link set eth0 up
	ip -n "$NS_LAN" route add default via 10.99.0.1
	in_cli sysctl -qw net.ipv4.ip_forward=1
	# Queries: 200 existing names (A of the AAAA-only name: synthesized; AAAA, A of the dual
	# stack name) and 2000 names that do not exist.
	local i
	for ((i = 1; i <= 2000; i++)); do
		echo "nx$i.isp.example A"
		[ $((i % 10)) != 0 ] || printf '%s\n' "v6only.isp.example A" "host.isp.example AAAA" "host.isp.example A"
	done >"$T_RUN/queries.txt"
}

# dns_attack NAME NS DNSPERF_ARGS...: dnsperf from NS at the proxy for SECS.
dns_attack() {
	local name=$1 ns=$2 before sent during
	shift 2
	want "$name" || return 0
	t_log "--- $name"
	before=$(counters)
	hwm_reset
	legit_bg "$name" legit_dialup
	ip netns exec "$ns" timeout $((SECS + 10)) dnsperf -s 192.0.0.1 -d "$T_RUN/queries.txt" \
		-l "$SECS" -t 1 -c 20 -q 500 "$@" >"$T_RUN/$name.out" 2>&1
	wait "$LEGIT_PID"
	sent=$(awk '/Queries sent:/ { print $3 }' "$T_RUN/$name.out")
	local ans
	ans=$(awk '/Queries completed:/ { print $3 }' "$T_RUN/$name.out")
	during=$(legit_during "$name")
	record "$name" "${sent:-?} (answered ${ans:-?})" "$before" "$during" legit_dialup
}

# dns_junk: malformed datagrams at the proxy for SECS (2000/s) and 300 TCP clients that send
# half a length prefix and stay; from the host.
dns_junk() {
	local name=dns-junk+tcp-idle before during out
	want "$name" || return 0
	t_log "--- $name"
	before=$(counters)
	hwm_reset
	legit_bg "$name" legit_dialup
	out=$(in_cli timeout $((SECS + 10)) python3 - "$SECS" <<-'EOF'
	import random, socket, sys, time
	secs = float(sys.argv[1])
	rnd = random.Random(13)
	u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	tcp = []
	for _ in range(300):
	    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	    t.settimeout(1)
	    try:
	        t.connect(("192.0.0.1", 53))
	        t.send(b"\x00")
	        tcp.append(t)
	    except OSError:
	        t.close()
	sent, t0 = 0, time.monotonic()
	while time.monotonic() - t0 < secs:
	    for _ in range(20):
	        n = rnd.choice((0, 1, 11, 12, 13, 17, 30, 300, 512, 1400))
	        # a DNS header claiming 65535 questions, or random octets
	        d = (b"\x13\x37\x01\x00\xff\xff\x00\x00\x00\x00\x00\x00" + bytes(rnd.randrange(256) for _ in range(n))
	             if rnd.random() < 0.5 else bytes(rnd.randrange(256) for _ in range(n)))
	        u.sendto(d, ("192.0.0.1", 53))
	        sent += 1
	    time.sleep(0.01)
	print("%d %d" % (sent, len(tcp)))
	EOF
	)
	wait "$LEGIT_PID"
	during=$(legit_during "$name")
	record "$name" "${out% *} udp, ${out#* } tcp" "$before" "$during" legit_dialup
}

# ac_attack KIND [REDIAL(0|1) [PPS [LEGIT]]]: attack_ac.py KIND from the ISP namespace on the
# access segment, PPS frames a second (2000), legitimate traffic LEGIT (ping_far6).
ac_attack() {
	local kind=$1 redial=${2:-0} pps=${3:-2000} legit=${4:-ping_far6} name=ac-$1 before during sid
	want "$name" || return 0
	t_log "--- $name"
	sid=$(v6l_json "c['session_id']" 2>/dev/null)
	before=$(counters)
	hwm_reset
	legit_bg "$name" "$legit"
	ip netns exec "$NS_ISP" timeout $((SECS + 10)) /usr/bin/python3 "$TOP/bench/attack_ac.py" "$kind" \
		-i cli0 --ac-mac "$AC_MAC" --cli-mac "$CLI_MAC" --sid "${sid:-1}" --secs "$SECS" \
		--pps "$pps" --max $((SECS * pps)) >"$T_RUN/$name.out" 2>&1 &
	local apid=$!
	if [ "$redial" = 1 ]; then
		sleep 2
		v6l down dsl >/dev/null 2>&1
		sleep 1
		v6l up dsl >/dev/null 2>&1
	fi
	wait "$apid"
	wait "$LEGIT_PID"
	during=$(legit_during "$name")
	record "$name" "$(awk '/^sent/ { print $2 }' "$T_RUN/$name.out")" "$before" "$during" "$legit"
	t_log "$name: $(grep -v '^sent' "$T_RUN/$name.out" | tail -2 | tr '\n' ' ')state $(v6l_json "c['state']" 2>/dev/null), session $(v6l_json "c['session_id']" 2>/dev/null) (was $sid)"
	if ! ping_far6 >/dev/null 2>&1; then # what the ISP has for the line, to explain it
		isp exec 'ip -6 addr show dev ppp0; ip -6 route show dev ppp0' >"$T_RUN/$name.isp" 2>&1
		t_log "$name: far host not reachable; the ISP's ppp0: $(tr '\n' ' ' <"$T_RUN/$name.isp" | cut -c1-400)"
	fi
}

dialup_suite() {
	t_log "=== dial-up (UML ISP, NAT46 + DNS proxy)"
	dialup_setup || { t_log "dial-up set-up failed"; tail -30 "$V6L_LOG"; BAD=1; return; }
	dns_attack dns-flood-host "$NS_CLI"
	dns_attack dns-flood-lan "$NS_LAN" -q 2000
	dns_junk
	ac_attack disc 1
	ac_attack nak
	ac_attack magic
	ac_attack lengths
	ac_attack cpopts
	ac_attack cpreq 0 20 ping_ac_ll
	v6l_stop
}

# ---------------------------------------------------------------------------------------------
t_log "v6link $("$V6L_BIN" version 2>/dev/null | head -1), $(uname -r), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
want_suite() { # router|dialup: whether ONLY leaves an attack of that half
	case "$ONLY" in
	"") return 0 ;;
	router | dialup) [ "$ONLY" = "$1" ] ;;
	*) [ "$1" = router ] && [[ ",$ONLY," == *,fake_* || ",$ONLY," == *,flood_* || ",$ONLY," == *,dos-* ]] ||
		{ [ "$1" = dialup ] && [[ ",$ONLY," == *,dns-* || ",$ONLY," == *,ac-* ]]; } ;;
	esac
}
want_suite router && router_suite
want_suite dialup && dialup_suite
echo
printf '%s\n' "attack|secs|sent|alive|peak RSS kB|drops counted (status --json)|legit traffic (during, recovery)" "${ROWS[@]}" |
	python3 -c '
import sys
rows = [l.rstrip("\n").split("|") for l in sys.stdin]
w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for r in rows:
    print(" | ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
'
if [ "$BAD" != 0 ]; then
	echo "attack: FAIL (the daemon died or legitimate traffic did not come back)"
	tail -20 "$V6L_LOG" 2>/dev/null
	exit 1
fi
echo "attack: OK"
