/* DNS message codec (RFC 1035 §4, RFC 2181, RFC 6891 EDNS0, RFC 2308 negative TTLs): messages to
 * host-order structs, names decompressed loop-safely, A/AAAA/CNAME/PTR/SOA rdata decoded; a query
 * builder, a response builder with name compression and truncation (TC), and helpers on raw
 * buffers for relaying (ID, TTL ageing). Pure: no I/O, no clock, no logs. */
#ifndef V6L_DNS_CODEC_H
#define V6L_DNS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN 12
#define DNS_NAME_MAX 255      /* wire octets incl. the root label (RFC 1035 §2.3.4) */
#define DNS_LABEL_MAX 63      /* RFC 1035 §2.3.4 */
#define DNS_NAME_TEXT_MAX 1024 /* worst case of dns_name_to_text with \DDD escapes, plus NUL */
#define DNS_MAX_HOPS 128      /* compression pointers followed per name */
#define DNS_UDP_MIN 512       /* RFC 1035 §4.2.1; also the floor for EDNS0 sizes (RFC 6891 §6.2.5) */
#define DNS_EDNS_UDP_SIZE 1232 /* what we advertise (DNS flag day 2020: no fragmentation) */
#define DNS_MSG_MAX 65535     /* TCP (RFC 1035 §4.2.2) */

#define DNS_MAX_QUESTIONS 4
#define DNS_MAX_ANSWERS 32
#define DNS_MAX_AUTHORITY 8
#define DNS_MAX_ADDITIONAL 8

/* Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD/CD). */
#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_AA 0x0400u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u
#define DNS_FLAG_RA 0x0080u
#define DNS_FLAG_AD 0x0020u
#define DNS_FLAG_CD 0x0010u

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_OPT = 41,
	DNS_T_ANY = 255,
};

#define DNS_CLASS_IN 1

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16, /* RFC 6891 §9: needs an OPT RR to carry the upper bits */
};

enum dns_err {
	DNS_E_OK = 0,
	DNS_E_SHORT,   /* the message ends inside a header, name, record or its rdata */
	DNS_E_LABEL,   /* label type 0x40/0x80 (RFC 6891 §5) */
	DNS_E_NAMELEN, /* a name over 255 octets */
	DNS_E_PTR,     /* compression pointer not strictly backwards, or over DNS_MAX_HOPS */
	DNS_E_RDATA,   /* rdata length wrong for its type, or a name not filling it */
	DNS_E_OPT,     /* OPT RR repeated, outside the additional section, or owner not root */
	DNS_E_NOSPACE, /* builder: does not fit */
	DNS_E_ARG,     /* builder: an unsupported type or a bad argument */
};

/* A domain name in uncompressed wire form: labels, then the 0 root label; len = 1..255.
 * Case is kept as received; comparisons ignore ASCII case (RFC 4343). */
struct dns_name {
	uint8_t len;
	uint8_t b[DNS_NAME_MAX];
};

struct dns_question {
	struct dns_name name;
	uint16_t qtype, qclass;
};

/* SOA rdata; MNAME and RNAME are checked and skipped. */
struct dns_soa {
	uint32_t serial, refresh, retry, expire, minimum;
};

/* A resource record. rdata_off/rdata_len give its rdata inside the parsed buffer (offsets, not
 * pointers); rd holds the decoded form for A, AAAA, CNAME, PTR and SOA only. */
struct dns_rr {
	struct dns_name name;
	uint16_t type, rclass;
	uint32_t ttl; /* values with the top bit set read as 0 (RFC 2181 §8) */
	uint16_t rdata_off, rdata_len;
	union {
		uint8_t a[4];
		uint8_t aaaa[16];
		struct dns_name target; /* CNAME, PTR */
		struct dns_soa soa;
	} rd;
};

/* The OPT pseudo-RR (RFC 6891 §6.1.2, §6.1.3); options are kept raw as a range of the message
 * (their TLV framing checked). */
struct dns_edns {
	bool is_present;
	uint16_t udp_size;   /* as sent; see dns_udp_limit() */
	uint8_t ext_rcode;   /* upper 8 bits of the 12-bit rcode */
	uint8_t version;
	bool is_do;          /* DNSSEC OK (RFC 3225) */
	uint16_t z;          /* the other flag bits */
	uint16_t opts_off, opts_len;
};

/* A decoded message. Records over a section's cap are parsed and checked but not kept; they are
 * counted in n_dropped. Nothing points into the packet. */
struct dns_msg {
	uint16_t id;
	uint16_t flags;      /* raw header bits 16..31 */
	bool is_response, is_aa, is_tc, is_rd, is_ra, is_ad, is_cd;
	uint8_t opcode;
	uint16_t rcode;      /* 12 bits: header RCODE | OPT extended RCODE << 4 */
	uint16_t qdcount, ancount, nscount, arcount; /* header counts */
	uint8_t n_q, n_an, n_ns, n_ar;
	uint16_t n_dropped;
	uint16_t len;        /* octets parsed; trailing bytes after the last record are ignored */
	struct dns_question q[DNS_MAX_QUESTIONS];
	struct dns_rr an[DNS_MAX_ANSWERS];
	struct dns_rr ns[DNS_MAX_AUTHORITY];
	struct dns_rr ar[DNS_MAX_ADDITIONAL]; /* without the OPT RR, which is in edns */
	struct dns_edns edns;
};

/* Returns a static English description of e. */
const char *dns_err_str(enum dns_err e);

/* Parses buf[0..len) into *m (fully overwritten). Returns DNS_E_OK or the first error. */
enum dns_err dns_parse(const uint8_t *buf, size_t len, struct dns_msg *m);
/* Reads the (possibly compressed) name at *off of msg[0..len) into *out and moves *off past its
 * in-place part. Every pointer must point before the labels that led to it. */
enum dns_err dns_name_parse(const uint8_t *msg, size_t len, size_t *off, struct dns_name *out);

/* Name helpers. Equality and hashing-friendly lowering ignore ASCII case only (RFC 4343). */
bool dns_name_eq(const struct dns_name *a, const struct dns_name *b);
void dns_name_lower(struct dns_name *n);
/* Text form "www.example." ("." for the root), with \. \\ and \DDD escapes; returns the length
 * written (without the NUL) or -1 if cap is too small. */
int dns_name_to_text(const struct dns_name *n, char *buf, size_t cap);
/* Parses dotted text (a final dot optional, \. \\ \DDD escapes) into *n; false if invalid. */
bool dns_name_from_text(const char *text, struct dns_name *n);
/* true if n is d.c.b.a.in-addr.arpa with four decimal labels 0..255; out = a.b.c.d. */
bool dns_name_ptr_v4(const struct dns_name *n, uint8_t out[4]);
/* Builds d.c.b.a.in-addr.arpa for v4 (RFC 1035 §3.5). */
void dns_name_make_ptr_v4(const uint8_t v4[4], struct dns_name *n);

/* The largest response the client of query q takes over UDP: 512 without EDNS0, else its
 * advertised size raised to 512 (RFC 6891 §6.2.5). */
size_t dns_udp_limit(const struct dns_msg *q);
/* Negative-caching TTL of a NXDOMAIN/NODATA reply: min(SOA TTL, SOA MINIMUM) of the first SOA in
 * the authority section (RFC 2308 §5). false when there is none. */
bool dns_msg_negative_ttl(const struct dns_msg *m, uint32_t *ttl_s);

/* Builds a query with a random-free header: id, RD as given, one question of class IN, and an
 * OPT RR (udp size DNS_EDNS_UDP_SIZE, DO as given) when with_edns. Returns the length or -1. */
int dns_build_query(uint16_t id, const struct dns_name *qname, uint16_t qtype, bool rd,
	bool with_edns, bool is_do, uint8_t *buf, size_t cap);

/* Builds the response to query q: ID, opcode, RD and CD copied, QR and RA set, AA clear; q's
 * first question copied; then the n_an answers (A, AAAA, CNAME or PTR; rd decoded form) as long
 * as they fit in max_len: a record that does not fit is dropped with all after it and TC is set
 * (RFC 2181 §9). When q had an OPT RR one is echoed (RFC 6891 §7) with DO copied (RFC 3225 §3);
 * its space is reserved first. rcode may exceed 15 only then. Returns the length or -1. */
int dns_build_response(const struct dns_msg *q, uint16_t rcode, const struct dns_rr *an,
	size_t n_an, size_t max_len, uint8_t *buf, size_t cap);

/* Raw-buffer helpers for relaying. get returns 0 for a buffer shorter than 2 bytes. */
uint16_t dns_get_id(const uint8_t *buf, size_t len);
bool dns_set_id(uint8_t *buf, size_t len, uint16_t id);
/* Subtracts age_s from the TTL of every record but OPT (floor 0) in place; false if the record
 * structure is malformed (then it may be partly changed). Pointers are not followed: a message
 * whose pointers aim into TTL fields (never a valid name) may decode differently afterwards. */
bool dns_raw_age_ttls(uint8_t *buf, size_t len, uint32_t age_s);

#endif
