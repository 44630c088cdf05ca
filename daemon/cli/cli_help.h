/* SPDX-License-Identifier: MIT */
/*
 * cli_help.h: the help of one command (`ringvisor help CMD`, `CMD --help`).
 */
#pragma once

#include <stdio.h>

/* Prints CMD's synopsis and what it does to f: 0, or -1 for no such command. */
int cli_help_print(const char *cmd, FILE *f);
/* Every command's synopsis, one a line: the usage (help, --help, errors). */
void cli_help_usage(FILE *f, const char *default_socket);
