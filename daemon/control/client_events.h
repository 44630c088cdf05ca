/* SPDX-License-Identifier: MIT */
/*
 * client_events.h: the `events` request (docs/events.md). The reply is a
 * line {"ok":true,"count":N,...}, then the N events of the ring the
 * request asks for (a target, since_ms), one JSON line each; with follow
 * the client then becomes a subscriber: every new event that concerns it,
 * as it comes. A subscriber reads from the ring at its own pace, with at
 * most CONTROL_EVENTS_CHUNK queued at a time; one that falls so far behind
 * that the ring lets go of an event it has not had is cut off: a last
 * line {"event":"dropped",...} and the connection closed (once that line
 * is read, or after CONTROL_IDLE_TIMEOUT_MS). The daemon never waits for
 * it, and the others never notice.
 */
#pragma once

#include <stdint.h>

#include <json-c/json.h>

#include "basic/json_out.h"
#include "control/client.h"

void client_events(struct client *cl, const struct rv_request *req);
/* Queues what a subscriber has not had yet (up to the chunk), or cuts it
 * off; called for each new event and when its queue was sent. Never sends
 * and never frees cl. */
void client_events_pump(struct client *cl);
/* cl is being freed. */
void client_events_done(struct client *cl);
/* Subscribers cut off so far, by this process. */
uint64_t client_events_dropped_total(void);
/* status's supervisor.events: the ring's fill and bounds, subscribers now,
 * subscribers cut off: an object, as a value. */
void client_events_status(struct json_out *j);
