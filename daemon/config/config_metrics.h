/* SPDX-License-Identifier: MIT */
/*
 * config_metrics.h: supervisor.metrics.listen, where the daemon serves its
 * metrics over HTTP (docs/metrics.md).
 */
#pragma once

#include <stdbool.h>

#include "config/config.h"
#include "config/config_check.h"

struct raw_supervisor;   /* config_raw.h, private to config/ */

/* Each entry "unix:/ABSOLUTE/PATH" or a literal "HOST:PORT"
 * ("127.0.0.1:9464", "[::1]:9464", "localhost:9464"); at most
 * CONFIG_METRICS_LISTEN_MAX, no two alike. Bad entries are recorded. */
void config_validate_supervisor_metrics(struct config_vctx *v, const struct raw_supervisor *rs,
					struct supervisor_config *sc);
/* The same listeners in the same order (reload cannot move them). */
bool config_metrics_equal(const struct metrics_config *a, const struct metrics_config *b);
/* "unix:/run/x.sock" or "127.0.0.1:9464", for logs and errors. */
const char *config_metrics_listen_text(const struct metrics_listen_config *l);
