#!/usr/bin/env bash
# `make demo`: dial the built-in test ISP (pppoe-server + pppd in User-Mode Linux), show what
# v6link configured, reach a host behind the ISP over IPv4 and the AC over IPv6, let an
# IPv4-only client reach an IPv6-only name through NAT46, hang up.
T_NAME=demo
source "$(dirname "$0")/lib.sh"
t_begin
echo "== starting the test ISP (User-Mode Linux: pppoe-server + pppd with CHAP, radvd, Kea DHCPv6 with /56 delegation; a far host with DNS and HTTP) =="
isp_up AUTH=chap RA=slaac DHCP6=kea PD_LEN=56 >"$T_RUN/isp.log" 2>&1 || { cat "$T_RUN/isp.log"; exit 1; }
echo "== configuration in $V6L_CONF =="
v6l_conf nat46=on
sed 's/^/    /' "$V6L_CONF/connections.ini"
echo "== v6link run dsl (namespace $NS_CLI, log $V6L_LOG) =="
t0=$(date +%s.%N)
v6l_start
if ! v6l_wait_state up 20; then
	echo "demo: the connection did not come up"; t_dump; exit 1
fi
echo "   PPP up after $(python3 -c "print(f'{$(date +%s.%N)-$t0:.2f}')") s"
for _ in $(seq 100); do
	[ "$(v6l_json "len(c['ipv6']['delegated_prefixes']) > 0 and len(c['ipv6']['dns']) > 0")" = True ] && break
	sleep 0.1
done
echo "   global IPv6, delegated prefix and DNS after $(python3 -c "print(f'{$(date +%s.%N)-$t0:.2f}')") s"
echo "== v6link status =="
v6l status
echo "== ip addr / routes on the TUN =="
in_cli ip addr show dev v6link0
in_cli ip route; in_cli ip -6 route
echo "== ping the far host 203.0.113.10 through the session =="
in_cli ping -c 3 -i 0.3 "$FAR4"
echo "== ping -6 the access concentrator's link-local address =="
in_cli ping -6 -c 3 -i 0.3 "fe80::1%v6link0"
echo "== DNS configured for the namespace (/etc/netns/$NS_CLI/resolv.conf) and a name resolved =="
cat "/etc/netns/$NS_CLI/resolv.conf"
in_cli getent ahostsv6 host.isp.example | head -1
echo "== ping -6 and HTTP to the far host by name, from the address out of the delegated prefix =="
pd=$(v6l_json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'delegated'][0]")
in_cli ping -6 -c 3 -i 0.3 -I "$pd" host.isp.example
in_cli python3 -c "import urllib.request; print(urllib.request.urlopen('http://host.isp.example/', timeout=5).status, 'from http://host.isp.example/')"
echo "== an IPv4-only client and an IPv6-only name (nat46=on): DNS mapping and NAT46 via v6link46 =="
in_cli dig +noall +answer A v6only.isp.example
in_cli curl -4 -sS -m 5 -o /dev/null -w 'curl -4: HTTP %{http_code} from %{remote_ip}\n' http://v6only.isp.example/
echo "== v6link status --json =="
v6l status --json | python3 -m json.tool
echo "== hang up (SIGTERM) =="
v6l_stop
v6l_host_clean && echo "host clean: no v6link interface, address or route left"
echo "== the session's pcapng trace, as tshark decodes it (func_trace=1: control frames) =="
f=$(ls "$T_RUN"/trace/dsl-*.pcapng 2>/dev/null | head -1)
[ -n "$f" ] && tshark -r "$f" 2>/dev/null | head -30
echo "(full trace: $f; live: v6link trace -w - | wireshark -k -i -)"
