/* SPDX-License-Identifier: MIT */
/*
 * probe_bpf.h: the BPF source of probe.c. Each source appends to res (n
 * already 0) and leaves sorting, cpu_ns and the target checks to
 * probe_run(); t has unique ids, none 0, and n >= 1.
 */
#pragma once

#include <stddef.h>

#include "probe/probe_result.h"

struct probe_bpf;

/* Loads and checks the programs; why says what failed. */
int probe_bpf_new(struct probe_bpf **ret, char *why, size_t whylen);
struct probe_bpf *probe_bpf_free(struct probe_bpf *b);
int probe_bpf_run(struct probe_bpf *b, const struct probe_target *t, size_t n,
		  struct probe_result *res);
