/* Dial-string parser: key=value parameters in any order, separated by whitespace, ',' or ';';
 * tokens without '=' (phone numbers and other digits) are ignored. Pure: errors go to a callback. */
#include "cfg/dialstr.h"
#include "cfg/cfg_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum dial_type { DIAL_INT, DIAL_BOOL, DIAL_NAME, DIAL_IFNAME };

struct dial_key {
	const char *key;
	enum dial_type type;
	size_t off;
	long min, max;
};

/* Table of accepted keys; the order is the order listed in "accepted:" error messages. */
static const struct dial_key dial_keys[] = {
	{ "aidx", DIAL_INT, offsetof(struct cfg_dial, aidx), -1, INT_MAX },
	{ "if", DIAL_IFNAME, offsetof(struct cfg_dial, ifname), 1, CFG_IFNAME_MAX - 1 },
	{ "serv", DIAL_NAME, offsetof(struct cfg_dial, service), 0, CFG_DIAL_NAME_MAX - 1 },
	{ "h", DIAL_BOOL, offsetof(struct cfg_dial, host_uniq), 0, 1 },
	{ "ac", DIAL_NAME, offsetof(struct cfg_dial, ac_name), 0, CFG_DIAL_NAME_MAX - 1 },
	{ "to", DIAL_INT, offsetof(struct cfg_dial, timeout_ms), 100, 60000 },
	{ "tr", DIAL_INT, offsetof(struct cfg_dial, retries), 1, 20 },
	{ "prio", DIAL_INT, offsetof(struct cfg_dial, prio), 0, 7 },
	{ "vlan", DIAL_INT, offsetof(struct cfg_dial, vlan), 1, 4094 },
};
#define DIAL_N_KEYS (sizeof(dial_keys) / sizeof(dial_keys[0]))

#define DIAL_ACCEPTED "aidx, if, serv, h, ac, to, tr, prio, vlan"

struct dial_ctx {
	cfg_dial_err_fn *on_err;
	void *arg;
	unsigned n_err;
};

static void dial_err(struct dial_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dial_err(struct dial_ctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	c->n_err++;
	if (!c->on_err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->on_err(c->arg, msg);
}

void cfg_dial_defaults(struct cfg_dial *d)
{
	memset(d, 0, sizeof(*d));
	d->aidx = -1;
	d->host_uniq = true;
	d->timeout_ms = 2000;
	d->retries = 3;
}

bool cfg_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= CFG_IFNAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= ' ' || ch == 0x7f || ch == '/' || ch == ':')
			return false;
	}
	return true;
}

static bool dial_printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < ' ' || *v == 0x7f)
			return false;
	return true;
}

/* Stores value v for key k into d; reports an error and returns false if v is not accepted. */
static bool dial_set(struct dial_ctx *c, const struct dial_key *k, const char *v,
		     struct cfg_dial *d)
{
	char *field = (char *)d + k->off;
	long x;

	switch (k->type) {
	case DIAL_INT:
		if (!cfg_decimal(v, k->min, k->max, &x)) {
			dial_err(c, "key '%s': expected %ld..%ld, got '%s'", k->key, k->min, k->max, v);
			return false;
		}
		if (k->min < 0)
			memcpy(field, &(int){ (int)x }, sizeof(int));
		else
			memcpy(field, &(unsigned){ (unsigned)x }, sizeof(unsigned));
		return true;
	case DIAL_BOOL:
		if (strcmp(v, "0") && strcmp(v, "1")) {
			dial_err(c, "key '%s': expected 0 or 1, got '%s'", k->key, v);
			return false;
		}
		memcpy(field, &(bool){ v[0] == '1' }, sizeof(bool));
		return true;
	case DIAL_NAME:
		if (strlen(v) > (size_t)k->max || !dial_printable(v)) {
			dial_err(c, "key '%s': expected up to %ld printable characters, got '%s'",
				 k->key, k->max, v);
			return false;
		}
		memcpy(field, v, strlen(v) + 1);
		return true;
	case DIAL_IFNAME:
		if (!cfg_ifname_valid(v)) {
			dial_err(c, "key '%s': expected an interface name of 1..15 characters "
				    "without '/', ':' or spaces, got '%s'", k->key, v);
			return false;
		}
		memcpy(field, v, strlen(v) + 1);
		return true;
	}
	return false;
}

static const struct dial_key *dial_lookup(const char *key)
{
	for (size_t i = 0; i < DIAL_N_KEYS; i++)
		if (!strcasecmp(dial_keys[i].key, key))
			return &dial_keys[i];
	return NULL;
}

/* Handles one token tok (NUL-terminated, non-empty); seen marks keys already given. */
static void dial_token(struct dial_ctx *c, char *tok, struct cfg_dial *d, unsigned *seen)
{
	char *eq = strchr(tok, '=');
	const struct dial_key *k;

	if (!eq)
		return; /* "other digits ignored": a phone number such as *99# */
	*eq = '\0';
	k = dial_lookup(tok);
	if (!k) {
		dial_err(c, "unknown key '%s' (accepted: " DIAL_ACCEPTED ")", tok);
		return;
	}
	unsigned bit = 1u << (k - dial_keys);
	if (*seen & bit) {
		dial_err(c, "key '%s' given twice", k->key);
		return;
	}
	*seen |= bit;
	dial_set(c, k, eq + 1, d);
}

static bool dial_is_sep(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f' ||
	       ch == ',' || ch == ';';
}

unsigned cfg_dial_parse(const char *s, struct cfg_dial *d, cfg_dial_err_fn *on_err, void *arg)
{
	struct dial_ctx c = { .on_err = on_err, .arg = arg };
	unsigned seen = 0;
	char tok[CFG_DIAL_NAME_MAX * 2];

	cfg_dial_defaults(d);
	while (*s) {
		size_t n = 0;
		while (dial_is_sep(*s))
			s++;
		while (s[n] && !dial_is_sep(s[n]))
			n++;
		if (n == 0)
			break;
		if (n >= sizeof(tok)) {
			if (memchr(s, '=', n))
				dial_err(&c, "parameter '%.20s...' longer than %zu characters", s,
					 sizeof(tok) - 1);
		} else {
			memcpy(tok, s, n);
			tok[n] = '\0';
			dial_token(&c, tok, d, &seen);
		}
		s += n;
	}
	if (d->aidx >= 0 && d->ifname[0])
		dial_err(&c, "keys 'aidx' and 'if' both given: choose the adapter with one of them");
	return c.n_err;
}
