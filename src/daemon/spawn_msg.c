/* The spawner's request format (spawn.h): a 24-byte header of six native-endian uint32 (id,
 * flags, argv count, environment count, stdin length, reserved 0), then path, argv[] and
 * environment entries as NUL-terminated strings that fill the space exactly, then the stdin
 * bytes. Both ends are the same binary; nothing here does I/O. */
#include "daemon/spawn_msg.h"

#include <string.h>

#define SPAWN_HDR_LEN 24

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Appends s and its NUL at *len; false if it does not fit in cap. */
static bool spawn_put_str(uint8_t *buf, size_t cap, size_t *len, const char *s)
{
	size_t l = strlen(s) + 1;
	if (l > cap - *len)
		return false;
	memcpy(buf + *len, s, l);
	*len += l;
	return true;
}

ssize_t spawn_req_build(uint8_t *buf, size_t cap, uint32_t id, uint32_t flags, const char *path,
			char *const argv[], char *const envp[], const char *input)
{
	size_t len = SPAWN_HDR_LEN, in_len = input ? strlen(input) : 0;
	uint32_t n_argv = 0, n_env = 0;
	if (cap < SPAWN_HDR_LEN || in_len > SPAWN_INPUT_MAX || !spawn_put_str(buf, cap, &len, path))
		return -1;
	for (; argv && argv[n_argv]; n_argv++)
		if (n_argv == SPAWN_MAX_STRINGS || !spawn_put_str(buf, cap, &len, argv[n_argv]))
			return -1;
	for (; envp && envp[n_env]; n_env++)
		if (n_env == SPAWN_MAX_STRINGS || !spawn_put_str(buf, cap, &len, envp[n_env]))
			return -1;
	if (in_len > cap - len)
		return -1;
	memcpy(buf + len, input ? input : "", in_len);
	len += in_len;
	put32(buf, id);
	put32(buf + 4, flags);
	put32(buf + 8, n_argv);
	put32(buf + 12, n_env);
	put32(buf + 16, (uint32_t)in_len);
	put32(buf + 20, 0);
	return (ssize_t)len;
}

/* Points out[0..n) at the next n strings of [*p, end), each NUL-terminated within it, and
 * out[n] at NULL. False if one runs past end. */
static bool spawn_take_strs(const uint8_t **p, const uint8_t *end, uint32_t n, const char **out)
{
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
		if (!nul)
			return false;
		out[i] = (const char *)*p;
		*p = nul + 1;
	}
	out[n] = NULL;
	return true;
}

int spawn_req_parse(const uint8_t *msg, size_t len, struct spawn_req_view *v)
{
	const char *path[2];
	if (len < SPAWN_HDR_LEN || len > SPAWN_MSG_MAX)
		return -1;
	v->id = get32(msg);
	v->flags = get32(msg + 4);
	uint32_t n_argv = get32(msg + 8), n_env = get32(msg + 12), in_len = get32(msg + 16);
	if (n_argv < 1 || n_argv > SPAWN_MAX_STRINGS || n_env > SPAWN_MAX_STRINGS ||
	    in_len > SPAWN_INPUT_MAX || in_len > len - SPAWN_HDR_LEN || get32(msg + 20) != 0 ||
	    (v->flags & ~SPAWN_F_ALL))
		return -1;
	const uint8_t *p = msg + SPAWN_HDR_LEN, *end = msg + len - in_len;
	if (!spawn_take_strs(&p, end, 1, path) || !spawn_take_strs(&p, end, n_argv, v->argv) ||
	    !spawn_take_strs(&p, end, n_env, v->envp) || p != end || !path[0][0])
		return -1;
	v->path = path[0];
	v->input = end;
	v->input_len = in_len;
	return 0;
}
