#!/usr/bin/env bash
# Checks dp_gso's segments of the kernel's own super-packets with tshark as the independent
# decoder: runs dp_gso_test (BUILD, default build) with DP_GSO_PCAP, which writes every segment
# it makes (at MTU 1400, 1000 and 576) as raw IP to a pcap, and fails on any frame whose IPv4
# header, TCP or UDP checksum tshark finds bad, or that it finds malformed. With --capture, first
# regenerates tests/unit/dp_gso_vectors.h from this kernel (root; gso_capture.py).
#   bash tests/unit/gso_check.sh [--capture]
# Last run (Linux 6.18, 1d38bdc+): 14 packets captured, 117 segments, every checksum good.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
if [ "${1:-}" = --capture ]; then
	python3 "$top/tests/unit/gso_capture.py" "$top/tests/unit/dp_gso_vectors.h" || exit 1
	ninja -C "$top/$BUILD" tests/unit/dp_gso_test >/dev/null || exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gso_check-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
DP_GSO_PCAP=$tmp/segs.pcap "$top/$BUILD/tests/unit/dp_gso_test" >"$tmp/test.log" 2>&1 ||
	{ cat "$tmp/test.log"; echo "FAIL: dp_gso_test"; exit 1; }
n=$(tshark -n -r "$tmp/segs.pcap" 2>/dev/null | wc -l)
good=$(tshark -n -r "$tmp/segs.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
	-o udp.check_checksum:TRUE -T fields -e tcp.checksum.status -e udp.checksum.status 2>/dev/null |
	grep -c 1)
bad=$(tshark -n -r "$tmp/segs.pcap" --disable-protocol thrift -o ip.check_checksum:TRUE \
	-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-Y 'ip.checksum.status==bad || tcp.checksum.status==bad || udp.checksum.status==bad || _ws.malformed' \
	2>/dev/null | wc -l)
echo "gso_check: $n segments, $good with a good TCP/UDP checksum, $bad bad"
[ "$n" -gt 0 ] && [ "$good" = "$n" ] && [ "$bad" = 0 ]
