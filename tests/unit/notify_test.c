/* The sd_notify replacement (daemon/notify): $NOTIFY_SOCKET as a path or an abstract name
 * ('@' = NUL), refused when empty, relative, too long or another family (vsock:), and the
 * datagram a receiving AF_UNIX socket gets, byte for byte, for both kinds of address; nothing
 * sent and 0 returned without $NOTIFY_SOCKET. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/notify.h"
#include "test_util.h"

static void test_addr(void **state)
{
	(void)state;
	struct sockaddr_un sa;
	socklen_t sl;
	char long_path[sizeof(sa.sun_path) + 2];

	assert_true(notify_addr("/run/systemd/notify", &sa, &sl));
	assert_string_equal(sa.sun_path, "/run/systemd/notify");
	assert_int_equal(sl, offsetof(struct sockaddr_un, sun_path) + strlen("/run/systemd/notify") + 1);
	assert_true(notify_addr("@v6l/abs", &sa, &sl));
	assert_int_equal(sa.sun_path[0], 0);
	assert_memory_equal(sa.sun_path + 1, "v6l/abs", 7);
	assert_int_equal(sl, offsetof(struct sockaddr_un, sun_path) + 8);
	assert_false(notify_addr(NULL, &sa, &sl));
	assert_false(notify_addr("", &sa, &sl));
	assert_false(notify_addr("@", &sa, &sl));
	assert_false(notify_addr("/", &sa, &sl));
	assert_false(notify_addr("run/notify", &sa, &sl));
	assert_false(notify_addr("vsock:2:1234", &sa, &sl));
	/* a path must leave room for its NUL; an abstract name may fill sun_path */
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	long_path[sizeof(sa.sun_path)] = '\0';
	assert_false(notify_addr(long_path, &sa, &sl));
	long_path[sizeof(sa.sun_path) - 1] = '\0';
	assert_true(notify_addr(long_path, &sa, &sl));
	long_path[0] = '@';
	long_path[sizeof(sa.sun_path) - 1] = 'a';
	long_path[sizeof(sa.sun_path)] = '\0';
	assert_true(notify_addr(long_path, &sa, &sl));
	assert_int_equal(sl, sizeof(struct sockaddr_un));
	long_path[sizeof(sa.sun_path)] = 'a';
	long_path[sizeof(sa.sun_path) + 1] = '\0';
	assert_false(notify_addr(long_path, &sa, &sl));
}

/* A receiver bound to value (as notify_addr makes it); returns its fd. */
static int receiver(const char *value)
{
	struct sockaddr_un sa;
	socklen_t sl;
	assert_true(notify_addr(value, &sa, &sl));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sl), 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[600];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, (ssize_t)strlen(want));
	assert_memory_equal(buf, want, (size_t)n);
}

static void test_send(void **state)
{
	(void)state;
	char dir[256], path[300], abs_name[64];
	assert_non_null(test_mkdtemp(dir, sizeof(dir), "notify"));
	snprintf(path, sizeof(path), "%s/notify.sock", dir);

	int fd = receiver(path);
	assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
	assert_int_equal(notify_send("READY=1"), 1);
	expect_datagram(fd, "READY=1");
	assert_int_equal(notify_send("STOPPING=1\nSTATUS=hanging up and cleaning up"), 1);
	expect_datagram(fd, "STOPPING=1\nSTATUS=hanging up and cleaning up");
	close(fd);
	unlink(path);
	/* nobody listening any more: an error, not a hang */
	assert_int_equal(notify_send("READY=1"), -1);

	snprintf(abs_name, sizeof(abs_name), "@v6l-notify-test-%ld", (long)getpid());
	fd = receiver(abs_name);
	assert_int_equal(setenv("NOTIFY_SOCKET", abs_name, 1), 0);
	assert_int_equal(notify_send("STATUS=dsl: up"), 1);
	expect_datagram(fd, "STATUS=dsl: up");

	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", "", 1), 0);
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", "relative", 1), 0);
	assert_int_equal(notify_send("READY=1"), -1);
	char buf[16];
	assert_true(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0); /* nothing more arrived */
	close(fd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_send),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
