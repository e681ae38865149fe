/* The downlink's TPACKET_V2 receive ring on the session's AF_PACKET socket (PACKET_RX_RING +
 * mmap): the kernel copies each frame into the next free slot and wakes the reader only when it
 * sleeps in poll, so a busy reader takes many frames per wakeup and a quiet link's frame is
 * handed over at once (TPACKET_V3 holds frames in a block until it fills or its retire timeout,
 * 1 ms or a jiffy, passes). I/O glue; see dp_down.c. */
#ifndef V6L_DP_RING_H
#define V6L_DP_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slot holds the kernel's header and sockaddr_ll (the frame starts 66 bytes in) and a frame of
 * up to 1598 bytes: the largest a session carries is 1522 (RFC 4638: a 1500-byte PPP MRU), its
 * 802.1Q tag, if any, taken out by the kernel. 32 slots fill a block of 13 pages exactly. 1024
 * slots (1.6 MiB) hold a TCP download's bursts: 512 dropped frames (and the sender retransmitted
 * them) in bench/line_rate.sh's downloads, 1024 none or a few. */
#define DP_RING_FRAME 1664u
#define DP_RING_BLOCK_SIZE (32u * DP_RING_FRAME)
#define DP_RING_BLOCKS 32u
#define DP_RING_BATCH 64u /* frames handed to the batch code at once */

struct dp_ring {
	uint8_t *map;
	size_t map_len;
	unsigned block_size, frame_size, frames_per_block, n_frames, cur;
	/* the batch being read: slots cur .. cur + n_batch, n_next of them read */
	unsigned n_batch, n_next;
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

/* Makes fd (bound, not yet ringed) a TPACKET_V2 ring reader of n_blocks blocks of block_size
 * bytes (a multiple of the page size) cut into slots of frame_size bytes. 0, or -1 with errno
 * and fd unchanged. */
int dp_ring_open(struct dp_ring *r, int fd, unsigned block_size, unsigned n_blocks,
		 unsigned frame_size);
/* Unmaps the ring and gives its memory back (fd stays open). */
void dp_ring_close(struct dp_ring *r, int fd);
/* True when the next slots belong to user space; dp_ring_next then reads their frames. */
bool dp_ring_ready(struct dp_ring *r);
/* The next frame of the current (ready) batch; false at its end. */
bool dp_ring_next(struct dp_ring *r, struct dp_ring_frame *f);
/* Hands the batch's slots back to the kernel and moves past them. */
void dp_ring_release(struct dp_ring *r);

#endif
