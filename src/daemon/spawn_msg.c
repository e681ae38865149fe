/* The spawner's request format (spawn.h): a 24-byte header of six native-endian uint32 (id,
 * flags, argv count, environment count, stdin length, kind SPAWN_KIND_RUN = 0), then path,
 * argv[] and environment entries as NUL-terminated strings that fill the space exactly, then
 * the stdin bytes. A file request: a 32-byte header of eight uint32 (id, op, mode, uid, gid,
 * kind SPAWN_KIND_FILE, data length, cap), path and arg as NUL-terminated strings, the data
 * filling the rest. Both ends are the same binary; nothing here does I/O. */
#include "daemon/spawn_msg.h"

#include <string.h>

#define SPAWN_HDR_LEN 24
#define SPAWN_FILE_HDR_LEN 32

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
	    in_len > SPAWN_INPUT_MAX || in_len > len - SPAWN_HDR_LEN ||
	    get32(msg + 20) != SPAWN_KIND_RUN ||
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

int spawn_req_kind(const uint8_t *msg, size_t len)
{
	uint32_t k = len < SPAWN_HDR_LEN ? ~0u : get32(msg + 20);
	return k == SPAWN_KIND_RUN || k == SPAWN_KIND_FILE ? (int)k : -1;
}

/* Whether v's fields fit its op: only those it uses are set. */
static bool spawn_file_fields_ok(const struct spawn_file_view *v)
{
	bool has_arg = v->op == SPAWN_FILE_SYMLINK || v->op == SPAWN_FILE_RMDIRS;
	bool is_replace = v->op == SPAWN_FILE_REPLACE, is_read = v->op == SPAWN_FILE_READ;
	if (v->op < SPAWN_FILE_READ || v->op > SPAWN_FILE_OPEN_DEV || !v->path || !v->arg)
		return false;
	if (v->path[0] != '/' || strlen(v->path) >= SPAWN_FILE_PATH_MAX ||
	    strlen(v->arg) >= SPAWN_FILE_PATH_MAX || has_arg != (v->arg[0] != 0))
		return false;
	if (is_replace ? v->mode > 07777 || v->data_len > SPAWN_FILE_DATA_MAX :
			 v->mode || v->uid || v->gid || v->data_len)
		return false;
	return is_read ? v->cap >= 1 && v->cap <= SPAWN_FILE_DATA_MAX : v->cap == 0;
}

ssize_t spawn_file_req_build(uint8_t *buf, size_t cap, const struct spawn_file_view *v)
{
	size_t len = SPAWN_FILE_HDR_LEN;
	if (cap < SPAWN_FILE_HDR_LEN || !spawn_file_fields_ok(v) ||
	    !spawn_put_str(buf, cap, &len, v->path) || !spawn_put_str(buf, cap, &len, v->arg) ||
	    v->data_len > cap - len)
		return -1;
	if (v->data_len)
		memcpy(buf + len, v->data, v->data_len);
	len += v->data_len;
	put32(buf, v->id);
	put32(buf + 4, v->op);
	put32(buf + 8, v->mode);
	put32(buf + 12, v->uid);
	put32(buf + 16, v->gid);
	put32(buf + 20, SPAWN_KIND_FILE);
	put32(buf + 24, (uint32_t)v->data_len);
	put32(buf + 28, v->cap);
	return (ssize_t)len;
}

int spawn_file_req_parse(const uint8_t *msg, size_t len, struct spawn_file_view *v)
{
	const char *s[3];
	if (len < SPAWN_FILE_HDR_LEN || len > SPAWN_MSG_MAX || get32(msg + 20) != SPAWN_KIND_FILE)
		return -1;
	v->id = get32(msg);
	v->op = get32(msg + 4);
	v->mode = get32(msg + 8);
	v->uid = get32(msg + 12);
	v->gid = get32(msg + 16);
	v->cap = get32(msg + 28);
	uint32_t data_len = get32(msg + 24);
	if (data_len > len - SPAWN_FILE_HDR_LEN)
		return -1;
	const uint8_t *p = msg + SPAWN_FILE_HDR_LEN, *end = msg + len - data_len;
	if (!spawn_take_strs(&p, end, 2, s) || p != end)
		return -1;
	v->path = s[0];
	v->arg = s[1];
	v->data = end;
	v->data_len = data_len;
	return spawn_file_fields_ok(v) ? 0 : -1;
}

int spawn_file_rep_parse(const uint8_t *msg, size_t len, struct spawn_file_rep *r)
{
	if (len < sizeof(*r) || len > SPAWN_FILE_REP_MAX)
		return -1;
	memcpy(r, msg, sizeof(*r));
	if (r->kind != SPAWN_REP_FILE || r->size != len - sizeof(*r))
		return -1;
	if (r->ret == -1)
		return r->size == 0 && r->err > 0 ? 0 : -1;
	return r->ret >= 0 && (uint32_t)r->ret == r->size ? 0 : -1;
}
