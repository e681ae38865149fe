/* AF_PACKET receive framing: what PACKET_AUXDATA says about a frame (the 802.1Q tag the kernel
 * stripped, a checksum left to finish), and the frame as it was on the wire with that tag put
 * back after the MAC addresses (traces). Pure. */
#ifndef V6L_DP_WIRE_H
#define V6L_DP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_aux {
	bool has_vlan;        /* TP_STATUS_VLAN_VALID: tci holds the stripped tag */
	uint16_t tci;         /* PCP (3 bits), DEI, VLAN ID (12 bits) */
	bool is_csum_partial; /* TP_STATUS_CSUMNOTREADY: only the pseudo-header sum is there */
};

/* Reads the PACKET_AUXDATA of a recvmsg control buffer ctrl[0..len) into *out (all false and 0
 * when there is none, or it is shorter than struct tpacket_auxdata). */
void dp_aux_parse(const void *ctrl, size_t len, struct dp_aux *out);

/* Writes frame[0..len) as it was on the wire into out[cap]: with has_vlan, TPID 0x8100 and tci
 * go back after the two MAC addresses (IEEE 802.1Q). Returns the length, or -1 if the frame is
 * shorter than its MAC addresses or out too small. */
int dp_wire_rebuild(const uint8_t *frame, size_t len, bool has_vlan, uint16_t tci, uint8_t *out,
		    size_t cap);

#endif
