/* SPDX-License-Identifier: MIT */
/*
 * probe_bpf.h: the BPF source of probe.c. Each source appends to res (n
 * already 0) and leaves sorting, cpu_ns and the target checks to
 * probe_run(); t has unique ids, none 0, and n >= 1.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "probe/probe_result.h"

struct probe_bpf;

/* How a pass finds the watched processes (bpf/leak.bpf.c): AUTO takes
 * CGROUPS where the kernel can (6.7+), else TASKS, saying so at info. */
enum probe_bpf_walk { PROBE_BPF_WALK_AUTO, PROBE_BPF_WALK_CGROUPS, PROBE_BPF_WALK_TASKS };

/* Loads and checks the programs; why says what failed. */
int probe_bpf_new(enum probe_bpf_walk walk, struct probe_bpf **ret, char *why, size_t whylen);
const char *probe_bpf_walk_name(const struct probe_bpf *b);   /* "cgroups" / "tasks" */
/* The cgroups walk over cgroup_fd's descendants (itself included) instead
 * of the whole hierarchy (-1: the whole hierarchy again): 0, or -errno
 * with the walk as it was. Nothing to do for the tasks walk. */
int probe_bpf_set_scope(struct probe_bpf *b, int cgroup_fd);
/* probe_limit_out(): at most `records` processes a pass in `out`. */
void probe_bpf_limit_out(struct probe_bpf *b, uint32_t records);
struct probe_bpf *probe_bpf_free(struct probe_bpf *b);
int probe_bpf_run(struct probe_bpf *b, const struct probe_target *t, size_t n,
		  struct probe_result *res);
