#!/usr/bin/env bash
# RFC 8415 §18.2.8 Decline, router mode on the shared segment (lan.sh): another node already
# uses the first address of kea-dhcp6's pool, so the kernel's Duplicate Address Detection fails
# for the address kea hands v6link first. v6link must take it off the adapter, send a Decline for
# it to kea (which marks the lease declined), and get another address with a new Solicit.
source "$(dirname "$0")/lib.sh"
source "$T_HERE/lan.sh"
t_begin
NS_SQ=${LAN_NS_BASE}sq
trap 'v6l_stop >/dev/null 2>&1; ip netns del "$NS_SQ" 2>/dev/null; lan_down' EXIT
SQUATTED=2001:db8:1::1000 # the first address of lan_kea's pool, kea's first pick

rtr_conf() {
	mkdir -p "$V6L_CONF"
	printf '[param]\nfunc_trace = 1\ntrace_dir = %s/trace\n' "$T_RUN" >"$V6L_CONF/v6link.ini"
	printf "[lan]\ndial_string = if=eth0\nmode = router\nprefix_delegation = 0\n" >"$V6L_CONF/connections.ini"
}
dhcp6_addrs() { v6l_json "' '.join(a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'dhcpv6')" 2>/dev/null; }
# grep without -q: with pipefail, an early exit of grep -q can fail the pipeline (SIGPIPE).
on_adapter() { ip -n "$NS_CLI" -6 addr show dev eth0 | grep "inet6 $1/" >/dev/null; }

lan_up
ip netns add "$NS_SQ"
lan_link "$NS_SQ" eth0 p-sq
ip -n "$NS_SQ" addr add "$SQUATTED/64" dev eth0 nodad
lan_radvd "$NS_R1" 1 on on
lan_kea
in_cli sysctl -qw net.ipv6.conf.eth0.accept_ra=0
t_check "squatter_holds_the_first_pool_address" bash -c "ip -n $NS_SQ -6 addr show dev eth0 | grep -q $SQUATTED"
rtr_conf
v6l_start run lan
t_check "router_mode_up" v6l_wait_state up 20
t_check "rfc8415_18_2_8_dad_failure_counted_as_declined" wait_json "c['ipv6']['dhcpv6']['declined'] == 1" 30
t_check "rfc8415_18_2_8_another_address_after_decline" wait_json "any(a['source'] == 'dhcpv6' and a['address'].startswith('2001:db8:1::1') and a['address'] != '$SQUATTED' for a in c['ipv6']['addresses'])" 30
got=$(dhcp6_addrs)
t_log "DHCPv6 addresses now: $got"
t_check "rfc8415_18_2_8_declined_address_not_in_status" bash -c "! echo '$got' | grep -w '$SQUATTED' >/dev/null"
t_check "rfc8415_18_2_8_declined_address_off_the_adapter" bash -c "! ip -n $NS_CLI -6 addr show dev eth0 | grep 'inet6 $SQUATTED/' >/dev/null"
new=${got%% *}
t_check "new_address_on_the_adapter" on_adapter "$new"
t_check "new_address_passed_dad" bash -c "! ip -n $NS_CLI -6 addr show dev eth0 | grep 'inet6 $new/' | grep dadfailed >/dev/null"
t_check "kea_saw_the_decline" grep -q "DHCP6_DECLINE_LEASE.*$SQUATTED" "$T_RUN/kea6.log"
t_check "ping6_far_host_from_new_address" in_cli ping -6 -c 2 -W 2 -I "$new" "$LAN_FAR6"
v6l_stop
# The trace holds the Decline: one IA_NA with the squatted address, kea's Server Identifier.
dec=$(tshark -n -r "$(ls "$T_RUN"/trace/*.pcapng | head -1)" -Y "dhcpv6.msgtype == 9" -T fields \
	-e dhcpv6.iaaddr.ip -e dhcpv6.duid.bytes 2>/dev/null | head -1)
t_log "Decline in the trace: $dec"
t_check "rfc8415_18_2_8_decline_in_trace_names_the_address" bash -c "echo '$dec' | grep -q '$SQUATTED'"
t_check "exit_removes_the_new_address" bash -c "! ip -n $NS_CLI -6 addr show dev eth0 | grep 'inet6 $new/' >/dev/null"
[ "$T_FAILED" = 0 ] || t_dump
exit 0
