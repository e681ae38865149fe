/* DHCPv4 codec (RFC 2131, RFC 2132, RFC 3396, RFC 768, RFC 791): parse and build BOOTP/DHCP
 * messages and the Ethernet/IPv4/UDP frame of the probe. Pure; errors are returned. Policy: a
 * malformed identity option (53, 54, 50, 51) rejects the message; a malformed information option
 * (1, 3, 6, 15, 55, 61) is skipped and counted; lists split over several instances are joined. */
#include "dhcp4/dhcp4_codec.h"

#include <string.h>

#include "core/cur.h"

const char *dhcp4_err_str(enum dhcp4_err e)
{
	switch (e) {
	case DHCP4_E_OK:
		return "ok";
	case DHCP4_E_SHORT:
		return "shorter than the BOOTP header and magic cookie";
	case DHCP4_E_HDR:
		return "bad BOOTP op or hardware address length";
	case DHCP4_E_MAGIC:
		return "no DHCP magic cookie";
	case DHCP4_E_OPTLEN:
		return "option runs past the message or no End option";
	case DHCP4_E_BADOPT:
		return "option with a bad length or value";
	case DHCP4_E_DUP:
		return "single-instance option repeated";
	case DHCP4_E_OVERLOAD:
		return "option overload not supported";
	case DHCP4_E_NOSPACE:
		return "does not fit";
	case DHCP4_E_ETH:
		return "not an Ethernet IPv4 frame";
	case DHCP4_E_IP4:
		return "not a well-formed unfragmented IPv4/UDP packet";
	case DHCP4_E_PORT:
		return "not UDP from port 67 to port 68";
	case DHCP4_E_CSUM:
		return "bad UDP checksum or length";
	}
	return "?";
}

const char *dhcp4_msg_name(uint8_t type)
{
	static const char *const names[] = {
		[DHCP4_DISCOVER] = "DHCPDISCOVER",
		[DHCP4_OFFER] = "DHCPOFFER",
		[DHCP4_REQUEST] = "DHCPREQUEST",
		[DHCP4_DECLINE] = "DHCPDECLINE",
		[DHCP4_ACK] = "DHCPACK",
		[DHCP4_NAK] = "DHCPNAK",
		[DHCP4_RELEASE] = "DHCPRELEASE",
		[DHCP4_INFORM] = "DHCPINFORM",
	};
	if (type >= sizeof(names) / sizeof(names[0]) || !names[type])
		return "?";
	return names[type];
}

/* ---- parsing ---- */

/* A fixed-size identity option: exactly n bytes, once (RFC 2132 §9.1, §9.2, §9.6, §9.7). */
static enum dhcp4_err dhcp4_opt_fixed(struct rcur *v, bool *has, uint8_t *out, size_t n)
{
	if (*has)
		return DHCP4_E_DUP;
	if (rcur_left(v) != n)
		return DHCP4_E_BADOPT;
	*has = true;
	rcur_bytes(v, out, n);
	return DHCP4_E_OK;
}

/* Router (§3.5) and DNS (§3.8) lists: a non-zero multiple of 4 bytes; else skipped. Further
 * instances append (RFC 3396 §7); addresses over the cap are counted. */
static void dhcp4_opt_addrs(struct rcur *v, uint8_t (*list)[4], uint8_t *n, uint8_t cap,
	struct dhcp4_msg *m)
{
	if (rcur_left(v) == 0 || rcur_left(v) % 4 != 0) {
		m->n_skipped++;
		return;
	}
	bool over = false;
	while (rcur_left(v) >= 4) {
		if (*n < cap)
			rcur_bytes(v, list[(*n)++], 4);
		else
			over = rcur_skip(v, 4);
	}
	if (over)
		m->n_skipped++;
}

/* Domain name (§3.17): printable ASCII without spaces; trailing NULs (sent by some servers) are
 * dropped. A bad or overlong name is skipped as a whole. */
static void dhcp4_opt_domain(struct rcur *v, struct dhcp4_msg *m)
{
	size_t n = strlen(m->domain);
	size_t k = rcur_left(v);
	const uint8_t *p = rcur_ptr(v, k);
	while (k > 0 && p[k - 1] == 0)
		k--;
	bool ok = k > 0 && n + k <= DHCP4_DOMAIN_MAX;
	for (size_t i = 0; ok && i < k; i++)
		ok = p[i] > 0x20 && p[i] < 0x7f;
	if (!ok) {
		m->n_skipped++;
		return;
	}
	memcpy(m->domain + n, p, k);
	m->domain[n + k] = '\0';
}

/* Client id (§9.14, at least 2 bytes) and parameter request list (§9.8, at least 1): joined over
 * instances (RFC 3396), cut at the cap (counted). */
static void dhcp4_opt_bytes(struct rcur *v, uint8_t *out, uint8_t *n, size_t cap, size_t min,
	struct dhcp4_msg *m)
{
	if (rcur_left(v) < min) {
		m->n_skipped++;
		return;
	}
	bool over = false;
	while (rcur_left(v) > 0) {
		uint8_t b = rcur_u8(v);
		if (*n < cap)
			out[(*n)++] = b;
		else
			over = true;
	}
	if (over)
		m->n_skipped++;
}

static enum dhcp4_err dhcp4_parse_opt(uint8_t code, struct rcur *v, struct dhcp4_msg *m)
{
	switch (code) {
	case DHCP4_OPT_MSG_TYPE:
		if (m->msg_type != 0)
			return DHCP4_E_DUP;
		if (rcur_left(v) != 1)
			return DHCP4_E_BADOPT;
		m->msg_type = rcur_u8(v);
		return m->msg_type == 0 ? DHCP4_E_BADOPT : DHCP4_E_OK; /* §9.6: types start at 1 */
	case DHCP4_OPT_SERVER_ID:
		return dhcp4_opt_fixed(v, &m->has_server_id, m->server_id, 4);
	case DHCP4_OPT_REQUESTED_IP:
		return dhcp4_opt_fixed(v, &m->has_requested_ip, m->requested_ip, 4);
	case DHCP4_OPT_LEASE_TIME:
		if (m->has_lease_time)
			return DHCP4_E_DUP;
		if (rcur_left(v) != 4)
			return DHCP4_E_BADOPT;
		m->has_lease_time = true;
		m->lease_time_s = rcur_u32(v);
		return DHCP4_E_OK;
	case DHCP4_OPT_OVERLOAD:
		return DHCP4_E_OVERLOAD;
	case DHCP4_OPT_SUBNET_MASK:
		if (m->has_subnet_mask || rcur_left(v) != 4)
			m->n_skipped++; /* §3.3: 4 bytes; information only */
		else
			m->has_subnet_mask = rcur_bytes(v, m->subnet_mask, 4);
		return DHCP4_E_OK;
	case DHCP4_OPT_ROUTER:
		dhcp4_opt_addrs(v, m->routers, &m->n_routers, DHCP4_MAX_ROUTERS, m);
		return DHCP4_E_OK;
	case DHCP4_OPT_DNS:
		dhcp4_opt_addrs(v, m->dns, &m->n_dns, DHCP4_MAX_DNS, m);
		return DHCP4_E_OK;
	case DHCP4_OPT_DOMAIN_NAME:
		dhcp4_opt_domain(v, m);
		return DHCP4_E_OK;
	case DHCP4_OPT_CLIENT_ID:
		dhcp4_opt_bytes(v, m->client_id, &m->client_id_len, DHCP4_CLIENT_ID_MAX, 2, m);
		return DHCP4_E_OK;
	case DHCP4_OPT_PRL:
		dhcp4_opt_bytes(v, m->prl, &m->n_prl, DHCP4_MAX_PRL, 1, m);
		return DHCP4_E_OK;
	default:
		return DHCP4_E_OK; /* RFC 2132 §2: unknown options are skipped by their length */
	}
}

/* RFC 2132 §2: pad (0) and end (255) are single bytes; every other option is code, len, value. */
static enum dhcp4_err dhcp4_parse_opts(struct rcur *c, struct dhcp4_msg *m)
{
	while (rcur_left(c) > 0) {
		uint8_t code = rcur_u8(c);
		if (code == DHCP4_OPT_PAD)
			continue;
		if (code == DHCP4_OPT_END)
			return DHCP4_E_OK;
		uint8_t len = rcur_u8(c);
		struct rcur v;
		if (!rcur_ok(c) || !rcur_sub(c, len, &v))
			return DHCP4_E_OPTLEN;
		enum dhcp4_err e = dhcp4_parse_opt(code, &v, m);
		if (e != DHCP4_E_OK)
			return e;
	}
	return DHCP4_E_OPTLEN; /* RFC 2131 §4.1: the options field ends with the End option */
}

enum dhcp4_err dhcp4_parse(const uint8_t *buf, size_t len, struct dhcp4_msg *m)
{
	memset(m, 0, sizeof(*m));
	struct rcur c = rcur_init(buf, len);
	m->op = rcur_u8(&c);
	m->htype = rcur_u8(&c);
	m->hlen = rcur_u8(&c);
	m->hops = rcur_u8(&c);
	m->xid = rcur_u32(&c);
	m->secs = rcur_u16(&c);
	m->flags = rcur_u16(&c);
	rcur_bytes(&c, m->ciaddr, 4);
	rcur_bytes(&c, m->yiaddr, 4);
	rcur_bytes(&c, m->siaddr, 4);
	rcur_bytes(&c, m->giaddr, 4);
	rcur_bytes(&c, m->chaddr, DHCP4_CHADDR_LEN);
	rcur_skip(&c, 64 + 128); /* sname, file: not decoded (overload is rejected) */
	uint32_t magic = rcur_u32(&c);
	if (!rcur_ok(&c)) {
		memset(m, 0, sizeof(*m));
		return DHCP4_E_SHORT;
	}
	if ((m->op != DHCP4_BOOTREQUEST && m->op != DHCP4_BOOTREPLY) || m->hlen > DHCP4_CHADDR_LEN)
		return DHCP4_E_HDR;
	if (magic != DHCP4_MAGIC)
		return DHCP4_E_MAGIC; /* RFC 2131 §3: the first four octets of options */
	return dhcp4_parse_opts(&c, m);
}

/* ---- building ---- */

static void dhcp4_put_opt(struct wcur *w, uint8_t code, const void *val, size_t len)
{
	if (len > 255) {
		w->full = true;
		return;
	}
	wcur_put_u8(w, code);
	wcur_put_u8(w, (uint8_t)len);
	wcur_put_bytes(w, val, len);
}

static void dhcp4_build_opts(const struct dhcp4_msg *m, struct wcur *w)
{
	wcur_put_u32(w, DHCP4_MAGIC);
	if (m->msg_type != 0)
		dhcp4_put_opt(w, DHCP4_OPT_MSG_TYPE, &m->msg_type, 1);
	if (m->client_id_len > 0)
		dhcp4_put_opt(w, DHCP4_OPT_CLIENT_ID, m->client_id, m->client_id_len);
	if (m->has_requested_ip)
		dhcp4_put_opt(w, DHCP4_OPT_REQUESTED_IP, m->requested_ip, 4);
	if (m->has_server_id)
		dhcp4_put_opt(w, DHCP4_OPT_SERVER_ID, m->server_id, 4);
	if (m->has_lease_time) {
		uint8_t b[4] = { (uint8_t)(m->lease_time_s >> 24), (uint8_t)(m->lease_time_s >> 16),
			(uint8_t)(m->lease_time_s >> 8), (uint8_t)m->lease_time_s };
		dhcp4_put_opt(w, DHCP4_OPT_LEASE_TIME, b, 4);
	}
	if (m->has_subnet_mask)
		dhcp4_put_opt(w, DHCP4_OPT_SUBNET_MASK, m->subnet_mask, 4);
	if (m->n_routers > 0)
		dhcp4_put_opt(w, DHCP4_OPT_ROUTER, m->routers, 4u * m->n_routers);
	if (m->n_dns > 0)
		dhcp4_put_opt(w, DHCP4_OPT_DNS, m->dns, 4u * m->n_dns);
	if (m->domain[0] != '\0')
		dhcp4_put_opt(w, DHCP4_OPT_DOMAIN_NAME, m->domain, strnlen(m->domain, DHCP4_DOMAIN_MAX));
	if (m->n_prl > 0)
		dhcp4_put_opt(w, DHCP4_OPT_PRL, m->prl, m->n_prl);
	wcur_put_u8(w, DHCP4_OPT_END);
	if (w->len < DHCP4_MIN_LEN)
		wcur_put_zero(w, DHCP4_MIN_LEN - w->len);
}

int dhcp4_build(const struct dhcp4_msg *m, uint8_t *buf, size_t cap)
{
	if (m->hlen > DHCP4_CHADDR_LEN || m->n_routers > DHCP4_MAX_ROUTERS ||
		m->n_dns > DHCP4_MAX_DNS || m->n_prl > DHCP4_MAX_PRL ||
		m->client_id_len > DHCP4_CLIENT_ID_MAX)
		return -1;
	struct wcur w = wcur_init(buf, cap);
	wcur_put_u8(&w, m->op);
	wcur_put_u8(&w, m->htype);
	wcur_put_u8(&w, m->hlen);
	wcur_put_u8(&w, m->hops);
	wcur_put_u32(&w, m->xid);
	wcur_put_u16(&w, m->secs);
	wcur_put_u16(&w, m->flags);
	wcur_put_bytes(&w, m->ciaddr, 4);
	wcur_put_bytes(&w, m->yiaddr, 4);
	wcur_put_bytes(&w, m->siaddr, 4);
	wcur_put_bytes(&w, m->giaddr, 4);
	wcur_put_bytes(&w, m->chaddr, DHCP4_CHADDR_LEN);
	wcur_put_zero(&w, 64 + 128); /* sname, file */
	dhcp4_build_opts(m, &w);
	return wcur_ok(&w) ? (int)w.len : -1;
}

void dhcp4_discover_init(struct dhcp4_msg *m, const uint8_t mac[6], uint32_t xid, uint16_t secs)
{
	static const uint8_t prl[] = { DHCP4_OPT_SUBNET_MASK, DHCP4_OPT_ROUTER, DHCP4_OPT_DNS,
		DHCP4_OPT_DOMAIN_NAME };
	memset(m, 0, sizeof(*m));
	m->op = DHCP4_BOOTREQUEST;
	m->htype = DHCP4_HTYPE_ETHER;
	m->hlen = 6;
	m->xid = xid;
	m->secs = secs;
	/* RFC 2131 §4.1: a client that cannot receive unicast before it has an address sets the
	 * broadcast bit; our AF_PACKET socket could, but the flag keeps relays and servers simple. */
	m->flags = DHCP4_FLAG_BROADCAST;
	memcpy(m->chaddr, mac, 6);
	m->msg_type = DHCP4_DISCOVER;
	m->client_id_len = 7; /* RFC 2132 §9.14: type 1 (Ethernet) + hardware address */
	m->client_id[0] = DHCP4_HTYPE_ETHER;
	memcpy(m->client_id + 1, mac, 6);
	m->n_prl = sizeof(prl);
	memcpy(m->prl, prl, sizeof(prl));
}

/* ---- Ethernet / IPv4 / UDP ---- */

static uint32_t dhcp4_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n % 2)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t dhcp4_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* RFC 768: the pseudo header is source, destination, zero, protocol 17, UDP length. */
static uint32_t dhcp4_pseudo_sum(const uint8_t src[4], const uint8_t dst[4], size_t ulen)
{
	uint32_t sum = dhcp4_csum_add(0, src, 4);
	sum = dhcp4_csum_add(sum, dst, 4);
	return sum + 17 + (uint32_t)ulen;
}

int dhcp4_build_frame(const uint8_t src_mac[6], const uint8_t *payload, size_t len, uint8_t *out,
	size_t cap)
{
	static const uint8_t any[4] = { 0, 0, 0, 0 }, bcast[6] = { 255, 255, 255, 255, 255, 255 };
	size_t ulen = DHCP4_UDP_HDR_LEN + len;
	if (DHCP4_IP4_HDR_LEN + ulen > 0xffff)
		return -1;
	struct wcur w = wcur_init(out, cap);
	wcur_put_bytes(&w, bcast, 6);
	wcur_put_bytes(&w, src_mac, 6);
	wcur_put_u16(&w, 0x0800);
	wcur_put_u8(&w, 0x45); /* version 4, IHL 5 */
	wcur_put_u8(&w, 0);
	wcur_put_u16(&w, (uint16_t)(DHCP4_IP4_HDR_LEN + ulen));
	wcur_put_u32(&w, 0); /* id 0, no flags, offset 0 */
	wcur_put_u8(&w, 64);
	wcur_put_u8(&w, 17);
	wcur_put_u16(&w, 0); /* checksum, patched below */
	wcur_put_bytes(&w, any, 4);
	wcur_put_bytes(&w, bcast, 4);
	wcur_put_u16(&w, DHCP4_CLIENT_PORT);
	wcur_put_u16(&w, DHCP4_SERVER_PORT);
	wcur_put_u16(&w, (uint16_t)ulen);
	wcur_put_u16(&w, 0);
	wcur_put_bytes(&w, payload, len);
	if (!wcur_ok(&w))
		return -1;
	uint8_t *ip = out + DHCP4_ETH_HDR_LEN;
	wcur_patch_u16(&w, DHCP4_ETH_HDR_LEN + 10,
		(uint16_t)~dhcp4_csum_fold(dhcp4_csum_add(0, ip, DHCP4_IP4_HDR_LEN)));
	uint32_t sum = dhcp4_pseudo_sum(any, bcast, ulen);
	uint16_t ck = (uint16_t)~dhcp4_csum_fold(dhcp4_csum_add(sum, ip + DHCP4_IP4_HDR_LEN, ulen));
	/* RFC 768: a computed zero is sent as all ones. */
	wcur_patch_u16(&w, DHCP4_ETH_HDR_LEN + DHCP4_IP4_HDR_LEN + 6, ck == 0 ? 0xffff : ck);
	return (int)w.len;
}

/* RFC 791 §3.1: version 4, IHL >= 5, total length within the frame, header checksum, no
 * fragment (a DHCP reply fits one datagram), protocol UDP. Sets *ihl_out and *tot_out. */
static enum dhcp4_err dhcp4_parse_ip4(const uint8_t *ip, size_t len, struct dhcp4_frame *f,
	size_t *ihl_out, size_t *tot_out)
{
	struct rcur c = rcur_init(ip, len);
	uint8_t vihl = rcur_u8(&c);
	rcur_skip(&c, 1);
	uint16_t tot = rcur_u16(&c);
	rcur_skip(&c, 2);
	uint16_t frag = rcur_u16(&c);
	rcur_skip(&c, 1);
	uint8_t proto = rcur_u8(&c);
	rcur_skip(&c, 2);
	rcur_bytes(&c, f->src_ip, 4);
	rcur_bytes(&c, f->dst_ip, 4);
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if (!rcur_ok(&c) || vihl >> 4 != 4 || ihl < DHCP4_IP4_HDR_LEN || tot < ihl || tot > len)
		return DHCP4_E_IP4;
	if (dhcp4_csum_fold(dhcp4_csum_add(0, ip, ihl)) != 0xffff)
		return DHCP4_E_IP4;
	if ((frag & 0x3fff) != 0 || proto != 17) /* MF set or a fragment offset; not UDP */
		return DHCP4_E_IP4;
	*ihl_out = ihl;
	*tot_out = tot;
	return DHCP4_E_OK;
}

enum dhcp4_err dhcp4_parse_frame(const uint8_t *frame, size_t len, bool csum_partial,
	struct dhcp4_frame *out)
{
	memset(out, 0, sizeof(*out));
	struct rcur c = rcur_init(frame, len);
	rcur_bytes(&c, out->dst_mac, 6);
	rcur_bytes(&c, out->src_mac, 6);
	if (rcur_u16(&c) != 0x0800 || !rcur_ok(&c))
		return DHCP4_E_ETH;
	const uint8_t *ip = frame + DHCP4_ETH_HDR_LEN;
	size_t ihl, tot;
	enum dhcp4_err e = dhcp4_parse_ip4(ip, rcur_left(&c), out, &ihl, &tot);
	if (e != DHCP4_E_OK)
		return e;
	struct rcur u = rcur_init(ip + ihl, tot - ihl);
	uint16_t sport = rcur_u16(&u), dport = rcur_u16(&u), ulen = rcur_u16(&u), ck = rcur_u16(&u);
	if (!rcur_ok(&u))
		return DHCP4_E_IP4;
	if (sport != DHCP4_SERVER_PORT || dport != DHCP4_CLIENT_PORT)
		return DHCP4_E_PORT;
	if (ulen < DHCP4_UDP_HDR_LEN || ulen > tot - ihl)
		return DHCP4_E_CSUM;
	uint32_t sum = dhcp4_pseudo_sum(out->src_ip, out->dst_ip, ulen);
	if (!csum_partial && ck != 0 && dhcp4_csum_fold(dhcp4_csum_add(sum, ip + ihl, ulen)) != 0xffff)
		return DHCP4_E_CSUM; /* RFC 768: zero means the sender computed none */
	out->payload_off = DHCP4_ETH_HDR_LEN + ihl + DHCP4_UDP_HDR_LEN;
	out->payload_len = ulen - DHCP4_UDP_HDR_LEN;
	return DHCP4_E_OK;
}
