/* Secret masking for traces: finds the PPP packet inside an Ethernet/PPPoE frame or a raw PPP
 * frame and overwrites PAP passwords and CHAP/MS-CHAPv2 response values. Every secret is
 * bounded by the frame, not by length fields an attacker or a bug could get wrong. */
#include "trace/trace_mask.h"

#include <string.h>

#define MASK_ETH_P_PPPOE_SESS 0x8864
#define MASK_ETH_P_8021Q 0x8100
#define MASK_ETH_P_8021AD 0x88a8
#define MASK_PPP_PAP 0xc023
#define MASK_PPP_CHAP 0xc223
#define MASK_PAP_AUTH_REQ 1    /* RFC 1334 §2.2.1 */
#define MASK_CHAP_RESPONSE 2   /* RFC 1994 §4.1 */
#define MASK_MSCHAP_CHANGE_PW 7 /* RFC 2759 §7 */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Fills frame[off .. off+n) clipped to len with v; returns the bytes written. */
static size_t fill(uint8_t *frame, size_t len, size_t off, size_t n, uint8_t v)
{
	if (off >= len)
		return 0;
	if (n > len - off)
		n = len - off;
	memset(frame + off, v, n);
	return n;
}

/* PAP Authenticate-Request: code, id, length(2), Peer-ID-Length, Peer-ID, Passwd-Length,
 * Password. */
static size_t mask_pap(uint8_t *pkt, size_t len)
{
	if (len < 5 || pkt[0] != MASK_PAP_AUTH_REQ)
		return 0;
	size_t pw_len_off = 5 + (size_t)pkt[4];
	if (pw_len_off >= len)
		return 0;
	return fill(pkt, len, pw_len_off + 1, pkt[pw_len_off], '*');
}

/* CHAP Response: code, id, length(2), Value-Size, Value, Name. MS-CHAPv2 Change-Password has
 * no Value-Size: everything after the header is encrypted password material. */
static size_t mask_chap(uint8_t *pkt, size_t len)
{
	if (len < 4)
		return 0;
	if (pkt[0] == MASK_MSCHAP_CHANGE_PW)
		return fill(pkt, len, 4, len - 4, 0);
	if (pkt[0] != MASK_CHAP_RESPONSE || len < 5)
		return 0;
	return fill(pkt, len, 5, pkt[4], 0);
}

static size_t mask_ppp(uint8_t *p, size_t len)
{
	size_t off = len >= 2 && p[0] == 0xff && p[1] == 0x03 ? 2 : 0;

	/* RFC 1661 §6.5: PFC never applies to protocols above 0xff, so PAP and CHAP keep 2 bytes. */
	if (len < off + 2)
		return 0;
	switch (be16(p + off)) {
	case MASK_PPP_PAP:
		return mask_pap(p + off + 2, len - off - 2);
	case MASK_PPP_CHAP:
		return mask_chap(p + off + 2, len - off - 2);
	default:
		return 0;
	}
}

/* Ethernet with up to two VLAN tags, then PPPoE session header: ver/type, code, session id,
 * length (RFC 2516 §4). The PPP packet is taken to run to the end of the frame so Ethernet
 * padding or a lying LENGTH never hides a secret. */
static size_t mask_ether(uint8_t *f, size_t len)
{
	size_t off = 12;
	int tags = 0;

	for (;;) {
		if (len < off + 2)
			return 0;
		uint16_t type = be16(f + off);
		if ((type == MASK_ETH_P_8021Q || type == MASK_ETH_P_8021AD) && tags < 2) {
			off += 4;
			tags++;
			continue;
		}
		if (type != MASK_ETH_P_PPPOE_SESS)
			return 0;
		off += 2;
		break;
	}
	if (len < off + 6)
		return 0;
	return mask_ppp(f + off + 6, len - off - 6);
}

size_t trace_mask_secrets(uint8_t *frame, size_t len, enum trace_frame_kind kind)
{
	if (!frame)
		return 0;
	switch (kind) {
	case TRACE_FRAME_ETHER:
		return mask_ether(frame, len);
	case TRACE_FRAME_PPP:
		return mask_ppp(frame, len);
	}
	return 0;
}
