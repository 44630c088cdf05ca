/* SPDX-License-Identifier: MIT */
/*
 * config_leak.h: leak:, on_violation.leak, probe and state_dir.
 */
#pragma once

#include <sys/types.h>

#include "config/config_check.h"
#include "config/config_raw.h"

/* 0 or -ENOMEM; bad values are recorded. */
/* leak: and on_violation.leak of one service; after
 * config_validate_service_limits(), which sets the rest of on_violation. */
int config_validate_service_leak(struct config_vctx *v, const struct raw_service *rs,
				 struct service_config *s);
/* The defaults of leak: (the one place they are written). */
const struct service_leak_config *config_leak_defaults(void);
/* The supervisor's probe and state_dir. */
int config_validate_supervisor_leak(struct config_vctx *v, const struct raw_supervisor *rs,
				    struct supervisor_config *sc);

