/* Neighbor Discovery codec (RFC 4861 §4, §6.1.2, §7.1) with the RA options of RFC 4861 §4.6,
 * RFC 8106, RFC 4191, RFC 8781 and RFC 5175, and IPv6/ICMPv6 framing (RFC 8200, RFC 4443).
 * Each option's policy (ignore the option or drop the message) is noted beside its check. */
#include "nd/nd_codec.h"

#include "core/csum.h"

#include <string.h>

const char *nd_err_str(enum nd_err e)
{
	switch (e) {
	case ND_E_OK:
		return "ok";
	case ND_E_SHORT:
		return "message too short";
	case ND_E_VERSION:
		return "IP version not 6";
	case ND_E_NEXTHDR:
		return "next header not ICMPv6";
	case ND_E_LENGTH:
		return "payload length past the packet";
	case ND_E_CSUM:
		return "bad ICMPv6 checksum";
	case ND_E_TYPE:
		return "unexpected ICMPv6 type";
	case ND_E_CODE:
		return "ICMP code not 0";
	case ND_E_HOPLIMIT:
		return "hop limit not 255";
	case ND_E_SRC:
		return "source address not allowed";
	case ND_E_DST:
		return "destination address not allowed";
	case ND_E_TARGET:
		return "multicast target";
	case ND_E_OPTLEN:
		return "bad option length";
	case ND_E_RANGE:
		return "value out of range";
	}
	return "?";
}

const char *nd_prf_name(enum nd_prf p)
{
	switch (p) {
	case ND_PRF_MEDIUM:
		return "medium";
	case ND_PRF_HIGH:
		return "high";
	case ND_PRF_RESERVED:
		return "reserved";
	case ND_PRF_LOW:
		return "low";
	}
	return "?";
}

bool nd_addr_is_link_local(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

bool nd_addr_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

bool nd_prefix_overlaps(const uint8_t a[16], unsigned alen, const uint8_t b[16], unsigned blen)
{
	unsigned n = alen < blen ? alen : blen;
	if (n > 128)
		n = 128;
	for (unsigned i = 0; i < n; i++)
		if ((a[i / 8] ^ b[i / 8]) & (0x80u >> (i % 8)))
			return false;
	return true;
}

bool nd_prefix_is_link_scope(const uint8_t prefix[16], unsigned plen)
{
	static const uint8_t ll[16] = { 0xfe, 0x80 }, mc[16] = { 0xff };
	return nd_prefix_overlaps(prefix, plen, ll, 10) || nd_prefix_overlaps(prefix, plen, mc, 8);
}

bool nd_addr_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];
	return memcmp(a, zero, 16) == 0;
}

void nd_eui64_link_local(const uint8_t mac[6], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02;
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

void nd_solicited_node(const uint8_t a[16], uint8_t out[16])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	memcpy(out, pfx, sizeof(pfx));
	memcpy(out + 13, a + 13, 3);
}

static bool nd_is_solicited_node(const uint8_t a[16])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

uint16_t nd_icmp6_csum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *msg, size_t len)
{
	uint64_t sum = csum_pseudo6(src, dst, len, ND_IP6_NH_ICMP6);
	return (uint16_t)~csum_fold(csum_add(sum, msg, len));
}

enum nd_err nd_parse_ipv6_icmp(const uint8_t *pkt, size_t len, struct nd_ip6_hdr *hdr,
	struct rcur *icmp)
{
	struct rcur c = rcur_init(pkt, len);
	memset(hdr, 0, sizeof(*hdr));
	uint32_t vtf = rcur_u32(&c);
	hdr->payload_len = rcur_u16(&c);
	uint8_t nh = rcur_u8(&c);
	hdr->hop_limit = rcur_u8(&c);
	rcur_addr6(&c, hdr->src);
	rcur_addr6(&c, hdr->dst);
	*icmp = rcur_init(NULL, 0);
	if (!rcur_ok(&c))
		return ND_E_SHORT;
	if (vtf >> 28 != 6)
		return ND_E_VERSION;
	hdr->traffic_class = (uint8_t)(vtf >> 20);
	hdr->flow_label = vtf & 0xfffff;
	/* Extension headers before an ND message are legal but unused on this link: rejected. */
	if (nh != ND_IP6_NH_ICMP6)
		return ND_E_NEXTHDR;
	struct rcur msg;
	if (!rcur_sub(&c, hdr->payload_len, &msg))
		return ND_E_LENGTH;
	if (msg.left < 4)
		return ND_E_SHORT;
	/* RFC 4443 §2.3: a message with a wrong checksum is discarded. */
	if (nd_icmp6_csum(hdr->src, hdr->dst, msg.p, msg.left) != 0)
		return ND_E_CSUM;
	*icmp = msg;
	return ND_E_OK;
}

/* Clears the bits of a past plen (reserved, ignored by the receiver: RFC 4861 §4.6.2). */
static void nd_mask_prefix(uint8_t a[16], unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		if (bits < 8)
			a[i] &= (uint8_t)(0xff00u >> bits);
	}
}

/* RFC 4861 §4.6.2. Returns false to ignore the option. */
static bool nd_opt_prefix(struct rcur *v, struct nd_prefix_opt *p)
{
	p->plen = rcur_u8(v);
	uint8_t fl = rcur_u8(v);
	p->is_onlink = fl & 0x80;
	p->is_auto = fl & 0x40;
	p->valid_s = rcur_u32(v);
	p->preferred_s = rcur_u32(v);
	rcur_skip(v, 4);
	rcur_addr6(v, p->prefix);
	/* Length must be 4 (30 value bytes); anything else is not a PIO we understand. */
	if (!rcur_ok(v) || rcur_left(v) != 0 || p->plen > 128)
		return false;
	/* RFC 4862 §5.5.3(c): preferred > valid -> the option is ignored. */
	if (p->preferred_s > p->valid_s)
		return false;
	/* RFC 4861 §6.3.4, RFC 4862 §5.5.3(b): the link-local prefix is silently ignored; a
	 * multicast prefix can neither be on-link nor form an address (RFC 4291 §2.7). Checked on
	 * the prefix as masked, and for any overlap: fec0:8000::/9 is fe80::/9 once the bits past
	 * plen are cleared, and it and every shorter prefix covering fe80::/10 (::/0 included) would
	 * claim link-local space on-link or for SLAAC as well. */
	nd_mask_prefix(p->prefix, p->plen);
	return !nd_prefix_is_link_scope(p->prefix, p->plen);
}

/* RFC 4191 §2.3. Returns false to ignore the option. */
static bool nd_opt_route(struct rcur *v, struct nd_route_opt *r)
{
	size_t units = (rcur_left(v) + 2) / 8;
	r->plen = rcur_u8(v);
	r->prf = (enum nd_prf)((rcur_u8(v) >> 3) & 3);
	r->lifetime_s = rcur_u32(v);
	memset(r->prefix, 0, 16);
	rcur_bytes(v, r->prefix, rcur_left(v) <= 16 ? rcur_left(v) : 16);
	if (!rcur_ok(v) || units > 3 || r->plen > 128)
		return false;
	/* RFC 4191 §3.1: a Length too small for the Prefix Length means ignore the option. */
	if ((r->plen > 64 && units < 3) || (r->plen > 0 && units < 2))
		return false;
	/* RFC 4191 §3.1: the reserved preference (10) means ignore the option. */
	if (r->prf == ND_PRF_RESERVED)
		return false;
	nd_mask_prefix(r->prefix, r->plen);
	/* RFC 4291 §2.5.6, §2.7: link-local and multicast destinations are never reached through a
	 * router, so a route inside or covering fe80::/10 or ff00::/8 is ignored, checked after
	 * masking as for a PIO; ::/0 is the default route RFC 4191 §2.3 defines and stays. */
	return r->plen == 0 || !nd_prefix_is_link_scope(r->prefix, r->plen);
}

/* RFC 8106 §5.1: Length >= 3 and odd, (Length - 1) / 2 addresses. Returns false to ignore. */
static bool nd_opt_rdnss(struct rcur *v, struct nd_ra_msg *ra)
{
	size_t units = (rcur_left(v) + 2) / 8;
	/* RFC 8106 §5.3.1: an RDNSS option with a Length below 3 is discarded. */
	if (units < 3 || units % 2 == 0)
		return false;
	rcur_skip(v, 2);
	uint32_t life = rcur_u32(v);
	while (rcur_ok(v) && rcur_left(v) >= 16) {
		uint8_t a[16];
		rcur_addr6(v, a);
		if (ra->n_rdnss == ND_MAX_RDNSS) {
			ra->n_rdnss_dropped++;
			continue;
		}
		memcpy(ra->rdnss[ra->n_rdnss].addr, a, 16);
		ra->rdnss[ra->n_rdnss++].lifetime_s = life;
	}
	return rcur_ok(v);
}

enum nd_dname_res { ND_DNAME_OK, ND_DNAME_END, ND_DNAME_BAD, ND_DNAME_SKIP };

static bool nd_dname_char_ok(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

/* Reads one uncompressed wire-format name (RFC 1035 §3.1) into out as lower-case text. END: the
 * zero padding; BAD: malformed (compression, overrun); SKIP: well-formed but unusable text. */
static enum nd_dname_res nd_dname_parse(struct rcur *v, char out[ND_DNAME_MAX + 1])
{
	size_t n = 0;
	bool usable = true;
	for (;;) {
		uint8_t l = rcur_u8(v);
		if (!rcur_ok(v))
			return ND_DNAME_BAD;
		if (l == 0)
			break;
		/* RFC 8106 §5.2: no compression, so a label is at most 63 octets. */
		const uint8_t *lab = l <= 63 ? rcur_ptr(v, l) : NULL;
		if (!lab)
			return ND_DNAME_BAD;
		if (n > 0 && n < ND_DNAME_MAX)
			out[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			/* Names go into resolver configuration: letters, digits, '-' and '_' only. */
			usable = usable && nd_dname_char_ok(lab[i]);
			if (n == ND_DNAME_MAX) {
				usable = false; /* longer than RFC 1035 §2.3.4 allows */
				break;
			}
			out[n++] = (char)(lab[i] >= 'A' && lab[i] <= 'Z' ? lab[i] + 32 : lab[i]);
		}
	}
	out[n] = '\0';
	if (n == 0)
		return ND_DNAME_END;
	return usable ? ND_DNAME_OK : ND_DNAME_SKIP;
}

/* RFC 8106 §5.2: Length >= 2, lifetime, names, zero padding. Returns false to ignore. */
static bool nd_opt_dnssl(struct rcur *v, struct nd_ra_msg *ra)
{
	struct nd_dnssl tmp[ND_MAX_DNSSL];
	uint8_t n = 0;
	uint32_t dropped = 0;
	rcur_skip(v, 2);
	uint32_t life = rcur_u32(v);
	/* RFC 8106 §5.3.1: a DNSSL option with a Length below 2 is discarded. */
	if (!rcur_ok(v) || rcur_left(v) < 8)
		return false;
	while (rcur_left(v) > 0) {
		char name[ND_DNAME_MAX + 1];
		enum nd_dname_res r = nd_dname_parse(v, name);
		if (r == ND_DNAME_BAD)
			return false;
		if (r == ND_DNAME_END)
			break;
		if (r == ND_DNAME_SKIP || ra->n_dnssl + n >= ND_MAX_DNSSL) {
			dropped++;
			continue;
		}
		memcpy(tmp[n].name, name, sizeof(name));
		tmp[n++].lifetime_s = life;
	}
	/* A malformed option must not leave half its names behind: commit only now. */
	memcpy(&ra->dnssl[ra->n_dnssl], tmp, n * sizeof(tmp[0]));
	ra->n_dnssl = (uint8_t)(ra->n_dnssl + n);
	ra->n_dnssl_dropped += dropped;
	return true;
}

/* RFC 8781 §4. Returns false to ignore the option. */
static bool nd_opt_pref64(struct rcur *v, struct nd_pref64 *p)
{
	static const uint8_t plc_len[8] = { 96, 64, 56, 48, 40, 32, 0, 0 };
	uint16_t sl = rcur_u16(v);
	memset(p->prefix, 0, 16);
	rcur_bytes(v, p->prefix, 12);
	/* RFC 8781 §4: Length other than 2 or an unknown PLC -> ignore the option. */
	if (!rcur_ok(v) || rcur_left(v) != 0 || plc_len[sl & 7] == 0)
		return false;
	p->plen = plc_len[sl & 7];
	p->lifetime_s = (uint32_t)(sl >> 3) * 8;
	nd_mask_prefix(p->prefix, p->plen);
	/* RFC 6052 §2.2 builds addresses to be routed: a NAT64 prefix inside link-local or
	 * multicast space (checked after masking) could give none, so the option is ignored. */
	return !nd_prefix_is_link_scope(p->prefix, p->plen);
}

/* RFC 4861 §4.6.4: Length 1. A second MTU option is ignored. */
static bool nd_opt_mtu(struct rcur *v, struct nd_ra_msg *ra)
{
	rcur_skip(v, 2);
	uint32_t mtu = rcur_u32(v);
	if (!rcur_ok(v) || rcur_left(v) != 0 || ra->has_mtu)
		return false;
	ra->has_mtu = true;
	ra->mtu = mtu;
	return true;
}

/* RFC 5175 §4: one option; the 48 bits after the header are the flags, later ones ignored. */
static bool nd_opt_flags_ext(struct rcur *v, struct nd_ra_msg *ra)
{
	uint64_t hi = rcur_u16(v), lo = rcur_u32(v);
	if (!rcur_ok(v) || ra->has_flags_ext)
		return false;
	ra->has_flags_ext = true;
	ra->flags_ext = hi << 32 | lo;
	return true;
}

/* Handles one RA option; returns false if it was ignored as malformed. */
static bool nd_ra_opt(struct nd_ra_msg *ra, uint8_t type, struct rcur *v)
{
	switch (type) {
	case ND_OPT_SLLA:
		ra->has_slla = true;
		return true;
	case ND_OPT_PREFIX: {
		struct nd_prefix_opt p;
		if (!nd_opt_prefix(v, &p))
			return false;
		if (ra->n_prefixes == ND_MAX_PREFIXES)
			ra->n_prefixes_dropped++;
		else
			ra->prefixes[ra->n_prefixes++] = p;
		return true;
	}
	case ND_OPT_MTU:
		return nd_opt_mtu(v, ra);
	case ND_OPT_ROUTE: {
		struct nd_route_opt r;
		if (!nd_opt_route(v, &r))
			return false;
		if (ra->n_routes == ND_MAX_ROUTES)
			ra->n_routes_dropped++;
		else
			ra->routes[ra->n_routes++] = r;
		return true;
	}
	case ND_OPT_RDNSS:
		return nd_opt_rdnss(v, ra);
	case ND_OPT_DNSSL:
		return nd_opt_dnssl(v, ra);
	case ND_OPT_FLAGS_EXT:
		return nd_opt_flags_ext(v, ra);
	case ND_OPT_PREF64: {
		struct nd_pref64 p;
		if (!nd_opt_pref64(v, &p))
			return false;
		if (ra->n_pref64 == ND_MAX_PREF64)
			ra->n_pref64_dropped++;
		else
			ra->pref64[ra->n_pref64++] = p;
		return true;
	}
	default:
		/* RFC 4861 §4.6: unknown options are silently ignored. */
		ra->n_opts_unknown++;
		return true;
	}
}

/* RFC 4861 §6.1.2 and §7.1: checks shared by every ND message. */
static enum nd_err nd_check_common(struct rcur *c, const struct nd_ip6_hdr *ip, uint8_t type,
	size_t min_len)
{
	if (rcur_left(c) < min_len)
		return rcur_left(c) >= 1 && c->p[0] != type ? ND_E_TYPE : ND_E_SHORT;
	if (rcur_u8(c) != type)
		return ND_E_TYPE;
	if (rcur_u8(c) != 0)
		return ND_E_CODE;
	rcur_skip(c, 2);
	if (ip->hop_limit != ND_HOP_LIMIT)
		return ND_E_HOPLIMIT;
	return ND_E_OK;
}

enum nd_err nd_parse_ra(const uint8_t *msg, size_t len, const struct nd_ip6_hdr *ip,
	struct nd_ra_msg *ra)
{
	struct rcur c = rcur_init(msg, len);
	memset(ra, 0, sizeof(*ra));
	enum nd_err e = nd_check_common(&c, ip, ND_ICMP6_RA, ND_RA_HDR_LEN);
	if (e != ND_E_OK)
		return e;
	/* RFC 4861 §6.1.2: the source of an RA is a link-local address. */
	if (!nd_addr_is_link_local(ip->src))
		return ND_E_SRC;
	ra->cur_hop_limit = rcur_u8(&c);
	uint8_t fl = rcur_u8(&c);
	ra->is_managed = fl & 0x80;
	ra->is_other = fl & 0x40;
	ra->prf = (enum nd_prf)((fl >> 3) & 3);
	/* RFC 4191 §2.2: the reserved value is treated as medium. */
	if (ra->prf == ND_PRF_RESERVED)
		ra->prf = ND_PRF_MEDIUM;
	ra->router_lifetime_s = rcur_u16(&c);
	ra->reachable_ms = rcur_u32(&c);
	ra->retrans_ms = rcur_u32(&c);
	uint8_t type;
	struct rcur v;
	while (ndopt_next(&c, &type, &v))
		if (!nd_ra_opt(ra, type, &v))
			ra->n_opts_ignored++;
	/* RFC 4861 §6.1.2: an option with length 0 (or past the end) drops the whole message. */
	return rcur_ok(&c) ? ND_E_OK : ND_E_OPTLEN;
}

/* Reads the options of an NS/NA. */
static enum nd_err nd_nsna_opts(struct rcur *c, struct nd_nsna_msg *m)
{
	uint8_t type;
	struct rcur v;
	while (ndopt_next(c, &type, &v)) {
		if (type == (m->type == ND_ICMP6_NS ? ND_OPT_SLLA : ND_OPT_TLLA))
			m->has_lladdr = true;
		/* RFC 7527 §4.2: the nonce option is 6 octets or longer; the first is used. */
		if (type == ND_OPT_NONCE && !m->has_nonce && rcur_left(&v) >= ND_NONCE_LEN) {
			m->has_nonce = true;
			rcur_bytes(&v, m->nonce, ND_NONCE_LEN);
		}
	}
	/* RFC 4861 §7.1.1, §7.1.2: every option has a length greater than zero. */
	return rcur_ok(c) ? ND_E_OK : ND_E_OPTLEN;
}

enum nd_err nd_parse_nsna(const uint8_t *msg, size_t len, const struct nd_ip6_hdr *ip,
	struct nd_nsna_msg *m)
{
	struct rcur c = rcur_init(msg, len);
	memset(m, 0, sizeof(*m));
	m->type = len > 0 && msg[0] == ND_ICMP6_NA ? ND_ICMP6_NA : ND_ICMP6_NS;
	enum nd_err e = nd_check_common(&c, ip, m->type, ND_NS_HDR_LEN);
	if (e != ND_E_OK)
		return e;
	uint8_t fl = rcur_u8(&c);
	rcur_skip(&c, 3);
	rcur_addr6(&c, m->target);
	if (m->type == ND_ICMP6_NA) {
		m->is_router = fl & 0x80;
		m->is_solicited = fl & 0x40;
		m->is_override = fl & 0x20;
	}
	/* RFC 4861 §7.1.1, §7.1.2: the target is not a multicast address. */
	if (nd_addr_is_multicast(m->target))
		return ND_E_TARGET;
	e = nd_nsna_opts(&c, m);
	if (e != ND_E_OK)
		return e;
	if (m->type == ND_ICMP6_NS && nd_addr_is_unspecified(ip->src)) {
		/* RFC 4861 §7.1.1: from ::, to a solicited-node address and without SLLA. */
		if (!nd_is_solicited_node(ip->dst))
			return ND_E_DST;
		if (m->has_lladdr)
			return ND_E_SRC;
	}
	/* RFC 4861 §7.1.2: an NA to a multicast address has the Solicited flag clear. */
	if (m->type == ND_ICMP6_NA && nd_addr_is_multicast(ip->dst) && m->is_solicited)
		return ND_E_DST;
	return ND_E_OK;
}

int nd_build_rs(uint8_t *out, size_t cap)
{
	struct wcur w = wcur_init(out, cap);
	wcur_put_u8(&w, ND_ICMP6_RS);
	wcur_put_u8(&w, 0);
	wcur_put_u16(&w, 0);
	wcur_put_u32(&w, 0);
	/* RFC 4861 §4.1: no SLLA option when the link has no link-layer address. */
	return wcur_ok(&w) ? (int)w.len : -1;
}

int nd_build_ns(const uint8_t target[16], const uint8_t *nonce, uint8_t *out, size_t cap)
{
	struct wcur w = wcur_init(out, cap);
	wcur_put_u8(&w, ND_ICMP6_NS);
	wcur_put_u8(&w, 0);
	wcur_put_u16(&w, 0);
	wcur_put_u32(&w, 0);
	wcur_put_bytes(&w, target, 16);
	if (nonce) {
		struct wcur_mark m = wcur_tlv_open(&w, ND_OPT_NONCE, 1, 1);
		wcur_put_bytes(&w, nonce, ND_NONCE_LEN);
		wcur_tlv_close(&w, m, 8, true);
	}
	return wcur_ok(&w) ? (int)w.len : -1;
}

int nd_build_na(const struct nd_nsna_msg *m, uint8_t *out, size_t cap)
{
	struct wcur w = wcur_init(out, cap);
	wcur_put_u8(&w, ND_ICMP6_NA);
	wcur_put_u8(&w, 0);
	wcur_put_u16(&w, 0);
	wcur_put_u8(&w, (uint8_t)((m->is_router ? 0x80 : 0) | (m->is_solicited ? 0x40 : 0) |
				   (m->is_override ? 0x20 : 0)));
	wcur_put_zero(&w, 3);
	wcur_put_bytes(&w, m->target, 16);
	/* No TLLA: PPP has no link-layer address (RFC 4861 §4.4 allows omitting it). */
	return wcur_ok(&w) ? (int)w.len : -1;
}

int nd_build_na_tlla(const struct nd_nsna_msg *m, const uint8_t mac[6], uint8_t *out, size_t cap)
{
	int n = nd_build_na(m, out, cap);
	if (n < 0 || cap - (size_t)n < 8)
		return -1;
	/* RFC 4861 §7.2.4: an answer to a multicast NS on Ethernet MUST carry the TLLA. */
	struct wcur w = wcur_init(out + n, 8);
	wcur_put_u8(&w, 2); /* Target Link-Layer Address, RFC 4861 §4.6.1 */
	wcur_put_u8(&w, 1);
	wcur_put_bytes(&w, mac, 6);
	return wcur_ok(&w) ? n + 8 : -1;
}

int nd_build_ipv6_icmp(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp,
	size_t len, uint8_t *out, size_t cap)
{
	if (len < 4 || len > 0xffff)
		return -1;
	struct wcur w = wcur_init(out, cap);
	wcur_put_u32(&w, 0x60000000u);
	wcur_put_u16(&w, (uint16_t)len);
	wcur_put_u8(&w, ND_IP6_NH_ICMP6);
	wcur_put_u8(&w, ND_HOP_LIMIT);
	wcur_put_bytes(&w, src, 16);
	wcur_put_bytes(&w, dst, 16);
	size_t off = w.len;
	wcur_put_bytes(&w, icmp, len);
	if (!wcur_ok(&w))
		return -1;
	wcur_patch_u16(&w, off + 2, 0);
	wcur_patch_u16(&w, off + 2, nd_icmp6_csum(src, dst, out + off, len));
	return (int)w.len;
}
