/* SPDX-License-Identifier: MIT */
/*
 * top_options.h: what `ringvisor top` is asked for on the command line,
 * and the checks of those options (main.c refuses them on other commands).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/top_sort.h"

#define TOP_INTERVAL_MIN_MS 100ULL
#define TOP_INTERVAL_MAX_MS 3600000ULL
#define TOP_FRAMES_MAX 1000000ULL   /* -n: a million frames is 11 days at 1s */

struct top_options {
	const char *socket;
	uint64_t interval_ms;
	uint64_t frames;      /* -n: stop after this many frames; 0: until q (batch: until killed) */
	bool batch;           /* -b: plain frames even on a terminal */
	enum top_sort sort;
};

/* Sets o's interval from --interval=DURATION or -d SECONDS (top(1)'s
 * form; a DURATION is taken too), its order from --sort and its frames
 * from -n; each may be NULL. 0, or -EINVAL with the message for the usage
 * error in err. */
int top_options_parse(struct top_options *o, const char *interval, const char *delay, const char *sort,
		      const char *frames, char *err, size_t errlen);
