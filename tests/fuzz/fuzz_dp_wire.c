/* Fuzzes AF_PACKET receive framing: a recvmsg control buffer (byte 0 its length, then its bytes)
 * read by dp_aux_parse (core/cmsg.c's bounds-checked walk), then the frame (the rest) rebuilt as
 * it was on the wire with the 802.1Q tag the auxdata carried. The rebuilt frame must be the frame
 * with exactly TPID 0x8100 and that TCI after the MAC addresses, and pppoe_eth_parse must read
 * the same VLAN ID and priority back. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "dataplane/dp_wire.h"
#include "pppoe/pppoe_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	union {
		struct cmsghdr align;
		uint8_t b[256];
	} ctrl;
	static uint8_t out[70000];
	if (len < 1)
		return 0;
	size_t clen = data[0] <= len - 1 ? data[0] : len - 1;
	memcpy(ctrl.b, data + 1, clen);
	const uint8_t *f = data + 1 + clen;
	size_t flen = len - 1 - clen;
	struct dp_aux a;
	dp_aux_parse(ctrl.b, clen, &a);
	if ((a.has_vlan || a.is_csum_partial || a.tci) && clen < CMSG_LEN(20))
		abort(); /* no struct tpacket_auxdata (20 bytes) fits: nothing may be read */
	int n = dp_wire_rebuild(f, flen, a.has_vlan, a.tci, out, sizeof(out));
	if (flen < 12) {
		if (n != -1)
			abort();
		return 0;
	}
	size_t tag = a.has_vlan ? 4 : 0;
	if (n != (int)(flen + tag) || memcmp(out, f, 12) != 0 ||
	    memcmp(out + 12 + tag, f + 12, flen - 12) != 0)
		abort();
	if (!a.has_vlan)
		return 0;
	if (out[12] != 0x81 || out[13] != 0x00 || out[14] != a.tci >> 8 || out[15] != (a.tci & 0xff))
		abort();
	struct pppoe_eth_hdr h;
	size_t off;
	if (flen >= 14) {
		if (pppoe_eth_parse(out, (size_t)n, &h, &off) != PPPOE_E_OK || !h.has_vlan ||
		    h.vlan_id != (a.tci & 0x0fff) || h.priority != a.tci >> 13 || off != 18)
			abort();
	}
	/* A tight buffer gives -1, never part of a frame. */
	if (dp_wire_rebuild(f, flen, true, a.tci, out, flen + 3) != -1)
		abort();
	return 0;
}
