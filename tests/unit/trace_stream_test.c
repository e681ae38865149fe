/* Trace stream encoder: the interface registry (events at id 0, idempotent adds, full), the
 * header a late reader gets, packets masked per link type and cut at the snaplen, events cut at
 * a UTF-8 boundary, and unknown interfaces refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cur.h"
#include "trace/pcapng.h"
#include "trace/trace_stream.h"
#include "test_util.h"

/* PAP Authenticate-Request "joe"/"pass" in PPPoE session 1 (see trace_mask_test.c). */
static const char pap_eth[] = "02000000000a 02000000000b 8864 11 00 0001 000f"
			      "c023 01 2a 000d 03 6a6f65 04 70617373";

static void test_registry(void **state)
{
	struct trace_stream ts;
	char name[16];
	int i;

	(void)state;
	trace_stream_init(&ts, "dsl", "Linux 6.1");
	assert_int_equal(ts.ifaces.n, 1);
	assert_int_equal(ts.ifaces.v[TRACE_IF_EVENTS].linktype, PCAPNG_LINKTYPE_UPPER_PDU);
	assert_string_equal(ts.ifaces.v[0].name, "events");
	assert_string_equal(ts.ifaces.v[0].desc, "v6link dsl state changes");
	assert_string_equal(ts.os, "Linux 6.1");
	assert_int_equal(trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_ETHERNET, "eth0", "up"), 1);
	assert_int_equal(trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_RAW, "v6link0", NULL), 2);
	/* Same link type and name again (a redial): the same id, nothing added. */
	assert_int_equal(trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_ETHERNET, "eth0", "x"), 1);
	assert_int_equal(ts.ifaces.n, 3);
	assert_string_equal(ts.ifaces.v[1].desc, "up");
	assert_string_equal(ts.ifaces.v[2].desc, "");
	/* Same name, other link type: a new interface. */
	assert_int_equal(trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_RAW, "eth0", NULL), 3);
	for (i = 4; i < TRACE_MAX_IFACES; i++) {
		snprintf(name, sizeof(name), "if%d", i);
		assert_int_equal(trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_RAW, name, NULL), i);
	}
	assert_int_equal(trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_RAW, "one-too-many", NULL), -1);
	assert_int_equal(trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_RAW, "if5", NULL), 5);
}

static void test_name_cut_utf8(void **state)
{
	struct trace_stream ts;
	char name[100];

	(void)state;
	/* 62 ASCII bytes then "é" (c3 a9): 64 bytes do not fit 63, and half an é is dropped. */
	memset(name, 'n', 62);
	memcpy(name + 62, "\xc3\xa9", 3);
	trace_stream_init(&ts, "dsl", NULL);
	assert_int_equal(trace_stream_add_iface(&ts, 1, name, NULL), 1);
	assert_int_equal(strlen(ts.ifaces.v[1].name), 62);
	assert_string_equal(ts.os, "");
}

/* A late reader's header parses as SHB then one IDB per interface, in id order. */
static void test_header(void **state)
{
	struct trace_stream ts;
	uint8_t buf[2048];
	struct wcur w = wcur_init(buf, sizeof(buf));
	struct pcapng_block b;
	struct rcur c;
	int n;

	(void)state;
	trace_stream_init(&ts, "dsl", "Linux 6.1");
	trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_ETHERNET, "eth0", "uplink");
	trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_RAW, "v6link0", "TUN");
	n = trace_stream_header(&ts, &w);
	assert_true(n > 0);
	assert_int_equal(w.len, (size_t)n);
	c = rcur_init(buf, w.len);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.type, PCAPNG_BT_SHB);
	assert_memory_equal(b.shb.os.p, "Linux 6.1", 9);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.idb.linktype, PCAPNG_LINKTYPE_UPPER_PDU);
	assert_int_equal(b.idb.snaplen, TRACE_SNAPLEN);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.idb.linktype, PCAPNG_LINKTYPE_ETHERNET);
	assert_memory_equal(b.idb.name.p, "eth0", 4);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.idb.linktype, PCAPNG_LINKTYPE_RAW);
	assert_int_equal(b.idb.tsresol, 9);
	assert_int_equal(rcur_left(&c), 0);
	/* No room: -1 and nothing left behind. */
	w = wcur_init(buf, (size_t)n - 1);
	assert_int_equal(trace_stream_header(&ts, &w), -1);
	assert_int_equal(w.len, 0);
	/* The IDB of one interface, as sent to readers when it is added later. */
	w = wcur_init(buf, sizeof(buf));
	assert_true(trace_stream_idb(&ts, 2, &w) > 0);
	c = rcur_init(buf, w.len);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_memory_equal(b.idb.name.p, "v6link0", 7);
	assert_int_equal(trace_stream_idb(&ts, 3, &w), -1);
}

static void parse_one(const uint8_t *buf, size_t len, struct pcapng_block *b)
{
	struct rcur c = rcur_init(buf, len);

	assert_int_equal(pcapng_parse_block(&c, b), PCAPNG_OK);
	assert_int_equal(rcur_left(&c), 0);
}

static void test_packet_masked(void **state)
{
	struct trace_stream ts;
	uint8_t pkt[64], orig[64], buf[256];
	struct wcur w;
	struct pcapng_block b;
	int n = test_hex(pap_eth, pkt, sizeof(pkt));
	int eth, raw, ppp;

	(void)state;
	memcpy(orig, pkt, sizeof(pkt));
	trace_stream_init(&ts, "dsl", NULL);
	eth = trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_ETHERNET, "eth0", NULL);
	raw = trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_RAW, "v6link0", NULL);
	ppp = trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_PPP, "ppp", NULL);

	w = wcur_init(buf, sizeof(buf));
	assert_true(trace_stream_packet(&ts, &w, (unsigned)eth, 77, true, pkt, (size_t)n, "c") > 0);
	assert_memory_equal(pkt, orig, sizeof(pkt)); /* the caller's packet is not touched */
	parse_one(buf, w.len, &b);
	assert_int_equal(b.epb.if_id, (unsigned)eth);
	assert_int_equal(b.epb.ts, 77);
	assert_int_equal(b.epb.flags, PCAPNG_DIR_OUT);
	assert_int_equal(b.epb.caplen, (unsigned)n);
	assert_memory_equal(b.epb.data, pkt, 31);
	assert_memory_equal(b.epb.data + 31, "****", 4);
	assert_memory_equal(b.comment.p, "c", 1);

	/* Raw IP interface: bytes are IP, not PPP; nothing is masked. */
	w = wcur_init(buf, sizeof(buf));
	assert_true(trace_stream_packet(&ts, &w, (unsigned)raw, 1, false, pkt, (size_t)n, NULL) > 0);
	parse_one(buf, w.len, &b);
	assert_int_equal(b.epb.flags, PCAPNG_DIR_IN);
	assert_memory_equal(b.epb.data, pkt, (size_t)n);

	/* PPP interface: the PAP packet without Ethernet and PPPoE headers. */
	w = wcur_init(buf, sizeof(buf));
	assert_true(trace_stream_packet(&ts, &w, (unsigned)ppp, 1, true, pkt + 20, (size_t)n - 20,
					NULL) > 0);
	parse_one(buf, w.len, &b);
	assert_memory_equal(b.epb.data + 11, "****", 4);

	/* Unknown interface. */
	w = wcur_init(buf, sizeof(buf));
	assert_int_equal(trace_stream_packet(&ts, &w, 9, 1, true, pkt, (size_t)n, NULL), -1);
	assert_int_equal(w.len, 0);
}

static void test_packet_snaplen(void **state)
{
	struct trace_stream ts;
	size_t len = TRACE_SNAPLEN + 100;
	uint8_t *pkt = calloc(1, len), *buf = malloc(TRACE_BLOCK_MAX);
	struct wcur w;
	struct pcapng_block b;

	(void)state;
	assert_non_null(pkt);
	assert_non_null(buf);
	pkt[TRACE_SNAPLEN - 1] = 0x42;
	trace_stream_init(&ts, "dsl", NULL);
	trace_stream_add_iface(&ts, PCAPNG_LINKTYPE_RAW, "v6link0", NULL);
	w = wcur_init(buf, TRACE_BLOCK_MAX);
	assert_true(trace_stream_packet(&ts, &w, 1, 1, true, pkt, len, "a comment") > 0);
	parse_one(buf, w.len, &b);
	assert_int_equal(b.epb.caplen, TRACE_SNAPLEN);
	assert_int_equal(b.epb.origlen, len);
	assert_int_equal(b.epb.data[TRACE_SNAPLEN - 1], 0x42);
	free(pkt);
	free(buf);
}

static void test_event(void **state)
{
	struct trace_stream ts;
	uint8_t buf[4096];
	char text[TRACE_EVENT_MAX + 10];
	struct wcur w = wcur_init(buf, sizeof(buf));
	struct pcapng_block b;

	(void)state;
	trace_stream_init(&ts, "dsl", NULL);
	assert_true(trace_stream_event(&ts, &w, 123, "ppp[dsl]: LCP Opened") > 0);
	parse_one(buf, w.len, &b);
	assert_int_equal(b.epb.if_id, TRACE_IF_EVENTS);
	assert_int_equal(b.epb.ts, 123);
	assert_false(b.epb.has_flags);
	assert_int_equal(b.comment.len, 20);
	assert_memory_equal(b.epb.data + b.epb.caplen - 24, "<30>ppp[dsl]: LCP Opened", 24);
	/* Too long: cut to TRACE_EVENT_MAX bytes, and an "é" across the cut is dropped whole. */
	memset(text, 'e', TRACE_EVENT_MAX - 1);
	memcpy(text + TRACE_EVENT_MAX - 1, "\xc3\xa9 tail", 8);
	w = wcur_init(buf, sizeof(buf));
	assert_true(trace_stream_event(&ts, &w, 1, text) > 0);
	parse_one(buf, w.len, &b);
	assert_int_equal(b.comment.len, TRACE_EVENT_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_name_cut_utf8),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_packet_masked),
		cmocka_unit_test(test_packet_snaplen),
		cmocka_unit_test(test_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
