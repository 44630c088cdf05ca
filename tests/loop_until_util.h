/* SPDX-License-Identifier: MIT */
/*
 * loop_until_util.h: running a loop until something outside it is true (a
 * file has its bytes, a reply arrived), for tests that drive a whole layer
 * (test_logstream.c, test_control.c) and so cannot know which callback
 * comes last. A 2 ms poll timer checks the predicate and quits the loop;
 * run_guarded()'s watchdog fails the test after 2 s. Also a non-blocking
 * writer for more than a pipe holds, a reader of what arrives on an fd,
 * and whole-file reads. Header-only,
 * static inline, on top of loop_test_util.h.
 */
#pragma once

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loop_test_util.h"

struct until {
	struct loop_timer t;
	bool (*pred)(void *ud);
	void *ud;
	bool met;
};

static inline void until_cb(struct loop *l, void *u)
{
	struct until *w = u;

	if (w->pred(w->ud)) {
		w->met = true;
		loop_quit(l);
		return;
	}
	(void)loop_timer_start(l, &w->t, now_ns() + 2 * MS);
}

/* Runs the loop until pred(ud) holds, failing (watchdog) after 2 s. */
static inline void run_until(struct loop *l, bool (*pred)(void *), void *ud)
{
	struct until w = { .pred = pred, .ud = ud };

	loop_timer_init(&w.t, until_cb, &w);
	assert_int_equal(loop_timer_start(l, &w.t, now_ns()), 0);
	run_guarded(l);
	loop_timer_stop(l, &w.t);
	assert_true(w.met);
}

/* The same without failing: runs the loop until pred holds, the loop is
 * quit by someone else, or ms have passed; returns whether pred held. */
static inline bool run_until_for(struct loop *l, bool (*pred)(void *), void *ud, uint64_t ms)
{
	struct until w = { .pred = pred, .ud = ud };
	struct loop_timer deadline;

	loop_timer_init(&w.t, until_cb, &w);
	loop_timer_init(&deadline, quit_cb, NULL);
	assert_int_equal(loop_timer_start(l, &w.t, now_ns()), 0);
	assert_int_equal(loop_timer_start(l, &deadline, now_ns() + ms * MS), 0);
	assert_int_equal(loop_run(l), 0);
	loop_timer_stop(l, &w.t);
	loop_timer_stop(l, &deadline);
	return w.met;
}

/* Runs the loop until something else quits it (true) or ms pass (false). */
static inline bool run_until_quit(struct loop *l, uint64_t ms)
{
	struct loop_timer deadline;

	loop_timer_init(&deadline, quit_cb, NULL);
	assert_int_equal(loop_timer_start(l, &deadline, now_ns() + ms * MS), 0);
	assert_int_equal(loop_run(l), 0);
	bool quit = loop_timer_armed(&deadline);
	loop_timer_stop(l, &deadline);
	return quit;
}

/* The whole file (at most 256 KiB), NUL-terminated, "" when missing; the
 * caller frees it. */
static inline char *slurp_len(const char *path, size_t *ret_n)
{
	size_t cap = 1 << 18, n = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	assert_non_null(buf);
	while (fd >= 0 && (r = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)r;
	if (fd >= 0)
		close(fd);
	buf[n] = '\0';
	if (ret_n)
		*ret_n = n;
	return buf;
}

struct file_is {
	const char *path, *want;
};

static inline bool file_is_pred(void *ud)
{
	struct file_is *f = ud;
	char *got = slurp_len(f->path, NULL);
	bool same = strcmp(got, f->want) == 0;

	free(got);
	return same;
}

struct file_size {
	const char *path;
	size_t size;
};

static inline bool file_size_pred(void *ud)
{
	struct file_size *f = ud;
	struct stat st;

	return stat(f->path, &st) == 0 && (size_t)st.st_size >= f->size;
}

/* Writes buf to a non-blocking fd from a loop timer, as room appears: for
 * more than the 64 KiB a pipe holds without blocking the test. */
struct feeder {
	struct loop_timer t;
	int fd;
	const char *buf;
	size_t len, off;
};

static inline void feed_cb(struct loop *l, void *u)
{
	struct feeder *fe = u;
	ssize_t w = write(fe->fd, fe->buf + fe->off, fe->len - fe->off);

	if (w > 0)
		fe->off += (size_t)w;
	if (fe->off < fe->len)
		(void)loop_timer_start(l, &fe->t, now_ns() + 1 * MS);
}

static inline void feed_start(struct loop *l, struct feeder *fe, int fd, const char *buf, size_t len)
{
	*fe = (struct feeder){ .fd = fd, .buf = buf, .len = len };
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	loop_timer_init(&fe->t, feed_cb, fe);
	assert_int_equal(loop_timer_start(l, &fe->t, now_ns()), 0);
}

/* What arrives on a non-blocking fd, until it is exactly `want`. */
struct fd_reads {
	int fd;
	char buf[4096];
	size_t n;
	const char *want;
};

static inline bool fd_reads_pred(void *ud)
{
	struct fd_reads *c = ud;
	ssize_t r = read(c->fd, c->buf + c->n, sizeof(c->buf) - 1 - c->n);

	if (r > 0)
		c->n += (size_t)r;
	c->buf[c->n] = '\0';
	return strcmp(c->buf, c->want) == 0;
}
