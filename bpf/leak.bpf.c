/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * leak.bpf.c: per-process fd and thread counts for the processes of a set of
 * cgroups, in one pass of two task iterators (no kprobe, no fentry: this
 * kernel has neither). Nothing is printed; the counts live in maps.
 *
 *   want    cgroup id -> 1, filled by user space before each pass;
 *   counts  tgid -> struct rv_proc_counts, emptied by user space after it
 *           (the task walk; the cgroup walk past `out`);
 *   out     the cgroup walk's records, n_out of them (at most out_max),
 *           set to 0 before it; spilled: those put in `counts` instead;
 *   dropped processes not counted because `counts` was full.
 *
 * Two ways to a pass, the same counts:
 *  - by cgroup (count_cgroups, iter/cgroup over the daemon's subtree;
 *    6.7+ for the css_task kfuncs): each cgroup in `want` walks its own
 *    processes (css_task, PROCS: what cgroup.procs lists) and reads each
 *    one's fd table, thread count and rss. Its cost is the subtree's
 *    cgroups (a map lookup each) plus the watched processes' fds, not
 *    every file of every task on the host. Each process is a record of
 *    the global array `out` (n_out of them), which user space reads where
 *    libbpf mapped the .bss: no map update, no map read, no lock per
 *    process (a hash update took a bucket lock with interrupts off, and
 *    the drain freed each entry). The processes past RV_PROBE_OUT_RECORDS
 *    go to `counts` as in the task walk.
 *
 * (The iterator's own output, bpf_seq_write(), is not used: a cgroup
 * iterator's output must fit one read of 32 KiB, as iter/cgroup cannot
 * resume in a second read: 500 processes.)
 *  - by task (count_threads, then count_fds; the fallback): iter/task
 *    creates the entry of each watched process and counts its tasks;
 *    iter/task_file then adds fds to existing entries. task_file visits
 *    every open file of every task on the host, watched or not.
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

__u32 n_out = 0;
__u32 out_max = RV_PROBE_OUT_RECORDS;   /* lowered by tests, to reach `counts` */
__u32 spilled = 0;                      /* processes put in `counts` instead */
struct rv_proc_record out[RV_PROBE_OUT_RECORDS];

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

/* Before 6.2 the mm's counters were atomics (struct mm_rss_stat), not
 * percpu_counters: the ___v61 flavour names that layout for CO-RE, which
 * matches it to the kernel's `struct mm_rss_stat` where one exists. */
struct mm_rss_stat___v61 {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___v61 {
	struct mm_rss_stat___v61 rss_stat;
} __attribute__((preserve_access_index));

static __always_inline __s64 rss_counter(struct mm_struct *mm, int i)
{
	if (bpf_core_type_exists(struct mm_rss_stat___v61))
		return BPF_CORE_READ((struct mm_struct___v61 *)mm, rss_stat.count[i].counter);
	return BPF_CORE_READ(mm, rss_stat[i].count);
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
	file = rss_counter(mm, 0);
	anon = rss_counter(mm, 1);
	shmem = rss_counter(mm, 3);
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

/* The kind of an fd from its inode's filesystem and mode (the header
 * comment says why these). Both walks read the two and call this. */
static __always_inline __u32 kind_of(unsigned long magic, umode_t mode)
{
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

static __always_inline __u32 fd_kind(struct file *file)
{
	struct inode *inode = file->f_inode;

	return kind_of(inode->i_sb->s_magic, inode->i_mode);
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

/* ---- by cgroup ---- */

extern int bpf_iter_css_task_new(struct bpf_iter_css_task *it, struct cgroup_subsys_state *css,
				 unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_css_task_next(struct bpf_iter_css_task *it) __weak __ksym;
extern void bpf_iter_css_task_destroy(struct bpf_iter_css_task *it) __weak __ksym;

#define CSS_TASK_ITER_PROCS (1U << 0)   /* include/linux/cgroup.h: leaders only */
#define FD_WORDS_MAX (1U << 20)         /* open_fds words read: 64 Mi fds, past any nr_open */

/* One process's file table as bpf_loop walks it: a word of open_fds a
 * call of walk_fd_word, then a bit of that word a call of walk_fd_bit.
 * Callbacks, not loops: the verifier checks a callback once, where it
 * unrolled a loop of 64 bits with its branches past its million steps. The
 * walk's state is a global, not the stack: the verifier does not follow a
 * map value's contents, so counters that grow each call do not make each
 * call a new state to check. One reader at a time runs this object's
 * iterators (the daemon's loop), so one walk is ever in progress. */
struct fd_walk {
	__u64 fd;                       /* struct file **, fdt->fd */
	__u64 open_fds;                 /* unsigned long *, fdt->open_fds */
	__u64 word;                     /* the word being walked */
	__u64 base;                     /* its first fd */
	__u32 fds[RV_FD_KINDS];
};

static struct fd_walk walk;

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __weak __ksym;

/* The kind of the file at address addr (read from the fd array). Its
 * fields are read by plain loads through bpf_rdonly_cast's untrusted
 * pointer, which the JIT makes a load guarded against faults: a fraction
 * of a bpf_probe_read_kernel() call each, where a process's fds are most
 * of a pass. */
static __always_inline __u32 fd_kind_read(__u64 addr)
{
	struct file *file = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct file));
	struct inode *inode = file->f_inode;

	return inode ? kind_of(inode->i_sb->s_magic, inode->i_mode) : RV_FD_KINDS;
}

/* Bit b of the word: its file's kind counted; 1 (stop) past the last. */
static long walk_fd_bit(__u32 b, void *ctx)
{
	struct fd_walk *x = &walk;
	__u64 file = 0;
	__u32 kind;

	if (b >= 64 || !(x->word >> b))
		return 1;
	if (!((x->word >> b) & 1))
		return 0;
	if (bpf_probe_read_kernel(&file, sizeof(file), (void *)(x->fd + (x->base + b) * 8)) < 0 || !file)
		return 0;
	kind = fd_kind_read(file);
	if (kind < RV_FD_KINDS)
		x->fds[kind]++;
	return 0;
}

/* Word w of open_fds. The table is read without the files lock, under
 * RCU (the fdtable is freed by RCU): a process opening or closing
 * meanwhile is counted either way, as /proc would show it a moment apart;
 * one exiting may read as anything, and is gone by the next pass. */
static long walk_fd_word(__u32 w, void *ctx)
{
	struct fd_walk *x = &walk;

	x->word = 0;
	if (bpf_probe_read_kernel(&x->word, sizeof(x->word), (void *)(x->open_fds + (__u64)w * 8)) < 0)
		return 1;
	if (x->word) {
		x->base = (__u64)w * 64;
		bpf_loop(64, walk_fd_bit, NULL, 0);
	}
	return 0;
}

/* The group leader's table, as /proc/PID/fd (none once the leader exited).
 * task is trusted (the css_task iterator's): the pointers it leads to are
 * read by plain loads; only the arrays, indexed by a variable, need
 * bpf_probe_read_kernel(). */
static __always_inline void count_table(struct task_struct *task, struct rv_proc_counts *c)
{
	struct files_struct *files = task->files;
	struct fd_walk *x = &walk;
	struct fdtable *fdt;
	__u32 words;

	if (!files)
		return;
	fdt = files->fdt;
	if (!fdt)
		return;
	__builtin_memset(x, 0, sizeof(*x));
	words = (fdt->max_fds + 63) / 64;
	x->fd = (__u64)fdt->fd;
	x->open_fds = (__u64)fdt->open_fds;
	bpf_loop(words < FD_WORDS_MAX ? words : FD_WORDS_MAX, walk_fd_word, NULL, 0);
	for (int k = 0; k < RV_FD_KINDS; k++)
		c->fds[k] = x->fds[k];
}

/* rss_pages() by plain loads, for a trusted task. */
static __always_inline __u64 rss_pages_of(struct task_struct *task)
{
	struct mm_struct *mm = task->mm;
	__s64 file, anon, shmem;

	if (!mm)
		return 0;
	file = mm->rss_stat[0].count;
	anon = mm->rss_stat[1].count;
	shmem = mm->rss_stat[3].count;
	return (__u64)((file > 0 ? file : 0) + (anon > 0 ? anon : 0) + (shmem > 0 ? shmem : 0));
}

static __always_inline void fill_counts(struct task_struct *task, __u64 cgid, struct rv_proc_counts *c)
{
	struct signal_struct *signal = task->signal;

	c->cgroup_id = cgid;
	BPF_CORE_READ_INTO(&c->comm, task, comm);
	c->rss_pages = rss_pages_of(task);
	c->threads = signal ? signal->nr_threads : 0;
	count_table(task, c);
}

/* One process: the next record of `out`, or past its end an entry of
 * `counts` (BPF_NOEXIST: a process seen twice, moving between cgroups
 * meanwhile, counts once; in `out` it may count in both). */
static __noinline void count_process(struct task_struct *task, __u64 cgid)
{
	struct rv_proc_counts spill = {};
	__u32 tgid = ns_tgid(task, task->tgid), i = n_out;

	if (!tgid)
		return;
	if (i < out_max && i < RV_PROBE_OUT_RECORDS) {
		struct rv_proc_record *r = &out[i];

		n_out = i + 1;
		r->tgid = tgid;
		fill_counts(task, cgid, &r->c);
		return;
	}
	fill_counts(task, cgid, &spill);
	spilled++;
	if (bpf_map_update_elem(&counts, &tgid, &spill, BPF_NOEXIST) < 0)
		__sync_fetch_and_add(&dropped, 1);
}

SEC("iter/cgroup")
int count_cgroups(struct bpf_iter__cgroup *ctx)
{
	struct cgroup *cgrp = ctx->cgroup;
	struct bpf_iter_css_task it;
	struct task_struct *task;
	__u64 cgid;

	if (!cgrp)
		return 0;
	cgid = cgrp->kn->id;
	if (!bpf_map_lookup_elem(&want, &cgid))
		return 0;
	bpf_iter_css_task_new(&it, &cgrp->self, CSS_TASK_ITER_PROCS);
	while ((task = bpf_iter_css_task_next(&it)))
		count_process(task, cgid);
	bpf_iter_css_task_destroy(&it);
	return 0;
}

