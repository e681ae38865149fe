/* The policy of one connection as a pure state machine: which mode to probe for, when to open
 * it, dial, redial with back-off, arm dial on demand, hang up for idleness, and end a hang-up
 * that takes too long. Driven by (now, event); every event returns the actions the glue carries
 * out (CONN_ACT_*, in bit order) and records the state changes it made. No I/O, no clock. What a
 * session is (PPPoE + PPP, or routers on a segment) is the mode's business, not this file's. */
#ifndef V6L_CONN_FSM_H
#define V6L_CONN_FSM_H

#include <stdbool.h>
#include <stdint.h>

#define CONN_WHY_MAX 256
#define CONN_FSM_MAX_TRANS 8

enum conn_state {
	CONN_IDLE,
	CONN_DETECTING,
	CONN_DISCOVERY,
	CONN_AUTH,
	CONN_NETWORK,
	CONN_UP,
	CONN_TERMINATING,
};

/* The mode a connection runs in (DESIGN.md "Modes"): chosen by detection or forced. */
enum conn_mode {
	CONN_MODE_UNKNOWN, /* mode=auto, detection not finished */
	CONN_MODE_DIALUP,  /* IPv6 and IPv4 over the PPPoE session */
	CONN_MODE_MIXED,   /* IPv6 over PPPoE, IPv4 left to the adapter's DHCPv4 router */
	CONN_MODE_ROUTER,  /* the adapter itself, with an IPv6 router on the segment */
};

/* Actions, carried out by the glue in this order. */
enum conn_act {
	CONN_ACT_DETECT = 1u << 0,      /* start probing the adapters (the mode is unknown) */
	CONN_ACT_DETECT_STOP = 1u << 1, /* stop probing */
	CONN_ACT_OPEN = 1u << 2,        /* open the mode; report with conn_fsm_on_opened */
	CONN_ACT_NAT46_ON = 1u << 3,    /* open NAT46 and the DNS mapper (nat46 configured) */
	CONN_ACT_IPV4_LAN = 1u << 4,    /* mixed mode decided: no IPCP, IPv4 stays on the adapter */
	CONN_ACT_DEMAND_OFF = 1u << 5,  /* packets on the interface no longer dial */
	CONN_ACT_ABORT = 1u << 6,       /* end the session at once (PADT), undo what it set up */
	CONN_ACT_DIAL = 1u << 7,        /* start a session */
	CONN_ACT_HANGUP = 1u << 8,      /* orderly end (Release, LCP Terminate): session end follows */
	CONN_ACT_DEMAND_ON = 1u << 9,   /* the next packet on the interface dials (conn_fsm_on_demand) */
	CONN_ACT_NAT46_OFF = 1u << 10,  /* close NAT46: the connection was taken down */
	CONN_ACT_STOPPED = 1u << 11,    /* a down request reached idle */
	CONN_ACT_IPV4_PPP = 1u << 12,   /* no DHCPv4 server answered: IPCP may run (dial-up) */
};

struct conn_fsm_cfg {
	enum conn_mode forced_mode; /* CONN_MODE_UNKNOWN: detect */
	bool demand;                /* enabled=1: dial whenever needed */
	unsigned idle_timeout_s;    /* 0: never hang up for idleness (with demand: always on) */
	bool persist;               /* redial after a dropped session */
	unsigned redial_delay_s, redial_delay_max_s;
	bool nat46;
	unsigned term_wait_ms;      /* an orderly hang-up longer than this is aborted */
	unsigned detect_retry_ms;   /* nothing answered the probes: probe again after this */
};

struct conn_fsm_trans {
	enum conn_state from, to;
	char why[CONN_WHY_MAX];
};

struct conn_fsm {
	struct conn_fsm_cfg cfg;
	enum conn_state state;
	enum conn_mode mode;
	char why[CONN_WHY_MAX];        /* why the current state was entered */
	char last_error[CONN_WHY_MAX]; /* why the last attempt failed; cleared when up */
	char want_why[CONN_WHY_MAX];   /* why a session is wanted: the first dial's reason */
	uint64_t since_ms;             /* when the current state was entered */
	uint64_t up_since_ms;
	bool is_started;      /* conn_fsm_start ran */
	bool is_detecting;    /* DETECT issued, no result yet */
	bool is_opening;      /* OPEN issued, conn_fsm_on_opened not yet */
	bool is_open;         /* the mode's resources exist */
	bool has_session;     /* DIAL issued and the session has not ended */
	bool want_up;         /* the user, demand or persist wants a session */
	bool is_demand_on;
	bool is_nat46_on;
	bool close_nat46;     /* a down request: NAT46 closes once idle */
	bool notify_stopped;  /* a down request wants CONN_ACT_STOPPED once idle */
	bool is_stopping;     /* the daemon is exiting: no redial, no demand */
	unsigned n_fail;      /* consecutive failed sessions, for the back-off */
	uint64_t detect_at_ms, redial_at_ms, term_at_ms;
	uint64_t last_activity_ms;
	/* The state changes of the last event, for the glue's log, trace and hooks. */
	unsigned n_trans;
	struct conn_fsm_trans trans[CONN_FSM_MAX_TRANS];
};

const char *conn_state_name(enum conn_state s);
const char *conn_mode_name(enum conn_mode m);

/* An idle connection; cfg is copied. Zero timing fields get the defaults (3 s, 30 s). */
void conn_fsm_init(struct conn_fsm *f, const struct conn_fsm_cfg *cfg, uint64_t now_ms);

/* Each event returns CONN_ACT_* bits; f->trans lists the state changes it made. */

/* The daemon starts the connection: activate (enabled=1 or `run NAME`) opens it or probes now,
 * else on the first conn_fsm_up. */
unsigned conn_fsm_start(struct conn_fsm *f, bool activate, uint64_t now_ms);
/* `v6link up`, `run NAME` or demand: a session is wanted until conn_fsm_down. */
unsigned conn_fsm_up(struct conn_fsm *f, const char *why, uint64_t now_ms);
/* `v6link down` (stopping = false) or the daemon exiting (true): hang up; CONN_ACT_STOPPED
 * follows once idle. */
unsigned conn_fsm_down(struct conn_fsm *f, const char *why, bool stopping, uint64_t now_ms);
/* A packet on the interface while demand is on. */
unsigned conn_fsm_on_demand(struct conn_fsm *f, uint64_t now_ms);
/* Detection found mode m (CONN_MODE_UNKNOWN: nothing answered; probe again later). */
unsigned conn_fsm_on_detected(struct conn_fsm *f, enum conn_mode m, const char *why,
			      uint64_t now_ms);
/* A DHCPv4 server answered on the adapter of a dial-up connection: mixed mode. */
unsigned conn_fsm_on_ipv4_lan(struct conn_fsm *f, uint64_t now_ms);
/* Detection ended without a DHCPv4 answer: the connection stays dial-up, IPv4 over the session. */
unsigned conn_fsm_on_ipv4_ppp(struct conn_fsm *f, uint64_t now_ms);
/* The glue carried out CONN_ACT_OPEN: ok, or failed (why is kept as the last error; a forced
 * mode keeps what was wanted, for conn_fsm_on_adapter). */
unsigned conn_fsm_on_opened(struct conn_fsm *f, bool ok, const char *why, uint64_t now_ms);
/* An adapter appeared or came up: a failed open or a detection waiting to retry goes now. */
unsigned conn_fsm_on_adapter(struct conn_fsm *f, uint64_t now_ms);
/* The session progresses: CONN_AUTH (PPPoE session), CONN_NETWORK (NCPs negotiating, or no
 * router left), CONN_TERMINATING (the peer hangs up). Ignored without a session. */
unsigned conn_fsm_on_progress(struct conn_fsm *f, enum conn_state s, const char *why,
			      uint64_t now_ms);
/* A network protocol is up (IPCP, IPv6CP, a router answered). */
unsigned conn_fsm_on_link_up(struct conn_fsm *f, const char *why, uint64_t now_ms);
/* The session is gone (PADT, LCP down, discovery failed, hang-up done); ignored without one. */
unsigned conn_fsm_on_session_end(struct conn_fsm *f, const char *why, uint64_t now_ms);
/* Traffic seen at last_ms (for the idle timeout). */
void conn_fsm_on_activity(struct conn_fsm *f, uint64_t last_ms);
/* Runs what is due at now_ms. */
unsigned conn_fsm_on_timer(struct conn_fsm *f, uint64_t now_ms);
/* The earliest deadline, or V6L_NEVER. */
uint64_t conn_fsm_next_deadline(const struct conn_fsm *f);
/* Records why the last attempt failed (shown by status until the connection is up). */
void conn_fsm_set_error(struct conn_fsm *f, const char *why);

#endif
