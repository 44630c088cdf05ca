/* SPDX-License-Identifier: MIT */
/*
 * status.h: the `status` reply.
 */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "control/protocol.h"
#include "policy/supervisor.h"

/* {"ok":true,"supervisor":{...},"services":[...]} for req->service ("" =
 * all) and req->index (-1 = every instance); control_clients is shown. */
json_object *status_reply(struct supervisor *s, const struct rv_request *req, size_t control_clients);
/* Its parts, for the streamed reply (status_stream.c): the daemon's object,
 * a service's without "instances" (which the reply puts last), one instance. */
json_object *status_supervisor(struct supervisor *s, size_t control_clients);
json_object *status_service_head(const struct service *svc);
/* cg: see status_instance_cgroup(). */
json_object *status_instance(const struct instance *inst, const struct cgstat_usage *cg);
