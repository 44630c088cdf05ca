/* SPDX-License-Identifier: MIT */
/*
 * commands.h: what each control request does, and the replies it gets.
 * Permission has been checked by the caller (control.c).
 */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "control/protocol.h"

struct supervisor;

/* Always returns a reply object: {"ok": true, ...} or {"ok": false, "error"}. */
json_object *command_run(struct supervisor *s, const struct rv_request *req, size_t control_clients);
