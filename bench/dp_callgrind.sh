#!/usr/bin/env bash
# bench/dp_callgrind.sh - instructions per packet (callgrind Ir) of the data path's pure
# functions: decap (dp_classify_rx), encap (dp_check_tx + dp_build_tx_hdr), segmentation
# (dp_gso_begin/next), coalescing (dp_gro_run) and NAT46 translation (nat46_4to6, nat46_6to4).
# Builds bench/callgrind/cg_drv.c with those sources into a temporary folder, runs it under
# `env -i valgrind --tool=callgrind` once per measured function (--toggle-collect, so the total
# is that function's inclusive count) and prints Ir per packet. Deterministic: a change of the
# numbers is a change of the code (or of the compiler). No root needed. See bench/README.md.
#   bash bench/dp_callgrind.sh [-o RESULTS.tsv]
# environment: CC (default gcc), CFLAGS (default -O2)
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CC=${CC:-gcc}
CFLAGS=${CFLAGS:--O2}
RESULTS=''
case "${1:-}" in
-o) RESULTS=${2:?-o needs a file} ;;
'') ;;
*) echo "usage: $0 [-o RESULTS.tsv]" >&2; exit 2 ;;
esac
for c in "$CC" valgrind; do
	command -v "$c" >/dev/null || { echo "dp_callgrind: $c missing (make deps)" >&2; exit 2; }
done
T=$(mktemp -d /tmp/v6lcg.XXXXXX)
trap 'rm -rf "$T"' EXIT

# The functions measured; a new one (say the TUN write of a coalesced batch) gets a cg_* wrapper
# in cg_drv.c that returns the number of packets it handled, and a line here.
SRCS=(bench/callgrind/cg_drv.c bench/callgrind/cg_gro.c src/dataplane/dp_filter.c
	src/dataplane/dp_gso.c src/dataplane/dp_gro.c src/pppoe/pppoe_codec.c src/core/cur.c
	src/core/csum.c src/nat46/nat46_4to6.c src/nat46/nat46_6to4.c src/nat46/nat46_common.c)
# -fno-optimize-sibling-calls and noipa keep every cg_* wrapper a function of its own; -z now
# binds libc at start, so no lazy symbol lookup lands in the first wrapper that calls memcpy.
# shellcheck disable=SC2086 # CFLAGS is a list of flags
if ! (cd "$TOP" && "$CC" -std=c17 $CFLAGS -g -fno-optimize-sibling-calls -Wl,-z,now \
	-Isrc -Ibench/callgrind "${SRCS[@]}" -o "$T/cg_drv") >"$T/build.log" 2>&1; then
	echo "dp_callgrind: build failed:" >&2
	cat "$T/build.log" >&2
	exit 1
fi
if ! env -i "$T/cg_drv" >"$T/counts.tsv" 2>"$T/drv.err"; then
	echo "dp_callgrind: the driver failed: $(cat "$T/drv.err")" >&2
	exit 1
fi

printf '%-14s %8s %10s  %s\n' function packets Ir/packet what
[ -n "$RESULTS" ] && printf 'function\tpackets\tir_per_packet\twhat\n' >"$RESULTS"
while IFS=$'\t' read -r fn n what; do
	env -i valgrind --tool=callgrind --toggle-collect="$fn" --callgrind-out-file="$T/cg.$fn" \
		"$T/cg_drv" >/dev/null 2>"$T/vg.$fn.err" ||
		{ echo "dp_callgrind: valgrind failed for $fn:" >&2; tail -n 5 "$T/vg.$fn.err" >&2; exit 1; }
	ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$T/cg.$fn" | head -n 1)
	per=$(awk -v ir="${ir:-0}" -v n="$n" 'BEGIN { printf "%.1f", n ? ir / n : 0 }')
	printf '%-14s %8s %10s  %s\n' "${fn#cg_}" "$n" "$per" "$what"
	[ -n "$RESULTS" ] && printf '%s\t%s\t%s\t%s\n' "${fn#cg_}" "$n" "$per" "$what" >>"$RESULTS"
done <"$T/counts.tsv"
echo "(Ir of the cg_* wrapper over its packets, loop overhead of a few Ir included; $("$CC" --version | head -n 1), $CFLAGS)"
