#!/usr/bin/env bash
# Runs every test level and ends with the line "N passed, N failed".
#   TESTS=deps|unit|unit-asan|fuzz|interop|all (default all); FUZZ_SECONDS per fuzz target
#   (default 20).
# unit runs every unit test twice, in BUILD and in build-sanitize (clang, ASan+UBSan; unit-asan:
# only that one), each program in tests/unit/sandbox.sh: nothing writable but a fresh TMPDIR.
# deps (first in all): every command the test and bench scripts call comes from a package that
# `make deps` installs (tests/check_deps.sh), so a fresh machine runs them as this one does.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
TESTS=${TESTS:-all}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD=${BUILD:-build}
passed=0
failed=0
failures=()

record() { # name status
	if [ "$2" = 0 ]; then
		passed=$((passed + 1)); echo "PASS: $1"
	else
		failed=$((failed + 1)); failures+=("$1"); echo "FAIL: $1"
	fi
}

run_deps() {
	local log rc
	log=$(mktemp)
	bash tests/check_deps.sh >"$log" 2>&1
	rc=$?
	# passed: its summary lines; failed: the whole table too
	if [ $rc = 0 ]; then grep -E '^deps: ' "$log"; else cat "$log"; fi
	record "deps: every command the tests and benches call comes from make deps" $rc
	rm -f "$log"
}

run_unit() {
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" -Dwerror=true >/dev/null
	meson setup --reconfigure "$BUILD" >/dev/null || { record "unit: meson setup" 1; return; }
	ninja -C "$BUILD" >/dev/null || { ninja -C "$BUILD"; record "unit: build" 1; return; }
	unit_tests "$BUILD" unit
}

# unit_tests BUILDDIR LABEL [TIMEOUT_MULTIPLIER]: meson test in BUILDDIR with each program in
# tests/unit/sandbox.sh, one PASS/FAIL line per program.
unit_tests() {
	local log
	log=$(mktemp)
	meson test -C "$1" --no-rebuild --print-errorlogs --timeout-multiplier "${3:-1}" \
		--wrapper "$top/tests/unit/sandbox.sh" >"$log" 2>&1
	# One line per test program: " 3/12 pppoe_codec   OK   0.01s"
	while read -r name res; do
		record "$2: $name" "$([ "$res" = OK ] && echo 0 || echo 1)"
	done < <(sed -nE 's/^ *[0-9]+\/[0-9]+ +([^ ]+) +(OK|FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)\b.*/\1 \2/p' "$log")
	if grep -q ' FAIL\| TIMEOUT\| ERROR' "$log"; then
		cat "$log"
	elif ! grep -qE '^ *[0-9]+/[0-9]+ ' "$log"; then
		cat "$log"; record "$2: meson test ran no test" 1
	fi
	rm -f "$log"
}

# The same unit tests built by clang (BUILD: gcc, so a second compiler's warnings too) with
# ASan+UBSan: with -fno-sanitize-recover any undefined behaviour fails its test, and so does a
# leak (LeakSanitizer). Only the test programs are built, at -O0: the level stays short.
run_unit_asan() {
	local sb=build-sanitize t
	local opts=(-Dbuildtype=debug "-Db_sanitize=address,undefined" -Db_lundef=false
		-Dc_args=-fno-sanitize-recover=all -Dwerror=true)
	if [ ! -f "$sb/build.ninja" ]; then
		CC=clang meson setup "$sb" "${opts[@]}" >/dev/null || { record "unit-asan: setup" 1; return; }
	fi
	meson setup --reconfigure "$sb" "${opts[@]}" >/dev/null
	t=$(ninja -C "$sb" -t targets all | sed -nE 's/^(tests\/unit\/[a-z0-9_]+_test): .*/\1/p')
	# shellcheck disable=SC2086 # one word per target
	ninja -C "$sb" $t >/dev/null || { ninja -C "$sb" $t; record "unit-asan: build" 1; return; }
	local out
	out=$(bash tests/unit/sandbox.sh --self-test 2>&1)
	record "unit-asan: ${out##*$'\n'} (tests/unit/sandbox.sh --self-test)" $?
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		unit_tests "$sb" unit-asan 3
}

run_fuzz() {
	local fb=build-fuzz
	if [ ! -f "$fb/build.ninja" ]; then
		CC=clang meson setup "$fb" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
			-Dwerror=true >/dev/null || { record "fuzz: setup" 1; return; }
	fi
	meson setup --reconfigure "$fb" >/dev/null
	ninja -C "$fb" >/dev/null || { ninja -C "$fb"; record "fuzz: build" 1; return; }
	# FUZZ_JOBS targets at a time (default: one per CPU), each with its own corpus and log;
	# recorded in name order once all have run.
	local jobs=${FUZZ_JOBS:-$(nproc)} f name dir names=()
	dir=$(mktemp -d)
	for f in "$fb"/tests/fuzz/fuzz_*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		name=$(basename "$f")
		names+=("$name")
		mkdir "$dir/$name.corpus"
		[ -d "tests/fuzz/seeds/${name#fuzz_}" ] && cp tests/fuzz/seeds/"${name#fuzz_}"/* "$dir/$name.corpus"/ 2>/dev/null
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
		( UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			"$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -artifact_prefix="/tmp/$name-" \
			"$dir/$name.corpus" >"$dir/$name.log" 2>&1
		  echo $? >"$dir/$name.rc" ) &
	done
	wait
	for name in "${names[@]}"; do
		local rc
		rc=$(cat "$dir/$name.rc" 2>/dev/null || echo 1)
		[ "$rc" = 0 ] || tail -40 "$dir/$name.log"
		record "fuzz: $name ($(grep -o 'Done [0-9]* runs' "$dir/$name.log" | tail -1))" "$rc"
	done
	rm -rf "$dir"
}

# Interop scripts run INTEROP_JOBS at a time (default: one per CPU), each worker in namespaces
# of its own (NS_CLI=v6l-wNcli, ...; every script derives the rest from those; INTEROP_NS=v6l-x
# makes them v6l-xNcli..., so that a second run can go beside one). Most of a
# script's time is waiting on timers (echo intervals, RA intervals, redial back-off), so two at
# once on two cores take about half as long; results are recorded in name order afterwards.
# The longest scripts go first so that the workers end together.
INTEROP_FIRST="test_autoconf test_autoconf_pd test_package test_mtu1500 test_trace test_dhcp6_reconfigure
	test_two_conns test_nat46 test_fault_link test_dhcp6_duid test_crash test_ctl_clients
	test_redial test_fault_v6"

# interop_one SCRIPT SLOT: runs SCRIPT in slot SLOT's namespaces; its log and "rc seconds" go
# to $T_ROOT/interop-NAME.log and .rc, its files to $T_ROOT/v6l-NAME (lib.sh's T_RUN), so that
# two runs on one machine (or a script started by hand) never share a directory.
interop_one() {
	local t=$1 slot=$2 log t0
	log=$T_ROOT/interop-$(basename "$t" .sh).log
	t0=$SECONDS
	local ns=${INTEROP_NS:-v6l-w}$slot
	T_ROOT=$T_ROOT NS_CLI=${ns}cli NS_ISP=${ns}isp NS_FAR=${ns}far \
		V6L_TRACE_ROOT=$T_ROOT V6L_BIN="$top/$BUILD/v6link" timeout 900 bash "$t" >"$log" 2>&1
	echo "$? $((SECONDS - t0))" >"$log.rc"
}

# interop_worker SLOT QUEUEDIR SCRIPT...: takes the next script of the shared queue until none
# is left.
interop_worker() {
	local slot=$1 q=$2 i
	shift 2
	while :; do
		i=$(flock "$q/lock" bash -c 'n=$(cat "$1/next"); echo $((n + 1)) >"$1/next"; echo "$n"' _ "$q")
		[ "$i" -lt $# ] || return 0
		interop_one "${@:i+1:1}" "$slot"
	done
}

# interop_record SCRIPT: prints its time, records each of its PASS/FAIL lines, shows the tail of
# its log when something failed.
interop_record() {
	local t=$1 log rc=1 secs=? n=0 status name
	log=$T_ROOT/interop-$(basename "$t" .sh).log
	[ -f "$log.rc" ] && read -r rc secs <"$log.rc"
	echo "time: $(basename "$t") $secs s"
	while read -r status name; do
		n=$((n + 1))
		record "interop: $name" "$([ "$status" = PASS ] && echo 0 || echo 1)"
	done < <(sed -nE 's/^(PASS|FAIL): (.*)$/\1 \2/p' "$log" 2>/dev/null)
	if [ $n = 0 ] || { [ "$rc" != 0 ] && ! grep -q '^FAIL: ' "$log"; }; then
		record "interop: $(basename "$t") (exit $rc)" 1
	fi
	if grep -q '^FAIL: ' "$log" 2>/dev/null || [ "$rc" != 0 ]; then
		echo "---- $log (tail) ----"; tail -60 "$log"
	fi
	rm -f "$log.rc"
}

run_interop() {
	if [ "$(id -u)" != 0 ]; then
		record "interop: run as root (network namespaces, UML): not run" 1
		return
	fi
	T_ROOT=$(mktemp -d /tmp/v6l-run.XXXXXX)
	# 0755 as /tmp/v6l-NAME was: tests reach their files as other users (test_ctl_clients' non-root
	# client, test_privileges' daemon as uid 64999), which mktemp's 0700 would stop at this level.
	chmod 0755 "$T_ROOT"
	echo "interop: logs, traces and captures in $T_ROOT (removed when every check passed)"
	local jobs=${INTEROP_JOBS:-$(nproc)} q s t all=() queue=()
	for t in tests/interop/test_*.sh; do [ -f "$t" ] && all+=("$t"); done
	for s in $INTEROP_FIRST; do
		[ -f "tests/interop/$s.sh" ] && queue+=("tests/interop/$s.sh")
	done
	for t in "${all[@]}"; do
		[[ " $(echo $INTEROP_FIRST) " == *" $(basename "$t" .sh) "* ]] || queue+=("$t")
	done
	q=$(mktemp -d)
	echo 0 >"$q/next"
	for ((s = 1; s <= jobs; s++)); do
		interop_worker "$s" "$q" "${queue[@]}" &
	done
	wait
	rm -rf "$q"
	for t in "${all[@]}"; do interop_record "$t"; done
	# Every trace the tests wrote, decoded by tshark; no password in any trace or log.
	interop_one tests/interop/check_traces.sh 1
	interop_record tests/interop/check_traces.sh
	[ "$failed" != 0 ] || rm -rf "$T_ROOT"
}

timed() { # LEVEL FUNCTION: runs it and prints how long it took (CI has 30 minutes in all)
	local t0=$SECONDS
	"$2"
	echo "time: $1 $((SECONDS - t0)) s"
}

case "$TESTS" in
deps) run_deps ;;
unit) timed unit run_unit; timed unit-asan run_unit_asan ;;
unit-asan) timed unit-asan run_unit_asan ;;
fuzz) run_fuzz ;;
interop) run_interop ;;
all)
	run_deps; timed unit run_unit; timed unit-asan run_unit_asan; timed fuzz run_fuzz
	timed interop run_interop ;;
*) echo "TESTS=$TESTS: expected deps, unit, unit-asan, fuzz, interop or all"; exit 2 ;;
esac

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
