#!/usr/bin/env bash
# Mixed mode (issue #4): the UML ISP's PPPoE access concentrator and a DHCPv4 server (dnsmasq on
# the ISP's access interface) share the segment. mode=auto detects both and picks mixed: IPv6
# goes over the PPPoE session, IPv4 stays with the adapter and its DHCPv4 router (the host's own
# DHCP client, busybox udhcpc here); v6link installs no IPv4 address or route. NAT46 (issue #5)
# runs beside it: an IPv6-only name gets a pool address and is reached over IPv4 through the
# PPPoE session, while a dual-stack name keeps its real A record because IPv4 works. With
# allow_mixed_mode=0 the same line is dial-up and IPv4 goes over PPP.
source "$(dirname "$0")/lib.sh"
t_begin
UDHCPC_SCRIPT=$T_RUN/udhcpc.sh

isp_up RA=slaac FAR_DNS=1 FAR_HTTP=1 >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
isp exec "ip addr add 192.0.2.1/24 dev eth0; dnsmasq --conf-file=/dev/null --no-resolv --port=0 --interface=eth0 --bind-interfaces --dhcp-range=192.0.2.100,192.0.2.150,1h --dhcp-leasefile=/tmp/d.leases --pid-file=/tmp/d.pid" >/dev/null

# The host's DHCPv4 client (what NetworkManager or ifupdown would run): address + default route.
cat >"$UDHCPC_SCRIPT" <<'EOF'
#!/bin/sh
case "$1" in
bound | renew)
	ip -4 addr flush dev "$interface"
	ip -4 addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip -4 route replace default via "$r" dev "$interface"; break; done ;;
deconfig) ip -4 addr flush dev "$interface" ;;
esac
exit 0
EOF
chmod +x "$UDHCPC_SCRIPT"

v6l_conf mode=auto nat46=on
t0=$(date +%s%N)
v6l_start
t_check "mixed_mode_up" v6l_wait_state up 25
t_log "mixed mode up $(( ($(date +%s%N) - t0) / 1000000 )) ms after run (detection included)"
# The dial does not wait for the DHCPv4 probe (test_detect_time.sh): mixed mode is decided when
# the DHCPv4 server answers, a few seconds after the session started.
t_check "mixed_mode_status" wait_json "c['mode'] == 'mixed' and 'DHCPv4' in (c['mode_reason'] or '')" 15
t_check "mixed_mode_ipcp_closed" wait_json "c['ipv4']['address'] is None" 10
t_check "mixed_mode_no_ipcp_no_ipv4_address" test "$(v6l_json "c['ipv4']['address']")" = None
t_check "mixed_mode_no_ipv4_route_via_v6link" bash -c "! ip -n $NS_CLI -4 route | grep v6link0 >/dev/null && ! ip -n $NS_CLI -4 addr show dev v6link0 | grep inet >/dev/null"
t_check "mixed_mode_host_dhcpv4_client_bound" in_cli busybox udhcpc -i eth0 -n -q -t 5 -T 2 -s "$UDHCPC_SCRIPT"
t_check "mixed_mode_ipv4_via_adapter" bash -c "ip -n $NS_CLI route get $FAR4 | grep -q 'via 192.0.2.1 dev eth0'"
t_check "mixed_mode_ipv4_reaches_far_host_via_dhcpv4_router" in_cli ping -4 -c 2 -W 2 "$FAR4"
t_check "mixed_mode_ipv6_via_pppoe" bash -c "v6=\$(ip -n $NS_CLI -6 route get $FAR6); echo \"\$v6\" | grep -q 'dev v6link0'"
for i in $(seq 50); do [ "$(v6l_json "len(c['ipv6']['addresses'])")" -gt 0 ] 2>/dev/null && break; sleep 0.2; done
t_check "mixed_mode_ipv6_reaches_far_host_over_pppoe" in_cli ping -6 -c 2 -W 2 "$FAR6"
# NAT46 in mixed mode: the resolver asks the proxy at 192.0.0.1.
t_check "mixed_nat46_resolver_is_proxy" grep -x "nameserver 192.0.0.1" "/etc/netns/$NS_CLI/resolv.conf"
dual=$(in_cli dig +short +time=3 +tries=2 A host.isp.example)
t_check "mixed_nat46_dual_stack_name_keeps_real_a_when_ipv4_works (got '$dual')" test "$dual" = "$FAR4"
pool=$(in_cli dig +short +time=3 +tries=2 A v6only.isp.example)
t_check "mixed_nat46_v6only_name_gets_pool_address (got '$pool')" bash -c "[[ '$pool' == 198.1[89].* ]]"
t_check "mixed_nat46_ipv4_app_reaches_v6only_host" bash -c "ip netns exec $NS_CLI curl -4 -sS -m 5 http://v6only.isp.example/ | grep -x 'v6link far host' >/dev/null"
t_check "mixed_nat46_pool_route_via_v6link46" bash -c "ip -n $NS_CLI route get $pool | grep 'dev v6link46' >/dev/null"
v6l_stop
t_check "mixed_mode_exit_leaves_dhcpv4_config" bash -c "ip -n $NS_CLI -4 addr show dev eth0 | grep -q 'inet 192.0.2.1[0-9][0-9]/24' && ip -n $NS_CLI -4 route | grep -q 'default via 192.0.2.1'"
t_check "mixed_mode_exit_clean" v6l_host_clean

# allow_mixed_mode=0 (and use_ipv4=1): dial-up, IPv4 over PPP. The user runs no DHCP client then.
in_cli ip -4 addr flush dev eth0
v6l_conf mode=auto
printf 'allow_mixed_mode = 0\n' >>"$V6L_CONF/v6link.ini"
v6l_start
t_check "allow_mixed_mode_0_dialup" v6l_wait_state up 25
t_check "allow_mixed_mode_0_mode" test "$(v6l_json "c['mode']")" = dial-up
t_check "allow_mixed_mode_0_ipv4_over_ppp" bash -c "ip -n $NS_CLI route get $FAR4 | grep -q 'dev v6link0'"
t_check "allow_mixed_mode_0_ping4" in_cli ping -4 -c 2 -W 2 "$FAR4"
v6l_stop
t_check "allow_mixed_mode_0_exit_clean" v6l_host_clean
[ "$T_FAILED" = 0 ] || t_dump
exit 0
