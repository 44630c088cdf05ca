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
