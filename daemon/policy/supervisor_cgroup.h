/* SPDX-License-Identifier: MIT */
/*
 * supervisor_cgroup.h: the daemon's cgroup subtree as a whole: the root
 * (found, entered, swept of what a previous daemon left), the change
 * watcher every instance's cgroup reports through, one cgroup per service,
 * and the check, at start, of every limit that cannot be enforced here.
 */
#pragma once

#include "probe/cgstat.h"

#include <stdbool.h>
#include <stddef.h>

#include "kernel/cgroup_root.h"
#include "kernel/cgroup_watch.h"
#include "policy/service.h"

struct supervisor_cgroup {
	struct cgroup_root root;        /* root.fd < 0: running without cgroups */
	char reason[256];               /* why, when without */
	struct cgroup_watch *watch;
	struct cgstat *cpu;             /* the CPU of every cgroup in one BPF pass, opened
	                                 * when first asked; NULL: not yet, or refused */
	bool cpu_refused;               /* (said once) each cpu.stat is read instead */
};

/* root_opt: "none", "auto" or a path (NULL: auto). Without cgroup2, or
 * when the root cannot be set up, runs without cgroups and says why; -errno
 * only for what must stop the start (another daemon owns the root). A
 * previous daemon's leftovers are killed, but those keep (may be NULL)
 * takes back. */
int supervisor_cgroup_setup(struct supervisor_cgroup *sc, struct loop *l, const char *root_opt,
			    bool kill_fallback, size_t max_watches, struct service *services, size_t n,
			    cgroup_sweep_keep_fn keep, void *keep_ud);
void supervisor_cgroup_done(struct supervisor_cgroup *sc, struct service *services, size_t n);
/* The CPU time of every cgroup of the root in one pass (probe/cgstat.h),
 * sorted by cgroup id, for `metrics`; max: cgroups to make room for, at
 * the first call. NULL when there are no cgroups or BPF cannot do it
 * (said once at the first call): read each cpu.stat then. */
const struct cgstat_usage *supervisor_cgroup_cpu(struct supervisor_cgroup *sc, size_t max, size_t *ret_n);
/* Logs every limit that cannot be enforced here; with strict_limits that
 * is an error (-EOPNOTSUPP) naming each. */
int supervisor_cgroup_check_limits(const struct supervisor_cgroup *sc, const struct config *c);
