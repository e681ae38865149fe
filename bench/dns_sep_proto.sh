#!/bin/bash
# The cost of a DNS parsing helper process measured in place (issue #13, README "Security
# model"): builds the DNS proxy's test driver from this commit with bench/dns_sep_proto.patch
# (one SOCK_SEQPACKET round trip per pass over the proxy's sockets to a forked child that only
# copies: a 520-octet request per client datagram, 1240 per upstream answer, a 512-octet record
# back) and runs bench/dns_proxy_bench.sh with it as the second build, "v6link2", beside the
# unpatched proxy, "v6link", with SYSCALLS=1. The patch is a measuring tool, never a feature;
# it applies to the dns_proxy.c of the commit that brought it and may need redoing later.
#
# Usage: sudo bench/dns_sep_proto.sh [BUILD_DIR] (default build)
#   the environment of dns_proxy_bench.sh: DUR, ROUNDS, CASES, QPS, SERVERS (here v6link)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$TOP/build}
T=$(mktemp -d /tmp/v6l-dsp.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/src"
git -C "$TOP" archive HEAD | tar -x -C "$T/src"
git -C "$T/src" apply "$TOP/bench/dns_sep_proto.patch"
meson setup "$T/build" "$T/src" >"$T/setup.log" 2>&1 || {
	cat "$T/setup.log"
	exit 1
}
ninja -C "$T/build" tests/interop/dns_proxy_drv >"$T/ninja.log" 2>&1 || {
	cat "$T/ninja.log"
	exit 1
}
SERVERS=${SERVERS:-v6link} SYSCALLS=1 V6L2=$T/build bash "$TOP/bench/dns_proxy_bench.sh" "$BUILD"
