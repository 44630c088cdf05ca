/* SPDX-License-Identifier: MIT */
/*
 * cgstat.h: the CPU time of every cgroup under a root in one BPF pass
 * (bpf/cgstat.bpf.c): what `metrics` would otherwise read from each
 * instance's cpu.stat, one open, read and close each.
 *
 * Bounded: room for `max` cgroups, fixed at load; a pass that finds more
 * says so (truncated) and the caller reads the files of those it lacks.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cgstat;

struct cgstat_usage {
	uint64_t cgroup_id;
	uint64_t usage_usec;      /* cpu.stat's usage_usec */
	uint32_t flags;           /* RV_CG_POPULATED, RV_CG_FROZEN (rv_probe.h): cgroup.events */
};

/* Loads the program and attaches a pre-order cgroup iterator at root_fd
 * (any fd of the root's directory, O_PATH too). -errno with the reason in
 * why (no BTF, no CAP_BPF, a kernel without cgroup iterators). */
int cgstat_new(int root_fd, size_t max, struct cgstat **ret, char *why, size_t whylen);
struct cgstat *cgstat_free(struct cgstat *c);
/* One pass: the root's cpu.stat is read first (it flushes the subtree's
 * counters), then the iterator. *ret: the records sorted by cgroup id,
 * owned by c until the next pass; *ret_truncated: cgroups left out. */
int cgstat_pass(struct cgstat *c, const struct cgstat_usage **ret, size_t *ret_n, size_t *ret_truncated);
/* The record of id in a pass's result, or NULL. */
const struct cgstat_usage *cgstat_find(const struct cgstat_usage *u, size_t n, uint64_t id);
