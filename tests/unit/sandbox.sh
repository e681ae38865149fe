#!/usr/bin/env bash
# meson test --wrapper: runs one unit test with a fresh, empty TMPDIR as the only writable place:
# in a private mount namespace (as root, or in an unprivileged user namespace) every mount but
# TMPDIR is remounted read-only, so a write to /tmp, /var/log, /dev/shm, /run ... fails with
# EROFS. A test also fails if it leaves files behind in TMPDIR.
# Where no mount namespace can be made, the test runs with the fresh TMPDIR only and says so;
# V6L_SANDBOX is then "none" (else "ro"). `sandbox.sh --self-test` proves the confinement.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --self-test ]; then
	# A "test" that writes outside TMPDIR must fail, one that writes into it must pass.
	# shellcheck disable=SC2016 # expanded by the inner shell
	probe='
		[ "$V6L_SANDBOX" = ro ] || { echo "self-test: no read-only sandbox here"; exit 1; }
		for p in /tmp/v6l-sandbox-probe.$$ /var/log/v6link/probe /dev/shm/v6l-sandbox-probe \
			/run/v6l-sandbox-probe "$HOME/v6l-sandbox-probe" "$PWD/v6l-sandbox-probe"; do
			if (mkdir -p "${p%/*}" && : >"$p") 2>/dev/null; then
				rm -f "$p"; echo "self-test: $p was writable"; exit 1
			fi
		done
		: >"$TMPDIR/ok" && rm "$TMPDIR/ok" || { echo "self-test: TMPDIR not writable"; exit 1; }
		echo "sandbox: only TMPDIR is writable"'
	exec bash "$here/sandbox.sh" sh -c "$probe"
fi
if [ "${1:-}" = --inside ]; then
	# In the new mount namespace: bind TMPDIR on itself (a mount of its own, left writable), then
	# remount read-only every other mount that is not already (mountinfo escapes: \040 a space).
	shift
	mount --bind "$TMPDIR" "$TMPDIR" || exit 125
	while IFS= read -r mp; do
		# (a mount gone since, e.g. a network namespace deleted meanwhile, is nothing to protect)
		mount -o remount,bind,ro "$mp" 2>/dev/null || ! mountpoint -q "$mp" ||
			{ echo "sandbox: cannot make $mp read-only" >&2; exit 125; }
	done < <(awk -v t="$TMPDIR" '{
		mp = $5; gsub(/\\040/, " ", mp); gsub(/\\011/, "\t", mp); gsub(/\\134/, "\\", mp)
		if (mp != t && ("," $6 ",") !~ /,ro,/) print mp }' /proc/self/mountinfo)
	V6L_SANDBOX=ro exec "$@"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/v6l-unit.XXXXXX") || exit 1
ns=(unshare --mount --propagation private)
[ "$(id -u)" = 0 ] || ns=(unshare --map-root-user --mount --propagation private)
if "${ns[@]}" true 2>/dev/null; then
	TMPDIR=$tmp "${ns[@]}" bash "$here/sandbox.sh" --inside "$@"
else
	echo "sandbox: no mount namespace here: only TMPDIR is fresh, / stays writable" >&2
	TMPDIR=$tmp V6L_SANDBOX=none "$@"
fi
rc=$?
left=$(find "$tmp" -mindepth 1 -maxdepth 1 | head -3)
rm -rf "$tmp"
if [ -n "$left" ]; then
	echo "sandbox: the test left in TMPDIR: $left" >&2
	[ "$rc" != 0 ] || rc=1
fi
exit "$rc"
