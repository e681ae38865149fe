#!/usr/bin/env bash
# Configured DHCPv6 DUID and IAID (RFC 8415 §11, §12) against kea-dhcp6 in the UML ISP: Kea's
# lease file holds the DUID and IAIDs written in connections.ini (duid= in hex, iaid=); a
# "replaced box" (another adapter MAC, a new configuration and state directory, no Release from
# the old one, which is killed) configured with the same duid/iaid gets the same delegated prefix
# and IA_NA address; without them it gets a prefix of its own; and a box whose adapter changes
# keeps its binding through NAME.duid and NAME.iaid in its state directory; iaid_pd= sets the
# IA_PD's IAID on its own.
source "$(dirname "$0")/lib.sh"
t_begin
# The boxes share one namespace: a killed box's gai.conf block is the next box's "original", so
# the last one leaves an empty /etc/netns/NS/gai.conf behind; remove what is left empty.
d6_cleanup() {
	t_cleanup
	[ -s "/etc/netns/$NS_CLI/gai.conf" ] || rm -f "/etc/netns/$NS_CLI/gai.conf"
	rmdir "/etc/netns/$NS_CLI" 2>/dev/null
	return 0
}
trap d6_cleanup EXIT

NS_ISP=${NS_ISP:-v6l-isp}
export NS_CLI NS_ISP NS_FAR=${NS_FAR:-v6l-far}
DUID=00:03:00:01:02:11:22:33:44:55 # DUID-LL of a MAC this box does not have
IAID=0x1234abcd
IAID_NA=305441741                 # 0x1234abcd
IAID_PD=305507277                 # 0x1234abcd ^ 0x10000
MAC0=02:76:36:00:00:10            # the client's eth0 (isp.sh)

# box NAME KEY=VALUE...: a configuration and run directory of its own (a new box), started.
box() {
	local name=$1
	shift
	V6L_CONF=$T_RUN/$name/conf
	V6L_SOCK=$T_RUN/$name/ctl.sock
	mkdir -p "$T_RUN/$name"
	v6l_conf "$@"
	v6l_start
}
set_mac() { # MAC of the client's adapter
	in_cli ip link set eth0 down && in_cli ip link set eth0 address "$1" && in_cli ip link set eth0 up
}
# The latest Kea lease row (kea-leases6.csv) of TYPE (0 = IA_NA, 2 = IA_PD) for DUID: "addr/len iaid".
kea_lease() { # TYPE DUID
	python3 - "$ISP_RUN/kea-leases6.csv" "$1" "$2" <<-'PY'
	import csv, sys
	last = None
	for r in csv.DictReader(open(sys.argv[1])):
	    if r["lease_type"] == sys.argv[2] and r["duid"].lower() == sys.argv[3] and int(r["valid_lifetime"]) > 0:
	        last = r
	print(f"{last['address']}/{last['prefix_len']} {last['iaid']}" if last else "none")
	PY
}
pd_of_box() { v6l_json "c['ipv6']['delegated_prefixes'][0]['prefix'] + '/' + str(c['ipv6']['delegated_prefixes'][0]['prefix_len'])"; }
na_of_box() { v6l_json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'dhcpv6'][0]"; }
bound() { wait_json "len(c['ipv6']['delegated_prefixes']) > 0 and any(a['source'] == 'dhcpv6' for a in c['ipv6']['addresses'])" "$1"; }
kill_box() { # no Release, no PADT: a box that died
	[ -n "$V6L_PID" ] && kill -KILL "$V6L_PID" 2>/dev/null && wait "$V6L_PID" 2>/dev/null
	V6L_PID=
}
hexdump_file() { od -An -tx1 -v "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//; s/ /:/g'; }

isp_up RA=m DHCP6=kea PD_LEN=56 FAR_DNS=0 FAR_HTTP=0 >"$T_RUN/isp.log" 2>&1 ||
	{ t_fail "isp up"; cat "$T_RUN/isp.log"; exit 1; }

# --- box 1: duid= and iaid= configured ---
box box1 dns=0 duid=$DUID iaid=$IAID
if v6l_wait_state up 20 && bound 20; then
	pfx1=$(pd_of_box) na1=$(na_of_box)
	t_log "box 1: prefix $pfx1, address $na1"
	t_check "status_shows_configured_duid_and_iaids" test "$(v6l_json "(c['ipv6']['dhcpv6']['duid'], c['ipv6']['dhcpv6']['iaid_na'], c['ipv6']['dhcpv6']['iaid_pd'])")" = "('$DUID', $IAID_NA, $IAID_PD)"
	t_check "rfc8415_11_kea_ia_pd_lease_has_configured_duid_and_iaid ($(kea_lease 2 $DUID))" test "$(kea_lease 2 $DUID)" = "$pfx1 $IAID_PD"
	t_check "rfc8415_12_kea_ia_na_lease_has_configured_duid_and_iaid ($(kea_lease 0 $DUID))" test "$(kea_lease 0 $DUID)" = "$na1/128 $IAID_NA"
	t_check "kea_log_names_the_configured_duid" grep -q "duid=\[$DUID\]" "$ISP_RUN/kea-dhcp6.log"
	t_check "configured_duid_kept_in_state_dir" test "$(hexdump_file "$V6L_CONF/state/dsl.duid")" = "$DUID"
	t_check "iaids_kept_in_state_dir" test "$(hexdump_file "$V6L_CONF/state/dsl.iaid")" = "12:34:ab:cd:12:35:ab:cd"
	t_check "log_names_duid_and_iaids" grep -q "dhcp6\[dsl\]: DUID $DUID (configured), IAID $IAID_NA (IA_NA), $IAID_PD (IA_PD)" "$V6L_LOG"
else
	t_fail "box 1: no binding"; t_dump
fi
kill_box

# --- box 2: another MAC, new configuration and state, the same duid and iaid ---
set_mac 02:76:36:00:00:20
box box2 dns=0 duid=$DUID iaid=$IAID
if v6l_wait_state up 30 && bound 30; then
	pfx2=$(pd_of_box) na2=$(na_of_box)
	t_check "replaced_box_same_duid_iaid_same_delegated_prefix ($pfx1 -> $pfx2)" test -n "${pfx1:-}" -a "$pfx2" = "${pfx1:-}"
	t_check "replaced_box_same_duid_iaid_same_ia_na_address ($na1 -> $na2)" test -n "${na1:-}" -a "$na2" = "${na1:-}"
	t_check "replaced_box_fresh_state_dir_written" test "$(hexdump_file "$V6L_CONF/state/dsl.duid")" = "$DUID"
	pd64=$(v6l_json "[a['address'] for a in c['ipv6']['addresses'] if a['source'] == 'delegated'][0]")
	for _ in $(seq 20); do in_cli ping -6 -c 1 -W 1 -I "$pd64" "$FAR6" >/dev/null 2>&1 && break; done
	t_check "replaced_box_ping6_from_the_kept_prefix" in_cli ping -6 -q -c 2 -i 0.3 -W 2 -I "$pd64" "$FAR6"
else
	t_fail "box 2: no binding"; t_dump
fi
kill_box

# --- box 3: another MAC, nothing configured: a binding of its own (DUID-LL of the new MAC) ---
set_mac 02:76:36:00:00:30
box box3 dns=0
if v6l_wait_state up 30 && bound 30; then
	pfx3=$(pd_of_box)
	d3=$(v6l_json "c['ipv6']['dhcpv6']['duid']")
	t_check "default_duid_is_duid_ll_of_the_mac ($d3)" test "$d3" = 00:03:00:01:02:76:36:00:00:30
	t_check "default_iaids_from_the_mac" test "$(v6l_json "(c['ipv6']['dhcpv6']['iaid_na'], c['ipv6']['dhcpv6']['iaid_pd'])")" = "($((0x36000030)), $((0x36010030)))"
	t_check "without_duid_iaid_another_prefix ($pfx3 vs $pfx1)" test -n "$pfx3" -a "$pfx3" != "${pfx1:-}"
else
	t_fail "box 3: no binding"; t_dump
fi
kill_box

# --- box 3 again with a new adapter (MAC): NAME.duid and NAME.iaid keep its binding ---
set_mac 02:76:36:00:00:40
V6L_SOCK=$T_RUN/box3/ctl.sock
v6l_start
if v6l_wait_state up 30 && bound 30; then
	t_check "new_adapter_keeps_duid_and_iaids_from_state_dir" test "$(v6l_json "(c['ipv6']['dhcpv6']['duid'], c['ipv6']['dhcpv6']['iaid_na'])")" = "('00:03:00:01:02:76:36:00:00:30', $((0x36000030)))"
	t_check "new_adapter_same_prefix ($pfx3 -> $(pd_of_box))" test "$(pd_of_box)" = "${pfx3:-x}"
else
	t_fail "box 3 with a new adapter: no binding"; t_dump
fi
v6l_stop

# --- iaid_pd= gives the IA_PD its own IAID (a client that numbers its IAs otherwise) ---
set_mac 02:76:36:00:00:50
box box5 dns=0 duid=00:02:00:00:7e:d9:01:02 iaid=1 iaid_pd=7
if v6l_wait_state up 30 && bound 30; then
	t_check "iaid_pd_in_status" test "$(v6l_json "(c['ipv6']['dhcpv6']['iaid_na'], c['ipv6']['dhcpv6']['iaid_pd'])")" = "(1, 7)"
	t_check "rfc8415_12_kea_ia_pd_lease_has_iaid_pd ($(kea_lease 2 00:02:00:00:7e:d9:01:02))" test "$(kea_lease 2 00:02:00:00:7e:d9:01:02)" = "$(pd_of_box) 7"
	t_check "rfc8415_12_kea_ia_na_lease_has_iaid ($(kea_lease 0 00:02:00:00:7e:d9:01:02))" test "$(kea_lease 0 00:02:00:00:7e:d9:01:02)" = "$(na_of_box)/128 1"
else
	t_fail "box 5: no binding"; t_dump
fi
v6l_stop
set_mac $MAC0

# --- errors name the file, the line, the key and what is accepted ---
mkdir -p "$T_RUN/bad"
printf '[dsl]\ndial_string=if=eth0\nduid=02:76:36:00:00:10\niaid=0x123456789\n' >"$T_RUN/bad/connections.ini"
out=$("$V6L_BIN" -C "$T_RUN/bad" -S "$T_RUN/bad/ctl.sock" run dsl 2>&1)
rc=$?
t_check "bad_duid_and_iaid_exit_2 (rc $rc)" test "$rc" = 2
t_check "bad_duid_error_names_file_line_key" grep -qF "$T_RUN/bad/connections.ini:3: [dsl] key 'duid': expected a DUID of type 1 (LLT), 2 (EN), 3 (LL) or 4 (UUID) in its first two octets; this one has type 630, got '02:76:36:00:00:10'" <<<"$out"
t_check "bad_iaid_error_names_file_line_key" grep -qF "$T_RUN/bad/connections.ini:4: [dsl] key 'iaid': expected an IAID: 0..4294967295, or 0x0..0xffffffff, got '0x123456789'" <<<"$out"
exit $T_FAILED
