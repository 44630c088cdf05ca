/* SPDX-License-Identifier: MIT */
/*
 * leak.h: sample history per instance and leak verdicts (policy, pure: no
 * syscalls, no clock of its own, so it is tested exactly). The rule and why
 * it is so are in docs/leaks.md; in short, for each series (fds, threads,
 * memory):
 *
 * A leak makes new highs again and again; a warm-up, a step, a pool, a walk
 * in a band or a heap's sawtooth stops making them, or only revisits levels
 * it has been at before. So a series is `leaking` when, over a horizon H cut
 * into k equal parts,
 *   1. every part sets a new high over everything before it (all history
 *      since the instance started, not only the window), by a real step
 *      (at least needed / 3k);
 *   2. the median of the last part is above the highest value of all the
 *      parts before it (the floor rose above the old ceiling);
 *   3. the last new high is at most one part old;
 *   4. that median is above the peak from before the horizon by at least
 *      needed = rate * H;
 *   5. over the slow horizon only, also by more than twice what a random
 *      walk with the series' own step noise drifts (noise * sqrt(steps)).
 * Two horizons: fast (fast_horizon, 60 s, 3 parts, at fast_growth per
 * series) catches a quick leak within about a minute; slow (the window,
 * 10 min, 4 parts, at min_growth per series) a slow one within its window.
 * No verdict during `grace` after the history starts (it is still kept: the
 * levels of a warm-up count as visited). A series over its absolute maximum
 * (fds_max, threads_max) is leaking at once. A leaking series clears (`ok`)
 * once it has made no new high for a quarter of the window (at least the
 * fast horizon).
 *
 * The history each verdict reads is leak_history.h's ring.
 */
#pragma once

#include <errno.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "policy/leak_history.h"

#define LEAK_FAST_PARTS 3
#define LEAK_SLOW_PARTS 4

struct leak_config {
	uint64_t window_ms;                  /* the slow horizon, default 10m */
	uint64_t fast_horizon_ms;            /* default 60s (at least 6 samples) */
	uint64_t grace_ms;                   /* no verdict before; default 2m */
	double min_growth[_LEAK_SERIES_MAX]; /* per hour over the window; bytes for memory */
	double fast_growth[_LEAK_SERIES_MAX];/* per hour over the fast horizon */
	uint32_t fds_max;                    /* 0 = no absolute limit */
	uint32_t threads_max;
};

enum leak_verdict { LEAK_UNKNOWN, LEAK_OK, LEAK_LEAKING, _LEAK_VERDICT_MAX, _LEAK_VERDICT_INVALID = -EINVAL };

/* How one horizon judged one series. */
struct leak_rule_result {
	bool holds;
	unsigned new_highs;                  /* parts that set a new high, in a row from the first */
	double rise;                         /* median of the last part - the peak before; in KiB for memory */
	double needed;                       /* rate * H */
	double closeness;                    /* 0..1: 1 = every condition met */
};

struct leak_series_trend {
	enum leak_verdict verdict;
	double per_hour;                     /* the rise over the deciding (or closest) horizon, per hour; bytes for memory */
	uint64_t horizon_ms;                 /* that horizon */
	double closeness;                    /* the closer of the two horizons, 0..1 */
	uint32_t highs[LEAK_SLOW_PARTS];     /* the highest value of each part of the window, oldest first */
	unsigned n_highs;
	uint64_t last_high_ms;               /* when it last made a new high (absolute); 0: not within the ring */
	const char *why;                     /* static text */
	struct leak_rule_result fast, slow;
};

struct leak_trend {
	enum leak_verdict verdict;           /* the worst of the series */
	enum leak_series worst;              /* which series decided it */
	struct leak_series_trend series[_LEAK_SERIES_MAX];
	const char *reason;                  /* static text: "fds growing", "fds over fds_max", "in grace", ... */
};

#define LEAK_FAST_HORIZON_MS 60000ULL   /* or 6 samples, when they are further apart; at most the window */

/* The verdict's settings from a service's leak: keys. */
void leak_config_from(struct leak_config *ret, const struct service_leak_config *c);

/* What an instance keeps of its last verdict: enough to act on a change
 * and to judge the next sample (a leaking series stays so while it climbs).
 * The figures behind it are computed again from the history when someone
 * asks (`leaks`, a snapshot): leak_evaluate() is pure and takes microseconds,
 * so they need not live in every instance. */
struct leak_verdicts {
	enum leak_verdict verdict;           /* the worst of the series */
	enum leak_series worst;
	uint8_t series[_LEAK_SERIES_MAX];    /* enum leak_verdict of each */
	const char *reason;                  /* static text; NULL: never judged */
};

void leak_verdicts_of(const struct leak_trend *t, struct leak_verdicts *ret);

/* prev: the last verdicts (NULL or zeroed: none); a leaking series stays
 * so until it stops making new highs. Judging again with prev = the
 * verdicts this call gave, at the same now_ms, gives the same verdicts. */
void leak_evaluate(const struct leak_history *h, const struct leak_config *c, uint64_t now_ms,
		   const struct leak_verdicts *prev, struct leak_trend *ret);
/* The verdicts leak_evaluate() gives, without the figures behind them:
 * what the daemon keeps after each sample. A series flat over its whole
 * history (leak_history_flat()) is judged without reading the ring, so
 * a pass over many steady instances costs little. */
void leak_judge(const struct leak_history *h, const struct leak_config *c, uint64_t now_ms,
		const struct leak_verdicts *prev, struct leak_verdicts *ret);
/* The verdicts `last`, given at judged_ms, with every figure behind them
 * (rates, horizons, highs, closeness), judged again from the history. */
void leak_evaluate_again(const struct leak_history *h, const struct service_leak_config *sc,
			 const struct leak_verdicts *last, uint64_t judged_ms, struct leak_trend *ret);
const char *leak_verdict_to_string(enum leak_verdict v);   /* unknown ok leaking */
enum leak_verdict leak_verdict_from_string(const char *s);
const char *leak_series_to_string(enum leak_series k);     /* fds threads memory */
enum leak_series leak_series_from_string(const char *s);

/* "2.5 fds/s", "60 threads/h", "1.2 MiB/s": a per-hour rate in the unit
 * that reads best. Returns buf. */
char *leak_format_rate(enum leak_series k, double per_hour, char *buf, size_t len);

/* A sparkline of the last `width` samples of one series using the eight
 * block characters U+2581..U+2588, scaled between min and max of those
 * samples; UTF-8 into buf (3 bytes per char + NUL). Returns buf. */
char *leak_sparkline(const struct leak_history *h, enum leak_series k, size_t width, char *buf, size_t len);
