/* The spawner (daemon/spawn.h): its request parser against truncated, overlong and lying
 * messages, and a real spawner process: it runs a program it was given at start, with stdin
 * bytes, only V6LINK_* variables and its fixed PATH (LD_PRELOAD and BASH_ENV from the daemon
 * never reach it), reports exit statuses, refuses any other program, and ends at EOF. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/spawn.h"

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
	assert_int_equal(spawn_start(progs, 1, false), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_lies),
		cmocka_unit_test(test_spawner_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
