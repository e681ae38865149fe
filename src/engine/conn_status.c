/* Status of a connection for `v6link status` (text) and `status --json` (DESIGN.md fields). */
#include "engine/conn.h"
#include "engine/conn_priv.h"

#include "core/clock.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>

static void st_addr4(struct strbuf *sb, const uint8_t a[4], bool have)
{
	char s[INET_ADDRSTRLEN];
	if (!have) {
		sb_printf(sb, "null");
		return;
	}
	inet_ntop(AF_INET, a, s, sizeof(s));
	sb_json_str(sb, s);
}

static const char *st_fmt6(char *buf, const uint8_t a[16])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static bool st_nonzero4(const uint8_t a[4])
{
	return a[0] | a[1] | a[2] | a[3];
}

/* Machine-readable method names for JSON (the log uses the RFC spellings). */
static const char *st_auth_id(enum ppp_auth_method m)
{
	switch (m) {
	case PPP_AUTH_NONE: return "none";
	case PPP_AUTH_PAP: return "pap";
	case PPP_AUTH_CHAP_MD5: return "chap-md5";
	case PPP_AUTH_MSCHAPV2: return "mschapv2";
	}
	return "none";
}

static void st_json_ipv4(struct conn *c, struct strbuf *sb)
{
	sb_printf(sb, "\"ipv4\":{\"address\":");
	st_addr4(sb, c->lk.v4.local, c->lk.v4_up);
	sb_printf(sb, ",\"peer\":");
	st_addr4(sb, c->lk.v4.peer, c->lk.v4_up);
	sb_printf(sb, ",\"dns\":[");
	bool first = true;
	if (c->lk.v4_up && st_nonzero4(c->lk.v4.dns1)) {
		st_addr4(sb, c->lk.v4.dns1, true);
		first = false;
	}
	if (c->lk.v4_up && st_nonzero4(c->lk.v4.dns2)) {
		sb_printf(sb, first ? "" : ",");
		st_addr4(sb, c->lk.v4.dns2, true);
	}
	sb_printf(sb, "]}");
}

static void st_json_ipv6(struct conn *c, struct strbuf *sb)
{
	char s[INET6_ADDRSTRLEN];
	sb_printf(sb, "\"ipv6\":{\"link_local\":");
	if (c->lk.v6_up)
		sb_json_str(sb, st_fmt6(s, c->host.v6_ll));
	else
		sb_printf(sb, "null");
	sb_printf(sb, ",\"peer_link_local\":");
	if (c->lk.v6_up && c->lk.has_peer_iid) {
		uint8_t ll[16] = { 0xfe, 0x80 };
		memcpy(ll + 8, c->lk.peer_iid, 8);
		sb_json_str(sb, st_fmt6(s, ll));
	} else {
		sb_printf(sb, "null");
	}
	sb_printf(sb, ",");
	conn_v6_status_json(c, sb, clock_now_ms());
	sb_printf(sb, "}");
}

static void st_stats(const struct conn *c, struct dp_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c->ops && c->mode)
		c->ops->stats(c, st);
}

/* The session data plane's offload work (issue #12); null without one (router mode). */
static void st_json_offload(const struct dp_stats *st, struct strbuf *sb)
{
	const struct dp_offload_stats *o = &st->off;
	if (!st->has_dataplane) {
		sb_printf(sb, ",\"offload\":null,\"rx_ring\":null");
		return;
	}
	sb_printf(sb,
		  ",\"offload\":{\"tso_super\":%llu,\"tso_segments\":%llu,\"csum_tx\":%llu,"
		  "\"gro_super\":%llu,\"gro_coalesced\":%llu,\"csum_partial_rx\":%llu},"
		  "\"rx_ring\":{\"on\":%s,\"drops\":%llu}",
		  (unsigned long long)o->tso_super, (unsigned long long)o->tso_segments,
		  (unsigned long long)o->csum_tx, (unsigned long long)o->gro_super,
		  (unsigned long long)o->gro_coalesced, (unsigned long long)o->csum_partial_rx,
		  o->rx_ring_on ? "true" : "false", (unsigned long long)o->rx_ring_drops);
}

static void st_json_counters(struct conn *c, struct strbuf *sb)
{
	struct dp_stats st;
	st_stats(c, &st);
	sb_printf(sb,
		  "\"counters\":{\"tx_packets\":%llu,\"rx_packets\":%llu,\"tx_bytes\":%llu,"
		  "\"rx_bytes\":%llu,\"drops\":{",
		  (unsigned long long)st.tx_packets, (unsigned long long)st.rx_packets,
		  (unsigned long long)st.tx_bytes, (unsigned long long)st.rx_bytes);
	for (int i = 1; i < DP_DROP_N; i++)
		sb_printf(sb, "%s\"%s\":%llu", i > 1 ? "," : "", dp_drop_name((enum dp_drop)i),
			  (unsigned long long)st.drops[i]);
	sb_printf(sb, "}");
	st_json_offload(&st, sb);
	sb_printf(sb, "}");
}

void conn_status_json(struct conn *c, struct strbuf *sb, uint64_t now)
{
	sb_printf(sb, "{\"name\":");
	sb_json_str(sb, c->cfg.name);
	sb_printf(sb, ",\"mode\":");
	sb_json_str(sb, c->fsm.mode == CONN_MODE_UNKNOWN ? NULL : conn_mode_name(c->fsm.mode));
	sb_printf(sb, ",\"mode_reason\":");
	sb_json_str(sb, c->mode_why[0] ? c->mode_why : NULL);
	sb_printf(sb, ",\"state\":\"%s\",\"reason\":", conn_state_name(c->fsm.state));
	sb_json_str(sb, c->fsm.why);
	sb_printf(sb, ",\"last_error\":");
	sb_json_str(sb, c->fsm.last_error[0] ? c->fsm.last_error : NULL);
	sb_printf(sb, ",\"interface\":");
	sb_json_str(sb, c->lk.ifname[0] ? c->lk.ifname : c->cfg.tun_name);
	sb_printf(sb, ",\"adapter\":");
	sb_json_str(sb, c->lk.eth.name[0] ? c->lk.eth.name : NULL);
	sb_printf(sb, ",\"ac_name\":");
	sb_json_str(sb, c->lk.has_session ? c->lk.ac_name : NULL);
	sb_printf(sb, ",\"service\":");
	sb_json_str(sb, c->lk.has_session ? c->lk.service : NULL);
	if (c->lk.has_session)
		sb_printf(sb, ",\"session_id\":%u", c->lk.session_id);
	else
		sb_printf(sb, ",\"session_id\":null");
	sb_printf(sb, ",\"auth\":\"%s\",\"mtu\":%u,",
		  c->lk.has_session ? st_auth_id(c->lk.auth) : "none", c->lk.mtu);
	st_json_ipv4(c, sb);
	sb_printf(sb, ",");
	st_json_ipv6(c, sb);
	sb_printf(sb, ",");
	st_json_counters(c, sb);
	conn_nat46_status_json(c, sb);
	if (c->fsm.redial_at_ms != V6L_NEVER && c->fsm.redial_at_ms > now)
		sb_printf(sb, ",\"redial_in\":%llu",
			  (unsigned long long)((c->fsm.redial_at_ms - now + 999) / 1000));
	sb_printf(sb, ",\"since\":%llu}", (unsigned long long)((now - c->fsm.since_ms) / 1000));
}

static void st_text_duration(struct strbuf *sb, uint64_t s)
{
	if (s >= 3600)
		sb_printf(sb, "%lluh%02llum", (unsigned long long)(s / 3600),
			  (unsigned long long)(s % 3600 / 60));
	else if (s >= 60)
		sb_printf(sb, "%llum%02llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else
		sb_printf(sb, "%llus", (unsigned long long)s);
}

static void st_text_offload(const struct dp_stats *st, struct strbuf *sb)
{
	const struct dp_offload_stats *o = &st->off;
	if (!st->has_dataplane)
		return;
	sb_printf(sb, "  %-12s up %llu TSO/USO -> %llu segments, %llu checksums finished\n",
		  "offload", (unsigned long long)o->tso_super, (unsigned long long)o->tso_segments,
		  (unsigned long long)o->csum_tx);
	sb_printf(sb, "  %-12s down %llu GRO of %llu frames, %llu CHECKSUM_PARTIAL\n", "",
		  (unsigned long long)o->gro_super, (unsigned long long)o->gro_coalesced,
		  (unsigned long long)o->csum_partial_rx);
	sb_printf(sb, "  %-12s %s, %llu frames dropped by the kernel\n", "rx ring",
		  o->rx_ring_on ? "on" : "off", (unsigned long long)o->rx_ring_drops);
}

void conn_status_text(struct conn *c, struct strbuf *sb, uint64_t now)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	sb_printf(sb, "%s: %s for ", c->cfg.name, conn_state_name(c->fsm.state));
	st_text_duration(sb, (now - c->fsm.since_ms) / 1000);
	sb_printf(sb, " (%s)\n", c->fsm.why);
	sb_printf(sb, "  %-12s %s (%s)\n", "mode", conn_mode_name(c->fsm.mode),
		  c->mode_why[0] ? c->mode_why : "detection running");
	if (c->mode && strcmp(c->lk.ifname, c->lk.eth.name) != 0)
		sb_printf(sb, "  %-12s %s over %s\n", "interface", c->lk.ifname, c->lk.eth.name);
	else if (c->mode)
		sb_printf(sb, "  %-12s %s\n", "interface", c->lk.eth.name);
	if (c->fsm.last_error[0])
		sb_printf(sb, "  %-12s %s\n", "last error", c->fsm.last_error);
	if (c->fsm.redial_at_ms != V6L_NEVER && c->fsm.redial_at_ms > now)
		sb_printf(sb, "  %-12s in %llus\n", "redial",
			  (unsigned long long)((c->fsm.redial_at_ms - now + 999) / 1000));
	if (c->lk.has_session)
		sb_printf(sb, "  %-12s '%s' session %u, service '%s', auth %s, mtu %u\n", "ac",
			  c->lk.ac_name, c->lk.session_id, c->lk.service,
			  ppp_auth_method_name(c->lk.auth), c->lk.mtu);
	if (c->lk.v4_up)
		sb_printf(sb, "  %-12s %s peer %s\n", "ipv4",
			  inet_ntop(AF_INET, c->lk.v4.local, a, sizeof(a)),
			  inet_ntop(AF_INET, c->lk.v4.peer, b, sizeof(b)));
	if (c->lk.v6_up) {
		sb_printf(sb, "  %-12s %s\n", "ipv6 ll", inet_ntop(AF_INET6, c->host.v6_ll, a, sizeof(a)));
		conn_v6_status_text(c, sb, now);
	}
	struct dp_stats st;
	st_stats(c, &st);
	sb_printf(sb, "  %-12s tx %llu pkts %llu bytes, rx %llu pkts %llu bytes\n", "traffic",
		  (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
		  (unsigned long long)st.rx_packets, (unsigned long long)st.rx_bytes);
	for (int i = 1; i < DP_DROP_N; i++)
		if (st.drops[i])
			sb_printf(sb, "  %-12s %s %llu\n", "dropped", dp_drop_name((enum dp_drop)i),
				  (unsigned long long)st.drops[i]);
	st_text_offload(&st, sb);
	conn_nat46_status_text(c, sb);
}
