/* PPP control-packet codec: header parse with Length check (RFC 1661 §5), option list walk,
 * builders for codes 1-11. No I/O, no logging. */
#include "ppp_codec.h"

#include <string.h>

#include "ppp/auth.h"

enum ppp_err ppp_cp_parse(const uint8_t *buf, size_t len, struct ppp_cp_pkt *out)
{
	struct rcur c = rcur_init(buf, len);
	uint8_t code = rcur_u8(&c);
	uint8_t id = rcur_u8(&c);
	uint16_t plen = rcur_u16(&c);
	if (!rcur_ok(&c))
		return PPP_E_SHORT;
	if (plen < PPP_HDR_LEN)
		return PPP_E_LEN;
	/* RFC 1661 §5: octets outside the range of the Length field are padding and are ignored;
	 * a packet shorter than its Length is silently discarded. */
	struct rcur data;
	if (!rcur_sub(&c, (size_t)plen - PPP_HDR_LEN, &data))
		return PPP_E_SHORT;
	out->code = code;
	out->id = id;
	out->len = plen;
	out->data = data;
	return PPP_OK;
}

enum ppp_err ppp_cp_check_opts(struct rcur data)
{
	uint8_t type;
	struct rcur val;
	while (cpopt_next(&data, &type, &val))
		;
	return rcur_ok(&data) ? PPP_OK : PPP_E_OPTLEN;
}

enum ppp_err ppp_cp_parse_magic(const struct ppp_cp_pkt *p, uint32_t *magic)
{
	struct rcur c = p->data;
	uint32_t m = rcur_u32(&c);
	if (!rcur_ok(&c))
		return PPP_E_FIELD;
	*magic = m;
	return PPP_OK;
}

enum ppp_err ppp_cp_parse_proto_rej(const struct ppp_cp_pkt *p, uint16_t *proto)
{
	struct rcur c = p->data;
	uint16_t v = rcur_u16(&c);
	if (!rcur_ok(&c))
		return PPP_E_FIELD;
	*proto = v;
	return PPP_OK;
}

enum ppp_err ppp_cp_parse_code_rej(const struct ppp_cp_pkt *p, uint8_t *code)
{
	struct rcur c = p->data;
	uint8_t v = rcur_u8(&c);
	if (!rcur_ok(&c))
		return PPP_E_FIELD;
	*code = v;
	return PPP_OK;
}

static int ppp_cp_finish(struct wcur *w)
{
	if (!wcur_ok(w) || w->len > UINT16_MAX)
		return -1;
	wcur_patch_u16(w, 2, (uint16_t)w->len);
	return (int)w->len;
}

int ppp_cp_build(uint8_t *buf, size_t cap, uint8_t code, uint8_t id, const void *data,
		 size_t data_len)
{
	struct wcur w = wcur_init(buf, cap);
	wcur_put_u8(&w, code);
	wcur_put_u8(&w, id);
	wcur_put_u16(&w, 0);
	if (data_len)
		wcur_put_bytes(&w, data, data_len);
	return ppp_cp_finish(&w);
}

int ppp_cp_build_echo(uint8_t *buf, size_t cap, uint8_t code, uint8_t id, uint32_t magic,
		      const void *data, size_t data_len)
{
	struct wcur w = wcur_init(buf, cap);
	wcur_put_u8(&w, code);
	wcur_put_u8(&w, id);
	wcur_put_u16(&w, 0);
	wcur_put_u32(&w, magic);
	if (data_len)
		wcur_put_bytes(&w, data, data_len);
	return ppp_cp_finish(&w);
}

int ppp_cp_build_reject(uint8_t *buf, size_t cap, uint8_t code, uint8_t id, uint16_t proto,
			const uint8_t *rej, size_t rej_len, size_t max_len)
{
	size_t hdr = PPP_HDR_LEN + (code == PPP_PROTO_REJ ? 2u : 0u);
	if (max_len > cap)
		max_len = cap;
	if (max_len < hdr)
		return -1;
	/* RFC 1661 §5.6/§5.7: the rejected packet MUST be truncated to the peer's MRU. */
	if (rej_len > max_len - hdr)
		rej_len = max_len - hdr;
	struct wcur w = wcur_init(buf, cap);
	wcur_put_u8(&w, code);
	wcur_put_u8(&w, id);
	wcur_put_u16(&w, 0);
	if (code == PPP_PROTO_REJ)
		wcur_put_u16(&w, proto);
	if (rej_len)
		wcur_put_bytes(&w, rej, rej_len);
	return ppp_cp_finish(&w);
}

void ppp_opt_put_u16(struct wcur *w, uint8_t type, uint16_t v)
{
	wcur_put_u8(w, type);
	wcur_put_u8(w, 4);
	wcur_put_u16(w, v);
}

void ppp_opt_put_u32(struct wcur *w, uint8_t type, uint32_t v)
{
	wcur_put_u8(w, type);
	wcur_put_u8(w, 6);
	wcur_put_u32(w, v);
}

void ppp_opt_put_bytes(struct wcur *w, uint8_t type, const void *v, size_t n)
{
	if (n > 253) {
		w->full = true;
		return;
	}
	wcur_put_u8(w, type);
	wcur_put_u8(w, (uint8_t)(n + 2));
	if (n)
		wcur_put_bytes(w, v, n);
}

const char *ppp_err_str(enum ppp_err e)
{
	switch (e) {
	case PPP_OK:
		return "ok";
	case PPP_E_SHORT:
		return "packet shorter than its header or Length field";
	case PPP_E_LEN:
		return "Length field below 4";
	case PPP_E_OPTLEN:
		return "malformed option length";
	case PPP_E_FIELD:
		return "fixed field missing";
	case PPP_E_NOSPACE:
		return "no space in output buffer";
	}
	return "?";
}

const char *ppp_code_name(uint8_t code)
{
	static const char *const names[] = {
		[PPP_CONF_REQ] = "Configure-Request", [PPP_CONF_ACK] = "Configure-Ack",
		[PPP_CONF_NAK] = "Configure-Nak",     [PPP_CONF_REJ] = "Configure-Reject",
		[PPP_TERM_REQ] = "Terminate-Request", [PPP_TERM_ACK] = "Terminate-Ack",
		[PPP_CODE_REJ] = "Code-Reject",       [PPP_PROTO_REJ] = "Protocol-Reject",
		[PPP_ECHO_REQ] = "Echo-Request",      [PPP_ECHO_REPLY] = "Echo-Reply",
		[PPP_DISCARD_REQ] = "Discard-Request",
	};
	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown";
}

const char *ppp_proto_name(uint16_t proto)
{
	switch (proto) {
	case PPP_PROTO_IPV4:
		return "IPv4";
	case PPP_PROTO_IPV6:
		return "IPv6";
	case PPP_PROTO_IPCP:
		return "IPCP";
	case PPP_PROTO_IPV6CP:
		return "IPv6CP";
	case PPP_PROTO_LCP:
		return "LCP";
	case PPP_PROTO_PAP:
		return "PAP";
	case PPP_PROTO_CHAP:
		return "CHAP";
	default:
		return "unknown";
	}
}
