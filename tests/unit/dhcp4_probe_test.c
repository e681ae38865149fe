/* DHCPv4 probe FSM scripts against a fake clock and a seeded rng: to=/tr= retransmission with a
 * doubling (capped) wait, every matching OFFER collected (one per server id, at most 4), OFFERs
 * for another xid or chaddr, non-OFFERs and damaged frames ignored, on_done exactly once at the
 * end of the last wait, stop and restart. Server frames are the dnsmasq 2.90 OFFER capture of
 * dhcp4_codec_test.c with xid, server id and message type rewritten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "dhcp4/dhcp4_probe.h"
#include "test_util.h"

/* dnsmasq 2.90 OFFER (see dhcp4_codec_test.c), UDP checksum recomputed by mk_offer(). */
static const char offer_head[] =
	"ffffffffffff 02aabbccdd01 0800"
	"45c0 0148 96dd 0000 4011 2007 c0000201 ffffffff"
	"0043 0044 0134 c346"
	"02 01 06 00 12345678 0000 8000 00000000 c0000299 c0000201 00000000 02aabbccdd02";
static const char offer_tail[] =
	"63825363 350102 3604c0000201 330400 00a8c0 3a0400005460 3b04000093a8 0104ffffff00"
	"1c04c00002ff 0604c0000235 0304c0000201 ff 0000000000000000";
#define OFFER_LEN 342
#define OFF_XID (42 + 4)
#define OFF_CHADDR (42 + 28)
#define OFF_TYPE (42 + 240 + 2)
#define OFF_SID (42 + 240 + 5)
#define OFF_YIADDR (42 + 16)

static const uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02 };

static struct rec {
	int n_send, n_done;
	uint8_t frame[16][400];
	size_t len[16];
	uint64_t at[16];
	uint64_t now;
	size_t n_offers;
	struct dhcp4_offer offers[DHCP4_PROBE_MAX_OFFERS];
} rec;

static void r_send(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	assert_true(rec.n_send < 16 && len <= 400);
	memcpy(rec.frame[rec.n_send], frame, len);
	rec.len[rec.n_send] = len;
	rec.at[rec.n_send++] = rec.now;
}

static void r_done(void *ctx, const struct dhcp4_offer *offers, size_t n)
{
	(void)ctx;
	rec.n_done++;
	assert_true(n <= DHCP4_PROBE_MAX_OFFERS);
	rec.n_offers = n;
	memcpy(rec.offers, offers, n * sizeof(*offers));
}

static const struct dhcp4_probe_ops ops = { .send = r_send, .on_done = r_done };

static struct dhcp4_probe pr;
static struct v6l_rng rng;

static void setup_probe(uint32_t timeout_ms, uint32_t tries)
{
	memset(&rec, 0, sizeof(rec));
	rng_init_seed(&rng, 4);
	struct dhcp4_probe_cfg cfg = { .timeout_ms = timeout_ms, .tries = tries, .name = "eth0" };
	memcpy(cfg.mac, mac, 6);
	dhcp4_probe_init(&pr, &cfg, &ops, NULL, &rng);
	assert_int_equal(pr.state, DHCP4_PROBE_IDLE);
	assert_true(dhcp4_probe_next_deadline(&pr) == V6L_NEVER);
}

static void at(uint64_t t)
{
	rec.now = t;
	dhcp4_probe_on_timer(&pr, t);
}

/* Every frame sent is a DISCOVER (never a REQUEST) from our MAC with the probe's xid; returns
 * its secs field. */
static uint16_t check_sent(int i)
{
	struct dhcp4_frame f;
	struct dhcp4_msg m;
	uint8_t frame[400];
	memcpy(frame, rec.frame[i], rec.len[i]);
	frame[35] = 67, frame[37] = 68; /* our client-side parser wants server ports */
	assert_int_equal(dhcp4_parse_frame(frame, rec.len[i], false, &f), DHCP4_E_OK);
	assert_memory_equal(f.src_mac, mac, 6);
	assert_int_equal(dhcp4_parse(frame + f.payload_off, f.payload_len, &m), DHCP4_E_OK);
	assert_int_equal(m.msg_type, DHCP4_DISCOVER);
	assert_int_equal(m.xid, pr.xid);
	assert_memory_equal(m.chaddr, mac, 6);
	assert_int_equal(m.flags, DHCP4_FLAG_BROADCAST);
	return m.secs;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The dnsmasq OFFER rewritten: xid, server id (last byte), yiaddr (last byte), type; UDP
 * checksum recomputed (RFC 768) unless zero_csum. */
static size_t mk_offer(uint8_t *f, uint32_t xid, uint8_t sid, uint8_t yi, uint8_t type)
{
	int a = test_hex(offer_head, f, 2048);
	assert_int_equal(a, 42 + 34);
	memset(f + a, 0, 202);
	int b = test_hex(offer_tail, f + a + 202, 2048 - (size_t)a - 202);
	assert_int_equal(a + 202 + b, OFFER_LEN);
	put32(f + OFF_XID, xid);
	f[OFF_SID + 3] = sid;
	f[OFF_YIADDR + 3] = yi;
	f[OFF_TYPE] = type;
	uint32_t sum = 0;
	f[40] = f[41] = 0;
	for (size_t i = 26; i < 34; i++) /* src + dst addresses */
		sum += i % 2 ? f[i] : (uint32_t)f[i] << 8;
	sum += 17 + 308;
	for (size_t i = 34; i < OFFER_LEN; i++)
		sum += (i - 34) % 2 ? f[i] : (uint32_t)f[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t ck = (uint16_t)~sum;
	f[40] = (uint8_t)(ck >> 8), f[41] = (uint8_t)ck;
	return OFFER_LEN;
}

static void deliver(uint64_t t, uint32_t xid, uint8_t sid, uint8_t yi, uint8_t type)
{
	uint8_t f[2048];
	size_t n = mk_offer(f, xid, sid, yi, type);
	rec.now = t;
	dhcp4_probe_on_frame(&pr, f, n, false, t);
}

static void test_retransmit_doubling(void **state)
{
	(void)state;
	setup_probe(1000, 3);
	rec.now = 5000;
	dhcp4_probe_start(&pr, 5000);
	assert_int_equal(pr.state, DHCP4_PROBE_SELECTING);
	assert_int_equal(rec.n_send, 1);
	assert_int_equal(check_sent(0), 0);
	assert_true(dhcp4_probe_next_deadline(&pr) == 6000);
	at(5999); /* early timer: nothing */
	assert_int_equal(rec.n_send, 1);
	at(6000);
	assert_int_equal(rec.n_send, 2);
	assert_int_equal(check_sent(1), 1);
	assert_true(dhcp4_probe_next_deadline(&pr) == 8000);
	at(8000);
	assert_int_equal(rec.n_send, 3);
	assert_int_equal(check_sent(2), 3);
	assert_true(dhcp4_probe_next_deadline(&pr) == 12000);
	at(11999);
	assert_int_equal(rec.n_done, 0);
	at(12000); /* end of the last wait: done, no fourth DISCOVER */
	assert_int_equal(rec.n_send, 3);
	assert_int_equal(rec.n_done, 1);
	assert_int_equal(rec.n_offers, 0);
	assert_int_equal(pr.state, DHCP4_PROBE_DONE);
	assert_true(dhcp4_probe_next_deadline(&pr) == V6L_NEVER);
	at(50000);
	assert_int_equal(rec.n_send, 3);
	assert_int_equal(rec.n_done, 1);
	assert_int_equal(pr.stats.sent, 3);
}

static void test_defaults_and_cap(void **state)
{
	(void)state;
	setup_probe(0, 0); /* to=2000 tr=3: 2 + 4 + 8 s */
	dhcp4_probe_start(&pr, 0);
	at(2000);
	at(6000);
	assert_int_equal(rec.n_send, 3);
	at(13999);
	assert_int_equal(rec.n_done, 0);
	at(14000);
	assert_int_equal(rec.n_done, 1);
	setup_probe(40000, 3); /* doubling capped at 60 s */
	dhcp4_probe_start(&pr, 0);
	at(40000);
	assert_true(dhcp4_probe_next_deadline(&pr) == 100000);
	at(100000);
	assert_true(dhcp4_probe_next_deadline(&pr) == 160000);
	at(160000);
	assert_int_equal(rec.n_send, 3);
	assert_int_equal(rec.n_done, 1);
	setup_probe(500, 1); /* tr=1: one DISCOVER, one wait */
	dhcp4_probe_start(&pr, 0);
	at(500);
	assert_int_equal(rec.n_send, 1);
	assert_int_equal(rec.n_done, 1);
}

static void test_offers_collected(void **state)
{
	(void)state;
	setup_probe(1000, 2);
	dhcp4_probe_start(&pr, 0);
	uint32_t xid = pr.xid;
	deliver(10, xid, 1, 153, DHCP4_OFFER);
	deliver(20, xid ^ 1, 9, 10, DHCP4_OFFER);    /* other xid */
	deliver(30, xid, 2, 154, DHCP4_ACK);         /* not an OFFER */
	uint8_t f[2048];
	size_t n = mk_offer(f, xid, 3, 155, DHCP4_OFFER);
	f[OFF_CHADDR + 5] ^= 0xff;                   /* other chaddr; checksum now wrong too */
	dhcp4_probe_on_frame(&pr, f, n, true, 40);   /* offload flag: checksum not checked */
	assert_int_equal(pr.stats.dropped_match, 3);
	n = mk_offer(f, xid, 4, 156, DHCP4_OFFER);
	f[OFF_YIADDR] ^= 1;                          /* damaged in flight */
	dhcp4_probe_on_frame(&pr, f, n, false, 50);
	assert_int_equal(pr.stats.dropped_parse, 1);
	at(1000);                                    /* retransmission, same xid */
	assert_int_equal(rec.n_send, 2);
	assert_int_equal(check_sent(1), 1);
	deliver(1500, xid, 1, 160, DHCP4_OFFER);     /* same server again: replaces */
	deliver(2500, xid, 2, 170, DHCP4_OFFER);
	assert_int_equal(rec.n_done, 0);
	at(3000);
	assert_int_equal(rec.n_done, 1);
	assert_int_equal(rec.n_offers, 2);
	const struct dhcp4_offer *o = &rec.offers[0];
	assert_memory_equal(o->server_id, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(o->server_mac, "\x02\xaa\xbb\xcc\xdd\x01", 6);
	assert_memory_equal(o->yiaddr, "\xc0\x00\x02\xa0", 4); /* 160 from the repeat */
	assert_true(o->has_lease_time);
	assert_int_equal(o->lease_time_s, 43200);
	assert_true(o->has_subnet_mask);
	assert_memory_equal(o->subnet_mask, "\xff\xff\xff\x00", 4);
	assert_int_equal(o->n_routers, 1);
	assert_memory_equal(o->routers[0], "\xc0\x00\x02\x01", 4);
	assert_int_equal(o->n_dns, 1);
	assert_memory_equal(o->dns[0], "\xc0\x00\x02\x35", 4);
	assert_memory_equal(rec.offers[1].server_id, "\xc0\x00\x02\x02", 4);
	assert_memory_equal(rec.offers[1].yiaddr, "\xc0\x00\x02\xaa", 4);
	assert_int_equal(pr.stats.offers, 3);
	/* After the end nothing is taken and on_done is not repeated. */
	deliver(3100, xid, 5, 1, DHCP4_OFFER);
	at(9000);
	assert_int_equal(rec.n_done, 1);
	assert_int_equal(pr.stats.offers, 3);
}

static void test_offer_cap(void **state)
{
	(void)state;
	setup_probe(1000, 1);
	dhcp4_probe_start(&pr, 0);
	for (uint8_t s = 1; s <= DHCP4_PROBE_MAX_OFFERS + 1; s++)
		deliver(s, pr.xid, s, s, DHCP4_OFFER);
	deliver(20, pr.xid, 2, 99, DHCP4_OFFER); /* a known server still updates when full */
	at(1000);
	assert_int_equal(rec.n_offers, DHCP4_PROBE_MAX_OFFERS);
	assert_int_equal(pr.stats.dropped_full, 1);
	for (size_t i = 0; i < DHCP4_PROBE_MAX_OFFERS; i++)
		assert_int_equal(rec.offers[i].server_id[3], i + 1);
	assert_int_equal(rec.offers[1].yiaddr[3], 99);
}

static void test_no_server_id(void **state)
{
	(void)state;
	setup_probe(1000, 1);
	dhcp4_probe_start(&pr, 0);
	uint8_t f[2048];
	size_t n = mk_offer(f, pr.xid, 1, 1, DHCP4_OFFER);
	f[OFF_SID - 2] = 0xfe; /* option 54 becomes an unknown option */
	f[40] = f[41] = 0;     /* no UDP checksum (RFC 768) */
	dhcp4_probe_on_frame(&pr, f, n, false, 5);
	assert_int_equal(pr.stats.dropped_match, 1);
	at(1000);
	assert_int_equal(rec.n_offers, 0);
}

static void test_stop_restart(void **state)
{
	(void)state;
	setup_probe(1000, 2);
	dhcp4_probe_start(&pr, 0);
	uint32_t xid1 = pr.xid;
	deliver(5, xid1, 1, 1, DHCP4_OFFER);
	dhcp4_probe_stop(&pr, 10);
	assert_int_equal(pr.state, DHCP4_PROBE_IDLE);
	assert_true(dhcp4_probe_next_deadline(&pr) == V6L_NEVER);
	at(1000);
	deliver(1001, xid1, 2, 2, DHCP4_OFFER);
	assert_int_equal(rec.n_send, 1);
	assert_int_equal(rec.n_done, 0);
	rec.now = 2000;
	dhcp4_probe_start(&pr, 2000); /* fresh xid, no old offers */
	assert_int_not_equal(pr.xid, xid1);
	assert_int_equal(check_sent(1), 0);
	deliver(2001, xid1, 3, 3, DHCP4_OFFER);
	at(3000);
	at(5000);
	assert_int_equal(rec.n_done, 1);
	assert_int_equal(rec.n_offers, 0);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(dhcp4_probe_state_name(DHCP4_PROBE_IDLE), "idle");
	assert_string_equal(dhcp4_probe_state_name(DHCP4_PROBE_SELECTING), "selecting");
	assert_string_equal(dhcp4_probe_state_name(DHCP4_PROBE_DONE), "done");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retransmit_doubling),
		cmocka_unit_test(test_defaults_and_cap),
		cmocka_unit_test(test_offers_collected),
		cmocka_unit_test(test_offer_cap),
		cmocka_unit_test(test_no_server_id),
		cmocka_unit_test(test_stop_restart),
		cmocka_unit_test(test_state_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
