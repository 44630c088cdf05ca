/* SPDX-License-Identifier: MIT */
/*
 * instance.c: the life of one instance. Every event goes through
 * transition(), which asks the table in state.c what follows; enter() is
 * the only function that assigns a state, and performs its entry action:
 * spawn, signal, arm a timer, log the event line. News for the supervisor
 * leaves through rt->settled.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "basic/log.h"
#include "basic/units.h"
#include "logs/logsys.h"
#include "policy/instance.h"
#include "policy/instance_adopt.h"
#include "policy/instance_exit.h"
#include "policy/instance_log.h"
#include "policy/instance_ready.h"
#include "policy/instance_record.h"
#include "policy/instance_spawn.h"
#include "config/config_names.h"

#define LOG_INST(inst, event, ...) log_event(event, (inst)->cfg->name, (int)(inst)->index, __VA_ARGS__)
/* memory.high throttling can be reported up to 100 times a second: count
 * every one, log one line per this long. */
#define VIOLATION_LOG_EVERY_NS (10 * NSEC_PER_SEC)
/* How often a tree being killed is looked at when cgroup.events cannot be
 * watched (inotify exhausted). */
#define DRAIN_POLL_MS 100

static void on_timer(struct loop *l, void *userdata);
static void on_cgroup_change(void *userdata, int wd);
static void transition(struct instance *inst, enum instance_event e, const char *why);

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
	instance_close_errpipe(inst);
	if (r == 1) {
		/* The child failed before exec; its exit follows on the pidfd. */
		inst->exec_error = e;
		return;
	}
	instance_record_save(inst);   /* the process a later daemon may take back */
	transition(inst, EV_EXEC_OK, "exec");
}

static const struct instance_hooks hooks = {
	.on_exit = on_pidfd, .on_errpipe = on_errpipe, .on_cgroup_change = on_cgroup_change,
};

static void on_ready(struct instance *inst)
{
	transition(inst, EV_READY, "readiness");
}

/* Not ready by readiness.start_timeout: a failed start. It is stopped,
 * and its end judged by the restart policy (as a failure, cause
 * "readiness"), not stopped for good as an operator's stop would. */
static void on_not_ready(struct instance *inst)
{
	inst->judge_stop = true;
	inst->pending_violation = VIOLATION_READINESS;
	inst->violations[VIOLATION_READINESS]++;
	inst->last_violation = VIOLATION_READINESS;
	inst->last_violation_ns = now_ns();
	transition(inst, EV_STOP, "readiness");
}

static const struct instance_ready_hooks ready_hooks = {
	.ready = on_ready, .not_ready = on_not_ready, .violation = instance_violation,
};

int instance_new(struct runtime *rt, struct service *svc, const struct service_config *cfg,
		 int parent_cg_fd, unsigned index, struct instance **ret)
{
	struct instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return -ENOMEM;
	*inst = (struct instance){
		.rt = rt, .serial = ++rt->next_serial, .svc = svc, .cfg = cfg,
		.parent_cg_fd = parent_cg_fd, .index = index,
		.state = STATE_STOPPED, .state_since_ns = now_ns(), .pid = PIDREF_NULL,
		.errpipe = -EBADF, .cg = INSTANCE_CGROUP_NULL,
		.pending_violation = _VIOLATION_KIND_INVALID, .pending_action = VIOLATION_LOG,
		.last_violation = _VIOLATION_KIND_INVALID,
	};
	loop_timer_init(&inst->timer, on_timer, inst);
	const struct log_config *lc = &cfg->log;
	int r = logstream_new(rt->logs, lc, cfg->name, index, false, &inst->log_out);
	if (r >= 0 && lc->stderr_mode == LOG_STDERR_SEPARATE)
		r = logstream_new(rt->logs, lc, cfg->name, index, true, &inst->log_err);
	if (r >= 0 && instance_ready_wanted(cfg))
		r = instance_ready_new(inst, &ready_hooks);
	if (r < 0) {
		log_error_errno(r, "%s.%u: cannot set up its output pipes or checks", cfg->name, index);
		instance_ready_free(inst);
		logstream_close(inst->log_out);
		logstream_close(inst->log_err);
		free(inst);
		return r;
	}
	*ret = inst;
	return 0;
}

static void start_or_fail(struct instance *inst)
{
	struct exit_info *x = &inst->last_exit;
	int r = instance_spawn(inst, &hooks);

	if (r >= 0)
		return;
	/* A failed clone, pipe or cgroup is a failed start: restart policy, breaker. */
	log_warn_errno(r, "%s.%u: failed to spawn", inst->cfg->name, inst->index);
	exit_info_reset(x, now_ns());
	char what[128];
	if (r == -EBUSY && inst->cg.frozen_seen)
		exit_info_cause(x, "cgroup: frozen (an ancestor's cgroup.freeze)");
	else if (inst->cg.error && inst->rt->strict_limits)
		exit_info_cause(x, "cgroup: %s: %s",
				instance_cgroup_error_what(&inst->cg, inst->cfg->name, inst->index, what, sizeof(what)),
				strerror(-inst->cg.error));
	else
		exit_info_cause(x, "spawn: %s", strerror(-r));
	inst->started_ns = 0;
	transition(inst, EV_SPAWN_FAILED, "spawn-failed");
}

/* ---- exits ---- */

/* Counts the limits hit since the last look and applies their policies. */
static void check_violations(struct instance *inst)
{
	enum violation_kind found[3];
	unsigned n = instance_cgroup_new_violations(&inst->cg, inst->rt->cg ? inst->rt->cg->controllers : 0,
						    found);
	for (unsigned i = 0; i < n; i++)
		instance_violation(inst, found[i]);
}

void instance_handle_exit(struct instance *inst)
{
	siginfo_t si = { 0 };

	if (!pidref_is_set(&inst->pid))
		return;
	/* Whatever is left of its process group dies with it, while the
	 * unreaped leader still pins the group id (not an adopted one's: not
	 * our child, its status is not ours, -ECHILD; its cgroup is killed). */
	if (!inst->adopted)
		(void)pidref_kill_group(&inst->pid, SIGKILL);
	int r = pidref_reap(&inst->pid, &si);
	if (r == 0)
		return;   /* not exited: a spurious wakeup */
	if (inst->errpipe >= 0) {
		struct spawn_error e;
		if (spawn_read_error(inst->errpipe, &e) == 1)
			inst->exec_error = e;
		instance_close_errpipe(inst);
	}
	pid_t pid = inst->pid.pid;
	instance_drop_process(inst);
	/* A limit hit may be what ended it: count it first, name the cause. */
	check_violations(inst);
	instance_exit_record(inst, &si, pid, r > 0);
	inst->exit_was_stop = inst->state == STATE_STOPPING;
	/* The rest of the tree is killed; the instance has ended only once
	 * cgroup.events says populated 0, so a restart never overlaps the old
	 * tree. Until then it counts as live. */
	if (instance_cgroup_drain(&inst->cg, inst->rt->cg && inst->rt->cg->has_kill)) {
		inst->awaiting_empty = true;
		inst->rt->live_processes++;
	}
	/* No watch on cgroup.events (inotify refused it): nothing would say
	 * the tree is gone, so look, every DRAIN_POLL_MS, in this degraded
	 * case only. Decided before the transition: an instance with no tree
	 * left may settle in it, and a retired one is freed there. One that
	 * waits for its tree stays in stopping, alive. */
	bool poll_drain = inst->awaiting_empty && inst->cg.wd_events < 0;
	transition(inst, EV_EXIT, "exit");   /* may free inst */
	if (poll_drain)
		(void)loop_timer_start(inst->rt->loop, &inst->timer, now_ns() + DRAIN_POLL_MS * NSEC_PER_MSEC);
}

int instance_adopt(struct instance *inst, struct pidref *pid, const struct instance_record *rec)
{
	int r = instance_adopt_process(inst, pid, rec, &hooks);
	if (r >= 0)
		transition(inst, EV_ADOPTED, "adopted");
	return r;
}

static void tree_gone(struct instance *inst)
{
	inst->awaiting_empty = false;
	inst->rt->live_processes--;
	transition(inst, EV_TREE_GONE, "exit");
}

static void on_cgroup_change(void *userdata, int wd)
{
	struct instance *inst = userdata;

	if (wd != inst->cg.wd_events) {
		check_violations(inst);
		return;
	}
	struct cgroup_events ev;
	if (instance_cgroup_events(&inst->cg, &ev) < 0)
		return;
	if (inst->awaiting_empty && ev.populated == 0) {
		tree_gone(inst);   /* may free inst */
		return;
	}
	if (ev.frozen == 1 && inst->freeze_wanted)
		transition(inst, EV_FROZEN, "cgroup.events");
	else if (ev.frozen == 0 && !inst->freeze_wanted)
		transition(inst, EV_THAWED, "cgroup.events");
}

/* ---- transitions ---- */

/* A spawn that failed (no binary, no cgroup, a frozen ancestor) would most
 * likely fail again at once: whatever the backoff, its retry waits this
 * long, so `backoff_initial: 0` with `max_restarts: 0` cannot spin the
 * loop until the cause is lifted. */
#define SPAWN_FAILED_FLOOR_MS 100

/* 1: timed; 0: no delay and not after a failed spawn, start now; -1: the
 * timer table is full, the restart cannot be timed. */
static int arm_backoff(struct instance *inst, bool spawn_failed)
{
	const struct restart_config *rc = &inst->cfg->restart;
	uint64_t ms = backoff_delay_ms(rc->backoff_initial_ms, rc->backoff_max_ms, inst->backoff_n,
				       runtime_random(inst->rt));
	if (spawn_failed)
		ms = MAX(ms, (uint64_t)SPAWN_FAILED_FLOOR_MS);
	/* 2^64 is past any backoff_max: stop counting there. */
	if (inst->backoff_n < 64)
		inst->backoff_n++;
	char d[32];
	LOG_INST(inst, "restart", "delay", format_duration_ms(ms, d, sizeof(d)), NULL);
	if (ms == 0)
		return 0;
	int r = loop_timer_start(inst->rt->loop, &inst->timer, now_ns() + ms * NSEC_PER_MSEC);
	if (r < 0)
		log_error_errno(r, "%s.%u: cannot time its restart, it stays failed until started",
				inst->cfg->name, inst->index);
	return r >= 0 ? 1 : -1;
}

/* Backoff entered after e: true when it waits for its timer; false when
 * it moved on (no delay: started in this turn, not the next, as a timer
 * costs a loop turn; or no timer to be had). After a failed spawn the
 * floor passes first: a spawn that fails at once must not recurse here. */
static bool wait_backoff(struct instance *inst, enum instance_event e)
{
	switch (arm_backoff(inst, e == EV_SPAWN_FAILED)) {
	case -1:
		transition(inst, EV_NO_TIMER, "no timer");
		return false;
	case 0:
		inst->restarts++;   /* as on_timer counts a timed one */
		transition(inst, EV_TIMER, "backoff");
		return false;
	default:
		return true;
	}
}

static void begin_stop(struct instance *inst)
{
	const struct stop_config *sc = &inst->cfg->stop;
	int sig = inst->kill_sent ? SIGKILL : sc->signal;

	if (inst->freeze_wanted) {
		/* A frozen process cannot act on its stop signal. */
		inst->freeze_wanted = false;
		(void)instance_cgroup_freeze(&inst->cg, false);
	}
	(void)pidref_kill_group(&inst->pid, sig);
	if (inst->kill_sent) {
		int r = instance_cgroup_kill(&inst->cg, inst->rt->cg && inst->rt->cg->has_kill);
		if (r < 0)
			log_warn_errno(r, "%s.%u: cgroup kill", inst->cfg->name, inst->index);
		LOG_INST(inst, "kill", "signal", "SIGKILL", "reason", "stop timeout", NULL);
		return;
	}
	LOG_INST(inst, "stop", "signal", signal_name(sig), NULL);
	int r = loop_timer_start(inst->rt->loop, &inst->timer, now_ns() + sc->timeout_ms * NSEC_PER_MSEC);
	if (r < 0) {
		/* A grace time that cannot be timed would never end: kill now. */
		log_error_errno(r, "%s.%u: cannot time its stop, killing it", inst->cfg->name, inst->index);
		inst->kill_sent = true;
		begin_stop(inst);
	}
}

/* Settled, or a new process: what explained or decided the last end has
 * been used and says nothing of the next one. */
static void forget_last_end(struct instance *inst)
{
	inst->pending_violation = _VIOLATION_KIND_INVALID;
	inst->pending_action = VIOLATION_LOG;
	inst->end_asked = false;
	inst->judge_stop = false;
}

/* The only function that assigns inst->state. e is the event that led here. */
static void enter(struct instance *inst, enum instance_state next, enum instance_event e,
		  const char *why)
{
	struct runtime *rt = inst->rt;
	enum instance_state prev = inst->state;

	loop_timer_stop(rt->loop, &inst->timer);
	inst->state = next;
	inst->state_since_ns = now_ns();
	instance_log_state(inst, prev, e, why);
	if (!state_has_process(next) || next == STATE_STARTING)
		forget_last_end(inst);
	instance_ready_follow(inst, prev, next);
	if (rt->changed && prev != next)
		rt->changed(inst, rt->userdata);   /* never frees inst */
	switch (next) {
	case STATE_STARTING:
		start_or_fail(inst);
		return;
	case STATE_STOPPING:
		if (e == EV_EXIT)   /* the rest of the tree is being killed: wait */
			break;
		if (e == EV_TIMER)  /* the grace time ran out */
			inst->kill_sent = true;
		begin_stop(inst);
		break;
	case STATE_BACKOFF:
		if (!wait_backoff(inst, e))
			return;
		break;
	case STATE_FAILED: {
		uint64_t half = inst->cfg->restart.half_open_after_ms;
		if (inst->last_verdict == VERDICT_FAILED) {   /* a oneshot, not retried */
			LOG_INST(inst, "failed", "cause", inst->last_exit.cause, NULL);
			break;
		}
		LOG_INST(inst, "breaker-open", "restarts", "exceeded", NULL);
		if (half > 0 && loop_timer_start(rt->loop, &inst->timer, now_ns() + half * NSEC_PER_MSEC) < 0)
			log_error("%s.%u: cannot time its half-open retry: failed until started",
				  inst->cfg->name, inst->index);
		break;
	}
	case STATE_STOPPED:
		if (prev != STATE_STOPPED)
			LOG_INST(inst, "stopped", "reason", why, NULL);
		break;
	default:
		break;
	}
	if (!state_has_process(next))
		rt->settled(inst, rt->userdata);   /* may free inst */
}

static void transition(struct instance *inst, enum instance_event e, const char *why)
{
	/* A stop a violation policy sent is not an operator's: its end is
	 * judged (restart through the backoff and the breaker, or stopped). */
	bool by_violation = inst->pending_action == VIOLATION_RESTART || inst->pending_action == VIOLATION_STOP ||
			    inst->judge_stop;
	struct state_input in = {
		.verdict = VERDICT_STAY,
		.restart_pending = inst->restart_pending,
		/* An operator's stop (or start during a stop) wins over what
		 * happens meanwhile: a crash whose leftovers are being killed,
		 * a violation. */
		.stop_requested = (inst->exit_was_stop && !by_violation) || inst->end_asked,
		.tree_left = inst->awaiting_empty,
		.shutting_down = inst->rt->shutting_down,
		.was_ready = inst->rd && inst->rd->ready_ns && inst->cfg->readiness.check.kind != CHECK_NONE,
	};
	/* Only an end that was not asked for is judged (judging records a
	 * restart in the breaker). */
	if (state_needs_verdict(inst->state, e, &in))
		in.verdict = inst->last_verdict = instance_exit_verdict(inst);
	struct state_change ch = state_next(inst->state, e, &in);
	inst->restart_pending = ch.restart_pending;
	if (ch.next != _STATE_INVALID)
		enter(inst, ch.next, e, why);
}

void instance_event(struct instance *inst, enum instance_event e, const char *why)
{
	if (e == EV_STOP)
		inst->start_pending = false;
	/* A stop, or any wish during a stop (the table remembers whether to
	 * start again), decides how this process's end is taken. */
	if ((e == EV_STOP && state_has_process(inst->state)) || inst->state == STATE_STOPPING)
		inst->end_asked = true;
	/* An operator's start closes the breaker and forgets the backoff. */
	if (e == EV_START && (inst->state == STATE_FAILED || inst->state == STATE_EXITED)) {
		breaker_reset(&inst->breaker);
		inst->backoff_n = 0;
	}
	transition(inst, e, why);
}

static void on_timer(struct loop *l, void *userdata)
{
	struct instance *inst = userdata;
	(void)l;
	if (inst->awaiting_empty && inst->cg.wd_events < 0) {
		if (instance_cgroup_populated(&inst->cg) == 1)
			(void)loop_timer_start(l, &inst->timer, now_ns() + DRAIN_POLL_MS * NSEC_PER_MSEC);
		else
			tree_gone(inst);
		return;
	}
	if (inst->state == STATE_BACKOFF || inst->state == STATE_FAILED)
		inst->restarts++;
	transition(inst, EV_TIMER, "timer");
}

/* ---- operator and policy actions ---- */

int instance_freeze(struct instance *inst, bool frozen)
{
	if (inst->cg.fd < 0)
		return -EOPNOTSUPP;
	inst->freeze_wanted = frozen;
	int r = instance_cgroup_freeze(&inst->cg, frozen);
	if (r < 0)
		return r;
	/* Already in the wanted state: cgroup.events will not change again. */
	int now = instance_cgroup_frozen(&inst->cg);
	if (now == 1 && frozen)
		transition(inst, EV_FROZEN, "cgroup.freeze");
	else if (now == 0 && !frozen)
		transition(inst, EV_THAWED, "cgroup.freeze");
	return 0;
}

void instance_violation(struct instance *inst, enum violation_kind kind)
{
	enum violation_action action = violation_action_for(&inst->cfg->on_violation, kind);
	const char *name = violation_kind_to_string(kind);
	uint64_t now = now_ns();

	inst->violations[kind]++;
	if (kind != VIOLATION_MEMORY_HIGH || now - inst->last_violation_log_ns >= VIOLATION_LOG_EVERY_NS) {
		LOG_INST(inst, "violation", "cause", name, "action", violation_action_to_string(action), NULL);
		inst->last_violation_log_ns = now;
	}
	inst->last_violation = kind;
	inst->last_violation_ns = now;
	if (action == VIOLATION_LOG || action == VIOLATION_IGNORE)
		return;
	/* Stopping already on someone's wish: that wish stands. */
	if (inst->end_asked)
		return;
	if (action != VIOLATION_FREEZE) {
		/* The exit that follows is this violation's doing. */
		inst->pending_violation = kind;
		inst->pending_action = action;
	}
	if (!pidref_is_set(&inst->pid) && !inst->awaiting_empty)
		return;
	switch (action) {
	case VIOLATION_RESTART:
	case VIOLATION_STOP:
		/* Stopped as an operator's stop would, and then judged: a
		 * restart waits its backoff and counts in the breaker (and in
		 * `restarts` when it happens), a stop stays stopped. */
		if (pidref_is_set(&inst->pid))
			transition(inst, EV_STOP, name);
		break;
	case VIOLATION_FREEZE:
		(void)instance_freeze(inst, true);
		break;
	default:
		break;
	}
}
