#!/usr/bin/env bash
# Download coalescing against the kernel (issue #12): gro_tun_drv writes super-packets made by
# dp_gro.c (vnet header: GSO TCPV4/TCPV6, NEEDS_CSUM, the pseudo-header sum in the checksum
# field) into a real TUN with IFF_VNET_HDR, in a namespace of its own; half the rounds start
# from CHECKSUM_PARTIAL segments.
#   tcp   a TCP socket behind the TUN accepts the driver's connection and reads exactly the
#         bytes sent, in order (IPv4 and IPv6), with no checksum error counted
#   fwd   the same super-packets routed on to a veth (vf0) without TSO or tx checksum offload: the
#         kernel segments them again and computes every checksum from what dp_gro left; tshark
#         on the far end finds MSS-sized segments, all checksums good, and the payload bytes in
#         sequence
# Needs root; the driver is build/tests/interop/gro_tun_drv (GRO_DRV= to use another).
source "$(dirname "$0")/lib.sh"
NS=${NS_CLI}-gro NS2=${NS_CLI}-gro2
DRV=${GRO_DRV:-$(dirname "$V6L_BIN")/tests/interop/gro_tun_drv}
t_cleanup() {
	cap_stop_all
	ip netns del "$NS" 2>/dev/null
	ip netns del "$NS2" 2>/dev/null
}
t_begin
[ -x "$DRV" ] || { t_fail "gro_tun: no driver at $DRV"; exit 1; }
ip netns add "$NS" && ip netns add "$NS2" || { t_fail "gro_tun_netns"; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
in_ns ip tuntap add dev gro0 mode tun vnet_hdr
in_ns ip addr add 198.18.7.1/24 dev gro0
in_ns ip -6 addr add 2001:2:7::1/64 dev gro0 nodad
in_ns ip link set gro0 up
in_ns sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
in_ns ip link add vf0 type veth peer name vf1 netns "$NS2"
in_ns ethtool -K vf0 tso off gso on tx off >/dev/null
in_ns ip addr add 198.18.8.1/24 dev vf0
in_ns ip -6 addr add 2001:2:8::1/64 dev vf0 nodad
in_ns ip link set vf0 up
ip -n "$NS2" link set vf1 up
ip -n "$NS2" addr add 198.18.8.2/24 dev vf1
ip -n "$NS2" -6 addr add 2001:2:8::2/64 dev vf1 nodad
ip netns exec "$NS2" ethtool -K vf1 gro off >/dev/null
csum_errs() {
	in_ns nstat -az TcpInCsumErrors 2>/dev/null | awk 'NR > 1 { s += $2 } END { print s + 0 }'
}

for fam in 4 6; do
	if [ $fam = 4 ]; then l=198.18.7.1 r=198.18.7.2 d=198.18.8.2; else l=2001:2:7::1 r=2001:2:7::2 d=2001:2:8::2; fi
	e0=$(csum_errs)
	out=$(in_ns "$DRV" tcp gro0 "$l" "$r" 400000 2>&1)
	rc=$?
	t_log "$out"
	t_check "gro_tun_tcp${fam}_socket_reads_bytes_sent" test $rc = 0
	# 400 segments, in rounds of 40 (one super-packet each, the last segment's PSH ends it)
	t_check "gro_tun_tcp${fam}_coalesced" grep -q "400 segments in 10 writes" <<<"$out"
	t_check "gro_tun_tcp${fam}_no_checksum_errors" test "$(csum_errs)" = "$e0"

	# the driver's destination is behind vf0: ND/ARP of the far end first
	ip netns exec "$NS" ping -c 1 -W 2 "$d" >/dev/null 2>&1
	cap_start "$NS2" vf1 fwd$fam tcp
	out=$(in_ns "$DRV" fwd gro0 "$r" "$d" 100000 2>&1)
	t_log "$out"
	f=$T_RUN/fwd$fam.pcap
	# tcpdump reads its ring a block at a time (libpcap's 1 s timeout without immediate mode):
	# wait until the segments are in the file, or it is stopped with them still in the kernel.
	for _ in $(seq 50); do
		[ "$(tshark -n -r "$f" -Y 'tcp.len == 1000' 2>/dev/null | wc -l)" -ge 100 ] && break
		sleep 0.1
	done
	cap_stop fwd$fam
	t_check "gro_tun_fwd${fam}_written_coalesced" grep -q "100 segments in 3 writes" <<<"$out"
	n=$(tshark -n -r "$f" -Y 'tcp.len == 1000' 2>/dev/null | wc -l)
	t_check "gro_tun_fwd${fam}_resegmented ($n of 100 segments of 1000)" test "$n" = 100
	t_check "gro_tun_fwd${fam}_checksums_good" cap_clean "$f"
	# payload in sequence: the driver's pattern, byte i = i * 131 + (i >> 11) (mod 256)
	t_check "gro_tun_fwd${fam}_payload_in_order" bash -c "tshark -n -r '$f' -T fields -e tcp.seq_raw -e tcp.payload 2>/dev/null | /usr/bin/python3 -c '
import sys
rows = sorted((int(s), bytes.fromhex(p)) for s, p in (l.split() for l in sys.stdin if len(l.split()) == 2))
data = b\"\".join(p for _, p in rows)
ok = rows[0][0] == 0x1000000 and all(rows[i + 1][0] == rows[i][0] + len(rows[i][1]) for i in range(len(rows) - 1))
ok = ok and data == bytes((i * 131 + (i >> 11)) & 0xff for i in range(100000))
sys.exit(0 if ok else 1)'"
done
exit $T_FAILED
