/* A-record synthesis for names that only have AAAA (the "DNS mapping", RFC 6147 §5.1 ideas turned
 * around: A from AAAA): the decision as a pure function of the two replies, and the builders of
 * the synthesized A answer (CNAME chain kept) and of the PTR answer for a pool address. */
#ifndef V6L_DNS_SYNTH_H
#define V6L_DNS_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns_codec.h"

/* TTL cap of a synthesized A record. Short so that clients come back to us soon: each query
 * refreshes the mapping's LRU position and lifetime, a reused pool address (pool exhausted)
 * stays in no client cache for long, and a host that gains an IPv4 route switches to the real A
 * records within seconds. Not 0: RFC 6147 §5.1.7 leaves TTL 0 aside and some stub resolvers and
 * browsers treat 0 as "do not use"; 5 s absorbs the bursts of parallel lookups of one page. */
#define DNS_SYNTH_TTL_CAP_S 5
#define DNS_SYNTH_MAX_ADDRS 8
#define DNS_SYNTH_MAX_CNAMES 8

enum dns_synth_verdict {
	DNS_SYNTH_PASS,       /* relay the A reply as it is */
	DNS_SYNTH_SYNTHESIZE, /* answer A from the pool for the AAAA addresses */
};

enum dns_synth_why {
	DNS_SYNTH_WHY_NODATA,      /* synthesize: A is NOERROR with no A record */
	DNS_SYNTH_WHY_NO_V4_ROUTE, /* synthesize: A records exist but the host cannot reach them */
	DNS_SYNTH_WHY_HAS_A,       /* pass: A records and an IPv4 route */
	DNS_SYNTH_WHY_NXDOMAIN,    /* pass: the name does not exist (RFC 6147 §5.1.2 likewise) */
	DNS_SYNTH_WHY_A_ERROR,     /* pass: SERVFAIL/REFUSED/... or a truncated A reply */
	DNS_SYNTH_WHY_NO_AAAA,     /* pass: no usable AAAA reply or record */
};

struct dns_synth {
	enum dns_synth_why why;
	struct dns_name owner; /* final owner name after the CNAME chain */
	uint32_t ttl_s;        /* for the synthesized A records (min of the chain, capped) */
	uint32_t dns_ttl_s;    /* min TTL of the CNAMEs and AAAA used, for dns_map_lookup_or_add */
	uint8_t n_cname;
	uint8_t cname_idx[DNS_SYNTH_MAX_CNAMES]; /* into aaaa_reply->an, in chain order */
	uint8_t n_addr;
	uint8_t v6[DNS_SYNTH_MAX_ADDRS][16];
};

/* Decides whether an A query is answered from the pool. a_reply may be NULL (no A answer: the
 * same as NODATA); aaaa_reply is the reply for the same name and type AAAA (NULL = none). AAAA
 * records that are not global unicast (::/8 incl. v4-mapped, fe80::/10, fc00::/7, ff00::/8, see
 * RFC 6147 §5.1.4) are not mapped. ttl_cap_s 0 means DNS_SYNTH_TTL_CAP_S. *out is filled. */
enum dns_synth_verdict dns_synth_decide(const struct dns_msg *a_reply,
	const struct dns_msg *aaaa_reply, bool host_has_ipv4_route, uint32_t ttl_cap_s,
	struct dns_synth *out);
const char *dns_synth_why_str(enum dns_synth_why w);

/* Builds the answer to A query q: the chain's CNAME records from aaaa_reply, then one A record
 * per v4[i] owned by s->owner with TTL s->ttl_s; truncated to max_len like dns_build_response.
 * Returns the length or -1. */
int dns_synth_build_a(const struct dns_msg *q, const struct dns_msg *aaaa_reply,
	const struct dns_synth *s, const uint8_t (*v4)[4], size_t n_v4, size_t max_len,
	uint8_t *buf, size_t cap);
/* Builds the answer to PTR query q for a pool address: one PTR record to target (NULL: NXDOMAIN,
 * an unknown pool address). Returns the length or -1. */
int dns_synth_build_ptr(const struct dns_msg *q, const struct dns_name *target, uint32_t ttl_s,
	size_t max_len, uint8_t *buf, size_t cap);

#endif
