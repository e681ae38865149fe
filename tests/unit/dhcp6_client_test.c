/* DHCPv6 client FSM scripts against a fake clock and a seeded rng: RFC 8415 §15 retransmission
 * bounds, §18.2.1 Advertise collection and Rapid Commit, Request/Renew/Rebind/Release, expiry,
 * NoBinding, link change (§18.2.12), stateless refresh (§21.23), and messages dropped by the
 * acceptance rules. Server messages are the kea-dhcp6 2.2.0 / wide-dhcpv6 captures of
 * dhcp6_codec_test.c where possible (same client DUID and IAIDs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/log.h"
#include "dhcp6/dhcp6_auth.h"
#include "dhcp6/dhcp6_client.h"
#include "test_util.h"

/* kea-dhcp6 2.2.0 Advertise (see dhcp6_codec_test.c): IA_NA 1 2001:db8:1::100 3000/4000, IA_PD 2
 * 2001:db8:8000::/56 3000/4000, T1 1000, T2 2000, 2 DNS, 2 domains, refresh 7200. */
static const char kea_adv[] =
	"02 111111 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"0003 0028 00000001 000003e8 000007d0"
	"  0005 0018 20010db8000100000000000000000100 00000bb8 00000fa0"
	"0017 0020 20010db8000000000000000000000053 20010db8000000000000000000000054"
	"0018 001a 076578616d706c65036e657400 03697370076578616d706c6500"
	"0019 0029 00000002 000003e8 000007d0"
	"  001a 0019 00000bb8 00000fa0 38 20010db8800000000000000000000000"
	"0020 0004 00001c20";
/* wide-dhcpv6 dhcp6s Advertise: preference 255, NoAddrsAvail, IA_PD 2 2001:db8:8100::/56. */
static const char wide_adv[] =
	"02 111111 0001 000a 0003000102aabbccdd02 0002 000e 00010001329b08b81eb69ce9af98"
	"0007 0001 ff 000d 0002 0002"
	"0017 0010 20010db8000000000000000000000053 0018 000d 076578616d706c65036f726700"
	"0019 0029 00000002 00000384 000005a0"
	"  001a 0019 00000708 00000e10 38 20010db8810000000000000000000000";
/* kea Reply to Confirm: top-level Success "All addresses are on-link". */
static const char kea_confirm_ok[] =
	"07 454545 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"000d 001b 0000 416c6c2061646472657373657320617265206f6e2d6c696e6b";
/* kea Reply to Information-request. */
static const char kea_info[] =
	"07 555555 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"0017 0020 20010db8000000000000000000000053 20010db8000000000000000000000054"
	"0018 001a 076578616d706c65036e657400 03697370076578616d706c6500"
	"0020 0004 00001c20";

/* RFC 8415 §20.4.1: kea's Reply (as kea_adv) with the Reconfigure Key 00112233..eeff in an RKAP
 * Authentication option (type 1, replay detection 1): that option byte for byte as kea-dhcp6
 * 2.2.0 sent it in test_dhcp6_reconfigure (option-data code 11; see kea_rkey_reply in
 * dhcp6_codec_test.c), with this file's DUIDs and IAIDs; and Reconfigure Accept. */
static const char kea_reply_rkey[] =
	"07 111111 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"0003 0028 00000001 000003e8 000007d0"
	"  0005 0018 20010db8000100000000000000000100 00000bb8 00000fa0"
	"0019 0029 00000002 000003e8 000007d0"
	"  001a 0019 00000bb8 00000fa0 38 20010db8800000000000000000000000"
	"0014 0000"
	"000b 001c 03 01 00 0000000000000001 01 00112233445566778899aabbccddeeff";
/* A Reconfigure for Renew from kea's server id, replay detection 2, its HMAC-MD5 computed with
 * Python's hmac module (see dhcp6_auth_test.c). */
static const char reconf_renew[] =
	"0a 000000 0001 000a 0003000102aabbccdd02 0002 000e 0001000129b9270002aabbccdd01"
	"0013 0001 05"
	"000b 001c 03 01 00 0000000000000002 02 43d52014190bc763f358be12482658ad";
static const uint8_t rkey[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

#define REC_MAX 64

static struct rec {
	int n_send;
	uint8_t pkt[REC_MAX][2048];
	size_t len[REC_MAX];
	uint64_t at[REC_MAX];
	int n_bound, n_lost, n_info;
	struct dhcp6_lease lease;
	char lost[128];
	struct dhcp6_info info;
} rec;

static uint64_t now;
static struct dhcp6_client cl;
static struct v6l_rng rng;
static struct dhcp6_msg sent, srv;

static void rec_send(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	assert_true(rec.n_send < REC_MAX);
	memcpy(rec.pkt[rec.n_send], buf, len);
	rec.len[rec.n_send] = len;
	rec.at[rec.n_send++] = now;
}

static void rec_bound(void *ctx, const struct dhcp6_lease *l)
{
	(void)ctx;
	rec.n_bound++;
	rec.lease = *l;
}

static void rec_lost(void *ctx, const char *why)
{
	(void)ctx;
	rec.n_lost++;
	snprintf(rec.lost, sizeof(rec.lost), "%s", why);
}

static void rec_info(void *ctx, const struct dhcp6_info *in)
{
	(void)ctx;
	rec.n_info++;
	rec.info = *in;
}

static const struct dhcp6_client_ops rec_ops = {
	.send = rec_send, .on_bound = rec_bound, .on_lost = rec_lost, .on_info = rec_info,
};

static const uint8_t mac2[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02 };

static void setup_cl(enum dhcp6_mode mode, bool delay, uint64_t seed)
{
	struct dhcp6_client_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	memset(&rec, 0, sizeof(rec));
	cfg.mode = mode;
	dhcp6_duid_ll(&cfg.duid, mac2);
	cfg.iaid_na = 1;
	cfg.iaid_pd = 2;
	cfg.pd_plen_hint = 56;
	cfg.no_initial_delay = !delay;
	cfg.n_extra_oro = 1;
	cfg.extra_oro[0] = DHCP6_OPT_ADDRSEL;
	log_init("test", false, LOG_LVL_ERR, 0);
	rng_init_seed(&rng, seed);
	now = 1000000;
	dhcp6_client_init(&cl, &cfg, &rec_ops, NULL, &rng, "t");
}

/* Runs the fake event loop up to t. */
static void run_to(uint64_t t)
{
	for (int guard = 0; guard < 10000; guard++) {
		uint64_t d = dhcp6_client_next_deadline(&cl);
		if (d > t)
			break;
		assert_true(d >= now);
		now = d;
		dhcp6_client_on_timer(&cl, now);
	}
	now = t;
}

static const struct dhcp6_msg *sent_msg(int i)
{
	assert_true(i < rec.n_send);
	assert_int_equal(dhcp6_parse(rec.pkt[i], rec.len[i], &sent), DHCP6_E_OK);
	return &sent;
}

static const struct dhcp6_msg *last_msg(void)
{
	return sent_msg(rec.n_send - 1);
}

/* Feeds a captured server message, retargeted at the current exchange. */
static void feed(const char *hex, uint8_t type)
{
	uint8_t b[2048];
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > 0);
	assert_int_equal(dhcp6_parse(b, (size_t)n, &srv), DHCP6_E_OK);
	srv.type = type;
	srv.xid = cl.xid;
	dhcp6_client_on_msg(&cl, &srv, now);
}

static const struct dhcp6_ia *find_ia(const struct dhcp6_msg *m, uint16_t type)
{
	for (uint8_t i = 0; i < m->n_ia; i++)
		if (m->ia[i].type == type)
			return &m->ia[i];
	return NULL;
}

static bool has_oro(const struct dhcp6_msg *m, uint16_t code)
{
	for (uint8_t i = 0; i < m->n_oro; i++)
		if (m->oro[i] == code)
			return true;
	return false;
}

static uint8_t pfx8000[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x80 };
static uint8_t pfx8100[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x81 };

/* Solicit -> kea Advertise -> (first RT) Request -> kea Reply: bound. */
static void bind_kea(void)
{
	dhcp6_client_start(&cl, now);
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	while (rec.n_send == 0)
		run_to(now + 10); /* through any SOL_MAX_DELAY */
	assert_int_equal(rec.n_send, 1);
	feed(kea_adv, DHCP6_ADVERTISE);
	run_to(rec.at[0] + 1200);
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	feed(kea_adv, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
}

static void test_solicit_retransmission(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		setup_cl(DHCP6_MODE_NA_PD, true, seed);
		uint64_t t0 = now;
		dhcp6_client_start(&cl, now);
		assert_int_equal(rec.n_send, 0); /* §18.2.1: SOL_MAX_DELAY first */
		assert_true(dhcp6_client_next_deadline(&cl) <= t0 + 1000);
		run_to(t0 + 1000);
		assert_int_equal(rec.n_send, 1);
		const struct dhcp6_msg *s = sent_msg(0);
		assert_int_equal(s->type, DHCP6_SOLICIT);
		assert_int_equal(s->elapsed_cs, 0);
		assert_int_equal(s->client_id.len, 10);
		assert_int_equal(s->server_id.len, 0);
		assert_non_null(find_ia(s, DHCP6_OPT_IA_NA));
		assert_int_equal(find_ia(s, DHCP6_OPT_IA_PD)->addrs[0].plen, 56);
		assert_true(has_oro(s, DHCP6_OPT_DNS_SERVERS) && has_oro(s, DHCP6_OPT_SOL_MAX_RT));
		assert_true(has_oro(s, DHCP6_OPT_ADDRSEL));
		assert_false(s->rapid_commit);
		/* 28 hours of silence: every RT within §15's bounds, capped at SOL_MAX_RT. */
		run_to(now + 28ull * 3600 * 1000);
		uint64_t rt_prev = rec.at[1] - rec.at[0];
		assert_true(rt_prev > 1000 && rt_prev <= 1100); /* first RAND strictly > 0 */
		for (int i = 2; i < rec.n_send; i++) {
			uint64_t rt = rec.at[i] - rec.at[i - 1];
			/* Uncapped: 2*RTprev +- 10 %; over SOL_MAX_RT: MRT +- 10 %. */
			uint64_t lo = 2 * rt_prev - rt_prev / 10, hi = 2 * rt_prev + rt_prev / 10;
			bool ok = rt >= lo && rt <= hi && rt <= 3600000;
			ok = ok || (hi > 3600000 && rt >= 3240000 && rt <= 3960000);
			if (!ok)
				fail_msg("seed %d tx %d: rt %llu prev %llu", (int)seed, i,
					(unsigned long long)rt, (unsigned long long)rt_prev);
			uint64_t el = (rec.at[i] - rec.at[0]) / 10;
			assert_int_equal(sent_msg(i)->elapsed_cs, el > 0xffff ? 0xffff : el);
			assert_int_equal(sent.xid, cl.xid); /* one transaction */
			rt_prev = rt;
		}
		assert_true(rec.n_send > 30 && rec.n_send < 45);
	}
}

static void test_advertise_collection(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 3);
	dhcp6_client_start(&cl, now);
	assert_int_equal(rec.n_send, 1);
	uint64_t rt1 = dhcp6_client_next_deadline(&cl);
	/* An Advertise offering nothing is ignored but its SOL_MAX_RT is taken (§18.2.9). */
	feed("02 000000 0001 000a 0003000102aabbccdd02 0002 0004 00030001 000d 0002 0002"
	     "0052 0004 0000003c",
		DHCP6_ADVERTISE);
	assert_int_equal(cl.sol_max_rt_s, 60);
	/* kea: both IAs, no preference. */
	feed(kea_adv, DHCP6_ADVERTISE);
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	/* Only a prefix but preference 200: scores lower than both IAs. */
	feed("02 000000 0001 000a 0003000102aabbccdd02 0002 0004 00030002 0007 0001 c8"
	     "0019 0029 00000002 00000000 00000000"
	     "  001a 0019 00000708 00000e10 38 20010db8820000000000000000000000",
		DHCP6_ADVERTISE);
	/* Both IAs and preference 10: the best so far. */
	srv.has_preference = true;
	srv.preference = 10;
	feed(kea_adv, DHCP6_ADVERTISE);
	srv = cl.best;
	srv.has_preference = true;
	srv.preference = 10;
	srv.server_id.b[13] = 0x77;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(cl.best.server_id.b[13], 0x77);
	assert_int_equal(rec.n_send, 1);
	run_to(rt1);
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	uint32_t sol_xid = sent_msg(0)->xid;
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(r->type, DHCP6_REQUEST);
	assert_int_equal(r->server_id.b[13], 0x77);
	assert_int_not_equal(r->xid, sol_xid);
	assert_int_equal(r->elapsed_cs, 0);
	const struct dhcp6_ia *na = find_ia(r, DHCP6_OPT_IA_NA), *pd = find_ia(r, DHCP6_OPT_IA_PD);
	assert_int_equal(na->addrs[0].addr[15], 0x00);
	assert_int_equal(na->addrs[0].addr[14], 0x01); /* ::100 offered */
	assert_int_equal(na->addrs[0].valid_s, 0);       /* §21.6: 0 from a client */
	assert_int_equal(na->t1_s, 0);
	assert_memory_equal(pd->addrs[0].addr, pfx8000, 16);
	assert_int_equal(pd->addrs[0].plen, 56);
}

static void test_advertise_after_first_rt_and_255(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 4);
	dhcp6_client_start(&cl, now);
	run_to(now + 5000); /* several Solicits, nothing heard */
	assert_true(rec.n_send >= 2);
	int n = rec.n_send;
	feed(kea_adv, DHCP6_ADVERTISE); /* after the first RT: taken at once */
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	assert_int_equal(rec.n_send, n + 1);

	setup_cl(DHCP6_MODE_NA_PD, false, 5);
	dhcp6_client_start(&cl, now);
	feed(wide_adv, DHCP6_ADVERTISE); /* preference 255, prefix only: at once */
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	const struct dhcp6_msg *r = last_msg();
	assert_memory_equal(find_ia(r, DHCP6_OPT_IA_PD)->addrs[0].addr, pfx8100, 16);
	assert_int_equal(find_ia(r, DHCP6_OPT_IA_NA)->n_addrs, 0);
}

static void test_rapid_commit(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 6);
	cl.cfg.rapid_commit = true;
	dhcp6_client_start(&cl, now);
	assert_true(last_msg()->rapid_commit);
	feed(kea_adv, DHCP6_REPLY); /* a Reply without Rapid Commit is not enough */
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	assert_int_equal(cl.n_dropped, 1);
	srv.rapid_commit = true;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(rec.n_bound, 1);
	assert_int_equal(rec.lease.n_addrs, 1);
	assert_int_equal(rec.lease.n_prefixes, 1);

	setup_cl(DHCP6_MODE_NA_PD, false, 6); /* not asked for: dropped */
	dhcp6_client_start(&cl, now);
	feed(kea_adv, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
}

static void test_bound_renew_rebind(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 7);
	bind_kea();
	uint64_t tb = now;
	assert_int_equal(rec.n_bound, 1);
	assert_true(rec.lease.addrs_changed && rec.lease.prefixes_changed);
	assert_int_equal(rec.lease.addrs[0].valid_s, 4000);
	assert_int_equal(rec.lease.prefixes[0].preferred_s, 3000);
	assert_memory_equal(rec.lease.prefixes[0].addr, pfx8000, 16);
	assert_int_equal(rec.lease.t1_s, 1000);
	assert_int_equal(rec.lease.t2_s, 2000);
	assert_int_equal(rec.lease.info.n_dns, 2);
	assert_string_equal(rec.lease.info.domains[1], "isp.example");
	assert_int_equal(dhcp6_client_next_deadline(&cl), tb + 1000000);
	int n = rec.n_send;
	run_to(tb + 999999);
	assert_int_equal(rec.n_send, n);
	run_to(tb + 1000000); /* T1 */
	assert_int_equal(cl.state, DHCP6_CL_RENEW);
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(r->type, DHCP6_RENEW);
	assert_int_equal(r->server_id.len, 14);
	assert_memory_equal(find_ia(r, DHCP6_OPT_IA_PD)->addrs[0].addr, pfx8000, 16);
	assert_int_equal(find_ia(r, DHCP6_OPT_IA_NA)->addrs[0].preferred_s, 0);
	/* REN_TIMEOUT 10 s +-10 %, then doubling. */
	run_to(now + 11000);
	assert_int_equal(rec.n_send, n + 2);
	uint64_t rt = rec.at[n + 1] - rec.at[n];
	assert_true(rt >= 9000 && rt <= 11000);
	assert_int_equal(last_msg()->elapsed_cs, rt / 10);
	now += 500;
	feed(kea_adv, DHCP6_REPLY); /* same leases: lifetimes updated, no set change */
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(rec.n_bound, 2);
	assert_false(rec.lease.addrs_changed);
	assert_false(rec.lease.prefixes_changed);
	uint64_t t_renewed = now;
	assert_int_equal(dhcp6_client_next_deadline(&cl), t_renewed + 1000000);
	/* Nobody answers this time: Renew until T2, then Rebind without a server id. */
	run_to(t_renewed + 2000000);
	assert_int_equal(cl.state, DHCP6_CL_REBIND);
	r = last_msg();
	assert_int_equal(r->type, DHCP6_REBIND);
	assert_int_equal(r->server_id.len, 0);
	for (int i = n + 2; i < rec.n_send - 1; i++)
		assert_true(rec.at[i] < t_renewed + 2000000);
	feed(kea_adv, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(rec.n_lost, 0);
}

static void test_expiry(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 8);
	bind_kea();
	uint64_t tb = now;
	run_to(tb + 4000000 - 1);
	assert_int_equal(cl.state, DHCP6_CL_REBIND);
	assert_int_equal(rec.n_lost, 0);
	int n = rec.n_send;
	run_to(tb + 4000000); /* valid lifetime over */
	assert_int_equal(rec.n_lost, 1);
	assert_string_equal(rec.lost, "valid lifetime expired");
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	assert_int_equal(last_msg()->type, DHCP6_SOLICIT);
	assert_int_equal(rec.n_send, n + 1);
	assert_false(cl.has_lease);
}

/* A hand-made Reply for the current exchange: kea's server, our DUID. */
static void mk_reply(struct dhcp6_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = DHCP6_REPLY;
	m->xid = cl.xid;
	m->client_id = cl.cfg.duid;
	dhcp6_duid_llt(&m->server_id, (const uint8_t *)"\x02\xaa\xbb\xcc\xdd\x01", 700000000);
}

static void add_ia(struct dhcp6_msg *m, uint16_t type, uint32_t iaid, uint32_t t1, uint32_t t2,
	const uint8_t addr[16], uint8_t plen, uint32_t pref, uint32_t valid)
{
	struct dhcp6_ia *ia = &m->ia[m->n_ia++];
	ia->type = type;
	ia->iaid = iaid;
	ia->t1_s = t1;
	ia->t2_s = t2;
	if (!addr)
		return;
	memcpy(ia->addrs[0].addr, addr, 16);
	ia->addrs[0].plen = plen;
	ia->addrs[0].preferred_s = pref;
	ia->addrs[0].valid_s = valid;
	ia->n_addrs = 1;
}

static void test_nobinding_and_status(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_PD, false, 9);
	dhcp6_client_start(&cl, now);
	feed(wide_adv, DHCP6_ADVERTISE);
	/* UnspecFail: keep retransmitting the Request (§18.2.10). */
	mk_reply(&srv);
	srv.status.present = true;
	srv.status.code = DHCP6_ST_UNSPEC_FAIL;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	mk_reply(&srv);
	add_ia(&srv, DHCP6_OPT_IA_PD, 2, 0, 0, pfx8100, 56, 1800, 3600);
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	/* §21.4 defaults: T1 0.5, T2 0.8 of the shortest preferred lifetime. */
	assert_int_equal(rec.lease.t1_s, 900);
	assert_int_equal(rec.lease.t2_s, 1440);
	assert_int_equal(dhcp6_client_next_deadline(&cl), now + 900000);
	run_to(now + 900000);
	assert_int_equal(cl.state, DHCP6_CL_RENEW);
	/* §18.2.10.1: NoBinding in the IA: Request to reinstate it, same IAs and server. */
	mk_reply(&srv);
	add_ia(&srv, DHCP6_OPT_IA_PD, 2, 0, 0, NULL, 0, 0, 0);
	srv.ia[0].status.present = true;
	srv.ia[0].status.code = DHCP6_ST_NO_BINDING;
	int n = rec.n_send;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	assert_int_equal(rec.n_send, n + 1);
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(r->type, DHCP6_REQUEST);
	assert_memory_equal(r->server_id.b, srv.server_id.b, srv.server_id.len);
	assert_memory_equal(find_ia(r, DHCP6_OPT_IA_PD)->addrs[0].addr, pfx8100, 16);
	/* REQ_MAX_RC 10: then back to Solicit, the prefix still held as a hint. */
	run_to(now + 300000);
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	int req = 0;
	for (int i = n; i < rec.n_send; i++)
		req += sent_msg(i)->type == DHCP6_REQUEST;
	assert_int_equal(req, 10);
	assert_memory_equal(find_ia(last_msg(), DHCP6_OPT_IA_PD)->addrs[0].addr, pfx8100, 16);
}

static void test_link_change_rebind(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, true, 10);
	bind_kea();
	dhcp6_client_stop(&cl, now); /* PPP down */
	assert_int_equal(dhcp6_client_next_deadline(&cl), V6L_NEVER);
	now += 30000;
	int n = rec.n_send;
	dhcp6_client_start(&cl, now); /* redial: §18.2.12 Rebind */
	assert_int_equal(cl.state, DHCP6_CL_REBIND);
	run_to(now + 1000); /* CNF_MAX_DELAY */
	assert_int_equal(rec.n_send, n + 1);
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(r->type, DHCP6_REBIND);
	assert_int_equal(r->server_id.len, 0);
	assert_memory_equal(find_ia(r, DHCP6_OPT_IA_PD)->addrs[0].addr, pfx8000, 16);
	feed(kea_adv, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_false(rec.lease.prefixes_changed);
	assert_int_equal(rec.n_lost, 0);

	/* Second redial: the server is silent for CNF_MAX_RD (10 s), then Solicit with hints. */
	dhcp6_client_on_link_change(&cl, now);
	uint64_t t0 = now;
	n = rec.n_send;
	run_to(t0 + 12000);
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	int rebinds = 0;
	for (int i = n; i < rec.n_send; i++) {
		if (sent_msg(i)->type == DHCP6_REBIND) {
			rebinds++;
			assert_true(rec.at[i] - t0 <= 10000);
			if (i > n)
				assert_true(rec.at[i] - rec.at[i - 1] <= 4400); /* CNF_MAX_RT + 10 % */
		}
	}
	assert_true(rebinds >= 3);
	assert_int_equal(rec.n_lost, 0);
	run_to(now + 2000);
	assert_memory_equal(find_ia(last_msg(), DHCP6_OPT_IA_PD)->addrs[0].addr, pfx8000, 16);
	/* A different prefix this time: the old one is replaced in the reported set. */
	feed(wide_adv, DHCP6_ADVERTISE);
	mk_reply(&srv);
	add_ia(&srv, DHCP6_OPT_IA_PD, 2, 900, 1440, pfx8100, 56, 1800, 3600);
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_true(rec.lease.prefixes_changed);
	assert_int_equal(rec.lease.n_prefixes, 1);
	assert_memory_equal(rec.lease.prefixes[0].addr, pfx8100, 16);
	assert_int_equal(rec.lease.n_addrs, 0);
}

static void test_confirm(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA, false, 11);
	bind_kea();
	assert_int_equal(rec.lease.n_prefixes, 0);
	dhcp6_client_on_link_change(&cl, now);
	assert_int_equal(cl.state, DHCP6_CL_CONFIRM);
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(r->type, DHCP6_CONFIRM);
	assert_int_equal(r->server_id.len, 0);
	assert_int_equal(r->n_oro, 0);
	assert_int_equal(r->n_ia, 1);
	assert_int_equal(r->ia[0].addrs[0].addr[14], 0x01);
	int nb = rec.n_bound;
	feed(kea_confirm_ok, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(rec.n_bound, nb);
	/* NotOnLink: everything goes, Solicit again. */
	dhcp6_client_on_link_change(&cl, now);
	mk_reply(&srv);
	srv.status.present = true;
	srv.status.code = DHCP6_ST_NOT_ON_LINK;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(rec.n_lost, 1);
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	/* Redial after T2 (link down 2100 s): Confirm Success, then Rebind at once. */
	setup_cl(DHCP6_MODE_NA, false, 17);
	bind_kea();
	dhcp6_client_stop(&cl, now);
	now += 2100000;
	dhcp6_client_start(&cl, now);
	assert_int_equal(cl.state, DHCP6_CL_CONFIRM);
	feed(kea_confirm_ok, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(dhcp6_client_next_deadline(&cl), now);
	run_to(now);
	assert_int_equal(cl.state, DHCP6_CL_REBIND);
	assert_int_equal(last_msg()->type, DHCP6_REBIND);
	/* Silence after a redial: keep the addresses (§18.2.3). */
	setup_cl(DHCP6_MODE_NA, false, 12);
	bind_kea();
	dhcp6_client_on_link_change(&cl, now);
	run_to(now + 10000);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(rec.n_lost, 0);
}

static void test_release(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 13);
	bind_kea();
	int n = rec.n_send;
	dhcp6_client_release(&cl, now);
	assert_int_equal(rec.n_send, n + 1);
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(r->type, DHCP6_RELEASE);
	assert_int_equal(r->server_id.len, 14);
	assert_int_equal(r->n_ia, 2);
	assert_int_equal(r->n_oro, 0);
	assert_true(r->has_elapsed);
	assert_int_equal(rec.n_lost, 1);
	assert_string_equal(rec.lost, "released");
	assert_int_equal(cl.state, DHCP6_CL_IDLE);
	assert_int_equal(dhcp6_client_next_deadline(&cl), V6L_NEVER);
	run_to(now + 100000000);
	assert_int_equal(rec.n_send, n + 1);
	dhcp6_client_start(&cl, now); /* nothing held: Solicit */
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
}

/* RFC 8415 §18.2.8: an IA_NA address that failed DAD leaves the binding at once (the prefix
 * stays), a Decline with only that address goes to the server that gave it, retransmitted at
 * DEC_TIMEOUT 1 s doubling, DEC_MAX_RC 4; any Reply ends it (§18.2.10.1), even NoBinding, and a
 * Solicit asks for another address. An address not in the binding changes nothing. */
static void test_decline_after_dad_failure(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 21);
	bind_kea();
	assert_int_equal(rec.lease.n_addrs, 1);
	uint8_t addr[16], other[16];
	memcpy(addr, rec.lease.addrs[0].addr, 16);
	memcpy(other, addr, 16);
	other[15] ^= 1;
	int nb = rec.n_bound, n = rec.n_send;
	dhcp6_client_decline(&cl, other, now);
	assert_int_equal(rec.n_send, n);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);

	dhcp6_client_decline(&cl, addr, now);
	assert_int_equal(cl.state, DHCP6_CL_DECLINE);
	assert_int_equal(rec.n_bound, nb + 1);
	assert_int_equal(rec.lease.n_addrs, 0);
	assert_int_equal(rec.lease.n_prefixes, 1);
	assert_true(rec.lease.addrs_changed);
	assert_int_equal(rec.n_lost, 0);
	assert_int_equal(cl.n_declined, 1);
	assert_int_equal(rec.n_send, n + 1);
	const struct dhcp6_msg *d = last_msg();
	assert_int_equal(d->type, DHCP6_DECLINE);
	assert_int_equal(d->server_id.len, 14);
	assert_int_equal(d->n_oro, 0);
	assert_false(d->reconf_accept);
	assert_int_equal(d->n_ia, 1);
	assert_int_equal(d->ia[0].type, DHCP6_OPT_IA_NA);
	assert_int_equal(d->ia[0].iaid, 1);
	assert_int_equal(d->ia[0].n_addrs, 1);
	assert_memory_equal(d->ia[0].addrs[0].addr, addr, 16);
	assert_string_equal(dhcp6_client_state_name(DHCP6_CL_DECLINE), "decline");

	/* unanswered: 4 transmissions 1, 2, 4 s apart (±10 %), the last one's 8 s, then Solicit */
	uint64_t t0 = now;
	while (cl.state == DHCP6_CL_DECLINE && now < t0 + 20000)
		run_to(now + 10);
	assert_true(now >= t0 + 1000 * 15 * 9 / 10);
	assert_int_equal(rec.n_send, n + 5); /* 4 Declines + the Solicit */
	for (int i = n + 1; i < n + 4; i++) {
		assert_int_equal(sent_msg(i)->type, DHCP6_DECLINE);
		uint64_t gap = rec.at[i] - rec.at[i - 1];
		uint64_t want = 1000u << (i - n - 1);
		assert_true(gap >= want * 9 / 10 && gap <= want * 11 / 10 + 1);
	}
	assert_int_equal(sent_msg(n + 4)->type, DHCP6_SOLICIT);
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	assert_int_equal(cl.n_prefixes, 1); /* still held until the new binding */
}

static void test_decline_answered_and_only_address(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA, false, 22);
	bind_kea();
	uint8_t addr[16];
	memcpy(addr, rec.lease.addrs[0].addr, 16);
	int n = rec.n_send;
	dhcp6_client_decline(&cl, addr, now);
	assert_int_equal(rec.n_lost, 1); /* nothing else held */
	assert_int_equal(cl.state, DHCP6_CL_DECLINE);
	assert_int_equal(last_msg()->server_id.len, 14); /* the server kept for the Decline */
	now += 300;
	feed(kea_adv, DHCP6_REPLY); /* a Reply with whatever IAs: the Decline is done */
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	assert_false(cl.has_lease);
	while (rec.n_send == n + 1)
		run_to(now + 10);
	assert_int_equal(last_msg()->type, DHCP6_SOLICIT);
	dhcp6_client_decline(&cl, addr, now); /* no longer held: ignored */
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	assert_int_equal(cl.n_declined, 1);
}

static void test_stateless(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_STATELESS, true, 14);
	dhcp6_client_start(&cl, now);
	assert_int_equal(cl.state, DHCP6_CL_INFO_REQ);
	run_to(now + 1000); /* INF_MAX_DELAY */
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(r->type, DHCP6_INFORMATION_REQUEST);
	assert_int_equal(r->n_ia, 0);
	assert_true(has_oro(r, DHCP6_OPT_INFO_REFRESH_TIME) && has_oro(r, DHCP6_OPT_INF_MAX_RT));
	feed(kea_info, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_INFO_BOUND);
	assert_int_equal(rec.n_info, 1);
	assert_int_equal(rec.info.n_dns, 2);
	assert_int_equal(rec.info.refresh_s, 7200);
	assert_string_equal(rec.info.domains[0], "example.net");
	uint64_t t = now;
	assert_int_equal(dhcp6_client_next_deadline(&cl), t + 7200000);
	int n = rec.n_send;
	run_to(t + 7200000 + 1000);
	assert_int_equal(rec.n_send, n + 1);
	/* §21.23: below IRT_MINIMUM -> 600 s; absent -> IRT_DEFAULT. */
	mk_reply(&srv);
	srv.has_info_refresh = true;
	srv.info_refresh_s = 5;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(rec.info.refresh_s, 600);
	run_to(now + 600000 + 1000);
	mk_reply(&srv);
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(rec.info.refresh_s, 86400);
	assert_int_equal(rec.n_info, 3);
}

static void test_acceptance(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, true, 15);
	dhcp6_client_start(&cl, now);
	feed(kea_adv, DHCP6_ADVERTISE); /* during the initial delay: nothing sent yet */
	assert_int_equal(cl.n_dropped, 1);
	run_to(now + 1000);
	assert_int_equal(rec.n_send, 1);
	mk_reply(&srv);
	srv.type = DHCP6_ADVERTISE;
	add_ia(&srv, DHCP6_OPT_IA_PD, 2, 0, 0, pfx8100, 56, 100, 200);
	srv.xid ^= 1;
	dhcp6_client_on_msg(&cl, &srv, now); /* wrong xid */
	srv.xid ^= 1;
	srv.client_id.b[9] ^= 1;
	dhcp6_client_on_msg(&cl, &srv, now); /* not our DUID */
	srv.client_id.len = 0;
	dhcp6_client_on_msg(&cl, &srv, now); /* no client id */
	srv.client_id = cl.cfg.duid;
	srv.server_id.len = 0;
	dhcp6_client_on_msg(&cl, &srv, now); /* no server id */
	srv.type = DHCP6_RECONFIGURE;
	dhcp6_client_on_msg(&cl, &srv, now);
	srv.type = DHCP6_SOLICIT;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(cl.n_dropped, 7);
	assert_false(cl.has_best);
	dhcp6_client_on_packet(&cl, (const uint8_t *)"\x02\x00", 2, now);
	assert_int_equal(cl.n_dropped, 8);
	/* Through on_packet with the real bytes and the right xid: accepted. */
	uint8_t b[1024];
	int len = test_hex(kea_adv, b, sizeof(b));
	b[1] = (uint8_t)(cl.xid >> 16);
	b[2] = (uint8_t)(cl.xid >> 8);
	b[3] = (uint8_t)cl.xid;
	dhcp6_client_on_packet(&cl, b, (size_t)len, now);
	assert_true(cl.has_best);
	run_to(now + 1200);
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	feed(kea_adv, DHCP6_ADVERTISE); /* Advertise in REQUEST */
	assert_int_equal(cl.n_dropped, 9);
	feed(kea_adv, DHCP6_REPLY);
	feed(kea_adv, DHCP6_REPLY); /* Reply in BOUND */
	assert_int_equal(cl.n_dropped, 10);
	assert_int_equal(rec.n_bound, 1);
}

/* ---- Reconfigure (§18.2.11, §20.4) ---- */

static struct dhcp6_msg rc;

/* A Reconfigure from kea's server to us asking for msg, with an RKAP HMAC field (replay). */
static void rc_init(uint8_t msg, uint64_t replay)
{
	uint8_t b[64];
	memset(&rc, 0, sizeof(rc));
	rc.type = DHCP6_RECONFIGURE;
	rc.xid = 0x5a5a5a; /* §18.2.11: ignored */
	rc.client_id = cl.cfg.duid;
	assert_int_equal(test_hex("0001000129b9270002aabbccdd01", b, sizeof(b)), 14);
	rc.server_id.len = 14;
	memcpy(rc.server_id.b, b, 14);
	rc.has_reconf_msg = true;
	rc.reconf_msg = msg;
	rc.auth.present = true;
	rc.auth.protocol = DHCP6_AUTH_PROTO_RKAP;
	rc.auth.algorithm = DHCP6_AUTH_ALG_HMAC_MD5;
	rc.auth.rdm = DHCP6_AUTH_RDM_COUNTER;
	rc.auth.replay = replay;
	rc.auth.info_len = DHCP6_RKAP_INFO_LEN;
	rc.auth.info[0] = DHCP6_RKAP_TYPE_HMAC;
}

/* Builds rc, signs it with key (NULL: leaves the digest zero) and feeds the bytes. */
static void rc_send(const uint8_t *key)
{
	uint8_t b[2048];
	int n = dhcp6_build(&rc, b, sizeof(b));
	assert_true(n > 0);
	if (key)
		assert_true(dhcp6_rkap_sign(b, (size_t)n, key));
	dhcp6_client_on_packet(&cl, b, (size_t)n, now);
}

/* The debug lines of the next events go to a file (the log's text trace), so that a test can
 * check why a Reconfigure was dropped. */
static char trace_path[128];

static void trace_begin(void)
{
	assert_true(test_tmp_template(trace_path, sizeof(trace_path), "v6l-dhcp6-client-test"));
	int fd = mkstemp(trace_path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	log_set_trace(f, LOGC_ALL);
}

/* Ends the trace; true if it has the line "dhcp6[t]: Reconfigure dropped in STATE: WHY". */
static bool trace_dropped(const char *state_name, const char *why)
{
	char want[256], line[512];
	bool found = false;
	log_set_trace(NULL, 0);
	FILE *f = fopen(trace_path, "r");
	assert_non_null(f);
	snprintf(want, sizeof(want), "dhcp6[t]: Reconfigure dropped in %s: %s", state_name, why);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	unlink(trace_path);
	if (!found)
		print_error("no trace line '%s'\n", want);
	return found;
}

/* Sends rc signed with key and checks it is dropped in BOUND for why. */
static void rc_dropped(const uint8_t *key, const char *why)
{
	uint32_t d = cl.n_reconf_dropped;
	trace_begin();
	rc_send(key);
	assert_true(trace_dropped("bound", why));
	assert_int_equal(cl.n_reconf_dropped, d + 1);
}

/* Sends rc signed with key as if to a multicast address: dropped, it was not unicast to us. */
static void rc_multicast_dropped(const uint8_t *key)
{
	uint8_t b[2048];
	int n = dhcp6_build(&rc, b, sizeof(b));
	assert_true(n > 0);
	assert_true(dhcp6_rkap_sign(b, (size_t)n, key));
	trace_begin();
	dhcp6_client_on_packet_to(&cl, b, (size_t)n, true, now);
	assert_true(trace_dropped("bound", "not unicast to us"));
}

static void feed_bytes(const char *hex)
{
	uint8_t b[2048];
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > 0);
	dhcp6_client_on_packet(&cl, b, (size_t)n, now);
}

/* Solicit -> Advertise -> Request -> kea Reply with the Reconfigure Key: bound, key held. */
static void bind_kea_rkey(void)
{
	cl.cfg.reconf_accept = true;
	dhcp6_client_start(&cl, now);
	assert_true(last_msg()->reconf_accept); /* §18.2.1: in Solicit */
	feed(kea_adv, DHCP6_ADVERTISE);
	run_to(rec.at[0] + 1200);
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	assert_true(last_msg()->reconf_accept); /* §18.2.2: in Request */
	feed(kea_reply_rkey, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_true(cl.has_rkey);
	assert_memory_equal(cl.rkey, rkey, 16);
	assert_int_equal(cl.rkey_replay, 1);
}

static void test_reconfigure_renew(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 31);
	bind_kea_rkey();
	uint64_t tb = now;
	int n = rec.n_send;
	now += 60000;
	/* The RFC-style vector (HMAC by Python): a Renew at once, long before T1. */
	feed_bytes(reconf_renew);
	assert_int_equal(cl.n_reconf, 1);
	assert_int_equal(cl.state, DHCP6_CL_RENEW);
	assert_int_equal(rec.n_send, n + 1);
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(r->type, DHCP6_RENEW);
	assert_int_not_equal(r->xid, 0x000000); /* a new transaction, not the Reconfigure's */
	assert_int_equal(r->server_id.len, 14);
	assert_true(r->reconf_accept); /* §18.2.4 */
	assert_non_null(find_ia(r, DHCP6_OPT_IA_NA));
	assert_memory_equal(find_ia(r, DHCP6_OPT_IA_PD)->addrs[0].addr, pfx8000, 16);
	/* §18.2.11: another Reconfigure during the exchange is discarded. */
	rc_init(DHCP6_RENEW, 3);
	trace_begin();
	rc_send(rkey);
	assert_true(trace_dropped("renew", "not bound, or an exchange is in progress"));
	assert_int_equal(cl.n_reconf_dropped, 1);
	assert_int_equal(rec.n_send, n + 1);
	feed(kea_adv, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(dhcp6_client_next_deadline(&cl), now + 1000000); /* T1 from this Reply */
	assert_true(cl.has_rkey); /* a Reply without the key keeps it */
	/* Replayed: the same message again (replay detection 2, not above 2). */
	trace_begin();
	feed_bytes(reconf_renew);
	assert_true(trace_dropped("bound", "replay detection value not above the last one"));
	assert_int_equal(cl.n_reconf_dropped, 2);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	/* Forged: a higher counter, the HMAC left as it was (the field holds zeros). */
	rc_init(DHCP6_RENEW, 9);
	rc_dropped(NULL, "no RKAP HMAC-MD5, or it does not match the Reconfigure Key");
	/* Forged: a right-looking HMAC under another key. */
	uint8_t k2[16];
	memcpy(k2, rkey, 16);
	k2[0] ^= 0x80;
	rc_dropped(k2, "no RKAP HMAC-MD5, or it does not match the Reconfigure Key");
	/* Forged: the Python vector with its replay counter raised (HMAC no longer matches). */
	uint8_t b[256];
	int len = test_hex(reconf_renew, b, sizeof(b));
	b[len - 18] = 9;
	dhcp6_client_on_packet(&cl, b, (size_t)len, now);
	assert_int_equal(cl.n_reconf_dropped, 5);
	assert_int_equal(cl.n_reconf, 1);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(rec.n_send, n + 1);
	assert_int_equal(cl.rkey_replay, 2);
	/* A genuine one for Rebind: §18.2.5 without a server id. */
	rc_init(DHCP6_REBIND, 3);
	rc_send(rkey);
	assert_int_equal(cl.state, DHCP6_CL_REBIND);
	r = last_msg();
	assert_int_equal(r->type, DHCP6_REBIND);
	assert_int_equal(r->server_id.len, 0);
	assert_true(r->reconf_accept);
	feed(kea_reply_rkey, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(cl.rkey_replay, 3); /* the Reply's 1 does not lower it */
	assert_int_equal(cl.n_reconf, 2);
	assert_int_equal(rec.n_lost, 0);
	(void)tb;
	/* Release forgets the key with the binding; Release and Confirm carry no Accept. */
	dhcp6_client_release(&cl, now);
	assert_false(last_msg()->reconf_accept);
	assert_false(cl.has_rkey);
}

static void test_reconfigure_information_request(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 32);
	bind_kea_rkey();
	uint64_t tb = now;
	int n = rec.n_send, nb = rec.n_bound;
	now += 1000;
	rc_init(DHCP6_INFORMATION_REQUEST, 2);
	rc_send(rkey);
	assert_int_equal(cl.state, DHCP6_CL_INFO_REQ);
	const struct dhcp6_msg *r = last_msg();
	assert_int_equal(rec.n_send, n + 1);
	assert_int_equal(r->type, DHCP6_INFORMATION_REQUEST);
	assert_int_equal(r->n_ia, 0);
	/* §18.2.11: it names the server of the Reconfigure. */
	assert_int_equal(r->server_id.len, 14);
	assert_int_equal(r->server_id.b[13], 0x01);
	assert_true(r->reconf_accept);
	/* The Reply keeps the lease and brings new information, reported with it. */
	feed(kea_info, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_int_equal(rec.n_bound, nb + 1);
	assert_int_equal(rec.n_info, 0);
	assert_int_equal(rec.lease.n_prefixes, 1);
	assert_false(rec.lease.prefixes_changed);
	assert_int_equal(rec.lease.info.n_dns, 2);
	assert_int_equal(dhcp6_client_next_deadline(&cl), tb + 1000000); /* T1 unchanged */
	/* Unanswered: retransmitted until T1, then the Renew that is due. */
	rc_init(DHCP6_INFORMATION_REQUEST, 3);
	rc_send(rkey);
	assert_int_equal(cl.state, DHCP6_CL_INFO_REQ);
	run_to(tb + 1000000);
	assert_int_equal(cl.state, DHCP6_CL_RENEW);
	assert_int_equal(last_msg()->type, DHCP6_RENEW);
	for (int i = n + 2; i < rec.n_send - 1; i++)
		assert_int_equal(sent_msg(i)->type, DHCP6_INFORMATION_REQUEST);
}

/* §16.11 and §20.4: what a client must discard, each counted. */
static void test_reconfigure_dropped(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 33);
	bind_kea_rkey();
	int n = rec.n_send;
	uint32_t d = 0;
	rc_init(DHCP6_RENEW, 5);
	rc.server_id.len = 0;
	rc_dropped(rkey, "no Server Identifier");
	rc_init(DHCP6_RENEW, 5);
	rc.server_id.b[13] ^= 1;
	rc_dropped(rkey, "not from the server that sent the Reconfigure Key");
	rc_init(DHCP6_RENEW, 5);
	rc.client_id.b[9] ^= 1;
	rc_dropped(rkey, "Client Identifier missing or not ours");
	rc_init(DHCP6_RENEW, 5);
	rc.client_id.len = 0;
	rc_dropped(rkey, "Client Identifier missing or not ours");
	rc_init(DHCP6_RENEW, 5);
	rc.has_reconf_msg = false;
	rc_dropped(rkey, "no Reconfigure Message option");
	rc_init(DHCP6_REQUEST, 5);
	rc_dropped(rkey, "Reconfigure Message type not Renew, Rebind or Information-request");
	rc_init(DHCP6_INFORMATION_REQUEST, 5);
	add_ia(&rc, DHCP6_OPT_IA_NA, 1, 0, 0, NULL, 0, 0, 0);
	rc_dropped(rkey, "IA option in a Reconfigure for Information-request");
	rc_init(DHCP6_RENEW, 5);
	rc.auth.present = false;
	rc_dropped(NULL, "no Authentication option");
	rc_init(DHCP6_RENEW, 5); /* RDM 1: the digest is not even looked at */
	rc.auth.rdm = 1;
	rc_dropped(NULL, "no RKAP HMAC-MD5, or it does not match the Reconfigure Key");
	rc_init(DHCP6_RENEW, 5); /* the key itself instead of a digest */
	rc.auth.info[0] = DHCP6_RKAP_TYPE_KEY;
	memcpy(rc.auth.info + 1, rkey, 16);
	rc_dropped(NULL, "no RKAP HMAC-MD5, or it does not match the Reconfigure Key");
	rc_init(DHCP6_RENEW, 1); /* genuine, but its counter is not above the Reply's 1 */
	rc_dropped(rkey, "replay detection value not above the last one");
	rc_init(DHCP6_RENEW, 5); /* genuine, but sent to a multicast group */
	rc_multicast_dropped(rkey);
	d += 12;
	assert_int_equal(cl.n_reconf_dropped, d);
	/* Without its bytes (on_msg) it cannot be checked. */
	rc_init(DHCP6_RENEW, 5);
	dhcp6_client_on_msg(&cl, &rc, now);
	assert_int_equal(cl.n_reconf_dropped, ++d);
	assert_int_equal(cl.n_reconf, 0);
	assert_int_equal(rec.n_send, n);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	/* The replay counter was not moved by any of them: 2 is still accepted. */
	rc_init(DHCP6_RENEW, 2);
	rc_send(rkey);
	assert_int_equal(cl.state, DHCP6_CL_RENEW);

	/* Before any binding (SOLICIT), and with reconfigure_accept=0. */
	setup_cl(DHCP6_MODE_NA_PD, false, 34);
	cl.cfg.reconf_accept = true;
	dhcp6_client_start(&cl, now);
	feed_bytes(reconf_renew);
	assert_int_equal(cl.n_reconf_dropped, 1);
	assert_int_equal(cl.state, DHCP6_CL_SOLICIT);
	setup_cl(DHCP6_MODE_NA_PD, false, 35);
	bind_kea(); /* reconf_accept off: no Accept sent, the key not taken */
	assert_false(sent_msg(0)->reconf_accept);
	srv.type = DHCP6_REPLY;
	feed(kea_reply_rkey, DHCP6_REPLY); /* (dropped in BOUND anyway) */
	assert_false(cl.has_rkey);
	feed_bytes(reconf_renew);
	assert_int_equal(cl.n_reconf_dropped, 1);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);

	/* Bound through a Reply without a key: nothing to check a Reconfigure with. */
	setup_cl(DHCP6_MODE_NA_PD, false, 36);
	cl.cfg.reconf_accept = true;
	bind_kea();
	assert_false(cl.has_rkey);
	feed_bytes(reconf_renew);
	assert_int_equal(cl.n_reconf_dropped, 1);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
}

/* The key goes with its server: a Rebind answered by another server without one forgets it; a
 * new binding (Solicit) starts without one. Stateless clients take it from the Reply to an
 * Information-request and may only be asked for another one. */
static void test_reconfigure_key_lifetime(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 37);
	bind_kea_rkey();
	rc_init(DHCP6_REBIND, 2);
	rc_send(rkey);
	assert_int_equal(cl.state, DHCP6_CL_REBIND);
	feed(wide_adv, DHCP6_REPLY); /* another server, no key */
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	assert_false(cl.has_rkey);
	feed_bytes(reconf_renew);
	assert_int_equal(cl.n_reconf_dropped, 1);

	setup_cl(DHCP6_MODE_STATELESS, false, 38);
	cl.cfg.reconf_accept = true;
	dhcp6_client_start(&cl, now);
	assert_true(last_msg()->reconf_accept); /* §18.2.6 */
	assert_int_equal(last_msg()->server_id.len, 0);
	mk_reply(&srv);
	uint8_t b[1024];
	int len = test_hex(kea_reply_rkey, b, sizeof(b));
	struct dhcp6_msg k;
	assert_int_equal(dhcp6_parse(b, (size_t)len, &k), DHCP6_E_OK);
	k.xid = cl.xid;
	k.n_ia = 0;
	dhcp6_client_on_msg(&cl, &k, now);
	assert_int_equal(cl.state, DHCP6_CL_INFO_BOUND);
	assert_true(cl.has_rkey);
	feed_bytes(reconf_renew); /* Renew asked of a client without a binding */
	assert_int_equal(cl.n_reconf_dropped, 1);
	assert_int_equal(cl.state, DHCP6_CL_INFO_BOUND);
	rc_init(DHCP6_INFORMATION_REQUEST, 3);
	rc_send(rkey);
	assert_int_equal(cl.state, DHCP6_CL_INFO_REQ);
	assert_int_equal(last_msg()->server_id.len, 14);
	int ni = rec.n_info;
	feed(kea_info, DHCP6_REPLY);
	assert_int_equal(cl.state, DHCP6_CL_INFO_BOUND);
	assert_int_equal(rec.n_info, ni + 1);
	assert_true(cl.has_rkey); /* a Reply without the key keeps it */
	/* The refresh later is an ordinary Information-request, no server id. */
	run_to(now + 7200000 + 1);
	assert_int_equal(cl.state, DHCP6_CL_INFO_REQ);
	assert_int_equal(last_msg()->server_id.len, 0);
}

static void test_partial_expiry(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 16);
	dhcp6_client_start(&cl, now);
	mk_reply(&srv);
	srv.type = DHCP6_ADVERTISE;
	srv.has_preference = true;
	srv.preference = 255;
	add_ia(&srv, DHCP6_OPT_IA_NA, 1, 50, 80, pfx8000, 128, 100, 100);
	add_ia(&srv, DHCP6_OPT_IA_PD, 2, 50, 80, pfx8100, 56, 1000, 1000);
	dhcp6_client_on_msg(&cl, &srv, now);
	srv.type = DHCP6_REPLY;
	srv.xid = cl.xid;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(cl.state, DHCP6_CL_BOUND);
	uint64_t tb = now;
	run_to(tb + 100000); /* the address's valid lifetime ends, the prefix stays */
	assert_int_equal(rec.n_lost, 0);
	assert_int_equal(rec.lease.n_addrs, 0);
	assert_true(rec.lease.addrs_changed);
	assert_false(rec.lease.prefixes_changed);
	assert_int_equal(rec.lease.n_prefixes, 1);
	assert_int_equal(rec.lease.prefixes[0].valid_s, 900);
}

/* Short lifetimes with T1/T2 left to us: renew well before the valid lifetime ends. */
static void test_short_default_timers(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_PD, false, 18);
	dhcp6_client_start(&cl, now);
	mk_reply(&srv);
	srv.type = DHCP6_ADVERTISE;
	srv.has_preference = true;
	srv.preference = 255;
	add_ia(&srv, DHCP6_OPT_IA_PD, 2, 0, 0, pfx8100, 56, 8, 12);
	dhcp6_client_on_msg(&cl, &srv, now);
	srv.type = DHCP6_REPLY;
	srv.xid = cl.xid;
	dhcp6_client_on_msg(&cl, &srv, now);
	assert_int_equal(rec.lease.t1_s, 4);
	assert_int_equal(rec.lease.t2_s, 6);
	uint64_t tb = now;
	run_to(tb + 4000);
	assert_int_equal(cl.state, DHCP6_CL_RENEW);
	assert_int_equal(rec.at[rec.n_send - 1], tb + 4000);
	run_to(tb + 6000);
	assert_int_equal(cl.state, DHCP6_CL_REBIND);
	run_to(tb + 12000);
	assert_int_equal(rec.n_lost, 1);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(dhcp6_client_state_name(DHCP6_CL_INFO_BOUND), "info-bound");
	assert_string_equal(dhcp6_client_state_name(DHCP6_CL_REBIND), "rebind");
}

/* An RA arrives while nobody answered our Solicits: the next Solicit goes now, in the same
 * transaction, and the back-off starts over from IRT; once a server answered, nothing. */
static void test_kick_resends_unanswered_solicit(void **state)
{
	(void)state;
	setup_cl(DHCP6_MODE_NA_PD, false, 3);
	dhcp6_client_start(&cl, now);
	assert_int_equal(rec.n_send, 1);
	run_to(now + 2500); /* Solicits at 0 and ~1.05 s; the next one ~2 s later */
	assert_int_equal(rec.n_send, 2);
	uint32_t xid = cl.xid;
	dhcp6_client_kick(&cl, now);
	assert_int_equal(rec.n_send, 3);
	assert_int_equal(rec.at[2], now);
	assert_int_equal(last_msg()->type, DHCP6_SOLICIT);
	assert_int_equal(last_msg()->xid, xid);
	uint64_t d = dhcp6_client_next_deadline(&cl) - now;
	assert_true(d > 1000 && d <= 1100); /* RT = IRT + RAND*IRT */
	/* answered (after the first RT the Advertise is taken at once): a kick changes nothing */
	feed(kea_adv, DHCP6_ADVERTISE);
	assert_int_equal(cl.state, DHCP6_CL_REQUEST);
	int n = rec.n_send;
	dhcp6_client_kick(&cl, now + 10);
	assert_int_equal(rec.n_send, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_solicit_retransmission),
		cmocka_unit_test(test_kick_resends_unanswered_solicit),
		cmocka_unit_test(test_advertise_collection),
		cmocka_unit_test(test_advertise_after_first_rt_and_255),
		cmocka_unit_test(test_rapid_commit),
		cmocka_unit_test(test_bound_renew_rebind),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_nobinding_and_status),
		cmocka_unit_test(test_link_change_rebind),
		cmocka_unit_test(test_confirm),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_decline_after_dad_failure),
		cmocka_unit_test(test_decline_answered_and_only_address),
		cmocka_unit_test(test_stateless),
		cmocka_unit_test(test_acceptance),
		cmocka_unit_test(test_reconfigure_renew),
		cmocka_unit_test(test_reconfigure_information_request),
		cmocka_unit_test(test_reconfigure_dropped),
		cmocka_unit_test(test_reconfigure_key_lifetime),
		cmocka_unit_test(test_partial_expiry),
		cmocka_unit_test(test_short_default_timers),
		cmocka_unit_test(test_state_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
