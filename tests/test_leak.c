/* SPDX-License-Identifier: MIT */
/*
 * test_leak.c: the sample ring and the mechanics of the leak verdict as pure
 * functions: the ring's order, wrap and bounds, the verdict's names, too
 * few samples or too short a span, absolute maxima, stale samples outside
 * the window, windows with more samples than the 200 the slope looks at,
 * and the sparkline. The Theil-Sen slope is checked against a brute-force
 * reference (every pair, qsort) written here. The verdicts on synthetic
 * series (steady, noisy, sawtooth, growth, the children) are in
 * test_leak_series.c; the shared series helpers in leak_test_util.h.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/leak.h"
#include "leak_test_util.h"

static void test_ring_wrap_order(void **state)
{
	(void)state;
	struct leak_history h = { 0 };

	assert_int_equal(leak_history_init(&h, 4), 0);
	assert_int_equal(leak_history_len(&h), 0);
	assert_null(leak_history_at(&h, 0));
	for (uint64_t t = 1; t <= 10; t++) {
		struct leak_sample s = { .t_ms = t, .fds = (uint32_t)t * 10, .threads = (uint32_t)t };
		leak_history_add(&h, &s);
		assert_int_equal(leak_history_len(&h), t < 4 ? t : 4);
		/* The newest is always last. */
		assert_int_equal(leak_history_at(&h, leak_history_len(&h) - 1)->t_ms, t);
	}
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(leak_history_at(&h, i)->t_ms, 7 + i);
		assert_int_equal(leak_history_at(&h, i)->fds, (7 + i) * 10);
	}
	assert_null(leak_history_at(&h, 4));
	leak_history_reset(&h);
	assert_int_equal(leak_history_len(&h), 0);
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 42 });
	assert_int_equal(leak_history_len(&h), 1);
	assert_int_equal(leak_history_at(&h, 0)->t_ms, 42);
	leak_history_done(&h);
	assert_null(h.s);
	leak_history_done(&h);
	/* A ring after done takes no samples. */
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 1 });
	assert_int_equal(leak_history_len(&h), 0);
}

static void test_init_bounds(void **state)
{
	(void)state;
	struct leak_history h = { 0 };

	assert_int_equal(leak_history_init(&h, 0), -EINVAL);
	assert_int_equal(leak_history_init(&h, LEAK_HISTORY_MAX + 1), -EINVAL);
	assert_int_equal(leak_history_init(&h, UINT32_MAX), -EINVAL);
	assert_int_equal(leak_history_init(&h, 1), 0);
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 1 });
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 2 });
	assert_int_equal(leak_history_len(&h), 1);
	assert_int_equal(leak_history_at(&h, 0)->t_ms, 2);
	leak_history_done(&h);
	assert_int_equal(leak_history_init(&h, LEAK_HISTORY_MAX), 0);
	assert_int_equal(h.cap, LEAK_HISTORY_MAX);
	for (uint64_t t = 0; t < 2 * LEAK_HISTORY_MAX + 3; t++)
		leak_history_add(&h, &(struct leak_sample){ .t_ms = t });
	assert_int_equal(leak_history_len(&h), LEAK_HISTORY_MAX);
	assert_int_equal(leak_history_at(&h, 0)->t_ms, LEAK_HISTORY_MAX + 3);
	leak_history_done(&h);
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(leak_verdict_to_string(LEAK_UNKNOWN), "unknown");
	assert_string_equal(leak_verdict_to_string(LEAK_OK), "ok");
	assert_string_equal(leak_verdict_to_string(LEAK_LEAKING), "leaking");
	assert_null(leak_verdict_to_string((enum leak_verdict)7));
}

static void test_unknown_few_samples(void **state)
{
	(void)state;
	struct leak_history h = { 0 };
	struct leak_trend t;

	assert_int_equal(leak_history_init(&h, 16), 0);
	leak_evaluate(&h, &default_cfg, 10 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	assert_string_equal(t.reason, "not enough samples");
	/* Five samples over the whole window, growing fast: still too few. */
	for (uint64_t i = 0; i < LEAK_MIN_SAMPLES - 1; i++)
		leak_history_add(&h, &(struct leak_sample){ .t_ms = i * 120 * SEC,
							    .fds = 10 + (uint32_t)i * 1000 });
	leak_evaluate(&h, &default_cfg, 10 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	assert_int_equal(t.fds_verdict, LEAK_UNKNOWN);
	assert_int_equal(t.threads_verdict, LEAK_UNKNOWN);
	assert_string_equal(t.reason, "not enough samples");
	/* The slope is still reported. */
	assert_true(t.fds_per_hour > 1000);
	/* The sixth makes it. */
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 10 * MIN_MS, .fds = 5010 });
	leak_evaluate(&h, &default_cfg, 10 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_string_equal(t.reason, "fds growing");
	leak_history_done(&h);
}

static void test_unknown_short_span(void **state)
{
	(void)state;
	/* 60 samples one second apart, then 4m59s of them: under half of 10m. */
	struct leak_trend t = eval_series(512, SEC, 59 * SEC, &default_cfg, gen_growth, NULL);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	assert_string_equal(t.reason, "samples span less than half the window");
	t = eval_series(512, SEC, 299 * SEC, &default_cfg, gen_growth, NULL);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	/* Exactly half the window is enough. */
	t = eval_series(512, SEC, 300 * SEC, &default_cfg, gen_growth, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
}

static void test_absolute_max(void **state)
{
	(void)state;
	struct leak_history h = { 0 };
	struct leak_config c = default_cfg;
	struct leak_trend t;

	c.fds_max = 1000;
	c.threads_max = 50;
	assert_int_equal(leak_history_init(&h, 8), 0);
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 100, .fds = 1000, .threads = 50 });
	leak_evaluate(&h, &c, 100, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN); /* at the limit is not over it */
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 200, .fds = 1001, .threads = 3 });
	leak_evaluate(&h, &c, 200, &t);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_int_equal(t.fds_verdict, LEAK_LEAKING);
	assert_int_equal(t.threads_verdict, LEAK_UNKNOWN);
	assert_string_equal(t.reason, "fds over fds_max");
	leak_history_reset(&h);
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 300, .fds = 10, .threads = 51 });
	leak_evaluate(&h, &c, 300, &t);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_int_equal(t.fds_verdict, LEAK_UNKNOWN);
	assert_int_equal(t.threads_verdict, LEAK_LEAKING);
	assert_string_equal(t.reason, "threads over threads_max");
	/* 0 means no limit. */
	c.threads_max = 0;
	leak_evaluate(&h, &c, 300, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	leak_history_done(&h);

	/* A steady, full window over the limit is leaking too. */
	c = default_cfg;
	c.fds_max = 499;
	t = eval_series(121, 5 * SEC, 10 * MIN_MS, &c, gen_steady, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_string_equal(t.reason, "fds over fds_max");
}

static void test_old_samples_ignored(void **state)
{
	(void)state;
	struct leak_history h = { 0 };
	struct leak_trend t;

	assert_int_equal(leak_history_init(&h, 1024), 0);
	/* Wild, fast-growing samples an hour ago... */
	for (uint64_t i = 0; i < 100; i++)
		leak_history_add(&h, &(struct leak_sample){ .t_ms = i * SEC, .fds = (uint32_t)i * 1000,
							    .threads = (uint32_t)i * 100 });
	/* ...all of them outside the window: nothing to say. */
	leak_evaluate(&h, &default_cfg, 60 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	/* ...then a steady window. */
	for (uint64_t s = 50 * MIN_MS; s <= 60 * MIN_MS; s += 5 * SEC)
		leak_history_add(&h, &(struct leak_sample){ .t_ms = s, .fds = 7, .threads = 3 });
	leak_evaluate(&h, &default_cfg, 60 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_OK);
	assert_true(t.fds_per_hour == 0);
	/* The same history seen from later is stale: the window is empty. */
	leak_evaluate(&h, &default_cfg, 100 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	leak_history_done(&h);

	/* And the converse: steady long ago, growing in the window. */
	assert_int_equal(leak_history_init(&h, 1024), 0);
	for (uint64_t s = 0; s < 50 * MIN_MS; s += 5 * SEC)
		leak_history_add(&h, &(struct leak_sample){ .t_ms = s, .fds = 7, .threads = 3 });
	for (uint64_t s = 50 * MIN_MS; s <= 60 * MIN_MS; s += 5 * SEC)
		leak_history_add(&h, &(struct leak_sample){
					     .t_ms = s,
					     .fds = 7 + (uint32_t)((s - 50 * MIN_MS) / (6 * SEC)),
					     .threads = 3 });
	leak_evaluate(&h, &default_cfg, 60 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_near(t.fds_per_hour, 600, 0.05);
	leak_history_done(&h);
}

static void test_many_samples(void **state)
{
	(void)state;
	/* One sample a second: 601 in the window, thinned to 200. */
	struct leak_trend t = eval_series(4096, SEC, 10 * MIN_MS, &default_cfg, gen_growth, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_near(t.fds_per_hour, 600, 0.05);
	t = eval_series(4096, SEC, 10 * MIN_MS, &default_cfg, gen_steady, NULL);
	assert_int_equal(t.verdict, LEAK_OK);
	uint64_t s = 7;
	t = eval_series(4096, SEC, 10 * MIN_MS, &default_cfg, gen_noise, &s);
	assert_int_equal(t.verdict, LEAK_OK);
	/* A full ring of 4096 samples 100 ms apart, window 5 minutes: 3001 in it. */
	struct leak_config c = { .window_ms = 5 * MIN_MS, .min_growth_per_hour = 60 };
	t = eval_series(4096, 100, 10 * MIN_MS, &c, gen_pipes, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_near(t.fds_per_hour, 72000, 0.01);

	/* The newest sample always takes part: only it is over fds_max. */
	struct leak_history h = { 0 };
	fill(&h, 4096, 0, SEC, 10 * MIN_MS - SEC, gen_steady, NULL);
	leak_history_add(&h, &(struct leak_sample){ .t_ms = 10 * MIN_MS, .fds = 501, .threads = 8 });
	c = default_cfg;
	c.fds_max = 500;
	leak_evaluate(&h, &c, 10 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_string_equal(t.reason, "fds over fds_max");
	/* The oldest in the window does too: the span still covers the window. */
	c.fds_max = 0;
	leak_evaluate(&h, &c, 10 * MIN_MS, &t);
	assert_int_equal(t.verdict, LEAK_OK);
	leak_history_done(&h);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Theil-Sen by the book: every pair, sorted. */
static double ref_slope(const struct leak_history *h)
{
	size_t n = leak_history_len(h), np = 0;
	double *v = malloc(n * n * sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const struct leak_sample *a = leak_history_at(h, i), *b = leak_history_at(h, j);
			if (b->t_ms > a->t_ms)
				v[np++] = ((double)b->fds - a->fds) * 3600000.0 / (double)(b->t_ms - a->t_ms);
		}
	qsort(v, np, sizeof(*v), cmp_double);
	double m = np % 2 ? v[np / 2] : (v[np / 2 - 1] + v[np / 2]) / 2;
	free(v);
	return m;
}

static void test_theil_sen_reference(void **state)
{
	(void)state;
	uint64_t seed = 0xdeadbeefcafe1234ULL;
	static const size_t sizes[] = { 6, 7, 50, 151, 199, 200 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		for (int round = 0; round < 5; round++) {
			struct leak_history h = { 0 };
			struct leak_trend t;
			uint64_t tm = 0;
			assert_int_equal(leak_history_init(&h, (uint32_t)sizes[k]), 0);
			for (size_t i = 0; i < sizes[k]; i++) {
				/* Irregular steps, some repeated times, trend plus noise. */
				tm += xorshift64(&seed) % 7 * 1000;
				uint32_t fds = 1000 + (uint32_t)(tm / 1000) + (uint32_t)(xorshift64(&seed) % 200);
				leak_history_add(&h, &(struct leak_sample){ .t_ms = tm, .fds = fds });
			}
			struct leak_config c = { .window_ms = tm + 1, .min_growth_per_hour = 60 };
			leak_evaluate(&h, &c, tm, &t);
			double want = ref_slope(&h);
			double d = t.fds_per_hour - want;
			assert_true(d < 1e-3 * (want < 0 ? -want : want) + 1e-3 &&
				    -d < 1e-3 * (want < 0 ? -want : want) + 1e-3);
			leak_history_done(&h);
		}
}

/* Bars as levels 0..7, from the 3-byte UTF-8 of U+2581..U+2588. */
static size_t bars(const char *s, int *lv, size_t max)
{
	size_t n = 0, len = strlen(s);
	assert_int_equal(len % 3, 0);
	for (size_t i = 0; i < len; i += 3, n++) {
		assert_int_equal((unsigned char)s[i], 0xE2);
		assert_int_equal((unsigned char)s[i + 1], 0x96);
		int l = (unsigned char)s[i + 2] - 0x81;
		assert_true(l >= 0 && l <= 7);
		if (n < max)
			lv[n] = l;
	}
	return n;
}

static void test_sparkline(void **state)
{
	(void)state;
	struct leak_history h = { 0 };
	char buf[128];
	int lv[40];

	assert_int_equal(leak_history_init(&h, 64), 0);
	assert_string_equal(leak_sparkline(&h, false, 10, buf, sizeof(buf)), "");
	for (uint32_t i = 0; i < 30; i++)
		leak_history_add(&h, &(struct leak_sample){ .t_ms = i, .fds = i * i, .threads = 5 });
	assert_ptr_equal(leak_sparkline(&h, false, 20, buf, sizeof(buf)), buf);
	assert_int_equal(bars(buf, lv, 40), 20);
	assert_int_equal(lv[0], 0);
	assert_int_equal(lv[19], 7);
	for (size_t i = 1; i < 20; i++)
		assert_true(lv[i] >= lv[i - 1]);
	/* Eight evenly spaced values get the eight bars in order. */
	struct leak_history e = { 0 };
	assert_int_equal(leak_history_init(&e, 8), 0);
	for (uint32_t i = 0; i < 8; i++)
		leak_history_add(&e, &(struct leak_sample){ .t_ms = i, .fds = 1000 + i * 10 });
	assert_string_equal(leak_sparkline(&e, false, 8, buf, sizeof(buf)),
			    "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	leak_history_done(&e);
	/* Wider than the history: one bar per sample. */
	assert_int_equal(bars(leak_sparkline(&h, false, 40, buf, sizeof(buf)), lv, 40), 30);
	assert_int_equal(bars(leak_sparkline(&h, false, 0, buf, sizeof(buf)), lv, 40), 0);
	/* All equal: the lowest bar. */
	assert_int_equal(bars(leak_sparkline(&h, true, 8, buf, sizeof(buf)), lv, 40), 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(lv[i], 0);
	assert_string_equal(buf, "\u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2581");

	/* Tiny buffers, exactly sized on the heap so ASan sees any overflow. */
	for (size_t len = 1; len <= 16; len++) {
		char *b = malloc(len);
		assert_non_null(b);
		leak_sparkline(&h, false, 30, b, len);
		assert_int_equal(strlen(b), (len - 1) / 3 * 3);
		assert_int_equal(bars(b, lv, 40), (len - 1) / 3);
		free(b);
	}
	char sentinel = 'x';
	assert_ptr_equal(leak_sparkline(&h, false, 30, &sentinel, 0), &sentinel);
	assert_int_equal(sentinel, 'x');
	leak_history_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_wrap_order),
		cmocka_unit_test(test_init_bounds),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_unknown_few_samples),
		cmocka_unit_test(test_unknown_short_span),
		cmocka_unit_test(test_absolute_max),
		cmocka_unit_test(test_old_samples_ignored),
		cmocka_unit_test(test_many_samples),
		cmocka_unit_test(test_theil_sen_reference),
		cmocka_unit_test(test_sparkline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
