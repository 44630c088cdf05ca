/* SPDX-License-Identifier: MIT */
/*
 * service.h: one service: its config, its cgroup (services/<name>) and its
 * instances, indexed 0..n_instances-1 (a slot is NULL once an instance
 * retired by a scale-down is freed). Scaling adds instances and queues
 * their start, or retires the ones above the new count.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "policy/fd_budget.h"
#include "policy/instance.h"
#include "policy/runtime.h"

struct service {
	const struct service_config *cfg;
	struct runtime *rt;
	int cg_fd;                      /* <root>/services/<name>, -EBADF without cgroups */
	uint64_t next_sample_ns;        /* leak probe schedule (leakwatch.c) */
	struct instance **instances;    /* n_instances used, cap allocated, <= CONFIG_MAX_INSTANCES */
	uint32_t n_instances, cap;
	struct fd_budget last_budget;   /* the figures of the last scale refused with -EMFILE */
	/* depends_on (deps.c): what its queued starts wait for, in words
	 * ("db: not ready"), and whether that will not come by itself. */
	bool waiting, blocked;
	char wait_reason[160];
	bool stop_sent;                 /* shutdown: its instances were told to stop */
	/* reload (supervisor_reload.c): gone from the file, its instances
	 * stopping; or changed, its old instances stopping before the new
	 * definition starts. */
	bool removed, replacing;
	/* What a later daemon restores (supervisor_state.c): the scale and
	 * which instances were stopped, on the service's cgroup. */
	bool state_dirty;
	uint64_t state_hash;            /* of the text last written; 0: none */
	int64_t restore_scale;          /* read at start; -1: nothing to restore */
	uint32_t *restore_stopped;      /* n_restore_stopped indexes, read at start */
	size_t n_restore_stopped;
};

void service_init(struct service *svc, struct runtime *rt, const struct service_config *cfg);
/* Frees every instance (killing what still runs: teardown only). */
void service_done(struct service *svc);
/* n instances from now on: new ones are queued for the batched start
 * (rt->start_timer), those above n are stopped and freed once stopped.
 * -ERANGE beyond CONFIG_MAX_INSTANCES, -ENOSPC beyond the capacity, -EMFILE
 * beyond the fd budget (svc->last_budget has the figures). */
int service_scale(struct service *svc, uint32_t n);
/* An instance settled (no process): a retired one is freed. True if it was. */
bool service_settle(struct service *svc, struct instance *inst);
