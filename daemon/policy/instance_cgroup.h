/* SPDX-License-Identifier: MIT */
/*
 * instance_cgroup.h: one instance's cgroup, services/<svc>/<index>: made
 * with its limits before the first spawn (and again after cgroup.kill hit
 * it), its event files watched, emptied with cgroup.kill, frozen with
 * cgroup.freeze, removed when the instance goes. It reports, it does not
 * decide: the instance (instance.c) hears of changes through the callback
 * it gives, and asks what they mean.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "kernel/cgroup_watch.h"
#include "policy/limits.h"
#include "policy/violation.h"

enum instance_cgroup_step { INSTANCE_CGROUP_STEP_MKDIR, INSTANCE_CGROUP_STEP_LIMIT };

/* Counters read from memory.events / pids.events, to see what changed. */
struct cg_seen {
	uint64_t oom_kill, high, pids_max;
};

struct instance_cgroup {
	int fd;                       /* O_PATH; -EBADF while there is none */
	uint64_t id;                  /* inode of the directory, the probe's key */
	int wd_events, wd_memory, wd_pids;   /* -1 = not watched */
	struct cg_seen seen;
	uint64_t last_oom_ns;         /* when an OOM kill was last counted */
	bool killed;                  /* cgroup.kill hit it: make a new one before reuse */
	int error;                    /* why the last prepare failed (-errno), 0 if it did not */
	enum instance_cgroup_step error_step;   /* and at which step */
	enum limit_kind error_limit;  /* the limit, at INSTANCE_CGROUP_STEP_LIMIT */
	int watch_error;              /* a watch could not be set (-errno): news is missed */
	bool frozen_seen;             /* cgroup.events said frozen 1 at the last look */
	bool populated_seen;          /* and populated 1 */
};

#define INSTANCE_CGROUP_NULL \
	((struct instance_cgroup){ .fd = -EBADF, .wd_events = -1, .wd_memory = -1, .wd_pids = -1 })

/* Where and how an instance's cgroup is made. */
struct instance_cgroup_place {
	int parent_fd;                /* services/<svc> */
	const char *service;          /* for messages */
	unsigned index;
	unsigned controllers;         /* enabled for the services' subtree */
	bool has_kill;
	struct cgroup_watch *watch;
	cgroup_watch_fn on_change;    /* any watched file changed */
	void *userdata;
};

/* Makes (or keeps) the cgroup, writes every limit whose controller is
 * enabled, watches its event files. 0 with cg->fd open, or -errno with
 * cg->error and the step saying where it failed (and no cgroup).
 * A watch that cannot be set is not a failure: cg->watch_error says so. */
int instance_cgroup_prepare(struct instance_cgroup *cg, const struct instance_cgroup_place *p,
			    const struct limits_config *limits);
/* Where the last prepare failed, for people: "mkdir services/web/0" or the
 * limit's file ("memory.max"). Returns buf. */
const char *instance_cgroup_error_what(const struct instance_cgroup *cg, const char *service,
				       unsigned index, char *buf, size_t len);
/* Unwatches, closes and removes the directory. */
void instance_cgroup_release(struct instance_cgroup *cg, const struct instance_cgroup_place *p);
/* SIGKILL to every process in it (cgroup.kill, or freeze+kill). */
int instance_cgroup_kill(struct instance_cgroup *cg, bool has_kill);
/* After the main process ended: kills what is left. True when processes
 * are still there (cgroup.events will say populated 0 once they are gone). */
bool instance_cgroup_drain(struct instance_cgroup *cg, bool has_kill);
int instance_cgroup_freeze(struct instance_cgroup *cg, bool frozen);
/* From cgroup.events: 1, 0, or -errno. */
int instance_cgroup_populated(const struct instance_cgroup *cg);
/* Also remembered in cg->frozen_seen (updated at every look: the events
 * watch, a freeze, a fresh cgroup). */
int instance_cgroup_frozen(struct instance_cgroup *cg);
/* cgroup.events in one read, remembered in frozen_seen and populated_seen:
 * with the events watch set (wd_events >= 0) they follow every change, as
 * status shows them without a read. 0 or -errno. */
int instance_cgroup_events(struct instance_cgroup *cg, struct cgroup_events *ret);
/* The violations since the last call, in the order oom-kill, pids-max,
 * memory-high (at most 3, in out[]); their number. A group OOM kill
 * (memory.oom.group) adds one to oom_kill per process it kills, reported
 * in one or more events: those within a second of a counted one are the
 * same kill. */
unsigned instance_cgroup_new_violations(struct instance_cgroup *cg, unsigned controllers,
					enum violation_kind out[3]);
