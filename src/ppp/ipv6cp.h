/* IPv6CP (RFC 5072): negotiates the 64-bit Interface-Identifiers that form both link-local
 * addresses (fe80::ours, fe80::peer). IPv6-Compression-Protocol and unknown options are
 * Rejected. */
#ifndef V6L_IPV6CP_H
#define V6L_IPV6CP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rng.h"
#include "ppp/ppp_fsm.h"

#define IPV6CP_OPT_IFID 1
#define IPV6CP_OPT_COMP 2

struct ipv6cp_result {
	uint8_t our_iid[8];  /* ours: fe80::our_iid */
	uint8_t peer_iid[8]; /* the peer's (all zero if it sent none) */
};

struct ipv6cp_ops {
	void (*up)(void *ctx, const struct ipv6cp_result *r, uint64_t now_ms);
	void (*down)(void *ctx, uint64_t now_ms);
	void (*finished)(void *ctx, const char *why, uint64_t now_ms);
};

struct ipv6cp {
	struct ppp_fsm fsm;
	const struct ipv6cp_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	const char *conn;
	uint8_t cfg_iid[8];  /* configured identifier, all zero: random */
	bool want_iid;
	struct ipv6cp_result res;
	bool has_result;
};

/* Sets up v6 (fsm in Initial). iid NULL or all zero: a random one per session. ops, ctx, rng,
 * conn outlive v6; t NULL means defaults. */
void ipv6cp_init(struct ipv6cp *v6, const uint8_t *iid, const struct ppp_fsm_timing *t,
		 const struct ipv6cp_ops *ops, void *ctx, ppp_send_fn send, void *send_ctx,
		 struct v6l_rng *rng, const char *conn);
/* Forgets everything negotiated and chooses our identifier again (a new session). */
void ipv6cp_reset(struct ipv6cp *v6);

#endif
