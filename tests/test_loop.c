/* SPDX-License-Identifier: MIT */
/*
 * test_loop.c: the event loop against the real kernel, once per backend.
 * Each test gets its backend through cmocka's prestate; where io_uring
 * cannot be created the uring group skips (saying why) instead of passing.
 *
 * This file has the sources and the loop as a whole: readiness and hangup,
 * modify (also of another source already reported in the same batch, which
 * must not reach its callback), quit, the bounds, idle wakeups, fds and
 * close-on-exec, the backend's name and choice, and io_uring's re-arming of
 * a multishot poll. Removal from callbacks and slot reuse are in
 * test_loop_remove.c, the timers in test_loop_timer.c, the shared setup in
 * loop_test_util.h and loop_source_util.h.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/loop_uring.h"
#include "kernel/loop.h"
#include "kernel/loop_source.h"
#include "loop_test_util.h"
#include "loop_source_util.h"
#include "basic/macro.h"

static void test_backend_name(void **state)
{
	struct loop *l = new_loop(state, 4, 4);   /* asserts the name */
	loop_free(l);
}

static void test_pipe_readable(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	int p[2];
	struct src s = { .read_it = true, .quit_it = true };

	make_pipe(p);
	s.fd = p[0];
	assert_int_equal(loop_add(l, p[0], POLLIN, src_cb, &s, &s.id), 0);
	assert_int_not_equal(s.id, LOOP_ID_NONE);
	assert_int_equal(loop_n_sources(l), 1);
	put_byte(p[1]);
	run_guarded(l);
	assert_int_equal(s.calls, 1);
	assert_true(s.revents & POLLIN);
	assert_false(s.revents & POLLOUT);

	/* Consumed readiness does not fire again. */
	run_for(l, 30);
	assert_int_equal(s.calls, 1);
	put_byte(p[1]);
	run_guarded(l);
	assert_int_equal(s.calls, 2);

	loop_remove(l, s.id);
	assert_int_equal(loop_n_sources(l), 0);
	loop_free(l);
	close_pair(p);
}

static void test_hangup(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	int p[2];
	struct src s = { .remove_it = true, .quit_it = true };

	make_pipe(p);
	s.fd = p[0];
	assert_int_equal(loop_add(l, p[0], POLLIN, src_cb, &s, &s.id), 0);
	close(p[1]);
	run_guarded(l);
	assert_int_equal(s.calls, 1);
	assert_true(s.revents & POLLHUP);
	loop_free(l);
	close(p[0]);
}

struct modsrc {
	loop_id id;
	int calls;
	uint32_t revents[4];
};

static void mod_cb(struct loop *l, int fd, uint32_t revents, void *u)
{
	struct modsrc *m = u;

	if (m->calls < 4)
		m->revents[m->calls] = revents;
	m->calls++;
	if (m->calls == 1) {
		/* Writable forever: only the modify keeps this from repeating. */
		assert_int_equal(loop_modify(l, m->id, POLLIN), 0);
		return;
	}
	drain(fd);
	loop_quit(l);
}

static void test_modify_pollout(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	struct modsrc m = { 0 };
	int sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sp), 0);
	assert_int_equal(loop_add(l, sp[0], POLLIN, mod_cb, &m, &m.id), 0);
	assert_int_equal(loop_modify(l, m.id, 0), -EINVAL);
	assert_int_equal(loop_modify(l, m.id, POLLOUT), 0);
	run_for(l, 50);
	assert_int_equal(m.calls, 1);
	assert_true(m.revents[0] & POLLOUT);
	assert_false(m.revents[0] & POLLIN);

	put_byte(sp[1]);
	run_guarded(l);
	assert_int_equal(m.calls, 2);
	assert_true(m.revents[1] & POLLIN);
	assert_false(m.revents[1] & POLLOUT);
	/* One write, one callback: no second poll left behind by the modify. */
	run_for(l, 30);
	assert_int_equal(m.calls, 2);

	loop_remove(l, m.id);
	loop_free(l);
	close_pair(sp);
}

/*
 * Two writable sockets watched for POLLOUT; whichever callback runs first
 * turns both to POLLIN. The other's POLLOUT, already reported in the same
 * batch, must not reach its callback.
 */
struct modpair {
	loop_id id;
	struct modpair *other;
	int *calls;
};

static void modpair_cb(struct loop *l, int fd _unused_, uint32_t revents, void *u)
{
	struct modpair *m = u;

	assert_true(revents & POLLOUT);
	(*m->calls)++;
	assert_int_equal(loop_modify(l, m->other->id, POLLIN), 0);
	assert_int_equal(loop_modify(l, m->id, POLLIN), 0);
}

static void test_modify_other_in_same_batch(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	struct modpair a, b;
	int sa[2], sb[2], calls = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sa), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sb), 0);
	a = (struct modpair){ .other = &b, .calls = &calls };
	b = (struct modpair){ .other = &a, .calls = &calls };
	assert_int_equal(loop_add(l, sa[0], POLLOUT, modpair_cb, &a, &a.id), 0);
	assert_int_equal(loop_add(l, sb[0], POLLOUT, modpair_cb, &b, &b.id), 0);
	run_for(l, 30);
	assert_int_equal(calls, 1);
	loop_free(l);
	close_pair(sa);
	close_pair(sb);
}

static void test_quit(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	uint64_t w = loop_wakeups(l);

	/* Quit before run: returns at once, without waiting. */
	loop_quit(l);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(loop_wakeups(l), w);
	/* The request is spent: the next run waits for its own quit. */
	uint64_t start = now_ns();
	run_for(l, 20);
	assert_true(now_ns() - start >= 20 * MS);
	loop_free(l);
}

static void test_bounds(void **state)
{
	struct loop *l = new_loop(state, 2, 2);
	int p[3][2];
	struct src s[3] = { 0 };

	for (int i = 0; i < 3; i++) {
		make_pipe(p[i]);
		s[i].fd = p[i][0];
	}
	assert_int_equal(loop_add(l, p[0][0], POLLIN, src_cb, &s[0], &s[0].id), 0);
	assert_int_equal(loop_add(l, p[1][0], POLLIN, src_cb, &s[1], &s[1].id), 0);
	assert_int_equal(loop_add(l, p[2][0], POLLIN, src_cb, &s[2], &s[2].id), -ENOSPC);
	loop_remove(l, s[0].id);
	assert_int_equal(loop_add(l, p[2][0], POLLIN, src_cb, &s[2], &s[2].id), 0);
	assert_int_equal(loop_n_sources(l), 2);
	if (strcmp(loop_backend_name(l), "epoll") == 0)
		assert_int_equal(loop_uring_cancel_poll(l, s[2].id), -EOPNOTSUPP);

	/* Bad arguments. */
	loop_remove(l, s[1].id);
	int closed = p[0][0];
	close(closed);
	assert_int_equal(loop_add(l, closed, POLLIN, src_cb, &s[0], NULL), -EBADF);
	assert_int_equal(loop_add(l, -1, POLLIN, src_cb, &s[0], NULL), -EINVAL);
	assert_int_equal(loop_add(l, p[1][0], 0, src_cb, &s[0], NULL), -EINVAL);
	assert_int_equal(loop_add(l, p[1][0], POLLIN, NULL, &s[0], NULL), -EINVAL);

	struct loop_timer t[3];
	for (int i = 0; i < 3; i++)
		loop_timer_init(&t[i], never_cb, NULL);
	uint64_t far = now_ns() + 3600 * NSEC_PER_SEC;
	assert_int_equal(loop_timer_start(l, &t[0], far), 0);
	assert_int_equal(loop_timer_start(l, &t[1], far), 0);
	assert_int_equal(loop_timer_start(l, &t[2], far), -ENOSPC);
	assert_false(loop_timer_armed(&t[2]));
	/* Re-arming an armed timer needs no room. */
	assert_int_equal(loop_timer_start(l, &t[1], far + 1), 0);
	loop_timer_stop(l, &t[0]);
	assert_int_equal(loop_timer_start(l, &t[2], far), 0);
	loop_free(l);
	/* Freed with timers queued: they no longer look armed. */
	assert_false(loop_timer_armed(&t[1]));
	for (int i = 0; i < 3; i++) {
		if (i > 0)
			close(p[i][0]);
		close(p[i][1]);
	}

	const struct env *e = *state;
	assert_int_equal(loop_new(e->backend, 0, 4, &l), -EINVAL);
	assert_int_equal(loop_new(e->backend, LOOP_SOURCES_MAX + 1, 4, &l), -EINVAL);
}

/* The source table is sized for the whole instance capacity (six slots
 * for each of twice the configured instances); a slot never handed out
 * must cost no memory, so the table is not written to at creation and
 * slots are handed out from the lowest (docs/design.md, "Memory per
 * instance"). Before: every slot's fd set to -EBADF, every page resident. */
static void test_untouched_slots_unmapped(void **state)
{
	const size_t max = 100000;
	struct loop *l = new_loop(state, max, 4);
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)l->sources & ~(uintptr_t)(page - 1);
	size_t len = (uintptr_t)(l->sources + l->n_slots) - a, pages = (len + page - 1) / page, resident = 0;
	_cleanup_free_ unsigned char *vec = calloc(pages, 1);
	struct src s = { 0 };
	int p[2];

	assert_non_null(vec);
	assert_int_equal(mincore((void *)a, len, vec), 0);
	for (size_t i = 0; i < pages; i++)
		resident += vec[i] & 1;
	/* The first page (the allocation's header) and the timerfd's slot. */
	assert_true(resident <= 4);
	/* Slot 0 first, and a released slot is the next one handed out. */
	make_pipe(p);
	s.fd = p[0];
	loop_id a0, a1, a2;
	assert_int_equal(loop_add(l, p[0], POLLIN, src_cb, &s, &a0), 0);
	assert_int_equal(loop_add(l, p[1], POLLOUT, src_cb, &s, &a1), 0);
	assert_int_equal(a0 & LOOP_ID_SLOT_MASK, 1);
	assert_int_equal(a1 & LOOP_ID_SLOT_MASK, 2);
	loop_remove(l, a0);
	assert_int_equal(loop_add(l, p[0], POLLIN, src_cb, &s, &a2), 0);
	assert_int_equal(a2 & LOOP_ID_SLOT_MASK, 1);
	assert_int_equal(loop_n_sources(l), 2);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void test_idle_no_wakeups(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	struct src s = { .read_it = true };
	int p[2];

	make_pipe(p);
	s.fd = p[0];
	assert_int_equal(loop_add(l, p[0], POLLIN, src_cb, &s, &s.id), 0);
	uint64_t w = loop_wakeups(l), start = now_ns();
	run_for(l, 50);
	uint64_t woke = loop_wakeups(l) - w;
	print_message("%s: %llu wakeup(s) in %llu ms idle\n", loop_backend_name(l),
		      (unsigned long long)woke, (unsigned long long)((now_ns() - start) / MS));
	assert_true(woke >= 1);
	assert_true(woke <= 2);
	assert_true(now_ns() - start >= 50 * MS);
	assert_int_equal(s.calls, 0);
	loop_remove(l, s.id);
	loop_free(l);
	close_pair(p);
}

/* Marks the open fds below 1024; any fd not in `known` must be close-on-exec. */
static int scan_fds(bool seen[1024], const bool known[1024])
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd == dirfd(d) || fd >= 1024)
			continue;
		seen[fd] = true;
		n++;
		if (known && !known[fd])
			assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	}
	closedir(d);
	return n;
}

static void test_fds_cloexec_no_leak(void **state)
{
	static bool before[1024], during[1024], after[1024];
	int n = scan_fds(before, NULL);
	struct loop *l = new_loop(state, 4, 4);
	struct src s = { .read_it = true };
	int p[2];

	make_pipe(p);
	s.fd = p[0];
	assert_int_equal(loop_add(l, p[0], POLLIN, src_cb, &s, &s.id), 0);
	put_byte(p[1]);
	run_for(l, 5);
	assert_int_equal(s.calls, 1);
	/* The pipe, the loop's timerfd and its ring or epoll fd. */
	assert_int_equal(scan_fds(during, before), n + 2 + 2);
	/* Freed with a source still registered: the loop lets go of everything. */
	loop_free(l);
	close_pair(p);
	assert_int_equal(scan_fds(after, NULL), n);
}

static void writer_cb(struct loop *l _unused_, void *u)
{
	put_byte(*(int *)u);
}

/* io_uring only: a multishot poll the kernel ends is armed again. */
static void test_uring_rearm_after_cancel(void **state)
{
	struct loop *l = new_loop(state, 4, 4);
	struct src s = { .read_it = true, .quit_it = true };
	struct loop_timer w;
	int p[2];

	make_pipe(p);
	s.fd = p[0];
	assert_int_equal(loop_add(l, p[0], POLLIN, src_cb, &s, &s.id), 0);
	assert_int_equal(loop_uring_cancel_poll(l, s.id), 0);
	loop_timer_init(&w, writer_cb, &p[1]);
	assert_int_equal(loop_timer_start(l, &w, now_ns() + 20 * MS), 0);
	run_guarded(l);
	assert_int_equal(s.calls, 1);
	assert_true(s.revents & POLLIN);

	/* And still armed after that. */
	put_byte(p[1]);
	run_guarded(l);
	assert_int_equal(s.calls, 2);
	loop_remove(l, s.id);
	assert_int_equal(loop_uring_cancel_poll(l, s.id), -ENOENT);
	loop_free(l);
	close_pair(p);
}

static void test_backend_from_string(void **state _unused_)
{
	assert_int_equal(loop_backend_from_string("uring"), LOOP_BACKEND_URING);
	assert_int_equal(loop_backend_from_string("epoll"), LOOP_BACKEND_EPOLL);
	assert_int_equal(loop_backend_from_string("auto"), LOOP_BACKEND_AUTO);
	assert_int_equal(loop_backend_from_string("kqueue"), _LOOP_BACKEND_INVALID);
	assert_int_equal(loop_backend_from_string(""), _LOOP_BACKEND_INVALID);
	assert_int_equal(loop_backend_from_string(NULL), _LOOP_BACKEND_INVALID);
}

static void test_auto_backend(void **state)
{
	struct loop *l = NULL;

	(void)state;
	assert_int_equal(loop_new(LOOP_BACKEND_AUTO, 4, 4, &l), 0);
	const char *name = loop_backend_name(l);
	print_message("auto picked %s\n", name);
	assert_true(strcmp(name, "uring") == 0 || strcmp(name, "epoll") == 0);
	run_for(l, 5);
	loop_free(l);
	assert_null(loop_free(NULL));
}

#define BACKEND_TESTS(env)                                                     \
	cmocka_unit_test_prestate(test_backend_name, &(env)),                  \
	cmocka_unit_test_prestate(test_pipe_readable, &(env)),                 \
	cmocka_unit_test_prestate(test_hangup, &(env)),                        \
	cmocka_unit_test_prestate(test_modify_pollout, &(env)),                \
	cmocka_unit_test_prestate(test_modify_other_in_same_batch, &(env)),    \
	cmocka_unit_test_prestate(test_quit, &(env)),                          \
	cmocka_unit_test_prestate(test_bounds, &(env)),                        \
	cmocka_unit_test_prestate(test_idle_no_wakeups, &(env)),               \
	cmocka_unit_test_prestate(test_untouched_slots_unmapped, &(env)),      \
	cmocka_unit_test_prestate(test_fds_cloexec_no_leak, &(env))

int main(void)
{
	const struct CMUnitTest common[] = {
		cmocka_unit_test(test_backend_from_string),
		cmocka_unit_test(test_auto_backend),
	};
	const struct CMUnitTest uring[] = {
		BACKEND_TESTS(env_uring),
		cmocka_unit_test_prestate(test_uring_rearm_after_cancel, &env_uring),
	};
	const struct CMUnitTest epoll[] = {
		BACKEND_TESTS(env_epoll),
	};

	/* Writes to a pipe whose reader is gone must fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	/* Last resort against a hung loop; each run also has its own watchdog. */
	alarm(60);
	int failed = cmocka_run_group_tests_name("loop", common, NULL, NULL);
	failed += cmocka_run_group_tests_name("loop/uring", uring, NULL, NULL);
	failed += cmocka_run_group_tests_name("loop/epoll", epoll, NULL, NULL);
	return failed;
}
