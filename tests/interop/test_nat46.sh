#!/usr/bin/env bash
# NAT46 and the DNS mapper in dial-up mode (issue #5) against the UML ISP: with use_ipv4=0 (nat46
# auto) IPv4-only clients (dig, curl -4, ping -4, iperf3 -4, a UDP DNS query) reach the far
# host's IPv6-only name through v6link46; a Packet Too Big inside the ISP comes back as
# Fragmentation Needed with MTU - 20; captures on both sides decode with correct checksums;
# `down` and SIGTERM leave nothing. A second run with use_ipv4=1 nat46=on keeps real A records.
source "$(dirname "$0")/lib.sh"
NS_FAR=${NS_FAR:-v6l-far}
t_begin
CLI_RESOLV=/etc/netns/$NS_CLI/resolv.conf
POOL_NET=198.18.0.0/15
BG_PIDS=()

n46_cleanup() {
	local p
	cap_stop_all
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	t_cleanup
	rm -rf "/etc/netns/$NS_CLI"
}
trap n46_cleanup EXIT

in_far() { ip netns exec "$NS_FAR" "$@"; }
# grep without -q in pipelines: with pipefail an early exit of grep -q can fail them (SIGPIPE).
has() { grep -E -- "$1" >/dev/null; }
# q ARGS...: dig at the proxy (192.0.0.1) in the client namespace, bounded.
q() { in_cli dig +time=3 +tries=2 @192.0.0.1 "$@"; }

nat46_gone() { # nothing of NAT46 left in the client namespace
	! in_cli ip link show v6link46 >/dev/null 2>&1 &&
		! in_cli ip -4 route show table all | has '^198\.1[89]\.' &&
		! in_cli ip -4 addr | has '192\.0\.0\.[12]/'
}

isp_up RA=slaac FAR_DNS=1 FAR_HTTP=1 >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
# the host's resolver before v6link: restored when it ends
mkdir -p "/etc/netns/$NS_CLI"
echo "nameserver 192.0.2.53" >"$CLI_RESOLV"

# ================= run 1: IPv6-only line (use_ipv4=0), nat46 auto =================
v6l_conf use_ipv4=0
v6l_start
t_check "nat46_dialup_up" v6l_wait_state up 20
t_check "nat46_auto_on_with_use_ipv4_0" wait_json "c['nat46']['state'] == 'on'" 20
t_check "nat46_no_ipcp_on_ipv6_only_line" test "$(v6l_json "c['ipv4']['address']")" = None
HOST6=$(v6l_json "c['nat46']['host_v6']")
SLAAC=$(v6l_json "[a['address'] for a in c['ipv6']['addresses'] if ':' in a['address']][0]" 2>/dev/null)
t_log "host_v6 $HOST6, line address $SLAAC"
v6l status | sed -n '/nat46/,$p'

# ---- 1. resolver, v6link46, pool route, status ----
t_check "nat46_resolver_is_proxy_only ($(grep '^nameserver' "$CLI_RESOLV" | tr '\n' ' '))" \
	test "$(grep '^nameserver' "$CLI_RESOLV")" = "nameserver 192.0.0.1"
a46=$(in_cli ip -4 -o addr show dev v6link46 2>&1)
t_check "nat46_v6link46_router_addr_192.0.0.1" has 'inet 192\.0\.0\.1/32 ' <<<"$a46"
t_check "nat46_v6link46_app_addr_192.0.0.2" has 'inet 192\.0\.0\.2/29 ' <<<"$a46"
t_check "nat46_pool_route ($(in_cli ip -4 route show $POOL_NET))" bash -c "ip -n $NS_CLI -4 route show $POOL_NET | grep -E '^$POOL_NET dev v6link46' >/dev/null"
t_check "nat46_pool_route_source_is_app_addr" bash -c "ip -n $NS_CLI -4 route get 198.18.0.1 | grep -E 'dev v6link46 src 192\.0\.0\.2' >/dev/null"
t_check "nat46_status_fields" test "$(v6l_json "'|'.join(str(c['nat46'][k]) for k in ('interface', 'router_v4', 'app_v4', 'pool'))")" = "v6link46|192.0.0.1|192.0.0.2|$POOL_NET"
t_check "nat46_host_v6_in_connection_64 ($HOST6 in $SLAAC/64)" bash -c "[ -n '$SLAAC' ] && [ '$HOST6' != '$SLAAC' ] && python3 -c \"import ipaddress,sys; sys.exit(0 if ipaddress.ip_address('$HOST6') in ipaddress.ip_network('$SLAAC/64', strict=False) else 1)\""
t_check "nat46_host_v6_not_on_a_kernel_interface" bash -c "! ip -n $NS_CLI -6 addr | grep -F '$HOST6' >/dev/null"

# ---- captures for 2.-5. and 7.: IPv4 side, PPPoE side (client's eth0), far host ----
cap_start "$NS_CLI" v6link46 v4side
cap_start "$NS_CLI" eth0 pppoe
cap_start "$NS_FAR" eth0 far

# ---- 2. DNS mapping ----
out=$(q +noall +answer A v6only.isp.example)
POOL=$(awk '$4 == "A" { print $5; exit }' <<<"$out")
ttl=$(awk '$4 == "A" { print $2; exit }' <<<"$out")
t_check "nat46_dig_a_v6only_pool_address ($POOL ttl $ttl)" bash -c "[ -n '$POOL' ] && python3 -c \"import ipaddress,sys; sys.exit(0 if ipaddress.ip_address('$POOL') in ipaddress.ip_network('$POOL_NET') else 1)\" && [ '${ttl:-99}' -le 5 ]"
POOL=${POOL:-198.18.255.255}
ttl6=$(q +noall +answer AAAA v6only.isp.example | awk '$4 == "AAAA" { print $2; exit }')
t_check "nat46_synth_ttl_is_dns_ttl_capped_at_5 (A $ttl, AAAA $ttl6)" \
	bash -c "[ -n '$ttl6' ] && [ '$ttl' = \$(( $ttl6 < 5 ? $ttl6 : 5 )) ]"
ptr=$(q +short -x "$POOL")
t_check "nat46_ptr_of_pool_address ($ptr)" test "$ptr" = "v6only.isp.example."
aaaa=$(q +short AAAA v6only.isp.example)
t_check "nat46_aaaa_relayed ($aaaa)" test "$aaaa" = "$FAR6"
sys=$(in_cli getent ahostsv4 v6only.isp.example | awk '{ print $1; exit }')
t_check "nat46_system_resolver_gets_pool_address ($sys)" test "$sys" = "$POOL"

# ---- 3. TCP, ICMP echo ----
page=$(in_cli curl -4 -sS -m 10 http://v6only.isp.example/ 2>>"$T_RUN/stderr.log")
t_check "nat46_curl4_v6only_page ($page)" test "$page" = "v6link far host"
t_check "nat46_ping4_v6only_name" in_cli ping -4 -c 3 -i 0.3 -W 2 v6only.isp.example

# ---- 4. a UDP application: an IPv4-only DNS query to a DNS server on the IPv6-only host ----
# (dnsmasq on the far host's 2001:db8:f::10, forwarding to the ISP's 2001:db8:f::53)
ip netns exec "$NS_FAR" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root --group=root \
	--pid-file= --bind-interfaces --listen-address="$FAR6" --port=53 --server=2001:db8:f::53 \
	--log-queries --log-facility="$T_RUN/far-dns2.log" >"$T_RUN/far-dns2.out" 2>&1 &
FDNS=$!
BG_PIDS+=("$FDNS")
for _ in $(seq 50); do in_far ss -Hlun "src [$FAR6]:53" | has . && break; sleep 0.1; done
a=$(in_cli dig +time=3 +tries=2 +notcp @"$POOL" A host.isp.example +short 2>>"$T_RUN/stderr.log")
t_check "nat46_udp_dns_query_to_v6only_server_via_pool ($a)" test "$a" = "$FAR4"
t_check "nat46_udp_query_arrived_from_host_v6" bash -c "grep -F 'from $HOST6' $T_RUN/far-dns2.log | grep 'host.isp.example' >/dev/null"
# RFC 7915 §4.5: an IPv4 UDP datagram with checksum 0 gets a computed one in IPv6.
a=$(in_cli timeout 10 python3 - "$POOL" <<-'PY' 2>>"$T_RUN/stderr.log"
	import socket, struct, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK: send UDP checksum 0
	s.settimeout(3)
	q = struct.pack(">HHHHHH", 0x4646, 0x0100, 1, 0, 0, 0)
	q += b"".join(bytes([len(l)]) + l.encode() for l in "host.isp.example".split(".")) + b"\0"
	q += struct.pack(">HH", 1, 1)
	for _ in range(2):
	    s.sendto(q, (sys.argv[1], 53))
	    try:
	        r = s.recv(512)
	    except socket.timeout:
	        continue
	    print(socket.inet_ntoa(r[-4:]) if r[:2] == q[:2] and struct.unpack(">H", r[6:8])[0] else "bad answer")
	    break
	else:
	    print("timeout")
	PY
)
t_check "rfc7915_4_5_udp_zero_checksum_translated ($a)" test "$a" = "$FAR4"

# ---- 5. Packet Too Big inside the ISP -> Fragmentation Needed (RFC 7915 §5.2) ----
mtu0=$(isp exec "cat /sys/class/net/eth1/mtu" 2>/dev/null | tr -d '\r\n')
isp exec "ip link set eth1 mtu 1400" >/dev/null
out=$(in_cli ping -4 -M "do" -s 1440 -c 2 -i 0.5 -W 2 "$POOL" 2>&1)
t_log "ping -4 -M do -s 1440: $(echo "$out" | grep -i -E 'mtu|frag|transmitted' | tr '\n' ' ')"
t_check "nat46_ptb_ping_reports_mtu_1380" has 'mtu ?= ?1380' <<<"$out"
t_check "nat46_ptb_kernel_learned_pmtu_1380 ($(in_cli ip -4 route get "$POOL" | tr '\n' ' '))" \
	bash -c "ip -n $NS_CLI -4 route get $POOL | grep -E 'mtu 1380' >/dev/null"
t_check "nat46_after_ptb_1380_byte_packets_pass" in_cli ping -4 -M "do" -s 1352 -c 2 -i 0.3 -W 2 "$POOL"
isp exec "ip link set eth1 mtu ${mtu0:-1500}" >/dev/null
cap_stop v4side
cap_stop pppoe
cap_stop far
frag=$(tshark -n -r "$T_RUN/v4side.pcap" -Y 'icmp.type == 3 && icmp.code == 4' -T fields -E occurrence=f -e ip.src -e ip.dst -e icmp.mtu 2>/dev/null)
t_log "Fragmentation Needed on v6link46: $(echo "$frag" | tr '\n\t' '; ')"
t_check "rfc7915_5_2_ptb_1400_to_frag_needed_1380_in_capture" has $'^[0-9.]+\t192\.0\.0\.2\t1380$' <<<"$frag"
ptb=$(tshark -n -r "$T_RUN/pppoe.pcap" -Y 'icmpv6.type == 2' -T fields -E occurrence=f -e ipv6.dst -e icmpv6.mtu 2>/dev/null)
t_check "nat46_ptb_1400_to_host_v6_on_pppoe_side" has "^$HOST6"$'\t1400$' <<<"$ptb"

# ---- iperf3 -4 (own bounded captures: the first 3000 frames of each side) ----
ip netns exec "$NS_FAR" timeout 40 iperf3 -s -1 -p 5201 >"$T_RUN/iperf3-s.log" 2>&1 &
IPS=$!
BG_PIDS+=("$IPS")
for _ in $(seq 50); do in_far ss -Hltn "sport = :5201" | has . && break; sleep 0.1; done
cap_start "$NS_CLI" v6link46 iperf-v4 -c 3000
cap_start "$NS_FAR" eth0 iperf-far -c 3000
# issue #12: on the session the translated IPv6 goes straight into PPPoE frames, never through
# v6link0 (whose kernel counters count what the host hands the TUN as TX, what v6link writes
# into it as RX).
v6link0_pkts() { in_cli cat /sys/class/net/v6link0/statistics/tx_packets /sys/class/net/v6link0/statistics/rx_packets | paste -sd ' '; }
n46_counters() { v6l_json "'%d %d %d %d' % (c['nat46']['to_v6'], c['nat46']['to_v6_session'], c['nat46']['to_v4'], c['counters']['tx_packets'])"; }
read -r tun_tx0 tun_rx0 < <(v6link0_pkts)
read -r n46_v6_0 n46_sess0 n46_v4_0 sess_tx0 < <(n46_counters)
in_cli timeout 30 iperf3 -4 -c v6only.isp.example -p 5201 -t 3 -J >"$T_RUN/iperf3.json" 2>>"$T_RUN/stderr.log"
rc=$?
read -r tun_tx1 tun_rx1 < <(v6link0_pkts)
read -r n46_v6_1 n46_sess1 n46_v4_1 sess_tx1 < <(n46_counters)
d_v6=$((n46_v6_1 - n46_v6_0)) d_sess=$((n46_sess1 - n46_sess0)) d_v4=$((n46_v4_1 - n46_v4_0))
d_stx=$((sess_tx1 - sess_tx0)) d_ttx=$((tun_tx1 - tun_tx0)) d_trx=$((tun_rx1 - tun_rx0))
t_log "during iperf3 -4: NAT46 to_v6 +$d_v6 (on the session +$d_sess), to_v4 +$d_v4; session tx +$d_stx; v6link0 tx +$d_ttx rx +$d_trx"
t_check "nat46_pppoe_translated_straight_onto_session (to_v6 +$d_v6, to_v6_session +$d_sess, session tx +$d_stx)" \
	test "$d_v6" -gt 1000 -a "$d_sess" -ge "$d_v6" -a "$d_stx" -ge "$d_sess"
t_check "nat46_pppoe_traffic_not_through_v6link0 (v6link0 tx +$d_ttx rx +$d_trx, NAT46 +$d_v6/+$d_v4)" \
	test "$d_ttx" -lt $((d_v6 / 100 + 20)) -a "$d_trx" -lt $((d_v4 / 100 + 20))
bps=$(python3 -c "import json; d=json.load(open('$T_RUN/iperf3.json')); print(int(d['end']['sum_received']['bits_per_second']))" 2>/dev/null)
t_log "iperf3 -4 through NAT46: rc $rc, $(awk -v b="${bps:-0}" 'BEGIN { printf "%.1f Mbit/s", b / 1e6 }') received"
t_check "nat46_iperf3_4_completes" test "$rc" = 0 -a "${bps:-0}" -gt 0
kill "$IPS" 2>/dev/null # (gone already when the run completed: -1 serves one client)
wait "$IPS" 2>/dev/null
cap_stop iperf-v4
cap_stop iperf-far

# ---- status counters ----
t_check "nat46_status_counters ($(v6l_json "{k: c['nat46'][k] for k in ('mappings', 'to_v6', 'to_v4', 'drops')}"))" \
	test "$(v6l_json "c['nat46']['mappings'] >= 1 and c['nat46']['to_v6'] > 100 and c['nat46']['to_v4'] > 100")" = True
t_check "nat46_status_dns_counters ($(v6l_json "c['nat46']['dns']"))" \
	test "$(v6l_json "c['nat46']['dns']['synthesized'] >= 1 and c['nat46']['dns']['forwarded'] >= 1 and c['nat46']['dns']['queries'] >= 4")" = True

# ---- 8a. `v6link down`: NAT46 goes with the mode; `up` brings it back with a new address ----
v6l down dsl >/dev/null
t_check "nat46_down_idle" wait_json "c['state'] == 'idle'" 10
for _ in $(seq 50); do nat46_gone && break; sleep 0.1; done
t_check "nat46_down_removes_v6link46_and_pool_route ($(in_cli ip -4 route show $POOL_NET 2>/dev/null))" nat46_gone
t_check "nat46_down_restores_resolver ($(tr '\n' ' ' <"$CLI_RESOLV" 2>&1))" test "$(cat "$CLI_RESOLV" 2>&1)" = "nameserver 192.0.2.53"
st=$(v6l_json "c['nat46']['state']")
t_check "nat46_down_status_off (state $st)" test "$st" = off
v6l up dsl >/dev/null
t_check "nat46_up_again" wait_json "c['state'] == 'up' and c['nat46']['state'] == 'on'" 25
HOST6B=$(v6l_json "c['nat46']['host_v6']")
t_check "nat46_new_host_v6_after_up ($HOST6 -> $HOST6B)" bash -c "[ -n '$HOST6B' ] && [ '$HOST6B' != None ] && [ '$HOST6B' != '$HOST6' ]"
page=$(in_cli curl -4 -sS -m 10 http://v6only.isp.example/ 2>>"$T_RUN/stderr.log")
t_check "nat46_curl4_after_up_again ($page)" test "$page" = "v6link far host"

# ---- 8b. SIGTERM ----
v6l_stop
t_check "nat46_sigterm_removes_v6link46_and_pool_route" nat46_gone
t_check "nat46_sigterm_restores_resolver ($(tr '\n' ' ' <"$CLI_RESOLV" 2>&1))" test "$(cat "$CLI_RESOLV" 2>&1)" = "nameserver 192.0.2.53"
t_check "nat46_sigterm_host_clean" v6l_host_clean

# ================= run 2: dual stack (use_ipv4=1, nat46=on) =================
rm -f "$CLI_RESOLV"
# func_trace=2: the data frames NAT46 sends on the session must be in the trace as well.
V6L_FUNC_TRACE=2 v6l_conf use_ipv4=1 nat46=on
v6l_start
t_check "nat46_on_dual_stack_up" v6l_wait_state up 20
t_check "nat46_on_dual_stack_ipv4_and_nat46" wait_json "c['ipv4']['address'] is not None and c['nat46']['state'] == 'on'" 20
t_check "nat46_on_resolver_is_proxy" grep -x "nameserver 192.0.0.1" "$CLI_RESOLV"
a=$(q +short A host.isp.example)
t_check "nat46_dual_stack_name_keeps_real_a ($a)" test "$a" = "$FAR4"
a=$(q +short A v6only.isp.example)
t_check "nat46_v6only_name_still_pool_address ($a)" bash -c "[ -n '$a' ] && python3 -c \"import ipaddress,sys; sys.exit(0 if ipaddress.ip_address('$a') in ipaddress.ip_network('$POOL_NET') else 1)\""
t_check "nat46_dual_stack_name_via_real_ipv4" bash -c "ip -n $NS_CLI -4 route get $FAR4 | grep 'dev v6link0' >/dev/null && [ \"\$(ip netns exec $NS_CLI curl -4 -sS -m 10 http://host.isp.example/)\" = 'v6link far host' ]"
page=$(in_cli curl -4 -sS -m 10 http://v6only.isp.example/ 2>>"$T_RUN/stderr.log")
t_check "nat46_on_dual_stack_curl4_v6only ($page)" test "$page" = "v6link far host"
HOST6C=$(v6l_json "c['nat46']['host_v6']")
v6l_stop
t_check "nat46_dual_stack_sigterm_removes_v6link46" nat46_gone
t_check "nat46_dual_stack_sigterm_removes_resolv_conf" test ! -e "$CLI_RESOLV"
t_check "nat46_dual_stack_sigterm_host_clean" v6l_host_clean

# ---- 7. captures of both sides, and v6link's own traces, decoded by tshark ----
# v6link46 offloads checksums and TSO (issue #12): the apps' TCP and UDP reach the TUN with only
# the pseudo-header sum, which the translator finishes (as tcpdump shows on any offloading
# device); the far host's capture checks what was made of them. What v6link writes into
# v6link46 (to 192.0.0.2) must be whole.
for f in pppoe far iperf-far; do
	t_check "nat46_capture_${f}_checksums_ok" cap_clean "$T_RUN/$f.pcap"
done
for f in v4side iperf-v4; do
	t_check "nat46_capture_${f}_checksums_ok_from_v6link" cap_clean "$T_RUN/$f.pcap" 192.0.0.2
done
for f in "$T_RUN"/trace/*.pcapng; do
	[ -e "$f" ] || { t_fail "nat46_v6link_trace_written"; break; }
	t_check "nat46_trace_$(basename "$f" .pcapng)_checksums_ok" cap_clean "$f"
done
z=$(tshark -n -r "$T_RUN/v4side.pcap" -Y 'dns.id == 0x4646 && dns.flags.response == 0' -T fields -e udp.checksum 2>/dev/null | head -1)
z6=$(tshark -n -r "$T_RUN/far.pcap" -o udp.check_checksum:TRUE -Y "dns.id == 0x4646 && dns.flags.response == 0 && ipv6.src == $HOST6" -T fields -e udp.checksum -e udp.checksum.status 2>/dev/null | head -1)
t_check "rfc7915_4_5_zero_udp_checksum_computed_in_ipv6 (v4 '$z' -> v6 '$z6')" bash -c "[ '$z' = 0x0000 ] && [[ '$z6' =~ ^0x[0-9a-f]{4}$'\t'1$ ]] && [ '${z6%%$'\t'*}' != 0x0000 ]"
n=0
for f in "$T_RUN"/trace/*.pcapng; do
	[ -e "$f" ] && n=$((n + $(tshark -n -r "$f" -Y "pppoes && ipv6.src == $HOST6C && tcp.dstport == 80" 2>/dev/null | wc -l)))
done
t_check "nat46_func_trace_2_has_frames_sent_on_session ($n from $HOST6C to port 80)" test "$n" -gt 0
t_check "nat46_translated_tcp_in_both_captures_far_host_sees_host_v6" bash -c "
	[ \$(tshark -n -r $T_RUN/v4side.pcap -Y 'tcp.port == 80 && ip.dst == $POOL' 2>/dev/null | wc -l) -gt 0 ] &&
	[ \$(tshark -n -r $T_RUN/far.pcap -Y 'tcp.port == 80 && ipv6.src == $HOST6' 2>/dev/null | wc -l) -gt 0 ]"

grep -n -i -E 'nat46|xlat|dns proxy|v6link46' "$V6L_LOG" | tail -20
[ "$T_FAILED" = 0 ] || t_dump
exit $T_FAILED
