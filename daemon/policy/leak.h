/* SPDX-License-Identifier: MIT */
/*
 * leak.h: sample history per instance and leak verdicts (policy, pure: no
 * syscalls, no clock of its own, so it is tested exactly).
 *
 * A history is a ring of samples {t_ms, fds, threads} whose capacity is set
 * at creation (window / sample period + 1, at most LEAK_HISTORY_MAX), so an
 * instance costs 16 bytes per sample it can use and no more. The verdict looks at the samples inside the window: it needs at
 * least LEAK_MIN_SAMPLES spanning at least half the window; the trend is the
 * Theil-Sen slope (median of pairwise slopes: robust to outliers and to
 * ups and downs), in units per hour. "leaking" when the slope is at least
 * min_growth per hour AND the series keeps rising (the last value is above
 * the first by at least half of slope*span, and the Kendall-style fraction of
 * increasing pairs is at least 0.7) OR the current value exceeds the
 * absolute maximum (fds_max / threads_max, 0 = none) — so a service that
 * holds many fds steadily, or goes up and down, is "ok".
 */
#pragma once

#include <errno.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEAK_HISTORY_MAX 4096   /* samples per instance, whatever the config */
#define LEAK_MIN_SAMPLES 6

struct leak_sample {
	uint64_t t_ms;
	uint32_t fds;
	uint32_t threads;
};

struct leak_history {
	struct leak_sample *s;          /* cap entries */
	uint32_t cap, head, n;          /* ring: the newest is s[(head + n - 1) % cap] */
};

struct leak_config {
	uint64_t window_ms;             /* default 10m */
	double min_growth_per_hour;     /* default 60 (fds or threads per hour) */
	uint32_t fds_max;               /* 0 = no absolute limit */
	uint32_t threads_max;
};

enum leak_verdict { LEAK_UNKNOWN, LEAK_OK, LEAK_LEAKING, _LEAK_VERDICT_MAX, _LEAK_VERDICT_INVALID = -EINVAL };

struct leak_trend {
	enum leak_verdict verdict;      /* the worse of fds and threads */
	enum leak_verdict fds_verdict, threads_verdict;
	double fds_per_hour;            /* Theil-Sen slope over the window */
	double threads_per_hour;
	const char *reason;             /* static text: "fds growing", "fds over fds_max", ... */
};

/* -ENOMEM, or -EINVAL for cap 0 or above LEAK_HISTORY_MAX. */
int leak_history_init(struct leak_history *h, uint32_t cap);
void leak_history_done(struct leak_history *h);
void leak_history_add(struct leak_history *h, const struct leak_sample *s);
size_t leak_history_len(const struct leak_history *h);
/* The i-th oldest sample (0 = oldest). */
const struct leak_sample *leak_history_at(const struct leak_history *h, size_t i);
void leak_history_reset(struct leak_history *h);

void leak_evaluate(const struct leak_history *h, const struct leak_config *c, uint64_t now_ms,
		   struct leak_trend *ret);
const char *leak_verdict_to_string(enum leak_verdict v);   /* unknown ok leaking */
enum leak_verdict leak_verdict_from_string(const char *s);

/* A sparkline of the last `width` samples of fds (or threads) using the
 * eight block characters U+2581..U+2588, scaled between min and max of those
 * samples; UTF-8 into buf (3 bytes per char + NUL). Returns buf. */
char *leak_sparkline(const struct leak_history *h, bool threads, size_t width, char *buf, size_t len);
