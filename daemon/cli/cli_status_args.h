/* SPDX-License-Identifier: MIT */
/*
 * cli_status_args.h: `status`'s filters, --state, --limit and --offset
 * (main.c's getopt hands them here, as it does logs' options).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "control/protocol.h"

enum { CLI_STATUS_OPT_STATE = 0x210, CLI_STATUS_OPT_LIMIT, CLI_STATUS_OPT_OFFSET };
/* getopt_long entries (needs <getopt.h>). */
#define CLI_STATUS_LONG_OPTIONS                                        \
	{ "state", required_argument, NULL, CLI_STATUS_OPT_STATE },    \
	{ "limit", required_argument, NULL, CLI_STATUS_OPT_LIMIT },    \
	{ "offset", required_argument, NULL, CLI_STATUS_OPT_OFFSET }

struct cli_status_args {
	const char *state, *limit, *offset;
};

/* Takes option c into a: true when it is one of these. */
bool cli_status_option(int c, const char *arg, struct cli_status_args *a);
/* A usage message with one %s for verb when one was given to another
 * command than status, else NULL. */
const char *cli_status_refusal(const struct cli_status_args *a, const char *verb);
/* req's state, offset and limit from a: NULL, or a usage error in err.
 * The state's name is checked by the daemon (it knows the states). */
const char *cli_status_request(const struct cli_status_args *a, struct rv_request *req, char *err, size_t errlen);
