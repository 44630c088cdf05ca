/* SPDX-License-Identifier: MIT */
/*
 * time_util.h: the clocks. Deadlines, ages and rates use CLOCK_MONOTONIC
 * (now_ns), which never jumps; only what a person reads (timestamps in logs
 * and file names) uses the wall clock (realtime_ns).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

uint64_t now_ns(void);        /* CLOCK_MONOTONIC */
uint64_t realtime_ns(void);   /* CLOCK_REALTIME */

/* "2026-12-07T05:01:02.123Z": ISO 8601 UTC with milliseconds, the one form
 * of a wall-clock time that people and scripts read (log lines, `logs -t`,
 * the "ts" of JSON). */
#define TIMESTAMP_MS_LEN 24
/* Writes the form of ms since the epoch into buf (NUL-terminated); returns
 * TIMESTAMP_MS_LEN. */
size_t format_timestamp_ms(char buf[TIMESTAMP_MS_LEN + 1], uint64_t ms);
/* Reads exactly that form from s[0..TIMESTAMP_MS_LEN) (s must hold at least
 * n bytes); -EINVAL when s does not start with it. */
int parse_timestamp_ms(const char *s, size_t n, uint64_t *ret_ms);
