/* SPDX-License-Identifier: MIT */
/*
 * probe_procfs.h: the /proc source of probe.c, for hosts where BPF cannot
 * load. Same contract as probe_bpf_run().
 */
#pragma once

#include <stddef.h>

#include "probe/probe_result.h"

/* The cgroup targets, through their cgroup.procs (tree targets are
 * probe_tree.c's). */
int probe_procfs_run(const struct probe_target *t, size_t n, struct probe_result *res);
/* One process's fds, threads, rss and comm, under key `cgroup_id`; a
 * process gone (or a zombie) meanwhile is skipped. 0 or -errno. */
int probe_procfs_scan_process(pid_t pid, uint64_t cgroup_id, struct probe_result *res);

