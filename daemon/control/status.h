/* SPDX-License-Identifier: MIT */
/*
 * status.h: the parts of the `status` reply (docs/protocol.md), written
 * with basic/json_out.h; status_stream.h puts them together, a chunk per
 * loop turn: {"ok":true,"supervisor":{...},"services":[{...,
 * "instances":[...]},...]}.
 */
#pragma once

#include <stddef.h>

#include "basic/json_out.h"
#include "policy/supervisor.h"
#include "probe/cgstat.h"

/* The daemon's object, as a value. */
void status_supervisor(struct json_out *j, struct supervisor *s, size_t control_clients);
/* A service's members but "instances" (which the reply puts last), into
 * its open object. */
void status_service_head(struct json_out *j, const struct service *svc);
/* One instance's object, as a value. cg: see status_instance_cgroup(). */
void status_instance(struct json_out *j, const struct instance *inst, const struct cgstat_usage *cg);
