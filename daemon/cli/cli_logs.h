/* SPDX-License-Identifier: MIT */
/*
 * cli_logs.h: `ringvisor logs`.
 */
#pragma once

#include <stdbool.h>

#include "control/protocol.h"

struct cli_logs_opts {
	bool json;         /* the protocol's objects, one per line */
	bool timestamps;   /* -t: each line's receive time first */
	bool raw;          /* --raw: the bytes as written, nothing escaped */
};

/* Prints the tail, and with req->follow new lines until the daemon closes
 * the connection or a signal ends us; with req->rotate, which files were
 * rotated. */
#define CLI_LOGS_REPLY_MAX (64U << 20)
int cli_logs(const char *socket_path, const struct rv_request *req, const struct cli_logs_opts *o);
