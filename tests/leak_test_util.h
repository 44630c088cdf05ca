/* SPDX-License-Identifier: MIT */
/*
 * leak_test_util.h: what the tests of the sample ring and the leak verdict
 * (test_leak.c, test_leak_series.c) share: the default settings (from
 * config_leak_defaults(), as the daemon builds them), synthetic series (a
 * generator called for each sample time, time counted from the series'
 * start) filled into a fresh ring and evaluated at their last sample, or
 * replayed sample by sample with the verdict fed back as the daemon does,
 * the generators more than one test uses (steady, noisy, growing 600/h, a
 * pipe every 100 ms) and a seeded xorshift for the noise. Header-only,
 * static inline: each test is one translation unit.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "config/config_leak.h"
#include "policy/leak.h"
#include "xorshift.h"

#define SEC 1000ULL
#define MIN_MS (60 * SEC)
#define MIB (1024ULL * 1024)
/* A monotonic clock does not start at 0: every series starts here. */
#define T0 (7 * 24 * 3600 * SEC)

/* The settings of a service with an empty leak: (grace 2m, window 10m, a
 * sample every 5 s, fast horizon 60 s). */
static inline struct leak_config default_cfg(void)
{
	struct leak_config c;
	leak_config_from(&c, config_leak_defaults());
	return c;
}

/* The defaults with sample_every and grace changed. */
static inline struct leak_config cfg_with(uint64_t sample_every_ms, uint64_t grace_ms)
{
	struct service_leak_config sc = *config_leak_defaults();
	struct leak_config c;
	sc.sample_every_ms = sample_every_ms;
	sc.grace_ms = grace_ms;
	leak_config_from(&c, &sc);
	return c;
}

/* Sets p's values at t ms since the start (the i-th sample); p->t_ms is set. */
typedef void (*gen_fn)(uint64_t t, size_t i, struct leak_point *p, void *u);

/* The ring the daemon would make for c sampled every `step`. */
static inline uint32_t ring_cap(const struct leak_config *c, uint64_t step)
{
	return (uint32_t)MIN(c->window_ms / step + 2, (uint64_t)LEAK_HISTORY_MAX);
}

static inline struct leak_point gen_point(gen_fn gen, void *u, uint64_t t, size_t i)
{
	struct leak_point p = { .t_ms = T0 + t, .fds = 40, .threads = 8, .memory = 64 * MIB };
	gen(t, i, &p, u);
	p.t_ms = T0 + t;
	return p;
}

/* Samples at T0 + 0, step, ..., t_end into a fresh ring of `cap`. */
static inline void fill(struct leak_history *h, uint32_t cap, uint64_t step, uint64_t t_end, gen_fn gen, void *u)
{
	assert_int_equal(leak_history_init(h, cap), 0);
	size_t i = 0;
	for (uint64_t t = 0; t <= t_end; t += step, i++) {
		struct leak_point p = gen_point(gen, u, t, i);
		leak_history_add(h, &p);
	}
}

/* One evaluation at the last sample, with no verdict before it. */
static inline struct leak_trend eval_series(uint64_t step, uint64_t t_end, const struct leak_config *c,
					    gen_fn gen, void *u)
{
	struct leak_history h = { 0 };
	struct leak_trend t;
	fill(&h, ring_cap(c, step), step, t_end, gen, u);
	leak_evaluate(&h, c, T0 + t_end, NULL, &t);
	leak_history_done(&h);
	return t;
}

/* A replay as the daemon sees it: an evaluation after each sample, the
 * last verdict fed back. Times in ms since the start; -1: never. */
struct replay {
	struct leak_trend last;        /* the verdict at t_end */
	struct leak_trend at_first;    /* the verdict when it first turned leaking */
	int64_t first_ms;              /* when it first turned leaking */
	int64_t cleared_ms;            /* when it first turned ok again after that */
	unsigned flags;                /* how many times it turned leaking */
};

static inline struct replay replay_series(uint64_t step, uint64_t t_end, const struct leak_config *c,
					  gen_fn gen, void *u)
{
	struct leak_history h = { 0 };
	struct leak_verdicts prev = { 0 };
	struct leak_trend tr;
	struct replay r = { .first_ms = -1, .cleared_ms = -1 };
	size_t i = 0;

	assert_int_equal(leak_history_init(&h, ring_cap(c, step)), 0);
	for (uint64_t t = 0; t <= t_end; t += step, i++) {
		struct leak_point p = gen_point(gen, u, t, i);
		leak_history_add(&h, &p);
		leak_evaluate(&h, c, p.t_ms, &prev, &tr);
		if (tr.verdict == LEAK_LEAKING && prev.verdict != LEAK_LEAKING && r.flags++ == 0) {
			r.first_ms = (int64_t)t;
			r.at_first = tr;
		}
		if (tr.verdict == LEAK_OK && prev.verdict == LEAK_LEAKING && r.cleared_ms < 0)
			r.cleared_ms = (int64_t)t;
		leak_verdicts_of(&tr, &prev);
	}
	r.last = tr;
	leak_history_done(&h);
	return r;
}

/* Each closeness a series reports is within [0, 1]. */
static inline void assert_closeness_bounded(const struct leak_series_trend *st)
{
	assert_true(st->closeness >= 0 && st->closeness <= 1);
	assert_true(st->fast.closeness >= 0 && st->fast.closeness <= 1);
	assert_true(st->slow.closeness >= 0 && st->slow.closeness <= 1);
}

static inline void gen_steady(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	(void)t, (void)i, (void)u;
	p->fds = 500;
	p->threads = 8;
}

/* fds 480..520, threads 6..10, memory 100 MiB +- 4 MiB. */
static inline void gen_noise(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	(void)t, (void)i;
	p->fds = 480 + (uint32_t)(xorshift64(u) % 41);
	p->threads = 6 + (uint32_t)(xorshift64(u) % 5);
	p->memory = 96 * MIB + xorshift64(u) % (8 * MIB);
}

/* 10 fds per minute: 600 per hour, below the fast rule's 0.6/s. */
static inline void gen_growth(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	(void)i, (void)u;
	p->fds = 100 + (uint32_t)(t / (6 * SEC));
	p->threads = 4;
}

/* The child: a pipe (2 fds) every 100 ms. */
static inline void gen_pipes(uint64_t t, size_t i, struct leak_point *p, void *u)
{
	(void)i, (void)u;
	p->fds = 3 + 2 * (uint32_t)(t / 100);
	p->threads = 1;
}
