/* Internal to src/cfg: the key table, the parse context shared by the v6link.ini and
 * connections.ini parsers, and the value parsers (one per value type). */
#ifndef V6L_CFG_INT_H
#define V6L_CFG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg/cfg.h"

#define CFG_MAX_KEYS 64 /* keys per table (seen-line arrays) */

struct cfg_ctx;
struct cfg_key;

/* Parses val into the field at base + k->off; on a bad value reports it (cfg_bad) and returns
 * false. c may be NULL when applying built-in defaults. */
typedef bool cfg_parse_fn(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val);

/* One row of a key table: STYLE §6. def is parsed like a value from the file (NULL = zero). */
struct cfg_key {
	const char *key;
	cfg_parse_fn *parse;
	size_t off;
	long min, max;              /* range, or length bounds for strings */
	const char *def;
	const char *const *names;   /* enum names, NULL-terminated, value = index */
	const char *help;
};

struct cfg_ctx {
	const char *file;
	const char *buf;
	size_t len, pos;
	unsigned line;             /* line being parsed, from 1 */
	char section[80];          /* current section as written (printable), "" = none */
	bool in_section;           /* a [section] line was seen */
	bool skip_section;         /* section was rejected: ignore its keys */
	bool section_bare_ok;      /* bare keys (no '=') allowed in this section */
	struct cfg_msgs *errs, *warns;
	unsigned n_err;            /* errors in this parse */
	void (*on_section)(struct cfg_ctx *c, const char *name);
	void (*on_key)(struct cfg_ctx *c, const char *key, const char *val);
	void *priv;                /* file-specific state */
};

void cfg_err(struct cfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cfg_warn(struct cfg_ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:LINE: [sec] key 'k': <what>, got 'val'" (the value hidden for a password). */
void cfg_bad(struct cfg_ctx *c, const struct cfg_key *k, const char *val, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Copies s into out as printable text (\xNN escapes, "..." past max chars). */
void cfg_printable(char *out, size_t cap, const char *s, size_t max);

/* Runs libinih over c->buf; returns 0 if no error was reported, else -1. */
int cfg_run(struct cfg_ctx *c);

void cfg_table_defaults(const struct cfg_key *t, size_t n, void *base);
/* Looks key up in t and parses val into base; seen[] holds the line each key was set on. */
void cfg_table_set(struct cfg_ctx *c, const struct cfg_key *t, size_t n, unsigned *seen,
		   void *base, const char *key, const char *val);
/* Index of key in t, or -1. */
int cfg_table_find(const struct cfg_key *t, size_t n, const char *key);

bool cfg_decimal(const char *v, long min, long max, long *out);

cfg_parse_fn cfg_parse_uint, cfg_parse_bool, cfg_parse_enum, cfg_parse_ipv4, cfg_parse_ipv6,
	cfg_parse_prefix64, cfg_parse_path, cfg_parse_text, cfg_parse_ifname;

#endif
