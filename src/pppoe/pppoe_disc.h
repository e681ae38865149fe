/* PPPoE client discovery state machine (RFC 2516 §5, RFC 4638 §4): PADI/PADO/PADR/PADS with
 * AC-name and service filtering, Host-Uniq, retransmission with doubling timeout, PADT both ways.
 * Pure: driven by events with `now_ms`, effects through struct pppoe_disc_ops. Re-dialling after
 * a failed discovery is the daemon's job. */
#ifndef V6L_PPPOE_DISC_H
#define V6L_PPPOE_DISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "pppoe/pppoe_codec.h"

#define PPPOE_DISC_TIMEOUT_MS_DEFAULT 2000 /* dial string to= */
#define PPPOE_DISC_TRIES_DEFAULT 3         /* dial string tr= */
#define PPPOE_DISC_TIMEOUT_MS_MAX 60000    /* cap of the doubling timeout */
#define PPPOE_DISC_MAX_CANDIDATES 8
#define PPPOE_DISC_HOST_UNIQ_LEN 8
#define PPPOE_DISC_WHY_MAX 640

enum pppoe_disc_state {
	PPPOE_DISC_IDLE,
	PPPOE_DISC_PADI_SENT, /* waiting for a PADO */
	PPPOE_DISC_PADR_SENT, /* waiting for the PADS */
	PPPOE_DISC_SESSION,
	PPPOE_DISC_FAILED,
};

struct pppoe_disc_cfg {
	char service[PPPOE_STR_MAX + 1];   /* serv=; empty = any service */
	char ac_filter[PPPOE_STR_MAX + 1]; /* ac=; substring of the AC-Name; empty = any AC */
	bool use_host_uniq;                /* h=1: random 8-byte Host-Uniq per discovery */
	uint32_t timeout_ms;               /* to=; first wait, doubled per retransmission; 0 = 2000 */
	uint32_t tries;                    /* tr=; PADIs (and, separately, PADRs) sent before giving
					    * up, the first one included; 0 = 3 */
	uint16_t mru;                      /* > 1492: request PPP-Max-Payload = mru (RFC 4638) */
};

/* What the daemon learns when the session is up. */
struct pppoe_session_info {
	const char *ac_name;  /* from the chosen PADO */
	const char *service;  /* from the PADS, else the one requested */
	uint16_t max_payload; /* PPP-Max-Payload granted in the PADS (RFC 4638), 0 if none */
};

/* One PADO seen during the last discovery, whether chosen or not (for `detect`). */
struct pppoe_disc_candidate {
	uint8_t mac[6];
	char ac_name[PPPOE_STR_MAX + 1];
	uint8_t n_services;
	char services[PPPOE_MAX_SERVICES][PPPOE_STR_MAX + 1];
	bool has_max_payload;
	uint16_t max_payload;
	bool has_error;
};

struct pppoe_disc_ops {
	/* pkt[0..len) starts at the PPPoE header; the glue adds Ethernet/VLAN and sends to dst. */
	void (*send)(void *ctx, const uint8_t dst_mac[6], const uint8_t *pkt, size_t len);
	void (*on_session)(void *ctx, uint16_t session_id, const uint8_t ac_mac[6],
		const struct pppoe_session_info *info);
	void (*on_failed)(void *ctx, const char *why);
	void (*on_terminated)(void *ctx, const char *why);
};

struct pppoe_disc {
	enum pppoe_disc_state state;
	struct pppoe_disc_cfg cfg;
	const struct pppoe_disc_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	const char *conn; /* connection name for log lines; borrowed */

	uint64_t deadline_ms;
	uint32_t wait_ms;  /* current timeout of this phase */
	uint32_t n_sent;   /* transmissions in this phase */
	uint8_t host_uniq[PPPOE_DISC_HOST_UNIQ_LEN];

	/* The chosen AC (valid from PADR_SENT on). */
	uint8_t ac_mac[6];
	char ac_name[PPPOE_STR_MAX + 1];
	char service[PPPOE_STR_MAX + 1];
	bool has_cookie;
	uint16_t cookie_len;
	uint8_t cookie[PPPOE_COOKIE_MAX];
	bool has_relay_id;
	uint8_t relay_id_len;
	uint8_t relay_id[PPPOE_RELAY_ID_MAX];
	uint16_t session_id;
	uint16_t max_payload; /* granted, 0 if none */
	uint32_t n_extra_padt; /* PADTs sent for extra PADS in this session (at most PADRs - 1) */

	char why[PPPOE_DISC_WHY_MAX]; /* last rejection or error from an AC, for the failure text */
	uint8_t n_candidates;
	struct pppoe_disc_candidate candidates[PPPOE_DISC_MAX_CANDIDATES];
	uint64_t n_ignored; /* packets not for us or not acceptable (shown by status) */
};

/* Initialises d in IDLE. cfg is copied; ops, ctx, rng and conn are borrowed for d's lifetime. */
void pppoe_disc_init(struct pppoe_disc *d, const struct pppoe_disc_cfg *cfg,
	const struct pppoe_disc_ops *ops, void *ctx, struct v6l_rng *rng, const char *conn);
/* Starts a new discovery from any state (a session is stopped first, sending a PADT): sends a
 * PADI with a fresh Host-Uniq and forgets the candidates of the last one. */
void pppoe_disc_start(struct pppoe_disc *d, uint64_t now_ms);
/* Feeds a parsed discovery packet from src_mac; packets not meant for this state are ignored. */
void pppoe_disc_on_packet(struct pppoe_disc *d, const uint8_t src_mac[6],
	const struct pppoe_disc_pkt *pkt, uint64_t now_ms);
/* The MRU of the next discovery on (cfg.mru): above 1492 the PADI and PADR ask for
 * PPP-Max-Payload = mru (RFC 4638), at or below it they do not; 0 = 1492. For the adapter's own
 * limit (its MTU - 8), found before each dial. */
void pppoe_disc_set_mru(struct pppoe_disc *d, uint16_t mru);
/* Handles the deadline: retransmits with a doubled timeout or fails. No-op before the deadline. */
void pppoe_disc_on_timer(struct pppoe_disc *d, uint64_t now_ms);
/* Returns the next deadline in ms, or V6L_NEVER. */
uint64_t pppoe_disc_next_deadline(const struct pppoe_disc *d);
/* Hangs up: sends a PADT if in SESSION, then returns to IDLE. */
void pppoe_disc_stop(struct pppoe_disc *d, uint64_t now_ms);

const char *pppoe_disc_state_name(enum pppoe_disc_state s);
/* Returns the PADOs recorded during the last discovery (borrowed) and their count in *n. */
const struct pppoe_disc_candidate *pppoe_disc_candidates(const struct pppoe_disc *d, size_t *n);

#endif
