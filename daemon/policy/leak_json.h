/* SPDX-License-Identifier: MIT */
/*
 * leak_json.h: a leak verdict and its history as JSON, the same in the
 * `leaks` reply and in a snapshot (docs/leaks.md, "Why it says so").
 */
#pragma once

#include <json-c/json.h>

#include "policy/leak.h"

/* {"fds": {...}, "threads": {...}, "memory": {...}}: per series the
 * verdict, why, the rate and its horizon, how close it is to being
 * flagged, the recent highs and each horizon's figures. now_ms: for
 * last_high_ago_ms. */
json_object *leak_series_json(const struct leak_trend *t, uint64_t now_ms);
/* [{"t_ms", "fds", "threads", "memory"}...], oldest first; memory in bytes. */
json_object *leak_history_json(const struct leak_history *h);
