/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup_watch.c: kernel/cgroup_watch.{c,h}, change notification for
 * cgroup files through one inotify fd on the loop, once per loop backend
 * (io_uring and epoll; the uring group skips where no ring can be made).
 *
 * Why: a stop is complete, and a violation seen, only when the kernel's
 * notification on cgroup.events (memory.events, pids.events) reaches the
 * owner of that cgroup, and nobody else. The change is real: the test
 * freezes a cgroup of its own (an empty cgroup freezes at once, and
 * cgroup.events says `frozen 1`), runs the loop, and checks that the
 * callback ran from the loop with its own wd and userdata; that a removed
 * watch stays silent; that with two cgroups each owner hears only its own,
 * also when one callback removes the other's watch in the same turn; that
 * the table bound gives -ENOSPC; that a refused inotify_add_watch (fault
 * seam) records nothing; and that freeing with watches left, or a loop
 * with no room for the inotify fd, leaves no fd open.
 *
 * Each test works in a cgroup of its own (rv-kt-cgroup_watch-<pid>) that
 * the teardown removes, also after a failed assertion.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "kernel/cgroup.h"
#include "kernel/cgroup_watch.h"
#include "kernel/loop.h"
#include "fault.h"
#include "loop_test_util.h"
#include "kernel_test_util.h"

static struct kt fx;

/* What one owner heard. */
struct ear {
	struct loop *loop;
	struct cgroup_watch *cw;
	int cg;
	int calls, last_wd, frozen_seen;
	void *last_ud;
	bool quit;
	int remove_wd;          /* > 0: removed from inside the callback */
};

static void on_change(void *userdata, int wd)
{
	struct ear *e = userdata;

	e->calls++;
	e->last_wd = wd;
	e->last_ud = userdata;
	e->frozen_seen = cgroup_frozen(e->cg);
	if (e->remove_wd > 0)
		cgroup_watch_remove(e->cw, e->remove_wd);
	if (e->quit)
		loop_quit(e->loop);
}

static int setup(void **state _unused_)
{
	fault_reset();
	kt_init(&fx, "cgroup_watch");
	return 0;
}

static int teardown(void **state _unused_)
{
	fault_reset();
	kt_done(&fx);
	return 0;
}

static int subdir(const char *rel)
{
	KT_SKIP_IF_NEEDED(&fx);
	int fd = kt_mkdir(&fx, rel);
	assert_true(fd >= 0);
	return fd;
}

static struct cgroup_watch *new_watch(struct loop *l, size_t max)
{
	struct cgroup_watch *cw = NULL;

	assert_int_equal(cgroup_watch_new(l, max, &cw), 0);
	assert_non_null(cw);
	assert_int_equal(cgroup_watch_count(cw), 0);
	return cw;
}

static int watch(struct ear *e, const char *file)
{
	int wd = -7;

	assert_int_equal(cgroup_watch_add(e->cw, e->cg, file, on_change, e, &wd), 0);
	assert_true(wd >= 0);
	return wd;
}

static void test_freeze_heard(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct ear e = { .loop = l, .cg = subdir("a"), .quit = true };

	e.cw = new_watch(l, 4);
	int wd = watch(&e, "cgroup.events");
	assert_int_equal(cgroup_watch_count(e.cw), 1);
	run_for(l, 20);
	assert_int_equal(e.calls, 0);   /* nothing changed yet */

	assert_int_equal(cgroup_freeze(e.cg, true), 0);
	assert_int_equal(e.calls, 0);   /* from the loop, not from the write */
	run_guarded(l);
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.last_wd, wd);
	assert_ptr_equal(e.last_ud, &e);
	assert_int_equal(e.frozen_seen, 1);

	/* Removed: the thaw is not heard. Removing twice, or -1, is a no-op. */
	cgroup_watch_remove(e.cw, wd);
	assert_int_equal(cgroup_watch_count(e.cw), 0);
	cgroup_watch_remove(e.cw, wd);
	cgroup_watch_remove(e.cw, -1);
	cgroup_watch_remove(NULL, wd);
	assert_int_equal(cgroup_freeze(e.cg, false), 0);
	e.quit = false;
	run_for(l, 100);
	assert_int_equal(e.calls, 1);
	assert_int_equal(cgroup_frozen(e.cg), 0);
	cgroup_watch_free(e.cw);
	assert_int_equal(loop_n_sources(l), 0);
	close(e.cg);
	loop_free(l);
}

/* Two owners: each hears its own cgroup only. */
static void test_two_owners(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct cgroup_watch *cw = new_watch(l, 4);
	struct ear a = { .loop = l, .cw = cw, .cg = subdir("a"), .quit = true };
	struct ear b = { .loop = l, .cw = cw, .cg = subdir("b"), .quit = true };
	int wa = watch(&a, "cgroup.events"), wb = watch(&b, "cgroup.events");

	assert_int_not_equal(wa, wb);
	assert_int_equal(cgroup_watch_count(cw), 2);
	assert_int_equal(cgroup_freeze(b.cg, true), 0);
	run_guarded(l);
	run_for(l, 50);   /* anything stray would arrive now */
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.last_wd, wb);
	assert_ptr_equal(b.last_ud, &b);

	assert_int_equal(cgroup_freeze(a.cg, true), 0);
	run_guarded(l);
	run_for(l, 50);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.last_wd, wa);
	assert_ptr_equal(a.last_ud, &a);
	assert_int_equal(b.calls, 1);
	cgroup_watch_free(cw);
	close(a.cg);
	close(b.cg);
	loop_free(l);
}

/* Both change before the loop runs; each callback removes the other's
 * watch. The kernel queues both events (in either order: kernfs sends its
 * notifications from a work item), so whichever is delivered first makes
 * the other's, already read or not, one that must not be delivered. */
static void test_remove_other_in_callback(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct cgroup_watch *cw = new_watch(l, 4);
	struct ear a = { .loop = l, .cw = cw, .cg = subdir("a"), .quit = true };
	struct ear b = { .loop = l, .cw = cw, .cg = subdir("b"), .quit = true };

	b.remove_wd = watch(&a, "cgroup.events");
	a.remove_wd = watch(&b, "cgroup.events");
	assert_int_equal(cgroup_freeze(a.cg, true), 0);
	assert_int_equal(cgroup_freeze(b.cg, true), 0);
	run_guarded(l);
	run_for(l, 100);
	assert_int_equal(a.calls + b.calls, 1);
	assert_int_equal(cgroup_watch_count(cw), 1);
	cgroup_watch_free(cw);
	close(a.cg);
	close(b.cg);
	loop_free(l);
}

/* max_watches bounds the table: -ENOSPC past it, room again after a remove. */
static void test_bound(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct cgroup_watch *cw = new_watch(l, 2), *none = new_watch(l, 0);
	struct ear a = { .loop = l, .cw = cw, .cg = subdir("a") };
	int wd = -7;

	int w1 = watch(&a, "cgroup.events");
	watch(&a, "cgroup.freeze");
	assert_int_equal(cgroup_watch_add(cw, a.cg, "cgroup.procs", on_change, &a, &wd), -ENOSPC);
	assert_int_equal(wd, -7);
	assert_int_equal(cgroup_watch_count(cw), 2);
	cgroup_watch_remove(cw, w1);
	watch(&a, "cgroup.procs");
	assert_int_equal(cgroup_watch_count(cw), 2);
	assert_int_equal(cgroup_watch_add(none, a.cg, "cgroup.events", on_change, &a, &wd), -ENOSPC);
	assert_int_equal(cgroup_watch_count(none), 0);
	cgroup_watch_free(none);
	cgroup_watch_free(cw);
	close(a.cg);
	loop_free(l);
}

/* inotify_add_watch refused (fault seam), or a file that is not there:
 * -errno, *ret_wd untouched, nothing recorded, nothing heard. */
static void test_add_fails(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct ear e = { .loop = l, .cg = subdir("a") };
	int wd = -7;

	e.cw = new_watch(l, 4);
	fault_arm(FAULT_INOTIFY_ADD_WATCH, "cgroup.events", 0, 0, ENOSPC);   /* max_user_watches */
	assert_int_equal(cgroup_watch_add(e.cw, e.cg, "cgroup.events", on_change, &e, &wd), -ENOSPC);
	assert_int_equal(fault_hits(FAULT_INOTIFY_ADD_WATCH), 1);
	fault_reset();
	assert_int_equal(cgroup_watch_add(e.cw, e.cg, "memory.events.none", on_change, &e, &wd), -ENOENT);
	assert_int_equal(wd, -7);
	assert_int_equal(cgroup_watch_count(e.cw), 0);
	assert_int_equal(cgroup_freeze(e.cg, true), 0);
	run_for(l, 100);
	assert_int_equal(e.calls, 0);
	cgroup_watch_free(e.cw);
	close(e.cg);
	loop_free(l);
}

/* Freed with watches left: its inotify fd and loop source go with it. */
static void test_free_with_watches(void **state)
{
	struct loop *l = new_loop(state, 8, 8);
	struct ear a = { .loop = l, .cg = subdir("a") }, b = { .loop = l, .cg = subdir("b") };
	int fds = fault_count_fds();

	a.cw = b.cw = new_watch(l, 4);
	assert_int_equal(fault_count_fds(), fds + 1);   /* the inotify fd */
	assert_int_equal(loop_n_sources(l), 1);
	watch(&a, "cgroup.events");
	watch(&b, "cgroup.events");
	assert_int_equal(cgroup_freeze(a.cg, true), 0);   /* an event pending at free */
	assert_null(cgroup_watch_free(a.cw));
	assert_int_equal(fault_count_fds(), fds);
	assert_int_equal(loop_n_sources(l), 0);
	run_for(l, 50);
	assert_int_equal(a.calls + b.calls, 0);
	assert_null(cgroup_watch_free(NULL));
	close(a.cg);
	close(b.cg);
	loop_free(l);
}

static void never_io(struct loop *l _unused_, int fd _unused_, uint32_t ev _unused_, void *u _unused_)
{
	fail_msg("the empty pipe was readable");
}

/* No room in the loop for the inotify fd: -ENOSPC, no fd left. */
static void test_new_loop_full(void **state)
{
	struct loop *l = new_loop(state, 1, 4);
	struct cgroup_watch *cw = NULL;
	loop_id id;
	int p[2];

	make_pipe(p);
	assert_int_equal(loop_add(l, p[0], POLLIN, never_io, NULL, &id), 0);
	int fds = fault_count_fds();
	assert_int_equal(cgroup_watch_new(l, 4, &cw), -ENOSPC);
	assert_null(cw);
	assert_int_equal(fault_count_fds(), fds);
	loop_remove(l, id);
	close_pair(p);
	loop_free(l);
}

int main(void)
{
#define T(t, e) cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, &e)
	const struct CMUnitTest uring[] = {
		T(test_freeze_heard, env_uring), T(test_two_owners, env_uring),
		T(test_remove_other_in_callback, env_uring), T(test_bound, env_uring),
		T(test_add_fails, env_uring), T(test_free_with_watches, env_uring),
		T(test_new_loop_full, env_uring),
	};
	const struct CMUnitTest epoll[] = {
		T(test_freeze_heard, env_epoll), T(test_two_owners, env_epoll),
		T(test_remove_other_in_callback, env_epoll), T(test_bound, env_epoll),
		T(test_add_fails, env_epoll), T(test_free_with_watches, env_epoll),
		T(test_new_loop_full, env_epoll),
	};

	alarm(120);
	int failed = cmocka_run_group_tests_name("cgroup_watch/uring", uring, NULL, NULL);
	failed += cmocka_run_group_tests_name("cgroup_watch/epoll", epoll, NULL, NULL);
	return failed;
}
