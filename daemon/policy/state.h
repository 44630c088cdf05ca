/* SPDX-License-Identifier: MIT */
/*
 * state.h: the states of one instance and the transition table
 * (DESIGN.md section 4). state_next() is the whole table: instance.c calls
 * it for every event, and its instance_transition() is the only place that
 * assigns a state, so what may follow what is written once, here, and
 * tests/test_state.c walks every (state, event) pair.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "config/config.h"

enum instance_state {
	STATE_STOPPED,    /* not running, and not meant to run until `start` */
	STATE_STARTING,   /* spawned, exec not yet confirmed */
	STATE_RUNNING,    /* exec happened */
	STATE_READY,      /* its readiness check passed (docs/readiness.md) */
	STATE_STOPPING,   /* stop signal sent, or the main process ended and the rest
	                   * of its tree is being killed: waiting for it all to end */
	STATE_EXITED,     /* ended and the policy says not to restart */
	STATE_BACKOFF,    /* ended; waiting for the restart delay */
	STATE_FAILED,     /* crash-loop breaker open */
	STATE_FROZEN,     /* cgroup frozen */
	STATE_COMPLETED,  /* a oneshot that exited 0: done, until `start` */
	_STATE_MAX,
	_STATE_INVALID = -EINVAL,
};

enum instance_event {
	EV_START,         /* operator start, or the daemon's (batched) start */
	EV_STOP,          /* operator stop, scale down, shutdown, a violation policy */
	EV_RESTART,       /* operator restart, or a violation policy */
	EV_EXEC_OK,       /* the error pipe closed without data */
	EV_SPAWN_FAILED,  /* clone, pipe or the cgroup failed: no process was made */
	EV_EXIT,          /* the main process was reaped */
	EV_TREE_GONE,     /* after an EV_EXIT that left processes: the cgroup is empty */
	EV_TIMER,         /* backoff elapsed, grace elapsed, or half-open */
	EV_FROZEN,        /* cgroup.events confirmed frozen 1 */
	EV_THAWED,        /* cgroup.events confirmed frozen 0 */
	EV_NO_TIMER,      /* the restart delay could not be timed (the timer table is full) */
	EV_READY,         /* the readiness check passed */
	EV_ADOPTED,       /* a process a previous daemon started was taken back */
	_EV_MAX,
	_EV_INVALID = -EINVAL,
};

/* What the restart policy and the violation policy say about an end that
 * was not asked for. */
enum exit_verdict {
	VERDICT_RESTART,       /* -> backoff */
	VERDICT_STAY,          /* -> exited */
	VERDICT_BREAKER_OPEN,  /* -> failed */
	VERDICT_STOP,          /* -> stopped: a violation policy said stop */
	VERDICT_COMPLETED,     /* -> completed: a oneshot exited 0 */
	VERDICT_FAILED,        /* -> failed: a oneshot failed and is not retried */
};

/* The restart policy's word on an unasked-for end. */
enum exit_verdict exit_verdict(enum restart_policy policy, bool clean_exit, bool breaker_open);

/* What the table reads besides (state, event). */
struct state_input {
	enum exit_verdict verdict;  /* the end was not asked for: what follows it */
	bool restart_pending;       /* a start or restart came during the stop */
	bool stop_requested;        /* the process ended because we stopped it */
	bool tree_left;             /* EV_EXIT: processes remain in the cgroup */
	bool shutting_down;         /* the daemon stops: nothing starts again */
	bool was_ready;             /* EV_THAWED: it had passed its readiness check */
};

struct state_change {
	enum instance_state next;   /* _STATE_INVALID: nothing changes state */
	bool restart_pending;       /* the flag after the event */
};

struct state_change state_next(enum instance_state s, enum instance_event e,
			       const struct state_input *in);

/* True when the end the event reports was not asked for, so the caller must
 * work out in->verdict (which records a restart in the breaker). */
bool state_needs_verdict(enum instance_state s, enum instance_event e, const struct state_input *in);

const char *instance_state_to_string(enum instance_state s);
enum instance_state instance_state_from_string(const char *s);
const char *instance_event_to_string(enum instance_event e);
enum instance_event instance_event_from_string(const char *s);
/* True while a process of the instance may exist. */
bool state_has_process(enum instance_state s);
