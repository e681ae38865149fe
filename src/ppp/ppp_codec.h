/* PPP control-protocol packets (LCP, IPCP, IPv6CP share one format): the Code/Identifier/Length
 * header, option-list walking and builders for every code 1-11. RFC 1661 §5, §6.
 * Pure codec: no I/O, no logging, no clock. Authentication packets are in pap.c / chap.c. */
#ifndef V6L_PPP_CODEC_H
#define V6L_PPP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"

#define PPP_PROTO_IPV4 0x0021
#define PPP_PROTO_IPV6 0x0057
#define PPP_PROTO_IPCP 0x8021
#define PPP_PROTO_IPV6CP 0x8057
#define PPP_PROTO_LCP 0xc021

#define PPP_HDR_LEN 4        /* Code, Identifier, Length */
#define PPP_MAX_PKT 1500     /* largest control packet we build or keep */
#define PPP_DEFAULT_MRU 1500 /* RFC 1661 §6.1 */

enum ppp_code {
	PPP_CONF_REQ = 1,
	PPP_CONF_ACK = 2,
	PPP_CONF_NAK = 3,
	PPP_CONF_REJ = 4,
	PPP_TERM_REQ = 5,
	PPP_TERM_ACK = 6,
	PPP_CODE_REJ = 7,
	PPP_PROTO_REJ = 8,
	PPP_ECHO_REQ = 9,
	PPP_ECHO_REPLY = 10,
	PPP_DISCARD_REQ = 11,
};

enum ppp_err {
	PPP_OK,
	PPP_E_SHORT,   /* fewer than 4 bytes, or fewer bytes than Length says */
	PPP_E_LEN,     /* Length field below 4 */
	PPP_E_OPTLEN,  /* malformed option list (option length < 2 or past the end) */
	PPP_E_FIELD,   /* a code-specific fixed field is missing (magic, protocol, code) */
	PPP_E_NOSPACE, /* builder: output buffer too small */
};

/* One decoded control packet. data borrows the caller's buffer (valid while it lives) and
 * spans exactly Length - 4 bytes; padding past Length is dropped (RFC 1661 §5). */
struct ppp_cp_pkt {
	uint8_t code;
	uint8_t id;
	uint16_t len;
	struct rcur data;
};

/* Parses the header of buf[0..len). Returns PPP_OK or an error; out is filled only on PPP_OK. */
enum ppp_err ppp_cp_parse(const uint8_t *buf, size_t len, struct ppp_cp_pkt *out);
/* Walks the whole option list in data and returns PPP_OK if it is well formed. */
enum ppp_err ppp_cp_check_opts(struct rcur data);
/* Echo-Request/Reply, Discard-Request: reads the Magic-Number (RFC 1661 §5.8). */
enum ppp_err ppp_cp_parse_magic(const struct ppp_cp_pkt *p, uint32_t *magic);
/* Protocol-Reject: reads the Rejected-Protocol (RFC 1661 §5.7). */
enum ppp_err ppp_cp_parse_proto_rej(const struct ppp_cp_pkt *p, uint16_t *proto);
/* Code-Reject: reads the Code of the rejected packet (RFC 1661 §5.6). */
enum ppp_err ppp_cp_parse_code_rej(const struct ppp_cp_pkt *p, uint8_t *code);

/* Builds code/id with data[0..data_len) into buf; returns the length or -1 if it does not fit. */
int ppp_cp_build(uint8_t *buf, size_t cap, uint8_t code, uint8_t id, const void *data,
		 size_t data_len);
/* Echo-Request/Reply/Discard-Request with magic followed by data (may be NULL/0). */
int ppp_cp_build_echo(uint8_t *buf, size_t cap, uint8_t code, uint8_t id, uint32_t magic,
		      const void *data, size_t data_len);
/* Code-Reject (code 7) or Protocol-Reject (code 8, with proto first): the rejected packet is
 * copied and truncated so the whole packet is at most max_len bytes (RFC 1661 §5.6, §5.7). */
int ppp_cp_build_reject(uint8_t *buf, size_t cap, uint8_t code, uint8_t id, uint16_t proto,
			const uint8_t *rej, size_t rej_len, size_t max_len);

/* Option writers for Configure-Request/Nak building; they latch w->full on overflow. */
void ppp_opt_put_u16(struct wcur *w, uint8_t type, uint16_t v);
void ppp_opt_put_u32(struct wcur *w, uint8_t type, uint32_t v);
void ppp_opt_put_bytes(struct wcur *w, uint8_t type, const void *v, size_t n);

const char *ppp_err_str(enum ppp_err e);
/* Name of a control code ("Configure-Request"), or "unknown". */
const char *ppp_code_name(uint8_t code);
/* Name of a PPP protocol number ("LCP", "IPCP"), or "unknown". */
const char *ppp_proto_name(uint16_t proto);

#endif
