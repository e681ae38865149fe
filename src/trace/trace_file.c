/* Trace files: pcapng written through a 64 KiB buffer, rotation at max_bytes with the SHB and
 * every IDB repeated at the start of each file, pruning beyond keep_files, and a tap for live
 * readers. An I/O error is logged once and stops the file; the tap keeps working. */
#include "trace/trace_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/cur.h"
#include "core/log.h"

#define TRACE_CONN_MAX 64
#define TRACE_SEQ_MAX 1000 /* -N suffixes tried when a name of the same second exists */
#define TRACE_STAMP_LEN 15 /* YYYYmmdd-HHMMSS */

struct trace_file {
	struct trace_stream ts;
	char conn[TRACE_CONN_MAX];
	char *dir;      /* NULL: no files, tap only */
	char path[PATH_MAX];
	int fd;         /* -1: no file open */
	bool is_failed; /* an I/O error stopped the files for good */
	uint64_t max_bytes;
	unsigned keep_files;
	uint64_t file_bytes; /* bytes of the current file, buffered ones included */
	uint64_t hdr_bytes;  /* of which the SHB and IDBs at its start */
	uint64_t flushed;    /* bytes known to be in the file */
	char last_stamp[TRACE_STAMP_LEN + 1]; /* name of the previous file, so that a rotation */
	unsigned last_seq;                    /* in the same second never reuses a pruned name */
	uint8_t *buf;
	size_t buf_len;
	uint8_t *blk; /* one encoded block, TRACE_BLOCK_MAX bytes */
	trace_tap_fn tap;
	void *tap_arg;
};

/* A connection name becomes part of a file name: no '/', no leading '.', not empty. */
static bool conn_name_ok(const char *s)
{
	return s && *s && *s != '.' && !strchr(s, '/') && strlen(s) < TRACE_CONN_MAX;
}

int trace_mkdir_p(const char *dir, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = strlen(dir);
	size_t i;

	if (n == 0 || n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -1;
		tmp[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Logs the error once, cuts the file back to its last whole block and stops writing files. */
static void file_fail(struct trace_file *tf, const char *what)
{
	int saved = errno;

	if (tf->fd >= 0) {
		/* Best effort: the warning below already says the file stops here. */
		(void)!ftruncate(tf->fd, (off_t)tf->flushed);
		close(tf->fd);
		tf->fd = -1;
	}
	errno = saved;
	if (!tf->is_failed)
		log_warn("trace[%s]: %s: %s failed, trace file disabled", tf->conn,
			 tf->path[0] ? tf->path : tf->dir, what);
	tf->is_failed = true;
	tf->buf_len = 0;
}

static void buf_flush(struct trace_file *tf)
{
	if (tf->fd < 0 || tf->buf_len == 0)
		return;
	if (write_all(tf->fd, tf->buf, tf->buf_len) < 0) {
		file_fail(tf, "write");
		return;
	}
	tf->flushed += tf->buf_len;
	tf->buf_len = 0;
}

/* Creates DIR/CONN-YYYYmmdd-HHMMSS[-N].pcapng, never reusing or following an existing name. */
static int file_create(struct trace_file *tf)
{
	char stamp[TRACE_STAMP_LEN + 1];
	time_t now = time(NULL);
	struct tm tm;
	unsigned seq;

	if (!localtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0)
		return -1;
	seq = strcmp(stamp, tf->last_stamp) == 0 ? tf->last_seq + 1 : 0;
	for (; seq < TRACE_SEQ_MAX; seq++) {
		int n = seq ? snprintf(tf->path, sizeof(tf->path), "%s/%s-%s-%u.pcapng", tf->dir,
				       tf->conn, stamp, seq)
			    : snprintf(tf->path, sizeof(tf->path), "%s/%s-%s.pcapng", tf->dir,
				       tf->conn, stamp);
		if (n < 0 || (size_t)n >= sizeof(tf->path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		tf->fd = open(tf->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (tf->fd >= 0) {
			memcpy(tf->last_stamp, stamp, sizeof(stamp));
			tf->last_seq = seq;
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/* Starts a new file holding the SHB and every registered IDB. */
static void file_start(struct trace_file *tf)
{
	struct wcur w = wcur_init(tf->buf, TRACE_FILE_BUF_LEN);

	tf->path[0] = '\0';
	if (trace_mkdir_p(tf->dir, 0750) < 0) {
		file_fail(tf, "mkdir");
		return;
	}
	if (file_create(tf) < 0) {
		file_fail(tf, "create");
		return;
	}
	if (trace_stream_header(&tf->ts, &w) < 0) {
		errno = ENOBUFS;
		file_fail(tf, "header");
		return;
	}
	tf->buf_len = w.len;
	tf->file_bytes = tf->hdr_bytes = w.len;
	tf->flushed = 0;
	log_info("trace[%s]: writing %s", tf->conn, tf->path);
}

/* Splits NAME = CONN-YYYYmmdd-HHMMSS[-N].pcapng into its stamp and N; false for other names. */
static bool name_key(const char *conn, const char *name, char stamp[TRACE_STAMP_LEN + 1],
		     unsigned long *seq)
{
	size_t cl = strlen(conn);
	const char *p = name + cl + 1;
	char *end;
	unsigned i;

	if (strncmp(name, conn, cl) != 0 || name[cl] != '-')
		return false;
	for (i = 0; i < TRACE_STAMP_LEN; i++) {
		bool dash = i == 8;
		if (p[i] == '\0' || (dash ? p[i] != '-' : (p[i] < '0' || p[i] > '9')))
			return false;
	}
	memcpy(stamp, p, TRACE_STAMP_LEN);
	stamp[TRACE_STAMP_LEN] = '\0';
	p += TRACE_STAMP_LEN;
	*seq = 0;
	if (*p == '-') {
		if (p[1] < '0' || p[1] > '9')
			return false;
		*seq = strtoul(p + 1, &end, 10);
		p = end;
	}
	return strcmp(p, ".pcapng") == 0;
}

struct trace_old {
	char stamp[TRACE_STAMP_LEN + 1];
	unsigned long seq;
	char name[NAME_MAX + 1];
};

static int old_cmp(const void *a, const void *b)
{
	const struct trace_old *x = a, *y = b;
	int c = strcmp(x->stamp, y->stamp);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Deletes this connection's oldest files so that at most keep_files remain, never the
 * current one. */
static void file_prune(struct trace_file *tf)
{
	const char *cur = strrchr(tf->path, '/');
	struct trace_old *v = NULL, *nv;
	size_t n = 0, cap = 0, i, extra;
	struct dirent *de;
	DIR *d;

	if (tf->keep_files == 0 || !cur || !(d = opendir(tf->dir)))
		return;
	cur++;
	while ((de = readdir(d))) {
		struct trace_old o;
		if (strcmp(de->d_name, cur) == 0 || !name_key(tf->conn, de->d_name, o.stamp, &o.seq))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(nv = realloc(v, cap * sizeof(*v))))
				break;
			v = nv;
		}
		snprintf(o.name, sizeof(o.name), "%s", de->d_name);
		v[n++] = o;
	}
	if (n)
		qsort(v, n, sizeof(*v), old_cmp);
	extra = n + 1 > tf->keep_files ? n + 1 - tf->keep_files : 0;
	for (i = 0; i < extra && i < n; i++) {
		if (unlinkat(dirfd(d), v[i].name, 0) < 0 && errno != ENOENT)
			log_warn("trace[%s]: unlink %s/%s", tf->conn, tf->dir, v[i].name);
	}
	free(v);
	closedir(d);
}

static void file_rotate(struct trace_file *tf)
{
	buf_flush(tf);
	if (tf->fd < 0)
		return;
	close(tf->fd);
	tf->fd = -1;
	file_start(tf);
	if (tf->fd >= 0)
		file_prune(tf);
}

/* Hands one whole block to the tap and to the current file, rotating first when the file
 * would pass max_bytes (a file always takes at least one block after its header). */
static void emit(struct trace_file *tf, const uint8_t *blk, size_t n)
{
	if (tf->tap)
		tf->tap(tf->tap_arg, blk, n);
	if (tf->fd < 0)
		return;
	if (tf->max_bytes && tf->file_bytes > tf->hdr_bytes && tf->file_bytes + n > tf->max_bytes)
		file_rotate(tf);
	if (tf->fd < 0)
		return;
	if (tf->buf_len + n > TRACE_FILE_BUF_LEN)
		buf_flush(tf);
	if (n > TRACE_FILE_BUF_LEN && tf->fd >= 0) {
		if (write_all(tf->fd, blk, n) < 0) {
			file_fail(tf, "write");
			return;
		}
		tf->flushed += n;
	} else if (tf->fd >= 0) {
		memcpy(tf->buf + tf->buf_len, blk, n);
		tf->buf_len += n;
	}
	tf->file_bytes += n;
}

struct trace_file *trace_file_open(const char *dir, const char *conn_name, uint64_t max_bytes,
				   unsigned keep_files)
{
	struct trace_file *tf;
	struct utsname u;
	char os[sizeof(u.sysname) + sizeof(u.release)];

	if (!conn_name_ok(conn_name)) {
		errno = EINVAL;
		return NULL;
	}
	if (!(tf = calloc(1, sizeof(*tf))))
		return NULL;
	tf->fd = -1;
	tf->buf = malloc(TRACE_FILE_BUF_LEN);
	tf->blk = malloc(TRACE_BLOCK_MAX);
	tf->dir = dir ? strdup(dir) : NULL;
	if (!tf->buf || !tf->blk || (dir && !tf->dir)) {
		trace_file_close(tf);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(tf->conn, sizeof(tf->conn), "%s", conn_name);
	tf->max_bytes = max_bytes;
	tf->keep_files = keep_files;
	if (uname(&u) == 0)
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	else
		snprintf(os, sizeof(os), "Linux");
	trace_stream_init(&tf->ts, conn_name, os);
	if (tf->dir) {
		file_start(tf);
		if (tf->fd >= 0)
			file_prune(tf);
	}
	return tf;
}

int trace_file_add_iface(struct trace_file *tf, uint16_t linktype, const char *name,
			 const char *desc)
{
	if (!tf)
		return -1;
	unsigned before = tf->ts.ifaces.n;
	int id = trace_stream_add_iface(&tf->ts, linktype, name, desc);
	struct wcur w = wcur_init(tf->blk, TRACE_BLOCK_MAX);

	/* pcapng §4.2: the IDB precedes every block that refers to its interface. */
	if (id >= 0 && tf->ts.ifaces.n > before && trace_stream_idb(&tf->ts, (unsigned)id, &w) > 0)
		emit(tf, w.p, w.len);
	return id;
}

void trace_file_packet(struct trace_file *tf, unsigned if_id, uint64_t ts_ns, bool outbound,
		       const uint8_t *pkt, size_t len, const char *comment)
{
	struct wcur w;

	if (!tf || (tf->fd < 0 && !tf->tap))
		return;
	w = wcur_init(tf->blk, TRACE_BLOCK_MAX);
	if (trace_stream_packet(&tf->ts, &w, if_id, ts_ns, outbound, pkt, len, comment) > 0)
		emit(tf, w.p, w.len);
}

void trace_file_event(struct trace_file *tf, uint64_t ts_ns, const char *fmt, ...)
{
	char text[TRACE_EVENT_MAX + 8]; /* trace_stream_event cuts at a UTF-8 boundary */
	struct wcur w;
	va_list ap;

	if (!tf || (tf->fd < 0 && !tf->tap))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	w = wcur_init(tf->blk, TRACE_BLOCK_MAX);
	if (trace_stream_event(&tf->ts, &w, ts_ns, text) > 0)
		emit(tf, w.p, w.len);
}

void trace_file_flush(struct trace_file *tf)
{
	if (tf)
		buf_flush(tf);
}

void trace_file_close(struct trace_file *tf)
{
	if (!tf)
		return;
	buf_flush(tf);
	if (tf->fd >= 0)
		close(tf->fd);
	free(tf->buf);
	free(tf->blk);
	free(tf->dir);
	free(tf);
}

void trace_file_set_tap(struct trace_file *tf, trace_tap_fn tap, void *arg)
{
	tf->tap = tap;
	tf->tap_arg = arg;
}

const struct trace_stream *trace_file_stream(const struct trace_file *tf)
{
	return &tf->ts;
}

bool trace_file_active(const struct trace_file *tf)
{
	return tf && tf->fd >= 0;
}

const char *trace_file_path(const struct trace_file *tf)
{
	return tf && tf->fd >= 0 ? tf->path : NULL;
}
