/* IPv6CP (RFC 5072 §4): Interface-Identifier negotiation with collision handling (§4.1); we
 * never Nak with or accept a zero identifier. IPv6-Compression-Protocol (§4.2) is Rejected. */
#include "ipv6cp.h"

#include <string.h>

#include "core/log.h"

static bool ipv6cp_is_zero(const uint8_t id[8])
{
	static const uint8_t zero[8];
	return memcmp(id, zero, 8) == 0;
}

/* A random nonzero identifier different from avoid (RFC 5072 §4.1). The u/l bit is cleared:
 * a random identifier is not globally unique (RFC 4291 §2.5.1). */
static void ipv6cp_random_iid(struct ipv6cp *v6, const uint8_t avoid[8], uint8_t out[8])
{
	do {
		rng_bytes(v6->rng, out, 8);
		out[0] &= (uint8_t)~0x02;
	} while (ipv6cp_is_zero(out) || memcmp(out, avoid, 8) == 0);
}

static enum ppp_opt_verdict ipv6cp_peer_iid(void *pctx, struct rcur *val, struct wcur *nak)
{
	struct ipv6cp *v6 = pctx;
	uint8_t id[8], sug[8];
	rcur_bytes(val, id, 8);
	/* RFC 5072 §4.1: a zero identifier, or one equal to ours, gets a Nak with a different,
	 * nonzero suggestion. */
	if (!ipv6cp_is_zero(id) && !(v6->want_iid && memcmp(id, v6->res.our_iid, 8) == 0)) {
		memcpy(v6->res.peer_iid, id, 8);
		return PPP_OPT_ACK;
	}
	ipv6cp_random_iid(v6, v6->res.our_iid, sug);
	wcur_put_bytes(nak, sug, 8);
	return PPP_OPT_NAK;
}

/* IPv6-Compression-Protocol (2) and unknown options have no handler: Rejected. */
static const struct ppp_opt_handler ipv6cp_peer_opts[] = {
	{ .type = IPV6CP_OPT_IFID, .min_len = 8, .max_len = 8, .name = "Interface-Identifier",
	  .on_peer = ipv6cp_peer_iid },
};

static void ipv6cp_peer_req_begin(void *pctx)
{
	struct ipv6cp *v6 = pctx;
	memset(v6->res.peer_iid, 0, 8);
}

static void ipv6cp_build_req(void *pctx, struct wcur *w)
{
	struct ipv6cp *v6 = pctx;
	if (v6->want_iid)
		ppp_opt_put_bytes(w, IPV6CP_OPT_IFID, v6->res.our_iid, 8);
}

static void ipv6cp_on_nak_opt(void *pctx, uint8_t type, struct rcur *val)
{
	struct ipv6cp *v6 = pctx;
	uint8_t id[8];
	if (type != IPV6CP_OPT_IFID || !v6->want_iid)
		return;
	/* RFC 5072 §4.1: use the suggested identifier if acceptable (nonzero, not the peer's);
	 * otherwise choose a new one ourselves. */
	if (rcur_bytes(val, id, 8) && rcur_left(val) == 0 && !ipv6cp_is_zero(id) &&
	    memcmp(id, v6->res.peer_iid, 8) != 0)
		memcpy(v6->res.our_iid, id, 8);
	else
		ipv6cp_random_iid(v6, v6->res.peer_iid, v6->res.our_iid);
}

static void ipv6cp_on_rej_opt(void *pctx, uint8_t type, struct rcur *val)
{
	struct ipv6cp *v6 = pctx;
	(void)val;
	if (type == IPV6CP_OPT_IFID)
		v6->want_iid = false; /* we keep using ours for the link-local address */
}

static void ipv6cp_up(void *pctx, uint64_t now)
{
	struct ipv6cp *v6 = pctx;
	const uint8_t *a = v6->res.our_iid, *b = v6->res.peer_iid;
	v6->has_result = true;
	log_info("ipv6cp[%s]: up: local fe80::%02x%02x:%02x%02x:%02x%02x:%02x%02x peer "
		 "fe80::%02x%02x:%02x%02x:%02x%02x:%02x%02x",
		 v6->conn, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1], b[2], b[3],
		 b[4], b[5], b[6], b[7]);
	if (v6->ops->up)
		v6->ops->up(v6->ctx, &v6->res, now);
}

static void ipv6cp_down(void *pctx, uint64_t now)
{
	struct ipv6cp *v6 = pctx;
	if (!v6->has_result)
		return;
	v6->has_result = false;
	if (v6->ops->down)
		v6->ops->down(v6->ctx, now);
}

static void ipv6cp_finished(void *pctx, const char *why, uint64_t now)
{
	struct ipv6cp *v6 = pctx;
	log_info("ipv6cp[%s]: finished: %s", v6->conn, why);
	if (v6->ops->finished)
		v6->ops->finished(v6->ctx, why, now);
}

static const struct ppp_proto_ops ipv6cp_proto_ops = {
	.proto = PPP_PROTO_IPV6CP,
	.name = "ipv6cp",
	.peer_opts = ipv6cp_peer_opts,
	.n_peer_opts = sizeof(ipv6cp_peer_opts) / sizeof(ipv6cp_peer_opts[0]),
	.peer_req_begin = ipv6cp_peer_req_begin,
	.build_req = ipv6cp_build_req,
	.on_nak_opt = ipv6cp_on_nak_opt,
	.on_rej_opt = ipv6cp_on_rej_opt,
	.on_up = ipv6cp_up,
	.on_down = ipv6cp_down,
	.on_finished = ipv6cp_finished,
};

void ipv6cp_reset(struct ipv6cp *v6)
{
	static const uint8_t zero[8];
	memset(&v6->res, 0, sizeof(v6->res));
	v6->has_result = false;
	v6->want_iid = true;
	if (ipv6cp_is_zero(v6->cfg_iid))
		ipv6cp_random_iid(v6, zero, v6->res.our_iid);
	else
		memcpy(v6->res.our_iid, v6->cfg_iid, 8);
}

void ipv6cp_init(struct ipv6cp *v6, const uint8_t *iid, const struct ppp_fsm_timing *t,
		 const struct ipv6cp_ops *ops, void *ctx, ppp_send_fn send, void *send_ctx,
		 struct v6l_rng *rng, const char *conn)
{
	memset(v6, 0, sizeof(*v6));
	v6->ops = ops;
	v6->ctx = ctx;
	v6->rng = rng;
	v6->conn = conn ? conn : "";
	if (iid)
		memcpy(v6->cfg_iid, iid, 8);
	ppp_fsm_init(&v6->fsm, &ipv6cp_proto_ops, v6, t, send, send_ctx, v6->conn);
	ipv6cp_reset(v6);
}
