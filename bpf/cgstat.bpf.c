/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * cgstat.bpf.c: the CPU time of every cgroup of the daemon's subtree in
 * one pass of a cgroup iterator (attached at the subtree's root, walked
 * in pre-order), instead of an open, read and close of each instance's
 * cpu.stat (~11 us each here: 11 ms a scrape of 1000 instances).
 *
 * The records go to `usage`, an mmap()able array user space sizes before
 * load and reads in place: a cgroup iterator's seq_file output is one
 * buffer (it cannot resume a walk), too small for 10 000 cgroups.
 * usage_ns is what cpu.stat prints as usage_usec (divided by 1000): user
 * space reads the root's cpu.stat first, which flushes the subtree's
 * per-cpu counters into each cgroup's bstat. Each record also says what
 * the cgroup's cgroup.events would (populated, frozen): `status` of every
 * instance reads neither file then.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "rv_probe.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

__u32 n_records = 0;      /* set to 0 by user space before each pass */
__u32 truncated = 0;      /* cgroups left out: `usage` was full */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct rv_cg_usage);
	__uint(max_entries, 1);   /* set by user space (bpf_map__set_max_entries) */
} usage SEC(".maps");

SEC("iter/cgroup")
int cg_usage(struct bpf_iter__cgroup *ctx)
{
	struct cgroup *cg = ctx->cgroup;
	struct rv_cg_usage *u;
	__u32 i = n_records;

	if (!cg)
		return 0;   /* the end of the walk */
	u = bpf_map_lookup_elem(&usage, &i);
	if (!u) {
		truncated++;
		return 0;
	}
	u->cgroup_id = BPF_CORE_READ(cg, kn, id);
	u->usage_ns = BPF_CORE_READ(cg, bstat.cputime.sum_exec_runtime);
	/* cgroup.events: populated is cgroup_is_populated(), frozen the
	 * CGRP_FROZEN bit (set once every task of it is frozen; an anonymous
	 * enum, so no CO-RE relocation: 3 since 5.2, when freezing came). */
	u->flags = (BPF_CORE_READ(cg, nr_populated_csets) + BPF_CORE_READ(cg, nr_populated_domain_children) +
		    BPF_CORE_READ(cg, nr_populated_threaded_children) > 0 ? RV_CG_POPULATED : 0) |
		   (BPF_CORE_READ(cg, flags) & (1ULL << CGRP_FROZEN) ?
		    RV_CG_FROZEN : 0);
	n_records = i + 1;
	return 0;
}
