/* SPDX-License-Identifier: MIT */
/*
 * test_control_socket.c: the control socket's file. A stale socket left by
 * a dead daemon is replaced; a live one is refused (EADDRINUSE); anything
 * that is not a socket (a file, a symlink) is refused and left alone (issue
 * 12, finding 10: the stale check used to unlink whatever was there).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "control/control_socket.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rv-ctlsock-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/control.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int bound_socket(const char *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(strlen(p) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, p, strlen(p) + 1);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void test_fresh(void **state)
{
	int fd;
	(void)state;
	assert_int_equal(control_socket_listen(path, &fd), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
	close(fd);
}

static void test_stale_replaced(void **state)
{
	int fd;
	(void)state;
	close(bound_socket(path));   /* bound, never listened, closed: a dead daemon's */
	assert_int_equal(control_socket_listen(path, &fd), 0);
	close(fd);
}

static void test_live_refused(void **state)
{
	int fd, live = bound_socket(path);
	(void)state;
	assert_int_equal(listen(live, 1), 0);
	assert_int_equal(control_socket_listen(path, &fd), -EADDRINUSE);
	close(live);
}

static void test_not_a_socket_left_alone(void **state)
{
	char target[160], back[16] = "";
	int fd;
	(void)state;

	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	assert_int_equal(control_socket_listen(path, &fd), -EEXIST);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(back, sizeof(back), f));
	fclose(f);
	assert_string_equal(back, "precious");

	/* A symlink to elsewhere: neither followed nor removed. */
	assert_int_equal(unlink(path), 0);
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(control_socket_listen(path, &fd), -EEXIST);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_socket_left_alone, setup, teardown),
	};
	log_setup(LOG_FORMAT_TEXT, LOG_LVL_ERROR);
	return cmocka_run_group_tests_name("control socket", tests, NULL, NULL);
}
