#!/usr/bin/env bash
# Fault suite, IPv6 services: an RA with router lifetime 0 (RFC 4861 §6.3.4), an RA MTU change
# (§6.3.4, RFC 4861 §4.6.4), the DHCPv6 server down for longer than T2 (RFC 8415 §18.2.5,
# §18.2.10.1: the lease goes at its valid lifetime and comes back with the server), and the ISP
# restarting the session with new prefixes everywhere (RA /64, IA_NA, IA_PD, IPv4). Each case
# compares the whole host state (lib.sh ns_state) with what it must be: only what the fault
# takes away is gone, what it changes is changed, nothing else moved, and nothing is left after
# exit. Each PASS line gives the time from the fault (or its end) to the expected host state.
source "$(dirname "$0")/lib.sh"
t_begin
# Short DHCPv6 timers (T1 2 s, T2 3 s, valid 10 s) and a new RA /64 for each session.
T1=2 T2=3 PREF=6 VALID=10
# V6READY: RA and DHCPv6 answered from the session's first moment, as at a BNG.
isp_up RA=slaac DHCP6=kea V6READY=1 DHCP6_LOG=info RA_PREFIX_MODE=counter DHCP6_T1=$T1 DHCP6_T2=$T2 \
	DHCP6_PREF=$PREF DHCP6_VALID=$VALID FAR_DNS=1 >"$T_RUN/isp.log" 2>&1 ||
	{ t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
ns_snap pre

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
settle() { # NAME: complete (IPv4, SLAAC, IA_NA, IA_PD, RA DNS) and still for a second
	local i
	wait_json "c['state'] == 'up' and bool(c['ipv4']['address']) and \
any(a['source'] == 'slaac' for a in c['ipv6']['addresses']) and \
any(a['source'] == 'dhcpv6' for a in c['ipv6']['addresses']) and \
len(c['ipv6']['delegated_prefixes']) > 0 and '2001:db8:f::53' in c['ipv6']['dns']" 30 || return 1
	for ((i = 0; i < 20; i++)); do
		ns_snap "$1"
		sleep 1
		ns_same "$1" >/dev/null && return 0
	done
	return 1
}
js() { v6l_json "$1" 2>/dev/null; }
slaac64() { js "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'slaac'][0] + '/64'"; }
na128() { js "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'dhcpv6'][0] + '/128'"; }
pd64() { js "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'delegated'][0] + '/64'"; }
pd() { js "'%s/%d' % (c['ipv6']['delegated_prefixes'][0]['prefix'], c['ipv6']['delegated_prefixes'][0]['prefix_len'])"; }
# ra_set KEY VALUE: the radvd of the session re-reads its configuration with KEY set (SIGHUP).
# (V6READY: one radvd for every session; the agent rewrites its file at the next session)
ra_set() {
	isp exec - <<-EOF
	ST=/run/v6l/isp6
	sed -i -E 's/^( *$1) [^;]*;/\1 $2;/' "\$ST/radvd-v6ready.conf"
	grep -q "$1 $2;" "\$ST/radvd-v6ready.conf" && kill -HUP "\$(cat "\$ST/radvd.pid.own")"
	EOF
}
# Kea stopped and started again with the same configuration and lease file.
# (an orphan in the UML may stay a zombie a while: SIGKILL, and no waiting for /proc to clear)
kea_stop() { isp exec 'kill -KILL $(cat /run/v6l/isp6/dhcp6.pid.own)'; }
kea_start() {
	isp exec - <<-'EOF'
	. /run/v6l/env; ST=/run/v6l/isp6
	KEA_PIDFILE_DIR=$ST/kea KEA_LOCKFILE_DIR=$ST/kea KEA_LOGGER_DESTINATION=$RUNDIR/kea-dhcp6.log \
		kea-dhcp6 -c "$ST/kea-dhcp6.conf" </dev/null >>"$RUNDIR/kea-dhcp6.out" 2>&1 &
	echo $! >"$ST/dhcp6.pid.own"
	EOF
}
# ping6_far ADDR[/LEN]: the far host answers a ping from ADDR (tries for 10 s: after a new
# session the ISP's V6READY agent adds its routes to what a Reply bound a moment later)
ping6_far() {
	local i
	for ((i = 0; i < 10; i++)); do
		in_cli ping -6 -c 1 -W 1 -I "${1%/*}" "$FAR6" >/dev/null 2>&1 && return 0
	done
	t_log "no answer from $FAR6 to a ping from ${1%/*}"
	return 1
}

v6l_conf lcp_echo_interval=1 lcp_echo_failure=5
v6l_start
if ! settle up; then
	t_fail "initial dial and a stable host state"
	t_dump
	exit 1
fi
t_log "reference state: $(grep -c . "$T_RUN/up.state") lines; $(slaac64) $(na128) PD $(pd)"

# --- RFC 4861 §6.3.4: router lifetime 0: the IPv6 default route goes, nothing else ---
awk '/^## /{ s = $2 } !(s == "routes6" && /^default /)' "$T_RUN/up.state" >"$T_RUN/norouter.state"
t0=$EPOCHREALTIME
ra_set AdvDefaultLifetime 0 >/dev/null
if ns_wait_same norouter 20 && in_cli ping -4 -c 1 -W 2 "$FAR4" >/dev/null; then
	t_ok "rfc4861_6_3_4_router_lifetime_0_removes_only_the_default_route (after $NS_WAITED s; addresses, DNS, IPv4 stay)"
else
	t_fail "rfc4861_6_3_4_router_lifetime_0_removes_only_the_default_route"
	t_dump
fi
t0=$EPOCHREALTIME
ra_set AdvDefaultLifetime 1800 >/dev/null
if ns_wait_same up 20 && ping6_far "$(slaac64)"; then
	t_ok "rfc4861_6_3_4_router_lifetime_back_default_route_back (after $NS_WAITED s)"
else
	t_fail "rfc4861_6_3_4_router_lifetime_back_default_route_back"
	t_dump
fi

# --- RFC 4861 §6.3.4: the RA's MTU changes: the interface's IPv6 MTU follows ---
sed -E 's/^(v6link0 mtu [0-9]+ ipv6 mtu) [0-9]+$/\1 1400/' "$T_RUN/up.state" >"$T_RUN/mtu1400.state"
ra_set AdvLinkMTU 1400 >/dev/null
# 1352 octets of ICMPv6 payload make a 1400-octet packet: it goes; 1353 does not fit
if ns_wait_same mtu1400 20 && in_cli ping -6 -c 1 -W 2 -M do -s 1352 "$FAR6" >/dev/null &&
	! in_cli ping -6 -c 1 -W 2 -M do -s 1353 "$FAR6" >/dev/null 2>&1; then
	t_ok "rfc4861_6_3_4_ra_mtu_1400_applied (after $NS_WAITED s; 1400-octet packets go, 1401 not)"
else
	t_fail "rfc4861_6_3_4_ra_mtu_1400_applied"
	t_dump
fi
ra_set AdvLinkMTU 1492 >/dev/null
if ns_wait_same up 20 && in_cli ping -6 -c 1 -W 2 -M do -s 1444 "$FAR6" >/dev/null; then
	t_ok "rfc4861_6_3_4_ra_mtu_back_to_1492 (after $NS_WAITED s)"
else
	t_fail "rfc4861_6_3_4_ra_mtu_back_to_1492"
	t_dump
fi

# --- RFC 8415 §18.2.5: the DHCPv6 server away longer than T2: Rebind unanswered, the lease
# goes at its valid lifetime (addresses and routes of IA_NA and IA_PD, nothing else), and is
# acquired again when the server is back ---
pd0=$(pd) na0=$(na128)
kea_stop >/dev/null
# (read once the server is gone: no Reply can extend it any more)
t0=$EPOCHREALTIME
vl=$(js "min([a['valid_lft'] for a in c['ipv6']['addresses'] if a['source'] in ('dhcpv6', 'delegated')])")
ns_wait_same up $((VALID + 20)) "$pd0=-" "$na0=-"
ok=$?
lost=$(since "$t0")
if [ $ok = 0 ] && awk -v l="$lost" -v v="$vl" 'BEGIN { exit !(l >= v - 1 && l <= v + 8) }'; then
	t_ok "rfc8415_18_2_5_server_gone_past_t2_lease_dropped_at_valid_lifetime ($lost s after the server stopped, valid lifetime left then ${vl} s, T2 $T2 s; only its addresses and routes went)"
else
	t_fail "rfc8415_18_2_5_server_gone_past_t2_lease_dropped_at_valid_lifetime ($lost s, valid lifetime left ${vl} s)"
	t_dump
fi
t0=$EPOCHREALTIME
kea_start >/dev/null
if wait_json "len(c['ipv6']['delegated_prefixes']) > 0 and any(a['source'] == 'dhcpv6' for a in c['ipv6']['addresses'])" 40 &&
	ns_wait_same up 10 "$pd0=$(pd)" "$na0=$(na128)" && ping6_far "$(pd64)"; then
	t_ok "rfc8415_18_2_1_lease_acquired_again_when_server_back (after $(since "$t0") s; $pd0 -> $(pd))"
else
	t_fail "rfc8415_18_2_1_lease_acquired_again_when_server_back"
	t_dump
fi

# --- the ISP restarts the session with new prefixes: RA /64 (a new one per session), DHCPv6
# pools renumbered (IA_NA and IA_PD), IPv4 from its pool. The old ones must be gone from the
# host, the new ones in place, everything else as before ---
ns_snap before
sid0=$(js "c['session_id']")
a64=$(slaac64) pd0=$(pd) na0=$(na128) v40=$(js "c['ipv4']['address']")
isp dhcp6-renumber >/dev/null
t0=$EPOCHREALTIME
isp kill-pppd >/dev/null
if wait_json "c['session_id'] != $sid0 and c['state'] == 'up' and bool(c['ipv4']['address']) and \
any(a['source'] == 'slaac' for a in c['ipv6']['addresses']) and \
any(a['source'] == 'dhcpv6' for a in c['ipv6']['addresses']) and \
len(c['ipv6']['delegated_prefixes']) > 0 and c['ipv6']['delegated_prefixes'][0]['prefix'] != '${pd0%/*}'" 40 &&
	ns_wait_same before 15 "$a64=$(slaac64)" "$pd0=$(pd)" "$na0=$(na128)" "$v40=$(js "c['ipv4']['address']")" &&
	ping6_far "$(pd64)" && ping6_far "$(slaac64)"; then
	t_ok "isp_restart_new_prefixes_replace_old_nothing_stale (after $(since "$t0") s: $a64 -> $(slaac64), $pd0 -> $(pd), $na0 -> $(na128))"
else
	t_fail "isp_restart_new_prefixes_replace_old_nothing_stale"
	t_dump
fi
# (implied by the comparison above; said on its own for the stale-prefix complaint)
st=$(ns_state)
t_check "isp_restart_old_prefixes_nowhere_on_host ($a64 $pd0 $na0)" test "$(printf '%s\n' "$st" | wc -l)" = \
	"$(printf '%s\n' "$st" | ns_renum "$a64=-" "$pd0=-" "$na0=-" | wc -l)"

t0=$EPOCHREALTIME
v6l_stop
ns_wait_same pre 10 && t_ok "exit_leaves_namespace_as_before_start ($(since "$t0") s)" ||
	t_fail "exit_leaves_namespace_as_before_start"
exit $T_FAILED
