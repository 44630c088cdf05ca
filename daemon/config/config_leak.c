/* SPDX-License-Identifier: MIT */
/*
 * config_leak.c: the leak keys of struct raw_config, validated.
 *
 * A service's `leak:` (sample_every, window, fds_max, threads_max,
 * min_growth) and on_violation.leak; the supervisor's probe and state_dir.
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
#define GROWTH_HINT "a number per hour, optionally with /h, e.g. 60, 60/h or 0.5/h"

static const struct service_leak_config leak_defaults = {
	.sample_every_ms = 5 * 1000,
	.window_ms = 10 * 60 * 1000,
	.fds_max = 0,
	.threads_max = 0,
	.min_growth_per_hour = 60,
};

/* "60", "0.5", "60/h": a decimal number, no sign, no exponent, at most one
 * '.' with digits on both sides. 0, -EINVAL or -ERANGE (above UINT64_MAX). */
static int parse_per_hour(const char *s, double *ret)
{
	size_t n = strlen(s), ni = strspn(s, DIGITS), nf = 0;
	char ipart[48];
	uint64_t whole = 0;
	double x, unit = 1;
	int r;

	if (n >= 2 && strcmp(s + n - 2, "/h") == 0)
		n -= 2;
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

static void check_growth(struct config_vctx *v, const char *s, double *ret)
{
	struct config_shown b;
	double x = 0;
	int r;

	if (!s)
		return;
	r = parse_per_hour(s, &x);
	if (r == -EINVAL)
		config_verr(v, "leak.min_growth", "\"%s\" is not %s", config_show(&b, s),
			    GROWTH_HINT);
	else if (r == -ERANGE || x > CONFIG_MAX_LEAK_GROWTH)
		config_verr(v, "leak.min_growth", "%s exceeds the maximum of %.0f per hour",
			    config_show(&b, s), CONFIG_MAX_LEAK_GROWTH);
	else if (x <= 0)
		config_verr(v, "leak.min_growth", "must be greater than 0");
	else
		*ret = x;
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
	/* The history ring holds at most 4096 samples (LEAK_HISTORY_MAX) and a
	 * verdict needs half the window: a longer window could never judge. */
	if (a >= 0 && w >= 0 && lc->window_ms > 4094 * lc->sample_every_ms)
		config_verr(v, "leak.window", "%s is more than 4094 samples of sample_every (%s): "
			    "the history cannot hold it", format_duration_ms(lc->window_ms, t1, sizeof(t1)),
			    format_duration_ms(lc->sample_every_ms, t2, sizeof(t2)));
	if (config_check_count(v, "leak.fds_max", rl->fds_max, 0, CONFIG_MAX_LEAK_FDS, &n) > 0)
		lc->fds_max = (uint32_t)n;
	if (config_check_count(v, "leak.threads_max", rl->threads_max, 0,
			       CONFIG_MAX_LEAK_THREADS, &n) > 0)
		lc->threads_max = (uint32_t)n;
	check_growth(v, rl->min_growth, &lc->min_growth_per_hour);
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
