#!/bin/bash
# test_policy_table.sh - RFC 6724 / RFC 7078 policy table against a real kernel and glibc: in a
# throwaway network namespace, policy-smoke applies an ISP table (kernel address labels through
# rtnetlink, precedences and labels in /etc/netns/NS/gai.conf), applies an updated one, then
# undoes; `ip addrlabel`, the file and getaddrinfo() ordering (`getent ahosts`) are checked.
# Then the daemon-wide owner: two connections merged into one table, and a SIGKILL whose
# leftovers (labels, gai.conf block) the next start undoes from its state file.
#
# Usage: test_policy_table.sh [PATH/TO/policy-smoke]   (root; default: $BUILD/src/hostcfg/...)
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SMOKE=${1:-$ROOT/${BUILD:-build}/src/hostcfg/policy-smoke}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x "$SMOKE" ] || { echo "SKIP: $SMOKE not built"; exit 77; }

NS=pol-$$
ETC=/etc/netns/$NS
GAI=$ETC/gai.conf
LOG=$(mktemp)
ORIG=$(mktemp)   # outside $ETC: ip netns exec bind-mounts every file there
STATE=$(mktemp -d)   # the owner's state directory (policy.state)
RC=0
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$ETC" "$STATE"
	rm -f "$LOG" "$ORIG"
}
trap cleanup EXIT INT TERM

CASE_OK=1
fail() { echo "  failed: $*"; CASE_OK=0; }
has() { grep -qF -- "$2" <<<"$1" || fail "missing '$2'"; }
hasnt() { ! grep -qF -- "$2" <<<"$1" || fail "unexpected '$2'"; }
verdict() {
	if [ $CASE_OK = 1 ]; then echo "PASS: $1"; else echo "FAIL: $1"; RC=1; fi
	CASE_OK=1
}
labels() { ip -n "$NS" addrlabel list | sed 's/ *$//' | sort; }
# The order getaddrinfo() gives the two addresses of "multi" (RFC 6724 §6 destination sort).
order() { ip netns exec "$NS" getent ahosts multi | awk '$2 == "STREAM" { print $1 }' | tr '\n' ' '; }

# Talks to policy-smoke: sends a line, waits for its answer line.
smoke_say() {
	echo "$1" >&"${SM[1]}"
	smoke_wait
}
smoke_wait() {
	local line
	while read -r -t 10 line <&"${SM[0]}"; do
		case "$line" in applied | undone) return 0 ;; *failed) return 1 ;; esac
	done
	return 1
}

ip netns add "$NS" || exit 1
mkdir -p "$ETC"
# Two sources, one per ISP prefix, and a name with one address in each.
printf '2001:db8:1::99 multi\n2001:db8:2::99 multi\n' >"$ETC/hosts"
ip -n "$NS" link add d0 type veth peer name d1 && ip -n "$NS" link set d1 up &&
	ip -n "$NS" link set d0 up &&
	ip -n "$NS" addr add 2001:db8:1::1/64 dev d0 nodad &&
	ip -n "$NS" addr add 2001:db8:2::1/64 dev d0 nodad &&
	ip -n "$NS" route add 2001:db8::/32 dev d0 || exit 1
# A label the administrator set before: the ISP's row modifies it, undo must bring it back.
ip -n "$NS" addrlabel add prefix 2001:db8:1::/48 label 99 || exit 1
BEFORE=$(labels)
ORDER0=$(order)
echo "kernel labels before:"; echo "$BEFORE" | sed 's/^/  /'
echo "getaddrinfo order before: $ORDER0"

# --- 1. apply: RFC 6724 defaults + the ISP's rows --------------------------------------------
coproc SM { ip netns exec "$NS" "$SMOKE" 2001:db8:1::/48,45,14 2001:db8:2::/48,60,20 2>>"$LOG"; }
sm_pid=$SM_PID # bash unsets SM_PID once it has reaped the coprocess (set -u)
smoke_wait || fail "policy-smoke apply"
L=$(labels)
echo "kernel labels applied:"; echo "$L" | sed 's/^/  /'
has "$L" "prefix 2001:db8:1::/48 label 14"   # existing pair modified
has "$L" "prefix 2001:db8:2::/48 label 20"   # missing pair added
has "$L" "prefix 2001::/32 label 5"          # RFC 6724 numbering (Linux: 6)
has "$L" "prefix fc00::/7 label 13"          # (Linux: 5)
has "$L" "prefix 2001:10::/28 label 7"       # none deleted
[ -f "$GAI" ] || fail "$GAI not written"
G=$(cat "$GAI" 2>/dev/null)
echo "$GAI:"; echo "$G" | sed 's/^/  /'
has "$G" "# BEGIN v6link (managed, do not edit)"
has "$G" "precedence ::/0 40"
has "$G" "precedence fc00::/7 3"
has "$G" "precedence 2001:db8:2::/48 60"
has "$G" "label 2001:db8:1::/48 14"
has "$G" "# END v6link"
verdict rfc7078_policy_apply_labels_and_gai_conf

# glibc reads the file (ip netns exec bind-mounts it): precedence 60 > 40 puts :2:: first.
ORDER1=$(order)
echo "getaddrinfo order applied: $ORDER1"
[ "$ORDER1" = "2001:db8:2::99 2001:db8:1::99 " ] || fail "glibc did not sort by our precedence"
verdict rfc6724_6_glibc_uses_gai_conf_block

# --- 2. update: a new ISP table replaces the old one -------------------------------------------
smoke_say "apply 2001:db8:3::/48,45,15" || fail "policy-smoke update"
L=$(labels)
G=$(cat "$GAI" 2>/dev/null)
has "$L" "prefix 2001:db8:1::/48 label 99"   # no longer wanted: restored
hasnt "$L" "prefix 2001:db8:2::/48"          # ours, no longer wanted: removed
has "$L" "prefix 2001:db8:3::/48 label 15"
hasnt "$G" "2001:db8:2::"
has "$G" "precedence 2001:db8:3::/48 45"
[ "$(grep -c 'BEGIN v6link' <<<"$G")" = 1 ] || fail "block duplicated"
verdict rfc7078_policy_update_replaces

# --- 3. undo: everything back ----------------------------------------------------------------
smoke_say "undo" || fail "policy-smoke undo"
wait "$sm_pid" 2>/dev/null
AFTER=$(labels)
if [ "$AFTER" != "$BEFORE" ]; then
	fail "kernel labels differ after undo"
	diff <(echo "$BEFORE") <(echo "$AFTER")
fi
[ ! -e "$GAI" ] || fail "$GAI left behind (v6link created it)"
ORDER2=$(order)
echo "getaddrinfo order after undo: $ORDER2"
[ "$ORDER2" = "$ORDER0" ] || fail "getaddrinfo order not restored"
verdict policy_undo_restores_everything

# --- 4. an administrator's gai.conf, and no ISP table: defaults, file restored byte for byte --
printf '# my gai.conf\nreload no\nscopev4 ::ffff:169.254.0.0/112 2\n' >"$GAI"
chmod 0640 "$GAI"
cp -p "$GAI" "$ORIG"
coproc SM { ip netns exec "$NS" "$SMOKE" 2>>"$LOG"; }
sm_pid=$SM_PID # bash unsets SM_PID once it has reaped the coprocess (set -u)
smoke_wait || fail "policy-smoke apply (no rows)"
L=$(labels)
G=$(cat "$GAI")
[ "$L" = "$BEFORE" ] || fail "kernel labels changed without an ISP table"
head -3 "$GAI" | cmp -s - "$ORIG" || fail "administrator's lines not kept first"
has "$G" "precedence ::ffff:0.0.0.0/96 35"
has "$G" "label 2002::/16 2"
[ "$(stat -c %a "$GAI")" = 640 ] || fail "mode not kept"
smoke_say "undo" || fail "policy-smoke undo"
wait "$sm_pid" 2>/dev/null
cmp -s "$GAI" "$ORIG" || fail "gai.conf not restored byte for byte"
[ "$(stat -c %a "$GAI")" = 640 ] || fail "mode not kept after undo"
verdict policy_defaults_keep_admin_gai_conf

# --- 5. two connections: one merged table; each one's rows leave with it -------------------
coproc SM { ip netns exec "$NS" "$SMOKE" -s "$STATE" 2001:db8:1::/48,45,14 2>>"$LOG"; }
sm_pid=$SM_PID # bash unsets SM_PID once it has reaped the coprocess (set -u)
smoke_wait || fail "policy-smoke apply (connection 1)"
smoke_say "set 2 2001:db8:1::/48,60,30 2001:db8:2::/48,50,21" || fail "policy-smoke set 2"
L=$(labels)
has "$L" "prefix 2001:db8:1::/48 label 14"   # the first connection wins a prefix both set
has "$L" "prefix 2001:db8:2::/48 label 21"
[ -f "$STATE/policy.state" ] || fail "no policy.state while applied"
smoke_say "clear 1" || fail "policy-smoke clear 1"
L=$(labels)
has "$L" "prefix 2001:db8:1::/48 label 30"   # now the second connection's
has "$L" "prefix 2001:db8:2::/48 label 21"
smoke_say "undo" || fail "policy-smoke undo"
wait "$sm_pid" 2>/dev/null
AFTER=$(labels)
if [ "$AFTER" != "$BEFORE" ]; then
	fail "kernel labels differ after undo"
	diff <(echo "$BEFORE") <(echo "$AFTER")
fi
cmp -s "$GAI" "$ORIG" || fail "gai.conf not restored byte for byte"
[ ! -e "$STATE/policy.state" ] || fail "policy.state left after undo"
verdict policy_owner_merges_connections

# --- 6. SIGKILL: the next start undoes what the state file records, once ---------------------
# exec: SM_PID is policy-smoke itself (ip netns exec execs it), so the SIGKILL reaches it.
coproc SM { exec ip netns exec "$NS" "$SMOKE" -s "$STATE" 2001:db8:1::/48,45,14 2001:db8:2::/48,60,20 2>>"$LOG"; }
smoke_wait || fail "policy-smoke apply"
PID=$SM_PID   # bash unsets SM_PID once the coprocess is gone
kill -KILL "$PID"
wait "$PID" 2>/dev/null
L=$(labels)
has "$L" "prefix 2001:db8:2::/48 label 20"   # left behind by the killed run
grep -qF "BEGIN v6link" "$GAI" || fail "no block left behind to recover"
[ -f "$STATE/policy.state" ] || fail "no policy.state after SIGKILL"
echo "policy.state after SIGKILL:"; sed 's/^/  /' "$STATE/policy.state"
ip netns exec "$NS" "$SMOKE" -s "$STATE" -R >>"$LOG" 2>&1 || fail "policy-smoke -R"
AFTER=$(labels)
if [ "$AFTER" != "$BEFORE" ]; then
	fail "kernel labels differ after recovery"
	diff <(echo "$BEFORE") <(echo "$AFTER")
fi
cmp -s "$GAI" "$ORIG" || fail "gai.conf not restored byte for byte after recovery"
[ ! -e "$STATE/policy.state" ] || fail "policy.state left after recovery"
# A label the administrator changes after the crash is theirs: recovery leaves it.
coproc SM { exec ip netns exec "$NS" "$SMOKE" -s "$STATE" 2001:db8:2::/48,60,20 2>>"$LOG"; }
smoke_wait || fail "policy-smoke apply"
PID=$SM_PID
kill -KILL "$PID"
wait "$PID" 2>/dev/null
ip -n "$NS" addrlabel del prefix 2001:db8:2::/48 label 20 &&
	ip -n "$NS" addrlabel add prefix 2001:db8:2::/48 label 77
ip netns exec "$NS" "$SMOKE" -s "$STATE" -R >>"$LOG" 2>&1 || fail "policy-smoke -R"
has "$(labels)" "prefix 2001:db8:2::/48 label 77"
ip -n "$NS" addrlabel del prefix 2001:db8:2::/48 label 77
[ "$(labels)" = "$BEFORE" ] || fail "kernel labels differ after recovery"
verdict policy_owner_recovers_after_sigkill

if [ $RC != 0 ]; then echo "policy-smoke log:"; sed 's/^/  /' "$LOG"; fi
exit $RC
