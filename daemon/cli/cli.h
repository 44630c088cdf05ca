/* SPDX-License-Identifier: MIT */
/*
 * cli.h: the client side: connect to the control socket, send one request,
 * print the reply as a table (or raw JSON with --json).
 * Exit codes (skarnet style): 0 ok, 1 the daemon refused or failed the
 * command, 100 usage error, 111 temporary failure (cannot reach the daemon).
 */
#pragma once

#include <stdbool.h>

#include "control/protocol.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 100
#define CLI_EXIT_TEMP 111

int cli_request(const char *socket_path, const struct rv_request *req, bool json);
/* Formats req, connects and sends it: the connected fd, or minus the exit
 * code (CLI_EXIT_USAGE, CLI_EXIT_TEMP) after saying why on stderr. */
int cli_send(const char *socket_path, const struct rv_request *req);
/* Connects to the control socket: the fd (O_CLOEXEC), or -errno. */
int cli_connect(const char *path);
