/* The connection object, shared by conn.c (orchestration) and conn_status.c (reporting). */
#ifndef V6L_CONN_PRIV_H
#define V6L_CONN_PRIV_H

#include "engine/conn.h"
#include "hostcfg/dns.h"
#include "nd/nd_ra.h"
#include "hostcfg/policy.h"
#include "dhcp6/dhcp6_client.h"
#include "engine/conn_nat46.h"

#define CONN_WHY_MAX 256

enum conn_v6src { CONN_V6_SLAAC, CONN_V6_DHCP6, CONN_V6_PD, CONN_V6_STATIC };

struct nd_routers;
struct det;
struct trace_file;

#define CONN_MAX_READERS 4

struct conn_reader {
	int fd;
	uint8_t *buf;             /* pcapng bytes not yet written */
	size_t len;
	uint64_t n_dropped, n_pending_drops;
};

struct conn {
	struct conn_cfg cfg;
	enum conn_mode mode;
	char mode_why[CONN_WHY_MAX];  /* why this mode: detection result or "mode=... in ..." */
	struct det *det;              /* while detecting */
	uint64_t det_retry_at_ms;     /* nothing answered: probe again then */
	bool is_open;                 /* the mode's sockets, TUN and state machines exist */
	bool is_started;              /* conn_start ran (demand is armed once the mode is known) */

	/* Trace (conn_trace.c). */
	struct trace_file *tf;
	unsigned tf_eth, tf_ip;
	struct loop_timer trace_timer;
	struct conn_reader readers[CONN_MAX_READERS];
	unsigned n_readers;
	uint64_t trace_data_dropped;

	/* Router mode (conn_router.c). */
	int icmp_fd, d6_fd;
	struct nd_routers *nr;
	struct conn_rtr_route {
		uint8_t prefix[16], router[16];
		uint8_t plen;
		uint32_t metric;
	} rtr_routes[32];
	unsigned n_rtr_routes;
	struct loop *loop;
	struct v6l_rng *rng;
	enum conn_state state;
	uint64_t since_ms;
	char why[CONN_WHY_MAX];      /* why the current state was entered */
	char last_error[CONN_WHY_MAX];

	struct pkt_if eth;
	int disc_fd, sess_fd, tun_fd;
	char tun_name[16];
	struct dataplane *dp;
	struct dp_session dps;
	struct pppoe_disc disc;
	struct ppp_link link;
	struct conn_host host;
	struct loop_timer timer;
	struct dns_cfg dns;

	/* IPv6 autoconfiguration (conn_v6.c). */
	struct nd_ra nd;
	struct dhcp6_client d6;
	bool d6_started;            /* this session */
	bool d6_inited;             /* client exists (its binding outlives sessions) */
	enum dhcp6_mode d6_mode;
	unsigned n_v6addrs;
	struct conn_v6addr {
		uint8_t addr[16];
		uint8_t plen;
		uint8_t source;         /* enum conn_v6src */
		uint64_t valid_until_ms, pref_until_ms;
	} v6addrs[16];
	unsigned n_pd;
	struct dhcp6_lease_item pd[DHCP6_MAX_IA_ADDR];
	uint64_t pd_since_ms;
	struct dhcp6_info d6_info;
	bool has_d6_info;
	struct policy_state policy;  /* RFC 6724 table while IPv6 is up */
	bool is_policy_applied;
	unsigned n_policy_isp;       /* rows from the ISP (RFC 7078), 0 = defaults */
	struct dns_servers dns_applied;
	struct conn_nat46 nat;       /* IPv4-only applications (conn_nat46.c) */

	char ac_name[PPPOE_STR_MAX + 1];
	char service[PPPOE_STR_MAX + 1];
	bool has_session;
	struct ipcp_result v4;
	bool v4_up;
	struct ipv6cp_result v6;
	bool v6_up;

	bool want_up;          /* the user (or demand, or persist) wants a session */
	unsigned n_fail;       /* consecutive failed dials, for back-off */
	uint64_t redial_at_ms; /* V6L_NEVER when no redial is scheduled */
	uint64_t term_deadline_ms;
	uint64_t up_since_ms;
	conn_stopped_cb stopped_cb;
	void *stopped_ctx;
};

#define CONN_STATE_DIR "/var/lib/v6link"
#define CONN_RUN_DIR "/run/v6link"

/* conn_hook.c: runs the hook (if any) for event with the connection's variables plus extra
 * ("KEY=value" strings, NULL-terminated, may be NULL) and rewrites the state file. */
void conn_hook(struct conn *c, const char *event, const char *const *extra);
void conn_hook_state_remove(const struct conn *c);

/* conn.c */
void conn_dns_update(struct conn *c);
/* Sends a PPP packet on the session (and traces it). */
void conn_send_ppp(struct conn *c, uint16_t proto, const uint8_t *buf, size_t len);
void conn_enter(struct conn *c, enum conn_state s, uint64_t now, const char *why);
void conn_reschedule(struct conn *c);
/* conn_router.c: router mode (the kernel's interface, DHCPv6 over UDP, RFC 8028 routes). */
int conn_router_open(struct conn *c);
void conn_router_close(struct conn *c);
void conn_router_up(struct conn *c, uint64_t now_ms);
void conn_router_down(struct conn *c, const char *why, uint64_t now_ms);
void conn_router_on_timer(struct conn *c, uint64_t now_ms);
uint64_t conn_router_next_deadline(const struct conn *c);
void conn_router_d6_send(struct conn *c, const uint8_t *buf, size_t len);
void conn_router_dns(const struct conn *c, struct dns_servers *d);
void conn_router_status_json(const struct conn *c, struct strbuf *sb, uint64_t now_ms);
void conn_router_status_text(const struct conn *c, struct strbuf *sb, uint64_t now_ms);
/* conn_v6.c */
void conn_v6_publish(struct conn *c);
/* conn_state.c: 0 or -1 with errno */
int conn_state_read(const char *path, uint8_t *buf, size_t cap, uint16_t *len);
int conn_state_write(const char *path, const uint8_t *buf, size_t len);
bool conn_machine_id(uint8_t out[16]);

#endif
