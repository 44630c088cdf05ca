/* SPDX-License-Identifier: MIT */
/*
 * cgroup_root.h: the cgroup v2 subtree the daemon owns (DESIGN.md section 3).
 *
 *   <root>/supervisor               the daemon itself (no-internal-process rule)
 *   <root>/services/<svc>/<index>   one per instance; children are cloned
 *                                   straight into it (CLONE_INTO_CGROUP)
 *
 * Mechanism only, like kernel/cgroup.h.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "kernel/cgroup.h"

struct cgroup_root {
	char *path;            /* absolute path of the delegated root */
	int fd;                /* O_PATH directory fd of the root */
	int services_fd;       /* <root>/services */
	int orig_fd;           /* the cgroup we started in, to go back to at exit */
	unsigned controllers;  /* enabled for the services' subtree */
	bool created;          /* we made the root directory: remove it at exit */
	bool has_kill;         /* cgroup.kill exists (kernel >= 5.14) */
};

#define CGROUP_ROOT_NULL ((struct cgroup_root){ .fd = -EBADF, .services_fd = -EBADF, .orig_fd = -EBADF })

/*
 * Opens the delegated root: `path` when given, else the daemon's own cgroup,
 * or `<mount>/ringvisor` when that is the hierarchy's root. Returns -EBUSY
 * when another live daemon sits in <root>/supervisor.
 */
int cgroup_root_open(const char *path, struct cgroup_root *ret);
/* Moves this process into <root>/supervisor, enables every available
 * controller of `wanted` for the services, creates <root>/services. */
int cgroup_root_enter(struct cgroup_root *root, unsigned wanted);
/* One leftover instance cgroup: the processes it held, and 0 when they were
 * killed and it was removed, else what failed (they may live on). */
typedef void (*cgroup_sweep_report_fn)(const char *svc, const char *idx, unsigned npids, int error,
				       void *ud);
/* A populated leftover instance cgroup services/<svc>/<idx> (fd: O_PATH):
 * true to leave it as it is (the caller takes its processes back). Called
 * first with idx NULL for services/<svc> itself (its answer is ignored):
 * what the caller wants to read of it before it may be removed. */
typedef bool (*cgroup_sweep_keep_fn)(const char *svc, const char *idx, int fd, void *ud);
/* Kills and removes whatever a previous daemon left below <root>/services
 * that keep (may be NULL) does not take back; returns how many cgroups held
 * processes or failed (each reported), or the first error after doing what
 * it could. */
int cgroup_root_sweep(struct cgroup_root *root, cgroup_sweep_report_fn report, cgroup_sweep_keep_fn keep,
		      void *ud);
/* Removes services/, then moves this process back to the cgroup it started
 * in and removes supervisor/ and (if we made it) the root. Where moving back
 * is refused (a delegated root), supervisor/ stays for the next run. */
void cgroup_root_done(struct cgroup_root *root);

