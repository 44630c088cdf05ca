/* SPDX-License-Identifier: MIT */
/*
 * top_options.c: top's -b, -d, --interval, --sort and -n: taken as
 * main.c's getopt finds them, checked once the command is known.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "basic/units.h"
#include "cli/top_options.h"

void top_options_take(struct top_args *ta, int c, const char *arg)
{
	if (!ta->first)
		ta->first = c;
	if (c == TOP_ARG_BATCH)
		ta->batch = true;
	else if (c == TOP_ARG_DELAY)
		ta->delay = arg;
	else if (c == TOP_ARG_SORT)
		ta->sort = arg;
	else
		ta->interval = arg;
}

const char *top_options_refusal(const struct top_args *ta)
{
	switch (ta->first) {
	case 0:
		return NULL;
	case TOP_ARG_BATCH:
		return "-b is an option of top, not of %s";
	case TOP_ARG_DELAY:
		return "-d is an option of top, not of %s";
	case TOP_ARG_SORT:
		return "--sort is an option of top, not of %s";
	}
	return "--interval is an option of top, not of %s";
}

/* -d SECONDS (0.2, 1.5), or a duration as --interval's (200ms). */
static int parse_delay(const char *s, uint64_t *ret_ms)
{
	char *end;
	errno = 0;
	double sec = strtod(s, &end);
	if (end != s && !*end && !errno && sec >= 0 && sec <= (double)TOP_INTERVAL_MAX_MS / 1000) {
		*ret_ms = (uint64_t)(sec * 1000 + 0.5);
		return 0;
	}
	return parse_duration_ms(s, ret_ms);
}

int top_options_parse(struct top_options *o, const struct top_args *ta, long frames, char *err, size_t errlen)
{
	const char *every = ta->delay ? ta->delay : ta->interval;
	uint64_t ms = 1000;

	if (ta->delay && ta->interval) {
		snprintf(err, errlen, "top: -d and --interval say the same, give one");
		return -EINVAL;
	}
	if (every && (parse_delay(every, &ms) < 0 || ms < TOP_INTERVAL_MIN_MS || ms > TOP_INTERVAL_MAX_MS)) {
		snprintf(err, errlen, ta->delay ? "-d: expected seconds from 0.1 to 3600, got \"%s\"" :
			 "--interval: expected a duration from 100ms to 1h, got \"%s\"", every);
		return -EINVAL;
	}
	if (ta->sort && top_sort_from_string(ta->sort) < 0) {
		snprintf(err, errlen, "--sort: expected cpu, memory, fds, threads, restarts or name, got \"%s\"", ta->sort);
		return -EINVAL;
	}
	if (frames == 0 || frames > TOP_FRAMES_MAX) {
		snprintf(err, errlen, "-n: expected a number of frames from 1 to %d, got %ld", TOP_FRAMES_MAX, frames);
		return -EINVAL;
	}
	*o = (struct top_options){
		.interval_ms = ms, .frames = frames > 0 ? (uint64_t)frames : 0, .batch = ta->batch,
		.sort = ta->sort ? top_sort_from_string(ta->sort) : TOP_SORT_NAME,
	};
	return 0;
}
