/* Drives the DHCPv6 client FSM with arbitrary message/timer/link sequences (fixed rng seed, fake
 * clock) and checks what goes out through the ops table: every sent message parses and carries
 * our DUID, leases stay within their caps, and time always moves the deadlines forward.
 * Reconfigures (op 6) can be signed with the client's own Reconfigure Key, so the accepted path
 * is reached too; a Reconfigure Accept goes out only when configured. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "dhcp6/dhcp6_auth.h"
#include "dhcp6/dhcp6_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dhcp6_client fz_cl;

static void fz_send(void *ctx, const uint8_t *buf, size_t len)
{
	static struct dhcp6_msg m;
	(void)ctx;
	if (dhcp6_parse(buf, len, &m) != DHCP6_E_OK)
		abort();
	if (m.client_id.len != fz_cl.cfg.duid.len || m.xid > 0xffffff || !m.has_elapsed)
		abort();
	if ((m.type == DHCP6_RENEW || m.type == DHCP6_REQUEST || m.type == DHCP6_RELEASE) &&
	    m.server_id.len == 0)
		abort();
	if (m.reconf_accept && !fz_cl.cfg.reconf_accept)
		abort();
	/* §18.2.11: an Information-request names a server only when a Reconfigure asked for it. */
	if (m.type == DHCP6_INFORMATION_REQUEST && m.server_id.len && !fz_cl.by_reconf)
		abort();
}

static void fz_bound(void *ctx, const struct dhcp6_lease *l)
{
	(void)ctx;
	if (l->n_addrs > DHCP6_MAX_IA_ADDR || l->n_prefixes > DHCP6_MAX_IA_ADDR)
		abort();
	if (l->n_addrs + l->n_prefixes == 0 || l->t2_s < l->t1_s)
		abort();
	for (uint8_t i = 0; i < l->n_prefixes; i++)
		if (l->prefixes[i].plen == 0 || l->prefixes[i].plen > 128 ||
		    l->prefixes[i].valid_s == 0)
			abort();
}

static void fz_lost(void *ctx, const char *why)
{
	(void)ctx;
	if (!why || !*why)
		abort();
}

static void fz_info(void *ctx, const struct dhcp6_info *in)
{
	(void)ctx;
	if (in->refresh_s < DHCP6_INFO_REFRESH_MIN_S || in->n_dns > DHCP6_MAX_DNS)
		abort();
}

static const struct dhcp6_client_ops fz_ops = {
	.send = fz_send, .on_bound = fz_bound, .on_lost = fz_lost, .on_info = fz_info,
};

/* A server message; op bit 0x10 retargets the xid, 0x20 puts our DUID in. */
static void fz_packet(uint8_t op, const uint8_t *b, size_t n, uint64_t now)
{
	static struct dhcp6_msg m;
	if (dhcp6_parse(b, n, &m) != DHCP6_E_OK) {
		dhcp6_client_on_packet(&fz_cl, b, n, now);
		return;
	}
	if (op & 0x10)
		m.xid = fz_cl.xid;
	if (op & 0x20)
		m.client_id = fz_cl.cfg.duid;
	dhcp6_client_on_msg(&fz_cl, &m, now);
}

/* A Reconfigure from the input: our DUID, the key's server (op 0x20), the type asked for and the
 * replay counter from the first octets, signed with the client's key unless op has 0x40. */
static void fz_reconf(uint8_t op, const uint8_t *b, size_t n, uint64_t now)
{
	static struct dhcp6_msg m;
	static uint8_t out[4096];
	static const uint8_t types[4] = { DHCP6_RENEW, DHCP6_REBIND, DHCP6_INFORMATION_REQUEST, 7 };
	if (n < 2 || dhcp6_parse(b + 2, n - 2, &m) != DHCP6_E_OK)
		memset(&m, 0, sizeof(m));
	m.type = DHCP6_RECONFIGURE;
	m.client_id = fz_cl.cfg.duid;
	if (op & 0x20)
		m.server_id = fz_cl.rkey_server;
	m.has_reconf_msg = n < 1 || (b[0] & 0x80) == 0;
	m.reconf_msg = types[n ? b[0] & 3 : 0];
	m.auth.present = true;
	m.auth.protocol = DHCP6_AUTH_PROTO_RKAP;
	m.auth.algorithm = DHCP6_AUTH_ALG_HMAC_MD5;
	m.auth.rdm = DHCP6_AUTH_RDM_COUNTER;
	m.auth.replay = fz_cl.rkey_replay + (n > 1 ? b[1] % 4 : 1) - 1;
	m.auth.info_len = DHCP6_RKAP_INFO_LEN;
	m.auth.info[0] = DHCP6_RKAP_TYPE_HMAC;
	int len = dhcp6_build(&m, out, sizeof(out));
	if (len < 0)
		return;
	if (!(op & 0x40) && !dhcp6_rkap_sign(out, (size_t)len, fz_cl.rkey))
		abort();
	uint32_t ok = fz_cl.n_reconf;
	enum dhcp6_client_state st = fz_cl.state;
	dhcp6_client_on_packet(&fz_cl, out, (size_t)len, now);
	/* Accepted only from BOUND/INFO_BOUND, with the key, and then an exchange runs. */
	if (fz_cl.n_reconf != ok && ((st != DHCP6_CL_BOUND && st != DHCP6_CL_INFO_BOUND) ||
				     !fz_cl.has_rkey || (op & 0x40) ||
				     (fz_cl.state != DHCP6_CL_RENEW && fz_cl.state != DHCP6_CL_REBIND &&
				      fz_cl.state != DHCP6_CL_INFO_REQ)))
		abort();
}

static void fz_advance(uint64_t *now, uint64_t by)
{
	uint64_t target = *now + by;
	for (int guard = 0;; guard++) {
		uint64_t d = dhcp6_client_next_deadline(&fz_cl);
		if (d > target)
			break;
		if (guard > 20000 || d < *now) {
			fprintf(stderr, "deadline %llu at %llu in %s after %d timers\n",
				(unsigned long long)d, (unsigned long long)*now,
				dhcp6_client_state_name(fz_cl.state), guard);
			abort();
		} /* a deadline that does not move on, or one in the past */
		*now = d;
		dhcp6_client_on_timer(&fz_cl, *now);
	}
	*now = target;
}

static void fz_init(const uint8_t *data, struct v6l_rng *rng, uint64_t now)
{
	static const uint8_t mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02 };
	struct dhcp6_client_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = (enum dhcp6_mode)(data[0] & 3);
	cfg.rapid_commit = data[0] & 4;
	cfg.no_initial_delay = data[0] & 8;
	cfg.pd_plen_hint = data[1] & 0x7f;
	cfg.reconf_accept = data[0] & 0x10;
	dhcp6_duid_ll(&cfg.duid, mac);
	cfg.iaid_na = 1;
	cfg.iaid_pd = 2;
	cfg.n_extra_oro = 1;
	cfg.extra_oro[0] = DHCP6_OPT_ADDRSEL;
	rng_init_seed(rng, 11);
	dhcp6_client_init(&fz_cl, &cfg, &fz_ops, NULL, rng, "fuzz");
	dhcp6_client_start(&fz_cl, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct v6l_rng rng;
	uint64_t now = 1000000;
	if (size < 2)
		return 0;
	log_init("fuzz", false, LOG_LVL_ERR, 0);
	fz_init(data, &rng, now);
	size_t i = 2;
	while (i + 3 <= size) {
		uint8_t op = data[i];
		size_t n = (size_t)(data[i + 1] << 8 | data[i + 2]);
		i += 3;
		if (n > size - i)
			n = size - i;
		switch (op & 7) {
		case 0:
			fz_packet(op, data + i, n, now);
			break;
		case 1:
			fz_advance(&now, (uint64_t)n * (op & 0x80 ? 100000u : 100u));
			n = 0;
			break;
		case 2:
			dhcp6_client_on_link_change(&fz_cl, now);
			n = 0;
			break;
		case 3:
			dhcp6_client_release(&fz_cl, now);
			n = 0;
			break;
		case 4:
			dhcp6_client_stop(&fz_cl, now);
			n = 0;
			break;
		case 6:
			fz_reconf(op, data + i, n, now);
			break;
		case 5:
			/* DAD failed for a held address (or, with no address, for none of ours) */
			if (fz_cl.n_addrs > 0) {
				dhcp6_client_decline(&fz_cl, fz_cl.addrs[n % fz_cl.n_addrs].it.addr, now);
				n = 0;
				break;
			}
			dhcp6_client_start(&fz_cl, now);
			n = 0;
			break;
		default:
			dhcp6_client_start(&fz_cl, now);
			n = 0;
			break;
		}
		i += n;
	}
	return 0;
}
