/* SPDX-License-Identifier: MIT */
/*
 * cli_events.h: `ringvisor events [-f] [--json] [--since DURATION]
 * [TARGET]` (docs/events.md): the events the daemon keeps, then with -f
 * every new one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "control/protocol.h"

/* The request's since_ms from --since DURATION (NULL: none). NULL, or a
 * usage error written into err. */
const char *cli_events_request(const char *since, struct rv_request *req, char *err, size_t errlen);
/* Prints the events; with req->follow then follows. Exit: 0, 1 when the
 * daemon cut this reader off, 4 unknown target, 111 unreachable. */
int cli_events(const char *socket_path, const struct rv_request *req, bool json);
