/* SPDX-License-Identifier: MIT */
/*
 * top_options.c: the checks of top's -d, --interval and --sort.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "basic/units.h"
#include "cli/top_options.h"

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

int top_options_parse(struct top_options *o, const char *interval, const char *delay, const char *sort,
		      const char *frames, char *err, size_t errlen)
{
	const char *every = delay ? delay : interval;
	unsigned long long n = 0;
	uint64_t ms = 1000;
	char *end;

	if (delay && interval) {
		snprintf(err, errlen, "top: -d and --interval say the same, give one");
		return -EINVAL;
	}
	if (every && (parse_delay(every, &ms) < 0 || ms < TOP_INTERVAL_MIN_MS || ms > TOP_INTERVAL_MAX_MS)) {
		snprintf(err, errlen, delay ? "-d: expected seconds from 0.1 to 3600, got \"%s\"" :
			 "--interval: expected a duration from 100ms to 1h, got \"%s\"", every);
		return -EINVAL;
	}
	if (sort && top_sort_from_string(sort) < 0) {
		snprintf(err, errlen, "--sort: expected cpu, memory, fds, threads, restarts or name, got \"%s\"", sort);
		return -EINVAL;
	}
	errno = 0;
	if (frames && (*frames < '0' || *frames > '9' || (n = strtoull(frames, &end, 10)) < 1 || *end || errno ||
		       n > TOP_FRAMES_MAX)) {
		snprintf(err, errlen, "-n: expected a number of frames from 1 to 1000000, got \"%s\"", frames);
		return -EINVAL;
	}
	o->frames = n;
	o->interval_ms = ms;
	o->sort = sort ? top_sort_from_string(sort) : TOP_SORT_NAME;
	return 0;
}
