/* IPCP client: IP-Address (RFC 1332 §3.3) requested as 0.0.0.0 and taken from the Nak, primary
 * and secondary DNS (RFC 1877 §1.1, §1.3) the same way, dropped when Rejected. The peer's
 * IP-Address is accepted; IP-Compression-Protocol and anything else is Rejected. */
#include "ipcp.h"

#include <string.h>

#include "core/log.h"

static enum ppp_opt_verdict ipcp_peer_addr(void *pctx, struct rcur *val, struct wcur *nak)
{
	struct ipcp *ip = pctx;
	(void)nak;
	uint32_t a = rcur_u32(val);
	/* A peer asking us to assign it an address gets a Reject: we have none to give. */
	if (a == 0)
		return PPP_OPT_REJ;
	ip->res.peer = a;
	return PPP_OPT_ACK;
}

/* IP-Compression-Protocol (2), IP-Addresses (1), DNS/NBNS requests: no handler, Rejected. */
static const struct ppp_opt_handler ipcp_peer_opts[] = {
	{ .type = IPCP_OPT_ADDR, .min_len = 4, .max_len = 4, .name = "IP-Address",
	  .on_peer = ipcp_peer_addr },
};

static void ipcp_peer_req_begin(void *pctx)
{
	struct ipcp *ip = pctx;
	ip->res.peer = 0;
}

static void ipcp_build_req(void *pctx, struct wcur *w)
{
	struct ipcp *ip = pctx;
	if (ip->want_addr)
		ppp_opt_put_u32(w, IPCP_OPT_ADDR, ip->res.addr);
	if (ip->want_dns1)
		ppp_opt_put_u32(w, IPCP_OPT_DNS1, ip->res.dns1);
	if (ip->want_dns2)
		ppp_opt_put_u32(w, IPCP_OPT_DNS2, ip->res.dns2);
}

static void ipcp_on_nak_opt(void *pctx, uint8_t type, struct rcur *val)
{
	struct ipcp *ip = pctx;
	uint32_t a = rcur_u32(val);
	if (!rcur_ok(val) || rcur_left(val) != 0)
		return;
	if (type == IPCP_OPT_ADDR && ip->want_addr)
		ip->res.addr = a; /* RFC 1332 §3.3: the Nak carries the address to use */
	else if (type == IPCP_OPT_DNS1 && ip->want_dns1)
		ip->res.dns1 = a; /* RFC 1877 §1.1 */
	else if (type == IPCP_OPT_DNS2 && ip->want_dns2)
		ip->res.dns2 = a;
}

static void ipcp_on_rej_opt(void *pctx, uint8_t type, struct rcur *val)
{
	struct ipcp *ip = pctx;
	(void)val;
	if (type == IPCP_OPT_ADDR) {
		ip->want_addr = false;
	} else if (type == IPCP_OPT_DNS1) {
		ip->want_dns1 = false; /* RFC 1877: the peer has no DNS for us; stop asking */
		ip->res.dns1 = 0;
	} else if (type == IPCP_OPT_DNS2) {
		ip->want_dns2 = false;
		ip->res.dns2 = 0;
	}
}

static void ipcp_put_addr(uint8_t out[4], uint32_t a)
{
	struct wcur w = wcur_init(out, 4);
	wcur_put_u32(&w, a);
}

static void ipcp_up(void *pctx, uint64_t now)
{
	struct ipcp *ip = pctx;
	if (ip->res.addr == 0) {
		log_warnx("ipcp[%s]: peer gave us no IPv4 address", ip->conn);
		ppp_fsm_close(&ip->fsm, "no IPv4 address from peer", now);
		return;
	}
	ip->has_result = true;
	ipcp_put_addr(ip->result.local, ip->res.addr);
	ipcp_put_addr(ip->result.peer, ip->res.peer);
	ipcp_put_addr(ip->result.dns1, ip->res.dns1);
	ipcp_put_addr(ip->result.dns2, ip->res.dns2);
	log_info("ipcp[%s]: up: local %08x peer %08x dns %08x %08x", ip->conn, ip->res.addr,
		 ip->res.peer, ip->res.dns1, ip->res.dns2);
	if (ip->ops->up)
		ip->ops->up(ip->ctx, &ip->result, now);
}

static void ipcp_down(void *pctx, uint64_t now)
{
	struct ipcp *ip = pctx;
	if (!ip->has_result)
		return;
	ip->has_result = false;
	if (ip->ops->down)
		ip->ops->down(ip->ctx, now);
}

static void ipcp_finished(void *pctx, const char *why, uint64_t now)
{
	struct ipcp *ip = pctx;
	log_info("ipcp[%s]: finished: %s", ip->conn, why);
	if (ip->ops->finished)
		ip->ops->finished(ip->ctx, why, now);
}

static const struct ppp_proto_ops ipcp_proto_ops = {
	.proto = PPP_PROTO_IPCP,
	.name = "ipcp",
	.peer_opts = ipcp_peer_opts,
	.n_peer_opts = sizeof(ipcp_peer_opts) / sizeof(ipcp_peer_opts[0]),
	.peer_req_begin = ipcp_peer_req_begin,
	.build_req = ipcp_build_req,
	.on_nak_opt = ipcp_on_nak_opt,
	.on_rej_opt = ipcp_on_rej_opt,
	.on_up = ipcp_up,
	.on_down = ipcp_down,
	.on_finished = ipcp_finished,
};

void ipcp_reset(struct ipcp *ip)
{
	memset(&ip->res, 0, sizeof(ip->res));
	memset(&ip->result, 0, sizeof(ip->result));
	ip->has_result = false;
	ip->want_addr = true;
	ip->want_dns1 = ip->want_dns;
	ip->want_dns2 = ip->want_dns;
}

void ipcp_init(struct ipcp *ip, bool want_dns, const struct ppp_fsm_timing *t,
	       const struct ipcp_ops *ops, void *ctx, ppp_send_fn send, void *send_ctx,
	       const char *conn)
{
	memset(ip, 0, sizeof(*ip));
	ip->ops = ops;
	ip->ctx = ctx;
	ip->conn = conn ? conn : "";
	ip->want_dns = want_dns;
	ppp_fsm_init(&ip->fsm, &ipcp_proto_ops, ip, t, send, send_ctx, ip->conn);
	ipcp_reset(ip);
}
