/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * leak.bpf.c: per-process fd and thread counts for the processes of a set of
 * cgroups, in one pass of two task iterators (no kprobe, no fentry: this
 * kernel has neither). Nothing is printed; the counts live in maps.
 *
 *   want    cgroup id -> 1, filled by user space before each pass;
 *   counts  tgid -> struct rv_proc_counts, emptied by user space after it;
 *   dropped processes not counted because `counts` was full.
 *
 * Run iter/task first: it creates the entry of each watched process and
 * counts its tasks. iter/task_file then only adds fds to existing entries.
 *
 * What /proc shows, exactly, is the reference (the procfs source is the
 * fallback, and a test compares the two):
 *  - /proc/PID/fd is the group leader's file table. task_file already skips
 *    threads sharing the leader's table (5.10+); a thread that unshared its
 *    table is visited too, so only the leader's fds are counted here.
 *  - Threads: in /proc/PID/status is signal->nr_threads: every task still
 *    hashed, the zombie leader of a live group included. iter/task visits
 *    the same tasks.
 *  - cgroup.procs leaves out a process whose threads have all exited
 *    (signal->live == 0, an unreaped zombie); so does this.
 *  - The kind of an fd follows what readlink(/proc/PID/fd/N) prints, which
 *    is decided by the filesystem of the file's inode: "socket:[…]" (sockfs),
 *    "pipe:[…]" (pipefs; a named FIFO prints its path), "anon_inode:…"
 *    (anon_inodefs; pidfs on 6.9+ prints "anon_inode:[pidfd]"), "net:[…]"
 *    and friends (nsfs, whose inodes are S_IFREG), else a path: regular when
 *    the inode is S_IFREG, other otherwise.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "rv_probe.h"

#define S_IFMT 00170000
#define S_IFREG 0100000

#define SOCKFS_MAGIC 0x534F434B
#define PIPEFS_MAGIC 0x50495045
#define ANON_INODE_FS_MAGIC 0x09041934
#define PIDFS_MAGIC 0x50494446
#define NSFS_MAGIC 0x6e736673

#define MAX_PIDNS_LEVEL 32      /* MAX_PID_NS_LEVEL in the kernel */

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Iterators visit only the tasks of the reader's pid namespace; their pids
 * are reported as that namespace sees them, like its /proc. The reader's
 * level, plus one, found by the first program run (0: not yet). */
__u32 reader_level_1 = 0;

__u64 dropped = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, RV_PROBE_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, __u8);
} want SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, RV_PROBE_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct rv_proc_counts);
} counts SEC(".maps");

/*
 * The tgid of task (tgid: its global value) in the reader's pid namespace.
 * The caller passes tgid as a value: reading task->tgid in here let clang
 * merge that BTF load and the stack load of up.nr into one instruction,
 * which the verifier refuses ("same insn cannot be used with different
 * pointers"). The hot paths read task and file fields with plain BTF loads
 * (CO-RE relocated all the same) rather than BPF_CORE_READ's helper calls.
 */
static __always_inline __u32 ns_tgid(struct task_struct *task, __u32 tgid)
{
	struct task_struct *me;
	struct pid *pid;
	struct upid up = {};
	__u32 level = reader_level_1;

	if (level == 0) {
		me = (struct task_struct *)bpf_get_current_task();
		level = BPF_CORE_READ(me, thread_pid, level) + 1;
		reader_level_1 = level;
	}
	if (--level == 0)
		return tgid;
	if (level >= MAX_PIDNS_LEVEL)
		return 0;
	pid = BPF_CORE_READ(task, group_leader, thread_pid);
	if (!pid)
		return 0;
	bpf_core_read(&up, sizeof(up), &pid->numbers[level]);
	return up.nr;
}

/* Resident pages as VmRSS counts them (file + anon + shmem; not swap
 * entries, index 2): the mm's counters, whose per-CPU deltas are not
 * folded in, so it is off by at most a batch per CPU. 0 without an mm. */
static __always_inline __u64 rss_pages(struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__s64 file, anon, shmem, sum;

	if (!mm)
		return 0;
	file = BPF_CORE_READ(mm, rss_stat[0].count);
	anon = BPF_CORE_READ(mm, rss_stat[1].count);
	shmem = BPF_CORE_READ(mm, rss_stat[3].count);
	sum = (file > 0 ? file : 0) + (anon > 0 ? anon : 0) + (shmem > 0 ? shmem : 0);
	return (__u64)sum;
}

SEC("iter/task")
int count_threads(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct rv_proc_counts *c;
	__u32 tgid, global_tgid;
	bool leader;
	__u64 cgid;

	if (!task)
		return 0;
	cgid = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	if (!bpf_map_lookup_elem(&want, &cgid))
		return 0;
	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		return 0;
	global_tgid = task->tgid;
	leader = task->pid == global_tgid;
	tgid = ns_tgid(task, global_tgid);
	if (!tgid)
		return 0;

	c = bpf_map_lookup_elem(&counts, &tgid);
	if (!c) {
		struct rv_proc_counts init = { .cgroup_id = cgid };

		BPF_CORE_READ_INTO(&init.comm, task, group_leader, comm);
		init.rss_pages = rss_pages(task);
		if (bpf_map_update_elem(&counts, &tgid, &init, BPF_NOEXIST) < 0) {
			/* Full: count the process once, at its leader. */
			if (leader)
				__sync_fetch_and_add(&dropped, 1);
			return 0;
		}
		c = bpf_map_lookup_elem(&counts, &tgid);
		if (!c)
			return 0;
	}
	c->threads++;
	return 0;
}

static __always_inline __u32 fd_kind(struct file *file)
{
	struct inode *inode = file->f_inode;
	unsigned long magic = inode->i_sb->s_magic;
	umode_t mode = inode->i_mode;

	switch (magic) {
	case SOCKFS_MAGIC:
		return RV_FD_SOCKET;
	case PIPEFS_MAGIC:
		return RV_FD_PIPE;
	case ANON_INODE_FS_MAGIC:
	case PIDFS_MAGIC:
		return RV_FD_ANON;
	case NSFS_MAGIC:
		return RV_FD_OTHER;
	}
	return (mode & S_IFMT) == S_IFREG ? RV_FD_REGULAR : RV_FD_OTHER;
}

SEC("iter/task_file")
int count_fds(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct rv_proc_counts *c;
	__u32 tgid, kind;

	if (!task || !file)
		return 0;
	tgid = task->tgid;
	if (task->pid != tgid)
		return 0;
	tgid = ns_tgid(task, tgid);
	c = bpf_map_lookup_elem(&counts, &tgid);
	if (!c)
		return 0;       /* not watched, dropped, or born after iter/task */
	kind = fd_kind(file);
	if (kind < RV_FD_KINDS)
		c->fds[kind]++;
	return 0;
}
