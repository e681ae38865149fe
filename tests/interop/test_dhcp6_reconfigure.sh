#!/usr/bin/env bash
# DHCPv6 Reconfigure (RFC 8415 §18.2.11) with the Reconfigure Key Authentication Protocol
# (§20.4). Kea 2.2 cannot send Reconfigure (its manual: "Client reconfiguration (RECONFIGURE) is
# not yet supported") nor make per-client keys, so: kea-dhcp6 in the UML ISP sends a fixed
# Reconfigure Key in an Authentication option of every Reply (option-data code 11, isp.sh
# DHCP6_RKEY=), and the Reconfigures come from a Python sender on the ISP's side of the PPP link
# that computes the HMAC-MD5 with Python's hmac module (not v6link's code). Kea answers the
# Renew, Rebind and Information-request they trigger. tshark decodes the client's capture.
source "$(dirname "$0")/lib.sh"
t_begin

NS_ISP=${NS_ISP:-v6l-isp}
export NS_CLI NS_ISP NS_FAR=${NS_FAR:-v6l-far}
KEY=00112233445566778899aabbccddeeff
KEA_DUID=00:03:00:01:02:76:36:00:01:01 # isp6-hook.sh: "server-id" LL 02:76:36:00:01:01
rc_cleanup() {
	cap_stop_all
	t_cleanup
}
trap rc_cleanup EXIT

# The ISP's Reconfigure sender: IFNAME DST CLIENT-DUID SERVER-DUID MSG-TYPE REPLAY KEY, or
# IFNAME DST raw HEX (a message sent as it is). Prints the message in hex.
write_sender() {
cat >"$ISP_RUN/reconf.py" <<'PY'
import hashlib, hmac, socket, struct, sys
ifn, dst = sys.argv[1], sys.argv[2]
def opt(code, data):
    return struct.pack("!HH", code, len(data)) + data
if sys.argv[3] == "raw":
    pkt = bytes.fromhex(sys.argv[4])
else:
    cduid, sduid, mtype, replay, key = sys.argv[3:8]
    msg = bytes([10, 0, 0, 0]) + opt(1, bytes.fromhex(cduid.replace(":", ""))) \
        + opt(2, bytes.fromhex(sduid.replace(":", ""))) + opt(19, bytes([int(mtype)]))
    # RFC 8415 §21.11 / §20.4: protocol 3, algorithm 1, RDM 0, replay detection, type 2, and the
    # HMAC-MD5 of the whole message with these 16 octets zero.
    msg += opt(11, bytes([3, 1, 0]) + struct.pack("!Q", int(replay)) + bytes([2]) + bytes(16))
    digest = hmac.new(bytes.fromhex(key), msg, hashlib.md5).digest()
    pkt = msg[:-16] + digest
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(pkt, (dst, 546, 0, socket.if_nametoindex(ifn)))
print(pkt.hex())
PY
}

d6() { v6l_json "c['ipv6']['dhcpv6']$1"; }
# send_reconf MSG-TYPE REPLAY KEY | raw HEX: from the UML to our link-local (or to RC_DST);
# prints the bytes.
send_reconf() {
	local ifn ll duid
	ifn=$(isp exec cat /run/v6l/isp6/dhcp6-if)
	ll=${RC_DST:-$(v6l_json "c['ipv6']['link_local']")}
	duid=$(d6 "['duid']")
	if [ "$1" = raw ]; then
		isp exec /usr/bin/python3 "$ISP_RUN/reconf.py" "$ifn" "$ll" raw "$2"
	else
		isp exec /usr/bin/python3 "$ISP_RUN/reconf.py" "$ifn" "$ll" "$duid" "$KEA_DUID" "$@"
	fi
}
# The DHCPv6 messages in the capture so far, "TIME TYPE" per line (tshark's decoding).
msgs() {
	sleep 0.3
	tshark -n -r "$T_RUN/cli.pcap" -Y dhcpv6 -T fields -e frame.time_epoch -e dhcpv6.msgtype 2>/dev/null
}
# count_after T TYPE: messages of TYPE after time T
count_after() { msgs | awk -v t="$1" -v m="$2" '$1 > t && $2 == m' | wc -l; }
# True if every message of TYPE in the capture carries option OPT (tshark's dhcpv6.option.type).
# One tshark pass counts both, and it waits up to 5 s for the first such message: the capture
# is read while tcpdump still writes it (CI once counted 0 Requests, then 1 with the option).
all_have_opt() { # TYPE OPT
	local i n=0 k=0 c
	for ((i = 0; i < 25; i++)); do
		c=$(tshark -n -r "$T_RUN/cli.pcap" -Y "dhcpv6.msgtype == $1" -T fields -e dhcpv6.option.type 2>/dev/null |
			awk -v o="$2" '{ n++; k += ("," $0 ",") ~ ("," o ",") } END { print n + 0, k + 0 }')
		read -r n k <<<"$c"
		[ "$n" -gt 0 ] && break
		sleep 0.2
	done
	t_log "message type $1: $n, $k with option $2"
	[ "$n" -gt 0 ] && [ "$n" = "$k" ]
}
wait_count() { # T TYPE N SECS: until N messages of TYPE after T
	local i
	for ((i = 0; i < $4 * 5; i++)); do
		[ "$(count_after "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
now() { date +%s.%N; }
# kea_replied T TYPE: Kea's log has its Reply to the first message of TYPE after T (same xid).
kea_replied() {
	local x
	x=$(tshark -n -r "$T_RUN/cli.pcap" -Y "dhcpv6.msgtype == $2" -T fields -e frame.time_epoch \
		-e dhcpv6.xid 2>/dev/null | awk -v t="$1" '$1 > t { print $2; exit }')
	[ -n "$x" ] || return 1
	x=$(printf '0x%x' "$x")
	t_log "message type $2 xid $x"
	grep -q "tid=$x: trying to send packet REPLY (type 7)" "$ISP_RUN/kea-dhcp6.log"
}

isp_up RA=slaac DHCP6=kea PD_LEN=56 DHCP6_RKEY=$KEY FAR_DNS=0 FAR_HTTP=0 >"$T_RUN/isp.log" 2>&1 ||
	{ t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
write_sender
cap_start "$NS_CLI" eth0 cli || exit 1
v6l_conf dns=0
v6l_start
if ! v6l_wait_state up 20 || ! wait_json "len(c['ipv6']['delegated_prefixes']) > 0 and c['ipv6']['dhcpv6']['state'] == 'bound'" 20; then
	t_fail "reconfigure: no binding"; t_dump; exit 1
fi
pfx=$(v6l_json "c['ipv6']['delegated_prefixes'][0]['prefix']")
t_check "rfc8415_21_20_reconfigure_accept_in_solicit" all_have_opt 1 20
t_check "rfc8415_21_20_reconfigure_accept_in_request" all_have_opt 3 20
t_check "rfc8415_20_4_1_key_from_kea_reply_taken" test "$(d6 "['reconfigure']")" = "{'accept': True, 'key': True, 'accepted': 0, 'dropped': 0}"
t_check "kea_reply_carries_the_rkap_key (tshark)" bash -c "tshark -n -r '$T_RUN/cli.pcap' -Y 'dhcpv6.msgtype == 7 && dhcpv6.auth.protocol == 3' 2>/dev/null | grep -q ."

# --- a valid Reconfigure for Renew: the client renews at once (T1 is 1000 s away) ---
t0=$(now)
good=$(send_reconf 5 2 "$KEY")
t_check "rfc8415_18_2_11_renew_on_valid_reconfigure" wait_count "$t0" 5 1 5
wait_json "c['ipv6']['dhcpv6']['state'] == 'bound'" 10
t_check "rfc8415_18_2_11_reconfigure_counted" test "$(d6 "['reconfigure']['accepted']")" = 1
t_check "rfc8415_18_2_11_reconfigure_logged" grep -q "dhcp6\[dsl\]: Reconfigure from the server: RENEW" "$V6L_LOG"
t_check "kea_answered_the_renew" kea_replied "$t0" 5
t_check "rfc8415_21_20_reconfigure_accept_in_renew" all_have_opt 5 20
t_check "renew_after_reconfigure_keeps_the_prefix" test "$(v6l_json "c['ipv6']['delegated_prefixes'][0]['prefix']")" = "$pfx"

# --- forged: a right-looking HMAC under another key, a higher counter ---
t1=$(now)
send_reconf 5 9 ffeeddccbbaa99887766554433221100 >/dev/null
sleep 3
t_check "rfc8415_20_4_3_forged_hmac_ignored (no Renew)" test "$(count_after "$t1" 5)" = 0
t_check "rfc8415_20_4_3_forged_hmac_counted" test "$(d6 "['reconfigure']['dropped']")" = 1
t_check "forged_logged_with_reason" grep -q "Reconfigure dropped in bound: no RKAP HMAC-MD5, or it does not match the Reconfigure Key" "$V6L_LOG"
# --- replayed: the valid message again, byte for byte ---
send_reconf raw "$good" >/dev/null
sleep 3
t_check "rfc8415_20_3_replayed_reconfigure_ignored (no Renew)" test "$(count_after "$t1" 5)" = 0
t_check "rfc8415_20_3_replayed_counted" test "$(d6 "['reconfigure']")" = "{'accept': True, 'key': True, 'accepted': 1, 'dropped': 2}"
# --- multicast: a valid Reconfigure sent to ff02::1 (§16.11: it must be unicast to us) ---
RC_DST=ff02::1 send_reconf 5 3 "$KEY" >/dev/null
sleep 3
t_check "rfc8415_16_11_multicast_reconfigure_ignored (no Renew)" test "$(count_after "$t1" 5)" = 0
t_check "rfc8415_16_11_multicast_counted" test "$(d6 "['reconfigure']['dropped']")" = 3
t_check "multicast_logged_with_reason" grep -q "Reconfigure dropped in bound: not unicast to us" "$V6L_LOG"

# --- Information-request (msg-type 11): it names Kea's server id; the lease stays ---
t2=$(now)
send_reconf 11 3 "$KEY" >/dev/null
t_check "rfc8415_18_2_11_information_request_on_reconfigure" wait_count "$t2" 11 1 5
t_check "information_request_names_the_server" bash -c "tshark -n -r '$T_RUN/cli.pcap' -Y 'dhcpv6.msgtype == 11 && dhcpv6.option.type == 2' 2>/dev/null | grep -q ."
wait_json "c['ipv6']['dhcpv6']['state'] == 'bound'" 10
t_check "kea_answered_the_information_request" kea_replied "$t2" 11
t_check "information_request_keeps_the_lease" test "$(v6l_json "c['ipv6']['dhcpv6']['state'] + ' ' + c['ipv6']['delegated_prefixes'][0]['prefix']")" = "bound $pfx"

# --- Rebind (msg-type 6) ---
t3=$(now)
send_reconf 6 4 "$KEY" >/dev/null
t_check "rfc8415_18_2_11_rebind_on_reconfigure" wait_count "$t3" 6 1 5
wait_json "c['ipv6']['dhcpv6']['state'] == 'bound'" 10
t_check "kea_answered_the_rebind" kea_replied "$t3" 6
t_check "reconfigure_counters_after_all" test "$(d6 "['reconfigure']")" = "{'accept': True, 'key': True, 'accepted': 3, 'dropped': 3}"

# --- reconfigure_accept=0: no Reconfigure Accept, no key, a valid Reconfigure dropped ---
v6l_stop
cap_stop cli
mv "$T_RUN/cli.pcap" "$T_RUN/cli-accept.pcap"
cap_start "$NS_CLI" eth0 cli || exit 1
v6l_conf dns=0 reconfigure_accept=0
v6l_start
if v6l_wait_state up 20 && wait_json "len(c['ipv6']['delegated_prefixes']) > 0 and c['ipv6']['dhcpv6']['state'] == 'bound'" 20; then
	t_check "reconfigure_accept_0_no_option_in_solicit" bash -c "[ \$(tshark -n -r '$T_RUN/cli.pcap' -Y 'dhcpv6.msgtype == 1' 2>/dev/null | wc -l) -gt 0 ] && ! tshark -n -r '$T_RUN/cli.pcap' -Y 'dhcpv6.option.type == 20 && dhcpv6.msgtype != 7' 2>/dev/null | grep . >/dev/null"
	t4=$(now)
	send_reconf 5 5 "$KEY" >/dev/null
	sleep 3
	t_check "reconfigure_accept_0_valid_reconfigure_ignored" test "$(count_after "$t4" 5)" = 0
	t_check "reconfigure_accept_0_status" test "$(d6 "['reconfigure']")" = "{'accept': False, 'key': False, 'accepted': 0, 'dropped': 1}"
else
	t_fail "reconfigure_accept=0: no binding"; t_dump
fi
v6l_stop
cap_stop cli
for f in "$T_RUN"/cli-accept.pcap "$T_RUN"/cli.pcap; do
	t_check "capture_decodes_cleanly ($(basename "$f"))" cap_clean "$f"
done
exit $T_FAILED
