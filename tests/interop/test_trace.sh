#!/usr/bin/env bash
# Traces (issue #6): two live `v6link trace` readers at once during a dial see discovery through
# IPv6CP in order; the trace file in trace_dir has the same exchanges with state-change
# markers; with func_trace=2 data frames are traced too, and a reader that does not read loses
# blocks (counted and noted in its stream) while the data path keeps full speed. Every pcapng
# here is also decoded by check_traces.sh.
source "$(dirname "$0")/lib.sh"
t_begin
isp_up AUTH=chap RA=slaac >"$T_RUN/isp.log" 2>&1 || { t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }

# protocols FILE: one line per frame, "frame.protocols pppoe.code"
protocols() { tshark -r "$1" -T fields -e frame.protocols -e pppoe.code 2>/dev/null; }
# first LINE-REGEX FILE: number of the first frame matching
first() { protocols "$2" | grep -n -m1 -E "$1" | cut -d: -f1; }
in_order() { # FILE
	local f=$1 padi pado padr pads lcp chap ipcp ipv6cp
	padi=$(first 'pppoed.0x0*9$' "$f"); pado=$(first 'pppoed.0x0*7$' "$f")
	padr=$(first 'pppoed.0x0*19$' "$f"); pads=$(first 'pppoed.0x0*65$' "$f")
	[ -n "$padi" ] || protocols "$f" | head -5
	lcp=$(first ':lcp' "$f"); chap=$(first ':chap' "$f")
	ipcp=$(first ':ipcp' "$f"); ipv6cp=$(first ':ipv6cp' "$f")
	t_log "$f: PADI $padi PADO $pado PADR $padr PADS $pads LCP $lcp CHAP $chap IPCP $ipcp IPv6CP $ipv6cp"
	[ -n "$padi" ] && [ -n "$ipv6cp" ] && [ -n "$ipcp" ] && [ "$padi" -lt "$pado" ] &&
		[ "$pado" -lt "$padr" ] && [ "$padr" -lt "$pads" ] && [ "$pads" -lt "$lcp" ] &&
		[ "$lcp" -lt "$chap" ] && [ "$chap" -lt "$ipcp" ] && [ "$chap" -lt "$ipv6cp" ]
}

# --- two live readers during a dial (enabled=0: `run` waits for `up`) ---
v6l_conf enabled=0
v6l_start run
for i in $(seq 50); do [ -S "$V6L_SOCK" ] && break; sleep 0.1; done
v6l trace -w "$T_RUN/live-a.pcapng" dsl 2>"$T_RUN/trace-a.err" &
RA=$!
v6l trace -w - >"$T_RUN/live-b.pcapng" 2>"$T_RUN/trace-b.err" &
RB=$!
sleep 0.5
v6l up dsl >/dev/null
t_check "dial_with_two_live_readers" v6l_wait_state up 20
sleep 2
v6l_stop
wait "$RA"; ra=$?
wait "$RB"; rb=$?
t_check "live_readers_end_cleanly_when_the_daemon_stops (rc $ra $rb)" test "$ra$rb" = 00
t_check "live_reader_a_discovery_to_ipv6cp_in_order" in_order "$T_RUN/live-a.pcapng"
t_check "live_reader_b_discovery_to_ipv6cp_in_order" in_order "$T_RUN/live-b.pcapng"
na=$(protocols "$T_RUN/live-a.pcapng" | grep -c ppp)
nb=$(protocols "$T_RUN/live-b.pcapng" | grep -c ppp)
t_check "both_readers_saw_the_same_ppp_frames ($na, $nb)" test "$na" = "$nb" -a "$na" -gt 10
file=$(ls "$T_RUN"/trace/dsl-*.pcapng | head -1)
t_check "trace_file_in_trace_dir_in_order" in_order "$file"
t_check "trace_file_marks_state_changes" bash -c "tshark -r '$file' -Y syslog -T fields -e syslog.msg 2>/dev/null | grep -q 'network -> up'"
txt=$(ls "$T_RUN"/trace/v6link-*.txt 2>/dev/null | head -1)
t_check "func_trace_1_text_trace_has_protocol_detail" bash -c "[ -n '$txt' ] && grep -q 'lcp\[dsl\]: rcvd Configure-Request' '$txt' && grep -q 'ipv6cp\[dsl\]' '$txt'"
t_check "trace_file_chap_response_masked" bash -c "[ -n \"\$(tshark -r '$file' -Y 'chap.code == 2' -T fields -e chap.value 2>/dev/null | grep -x '0*')\" ]"
t_check "trace_without_daemon_fails_clearly" bash -c "out=\$(ip netns exec $NS_CLI $V6L_BIN -S $T_RUN/none.sock trace -w /dev/null 2>&1); rc=\$?; [ \$rc = 1 ] && echo \"\$out\" | grep -q 'cannot reach the daemon'"

# --- func_trace=2: data traced; a reader that never reads loses blocks, the data path does not ---
V6L_FUNC_TRACE=2 v6l_conf
v6l_start
v6l_wait_state up 20 >/dev/null
sleep 1
ip netns exec "$NS_CLI" python3 - "$V6L_SOCK" "$T_RUN/slow.pcapng" >"$T_RUN/slow.log" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"trace dsl\n")
time.sleep(8)                      # a reader that does not read while the line is busy
with open(sys.argv[2], "wb") as f:
    line = b""
    while not line.endswith(b"\n"):
        line += s.recv(1)
    s.settimeout(1)
    end = time.time() + 4          # the stream never ends by itself: read what is queued
    try:
        while time.time() < end:
            b = s.recv(65536)
            if not b:
                break
            f.write(b)
    except socket.timeout:
        pass
EOF
SLOW=$!
sleep 1
t0=$(date +%s%N)
loss=$(in_cli ping -6 -f -c 20000 -s 400 -W 1 "$FAR6" 2>&1 | sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p')
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
t_log "ping -f 20000 x 400 bytes with a stalled live reader: ${loss}% loss in $ms ms"
t_check "stalled_reader_does_not_stall_the_data_path (${loss}% loss, $ms ms)" test "${loss%.*}" -lt 2
wait "$SLOW"
t_check "slow_reader_told_of_dropped_blocks" grep -aq "dropped for this slow reader" "$T_RUN/slow.pcapng"
v6l_stop
file=$(ls -t "$T_RUN"/trace/dsl-*.pcapng | head -1)
nd=$(tshark -r "$file" -Y 'icmpv6.type == 128' -T fields -e frame.number 2>/dev/null | wc -l)
t_check "func_trace_2_traces_data ($nd echo requests in $(basename "$file"))" test "$nd" -gt 1000

# --- func_trace=0 (the default): the minimum text trace, state changes without protocol detail ---
rm -f "$T_RUN"/trace/v6link-*.txt
V6L_FUNC_TRACE=0 v6l_conf
# without -d: the text trace then holds what the log holds at its default level
ip netns exec "$NS_CLI" "$V6L_BIN" -C "$V6L_CONF" -S "$V6L_SOCK" run dsl >>"$V6L_LOG" 2>&1 &
V6L_PID=$!
v6l_wait_state up 20 >/dev/null
v6l_stop
txt=$(ls "$T_RUN"/trace/v6link-*.txt 2>/dev/null | head -1)
t_check "func_trace_0_text_trace_has_state_changes" bash -c "[ -n '$txt' ] && grep -q 'conn\[dsl\]: network -> up' '$txt'"
t_check "func_trace_0_text_trace_has_no_protocol_detail" bash -c "[ -n '$txt' ] && ! grep -q -e 'debug:' -e 'rcvd Configure-Request' '$txt'"
[ "$T_FAILED" = 0 ] || t_dump
exit 0
