/* Masks authentication secrets in a copy of a frame before it is traced: PAP passwords
 * (RFC 1334 §2.2.1), CHAP and MS-CHAPv2 Response values (RFC 1994 §4.1, RFC 2759 §4) and
 * MS-CHAPv2 Change-Password bodies (RFC 2759 §7). Pure. Does not look inside EAP. */
#ifndef V6L_TRACE_MASK_H
#define V6L_TRACE_MASK_H

#include <stddef.h>
#include <stdint.h>

enum trace_frame_kind {
	TRACE_FRAME_ETHER, /* Ethernet, up to two VLAN tags, PPPoE session (0x8864) carrying PPP */
	TRACE_FRAME_PPP,   /* PPP protocol field first, optionally after ff 03 (RFC 1662 §3.1) */
};

/* Overwrites the secret bytes of frame[0..len) in place, never outside it, keeping every length
 * field so the frame still dissects: PAP passwords become '*', CHAP Response values and
 * MS-CHAPv2 Change-Password bodies become 0. Returns the number of bytes overwritten. */
size_t trace_mask_secrets(uint8_t *frame, size_t len, enum trace_frame_kind kind);

#endif
