/* The DNS proxy's closed surface (issue #13), pure decisions: is a query from the host itself
 * (its source one of the host's addresses, and for a datagram the interface it came in on one
 * that the host's own traffic uses), a per-source token bucket, the UDP answer size cap (DNS Flag
 * Day 2020, RFC 6891 §6.2.5) and the lifetime of TCP clients. No I/O, no clock: now is passed in. */
#ifndef V6L_DNS_GUARD_H
#define V6L_DNS_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dns_msg;

#define DNS_GUARD_HOSTS_MAX 512   /* host addresses kept; more are counted in n_over */
#define DNS_GUARD_UDP_MAX 1232    /* largest UDP answer (DNS Flag Day 2020: no fragments) */
#define DNS_GUARD_RL_SLOTS 64     /* sources with a bucket of their own; the oldest is reused */
#define DNS_GUARD_TCP_LIFE_MS 120000 /* a client connection is closed once this old and idle */

/* The host's own addresses (from the kernel, kept by the glue), each with its interface. */
struct dns_guard_hosts {
	unsigned n, n_over;
	struct {
		uint8_t family;      /* 4 or 6 */
		uint8_t addr[16];    /* IPv4 in the first 4 octets */
		uint32_t ifindex;
	} a[DNS_GUARD_HOSTS_MAX];
};

/* What the kernel says about a query: source, and for a datagram where it was addressed and the
 * interface it came in on (IP_PKTINFO / IPV6_PKTINFO). A TCP client has no ingress: its
 * completed handshake is what proves its source address. */
struct dns_guard_pkt {
	uint8_t family;              /* 4 or 6 */
	uint8_t src[16], dst[16];
	bool has_ingress;
	uint32_t ifindex;            /* ingress interface, when has_ingress */
};

enum dns_guard_verdict {
	DNS_GUARD_OK,
	DNS_GUARD_SOURCE,   /* the source is none of the host's addresses */
	DNS_GUARD_INGRESS,  /* a host source, but it came in from another interface: spoofed */
	DNS_GUARD_UNKNOWN,  /* a datagram with no ingress information */
};

const char *dns_guard_verdict_str(enum dns_guard_verdict v);

/* Adds an address (family 4 or 6) on ifindex to h; false (counted in n_over) when h is full. */
bool dns_guard_hosts_add(struct dns_guard_hosts *h, uint8_t family, const uint8_t *addr,
	uint32_t ifindex);
/* Whether addr (family 4 or 6) is in 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
bool dns_guard_is_loopback(uint8_t family, const uint8_t *addr);
/* Whether addr is one of h's addresses. */
bool dns_guard_is_host(const struct dns_guard_hosts *h, uint8_t family, const uint8_t *addr);
/* The host's own traffic comes in on lo_ifindex or on an interface that holds the destination
 * (Linux reports that one for locally delivered packets); a source is the host's when it is a
 * loopback address or one of h's. DNS_GUARD_OK or the reason to refuse. */
enum dns_guard_verdict dns_guard_check(const struct dns_guard_hosts *h, uint32_t lo_ifindex,
	const struct dns_guard_pkt *pkt);

/* Per-source token bucket: rate_qps tokens a second up to burst; each query takes one. A fixed
 * table of DNS_GUARD_RL_SLOTS sources; a new source takes the least recently seen slot, full. */
struct dns_guard_rl {
	uint32_t rate_qps, burst; /* rate 0: no limit */
	struct {
		bool is_used;
		uint8_t family;
		uint8_t addr[16];
		uint64_t last_ms;
		uint64_t milli_tokens; /* tokens x 1000, so a rate below 1000/s still refills */
	} s[DNS_GUARD_RL_SLOTS];
	uint64_t n_evicted;
	unsigned last; /* the slot found last: tried first (a burst comes from one source) */
};

/* Empties rl and sets its rate and burst (burst 0 means rate_qps). */
void dns_guard_rl_init(struct dns_guard_rl *rl, uint32_t rate_qps, uint32_t burst);
/* Takes a token for the source (family 4 or 6, addr) at now_ms; false when it has none left. */
bool dns_guard_rl_take(struct dns_guard_rl *rl, uint8_t family, const uint8_t *addr,
	uint64_t now_ms);

/* The largest UDP answer for query q: its EDNS size (512 without EDNS, RFC 6891 §6.2.5), at
 * most DNS_GUARD_UDP_MAX. */
size_t dns_guard_udp_limit(const struct dns_msg *q);

/* Whether a client TCP connection opened at open_ms, last active (a query or an answer) at
 * last_ms, with is_busy (queries or output pending) is to be closed at now_ms: idle for
 * idle_ms (RFC 7766 §6.2.3), or older than DNS_GUARD_TCP_LIFE_MS and not busy, or older than
 * that plus idle_ms in any case. */
bool dns_guard_tcp_expired(uint64_t open_ms, uint64_t last_ms, bool is_busy, uint64_t idle_ms,
	uint64_t now_ms);

#endif
