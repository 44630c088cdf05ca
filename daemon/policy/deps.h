/* SPDX-License-Identifier: MIT */
/*
 * deps.h: depends_on at run time (docs/readiness.md). A service's instances
 * start once every condition holds; a condition on a service holds when
 * each of its instances meets it (a service scaled to 0 meets none). What
 * a service waits for, or is blocked by, is said in words for status and
 * the CLI: "db: not ready", "migrate: failed, exit 3".
 *
 *   started    the process runs (or a oneshot has completed)
 *   ready      its readiness check passed; without one, it runs
 *   healthy    its health check says healthy
 *   completed  a oneshot exited 0
 *
 * Blocked, rather than waiting, is a dependency that will not get there by
 * itself: failed, exited, or stopped. It still unblocks if it is started
 * again and gets there. Conditions are checked when a start is due: a
 * dependency that later falls back does not stop what already started.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy/service.h"

#define DEPS_REASON_MAX 160

/* Whether every condition of svc holds; if not, the first that does not,
 * in words, in why (and *blocked when it will not hold by itself). */
bool deps_met(const struct service *svc, const struct service *all, char *why, size_t len, bool *blocked);
/* Whether svc has reached what its own dependents could ask of it at
 * most: the end of a boot (oneshot: completed or failed; with readiness:
 * ready; else running; or given up on: failed, exited for good). Used for
 * the daemon's own READY=1. */
bool deps_settled(const struct service *svc);
/* Shutdown order: may svc be stopped now, i.e. has every service that
 * depends on it no process left? */
bool deps_may_stop(const struct service *svc, const struct service *all, size_t n);
