/* Private interface between auth.c (shared state machine parts) and the method files pap.c,
 * chap.c and mschap.c: packet codes, the common header codec, and the MS-CHAPv2 primitives of
 * RFC 2759 §8 (exposed for the test vectors of RFC 2759 §9.2). Not for use outside src/ppp. */
#ifndef V6L_PPP_AUTH_IMPL_H
#define V6L_PPP_AUTH_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cur.h"
#include "ppp/auth.h"

/* RFC 1334 §2.2 PAP codes. */
enum pap_code { PAP_AUTH_REQ = 1, PAP_AUTH_ACK = 2, PAP_AUTH_NAK = 3 };
/* RFC 1994 §4 CHAP codes. */
enum chap_code { CHAP_CHALLENGE = 1, CHAP_RESPONSE = 2, CHAP_SUCCESS = 3, CHAP_FAILURE = 4 };

#define AUTH_RESTART_MS 3000u
#define AUTH_MAX_TX 10u
#define AUTH_WAIT_MS 30000u
/* Longest text handed to on_result (printable ASCII, NUL included). */
#define AUTH_MSG_MAX 256u

#define CHAP_MD5_LEN 16u
#define MSCHAP_CHAL_LEN 16u  /* RFC 2759 §4: Challenge Value-Size 16 */
#define MSCHAP_VALUE_LEN 49u /* RFC 2759 §4: Response Value-Size 49 */
#define MSCHAP_NT_RESP_LEN 24u
#define MSCHAP_AUTH_RESP_LEN 20u

enum auth_err {
	AUTH_OK,
	AUTH_E_SHORT,   /* buffer shorter than the header or its Length field */
	AUTH_E_LEN,     /* Length field below the 4-octet header */
	AUTH_E_FIELD,   /* an inner length (Msg-Length, Value-Size) does not fit */
};
const char *auth_err_str(enum auth_err e);

/* A PAP or CHAP header; body borrows the packet and ends at the Length field. */
struct auth_hdr {
	uint8_t code, id;
	struct rcur body;
};
/* Parses Code, Identifier, Length (RFC 1334 §2.2, RFC 1994 §4); octets past Length are padding. */
enum auth_err auth_parse_hdr(const uint8_t *buf, size_t len, struct auth_hdr *h);
/* Copies the rest of c into out (cap > 0) as printable ASCII, others as '?', NUL-ended. */
void auth_text(char *out, size_t cap, struct rcur *c);

/* Shared state machine parts (auth.c). */
void auth_enter(struct ppp_auth *a, enum ppp_auth_state s, uint64_t now_ms, const char *why);
/* Ends authentication and calls on_result last (the callback may reset a). */
void auth_finish(struct ppp_auth *a, bool success, const char *msg, uint64_t now_ms);
/* Sends last_pkt[0..last_len) with protocol last_proto and counts it in n_tx. */
void auth_send_last(struct ppp_auth *a);
/* Counts and debug-logs a dropped packet. */
void auth_drop(struct ppp_auth *a, const char *what, const char *why);

/* PAP (pap.c). */
/* Builds an Authenticate-Request into buf; returns its length or -1 (names over 255 bytes). */
int pap_build_request(uint8_t *buf, size_t cap, uint8_t id, const char *user, const char *pw);
void pap_start(struct ppp_auth *a, uint64_t now_ms);
void pap_on_packet(struct ppp_auth *a, const uint8_t *buf, size_t len, uint64_t now_ms);
void pap_on_timer(struct ppp_auth *a, uint64_t now_ms);

/* CHAP, both algorithms (chap.c). */
/* RFC 1994 §4.1: out = MD5(id || secret || challenge). */
void chap_md5_value(uint8_t out[CHAP_MD5_LEN], uint8_t id, const char *secret,
		    const uint8_t *chal, size_t chal_len);
/* Builds a Response (Value-Size, Value, Name); returns its length or -1. */
int chap_build_response(uint8_t *buf, size_t cap, uint8_t id, const uint8_t *val, size_t val_len,
			const char *name);
void chap_on_packet(struct ppp_auth *a, const uint8_t *buf, size_t len, uint64_t now_ms);

/* MS-CHAPv2 (mschap.c), RFC 2759 §8 names. password is UTF-8 (ASCII), NUL-ended. */
bool mschap_nt_password_hash(const char *password, uint8_t out[16]);
void mschap_hash_nt_password_hash(const uint8_t hash[16], uint8_t out[16]);
/* user may carry a "DOMAIN\" prefix: it is stripped (RFC 2759 §4). */
void mschap_challenge_hash(const uint8_t peer_chal[16], const uint8_t auth_chal[16],
			   const char *user, uint8_t out[8]);
void mschap_challenge_response(const uint8_t chal[8], const uint8_t pw_hash[16], uint8_t out[24]);
void mschap_generate_nt_response(const uint8_t auth_chal[16], const uint8_t peer_chal[16],
				 const char *user, const char *password, uint8_t out[24]);
/* The 20 octets behind "S=" (GenerateAuthenticatorResponse, RFC 2759 §8.7). */
void mschap_auth_response(const char *password, const uint8_t nt_resp[24],
			  const uint8_t peer_chal[16], const uint8_t auth_chal[16], const char *user,
			  uint8_t out[MSCHAP_AUTH_RESP_LEN]);
/* Fills out with the Response Value for a 16-octet challenge c; false if c has another size. */
bool mschap_make_value(struct ppp_auth *a, uint8_t id, struct rcur *c,
		       uint8_t out[MSCHAP_VALUE_LEN]);
/* Handles an accepted Success (checks S=) or Failure (E=...) message; calls auth_finish. */
void mschap_on_success(struct ppp_auth *a, struct rcur *msg, uint64_t now_ms);
void mschap_on_failure(struct ppp_auth *a, struct rcur *msg, uint64_t now_ms);
/* Describes a Failure message "E=691 R=0 C=.. V=3 M=text" in words into out. */
void mschap_failure_text(const uint8_t *p, size_t n, char *out, size_t cap);

#endif
