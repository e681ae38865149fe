/* Growable string buffer with printf appends, and the two escapers for text that came from a
 * peer: JSON string literals that are valid UTF-8 whatever the input bytes (status --json, RFC
 * 8259 §7-8, RFC 3629), and POSIX shell single-quoted words (the hooks' NAME.env). */
#ifndef V6L_STRBUF_H
#define V6L_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

void sb_init(struct strbuf *b);
void sb_free(struct strbuf *b);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n bytes of p as they are (b->s stays NUL-terminated); on allocation failure sets oom. */
void sb_put(struct strbuf *b, const void *p, size_t n);

/* Appends s as a JSON string literal; NULL becomes null. Same rules as sb_json_mem. */
void sb_json_str(struct strbuf *b, const char *s);
/* Appends the n bytes at p as a JSON string literal that is valid JSON and pure, valid UTF-8
 * for any input: '"' and '\' get a backslash; bytes below 0x20 and 0x7f become \u00XX; each
 * well-formed UTF-8 sequence (RFC 3629 §4: no overlong form, no surrogate, nothing above
 * U+10FFFF) is copied as it is; every other byte becomes \u00XX of its own value, i.e. it is
 * read as Latin-1 (a lone continuation byte, a bad lead byte, the lead of a truncated or
 * malformed sequence; decoding restarts at the next byte). */
void sb_json_mem(struct strbuf *b, const void *p, size_t n);

/* Appends s as one POSIX shell word in single quotes, each ' written as '\'', so that sh and
 * bash read back exactly s's bytes (newlines and bytes >= 0x80 included) and expand nothing. */
void sb_sh_quote(struct strbuf *b, const char *s);
/* For kv "KEY=value", appends the line KEY='value' (value quoted by sb_sh_quote) and a newline.
 * Returns false and appends nothing when kv has no '=' or KEY is not a shell variable name
 * ([A-Za-z_][A-Za-z0-9_]*). */
bool sb_sh_assign(struct strbuf *b, const char *kv);

#endif
