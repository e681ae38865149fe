/* Drives the PPPoE discovery FSM with arbitrary packet/timer/stop/start sequences and checks what
 * goes out through the ops table: every packet parses, PADIs are broadcast, sessions are non-zero,
 * deadlines lie in the future. Fixed rng seed, fake clock. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "pppoe/pppoe_disc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fz_macs[4][6] = {
	{ 2, 0, 0, 0, 0, 0x0a }, { 2, 0, 0, 0, 0, 0x0c }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 0, 0, 0, 0, 0, 0 },
};

static void fz_send(void *ctx, const uint8_t dst[6], const uint8_t *pkt, size_t len)
{
	static struct pppoe_disc_pkt p;
	(void)ctx;
	if (pppoe_disc_parse(pkt, len, &p) != PPPOE_E_OK)
		abort();
	bool bcast = memcmp(dst, fz_macs[2], 6) == 0;
	if ((p.code == PPPOE_CODE_PADI) != bcast)
		abort();
	if (p.code == PPPOE_CODE_PADT && p.session_id == 0)
		abort();
}

static void fz_session(void *ctx, uint16_t sid, const uint8_t ac_mac[6],
	const struct pppoe_session_info *info)
{
	(void)ctx;
	if (sid == 0 || (ac_mac[0] & 1) || strlen(info->ac_name) > PPPOE_STR_MAX)
		abort();
}

static void fz_text(void *ctx, const char *why)
{
	(void)ctx;
	if (!why || strlen(why) >= 1024)
		abort();
}

static const struct pppoe_disc_ops fz_ops = {
	.send = fz_send,
	.on_session = fz_session,
	.on_failed = fz_text,
	.on_terminated = fz_text,
};

/* Feeds one record: a discovery packet, optionally patched to carry our Host-Uniq/session. */
static void fz_packet(struct pppoe_disc *d, uint8_t op, const uint8_t *b, size_t n, uint64_t now)
{
	static struct pppoe_disc_pkt p;
	if (pppoe_disc_parse(b, n, &p) != PPPOE_E_OK)
		return;
	if (op & 0x10) {
		p.has_host_uniq = true;
		p.host_uniq_len = PPPOE_DISC_HOST_UNIQ_LEN;
		memcpy(p.host_uniq, d->host_uniq, PPPOE_DISC_HOST_UNIQ_LEN);
	}
	if ((op & 0x20) && p.code == PPPOE_CODE_PADT)
		p.session_id = d->session_id;
	pppoe_disc_on_packet(d, fz_macs[(op >> 6) & 3], &p, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pppoe_disc d;
	struct pppoe_disc_cfg cfg;
	struct v6l_rng rng;
	uint64_t now = 1000;
	if (size < 4)
		return 0;
	log_init("fuzz", false, LOG_LVL_ERR, 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.use_host_uniq = data[0] & 1;
	if (data[0] & 2)
		strcpy(cfg.service, "internet");
	if (data[0] & 4)
		strcpy(cfg.ac_filter, "ac");
	cfg.mru = (data[0] & 8) ? 1500 : 1492;
	cfg.tries = data[1] & 7;
	cfg.timeout_ms = data[2] * 10u;
	rng_init_seed(&rng, 7);
	pppoe_disc_init(&d, &cfg, &fz_ops, NULL, &rng, "fuzz");
	pppoe_disc_start(&d, now);
	size_t i = 3;
	while (i + 3 <= size) {
		uint8_t op = data[i];
		size_t n = (size_t)(data[i + 1] << 8 | data[i + 2]);
		i += 3;
		if (n > size - i)
			n = size - i;
		switch (op & 3) {
		case 0:
			fz_packet(&d, op, data + i, n, now);
			break;
		case 1:
			now += n * 10u;
			pppoe_disc_on_timer(&d, now);
			break;
		case 2:
			pppoe_disc_stop(&d, now);
			n = 0;
			break;
		default:
			pppoe_disc_start(&d, now);
			n = 0;
			break;
		}
		i += n;
		uint64_t dl = pppoe_disc_next_deadline(&d);
		bool waiting = d.state == PPPOE_DISC_PADI_SENT || d.state == PPPOE_DISC_PADR_SENT;
		if (waiting != (dl != V6L_NEVER) || (waiting && dl <= now))
			abort();
	}
	return 0;
}
