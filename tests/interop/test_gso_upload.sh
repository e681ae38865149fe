#!/usr/bin/env bash
# TCP upload through v6link0 with the TUN offloads on (issue #12): the kernel hands v6link TSO
# super-packets (IFF_VNET_HDR, TUNSETOFFLOAD CSUM|TSO4|TSO6) and v6link segments them itself into
# MTU-sized PPPoE frames. Checks, against the UML ISP (pppd) and the far host:
#   - v6link0 has tx-tcp-segmentation on (ethtool -k) and txqueuelen raised from 500
#   - an iperf3 upload (IPv4, then IPv6) completes, the far host receives data
#   - the first frames of each upload are full-sized PPPoE session frames whose IPv4 header and
#     TCP checksums tshark finds valid (cap_clean), none above the session MTU
#   - v6link0 TX dropped stays 0 (no local queue overrun), v6link counts no malformed/too_big drop
# Also prints the v6link process's CPU time per Gbit/s of the upload (utime+stime, /proc/PID/stat)
# for bench comparisons; not a gate.
source "$(dirname "$0")/lib.sh"
t_begin
trap 'cap_stop_all; t_cleanup' EXIT
MAC_CLI=02:76:36:00:00:10
SECS=${GSO_SECS:-6}

isp_up RA=slaac >"$T_RUN/isp.log" 2>&1 || { t_fail "gso_isp_up"; cat "$T_RUN/isp.log"; exit 1; }
v6l_conf use_ipv4=1 use_ipv6=1 dns=0
v6l_start
v6l_wait_state up 20 && wait_json "len(c['ipv6']['addresses']) > 0" 20 ||
	{ t_fail "gso_session_up"; t_dump; exit 1; }
mtu=$(v6l_json "c['mtu']")
t_log "session MTU $mtu"

feat() { in_cli ethtool -k v6link0 2>/dev/null | awk -v k="$1:" '$1 == k { print $2 }'; }
t_log "v6link0: tso $(feat tcp-segmentation-offload), tx-csum $(feat tx-checksumming), $(in_cli ip -o link show v6link0 | grep -o 'qlen [0-9]*')"
t_check "gso_tun_tso_on" test "$(feat tcp-segmentation-offload)" = on
t_check "gso_tun_txqueuelen_raised" test "$(in_cli cat /sys/class/net/v6link0/tx_queue_len)" -gt 500

tx_dropped() { in_cli cat /sys/class/net/v6link0/statistics/tx_dropped; }
cpu_ticks() { # utime + stime of the v6link process (all threads)
	awk '{ print $14 + $15 }' "/proc/$V6L_PID/stat"
}
drop_of() { v6l_json "c['counters']['drops'].get('$1', 0)"; }

# gso_clean FILE: frames there, none with a bad IPv4 header, TCP or UDP checksum and none
# malformed, tshark checking (iperf3's random payload is taken for Thrift by a heuristic)
gso_clean() {
	local n bad
	n=$(tshark -n -r "$1" 2>/dev/null | wc -l)
	bad=$(tshark -n -r "$1" --disable-protocol thrift -o ip.check_checksum:TRUE \
		-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y 'ip.checksum.status==bad || tcp.checksum.status==bad || udp.checksum.status==bad || _ws.malformed' 2>/dev/null)
	t_log "$(basename "$1"): $n frames, $(printf '%s' "$bad" | grep -c .) bad"
	[ -n "$bad" ] && printf '%s\n' "$bad" | head -10
	[ "$n" -gt 0 ] && [ -z "$bad" ]
}

upload() { # FAMILY DST NAME
	local fam=$1 dst=$2 name=$3 d0 c0 c1 bps rtx
	far_iperf3_serve "$T_RUN/iperf3-s-$name.log" $((SECS + 20))
	cap_start "$NS_CLI" eth0 "$name" -c 3000 "ether src $MAC_CLI and pppoes"
	d0=$(tx_dropped) c0=$(cpu_ticks)
	in_cli timeout $((SECS + 15)) iperf3 "-$fam" -c "$dst" -p 5201 -t "$SECS" -J \
		>"$T_RUN/iperf3-$name.json" 2>"$T_RUN/iperf3-$name.err"
	local rc=$?
	c1=$(cpu_ticks)
	far_iperf3_done
	sleep 1
	cap_stop "$name"
	read -r bps rtx < <(python3 -c "import json; d=json.load(open('$T_RUN/iperf3-$name.json'))['end']
print(int(d['sum_received']['bits_per_second']), d['sum_sent'].get('retransmits', -1))" 2>/dev/null)
	local hz; hz=$(getconf CLK_TCK)
	t_log "$name: rc $rc, $(awk -v b="${bps:-0}" 'BEGIN { printf "%.3f Gbit/s", b / 1e9 }'), retransmits ${rtx:-?}, v6link CPU $(awk -v c=$((c1 - c0)) -v hz="$hz" -v s="$SECS" -v b="${bps:-0}" 'BEGIN { u = c / hz / s * 100; printf "%.1f %% = %.1f %%/Gbit/s", u, (b > 0 ? u / (b / 1e9) : 0) }'), v6link0 TX dropped +$(($(tx_dropped) - d0))"
	t_check "gso_${name}_completes" test "$rc" = 0 -a "${bps:-0}" -gt 0
	t_check "gso_${name}_no_tun_tx_drops" test "$(($(tx_dropped) - d0))" = 0
	t_log "$name: v6link io_error drops $(drop_of io_error), eth0 TX dropped $(in_cli cat /sys/class/net/eth0/statistics/tx_dropped)"
	t_check "gso_${name}_frames_checksums_valid" gso_clean "$T_RUN/$name.pcap"
	local big n_full
	big=$(tshark -n -r "$T_RUN/$name.pcap" -Y "pppoes && frame.len > $((mtu + 22))" 2>/dev/null | wc -l)
	n_full=$(tshark -n -r "$T_RUN/$name.pcap" -Y "pppoes && frame.len == $((mtu + 22))" 2>/dev/null | wc -l)
	t_log "$name: $n_full full-size frames ($((mtu + 22)) bytes), $big larger"
	t_check "gso_${name}_frames_within_mtu" test "$big" = 0
	t_check "gso_${name}_full_size_frames" test "$n_full" -ge 100
}

off() { v6l_json "c['counters']['offload']['$1']"; }
upload 4 "$FAR4" up4
upload 6 "$FAR6" up6
# status counts the segmentation: super-packets read, and at least one segment from each
t_log "status offload: $(v6l_json "c['counters']['offload']")"
t_check "gso_status_tso_super_counted" test "$(off tso_super)" -gt 0
t_check "gso_status_segments_at_least_super" test "$(off tso_segments)" -ge "$(off tso_super)"
st_text=$(v6l status)
t_check "gso_status_text_offload_line" grep -Eq '^  offload +up [1-9][0-9]* TSO/USO -> [1-9][0-9]* segments' <<<"$st_text"
t_check "gso_status_text_gro_line" grep -Eq '^ +down [0-9]+ GRO of [0-9]+ frames, [0-9]+ CHECKSUM_PARTIAL$' <<<"$st_text"
t_check "gso_status_text_rx_ring_line" grep -Eq '^  rx ring +(on|off), [0-9]+ frames dropped by the kernel$' <<<"$st_text"
# the data threads carry names (top -H, bench/line_rate.sh reads them)
t_check "gso_data_threads_named" bash -c "cat /proc/$V6L_PID/task/*/comm | sort | tr '\n' ' ' | grep -E 'v6l-dp-down v6l-dp-up' >/dev/null"
for d in malformed too_big; do
	t_check "gso_no_${d}_drops" test "$(drop_of $d)" = 0
done
v6l_stop
exit $T_FAILED
