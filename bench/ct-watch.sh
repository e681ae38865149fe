#!/bin/bash
# ct-watch.sh - the stopwatch of bench/connect_time.sh, run where the client under test lives (in
# the client namespace for v6link, inside the client UML for pppd + dhcpcd), so that both stacks
# are timed by the same kind of observer on the clock of their own environment.
#
#   ct-watch.sh OUT RESOLV NA_RE PD_RE [MAXSEC]
#
# Appends to OUT, each line starting with $EPOCHREALTIME:
#   ready PID MONPID           once `ip monitor` runs (start the client after this line)
#   addr LINE                  every kernel address event (`ip -o monitor address`; removals
#                              start with "Deleted")
#   dns6 SERVER...             every change of the IPv6 nameservers in RESOLV (polled every 20 ms)
#   done                       once the host has an address matching NA_RE, one matching PD_RE
#                              (neither tentative) and an IPv6 nameserver
# and keeps logging until OUT.stop exists or MAXSEC (default 120) have passed.  No external
# command runs in the loop (no fork: inside UML a fork costs milliseconds).
set -u
out=$1 resolv=$2 na_re=$3 pd_re=$4 max=${5:-120}
exec 3< <(exec ip -o monitor address)
mon=$!
trap 'kill "$mon" 2>/dev/null' EXIT
trap 'exit 0' TERM INT
end=$((${EPOCHREALTIME%.*} + max))
has_na=0 has_pd=0 dns6='' is_done=0
echo "$EPOCHREALTIME ready $$ $mon" >>"$out"
while ((${EPOCHREALTIME%.*} < end)) && [ ! -e "$out.stop" ]; do
	# up to 20 ms for the first byte of the next event (stamped then: bash reads a pipe a byte
	# per read(2), slow in UML), then the rest of its line; drain everything that is there
	while :; do
		read -r -t 0.02 -n 1 -u 3 c
		rc=$?
		((rc > 128)) && break
		t=$EPOCHREALTIME
		rest=''
		if ((rc != 0)) || { [ -n "$c" ] && ! read -r -u 3 rest; }; then
			echo "$t error ip monitor ended" >>"$out"
			exit 1
		fi
		[ -n "$c" ] || continue # an empty line
		line=$c$rest
		echo "$t addr $line" >>"$out"
		[[ "$line" == Deleted* || "$line" == *tentative* || "$line" == *dadfailed* ]] && continue
		[[ "$line" =~ $na_re ]] && has_na=1
		[[ "$line" =~ $pd_re ]] && has_pd=1
	done
	now6=''
	if [ -r "$resolv" ]; then
		while read -r k v _; do
			[[ "$k" == nameserver && "$v" == *:* ]] && now6+=" $v"
		done <"$resolv"
	fi
	if [ "$now6" != "$dns6" ]; then
		dns6=$now6
		echo "$EPOCHREALTIME dns6$dns6" >>"$out"
	fi
	if ((!is_done && has_na && has_pd)) && [ -n "$dns6" ]; then
		is_done=1
		echo "$EPOCHREALTIME done" >>"$out"
	fi
done
exit 0
