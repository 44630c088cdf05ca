/* SPDX-License-Identifier: MIT */
/*
 * status_stream.h: the `status` reply written in chunks through the loop.
 * The reply is the one JSON line status.h describes; it is written a
 * chunk per loop turn (the daemon's object first, then at most
 * STATUS_CHUNK_INSTANCES instances), written as text (basic/json_out.h)
 * and handed to emit once per turn, so a status of 10 000 instances
 * neither holds the loop nor builds a tree of megabytes. Between two chunks the loop
 * serves other clients and child events: an instance is shown as it was
 * when its chunk was written, not all at one instant.
 *
 * Filters (docs/protocol.md): a state (only the instances in it, and only
 * the services that have one), and a page (`limit` instances from the
 * `offset`-th of those that match), after which the reply says
 * "page":{offset, limit, returned, matched}.
 */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "control/protocol.h"
#include "policy/supervisor.h"

#define STATUS_CHUNK_INSTANCES 64      /* written per loop turn */
#define STATUS_CHUNK_SCANNED 4096      /* looked at per loop turn (a filter skips most) */

struct status_stream;

/* Bytes of the reply, in order: 0, or a negative errno (the reply is cut). */
typedef int (*status_emit_fn)(const char *s, size_t n, void *userdata);

/* NULL: the request can be streamed; else why not, as text (an unknown
 * state). An unknown service is answered by command_run, as before. */
const char *status_stream_refused(const struct rv_request *req, char *buf, size_t len);
struct status_stream *status_stream_new(const struct rv_request *req);
/* The next chunk: 1 when the reply is whole (with its newline), 0 when
 * more follows (next turn), or a negative errno from emit. */
int status_stream_next(struct status_stream *st, struct supervisor *s, size_t control_clients,
		       status_emit_fn emit, void *userdata);
void status_stream_free(struct status_stream *st);
/* The whole reply at once, parsed (NULL: out of memory): the same text
 * the stream writes, for command_run and tests. */
json_object *status_stream_reply(struct supervisor *s, const struct rv_request *req, size_t control_clients);
