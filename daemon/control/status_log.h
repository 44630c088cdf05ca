/* SPDX-License-Identifier: MIT */
/*
 * status_log.h: a log stream's counters as `status` shows them
 * (docs/protocol.md).
 */
#pragma once

#include "basic/json_out.h"
#include "logs/logstream.h"

/* The stream's object, as a value. */
void status_log_stream(struct json_out *j, const struct logstream *s);
