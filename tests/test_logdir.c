/* SPDX-License-Identifier: MIT */
/*
 * test_logdir.c: logdir_open(), the log directory made (mkdir -p, 0750)
 * and opened without ever following a symlink, in the last component or
 * any other (issue 12, finding 10).
 */
#include "logfile_test_util.h"

static void test_logdir(void **state)
{
	struct fx *fx = *state;
	char link[200], p[256];
	struct stat st;
	int fd;

	/* mkdir -p, 0750, trailing and doubled slashes. */
	snprintf(p, sizeof(p), "%s/a//b/c/", fx->tmp);
	assert_int_equal(logdir_open(p, &fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	safe_close(fd);
	/* Existing directory: opened as it is. */
	assert_int_equal(logdir_open(p, &fd), 0);
	safe_close(fd);

	fd = -1;
	assert_int_equal(logdir_open("", &fd), -EINVAL);
	snprintf(p, sizeof(p), "%s/file", fx->tmp);
	put_file(AT_FDCWD, p, "x");
	assert_int_equal(logdir_open(p, &fd), -ENOTDIR);
	assert_int_equal(fd, -1);   /* ret_ set only on success */

	/* A symlink as the last component, also spelled "link/", dangling. */
	snprintf(link, sizeof(link), "%s/link", fx->tmp);
	assert_int_equal(symlink(fx->path, link), 0);
	assert_int_equal(logdir_open(link, &fd), -ELOOP);
	snprintf(p, sizeof(p), "%s/", link);
	assert_int_equal(logdir_open(p, &fd), -ELOOP);
	snprintf(p, sizeof(p), "%s/dangling", fx->tmp);
	assert_int_equal(symlink("/nonexistent-rv", p), 0);
	assert_int_equal(logdir_open(p, &fd), -ELOOP);
	assert_false(exists(AT_FDCWD, "/nonexistent-rv"));
	assert_int_equal(fd, -1);

	/* A symlink in the middle of the path is refused too, and nothing is
	 * made where it points (issue 12, finding 10). */
	snprintf(p, sizeof(p), "%s/real", fx->tmp);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(link, sizeof(link), "%s/mid", fx->tmp);
	assert_int_equal(symlink(p, link), 0);
	snprintf(p, sizeof(p), "%s/mid/logs", fx->tmp);
	assert_int_equal(logdir_open(p, &fd), -ELOOP);
	snprintf(p, sizeof(p), "%s/real/logs", fx->tmp);
	assert_false(exists(AT_FDCWD, p));
	assert_int_equal(fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_logdir, setup, teardown),
	};
	return cmocka_run_group_tests_name("logdir", tests, NULL, NULL);
}
