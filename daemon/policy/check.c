/* SPDX-License-Identifier: MIT */
/*
 * check.c: see check.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/fd_util.h"
#include "basic/log.h"
#include "basic/units.h"
#include "kernel/cgroup.h"
#include "policy/check.h"

/* At the instance's end: how long a killed probe cgroup may take to empty
 * before it is left for the daemon's exit sweep. */
#define CHECK_CGROUP_EMPTY_WAIT_MS 200

static void on_timer(struct loop *l, void *userdata);

void check_init(struct check *c, struct loop *l, const struct check_config *cfg, enum spawn_method method,
		int parent_cg_fd, bool has_kill, unsigned index, check_done_fn done, check_params_fn params,
		void *userdata)
{
	*c = (struct check){
		.loop = l, .cfg = cfg, .method = method, .done = done, .params = params, .userdata = userdata,
		.parent_cg_fd = parent_cg_fd, .has_kill = has_kill, .index = index,
		.cg_fd = -EBADF, .child = PIDREF_NULL, .errpipe = -EBADF,
	};
	loop_timer_init(&c->timer, on_timer, c);
	netcheck_init(&c->net);
	if (cfg->kind == CHECK_TCP || cfg->kind == CHECK_HTTP) {
		c->target.kind = cfg->kind == CHECK_TCP ? NETCHECK_TCP : NETCHECK_HTTP;
		memcpy(&c->target.addr.sa, &cfg->addr, sizeof(cfg->addr));
		c->target.addr.len = (socklen_t)cfg->addr_len;
		snprintf(c->target.addr.text, sizeof(c->target.addr.text), "%s", cfg->target ? cfg->target : "");
		snprintf(c->target.path, sizeof(c->target.path), "%s", cfg->path ? cfg->path : "/");
	}
}

static void cg_name(const struct check *c, unsigned gen, char *buf, size_t len)
{
	snprintf(buf, len, "probe-%u-%u", c->index, gen % 2);
}

/* Removes the cgroups of earlier runs that were killed, where they are gone. */
static void remove_stale(struct check *c)
{
	char name[32];

	for (unsigned g = 0; g < 2; g++) {
		if (!c->stale[g] || c->parent_cg_fd < 0)
			continue;
		cg_name(c, g, name, sizeof(name));
		int r = cgroup_rmdir(c->parent_cg_fd, name);
		if (r >= 0 || r == -ENOENT)
			c->stale[g] = false;
	}
}

/* After its run: a cgroup with anything left in it (a setsid grandchild)
 * is killed whole, and its name is not used again until it is gone. */
static void release_cgroup(struct check *c)
{
	if (c->cg_fd < 0)
		return;
	if (cgroup_populated(c->cg_fd) != 0) {
		(void)cgroup_kill(c->cg_fd, c->has_kill);
		c->stale[c->generation % 2] = true;
	} else {
		(void)cgroup_rmdir(c->parent_cg_fd, c->cg_name);
	}
	c->cg_fd = safe_close(c->cg_fd);
}

static void release_child(struct check *c)
{
	loop_remove(c->loop, c->child_source);
	c->child_source = LOOP_ID_NONE;
	if (c->pool && pidref_is_set(&c->child))
		(void)idmap_remove(&c->pool->children, (uint64_t)c->child.pid, c);
	pidref_done(&c->child);
	c->errpipe = safe_close(c->errpipe);
	release_cgroup(c);
}

/* Cancelled while it runs: killed whole and reaped now (SIGKILL is quick). */
static void kill_child(struct check *c)
{
	if (!pidref_is_set(&c->child))
		return;
	(void)pidref_kill_group(&c->child, SIGKILL);
	(void)pidref_kill(&c->child, SIGKILL);
	if (c->cg_fd >= 0)
		(void)cgroup_kill(c->cg_fd, c->has_kill);
	(void)waitid((idtype_t)P_PIDFD, (id_t)c->child.fd, &(siginfo_t){ 0 }, WEXITED);
	release_child(c);
}

void check_pool_init(struct check_pool *pool)
{
	*pool = (struct check_pool){
		.max = { CHECK_NET_IN_FLIGHT_MAX, CHECK_EXEC_IN_FLIGHT_MAX },
		.rnd = 0x9e3779b9u,
	};
}

void check_pool_done(struct check_pool *pool)
{
	idmap_done(&pool->children);
}

struct check *check_pool_find(const struct check_pool *pool, pid_t pid)
{
	return idmap_get(&pool->children, (uint64_t)pid);
}

static unsigned pool_kind(const struct check *c)
{
	return c->cfg->kind == CHECK_EXEC;
}

/* A place for this run; false: its kind is full, the run waits. */
static bool pool_take(struct check *c)
{
	struct check_pool *p = c->pool;
	if (!p)
		return true;
	if (p->running[pool_kind(c)] >= p->max[pool_kind(c)])
		return false;
	p->running[pool_kind(c)]++;
	c->in_pool = true;
	return true;
}

static void pool_release(struct check *c)
{
	if (!c->in_pool)
		return;
	c->pool->running[pool_kind(c)]--;
	c->in_pool = false;
}

static uint64_t pool_defer_ms(struct check_pool *p)
{
	uint32_t x = p->rnd;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	p->rnd = x;
	p->deferred++;
	return CHECK_DEFER_MIN_MS + x % CHECK_DEFER_SPREAD_MS;
}

static void finish(struct check *c, bool ok, const char *detail)
{
	uint64_t now = now_ns();

	pool_release(c);
	c->runs++;
	c->last_ok = ok;
	snprintf(c->last_detail, sizeof(c->last_detail), "%s", detail);
	c->last_duration_ms = (now - c->started_ns) / NSEC_PER_MSEC;
	c->last_ns = now;
	c->done(c, ok, c->last_detail, c->userdata);   /* may schedule the next, or free c's owner */
}

static void on_net(struct netcheck *n, int result, const char *detail, void *userdata)
{
	(void)n;
	finish(userdata, result == 0, detail);
}

static void exec_detail(const struct check *c, const struct spawn_error *e, const siginfo_t *si,
			char *buf, size_t len)
{
	char t[32];

	if (c->timed_out)
		snprintf(buf, len, "timed out after %s", format_duration_ms(c->cfg->timeout_ms, t, sizeof(t)));
	else if (e->step != SPAWN_STEP_NONE)
		snprintf(buf, len, "%s: %s", spawn_step_to_string((enum spawn_step)e->step), strerror(e->err));
	else if (si->si_code == CLD_EXITED)
		snprintf(buf, len, "exit %d", si->si_status);
	else
		snprintf(buf, len, "killed by %s", signal_name(si->si_status));
}

void check_child_exited(struct check *c)
{
	struct spawn_error e = { .step = SPAWN_STEP_NONE };
	char detail[CHECK_DETAIL_MAX];
	siginfo_t si = { 0 };

	if (!pidref_is_set(&c->child))
		return;
	/* Its session first, while the unreaped leader still pins the id. */
	(void)pidref_kill_group(&c->child, SIGKILL);
	if (pidref_reap(&c->child, &si) == 0)
		return;   /* not ended yet */
	if (c->errpipe >= 0 && spawn_read_error(c->errpipe, &e) != 1)
		e.step = SPAWN_STEP_NONE;
	loop_timer_stop(c->loop, &c->timer);
	release_child(c);
	exec_detail(c, &e, &si, detail, sizeof(detail));
	finish(c, !c->timed_out && e.step == SPAWN_STEP_NONE && si.si_code == CLD_EXITED && si.si_status == 0,
	       detail);
}

static void on_child(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	(void)l, (void)fd, (void)revents;
	check_child_exited(userdata);
}

/* The command's cgroup for this run: -EBADF without cgroups, or when one
 * cannot be made (the command still runs, in its own session). */
static int make_cgroup(struct check *c)
{
	if (c->parent_cg_fd < 0)
		return -EBADF;
	remove_stale(c);
	for (unsigned tries = 0; tries < 2; tries++) {
		c->generation++;
		if (c->stale[c->generation % 2])
			continue;
		cg_name(c, c->generation, c->cg_name, sizeof(c->cg_name));
		int fd, r = cgroup_mkdir_open(c->parent_cg_fd, c->cg_name, &fd);
		/* Born frozen under an ancestor frozen by hand: a child cloned
		 * into it would stop at birth and hold the daemon in the vfork. */
		if (r >= 0 && cgroup_frozen(fd) == 1) {
			safe_close(fd);
			(void)cgroup_rmdir(c->parent_cg_fd, c->cg_name);
			log_warn("probe %s: its cgroup is frozen (an ancestor's cgroup.freeze): running it "
				 "in its own session", c->cg_name);
			return -EBADF;
		}
		if (r >= 0)
			return fd;
		log_warn_errno(r, "probe %s: cannot make its cgroup: running it in its own session",
			       c->cg_name);
		return -EBADF;
	}
	return -EBADF;   /* both names still being emptied */
}

static int start_exec(struct check *c)
{
	struct spawn_params p = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1, .umask = -1 };
	int r;

	c->params(c, &p, c->userdata);
	p.argv = c->cfg->argv;
	c->cg_fd = make_cgroup(c);
	p.cgroup_fd = c->cg_fd;
	p.pass_fd_as = 0;
	c->timed_out = false;
	r = spawn_process(c->method, &p, &c->child, &c->errpipe);
	if (r >= 0 && c->pool)
		r = idmap_put(&c->pool->children, (uint64_t)c->child.pid, c);
	if (r >= 0)
		r = loop_add(c->loop, c->child.fd, POLLIN, on_child, c, &c->child_source);
	if (r >= 0)
		r = loop_timer_start(c->loop, &c->timer, now_ns() + c->cfg->timeout_ms * NSEC_PER_MSEC);
	if (r < 0) {
		kill_child(c);
		release_cgroup(c);
	}
	return r;
}

/* The timer: the next run is due, or the running command's time is up. */
static void on_timer(struct loop *l, void *userdata)
{
	struct check *c = userdata;
	char detail[CHECK_DETAIL_MAX];
	int r;

	(void)l;
	if (pidref_is_set(&c->child)) {
		/* Killed whole; its exit (pidfd) reports the timeout. */
		c->timed_out = true;
		(void)pidref_kill_group(&c->child, SIGKILL);
		if (c->cg_fd >= 0)
			(void)cgroup_kill(c->cg_fd, c->has_kill);
		return;
	}
	if (!pool_take(c)) {
		(void)check_schedule(c, pool_defer_ms(c->pool));
		return;
	}
	c->started_ns = now_ns();
	if (c->cfg->kind == CHECK_EXEC)
		r = start_exec(c);
	else
		r = netcheck_start(&c->net, c->loop, &c->target, c->cfg->timeout_ms, on_net, c);
	if (r < 0) {
		/* Counted as a failed check, so a lasting fault shows (and, for
		 * health, acts) instead of silently stopping the checks. */
		snprintf(detail, sizeof(detail), "cannot run: %s", strerror(-r));
		finish(c, false, detail);
	}
}

int check_schedule(struct check *c, uint64_t delay_ms)
{
	return loop_timer_start(c->loop, &c->timer, now_ns() + delay_ms * NSEC_PER_MSEC);
}

void check_cancel(struct check *c)
{
	loop_timer_stop(c->loop, &c->timer);
	netcheck_cancel(&c->net);
	kill_child(c);
	pool_release(c);
}

bool check_running(const struct check *c)
{
	return pidref_is_set(&c->child) || netcheck_busy(&c->net);
}

pid_t check_child_pid(const struct check *c)
{
	return pidref_is_set(&c->child) ? c->child.pid : 0;
}

void check_done(struct check *c)
{
	char name[32];

	check_cancel(c);
	if (c->parent_cg_fd < 0)
		return;
	for (unsigned g = 0; g < 2; g++) {
		if (!c->stale[g])
			continue;
		/* Killed earlier: the kernel needs a moment to empty it. */
		cg_name(c, g, name, sizeof(name));
		_cleanup_close_ int fd = openat(c->parent_cg_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			(void)cgroup_wait_empty(fd, CHECK_CGROUP_EMPTY_WAIT_MS);
		(void)cgroup_rmdir(c->parent_cg_fd, name);
		c->stale[g] = false;
	}
}
