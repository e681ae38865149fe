/* sshd's StrictModes for what v6link acts on as root (cfg_perm_ok): v6link.ini, connections.ini
 * and its directory, a hook and its directory. Each rule alone, on stat results made up for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cfg/cfg_perm.h"

static bool ok(mode_t mode, uid_t owner, enum cfg_perm_kind kind, uid_t self, char *err)
{
	struct stat st = { .st_mode = mode, .st_uid = owner };
	return cfg_perm_ok("/x/f", &st, kind, self, "thing", err, 300);
}

/* What the tests and the package write: root's, 0644 files, 0755 hooks and directories. */
static void test_root_owned_not_writable_by_others(void **state)
{
	(void)state;
	char err[300];
	assert_true(ok(S_IFREG | 0644, 0, CFG_PERM_CONFIG, 0, err));
	assert_true(ok(S_IFREG | 0600, 0, CFG_PERM_CONFIG, 0, err));
	assert_true(ok(S_IFREG | 0444, 0, CFG_PERM_CONFIG, 0, err));
	assert_true(ok(S_IFREG | 0755, 0, CFG_PERM_HOOK, 0, err));
	assert_true(ok(S_IFREG | 0700, 0, CFG_PERM_HOOK, 0, err));
	assert_true(ok(S_IFDIR | 0755, 0, CFG_PERM_DIR, 0, err));
	assert_true(ok(S_IFDIR | 0700, 0, CFG_PERM_DIR, 0, err));
}

static void test_group_or_world_writable(void **state)
{
	(void)state;
	char err[300];
	assert_false(ok(S_IFREG | 0664, 0, CFG_PERM_CONFIG, 0, err));
	assert_string_equal(err, "/x/f: thing is writable by its group (mode 0664): only its owner "
				 "may write it (chmod go-w /x/f)");
	assert_false(ok(S_IFREG | 0757, 0, CFG_PERM_HOOK, 0, err));
	assert_string_equal(err, "/x/f: thing is writable by others (mode 0757): only its owner may "
				 "write it (chmod go-w /x/f)");
	assert_false(ok(S_IFDIR | 0777, 0, CFG_PERM_DIR, 0, err));
	assert_string_equal(err, "/x/f: thing is writable by its group and others (mode 0777): only "
				 "its owner may write it (chmod go-w /x/f)");
	/* /tmp: sticky does not help, anyone can still add a file there */
	assert_false(ok(S_IFDIR | 01777, 0, CFG_PERM_DIR, 0, err));
	assert_false(ok(S_IFREG | 0620, 0, CFG_PERM_CONFIG, 0, err));
	assert_false(ok(S_IFREG | 0602, 0, CFG_PERM_CONFIG, 0, err));
}

static void test_owner(void **state)
{
	(void)state;
	char err[300];
	assert_false(ok(S_IFREG | 0644, 1000, CFG_PERM_CONFIG, 0, err));
	assert_string_equal(err, "/x/f: thing is owned by uid 1000: it must be owned by root "
				 "(chown root /x/f)");
	/* v6link started by uid 1000 (with capabilities of its own) may use that user's files */
	assert_true(ok(S_IFREG | 0644, 1000, CFG_PERM_CONFIG, 1000, err));
	assert_true(ok(S_IFDIR | 0755, 0, CFG_PERM_DIR, 1000, err));
	assert_false(ok(S_IFREG | 0644, 1001, CFG_PERM_CONFIG, 1000, err));
	assert_string_equal(err, "/x/f: thing is owned by uid 1001: it must be owned by root or uid "
				 "1000 (chown root /x/f)");
	/* the owner comes before the mode in the message */
	assert_false(ok(S_IFREG | 0666, 1000, CFG_PERM_CONFIG, 0, err));
	assert_non_null(strstr(err, "owned by uid 1000"));
}

static void test_type(void **state)
{
	(void)state;
	char err[300];
	assert_false(ok(S_IFDIR | 0755, 0, CFG_PERM_CONFIG, 0, err));
	assert_string_equal(err, "/x/f: thing is not a regular file");
	assert_false(ok(S_IFIFO | 0644, 0, CFG_PERM_HOOK, 0, err));
	assert_false(ok(S_IFREG | 0755, 0, CFG_PERM_DIR, 0, err));
	assert_string_equal(err, "/x/f: thing is not a directory");
	assert_false(ok(S_IFREG | 0644, 0, CFG_PERM_HOOK, 0, err));
	assert_string_equal(err, "/x/f: thing is not executable (mode 0644)");
	/* any execute bit will do: execve decides for the others */
	assert_true(ok(S_IFREG | 0744, 0, CFG_PERM_HOOK, 0, err));
	assert_true(ok(S_IFREG | 0654, 0, CFG_PERM_HOOK, 0, err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_owned_not_writable_by_others),
		cmocka_unit_test(test_group_or_world_writable),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
