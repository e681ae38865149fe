/* DHCPv6 client FSM (RFC 8415 §15 retransmission, §18.2 client behaviour, §21.4 T1/T2): IDLE ->
 * SOLICIT -> REQUEST -> BOUND -> RENEW -> REBIND, CONFIRM/REBIND after a redial, INFO_REQ ->
 * INFO_BOUND for stateless, DECLINE when an address failed DAD. One IA_NA and one IA_PD (IAIDs
 * from the config). Release is sent once.
 * Reconfigure (§18.2.11) with the Reconfigure Key Authentication Protocol (§20.4) starts a Renew,
 * Rebind or Information-request from BOUND or INFO_BOUND; the Reconfigure's unicast destination
 * (§16.11) is not checked here: the glue hands over the UDP payload only. */
#include "dhcp6/dhcp6_client.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "dhcp6/dhcp6_auth.h"

#define DHCP6_LOGC LOGC_PPP /* TODO(#3): a LOGC_DHCP6 category in core/log.h */

/* RFC 8415 §15 parameters of one exchange; values from §7.6. */
struct dhcp6_rtx_param {
	uint32_t max_delay_ms; /* random initial delay 0..max before the first message */
	uint32_t irt_ms, mrt_ms, mrc, mrd_ms; /* 0 = no limit */
	uint8_t msg;
};

static const struct dhcp6_rtx_param dhcp6_rtx_table[] = {
	/* §18.2.1: SOL_MAX_DELAY 1 s, SOL_TIMEOUT 1 s, SOL_MAX_RT 3600 s (or the server's). */
	[DHCP6_CL_SOLICIT] = { .max_delay_ms = 1000, .irt_ms = 1000, .mrt_ms = 3600000,
		.msg = DHCP6_SOLICIT },
	/* §18.2.2: REQ_TIMEOUT 1 s, REQ_MAX_RT 30 s, REQ_MAX_RC 10. */
	[DHCP6_CL_REQUEST] = { .irt_ms = 1000, .mrt_ms = 30000, .mrc = 10, .msg = DHCP6_REQUEST },
	/* §18.2.3: CNF_MAX_DELAY 1 s, CNF_TIMEOUT 1 s, CNF_MAX_RT 4 s, CNF_MAX_RD 10 s. */
	[DHCP6_CL_CONFIRM] = { .max_delay_ms = 1000, .irt_ms = 1000, .mrt_ms = 4000,
		.mrd_ms = 10000, .msg = DHCP6_CONFIRM },
	/* §18.2.4: REN_TIMEOUT 10 s, REN_MAX_RT 600 s; MRD = time left until T2. */
	[DHCP6_CL_RENEW] = { .irt_ms = 10000, .mrt_ms = 600000, .msg = DHCP6_RENEW },
	/* §18.2.5: REB_TIMEOUT 10 s, REB_MAX_RT 600 s; MRD = until the valid lifetimes end. */
	[DHCP6_CL_REBIND] = { .irt_ms = 10000, .mrt_ms = 600000, .msg = DHCP6_REBIND },
	/* §18.2.6: INF_MAX_DELAY 1 s, INF_TIMEOUT 1 s, INF_MAX_RT 3600 s (or the server's). */
	[DHCP6_CL_INFO_REQ] = { .max_delay_ms = 1000, .irt_ms = 1000, .mrt_ms = 3600000,
		.msg = DHCP6_INFORMATION_REQUEST },
	/* §18.2.8: DEC_TIMEOUT 1 s, DEC_MAX_RC 4, no MRT. */
	[DHCP6_CL_DECLINE] = { .irt_ms = 1000, .mrc = 4, .msg = DHCP6_DECLINE },
};

/* §18.2.12: a Rebind after a link change uses the Confirm parameters. */
static const struct dhcp6_rtx_param dhcp6_rtx_link_rebind = {
	.max_delay_ms = 1000, .irt_ms = 1000, .mrt_ms = 4000, .mrd_ms = 10000, .msg = DHCP6_REBIND,
};

/* §7.6 REL_TIMEOUT 1 s, REL_MAX_RC 4 (RFC 3315 had 5): we send only the first transmission,
 * since the link is going down (§18.2.7 allows the client to give up). */

const char *dhcp6_client_state_name(enum dhcp6_client_state s)
{
	switch (s) {
	case DHCP6_CL_IDLE:
		return "idle";
	case DHCP6_CL_SOLICIT:
		return "solicit";
	case DHCP6_CL_REQUEST:
		return "request";
	case DHCP6_CL_BOUND:
		return "bound";
	case DHCP6_CL_RENEW:
		return "renew";
	case DHCP6_CL_REBIND:
		return "rebind";
	case DHCP6_CL_CONFIRM:
		return "confirm";
	case DHCP6_CL_INFO_REQ:
		return "info-request";
	case DHCP6_CL_INFO_BOUND:
		return "info-bound";
	case DHCP6_CL_DECLINE:
		return "decline";
	}
	return "?";
}

static const char *dhcp6_conn(const struct dhcp6_client *cl)
{
	return cl->conn ? cl->conn : "-";
}

static bool dhcp6_wants_na(const struct dhcp6_client *cl)
{
	return cl->cfg.mode == DHCP6_MODE_NA || cl->cfg.mode == DHCP6_MODE_NA_PD;
}

static bool dhcp6_wants_pd(const struct dhcp6_client *cl)
{
	return cl->cfg.mode == DHCP6_MODE_PD || cl->cfg.mode == DHCP6_MODE_NA_PD;
}

void dhcp6_client_init(struct dhcp6_client *cl, const struct dhcp6_client_cfg *cfg,
	const struct dhcp6_client_ops *ops, void *ctx, struct v6l_rng *rng, const char *conn)
{
	memset(cl, 0, sizeof(*cl));
	cl->cfg = *cfg;
	if (cl->cfg.n_extra_oro > DHCP6_MAX_EXTRA_ORO)
		cl->cfg.n_extra_oro = DHCP6_MAX_EXTRA_ORO;
	if (cl->cfg.n_user_opts > DHCP6_MAX_USER_OPTS)
		cl->cfg.n_user_opts = DHCP6_MAX_USER_OPTS;
	cl->ops = ops;
	cl->ctx = ctx;
	cl->rng = rng;
	cl->conn = conn;
	cl->state = DHCP6_CL_IDLE;
	cl->deadline_ms = V6L_NEVER;
	cl->sol_max_rt_s = 3600;
	cl->inf_max_rt_s = 3600;
}

/* ---- retransmission (§15) ---- */

/* RAND * base with RAND uniform in [-0.1, +0.1], or in (0, +0.1] when positive (§15: the first
 * Solicit's RAND MUST be strictly greater than 0). */
static int64_t dhcp6_rand_ms(struct dhcp6_client *cl, uint32_t base, bool positive)
{
	int64_t r = positive ? (int64_t)rng_below(cl->rng, 1000) + 1
			     : (int64_t)rng_below(cl->rng, 2001) - 1000;
	return r * (int64_t)base / 10000;
}

static uint32_t dhcp6_next_rt(struct dhcp6_client *cl)
{
	int64_t rt;
	if (cl->n_tx == 0) /* RT = IRT + RAND*IRT */
		rt = cl->irt_ms + dhcp6_rand_ms(cl, cl->irt_ms, cl->state == DHCP6_CL_SOLICIT);
	else /* RT = 2*RTprev + RAND*RTprev */
		rt = 2 * (int64_t)cl->rt_ms + dhcp6_rand_ms(cl, cl->rt_ms, false);
	if (cl->mrt_ms && rt > cl->mrt_ms) /* RT = MRT + RAND*MRT */
		rt = cl->mrt_ms + dhcp6_rand_ms(cl, cl->mrt_ms, false);
	return rt > 0 ? (uint32_t)rt : 1;
}

static bool dhcp6_transmit(struct dhcp6_client *cl, uint64_t now_ms);

/* Sends the next transmission of the exchange; false once MRC or MRD is used up. */
static bool dhcp6_rtx_fire(struct dhcp6_client *cl, uint64_t now_ms)
{
	if (cl->mrc && cl->n_tx >= cl->mrc)
		return false;
	if (cl->n_tx == 0)
		cl->start_ms = now_ms;
	else if (cl->mrd_ms && now_ms - cl->start_ms >= cl->mrd_ms)
		return false;
	cl->rt_ms = dhcp6_next_rt(cl);
	if (!dhcp6_transmit(cl, now_ms))
		return false;
	cl->n_tx++;
	cl->deadline_ms = now_ms + cl->rt_ms;
	if (cl->mrd_ms && cl->deadline_ms > cl->start_ms + cl->mrd_ms)
		cl->deadline_ms = cl->start_ms + cl->mrd_ms;
	return true;
}

/* Starts an exchange: a fresh transaction id, the initial delay, or the first message now. */
static void dhcp6_rtx_begin(struct dhcp6_client *cl, const struct dhcp6_rtx_param *p,
	uint32_t mrt_ms, uint32_t mrd_ms, uint64_t now_ms)
{
	cl->xid = rng_u32(cl->rng) & 0xffffff;
	cl->irt_ms = p->irt_ms;
	cl->mrt_ms = mrt_ms;
	cl->mrc = p->mrc;
	cl->mrd_ms = mrd_ms;
	cl->n_tx = 0;
	cl->rt_ms = 0;
	if (p->max_delay_ms && !cl->cfg.no_initial_delay) {
		cl->deadline_ms = now_ms + rng_below(cl->rng, p->max_delay_ms + 1);
		return;
	}
	cl->deadline_ms = now_ms;
	dhcp6_rtx_fire(cl, now_ms);
}

/* ---- building our messages ---- */

static uint64_t dhcp6_abs_ms(uint64_t now_ms, uint32_t s)
{
	return s == DHCP6_INFINITY ? V6L_NEVER : now_ms + (uint64_t)s * 1000u;
}

static uint32_t dhcp6_rel_s(uint64_t now_ms, uint64_t until_ms)
{
	if (until_ms == V6L_NEVER)
		return DHCP6_INFINITY;
	if (until_ms <= now_ms)
		return 0;
	uint64_t s = (until_ms - now_ms + 999) / 1000;
	return s >= DHCP6_INFINITY ? DHCP6_INFINITY - 1 : (uint32_t)s;
}

/* Adds an IA of ours with the held leases (lifetimes 0: §21.6, §21.22 say the server ignores
 * them, T1/T2 0 per §21.4) or, for a Solicit without any, the prefix-length hint. */
static void dhcp6_add_ia(const struct dhcp6_client *cl, struct dhcp6_msg *m, bool pd,
	const struct dhcp6_held *held, uint8_t n_held)
{
	struct dhcp6_ia *ia = &m->ia[m->n_ia++];
	ia->type = pd ? DHCP6_OPT_IA_PD : DHCP6_OPT_IA_NA;
	ia->iaid = pd ? cl->cfg.iaid_pd : cl->cfg.iaid_na;
	for (uint8_t i = 0; i < n_held && i < DHCP6_MAX_IA_ADDR; i++) {
		memcpy(ia->addrs[i].addr, held[i].it.addr, 16);
		ia->addrs[i].plen = held[i].it.plen;
	}
	ia->n_addrs = n_held;
	if (pd && n_held == 0 && cl->cfg.pd_plen_hint && m->type == DHCP6_SOLICIT) {
		ia->addrs[0].plen = cl->cfg.pd_plen_hint; /* ::/plen, §18.2.1 */
		ia->n_addrs = 1;
	}
}

/* Adds the IA of an offer from the best Advertise (Request after Solicit, §18.2.2). */
static void dhcp6_add_offered_ia(const struct dhcp6_client *cl, struct dhcp6_msg *m, bool pd)
{
	uint16_t type = pd ? DHCP6_OPT_IA_PD : DHCP6_OPT_IA_NA;
	uint32_t iaid = pd ? cl->cfg.iaid_pd : cl->cfg.iaid_na;
	for (uint8_t i = 0; i < cl->best.n_ia; i++) {
		const struct dhcp6_ia *o = &cl->best.ia[i];
		if (o->type != type || o->iaid != iaid)
			continue;
		struct dhcp6_ia *ia = &m->ia[m->n_ia++];
		*ia = *o;
		ia->t1_s = ia->t2_s = 0;
		memset(&ia->status, 0, sizeof(ia->status));
		for (uint8_t k = 0; k < ia->n_addrs; k++) {
			ia->addrs[k].preferred_s = ia->addrs[k].valid_s = 0;
			memset(&ia->addrs[k].status, 0, sizeof(ia->addrs[k].status));
		}
		return;
	}
	dhcp6_add_ia(cl, m, pd, NULL, 0);
}

static void dhcp6_add_oro(const struct dhcp6_client *cl, struct dhcp6_msg *m)
{
	m->oro[m->n_oro++] = DHCP6_OPT_DNS_SERVERS;
	m->oro[m->n_oro++] = DHCP6_OPT_DOMAIN_LIST;
	if (m->type == DHCP6_INFORMATION_REQUEST) {
		m->oro[m->n_oro++] = DHCP6_OPT_INFO_REFRESH_TIME; /* §21.23 */
		m->oro[m->n_oro++] = DHCP6_OPT_INF_MAX_RT;        /* §18.2.6 */
	} else {
		m->oro[m->n_oro++] = DHCP6_OPT_SOL_MAX_RT;        /* §18.2.1 */
	}
	for (uint8_t i = 0; i < cl->cfg.n_extra_oro && m->n_oro < DHCP6_MAX_ORO; i++)
		m->oro[m->n_oro++] = cl->cfg.extra_oro[i];
}

/* §18.2.8: a Decline carries the IA_NA with only the addresses declined. */
static void dhcp6_add_declined_ia(const struct dhcp6_client *cl, struct dhcp6_msg *m)
{
	struct dhcp6_ia *ia = &m->ia[m->n_ia++];
	ia->type = DHCP6_OPT_IA_NA;
	ia->iaid = cl->cfg.iaid_na;
	for (uint8_t i = 0; i < cl->n_declining; i++) {
		memcpy(ia->addrs[i].addr, cl->declining[i], 16);
		ia->addrs[i].plen = 128;
	}
	ia->n_addrs = cl->n_declining;
}

static void dhcp6_fill_ias(const struct dhcp6_client *cl, struct dhcp6_msg *m)
{
	if (m->type == DHCP6_DECLINE) {
		dhcp6_add_declined_ia(cl, m);
		return;
	}
	bool offered = m->type == DHCP6_REQUEST && cl->has_best;
	bool na = dhcp6_wants_na(cl), pd = dhcp6_wants_pd(cl);
	if (m->type != DHCP6_SOLICIT && m->type != DHCP6_REQUEST) {
		na = na && cl->n_addrs > 0; /* only IAs with leases to renew, confirm or release */
		pd = pd && cl->n_prefixes > 0 && m->type != DHCP6_CONFIRM; /* §18.2.3: IA_NA only */
	}
	if (na && offered)
		dhcp6_add_offered_ia(cl, m, false);
	else if (na)
		dhcp6_add_ia(cl, m, false, cl->addrs, cl->n_addrs);
	if (pd && offered)
		dhcp6_add_offered_ia(cl, m, true);
	else if (pd)
		dhcp6_add_ia(cl, m, true, cl->prefixes, cl->n_prefixes);
}

/* Builds our message of type `type` for the current exchange into *m. */
static void dhcp6_fill_msg(const struct dhcp6_client *cl, uint8_t type, uint64_t now_ms,
	struct dhcp6_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->xid = cl->xid;
	m->client_id = cl->cfg.duid;
	/* §18.2.2, §18.2.4, §18.2.7: Request, Renew and Release name the server. */
	if (type == DHCP6_REQUEST)
		m->server_id = cl->has_best ? cl->best.server_id : cl->server_id;
	else if (type == DHCP6_RENEW || type == DHCP6_RELEASE)
		m->server_id = cl->server_id;
	else if (type == DHCP6_DECLINE) /* §18.2.8; the binding may be gone by now */
		m->server_id = cl->decline_server;
	/* §18.2.11: an Information-request answering a Reconfigure names that server. */
	else if (type == DHCP6_INFORMATION_REQUEST && cl->by_reconf)
		m->server_id = cl->rkey_server;
	/* §21.9: hundredths of a second since the exchange began, 0xffff when longer. */
	uint64_t el = cl->n_tx == 0 ? 0 : (now_ms - cl->start_ms) / 10;
	m->has_elapsed = true;
	m->elapsed_cs = el > 0xffff ? 0xffff : (uint16_t)el;
	if (type != DHCP6_INFORMATION_REQUEST)
		dhcp6_fill_ias(cl, m);
	if (type != DHCP6_RELEASE && type != DHCP6_CONFIRM && type != DHCP6_DECLINE)
		dhcp6_add_oro(cl, m);
	m->rapid_commit = type == DHCP6_SOLICIT && cl->cfg.rapid_commit;
	/* §18.2.1, .2, .4, .5, .6: Reconfigure Accept when willing to accept Reconfigures (§21.20). */
	m->reconf_accept = cl->cfg.reconf_accept && type != DHCP6_RELEASE &&
			   type != DHCP6_CONFIRM && type != DHCP6_DECLINE;
	for (uint8_t i = 0; i < cl->cfg.n_user_opts; i++)
		m->raw[m->n_raw++] = cl->cfg.user_opts[i];
}

static bool dhcp6_send_msg(struct dhcp6_client *cl, uint8_t type, uint64_t now_ms)
{
	uint8_t buf[2048];
	dhcp6_fill_msg(cl, type, now_ms, &cl->tx);
	int n = dhcp6_build(&cl->tx, buf, sizeof(buf));
	if (n < 0) {
		log_warnx("dhcp6[%s]: cannot build %s", dhcp6_conn(cl), dhcp6_msg_name(type));
		return false;
	}
	log_debug(DHCP6_LOGC, "dhcp6[%s]: send %s xid 0x%06x (%d bytes)", dhcp6_conn(cl),
		dhcp6_msg_name(type), (unsigned)cl->xid, n);
	cl->ops->send(cl->ctx, buf, (size_t)n);
	return true;
}

static bool dhcp6_transmit(struct dhcp6_client *cl, uint64_t now_ms)
{
	bool link = cl->state == DHCP6_CL_REBIND && cl->after_link_change;
	const struct dhcp6_rtx_param *p = link ? &dhcp6_rtx_link_rebind : &dhcp6_rtx_table[cl->state];
	return p->msg && dhcp6_send_msg(cl, p->msg, now_ms);
}

/* ---- the binding ---- */

static uint64_t dhcp6_lease_end_ms(const struct dhcp6_client *cl, bool latest)
{
	uint64_t t = latest ? 0 : V6L_NEVER;
	for (uint8_t i = 0; i < cl->n_addrs; i++)
		t = latest ? (cl->addrs[i].valid_until_ms > t ? cl->addrs[i].valid_until_ms : t)
			   : clock_min(t, cl->addrs[i].valid_until_ms);
	for (uint8_t i = 0; i < cl->n_prefixes; i++)
		t = latest ? (cl->prefixes[i].valid_until_ms > t ? cl->prefixes[i].valid_until_ms : t)
			   : clock_min(t, cl->prefixes[i].valid_until_ms);
	return t;
}

static void dhcp6_items_out(const struct dhcp6_held *h, uint8_t n, struct dhcp6_lease_item *out,
	uint64_t now_ms)
{
	for (uint8_t i = 0; i < n; i++) {
		out[i] = h[i].it;
		out[i].preferred_s = dhcp6_rel_s(now_ms, h[i].preferred_until_ms);
		out[i].valid_s = dhcp6_rel_s(now_ms, h[i].valid_until_ms);
	}
}

static void dhcp6_report(struct dhcp6_client *cl, uint64_t now_ms, bool addrs_changed,
	bool prefixes_changed)
{
	static struct dhcp6_lease l; /* large; the FSM is single-threaded */
	memset(&l, 0, sizeof(l));
	l.server_id = cl->server_id;
	l.t1_s = cl->t1_s;
	l.t2_s = cl->t2_s;
	l.n_addrs = cl->n_addrs;
	l.n_prefixes = cl->n_prefixes;
	dhcp6_items_out(cl->addrs, cl->n_addrs, l.addrs, now_ms);
	dhcp6_items_out(cl->prefixes, cl->n_prefixes, l.prefixes, now_ms);
	l.addrs_changed = addrs_changed;
	l.prefixes_changed = prefixes_changed;
	l.info = cl->info;
	cl->ops->on_bound(cl->ctx, &l);
}

static void dhcp6_forget(struct dhcp6_client *cl)
{
	cl->has_lease = false;
	cl->n_addrs = cl->n_prefixes = 0;
	cl->t1_ms = cl->t2_ms = V6L_NEVER;
	memset(&cl->server_id, 0, sizeof(cl->server_id));
	cl->has_rkey = false; /* the key belongs to the binding (§20.4.1) */
}

static void dhcp6_lose(struct dhcp6_client *cl, const char *why)
{
	bool had = cl->has_lease;
	dhcp6_forget(cl);
	if (had) {
		log_info("dhcp6[%s]: binding lost: %s", dhcp6_conn(cl), why);
		cl->ops->on_lost(cl->ctx, why);
	}
}

/* Drops held items whose valid lifetime is over; returns whether any went. */
static bool dhcp6_expire_list(struct dhcp6_held *h, uint8_t *n, uint64_t now_ms)
{
	uint8_t k = 0;
	for (uint8_t i = 0; i < *n; i++)
		if (h[i].valid_until_ms > now_ms)
			h[k++] = h[i];
	bool gone = k != *n;
	*n = k;
	return gone;
}

/* ---- state transitions ---- */

static void dhcp6_client_enter(struct dhcp6_client *cl, enum dhcp6_client_state st,
	uint64_t now_ms, const char *why);

static uint32_t dhcp6_ms_until(uint64_t now_ms, uint64_t t)
{
	if (t == V6L_NEVER)
		return 0; /* no MRD */
	if (t <= now_ms)
		return 1;
	return t - now_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)(t - now_ms);
}

static void dhcp6_enter_exchange(struct dhcp6_client *cl, enum dhcp6_client_state st,
	uint64_t now_ms)
{
	const struct dhcp6_rtx_param *p = &dhcp6_rtx_table[st];
	uint32_t mrt = p->mrt_ms, mrd = p->mrd_ms;
	if (st == DHCP6_CL_SOLICIT)
		mrt = cl->sol_max_rt_s * 1000u;
	else if (st == DHCP6_CL_INFO_REQ && cl->has_lease)
		/* Asked by a Reconfigure while bound: no later than T1, when the Renew is due. */
		mrd = dhcp6_ms_until(now_ms, cl->t1_ms);
	if (st == DHCP6_CL_INFO_REQ)
		mrt = cl->inf_max_rt_s * 1000u;
	else if (st == DHCP6_CL_RENEW)
		mrd = dhcp6_ms_until(now_ms, cl->t2_ms);
	else if (st == DHCP6_CL_REBIND && cl->after_link_change) {
		p = &dhcp6_rtx_link_rebind;
		mrt = p->mrt_ms;
		mrd = p->mrd_ms;
	} else if (st == DHCP6_CL_REBIND)
		mrd = dhcp6_ms_until(now_ms, dhcp6_lease_end_ms(cl, true));
	dhcp6_rtx_begin(cl, p, mrt, mrd, now_ms);
}

static void dhcp6_client_enter(struct dhcp6_client *cl, enum dhcp6_client_state st,
	uint64_t now_ms, const char *why)
{
	enum dhcp6_client_state old = cl->state;
	cl->state = st;
	cl->deadline_ms = V6L_NEVER;
	if (st != DHCP6_CL_RENEW && st != DHCP6_CL_REBIND && st != DHCP6_CL_INFO_REQ)
		cl->by_reconf = false;
	log_debug(DHCP6_LOGC, "dhcp6[%s]: %s -> %s (%s)", dhcp6_conn(cl),
		dhcp6_client_state_name(old), dhcp6_client_state_name(st), why);
	switch (st) {
	case DHCP6_CL_IDLE:
		cl->has_best = false;
		break;
	case DHCP6_CL_SOLICIT:
		cl->has_best = false;
		cl->after_link_change = false;
		cl->has_rkey = false; /* a new server is chosen */
		dhcp6_enter_exchange(cl, st, now_ms);
		break;
	case DHCP6_CL_REQUEST:
	case DHCP6_CL_RENEW:
	case DHCP6_CL_REBIND:
	case DHCP6_CL_CONFIRM:
	case DHCP6_CL_INFO_REQ:
	case DHCP6_CL_DECLINE:
		dhcp6_enter_exchange(cl, st, now_ms);
		break;
	case DHCP6_CL_BOUND:
		cl->has_best = false;
		cl->after_link_change = false;
		cl->deadline_ms = now_ms >= cl->t1_ms ? cl->t2_ms : cl->t1_ms;
		if (cl->deadline_ms < now_ms)
			cl->deadline_ms = now_ms; /* T2 passed while confirming: rebind now */
		break;
	case DHCP6_CL_INFO_BOUND:
		cl->deadline_ms = dhcp6_abs_ms(now_ms, cl->info.refresh_s);
		break;
	}
}

/* ---- public events ---- */

void dhcp6_client_start(struct dhcp6_client *cl, uint64_t now_ms)
{
	if (cl->state != DHCP6_CL_IDLE)
		return;
	dhcp6_client_on_link_change(cl, now_ms);
}

void dhcp6_client_on_link_change(struct dhcp6_client *cl, uint64_t now_ms)
{
	cl->by_reconf = false; /* a new link: no Reconfigure is being answered */
	if (cl->has_lease && dhcp6_lease_end_ms(cl, false) <= now_ms)
		dhcp6_lose(cl, "valid lifetime expired while the link was down");
	if (cl->cfg.mode == DHCP6_MODE_STATELESS) {
		dhcp6_client_enter(cl, DHCP6_CL_INFO_REQ, now_ms, "link up");
	} else if (cl->has_lease && cl->n_prefixes > 0) {
		/* §18.2.12: with delegated prefixes the client MUST Rebind. */
		cl->after_link_change = true;
		dhcp6_client_enter(cl, DHCP6_CL_REBIND, now_ms, "link change, prefixes held");
	} else if (cl->has_lease) {
		/* §18.2.12: addresses only: Confirm. */
		cl->after_link_change = true;
		dhcp6_client_enter(cl, DHCP6_CL_CONFIRM, now_ms, "link change, addresses held");
	} else {
		dhcp6_client_enter(cl, DHCP6_CL_SOLICIT, now_ms, "link up");
	}
}

void dhcp6_client_stop(struct dhcp6_client *cl, uint64_t now_ms)
{
	if (cl->state != DHCP6_CL_IDLE)
		dhcp6_client_enter(cl, DHCP6_CL_IDLE, now_ms, "link down");
}

void dhcp6_client_kick(struct dhcp6_client *cl, uint64_t now_ms)
{
	bool waiting = (cl->state == DHCP6_CL_SOLICIT && !cl->has_best) ||
		       cl->state == DHCP6_CL_INFO_REQ;
	if (!waiting || cl->n_tx == 0 || cl->deadline_ms <= now_ms)
		return;
	/* §15's back-off paces retransmissions into a network that does not answer; a router's
	 * RA shows that it does now. Same transaction (xid, Elapsed Time), and the back-off
	 * starts over from IRT. */
	cl->rt_ms = cl->irt_ms + (uint32_t)dhcp6_rand_ms(cl, cl->irt_ms, true);
	if (!dhcp6_transmit(cl, now_ms))
		return;
	cl->n_tx++;
	cl->deadline_ms = now_ms + cl->rt_ms;
}

void dhcp6_client_release(struct dhcp6_client *cl, uint64_t now_ms)
{
	if (cl->has_lease && cl->server_id.len > 0) {
		/* §18.2.7: a new transaction id; sent once, the link may go down right after. */
		cl->xid = rng_u32(cl->rng) & 0xffffff;
		cl->n_tx = 0;
		dhcp6_send_msg(cl, DHCP6_RELEASE, now_ms);
	}
	dhcp6_lose(cl, "released");
	if (cl->state != DHCP6_CL_IDLE)
		dhcp6_client_enter(cl, DHCP6_CL_IDLE, now_ms, "release");
}

static int dhcp6_held_index(const struct dhcp6_held *h, uint8_t n, const uint8_t addr[16])
{
	for (uint8_t i = 0; i < n; i++)
		if (!memcmp(h[i].it.addr, addr, 16))
			return i;
	return -1;
}

void dhcp6_client_decline(struct dhcp6_client *cl, const uint8_t addr[16], uint64_t now_ms)
{
	int k = dhcp6_held_index(cl->addrs, cl->n_addrs, addr);
	if (cl->state == DHCP6_CL_IDLE || !cl->has_lease || k < 0)
		return;
	char a[INET6_ADDRSTRLEN];
	log_warnx("dhcp6[%s]: %s is in use by another node (DAD failed): declined", dhcp6_conn(cl),
		inet_ntop(AF_INET6, addr, a, sizeof(a)));
	if (cl->state != DHCP6_CL_DECLINE)
		cl->n_declining = 0;
	if (cl->n_declining < DHCP6_MAX_IA_ADDR)
		memcpy(cl->declining[cl->n_declining++], addr, 16);
	cl->n_declined++;
	cl->decline_server = cl->server_id;
	cl->addrs[k] = cl->addrs[--cl->n_addrs];
	/* §18.2.8: the client MUST NOT use the address: the host drops it now, not after the
	 * exchange. */
	if (cl->n_addrs + cl->n_prefixes > 0)
		dhcp6_report(cl, now_ms, true, false);
	else
		dhcp6_lose(cl, "the only address failed DAD");
	dhcp6_client_enter(cl, DHCP6_CL_DECLINE, now_ms, "DAD failed");
}

/* §18.2.10.1: the Decline is complete with any Reply (whatever its status) or without one after
 * DEC_MAX_RC; the IA_NA asks anew when it has no address left. */
static void dhcp6_decline_done(struct dhcp6_client *cl, uint64_t now_ms, const char *why)
{
	cl->n_declining = 0;
	if (!cl->has_lease || (dhcp6_wants_na(cl) && cl->n_addrs == 0))
		dhcp6_client_enter(cl, DHCP6_CL_SOLICIT, now_ms, why);
	else
		dhcp6_client_enter(cl, DHCP6_CL_BOUND, now_ms, why);
}

uint64_t dhcp6_client_next_deadline(const struct dhcp6_client *cl)
{
	uint64_t d = cl->state == DHCP6_CL_IDLE ? V6L_NEVER : cl->deadline_ms;
	if (cl->has_lease && cl->state != DHCP6_CL_IDLE)
		d = clock_min(d, dhcp6_lease_end_ms(cl, false));
	return d;
}

/* ---- received messages ---- */

static bool dhcp6_duid_eq(const struct dhcp6_duid *a, const struct dhcp6_duid *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static bool dhcp6_reply_expected(const struct dhcp6_client *cl)
{
	switch (cl->state) {
	case DHCP6_CL_REQUEST:
	case DHCP6_CL_RENEW:
	case DHCP6_CL_REBIND:
	case DHCP6_CL_CONFIRM:
	case DHCP6_CL_INFO_REQ:
	case DHCP6_CL_DECLINE:
		return true;
	case DHCP6_CL_SOLICIT:
		return cl->cfg.rapid_commit; /* §18.2.1: only when we asked for Rapid Commit */
	case DHCP6_CL_IDLE:
	case DHCP6_CL_BOUND:
	case DHCP6_CL_INFO_BOUND:
		return false;
	}
	return false;
}

/* Acceptance before action (STYLE §4): NULL, or why m is dropped. */
static const char *dhcp6_accept(const struct dhcp6_client *cl, const struct dhcp6_msg *m)
{
	if (m->type == DHCP6_ADVERTISE) {
		if (cl->state != DHCP6_CL_SOLICIT)
			return "Advertise outside Solicit";
	} else if (m->type == DHCP6_REPLY) {
		if (!dhcp6_reply_expected(cl))
			return "Reply not expected in this state";
	} else if (m->type == DHCP6_RECONFIGURE) {
		return "Reconfigure without its bytes: its HMAC cannot be checked";
	} else {
		return "not a message for a client";
	}
	if (cl->n_tx == 0)
		return "nothing sent yet";
	if (m->xid != cl->xid)
		return "transaction id mismatch";
	/* §16: a client MUST discard an Advertise or Reply without a Server Identifier, or whose
	 * Client Identifier is missing or not its own. */
	if (m->server_id.len == 0)
		return "no Server Identifier";
	if (!dhcp6_duid_eq(&m->client_id, &cl->cfg.duid))
		return "Client Identifier missing or not ours";
	/* §18.2.1: a Reply to a Solicit only counts with a Rapid Commit option. */
	if (cl->state == DHCP6_CL_SOLICIT && m->type == DHCP6_REPLY && !m->rapid_commit)
		return "Reply to Solicit without Rapid Commit";
	return NULL;
}

static const struct dhcp6_ia *dhcp6_find_ia(const struct dhcp6_client *cl,
	const struct dhcp6_msg *m, bool pd)
{
	uint16_t type = pd ? DHCP6_OPT_IA_PD : DHCP6_OPT_IA_NA;
	uint32_t iaid = pd ? cl->cfg.iaid_pd : cl->cfg.iaid_na;
	if (pd ? !dhcp6_wants_pd(cl) : !dhcp6_wants_na(cl))
		return NULL;
	for (uint8_t i = 0; i < m->n_ia; i++)
		if (m->ia[i].type == type && m->ia[i].iaid == iaid)
			return &m->ia[i];
	return NULL;
}

static bool dhcp6_ia_has_lease(const struct dhcp6_ia *ia)
{
	for (uint8_t i = 0; ia && i < ia->n_addrs; i++)
		if (ia->addrs[i].valid_s > 0)
			return true;
	return false;
}

static void dhcp6_take_max_rt(struct dhcp6_client *cl, const struct dhcp6_msg *m)
{
	/* §18.2.9, §21.24, §21.25: processed even from an Advertise that is otherwise ignored. */
	if (m->has_sol_max_rt) {
		cl->sol_max_rt_s = m->sol_max_rt_s;
		if (cl->state == DHCP6_CL_SOLICIT)
			cl->mrt_ms = cl->sol_max_rt_s * 1000u;
	}
	if (m->has_inf_max_rt) {
		cl->inf_max_rt_s = m->inf_max_rt_s;
		if (cl->state == DHCP6_CL_INFO_REQ)
			cl->mrt_ms = cl->inf_max_rt_s * 1000u;
	}
}

static void dhcp6_on_advertise(struct dhcp6_client *cl, const struct dhcp6_msg *m, uint64_t now_ms)
{
	dhcp6_take_max_rt(cl, m);
	int kinds = dhcp6_ia_has_lease(dhcp6_find_ia(cl, m, false)) +
		dhcp6_ia_has_lease(dhcp6_find_ia(cl, m, true));
	if (kinds == 0) {
		/* §18.2.9: MUST ignore an Advertise with no addresses and no prefixes. */
		cl->n_dropped++;
		log_debug(DHCP6_LOGC, "dhcp6[%s]: Advertise ignored: nothing offered (status %s)",
			dhcp6_conn(cl), m->status.present ? dhcp6_status_name(m->status.code) : "-");
		return;
	}
	/* §18.2.9: prefer the server offering more of what we asked for, then the highest
	 * preference (absent = 0, §21.8); the first one wins ties. */
	int score = kinds * 256 + (m->has_preference ? m->preference : 0);
	if (!cl->has_best || score > cl->best_score) {
		cl->best = *m;
		cl->best_score = score;
		cl->has_best = true;
	}
	/* §18.2.1: preference 255 is taken at once; after the first RT any Advertise is. */
	if ((m->has_preference && m->preference == 255) || cl->n_tx > 1)
		dhcp6_client_enter(cl, DHCP6_CL_REQUEST, now_ms,
			m->preference == 255 ? "Advertise with preference 255" : "Advertise");
}

static int dhcp6_held_find(const struct dhcp6_held *h, uint8_t n, const struct dhcp6_iaaddr *a)
{
	for (uint8_t i = 0; i < n; i++)
		if (h[i].it.plen == a->plen && memcmp(h[i].it.addr, a->addr, 16) == 0)
			return i;
	return -1;
}

/* §18.2.10.1: add new leases, update known ones, discard those with valid lifetime 0, and leave
 * leases the server did not mention unchanged. */
static void dhcp6_merge_ia(struct dhcp6_held *h, uint8_t *n, const struct dhcp6_ia *ia,
	uint64_t now_ms)
{
	for (uint8_t i = 0; i < ia->n_addrs; i++) {
		const struct dhcp6_iaaddr *a = &ia->addrs[i];
		int j = dhcp6_held_find(h, *n, a);
		if (a->valid_s == 0) {
			if (j >= 0)
				h[j] = h[--*n];
			continue;
		}
		if (j < 0 && *n >= DHCP6_MAX_IA_ADDR)
			continue;
		if (j < 0)
			j = (*n)++;
		memcpy(h[j].it.addr, a->addr, 16);
		h[j].it.plen = a->plen;
		h[j].it.preferred_s = a->preferred_s;
		h[j].it.valid_s = a->valid_s;
		h[j].preferred_until_ms = dhcp6_abs_ms(now_ms, a->preferred_s);
		h[j].valid_until_ms = dhcp6_abs_ms(now_ms, a->valid_s);
	}
}

static bool dhcp6_same_set(const struct dhcp6_held *a, uint8_t na, const struct dhcp6_held *b,
	uint8_t nb)
{
	if (na != nb)
		return false;
	for (uint8_t i = 0; i < na; i++) {
		struct dhcp6_iaaddr x = { .plen = a[i].it.plen };
		memcpy(x.addr, a[i].it.addr, 16);
		if (dhcp6_held_find(b, nb, &x) < 0)
			return false;
	}
	return true;
}

static uint32_t dhcp6_shortest_s(const struct dhcp6_client *cl, uint64_t now_ms, bool valid)
{
	uint32_t best = DHCP6_INFINITY;
	for (uint8_t k = 0; k < 2; k++) {
		const struct dhcp6_held *h = k ? cl->prefixes : cl->addrs;
		uint8_t n = k ? cl->n_prefixes : cl->n_addrs;
		for (uint8_t i = 0; i < n; i++) {
			uint32_t s = dhcp6_rel_s(now_ms,
				valid ? h[i].valid_until_ms : h[i].preferred_until_ms);
			if (s > 0 && s < best)
				best = s;
		}
	}
	return best;
}

/* §21.4 / §21.21: T1 and T2 of 0 leave the times to the client; RECOMMENDED are 0.5 and 0.8
 * times the shortest preferred lifetime (the shortest valid one if all are deprecated). */
static void dhcp6_set_timers(struct dhcp6_client *cl, uint32_t t1, uint32_t t2, uint64_t now_ms)
{
	uint32_t pref = dhcp6_shortest_s(cl, now_ms, false);
	if (pref == DHCP6_INFINITY)
		pref = dhcp6_shortest_s(cl, now_ms, true);
	if (t1 == 0) /* at least 1 s, so a 1 s lifetime does not renew in a tight loop */
		t1 = pref == DHCP6_INFINITY ? DHCP6_INFINITY : (pref / 2 > 1 ? pref / 2 : 1);
	if (t2 == 0)
		t2 = pref == DHCP6_INFINITY ? DHCP6_INFINITY : (uint32_t)((uint64_t)pref * 4 / 5);
	if (t2 < t1)
		t2 = t1;
	cl->t1_s = t1;
	cl->t2_s = t2;
	cl->t1_ms = dhcp6_abs_ms(now_ms, t1);
	cl->t2_ms = dhcp6_abs_ms(now_ms, t2);
}

static void dhcp6_take_info(struct dhcp6_client *cl, const struct dhcp6_msg *m)
{
	struct dhcp6_info *in = &cl->info;
	memset(in, 0, sizeof(*in));
	in->n_dns = m->n_dns;
	memcpy(in->dns, m->dns, sizeof(in->dns));
	in->n_domains = m->n_domains;
	memcpy(in->domains, m->domains, sizeof(in->domains));
	in->has_addrsel = m->has_addrsel;
	in->addrsel = m->addrsel;
	in->n_raw = m->n_raw;
	memcpy(in->raw, m->raw, sizeof(in->raw));
	/* §21.23: default IRT_DEFAULT; values below IRT_MINIMUM are raised to it. */
	in->refresh_s = DHCP6_INFO_REFRESH_DEFAULT_S;
	if (m->has_info_refresh)
		in->refresh_s = m->info_refresh_s < DHCP6_INFO_REFRESH_MIN_S ? DHCP6_INFO_REFRESH_MIN_S
									     : m->info_refresh_s;
}

/* §20.4.1: an RKAP Authentication option of type 1 in a Reply carries the Reconfigure Key. It
 * belongs to the server that sent it; a Reply from another server without one forgets it. RKAP
 * authenticates only Reconfigures, so a Reply's replay detection value is recorded, not checked
 * (§20.3: the first value from a server is taken as it is). */
static void dhcp6_take_rkey(struct dhcp6_client *cl, const struct dhcp6_msg *m)
{
	const struct dhcp6_auth *a = &m->auth;
	bool is_key = a->present && a->protocol == DHCP6_AUTH_PROTO_RKAP &&
		      a->algorithm == DHCP6_AUTH_ALG_HMAC_MD5 && a->rdm == DHCP6_AUTH_RDM_COUNTER &&
		      a->info_len == DHCP6_RKAP_INFO_LEN && a->info[0] == DHCP6_RKAP_TYPE_KEY;
	bool same = cl->has_rkey && dhcp6_duid_eq(&cl->rkey_server, &m->server_id);
	if (!cl->cfg.reconf_accept)
		return;
	if (a->present && !is_key)
		log_debug(DHCP6_LOGC, "dhcp6[%s]: Authentication option ignored: protocol %u "
			"algorithm %u RDM %u, %u octets of information", dhcp6_conn(cl), a->protocol,
			a->algorithm, a->rdm, a->info_len);
	if (!is_key) {
		if (cl->has_rkey && !same)
			cl->has_rkey = false;
		return;
	}
	if (same && memcmp(cl->rkey, a->info + 1, DHCP6_RKAP_VALUE_LEN) == 0) {
		if (a->replay > cl->rkey_replay)
			cl->rkey_replay = a->replay;
		return;
	}
	memcpy(cl->rkey, a->info + 1, DHCP6_RKAP_VALUE_LEN);
	cl->rkey_server = m->server_id;
	cl->rkey_replay = a->replay;
	cl->has_rkey = true;
	log_info("dhcp6[%s]: Reconfigure Key received: this server's Reconfigures are accepted",
		dhcp6_conn(cl));
}

struct dhcp6_reply_sum {
	uint32_t t1_s, t2_s; /* smallest non-zero of our IAs, 0 = none */
	bool no_binding;
};

static void dhcp6_apply_ia(struct dhcp6_client *cl, const struct dhcp6_ia *ia, bool pd,
	struct dhcp6_reply_sum *sum, uint64_t now_ms)
{
	if (!ia)
		return; /* §18.2.10.1: an IA left out keeps its leases */
	if (ia->status.present && ia->status.code == DHCP6_ST_NO_BINDING) {
		sum->no_binding = true; /* §18.2.10.1: reinstate it with a Request */
		return;
	}
	if (ia->status.present && ia->status.code != DHCP6_ST_SUCCESS) {
		log_info("dhcp6[%s]: %s %u: %s '%s'", dhcp6_conn(cl), pd ? "IA_PD" : "IA_NA",
			(unsigned)ia->iaid, dhcp6_status_name(ia->status.code), ia->status.msg);
		return;
	}
	if (pd)
		dhcp6_merge_ia(cl->prefixes, &cl->n_prefixes, ia, now_ms);
	else
		dhcp6_merge_ia(cl->addrs, &cl->n_addrs, ia, now_ms);
	if (ia->t1_s && (sum->t1_s == 0 || ia->t1_s < sum->t1_s))
		sum->t1_s = ia->t1_s;
	if (ia->t2_s && (sum->t2_s == 0 || ia->t2_s < sum->t2_s))
		sum->t2_s = ia->t2_s;
}

/* New or changed bindings at info level, plain renewals at debug level. */
static void dhcp6_log_bound(const struct dhcp6_client *cl, bool changed)
{
	char p[INET6_ADDRSTRLEN] = "-", line[256];
	if (cl->n_prefixes > 0)
		inet_ntop(AF_INET6, cl->prefixes[0].it.addr, p, sizeof(p));
	snprintf(line, sizeof(line), "%u address(es), %u prefix(es) (first %s/%u), T1 %u s, T2 %u s",
		cl->n_addrs, cl->n_prefixes, p, cl->n_prefixes ? cl->prefixes[0].it.plen : 0,
		(unsigned)cl->t1_s, (unsigned)cl->t2_s);
	if (changed)
		log_info("dhcp6[%s]: bound: %s", dhcp6_conn(cl), line);
	else
		log_debug(DHCP6_LOGC, "dhcp6[%s]: renewed: %s", dhcp6_conn(cl), line);
}

/* Reply to Request, Renew, Rebind, or a rapid-commit Solicit. */
static void dhcp6_on_lease_reply(struct dhcp6_client *cl, const struct dhcp6_msg *m,
	uint64_t now_ms)
{
	struct dhcp6_held old_a[DHCP6_MAX_IA_ADDR], old_p[DHCP6_MAX_IA_ADDR];
	uint8_t n_old_a = cl->n_addrs, n_old_p = cl->n_prefixes;
	memcpy(old_a, cl->addrs, sizeof(old_a));
	memcpy(old_p, cl->prefixes, sizeof(old_p));
	/* A new binding after Solicit replaces whatever was held before. */
	if (cl->state == DHCP6_CL_SOLICIT || (cl->state == DHCP6_CL_REQUEST && cl->has_best))
		cl->n_addrs = cl->n_prefixes = 0;
	struct dhcp6_reply_sum sum = { 0 };
	dhcp6_apply_ia(cl, dhcp6_find_ia(cl, m, false), false, &sum, now_ms);
	dhcp6_apply_ia(cl, dhcp6_find_ia(cl, m, true), true, &sum, now_ms);
	if (sum.no_binding && (cl->state == DHCP6_CL_RENEW || cl->state == DHCP6_CL_REBIND)) {
		cl->server_id = m->server_id;
		dhcp6_client_enter(cl, DHCP6_CL_REQUEST, now_ms, "NoBinding");
		return;
	}
	if (cl->n_addrs + cl->n_prefixes == 0) {
		log_info("dhcp6[%s]: Reply grants no address or prefix", dhcp6_conn(cl));
		cl->has_lease = true; /* so that dhcp6_lose reports what was held */
		dhcp6_lose(cl, "no address or prefix granted");
		dhcp6_client_enter(cl, DHCP6_CL_SOLICIT, now_ms, "Reply without leases");
		return;
	}
	bool had = cl->has_lease;
	cl->has_lease = true;
	cl->server_id = m->server_id;
	dhcp6_take_info(cl, m);
	dhcp6_set_timers(cl, sum.t1_s, sum.t2_s, now_ms);
	bool ach = !had || !dhcp6_same_set(old_a, n_old_a, cl->addrs, cl->n_addrs);
	bool pch = !had || !dhcp6_same_set(old_p, n_old_p, cl->prefixes, cl->n_prefixes);
	dhcp6_log_bound(cl, ach || pch);
	dhcp6_report(cl, now_ms, ach, pch);
	dhcp6_client_enter(cl, DHCP6_CL_BOUND, now_ms, dhcp6_msg_name(m->type));
}

static void dhcp6_on_reply(struct dhcp6_client *cl, const struct dhcp6_msg *m, uint64_t now_ms)
{
	uint16_t st = m->status.present ? m->status.code : DHCP6_ST_SUCCESS;
	dhcp6_take_max_rt(cl, m);
	if (cl->state == DHCP6_CL_DECLINE) { /* §18.2.10.1: whatever the status */
		log_info("dhcp6[%s]: Decline answered: %s", dhcp6_conn(cl), dhcp6_status_name(st));
		dhcp6_decline_done(cl, now_ms, "Reply to Decline");
		return;
	}
	if (st == DHCP6_ST_UNSPEC_FAIL || st == DHCP6_ST_USE_MULTICAST) {
		/* §18.2.10: UnspecFail: retry no faster than the retransmission pace. UseMulticast:
		 * we always send to ff02::1:2 already, so keep retransmitting as we are. */
		log_info("dhcp6[%s]: Reply status %s '%s': retrying", dhcp6_conn(cl),
			dhcp6_status_name(st), m->status.msg);
		return;
	}
	dhcp6_take_rkey(cl, m);
	if (cl->state == DHCP6_CL_INFO_REQ) {
		dhcp6_take_info(cl, m);
		log_info("dhcp6[%s]: information: %u DNS server(s), %u domain(s), refresh %u s",
			dhcp6_conn(cl), cl->info.n_dns, cl->info.n_domains, (unsigned)cl->info.refresh_s);
		if (cl->has_lease) {
			/* Asked by a Reconfigure while bound: the lease stays, with new information. */
			dhcp6_report(cl, now_ms, false, false);
			dhcp6_client_enter(cl, DHCP6_CL_BOUND, now_ms, "Reply");
			return;
		}
		cl->ops->on_info(cl->ctx, &cl->info);
		dhcp6_client_enter(cl, DHCP6_CL_INFO_BOUND, now_ms, "Reply");
		return;
	}
	if (st == DHCP6_ST_NOT_ON_LINK) {
		/* §18.2.10.1: the addresses are not valid on this link: start over. */
		dhcp6_lose(cl, "NotOnLink");
		dhcp6_client_enter(cl, DHCP6_CL_SOLICIT, now_ms, "NotOnLink");
		return;
	}
	if (cl->state == DHCP6_CL_CONFIRM) {
		/* §18.2.10.1: Success: the addresses are still on-link, keep using them. */
		dhcp6_client_enter(cl, DHCP6_CL_BOUND, now_ms, "Confirm Success");
		return;
	}
	dhcp6_on_lease_reply(cl, m, now_ms);
}

/* ---- Reconfigure (§18.2.11, §20.4) ---- */

/* NULL, or why the Reconfigure m (bytes buf[0..len)) is dropped. */
static const char *dhcp6_reconf_check(const struct dhcp6_client *cl, const struct dhcp6_msg *m,
	const uint8_t *buf, size_t len)
{
	uint8_t t = m->reconf_msg;
	if (!cl->cfg.reconf_accept)
		return "Reconfigures not accepted (reconfigure_accept=0)";
	/* §16.11: a Reconfigure not unicast to the client is discarded. */
	if (cl->rx_multicast)
		return "not unicast to us";
	/* §18.2.11: discarded while an exchange is in progress; only a bound client has a server. */
	if (cl->state != DHCP6_CL_BOUND && cl->state != DHCP6_CL_INFO_BOUND)
		return "not bound, or an exchange is in progress";
	/* §16.11: a Server Identifier, our Client Identifier, a Reconfigure Message option asking
	 * for Renew, Rebind or Information-request (the last without IA options), authentication. */
	if (m->server_id.len == 0)
		return "no Server Identifier";
	if (!dhcp6_duid_eq(&m->client_id, &cl->cfg.duid))
		return "Client Identifier missing or not ours";
	if (!m->has_reconf_msg)
		return "no Reconfigure Message option";
	if (t != DHCP6_RENEW && t != DHCP6_REBIND && t != DHCP6_INFORMATION_REQUEST)
		return "Reconfigure Message type not Renew, Rebind or Information-request";
	if (t == DHCP6_INFORMATION_REQUEST && m->n_ia + m->n_ia_ignored > 0)
		return "IA option in a Reconfigure for Information-request";
	if (t != DHCP6_INFORMATION_REQUEST && cl->state != DHCP6_CL_BOUND)
		return "Renew or Rebind asked of a client without a binding";
	if (!cl->has_rkey)
		return "no Reconfigure Key from a Reply";
	if (!dhcp6_duid_eq(&m->server_id, &cl->rkey_server))
		return "not from the server that sent the Reconfigure Key";
	if (!m->auth.present)
		return "no Authentication option";
	/* §20.4.3: the HMAC-MD5 of the message under the key, digest field zeroed. */
	if (!dhcp6_rkap_verify(buf, len, cl->rkey))
		return "no RKAP HMAC-MD5, or it does not match the Reconfigure Key";
	/* §20.3: RDM 0: only a value above the last one from this server is accepted. */
	if (m->auth.replay <= cl->rkey_replay)
		return "replay detection value not above the last one";
	return NULL;
}

static void dhcp6_on_reconfigure(struct dhcp6_client *cl, const struct dhcp6_msg *m,
	const uint8_t *buf, size_t len, uint64_t now_ms)
{
	const char *why = dhcp6_reconf_check(cl, m, buf, len);
	if (why) {
		cl->n_dropped++;
		cl->n_reconf_dropped++;
		log_debug(DHCP6_LOGC, "dhcp6[%s]: Reconfigure dropped in %s: %s", dhcp6_conn(cl),
			dhcp6_client_state_name(cl->state), why);
		return;
	}
	cl->rkey_replay = m->auth.replay;
	cl->n_reconf++;
	/* §18.2.11: the client SHOULD log the event; the transaction id is ignored. */
	log_info("dhcp6[%s]: Reconfigure from the server: %s", dhcp6_conn(cl),
		dhcp6_msg_name(m->reconf_msg));
	cl->by_reconf = true;
	enum dhcp6_client_state st = m->reconf_msg == DHCP6_RENEW   ? DHCP6_CL_RENEW
				     : m->reconf_msg == DHCP6_REBIND ? DHCP6_CL_REBIND
								     : DHCP6_CL_INFO_REQ;
	dhcp6_client_enter(cl, st, now_ms, "Reconfigure");
}

void dhcp6_client_on_msg(struct dhcp6_client *cl, const struct dhcp6_msg *m, uint64_t now_ms)
{
	const char *why = dhcp6_accept(cl, m);
	if (why) {
		cl->n_dropped++;
		if (m->type == DHCP6_RECONFIGURE)
			cl->n_reconf_dropped++;
		log_debug(DHCP6_LOGC, "dhcp6[%s]: %s xid 0x%06x dropped in %s: %s", dhcp6_conn(cl),
			dhcp6_msg_name(m->type), (unsigned)m->xid, dhcp6_client_state_name(cl->state),
			why);
		return;
	}
	log_debug(DHCP6_LOGC, "dhcp6[%s]: %s xid 0x%06x accepted in %s", dhcp6_conn(cl),
		dhcp6_msg_name(m->type), (unsigned)m->xid, dhcp6_client_state_name(cl->state));
	if (m->type == DHCP6_ADVERTISE)
		dhcp6_on_advertise(cl, m, now_ms);
	else
		dhcp6_on_reply(cl, m, now_ms);
}

void dhcp6_client_on_packet(struct dhcp6_client *cl, const uint8_t *buf, size_t len,
	uint64_t now_ms)
{
	dhcp6_client_on_packet_to(cl, buf, len, false, now_ms);
}

void dhcp6_client_on_packet_to(struct dhcp6_client *cl, const uint8_t *buf, size_t len,
	bool to_multicast, uint64_t now_ms)
{
	cl->rx_multicast = to_multicast;
	enum dhcp6_err e = dhcp6_parse(buf, len, &cl->rx);
	if (e != DHCP6_E_OK) {
		cl->n_dropped++;
		log_debug(DHCP6_LOGC, "dhcp6[%s]: %zu-byte message dropped: %s", dhcp6_conn(cl), len,
			dhcp6_err_str(e));
		return;
	}
	if (cl->rx.type == DHCP6_RECONFIGURE)
		dhcp6_on_reconfigure(cl, &cl->rx, buf, len, now_ms);
	else
		dhcp6_client_on_msg(cl, &cl->rx, now_ms);
}

/* ---- timers ---- */

/* Drops expired leases; returns true if the state changed (all of them went). */
static bool dhcp6_on_expiry(struct dhcp6_client *cl, uint64_t now_ms)
{
	bool a = dhcp6_expire_list(cl->addrs, &cl->n_addrs, now_ms);
	bool p = dhcp6_expire_list(cl->prefixes, &cl->n_prefixes, now_ms);
	if (cl->n_addrs + cl->n_prefixes == 0) {
		dhcp6_lose(cl, "valid lifetime expired");
		if (cl->state == DHCP6_CL_SOLICIT)
			return false;
		dhcp6_client_enter(cl, DHCP6_CL_SOLICIT, now_ms, "binding expired");
		return true;
	}
	if (a || p) {
		log_info("dhcp6[%s]: %s expired", dhcp6_conn(cl), a ? "an address" : "a prefix");
		dhcp6_report(cl, now_ms, a, p);
	}
	return false;
}

static void dhcp6_on_exchange_timeout(struct dhcp6_client *cl, uint64_t now_ms)
{
	switch (cl->state) {
	case DHCP6_CL_REQUEST: /* §18.2.2: REQ_MAX_RC used up: back to server discovery */
		dhcp6_client_enter(cl, DHCP6_CL_SOLICIT, now_ms, "no Reply to Request");
		break;
	case DHCP6_CL_RENEW: /* §18.2.4: MRD is T2 */
		dhcp6_client_enter(cl, DHCP6_CL_REBIND, now_ms, "T2");
		break;
	case DHCP6_CL_REBIND:
		if (!cl->after_link_change)
			dhcp6_lose(cl, "no Reply to Rebind");
		dhcp6_client_enter(cl, DHCP6_CL_SOLICIT, now_ms, "no Reply to Rebind");
		break;
	case DHCP6_CL_CONFIRM: /* §18.2.3: no answer: keep using the addresses */
		dhcp6_client_enter(cl, DHCP6_CL_BOUND, now_ms, "no Reply to Confirm");
		break;
	case DHCP6_CL_INFO_REQ: /* only with a lease (Reconfigure) is there an MRD: T1 */
		if (cl->has_lease)
			dhcp6_client_enter(cl, now_ms >= cl->t2_ms ? DHCP6_CL_REBIND : DHCP6_CL_RENEW,
				now_ms, "T1 during Information-request");
		break;
	case DHCP6_CL_DECLINE:
		dhcp6_decline_done(cl, now_ms, "no Reply to Decline");
		break;
	case DHCP6_CL_IDLE:
	case DHCP6_CL_SOLICIT:
	case DHCP6_CL_BOUND:
	case DHCP6_CL_INFO_BOUND:
		break; /* Solicit and Information-request never give up (no MRC, no MRD) */
	}
}

void dhcp6_client_on_timer(struct dhcp6_client *cl, uint64_t now_ms)
{
	if (cl->state == DHCP6_CL_IDLE)
		return;
	if (cl->has_lease && dhcp6_lease_end_ms(cl, false) <= now_ms && dhcp6_on_expiry(cl, now_ms))
		return;
	if (now_ms < cl->deadline_ms)
		return;
	switch (cl->state) {
	case DHCP6_CL_BOUND:
		if (now_ms >= cl->t2_ms)
			dhcp6_client_enter(cl, DHCP6_CL_REBIND, now_ms, "T2");
		else
			dhcp6_client_enter(cl, DHCP6_CL_RENEW, now_ms, "T1");
		return;
	case DHCP6_CL_INFO_BOUND:
		dhcp6_client_enter(cl, DHCP6_CL_INFO_REQ, now_ms, "information refresh time");
		return;
	case DHCP6_CL_SOLICIT:
		/* §18.2.1: after the first RT, go with the best Advertise collected. */
		if (cl->n_tx > 0 && cl->has_best) {
			dhcp6_client_enter(cl, DHCP6_CL_REQUEST, now_ms, "best Advertise");
			return;
		}
		break;
	case DHCP6_CL_IDLE:
	case DHCP6_CL_REQUEST:
	case DHCP6_CL_RENEW:
	case DHCP6_CL_REBIND:
	case DHCP6_CL_CONFIRM:
	case DHCP6_CL_INFO_REQ:
	case DHCP6_CL_DECLINE:
		break;
	}
	if (!dhcp6_rtx_fire(cl, now_ms))
		dhcp6_on_exchange_timeout(cl, now_ms);
}
