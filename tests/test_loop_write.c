/* SPDX-License-Identifier: MIT */
/*
 * test_loop_write.c: loop_write(), the asynchronous write the log capture
 * uses on io_uring, against the real kernel: a file write completes with
 * its byte count and the bytes are there; a write to a full pipe does not
 * block the loop and completes once the pipe is drained; an error comes
 * back as -errno; the slot a write holds is released; and epoll says
 * -EOPNOTSUPP, so callers write themselves.
 */
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
#include <unistd.h>

#include <cmocka.h>

#include "kernel/loop.h"
#include "loop_test_util.h"
#include "basic/macro.h"

struct done {
	int calls;
	int64_t res;
};

static void done_cb(struct loop *l, int64_t res, void *u)
{
	struct done *d = u;

	d->calls++;
	d->res = res;
	loop_quit(l);
}

static void test_write_file(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	char path[] = "/tmp/rv-loop-write-XXXXXX", back[16] = { 0 };
	int fd = mkostemp(path, O_CLOEXEC | O_APPEND);
	struct done d = { 0 };

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(loop_write(l, fd, "hello\n", 6, done_cb, &d), 0);
	assert_int_equal(loop_n_sources(l), 1);   /* the write holds a slot */
	run_guarded(l);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.res, 6);
	assert_int_equal(loop_n_sources(l), 0);   /* and gives it back */
	assert_int_equal(pread(fd, back, sizeof(back), 0), 6);
	assert_string_equal(back, "hello\n");
	close(fd);
	loop_free(l);
}

struct drainer {
	struct loop_timer t;
	int fd;
};

static void drain_cb(struct loop *l, void *u)
{
	struct drainer *dr = u;
	(void)l;
	drain(dr->fd);
}

/* The pipe is full: the write waits in the kernel, the loop keeps running
 * (the timer fires), and the write completes after the drain. */
static void test_write_full_pipe(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	int p[2];
	char fill[4096];
	struct done d = { 0 };
	struct drainer dr = { .fd = -1 };

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	dr.fd = p[0];
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	memset(fill, 'x', sizeof(fill));
	while (write(p[1], fill, sizeof(fill)) > 0)
		;
	assert_int_equal(fcntl(p[1], F_SETFL, 0), 0);   /* blocking, like our stdout */
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(loop_write(l, p[1], "line\n", 5, done_cb, &d), 0);
	run_for(l, 50);
	assert_int_equal(d.calls, 0);
	loop_timer_init(&dr.t, drain_cb, &dr);
	assert_int_equal(loop_timer_start(l, &dr.t, now_ns() + 10 * MS), 0);
	run_guarded(l);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.res, 5);
	close_pair(p);
	loop_free(l);
}

static void test_write_error(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	int p[2];
	struct done d = { 0 };

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	assert_int_equal(loop_write(l, p[1], "x", 1, done_cb, &d), 0);
	run_guarded(l);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.res, -EPIPE);
	close(p[1]);
	loop_free(l);
}

static void test_write_no_slot(void **state)
{
	struct loop *l = new_loop(state, 1, 4);
	int p[2];
	struct done d = { 0 };

	make_pipe(p);
	assert_int_equal(loop_write(l, p[1], "a", 1, done_cb, &d), 0);
	assert_int_equal(loop_write(l, p[1], "b", 1, done_cb, &d), -ENOSPC);
	run_guarded(l);
	assert_int_equal(d.calls, 1);
	close_pair(p);
	loop_free(l);
}

static void quit_soon(struct loop *l, void *u)
{
	(void)u;
	loop_quit(l);
}

static void never(struct loop *l, int64_t res, void *u)
{
	(void)l, (void)res, (void)u;
	fail_msg("a write completion was delivered after loop_free()");
}

/*
 * loop_free() with writes in flight (issue 12, finding 10): once it
 * returns, the caller may free or reuse the buffers, so no kernel worker may
 * still be reading them. A 64 MiB file write is started, the loop freed at
 * once, the buffer overwritten: the file holds only the first pattern (or
 * less, where the write was cancelled), never the second.
 */
static void test_free_with_write_in_flight(void **state)
{
	size_t n = 64u << 20;
	char path[] = "/var/tmp/rv-loop-free-XXXXXX";
	char *buf = malloc(n), *back = malloc(1 << 20);
	int fd = mkostemp(path, O_CLOEXEC);
	struct loop *l = new_loop(state, 4, 4);

	assert_non_null(buf);
	assert_non_null(back);
	assert_true(fd >= 0);
	unlink(path);
	memset(buf, 'A', n);
	assert_int_equal(loop_write(l, fd, buf, n, never, NULL), 0);
	/* One short turn, so the write is submitted and a worker is on it. */
	struct loop_timer t;
	loop_timer_init(&t, quit_soon, NULL);
	assert_int_equal(loop_timer_start(l, &t, now_ns() + 2 * NSEC_PER_MSEC), 0);
	assert_int_equal(loop_run(l), 0);
	loop_free(l);
	memset(buf, 'X', n);
	ssize_t got;
	off_t off = 0;
	while ((got = pread(fd, back, 1 << 20, off)) > 0) {
		assert_null(memchr(back, 'X', (size_t)got));
		off += got;
	}
	print_message("%lld of %zu bytes written before loop_free() returned\n", (long long)off, n);
	close(fd);
	free(buf);
	free(back);
}

static void test_epoll_refuses(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	struct done d = { 0 };

	assert_int_equal(loop_write(l, 1, "x", 1, done_cb, &d), -EOPNOTSUPP);
	assert_int_equal(loop_n_sources(l), 0);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest uring[] = {
		cmocka_unit_test_prestate(test_write_file, &env_uring),
		cmocka_unit_test_prestate(test_write_full_pipe, &env_uring),
		cmocka_unit_test_prestate(test_write_error, &env_uring),
		cmocka_unit_test_prestate(test_write_no_slot, &env_uring),
		cmocka_unit_test_prestate(test_free_with_write_in_flight, &env_uring),
	};
	const struct CMUnitTest epoll[] = {
		cmocka_unit_test_prestate(test_epoll_refuses, &env_epoll),
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(60);
	int failed = cmocka_run_group_tests_name("loop_write/uring", uring, NULL, NULL);
	failed += cmocka_run_group_tests_name("loop_write/epoll", epoll, NULL, NULL);
	return failed;
}
