#!/usr/bin/env bash
# Hooks (connections.ini hook=) with V6LINK_* variables on every event, the state file, and the
# original product's custom DHCPv6 options: oroN= asks the server for an option v6link does not
# decode (31, SNTP servers, RFC 4075) and what the server returns shows in status and hooks.
source "$(dirname "$0")/lib.sh"
t_begin
isp_up RA=slaac DHCP6=kea >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
hook=$T_RUN/hook.sh
events=$T_RUN/events
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$1 \$V6LINK_EVENT conn=\$V6LINK_CONNECTION if=\$V6LINK_INTERFACE v4=\$V6LINK_IPV4_ADDRESS pd=[\$V6LINK_DELEGATED_PREFIXES] addr=\$V6LINK_ADDRESS src=\$V6LINK_SOURCE dns=[\$V6LINK_DNS] opt31=\$V6LINK_DHCP6_OPTION_31" >>"$events"
HOOK
chmod 755 "$hook"
v6l_conf "hook=$hook"
printf '[DHCPv6_stateful_options]\noro1=31\n' >>"$V6L_CONF/v6link.ini"
v6l_start
v6l_wait_state up 20 || { t_fail "dial"; t_dump; exit 1; }
for _ in $(seq 100); do grep -q "^prefix-delegated" "$events" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
cat "$events"
t_check "hook_up_event" grep -q "^up up conn=dsl if=v6link0" "$events"
t_check "hook_ipv4_up_event_with_address" grep -q "^ipv4-up ipv4-up conn=dsl if=v6link0 v4=100.64." "$events"
t_check "hook_ipv6_up_event" grep -q "^ipv6-up ipv6-up conn=dsl" "$events"
t_check "hook_address_added_slaac" grep -q "^address-added .*addr=2001:db8:100:10:.*/64 src=slaac" "$events"
t_check "hook_prefix_delegated_with_prefix" grep -q "^prefix-delegated .*pd=\[2001:db8:8000::/56\]" "$events"
t_check "hook_dns_changed_with_servers" grep -q "^dns-changed .*dns=\[.*2001:db8:f::53" "$events"
t_check "state_file_while_up" grep -q "^V6LINK_DELEGATED_PREFIXES=2001:db8:8000::/56" "$T_RUN/dsl.env"
t_check "custom_oro_option_returned_in_status" test "$(v6l_json "c['ipv6']['dhcpv6']['options'].get('31')")" = 20010db8000f00000000000000000123
t_check "custom_oro_option_passed_to_hooks" grep -q "opt31=20010db8000f00000000000000000123" "$events"
v6l_stop
sleep 0.3
t_check "hook_down_event" grep -q "^down down" "$events"
t_check "state_file_removed_on_exit" test ! -e "$T_RUN/dsl.env"
exit $T_FAILED
