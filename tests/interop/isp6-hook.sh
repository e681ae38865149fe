#!/bin/bash
# isp6-hook.sh - the test ISP's built-in IPv6 services for each PPP session (runs inside the
# ISP's UML only; never on the host).  /etc/ppp/ipv6-up and ipv6-down (written by uml-init.sh)
# call it before RUNDIR/ipv6-*.d/*.sh; isp.sh ra-renumber / dhcp6-renumber call it through
# `isp.sh exec`.  Settings come from RUNDIR/uml.env (isp.sh up options RA=, DHCP6=, ...).
#
#   isp6-hook.sh up   IFNAME TTY SPEED LOCAL-LL REMOTE-LL IPPARAM   (pppd's ipv6-up arguments)
#   isp6-hook.sh down IFNAME ...                                    (pppd's ipv6-down)
#   isp6-hook.sh ra-renumber NEWPREFIX/64 [IFNAME]   radvd of IFNAME (default: the newest
#                                                    session) now advertises NEWPREFIX
#   isp6-hook.sh dhcp6-renumber                      next DHCPv6 generation: new pools
#   isp6-hook.sh show                                state of the IPv6 services
#
# Per session (radvd, RA != none): prefix 2001:db8:100:<X>::/64, X = the last two bytes of the
# client's MAC (RA_PREFIX_MODE=mac: the same after every redial), the PPPoE session id in hex
# (=session: pppoe-server counts ids up, so a new /64 per session) or a counter 1, 2, 3 ...
# (=counter); the UML takes <prefix>::1 on the ppp interface (route to the prefix).  DHCPv6 (DHCP6 != none): IA_NA from 2001:db8:200::/64, IA_PD
# from 2001:db8:8000::/40; the newest session's ppp interface gets those routes.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /run/v6l/env
. "$RUNDIR/uml.env"
: "${RA:=none}" "${RA_VALID:=86400}" "${RA_PREF:=14400}" "${RA_PREFIX_MODE:=mac}"
: "${RA_MIN_INT:=3}" "${RA_MAX_INT:=4}" "${RA_LIFETIME:=1800}" "${RA_MTU:=1492}"
: "${RA_DNS_LIFETIME:=30}" "${RA_RENUMBER_OLD:=zero}"
: "${DHCP6:=none}" "${PD_LEN:=56}" "${DHCP6_T1:=1000}" "${DHCP6_T2:=1600}"
: "${DHCP6_PREF:=2000}" "${DHCP6_VALID:=4000}" "${DHCP6_RAPID:=0}" "${DHCP6_DUID:=}"
: "${DHCP6_RKEY:=}" "${DHCP6_RKEY_REPLAY:=1}"
DNS6=2001:db8:f::53 DOMAIN=isp.example
NA_NET=2001:db8:200::/64 PD_NET=2001:db8:8000::/40
ST=/run/v6l/isp6
mkdir -p "$ST"
log() { echo "$(date +%s.%N) isp6: $*" >>"$RUNDIR/isp6.log"; }

gone() { [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || echo Z)" = Z ]; } # zombies count
ifname_newest() { cat "$ST/newest" 2>/dev/null; }
# pppd runs these hooks through its ipv6-up/-down scripts and, when the session ends first
# (pppoe-server SIGTERMs pppd on a PADT), SIGTERMs only that wrapper: a hook may then still be
# running, or never have run, after its session is gone and IFNAME belongs to the next one.
# So: one hook at a time per interface, and nothing is done for a session that is over.
# (fd 9 holds the lock: the daemons started here close it, or they would hold it for good)
session_lock() { exec 9>"$ST/lock-$1" && flock 9; } # IF
session_alive() { [ -z "${PPPD_PID:-}" ] || kill -0 "$PPPD_PID" 2>/dev/null; }

# --- radvd: one instance per ppp interface; config/pid in $ST, log in RUNDIR
radvd_conf() { # IF PREFIX [OLD-PREFIX]
    local ifn=$1 pfx=$2 old=${3:-} m=off o=off a=on
    case "$RA" in
        slaac) ;;
        slaac+o) o=on ;;
        m) m=on o=on a=off ;;
    esac
    cat <<EOF
interface $ifn {
    AdvSendAdvert on;
    MinRtrAdvInterval $RA_MIN_INT;
    MaxRtrAdvInterval $RA_MAX_INT;
    AdvDefaultLifetime $RA_LIFETIME;
    AdvManagedFlag $m;
    AdvOtherConfigFlag $o;
    AdvLinkMTU $RA_MTU;
    prefix $pfx {
        AdvOnLink on;
        AdvAutonomous $a;
        AdvValidLifetime $RA_VALID;
        AdvPreferredLifetime $RA_PREF;
    };
EOF
    if [ -n "$old" ] && [ "$RA_RENUMBER_OLD" = zero ]; then
        cat <<EOF
    prefix $old {
        AdvOnLink on;
        AdvAutonomous $a;
        AdvValidLifetime 0;
        AdvPreferredLifetime 0;
    };
EOF
    fi
    cat <<EOF
    RDNSS $DNS6 { AdvRDNSSLifetime $RA_DNS_LIFETIME; };
    DNSSL $DOMAIN { AdvDNSSLLifetime $RA_DNS_LIFETIME; };
};
EOF
}

radvd_start() { # IF PREFIX [OLD]
    local ifn=$1 pid
    radvd_conf "$@" >"$ST/radvd-$ifn.conf"
    radvd_stop "$ifn"
    radvd -C "$ST/radvd-$ifn.conf" -p "$ST/radvd-$ifn.pid" -n -m logfile \
        -l "$RUNDIR/radvd-$ifn.log" -d 1 </dev/null >/dev/null 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$ST/radvd-$ifn.pid.own"
    log "radvd on $ifn pid $pid prefix $2${3:+ (old $3 announced with lifetime 0)} RA=$RA"
    # radvd dies with its session even when `down` never runs (see session_lock): one left
    # behind would answer the next session's RS on the same interface name before that
    # session's `up` has set the ISP side up, and withdraw router and DNS server (final RA)
    # when that `up` stops it. KILL: no final RA onto an interface that may be the next one's.
    local owner
    owner=$(cat "$ST/pppd-$ifn" 2>/dev/null)
    [ -n "$owner" ] && (
        while kill -0 "$owner" 2>/dev/null; do sleep 0.2; done
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = radvd ] && kill -KILL "$pid"
    ) </dev/null >/dev/null 2>&1 9>&- &
    return 0
}

radvd_stop() { # IF   (SIGTERM: radvd sends a final RA with router lifetime 0)
    local ifn=$1 pid i
    pid=$(cat "$ST/radvd-$ifn.pid.own" 2>/dev/null) || return 0
    rm -f "$ST/radvd-$ifn.pid.own"
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = radvd ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 40; i++)); do gone "$pid" && break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
    return 0
}

ra_prefix_for() { # IF -> prefix/64 for this session
    local ifn=$1 sid x n
    if [ "$RA_PREFIX_MODE" = mac ]; then
        x=$(sed -n 's/.*session=[0-9]*:\(..\):\(..\):\(..\):\(..\):\(..\):\(..\).*/\5\6/p' \
            "/run/v6l/sessions/${PPPD_PID:-none}" 2>/dev/null)
        [ -n "$x" ] || x=ffff
        x=$(printf %x "0x$x")
    elif [ "$RA_PREFIX_MODE" = counter ]; then
        n=$(($(cat "$ST/ra-counter" 2>/dev/null || echo 0) + 1))
        echo "$n" >"$ST/ra-counter"
        x=$(printf %x "$n")
    else
        sid=$(sed -n 's/.*session=\([0-9]*\):.*/\1/p' "/run/v6l/sessions/${PPPD_PID:-none}" 2>/dev/null)
        [ -n "$sid" ] || sid=$((${ifn#ppp} + 1))
        x=$(printf %x "$sid")
    fi
    echo "2001:db8:100:$x::/64"
}

ra_set_prefix() { # IF NEWPREFIX [OLD]   addresses/routes in the UML, then radvd
    local ifn=$1 pfx=$2 old=${3:-}
    if [ -n "$old" ]; then
        ip -6 addr del "${old%::/64}::1/64" dev "$ifn" 2>/dev/null
        ip -6 route del "$old" dev "$ifn" 2>/dev/null
    fi
    ip -6 addr replace "${pfx%::/64}::1/64" dev "$ifn" nodad
    echo "$pfx" >"$ST/ra-prefix-$ifn"
    radvd_start "$ifn" "$pfx" "$old"
}

# --- DHCPv6 (one server for the newest session's interface)
dhcp6_gen() { cat "$ST/dhcp6-gen" 2>/dev/null || echo 0; }

dhcp6_pools() { # sets NA_LO NA_HI PD_POOL PD_POOL_LEN for generation $1
    local g=$1
    NA_LO=2001:db8:200::$((g + 1))000 NA_HI=2001:db8:200::$((g + 1))fff
    if ((PD_LEN >= 44)); then
        PD_POOL=2001:db8:80$(printf %x "$g")0:: PD_POOL_LEN=44
    else
        PD_POOL=2001:db8:8000:: PD_POOL_LEN=40
    fi
}

kea_conf() { # IF
    local ifn=$1 g rc=false rkey=
    g=$(dhcp6_gen)
    dhcp6_pools "$g"
    [ "$DHCP6_RAPID" = 1 ] && rc=true
    # RFC 8415 §21.11 Authentication, RKAP (§20.4): protocol 3, algorithm 1 (HMAC-MD5), RDM 0,
    # replay detection, type 1 (Reconfigure Key), the key; Kea 2.2 knows option 11 as binary.
    [ -n "$DHCP6_RKEY" ] && rkey=", { \"code\": 11, \"space\": \"dhcp6\", \"csv-format\": false,
                   \"always-send\": true,
                   \"data\": \"030100$(printf %016x "0x$DHCP6_RKEY_REPLAY")01$DHCP6_RKEY\" }"
    cat <<EOF
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ "$ifn" ], "re-detect": true },
  "lease-database": { "type": "memfile", "persist": true, "name": "$RUNDIR/kea-leases6.csv",
                      "lfc-interval": 0 },
  "server-id": { "type": "LL", "htype": 1, "identifier": "027636000101", "persist": false },
  "data-directory": "$ST/kea",
  "renew-timer": $DHCP6_T1, "rebind-timer": $DHCP6_T2,
  "preferred-lifetime": $DHCP6_PREF, "valid-lifetime": $DHCP6_VALID,
  "option-data": [ { "name": "dns-servers", "data": "$DNS6" },
                   { "name": "domain-search", "data": "$DOMAIN" },
                   { "name": "sntp-servers", "data": "2001:db8:f::123" }$rkey ],
  "subnet6": [ {
      "id": $((g + 1)), "subnet": "$NA_NET", "interface": "$ifn", "rapid-commit": $rc,
      "pools": [ { "pool": "$NA_LO-$NA_HI" } ],
      "pd-pools": [ { "prefix": "$PD_POOL", "prefix-len": $PD_POOL_LEN, "delegated-len": $PD_LEN } ]
  } ],
  "loggers": [ { "name": "kea-dhcp6", "severity": "DEBUG", "debuglevel": 40,
                 "output_options": [ { "output": "$RUNDIR/kea-dhcp6.log" } ] } ]
} }
EOF
}

# The n-th (0-based) PD_LEN prefix of the PD pool (for wide's static host entries).
pd_nth() { # N
    python3 -c '
import ipaddress, sys
pool = ipaddress.IPv6Network(sys.argv[1] + "/" + sys.argv[2])
n, plen = int(sys.argv[3]), int(sys.argv[4])
print(ipaddress.IPv6Network((int(pool.network_address) + (n << (128 - plen)), plen)))
' "$PD_POOL" "$PD_POOL_LEN" "$1" "$PD_LEN"
}

dhcp6_stop() {
    local pid i
    pid=$(cat "$ST/dhcp6.pid.own" 2>/dev/null) || return 0
    rm -f "$ST/dhcp6.pid.own"
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in kea-dhcp6 | dhcp6s) ;; *) return 0 ;; esac
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 60; i++)); do gone "$pid" && break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
    return 0
}

dhcp6_start() { # IF
    local ifn=$1 pid
    ip -6 route replace "$NA_NET" dev "$ifn"
    ip -6 route replace "$PD_NET" dev "$ifn"
    case "$DHCP6" in
        kea)
            mkdir -p "$ST/kea"
            kea_conf "$ifn" >"$ST/kea-dhcp6.conf"
            pid=$(cat "$ST/dhcp6.pid.own" 2>/dev/null)
            if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = kea-dhcp6 ]; then
                kill -HUP "$pid"
                log "kea-dhcp6 pid $pid reloaded for $ifn (generation $(dhcp6_gen))"
            else
                KEA_PIDFILE_DIR=$ST/kea KEA_LOCKFILE_DIR=$ST/kea KEA_LOGGER_DESTINATION=$RUNDIR/kea-dhcp6.log \
                    kea-dhcp6 -c "$ST/kea-dhcp6.conf" </dev/null >>"$RUNDIR/kea-dhcp6.out" 2>&1 9>&- &
                echo $! >"$ST/dhcp6.pid.own"
                log "kea-dhcp6 pid $! on $ifn (generation $(dhcp6_gen))"
            fi
            ;;
        wide)
            dhcp6_pools "$(dhcp6_gen)"
            {
                echo "option domain-name-servers $DNS6;"
                echo "option domain-name \"$DOMAIN\";"
                echo "interface $ifn {"
                echo "    address-pool na $DHCP6_PREF $DHCP6_VALID;"
                echo "    preference 255;"
                [ "$DHCP6_RAPID" = 1 ] && echo "    allow rapid-commit;"
                echo "};"
                echo "pool na { range $NA_LO to $NA_HI; };"
                local i=0 d
                for d in $DHCP6_DUID; do
                    # a host entry replaces the pool for that client: give it an address too
                    echo "host client$i { duid $d; prefix $(pd_nth "$i") $DHCP6_PREF $DHCP6_VALID;"
                    echo "    address ${NA_LO%000}$(printf %03x $((0xfff - i))) $DHCP6_PREF $DHCP6_VALID; };"
                    i=$((i + 1))
                done
            } >"$ST/dhcp6s.conf"
            dhcp6_stop
            dhcp6s -c "$ST/dhcp6s.conf" -P "$ST/dhcp6s.pid" -d -D -f "$ifn" </dev/null \
                >>"$RUNDIR/dhcp6s.log" 2>&1 9>&- &
            echo $! >"$ST/dhcp6.pid.own"
            log "dhcp6s pid $! on $ifn (generation $(dhcp6_gen), $(echo $DHCP6_DUID | wc -w) PD host(s))"
            ;;
    esac
    echo "$ifn" >"$ST/dhcp6-if"
}

cmd=${1:-}
shift
case "$cmd" in
    up)
        IFN=$1 LL_LOCAL=${4%%/*} LL_REMOTE=${5%%/*}
        session_lock "$IFN"
        session_alive || { log "up $IFN: the session of pppd $PPPD_PID is over: nothing to do"; exit 0; }
        echo "${PPPD_PID:-}" >"$ST/pppd-$IFN"
        echo "$IFN" >"$ST/newest"
        if [ "$DHCP6" = kea ]; then
            # Kea 2.2 binds to the link-local address getifaddrs() reports; on a ppp link with
            # "fe80::1 peer fe80::X" that is the peer's: give the link a plain fe80::1/64
            # (before radvd starts: radvd loses the link when its address is replaced).
            ip -6 addr del "$LL_LOCAL" peer "$LL_REMOTE" dev "$IFN" 2>/dev/null &&
                ip -6 addr add "$LL_LOCAL/64" dev "$IFN" nodad
        fi
        if [ "$RA" != none ]; then ra_set_prefix "$IFN" "$(ra_prefix_for "$IFN")"; fi
        if [ "$DHCP6" != none ]; then dhcp6_start "$IFN"; fi
        ;;
    down)
        IFN=$1
        session_lock "$IFN"
        # (from pppd, late: IFNAME may belong to a newer session already, whose radvd stays)
        [ -z "${PPPD_PID:-}" ] || [ "$(cat "$ST/pppd-$IFN" 2>/dev/null)" = "$PPPD_PID" ] || exit 0
        [ "$RA" != none ] && radvd_stop "$IFN"
        rm -f "$ST/ra-prefix-$IFN"
        ;;
    ra-renumber)
        NEW=$1 IFN=${2:-$(ifname_newest)}
        [ -n "$IFN" ] && [ -e "$ST/ra-prefix-$IFN" ] || { echo "no radvd session${IFN:+ on $IFN}" >&2; exit 1; }
        [[ "$NEW" == *::/64 ]] || { echo "NEWPREFIX must look like 2001:db8:100:77::/64" >&2; exit 1; }
        ra_set_prefix "$IFN" "$NEW" "$(cat "$ST/ra-prefix-$IFN")"
        echo "$IFN $NEW"
        ;;
    dhcp6-renumber)
        g=$(($(dhcp6_gen) + 1))
        ((g <= 15)) || { echo "at most 15 renumberings" >&2; exit 1; }
        echo "$g" >"$ST/dhcp6-gen"
        IFN=$(cat "$ST/dhcp6-if" 2>/dev/null)
        dhcp6_pools "$g"
        echo "generation $g: IA_NA $NA_LO-$NA_HI, PD pool $PD_POOL/$PD_POOL_LEN len $PD_LEN"
        if [ -n "$IFN" ] && [ -e "/sys/class/net/$IFN" ]; then
            LL_LOCAL=fe80::1 LL_REMOTE=none
            dhcp6_start "$IFN"
        fi
        ;;
    show)
        for f in "$ST"/ra-prefix-*; do [ -e "$f" ] && echo "radvd ${f##*ra-prefix-} $(cat "$f")"; done
        [ -e "$ST/dhcp6-if" ] && echo "dhcp6 $DHCP6 on $(cat "$ST/dhcp6-if") generation $(dhcp6_gen) pid $(cat "$ST/dhcp6.pid.own" 2>/dev/null)"
        true
        ;;
    *)
        echo "isp6-hook.sh: unknown command '$cmd'" >&2
        exit 2
        ;;
esac
