/* SPDX-License-Identifier: MIT */
/*
 * leak.c: the leak verdict over a sample ring (leak_history.c; see
 * leak.h and docs/leaks.md). Pure: no syscalls, no clock, no allocation.
 *
 * Cost bound. One evaluation reads the ring once per series and horizon
 * (3 series, 2 horizons, plus one pass for the last new high): O(samples),
 * at most 7 * LEAK_HISTORY_MAX reads, with one median by quickselect over
 * the last part's samples in a stack array of LEAK_HISTORY_MAX values.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/leak.h"
#include "basic/macro.h"
#include "basic/string_table.h"

#define MS_PER_HOUR 3600000.0
/* How many times a walk's expected drift a rise must exceed (rule 5). */
#define LEAK_NOISE_Z 2.0

_Static_assert(CONFIG_LEAK_SERIES == _LEAK_SERIES_MAX, "config and leak.h count the series alike");

void leak_config_from(struct leak_config *ret, const struct service_leak_config *c)
{
	*ret = (struct leak_config){
		.window_ms = c->window_ms,
		.fast_horizon_ms = MIN(MAX(LEAK_FAST_HORIZON_MS, 6 * c->sample_every_ms), c->window_ms),
		.grace_ms = c->grace_ms,
		.fds_max = c->fds_max,
		.threads_max = c->threads_max,
	};
	for (int k = 0; k < _LEAK_SERIES_MAX; k++) {
		ret->min_growth[k] = c->min_growth[k];
		ret->fast_growth[k] = c->fast_growth[k];
	}
}

static const char *const leak_verdict_table[_LEAK_VERDICT_MAX] = {
	[LEAK_UNKNOWN] = "unknown",
	[LEAK_OK] = "ok",
	[LEAK_LEAKING] = "leaking",
};

DEFINE_STRING_TABLE_LOOKUP(leak_verdict, enum leak_verdict)

static const char *const leak_series_table[_LEAK_SERIES_MAX] = {
	[LEAK_FDS] = "fds",
	[LEAK_THREADS] = "threads",
	[LEAK_MEMORY] = "memory",
};

DEFINE_STRING_TABLE_LOOKUP(leak_series, enum leak_series)

static void swapd(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

/* The k-th smallest of a[0..n), 0-based (three-way quickselect: runs of
 * equal values, a flat series, stay linear). */
static double select_kth(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1];
		double p = MAX(MIN(x, y), MIN(MAX(x, y), z));   /* median of three */
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			if (a[i] < p)
				swapd(&a[lt++], &a[i++]);
			else if (a[i] > p)
				swapd(&a[i], &a[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return p;
	}
	return a[lo];
}

/* The lower median: a value the series really took. */
static double median(double *a, size_t n)
{
	return select_kth(a, n, (n - 1) / 2);
}

/* How much the series moves from one sample to the next beyond its trend:
 * the median absolute deviation of the steps from their median, scaled to
 * a standard deviation. Reorders d. */
static double step_noise(double *d, size_t n)
{
	if (n < 2)
		return 0;
	double m = median(d, n);
	for (size_t i = 0; i < n; i++)
		d[i] = d[i] > m ? d[i] - m : m - d[i];
	return 1.4826 * median(d, n);
}

/* The per-hour rate in the series' stored unit (memory: KiB). */
static double stored_rate(const double *rates, enum leak_series k)
{
	return k == LEAK_MEMORY ? rates[k] / 1024 : rates[k];
}

struct horizon {
	uint64_t ms;
	unsigned parts;
	double per_hour;     /* the rate it needs, stored unit */
	double noise_z;      /* 0: no noise bound */
};

/* What one pass over the history gathers for one horizon. */
struct horizon_scan {
	double last[LEAK_HISTORY_MAX];       /* the values of the last part */
	double steps[LEAK_HISTORY_MAX];      /* sample-to-sample changes inside the horizon */
	uint32_t part_max[LEAK_SLOW_PARTS];
	size_t part_n[LEAK_SLOW_PARTS], n_last, n_steps;
	uint32_t base;                       /* the peak before the horizon (or its first value) */
	bool have_base;
	uint64_t high_t;                     /* when it last set a new high, 0: not in the horizon */
};

static void scan_horizon(const struct leak_history *h, enum leak_series k, const struct horizon *hz,
			 uint64_t cut, struct horizon_scan *sc)
{
	uint32_t prev = 0, top = 0;
	bool in = false;

	memset(sc->part_max, 0, sizeof(sc->part_max));
	memset(sc->part_n, 0, sizeof(sc->part_n));
	sc->n_last = sc->n_steps = 0;
	sc->high_t = 0;
	sc->have_base = h->evicted;
	sc->base = top = h->evicted ? h->evicted_max[k] : 0;
	for (size_t i = 0; i < h->n; i++) {
		uint64_t t = leak_history_t_ms(h, i);
		uint32_t v = leak_history_value(h, i, k);
		if (t < cut || !sc->have_base) {   /* before the horizon, or the first value of all */
			sc->base = top = sc->have_base ? MAX(sc->base, v) : v;
			sc->have_base = true;
			if (t < cut) {
				prev = v;
				continue;
			}
		}
		if (in || i > 0)
			sc->steps[sc->n_steps++] = (double)v - (double)prev;
		in = true;
		prev = v;
		if (v > top) {
			top = v;
			sc->high_t = t;
		}
		size_t j = MIN((size_t)((t - cut) * hz->parts / MAX(hz->ms, 1)), (size_t)hz->parts - 1);
		sc->part_max[j] = sc->part_n[j] ? MAX(sc->part_max[j], v) : v;
		sc->part_n[j]++;
		if (j == hz->parts - 1)
			sc->last[sc->n_last++] = v;
	}
}

/* One horizon over one series (leak.h, rules 1-5). highs gets each part's
 * highest value when not NULL. */
static void judge_horizon(const struct leak_history *h, enum leak_series k, const struct horizon *hz,
			  uint64_t now_ms, uint32_t *highs, struct leak_rule_result *ret)
{
	struct horizon_scan sc;
	uint64_t cut = now_ms > hz->ms ? now_ms - hz->ms : 0;

	*ret = (struct leak_rule_result){ .needed = hz->per_hour * (double)hz->ms / MS_PER_HOUR };
	scan_horizon(h, k, hz, cut, &sc);
	if (highs)
		memcpy(highs, sc.part_max, hz->parts * sizeof(*highs));
	if (sc.n_last == 0 || !sc.have_base)
		return;
	/* A walk drifts about noise * sqrt(steps) over the horizon: over the
	 * slow horizon, where a walk has time to wander, a leak must rise
	 * clearly beyond that as well as beyond rate * H. (Over the fast one
	 * the rate asked is far above any walk's, and white noise on a fast
	 * leak would inflate the steps' spread.) */
	if (hz->noise_z > 0) {
		double drift = hz->noise_z * step_noise(sc.steps, sc.n_steps) * sqrt((double)sc.n_steps);
		ret->needed = MAX(ret->needed, drift);
	}
	/* A new high must be a step of the climb, not the noise on a plateau:
	 * at least a third of its share of what the whole climb needs. */
	double step_min = MAX(ret->needed / (3.0 * hz->parts), 1.0);
	uint32_t running = sc.base, ceiling = sc.base;
	for (unsigned j = 0; j < hz->parts && sc.part_n[j] && (double)sc.part_max[j] >= (double)running + step_min; j++) {
		running = sc.part_max[j];
		ret->new_highs++;
	}
	for (unsigned j = 0; j + 1 < hz->parts; j++)
		ceiling = MAX(ceiling, sc.part_max[j]);
	double level = median(sc.last, sc.n_last);
	bool covered = h->start_ms <= cut;
	bool floor_above = level > ceiling;
	bool recent = sc.high_t && now_ms - sc.high_t <= hz->ms / hz->parts;
	ret->rise = level - (double)sc.base;
	double r = ret->needed > 0 ? MIN(MAX(ret->rise, 0) / ret->needed, 1.0) : 0;
	ret->closeness = ((double)ret->new_highs / hz->parts + r + floor_above + recent) / 4;
	ret->holds = covered && ret->new_highs == hz->parts && floor_above && recent &&
		     ret->needed > 0 && ret->rise >= ret->needed;
	if (!covered)
		ret->closeness = MIN(ret->closeness, 0.99);
}

/* When the series last set a new high over everything before it. */
static uint64_t last_new_high(const struct leak_history *h, enum leak_series k)
{
	uint64_t when = 0;
	bool have = h->evicted;
	uint32_t running = h->evicted ? h->evicted_max[k] : 0;

	for (size_t i = 0; i < h->n; i++) {
		uint32_t v = leak_history_value(h, i, k);
		if (!have || v > running) {
			if (have)
				when = leak_history_t_ms(h, i);
			running = v;
			have = true;
		}
	}
	return when;
}

static const char *const growing_reason[_LEAK_SERIES_MAX] = {
	"fds growing", "threads growing", "memory growing",
};

static double to_per_hour(enum leak_series k, double rise, uint64_t ms)
{
	return ms ? rise * (k == LEAK_MEMORY ? 1024 : 1) * MS_PER_HOUR / (double)ms : 0;
}

/* The series' verdict and why, from whether a horizon's rules hold and
 * st->last_high_ms: the absolute limit first, then the grace, the rules, a
 * leak not yet over, too short a history, else steady. */
static void decide(const struct leak_history *h, const struct leak_config *c, enum leak_series k,
		   uint64_t now_ms, enum leak_verdict prev, bool holds, struct leak_series_trend *st)
{
	uint32_t newest = leak_history_value(h, h->n - 1, k);
	uint32_t max = k == LEAK_FDS ? c->fds_max : k == LEAK_THREADS ? c->threads_max : 0;
	uint64_t clear_ms = MAX(c->window_ms / 4, c->fast_horizon_ms);

	st->verdict = LEAK_UNKNOWN;
	if (max && newest > max) {
		st->verdict = LEAK_LEAKING;
		st->why = k == LEAK_FDS ? "fds over fds_max" : "threads over threads_max";
	} else if (now_ms < h->start_ms + c->grace_ms) {
		st->why = "in grace";
	} else if (holds) {
		st->verdict = LEAK_LEAKING;
		st->why = growing_reason[k];
	} else if (prev == LEAK_LEAKING && st->last_high_ms + clear_ms > now_ms) {
		st->verdict = LEAK_LEAKING;   /* stays so while it keeps making new highs */
		st->why = growing_reason[k];
	} else if (h->start_ms + MAX(c->fast_horizon_ms, 1) > now_ms) {
		st->why = "not enough samples";
	} else {
		st->verdict = LEAK_OK;
		st->why = "steady";
	}
}

static void judge_series(const struct leak_history *h, const struct leak_config *c, enum leak_series k,
			 uint64_t now_ms, enum leak_verdict prev, struct leak_series_trend *st)
{
	const struct horizon fast = { MAX(c->fast_horizon_ms, 1), LEAK_FAST_PARTS, stored_rate(c->fast_growth, k), 0 };
	const struct horizon slow = { MAX(c->window_ms, 1), LEAK_SLOW_PARTS, stored_rate(c->min_growth, k), LEAK_NOISE_Z };

	*st = (struct leak_series_trend){ .verdict = LEAK_UNKNOWN, .n_highs = LEAK_SLOW_PARTS };
	judge_horizon(h, k, &fast, now_ms, NULL, &st->fast);
	judge_horizon(h, k, &slow, now_ms, st->highs, &st->slow);
	st->last_high_ms = last_new_high(h, k);
	bool fast_closer = st->fast.holds || (!st->slow.holds && st->fast.closeness >= st->slow.closeness);
	const struct leak_rule_result *d = fast_closer ? &st->fast : &st->slow;
	st->horizon_ms = fast_closer ? fast.ms : slow.ms;
	st->per_hour = to_per_hour(k, d->rise, st->horizon_ms);
	st->closeness = d->closeness;

	decide(h, c, k, now_ms, prev, st->fast.holds || st->slow.holds, st);
}

/* The worst series decides; among equals the first (fds, threads, memory). */
static void pick_worst(struct leak_trend *t)
{
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		if (k == 0 || t->series[k].verdict > t->verdict) {
			t->verdict = t->series[k].verdict;
			t->worst = (enum leak_series)k;
			t->reason = t->series[k].why;
		}
}

void leak_evaluate(const struct leak_history *h, const struct leak_config *c, uint64_t now_ms,
		   const struct leak_verdicts *prev, struct leak_trend *ret)
{
	*ret = (struct leak_trend){ .reason = "not enough samples" };
	if (!h || h->n == 0)
		return;
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		judge_series(h, c, (enum leak_series)k, now_ms, prev ? (enum leak_verdict)prev->series[k] : LEAK_UNKNOWN,
			     &ret->series[k]);
	pick_worst(ret);
}

void leak_judge(const struct leak_history *h, const struct leak_config *c, uint64_t now_ms,
		const struct leak_verdicts *prev, struct leak_verdicts *ret)
{
	struct leak_trend t = { .reason = "not enough samples" };

	for (int k = 0; h && h->n > 0 && k < _LEAK_SERIES_MAX; k++) {
		enum leak_verdict was = prev ? (enum leak_verdict)prev->series[k] : LEAK_UNKNOWN;
		struct leak_series_trend *st = &t.series[k];

		/* Flat: no horizon's rules can hold and it never made a new
		 * high (last_high_ms 0), so the scans would find nothing. */
		if (leak_history_flat(h, (enum leak_series)k))
			decide(h, c, (enum leak_series)k, now_ms, was, false, st);
		else
			judge_series(h, c, (enum leak_series)k, now_ms, was, st);
	}
	if (h && h->n > 0)
		pick_worst(&t);
	leak_verdicts_of(&t, ret);
}

void leak_evaluate_again(const struct leak_history *h, const struct service_leak_config *sc,
			 const struct leak_verdicts *last, uint64_t judged_ms, struct leak_trend *ret)
{
	struct leak_config lc;

	leak_config_from(&lc, sc);
	if (!last->reason) {   /* never judged: nothing to judge again */
		*ret = (struct leak_trend){ .reason = NULL };
		return;
	}
	leak_evaluate(h, &lc, judged_ms, last, ret);
}

void leak_verdicts_of(const struct leak_trend *t, struct leak_verdicts *ret)
{
	*ret = (struct leak_verdicts){ .verdict = t->verdict, .worst = t->worst, .reason = t->reason };
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		ret->series[k] = (uint8_t)t->series[k].verdict;
}

char *leak_format_rate(enum leak_series k, double per_hour, char *buf, size_t len)
{
	const char *unit = k == LEAK_MEMORY ? "MiB" : leak_series_to_string(k);
	double x = k == LEAK_MEMORY ? per_hour / (1024.0 * 1024.0) : per_hour;
	double ax = x < 0 ? -x : x;

	if (!unit)
		unit = "?";
	if (ax >= 3600)
		snprintf(buf, len, "%.1f %s/s", x / 3600, unit);
	else if (ax >= 60)
		snprintf(buf, len, "%.1f %s/min", x / 60, unit);
	else
		snprintf(buf, len, "%.1f %s/h", x, unit);
	return buf;
}

char *leak_sparkline(const struct leak_history *h, enum leak_series k, size_t width, char *buf,
		     size_t len)
{
	if (!buf || len == 0)
		return buf;

	size_t n = leak_history_len(h), w = MIN(width, n), o = 0;
	uint32_t lo = UINT32_MAX, hi = 0;
	for (size_t i = n - w; i < n; i++) {
		uint32_t v = leak_history_value(h, i, k);
		lo = MIN(lo, v);
		hi = MAX(hi, v);
	}
	/* Each bar is 3 bytes, U+2581..U+2588 = E2 96 81..88; keep one for NUL. */
	for (size_t i = n - w; i < n && len - o >= 4; i++) {
		uint64_t v = leak_history_value(h, i, k) - lo, range = hi - lo;
		unsigned level = range ? (unsigned)((v * 14 + range) / (2 * range)) : 0;
		buf[o++] = (char)0xE2;
		buf[o++] = (char)0x96;
		buf[o++] = (char)(0x81 + level);
	}
	buf[o] = '\0';
	return buf;
}
