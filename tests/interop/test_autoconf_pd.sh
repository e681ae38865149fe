#!/usr/bin/env bash
# IPv6 autoconfiguration over the PPP link against the UML ISP's DHCPv6 servers, part 2 (part 1
# is test_autoconf.sh; split so that the two run side by side): prefix delegation of /48 to /64
# (RFC 8415 IA_PD) from Kea and from wide-dhcpv6-server, renewals at T1, a redial getting the
# same prefix back, a renumbered ISP's new prefix replacing the old one, and nothing left behind.
source "$(dirname "$0")/lib.sh"
t_begin

json() { v6l_json "$1" 2>/dev/null; }
# wait_json EXPR [SECS]: until the Python expression on connection c is True.
wait_json() {
	local i
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		[ "$(json "$1")" = True ] && return 0
		sleep 0.1
	done
	t_log "timed out waiting for: $1"
	return 1
}
has_src() { # SOURCE PREFIX: an address of that source within the prefix
	echo "any(a['source'] == '$1' and a['address'].startswith('$2') for a in c['ipv6']['addresses'])"
}
tcp6_get() { # ADDR: an HTTP GET over IPv6 TCP to the far host, from SOURCE if given
	in_cli python3 - "$@" <<-'PY'
	import socket, sys
	s = socket.create_connection((sys.argv[1], 80), timeout=5,
	                             source_address=(sys.argv[2], 0) if len(sys.argv) > 2 else None)
	s.sendall(b"GET / HTTP/1.0\r\n\r\n")
	sys.exit(0 if s.recv(100).startswith(b"HTTP/1.0 200") else 1)
	PY
}
start_case() { # ISP options...
	isp down >/dev/null 2>&1
	v6l_stop >/dev/null 2>&1
	rm -rf "$ISP_RUN" # a fresh DHCPv6 server: no lease from an earlier case
	isp_up FAR_DNS=1 FAR_HTTP=1 "$@" >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up ($*)"; cat "$T_RUN/isp.log"; return 1; }
	: >"$V6L_LOG"
	T0=$(date +%s.%N)
	v6l_start
	v6l_wait_state up 20
}
since() { python3 -c "print(f'{$(date +%s.%N)-$1:.2f}')"; }
v6l_conf

# --- prefix delegation of /48, /56, /60, /64 ---
for len in 48 56 60 64; do
	if start_case RA=slaac DHCP6=kea PD_LEN=$len; then
		wait_json "len(c['ipv6']['delegated_prefixes']) > 0" 15
		got=$(json "c['ipv6']['delegated_prefixes'][0]['prefix_len']")
		t_check "rfc8415_ia_pd_$len (delegated /$got, $(since "$T0") s from run)" test "$got" = "$len"
		pfx=$(json "c['ipv6']['delegated_prefixes'][0]['prefix']")
		pd64=$(json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'delegated'][0]")
		# The /64 is the delegated prefix extended with zero bits (2001:db8:8000::/N -> 2001:db8:8000:0::/64).
		t_check "pd_${len}_zero_extended_64_assigned ($pd64 from $pfx/$len)" python3 -c "
import ipaddress, sys
a = ipaddress.ip_address('$pd64'); p = ipaddress.ip_network('$pfx/$len')
z = ipaddress.ip_network(f'{p.network_address}/64')
sys.exit(0 if a in z else 1)"
		t_check "pd_${len}_ping6_and_tcp_from_delegated_address" bash -c "ip netns exec $NS_CLI ping -6 -c 2 -i 0.3 -W 2 -I $pd64 $FAR6 >/dev/null"
		[ "$len" = 56 ] && t_check "pd_56_tcp_from_delegated_address" tcp6_get "$FAR6" "$pd64"
	else
		t_fail "pd $len: dial"; t_dump
	fi
done

# --- the same against wide-dhcpv6-server (dhcp6s), which delegates only to listed DUIDs ---
mkdir -p "$V6L_CONF/state"
printf '\x00\x03\x00\x01\x02\x76\x36\x00\x00\x10' >"$V6L_CONF/state/dsl.duid" # DUID-LL of eth0
if start_case RA=slaac DHCP6=wide PD_LEN=56 DHCP6_DUID=00:03:00:01:02:76:36:00:00:10; then
	wait_json "len(c['ipv6']['delegated_prefixes']) > 0" 15
	t_check "wide_dhcpv6_server_ia_pd_56 ($(since "$T0") s from run)" test "$(json "c['ipv6']['delegated_prefixes'][0]['prefix_len']")" = 56
	pd64=$(json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'delegated'][0]")
	t_check "wide_dhcpv6_server_ping6_from_delegated_address" in_cli ping -6 -c 2 -i 0.3 -W 2 -I "$pd64" "$FAR6"
else
	t_fail "wide: dial"; t_dump
fi

# --- short lifetimes: Renew at T1 updates the kernel's lifetimes in place ---
if start_case RA=slaac DHCP6=kea DHCP6_T1=4 DHCP6_T2=6 DHCP6_PREF=10 DHCP6_VALID=20; then
	wait_json "len(c['ipv6']['delegated_prefixes']) > 0" 15
	sleep 6
	t_check "rfc8415_18_2_4_renew_sent_at_t1" grep -q "renew" "$V6L_LOG"
	vl=$(json "[a['valid_lft'] for a in c['ipv6']['addresses'] if a['source'] == 'delegated'][0]")
	t_check "rfc8415_renew_refreshes_lifetime (valid_lft $vl s after 6 s of 20)" test "${vl:-0}" -gt 14
else
	t_fail "short lifetimes: dial"; t_dump
fi

# --- redial: the same DUID/IAID gets the same prefix back (Rebind), IPv6 working again ---
if start_case RA=slaac DHCP6=kea; then
	wait_json "len(c['ipv6']['delegated_prefixes']) > 0" 15
	pfx0=$(json "c['ipv6']['delegated_prefixes'][0]['prefix']")
	sid0=$(json "c['session_id']")
	t0=$(date +%s.%N)
	isp kill-pppd >/dev/null
	wait_json "c['session_id'] != $sid0 and c['state'] == 'up' and len(c['ipv6']['delegated_prefixes']) > 0" 30
	pfx1=$(json "c['ipv6']['delegated_prefixes'][0]['prefix']")
	pd64=$(json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'delegated'][0]")
	for _ in $(seq 30); do in_cli ping -6 -c 1 -W 1 -I "$pd64" "$FAR6" >/dev/null 2>&1 && break; done
	t_check "rfc8415_18_2_12_redial_same_prefix ($pfx0 -> $pfx1, IPv6 back in $(since "$t0") s)" test "$pfx0" = "$pfx1"
	t_check "redial_ipv6_traffic_resumes" in_cli ping -6 -c 2 -i 0.3 -W 2 -I "$pd64" "$FAR6"
	# The ISP renumbers its pool, then the session drops: the new prefix replaces the old one
	# on the host at once (no stale prefix after a redial).
	isp dhcp6-renumber >/dev/null
	sid1=$(json "c['session_id']")
	isp kill-pppd >/dev/null
	wait_json "c['session_id'] != $sid1 and len(c['ipv6']['delegated_prefixes']) > 0 and c['ipv6']['delegated_prefixes'][0]['prefix'] != '$pfx1'" 45
	pfx2=$(json "c['ipv6']['delegated_prefixes'][0]['prefix']")
	t_check "redial_new_prefix_replaces_old ($pfx1 -> $pfx2)" test -n "$pfx2" -a "$pfx2" != "$pfx1"
	t_check "redial_old_prefix_gone_from_host" bash -c "! ip netns exec $NS_CLI ip -6 addr show dev v6link0 | grep '${pfx1%::}:0:' >/dev/null"
	v6l_stop
	t_check "sigterm_leaves_no_ipv6_state" bash -c "! ip netns exec $NS_CLI ip link show v6link0 2>/dev/null && ! test -e /etc/netns/$NS_CLI/resolv.conf"
else
	t_fail "redial: dial"; t_dump
fi
exit $T_FAILED
