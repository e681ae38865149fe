/* v6link.ini: [param] (key table), [passthrough] (adapter-name substrings) and
 * [DHCPv6_stateful_options] / [DHCPv6_stateless_options] (oroN=code, optionN=raw option hex). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg/cfg_int.h"

static const char *const cfg_log_names[] = { "error", "warning", "info", "debug", NULL };

#define P(field) offsetof(struct cfg_param, field)

/* "A.B.C.D/len": an aligned IPv4 prefix of length 8..30 (the NAT46 pool). */
static bool param_parse_pool(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			     const char *val)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(val, '/');
	long len;
	uint8_t a[4];
	size_t n = slash ? (size_t)(slash - val) : 0;

	if (!slash || n >= sizeof(addr) || !cfg_decimal(slash + 1, 8, 30, &len))
		goto bad;
	memcpy(addr, val, n);
	addr[n] = 0;
	if (inet_pton(AF_INET, addr, a) != 1 || a[0] == 0 || a[0] == 127 || a[0] >= 224)
		goto bad;
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	if (v & (0xffffffffu >> len))
		goto bad;
	struct cfg_param *p = base;
	memcpy(p->nat46_pool, a, 4);
	p->nat46_pool_len = (unsigned)len;
	return true;
bad:
	cfg_bad(c, k, val, "expected an aligned unicast IPv4 prefix /8../30 such as 198.18.0.0/15");
	return false;
}

/* user=: a user name (letters, digits, '_', '.', '-', not starting with a digit or '-'), or
 * "UID[:GID]"; the account itself is looked up when the daemon starts. */
static bool param_parse_user(struct cfg_ctx *c, const struct cfg_key *k, void *base,
			     const char *val)
{
	size_t n = strlen(val);
	uint32_t uid, gid;
	bool ok = n < CFG_USER_LEN && (n == 0 || cfg_user_numeric(val, &uid, &gid));
	if (!ok && n > 0 && n < CFG_USER_LEN && !strchr("0123456789-", val[0])) {
		ok = true;
		for (size_t i = 0; i < n; i++)
			ok = ok && (isalnum((unsigned char)val[i]) || strchr("_.-", val[i]));
	}
	if (!ok) {
		cfg_bad(c, k, val, "expected a user name of at most %d characters, or UID[:GID]",
			CFG_USER_LEN - 1);
		return false;
	}
	memcpy((char *)base + k->off, val, n + 1);
	return true;
}

/* [param]: the original product's keys, then Linux additions. */
static const struct cfg_key param_keys[] = {
	{ "func_trace", cfg_parse_uint, P(func_trace), 0, 2, "0", NULL,
	  "text trace detail: 0 minimum, 1 all but data, 2 also data" },
	{ "dump_unknown_frames", cfg_parse_bool, P(dump_unknown_frames), 0, 1, "0", NULL,
	  "trace frames no component understood" },
	{ "ipv4_router_addr", cfg_parse_ipv4, P(ipv4_router_addr), 0, 0, "192.0.0.1", NULL,
	  "IPv4 address v6link uses as the host's IPv4 router/DNS for NAT46 and DNS mapping" },
	{ "nat46_pool", param_parse_pool, 0, 0, 0, "198.18.0.0/15", NULL,
	  "IPv4 pool of addresses synthesized for IPv6-only names (NAT46)" },
	{ "allow_mixed_mode", cfg_parse_bool, P(allow_mixed_mode), 0, 1, "1", NULL,
	  "allow mixed mode (IPv4 via the adapter's DHCPv4 router, IPv6 via PPPoE)" },
	{ "check_traffic", cfg_parse_bool, P(check_traffic), 0, 1, "1", NULL,
	  "drop received packets not addressed to this host" },
	{ "default_use_ipv4", cfg_parse_bool, P(default_use_ipv4), 0, 1, "1", NULL,
	  "default of use_ipv4 in connections.ini" },
	{ "default_use_ipv6", cfg_parse_bool, P(default_use_ipv6), 0, 1, "1", NULL,
	  "default of use_ipv6 in connections.ini" },
	{ "ipv4_mcast_is_unicast", cfg_parse_bool, P(ipv4_mcast_is_unicast), 0, 1, "0", NULL,
	  "send IPv4 multicast/broadcast to the peer as unicast" },
	{ "trace_dir", cfg_parse_path, P(trace_dir), 1, CFG_PATH_MAX - 1, "/var/log/v6link", NULL,
	  "directory for pcapng and text traces" },
	{ "run_dir", cfg_parse_path, P(run_dir), 0, CFG_PATH_MAX - 1, "", NULL,
	  "runtime files (NAME.env, session records); empty: the control socket's directory" },
	{ "state_dir", cfg_parse_path, P(state_dir), 0, CFG_PATH_MAX - 1, "", NULL,
	  "persistent state (DUID, identifiers); empty: /var/lib/v6link, or CONFDIR/state "
	  "for another CONFDIR" },
	{ "keep_ppinfo", cfg_parse_bool, P(keep_ppinfo), 0, 1, "0", NULL,
	  "accepted for compatibility; no meaning on Linux" },
	{ "option_dasp", cfg_parse_uint, P(option_dasp), 1, 65535, "84", NULL,
	  "DHCPv6 option code of the address selection policy option (RFC 7078: 84)" },
	{ "log_level", cfg_parse_enum, P(log_level), 0, 0, "info", cfg_log_names,
	  "error, warning, info or debug" },
	{ "seccomp", cfg_parse_bool, P(seccomp), 0, 1, "1", NULL,
	  "system call allow-list after start-up (0: off, for debugging)" },
	{ "user", param_parse_user, P(user), 0, 0, "", NULL,
	  "the user the daemon runs as after start-up; empty: v6link if that account exists; "
	  "root: stay uid 0" },
};
#define PARAM_N_KEYS (sizeof(param_keys) / sizeof(param_keys[0]))

enum param_sec { PSEC_PARAM, PSEC_PASSTHROUGH, PSEC_STATEFUL, PSEC_STATELESS };

static const char *const param_sections[] = {
	[PSEC_PARAM] = "param",
	[PSEC_PASSTHROUGH] = "passthrough",
	[PSEC_STATEFUL] = "DHCPv6_stateful_options",
	[PSEC_STATELESS] = "DHCPv6_stateless_options",
};

/* The N of an oroN / optionN key and the line it was set on, for duplicate detection. */
struct param_idx {
	unsigned long n;
	unsigned line;
};

struct param_state {
	struct cfg_param p;
	enum param_sec sec;
	unsigned seen[CFG_MAX_KEYS];
	struct param_idx oro_idx[2][CFG_MAX_ORO];
	struct param_idx raw_idx[2][CFG_MAX_RAWOPT];
};

void cfg_param_defaults(struct cfg_param *p)
{
	memset(p, 0, sizeof(*p));
	cfg_table_defaults(param_keys, PARAM_N_KEYS, p);
}

static void param_on_section(struct cfg_ctx *c, const char *name)
{
	struct param_state *st = c->priv;

	for (size_t i = 0; i < sizeof(param_sections) / sizeof(param_sections[0]); i++)
		if (!strcasecmp(name, param_sections[i])) {
			st->sec = (enum param_sec)i;
			c->section_bare_ok = st->sec == PSEC_PASSTHROUGH;
			return;
		}
	c->skip_section = true;
	cfg_err(c, "unknown section [%s] (accepted: param, passthrough, DHCPv6_stateful_options, "
		   "DHCPv6_stateless_options)", c->section);
}

/* [passthrough]: "N=substring" or a bare "substring". */
static void param_passthrough(struct cfg_ctx *c, struct cfg_param *p, const char *key,
			      const char *val)
{
	const char *sub = *val ? val : key;
	char shown[96];
	size_t n = strlen(sub);

	cfg_printable(shown, sizeof(shown), sub, 80);
	if (n == 0 || n >= CFG_PASSTHROUGH_LEN) {
		cfg_err(c, "[passthrough] entry '%s': expected 1..%d characters", shown,
			CFG_PASSTHROUGH_LEN - 1);
		return;
	}
	if (p->n_passthrough == CFG_MAX_PASSTHROUGH) {
		cfg_err(c, "[passthrough] entry '%s': more than %d entries", shown,
			CFG_MAX_PASSTHROUGH);
		return;
	}
	memcpy(p->passthrough[p->n_passthrough++], sub, n + 1);
}

/* Matches "<prefix><digits>" case-insensitively; stores the number in *idx. */
static bool param_indexed_key(const char *key, const char *prefix, unsigned long *idx)
{
	size_t n = strlen(prefix);
	long x;

	if (strncasecmp(key, prefix, n) || !cfg_decimal(key + n, 0, 999999, &x))
		return false;
	*idx = (unsigned long)x;
	return true;
}

/* Parses "hh,hh,..." (items separated by ',' or spaces, each one hex digit or an even number
 * of them) into out; returns the byte count, -1 on bad syntax, -2 if more than cap bytes. */
static int param_hex(const char *v, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*v) {
		size_t digits = strspn(v, "0123456789abcdefABCDEF");
		if (digits == 0 || (digits > 1 && digits % 2))
			return -1;
		for (size_t i = 0; i < digits; i += (digits == 1 ? 1 : 2)) {
			char hex[3] = { v[i], digits == 1 ? '\0' : v[i + 1], '\0' };
			if (n == cap)
				return -2;
			out[n++] = (uint8_t)strtoul(hex, NULL, 16);
		}
		v += digits;
		if (*v && !strchr(", \t", *v))
			return -1;
		v += strspn(v, " \t");
		if (*v == ',' && *++v == '\0')
			return -1; /* trailing comma */
		v += strspn(v, " \t");
	}
	return (int)n;
}

/* optionN=: the complete option as sent: code (2 bytes), length (2 bytes), value. */
static void param_rawopt(struct cfg_ctx *c, struct cfg_dhcp6_opts *o, const char *key,
			 const char *val)
{
	struct cfg_key k = { .key = key };
	struct cfg_dhcp6_rawopt *r = &o->rawopt[o->n_rawopt];
	int n = param_hex(val, r->data, CFG_RAWOPT_MAX);
	unsigned code, len;

	if (n < 4) {
		cfg_bad(c, &k, val, "expected the whole option as hex bytes 'cc,cc,ll,ll,vv,...' "
				    "(2-byte code, 2-byte length, value; at most %d bytes)",
			CFG_RAWOPT_MAX);
		return;
	}
	code = (unsigned)r->data[0] << 8 | r->data[1];
	len = (unsigned)r->data[2] << 8 | r->data[3];
	if (code == 0) {
		cfg_bad(c, &k, val, "expected an option code 1..65535 in the first two bytes");
		return;
	}
	if (len != (unsigned)n - 4) {
		cfg_bad(c, &k, val, "option length field says %u but %d value bytes follow", len,
			n - 4);
		return;
	}
	r->code = (uint16_t)code;
	r->len = (uint16_t)n;
	o->n_rawopt++;
}

static bool param_dup(struct cfg_ctx *c, struct param_idx *idx, unsigned count, const char *key,
		      unsigned long n)
{
	for (unsigned i = 0; i < count; i++)
		if (idx[i].n == n) {
			cfg_err(c, "[%s] key '%s' already set on line %u", c->section, key,
				idx[i].line);
			return true;
		}
	return false;
}

static void param_dhcp6(struct cfg_ctx *c, struct param_state *st, const char *key,
			const char *val)
{
	int w = st->sec == PSEC_STATELESS;
	struct cfg_dhcp6_opts *o = w ? &st->p.dhcp6_stateless : &st->p.dhcp6_stateful;
	struct cfg_key k = { .key = key, .min = 1, .max = 65535 };
	unsigned long n;
	long code;

	if (param_indexed_key(key, "oro", &n)) {
		if (param_dup(c, st->oro_idx[w], o->n_oro, key, n))
			return;
		if (o->n_oro == CFG_MAX_ORO) {
			cfg_err(c, "[%s] key '%s': more than %d oroN keys", c->section, key,
				CFG_MAX_ORO);
		} else if (!cfg_decimal(val, 1, 65535, &code)) {
			cfg_bad(c, &k, val, "expected an option code 1..65535");
		} else {
			st->oro_idx[w][o->n_oro] = (struct param_idx){ n, c->line };
			o->oro[o->n_oro++] = (uint16_t)code;
		}
	} else if (param_indexed_key(key, "option", &n)) {
		if (param_dup(c, st->raw_idx[w], o->n_rawopt, key, n))
			return;
		if (o->n_rawopt == CFG_MAX_RAWOPT) {
			cfg_err(c, "[%s] key '%s': more than %d optionN keys", c->section, key,
				CFG_MAX_RAWOPT);
			return;
		}
		st->raw_idx[w][o->n_rawopt] = (struct param_idx){ n, c->line };
		param_rawopt(c, o, key, val);
	} else {
		char shown[64];
		cfg_printable(shown, sizeof(shown), key, 40);
		cfg_err(c, "[%s] unknown key '%s' (accepted: oroN=code, optionN=hex,hex,...)",
			c->section, shown);
	}
}

static void param_on_key(struct cfg_ctx *c, const char *key, const char *val)
{
	struct param_state *st = c->priv;

	switch (st->sec) {
	case PSEC_PARAM:
		cfg_table_set(c, param_keys, PARAM_N_KEYS, st->seen, &st->p, key, val);
		break;
	case PSEC_PASSTHROUGH:
		param_passthrough(c, &st->p, key, val);
		break;
	case PSEC_STATEFUL:
	case PSEC_STATELESS:
		param_dhcp6(c, st, key, val);
		break;
	}
}

int cfg_param_parse(const char *buf, size_t len, const char *file, struct cfg_param *out,
		    struct cfg_msgs *errs, struct cfg_msgs *warns)
{
	struct param_state *st = calloc(1, sizeof(*st));
	struct cfg_ctx c = {
		.file = file, .buf = buf, .len = len, .errs = errs, .warns = warns,
		.on_section = param_on_section, .on_key = param_on_key, .priv = st,
	};
	int rc;

	if (!st) {
		cfg_msgs_add(errs, "%s: out of memory", file);
		return -1;
	}
	cfg_param_defaults(&st->p);
	rc = cfg_run(&c);
	if (rc == 0)
		*out = st->p;
	free(st);
	return rc;
}
