/* SPDX-License-Identifier: MIT */
/*
 * instance_exit.h: recording and judging an instance's end (instance_exit.c).
 */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "basic/macro.h"
#include "policy/instance.h"

/* A new record in x, valid, at at_ns, with no cause yet (""); the last
 * one's cause is freed. */
void exit_info_reset(struct exit_info *x, uint64_t at_ns);
/* The cause, formatted (an error's text in it); "unknown (out of memory)"
 * when it cannot be kept. */
void exit_info_cause(struct exit_info *x, const char *fmt, ...) _printf_(2, 3);
/* Frees the cause; x stays valid to read until reset. */
void exit_info_done(struct exit_info *x);

/* Fills inst->last_exit from the reaped status (reaped false: lost) and
 * logs the exit event line, with pid, the main process that ended. */
void instance_exit_record(struct instance *inst, const siginfo_t *si, pid_t pid, bool reaped);
/* What the restart policy (or a pending violation policy) says about an
 * end that was not asked for; records a restart in the breaker. */
enum exit_verdict instance_exit_verdict(struct instance *inst);
