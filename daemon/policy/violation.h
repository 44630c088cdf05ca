/* SPDX-License-Identifier: MIT */
/*
 * violation.h: the kinds of violation an instance can commit, and which
 * action its service's on_violation names for each. One type for all of
 * them, one table of names (the `cause` in status and the event log).
 */
#pragma once

#include <errno.h>

#include "config/config.h"

enum violation_kind {
	VIOLATION_OOM_KILL,      /* memory.events oom_kill grew */
	VIOLATION_PIDS_MAX,      /* pids.events max grew: a fork was refused */
	VIOLATION_MEMORY_HIGH,   /* memory.events high grew: throttled */
	VIOLATION_LEAK,          /* the leak watch's verdict turned leaking */
	VIOLATION_WATCHDOG,      /* no sd_notify WATCHDOG=1 within `watchdog`: always restart */
	VIOLATION_HEALTH,        /* health.failures checks in a row failed */
	VIOLATION_READINESS,     /* not ready within readiness.start_timeout: a failed start,
	                          * judged by the restart policy (never a policy of its own) */
	_VIOLATION_KIND_MAX,
	_VIOLATION_KIND_INVALID = -EINVAL,   /* also: none */
};

const char *violation_kind_to_string(enum violation_kind k);   /* "oom-kill" ... */
enum violation_kind violation_kind_from_string(const char *s);
enum violation_action violation_action_for(const struct violation_config *c, enum violation_kind k);
