/* SPDX-License-Identifier: MIT */
/*
 * status_snapshots.h: the `snapshots` reply (docs/leaks.md).
 */
#pragma once

#include <json-c/json.h>

#include "policy/snapshot.h"

/* service "" or NULL: every service's. */
json_object *status_snapshots(struct snapshots *sn, const char *service);
