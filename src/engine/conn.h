/* One connection: its policy (conn_fsm), the mode that carries it (dial-up with mixed as its
 * IPv4 variant, or router; see conn_mode.h), IPv6 autoconfiguration, NAT46, hooks and trace.
 * Runs on the control loop. */
#ifndef V6L_CONN_H
#define V6L_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg/cfg.h"
#include "core/loop.h"
#include "core/rng.h"
#include "core/strbuf.h"
#include "engine/conn_fsm.h"
#include "pppoe/pppoe_disc.h"

/* Everything a connection needs, resolved from v6link.ini + connections.ini. */
struct conn_cfg {
	char name[64];
	char eth_if[16];            /* the Ethernet adapter; "" = detection probes every one */
	int mode;                   /* enum cfg_mode */
	const struct cfg_param *param; /* borrowed for the daemon's life ([passthrough], mixed) */
	char run_dir[CFG_PATH_MAX];   /* NAME.env, the session record (this daemon instance's) */
	char state_dir[CFG_PATH_MAX]; /* DUID, interface identifier, RFC 7217 secret */
	char tun_name[16];          /* default v6link0 */
	struct pppoe_disc_cfg disc;
	bool has_vlan;
	uint16_t vlan_id;
	uint8_t prio;
	uint16_t mru;
	bool use_ipv4, use_ipv6;
	uint32_t route_metric;      /* metric of the default and RFC 4191 routes (default 50) */
	uint32_t route_table;       /* routing table of every route (254 = main) */
	bool default_route;         /* install IPv4/IPv6 default routes (demand ones included) */
	bool demand;                /* enabled=1: dial on the first packet */
	unsigned idle_timeout_s;    /* 0 = never hang up for idleness */
	bool persist;               /* redial after a dropped session */
	unsigned redial_delay_s, redial_delay_max_s;
	unsigned echo_interval_s, echo_failures;
	unsigned auth_mask;         /* bit (1 << enum ppp_auth_method) of allowed methods */
	bool check_traffic, mcast4_unicast;
	bool dns;                   /* configure the host's resolver */
	bool nat46;                 /* NAT46 + DNS mapper (nat46=on, or auto with use_ipv4=0) */
	int rx_ring;                /* enum cfg_rx_ring */
	uint8_t ipv6_dns[2][16];    /* static servers (all zero = unset) */
	bool want_pd;               /* ask for a delegated prefix */
	bool stable_privacy;        /* RFC 7217 SLAAC identifiers */
	uint16_t option_dasp;       /* option code of RFC 7078 OPTION_ADDRSEL (84) */
	int dhcpv6;                 /* enum cfg_dhcpv6 */
	uint8_t pd_length;          /* IA_PD length hint, 0 = none */
	int duid_type;              /* enum cfg_duid */
	uint8_t duid_raw[CFG_DUID_MAX]; /* duid_type CFG_DUID_RAW: the DUID from the file */
	uint16_t duid_raw_len;
	bool has_iaid, has_iaid_pd; /* iaid=, iaid_pd= set (else NAME.iaid, else the MAC) */
	uint32_t iaid, iaid_pd;
	bool reconfigure_accept;    /* DHCPv6 Reconfigure Accept and Reconfigures (RFC 8415) */
	bool has_ipv6_prefix;       /* static ipv6_prefix= overrides the RA's */
	uint8_t ipv6_prefix[16];
	char hook[256];             /* executable run on every event, "" = none */
	/* v6link.ini [DHCPv6_stateful_options] / [DHCPv6_stateless_options] */
	struct cfg_dhcp6_opts d6_stateful, d6_stateless;
	char user[256];
	char secret[256];           /* decrypted; wiped when the connection is freed */
};

struct conn;
struct resolver;
struct policy_owner;
typedef void (*conn_stopped_cb)(void *ctx, struct conn *c);

/* What connections share with the daemon, borrowed for the connection's life: the owners of
 * host resources (hostcfg/resolver.h, hostcfg/policy.h) and a callback told of every state
 * change (systemd's STATUS=; may be NULL). */
struct conn_shared {
	struct resolver *resolver;
	struct policy_owner *policy;
	void (*on_state)(void *ctx, struct conn *c);
	void *ctx;
};

/* Creates connection number id (its place in connections.ini: the owners merge in that order);
 * nothing is opened yet (conn_start does). NULL on failure (logged). */
struct conn *conn_new(struct loop *l, const struct conn_cfg *cfg, struct v6l_rng *rng,
		      const struct conn_shared *own, unsigned id);
/* Undoes every host change, closes everything, wipes the secret. */
void conn_free(struct conn *c);
const char *conn_name(const struct conn *c);
/* The daemon starts the connection: with activate (enabled=1 or `run NAME`) it opens its mode
 * (or probes for one) at once, arms dial on demand or dials (always on); else it waits for
 * conn_up. */
void conn_start(struct conn *c, bool activate, uint64_t now_ms);
/* Dials now and keeps the link up (redialling per persist) until conn_down. */
void conn_up(struct conn *c, const char *why, uint64_t now_ms);
/* Hangs up (DHCPv6 Release, LCP Terminate, PADT) and undoes the session's host changes; calls
 * cb once idle (may be at once). stopping: the daemon exits (no demand, no redial). */
void conn_down(struct conn *c, const char *why, bool stopping, uint64_t now_ms,
	       conn_stopped_cb cb, void *ctx);
bool conn_is_idle(const struct conn *c);
/* "NAME state (why)" in buf[cap], for a one-line summary. */
void conn_summary(const struct conn *c, char *buf, size_t cap);
/* Appends one JSON object (DESIGN.md status fields) or a human-readable block. */
void conn_status_json(struct conn *c, struct strbuf *sb, uint64_t now_ms);
void conn_status_text(struct conn *c, struct strbuf *sb, uint64_t now_ms);

#endif
