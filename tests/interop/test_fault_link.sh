#!/usr/bin/env bash
# Fault suite, the link: the session ends under a running transfer (PADT from the AC, RFC 2516
# §5.5; the ISP's pppd killed), 10% and 30% loss while a session is negotiated, and a silent
# AC (LCP echo, RFC 1661 §5.8). After each, v6link must redial and put the host back exactly as
# it was (addresses, routes of every table, rules, address labels, MTUs, resolv.conf, gai.conf,
# processes: lib.sh ns_state), and after it exits the client namespace must be as before it
# started. Each PASS line gives the time from the fault to the host state back.
source "$(dirname "$0")/lib.sh"
t_begin
XFER_PID=
stop_xfer() {
	[ -n "$XFER_PID" ] || return 0
	kill "$XFER_PID" 2>/dev/null
	wait "$XFER_PID" 2>/dev/null
	XFER_PID=
}
trap 'stop_xfer; cap_stop_all; t_cleanup' EXIT
# The ISP's own LCP keepalive must survive 30% loss on its way to us (3 unanswered echoes in a
# row would happen every ~40 s): 10 failures.
# V6READY: RA and DHCPv6 answered from the session's first moment, as at a BNG.
isp_up RA=slaac DHCP6=kea V6READY=1 DHCP6_LOG=info FAR_DNS=1 FAR_HTTP=1 LCP_ECHO_FAILURE=10 >"$T_RUN/isp.log" 2>&1 ||
	{ t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
truncate -s 4G "$ISP_RUN/www/big" # read from a sparse file: no disk, no page cache to speak of
ns_snap pre

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
# complete: IPv4, a SLAAC address, an IA_NA address, the delegated prefix, the RA's DNS server
complete() {
	wait_json "c['state'] == 'up' and bool(c['ipv4']['address']) and \
any(a['source'] == 'slaac' for a in c['ipv6']['addresses']) and \
any(a['source'] == 'dhcpv6' for a in c['ipv6']['addresses']) and \
len(c['ipv6']['delegated_prefixes']) > 0 and '2001:db8:f::53' in c['ipv6']['dns']" "$1"
}
# The host state, complete, must hold still for a second before it becomes the reference NAME.
# REF: its IPv4 address, IA_NA address and delegated prefix: after a redial the ISP may hand out
# others (IPv4 from pppd's pool; Kea after a Release), which then take their place.
settle() { # NAME
	local i
	complete 30 || return 1
	for ((i = 0; i < 20; i++)); do
		ns_snap "$1"
		sleep 1
		ns_same "$1" >/dev/null && REF=$(leases) && return 0
	done
	return 1
}
leases() { # IPv4 address, IA_NA address, delegated prefix
	v6l_json "' '.join([c['ipv4']['address'] + '/32'] + [a['address'] + '/128' for a in \
c['ipv6']['addresses'] if a['source'] == 'dhcpv6'] + ['%s/%d' % (p['prefix'], p['prefix_len']) \
for p in c['ipv6']['delegated_prefixes']])"
}
# back_to NAME SECS: complete again and the host state is NAME's, leases renumbered
back_to() {
	local now old i maps=()
	complete "$2" || return 1
	read -r -a now <<<"$(leases)"
	read -r -a old <<<"$REF"
	for ((i = 0; i < ${#old[@]}; i++)); do maps+=("${old[i]}=${now[i]}"); done
	ns_wait_same "$1" "$2" "${maps[@]}"
}
v4() { v6l_json "c['ipv4']['address']"; }
slaac() { v6l_json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'slaac'][0]"; }
# traffic: IPv4 and IPv6 (from the SLAAC address) to the far host's web server; 3 tries each
# (a CI run once lost the first fetch right after the 30% loss case, which the log could not
# explain: the session, addresses and routes were all back).
traffic() {
	local a6 i
	a6=$(slaac)
	for ((i = 0; i < 3; i++)); do
		in_cli curl -s -m 5 -o /dev/null "http://$FAR4/" && break
		t_log "traffic: IPv4 fetch $((i + 1)) failed"
	done
	[ $i -lt 3 ] || return 1
	for ((i = 0; i < 3; i++)); do
		in_cli curl -s -m 5 -o /dev/null --interface "$a6" "http://[$FAR6]/" && return 0
		t_log "traffic: IPv6 fetch $((i + 1)) from $a6 failed"
	done
	return 1
}
# start_xfer: a download from the far host (IPv6), running: 1 MB received through v6link.
start_xfer() {
	local rx0
	rx0=$(v6l_json "c['counters']['rx_bytes']")
	ip netns exec "$NS_CLI" curl -s -o /dev/null --limit-rate 4M --interface "$(slaac)" "http://[$FAR6]/big" &
	XFER_PID=$!
	wait_json "c['counters']['rx_bytes'] > $rx0 + 1000000" 10
}

# fault NAME REF BOUND XFER ACTION...: with a transfer running (XFER=1), ACTION ends the session;
# v6link must notice, redial and bring the host back to snapshot REF (the ISP's new IPv4
# address mapped) within BOUND seconds, traffic flowing again.
fault() {
	local name=$1 ref=$2 bound=$3 xfer=$4 sid0 t0 noticed
	shift 4
	sid0=$(v6l_json "c['session_id']")
	if [ "$xfer" = 1 ] && ! start_xfer; then
		t_fail "$name: a transfer running before the fault"
		return 1
	fi
	t0=$EPOCHREALTIME
	"$@" >/dev/null
	wait_json "c['state'] != 'up' or c['session_id'] != $sid0" 30
	noticed=$(since "$t0")
	stop_xfer
	if ! wait_json "c['state'] == 'up' and c['session_id'] != $sid0" "$bound"; then
		t_fail "$name: redialled within $bound s"
		t_dump
		return 1
	fi
	if back_to "$ref" "$bound" && traffic; then
		t_ok "$name: noticed after $noticed s, host state as before and traffic after $(since "$t0") s (bound $bound s)"
	else
		t_fail "$name: host state as before within $bound s"
		t_dump
	fi
}
# loss NAME PCT BOUND: we hang up, the ISP's frames to us are lost at PCT% (netem in the UML),
# we dial again: discovery, LCP, PAP, IPCP, IPv6CP, RS/RA, DHCPv6 all negotiated under loss.
loss() {
	local name=$1 pct=$2 bound=$3 t0
	v6l down dsl >/dev/null
	v6l_wait_state idle 10
	isp netem-loss "$pct" >/dev/null
	t0=$EPOCHREALTIME
	v6l up dsl >/dev/null
	if back_to up "$bound"; then
		isp netem-loss 0 >/dev/null
		if traffic; then
			t_ok "$name: host state as before $(since "$t0") s after dialling under loss (bound $bound s)"
			return 0
		fi
	fi
	isp netem-loss 0 >/dev/null
	t_fail "$name: host state as before within $bound s of dialling under loss"
	t_dump
}

# --- session ends under a transfer; loss during negotiation (keepalive that survives 30%) ---
v6l_conf lcp_echo_interval=1 lcp_echo_failure=10
v6l_start
if settle up; then
	t_log "reference state: $(grep -c . "$T_RUN/up.state") lines"
	fault "rfc2516_5_5_padt_during_transfer_nothing_leaked" up 30 1 isp padt
	fault "pppd_killed_during_transfer_nothing_leaked" up 30 1 isp kill-pppd
	loss "loss_10pct_during_negotiation_nothing_leaked" 10 60
	loss "loss_30pct_during_negotiation_nothing_leaked" 30 90
else
	t_fail "initial dial and a stable host state"
	t_dump
fi
t0=$EPOCHREALTIME
v6l_stop
ns_wait_same pre 10 && t_ok "exit_leaves_namespace_as_before_start ($(since "$t0") s)" ||
	t_fail "exit_leaves_namespace_as_before_start"

# --- the AC falls silent (netem 100% loss), comes back ---
v6l_conf lcp_echo_interval=1 lcp_echo_failure=3
v6l_start
if settle up3; then
	# The AC is back as soon as we noticed: the host state must then follow within the bound.
	sid0=$(v6l_json "c['session_id']")
	t0=$EPOCHREALTIME
	isp netem-loss 100 >/dev/null
	wait_json "c['state'] != 'up' or c['session_id'] != $sid0" 30
	noticed=$(since "$t0")
	isp netem-loss 0 >/dev/null
	t1=$EPOCHREALTIME
	if wait_json "c['state'] == 'up' and c['session_id'] != $sid0" 30 && back_to up3 30 && traffic; then
		t_ok "rfc1661_5_8_silent_ac_nothing_leaked: noticed after $noticed s (3 echoes of 1 s), host state as before and traffic $(since "$t1") s after the AC came back (bound 30 s)"
	else
		t_fail "rfc1661_5_8_silent_ac_nothing_leaked"
		t_dump
	fi
else
	t_fail "second dial and a stable host state"
	t_dump
fi
t0=$EPOCHREALTIME
v6l_stop
ns_wait_same pre 10 && t_ok "exit_after_faults_leaves_namespace_as_before_start ($(since "$t0") s)" ||
	t_fail "exit_after_faults_leaves_namespace_as_before_start"
exit $T_FAILED
