/* SPDX-License-Identifier: MIT */
/*
 * test_leak_judge.c: the verdict the daemon keeps after each sample,
 * leak_judge(), against the full evaluation, leak_evaluate(): the ring's
 * run of equal values (leak_history_flat(): through a change, an eviction,
 * a gap of weeks and a reset), and the same verdicts from both over seeded
 * random series replayed as the daemon does (flat ones, steps up and down,
 * walks, leaks, absolute maxima, short rings that evict, clocks near 0,
 * previous verdicts fed back or made up), with the flat path taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/leak.h"
#include "leak_test_util.h"

static void add(struct leak_history *h, uint64_t t_ms, uint32_t fds, uint32_t threads, uint64_t memory_kib)
{
	struct leak_point p = { .t_ms = t_ms, .fds = fds, .threads = threads, .memory = memory_kib * 1024 };
	leak_history_add(h, &p);
}

static void test_flat_runs(void **state)
{
	struct leak_history h = { 0 };
	(void)state;

	assert_int_equal(leak_history_init(&h, 4), 0);
	assert_false(leak_history_flat(&h, LEAK_FDS));          /* empty */
	add(&h, T0, 10, 2, 100);
	assert_true(leak_history_flat(&h, LEAK_FDS));
	add(&h, T0 + 5000, 10, 2, 100);
	add(&h, T0 + 10000, 11, 2, 100);                        /* fds rise */
	assert_false(leak_history_flat(&h, LEAK_FDS));
	assert_true(leak_history_flat(&h, LEAK_THREADS));
	assert_true(leak_history_flat(&h, LEAK_MEMORY));
	assert_false(leak_history_flat(&h, (enum leak_series)_LEAK_SERIES_MAX));
	/* 11 three more times: the ring (4) holds only 11s, but the 10s
	 * evicted are below it: the series made a new high, not flat. */
	for (int i = 1; i <= 3; i++)
		add(&h, T0 + 10000 + (uint64_t)i * 5000, 11, 2, 100);
	assert_true(h.evicted);
	assert_int_equal(h.run[LEAK_FDS], 4);
	assert_false(leak_history_flat(&h, LEAK_FDS));
	assert_true(leak_history_flat(&h, LEAK_THREADS));
	/* Down to 9 and held for a whole ring: the evicted peak is above. */
	for (int i = 0; i < 4; i++)
		add(&h, T0 + 40000 + (uint64_t)i * 5000, 9, 2, 100);
	assert_true(leak_history_flat(&h, LEAK_FDS));
	/* A gap of weeks restarts the ring; what it held folds into evicted. */
	add(&h, T0 + (1ULL << 32), 9, 3, 100);
	assert_int_equal(leak_history_len(&h), 1);
	assert_true(leak_history_flat(&h, LEAK_FDS));
	assert_false(leak_history_flat(&h, LEAK_THREADS));      /* 2s evicted, 3 above them */
	leak_history_reset(&h);
	assert_false(leak_history_flat(&h, LEAK_FDS));
	add(&h, T0, 1, 1, 1);
	assert_true(leak_history_flat(&h, LEAK_THREADS));
	leak_history_done(&h);
}

/* One series' value at sample i, by kind: 0 flat, 1 one step (up or down)
 * at sample `at`, 2 a walk, 3 a climb of `rate` a sample, 4 flat then a
 * climb from `at`. */
struct shape {
	int kind;
	uint32_t base, at, rate;
	int32_t step;
	uint64_t rng;
	uint32_t walk;
};

static uint32_t shape_value(struct shape *s, uint32_t i)
{
	switch (s->kind) {
	case 1:
		return i < s->at ? s->base : (uint32_t)((int64_t)s->base + s->step);
	case 2:
		s->walk = (uint32_t)((int64_t)s->walk + (int64_t)(xorshift64(&s->rng) % 5) - 2);
		return s->walk;
	case 3:
		return s->base + i * s->rate;
	case 4:
		return i < s->at ? s->base : s->base + (i - s->at) * s->rate;
	}
	return s->base;
}

static struct shape random_shape(uint64_t *rng, uint32_t n)
{
	struct shape s = { .kind = (int)(xorshift64(rng) % 5), .base = 1000 + (uint32_t)(xorshift64(rng) % 100),
			   .at = (uint32_t)(xorshift64(rng) % (n + 1)), .rate = 1 + (uint32_t)(xorshift64(rng) % 20),
			   .step = (int32_t)(xorshift64(rng) % 41) - 20, .rng = xorshift64(rng) | 1 };
	s.walk = s.base;
	if (xorshift64(rng) % 3)
		s.kind = 0;             /* most series of a host are flat */
	return s;
}

static void assert_same(const struct leak_verdicts *a, const struct leak_verdicts *b)
{
	assert_int_equal(a->verdict, b->verdict);
	assert_int_equal(a->worst, b->worst);
	assert_ptr_equal(a->reason, b->reason);
	assert_memory_equal(a->series, b->series, sizeof(a->series));
}

/* One random case replayed sample by sample; returns the series judged
 * flat along the way. */
static unsigned replay_case(uint64_t *rng)
{
	struct service_leak_config sc = *config_leak_defaults();
	struct leak_verdicts prev = { 0 };
	struct leak_history h = { 0 };
	struct leak_config c;
	unsigned flat = 0;

	sc.sample_every_ms = (1 + xorshift64(rng) % 10) * SEC;
	sc.window_ms = MAX(6 * sc.sample_every_ms, (1 + xorshift64(rng) % 10) * MIN_MS);
	sc.grace_ms = (xorshift64(rng) % 4) * MIN_MS / 2;
	sc.fds_max = xorshift64(rng) % 2 ? 1000 + (uint32_t)(xorshift64(rng) % 200) : 0;
	sc.threads_max = xorshift64(rng) % 2 ? 1050 : 0;
	leak_config_from(&c, &sc);
	uint32_t n = 20 + (uint32_t)(xorshift64(rng) % 300);
	/* The daemon's ring, or a short one that evicts. */
	uint32_t cap = xorshift64(rng) % 2 ? ring_cap(&c, sc.sample_every_ms) : 3 + (uint32_t)(xorshift64(rng) % 20);
	/* Near boot sometimes: a clock below clear_ms reaches the branch of a
	 * leak not yet over with no new high ever made. */
	uint64_t t0 = xorshift64(rng) % 4 ? T0 : xorshift64(rng) % 1000;
	struct shape sh[_LEAK_SERIES_MAX];
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		sh[k] = random_shape(rng, n);
	bool made_up = xorshift64(rng) % 2 == 0;

	assert_int_equal(leak_history_init(&h, cap), 0);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = t0 + (uint64_t)i * sc.sample_every_ms;
		add(&h, t, shape_value(&sh[0], i), shape_value(&sh[1], i), shape_value(&sh[2], i));
		if (made_up) {          /* any previous verdicts, leaking ones too */
			for (int k = 0; k < _LEAK_SERIES_MAX; k++)
				prev.series[k] = (uint8_t)(xorshift64(rng) % _LEAK_VERDICT_MAX);
			prev.reason = "made up";
		}
		struct leak_trend full;
		struct leak_verdicts want, got;
		leak_evaluate(&h, &c, t, &prev, &full);
		leak_verdicts_of(&full, &want);
		leak_judge(&h, &c, t, &prev, &got);
		assert_same(&got, &want);
		for (int k = 0; k < _LEAK_SERIES_MAX; k++)
			flat += leak_history_flat(&h, (enum leak_series)k);
		prev = got;
	}
	leak_history_done(&h);
	return flat;
}

static void test_judge_equals_evaluate(void **state)
{
	uint64_t rng = 0x5eed1e4c;
	unsigned flat = 0;
	(void)state;

	for (int i = 0; i < 2000; i++)
		flat += replay_case(&rng);
	assert_true(flat > 1000);       /* the flat path was taken, often */
}

static void test_judge_empty(void **state)
{
	struct leak_history h = { 0 };
	struct leak_config c = default_cfg();
	struct leak_trend full;
	struct leak_verdicts want, got;
	(void)state;

	assert_int_equal(leak_history_init(&h, 8), 0);
	leak_evaluate(&h, &c, T0, NULL, &full);
	leak_verdicts_of(&full, &want);
	leak_judge(&h, &c, T0, NULL, &got);
	assert_same(&got, &want);
	leak_history_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_runs),
		cmocka_unit_test(test_judge_equals_evaluate),
		cmocka_unit_test(test_judge_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
