#!/bin/bash
# DNS proxy against a real upstream (issue #5): namespace 'client' runs tests/interop/dns_proxy_drv,
# namespace 'server' runs dnsmasq listening on IPv6 only. IPv4 clients reach the IPv6-only server,
# A records are synthesized from AAAA (pool 198.18.0.0/15) with PTR back, TCP (RFC 7766), EDNS0
# and truncation, failover, cache, source port and ID randomness (RFC 5452 §9.2).
# Usage: sudo tests/interop/test_dns_proxy.sh   (DP_DRV=path/to/dns_proxy_drv to override)
source "$(dirname "$0")/lib.sh"
DP_DRV=${DP_DRV:-$(dirname "$V6L_BIN")/tests/interop/dns_proxy_drv}
P=v6l-dp-$$
NS_C=$P-c
NS_S=$P-s
RUN=/tmp/$P
V4=10.53.0.1       # the proxy's IPv4 listen address (client namespace)
V6=2001:db8:53::1  # ... and its IPv6 one
UP=2001:db8:53::53 # dnsmasq (server namespace), IPv6 only
DEAD=2001:db8:53::99 # no host: queries to it vanish
UP4=10.53.0.53     # a second dnsmasq, IPv4 only
PIDS=()

dp_cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -rf "$RUN"
}
trap dp_cleanup EXIT
trap 'exit 130' INT TERM

in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }
# q PORT ARGS...: dig in the client namespace, short timeouts.
q() { local port=$1; shift; in_c dig -p "$port" +time=3 +tries=1 "$@"; }

[ -x "$DP_DRV" ] || { t_fail "driver built ($DP_DRV)"; exit 1; }
command -v dig >/dev/null || { t_fail "dig installed (bind9-dnsutils)"; exit 1; }
mkdir -p "$RUN"

# ---- topology ----
ip netns add "$NS_C" && ip netns add "$NS_S" || { t_fail "namespaces"; exit 1; }
ip link add c0 netns "$NS_C" type veth peer name s0 netns "$NS_S"
in_c ip link set lo up
in_s ip link set lo up
in_c ip addr add $V4/24 dev c0
in_c ip addr add $V6/64 dev c0 nodad
in_s ip addr add $UP/64 dev s0 nodad
in_s ip addr add $UP4/24 dev s0
in_c ip link set c0 up
in_s ip link set s0 up

# ---- upstream: dnsmasq, IPv6 only ----
BIG=$(python3 -c "print(','.join('\"' + c * 200 + '\"' for c in 'abc') + ',\"' + 'd' * 100 + '\"')")
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root \
	--pid-file= \
	--listen-address=$UP --bind-interfaces --port=53 --local=/test.example/ --local-ttl=300 \
	--host-record=v6only.test.example,2001:db8:ff::10 \
	--host-record=dual.test.example,192.0.2.10,2001:db8:ff::11 \
	--txt-record=big.test.example,$BIG --txt-record=big2.test.example,$BIG \
	--log-queries --log-facility="$RUN/dnsmasq.log" 2>"$RUN/dnsmasq.err" &
PIDS+=($!)
# a second upstream on IPv4 only, for IPv6 clients
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root \
	--pid-file= --listen-address=$UP4 --bind-interfaces --port=53 --local=/test.example/ \
	--local-ttl=300 --host-record=v4only.test.example,192.0.2.20 2>"$RUN/dnsmasq4.err" &
PIDS+=($!)

# ---- proxies: 53 synthesis with IPv4 route, 5353 synthesis without, 5354 dead server first ----
start_drv() { # PORT LOG ARGS...
	local port=$1 log=$2
	shift 2
	ip netns exec "$NS_C" "$DP_DRV" --listen $V4,$V6 --port "$port" "$@" >"$RUN/$log.json" 2>"$RUN/$log.err" &
	PIDS+=($!)
}
start_drv 53 route --upstream $UP --synthesize
DRV_ROUTE=${PIDS[-1]}
start_drv 5353 noroute --upstream $UP --synthesize --no-ipv4-route
start_drv 5354 failover --upstream $DEAD,$UP
DRV_FO=${PIDS[-1]}
start_drv 5355 v4up --upstream $UP4
for _ in $(seq 50); do
	grep -q ready "$RUN/route.err" "$RUN/noroute.err" "$RUN/failover.err" 2>/dev/null &&
		[ "$(grep -l ready "$RUN"/*.err | wc -l)" = 4 ] &&
		in_s sh -c "ss -lnu | grep -q '\[$UP\]:53'" && break
	sleep 0.1
done
t_check "proxies and dnsmasq up" test "$(grep -l ready "$RUN"/*.err | wc -l)" = 4

# stats LOG: the driver's stats JSON (SIGUSR1), one key printed by python.
stats() { # PID LOG KEY
	local n
	n=$(wc -l <"$RUN/$2.json")
	kill -USR1 "$1"
	for _ in $(seq 30); do [ "$(wc -l <"$RUN/$2.json")" -gt "$n" ] && break; sleep 0.05; done
	tail -1 "$RUN/$2.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['$3'])"
}
upq() { grep -c "query\[" "$RUN/dnsmasq.log"; } # queries dnsmasq received

# ---- IPv4 client -> IPv6-only upstream, A synthesized (issue #5) ----
out=$(q 53 @$V4 A v6only.test.example +noall +answer)
POOL=$(awk '$4 == "A" {print $5; exit}' <<<"$out")
TTL=$(awk '$4 == "A" {print $2; exit}' <<<"$out")
t_check "rfc6147_synth_a_from_aaaa_over_ipv4 ($POOL ttl $TTL)" \
	bash -c "[[ '$POOL' == 198.1[89].* ]] && [ '${TTL:-99}' -le 5 ]"
ptr=$(q 53 @$V4 -x "$POOL" +short)
t_check "ptr_of_pool_address ($ptr)" test "$ptr" = "v6only.test.example."
again=$(q 53 @$V6 A v6only.test.example +short)
t_check "same_pool_address_again_over_ipv6 ($again)" test "$again" = "$POOL"
aaaa=$(q 53 @$V4 AAAA v6only.test.example +short)
t_check "aaaa_relayed ($aaaa)" test "$aaaa" = "2001:db8:ff::10"
a=$(q 53 @$V4 A dual.test.example +short)
t_check "dual_stack_real_a_with_ipv4_route ($a)" test "$a" = "192.0.2.10"
a=$(q 5353 @$V4 A dual.test.example +short)
t_check "dual_stack_pool_a_without_ipv4_route ($a)" bash -c "[[ '$a' == 198.1[89].* ]]"
out=$(q 53 @$V4 A nosuch.test.example)
t_check "rfc6147_5_1_2_nxdomain_relayed_not_synthesized" \
	bash -c "grep -q 'status: NXDOMAIN' <<<'$out' && ! grep -q '198\.1[89]' <<<'$out'"

a=$(q 5355 @$V6 A v4only.test.example +short)
t_check "ipv6_client_to_ipv4_only_upstream ($a)" test "$a" = 192.0.2.20

# ---- TCP, EDNS0, truncation ----
a=$(q 53 @$V4 +tcp A v6only.test.example +short)
t_check "rfc7766_tcp_synthesized ($a)" test "$a" = "$POOL"
out=$(q 53 @$V6 +tcp +keepopen v6only.test.example AAAA dual.test.example AAAA +short)
t_check "rfc7766_6_2_1_two_queries_one_connection" \
	bash -c "grep -q 2001:db8:ff::10 <<<'$out' && grep -q 2001:db8:ff::11 <<<'$out'"
out=$(q 53 @$V4 +bufsize=1232 TXT big.test.example)
t_check "rfc6891_edns0_big_answer_over_udp" \
	bash -c "grep -q 'udp: 1232' <<<'$out' && grep -q 'ANSWER: 1' <<<'$out' && ! grep -q 'flags:.* tc' <<<'$out'"
out=$(q 53 @$V4 +ignore +bufsize=512 TXT big.test.example)
t_check "rfc2181_9_truncated_over_udp_512" bash -c "grep -q 'flags:.* tc' <<<'$out'"
out=$(q 53 @$V4 +ignore +noedns TXT big.test.example)
t_check "rfc1035_4_2_1_truncated_without_edns" bash -c "grep -q 'flags:.* tc' <<<'$out'"
tcp_before=$(stats "$DRV_ROUTE" route upstream_tcp)
out=$(q 53 @$V4 +tcp +noedns TXT big2.test.example)
tcp_after=$(stats "$DRV_ROUTE" route upstream_tcp)
t_check "rfc7766_5_tcp_client_gets_whole_answer (upstream tcp $tcp_before -> $tcp_after)" \
	bash -c "grep -q 'ANSWER: 1' <<<'$out' && ! grep -q 'flags:.* tc' <<<'$out' &&
		grep -q dddddddddd <<<'$out' && [ $tcp_after -gt $tcp_before ]"

# ---- cache: answered for its TTL without upstream traffic ----
q 53 @$V4 AAAA dual.test.example +short >/dev/null
q 53 @$V4 A dual.test.example +short >/dev/null
n0=$(upq)
h0=$(stats "$DRV_ROUTE" route cache_hits)
a=$(q 53 @$V4 AAAA dual.test.example +short)
b=$(q 53 @$V4 A dual.test.example +short)
n1=$(upq)
h1=$(stats "$DRV_ROUTE" route cache_hits)
t_check "rfc1035_7_4_cache_hits_no_upstream_query (hits $h0 -> $h1, upstream $n0 -> $n1)" \
	bash -c "[ '$a' = 2001:db8:ff::11 ] && [ '$b' = 192.0.2.10 ] && [ $n1 = $n0 ] && [ $h1 -ge $((h0 + 2)) ]"

# ---- failover: the first server never answers ----
t0=$(date +%s%N)
a=$(in_c dig -p 5354 +time=6 +tries=1 @$V4 AAAA dual.test.example +short)
t1=$(date +%s%N)
b=$(in_c dig -p 5354 +time=6 +tries=1 @$V4 A dual.test.example +short)
t2=$(date +%s%N)
ms1=$(((t1 - t0) / 1000000))
ms2=$(((t2 - t1) / 1000000))
t_log "failover: first answer after ${ms1} ms, next (dead server backing off) after ${ms2} ms"
t_check "rfc1035_7_2_failover_to_second_server (${ms1} ms)" \
	bash -c "[ '$a' = 2001:db8:ff::11 ] && [ $ms1 -ge 1000 ] && [ $ms1 -lt 4000 ]"
t_check "dead_server_backs_off (${ms2} ms)" bash -c "[ '$b' = 192.0.2.10 ] && [ $ms2 -lt 1000 ]"
fo=$(stats "$DRV_FO" failover failovers)
to=$(stats "$DRV_FO" failover upstream_timeouts)
t_check "failover_counted (failovers $fo, timeouts $to)" bash -c "[ '$fo' = 1 ] && [ '$to' = 1 ]"

# ---- RFC 5452 §9.2: a fresh random source port and a random ID for every upstream query ----
ip netns exec "$NS_S" dumpcap -q -i s0 -f "udp and dst host $UP and dst port 53" -w "$RUN/up.pcapng" \
	2>"$RUN/dumpcap.err" &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 50); do grep -q Capturing "$RUN/dumpcap.err" 2>/dev/null && break; sleep 0.1; done
for i in $(seq 50); do echo "r$i.test.example AAAA"; done >"$RUN/batch"
in_c dig -p 53 +time=2 +tries=1 @$V4 -f "$RUN/batch" +short >/dev/null
sleep 0.5
kill "$CAP" 2>/dev/null
wait "$CAP" 2>/dev/null
tshark -r "$RUN/up.pcapng" -T fields -e udp.srcport -e dns.id 2>/dev/null >"$RUN/up.txt"
n=$(wc -l <"$RUN/up.txt")
ports=$(cut -f1 "$RUN/up.txt" | sort -u | wc -l)
ids=$(cut -f2 "$RUN/up.txt" | sort -u | wc -l)
t_check "rfc5452_9_2_source_ports_random ($ports distinct of $n)" \
	bash -c "[ $n -ge 50 ] && [ $ports -ge 45 ]"
t_check "rfc5452_4_3_ids_random ($ids distinct of $n)" bash -c "[ $n -ge 50 ] && [ $ids -ge 48 ]"
open=$(in_c ss -uan | grep -vc -e ":53 " -e ":5353 " -e ":5354 " -e ":5355 " -e State)
t_check "upstream_sockets_closed_after_answer ($open left)" test "$open" = 0

# ---- stats at exit ----
kill -TERM "$DRV_ROUTE"
wait "$DRV_ROUTE" 2>/dev/null
t_log "stats (port 53): $(tail -1 "$RUN/route.json")"
syn=$(tail -1 "$RUN/route.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['synthesized'])")
t_check "stats_json_at_exit (synthesized $syn)" bash -c "[ '${syn:-0}' -ge 3 ]"
exit $T_FAILED
