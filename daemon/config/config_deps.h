/* SPDX-License-Identifier: MIT */
/*
 * config_deps.h: depends_on, checked across services.
 */
#pragma once

#include "config/config_check.h"
#include "config/config_raw.h"

/* After every service is validated (a condition depends on the other
 * service's type and health). 0 or -ENOMEM; problems are recorded. */
int config_validate_deps(struct config_vctx *v, const struct raw_config *raw, struct config *c);
const char *dep_condition_to_string(enum dep_condition c);   /* "ready" ... */
