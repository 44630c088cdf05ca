/* SPDX-License-Identifier: MIT */
/*
 * instance_exit.c: how an instance's end is recorded (code or signal, and
 * its cause: an exec error, a violation, a stop, or its own doing) and
 * judged (the restart policy, a violation policy, the backoff counter and
 * the breaker). instance.c asks; the transition table decides the state.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/units.h"
#include "policy/instance_exit.h"

#define LOG_INST(inst, event, ...) log_event(event, (inst)->cfg->name, (int)(inst)->index, __VA_ARGS__)

/* An OOM kill the policy let be (log, ignore) explains an end only when
 * the process died of SIGKILL within a second of it. */
static bool oom_killed(const struct instance *inst, const struct exit_info *x)
{
	return !x->has_code && x->signal == SIGKILL && inst->last_violation == VIOLATION_OOM_KILL &&
	       x->at_ns - inst->last_violation_ns < NSEC_PER_SEC;
}

/* on_exit: shutdown: the end of an instance nobody asked to stop ends
 * the daemon; the instance is not restarted meanwhile. */
static void maybe_shutdown(struct instance *inst, const struct exit_info *x, bool reaped)
{
	if (inst->cfg->on_exit != ON_EXIT_SHUTDOWN || inst->state == STATE_STOPPING || inst->end_asked ||
	    inst->rt->shutting_down || !inst->rt->exit_shutdown)
		return;
	inst->end_asked = true;
	inst->rt->exit_shutdown(inst, !reaped ? 1 : x->has_code ? x->code : 128 + x->signal,
				inst->rt->userdata);
}

void exit_info_reset(struct exit_info *x, uint64_t at_ns)
{
	free(x->cause_buf);
	*x = (struct exit_info){ .valid = true, .at_ns = at_ns, .cause = "" };
}

void exit_info_cause(struct exit_info *x, const char *fmt, ...)
{
	va_list ap;
	char *buf;

	va_start(ap, fmt);
	int r = vasprintf(&buf, fmt, ap);
	va_end(ap);
	free(x->cause_buf);
	x->cause_buf = r < 0 ? NULL : buf;
	x->cause = r < 0 ? "unknown (out of memory)" : buf;
}

void exit_info_done(struct exit_info *x)
{
	free(x->cause_buf);
	x->cause_buf = NULL;
	x->cause = "";
}

void instance_exit_record(struct instance *inst, const siginfo_t *si, pid_t pid, bool reaped)
{
	struct exit_info *x = &inst->last_exit;
	exit_info_reset(x, now_ns());
	if (!reaped) {
		x->cause = inst->adopted ? "exit status unknown (adopted)" : "lost";
	} else if (si->si_code == CLD_EXITED) {
		x->has_code = true;
		x->code = si->si_status;
	} else {
		x->signal = si->si_status;
	}
	if (inst->exec_error.step != SPAWN_STEP_NONE)
		exit_info_cause(x, "%s: %s", spawn_step_to_string((enum spawn_step)inst->exec_error.step),
				strerror(inst->exec_error.err));
	else if (inst->pending_violation >= 0)
		x->cause = violation_kind_to_string(inst->pending_violation);
	else if (oom_killed(inst, x))
		x->cause = violation_kind_to_string(VIOLATION_OOM_KILL);
	else if (inst->state == STATE_STOPPING)
		x->cause = "stopped";
	else if (reaped)
		x->cause = x->has_code ? "exited" : "killed";

	/* The pid last: the text lines scripts already match start the same. */
	if (x->has_code)
		LOG_INST(inst, "exit", LOG_NUM("code", x->code), "cause", x->cause, LOG_NUM("pid", pid), NULL);
	else if (!reaped)
		LOG_INST(inst, "exit", "status", "unknown", "cause", x->cause, LOG_NUM("pid", pid), NULL);
	else
		LOG_INST(inst, "exit", "signal", signal_name(x->signal), "cause", x->cause, LOG_NUM("pid", pid), NULL);
	maybe_shutdown(inst, x, reaped);
}

enum exit_verdict instance_exit_verdict(struct instance *inst)
{
	const struct restart_config *rc = &inst->cfg->restart;
	const struct exit_info *x = &inst->last_exit;
	uint64_t now = now_ns();
	bool clean = x->has_code && x->code == 0 && inst->exec_error.step == SPAWN_STEP_NONE &&
		     !inst->judge_stop;
	bool oneshot = inst->cfg->type == SERVICE_ONESHOT;

	if (inst->pending_action == VIOLATION_STOP)
		return VERDICT_STOP;
	/* A oneshot that exited 0 is done, whatever the restart policy; one
	 * that failed is retried only if the policy says so, else failed. */
	if (oneshot && clean)
		return VERDICT_COMPLETED;
	/* A violation policy said restart: whatever the restart policy,
	 * through the backoff and the breaker. */
	if (inst->pending_action != VIOLATION_RESTART) {
		/* Up for reset_after: the next crash starts the backoff afresh. */
		if (inst->started_ns && now - inst->started_ns >= rc->reset_after_ms * NSEC_PER_MSEC)
			inst->backoff_n = 0;
		enum exit_verdict v = exit_verdict(rc->policy, clean, false);
		if (v != VERDICT_RESTART)
			return oneshot ? VERDICT_FAILED : v;
	}
	int r = breaker_record(&inst->breaker, rc->max_restarts, rc->window_ms, now / NSEC_PER_MSEC);
	return r > 0 ? VERDICT_BREAKER_OPEN : VERDICT_RESTART;
}
