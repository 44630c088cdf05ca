/* SPDX-License-Identifier: MIT */
/*
 * instance_exit.h: recording and judging an instance's end (instance_exit.c).
 */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "policy/instance.h"

/* Fills inst->last_exit from the reaped status (reaped false: lost) and
 * logs the exit event line, with pid, the main process that ended. */
void instance_exit_record(struct instance *inst, const siginfo_t *si, pid_t pid, bool reaped);
/* What the restart policy (or a pending violation policy) says about an
 * end that was not asked for; records a restart in the breaker. */
enum exit_verdict instance_exit_verdict(struct instance *inst);
