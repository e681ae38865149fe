/* Helpers shared by unit tests: hex parsing for byte vectors. */
#ifndef V6L_TEST_UTIL_H
#define V6L_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Parses hex digits (whitespace, ':' and ',' ignored) into out; returns the byte count or -1. */
int test_hex(const char *hex, uint8_t *out, size_t cap);

#endif
