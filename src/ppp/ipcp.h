/* IPCP (RFC 1332) with the DNS server extensions (RFC 1877) as a client: we ask for an address
 * and DNS servers with 0.0.0.0 and take the peer's Nak; we accept the peer's own address.
 * No VJ compression (Rejected), no NBNS, no IP-Addresses (option 1). */
#ifndef V6L_IPCP_H
#define V6L_IPCP_H

#include <stdbool.h>
#include <stdint.h>

#include "ppp/ppp_fsm.h"

#define IPCP_OPT_ADDRS 1
#define IPCP_OPT_COMP 2
#define IPCP_OPT_ADDR 3
#define IPCP_OPT_DNS1 129
#define IPCP_OPT_DNS2 131

/* Addresses in network byte order (as on the wire); all zero means none. */
struct ipcp_result {
	uint8_t local[4];
	uint8_t peer[4];
	uint8_t dns1[4];
	uint8_t dns2[4];
};

/* What is being negotiated, host byte order; 0 means none. */
struct ipcp_addrs {
	uint32_t addr;
	uint32_t peer;
	uint32_t dns1;
	uint32_t dns2;
};

struct ipcp_ops {
	void (*up)(void *ctx, const struct ipcp_result *r, uint64_t now_ms);
	void (*down)(void *ctx, uint64_t now_ms);
	/* IPCP gave up (not answered, rejected by the peer, no address). */
	void (*finished)(void *ctx, const char *why, uint64_t now_ms);
};

struct ipcp {
	struct ppp_fsm fsm;
	const struct ipcp_ops *ops;
	void *ctx;
	const char *conn;
	bool want_dns;                 /* configuration: ask for DNS servers */
	bool want_addr, want_dns1, want_dns2;
	struct ipcp_addrs res;         /* ours as being negotiated, the peer's from its request */
	bool has_result;               /* Opened and reported up */
	struct ipcp_result result;     /* res as reported to ops->up */
};

/* Sets up ip (fsm in Initial). ops, ctx and conn outlive ip; t NULL means defaults. */
void ipcp_init(struct ipcp *ip, bool want_dns, const struct ppp_fsm_timing *t,
	       const struct ipcp_ops *ops, void *ctx, ppp_send_fn send, void *send_ctx,
	       const char *conn);
/* Forgets everything negotiated (a new session). */
void ipcp_reset(struct ipcp *ip);

#endif
