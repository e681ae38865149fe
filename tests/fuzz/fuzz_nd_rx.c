/* Fuzzes router mode's control message input (mode_router.c rt_recv, rt_on_icmp): a recvmsg
 * control buffer (byte 0 its length, then its bytes) read by nd_rx_meta, the sender's address
 * (16 bytes), and an ICMPv6 message (the rest) parsed as an RA with that view of the IPv6
 * header. An RA accepted must have come with a whole IPV6_HOPLIMIT of 255 and from a link-local
 * source (RFC 4861 §6.1.2); the header view must hold what the control buffer said. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "nd/nd_codec.h"
#include "nd/nd_rx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Reference: the last IPV6_HOPLIMIT in c[0..n) walked the plain way, or -1. */
static int fz_hop_limit(const uint8_t *c, size_t n)
{
	int hl = -1;
	for (size_t off = 0; n - off >= sizeof(struct cmsghdr);) {
		struct cmsghdr h;
		memcpy(&h, c + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > n - off)
			break;
		if (h.cmsg_level == IPPROTO_IPV6 && h.cmsg_type == IPV6_HOPLIMIT &&
		    h.cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&hl, c + off + CMSG_LEN(0), sizeof(int));
		if (CMSG_ALIGN(h.cmsg_len) > n - off)
			break;
		off += CMSG_ALIGN(h.cmsg_len);
	}
	return hl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	union {
		struct cmsghdr align;
		uint8_t b[256];
	} ctrl;
	static struct nd_ra_msg ra;
	if (len < 1)
		return 0;
	size_t clen = data[0] <= len - 1 ? data[0] : len - 1;
	memcpy(ctrl.b, data + 1, clen);
	size_t off = 1 + clen;
	if (len - off < 16)
		return 0;
	const uint8_t *src = data + off;
	const uint8_t *msg = data + off + 16;
	size_t mlen = len - off - 16;
	struct nd_ip6_hdr ip;
	nd_rx_meta(ctrl.b, clen, src, mlen, &ip);
	int hl = fz_hop_limit(ctrl.b, clen);
	if (ip.hop_limit != (hl >= 0 && hl <= 255 ? hl : 0) || memcmp(ip.src, src, 16) != 0 ||
	    ip.payload_len != (mlen > 0xffff ? 0xffff : mlen))
		abort();
	if (nd_parse_ra(msg, mlen, &ip, &ra) != ND_E_OK)
		return 0;
	if (hl != 255 || !nd_addr_is_link_local(src))
		abort();
	return 0;
}
