/* Fuzzes NS answering (nd_answer_ns, NAT46's responder for its dedicated address in router
 * mode). Byte 0 bit 0 set: bytes 1..16 are our address and the packet follows; clear: our address
 * is the target of the captured NS in the seeds and the packet starts at byte 1. An answer must be
 * an NA that parses, from our address to the NS's unicast source, solicited and override, with
 * our MAC as TLLA, and only for an NS that parses with our address as target. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nd/nd_answer.h"
#include "nd/nd_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const uint8_t fz_own[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02,
				    0xdc, 0x31, 0xc3, 0xff, 0xfe, 0xac, 0x95, 0x1a };
static const uint8_t fz_mac[6] = { 0x02, 0x76, 0x36, 0x00, 0x00, 0x46 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint8_t own[16], out[256];
	if (len < 1)
		return 0;
	size_t off = 1;
	memcpy(own, fz_own, 16);
	if (data[0] & 1) {
		if (len < 17)
			return 0;
		memcpy(own, data + 1, 16);
		off = 17;
	}
	const uint8_t *pkt = data + off;
	size_t plen = len - off;
	/* A tight cap now and then: a short buffer must give -1, never a partial packet. */
	size_t cap = (data[0] & 2) ? data[0] >> 2 : sizeof(out);
	int n = nd_answer_ns(own, fz_mac, pkt, plen, out, cap);
	if (n < 0)
		return 0;
	if ((size_t)n > cap)
		abort();
	/* The question was an NS for own from a unicast source. */
	struct nd_ip6_hdr qip, aip;
	struct rcur q, a;
	struct nd_nsna_msg ns, na;
	if (nd_parse_ipv6_icmp(pkt, plen, &qip, &q) != ND_E_OK ||
	    nd_parse_nsna(q.p, q.left, &qip, &ns) != ND_E_OK || ns.type != ND_ICMP6_NS ||
	    memcmp(ns.target, own, 16) != 0 || nd_addr_is_unspecified(qip.src) ||
	    nd_addr_is_multicast(qip.src))
		abort();
	/* The answer: a valid NA (checksum too) from own to that source. */
	if (nd_parse_ipv6_icmp(out, (size_t)n, &aip, &a) != ND_E_OK ||
	    nd_parse_nsna(a.p, a.left, &aip, &na) != ND_E_OK || na.type != ND_ICMP6_NA ||
	    memcmp(na.target, own, 16) != 0 || !na.is_solicited || !na.is_override ||
	    na.is_router || !na.has_lladdr || aip.hop_limit != 255 ||
	    memcmp(aip.src, own, 16) != 0 || memcmp(aip.dst, qip.src, 16) != 0 ||
	    memcmp(out + n - 6, fz_mac, 6) != 0)
		abort();
	return 0;
}
