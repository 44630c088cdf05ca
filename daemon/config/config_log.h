/* SPDX-License-Identifier: MIT */
/*
 * config_log.h: supervisor.log and each service's log.
 */
#pragma once

#include <sys/types.h>

#include "config/config_check.h"
#include "config/config_raw.h"

/* 0 or -ENOMEM; bad values are recorded. */
/* supervisor.log: the defaults of every service's log. */
int config_validate_supervisor_log(struct config_vctx *v, const struct raw_supervisor *rs,
				   struct supervisor_config *sc);
/* services.NAME.log merged over supervisor.log (rsup may be NULL); after
 * config_validate_supervisor_log(). s->log.dir is a copy of its own. */
int config_validate_service_log(struct config_vctx *v, const struct raw_supervisor *rsup,
				const struct supervisor_config *sc, const struct raw_service *rs,
				struct service_config *s);

