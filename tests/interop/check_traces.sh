#!/usr/bin/env bash
# Run by tests/run_all.sh after every interop test (issue #6): decodes each pcapng trace the
# tests wrote (/tmp/v6l-test_*/trace/*.pcapng and live captures /tmp/v6l-test_*/*.pcapng) with tshark,
# failing on any malformed packet or expert error; checks that tshark's dissectors recognise the
# PPPoE, PPP (LCP, PAP, CHAP, IPCP, IPv6CP), ICMPv6 and DHCPv6 layers by name across them; and
# that no configured password appears in any trace or v6link log.
set -uo pipefail
ROOT=${V6L_TRACE_ROOT:-/tmp}
PASSWORDS=(v6lpass-Secret1 wrong-password-123)
ok() { echo "PASS: $*"; }
ko() { echo "FAIL: $*"; }
command -v tshark >/dev/null || { ko "tshark missing (package tshark)"; exit 0; }

protos=$(mktemp)
trap 'rm -f "$protos"' EXIT
n_dirs=0
for d in "$ROOT"/v6l-test_*/; do
	files=()
	for f in "$d"trace/*.pcapng "$d"*.pcapng; do [ -f "$f" ] && files+=("$f"); done
	[ ${#files[@]} -gt 0 ] || continue
	n_dirs=$((n_dirs + 1))
	frames=0 bad=0 unreadable=0
	for f in "${files[@]}"; do
		n=$(tshark -r "$f" -T fields -e frame.protocols 2>/dev/null | tee -a "$protos" | wc -l) ||
			unreadable=$((unreadable + 1))
		frames=$((frames + n))
		b=$(tshark -r "$f" -Y '_ws.malformed || _ws.expert.severity >= "Error"' \
			-T fields -e frame.number 2>/dev/null | wc -l)
		if [ "$b" != 0 ]; then
			bad=$((bad + b))
			tshark -r "$f" -Y '_ws.malformed || _ws.expert.severity >= "Error"' -V 2>/dev/null | head -60
		fi
	done
	name="tshark_decodes_traces_of_$(basename "$d" | sed 's/^v6l-//') (${#files[@]} file(s), $frames frames, $bad malformed or in error)"
	if [ "$bad" = 0 ] && [ "$unreadable" = 0 ] && [ "$frames" -gt 0 ]; then ok "$name"; else ko "$name"; fi
done
[ "$n_dirs" -gt 0 ] && ok "interop tests wrote pcapng traces ($n_dirs test(s))" ||
	ko "no pcapng trace found under $ROOT/v6l-test_*"

# Each layer must appear, by its dissector's name, in some trace.
for layer in pppoed pppoes lcp pap chap ipcp ipv6cp icmpv6 dhcpv6 syslog; do
	c=$(tr ':' '\n' <"$protos" | grep -cx "$layer")
	if [ "$c" -gt 0 ]; then ok "tshark_recognises_$layer ($c frames)"; else ko "tshark_recognises_$layer"; fi
done

leaks=()
for d in "$ROOT"/v6l-test_*/; do
	for f in "$d"v6link.log "$d"trace/*.pcapng "$d"*.pcapng; do
		[ -f "$f" ] || continue
		for p in "${PASSWORDS[@]}"; do
			grep -aqF -- "$p" "$f" && leaks+=("$f")
		done
	done
done
if [ ${#leaks[@]} = 0 ]; then ok "no_password_in_any_trace_or_log"; else ko "no_password_in_any_trace_or_log: ${leaks[*]}"; fi
exit 0
