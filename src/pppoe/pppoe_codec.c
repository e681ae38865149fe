/* PPPoE codec: Ethernet/802.1Q header, discovery packets and tags (RFC 2516 §4-5, Appendix A;
 * RFC 4638 §4 PPP-Max-Payload), session header (RFC 2516 §6-7). Pure: returns enum pppoe_err. */
#include "pppoe/pppoe_codec.h"

#include <string.h>

#include "core/cur.h"

const char *pppoe_err_str(enum pppoe_err e)
{
	switch (e) {
	case PPPOE_E_OK:
		return "ok";
	case PPPOE_E_SHORT:
		return "packet shorter than its header";
	case PPPOE_E_ETHERTYPE:
		return "unexpected ethertype";
	case PPPOE_E_VERTYPE:
		return "PPPoE VER/TYPE is not 1/1";
	case PPPOE_E_CODE:
		return "unknown or misplaced PPPoE code";
	case PPPOE_E_LENGTH:
		return "PPPoE LENGTH runs past the frame";
	case PPPOE_E_TAG:
		return "tag runs past the PPPoE payload";
	case PPPOE_E_TAGLEN:
		return "tag value too long or of the wrong size";
	case PPPOE_E_DUP:
		return "single-valued tag appears twice";
	case PPPOE_E_SESSION_ID:
		return "PADI/PADO/PADR with a non-zero session id";
	case PPPOE_E_RANGE:
		return "value out of range";
	}
	return "unknown error";
}

const char *pppoe_code_name(uint8_t code)
{
	switch (code) {
	case PPPOE_CODE_SESSION:
		return "session";
	case PPPOE_CODE_PADI:
		return "PADI";
	case PPPOE_CODE_PADO:
		return "PADO";
	case PPPOE_CODE_PADR:
		return "PADR";
	case PPPOE_CODE_PADS:
		return "PADS";
	case PPPOE_CODE_PADT:
		return "PADT";
	default:
		return "unknown";
	}
}

const char *pppoe_tag_name(uint16_t tag)
{
	switch (tag) {
	case PPPOE_TAG_SERVICE_NAME_ERROR:
		return "Service-Name-Error";
	case PPPOE_TAG_AC_SYSTEM_ERROR:
		return "AC-System-Error";
	case PPPOE_TAG_GENERIC_ERROR:
		return "Generic-Error";
	case PPPOE_TAG_SERVICE_NAME:
		return "Service-Name";
	case PPPOE_TAG_AC_NAME:
		return "AC-Name";
	case PPPOE_TAG_HOST_UNIQ:
		return "Host-Uniq";
	case PPPOE_TAG_AC_COOKIE:
		return "AC-Cookie";
	case PPPOE_TAG_RELAY_SESSION_ID:
		return "Relay-Session-Id";
	case PPPOE_TAG_PPP_MAX_PAYLOAD:
		return "PPP-Max-Payload";
	default:
		return "unknown";
	}
}

enum pppoe_err pppoe_eth_parse(const uint8_t *frame, size_t len, struct pppoe_eth_hdr *h,
	size_t *payload_off)
{
	struct rcur c = rcur_init(frame, len);
	memset(h, 0, sizeof(*h));
	rcur_bytes(&c, h->dst, 6);
	rcur_bytes(&c, h->src, 6);
	h->ethertype = rcur_u16(&c);
	if (rcur_ok(&c) && h->ethertype == PPPOE_ETHERTYPE_VLAN) {
		uint16_t tci = rcur_u16(&c);
		h->has_vlan = true;
		h->priority = (uint8_t)(tci >> 13);
		h->dei = (tci >> 12) & 1u;
		h->vlan_id = tci & 0x0fffu;
		h->ethertype = rcur_u16(&c);
	}
	if (!rcur_ok(&c))
		return PPPOE_E_SHORT;
	*payload_off = h->has_vlan ? PPPOE_ETH_VLAN_LEN : PPPOE_ETH_LEN;
	return PPPOE_E_OK;
}

int pppoe_eth_build(const struct pppoe_eth_hdr *h, uint8_t *buf, size_t cap)
{
	struct wcur w = wcur_init(buf, cap);
	if (h->has_vlan && (h->vlan_id > 0x0fffu || h->priority > 7))
		return -1;
	wcur_put_bytes(&w, h->dst, 6);
	wcur_put_bytes(&w, h->src, 6);
	if (h->has_vlan) {
		wcur_put_u16(&w, PPPOE_ETHERTYPE_VLAN);
		wcur_put_u16(&w, (uint16_t)((unsigned)h->priority << 13 | (h->dei ? 1u << 12 : 0u) |
					    h->vlan_id));
	}
	wcur_put_u16(&w, h->ethertype);
	return wcur_ok(&w) ? (int)w.len : -1;
}

static bool pppoe_code_is_disc(uint8_t code)
{
	return code == PPPOE_CODE_PADI || code == PPPOE_CODE_PADO || code == PPPOE_CODE_PADR ||
	       code == PPPOE_CODE_PADS || code == PPPOE_CODE_PADT;
}

/* Copies a tag value as a NUL-terminated string of at most PPPOE_STR_MAX bytes, control bytes
 * replaced so the result is safe to log; returns false if the value was longer. */
static bool pppoe_str_copy(char dst[PPPOE_STR_MAX + 1], struct rcur *v)
{
	size_t n = rcur_left(v), i;
	bool fits = n <= PPPOE_STR_MAX;
	if (!fits)
		n = PPPOE_STR_MAX;
	const uint8_t *s = rcur_ptr(v, n);
	for (i = 0; s && i < n; i++)
		dst[i] = (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
	dst[s ? n : 0] = '\0';
	return fits;
}

/* Copies an opaque value of at most max bytes into dst. */
static enum pppoe_err pppoe_blob_copy(uint8_t *dst, size_t max, struct rcur *v, bool *has,
	size_t *out_len)
{
	size_t n = rcur_left(v);
	if (*has)
		return PPPOE_E_DUP;
	if (n > max)
		return PPPOE_E_TAGLEN;
	rcur_bytes(v, dst, n);
	*has = true;
	*out_len = n;
	return PPPOE_E_OK;
}

static void pppoe_error_tag(bool *has, char text[PPPOE_STR_MAX + 1], struct rcur *v)
{
	/* Error text is only reported: keep the first, cut long text. */
	if (*has)
		return;
	*has = true;
	pppoe_str_copy(text, v);
}

static enum pppoe_err pppoe_tag_name_parse(struct pppoe_disc_pkt *p, uint16_t type, struct rcur *v)
{
	if (type == PPPOE_TAG_SERVICE_NAME) {
		/* RFC 2516 Appendix A: a PADO may offer several services; keep the first few. */
		if (p->n_services >= PPPOE_MAX_SERVICES) {
			if (p->n_services_dropped < UINT8_MAX)
				p->n_services_dropped++;
			return PPPOE_E_OK;
		}
		if (!pppoe_str_copy(p->services[p->n_services], v))
			return PPPOE_E_TAGLEN;
		p->n_services++;
		return PPPOE_E_OK;
	}
	/* RFC 2516 §5.2: a PADO carries one AC-Name; two would make the filter ambiguous. */
	if (p->has_ac_name)
		return PPPOE_E_DUP;
	p->has_ac_name = true;
	return pppoe_str_copy(p->ac_name, v) ? PPPOE_E_OK : PPPOE_E_TAGLEN;
}

static enum pppoe_err pppoe_tag_parse(struct pppoe_disc_pkt *p, uint16_t type, struct rcur *v)
{
	size_t n = 0;
	enum pppoe_err e = PPPOE_E_OK;
	switch (type) {
	case PPPOE_TAG_SERVICE_NAME:
	case PPPOE_TAG_AC_NAME:
		return pppoe_tag_name_parse(p, type, v);
	case PPPOE_TAG_HOST_UNIQ:
		e = pppoe_blob_copy(p->host_uniq, PPPOE_HOST_UNIQ_MAX, v, &p->has_host_uniq, &n);
		p->host_uniq_len = (uint8_t)n;
		return e;
	case PPPOE_TAG_AC_COOKIE:
		e = pppoe_blob_copy(p->cookie, PPPOE_COOKIE_MAX, v, &p->has_cookie, &n);
		p->cookie_len = (uint16_t)n;
		return e;
	case PPPOE_TAG_RELAY_SESSION_ID:
		e = pppoe_blob_copy(p->relay_id, PPPOE_RELAY_ID_MAX, v, &p->has_relay_id, &n);
		p->relay_id_len = (uint8_t)n;
		return e;
	case PPPOE_TAG_PPP_MAX_PAYLOAD:
		/* RFC 4638 §4: TAG_LENGTH 2, the value a 16-bit unsigned integer. */
		if (p->has_max_payload)
			return PPPOE_E_DUP;
		if (rcur_left(v) != 2)
			return PPPOE_E_TAGLEN;
		p->has_max_payload = true;
		p->max_payload = rcur_u16(v);
		return PPPOE_E_OK;
	case PPPOE_TAG_SERVICE_NAME_ERROR:
		pppoe_error_tag(&p->has_service_name_error, p->service_name_error, v);
		return PPPOE_E_OK;
	case PPPOE_TAG_AC_SYSTEM_ERROR:
		pppoe_error_tag(&p->has_ac_system_error, p->ac_system_error, v);
		return PPPOE_E_OK;
	case PPPOE_TAG_GENERIC_ERROR:
		pppoe_error_tag(&p->has_generic_error, p->generic_error, v);
		return PPPOE_E_OK;
	default:
		/* RFC 2516 Appendix A: unknown TAG_TYPEs MUST be ignored; Vendor-Specific too. */
		return PPPOE_E_OK;
	}
}

static enum pppoe_err pppoe_tags_parse(struct rcur *c, struct pppoe_disc_pkt *p)
{
	uint16_t type;
	struct rcur v;
	while (tlv16_next(c, &type, &v)) {
		/* RFC 2516 Appendix A: End-Of-List means there are no further tags. */
		if (type == PPPOE_TAG_END_OF_LIST)
			return PPPOE_E_OK;
		enum pppoe_err e = pppoe_tag_parse(p, type, &v);
		if (e != PPPOE_E_OK)
			return e;
	}
	return rcur_ok(c) ? PPPOE_E_OK : PPPOE_E_TAG;
}

enum pppoe_err pppoe_disc_parse(const uint8_t *buf, size_t len, struct pppoe_disc_pkt *p)
{
	struct rcur c = rcur_init(buf, len), tags;
	memset(p, 0, sizeof(*p));
	uint8_t vertype = rcur_u8(&c);
	p->code = rcur_u8(&c);
	p->session_id = rcur_u16(&c);
	uint16_t plen = rcur_u16(&c);
	if (!rcur_ok(&c))
		return PPPOE_E_SHORT;
	/* RFC 2516 §4: VER and TYPE MUST be 1. */
	if (vertype != PPPOE_VERTYPE)
		return PPPOE_E_VERTYPE;
	if (!pppoe_code_is_disc(p->code))
		return PPPOE_E_CODE;
	/* RFC 2516 §4: LENGTH excludes the Ethernet padding that may follow. */
	if (!rcur_sub(&c, plen, &tags))
		return PPPOE_E_LENGTH;
	/* RFC 2516 §5.1-5.3: PADI, PADO and PADR carry SESSION_ID 0x0000. */
	if (p->session_id != 0 && (p->code == PPPOE_CODE_PADI || p->code == PPPOE_CODE_PADO ||
					  p->code == PPPOE_CODE_PADR))
		return PPPOE_E_SESSION_ID;
	return pppoe_tags_parse(&tags, p);
}

enum pppoe_err pppoe_disc_parse_frame(const uint8_t *frame, size_t len, struct pppoe_eth_hdr *eth,
	struct pppoe_disc_pkt *p)
{
	size_t off;
	enum pppoe_err e = pppoe_eth_parse(frame, len, eth, &off);
	if (e != PPPOE_E_OK)
		return e;
	if (eth->ethertype != PPPOE_ETHERTYPE_DISC)
		return PPPOE_E_ETHERTYPE;
	return pppoe_disc_parse(frame + off, len - off, p);
}

static void pppoe_put_tag(struct wcur *w, uint16_t type, const void *val, size_t len)
{
	struct wcur_mark m = wcur_tlv_open(w, type, 2, 2);
	wcur_put_bytes(w, val, len);
	wcur_tlv_close(w, m, 1, false);
}

static bool pppoe_str_ok(const char *s)
{
	return memchr(s, '\0', PPPOE_STR_MAX + 1) != NULL;
}

static void pppoe_put_str(struct wcur *w, uint16_t type, bool has, const char *s)
{
	if (has)
		pppoe_put_tag(w, type, s, strlen(s));
}

static bool pppoe_build_check(const struct pppoe_disc_pkt *p)
{
	size_t i;
	if (p->n_services > PPPOE_MAX_SERVICES || p->host_uniq_len > PPPOE_HOST_UNIQ_MAX ||
		p->cookie_len > PPPOE_COOKIE_MAX || p->relay_id_len > PPPOE_RELAY_ID_MAX)
		return false;
	for (i = 0; i < p->n_services; i++)
		if (!pppoe_str_ok(p->services[i]))
			return false;
	return pppoe_str_ok(p->ac_name) && pppoe_str_ok(p->service_name_error) &&
	       pppoe_str_ok(p->ac_system_error) && pppoe_str_ok(p->generic_error);
}

static void pppoe_put_tags(struct wcur *w, const struct pppoe_disc_pkt *p)
{
	size_t i;
	/* RFC 2516 §5.1/§5.3: PADI and PADR MUST contain exactly one Service-Name (empty = any). */
	if (p->n_services == 0 && (p->code == PPPOE_CODE_PADI || p->code == PPPOE_CODE_PADR))
		pppoe_put_tag(w, PPPOE_TAG_SERVICE_NAME, NULL, 0);
	for (i = 0; i < p->n_services; i++)
		pppoe_put_str(w, PPPOE_TAG_SERVICE_NAME, true, p->services[i]);
	pppoe_put_str(w, PPPOE_TAG_AC_NAME, p->has_ac_name, p->ac_name);
	if (p->has_host_uniq)
		pppoe_put_tag(w, PPPOE_TAG_HOST_UNIQ, p->host_uniq, p->host_uniq_len);
	if (p->has_max_payload) {
		uint8_t mp[2] = { (uint8_t)(p->max_payload >> 8), (uint8_t)p->max_payload };
		pppoe_put_tag(w, PPPOE_TAG_PPP_MAX_PAYLOAD, mp, sizeof(mp));
	}
	if (p->has_cookie)
		pppoe_put_tag(w, PPPOE_TAG_AC_COOKIE, p->cookie, p->cookie_len);
	if (p->has_relay_id)
		pppoe_put_tag(w, PPPOE_TAG_RELAY_SESSION_ID, p->relay_id, p->relay_id_len);
	pppoe_put_str(w, PPPOE_TAG_SERVICE_NAME_ERROR, p->has_service_name_error,
		p->service_name_error);
	pppoe_put_str(w, PPPOE_TAG_AC_SYSTEM_ERROR, p->has_ac_system_error, p->ac_system_error);
	pppoe_put_str(w, PPPOE_TAG_GENERIC_ERROR, p->has_generic_error, p->generic_error);
}

int pppoe_disc_build(const struct pppoe_disc_pkt *p, uint8_t *buf, size_t cap)
{
	struct wcur w = wcur_init(buf, cap);
	if (!pppoe_code_is_disc(p->code) || !pppoe_build_check(p))
		return -1;
	wcur_put_u8(&w, PPPOE_VERTYPE);
	wcur_put_u8(&w, p->code);
	wcur_put_u16(&w, p->session_id);
	wcur_put_u16(&w, 0);
	pppoe_put_tags(&w, p);
	if (!wcur_ok(&w) || w.len - PPPOE_HDR_LEN > 0xffffu)
		return -1;
	/* RFC 2516 §5.1: the PADI MUST NOT exceed 1484 octets, leaving room for relay tags. */
	if (p->code == PPPOE_CODE_PADI && w.len > PPPOE_PADI_MAX)
		return -1;
	wcur_patch_u16(&w, 4, (uint16_t)(w.len - PPPOE_HDR_LEN));
	return (int)w.len;
}

bool pppoe_disc_error(const struct pppoe_disc_pkt *p, uint16_t *tag, const char **text)
{
	if (p->has_service_name_error) {
		*tag = PPPOE_TAG_SERVICE_NAME_ERROR;
		*text = p->service_name_error;
	} else if (p->has_ac_system_error) {
		*tag = PPPOE_TAG_AC_SYSTEM_ERROR;
		*text = p->ac_system_error;
	} else if (p->has_generic_error) {
		*tag = PPPOE_TAG_GENERIC_ERROR;
		*text = p->generic_error;
	} else {
		return false;
	}
	return true;
}

enum pppoe_err pppoe_sess_parse(const uint8_t *buf, size_t len, struct pppoe_sess *s)
{
	struct rcur c = rcur_init(buf, len), pl;
	uint8_t vertype = rcur_u8(&c);
	uint8_t code = rcur_u8(&c);
	s->session_id = rcur_u16(&c);
	uint16_t plen = rcur_u16(&c);
	if (!rcur_ok(&c))
		return PPPOE_E_SHORT;
	if (vertype != PPPOE_VERTYPE)
		return PPPOE_E_VERTYPE;
	/* RFC 2516 §6: the CODE field of a session packet MUST be 0x00. */
	if (code != PPPOE_CODE_SESSION)
		return PPPOE_E_CODE;
	if (!rcur_sub(&c, plen, &pl))
		return PPPOE_E_LENGTH;
	uint8_t b0 = rcur_u8(&pl);
	/* RFC 1661 §6.5: an odd first octet is a compressed (1-octet) protocol field. */
	s->proto = (b0 & 1u) ? b0 : (uint16_t)(b0 << 8 | rcur_u8(&pl));
	if (!rcur_ok(&pl))
		return PPPOE_E_SHORT;
	s->info_len = rcur_left(&pl);
	s->info_off = PPPOE_HDR_LEN + ((b0 & 1u) ? 1u : 2u);
	return PPPOE_E_OK;
}
