/* PPP link phases (RFC 1661 §3) against a scripted peer playing pppd: LCP -> PAP -> IPCP +
 * IPv6CP up, then tear-down; no-auth flow, auth failure, peer Terminate, Protocol-Reject of an
 * unknown protocol and of an NCP, NCP packets before the Network phase, echo in deadlines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "ppp/ppp_link.h"
#include "test_util.h"

#define T_MAXPKT 64

static struct {
	uint16_t proto[T_MAXPKT];
	uint8_t pkt[T_MAXPKT][PPP_MAX_PKT];
	size_t len[T_MAXPKT];
	unsigned n;
	char ev[1024];
	struct ipcp_result v4;
	struct ipv6cp_result v6;
	char down_why[128];
	char auth_msg[128];
} T;

static struct ppp_link LK;
static struct v6l_rng R;

static void t_ev(const char *fmt, const char *arg)
{
	char b[160];
	snprintf(b, sizeof(b), fmt, arg);
	if (T.ev[0])
		strcat(T.ev, "; ");
	strcat(T.ev, b);
}

static void t_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	(void)ctx;
	assert_true(T.n < T_MAXPKT);
	T.proto[T.n] = proto;
	memcpy(T.pkt[T.n], buf, len);
	T.len[T.n++] = len;
}

static void t_phase(void *ctx, enum ppp_phase p, const char *why)
{
	(void)ctx;
	(void)why;
	t_ev("phase %s", ppp_link_phase_name(p));
}
static void t_v4_up(void *ctx, const struct ipcp_result *r)
{
	(void)ctx;
	T.v4 = *r;
	t_ev("ipcp up%s", "");
}
static void t_v4_down(void *ctx) { (void)ctx; t_ev("ipcp down%s", ""); }
static void t_v6_up(void *ctx, const struct ipv6cp_result *r)
{
	(void)ctx;
	T.v6 = *r;
	t_ev("ipv6cp up%s", "");
}
static void t_v6_down(void *ctx) { (void)ctx; t_ev("ipv6cp down%s", ""); }
static void t_auth_failed(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(T.auth_msg, sizeof(T.auth_msg), "%s", msg);
	t_ev("auth failed: %s", msg);
}
static void t_link_down(void *ctx, const char *why)
{
	(void)ctx;
	snprintf(T.down_why, sizeof(T.down_why), "%s", why);
	t_ev("link down: %s", why);
}

static const struct ppp_link_ops t_ops = {
	.send = t_send,
	.on_phase = t_phase,
	.on_ipcp_up = t_v4_up,
	.on_ipcp_down = t_v4_down,
	.on_ipv6cp_up = t_v6_up,
	.on_ipv6cp_down = t_v6_down,
	.on_auth_failed = t_auth_failed,
	.on_link_down = t_link_down,
};

static void t_init(bool v4, bool v6)
{
	memset(&T, 0, sizeof(T));
	rng_init_seed(&R, 1661);
	struct ppp_link_cfg c;
	ppp_link_cfg_defaults(&c);
	c.conn = "dsl";
	snprintf(c.user, sizeof(c.user), "%s", "alice");
	snprintf(c.secret, sizeof(c.secret), "%s", "s3cret");
	c.use_ipv4 = v4;
	c.use_ipv6 = v6;
	ppp_link_init(&LK, &c, &t_ops, NULL, &R);
}

/* Index of the last packet we sent with proto and code, or -1. */
static int t_find(uint16_t proto, uint8_t code)
{
	for (int i = (int)T.n - 1; i >= 0; i--)
		if (T.proto[i] == proto && T.pkt[i][0] == code)
			return i;
	return -1;
}

static void t_feed(uint16_t proto, const char *fmt, unsigned id, uint64_t now)
{
	char hex[300];
	uint8_t b[PPP_MAX_PKT];
	snprintf(hex, sizeof(hex), fmt, id);
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > 0);
	ppp_link_on_packet(&LK, proto, b, (size_t)n, now);
}

/* The peer Acks our last Configure-Request of proto. */
static void t_peer_acks(uint16_t proto, uint64_t now)
{
	int i = t_find(proto, PPP_CONF_REQ);
	assert_true(i >= 0);
	uint8_t b[PPP_MAX_PKT];
	memcpy(b, T.pkt[i], T.len[i]);
	b[0] = PPP_CONF_ACK;
	ppp_link_on_packet(&LK, proto, b, T.len[i], now);
}

/* pppd (server) LCP request with MRU 1492, PAP, magic; or without auth. */
static const char lcp_req_pap[] = "01 %02x 00 12 01 04 05 d4 03 04 c0 23 05 06 5e 63 0a b8";
static const char lcp_req_noauth[] = "01 %02x 00 0e 01 04 05 d4 05 06 5e 63 0a b8";

static void t_lcp_up(const char *peer_req)
{
	ppp_link_lower_up(&LK, 0);
	assert_int_equal(T.proto[0], PPP_PROTO_LCP);
	assert_int_equal(T.pkt[0][0], PPP_CONF_REQ);
	/* the first request is lost (pppd not ready yet): our retry comes after 1 s */
	assert_int_equal(ppp_link_next_deadline(&LK), 1000);
	ppp_link_on_timer(&LK, 1000);
	assert_int_equal(T.n, 2);
	t_feed(PPP_PROTO_LCP, peer_req, 1, 1100);
	t_peer_acks(PPP_PROTO_LCP, 1110);
	assert_true(lcp_is_opened(&LK.lcp));
}

static void t_ipcp_up(uint64_t now)
{
	/* IPCP: pppd Naks our 0.0.0.0 with 10.0.0.2 and its DNS servers */
	int i = t_find(PPP_PROTO_IPCP, PPP_CONF_REQ);
	assert_true(i >= 0);
	t_feed(PPP_PROTO_IPCP, "01 %02x 00 0a 03 06 0a 00 00 01", 1, now);
	t_feed(PPP_PROTO_IPCP,
	       "03 %02x 00 16 03 06 0a 00 00 02 81 06 08 08 08 08 83 06 08 08 04 04",
	       T.pkt[i][1], now);
	t_peer_acks(PPP_PROTO_IPCP, now + 10);
}

static void t_ncps_up(uint64_t now)
{
	if (LK.cfg.use_ipv4)
		t_ipcp_up(now);
	if (!LK.cfg.use_ipv6)
		return;
	t_feed(PPP_PROTO_IPV6CP, "01 %02x 00 0e 01 0a 1c 2a 3b ff fe 4c 5d 6e", 1, now + 20);
	t_peer_acks(PPP_PROTO_IPV6CP, now + 30);
}

static void t_ncps_up_v6_only(uint64_t now)
{
	t_feed(PPP_PROTO_IPV6CP, "01 %02x 00 0e 01 0a 1c 2a 3b ff fe 4c 5d 6e", 1, now);
	t_peer_acks(PPP_PROTO_IPV6CP, now + 10);
}

static void test_full_bring_up_pap_and_teardown(void **state)
{
	(void)state;
	t_init(true, true);
	t_lcp_up(lcp_req_pap);
	assert_int_equal(LK.phase, PPP_PHASE_AUTHENTICATE);
	assert_int_equal(ppp_link_auth_method(&LK), PPP_AUTH_PAP);
	assert_int_equal(ppp_link_peer_mru(&LK), 1492);
	assert_int_equal(ppp_link_our_mru(&LK), 1492);
	/* PAP Authenticate-Request: Peer-ID "alice", Password "s3cret" (RFC 1334 §2.2.1) */
	int p = t_find(PPP_PROTO_PAP, 1);
	assert_true(p >= 0);
	uint8_t exp[64];
	int n = test_hex("01 00 00 11 05 61 6c 69 63 65 06 73 33 63 72 65 74", exp, sizeof(exp));
	exp[1] = T.pkt[p][1];
	assert_int_equal(T.len[p], n);
	assert_memory_equal(T.pkt[p], exp, (size_t)n);
	/* NCP packets before the Network phase are silently discarded (RFC 1661 §3.4) */
	unsigned sent = T.n;
	t_feed(PPP_PROTO_IPCP, "01 %02x 00 0a 03 06 0a 00 00 01", 1, 1200);
	assert_int_equal(T.n, sent);
	assert_int_equal(LK.n_rx_discarded, 1);
	t_feed(PPP_PROTO_PAP, "02 %02x 00 05 00", T.pkt[p][1], 1300);
	assert_int_equal(LK.phase, PPP_PHASE_NETWORK);
	assert_true(t_find(PPP_PROTO_IPCP, PPP_CONF_REQ) >= 0);
	assert_true(t_find(PPP_PROTO_IPV6CP, PPP_CONF_REQ) >= 0);
	t_ncps_up(1400);
	assert_string_equal(T.ev, "phase establish; phase authenticate; phase network; ipcp up; "
				  "ipv6cp up");
	static const uint8_t l[4] = { 10, 0, 0, 2 }, d2[4] = { 8, 8, 4, 4 };
	assert_memory_equal(T.v4.local, l, 4);
	assert_memory_equal(T.v4.dns2, d2, 4);
	static const uint8_t peer_iid[8] = { 0x1c, 0x2a, 0x3b, 0xff, 0xfe, 0x4c, 0x5d, 0x6e };
	assert_memory_equal(T.v6.peer_iid, peer_iid, 8);
	assert_memory_equal(T.v6.our_iid, LK.ipv6cp.res.our_iid, 8);
	/* echo keepalive is part of the deadline: 10 s after LCP opened */
	assert_int_equal(ppp_link_next_deadline(&LK), 1110 + 10000);

	/* administrative hang-up */
	T.ev[0] = 0;
	ppp_link_close(&LK, "user hang-up", 5000);
	assert_int_equal(T.proto[T.n - 1], PPP_PROTO_LCP);
	assert_int_equal(T.pkt[T.n - 1][0], PPP_TERM_REQ);
	assert_string_equal(T.ev, "phase terminate; ipcp down; ipv6cp down");
	t_feed(PPP_PROTO_LCP, "06 %02x 00 04", T.pkt[T.n - 1][1], 5050);
	assert_string_equal(T.ev, "phase terminate; ipcp down; ipv6cp down; phase dead; "
				  "link down: user hang-up");
	ppp_link_lower_down(&LK, 5100);
	assert_int_equal(ppp_link_next_deadline(&LK), V6L_NEVER);
}

static void test_chap_md5_bring_up(void **state)
{
	(void)state;
	t_init(false, true);
	t_lcp_up("01 %02x 00 13 01 04 05 d4 03 05 c2 23 05 05 06 5e 63 0a b8");
	assert_int_equal(LK.phase, PPP_PHASE_AUTHENTICATE);
	assert_int_equal(ppp_link_auth_method(&LK), PPP_AUTH_CHAP_MD5);
	/* pppd's Challenge id 7, value 00..0f, name "isp" (RFC 1994 §4.1) */
	t_feed(PPP_PROTO_CHAP, "01 %02x 00 18 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f "
	       "69 73 70", 7, 1200);
	/* Response: MD5(id 7 | "s3cret" | challenge), then our name "alice" */
	uint8_t exp[64];
	int n = test_hex("02 07 00 1a 10 40 75 61 a2 ab a3 7c d1 32 69 62 31 5f f8 7e e0 "
			 "61 6c 69 63 65", exp, sizeof(exp));
	assert_int_equal(T.proto[T.n - 1], PPP_PROTO_CHAP);
	assert_int_equal(T.len[T.n - 1], n);
	assert_memory_equal(T.pkt[T.n - 1], exp, (size_t)n);
	t_feed(PPP_PROTO_CHAP, "03 %02x 00 04", 7, 1300);
	assert_int_equal(LK.phase, PPP_PHASE_NETWORK);
	assert_int_equal(t_find(PPP_PROTO_IPCP, PPP_CONF_REQ), -1);
	t_ncps_up(1400);
	assert_string_equal(T.ev, "phase establish; phase authenticate; phase network; "
				  "ipv6cp up");
}

static void test_no_auth_straight_to_network(void **state)
{
	(void)state;
	t_init(true, false);
	t_lcp_up(lcp_req_noauth);
	assert_int_equal(LK.phase, PPP_PHASE_NETWORK);
	assert_int_equal(t_find(PPP_PROTO_PAP, 1), -1);
	assert_true(t_find(PPP_PROTO_IPCP, PPP_CONF_REQ) >= 0);
	assert_int_equal(t_find(PPP_PROTO_IPV6CP, PPP_CONF_REQ), -1);
	/* IPv6CP is not run: the peer's IPv6CP gets an LCP Protocol-Reject (RFC 1661 §5.7) */
	t_feed(PPP_PROTO_IPV6CP, "01 %02x 00 0e 01 0a 1c 2a 3b ff fe 4c 5d 6e", 1, 1200);
	assert_int_equal(T.proto[T.n - 1], PPP_PROTO_LCP);
	assert_int_equal(T.pkt[T.n - 1][0], PPP_PROTO_REJ);
	assert_int_equal(T.len[T.n - 1], 4 + 2 + 14);
	assert_int_equal(T.pkt[T.n - 1][4], 0x80);
	assert_int_equal(T.pkt[T.n - 1][5], 0x57);
	assert_int_equal(LK.n_proto_rej, 1);
	/* data frames on the control path are ignored */
	unsigned n = T.n;
	t_feed(PPP_PROTO_IPV4, "45 %02x 00 14", 0, 1300);
	assert_int_equal(T.n, n);
}

static void test_unknown_protocol(void **state)
{
	(void)state;
	t_init(true, true);
	ppp_link_lower_up(&LK, 0);
	/* before LCP is Opened: silently dropped */
	t_feed(0x80fd, "01 %02x 00 04", 1, 10);
	assert_int_equal(T.n, 1);
	t_feed(PPP_PROTO_LCP, lcp_req_noauth, 1, 20);
	t_peer_acks(PPP_PROTO_LCP, 30);
	/* CCP from the peer: Protocol-Reject with the whole packet */
	t_feed(0x80fd, "01 %02x 00 08 12 06 00 00 00 01", 2, 40);
	char hex[64];
	snprintf(hex, sizeof(hex), "08 %02x 00 10 80 fd 01 02 00 08 12 06 00 00 00 01",
		 T.pkt[T.n - 1][1]);
	uint8_t exp[32];
	int n = test_hex(hex, exp, sizeof(exp));
	assert_int_equal(T.len[T.n - 1], n);
	assert_memory_equal(T.pkt[T.n - 1], exp, (size_t)n);
	/* a flood of them: PPP_LINK_PROTO_REJ_PER_S answers a second, the rest counted */
	unsigned sent = T.n, rej = LK.n_proto_rej;
	for (int i = 0; i < 50; i++)
		t_feed(0x80fd, "01 %02x 00 04", 3 + i % 200, 1100 + (uint64_t)i);
	assert_int_equal(LK.n_proto_rej - rej, PPP_LINK_PROTO_REJ_PER_S);
	assert_int_equal(T.n - sent, PPP_LINK_PROTO_REJ_PER_S);
	assert_int_equal(LK.n_proto_rej_limited, 50 - PPP_LINK_PROTO_REJ_PER_S);
	assert_true(ppp_link_rx_dropped(&LK) >= 50 - PPP_LINK_PROTO_REJ_PER_S);
	t_feed(0x80fd, "01 %02x 00 04", 99, 2000); /* the next second: answered again */
	assert_int_equal(LK.n_proto_rej - rej, PPP_LINK_PROTO_REJ_PER_S + 1);
}

static void test_auth_failure(void **state)
{
	(void)state;
	t_init(true, true);
	t_lcp_up(lcp_req_pap);
	int p = t_find(PPP_PROTO_PAP, 1);
	/* Authenticate-Nak with a message */
	t_feed(PPP_PROTO_PAP, "03 %02x 00 14 0f 4c 6f 67 69 6e 20 69 6e 63 6f 72 72 65 63 74",
	       T.pkt[p][1], 1200);
	assert_string_equal(T.auth_msg, "Login incorrect");
	assert_int_equal(T.pkt[T.n - 1][0], PPP_TERM_REQ);
	assert_int_equal(LK.phase, PPP_PHASE_TERMINATE);
	/* the peer never answers the Terminate-Request: 1 s + 2 s later the link is down */
	ppp_link_on_timer(&LK, 2200);
	ppp_link_on_timer(&LK, 4200);
	assert_string_equal(T.down_why, "authentication failed: Login incorrect");
	assert_int_equal(LK.phase, PPP_PHASE_DEAD);
}

static void test_peer_terminate(void **state)
{
	(void)state;
	t_init(true, false);
	t_lcp_up(lcp_req_noauth);
	t_ncps_up(1200);
	T.ev[0] = 0;
	t_feed(PPP_PROTO_LCP, "05 %02x 00 04", 0x33, 2000);
	uint8_t ta[4] = { PPP_TERM_ACK, 0x33, 0, 4 };
	assert_memory_equal(T.pkt[T.n - 1], ta, 4);
	assert_string_equal(T.ev, "ipcp down; phase terminate");
	/* RFC 1661 §4.4 zrc: one Restart period (3 s) before the layer finishes */
	assert_int_equal(ppp_link_next_deadline(&LK), 5000);
	ppp_link_on_timer(&LK, 5000);
	assert_string_equal(T.down_why, "peer sent Terminate-Request");
}

static void test_ncp_protocol_rejected(void **state)
{
	(void)state;
	t_init(true, true);
	t_lcp_up(lcp_req_noauth);
	/* a peer without IPv6 Protocol-Rejects IPv6CP: IPv6CP stops, IPv4 continues */
	int i = t_find(PPP_PROTO_IPV6CP, PPP_CONF_REQ);
	char hex[128];
	snprintf(hex, sizeof(hex), "08 %%02x 00 14 80 57 01 %02x 00 0e 01 0a", T.pkt[i][1]);
	strcat(hex, " 00 00 00 00 00 00 00 01");
	t_feed(PPP_PROTO_LCP, hex, 9, 1200);
	assert_int_equal(LK.ipv6cp.fsm.state, PPP_ST_STOPPED);
	t_ipcp_up(1300);
	assert_true(strstr(T.ev, "ipcp up") != NULL);
	assert_int_equal(T.down_why[0], 0);
	/* then IPCP rejected as well (RXJ- in Opened: tld, irc, str) */
	t_feed(PPP_PROTO_LCP, "08 %02x 00 0a 80 21 01 01 00 04", 10, 1400);
	assert_true(strstr(T.ev, "ipcp down") != NULL);
	assert_int_equal(T.proto[T.n - 1], PPP_PROTO_IPCP);
	assert_int_equal(T.pkt[T.n - 1][0], PPP_TERM_REQ);
	assert_int_equal(LK.phase, PPP_PHASE_NETWORK);
	/* once IPCP finishes no network protocol is left: the link is closed */
	ppp_link_on_timer(&LK, 2400);
	ppp_link_on_timer(&LK, 4400);
	assert_int_equal(T.proto[T.n - 1], PPP_PROTO_LCP);
	assert_int_equal(T.pkt[T.n - 1][0], PPP_TERM_REQ);
	assert_int_equal(LK.phase, PPP_PHASE_TERMINATE);
}

static void test_lcp_gives_up(void **state)
{
	(void)state;
	t_init(true, true);
	ppp_link_lower_up(&LK, 0);
	uint64_t now = 0;
	while (ppp_link_next_deadline(&LK) != V6L_NEVER) {
		now = ppp_link_next_deadline(&LK);
		ppp_link_on_timer(&LK, now);
	}
	assert_int_equal(now, 27000);
	assert_int_equal(T.n, 10);
	assert_string_equal(T.down_why, "no answer to 10 Configure-Requests");
	/* a redial: lower down, lower up starts again */
	ppp_link_lower_down(&LK, now);
	ppp_link_lower_up(&LK, now + 5000);
	assert_int_equal(T.n, 11);
	assert_int_equal(LK.phase, PPP_PHASE_ESTABLISH);
}

static void test_lower_down_while_up(void **state)
{
	(void)state;
	t_init(true, true);
	t_lcp_up(lcp_req_noauth);
	t_ncps_up(1200);
	T.ev[0] = 0;
	unsigned n = T.n;
	ppp_link_lower_down(&LK, 2000); /* PADT: nothing is sent, everything goes down */
	assert_int_equal(T.n, n);
	assert_string_equal(T.ev, "ipcp down; ipv6cp down; phase dead");
	assert_int_equal(ppp_link_next_deadline(&LK), V6L_NEVER);
	/* frames after lower down are dropped */
	t_feed(PPP_PROTO_LCP, lcp_req_noauth, 1, 2100);
	assert_int_equal(T.n, n);
	ppp_link_reset(&LK);
	assert_int_equal(LK.phase, PPP_PHASE_DEAD);
	assert_string_equal(LK.cfg.user, "alice");
}

/* Mixed mode decided while the session runs: IPCP closes (Terminate-Request, IPv4 down) and
 * IPv6CP stays; the next session never starts IPCP. */
static void test_disable_ipv4_mid_session(void **state)
{
	(void)state;
	t_init(true, true);
	t_lcp_up(lcp_req_noauth);
	t_ncps_up(1200);
	T.ev[0] = 0;
	ppp_link_disable_ipv4(&LK, 2000);
	assert_int_equal(T.proto[T.n - 1], PPP_PROTO_IPCP);
	assert_int_equal(T.pkt[T.n - 1][0], PPP_TERM_REQ);
	assert_string_equal(T.ev, "ipcp down");
	/* the Terminate-Ack still reaches IPCP, which closes; the link stays up */
	t_feed(PPP_PROTO_IPCP, "06 %02x 00 04", T.pkt[T.n - 1][1], 2050);
	assert_int_equal(LK.ipcp.fsm.state, PPP_ST_CLOSED);
	assert_int_equal(LK.phase, PPP_PHASE_NETWORK);
	ppp_link_lower_down(&LK, 3000);
	ppp_link_reset(&LK);
	T.n = 0;
	t_lcp_up(lcp_req_noauth);
	assert_int_equal(t_find(PPP_PROTO_IPCP, PPP_CONF_REQ), -1);
	assert_true(t_find(PPP_PROTO_IPV6CP, PPP_CONF_REQ) >= 0);
}

/* IPCP held (the adapter routes IPv4 while the DHCPv4 probe runs): the Network phase starts
 * IPv6CP only, IPCP starts when released; held and never released, the link does not close
 * for want of network protocols while IPv6CP is up. */
static void test_hold_and_release_ipv4(void **state)
{
	(void)state;
	t_init(true, true);
	LK.cfg.hold_ipv4 = true;
	t_lcp_up(lcp_req_noauth);
	assert_int_equal(t_find(PPP_PROTO_IPCP, PPP_CONF_REQ), -1);
	assert_true(t_find(PPP_PROTO_IPV6CP, PPP_CONF_REQ) >= 0);
	t_ncps_up_v6_only(1200);
	ppp_link_release_ipv4(&LK, 3000);
	assert_true(t_find(PPP_PROTO_IPCP, PPP_CONF_REQ) >= 0);
	t_ipcp_up(3100);
	assert_string_equal(T.ev, "phase establish; phase network; ipv6cp up; ipcp up");
	ppp_link_release_ipv4(&LK, 3200); /* once */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_bring_up_pap_and_teardown),
		cmocka_unit_test(test_chap_md5_bring_up),
		cmocka_unit_test(test_no_auth_straight_to_network),
		cmocka_unit_test(test_unknown_protocol),
		cmocka_unit_test(test_auth_failure),
		cmocka_unit_test(test_peer_terminate),
		cmocka_unit_test(test_ncp_protocol_rejected),
		cmocka_unit_test(test_lcp_gives_up),
		cmocka_unit_test(test_lower_down_while_up),
		cmocka_unit_test(test_disable_ipv4_mid_session),
		cmocka_unit_test(test_hold_and_release_ipv4),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
