/* DHCPv4 fuzzer: the input as a DHCP message (whatever parses must build and parse back to the
 * same struct, skip counter aside), as an Ethernet frame (payload bounds, then the message
 * inside), and fed to a running probe whose xid and MAC are taken from the input so the
 * acceptance paths are reached. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "dhcp4/dhcp4_codec.h"
#include "dhcp4/dhcp4_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_roundtrip(const uint8_t *data, size_t size)
{
	static struct dhcp4_msg m, m2;
	static uint8_t out[2048];
	if (dhcp4_parse(data, size, &m) != DHCP4_E_OK)
		return;
	if (m.n_routers > DHCP4_MAX_ROUTERS || m.n_dns > DHCP4_MAX_DNS || m.n_prl > DHCP4_MAX_PRL ||
		m.client_id_len > DHCP4_CLIENT_ID_MAX || m.hlen > DHCP4_CHADDR_LEN ||
		strnlen(m.domain, sizeof(m.domain)) > DHCP4_DOMAIN_MAX)
		abort();
	int n = dhcp4_build(&m, out, sizeof(out));
	if (n < DHCP4_MIN_LEN)
		abort();
	if (dhcp4_parse(out, (size_t)n, &m2) != DHCP4_E_OK)
		abort();
	m.n_skipped = m2.n_skipped = 0;
	if (memcmp(&m, &m2, sizeof(m)) != 0)
		abort();
}

static size_t fz_offers;

static void fz_send(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	if (len < DHCP4_FRAME_HDR_LEN + DHCP4_MIN_LEN || frame[0] != 0xff)
		abort();
}

static void fz_done(void *ctx, const struct dhcp4_offer *offers, size_t n)
{
	(void)ctx;
	(void)offers;
	if (n > DHCP4_PROBE_MAX_OFFERS)
		abort();
	fz_offers = n;
}

static void fz_probe(const uint8_t *data, size_t size)
{
	static const struct dhcp4_probe_ops ops = { .send = fz_send, .on_done = fz_done };
	static struct dhcp4_probe p;
	static struct v6l_rng rng;
	struct dhcp4_probe_cfg cfg = { .timeout_ms = 100, .tries = 2 };
	if (size >= 42 + 34)
		memcpy(cfg.mac, data + 42 + 28, 6);
	rng_init_seed(&rng, 1);
	dhcp4_probe_init(&p, &cfg, &ops, NULL, &rng);
	dhcp4_probe_start(&p, 0);
	if (size >= 42 + 8)
		p.xid = (uint32_t)data[46] << 24 | (uint32_t)data[47] << 16 | (uint32_t)data[48] << 8 |
			data[49];
	dhcp4_probe_on_frame(&p, data, size, true, 1);
	dhcp4_probe_on_frame(&p, data, size, false, 2);
	dhcp4_probe_on_timer(&p, 100);
	dhcp4_probe_on_timer(&p, 300);
	if (p.state != DHCP4_PROBE_DONE || fz_offers > 1)
		abort(); /* one input frame names at most one server */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	if (!quiet) {
		log_init("fuzz", false, LOG_LVL_ERR, 0);
		quiet = 1;
	}
	struct dhcp4_frame f;
	fz_roundtrip(data, size);
	for (int partial = 0; partial < 2; partial++) {
		if (dhcp4_parse_frame(data, size, partial != 0, &f) != DHCP4_E_OK)
			continue;
		if (f.payload_off + f.payload_len > size || f.payload_off < DHCP4_FRAME_HDR_LEN)
			abort();
		fz_roundtrip(data + f.payload_off, f.payload_len);
	}
	fz_probe(data, size);
	return 0;
}
