/* DHCPv4 detection probe (RFC 2131 §4.4.1, first half only): broadcasts DHCPDISCOVER, retransmits
 * with a doubling timeout, collects every matching DHCPOFFER and reports them when the last wait
 * ends. It never sends DHCPREQUEST, so no lease is taken. Pure: events carry now_ms, effects go
 * through struct dhcp4_probe_ops; the daemon owns the AF_PACKET socket. */
#ifndef V6L_DHCP4_PROBE_H
#define V6L_DHCP4_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "dhcp4/dhcp4_codec.h"

#define DHCP4_PROBE_MAX_OFFERS 4
#define DHCP4_PROBE_TIMEOUT_MS_DEFAULT 2000 /* to= default, as for PPPoE discovery */
#define DHCP4_PROBE_TRIES_DEFAULT 3         /* tr= default */
#define DHCP4_PROBE_TIMEOUT_MS_MAX 60000    /* cap of the doubling timeout */
#define DHCP4_PROBE_FRAME_MAX 1024

enum dhcp4_probe_state {
	DHCP4_PROBE_IDLE,
	DHCP4_PROBE_SELECTING, /* DISCOVER sent, collecting OFFERs */
	DHCP4_PROBE_DONE,      /* on_done called */
};

struct dhcp4_probe_cfg {
	uint8_t mac[6];      /* the adapter's address: chaddr, client id and frame source */
	uint32_t timeout_ms; /* to=; first wait, doubled per retransmission; 0 = 2000 */
	uint32_t tries;      /* tr=; DISCOVERs sent in all; 0 = 3 */
	const char *name;    /* for logs: the adapter; may be NULL */
};

/* One answering server, as offered. Addresses in wire byte order. */
struct dhcp4_offer {
	uint8_t server_id[4];  /* option 54 (RFC 2131 Table 3: MUST in an OFFER) */
	uint8_t server_mac[6]; /* Ethernet source of the OFFER */
	uint8_t yiaddr[4];     /* the offered address */
	bool has_subnet_mask, has_lease_time;
	uint8_t subnet_mask[4];
	uint32_t lease_time_s;
	uint8_t n_routers, n_dns;
	uint8_t routers[DHCP4_MAX_ROUTERS][4];
	uint8_t dns[DHCP4_MAX_DNS][4];
	char domain[DHCP4_DOMAIN_MAX + 1];
};

struct dhcp4_probe_ops {
	/* Sends a whole Ethernet frame (borrowed for the call). */
	void (*send)(void *ctx, const uint8_t *frame, size_t len);
	/* The probe is over: every distinct server that offered, in order of first answer (may be
	 * 0). offers is borrowed for the call. */
	void (*on_done)(void *ctx, const struct dhcp4_offer *offers, size_t n);
};

struct dhcp4_probe_stats {
	uint32_t sent, offers, dropped_parse, dropped_match, dropped_full;
};

struct dhcp4_probe {
	enum dhcp4_probe_state state;
	struct dhcp4_probe_cfg cfg;
	const struct dhcp4_probe_ops *ops;
	void *ctx;
	struct v6l_rng *rng;
	uint32_t xid;
	uint32_t n_sent;
	uint32_t wait_ms;   /* current wait */
	uint64_t start_ms, deadline_ms;
	size_t n_offers;
	struct dhcp4_offer offers[DHCP4_PROBE_MAX_OFFERS];
	struct dhcp4_probe_stats stats;
};

const char *dhcp4_probe_state_name(enum dhcp4_probe_state s);
/* Sets up an idle probe; cfg, ops, ctx and rng are kept (rng and ctx borrowed). */
void dhcp4_probe_init(struct dhcp4_probe *p, const struct dhcp4_probe_cfg *cfg,
	const struct dhcp4_probe_ops *ops, void *ctx, struct v6l_rng *rng);
/* Picks a new xid, sends the first DISCOVER and starts the first wait. Restarts a finished or
 * running probe from scratch. */
void dhcp4_probe_start(struct dhcp4_probe *p, uint64_t now_ms);
/* Stops without calling on_done. */
void dhcp4_probe_stop(struct dhcp4_probe *p, uint64_t now_ms);
/* A received Ethernet frame (any; the probe filters). csum_partial as for dhcp4_parse_frame. */
void dhcp4_probe_on_frame(struct dhcp4_probe *p, const uint8_t *frame, size_t len,
	bool csum_partial, uint64_t now_ms);
/* Handles the deadline: retransmits with a doubled wait or finishes. No-op before the deadline. */
void dhcp4_probe_on_timer(struct dhcp4_probe *p, uint64_t now_ms);
/* The next deadline, or V6L_NEVER when idle or done. */
uint64_t dhcp4_probe_next_deadline(const struct dhcp4_probe *p);

#endif
