#!/bin/bash
# PID 1 of a User-Mode Linux instance started by isp.sh (never run this on the host).
#
# The kernel command line carries v6l_rundir=DIR (the run folder, same path on host and in
# UML); everything else comes from DIR/uml.env, written by isp.sh.  Roles (v6l_role):
#   isp     pppoe-server(s) + pppd sessions on eth0 (or eth0.VLAN), routing to eth1 (far host)
#   client  bare box with PPP modules, used by selftest.sh as an independent PPPoE client
# Both roles run the same control loop: the host drops DIR/ctl/ID.cmd, we run it and leave
# ID.out, ID.err and ID.rc (written last).  Readiness: DIR/ready (or DIR/failed + reason).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C

RUNDIR=${v6l_rundir:-}
log() { echo "v6l-init: $*"; }
fail() {
    log "FAILED: $*"
    [ -n "$RUNDIR" ] && [ -d "$RUNDIR" ] && echo "$*" >"$RUNDIR/failed"
    exec sleep infinity   # PID 1 must not exit; the host halts us
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mountpoint -q /dev || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs shm /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=755 run /run
mkdir -p /run/lock /run/v6l/sessions /run/v6l/rundir
[ -n "$RUNDIR" ] || fail "no v6l_rundir= on the kernel command line"
# RUNDIR (writable, from the host) appears at its host path, also when that path is under
# /tmp or /run, which get their own tmpfs here.
mount -t hostfs -o "$RUNDIR" hostfs /run/v6l/rundir || fail "cannot mount $RUNDIR from the host"
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=700 root /root
mkdir -p "$RUNDIR" 2>/dev/null
mount --bind /run/v6l/rundir "$RUNDIR" || fail "cannot bind $RUNDIR"
# shellcheck source=/dev/null
. "$RUNDIR/uml.env" || fail "cannot read $RUNDIR/uml.env"
echo "RUNDIR=$RUNDIR" >/run/v6l/env
exec >>"$RUNDIR/uml-init.log" 2>&1
[ "${UML_TRACE:-0}" = 1 ] && { PS4='+ $EPOCHREALTIME '; set -x; }
log "start $(date +%s.%N) role=$ROLE kernel=$(uname -r)"
hostname "$UML_HOSTNAME"

# --- kernel modules: the UML modules live in /usr/lib/uml/modules/VER on the (read-only) host
# root; give modprobe a root dir whose lib/modules/VER points there, and make the kernel's own
# module requests use it too.
kver=$(uname -r)
mkdir -p /run/v6l/modroot/lib/modules
ln -s "/usr/lib/uml/modules/$kver" "/run/v6l/modroot/lib/modules/$kver"
printf '#!/bin/sh\nexec /sbin/modprobe -d /run/v6l/modroot "$@"\n' >/run/v6l/modprobe
chmod +x /run/v6l/modprobe
echo /run/v6l/modprobe >/proc/sys/kernel/modprobe
for m in ipv6 ppp_generic pppoe 8021q sch_netem; do
    /run/v6l/modprobe "$m" || fail "modprobe $m"
done

# --- syslog: pppoe-server only logs there; a tiny /dev/log reader into RUNDIR/syslog.log
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
f = open(sys.argv[1], "ab", 0)
while True:
    d = s.recv(65536)
    f.write(b"%.3f " % time.time() + d.rstrip(b"\0\n") + b"\n")
' "$RUNDIR/syslog.log" </dev/null >/dev/null 2>&1 &

# --- networking
sysctl -qw net.ipv6.conf.default.accept_dad=0
ip link set lo up
# the vector driver names its devices vec0, vec1, ...
for d in /sys/class/net/vec*; do
    [ -e "$d" ] && ip link set "${d##*/}" name "eth${d##*/vec}"
done
ip link set eth0 up
if [ "$ROLE" = isp ]; then
    # The access port speaks PPPoE only: no IPv6 (no MLD/NS/RS noise towards the client).
    sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
    # ACC_MTU (isp.sh): the vector driver took it from its mtu= argument; pppoe-server reads
    # its interface's MTU once at start and grants PPP-Max-Payload up to that MTU - 8.
    mtu=$(cat /sys/class/net/eth0/mtu)
    [ "$mtu" = "${ACC_MTU:-1500}" ] || ip link set eth0 mtu "${ACC_MTU:-1500}" ||
        fail "eth0 mtu $mtu, ACC_MTU=${ACC_MTU:-1500} refused"
    ACC_IF=eth0
    if [ -n "${VLAN:-}" ]; then
        ACC_IF=eth0.$VLAN
        ip link add link eth0 name "$ACC_IF" type vlan id "$VLAN" || fail "vlan $VLAN"
        sysctl -qw "net.ipv6.conf.$ACC_IF.disable_ipv6=1"
        ip link set "$ACC_IF" up
    fi
    sysctl -qw net.ipv4.ip_forward=1
    sysctl -qw net.ipv6.conf.all.forwarding=1
    sysctl -qw net.ipv6.conf.default.forwarding=1
    # IPv6 services per session (isp.sh up RA= DHCP6=): isp6-hook.sh from the ipv6-up/down scripts
    if [ "${RA:-none}" != none ] || [ "${DHCP6:-none}" != none ]; then
        echo "ISP6_HOOK=$ISP6_HOOK" >>/run/v6l/env
        # wide's dhcp6s keeps its DUID in /var/lib/dhcpv6 (read-only host root here)
        [ "${DHCP6:-none}" = wide ] && mount -t tmpfs dhcpv6 /var/lib/dhcpv6
    fi
    ip link set eth1 up
    ip addr add "$FAR_UML4/24" dev eth1
    ip -6 addr add "$FAR_UML6/64" dev eth1 nodad
    echo "ACC_IF=$ACC_IF" >>/run/v6l/env
fi

# --- /etc/ppp: a writable copy bind-mounted over the read-only host one
mkdir -p /run/v6l/etc-ppp
cp -a /etc/ppp/. /run/v6l/etc-ppp/
mount --bind /run/v6l/etc-ppp /etc/ppp
echo "# v6link interop: Debian's defaults removed on purpose" >/etc/ppp/options
{
    echo "# client server secret IPs"
    echo "\"$ISP_USER\" * \"$ISP_PASS\" *"
    echo "\"$ISP_USER_B\" * \"$ISP_PASS_B\" *"
} >/etc/ppp/pap-secrets
cp /etc/ppp/pap-secrets /etc/ppp/chap-secrets
chmod 600 /etc/ppp/pap-secrets /etc/ppp/chap-secrets
# pppd's scripts: log the event to RUNDIR/events.log after running RUNDIR/<event>.d/*.sh
for ev in ip-up ip-down ipv6-up ipv6-down; do
    cat >"/etc/ppp/$ev" <<'EOF'
#!/bin/bash
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /run/v6l/env
ev=${0##*/}
if [ -n "${ISP6_HOOK:-}" ] && [[ "$ev" == ipv6-* ]]; then   # built-in radvd / DHCPv6 (isp.sh RA= DHCP6=)
    echo "$(date +%s.%N) $ev built-in isp6-hook.sh $*" >>"$RUNDIR/hooks.log"
    bash "$ISP6_HOOK" "${ev#ipv6-}" "$@" >>"$RUNDIR/hooks.log" 2>&1 || echo "isp6-hook.sh ${ev#ipv6-} failed: $?" >>"$RUNDIR/hooks.log"
fi
for s in "$RUNDIR/$ev.d"/*.sh; do
    [ -f "$s" ] || continue
    echo "$(date +%s.%N) $ev $s $*" >>"$RUNDIR/hooks.log"
    bash "$s" "$@" >>"$RUNDIR/hooks.log" 2>&1 || echo "hook $s failed: $?" >>"$RUNDIR/hooks.log"
done
echo "$(date +%s.%N) $ev $* pid=${PPPD_PID:-} peer=${PEERNAME:-}" >>"$RUNDIR/events.log"
EOF
    chmod +x "/etc/ppp/$ev"
done

start_server() { # TAG AC SERVICE LOCAL4 POOL4 SESSION_OFFSET
    local tag=$1 ac=$2 svc=$3 l4=$4 r4=$5 off=$6 opts=/etc/ppp/pppoe-server-options-$1
    {
        echo "+ipv6"
        echo "ipv6 ::1,"
        case "$AUTH" in
            pap) echo "require-pap" ;;
            chap) echo "require-chap" ;;
            mschapv2) echo "require-mschap-v2" ;;
            none) echo "noauth" ;;
            *) fail "AUTH=$AUTH" ;;
        esac
        echo "name $ac"
        echo "ms-dns $DNS4"
        echo "lcp-echo-interval $LCP_ECHO_INTERVAL"
        echo "lcp-echo-failure $LCP_ECHO_FAILURE"
        echo "mtu $PPP_MTU"
        echo "mru $PPP_MTU"
        echo "nodefaultroute"
        echo "noproxyarp"
        echo "ipparam $tag"
        echo "debug"
        echo "logfile $RUNDIR/pppd.log"
        printf '%s\n' "${PPPD_EXTRA:-}" | tr ';' '\n'
    } >"$opts"
    pppoe-server -F -I "$ACC_IF" -C "$ac" -S "$svc" -L "$l4" -R "$r4" -o "$off" \
        -O "$opts" -q "$WRAP" </dev/null >>"$RUNDIR/pppoe-server-$tag.log" 2>&1 &
    echo $! >"/run/v6l/pppoe-server-$tag.pid"
    log "pppoe-server $tag pid $! ac=$ac service=$svc if=$ACC_IF"
}

nservers=0
if [ "$ROLE" = isp ]; then
    . /run/v6l/env
    echo "KMODE=$KMODE" >>/run/v6l/env
    # V6READY=1: radvd, Kea and the agent that relays to Kea run before the first session
    if [ "${V6READY:-0}" = 1 ] && { [ "${RA:-none}" != none ] || [ "${DHCP6:-none}" != none ]; }; then
        [ "${DHCP6:-none}" = none ] || /run/v6l/modprobe dummy || fail "modprobe dummy"
        bash "$ISP6_HOOK" v6ready-start >>"$RUNDIR/hooks.log" 2>&1 ||
            fail "V6READY: IPv6 services did not start (see $RUNDIR/isp6.log, v6ready-agent.log)"
    fi
    # ONDEMAND_MODULES=0: no module loading after boot.  Each session's pppd otherwise runs the
    # modprobe helper four times (the rp-pppoe plugin probes pppoe-server's LOCAL:REMOTE word
    # as an interface name: "netdev-..." and the name, twice), 0.3-1.2 s before its first LCP
    # Configure-Request in UML.
    if [ "${ONDEMAND_MODULES:-1}" = 0 ]; then
        echo >/proc/sys/kernel/modprobe
        log "on-demand module loading off (ONDEMAND_MODULES=0)"
    fi
    start_server a "$AC_NAME" "$SERVICE" "$LOCAL4" "$POOL4" 0
    nservers=1
    if [ "${SECOND_AC:-0}" = 1 ]; then
        start_server b "$AC_NAME_B" "$SERVICE_B" "$LOCAL4_B" "$POOL4_B" 1000
        nservers=2
    fi
    # listening = nservers PPPoE discovery sockets (proto 8863) in /proc/net/packet
    # listening = nservers PPPoE discovery sockets (proto 8863) bound to ACC_IF
    ifindex=$(cat "/sys/class/net/$ACC_IF/ifindex")
    for _ in $(seq 200); do
        n=$(awk -v ifi="$ifindex" 'NR > 1 && toupper($4) == "8863" && $5 == ifi { n++ } END { print n + 0 }' /proc/net/packet)
        for f in /run/v6l/pppoe-server-*.pid; do
            kill -0 "$(cat "$f")" 2>/dev/null || fail "pppoe-server died: $(tail -5 "$RUNDIR"/pppoe-server-*.log)"
        done
        [ "$n" -ge "$nservers" ] && break
        sleep 0.05
    done
    [ "$n" -ge "$nservers" ] || fail "pppoe-server not listening after 10 s"
fi

# --- control loop
mkdir -p "$RUNDIR/ctl"
mkfifo /run/v6l/tick
exec 9<>/run/v6l/tick
shopt -s nullglob
echo "$(date +%s.%N) role=$ROLE servers=$nservers" >"$RUNDIR/ready"
log "ready $(date +%s.%N)"
while :; do
    for f in "$RUNDIR"/ctl/*.cmd; do
        id=${f##*/}
        id=${id%.cmd}
        mv -f "$f" "$RUNDIR/ctl/$id.run" 2>/dev/null || continue
        (
            cd / && bash "$RUNDIR/ctl/$id.run" <"$RUNDIR/ctl/$id.in" \
                >"$RUNDIR/ctl/$id.out" 2>"$RUNDIR/ctl/$id.err"
            echo $? >"$RUNDIR/ctl/$id.rct"
            mv -f "$RUNDIR/ctl/$id.rct" "$RUNDIR/ctl/$id.rc"
        ) 9<&- &
    done
    read -r -t 0.05 -u 9 _ || true
done
