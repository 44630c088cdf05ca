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
/* The loop sources of the daemon's front doors: the control socket's
 * clients and the metrics listeners (control/metrics_http.h). */
#define CONTROL_FRONT_SOURCES (CONTROL_MAX_CLIENTS + 4)

/* Binds and listens on `path` (creating its directory, 0755). Refuses with
 * -EADDRINUSE when another daemon answers on it; a stale socket file left by a
 * dead daemon is replaced. */
int control_new(struct supervisor *sup, const char *path, struct control **ret);
struct control *control_free(struct control *c);
