/* PPP authentication, client ("peer") side: PAP (RFC 1334), CHAP-MD5 (RFC 1994) and
 * MS-CHAPv2 (RFC 2759), as the authenticator requests in LCP. A state machine driven by
 * received packets and a timer; the caller owns the credentials buffer. Contract shared by the
 * PPP link (ppp_link.c) and the implementations (pap.c, chap.c, mschap.c). */
#ifndef V6L_PPP_AUTH_H
#define V6L_PPP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

#define PPP_PROTO_PAP 0xc023
#define PPP_PROTO_CHAP 0xc223

enum ppp_auth_method {
	PPP_AUTH_NONE,
	PPP_AUTH_PAP,
	PPP_AUTH_CHAP_MD5,   /* LCP Auth-Protocol c223, algorithm 5 */
	PPP_AUTH_MSCHAPV2,   /* LCP Auth-Protocol c223, algorithm 0x81 */
};

enum ppp_auth_state {
	PPP_AUTH_IDLE,
	PPP_AUTH_WAIT,       /* PAP: request sent, waiting for Ack/Nak; CHAP: waiting for Challenge */
	PPP_AUTH_RESPONDED,  /* CHAP: response sent, waiting for Success/Failure */
	PPP_AUTH_DONE,
	PPP_AUTH_FAILED,
};

struct ppp_auth_ops {
	/* Sends one packet of protocol proto (PAP or CHAP): buf starts at the Code field. */
	void (*send)(void *ctx, uint16_t proto, const uint8_t *buf, size_t len);
	/* Called once when authentication ends. On failure, msg holds the authenticator's text
	 * (or a description of the timeout / bad authenticator response), printable, NUL-ended. */
	void (*on_result)(void *ctx, bool success, const char *msg);
};

struct ppp_auth {
	enum ppp_auth_method method;
	enum ppp_auth_state state;
	const struct ppp_auth_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	char user[256];
	char secret[256];      /* wiped by ppp_auth_reset */
	uint8_t id;
	unsigned n_tx;          /* transmissions of the current request (PAP) */
	uint64_t deadline_ms;   /* V6L_NEVER when no timer runs */
	unsigned restart_ms;    /* PAP retransmit interval (default 3000) */
	unsigned max_tx;        /* PAP max transmissions (default 10) */
	unsigned wait_ms;       /* overall limit waiting for the authenticator (default 30000) */
	uint64_t started_ms;
	uint8_t last_pkt[600];  /* last packet sent, for retransmission */
	size_t last_len;
	uint16_t last_proto;
	uint8_t mschap_peer_challenge[16];
	uint8_t mschap_nt_response[24];
	uint8_t mschap_auth_challenge[16];
	/* Added after the first contract: */
	const char *name;       /* connection name for log lines; borrowed, "ppp" after init */
	bool is_cred_too_long;  /* user or secret did not fit (255 bytes max): start fails */
	unsigned n_ignored;     /* malformed or unexpected packets dropped */
};

/* Prepares a for method with user/secret copied in (NULL = ""); nothing is sent yet. The caller
 * may set a->name and the restart_ms/max_tx/wait_ms defaults after this call. */
void ppp_auth_init(struct ppp_auth *a, enum ppp_auth_method m, const char *user, const char *secret,
		   const struct ppp_auth_ops *ops, void *ctx, struct v6l_rng *rng);
/* Starts authenticating (PAP sends its Authenticate-Request now; CHAP waits for a Challenge).
 * Only from IDLE; after a result, ppp_auth_reset + ppp_auth_init before starting again (the
 * secret is wiped on failure, and after a PAP success). */
void ppp_auth_start(struct ppp_auth *a, uint64_t now_ms);
/* Feeds one received PAP or CHAP packet (buf at the Code field). Malformed input is ignored. */
void ppp_auth_on_packet(struct ppp_auth *a, uint16_t proto, const uint8_t *buf, size_t len,
			uint64_t now_ms);
/* Call when now_ms >= ppp_auth_next_deadline(a). */
void ppp_auth_on_timer(struct ppp_auth *a, uint64_t now_ms);
uint64_t ppp_auth_next_deadline(const struct ppp_auth *a);
/* Wipes the secret and returns to IDLE. */
void ppp_auth_reset(struct ppp_auth *a);
const char *ppp_auth_method_name(enum ppp_auth_method m);
const char *ppp_auth_state_name(enum ppp_auth_state s);

#endif
