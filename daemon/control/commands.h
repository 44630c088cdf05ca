/* SPDX-License-Identifier: MIT */
/*
 * commands.h: what each control request does, and the reply it gets: one
 * table (commands.c) says, per command, whether it needs a service, may
 * run during shutdown, needs cgroups, and what it does. Permission has
 * been checked by the caller (control.c).
 */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "control/protocol.h"
#include "policy/supervisor.h"

/* Always returns a reply object: {"ok": true, ...} or {"ok": false, "error"}.
 * control_clients is shown by status. */
json_object *command_run(struct supervisor *s, const struct rv_request *req, size_t control_clients);
