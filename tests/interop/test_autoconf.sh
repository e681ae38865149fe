#!/usr/bin/env bash
# IPv6 autoconfiguration over the PPP link against the UML ISP's radvd and DHCPv6 servers:
# SLAAC (RFC 4862), RDNSS/DNSSL (RFC 8106), RFC 7217 identifiers, stateless DHCPv6, IA_NA and
# IA_PD (RFC 8415). Prefix delegation lengths, wide-dhcpv6-server, renewals and redials are in
# test_autoconf_pd.sh.
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

# --- SLAAC only: address, RDNSS/DNSSL, ping, TCP, name resolution ---
v6l_conf
if start_case RA=slaac; then
	wait_json "$(has_src slaac 2001:db8:100:10:)" 10
	t_check "rfc4862_slaac_address_from_ra ($(since "$T0") s from run)" test "$(json "$(has_src slaac 2001:db8:100:10:)")" = True
	slaac=$(json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'slaac'][0]")
	t_check "rfc4862_slaac_address_in_kernel_with_lifetimes" bash -c "ip netns exec $NS_CLI ip -6 addr show dev v6link0 | grep -A1 '$slaac/64' | grep -q 'valid_lft 86[34][0-9][0-9]sec'"
	t_check "rfc4861_ping6_far_host_from_slaac" in_cli ping -6 -c 2 -i 0.3 -W 2 -I "$slaac" "$FAR6"
	t_check "rfc4862_tcp_to_far_host_from_slaac" tcp6_get "$FAR6" "$slaac"
	wait_json "'2001:db8:f::53' in c['ipv6']['dns'] and 'isp.example' in c['ipv6']['domains']" 10
	t_check "rfc8106_rdnss_dnssl_in_status" test "$(json "'2001:db8:f::53' in c['ipv6']['dns'] and 'isp.example' in c['ipv6']['domains']")" = True
	t_check "rfc8106_rdnss_in_resolv_conf" grep -q "^nameserver 2001:db8:f::53" "/etc/netns/$NS_CLI/resolv.conf"
	t_check "rfc8106_name_resolved_through_configured_dns" bash -c "ip netns exec $NS_CLI getent ahostsv6 host.isp.example | grep -q 2001:db8:f::10"
	t_check "accept_ra_off_on_tun" test "$(in_cli cat /proc/sys/net/ipv6/conf/v6link0/accept_ra)" = 0
	# RFC 6724 policy table: without an RFC 7078 option from the ISP, the RFC 6724 defaults go
	# into a managed gai.conf block (glibc's built-in table is RFC 3484's).
	t_check "rfc6724_defaults_in_gai_conf_block" grep -q "^# BEGIN v6link" "/etc/netns/$NS_CLI/gai.conf"
	t_check "rfc6724_policy_in_status" test "$(json "c['ipv6']['policy_table']")" = rfc6724-defaults
	# Withdrawal: the ISP renumbers; the old prefix arrives with lifetime 0 and must go at once.
	isp ra-renumber 2001:db8:100:99::/64 >/dev/null
	wait_json "$(has_src slaac 2001:db8:100:99:) and not $(has_src slaac 2001:db8:100:10:)" 15
	t_check "rfc4862_prefix_withdrawn_and_new_prefix_used" test "$(json "$(has_src slaac 2001:db8:100:99:) and not $(has_src slaac 2001:db8:100:10:)")" = True
	t_check "rfc4862_withdrawn_address_gone_from_kernel" bash -c "! ip netns exec $NS_CLI ip -6 addr show dev v6link0 | grep 2001:db8:100:10: >/dev/null"
	v6l down dsl >/dev/null
	v6l_wait_state idle 10
	t_check "down_removes_ipv6_addresses_routes_dns" bash -c "! ip netns exec $NS_CLI ip -6 addr show dev v6link0 | grep 'scope global' >/dev/null && ! ip netns exec $NS_CLI ip -6 route | grep v6link0 >/dev/null && ! test -e /etc/netns/$NS_CLI/resolv.conf"
	t_check "down_removes_gai_conf_block" bash -c "! grep -q v6link /etc/netns/$NS_CLI/gai.conf 2>/dev/null"
else
	t_fail "slaac: dial"; t_dump
fi

# --- RFC 7217 stable-privacy identifiers: not the IPv6CP one, the same after a redial ---
v6l_conf stable_privacy=1 prefix_delegation=0
if start_case RA=slaac; then
	wait_json "$(has_src slaac 2001:db8:100:10:)" 10
	a1=$(json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'slaac'][0]")
	ll=$(json "c['ipv6']['link_local']")
	t_check "rfc7217_identifier_differs_from_ipv6cp ($a1 vs $ll)" test "${a1##*:}" != "${ll##*:}"
	sid0=$(json "c['session_id']")
	isp kill-pppd >/dev/null
	wait_json "c['session_id'] != $sid0 and $(has_src slaac 2001:db8:100:10:)" 30
	a2=$(json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'slaac'][0]")
	t_check "rfc7217_stable_across_redial ($a1 -> $a2)" test "$a1" = "$a2"
else
	t_fail "stable privacy: dial"; t_dump
fi

# --- SLAAC + stateless DHCPv6 (O flag, no PD asked) ---
v6l_conf prefix_delegation=0
if start_case RA=slaac+o DHCP6=kea; then
	wait_json "c['ipv6']['dhcpv6']['mode'] == 'stateless' and c['ipv6']['dhcpv6']['state'] == 'info-bound'" 15
	t_check "rfc8415_18_2_6_information_request_when_o_set" test "$(json "c['ipv6']['dhcpv6']['mode'] == 'stateless' and c['ipv6']['dhcpv6']['state'] == 'info-bound'")" = True
	t_check "rfc8415_stateless_no_delegated_prefix" test "$(json "len(c['ipv6']['delegated_prefixes'])")" = 0
else
	t_fail "slaac+o: dial"; t_dump
fi
v6l_conf

# --- stateful IA_NA (M flag) + PD ---
if start_case RA=m DHCP6=kea; then
	wait_json "$(has_src dhcpv6 2001:db8:200::)" 15
	t_check "rfc8415_ia_na_address_when_m_set" test "$(json "$(has_src dhcpv6 2001:db8:200::)")" = True
	t_check "rfc8415_no_slaac_when_a_flag_clear" test "$(json "$(has_src slaac 2001:db8:)")" = False
	na=$(json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'dhcpv6'][0]")
	t_check "rfc8415_ping6_far_host_from_ia_na" in_cli ping -6 -c 2 -i 0.3 -W 2 -I "$na" "$FAR6"
else
	t_fail "m: dial"; t_dump
fi

# --- dhcpv6=stateful forces IA_NA even when the RA does not set M ---
v6l_conf dhcpv6=stateful
if start_case RA=slaac DHCP6=kea; then
	wait_json "$(has_src dhcpv6 2001:db8:200::) and $(has_src slaac 2001:db8:100:10:)" 15
	t_check "dhcpv6_stateful_forced_by_config" test "$(json "$(has_src dhcpv6 2001:db8:200::) and c['ipv6']['dhcpv6']['mode'] == 'stateful+prefix-delegation'")" = True
else
	t_fail "dhcpv6=stateful: dial"; t_dump
fi
v6l_conf

exit $T_FAILED
