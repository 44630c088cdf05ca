/* SPDX-License-Identifier: MIT */
/*
 * cli.h: the client side: connect to the control socket, send one request,
 * print the reply as a table (or raw JSON with --json).
 * Exit codes (docs/cli.md#exit-codes): 0 ok, 1 the command failed (or what
 * it started did), 3 not running (status), 4 unknown target, 100 usage
 * error, 111 temporary failure (cannot reach the daemon).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "control/protocol.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_NOT_RUNNING 3
#define CLI_EXIT_UNKNOWN 4
#define CLI_EXIT_USAGE 100
#define CLI_EXIT_TEMP 111

struct cli_opts {
	bool json;
	bool wide;              /* status -o wide */
	bool no_wait;           /* start, stop, restart, scale: return once the daemon acted */
	uint64_t timeout_ms;    /* ... else wait at most this long for the outcome */
};

/* Sends req, prints the reply for people (or as JSON) and returns the exit
 * code; start, stop, restart and scale then wait (cli_wait.h). */
int cli_request(const char *socket_path, const struct rv_request *req, const struct cli_opts *o);
