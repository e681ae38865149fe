/* The connection object. Each part belongs to one file: the policy and orchestration to conn.c,
 * the link facts to the mode that fills them (conn_mode.h), IPv6 autoconfiguration to conn_v6.c,
 * NAT46 to conn_nat46.c, the trace to conn_trace.c; a mode keeps its own state behind mode. */
#ifndef V6L_CONN_PRIV_H
#define V6L_CONN_PRIV_H

#include "engine/conn.h"
#include "engine/conn_host.h"
#include "engine/conn_mode.h"
#include "engine/conn_nat46.h"
#include "engine/conn_rec.h"
#include "engine/conn_trace.h"
#include "engine/conn_v6.h"
#include "engine/detect.h"
#include "engine/pkt_io.h"
#include "hostcfg/dns.h"
#include "ppp/ppp_link.h"

/* What the mode established on the link; read by status, hooks, IPv6 and NAT46. */
struct conn_link {
	char ifname[16];       /* the host's interface: the TUN, or the adapter in router mode */
	struct pkt_if eth;     /* the Ethernet adapter */
	uint16_t mtu;          /* IP MTU on ifname */
	bool has_session;      /* a PPPoE session */
	uint16_t session_id;
	uint8_t ac_mac[6];
	char ac_name[PPPOE_STR_MAX + 1];
	char service[PPPOE_STR_MAX + 1];
	enum ppp_auth_method auth;
	bool v4_up;
	struct ipcp_result v4;
	bool v6_up;
	uint8_t our_iid[8];    /* the host's interface identifier on the link */
	bool has_peer_iid;
	uint8_t peer_iid[8];
};

struct conn {
	struct conn_cfg cfg;
	struct loop *loop;
	struct v6l_rng *rng;
	struct conn_fsm fsm;
	const struct conn_mode_ops *ops; /* NULL until the mode is known */
	void *mode;                      /* the mode's own state while open */
	char mode_why[CONN_WHY_MAX];     /* detection result or "mode=... in ..." */
	bool has_stale;                  /* a session a crash left open, still to end (PADT) */
	struct conn_session_rec stale;
	struct det *det;                 /* probing, or watching for a DHCPv4 server */
	struct det_run det_run;
	bool hold_ipv4;                  /* IPCP waits until detection knows about DHCPv4 */
	struct loop_timer timer;
	int link_fd;                     /* watching for the adapter to appear, or -1 */
	conn_stopped_cb stopped_cb;
	void *stopped_ctx;

	struct conn_shared own;
	unsigned id;

	struct conn_link lk;
	struct conn_host host;
	struct dns_servers dns_applied;  /* this connection's part of the host's resolver */
	unsigned n_lan_dns4;             /* mixed mode: the LAN's DHCPv4 server offered these */
	uint8_t lan_dns4[2][4];
	struct conn_v6 v6;
	struct conn_nat46 nat;
	struct conn_trace tr;
};

/* conn.c: what the mode reports about its session; each may end in a redial, demand or idle. */
void conn_session_progress(struct conn *c, enum conn_state s, const char *why, uint64_t now_ms);
void conn_session_link_up(struct conn *c, const char *why, uint64_t now_ms);
/* The session is over (the mode has already undone it). */
void conn_session_end(struct conn *c, const char *why, uint64_t now_ms);
void conn_set_error(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A packet on the interface while dial on demand is armed. */
void conn_on_demand_packet(struct conn *c, uint64_t now_ms);
/* The PPPoE session (c->lk) is recorded in the run dir, so that the next start after a crash
 * can end it with a PADT (conn_state.c). */
void conn_session_record(const struct conn *c);
/* Re-arms the connection's timer from every deadline. */
void conn_reschedule(struct conn *c);
/* Gathers every DNS server of the connection and hands the set to the resolver. */
void conn_dns_update(struct conn *c);
/* The connection's data plane (the dial-up session's), NULL in router mode. */
struct dataplane *conn_dp(const struct conn *c);

/* conn_hook.c: runs the hook (if any) for event with the connection's variables plus extra
 * ("KEY=value" strings, NULL-terminated, may be NULL) and rewrites the state file. */
void conn_hook(struct conn *c, const char *event, const char *const *extra);
void conn_hook_state_remove(const struct conn *c);

/* conn_state.c: small files of the connection in its state dir; 0 or -1 with errno. Files are
 * created with mode 0600. */
int conn_state_read(const struct conn *c, const char *ext, uint8_t *buf, size_t cap,
		    uint16_t *len);
int conn_state_write(const struct conn *c, const char *ext, const uint8_t *buf, size_t len);
bool conn_machine_id(uint8_t out[16]);
/* Reads the session record a crash left in cfg's run dir; 0, or -1 if none (an unreadable
 * one is removed). conn_session_record_clear removes it. */
int conn_session_record_read(const struct conn_cfg *cfg, struct conn_session_rec *r);
void conn_session_record_clear(const struct conn_cfg *cfg);
/* NAME.mtu in the run dir: the adapter MTU raised for RFC 4638, written when raised and
 * cleared once the raise is undone; recover puts back what a crashed run left raised and
 * removes the record. */
void conn_mtu_record(const struct conn *c, const struct conn_mtu_rec *r);
void conn_mtu_record_clear(const struct conn_cfg *cfg);
void conn_mtu_record_recover(const struct conn_cfg *cfg);

#endif
