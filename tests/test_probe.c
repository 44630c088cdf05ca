/* SPDX-License-Identifier: MIT */
/*
 * test_probe.c: the fd/thread probe against real processes (how an fd's
 * link is sorted into its kind is in test_fd_kind.c).
 *
 * The group setup makes a cgroup of its own under the cgroup2 mount
 * (test-probe-<pid>, plus an empty one), and forks children that move
 * themselves into it, close every inherited fd, put /dev/null on 0-2 and
 * open a known set: pipes, a socketpair, an eventfd, a timerfd and a regular
 * file; then start threads. Variants: a thread with a file table of its own
 * (unshare(CLONE_FILES)), which /proc/PID/fd does not show; a leader that
 * exits, two threads staying; fds far up the table. One more child stays
 * outside. procfs must give the expected numbers exactly, bpf (either walk)
 * exactly what procfs gives. The teardown kills the children by pid and
 * removes the cgroups, also on failure. Without cgroup2 or root the process
 * tests skip (saying why); without CAP_BPF/CAP_PERFMON the bpf ones do.
 *
 * RV_EXPECT_PROBE_SOURCE=procfs|bpf makes test_auto check what PROBE_AUTO
 * chose (integration/t_probe.sh runs this binary without the capabilities).
 * RV_DEBUG=1 shows libbpf's messages, the verifier's log among them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "kernel/cgroup.h"
#include "probe/probe.h"
#include "probe_fixture.h"

enum kid_variant { KID_PLAIN, KID_UNSHARED_FILES, KID_LEADER_EXITS, KID_HIGH_FDS };

/* KID_HIGH_FDS: /dev/null again here, in words 1, 2, 4 of open_fds. */
static const int high_fds[] = { 70, 191, 300 };

struct kid {
	int extra;                  /* extra pipes and extra threads */
	enum kid_variant variant;
	pid_t pid;
	uint32_t fds[_FD_KIND_MAX]; /* expected */
	uint32_t threads;
};

static struct {
	char skip[800];             /* why the process tests cannot run */
	char cg[600], empty[600];
	int cg_fd, empty_fd;
	uint64_t cg_id, empty_id;
	struct kid kids[5];
	pid_t outsider;
} fx = { .cg_fd = -EBADF, .empty_fd = -EBADF };

#define KID_COMM "rvprobe-kid"
#define READY_FD 100

/* ---- the children ---- */

static void *thread_main(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "rvprobe-thr");
	for (;;)
		pause();
	return NULL;
}

static pthread_barrier_t unshared;

static void *unshared_main(void *arg)
{
	(void)arg;
	/* A private copy of the table, 5 more fds in it; /proc/PID/fd shows
	 * the leader's table only, and so must the bpf source. */
	if (unshare(CLONE_FILES) == 0)
		for (int i = 0; i < 5; i++)
			(void)eventfd(0, 0);
	pthread_barrier_wait(&unshared);
	return thread_main(NULL);
}

static _Noreturn void kid_main(const struct kid *k, int cg_fd, int ready)
{
	pthread_t th;
	int fd, sv[2], p[2];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, KID_COMM);
	if (cg_fd >= 0 && cgroup_join(cg_fd) < 0)
		_exit(2);
	if (dup2(ready, READY_FD) < 0 || close_range(3, READY_FD - 1, 0) < 0 ||
	    close_range(READY_FD + 1, ~0U, 0) < 0)
		_exit(3);
	fd = open("/dev/null", O_RDWR);
	if (fd != 3 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || close(fd) < 0)
		_exit(4);
	for (int i = 0; i < 3 + k->extra; i++)
		if (pipe(p) < 0)
			_exit(5);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || eventfd(0, 0) < 0 ||
	    timerfd_create(CLOCK_MONOTONIC, 0) < 0 || open("/proc/self/exe", O_RDONLY) < 0)
		_exit(6);
	if (k->variant == KID_HIGH_FDS)
		for (size_t i = 0; i < ELEMENTSOF(high_fds); i++)
			if (dup2(0, high_fds[i]) < 0)
				_exit(6);
	pthread_barrier_init(&unshared, NULL, 2);
	for (int i = 0; i < 3 + k->extra; i++)
		if (pthread_create(&th, NULL,
				   k->variant == KID_UNSHARED_FILES && i == 0 ? unshared_main : thread_main,
				   NULL) != 0)
			_exit(7);
	if (k->variant == KID_UNSHARED_FILES)
		pthread_barrier_wait(&unshared);        /* its fds are open */
	if (write(READY_FD, "x", 1) != 1)
		_exit(8);
	close(READY_FD);
	if (k->variant == KID_LEADER_EXITS)
		pthread_exit(NULL);
	for (;;)
		pause();
}

static pid_t spawn(const struct kid *k, int cg_fd)
{
	struct pollfd pfd;
	int ready[2];
	char c;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0)
		kid_main(k, cg_fd, ready[1]);
	close(ready[1]);
	pfd = (struct pollfd){ .fd = ready[0], .events = POLLIN };
	if (pid > 0 && (poll(&pfd, 1, 10000) != 1 || read(ready[0], &c, 1) != 1)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

/* Waits (up to 5 s) until the leader of pid is a zombie. */
static int wait_leader_zombie(pid_t pid)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "re");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		if (strstr(buf, "State:\tZ"))
			return 0;
		usleep(10 * 1000);
	}
	return -ETIMEDOUT;
}

/* ---- fixture ---- */

static int make_cgroup(const char *path, int *ret_fd, uint64_t *ret_id)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	*ret_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*ret_fd < 0)
		return -errno;
	*ret_id = cgroup_id_of_fd(*ret_fd);
	return *ret_id ? 0 : -EIO;
}

static void kid_expect(struct kid *k)
{
	bool zombie_leader = k->variant == KID_LEADER_EXITS;

	memset(k->fds, 0, sizeof(k->fds));
	if (!zombie_leader) {   /* a zombie leader's /proc/PID/fd is empty */
		k->fds[FD_PIPE] = 2 * (3 + k->extra);
		k->fds[FD_SOCKET] = 2;
		k->fds[FD_ANON] = 2;
		k->fds[FD_REGULAR] = 1;
		k->fds[FD_OTHER] = 3;
		if (k->variant == KID_HIGH_FDS)
			k->fds[FD_OTHER] += ELEMENTSOF(high_fds);
	}
	k->threads = 1 + 3 + (uint32_t)k->extra;  /* the zombie leader still counts */
}

static int group_teardown(void **state);

static int group_setup(void **state)
{
	static const struct kid kids[] = { { .extra = 0 }, { .extra = 2 }, { .extra = 1, .variant = KID_UNSHARED_FILES },
					   { .variant = KID_LEADER_EXITS }, { .variant = KID_HIGH_FDS } };
	char mnt[512];
	int r;

	(void)state;
	r = cgroup2_mount(mnt, sizeof(mnt));
	if (r < 0) {
		snprintf(fx.skip, sizeof(fx.skip), "no cgroup2 mount: %s", strerror(-r));
		return 0;
	}
	snprintf(fx.cg, sizeof(fx.cg), "%s/test-probe-%d", mnt, (int)getpid());
	snprintf(fx.empty, sizeof(fx.empty), "%s/test-probe-%d-empty", mnt, (int)getpid());
	r = make_cgroup(fx.cg, &fx.cg_fd, &fx.cg_id);
	if (r >= 0)
		r = make_cgroup(fx.empty, &fx.empty_fd, &fx.empty_id);
	if (r < 0) {
		snprintf(fx.skip, sizeof(fx.skip), "cannot make a cgroup under %s: %s", mnt,
			 strerror(-r));
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(kids); i++) {
		fx.kids[i] = kids[i];
		kid_expect(&fx.kids[i]);
		fx.kids[i].pid = spawn(&fx.kids[i], fx.cg_fd);
		if (fx.kids[i].pid < 0 ||
		    (kids[i].variant == KID_LEADER_EXITS && wait_leader_zombie(fx.kids[i].pid) < 0)) {
			group_teardown(state);
			return -1;
		}
	}
	fx.outsider = spawn(&kids[0], -EBADF);
	return fx.outsider > 0 ? 0 : (group_teardown(state), -1);
}

static void reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

static void remove_cgroup(const char *path, int *fd)
{
	*fd = safe_close(*fd);
	if (!path[0])
		return;
	for (int i = 0; i < 100 && rmdir(path) < 0 && errno == EBUSY; i++)
		usleep(10 * 1000);
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(fx.kids); i++)
		reap(&fx.kids[i].pid);
	reap(&fx.outsider);
	remove_cgroup(fx.cg, &fx.cg_fd);
	remove_cgroup(fx.empty, &fx.empty_fd);
	return 0;
}

#define NEED_PROCESSES()                                                       \
	do {                                                                   \
		if (fx.skip[0]) {                                              \
			print_message("skip: %s\n", fx.skip);                  \
			skip();                                                \
		}                                                              \
	} while (0)

/* A probe of that mode, or a skip saying why bpf is not available. */
static struct probe *probe_or_skip(enum probe_mode mode)
{
	struct probe *p = NULL;
	char why[256] = "";
	int r = probe_new(mode, &p, why, sizeof(why));

	if (r < 0 && (mode == PROBE_BPF || mode == PROBE_BPF_TASKS)) {
		print_message("skip: %s\n", why);
		skip();
	}
	assert_int_equal(r, 0);
	return p;
}

static void run(struct probe *p, const struct probe_target *t, size_t n, struct probe_result *res)
{
	assert_int_equal(probe_run(p, t, n, res), 0);
	assert_true(res->n <= res->cap && res->cap <= PROBE_MAX_PROCS);
	assert_int_equal(res->dropped, 0);
}

static void print_result(const char *what, const struct probe_result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct proc_counts *c = &res->procs[i];

		print_message("%s: pid %d %s threads %u fds %u (socket %u pipe %u regular %u anon %u "
			      "other %u)\n", what, (int)c->tgid, c->comm, c->threads, c->nr_fds,
			      c->fds[FD_SOCKET], c->fds[FD_PIPE], c->fds[FD_REGULAR], c->fds[FD_ANON],
			      c->fds[FD_OTHER]);
	}
	print_message("%s: %zu processes, %.3f ms of CPU\n", what, res->n, res->cpu_ns / 1e6);
}

static void assert_kids(const struct probe_result *res)
{
	assert_int_equal(res->n, ELEMENTSOF(fx.kids));
	for (size_t i = 0; i < res->n; i++) {
		const struct proc_counts *c = &res->procs[i];
		const struct kid *k = NULL;
		uint32_t sum = 0;

		if (i > 0)
			assert_true(c->tgid > res->procs[i - 1].tgid);
		assert_int_not_equal(c->tgid, fx.outsider);
		for (size_t j = 0; j < ELEMENTSOF(fx.kids); j++)
			if (fx.kids[j].pid == c->tgid)
				k = &fx.kids[j];
		assert_non_null(k);
		assert_int_equal(c->cgroup_id, fx.cg_id);
		for (int kind = 0; kind < _FD_KIND_MAX; kind++) {
			assert_int_equal(c->fds[kind], k->fds[kind]);
			sum += c->fds[kind];
		}
		assert_int_equal(c->nr_fds, sum);
		assert_int_equal(c->threads, k->threads);
		assert_string_equal(c->comm, KID_COMM);
	}
}

static void assert_same(const struct probe_result *a, const struct probe_result *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct proc_counts *x = &a->procs[i], *y = &b->procs[i];

		assert_int_equal(x->tgid, y->tgid);
		assert_int_equal(x->cgroup_id, y->cgroup_id);
		assert_memory_equal(x->fds, y->fds, sizeof(x->fds));
		assert_int_equal(x->nr_fds, y->nr_fds);
		assert_int_equal(x->threads, y->threads);
		assert_string_equal(x->comm, y->comm);
	}
}

/* ---- tests ---- */

static void test_cgroup_id_of_fd(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(cgroup_id_of_fd(-EBADF), 0);
	NEED_PROCESSES();
	assert_int_equal(stat(fx.cg, &st), 0);
	assert_int_equal(cgroup_id_of_fd(fx.cg_fd), st.st_ino);
}

static void test_procfs_exact(void **state)
{
	_cleanup_(probe_result_done) struct probe_result res = {};
	struct probe *p;

	(void)state;
	NEED_PROCESSES();
	p = probe_or_skip(PROBE_PROCFS);
	assert_int_equal(probe_source(p), PROBE_SOURCE_PROCFS);
	run(p, &(struct probe_target){ fx.cg_id, fx.cg_fd }, 1, &res);
	print_result("procfs", &res);
	assert_kids(&res);
	probe_free(p);
}

/* From 6.7 (css_task kfuncs) auto must take the cgroup walk. */
static bool kernel_has_css_task_iter(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	return uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 && major * 100 + minor >= 607;
}

/* Each bpf walk (state: PROBE_BPF, the cgroups one here, or
 * PROBE_BPF_TASKS) gives exactly what procfs gives. */
static void test_bpf_equals_procfs(void **state)
{
	_cleanup_(probe_result_done) struct probe_result a = {}, b = {};
	const struct probe_target t = { fx.cg_id, fx.cg_fd };
	enum probe_mode mode = *(const enum probe_mode *)*state;
	struct probe *p, *q;

	NEED_PROCESSES();
	p = probe_or_skip(mode);
	assert_int_equal(probe_source(p), PROBE_SOURCE_BPF);
	print_message("walk: %s\n", probe_walk(p));
	if (mode == PROBE_BPF_TASKS || kernel_has_css_task_iter())
		assert_string_equal(probe_walk(p), mode == PROBE_BPF_TASKS ? "tasks" : "cgroups");
	q = probe_or_skip(PROBE_PROCFS);
	/* Twice: the second pass must not see the first one's counts. */
	for (int pass = 0; pass < 2; pass++) {
		run(p, &t, 1, &a);
		run(q, &t, 1, &b);
		print_result("bpf", &a);
		assert_kids(&a);
		assert_same(&a, &b);
	}
	probe_free(p);
	probe_free(q);
}

/* An empty target gives nothing; an empty target list too; a target twice
 * (or given by its fd only) counts its processes once. Once per source. */
static void test_targets(void **state)
{
	_cleanup_(probe_result_done) struct probe_result res = {};
	const struct probe_target twice[] = {
		{ fx.cg_id, fx.cg_fd }, { fx.empty_id, fx.empty_fd }, { 0, fx.cg_fd },
	};
	const struct probe_target empty = { fx.empty_id, fx.empty_fd };
	struct probe *p;

	NEED_PROCESSES();
	p = probe_or_skip(*(const enum probe_mode *)*state);
	run(p, &empty, 1, &res);
	assert_int_equal(res.n, 0);
	run(p, NULL, 0, &res);
	assert_int_equal(res.n, 0);
	run(p, twice, ELEMENTSOF(twice), &res);
	assert_kids(&res);
	run(p, &empty, 1, &res);
	assert_int_equal(res.n, 0);
	assert_int_equal(probe_run(p, twice, PROBE_MAX_CGROUPS + 1, &res), -E2BIG);
	assert_int_equal(probe_run(p, NULL, 1, &res), -EINVAL);
	probe_free(p);
}

static void test_auto(void **state)
{
	const char *expect = getenv("RV_EXPECT_PROBE_SOURCE");
	struct probe *p = NULL;
	char why[256] = "x";

	(void)state;
	assert_int_equal(probe_new(PROBE_AUTO, &p, why, sizeof(why)), 0);
	print_message("auto: %s%s%s%s\n", probe_source_to_string(probe_source(p)), why[0] ? " (" : "",
		      why, why[0] ? ")" : "");
	if (probe_source(p) == PROBE_SOURCE_PROCFS)
		assert_true(strncmp(why, "bpf: ", 5) == 0);
	else
		assert_string_equal(why, "");
	if (expect)
		assert_string_equal(probe_source_to_string(probe_source(p)), expect);
	probe_free(p);
}

int main(void)
{
	static const enum probe_mode procfs = PROBE_PROCFS, bpf = PROBE_BPF, tasks = PROBE_BPF_TASKS;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_id_of_fd),
		cmocka_unit_test(test_procfs_exact),
		{ "test_bpf_equals_procfs", test_bpf_equals_procfs, NULL, NULL, (void *)&bpf },
		{ "test_bpf_tasks_equals_procfs", test_bpf_equals_procfs, NULL, NULL, (void *)&tasks },
		{ "test_targets_procfs", test_targets, NULL, NULL, (void *)&procfs },
		{ "test_targets_bpf", test_targets, NULL, NULL, (void *)&bpf },
		{ "test_targets_bpf_tasks", test_targets, NULL, NULL, (void *)&tasks },
		cmocka_unit_test(test_auto),
	};

	/* RV_DEBUG=1: libbpf's messages (the verifier's log) on stderr. */
	if (getenv("RV_DEBUG"))
		log_set_max_level(LOG_LVL_DEBUG);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
