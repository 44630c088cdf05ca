/* SPDX-License-Identifier: MIT */
/*
 * test_leak_series.c: the leak verdict on synthetic series of fd and thread
 * counts, as pure functions: steady, noisy, sawtooth at every phase, slow
 * rise and fast drop, a trend buried in noise (none of them a leak), linear
 * growth with and without outliers, the "pipe every 100 ms" and
 * "thread every 200 ms" children, and growth that stopped before the
 * window. The ring itself and the verdict's edges are in test_leak.c; the
 * series helpers in leak_test_util.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/leak.h"
#include "leak_test_util.h"

static void test_steady_500(void **state)
{
	(void)state;
	/* Every 5 s over 10 minutes: 121 samples. */
	struct leak_trend t = eval_series(121, 5 * SEC, 10 * MIN_MS, &default_cfg, gen_steady, NULL);
	assert_int_equal(t.verdict, LEAK_OK);
	assert_int_equal(t.fds_verdict, LEAK_OK);
	assert_int_equal(t.threads_verdict, LEAK_OK);
	assert_true(t.fds_per_hour == 0);
	assert_true(t.threads_per_hour == 0);
	assert_string_equal(t.reason, "steady");
}

static void test_noise(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ULL;
		struct leak_trend t = eval_series(121, 5 * SEC, 10 * MIN_MS, &default_cfg, gen_noise, &s);
		assert_int_equal(t.verdict, LEAK_OK);
		/* +-20 over 10 minutes: nowhere near 60/h. */
		assert_true(t.fds_per_hour < 60 && t.fds_per_hour > -60);
	}
}

/* 100 -> 400 -> 100 with period `u` samples (5 s apart), starting at a phase. */
struct saw {
	size_t period, phase;
};

static void gen_saw(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	const struct saw *w = u;
	size_t half = w->period / 2, p = (i + w->phase) % w->period;
	(void)t;
	*fds = 100 + (uint32_t)(300 * (p <= half ? p : w->period - p) / half);
	*threads = 4 + (uint32_t)(p <= half ? p : w->period - p);
}

static void test_sawtooth(void **state)
{
	(void)state;
	/* Periods of 2, 3, 5 and 8 minutes inside a 10-minute window, every phase:
	 * whatever part of a swing the window catches, it is not a leak. */
	static const size_t periods[] = { 24, 36, 60, 96 };
	for (size_t k = 0; k < sizeof(periods) / sizeof(periods[0]); k++)
		for (size_t phase = 0; phase < periods[k]; phase++) {
			struct saw w = { periods[k], phase };
			struct leak_trend t =
				eval_series(121, 5 * SEC, 10 * MIN_MS, &default_cfg, gen_saw, &w);
			if (t.verdict != LEAK_OK)
				print_error("period %zu phase %zu: %s %f/h\n", periods[k], phase,
					    t.reason, t.fds_per_hour);
			assert_int_equal(t.verdict, LEAK_OK);
		}
}

/* Rises slowly for 95 samples (100 -> 400 over ~8 minutes), then drops back
 * in one: most pairs rise and the median slope is positive, but the series
 * ends about where it started, so it is not a leak. */
static void gen_slow_rise_fast_drop(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	size_t p = (i + *(const size_t *)u) % 96;
	(void)t;
	*fds = 100 + (uint32_t)(300 * p / 95);
	*threads = 3;
}

static void test_slow_rise_fast_drop(void **state)
{
	(void)state;
	for (size_t phase = 0; phase < 96; phase++) {
		struct leak_trend t = eval_series(121, 5 * SEC, 10 * MIN_MS, &default_cfg,
						  gen_slow_rise_fast_drop, &phase);
		assert_int_equal(t.verdict, LEAK_OK);
		assert_true(t.fds_per_hour > 60); /* the slope alone would say leaking */
	}
}

/* A trend of 600/h under noise of +-200, from a low first sample to a high
 * last one: the slope and the rise both say "growing", but only about half
 * the pairs rise. It does not "keep rising", so it is not a leak. */
static void gen_buried_trend(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	*fds = 500 + (uint32_t)(t / (6 * SEC)) + (uint32_t)(xorshift64(u) % 401) - 200;
	if (i == 0)
		*fds = 300;
	if (t == 10 * MIN_MS)
		*fds = 800;
	*threads = 3;
}

static void test_buried_trend(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 10; seed++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ULL;
		struct leak_trend t =
			eval_series(121, 5 * SEC, 10 * MIN_MS, &default_cfg, gen_buried_trend, &s);
		assert_int_equal(t.verdict, LEAK_OK);
		assert_true(t.fds_per_hour > 60);
	}
}

static void test_growth_600_per_hour(void **state)
{
	(void)state;
	struct leak_trend t = eval_series(121, 5 * SEC, 10 * MIN_MS, &default_cfg, gen_growth, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_int_equal(t.fds_verdict, LEAK_LEAKING);
	assert_int_equal(t.threads_verdict, LEAK_OK);
	assert_string_equal(t.reason, "fds growing");
	assert_near(t.fds_per_hour, 600, 0.05);
	assert_true(t.threads_per_hour == 0);
	/* Under min_growth it is not a leak, however steady. */
	struct leak_config c = default_cfg;
	c.min_growth_per_hour = 1000;
	t = eval_series(121, 5 * SEC, 10 * MIN_MS, &c, gen_growth, NULL);
	assert_int_equal(t.verdict, LEAK_OK);
	assert_near(t.fds_per_hour, 600, 0.05);
}

static void gen_growth_outliers(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	gen_growth(t, i, fds, threads, u);
	if (i == 10 || i == 40 || i == 77)
		*fds = 50000;
	if (i == 25 || i == 90)
		*fds = 0;
}

static void test_growth_outliers(void **state)
{
	(void)state;
	struct leak_trend t =
		eval_series(121, 5 * SEC, 10 * MIN_MS, &default_cfg, gen_growth_outliers, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_string_equal(t.reason, "fds growing");
	assert_near(t.fds_per_hour, 600, 0.05);
}

static void test_pipe_every_100ms(void **state)
{
	(void)state;
	struct leak_config c = { .window_ms = 60 * SEC, .min_growth_per_hour = 60 };
	struct leak_trend t = eval_series(61, SEC, 60 * SEC, &c, gen_pipes, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_int_equal(t.fds_verdict, LEAK_LEAKING);
	assert_int_equal(t.threads_verdict, LEAK_OK);
	assert_near(t.fds_per_hour, 72000, 0.01);
	/* Within the window: half of it is enough to decide. */
	t = eval_series(61, SEC, 30 * SEC, &c, gen_pipes, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
}

static void gen_threads(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	(void)i, (void)u;
	*fds = 12;
	*threads = 1 + (uint32_t)(t / 200);
}

static void test_thread_every_200ms(void **state)
{
	(void)state;
	struct leak_config c = { .window_ms = 60 * SEC, .min_growth_per_hour = 60 };
	struct leak_trend t = eval_series(61, SEC, 60 * SEC, &c, gen_threads, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_int_equal(t.threads_verdict, LEAK_LEAKING);
	assert_int_equal(t.fds_verdict, LEAK_OK);
	assert_string_equal(t.reason, "threads growing");
	assert_near(t.threads_per_hour, 18000, 0.01);
	assert_true(t.fds_per_hour == 0);
}

/* Grows for the first 30 minutes, flat for the next 30. */
static void gen_grew_then_stopped(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	(void)i, (void)u;
	*fds = 100 + (uint32_t)((t < 30 * MIN_MS ? t : 30 * MIN_MS) / SEC);
	*threads = 2 + (uint32_t)((t < 30 * MIN_MS ? t : 30 * MIN_MS) / (10 * SEC));
}

static void test_grew_then_stopped(void **state)
{
	(void)state;
	/* The ring holds the whole hour; only the last 10 minutes count. */
	struct leak_trend t =
		eval_series(721, 5 * SEC, 60 * MIN_MS, &default_cfg, gen_grew_then_stopped, NULL);
	assert_int_equal(t.verdict, LEAK_OK);
	assert_true(t.fds_per_hour == 0);
	assert_true(t.threads_per_hour == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_500),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_sawtooth),
		cmocka_unit_test(test_slow_rise_fast_drop),
		cmocka_unit_test(test_buried_trend),
		cmocka_unit_test(test_growth_600_per_hour),
		cmocka_unit_test(test_growth_outliers),
		cmocka_unit_test(test_pipe_every_100ms),
		cmocka_unit_test(test_thread_every_200ms),
		cmocka_unit_test(test_grew_then_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
