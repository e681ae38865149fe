/* Dial-string parser (pure): whitespace/comma/semicolon separated key=value parameters in any
 * order; tokens without '=' (a phone number such as *99#) are ignored. Keys: aidx, if, serv, h,
 * ac, to, tr, prio, vlan. No I/O, no logging: every error goes to a caller callback. */
#ifndef V6L_CFG_DIALSTR_H
#define V6L_CFG_DIALSTR_H

#include <stdbool.h>
#include <stddef.h>

#define CFG_DIAL_NAME_MAX 64 /* service / AC name buffers, NUL included */
#define CFG_IFNAME_MAX 16    /* IFNAMSIZ */

struct cfg_dial {
	int aidx;                        /* interface index (as in `ip link`), -1 = auto */
	char ifname[CFG_IFNAME_MAX];     /* "" = not given */
	char service[CFG_DIAL_NAME_MAX]; /* PPPoE Service-Name; "" = any service */
	bool host_uniq;                  /* send a Host-Uniq tag (default true) */
	char ac_name[CFG_DIAL_NAME_MAX]; /* accept only an AC whose name contains this; "" = any */
	unsigned timeout_ms;             /* discovery timeout per try (default 2000, 100..60000) */
	unsigned retries;                /* discovery tries (default 3, 1..20) */
	unsigned prio;                   /* 802.1p priority 0..7 (default 0) */
	unsigned vlan;                   /* 802.1Q VLAN ID 1..4094, 0 = untagged (default) */
};

/* Receives one error message (NUL-terminated, no file/line prefix) for the caller to store. */
typedef void cfg_dial_err_fn(void *ctx, const char *msg);

/* Fills d with the defaults (aidx -1, h=1, to=2000, tr=3, prio 0, no VLAN). */
void cfg_dial_defaults(struct cfg_dial *d);

/* Parses the NUL-terminated dial string s into d (defaults first). Each error is passed to
 * on_err (may be NULL); returns the number of errors, 0 when d is valid. */
unsigned cfg_dial_parse(const char *s, struct cfg_dial *d, cfg_dial_err_fn *on_err, void *ctx);

/* True if name is a valid Linux interface name: 1..15 bytes, not "." or "..", no '/', ':',
 * whitespace or control characters. */
bool cfg_ifname_valid(const char *name);

#endif
