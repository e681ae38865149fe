#!/bin/bash
# selftest.sh - prove the test ISP (isp.sh) works, independently of v6link.
#
#   tests/interop/selftest.sh [SCENARIO ...]      (root; default: all scenarios)
#
# Scenarios (each boots a fresh ISP, and for sessions a second UML running pppd as the client,
# attached to the same access segment as v6l-cli's eth0):
#   basic   AUTH=pap: pppoe-discovery from v6l-cli; pppd session; IPv4 + IPv6 (via an
#           ipv6-up.d hook) ping to the far host; server LCP echo; padt; kill-pppd; netem loss
#   multi   SECOND_AC=1 AUTH=chap: both PADOs; service filter; session to AC b (user v6lbiz)
#   vlan    VLAN=7 AUTH=mschapv2: untagged discovery gets nothing, a tagged PADI from v6l-cli
#           (pppoe-probe.py) gets PADOs; pppd session over eth0.7 in the client UML
#   umode   KMODE=0: a session through pppoe-server's user-mode relay
#   ipv6    RA=slaac+o DHCP6=kea PD_LEN=60, short timers: RA flags/options (rdisc6), SLAAC address,
#           dhcp6c gets IA_NA + IA_PD, ping/HTTP/DNS with the far host, Renew after T1,
#           ra-renumber (new /64 arrives, old one deprecated), redial -> same delegated prefix
#   wide    RA=m DHCP6=wide PD_LEN=48 (DUID known to dhcp6s): M flag without A, IA_NA + IA_PD, ping
# Env: SELFTEST_DIR (default /tmp/v6l-selftest); NS_CLI, NS_ISP, NS_FAR as for isp.sh (use other
# names to run beside another ISP).  Exit status 0 when every check passed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=isp.sh
source "$HERE/isp.sh"
BASE=${SELFTEST_DIR:-/tmp/v6l-selftest}
ISP=$BASE/isp
CL=$BASE/cl
export NS_CLI=${NS_CLI:-v6l-cli} NS_ISP=${NS_ISP:-v6l-isp} NS_FAR=${NS_FAR:-v6l-far}
FAILS=0
TSHARK_PID=''

cleanup() {
    [ -n "$TSHARK_PID" ] && kill "$TSHARK_PID" 2>/dev/null && wait "$TSHARK_PID" 2>/dev/null
    isp_down "$ISP" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
ok() { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; FAILS=$((FAILS + 1)); }
check() { # DESCRIPTION CMD...
    local d=$1
    shift
    if "$@" >"$BASE/check.out" 2>&1; then ok "$d"; else bad "$d"; sed 's/^/        /' "$BASE/check.out" | tail -n 15; fi
}
not() { ! "$@"; }
match() { # DESCRIPTION REGEX TEXT
    if [[ "$3" =~ $2 ]]; then ok "$1"; else bad "$1 (want /$2/)"; echo "        $3" | cut -c1-600; fi
}
check_out() { # DESCRIPTION REGEX CMD...   (CMD's output must match REGEX)
    local d=$1 re=$2
    shift 2
    "$@" >"$BASE/check.out" 2>&1 || true
    if grep -Eq -- "$re" "$BASE/check.out"; then ok "$d"; else bad "$d (want /$re/)"; sed 's/^/        /' "$BASE/check.out" | tail -n 15; fi
}

isp_start() { # options...
    local t0
    isp_down "$ISP" >/dev/null 2>&1 || true
    t0=$(now)
    if isp_up "$ISP" "$@" 2>"$BASE/up.err"; then
        ok "isp.sh up $* ($(since "$t0") s)"
    else
        bad "isp.sh up $*"
        cat "$BASE/up.err"
        return 1
    fi
}

client_start() {
    local t0
    t0=$(now)
    if isp_client_up "$CL" "$ISP" 2>"$BASE/cl.err"; then ok "client UML up ($(since "$t0") s)"; else
        bad "client UML up"
        cat "$BASE/cl.err"
        return 1
    fi
}

# pppd client in the client UML; returns once IPCP is up (updetach)
client_dial() { # IF USER [pppd options...]
    local ifn=$1 user=$2 t0
    shift 2
    t0=$(now)
    if isp_exec "$CL" pppd plugin rp-pppoe.so "nic-$ifn" user "$user" noauth +ipv6 noipdefault \
        defaultroute mtu 1492 mru 1492 lcp-echo-interval 1 lcp-echo-failure 3 persist maxfail 0 \
        holdoff 1 updetach debug logfile "$CL/pppd.log" "$@" >"$BASE/dial.out" 2>&1; then
        ok "pppd client session up on $ifn as $user ($(since "$t0") s to IPCP)"
    else
        bad "pppd client session on $ifn as $user"
        tail -n 20 "$CL/pppd.log" | sed 's/^/        /'
        return 1
    fi
}

capture_start() {
    rm -f "$BASE/cap.pcapng"
    ip netns exec "$NS_CLI" tshark -q -i eth0 -w "$BASE/cap.pcapng" >/dev/null 2>&1 &
    TSHARK_PID=$!
    for _ in $(seq 100); do [ -s "$BASE/cap.pcapng" ] && break; sleep 0.05; done
    sleep 0.3
}
capture_stop() {
    sleep 0.3
    kill "$TSHARK_PID" 2>/dev/null || true
    wait "$TSHARK_PID" 2>/dev/null || true
    TSHARK_PID=''
}
# PPPoE discovery and LCP packets of the capture, one Info column per line, joined with '|'
decode() { tshark -r "$BASE/cap.pcapng" -Y 'pppoed or lcp' -T fields -e _ws.col.Info 2>/dev/null | tr '\n' '|'; }

ipv6_hook() { # install an ipv6-up hook that routes 2001:db8:100::/64 to the session
    cat >"$ISP/ipv6-up.d/10-selftest.sh" <<'EOF'
# args: IFNAME TTY SPEED LOCAL-LL REMOTE-LL IPPARAM
ip -6 addr add 2001:db8:100::1/64 dev "$1"
EOF
}

client_ipv6() {
    isp_wait_event "$ISP" ' ipv6-up ' 10 >/dev/null
    isp_exec "$CL" "ip -6 addr add 2001:db8:100::2/64 dev ppp0 nodad && ip -6 route add default dev ppp0"
}

sc_basic() {
    echo "== basic: AUTH=pap, discovery, session, IPv4/IPv6 to the far host, padt, kill-pppd, netem"
    isp_start AUTH=pap || return 0
    d=$(ip netns exec "$NS_CLI" pppoe-discovery -I eth0 -t 1 -a 1 2>&1 || true)
    match "pppoe-discovery sees AC v6l-isp-a" 'Access-Concentrator: v6l-isp-a' "$d"
    match "... with service internet" 'Service-Name: internet' "$d"
    ipv6_hook
    client_start || return 0
    capture_start
    client_dial eth0 v6luser || { capture_stop; return 0; }
    check_out "ISP ip-up event with the pool address" ' ip-up ppp[0-9]+ eth0 .* 100\.64\.0\.1 100\.64\.0\.10 a ' \
        isp_wait_event "$ISP" ' ip-up ' 5
    check_out "ISP ipv6-up event, server link-local fe80::1" ' ipv6-up ppp[0-9]+ .*fe80::0*:0*:0*:0*1 ' \
        isp_wait_event "$ISP" ' ipv6-up ' 5
    check "ipv6-up.d hook ran" grep -q '10-selftest.sh' "$ISP/hooks.log"
    check "ISP's pppd asked for PAP and accepted it" grep -q 'PAP peer authentication succeeded for v6luser' "$ISP/pppd.log"
    check "kernel-mode session (rp-pppoe plugin in the ISP's pppd)" grep -q 'kmode=1 args=plugin rp-pppoe.so' "$ISP/events.log"
    check "ping 203.0.113.10 (far host) through the session" isp_exec "$CL" ping -c 3 -i 0.2 -W 2 203.0.113.10
    client_ipv6
    check "ping 2001:db8:f::10 (far host) through the session" isp_exec "$CL" ping -6 -c 3 -i 0.2 -W 2 2001:db8:f::10
    check "far host reaches the client (ping 100.64.0.10)" ip netns exec "$NS_FAR" ping -c 2 -i 0.2 -W 2 100.64.0.10
    check "1400-byte DF ping fits (MTU 1492)" isp_exec "$CL" ping -c 2 -i 0.2 -W 2 -M do -s 1400 203.0.113.10
    check_out "isp.sh sessions lists the session" 'session=1:02:76:36:00:00:2' isp_sessions "$ISP"
    sleep 1.5
    capture_stop
    match "server sends LCP Echo-Requests (interval 1 s)" 'Echo Request.*Echo Request' "$(decode)"
    capture_start
    check "isp.sh padt" isp_padt "$ISP"
    isp_wait_event "$ISP" ' ip-up ' 15 2 >/dev/null || true
    capture_stop
    match "padt: LCP Terminate-Request, then PADT, then the client redials" \
        'Termination Request.*Terminate \(PADT\).*Initiation \(PADI\)' "$(decode)"
    check "client got a new session after padt" isp_wait_event "$ISP" ' ip-up ' 1 2
    capture_start
    check "isp.sh kill-pppd" isp_kill_pppd "$ISP"
    isp_wait_event "$ISP" ' ip-up ' 15 3 >/dev/null || true
    capture_stop
    d=$(decode)
    match "kill-pppd: PADT, then the client redials" 'Terminate \(PADT\).*Initiation \(PADI\)' "$d"
    match "kill-pppd: no LCP Terminate-Request before the PADT" '^0$' \
        "$(grep -c 'Termination Request' <<<"${d%%Terminate (PADT)*}" || true)"
    check "client got a new session after kill-pppd" isp_wait_event "$ISP" ' ip-up ' 1 3
    check_out "pppd-exit event for the killed pppd" 'pppd-exit .* status=137' isp_wait_event "$ISP" ' pppd-exit ' 1 2
    check "isp.sh netem-loss 100" isp_netem_loss "$ISP" 100
    check "silent ISP: client ping fails" not isp_exec "$CL" ping -c 2 -i 0.2 -W 1 203.0.113.10
    check "silent ISP: the ISP's pppd gives up after missed LCP echoes" isp_wait_event "$ISP" ' pppd-exit ' 10 3
    check "isp.sh netem-loss 0" isp_netem_loss "$ISP" 0
    check "client redials after the ISP comes back" isp_wait_event "$ISP" ' ip-up ' 20 4
    isp_client_down "$CL"
}

sc_multi() {
    echo "== multi: SECOND_AC=1 AUTH=chap"
    isp_start SECOND_AC=1 AUTH=chap || return 0
    d=$(ip netns exec "$NS_CLI" pppoe-discovery -I eth0 -t 1 -a 1 2>&1 || true)
    match "pppoe-discovery sees v6l-isp-a" 'Access-Concentrator: v6l-isp-a' "$d"
    match "... and v6l-isp-b with service business" 'Access-Concentrator: v6l-isp-b[[:space:]]+Service-Name: business' "$d"
    check_out "PADI for service 'business' gets a PADO from v6l-isp-b" '^PADO ac=v6l-isp-b services=business ' \
        ip netns exec "$NS_CLI" "$HERE/pppoe-probe.py" --timeout 1 --service business
    match "... and not from v6l-isp-a" '^0$' "$(grep -c v6l-isp-a "$BASE/check.out" || true)"
    client_start || return 0
    check "wrong CHAP password is refused" not isp_exec "$CL" pppd plugin rp-pppoe.so nic-eth0 rp_pppoe_ac v6l-isp-a \
        user v6luser password wrong-secret noauth noipdefault nodetach maxfail 1 logfile "$CL/pppd-bad.log"
    check "... by the ISP (AC a)" grep -q 'Peer v6luser failed CHAP authentication' "$ISP/pppd.log"
    client_dial eth0 v6lbiz rp_pppoe_ac v6l-isp-b rp_pppoe_service business || return 0
    check "ISP's pppd asked for CHAP-MD5" grep -q 'sent \[LCP ConfReq .*<auth chap MD5>' "$ISP/pppd.log"
    check_out "CHAP session on AC b gets 100.64.1.10 from 100.64.1.1" ' ip-up ppp[0-9]+ eth0 .* 100\.64\.1\.1 100\.64\.1\.10 b .*peer=v6lbiz' \
        isp_wait_event "$ISP" ' ip-up ' 5
    check_out "session id from AC b's range (1001..)" 'session=100[1-9]:' isp_sessions "$ISP"
    check "ping 203.0.113.10 through AC b" isp_exec "$CL" ping -c 3 -i 0.2 -W 2 203.0.113.10
    isp_client_down "$CL"
}

sc_vlan() {
    echo "== vlan: VLAN=7 AUTH=mschapv2"
    isp_start VLAN=7 AUTH=mschapv2 || return 0
    check "untagged PADI: no PADO" not ip netns exec "$NS_CLI" pppoe-discovery -I eth0 -t 1 -a 1
    check "PADI tagged with VLAN 8: no PADO" not ip netns exec "$NS_CLI" "$HERE/pppoe-probe.py" --timeout 1 --vlan 8
    check_out "PADI tagged with VLAN 7: PADO (socket bound to 0x8863: OTHERHOST, no tag info)" \
        'PADO ac=v6l-isp-a services=internet .* vlan=none pkt_type=OTHERHOST' \
        ip netns exec "$NS_CLI" "$HERE/pppoe-probe.py" --timeout 1 --vlan 7
    check_out "same, ETH_P_ALL socket: tag 7 in PACKET_AUXDATA" \
        'PADO ac=v6l-isp-a services=internet .* vlan=7 pkt_type=HOST' \
        ip netns exec "$NS_CLI" "$HERE/pppoe-probe.py" --timeout 1 --vlan 7 --bind all
    client_start || return 0
    isp_exec "$CL" "ip link add link eth0 name eth0.7 type vlan id 7 && ip link set eth0.7 up"
    client_dial eth0.7 v6luser || return 0
    check "ISP's pppd asked for MS-CHAPv2" grep -q 'sent \[LCP ConfReq .*<auth chap MS-v2>' "$ISP/pppd.log"
    check_out "MS-CHAPv2 session over eth0.7" ' ip-up ppp[0-9]+ eth0\.7 .*peer=v6luser' isp_wait_event "$ISP" ' ip-up ' 5
    check "ping 203.0.113.10 over the tagged session" isp_exec "$CL" ping -c 3 -i 0.2 -W 2 203.0.113.10
    isp_client_down "$CL"
}

# --- IPv6 services (isp.sh RA= DHCP6=); the client UML's MAC 02:76:36:00:00:20 -> RA prefix
# 2001:db8:100:20::/64 (RA_PREFIX_MODE=mac); dhcp6c's DUID is fixed to DUID-LL of that MAC.
CL_DUID=00:03:00:01:02:76:36:00:00:20
client_dhcp6c() { # PD-SLA-LEN   wide's dhcp6c on ppp0 in the client UML (IA_NA + IA_PD)
    printf '%s\n' "interface ppp0 { send ia-na 0; send ia-pd 0; request domain-name-servers; request domain-name; };" \
        "id-assoc na 0 { };" "id-assoc pd 0 { prefix-interface eth0 { sla-id 1; sla-len $1; }; };" >"$CL/dhcp6c.conf"
    # dhcp6c_duid: 2-byte length (host order) + DUID
    printf '\012\000\000\003\000\001\002\166\066\000\000\040' >"$CL/dhcp6c_duid"
    isp_exec "$CL" "mountpoint -q /var/lib/dhcpv6 || mount -t tmpfs d /var/lib/dhcpv6
cp $CL/dhcp6c_duid /var/lib/dhcpv6/dhcp6c_duid
(dhcp6c -c $CL/dhcp6c.conf -p /run/dhcp6c.pid -f -d -D ppp0 </dev/null >>$CL/dhcp6c.log 2>&1 &)"
}
wait_cl() { # SECS SCRIPT   poll a condition in the client UML
    local i
    for ((i = 0; i < $1 * 2; i++)); do isp_exec "$CL" "$2" >/dev/null 2>&1 && return 0; sleep 0.5; done
    isp_exec "$CL" "$2"
}
client_v6_dial() {
    client_start || return 1
    isp_exec "$CL" sysctl -qw net.ipv6.conf.default.accept_ra=2 net.ipv6.conf.all.accept_ra=2
    client_dial eth0 v6luser
}
wait_host() { # SECS CMD...
    local i n=$1
    shift
    for ((i = 0; i < n * 2; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
    "$@"
}
rdisc() { isp_exec "$CL" rdisc6 -1 -w 1500 ppp0 2>&1 | tr '\n' ' '; }

sc_ipv6() {
    echo "== ipv6: RA=slaac+o DHCP6=kea PD_LEN=60, T1 4 s"
    local t0 slaac ra
    isp_start RA=slaac+o DHCP6=kea PD_LEN=60 DHCP6_T1=4 DHCP6_T2=6 DHCP6_PREF=10 DHCP6_VALID=20 \
        RA_VALID=600 RA_PREF=300 || return 0
    check_out "far host DNS: host.isp.example AAAA" '^2001:db8:f::10$' \
        ip netns exec "$NS_FAR" dig +short +time=1 @2001:db8:f::53 host.isp.example AAAA
    client_v6_dial || return 0
    t0=$(now)
    check "SLAAC address from 2001:db8:100:20::/64" wait_cl 10 "ip -6 addr show dev ppp0 | grep -q 'inet6 2001:db8:100:20:'"
    ok "... $(since "$t0") s after IPCP"
    ra=$(rdisc)
    match "RA from fe80::1" ' from fe80::1 ' "$ra"
    match "... M=0 O=1, router lifetime 1800" 'Stateful address conf\.[ :]*No Stateful other conf\.[ :]*Yes .*Router lifetime[ :]*1800 ' "$ra"
    match "... prefix 2001:db8:100:20::/64 A=1 valid 600 preferred 300" 'Prefix[ :]*2001:db8:100:20::/64 +On-link[ :]*Yes +Autonomous address conf\.[ :]*Yes +Valid time[ :]*600 .*Pref\. time[ :]*300 ' "$ra"
    match "... RDNSS 2001:db8:f::53, DNSSL isp.example, MTU 1492" 'Recursive DNS server[ :]*2001:db8:f::53 .*DNS search list[ :]*isp\.example .*MTU[ :]*1492 ' "$ra"
    slaac=$(isp_exec "$CL" ip -6 addr show dev ppp0 | sed -n 's|.*inet6 \(2001:db8:100:20:[^/]*\)/.*|\1|p' | head -1)
    check "ping -6 2001:db8:f::10 from the SLAAC address" isp_exec "$CL" ping -6 -c 2 -i 0.2 -W 2 -I "$slaac" 2001:db8:f::10
    t0=$(now)
    client_dhcp6c 4
    check "dhcp6c: IA_NA 2001:db8:200::1000 from Kea" wait_cl 10 "ip -6 addr show dev ppp0 | grep -q 'inet6 2001:db8:200::1000/'"
    check "dhcp6c: IA_PD 2001:db8:8000::/60 -> 2001:db8:8000:1::/64 on eth0" \
        wait_cl 10 "ip -6 addr show dev eth0 | grep 'inet6 2001:db8:8000:1:' | grep -vq tentative"
    ok "... $(since "$t0") s after dhcp6c start"
    check_out "Kea lease file: the /60 for the client's DUID" "^2001:db8:8000::,$CL_DUID,.*,2,0,60," cat "$ISP/kea-leases6.csv"
    check "ping -6 from the delegated prefix" isp_exec "$CL" ping -6 -c 2 -i 0.2 -W 2 -I 2001:db8:8000:1:76:36ff:fe00:20 2001:db8:f::10
    check "far host pings the IA_NA address and the delegated prefix" ip netns exec "$NS_FAR" \
        sh -c 'ping -c 1 -W 2 2001:db8:200::1000 && ping -c 1 -W 2 2001:db8:8000:1:76:36ff:fe00:20'
    check_out "DNS (v6) from the client: host.isp.example AAAA" '^2001:db8:f::10$' isp_exec "$CL" dig +short +time=1 @2001:db8:f::53 host.isp.example AAAA
    check_out "DNS (v4, the IPCP DNS) from the client: host.isp.example A" '^203\.0\.113\.10$' isp_exec "$CL" dig +short +time=1 @203.0.113.53 host.isp.example A
    check_out "HTTP to [2001:db8:f::10] from the delegated address" 'v6link far host' isp_exec "$CL" \
        curl -sS -m 3 --interface 2001:db8:8000:1:76:36ff:fe00:20 'http://[2001:db8:f::10]/'
    check_out "isp.sh ra-renumber" '^ppp[0-9]+ 2001:db8:100:77::/64$' isp_ra_renumber "$ISP" 2001:db8:100:77::/64
    check "new SLAAC address from 2001:db8:100:77::/64" wait_cl 8 "ip -6 addr show dev ppp0 | grep -q 'inet6 2001:db8:100:77:'"
    check "old 2001:db8:100:20:: address deprecated (preferred 0)" wait_cl 4 \
        "ip -6 addr show dev ppp0 | grep -A1 'inet6 2001:db8:100:20:' | grep -q 'preferred_lft 0sec'"
    # wide's dhcp6c raises T1 4 -> 18 s (T2 6 -> 30): its first Renew comes ~18 s after the Reply
    check "Kea: Renew of the /60 (dhcp6c: T1 4 s, raised to 18 s)" wait_host 20 grep -q 'DHCP6_PD_LEASE_RENEW.*2001:db8:8000::/60' "$ISP/kea-dhcp6.log"
    # redial: same DUID/IAID -> same delegated prefix (dhcp6c killed: no Release)
    isp_exec "$CL" 'kill -KILL $(cat /run/dhcp6c.pid); ip -6 addr flush dev eth0 scope global' || true
    check "isp.sh padt" isp_padt "$ISP"
    check "client redials (ipv6-up #2)" isp_wait_event "$ISP" ' ipv6-up ' 20 2
    client_dhcp6c 4
    check "after the redial: the same prefix 2001:db8:8000::/60" \
        wait_cl 10 "ip -6 addr show dev eth0 | grep 'inet6 2001:db8:8000:1:' | grep -vq tentative"
    isp_client_down "$CL"
}

sc_wide() {
    echo "== wide: RA=m DHCP6=wide PD_LEN=48"
    isp_start RA=m DHCP6=wide PD_LEN=48 DHCP6_DUID=$CL_DUID || return 0
    client_v6_dial || return 0
    match "RA: M=1 O=1, prefix A=0" 'Stateful address conf\.[ :]*Yes Stateful other conf\.[ :]*Yes .*Prefix[ :]*2001:db8:100:20::/64 +On-link[ :]*Yes +Autonomous address conf\.[ :]*No ' \
        "$(rdisc)"
    client_dhcp6c 16
    check "dhcp6s: IA_NA 2001:db8:200::1fff (static, with the DUID's prefix)" wait_cl 10 "ip -6 addr show dev ppp0 | grep -q 'inet6 2001:db8:200::1fff/'"
    check "dhcp6s: IA_PD 2001:db8:8000::/48 -> 2001:db8:8000:1::/64 on eth0" \
        wait_cl 10 "ip -6 addr show dev eth0 | grep 'inet6 2001:db8:8000:1:' | grep -vq tentative"
    check "no SLAAC address (A=0)" not isp_exec "$CL" "ip -6 addr show dev ppp0 | grep -q 'inet6 2001:db8:100:'"
    check "ping -6 from the delegated prefix" isp_exec "$CL" ping -6 -c 2 -i 0.2 -W 2 -I 2001:db8:8000:1:76:36ff:fe00:20 2001:db8:f::10
    isp_client_down "$CL"
}

sc_umode() {
    echo "== umode: KMODE=0 (pppoe-server's user-mode relay)"
    isp_start KMODE=0 || return 0
    client_start || return 0
    client_dial eth0 v6luser || return 0
    check "user-mode session (pty + pppoe relay)" grep -q 'kmode=0 args=pty' "$ISP/events.log"
    check "ping 203.0.113.10 through the user-mode session" isp_exec "$CL" ping -c 3 -i 0.2 -W 2 203.0.113.10
    isp_client_down "$CL"
}

[ "$(id -u)" = 0 ] || { echo "selftest.sh: run as root" >&2; exit 2; }
mkdir -p "$BASE"
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(basic multi vlan umode ipv6 wide)
T0=$(now)
for s in "${scenarios[@]}"; do
    declare -F "sc_$s" >/dev/null || { echo "selftest.sh: unknown scenario '$s'" >&2; exit 2; }
    "sc_$s"
    isp_down "$ISP" >/dev/null 2>&1 || true
done
echo "== $([ "$FAILS" = 0 ] && echo PASS || echo "FAIL ($FAILS)") in $(since "$T0") s"
[ "$FAILS" = 0 ]
