/* SPDX-License-Identifier: MIT */
/*
 * config_report.h: what `check --json` prints (docs/cli.md): the file, ok,
 * the counts when it loaded, and each error and warning with its line,
 * column (1-based; null when unknown), key path and message.
 */
#pragma once

#include <json-c/json.h>

#include "config/config.h"

/* c: the loaded config, NULL when it did not load. The caller puts it. */
json_object *config_report_json(const char *file, const struct config *c, const struct config_errors *errs,
				const struct config_errors *warns);
