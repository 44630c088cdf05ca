/* SPDX-License-Identifier: MIT */
/*
 * test_supervisor.c: the whole supervisor (policy/supervisor.c) from a
 * config file, as `ringvisor run` starts it (daemon/main.c cmd_run), on
 * each backend: supervisor_new, supervisor_run until every instance runs
 * and an orphaned grandchild has been reaped, then supervisor_shutdown from
 * a loop timer: the shutdown completes, the exit code is 0 and every
 * process is reaped. With `cgroup_root: none`, and with a root of its own
 * under the cgroup2 mount: there each instance runs in
 * services/<svc>/<index>, the test process in supervisor/, and all of it
 * is gone after supervisor_free, fds included. What ignores its stop
 * signal is killed before shutdown_timeout. And the start refusals: a root
 * whose supervisor/ holds another live process is -EBUSY (and left alone;
 * one that holds only us is ours), a limit that cannot be enforced with
 * strict_limits is -EOPNOTSUPP (and the root is removed again).
 */
#include <sys/prctl.h>

#include "policy_test_util.h"
#include "policy/supervisor.h"

struct sup_fx {
	const struct env *env;
	char tmpdir[64];
	char mount[256];
	char root_path[512];
	char orig_cgroup[256];          /* the test process's, at setup */
	sigset_t mask;                  /* supervisor_new blocks signals: restored */
	struct supervisor *s;
	pid_t holder;                   /* sits in <root>/supervisor for the -EBUSY case */
	int hold_fd;                    /* closing it lets the holder go */
	struct cgroup_root own;         /* the test process's own use of the root */
};

static int sup_setup(void **state)
{
	static unsigned serial;
	struct sup_fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->env = *state;
	f->own = CGROUP_ROOT_NULL;
	f->hold_fd = -EBADF;
	sigprocmask(SIG_SETMASK, NULL, &f->mask);
	signal(SIGCHLD, SIG_DFL);
	snprintf(f->tmpdir, sizeof(f->tmpdir), "/tmp/rv-supervisor-test.XXXXXX");
	if (!mkdtemp(f->tmpdir)) {
		free(f);
		return -1;
	}
	proc_cgroup(getpid(), f->orig_cgroup, sizeof(f->orig_cgroup));
	if (cgroup2_mount_point(f->mount, sizeof(f->mount)) == 0)
		snprintf(f->root_path, sizeof(f->root_path), "%s/rv-%s-%d-%u", f->mount,
			 program_invocation_short_name, (int)getpid(), serial++);
	*state = f;
	return 0;
}

static bool release_root(struct sup_fx *f);

static int sup_teardown(void **state)
{
	struct sup_fx *f = *state;
	char self[32];
	int rc = 0;

	f->s = supervisor_free(f->s);
	(void)release_root(f);
	cgroup_root_done(&f->own);
	/* Whatever a failed test left: every process of ours reaped, the test
	 * process back where it was, the cgroups removed. */
	uint64_t end = now_ns() + 2000 * MS;
	while (waitpid(-1, NULL, WNOHANG) >= 0 && now_ns() < end)
		usleep(1000);
	if (f->root_path[0] && access(f->root_path, F_OK) == 0) {
		char procs[600];
		print_message("teardown: %s is left behind\n", f->root_path);
		rc = -1;
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", f->mount);
		snprintf(self, sizeof(self), "%d", (int)getpid());
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, self, strlen(self));
			close(fd);
		}
		(void)nftw(f->root_path, fx_rm_cgroup, 16, FTW_DEPTH | FTW_PHYS);
	}
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	sigprocmask(SIG_SETMASK, &f->mask, NULL);
	rm_rf(f->tmpdir);
	free(f);
	return rc;
}

static struct sup_fx *sup_get(void **state)
{
	struct sup_fx *f = *state;

	if (f->env->cgroups && (geteuid() != 0 || !f->root_path[0])) {
		print_message("needs root and cgroup2, skipping\n");
		skip();
	}
	return f;
}

/* supervisor_new() from this config text, as cmd_run fills the options. */
static int sup_new(struct sup_fx *f, const char *root, const char *extra_supervisor, const char *services)
{
	char text[4096], sock[128];

	snprintf(text, sizeof(text),
		 "supervisor:\n  cgroup_root: %s\n  probe: procfs\n"
		 "  state_dir: %s/state\n  log: {forward: none}\n%s%sservices:\n%s",
		 root, f->tmpdir, strstr(extra_supervisor, "shutdown_timeout") ? "" : "  shutdown_timeout: 2s\n",
		 extra_supervisor, services);
	struct config *c = load_yaml(f->tmpdir, "ringvisor", text);
	snprintf(sock, sizeof(sock), "%s/control.sock", f->tmpdir);
	struct supervisor_options o = {
		.config_path = c->path, .socket_path = sock, .backend = f->env->backend,
		.spawn = SPAWN_AUTO, .front_sources = 64,
	};
	int r = supervisor_new(&o, c, &f->s);   /* takes c, also on failure */
	if (r == -EOPNOTSUPP || r == -EBUSY || r == 0)
		return r;
	if (f->env->backend == LOOP_BACKEND_URING) {
		print_message("cannot start on io_uring here (%s), skipping\n", strerror(-r));
		skip();
	}
	return r;
}

/* ---- one run, driven from a loop timer ---- */

#define MAX_PROCS 8

struct driver {
	struct supervisor *s;
	struct loop_timer poll, guard;
	uint64_t min_orphans;           /* reaped before the shutdown */
	bool want_term_ignored;         /* every main process ignores SIGTERM before it */
	bool shut, timed_out, find_ok;
	uint64_t shut_ns;
	size_t n;
	pid_t pids[MAX_PROCS];
	char want_cg[MAX_PROCS][128];   /* services/<svc>/<index> */
	char cgroup[MAX_PROCS][256];    /* where each process was */
	char self_cgroup[256];
};

static void drive(struct loop *l, void *userdata)
{
	struct driver *d = userdata;
	struct supervisor *s = d->s;
	bool ready = s->orphans_reaped >= d->min_orphans;

	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++) {
			struct instance *inst = s->services[i].instances[j];
			ready &= inst && inst->state == STATE_RUNNING &&
				 (!d->want_term_ignored || proc_ignores(inst->pid.pid, SIGTERM));
		}
	if (!ready) {
		(void)loop_timer_start(l, &d->poll, now_ns() + 5 * MS);
		return;
	}
	d->find_ok = !supervisor_find_pid(s, getpid());
	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances && d->n < MAX_PROCS; j++) {
			struct instance *inst = s->services[i].instances[j];
			d->pids[d->n] = inst->pid.pid;
			d->find_ok &= supervisor_find_pid(s, inst->pid.pid) == inst;
			snprintf(d->want_cg[d->n], sizeof(d->want_cg[0]), "/services/%s/%u",
				 s->services[i].cfg->name, j);
			proc_cgroup(inst->pid.pid, d->cgroup[d->n], sizeof(d->cgroup[0]));
			d->n++;
		}
	proc_cgroup(getpid(), d->self_cgroup, sizeof(d->self_cgroup));
	d->shut = true;
	d->shut_ns = now_ns();
	supervisor_shutdown(s, "test");
}

static void guard(struct loop *l _unused_, void *userdata)
{
	struct driver *d = userdata;

	d->timed_out = true;
	supervisor_shutdown(d->s, "test guard");
}

static int run_driven(struct supervisor *s, struct driver *d, uint64_t min_orphans, bool term_ignored)
{
	*d = (struct driver){ .s = s, .min_orphans = min_orphans, .want_term_ignored = term_ignored };
	loop_timer_init(&d->poll, drive, d);
	loop_timer_init(&d->guard, guard, d);
	assert_int_equal(loop_timer_start(s->loop, &d->poll, now_ns()), 0);
	assert_int_equal(loop_timer_start(s->loop, &d->guard, now_ns() + 5000 * MS), 0);
	int rc = supervisor_run(s);
	loop_timer_stop(s->loop, &d->poll);
	loop_timer_stop(s->loop, &d->guard);
	return rc;
}

/* Two sleepers, and one whose grandchild is orphaned (setsid in a
 * subshell that exits at once) and dies 200 ms later: ours to reap. */
#define RUN_SERVICES                                                          \
	"  web:\n    command: [/bin/sleep, \"30\"]\n    instances: 2\n"         \
	"  orphan:\n    command: [/bin/sh, -c, \"(setsid sleep 0.2 &); exec sleep 30\"]\n"

static void check_run(struct sup_fx *f, struct driver *d, int rc)
{
	struct supervisor *s = f->s;

	assert_false(d->timed_out);
	assert_true(d->shut);
	assert_int_equal(rc, 0);
	assert_true(s->shutdown_done);
	assert_true(d->find_ok);
	assert_int_equal(d->n, 3);
	assert_true(s->orphans_reaped >= 1);
	assert_int_equal(s->rt.live_processes, 0);
	for (size_t i = 0; i < d->n; i++)
		assert_true(reaped(d->pids[i]));
	for (size_t i = 0; i < s->n_services; i++)
		for (uint32_t j = 0; j < s->services[i].n_instances; j++)
			assert_int_equal(s->services[i].instances[j]->state, STATE_STOPPED);
}

static void test_run_without_cgroups(void **state)
{
	struct sup_fx *f = sup_get(state);
	int fds = fault_count_fds();
	struct driver d;

	assert_int_equal(sup_new(f, "none", "", RUN_SERVICES), 0);
	struct supervisor *s = f->s;
	assert_true(s->cg.root.fd < 0);
	assert_non_null(strstr(s->cg.reason, "none"));
	/* The leak watch goes on, by process tree from /proc. */
	assert_string_equal(leakwatch_source(&s->leaks), "procfs");
	assert_true(s->leaks.tree);
	assert_non_null(strstr(s->leaks.probe_why, "process tree"));
	assert_non_null(supervisor_find_service(s, "web"));
	assert_ptr_equal(supervisor_find_service(s, "orphan"), &s->services[1]);
	assert_null(supervisor_find_service(s, "nope"));

	check_run(f, &d, run_driven(s, &d, 1, false));
	f->s = supervisor_free(f->s);
	assert_int_equal(fault_count_fds(), fds);        /* no fd of its own left open */
}

static void test_run_with_cgroups(void **state)
{
	struct sup_fx *f = sup_get(state);
	const char *rel = f->root_path + strlen(f->mount);
	char want[256], got[256];
	int fds = fault_count_fds();
	struct driver d;

	assert_int_equal(sup_new(f, f->root_path, "", RUN_SERVICES), 0);
	struct supervisor *s = f->s;
	assert_true(s->cg.root.fd >= 0);
	assert_string_equal(s->cg.root.path, f->root_path);
	assert_string_equal(leakwatch_source(&s->leaks), "procfs");

	check_run(f, &d, run_driven(s, &d, 1, false));
	for (size_t i = 0; i < d.n; i++) {
		snprintf(want, sizeof(want), "%s%s", rel, d.want_cg[i]);
		assert_string_equal(d.cgroup[i], want);
	}
	snprintf(want, sizeof(want), "%s/supervisor", rel);
	assert_string_equal(d.self_cgroup, want);

	/* At exit every cgroup it made is removed, and we are back. */
	f->s = supervisor_free(f->s);
	assert_int_equal(access(f->root_path, F_OK), -1);
	assert_string_equal(proc_cgroup(getpid(), got, sizeof(got)), f->orig_cgroup);
	assert_int_equal(fault_count_fds(), fds);
}

/* What ignores its stop signal is killed shortly before shutdown_timeout
 * (a tenth of it earlier), and the shutdown still completes: exit code 0. */
static void test_shutdown_kills_what_ignores_it(void **state)
{
	struct sup_fx *f = sup_get(state);
	struct driver d;

	assert_int_equal(sup_new(f, "none", "  shutdown_timeout: 1s\n",
				 "  stubborn:\n    command: [/bin/sh, -c, \"trap '' TERM; while :; do sleep 1; done\"]\n"
				 "    stop: {timeout: 1m}\n"), 0);
	int rc = run_driven(f->s, &d, 0, true);
	uint64_t took = now_ns() - d.shut_ns;
	struct instance *inst = f->s->services[0].instances[0];

	assert_false(d.timed_out);
	assert_int_equal(rc, 0);
	assert_true(took >= 850 * MS);                    /* it waited for the stop signal */
	assert_int_equal(inst->state, STATE_STOPPED);
	assert_int_equal(inst->last_exit.signal, SIGKILL);
	assert_true(reaped(d.pids[0]));
	assert_int_equal(f->s->rt.live_processes, 0);
}

/*
 * A child that sits in <root>/supervisor like a live daemon, until
 * f->hold_fd is closed (by us, or by our death: a crash in the code under
 * test included); then it leaves and removes the root.
 */
static void hold_root(struct sup_fx *f)
{
	char sup[600], procs[640], top[300], byte;
	int ready[2], hold[2];

	assert_int_equal(mkdir(f->root_path, 0755), 0);
	snprintf(sup, sizeof(sup), "%s/supervisor", f->root_path);
	assert_int_equal(mkdir(sup, 0755), 0);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", sup);
	snprintf(top, sizeof(top), "%s/cgroup.procs", f->mount);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	f->holder = fork();
	assert_true(f->holder >= 0);
	if (f->holder == 0) {
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		close(hold[1]);
		if (fd < 0 || write(fd, "0", 1) != 1 || write(ready[1], "x", 1) != 1)
			_exit(1);
		close(fd);
		while (read(hold[0], &byte, 1) < 0 && errno == EINTR)
			;
		fd = open(top, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(1);
		_exit(rmdir(sup) == 0 && rmdir(f->root_path) == 0 ? 0 : 1);
	}
	close(ready[1]);
	close(hold[0]);
	f->hold_fd = hold[1];
	assert_int_equal(read(ready[0], &byte, 1), 1);   /* EOF: it could not get in */
	close(ready[0]);
}

/* The holder leaves and removes the root: true if it did. */
static bool release_root(struct sup_fx *f)
{
	int status = -1;

	if (f->holder <= 0)
		return true;
	f->hold_fd = safe_close(f->hold_fd);
	waitpid(f->holder, &status, 0);
	f->holder = 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * The daemon here sits in "/", a path shorter than "/supervisor": the
 * check once compared from 10 bytes before its buffer (ASan:
 * stack-buffer-overflow), so this runs last.
 */
static void test_root_held_by_live_daemon(void **state)
{
	struct sup_fx *f = sup_get(state);
	char path[600], procs[64], got[256];

	hold_root(f);
	assert_int_equal(sup_new(f, f->root_path, "", RUN_SERVICES), -EBUSY);
	assert_null(f->s);
	/* The other's root is left as it was. */
	snprintf(path, sizeof(path), "%s/supervisor/cgroup.procs", f->root_path);
	assert_true(read_small(path, procs, sizeof(procs)) > 0);
	assert_int_equal(atoi(procs), f->holder);
	assert_string_equal(proc_cgroup(getpid(), got, sizeof(got)), f->orig_cgroup);

	assert_true(release_root(f));
	assert_int_equal(access(f->root_path, F_OK), -1);
}

/*
 * The process in <root>/supervisor may be the daemon itself (restarted in
 * place): that root is its own, not busy. (cgroup_root_open() once tested
 * `!strstr(full, me)`, which never let it in.)
 */
static void test_root_held_by_ourselves(void **state)
{
	struct sup_fx *f = sup_get(state);

	assert_int_equal(cgroup_root_open(f->root_path, &f->own), 0);
	assert_int_equal(cgroup_root_enter(&f->own, CGROUP_CTRL_ALL), 0);
	assert_int_equal(sup_new(f, f->root_path, "", RUN_SERVICES), 0);
}

static bool host_has_pids(const struct sup_fx *f)
{
	char path[300], buf[256];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", f->mount);
	return read_small(path, buf, sizeof(buf)) > 0 && strstr(buf, "pids");
}

#define CAPPED "  capped:\n    command: [/bin/sleep, \"30\"]\n    limits: {pids_max: 16}\n"

static void test_strict_limits_refuse(void **state)
{
	struct sup_fx *f = sup_get(state);
	const char *root = f->env->cgroups ? f->root_path : "none";
	char got[256];

	if (f->env->cgroups && host_has_pids(f)) {
		print_message("the pids controller is available here: the limit is enforceable\n");
		skip();
	}
	/* Without strict_limits the limit is only reported. */
	assert_int_equal(sup_new(f, root, "", CAPPED), 0);
	f->s = supervisor_free(f->s);
	/* With it, the start is refused, and nothing is left behind. */
	assert_int_equal(sup_new(f, root, "  strict_limits: true\n", CAPPED), -EOPNOTSUPP);
	assert_null(f->s);
	if (f->env->cgroups)
		assert_int_equal(access(f->root_path, F_OK), -1);
	assert_string_equal(proc_cgroup(getpid(), got, sizeof(got)), f->orig_cgroup);
}

#define T(fn, e) cmocka_unit_test_prestate_setup_teardown(fn, sup_setup, sup_teardown, &(e))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_run_without_cgroups, env_uring),
		T(test_run_without_cgroups, env_epoll),
		T(test_run_with_cgroups, env_uring_cg),
		T(test_run_with_cgroups, env_epoll_cg),
		T(test_shutdown_kills_what_ignores_it, env_epoll),
		T(test_strict_limits_refuse, env_epoll_cg),
		T(test_strict_limits_refuse, env_epoll),
		T(test_root_held_by_ourselves, env_epoll_cg),
		T(test_root_held_by_live_daemon, env_epoll_cg),
	};

	return cmocka_run_group_tests_name("supervisor", tests, NULL, NULL);
}
