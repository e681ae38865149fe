/* The TPACKET_V2 ring reader (dataplane/dp_ring) over a ring laid out by hand as the kernel lays
 * it out: slots of DP_RING_FRAME bytes from each block's start, a tpacket2_hdr at each slot's
 * start and the frame tp_mac bytes in. Only slots the kernel has handed over (TP_STATUS_USER)
 * are read, in order, at most DP_RING_BATCH at once and never past the ring's end; release gives
 * them back; a slot whose header points outside it, or that holds less than the frame, is a
 * truncated frame (no bytes read past the slot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_packet.h>
#include <cmocka.h>

#include "dataplane/dp_ring.h"
#include "test_util.h"

#define TEST_BLOCKS 3u
#define TEST_MAC 66u /* where the kernel puts an Ethernet frame in a TPACKET_V2 slot */

struct fake_ring {
	struct dp_ring r;
	uint8_t *mem;
};

static struct tpacket2_hdr *slot_hdr(struct fake_ring *f, unsigned i)
{
	return (struct tpacket2_hdr *)(void *)(f->mem + (i / 32) * DP_RING_BLOCK_SIZE +
						(i % 32) * DP_RING_FRAME);
}

static void fake_open(struct fake_ring *f)
{
	f->mem = calloc(TEST_BLOCKS, DP_RING_BLOCK_SIZE);
	assert_non_null(f->mem);
	f->r = (struct dp_ring){
		.map = f->mem,
		.map_len = TEST_BLOCKS * DP_RING_BLOCK_SIZE,
		.block_size = DP_RING_BLOCK_SIZE,
		.frame_size = DP_RING_FRAME,
		.frames_per_block = DP_RING_BLOCK_SIZE / DP_RING_FRAME,
		.n_frames = TEST_BLOCKS * (DP_RING_BLOCK_SIZE / DP_RING_FRAME),
	};
}

/* The kernel's side: frame i of len bytes (its first byte = i), handed over with flags. */
static void kernel_put(struct fake_ring *f, unsigned i, unsigned len, unsigned flags)
{
	struct tpacket2_hdr *h = slot_hdr(f, i);
	h->tp_mac = TEST_MAC;
	h->tp_net = TEST_MAC + 14;
	h->tp_len = len;
	h->tp_snaplen = len;
	h->tp_vlan_tci = (flags & TP_STATUS_VLAN_VALID) ? 7 : 0;
	memset((uint8_t *)h + TEST_MAC, (int)i, len);
	h->tp_status = TP_STATUS_USER | flags;
}

static void test_layout_and_order(void **state)
{
	(void)state;
	struct fake_ring f;
	struct dp_ring_frame fr;
	fake_open(&f);
	assert_int_equal(DP_RING_BLOCK_SIZE % 4096, 0);
	assert_int_equal(DP_RING_BLOCK_SIZE % DP_RING_FRAME, 0);
	/* the largest frame of a session (1522 bytes) fits behind the kernel's header */
	assert_true(TEST_MAC + 1522 <= DP_RING_FRAME);
	assert_false(dp_ring_ready(&f.r));
	kernel_put(&f, 0, 60, 0);
	kernel_put(&f, 1, 1522, TP_STATUS_VLAN_VALID);
	kernel_put(&f, 2, 100, TP_STATUS_CSUMNOTREADY);
	assert_true(dp_ring_ready(&f.r));
	assert_true(dp_ring_next(&f.r, &fr));
	assert_ptr_equal(fr.frame, f.mem + TEST_MAC);
	assert_int_equal(fr.len, 60);
	assert_false(fr.has_vlan || fr.is_csum_partial || fr.is_truncated);
	assert_true(dp_ring_next(&f.r, &fr));
	assert_int_equal(fr.len, 1522);
	assert_int_equal(fr.frame[1521], 1);
	assert_true(fr.has_vlan);
	assert_int_equal(fr.tci, 7);
	assert_true(dp_ring_next(&f.r, &fr));
	assert_true(fr.is_csum_partial);
	assert_false(dp_ring_next(&f.r, &fr));
	dp_ring_release(&f.r);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(slot_hdr(&f, i)->tp_status, TP_STATUS_KERNEL);
	assert_int_equal(f.r.cur, 3);
	assert_false(dp_ring_ready(&f.r));
	/* slot 32 is the next block's first: at its start, not 32 slots past slot 0 */
	f.r.cur = 32;
	kernel_put(&f, 32, 64, 0);
	assert_true(dp_ring_ready(&f.r));
	assert_true(dp_ring_next(&f.r, &fr));
	assert_ptr_equal(fr.frame, f.mem + DP_RING_BLOCK_SIZE + TEST_MAC);
	assert_int_equal(fr.frame[0], 32);
	dp_ring_release(&f.r);
	free(f.mem);
}

static void test_batch_limits_and_wrap(void **state)
{
	(void)state;
	struct fake_ring f;
	struct dp_ring_frame fr;
	fake_open(&f);
	unsigned n = f.r.n_frames;
	for (unsigned i = 0; i < n; i++)
		kernel_put(&f, i, 64, 0);
	unsigned got = 0;
	assert_true(dp_ring_ready(&f.r));
	while (dp_ring_next(&f.r, &fr))
		got++;
	assert_int_equal(got, DP_RING_BATCH);
	dp_ring_release(&f.r);
	/* the batch before the ring's end stops there; the next one starts at slot 0 */
	f.r.cur = n - 2;
	kernel_put(&f, 0, 64, 0);
	assert_true(dp_ring_ready(&f.r));
	got = 0;
	while (dp_ring_next(&f.r, &fr))
		got++;
	assert_int_equal(got, 2);
	dp_ring_release(&f.r);
	assert_int_equal(f.r.cur, 0);
	assert_true(dp_ring_ready(&f.r));
	assert_true(dp_ring_next(&f.r, &fr));
	assert_int_equal(fr.frame[0], 0);
	free(f.mem);
}

static void test_bad_headers_are_truncated(void **state)
{
	(void)state;
	struct fake_ring f;
	struct dp_ring_frame fr;
	fake_open(&f);
	kernel_put(&f, 0, 100, 0);
	slot_hdr(&f, 0)->tp_mac = DP_RING_FRAME + 1; /* outside the slot */
	kernel_put(&f, 1, 100, 0);
	slot_hdr(&f, 1)->tp_snaplen = DP_RING_FRAME - TEST_MAC + 1; /* runs past the slot */
	kernel_put(&f, 2, 100, 0);
	slot_hdr(&f, 2)->tp_snaplen = 50; /* the kernel cut the frame */
	kernel_put(&f, 3, DP_RING_FRAME - TEST_MAC, 0); /* fills the slot exactly */
	assert_true(dp_ring_ready(&f.r));
	for (int i = 0; i < 3; i++) {
		assert_true(dp_ring_next(&f.r, &fr));
		assert_true(fr.is_truncated);
	}
	assert_true(dp_ring_next(&f.r, &fr));
	assert_false(fr.is_truncated);
	assert_int_equal(fr.len, DP_RING_FRAME - TEST_MAC);
	assert_false(dp_ring_next(&f.r, &fr));
	dp_ring_release(&f.r);
	free(f.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_order),
		cmocka_unit_test(test_batch_limits_and_wrap),
		cmocka_unit_test(test_bad_headers_are_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
