/* The connection object, shared by conn.c (orchestration) and conn_status.c (reporting). */
#ifndef V6L_CONN_PRIV_H
#define V6L_CONN_PRIV_H

#include "daemon/conn.h"
#include "hostcfg/dns.h"

#define CONN_WHY_MAX 256

struct conn {
	struct conn_cfg cfg;
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
	struct dns_servers dns_applied;

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

#endif
