/* SPDX-License-Identifier: MIT */
/*
 * test_probe_tree.c: the procfs probe's tree targets (probe_tree.c), used
 * without cgroups. A real process tree: root R (a session of its own)
 * with a child C that holds extra pipes, and a grandchild G whose parent
 * exited (it stays in R's session); beside it U, forked by the test but
 * not in R's tree. The tree target of R counts R, C and G, and not U; the
 * BPF source refuses tree targets.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe/probe.h"

#define TREE_KEY 0x8000000000000042ULL

struct tree {
	pid_t r, c, g, u;
};

/* Who is who: C and G report in either order. */
struct msg {
	char who;                       /* 'r', 'c', 'g' */
	pid_t pid;
};

static void report(int fd, char who, pid_t pid)
{
	struct msg m = { who, pid };
	if (write(fd, &m, sizeof(m)) != sizeof(m))
		_exit(1);
}

/* In R: C (with 4 pipes), then X, which forks G and exits; R reaps X. */
static void run_root(int rep)
{
	int p[2];

	setsid();
	report(rep, 'r', getpid());
	if (fork() == 0) {
		for (int i = 0; i < 2; i++)
			if (pipe(p) < 0)
				_exit(1);
		report(rep, 'c', getpid());
		for (;;)
			pause();
	}
	pid_t x = fork();
	if (x == 0) {
		if (fork() == 0) {
			report(rep, 'g', getpid());
			for (;;)
				pause();
		}
		_exit(0);
	}
	(void)waitpid(x, NULL, 0);
	for (;;)
		pause();
}

static void start_tree(struct tree *t)
{
	int rep[2];

	assert_int_equal(pipe(rep), 0);
	t->r = fork();
	assert_true(t->r >= 0);
	if (t->r == 0) {
		close(rep[0]);
		run_root(rep[1]);
	}
	t->u = fork();
	assert_true(t->u >= 0);
	if (t->u == 0) {
		for (;;)
			pause();
	}
	close(rep[1]);
	for (int i = 0; i < 3; i++) {
		struct msg m;
		assert_int_equal(read(rep[0], &m, sizeof(m)), sizeof(m));
		if (m.who == 'c')
			t->c = m.pid;
		else if (m.who == 'g')
			t->g = m.pid;
		else
			assert_int_equal(m.pid, t->r);
	}
	close(rep[0]);
	/* G's parent X exits right after forking it; give R the moment it
	 * takes to reap X, so that G is re-parented and X no zombie. */
	usleep(100 * 1000);
}

static void stop_tree(struct tree *t)
{
	(void)kill(-t->r, SIGKILL);   /* R's session is R's process group too */
	(void)kill(t->u, SIGKILL);
	(void)waitpid(t->r, NULL, 0);
	(void)waitpid(t->u, NULL, 0);
}

static const struct proc_counts *find(const struct probe_result *res, pid_t pid)
{
	for (size_t i = 0; i < res->n; i++)
		if (res->procs[i].tgid == pid)
			return &res->procs[i];
	return NULL;
}

static void test_tree_members(void **state)
{
	struct probe_result res = { 0 };
	struct probe *p = NULL;
	char why[128];
	struct tree t = { 0 };
	const struct probe_target target = { .cgroup_id = TREE_KEY, .cgroup_fd = -1 };

	(void)state;
	assert_int_equal(probe_new(PROBE_PROCFS, &p, why, sizeof(why)), 0);
	start_tree(&t);
	struct probe_target tt = target;
	tt.root_pid = t.r;
	int r = probe_run(p, &tt, 1, &res);
	stop_tree(&t);
	assert_int_equal(r, 0);
	for (size_t i = 0; i < res.n; i++)
		print_message("member: pid %d %s fds %u\n", (int)res.procs[i].tgid, res.procs[i].comm,
			      res.procs[i].nr_fds);
	assert_int_equal(res.n, 3);
	assert_non_null(find(&res, t.r));
	assert_non_null(find(&res, t.c));
	assert_non_null(find(&res, t.g));
	assert_null(find(&res, t.u));
	for (size_t i = 0; i < res.n; i++)
		assert_true(res.procs[i].cgroup_id == TREE_KEY);
	/* C holds R's fds (inherited) plus its own four pipe ends. */
	assert_int_equal(find(&res, t.c)->fds[FD_PIPE], find(&res, t.r)->fds[FD_PIPE] + 4);
	probe_result_done(&res);
	probe_free(p);
}

/* A root that is gone counts nothing; pid 1 and 0 are never roots. */
static void test_tree_gone(void **state)
{
	struct probe_result res = { 0 };
	struct probe *p = NULL;
	char why[128];
	pid_t dead = fork();

	(void)state;
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	assert_int_equal(probe_new(PROBE_PROCFS, &p, why, sizeof(why)), 0);
	const struct probe_target t[] = {
		{ .cgroup_id = TREE_KEY, .cgroup_fd = -1, .root_pid = dead },
		{ .cgroup_id = TREE_KEY + 1, .cgroup_fd = -1, .root_pid = 1 },
		{ .cgroup_id = TREE_KEY + 2, .cgroup_fd = -1, .root_pid = 0 },
	};
	assert_int_equal(probe_run(p, t, 3, &res), 0);
	assert_int_equal(res.n, 0);
	probe_result_done(&res);
	probe_free(p);
}

/* BPF keys on cgroups: a tree target is refused, not miscounted. */
static void test_tree_bpf_refused(void **state)
{
	struct probe_result res = { 0 };
	struct probe *p = NULL;
	char why[256] = "";
	const struct probe_target t = { .cgroup_id = TREE_KEY, .cgroup_fd = -1, .root_pid = getpid() };

	(void)state;
	if (probe_new(PROBE_BPF, &p, why, sizeof(why)) < 0) {
		print_message("skip: %s\n", why);
		skip();
	}
	assert_int_equal(probe_run(p, &t, 1, &res), -EOPNOTSUPP);
	probe_result_done(&res);
	probe_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_members),
		cmocka_unit_test(test_tree_gone),
		cmocka_unit_test(test_tree_bpf_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
