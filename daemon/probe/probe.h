/* SPDX-License-Identifier: MIT */
/*
 * probe.h: counting fds (by kind) and threads of the processes in a set of
 * cgroups, in one pass. Two sources with the same output:
 *  - bpf: iter/task + iter/task_file programs (bpf/leak.bpf.c), keyed by
 *    cgroup id, read from a map after one pass over the system's tasks;
 *  - procfs: cgroup.procs of each cgroup, then /proc/PID/fd and
 *    /proc/PID/status, when BPF cannot load (no privilege, no BTF).
 * Mechanism only: returns -errno, logs at debug at most.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum fd_kind { FD_SOCKET, FD_PIPE, FD_REGULAR, FD_ANON, FD_OTHER, _FD_KIND_MAX };

struct proc_counts {
	pid_t tgid;
	uint64_t cgroup_id;               /* inode of the cgroup v2 directory */
	uint32_t fds[_FD_KIND_MAX];
	uint32_t nr_fds;                  /* sum of fds[] */
	uint32_t threads;
	char comm[16];
};

enum probe_mode { PROBE_AUTO, PROBE_BPF, PROBE_PROCFS };
enum probe_source { PROBE_SOURCE_BPF, PROBE_SOURCE_PROCFS };

#define PROBE_MAX_PROCS 65536    /* processes per pass; more are dropped and counted */
#define PROBE_MAX_CGROUPS 100000 /* cgroups watched at once */

struct probe;

/* What to count: the cgroups (id and an O_PATH fd of its directory, used by
 * the procfs source to read cgroup.procs). */
struct probe_target {
	uint64_t cgroup_id;
	int cgroup_fd;
};

struct probe_result {
	struct proc_counts *procs;        /* n entries, sorted by cgroup_id then tgid */
	size_t n;
	size_t cap;                       /* allocated once: PROBE_MAX_PROCS at most */
	uint64_t dropped;                 /* processes beyond cap */
	uint64_t cpu_ns;                  /* CPU time the pass took (CLOCK_THREAD_CPUTIME_ID) */
};

/*
 * PROBE_AUTO tries BPF and falls back to procfs; the reason BPF was not used
 * is written to why (e.g. "bpf: Operation not permitted").
 */
int probe_new(enum probe_mode mode, struct probe **ret, char *why, size_t whylen);
struct probe *probe_free(struct probe *p);
enum probe_source probe_source(const struct probe *p);
const char *probe_source_name(enum probe_source s);   /* "bpf" / "procfs" */

/* One pass: counts for every process in the target cgroups (not their
 * descendant cgroups). */
int probe_run(struct probe *p, const struct probe_target *t, size_t n, struct probe_result *res);
void probe_result_done(struct probe_result *res);

/* Helpers shared by both sources and the tests. */
uint64_t cgroup_id_of_fd(int cgroup_fd);                 /* fstat st_ino, 0 on error */
enum fd_kind fd_kind_from_link(const char *target);      /* readlink of /proc/PID/fd/N */
const char *fd_kind_name(enum fd_kind k);                /* socket pipe regular anon other */

/* Classifies like fd_kind_from_link(), but with the mode of the file itself
 * (stat of /proc/PID/fd/N, which follows the fd even when the path is gone):
 * st == NULL stats the link target instead. */
struct stat;
enum fd_kind fd_kind_classify(const char *target, const struct stat *st);

/*
 * Internal: between probe.c and its two sources (probe_bpf.c,
 * probe_procfs.c). Each source appends to res (n already 0) and leaves
 * sorting, cpu_ns and the target checks to probe_run(). t has unique ids,
 * none 0, and n >= 1.
 */
struct probe_bpf;
int probe_bpf_new(struct probe_bpf **ret, char *why, size_t whylen);
struct probe_bpf *probe_bpf_free(struct probe_bpf *b);
int probe_bpf_run(struct probe_bpf *b, const struct probe_target *t, size_t n,
		  struct probe_result *res);
int probe_procfs_run(const struct probe_target *t, size_t n, struct probe_result *res);
/* The next free entry of res, zeroed; NULL when res is full (PROBE_MAX_PROCS),
 * counted in res->dropped; -ENOMEM in *err only when growing fails. */
struct proc_counts *probe_result_add(struct probe_result *res, int *err);
