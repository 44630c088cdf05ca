/* SPDX-License-Identifier: MIT */
/*
 * state.h: the states of one instance and the transition table
 * (DESIGN.md section 4). state_next() is the whole table; service.c performs
 * the entry action of whatever state it returns, so the table is the single
 * place that says what may follow what, and it is tested pair by pair.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "config/config.h"

enum instance_state {
	STATE_STOPPED,    /* not running, and not meant to run until `start` */
	STATE_STARTING,   /* spawned, exec not yet confirmed */
	STATE_RUNNING,    /* exec happened */
	STATE_READY,      /* reported ready (sd_notify; a later issue) */
	STATE_STOPPING,   /* stop signal sent, waiting for the exit */
	STATE_EXITED,     /* ended and the policy says not to restart */
	STATE_BACKOFF,    /* ended; waiting for the restart delay */
	STATE_FAILED,     /* crash-loop breaker open */
	STATE_FROZEN,     /* cgroup frozen (a later issue) */
	_STATE_MAX,
	_STATE_INVALID = -EINVAL,
};

enum instance_event {
	EV_START,         /* operator start, or the daemon's initial start */
	EV_STOP,          /* operator stop, scale down, or shutdown */
	EV_RESTART,       /* operator restart */
	EV_EXEC_OK,       /* the error pipe closed without data */
	EV_EXIT,          /* the main process was reaped */
	EV_TIMER,         /* backoff elapsed, grace elapsed, or half-open */
	EV_FROZEN,        /* cgroup.events confirmed frozen 1 */
	EV_THAWED,        /* cgroup.events confirmed frozen 0 */
	_EV_MAX,
};

/* What the restart policy says about an exit outside of a stop. */
enum exit_verdict { VERDICT_RESTART, VERDICT_STAY, VERDICT_BREAKER_OPEN };

enum exit_verdict exit_verdict(enum restart_policy policy, bool clean_exit, bool breaker_open);

/*
 * The next state, or _STATE_INVALID when the event means nothing in that
 * state (it is then ignored). `verdict` is only read for EV_EXIT outside of
 * STATE_STOPPING; `restart_pending` only for EV_EXIT in STATE_STOPPING.
 */
enum instance_state state_next(enum instance_state s, enum instance_event e,
			       enum exit_verdict verdict, bool restart_pending);

const char *state_to_string(enum instance_state s);
const char *event_to_string(enum instance_event e);
/* True while a process of the instance may exist. */
bool state_has_process(enum instance_state s);
