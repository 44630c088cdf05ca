/* SPDX-License-Identifier: MIT */
/*
 * leakwatch.h: the leak probe on the daemon's deadline heap. One timer for
 * all services: when it fires, every service whose sample is due is counted
 * in ONE probe pass (BPF iterators, or /proc as a fallback), each
 * instance's sums go into its history ring, the trend is judged (leak.c),
 * and an instance that turns `leaking` gets its service's on_violation.leak:
 * with freeze, restart or stop, after a snapshot (the evidence before it
 * changes, written off the loop: snapshot_job.h); with log, none.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/loop.h"
#include "policy/service.h"
#include "policy/snapshot.h"
#include "policy/snapshot_job.h"

#define LEAKWATCH_SNAPSHOT_JOBS 2   /* snapshots written at once, at most */
#define LEAKWATCH_SLICE 32          /* cgroups counted per loop turn with the procfs probe */
#define LEAKWATCH_SLICE_MAX 1024    /* with BPF: a slice walks the host's cgroups (or tasks) once */
#include "probe/probe.h"

struct leakwatch {
	struct loop *loop;
	struct service *services;       /* the supervisor's, n_services (rebuilt by reload) */
	size_t n_services;
	struct snapshots *snapshots;
	struct probe *probe;            /* NULL: off (it failed to start) */
	char probe_why[160];            /* why BPF is not used, when it is not */
	enum probe_mode mode;
	char no_cgroups_reason[96];
	bool tree;                      /* no cgroups: instances are process trees
	                                 * (probe_tree.c), counted from /proc */
	int scope_fd;                   /* <root>/services: every watched cgroup is
	                                 * below it (-EBADF: not known) */
	struct loop_timer timer;
	/* The instances due in this pass, by service, index and serial (one
	 * may be freed between two slices); counted LEAKWATCH_SLICE at a time
	 * with the procfs probe, all at once with BPF. */
	struct leak_due { struct service *svc; unsigned index; uint64_t serial; } *due;
	size_t n_due, next_due, cap_due;
	uint64_t due_ns;                /* when the pass began */
	struct loop_timer slice_timer;  /* the next slice, next loop turn */
	struct probe_target targets[LEAKWATCH_SLICE_MAX];
	struct instance *target_insts[LEAKWATCH_SLICE_MAX];
	struct probe_result res;
	uint64_t passes;
	uint64_t cpu_ns_last;
	uint64_t wall_ns_last;          /* the last pass, first slice to last */
	/* Snapshots being written, each by a child process; a verdict that
	 * finds none free goes without (counted). */
	struct snapshot_job jobs[LEAKWATCH_SNAPSHOT_JOBS];
	uint64_t snapshots_skipped;
};

/* Without cgroups the procfs probe tells instances apart by process tree
 * (said in probe_why), whatever mode asks. mode: auto, bpf or procfs.
 * bpf and procfs open their probe here: -errno when it cannot start;
 * auto waits for leakwatch_open_probe(). scope_fd: the cgroup every
 * instance's is below (<root>/services), or -1; kept, not owned. */
int leakwatch_start(struct leakwatch *lw, struct loop *l, struct service *services, size_t n,
		    struct snapshots *sn, bool have_cgroups, const char *no_cgroups_reason,
		    enum probe_mode mode, int scope_fd);
/* The probe of an auto mode; 0 when it is open already. -errno (said)
 * when none could start. */
int leakwatch_open_probe(struct leakwatch *lw);
/* The same from a timer due now: armed after the first batch of starts'
 * timer (supervisor_run), it runs once that batch is spawned. Without a
 * probe the leak watch is off and says so; the services run on. */
void leakwatch_open_probe_later(struct leakwatch *lw);
void leakwatch_stop(struct leakwatch *lw);
/* reload: the services array was rebuilt; the first new_from are the
 * ones it had (their schedule kept), the rest are sampled from now on. */
void leakwatch_set_services(struct leakwatch *lw, struct service *services, size_t n);
/* A snapshot child of the leak watch (the reaper does not count it as an
 * orphan). */
bool leakwatch_owns_pid(const struct leakwatch *lw, pid_t pid);
/* "bpf", "procfs", or "none" when off. */
const char *leakwatch_source(const struct leakwatch *lw);
