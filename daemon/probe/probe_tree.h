/* SPDX-License-Identifier: MIT */
/*
 * probe_tree.h: the procfs probe's tree targets, for instances without a
 * cgroup (probe_tree.c says how a process is matched to one).
 */
#pragma once

#include <stddef.h>

#include "probe/probe_result.h"

/* The tree targets (cgroup_fd < 0) of t[0..n): one walk of /proc. */
int probe_tree_run(const struct probe_target *t, size_t n, struct probe_result *res);
