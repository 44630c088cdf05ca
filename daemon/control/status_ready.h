/* SPDX-License-Identifier: MIT */
/*
 * status_ready.h: readiness, health, the watchdog and depends_on in the
 * `status` reply (docs/protocol.md, docs/readiness.md).
 */
#pragma once

#include "basic/json_out.h"
#include "policy/supervisor.h"

/* An instance's "readiness" and "health" members, when configured. */
void status_instance_ready(struct json_out *j, const struct instance *inst);
/* A service's "type", "depends_on" and, while its starts wait, "waiting". */
void status_service_deps(struct json_out *j, const struct service *svc);
/* The daemon's "notify" member, as a value: the socket and its counters. */
void status_notify(struct json_out *j, const struct supervisor *s);
/* supervisor.checks: checks in flight against their daemon-wide bounds, and
 * how many runs waited for a place. */
void status_checks(struct json_out *j, const struct supervisor *s);
