/* SPDX-License-Identifier: MIT */
/*
 * rv_probe.h: the boundary between bpf/leak.bpf.c and daemon/probe_bpf.c.
 *
 * The BPF side includes it after vmlinux.h (which defines __u32/__u64 and
 * guards itself with __VMLINUX_H__); user space takes the types from
 * <linux/types.h>. The fd kinds are in the order of enum fd_kind in
 * daemon/probe.h, which checks that at compile time.
 */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define RV_PROBE_MAX_PROCS 65536    /* entries of `counts`: processes per pass */
#define RV_PROBE_MAX_CGROUPS 100000 /* entries of `want`: cgroups per pass */

#define RV_FD_SOCKET 0
#define RV_FD_PIPE 1
#define RV_FD_REGULAR 2
#define RV_FD_ANON 3
#define RV_FD_OTHER 4
#define RV_FD_KINDS 5

/* Value of the `counts` map, keyed by __u32 tgid (as seen in the loader's
 * pid namespace). */
struct rv_proc_counts {
	__u64 cgroup_id;          /* kernfs id of the process's cgroup v2 directory */
	__u32 fds[RV_FD_KINDS];   /* open fds by kind, from the leader's file table */
	__u32 threads;            /* tasks of the thread group */
	char comm[16];            /* the group leader's comm */
	__u64 rss_pages;          /* resident pages of its mm: file + anon + shmem (as VmRSS) */
};

/* What the cgroup walk writes for each process into its `out` array, which
 * user space reads through the object's mmapped .bss: 64 bytes. */
struct rv_proc_record {
	__u32 tgid;               /* as seen in the loader's pid namespace */
	__u32 pad;
	struct rv_proc_counts c;
};

/* Records of `out`: processes a pass counts without a map update (256 KiB
 * of kernel memory, mapped by the daemon; only the records a pass writes
 * are touched). The processes past them go to the `counts` map. */
#define RV_PROBE_OUT_RECORDS 4096

/* One record of bpf/cgstat.bpf.c's `usage` array: a cgroup of the
 * daemon's subtree and its CPU time, as cpu.stat's usage_usec (times
 * 1000) once the subtree's rstat is flushed; and what its cgroup.events
 * says (populated, frozen), as flags. */
#define RV_CG_POPULATED 1u
#define RV_CG_FROZEN 2u
struct rv_cg_usage {
	__u64 cgroup_id;          /* kernfs id of the cgroup v2 directory */
	__u64 usage_ns;           /* cgroup->bstat.cputime.sum_exec_runtime */
	__u32 flags;              /* RV_CG_* */
	__u32 pad;
};
