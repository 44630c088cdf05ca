/* SPDX-License-Identifier: MIT */
/*
 * runtime.h: what every instance and service shares while the daemon runs.
 * The supervisor owns it and fills it in at start; instances and services
 * read it, count in it, and tell the supervisor of news only through the
 * hooks it registered here (settled, start_timer), never by calling it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/idmap.h"
#include "kernel/cgroup_root.h"
#include "kernel/loop.h"
#include "kernel/spawn.h"
#include "policy/check.h"

struct instance;
struct logsys;
struct cgroup_watch;

struct runtime {
	struct loop *loop;
	struct logsys *logs;
	enum spawn_method spawn_method;
	const struct cgroup_root *cg;   /* cg->fd < 0: running without cgroups */
	const char *cg_reason;          /* why, when without */
	struct cgroup_watch *watch;     /* NULL without cgroups */
	bool strict_limits;             /* a limit not applied is a failed start */
	bool children_die;              /* PDEATHSIG: asked for, or without cgroups (nothing
	                                 * could adopt them) */
	const char *notify_path;        /* the sd_notify socket; NULL: none (no service asks) */
	uint32_t rnd_state;             /* xorshift32, never 0 */
	struct check_pool checks;       /* checks in flight, bounded over the daemon */
	uint64_t live_processes;        /* instances whose main process or tree is not gone */
	struct idmap pids;              /* main pid -> its instance: the reaper's O(1) lookup */
	uint64_t total_instances;       /* current, <= instance_capacity */
	uint64_t next_serial;           /* the next instance's serial */
	uint64_t instance_capacity;     /* fixed at start: room for scale-up */
	bool shutting_down;
	uint64_t child_nofile_soft;     /* RLIMIT_NOFILE soft as we found it: what a service
	                                 * without limits.nofile gets (0: leave it) */
	/* Runs the queued starts (the supervisor's callback): a service that
	 * queues one arms it. */
	struct loop_timer start_timer;
	/* An instance has no process any more (it may be freed inside). */
	void (*settled)(struct instance *inst, void *userdata);
	/* Any change of state (dependents may start; the boot may be done). */
	void (*changed)(struct instance *inst, void *userdata);
	/* An instance of an `on_exit: shutdown` service ended on its own,
	 * with this exit code for the daemon. */
	void (*exit_shutdown)(struct instance *inst, int code, void *userdata);
	void *userdata;
};

/* xorshift32: backoff jitter needs spread, not secrecy. */
static inline uint32_t runtime_random(struct runtime *rt)
{
	uint32_t x = rt->rnd_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rt->rnd_state = x;
}

static inline bool runtime_has_cgroups(const struct runtime *rt)
{
	return rt->cg && rt->cg->fd >= 0;
}
