#!/usr/bin/env bash
# The DNS proxy answers the host itself only (issue #13), in the daemon: router mode with NAT46
# on a shared segment (lan.sh, r1 announces 2001:db8:1::/64 and serves DNS), and a LAN namespace
# ($NS_DL) routed through the host over lan0 (10.77.0.0/24, forwarding on, rp_filter off). The
# host gets answers at 192.0.0.1 over UDP and TCP and at ::1; the LAN gets nothing over UDP or
# TCP, neither from its own address, nor from a free address of the apps' /29, nor, with
# accept_local=1 on lan0, from the host's own 192.0.0.2. Each is counted in status. A 1.5 kB
# answer (r1's dnsmasq sends up to 4096 octets over UDP) reaches the host truncated over UDP.
source "$(dirname "$0")/lib.sh"
source "$T_HERE/lan.sh"
t_begin
NS_DL=${NS_DL:-${LAN_NS_BASE}dl}
CLI_RESOLV=/etc/netns/$NS_CLI/resolv.conf
POOL_NET=198.18.0.0/15
R1_G=2001:db8:1::1
trap 'v6l_stop >/dev/null 2>&1; ip netns del "$NS_DL" 2>/dev/null; lan_down' EXIT

in_dl() { ip netns exec "$NS_DL" "$@"; }
in_net() { python3 -c "import ipaddress,sys; sys.exit(0 if ipaddress.ip_address('$1') in ipaddress.ip_network('$2', strict=False) else 1)" 2>/dev/null; }
q() { in_cli dig +time=2 +tries=1 "$@" 2>>"$T_RUN/stderr.log"; }
lanq() { in_dl dig +time=2 +tries=1 @192.0.0.1 "$@" 2>&1; }
dnsj() { v6l_json "c['nat46']['dns']['$1']"; }
# spoof SRC: three DNS queries from SRC to 192.0.0.1, sent from the LAN namespace (scapy).
spoof() {
	in_dl /usr/bin/python3 - "$1" >>"$T_RUN/scapy.log" 2>&1 <<-'PY'
	import sys
	from scapy.all import IP, UDP, DNS, DNSQR, send, conf
	conf.verb = 0
	send(IP(src=sys.argv[1], dst="192.0.0.1") / UDP(sport=40000, dport=53) /
	     DNS(rd=1, qd=DNSQR(qname="web.lan.example", qtype="A")), iface="eth0", count=3)
	PY
	sleep 0.3
}

# ---- the segment: r1 with radvd and dnsmasq (web.lan.example: AAAA only) ----
lan_up
cat >"$T_RUN/radvd-r1.conf" <<-EOF
interface eth0 {
	AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10; AdvDefaultLifetime 60;
	prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 300; AdvPreferredLifetime 200; };
	RDNSS $R1_G { };
};
EOF
ip netns exec "$NS_R1" radvd -n -C "$T_RUN/radvd-r1.conf" -p "$T_RUN/radvd-r1.pid" -m logfile \
	-l "$T_RUN/radvd-r1.log" </dev/null >/dev/null 2>&1 &
LAN_PIDS+=("$!")
ip netns exec "$NS_R1" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root --group=root \
	--pid-file= --bind-interfaces --listen-address="$R1_G" --port=53 --local=/lan.example/ \
	--local-ttl=300 --host-record=web.lan.example,"$R1_G" --edns-packet-max=4096 \
	--txt-record=huge.lan.example,"$(printf 'a%.0s' $(seq 250))","$(printf 'b%.0s' $(seq 250))","$(printf 'c%.0s' $(seq 250))" \
	--txt-record=huge.lan.example,"$(printf 'd%.0s' $(seq 250))","$(printf 'e%.0s' $(seq 250))","$(printf 'f%.0s' $(seq 250))" \
	>"$T_RUN/r1-dns.out" 2>&1 &
LAN_PIDS+=("$!")

# ---- the LAN behind the host ----
ip netns del "$NS_DL" 2>/dev/null
ip netns add "$NS_DL"
ip -n "$NS_CLI" link add lan0 type veth peer name eth0 netns "$NS_DL"
ip -n "$NS_CLI" addr add 10.77.0.1/24 dev lan0
ip -n "$NS_CLI" link set lan0 up
ip -n "$NS_DL" link set lo up
ip -n "$NS_DL" addr add 10.77.0.2/24 dev eth0
ip -n "$NS_DL" link set eth0 up
ip -n "$NS_DL" route add default via 10.77.0.1
in_cli sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.lan0.rp_filter=0

mkdir -p "/etc/netns/$NS_CLI"
echo "nameserver 192.0.2.53" >"$CLI_RESOLV"
mkdir -p "$V6L_CONF"
printf '[param]\nfunc_trace = 1\ntrace_dir = %s/trace\n' "$T_RUN" >"$V6L_CONF/v6link.ini"
printf '[lan]\ndial_string = if=eth0\nmode = router\nprefix_delegation = 0\nnat46 = on\n' \
	>"$V6L_CONF/connections.ini"
v6l_start run lan
t_check "dns_lan_router_mode_nat46_on" wait_json "c['mode'] == 'router' and c['nat46']['state'] == 'on'" 25
for _ in $(seq 50); do grep -x "nameserver 192.0.0.1" "$CLI_RESOLV" >/dev/null && break; sleep 0.1; done

# ---- the host itself ----
POOL=$(q @192.0.0.1 +short A web.lan.example)
t_check "dns_host_udp_answered ($POOL)" in_net "${POOL:-0.0.0.0}" $POOL_NET
a=$(q @192.0.0.1 +tcp +short A web.lan.example)
t_check "dns_host_tcp_answered ($a)" test "$a" = "$POOL"
a=$(q @::1 +short AAAA web.lan.example)
t_check "dns_host_ipv6_loopback_answered ($a)" test "$a" = "$R1_G"
a=$(in_cli getent ahostsv4 web.lan.example | awk '{ print $1; exit }')
t_check "dns_host_system_resolver_answered ($a)" test "$a" = "$POOL"

# ---- the LAN: nothing ----
r0=$(dnsj refused_not_host)
n0=$(dnsj queries)
t_check "dns_lan_reaches_host (ping 192.0.0.1)" bash -c "ip netns exec $NS_DL ping -c 1 -W 2 192.0.0.1 >/dev/null"
out=$(lanq A web.lan.example)
t_check "dns_lan_udp_gets_nothing" bash -c "! grep -q 'status:' <<<'$out' && grep -q 'timed out' <<<'$out'"
out=$(lanq -x "${POOL:-198.18.0.1}")
t_check "dns_lan_ptr_of_pool_address_gets_nothing" bash -c "! grep -q 'status:' <<<'$out'"
out=$(lanq +tcp A web.lan.example)
t_check "dns_lan_tcp_gets_nothing ($(grep -o -E 'end of file|reset|timed out' <<<"$out" | head -1))" \
	bash -c "! grep -q 'status:' <<<'$out'"
r1=$(dnsj refused_not_host)
t_check "dns_lan_refused_counted ($r0 -> $r1)" test "$r1" = $((r0 + 3))
# A free address of the apps' 192.0.0.0/29: routed into v6link46, so the LAN can send from it.
spoof 192.0.0.3
r2=$(dnsj refused_not_host)
t_check "dns_lan_spoofed_free_slash29_source_refused ($r1 -> $r2)" test "$r2" = $((r1 + 3))
# The host's own 192.0.0.2, taken by the kernel from lan0 once accept_local=1 there.
in_cli sysctl -qw net.ipv4.conf.lan0.accept_local=1
spoof 192.0.0.2
r3=$(dnsj refused_not_host)
t_check "dns_lan_spoofed_host_source_refused_by_ingress ($r2 -> $r3)" test "$r3" = $((r2 + 3))
n1=$(dnsj queries)
t_check "dns_lan_nothing_parsed (queries $n0 -> $n1)" test "$n1" = "$n0"
st=$(v6l status)
t_check "dns_status_text_counts_refused ($(grep 'dns guard' <<<"$st" | sed 's/  */ /g'))" \
	bash -c "grep -E 'dns guard +$r3 refused \(not the host\), 0 over the rate limit' <<<'$st' >/dev/null"
a=$(q @192.0.0.1 +short A web.lan.example)
t_check "dns_host_still_answered ($a)" test "$a" = "$POOL"
# RFC 6891 §6.2.5, DNS Flag Day 2020: at most 1232 octets over UDP, whatever the query offers.
out=$(q @192.0.0.1 +ignore +bufsize=4096 TXT huge.lan.example)
size=$(awk '/MSG SIZE/ { print $NF }' <<<"$out")
t_check "dns_host_udp_answer_capped_at_1232 (tc, $size octets)" \
	bash -c "grep -q 'flags:.* tc' <<<'$out' && [ '${size:-9999}' -le 1232 ]"
out=$(q @192.0.0.1 +tcp +bufsize=4096 TXT huge.lan.example)
size=$(awk '/MSG SIZE/ { print $NF }' <<<"$out")
t_check "dns_host_tcp_answer_whole ($size octets)" \
	bash -c "grep -q 'ANSWER: 2' <<<'$out' && [ '${size:-0}' -gt 1232 ]"
j=$(v6l_json "' '.join(f'{k}={v}' for k, v in sorted(c['nat46']['dns'].items()))")
t_check "dns_status_json_counters ($j)" \
	bash -c "grep -E 'rate_limited=0 refused_not_host=$r3 servfail=0 synthesized=[0-9]+ truncated=1\$' <<<'$j' >/dev/null"

v6l_stop
t_check "dns_lan_daemon_exit_clean" bash -c "! ip -n $NS_CLI link show v6link46 >/dev/null 2>&1"
[ "$T_FAILED" = 0 ] || tail -30 "$V6L_LOG"
exit $T_FAILED
