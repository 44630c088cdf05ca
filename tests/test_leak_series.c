/* SPDX-License-Identifier: MIT */
/*
 * test_leak_series.c: the "new highs" rule (leak.h) on synthetic series,
 * replayed as the daemon sees them (a verdict after each sample, the last
 * one fed back), with the default settings unless said otherwise. Never
 * flagged: steady, noise (its closeness always short of 1), a sawtooth at every phase, a slow rise with a
 * fast drop, a step, a warm-up that plateaus, a bounded walk, a climb back
 * to a peak that has left the ring. Flagged: a fast leak by the fast rule
 * within 60 s of its start, a slow one by the slow rule within the window,
 * a leak that starts minutes in, a thread leak, a memory leak (bytes), the
 * issue's "pipe every 100 ms" child sampled every second. The ring and the
 * verdict's mechanics are in test_leak.c, the corpus in test_leak_corpus.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/leak.h"
#include "config/config_leak.h"
#include "leak_test_util.h"

#define HOUR (60 * MIN_MS)

static void set(struct leak_point *p, enum leak_series k, double v)
{
	if (k == LEAK_FDS)
		p->fds = (uint32_t)v;
	else if (k == LEAK_THREADS)
		p->threads = (uint32_t)v;
	else
		p->memory = (uint64_t)v;
}

/* base, then `per_s` a second from `start_s` (after a warm-up of `warm`
 * over the first `warm_s`, 2 minutes when 0), plus or minus `noise`. */
struct lin {
	enum leak_series k;
	double base, per_s, start_s, warm, noise, warm_s;
	uint64_t rng;
};

static void gen_lin(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	struct lin *l = u;
	double s = (double)t / SEC, v = l->base + l->warm * MIN(s / (l->warm_s > 0 ? l->warm_s : 120), 1.0);
	(void)i;
	if (s > l->start_s)
		v += (double)(uint64_t)(l->per_s * (s - l->start_s));
	if (l->noise > 0)
		v += (double)(xorshift64(&l->rng) % (2 * (uint64_t)l->noise + 1)) - l->noise;
	set(p, l->k, v);
}

static void assert_never(uint64_t step, uint64_t t_end, const struct leak_config *c, gen_fn gen, void *u,
			 const char *what)
{
	struct replay r = replay_series(step, t_end, c, gen, u);
	if (r.flags)
		fail_msg("%s: flagged at %lld s (%s)", what, (long long)r.first_ms / 1000, r.at_first.reason);
	assert_int_not_equal(r.last.verdict, LEAK_UNKNOWN);
}

/* Flagged once, within `within_s` of `start_s`, and still leaking at t_end. */
static struct replay assert_flagged(const struct leak_config *c, struct lin *l, double within_s, uint64_t t_end)
{
	struct replay r = replay_series(5 * SEC, t_end, c, gen_lin, l);
	if (r.first_ms < 0 || r.first_ms <= l->start_s * SEC || r.first_ms > (l->start_s + within_s) * SEC)
		fail_msg("flagged at %lld ms, want within %.0f s after %.0f s", (long long)r.first_ms, within_s,
			 l->start_s);
	assert_int_equal(r.flags, 1);
	assert_int_equal(r.last.verdict, LEAK_LEAKING);
	assert_int_equal(r.at_first.worst, l->k);
	return r;
}

static void test_steady(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	struct replay r = replay_series(5 * SEC, HOUR, &c, gen_steady, NULL);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.last.verdict, LEAK_OK);
	assert_string_equal(r.last.reason, "steady");
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		assert_true(r.last.series[k].per_hour == 0);
}

static void test_noise(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	for (uint64_t seed = 1; seed <= 20; seed++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ULL;
		assert_never(5 * SEC, HOUR, &c, gen_noise, &s, "noise");
	}
}

/* Every evaluation of a noisy series: never leaking, every closeness
 * within [0, 1] and short of 1. */
static void test_closeness_under_noise(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	struct leak_history h = { 0 };
	struct leak_verdicts prev = { 0 };
	struct leak_trend t;
	uint64_t seed = 0x1234567;

	assert_int_equal(leak_history_init(&h, ring_cap(&c, 5 * SEC)), 0);
	for (uint64_t s = 0; s <= 30 * MIN_MS; s += 5 * SEC) {
		struct leak_point p = gen_point(gen_noise, &seed, s, 0);
		leak_history_add(&h, &p);
		leak_evaluate(&h, &c, p.t_ms, &prev, &t);
		assert_int_not_equal(t.verdict, LEAK_LEAKING);
		for (int k = 0; k < _LEAK_SERIES_MAX; k++) {
			assert_closeness_bounded(&t.series[k]);
			assert_true(t.series[k].closeness < 1);
		}
		leak_verdicts_of(&t, &prev);
	}
	assert_int_equal(t.verdict, LEAK_OK);
	leak_history_done(&h);
}

/* An fd count that climbs 1/s for 4 minutes, then holds: flagged, still
 * leaking while it climbs, cleared once it holds. After every sample the
 * verdict judged again from the history (what `leaks` and a snapshot show,
 * leak_evaluate_again) equals the one the daemon acted on, figures too. */
static void gen_climb_then_hold(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	(void)i, (void)u;
	uint64_t s = t / SEC;
	p->fds = 40 + (uint32_t)(s < 300 ? 0 : s < 540 ? s - 300 : 240);
}

static void test_judged_again_same(void **state)
{
	(void)state;
	struct service_leak_config sc = *config_leak_defaults();
	struct leak_config c;
	struct leak_history h = { 0 };
	struct leak_verdicts last = { 0 };
	struct leak_trend t, again;
	unsigned leaking = 0, cleared = 0;

	leak_config_from(&c, &sc);
	assert_int_equal(leak_history_init(&h, ring_cap(&c, 5 * SEC)), 0);
	for (uint64_t s = 0; s <= 40 * MIN_MS; s += 5 * SEC) {
		struct leak_point p = gen_point(gen_climb_then_hold, NULL, s, 0);
		struct leak_verdicts before = last;
		leak_history_add(&h, &p);
		leak_evaluate(&h, &c, p.t_ms, &last, &t);
		leak_verdicts_of(&t, &last);
		leaking += t.verdict == LEAK_LEAKING && before.verdict != LEAK_LEAKING;
		cleared += t.verdict == LEAK_OK && before.verdict == LEAK_LEAKING;
		leak_evaluate_again(&h, &sc, &last, p.t_ms, &again);
		assert_int_equal(again.verdict, t.verdict);
		assert_string_equal(again.reason, t.reason);
		for (int k = 0; k < _LEAK_SERIES_MAX; k++) {
			assert_int_equal(again.series[k].verdict, t.series[k].verdict);
			assert_true(again.series[k].per_hour == t.series[k].per_hour);
			assert_true(again.series[k].closeness == t.series[k].closeness);
		}
	}
	assert_int_equal(leaking, 1);
	assert_int_equal(cleared, 1);
	leak_history_done(&h);
}

/* base -> base + amp -> base, a period of `period` samples, from `phase`. */
struct saw {
	size_t period, phase;
	uint32_t amp;
};

static void gen_saw(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	const struct saw *w = u;
	size_t half = w->period / 2, q = (i + w->phase) % w->period, d = q <= half ? q : w->period - q;
	(void)t;
	p->fds = 100 + (uint32_t)(w->amp * d / half);
	p->threads = 4 + (uint32_t)d;
}

/* Every phase of each period: flagged at most `flags_max` times, and ok
 * after 40 minutes. */
static void saw_every_phase(const struct leak_config *c, const size_t *periods, size_t n, uint32_t amp,
			    unsigned flags_max)
{
	for (size_t k = 0; k < n; k++)
		for (size_t phase = 0; phase < periods[k]; phase++) {
			struct saw w = { periods[k], phase, amp };
			struct replay r = replay_series(5 * SEC, 40 * MIN_MS, c, gen_saw, &w);
			if (r.flags > flags_max || r.last.verdict != LEAK_OK)
				fail_msg("period %zu phase %zu amp %u: flagged %u times, first at %lld ms, %s at the end",
					 periods[k], phase, amp, r.flags, (long long)r.first_ms, r.last.reason);
		}
}

static void test_sawtooth(void **state)
{
	(void)state;
	/* 30 fds up and down over 2 to 8 minutes, from the very start (no
	 * grace): below the fast rule's 36 a minute, and only revisits. */
	static const size_t small[] = { 24, 36, 60, 96 };
	struct leak_config c = cfg_with(5 * SEC, 0);
	saw_every_phase(&c, small, ELEMENTSOF(small), 30, 0);
	/* 300 fds up in 40 s or a minute: even when the series starts just
	 * past a peak, its first climb to a new high is over in grace. */
	static const size_t large[] = { 16, 24 };
	c = default_cfg();
	saw_every_phase(&c, large, ELEMENTSOF(large), 300, 0);
	/* Slower: the first climb may end past grace and be flagged, once;
	 * the next cycles only revisit its levels (a corpus `limit`). */
	static const size_t slow[] = { 36, 60, 96 };
	saw_every_phase(&c, slow, ELEMENTSOF(slow), 300, 1);
}

/* Up 300 over 95 samples (8 minutes, about 0.63/s), down in one. */
static void gen_rise_drop(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	(void)t;
	p->fds = 100 + (uint32_t)(300 * ((i + *(const size_t *)u) % 96) / 95);
}

static void test_slow_rise_fast_drop(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	for (size_t phase = 0; phase < 96; phase++)
		assert_never(5 * SEC, 40 * MIN_MS, &c, gen_rise_drop, &phase, "rise and drop");
}

/* +100 at `at` ms, plus or minus 2. */
struct step {
	uint64_t at, rng;
};

static void gen_step(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	struct step *s = u;
	(void)i;
	p->fds = 20 + (t >= s->at ? 100 : 0) + (uint32_t)(xorshift64(&s->rng) % 5);
}

static void test_step(void **state)
{
	(void)state;
	static const uint64_t at[] = { 0, 65, 150, 301, 777, 1800 };
	struct leak_config c = default_cfg();
	for (size_t i = 0; i < ELEMENTSOF(at); i++) {
		struct step s = { at[i] * SEC, i + 1 };
		assert_never(5 * SEC, HOUR, &c, gen_step, &s, "step");
	}
}

static void test_warmup_plateau(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	/* The 50 fds over 3 minutes; 100 over 45 s (over the fast
	 * rate, but done in grace); a pool of 16 threads filled in a minute;
	 * 200 MiB over 3 minutes. With noise. */
	struct lin w[] = {
		{ .k = LEAK_FDS, .base = 10, .warm = 50, .warm_s = 180, .noise = 2, .rng = 1 },
		{ .k = LEAK_FDS, .base = 10, .warm = 100, .warm_s = 45, .noise = 1, .rng = 2 },
		{ .k = LEAK_THREADS, .base = 2, .warm = 16, .warm_s = 60, .rng = 3 },
		{ .k = LEAK_MEMORY, .base = 50.0 * MIB, .warm = 200.0 * MIB, .warm_s = 180, .noise = 0.5 * MIB, .rng = 4 },
	};
	for (size_t i = 0; i < ELEMENTSOF(w); i++)
		assert_never(5 * SEC, HOUR, &c, gen_lin, &w[i], "warm-up");
}

/* A walk of +-1 a second kept in [0, band]. */
struct walk {
	uint32_t band, v;
	uint64_t rng, t;
};

static void gen_walk(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	struct walk *w = u;
	(void)i;
	for (; w->t + SEC <= t; w->t += SEC)
		w->v = xorshift64(&w->rng) & 1 ? (w->v < w->band ? w->v + 1 : w->v - 1) : (w->v > 0 ? w->v - 1 : 1);
	p->fds = 30 + w->v;
}

static void test_walk(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	for (uint64_t seed = 1; seed <= 10; seed++) {
		struct walk a = { 20, 0, seed * 7919, 0 }, b = { 60, 0, seed * 104729, 0 };
		assert_never(5 * SEC, HOUR, &c, gen_walk, &a, "walk in 20");
		assert_never(5 * SEC, HOUR, &c, gen_walk, &b, "walk in 60");
	}
}

static void test_fast_rule(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	struct lin l[] = {
		{ .k = LEAK_FDS, .base = 20, .per_s = 1, .start_s = 300 },
		{ .k = LEAK_FDS, .base = 20, .per_s = 10, .start_s = 300 },
		{ .k = LEAK_FDS, .base = 20, .per_s = 1, .start_s = 300, .noise = 5, .rng = 1 },
	};
	for (size_t i = 0; i < ELEMENTSOF(l); i++) {
		struct replay r = assert_flagged(&c, &l[i], 60, 25 * MIN_MS);
		assert_true(r.at_first.series[LEAK_FDS].fast.holds);
		assert_int_equal(r.at_first.series[LEAK_FDS].horizon_ms, c.fast_horizon_ms);
		assert_string_equal(r.at_first.reason, "fds growing");
	}
}

static void test_slow_rule(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	/* 3 a minute, 180/h: under the fast rule, over min_growth. */
	struct lin l = { .k = LEAK_FDS, .base = 20, .per_s = 3.0 / 60, .start_s = 300 };
	struct replay r = assert_flagged(&c, &l, 600, 25 * MIN_MS);
	assert_true(r.at_first.series[LEAK_FDS].slow.holds);
	assert_false(r.at_first.series[LEAK_FDS].fast.holds);
	assert_int_equal(r.at_first.series[LEAK_FDS].horizon_ms, c.window_ms);
	/* 600/h from the start: as soon as the window is covered. */
	r = replay_series(5 * SEC, 20 * MIN_MS, &c, gen_growth, NULL);
	assert_int_equal(r.first_ms, (int64_t)c.window_ms);
	assert_true(r.at_first.series[LEAK_FDS].slow.holds);
	/* 30/h, under min_growth: never, however long. */
	l.per_s = 0.5 / 60;
	assert_never(5 * SEC, 2 * HOUR, &c, gen_lin, &l, "30/h");
}

static void test_leak_after_minutes(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	/* A warm-up of 50, flat until 20 minutes, then 1 fd/s. */
	struct lin l = { .k = LEAK_FDS, .base = 10, .per_s = 1, .start_s = 1200, .warm = 50, .noise = 2, .rng = 9 };
	struct replay r = assert_flagged(&c, &l, 60, 40 * MIN_MS);
	assert_true(r.at_first.series[LEAK_FDS].fast.holds);
}

static void test_thread_leak(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	struct lin l = { .k = LEAK_THREADS, .base = 4, .per_s = 0.5, .start_s = 300 };
	struct replay r = assert_flagged(&c, &l, 60, 20 * MIN_MS);
	assert_string_equal(r.at_first.reason, "threads growing");
	assert_int_equal(r.at_first.series[LEAK_FDS].verdict, LEAK_OK);
	assert_int_equal(r.at_first.series[LEAK_MEMORY].verdict, LEAK_OK);
}

static void test_memory_leak(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	/* 2 MiB/s, in bytes: the fast rule. */
	struct lin l = { .k = LEAK_MEMORY, .base = 100.0 * MIB, .per_s = 2.0 * MIB, .start_s = 300 };
	struct replay r = assert_flagged(&c, &l, 60, 20 * MIN_MS);
	const struct leak_series_trend *st = &r.at_first.series[LEAK_MEMORY];
	assert_string_equal(r.at_first.reason, "memory growing");
	assert_true(st->fast.holds);
	assert_true(st->per_hour >= c.fast_growth[LEAK_MEMORY] && st->per_hour <= 2.0 * MIB * 3600);
	st = &r.last.series[LEAK_MEMORY];
	assert_true(st->per_hour > 0.75 * 2 * MIB * 3600 && st->per_hour <= 2.0 * MIB * 3600);
	assert_int_equal(r.at_first.series[LEAK_FDS].verdict, LEAK_OK);
	/* 200 KiB/s: under the fast rule's 1.2 MiB/s; the slow rule. */
	struct lin s = { .k = LEAK_MEMORY, .base = 100.0 * MIB, .per_s = 200 * 1024, .start_s = 300 };
	r = assert_flagged(&c, &s, 600, 25 * MIN_MS);
	assert_true(r.at_first.series[LEAK_MEMORY].slow.holds);
	assert_false(r.at_first.series[LEAK_MEMORY].fast.holds);
}

/* The child sampled every second (the fast horizon stays 60 s). */
static void test_pipe_every_100ms(void **state)
{
	(void)state;
	struct leak_config c = cfg_with(SEC, 0);
	assert_int_equal(c.fast_horizon_ms, 60 * SEC);
	struct replay r = replay_series(SEC, 5 * MIN_MS, &c, gen_pipes, NULL);
	assert_int_equal(r.first_ms, 60 * SEC);   /* as soon as it has 60 s of samples */
	assert_int_equal(r.flags, 1);
	const struct leak_series_trend *st = &r.at_first.series[LEAK_FDS];
	assert_true(st->fast.holds);
	assert_true(st->per_hour > 0.75 * 72000 && st->per_hour <= 72000);
	assert_int_equal(r.at_first.series[LEAK_THREADS].verdict, LEAK_OK);
	/* With the default grace: at its end. */
	c = cfg_with(SEC, 2 * MIN_MS);
	r = replay_series(SEC, 5 * MIN_MS, &c, gen_pipes, NULL);
	assert_int_equal(r.first_ms, 2 * MIN_MS);
	assert_string_equal(eval_series(SEC, 119 * SEC, &c, gen_pipes, NULL).reason, "in grace");
}

/* Up to 300 in the first 50 s, held until 20m, down to 100 until 40m, then back up
 * at 1/s to 300: the peak has left the ring but is remembered. */
static void gen_back_to_peak(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	uint64_t s = t / SEC;
	(void)i;
	p->fds = s < 50 ? 100 + 4 * (uint32_t)s : s < 1200 ? 300 : s < 2400 ? 100 : 100 + (uint32_t)MIN(s - 2400, 200);
	if (u)   /* the control: no peak before */
		p->fds = s < 2400 ? 100 : p->fds;
}

static void test_climb_back_to_evicted_peak(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	int control = 1;
	assert_never(5 * SEC, HOUR, &c, gen_back_to_peak, NULL, "back to the peak");
	struct replay r = replay_series(5 * SEC, HOUR, &c, gen_back_to_peak, &control);
	assert_true(r.first_ms > 2400 * (int64_t)SEC && r.first_ms <= 2460 * (int64_t)SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_closeness_under_noise),
		cmocka_unit_test(test_sawtooth),
		cmocka_unit_test(test_slow_rise_fast_drop),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_warmup_plateau),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_fast_rule),
		cmocka_unit_test(test_slow_rule),
		cmocka_unit_test(test_leak_after_minutes),
		cmocka_unit_test(test_thread_leak),
		cmocka_unit_test(test_memory_leak),
		cmocka_unit_test(test_pipe_every_100ms),
		cmocka_unit_test(test_climb_back_to_evicted_peak),
		cmocka_unit_test(test_judged_again_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
