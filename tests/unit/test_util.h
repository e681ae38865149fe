/* Helpers shared by unit tests: hex parsing for byte vectors, temporary paths under $TMPDIR. */
#ifndef V6L_TEST_UTIL_H
#define V6L_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Parses hex digits (whitespace, ':' and ',' ignored) into out; returns the byte count or -1. */
int test_hex(const char *hex, uint8_t *out, size_t cap);

/* Writes the template $TMPDIR/NAME-XXXXXX (TMPDIR unset or empty: /tmp) for mkstemp/mkdtemp into
 * buf; false if it does not fit cap. Tests write only below $TMPDIR (tests/unit/sandbox.sh). */
bool test_tmp_template(char *buf, size_t cap, const char *name);
/* Creates the directory test_tmp_template names; returns buf, or NULL. */
char *test_mkdtemp(char *buf, size_t cap, const char *name);
/* tmpfile() below $TMPDIR (glibc's tmpfile ignores TMPDIR): already unlinked, "w+"; NULL on error. */
FILE *test_tmpfile(void);

#endif
