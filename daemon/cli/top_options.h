/* SPDX-License-Identifier: MIT */
/*
 * top_options.h: what `ringvisor top` is asked for on the command line:
 * main.c's getopt hands top's options over as they come (top_args), top
 * checks them (top_options_parse) and names them when another command is
 * given one (top_options_refusal).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/top_sort.h"

#define TOP_INTERVAL_MIN_MS 100ULL
#define TOP_INTERVAL_MAX_MS 3600000ULL
#define TOP_FRAMES_MAX 100000   /* -n, as logs' -n: 27 hours at 1s */

/* getopt's values for top's options (-b, -d; the long forms too). */
enum {
	TOP_ARG_BATCH = 'b',
	TOP_ARG_DELAY = 'd',
	TOP_ARG_INTERVAL = 'i',   /* --interval only */
	TOP_ARG_SORT = 's',       /* --sort only */
};

/* top's options as given, unchecked. */
struct top_args {
	const char *interval, *delay, *sort;
	bool batch;
	int first;   /* the TOP_ARG_ of the first one given, 0: none */
};

struct top_options {
	const char *socket;
	uint64_t interval_ms;
	uint64_t frames;      /* -n: stop after this many frames; 0: until q (batch: until killed) */
	bool batch;           /* -b: plain frames even on a terminal */
	enum top_sort sort;
};

/* Records option c (a TOP_ARG_) and its argument. */
void top_options_take(struct top_args *ta, int c, const char *arg);

/* NULL when no option of top was given; else the usage error for another
 * command, a format with one %s for that command. */
const char *top_options_refusal(const struct top_args *ta);

/* Sets o from ta: the interval from --interval=DURATION or -d SECONDS
 * (top(1)'s form; a DURATION is taken too), the order from --sort, and
 * the frames from frames (-n, already within 0..TOP_FRAMES_MAX; -1: not
 * given). 0, or -EINVAL with the message for the usage error in err. */
int top_options_parse(struct top_options *o, const struct top_args *ta, long frames, char *err, size_t errlen);
