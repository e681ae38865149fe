/* TPACKET_V2 receive ring; see dp_ring.h and the kernel's Documentation/networking/
 * packet_mmap.rst. The frame headers are the kernel's ABI structs in memory it shares with us;
 * every offset read from them is checked against the frame's slot before use. */
#include "dataplane/dp_ring.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

/* The kernel fills each block with whole slots from its start (a block's tail that holds no
 * whole slot stays unused). */
static struct tpacket2_hdr *dp_ring_slot(const struct dp_ring *r, unsigned i)
{
	size_t off = (size_t)(i / r->frames_per_block) * r->block_size +
		     (size_t)(i % r->frames_per_block) * r->frame_size;
	return (struct tpacket2_hdr *)(void *)(r->map + off);
}

int dp_ring_open(struct dp_ring *r, int fd, unsigned block_size, unsigned n_blocks,
		 unsigned frame_size)
{
	memset(r, 0, sizeof(*r));
	int v = TPACKET_V2;
	struct tpacket_req req = {
		.tp_block_size = block_size,
		.tp_block_nr = n_blocks,
		.tp_frame_size = frame_size,
		.tp_frame_nr = block_size / frame_size * n_blocks,
	};
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -1;
	size_t len = (size_t)block_size * n_blocks;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;
		struct tpacket_req none = { 0 };
		setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof(none));
		errno = e;
		return -1;
	}
	r->map = m;
	r->map_len = len;
	r->block_size = block_size;
	r->frame_size = frame_size;
	r->frames_per_block = block_size / frame_size;
	r->n_frames = req.tp_frame_nr;
	return 0;
}

void dp_ring_close(struct dp_ring *r, int fd)
{
	if (!r->map)
		return;
	munmap(r->map, r->map_len);
	struct tpacket_req none = { 0 };
	setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof(none));
	r->map = NULL;
}

static bool dp_ring_is_user(const struct dp_ring *r, unsigned i)
{
	return __atomic_load_n(&dp_ring_slot(r, i)->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

/* The frames the kernel has handed over from cur on, in arrival order (at most DP_RING_BATCH,
 * and never past the ring's end). */
bool dp_ring_ready(struct dp_ring *r)
{
	unsigned n = 0, i = r->cur;
	while (n < DP_RING_BATCH && i + n < r->n_frames && dp_ring_is_user(r, i + n))
		n++;
	r->n_batch = n;
	r->n_next = 0;
	return n > 0;
}

bool dp_ring_next(struct dp_ring *r, struct dp_ring_frame *f)
{
	if (r->n_next == r->n_batch)
		return false;
	uint8_t *slot = (uint8_t *)dp_ring_slot(r, r->cur + r->n_next++);
	struct tpacket2_hdr h;
	memcpy(&h, slot, sizeof(h));
	if (h.tp_mac > r->frame_size || h.tp_snaplen > r->frame_size - h.tp_mac) {
		*f = (struct dp_ring_frame){ .frame = slot, .len = 0, .is_truncated = true };
		return true;
	}
	*f = (struct dp_ring_frame){
		.frame = slot + h.tp_mac,
		.len = h.tp_snaplen,
		.has_vlan = (h.tp_status & TP_STATUS_VLAN_VALID) != 0,
		.tci = (uint16_t)h.tp_vlan_tci,
		.is_csum_partial = (h.tp_status & TP_STATUS_CSUMNOTREADY) != 0,
		.is_truncated = h.tp_snaplen < h.tp_len,
	};
	return true;
}

void dp_ring_release(struct dp_ring *r)
{
	for (unsigned k = 0; k < r->n_batch; k++)
		__atomic_store_n(&dp_ring_slot(r, r->cur + k)->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
	r->cur = (r->cur + r->n_batch) % r->n_frames;
	r->n_batch = r->n_next = 0;
}
