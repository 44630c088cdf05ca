/* SPDX-License-Identifier: MIT */
/*
 * snapshot_job.h: a snapshot taken off the loop. The instance's cgroup is
 * frozen, a child process (a copy of the daemon, which never touches the
 * loop) writes the snapshot and exits with its result; the loop hears of
 * the end on the child's pidfd, thaws the cgroup unless the policy keeps it
 * frozen, and calls done(). A hostile service can make a snapshot slow or
 * big (many processes, many fds, paths on a hung file system): that costs
 * the child, bounded by SNAPSHOT_JOB_TIMEOUT_MS, never the daemon.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kernel/loop.h"
#include "kernel/pidref.h"
#include "policy/instance.h"
#include "policy/service.h"
#include "policy/snapshot.h"

#define SNAPSHOT_JOB_TIMEOUT_MS 10000

struct snapshot_job;
/* result: 0, or -errno (the child's, or -ETIMEDOUT); path when 0. The
 * instance may be gone by then (inst NULL). */
typedef void (*snapshot_job_done_fn)(struct snapshot_job *j, struct instance *inst, int result,
				     const char *path, void *userdata);

struct snapshot_job {
	struct loop *loop;
	struct snapshots *sn;
	struct pidref child;            /* unset: the job is free */
	int result_fd;                  /* the child writes its result here before it exits */
	loop_id source;
	struct loop_timer deadline;
	/* The instance, found again by its service, index and serial (it may
	 * have been freed while the child wrote, its slot array moved). */
	struct service *svc;
	unsigned index;
	uint64_t serial;
	bool keep_frozen;
	char name[128];
	snapshot_job_done_fn done;
	void *userdata;
};

void snapshot_job_init(struct snapshot_job *j, struct loop *l, struct snapshots *sn);
bool snapshot_job_busy(const struct snapshot_job *j);
/* Freezes the instance (of svc) and starts the child. -errno when no
 * child could be made (the instance is thawed again unless keep_frozen). */
int snapshot_job_start(struct snapshot_job *j, struct service *svc, struct instance *inst,
		       const char *source, bool keep_frozen, snapshot_job_done_fn done, void *userdata);
/* The job's child, if pid is it (reaped by the daemon's reaper like any
 * child that is not an instance's, and not counted as an orphan). */
bool snapshot_job_owns(const struct snapshot_job *j, pid_t pid);
/* Kills the child and forgets the job (teardown); done() is not called. */
void snapshot_job_cancel(struct snapshot_job *j);
