/* SPDX-License-Identifier: MIT */
#include "basic/macro.h"
#include "policy/state.h"

static const char *const state_names[_STATE_MAX] = {
	[STATE_STOPPED] = "stopped",   [STATE_STARTING] = "starting",
	[STATE_RUNNING] = "running",   [STATE_READY] = "ready",
	[STATE_STOPPING] = "stopping", [STATE_EXITED] = "exited",
	[STATE_BACKOFF] = "backoff",   [STATE_FAILED] = "failed",
	[STATE_FROZEN] = "frozen",
};

static const char *const event_names[_EV_MAX] = {
	[EV_START] = "start", [EV_STOP] = "stop", [EV_RESTART] = "restart",
	[EV_EXEC_OK] = "exec-ok", [EV_EXIT] = "exit", [EV_TIMER] = "timer",
	[EV_FROZEN] = "frozen", [EV_THAWED] = "thawed",
};

const char *state_to_string(enum instance_state s)
{
	return (unsigned)s < _STATE_MAX ? state_names[s] : "invalid";
}

const char *event_to_string(enum instance_event e)
{
	return (unsigned)e < _EV_MAX ? event_names[e] : "invalid";
}

bool state_has_process(enum instance_state s)
{
	return s == STATE_STARTING || s == STATE_RUNNING || s == STATE_READY ||
	       s == STATE_STOPPING || s == STATE_FROZEN;
}

enum exit_verdict exit_verdict(enum restart_policy policy, bool clean_exit, bool breaker_open)
{
	bool restart = policy == RESTART_ALWAYS || (policy == RESTART_ON_FAILURE && !clean_exit);
	if (!restart)
		return VERDICT_STAY;
	return breaker_open ? VERDICT_BREAKER_OPEN : VERDICT_RESTART;
}

static enum instance_state after_exit(enum exit_verdict v)
{
	switch (v) {
	case VERDICT_RESTART:
		return STATE_BACKOFF;
	case VERDICT_BREAKER_OPEN:
		return STATE_FAILED;
	case VERDICT_STAY:
		break;
	}
	return STATE_EXITED;
}

enum instance_state state_next(enum instance_state s, enum instance_event e,
			       enum exit_verdict verdict, bool restart_pending)
{
	switch (s) {
	case STATE_STOPPED:
	case STATE_EXITED:
	case STATE_FAILED:
		/* No process. A timer here is FAILED's half-open retry. */
		if (e == EV_START || e == EV_RESTART || (e == EV_TIMER && s == STATE_FAILED))
			return STATE_STARTING;
		if (e == EV_STOP)
			return STATE_STOPPED;
		return _STATE_INVALID;
	case STATE_BACKOFF:
		if (e == EV_TIMER || e == EV_START || e == EV_RESTART)
			return STATE_STARTING;
		if (e == EV_STOP)
			return STATE_STOPPED;
		return _STATE_INVALID;
	case STATE_STARTING:
	case STATE_RUNNING:
	case STATE_READY:
	case STATE_FROZEN:
		if (e == EV_EXEC_OK)
			return s == STATE_STARTING ? STATE_RUNNING : _STATE_INVALID;
		if (e == EV_FROZEN)
			return s == STATE_RUNNING || s == STATE_READY ? STATE_FROZEN : _STATE_INVALID;
		if (e == EV_THAWED)
			return s == STATE_FROZEN ? STATE_RUNNING : _STATE_INVALID;
		if (e == EV_EXIT)
			return after_exit(verdict);
		if (e == EV_STOP || e == EV_RESTART)
			return STATE_STOPPING;
		return _STATE_INVALID;
	case STATE_STOPPING:
		if (e == EV_EXIT)
			return restart_pending ? STATE_STARTING : STATE_STOPPED;
		if (e == EV_TIMER)   /* grace elapsed: escalate, still stopping */
			return STATE_STOPPING;
		return _STATE_INVALID;
	case _STATE_MAX:
	case _STATE_INVALID:
		break;
	}
	return _STATE_INVALID;
}
