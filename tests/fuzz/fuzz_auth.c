/* Fuzzes the PPP client authentication state machines (PAP, CHAP-MD5, MS-CHAPv2) with arbitrary
 * packet and timer sequences, checking what goes out through the ops table, plus the MS-CHAPv2
 * Failure text parser. Fixed rng seed, fake clock. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/rng.h"
#include "ppp/auth.h"
#include "ppp/auth_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	unsigned n_result;
	uint16_t proto;
};

static void fz_send(void *ctx, uint16_t proto, const uint8_t *buf, size_t len)
{
	struct fz *f = ctx;

	/* Every packet sent is complete: Length matches, protocol is the negotiated one. */
	if (len < 5 || len > 600 || (size_t)(buf[2] << 8 | buf[3]) != len || proto != f->proto)
		abort();
}

static void fz_result(void *ctx, bool success, const char *msg)
{
	struct fz *f = ctx;
	size_t i, n = strlen(msg);

	(void)success;
	if (++f->n_result > 1 || n == 0 || n >= AUTH_MSG_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (msg[i] < 0x20 || msg[i] > 0x7e)
			abort();
}

static const struct ppp_auth_ops fz_ops = { .send = fz_send, .on_result = fz_result };

static void fz_check(const struct ppp_auth *a)
{
	bool is_timed = a->state == PPP_AUTH_WAIT || a->state == PPP_AUTH_RESPONDED;

	if (is_timed != (ppp_auth_next_deadline(a) != V6L_NEVER))
		abort();
}

/* data: method selector, then records [op][len][len bytes]: op 0 PAP packet, 1 CHAP packet,
 * 2 timer after len*250 ms. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ppp_auth_method methods[] = { PPP_AUTH_PAP, PPP_AUTH_CHAP_MD5,
							PPP_AUTH_MSCHAPV2 };
	struct ppp_auth a;
	struct v6l_rng rng;
	struct fz f = { 0 };
	struct rcur c = rcur_init(data, size), rec;
	char text[AUTH_MSG_MAX];
	uint64_t now = 1000;
	uint8_t op, len;

	if (size == 0)
		return 0;
	mschap_failure_text(data, size, text, sizeof(text));
	rng_init_seed(&rng, 1);
	ppp_auth_init(&a, methods[rcur_u8(&c) % 3], "DOM\\user", "secret", &fz_ops, &f, &rng);
	f.proto = a.method == PPP_AUTH_PAP ? PPP_PROTO_PAP : PPP_PROTO_CHAP;
	a.max_tx = 4;
	ppp_auth_start(&a, now);
	fz_check(&a);
	while (rcur_left(&c) >= 2) {
		op = rcur_u8(&c);
		len = rcur_u8(&c);
		if (!rcur_sub(&c, len < rcur_left(&c) ? len : rcur_left(&c), &rec))
			break;
		if (op % 3 == 2) {
			now += (uint64_t)len * 250u;
			if (now >= ppp_auth_next_deadline(&a))
				ppp_auth_on_timer(&a, now);
		} else {
			ppp_auth_on_packet(&a, op % 3 == 0 ? PPP_PROTO_PAP : PPP_PROTO_CHAP,
					   rec.p, rcur_left(&rec), now);
		}
		fz_check(&a);
	}
	ppp_auth_reset(&a);
	if (a.secret[0] != '\0' || a.state != PPP_AUTH_IDLE)
		abort();
	return 0;
}
