/* RFC 1661 §4 automaton: every state x event cell of the §4.1 transition table, checked for
 * the next state and the actions seen through the ops table; restart back-off, Max-Configure,
 * Max-Failure (Nak -> Reject), Terminate, Code-Reject, reply acceptance rules (§5.2-5.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "ppp/ppp_fsm.h"
#include "test_util.h"

/* --- a minimal protocol: option 1 (2-byte value) must be 100, option 2 is unknown --- */

static struct {
	char acts[256];
	uint8_t last[PPP_MAX_PKT];
	size_t last_len;
	unsigned n_sent;
	uint16_t want;      /* our option 1 value */
	bool has_opt;       /* we send option 1 */
	char why[128];
} T;

static void t_act(const char *a)
{
	if (T.acts[0])
		strcat(T.acts, " ");
	strcat(T.acts, a);
}

static void t_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	(void)ctx;
	assert_int_equal(proto, 0xc021);
	static const char *const tok[] = { "?", "scr", "sca", "scn", "scn", "str", "sta",
					   "scj", "?", "?", "ser", "?" };
	t_act(buf[0] < 12 ? tok[buf[0]] : "?");
	memcpy(T.last, buf, len);
	T.last_len = len;
	T.n_sent++;
}

static enum ppp_opt_verdict t_opt1(void *pctx, struct rcur *val, struct wcur *nak)
{
	(void)pctx;
	if (rcur_u16(val) == 100)
		return PPP_OPT_ACK;
	wcur_put_u16(nak, 100);
	return PPP_OPT_NAK;
}

static const struct ppp_opt_handler t_opts[] = {
	{ .type = 1, .min_len = 2, .max_len = 2, .name = "one", .on_peer = t_opt1 },
};

static void t_build(void *pctx, struct wcur *w)
{
	(void)pctx;
	if (T.has_opt)
		ppp_opt_put_u16(w, 1, T.want);
}

static void t_nak(void *pctx, uint8_t type, struct rcur *val)
{
	(void)pctx;
	if (type == 1)
		T.want = rcur_u16(val);
}

static void t_rej(void *pctx, uint8_t type, struct rcur *val)
{
	(void)pctx;
	(void)val;
	if (type == 1)
		T.has_opt = false;
}

static void t_up(void *p, uint64_t now) { (void)p; (void)now; t_act("tlu"); }
static void t_down(void *p, uint64_t now) { (void)p; (void)now; t_act("tld"); }
static void t_started(void *p, uint64_t now) { (void)p; (void)now; t_act("tls"); }
static void t_finished(void *p, const char *why, uint64_t now)
{
	(void)p;
	(void)now;
	t_act("tlf");
	snprintf(T.why, sizeof(T.why), "%s", why);
}

static enum ppp_xcode_event t_extra(void *pctx, const struct ppp_cp_pkt *p, const uint8_t *raw,
				    size_t raw_len, uint64_t now)
{
	struct ppp_fsm *f = pctx;
	uint16_t proto;
	(void)raw;
	(void)raw_len;
	(void)now;
	if (p->code == PPP_PROTO_REJ && ppp_cp_parse_proto_rej(p, &proto) == PPP_OK)
		return proto == 0xc021 ? PPP_X_RXJ_MINUS : PPP_X_RXJ_PLUS;
	if (p->code == PPP_ECHO_REQ) {
		if (f->state == PPP_ST_OPENED) {
			uint8_t b[16];
			int n = ppp_cp_build_echo(b, sizeof(b), PPP_ECHO_REPLY, p->id, 0, NULL, 0);
			f->send(f->send_ctx, 0xc021, b, (size_t)n);
		}
		return PPP_X_RXR;
	}
	return PPP_X_RUC;
}

static const struct ppp_proto_ops t_ops = {
	.proto = 0xc021,
	.name = "test",
	.peer_opts = t_opts,
	.n_peer_opts = 1,
	.build_req = t_build,
	.on_nak_opt = t_nak,
	.on_rej_opt = t_rej,
	.on_up = t_up,
	.on_down = t_down,
	.on_started = t_started,
	.on_finished = t_finished,
	.on_extra_code = t_extra,
};

static struct ppp_fsm F;

static void t_reset(void)
{
	memset(&T, 0, sizeof(T));
	T.want = 100;
	T.has_opt = true;
	ppp_fsm_init(&F, &t_ops, &F, NULL, t_send, NULL, "t");
}

static void t_feed_hex(const char *hex, uint64_t now)
{
	uint8_t b[256];
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > 0);
	ppp_fsm_on_packet(&F, b, (size_t)n, now);
}

/* --- the §4.1 table --- */

enum t_event { EV_UP, EV_DOWN, EV_OPEN, EV_CLOSE, EV_TOP, EV_TOM, EV_RCRP, EV_RCRM, EV_RCA,
	       EV_RCN, EV_RTR, EV_RTA, EV_RUC, EV_RXJP, EV_RXJM, EV_RXR, EV_N };

static const char *const ev_names[EV_N] = { "Up", "Down", "Open", "Close", "TO+", "TO-",
	"RCR+", "RCR-", "RCA", "RCN", "RTR", "RTA", "RUC", "RXJ+", "RXJ-", "RXR" };

/* Expected "state:actions" per event (rows) and state 0-9 (columns), transcribed from the
 * RFC 1661 §4.1 state transition table; "-" = no transition, no action (incl. the table's
 * impossible events, which we ignore). irc/zrc are checked separately. */
static const char *const table[EV_N][10] = {
	[EV_UP] = { "2:", "6:scr", "-", "-", "-", "-", "-", "-", "-", "-" },
	[EV_DOWN] = { "-", "-", "0:", "1:tls", "0:", "1:", "1:", "1:", "1:", "1:tld" },
	[EV_OPEN] = { "1:tls", "1:", "6:scr", "3:", "5:", "5:", "6:", "7:", "8:", "9:" },
	[EV_CLOSE] = { "0:", "0:tlf", "2:", "2:", "4:", "4:", "4:str", "4:str", "4:str",
		       "4:tld str" },
	[EV_TOP] = { "-", "-", "-", "-", "4:str", "5:str", "6:scr", "6:scr", "8:scr", "-" },
	[EV_TOM] = { "-", "-", "-", "-", "2:tlf", "3:tlf", "3:tlf", "3:tlf", "3:tlf", "-" },
	[EV_RCRP] = { "-", "-", "2:sta", "8:scr sca", "4:", "5:", "8:sca", "9:sca tlu", "8:sca",
		      "8:tld scr sca" },
	[EV_RCRM] = { "-", "-", "2:sta", "6:scr scn", "4:", "5:", "6:scn", "7:scn", "6:scn",
		      "6:tld scr scn" },
	[EV_RCA] = { "-", "-", "2:sta", "3:sta", "4:", "5:", "7:", "6:scr", "9:tlu", "6:tld scr" },
	[EV_RCN] = { "-", "-", "2:sta", "3:sta", "4:", "5:", "6:scr", "6:scr", "8:scr",
		     "6:tld scr" },
	[EV_RTR] = { "-", "-", "2:sta", "3:sta", "4:sta", "5:sta", "6:sta", "6:sta", "6:sta",
		     "5:tld sta" },
	[EV_RTA] = { "-", "-", "2:", "3:", "2:tlf", "3:tlf", "6:", "6:", "8:", "6:tld scr" },
	[EV_RUC] = { "-", "-", "2:scj", "3:scj", "4:scj", "5:scj", "6:scj", "7:scj", "8:scj",
		     "9:scj" },
	[EV_RXJP] = { "-", "-", "2:", "3:", "4:", "5:", "6:", "6:", "8:", "9:" },
	[EV_RXJM] = { "-", "-", "2:tlf", "3:tlf", "2:tlf", "3:tlf", "3:tlf", "3:tlf", "3:tlf",
		      "5:tld str" },
	[EV_RXR] = { "-", "-", "2:", "3:", "4:", "5:", "6:", "7:", "8:", "9:ser" },
};

/* Puts F in state s as if our request id 7 (option 1 = 100) were outstanding. */
static void t_force(enum ppp_fsm_state s, uint64_t now)
{
	t_reset();
	F.state = s;
	F.id = 7;
	F.req_id = 7;
	F.req_pending = true;
	F.req_len = 4;
	memcpy(F.req_opts, "\x01\x04\x00\x64", 4);
	F.restart_count = 3;
	bool timer = s == PPP_ST_CLOSING || s == PPP_ST_STOPPING || s == PPP_ST_REQ_SENT ||
		     s == PPP_ST_ACK_RCVD || s == PPP_ST_ACK_SENT;
	F.deadline_ms = timer ? now + 1000 : V6L_NEVER;
}

static void t_event(enum t_event e, uint64_t now)
{
	switch (e) {
	case EV_UP: ppp_fsm_up(&F, now); break;
	case EV_DOWN: ppp_fsm_down(&F, now); break;
	case EV_OPEN: ppp_fsm_open(&F, now); break;
	case EV_CLOSE: ppp_fsm_close(&F, "admin", now); break;
	case EV_TOP: ppp_fsm_on_timer(&F, now + 1000); break;
	case EV_TOM: F.restart_count = 0; ppp_fsm_on_timer(&F, now + 1000); break;
	case EV_RCRP: t_feed_hex("01 40 00 08 01 04 00 64", now); break;
	case EV_RCRM: t_feed_hex("01 40 00 08 01 04 00 05", now); break;
	case EV_RCA: t_feed_hex("02 07 00 08 01 04 00 64", now); break;
	case EV_RCN: t_feed_hex("03 07 00 08 01 04 00 c8", now); break;
	case EV_RTR: t_feed_hex("05 41 00 04", now); break;
	case EV_RTA: t_feed_hex("06 42 00 04", now); break;
	case EV_RUC: t_feed_hex("33 43 00 06 aa bb", now); break;
	case EV_RXJP: t_feed_hex("08 44 00 08 80 21 01 01", now); break;
	case EV_RXJM: t_feed_hex("08 45 00 08 c0 21 01 01", now); break;
	case EV_RXR: t_feed_hex("09 46 00 08 00 00 00 00", now); break;
	case EV_N: break;
	}
}

static void test_transition_table(void **state)
{
	(void)state;
	char got[300], exp[300];
	for (int e = 0; e < EV_N; e++) {
		for (int s = 0; s <= PPP_ST_OPENED; s++) {
			t_force((enum ppp_fsm_state)s, 5000);
			t_event((enum t_event)e, 5000);
			snprintf(got, sizeof(got), "%s %s: %d:%s", ev_names[e],
				 ppp_fsm_state_name((enum ppp_fsm_state)s), (int)F.state, T.acts);
			if (strcmp(table[e][s], "-") == 0)
				snprintf(exp, sizeof(exp), "%s %s: %d:", ev_names[e],
					 ppp_fsm_state_name((enum ppp_fsm_state)s), s);
			else
				snprintf(exp, sizeof(exp), "%s %s: %s", ev_names[e],
					 ppp_fsm_state_name((enum ppp_fsm_state)s), table[e][s]);
			assert_string_equal(got, exp);
		}
	}
}

/* Actions that set counters: irc on RCA in Req-Sent, zrc on RTR in Opened. */
static void test_irc_zrc(void **state)
{
	(void)state;
	t_force(PPP_ST_REQ_SENT, 0);
	t_event(EV_RCA, 0);
	assert_int_equal(F.restart_count, 10);
	assert_int_equal(F.timeout_ms, 1000);
	t_force(PPP_ST_OPENED, 0);
	t_event(EV_RTR, 500);
	assert_int_equal(F.restart_count, 0);
	assert_int_equal(ppp_fsm_next_deadline(&F), 500 + 3000); /* one (max) Restart period */
	ppp_fsm_on_timer(&F, 3499);
	assert_int_equal(F.state, PPP_ST_STOPPING);
	ppp_fsm_on_timer(&F, 3500);
	assert_int_equal(F.state, PPP_ST_STOPPED);
	assert_string_equal(T.why, "peer sent Terminate-Request");
	/* Close in Req-Sent: irc for terminate = Max-Terminate 2, one sent -> 1 left */
	t_force(PPP_ST_REQ_SENT, 0);
	t_event(EV_CLOSE, 0);
	assert_int_equal(F.restart_count, 1);
}

static void test_restart_backoff_max_configure(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	assert_int_equal(F.state, PPP_ST_REQ_SENT);
	assert_int_equal(T.n_sent, 1);
	uint8_t first[16];
	memcpy(first, T.last, T.last_len);
	/* 1 s first retry (peer pppd often starts late), then doubling up to the RFC's 3 s */
	static const uint64_t at[] = { 1000, 3000, 6000, 9000, 12000, 15000, 18000, 21000, 24000 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		assert_int_equal(ppp_fsm_next_deadline(&F), at[i]);
		ppp_fsm_on_timer(&F, at[i] - 1);
		assert_int_equal(T.n_sent, i + 1);
		ppp_fsm_on_timer(&F, at[i]);
		assert_int_equal(T.n_sent, i + 2);
		/* RFC 1661 §5.1: a retransmission may keep the Identifier and options */
		assert_memory_equal(T.last, first, T.last_len);
	}
	assert_int_equal(T.n_sent, 10); /* Max-Configure */
	assert_int_equal(ppp_fsm_next_deadline(&F), 27000);
	ppp_fsm_on_timer(&F, 27000);
	assert_int_equal(F.state, PPP_ST_STOPPED);
	assert_int_equal(T.n_sent, 10);
	assert_string_equal(T.why, "no answer to 10 Configure-Requests");
	assert_int_equal(ppp_fsm_next_deadline(&F), V6L_NEVER);
}

static void test_custom_timing(void **state)
{
	(void)state;
	const struct ppp_fsm_timing tm = { .restart_initial_ms = 3000, .restart_max_ms = 3000,
					   .max_configure = 2, .max_terminate = 1,
					   .max_failure = 1 };
	t_reset();
	ppp_fsm_init(&F, &t_ops, &F, &tm, t_send, NULL, "t");
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	assert_int_equal(ppp_fsm_next_deadline(&F), 3000);
	ppp_fsm_on_timer(&F, 3000);
	assert_int_equal(ppp_fsm_next_deadline(&F), 6000);
	ppp_fsm_on_timer(&F, 6000);
	assert_int_equal(F.state, PPP_ST_STOPPED);
	assert_int_equal(T.n_sent, 2);
}

static void test_max_failure_nak_to_reject(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	for (int i = 0; i < 5; i++) {
		t_feed_hex("01 50 00 08 01 04 00 05", 10);
		assert_int_equal(T.last[0], PPP_CONF_NAK);
		uint8_t exp[8];
		test_hex("03 50 00 08 01 04 00 64", exp, sizeof(exp));
		assert_memory_equal(T.last, exp, 8);
	}
	/* RFC 1661 §4.6: the 6th disagreement becomes a Configure-Reject of the option */
	t_feed_hex("01 51 00 08 01 04 00 05", 10);
	uint8_t exp[8];
	test_hex("04 51 00 08 01 04 00 05", exp, sizeof(exp));
	assert_int_equal(T.last_len, 8);
	assert_memory_equal(T.last, exp, 8);
	/* an Ack resets the count */
	t_feed_hex("01 52 00 08 01 04 00 64", 10);
	assert_int_equal(T.last[0], PPP_CONF_ACK);
	t_feed_hex("01 53 00 08 01 04 00 05", 10);
	assert_int_equal(T.last[0], PPP_CONF_NAK);
}

static void test_reject_beats_nak(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	/* option 1 needs a Nak but option 9 is unknown: only the Reject goes out (§5.4) */
	t_feed_hex("01 60 00 0b 01 04 00 05 09 03 ee", 0);
	uint8_t exp[16];
	int n = test_hex("04 60 00 07 09 03 ee", exp, sizeof(exp));
	assert_int_equal(T.last_len, n);
	assert_memory_equal(T.last, exp, (size_t)n);
	/* wrong value length for a known option: Rejected too */
	t_feed_hex("01 61 00 07 01 03 00", 0);
	n = test_hex("04 61 00 07 01 03 00", exp, sizeof(exp));
	assert_memory_equal(T.last, exp, (size_t)n);
}

static void test_reply_acceptance(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	uint8_t id = F.req_id;
	char hex[64];
	/* wrong Identifier (§5.2): dropped */
	snprintf(hex, sizeof(hex), "02 %02x 00 08 01 04 00 64", (uint8_t)(id + 1));
	t_feed_hex(hex, 0);
	assert_int_equal(F.state, PPP_ST_REQ_SENT);
	/* Ack whose options differ from the request (§5.2): dropped */
	snprintf(hex, sizeof(hex), "02 %02x 00 08 01 04 00 65", id);
	t_feed_hex(hex, 0);
	assert_int_equal(F.state, PPP_ST_REQ_SENT);
	/* Reject naming an option we did not send (§5.4): dropped */
	snprintf(hex, sizeof(hex), "04 %02x 00 08 02 04 00 64", id);
	t_feed_hex(hex, 0);
	assert_int_equal(T.n_sent, 1);
	assert_int_equal(F.n_rx_bad, 3);
	/* the right Ack */
	snprintf(hex, sizeof(hex), "02 %02x 00 08 01 04 00 64", id);
	t_feed_hex(hex, 0);
	assert_int_equal(F.state, PPP_ST_ACK_RCVD);
	/* the same Ack again: answered already, dropped (no crossed-connection restart) */
	t_feed_hex(hex, 0);
	assert_int_equal(F.state, PPP_ST_ACK_RCVD);
	assert_int_equal(T.n_sent, 1);
}

static void test_nak_and_reject_change_request(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	char hex[64];
	snprintf(hex, sizeof(hex), "03 %02x 00 08 01 04 01 2c", F.req_id);
	t_feed_hex(hex, 100);
	uint8_t exp[16];
	int n = test_hex("01 02 00 08 01 04 01 2c", exp, sizeof(exp)); /* new id, value 300 */
	assert_int_equal(T.last_len, n);
	assert_memory_equal(T.last, exp, (size_t)n);
	assert_int_equal(F.restart_count, 9); /* irc then scr */
	assert_int_equal(ppp_fsm_next_deadline(&F), 1100);
	snprintf(hex, sizeof(hex), "04 %02x 00 08 01 04 01 2c", F.req_id);
	t_feed_hex(hex, 200);
	n = test_hex("01 03 00 04", exp, sizeof(exp)); /* option 1 no longer requested */
	assert_int_equal(T.last_len, n);
	assert_memory_equal(T.last, exp, (size_t)n);
}

static void test_malformed_request_dropped(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	t_feed_hex("01 70 00 08 01 01 00 64", 0); /* option length 1 */
	t_feed_hex("01 70 00 09 01 04 00", 0);     /* shorter than Length */
	t_feed_hex("01 70 00 02", 0);              /* Length < 4 */
	assert_int_equal(F.n_rx_bad, 3);
	assert_int_equal(T.n_sent, 1);
	assert_int_equal(F.state, PPP_ST_REQ_SENT);
}

static void test_terminate_close(void **state)
{
	(void)state;
	t_force(PPP_ST_OPENED, 0);
	ppp_fsm_close(&F, "admin hang-up", 0);
	assert_string_equal(T.acts, "tld str");
	assert_int_equal(F.state, PPP_ST_CLOSING);
	ppp_fsm_on_timer(&F, 1000); /* Max-Terminate 2: one retransmission */
	assert_string_equal(T.acts, "tld str str");
	assert_int_equal(ppp_fsm_next_deadline(&F), 3000);
	ppp_fsm_on_timer(&F, 3000);
	assert_int_equal(F.state, PPP_ST_CLOSED);
	assert_string_equal(T.acts, "tld str str tlf");
	assert_string_equal(T.why, "admin hang-up");
	/* in Closed every Configure-Request is answered with Terminate-Ack */
	t_feed_hex("01 09 00 04", 4000);
	uint8_t exp[4] = { 6, 9, 0, 4 };
	assert_memory_equal(T.last, exp, 4);
}

static void test_code_reject(void **state)
{
	(void)state;
	/* RFC 1661 §5.6: Code-Reject of Configure-Request is catastrophic (RXJ-) */
	t_force(PPP_ST_OPENED, 0);
	t_feed_hex("07 01 00 08 01 07 00 04", 0);
	assert_int_equal(F.state, PPP_ST_STOPPING);
	assert_string_equal(T.acts, "tld str");
	/* Code-Reject of Echo-Request is not (RXJ+) */
	t_force(PPP_ST_OPENED, 0);
	t_feed_hex("07 01 00 08 09 07 00 04", 0);
	assert_int_equal(F.state, PPP_ST_OPENED);
	assert_string_equal(T.acts, "");
	/* malformed Code-Reject: dropped */
	t_feed_hex("07 01 00 04", 0);
	assert_int_equal(F.n_rx_bad, 1);
}

static void test_unknown_code_reject_golden(void **state)
{
	(void)state;
	t_force(PPP_ST_OPENED, 0);
	F.max_tx_len = 8; /* peer's MRU, tiny to show truncation */
	t_feed_hex("0c 33 00 08 01 02 03 04 ff ff", 0); /* padding after Length is not echoed */
	uint8_t exp[8];
	test_hex("07 08 00 08 0c 33 00 08", exp, sizeof(exp));
	assert_int_equal(T.last_len, 8);
	assert_memory_equal(T.last, exp, 8);
	F.max_tx_len = 1500;
	t_feed_hex("0c 34 00 06 aa bb ff", 0);
	uint8_t exp2[10];
	test_hex("07 09 00 0a 0c 34 00 06 aa bb", exp2, sizeof(exp2));
	assert_int_equal(T.last_len, 10);
	assert_memory_equal(T.last, exp2, 10);
}

static void test_full_negotiation(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	assert_string_equal(T.acts, "tls");
	ppp_fsm_up(&F, 0);
	char hex[64];
	t_feed_hex("01 01 00 08 01 04 00 64", 10); /* peer's request, fine */
	assert_int_equal(F.state, PPP_ST_ACK_SENT);
	snprintf(hex, sizeof(hex), "02 %02x 00 08 01 04 00 64", F.req_id);
	t_feed_hex(hex, 20);
	assert_int_equal(F.state, PPP_ST_OPENED);
	assert_string_equal(T.acts, "tls scr sca tlu");
	assert_int_equal(ppp_fsm_next_deadline(&F), V6L_NEVER);
	ppp_fsm_down(&F, 30);
	assert_int_equal(F.state, PPP_ST_STARTING);
	ppp_fsm_up(&F, 40);
	assert_int_equal(F.state, PPP_ST_REQ_SENT);
	assert_string_equal(T.acts, "tls scr sca tlu tld scr");
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(ppp_fsm_state_name(PPP_ST_INITIAL), "Initial");
	assert_string_equal(ppp_fsm_state_name(PPP_ST_ACK_RCVD), "Ack-Rcvd");
	assert_string_equal(ppp_fsm_state_name(PPP_ST_OPENED), "Opened");
}

/* Our first request is lost because the peer was not listening yet: its first request, 700 ms
 * later, brings ours forward to PPP_FSM_QUICK_RTX_MS instead of the Restart period. */
static void test_quick_retransmit_after_peer_first_request(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	assert_string_equal(T.acts, "tls scr");
	assert_int_equal(ppp_fsm_next_deadline(&F), 1000);
	t_feed_hex("01 01 00 08 01 04 00 64", 700);
	assert_int_equal(F.state, PPP_ST_ACK_SENT);
	assert_int_equal(ppp_fsm_next_deadline(&F), 700 + PPP_FSM_QUICK_RTX_MS);
	T.acts[0] = 0;
	ppp_fsm_on_timer(&F, 700 + PPP_FSM_QUICK_RTX_MS);
	assert_string_equal(T.acts, "scr");
	/* the same request again (RFC 1661 §5.1: a retransmission may keep its Identifier) */
	assert_int_equal(T.last[1], F.req_id);
	char ack[32];
	snprintf(ack, sizeof(ack), "02 %02x 00 08 01 04 00 64", F.req_id);
	t_feed_hex(ack, 950);
	assert_int_equal(F.state, PPP_ST_OPENED);
	/* Once per negotiation: a later request from the peer does not hurry anything. */
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	t_feed_hex("03 01 00 08 01 04 00 64", 10); /* a Nak: the peer has spoken */
	t_feed_hex("01 01 00 08 01 04 00 64", 700);
	assert_true(ppp_fsm_next_deadline(&F) > 700 + PPP_FSM_QUICK_RTX_MS);
}

/* Both ends start together: the peer's request arrives right after ours and its Ack follows;
 * nothing is sent twice. */
static void test_no_duplicate_when_ack_follows(void **state)
{
	(void)state;
	t_reset();
	ppp_fsm_open(&F, 0);
	ppp_fsm_up(&F, 0);
	t_feed_hex("01 01 00 08 01 04 00 64", 3);
	char ack[32];
	snprintf(ack, sizeof(ack), "02 %02x 00 08 01 04 00 64", F.req_id);
	t_feed_hex(ack, 5);
	assert_int_equal(F.state, PPP_ST_OPENED);
	assert_string_equal(T.acts, "tls scr sca tlu");
	assert_int_equal(ppp_fsm_next_deadline(&F), V6L_NEVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_irc_zrc),
		cmocka_unit_test(test_restart_backoff_max_configure),
		cmocka_unit_test(test_custom_timing),
		cmocka_unit_test(test_max_failure_nak_to_reject),
		cmocka_unit_test(test_reject_beats_nak),
		cmocka_unit_test(test_reply_acceptance),
		cmocka_unit_test(test_nak_and_reject_change_request),
		cmocka_unit_test(test_malformed_request_dropped),
		cmocka_unit_test(test_terminate_close),
		cmocka_unit_test(test_code_reject),
		cmocka_unit_test(test_unknown_code_reject_golden),
		cmocka_unit_test(test_full_negotiation),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_quick_retransmit_after_peer_first_request),
		cmocka_unit_test(test_no_duplicate_when_ack_follows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
