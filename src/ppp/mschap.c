/* MS-CHAPv2, peer side (RFC 2759): the Response value (NT-Response over the UTF-16LE password),
 * the check of the authenticator's "S=" proof in Success, and the "E=..." Failure text.
 * Not done: password change (E=648 with C=), retry after R=1, MS-CHAPv1 (RFC 2433), MPPE keys. */
#include <stdio.h>
#include <string.h>

#include <nettle/des.h>
#include <nettle/md4.h>
#include <nettle/sha1.h>
#include <sodium.h>

#include "core/log.h"
#include "ppp/auth.h"
#include "ppp/auth_impl.h"

/* RFC 2759 §8.7 GenerateAuthenticatorResponse magic constants (ASCII, no NUL). */
static const char mschap_magic1[] = "Magic server to client signing constant";
static const char mschap_magic2[] = "Pad to make it do more than one iteration";

/* Decodes one UTF-8 sequence of p[0..n) (n > 0) into *cp; returns its length, 0 if invalid. */
static size_t mschap_utf8_next(const uint8_t *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t v, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2, v = p[0] & 0x1fu, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, v = p[0] & 0x0fu, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, v = p[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static void mschap_put16le(struct wcur *w, uint32_t unit)
{
	wcur_put_u8(w, (uint8_t)unit);
	wcur_put_u8(w, (uint8_t)(unit >> 8));
}

/* RFC 2759 §8.3: the password as Unicode (UTF-16LE). UTF-8 input is decoded; a byte that is not
 * valid UTF-8 stands for itself (Latin-1), as pppd's byte-wise conversion would do. */
static bool mschap_utf16le(const char *pw, struct wcur *w)
{
	const uint8_t *p = (const uint8_t *)pw;
	size_t n = strlen(pw), i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = mschap_utf8_next(p + i, n - i, &cp);
		if (len == 0) {
			cp = p[i];
			len = 1;
		}
		i += len;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			mschap_put16le(w, 0xd800 | cp >> 10);
			mschap_put16le(w, 0xdc00 | (cp & 0x3ff));
		} else {
			mschap_put16le(w, cp);
		}
	}
	return wcur_ok(w);
}

bool mschap_nt_password_hash(const char *password, uint8_t out[16])
{
	uint8_t uni[2 * 256 + 4];
	struct wcur w = wcur_init(uni, sizeof(uni));
	struct md4_ctx ctx;
	bool ok = mschap_utf16le(password, &w);

	md4_init(&ctx);
	md4_update(&ctx, w.len, uni);
	md4_digest(&ctx, 16, out);
	sodium_memzero(uni, sizeof(uni));
	sodium_memzero(&ctx, sizeof(ctx));
	return ok;
}

void mschap_hash_nt_password_hash(const uint8_t hash[16], uint8_t out[16])
{
	struct md4_ctx ctx;

	md4_init(&ctx);
	md4_update(&ctx, 16, hash);
	md4_digest(&ctx, 16, out);
	sodium_memzero(&ctx, sizeof(ctx));
}

void mschap_challenge_hash(const uint8_t peer_chal[16], const uint8_t auth_chal[16],
			   const char *user, uint8_t out[8])
{
	/* RFC 2759 §4: "DOMAIN\user" hashes as "user" only. */
	const char *bare = strrchr(user, '\\');
	struct sha1_ctx ctx;

	bare = bare != NULL ? bare + 1 : user;
	sha1_init(&ctx);
	sha1_update(&ctx, 16, peer_chal);
	sha1_update(&ctx, 16, auth_chal);
	sha1_update(&ctx, strlen(bare), (const uint8_t *)bare);
	sha1_digest(&ctx, 8, out);
}

/* RFC 2759 §8.6 DesEncrypt: the 7-octet key is spread over 8 octets (7 bits each, the low bit
 * for parity, RFC 2433 §A.8 MakeKey). Weak keys are not refused: the RFC defines no exception. */
static void mschap_des(const uint8_t k[7], const uint8_t clear[8], uint8_t cypher[8])
{
	uint8_t key[8];
	struct des_ctx ctx;
	unsigned i;

	key[0] = k[0];
	for (i = 1; i < 7; i++)
		key[i] = (uint8_t)(k[i - 1] << (8 - i) | k[i] >> i);
	key[7] = (uint8_t)(k[6] << 1);
	for (i = 0; i < 8; i++)
		key[i] &= 0xfe;
	des_fix_parity(8, key, key);
	(void)des_set_key(&ctx, key); /* returns 0 for weak keys; the schedule is still set */
	des_encrypt(&ctx, 8, cypher, clear);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&ctx, sizeof(ctx));
}

void mschap_challenge_response(const uint8_t chal[8], const uint8_t pw_hash[16], uint8_t out[24])
{
	uint8_t z[21] = { 0 };

	/* RFC 2759 §8.5: the hash zero-padded to 21 octets, three DES keys. */
	memcpy(z, pw_hash, 16);
	mschap_des(z, chal, out);
	mschap_des(z + 7, chal, out + 8);
	mschap_des(z + 14, chal, out + 16);
	sodium_memzero(z, sizeof(z));
}

void mschap_generate_nt_response(const uint8_t auth_chal[16], const uint8_t peer_chal[16],
				 const char *user, const char *password, uint8_t out[24])
{
	uint8_t chal[8], pw_hash[16];

	mschap_challenge_hash(peer_chal, auth_chal, user, chal);
	(void)mschap_nt_password_hash(password, pw_hash);
	mschap_challenge_response(chal, pw_hash, out);
	sodium_memzero(pw_hash, sizeof(pw_hash));
}

void mschap_auth_response(const char *password, const uint8_t nt_resp[24],
			  const uint8_t peer_chal[16], const uint8_t auth_chal[16], const char *user,
			  uint8_t out[MSCHAP_AUTH_RESP_LEN])
{
	uint8_t pw_hash[16], hash_hash[16], digest[20], chal[8];
	struct sha1_ctx ctx;

	(void)mschap_nt_password_hash(password, pw_hash);
	mschap_hash_nt_password_hash(pw_hash, hash_hash);
	sha1_init(&ctx);
	sha1_update(&ctx, 16, hash_hash);
	sha1_update(&ctx, 24, nt_resp);
	sha1_update(&ctx, sizeof(mschap_magic1) - 1, (const uint8_t *)mschap_magic1);
	sha1_digest(&ctx, 20, digest);
	mschap_challenge_hash(peer_chal, auth_chal, user, chal);
	sha1_init(&ctx);
	sha1_update(&ctx, 20, digest);
	sha1_update(&ctx, 8, chal);
	sha1_update(&ctx, sizeof(mschap_magic2) - 1, (const uint8_t *)mschap_magic2);
	sha1_digest(&ctx, MSCHAP_AUTH_RESP_LEN, out);
	sodium_memzero(pw_hash, sizeof(pw_hash));
	sodium_memzero(hash_hash, sizeof(hash_hash));
	sodium_memzero(digest, sizeof(digest));
	sodium_memzero(&ctx, sizeof(ctx));
}

bool mschap_make_value(struct ppp_auth *a, uint8_t id, struct rcur *c,
		       uint8_t out[MSCHAP_VALUE_LEN])
{
	uint8_t auth_chal[MSCHAP_CHAL_LEN];
	struct wcur w = wcur_init(out, MSCHAP_VALUE_LEN);
	bool is_retx;

	if (rcur_left(c) != MSCHAP_CHAL_LEN)
		return false;
	rcur_bytes(c, auth_chal, sizeof(auth_chal));
	/* The authenticator repeating its Challenge (same Identifier and value) gets the same
	 * Response, so whichever copy it checks matches the Success we will verify. */
	is_retx = a->state == PPP_AUTH_RESPONDED && id == a->id &&
		  memcmp(auth_chal, a->mschap_auth_challenge, sizeof(auth_chal)) == 0;
	if (!is_retx)
		rng_bytes(a->rng, a->mschap_peer_challenge, sizeof(a->mschap_peer_challenge));
	memcpy(a->mschap_auth_challenge, auth_chal, sizeof(auth_chal));
	mschap_generate_nt_response(auth_chal, a->mschap_peer_challenge, a->user, a->secret,
				    a->mschap_nt_response);
	/* RFC 2759 §4: Peer-Challenge, 8 reserved zero octets, NT-Response, Flags 0. */
	wcur_put_bytes(&w, a->mschap_peer_challenge, sizeof(a->mschap_peer_challenge));
	wcur_put_zero(&w, 8);
	wcur_put_bytes(&w, a->mschap_nt_response, sizeof(a->mschap_nt_response));
	wcur_put_u8(&w, 0);
	return wcur_ok(&w);
}

static int mschap_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses "S=" and 40 hex digits at p[0..n) (RFC 2759 §5). */
static bool mschap_parse_s(const uint8_t *p, size_t n, uint8_t out[MSCHAP_AUTH_RESP_LEN])
{
	size_t i;
	int hi, lo;

	if (n < 2 + 2 * MSCHAP_AUTH_RESP_LEN || p[0] != 'S' || p[1] != '=')
		return false;
	for (i = 0; i < MSCHAP_AUTH_RESP_LEN; i++) {
		hi = mschap_hexval(p[2 + 2 * i]);
		lo = mschap_hexval(p[3 + 2 * i]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

void mschap_on_success(struct ppp_auth *a, struct rcur *msg, uint64_t now_ms)
{
	size_t n = rcur_left(msg), off = 2 + 2 * MSCHAP_AUTH_RESP_LEN;
	const uint8_t *p = n > 0 ? rcur_ptr(msg, n) : NULL;
	uint8_t want[MSCHAP_AUTH_RESP_LEN], got[MSCHAP_AUTH_RESP_LEN];
	char text[AUTH_MSG_MAX];
	struct rcur rest;
	bool ok;

	mschap_auth_response(a->secret, a->mschap_nt_response, a->mschap_peer_challenge,
			     a->mschap_auth_challenge, a->user, want);
	ok = p != NULL && mschap_parse_s(p, n, got) && sodium_memcmp(got, want, sizeof(want)) == 0;
	sodium_memzero(want, sizeof(want));
	/* RFC 2759 §5: if the authenticator response is not valid, the peer MUST end the link. */
	if (!ok) {
		auth_finish(a, false, "authenticator response mismatch: server could not prove it "
			    "knows the password", now_ms);
		return;
	}
	/* "S=<auth_string> M=<message>"; some authenticators send the S= part only. */
	while (off < n && p[off] == ' ')
		off++;
	if (off + 2 <= n && p[off] == 'M' && p[off + 1] == '=')
		off += 2;
	rest = off < n ? rcur_init(p + off, n - off) : rcur_init(p, 0);
	auth_text(text, sizeof(text), &rest);
	auth_finish(a, true, text[0] != '\0' ? text : "MS-CHAPv2 Success", now_ms);
}

/* RFC 2759 §6 error codes, in words. */
static const char *mschap_error_name(long code)
{
	switch (code) {
	case 646:
		return "restricted logon hours";
	case 647:
		return "account disabled";
	case 648:
		return "password expired";
	case 649:
		return "no dial-in permission";
	case 691:
		return "authentication failure";
	case 709:
		return "error changing password";
	default:
		return "unknown error";
	}
}

/* Up to 10 decimal digits, the whole of p[0..n); -1 otherwise. */
static long mschap_decimal(const uint8_t *p, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

void mschap_failure_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t i = 0, end, m_off = n;
	long code = -1;
	char msg[AUTH_MSG_MAX];
	struct rcur m;

	/* "E=eeeeeeeeee R=r C=cccc V=vvvvvvvvvv M=<msg>": M= takes the rest, spaces included. */
	while (i < n) {
		for (end = i; end < n && p[end] != ' ';)
			end++;
		if (end - i >= 2 && p[i] == 'M' && p[i + 1] == '=') {
			m_off = i + 2;
			break;
		}
		if (end - i >= 2 && p[i] == 'E' && p[i + 1] == '=')
			code = mschap_decimal(p + i + 2, end - i - 2);
		i = end + 1;
	}
	m = m_off < n ? rcur_init(p + m_off, n - m_off) : rcur_init(p, 0);
	auth_text(msg, sizeof(msg), &m);
	if (code < 0)
		snprintf(out, cap, "%s", msg[0] != '\0' ? msg : "MS-CHAPv2 Failure");
	else
		snprintf(out, cap, "%s (E=%ld)%s%s", mschap_error_name(code), code,
			 msg[0] != '\0' ? ": " : "", msg);
}

void mschap_on_failure(struct ppp_auth *a, struct rcur *msg, uint64_t now_ms)
{
	size_t n = rcur_left(msg);
	const uint8_t *p = n > 0 ? rcur_ptr(msg, n) : NULL;
	char text[AUTH_MSG_MAX];

	if (p != NULL)
		mschap_failure_text(p, n, text, sizeof(text));
	else
		snprintf(text, sizeof(text), "MS-CHAPv2 Failure");
	auth_finish(a, false, text, now_ms);
}
