/* SPDX-License-Identifier: MIT */
/*
 * top.h: `ringvisor top`, a live terminal view of every instance (state,
 * pid, CPU, memory, fds, threads, leak verdict, sparklines), refreshed in
 * place every interval from the `status` and `leaks` replies of the
 * control socket. When stdout is not a terminal it prints one frame.
 * See docs/cli.md.
 */
#pragma once

#include <stdint.h>

#define TOP_INTERVAL_MIN_MS 100ULL
#define TOP_INTERVAL_MAX_MS 3600000ULL

/* Returns a CLI exit code (cli.h): 0 when quit with q (or after the one
 * frame), 1 when the daemon refused status, 111 when it cannot be reached
 * at the first frame. SIGINT, SIGTERM and SIGHUP restore the terminal, then
 * end the process by the same signal. */
int top_run(const char *socket_path, uint64_t interval_ms);
