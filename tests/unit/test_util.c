#include "test_util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int test_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (const char *p = hex; *p; p++) {
		int v = hexval((unsigned char)*p);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}

bool test_tmp_template(char *buf, size_t cap, const char *name)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int n = snprintf(buf, cap, "%s/%s-XXXXXX", dir, name);
	return n > 0 && (size_t)n < cap;
}

char *test_mkdtemp(char *buf, size_t cap, const char *name)
{
	return test_tmp_template(buf, cap, name) ? mkdtemp(buf) : NULL;
}

FILE *test_tmpfile(void)
{
	char path[256];
	int fd = test_tmp_template(path, sizeof(path), "v6l-tmpfile") ? mkstemp(path) : -1;
	if (fd < 0)
		return NULL;
	unlink(path);
	FILE *f = fdopen(fd, "w+");
	if (!f)
		close(fd);
	return f;
}
