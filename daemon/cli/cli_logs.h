/* SPDX-License-Identifier: MIT */
/*
 * cli_logs.h: `ringvisor logs`, and its options beyond -n and -f (main.c's
 * getopt hands them here, so main.c carries only their table entries).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "control/protocol.h"

enum { CLI_LOGS_OPT_SINCE = 0x200, CLI_LOGS_OPT_RAW, CLI_LOGS_OPT_ROTATE };
#define CLI_LOGS_SHORT_OPTS "t"
/* getopt_long entries (needs <getopt.h>). */
#define CLI_LOGS_LONG_OPTIONS                                          \
	{ "timestamps", no_argument, NULL, 't' },                      \
	{ "since", required_argument, NULL, CLI_LOGS_OPT_SINCE },      \
	{ "raw", no_argument, NULL, CLI_LOGS_OPT_RAW },                \
	{ "rotate", no_argument, NULL, CLI_LOGS_OPT_ROTATE }

struct cli_logs_args {
	bool follow;         /* -f (logs and events): then new lines */
	bool timestamps;     /* -t: each line's receive time first */
	bool raw;            /* --raw: the bytes as written, nothing escaped */
	bool rotate;         /* --rotate: rotate the files instead of reading */
	const char *since;   /* --since DURATION */
};

/* Takes option c (with its argument) into a: true when it is one of
 * these, false when not. */
bool cli_logs_option(int c, const char *arg, struct cli_logs_args *a);
/* For refusing them on another command than verb: a usage message with
 * one %s for verb ("-t is an option of logs, not of %s"), or NULL when
 * verb takes every one given (`events` takes --since). */
const char *cli_logs_refusal(const struct cli_logs_args *a, const char *verb);
/* The request's since_ms and rotate (and lines, when --since comes
 * without -n: every line since, up to 100000) from a; req->lines and
 * req->follow are set already. NULL, or a usage error written into err. */
const char *cli_logs_request(const struct cli_logs_args *a, bool lines_given, bool json,
			     struct rv_request *req, char *err, size_t errlen);

/* Prints the lines, and with req->follow new lines until the daemon closes
 * the connection or a signal ends us; with req->rotate, which files were
 * rotated. */
#define CLI_LOGS_REPLY_MAX (64U << 20)
int cli_logs(const char *socket_path, const struct rv_request *req, bool json, const struct cli_logs_args *a);
