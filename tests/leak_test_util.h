/* SPDX-License-Identifier: MIT */
/*
 * leak_test_util.h: what the tests of the sample ring and the leak verdict
 * (test_leak.c, test_leak_series.c) share: synthetic series (a generator
 * called for each sample time) filled into a fresh ring and evaluated at
 * their last sample, the generators more than one test uses (steady,
 * noisy, growing 600/h, a pipe every 100 ms), a seeded xorshift for the
 * noise and a relative comparison of slopes. Header-only, static inline:
 * each test is one translation unit.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "policy/leak.h"

#define SEC 1000ULL
#define MIN_MS (60 * SEC)

static const struct leak_config default_cfg = {
	.window_ms = 10 * MIN_MS,
	.min_growth_per_hour = 60,
};

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

typedef void (*gen_fn)(uint64_t t_ms, size_t i, uint32_t *fds, uint32_t *threads, void *u);

/* Samples at t = t0, t0 + step, ..., t_end into a fresh ring of `cap`. */
static inline void fill(struct leak_history *h, uint32_t cap, uint64_t t0, uint64_t step, uint64_t t_end,
			gen_fn gen, void *u)
{
	assert_int_equal(leak_history_init(h, cap), 0);
	size_t i = 0;
	for (uint64_t t = t0; t <= t_end; t += step, i++) {
		struct leak_sample s = { .t_ms = t };
		gen(t, i, &s.fds, &s.threads, u);
		leak_history_add(h, &s);
	}
}

static inline struct leak_trend eval_series(uint32_t cap, uint64_t step, uint64_t t_end,
					    const struct leak_config *c, gen_fn gen, void *u)
{
	struct leak_history h = { 0 };
	struct leak_trend t;
	fill(&h, cap, 0, step, t_end, gen, u);
	leak_evaluate(&h, c, t_end, &t);
	leak_history_done(&h);
	return t;
}

static inline void assert_near(double v, double want, double rel)
{
	double d = v - want;
	if (d < 0)
		d = -d;
	if (d > rel * (want < 0 ? -want : want)) {
		print_error("%f is not within %.1f%% of %f\n", v, rel * 100, want);
		fail();
	}
}

static inline void gen_steady(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	(void)t, (void)i, (void)u;
	*fds = 500;
	*threads = 8;
}

static inline void gen_noise(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	(void)t, (void)i;
	*fds = 480 + (uint32_t)(xorshift64(u) % 41);
	*threads = 6 + (uint32_t)(xorshift64(u) % 5);
}

/* 10 fds per minute: 600 per hour. */
static inline void gen_growth(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	(void)i, (void)u;
	*fds = 100 + (uint32_t)(t / (6 * SEC));
	*threads = 4;
}

/* The child: a pipe (2 fds) every 100 ms, sampled every second. */
static inline void gen_pipes(uint64_t t, size_t i, uint32_t *fds, uint32_t *threads, void *u)
{
	(void)i, (void)u;
	*fds = 3 + 2 * (uint32_t)(t / 100);
	*threads = 1;
}
