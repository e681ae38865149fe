/* What router mode knows of a packet read from its raw ICMPv6 or DHCPv6 UDP socket: the sender's
 * address, and the hop limit and destination the kernel reports as RFC 3542 ancillary data.
 * Pure: a control buffer in, an IPv6 header view out. */
#ifndef V6L_ND_RX_H
#define V6L_ND_RX_H

#include <stddef.h>
#include <stdint.h>

#include "nd/nd_codec.h"

/* Fills *ip for a payload of payload_len bytes received from src, with the hop limit
 * (IPV6_HOPLIMIT) and destination (IPV6_PKTINFO) found in the control buffer ctrl[0..len).
 * Whatever is missing or malformed stays 0 or ::, so checks on it fail closed (an RA needs hop
 * limit 255, RFC 4861 §6.1.2). */
void nd_rx_meta(const void *ctrl, size_t len, const uint8_t src[16], size_t payload_len,
		struct nd_ip6_hdr *ip);

#endif
