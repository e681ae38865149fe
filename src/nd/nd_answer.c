/* NS answering for one address (RFC 4861 §7.2.4); see nd_answer.h. */
#include "nd/nd_answer.h"

#include <string.h>

#include "nd/nd_codec.h"

int nd_answer_ns(const uint8_t own[16], const uint8_t mac[6], const uint8_t *pkt, size_t len,
		 uint8_t *out, size_t cap)
{
	struct nd_ip6_hdr ip;
	struct rcur icmp;
	struct nd_nsna_msg ns;
	if (nd_parse_ipv6_icmp(pkt, len, &ip, &icmp) != ND_E_OK ||
	    nd_parse_nsna(icmp.p, icmp.left, &ip, &ns) != ND_E_OK || ns.type != ND_ICMP6_NS ||
	    memcmp(ns.target, own, 16) != 0)
		return -1;
	/* A DAD probe (unspecified source) from another node for the same address is not answered;
	 * nor is a multicast source (never a source, RFC 4291 §2.7): a solicited NA to a multicast
	 * address is invalid (RFC 4861 §7.1.2). */
	if (nd_addr_is_unspecified(ip.src) || nd_addr_is_multicast(ip.src))
		return -1;
	struct nd_nsna_msg na = { .is_solicited = true, .is_override = true };
	memcpy(na.target, own, 16);
	uint8_t msg[64];
	int l = nd_build_na_tlla(&na, mac, msg, sizeof(msg));
	return l < 0 ? -1 : nd_build_ipv6_icmp(own, ip.src, msg, (size_t)l, out, cap);
}
