/* SPDX-License-Identifier: MIT */
/*
 * status_leaks.h: the `leaks` reply (docs/leaks.md).
 */
#pragma once

#include <json-c/json.h>

#include "policy/supervisor.h"

/* service "" or NULL: every service; index < 0: every instance. */
json_object *status_leaks(struct supervisor *s, const char *service, int index);
