/* Neighbor Discovery codec for a point-to-point PPP link (RFC 4861): IPv6 + ICMPv6 framing with
 * the checksum (RFC 4443 §2.3), RA with PIO, MTU, RDNSS/DNSSL (RFC 8106), RIO (RFC 4191), PREF64
 * (RFC 8781), flags expansion (RFC 5175); NS/NA; builders for RS, NS (DAD, RFC 7527 nonce) and NA.
 * Pure: no I/O, clock or logging. Redirect is not parsed; IPv6 extension headers are rejected. */
#ifndef V6L_ND_CODEC_H
#define V6L_ND_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

#define ND_IP6_HDR_LEN 40
#define ND_IP6_NH_ICMP6 58
#define ND_HOP_LIMIT 255 /* RFC 4861 §6.1.2, §7.1: every ND message */

#define ND_ICMP6_RS 133
#define ND_ICMP6_RA 134
#define ND_ICMP6_NS 135
#define ND_ICMP6_NA 136
#define ND_ICMP6_REDIRECT 137

#define ND_RA_HDR_LEN 16 /* RFC 4861 §4.2 */
#define ND_NS_HDR_LEN 24 /* RFC 4861 §4.3, §4.4 */

#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_OPT_PREFIX 3
#define ND_OPT_MTU 5
#define ND_OPT_NONCE 14 /* RFC 7527 */
#define ND_OPT_ROUTE 24
#define ND_OPT_RDNSS 25
#define ND_OPT_FLAGS_EXT 26
#define ND_OPT_DNSSL 31
#define ND_OPT_PREF64 38

#define ND_LIFETIME_INF 0xffffffffu
#define ND_NONCE_LEN 6

#define ND_MAX_PREFIXES 8
#define ND_MAX_ROUTES 8
#define ND_MAX_RDNSS 8
#define ND_MAX_DNSSL 8
#define ND_MAX_PREF64 2
#define ND_DNAME_MAX 253 /* text form without the trailing dot, RFC 1035 §2.3.4 */

enum nd_err {
	ND_E_OK = 0,
	ND_E_SHORT,      /* shorter than the fixed header */
	ND_E_VERSION,    /* IP version not 6 */
	ND_E_NEXTHDR,    /* not ICMPv6 directly (extension headers are not supported) */
	ND_E_LENGTH,     /* IPv6 payload length runs past the buffer */
	ND_E_CSUM,       /* ICMPv6 checksum wrong */
	ND_E_TYPE,       /* not the ICMPv6 type the parser expects */
	ND_E_CODE,       /* ICMP code not 0 */
	ND_E_HOPLIMIT,   /* hop limit not 255: sent from off-link */
	ND_E_SRC,        /* source address not allowed (RA: not link-local; NS from ::: SLLA) */
	ND_E_DST,        /* destination not allowed (NS from ::, NA with S to multicast) */
	ND_E_TARGET,     /* target is a multicast address */
	ND_E_OPTLEN,     /* option with length 0 or running past the message */
	ND_E_RANGE,      /* builder input out of range or output buffer too small */
};

/* Returns a static English description of e. */
const char *nd_err_str(enum nd_err e);

/* RFC 4191 §2.1 preference values as on the wire (2 bits). */
enum nd_prf {
	ND_PRF_MEDIUM = 0,
	ND_PRF_HIGH = 1,
	ND_PRF_RESERVED = 2,
	ND_PRF_LOW = 3,
};

/* Returns "high", "medium", "low" or "reserved". */
const char *nd_prf_name(enum nd_prf p);

/* The fields of the IPv6 header the ND checks need (host order). */
struct nd_ip6_hdr {
	uint8_t src[16];
	uint8_t dst[16];
	uint8_t hop_limit;
	uint8_t traffic_class;
	uint32_t flow_label;
	uint16_t payload_len;
};

struct nd_prefix_opt {
	uint8_t prefix[16]; /* bits past plen cleared (RFC 4861 §4.6.2) */
	uint8_t plen;
	bool is_onlink; /* L */
	bool is_auto;   /* A */
	uint32_t valid_s, preferred_s;
};

struct nd_route_opt {
	uint8_t prefix[16]; /* bits past plen cleared (RFC 4191 §2.3) */
	uint8_t plen;
	enum nd_prf prf;
	uint32_t lifetime_s;
};

struct nd_rdnss {
	uint8_t addr[16];
	uint32_t lifetime_s;
};

struct nd_dnssl {
	char name[ND_DNAME_MAX + 1]; /* lower case, dotted, no trailing dot, NUL-terminated */
	uint32_t lifetime_s;
};

struct nd_pref64 {
	uint8_t prefix[16]; /* the first plen bits; the rest zero */
	uint8_t plen;       /* 32, 40, 48, 56, 64 or 96 */
	uint32_t lifetime_s; /* scaled lifetime * 8 */
};

/* A decoded Router Advertisement. Options beyond the fixed capacities are counted in n_*_dropped;
 * options the RFCs say to ignore (bad length or contents) are counted in n_opts_ignored. */
struct nd_ra_msg {
	uint8_t cur_hop_limit;
	bool is_managed; /* M */
	bool is_other;   /* O */
	enum nd_prf prf; /* RFC 4191 §2.2: reserved arrives as medium */
	uint16_t router_lifetime_s;
	uint32_t reachable_ms, retrans_ms;

	bool has_slla;
	bool has_mtu;
	uint32_t mtu;
	bool has_flags_ext;
	uint64_t flags_ext; /* RFC 5175: the 48 flag bits of the first option, bit 47 = first bit */

	uint8_t n_prefixes, n_routes, n_rdnss, n_dnssl, n_pref64;
	struct nd_prefix_opt prefixes[ND_MAX_PREFIXES];
	struct nd_route_opt routes[ND_MAX_ROUTES];
	struct nd_rdnss rdnss[ND_MAX_RDNSS];
	struct nd_dnssl dnssl[ND_MAX_DNSSL];
	struct nd_pref64 pref64[ND_MAX_PREF64];
	uint32_t n_prefixes_dropped, n_routes_dropped, n_rdnss_dropped, n_dnssl_dropped,
		n_pref64_dropped, n_opts_ignored, n_opts_unknown;
};

/* A decoded Neighbor Solicitation or Advertisement. */
struct nd_nsna_msg {
	uint8_t type; /* ND_ICMP6_NS or ND_ICMP6_NA */
	uint8_t target[16];
	bool is_router, is_solicited, is_override; /* NA only */
	bool has_lladdr; /* SLLA (NS) or TLLA (NA); contents ignored on PPP */
	bool has_nonce;  /* RFC 7527 */
	uint8_t nonce[ND_NONCE_LEN];
};

/* Address helpers. */
bool nd_addr_is_link_local(const uint8_t a[16]);
bool nd_addr_is_multicast(const uint8_t a[16]);
bool nd_addr_is_unspecified(const uint8_t a[16]);
/* True if a/alen and b/blen share an address: their first min(alen, blen) bits agree. */
bool nd_prefix_overlaps(const uint8_t a[16], unsigned alen, const uint8_t b[16], unsigned blen);
/* True if prefix/plen (bits past plen already clear) lies inside or covers link-local fe80::/10
 * or multicast ff00::/8: ::/0, fe00::/7 and fe80::/9 do, fec0::/10 and 2000::/3 do not. */
bool nd_prefix_is_link_scope(const uint8_t prefix[16], unsigned plen);
/* Writes the link-local address fe80::/64 + modified EUI-64 of mac that the kernel gives an
 * Ethernet adapter (RFC 4291 Appendix A, u bit inverted). */
void nd_eui64_link_local(const uint8_t mac[6], uint8_t out[16]);
/* Writes the solicited-node multicast address ff02::1:ffXX:XXXX of a (RFC 4291 §2.7.1). */
void nd_solicited_node(const uint8_t a[16], uint8_t out[16]);

/* Internet checksum of the ICMPv6 message msg[0..len) with the RFC 8200 §8.1 pseudo-header;
 * returns the value to store (the checksum field inside msg is included as it is). */
uint16_t nd_icmp6_csum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *msg, size_t len);

/* Checks the IPv6 header of pkt[0..len): version 6, next header 58, payload length inside len
 * (trailing bytes ignored), ICMPv6 checksum. Fills *hdr and points *icmp at the ICMPv6 message
 * (borrowing pkt). */
enum nd_err nd_parse_ipv6_icmp(const uint8_t *pkt, size_t len, struct nd_ip6_hdr *hdr,
	struct rcur *icmp);

/* Parses the RA msg[0..len) (ICMPv6 header first) received with IPv6 header ip, doing the
 * RFC 4861 §6.1.2 validity checks; the checksum is checked by nd_parse_ipv6_icmp. */
enum nd_err nd_parse_ra(const uint8_t *msg, size_t len, const struct nd_ip6_hdr *ip,
	struct nd_ra_msg *ra);
/* Parses an NS or NA msg[0..len) with the checks of RFC 4861 §7.1.1 / §7.1.2. */
enum nd_err nd_parse_nsna(const uint8_t *msg, size_t len, const struct nd_ip6_hdr *ip,
	struct nd_nsna_msg *m);

/* Builders write the ICMPv6 message with a zero checksum (nd_build_ipv6_icmp fills it) and return
 * its length, or -1 if cap is too small. */
/* Router Solicitation without SLLA: PPP has no link-layer address (RFC 4861 §4.1). */
int nd_build_rs(uint8_t *out, size_t cap);
/* NS for target; nonce NULL or ND_NONCE_LEN bytes for an RFC 7527 Nonce option (DAD). */
int nd_build_ns(const uint8_t target[16], const uint8_t *nonce, uint8_t *out, size_t cap);
/* NA for target with the R, S, O flags of m (m->type and the option fields are not used). */
int nd_build_na(const struct nd_nsna_msg *m, uint8_t *out, size_t cap);
/* The same NA with a Target Link-Layer Address option for mac (Ethernet). */
int nd_build_na_tlla(const struct nd_nsna_msg *m, const uint8_t mac[6], uint8_t *out, size_t cap);

/* Wraps icmp[0..len) in an IPv6 header (hop limit 255, flow 0) from src to dst and fills the
 * ICMPv6 checksum in the copy; returns 40 + len or -1 if cap is too small or len > 65535. */
int nd_build_ipv6_icmp(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp,
	size_t len, uint8_t *out, size_t cap);

#endif
