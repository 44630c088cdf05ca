/* SPDX-License-Identifier: MIT */
/*
 * test_cgroup.c: kernel/cgroup.{c,h}, one cgroup v2 directory and its
 * files, against real cgroups under the cgroup2 mount (test_cgroup_root.c
 * has the daemon's subtree on top of it).
 *
 * Why: stopping a service is only done when its cgroup says `populated 0`,
 * so the reads of cgroup.events, the kill (cgroup.kill, and the
 * freeze + kill fallback of kernels before 5.14), the freeze and the wait
 * for emptiness are checked with sleeping children of the test placed in
 * the cgroup: the kill must really end them (they are reaped with SIGKILL),
 * and the wait must return on the kernel's notification, not by sleeping.
 * The flat-keyed parser is checked on literal buffers too. Fault paths:
 * a failing fdopen/openat/write/mkdirat comes back as -errno with no fd
 * left open (fdopen after TAKE_FD once leaked the cgroup.procs fd).
 *
 * Each test works in a cgroup of its own, rv-kt-cgroup-<pid>, that the
 * teardown empties (killing only the test's children) and removes, also
 * after a failed assertion. Without cgroup2 the cgroup tests skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "kernel/cgroup.h"
#include "fault.h"
#include "kernel_test_util.h"

static struct kt fx;

static int setup(void **state _unused_)
{
	fault_reset();
	kt_init(&fx, "cgroup");
	return 0;
}

static int teardown(void **state _unused_)
{
	fault_reset();
	kt_done(&fx);
	return 0;
}

/* A sub-cgroup of the test's own, or a skip. */
static int subdir(const char *rel)
{
	KT_SKIP_IF_NEEDED(&fx);
	int fd = kt_mkdir(&fx, rel);
	assert_true(fd >= 0);
	return fd;
}

/* Waits (at most ms) until get(fd) == want, woken by cgroup.events. */
static int wait_event(int cg, int (*get)(int), int want, int ms)
{
	int ev = openat(cg, "cgroup.events", O_RDONLY | O_CLOEXEC), v;
	uint64_t end = now_ns() + (uint64_t)ms * NSEC_PER_MSEC;
	char buf[256];

	assert_true(ev >= 0);
	for (;;) {
		(void)!pread(ev, buf, sizeof(buf), 0);   /* re-arms before the check */
		if ((v = get(cg)) == want || now_ns() >= end)
			break;
		struct pollfd p = { .fd = ev, .events = POLLPRI };
		(void)poll(&p, 1, (int)((end - now_ns()) / NSEC_PER_MSEC) + 1);
	}
	close(ev);
	return v;
}

/* The child ended by SIGKILL (and is reaped here). */
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

static void test_parse_key(void **state _unused_)
{
	const char *events = "populated 1\nfrozen 0\n";
	uint64_t v = 7;

	assert_int_equal(cgroup_parse_key(events, "populated", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(cgroup_parse_key(events, "frozen", &v), 0);
	assert_int_equal(v, 0);
	/* A key is a whole word at the start of a line. */
	assert_int_equal(cgroup_parse_key("populated_x 5\npopulated 3\n", "populated", &v), 0);
	assert_int_equal(v, 3);
	v = 7;
	assert_int_equal(cgroup_parse_key("populated 1\n", "pop", &v), -ENOENT);
	assert_int_equal(cgroup_parse_key("x populated 9\n", "populated", &v), -ENOENT);
	assert_int_equal(cgroup_parse_key("", "populated", &v), -ENOENT);
	assert_int_equal(v, 7);   /* untouched when missing */
	/* The last line without a newline; the full 64-bit range. */
	assert_int_equal(cgroup_parse_key("low 0\noom_kill 18446744073709551615", "oom_kill", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(cgroup_parse_key("a 1\n\nb 42\n", "b", &v), 0);
	assert_int_equal(v, 42);
}

static void test_mkdir_rmdir(void **state _unused_)
{
	int a = subdir("a"), again = -1;
	struct stat st;
	char path[600];

	assert_int_equal(cgroup_mkdir_open(fx.fd, "a", &again), 0);   /* EEXIST is fine */
	assert_true(again >= 0 && again != a);
	assert_int_equal(fcntl(again, F_GETFL) & O_PATH, O_PATH);
	assert_true(fcntl(again, F_GETFD) & FD_CLOEXEC);
	snprintf(path, sizeof(path), "%s/a", fx.dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(cgroup_id_of_fd(again) == st.st_ino);
	assert_true(cgroup_id_of_fd(a) == st.st_ino);
	assert_true(cgroup_id_of_fd(-EBADF) == 0);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(cgroup_id_of_fd(null) == 0);   /* no directory */
	close(null);

	int sub = -1;
	assert_int_equal(cgroup_mkdir_open(a, "sub", &sub), 0);
	close(sub);
	assert_int_equal(cgroup_rmdir(fx.fd, "a"), -EBUSY);   /* a child cgroup */
	assert_int_equal(cgroup_rmdir(a, "sub"), 0);
	assert_int_equal(cgroup_rmdir(fx.fd, "a"), 0);
	assert_int_equal(cgroup_rmdir(fx.fd, "a"), -ENOENT);
	assert_int_equal(cgroup_mkdir_open(a, "gone", &sub), -ENOENT);   /* parent removed */
	close(a);
	close(again);

	/* Refused mkdir or open: -errno, nothing left open, *ret_fd untouched. */
	int before = fault_count_fds();
	sub = -7;
	fault_arm(FAULT_MKDIRAT, "b", 0, 0, EACCES);
	assert_int_equal(cgroup_mkdir_open(fx.fd, "b", &sub), -EACCES);
	fault_reset();
	fault_arm(FAULT_OPENAT, "b", 0, 0, EMFILE);
	assert_int_equal(cgroup_mkdir_open(fx.fd, "b", &sub), -EMFILE);
	fault_reset();
	assert_int_equal(sub, -7);
	assert_int_equal(fault_count_fds(), before);
}

static void test_read_write(void **state _unused_)
{
	int cg = subdir("rw");
	char buf[64];
	uint64_t v = 0;

	assert_int_equal(cgroup_read_u64(cg, "cgroup.max.depth", &v), 0);
	assert_true(v == UINT64_MAX);   /* "max" */
	assert_int_equal(cgroup_write(cg, "cgroup.max.depth", "5"), 0);
	assert_int_equal(cgroup_read_u64(cg, "cgroup.max.depth", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(cgroup_read(cg, "cgroup.max.depth", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "5\n");
	assert_int_equal(cgroup_read(cg, "cgroup.max.depth", buf, 2), 1);   /* cut, terminated */
	assert_string_equal(buf, "5");
	assert_int_equal(cgroup_write(cg, "cgroup.max.depth", "many"), -EINVAL);
	assert_int_equal(cgroup_write(cg, "no.such.file", "1"), -ENOENT);
	assert_int_equal(cgroup_read(cg, "no.such.file", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup_read_u64(cg, "no.such.file", &v), -ENOENT);
	assert_int_equal(cgroup_read_key(cg, "cgroup.events", "populated", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cgroup_read_key(cg, "cgroup.events", "no_such_key", &v), -ENOENT);
	assert_int_equal(cgroup_read_key(cg, "cgroup.stat", "nr_descendants", &v), 0);
	assert_int_equal(v, 0);

	int before = fault_count_fds();
	fault_arm(FAULT_WRITE, NULL, 0, 1, ENOSPC);
	assert_int_equal(cgroup_write(cg, "cgroup.max.depth", "3"), -ENOSPC);
	fault_arm(FAULT_OPENAT, "cgroup.max.depth", 0, 1, EACCES);
	assert_int_equal(cgroup_read_u64(cg, "cgroup.max.depth", &v), -EACCES);
	fault_reset();
	assert_int_equal(fault_count_fds(), before);
	assert_int_equal(cgroup_read_u64(cg, "cgroup.max.depth", &v), 0);
	assert_int_equal(v, 5);   /* the refused write changed nothing */
	close(cg);
}

static void test_populated_freeze(void **state _unused_)
{
	int cg = subdir("f");

	assert_int_equal(cgroup_populated(cg), 0);
	assert_int_equal(cgroup_count_procs(cg), 0);
	struct pidref *a = kt_sleeper(&fx, cg, -1);
	kt_sleeper(&fx, cg, -1);
	assert_int_equal(cgroup_populated(cg), 1);
	assert_int_equal(cgroup_count_procs(cg), 2);
	assert_int_equal(cgroup_frozen(cg), 0);

	assert_int_equal(cgroup_freeze(cg, true), 0);
	assert_int_equal(wait_event(cg, cgroup_frozen, 1, 2000), 1);
	assert_int_equal(cgroup_populated(cg), 1);   /* frozen, still there */
	assert_int_equal(cgroup_freeze(cg, false), 0);
	assert_int_equal(wait_event(cg, cgroup_frozen, 0, 2000), 0);
	/* Thawed: it takes a signal and acts on it. */
	assert_int_equal(pidfd_send_signal(a->fd, SIGTERM, NULL, 0), 0);
	assert_true(kt_readable(a->fd, 2000));
	assert_int_equal(wait_event(cg, cgroup_count_procs, 1, 2000), 1);
	close(cg);
	assert_int_equal(cgroup_populated(-EBADF), -EBADF);
}

/* Both kills end every process, the frozen ones too, and leave the cgroup
 * thawed and empty. */
static void expect_kill(bool has_kill)
{
	int cg = subdir(has_kill ? "kill" : "kill-fallback");
	struct pidref *a = kt_sleeper(&fx, cg, -1), *b = kt_sleeper(&fx, cg, -1);

	assert_int_equal(cgroup_count_procs(cg), 2);
	int r = cgroup_kill(cg, has_kill);
	if (has_kill)
		assert_int_equal(r, 0);
	else   /* -EBUSY is wrong, but test_kill_fallback_result has that */
		assert_true(r == 0 || r == -EBUSY);
	assert_int_equal(cgroup_wait_empty(cg, 2000), 0);
	assert_int_equal(cgroup_populated(cg), 0);
	assert_int_equal(cgroup_frozen(cg), 0);
	assert_killed(a);
	assert_killed(b);
	assert_int_equal(cgroup_kill(cg, has_kill), 0);   /* nothing left: fine */
	close(cg);
}

static void test_kill(void **state _unused_)
{
	expect_kill(true);
}

static void test_kill_fallback(void **state _unused_)
{
	expect_kill(false);
}

/* The fallback kills, and says so. A process with SIGKILL pending is as
 * good as gone (it cannot fork any more), yet it stays in cgroup.procs
 * until it has run its exit; the 100 rounds of freeze, kill, thaw do not
 * wait for that. Made (nearly) deterministic: the child is SCHED_IDLE on
 * the CPU the test is pinned to, the test SCHED_FIFO while it kills, so
 * the child exits only once the test blocks; five tries. */
static int kill_one_while_busy(int cg)
{
	struct sched_param idle = { 0 }, fifo = { .sched_priority = 1 }, was;
	int policy = sched_getscheduler(0), r;
	cpu_set_t one, all;

	struct pidref *p = kt_sleeper(&fx, cg, -1);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(sched_getparam(0, &was), 0);
	assert_int_equal(sched_setaffinity(p->pid, sizeof(one), &one), 0);
	assert_int_equal(sched_setscheduler(p->pid, SCHED_IDLE, &idle), 0);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	bool rt = sched_setscheduler(0, SCHED_FIFO, &fifo) == 0;
	r = cgroup_kill(cg, false);
	if (rt)
		sched_setscheduler(0, policy, &was);
	sched_setaffinity(0, sizeof(all), &all);
	assert_killed(p);
	assert_int_equal(cgroup_wait_empty(cg, 2000), 0);
	return r;
}

static void test_kill_fallback_result(void **state _unused_)
{
	int cg = subdir("kill-result"), busy = 0;

	for (int i = 0; i < 5; i++) {
		int r = kill_one_while_busy(cg);
		assert_true(r == 0 || r == -EBUSY);
		busy += r == -EBUSY;
	}
	if (busy)
		fail_msg("cgroup_kill(has_kill=false) returned -EBUSY in %d of 5 tries, each time "
			 "after killing the one process in the cgroup (not yet done exiting)", busy);
	close(cg);
}

/* cgroup.kill takes the whole subtree; cgroup.h promises the same of the
 * fallback ("SIGKILL every process below fd"). */
static void expect_kill_subtree(bool has_kill)
{
	int cg = subdir(has_kill ? "tree" : "tree-fallback");
	int sub = kt_mkdir(&fx, has_kill ? "tree/leaf" : "tree-fallback/leaf");
	assert_true(sub >= 0);
	struct pidref *p = kt_sleeper(&fx, sub, -1);

	assert_int_equal(cgroup_populated(cg), 1);
	assert_int_equal(cgroup_kill(cg, has_kill), 0);
	if (cgroup_wait_empty(cg, 500) == -ETIMEDOUT)
		fail_msg("cgroup_kill(has_kill=%d) returned 0 but a process in a child cgroup lives on",
			 has_kill);
	assert_killed(p);
	close(sub);
	close(cg);
}

static void test_kill_subtree(void **state _unused_)
{
	expect_kill_subtree(true);
}

static void test_kill_fallback_subtree(void **state _unused_)
{
	expect_kill_subtree(false);
}

static void test_wait_empty(void **state _unused_)
{
	int cg = subdir("w");
	uint64_t t0;

	assert_int_equal(cgroup_wait_empty(cg, 0), 0);   /* already empty */
	/* A live process: -ETIMEDOUT at the deadline, asleep in poll meanwhile. */
	kt_sleeper(&fx, cg, -1);
	long sw = voluntary_switches();
	t0 = now_ns();
	assert_int_equal(cgroup_wait_empty(cg, 100), -ETIMEDOUT);
	uint64_t ms = (now_ns() - t0) / NSEC_PER_MSEC;
	assert_true(ms >= 100 && ms < 1000);
	assert_true(voluntary_switches() - sw < 10);
	/* The kernel's notification ends the wait: a child that leaves after
	 * 200 ms is seen long before the 5 s deadline. */
	for (size_t i = 0; i < KT_MAX_KIDS; i++)
		kt_kill_reap(&fx.kids[i]);
	assert_int_equal(cgroup_wait_empty(cg, 2000), 0);
	kt_sleeper(&fx, cg, 200);
	t0 = now_ns();
	assert_int_equal(cgroup_wait_empty(cg, 5000), 0);
	ms = (now_ns() - t0) / NSEC_PER_MSEC;
	assert_true(ms >= 50 && ms < 2000);
	assert_int_equal(cgroup_wait_empty(-EBADF, 10), -EBADF);
	close(cg);
}

/* fdopen of cgroup.procs refused: -errno, and the fd that was to become
 * the stream is closed (it leaked once: fdopen after TAKE_FD). */
static void test_count_procs_faults(void **state _unused_)
{
	int cg = subdir("c");
	kt_sleeper(&fx, cg, -1);
	int before = fault_count_fds();

	fault_arm(FAULT_FDOPEN, NULL, 0, 0, EMFILE);
	assert_int_equal(cgroup_count_procs(cg), -EMFILE);
	/* The fallback kill reads cgroup.procs the same way: it says so too,
	 * and leaves the cgroup thawed. */
	assert_int_equal(cgroup_kill(cg, false), -EMFILE);
	assert_int_equal(fault_hits(FAULT_FDOPEN), 2);
	fault_arm(FAULT_OPENAT, "cgroup.procs", 0, 0, EACCES);
	assert_int_equal(cgroup_count_procs(cg), -EACCES);
	fault_reset();
	assert_int_equal(fault_count_fds(), before);
	assert_int_equal(cgroup_frozen(cg), 0);
	assert_int_equal(cgroup_count_procs(cg), 1);
	close(cg);
}

static void test_mount_and_self(void **state _unused_)
{
	char mnt[256], self[512], want[512];

	KT_SKIP_IF_NEEDED(&fx);
	assert_int_equal(cgroup2_mount_point(mnt, sizeof(mnt)), 0);
	assert_string_equal(mnt, fx.mount);
	assert_int_equal(cgroup_self_path(self, sizeof(self)), 0);
	assert_int_equal(kt_cgroup_of(0, want, sizeof(want)), 0);
	assert_string_equal(self, want);
	assert_int_equal(cgroup_self_path(self, 1), -ENAMETOOLONG);
	/* In the host's namespace the mount shows our cgroup where it is
	 * (a mount from outside the namespace: integration/t_cgroupns.sh). */
	char mnt2[256], rel[512];
	assert_int_equal(cgroup_self_in_mount(mnt2, sizeof(mnt2), rel, sizeof(rel)), 0);
	assert_string_equal(mnt2, mnt);
	assert_string_equal(rel, want);
	assert_int_equal(cgroup_self_in_mount(mnt2, sizeof(mnt2), rel, 1), -ENAMETOOLONG);
	assert_int_equal(cgroup_available(fx.fd) & ~(unsigned)CGROUP_CTRL_ALL, 0);
	assert_string_equal(cgroup_controller_name(CGROUP_CTRL_MEMORY), "memory");
	assert_string_equal(cgroup_controller_name(1u << 20), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_key),
		cmocka_unit_test_setup_teardown(test_mount_and_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_rmdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_populated_freeze, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_fallback_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_subtree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_fallback_subtree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_procs_faults, setup, teardown),
	};

	alarm(120);
	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
