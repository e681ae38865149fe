# A shared Ethernet segment for router-mode tests (sourced after lib.sh). A bridge in $NS_SW joins
# the client ($NS_CLI, eth0, MAC 02:76:36:00:00:10) and two routers ($NS_R1, $NS_R2: eth0 on the
# segment with fe80::1 / fe80::2 and 2001:db8:1::1/64 / 2001:db8:2::1/64, forwarding on). A far
# host ($NS_LF) sits behind both: 2001:db8:ff::10 on its lo, reached from r1 over 2001:db8:f1::/64
# and from r2 over 2001:db8:f2::/64; it routes 2001:db8:1::/64 and the delegated 2001:db8:100::/40
# back via r1, 2001:db8:2::/64 via r2, so a reply returns through the router the request used.
# Servers (radvd, kea-dhcp6, dnsmasq) are started by lan_radvd/lan_kea/lan_dnsmasq and stopped by
# PID in lan_down (started with `ip netns exec` directly, so $! is the server itself).
# The other namespaces are named after $NS_CLI (v6l-cli: v6l-sw, v6l-r1, v6l-r2, v6l-lf), so a
# run with its own NS_CLI=NAMEcli gets NAMEsw, NAMEr1, ... beside other runs.
LAN_NS_BASE=${NS_CLI%cli}
NS_SW=${NS_SW:-${LAN_NS_BASE}sw}
NS_R1=${NS_R1:-${LAN_NS_BASE}r1}
NS_R2=${NS_R2:-${LAN_NS_BASE}r2}
NS_LF=${NS_LF:-${LAN_NS_BASE}lf}
LAN_FAR6=2001:db8:ff::10
LAN_CLI_LL=fe80::76:36ff:fe00:10
LAN_PIDS=()

lan_ns() { ip netns exec "$@"; }

lan_down() {
	local p
	for p in "${LAN_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${LAN_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	LAN_PIDS=()
	for p in "$NS_CLI" "$NS_R1" "$NS_R2" "$NS_LF" "$NS_SW"; do ip netns del "$p" 2>/dev/null; done
	rm -rf "/etc/netns/$NS_CLI"
	return 0
}

# lan_link NS IF BRPORT: a veth from namespace NS (named IF) to a port of the bridge.
lan_link() {
	ip -n "$NS_SW" link add "$3" type veth peer name "$2" netns "$1"
	ip -n "$NS_SW" link set "$3" master br0 up
	ip -n "$1" link set "$2" up
}

lan_router() { # NS N
	local ns=$1 n=$2
	ip netns add "$ns"
	lan_ns "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.accept_dad=0
	lan_link "$ns" eth0 "p-r$n"
	ip -n "$ns" addr add "fe80::$n/64" dev eth0 nodad
	ip -n "$ns" addr add "2001:db8:$n::1/64" dev eth0 nodad
	ip -n "$ns" link add f0 type veth peer name "f$n" netns "$NS_LF"
	ip -n "$ns" link set f0 up
	ip -n "$NS_LF" link set "f$n" up
	ip -n "$ns" addr add "2001:db8:f$n::1/64" dev f0 nodad
	ip -n "$NS_LF" addr add "2001:db8:f$n::2/64" dev "f$n" nodad
	ip -n "$ns" -6 route add "$LAN_FAR6/128" via "2001:db8:f$n::2"
}

lan_up() {
	lan_down
	ip netns add "$NS_SW"
	ip -n "$NS_SW" link add br0 type bridge
	ip -n "$NS_SW" link set br0 up
	ip netns add "$NS_CLI"
	ip netns add "$NS_LF"
	lan_ns "$NS_LF" sysctl -qw net.ipv6.conf.default.accept_dad=0
	ip -n "$NS_LF" link set lo up
	ip -n "$NS_LF" addr add "$LAN_FAR6/128" dev lo
	ip -n "$NS_CLI" link set lo up
	lan_link "$NS_CLI" eth0 p-cli
	ip -n "$NS_CLI" link set eth0 down
	ip -n "$NS_CLI" link set eth0 address 02:76:36:00:00:10
	ip -n "$NS_CLI" link set eth0 up
	lan_router "$NS_R1" 1
	lan_router "$NS_R2" 2
	ip -n "$NS_LF" -6 route add 2001:db8:1::/64 via 2001:db8:f1::1
	ip -n "$NS_LF" -6 route add 2001:db8:100::/40 via 2001:db8:f1::1
	ip -n "$NS_LF" -6 route add 2001:db8:2::/64 via 2001:db8:f2::1
	# The delegated prefixes are routed to the client by its link-local (kea installs no route).
	ip -n "$NS_R1" -6 route add 2001:db8:100::/40 via "$LAN_CLI_LL" dev eth0
	sleep 1
}

# lan_radvd NS N MANAGED OTHER [ROUTER_LIFETIME]: radvd announcing 2001:db8:N::/64 with RDNSS
# 2001:db8:ff::53 and DNSSL lan.example.
lan_radvd() {
	local ns=$1 n=$2 m=$3 o=$4 lt=${5:-60}
	cat >"$T_RUN/radvd-$n.conf" <<-EOF
	interface eth0 {
		AdvSendAdvert on; MinRtrAdvInterval 3; MaxRtrAdvInterval 10;
		AdvManagedFlag $m; AdvOtherConfigFlag $o; AdvDefaultLifetime $lt;
		prefix 2001:db8:$n::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 300; AdvPreferredLifetime 200; };
		RDNSS 2001:db8:ff::53 { };
		DNSSL lan.example { };
	};
	EOF
	lan_radvd_start "$ns" "$n"
}

# lan_radvd_start NS N: radvd on NS's eth0 with the configuration $T_RUN/radvd-N.conf (written
# by the caller; after a change, `kill -HUP "$LAN_RADVD_N"` reloads it). Its PID: LAN_RADVD_N.
lan_radvd_start() {
	local ns=$1 n=$2
	ip netns exec "$ns" radvd -n -C "$T_RUN/radvd-$n.conf" -p "$T_RUN/radvd-$n.pid" -m logfile \
		-l "$T_RUN/radvd-$n.log" </dev/null >/dev/null 2>&1 &
	LAN_PIDS+=($!)
	eval "LAN_RADVD_$n=$!"
}

# lan_kea: kea-dhcp6 on r1 with addresses from 2001:db8:1::1000-1fff, /56 prefixes from
# 2001:db8:100::/40 and DNS.
lan_kea() {
	mkdir -p "$T_RUN/kea"
	cat >"$T_RUN/kea6.conf" <<-EOF
	{ "Dhcp6": {
	  "interfaces-config": { "interfaces": [ "eth0" ] },
	  "lease-database": { "type": "memfile", "persist": false },
	  "data-directory": "$T_RUN/kea",
	  "preferred-lifetime": 200, "valid-lifetime": 300, "renew-timer": 100, "rebind-timer": 160,
	  "option-data": [ { "name": "dns-servers", "data": "2001:db8:ff::53" },
	                   { "name": "domain-search", "data": "lan.example" } ],
	  "subnet6": [ { "id": 1, "subnet": "2001:db8:1::/64", "interface": "eth0",
	      "pools": [ { "pool": "2001:db8:1::1000-2001:db8:1::1fff" } ],
	      "pd-pools": [ { "prefix": "2001:db8:100::", "prefix-len": 40, "delegated-len": 56 } ] } ],
	  "loggers": [ { "name": "kea-dhcp6", "severity": "INFO",
	                 "output_options": [ { "output": "$T_RUN/kea6.log" } ] } ]
	} }
	EOF
	KEA_PIDFILE_DIR=$T_RUN/kea KEA_LOCKFILE_DIR=$T_RUN/kea ip netns exec "$NS_R1" kea-dhcp6 -c "$T_RUN/kea6.conf" \
		</dev/null >>"$T_RUN/kea6.out" 2>&1 &
	LAN_PIDS+=($!)
}

# lan_dnsmasq: dnsmasq on r1 sending RAs (M flag) and serving stateful DHCPv6 with DNS.
lan_dnsmasq() {
	ip netns exec "$NS_R1" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --port=0 --interface=eth0 \
		--bind-interfaces --enable-ra --ra-param=eth0,10,60 \
		--dhcp-range=2001:db8:1::100,2001:db8:1::1ff,64,1h \
		--dhcp-option=option6:dns-server,[2001:db8:ff::53] --dhcp-option=option6:domain-search,lan.example \
		--dhcp-leasefile="$T_RUN/dnsmasq.leases" --pid-file="$T_RUN/dnsmasq.pid" \
		>"$T_RUN/dnsmasq.log" 2>&1 &
	LAN_PIDS+=($!)
}

# lan_fwd NS: IPv6 packets NS has forwarded so far.
lan_fwd() { lan_ns "$1" awk '$1 == "Ip6OutForwDatagrams" { print $2 }' /proc/net/snmp6; }
