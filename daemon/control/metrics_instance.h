/* SPDX-License-Identifier: MIT */
/*
 * metrics_instance.h: the families of each instance (docs/metrics.md):
 * state, restarts, exits, usage from its cgroup and the leak watch,
 * violations, log streams, readiness and health.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "control/metrics_text.h"
#include "policy/instance.h"

/* What one instance's cgroup files said, read once per request. */
struct metrics_inst {
	const struct instance *inst;
	bool has_cpu, has_memory, has_pids;
	uint64_t cpu_usec, throttled_usec, memory, pids;
};

/* Reads the cgroup figures of m->inst. */
void metrics_inst_read(struct metrics_inst *m);
/* Every instance family, each once with all its samples. wall_offset_ns:
 * CLOCK_REALTIME - CLOCK_MONOTONIC now, for the times (unix seconds). */
void metrics_instances(struct mtext *t, const struct metrics_inst *m, size_t n, uint64_t wall_offset_ns);
