/* SPDX-License-Identifier: MIT */
/*
 * test_probe_scope.c: probe_set_scope(). A BPF pass by cgroup walks the
 * cgroups below the scope only (the daemon's services/, not every cgroup of
 * the host): two sibling cgroups a and b under a root of the test's own,
 * one process in each, both targets:
 *  - no scope, or the root as scope: both processes;
 *  - a as scope: a's process only, b's cgroup is not walked (and b's);
 *  - an O_PATH fd, as the daemon holds services/, is taken; -1 is the
 *    whole hierarchy again; an fd of no cgroup is refused, the scope kept;
 *  - the procfs source has no walk to scope: both, whatever the scope.
 * And the cgroup walk's other bound, its shared array (probe_limit_out()):
 * with room for no process, then for one, the others go through the hash
 * map, and each pass still equals procfs's, field by field.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "kernel/cgroup.h"
#include "probe/probe.h"
#include "probe_fixture.h"

static struct {
	char skip[800];
	char root[600], path[2][640];
	int root_fd, fd[2];
	uint64_t id[2];
	pid_t kid[2];
} fx = { .root_fd = -1, .fd = { -1, -1 } };

static int open_cg(const char *path, int *ret_fd)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	*ret_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return *ret_fd < 0 ? -errno : 0;
}

/* A child that joins the cgroup at fd and sleeps until killed. */
static pid_t kid_in(int fd)
{
	int ready[2];
	char c;
	pid_t p;

	if (pipe(ready) < 0)
		return -1;
	p = fork();
	if (p == 0) {
		close(ready[0]);
		if (cgroup_join(fd) < 0)
			_exit(1);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	bool joined = p > 0 && read(ready[0], &c, 1) == 0 && kill(p, 0) == 0;
	close(ready[0]);
	return joined ? p : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		if (fx.kid[i] > 0) {
			kill(fx.kid[i], SIGKILL);
			waitpid(fx.kid[i], NULL, 0);
		}
		if (fx.fd[i] >= 0)
			close(fx.fd[i]);
		rmdir(fx.path[i]);
	}
	if (fx.root_fd >= 0)
		close(fx.root_fd);
	rmdir(fx.root);
	return 0;
}

static int setup(void **state)
{
	char mnt[512];
	int r = cgroup2_mount(mnt, sizeof(mnt));

	(void)state;
	if (r < 0) {
		snprintf(fx.skip, sizeof(fx.skip), "no cgroup2 mount: %s", strerror(-r));
		return 0;
	}
	snprintf(fx.root, sizeof(fx.root), "%s/test-probe-scope-%d", mnt, (int)getpid());
	r = open_cg(fx.root, &fx.root_fd);
	for (int i = 0; r >= 0 && i < 2; i++) {
		snprintf(fx.path[i], sizeof(fx.path[i]), "%s/%c", fx.root, 'a' + i);
		r = open_cg(fx.path[i], &fx.fd[i]);
		fx.id[i] = r >= 0 ? cgroup_id_of_fd(fx.fd[i]) : 0;
		fx.kid[i] = r >= 0 ? kid_in(fx.fd[i]) : -1;
		if (r >= 0 && fx.kid[i] < 0)
			r = -EIO;
	}
	if (r < 0)
		snprintf(fx.skip, sizeof(fx.skip), "cannot make cgroups with a process under %s: %s", mnt,
			 strerror(-r));
	return 0;
}

/* probe_run() over both cgroups. */
static void run2(struct probe *p, struct probe_result *res)
{
	const struct probe_target t[2] = { { fx.id[0], fx.fd[0] }, { fx.id[1], fx.fd[1] } };

	assert_int_equal(probe_run(p, t, 2, res), 0);
	assert_int_equal(res->dropped, 0);
}

/* The pids a pass over both cgroups finds: bit i set for kid i. */
static unsigned pass(struct probe *p)
{
	struct probe_result res = { 0 };
	unsigned found = 0;

	run2(p, &res);
	for (size_t i = 0; i < res.n; i++)
		for (int k = 0; k < 2; k++)
			if (res.procs[i].tgid == fx.kid[k])
				found |= 1U << k;
	assert_int_equal(res.n, __builtin_popcount(found));   /* nothing else */
	probe_result_done(&res);
	return found;
}

/* A BPF probe by cgroup walk, or a skip saying why there is none. */
static struct probe *cgroup_walk_or_skip(void)
{
	struct probe *p = NULL;
	char why[256] = "";

	if (fx.skip[0])
		skip();
	if (probe_new(PROBE_BPF, &p, why, sizeof(why)) < 0) {
		print_message("skip: %s\n", why);
		skip();
	}
	if (strcmp(probe_walk(p), "cgroups") != 0) {
		print_message("skip: the %s walk has no scope and no array\n", probe_walk(p));
		probe_free(p);
		skip();
	}
	return p;
}

static void test_bpf_scope(void **state)
{
	struct probe *p = cgroup_walk_or_skip();

	(void)state;
	assert_int_equal(pass(p), 3);
	assert_int_equal(probe_set_scope(p, fx.fd[0]), 0);
	assert_int_equal(pass(p), 1);
	assert_int_equal(probe_set_scope(p, fx.fd[1]), 0);
	assert_int_equal(pass(p), 2);
	assert_int_equal(probe_set_scope(p, fx.root_fd), 0);
	assert_int_equal(pass(p), 3);
	assert_int_equal(probe_set_scope(p, fx.fd[0]), 0);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(probe_set_scope(p, null) < 0);   /* not a cgroup: the last scope stays */
	close(null);
	assert_int_equal(pass(p), 1);
	assert_int_equal(probe_set_scope(p, -1), 0);   /* the whole hierarchy again */
	assert_int_equal(pass(p), 3);
	probe_free(p);
}

static void test_bpf_spill(void **state)
{
	static const uint32_t limits[] = { 0, 1, PROBE_MAX_PROCS };
	struct probe *p = cgroup_walk_or_skip(), *q = NULL;

	(void)state;
	assert_int_equal(probe_new(PROBE_PROCFS, &q, NULL, 0), 0);
	for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
		struct probe_result a = { 0 }, b = { 0 };

		probe_limit_out(p, limits[i]);
		run2(p, &a);
		run2(q, &b);
		assert_int_equal(a.n, 2);
		assert_int_equal(b.n, 2);
		for (size_t k = 0; k < 2; k++) {
			assert_int_equal(a.procs[k].tgid, b.procs[k].tgid);
			assert_int_equal(a.procs[k].cgroup_id, b.procs[k].cgroup_id);
			assert_int_equal(a.procs[k].threads, b.procs[k].threads);
			assert_memory_equal(a.procs[k].fds, b.procs[k].fds, sizeof(a.procs[k].fds));
		}
		probe_result_done(&a);
		probe_result_done(&b);
	}
	probe_free(p);
	probe_free(q);
}

static void test_procfs_no_scope(void **state)
{
	struct probe *p = NULL;

	(void)state;
	if (fx.skip[0])
		skip();
	assert_int_equal(probe_new(PROBE_PROCFS, &p, NULL, 0), 0);
	assert_int_equal(probe_set_scope(p, fx.fd[0]), 0);
	assert_int_equal(pass(p), 3);
	probe_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpf_scope),
		cmocka_unit_test(test_bpf_spill),
		cmocka_unit_test(test_procfs_no_scope),
	};
	return cmocka_run_group_tests_name("probe scope", tests, setup, teardown);
}
