/* Fuzzes the whole PPP control plane: a link fed frames of random control protocols, timer
 * ticks, Acks of our own requests (to reach Opened, auth and the NCPs), hang-ups and lower
 * down/up; every send is checked against its buffer bounds and re-parsed. */
#include <stdint.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "ppp/ppp_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	uint8_t last_req[3][PPP_MAX_PKT];
	size_t last_len[3];
} F;

static int fz_slot(uint16_t proto)
{
	return proto == PPP_PROTO_LCP ? 0 : proto == PPP_PROTO_IPCP ? 1 :
	       proto == PPP_PROTO_IPV6CP ? 2 : -1;
}

static void fz_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	(void)ctx;
	struct ppp_cp_pkt p;
	if (len > PPP_MAX_PKT)
		__builtin_trap();
	/* everything we send must parse with its own Length */
	if (ppp_cp_parse(buf, len, &p) != PPP_OK || p.len != len)
		__builtin_trap();
	int s = fz_slot(proto);
	if (s >= 0 && buf[0] == PPP_CONF_REQ) {
		memcpy(F.last_req[s], buf, len);
		F.last_len[s] = len;
	}
}

static void fz_ack(struct ppp_link *l, int slot, uint16_t proto, uint64_t now)
{
	uint8_t b[PPP_MAX_PKT];
	if (F.last_len[slot] == 0)
		return;
	memcpy(b, F.last_req[slot], F.last_len[slot]);
	b[0] = PPP_CONF_ACK;
	ppp_link_on_packet(l, proto, b, F.last_len[slot], now);
}

static const struct ppp_link_ops fz_ops = { .send = fz_send };

static void fz_record(struct ppp_link *l, const uint8_t *d, size_t n, uint64_t *now)
{
	static const uint16_t protos[] = { PPP_PROTO_LCP, 0xc023, 0xc223, PPP_PROTO_IPCP,
					   PPP_PROTO_IPV6CP, PPP_PROTO_IPV4, 0x80fd };
	uint8_t sel = d[0];
	*now += (uint64_t)d[1] * 97;
	const uint8_t *body = d + 2;
	size_t blen = n - 2;
	switch (sel % 12) {
	case 7: ppp_link_on_timer(l, *now); break;
	case 8: fz_ack(l, 0, PPP_PROTO_LCP, *now); break;
	case 9: fz_ack(l, 1, PPP_PROTO_IPCP, *now); break;
	case 10: fz_ack(l, 2, PPP_PROTO_IPV6CP, *now); break;
	case 11:
		if (sel & 0x80)
			ppp_link_close(l, "fuzz", *now);
		else if (sel & 0x40)
			ppp_link_lower_up(l, *now);
		else
			ppp_link_lower_down(l, *now);
		break;
	default:
		ppp_link_on_packet(l, protos[sel % 12], body, blen, *now);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ppp_link link;
	struct v6l_rng rng;
	struct ppp_link_cfg cfg;
	if (size < 1)
		return 0;
	log_init("fuzz", false, LOG_LVL_ERR, 0);
	memset(&F, 0, sizeof(F));
	rng_init_seed(&rng, 1);
	ppp_link_cfg_defaults(&cfg);
	memcpy(cfg.user, "user", 5);
	memcpy(cfg.secret, "pass", 5);
	cfg.use_ipv4 = data[0] & 1;
	cfg.use_ipv6 = data[0] & 2;
	cfg.want_dns = data[0] & 4;
	ppp_link_init(&link, &cfg, &fz_ops, NULL, &rng);
	uint64_t now = 0;
	ppp_link_lower_up(&link, now);
	size_t off = 1;
	/* records: selector, time step, length, bytes */
	while (off + 3 <= size) {
		size_t n = data[off + 2];
		if (off + 3 + n > size)
			n = size - off - 3;
		uint8_t rec[260];
		rec[0] = data[off];
		rec[1] = data[off + 1];
		memcpy(rec + 2, data + off + 3, n);
		fz_record(&link, rec, n + 2, &now);
		off += 3 + n;
		uint64_t d = ppp_link_next_deadline(&link);
		if (d != V6L_NEVER && d < now)
			ppp_link_on_timer(&link, now);
	}
	ppp_link_lower_down(&link, now);
	return 0;
}
