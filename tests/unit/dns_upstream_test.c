/* DNS upstream table: scripts of (time, event) with the sends and replies recorded through the
 * ops table: failover on timeout with back-off, SERVFAIL after the last try, RFC 5452 reply
 * checks (ID, source address and port, question), IDs unique among outstanding queries,
 * send errors, SERVFAIL/REFUSED from a server, TCP retry of a truncated answer, table full,
 * wrong messages from clients, cancellation and server list changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/rng.h"
#include "dns/dns_codec.h"
#include "dns/dns_upstream.h"
#include "test_util.h"

/* dig +noedns v6only.example AAAA and dnsmasq 2.90's answer (see dns_codec_test.c). */
static const char q_aaaa[] = "4fe0 0120 0001 0000 0000 0000 0676366f6e6c79 076578616d706c65 00"
	"001c 0001";
static const char r_aaaa[] = "4fe0 8180 0001 0001 0000 0000 0676366f6e6c79 076578616d706c65 00"
	"001c 0001 c00c 001c 0001 00000258 0010 20010db8000000000000000000000001";

#define MAX_EV 600

struct sent {
	unsigned server, slot;
	bool is_tcp;
	uint16_t id;
	size_t len;
	uint8_t buf[512];
};

struct rec {
	size_t n_sent, n_replies, n_released;
	struct sent sent[MAX_EV];
	uint64_t reply_client[MAX_EV];
	enum dns_up_transport reply_tr[MAX_EV];
	uint8_t reply[MAX_EV][512];
	size_t reply_len[MAX_EV];
	unsigned fail_family6; /* send to an IPv6 server fails when set */
};

static struct rec rec;
static struct dns_upstream up;
static struct v6l_rng rng;
static uint8_t qbuf[512], rbuf[512];
static size_t qlen, rlen;

static const struct dns_up_server servers[3] = {
	{ .family = 4, .addr = { 192, 0, 2, 53 } },
	{ .family = 6, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 } },
	{ .family = 4, .addr = { 198, 51, 100, 53 }, .port = 5353 },
};

static int op_send(void *ctx, unsigned server_idx, unsigned slot, bool is_tcp, const uint8_t *buf,
	size_t len)
{
	struct rec *r = ctx;
	if (r->fail_family6 && up.srv[server_idx].family == 6)
		return -1;
	assert_true(r->n_sent < MAX_EV && len <= 512);
	struct sent *s = &r->sent[r->n_sent++];
	s->server = server_idx;
	s->slot = slot;
	s->is_tcp = is_tcp;
	s->id = dns_get_id(buf, len);
	s->len = len;
	memcpy(s->buf, buf, len);
	return 0;
}

static void op_reply(void *ctx, uint64_t client, enum dns_up_transport tr, const uint8_t *buf,
	size_t len)
{
	struct rec *r = ctx;
	assert_true(r->n_replies < MAX_EV && len <= 512);
	r->reply_client[r->n_replies] = client;
	r->reply_tr[r->n_replies] = tr;
	memcpy(r->reply[r->n_replies], buf, len);
	r->reply_len[r->n_replies++] = len;
}

static void op_release(void *ctx, unsigned slot)
{
	(void)slot;
	((struct rec *)ctx)->n_released++;
}

static const struct dns_up_ops ops = { .send = op_send, .reply = op_reply,
	.release = op_release };

static int setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	rng_init_seed(&rng, 42);
	log_init("test", false, LOG_LVL_ERR, 0);
	assert_true(dns_upstream_init(&up, 256, 0, 0, &ops, &rec, &rng, "test"));
	dns_upstream_set_servers(&up, servers, 3, 0);
	qlen = (size_t)test_hex(q_aaaa, qbuf, sizeof(qbuf));
	rlen = (size_t)test_hex(r_aaaa, rbuf, sizeof(rbuf));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dns_upstream_free(&up);
	return 0;
}

/* The server's answer to the last query sent, from server s. */
static void answer_from(unsigned s, uint16_t id, uint64_t now)
{
	uint8_t b[512];
	memcpy(b, rbuf, rlen);
	dns_set_id(b, rlen, id);
	dns_upstream_on_reply(&up, servers[s].family, servers[s].addr,
		servers[s].port ? servers[s].port : 53, b, rlen, now);
}

static void test_failover_and_spoofing(void **state)
{
	(void)state;
	assert_int_equal(dns_upstream_on_query(&up, 77, DNS_UP_UDP, qbuf, qlen, 0), DNS_UP_SENT);
	assert_int_equal(rec.n_sent, 1);
	assert_int_equal(rec.sent[0].server, 0);
	uint16_t id = rec.sent[0].id;
	/* the query is relayed byte for byte but for the ID */
	assert_int_equal(rec.sent[0].len, qlen);
	assert_memory_equal(rec.sent[0].buf + 2, qbuf + 2, qlen - 2);
	assert_int_equal(dns_upstream_next_deadline(&up), DNS_UP_TIMEOUT_MS);
	dns_upstream_on_timer(&up, 1499);
	assert_int_equal(rec.n_sent, 1);
	/* t=1500: server 0 timed out and backs off; server 1 (IPv6) gets the same query */
	dns_upstream_on_timer(&up, 1500);
	assert_int_equal(rec.n_sent, 2);
	assert_int_equal(rec.sent[1].server, 1);
	assert_int_equal(rec.sent[1].id, id);
	assert_int_equal(up.srv[0].n_fail, 1);
	assert_int_equal(up.srv[0].backoff_until_ms, 1500 + DNS_UP_BACKOFF_MS);
	assert_int_equal(dns_upstream_next_deadline(&up), 3000);
	/* spoofed or stray replies: wrong ID, a server not asked, wrong port, wrong question */
	answer_from(1, (uint16_t)(id + 1), 1600);
	answer_from(2, id, 1600);
	uint8_t b[512];
	memcpy(b, rbuf, rlen);
	dns_set_id(b, rlen, id);
	dns_upstream_on_reply(&up, 6, servers[1].addr, 5353, b, rlen, 1600);
	dns_upstream_on_reply(&up, 4, servers[1].addr, 53, b, rlen, 1600);
	b[13] = 'V'; /* "V6only": same name (RFC 4343), accepted later */
	b[28] = 0x01; /* qtype AAAA -> 0x011c */
	dns_upstream_on_reply(&up, 6, servers[1].addr, 53, b, rlen, 1600);
	b[13] = 0x01; /* header-less garbage with the right ID */
	dns_upstream_on_reply(&up, 6, servers[1].addr, 53, b, 14, 1600);
	assert_int_equal(up.n_rejected, 6);
	assert_int_equal(rec.n_replies, 0);
	/* the real answer: relayed with the client's ID, slot released */
	memcpy(b, rbuf, rlen);
	dns_set_id(b, rlen, id);
	b[13] = 'V';
	dns_upstream_on_reply(&up, 6, servers[1].addr, 53, b, rlen, 1700);
	assert_int_equal(rec.n_replies, 1);
	assert_int_equal(rec.reply_client[0], 77);
	assert_int_equal(rec.reply_tr[0], DNS_UP_UDP);
	assert_int_equal(rec.reply_len[0], rlen);
	assert_int_equal(dns_get_id(rec.reply[0], rlen), 0x4fe0);
	assert_memory_equal(rec.reply[0] + 14, rbuf + 14, rlen - 14);
	assert_int_equal(rec.n_released, 1);
	assert_int_equal(dns_upstream_outstanding(&up), 0);
	assert_int_equal(dns_upstream_next_deadline(&up), V6L_NEVER);
	/* server 0's late answer finds nothing */
	answer_from(0, id, 1800);
	assert_int_equal(rec.n_replies, 1);
	/* while server 0 backs off a new query starts at server 1 */
	assert_int_equal(dns_upstream_on_query(&up, 78, DNS_UP_UDP, qbuf, qlen, 2000), DNS_UP_SENT);
	assert_int_equal(rec.sent[2].server, 1);
	answer_from(1, rec.sent[2].id, 2010);
	/* after the back-off, server 0 is first again */
	assert_int_equal(dns_upstream_on_query(&up, 79, DNS_UP_UDP, qbuf, qlen, 3500), DNS_UP_SENT);
	assert_int_equal(rec.sent[3].server, 0);
	answer_from(0, rec.sent[3].id, 3510);
	assert_int_equal(up.srv[0].n_fail, 0);
	assert_int_equal(rec.n_replies, 3);
}

static void test_all_time_out_servfail(void **state)
{
	(void)state;
	assert_int_equal(dns_upstream_on_query(&up, 5, DNS_UP_TCP, qbuf, qlen, 10000), DNS_UP_SENT);
	dns_upstream_on_timer(&up, 11500);
	dns_upstream_on_timer(&up, 13000);
	assert_int_equal(rec.n_sent, 3);
	assert_int_equal(rec.sent[0].server, 0);
	assert_int_equal(rec.sent[1].server, 1);
	assert_int_equal(rec.sent[2].server, 2);
	assert_int_equal(rec.n_replies, 0);
	dns_upstream_on_timer(&up, 14500);
	assert_int_equal(rec.n_sent, 3);
	assert_int_equal(rec.n_replies, 1);
	struct dns_msg m;
	assert_int_equal(dns_parse(rec.reply[0], rec.reply_len[0], &m), DNS_E_OK);
	assert_int_equal(m.id, 0x4fe0);
	assert_int_equal(m.rcode, DNS_RCODE_SERVFAIL);
	assert_true(m.is_response && m.is_rd);
	assert_int_equal(m.q[0].qtype, DNS_T_AAAA);
	assert_int_equal(rec.reply_tr[0], DNS_UP_TCP);
	assert_int_equal(up.n_servfail, 1);
	/* every server backs off; the second failure of server 0 doubles it */
	for (int i = 0; i < 3; i++)
		assert_int_equal(up.srv[i].n_fail, 1);
	assert_int_equal(dns_upstream_on_query(&up, 6, DNS_UP_UDP, qbuf, qlen, 20000), DNS_UP_SENT);
	dns_upstream_on_timer(&up, 21500);
	assert_int_equal(up.srv[0].backoff_until_ms, 21500 + 2 * DNS_UP_BACKOFF_MS);
	assert_int_equal(dns_upstream_next_deadline(&up), 23000);
}

static void test_send_error_and_server_error(void **state)
{
	(void)state;
	/* no IPv6 route: the IPv6 server is skipped at once */
	rec.fail_family6 = 1;
	assert_int_equal(dns_upstream_on_query(&up, 1, DNS_UP_UDP, qbuf, qlen, 0), DNS_UP_SENT);
	dns_upstream_on_timer(&up, 1500);
	assert_int_equal(rec.n_sent, 2);
	assert_int_equal(rec.sent[1].server, 2);
	assert_int_equal(up.srv[1].n_sent, 1);
	/* server 2 times out: the three tries are used up, SERVFAIL */
	dns_upstream_on_timer(&up, 3000);
	assert_int_equal(rec.n_replies, 1);
	rec.fail_family6 = 0;
	/* REFUSED from server 0: server 1 is asked; its REFUSED too, then server 2's is relayed */
	dns_upstream_on_query(&up, 2, DNS_UP_UDP, qbuf, qlen, 100000);
	uint8_t b[512];
	for (unsigned s = 0; s < 3; s++) {
		struct sent *last = &rec.sent[rec.n_sent - 1];
		assert_int_equal(last->server, s);
		memcpy(b, rbuf, rlen);
		dns_set_id(b, rlen, last->id);
		b[3] = 0x85; /* REFUSED */
		dns_upstream_on_reply(&up, servers[s].family, servers[s].addr,
			servers[s].port ? servers[s].port : 53, b, rlen, 100000 + s);
	}
	assert_int_equal(rec.n_replies, 2);
	assert_int_equal(rec.reply[1][3] & 0xf, DNS_RCODE_REFUSED);
	assert_int_equal(dns_upstream_outstanding(&up), 0);
}

static void test_tcp_retry_of_truncated(void **state)
{
	(void)state;
	uint8_t b[512];
	dns_upstream_on_query(&up, 9, DNS_UP_TCP, qbuf, qlen, 0);
	dns_upstream_on_timer(&up, 1500); /* now at server 1 */
	memcpy(b, rbuf, rlen);
	dns_set_id(b, rlen, rec.sent[1].id);
	b[2] |= 0x02; /* TC */
	dns_upstream_on_reply(&up, 6, servers[1].addr, 53, b, rlen, 1600);
	assert_int_equal(rec.n_replies, 0);
	assert_int_equal(rec.n_sent, 3);
	assert_int_equal(rec.sent[2].server, 1);
	assert_true(rec.sent[2].is_tcp);
	assert_int_equal(rec.sent[2].id, rec.sent[1].id);
	answer_from(1, rec.sent[2].id, 1700);
	assert_int_equal(rec.n_replies, 1);
	assert_int_equal(rec.reply_tr[0], DNS_UP_TCP);
	/* a UDP client gets the truncated answer as it is (it retries over TCP itself) */
	dns_upstream_on_query(&up, 10, DNS_UP_UDP, qbuf, qlen, 2000);
	memcpy(b, rbuf, rlen);
	dns_set_id(b, rlen, rec.sent[3].id);
	b[2] |= 0x02;
	dns_upstream_on_reply(&up, servers[rec.sent[3].server].family,
		servers[rec.sent[3].server].addr, 53, b, rlen, 2001);
	assert_int_equal(rec.n_replies, 2);
	assert_true(rec.reply[1][2] & 0x02);
}

static void test_unique_ids(void **state)
{
	(void)state;
	for (uint64_t c = 0; c < 256; c++)
		assert_int_equal(dns_upstream_on_query(&up, c, DNS_UP_UDP, qbuf, qlen, 0), DNS_UP_SENT);
	assert_int_equal(dns_upstream_outstanding(&up), 256);
	for (size_t i = 0; i < rec.n_sent; i++)
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(rec.sent[i].id, rec.sent[j].id);
	/* full: SERVFAIL right away */
	assert_int_equal(dns_upstream_on_query(&up, 999, DNS_UP_UDP, qbuf, qlen, 0),
		DNS_UP_ANSWERED);
	assert_int_equal(up.n_full, 1);
	assert_int_equal(rec.n_replies, 1);
	assert_int_equal(rec.reply[0][3] & 0xf, DNS_RCODE_SERVFAIL);
	/* cancelling a client frees its slot without answering */
	dns_upstream_cancel_client(&up, 3);
	assert_int_equal(dns_upstream_outstanding(&up), 255);
	assert_int_equal(rec.n_released, 1);
	assert_int_equal(rec.n_replies, 1);
	/* the first 20 IDs are not sequential: unpredictable (RFC 5452 §4.3) */
	unsigned seq = 0;
	for (size_t i = 1; i < 20; i++)
		seq += rec.sent[i].id == (uint16_t)(rec.sent[i - 1].id + 1);
	assert_true(seq < 3);
}

static void test_client_messages(void **state)
{
	(void)state;
	uint8_t b[512];
	/* a response from a client, or garbage: dropped */
	assert_int_equal(dns_upstream_on_query(&up, 1, DNS_UP_UDP, rbuf, rlen, 0), DNS_UP_DROPPED);
	assert_int_equal(dns_upstream_on_query(&up, 1, DNS_UP_UDP, qbuf, 11, 0), DNS_UP_DROPPED);
	/* opcode STATUS: NOTIMP */
	memcpy(b, qbuf, qlen);
	b[2] = 0x11;
	assert_int_equal(dns_upstream_on_query(&up, 1, DNS_UP_UDP, b, qlen, 0), DNS_UP_ANSWERED);
	assert_int_equal(rec.reply[0][3] & 0xf, DNS_RCODE_NOTIMP);
	assert_int_equal(rec.n_sent, 0);
	/* no servers: SERVFAIL */
	dns_upstream_set_servers(&up, servers, 0, 0);
	assert_int_equal(dns_upstream_on_query(&up, 1, DNS_UP_UDP, qbuf, qlen, 0), DNS_UP_ANSWERED);
	assert_int_equal(rec.reply[1][3] & 0xf, DNS_RCODE_SERVFAIL);
	/* a query under way when the list changes: old servers' replies no longer count */
	dns_upstream_set_servers(&up, servers, 3, 0);
	dns_upstream_on_query(&up, 2, DNS_UP_UDP, qbuf, qlen, 0);
	dns_upstream_set_servers(&up, servers + 1, 2, 10);
	answer_from(0, rec.sent[0].id, 20);
	assert_int_equal(rec.n_replies, 2);
	dns_upstream_on_timer(&up, 1500);
	assert_int_equal(rec.sent[1].server, 0); /* the new list's first: 2001:db8::53 */
	assert_int_equal(up.srv[0].family, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failover_and_spoofing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_time_out_servfail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_error_and_server_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_retry_of_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unique_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_messages, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
