/* SPDX-License-Identifier: MIT */
/*
 * time_util.h: the clocks. Deadlines, ages and rates use CLOCK_MONOTONIC
 * (now_ns), which never jumps; only what a person reads (timestamps in logs
 * and file names) uses the wall clock (realtime_ns).
 */
#pragma once

#include <stdint.h>

uint64_t now_ns(void);        /* CLOCK_MONOTONIC */
uint64_t realtime_ns(void);   /* CLOCK_REALTIME */
