/* SPDX-License-Identifier: MIT */
/*
 * control.h: the control socket (DESIGN.md section 6). A unix stream socket,
 * one JSON object per line each way; clients, buffers and idle time are all
 * bounded so that no client can stall or grow the daemon.
 */
#pragma once

#include <stddef.h>

struct supervisor;
struct control;

#define CONTROL_MAX_CLIENTS 64
#define CONTROL_ADMIN_SLOTS 8             /* of them, kept for root and the admin group */
#define CONTROL_MAX_PER_UID 8             /* connections of one other user */
#define CONTROL_IDLE_TIMEOUT_MS 10000     /* a client must finish a request (or read its reply) within this */
#define CONTROL_MAX_REPLY (16U << 20)     /* bytes queued for one client */
#define CONTROL_MAX_QUEUED (64U << 20)    /* bytes queued for every client together */
#define CONTROL_FOLLOW_MAX (256U << 10)   /* bytes queued for a `logs -f` client */
/* The event stream (docs/events.md). The daemon keeps its last events in a
 * ring; `events -f` subscribers read from it, each at its own pace, in
 * slots of their own, so that 64 of them leave every command slot free. */
#define CONTROL_EVENTS_KEPT 4096               /* events in the ring, ... */
#define CONTROL_EVENTS_KEPT_BYTES (1U << 20)   /* ... and bytes of their lines, at most */
#define CONTROL_MAX_SUBSCRIBERS 64
#define CONTROL_SUBSCRIBER_ADMIN_SLOTS 8       /* of them, kept for root and the admin group */
#define CONTROL_SUBSCRIBERS_PER_UID 8          /* subscribers of one other user */
#define CONTROL_EVENTS_CHUNK (64U << 10)       /* bytes a subscriber has queued, at most, before more */
/* Loop sources and timers the control may hold: a connection has an fd
 * and two timers; a metrics listener (control/metrics_http.h) an fd and a
 * timer, 4 at most. */
#define CONTROL_LOOP_SOURCES (2 * (CONTROL_MAX_CLIENTS + CONTROL_MAX_SUBSCRIBERS) + 4)

/* Binds and listens on `path` (creating its directory, 0755). Refuses with
 * -EADDRINUSE when another daemon answers on it; a stale socket file left by a
 * dead daemon is replaced. */
int control_new(struct supervisor *sup, const char *path, struct control **ret);
struct control *control_free(struct control *c);
