/* SPDX-License-Identifier: MIT */
/*
 * test_leak.c: the sample ring and the mechanics of the leak verdict as pure
 * functions: the ring's order, wrap, bounds and reset, its 32-bit time
 * offsets rebased past 2^31 ms, evicted samples folded into evicted_max,
 * memory kept in KiB and shown back in bytes; the names; no verdict before
 * the fast horizon or during grace; absolute maxima; a leaking series held
 * while it makes new highs and cleared after a quarter of the window
 * without one; the settings from a service's leak: keys; the rate's
 * wording; the per-series figures (closeness under noise is in
 * test_leak_series.c); the sparkline. The verdicts on
 * synthetic series are in test_leak_series.c, the corpus in
 * test_leak_corpus.c, the shared helpers in leak_test_util.h.
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
#include "policy/leak_json.h"
#include "leak_test_util.h"

static void add(struct leak_history *h, uint64_t t_ms, uint32_t fds, uint32_t threads, uint64_t memory)
{
	struct leak_point p = { .t_ms = t_ms, .fds = fds, .threads = threads, .memory = memory };
	leak_history_add(h, &p);
}

static void test_ring_wrap_order(void **state)
{
	(void)state;
	struct leak_history h = { 0 };

	assert_int_equal(leak_history_init(&h, 4), 0);
	assert_int_equal(leak_history_len(&h), 0);
	assert_null(leak_history_at(&h, 0));
	assert_int_equal(leak_history_t_ms(&h, 0), 0);
	for (uint64_t t = 1; t <= 10; t++) {
		add(&h, T0 + t, (uint32_t)t * 10, (uint32_t)t, t * 1024);
		assert_int_equal(leak_history_len(&h), t < 4 ? t : 4);
		/* The newest is always last. */
		assert_int_equal(leak_history_t_ms(&h, leak_history_len(&h) - 1), T0 + t);
	}
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(leak_history_t_ms(&h, i), T0 + 7 + i);
		assert_int_equal(leak_history_value(&h, i, LEAK_FDS), (7 + i) * 10);
		assert_int_equal(leak_history_value(&h, i, LEAK_THREADS), 7 + i);
		assert_int_equal(leak_history_value(&h, i, LEAK_MEMORY), 7 + i);
	}
	assert_null(leak_history_at(&h, 4));
	assert_int_equal(leak_history_value(&h, 0, (enum leak_series)3), 0);
	leak_history_reset(&h);
	assert_int_equal(leak_history_len(&h), 0);
	assert_false(h.evicted);
	add(&h, 42, 1, 1, 0);
	assert_int_equal(leak_history_len(&h), 1);
	assert_int_equal(leak_history_t_ms(&h, 0), 42);
	assert_int_equal(h.start_ms, 42);
	leak_history_done(&h);
	assert_null(h.s);
	leak_history_done(&h);
	/* A ring after done takes no samples. */
	add(&h, 1, 1, 1, 0);
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
	add(&h, 1, 0, 0, 0);
	add(&h, 2, 0, 0, 0);
	assert_int_equal(leak_history_len(&h), 1);
	assert_int_equal(leak_history_t_ms(&h, 0), 2);
	leak_history_done(&h);
	assert_int_equal(leak_history_init(&h, LEAK_HISTORY_MAX), 0);
	assert_int_equal(h.cap, LEAK_HISTORY_MAX);
	for (uint64_t t = 0; t < 2 * LEAK_HISTORY_MAX + 3; t++)
		add(&h, T0 + t, 0, 0, 0);
	assert_int_equal(leak_history_len(&h), LEAK_HISTORY_MAX);
	assert_int_equal(leak_history_t_ms(&h, 0), T0 + LEAK_HISTORY_MAX + 3);
	assert_int_equal(h.start_ms, T0);   /* the first since the reset, evicted or not */
	leak_history_done(&h);
}

/* A sample every 600 000 000 ms (about a week): the offsets would pass
 * 2^31 at the fourth; the origin moves on and the times stay exact. */
static void test_offsets_rebased(void **state)
{
	(void)state;
	const uint64_t step = 600000000ULL;
	struct leak_history h = { 0 };

	assert_int_equal(leak_history_init(&h, 3), 0);
	for (uint64_t i = 0; i < 10; i++) {
		add(&h, T0 + i * step, (uint32_t)i, 1, 0);
		size_t n = leak_history_len(&h);
		for (size_t j = 0; j < n; j++) {
			uint64_t k = i + 1 - n + j;
			assert_int_equal(leak_history_t_ms(&h, j), T0 + k * step);
			assert_int_equal(leak_history_value(&h, j, LEAK_FDS), k);
			assert_true(leak_history_at(&h, j)->t < (1U << 31));
		}
	}
	assert_true(h.origin_ms > T0);
	assert_int_equal(h.start_ms, T0);
	leak_history_done(&h);
}

static void test_evicted_max(void **state)
{
	(void)state;
	static const uint32_t v[] = { 5, 9, 2, 7, 1, 3, 4 };
	/* After each add: the max of what fell out, per series (0: none yet). */
	static const uint32_t want[] = { 0, 0, 0, 5, 9, 9, 9 };
	struct leak_history h = { 0 };

	assert_int_equal(leak_history_init(&h, 3), 0);
	for (size_t i = 0; i < ELEMENTSOF(v); i++) {
		add(&h, T0 + i * SEC, v[i], 20 - v[i], (uint64_t)v[i] * 2048);
		assert_int_equal(h.evicted, i >= 3);
		if (!h.evicted)
			continue;
		assert_int_equal(h.evicted_max[LEAK_FDS], want[i]);
		assert_int_equal(h.evicted_max[LEAK_MEMORY], want[i] * 2);
	}
	/* threads were 15, 11, 18, 13: the max fell out with the third. */
	assert_int_equal(h.evicted_max[LEAK_THREADS], 18);
	leak_history_reset(&h);
	assert_false(h.evicted);
	assert_int_equal(h.evicted_max[LEAK_FDS], 0);
	leak_history_done(&h);
}

static void test_memory_kib(void **state)
{
	(void)state;
	struct leak_history h = { 0 };

	assert_int_equal(leak_history_init(&h, 4), 0);
	add(&h, T0, 1, 1, 5 * MIB + 1023);
	add(&h, T0 + SEC, 1, 1, 1023);
	add(&h, T0 + 2 * SEC, 1, 1, 8ULL << 40);   /* 8 TiB: over 2^32 KiB */
	assert_int_equal(leak_history_value(&h, 0, LEAK_MEMORY), 5 * 1024);
	assert_int_equal(leak_history_value(&h, 1, LEAK_MEMORY), 0);
	assert_int_equal(leak_history_value(&h, 2, LEAK_MEMORY), UINT32_MAX);
	json_object *a = leak_history_json(&h);
	assert_int_equal(json_object_array_length(a), 3);
	json_object *o = json_object_array_get_idx(a, 0);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "memory")), 5 * MIB);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "t_ms")), T0);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "fds")), 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "threads")), 1);
	o = json_object_array_get_idx(a, 2);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "memory")), (int64_t)UINT32_MAX * 1024);
	json_object_put(a);
	leak_history_done(&h);
}

static void test_names(void **state)
{
	(void)state;
	static const char *const verdicts[] = { "unknown", "ok", "leaking" };
	static const char *const series[] = { "fds", "threads", "memory" };

	for (int i = 0; i < 3; i++) {
		assert_string_equal(leak_verdict_to_string((enum leak_verdict)i), verdicts[i]);
		assert_int_equal(leak_verdict_from_string(verdicts[i]), i);
		assert_string_equal(leak_series_to_string((enum leak_series)i), series[i]);
		assert_int_equal(leak_series_from_string(series[i]), i);
	}
	assert_null(leak_verdict_to_string((enum leak_verdict)7));
	assert_null(leak_series_to_string(_LEAK_SERIES_MAX));
	assert_int_equal(leak_verdict_from_string("Leaking"), -EINVAL);
	assert_int_equal(leak_series_from_string("rss"), -EINVAL);
	assert_int_equal(leak_series_from_string(NULL), -EINVAL);
}

static void test_unknown_and_grace(void **state)
{
	(void)state;
	struct leak_config c = cfg_with(5 * SEC, 0);
	struct leak_history h = { 0 };
	struct leak_trend t;

	assert_int_equal(leak_history_init(&h, 16), 0);
	leak_evaluate(&h, &c, T0, NULL, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	assert_string_equal(t.reason, "not enough samples");
	leak_history_done(&h);
	/* No grace: nothing to say before one fast horizon of samples... */
	t = eval_series(5 * SEC, 55 * SEC, &c, gen_steady, NULL);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	assert_string_equal(t.reason, "not enough samples");
	t = eval_series(5 * SEC, 60 * SEC, &c, gen_steady, NULL);
	assert_int_equal(t.verdict, LEAK_OK);
	assert_string_equal(t.reason, "steady");
	/* ...with the default grace of 2 minutes, nothing before its end,
	 * not even for a series that grows at 20 fds/s. */
	c = default_cfg();
	for (uint64_t end = 0; end < 2 * MIN_MS; end += 25 * SEC) {
		t = eval_series(5 * SEC, end, &c, gen_pipes, NULL);
		assert_int_equal(t.verdict, LEAK_UNKNOWN);
		assert_string_equal(t.reason, "in grace");
		for (int k = 0; k < _LEAK_SERIES_MAX; k++)
			assert_string_equal(t.series[k].why, "in grace");
	}
	t = eval_series(5 * SEC, 2 * MIN_MS, &c, gen_pipes, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_string_equal(t.reason, "fds growing");
	t = eval_series(5 * SEC, 2 * MIN_MS, &c, gen_steady, NULL);
	assert_int_equal(t.verdict, LEAK_OK);
}

static void test_absolute_max(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	struct leak_history h = { 0 };
	struct leak_trend t;

	c.fds_max = 1000;
	c.threads_max = 50;
	assert_int_equal(leak_history_init(&h, 8), 0);
	add(&h, T0, 1000, 50, 0);
	leak_evaluate(&h, &c, T0, NULL, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);   /* at the limit is not over it */
	/* Over it: at once, in grace, from one sample. */
	add(&h, T0 + 1, 1001, 3, 0);
	leak_evaluate(&h, &c, T0 + 1, NULL, &t);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_int_equal(t.worst, LEAK_FDS);
	assert_int_equal(t.series[LEAK_THREADS].verdict, LEAK_UNKNOWN);
	assert_string_equal(t.reason, "fds over fds_max");
	leak_history_reset(&h);
	add(&h, T0, 10, 51, 0);
	leak_evaluate(&h, &c, T0, NULL, &t);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_int_equal(t.worst, LEAK_THREADS);
	assert_int_equal(t.series[LEAK_FDS].verdict, LEAK_UNKNOWN);
	assert_string_equal(t.reason, "threads over threads_max");
	c.threads_max = 0;   /* no limit */
	leak_evaluate(&h, &c, T0, NULL, &t);
	assert_int_equal(t.verdict, LEAK_UNKNOWN);
	leak_history_done(&h);
	/* A steady series over the limit stays leaking. */
	c = default_cfg();
	c.fds_max = 499;
	t = eval_series(5 * SEC, 30 * MIN_MS, &c, gen_steady, NULL);
	assert_int_equal(t.verdict, LEAK_LEAKING);
	assert_string_equal(t.reason, "fds over fds_max");
}

/* Flat, 1 fd/s from 5m to 6m, then +1 every 2 minutes until the last new
 * high at 28m, then flat. */
static void gen_creep(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	(void)i, (void)u;
	uint64_t s = t / SEC;
	p->fds = s < 300 ? 40 : s < 360 ? 40 + (uint32_t)(s - 300) : 100 + (uint32_t)((MIN(s, 1799) - 360) / 120);
}

static void test_hysteresis(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	/* At 25m it still makes new highs, too slowly for either rule. */
	struct replay r = replay_series(5 * SEC, 25 * MIN_MS, &c, gen_creep, NULL);
	assert_true(r.first_ms > 300 * (int64_t)SEC && r.first_ms <= 360 * (int64_t)SEC);
	assert_int_equal(r.flags, 1);
	assert_int_equal(r.cleared_ms, -1);
	assert_int_equal(r.last.verdict, LEAK_LEAKING);
	assert_string_equal(r.last.reason, "fds growing");
	assert_false(r.last.series[LEAK_FDS].fast.holds);
	assert_false(r.last.series[LEAK_FDS].slow.holds);
	/* The same history judged afresh: ok. */
	struct leak_trend t = eval_series(5 * SEC, 25 * MIN_MS, &c, gen_creep, NULL);
	assert_int_equal(t.verdict, LEAK_OK);
	/* The last new high at 28m: ok a quarter of the window later, not before. */
	uint64_t clear = 1680 * SEC + c.window_ms / 4;
	r = replay_series(5 * SEC, clear - 5 * SEC, &c, gen_creep, NULL);
	assert_int_equal(r.last.verdict, LEAK_LEAKING);
	r = replay_series(5 * SEC, clear, &c, gen_creep, NULL);
	assert_int_equal(r.cleared_ms, clear);
	assert_int_equal(r.last.verdict, LEAK_OK);
	assert_string_equal(r.last.reason, "steady");
	assert_int_equal(r.last.series[LEAK_FDS].last_high_ms, T0 + 1680 * SEC);
	r = replay_series(5 * SEC, 40 * MIN_MS, &c, gen_creep, NULL);
	assert_int_equal(r.flags, 1);
	assert_int_equal(r.last.verdict, LEAK_OK);
}

static void test_config_from(void **state)
{
	(void)state;
	struct service_leak_config sc = *config_leak_defaults();
	struct leak_config c = default_cfg();

	assert_int_equal(c.window_ms, 10 * MIN_MS);
	assert_int_equal(c.grace_ms, 2 * MIN_MS);
	assert_int_equal(c.fast_horizon_ms, 60 * SEC);
	assert_true(c.min_growth[LEAK_FDS] == 60 && c.min_growth[LEAK_THREADS] == 60);
	assert_true(c.min_growth[LEAK_MEMORY] == 64.0 * MIB);
	assert_true(c.fast_growth[LEAK_FDS] == 0.6 * 3600 && c.fast_growth[LEAK_THREADS] == 0.3 * 3600);
	assert_true(c.fast_growth[LEAK_MEMORY] == 1.2 * MIB * 3600);
	assert_true(c.fds_max == 0 && c.threads_max == 0);
	/* At least 6 samples: 6 of 20 s are 2 minutes. */
	assert_int_equal(cfg_with(20 * SEC, 0).fast_horizon_ms, 120 * SEC);
	assert_int_equal(cfg_with(10 * SEC, 0).fast_horizon_ms, 60 * SEC);
	assert_int_equal(cfg_with(SEC, 0).fast_horizon_ms, 60 * SEC);
	/* ...and never more than the window. */
	sc.sample_every_ms = SEC;
	sc.window_ms = 30 * SEC;
	sc.fds_max = 7;
	sc.threads_max = 9;
	sc.min_growth[LEAK_THREADS] = 5;
	sc.fast_growth[LEAK_MEMORY] = 11;
	leak_config_from(&c, &sc);
	assert_int_equal(c.fast_horizon_ms, 30 * SEC);
	assert_int_equal(c.window_ms, 30 * SEC);
	assert_true(c.fds_max == 7 && c.threads_max == 9);
	assert_true(c.min_growth[LEAK_THREADS] == 5 && c.fast_growth[LEAK_MEMORY] == 11);
}

static void test_format_rate(void **state)
{
	(void)state;
	static const struct {
		enum leak_series k;
		double per_hour;
		const char *want;
	} cases[] = {
		{ LEAK_FDS, 3600, "1.0 fds/s" },
		{ LEAK_FDS, 72000, "20.0 fds/s" },
		{ LEAK_FDS, 3599, "60.0 fds/min" },
		{ LEAK_FDS, 60, "1.0 fds/min" },
		{ LEAK_FDS, 59.9, "59.9 fds/h" },
		{ LEAK_FDS, 0, "0.0 fds/h" },
		{ LEAK_FDS, -7200, "-2.0 fds/s" },
		{ LEAK_THREADS, 1080, "18.0 threads/min" },
		{ LEAK_MEMORY, 1.2 * MIB * 3600, "1.2 MiB/s" },
		{ LEAK_MEMORY, 64.0 * MIB, "1.1 MiB/min" },
		{ LEAK_MEMORY, 30.0 * MIB, "30.0 MiB/h" },
		{ (enum leak_series)9, 5, "5.0 ?/h" },
	};
	char buf[32];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		assert_ptr_equal(leak_format_rate(cases[i].k, cases[i].per_hour, buf, sizeof(buf)), buf);
		assert_string_equal(buf, cases[i].want);
	}
	char small[5];
	leak_format_rate(LEAK_THREADS, 1080, small, sizeof(small));
	assert_string_equal(small, "18.0");
}

/* 1 fd per second from 5m. */
static void gen_fds_1s(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	(void)i, (void)u;
	p->fds = 20 + (t > 300 * SEC ? (uint32_t)((t - 300 * SEC) / SEC) : 0);
}

static void test_trend_fields(void **state)
{
	(void)state;
	struct leak_config c = default_cfg();
	struct replay r = replay_series(5 * SEC, 20 * MIN_MS, &c, gen_fds_1s, NULL);
	const struct leak_trend *t = &r.at_first;
	const struct leak_series_trend *st = &t->series[LEAK_FDS];
	uint32_t newest = 20 + (uint32_t)(r.first_ms / (int64_t)SEC - 300);

	assert_int_equal(t->worst, LEAK_FDS);
	assert_true(st->fast.holds);
	assert_int_equal(st->fast.new_highs, LEAK_FAST_PARTS);
	assert_true(st->fast.rise >= st->fast.needed && st->fast.needed > 35.99 && st->fast.needed < 36.01);
	assert_int_equal(st->horizon_ms, 60 * SEC);
	assert_true(st->closeness > 0.999 && st->closeness <= 1);
	/* The rise over the horizon, per hour: at least the rate asked, below
	 * the true 3600/h (the leak is younger than the horizon). */
	assert_true(st->per_hour >= c.fast_growth[LEAK_FDS] && st->per_hour < 3600);
	assert_int_equal(st->n_highs, LEAK_SLOW_PARTS);
	for (unsigned j = 1; j < LEAK_SLOW_PARTS; j++)
		assert_true(st->highs[j] >= st->highs[j - 1]);
	assert_int_equal(st->highs[LEAK_SLOW_PARTS - 1], newest);
	assert_int_equal(st->last_high_ms, T0 + (uint64_t)r.first_ms);
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		assert_closeness_bounded(&t->series[k]);
	/* The flat series: ok, no rise, not close at all. */
	for (int k = LEAK_THREADS; k <= LEAK_MEMORY; k++) {
		assert_int_equal(t->series[k].verdict, LEAK_OK);
		assert_true(t->series[k].per_hour == 0 && t->series[k].closeness == 0);
		assert_int_equal(t->series[k].last_high_ms, 0);
	}
	/* Ten minutes into it the slow rule holds too; the fast one decides. */
	st = &r.last.series[LEAK_FDS];
	assert_true(st->slow.holds && st->fast.holds);
	assert_int_equal(st->horizon_ms, 60 * SEC);
	/* A whole horizon of it: near 3600/h (the last part's median lags). */
	assert_true(st->per_hour > 0.75 * 3600 && st->per_hour <= 3600);
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
	assert_string_equal(leak_sparkline(&h, LEAK_FDS, 10, buf, sizeof(buf)), "");
	/* fds climb as a square, threads stay, memory in eight even steps. */
	for (uint32_t i = 0; i < 30; i++)
		add(&h, T0 + i, i * i, 5, (1000 + (uint64_t)(i % 8) * 10) * 1024);
	assert_ptr_equal(leak_sparkline(&h, LEAK_FDS, 20, buf, sizeof(buf)), buf);
	assert_int_equal(bars(buf, lv, 40), 20);
	assert_int_equal(lv[0], 0);
	assert_int_equal(lv[19], 7);
	for (size_t i = 1; i < 20; i++)
		assert_true(lv[i] >= lv[i - 1]);
	/* Samples 22..29 of memory are 1060..1130 KiB then 1000..1050: the
	 * last eight are i % 8 = 6, 7, 0, ..., 5. */
	assert_string_equal(leak_sparkline(&h, LEAK_MEMORY, 8, buf, sizeof(buf)),
			    "\u2587\u2588\u2581\u2582\u2583\u2584\u2585\u2586");
	/* Wider than the history: one bar per sample. */
	assert_int_equal(bars(leak_sparkline(&h, LEAK_FDS, 40, buf, sizeof(buf)), lv, 40), 30);
	assert_int_equal(bars(leak_sparkline(&h, LEAK_FDS, 0, buf, sizeof(buf)), lv, 40), 0);
	/* All equal: the lowest bar. */
	assert_string_equal(leak_sparkline(&h, LEAK_THREADS, 8, buf, sizeof(buf)),
			    "\u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2581");
	/* Tiny buffers, exactly sized on the heap so ASan sees any overflow. */
	for (size_t len = 1; len <= 16; len++) {
		char *b = malloc(len);
		assert_non_null(b);
		leak_sparkline(&h, LEAK_FDS, 30, b, len);
		assert_int_equal(strlen(b), (len - 1) / 3 * 3);
		assert_int_equal(bars(b, lv, 40), (len - 1) / 3);
		free(b);
	}
	char sentinel = 'x';
	assert_ptr_equal(leak_sparkline(&h, LEAK_FDS, 30, &sentinel, 0), &sentinel);
	assert_int_equal(sentinel, 'x');
	leak_history_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_wrap_order),
		cmocka_unit_test(test_init_bounds),
		cmocka_unit_test(test_offsets_rebased),
		cmocka_unit_test(test_evicted_max),
		cmocka_unit_test(test_memory_kib),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_unknown_and_grace),
		cmocka_unit_test(test_absolute_max),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_config_from),
		cmocka_unit_test(test_format_rate),
		cmocka_unit_test(test_trend_fields),
		cmocka_unit_test(test_sparkline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
