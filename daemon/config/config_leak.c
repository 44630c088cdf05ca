/* SPDX-License-Identifier: MIT */
/*
 * config_leak.c: the leak keys of struct raw_config, validated.
 *
 * A service's `leak:` (sample_every, window, grace, fds_max, threads_max,
 * min_growth and fast_growth per series) and on_violation.leak; the supervisor's probe and state_dir.
 * What they do is in docs/leaks.md. Part of config_validate(): the same
 * rules apply, a bad value is recorded and its default stays in place.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/units.h"
#include "config/config_leak.h"

#define DIGITS "0123456789"
#define GROWTH_HINT "a number per hour, or with /s, /min or /h, e.g. 60, 60/h, 1/min or 0.5/s"
#define GROWTH_MEMORY_HINT "bytes per hour, or with K, M, G (KiB, MiB, GiB) and /s, /min or /h, e.g. 64MiB/h or 1.2MiB/s"
#define MAX_MEMORY_GROWTH ((double)(1ULL << 40))   /* 1 TiB per hour */

static const struct service_leak_config leak_defaults = {
	.sample_every_ms = 5 * 1000,
	.window_ms = 10 * 60 * 1000,
	.grace_ms = 2 * 60 * 1000,
	.fds_max = 0,
	.threads_max = 0,
	/* docs/leaks.md: why these. */
	.min_growth = { 60, 60, 64.0 * 1024 * 1024 },
	.fast_growth = { 0.6 * 3600, 0.3 * 3600, 1.2 * 1024 * 1024 * 3600 },
};

const struct service_leak_config *config_leak_defaults(void)
{
	return &leak_defaults;
}

/* "60", "0.5": a decimal number, no sign, no exponent, at most one '.' with
 * digits on both sides, in s[0..n). 0, -EINVAL or -ERANGE. */
static int parse_decimal(const char *s, size_t n, double *ret)
{
	size_t ni = strspn(s, DIGITS), nf = 0;
	char ipart[48];
	uint64_t whole = 0;
	double x, unit = 1;
	int r;

	if (ni == 0 || ni > n || ni >= sizeof(ipart)) /* the schema allows 32 bytes */
		return -EINVAL;
	if (ni < n) {
		nf = n - ni - 1;
		if (s[ni] != '.' || nf == 0 || strspn(s + ni + 1, DIGITS) < nf)
			return -EINVAL;
	}
	snprintf(ipart, sizeof(ipart), "%.*s", (int)ni, s);
	r = config_parse_uint(ipart, &whole);
	if (r < 0)
		return r;
	x = (double)whole;
	for (size_t i = 0; i < nf; i++) {
		unit /= 10;
		x += (s[ni + 1 + i] - '0') * unit;
	}
	*ret = x;
	return 0;
}

/* A size suffix at the end of s[0..*n): its multiplier, *n shortened. */
static double size_suffix(const char *s, size_t *n)
{
	static const struct { const char *suffix; double mul; } units[] = {
		{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
		{ "K", 1024.0 }, { "M", 1048576.0 }, { "G", 1073741824.0 }, { "B", 1 },
	};
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		size_t k = strlen(units[i].suffix);
		if (*n > k && strncmp(s + *n - k, units[i].suffix, k) == 0) {
			*n -= k;
			return units[i].mul;
		}
	}
	return 1;
}

/* "60", "60/h", "1/min", "0.5/s" (and for memory "64MiB/h"): per hour. */
static int parse_rate(const char *s, bool bytes, double *ret)
{
	static const struct { const char *suffix; double per_hour; } per[] = {
		{ "/s", 3600 }, { "/min", 60 }, { "/h", 1 },
	};
	size_t n = strlen(s);
	double mul = 1, x;

	for (size_t i = 0; i < ELEMENTSOF(per); i++) {
		size_t k = strlen(per[i].suffix);
		if (n > k && strcmp(s + n - k, per[i].suffix) == 0) {
			n -= k;
			mul = per[i].per_hour;
			break;
		}
	}
	if (bytes)
		mul *= size_suffix(s, &n);
	int r = parse_decimal(s, n, &x);
	if (r < 0)
		return r;
	*ret = x * mul;
	return 0;
}

static void check_growth(struct config_vctx *v, const char *key, const char *s, bool bytes, double *ret)
{
	struct config_shown b;
	double x = 0, max = bytes ? MAX_MEMORY_GROWTH : CONFIG_MAX_LEAK_GROWTH;
	char m[32];
	int r;

	if (!s)
		return;
	r = parse_rate(s, bytes, &x);
	if (r == -EINVAL)
		config_verr(v, key, "\"%s\" is not %s", config_show(&b, s), bytes ? GROWTH_MEMORY_HINT : GROWTH_HINT);
	else if (r == -ERANGE || x > max)
		config_verr(v, key, "%s exceeds the maximum of %s per hour", config_show(&b, s),
			    bytes ? config_format_size((uint64_t)max, m, sizeof(m)) : "1000000");
	else if (x <= 0)
		config_verr(v, key, "must be greater than 0");
	else
		*ret = x;
}

static void check_growths(struct config_vctx *v, const struct raw_leak *rl, struct service_leak_config *lc)
{
	check_growth(v, "leak.min_growth", rl->min_growth, false, &lc->min_growth[0]);
	/* min_growth alone sets threads too, as it always did. */
	lc->min_growth[1] = lc->min_growth[0];
	check_growth(v, "leak.min_growth_threads", rl->min_growth_threads, false, &lc->min_growth[1]);
	check_growth(v, "leak.min_growth_memory", rl->min_growth_memory, true, &lc->min_growth[2]);
	check_growth(v, "leak.fast_growth", rl->fast_growth, false, &lc->fast_growth[0]);
	check_growth(v, "leak.fast_growth_threads", rl->fast_growth_threads, false, &lc->fast_growth[1]);
	check_growth(v, "leak.fast_growth_memory", rl->fast_growth_memory, true, &lc->fast_growth[2]);
}

static void validate_leak(struct config_vctx *v, const struct raw_leak *rl,
			  struct service_leak_config *lc)
{
	const uint64_t min_samples = CONFIG_MIN_LEAK_WINDOW_SAMPLES;
	struct config_shown b1, b2;
	char t1[32], t2[32];
	uint64_t n = 0;
	int a, w;

	*lc = leak_defaults;
	if (!rl)
		return;
	a = config_check_duration(v, "leak.sample_every", rl->sample_every,
				  CONFIG_MIN_LEAK_SAMPLE_MS, CONFIG_MAX_LEAK_SAMPLE_MS,
				  &lc->sample_every_ms);
	w = config_check_duration(v, "leak.window", rl->window, 0, CONFIG_MAX_LEAK_WINDOW_MS,
				  &lc->window_ms);
	(void)config_check_duration(v, "leak.grace", rl->grace, 0, CONFIG_MAX_LEAK_GRACE_MS, &lc->grace_ms);
	/* sample_every <= 1h: 6 of them cannot overflow. */
	if (a >= 0 && w >= 0 && lc->window_ms < min_samples * lc->sample_every_ms)
		config_verr(v, "leak.window", "%s%s is less than %" PRIu64
			    " samples of sample_every (%s)",
			    rl->window ? config_show(&b1, rl->window) :
					 format_duration_ms(lc->window_ms, t1, sizeof(t1)),
			    rl->window ? "" : " (the default)", min_samples,
			    rl->sample_every ? config_show(&b2, rl->sample_every) :
					       format_duration_ms(lc->sample_every_ms, t2,
								  sizeof(t2)));
	/* The history ring holds at most 4096 samples (LEAK_HISTORY_MAX): a
	 * longer window could never be judged. */
	if (a >= 0 && w >= 0 && lc->window_ms > 4094 * lc->sample_every_ms)
		config_verr(v, "leak.window", "%s is more than 4094 samples of sample_every (%s): "
			    "the history cannot hold it", format_duration_ms(lc->window_ms, t1, sizeof(t1)),
			    format_duration_ms(lc->sample_every_ms, t2, sizeof(t2)));
	if (config_check_count(v, "leak.fds_max", rl->fds_max, 0, CONFIG_MAX_LEAK_FDS, &n) > 0)
		lc->fds_max = (uint32_t)n;
	if (config_check_count(v, "leak.threads_max", rl->threads_max, 0,
			       CONFIG_MAX_LEAK_THREADS, &n) > 0)
		lc->threads_max = (uint32_t)n;
	check_growths(v, rl, lc);
}

int config_validate_service_leak(struct config_vctx *v, const struct raw_service *rs,
				 struct service_config *s)
{
	static const enum violation_action actions[] = { VIOLATION_LOG, VIOLATION_FREEZE,
							 VIOLATION_RESTART, VIOLATION_STOP };

	validate_leak(v, rs->leak, &s->leak);
	s->on_violation.leak = VIOLATION_LOG;
	if (rs->on_violation)
		config_check_action(v, "on_violation.leak", rs->on_violation->leak, actions,
				    ELEMENTSOF(actions), &s->on_violation.leak);
	return 0;
}

int config_validate_supervisor_leak(struct config_vctx *v, const struct raw_supervisor *rs,
				    struct supervisor_config *sc)
{
	static const char *const probes[] = {
		[PROBE_CHOICE_AUTO] = "auto",
		[PROBE_CHOICE_BPF] = "bpf",
		[PROBE_CHOICE_PROCFS] = "procfs",
	};
	int probe = PROBE_CHOICE_AUTO, r;

	config_check_choice(v, "probe", rs->probe, probes, ELEMENTSOF(probes), &probe);
	sc->probe = (enum probe_choice)probe;
	r = config_check_path(v, "state_dir", rs->state_dir, &sc->state_dir);
	return r == -ENOMEM ? r : 0;
}
