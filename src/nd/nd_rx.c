/* Router mode's receive metadata (RFC 3542 §6); see nd_rx.h. */
#include "nd/nd_rx.h"

#include <netinet/in.h>
#include <string.h>

#include "core/cmsg.h"

void nd_rx_meta(const void *ctrl, size_t len, const uint8_t src[16], size_t payload_len,
		struct nd_ip6_hdr *ip)
{
	int hl;
	struct in6_pktinfo pi;
	memset(ip, 0, sizeof(*ip));
	if (cmsg_get(ctrl, len, IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, sizeof(hl)) && hl >= 0 &&
	    hl <= 255)
		ip->hop_limit = (uint8_t)hl;
	if (cmsg_get(ctrl, len, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi)))
		memcpy(ip->dst, &pi.ipi6_addr, 16);
	memcpy(ip->src, src, 16);
	ip->payload_len = payload_len > 0xffff ? 0xffff : (uint16_t)payload_len;
}
