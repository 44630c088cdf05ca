/* SPDX-License-Identifier: MIT */
/*
 * config_ready.h: type, readiness, watchdog, health, on_violation.health.
 */
#pragma once

#include "config/config_check.h"
#include "config/config_raw.h"

/* Of one service, after validate_restart (a oneshot changes the restart
 * policy's default). 0 or -ENOMEM; bad values are recorded. */
int config_validate_service_ready(struct config_vctx *v, const struct raw_service *rs,
				  struct service_config *s);
/* What config_validate_service_ready() and config_validate_deps() allocated. */
void config_ready_free(struct service_config *s);
