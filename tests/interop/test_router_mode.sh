#!/usr/bin/env bash
# Router mode (issue #4) on a shared segment (lan.sh): mode=auto detects the router; the kernel
# does SLAAC with optimistic DAD while v6link adds DHCPv6 over UDP (RFC 8415 IA_NA + IA_PD from
# kea-dhcp6, stateful from dnsmasq), DNS from RDNSS/DNSSL and DHCPv6, and RFC 8028
# source-specific routes: with two routers (two radvd) each source prefix leaves through its own
# router, counted by the routers' forwarding counters. Everything is undone on exit.
source "$(dirname "$0")/lib.sh"
source "$T_HERE/lan.sh"
t_begin
trap 'v6l_stop >/dev/null 2>&1; lan_down' EXIT
CLI_RESOLV=/etc/netns/$NS_CLI/resolv.conf

rtr_conf() { # [KEY=VALUE ...]: connection 'lan' on eth0
	mkdir -p "$V6L_CONF"
	printf '[param]\nfunc_trace = 1\ntrace_dir = %s/trace\n' "$T_RUN" >"$V6L_CONF/v6link.ini"
	{
		echo "[lan]"
		echo "dial_string = if=eth0"
		for a in "$@"; do echo "${a%%=*} = ${a#*=}"; done
	} >"$V6L_CONF/connections.ini"
}
# addr_of SOURCE: the first address of that source in status (dhcpv6, delegated)
addr_of() { v6l_json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == '$1'][0]" 2>/dev/null; }
sysctl_cli() { in_cli cat "/proc/sys/net/ipv6/conf/eth0/$1"; }
# grep without -q: with pipefail, an early exit of grep -q can fail the pipeline (SIGPIPE).
has_src_route() { in_cli ip -6 route show | grep "^default from $1 via $2 dev eth0" >/dev/null; }

# --- radvd (M=1, O=1) + kea-dhcp6 on r1: addresses, a delegated prefix, DNS ---
lan_up
lan_radvd "$NS_R1" 1 on on
lan_kea
in_cli sysctl -qw net.ipv6.conf.eth0.accept_ra=0 net.ipv6.conf.eth0.optimistic_dad=0
rm -f "$CLI_RESOLV"
mkdir -p "/etc/netns/$NS_CLI"
echo "nameserver 192.0.2.53" >"$CLI_RESOLV"
rtr_conf mode=auto
t0=$(date +%s%N)
v6l_start run lan
t_check "router_mode_detected_and_up" v6l_wait_state up 20
t_log "router mode up $(( ($(date +%s%N) - t0) / 1000000 )) ms after run"
t_check "router_mode_status_mode_and_reason" test "$(v6l_json "c['mode'] + '|' + str('router answered' in (c['mode_reason'] or ''))")" = "router|True"
# the kernel's own interface: no session data plane, so no offload counters of v6link's own
t_check "router_mode_status_no_dataplane_offload" test "$(v6l_json "c['counters']['offload'] is None and c['counters']['rx_ring'] is None")" = True
t_check "rfc8415_ia_na_from_kea" wait_json "any(a['source'] == 'dhcpv6' and a['address'].startswith('2001:db8:1::1') for a in c['ipv6']['addresses'])" 20
t_check "rfc8415_ia_pd_from_kea" wait_json "len(c['ipv6']['delegated_prefixes']) == 1 and c['ipv6']['delegated_prefixes'][0]['prefix_len'] == 56" 10
t_log "DHCPv6 bound $(( ($(date +%s%N) - t0) / 1000000 )) ms after run"
na=$(addr_of dhcpv6)
pd=$(addr_of delegated)
t_check "kernel_slaac_address_on_adapter" bash -c "ip -n $NS_CLI -6 addr show dev eth0 scope global | grep -q 'inet6 2001:db8:1:0:76:36ff:fe00:10/64'"
t_check "rfc4429_optimistic_dad_on" test "$(sysctl_cli optimistic_dad)$(sysctl_cli accept_ra)" = 12
t_check "dns_from_rdnss_and_dhcpv6_in_resolver" bash -c "grep -q '^nameserver 2001:db8:ff::53' $CLI_RESOLV && grep -q '^search lan.example' $CLI_RESOLV"
t_check "rfc8028_source_route_installed" has_src_route 2001:db8:1::/64 fe80::1
t_check "ping6_far_host_from_dhcpv6_address" in_cli ping -6 -c 2 -W 2 -I "$na" "$LAN_FAR6"
t_check "ping6_far_host_from_delegated_prefix" in_cli ping -6 -c 2 -W 2 -I "$pd" "$LAN_FAR6"
# A detector in the same topology (the daemon's socket on UDP 546 does not disturb it).
out=$(in_cli "$V6L_BIN" -C "$V6L_CONF" detect --json eth0 2>/dev/null)
t_check "detect_router_mode_with_kea" test "$(echo "$out" | python3 -c "import json,sys; a=json.load(sys.stdin)['adapters'][0]; print(a['mode'], a['routers'][0]['prefixes'], a['dhcpv6_servers'][0]['prefixes'])")" = "router ['2001:db8:1::/64'] True"
v6l_stop
t_check "router_mode_exit_removes_dhcpv6_address" bash -c "! ip -n $NS_CLI -6 addr show dev eth0 | grep -e '$na' -e '$pd' >/dev/null"
t_check "router_mode_exit_removes_source_routes" bash -c "! ip -n $NS_CLI -6 route show | grep '^default from' >/dev/null"
t_check "router_mode_exit_restores_sysctls" test "$(sysctl_cli optimistic_dad)$(sysctl_cli accept_ra)" = 00
t_check "router_mode_exit_restores_resolver" test "$(cat "$CLI_RESOLV")" = "nameserver 192.0.2.53"
t_check "rfc8415_18_2_7_release_sent_on_exit" bash -c "grep -q 'RELEASE' $V6L_LOG"
rm -f "$CLI_RESOLV"
lan_down

# --- dnsmasq: RAs (M flag) and stateful DHCPv6 with DNS ---
lan_up
lan_dnsmasq
# A second adapter on an empty segment (a veth pair, both ends here: 2 adapters besides eth0):
# aidx=-1 probes every adapter and picks the one with the router; [passthrough] hides eth0.
ip -n "$NS_CLI" link add eth1 type veth peer name eth1p
ip -n "$NS_CLI" link set eth1 up
ip -n "$NS_CLI" link set eth1p up
mkdir -p "$V6L_CONF"
printf '[param]\n[passthrough]\neth0\n' >"$V6L_CONF/v6link.ini"
printf '[lan]\ndial_string = aidx=-1 to=500 tr=2\n' >"$V6L_CONF/connections.ini"
v6l_start run lan
sleep 3
t_check "passthrough_hides_adapter_from_run_detection" test "$(v6l_json "c['state'] + '|' + str('nothing answered on 2 adapter(s)' in c['reason'])")" = "detecting|True"
v6l_stop
printf '[lan]\ndial_string = aidx=-1\nprefix_delegation = 0\n' >"$V6L_CONF/connections.ini"
printf '[param]\n' >"$V6L_CONF/v6link.ini"
v6l_start run lan
t_check "aidx_-1_probes_every_adapter_picks_router" v6l_wait_state up 20
t_check "aidx_-1_chose_eth0" test "$(v6l_json "c['adapter'] + '|' + c['mode']")" = "eth0|router"
v6l_stop
rtr_conf mode=router prefix_delegation=0
v6l_start run lan
t_check "router_mode_forced" v6l_wait_state up 15
t_check "dnsmasq_dhcpv6_address" wait_json "any(a['source'] == 'dhcpv6' and a['address'].startswith('2001:db8:1::1') for a in c['ipv6']['addresses'])" 20
t_check "dnsmasq_dns_in_resolver" bash -c "grep -q '^nameserver 2001:db8:ff::53' $CLI_RESOLV"
na=$(addr_of dhcpv6)
t_check "ping6_far_host_via_dnsmasq_router" in_cli ping -6 -c 2 -W 2 -I "$na" "$LAN_FAR6"
# down and up again through the control socket, with a live trace of the adapter's sockets.
v6l trace -w "$T_RUN/router-live.pcapng" lan 2>/dev/null &
TR=$!
sleep 0.3
v6l down lan >/dev/null
t_check "router_mode_down_idle_and_clean" bash -c "for i in \$(seq 30); do ip -n $NS_CLI -6 addr show dev eth0 | grep '$na' >/dev/null || exit 0; sleep 0.1; done; exit 1"
t_check "router_mode_down_state" test "$(v6l_json "c['state']")" = idle
v6l up lan >/dev/null
t_check "router_mode_up_again" wait_json "c['state'] == 'up' and any(a['source'] == 'dhcpv6' for a in c['ipv6']['addresses'])" 20
v6l_stop
wait "$TR"
t_check "router_mode_live_trace_has_rs_ra_dhcpv6" bash -c "p=\$(tshark -r $T_RUN/router-live.pcapng -T fields -e frame.protocols 2>/dev/null); echo \"\$p\" | grep -q icmpv6 && echo \"\$p\" | grep -q dhcpv6"
lan_down

# --- two routers, two prefixes (RFC 8028) ---
lan_up
lan_radvd "$NS_R1" 1 off off
lan_radvd "$NS_R2" 2 off off
rtr_conf mode=router
out=$(in_cli "$V6L_BIN" -C "$V6L_CONF" detect --json eth0 2>/dev/null)
t_check "detect_two_routers_two_prefixes" test "$(echo "$out" | python3 -c "import json,sys; a=json.load(sys.stdin)['adapters'][0]; print(a['mode'], sorted((r['address'], r['prefixes'][0]) for r in a['routers']))")" = "router [('fe80::1', '2001:db8:1::/64'), ('fe80::2', '2001:db8:2::/64')]"
v6l_start run lan
v6l_wait_state up 15 >/dev/null
t_check "rfc8028_route_per_router" bash -c "for i in \$(seq 100); do ip -n $NS_CLI -6 route | grep -q '^default from 2001:db8:1::/64 via fe80::1' && ip -n $NS_CLI -6 route | grep -q '^default from 2001:db8:2::/64 via fe80::2' && exit 0; sleep 0.2; done; exit 1"
a1=2001:db8:1:0:76:36ff:fe00:10
a2=2001:db8:2:0:76:36ff:fe00:10
# Usable: present and past DAD (ping cannot bind to a tentative address).
has_addrs() {
	local s
	s=$(in_cli ip -6 addr show dev eth0)
	echo "$s" | grep "$a1/64" | grep -vq tentative && echo "$s" | grep "$a2/64" | grep -vq tentative
}
for i in $(seq 150); do has_addrs && break; sleep 0.1; done
t_check "kernel_slaac_address_from_each_router" has_addrs
n=50
r1a=$(lan_fwd "$NS_R1"); r2a=$(lan_fwd "$NS_R2")
in_cli ping -6 -c "$n" -i 0.01 -W 1 -q -I "$a1" "$LAN_FAR6" >"$T_RUN/ping1.txt" 2>&1 || cat "$T_RUN/ping1.txt"
r1b=$(lan_fwd "$NS_R1"); r2b=$(lan_fwd "$NS_R2")
in_cli ping -6 -c "$n" -i 0.01 -W 1 -q -I "$a2" "$LAN_FAR6" >"$T_RUN/ping2.txt" 2>&1 || cat "$T_RUN/ping2.txt"
r1c=$(lan_fwd "$NS_R1"); r2c=$(lan_fwd "$NS_R2")
t_log "from $a1: r1 forwarded $((r1b - r1a)), r2 $((r2b - r2a)); from $a2: r1 $((r1c - r1b)), r2 $((r2c - r2b)) ($n echo requests each, replies included)"
t_check "rfc8028_prefix1_leaves_via_router1 (r1 $((r1b - r1a)) r2 $((r2b - r2a)))" test $((r1b - r1a)) -ge $((2 * n)) -a $((r2b - r2a)) -lt 5
t_check "rfc8028_prefix2_leaves_via_router2 (r1 $((r1c - r1b)) r2 $((r2c - r2b)))" test $((r2c - r2b)) -ge $((2 * n)) -a $((r1c - r1b)) -lt 5
t_check "status_lists_both_routers" test "$(v6l_json "sorted(r['address'] for r in c['ipv6']['routers'])")" = "['fe80::1', 'fe80::2']"
# radvd sends a final RA with router lifetime 0 when it stops (RFC 4861 §6.2.5).
kill "$LAN_RADVD_2"
t_check "rfc8028_route_follows_router_lifetime" bash -c "for i in \$(seq 50); do ip -n $NS_CLI -6 route | grep '^default from 2001:db8:2::/64' >/dev/null || exit 0; sleep 0.2; done; exit 1"
t_check "router1_route_kept" has_src_route 2001:db8:1::/64 fe80::1
v6l_stop
t_check "two_routers_exit_clean" bash -c "! ip -n $NS_CLI -6 route show | grep '^default from' >/dev/null"
[ "$T_FAILED" = 0 ] || t_dump
exit 0
