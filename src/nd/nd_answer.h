/* Neighbor Solicitation answering for one address of ours on an Ethernet link (RFC 4861 §7.2.4),
 * as NAT46 does for its dedicated address in router mode. Pure: packet in, packet out. */
#ifndef V6L_ND_ANSWER_H
#define V6L_ND_ANSWER_H

#include <stddef.h>
#include <stdint.h>

/* pkt[0..len) is an IPv6 packet received on the link. When it is a valid NS (RFC 4861 §7.1.1,
 * checksum included) for target own from a unicast source, writes into out[cap] the IPv6 packet
 * that answers it: an NA from own to the NS's source, solicited and override set, with own's
 * link-layer address mac as TLLA. Returns its length, or -1: not such an NS (an NS from the
 * unspecified address is another node's DAD probe and gets no answer, one from a multicast
 * address is invalid), or cap too small. */
int nd_answer_ns(const uint8_t own[16], const uint8_t mac[6], const uint8_t *pkt, size_t len,
		 uint8_t *out, size_t cap);

#endif
