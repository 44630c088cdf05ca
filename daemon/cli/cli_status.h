/* SPDX-License-Identifier: MIT */
/*
 * cli_status.h: `ringvisor status` for people: one line per instance, its
 * columns as wide as their widest cell (names are never cut), and the exit
 * code LSB gives a status command (docs/cli.md#exit-codes).
 */
#pragma once

#include <stdbool.h>

#include <json-c/json.h>

/* Prints the table of a status reply; wide adds violations, log drops and
 * each service's limits (and why one is not enforced). */
void cli_print_status(json_object *reply, bool wide);
/* 0 when every instance shown is up (starting, running, ready, frozen) or
 * a oneshot that completed, 3 when one is not, 4 when one instance was
 * asked for and there is none (an unknown service is the daemon's error). */
int cli_status_exit(json_object *reply, bool one_instance);
