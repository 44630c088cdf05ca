/* SPDX-License-Identifier: MIT */
/*
 * test_leak_corpus.c: the leak verdict over the whole corpus of
 * tests/leak_corpus.h with the default settings (a sample every 5 s, grace
 * 2m, window 10m), each pattern over SEEDS seeded runs, replayed as the
 * daemon sees it. A healthy pattern is never flagged in an hour; a `limit`
 * one (healthy, but climbing faster than the fast rule for longer than its
 * horizon) at most once per run; a leak is flagged once, never before it
 * starts, and within its delay_max_s, over leak_start_s + 20 minutes.
 * bench/leak_corpus.c prints the delays of the same runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config_leak.h"
#include "leak_corpus.h"

#define SEEDS 20
#define HEALTHY_S 3600.0
#define AFTER_LEAK_S 1200.0
#define EVERY_S 5.0

static struct leak_config corpus_cfg(void)
{
	struct leak_config c;
	leak_config_from(&c, config_leak_defaults());
	assert_int_equal(c.fast_horizon_ms, 60000);
	assert_int_equal(c.window_ms, 600000);
	assert_int_equal(c.grace_ms, 120000);
	return c;
}

/* What one run of one pattern must show. */
static bool run_ok(const struct corpus_pattern *p, uint64_t seed, const struct leak_config *c)
{
	unsigned flags;
	double first = corpus_run(p, seed, c, EVERY_S, p->leak ? p->leak_start_s + AFTER_LEAK_S : HEALTHY_S, &flags);
	bool ok;

	assert_true(first >= -1);   /* -2: the ring was not made */
	if (p->leak)
		ok = first > p->leak_start_s && first <= p->leak_start_s + p->delay_max_s && flags == 1;
	else if (p->limit)
		ok = flags <= 1;
	else
		ok = flags == 0;
	if (!ok)
		print_error("%s, seed %llu: first flagged at %.0f s, %u time(s)\n", p->name, (unsigned long long)seed,
			    first, flags);
	return ok;
}

static void test_healthy_never_flagged(void **state)
{
	(void)state;
	struct leak_config c = corpus_cfg();
	unsigned bad = 0, n = 0;

	for (size_t i = 0; i < CORPUS_N; i++) {
		if (corpus_patterns[i].leak || corpus_patterns[i].limit)
			continue;
		n++;
		for (uint64_t s = 1; s <= SEEDS; s++)
			bad += !run_ok(&corpus_patterns[i], s, &c);
	}
	assert_true(n >= 10);
	assert_int_equal(bad, 0);
}

static void test_limits_flagged_at_most_once(void **state)
{
	(void)state;
	struct leak_config c = corpus_cfg();
	unsigned bad = 0, n = 0;

	for (size_t i = 0; i < CORPUS_N; i++) {
		if (!corpus_patterns[i].limit)
			continue;
		n++;
		for (uint64_t s = 1; s <= SEEDS; s++)
			bad += !run_ok(&corpus_patterns[i], s, &c);
	}
	assert_true(n >= 1);
	assert_int_equal(bad, 0);
}

static void test_leaks_flagged_in_time(void **state)
{
	(void)state;
	struct leak_config c = corpus_cfg();
	unsigned bad = 0, n = 0;

	for (size_t i = 0; i < CORPUS_N; i++) {
		if (!corpus_patterns[i].leak)
			continue;
		n++;
		assert_true(corpus_patterns[i].delay_max_s > 0);
		for (uint64_t s = 1; s <= SEEDS; s++)
			bad += !run_ok(&corpus_patterns[i], s, &c);
	}
	assert_true(n >= 10);
	assert_int_equal(bad, 0);
}

/* Each series is in the corpus on both sides. */
static void test_corpus_covers_every_series(void **state)
{
	(void)state;
	unsigned healthy[_LEAK_SERIES_MAX] = { 0 }, leaks[_LEAK_SERIES_MAX] = { 0 };

	for (size_t i = 0; i < CORPUS_N; i++) {
		const struct corpus_pattern *p = &corpus_patterns[i];
		assert_true(p->series >= 0 && p->series < _LEAK_SERIES_MAX);
		assert_false(p->leak && p->limit);
		(p->leak ? leaks : healthy)[p->series]++;
	}
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		assert_true(healthy[k] > 0 && leaks[k] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_covers_every_series),
		cmocka_unit_test(test_healthy_never_flagged),
		cmocka_unit_test(test_limits_flagged_at_most_once),
		cmocka_unit_test(test_leaks_flagged_in_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
