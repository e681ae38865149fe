/* Configuration: v6link.ini ([param], [passthrough], [DHCPv6_*_options]) and connections.ini
 * (one section per connection), parsed from a buffer into new structs, all or nothing. Pure
 * (libinih + table of keys); cfg_io.c adds thin file-reading wrappers. Errors read
 * "FILE:LINE: [section] key 'mru': expected 128..1500, got '9000'" and are collected, not fatal. */
#ifndef V6L_CFG_H
#define V6L_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg/dialstr.h"
#include "core/log.h"

#define CFG_MAX_MSGS 32         /* errors (or warnings) kept; the rest are counted */
#define CFG_MSG_LEN 640
#define CFG_MAX_LINE 1024       /* longest accepted line, bytes, incl. line end */
#define CFG_MAX_PASSTHROUGH 32
#define CFG_PASSTHROUGH_LEN 64  /* substring buffer, NUL included */
#define CFG_MAX_ORO 32          /* oroN= codes per DHCPv6 section */
#define CFG_MAX_RAWOPT 16       /* optionN= raw options per DHCPv6 section */
#define CFG_RAWOPT_MAX 256      /* bytes of one raw option, code and length included */
#define CFG_MAX_CONNS 16
#define CFG_NAME_MAX 33         /* connection name [A-Za-z0-9_.-]{1,32}, NUL included */
#define CFG_PATH_MAX 256
#define CFG_USER_MAX 256        /* user name, NUL included (matches struct ppp_auth.user) */
#define CFG_PASSWORD_ENC_MAX 512 /* "enc:v1:" + base64; see cfg/secret.h */
#define CFG_DIAL_STRING_MAX 256
#define CFG_TABLE_MAIN 254      /* table=main: the kernel's main routing table */
#define CFG_DUID_MAX 130        /* RFC 8415 §11.1: a 2-octet type and up to 128 octets */

/* A list of complete, printable messages ("FILE:LINE: ..."); n <= CFG_MAX_MSGS. */
struct cfg_msgs {
	unsigned n;
	unsigned n_dropped; /* beyond CFG_MAX_MSGS */
	char text[CFG_MAX_MSGS][CFG_MSG_LEN];
};

/* One raw DHCPv6 option from optionN=: data holds the complete option as sent (2-byte code,
 * 2-byte length, value); len = 4 + value length, code = the first two bytes. */
struct cfg_dhcp6_rawopt {
	uint16_t code;
	uint16_t len;
	uint8_t data[CFG_RAWOPT_MAX];
};

/* [DHCPv6_stateful_options] or [DHCPv6_stateless_options], in file order. */
struct cfg_dhcp6_opts {
	unsigned n_oro;
	uint16_t oro[CFG_MAX_ORO];
	unsigned n_rawopt;
	struct cfg_dhcp6_rawopt rawopt[CFG_MAX_RAWOPT];
};

#define CFG_USER_LEN 33 /* a user name of 1..32 characters, or "uid:gid" */

/* v6link.ini. */
struct cfg_param {
	unsigned func_trace;              /* 0 minimum, 1 all but data, 2 also data */
	bool dump_unknown_frames;
	uint8_t ipv4_router_addr[4];     /* default 192.0.0.1 (RFC 7335 IPv4 service continuity) */
	uint8_t nat46_pool[4];           /* synthesized A records: default 198.18.0.0/15 */
	unsigned nat46_pool_len;
	bool allow_mixed_mode;            /* default 1 */
	bool check_traffic;               /* default 1 */
	bool default_use_ipv4;            /* default 1 */
	bool default_use_ipv6;            /* default 1 */
	bool ipv4_mcast_is_unicast;       /* default 0 */
	char trace_dir[CFG_PATH_MAX];     /* absolute; default /var/log/v6link */
	char run_dir[CFG_PATH_MAX];       /* absolute; "" = the control socket's directory */
	char state_dir[CFG_PATH_MAX];     /* absolute; "" = derived from the config directory */
	bool keep_ppinfo;                 /* accepted, no Linux meaning */
	unsigned option_dasp;             /* RFC 7078 OPTION_ADDRSEL code, default 84 */
	enum log_level log_level;         /* default LOG_LVL_INFO */
	bool seccomp;                     /* default 1: the allow-list after start-up */
	char user[CFG_USER_LEN];          /* "" = v6link if it exists; a name, "uid[:gid]", root */
	unsigned n_passthrough;
	char passthrough[CFG_MAX_PASSTHROUGH][CFG_PASSTHROUGH_LEN]; /* adapter name substrings */
	struct cfg_dhcp6_opts dhcp6_stateful;
	struct cfg_dhcp6_opts dhcp6_stateless;
};

#define CFG_AUTH_PAP (1u << 0)
#define CFG_AUTH_CHAP (1u << 1)     /* CHAP-MD5 */
#define CFG_AUTH_MSCHAPV2 (1u << 2)
#define CFG_AUTH_ALL (CFG_AUTH_PAP | CFG_AUTH_CHAP | CFG_AUTH_MSCHAPV2)

/* The DHCPv6 DUID: made of one of four types, or (RAW) given in the file. */
enum cfg_duid { CFG_DUID_LLT, CFG_DUID_EN, CFG_DUID_LL, CFG_DUID_UUID, CFG_DUID_RAW };

/* An IAID (RFC 8415 §12) set in the file, or not. */
struct cfg_iaid {
	bool is_set;
	uint32_t value;
};
enum cfg_mode { CFG_MODE_AUTO, CFG_MODE_DIALUP, CFG_MODE_ROUTER, CFG_MODE_MIXED };
/* NAT46 and the DNS mapper for IPv4-only applications: auto = on when use_ipv4=0. */
enum cfg_nat46 { CFG_NAT46_AUTO, CFG_NAT46_ON, CFG_NAT46_OFF };
/* How DHCPv6 runs: from the RA's M/O flags, or forced. */
enum cfg_dhcpv6 { CFG_DHCPV6_AUTO, CFG_DHCPV6_STATEFUL, CFG_DHCPV6_STATELESS, CFG_DHCPV6_OFF };
/* The downlink's TPACKET_V2 receive ring: auto and on use it (recvmmsg if the kernel gives
 * none), off never. */
enum cfg_rx_ring { CFG_RX_RING_AUTO, CFG_RX_RING_ON, CFG_RX_RING_OFF };

/* One [NAME] section of connections.ini. Addresses are in network byte order. */
struct cfg_conn {
	char name[CFG_NAME_MAX];
	unsigned line;                          /* line of the [NAME] header */
	bool enabled;                           /* 1 = dial whenever needed (default 0) */
	char dial_string[CFG_DIAL_STRING_MAX];  /* as written */
	struct cfg_dial dial;                   /* dial_string parsed */
	char user_name[CFG_USER_MAX];
	char password_enc[CFG_PASSWORD_ENC_MAX]; /* "enc:v1:..." or "" (decrypt: cfg/secret.h) */
	unsigned mru;                           /* 128..1500, default 1492 (>1492: RFC 4638) */
	bool use_ipv4;                          /* default [param] default_use_ipv4 */
	bool use_ipv6;                          /* default [param] default_use_ipv6 */
	bool has_ipv6_prefix;
	uint8_t ipv6_prefix[16];                /* static /64, host bits zero */
	unsigned idle_timeout_s;                /* 0 = always on, ..86400 */
	uint8_t ipv6_dns1[16], ipv6_dns2[16];   /* :: (all zero) = not set */
	char interface[CFG_IFNAME_MAX];         /* TUN name, default v6link0 */
	unsigned auth;                          /* CFG_AUTH_* mask, default CFG_AUTH_ALL */
	unsigned lcp_echo_interval_s;           /* default 10, 0 = no echo */
	unsigned lcp_echo_failure;              /* default 3 */
	unsigned redial_delay_s;                /* default 5, doubles per failure ... */
	unsigned redial_delay_max_s;            /* ... up to this, default 120 */
	bool persist;                           /* redial after a failure/hang-up, default 1 */
	bool prefix_delegation;                 /* request IA_PD, default 1 */
	bool stable_privacy;                    /* RFC 7217 SLAAC identifiers, default 0 */
	enum cfg_dhcpv6 dhcpv6;                 /* default CFG_DHCPV6_AUTO */
	bool dns;                               /* configure the host's DNS, default 1 */
	enum cfg_duid duid;                     /* default CFG_DUID_LL */
	uint8_t duid_raw[CFG_DUID_MAX];         /* CFG_DUID_RAW: the DUID as written (hex) */
	unsigned duid_raw_len;                  /* 2..CFG_DUID_MAX, 0 unless CFG_DUID_RAW */
	struct cfg_iaid iaid;                   /* IA_NA's IAID (and IA_PD's, XOR 0x10000) */
	struct cfg_iaid iaid_pd;                /* IA_PD's IAID, overriding that */
	bool reconfigure_accept;                /* DHCPv6 Reconfigure (RFC 8415 §18.2.11), 1 */
	unsigned pd_length;                     /* IA_PD prefix length hint, 0 or 48..64 */
	char hook[CFG_PATH_MAX];                /* absolute path of an executable, "" = none */
	enum cfg_mode mode;                     /* default CFG_MODE_AUTO */
	enum cfg_nat46 nat46;                   /* default CFG_NAT46_AUTO */
	unsigned route_metric;                  /* 1..UINT32_MAX, default 50 */
	bool default_route;                     /* install default routes, default 1 */
	unsigned route_table;                   /* CFG_TABLE_MAIN (default), or 1..UINT32_MAX
						 * other than 253..255 */
	enum cfg_rx_ring rx_ring;               /* default CFG_RX_RING_AUTO */
};

struct cfg_conns {
	unsigned n;
	struct cfg_conn conn[CFG_MAX_CONNS];
};

/* Appends a formatted message to m (counts it in n_dropped when full). */
void cfg_msgs_add(struct cfg_msgs *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fills p with every default (what an empty v6link.ini gives). */
void cfg_param_defaults(struct cfg_param *p);

/* Fills c with every default for a connection called name; param supplies use_ipv4/use_ipv6
 * defaults (NULL = built-in defaults). */
void cfg_conn_defaults(struct cfg_conn *c, const char *name, const struct cfg_param *param);

/* Parses v6link.ini text buf[0..len) (file is used in messages only). On success fills *out and
 * returns 0; otherwise returns -1, appends every error to errs and leaves *out untouched.
 * Warnings (not fatal) go to warns, which may be NULL. */
int cfg_param_parse(const char *buf, size_t len, const char *file, struct cfg_param *out,
		    struct cfg_msgs *errs, struct cfg_msgs *warns);

/* Parses connections.ini text like cfg_param_parse. Connection defaults for use_ipv4/use_ipv6
 * come from param (the already parsed v6link.ini; NULL = built-in defaults), so parse
 * v6link.ini first. */
int cfg_conns_parse(const char *buf, size_t len, const char *file, const struct cfg_param *param,
		    struct cfg_conns *out, struct cfg_msgs *errs, struct cfg_msgs *warns);

/* Returns the connection called name, or NULL. */
const struct cfg_conn *cfg_conn_find(const struct cfg_conns *cs, const char *name);

/* True if name is a valid connection name: [A-Za-z0-9_.-]{1,32}. */
bool cfg_conn_name_valid(const char *name);

/* The numeric form of user= ("UID" or "UID:GID", each 0..4294967294; GID defaults to UID):
 * true with *uid and *gid set; false for a name (or anything else). */
bool cfg_user_numeric(const char *user, uint32_t *uid, uint32_t *gid);

#define CFG_DEFAULT_CONFDIR "/etc/v6link"
#define CFG_DEFAULT_STATE_DIR "/var/lib/v6link"

/* A daemon instance's run and state directories (each CFG_PATH_MAX): run_dir= and state_dir=
 * from p when set; else the directory of the control socket, and CFG_DEFAULT_STATE_DIR for the
 * default CONFDIR (CFG_DEFAULT_STATE_DIR/netns-NS in the named network namespace netns, "" for
 * none), CONFDIR/state for another. Pure. */
void cfg_instance_dirs(const struct cfg_param *p, const char *confdir, const char *socket,
		       const char *netns, char *run_dir, char *state_dir);

/* Names as written in connections.ini ("dial-up", "llt", ...); static strings. */
const char *cfg_mode_name(enum cfg_mode m);
const char *cfg_duid_name(enum cfg_duid d);

/* File wrappers (cfg_io.c): read path and call the parser above. A file that cannot be read
 * is an error "cannot open FILE: strerror", except that cfg_param_load with missing_ok treats a
 * missing file as empty (all defaults). Return 0 or -1 like the parsers. */
int cfg_param_load(const char *path, bool missing_ok, struct cfg_param *out,
		   struct cfg_msgs *errs, struct cfg_msgs *warns);
int cfg_conns_load(const char *path, const struct cfg_param *param, struct cfg_conns *out,
		   struct cfg_msgs *errs, struct cfg_msgs *warns);

/* Reads a whole file (at most 1 MiB) into a malloc'd NUL-terminated buffer; returns 0 or -1
 * with errno set and a message in errs. The caller frees *buf. */
int cfg_read_file(const char *path, char **buf, size_t *len, struct cfg_msgs *errs);

#endif
