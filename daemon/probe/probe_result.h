/* SPDX-License-Identifier: MIT */
/*
 * probe_result.h: what one probe pass yields, per process, and the targets
 * it is asked about. Both sources (probe_bpf.c, probe_procfs.c) fill the
 * same array through probe_result_add().
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probe/fd_kind.h"

#define PROBE_MAX_PROCS 65536    /* processes per pass; more are dropped and counted */
#define PROBE_MAX_CGROUPS 100000 /* cgroups watched at once */

struct proc_counts {
	pid_t tgid;
	uint64_t cgroup_id;               /* inode of the cgroup v2 directory */
	uint32_t fds[_FD_KIND_MAX];
	uint32_t nr_fds;                  /* sum of fds[] */
	uint32_t threads;
	uint64_t rss;                     /* bytes resident (VmRSS) */
	char comm[16];
};

/* What to count: the cgroups (id and an O_PATH fd of its directory, used by
 * the procfs source to read cgroup.procs), or, where there are no cgroups,
 * a process tree: cgroup_fd -1, root_pid its main process, cgroup_id a key
 * of the caller's (not 0, unique in the pass) that its processes carry in
 * the result (procfs source only: probe_tree.c). */
struct probe_target {
	uint64_t cgroup_id;
	int cgroup_fd;
	pid_t root_pid;
};

struct probe_result {
	struct proc_counts *procs;        /* n entries, sorted by cgroup_id then tgid */
	size_t n;
	size_t cap;                       /* allocated once: PROBE_MAX_PROCS at most */
	uint64_t dropped;                 /* processes beyond cap */
	uint64_t cpu_ns;                  /* CPU time the pass took (CLOCK_THREAD_CPUTIME_ID) */
};

/* The next free entry of res, zeroed; NULL when res is full (PROBE_MAX_PROCS),
 * counted in res->dropped; -ENOMEM in *err only when growing fails. */
struct proc_counts *probe_result_add(struct probe_result *res, int *err);
void probe_result_done(struct probe_result *res);
