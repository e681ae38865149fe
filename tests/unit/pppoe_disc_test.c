/* PPPoE discovery FSM scripts: (time, event) -> actions recorded through the ops table. The
 * happy path replays a real exchange with rp-pppoe pppoe-server 3.15 (see pppoe_codec_test.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "pppoe/pppoe_disc.h"
#include "test_util.h"

#define REC_MAX 16

struct rec {
	int n_send;
	uint8_t dst[REC_MAX][6];
	uint8_t pkt[REC_MAX][1500];
	size_t len[REC_MAX];
	int n_session;
	uint16_t sid;
	uint8_t ac_mac[6];
	char ac_name[PPPOE_STR_MAX + 1];
	char service[PPPOE_STR_MAX + 1];
	uint16_t max_payload;
	int n_failed;
	char failed[1024];
	int n_term;
	char term[1024];
};

static void rec_send(void *ctx, const uint8_t dst[6], const uint8_t *pkt, size_t len)
{
	struct rec *r = ctx;
	assert_true(r->n_send < REC_MAX);
	assert_true(len <= sizeof(r->pkt[0]));
	memcpy(r->dst[r->n_send], dst, 6);
	memcpy(r->pkt[r->n_send], pkt, len);
	r->len[r->n_send++] = len;
}

static void rec_session(void *ctx, uint16_t sid, const uint8_t ac_mac[6],
	const struct pppoe_session_info *info)
{
	struct rec *r = ctx;
	r->n_session++;
	r->sid = sid;
	memcpy(r->ac_mac, ac_mac, 6);
	snprintf(r->ac_name, sizeof(r->ac_name), "%s", info->ac_name);
	snprintf(r->service, sizeof(r->service), "%s", info->service);
	r->max_payload = info->max_payload;
}

static void rec_failed(void *ctx, const char *why)
{
	struct rec *r = ctx;
	r->n_failed++;
	snprintf(r->failed, sizeof(r->failed), "%s", why);
}

static void rec_term(void *ctx, const char *why)
{
	struct rec *r = ctx;
	r->n_term++;
	snprintf(r->term, sizeof(r->term), "%s", why);
}

static const struct pppoe_disc_ops rec_ops = {
	.send = rec_send,
	.on_session = rec_session,
	.on_failed = rec_failed,
	.on_terminated = rec_term,
};

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_ac[6] = { 2, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_ac2[6] = { 2, 0, 0, 0, 0, 0x0c };
static const uint8_t hu_cap[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

/* Test fixture: FSM, recorder, rng. */
struct fx {
	struct pppoe_disc d;
	struct rec r;
	struct v6l_rng rng;
	struct pppoe_disc_cfg cfg;
};

static struct fx *fx_new(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof(f));
	rng_init_seed(&f.rng, 42);
	*state = &f;
	return &f;
}

static void fx_init(struct fx *f)
{
	pppoe_disc_init(&f->d, &f->cfg, &rec_ops, &f->r, &f->rng, "test");
}

/* Parses the i-th packet we sent. */
static void sent(const struct fx *f, int i, struct pppoe_disc_pkt *p)
{
	assert_true(i < f->r.n_send);
	assert_int_equal(pppoe_disc_parse(f->r.pkt[i], f->r.len[i], p), PPPOE_E_OK);
}

/* A PADO/PADS/PADT skeleton answering our Host-Uniq (if any). */
static void reply(const struct fx *f, struct pppoe_disc_pkt *p, uint8_t code, const char *ac_name,
	const char *service)
{
	memset(p, 0, sizeof(*p));
	p->code = code;
	if (ac_name) {
		p->has_ac_name = true;
		snprintf(p->ac_name, sizeof(p->ac_name), "%s", ac_name);
	}
	if (service) {
		p->n_services = 1;
		snprintf(p->services[0], sizeof(p->services[0]), "%s", service);
	}
	if (f->cfg.use_host_uniq) {
		p->has_host_uniq = true;
		p->host_uniq_len = PPPOE_DISC_HOST_UNIQ_LEN;
		memcpy(p->host_uniq, f->d.host_uniq, PPPOE_DISC_HOST_UNIQ_LEN);
	}
}

/* Feeds a captured Ethernet frame (hex). */
static void feed_hex(struct fx *f, const char *hex, uint64_t now)
{
	uint8_t b[1600];
	struct pppoe_eth_hdr eth;
	struct pppoe_disc_pkt p;
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > 0);
	assert_int_equal(pppoe_disc_parse_frame(b, (size_t)n, &eth, &p), PPPOE_E_OK);
	pppoe_disc_on_packet(&f->d, eth.src, &p, now);
}

/* Frames of the rp-pppoe 3.15 exchange (same capture as pppoe_codec_test.c). */
static const char cap_pado[] = "02000000000b 02000000000a 8863 11 07 0000 0044"
			       "0102 0007 746573742d6163 0101 0008 696e7465726e6574"
			       "0101 0005 6f74686572"
			       "0104 0014 9db04dd03900e0129192778bc58249d3ee160000"
			       "0103 0008 0123456789abcdef";
static const char cap_padr[] = "02000000000a 02000000000b 8863 11 19 0000 0030"
			       "0101 0008 696e7465726e6574 0103 0008 0123456789abcdef"
			       "0104 0014 9db04dd03900e0129192778bc58249d3ee160000";
static const char cap_pads[] = "02000000000b 02000000000a 8863 11 65 0001 0018"
			       "0101 0008 696e7465726e6574 0103 0008 0123456789abcdef";
static const char cap_pads_err[] = "02000000000b 02000000000a 8863 11 65 0000 003a 0201 002a"
				   "52502d5050506f453a205365727665723a20496e76616c69642073657276"
				   "696365206e616d6520746167 0103 0008 0123456789abcdef";
static const char cap_padt[] = "02000000000b 02000000000a 8863 11 a7 0001 002b 0203 0027"
			       "52502d5050506f453a204368696c6420707070642070726f636573732074"
			       "65726d696e61746564";
/* The PADT our client sent to that server on hang-up (session 1, Host-Uniq, AC-Cookie). */
static const char cap_our_padt[] = "02000000000a 02000000000b 8863 11 a7 0001 0024"
				   "0103 0008 0123456789abcdef"
				   "0104 0014 9db04dd03900e0129192778bc58249d3ee160000";

static void assert_sent_frame(const struct fx *f, int i, const char *hex)
{
	uint8_t b[1600];
	int n = test_hex(hex, b, sizeof(b));
	assert_true(n > PPPOE_ETH_LEN);
	assert_memory_equal(f->r.dst[i], b, 6);
	assert_int_equal(f->r.len[i], (size_t)n - PPPOE_ETH_LEN);
	assert_memory_equal(f->r.pkt[i], b + PPPOE_ETH_LEN, f->r.len[i]);
}

/* Starts a Host-Uniq discovery for "internet" and pins the Host-Uniq to the captured one. */
static void start_capture_script(struct fx *f)
{
	f->cfg.use_host_uniq = true;
	strcpy(f->cfg.service, "internet");
	fx_init(f);
	pppoe_disc_start(&f->d, 1000);
	memcpy(f->d.host_uniq, hu_cap, 8);
}

static void test_happy_path_capture(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	start_capture_script(f);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	assert_int_equal(f->r.n_send, 1);
	assert_memory_equal(f->r.dst[0], mac_bcast, 6);
	sent(f, 0, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADI);
	assert_int_equal(p.n_services, 1);
	assert_string_equal(p.services[0], "internet");
	assert_true(p.has_host_uniq);
	assert_int_equal(p.host_uniq_len, 8);
	assert_false(p.has_max_payload); /* mru 0: no RFC 4638 request */
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 3000);

	feed_hex(f, cap_pado, 1200);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	assert_int_equal(f->r.n_send, 2);
	assert_sent_frame(f, 1, cap_padr); /* byte for byte the PADR the server accepted */
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 3200);

	feed_hex(f, cap_pads, 1300);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	assert_int_equal(f->r.n_session, 1);
	assert_int_equal(f->r.sid, 1);
	assert_memory_equal(f->r.ac_mac, mac_ac, 6);
	assert_string_equal(f->r.ac_name, "test-ac");
	assert_string_equal(f->r.service, "internet");
	assert_int_equal(f->r.max_payload, 0);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), V6L_NEVER);
	pppoe_disc_on_timer(&f->d, 100000);
	assert_int_equal(f->r.n_send, 2);

	size_t n;
	const struct pppoe_disc_candidate *c = pppoe_disc_candidates(&f->d, &n);
	assert_int_equal(n, 1);
	assert_memory_equal(c[0].mac, mac_ac, 6);
	assert_string_equal(c[0].ac_name, "test-ac");
	assert_int_equal(c[0].n_services, 2);
	assert_string_equal(c[0].services[1], "other");
	assert_false(c[0].has_error);
}

static void test_padt_from_ac_capture(void **state)
{
	struct fx *f = fx_new(state);
	start_capture_script(f);
	feed_hex(f, cap_pado, 1200);
	feed_hex(f, cap_pads, 1300);
	/* The 3.15 server's PADT has no Host-Uniq (RFC 2516 §5.5 does not require one). */
	feed_hex(f, cap_padt, 5000);
	assert_int_equal(f->d.state, PPPOE_DISC_IDLE);
	assert_int_equal(f->r.n_term, 1);
	assert_string_equal(f->r.term,
		"AC sent PADT: Generic-Error: RP-PPPoE: Child pppd process terminated");
	assert_int_equal(f->r.n_send, 2); /* no PADT answered back */
	assert_int_equal(f->r.n_failed, 0);
}

static void test_stop_sends_padt(void **state)
{
	struct fx *f = fx_new(state);
	start_capture_script(f);
	feed_hex(f, cap_pado, 1200);
	feed_hex(f, cap_pads, 1300);
	pppoe_disc_stop(&f->d, 2000);
	assert_int_equal(f->d.state, PPPOE_DISC_IDLE);
	assert_int_equal(f->r.n_send, 3);
	assert_sent_frame(f, 2, cap_our_padt);
	assert_int_equal(f->r.n_term, 0);
	/* Stopping again, or while not in a session, sends nothing. */
	pppoe_disc_stop(&f->d, 2100);
	assert_int_equal(f->r.n_send, 3);
	pppoe_disc_start(&f->d, 3000);
	pppoe_disc_stop(&f->d, 3100);
	assert_int_equal(f->r.n_send, 4); /* only the PADI */
	assert_int_equal(f->d.state, PPPOE_DISC_IDLE);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), V6L_NEVER);
	pppoe_disc_on_timer(&f->d, 100000);
	assert_int_equal(f->r.n_send, 4);
}

static void test_restart_from_session(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	start_capture_script(f);
	feed_hex(f, cap_pado, 1200);
	feed_hex(f, cap_pads, 1300);
	pppoe_disc_start(&f->d, 2000);
	assert_int_equal(f->r.n_send, 4);
	sent(f, 2, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADT);
	sent(f, 3, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADI);
	assert_memory_not_equal(p.host_uniq, hu_cap, 8); /* fresh Host-Uniq from the rng */
	assert_memory_equal(p.host_uniq, f->d.host_uniq, 8);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
}

static void test_pado_ac_filter(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	strcpy(f->cfg.ac_filter, "wanted");
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "other-ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	assert_int_equal(f->r.n_send, 1);
	reply(f, &p, PPPOE_CODE_PADO, "isp-wanted-bras", "");
	pppoe_disc_on_packet(&f->d, mac_ac2, &p, 20);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	assert_int_equal(f->r.n_send, 2);
	assert_memory_equal(f->r.dst[1], mac_ac2, 6);
	sent(f, 1, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADR);
	assert_int_equal(p.n_services, 1);
	assert_string_equal(p.services[0], ""); /* any service */
	assert_false(p.has_host_uniq);
	size_t n;
	const struct pppoe_disc_candidate *c = pppoe_disc_candidates(&f->d, &n);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].ac_name, "other-ac");
	assert_string_equal(c[1].ac_name, "isp-wanted-bras");
	/* A later PADO (even from the filtered-out AC) changes nothing in PADR_SENT. */
	reply(f, &p, PPPOE_CODE_PADO, "wanted-too", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 30);
	assert_int_equal(f->r.n_send, 2);
	assert_memory_equal(f->d.ac_mac, mac_ac2, 6);
}

static void test_pado_service_and_errors(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	strcpy(f->cfg.service, "internet");
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac-video", "video");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	/* Offers the service but carries an error tag. */
	reply(f, &p, PPPOE_CODE_PADO, "ac-busy", "internet");
	p.has_ac_system_error = true;
	strcpy(p.ac_system_error, "too many sessions");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	/* No AC-Name (RFC 2516 §5.2 MUST). */
	reply(f, &p, PPPOE_CODE_PADO, NULL, "internet");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 25);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	/* From a group address. */
	reply(f, &p, PPPOE_CODE_PADO, "ac-mcast", "internet");
	pppoe_disc_on_packet(&f->d, mac_bcast, &p, 26);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	assert_int_equal(f->r.n_send, 1);
	size_t n;
	const struct pppoe_disc_candidate *c = pppoe_disc_candidates(&f->d, &n);
	assert_int_equal(n, 1); /* same MAC: one entry, updated */
	assert_string_equal(c[0].ac_name, "");
	/* Second of three services matches. */
	reply(f, &p, PPPOE_CODE_PADO, "ac-good", "video");
	p.n_services = 3;
	strcpy(p.services[1], "internet");
	strcpy(p.services[2], "voice");
	pppoe_disc_on_packet(&f->d, mac_ac2, &p, 30);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	sent(f, 1, &p);
	assert_string_equal(p.services[0], "internet");
	c = pppoe_disc_candidates(&f->d, &n);
	assert_int_equal(n, 2);
}

static void test_pado_rejections_in_failure(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	strcpy(f->cfg.service, "internet");
	f->cfg.tries = 1;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac-busy", "internet");
	p.has_ac_system_error = true;
	strcpy(p.ac_system_error, "too many sessions");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_true(pppoe_disc_candidates(&f->d, &(size_t){ 0 })[0].has_error);
	pppoe_disc_on_timer(&f->d, 2000);
	assert_int_equal(f->d.state, PPPOE_DISC_FAILED);
	assert_int_equal(f->r.n_failed, 1);
	assert_string_equal(f->r.failed, "no acceptable PADO after 1 PADI; last: AC 'ac-busy' "
					 "reported AC-System-Error: too many sessions");
}

static void test_host_uniq_mismatch(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.use_host_uniq = true;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	p.host_uniq[7] ^= 1;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	p.has_host_uniq = false;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 11);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	p.host_uniq_len = 4;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 12);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	assert_int_equal(f->r.n_send, 1);
	size_t n;
	pppoe_disc_candidates(&f->d, &n);
	assert_int_equal(n, 0); /* not ours: not even recorded */
	assert_int_equal(f->d.n_ignored, 3); /* but counted (status: drops.control) */
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 13);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	/* PADS with a wrong Host-Uniq, or from another MAC, is ignored too. */
	reply(f, &p, PPPOE_CODE_PADS, NULL, NULL);
	p.session_id = 7;
	p.host_uniq[0] ^= 0x80;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 14);
	reply(f, &p, PPPOE_CODE_PADS, NULL, NULL);
	p.session_id = 7;
	pppoe_disc_on_packet(&f->d, mac_ac2, &p, 15);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 16);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	assert_int_equal(f->r.sid, 7);
	assert_string_equal(f->r.service, ""); /* PADS named none: the requested (any) one */
	/* A PADT with someone else's Host-Uniq is ignored; one with ours ends the session. */
	reply(f, &p, PPPOE_CODE_PADT, NULL, NULL);
	p.session_id = 7;
	p.host_uniq[3] ^= 1;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 17);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	reply(f, &p, PPPOE_CODE_PADT, NULL, NULL);
	p.session_id = 7;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 18);
	assert_int_equal(f->d.state, PPPOE_DISC_IDLE);
	assert_string_equal(f->r.term, "AC sent PADT");
}

static void test_no_host_uniq_ignores_tagged(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	p.has_host_uniq = true; /* answers another client on this host */
	p.host_uniq_len = 2;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 11);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
}

static void test_padi_backoff_and_failure(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	fx_init(f); /* to=2000, tr=3 defaults */
	pppoe_disc_start(&f->d, 0);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 2000);
	pppoe_disc_on_timer(&f->d, 1999);
	assert_int_equal(f->r.n_send, 1);
	pppoe_disc_on_timer(&f->d, 2000);
	assert_int_equal(f->r.n_send, 2);
	assert_memory_equal(f->r.dst[1], mac_bcast, 6);
	sent(f, 1, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADI);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 6000); /* 4000 after 2000 */
	pppoe_disc_on_timer(&f->d, 5999);
	assert_int_equal(f->r.n_send, 2);
	pppoe_disc_on_timer(&f->d, 6000);
	assert_int_equal(f->r.n_send, 3);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 14000);
	assert_int_equal(f->r.n_failed, 0);
	pppoe_disc_on_timer(&f->d, 14000);
	assert_int_equal(f->r.n_send, 3);
	assert_int_equal(f->d.state, PPPOE_DISC_FAILED);
	assert_int_equal(f->r.n_failed, 1);
	assert_string_equal(f->r.failed, "no acceptable PADO after 3 PADI");
	assert_int_equal(pppoe_disc_next_deadline(&f->d), V6L_NEVER);
	pppoe_disc_on_timer(&f->d, 50000);
	assert_int_equal(f->r.n_failed, 1);
	/* A late PADO in FAILED is ignored; start() dials afresh. */
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 50001);
	assert_int_equal(f->d.state, PPPOE_DISC_FAILED);
	pppoe_disc_start(&f->d, 60000);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 62000);
}

static void test_custom_timeout_and_cap(void **state)
{
	struct fx *f = fx_new(state);
	f->cfg.timeout_ms = 40000;
	f->cfg.tries = 4;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 40000);
	pppoe_disc_on_timer(&f->d, 40000);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 100000); /* capped at 60 s */
	pppoe_disc_on_timer(&f->d, 100000);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 160000);
	pppoe_disc_on_timer(&f->d, 160000);
	assert_int_equal(f->r.n_send, 4);
	pppoe_disc_on_timer(&f->d, 220000);
	assert_int_equal(f->r.n_failed, 1);
	assert_string_equal(f->r.failed, "no acceptable PADO after 4 PADI");
}

static void test_padr_exhausted(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.timeout_ms = 500;
	f->cfg.tries = 2;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	pppoe_disc_on_timer(&f->d, 500); /* one PADI retransmission: PADI count is per phase */
	reply(f, &p, PPPOE_CODE_PADO, "bras", "");
	p.has_relay_id = true;
	p.relay_id_len = 3;
	memcpy(p.relay_id, "\x0a\x0b\x0c", 3);
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 600);
	assert_int_equal(f->r.n_send, 3);
	sent(f, 2, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADR);
	assert_true(p.has_relay_id); /* RFC 2516 Appendix A: echoed */
	assert_memory_equal(p.relay_id, "\x0a\x0b\x0c", 3);
	assert_false(p.has_cookie);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 1100); /* fresh timeout in PADR phase */
	pppoe_disc_on_timer(&f->d, 1100);
	assert_int_equal(f->r.n_send, 4);
	assert_memory_equal(f->r.dst[3], mac_ac, 6);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), 2100);
	pppoe_disc_on_timer(&f->d, 2100);
	assert_int_equal(f->r.n_send, 4);
	assert_int_equal(f->d.state, PPPOE_DISC_FAILED);
	assert_string_equal(f->r.failed, "no PADS from AC 'bras' after 2 PADR");
}

static void test_pads_error_capture(void **state)
{
	struct fx *f = fx_new(state);
	start_capture_script(f);
	feed_hex(f, cap_pado, 1200);
	/* The AC refuses: no session, the PADR is retried on the timer. */
	feed_hex(f, cap_pads_err, 1300);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	assert_int_equal(f->r.n_session, 0);
	assert_int_equal(f->r.n_send, 2);
	pppoe_disc_on_timer(&f->d, 3200);
	assert_int_equal(f->r.n_send, 3);
	assert_sent_frame(f, 2, cap_padr);
	pppoe_disc_on_timer(&f->d, 7200);
	assert_int_equal(f->r.n_send, 4);
	feed_hex(f, cap_pads_err, 7300);
	pppoe_disc_on_timer(&f->d, 15200);
	assert_int_equal(f->d.state, PPPOE_DISC_FAILED);
	assert_string_equal(f->r.failed, "AC reported Service-Name-Error: RP-PPPoE: Server: "
					 "Invalid service name tag (after 3 PADR)");
}

static void test_pads_session_zero_then_ok(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	assert_string_equal(f->d.why, "AC sent a PADS with session id 0");
	p.session_id = 0x1234;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 30);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	assert_int_equal(f->r.sid, 0x1234);
}

static void test_padt_filtering(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	/* A PADT before the session is up is ignored. */
	reply(f, &p, PPPOE_CODE_PADT, NULL, NULL);
	p.session_id = 9;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 15);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	reply(f, &p, PPPOE_CODE_PADS, NULL, NULL);
	p.session_id = 9;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	/* A PADO or PADS in SESSION is ignored. */
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 21);
	assert_int_equal(f->r.n_session, 1);
	reply(f, &p, PPPOE_CODE_PADT, NULL, NULL);
	p.session_id = 10;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 30);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	p.session_id = 9;
	pppoe_disc_on_packet(&f->d, mac_ac2, &p, 31);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	assert_int_equal(f->r.n_term, 0);
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 32);
	assert_int_equal(f->d.state, PPPOE_DISC_IDLE);
	assert_int_equal(f->r.n_term, 1);
	assert_int_equal(f->r.n_send, 2);
}

static void test_max_payload(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.mru = 1500;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	sent(f, 0, &p);
	assert_true(p.has_max_payload); /* RFC 4638 §4: MRU > 1492 */
	assert_int_equal(p.max_payload, 1500);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	p.has_max_payload = true;
	p.max_payload = 1500;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	sent(f, 1, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADR);
	assert_true(p.has_max_payload);
	assert_int_equal(p.max_payload, 1500);
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 3;
	p.has_max_payload = true;
	p.max_payload = 1500;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_int_equal(f->r.max_payload, 1500);
	size_t n;
	const struct pppoe_disc_candidate *c = pppoe_disc_candidates(&f->d, &n);
	assert_true(c[0].has_max_payload);
	assert_int_equal(c[0].max_payload, 1500);
}

static void test_max_payload_not_echoed(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.mru = 1500;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 3;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	assert_int_equal(f->r.max_payload, 0);
}

static void test_max_payload_smaller_grant(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.mru = 1500;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 3;
	p.has_max_payload = true;
	p.max_payload = 1496;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_int_equal(f->r.max_payload, 1496);
}

static void test_max_payload_not_requested(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.mru = 1492;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	sent(f, 0, &p);
	assert_false(p.has_max_payload);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 3;
	p.has_max_payload = true; /* unasked for: not granted */
	p.max_payload = 1500;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_int_equal(f->r.max_payload, 0);
}

/* pppoe-server 3.15 (Debian) on a UML eth0 of MTU 1508 answering v6link with mru=1500: it
 * grants PPP-Max-Payload 1500 in PADO and PADS (it grants at most its interface's MTU - 8). */
static const char cap_mp_pado[] = "027636000010 027636000001 8863 11 07 0000 0043"
				  "0102 0009 76366c2d6973702d61 0120 0002 05dc"
				  "0101 0008 696e7465726e6574"
				  "0104 0014 dcc65daed32fe5ee60f4327beb233d7ff8020000"
				  "0103 0008 f2aad2ae51b2fc19";
static const char cap_mp_padr[] = "027636000001 027636000010 8863 11 19 0000 002e"
				  "0101 0000 0103 0008 f2aad2ae51b2fc19 0120 0002 05dc"
				  "0104 0014 dcc65daed32fe5ee60f4327beb233d7ff8020000";
static const char cap_mp_pads[] = "027636000010 027636000001 8863 11 65 0001 001e"
				  "0101 0008 696e7465726e6574 0120 0002 05dc"
				  "0103 0008 f2aad2ae51b2fc19";

static void test_max_payload_rp_pppoe_capture(void **state)
{
	struct fx *f = fx_new(state);
	static const uint8_t hu[8] = { 0xf2, 0xaa, 0xd2, 0xae, 0x51, 0xb2, 0xfc, 0x19 };
	f->cfg.use_host_uniq = true;
	f->cfg.mru = 1500;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	memcpy(f->d.host_uniq, hu, 8);
	feed_hex(f, cap_mp_pado, 1);
	assert_int_equal(f->d.state, PPPOE_DISC_PADR_SENT);
	assert_sent_frame(f, 1, cap_mp_padr); /* byte for byte what v6link sent */
	feed_hex(f, cap_mp_pads, 63);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	assert_int_equal(f->r.sid, 1);
	assert_int_equal(f->r.max_payload, 1500);
}

/* The adapter's limit, set before each dial: 1492 (an adapter that cannot take 1508) asks for
 * nothing and takes no grant; 1500 again asks again. */
static void test_set_mru(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.mru = 1500;
	fx_init(f);
	pppoe_disc_set_mru(&f->d, 1492);
	pppoe_disc_start(&f->d, 0);
	sent(f, 0, &p);
	assert_false(p.has_max_payload);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	p.has_max_payload = true;
	p.max_payload = 1500;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	sent(f, 1, &p);
	assert_false(p.has_max_payload);
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 3;
	p.has_max_payload = true;
	p.max_payload = 1500;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 20);
	assert_int_equal(f->r.max_payload, 0);
	pppoe_disc_set_mru(&f->d, 1496);
	pppoe_disc_start(&f->d, 30);
	sent(f, 3, &p); /* after the PADT of the old session */
	assert_int_equal(p.code, PPPOE_CODE_PADI);
	assert_true(p.has_max_payload);
	assert_int_equal(p.max_payload, 1496);
	pppoe_disc_set_mru(&f->d, 0);
	assert_int_equal(f->d.cfg.mru, 1492);
}

static void test_wrong_state_events(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	fx_init(f);
	assert_int_equal(f->d.state, PPPOE_DISC_IDLE);
	assert_int_equal(pppoe_disc_next_deadline(&f->d), V6L_NEVER);
	pppoe_disc_on_timer(&f->d, 1000);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 1000);
	assert_int_equal(f->d.state, PPPOE_DISC_IDLE);
	assert_int_equal(f->r.n_send, 0);
	pppoe_disc_start(&f->d, 2000);
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 1;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 2100);
	/* PADI/PADR from other clients on the segment. */
	reply(f, &p, PPPOE_CODE_PADI, NULL, "");
	pppoe_disc_on_packet(&f->d, mac_ac2, &p, 2200);
	reply(f, &p, PPPOE_CODE_PADR, NULL, "");
	pppoe_disc_on_packet(&f->d, mac_ac2, &p, 2300);
	assert_int_equal(f->d.state, PPPOE_DISC_PADI_SENT);
	assert_int_equal(f->r.n_send, 1);
	assert_int_equal(f->r.n_session, 0);
	assert_string_equal(pppoe_disc_state_name(PPPOE_DISC_PADR_SENT), "padr-sent");
}

/* The AC was slow and answered our retransmitted PADR too: the second PADS's session is ended
 * with a PADT (RFC 2516 §5.5); ours stays. A PADS from another AC or for another Host-Uniq is
 * none of our business. */
static void test_second_pads_gets_padt(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.use_host_uniq = true;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	pppoe_disc_on_timer(&f->d, pppoe_disc_next_deadline(&f->d)); /* PADR again */
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 7;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 3000);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	int n = f->r.n_send;
	p.session_id = 8;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 3010);
	assert_int_equal(f->r.n_send, n + 1);
	sent(f, n, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADT);
	assert_int_equal(p.session_id, 8);
	assert_memory_equal(f->r.dst[n], mac_ac, 6);
	assert_int_equal(f->d.session_id, 7);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	/* the same session again, another AC, another Host-Uniq: nothing sent */
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 7;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 3020);
	p.session_id = 9;
	pppoe_disc_on_packet(&f->d, mac_ac2, &p, 3030);
	p.host_uniq[0] ^= 1;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 3040);
	assert_int_equal(f->r.n_send, n + 1);
}

/* Two PADRs can have made at most one extra session: a stream of PADS for new session ids (a
 * forged flood from the AC's address, or a confused AC) gets one PADT, then nothing, and is
 * counted as ignored. After a PADS for our only PADR, none at all. */
static void test_extra_pads_padts_bounded_by_padrs(void **state)
{
	struct fx *f = fx_new(state);
	struct pppoe_disc_pkt p;
	f->cfg.use_host_uniq = true;
	fx_init(f);
	pppoe_disc_start(&f->d, 0);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 10);
	pppoe_disc_on_timer(&f->d, pppoe_disc_next_deadline(&f->d)); /* PADR again: 2 in all */
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 7;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 3000);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	int n = f->r.n_send;
	uint64_t ignored = f->d.n_ignored;
	for (uint16_t sid = 100; sid < 200; sid++) {
		p.session_id = sid;
		pppoe_disc_on_packet(&f->d, mac_ac, &p, 3000 + sid);
	}
	assert_int_equal(f->r.n_send, n + 1);
	sent(f, n, &p);
	assert_int_equal(p.code, PPPOE_CODE_PADT);
	assert_int_equal(p.session_id, 100);
	assert_int_equal(f->d.n_ignored, ignored + 99);
	assert_int_equal(f->d.session_id, 7);

	/* a new discovery answered at the first PADR: no extra session can exist */
	pppoe_disc_start(&f->d, 5000);
	reply(f, &p, PPPOE_CODE_PADO, "ac", "");
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 5010);
	reply(f, &p, PPPOE_CODE_PADS, NULL, "");
	p.session_id = 8;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 5020);
	assert_int_equal(f->d.state, PPPOE_DISC_SESSION);
	n = f->r.n_send;
	p.session_id = 9;
	pppoe_disc_on_packet(&f->d, mac_ac, &p, 5030);
	assert_int_equal(f->r.n_send, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_happy_path_capture),
		cmocka_unit_test(test_padt_from_ac_capture),
		cmocka_unit_test(test_stop_sends_padt),
		cmocka_unit_test(test_restart_from_session),
		cmocka_unit_test(test_pado_ac_filter),
		cmocka_unit_test(test_pado_service_and_errors),
		cmocka_unit_test(test_pado_rejections_in_failure),
		cmocka_unit_test(test_host_uniq_mismatch),
		cmocka_unit_test(test_no_host_uniq_ignores_tagged),
		cmocka_unit_test(test_padi_backoff_and_failure),
		cmocka_unit_test(test_custom_timeout_and_cap),
		cmocka_unit_test(test_padr_exhausted),
		cmocka_unit_test(test_pads_error_capture),
		cmocka_unit_test(test_pads_session_zero_then_ok),
		cmocka_unit_test(test_padt_filtering),
		cmocka_unit_test(test_max_payload),
		cmocka_unit_test(test_max_payload_not_echoed),
		cmocka_unit_test(test_max_payload_smaller_grant),
		cmocka_unit_test(test_max_payload_not_requested),
		cmocka_unit_test(test_max_payload_rp_pppoe_capture),
		cmocka_unit_test(test_set_mru),
		cmocka_unit_test(test_wrong_state_events),
		cmocka_unit_test(test_second_pads_gets_padt),
		cmocka_unit_test(test_extra_pads_padts_bounded_by_padrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
