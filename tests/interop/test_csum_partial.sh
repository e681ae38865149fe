#!/usr/bin/env bash
# CHECKSUM_PARTIAL frames on the session (issue #12): a PPPoE peer whose host kernel builds the
# frames (tc encapsulation, a local sender) leaves the UDP/TCP checksum to the device when its
# veth has tx checksum offload on, and the client's packet socket gets them unfinished
# (TP_STATUS_CSUMNOTREADY, only the pseudo-header sum in the field). The UML ISP's own sessions
# never make such frames (its ppp devices offload no checksum), so csum_partial_inject.py sends
# them on cli0 with AC_CSUM_OFFLOAD=on, into the live session. v6link must hand them to the TUN
# with VIRTIO_NET_HDR_F_NEEDS_CSUM (or finish them): the datagrams reach a UDP socket and the
# SYNs a listening TCP socket, with no checksum error counted. The capture of the client's eth0
# proves they were unfinished on the wire (tshark: bad checksum there).
source "$(dirname "$0")/lib.sh"
t_begin
trap 'cap_stop_all; kill $RX_PID 2>/dev/null; t_cleanup' EXIT
RX_PID=
MAC_CLI=02:76:36:00:00:10 MAC_UML0=02:76:36:00:00:01
INJ=$T_HERE/csum_partial_inject.py

isp_up AC_CSUM_OFFLOAD=on RA=slaac >"$T_RUN/isp.log" 2>&1 ||
	{ t_fail "csum_partial_isp_up"; cat "$T_RUN/isp.log"; exit 1; }
t_check "csum_partial_ac_tx_offload_on" \
	bash -c "ip netns exec $NS_ISP ethtool -k cli0 | grep -q '^tx-checksumming: on'"
v6l_conf use_ipv4=1 use_ipv6=1 dns=0
v6l_start
v6l_wait_state up 20 && wait_json "len(c['ipv6']['addresses']) > 0" 20 ||
	{ t_fail "csum_partial_session_up"; t_dump; exit 1; }
a4=$(v6l_json "c['ipv4']['address']")
a6=$(v6l_json "c['ipv6']['addresses'][0]['address']")
sid=$(v6l_json "c['session_id']")
t_log "session $sid, $a4, $a6"

# Receivers in the client namespace: UDP port 7001 (both families) writes what it gets; TCP port
# 7002 listens, so a SYN that passes its checksum is answered.
cat >"$T_RUN/rx.py" <<'PY'
import select, socket, sys
out = open(sys.argv[1], "w", buffering=1)
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("0.0.0.0", 7001))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); u6.bind(("::", 7001))
t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); t.bind(("::", 7002)); t.listen(16)
print("ready", file=out)
while True:
    for s in select.select([u4, u6], [], [], 30)[0]:
        d, a = s.recvfrom(2048)
        print("%s %s" % (a[0], d.decode(errors="replace")), file=out)
PY
# Not through in_cli: a function run with & is a subshell, and $! would be that shell, not the
# receiver (which the trap then missed). ip netns exec execs timeout, which bounds it anyway.
ip netns exec "$NS_CLI" timeout 120 /usr/bin/python3 "$T_RUN/rx.py" "$T_RUN/rx.txt" &
RX_PID=$!
for ((i = 0; i < 50; i++)); do grep -q ready "$T_RUN/rx.txt" 2>/dev/null && break; sleep 0.1; done
nstat_csum() { # the client's UDP/UDP6/TCP checksum error counters, summed
	in_cli nstat -az Udp6InCsumErrors UdpInCsumErrors TcpInCsumErrors 2>/dev/null |
		awk 'NR > 1 { s += $2 } END { print s + 0 }'
}
err0=$(nstat_csum)
cap_start "$NS_CLI" eth0 wire pppoes
inj() { ip netns exec "$NS_ISP" /usr/bin/python3 "$INJ" cli0 "$MAC_CLI" "$MAC_UML0" "$sid" "$@"; }
# odd and even lengths, one byte up to a full frame's worth
big=$(printf 'x%.0s' $(seq 1 1400))
inj "$FAR4" "$a4" udp 7001 v4-a v4-bb v4-ccc "v4-$big"
inj "$FAR6" "$a6" udp 7001 v6-a v6-bb v6-ccc "v6-$big"
inj "$FAR4" "$a4" syn 7002
inj "$FAR6" "$a6" syn 7002
sleep 1
cap_stop wire
n4=$(grep -c "^$FAR4 v4-" "$T_RUN/rx.txt")
n6=$(grep -c "^$FAR6 v6-" "$T_RUN/rx.txt")
t_log "received: $n4 IPv4, $n6 IPv6 datagrams of 4 each"
t_check "csum_partial_udp4_delivered" test "$n4" = 4
t_check "csum_partial_udp6_delivered" test "$n6" = 4
t_check "csum_partial_udp_payload_intact" grep -q "^$FAR6 v6-$big\$" "$T_RUN/rx.txt"
# A SYN that passed its checksum gets a SYN-ACK (which the real far host then resets).
synack() { # SRC [v6]
	tshark -n -r "$T_RUN/wire.pcap" -Y "tcp.srcport == 7002 && tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip${2:-}.src == $1" 2>/dev/null | wc -l
}
t_check "csum_partial_tcp4_syn_answered" test "$(synack "$a4")" = 1
t_check "csum_partial_tcp6_syn_answered" test "$(synack "$a6" v6)" = 1
err1=$(nstat_csum)
t_check "csum_partial_no_checksum_errors ($err0 -> $err1)" test "$err1" = "$err0"
# On the wire the checksums really were unfinished: tshark finds all 10 bad there.
bad=$(tshark -n -r "$T_RUN/wire.pcap" -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
	-Y '(udp.dstport == 7001 && udp.checksum.status == bad) || (tcp.dstport == 7002 && tcp.checksum.status == bad)' \
	2>/dev/null | wc -l)
t_check "csum_partial_frames_unfinished_on_wire ($bad of 10)" test "$bad" = 10
t_check "csum_partial_rx_counted" test "$(v6l_json "c['counters']['rx_packets'] >= 10")" = True
t_check "csum_partial_status_counted" test "$(v6l_json "c['counters']['offload']['csum_partial_rx'] >= 10")" = True
v6l_stop
exit $T_FAILED
