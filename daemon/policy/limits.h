/* SPDX-License-Identifier: MIT */
/*
 * limits.h: a service's `limits` as cgroup v2 files. A limit is enforced only
 * where its controller is enabled for the services' subtree; where it is not
 * (cgroup v1 holds the controller, or no cgroups at all), `status` says so
 * and `strict_limits` makes it a start error.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kernel/cgroup_root.h"
#include "config/config.h"

enum limit_kind {
	LIMIT_MEMORY_MAX, LIMIT_MEMORY_HIGH, LIMIT_MEMORY_SWAP_MAX, LIMIT_PIDS_MAX,
	LIMIT_CPU_MAX, LIMIT_CPU_WEIGHT, LIMIT_IO_MAX, _LIMIT_MAX,
};

struct limit_desc {
	enum limit_kind kind;
	const char *key;       /* config key under limits: */
	const char *file;      /* cgroup file */
	unsigned controller;   /* CGROUP_CTRL_* */
};

const struct limit_desc *limit_desc(enum limit_kind k);
bool limit_is_set(const struct limits_config *l, enum limit_kind k);
int limit_format(const struct limits_config *l, enum limit_kind k, char *buf, size_t len);
/* Writes every set limit whose controller is available; on failure returns
 * -errno and which limit failed. */
int limits_apply(int fd, const struct limits_config *l, unsigned controllers, enum limit_kind *ret_failed);
/* reload: a limit set in old and not in new goes back to the kernel's
 * default ("max", cpu.weight 100; io.max per device), since the cgroup
 * outlives the definition. */
void limits_reset(int fd, const struct limits_config *old, const struct limits_config *new, unsigned controllers);
/* Why limit k cannot be enforced under this root (cg->fd < 0: without
 * cgroups, cg_reason says why), written to buf; NULL when it can. */
const char *limit_unenforced_reason(const struct cgroup_root *cg, const char *cg_reason,
				    enum limit_kind k, char *buf, size_t len);
