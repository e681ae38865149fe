#!/usr/bin/env bash
# RFC 2516 discovery + RFC 1661/1334/1994/2759 login + RFC 1332/5072 NCPs against the UML ISP
# (pppoe-server + pppd): one case per authentication method, traffic both ways, clean exit.
source "$(dirname "$0")/lib.sh"
t_begin

dial_case() { # AUTH
	local auth=$1 t0 t1
	t_log "=== $auth ==="
	isp_up AUTH="$auth" >"$T_RUN/isp-$auth.log" 2>&1 || { t_fail "isp up ($auth)"; cat "$T_RUN/isp-$auth.log"; return; }
	v6l_conf
	t0=$(date +%s.%N)
	v6l_start
	if v6l_wait_state up 20; then
		t1=$(date +%s.%N)
		t_ok "rfc1661_${auth}_login_ipcp_ipv6cp_up ($(python3 -c "print(f'{$t1-$t0:.2f}')") s from run to up)"
	else
		t_fail "rfc1661_${auth}_login_ipcp_ipv6cp_up"; t_dump
	fi
	local auth_json
	auth_json=$(v6l_json "c['auth']")
	t_check "rfc1334_1994_2759_${auth}_method_in_status (got $auth_json)" \
		test "$auth_json" = "$(case $auth in pap) echo pap;; chap) echo chap-md5;; mschapv2) echo mschapv2;; esac)"
	# Wait for IPv4 and IPv6 both (IPCP and IPv6CP finish independently).
	for _ in $(seq 50); do
		[ "$(v6l_json "c['ipv4']['address'] is not None and c['ipv6']['link_local'] is not None")" = True ] && break
		sleep 0.1
	done
	t_check "rfc1332_${auth}_ipv4_ping_far_host" in_cli ping -c 3 -i 0.2 -W 2 "$FAR4"
	t_check "rfc5072_${auth}_ipv6_ping_ac_link_local" in_cli ping -6 -c 3 -i 0.2 -W 2 "fe80::1%v6link0"
	t_check "rfc1877_${auth}_dns_from_ipcp" test "$(v6l_json "c['ipv4']['dns'][0]")" = 203.0.113.53
	# A daemon in a named namespace configures /etc/netns/NAME/resolv.conf, never the host's.
	t_check "${auth}_dns_in_netns_resolv_conf" grep -q "^nameserver 203.0.113.53" "/etc/netns/$NS_CLI/resolv.conf"
	t_check "${auth}_host_resolv_conf_untouched" bash -c "! grep -q v6link /etc/resolv.conf"
	if [ "$auth" = pap ]; then
		# check_traffic=1: a source that is not the session's is dropped and counted.
		in_cli ip addr add 198.51.100.7/32 dev v6link0
		in_cli ping -c 2 -i 0.2 -W 1 -I 198.51.100.7 "$FAR4" >/dev/null 2>&1
		in_cli ip addr del 198.51.100.7/32 dev v6link0
		t_check "check_traffic_drops_foreign_source ($(v6l_json "c['counters']['drops']['check_traffic_src']") counted)" \
			test "$(v6l_json "c['counters']['drops']['check_traffic_src'] >= 2")" = True
	fi
	v6l status
	v6l_stop
	t_check "${auth}_sigterm_leaves_nothing" v6l_host_clean
	t_check "${auth}_sigterm_removes_netns_resolv_conf" test ! -e "/etc/netns/$NS_CLI/resolv.conf"
	isp down >/dev/null 2>&1
	grep -q "$ISP_PASS" "$V6L_LOG" && t_fail "${auth}_password_never_logged" || t_ok "${auth}_password_never_logged"
}

for a in pap chap mschapv2; do dial_case "$a"; done
exit $T_FAILED
