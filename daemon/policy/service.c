/* SPDX-License-Identifier: MIT */
/*
 * service.c: the life of one instance. state_next() (state.c) decides which
 * state follows an event; the functions here perform the entry actions:
 * spawn, signal, arm a timer, log the event line.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "basic/log.h"
#include "policy/supervisor.h"
#include "basic/units.h"

static void on_timer(struct loop *l, void *userdata);
static void enter(struct instance *inst, enum instance_state next, const char *why);

int instance_new(struct service *svc, unsigned index, struct instance **ret)
{
	struct instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return -ENOMEM;
	inst->svc = svc;
	inst->index = index;
	inst->state = STATE_STOPPED;
	inst->state_since_ns = now_ns();
	inst->pid = PIDREF_NULL;
	inst->errpipe = -EBADF;
	inst->cg_fd = -EBADF;
	inst->wd_events = inst->wd_memory = inst->wd_pids = -1;
	loop_timer_init(&inst->timer, on_timer, inst);
	const struct log_config *lc = &svc->cfg->log;
	int r = logstream_new(&svc->sup->logs, lc, svc->cfg->name, index, false, &inst->log_out);
	if (r >= 0 && lc->stderr_mode == LOG_STDERR_SEPARATE)
		r = logstream_new(&svc->sup->logs, lc, svc->cfg->name, index, true, &inst->log_err);
	if (r < 0) {
		log_error_errno(r, "%s.%u: cannot set up its output pipes", svc->cfg->name, index);
		logstream_close(inst->log_out);
		free(inst);
		return r;
	}
	*ret = inst;
	return 0;
}

static struct loop *inst_loop(const struct instance *inst) { return inst->svc->sup->loop; }

static void close_errpipe(struct instance *inst)
{
	loop_remove(inst_loop(inst), inst->err_source);
	inst->err_source = LOOP_ID_NONE;
	inst->errpipe = safe_close(inst->errpipe);
}

/* Forget the main process (already reaped, or about to be abandoned). */
static void drop_process(struct instance *inst)
{
	if (!pidref_is_set(&inst->pid))
		return;
	loop_remove(inst_loop(inst), inst->pid_source);
	inst->pid_source = LOOP_ID_NONE;
	pidref_done(&inst->pid);
	inst->svc->sup->live_processes--;
}

void instance_free(struct instance *inst)
{
	if (!inst)
		return;
	loop_timer_stop(inst_loop(inst), &inst->timer);
	close_errpipe(inst);
	if (pidref_is_set(&inst->pid)) {
		/* Only at daemon teardown after the shutdown deadline: do not
		 * leave it running unsupervised. */
		(void)pidref_kill_group(&inst->pid, SIGKILL);
		drop_process(inst);
	}
	if (inst->awaiting_empty) {
		inst->awaiting_empty = false;
		inst->svc->sup->live_processes--;
	}
	instance_cgroup_kill(inst);
	instance_cgroup_release(inst);
	instance_leak_done(inst);
	breaker_done(&inst->breaker);
	logstream_close(inst->log_out);
	logstream_close(inst->log_err);
	free(inst);
}


#define LOG_INST(inst, event, ...) log_event(event, (inst)->svc->cfg->name, (int)(inst)->index, __VA_ARGS__)

static void on_pidfd(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	(void)l, (void)fd, (void)revents;
	instance_handle_exit(userdata);
}

static void on_errpipe(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	struct instance *inst = userdata;
	struct spawn_error e;
	(void)l, (void)revents;

	int r = spawn_read_error(fd, &e);
	if (r == -EAGAIN)
		return;
	close_errpipe(inst);
	if (r == 1) {
		/* The child failed before exec; its exit follows on the pidfd. */
		inst->exec_error = e;
		return;
	}
	instance_event(inst, EV_EXEC_OK, "exec");
}

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * The child's environment is built, not inherited: the service's `env`, a
 * default PATH unless it sets one, and RINGVISOR_SERVICE / RINGVISOR_INDEX.
 * envp must hold n_env + 4 entries.
 */
static void build_env(const struct instance *inst, char **envp, char *svc_var, size_t svc_len,
		      char *idx_var, size_t idx_len)
{
	const struct service_config *c = inst->svc->cfg;
	bool has_path = false;
	size_t n = 0;

	for (size_t i = 0; i < c->n_env; i++) {
		has_path |= !strncmp(c->env[i], "PATH=", 5);
		envp[n++] = c->env[i];
	}
	if (!has_path)
		envp[n++] = (char *)DEFAULT_PATH;
	snprintf(svc_var, svc_len, "RINGVISOR_SERVICE=%s", c->name);
	snprintf(idx_var, idx_len, "RINGVISOR_INDEX=%u", inst->index);
	envp[n++] = svc_var;
	envp[n++] = idx_var;
	envp[n] = NULL;
}

static int do_spawn(struct instance *inst)
{
	const struct service_config *c = inst->svc->cfg;
	struct supervisor *sup = inst->svc->sup;
	char svc_var[32 + CONFIG_MAX_NAME_LEN], idx_var[40];
	char *envp[CONFIG_MAX_ENV + 4];

	build_env(inst, envp, svc_var, sizeof(svc_var), idx_var, sizeof(idx_var));
	struct spawn_params p = {
		.argv = c->argv, .envp = envp, .cwd = c->cwd,
		.umask = c->has_umask ? (int)c->umask : -1, .nofile = c->nofile,
		.has_uid = c->has_uid, .has_gid = c->has_gid, .uid = c->uid, .gid = c->gid,
		.groups = c->groups, .n_groups = c->n_groups,
		.keep_caps = c->caps, .n_keep_caps = c->n_caps,
		.stdin_fd = -1, .stdout_fd = inst->log_out->wfd,
		.stderr_fd = inst->log_err ? inst->log_err->wfd : inst->log_out->wfd,
	};
	int errpipe, r;

	r = instance_cgroup_prepare(inst);
	if (r < -1)
		return r;
	p.cgroup_fd = r;

	r = spawn_process(sup->spawn_method, &p, &inst->pid, &errpipe);
	if (r < 0)
		return r;
	sup->live_processes++;
	/* A new process: the old one's fd and thread trend says nothing of it. */
	leak_history_reset(&inst->leak.hist);
	inst->leak.trend = (struct leak_trend){ 0 };
	inst->errpipe = errpipe;
	inst->exec_error = (struct spawn_error){ 0 };
	inst->started_ns = now_ns();
	inst->kill_sent = false;
	r = loop_add(sup->loop, inst->pid.fd, POLLIN, on_pidfd, inst, &inst->pid_source);
	if (r >= 0)
		r = loop_add(sup->loop, errpipe, POLLIN, on_errpipe, inst, &inst->err_source);
	if (r < 0) {
		/* Without a watch we could never reap it: kill and reap now. */
		siginfo_t si;
		(void)pidref_kill_group(&inst->pid, SIGKILL);
		(void)waitid((idtype_t)P_PIDFD, (id_t)inst->pid.fd, &si, WEXITED);
		close_errpipe(inst);
		drop_process(inst);
		return r;
	}
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)inst->pid.pid);
	LOG_INST(inst, "start", "pid", pid, NULL);
	return 0;
}

static void record_exit(struct instance *inst, const siginfo_t *si, bool reaped)
{
	struct exit_info *x = &inst->last_exit;
	*x = (struct exit_info){ .valid = true, .at_ns = now_ns() };
	if (!reaped) {
		snprintf(x->cause, sizeof(x->cause), "lost");
	} else if (si->si_code == CLD_EXITED) {
		x->has_code = true;
		x->code = si->si_status;
	} else {
		x->signal = si->si_status;
	}
	if (inst->exec_error.step != SPAWN_STEP_NONE)
		snprintf(x->cause, sizeof(x->cause), "%s: %s",
			 spawn_step_name((enum spawn_step)inst->exec_error.step),
			 strerror(inst->exec_error.err));
	else if (inst->pending_cause)
		snprintf(x->cause, sizeof(x->cause), "%s", inst->pending_cause);
	else if (inst->state == STATE_STOPPING)
		snprintf(x->cause, sizeof(x->cause), "stopped");
	else if (reaped)
		snprintf(x->cause, sizeof(x->cause), x->has_code ? "exited" : "killed");
}

static void log_exit(const struct instance *inst)
{
	const struct exit_info *x = &inst->last_exit;
	char v[16];
	if (x->has_code) {
		snprintf(v, sizeof(v), "%d", x->code);
		LOG_INST(inst, "exit", "code", v, "cause", x->cause, NULL);
	} else {
		LOG_INST(inst, "exit", "signal", signal_name(x->signal), "cause", x->cause, NULL);
	}
}

static enum exit_verdict decide(struct instance *inst)
{
	const struct restart_config *rc = &inst->svc->cfg->restart;
	const struct exit_info *x = &inst->last_exit;
	uint64_t now = now_ns();
	bool clean = x->has_code && x->code == 0 && inst->exec_error.step == SPAWN_STEP_NONE;

	/* Up for reset_after: the next crash starts the backoff afresh. */
	if (inst->started_ns && now - inst->started_ns >= rc->reset_after_ms * NSEC_PER_MSEC)
		inst->backoff_n = 0;
	enum exit_verdict v = exit_verdict(rc->policy, clean, false);
	if (v != VERDICT_RESTART)
		return v;
	int r = breaker_record(&inst->breaker, rc->max_restarts, rc->window_ms, now / NSEC_PER_MSEC);
	return exit_verdict(rc->policy, clean, r > 0);
}

/* A violation policy said restart: whatever the restart policy, through
 * the backoff and the breaker. */
static enum exit_verdict decide_forced(struct instance *inst)
{
	const struct restart_config *rc = &inst->svc->cfg->restart;
	uint64_t now = now_ns();
	int r = breaker_record(&inst->breaker, rc->max_restarts, rc->window_ms, now / NSEC_PER_MSEC);
	return r > 0 ? VERDICT_BREAKER_OPEN : VERDICT_RESTART;
}

void instance_handle_exit(struct instance *inst)
{
	siginfo_t si = { 0 };

	if (!pidref_is_set(&inst->pid))
		return;
	/* Whatever is left of its process group dies with it, while the
	 * unreaped leader still pins the group id to this instance. */
	(void)pidref_kill_group(&inst->pid, SIGKILL);
	int r = pidref_reap(&inst->pid, &si);
	if (r == 0)
		return;   /* not exited: a spurious wakeup */
	if (inst->errpipe >= 0) {
		struct spawn_error e;
		if (spawn_read_error(inst->errpipe, &e) == 1)
			inst->exec_error = e;
		close_errpipe(inst);
	}
	drop_process(inst);
	/* A limit hit may be what ended it: count it first, name the cause. */
	instance_cgroup_check_violations(inst);
	record_exit(inst, &si, r > 0);
	log_exit(inst);
	inst->exit_was_stop = inst->state == STATE_STOPPING;
	if (instance_cgroup_drain(inst)) {
		/* The rest of the tree was killed; the instance has ended only
		 * once cgroup.events says populated 0, so a restart never
		 * overlaps the old tree. Until then it counts as live. */
		inst->awaiting_empty = true;
		inst->svc->sup->live_processes++;
		if (inst->state != STATE_STOPPING) {
			inst->state = STATE_STOPPING;
			inst->state_since_ns = now_ns();
		}
		return;
	}
	instance_tree_gone(inst);
}

void instance_tree_gone(struct instance *inst)
{
	struct supervisor *sup = inst->svc->sup;
	enum instance_state next;

	if (inst->awaiting_empty) {
		inst->awaiting_empty = false;
		sup->live_processes--;
	}
	enum violation_action forced = inst->pending_action;
	inst->pending_cause = NULL;
	inst->pending_action = VIOLATION_LOG;
	if (inst->exit_was_stop || sup->shutting_down)
		next = inst->restart_pending && !sup->shutting_down ? STATE_STARTING : STATE_STOPPED;
	else if (forced == VIOLATION_STOP)
		next = STATE_STOPPED;
	else if (forced == VIOLATION_RESTART)
		next = state_next(STATE_RUNNING, EV_EXIT, decide_forced(inst), false);
	else
		next = state_next(STATE_RUNNING, EV_EXIT, decide(inst), false);
	enter(inst, next, "exit");
}

static void start_or_backoff(struct instance *inst)
{
	int r = do_spawn(inst);
	if (r >= 0)
		return;
	/* A failed clone/pipe counts as a failed start, like an exec error. */
	log_warn_errno(r, "%s.%u: failed to spawn", inst->svc->cfg->name, inst->index);
	inst->last_exit = (struct exit_info){ .valid = true, .at_ns = now_ns() };
	snprintf(inst->last_exit.cause, sizeof(inst->last_exit.cause), "spawn: %s", strerror(-r));
	inst->started_ns = 0;
	enter(inst, state_next(STATE_RUNNING, EV_EXIT, decide(inst), false), "spawn-failed");
}

static void arm_backoff(struct instance *inst)
{
	const struct restart_config *rc = &inst->svc->cfg->restart;
	uint64_t ms = backoff_delay_ms(rc->backoff_initial_ms, rc->backoff_max_ms,
				       inst->backoff_n, supervisor_random(inst->svc->sup));
	/* 2^64 is past any backoff_max: stop counting there. */
	if (inst->backoff_n < 64)
		inst->backoff_n++;
	char d[32];
	LOG_INST(inst, "restart", "delay", format_duration_ms(ms, d, sizeof(d)), NULL);
	(void)loop_timer_start(inst_loop(inst), &inst->timer, now_ns() + ms * NSEC_PER_MSEC);
}

static void begin_stop(struct instance *inst)
{
	const struct stop_config *sc = &inst->svc->cfg->stop;
	int sig = inst->kill_sent ? SIGKILL : sc->signal;

	if (inst->cg_fd >= 0 && inst->freeze_wanted) {
		/* A frozen process cannot act on its stop signal. */
		inst->freeze_wanted = false;
		(void)cgroup_freeze(inst->cg_fd, false);
	}
	(void)pidref_kill_group(&inst->pid, sig);
	if (inst->kill_sent)
		instance_cgroup_kill(inst);
	if (inst->kill_sent) {
		LOG_INST(inst, "kill", "signal", "SIGKILL", "reason", "stop timeout", NULL);
		return;
	}
	LOG_INST(inst, "stop", "signal", signal_name(sig), NULL);
	(void)loop_timer_start(inst_loop(inst), &inst->timer,
			       now_ns() + sc->timeout_ms * NSEC_PER_MSEC);
}

static void enter(struct instance *inst, enum instance_state next, const char *why)
{
	struct supervisor *sup = inst->svc->sup;
	enum instance_state prev = inst->state;

	if (next == STATE_STARTING && sup->shutting_down)
		next = STATE_STOPPED;
	loop_timer_stop(sup->loop, &inst->timer);
	inst->state = next;
	inst->state_since_ns = now_ns();
	log_debug("%s.%u: %s -> %s (%s)", inst->svc->cfg->name, inst->index,
		  state_to_string(prev), state_to_string(next), why);

	switch (next) {
	case STATE_STARTING:
		inst->restart_pending = false;
		start_or_backoff(inst);
		break;
	case STATE_STOPPING:
		if (prev == STATE_STOPPING)   /* the grace time ran out */
			inst->kill_sent = true;
		begin_stop(inst);
		break;
	case STATE_BACKOFF:
		arm_backoff(inst);
		break;
	case STATE_FAILED: {
		uint64_t half = inst->svc->cfg->restart.half_open_after_ms;
		LOG_INST(inst, "breaker-open", "restarts", "exceeded", NULL);
		if (half > 0)
			(void)loop_timer_start(sup->loop, &inst->timer, now_ns() + half * NSEC_PER_MSEC);
		break;
	}
	case STATE_STOPPED:
		inst->restart_pending = false;
		if (prev != STATE_STOPPED)
			LOG_INST(inst, "stopped", "reason", why, NULL);
		break;
	default:
		break;
	}
	if (!state_has_process(next))
		supervisor_instance_settled(inst);   /* may free inst */
}

void instance_event(struct instance *inst, enum instance_event e, const char *why)
{
	/* Operator wishes that arrive during a stop change what follows it. */
	if (inst->state == STATE_STOPPING && (e == EV_START || e == EV_RESTART)) {
		inst->restart_pending = true;
		return;
	}
	if (e == EV_STOP)
		inst->start_pending = false;
	if (inst->state == STATE_STOPPING && e == EV_STOP) {
		inst->restart_pending = false;
		return;
	}
	if (e == EV_START && (inst->state == STATE_FAILED || inst->state == STATE_EXITED)) {
		breaker_reset(&inst->breaker);
		inst->backoff_n = 0;
	}
	enum instance_state next = state_next(inst->state, e, VERDICT_STAY, inst->restart_pending);
	if (next == _STATE_INVALID)
		return;
	if (e == EV_RESTART && next == STATE_STOPPING)
		inst->restart_pending = true;
	enter(inst, next, why);
}

static void on_timer(struct loop *l, void *userdata)
{
	struct instance *inst = userdata;
	(void)l;
	if (inst->state == STATE_BACKOFF || inst->state == STATE_FAILED)
		inst->restarts++;
	instance_event(inst, EV_TIMER, "timer");
}

int instance_signal(struct instance *inst, int sig)
{
	return pidref_kill(&inst->pid, sig);
}

void instance_violation(struct instance *inst, const char *cause, enum violation_action action)
{
	static const char *const names[] = {
		[VIOLATION_LOG] = "log", [VIOLATION_IGNORE] = "ignore", [VIOLATION_RESTART] = "restart",
		[VIOLATION_STOP] = "stop", [VIOLATION_FREEZE] = "freeze",
	};
	uint64_t now = now_ns();

	/* memory.high throttling can be reported up to 100 times a second:
	 * count every one, log one line per 10 s. */
	if (strcmp(cause, "memory-high") || now - inst->last_violation_log_ns >= 10 * NSEC_PER_SEC) {
		LOG_INST(inst, "violation", "cause", cause, "action", names[action], NULL);
		inst->last_violation_log_ns = now;
	}
	inst->last_violation = cause;
	inst->last_violation_ns = now;
	/* An OOM kill may be what ends the process, whatever the policy. */
	if (!strcmp(cause, "oom-kill"))
		inst->pending_cause = cause;
	if (action == VIOLATION_LOG || action == VIOLATION_IGNORE)
		return;
	if (action != VIOLATION_FREEZE) {
		/* The exit that follows is this violation's doing. */
		inst->pending_cause = cause;
		inst->pending_action = action;
	}
	if (!pidref_is_set(&inst->pid) && !inst->awaiting_empty)
		return;
	switch (action) {
	case VIOLATION_RESTART:
		if (pidref_is_set(&inst->pid)) {
			inst->restarts++;   /* automatic, unlike an operator's restart */
			instance_event(inst, EV_RESTART, cause);
		}
		break;
	case VIOLATION_STOP:
		if (pidref_is_set(&inst->pid))
			instance_event(inst, EV_STOP, cause);
		break;
	case VIOLATION_FREEZE:
		(void)instance_cgroup_freeze(inst, true);
		break;
	default:
		break;
	}
}
