/* SPDX-License-Identifier: MIT */
/*
 * test_fd_kind.c: how the probe sorts an fd into its kinds (socket, pipe,
 * regular, anon, other) from the text of its /proc/PID/fd link and, where
 * the link is a path, the mode of the file itself; and the names of the
 * kinds and of the probe's sources. Pure functions, no processes: the
 * probe against real processes is in test_probe.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "probe/probe.h"

static void test_fd_kind_from_link(void **state)
{
	static const struct {
		const char *link;
		enum fd_kind kind;
	} cases[] = {
		{ "socket:[12345]", FD_SOCKET },         { "pipe:[678]", FD_PIPE },
		{ "anon_inode:[eventfd]", FD_ANON },     { "anon_inode:[timerfd]", FD_ANON },
		{ "anon_inode:[eventpoll]", FD_ANON },   { "anon_inode:[signalfd]", FD_ANON },
		{ "anon_inode:[io_uring]", FD_ANON },    { "anon_inode:[pidfd]", FD_ANON },
		{ "anon_inode:bpf-map", FD_ANON },       { "/proc/self/exe", FD_REGULAR },
		{ "/etc/passwd", FD_REGULAR },           { "/dev/null", FD_OTHER },  /* char device */
		{ "/", FD_OTHER },                       { "/nonexistent/x (deleted)", FD_OTHER },
		{ "net:[4026531840]", FD_OTHER },        { "socket:", FD_OTHER },
		{ "pipe", FD_OTHER },                    { "", FD_OTHER },
	};
	static const char *const names[] = { "socket", "pipe", "regular", "anon", "other" };
	struct stat reg = { .st_mode = S_IFREG | 0600 }, fifo = { .st_mode = S_IFIFO | 0600 };

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		enum fd_kind got = fd_kind_from_link(cases[i].link);

		if (got != cases[i].kind)
			fail_msg("\"%s\" is %s, not %s", cases[i].link, fd_kind_to_string(got),
				 fd_kind_to_string(cases[i].kind));
	}
	assert_int_equal(fd_kind_from_link(NULL), FD_OTHER);
	/* With the mode of the file itself: a deleted file or a memfd is regular,
	 * a named FIFO (its path) is other, nsfs stays other whatever its mode. */
	assert_int_equal(fd_kind_classify("/tmp/x (deleted)", &reg), FD_REGULAR);
	assert_int_equal(fd_kind_classify("/memfd:buf (deleted)", &reg), FD_REGULAR);
	assert_int_equal(fd_kind_classify("/tmp/fifo", &fifo), FD_OTHER);
	assert_int_equal(fd_kind_classify("net:[4026531840]", &reg), FD_OTHER);
	assert_int_equal(fd_kind_classify("pipe:[1]", &fifo), FD_PIPE);

	for (int k = 0; k < _FD_KIND_MAX; k++)
		assert_string_equal(fd_kind_to_string(k), names[k]);
	assert_null(fd_kind_to_string(_FD_KIND_MAX));
	assert_string_equal(probe_source_to_string(PROBE_SOURCE_BPF), "bpf");
	assert_string_equal(probe_source_to_string(PROBE_SOURCE_PROCFS), "procfs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_kind_from_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
