/* SPDX-License-Identifier: MIT */
/*
 * status_cgroup.h: the cgroup parts of `status` (docs/protocol.md).
 */
#pragma once

#include "basic/json_out.h"
#include "policy/instance.h"
#include "policy/service.h"
#include "probe/cgstat.h"

/* Each set limit: its key, file, value, and whether it is enforced here
 * (with the reason when it is not). */
void status_service_limits(struct json_out *j, const struct service *svc);
/* The instance's cgroup figures (read now), its violations, or why it is
 * not in its cgroup and which limits that leaves unenforced. */
/* cg: the instance's record of a cgroup pass (cpu controller off), or
 * NULL: its files are read. */
void status_instance_cgroup(struct json_out *j, const struct instance *inst, const struct cgstat_usage *cg);
