/* DHCPv6 client-side codec (RFC 8415 §8, §21; RFC 3646 DNS; RFC 7078 address selection): messages
 * to host-order structs and back, DUID builders (incl. DUID-UUID of RFC 6355), the Authentication,
 * Reconfigure Message and Reconfigure Accept options (§21.11, §21.19, §21.20), and the UDP/IPv6
 * wrapping of the PPP link. Pure: no I/O, no clock, no logging, no crypto (dhcp6_auth.h checks
 * HMACs). Relay messages are not decoded. */
#ifndef V6L_DHCP6_CODEC_H
#define V6L_DHCP6_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547
#define DHCP6_HDR_LEN 4       /* msg-type + transaction-id (RFC 8415 §8) */
#define DHCP6_DUID_MAX 130    /* RFC 8415 §11.1: 2-byte type + at most 128 bytes */
#define DHCP6_MAX_IA 4        /* IA_NA + IA_PD options kept per message */
#define DHCP6_MAX_IA_ADDR 8   /* IAADDR / IAPREFIX kept per IA */
#define DHCP6_MAX_ORO 32
#define DHCP6_MAX_DNS 8
#define DHCP6_MAX_DOMAINS 8
#define DHCP6_DOMAIN_MAX 253  /* presentation form, without the NUL */
#define DHCP6_STATUS_MSG_MAX 127
#define DHCP6_MAX_RAW 8       /* unknown options kept verbatim */
#define DHCP6_RAW_MAX 256     /* bytes per kept raw option */
#define DHCP6_MAX_ADDRSEL 16  /* RFC 7078 policy rows */
#define DHCP6_INFINITY 0xffffffffu /* RFC 8415 §7.7 */
#define DHCP6_DUID_EPOCH_UNIX 946684800u /* 2000-01-01T00:00:00Z: DUID-LLT time base (§11.2) */
#define DHCP6_AUTH_HDR_LEN 11 /* §21.11: protocol, algorithm, RDM, 8-octet replay detection */
#define DHCP6_AUTH_INFO_MAX 64 /* authentication information kept (RKAP uses 17 octets) */
#define DHCP6_AUTH_PROTO_RKAP 3    /* §20.4 Reconfigure Key Authentication Protocol */
#define DHCP6_AUTH_ALG_HMAC_MD5 1  /* §20.4: algorithm 1 */
#define DHCP6_AUTH_RDM_COUNTER 0   /* §20.3: monotonically increasing counter */
#define DHCP6_RKAP_TYPE_KEY 1      /* §20.4: the Reconfigure Key value (in a Reply) */
#define DHCP6_RKAP_TYPE_HMAC 2     /* §20.4: HMAC-MD5 digest of the message (in a Reconfigure) */
#define DHCP6_RKAP_VALUE_LEN 16    /* §20.4: key and digest are both 128 bits */
#define DHCP6_RKAP_INFO_LEN 17     /* type + value */

enum dhcp6_msg_type {
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_CONFIRM = 4,
	DHCP6_RENEW = 5,
	DHCP6_REBIND = 6,
	DHCP6_REPLY = 7,
	DHCP6_RELEASE = 8,
	DHCP6_DECLINE = 9,
	DHCP6_RECONFIGURE = 10,
	DHCP6_INFORMATION_REQUEST = 11,
};

enum dhcp6_opt {
	DHCP6_OPT_CLIENTID = 1,
	DHCP6_OPT_SERVERID = 2,
	DHCP6_OPT_IA_NA = 3,
	DHCP6_OPT_IAADDR = 5,
	DHCP6_OPT_ORO = 6,
	DHCP6_OPT_PREFERENCE = 7,
	DHCP6_OPT_ELAPSED_TIME = 8,
	DHCP6_OPT_AUTH = 11,
	DHCP6_OPT_STATUS_CODE = 13,
	DHCP6_OPT_RAPID_COMMIT = 14,
	DHCP6_OPT_RECONF_MSG = 19,
	DHCP6_OPT_RECONF_ACCEPT = 20,
	DHCP6_OPT_DNS_SERVERS = 23,
	DHCP6_OPT_DOMAIN_LIST = 24,
	DHCP6_OPT_IA_PD = 25,
	DHCP6_OPT_IAPREFIX = 26,
	DHCP6_OPT_INFO_REFRESH_TIME = 32,
	DHCP6_OPT_SOL_MAX_RT = 82,
	DHCP6_OPT_INF_MAX_RT = 83,
	DHCP6_OPT_ADDRSEL = 84,
	DHCP6_OPT_ADDRSEL_TABLE = 85,
};

/* RFC 8415 §21.13 status codes. */
enum dhcp6_status {
	DHCP6_ST_SUCCESS = 0,
	DHCP6_ST_UNSPEC_FAIL = 1,
	DHCP6_ST_NO_ADDRS_AVAIL = 2,
	DHCP6_ST_NO_BINDING = 3,
	DHCP6_ST_NOT_ON_LINK = 4,
	DHCP6_ST_USE_MULTICAST = 5,
	DHCP6_ST_NO_PREFIX_AVAIL = 6,
};

enum dhcp6_err {
	DHCP6_E_OK = 0,
	DHCP6_E_SHORT,    /* shorter than the 4-byte header */
	DHCP6_E_TYPE,     /* message type 0, or a relay message (12, 13) */
	DHCP6_E_OPTLEN,   /* an option header or value runs past its container */
	DHCP6_E_BADOPT,   /* a known option with a length or value the RFC does not allow */
	DHCP6_E_DUP,      /* a single-instance option appears twice */
	DHCP6_E_NOSPACE,  /* builder: output buffer too small or input over a field's range */
	DHCP6_E_IP6,      /* UDP/IPv6: not IPv6/UDP, or lengths inconsistent */
	DHCP6_E_PORT,     /* UDP/IPv6: not to the client port 546 */
	DHCP6_E_CSUM,     /* UDP/IPv6: checksum zero or wrong */
};

/* Returns a static English description of e. */
const char *dhcp6_err_str(enum dhcp6_err e);
/* Returns the RFC name of a message type ("SOLICIT", ...) or "?". */
const char *dhcp6_msg_name(uint8_t type);
/* Returns the RFC name of a status code ("NoBinding", ...) or "?". */
const char *dhcp6_status_name(uint16_t code);

struct dhcp6_duid {
	uint16_t len; /* 0 = absent */
	uint8_t b[DHCP6_DUID_MAX];
};

struct dhcp6_status_opt {
	bool present;
	uint16_t code;
	char msg[DHCP6_STATUS_MSG_MAX + 1]; /* UTF-8 text, cut; bytes < 0x20 and 0x7f become '?' */
};

/* An IAADDR (plen 128) or an IAPREFIX. Lifetimes in seconds, DHCP6_INFINITY = forever. */
struct dhcp6_iaaddr {
	uint8_t addr[16];
	uint8_t plen;
	uint32_t preferred_s, valid_s;
	struct dhcp6_status_opt status;
};

struct dhcp6_ia {
	uint16_t type; /* DHCP6_OPT_IA_NA or DHCP6_OPT_IA_PD */
	uint32_t iaid, t1_s, t2_s;
	uint8_t n_addrs;
	uint8_t n_ignored; /* IAADDR/IAPREFIX dropped: invalid (§21.6, §21.22) or over the cap */
	struct dhcp6_iaaddr addrs[DHCP6_MAX_IA_ADDR];
	struct dhcp6_status_opt status;
};

struct dhcp6_raw_opt {
	uint16_t code, len;
	uint8_t data[DHCP6_RAW_MAX];
};

/* RFC 7078 OPTION_ADDRSEL_TABLE row. */
struct dhcp6_addrsel_row {
	uint8_t label, precedence, plen;
	uint8_t prefix[16];
};

struct dhcp6_addrsel {
	bool automatic, privacy; /* A and P flags of OPTION_ADDRSEL */
	uint8_t n_rows;
	struct dhcp6_addrsel_row rows[DHCP6_MAX_ADDRSEL];
};

/* An Authentication option (§21.11). For RKAP (§20.4) info is the 1-octet type and the 16-octet
 * key or HMAC-MD5 digest. */
struct dhcp6_auth {
	bool present;
	uint8_t protocol, algorithm, rdm;
	uint64_t replay; /* replay detection field */
	uint8_t info_len;
	uint8_t info[DHCP6_AUTH_INFO_MAX];
};

/* A decoded (or to-be-built) message. Every field is host order; nothing points into a packet. */
struct dhcp6_msg {
	uint8_t type;
	uint32_t xid; /* 24 bits */
	struct dhcp6_duid client_id, server_id; /* len 0 = absent */
	uint8_t n_ia;
	uint8_t n_ia_ignored; /* IAs dropped for T1 > T2 (§21.4, §21.21) or over DHCP6_MAX_IA */
	struct dhcp6_ia ia[DHCP6_MAX_IA];
	uint8_t n_oro;
	uint16_t oro[DHCP6_MAX_ORO];
	bool has_preference;
	uint8_t preference;
	bool has_elapsed;
	uint16_t elapsed_cs; /* hundredths of a second */
	struct dhcp6_status_opt status;
	bool rapid_commit;
	uint8_t n_dns;
	uint8_t dns[DHCP6_MAX_DNS][16];
	uint8_t n_domains;
	char domains[DHCP6_MAX_DOMAINS][DHCP6_DOMAIN_MAX + 1];
	bool has_info_refresh;
	uint32_t info_refresh_s;
	bool has_sol_max_rt, has_inf_max_rt;
	uint32_t sol_max_rt_s, inf_max_rt_s;
	bool has_addrsel;
	struct dhcp6_addrsel addrsel;
	bool reconf_accept;   /* §21.20 Reconfigure Accept */
	bool has_reconf_msg;  /* §21.19 Reconfigure Message: the type the server asks for */
	uint8_t reconf_msg;
	struct dhcp6_auth auth; /* the first well-formed Authentication option */
	uint8_t n_raw;
	uint8_t n_raw_dropped; /* unknown options over DHCP6_MAX_RAW or DHCP6_RAW_MAX bytes */
	struct dhcp6_raw_opt raw[DHCP6_MAX_RAW];
	uint8_t n_skipped; /* known info options skipped as malformed (DNS, domains, times) */
};

/* Parses buf[0..len) into *m (fully overwritten). Returns DHCP6_E_OK or the first error. */
enum dhcp6_err dhcp6_parse(const uint8_t *buf, size_t len, struct dhcp6_msg *m);
/* Builds *m into buf[0..cap): header, client id, server id, IAs, elapsed time, ORO, rapid commit,
 * reconfigure accept, preference, status, DNS, domains, refresh time, SOL/INF_MAX_RT, ADDRSEL,
 * reconfigure message, authentication, then the raw options verbatim. Returns the length or -1
 * (never a partial packet). */
int dhcp6_build(const struct dhcp6_msg *m, uint8_t *buf, size_t cap);

/* Finds the Authentication option dhcp6_parse decodes into m->auth (the first one with a
 * well-formed length) in the message buf[0..len) and sets *info_off to the offset of its
 * authentication information in buf. Returns false if there is none. */
bool dhcp6_auth_locate(const uint8_t *buf, size_t len, size_t *info_off);

/* Decodes the value of an OPTION_ADDRSEL (RFC 7078 §4) kept raw, e.g. under an old draft's
 * option codes (cfg option_dasp=): val[0..len) after the option header, rows under table_code.
 * Returns false (and *out is undefined) if malformed. */
bool dhcp6_parse_addrsel(const uint8_t *val, size_t len, uint16_t table_code,
	struct dhcp6_addrsel *out);

/* DUID builders (RFC 8415 §11, RFC 6355). Each fills *d and returns true, or false if the
 * input does not fit. time_s counts seconds since 2000-01-01 UTC (DHCP6_DUID_EPOCH_UNIX). */
void dhcp6_duid_ll(struct dhcp6_duid *d, const uint8_t mac[6]);
void dhcp6_duid_llt(struct dhcp6_duid *d, const uint8_t mac[6], uint32_t time_s);
bool dhcp6_duid_en(struct dhcp6_duid *d, uint32_t enterprise, const uint8_t *id, size_t id_len);
void dhcp6_duid_uuid(struct dhcp6_duid *d, const uint8_t uuid[16]);

#define DHCP6_IP6_HDR_LEN 40
#define DHCP6_UDP_HDR_LEN 8

/* Wraps payload into IPv6 (hop limit 1, next header UDP) + UDP with the pseudo-header checksum
 * (RFC 8200 §8.1) into out[0..cap). Returns the whole length or -1. */
int dhcp6_build_udp6(const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport,
	const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

struct dhcp6_udp6 {
	uint8_t src[16], dst[16];
	size_t payload_off, payload_len; /* the DHCPv6 message inside pkt */
};

/* Checks an IPv6 packet pkt[0..len) (no extension headers) for UDP to port 546 with a valid
 * checksum and returns where the DHCPv6 message lies. Trailing bytes past the IPv6 payload
 * length are ignored. */
enum dhcp6_err dhcp6_parse_udp6(const uint8_t *pkt, size_t len, struct dhcp6_udp6 *out);
/* The same for a packet captured on an AF_PACKET socket: with csum_partial (the kernel reported
 * TP_STATUS_CSUMNOTREADY, a local sender with checksum offload) the checksum field only holds
 * the pseudo-header sum and is not checked. */
enum dhcp6_err dhcp6_parse_udp6_csum(const uint8_t *pkt, size_t len, bool csum_partial,
	struct dhcp6_udp6 *out);

#endif
