/* Line format shared by the host owners' state files (resolver.state, policy.state): a
 * "version 1" line first, then one "key value" per line, and an "end" line last so that a file
 * cut short is refused; '#' comment lines and blank lines are ignored. Pure: text in, tokens
 * out; the owners give keys their meaning. */
#ifndef V6L_HOSTCFG_STATE_H
#define V6L_HOSTCFG_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOSTCFG_STATE_VERSION 1
#define HOSTCFG_STATE_MAX 16384 /* largest state file read */

enum hostcfg_state_err {
	HOSTCFG_STATE_OK,
	HOSTCFG_STATE_E_LINE,    /* a control character, or no "key value" shape */
	HOSTCFG_STATE_E_VERSION, /* not "version 1" first */
	HOSTCFG_STATE_E_KEY,     /* unknown key */
	HOSTCFG_STATE_E_VALUE,   /* bad value for its key */
	HOSTCFG_STATE_E_DUP,     /* a key given twice that may appear once */
	HOSTCFG_STATE_E_FULL,    /* more entries than the owner keeps */
	HOSTCFG_STATE_E_MISSING, /* a key the others require is absent */
};

const char *hostcfg_state_err_str(enum hostcfg_state_err e);

/* One line: key and value borrowed from the text, not NUL-terminated. */
struct hostcfg_kv {
	const char *key, *val;
	size_t key_len, val_len;
	unsigned line;
};

struct hostcfg_state_iter {
	const char *text;
	size_t len, pos;
	unsigned line;
	bool has_version, has_end;
};

/* Starts reading text[len]; the iterator borrows it. */
struct hostcfg_state_iter hostcfg_state_iter_init(const char *text, size_t len);

/* Reads the next "key value" line into kv; the first one must be "version 1", the last "end".
 * Returns OK with kv filled, OK with kv->key NULL after "end" at the end of the text, or
 * E_LINE / E_VERSION / E_MISSING (no "end": cut short) with kv->line naming the line. */
enum hostcfg_state_err hostcfg_state_next(struct hostcfg_state_iter *it, struct hostcfg_kv *kv);

/* True if kv's key is key. */
bool hostcfg_kv_is(const struct hostcfg_kv *kv, const char *key);

/* True if kv's value is s. */
bool hostcfg_kv_val_is(const struct hostcfg_kv *kv, const char *s);

/* Copies kv's value into out[cap] if it is an absolute path without "." or ".." components
 * (printable, fits); false otherwise. */
bool hostcfg_kv_path(const struct hostcfg_kv *kv, char *out, size_t cap);

/* Copies kv's value into out[cap] if it is an interface name (1..15 bytes, printable, no '/',
 * no blank); false otherwise. */
bool hostcfg_kv_ifname(const struct hostcfg_kv *kv, char *out, size_t cap);

/* Copies kv's value if it is a SHA-256 in 64 lowercase hex digits (out holds 65 bytes). */
bool hostcfg_kv_hash(const struct hostcfg_kv *kv, char *out);

/* Output buffer for rendering: appends latch is_full instead of overflowing. */
struct hostcfg_out {
	char *buf;
	size_t cap, len;
	bool is_full;
};

struct hostcfg_out hostcfg_out_init(char *buf, size_t cap);
void hostcfg_out_printf(struct hostcfg_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The rendered length, or -1 if anything did not fit. */
int hostcfg_out_result(const struct hostcfg_out *o);

/* True if s is printable ASCII (0x21..0x7e) and NUL-terminated within cap bytes. */
bool hostcfg_state_token_ok(const char *s, size_t cap);

/* True if path would read back through hostcfg_kv_path with a buffer of cap bytes. */
bool hostcfg_state_path_ok(const char *path, size_t cap);

#endif
