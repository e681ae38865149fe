#!/usr/bin/env bash
# dump_unknown_frames (v6link.ini [param]): a frame no component understands — here a PPP frame
# of an unknown protocol on the live session, sent by scapy from the access side — is logged in
# hex and marked in the pcapng trace with what it was; the session answers it with an LCP
# Protocol-Reject (RFC 1661 §5.7) either way. With dump_unknown_frames=0 nothing is logged.
source "$(dirname "$0")/lib.sh"
t_begin
AC_MAC=02:76:36:00:00:01
CLI_MAC=02:76:36:00:00:10

inject() { # SESSION_ID: one PPPoE session frame with PPP protocol 0x1234 toward the client
	ip netns exec "$NS_ISP" /usr/bin/python3 - "$1" <<-'EOF' >>"$T_RUN/scapy.log" 2>&1
	import sys
	from scapy.all import Ether, PPPoE, Raw, sendp
	frame = (Ether(src="02:76:36:00:00:01", dst="02:76:36:00:00:10", type=0x8864)
	         / PPPoE(sessionid=int(sys.argv[1])) / Raw(b"\x12\x34" + b"v6link-unknown-frame"))
	sendp(frame, iface="cli0", verbose=False)
	EOF
}

run_case() { # DUMP(0|1)
	v6l_conf
	echo "dump_unknown_frames = $1" >>"$V6L_CONF/v6link.ini"
	: >"$V6L_LOG"
	v6l_start
	v6l_wait_state up 20 || return 1
	sid=$(v6l_json "c['session_id']")
	cap_start "$NS_CLI" eth0 "unknown$1" ether proto 0x8864 || return 1
	inject "$sid"
	sleep 1
	cap_stop "unknown$1"
	v6l_stop
}

isp_up >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }
rm -rf "$T_RUN/trace"
run_case 1 || t_fail "dump_unknown_frames_1_session"
t_check "dump_unknown_frames_logs_the_frame_in_hex" \
	grep -qE 'trace\[dsl\]: unknown frame \(PPP protocol 0x1234 \(Protocol-Reject sent\)\), [0-9]+ bytes: 02 76 36 00 00 10 02 76 36 00 00 01 88 64' "$V6L_LOG"
file=$(ls "$T_RUN"/trace/dsl-*.pcapng 2>/dev/null | head -1)
comment=$(tshark -n -r "$file" -Y 'ppp.protocol == 0x1234 && frame.comment' -T fields -e frame.comment 2>/dev/null | head -1)
t_check "dump_unknown_frames_marks_it_in_the_trace ($comment)" grep -q 'PPP protocol 0x1234' <<<"$comment"
rej=$(tshark -n -r "$T_RUN/unknown1.pcap" -Y "eth.src == $CLI_MAC && lcp.rej_proto == 0x1234" 2>/dev/null | wc -l)
t_check "rfc1661_5_7_protocol_reject_sent ($rej)" test "$rej" -ge 1

run_case 0 || t_fail "dump_unknown_frames_0_session"
t_check "dump_unknown_frames_0_logs_nothing" bash -c "! grep -q 'unknown frame' '$V6L_LOG'"
rej=$(tshark -n -r "$T_RUN/unknown0.pcap" -Y "eth.src == $CLI_MAC && lcp.rej_proto == 0x1234" 2>/dev/null | wc -l)
t_check "rfc1661_5_7_protocol_reject_sent_without_dump_too ($rej)" test "$rej" -ge 1
exit 0
