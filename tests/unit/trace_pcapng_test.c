/* pcapng codec: golden SHB/IDB/EPB bytes (little-endian host, layouts of the pcapng draft §4.1-4.3),
 * build -> parse round trips, events as Upper-PDU syslog frames, every truncation, malformed
 * framing and options, and builders that never leave part of a block behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cur.h"
#include "trace/pcapng.h"
#include "test_util.h"

static const char userappl[] = "v6link " V6L_VERSION;

/* The golden vectors are written in little-endian, the byte order of the CI hosts. */
static void need_le(void)
{
	const uint16_t one = 1;
	uint8_t b[2];

	memcpy(b, &one, 2);
	if (b[0] != 1)
		skip();
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void test_shb_golden(void **state)
{
	uint8_t buf[128], want[128];
	struct wcur w = wcur_init(buf, sizeof(buf));
	size_t ul = strlen(userappl), n;
	int len;

	(void)state;
	need_le();
	/* SHB §4.1: type, length, magic 1A2B3C4D, version 1.0, section length -1, shb_os "Linux". */
	n = (size_t)test_hex("0a0d0d0a 00000000 4d3c2b1a 0100 0000 ffffffffffffffff"
			     "0300 0500 4c696e7578 000000",
			     want, sizeof(want));
	assert_int_equal(n, 36);
	want[n++] = 4; /* shb_userappl "v6link <version>", padded to 4 */
	want[n++] = 0;
	want[n++] = (uint8_t)ul;
	want[n++] = 0;
	memcpy(want + n, userappl, ul);
	n += ul;
	while (n % 4)
		want[n++] = 0;
	memset(want + n, 0, 4); /* opt_endofopt */
	n += 4;
	put_le32(want + n, (uint32_t)(n + 4));
	n += 4;
	put_le32(want + 4, (uint32_t)n);

	len = pcapng_build_shb(&w, "Linux");
	assert_int_equal(len, (int)n);
	assert_int_equal(w.len, n);
	assert_memory_equal(buf, want, n);
}

static void test_idb_golden(void **state)
{
	/* IDB §4.2: Ethernet, snaplen 262144, if_name "eth0", if_description "uplink" (padded),
	 * if_tsresol 9, opt_endofopt. */
	static const char hex[] = "01000000 34000000 0100 0000 00000400"
				  "0200 0400 65746830"
				  "0300 0600 75706c696e6b 0000"
				  "0900 0100 09 000000"
				  "0000 0000"
				  "34000000";
	uint8_t buf[128], want[128];
	struct wcur w = wcur_init(buf, sizeof(buf));

	(void)state;
	need_le();
	assert_int_equal(test_hex(hex, want, sizeof(want)), 52);
	assert_int_equal(pcapng_build_idb(&w, PCAPNG_LINKTYPE_ETHERNET, 262144, "eth0", "uplink"), 52);
	assert_memory_equal(buf, want, 52);
	/* No name or description: only if_tsresol. */
	w = wcur_init(buf, sizeof(buf));
	assert_int_equal(test_hex("01000000 20000000 6500 0000 00000000 0900 0100 09000000 00000000"
				  "20000000",
				  want, sizeof(want)),
			 32);
	assert_int_equal(pcapng_build_idb(&w, PCAPNG_LINKTYPE_RAW, 0, NULL, ""), 32);
	assert_memory_equal(buf, want, 32);
}

/* EPB §4.3: interface 1, ts 1700000000.123456789 s = 0x17979cfe3d85cd15 ns (high word first),
 * 5 of 60 bytes captured, padded to 8, opt_comment "hi", epb_flags outbound, epb_dropcount 7. */
static const char epb_hex[] = "06000000 48000000 01000000 fe9c9717 15cd853d 05000000 3c000000"
			      "0102030405 000000"
			      "0100 0200 6869 0000"
			      "0200 0400 02000000"
			      "0400 0800 0700000000000000"
			      "0000 0000"
			      "48000000";
static const uint8_t epb_data[] = { 1, 2, 3, 4, 5 };
static const struct pcapng_epb epb_info = {
	.if_id = 1,
	.ts_ns = 1700000000123456789ull,
	.orig_len = 60,
	.dir = PCAPNG_DIR_OUT,
	.comment = "hi",
	.has_dropcount = true,
	.dropcount = 7,
};

static void test_epb_golden(void **state)
{
	uint8_t buf[128], want[128];
	struct wcur w = wcur_init(buf, sizeof(buf));

	(void)state;
	need_le();
	assert_int_equal(test_hex(epb_hex, want, sizeof(want)), 72);
	assert_int_equal(pcapng_build_epb(&w, &epb_info, epb_data, sizeof(epb_data)), 72);
	assert_memory_equal(buf, want, 72);
}

static void test_epb_no_options(void **state)
{
	/* Direction unknown, no comment, orig_len 0 = caplen, 4 bytes need no padding. */
	const struct pcapng_epb e = { .if_id = 0, .ts_ns = 5 };
	const uint8_t pkt[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t buf[64], want[64];
	struct wcur w = wcur_init(buf, sizeof(buf));

	(void)state;
	need_le();
	assert_int_equal(test_hex("06000000 24000000 00000000 00000000 05000000 04000000 04000000"
				  "deadbeef 24000000",
				  want, sizeof(want)),
			 36);
	assert_int_equal(pcapng_build_epb(&w, &e, pkt, sizeof(pkt)), 36);
	assert_memory_equal(buf, want, 36);
}

static void test_parse_golden(void **state)
{
	uint8_t buf[128];
	struct pcapng_block b;
	struct rcur c;
	int n;

	(void)state;
	need_le();
	n = test_hex(epb_hex, buf, sizeof(buf));
	c = rcur_init(buf, (size_t)n);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(rcur_left(&c), 0);
	assert_int_equal(b.type, PCAPNG_BT_EPB);
	assert_int_equal(b.total_len, 72);
	assert_int_equal(b.n_opts, 3);
	assert_int_equal(b.epb.if_id, 1);
	assert_true(b.epb.ts == 1700000000123456789ull);
	assert_int_equal(b.epb.caplen, 5);
	assert_int_equal(b.epb.origlen, 60);
	assert_memory_equal(b.epb.data, epb_data, 5);
	assert_true(b.epb.has_flags);
	assert_int_equal(b.epb.flags, PCAPNG_DIR_OUT);
	assert_true(b.epb.has_dropcount);
	assert_int_equal(b.epb.dropcount, 7);
	assert_int_equal(b.comment.len, 2);
	assert_memory_equal(b.comment.p, "hi", 2);
}

/* Builds SHB, IDB, EPB and an event into one buffer and parses them back in order. */
static void test_round_trip(void **state)
{
	uint8_t buf[1024];
	struct wcur w = wcur_init(buf, sizeof(buf));
	struct pcapng_block b;
	struct rcur c;

	(void)state;
	assert_true(pcapng_build_shb(&w, "Linux 6.1") > 0);
	assert_true(pcapng_build_idb(&w, PCAPNG_LINKTYPE_RAW, 65535, "v6link0", "TUN") > 0);
	assert_true(pcapng_build_epb(&w, &epb_info, epb_data, sizeof(epb_data)) > 0);
	assert_true(pcapng_build_event(&w, 0, 42, PCAPNG_EVENT_INFO, "ppp[dsl]: up") > 0);
	c = rcur_init(buf, w.len);

	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.type, PCAPNG_BT_SHB);
	assert_int_equal(b.shb.major, 1);
	assert_int_equal(b.shb.minor, 0);
	assert_true(b.shb.section_len == UINT64_MAX);
	assert_int_equal(b.shb.os.len, 9);
	assert_memory_equal(b.shb.os.p, "Linux 6.1", 9);
	assert_int_equal(b.shb.userappl.len, strlen(userappl));
	assert_memory_equal(b.shb.userappl.p, userappl, strlen(userappl));
	assert_null(b.shb.hardware.p);

	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.type, PCAPNG_BT_IDB);
	assert_int_equal(b.idb.linktype, PCAPNG_LINKTYPE_RAW);
	assert_int_equal(b.idb.snaplen, 65535);
	assert_int_equal(b.idb.name.len, 7);
	assert_memory_equal(b.idb.name.p, "v6link0", 7);
	assert_int_equal(b.idb.desc.len, 3);
	assert_true(b.idb.has_tsresol);
	assert_int_equal(b.idb.tsresol, 9);

	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.type, PCAPNG_BT_EPB);
	assert_int_equal(b.epb.origlen, 60);

	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.type, PCAPNG_BT_EPB);
	assert_int_equal(b.epb.if_id, 0);
	assert_int_equal(b.epb.ts, 42);
	assert_false(b.epb.has_flags);
	assert_int_equal(rcur_left(&c), 0);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_E_SHORT);
}

static void test_event_payload(void **state)
{
	/* Exported-PDU tag 12 "syslog" (unpadded), end tag, then "<PRI>text". */
	static const uint8_t head[] = { 0, 12, 0, 6, 's', 'y', 's', 'l', 'o', 'g', 0, 0, 0, 0 };
	static const struct {
		uint8_t pri;
		const char *want;
	} v[] = { { 0, "<0>x" }, { 9, "<9>x" }, { 28, "<28>x" }, { 30, "<30>x" }, { 191, "<191>x" } };
	uint8_t buf[256];
	struct pcapng_block b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct wcur w = wcur_init(buf, sizeof(buf));
		struct rcur c;
		size_t tl = strlen(v[i].want);

		assert_true(pcapng_build_event(&w, 3, 99, v[i].pri, "x") > 0);
		c = rcur_init(buf, w.len);
		assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
		assert_int_equal(b.epb.if_id, 3);
		assert_int_equal(b.epb.caplen, sizeof(head) + tl);
		assert_memory_equal(b.epb.data, head, sizeof(head));
		assert_memory_equal(b.epb.data + sizeof(head), v[i].want, tl);
		assert_int_equal(b.comment.len, 1);
		assert_memory_equal(b.comment.p, "x", 1);
	}
}

/* Every proper prefix of a valid block is E_SHORT and leaves the cursor alone. */
static void test_truncation(void **state)
{
	uint8_t buf[512];
	struct wcur w = wcur_init(buf, sizeof(buf));
	struct pcapng_block b;
	size_t len, blocks[5], nb = 0, off = 0, i;

	(void)state;
	blocks[nb++] = (size_t)pcapng_build_shb(&w, "Linux");
	blocks[nb++] = (size_t)pcapng_build_idb(&w, 1, 0, "eth0", "d");
	blocks[nb++] = (size_t)pcapng_build_epb(&w, &epb_info, epb_data, sizeof(epb_data));
	blocks[nb++] = (size_t)pcapng_build_event(&w, 0, 1, PCAPNG_EVENT_WARNING, "ev");
	for (i = 0; i < nb; i++) {
		for (len = 0; len < blocks[i]; len++) {
			struct rcur c = rcur_init(buf + off, len);
			assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_E_SHORT);
			assert_int_equal(rcur_left(&c), len);
			assert_true(c.p == buf + off);
			if (len >= 8)
				assert_int_equal(b.total_len, blocks[i]);
		}
		struct rcur c = rcur_init(buf + off, blocks[i]);
		assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
		off += blocks[i];
	}
}

static void put_opt_bytes(uint8_t *p, uint16_t code, uint16_t len)
{
	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
}

static enum pcapng_err parse_buf(const uint8_t *p, size_t n)
{
	struct rcur c = rcur_init(p, n);
	struct pcapng_block b;

	return pcapng_parse_block(&c, &b);
}

static void test_malformed_framing(void **state)
{
	uint8_t buf[256], bad[256];
	struct wcur w = wcur_init(buf, sizeof(buf));
	int n;

	(void)state;
	n = pcapng_build_idb(&w, 1, 0, "eth0", NULL);
	assert_true(n > 0);
	/* Total length not a multiple of 4, below 12, or trailing copy different (§3.1). */
	memcpy(bad, buf, (size_t)n);
	put_le32(bad + 4, (uint32_t)n + 1);
	assert_int_equal(parse_buf(bad, (size_t)n + 4), PCAPNG_E_LENGTH);
	put_le32(bad + 4, 8);
	assert_int_equal(parse_buf(bad, (size_t)n), PCAPNG_E_LENGTH);
	memcpy(bad, buf, (size_t)n);
	bad[n - 4] ^= 4;
	assert_int_equal(parse_buf(bad, (size_t)n), PCAPNG_E_LENGTH);
	/* An IDB whose body has no room for linktype/snaplen. */
	memset(bad, 0, 16);
	memcpy(bad, &(uint32_t){ PCAPNG_BT_IDB }, 4);
	memcpy(bad + 4, &(uint32_t){ 16 }, 4);
	memcpy(bad + 12, &(uint32_t){ 16 }, 4);
	assert_int_equal(parse_buf(bad, 16), PCAPNG_E_BODY);
	/* An unknown block type (Name Resolution, 4) is framed correctly and passed through. */
	memcpy(bad, &(uint32_t){ 4 }, 4);
	memcpy(bad + 4, &(uint32_t){ 16 }, 4);
	memset(bad + 8, 0xee, 4);
	memcpy(bad + 12, &(uint32_t){ 16 }, 4);
	struct rcur c = rcur_init(bad, 16);
	struct pcapng_block b;
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.type, 4);
	assert_int_equal(rcur_left(&c), 0);
}

static void test_malformed_shb(void **state)
{
	uint8_t buf[256];
	struct wcur w = wcur_init(buf, sizeof(buf));
	int n;

	(void)state;
	n = pcapng_build_shb(&w, NULL);
	assert_true(n > 0);
	/* Foreign byte order: reported before the (misread) length is used (§4.1). */
	buf[8] = 0x1a, buf[9] = 0x2b, buf[10] = 0x3c, buf[11] = 0x4d;
	assert_int_equal(parse_buf(buf, (size_t)n), PCAPNG_E_BYTE_ORDER);
	assert_int_equal(parse_buf(buf, 12), PCAPNG_E_BYTE_ORDER);
	assert_int_equal(parse_buf(buf, 11), PCAPNG_E_SHORT);
	memcpy(buf + 8, &(uint32_t){ PCAPNG_BYTE_ORDER_MAGIC }, 4);
	assert_int_equal(parse_buf(buf, (size_t)n), PCAPNG_OK);
	/* §4.1: major version 2 is not ours to read. */
	memcpy(buf + 12, &(uint16_t){ 2 }, 2);
	assert_int_equal(parse_buf(buf, (size_t)n), PCAPNG_E_VERSION);
}

/* An IDB with hand-made options: [if_name "ab"][X] where X varies. */
static size_t idb_with(uint8_t *buf, const uint8_t *tail, size_t tail_len)
{
	size_t n = 16 + 8 + tail_len + 4;

	memcpy(buf, &(uint32_t){ PCAPNG_BT_IDB }, 4);
	memcpy(buf + 4, &(uint32_t){ (uint32_t)n }, 4);
	memset(buf + 8, 0, 8); /* linktype 0, reserved, snaplen 0 */
	put_opt_bytes(buf + 16, PCAPNG_OPT_IF_NAME, 2);
	memcpy(buf + 20, "ab\0\0", 4);
	if (tail_len) /* tail may be NULL then, which memcpy must not get (C17 §7.1.4) */
		memcpy(buf + 24, tail, tail_len);
	memcpy(buf + 24 + tail_len, &(uint32_t){ (uint32_t)n }, 4);
	return n;
}

static void test_malformed_options(void **state)
{
	uint8_t buf[128], t[16];
	struct pcapng_block b;
	struct rcur c;
	size_t n;

	(void)state;
	/* No opt_endofopt at all: accepted (§3.5 says readers must not rely on it). */
	n = idb_with(buf, NULL, 0);
	c = rcur_init(buf, n);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.n_opts, 1);
	assert_memory_equal(b.idb.name.p, "ab", 2);
	/* An unknown option code is skipped. */
	put_opt_bytes(t, 0x7777, 1);
	memcpy(t + 4, "\x01\0\0\0", 4);
	memset(t + 8, 0, 4);
	n = idb_with(buf, t, 12);
	c = rcur_init(buf, n);
	assert_int_equal(pcapng_parse_block(&c, &b), PCAPNG_OK);
	assert_int_equal(b.n_opts, 2);
	/* An option value running past the block. */
	put_opt_bytes(t, PCAPNG_OPT_IF_DESCRIPTION, 5);
	memset(t + 4, 'x', 4);
	assert_int_equal(parse_buf(buf, idb_with(buf, t, 8)), PCAPNG_E_OPT);
	/* A final opt_endofopt. */
	assert_int_equal(parse_buf(buf, idb_with(buf, (const uint8_t *)"\0\0\0\0", 4)), PCAPNG_OK);
	/* Bytes after opt_endofopt, and opt_endofopt with a length. */
	memset(t, 0, 8);
	t[4] = 1;
	assert_int_equal(parse_buf(buf, idb_with(buf, t, 8)), PCAPNG_E_OPT);
	put_opt_bytes(t, PCAPNG_OPT_ENDOFOPT, 4);
	memset(t + 4, 0, 4);
	assert_int_equal(parse_buf(buf, idb_with(buf, t, 8)), PCAPNG_E_OPTLEN);
	/* if_tsresol must be one byte. */
	put_opt_bytes(t, PCAPNG_OPT_IF_TSRESOL, 2);
	memcpy(t + 4, "\x09\x09\0\0", 4);
	assert_int_equal(parse_buf(buf, idb_with(buf, t, 8)), PCAPNG_E_OPTLEN);
}

static void test_malformed_epb(void **state)
{
	uint8_t buf[128];
	struct wcur w = wcur_init(buf, sizeof(buf));
	int n;

	(void)state;
	need_le();
	n = pcapng_build_epb(&w, &epb_info, epb_data, sizeof(epb_data));
	assert_int_equal(n, 72);
	/* caplen 5 -> 100: past the block. */
	buf[20] = 100;
	assert_int_equal(parse_buf(buf, 72), PCAPNG_E_BODY);
	/* caplen 41: 44 bytes padded, the body has 40. */
	buf[20] = 41;
	assert_int_equal(parse_buf(buf, 72), PCAPNG_E_BODY);
	buf[20] = 5;
	/* opt_comment of 200 bytes: runs past the block. */
	buf[38] = 200;
	assert_int_equal(parse_buf(buf, 72), PCAPNG_E_OPT);
	buf[38] = 2;
	/* epb_flags of 2 bytes. */
	buf[46] = 2;
	assert_int_equal(parse_buf(buf, 72), PCAPNG_E_OPTLEN);
	buf[46] = 4;
	/* epb_dropcount of 4 bytes. */
	buf[54] = 4;
	assert_int_equal(parse_buf(buf, 72), PCAPNG_E_OPTLEN);
	buf[54] = 8;
	assert_int_equal(parse_buf(buf, 72), PCAPNG_OK);
	/* An EPB shorter than its fixed fields. */
	memcpy(buf + 4, &(uint32_t){ 28 }, 4);
	memcpy(buf + 24, &(uint32_t){ 28 }, 4);
	assert_int_equal(parse_buf(buf, 28), PCAPNG_E_BODY);
}

/* With less room than the block needs, a builder returns -1 and leaves w->len as it was. */
static void test_build_no_room(void **state)
{
	uint8_t buf[256], ref[256];
	size_t full[4], cap;
	unsigned k;

	(void)state;
	for (k = 0; k < 4; k++) {
		struct wcur w = wcur_init(ref, sizeof(ref));
		wcur_put_u32(&w, 0xcafef00d); /* something already in the buffer */
		int n = k == 0   ? pcapng_build_shb(&w, "Linux")
			: k == 1 ? pcapng_build_idb(&w, 1, 0, "eth0", "desc")
			: k == 2 ? pcapng_build_epb(&w, &epb_info, epb_data, sizeof(epb_data))
				 : pcapng_build_event(&w, 0, 1, 30, "event");
		assert_true(n > 0);
		full[k] = (size_t)n;
		for (cap = 4; cap < 4 + full[k]; cap++) {
			memset(buf, 0x5a, sizeof(buf));
			w = wcur_init(buf, cap);
			wcur_put_u32(&w, 0xcafef00d);
			n = k == 0   ? pcapng_build_shb(&w, "Linux")
			    : k == 1 ? pcapng_build_idb(&w, 1, 0, "eth0", "desc")
			    : k == 2 ? pcapng_build_epb(&w, &epb_info, epb_data, sizeof(epb_data))
				     : pcapng_build_event(&w, 0, 1, 30, "event");
			assert_int_equal(n, -1);
			assert_int_equal(w.len, 4);
			assert_false(wcur_ok(&w));
		}
		w = wcur_init(buf, 4 + full[k]);
		wcur_put_u32(&w, 0xcafef00d);
		n = k == 0   ? pcapng_build_shb(&w, "Linux")
		    : k == 1 ? pcapng_build_idb(&w, 1, 0, "eth0", "desc")
		    : k == 2 ? pcapng_build_epb(&w, &epb_info, epb_data, sizeof(epb_data))
			     : pcapng_build_event(&w, 0, 1, 30, "event");
		assert_int_equal(n, (int)full[k]);
		assert_memory_equal(buf, ref, 4 + full[k]);
	}
}

static void test_build_range(void **state)
{
	uint8_t *big = malloc(70000);
	char *text = malloc(70000);
	uint8_t pkt[8] = { 0 };
	struct pcapng_epb e = { .orig_len = 4 };
	struct wcur w;

	(void)state;
	assert_non_null(big);
	assert_non_null(text);
	/* orig_len below caplen. */
	w = wcur_init(big, 70000);
	assert_int_equal(pcapng_build_epb(&w, &e, pkt, sizeof(pkt)), -1);
	assert_int_equal(w.len, 0);
	/* A comment longer than the 16-bit option length. */
	memset(text, 'a', 65536);
	text[65536] = '\0';
	e.orig_len = 0;
	e.comment = text;
	w = wcur_init(big, 70000);
	assert_int_equal(pcapng_build_epb(&w, &e, pkt, sizeof(pkt)), -1);
	assert_int_equal(w.len, 0);
	text[65535] = '\0';
	w = wcur_init(big, 70000);
	assert_int_equal(pcapng_build_epb(&w, &e, pkt, sizeof(pkt)), 32 + 8 + 4 + 65536 + 4);
	free(big);
	free(text);
}

static void test_err_str(void **state)
{
	(void)state;
	assert_string_equal(pcapng_err_str(PCAPNG_OK), "ok");
	assert_string_equal(pcapng_err_str(PCAPNG_E_OPTLEN), "option of the wrong size");
	assert_string_equal(pcapng_err_str((enum pcapng_err)99), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shb_golden),
		cmocka_unit_test(test_idb_golden),
		cmocka_unit_test(test_epb_golden),
		cmocka_unit_test(test_epb_no_options),
		cmocka_unit_test(test_parse_golden),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_event_payload),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_malformed_framing),
		cmocka_unit_test(test_malformed_shb),
		cmocka_unit_test(test_malformed_options),
		cmocka_unit_test(test_malformed_epb),
		cmocka_unit_test(test_build_no_room),
		cmocka_unit_test(test_build_range),
		cmocka_unit_test(test_err_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
