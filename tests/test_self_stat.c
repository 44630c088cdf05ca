/* SPDX-License-Identifier: MIT */
/*
 * test_self_stat.c: the daemon's own fd count and RSS from the /proc
 * files held open (basic/self_stat.c): each question is answered afresh
 * (two more fds are two more; 16 MiB touched are 16 MiB more), the same
 * as the way without held files, and without them the answers still come.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/fd_util.h"
#include "basic/self_stat.h"

static void test_fds_counted_afresh(void **state)
{
	struct self_stat ss;
	int p[2];

	(void)state;
	self_stat_open(&ss);
	assert_true(ss.fd_dir >= 0 && ss.statm >= 0);
	long before = self_stat_fds(&ss);
	assert_true(before >= 5);   /* stdio and the two held */
	assert_int_equal(before, fd_count());
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(self_stat_fds(&ss), before + 2);
	close(p[0]);
	close(p[1]);
	assert_int_equal(self_stat_fds(&ss), before);
	self_stat_close(&ss);
	assert_int_equal(fd_count(), before - 2);
}

static void test_rss_read_afresh(void **state)
{
	const size_t size = 16 << 20;
	struct self_stat ss;

	(void)state;
	self_stat_open(&ss);
	long before = self_stat_rss_kib(&ss);
	assert_true(before > 0);
	char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	memset(m, 1, size);
	/* The held file, read again from its start, sees the new pages. */
	long after = self_stat_rss_kib(&ss);
	assert_true(after - before >= (long)(size / 1024) * 9 / 10);
	munmap(m, size);
	assert_true(self_stat_rss_kib(&ss) < after);
	self_stat_close(&ss);
}

/* Nothing held (a /proc that could not be opened): asked the old way. */
static void test_without_held_files(void **state)
{
	struct self_stat ss = SELF_STAT_NULL;

	(void)state;
	assert_int_equal(self_stat_fds(&ss), fd_count());
	assert_true(self_stat_rss_kib(&ss) > 0);
	self_stat_close(&ss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fds_counted_afresh),
		cmocka_unit_test(test_rss_read_afresh),
		cmocka_unit_test(test_without_held_files),
	};

	return cmocka_run_group_tests_name("self_stat", tests, NULL, NULL);
}
