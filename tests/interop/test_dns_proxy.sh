#!/bin/bash
# DNS proxy against a real upstream (issue #5): namespace 'client' runs tests/interop/dns_proxy_drv,
# namespace 'server' runs dnsmasq listening on IPv6 only. IPv4 clients reach the IPv6-only server,
# A records are synthesized from AAAA (pool 198.18.0.0/15) with PTR back, TCP (RFC 7766), EDNS0
# and truncation, failover, cache, source port and ID randomness (RFC 5452 §9.2). The closed
# surface (issue #13): the server namespace, a LAN client, gets nothing over UDP or TCP, nor with
# the client's own IPv6 address as a spoofed source; a rate limit per source; UDP answers of at
# most 1232 octets; at most 32 TCP clients; a TCP client that sends a byte now and then is closed
# after the idle time.
# Usage: sudo tests/interop/test_dns_proxy.sh   (DP_DRV=path/to/dns_proxy_drv to override)
source "$(dirname "$0")/lib.sh"
DP_DRV=${DP_DRV:-$(dirname "$V6L_BIN")/tests/interop/dns_proxy_drv}
P=v6l-dp-$$
NS_C=$P-c
NS_S=$P-s
RUN=/tmp/$P
V4=10.53.0.1       # the proxy's IPv4 listen address (client namespace)
V6=2001:db8:53::1  # ... and its IPv6 one
V6LO=2001:db8:5353::1 # an IPv6 listen address on the client's lo (port 5356)
UP=2001:db8:53::53 # dnsmasq (server namespace), IPv6 only
DEAD=2001:db8:53::99 # no host: queries to it vanish
UP4=10.53.0.53     # a second dnsmasq, IPv4 only
UPB=2001:db8:53::54 # a third one, answering up to 4096 octets over UDP
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
in_c ip addr add $V6LO/128 dev lo
in_s ip addr add $UP/64 dev s0 nodad
in_s ip addr add $UP4/24 dev s0
in_s ip addr add $UPB/64 dev s0 nodad
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

# a third upstream sending UDP answers of up to 4096 octets (dnsmasq's default is 1232)
ip netns exec "$NS_S" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root \
	--pid-file= --listen-address=$UPB --bind-interfaces --port=53 --local=/test.example/ \
	--local-ttl=300 --host-record=dual.test.example,192.0.2.10,2001:db8:ff::11 --edns-packet-max=4096 \
	--txt-record=huge.test.example,$BIG --txt-record=huge.test.example,${BIG/dddd/eeee} \
	2>"$RUN/dnsmasqb.err" &
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
# 5356: 20 queries a second per source, IPv4 and an IPv6 address on lo
ip netns exec "$NS_C" "$DP_DRV" --listen $V4,$V6LO --port 5356 --upstream $UPB --rate-limit 20 \
	>"$RUN/rl.json" 2>"$RUN/rl.err" &
PIDS+=($!)
DRV_RL=${PIDS[-1]}
for _ in $(seq 50); do
	grep -q ready "$RUN/route.err" "$RUN/noroute.err" "$RUN/failover.err" 2>/dev/null &&
		[ "$(grep -l ready "$RUN"/*.err | wc -l)" = 5 ] &&
		in_s sh -c "ss -lnu | grep -q '\[$UP\]:53'" && break
	sleep 0.1
done
t_check "proxies and dnsmasq up" test "$(grep -l ready "$RUN"/*.err | wc -l)" = 5

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
open=$(in_c ss -uan | grep -vc -e ":53 " -e ":5353 " -e ":5354 " -e ":5355 " -e ":5356 " -e State)
t_check "upstream_sockets_closed_after_answer ($open left)" test "$open" = 0

# ---- closed surface (issue #13) ----
# A TCP client that sends a byte a second and never a whole query: closed after the idle time
# (10 s), however often bytes come (in the background while the rest runs).
in_c timeout 20 python3 - "$V4" >"$RUN/drip.txt" 2>&1 <<-'PY' &
	import socket, sys, time
	s = socket.create_connection((sys.argv[1], 53), timeout=2)
	t0 = time.time()
	msg = b"\x00\x40" + b"\x00" * 64
	for b in msg:
	    try:
	        s.send(bytes([b]))
	        s.settimeout(1)
	        if s.recv(1) == b"":
	            break
	    except socket.timeout:
	        continue
	    except OSError:
	        break
	print(round(time.time() - t0, 1))
	PY
DRIP=$!
# The server namespace is a LAN client on the client's segment: UDP, TCP and IPv6 get nothing.
r0=$(stats "$DRV_ROUTE" route drop_not_host)
n0=$(stats "$DRV_ROUTE" route queries)
lan() { in_s dig -p 53 +time=2 +tries=1 "$@" AAAA dual.test.example 2>&1; }
out=$(lan @$V4)
t_check "closed_lan_udp_gets_nothing ($(grep -o 'timed out' <<<"$out" | head -1))" \
	bash -c "! grep -q 'status:' <<<'$out' && grep -q 'timed out' <<<'$out'"
out=$(lan @$V4 +tcp)
t_check "closed_lan_tcp_gets_nothing ($(grep -o -E 'end of file|reset|timed out' <<<"$out" | head -1))" \
	bash -c "! grep -q 'status:' <<<'$out'"
out=$(lan @$V6)
t_check "closed_lan_udp_ipv6_gets_nothing" bash -c "! grep -q 'status:' <<<'$out'"
r1=$(stats "$DRV_ROUTE" route drop_not_host)
n1=$(stats "$DRV_ROUTE" route queries)
t_check "closed_lan_refused_counted (drop_not_host $r0 -> $r1, queries $n0 -> $n1)" \
	bash -c "[ $r1 = $((r0 + 3)) ] && [ $n1 = $n0 ]"
a=$(q 53 @$V4 AAAA dual.test.example +short)
b=$(q 53 @$V4 +tcp AAAA dual.test.example +short)
t_check "closed_host_still_answered ($a, tcp $b)" \
	bash -c "[ '$a' = 2001:db8:ff::11 ] && [ '$b' = 2001:db8:ff::11 ]"
# A LAN client sending from the client's own IPv6 address (Linux takes it: no martian check for
# IPv6) to the address on lo: it comes in on c0, not where the host's own datagrams do.
in_s ip -6 route add $V6LO/128 via $V6
r0=$(stats "$DRV_RL" rl drop_not_host)
n0=$(stats "$DRV_RL" rl queries)
in_s /usr/bin/python3 - "$V6" "$V6LO" >>"$RUN/scapy.log" 2>&1 <<-'PY'
	import sys
	from scapy.all import IPv6, UDP, DNS, DNSQR, send, conf
	conf.verb = 0
	send(IPv6(src=sys.argv[1], dst=sys.argv[2]) / UDP(sport=40000, dport=5356) /
	     DNS(rd=1, qd=DNSQR(qname="dual.test.example", qtype="AAAA")), iface="s0", count=3)
	PY
sleep 0.3
r1=$(stats "$DRV_RL" rl drop_not_host)
n1=$(stats "$DRV_RL" rl queries)
t_check "closed_spoofed_host_ipv6_source_refused (drop_not_host $r0 -> $r1, queries $n0 -> $n1)" \
	bash -c "[ $r1 = $((r0 + 3)) ] && [ $n1 = $n0 ]"
a=$(q 5356 @$V6LO AAAA dual.test.example +short)
t_check "closed_host_to_lo_address_answered ($a)" test "$a" = 2001:db8:ff::11
# 20 queries a second per source: 60 at once from the host get about 20 answers.
sleep 1.1
got=$(in_c timeout 10 python3 - "$V4" <<-'PY'
	import socket, struct, sys, time
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	q = b"\x04dual\x04test\x07example\x00" + struct.pack(">HH", 28, 1)
	for i in range(60):
	    s.sendto(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + q, (sys.argv[1], 5356))
	got, end = set(), time.time() + 1.5
	s.settimeout(0.2)
	while time.time() < end:
	    try:
	        got.add(struct.unpack(">H", s.recv(2048)[:2])[0])
	    except socket.timeout:
	        pass
	print(len(got))
	PY
)
rl=$(stats "$DRV_RL" rl drop_ratelimit)
t_check "closed_rate_limit_per_source ($got of 60 answered, drop_ratelimit $rl)" \
	bash -c "[ '${got:-0}' -ge 18 ] && [ '${got:-0}' -le 25 ] && [ $((got + rl)) = 60 ]"
# RFC 6891 §6.2.5, DNS Flag Day 2020: a 1.4 kB answer asked with EDNS 4096 is cut to TC over UDP.
sleep 0.1
tr0=$(stats "$DRV_RL" rl truncated)
out=$(q 5356 @$V4 +ignore +bufsize=4096 TXT huge.test.example)
size=$(awk '/MSG SIZE/ { print $NF }' <<<"$out")
tr1=$(stats "$DRV_RL" rl truncated)
t_check "rfc6891_6_2_5_udp_answer_capped_at_1232 (tc, $size octets, truncated $tr0 -> $tr1)" \
	bash -c "grep -q 'flags:.* tc' <<<'$out' && [ '${size:-9999}' -le 1232 ] && [ $tr1 = $((tr0 + 1)) ]"
out=$(q 5356 @$V4 +tcp +bufsize=4096 TXT huge.test.example)
size=$(awk '/MSG SIZE/ { print $NF }' <<<"$out")
t_check "rfc7766_huge_answer_whole_over_tcp ($size octets)" \
	bash -c "grep -q 'ANSWER: 2' <<<'$out' && [ '${size:-0}' -gt 1232 ]"
# At most 32 TCP clients at once (DNS_PROXY_TCP_CONNS_MAX): of 40 held open, 8 are closed.
lim0=$(stats "$DRV_RL" rl drop_tcp_limit)
closed=$(in_c timeout 10 python3 - "$V4" <<-'PY'
	import socket, sys, time
	socks = [socket.create_connection((sys.argv[1], 5356), timeout=2) for _ in range(40)]
	time.sleep(0.5)
	closed = 0
	for s in socks:
	    s.setblocking(False)
	    try:
	        closed += s.recv(1) == b""
	    except BlockingIOError:
	        pass
	    except OSError:
	        closed += 1
	print(closed)
	PY
)
lim1=$(stats "$DRV_RL" rl drop_tcp_limit)
t_check "closed_tcp_clients_bounded_at_32 ($closed of 40 closed, drop_tcp_limit $lim0 -> $lim1)" \
	bash -c "[ '$closed' = 8 ] && [ $lim1 = $((lim0 + 8)) ]"
wait "$DRIP"
drip=$(cat "$RUN/drip.txt")
t_check "rfc7766_6_2_3_tcp_trickle_closed_when_idle (after $drip s)" \
	python3 -c "import sys; sys.exit(0 if 9.5 <= float('${drip:-0}') <= 13 else 1)"

# ---- stats at exit ----
kill -TERM "$DRV_ROUTE"
wait "$DRV_ROUTE" 2>/dev/null
t_log "stats (port 53): $(tail -1 "$RUN/route.json")"
syn=$(tail -1 "$RUN/route.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['synthesized'])")
t_check "stats_json_at_exit (synthesized $syn)" bash -c "[ '${syn:-0}' -ge 3 ]"
exit $T_FAILED
