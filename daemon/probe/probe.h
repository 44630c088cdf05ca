/* SPDX-License-Identifier: MIT */
/*
 * probe.h: counting fds (by kind) and threads of the processes in a set of
 * cgroups, in one pass. Two sources with the same output:
 *  - bpf: an iter/cgroup program walking each watched cgroup's processes
 *    (6.7+), else iter/task + iter/task_file over the system's tasks
 *    (bpf/leak.bpf.c), keyed by cgroup id, read from a map after the pass
 *    (probe/probe_bpf.c);
 *  - procfs: cgroup.procs of each cgroup, then /proc/PID/fd and
 *    /proc/PID/status, when BPF cannot load (no privilege, no BTF)
 *    (probe/probe_procfs.c).
 * Mechanism only: returns -errno, logs at debug at most.
 */
#pragma once

#include <errno.h>

#include <stddef.h>
#include <stdint.h>

#include "probe/probe_result.h"

/* PROBE_BPF_TASKS: bpf with the walk over every task (the fallback of
 * kernels before 6.7), for tests and benches to compare the two walks. */
enum probe_mode { PROBE_AUTO, PROBE_BPF, PROBE_PROCFS, PROBE_BPF_TASKS };
enum probe_source { PROBE_SOURCE_BPF, PROBE_SOURCE_PROCFS, _PROBE_SOURCE_MAX, _PROBE_SOURCE_INVALID = -EINVAL };

struct probe;

/*
 * PROBE_AUTO tries BPF and falls back to procfs; the reason BPF was not used
 * is written to why (e.g. "bpf: Operation not permitted").
 */
int probe_new(enum probe_mode mode, struct probe **ret, char *why, size_t whylen);
struct probe *probe_free(struct probe *p);
enum probe_source probe_source(const struct probe *p);
const char *probe_source_to_string(enum probe_source s);   /* "bpf" / "procfs" */
enum probe_source probe_source_from_string(const char *s);
/* The bpf source's walk, "cgroups" or "tasks"; NULL for procfs. */
const char *probe_walk(const struct probe *p);
/* Every target's cgroup is below cgroup_fd (the daemon's services/): a
 * BPF pass then walks that subtree only, not the host's every cgroup.
 * 0, or -errno with the pass walking as before. */
int probe_set_scope(struct probe *p, int cgroup_fd);
/* The BPF cgroup walk records up to RV_PROBE_OUT_RECORDS (4096) processes a
 * pass in an array it shares with the daemon, the rest in a hash map: a
 * lower bound here, for tests and benches, sends them to the map sooner.
 * Nothing to do for the other walks and sources. */
void probe_limit_out(struct probe *p, uint32_t records);

/* One pass: counts for every process in the target cgroups (not their
 * descendant cgroups). */
int probe_run(struct probe *p, const struct probe_target *t, size_t n, struct probe_result *res);
