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
#   isp6-hook.sh v6ready-start                       (V6READY=1, from uml-init.sh at boot)
#                                                    Kea, the agent and radvd, before any session
#
# Per session (radvd, RA != none): prefix 2001:db8:100:<X>::/64, X = the last two bytes of the
# client's MAC (RA_PREFIX_MODE=mac: the same after every redial), the PPPoE session id in hex
# (=session: pppoe-server counts ids up, so a new /64 per session) or a counter 1, 2, 3 ...
# (=counter); the UML takes <prefix>::1 on the ppp interface (route to the prefix).  DHCPv6 (DHCP6 != none): IA_NA from 2001:db8:200::/64, IA_PD
# from 2001:db8:8000::/40; the newest session's ppp interface gets those routes.
#
# V6READY=1 (isp.sh up ... V6READY=1): the services run from boot like a BNG's, and nothing is
# started per session.  Kea listens on the dummy interface bng0 (fe80::547) with the same pools;
# a resident agent (python3, below) relays every ppp session's DHCPv6 to it and, when pppd gives
# a ppp interface its link-local address (IPv6CP up), writes that session's block (prefix as
# above) into the one radvd's configuration and SIGHUPs it, so the first RA goes out at once.
# The ipv6-up hook then only adds the UML's <prefix>::1 and the routes, off the critical path.
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
: "${V6READY:=0}" "${DHCP6_LOG:=debug}"
# V6READY: Kea's interface and address, the relay's own address and the link-address it puts
# into Relay-forw (in NA_NET, outside the pool: Kea picks the subnet by it)
BNG_IF=bng0 KEA_LL=fe80::547 RELAY_ADDR=2001:db8:ff::2 LINK_ADDR=2001:db8:200::1
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
    if [ "$V6READY" = 1 ]; then
        if [ -n "$old" ]; then echo "$old" >"$ST/ra-old-$ifn"; else rm -f "$ST/ra-old-$ifn"; fi
        agent_reload
    else
        radvd_start "$ifn" "$pfx" "$old"
    fi
}

# --- V6READY: Kea on bng0, the agent and one radvd, all started at boot (v6ready-start)
agent_reload() { # the agent rewrites radvd's configuration from the ra-* files and SIGHUPs it
    local pid g i
    pid=$(cat "$ST/agent.pid" 2>/dev/null)
    g=$(cat "$ST/v6ready.gen" 2>/dev/null)
    if [ -z "$pid" ] || ! kill -USR1 "$pid" 2>/dev/null; then
        echo "V6READY agent not running" >&2
        return 1
    fi
    for ((i = 0; i < 100; i++)); do
        [ "$(cat "$ST/v6ready.gen" 2>/dev/null)" != "$g" ] && return 0
        sleep 0.05
    done
    echo "V6READY agent did not reload radvd" >&2
    return 1
}

udp547_listening() { grep -q '^ *[0-9]*: [0-9A-F]*:0223 ' /proc/net/udp6; }

v6ready_start() {
    local i
    log "V6READY: starting IPv6 services before any session (RA=$RA DHCP6=$DHCP6)"
    if [ "$DHCP6" = kea ]; then
        ip link add "$BNG_IF" type dummy || return 1
        ip link set "$BNG_IF" addrgenmode none
        ip link set "$BNG_IF" multicast on up || return 1
        ip -6 addr add "$KEA_LL/64" dev "$BNG_IF" nodad || return 1
        ip -6 addr add "$RELAY_ADDR/128" dev "$BNG_IF" nodad || return 1
        mkdir -p "$ST/kea"
        kea_conf "$BNG_IF" >"$ST/kea-dhcp6.conf"
        KEA_PIDFILE_DIR=$ST/kea KEA_LOCKFILE_DIR=$ST/kea KEA_LOGGER_DESTINATION=$RUNDIR/kea-dhcp6.log \
            kea-dhcp6 -c "$ST/kea-dhcp6.conf" </dev/null >>"$RUNDIR/kea-dhcp6.out" 2>&1 9>&- &
        echo $! >"$ST/dhcp6.pid.own"
        for ((i = 0; i < 400; i++)); do
            udp547_listening && break
            kill -0 "$(cat "$ST/dhcp6.pid.own")" 2>/dev/null || { log "V6READY: kea-dhcp6 exited"; return 1; }
            sleep 0.05
        done
        udp547_listening || { log "V6READY: kea-dhcp6 not listening after 20 s"; return 1; }
        log "kea-dhcp6 pid $(cat "$ST/dhcp6.pid.own") on $BNG_IF ($KEA_LL) since boot (generation $(dhcp6_gen))"
    fi
    # the agent (python3: one process, no fork or exec per session)
    (
        export RUNDIR ST RA DHCP6 RA_PREFIX_MODE RA_MIN_INT RA_MAX_INT RA_LIFETIME RA_MTU RA_VALID \
            RA_PREF RA_DNS_LIFETIME RA_RENUMBER_OLD DNS6 DOMAIN BNG_IF KEA_LL RELAY_ADDR LINK_ADDR
        exec python3 -c "$(v6ready_agent_py)"
    ) </dev/null >>"$RUNDIR/v6ready-agent.log" 2>&1 9>&- &
    for ((i = 0; i < 400; i++)); do
        [ -e "$ST/agent.pid" ] && break
        kill -0 $! 2>/dev/null || { log "V6READY: the agent exited (see v6ready-agent.log)"; return 1; }
        sleep 0.05
    done
    [ -e "$ST/agent.pid" ] || { log "V6READY: the agent did not start in 20 s"; return 1; }
    if [ "$RA" != none ]; then
        radvd -C "$ST/radvd-v6ready.conf" -p "$ST/radvd.pid" -n -m logfile \
            -l "$RUNDIR/radvd-v6ready.log" -d 1 </dev/null >/dev/null 2>&1 9>&- &
        echo $! >"$ST/radvd.pid.own"
        for ((i = 0; i < 100; i++)); do
            [ -s "$ST/radvd.pid" ] && break
            kill -0 "$(cat "$ST/radvd.pid.own")" 2>/dev/null || { log "V6READY: radvd exited"; return 1; }
            sleep 0.05
        done
        log "radvd pid $(cat "$ST/radvd.pid.own") for every ppp interface since boot"
    fi
    return 0
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
    # (V6READY: IF is bng0 and the subnet is found by the relay's link-address)
    local sub_if=", \"interface\": \"$1\"" sev='"severity": "DEBUG", "debuglevel": 40,'
    [ "$V6READY" = 1 ] && sub_if=''
    [ "$DHCP6_LOG" = info ] && sev='"severity": "INFO",'
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
      "id": $((g + 1)), "subnet": "$NA_NET"$sub_if, "rapid-commit": $rc,
      "pools": [ { "pool": "$NA_LO-$NA_HI" } ],
      "pd-pools": [ { "prefix": "$PD_POOL", "prefix-len": $PD_POOL_LEN, "delegated-len": $PD_LEN } ]
  } ],
  "loggers": [ { "name": "kea-dhcp6", $sev
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

dhcp6_start() { # IF   (V6READY: IF may be empty; Kea stays on bng0 and is reloaded)
    local ifn=$1 pid
    if [ -n "$ifn" ]; then
        ip -6 route replace "$NA_NET" dev "$ifn"
        ip -6 route replace "$PD_NET" dev "$ifn"
    fi
    case "$DHCP6" in
        kea)
            mkdir -p "$ST/kea"
            kea_conf "$([ "$V6READY" = 1 ] && echo "$BNG_IF" || echo "$ifn")" >"$ST/kea-dhcp6.conf"
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
    [ -z "$ifn" ] || echo "$ifn" >"$ST/dhcp6-if"
}

v6ready_agent_py() { # the V6READY agent's program (python3 -c)
    cat <<'PY'
import ctypes, os, re, select, signal, socket, struct, sys, time

# V6READY agent: the test ISP's IPv6 "BNG" (isp6-hook.sh v6ready-start starts it at boot, inside
# the UML).  One resident process, so that nothing is forked or exec'd when a session comes up:
#  - rtnetlink: when pppd gives a ppp interface its link-local address (IPv6CP up), write that
#    session's radvd block (prefix per RA_PREFIX_MODE) into the one radvd's configuration and
#    SIGHUP it: radvd re-reads it and sends its first RA at once (on its own, radvd sets a new
#    interface up 1 s after the last link event and drops RSs until then).
#  - DHCPv6 relay (RFC 8415 section 19): Solicit/Request/... sent to ff02::1:2 on any ppp
#    interface, seen on an AF_PACKET socket from the moment the kernel passes IPv6 on the link
#    (no multicast group to join per session), go as Relay-forw (Interface-ID = IFNAME/IFINDEX,
#    link-address 2001:db8:200::1 so Kea picks its subnet) to Kea, which listens on the dummy
#    interface bng0 since boot; a Relay-reply goes back to the client from the ISP's link-local
#    on that interface.  After a Reply, routes to its IA_NA addresses and delegated prefixes
#    point at the session's interface (the ipv6-up hook's routes come later).
#  - SIGUSR1 (isp6-hook.sh ra-renumber): rewrite radvd's configuration from the state files,
#    SIGHUP radvd, bump ST/v6ready.gen.
E = os.environ
RUNDIR, ST = E["RUNDIR"], E["ST"]
RA, DHCP6, MODE = E.get("RA", "none"), E.get("DHCP6", "none"), E.get("RA_PREFIX_MODE", "mac")
BNG_IF, KEA_LL, RELAY_ADDR = E["BNG_IF"], E["KEA_LL"], E["RELAY_ADDR"]
LINK_ADDR = socket.inet_pton(socket.AF_INET6, E["LINK_ADDR"])
CONF = ST + "/radvd-v6ready.conf"
IF_RE = re.compile(r"ppp[0-9]+$")
LOGF = open(RUNDIR + "/isp6.log", "a", buffering=1)
MSG = {1: "SOLICIT", 2: "ADVERTISE", 3: "REQUEST", 4: "CONFIRM", 5: "RENEW", 6: "REBIND",
       7: "REPLY", 8: "RELEASE", 9: "DECLINE", 10: "RECONFIGURE", 11: "INFORMATION-REQUEST"}


def log(t, msg):
    LOGF.write("%.6f isp6: v6ready: %s\n" % (t, msg))


def rd(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def wr(path, text):  # atomic
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


# ---- radvd
def radvd_block(ifn, pfx, old):
    m, o, a = "off", "off", "on"
    if RA == "slaac+o":
        o = "on"
    elif RA == "m":
        m, o, a = "on", "on", "off"
    s = ("interface %s {\n    IgnoreIfMissing on;\n    AdvSendAdvert on;\n"
         "    MinRtrAdvInterval %s;\n    MaxRtrAdvInterval %s;\n    AdvDefaultLifetime %s;\n"
         "    AdvManagedFlag %s;\n    AdvOtherConfigFlag %s;\n    AdvLinkMTU %s;\n"
         % (ifn, E["RA_MIN_INT"], E["RA_MAX_INT"], E["RA_LIFETIME"], m, o, E["RA_MTU"]))
    s += ("    prefix %s {\n        AdvOnLink on;\n        AdvAutonomous %s;\n"
          "        AdvValidLifetime %s;\n        AdvPreferredLifetime %s;\n    };\n"
          % (pfx, a, E["RA_VALID"], E["RA_PREF"]))
    if old and E.get("RA_RENUMBER_OLD", "zero") == "zero":
        s += ("    prefix %s {\n        AdvOnLink on;\n        AdvAutonomous %s;\n"
              "        AdvValidLifetime 0;\n        AdvPreferredLifetime 0;\n    };\n" % (old, a))
    s += ("    RDNSS %s { AdvRDNSSLifetime %s; };\n    DNSSL %s { AdvDNSSLLifetime %s; };\n};\n"
          % (E["DNS6"], E["RA_DNS_LIFETIME"], E["DOMAIN"], E["RA_DNS_LIFETIME"]))
    return s


def radvd_write():
    """radvd's configuration from ST/ra-prefix-IF (+ ST/ra-old-IF) of the interfaces that exist."""
    blocks = []
    for f in sorted(os.listdir(ST)):
        if not f.startswith("ra-prefix-"):
            continue
        ifn = f[len("ra-prefix-"):]
        if os.path.exists("/sys/class/net/" + ifn):
            blocks.append(radvd_block(ifn, rd(ST + "/" + f), rd(ST + "/ra-old-" + ifn)))
    if not blocks:  # radvd wants one interface: one that never advertises
        blocks.append("interface ppp0 {\n    IgnoreIfMissing on;\n    AdvSendAdvert off;\n};\n")
    wr(CONF, "# written by the V6READY agent (isp6-hook.sh)\n" + "".join(blocks))


def radvd_reload():
    pid = rd(ST + "/radvd.pid.own")
    if pid and rd("/proc/%s/comm" % pid) == "radvd":
        os.kill(int(pid), signal.SIGHUP)
        return pid
    return None


def prefix_for(ifn):  # as isp6-hook.sh ra_prefix_for
    pid = rd("/run/%s.pid" % ifn).split("\n")[0]
    m = re.search(r"session=([0-9]+):([0-9a-fA-F:]{17})", rd("/run/v6l/sessions/" + pid)) if pid else None
    if MODE == "mac":
        x = int(m.group(2).replace(":", "")[-4:], 16) if m else 0xffff
    elif MODE == "counter":
        x = int(rd(ST + "/ra-counter") or 0) + 1
        wr(ST + "/ra-counter", "%d\n" % x)
    else:
        x = int(m.group(1)) if m else int(ifn[3:]) + 1
    return "2001:db8:100:%x::/64" % x


# ---- rtnetlink
RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_NEWROUTE = 16, 17, 20, 24
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
nl.bind((0, 0x1 | 0x100))  # RTMGRP_LINK | RTMGRP_IPV6_IFADDR
rq = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
rq.bind((0, 0))
rq.settimeout(1)
seq = 0


def attrs(b, off):
    out = {}
    while off + 4 <= len(b):
        ln, ty = struct.unpack_from("HH", b, off)
        if ln < 4:
            break
        out[ty & 0x7fff] = b[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


def rta(ty, data):
    return struct.pack("HH", 4 + len(data), ty) + data + b"\0" * (-len(data) % 4)


def route_add(dst, plen, idx):
    """ip -6 route replace DST/PLEN dev IDX proto dhcp (a netlink request, no exec)."""
    global seq
    seq += 1
    body = struct.pack("BBBBBBBBI", socket.AF_INET6, plen, 0, 0, 254, 16, 0, 1, 0)
    body += rta(1, dst) + rta(4, struct.pack("i", idx))
    rq.send(struct.pack("IHHII", 16 + len(body), RTM_NEWROUTE, 0x1 | 0x4 | 0x100 | 0x400, seq, 0) + body)
    try:
        ack = rq.recv(4096)
        return struct.unpack_from("i", ack, 16)[0] if len(ack) >= 20 else 0
    except OSError as e:
        return -e.errno


handled = {}  # ifindex -> ifname whose IPv6 came up
local_ll = {}  # ifindex -> the ISP's link-local there


def on_netlink(t):
    data = nl.recv(65536)
    off = 0
    while off + 16 <= len(data):
        ln, ty = struct.unpack_from("IH", data, off)
        if ln < 16:
            break
        msg = data[off + 16:off + ln]
        off += (ln + 3) & ~3
        if ty == RTM_DELLINK and len(msg) >= 16:
            idx = struct.unpack_from("i", msg, 4)[0]
            ifn = attrs(msg, 16).get(3, b"").rstrip(b"\0").decode(errors="replace")
            if handled.pop(idx, None) is not None or IF_RE.match(ifn):
                local_ll.pop(idx, None)
                for f in ("ra-prefix-", "ra-old-"):
                    try:
                        os.unlink(ST + "/" + f + ifn)
                    except OSError:
                        pass
                if RA != "none":
                    radvd_write()  # (read at radvd's next reload)
                what = "%s (ifindex %d) gone" % (ifn, idx)
                # Kea's iterative allocator restarts with a reload: as without V6READY (Kea
                # reloaded at every ipv6-up), a redial gets the same lease back even after a
                # Release.  Only once no session is left: Kea reopens its sockets meanwhile.
                pid = rd(ST + "/dhcp6.pid.own")
                if DHCP6 == "kea" and not handled and pid and rd("/proc/%s/comm" % pid) == "kea-dhcp6":
                    os.kill(int(pid), signal.SIGHUP)
                    what += "; no session left: kea-dhcp6 %s reloaded" % pid
                log(t, what)
        elif ty == RTM_NEWADDR and len(msg) >= 8:
            fam, plen, fl, scope, idx = struct.unpack_from("BBBBI", msg)
            if fam != socket.AF_INET6 or scope != 253 or idx in handled:
                continue
            try:
                ifn = socket.if_indextoname(idx)
            except OSError:
                continue
            if not IF_RE.match(ifn):
                continue
            a = attrs(msg, 8)
            local_ll[idx] = a.get(2, a.get(1))  # IFA_LOCAL (pppd sets "fe80::1 peer fe80::X")
            handled[idx] = ifn
            what = "IPv6 up on %s (ifindex %d, local %s)" % (
                ifn, idx, socket.inet_ntop(socket.AF_INET6, local_ll[idx]))
            if RA != "none":
                pfx = prefix_for(ifn)
                wr(ST + "/ra-prefix-" + ifn, pfx + "\n")
                try:
                    os.unlink(ST + "/ra-old-" + ifn)
                except OSError:
                    pass
                radvd_write()
                pid = radvd_reload()
                what += ": radvd %s reloaded with %s" % (pid or "(not running!)", pfx)
            log(t, what)


# ---- DHCPv6 relay
def opt(code, data):
    return struct.pack("!HH", code, len(data)) + data


def opts(b):
    out, i = [], 0
    while i + 4 <= len(b):
        c, ln = struct.unpack_from("!HH", b, i)
        out.append((c, b[i + 4:i + 4 + ln]))
        i += 4 + ln
    return out


# AF_PACKET socket for IPv6 on every interface, filtered (classic BPF on the IPv6 header):
# next header UDP, destination ff02::1:2, destination port 547.
F = [(0x30, 0, 0, 6), (0x15, 0, 11, 17), (0x20, 0, 0, 24), (0x15, 0, 9, 0xff020000),
     (0x20, 0, 0, 28), (0x15, 0, 7, 0), (0x20, 0, 0, 32), (0x15, 0, 5, 0),
     (0x20, 0, 0, 36), (0x15, 0, 3, 0x00010002), (0x28, 0, 0, 42), (0x15, 0, 1, 547),
     (0x06, 0, 0, 0xffff), (0x06, 0, 0, 0)]
pk = us = None
if DHCP6 != "none":
    pk = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x86DD))
    fbuf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in F))
    pk.setsockopt(socket.SOL_SOCKET, 26, struct.pack("HL", len(F), ctypes.addressof(fbuf)))  # SO_ATTACH_FILTER
    while True:  # what arrived before the filter
        try:
            pk.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            break
    bng_idx = socket.if_nametoindex(BNG_IF)
    us = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    us.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    us.bind((RELAY_ADDR, 547, 0, 0))
seen = set()  # (ifindex, type) logged once per session


def on_client(t):
    data, addr = pk.recvfrom(65536)
    ifn, pkttype = addr[0], addr[2]
    if pkttype == socket.PACKET_OUTGOING or not IF_RE.match(ifn) or len(data) < 52:
        return
    ulen = struct.unpack_from("!H", data, 44)[0]
    msg = data[48:40 + ulen]
    if not msg or msg[0] not in MSG or msg[0] in (2, 7, 10):
        return
    try:
        idx = socket.if_nametoindex(ifn)
    except OSError:
        return
    src = data[8:24]
    fwd = bytes([12, 0]) + LINK_ADDR + src + opt(18, ("%s/%d" % (ifn, idx)).encode()) + opt(9, msg)
    us.sendto(fwd, (KEA_LL, 547, 0, bng_idx))
    if (idx, msg[0]) not in seen:
        seen.add((idx, msg[0]))
        log(t, "relayed %s xid %s from %s on %s" % (MSG[msg[0]], msg[1:4].hex(),
                                                    socket.inet_ntop(socket.AF_INET6, src), ifn))


pending = []  # replies the kernel would not send yet: [t received, inner, peer, ifindex, ifname, errno]


def to_client(inner, peer, idx):
    ll = local_ll.get(idx) or socket.inet_pton(socket.AF_INET6, "fe80::1")
    us.sendmsg([inner], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, ll + struct.pack("i", idx))], 0,
               (socket.inet_ntop(socket.AF_INET6, peer), 546, 0, idx))


def on_server(t):
    data, _ = us.recvfrom(65536)
    if len(data) < 34 or data[0] != 13:
        return
    peer = data[18:34]
    o = dict(opts(data[34:]))
    ifid, inner = o.get(18, b"").decode(errors="replace"), o.get(9)
    if not inner or "/" not in ifid:
        return
    ifn, sidx = ifid.rsplit("/", 1)
    try:
        idx = socket.if_nametoindex(ifn)
    except OSError:
        idx = -1
    if str(idx) != sidx:
        log(t, "dropped %s for %s: that session is over" % (MSG.get(inner[0], inner[0]), ifid))
        return
    try:
        to_client(inner, peer, idx)
    except OSError as e:
        # (seen: ENETUNREACH for some milliseconds after pppd set the link's IPv6 up)
        pending.append([t, inner, peer, idx, ifn, e.errno])
        return
    sent(t, inner, peer, idx, ifn, "")


def retry_pending(now):
    for p in pending[:]:
        t, inner, peer, idx, ifn, err = p
        try:
            to_client(inner, peer, idx)
        except OSError as e:
            p[5] = e.errno
            if now - t > 1.0:
                pending.remove(p)
                log(now, "gave up sending %s to %s on %s: %s" % (
                    MSG.get(inner[0], inner[0]), socket.inet_ntop(socket.AF_INET6, peer), ifn,
                    os.strerror(e.errno)))
            continue
        pending.remove(p)
        sent(now, inner, peer, idx, ifn, " (held %.0f ms: %s)" % ((now - t) * 1000, os.strerror(err)))


def sent(t, inner, peer, idx, ifn, note):
    first = (idx, inner[0]) not in seen
    seen.add((idx, inner[0]))
    routes = []
    if inner[0] == 7:  # Reply: routes to what it binds
        for c, ia in opts(inner[4:]):
            if c not in (3, 25) or len(ia) < 12:
                continue
            for sc, sub in opts(ia[12:]):
                if sc == 5 and len(sub) >= 24 and struct.unpack_from("!I", sub, 20)[0] > 0:
                    routes.append((sub[:16], 128))
                elif sc == 26 and len(sub) >= 25 and struct.unpack_from("!I", sub, 4)[0] > 0:
                    routes.append((sub[9:25], sub[8]))
        for dst, plen in routes:
            rc = route_add(dst, plen, idx)
            if rc:
                log(time.time(), "route %s/%d dev %s failed: %d" % (
                    socket.inet_ntop(socket.AF_INET6, dst), plen, ifn, rc))
    if first or routes or note:
        log(t, "sent %s xid %s to %s on %s%s%s" % (
            MSG.get(inner[0], inner[0]), inner[1:4].hex(), socket.inet_ntop(socket.AF_INET6, peer), ifn,
            note, "; routes " + " ".join("%s/%d" % (socket.inet_ntop(socket.AF_INET6, d), p) for d, p in routes)
            if routes else ""))


# ---- main loop
rp, wp = os.pipe()
os.set_blocking(wp, False)
signal.set_wakeup_fd(wp)
flags = {"usr1": False, "stop": False}
signal.signal(signal.SIGUSR1, lambda s, f: flags.__setitem__("usr1", True))
signal.signal(signal.SIGTERM, lambda s, f: flags.__setitem__("stop", True))
signal.signal(signal.SIGHUP, signal.SIG_IGN)
if RA != "none":
    radvd_write()
wr(ST + "/v6ready.gen", "0\n")
wr(ST + "/agent.pid", "%d\n" % os.getpid())
log(time.time(), "agent pid %d ready (RA=%s DHCP6=%s, relay %s -> %s%%%s)" % (
    os.getpid(), RA, DHCP6, RELAY_ADDR, KEA_LL, BNG_IF))
socks = [s for s in (nl, pk, us) if s is not None] + [rp]
gen = 0
while not flags["stop"]:
    r, _, _ = select.select(socks, [], [], 0.005 if pending else None)
    t = time.time()
    for s in r:
        try:
            if s is rp:
                os.read(rp, 64)
            elif s is nl:
                on_netlink(t)
            elif s is pk:
                on_client(t)
            elif s is us:
                on_server(t)
        except Exception as e:  # one bad packet or event must not end the ISP's IPv6
            log(time.time(), "error: %r" % e)
    if pending:
        try:
            retry_pending(time.time())
        except Exception as e:
            log(time.time(), "error: %r" % e)
    if flags["usr1"]:
        flags["usr1"] = False
        radvd_write()
        pid = radvd_reload()
        gen += 1
        wr(ST + "/v6ready.gen", "%d\n" % gen)
        log(t, "radvd %s reloaded (configuration generation %d)" % (pid, gen))
log(time.time(), "agent stopped")
PY
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
        if [ "$V6READY" = 1 ]; then
            # RA and DHCPv6 are answered already (the agent saw IPv6CP up before this script
            # ran): only the UML's own <prefix>::1 on the link and the routes are left to do.
            if [ "$RA" != none ]; then
                for ((i = 0; i < 60; i++)); do [ -s "$ST/ra-prefix-$IFN" ] && break; sleep 0.05; done
                pfx=$(cat "$ST/ra-prefix-$IFN" 2>/dev/null)
                if [ -n "$pfx" ]; then
                    ip -6 addr replace "${pfx%::/64}::1/64" dev "$IFN" nodad
                    log "up $IFN: ${pfx%::/64}::1/64 on the link (radvd, since boot, advertises $pfx there)"
                else
                    log "up $IFN: the agent has no prefix for $IFN (see v6ready-agent.log)"
                fi
            fi
            if [ "$DHCP6" != none ]; then
                ip -6 route replace "$NA_NET" dev "$IFN"
                ip -6 route replace "$PD_NET" dev "$IFN"
                echo "$IFN" >"$ST/dhcp6-if"
                log "up $IFN: routes $NA_NET and $PD_NET (DHCPv6 relayed to Kea on $BNG_IF since boot)"
            fi
            exit 0
        fi
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
        [ "$RA" != none ] && [ "$V6READY" != 1 ] && radvd_stop "$IFN"
        # With V6READY the agent owns ra-prefix-IFN: it writes it at the link's first IPv6
        # address and removes it with the link. pppd runs ipv6-down and ipv6-up on the same
        # ppp0 when IPv6CP renegotiates within a session (a Configure-Request repeated under
        # loss reaches it once Opened, RFC 1661 4.3); removing the file here left the second
        # ipv6-up without the session's /64 on the link and the client without IPv6 replies
        # (a CI run of test_fault_link's 30 % loss case, 2026-12-07).
        [ "$V6READY" = 1 ] || rm -f "$ST/ra-prefix-$IFN" "$ST/ra-old-$IFN"
        ;;
    ra-renumber)
        NEW=$1 IFN=${2:-$(ifname_newest)}
        [ -n "$IFN" ] && [ -e "$ST/ra-prefix-$IFN" ] || { echo "no radvd session${IFN:+ on $IFN}" >&2; exit 1; }
        [[ "$NEW" == *::/64 ]] || { echo "NEWPREFIX must look like 2001:db8:100:77::/64" >&2; exit 1; }
        ra_set_prefix "$IFN" "$NEW" "$(cat "$ST/ra-prefix-$IFN")" || exit 1
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
        elif [ "$V6READY" = 1 ]; then
            dhcp6_start ''
        fi
        ;;
    show)
        for f in "$ST"/ra-prefix-*; do [ -e "$f" ] && echo "radvd ${f##*ra-prefix-} $(cat "$f")"; done
        [ -e "$ST/dhcp6-if" ] && echo "dhcp6 $DHCP6 on $(cat "$ST/dhcp6-if") generation $(dhcp6_gen) pid $(cat "$ST/dhcp6.pid.own" 2>/dev/null)"
        [ "$V6READY" = 1 ] && echo "v6ready agent pid $(cat "$ST/agent.pid" 2>/dev/null) radvd pid $(cat "$ST/radvd.pid.own" 2>/dev/null) kea-dhcp6 pid $(cat "$ST/dhcp6.pid.own" 2>/dev/null) on $BNG_IF"
        true
        ;;
    v6ready-start)
        [ "$V6READY" = 1 ] || { echo "V6READY is not 1" >&2; exit 1; }
        v6ready_start
        ;;
    *)
        echo "isp6-hook.sh: unknown command '$cmd'" >&2
        exit 2
        ;;
esac
