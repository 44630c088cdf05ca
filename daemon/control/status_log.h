/* SPDX-License-Identifier: MIT */
/*
 * status_log.h: a log stream's counters as `status` shows them
 * (docs/protocol.md).
 */
#pragma once

#include <json-c/json.h>

#include "logs/logstream.h"

json_object *status_log_stream(const struct logstream *s);
