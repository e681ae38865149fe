/* NAT46 data path (issues #5, #12): a thread reads IPv4 from the v6link46 TUN, translates it
 * (nat46) and sends the IPv6 straight onto the PPPoE session (dp_send6_batch) in dial-up, or
 * through a raw socket, so that the kernel routes it, in router mode (and in dial-up for the
 * session's own prefixes). IPv6 for the dedicated host_v6 comes back through xlat_input6 from the
 * thread that received it: the PPPoE downlink, or in router mode xlat's own packet socket, which
 * also answers Neighbor Solicitations for host_v6. Off the control loop, batched. */
#ifndef V6L_XLAT_H
#define V6L_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat46/nat46.h"

struct xlat;
struct dataplane;

struct xlat_stats {
	uint64_t to_v6, to_v4;      /* packets translated each way (fragments count once) */
	uint64_t via_session;       /* IPv6 packets (fragments each) sent on the PPPoE session */
	uint64_t icmp4_made;        /* ICMPv4 errors made for the app (no mapping, too big, ...) */
	uint64_t na_sent;           /* router mode: answers to NS for host_v6 */
	uint64_t io_errors;
	uint64_t drops[NAT46_DROP_N];
};

/* tun_fd (the v6link46 TUN, borrowed) carries IPv4 from the apps; has_vnet_hdr: it was opened
 * with IFF_VNET_HDR (a 10-byte virtio-net header before each packet; TSO4 super-packets and
 * NEEDS_CSUM are then taken). cfg is copied; host_v6 all zero means "no IPv6 address yet":
 * every packet is dropped until xlat_set_host_v6. */
struct xlat *xlat_new(int tun_fd, bool has_vnet_hdr, const struct nat46_cfg *cfg);
/* Router mode: reads IPv6 for host_v6 on the adapter ifindex (MAC mac) and answers NS for it.
 * Before xlat_start. 0 or -1 with errno. */
int xlat_attach_link(struct xlat *x, int ifindex, const uint8_t mac[6]);
/* Dial-up: translated IPv6 goes onto dp's session (dp outlives x: xlat_free first), and the
 * IPv4 that xlat_input6 makes goes to a writer thread that coalesces it (xlat_v4q; with a
 * virtio-net header TUN). Before the first xlat_input6 and xlat_start; NULL (the default)
 * sends everything through the raw socket and writes IPv4 at once. 0 or -1 with errno. */
int xlat_set_dataplane(struct xlat *x, struct dataplane *dp);
int xlat_start(struct xlat *x);
/* Stops the threads, closes the sockets, frees x (NULL is fine). */
void xlat_free(struct xlat *x);
/* The dedicated IPv6 address (NULL: none) and the IPv6 path MTU; safe while running. */
void xlat_set_host_v6(struct xlat *x, const uint8_t host_v6[16], uint16_t v6_mtu);
/* If pkt is IPv6 for host_v6, translates it to the TUN and returns true. Any thread; with a
 * data plane set (xlat_set_dataplane), one thread at a time (the ring's single producer). */
bool xlat_input6(struct xlat *x, const uint8_t *pkt, size_t len);
void xlat_get_stats(struct xlat *x, struct xlat_stats *out);

#endif
