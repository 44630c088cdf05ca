/* SPDX-License-Identifier: MIT */
/*
 * test_loop_timer.c: the event loop's timers against the real kernel, once
 * per backend, set up as in test_loop.c (loop_test_util.h): due order,
 * stop, re-arming from a callback, and a deadline equal to one that just
 * expired. Stale expiries are provoked with pairs: two timers due together,
 * and whichever callback runs first stops the other and frees its owner. The
 * second callback must never run; under ASan it would also be a
 * use-after-free.
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/loop.h"
#include "loop_test_util.h"
#include "basic/macro.h"

struct order {
	int seq[8];
	int n;
	int quit_after;
};
struct ordered_timer {
	struct loop_timer t;
	struct order *o;
	int index;
};

static void order_cb(struct loop *l, void *u)
{
	struct ordered_timer *ot = u;

	ot->o->seq[ot->o->n++] = ot->index;
	if (ot->o->n == ot->o->quit_after)
		loop_quit(l);
}

static void test_timers_in_order(void **state)
{
	struct loop *l = new_loop(state, 4, 8);
	struct order o = { .quit_after = 3 };
	struct ordered_timer t[3];
	const uint64_t offs[3] = { 30, 10, 20 };
	uint64_t start = now_ns();

	for (int i = 0; i < 3; i++) {
		t[i] = (struct ordered_timer){ .o = &o, .index = i };
		loop_timer_init(&t[i].t, order_cb, &t[i]);
		assert_int_equal(loop_timer_start(l, &t[i].t, start + offs[i] * MS), 0);
		assert_true(loop_timer_armed(&t[i].t));
	}
	run_guarded(l);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.seq[0], 1);
	assert_int_equal(o.seq[1], 2);
	assert_int_equal(o.seq[2], 0);
	assert_true(now_ns() - start >= 30 * MS);
	for (int i = 0; i < 3; i++)
		assert_false(loop_timer_armed(&t[i].t));
	loop_free(l);
}


/* Two timers due together; the first to run stops the other and frees both owners. */
struct tpair {
	struct loop_timer t;
	struct tpair *other;
	int *fired;
};

static void tpair_cb(struct loop *l, void *u)
{
	struct tpair *self = u;

	(*self->fired)++;
	loop_timer_stop(l, &self->other->t);
	free(self->other);
	free(self);
}

static void test_timer_stop(void **state)
{
	struct loop *l = new_loop(state, 4, 8);
	struct loop_timer never;
	uint64_t due = now_ns() + 10 * MS;
	int fired = 0;

	loop_timer_init(&never, never_cb, NULL);
	assert_int_equal(loop_timer_start(l, &never, due), 0);
	loop_timer_stop(l, &never);
	loop_timer_stop(l, &never);   /* idempotent */
	assert_false(loop_timer_armed(&never));

	struct tpair *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	*a = (struct tpair){ .other = b, .fired = &fired };
	*b = (struct tpair){ .other = a, .fired = &fired };
	loop_timer_init(&a->t, tpair_cb, a);
	loop_timer_init(&b->t, tpair_cb, b);
	assert_int_equal(loop_timer_start(l, &a->t, due), 0);
	assert_int_equal(loop_timer_start(l, &b->t, due), 0);

	run_for(l, 40);
	assert_int_equal(fired, 1);
	loop_free(l);
}

struct rearm {
	struct loop_timer t;
	int n;
	uint64_t wakeups[4];
	bool past;
};

static void rearm_cb(struct loop *l, void *u)
{
	struct rearm *r = u;

	r->wakeups[r->n++] = loop_wakeups(l);
	if (r->n == 3) {
		loop_quit(l);
		return;
	}
	/* A due time in the past must wait for the next iteration, not spin here. */
	uint64_t due = r->past ? 0 : now_ns() + 2 * MS;
	assert_int_equal(loop_timer_start(l, &r->t, due), 0);
}

static void test_timer_rearm_from_callback(void **state)
{
	struct loop *l = new_loop(state, 4, 4);

	for (int past = 0; past <= 1; past++) {
		struct rearm r = { .past = past };
		loop_timer_init(&r.t, rearm_cb, &r);
		assert_int_equal(loop_timer_start(l, &r.t, now_ns() + 2 * MS), 0);
		run_guarded(l);
		assert_int_equal(r.n, 3);
		assert_false(loop_timer_armed(&r.t));
		assert_true(r.wakeups[0] < r.wakeups[1]);
		assert_true(r.wakeups[1] < r.wakeups[2]);
	}
	/* Started in the past from outside any callback: fires on the next wait. */
	struct loop_timer t;
	loop_timer_init(&t, quit_cb, NULL);
	assert_int_equal(loop_timer_start(l, &t, 0), 0);
	uint64_t w = loop_wakeups(l);
	run_guarded(l);
	assert_int_equal(loop_wakeups(l) - w, 1);
	loop_free(l);
}

/*
 * The timerfd expires and is read; later in the same batch another callback
 * starts a timer due at exactly the deadline that just expired. The timerfd
 * must be set again although the earliest deadline looks unchanged. To get
 * both events into one batch, in that order, they happen while the loop is
 * not waiting: the timerfd expires first, then a pipe is written.
 */
struct same_due {
	struct loop_timer late;
	uint64_t due;
	bool late_fired;
};

static void late_cb(struct loop *l, void *u)
{
	struct same_due *sd = u;

	sd->late_fired = true;
	loop_quit(l);
}

static void start_late_cb(struct loop *l, int fd, uint32_t revents _unused_, void *u)
{
	struct same_due *sd = u;

	drain(fd);
	assert_int_equal(loop_timer_start(l, &sd->late, sd->due), 0);
}

static void quit_io_cb(struct loop *l, int fd, uint32_t revents _unused_,
		       void *u _unused_)
{
	drain(fd);
	loop_quit(l);
}

static void test_timer_same_deadline_after_expiry(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	struct same_due sd = { 0 };
	struct loop_timer first;
	int q[2], p[2], fallback;
	loop_id qid, pid, fid;

	make_pipe(q);
	make_pipe(p);
	assert_int_equal(loop_add(l, q[0], POLLIN, quit_io_cb, NULL, &qid), 0);
	assert_int_equal(loop_add(l, p[0], POLLIN, start_late_cb, &sd, &pid), 0);
	/* A lost timer must fail the test, not hang it: a timerfd of our own quits. */
	fallback = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	assert_true(fallback >= 0);
	assert_int_equal(loop_add(l, fallback, POLLIN, quit_io_cb, NULL, &fid), 0);
	loop_timer_init(&sd.late, late_cb, &sd);
	loop_timer_init(&first, quit_cb, NULL);
	sd.due = now_ns() + 20 * MS;
	assert_int_equal(loop_timer_start(l, &first, sd.due), 0);

	/* One pass sets the loop's timerfd to sd.due and returns. */
	put_byte(q[1]);
	run_guarded(l);
	assert_true(loop_timer_armed(&first));
	while (now_ns() < sd.due + 5 * MS)
		usleep(1000);
	put_byte(p[1]);
	/* One wait: timerfd (`first` quits), then the pipe (starts `late`). */
	assert_int_equal(loop_run(l), 0);
	assert_false(loop_timer_armed(&first));
	assert_true(loop_timer_armed(&sd.late));
	assert_false(sd.late_fired);

	struct itimerspec its = { .it_value = { .tv_sec = 0, .tv_nsec = 300 * (long)MS } };
	assert_int_equal(timerfd_settime(fallback, 0, &its, NULL), 0);
	assert_int_equal(loop_run(l), 0);
	assert_true(sd.late_fired);

	loop_free(l);
	close(fallback);
	close_pair(q);
	close_pair(p);
}

#define BACKEND_TIMER_TESTS(env)                                               \
	cmocka_unit_test_prestate(test_timers_in_order, &(env)),               \
	cmocka_unit_test_prestate(test_timer_stop, &(env)),                    \
	cmocka_unit_test_prestate(test_timer_rearm_from_callback, &(env)),     \
	cmocka_unit_test_prestate(test_timer_same_deadline_after_expiry, &(env))

int main(void)
{
	const struct CMUnitTest uring[] = {
		BACKEND_TIMER_TESTS(env_uring),
	};
	const struct CMUnitTest epoll[] = {
		BACKEND_TIMER_TESTS(env_epoll),
	};

	/* Writes to a pipe whose reader is gone must fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	/* Last resort against a hung loop; each run also has its own watchdog. */
	alarm(60);
	int failed = cmocka_run_group_tests_name("loop_timer/uring", uring, NULL, NULL);
	failed += cmocka_run_group_tests_name("loop_timer/epoll", epoll, NULL, NULL);
	return failed;
}
