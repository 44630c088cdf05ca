/* SPDX-License-Identifier: MIT */
/*
 * status_ready.h: readiness, health, the watchdog and depends_on in the
 * `status` reply (docs/protocol.md, docs/readiness.md).
 */
#pragma once

#include <json-c/json.h>

#include "policy/supervisor.h"

/* An instance's "readiness" and "health" members, when configured. */
void status_instance_ready(json_object *o, const struct instance *inst);
/* A service's "type", "depends_on" and, while its starts wait, "waiting". */
void status_service_deps(json_object *o, const struct service *svc);
/* The daemon's "notify" member: the socket and its counters. */
json_object *status_notify(const struct supervisor *s);
/* supervisor.checks: checks in flight against their daemon-wide bounds, and
 * how many runs waited for a place. */
json_object *status_checks(const struct supervisor *s);
