/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "basic/macro.h"
#include "basic/time_util.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clocks with a valid pointer. */
	(void)clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t realtime_ns(void) { return clock_ns(CLOCK_REALTIME); }

size_t format_timestamp_ms(char buf[TIMESTAMP_MS_LEN + 1], uint64_t ms)
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;
	char b[64];

	gmtime_r(&sec, &tm);
	/* The year fits 4 digits until 9999; clamp, so the length is fixed. */
	snprintf(b, sizeof(b), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", MIN(tm.tm_year + 1900, 9999),
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
	memcpy(buf, b, TIMESTAMP_MS_LEN);
	buf[TIMESTAMP_MS_LEN] = '\0';
	return TIMESTAMP_MS_LEN;
}

/* d digits at s as a number, or -1. */
static int digits(const char *s, int d)
{
	int v = 0;

	for (int i = 0; i < d; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int parse_timestamp_ms(const char *s, size_t n, uint64_t *ret_ms)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	struct tm tm = {};

	if (n < TIMESTAMP_MS_LEN)
		return -EINVAL;
	for (size_t i = 0; i < TIMESTAMP_MS_LEN; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return -EINVAL;
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = digits(s + 17, 2);
	if (tm.tm_year < 70 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	time_t t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*ret_ms = (uint64_t)t * 1000 + (uint64_t)digits(s + 20, 3);
	return 0;
}
