/* PPPoE codec: Ethernet/802.1Q framing, discovery packets with their tags (RFC 2516 §4-5,
 * Appendix A; PPP-Max-Payload of RFC 4638) and the session header of the data path (§6-7).
 * Pure: no I/O, no clock, no logging. Does not decide which packet to accept (pppoe_disc.c). */
#ifndef V6L_PPPOE_CODEC_H
#define V6L_PPPOE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PPPOE_ETHERTYPE_DISC 0x8863
#define PPPOE_ETHERTYPE_SESS 0x8864
#define PPPOE_ETHERTYPE_VLAN 0x8100

#define PPPOE_ETH_LEN 14      /* dst, src, ethertype */
#define PPPOE_ETH_VLAN_LEN 18 /* dst, src, 0x8100, TCI, ethertype */
#define PPPOE_HDR_LEN 6       /* ver/type, code, session id, length */
#define PPPOE_SESS_HDR_LEN 8  /* PPPoE header + 2-byte PPP protocol */
#define PPPOE_VERTYPE 0x11    /* RFC 2516 §4: VER 1, TYPE 1 */
#define PPPOE_PADI_MAX 1484   /* RFC 2516 §5.1: whole PADI payload incl. header, room for relays */

#define PPPOE_STR_MAX 255 /* AC-Name, Service-Name and error text, bytes without the NUL */
#define PPPOE_MAX_SERVICES 8
#define PPPOE_HOST_UNIQ_MAX 64
#define PPPOE_COOKIE_MAX 256
#define PPPOE_RELAY_ID_MAX 64

enum pppoe_code {
	PPPOE_CODE_SESSION = 0x00,
	PPPOE_CODE_PADO = 0x07,
	PPPOE_CODE_PADI = 0x09,
	PPPOE_CODE_PADR = 0x19,
	PPPOE_CODE_PADS = 0x65,
	PPPOE_CODE_PADT = 0xa7,
};

/* RFC 2516 Appendix A; 0x0120 from RFC 4638 §4. */
enum pppoe_tag {
	PPPOE_TAG_END_OF_LIST = 0x0000,
	PPPOE_TAG_SERVICE_NAME = 0x0101,
	PPPOE_TAG_AC_NAME = 0x0102,
	PPPOE_TAG_HOST_UNIQ = 0x0103,
	PPPOE_TAG_AC_COOKIE = 0x0104,
	PPPOE_TAG_VENDOR_SPECIFIC = 0x0105,
	PPPOE_TAG_RELAY_SESSION_ID = 0x0110,
	PPPOE_TAG_PPP_MAX_PAYLOAD = 0x0120,
	PPPOE_TAG_SERVICE_NAME_ERROR = 0x0201,
	PPPOE_TAG_AC_SYSTEM_ERROR = 0x0202,
	PPPOE_TAG_GENERIC_ERROR = 0x0203,
};

enum pppoe_err {
	PPPOE_E_OK = 0,
	PPPOE_E_SHORT,     /* shorter than a header */
	PPPOE_E_ETHERTYPE, /* not the ethertype the entry point expects */
	PPPOE_E_VERTYPE,   /* VER/TYPE not 1/1 */
	PPPOE_E_CODE,      /* unknown code, or a discovery code on 0x8864 / session code on 0x8863 */
	PPPOE_E_LENGTH,    /* LENGTH field runs past the buffer */
	PPPOE_E_TAG,       /* tag header or value runs past LENGTH */
	PPPOE_E_TAGLEN,    /* tag value too long for us or of the wrong size */
	PPPOE_E_DUP,       /* a single-valued tag appears twice */
	PPPOE_E_SESSION_ID, /* PADI/PADO/PADR with a session id other than 0 */
	PPPOE_E_RANGE,     /* builder input out of range (VLAN id, priority, sizes) */
};

/* Returns a static English description of e. */
const char *pppoe_err_str(enum pppoe_err e);

/* Ethernet header with at most one 802.1Q tag. */
struct pppoe_eth_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	bool has_vlan;
	uint16_t vlan_id;   /* 0..4095 */
	uint8_t priority;   /* 802.1p PCP, 0..7 */
	bool dei;           /* drop eligible indicator */
	uint16_t ethertype; /* the inner one when tagged */
};

/* Parses the Ethernet header at frame[0..len); on success *payload_off is where the ethertype's
 * payload starts (14 or 18). */
enum pppoe_err pppoe_eth_parse(const uint8_t *frame, size_t len, struct pppoe_eth_hdr *h,
	size_t *payload_off);
/* Writes h into buf; returns the header length (14 or 18) or -1 if it does not fit or the VLAN
 * id/priority is out of range. */
int pppoe_eth_build(const struct pppoe_eth_hdr *h, uint8_t *buf, size_t cap);

/* A decoded discovery packet, host order, no pointers into the packet. Strings are
 * NUL-terminated; control bytes (below 0x20, 0x7f) are replaced by '?' so they are safe to log
 * and compare. Unknown and Vendor-Specific tags are skipped (RFC 2516 Appendix A). */
struct pppoe_disc_pkt {
	uint8_t code; /* enum pppoe_code */
	uint16_t session_id;
	uint8_t n_services; /* Service-Name tags kept (a PADO may list several) */
	uint8_t n_services_dropped;
	char services[PPPOE_MAX_SERVICES][PPPOE_STR_MAX + 1];
	bool has_ac_name;
	char ac_name[PPPOE_STR_MAX + 1];
	bool has_host_uniq;
	uint8_t host_uniq_len;
	uint8_t host_uniq[PPPOE_HOST_UNIQ_MAX];
	bool has_cookie;
	uint16_t cookie_len;
	uint8_t cookie[PPPOE_COOKIE_MAX];
	bool has_relay_id;
	uint8_t relay_id_len;
	uint8_t relay_id[PPPOE_RELAY_ID_MAX];
	bool has_max_payload;
	uint16_t max_payload;
	/* Error tags; text kept for reporting (longer text is cut at PPPOE_STR_MAX). */
	bool has_service_name_error;
	char service_name_error[PPPOE_STR_MAX + 1];
	bool has_ac_system_error;
	char ac_system_error[PPPOE_STR_MAX + 1];
	bool has_generic_error;
	char generic_error[PPPOE_STR_MAX + 1];
};

/* Parses a discovery packet starting at the PPPoE header (Ethernet already stripped); bytes past
 * LENGTH are Ethernet padding and ignored (RFC 2516 §4). Fills *p (zeroed first). */
enum pppoe_err pppoe_disc_parse(const uint8_t *buf, size_t len, struct pppoe_disc_pkt *p);
/* Parses a whole Ethernet frame carrying a discovery packet (ethertype 0x8863). */
enum pppoe_err pppoe_disc_parse_frame(const uint8_t *frame, size_t len, struct pppoe_eth_hdr *eth,
	struct pppoe_disc_pkt *p);
/* Builds the PPPoE header and tags of p into buf (no Ethernet header). Service-Name tags come
 * from services[0..n_services); PADI and PADR always carry one (empty = any service, RFC 2516
 * §5.1). Returns the length or -1 if it does not fit, a PADI exceeds 1484 bytes (§5.1) or a
 * length is out of range. */
int pppoe_disc_build(const struct pppoe_disc_pkt *p, uint8_t *buf, size_t cap);
/* Returns true if any of the three error tags is present; *tag and *text name the first. */
bool pppoe_disc_error(const struct pppoe_disc_pkt *p, uint16_t *tag, const char **text);
/* Returns a static name of a discovery code ("PADI"...) or "unknown". */
const char *pppoe_code_name(uint8_t code);
/* Returns a static name of an error tag ("Service-Name-Error"...) or "unknown". */
const char *pppoe_tag_name(uint16_t tag);

/* A session packet (ethertype 0x8864, code 0): where the PPP information field sits in the
 * buffer that was parsed. */
struct pppoe_sess {
	uint16_t session_id;
	uint16_t proto;  /* PPP protocol (a compressed 1-byte field is accepted) */
	size_t info_off; /* offset of the PPP information field (after the protocol) */
	size_t info_len;
};

/* Parses a session packet starting at the PPPoE header; bytes past LENGTH are padding. */
enum pppoe_err pppoe_sess_parse(const uint8_t *buf, size_t len, struct pppoe_sess *s);

/* Writes the 6-byte PPPoE session header and the 2-byte PPP protocol into hdr[0..8) for an
 * information field of info_len bytes that follows. Returns 0, or -1 if info_len + 2 exceeds
 * the 16-bit LENGTH. Per-packet path: inline, no cursor. */
static inline int pppoe_sess_hdr_write(uint8_t hdr[PPPOE_SESS_HDR_LEN], uint16_t session_id,
	uint16_t proto, size_t info_len)
{
	if (info_len > 0xffffu - 2u)
		return -1;
	size_t plen = info_len + 2u;
	hdr[0] = PPPOE_VERTYPE;
	hdr[1] = PPPOE_CODE_SESSION;
	hdr[2] = (uint8_t)(session_id >> 8);
	hdr[3] = (uint8_t)session_id;
	hdr[4] = (uint8_t)(plen >> 8);
	hdr[5] = (uint8_t)plen;
	hdr[6] = (uint8_t)(proto >> 8);
	hdr[7] = (uint8_t)proto;
	return 0;
}

#endif
