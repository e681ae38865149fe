#!/bin/bash
# isp.sh - the "built-in test ISP": a real PPPoE access concentrator (pppoe-server + pppd in
# User-Mode Linux) behind network namespaces, for v6link's interop tests.
#
# CLI                                       (also a library: `source isp.sh` gives isp_* functions)
#   isp.sh up RUNDIR [KEY=VALUE ...]        build namespaces, boot the ISP, return when it listens
#   isp.sh down RUNDIR                      stop everything started for RUNDIR (idempotent)
#   isp.sh exec RUNDIR CMD [ARG ...]        run CMD inside the UML; stdout/stderr/exit status
#                                           come back.  One argument = a shell script string;
#                                           several = a command and its arguments; '-' = script
#                                           read from stdin.
#   isp.sh netem-loss RUNDIR PCT            `tc qdisc replace dev eth0 root netem loss PCT%` in
#                                           the UML (ISP -> client direction; also covers
#                                           eth0.VLAN); PCT 0 removes the qdisc.
#   isp.sh kill-pppd RUNDIR [SIG]           signal every session pppd in the UML (default KILL:
#                                           no LCP Terminate, no ip-down scripts; pppoe-server
#                                           then sends a PADT).  STOP/CONT freeze/thaw pppd:
#                                           LCP goes silent while the kernel still forwards data
#                                           (KMODE=1).  Prints the pids; status 1 if none.
#   isp.sh padt RUNDIR                      orderly end: SIGTERM to pppd -> LCP Terminate-Request
#                                           (pppd waits for the Ack), then PADT from pppoe-server.
#   isp.sh sessions RUNDIR                  live sessions: pid, interface, session id, client MAC
#   isp.sh wait-event RUNDIR REGEX [SECS [N]]  wait until RUNDIR/events.log has N (1) lines
#                                           matching the extended regex; print the N-th
#   isp.sh status RUNDIR                    short state summary
#   isp.sh client-up CRUNDIR ISPRUNDIR      boot a second, bare UML whose eth0 joins the access
#                                           segment (for an independent pppd client); run things
#                                           in it with `isp.sh exec CRUNDIR ...`
#   isp.sh client-down CRUNDIR
#   isp.sh ra-renumber RUNDIR NEWPREFIX/64 [IFNAME]   (RA != none) radvd of IFNAME (default: the
#                                           newest session) restarts advertising NEWPREFIX; the
#                                           old prefix is announced with valid/preferred lifetime
#                                           0 (RA_RENUMBER_OLD=zero) or just left out (=drop);
#                                           the UML's <prefix>::1 and route move.  Prints IF PREFIX
#   isp.sh dhcp6-renumber RUNDIR            (DHCP6 != none) next pool generation G (1..15): IA_NA
#                                           2001:db8:200::(G+1)000-(G+1)fff, PD pool
#                                           2001:db8:80G0::/44, Kea subnet id G+1 (old leases no
#                                           longer match: Renew -> NoBinding); server reloaded
#   isp.sh ipv6 RUNDIR                      state of the per-session IPv6 services
#
# Options for `up` (environment variables, or KEY=VALUE arguments after RUNDIR):
#   AUTH=pap|chap|mschapv2|none   what the ISP's pppd requires from the client      [pap]
#   VLAN=ID                       ISP listens on eth0.ID inside UML; empty = untagged  []
#   AC_NAME=v6l-isp-a SERVICE=internet       the first (always present) pppoe-server
#   SECOND_AC=0|1                 second pppoe-server on the same segment: AC_NAME_B=v6l-isp-b,
#                                 SERVICE_B=business, pool 100.64.1.10.., local 100.64.1.1,
#                                 session ids from 1001
#   LCP_ECHO_INTERVAL=1 LCP_ECHO_FAILURE=3   server-side keepalive (0 = no echo requests)
#   PPP_MTU=1492                  server pppd mtu and mru
#   ACC_MTU=1500                  MTU of the access segment's ISP side: the hub ports (cli0,
#                                 the taps) and the UML's eth0 (vector mtu=) and eth0.VLAN.
#                                 1508 lets pppoe-server grant PPP-Max-Payload 1500 (RFC 4638:
#                                 it grants at most its interface's MTU - 8); the client's eth0
#                                 is left at 1500, for the client to raise
#   PPPD_EXTRA='opt;opt arg'      extra server pppd options, ';' separated
#   AC_CSUM_OFFLOAD=off|on        on: tx checksum offload on the access segment's ISP-side
#                                 ports (cli0 and the UML's tap): a frame the host kernel sends
#                                 there with CHECKSUM_PARTIAL reaches the client's packet socket
#                                 unfinished (TP_STATUS_CSUMNOTREADY). The UML's own pppd sessions
#                                 never make such frames (ppp devices offload no checksum), so
#                                 test_csum_partial.sh injects them on cli0              [off]
#   KMODE=1|0                     1: sessions on the kernel PPPoE socket (rp-pppoe plugin);
#                                 0: pppoe-server's default user-mode relay (slow)
#   NS_CLI=v6l-cli NS_ISP=v6l-isp NS_FAR=v6l-far    namespace names
#   UML_MEM=256M  UP_TIMEOUT=30  ISP_EXEC_TIMEOUT=60
#   UML_TRACE=1                   trace the UML init (set -x with timestamps) in uml-init.log
#   ONDEMAND_MODULES=1|0          0: the ISP's UML loads no module after boot (kernel.modprobe
#                                 empty; loaded: ipv6 ppp_generic pppoe 8021q sch_netem, + dummy
#                                 with V6READY): each session's pppd then sends its first LCP
#                                 Configure-Request 0.3-1.2 s sooner (the rp-pppoe plugin makes
#                                 the kernel run modprobe 4 times for pppoe-server's LOCAL:REMOTE
#                                 word)                                                       [1]
# IPv6 services per session, started by isp6-hook.sh from the ipv6-up script (before RUNDIR hooks):
#   RA=none|slaac|slaac+o|m       radvd on the ppp link (source fe80::1): prefix
#                                 2001:db8:100:X::/64 (A=1 for slaac*, A=0 for m; M=1 for m;
#                                 O=1 for slaac+o and m), RDNSS 2001:db8:f::53, DNSSL isp.example,
#                                 MTU RA_MTU=1492, router lifetime RA_LIFETIME=1800, unsolicited RAs
#                                 every RA_MIN_INT=3..RA_MAX_INT=4 s; UML gets X::1/64 on the link [none]
#   RA_VALID=86400 RA_PREF=14400  prefix lifetimes (s);  RA_DNS_LIFETIME=30 (RDNSS/DNSSL)
#   RA_PREFIX_MODE=mac|session|counter   X = last 2 bytes of the client MAC in hex (v6l-cli's
#                                 eth0: 2001:db8:100:10::/64, the same after every redial), or the
#                                 PPPoE session id in hex, or 1, 2, 3... (both: a new /64 for each
#                                 session, since pppoe-server counts session ids up)        [mac]
#   RA_RENUMBER_OLD=zero|drop     what ra-renumber does with the old prefix               [zero]
#   DHCP6=none|kea|wide           DHCPv6 server on the newest session's ppp link: IA_NA pool
#                                 2001:db8:200::1000-1fff, IA_PD from 2001:db8:8000::/40 (pool
#                                 2001:db8:8000::/44 while PD_LEN >= 44), DNS 2001:db8:f::53,
#                                 domain search isp.example; routes 2001:db8:200::/64 and
#                                 2001:db8:8000::/40 to that link.  Kea: leases persist in
#                                 RUNDIR/kea-leases6.csv (same DUID+IAID -> same prefix after a
#                                 redial; Renew after dhcp6-renumber -> new prefix + old with
#                                 lifetime 0).  wide (dhcp6s): IA_PD only for DHCP6_DUID     [none]
#   PD_LEN=56                     delegated prefix length (41..64; 48 56 60 64 tested)
#   DHCP6_T1=1000 DHCP6_T2=1600 DHCP6_PREF=2000 DHCP6_VALID=4000   timers/lifetimes (s) (Kea;
#                                 wide only has the lifetimes)
#   DHCP6_RAPID=0|1               honour Rapid Commit in Solicit
#   DHCP6_LOG=debug|info          (Kea) debug: every packet in kea-dhcp6.log (DEBUG 40); info:
#                                 start/reload/errors only (debug costs 30-100 ms per exchange
#                                 in UML)                                                  [debug]
#   V6READY=0|1                   1: IPv6 services ready before any session, like a BNG's (RA=
#                                 and DHCP6=kea|none only): one radvd and Kea start at boot; a
#                                 resident agent in the UML SIGHUPs radvd with the new session's
#                                 block (same prefix rules) when pppd sets the ppp link's
#                                 link-local (first RA within milliseconds of IPv6CP up) and
#                                 relays every session's DHCPv6 to Kea on a dummy bng0 (Interface-
#                                 ID, link-address 2001:db8:200::1), adding routes to what a Reply
#                                 binds; the ipv6-up hook only adds <prefix>::1 and routes, later.
#                                 No per-session process start.  Logs: isp6.log, radvd-v6ready.log,
#                                 v6ready-agent.log, kea-dhcp6.log                            [0]
#   DHCP6_DUID='00:01:..'         (wide) client DUIDs (hex, ':' separated; space separated list)
#                                 that get a static prefix: the n-th gets the n-th PD_LEN prefix
#                                 of the pool and address 2001:db8:200::1fff minus n
#   DHCP6_RKEY=32 hex digits      (kea) a Reconfigure Key (RFC 8415 §20.4) every Reply carries in
#                                 an Authentication option (code 11, protocol 3, algorithm 1,
#                                 RDM 0, replay detection DHCP6_RKEY_REPLAY=1, type 1): Kea 2.2
#                                 cannot make per-client keys nor send Reconfigure itself, so this
#                                 is a static option-data; a test sends the Reconfigure     []
# Far host services (namespace NS_FAR; stopped by down):
#   FAR_DNS=auto|1|0              dnsmasq at 2001:db8:f::53 and 203.0.113.53 (the ISP's IPCP DNS)
#                                 (auto: if dnsmasq is installed), TTL 300:  host.isp.example A 203.0.113.10 AAAA 2001:db8:f::10,
#                                 v6only.isp.example AAAA 2001:db8:f::10; queries in RUNDIR/dns.log
#   FAR_HTTP=1|0                  python3 http.server on [::]:80 (v4 too), files from RUNDIR/www
#   Credentials: ISP_USER=v6luser ISP_PASS=v6lpass-Secret1, ISP_USER_B=v6lbiz
#   ISP_PASS_B=v6lbiz-Secret2 (both accepted by both ACs, for PAP and CHAP/MS-CHAPv2).
# Several ISPs can run at once with different RUNDIRs and namespace names.  `up` refuses to
# reuse an existing namespace; `down` only removes what RUNDIR/isp.env records.  A failed or
# SIGTERM'd `up` undoes itself.  Needs root.
#
# Topology (addresses fixed; see README.md):
#   v6l-cli: eth0 (veth, MAC 02:76:36:00:00:10)  -- client under test, no addresses
#   v6l-isp: cli0 (its veth peer), tisp0 (tap = UML eth0), tcl* (client UML taps): a tc u32 +
#            mirred "hub" copies every frame arriving on one port to all the others (passes
#            802.1Q tags, which the host bridge would not); tisp1 (tap = UML eth1) <-> far0.
#   UML:     eth0 02:76:36:00:00:01 (access, no IPv6), eth0.VLAN; ppp* sessions 100.64.0.1 ->
#            100.64.0.10.. (AC b: 100.64.1.1 -> 100.64.1.10..), IPv6CP ifid ::1; eth1
#            203.0.113.1/24, 2001:db8:f::1/64; forwarding on.
#   v6l-far: eth0 203.0.113.10/24, 2001:db8:f::10/64, default routes via the UML.
# RUNDIR (absolute, no spaces, short: the UML mconsole socket path must fit 108 bytes) gets:
#   ready, uml-console.log, uml-init.log, syslog.log (pppoe-server, pppd), pppd.log,
#   events.log ("EPOCH EVENT ARGS" lines; EVENT = pppd-start, ip-up, ipv6-up, ip-down,
#   ipv6-down, pppd-exit; the *-up/down ones carry pppd's script arguments), hooks.log,
#   and reads hook scripts RUNDIR/{ip-up,ipv6-up,ip-down,ipv6-down}.d/*.sh, run inside the
#   UML with pppd's script arguments (IFNAME TTY SPEED LOCAL REMOTE IPPARAM; ipparam = a|b
#   for the AC) before the event is logged.

ISP_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_isp_die() { echo "isp.sh: $*" >&2; exit 1; }
_isp_log() { echo "isp.sh: $*" >&2; }

# Effective settings (defaults applied).  Called in subshells only.
_isp_defaults() {
    : "${NS_CLI:=v6l-cli}" "${NS_ISP:=v6l-isp}" "${NS_FAR:=v6l-far}"
    : "${AUTH:=pap}" "${VLAN:=}" "${AC_NAME:=v6l-isp-a}" "${SERVICE:=internet}"
    : "${SECOND_AC:=0}" "${AC_NAME_B:=v6l-isp-b}" "${SERVICE_B:=business}"
    : "${LCP_ECHO_INTERVAL:=1}" "${LCP_ECHO_FAILURE:=3}" "${PPP_MTU:=1492}" "${PPPD_EXTRA:=}"
    : "${ACC_MTU:=1500}" "${AC_CSUM_OFFLOAD:=off}"
    : "${KMODE:=1}" "${UML_MEM:=256M}" "${UP_TIMEOUT:=30}" "${UML_TRACE:=0}"
    : "${ISP_USER:=v6luser}" "${ISP_PASS:=v6lpass-Secret1}"
    : "${ISP_USER_B:=v6lbiz}" "${ISP_PASS_B:=v6lbiz-Secret2}"
    : "${RA:=none}" "${RA_VALID:=86400}" "${RA_PREF:=14400}" "${RA_PREFIX_MODE:=mac}"
    : "${RA_RENUMBER_OLD:=zero}" "${RA_MIN_INT:=3}" "${RA_MAX_INT:=4}" "${RA_LIFETIME:=1800}"
    : "${RA_MTU:=1492}" "${RA_DNS_LIFETIME:=30}"
    : "${V6READY:=0}" "${DHCP6_LOG:=debug}" "${ONDEMAND_MODULES:=1}"
    : "${DHCP6:=none}" "${PD_LEN:=56}" "${DHCP6_T1:=1000}" "${DHCP6_T2:=1600}"
    : "${DHCP6_PREF:=2000}" "${DHCP6_VALID:=4000}" "${DHCP6_RAPID:=0}" "${DHCP6_DUID:=}"
    : "${DHCP6_RKEY:=}" "${DHCP6_RKEY_REPLAY:=1}"
    : "${FAR_DNS:=auto}" "${FAR_HTTP:=1}"
    FAR_DNS4=203.0.113.53 FAR_DNS6=2001:db8:f::53
    LOCAL4=100.64.0.1 POOL4=100.64.0.10 LOCAL4_B=100.64.1.1 POOL4_B=100.64.1.10
    DNS4=203.0.113.53
    FAR_UML4=203.0.113.1 FAR_UML6=2001:db8:f::1 FAR_HOST4=203.0.113.10 FAR_HOST6=2001:db8:f::10
    MAC_CLI=02:76:36:00:00:10 MAC_UML0=02:76:36:00:00:01 MAC_UML1=02:76:36:00:01:01
    MAC_FAR=02:76:36:00:01:10
}

_isp_rundir() { # normalise and check RUNDIR
    [ -n "${1:-}" ] || _isp_die "RUNDIR missing"
    local d
    d=$(realpath -m -- "$1")
    case "$d" in *[[:space:]]* | *[\'\"\\\$]*) _isp_die "RUNDIR '$d' must not contain spaces or quotes" ;; esac
    ((${#d} <= 70)) || _isp_die "RUNDIR '$d' too long (UML's mconsole socket path must fit 108 bytes)"
    echo "$d"
}

_isp_ns() { ip netns exec "$@"; }
_isp_elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

# Hub: every frame arriving on a port is copied to all other ports (tc ingress + mirred).
_isp_hub() { # NS PORT...
    local ns=$1 p q last acts
    shift
    for p in "$@"; do
        # mirror to all other ports but the last, redirect (steal) to the last one; the host
        # kernel has no act_gact, so there is no "action drop" to end with.
        acts=()
        last=''
        for q in "$@"; do
            [ "$q" = "$p" ] && continue
            [ -n "$last" ] && acts+=(action mirred egress mirror dev "$last" pipe)
            last=$q
        done
        ip -n "$ns" link show dev "$p" >/dev/null 2>&1 || continue
        tc -n "$ns" qdisc del dev "$p" ingress 2>/dev/null || true
        tc -n "$ns" qdisc add dev "$p" ingress
        [ -n "$last" ] || continue
        tc -n "$ns" filter add dev "$p" parent ffff: protocol all prio 1 u32 match u32 0 0 \
            "${acts[@]}" action mirred egress redirect dev "$last"
    done
}

_isp_offloads_off() { # NS DEV...
    local ns=$1 d
    shift
    for d in "$@"; do
        _isp_ns "$ns" ethtool -K "$d" tx off tso off gso off gro off >/dev/null 2>&1 || true
    done
}

_isp_ac_csum() { # NS DEV...: AC_CSUM_OFFLOAD=on turns tx checksum offload back on
    local ns=$1 d
    shift
    [ "$AC_CSUM_OFFLOAD" = on ] || return 0
    for d in "$@"; do
        _isp_ns "$ns" ethtool -K "$d" tx on >/dev/null 2>&1 || _isp_die "ethtool -K $d tx on"
    done
}

_isp_shim() { # build the UML ptrace shim into RUNDIR; copy the scripts the UML runs there too
    local rd=$1
    # The UML mounts a tmpfs on /tmp, so a checkout below /tmp is invisible inside it: the
    # scripts it runs live in RUNDIR/bin, which it mounts.
    mkdir -p "$rd/bin"
    cp "$ISP_HERE"/*.sh "$rd/bin/"
    gcc -O2 -Wall -shared -fPIC -o "$rd/uml-xstate-shim.so" "$ISP_HERE/uml-xstate-shim.c" -ldl ||
        _isp_die "cannot build uml-xstate-shim.so (gcc needed)"
}

_isp_uml_pid() { # RUNDIR UMID -> pid of the running UML, or nothing
    local rd=$1 umid=$2 pid
    pid=$(cat "$rd/uml/$umid/pid" 2>/dev/null || cat "$rd/uml.pid" 2>/dev/null) || return 0
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "umid=$umid " && echo "$pid"
    return 0
}

# Boot a UML in namespace NS on the given taps; wait for RUNDIR/ready.
_isp_boot() { # RUNDIR UMID NS ROLE VEC-ARGS...
    local rd=$1 umid=$2 ns=$3 role=$4 t0 pid i
    shift 4
    rm -f "$rd/ready" "$rd/failed"
    rm -rf "$rd/ctl" "$rd/uml"
    mkdir -p "$rd/ctl" "$rd/uml"
    _isp_shim "$rd"
    t0=$EPOCHREALTIME
    # setsid: own session/process group (killed as a group if halt fails), no terminal.
    # No inherited descriptors beyond 0-2 (a caller's pipe held open by UML would hang it).
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-"
        done # (a 2>/dev/null here would stay: bash's saved copy of fd 2 is among those closed)
        exec ip netns exec "$ns" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            LD_PRELOAD="$rd/uml-xstate-shim.so" \
            setsid /usr/bin/linux mem="$UML_MEM" rootfstype=hostfs rootflags=/ ro \
            init="$ISP_HERE/uml-init.sh" umid="$umid" uml_dir="$rd/uml" \
            con=null ssl=null con0=fd:0,fd:1 "$@" \
            v6l_rundir="$rd" v6l_role="$role"
    ) </dev/null >"$rd/uml-console.log" 2>&1 &
    echo $! >"$rd/uml.pid"
    for ((i = 0; i < UP_TIMEOUT * 20; i++)); do
        [ -e "$rd/ready" ] && break
        [ -e "$rd/failed" ] && break
        kill -0 "$(cat "$rd/uml.pid")" 2>/dev/null || break
        ((i % 10 == 9)) && grep -q '^v6l-init: FAILED' "$rd/uml-console.log" && break
        sleep 0.05
    done
    if [ ! -e "$rd/ready" ]; then
        _isp_log "UML '$umid' did not become ready ($( [ -e "$rd/failed" ] && cat "$rd/failed" || grep -m1 '^v6l-init: FAILED' "$rd/uml-console.log" || echo "timeout ${UP_TIMEOUT}s or UML exited"))"
        _isp_log "--- tail of $rd/uml-console.log"
        tail -n 25 "$rd/uml-console.log" | grep -v '^ \[<' >&2 || true
        [ -e "$rd/uml-init.log" ] && { _isp_log "--- tail of $rd/uml-init.log"; tail -n 15 "$rd/uml-init.log" >&2; }
        return 1
    fi
    pid=$(_isp_uml_pid "$rd" "$umid")
    [ -n "$pid" ] && echo "$pid" >"$rd/uml.pid"
    _isp_log "UML '$umid' ready in $(_isp_elapsed "$t0") s (pid ${pid:-?})"
}

_isp_halt() { # RUNDIR UMID
    local rd=$1 umid=$2 pid i
    pid=$(_isp_uml_pid "$rd" "$umid")
    [ -n "$pid" ] || return 0
    # uml_mconsole often gets no reply to "halt" (UML is gone first): don't wait for it.
    if [ -S "$rd/uml/$umid/mconsole" ] && command -v uml_mconsole >/dev/null; then
        (timeout 2 uml_mconsole "$rd/uml/$umid/mconsole" halt </dev/null >/dev/null 2>&1 &)
    fi
    # the host needs 1-2 s to tear down a UML process (even after SIGKILL)
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        _isp_log "UML '$umid' (pid $pid) did not halt; killing its process group"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    return 0
}

_isp_check6() { # validate the IPv6 service options
    local v
    case "$RA" in none | slaac | slaac+o | m) ;; *) _isp_die "RA=$RA: want none, slaac, slaac+o or m" ;; esac
    case "$DHCP6" in none | kea | wide) ;; *) _isp_die "DHCP6=$DHCP6: want none, kea or wide" ;; esac
    case "$RA_PREFIX_MODE" in mac | session | counter) ;; *) _isp_die "RA_PREFIX_MODE: mac, session or counter" ;; esac
    case "$RA_RENUMBER_OLD" in zero | drop) ;; *) _isp_die "RA_RENUMBER_OLD: zero or drop" ;; esac
    for v in RA_VALID RA_PREF RA_MIN_INT RA_MAX_INT RA_LIFETIME RA_MTU RA_DNS_LIFETIME PD_LEN \
        DHCP6_T1 DHCP6_T2 DHCP6_PREF DHCP6_VALID; do
        [[ "${!v}" =~ ^[0-9]+$ ]] || _isp_die "$v=${!v}: want a number"
    done
    ((RA_PREF <= RA_VALID)) || _isp_die "RA_PREF must not exceed RA_VALID"
    ((PD_LEN >= 41 && PD_LEN <= 64)) || _isp_die "PD_LEN=$PD_LEN: want 41..64"
    ((DHCP6_PREF <= DHCP6_VALID)) || _isp_die "DHCP6_PREF must not exceed DHCP6_VALID"
    [[ -z "$DHCP6_RKEY" || "$DHCP6_RKEY" =~ ^[0-9a-f]{32}$ ]] || _isp_die "DHCP6_RKEY: want 32 lower-case hex digits"
    [[ "$DHCP6_RKEY_REPLAY" =~ ^[0-9a-f]{1,16}$ ]] || _isp_die "DHCP6_RKEY_REPLAY: want 1..16 hex digits"
    if [ "$FAR_DNS" = auto ]; then
        FAR_DNS=0
        command -v dnsmasq >/dev/null && FAR_DNS=1 || _isp_log "no dnsmasq: far host without DNS (package dnsmasq-base)"
    fi
    [[ "$FAR_DNS" == [01] && "$FAR_HTTP" == [01] && "$DHCP6_RAPID" == [01] && "$V6READY" == [01] ]] ||
        _isp_die "FAR_DNS, FAR_HTTP, DHCP6_RAPID and V6READY take 0 or 1"
    case "$DHCP6_LOG" in debug | info) ;; *) _isp_die "DHCP6_LOG=$DHCP6_LOG: want debug or info" ;; esac
    [ "$V6READY" = 0 ] || [ "$DHCP6" != wide ] || _isp_die "V6READY=1 works with DHCP6=kea or none (not wide)"
    [ "$V6READY" = 0 ] || { [ "$RA" = none ] && [ "$DHCP6" = none ]; } || [ -x /usr/bin/python3 ] ||
        _isp_die "V6READY=1 needs /usr/bin/python3 (its agent)"
    [ "$RA" = none ] || [ -x /usr/sbin/radvd ] || _isp_die "RA=$RA needs /usr/sbin/radvd (package radvd)"
    [ "$DHCP6" != kea ] || [ -x /usr/sbin/kea-dhcp6 ] || _isp_die "DHCP6=kea needs kea-dhcp6 (package kea-dhcp6-server)"
    [ "$DHCP6" != wide ] || [ -x /usr/sbin/dhcp6s ] || _isp_die "DHCP6=wide needs dhcp6s (package wide-dhcpv6-server)"
    [ "$FAR_DNS" = 0 ] || command -v dnsmasq >/dev/null || _isp_die "FAR_DNS=1 needs dnsmasq (package dnsmasq-base; FAR_DNS=0 to go without)"
}

# Start a long-running far-host service in namespace NS, pid in RUNDIR/far-NAME.pid.
_isp_far_bg() { # RUNDIR NS NAME CMD...
    local rd=$1 ns=$2 name=$3
    shift 3
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            ((fd > 2)) && eval "exec $fd>&-"
        done # (a 2>/dev/null here would stay: bash's saved copy of fd 2 is among those closed)
        exec ip netns exec "$ns" "$@"
    ) </dev/null >>"$rd/far-$name.log" 2>&1 &
    echo "$! $1" >"$rd/far-$name.pid"
}

_isp_far_stop() { # RUNDIR   stop the far-host services we started (pid + command checked)
    local rd=$1 f pid comm i
    for f in "$rd"/far-*.pid; do
        [ -e "$f" ] || continue
        read -r pid comm <"$f" || true
        rm -f "$f"
        [ -n "${pid:-}" ] && [ -r "/proc/$pid/cmdline" ] || continue
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$comm" || continue
        kill -TERM "$pid" 2>/dev/null || continue
        # (an orphan stays a zombie until init reaps it: count that as gone)
        for ((i = 0; i < 40; i++)); do
            [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null || echo Z)" = Z ] && break
            sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    return 0
}

_isp_far_services() { # RUNDIR
    local rd=$1 i
    if [ "$FAR_DNS" = 1 ]; then
        ip -n "$NS_FAR" addr add "$FAR_DNS4/24" dev eth0
        ip -n "$NS_FAR" -6 addr add "$FAR_DNS6/64" dev eth0 nodad
        _isp_far_bg "$rd" "$NS_FAR" dns dnsmasq --no-daemon --conf-file=/dev/null --no-resolv \
            --no-hosts --user=root --group=root --bind-interfaces --listen-address="$FAR_DNS4" \
            --listen-address="$FAR_DNS6" --local=/isp.example/ --local-ttl=300 --log-queries \
            --log-facility="$rd/dns.log" --pid-file= \
            --host-record=host.isp.example,"$FAR_HOST4","$FAR_HOST6" \
            --host-record=v6only.isp.example,"$FAR_HOST6"
    fi
    if [ "$FAR_HTTP" = 1 ]; then
        mkdir -p "$rd/www"
        [ -e "$rd/www/index.html" ] || echo "v6link far host" >"$rd/www/index.html"
        _isp_far_bg "$rd" "$NS_FAR" http python3 -m http.server --bind :: --directory "$rd/www" 80
    fi
    # wait until they listen (dns: udp 53, http: tcp 80)
    for ((i = 0; i < 100; i++)); do
        { [ "$FAR_DNS" = 0 ] || _isp_ns "$NS_FAR" ss -Hlun "sport = :53" | grep -q .; } &&
            { [ "$FAR_HTTP" = 0 ] || _isp_ns "$NS_FAR" ss -Hltn "sport = :80" | grep -q .; } && return 0
        sleep 0.05
    done
    _isp_die "far host DNS/HTTP not listening (see $rd/far-*.log)"
}

_isp_write_env() { # FILE VAR... : shell-quoted assignments
    local f=$1 v
    shift
    for v in "$@"; do printf '%s=%q\n' "$v" "${!v}"; done >"$f"
}

# ---------------------------------------------------------------------------------------------
# isp_up runs in a subshell (library use); the CLI runs the body in its own process so that a
# signal to `isp.sh up` reaches the shell whose EXIT trap undoes a half-built set-up.
isp_up() ( _isp_up_body "$@" )
_isp_up_body() { # RUNDIR [KEY=VALUE ...]
    set -euo pipefail
    local rd kv
    rd=$(_isp_rundir "${1:-}")
    shift
    for kv in "$@"; do
        [[ "$kv" == [A-Z_]*=* ]] || _isp_die "bad option '$kv' (want KEY=VALUE)"
        export "${kv?}"
    done
    _isp_defaults
    case "$AUTH" in pap | chap | mschapv2 | none) ;; *) _isp_die "AUTH=$AUTH: want pap, chap, mschapv2 or none" ;; esac
    [[ -z "$VLAN" || ( "$VLAN" =~ ^[0-9]+$ && VLAN -ge 1 && VLAN -le 4094 ) ]] || _isp_die "VLAN=$VLAN: want 1..4094 or empty"
    [[ "$SECOND_AC" == [01] && "$KMODE" == [01] ]] || _isp_die "SECOND_AC and KMODE take 0 or 1"
    [[ "$ACC_MTU" =~ ^[0-9]+$ ]] && ((ACC_MTU >= 1280 && ACC_MTU <= 9000)) || _isp_die "ACC_MTU=$ACC_MTU: want 1280..9000"
    case "$AC_CSUM_OFFLOAD" in on | off) ;; *) _isp_die "AC_CSUM_OFFLOAD=$AC_CSUM_OFFLOAD: want on or off" ;; esac
    _isp_check6
    [[ "$ONDEMAND_MODULES" == [01] ]] || _isp_die "ONDEMAND_MODULES takes 0 or 1"
    for c in linux pppoe-server pppd ethtool tc gcc; do
        command -v "$c" >/dev/null || _isp_die "'$c' not found (see README.md for packages)"
    done
    [ -x /usr/bin/python3 ] || _isp_die "/usr/bin/python3 not found (the UML's syslog reader uses it)"
    [ -e "/usr/lib/uml/modules" ] || _isp_die "no /usr/lib/uml/modules (user-mode-linux package)"
    [ "$(id -u)" = 0 ] || _isp_die "must run as root"

    mkdir -p "$rd"
    [ -e "$rd/isp.env" ] && isp_down "$rd"
    for n in "$NS_CLI" "$NS_ISP" "$NS_FAR"; do
        [ -e "/run/netns/$n" ] && _isp_die "namespace $n exists (another ISP? 'isp.sh down RUNDIR' or set NS_CLI/NS_ISP/NS_FAR)"
    done
    rm -f "$rd"/*.log "$rd/clients.list"
    # From here on, undo everything on failure.
    _isp_write_env "$rd/isp.env" NS_CLI NS_ISP NS_FAR VLAN AC_NAME SERVICE SECOND_AC AC_NAME_B \
        SERVICE_B AUTH KMODE MAC_CLI MAC_UML0 FAR_HOST4 FAR_HOST6 ACC_MTU
    trap "rc=\$?; [ \$rc = 0 ] || isp_down '$rd'; exit \$rc" EXIT
    trap 'exit 130' INT TERM HUP
    local t0=$EPOCHREALTIME
    ip netns add "$NS_ISP"
    ip netns add "$NS_CLI"
    ip netns add "$NS_FAR"
    # The ISP namespace is pure plumbing: no IPv6 on its ports (no RS/MLD/DAD into the segment).
    _isp_ns "$NS_ISP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$NS_ISP" link set lo up
    ip -n "$NS_CLI" link set lo up
    ip -n "$NS_FAR" link set lo up
    # access segment
    ip -n "$NS_ISP" link add cli0 type veth peer name eth0 netns "$NS_CLI"
    ip -n "$NS_CLI" link set eth0 address "$MAC_CLI"
    ip -n "$NS_ISP" tuntap add dev tisp0 mode tap
    # far segment
    ip -n "$NS_ISP" link add far0 type veth peer name eth0 netns "$NS_FAR"
    ip -n "$NS_FAR" link set eth0 address "$MAC_FAR"
    ip -n "$NS_ISP" tuntap add dev tisp1 mode tap
    # the ISP side of the access segment carries ACC_MTU (the client's eth0 keeps its 1500)
    ip -n "$NS_ISP" link set cli0 mtu "$ACC_MTU"
    ip -n "$NS_ISP" link set tisp0 mtu "$ACC_MTU"
    for d in cli0 tisp0 far0 tisp1; do ip -n "$NS_ISP" link set "$d" up; done
    ip -n "$NS_CLI" link set eth0 up
    _isp_offloads_off "$NS_ISP" cli0 tisp0 far0 tisp1
    _isp_offloads_off "$NS_CLI" eth0
    _isp_offloads_off "$NS_FAR" eth0
    echo "cli0 tisp0" >"$rd/hub-acc.ports"
    _isp_hub "$NS_ISP" cli0 tisp0
    _isp_hub "$NS_ISP" far0 tisp1
    _isp_ns "$NS_FAR" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.accept_ra=0
    ip -n "$NS_FAR" link set eth0 up
    ip -n "$NS_FAR" addr add "$FAR_HOST4/24" dev eth0
    ip -n "$NS_FAR" -6 addr add "$FAR_HOST6/64" dev eth0 nodad
    ip -n "$NS_FAR" route add default via "$FAR_UML4"
    ip -n "$NS_FAR" -6 route add default via "$FAR_UML6"
    _isp_far_services "$rd"

    # what the UML init reads
    ROLE=isp UML_HOSTNAME=v6l-isp WRAP="$rd/bin/isp-pppd-wrap.sh" ISP6_HOOK="$rd/bin/isp6-hook.sh"
    _isp_write_env "$rd/uml.env" ROLE UML_HOSTNAME AUTH VLAN AC_NAME SERVICE SECOND_AC AC_NAME_B \
        SERVICE_B LOCAL4 POOL4 LOCAL4_B POOL4_B DNS4 LCP_ECHO_INTERVAL LCP_ECHO_FAILURE PPP_MTU ACC_MTU \
        PPPD_EXTRA KMODE ISP_USER ISP_PASS ISP_USER_B ISP_PASS_B FAR_UML4 FAR_UML6 WRAP UML_TRACE \
        ISP6_HOOK RA RA_VALID RA_PREF RA_PREFIX_MODE RA_RENUMBER_OLD RA_MIN_INT RA_MAX_INT \
        V6READY DHCP6_LOG ONDEMAND_MODULES \
        RA_LIFETIME RA_MTU RA_DNS_LIFETIME DHCP6 PD_LEN DHCP6_T1 DHCP6_T2 DHCP6_PREF DHCP6_VALID \
        DHCP6_RAPID DHCP6_DUID DHCP6_RKEY DHCP6_RKEY_REPLAY
    mkdir -p "$rd/ip-up.d" "$rd/ipv6-up.d" "$rd/ip-down.d" "$rd/ipv6-down.d"
    # the vector driver sizes its buffers and the device's MTU from mtu= (default 1500)
    _isp_boot "$rd" isp "$NS_ISP" isp \
        "vec0:transport=tap,ifname=tisp0,mac=$MAC_UML0$( ((ACC_MTU == 1500)) || echo ",mtu=$ACC_MTU")" \
        "vec1:transport=tap,ifname=tisp1,mac=$MAC_UML1"
    # UML may have changed tap features when it attached
    _isp_offloads_off "$NS_ISP" tisp0 tisp1
    _isp_ac_csum "$NS_ISP" cli0 tisp0
    _isp_log "ISP up in $(_isp_elapsed "$t0") s: AC '$AC_NAME' service '$SERVICE'$([ "$SECOND_AC" = 1 ] && echo " + AC '$AC_NAME_B' service '$SERVICE_B'") auth=$AUTH vlan=${VLAN:-none} kmode=$KMODE ra=$RA dhcp6=$DHCP6$([ "$DHCP6" = none ] || echo " pd_len=$PD_LEN")$([ "$V6READY" = 0 ] || echo " v6ready=1")$([ "$ONDEMAND_MODULES" = 1 ] || echo " ondemand_modules=0"); client: ip netns exec $NS_CLI ... eth0"
    trap - EXIT INT TERM HUP
}

isp_down() ( # RUNDIR   (only touches what RUNDIR/isp.env records as ours)
    set -uo pipefail
    local rd c
    rd=$(_isp_rundir "${1:-}")
    [ -e "$rd/isp.env" ] || exit 0
    # shellcheck source=/dev/null
    . "$rd/isp.env"
    if [ -e "$rd/clients.list" ]; then
        while read -r c; do [ -n "$c" ] && isp_client_down "$c"; done <"$rd/clients.list"
        rm -f "$rd/clients.list"
    fi
    _isp_halt "$rd" isp
    _isp_far_stop "$rd"
    for n in "$NS_CLI" "$NS_ISP" "$NS_FAR"; do
        [ -e "/run/netns/$n" ] && ip netns del "$n"
    done
    rm -f "$rd/isp.env" "$rd/ready" "$rd/uml.pid"
    rm -rf "$rd/ctl" "$rd/uml"
    return 0
)

isp_exec() ( # RUNDIR CMD [ARG...] | RUNDIR SCRIPT | RUNDIR -   (script on stdin)
    set -euo pipefail
    local rd id ctl rc i limit
    rd=$(_isp_rundir "${1:-}")
    shift
    (($#)) || _isp_die "exec: command missing"
    [ -e "$rd/ready" ] || _isp_die "exec: no running UML for $rd"
    ctl=$rd/ctl
    id=$(date +%s%N).$BASHPID.$RANDOM
    if [ "$1" = - ]; then
        cat >"$ctl/$id.tmp"
    elif (($# == 1)); then
        printf '%s\n' "$1" >"$ctl/$id.tmp"
    else
        printf '%q ' "$@" >"$ctl/$id.tmp"
        echo >>"$ctl/$id.tmp"
    fi
    : >"$ctl/$id.in"
    mv "$ctl/$id.tmp" "$ctl/$id.cmd"
    limit=$((${ISP_EXEC_TIMEOUT:-60} * 50))
    for ((i = 0; ; i++)); do
        [ -e "$ctl/$id.rc" ] && break
        if ((i >= limit)) || { ((i % 50 == 49)) && ! kill -0 "$(cat "$rd/uml.pid" 2>/dev/null || echo 0)" 2>/dev/null; }; then
            _isp_log "exec: no answer from the UML ($rd) for: $*"
            rm -f "$ctl/$id.cmd"
            exit 124
        fi
        sleep 0.02
    done
    cat "$ctl/$id.out"
    cat "$ctl/$id.err" >&2
    rc=$(cat "$ctl/$id.rc")
    rm -f "$ctl/$id".*
    exit "${rc:-1}"
)

isp_netem_loss() ( # RUNDIR PCT
    set -euo pipefail
    [[ "${2:-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || _isp_die "netem-loss: PCT missing"
    if [ "$2" = 0 ]; then
        isp_exec "$1" "tc qdisc del dev eth0 root 2>/dev/null; true"
    else
        isp_exec "$1" tc qdisc replace dev eth0 root netem loss "$2%"
    fi
)

isp_kill_pppd() ( # RUNDIR [SIGNAL]   prints the pids signalled; status 1 if there were none
    set -euo pipefail
    local sig=${2:-KILL}
    [[ "$sig" =~ ^[A-Z0-9]+$ ]] || _isp_die "kill-pppd: bad signal '$sig'"
    isp_exec "$1" "n=0; for f in /run/v6l/sessions/*; do p=\${f##*/}; \
[ \"\$(cat /proc/\$p/comm 2>/dev/null)\" = pppd ] || continue; kill -$sig \$p && echo \$p && n=\$((n+1)); done; [ \$n -gt 0 ]"
)

isp_padt() { isp_kill_pppd "$1" TERM; }

isp_sessions() ( # RUNDIR
    set -euo pipefail
    isp_exec "$1" "for f in /run/v6l/sessions/*; do p=\${f##*/}; \
[ \"\$(cat /proc/\$p/comm 2>/dev/null)\" = pppd ] && cat \$f; done; true"
)

isp_wait_event() ( # RUNDIR REGEX [SECONDS [COUNT]]  prints the COUNT-th matching line
    set -euo pipefail
    local rd i n secs=${3:-30} count=${4:-1}
    rd=$(_isp_rundir "${1:-}")
    for ((i = 0; i < secs * 20; i++)); do
        n=$(grep -c -E -- "$2" "$rd/events.log" 2>/dev/null) || true
        if ((${n:-0} >= count)); then
            grep -E -- "$2" "$rd/events.log" | sed -n "${count}p"
            exit 0
        fi
        sleep 0.05
    done
    _isp_log "no event matching '$2' (#$count) within $secs s"
    exit 1
)

isp_status() ( # RUNDIR
    set -uo pipefail
    local rd pid
    rd=$(_isp_rundir "${1:-}")
    [ -e "$rd/isp.env" ] || { echo "down"; exit 3; }
    # shellcheck source=/dev/null
    . "$rd/isp.env"
    pid=$(_isp_uml_pid "$rd" isp)
    echo "uml: $([ -n "$pid" ] && echo "running, pid $pid" || echo "not running"); ready: $([ -e "$rd/ready" ] && echo yes || echo no)"
    echo "namespaces: $NS_CLI (client eth0) $NS_ISP (hub) $NS_FAR (far host $FAR_HOST4 $FAR_HOST6)"
    echo "AC '$AC_NAME' service '$SERVICE'$([ "$SECOND_AC" = 1 ] && echo "; AC '$AC_NAME_B' service '$SERVICE_B'") auth=$AUTH vlan=${VLAN:-none} kmode=$KMODE"
    [ -n "$pid" ] && [ -e "$rd/ready" ] && { echo "sessions:"; isp_sessions "$rd"; }
    true
)

isp_ra_renumber() ( # RUNDIR NEWPREFIX/64 [IFNAME]
    set -euo pipefail
    [ -n "${2:-}" ] || _isp_die "ra-renumber: NEWPREFIX missing"
    isp_exec "$1" bash "$(_isp_rundir "$1")/bin/isp6-hook.sh" ra-renumber "$2" ${3:+"$3"}
)
isp_dhcp6_renumber() ( # RUNDIR
    set -euo pipefail
    isp_exec "$1" bash "$(_isp_rundir "$1")/bin/isp6-hook.sh" dhcp6-renumber
)
isp_ipv6() ( # RUNDIR
    set -euo pipefail
    isp_exec "$1" bash "$(_isp_rundir "$1")/bin/isp6-hook.sh" show
)

# A second, bare UML on the access segment, e.g. to run pppd as an independent client.
isp_client_up() ( # CRUNDIR ISPRUNDIR
    set -euo pipefail
    local crd rd n tap ports
    crd=$(_isp_rundir "${1:-}")
    rd=$(_isp_rundir "${2:-}")
    [ -e "$rd/isp.env" ] || _isp_die "client-up: no ISP at $rd"
    # shellcheck source=/dev/null
    . "$rd/isp.env"
    _isp_defaults
    mkdir -p "$crd"
    [ -e "$crd/client.env" ] && isp_client_down "$crd"
    n=0
    while ip -n "$NS_ISP" link show "tcl$n" >/dev/null 2>&1; do n=$((n + 1)); done
    tap=tcl$n
    ip -n "$NS_ISP" tuntap add dev "$tap" mode tap
    ip -n "$NS_ISP" link set "$tap" mtu "${ACC_MTU:-1500}"
    ip -n "$NS_ISP" link set "$tap" up
    _isp_offloads_off "$NS_ISP" "$tap"
    ISP_RUNDIR=$rd TAP=$tap
    _isp_write_env "$crd/client.env" ISP_RUNDIR TAP NS_ISP
    echo "$crd" >>"$rd/clients.list"
    read -r -a ports <"$rd/hub-acc.ports"
    ports+=("$tap")
    echo "${ports[*]}" >"$rd/hub-acc.ports"
    _isp_hub "$NS_ISP" "${ports[@]}"
    ROLE=client UML_HOSTNAME=v6l-client$n
    rm -f "$crd"/*.log
    _isp_write_env "$crd/uml.env" ROLE UML_HOSTNAME ISP_USER ISP_PASS ISP_USER_B ISP_PASS_B
    if ! _isp_boot "$crd" "cl$n" "$NS_ISP" client \
        "vec0:transport=tap,ifname=$tap,mac=02:76:36:00:00:$((20 + n))"; then
        isp_client_down "$crd"
        exit 1
    fi
    _isp_offloads_off "$NS_ISP" "$tap"
)

isp_client_down() ( # CRUNDIR
    set -uo pipefail
    local crd umid ports p keep
    crd=$(_isp_rundir "${1:-}")
    [ -e "$crd/client.env" ] || exit 0
    # shellcheck source=/dev/null
    . "$crd/client.env"
    umid=cl${TAP#tcl}
    _isp_halt "$crd" "$umid"
    if [ -e "$ISP_RUNDIR/hub-acc.ports" ]; then
        read -r -a ports <"$ISP_RUNDIR/hub-acc.ports"
        keep=()
        for p in "${ports[@]}"; do [ "$p" = "$TAP" ] || keep+=("$p"); done
        echo "${keep[*]}" >"$ISP_RUNDIR/hub-acc.ports"
        ip -n "$NS_ISP" link del "$TAP" 2>/dev/null
        _isp_hub "$NS_ISP" "${keep[@]}" 2>/dev/null
        [ -e "$ISP_RUNDIR/clients.list" ] && sed -i "\\|^$crd\$|d" "$ISP_RUNDIR/clients.list"
    fi
    rm -f "$crd/client.env" "$crd/ready" "$crd/uml.pid"
    rm -rf "$crd/ctl" "$crd/uml"
    return 0
)

# ---------------------------------------------------------------------------------------------
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    cmd=${1:-help}
    shift || true
    case "$cmd" in
        up) _isp_up_body "$@" ;;
        down) isp_down "$@" ;;
        exec) isp_exec "$@" ;;
        netem-loss) isp_netem_loss "$@" ;;
        kill-pppd) isp_kill_pppd "$@" ;;
        padt) isp_padt "$@" ;;
        sessions) isp_sessions "$@" ;;
        wait-event) isp_wait_event "$@" ;;
        status) isp_status "$@" ;;
        client-up) isp_client_up "$@" ;;
        client-down) isp_client_down "$@" ;;
        ra-renumber) isp_ra_renumber "$@" ;;
        dhcp6-renumber) isp_dhcp6_renumber "$@" ;;
        ipv6) isp_ipv6 "$@" ;;
        help | -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" ;;
        *) _isp_die "unknown command '$cmd' (try: isp.sh help)" ;;
    esac
fi
