/* SPDX-License-Identifier: MIT */
/*
 * top.h: `ringvisor top`, a live terminal view of every instance (state,
 * pid, CPU, memory, fds, threads, leak verdict, sparklines), refreshed in
 * place every interval from the `status` and `leaks` replies of the
 * control socket, sorted, filtered and scrolled by keys. In batch mode
 * (-b, or stdout not a terminal) it prints plain frames one after another.
 * See docs/cli.md.
 */
#pragma once

#include "cli/top_options.h"

/* Returns a CLI exit code (cli.h): 0 when quit with q (or after the
 * frames), 1 when the daemon refused status, 111 when it cannot be reached
 * at the first frame. SIGINT, SIGTERM and SIGHUP restore the terminal, then
 * end the process by the same signal. */
int top_run(const struct top_options *o);
