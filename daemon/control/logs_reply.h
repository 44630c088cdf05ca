/* SPDX-License-Identifier: MIT */
/*
 * logs_reply.h: the `logs` control command (docs/protocol.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "control/protocol.h"

struct supervisor;
struct logstream;

/* {"ok":true,"lines":[...]}: the last req->lines of each stream of the
 * target, stdout then stderr per instance; or {"ok":false,"error"}, also
 * when the reply would pass max_bytes (checked line by line, before it is
 * built). */
json_object *logs_reply(struct supervisor *sup, const struct rv_request *req, size_t max_bytes);
/* `logs --rotate`: {"ok":true,"rotated":[paths]}, or an error naming the
 * file that could not be rotated, or saying there is none. */
json_object *logs_rotate_reply(struct supervisor *sup, const struct rv_request *req);
/* Calls fn on every stream of the target; the number of streams, -ENOENT
 * for no such service, or fn's first negative return. */
int logs_for_each_stream(struct supervisor *sup, const struct rv_request *req,
			 int (*fn)(struct logstream *s, void *userdata), void *userdata);
/* One line as the reply and a follower get it: "seq" left out for
 * LOGS_NO_SEQ (a line read back from a file), "ts" for ts_ms 0 (unknown). */
#define LOGS_NO_SEQ UINT64_MAX
json_object *logs_line_json(const struct logstream *s, const char *line, size_t n, bool split,
			    bool truncated, uint64_t seq, uint64_t ts_ms);
