/* SPDX-License-Identifier: MIT */
/*
 * test_check.c: one periodic check (policy/check.c) on a real loop, with
 * real processes and, in the cgroup envs, a cgroup root of the test's own.
 *  - exec: exit 0 passes, exit 1 fails with "exit 1", a missing program
 *    fails with the exec error;
 *  - a probe that hangs, forks and leaves a setsid grandchild is killed
 *    whole at its timeout: with cgroups nothing of it is left, its cgroup
 *    is gone or empty, and the next run still works (a killed cgroup is
 *    never reused);
 *  - a probe that exits on time but leaves a grandchild: the grandchild is
 *    killed too (with cgroups);
 *  - check_cancel() during a run kills it and reaps it: no zombie, no fd;
 *  - tcp: a listening socket passes, a closed port fails;
 *  - the daemon-wide bound on probes in flight: runs wait their turn;
 *  - a probe whose cgroup is born frozen (its service's cgroup frozen by
 *    hand) runs in its own session instead: cloned into the frozen cgroup
 *    it would stop at birth and hold the daemon in the vfork (a watchdog
 *    turns that hang into a failure, cg_watchdog.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>

#include "cg_watchdog.h"
#include "policy_test_util.h"
#include "policy/check.h"

struct result {
	unsigned n;
	bool ok;
	char detail[CHECK_DETAIL_MAX];
};

static void on_done(struct check *c, bool ok, const char *detail, void *userdata)
{
	struct result *r = userdata;
	(void)c;
	r->n++;
	r->ok = ok;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
}

static void params(struct check *c, struct spawn_params *p, void *userdata)
{
	static char path[] = "PATH=/usr/bin:/bin";
	static char *const envp[] = { path, NULL };
	(void)c, (void)userdata;
	*p = (struct spawn_params){ .envp = envp, .umask = -1, .stdin_fd = -1, .stdout_fd = -1,
				    .stderr_fd = -1, .cgroup_fd = -1 };
}

/* A check of the first service's health in yaml, its cgroup beside the
 * test's instance 0. */
static void setup_check(struct fixture *fx, struct check *c, struct result *r, const char *yaml)
{
	const struct service_config *cfg = fx_load(fx, yaml);
	check_init(c, fx->loop, &cfg->health.check, fx->rt.spawn_method, fx_service_dir(fx, cfg),
		   fx->root.fd >= 0 && fx->root.has_kill, 0, on_done, params, r);
}

/* One run, to its result. */
static void run_once(struct fixture *fx, struct check *c, struct result *r)
{
	unsigned n = r->n;
	assert_int_equal(check_schedule(c, 0), 0);
	if (!RUN_UNTIL(fx->loop, r->n > n, 5000))
		fail_msg("no result within 5 s");
}

/* Processes whose command line holds marker (ours: a unique sleep);
 * with kill_them, each is SIGKILLed (by pid: they are this test's). */
static int marked(const char *marker, bool kill_them)
{
	DIR *d = opendir("/proc");
	int n = 0;

	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		char path[300], buf[256];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		int len = read_small(path, buf, sizeof(buf));
		for (int i = 0; i < len; i++)
			if (!buf[i])
				buf[i] = ' ';
		if (len > 0 && strstr(buf, marker)) {
			n++;
			if (kill_them)
				(void)kill((pid_t)atoi(e->d_name), SIGKILL);
		}
	}
	closedir(d);
	return n;
}

static int count_marked(const char *marker)
{
	return marked(marker, false);
}

#define EXEC(cmd, timeout) \
	"  svc:\n    command: [/bin/sleep, \"30\"]\n    health: {exec: [/bin/sh, -c, \"" cmd "\"], timeout: " timeout "}\n"

static void test_exec_results(void **state)
{
	struct fixture *fx = fx_get(state);
	struct check c;
	struct result r = { 0 };

	setup_check(fx, &c, &r, EXEC("exit ${X:-0}", "2s"));
	run_once(fx, &c, &r);
	assert_true(r.ok);
	assert_string_equal(r.detail, "exit 0");
	assert_int_equal(c.runs, 1);
	check_done(&c);
	/* A failing one, and one that cannot even exec. */
	fx->config = config_free(fx->config);
	setup_check(fx, &c, &r, EXEC("exit 1", "2s"));
	run_once(fx, &c, &r);
	assert_false(r.ok);
	assert_string_equal(r.detail, "exit 1");
	check_done(&c);
	fx->config = config_free(fx->config);
	setup_check(fx, &c, &r, "  svc:\n    command: [/bin/sleep, \"30\"]\n"
				"    health: {exec: [/nonexistent/rv-probe]}\n");
	run_once(fx, &c, &r);
	assert_false(r.ok);
	assert_string_equal(r.detail, "exec: No such file or directory");
	check_done(&c);
}

/* Hangs, forks, and leaves a grandchild in a session of its own: out of
 * reach of a process-group kill, not of cgroup.kill. */
#define HANG "setsid sleep 1000.301 & sleep 1000.302 & sleep 1000.303"

static void test_exec_timeout_kills_whole(void **state)
{
	struct fixture *fx = fx_get(state);
	struct check c;
	struct result r = { 0 };

	setup_check(fx, &c, &r, EXEC(HANG, "200ms"));
	int fds = fault_count_fds();   /* the service's cgroup dir is the fixture's */
	for (int round = 0; round < 3; round++) {
		run_once(fx, &c, &r);
		assert_false(r.ok);
		assert_string_equal(r.detail, "timed out after 200ms");
	}
	if (fx->root.fd >= 0) {
		/* Everything of every round is gone, the setsid one too. */
		assert_true(RUN_UNTIL(fx->loop, count_marked("1000.30") == 0, 2000));
	} else {
		/* Without cgroups the session dies; the setsid grandchild escapes
		 * it (said in docs/readiness.md): end it here. */
		assert_true(RUN_UNTIL(fx->loop, count_marked("1000.302") == 0 && count_marked("1000.303") == 0,
				      2000));
		(void)marked("1000.301", true);
		assert_true(RUN_UNTIL(fx->loop, count_marked("1000.301") == 0, 2000));
	}
	check_done(&c);
	assert_true(RUN_UNTIL(fx->loop, fault_count_fds() == fds, 1000));
}

static void test_exec_leftover_killed(void **state)
{
	struct fixture *fx = fx_get(state);
	struct check c;
	struct result r = { 0 };

	if (fx->root.fd < 0)
		skip();   /* only a cgroup can find a setsid grandchild */
	setup_check(fx, &c, &r, EXEC("setsid sleep 1000.401 & exit 0", "2s"));
	run_once(fx, &c, &r);
	assert_true(r.ok);
	assert_true(RUN_UNTIL(fx->loop, count_marked("1000.401") == 0, 2000));
	/* The killed cgroup is not reused: the next runs still pass. */
	run_once(fx, &c, &r);
	assert_true(r.ok);
	run_once(fx, &c, &r);
	assert_true(r.ok);
	assert_true(RUN_UNTIL(fx->loop, count_marked("1000.401") == 0, 2000));
	check_done(&c);
}

static void test_cancel_in_flight(void **state)
{
	struct fixture *fx = fx_get(state);
	struct check c;
	struct result r = { 0 };

	setup_check(fx, &c, &r, EXEC("exec sleep 1000.501", "10s"));
	int fds = fault_count_fds();
	assert_int_equal(check_schedule(&c, 0), 0);
	assert_true(RUN_UNTIL(fx->loop, check_running(&c) && count_marked("1000.501") == 1, 2000));
	pid_t pid = check_child_pid(&c);
	check_cancel(&c);
	assert_false(check_running(&c));
	assert_true(reaped(pid));
	assert_int_equal(r.n, 0);   /* no callback */
	assert_int_equal(count_marked("1000.501"), 0);
	check_done(&c);
	assert_int_equal(fault_count_fds(), fds);
}

static void test_tcp(void **state)
{
	struct fixture *fx = fx_get(state);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char yaml[256];
	struct check c;
	struct result r = { 0 };
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 8), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
	snprintf(yaml, sizeof(yaml), "  svc:\n    command: [/bin/true]\n    health: {tcp: \"127.0.0.1:%u\"}\n",
		 ntohs(a.sin_port));
	setup_check(fx, &c, &r, yaml);
	run_once(fx, &c, &r);
	assert_true(r.ok);
	assert_string_equal(r.detail, "connected");
	close(l);   /* the port closes: refused from now on */
	run_once(fx, &c, &r);
	assert_false(r.ok);
	assert_string_equal(r.detail, "connection refused");
	check_done(&c);
}

/* The daemon-wide bound: with room for one probe process, three checks
 * due at once run one after the other, never two at a time; the ones that
 * found it full waited (counted in deferred) and then ran. */
static void test_pool_bound(void **state)
{
	struct fixture *fx = fx_get(state);
	struct check_pool pool;
	struct check c[3];
	struct result r[3] = { 0 };
	unsigned most = 0;

	check_pool_init(&pool);
	pool.max[1] = 1;
	const struct service_config *cfg = fx_load(fx, EXEC("sleep 0.2", "5s"));
	for (int i = 0; i < 3; i++) {
		check_init(&c[i], fx->loop, &cfg->health.check, fx->rt.spawn_method, fx_service_dir(fx, cfg),
			   fx->root.fd >= 0 && fx->root.has_kill, (unsigned)i, on_done, params, &r[i]);
		c[i].pool = &pool;
		assert_int_equal(check_schedule(&c[i], 0), 0);
	}
	for (int turns = 0; turns < 10000 && (r[0].n + r[1].n + r[2].n) < 3; turns++) {
		(void)RUN_UNTIL(fx->loop, false, 10);
		unsigned running = check_running(&c[0]) + check_running(&c[1]) + check_running(&c[2]);
		most = MAX(most, running);
		assert_true(pool.running[1] <= 1);
		/* The reaper finds a running command's check by its pid. */
		assert_int_equal(pool.children.n, running);
		for (int i = 0; i < 3; i++)
			if (check_child_pid(&c[i]))
				assert_ptr_equal(check_pool_find(&pool, check_child_pid(&c[i])), &c[i]);
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].n, 1);
		assert_true(r[i].ok);
	}
	assert_int_equal(most, 1);
	assert_true(pool.deferred >= 2);
	assert_int_equal(pool.running[1], 0);
	assert_int_equal(pool.children.n, 0);
	for (int i = 0; i < 3; i++)
		check_done(&c[i]);
	check_pool_done(&pool);
}

static void test_exec_frozen_parent(void **state)
{
	struct fixture *fx = fx_get(state);
	struct check c;
	struct result r = { 0 };

	setup_check(fx, &c, &r, EXEC("exit 0", "2s"));
	int svc = fx_service_dir(fx, &fx->config->services[0]);
	assert_int_equal(cgroup_freeze(svc, true), 0);
	pid_t dog = watchdog_start(fx, 20);
	assert_int_equal(check_schedule(&c, 0), 0);
	bool done = RUN_UNTIL(fx->loop, r.n > 0, 5000);
	bool hung = watchdog_fired(dog);
	assert_int_equal(cgroup_freeze(svc, false), 0);
	assert_false(hung);
	assert_true(done);
	assert_true(r.ok);
	run_once(fx, &c, &r);   /* thawed: back in a cgroup of its own */
	assert_true(r.ok);
	check_done(&c);
}

#define T(f, e) cmocka_unit_test_prestate_setup_teardown(f, fx_setup, fx_teardown, &(e))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_exec_results, env_uring_cg), T(test_exec_results, env_epoll),
		T(test_exec_timeout_kills_whole, env_uring_cg), T(test_exec_timeout_kills_whole, env_epoll_cg),
		T(test_exec_timeout_kills_whole, env_epoll),
		T(test_exec_leftover_killed, env_uring_cg),
		T(test_cancel_in_flight, env_epoll_cg), T(test_cancel_in_flight, env_uring),
		T(test_tcp, env_uring), T(test_tcp, env_epoll),
		T(test_pool_bound, env_uring_cg), T(test_pool_bound, env_epoll),
		T(test_exec_frozen_parent, env_uring_cg), T(test_exec_frozen_parent, env_epoll_cg),
	};
	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
