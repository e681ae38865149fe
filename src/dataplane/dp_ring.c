/* TPACKET_V3 receive ring; see dp_ring.h and the kernel's Documentation/networking/
 * packet_mmap.rst. The block and frame headers are the kernel's ABI structs in memory it shares
 * with us; every offset read from them is checked against the block before use. */
#include "dataplane/dp_ring.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

static struct tpacket_block_desc *dp_ring_blk(const struct dp_ring *r, unsigned i)
{
	return (struct tpacket_block_desc *)(void *)(r->map + (size_t)i * r->block_size);
}

int dp_ring_open(struct dp_ring *r, int fd, unsigned block_size, unsigned n_blocks,
		 unsigned tov_ms)
{
	memset(r, 0, sizeof(*r));
	int v = TPACKET_V3;
	struct tpacket_req3 req = {
		.tp_block_size = block_size,
		.tp_block_nr = n_blocks,
		.tp_frame_size = 2048,
		.tp_frame_nr = block_size / 2048 * n_blocks,
		.tp_retire_blk_tov = tov_ms,
	};
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -1;
	size_t len = (size_t)block_size * n_blocks;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;
		struct tpacket_req3 none = { 0 };
		setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof(none));
		errno = e;
		return -1;
	}
	r->map = m;
	r->map_len = len;
	r->block_size = block_size;
	r->n_blocks = n_blocks;
	return 0;
}

void dp_ring_close(struct dp_ring *r, int fd)
{
	if (!r->map)
		return;
	munmap(r->map, r->map_len);
	struct tpacket_req3 none = { 0 };
	setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof(none));
	r->map = NULL;
}

bool dp_ring_ready(struct dp_ring *r)
{
	struct tpacket_block_desc *b = dp_ring_blk(r, r->cur);
	if (!(__atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
		return false;
	r->n_left = b->hdr.bh1.num_pkts;
	r->off = b->hdr.bh1.offset_to_first_pkt;
	return true;
}

bool dp_ring_next(struct dp_ring *r, struct dp_ring_frame *f)
{
	const size_t hl = sizeof(struct tpacket3_hdr);
	if (!r->n_left || r->off < sizeof(struct tpacket_block_desc) ||
	    r->off + hl > r->block_size)
		return false;
	uint8_t *blk = (uint8_t *)dp_ring_blk(r, r->cur);
	struct tpacket3_hdr h;
	memcpy(&h, blk + r->off, hl);
	if (h.tp_mac > r->block_size - r->off || h.tp_snaplen > r->block_size - r->off - h.tp_mac)
		return false;
	*f = (struct dp_ring_frame){
		.frame = blk + r->off + h.tp_mac,
		.len = h.tp_snaplen,
		.has_vlan = (h.tp_status & TP_STATUS_VLAN_VALID) != 0,
		.tci = (uint16_t)h.hv1.tp_vlan_tci,
		.is_csum_partial = (h.tp_status & TP_STATUS_CSUMNOTREADY) != 0,
		.is_truncated = h.tp_snaplen < h.tp_len,
	};
	r->n_left--;
	r->off = h.tp_next_offset ? r->off + h.tp_next_offset : 0;
	return true;
}

void dp_ring_release(struct dp_ring *r)
{
	struct tpacket_block_desc *b = dp_ring_blk(r, r->cur);
	__atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	r->cur = (r->cur + 1) % r->n_blocks;
	r->n_left = 0;
}
