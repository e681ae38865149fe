#!/usr/bin/env bash
# NAT46 in router mode (issue #5) on a shared segment (lan.sh): r1 announces 2001:db8:1::/64 with
# radvd (RDNSS = its own 2001:db8:1::1) and serves DNS there with dnsmasq: web.lan.example (AAAA
# only: r1 itself, which serves HTTP) and far.lan.example (AAAA only: the far host behind r1).
# With mode=router nat46=on, IPv4-only clients reach both through v6link46: v6link answers
# Neighbor Solicitations for its dedicated address and reads the replies with a packet socket.
# Everything is undone on exit.
source "$(dirname "$0")/lib.sh"
source "$T_HERE/lan.sh"
t_begin
CLI_RESOLV=/etc/netns/$NS_CLI/resolv.conf
POOL_NET=198.18.0.0/15
R1_G=2001:db8:1::1
CLI_MAC=02:76:36:00:00:10
trap 'cap_stop_all; v6l_stop >/dev/null 2>&1; lan_down' EXIT

in_r1() { ip netns exec "$NS_R1" "$@"; }
has() { grep -E -- "$1" >/dev/null; }
in_net() { python3 -c "import ipaddress,sys; sys.exit(0 if ipaddress.ip_address('$1') in ipaddress.ip_network('$2', strict=False) else 1)" 2>/dev/null; }
q() { in_cli dig +time=3 +tries=2 @192.0.0.1 "$@" 2>>"$T_RUN/stderr.log"; }
nat46_gone() {
	! in_cli ip link show v6link46 >/dev/null 2>&1 &&
		! in_cli ip -4 route show table all | has '^198\.1[89]\.' &&
		! in_cli ip -4 addr | has '192\.0\.0\.[12]/'
}
# ns_answer: r1 forgets host_v6's link-layer address and solicits it (ndisc6: NS to the
# solicited-node group); prints the target link-layer address of the answer.
ns_answer() {
	in_r1 ip -6 neigh flush to "$HOST6" dev eth0 2>/dev/null
	in_r1 ndisc6 -1 -r 3 -w 1000 "$HOST6" eth0 2>&1 | awk '/Target link-layer address/ { print $NF }'
}

# ---- the segment: r1 with radvd, dnsmasq and an HTTP server on its own global address ----
lan_up
cat >"$T_RUN/radvd-r1.conf" <<-EOF
interface eth0 {
	AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; AdvDefaultLifetime 60;
	prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 300; AdvPreferredLifetime 200; };
	RDNSS $R1_G { };
	DNSSL lan.example { };
};
EOF
ip netns exec "$NS_R1" radvd -n -C "$T_RUN/radvd-r1.conf" -p "$T_RUN/radvd-r1.pid" -m logfile -l "$T_RUN/radvd-r1.log" \
	</dev/null >/dev/null 2>&1 &
LAN_PIDS+=("$!")
ip netns exec "$NS_R1" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root --group=root \
	--pid-file= --bind-interfaces --listen-address="$R1_G" --port=53 --local=/lan.example/ \
	--local-ttl=300 --host-record=web.lan.example,"$R1_G" --host-record=far.lan.example,"$LAN_FAR6" \
	--log-queries --log-facility="$T_RUN/r1-dns.log" >"$T_RUN/r1-dns.out" 2>&1 &
LAN_PIDS+=("$!")
mkdir -p "$T_RUN/www"
echo "v6link lan router" >"$T_RUN/www/index.html"
ip netns exec "$NS_R1" timeout 300 python3 -u -m http.server --bind :: --directory "$T_RUN/www" 80 \
	</dev/null >"$T_RUN/r1-http.log" 2>&1 &
LAN_PIDS+=("$!")
for _ in $(seq 50); do
	in_r1 ss -Hlun "src [$R1_G]:53" | has . && in_r1 ss -Hltn "sport = :80" | has . && break
	sleep 0.1
done
t_check "lan_r1_dns_and_http_listening" bash -c "ip netns exec $NS_R1 ss -Hlun 'src [$R1_G]:53' | grep . >/dev/null && ip netns exec $NS_R1 ss -Hltn 'sport = :80' | grep . >/dev/null"

mkdir -p "/etc/netns/$NS_CLI"
echo "nameserver 192.0.2.53" >"$CLI_RESOLV"
mkdir -p "$V6L_CONF"
printf '[param]\nfunc_trace = 1\ntrace_dir = %s/trace\n' "$T_RUN" >"$V6L_CONF/v6link.ini"
printf '[lan]\ndial_string = if=eth0\nmode = router\nprefix_delegation = 0\nnat46 = on\n' \
	>"$V6L_CONF/connections.ini"
v6l_start run lan
t_check "nat46_router_mode_up" v6l_wait_state up 20
t_check "nat46_router_mode_on" wait_json "c['mode'] == 'router' and c['nat46']['state'] == 'on'" 25
HOST6=$(v6l_json "c['nat46']['host_v6']")
t_log "host_v6 $HOST6"
v6l status | sed -n '/nat46/,$p'

# ---- host configuration ----
t_check "nat46_router_host_v6_in_announced_prefix ($HOST6)" in_net "$HOST6" 2001:db8:1::/64
t_check "nat46_router_host_v6_not_on_a_kernel_interface" bash -c "! ip -n $NS_CLI -6 addr | grep -F '$HOST6' >/dev/null"
t_check "nat46_router_host_v6_route_kept_from_forwarding ($(in_cli ip -6 route show "$HOST6/128" 2>/dev/null))" \
	bash -c "ip -n $NS_CLI -6 route show '$HOST6/128' | grep . >/dev/null"
for _ in $(seq 50); do grep -x "nameserver 192.0.0.1" "$CLI_RESOLV" >/dev/null && break; sleep 0.1; done
t_check "nat46_router_resolver_is_proxy ($(grep '^nameserver' "$CLI_RESOLV" | tr '\n' ' '))" \
	test "$(grep '^nameserver' "$CLI_RESOLV")" = "nameserver 192.0.0.1"
a46=$(in_cli ip -4 -o addr show dev v6link46 2>/dev/null)
t_check "nat46_router_v6link46_addresses" bash -c "grep -F 'inet 192.0.0.1/32 ' <<<'$a46' >/dev/null && grep -F 'inet 192.0.0.2/29 ' <<<'$a46' >/dev/null"
t_check "nat46_router_pool_route" bash -c "ip -n $NS_CLI -4 route get 198.18.0.1 | grep -E 'dev v6link46 src 192\.0\.0\.2' >/dev/null"

# Phase 1 with the veths' checksum offload as it is (on): r1's packets reach the client's packet
# socket with CHECKSUM_PARTIAL, as from a container's or a VM's virtual peer.
cap_start "$NS_CLI" v6link46 v4side

# ---- DNS mapping ----
out=$(q +noall +answer A web.lan.example)
POOL=$(awk '$4 == "A" { print $5; exit }' <<<"$out")
ttl=$(awk '$4 == "A" { print $2; exit }' <<<"$out")
t_check "nat46_router_dig_a_pool_address ($POOL ttl $ttl)" bash -c "[ -n '$POOL' ] && [ '${ttl:-99}' -le 5 ] && [ '${ttl:-99}' -ge 1 ] && python3 -c \"import ipaddress,sys; sys.exit(0 if ipaddress.ip_address('$POOL') in ipaddress.ip_network('$POOL_NET') else 1)\""
POOL=${POOL:-198.18.255.255}
ptr=$(q +short -x "$POOL")
t_check "nat46_router_ptr_of_pool_address ($ptr)" test "$ptr" = "web.lan.example."
FARPOOL=$(q +short A far.lan.example)
t_check "nat46_router_far_name_pool_address ($FARPOOL)" bash -c "[ -n '$FARPOOL' ] && [ '$FARPOOL' != '$POOL' ] && python3 -c \"import ipaddress,sys; sys.exit(0 if ipaddress.ip_address('$FARPOOL') in ipaddress.ip_network('$POOL_NET') else 1)\""
FARPOOL=${FARPOOL:-198.18.255.254}

# ---- TCP, ICMP, UDP through the pool ----
traffic() { # SUFFIX: curl -4, ping -4 (r1 and the far host behind it), a UDP DNS query via the pool
	local sfx=$1 page a
	page=$(in_cli curl -4 -sS -m 10 http://web.lan.example/ 2>>"$T_RUN/stderr.log")
	t_check "nat46_router_curl4_router_page$sfx ($page)" test "$page" = "v6link lan router"
	t_check "nat46_router_ping4_router_by_name$sfx" in_cli ping -4 -c 3 -i 0.3 -W 2 -q web.lan.example
	t_check "nat46_router_ping4_far_host_routed_via_r1$sfx" in_cli ping -4 -c 3 -i 0.3 -W 2 -q far.lan.example
	a=$(in_cli dig +time=3 +tries=2 +notcp @"$POOL" AAAA far.lan.example +short 2>>"$T_RUN/stderr.log")
	t_check "nat46_router_udp_dns_query_via_pool$sfx ($a)" test "$a" = "$LAN_FAR6"
}
traffic ""
t_check "nat46_router_http_server_sees_host_v6" bash -c "grep -F '$HOST6' $T_RUN/r1-http.log | grep 'GET / ' >/dev/null"
t_check "nat46_router_udp_query_from_host_v6" bash -c "grep -F 'from $HOST6' $T_RUN/r1-dns.log | grep far.lan.example >/dev/null"

# ---- Neighbor Discovery for host_v6 (RFC 4861 §7.2.4, answered by v6link) ----
nb=$(in_r1 ip -6 neigh show "$HOST6" dev eth0)
t_check "nat46_router_r1_neighbour_entry_for_host_v6 ($nb)" has "lladdr $CLI_MAC .*(REACHABLE|STALE|DELAY|PROBE)" <<<"$nb"
ll=$(ns_answer)
t_check "nat46_router_ns_for_host_v6_answered ($ll)" test "$ll" = "$CLI_MAC"
page=$(in_cli curl -4 -sS -m 10 http://web.lan.example/ 2>>"$T_RUN/stderr.log")
t_check "nat46_router_curl4_after_neighbour_flush ($page)" test "$page" = "v6link lan router"
cap_stop v4side
# what v6link wrote to v6link46 (translated from CHECKSUM_PARTIAL frames) has complete checksums;
# the apps' TCP/UDP from 192.0.0.2 carry only the pseudo-header sum (v6link46 offloads them)
t_check "nat46_router_capture_v4side_checksum_partial_peer_ok" cap_clean "$T_RUN/v4side.pcap" 192.0.0.2

# Phase 2: checksum offload off on both ends of the segment, so that every frame carries its
# checksum as from a physical NIC and the captures of both sides can be checked.
for ns in "$NS_CLI" "$NS_R1"; do ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1; done
for p in p-cli p-r1; do ip netns exec "$NS_SW" ethtool -K "$p" tx off >/dev/null 2>&1; done
cap_start "$NS_CLI" v6link46 v4side2
cap_start "$NS_R1" eth0 lan
ll=$(ns_answer)
t_check "nat46_router_ns_for_host_v6_answered_no_offload ($ll)" test "$ll" = "$CLI_MAC"
traffic "_no_offload"
t_check "nat46_router_status_counters ($(v6l_json "{k: c['nat46'][k] for k in ('mappings', 'to_v6', 'to_v4', 'drops')}"))" \
	test "$(v6l_json "c['nat46']['mappings'] >= 2 and c['nat46']['to_v6'] >= 20 and c['nat46']['to_v4'] >= 20")" = True
cap_stop v4side2
cap_stop lan
t_check "nat46_router_capture_v4side_checksums_ok" cap_clean "$T_RUN/v4side2.pcap" 192.0.0.2
t_check "nat46_router_capture_lan_checksums_ok" cap_clean "$T_RUN/lan.pcap"
t_check "nat46_router_na_for_host_v6_in_capture" bash -c "[ \$(tshark -n -r $T_RUN/lan.pcap -Y 'icmpv6.type == 136 && icmpv6.nd.na.target_address == $HOST6 && eth.src == $CLI_MAC' 2>/dev/null | wc -l) -ge 1 ]"
t_check "nat46_router_translated_tcp_on_both_sides" bash -c "
	[ \$(tshark -n -r $T_RUN/v4side2.pcap -Y 'tcp.port == 80 && ip.dst == $POOL' 2>/dev/null | wc -l) -gt 0 ] &&
	[ \$(tshark -n -r $T_RUN/lan.pcap -Y 'tcp.port == 80 && ipv6.src == $HOST6 && ipv6.dst == $R1_G' 2>/dev/null | wc -l) -gt 0 ]"

# ---- `v6link down` closes NAT46 with the mode; `up` opens it with a new dedicated address ----
v6l down lan >/dev/null
t_check "nat46_router_down_idle" wait_json "c['state'] == 'idle'" 10
for _ in $(seq 50); do nat46_gone && break; sleep 0.1; done
t_check "nat46_router_down_removes_v6link46_and_pool_route ($(in_cli ip -4 route show $POOL_NET 2>/dev/null))" nat46_gone
st=$(v6l_json "c['nat46']['state']")
t_check "nat46_router_down_status_off (state $st)" test "$st" = off
ll=$(ns_answer)
t_check "nat46_router_down_ns_for_host_v6_unanswered ($ll)" test -z "$ll"
v6l up lan >/dev/null
t_check "nat46_router_up_again" wait_json "c['state'] == 'up' and c['nat46']['state'] == 'on'" 25
HOST6B=$(v6l_json "c['nat46']['host_v6']")
t_check "nat46_router_new_host_v6_after_up ($HOST6 -> $HOST6B)" bash -c "[ -n '$HOST6B' ] && [ '$HOST6B' != None ] && [ '$HOST6B' != '$HOST6' ]"
page=$(in_cli curl -4 -sS -m 10 http://web.lan.example/ 2>>"$T_RUN/stderr.log")
t_check "nat46_router_curl4_after_up_again ($page)" test "$page" = "v6link lan router"
HOST6=$HOST6B

# ---- exit ----
v6l_stop
t_check "nat46_router_sigterm_removes_v6link46_and_pool_route" nat46_gone
t_check "nat46_router_sigterm_removes_host_v6_route" bash -c "! ip -n $NS_CLI -6 route show table all | grep -F '$HOST6' >/dev/null"
t_check "nat46_router_sigterm_restores_resolver ($(tr '\n' ' ' <"$CLI_RESOLV" 2>/dev/null))" test "$(cat "$CLI_RESOLV" 2>/dev/null)" = "nameserver 192.0.2.53"
t_check "nat46_router_sigterm_host_clean" v6l_host_clean
ll=$(ns_answer)
t_check "nat46_router_ns_for_host_v6_unanswered_after_exit ($ll)" test -z "$ll"
[ "$T_FAILED" = 0 ] || t_dump
exit $T_FAILED
