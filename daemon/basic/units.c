/* SPDX-License-Identifier: MIT */
/*
 * units.c: the textual units of the config: durations, sizes and signals.
 *
 * The parsers are strict on purpose: a config value either means exactly one
 * number or is rejected. No sign, no whitespace, no fraction, no implicit unit
 * (except the bare "0" duration), and overflow is an error rather than a wrap
 * or a clamp, so "18446744073709551616ms" can never turn into a short timeout.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "basic/macro.h"
#include "basic/units.h"

/* Reads the leading decimal digits of s; *end points past them. At least one
 * digit is required. -ERANGE when the number does not fit in 64 bits. */
static int parse_digits(const char *s, const char **end, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (p == s)
		return -EINVAL;
	*end = p;
	*ret = v;
	return 0;
}

static int scale(uint64_t v, uint64_t factor, uint64_t *ret)
{
	if (factor != 0 && v > UINT64_MAX / factor)
		return -ERANGE;
	*ret = v * factor;
	return 0;
}

int parse_duration_ms(const char *s, uint64_t *ret_ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {
		{ "ms", 1 },
		{ "s", 1000 },
		{ "m", 60 * 1000 },
		{ "h", 3600 * 1000 },
	};
	const char *end;
	uint64_t v;
	int r;

	if (!s)
		return -EINVAL;
	r = parse_digits(s, &end, &v);
	if (r < 0)
		return r;
	/* A bare number has no unit and is ambiguous, except zero. */
	if (*end == '\0')
		return v == 0 ? (*ret_ms = 0, 0) : -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (strcmp(end, units[i].suffix) == 0) {
			r = scale(v, units[i].ms, &v);
			if (r < 0)
				return r;
			*ret_ms = v;
			return 0;
		}
	return -EINVAL;
}

int parse_size_bytes(const char *s, uint64_t *ret_bytes)
{
	static const char suffixes[] = "KMGT";
	const char *end, *u;
	uint64_t v;
	int r;

	if (!s)
		return -EINVAL;
	r = parse_digits(s, &end, &v);
	if (r < 0)
		return r;
	if (*end != '\0') {
		if (end[1] != '\0' || !(u = strchr(suffixes, *end)))
			return -EINVAL;
		r = scale(v, 1ULL << (10 * (u - suffixes + 1)), &v);
		if (r < 0)
			return r;
	}
	*ret_bytes = v;
	return 0;
}

/* Linux signal numbers 1..31 are fixed by the kernel ABI on x86 and arm. */
static const char *const signal_names[] = {
	[SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",       [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV",     [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP",     [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH",   [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

int parse_signal(const char *s, int *ret_sig)
{
	const char *end;
	uint64_t v;

	if (!s || !*s)
		return -EINVAL;
	if (*s >= '0' && *s <= '9') {
		/* Real-time signals have no fixed name, so they go by number. */
		if (parse_digits(s, &end, &v) < 0 || *end != '\0')
			return -EINVAL;
		if (v < 1 || v > (uint64_t)SIGRTMAX)
			return -EINVAL;
		*ret_sig = (int)v;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 1; i < ELEMENTSOF(signal_names); i++)
		if (signal_names[i] && strcasecmp(s, signal_names[i] + 3) == 0) {
			*ret_sig = (int)i;
			return 0;
		}
	return -EINVAL;
}

const char *signal_name(int sig)
{
	if (sig > 0 && (size_t)sig < ELEMENTSOF(signal_names) && signal_names[sig])
		return signal_names[sig];
	return "SIG?";
}

char *format_duration_ms(uint64_t ms, char *buf, size_t len)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {
		{ "h", 3600 * 1000 },
		{ "m", 60 * 1000 },
		{ "s", 1000 },
	};

	if (!buf || len == 0)
		return buf;
	if (ms < 1000) {
		snprintf(buf, len, "%" PRIu64 "%s", ms, ms == 0 ? "" : "ms");
		return buf;
	}
	/* The largest unit in which the value is exact with at most three
	 * decimals: 90000 is "1.5m", but 61000 is "61s", never "1.0167m". */
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		uint64_t u = units[i].ms, frac;
		char digits[4];

		if (ms < u || ms % (u / 1000) != 0)
			continue;
		frac = (ms % u) * 1000 / u;
		if (frac == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", ms / u, units[i].suffix);
			return buf;
		}
		digits[0] = (char)('0' + frac / 100);
		digits[1] = (char)('0' + frac / 10 % 10);
		digits[2] = (char)('0' + frac % 10);
		digits[3] = '\0';
		for (int k = 2; k > 0 && digits[k] == '0'; k--)
			digits[k] = '\0';
		snprintf(buf, len, "%" PRIu64 ".%s%s", ms / u, digits, units[i].suffix);
		return buf;
	}
	return buf; /* not reached: every ms >= 1000 is exact in seconds */
}
