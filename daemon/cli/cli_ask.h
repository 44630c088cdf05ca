/* SPDX-License-Identifier: MIT */
/*
 * cli_ask.h: the CLI's side of the control socket: connect, send one
 * request line, read its reply, and what a refusal means as an exit code.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "control/protocol.h"

/* Connects to the control socket: the fd (O_CLOEXEC), or -errno. */
int cli_connect(const char *path);
/* Formats req, connects and sends it: the connected fd, or minus the exit
 * code (CLI_EXIT_USAGE, CLI_EXIT_TEMP) after saying why on stderr. */
int cli_send(const char *socket_path, const struct rv_request *req);
/* Reads until a full line (the reply) or, with until_eof, until the daemon
 * closes the connection, into *buf (grown, NUL-terminated; at most 64 MiB).
 * Returns the length, or -errno (-ETIMEDOUT after timeout_ms of silence). */
ssize_t cli_read_reply(int fd, char **buf, bool until_eof, int timeout_ms);
/* One request, one reply: CLI_EXIT_OK with *ret (the caller puts it; it
 * may be a refusal, see cli_refused), or the exit code after saying why on
 * stderr. fd_ret, when given, keeps the connection. A refusal at the
 * daemon's client limit ("too many clients...") is asked again every 50 ms
 * for up to 5 s: nothing was done, and a burst of commands frees its slots
 * within moments. */
int cli_ask(const char *socket_path, const struct rv_request *req, json_object **ret, int *fd_ret);
/* CLI_EXIT_OK for {"ok":true}, else says the error on stderr and returns
 * cli_refusal_exit(). */
int cli_refused(const struct rv_request *req, json_object *reply);
/* A refusal's exit code: 4 for a target that names nothing (LSB's
 * "unknown"), 1 for the rest. */
int cli_refusal_exit(json_object *reply);
