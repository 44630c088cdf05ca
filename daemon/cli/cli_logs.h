/* SPDX-License-Identifier: MIT */
/*
 * cli_logs.h: `ringvisor logs`.
 */
#pragma once

#include <stdbool.h>

#include "control/protocol.h"

/* Prints the tail, and with req->follow new lines until the daemon closes
 * the connection or a signal ends us. */
#define CLI_LOGS_REPLY_MAX (64U << 20)
int cli_logs(const char *socket_path, const struct rv_request *req, bool json);
