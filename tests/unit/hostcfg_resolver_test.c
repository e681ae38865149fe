/* The daemon-wide resolver owner (hostcfg/resolver.h): the merge of the connections'
 * contributions, the state file codec, and the owner against resolv.conf files in a temporary
 * directory, with a simulated SIGKILL before every on-disk step of its writes and restores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "hostcfg/resolver.h"
#include "test_util.h"

/* --- helpers ---------------------------------------------------------------------------------- */

static struct dns_servers mk(const char *const *v6, const char *const *v4, const char *const *dom)
{
	struct dns_servers d;
	uint8_t a[16];
	memset(&d, 0, sizeof(d));
	for (size_t i = 0; v6 && v6[i]; i++) {
		assert_int_equal(inet_pton(AF_INET6, v6[i], a), 1);
		dns_servers_add(&d, AF_INET6, a);
	}
	for (size_t i = 0; v4 && v4[i]; i++) {
		assert_int_equal(inet_pton(AF_INET, v4[i], a), 1);
		dns_servers_add(&d, AF_INET, a);
	}
	for (size_t i = 0; dom && dom[i]; i++)
		dns_servers_add_domain(&d, dom[i]);
	return d;
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *server_str(const struct dns_servers *d, unsigned i)
{
	static char buf[8][INET6_ADDRSTRLEN];
	return inet_ntop(d->s[i].family, d->s[i].addr, buf[i % 8], sizeof(buf[0]));
}

struct fx {
	char root[64];
	char state[96], etc[96], target[128], stub[128];
};

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(test_mkdtemp(f->root, sizeof(f->root), "v6l-resolver"));
	snprintf(f->state, sizeof(f->state), "%s/state", f->root);
	snprintf(f->etc, sizeof(f->etc), "%s/etc", f->root);
	snprintf(f->target, sizeof(f->target), "%s/resolv.conf", f->etc);
	snprintf(f->stub, sizeof(f->stub), "%s/stub-resolv.conf", f->root);
	assert_int_equal(mkdir(f->etc, 0755), 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

/* The file's content, or "<none>" / "<symlink TEXT>". */
static const char *get(const char *path)
{
	static char buf[8192];
	struct stat sb;
	if (lstat(path, &sb) < 0)
		return "<none>";
	if (S_ISLNK(sb.st_mode)) {
		char t[1024];
		ssize_t n = readlink(path, t, sizeof(t) - 1);
		t[n < 0 ? 0 : n] = '\0';
		snprintf(buf, sizeof(buf), "<symlink %s>", t);
		return buf;
	}
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* The names in dir, sorted and blank-separated ("" if empty or missing). */
static const char *ls(const char *dir)
{
	static char out[1024];
	struct dirent **names;
	out[0] = '\0';
	int n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' || (strcmp(names[i]->d_name, ".") &&
						   strcmp(names[i]->d_name, "..")))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? " " : "",
				 names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return out;
}

static struct resolver *open_file_owner(struct fx *f, struct hostcfg_crash *crash)
{
	struct resolver *r = calloc(1, sizeof(*r));
	struct resolver_cfg cfg = { .state_dir = f->state, .backend = DNS_BACKEND_FILE,
				    .path = f->target, .crash = crash };
	assert_non_null(r);
	if (resolver_open(r, &cfg) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

static const struct dns_servers *dsl(void)
{
	static struct dns_servers d;
	d = mk(L("2001:db8:f::53", "2001:db8:f::54"), L("203.0.113.53"), L("isp.example"));
	return &d;
}

static const struct dns_servers *lte(void)
{
	static struct dns_servers d;
	d = mk(L("2001:db8:7::1"), L("198.51.100.1"), L("lte.example", "isp.example"));
	return &d;
}

static const char *const original = "# the administrator's resolver\nnameserver 192.0.2.1\n";

/* --- merge ------------------------------------------------------------------------------------ */

static void test_merge_order(void **state)
{
	(void)state;
	struct resolver_contrib c[3];
	struct dns_servers m;
	memset(c, 0, sizeof(c));
	/* Slots in another order than the connections: id decides. */
	c[0] = (struct resolver_contrib){ .is_set = true, .id = 7, .name = "lte", .d = *lte() };
	c[2] = (struct resolver_contrib){ .is_set = true, .id = 2, .name = "dsl", .d = *dsl() };
	c[1] = (struct resolver_contrib){ .is_set = false, .id = 1, .name = "off",
					  .d = mk(L("2001:db8::dead"), NULL, NULL) };
	dns_servers_add(&c[0].d, AF_INET6, c[2].d.s[0].addr); /* a server both know */
	assert_int_equal(resolver_merge(c, 3, &m), 0);
	assert_int_equal(m.n, 5);
	/* Each connection's first server among the first three, then the rest in order. */
	assert_string_equal(server_str(&m, 0), "2001:db8:f::53");
	assert_string_equal(server_str(&m, 1), "2001:db8:7::1");
	assert_string_equal(server_str(&m, 2), "2001:db8:f::54");
	assert_string_equal(server_str(&m, 3), "203.0.113.53");
	assert_string_equal(server_str(&m, 4), "198.51.100.1");
	assert_int_equal(m.n_domains, 2);
	assert_string_equal(m.domains[0], "isp.example");
	assert_string_equal(m.domains[1], "lte.example");
	char names[64];
	resolver_names(c, 3, names, sizeof(names));
	assert_string_equal(names, "dsl, lte");
}

static void test_merge_limits(void **state)
{
	(void)state;
	struct resolver_contrib c[RESOLVER_MAX_CONNS];
	struct dns_servers m;
	memset(c, 0, sizeof(c));
	for (unsigned i = 0; i < 4; i++) {
		c[i].is_set = true;
		c[i].id = i;
		snprintf(c[i].name, sizeof(c[i].name), "c%u", i);
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, (uint8_t)i };
		for (unsigned k = 0; k < 4; k++) {
			a[15] = (uint8_t)(k + 1);
			dns_servers_add(&c[i].d, AF_INET6, a);
		}
		for (unsigned k = 0; k < DNS_MAX_DOMAINS; k++) {
			char dom[32];
			snprintf(dom, sizeof(dom), "d%u.c%u.example", k, i);
			dns_servers_add_domain(&c[i].d, dom);
		}
	}
	/* 16 servers, 24 domains: 6 of each kept. */
	assert_int_equal(resolver_merge(c, RESOLVER_MAX_CONNS, &m), 10 + 18);
	assert_int_equal(m.n, DNS_MAX_SERVERS);
	assert_int_equal(m.n_domains, DNS_MAX_DOMAINS);
	/* The first three nameservers: the first three connections' first servers. */
	for (unsigned i = 0; i < RESOLVER_NAMESERVERS; i++) {
		assert_int_equal(m.s[i].addr[4], i);
		assert_int_equal(m.s[i].addr[15], 1);
	}
	assert_int_equal(m.s[3].addr[4], 3); /* the fourth connection's first */
	assert_int_equal(m.s[4].addr[4], 0); /* then the first connection's second */
	assert_int_equal(m.s[4].addr[15], 2);
	assert_string_equal(m.domains[5], "d5.c0.example");
	/* Nothing set: nothing merged. */
	memset(c, 0, sizeof(c));
	assert_int_equal(resolver_merge(c, RESOLVER_MAX_CONNS, &m), 0);
	assert_int_equal(m.n, 0);
}

static void test_render_header(void **state)
{
	(void)state;
	char buf[512];
	int n = resolver_render(dsl(), "dsl, lte", buf, sizeof(buf));
	assert_string_equal(buf, "# written by v6link (dsl, lte); restored when v6link stops\n"
				 "nameserver 2001:db8:f::53\n"
				 "nameserver 2001:db8:f::54\n"
				 "nameserver 203.0.113.53\n"
				 "search isp.example\n");
	for (size_t cap = 1; cap <= (size_t)n; cap++)
		assert_int_equal(resolver_render(dsl(), "dsl, lte", buf, cap), -1);
	/* A name cannot start a line of its own. */
	assert_int_equal(resolver_render(dsl(), "dsl\nnameserver 6.6.6.6", buf, sizeof(buf)), -1);
}

/* --- state file codec ------------------------------------------------------------------------- */

static const char *const hash_a = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char *const hash_b = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static void test_saved_roundtrip(void **state)
{
	(void)state;
	struct resolver_saved s, p;
	char buf[4096];
	unsigned line;
	memset(&s, 0, sizeof(s));
	s.backend = DNS_BACKEND_FILE;
	snprintf(s.target, sizeof(s.target), "/etc/netns/ns1/resolv.conf");
	s.had = RESOLVER_HAD_SYMLINK;
	snprintf(s.backup, sizeof(s.backup), "/var/lib/v6link/resolver.orig");
	snprintf(s.made_dir, sizeof(s.made_dir), "/etc/netns");
	s.n_ours = 2;
	snprintf(s.ours[0], sizeof(s.ours[0]), "%s", hash_a);
	snprintf(s.ours[1], sizeof(s.ours[1]), "%s", hash_b);
	int n = resolver_saved_render(&s, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "\nversion 1\nbackend resolv.conf\ntarget /etc/netns/ns1/resolv.conf\n"
				    "had symlink\nbackup /var/lib/v6link/resolver.orig\nmade-dir /etc/netns\n"));
	assert_int_equal(resolver_saved_parse(buf, (size_t)n, &p, &line), HOSTCFG_STATE_OK);
	assert_memory_equal(&s, &p, sizeof(s));
	for (size_t cap = 1; cap <= (size_t)n; cap++)
		assert_int_equal(resolver_saved_render(&s, buf, cap), -1);

	memset(&s, 0, sizeof(s));
	s.backend = DNS_BACKEND_RESOLVED;
	s.n_links = 2;
	snprintf(s.links[0], sizeof(s.links[0]), "ppp0");
	snprintf(s.links[1], sizeof(s.links[1]), "eth1.7");
	n = resolver_saved_render(&s, buf, sizeof(buf));
	assert_int_equal(resolver_saved_parse(buf, (size_t)n, &p, &line), HOSTCFG_STATE_OK);
	assert_memory_equal(&s, &p, sizeof(s));
	/* A file cut short anywhere is refused (only the final newline may go). */
	for (size_t len = 0; len + 1 < (size_t)n; len++)
		assert_int_not_equal(resolver_saved_parse(buf, len, &p, &line), HOSTCFG_STATE_OK);
	assert_int_equal(resolver_saved_parse(buf, (size_t)n - 1, &p, &line), HOSTCFG_STATE_OK);
	assert_memory_equal(&s, &p, sizeof(s));
}

static void test_saved_errors(void **state)
{
	(void)state;
	struct resolver_saved p;
	unsigned line = 0;
	char file_ok[512];
	snprintf(file_ok, sizeof(file_ok), "version 1\nbackend resolv.conf\ntarget /etc/resolv.conf\n"
					   "had none\nours %s\nend\n", hash_a);
	assert_int_equal(resolver_saved_parse(file_ok, strlen(file_ok), &p, &line), HOSTCFG_STATE_OK);
	static const struct {
		const char *text;
		enum hostcfg_state_err e;
		unsigned line;
	} bad[] = {
		{ "", HOSTCFG_STATE_E_VERSION, 0 },
		{ "# only a comment\n", HOSTCFG_STATE_E_VERSION, 1 },
		{ "end\n", HOSTCFG_STATE_E_VERSION, 1 },
		{ "version 2\nbackend resolvconf\nend\n", HOSTCFG_STATE_E_VERSION, 1 },
		{ "backend resolvconf\nversion 1\nend\n", HOSTCFG_STATE_E_VERSION, 1 },
		{ "version 1\nend\n", HOSTCFG_STATE_E_MISSING, 2 },
		{ "version 1\nbackend resolvconf\n", HOSTCFG_STATE_E_MISSING, 2 }, /* cut short */
		{ "version 1\nbackend resolvconf\nend\nlink ppp0\n", HOSTCFG_STATE_E_LINE, 4 },
		{ "version 1\nbackend resolvconf\nend\nend\n", HOSTCFG_STATE_E_LINE, 4 },
		{ "version 1\nbackend none\nend\n", HOSTCFG_STATE_E_VALUE, 2 },
		{ "version 1\nbackend resolvconf\nbackend resolvconf\nend\n", HOSTCFG_STATE_E_DUP, 3 },
		{ "version 1\nbackend resolvconf\ncolour blue\nend\n", HOSTCFG_STATE_E_KEY, 3 },
		{ "version 1\nbackend resolvconf\nlink ppp0\nlink ppp0\nend\n", HOSTCFG_STATE_E_DUP, 4 },
		{ "version 1\nbackend resolvconf\nlink a/b\nend\n", HOSTCFG_STATE_E_VALUE, 3 },
		{ "version 1\nbackend resolvconf\nlink 0123456789abcdef\nend\n", HOSTCFG_STATE_E_VALUE, 3 },
		{ "version 1\nbackend resolvconf\ntarget /etc/resolv.conf\nend\n", HOSTCFG_STATE_E_KEY, 4 },
		{ "version 1\nbackend resolvconf\nlink ppp0\r\nend\n", HOSTCFG_STATE_E_LINE, 3 },
		{ "version 1\nbackend resolvconf\nlink\nend\n", HOSTCFG_STATE_E_LINE, 3 },
		{ "version 1\nbackend resolvconf\nLink ppp0\nend\n", HOSTCFG_STATE_E_LINE, 3 },
		{ "version 1\nbackend resolv.conf\ntarget etc/resolv.conf\n", HOSTCFG_STATE_E_VALUE, 3 },
		{ "version 1\nbackend resolv.conf\ntarget /etc/../resolv.conf\n", HOSTCFG_STATE_E_VALUE, 3 },
		{ "version 1\nbackend resolv.conf\ntarget /etc//resolv.conf\n", HOSTCFG_STATE_E_VALUE, 3 },
		{ "version 1\nbackend resolv.conf\ntarget /etc/resolv.conf/\n", HOSTCFG_STATE_E_VALUE, 3 },
		{ "version 1\nbackend resolv.conf\nhad maybe\n", HOSTCFG_STATE_E_VALUE, 3 },
		{ "version 1\nbackend resolv.conf\nours 0123\n", HOSTCFG_STATE_E_VALUE, 3 },
		/* had file without a backup; had none with one; no hash of ours; a link */
		{ "version 1\nbackend resolv.conf\ntarget /r\nhad file\nours "
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nend\n",
		  HOSTCFG_STATE_E_MISSING, 6 },
		{ "version 1\nbackend resolv.conf\ntarget /r\nhad none\nbackup /b\nours "
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nend\n",
		  HOSTCFG_STATE_E_KEY, 7 },
		{ "version 1\nbackend resolv.conf\ntarget /r\nhad none\nend\n", HOSTCFG_STATE_E_MISSING, 5 },
		{ "version 1\nbackend resolv.conf\ntarget /r\nhad none\nlink ppp0\nours "
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nend\n",
		  HOSTCFG_STATE_E_KEY, 7 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum hostcfg_state_err e = resolver_saved_parse(bad[i].text, strlen(bad[i].text), &p, &line);
		if (e != bad[i].e || line != bad[i].line)
			fail_msg("case %zu: got %s line %u, want %s line %u", i, hostcfg_state_err_str(e),
				 line, hostcfg_state_err_str(bad[i].e), bad[i].line);
	}
	/* A NUL inside is a control character. */
	char nul[] = "version 1\nbackend resolvconf\nlink pp\0p0\nend\n";
	assert_int_equal(resolver_saved_parse(nul, sizeof(nul) - 1, &p, &line), HOSTCFG_STATE_E_LINE);
	/* Three hashes of ours is one too many. */
	char three[1024];
	char head[512];
	snprintf(head, sizeof(head), "%.*s", (int)(strlen(file_ok) - 4), file_ok); /* no "end" */
	snprintf(three, sizeof(three), "%sours %s\nend\n", head, hash_a);
	assert_int_equal(resolver_saved_parse(three, strlen(three), &p, &line), HOSTCFG_STATE_E_DUP);
	snprintf(three, sizeof(three), "%sours %s\nours %s\nend\n", head, hash_b,
		 "1111111111111111111111111111111111111111111111111111111111111111");
	assert_int_equal(resolver_saved_parse(three, strlen(three), &p, &line), HOSTCFG_STATE_E_FULL);
}

/* --- the file backend ------------------------------------------------------------------------- */

static void test_file_two_connections(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	put(f->target, original, 0640);
	struct resolver *r = open_file_owner(f, NULL);
	assert_non_null(r);
	assert_string_equal(ls(f->state), "");
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	assert_true(resolver_is_set(r, 1));
	assert_string_equal(ls(f->state), "resolver.orig resolver.state");
	assert_string_equal(get(f->target), "# written by v6link (dsl); restored when v6link stops\n"
					     "nameserver 2001:db8:f::53\n"
					     "nameserver 2001:db8:f::54\n"
					     "nameserver 203.0.113.53\n"
					     "search isp.example\n");
	assert_int_equal(stat(f->target, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	/* The second connection joins: nothing of the first is lost, the backup stays the
	 * administrator's file (the old per-connection code backed up the first one's file). */
	assert_int_equal(resolver_set(r, 2, "lte", "ppp1", lte()), 0);
	assert_string_equal(get(f->target), "# written by v6link (dsl, lte); restored when v6link stops\n"
					     "nameserver 2001:db8:f::53\n"
					     "nameserver 2001:db8:7::1\n"
					     "nameserver 2001:db8:f::54\n"
					     "nameserver 203.0.113.53\n"
					     "nameserver 198.51.100.1\n"
					     "search isp.example lte.example\n");
	char path[160];
	snprintf(path, sizeof(path), "%s/resolver.orig", f->state);
	assert_string_equal(get(path), original);
	/* The same set again is a no-op; the first leaves, the second stays. */
	assert_int_equal(resolver_set(r, 2, "lte", "ppp1", lte()), 0);
	assert_int_equal(resolver_clear(r, 1), 0);
	assert_false(resolver_is_set(r, 1));
	assert_non_null(strstr(get(f->target), "(lte)"));
	assert_null(strstr(get(f->target), "2001:db8:f::53"));
	/* An empty set clears; the last one gone, the original is back with its mode. */
	struct dns_servers none;
	memset(&none, 0, sizeof(none));
	assert_int_equal(resolver_set(r, 2, "lte", "ppp1", &none), 0);
	assert_string_equal(get(f->target), original);
	assert_int_equal(stat(f->target, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_string_equal(ls(f->state), "");
	assert_string_equal(ls(f->etc), "resolv.conf");
	/* A new round, ended by the daemon's exit. */
	assert_int_equal(resolver_set(r, 2, "lte", "ppp1", lte()), 0);
	assert_int_equal(resolver_close(r), 0);
	assert_string_equal(get(f->target), original);
	assert_string_equal(ls(f->state), "");
	free(r);
}

static void test_file_created_and_dirs(void **state)
{
	struct fx *f = *state;
	/* /etc/netns/NAME/resolv.conf where neither directory exists yet. */
	snprintf(f->target, sizeof(f->target), "%s/netns/ns1/resolv.conf", f->etc);
	struct resolver *r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	assert_non_null(strstr(get(f->target), "nameserver 2001:db8:f::53\n"));
	assert_string_equal(ls(f->state), "resolver.state");
	char st[160];
	snprintf(st, sizeof(st), "%s/resolver.state", f->state);
	assert_non_null(strstr(get(st), "had none\n"));
	assert_non_null(strstr(get(st), "/etc/netns\n"));
	assert_int_equal(resolver_close(r), 0);
	assert_string_equal(get(f->target), "<none>");
	assert_string_equal(ls(f->etc), ""); /* netns/ns1 and netns removed again */
	assert_string_equal(ls(f->state), "");
	free(r);
}

/* The third measured bug: no resolv.conf before, SIGKILL, the next run took the stale file for
 * the original and kept it for good. */
static void test_file_kill_without_original(void **state)
{
	struct fx *f = *state;
	struct resolver *r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	free(r); /* SIGKILL: no undo */
	assert_non_null(strstr(get(f->target), "2001:db8:f::53"));
	r = open_file_owner(f, NULL);
	assert_string_equal(get(f->target), "<none>"); /* recovered before any connection */
	assert_string_equal(ls(f->state), "");
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", lte()), 0);
	assert_int_equal(resolver_close(r), 0);
	assert_string_equal(get(f->target), "<none>");
	free(r);
}

/* The second measured bug: a connection opening later must not revert a live one. Recovery
 * runs in resolver_open only; after a SIGKILL with two connections, it restores the original. */
static void test_file_kill_two_connections(void **state)
{
	struct fx *f = *state;
	put(f->target, original, 0644);
	struct resolver *r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	assert_int_equal(resolver_set(r, 2, "lte", "ppp1", lte()), 0);
	assert_non_null(strstr(get(f->target), "nameserver 2001:db8:f::53\n"));
	assert_non_null(strstr(get(f->target), "nameserver 2001:db8:7::1\n"));
	free(r);
	r = open_file_owner(f, NULL);
	assert_string_equal(get(f->target), original);
	assert_string_equal(ls(f->state), "");
	assert_string_equal(ls(f->etc), "resolv.conf");
	assert_int_equal(resolver_close(r), 0);
	free(r);
}

/* Someone rewrote resolv.conf after us: their file stays, our backup goes. */
static void test_file_foreign_rewrite(void **state)
{
	struct fx *f = *state;
	put(f->target, original, 0644);
	struct resolver *r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	put(f->target, "nameserver 192.0.2.99\n", 0644);
	assert_int_equal(resolver_close(r), 0);
	assert_string_equal(get(f->target), "nameserver 192.0.2.99\n");
	assert_string_equal(ls(f->state), "");
	free(r);
	/* The same after a crash. */
	r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	free(r);
	put(f->target, "nameserver 192.0.2.98\n", 0644);
	r = open_file_owner(f, NULL);
	assert_string_equal(get(f->target), "nameserver 192.0.2.98\n");
	assert_string_equal(ls(f->state), "");
	free(r);
}

/* A symlink at the target (systemd's stub, NetworkManager's file) is replaced by our file,
 * never followed, and put back as the same symlink. */
static void test_file_symlink_target(void **state)
{
	struct fx *f = *state;
	put(f->stub, "nameserver 127.0.0.53\n", 0644);
	assert_int_equal(symlink("../stub-resolv.conf", f->target), 0);
	struct resolver *r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	struct stat sb;
	assert_int_equal(lstat(f->target, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_string_equal(get(f->stub), "nameserver 127.0.0.53\n"); /* not written through */
	assert_int_equal(resolver_close(r), 0);
	assert_string_equal(get(f->target), "<symlink ../stub-resolv.conf>");
	assert_string_equal(get(f->stub), "nameserver 127.0.0.53\n");
	free(r);
	/* And after a crash. */
	r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	free(r);
	r = open_file_owner(f, NULL);
	assert_string_equal(get(f->target), "<symlink ../stub-resolv.conf>");
	assert_string_equal(ls(f->state), "");
	free(r);
	/* A directory at the target is not ours to replace. */
	assert_int_equal(unlink(f->target), 0);
	assert_int_equal(mkdir(f->target, 0755), 0);
	r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), -1);
	assert_string_equal(ls(f->state), "");
	assert_int_equal(resolver_close(r), 0);
	free(r);
	rmdir(f->target);
}

/* An unreadable state file is set aside, nothing is touched. */
static void test_file_bad_state(void **state)
{
	struct fx *f = *state;
	char st[160];
	put(f->target, original, 0644);
	assert_int_equal(mkdir(f->state, 0755), 0);
	snprintf(st, sizeof(st), "%s/resolver.state", f->state);
	put(st, "version 1\nbackend resolv.conf\ntarget /nonexistent\n", 0600);
	struct resolver *r = open_file_owner(f, NULL);
	assert_non_null(r);
	assert_string_equal(ls(f->state), "resolver.state.bad");
	assert_string_equal(get(f->target), original);
	assert_int_equal(resolver_close(r), 0);
	free(r);
}

/* A restore that cannot finish keeps the backup and the state; the owner keeps its hands off
 * the file meanwhile; a later restore finishes the job. */
static void test_file_restore_fails(void **state)
{
	struct fx *f = *state;
	char tmp[160];
	put(f->target, original, 0644);
	struct resolver *r = open_file_owner(f, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	free(r);
	/* The temporary file's name taken by a directory: the restore's write fails. */
	snprintf(tmp, sizeof(tmp), "%s" HOSTCFG_TMP_SUFFIX, f->target);
	assert_int_equal(mkdir(tmp, 0755), 0);
	r = open_file_owner(f, NULL);
	assert_non_null(r);
	assert_string_equal(ls(f->state), "resolver.orig resolver.state");
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", lte()), -1);
	assert_non_null(strstr(get(f->target), "2001:db8:f::53")); /* untouched */
	assert_int_equal(resolver_close(r), -1);
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(resolver_close(r), 0);
	assert_string_equal(get(f->target), original);
	assert_string_equal(ls(f->state), "");
	free(r);
}

/* An older version's crash left its backup beside the file and its own file in place: with no
 * state file, the owner puts the backup back before anything else. */
static void test_file_legacy_backup(void **state)
{
	struct fx *f = *state;
	char legacy[192];
	snprintf(legacy, sizeof(legacy), "%s.v6link-orig", f->target);
	put(legacy, original, 0644);
	put(f->target, "# written by v6link for connection dsl; restored when it ends\n", 0644);
	struct resolver *r = open_file_owner(f, NULL);
	assert_string_equal(get(f->target), original);
	assert_string_equal(ls(f->etc), "resolv.conf");
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	assert_int_equal(resolver_close(r), 0);
	assert_string_equal(get(f->target), original);
	free(r);
	/* The named-namespace location: beside /etc/netns/NAME, not in it. */
	snprintf(f->target, sizeof(f->target), "%s/netns/ns1/resolv.conf", f->etc);
	snprintf(legacy, sizeof(legacy), "%s/netns/ns1.resolv.conf.v6link-orig", f->etc);
	char nsdir[160];
	snprintf(nsdir, sizeof(nsdir), "%s/netns", f->etc);
	assert_int_equal(mkdir(nsdir, 0755), 0);
	snprintf(nsdir, sizeof(nsdir), "%s/netns/ns1", f->etc);
	assert_int_equal(mkdir(nsdir, 0755), 0);
	put(legacy, original, 0644);
	put(f->target, "nameserver 2001:db8::stale\n", 0644);
	r = open_file_owner(f, NULL);
	assert_string_equal(get(f->target), original);
	assert_string_equal(get(legacy), "<none>");
	assert_int_equal(resolver_close(r), 0);
	free(r);
}

/* --- crash points ----------------------------------------------------------------------------- */

struct crash_at {
	unsigned at, n;
	const char *step;
	struct fx *f;
	const char *orig; /* what the target held before: it must never vanish meanwhile */
};

static bool crash_fn(void *arg, const char *step)
{
	struct crash_at *c = arg;
	if (c->orig && strcmp(c->orig, "<none>"))
		assert_string_not_equal(get(c->f->target), "<none>");
	c->step = step;
	return ++c->n == c->at;
}

/* Everything the owner does in a daemon's life: two connections, changes, undo, exit. */
static bool life(struct fx *f, struct hostcfg_crash *crash)
{
	struct resolver *r = open_file_owner(f, crash);
	struct dns_servers d2 = mk(L("2001:db8:f::99"), NULL, NULL);
	assert_non_null(r);
	resolver_set(r, 1, "dsl", "ppp0", dsl());
	resolver_set(r, 2, "lte", "ppp1", lte());
	resolver_set(r, 1, "dsl", "ppp0", &d2);
	resolver_clear(r, 1);
	resolver_clear(r, 2); /* restore */
	resolver_set(r, 2, "lte", "ppp1", lte());
	resolver_close(r);
	free(r);
	return !crash->is_dead;
}

static void crash_loop(struct fx *f, const char *orig_kind)
{
	unsigned at;
	for (at = 1; at < 200; at++) {
		struct crash_at c = { .at = at, .f = f };
		struct hostcfg_crash crash = { .fn = crash_fn, .arg = &c };
		char want[1024], want_etc[1024];
		snprintf(want, sizeof(want), "%s", get(f->target));
		snprintf(want_etc, sizeof(want_etc), "%s", ls(f->etc));
		c.orig = want;
		bool done = life(f, &crash);
		/* The next start recovers before anything else. */
		struct resolver *r = open_file_owner(f, NULL);
		assert_non_null(r);
		if (strcmp(get(f->target), want) || strcmp(ls(f->state), "") ||
		    strcmp(ls(f->etc), want_etc))
			fail_msg("%s: crash %u before '%s': target '%s' state dir '%s' etc '%s'",
				 orig_kind, at, c.step, get(f->target), ls(f->state), ls(f->etc));
		assert_int_equal(resolver_close(r), 0);
		free(r);
		if (done)
			break;
	}
	assert_true(at > 10); /* the loop did reach every step */
	assert_true(at < 200);
}

static void test_crash_points_replaced(void **state)
{
	struct fx *f = *state;
	put(f->target, original, 0600);
	crash_loop(f, "replaced");
	assert_string_equal(ls(f->etc), "resolv.conf");
	struct stat sb;
	assert_int_equal(stat(f->target, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static void test_crash_points_created(void **state)
{
	struct fx *f = *state;
	snprintf(f->target, sizeof(f->target), "%s/netns/ns1/resolv.conf", f->etc);
	crash_loop(f, "created");
	assert_string_equal(ls(f->etc), "");
}

static void test_crash_points_symlink(void **state)
{
	struct fx *f = *state;
	put(f->stub, "nameserver 127.0.0.53\n", 0644);
	assert_int_equal(symlink("../stub-resolv.conf", f->target), 0);
	crash_loop(f, "symlink");
	assert_string_equal(ls(f->etc), "resolv.conf");
}

/* A crash during recovery itself: the start after it recovers what is left. */
static void test_crash_during_recovery(void **state)
{
	struct fx *f = *state;
	put(f->target, original, 0644);
	unsigned at;
	for (at = 1; at < 50; at++) {
		struct resolver *r = open_file_owner(f, NULL);
		resolver_set(r, 1, "dsl", "ppp0", dsl());
		resolver_set(r, 2, "lte", "ppp1", lte());
		free(r); /* SIGKILL */
		struct crash_at c = { .at = at, .f = f, .orig = original };
		struct hostcfg_crash crash = { .fn = crash_fn, .arg = &c };
		r = open_file_owner(f, &crash);
		bool done = !crash.is_dead;
		free(r);
		r = open_file_owner(f, NULL);
		if (strcmp(get(f->target), original) || strcmp(ls(f->state), ""))
			fail_msg("crash %u before '%s' in recovery: target '%s' state dir '%s'", at, c.step,
				 get(f->target), ls(f->state));
		free(r);
		if (done)
			break;
	}
	assert_true(at > 2);
	assert_true(at < 50);
}

/* --- per-link backends ------------------------------------------------------------------------ */

struct fake_links {
	char log[2048];
	bool fail_set;
};

static int fake_set(void *ctx, enum dns_backend b, const char *ifname, const struct dns_servers *d,
		    const char *text)
{
	struct fake_links *fl = ctx;
	snprintf(fl->log + strlen(fl->log), sizeof(fl->log) - strlen(fl->log), "set %s %s %u %s|",
		 dns_backend_name(b), ifname, d->n, strchr(text, '\n') + 1);
	return fl->fail_set ? -1 : 0;
}

static int fake_clear(void *ctx, enum dns_backend b, const char *ifname)
{
	struct fake_links *fl = ctx;
	snprintf(fl->log + strlen(fl->log), sizeof(fl->log) - strlen(fl->log), "clear %s %s|",
		 dns_backend_name(b), ifname);
	return 0;
}

static const struct resolver_ops fake_ops = { .link_set = fake_set, .link_clear = fake_clear };

static struct resolver *open_link_owner(struct fx *f, enum dns_backend b, struct fake_links *fl,
					struct hostcfg_crash *crash)
{
	struct resolver *r = calloc(1, sizeof(*r));
	struct resolver_cfg cfg = { .state_dir = f->state, .backend = b, .ops = &fake_ops,
				    .ops_ctx = fl, .crash = crash, .path = f->target };
	assert_int_equal(resolver_open(r, &cfg), 0);
	return r;
}

static void test_links(void **state)
{
	struct fx *f = *state;
	struct fake_links fl = { 0 };
	char st[160];
	snprintf(st, sizeof(st), "%s/resolver.state", f->state);
	struct resolver *r = open_link_owner(f, DNS_BACKEND_RESOLVED, &fl, NULL);
	struct dns_servers one = mk(L("2001:db8:7::1"), NULL, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", dsl()), 0);
	assert_int_equal(resolver_set(r, 2, "lte", "ppp1", &one), 0);
	assert_int_equal(resolver_set(r, 2, "lte", "ppp1", &one), 0); /* no-op */
	/* Each link gets its own servers, not the merge. */
	assert_string_equal(fl.log, "set systemd-resolved ppp0 3 nameserver 2001:db8:f::53\n"
				    "nameserver 2001:db8:f::54\nnameserver 203.0.113.53\nsearch isp.example\n|"
				    "set systemd-resolved ppp1 1 nameserver 2001:db8:7::1\n|");
	assert_non_null(strstr(get(st), "backend systemd-resolved\nlink ppp0\nlink ppp1\n"));
	assert_string_equal(get(f->target), "<none>");
	fl.log[0] = '\0';
	assert_int_equal(resolver_clear(r, 1), 0);
	assert_string_equal(fl.log, "clear systemd-resolved ppp0|");
	assert_null(strstr(get(st), "ppp0"));
	/* A new interface for the same connection: the old one is reverted first. */
	fl.log[0] = '\0';
	assert_int_equal(resolver_set(r, 2, "lte", "wwan0", &one), 0);
	assert_string_equal(fl.log, "clear systemd-resolved ppp1|set systemd-resolved wwan0 1 "
				    "nameserver 2001:db8:7::1\n|");
	free(r); /* SIGKILL */
	/* The next start reverts what the state names, whatever the backend is now. */
	fl.log[0] = '\0';
	r = open_link_owner(f, DNS_BACKEND_FILE, &fl, NULL);
	assert_string_equal(fl.log, "clear systemd-resolved wwan0|");
	assert_string_equal(ls(f->state), "");
	free(r);
	/* A failed set is still reverted on exit (the tool may have done half of it). */
	fl.log[0] = '\0';
	fl.fail_set = true;
	r = open_link_owner(f, DNS_BACKEND_RESOLVCONF, &fl, NULL);
	assert_int_equal(resolver_set(r, 1, "dsl", "ppp0", &one), -1);
	assert_int_equal(resolver_close(r), 0);
	assert_string_equal(fl.log, "set resolvconf ppp0 1 nameserver 2001:db8:7::1\n|"
				    "clear resolvconf ppp0|");
	assert_string_equal(ls(f->state), "");
	free(r);
}

static void test_links_crash_points(void **state)
{
	struct fx *f = *state;
	unsigned at;
	for (at = 1; at < 100; at++) {
		struct fake_links fl = { 0 };
		struct crash_at c = { .at = at, .f = f };
		struct hostcfg_crash crash = { .fn = crash_fn, .arg = &c };
		struct resolver *r = open_link_owner(f, DNS_BACKEND_RESOLVCONF, &fl, &crash);
		resolver_set(r, 1, "dsl", "ppp0", dsl());
		resolver_set(r, 2, "lte", "ppp1", lte());
		resolver_clear(r, 1);
		resolver_close(r);
		bool done = !crash.is_dead;
		free(r);
		/* Every link set must be cleared by now or by the next start. */
		struct fake_links fl2 = { 0 };
		r = open_link_owner(f, DNS_BACKEND_RESOLVCONF, &fl2, NULL);
		for (const char *ifn = "ppp0";; ifn = "ppp1") {
			char set[32], clr[32];
			snprintf(set, sizeof(set), "set resolvconf %s ", ifn);
			snprintf(clr, sizeof(clr), "clear resolvconf %s|", ifn);
			const char *s = strstr(fl.log, set);
			if (s && !strstr(s, clr) && !strstr(fl2.log, clr))
				fail_msg("crash %u before '%s': %s left set (%s / %s)", at, c.step, ifn, fl.log,
					 fl2.log);
			if (!strcmp(ifn, "ppp1"))
				break;
		}
		assert_string_equal(ls(f->state), "");
		free(r);
		if (done)
			break;
	}
	assert_true(at > 4);
	assert_true(at < 100);
}

int main(void)
{
	log_init("hostcfg_resolver_test", false, LOG_LVL_ERR, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_merge_limits),
		cmocka_unit_test(test_render_header),
		cmocka_unit_test(test_saved_roundtrip),
		cmocka_unit_test(test_saved_errors),
		cmocka_unit_test_setup_teardown(test_file_two_connections, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_created_and_dirs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_kill_without_original, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_kill_two_connections, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_foreign_rewrite, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_symlink_target, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_bad_state, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_restore_fails, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_legacy_backup, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_crash_points_replaced, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_crash_points_created, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_crash_points_symlink, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_recovery, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_links, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_links_crash_points, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
