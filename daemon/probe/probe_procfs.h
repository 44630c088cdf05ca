/* SPDX-License-Identifier: MIT */
/*
 * probe_procfs.h: the /proc source of probe.c, for hosts where BPF cannot
 * load. Same contract as probe_bpf_run().
 */
#pragma once

#include <stddef.h>

#include "probe/probe_result.h"

int probe_procfs_run(const struct probe_target *t, size_t n, struct probe_result *res);
