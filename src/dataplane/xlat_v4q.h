/* NAT46's IPv4 writer (issue #12): what the PPPoE downlink thread translated for the apps
 * (xlat_input6) waits in a single-producer ring; a thread of its own takes it in batches,
 * coalesces consecutive TCP segments of a flow (dp_gro) and writes each result into v6link46
 * with one writev behind a virtio-net header. The downlink no longer runs the host's IPv4
 * receive path once per packet, and that work moves to the other core. */
#ifndef V6L_XLAT_V4Q_H
#define V6L_XLAT_V4Q_H

#include <stddef.h>
#include <stdint.h>

/* The largest IPv4 packet queued: one PPPoE frame's IPv6 (at most 1500 bytes, RFC 4638)
 * translated is 20 bytes shorter. */
#define XLAT_V4Q_SLOT 1536

struct xlat_v4q;

/* tun_fd (borrowed) was opened with IFF_VNET_HDR. NULL with errno on failure. */
struct xlat_v4q *xlat_v4q_new(int tun_fd);
/* Starts the writer thread; 0 or -1 with errno. */
int xlat_v4q_start(struct xlat_v4q *q);
/* Stops the thread (what is queued is dropped) and frees q (NULL is fine). */
void xlat_v4q_free(struct xlat_v4q *q);
/* Producer (one thread at a time): the slot to write the next packet into (XLAT_V4Q_SLOT
 * bytes), or NULL when the ring stays full after the writer was given the CPU a few times. */
uint8_t *xlat_v4q_slot(struct xlat_v4q *q);
/* Producer: queues the slot xlat_v4q_slot returned, holding len bytes; wakes the writer. */
void xlat_v4q_commit(struct xlat_v4q *q, size_t len);
/* Packets written into the TUN, and those the TUN refused. */
void xlat_v4q_stats(struct xlat_v4q *q, uint64_t *written, uint64_t *io_errors);

#endif
