#!/bin/bash
# pppd stand-in that pppoe-server (-q) starts for each session inside the ISP's UML.
#
# pppoe-server 3.15 as packaged by Debian has no -k (kernel mode): it always runs
#   pppd pty "/usr/sbin/pppoe -n -I IF -e SESSION:MAC -S ''" file OPTS LOCAL:REMOTE nodetach ...
# i.e. PPP frames go through a pty and a user-space pppoe relay.  With KMODE=1 we replace the
# pty with pppd's rp-pppoe plugin attached to the session pppoe-server just negotiated
# (rp_pppoe_sess), so the session runs on the kernel's PPPoE socket.  With KMODE=0 the
# arguments pass through unchanged.  Either way the session is recorded for isp.sh
# (/run/v6l/sessions/PPPD_PID in the UML; pppd-start and pppd-exit lines in RUNDIR/events.log).
set -u
. /run/v6l/env
args=()
ifn='' sess=''
while (($#)); do
    case "$1" in
        pty)
            read -r -a w <<<"$2"
            for ((i = 0; i < ${#w[@]}; i++)); do
                case "${w[i]}" in
                    -I) ifn=${w[i + 1]} ;;
                    -e) sess=${w[i + 1]} ;;
                esac
            done
            if [ "${KMODE:-1}" = 1 ]; then
                args+=(plugin rp-pppoe.so "nic-$ifn" rp_pppoe_sess "$sess")
            else
                args+=(pty "$2")
            fi
            shift 2
            ;;
        sync | default-asyncmap)
            [ "${KMODE:-1}" = 1 ] || args+=("$1")
            shift
            ;;
        *)
            args+=("$1")
            shift
            ;;
    esac
done
# pppd runs as our child so that its end can be logged whatever killed it (SIGKILL runs no
# ip-down script); signals pppoe-server sends us are passed on.
/usr/sbin/pppd "${args[@]}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' TERM INT HUP
echo "pid=$pid if=$ifn session=$sess" >"/run/v6l/sessions/$pid"
echo "$(date +%s.%N) pppd-start pid=$pid if=$ifn session=$sess kmode=${KMODE:-1} args=${args[*]}" \
    >>"$RUNDIR/events.log"
while :; do
    wait "$pid"
    rc=$?
    kill -0 "$pid" 2>/dev/null || break   # wait was only interrupted by a trapped signal
done
rm -f "/run/v6l/sessions/$pid"
echo "$(date +%s.%N) pppd-exit pid=$pid if=$ifn session=$sess status=$rc" >>"$RUNDIR/events.log"
exit "$rc"
