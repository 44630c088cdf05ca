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

/* What one instance's cgroup files said, read once per request, and its
 * labels (service, index) formatted once for all its samples: `labels_len`
 * bytes at `labels_off` of the labels buffer, in the text's mode. */
struct metrics_inst {
	const struct instance *inst;
	bool has_cpu, has_memory, has_pids;
	uint64_t cpu_usec, throttled_usec, memory, pids;
	uint32_t labels_off, labels_len;
};

/* Reads the cgroup figures of m->inst (cpu.stat only when has_cpu is not
 * set yet, or for the cpu controller's throttling), and appends its labels
 * to `labels` (whose mode is the text's). */
void metrics_inst_read(struct metrics_inst *m, struct mtext *labels);
/* Every instance family, each once with all its samples. labels: the
 * buffer metrics_inst_read() wrote. wall_offset_ns: CLOCK_REALTIME -
 * CLOCK_MONOTONIC now, for the times (unix seconds). */
void metrics_instances(struct mtext *t, const struct metrics_inst *m, size_t n, const char *labels,
		       uint64_t wall_offset_ns);
