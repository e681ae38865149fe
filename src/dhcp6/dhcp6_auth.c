/* RFC 8415 §20.4 Reconfigure Key Authentication Protocol: HMAC-MD5 (RFC 2104) over a whole
 * DHCPv6 message whose digest field counts as zero, with nettle's HMAC and constant-time compare.
 * Which option holds the digest comes from dhcp6_auth_locate (the codec), so the parser and the
 * check always look at the same Authentication option. */
#include "dhcp6/dhcp6_auth.h"

#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <string.h>

#include "core/cur.h"

bool dhcp6_rkap_hmac(const uint8_t *buf, size_t len, size_t digest_off,
	const uint8_t key[DHCP6_RKAP_VALUE_LEN], uint8_t out[DHCP6_RKAP_VALUE_LEN])
{
	static const uint8_t zero[DHCP6_RKAP_VALUE_LEN];
	struct hmac_md5_ctx ctx;
	if (digest_off > len || len - digest_off < DHCP6_RKAP_VALUE_LEN)
		return false;
	hmac_md5_set_key(&ctx, DHCP6_RKAP_VALUE_LEN, key);
	hmac_md5_update(&ctx, digest_off, buf);
	hmac_md5_update(&ctx, DHCP6_RKAP_VALUE_LEN, zero);
	hmac_md5_update(&ctx, len - digest_off - DHCP6_RKAP_VALUE_LEN,
		buf + digest_off + DHCP6_RKAP_VALUE_LEN);
	hmac_md5_digest(&ctx, DHCP6_RKAP_VALUE_LEN, out);
	return true;
}

/* Offset of the digest of buf's RKAP HMAC-MD5 Authentication option, or 0 (it never starts the
 * message). §20.4: protocol 3, algorithm 1, RDM 0; the information is type 2 + 16 octets. */
static size_t dhcp6_rkap_digest_off(const uint8_t *buf, size_t len)
{
	size_t info;
	if (!dhcp6_auth_locate(buf, len, &info))
		return 0;
	/* From the option's length field (the value starts DHCP6_AUTH_HDR_LEN before info). */
	size_t at = info - DHCP6_AUTH_HDR_LEN - 2;
	struct rcur c = rcur_init(buf + at, len - at);
	uint16_t olen = rcur_u16(&c);
	uint8_t proto = rcur_u8(&c), alg = rcur_u8(&c), rdm = rcur_u8(&c);
	rcur_skip(&c, 8); /* replay detection: the FSM's business (§20.3) */
	uint8_t type = rcur_u8(&c);
	bool ok = rcur_ok(&c) && olen == DHCP6_AUTH_HDR_LEN + DHCP6_RKAP_INFO_LEN &&
		  proto == DHCP6_AUTH_PROTO_RKAP && alg == DHCP6_AUTH_ALG_HMAC_MD5 &&
		  rdm == DHCP6_AUTH_RDM_COUNTER && type == DHCP6_RKAP_TYPE_HMAC;
	return ok ? info + 1 : 0;
}

bool dhcp6_rkap_verify(const uint8_t *buf, size_t len, const uint8_t key[DHCP6_RKAP_VALUE_LEN])
{
	uint8_t want[DHCP6_RKAP_VALUE_LEN];
	size_t off = dhcp6_rkap_digest_off(buf, len);
	if (off == 0 || !dhcp6_rkap_hmac(buf, len, off, key, want))
		return false;
	return memeql_sec(want, buf + off, DHCP6_RKAP_VALUE_LEN) != 0;
}

bool dhcp6_rkap_sign(uint8_t *buf, size_t len, const uint8_t key[DHCP6_RKAP_VALUE_LEN])
{
	uint8_t d[DHCP6_RKAP_VALUE_LEN];
	size_t off = dhcp6_rkap_digest_off(buf, len);
	if (off == 0 || !dhcp6_rkap_hmac(buf, len, off, key, d))
		return false;
	memcpy(buf + off, d, sizeof(d));
	return true;
}
