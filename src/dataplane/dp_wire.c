/* AF_PACKET receive framing; see dp_wire.h. */
#include "dataplane/dp_wire.h"

#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cmsg.h"

void dp_aux_parse(const void *ctrl, size_t len, struct dp_aux *out)
{
	struct tpacket_auxdata aux;
	memset(out, 0, sizeof(*out));
	if (!cmsg_get(ctrl, len, SOL_PACKET, PACKET_AUXDATA, &aux, sizeof(aux)))
		return;
	out->has_vlan = (aux.tp_status & TP_STATUS_VLAN_VALID) != 0;
	out->tci = aux.tp_vlan_tci;
	out->is_csum_partial = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
}

int dp_wire_rebuild(const uint8_t *frame, size_t len, bool has_vlan, uint16_t tci, uint8_t *out,
		    size_t cap)
{
	size_t n = len + (has_vlan ? 4 : 0);
	if (len < 12 || n > cap || n > INT32_MAX)
		return -1;
	if (!has_vlan) {
		memcpy(out, frame, len);
		return (int)n;
	}
	memcpy(out, frame, 12);
	out[12] = 0x81;
	out[13] = 0x00;
	out[14] = (uint8_t)(tci >> 8);
	out[15] = (uint8_t)tci;
	memcpy(out + 16, frame + 12, len - 12);
	return (int)n;
}
