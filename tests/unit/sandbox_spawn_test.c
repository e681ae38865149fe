/* The spawner (daemon/spawn.h): its request parsers (run and file requests) against truncated,
 * overlong and lying messages, and a real spawner process: it runs a program it was given at
 * start, with stdin bytes, only V6LINK_* variables and its fixed PATH (LD_PRELOAD and BASH_ENV
 * from the daemon never reach it), reports exit statuses, refuses any other program, and ends
 * at EOF; it reads, replaces, links, removes and makes the directories of the files named at
 * start, for a caller that may not (another uid), and refuses any other path. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/spawn.h"
#include "hostcfg/file.h"

static char *const argv_sh[] = { (char *)(uintptr_t)"/bin/sh", (char *)(uintptr_t)"-c",
				 (char *)(uintptr_t)"exit 3", NULL };
static char *const envp_two[] = { (char *)(uintptr_t)"V6LINK_EVENT=up",
				  (char *)(uintptr_t)"LD_PRELOAD=/x.so", NULL };

static void test_parse_round_trip(void **state)
{
	static uint8_t buf[SPAWN_MSG_MAX];
	struct spawn_req_view v;
	(void)state;
	ssize_t n = spawn_req_build(buf, sizeof(buf), 7, SPAWN_F_DETACH, "/bin/sh", argv_sh,
				    envp_two, "in\n");
	assert_true(n > 0);
	assert_int_equal(spawn_req_parse(buf, (size_t)n, &v), 0);
	assert_int_equal(v.id, 7);
	assert_int_equal(v.flags, SPAWN_F_DETACH);
	assert_string_equal(v.path, "/bin/sh");
	assert_string_equal(v.argv[2], "exit 3");
	assert_null(v.argv[3]);
	assert_string_equal(v.envp[1], "LD_PRELOAD=/x.so");
	assert_null(v.envp[2]);
	assert_int_equal(v.input_len, 3);
	assert_memory_equal(v.input, "in\n", 3);
	/* Every shorter message is refused: no string may end outside it. */
	for (ssize_t l = 0; l < n; l++)
		assert_int_equal(spawn_req_parse(buf, (size_t)l, &v), -1);
}

static void test_parse_lies(void **state)
{
	static uint8_t buf[SPAWN_MSG_MAX + 8], m[SPAWN_MSG_MAX + 8];
	struct spawn_req_view v;
	(void)state;
	ssize_t n = spawn_req_build(buf, sizeof(buf), 1, 0, "/bin/sh", argv_sh, NULL, NULL);
	assert_true(n > 24);
	uint32_t bad[] = { 0, 65, 0xffffffffu };
	for (unsigned i = 0; i < 3; i++) { /* argv count 0, over the limit, huge */
		memcpy(m, buf, (size_t)n);
		memcpy(m + 8, &bad[i], 4);
		assert_int_equal(spawn_req_parse(m, (size_t)n, &v), -1);
	}
	memcpy(m, buf, (size_t)n);
	uint32_t flags = 0x80;
	memcpy(m + 4, &flags, 4);
	assert_int_equal(spawn_req_parse(m, (size_t)n, &v), -1);
	memcpy(m, buf, (size_t)n);
	uint32_t in_len = 100; /* stdin longer than what follows the header */
	memcpy(m + 16, &in_len, 4);
	assert_int_equal(spawn_req_parse(m, (size_t)n, &v), -1);
	memcpy(m, buf, (size_t)n);
	m[n - 1] = 'x'; /* last string without its NUL */
	assert_int_equal(spawn_req_parse(m, (size_t)n, &v), -1);
	memcpy(m, buf, (size_t)n);
	m[n] = 0; /* a stray byte after the last string */
	assert_int_equal(spawn_req_parse(m, (size_t)n + 1, &v), -1);
	assert_int_equal(spawn_req_parse(m, SPAWN_MSG_MAX + 1, &v), -1);
	char *const empty[] = { (char *)(uintptr_t)"", NULL };
	n = spawn_req_build(buf, sizeof(buf), 1, 0, "", empty, NULL, NULL);
	assert_int_equal(spawn_req_parse(buf, (size_t)n, &v), -1); /* empty path */
	static char big[SPAWN_INPUT_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(spawn_req_build(buf, sizeof(buf), 1, 0, "/bin/sh", argv_sh, NULL, big), -1);
}

static void test_spawner_process(void **state)
{
	(void)state;
	const char *progs[] = { "/bin/sh" };
	int st = -1;
	assert_int_equal(spawn_start(progs, 1, NULL, 0, false), 0);
	pid_t pid = spawn_pid();
	assert_true(pid > 0);
	assert_true(spawn_running());
	assert_int_equal(spawn_run_wait("t", "/bin/sh", argv_sh, NULL, NULL, 0, 5000, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	/* Environment: V6LINK_* and the fixed PATH only; stdin: the bytes sent. */
	char *const check[] = { (char *)(uintptr_t)"/bin/sh", (char *)(uintptr_t)"-c",
				(char *)(uintptr_t)"read x; [ \"$x\" = hello ] && [ \"$V6LINK_EVENT\" = up ] && "
						   "[ -z \"${LD_PRELOAD-}\" ] && [ -z \"${BASH_ENV-}\" ] && "
						   "[ \"$PATH\" = /usr/sbin:/usr/bin:/sbin:/bin ] && "
						   "[ \"$(env | grep -vc '^\\(V6LINK_EVENT\\|PATH\\|PWD\\|SHLVL\\|_\\)=')\" = 0 ]",
				NULL };
	char *const envp[] = { (char *)(uintptr_t)"V6LINK_EVENT=up",
			       (char *)(uintptr_t)"LD_PRELOAD=/nonexistent.so",
			       (char *)(uintptr_t)"BASH_ENV=/tmp/x", NULL };
	st = -1;
	assert_int_equal(spawn_run_wait("t", "/bin/sh", check, envp, "hello\n", 0, 5000, &st), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* A program not named at start is refused. */
	char *const other[] = { (char *)(uintptr_t)"/bin/true", NULL };
	errno = 0;
	assert_int_equal(spawn_run_wait("t", "/bin/true", other, NULL, NULL, 0, 5000, &st), -1);
	assert_int_equal(errno, EPERM);
	/* EOF: it exits (and is reaped, by spawn_stop or here). */
	spawn_stop();
	assert_false(spawn_running());
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) {
		waitpid(pid, NULL, WNOHANG);
		usleep(20000);
	}
	assert_int_equal(kill(pid, 0), -1);
}

static void test_file_parse(void **state)
{
	static uint8_t buf[SPAWN_MSG_MAX + 8], m[SPAWN_MSG_MAX + 8];
	struct spawn_file_view v, w;
	(void)state;
	v = (struct spawn_file_view){ .id = 9, .op = SPAWN_FILE_REPLACE, .path = "/etc/gai.conf",
				      .arg = "", .data = (const uint8_t *)"abc", .data_len = 3,
				      .mode = 0644, .uid = 0, .gid = 0 };
	ssize_t n = spawn_file_req_build(buf, sizeof(buf), &v);
	assert_true(n > 32);
	assert_int_equal(spawn_req_kind(buf, (size_t)n), SPAWN_KIND_FILE);
	assert_int_equal(spawn_file_req_parse(buf, (size_t)n, &w), 0);
	assert_int_equal(w.id, 9);
	assert_int_equal(w.op, SPAWN_FILE_REPLACE);
	assert_string_equal(w.path, "/etc/gai.conf");
	assert_string_equal(w.arg, "");
	assert_int_equal(w.mode, 0644);
	assert_int_equal(w.data_len, 3);
	assert_memory_equal(w.data, "abc", 3);
	for (ssize_t l = 0; l < n; l++)
		assert_int_equal(spawn_file_req_parse(buf, (size_t)l, &w), -1);
	/* A run request is not a file request, and the other way round. */
	static struct spawn_req_view rv;
	assert_int_equal(spawn_req_parse(buf, (size_t)n, &rv), -1);
	/* Lies: each header word and the strings. */
	struct {
		size_t off;
		uint32_t val;
	} lies[] = { { 4, 0 }, { 4, 8 }, { 8, 010000 }, { 20, 2 }, { 24, 4 }, { 24, 0xffffffffu },
		     { 28, 1 } };
	for (unsigned i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		memcpy(m, buf, (size_t)n);
		memcpy(m + lies[i].off, &lies[i].val, 4);
		assert_int_equal(spawn_file_req_parse(m, (size_t)n, &w), -1);
	}
	memcpy(m, buf, (size_t)n);
	m[n] = 0; /* a stray byte: data longer than said */
	assert_int_equal(spawn_file_req_parse(m, (size_t)n + 1, &w), -1);
	/* Fields an op does not use, a relative path, a missing argument, an overlong path. */
	struct spawn_file_view bad[] = {
		{ .op = SPAWN_FILE_REMOVE, .path = "/etc/gai.conf", .arg = "", .mode = 0644 },
		{ .op = SPAWN_FILE_REMOVE, .path = "/etc/gai.conf", .arg = "x" },
		{ .op = SPAWN_FILE_REMOVE, .path = "etc/gai.conf", .arg = "" },
		{ .op = SPAWN_FILE_READ, .path = "/etc/gai.conf", .arg = "", .cap = 0 },
		{ .op = SPAWN_FILE_READ, .path = "/etc/gai.conf", .arg = "",
		  .cap = SPAWN_FILE_DATA_MAX + 1 },
		{ .op = SPAWN_FILE_SYMLINK, .path = "/etc/resolv.conf", .arg = "" },
		{ .op = SPAWN_FILE_RMDIRS, .path = "/etc/netns/x/resolv.conf", .arg = "" },
		{ .op = SPAWN_FILE_MKDIRS, .path = "/etc/gai.conf", .arg = "", .uid = 1 },
		{ .op = SPAWN_FILE_REPLACE, .path = "/etc/gai.conf", .arg = "",
		  .data_len = SPAWN_FILE_DATA_MAX + 1, .data = buf },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(spawn_file_req_build(m, sizeof(m), &bad[i]), -1);
	static char longp[SPAWN_FILE_PATH_MAX + 2];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	v = (struct spawn_file_view){ .op = SPAWN_FILE_REMOVE, .path = longp, .arg = "" };
	assert_int_equal(spawn_file_req_build(m, sizeof(m), &v), -1);
	/* The largest file fits one message. */
	v = (struct spawn_file_view){ .op = SPAWN_FILE_REPLACE, .path = longp + 2, .arg = "",
				      .data = buf, .data_len = SPAWN_FILE_DATA_MAX };
	longp[2] = '/';
	longp[SPAWN_FILE_PATH_MAX + 1 - 2] = 0;
	n = spawn_file_req_build(m, sizeof(m), &v);
	assert_true(n > SPAWN_FILE_DATA_MAX);
	assert_int_equal(spawn_file_req_parse(m, (size_t)n, &w), 0);
}

static void test_file_rep_parse(void **state)
{
	static uint8_t m[SPAWN_FILE_REP_MAX + 8];
	struct spawn_file_rep r = { .kind = SPAWN_REP_FILE, .id = 3, .ret = 5, .size = 5 }, o;
	(void)state;
	memcpy(m, &r, sizeof(r));
	memcpy(m + sizeof(r), "hello", 5);
	assert_int_equal(spawn_file_rep_parse(m, sizeof(r) + 5, &o), 0);
	assert_int_equal(o.id, 3);
	for (size_t l = 0; l < sizeof(r) + 5; l++)
		assert_int_equal(spawn_file_rep_parse(m, l, &o), -1);
	assert_int_equal(spawn_file_rep_parse(m, sizeof(r) + 6, &o), -1);
	r = (struct spawn_file_rep){ .kind = SPAWN_REP_FILE, .ret = -1, .err = 0 }; /* no errno */
	memcpy(m, &r, sizeof(r));
	assert_int_equal(spawn_file_rep_parse(m, sizeof(r), &o), -1);
	r.err = EPERM;
	memcpy(m, &r, sizeof(r));
	assert_int_equal(spawn_file_rep_parse(m, sizeof(r), &o), 0);
	r.ret = -2;
	memcpy(m, &r, sizeof(r));
	assert_int_equal(spawn_file_rep_parse(m, sizeof(r), &o), -1);
}

/* The calls of test_file_process, as the daemon makes them once it is no longer root: through
 * hostcfg_file_* with the spawner's broker. Exits 0 if all went as expected, else the number
 * of the check that failed. */
static int file_checks(const char *dir, const char *target, const char *gai)
{
	char buf[256], other[700];
	struct stat sb;
	char tmp[700];
	snprintf(other, sizeof(other), "%s/other", dir);
	/* A stale temporary file beside a named path goes. */
	snprintf(tmp, sizeof(tmp), "%s" HOSTCFG_TMP_SUFFIX, target);
	if (lstat(tmp, &sb) < 0)
		return 11; /* made by test_file_process before it changed user */
	hostcfg_file_drop_tmp(target);
	if (lstat(tmp, &sb) == 0)
		return 11;
	if (hostcfg_file_replace(target, "nameserver ::1\n", 15, 0644, 0, 0, NULL) < 0)
		return 1;
	if (hostcfg_file_read(target, buf, sizeof(buf), &sb) != 15 ||
	    strcmp(buf, "nameserver ::1\n") ||
	    (sb.st_mode & 07777) != 0644 || sb.st_uid != 0)
		return 2;
	if (lstat(target, &sb) < 0 || sb.st_uid != 0 || !S_ISREG(sb.st_mode))
		return 3;
	if (hostcfg_file_read(target, buf, 4, NULL) != -1 || errno != EFBIG)
		return 4;
	if (hostcfg_file_replace_symlink(target, "/run/x/resolv.conf", NULL) < 0 ||
	    readlink(target, buf, sizeof(buf)) != 18)
		return 5;
	if (hostcfg_file_read(target, buf, sizeof(buf), NULL) != -1 || errno != ELOOP)
		return 6;
	if (hostcfg_file_remove(target) < 0 || lstat(target, &sb) == 0 ||
	    hostcfg_file_remove(target) < 0)
		return 7;
	/* gai lives two directories down that do not exist yet: made, written, removed again. */
	char made[512];
	if (!hostcfg_file_missing_dir(gai, made, sizeof(made)) || !made[0] ||
	    hostcfg_file_mkdirs(gai) < 0 ||
	    hostcfg_file_replace(gai, "x", 1, 0600, (uid_t)-1, 0, NULL) < 0)
		return 8;
	if (hostcfg_file_remove(gai) < 0)
		return 9;
	hostcfg_file_rmdirs(gai, made);
	if (lstat(made, &sb) == 0)
		return 10;
	/* Any other path the spawner refuses, whatever the request. */
	struct spawn_file_view v = { .op = SPAWN_FILE_REPLACE, .path = other, .arg = "",
				     .data = (const uint8_t *)"x", .data_len = 1, .mode = 0644 };
	if (spawn_file_call(&v, NULL, 1, NULL) != -1 || errno != EPERM || lstat(other, &sb) == 0)
		return 12;
	v = (struct spawn_file_view){ .op = SPAWN_FILE_REPLACE, .path = tmp, .arg = "",
				      .data = (const uint8_t *)"x", .data_len = 1 };
	if (spawn_file_call(&v, NULL, 1, NULL) != -1 || errno != EPERM)
		return 13;
	v = (struct spawn_file_view){ .op = SPAWN_FILE_READ, .path = "/etc/shadow", .arg = "",
				      .cap = 100 };
	if (spawn_file_call(&v, buf, sizeof(buf), NULL) != -1 || errno != EPERM)
		return 14;
	/* The one device it opens: /dev/net/tun (whatever its mode), nothing else. */
	v = (struct spawn_file_view){ .op = SPAWN_FILE_OPEN_DEV, .path = "/dev/null", .arg = "" };
	if (spawn_file_call(&v, NULL, 1, NULL) != -1 || errno != EPERM)
		return 15;
	if (access(SPAWN_DEV_TUN, F_OK) == 0) {
		int fd = hostcfg_file_open_dev(SPAWN_DEV_TUN);
		if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode))
			return 16;
		close(fd);
	}
	return 0;
}

static void test_file_process(void **state)
{
	const char *top = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char dir[512], target[600], gai[640];
	struct stat top_sb;
	int st = -1;
	(void)state;
	/* The child that becomes uid 64999 must reach the directory: TMPDIR searchable while the
	 * test runs (tests/unit/sandbox.sh makes it 0700). */
	assert_int_equal(stat(top, &top_sb), 0);
	assert_int_equal(chmod(top, (top_sb.st_mode & 07777) | 0011), 0);
	snprintf(dir, sizeof(dir), "%s/v6l-spawn-file-XXXXXX", top);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(target, sizeof(target), "%s/resolv.conf", dir);
	snprintf(gai, sizeof(gai), "%s/netns/x/gai.conf", dir);
	const char *progs[] = { "/bin/sh" }, *files[] = { target, gai };
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		char tmp[640];
		snprintf(tmp, sizeof(tmp), "%s" HOSTCFG_TMP_SUFFIX, target);
		int fd = open(tmp, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0 || close(fd) < 0 || spawn_start(progs, 1, files, 2, false) < 0)
			_exit(100);
		hostcfg_file_set_broker(&spawn_file_broker);
		/* As root, become another user now: the spawner, still root, does every write in
		 * the root-owned directory this process may no longer write itself. */
		if (geteuid() == 0 && (setresgid(64999, 64999, 64999) < 0 ||
				       setresuid(64999, 64999, 64999) < 0))
			_exit(101);
		int rc = file_checks(dir, target, gai);
		if (!rc && geteuid() != 0 && open(target, O_CREAT | O_WRONLY, 0644) >= 0)
			rc = 102; /* the test proves nothing if this process could write there */
		spawn_stop();
		_exit(rc);
	}
	assert_int_equal(waitpid(kid, &st, 0), kid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(chmod(top, top_sb.st_mode & 07777), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_lies),
		cmocka_unit_test(test_spawner_process),
		cmocka_unit_test(test_file_parse),
		cmocka_unit_test(test_file_rep_parse),
		cmocka_unit_test(test_file_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
