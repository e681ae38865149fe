#!/usr/bin/env bash
# Router mode (issue #14 items 3 and 4) on a shared segment (lan.sh) with two radvd: r1 is no
# default router (AdvDefaultLifetime 0) and announces only an RFC 4191 route (2001:db8:77::/48,
# reached through it on the far host); r2 is the default router with 2001:db8:2::/64 (the
# kernel's SLAAC), 2001:db8:60::/56 with A set and 2001:db8:61::/56 with A clear. Checked:
# the route via r1's link-local at the metric of its preference, followed through a preference
# and lifetime change, a withdrawal (lifetime 0) and an expiry; PREF64 (RFC 8781) in status; the
# kernel's SLAAC address (and a permanent one) in status, hooks and NAME.env; the /56 prefixes
# reported (status, hooks, NAME.env) and the host's address in 2001:db8:60::/64 (zero-extended),
# usable, gone with its router; nothing of v6link's left after exit.
source "$(dirname "$0")/lib.sh"
source "$T_HERE/lan.sh"
t_begin
trap 'v6l_stop >/dev/null 2>&1; lan_down' EXIT

SLAAC=2001:db8:2:0:76:36ff:fe00:10  # the kernel's, from r2's /64 (EUI-64 of the client's MAC)
RPFX=2001:db8:60:0:76:36ff:fe00:10  # ours, in 2001:db8:60::/56 zero-extended to a /64
RIO_DST=2001:db8:77::1              # on the far host, reached via r1
ENVF=$T_RUN/lan.env                 # NAME.env beside the control socket
HOOKS=$T_RUN/hooks                  # one file per hook run: PID.EVENT

# rt_wait SECS CMD...: until CMD succeeds (polled every 0.2 s).
rt_wait() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 5; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	t_log "not true after $secs s: $*"
	return 1
}
# hook_has EVENT LINE...: a run of the hook for EVENT had every LINE in its environment.
hook_has() {
	local ev=$1 f l ok
	shift
	for f in "$HOOKS"/*."$ev"; do
		[ -f "$f" ] || continue
		ok=1
		for l in "$@"; do grep -qxF -- "$l" "$f" || ok=0; done
		[ $ok = 1 ] && return 0
	done
	return 1
}
ping_q() { in_cli ping -6 -c 1 -W 1 -I "$1" "$2" >/dev/null 2>&1; }
# rio_route: the client's route to 2001:db8:77::/48 ("" if none).
rio_route() { in_cli ip -6 route show 2001:db8:77::/48; }
rio_has() { rio_route | grep -- "$1" >/dev/null; }
rio_lacks() { ! rio_has "$1"; }
rio_none() { [ -z "$(rio_route)" ]; }
has_addr() { in_cli ip -6 addr show dev eth0 | grep "inet6 $1/" >/dev/null; }
no_addr() { ! has_addr "$1"; }

# r1: RIO only, not a default router; $1 = route block ("" = none)
r1_conf() {
	cat >"$T_RUN/radvd-1.conf" <<-EOF
	interface eth0 {
		AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 4; AdvDefaultLifetime 0;
		$1
	};
	EOF
}
RIO_HIGH='route 2001:db8:77::/48 { AdvRoutePreference high; AdvRouteLifetime 60; };'
RIO_LOW='route 2001:db8:77::/48 { AdvRoutePreference low; AdvRouteLifetime 12; };'
RIO_SHORT='route 2001:db8:77::/48 { AdvRoutePreference medium; AdvRouteLifetime 8; };'

lan_up
# The far host: 2001:db8:77::1 behind r1; 2001:db8:60::/56 routed back via r2, which has it
# on its segment.
ip -n "$NS_LF" addr add "$RIO_DST/128" dev lo
ip -n "$NS_R1" -6 route add 2001:db8:77::/48 via 2001:db8:f1::2
ip -n "$NS_LF" -6 route add 2001:db8:60::/56 via 2001:db8:f2::1
ip -n "$NS_R2" -6 route add 2001:db8:60::/56 dev eth0
r1_conf "$RIO_HIGH"
# radvd 2.20 has nat64prefix (RFC 8781); Debian 12's 2.19 does not: then r1 also sends one RA
# with PREF64 from a raw ICMPv6 socket (python below).
NAT64_RADVD=0
printf 'interface eth0 { AdvSendAdvert on; nat64prefix 64:ff9b::/96 { }; };\n' >"$T_RUN/nat64-probe.conf"
if radvd -c -C "$T_RUN/nat64-probe.conf" >/dev/null 2>&1; then
	NAT64_RADVD=1
	r1_conf "$RIO_HIGH nat64prefix 64:ff9b::/96 { AdvValidLifetime 600; };"
fi
lan_radvd_start "$NS_R1" 1
# r2: the default router with the prefixes; $1 = extra lines
r2_conf() {
	cat >"$T_RUN/radvd-2.conf" <<-EOF
	interface eth0 {
		AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 4; AdvDefaultLifetime 60;
		prefix 2001:db8:2::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 300; AdvPreferredLifetime 200; };
		prefix 2001:db8:60::/56 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 300; AdvPreferredLifetime 200; };
		prefix 2001:db8:61::/56 { AdvOnLink on; AdvAutonomous off; AdvValidLifetime 300; AdvPreferredLifetime 200; };
		$1
	};
	EOF
}
r2_conf ""
lan_radvd_start "$NS_R2" 2
mkdir -p "$HOOKS"
cat >"$T_RUN/hook.sh" <<-EOF
#!/bin/sh
env | grep '^V6LINK_' | sort >"$HOOKS/\$\$.\$1"
EOF
chmod 755 "$T_RUN/hook.sh"
mkdir -p "$V6L_CONF"
printf '[param]\nfunc_trace = 1\ntrace_dir = %s/trace\n' "$T_RUN" >"$V6L_CONF/v6link.ini"
printf '[lan]\ndial_string = if=eth0\nmode = router\ndhcpv6 = off\nprefix_delegation = 0\nhook = %s\n' \
	"$T_RUN/hook.sh" >"$V6L_CONF/connections.ini"
v6l_start run lan
t_check "router_ra_up" v6l_wait_state up 20

# --- RFC 4191 ---
t_check "rfc4191_3_1_route_via_router_link_local (high: route_metric 50)" \
	rt_wait 15 rio_has "via fe80::1 dev eth0 .*metric 50"
t_check "rfc4191_route_from_non_default_router_in_status" test "$(v6l_json "[(r['prefix'], r['router'], r['preference'], r['metric']) for r in c['ipv6']['ra']['routes']]")" = "[('2001:db8:77::/48', 'fe80::1', 'high', 50)]"
t_check "rfc4191_route_in_status_text" bash -c "ip netns exec $NS_CLI $V6L_BIN -S $V6L_SOCK status | grep -E 'route +2001:db8:77::/48 via fe80::1 preference high' >/dev/null"
# Traffic to the route leaves via r1, though the default router is r2. The ping's source is the
# kernel's SLAAC address: wait until it is there and past DAD (CI once pinged too early, rc 2).
slaac_ready() { in_cli ip -6 addr show dev eth0 | grep "inet6 $SLAAC/" | grep -v tentative >/dev/null; }
rt_wait 15 slaac_ready
n=20
r1a=$(lan_fwd "$NS_R1")
in_cli ping -6 -c "$n" -i 0.05 -W 1 -q -I "$SLAAC" "$RIO_DST" >"$T_RUN/ping-rio.txt" 2>&1
rc=$?
r1b=$(lan_fwd "$NS_R1")
t_check "rfc4191_traffic_to_route_leaves_via_its_router (ping rc $rc, r1 forwarded $((r1b - r1a)))" \
	test "$rc" = 0 -a $((r1b - r1a)) -ge "$n"
# r2 announces the same route with preference low for 8 s: both installed, r1's (high) is used.
r2_conf 'route 2001:db8:77::/48 { AdvRoutePreference low; AdvRouteLifetime 8; };'
kill -HUP "$LAN_RADVD_2"
t_check "rfc4191_same_route_from_second_router (low: 50 + 16)" rt_wait 15 rio_has "via fe80::2 dev eth0 .*metric 66"
# r2 numbers the host's prefixes, so its route is restricted to them (RFC 8028 for RFC 4191
# routes) and r1's is installed for them too, to compete by metric. Asked from the SLAAC address
# as the host's traffic is: with a source-specific route to the prefix, `ip route get` without a
# source finds nothing (a kernel quirk of RTM_GETROUTE; sockets pick a source first).
t_check "rfc4191_higher_preference_route_used" bash -c "ip -n $NS_CLI -6 route get $RIO_DST from $SLAAC | grep 'via fe80::1 ' >/dev/null"
r2_conf ""
kill -HUP "$LAN_RADVD_2"
t_check "rfc4191_second_router_route_expires" rt_wait 15 rio_lacks "via fe80::2"
t_check "rfc4191_first_router_route_kept" rio_has "via fe80::1 dev eth0 .*metric 50"

# --- PREF64 (RFC 8781) ---
if [ "$NAT64_RADVD" = 0 ]; then
	t_log "radvd $(radvd -v 2>&1 | awk '/Version/ { print $2 }') has no nat64prefix: PREF64 from a raw socket on r1"
	ip netns exec "$NS_R1" python3 - <<-'EOF' >"$T_RUN/pref64.log" 2>&1
	import socket, struct, time
	idx = socket.if_nametoindex("eth0")
	s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
	s.bind(("fe80::1", 0, 0, idx))
	# RA: type 134, hop limit 64, router lifetime 0 (the kernel fills the ICMPv6 checksum)
	ra = struct.pack(">BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
	# RFC 8781 §4: type 38, length 2, scaled lifetime 600 s / 8, PLC 0 (/96), 96 prefix bits
	opt = struct.pack(">BBH", 38, 2, (600 // 8) << 3) + bytes.fromhex("0064ff9b0000000000000000")
	for _ in range(3):
	    s.sendto(ra + opt, ("ff02::1", 0, 0, idx))
	    time.sleep(0.3)
	EOF
fi
t_check "rfc8781_pref64_in_status_json" wait_json "c['ipv6']['pref64'] == ['64:ff9b::/96']" 10
t_check "rfc8781_pref64_in_status_text" bash -c "ip netns exec $NS_CLI $V6L_BIN -S $V6L_SOCK status | grep -E 'pref64 +64:ff9b::/96 lifetime' >/dev/null"

# --- the kernel's SLAAC address reported ---
t_check "kernel_slaac_address_in_status" wait_json "any(a['address'] == '$SLAAC' and a['source'] == 'slaac' and a['prefix_len'] == 64 and a['valid_lft'] > 0 for a in c['ipv6']['addresses'])" 10
t_check "kernel_slaac_address_in_env_file" bash -c "grep \"^V6LINK_IPV6_ADDRESSES='.*$SLAAC/64\" $ENVF >/dev/null"
t_check "kernel_slaac_address_added_hook" rt_wait 5 hook_has address-added "V6LINK_ADDRESS=$SLAAC/64" V6LINK_SOURCE=slaac
# An address someone else puts on the adapter (permanent): source kernel; its removal too.
in_cli ip -6 addr add 2001:db8:99::99/64 dev eth0 nodad
t_check "adapter_permanent_address_in_status_as_kernel" wait_json "any(a['address'] == '2001:db8:99::99' and a['source'] == 'kernel' and a['valid_lft'] == -1 for a in c['ipv6']['addresses'])" 5
t_check "adapter_permanent_address_added_hook" rt_wait 5 hook_has address-added V6LINK_ADDRESS=2001:db8:99::99/64 V6LINK_SOURCE=kernel
in_cli ip -6 addr del 2001:db8:99::99/64 dev eth0
t_check "adapter_address_gone_from_status" wait_json "not any(a['address'] == '2001:db8:99::99' for a in c['ipv6']['addresses'])" 5
t_check "adapter_address_removed_hook" rt_wait 5 hook_has address-removed V6LINK_ADDRESS=2001:db8:99::99/64

# --- prefixes shorter than /64 ---
t_check "router_prefixes_in_status" wait_json "sorted((p['prefix'], p['prefix_len'], p['router'], p['autonomous']) for p in c['ipv6']['router_prefixes']) == [('2001:db8:60::', 56, 'fe80::2', True), ('2001:db8:61::', 56, 'fe80::2', False)]" 10
t_check "router_prefix_zero_extended_address_in_status" test "$(v6l_json "[(a['prefix_len'], a['source']) for a in c['ipv6']['addresses'] if a['address'] == '$RPFX']")" = "[(64, 'router-prefix')]"
t_check "router_prefix_zero_extended_address_on_adapter" has_addr "$RPFX"
t_check "router_prefix_without_a_flag_no_address" bash -c "! ip -n $NS_CLI -6 addr show dev eth0 | grep 'inet6 2001:db8:61:' >/dev/null"
t_check "router_prefixes_in_env_file" bash -c "grep \"^V6LINK_ROUTER_PREFIXES='.*2001:db8:6[01]::/56 2001:db8:6[01]::/56'\" $ENVF >/dev/null && grep \"^V6LINK_IPV6_ADDRESSES='.*$RPFX/64\" $ENVF >/dev/null"
t_check "router_prefix_added_hook" rt_wait 5 hook_has router-prefix-added V6LINK_PREFIX=2001:db8:60::/56 V6LINK_ROUTER=fe80::2 V6LINK_VALID_LFT=300 V6LINK_PREFERRED_LFT=200
t_check "router_prefix_address_added_hook" rt_wait 5 hook_has address-added "V6LINK_ADDRESS=$RPFX/64" V6LINK_SOURCE=router-prefix
t_check "router_prefix_address_usable (ping far host from $RPFX)" rt_wait 5 ping_q "$RPFX" "$LAN_FAR6"

# --- RFC 4191 route changes ---
r1_conf "$RIO_LOW"
kill -HUP "$LAN_RADVD_1"
t_check "rfc4191_preference_change_moves_metric (low: 50 + 16)" rt_wait 15 rio_has "via fe80::1 dev eth0 .*metric 66"
t_check "rfc4191_one_route_after_change" test "$(rio_route | wc -l)" = 1
t_check "rfc4191_lifetime_change_in_status" wait_json "[(r['preference'], r['lifetime'] <= 12) for r in c['ipv6']['ra']['routes']] == [('low', True)]" 10
# radvd's final RA announces the route with lifetime 0 (RemoveRoute, on by default).
kill "$LAN_RADVD_1"
wait "$LAN_RADVD_1" 2>/dev/null
t_check "rfc4191_route_lifetime_0_removes_it" rt_wait 5 rio_none
r1_conf "$RIO_SHORT"
lan_radvd_start "$NS_R1" 1
t_check "rfc4191_route_back (medium: 50 + 8)" rt_wait 15 rio_has "via fe80::1 dev eth0 .*metric 58"
r1_conf ""
kill -HUP "$LAN_RADVD_1"
t0=$(date +%s)
t_check "rfc4191_route_expires_with_its_lifetime" rt_wait 15 rio_none
t_log "route gone $(($(date +%s) - t0)) s after radvd stopped announcing it (lifetime 8 s)"
r1_conf "$RIO_HIGH"
kill -HUP "$LAN_RADVD_1"
t_check "rfc4191_route_announced_again" rt_wait 15 rio_has "via fe80::1 dev eth0 .*metric 50"

# --- the router with the /56 leaves, and comes back ---
kill "$LAN_RADVD_2"
wait "$LAN_RADVD_2" 2>/dev/null
t_check "router_prefix_address_goes_with_its_router" rt_wait 10 no_addr "$RPFX"
t_check "router_prefix_removed_hook" rt_wait 5 hook_has router-prefix-removed V6LINK_PREFIX=2001:db8:60::/56
t_check "router_prefixes_gone_from_status" wait_json "c['ipv6']['router_prefixes'] == []" 5
lan_radvd_start "$NS_R2" 2
t_check "router_prefix_address_back_with_its_router" rt_wait 15 has_addr "$RPFX"

v6l_stop
t_check "exit_removes_rfc4191_route" rio_none
t_check "exit_removes_router_prefix_address" no_addr "$RPFX"
t_check "exit_removes_source_routes" bash -c "! ip -n $NS_CLI -6 route show | grep '^default from' >/dev/null"
t_check "exit_leaves_kernel_slaac_address" has_addr "$SLAAC"
[ "$T_FAILED" = 0 ] || t_dump
exit 0
