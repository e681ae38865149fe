/* A connection's mode as one ops table: dial-up (mode_dialup.c: PPPoE + PPP over our TUN, mixed
 * mode being its variant without IPCP) and router (mode_router.c: the kernel's interface on a
 * segment with IPv6 routers). Shared code (conn.c, conn_v6.c, conn_status.c, conn_nat46.c,
 * conn_trace.c) calls these and never asks which mode it runs in. */
#ifndef V6L_CONN_MODE_H
#define V6L_CONN_MODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "dataplane/dp.h"
#include "hostcfg/dns.h"

struct conn;
struct xlat;

struct conn_mode_ops {
	const char *name;
	/* Opens the adapter's sockets, the host interface and the protocol machines: 0, or -1
	 * logged (close then undoes whatever was opened). */
	int (*open)(struct conn *c);
	void (*close)(struct conn *c);
	/* Starts a session; its progress comes back through conn_session_* (conn_priv.h). */
	void (*dial)(struct conn *c, uint64_t now_ms);
	/* Orderly end (DHCPv6 Release, LCP Terminate); conn_session_end follows, maybe at once. */
	void (*hangup)(struct conn *c, const char *why, uint64_t now_ms);
	/* Ends the session now (PADT) and undoes what it set up; no callback follows. */
	void (*abort)(struct conn *c, const char *why, uint64_t now_ms);
	/* Packets on the interface dial (NULL: the mode has no dial on demand). */
	void (*set_demand)(struct conn *c, bool on);
	/* Whether a DHCPv4 server on the adapter takes IPv4 (lan: mixed mode) or IPv4 runs over
	 * the session (NULL: nothing to do). */
	void (*ipv4_decided)(struct conn *c, bool lan, uint64_t now_ms);
	void (*on_timer)(struct conn *c, uint64_t now_ms);
	uint64_t (*next_deadline)(const struct conn *c);
	/* Last traffic on the session (ms, monotonic), for the idle timeout; 0 = unknown. */
	uint64_t (*last_activity)(const struct conn *c);
	void (*stats)(const struct conn *c, struct dp_stats *out);
	/* The data plane between the session and our TUN; NULL when the kernel carries the data. */
	struct dataplane *(*dataplane)(const struct conn *c);

	/* IPv6 autoconfiguration (conn_v6.c). IFA_F_* added to every address v6link assigns. */
	uint32_t v6_addr_flags;
	void (*send_dhcp6)(struct conn *c, const uint8_t *msg, size_t len);
	/* The connection's IPv6 addresses or prefixes changed (NULL: nothing to tell). */
	void (*v6_changed)(struct conn *c);
	/* Adds the DNS servers and search domains the routers announce. */
	void (*ra_dns)(const struct conn *c, struct dns_servers *d);
	/* A /64 of the link that the mode knows of, for NAT46's dedicated address; false if none
	 * (NULL: only conn_v6's addresses and prefixes). */
	bool (*prefix64)(const struct conn *c, uint8_t prefix[8]);

	/* NAT46: replies to the dedicated address reach the translator (0 or -1 logged). */
	int (*nat46_attach)(struct conn *c, struct xlat *x);
	void (*nat46_detach)(struct conn *c);
	/* The dedicated address needs a blackhole route (a forwarding kernel would route it). */
	bool nat46_blackhole;

	/* Trace: adds the mode's own interfaces to the connection's trace (NULL: none beyond the
	 * adapter). */
	void (*trace_attach)(struct conn *c);
	/* Status: "routers":[...], "pref64":[...] and "ra":{...} members (no leading comma), and
	 * text lines (NULL: none). */
	void (*status_json)(const struct conn *c, struct strbuf *sb, uint64_t now_ms);
	void (*status_text)(const struct conn *c, struct strbuf *sb, uint64_t now_ms);
};

extern const struct conn_mode_ops conn_mode_dialup;
extern const struct conn_mode_ops conn_mode_router;

#endif
