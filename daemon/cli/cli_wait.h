/* SPDX-License-Identifier: MIT */
/*
 * cli_wait.h: after `start`, `stop`, `restart` or `scale`, wait until what
 * the command set going has an outcome, and exit with it: 0 when every
 * instance named got there (running, or ready where a readiness check is
 * configured, completed for a oneshot; stopped for `stop`), 1 with each
 * instance's cause (`web.0: exec: No such file or directory`) when one
 * did not, or when the timeout passed first. docs/cli.md#waiting.
 */
#pragma once

#include "cli/cli.h"

/* from: scale's reply's "from", the instances before it (only those above
 * are judged; the others keep what state they had); -1 for the rest. */
int cli_wait(const char *socket_path, const struct rv_request *req, int64_t from, const struct cli_opts *o);
