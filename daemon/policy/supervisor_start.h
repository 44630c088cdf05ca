/* SPDX-License-Identifier: MIT */
/*
 * supervisor_start.h: what runs on the supervisor's start timer, after any
 * change that may let something move (docs/readiness.md):
 *   - queued starts whose depends_on holds, START_BATCH per loop turn;
 *     the others wait, their reason kept on the service for status;
 *   - during a shutdown, the services whose dependents have all stopped
 *     (reverse order: a database outlives what uses it);
 *   - once, the daemon's own READY=1 to its NOTIFY_SOCKET (under systemd,
 *     Type=notify) when every service without a blocked dependency has
 *     got where it is going.
 */
#pragma once

#include <stdbool.h>

struct supervisor;

#define START_BATCH 16   /* spawns per loop turn at boot or scale */

/* The start timer's work; re-arms it while a batch is left. */
void supervisor_start_due(struct supervisor *s);
/* Stops what may stop now; all at once when no service has depends_on. */
void supervisor_stop_in_order(struct supervisor *s);
/* rt.changed: arms the start timer only when something waits on a change. */
void supervisor_note_change(struct supervisor *s);
/* A start of one instance asked by an operator: at once, or queued with
 * the reason it waits (in why). True when started now. */
bool supervisor_start_or_queue(struct supervisor *s, struct instance *inst, char *why, size_t len);
