/* SPDX-License-Identifier: MIT */
/*
 * instance_spawn.h: making an instance's process (instance_spawn.c). The
 * instance (instance.c) hears of the process through the callbacks it
 * gives here.
 */
#pragma once

#include "kernel/cgroup_watch.h"
#include "kernel/loop.h"
#include "policy/instance.h"

struct instance_hooks {
	loop_io_fn on_exit;               /* the pidfd is readable */
	loop_io_fn on_errpipe;            /* the exec-error pipe is readable */
	cgroup_watch_fn on_cgroup_change; /* a watched file of its cgroup changed */
};

/* Where its cgroup goes and who hears of its changes. */
struct instance_cgroup_place instance_place(struct instance *inst, const struct instance_hooks *h);
/* Places (see place()), spawns and watches the process; logs "start".
 * -errno with nothing made: a failed start. */
int instance_spawn(struct instance *inst, const struct instance_hooks *h);
/* Stop watching and close the exec-error pipe. */
void instance_close_errpipe(struct instance *inst);
/* Forget the main process (already reaped, or about to be abandoned). */
void instance_drop_process(struct instance *inst);
/* A signal to the main process (an operator's `signal`). */
int instance_signal(struct instance *inst, int sig);
/* SIGKILL to the main process and its whole cgroup (the shutdown deadline). */
void instance_kill(struct instance *inst);
