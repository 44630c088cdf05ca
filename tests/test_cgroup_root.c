/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup_root.c: kernel/cgroup_root.{c,h}, the cgroup subtree the
 * daemon owns (DESIGN.md section 3), with the test process in the daemon's
 * place: it opens an explicit root (a directory of its own under the
 * cgroup2 mount), enters <root>/supervisor and leaves it again, checked in
 * /proc/self/cgroup; a root whose supervisor/ holds another live process is
 * refused, the root it sits in itself is not.
 *
 * The sweep is what a new daemon does with a crashed one's leftovers:
 * <root>/services/s/0 holds two sleeping children of the test, s/1 and u/0
 * are empty; the sweep must kill and remove all of it and report exactly
 * the one that held processes, with their number. It must wait for the
 * kill on cgroup.events, not sleep in a loop: with the kill refused (the
 * fault seam fails the write to cgroup.kill) its wait is counted in
 * voluntary context switches. A refused fdopendir comes back as -errno,
 * with no fd left open.
 *
 * The teardown kills the test's children, moves the test back to the
 * cgroup it started in and removes the tree, also after a failed assertion.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "kernel/cgroup.h"
#include "kernel/cgroup_root.h"
#include "fault.h"
#include "kernel_test_util.h"

static struct kt fx;
static struct cgroup_root root;
static char root_path[600];

struct report {
	int calls;
	char svc[32], idx[32];
	unsigned npids;
	int error;
};

static void on_report(const char *svc, const char *idx, unsigned npids, int error, void *ud)
{
	struct report *r = ud;

	r->error = error;
	r->calls++;
	snprintf(r->svc, sizeof(r->svc), "%s", svc);
	snprintf(r->idx, sizeof(r->idx), "%s", idx);
	r->npids = npids;
}

static int setup(void **state _unused_)
{
	fault_reset();
	kt_init(&fx, "cgroup_root");
	root = CGROUP_ROOT_NULL;
	snprintf(root_path, sizeof(root_path), "%s/root", fx.dir);
	return 0;
}

static int teardown(void **state _unused_)
{
	fault_reset();
	cgroup_root_done(&root);
	kt_done(&fx);
	return 0;
}

/* The test's cgroup, relative to the mount, with `tail` appended. */
static void rel(char *buf, size_t len, const char *tail)
{
	snprintf(buf, len, "%s%s", fx.dir + strlen(fx.mount), tail);
}

static void assert_self_in(const char *want)
{
	char self[512];

	assert_int_equal(kt_cgroup_of(0, self, sizeof(self)), 0);
	assert_string_equal(self, want);
}

/* Opens <fx.dir>/root and enters it. */
static void open_enter(void)
{
	KT_SKIP_IF_NEEDED(&fx);
	assert_int_equal(cgroup_root_open(root_path, &root), 0);
	assert_int_equal(cgroup_root_enter(&root, CGROUP_CTRL_ALL), 0);
}

static void assert_killed(struct pidref *p)
{
	siginfo_t si = { 0 };

	assert_true(kt_readable(p->fd, 5000));
	assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)p->fd, &si, WEXITED), 0);
	assert_int_equal(si.si_code, CLD_KILLED);
	assert_int_equal(si.si_status, SIGKILL);
	kt_forget(&fx, si.si_pid);
}

static long voluntary_switches(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

static void test_open_enter_done(void **state _unused_)
{
	char orig[512], sup[600];

	KT_SKIP_IF_NEEDED(&fx);
	assert_int_equal(kt_cgroup_of(0, orig, sizeof(orig)), 0);
	int fds = fault_count_fds();
	assert_int_equal(cgroup_root_open(root_path, &root), 0);
	assert_true(root.created);
	assert_true(root.has_kill);
	assert_string_equal(root.path, root_path);
	assert_true(root.fd >= 0);
	assert_int_equal(root.services_fd, -EBADF);
	assert_self_in(orig);   /* opening does not move */

	assert_int_equal(cgroup_root_enter(&root, CGROUP_CTRL_ALL), 0);
	rel(sup, sizeof(sup), "/root/supervisor");
	assert_self_in(sup);
	assert_true(root.services_fd >= 0);
	assert_true(kt_exists(&fx, "root/services"));
	assert_int_equal(root.controllers & ~cgroup_available(root.fd), 0);

	cgroup_root_done(&root);
	assert_self_in(orig);
	assert_false(kt_exists(&fx, "root"));   /* made by us: removed */
	assert_int_equal(root.fd, -EBADF);
	assert_null(root.path);
	assert_int_equal(fault_count_fds(), fds);
	cgroup_root_done(&root);   /* idempotent */
}

/* A root that was there before is left in place, emptied. */
static void test_existing_root_kept(void **state _unused_)
{
	KT_SKIP_IF_NEEDED(&fx);
	assert_int_equal(mkdir(root_path, 0755), 0);
	open_enter();
	assert_false(root.created);
	cgroup_root_done(&root);
	assert_true(kt_exists(&fx, "root"));
	assert_false(kt_exists(&fx, "root/supervisor"));
	assert_false(kt_exists(&fx, "root/services"));
}

/* Another live process in supervisor/: someone else's root, -EBUSY and no
 * fd left. Asked in a child of the test: from a process in the hierarchy's
 * root ("/"), as here, cgroup_root_open reads before its `me` buffer
 * (strcmp(me + strlen(me) - 11, ...)), and under ASan (make asan) that
 * ends the process; the child's end is reported, the teardown still runs. */
static void test_busy(void **state _unused_)
{
	siginfo_t si = { 0 };

	KT_SKIP_IF_NEEDED(&fx);
	int sup = kt_mkdir(&fx, "root/supervisor");
	assert_true(sup >= 0);
	kt_sleeper(&fx, sup, -1);
	close(sup);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cgroup_root other = CGROUP_ROOT_NULL;
		int fds = fault_count_fds(), r = cgroup_root_open(root_path, &other);
		_exit(r != -EBUSY ? 2 : fault_count_fds() != fds ? 3 : other.fd != -EBADF ? 4 : 0);
	}
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED), 0);
	if (si.si_code != CLD_EXITED || si.si_status == 1 || si.si_status > 4)
		fail_msg("cgroup_root_open on a busy root ended the process (code %d, status %d)",
			 si.si_code, si.si_status);
	static const char *const why[] = { "", "", "did not say -EBUSY", "left an fd open", "changed *ret" };
	if (si.si_status)
		fail_msg("cgroup_root_open on a busy root %s", why[si.si_status]);
}

/* The live process in supervisor/ is this one (a restart in place): the
 * root is ours, by its path and found from our own cgroup alike. */
static void test_reopen_own_root(void **state _unused_)
{
	struct cgroup_root again = CGROUP_ROOT_NULL;

	open_enter();
	int r = cgroup_root_open(root_path, &again);
	if (r == 0) {
		close(again.fd);
		free(again.path);
		again = CGROUP_ROOT_NULL;
	}
	int r_auto = cgroup_root_open(NULL, &again);
	if (r_auto == 0) {
		assert_string_equal(again.path, root_path);
		close(again.fd);
		free(again.path);
	}
	if (r < 0 || r_auto < 0)
		fail_msg("cgroup_root_open of the root this process sits in (in its supervisor/) "
			 "says %s by path and %s from /proc/self/cgroup; want 0 for both",
			 strerror(-r), strerror(-r_auto));
}

/* Two sleepers in services/s/0; services/s/1 and services/u/0 empty. */
static struct pidref *leftovers(struct pidref **second)
{
	int s0 = kt_mkdir(&fx, "root/services/s/0"), s1 = kt_mkdir(&fx, "root/services/s/1");
	int u0 = kt_mkdir(&fx, "root/services/u/0");

	assert_true(s0 >= 0 && s1 >= 0 && u0 >= 0);
	struct pidref *a = kt_sleeper(&fx, s0, -1);
	*second = kt_sleeper(&fx, s0, -1);
	assert_int_equal(cgroup_count_procs(s0), 2);
	close(s0);
	close(s1);
	close(u0);
	return a;
}

/* keep: take services/s/0 back; it is left whole (processes, directory,
 * its service's directory), the rest is swept as before. The callbacks
 * share the userdata: the report first. */
struct keep_ctx {
	struct report rep;
	int calls, dirs;
};

static bool keep_s0(const char *svc, const char *idx, int fd, void *ud)
{
	struct keep_ctx *k = ud;
	if (!idx) {
		k->dirs++;   /* each service's own directory, first */
		return false;
	}
	k->calls++;
	return !strcmp(svc, "s") && !strcmp(idx, "0") && cgroup_count_procs(fd) == 2;
}

static void test_sweep_keep(void **state _unused_)
{
	struct keep_ctx k = { 0 };
	struct pidref *b;

	open_enter();
	struct pidref *a = leftovers(&b);
	assert_int_equal(cgroup_root_sweep(&root, on_report, keep_s0, &k), 0);
	assert_int_equal(k.calls, 1);   /* only the populated one is asked */
	assert_int_equal(k.dirs, 2);    /* s and u */
	assert_int_equal(k.rep.calls, 0);
	assert_int_equal(pidref_kill(a, 0), 0);
	assert_int_equal(pidref_kill(b, 0), 0);
	assert_true(kt_exists(&fx, "root/services/s/0"));
	assert_false(kt_exists(&fx, "root/services/s/1"));
	assert_false(kt_exists(&fx, "root/services/u"));
	/* Without keep it is swept. */
	assert_int_equal(cgroup_root_sweep(&root, on_report, NULL, &k.rep), 1);
	assert_killed(a);
	assert_killed(b);
	assert_false(kt_exists(&fx, "root/services/s"));
}

static void test_sweep(void **state _unused_)
{
	struct report rep = { 0 };
	struct pidref *b;

	open_enter();
	struct pidref *a = leftovers(&b);
	uint64_t t0 = now_ns();
	assert_int_equal(cgroup_root_sweep(&root, on_report, NULL, &rep), 1);
	uint64_t ms = (now_ns() - t0) / NSEC_PER_MSEC;
	assert_int_equal(rep.calls, 1);
	assert_string_equal(rep.svc, "s");
	assert_string_equal(rep.idx, "0");
	assert_int_equal(rep.npids, 2);
	assert_true(ms < 1000);
	assert_killed(a);
	assert_killed(b);
	assert_false(kt_exists(&fx, "root/services/s"));
	assert_false(kt_exists(&fx, "root/services/u"));
	assert_true(kt_exists(&fx, "root/services"));
	/* Nothing left: a second sweep finds nothing. */
	assert_int_equal(cgroup_root_sweep(&root, on_report, NULL, &rep), 0);
	assert_int_equal(rep.calls, 1);
}

/* With the kill refused the sweep does not wait for an end that cannot
 * come: it reports that leftover with the error at once, leaves its
 * directory, and returns the error. */
static void test_sweep_kill_refused(void **state _unused_)
{
	struct report rep = { 0 };
	struct pidref *b;

	open_enter();
	struct pidref *a = leftovers(&b);
	uint64_t t0 = now_ns();
	fault_arm(FAULT_WRITE, NULL, 0, 0, EACCES);   /* the write to cgroup.kill */
	int r = cgroup_root_sweep(&root, on_report, NULL, &rep);
	fault_reset();
	uint64_t ms = (now_ns() - t0) / NSEC_PER_MSEC;
	print_message("sweep with the kill refused: %d, %" PRIu64 " ms\n", r, ms);
	assert_int_equal(r, -EACCES);
	assert_true(ms < 1000);
	assert_int_equal(rep.calls, 1);
	assert_int_equal(rep.error, -EACCES);
	assert_int_equal(rep.npids, 2);
	assert_false(kt_readable(a->fd, 0));   /* nobody killed them */
	assert_false(kt_readable(b->fd, 0));
	assert_true(kt_exists(&fx, "root/services/s/0"));
}

/* A kill that works is waited for on cgroup.events, asleep in poll: a
 * handful of wakeups, not one per tick. */
static void test_sweep_waits_on_events(void **state _unused_)
{
	struct report rep = { 0 };
	struct pidref *b;

	open_enter();
	struct pidref *a = leftovers(&b);
	long sw = voluntary_switches();
	assert_int_equal(cgroup_root_sweep(&root, on_report, NULL, &rep), 1);
	sw = voluntary_switches() - sw;
	print_message("sweep: %ld voluntary switches\n", sw);
	assert_true(sw < 10);
	assert_int_equal(rep.error, 0);
	assert_killed(a);
	assert_killed(b);
}

/* A leftover the sweep could not list, or not kill, is an error: the
 * caller must not go on as if the root were clean. Two ways: listing
 * services/s fails (fdopendir, EMFILE); the write to cgroup.kill fails. */
static void test_sweep_failure_reported(void **state _unused_)
{
	struct report rep = { 0 };
	struct pidref *b;
	char msg[512] = "";

	open_enter();
	struct pidref *a = leftovers(&b);
	fault_arm(FAULT_FDOPENDIR, NULL, 1, 0, EMFILE);   /* services/ listed, s/ not */
	int r = cgroup_root_sweep(&root, on_report, NULL, &rep);
	fault_reset();
	if (r >= 0 && !kt_readable(a->fd, 200) && !kt_readable(b->fd, 0))
		snprintf(msg, sizeof(msg), "services/s unlistable: returned %d, %d reported; ", r, rep.calls);
	fault_arm(FAULT_WRITE, NULL, 0, 0, EACCES);
	r = cgroup_root_sweep(&root, on_report, NULL, &rep);
	fault_reset();
	if (r >= 0 && !kt_readable(a->fd, 0) && !kt_readable(b->fd, 0))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			 "cgroup.kill refused: returned %d, reported s/0 as %u pids killed; ", r, rep.npids);
	if (msg[0])
		fail_msg("cgroup_root_sweep says nothing of services/s/0, whose two processes live on: %s", msg);
}

/* fdopendir of services/ refused: -errno, no fd left, nothing touched. */
static void test_sweep_fdopendir_fault(void **state _unused_)
{
	struct report rep = { 0 };
	struct pidref *b;

	open_enter();
	struct pidref *a = leftovers(&b);
	int fds = fault_count_fds();
	fault_arm(FAULT_FDOPENDIR, NULL, 0, 1, EMFILE);
	assert_int_equal(cgroup_root_sweep(&root, on_report, NULL, &rep), -EMFILE);
	assert_int_equal(fault_hits(FAULT_FDOPENDIR), 1);
	fault_reset();
	assert_int_equal(fault_count_fds(), fds);
	assert_int_equal(rep.calls, 0);
	assert_false(kt_readable(a->fd, 0));
	assert_true(kt_exists(&fx, "root/services/s/0"));
	/* Once it can list again, the same sweep does its work. */
	assert_int_equal(cgroup_root_sweep(&root, on_report, NULL, &rep), 1);
	assert_killed(a);
	assert_killed(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_enter_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_root_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_own_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_keep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_kill_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_waits_on_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_failure_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_fdopendir_fault, setup, teardown),
	};

	alarm(120);
	return cmocka_run_group_tests_name("cgroup_root", tests, NULL, NULL);
}
