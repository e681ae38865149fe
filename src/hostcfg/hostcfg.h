/* Host configuration with an undo list: every address, route, sysctl and link change v6link
 * makes is recorded per connection and undone in reverse order on link loss or exit.
 * Pure: the changes go out through struct hostcfg_ops (netlink glue in sys.c, fakes in tests). */
#ifndef V6L_HOSTCFG_H
#define V6L_HOSTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOSTCFG_MAX_REC 64
#define HOSTCFG_LIFETIME_INF UINT32_MAX
#define HOSTCFG_RTPROT 0x76 /* rtm_protocol of our routes ('v'): recognisable in `ip route` */
#define HOSTCFG_TABLE_MAIN 254
#define HOSTCFG_EXISTS 1 /* route_add: the host already has that route, and it is not ours */
#define HOSTCFG_IFNAMSIZ 16

enum hostcfg_kind {
	HOSTCFG_K_ADDR4,
	HOSTCFG_K_ADDR6,
	HOSTCFG_K_ROUTE4,
	HOSTCFG_K_ROUTE6,
	HOSTCFG_K_SYSCTL,
	HOSTCFG_K_LINK,
};

const char *hostcfg_kind_name(enum hostcfg_kind k);

/* An address; IPv4 uses the first 4 bytes of addr/peer. flags are IFA_F_* (linux/if_addr.h),
 * lifetimes in seconds (HOSTCFG_LIFETIME_INF = forever). */
struct hostcfg_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16], peer[16];
	uint8_t plen;
	bool has_peer;
	uint32_t valid_s, pref_s, flags;
};

/* A unicast route out of the connection's interface; src/src_plen is the IPv6 source prefix
 * of a source-specific route (RTA_SRC), src_plen 0 = none. metric 0 = kernel default. */
struct hostcfg_route {
	int family;
	uint8_t dst[16], src[16], gw[16];
	uint8_t dst_plen, src_plen, proto;
	bool has_gw;
	bool is_blackhole;  /* RTN_BLACKHOLE: no device, packets silently dropped */
	uint32_t metric, table;
};

/* A sysctl below /proc/sys (relative path, e.g. "net/ipv6/conf/v6link0/accept_ra") and the value
 * it had before our first write. */
struct hostcfg_sysctl {
	char path[96];
	char old[32];
};

/* Link state: for a record, the state before hostcfg_link_setup(); mtu 0 = leave unchanged.
 * is_mtu_only: only the MTU is set (or restored), the up/down state is left as it is. */
struct hostcfg_link {
	uint32_t mtu;
	bool is_up;
	bool is_mtu_only;
};

struct hostcfg_rec {
	enum hostcfg_kind kind;
	union {
		struct hostcfg_addr addr;
		struct hostcfg_route route;
		struct hostcfg_sysctl sysctl;
		struct hostcfg_link link;
	} u;
};

/* The host side. Each returns 0, or -1 with errno set. For an address "add" means create or
 * replace; for a route it means create only: EEXIST when the table already has a route with the
 * same destination, source prefix and metric (on any device, as the kernel's NLM_F_EXCL). */
struct hostcfg_ops {
	int (*addr)(void *ctx, const char *ifname, bool add, const struct hostcfg_addr *a);
	int (*route)(void *ctx, const char *ifname, bool add, const struct hostcfg_route *r);
	int (*sysctl_read)(void *ctx, const char *path, char *buf, size_t cap);
	int (*sysctl_write)(void *ctx, const char *path, const char *value);
	int (*link_get)(void *ctx, const char *ifname, struct hostcfg_link *out);
	int (*link_set)(void *ctx, const char *ifname, const struct hostcfg_link *want);
};

struct hostcfg {
	char conn[16];
	char ifname[HOSTCFG_IFNAMSIZ];
	uint32_t table;   /* routing table of the routes added from now on; default main */
	const struct hostcfg_ops *ops;
	void *ctx;
	struct hostcfg_rec rec[HOSTCFG_MAX_REC];
	unsigned n_rec;
	char errmsg[384];
};

/* Starts an empty undo list for connection conn on interface ifname; ops/ctx are borrowed.
 * Routes go into table main until hostcfg_set_table. */
void hostcfg_init(struct hostcfg *hc, const char *conn, const char *ifname,
	const struct hostcfg_ops *ops, void *ctx);
/* The routing table (1..UINT32_MAX; HOSTCFG_TABLE_MAIN = main) of the list's routes: set it
 * before the first route (route_del looks for a route in the list's current table). */
void hostcfg_set_table(struct hostcfg *hc, uint32_t table);

/* Adds or updates (same address again: replaced in place, lifetimes refreshed, one record) an
 * address. addr/peer are 4 or 16 bytes by family; peer NULL = none. 0, or -1 with errno
 * (EINVAL on bad arguments, ENOSPC when the undo list is full); on failure nothing is recorded. */
int hostcfg_addr_add(struct hostcfg *hc, int family, const void *addr, uint8_t plen,
	const void *peer, uint32_t valid_s, uint32_t pref_s, uint32_t flags);

/* Removes an address from the host and its undo record; an address already gone is success. */
int hostcfg_addr_del(struct hostcfg *hc, int family, const void *addr, uint8_t plen,
	const void *peer);

/* Adds a route (the list's table, protocol HOSTCFG_RTPROT, dev ifname). src NULL or src_plen 0 =
 * no source prefix (IPv6 only); gw NULL = on-link. Never replaces a route it did not add: when
 * the table already has a route with that destination, source and metric, a recorded one (ours)
 * is kept, or replaced by delete + add when its gateway differs, and one not on this list
 * (another connection's or program's) is left alone and not recorded: HOSTCFG_EXISTS is
 * returned and the failure text says so (logged). Else as addr_add: 0, or -1 with errno. */
int hostcfg_route_add(struct hostcfg *hc, int family, const void *dst, uint8_t plen,
	const void *src, uint8_t src_plen, const void *gw, uint32_t metric);

/* Adds a blackhole route (packets to dst/plen are dropped without an ICMP error, even by a
 * forwarding host); same contract as route_add, removed with route_del. */
int hostcfg_route_add_blackhole(struct hostcfg *hc, int family, const void *dst, uint8_t plen);
/* Removes a route of this list (matched by dst, src, metric and the list's table) and its undo
 * record. A route the list did not add is left alone (0): it is someone else's. */
int hostcfg_route_del(struct hostcfg *hc, int family, const void *dst, uint8_t plen,
	const void *src, uint8_t src_plen, uint32_t metric);

/* Writes a sysctl (path relative to /proc/sys), remembering the value before the first write. */
int hostcfg_sysctl_set(struct hostcfg *hc, const char *path, const char *value);

/* Sets the MTU (0 = keep) and up/down state of the interface, remembering the first old state. */
int hostcfg_link_setup(struct hostcfg *hc, uint32_t mtu, bool up);
/* Sets only the MTU of the interface (an adapter v6link does not own: its up/down state stays),
 * remembering the MTU it had before the first call; the undo restores that MTU alone. 0, or -1
 * with errno (the device's refusal, e.g. EINVAL above its maximum); on failure nothing is
 * recorded. */
int hostcfg_link_mtu(struct hostcfg *hc, uint32_t mtu);

/* Undoes every record, newest first, and empties the list. A record already gone (ENOENT, ESRCH,
 * EADDRNOTAVAIL, ENODEV) counts as undone; other failures are logged and the walk continues.
 * Returns 0, or -1 with errno of the first failure. */
int hostcfg_undo_all(struct hostcfg *hc);

/* The description of the last failure, e.g. "route add 2001:db8::/64 dev v6link0: File exists". */
const char *hostcfg_last_error(const struct hostcfg *hc);

/* Writes "addr add 2001:db8::1/64 dev v6link0" (verb as given) into buf; returns buf. */
const char *hostcfg_fmt_addr(char *buf, size_t cap, const char *verb, const char *ifname,
	const struct hostcfg_addr *a);
/* Writes "route add 2001:db8::/64 from 2001:db8:1::/56 via fe80::1 dev v6link0 metric 5", with
 * " table N" after it for a table other than main. */
const char *hostcfg_fmt_route(char *buf, size_t cap, const char *verb, const char *ifname,
	const struct hostcfg_route *r);

/* True for a relative /proc/sys path of [A-Za-z0-9._/-] without "..", short enough to record. */
bool hostcfg_sysctl_path_ok(const char *path);

#endif
