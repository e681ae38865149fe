/* Byte cursor: latching reads, TLV walkers (incl. malformed lengths), write-side back-filling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/cur.h"

static void test_read_latches(void **state)
{
	(void)state;
	const uint8_t b[] = { 1, 2, 3, 4, 5 };
	struct rcur c = rcur_init(b, sizeof(b));
	assert_int_equal(rcur_u16(&c), 0x0102);
	assert_int_equal(rcur_u16(&c), 0x0304);
	assert_true(rcur_ok(&c));
	assert_int_equal(rcur_u16(&c), 0);
	assert_false(rcur_ok(&c));
	assert_int_equal(rcur_u8(&c), 0); /* stays bad even though one byte was left */
}

static void test_tlv16(void **state)
{
	(void)state;
	const uint8_t b[] = { 0x01, 0x01, 0x00, 0x02, 'a', 'b', 0x01, 0x02, 0x00, 0x05, 'x' };
	struct rcur c = rcur_init(b, sizeof(b)), v;
	uint16_t t;
	assert_true(tlv16_next(&c, &t, &v));
	assert_int_equal(t, 0x0101);
	assert_int_equal(rcur_left(&v), 2);
	assert_false(tlv16_next(&c, &t, &v)); /* value longer than the packet */
	assert_false(rcur_ok(&c));
}

static void test_ndopt_zero_len(void **state)
{
	(void)state;
	const uint8_t b[] = { 1, 0, 0, 0, 0, 0, 0, 0 };
	struct rcur c = rcur_init(b, sizeof(b)), v;
	uint8_t t;
	assert_false(ndopt_next(&c, &t, &v));
	assert_false(rcur_ok(&c)); /* RFC 4861 4.6: length 0 is malformed */
}

static void test_cpopt(void **state)
{
	(void)state;
	const uint8_t ok[] = { 1, 4, 0x05, 0xd4, 5, 6, 1, 2, 3, 4 };
	struct rcur c = rcur_init(ok, sizeof(ok)), v;
	uint8_t t;
	assert_true(cpopt_next(&c, &t, &v));
	assert_int_equal(t, 1);
	assert_int_equal(rcur_u16(&v), 1492);
	assert_true(cpopt_next(&c, &t, &v));
	assert_int_equal(t, 5);
	assert_int_equal(rcur_u32(&v), 0x01020304);
	assert_false(cpopt_next(&c, &t, &v));
	assert_true(rcur_ok(&c));
	const uint8_t bad[] = { 1, 1 };
	c = rcur_init(bad, sizeof(bad));
	assert_false(cpopt_next(&c, &t, &v));
	assert_false(rcur_ok(&c));
}

static void test_write_full_and_tlv(void **state)
{
	(void)state;
	uint8_t buf[8];
	struct wcur w = wcur_init(buf, sizeof(buf));
	struct wcur_mark m = wcur_tlv_open(&w, 0x0103, 2, 2);
	wcur_put_u32(&w, 0xdeadbeef);
	wcur_tlv_close(&w, m, 1, false);
	assert_true(wcur_ok(&w));
	assert_int_equal(w.len, 8);
	assert_int_equal(buf[3], 4);
	wcur_put_u8(&w, 1);
	assert_false(wcur_ok(&w));
	assert_int_equal(w.len, 8);

	uint8_t nd[16];
	w = wcur_init(nd, sizeof(nd));
	m = wcur_tlv_open(&w, 5, 1, 1);
	wcur_put_zero(&w, 6);
	wcur_tlv_close(&w, m, 8, true);
	assert_true(wcur_ok(&w));
	assert_int_equal(nd[1], 1);
	m = wcur_tlv_open(&w, 5, 1, 1);
	wcur_put_zero(&w, 3); /* 5 bytes: not a multiple of 8 */
	wcur_tlv_close(&w, m, 8, true);
	assert_false(wcur_ok(&w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_latches),
		cmocka_unit_test(test_tlv16),
		cmocka_unit_test(test_ndopt_zero_len),
		cmocka_unit_test(test_cpopt),
		cmocka_unit_test(test_write_full_and_tlv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
