/* SPDX-License-Identifier: MIT */
/*
 * config_limits.h: limits:, on_violation, cgroup_root and strict_limits.
 */
#pragma once

#include <sys/types.h>

#include "config/config_check.h"
#include "config/config_raw.h"

/* 0 or -ENOMEM; bad values are recorded. */
/* limits:, memory_oom_group and on_violation of one service. */
int config_validate_service_limits(struct config_vctx *v, const struct raw_service *rs,
				   struct service_config *s);
/* The supervisor's cgroup_root and strict_limits. */
int config_validate_supervisor_limits(struct config_vctx *v, const struct raw_supervisor *rs,
				      struct supervisor_config *sc);

