/* Growable string buffer with printf appends and JSON helpers, for status output. */
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
/* Appends s as a JSON string literal (quoted, escaped); NULL becomes null. */
void sb_json_str(struct strbuf *b, const char *s);

#endif
