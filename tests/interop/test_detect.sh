#!/usr/bin/env bash
# `v6link detect` (issue #4): PADI, RS, DHCPv6 Solicit and DHCPv4 DISCOVER on each adapter,
# against the UML ISP (dial-up, two ACs, mixed with a DHCPv4 server), dnsmasq as an IPv6 router
# with DHCPv6 and DHCPv4 (router), an empty segment (none) and [passthrough].
source "$(dirname "$0")/lib.sh"
t_begin
NS_R=${NS_R:-v6l-rtr$$}
NS_E=${NS_E:-v6l-empty$$}
DNSMASQ_PID=
cleanup_detect() {
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null
	ip netns del "$NS_R" 2>/dev/null
	ip netns del "$NS_E" 2>/dev/null
	rm -f /run/v6l-detect-$$.*
	t_cleanup
}
trap cleanup_detect EXIT
mkdir -p "$V6L_CONF"
: >"$V6L_CONF/v6link.ini"
detect() { # NS [args]: JSON of the first adapter
	local ns=$1
	shift
	ip netns exec "$ns" "$V6L_BIN" -C "$V6L_CONF" detect --json "$@" 2>"$T_RUN/detect.err"
}
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); a=d['adapters'][0]; print($1)"; }

# --- the UML ISP: dial-up; both ACs with their services ---
isp_up SECOND_AC=1 >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
out=$(detect "$NS_CLI" eth0)
echo "$out"
t_check "detect_dialup_mode" test "$(echo "$out" | jq_py "a['mode']")" = dial-up
t_check "detect_lists_both_acs_and_services" test "$(echo "$out" | jq_py "sorted((c['ac_name'], c['services'][0]) for c in a['access_concentrators'])")" = "[('v6l-isp-a', 'internet'), ('v6l-isp-b', 'business')]"
t_check "detect_dialup_time ($(echo "$out" | jq_py "d['elapsed_ms']") ms)" test "$(echo "$out" | jq_py "d['elapsed_ms'] < 7000")" = True
t_check "detect_took_no_session" bash -c "[ -z \"\$(bash $T_HERE/isp.sh sessions $ISP_RUN 2>/dev/null)\" ]"

# --- mixed: a DHCPv4 server on the same segment (in the UML, on its access interface) ---
isp exec "ip addr add 192.0.2.1/24 dev eth0; dnsmasq --conf-file=/dev/null --no-resolv --interface=eth0 --bind-interfaces --dhcp-range=192.0.2.100,192.0.2.150,1h --dhcp-leasefile=/tmp/d.leases --pid-file=/tmp/d.pid" >/dev/null
out=$(detect "$NS_CLI" eth0)
echo "$out"
t_check "detect_mixed_mode_with_dhcpv4" test "$(echo "$out" | jq_py "a['mode']")" = mixed
t_check "detect_dhcpv4_offer_reported" test "$(echo "$out" | jq_py "a['dhcpv4_servers'][0]['server']")" = 192.0.2.1
t_check "detect_dhcpv4_probe_took_no_lease" bash -c "[ -z \"\$(bash $T_HERE/isp.sh exec $ISP_RUN cat /tmp/d.leases)\" ]"
printf '[param]\nallow_mixed_mode=0\n' >"$V6L_CONF/v6link.ini"
t_check "detect_allow_mixed_mode_0_means_dialup" test "$(detect "$NS_CLI" eth0 | jq_py "a['mode']")" = dial-up
: >"$V6L_CONF/v6link.ini"
isp down >/dev/null 2>&1

# --- router: dnsmasq sending RAs, answering DHCPv6 and DHCPv4 ---
ip netns add "$NS_R"
ip -n "$NS_R" link add r0 type veth peer name c0
ip -n "$NS_R" link set r0 up
ip -n "$NS_R" link set c0 up
ip -n "$NS_R" addr add 192.0.2.1/24 dev r0
ip -n "$NS_R" -6 addr add 2001:db8:5::1/64 dev r0 nodad
sleep 1
ip netns exec "$NS_R" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --interface=r0 --bind-interfaces \
	--enable-ra --dhcp-range=2001:db8:5::100,2001:db8:5::1ff,64,1h --dhcp-range=192.0.2.100,192.0.2.150,1h \
	--dhcp-leasefile=/run/v6l-detect-$$.leases --pid-file=/run/v6l-detect-$$.pid >"$T_RUN/dnsmasq.log" 2>&1 &
DNSMASQ_PID=$!
sleep 1
out=$(detect "$NS_R" c0)
echo "$out"
t_check "detect_router_mode" test "$(echo "$out" | jq_py "a['mode']")" = router
t_check "detect_router_prefix" test "$(echo "$out" | jq_py "a['routers'][0]['prefixes'][0]")" = 2001:db8:5::/64
t_check "detect_dhcpv6_server" test "$(echo "$out" | jq_py "len(a['dhcpv6_servers'])")" = 1
t_check "detect_router_segment_dhcpv4" test "$(echo "$out" | jq_py "len(a['dhcpv4_servers'])")" = 1
t_check "detect_changed_nothing" bash -c "! ip netns exec $NS_R ip -4 addr show dev c0 | grep inet >/dev/null && ! ip netns exec $NS_R ip -6 addr show dev c0 | grep 'scope global' >/dev/null"

# --- an empty segment: nothing answers, said within the timeout (2 + 4 + 8 s by default) ---
ip netns add "$NS_E"
ip -n "$NS_E" link add e0 type veth peer name e1
ip -n "$NS_E" link set e0 up
ip -n "$NS_E" link set e1 up
t0=$(date +%s)
out=$(detect "$NS_E" e0)
t1=$(date +%s)
t_check "detect_empty_segment_none ($((t1 - t0)) s)" test "$(echo "$out" | jq_py "a['mode']")" = none
t_check "detect_empty_within_timeout" test $((t1 - t0)) -le 15

# --- [passthrough] hides an adapter ---
printf '[passthrough]\n1=e0\n' >"$V6L_CONF/v6link.ini"
ip netns exec "$NS_E" "$V6L_BIN" -C "$V6L_CONF" detect --json >"$T_RUN/pt.json" 2>"$T_RUN/pt.err"
t_check "passthrough_hides_adapter" bash -c "grep -q 'e0 skipped (\[passthrough\])' $T_RUN/pt.err && ! grep -q '\"adapter\":\"e0\"' $T_RUN/pt.json"
exit $T_FAILED
