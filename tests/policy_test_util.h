/* SPDX-License-Identifier: MIT */
/*
 * policy_test_util.h: what the policy-layer tests share: a struct runtime
 * built by hand around a real loop (the backend comes through cmocka's prestate), real
 * log capture and, when the env asks, a cgroup root of the test's own under the cgroup2 mount (entered by the test process, removed
 * in teardown). Service configs come from YAML through config_load(). The
 * runtime's hooks record what they are told (settled instances, runs of
 * the start timer). The loop only runs bounded: RUN_UNTIL() runs it in short slices
 * until a condition holds or a deadline passes. Teardown kills and reaps every process
 * a test started and removes every cgroup and file, also after a failed test.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "config/config_errors.h"
#include "kernel/cgroup_root.h"
#include "kernel/cgroup_watch.h"
#include "logs/logsys.h"
#include "policy/instance_free.h"
#include "policy/instance_spawn.h"
#include "policy/leakwatch.h"
#include "policy/service.h"
#include "policy/snapshot.h"
#include "fault.h"

#define MS NSEC_PER_MSEC

/* Every config starts with this: no copy of the children's output on our
 * stdout. */
#define YAML_HEAD "supervisor:\n  log: {forward: none}\nservices:\n"

struct env {
	enum loop_backend backend;
	bool cgroups;
	const char *name;
};
static struct env env_uring _unused_ = { LOOP_BACKEND_URING, false, "uring" };
static struct env env_epoll _unused_ = { LOOP_BACKEND_EPOLL, false, "epoll" };
static struct env env_uring_cg _unused_ = { LOOP_BACKEND_URING, true, "uring+cgroups" };
static struct env env_epoll_cg _unused_ = { LOOP_BACKEND_EPOLL, true, "epoll+cgroups" };

#define FX_MAX_INSTS 8
#define FX_MAX_SETTLES 64
#define FX_MAX_DIRS 4

/* One call of rt.settled; started_ns is of the process that ended. */
struct settle_rec {
	unsigned index;
	enum instance_state state;
	uint64_t at_ns, started_ns;
	struct exit_info exit;
};

struct fixture {
	const struct env *env;
	const char *unavailable;      /* why the env cannot run here: the test skips */
	char tmpdir[64], mount[256], root_path[512];
	struct loop *loop;
	struct logsys logs;
	bool logs_ready;
	struct cgroup_root root;      /* fd < 0 without cgroups */
	struct cgroup_watch *watch;
	struct runtime rt;
	struct config *config;
	/* services/<name> per service config used, -EBADF without cgroups */
	struct { const struct service_config *cfg; int fd; } dirs[FX_MAX_DIRS];
	size_t n_dirs;
	struct service svc;           /* fx_service(): its instances are the service's */
	bool have_svc, settle_service;   /* the hook calls service_settle(), as the supervisor does */
	struct instance *insts[FX_MAX_INSTS];   /* fx_instance(): freed in teardown */
	size_t n_insts;
	struct settle_rec settles[FX_MAX_SETTLES];
	size_t n_settles;
	unsigned freed, start_timer_runs;   /* service_settle() freed one; the start timer ran */
	struct snapshots sn;          /* <tmpdir>/snapshots */
	struct leakwatch lw;
	bool lw_started;
};

/* A file's text, NUL-terminated: its length, or -1. */
static inline int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return (int)n;
}

/* Does pid ignore sig (SigIgn in /proc/PID/status)? */
static inline bool proc_ignores(pid_t pid, int sig)
{
	char path[64], buf[4096];
	unsigned long long mask;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return false;
	const char *p = strstr(buf, "SigIgn:");
	return p && sscanf(p, "SigIgn: %llx", &mask) == 1 && (mask & (1ULL << (sig - 1)));
}

/* The cgroup v2 path of pid ("/..."), or "" when it cannot be read. */
static inline const char *proc_cgroup(pid_t pid, char *buf, size_t len)
{
	char path[64], all[4096];

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_small(path, all, sizeof(all)) < 0)
		return buf;
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "0::", 3))
			snprintf(buf, len, "%s", line + 3);
	return buf;
}

/* pid is no child of ours any more: it was reaped. */
static inline bool reaped(pid_t pid)
{
	siginfo_t si = { 0 };
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) < 0 && errno == ECHILD;
}

static inline int rm_one(const char *path, const struct stat *st _unused_, int flag _unused_,
			 struct FTW *ftw _unused_)
{
	return remove(path);
}

static inline void rm_rf(const char *path)
{
	if (path[0])
		(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Loads YAML text written to <dir>/<name>.yaml; fails the test on an error. */
static inline struct config *load_yaml(const char *dir, const char *name, const char *text)
{
	struct config_errors errs = { .n = 0 };
	struct config *c = NULL;
	char path[256];
	size_t n = strlen(text);

	snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	int r = config_load(path, &c, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_message("  %s\n", errs.lines[i]);
	config_errors_done(&errs);
	assert_int_equal(r, 0);
	return c;
}

/* ---- running the loop, bounded ---- */

static inline void fx_quit_cb(struct loop *l, void *u _unused_)
{
	loop_quit(l);
}

static inline void run_loop_for(struct loop *l, uint64_t ms)
{
	struct loop_timer t;

	loop_timer_init(&t, fx_quit_cb, NULL);
	assert_int_equal(loop_timer_start(l, &t, now_ns() + ms * MS), 0);
	assert_int_equal(loop_run(l), 0);
	loop_timer_stop(l, &t);
}

/* Runs the loop in 2 ms slices until cond holds (true) or timeout_ms
 * passed (false). */
#define RUN_UNTIL(l, cond, timeout_ms)                                           \
	__extension__({                                                          \
		uint64_t _end = now_ns() + (uint64_t)(timeout_ms) * MS;          \
		bool _ok;                                                        \
		while (!(_ok = (cond)) && now_ns() < _end)                       \
			run_loop_for((l), 2);                                    \
		_ok;                                                             \
	})

#define STATE(inst) instance_state_to_string((inst)->state)

/* The instance reaches state st within ms, or the test fails saying where
 * it is instead. */
#define assert_state_within(fx, inst, st, ms)                                             \
	do {                                                                              \
		if (!RUN_UNTIL((fx)->loop, (inst)->state == (st), (ms)))                  \
			fail_msg("%s.%u is %s, not %s after %d ms (last exit: %s)",       \
				 (inst)->cfg->name, (inst)->index, STATE(inst),           \
				 instance_state_to_string(st), (int)(ms),                 \
				 (inst)->last_exit.cause);                                \
	} while (0)

/* ---- the runtime's hooks ---- */

static inline void fx_on_settled(struct instance *inst, void *userdata)
{
	struct fixture *fx = userdata;

	if (fx->n_settles < FX_MAX_SETTLES)
		fx->settles[fx->n_settles++] = (struct settle_rec){
			.index = inst->index, .state = inst->state, .at_ns = now_ns(),
			.started_ns = inst->started_ns, .exit = inst->last_exit,
		};
	if (fx->settle_service && service_settle(inst->svc, inst))   /* may free inst */
		fx->freed++;
}

/* The supervisor's batched start, for one service. */
static inline void fx_on_start_timer(struct loop *l _unused_, void *userdata)
{
	struct fixture *fx = userdata;

	fx->start_timer_runs++;
	if (!fx->have_svc)
		return;
	for (uint32_t i = 0; i < fx->svc.n_instances; i++) {
		struct instance *inst = fx->svc.instances[i];
		if (inst && inst->start_pending) {
			inst->start_pending = false;
			instance_event(inst, EV_START, "test");
		}
	}
}

/* ---- setup and teardown ---- */

static inline void fx_cleanup(struct fixture *fx, int *rc);

static inline int fx_setup(void **state)
{
	static unsigned serial;
	const struct env *e = *state;
	struct fixture *fx = calloc(1, sizeof(*fx));
	int r;

	if (!fx)
		return -1;
	fx->env = e;
	fx->root = CGROUP_ROOT_NULL;
	fx->svc.cg_fd = -EBADF;
	fault_reset();
	signal(SIGCHLD, SIG_DFL);   /* an inherited SIG_IGN would reap our children */
	snprintf(fx->tmpdir, sizeof(fx->tmpdir), "/tmp/rv-policy-test.XXXXXX");
	if (!mkdtemp(fx->tmpdir)) {
		free(fx);
		return -1;
	}
	snapshots_init(&fx->sn, fx->tmpdir);
	*state = fx;
	r = loop_new(e->backend, 256, 256, &fx->loop);
	if (r < 0 && e->backend == LOOP_BACKEND_URING) {
		fx->unavailable = "io_uring cannot be set up here";
		return 0;
	}
	if (r < 0 || logsys_init(&fx->logs, fx->loop, true) < 0)
		goto fail;
	fx->logs_ready = true;
	if (e->cgroups) {
		if (geteuid() != 0 || cgroup2_mount_point(fx->mount, sizeof(fx->mount)) < 0) {
			fx->unavailable = "needs root and cgroup2";
			return 0;
		}
		snprintf(fx->root_path, sizeof(fx->root_path), "%s/rv-%s-%d-%u", fx->mount,
			 program_invocation_short_name, (int)getpid(), serial++);
		if (cgroup_root_open(fx->root_path, &fx->root) < 0 ||
		    cgroup_root_enter(&fx->root, CGROUP_CTRL_ALL) < 0 ||
		    cgroup_watch_new(fx->loop, 64, &fx->watch) < 0) {
			print_message("cannot set up the cgroup root %s\n", fx->root_path);
			goto fail;
		}
	}
	fx->rt = (struct runtime){
		.loop = fx->loop, .logs = &fx->logs, .spawn_method = spawn_probe(SPAWN_AUTO),
		.cg = &fx->root, .cg_reason = "cgroups are off in this test", .watch = fx->watch,
		.rnd_state = 0x9e3779b9u, .instance_capacity = 64,
		.settled = fx_on_settled, .userdata = fx,
	};
	loop_timer_init(&fx->rt.start_timer, fx_on_start_timer, fx);
	check_pool_init(&fx->rt.checks);
	return 0;
fail:
	fx_cleanup(fx, &r);
	*state = NULL;
	return -1;
}

static inline struct fixture *fx_get(void **state)
{
	struct fixture *fx = *state;

	if (fx->unavailable) {
		print_message("%s: %s, skipping\n", fx->env->name, fx->unavailable);
		skip();
	}
	return fx;
}

/* SIGKILL to the instance's process group, and waits until its main
 * process has died (left unreaped: instance_free() still signals its group,
 * which the zombie leader keeps ours). Returns the pid, 0 if none. */
static inline pid_t fx_kill_wait(struct instance *inst)
{
	siginfo_t si;

	if (!pidref_is_set(&inst->pid))
		return 0;
	pid_t pid = inst->pid.pid;
	(void)pidref_kill_group(&inst->pid, SIGKILL);
	(void)waitid((idtype_t)P_PIDFD, (id_t)inst->pid.fd, &si, WEXITED | WNOWAIT);
	return pid;
}

/* For nftw(FTW_DEPTH): a cgroup directory, deepest first, emptied (with
 * cgroup.kill) and removed. */
static inline int fx_rm_cgroup(const char *path, const struct stat *st _unused_, int flag,
			       struct FTW *ftw _unused_)
{
	int fd = flag == FTW_DP ? open(path, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;

	if (fd < 0)
		return 0;
	if (cgroup_count_procs(fd) > 0) {
		print_message("teardown: %s still held processes\n", path);
		(void)cgroup_kill(fd, true);
		(void)cgroup_wait_empty(fd, 2000);
	}
	close(fd);
	(void)rmdir(path);
	return 0;
}

static inline void fx_cleanup(struct fixture *fx, int *rc)
{
	pid_t pids[FX_MAX_INSTS + 64];
	size_t n = 0;
	siginfo_t si;

	fault_reset();
	fx->settle_service = false;
	if (fx->lw_started)
		leakwatch_stop(&fx->lw);
	/* Every process killed and dead, then the instances freed, then the
	 * zombies reaped. */
	for (size_t i = 0; i < fx->n_insts; i++)
		pids[n++] = fx_kill_wait(fx->insts[i]);
	for (uint32_t j = 0; fx->have_svc && j < fx->svc.n_instances && n < ELEMENTSOF(pids); j++)
		if (fx->svc.instances[j])
			pids[n++] = fx_kill_wait(fx->svc.instances[j]);
	for (size_t i = 0; i < fx->n_insts; i++)
		instance_free(fx->insts[i]);
	if (fx->have_svc)
		service_done(&fx->svc);
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			(void)waitid(P_PID, (id_t)pids[i], &si, WEXITED);
	for (size_t i = 0; i < fx->n_dirs; i++)
		safe_close(fx->dirs[i].fd);
	/* Whatever a test that failed half-way left below services/. */
	if (fx->root.fd >= 0) {
		char services[600];
		snprintf(services, sizeof(services), "%s/services", fx->root_path);
		(void)nftw(services, fx_rm_cgroup, 16, FTW_DEPTH | FTW_PHYS);
	}
	fx->watch = cgroup_watch_free(fx->watch);
	if (fx->loop)
		loop_timer_stop(fx->loop, &fx->rt.start_timer);
	fx->loop = loop_free(fx->loop);
	idmap_done(&fx->rt.pids);
	check_pool_done(&fx->rt.checks);
	if (fx->logs_ready)
		logsys_done(&fx->logs);
	fx->config = config_free(fx->config);
	snapshots_done(&fx->sn);
	if (fx->root.fd >= 0) {
		cgroup_root_done(&fx->root);
		if (access(fx->root_path, F_OK) == 0) {
			print_message("teardown: %s is left behind\n", fx->root_path);
			*rc = -1;
		}
	}
	rm_rf(fx->tmpdir);
	free(fx);
}

static inline int fx_teardown(void **state)
{
	int rc = 0;

	if (*state)   /* NULL: the setup failed and cleaned up */
		fx_cleanup(*state, &rc);
	return rc;
}

/* The config (YAML_HEAD and the given services); its first service. */
static inline const struct service_config *fx_load(struct fixture *fx, const char *services)
{
	char text[4096];

	assert_null(fx->config);
	snprintf(text, sizeof(text), YAML_HEAD "%s", services);
	fx->config = load_yaml(fx->tmpdir, "config", text);
	return &fx->config->services[0];
}

/* services/<name> of this service config (made on first use), -EBADF
 * without cgroups. */
static inline int fx_service_dir(struct fixture *fx, const struct service_config *c)
{
	for (size_t i = 0; i < fx->n_dirs; i++)
		if (fx->dirs[i].cfg == c)
			return fx->dirs[i].fd;
	assert_true(fx->n_dirs < FX_MAX_DIRS);
	int fd = -EBADF;
	if (fx->root.fd >= 0)
		assert_int_equal(cgroup_mkdir_open(fx->root.services_fd, c->name, &fd), 0);
	fx->dirs[fx->n_dirs].cfg = c;
	fx->dirs[fx->n_dirs++].fd = fd;
	return fd;
}

/* The fixture's struct service for c, with its cgroup. */
static inline struct service *fx_service(struct fixture *fx, const struct service_config *c)
{
	assert_false(fx->have_svc);
	service_init(&fx->svc, &fx->rt, c);
	fx->svc.cg_fd = fx_service_dir(fx, c);
	fx->have_svc = true;
	return &fx->svc;
}

/* A stopped instance of c, freed in teardown. */
static inline struct instance *fx_instance(struct fixture *fx, const struct service_config *c,
					   unsigned index)
{
	struct instance *inst = NULL;

	assert_true(fx->n_insts < FX_MAX_INSTS);
	assert_int_equal(instance_new(&fx->rt, &fx->svc, c, fx_service_dir(fx, c), index, &inst), 0);
	assert_int_equal(inst->state, STATE_STOPPED);
	fx->insts[fx->n_insts++] = inst;
	return inst;
}

/* Started and confirmed running (exec happened). */
static inline void fx_start_running(struct fixture *fx, struct instance *inst)
{
	instance_event(inst, EV_START, "test");
	assert_state_within(fx, inst, STATE_RUNNING, 5000);
	assert_true(pidref_is_set(&inst->pid));
}

/* The cgroup path (relative to the mount) of instance index of svc. */
static inline const char *fx_instance_cgroup(const struct fixture *fx, const char *svc,
					     unsigned index, char *buf, size_t len)
{
	snprintf(buf, len, "%s/services/%s/%u", fx->root_path + strlen(fx->mount), svc, index);
	return buf;
}

/* Does services/<svc>/<index> exist? */
static inline bool fx_instance_dir_exists(const struct fixture *fx, const char *svc, unsigned index)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "%s/%u", svc, index);
	return faccessat(fx->root.services_fd, rel, F_OK, 0) == 0;
}

static inline const struct settle_rec *fx_last_settle(const struct fixture *fx)
{
	assert_true(fx->n_settles > 0);
	return &fx->settles[fx->n_settles - 1];
}
