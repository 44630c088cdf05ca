/* SPDX-License-Identifier: MIT */
/*
 * test_loop_remove.c: removing event-loop sources from callbacks, against
 * the real kernel, once per backend, set up as in test_loop.c
 * (loop_test_util.h, loop_source_util.h): a source that removes itself, one
 * that also closes its fd and frees its state, the removal of a source whose
 * wakeup is still pending in the kernel (the file must be let go), and the
 * reuse of a freed slot by a new source on the same fd number.
 *
 * Stale events are provoked deterministically with pairs: two sources are
 * made ready for the same wait, and whichever callback runs first removes the
 * other and frees what it points to. The second callback must never run;
 * under ASan it would also be a use-after-free.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/loop.h"
#include "loop_test_util.h"
#include "loop_source_util.h"
#include "basic/macro.h"

static void test_remove_in_callback(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	int p[2];
	/* Leaves the data unread: only removal keeps it from firing again. */
	struct src s = { .remove_it = true };

	make_pipe(p);
	s.fd = p[0];
	assert_int_equal(loop_add(l, p[0], POLLIN, src_cb, &s, &s.id), 0);
	put_byte(p[1]);
	run_for(l, 50);
	assert_int_equal(s.calls, 1);
	assert_int_equal(loop_n_sources(l), 0);

	put_byte(p[1]);
	run_for(l, 50);
	assert_int_equal(s.calls, 1);
	/* Idempotent, and harmless for ids never issued. */
	loop_remove(l, s.id);
	loop_remove(l, LOOP_ID_NONE);
	loop_remove(l, (loop_id)7 << 32 | 1000);
	assert_int_equal(loop_modify(l, s.id, POLLIN), -ENOENT);
	loop_free(l);
	close_pair(p);
}

/* A source whose callback closes its fd and frees itself after removal. */
struct owned {
	loop_id id;
	int fd;
	int *calls;
};

static void owned_cb(struct loop *l, int fd, uint32_t revents _unused_, void *u)
{
	struct owned *o = u;

	assert_int_equal(fd, o->fd);
	(*o->calls)++;
	loop_remove(l, o->id);
	close(o->fd);
	free(o);
}

static void test_remove_close_free_in_callback(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	int p[2], calls = 0;
	struct owned *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	make_pipe(p);
	*o = (struct owned){ .fd = p[0], .calls = &calls };
	assert_int_equal(loop_add(l, p[0], POLLIN, owned_cb, o, &o->id), 0);
	/* Two writes, two wakeups' worth of readiness before the loop looks. */
	put_byte(p[1]);
	put_byte(p[1]);
	run_for(l, 50);
	assert_int_equal(calls, 1);
	/* The reader is gone; the write fails with EPIPE (SIGPIPE is ignored). */
	assert_int_equal(write(p[1], "x", 1), -1);
	run_for(l, 20);
	assert_int_equal(calls, 1);
	loop_free(l);
	close(p[1]);
}

/*
 * Removing a source whose fd just became ready (its wakeup still pending in
 * the kernel) must still let go of the file: once the loop has gone round,
 * the pipe has no reader left and a write fails with EPIPE.
 */
struct victim {
	loop_id id;
	int rfd, wfd;
};

static void victim_cb(struct loop *l _unused_, int fd _unused_, uint32_t revents _unused_,
		      void *u _unused_)
{
	fail_msg("a removed source was called");
}

static void trigger_cb(struct loop *l, int fd, uint32_t revents _unused_, void *u)
{
	struct victim *v = u;

	drain(fd);
	put_byte(v->wfd);
	loop_remove(l, v->id);
	close(v->rfd);
	loop_quit(l);
}

static void test_remove_releases_file(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	struct victim v;
	int t[2], p[2];
	loop_id tid;

	make_pipe(t);
	make_pipe(p);
	v = (struct victim){ .rfd = p[0], .wfd = p[1] };
	assert_int_equal(loop_add(l, t[0], POLLIN, trigger_cb, &v, &tid), 0);
	assert_int_equal(loop_add(l, p[0], POLLIN, victim_cb, NULL, &v.id), 0);
	put_byte(t[1]);
	run_guarded(l);
	run_for(l, 20);
	errno = 0;
	assert_int_equal(write(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	loop_remove(l, tid);
	loop_free(l);
	close_pair(t);
	close(p[1]);
}

/*
 * Slot reuse with the same fd number: whichever of two ready sources runs
 * first removes the other, closes its fd, frees its state, puts a fresh pipe
 * on the same fd number and adds it: the new source lands in the freed slot
 * with a new generation, and the old source's pending event must reach
 * neither the freed callback state nor the new source.
 */
struct reuse {
	loop_id id;
	int fd;
	struct reuse *other;
	int *old_calls;
	struct src *fresh;
	int fresh_w;
};

static void reuse_cb(struct loop *l, int fd, uint32_t revents _unused_, void *u)
{
	struct reuse *self = u, *o = self->other;
	int p[2];

	assert_int_equal(fd, self->fd);
	(*self->old_calls)++;
	int victim_fd = o->fd;
	loop_id victim_id = o->id;
	loop_remove(l, victim_id);
	close(victim_fd);
	free(o);

	make_pipe(p);
	/* Usually the lowest free number is the one just closed; force it if not. */
	if (p[0] != victim_fd) {
		assert_int_equal(dup3(p[0], victim_fd, O_CLOEXEC), victim_fd);
		close(p[0]);
	}
	struct src *fresh = self->fresh;
	fresh->fd = victim_fd;
	assert_int_equal(loop_add(l, victim_fd, POLLIN, src_cb, fresh, &fresh->id), 0);
	/* Same slot, new generation. */
	assert_int_equal(fresh->id & 0xffffffffu, victim_id & 0xffffffffu);
	assert_int_not_equal(fresh->id, victim_id);
	self->fresh_w = p[1];

	/* Leaves itself registered but drained, so it stays quiet. */
	drain(fd);
}

static void test_slot_reuse_same_fd(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	struct reuse *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct src fresh = { .read_it = true, .quit_it = true };
	int pa[2], pb[2], old_calls = 0;

	assert_non_null(a);
	assert_non_null(b);
	make_pipe(pa);
	make_pipe(pb);
	*a = (struct reuse){ .fd = pa[0], .other = b, .old_calls = &old_calls, .fresh = &fresh };
	*b = (struct reuse){ .fd = pb[0], .other = a, .old_calls = &old_calls, .fresh = &fresh };
	assert_int_equal(loop_add(l, a->fd, POLLIN, reuse_cb, a, &a->id), 0);
	assert_int_equal(loop_add(l, b->fd, POLLIN, reuse_cb, b, &b->id), 0);
	put_byte(pa[1]);
	put_byte(pb[1]);
	run_for(l, 30);
	assert_int_equal(old_calls, 1);
	/* The old source's event, pending for the same slot and fd number, is dropped. */
	assert_int_equal(fresh.calls, 0);

	/* Exactly one of a, b survives; find it through the fresh source's fd. */
	struct reuse *survivor = fresh.fd == pa[0] ? b : a;
	put_byte(survivor->fresh_w);
	run_guarded(l);
	assert_int_equal(fresh.calls, 1);
	assert_true(fresh.revents & POLLIN);
	assert_int_equal(loop_n_sources(l), 2);
	loop_remove(l, survivor->id);
	loop_remove(l, fresh.id);
	close(survivor->fd);
	close(survivor->fresh_w);
	free(survivor);
	close(fresh.fd);
	close(pa[1]);
	close(pb[1]);
	loop_free(l);
}

#define BACKEND_REMOVE_TESTS(env)                                              \
	cmocka_unit_test_prestate(test_remove_in_callback, &(env)),            \
	cmocka_unit_test_prestate(test_remove_close_free_in_callback, &(env)), \
	cmocka_unit_test_prestate(test_remove_releases_file, &(env)),          \
	cmocka_unit_test_prestate(test_slot_reuse_same_fd, &(env))

int main(void)
{
	const struct CMUnitTest uring[] = {
		BACKEND_REMOVE_TESTS(env_uring),
	};
	const struct CMUnitTest epoll[] = {
		BACKEND_REMOVE_TESTS(env_epoll),
	};

	/* Writes to a pipe whose reader is gone must fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	/* Last resort against a hung loop; each run also has its own watchdog. */
	alarm(60);
	int failed = cmocka_run_group_tests_name("loop_remove/uring", uring, NULL, NULL);
	failed += cmocka_run_group_tests_name("loop_remove/epoll", epoll, NULL, NULL);
	return failed;
}
