/* connections.ini: one [NAME] section per connection (key table), the dial string and the
 * encrypted password checked on the way in, then cross-field checks over all connections. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg/cfg_int.h"
#include "cfg/secret.h"

static const char *const cfg_dhcpv6_names[] = {
	[CFG_DHCPV6_AUTO] = "auto", [CFG_DHCPV6_STATEFUL] = "stateful",
	[CFG_DHCPV6_STATELESS] = "stateless", [CFG_DHCPV6_OFF] = "off", NULL,
};
static const char *const cfg_mode_names[] = {
	[CFG_MODE_AUTO] = "auto", [CFG_MODE_DIALUP] = "dial-up", [CFG_MODE_ROUTER] = "router",
	[CFG_MODE_MIXED] = "mixed", NULL,
};

static const char *const cfg_nat46_names[] = {
	[CFG_NAT46_AUTO] = "auto", [CFG_NAT46_ON] = "on", [CFG_NAT46_OFF] = "off", NULL,
};

static const char *const cfg_rx_ring_names[] = {
	[CFG_RX_RING_AUTO] = "auto", [CFG_RX_RING_ON] = "on", [CFG_RX_RING_OFF] = "off", NULL,
};

const char *cfg_mode_name(enum cfg_mode m)
{
	switch (m) {
	case CFG_MODE_AUTO: return "auto";
	case CFG_MODE_DIALUP: return "dial-up";
	case CFG_MODE_ROUTER: return "router";
	case CFG_MODE_MIXED: return "mixed";
	}
	return "?";
}

const char *cfg_duid_name(enum cfg_duid d)
{
	switch (d) {
	case CFG_DUID_LLT: return "llt";
	case CFG_DUID_EN: return "en";
	case CFG_DUID_LL: return "ll";
	case CFG_DUID_UUID: return "uuid";
	case CFG_DUID_RAW: return "raw";
	}
	return "?";
}

static void conn_dial_err(void *arg, const char *msg)
{
	struct cfg_ctx *c = arg;

	cfg_err(c, "[%s] key 'dial_string': %s", c->section, msg);
}

static bool conn_parse_dial(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			    const char *val)
{
	struct cfg_conn *conn = base;

	if (!cfg_parse_text(c, k, base, val))
		return false;
	return cfg_dial_parse(val, &conn->dial, c ? conn_dial_err : NULL, c) == 0;
}

static bool conn_parse_password(struct cfg_ctx *c, const struct cfg_key *k, void *base,
				const char *val)
{
	struct cfg_conn *conn = base;
	enum cfg_secret_err e;

	if (*val == '\0') {
		conn->password_enc[0] = '\0';
		return true;
	}
	e = cfg_secret_check(val);
	if (e == CFG_SECRET_E_PREFIX) {
		cfg_bad(c, k, val, "expected an encrypted password (enc:v1:...), got a plain one: "
				   "remove it and run 'v6link passwd %s'", conn->name);
		return false;
	}
	if (e != CFG_SECRET_OK || strlen(val) >= sizeof(conn->password_enc)) {
		cfg_bad(c, k, val, "encrypted password is damaged (%s): run 'v6link passwd %s'",
			e != CFG_SECRET_OK ? cfg_secret_err_str(e) : "too long", conn->name);
		return false;
	}
	memcpy(conn->password_enc, val, strlen(val) + 1);
	return true;
}

static bool conn_parse_auth(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			    const char *val)
{
	static const struct { const char *name; unsigned bit; } methods[] = {
		{ "pap", CFG_AUTH_PAP }, { "chap", CFG_AUTH_CHAP },
		{ "mschapv2", CFG_AUTH_MSCHAPV2 },
	};
	unsigned mask = 0;
	const char *p = val;

	while (*p) {
		size_t n = strcspn(p, ", \t"), i;
		for (i = 0; i < 3; i++)
			if (strlen(methods[i].name) == n && !strncasecmp(p, methods[i].name, n))
				break;
		if (i == 3)
			goto bad;
		mask |= methods[i].bit;
		p += n;
		p += strspn(p, ", \t");
	}
	if (mask == 0)
		goto bad;
	memcpy((char *)base + k->off, &mask, sizeof(mask));
	return true;
bad:
	cfg_bad(c, k, val, "expected a comma-separated list of pap, chap, mschapv2");
	return false;
}

static bool conn_parse_pdlen(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			     const char *val)
{
	long x;

	if (!cfg_decimal(val, 0, 64, &x) || (x > 0 && x < 48)) {
		cfg_bad(c, k, val, "expected 0 (no hint) or 48..64");
		return false;
	}
	memcpy((char *)base + k->off, &(unsigned){ (unsigned)x }, sizeof(unsigned));
	return true;
}

static bool conn_parse_prefix(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			      const char *val)
{
	struct cfg_conn *conn = base;

	conn->has_ipv6_prefix = cfg_parse_prefix64(c, k, base, val);
	return conn->has_ipv6_prefix;
}

/* A decimal 32-bit number: digits only, no sign, at most 10 of them. */
static bool conn_u32(const char *val, uint32_t *out)
{
	uint64_t x = 0;
	size_t n = strlen(val);

	if (n == 0 || n > 10 || strspn(val, "0123456789") != n)
		return false;
	for (size_t i = 0; i < n; i++)
		x = x * 10 + (uint64_t)(val[i] - '0');
	if (x > UINT32_MAX)
		return false;
	*out = (uint32_t)x;
	return true;
}

static bool conn_parse_metric(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			      const char *val)
{
	uint32_t x;

	if (!conn_u32(val, &x) || x == 0) {
		cfg_bad(c, k, val, "expected 1..4294967295");
		return false;
	}
	memcpy((char *)base + k->off, &(unsigned){ x }, sizeof(unsigned));
	return true;
}

/* 0 (unspec), 253 (default), 254 (main) and 255 (local) are the kernel's reserved tables; main
 * is written by name so that a typo cannot put the routes into it. */
static bool conn_parse_table(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			     const char *val)
{
	uint32_t x;

	if (!strcmp(val, "main")) {
		x = CFG_TABLE_MAIN;
	} else if (!conn_u32(val, &x) || x == 0 || (x >= 253 && x <= 255)) {
		cfg_bad(c, k, val, "expected main or a table number 1..4294967295 other than the "
				   "reserved 253 (default), 254 (main) and 255 (local)");
		return false;
	}
	memcpy((char *)base + k->off, &(unsigned){ x }, sizeof(unsigned));
	return true;
}

static int conn_hexdigit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "00:03:00:01:..." (two hex digits per octet, ':' between them) into out[cap]; returns the
 * number of octets, or -1 if that is not the syntax or there are more than cap. */
static int conn_hex_octets(const char *val, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = val;; p += 3) {
		int hi = conn_hexdigit(p[0]), lo = hi < 0 ? -1 : conn_hexdigit(p[1]);
		if (lo < 0 || n == cap || (p[2] != ':' && p[2] != '\0'))
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		if (p[2] == '\0')
			return (int)n;
	}
}

/* The shortest DUID of each type: RFC 8415 §11.2 LLT (type, hardware type, time, at least one
 * octet of link-layer address), §11.3 EN (type, enterprise number, an identifier), §11.4 LL;
 * RFC 6355 §4 UUID is exactly 18 octets. Other types are refused: a MAC address pasted without
 * its DUID header would otherwise pass as a DUID of type 0x02xx. */
static bool conn_duid_check(struct cfg_ctx *c, const struct cfg_key *k, const char *val,
			    const uint8_t *d, int n)
{
	static const struct { const char *name; int min, max; } types[] = {
		[1] = { "DUID-LLT", 9, CFG_DUID_MAX }, [2] = { "DUID-EN", 7, CFG_DUID_MAX },
		[3] = { "DUID-LL", 5, CFG_DUID_MAX }, [4] = { "DUID-UUID", 18, 18 },
	};
	unsigned type;

	if (n < 2 || n > CFG_DUID_MAX) {
		cfg_bad(c, k, val, "expected a DUID of 2..%d octets (RFC 8415 section 11.1); this "
				   "one has %d", CFG_DUID_MAX, n);
		return false;
	}
	type = (unsigned)(d[0] << 8 | d[1]);
	if (type < 1 || type > 4) {
		cfg_bad(c, k, val, "expected a DUID of type 1 (LLT), 2 (EN), 3 (LL) or 4 (UUID) in its "
				   "first two octets; this one has type %u", type);
		return false;
	}
	if (n < types[type].min || n > types[type].max) {
		cfg_bad(c, k, val, "expected %s%d octets for %s (type %u); this one has %d",
			types[type].min == types[type].max ? "" : "at least ", types[type].min,
			types[type].name, type, n);
		return false;
	}
	return true;
}

/* duid=llt|en|ll|uuid, or the DUID itself as colon-separated hex octets (as networkd's
 * DUIDRawData= and dhcpcd's duid file), e.g. to keep the binding of a replaced box. */
static bool conn_parse_duid(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			    const char *val)
{
	static const char *const names[] = { "llt", "en", "ll", "uuid" };
	struct cfg_conn *conn = base;
	uint8_t d[CFG_MAX_LINE / 3 + 1]; /* every octet a line can hold: lengths are exact */
	int n;

	for (unsigned i = 0; i < 4; i++)
		if (!strcasecmp(val, names[i])) {
			conn->duid = (enum cfg_duid)i;
			conn->duid_raw_len = 0;
			memset(conn->duid_raw, 0, sizeof(conn->duid_raw));
			return true;
		}
	n = conn_hex_octets(val, d, sizeof(d));
	if (n < 0 && strchr(val, ':') == NULL) {
		cfg_bad(c, k, val, "expected llt, en, ll, uuid or the DUID itself as hex octets "
				   "separated by ':' (such as 00:03:00:01:02:76:36:00:00:10)");
		return false;
	}
	if (n < 0) {
		cfg_bad(c, k, val, "expected the DUID as hex octets of two digits each, separated "
				   "by ':' (such as 00:03:00:01:02:76:36:00:00:10)");
		return false;
	}
	if (!conn_duid_check(c, k, val, d, n))
		return false;
	conn->duid = CFG_DUID_RAW;
	memset(conn->duid_raw, 0, sizeof(conn->duid_raw));
	memcpy(conn->duid_raw, d, (size_t)n);
	conn->duid_raw_len = (unsigned)n;
	return true;
}

/* An IAID: 32 bits, decimal or 0x and 1..8 hex digits. */
static bool conn_parse_iaid(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			    const char *val)
{
	struct cfg_iaid id = { .is_set = true };
	size_t n = strlen(val);
	bool ok;

	if (n > 2 && val[0] == '0' && (val[1] == 'x' || val[1] == 'X')) {
		ok = n <= 10;
		for (size_t i = 2; ok && i < n; i++) {
			int h = conn_hexdigit(val[i]);
			ok = h >= 0;
			id.value = id.value << 4 | (uint32_t)(h & 0xf);
		}
	} else {
		ok = conn_u32(val, &id.value);
	}
	if (!ok) {
		cfg_bad(c, k, val, "expected an IAID: 0..4294967295, or 0x0..0xffffffff");
		return false;
	}
	memcpy((char *)base + k->off, &id, sizeof(id));
	return true;
}

#define C(field) offsetof(struct cfg_conn, field)

/* Connection keys: the original product's, then Linux additions. use_ipv4/use_ipv6 have no
 * table default: they come from [param] default_use_ipv4/6. */
static const struct cfg_key conn_keys[] = {
	{ "enabled", cfg_parse_bool, C(enabled), 0, 1, "0", NULL, "1 = dial whenever needed" },
	{ "dial_string", conn_parse_dial, C(dial_string), 0, CFG_DIAL_STRING_MAX - 1, "", NULL,
	  "PPPoE parameters: aidx= if= serv= h= ac= to= tr= prio= vlan=" },
	{ "user_name", cfg_parse_text, C(user_name), 0, CFG_USER_MAX - 1, NULL, NULL,
	  "PPP user name" },
	{ "password", conn_parse_password, C(password_enc), 0, CFG_PASSWORD_ENC_MAX - 1, NULL,
	  NULL, "encrypted password; set with v6link passwd NAME" },
	{ "mru", cfg_parse_uint, C(mru), 128, 1500, "1492", NULL, "LCP MRU; >1492 needs RFC 4638" },
	{ "use_ipv4", cfg_parse_bool, C(use_ipv4), 0, 1, NULL, NULL, "negotiate IPCP" },
	{ "use_ipv6", cfg_parse_bool, C(use_ipv6), 0, 1, NULL, NULL, "negotiate IPv6CP" },
	{ "ipv6_prefix", conn_parse_prefix, C(ipv6_prefix), 0, 0, NULL, NULL, "static /64" },
	{ "idle_timeout", cfg_parse_uint, C(idle_timeout_s), 0, 86400, "0", NULL,
	  "hang up after this many idle seconds; 0 = always on" },
	{ "ipv6_dns1", cfg_parse_ipv6, C(ipv6_dns1), 0, 0, NULL, NULL, "static IPv6 DNS server" },
	{ "ipv6_dns2", cfg_parse_ipv6, C(ipv6_dns2), 0, 0, NULL, NULL, "static IPv6 DNS server" },
	{ "interface", cfg_parse_ifname, C(interface), 0, 0, "v6link0", NULL, "TUN name" },
	{ "auth", conn_parse_auth, C(auth), 0, 0, "pap,chap,mschapv2", NULL,
	  "authentication methods accepted" },
	{ "lcp_echo_interval", cfg_parse_uint, C(lcp_echo_interval_s), 0, 3600, "10", NULL,
	  "seconds between LCP echo requests; 0 = none" },
	{ "lcp_echo_failure", cfg_parse_uint, C(lcp_echo_failure), 1, 100, "3", NULL,
	  "unanswered echo requests before the link is declared dead" },
	{ "redial_delay", cfg_parse_uint, C(redial_delay_s), 1, 3600, "5", NULL,
	  "first delay before redialling, doubled per failure" },
	{ "redial_delay_max", cfg_parse_uint, C(redial_delay_max_s), 1, 86400, "120", NULL,
	  "longest redial delay" },
	{ "persist", cfg_parse_bool, C(persist), 0, 1, "1", NULL, "redial after a hang-up" },
	{ "dns", cfg_parse_bool, C(dns), 0, 1, "1", NULL, "configure the host's DNS" },
	{ "duid", conn_parse_duid, C(duid), 0, 0, "ll", NULL,
	  "DHCPv6 DUID: llt, en, ll, uuid, or the DUID in hex (00:03:00:01:...)" },
	{ "iaid", conn_parse_iaid, C(iaid), 0, 0, NULL, NULL,
	  "DHCPv6 IAID of IA_NA (IA_PD: XOR 0x10000); default from the MAC, kept in NAME.iaid" },
	{ "iaid_pd", conn_parse_iaid, C(iaid_pd), 0, 0, NULL, NULL, "DHCPv6 IAID of IA_PD" },
	{ "reconfigure_accept", cfg_parse_bool, C(reconfigure_accept), 0, 1, "1", NULL,
	  "accept authenticated DHCPv6 Reconfigure messages (RFC 8415 18.2.11)" },
	{ "prefix_delegation", cfg_parse_bool, C(prefix_delegation), 0, 1, "1", NULL,
	  "ask DHCPv6 for a delegated prefix" },
	{ "stable_privacy", cfg_parse_bool, C(stable_privacy), 0, 1, "0", NULL,
	  "RFC 7217 SLAAC identifiers" },
	{ "dhcpv6", cfg_parse_enum, C(dhcpv6), 0, 0, "auto", cfg_dhcpv6_names,
	  "DHCPv6 mode" },
	{ "pd_length", conn_parse_pdlen, C(pd_length), 0, 64, "0", NULL, "IA_PD length hint" },
	{ "hook", cfg_parse_path, C(hook), 0, CFG_PATH_MAX - 1, NULL, NULL,
	  "executable run on state changes" },
	{ "mode", cfg_parse_enum, C(mode), 0, 0, "auto", cfg_mode_names,
	  "auto, dial-up, router or mixed" },
	{ "nat46", cfg_parse_enum, C(nat46), 0, 0, "auto", cfg_nat46_names,
	  "IPv4-only applications through NAT46 and the DNS mapper (auto: when use_ipv4=0)" },
	{ "route_metric", conn_parse_metric, C(route_metric), 0, 0, "50", NULL,
	  "metric of the connection's default and RFC 4191 routes" },
	{ "default_route", cfg_parse_bool, C(default_route), 0, 1, "1", NULL,
	  "install IPv4/IPv6 default routes (and the dial-on-demand ones)" },
	{ "table", conn_parse_table, C(route_table), 0, 0, "main", NULL,
	  "routing table of every route of the connection: main or 1..4294967295" },
	{ "rx_ring", cfg_parse_enum, C(rx_ring), 0, 0, "auto", cfg_rx_ring_names,
	  "the data path's receive ring: auto (while the download is fast), on or off" },
};
#define CONN_N_KEYS (sizeof(conn_keys) / sizeof(conn_keys[0]))

_Static_assert(CONN_N_KEYS <= CFG_MAX_KEYS, "seen[] too small");
_Static_assert(sizeof(enum cfg_mode) == sizeof(int) && sizeof(enum cfg_dhcpv6) == sizeof(int) && sizeof(enum cfg_nat46) == sizeof(int) &&
		       sizeof(enum cfg_rx_ring) == sizeof(int) &&
		       sizeof(enum log_level) == sizeof(int),
	       "cfg_parse_enum writes an int");

struct conns_state {
	struct cfg_conns cs;
	struct cfg_conn *cur;
	unsigned seen[CFG_MAX_CONNS][CFG_MAX_KEYS];
	const struct cfg_param *param;
};

bool cfg_conn_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= CFG_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       n;
}

void cfg_conn_defaults(struct cfg_conn *c, const char *name, const struct cfg_param *param)
{
	struct cfg_param builtin;

	if (!param) {
		cfg_param_defaults(&builtin);
		param = &builtin;
	}
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	cfg_dial_defaults(&c->dial);
	cfg_table_defaults(conn_keys, CONN_N_KEYS, c);
	c->use_ipv4 = param->default_use_ipv4;
	c->use_ipv6 = param->default_use_ipv6;
}

const struct cfg_conn *cfg_conn_find(const struct cfg_conns *cs, const char *name)
{
	for (unsigned i = 0; i < cs->n; i++)
		if (!strcmp(cs->conn[i].name, name))
			return &cs->conn[i];
	return NULL;
}

static void conns_on_section(struct cfg_ctx *c, const char *name)
{
	struct conns_state *st = c->priv;
	const struct cfg_conn *old = cfg_conn_find(&st->cs, name);

	st->cur = NULL;
	c->skip_section = true;
	if (!cfg_conn_name_valid(name)) {
		cfg_err(c, "connection name [%s] invalid: expected 1..32 characters of A-Z a-z 0-9 "
			   "_ . -", c->section);
	} else if (old) {
		cfg_err(c, "connection [%s] already defined on line %u", name, old->line);
	} else if (st->cs.n == CFG_MAX_CONNS) {
		cfg_err(c, "connection [%s]: more than %d connections", name, CFG_MAX_CONNS);
	} else {
		st->cur = &st->cs.conn[st->cs.n++];
		cfg_conn_defaults(st->cur, name, st->param);
		st->cur->line = c->line;
		c->skip_section = false;
	}
}

static void conns_on_key(struct cfg_ctx *c, const char *key, const char *val)
{
	struct conns_state *st = c->priv;

	cfg_table_set(c, conn_keys, CONN_N_KEYS, st->seen[st->cur - st->cs.conn], st->cur, key,
		      val);
}

/* Line a key of connection i was set on, else the connection's header line. */
static unsigned conns_line(const struct conns_state *st, unsigned i, const char *key)
{
	unsigned l = st->seen[i][cfg_table_find(conn_keys, CONN_N_KEYS, key)];

	return l ? l : st->cs.conn[i].line;
}

/* Two connections up at once with default routes at one metric in one table: the kernel keeps
 * one route per (table, destination, metric), so the second gets none. Connections sharing an
 * interface are never up together. */
static void conns_check_metric(struct cfg_ctx *c, const struct conns_state *st, unsigned i)
{
	const struct cfg_conn *k = &st->cs.conn[i];

	for (unsigned j = 0; j < i && k->default_route; j++) {
		const struct cfg_conn *o = &st->cs.conn[j];
		if (!o->default_route || o->route_metric != k->route_metric ||
		    o->route_table != k->route_table || !strcmp(o->interface, k->interface))
			continue;
		cfg_warn(c, conns_line(st, i, "route_metric"), "[%s] key 'route_metric': %u is also "
			 "the metric of [%s]'s default routes in the same table: while both are up "
			 "only the first one up has default routes; give each its own route_metric",
			 k->name, k->route_metric, o->name);
		return;
	}
}

static void conns_check_one(struct cfg_ctx *c, const struct conns_state *st, unsigned i)
{
	static const uint8_t zero[16];
	const struct cfg_conn *k = &st->cs.conn[i];

	if (k->mru > 1492)
		cfg_warn(c, conns_line(st, i, "mru"), "[%s] key 'mru': %u > 1492 needs RFC 4638 "
			 "PPP-Max-Payload from the access concentrator, else 1492 is used",
			 k->name, k->mru);
	if (!memcmp(k->ipv6_dns1, zero, 16) && memcmp(k->ipv6_dns2, zero, 16))
		cfg_warn(c, conns_line(st, i, "ipv6_dns2"),
			 "[%s] key 'ipv6_dns2' set without ipv6_dns1", k->name);
	if (k->password_enc[0] && !k->user_name[0])
		cfg_warn(c, conns_line(st, i, "password"), "[%s] password set without user_name",
			 k->name);
	c->line = conns_line(st, i, "redial_delay");
	if (k->redial_delay_s > k->redial_delay_max_s)
		cfg_err(c, "[%s] key 'redial_delay': %u is more than redial_delay_max %u", k->name,
			k->redial_delay_s, k->redial_delay_max_s);
	c->line = k->line;
	if (!k->use_ipv4 && !k->use_ipv6)
		cfg_err(c, "[%s] use_ipv4 and use_ipv6 are both 0: nothing to connect", k->name);
	conns_check_metric(c, st, i);
	for (unsigned j = 0; j < i; j++) {
		const struct cfg_conn *o = &st->cs.conn[j];
		if (strcmp(o->interface, k->interface))
			continue;
		if (o->enabled && k->enabled) {
			c->line = conns_line(st, i, "interface");
			cfg_err(c, "[%s] key 'interface': '%s' is also used by [%s] and both are "
				   "enabled; give each connection its own interface", k->name,
				k->interface, o->name);
		} else {
			cfg_warn(c, conns_line(st, i, "interface"), "[%s] key 'interface': '%s' is "
				 "also used by [%s]: they cannot be up at the same time", k->name,
				 k->interface, o->name);
		}
	}
}

int cfg_conns_parse(const char *buf, size_t len, const char *file, const struct cfg_param *param,
		    struct cfg_conns *out, struct cfg_msgs *errs, struct cfg_msgs *warns)
{
	struct conns_state *st = calloc(1, sizeof(*st));
	struct cfg_ctx c = {
		.file = file, .buf = buf, .len = len, .errs = errs, .warns = warns,
		.on_section = conns_on_section, .on_key = conns_on_key, .priv = st,
	};
	int rc;

	if (!st) {
		cfg_msgs_add(errs, "%s: out of memory", file);
		return -1;
	}
	st->param = param;
	rc = cfg_run(&c);
	for (unsigned i = 0; i < st->cs.n; i++)
		conns_check_one(&c, st, i);
	if (c.n_err == 0) {
		*out = st->cs;
		rc = 0;
	} else {
		rc = -1;
	}
	free(st);
	return rc;
}
