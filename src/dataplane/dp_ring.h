/* The downlink's TPACKET_V3 receive ring on the session's AF_PACKET socket (PACKET_RX_RING +
 * mmap): the kernel fills blocks of frames and wakes the reader once per retired block (full, or
 * after the retire timeout) instead of once per frame. I/O glue; see dp_down.c. */
#ifndef V6L_DP_RING_H
#define V6L_DP_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_RING_BLOCK_SIZE (64u << 10)
#define DP_RING_BLOCKS 16u  /* 1 MiB: about 640 frames of 1500 bytes */
#define DP_RING_TOV_MS 1u   /* a block that is not full is handed over after this */

struct dp_ring {
	uint8_t *map;
	size_t map_len;
	unsigned block_size, n_blocks, cur;
	/* the block being read: its frames, one by one */
	unsigned n_left;
	size_t off;
};

/* One received frame as the ring has it (borrowed until dp_ring_release). */
struct dp_ring_frame {
	const uint8_t *frame;
	size_t len;
	bool has_vlan;        /* TP_STATUS_VLAN_VALID: tci is the tag the kernel stripped */
	uint16_t tci;
	bool is_csum_partial; /* TP_STATUS_CSUMNOTREADY */
	bool is_truncated;    /* tp_snaplen < tp_len: longer than the ring's frames */
};

/* Makes fd (bound, not yet ringed) a TPACKET_V3 ring reader of n_blocks blocks of block_size
 * bytes (a multiple of the page size). 0, or -1 with errno and fd unchanged. */
int dp_ring_open(struct dp_ring *r, int fd, unsigned block_size, unsigned n_blocks,
		 unsigned tov_ms);
/* Unmaps the ring and gives its memory back (fd stays open). */
void dp_ring_close(struct dp_ring *r, int fd);
/* True when the next block belongs to user space; dp_ring_next then reads its frames. */
bool dp_ring_ready(struct dp_ring *r);
/* The next frame of the current (ready) block; false at its end. */
bool dp_ring_next(struct dp_ring *r, struct dp_ring_frame *f);
/* Hands the current block back to the kernel and moves to the next one. */
void dp_ring_release(struct dp_ring *r);

#endif
