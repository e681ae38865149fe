#!/usr/bin/env bash
# fuzz_long.sh - runs every libFuzzer target (tests/fuzz/fuzz_*.c, under ASan+UBSan) for N
# minutes, seeded from tests/fuzz/seeds/, and prints one table row per target: executions,
# executions per second, coverage when the seeds were loaded and at the end (libFuzzer's cov:
# edges and ft: features), corpus size, peak RSS and the result. Not run in CI (tests/run_all.sh
# runs each target FUZZ_SECONDS instead).
#
#   bash bench/fuzz_long.sh [MINUTES]          (default $FUZZ_MINUTES, else 10)
#   bash bench/fuzz_long.sh --report OUT       (the table again from a run's logs in OUT)
#
# Environment: FUZZ_JOBS targets at a time (default: one per CPU), FUZZ_BUILD the clang build
# directory (default build-fuzz-long; set up with -Dfuzz=true if missing), FUZZ_TARGETS names to
# run (default all, e.g. "fuzz_nd fuzz_dns"), OUT where logs, corpora and crash artifacts stay
# (default a new directory under /tmp, printed). Exits 1 if any target crashed, leaked, ran out
# of memory or time (its artifact is in OUT and its row says so), else 0.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# libFuzzer's status lines: "#123 INITED cov: 45 ft: 67 corp: 8/1Kb ..." (seeds loaded), then
# "#N pulse|NEW|REDUCE ... cov: C ft: F corp: K/..." and "#N DONE ..." at the end.
field() { # LOG KIND WORD: the value after WORD on the last status line of KIND
	grep -E "^#[0-9]+[[:space:]]+$2[[:space:]]" "$1" | tail -1 |
		sed -nE "s/.*[[:space:]]$3:? ([0-9]+).*/\\1/p"
}
report() { # OUT NAME...: one row per target from OUT/NAME.log and OUT/NAME.rc; 1 if any failed
	local out=$1 name log rc runs eps rss last cov ft corp result bad=0
	shift
	printf '\n| target | runs | exec/s | cov: seeds -> end | ft: seeds -> end | corpus | peak RSS (MB) | result |\n'
	printf '|---|---:|---:|---:|---:|---:|---:|---|\n'
	for name in "$@"; do
		log=$out/$name.log rc=$(cat "$out/$name.rc" 2>/dev/null || echo 1)
		runs=$(sed -nE 's/^stat::number_of_executed_units:[[:space:]]+([0-9]+)/\1/p' "$log" | tail -1)
		eps=$(sed -nE 's/^stat::average_exec_per_sec:[[:space:]]+([0-9]+)/\1/p' "$log" | tail -1)
		rss=$(sed -nE 's/^stat::peak_rss_mb:[[:space:]]+([0-9]+)/\1/p' "$log" | tail -1)
		last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)[[:space:]]' "$log" | tail -1)
		cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
		ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
		corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
		if [ "$rc" = 0 ]; then
			result=clean
		else
			bad=1
			result="FAILED (exit $rc): $(grep -m1 -oE 'ERROR: [A-Za-z]+: [^ ]+( [^ ]+)?|deadly signal|out-of-memory|timeout' "$log" || echo see log); artifact: $(ls "$out/$name-"* 2>/dev/null | head -1)"
		fi
		printf '| %s | %s | %s | %s -> %s | %s -> %s | %s | %s | %s |\n' "$name" "${runs:-?}" \
			"${eps:-?}" "$(field "$log" INITED cov)" "${cov:-?}" "$(field "$log" INITED ft)" \
			"${ft:-?}" "${corp:-?}" "${rss:-?}" "$result"
	done
	return "$bad"
}

if [ "${1:-}" = --report ]; then
	[ -d "${2:-}" ] || { echo "usage: $0 --report OUT" >&2; exit 2; }
	names=()
	for l in "$2"/fuzz_*.log; do [ -f "$l" ] && names+=("$(basename "$l" .log)"); done
	report "$2" "${names[@]}"
	exit
fi
minutes=${1:-${FUZZ_MINUTES:-10}}
case "$minutes" in '' | *[!0-9]* | 0) echo "usage: $0 [MINUTES] (a whole number, 1 or more)" >&2; exit 2 ;; esac
jobs=${FUZZ_JOBS:-$(nproc)}
fb=${FUZZ_BUILD:-build-fuzz-long}
out=${OUT:-$(mktemp -d /tmp/v6l-fuzz-long.XXXXXX)}
mkdir -p "$out"

if [ ! -f "$fb/build.ninja" ]; then
	CC=clang meson setup "$fb" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dwerror=true >/dev/null || { echo "fuzz_long: meson setup $fb failed" >&2; exit 1; }
fi
meson setup --reconfigure "$fb" >/dev/null
ninja -C "$fb" >/dev/null || { ninja -C "$fb"; exit 1; }

names=()
for f in "$fb"/tests/fuzz/fuzz_*; do
	[ -f "$f" ] && [ -x "$f" ] || continue
	name=$(basename "$f")
	if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then
		continue
	fi
	names+=("$name")
done
[ ${#names[@]} -gt 0 ] || { echo "fuzz_long: no target in $fb/tests/fuzz" >&2; exit 1; }

start=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "fuzz_long: ${#names[@]} targets, $minutes min each, $jobs at a time, $(nproc) CPUs," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg); logs and corpora in $out"
t0=$SECONDS
for name in "${names[@]}"; do
	mkdir -p "$out/$name.corpus"
	[ -d "tests/fuzz/seeds/${name#fuzz_}" ] && cp tests/fuzz/seeds/"${name#fuzz_}"/* "$out/$name.corpus"/ 2>/dev/null
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	( UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$fb/tests/fuzz/$name" -max_total_time=$((minutes * 60)) -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" "$out/$name.corpus" \
		>"$out/$name.log" 2>&1
	  echo $? >"$out/$name.rc" ) &
done
wait

report "$out" "${names[@]}"
bad=$?
echo
echo "fuzz_long: started $start, $minutes min per target, took $((SECONDS - t0)) s"
exit "$bad"
