#!/usr/bin/env bash
# `make demo`: dial the built-in test ISP (pppoe-server + pppd in User-Mode Linux), show what
# v6link configured, reach a host behind the ISP over IPv4 and the AC over IPv6, hang up.
T_NAME=demo
source "$(dirname "$0")/lib.sh"
t_begin
echo "== starting the test ISP (User-Mode Linux: pppoe-server + pppd, CHAP) =="
isp_up AUTH=chap >"$T_RUN/isp.log" 2>&1 || { cat "$T_RUN/isp.log"; exit 1; }
echo "== configuration in $V6L_CONF =="
v6l_conf
sed 's/^/    /' "$V6L_CONF/connections.ini"
echo "== v6link run dsl (namespace $NS_CLI, log $V6L_LOG) =="
t0=$(date +%s.%N)
v6l_start
if ! v6l_wait_state up 20; then
	echo "demo: the connection did not come up"; t_dump; exit 1
fi
echo "   up after $(python3 -c "print(f'{$(date +%s.%N)-$t0:.2f}')") s"
sleep 1
echo "== v6link status =="
v6l status
echo "== ip addr / routes on the TUN =="
in_cli ip addr show dev v6link0
in_cli ip route; in_cli ip -6 route
echo "== ping the far host 203.0.113.10 through the session =="
in_cli ping -c 3 -i 0.3 "$FAR4"
echo "== ping -6 the access concentrator's link-local address =="
in_cli ping -6 -c 3 -i 0.3 "fe80::1%v6link0"
echo "== v6link status --json =="
v6l status --json | python3 -m json.tool
echo "== hang up (SIGTERM) =="
v6l_stop
v6l_host_clean && echo "host clean: no v6link interface, address or route left"
