/* Fuzzes the spawner's request parsers (daemon/spawn_msg.c), the only thing the spawner reads
 * (run and file requests), and the daemon's file report parser: every pointer returned must
 * lie inside the message, every string must end there, and a request accepted must build back
 * to the same bytes (no two readings of one message). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/spawn_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void fz_inside(const uint8_t *data, size_t len, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	if (p < data || p >= data + len || !memchr(p, 0, (size_t)(data + len - p)))
		abort();
}

/* A file request: accepted only with its fields as the op allows, and built back the same. */
static void fz_file(const uint8_t *data, size_t len)
{
	static uint8_t again[SPAWN_MSG_MAX];
	struct spawn_file_view v;
	struct spawn_file_rep r;
	if (spawn_file_rep_parse(data, len, &r) == 0 &&
	    (r.size != len - sizeof(r) || (r.ret < 0 && r.size) || r.size > SPAWN_FILE_DATA_MAX))
		abort();
	if (spawn_file_req_parse(data, len, &v) < 0)
		return;
	if (spawn_req_kind(data, len) != SPAWN_KIND_FILE)
		abort();
	fz_inside(data, len, v.path);
	fz_inside(data, len, v.arg);
	if (v.path[0] != '/' || strlen(v.path) >= SPAWN_FILE_PATH_MAX || v.data < data ||
	    v.data_len > (size_t)(data + len - v.data) || v.data + v.data_len != data + len)
		abort();
	ssize_t n = spawn_file_req_build(again, sizeof(again), &v);
	if (n != (ssize_t)len || memcmp(again, data, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct spawn_req_view v;
	fz_file(data, len);
	static uint8_t again[SPAWN_MSG_MAX];
	static char input[SPAWN_INPUT_MAX + 1];
	if (spawn_req_parse(data, len, &v) < 0)
		return 0;
	fz_inside(data, len, v.path);
	for (unsigned i = 0; v.argv[i]; i++)
		fz_inside(data, len, v.argv[i]);
	for (unsigned i = 0; v.envp[i]; i++)
		fz_inside(data, len, v.envp[i]);
	if (v.input < data || v.input_len > (size_t)(data + len - v.input))
		abort();
	/* stdin bytes with a NUL cannot be built from a string: compare those only when clean */
	if (memchr(v.input, 0, v.input_len))
		return 0;
	memcpy(input, v.input, v.input_len);
	input[v.input_len] = 0;
	ssize_t n = spawn_req_build(again, sizeof(again), v.id, v.flags, v.path,
				    (char *const *)(uintptr_t)v.argv, (char *const *)(uintptr_t)v.envp,
				    v.input_len ? input : NULL);
	if (n != (ssize_t)len || memcmp(again, data, len) != 0)
		abort();
	return 0;
}
