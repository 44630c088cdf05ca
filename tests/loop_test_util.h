/* SPDX-License-Identifier: MIT */
/*
 * loop_test_util.h: what the event-loop tests (test_loop.c, test_loop_timer.c)
 * share: the backend each test gets through cmocka's prestate, pipes, and
 * runs of the loop bounded by a watchdog timer. Header-only, static inline:
 * each test is one translation unit.
 */
#pragma once

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/loop.h"
#include "basic/macro.h"

struct env {
	enum loop_backend backend;
	const char *name;
};
static struct env env_uring = { LOOP_BACKEND_URING, "uring" };
static struct env env_epoll = { LOOP_BACKEND_EPOLL, "epoll" };

#define MS NSEC_PER_MSEC

static inline struct loop *new_loop(void **state, size_t max_sources, size_t max_timers)
{
	const struct env *e = *state;
	struct loop *l = NULL;
	int r = loop_new(e->backend, max_sources, max_timers, &l);

	if (r < 0 && e->backend == LOOP_BACKEND_URING) {
		print_message("io_uring ring cannot be created here (%s): skipping\n", strerror(-r));
		skip();
	}
	assert_int_equal(r, 0);
	assert_string_equal(loop_backend_name(l), e->name);
	return l;
}

static inline void make_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
}

static inline void close_pair(int p[2])
{
	close(p[0]);
	close(p[1]);
}

static inline void put_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

static inline void drain(int fd)
{
	char buf[256];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static inline void quit_cb(struct loop *l, void *u _unused_)
{
	loop_quit(l);
}

static inline void watchdog_cb(struct loop *l _unused_, void *u _unused_)
{
	fail_msg("watchdog: the loop did not quit");
}

/* Runs the loop until something quits it, failing after 2 s. */
static inline void run_guarded(struct loop *l)
{
	struct loop_timer dog;

	loop_timer_init(&dog, watchdog_cb, NULL);
	assert_int_equal(loop_timer_start(l, &dog, now_ns() + 2000 * MS), 0);
	assert_int_equal(loop_run(l), 0);
	loop_timer_stop(l, &dog);
}

/* Runs the loop for ms milliseconds. */
static inline void run_for(struct loop *l, uint64_t ms)
{
	struct loop_timer t;

	loop_timer_init(&t, quit_cb, NULL);
	assert_int_equal(loop_timer_start(l, &t, now_ns() + ms * MS), 0);
	run_guarded(l);
	assert_false(loop_timer_armed(&t));
}

static inline void never_cb(struct loop *l _unused_, void *u _unused_)
{
	fail_msg("a stopped timer fired");
}
