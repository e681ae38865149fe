/* Config parsing core shared by v6link.ini and connections.ini: libinih driven through a line
 * reader that counts lines, strips ';'/'#' comments (whole-line, or inline after whitespace),
 * turns off continuation lines and tracks sections; key tables; one parser per value type. */
#include "cfg/cfg_int.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cfg/cfg_inih_config.h"

void cfg_msgs_add(struct cfg_msgs *m, const char *fmt, ...)
{
	va_list ap;

	if (!m)
		return;
	if (m->n >= CFG_MAX_MSGS) {
		m->n_dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(m->text[m->n++], CFG_MSG_LEN, fmt, ap);
	va_end(ap);
}

void cfg_printable(char *out, size_t cap, const char *s, size_t max)
{
	size_t o = 0, i;

	for (i = 0; s[i] && i < max && o + 5 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < ' ' || ch >= 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	if (s[i] && o + 4 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void cfg_vmsg(struct cfg_msgs *m, const char *file, unsigned line, const char *fmt,
		     va_list ap)
{
	char text[CFG_MSG_LEN];

	vsnprintf(text, sizeof(text), fmt, ap);
	cfg_msgs_add(m, "%s:%u: %s", file, line, text);
}

void cfg_err(struct cfg_ctx *c, const char *fmt, ...)
{
	va_list ap;

	c->n_err++;
	va_start(ap, fmt);
	cfg_vmsg(c->errs, c->file, c->line, fmt, ap);
	va_end(ap);
}

void cfg_warn(struct cfg_ctx *c, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vmsg(c->warns, c->file, line, fmt, ap);
	va_end(ap);
}

void cfg_bad(struct cfg_ctx *c, const struct cfg_key *k, const char *val, const char *fmt, ...)
{
	char what[CFG_MSG_LEN / 2], got[CFG_MSG_LEN / 4];
	va_list ap;

	if (!c)
		return; /* a built-in default: tests check that every default parses */
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!strcmp(k->key, "password")) { /* never echo a secret */
		cfg_err(c, "[%s] key '%s': %s", c->section, k->key, what);
		return;
	}
	cfg_printable(got, sizeof(got), val, 80);
	cfg_err(c, "[%s] key '%s': %s, got '%s'", c->section, k->key, what, got);
}

/* ---- line reader and libinih glue ---- */

static bool cfg_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void cfg_rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && cfg_is_space(s[n - 1]))
		s[--n] = '\0';
}

/* Cuts an inline comment (';' or '#' after whitespace) and trailing whitespace, in place. */
static void cfg_cut_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == ';' || *p == '#') && p > s && cfg_is_space(p[-1])) {
			*p = '\0';
			break;
		}
	cfg_rtrim(s);
}

static void cfg_on_header(struct cfg_ctx *c, char *s)
{
	size_t n = strlen(s);
	char shown[64];

	c->in_section = true;
	c->skip_section = true;
	c->section_bare_ok = false;
	if (n < 2 || s[n - 1] != ']') {
		cfg_printable(shown, sizeof(shown), s, 40);
		snprintf(c->section, sizeof(c->section), "?");
		cfg_err(c, "malformed section header '%s': expected [name]", shown);
		return;
	}
	s[n - 1] = '\0';
	s++;
	while (cfg_is_space(*s))
		s++;
	cfg_rtrim(s);
	cfg_printable(c->section, sizeof(c->section), s, 60);
	c->skip_section = false;
	c->on_section(c, s);
}

/* Normalizes one raw line into out (cap bytes) for libinih: "" or "key=value". */
static void cfg_line(struct cfg_ctx *c, const char *raw, size_t n, char *out, size_t cap)
{
	char line[CFG_MAX_LINE], *s, *eq, *colon;

	if (n > 0 && raw[n - 1] == '\r')
		n--;
	if (memchr(raw, '\0', n)) {
		cfg_err(c, "NUL byte in line");
		return;
	}
	if (cap > CFG_MAX_LINE)
		cap = CFG_MAX_LINE;
	if (n + 3 > cap) {
		cfg_err(c, "line longer than %zu characters", cap - 3);
		return;
	}
	memcpy(line, raw, n);
	line[n] = '\0';
	s = line;
	if (c->line == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3; /* UTF-8 byte order mark */
	while (cfg_is_space(*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	cfg_cut_comment(s);
	if (*s == '[') {
		cfg_on_header(c, s);
		return;
	}
	eq = strchr(s, '=');
	colon = strchr(s, ':');
	if (!eq && !c->section_bare_ok) {
		char shown[64];
		cfg_printable(shown, sizeof(shown), s, 40);
		cfg_err(c, "expected key=value or [section], got '%s'", shown);
		return;
	}
	if (colon && (!eq || colon < eq)) {
		cfg_err(c, "a key cannot contain ':' (write key=value)");
		return;
	}
	n = strlen(s); /* n + 3 <= cap, checked above */
	memcpy(out, s, n);
	if (!eq)
		out[n++] = '=';
	out[n] = '\0';
}

static char *cfg_reader(char *str, int num, void *stream)
{
	struct cfg_ctx *c = stream;
	const char *p, *nl;
	size_t left, n;

	if (c->pos >= c->len || num < 2)
		return NULL;
	p = c->buf + c->pos;
	left = c->len - c->pos;
	nl = memchr(p, '\n', left);
	n = nl ? (size_t)(nl - p) : left;
	c->pos += nl ? n + 1 : n;
	c->line++;
	str[0] = '\0';
	cfg_line(c, p, n, str, (size_t)num);
	return str;
}

static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_ctx *c = user;

	(void)section; /* tracked by cfg_line, which also sees headers libinih would reject */
	if (!c->in_section) {
		char shown[64];
		cfg_printable(shown, sizeof(shown), name, 40);
		cfg_err(c, "key '%s' outside any section: put a [section] line first", shown);
	} else if (!c->skip_section) {
		c->on_key(c, name, value ? value : "");
	}
	return 1;
}

int cfg_run(struct cfg_ctx *c)
{
	int rc;

#if CFG_INIH_RUNTIME
	/* Debian's libinih reads these at run time; our reader already removes comments and
	 * leading whitespace, so only the line length matters. */
	if (ini_max_line < CFG_MAX_LINE)
		ini_max_line = CFG_MAX_LINE;
	ini_allow_multiline = false;
#endif
	c->pos = 0;
	c->line = 0;
	rc = ini_parse_stream(cfg_reader, c, cfg_handler, c);
	if (rc < 0) {
		cfg_err(c, "out of memory");
	} else if (rc > 0 && c->n_err == 0) {
		c->line = (unsigned)rc;
		cfg_err(c, "syntax error");
	}
	return c->n_err ? -1 : 0;
}

/* ---- key tables ---- */

int cfg_table_find(const struct cfg_key *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(t[i].key, key))
			return (int)i;
	return -1;
}

void cfg_table_defaults(const struct cfg_key *t, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].def)
			t[i].parse(NULL, &t[i], base, t[i].def);
}

void cfg_table_set(struct cfg_ctx *c, const struct cfg_key *t, size_t n, unsigned *seen,
		   void *base, const char *key, const char *val)
{
	int i = cfg_table_find(t, n, key);
	char accepted[CFG_MSG_LEN * 3 / 4], shown[64]; /* connections.ini's list is ~370 bytes */
	size_t o = 0;

	if (i < 0) {
		for (size_t j = 0; j < n && o < sizeof(accepted); j++)
			o += (size_t)snprintf(accepted + o, sizeof(accepted) - o, "%s%s",
					      j ? ", " : "", t[j].key);
		cfg_printable(shown, sizeof(shown), key, 40);
		cfg_err(c, "[%s] unknown key '%s' (accepted: %s)", c->section, shown, accepted);
		return;
	}
	if (seen[i]) {
		cfg_err(c, "[%s] key '%s' already set on line %u", c->section, t[i].key, seen[i]);
		return;
	}
	seen[i] = c->line;
	t[i].parse(c, &t[i], base, val);
}

/* ---- value parsers ---- */

bool cfg_decimal(const char *v, long min, long max, long *out)
{
	const char *p = v;
	long x = 0;
	bool neg = *p == '-';

	if (neg)
		p++;
	if (!*p || strlen(p) > 10)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		x = x * 10 + (*p - '0');
	}
	x = neg ? -x : x;
	if (x < min || x > max)
		return false;
	*out = x;
	return true;
}

bool cfg_parse_uint(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	long x;

	if (!cfg_decimal(val, k->min, k->max, &x)) {
		cfg_bad(c, k, val, "expected %ld..%ld", k->min, k->max);
		return false;
	}
	memcpy((char *)base + k->off, &(unsigned){ (unsigned)x }, sizeof(unsigned));
	return true;
}

bool cfg_parse_bool(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	if (strcmp(val, "0") && strcmp(val, "1")) {
		cfg_bad(c, k, val, "expected 0 or 1");
		return false;
	}
	memcpy((char *)base + k->off, &(bool){ val[0] == '1' }, sizeof(bool));
	return true;
}

bool cfg_parse_enum(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	char list[200];
	size_t o = 0;

	for (int i = 0; k->names[i]; i++)
		if (!strcasecmp(k->names[i], val)) {
			memcpy((char *)base + k->off, &i, sizeof(int));
			return true;
		}
	for (int i = 0; k->names[i] && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				      i == 0 ? "" : k->names[i + 1] ? ", " : " or ", k->names[i]);
	cfg_bad(c, k, val, "expected %s", list);
	return false;
}

bool cfg_parse_ipv4(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	uint8_t a[4];

	if (inet_pton(AF_INET, val, a) != 1 || a[0] == 0 || a[0] == 127 || a[0] >= 224) {
		cfg_bad(c, k, val, "expected a unicast IPv4 address such as 192.0.0.1");
		return false;
	}
	memcpy((char *)base + k->off, a, 4);
	return true;
}

bool cfg_parse_ipv6(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	static const uint8_t zero[16];
	uint8_t a[16];

	if (inet_pton(AF_INET6, val, a) != 1 || !memcmp(a, zero, 16) || a[0] == 0xff) {
		cfg_bad(c, k, val, "expected a unicast IPv6 address such as 2001:db8::53");
		return false;
	}
	memcpy((char *)base + k->off, a, 16);
	return true;
}

bool cfg_parse_prefix64(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	static const uint8_t zero[8];
	char addr[64];
	const char *slash = strchr(val, '/');
	uint8_t a[16];
	size_t n = slash ? (size_t)(slash - val) : 0;

	if (!slash || n >= sizeof(addr) || strcmp(slash, "/64")) {
		cfg_bad(c, k, val, "expected an IPv6 /64 prefix such as 2001:db8:1:2::/64");
		return false;
	}
	memcpy(addr, val, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET6, addr, a) != 1 || a[0] == 0xff ||
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || !memcmp(a, zero, 8)) {
		cfg_bad(c, k, val, "expected a global or unique-local IPv6 /64 prefix such as "
				   "2001:db8:1:2::/64");
		return false;
	}
	if (memcmp(a + 8, zero, 8)) {
		cfg_bad(c, k, val, "expected a /64 prefix with the last 64 bits zero");
		return false;
	}
	memcpy((char *)base + k->off, a, 16);
	return true;
}

static bool cfg_is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

bool cfg_parse_text(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	size_t n = strlen(val);

	if (n < (size_t)k->min || n > (size_t)k->max || !cfg_is_printable(val)) {
		cfg_bad(c, k, val, "expected %ld..%ld printable characters", k->min, k->max);
		return false;
	}
	memcpy((char *)base + k->off, val, n + 1);
	return true;
}

bool cfg_parse_path(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	size_t n = strlen(val);

	if (n < (size_t)k->min || n > (size_t)k->max || !cfg_is_printable(val) ||
	    (n > 0 && val[0] != '/')) {
		cfg_bad(c, k, val, "expected an absolute path of at most %ld characters", k->max);
		return false;
	}
	memcpy((char *)base + k->off, val, n + 1);
	return true;
}

bool cfg_parse_ifname(struct cfg_ctx *c, const struct cfg_key *k, void *base, const char *val)
{
	if (!cfg_ifname_valid(val)) {
		cfg_bad(c, k, val, "expected an interface name of 1..15 characters without '/', ':' "
				   "or spaces");
		return false;
	}
	memcpy((char *)base + k->off, val, strlen(val) + 1);
	return true;
}

void cfg_instance_dirs(const struct cfg_param *p, const char *confdir, const char *socket,
		       const char *netns, char *run_dir, char *state_dir)
{
	if (p->run_dir[0]) {
		snprintf(run_dir, CFG_PATH_MAX, "%s", p->run_dir);
	} else {
		const char *slash = strrchr(socket, '/');
		if (!slash)
			snprintf(run_dir, CFG_PATH_MAX, ".");
		else if (slash == socket)
			snprintf(run_dir, CFG_PATH_MAX, "/");
		else
			snprintf(run_dir, CFG_PATH_MAX, "%.*s", (int)(slash - socket), socket);
	}
	if (p->state_dir[0])
		snprintf(state_dir, CFG_PATH_MAX, "%s", p->state_dir);
	else if (strcmp(confdir, CFG_DEFAULT_CONFDIR) != 0)
		snprintf(state_dir, CFG_PATH_MAX, "%.*s/state", CFG_PATH_MAX - 8, confdir);
	else if (netns && netns[0])
		snprintf(state_dir, CFG_PATH_MAX, "%s/netns-%.*s", CFG_DEFAULT_STATE_DIR, 64, netns);
	else
		snprintf(state_dir, CFG_PATH_MAX, "%s", CFG_DEFAULT_STATE_DIR);
}

/* A decimal id 0..4294967294 (4294967295 is (uid_t)-1) filling s[0..n). */
static bool cfg_id(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= 0xffffffffu)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool cfg_user_numeric(const char *user, uint32_t *uid, uint32_t *gid)
{
	const char *colon = strchr(user, ':');
	size_t n = colon ? (size_t)(colon - user) : strlen(user);
	if (!cfg_id(user, n, uid))
		return false;
	if (!colon) {
		*gid = *uid;
		return true;
	}
	return cfg_id(colon + 1, strlen(colon + 1), gid);
}
