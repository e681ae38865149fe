/* Fuzzes the TPACKET_V2 ring reader (dp_ring.c) over a ring laid out as the kernel lays it out,
 * its headers written from the input as a faulty or hostile kernel might. Input: per round, one
 * byte (how many slots to hand over from the reader's position, 0-255) then for each of them a
 * header (status, tp_len, tp_snaplen, tp_mac: 2 bytes each, little-endian). Invariants: a batch
 * never has more than DP_RING_BATCH frames, never reads a slot the kernel has not handed over,
 * every frame it returns lies inside its own slot (its length the snap length unless cut), and
 * release gives every slot of the batch back and moves the position past them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_packet.h>

#include "dataplane/dp_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define F_BLOCKS 3u
static uint8_t mem[F_BLOCKS * DP_RING_BLOCK_SIZE];

static struct tpacket2_hdr *slot(unsigned i)
{
	unsigned fpb = DP_RING_BLOCK_SIZE / DP_RING_FRAME;
	return (struct tpacket2_hdr *)(void *)(mem + (i / fpb) * DP_RING_BLOCK_SIZE +
					       (i % fpb) * DP_RING_FRAME);
}

static uint16_t ld16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	memset(mem, 0, sizeof(mem));
	struct dp_ring r = {
		.map = mem,
		.map_len = sizeof(mem),
		.block_size = DP_RING_BLOCK_SIZE,
		.frame_size = DP_RING_FRAME,
		.frames_per_block = DP_RING_BLOCK_SIZE / DP_RING_FRAME,
		.n_frames = F_BLOCKS * (DP_RING_BLOCK_SIZE / DP_RING_FRAME),
	};
	size_t o = 0;
	while (o < len) {
		unsigned n = data[o++];
		for (unsigned k = 0; k < n && o + 8 <= len; k++, o += 8) {
			struct tpacket2_hdr *h = slot((r.cur + k) % r.n_frames);
			h->tp_status = ld16le(data + o) | TP_STATUS_USER;
			h->tp_len = ld16le(data + o + 2);
			h->tp_snaplen = ld16le(data + o + 4);
			h->tp_mac = ld16le(data + o + 6);
		}
		while (dp_ring_ready(&r)) {
			unsigned first = r.cur, got = 0;
			struct dp_ring_frame f;
			while (dp_ring_next(&r, &f)) {
				unsigned i = first + got++;
				const uint8_t *s = (const uint8_t *)slot(i);
				if (got > DP_RING_BATCH || i >= r.n_frames ||
				    !(slot(i)->tp_status & TP_STATUS_USER))
					abort();
				if (f.frame < s || f.frame + f.len > s + DP_RING_FRAME)
					abort();
				if (!f.is_truncated && f.len != slot(i)->tp_snaplen)
					abort();
			}
			dp_ring_release(&r);
			for (unsigned k = 0; k < got; k++)
				if (slot(first + k)->tp_status != TP_STATUS_KERNEL)
					abort();
			if (r.cur != (first + got) % r.n_frames)
				abort();
		}
	}
	return 0;
}
