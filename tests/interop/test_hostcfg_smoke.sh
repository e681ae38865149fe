#!/bin/bash
# hostcfg_smoke.sh - hostcfg against a real kernel: in a throwaway network namespace,
# hostcfg-smoke creates a TUN, applies MTU, IPv4 peer address, IPv6 addresses with lifetimes,
# on-link and source-specific routes and an accept_ra sysctl through the undo list, then undoes
# everything. This script checks the namespace with iproute2 before and after the undo.
#
# Usage: hostcfg_smoke.sh [PATH/TO/hostcfg-smoke]     (root; default: $BUILD/src/hostcfg/...)
set -u

IF=v6link0

fail() { echo "FAIL: $*"; FAILED=1; }
has() { grep -qF -- "$2" <<<"$1" || fail "missing '$2'"; }
hasnt() { ! grep -qF -- "$2" <<<"$1" || fail "unexpected '$2'"; }

# Runs inside the namespace, called back by hostcfg-smoke before its undo.
check_before() {
	FAILED=0
	local a r4 r6
	a=$(ip -o addr show dev $IF) r4=$(ip -4 route) r6=$(ip -6 route)
	ip addr show dev $IF; echo "$r4"; echo "$r6"
	has "$(ip -o link show dev $IF)" "mtu 1492"
	has "$(ip -o link show dev $IF)" ",UP"
	has "$a" "inet 100.64.0.10 peer 100.64.0.1/32"
	has "$a" "inet6 fe80::1234/64 scope link nodad"
	has "$a" "inet6 2001:db8:1::1234/64 scope global nodad"
	# The refresh (900/600 after 600/300) happened in place.
	grep -F "2001:db8:1::1234/64" <<<"$a" | grep -qE 'valid_lft (900|89[0-9])sec preferred_lft (600|59[0-9])sec' ||
		fail "lifetimes of 2001:db8:1::1234 not refreshed"
	# addr_gen_mode none: the only link-local is ours.
	[ "$(grep -c 'inet6 fe80::' <<<"$a")" = 1 ] || fail "kernel made its own link-local"
	has "$r4" "default dev $IF proto 118 scope link"
	has "$r6" "2001:db8:99::/48 dev $IF proto 118"
	has "$r6" "default from 2001:db8:1::/64 dev $IF proto 118 metric 512"
	[ "$(cat /proc/sys/net/ipv6/conf/$IF/accept_ra)" = 0 ] || fail "accept_ra not 0"
	exit $FAILED
}

check_after() {
	FAILED=0
	local a r
	a=$(ip -o addr show dev $IF) r=$(ip route; ip -6 route)
	ip addr show dev $IF; echo "$r"
	hasnt "$a" "inet"
	hasnt "$r" "proto 118"
	has "$(ip -o link show dev $IF)" "mtu 1500"
	hasnt "$(ip -o link show dev $IF)" ",UP"
	[ "$(cat /proc/sys/net/ipv6/conf/$IF/accept_ra)" = 1 ] || fail "accept_ra not restored to 1"
	exit $FAILED
}

case "${1:-}" in
--check-before) check_before ;;
--check-after) check_after ;;
esac

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SMOKE=${1:-$ROOT/${BUILD:-build}/src/hostcfg/hostcfg-smoke}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "$SMOKE" ] || { echo "SKIP: $SMOKE not built"; exit 77; }

NS=v6l-hc-$$
cleanup() { ip netns del "$NS" 2>/dev/null; }
trap cleanup EXIT INT TERM
ip netns add "$NS" || exit 1

SELF=$(readlink -f "$0")
ip netns exec "$NS" "$SMOKE" $IF "bash $SELF --check-before" "bash $SELF --check-after"
rc=$?
# The TUN was not persistent: closing its fd removed it.
if ip netns exec "$NS" ip link show dev $IF >/dev/null 2>&1; then
	echo "FAIL: $IF still exists after hostcfg-smoke exited"
	rc=1
fi
[ $rc = 0 ] && echo "PASS: hostcfg_netlink_apply_and_undo" || echo "FAIL: hostcfg_netlink_apply_and_undo"
exit $rc
