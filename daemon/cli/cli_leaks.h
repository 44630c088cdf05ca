/* SPDX-License-Identifier: MIT */
/*
 * cli_leaks.h: the text of `ringvisor leaks` (docs/leaks.md).
 */
#pragma once

#include <json-c/json.h>

/* Per instance: the counts, the verdict and why, then per series the rate
 * over its horizon, the recent highs and how close it is to being flagged,
 * then its processes. */
void cli_print_leaks(json_object *reply);
