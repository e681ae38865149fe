#!/usr/bin/env bash
# Many connections side by side (#11 item 6): one daemon, two PPPoE sessions at once to the two
# access concentrators of the UML ISP (SECOND_AC=1), each on its own TUN with its own addresses
# and its default routes at its own metric (route_metric=), with none (default_route=0) or in a
# routing table of its own (table=). A route is only ever created, never replaced: the second
# connection's routes neither replace nor remove the first one's, also at the same metric.
#   a: ac=isp-a, v6luser, v6link0, metric 50 (default)    b: ac=isp-b, v6lbiz, v6link1
# Each case gets a fresh ISP: the ISP's radvd of an ended session can outlive it and announce
# its old prefix on the next session's ppp interface, which would add an address to a.
source "$(dirname "$0")/lib.sh"
t_begin
ISP_USER_B=v6lbiz
ISP_PASS_B=v6lbiz-Secret2

# conf2 ENABLED [KEY=VALUE ...]: connections.ini with [a] and [b]; the keys go to [b].
conf2() {
	local en=$1 kv c
	shift
	mkdir -p "$V6L_CONF"
	chmod 0755 "$V6L_CONF"
	cat >"$V6L_CONF/v6link.ini" <<-INI
	[param]
	trace_dir = $T_RUN/trace
	INI
	{
		for c in a b; do
			echo "[$c]"
			echo "enabled = $en"
			echo "mode = dial-up"
			echo "redial_delay = 1"
			echo "redial_delay_max = 4"
			echo "prefix_delegation = 0"
			if [ $c = a ]; then
				echo "dial_string = if=eth0 ac=isp-a"
				echo "user_name = $ISP_USER"
				echo "interface = v6link0"
			else
				echo "dial_string = if=eth0 ac=isp-b"
				echo "user_name = $ISP_USER_B"
				echo "interface = v6link1"
				for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
			fi
		done
	} >"$V6L_CONF/connections.ini"
	echo "$ISP_PASS" | "$V6L_BIN" -C "$V6L_CONF" passwd a >/dev/null &&
		echo "$ISP_PASS_B" | "$V6L_BIN" -C "$V6L_CONF" passwd b >/dev/null
}

# cj NAME EXPR: a python expression on connection NAME of status --json (variable c).
cj() {
	v6l status --json 2>/dev/null | python3 -c "import json,sys
d=json.load(sys.stdin); c=[x for x in d['connections'] if x['name']=='$1'][0]
print($2)"
}
wait_cj() { # NAME EXPR SECS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(cj "$1" "$2" 2>/dev/null)" = True ] && return 0
		sleep 0.1
	done
	t_log "[$1] not true after $3 s: $2 (state $(cj "$1" "c['state']" 2>/dev/null))"
	return 1
}
# Up with its IPv4 address and the SLAAC address in its session's prefix (isp.sh
# RA_PREFIX_MODE=session: 2001:db8:100:<session id in hex>::/64).
wait_ready() { # NAME
	wait_cj "$1" "c['state'] == 'up' and c['ipv4']['address'] is not None and \
any(a['address'].startswith('2001:db8:100:%x:' % c['session_id']) for a in c['ipv6']['addresses'])" 25
}
addr6() { # NAME: its SLAAC address
	cj "$1" "[a['address'] for a in c['ipv6']['addresses'] if a['address'].startswith('2001:db8:100:')][0]"
}

# Everything of DEV: its addresses and every route through it in every table (lifetimes cut).
dev_state() { # DEV
	in_cli ip -br addr show dev "$1" 2>/dev/null
	{ in_cli ip -4 route show table all dev "$1"; in_cli ip -6 route show table all dev "$1"; } \
		2>/dev/null | sed -E 's/ expires [0-9]+sec//' | sort
}
# Our default routes through DEV in TABLE (default main): "4 METRIC 6 METRIC ".
defaults() { # DEV [TABLE]
	local f
	for f in 4 6; do
		in_cli ip -$f route show table "${2:-main}" dev "$1" 2>/dev/null |
			sed -nE "s/^default .*proto 118 .*metric ([0-9]+).*/$f \1/p"
	done | sort | tr '\n' ' '
}
# What v6link put on DEV: its addresses and its routes (protocol 118) in any table, one line each.
ours() { # DEV
	in_cli ip -o addr show dev "$1" 2>/dev/null | awk '{ print $3, $4 }'
	{ in_cli ip -4 route show table all dev "$1" proto 118
	  in_cli ip -6 route show table all dev "$1" proto 118; } 2>/dev/null
}
# ours DEV sorted on one line, without its one demand link-local (fe80::IID/64, counted: exactly
# one or the output says so).
demand_only() { # DEV
	local o
	o=$(ours "$1" | sed -E 's/ +$//' | sort)
	[ "$(grep -cE '^inet6 fe80::[0-9a-f:]+/64$' <<<"$o")" = 1 ] || echo -n "link-locals?;"
	grep -vE '^inet6 fe80::[0-9a-f:]+/64$' <<<"$o" | tr '\n' ';'
}
ping_via() { # DEV|SOURCE FAMILY
	if [ "$2" = 4 ]; then
		in_cli ping -c 3 -i 0.2 -W 2 -I "$1" "$FAR4" >/dev/null
	else
		in_cli ping -6 -c 3 -i 0.2 -W 2 -I "$1" "$FAR6" >/dev/null
	fi
}
# Nothing of either connection left: no TUN, no route through one (any table), no address.
host_clean_two() {
	v6l_host_clean && ! in_cli ip link show v6link1 >/dev/null 2>&1 &&
		! in_cli ip -4 route show table all | grep v6link >/dev/null &&
		! in_cli ip -6 route show table all | grep v6link >/dev/null
}

case_begin() { # CASE TITLE ENABLED [KEY=VALUE ...]: fresh ISP, config, daemon
	local case=$1
	t_log "=== $2 ==="
	isp_up SECOND_AC=1 RA=slaac RA_PREFIX_MODE=session >"$T_RUN/isp-$case.log" 2>&1 ||
		{ t_fail "${case}_isp_up"; cat "$T_RUN/isp-$case.log"; exit 1; }
	shift 2
	conf2 "$@"
	v6l_start run
}
case_end() { # CASE [CHECK-NAME CMD...]: SIGTERM leaves nothing (and CMD holds), ISP down
	local case=$1
	shift
	v6l_stop
	t_check "${case}_sigterm_leaves_nothing" host_clean_two
	[ $# -eq 0 ] || t_check "$@"
	isp down >/dev/null 2>&1
}
# down_b CASE: `v6link down b`; a's state (dev_state v6link0) and session must not change.
down_b() {
	local case=$1 a_before sid_a
	a_before=$(dev_state v6link0) sid_a=$(cj a "c['session_id']")
	v6l down b >/dev/null
	wait_cj b "c['state'] == 'idle'" 10
	t_check "${case}_down_b_leaves_a_untouched (session $sid_a)" \
		test "$(dev_state v6link0)" = "$a_before" -a "$(cj a "c['state']")" = up -a \
		"$(cj a "c['session_id']")" = "$sid_a"
	t_check "${case}_a_still_pings_after_down_b" ping_via v6link0 4
}

# --- 1: v6link up a, then b (metric 60): each has its own everything; down b takes only b's ---
case_begin metric "distinct metrics (a 50, b 60), up one after the other" 0 route_metric=60
sleep 0.5
v6l up a >/dev/null
wait_ready a || { t_fail "metric_a_up"; t_dump; }
a_before=$(dev_state v6link0)
v6l up b >/dev/null
if wait_ready b; then
	t_ok "metric_both_up (a via $(cj a "c['ac_name']"), b via $(cj b "c['ac_name']"))"
else
	t_fail "metric_both_up"; t_dump
fi
sid_a=$(cj a "c['session_id']") sid_b=$(cj b "c['session_id']")
t_check "metric_own_session_ids (a $sid_a, b $sid_b)" \
	test -n "$sid_a" -a -n "$sid_b" -a "$sid_a" != "$sid_b" -a "$sid_a" != 0 -a "$sid_b" != 0
t_check "metric_own_acs" test "$(cj a "c['ac_name']") $(cj b "c['ac_name']")" = "v6l-isp-a v6l-isp-b"
a4=$(cj a "c['ipv4']['address']") b4=$(cj b "c['ipv4']['address']") a6=$(addr6 a) b6=$(addr6 b)
t_check "metric_own_ipv4_addresses ($a4 on v6link0, $b4 on v6link1)" \
	bash -c "[[ $a4 == 100.64.0.* && $b4 == 100.64.1.* ]] &&
		ip netns exec $NS_CLI ip -4 addr show dev v6link0 | grep -q 'inet $a4 ' &&
		ip netns exec $NS_CLI ip -4 addr show dev v6link1 | grep -q 'inet $b4 '"
t_check "metric_own_ipv6_addresses ($a6 on v6link0, $b6 on v6link1)" \
	bash -c "ip netns exec $NS_CLI ip -6 addr show dev v6link0 | grep -q 'inet6 $a6/' &&
		ip netns exec $NS_CLI ip -6 addr show dev v6link1 | grep -q 'inet6 $b6/'"
t_check "metric_a_default_routes_at_50 ($(defaults v6link0))" test "$(defaults v6link0)" = "4 50 6 50 "
t_check "metric_b_default_routes_at_60 ($(defaults v6link1))" test "$(defaults v6link1)" = "4 60 6 60 "
if [ "$(dev_state v6link0)" = "$a_before" ]; then
	t_ok "metric_b_up_left_a_routes_and_addresses_as_they_were"
else
	t_fail "metric_b_up_left_a_routes_and_addresses_as_they_were"
	diff <(echo "$a_before") <(dev_state v6link0)
fi
t_check "metric_lower_metric_preferred_ipv4 ($(in_cli ip -4 route get "$FAR4" | head -1))" \
	bash -c "ip netns exec $NS_CLI ip -4 route get $FAR4 | grep -q 'dev v6link0'"
t_check "metric_lower_metric_preferred_ipv6" \
	bash -c "ip netns exec $NS_CLI ip -6 route get $FAR6 | grep -q 'dev v6link0'"
for dev in v6link0 v6link1; do
	t_check "metric_ipv4_ping_far_via_$dev" ping_via $dev 4
	t_check "metric_ipv6_ping_far_via_$dev" ping_via $dev 6
done
down_b metric
t_check "metric_down_b_removes_all_of_b ($(ours v6link1 | tr '\n' ';'))" test -z "$(ours v6link1)"
case_end metric

# --- 2: the same metric (both 50): b's default routes are not added over a's ----------------
case_begin same_metric "same metric (both 50)" 0
sleep 0.5
t_check "same_metric_config_warning" grep -q "\[b\] key 'route_metric': 50 is also the metric of \[a\]" "$V6L_LOG"
v6l up a >/dev/null
wait_ready a || { t_fail "same_metric_a_up"; t_dump; }
a_before=$(dev_state v6link0)
v6l up b >/dev/null
wait_ready b || { t_fail "same_metric_b_up"; t_dump; }
t_check "same_metric_b_up_without_default_routes ($(defaults v6link1))" test -z "$(defaults v6link1)"
t_check "same_metric_b_says_why" grep -q "hostcfg\[b\]: route add default dev v6link1 metric 50: not added: the table already has a route" "$V6L_LOG"
t_check "same_metric_a_keeps_its_default_routes ($(defaults v6link0))" test "$(defaults v6link0)" = "4 50 6 50 "
if [ "$(dev_state v6link0)" = "$a_before" ]; then
	t_ok "same_metric_a_routes_and_addresses_as_they_were"
else
	t_fail "same_metric_a_routes_and_addresses_as_they_were"
	diff <(echo "$a_before") <(dev_state v6link0)
fi
down_b same_metric
t_check "same_metric_down_b_removes_all_of_b ($(ours v6link1 | tr '\n' ';'))" test -z "$(ours v6link1)"
case_end same_metric

# --- 3: default_route=0 on b; enabled=1 (always on: demand routes before the session) -------
case_begin no_default "default_route=0 on b, both enabled=1" 1 route_metric=60 default_route=0
wait_ready a && wait_ready b || { t_fail "no_default_both_up"; t_dump; }
t_check "no_default_b_up_without_any_default_route" \
	test -z "$(in_cli ip -4 route show table all dev v6link1 | grep '^default'; in_cli ip -6 route show table all dev v6link1 | grep '^default')"
t_check "no_default_b_has_its_ipv4_address" \
	bash -c "ip netns exec $NS_CLI ip -4 addr show dev v6link1 | grep -q 'inet 100.64.1.'"
t_check "no_default_b_has_its_ipv6_address" \
	bash -c "ip netns exec $NS_CLI ip -6 addr show dev v6link1 | grep -q 'inet6 $(addr6 b)/'"
t_check "no_default_a_has_its_default_routes ($(defaults v6link0))" test "$(defaults v6link0)" = "4 50 6 50 "
b6=$(addr6 b)
down_b no_default
# enabled=1: the interface keeps its demand placeholders until exit, no route: 192.0.0.8 and,
# for dial on demand from IPv6, a link-local and the address of the last session's /64.
t_check "no_default_down_b_leaves_only_the_demand_addresses ($(ours v6link1 | tr '\n' ';'))" \
	test "$(demand_only v6link1)" = "inet 192.0.0.8/32;inet6 $b6/64;"
case_end no_default

# --- 4: table=100 on b: every route of b in table 100, none in main ---------------------------
case_begin table "table=100 on b, both enabled=1" 1 route_metric=60 table=100
wait_ready a && wait_ready b || { t_fail "table_both_up"; t_dump; }
t_check "table_b_default_routes_in_table_100 ($(defaults v6link1 100))" test "$(defaults v6link1 100)" = "4 60 6 60 "
t_check "table_no_route_of_b_in_main" \
	test -z "$(in_cli ip -4 route show table main proto 118 dev v6link1 2>&1; in_cli ip -6 route show table main proto 118 dev v6link1 2>&1)"
t_check "table_kernel_routes_for_b_addresses_stay_in_main ($(in_cli ip -4 route show table main dev v6link1 | tr '\n' ';') $(in_cli ip -6 route show table main dev v6link1 | tr '\n' ';'))" \
	bash -c "ip netns exec $NS_CLI ip -4 route show table main dev v6link1 | grep -q '^100.64.1.1 proto kernel' &&
		ip netns exec $NS_CLI ip -6 route show table main dev v6link1 | grep -q '^fe80::/64 proto kernel'"
t_check "table_a_in_main ($(defaults v6link0))" test "$(defaults v6link0)" = "4 50 6 50 "
t_check "table_main_leads_to_a" bash -c "ip netns exec $NS_CLI ip -4 route get $FAR4 | grep -q 'dev v6link0'"
# As with wg-quick's Table=: the user's rules send b's sources to table 100.
b4=$(cj b "c['ipv4']['address']") b6=$(addr6 b)
in_cli ip -4 rule add from "$b4" lookup 100 pref 1000
in_cli ip -6 rule add from "$b6" lookup 100 pref 1000
t_check "table_rule_from_b_ipv4_leaves_through_v6link1" \
	bash -c "ip netns exec $NS_CLI ip -4 route get $FAR4 from $b4 | grep -q 'dev v6link1 table 100'"
t_check "table_rule_from_b_ipv6_leaves_through_v6link1" \
	bash -c "ip netns exec $NS_CLI ip -6 route get $FAR6 from $b6 | grep -q 'dev v6link1 table 100'"
t_check "table_rule_from_b_ipv4_pings_far ($b4)" ping_via "$b4" 4
t_check "table_rule_from_b_ipv6_pings_far ($b6)" ping_via "$b6" 6
down_b table
# enabled=1: the demand placeholders stay in table 100 until exit.
t_check "table_down_b_leaves_only_the_demand_placeholders ($(ours v6link1 | tr '\n' ';'))" \
	test "$(demand_only v6link1)" = \
	"default table 100 metric 60 pref medium;default table 100 scope link metric 60;inet 192.0.0.8/32;inet6 $b6/64;"
table_empty() { test -z "$(in_cli ip -4 route show table 100 2>&1; in_cli ip -6 route show table 100 2>&1)"; }
case_end table table_100_empty_after_sigterm table_empty

grep -q -e "$ISP_PASS" -e "$ISP_PASS_B" "$V6L_LOG" && t_fail "passwords_never_logged" || t_ok "passwords_never_logged"
exit $T_FAILED
