/* SPDX-License-Identifier: MIT */
/*
 * leak_corpus.h: the corpus of fd, thread and memory patterns the leak
 * verdict is judged against (docs/leaks.md), as generators: each pattern is
 * a function of time and a seeded random state, so the unit tests
 * (test_leak_corpus.c) replay the same series exactly and the bench
 * (bench/leak_corpus.c) prints the delay to the verdict per pattern.
 *
 * Healthy patterns (never flagged): flat with noise, warm-ups that
 * plateau, steps, bounded random walks, sawtooth pools, slow cycles,
 * bursts, a garbage collector's heap sawtooth, a thread pool that fills.
 * Leaks (flagged, with the delay measured from `leak_start_s`): fds, threads
 * and memory at several rates, alone, with noise, and starting minutes
 * after a warm-up. The figures of the "noisy" run are here: 50 fds
 * over 3 minutes then flat, a band of 20, a pool of 30 filled over a minute
 * and emptied every 2 minutes.
 *
 * Header-only, static: shared by one test and one bench program.
 */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macro.h"
#include "policy/leak.h"
#include "xorshift.h"

#define CORPUS_MIB (1024.0 * 1024.0)

enum corpus_shape {
	SHAPE_FLAT,       /* a: level, b: noise amplitude */
	SHAPE_WARMUP,     /* rises by a over b seconds, then flat; noise c */
	SHAPE_STEP,       /* jumps by a at a random time in [b, c] s, then flat */
	SHAPE_WALK,       /* random walk of +-1 per second in [0, a] above the start */
	SHAPE_POOL,       /* fills by a over b s, holds, empties every c s */
	SHAPE_CYCLE,      /* a * (1 - cos) / 2, period b s, random phase */
	SHAPE_BURSTS,     /* +a for b s every c s (random jitter) */
	SHAPE_HEAP,       /* grows at a per s from the floor to +b, drops back; floor creeps by c per cycle up to 2 c */
	SHAPE_LEAK,       /* a per second from leak_start; noise b; after a warm-up of c over 2 minutes */
	SHAPE_LEAK_STEPS, /* +a every b seconds from leak_start (a leak in bursts) */
};

struct corpus_pattern {
	const char *name;
	enum leak_series series;
	enum corpus_shape shape;
	double base, a, b, c;
	bool leak;             /* or, when `limit`, what the rule cannot tell from one (docs/leaks.md) */
	double leak_start_s;   /* leaks only */
	double delay_max_s;    /* leaks: the verdict must come within this (the figures) */
	bool limit;            /* healthy, but climbs faster than fast_growth for longer than the
				* fast horizon: flagged once, cleared when it stops, never again */
};

/* The state of one generated series. */
struct corpus_gen {
	const struct corpus_pattern *p;
	uint64_t rng;
	double walk, phase, step_at, burst_next, burst_end, heap, heap_floor;
	double last_t;
};

/* Uniform in [0, 1). */
static inline double corpus_unit(uint64_t *s)
{
	return (double)(xorshift64(s) >> 11) / 9007199254740992.0;
}

/* Uniform integer noise in [-amp, amp]. */
static inline double corpus_noise(uint64_t *s, double amp)
{
	if (amp <= 0)
		return 0;
	return floor(corpus_unit(s) * (2 * amp + 1)) - amp;
}

static inline void corpus_gen_init(struct corpus_gen *g, const struct corpus_pattern *p, uint64_t seed)
{
	*g = (struct corpus_gen){ .p = p, .rng = seed * 0x9e3779b97f4a7c15ULL + 1 };
	for (int i = 0; i < 4; i++)
		xorshift64(&g->rng);
	g->phase = corpus_unit(&g->rng) * (p->b > 0 ? p->b : 1);
	g->step_at = p->b + corpus_unit(&g->rng) * (p->c - p->b);
	g->burst_next = corpus_unit(&g->rng) * (p->c > 0 ? p->c : 1);
	g->heap_floor = p->base;
	g->heap = p->base;
}

/* The walk moves once per second, whatever the sample period. */
static inline void corpus_walk_to(struct corpus_gen *g, double t)
{
	for (; g->last_t + 1 <= t; g->last_t += 1) {
		g->walk += xorshift64(&g->rng) & 1 ? 1 : -1;
		if (g->walk < 0)
			g->walk = 1;
		if (g->walk > g->p->a)
			g->walk = g->p->a - 1;
	}
}

static inline double corpus_heap_to(struct corpus_gen *g, double t, double dt)
{
	const struct corpus_pattern *p = g->p;
	g->heap += p->a * dt;
	if (g->heap >= g->heap_floor + p->b) {
		g->heap_floor = MIN(g->heap_floor + p->c, p->base + 2 * p->c);
		g->heap = g->heap_floor + corpus_unit(&g->rng) * p->b * 0.1;
	}
	(void)t;
	return g->heap;
}

/* The value at t seconds (samples come in increasing t, dt apart). */
static inline double corpus_value(struct corpus_gen *g, double t, double dt)
{
	const struct corpus_pattern *p = g->p;
	double v = p->base;

	switch (p->shape) {
	case SHAPE_FLAT:
		return v + corpus_noise(&g->rng, p->b);
	case SHAPE_WARMUP:
		return v + p->a * MIN(t / p->b, 1.0) + corpus_noise(&g->rng, p->c);
	case SHAPE_STEP:
		return v + (t >= g->step_at ? p->a : 0);
	case SHAPE_WALK:
		corpus_walk_to(g, t);
		return v + g->walk;
	case SHAPE_POOL: {
		double in = fmod(t + g->phase, p->c);
		return v + (in < p->b ? floor(p->a * in / p->b) : in < p->c - 1 ? p->a : 0);
	}
	case SHAPE_CYCLE:
		return v + floor(p->a * (1 - cos(2 * M_PI * (t + g->phase) / p->b)) / 2);
	case SHAPE_BURSTS:
		if (t >= g->burst_next) {
			g->burst_end = t + p->b;
			g->burst_next = t + p->c * (0.5 + corpus_unit(&g->rng));
		}
		return v + (t < g->burst_end ? p->a : 0);
	case SHAPE_HEAP:
		return corpus_heap_to(g, t, dt);
	case SHAPE_LEAK:
		v += p->c * MIN(t / 120, 1.0) + corpus_noise(&g->rng, p->b);
		return v + (t > p->leak_start_s ? floor(p->a * (t - p->leak_start_s)) : 0);
	case SHAPE_LEAK_STEPS:
		return v + (t > p->leak_start_s ? p->a * floor((t - p->leak_start_s) / p->b) : 0);
	}
	return v;
}

/* A point whose other series are flat (so only `series` can decide). */
static inline struct leak_point corpus_point(const struct corpus_pattern *p, double t_s, double v)
{
	struct leak_point pt = { .t_ms = (uint64_t)(t_s * 1000), .fds = 40, .threads = 8, .memory = 64 << 20 };
	if (v < 0)
		v = 0;
	switch (p->series) {
	case LEAK_FDS: pt.fds = (uint32_t)v; break;
	case LEAK_THREADS: pt.threads = (uint32_t)v; break;
	default: pt.memory = (uint64_t)v; break;
	}
	return pt;
}

#define MIB CORPUS_MIB
static const struct corpus_pattern corpus_patterns[] = {
	/* healthy */
	{ "flat", LEAK_FDS, SHAPE_FLAT, 40, 0, 2, 0, false, 0, 0 },
	{ "warmup 50 fds over 3m", LEAK_FDS, SHAPE_WARMUP, 10, 50, 180, 2, false, 0, 0 },
	{ "warmup 100 fds over 45s", LEAK_FDS, SHAPE_WARMUP, 10, 100, 45, 1, false, 0, 0 },
	{ "warmup 100 fds over 90s", LEAK_FDS, SHAPE_WARMUP, 10, 100, 90, 1, false, 0, 0 },
	{ "step +100 fds", LEAK_FDS, SHAPE_STEP, 20, 100, 180, 1800, false, 0, 0 },
	{ "walk in a band of 20 fds", LEAK_FDS, SHAPE_WALK, 30, 20, 0, 0, false, 0, 0 },
	{ "walk in a band of 60 fds", LEAK_FDS, SHAPE_WALK, 30, 60, 0, 0, false, 0, 0 },
	{ "pool of 30 fds, 1m fill, 2m period", LEAK_FDS, SHAPE_POOL, 20, 30, 60, 120, false, 0, 0 },
	{ "pool of 200 fds, 4m fill, 6m period", LEAK_FDS, SHAPE_POOL, 20, 200, 240, 360, false, 0, 0, true },
	{ "cycle of 40 fds, 8m period", LEAK_FDS, SHAPE_CYCLE, 20, 40, 480, 0, false, 0, 0 },
	{ "bursts of +40 fds for 10s", LEAK_FDS, SHAPE_BURSTS, 20, 40, 10, 90, false, 0, 0 },
	{ "thread pool fills to 16 over 1m", LEAK_THREADS, SHAPE_WARMUP, 2, 16, 60, 0, false, 0, 0 },
	{ "threads walk in a band of 10", LEAK_THREADS, SHAPE_WALK, 4, 10, 0, 0, false, 0, 0 },
	{ "GC heap sawtooth 100-180 MiB", LEAK_MEMORY, SHAPE_HEAP, 100 * MIB, 1.5 * MIB, 80 * MIB, 2 * MIB, false, 0, 0 },
	{ "memory warm-up 200 MiB over 3m", LEAK_MEMORY, SHAPE_WARMUP, 50 * MIB, 200 * MIB, 180, 0.5 * MIB, false, 0, 0 },
	{ "memory cycle of 100 MiB, 8m", LEAK_MEMORY, SHAPE_CYCLE, 100 * MIB, 100 * MIB, 480, 0, false, 0, 0 },
	{ "memory cycle of 300 MiB, 8m", LEAK_MEMORY, SHAPE_CYCLE, 100 * MIB, 300 * MIB, 480, 0, false, 0, 0, true },
	/* leaks */
	{ "fds 1/s from the start", LEAK_FDS, SHAPE_LEAK, 20, 1, 0, 0, true, 0, 125 },   /* the grace and a sample */
	{ "fds 1/s from 5m", LEAK_FDS, SHAPE_LEAK, 20, 1, 0, 0, true, 300, 60 },
	{ "fds 1/s from 5m, noise 5", LEAK_FDS, SHAPE_LEAK, 20, 1, 5, 0, true, 300, 60 },
	{ "fds 1/s after a 50-fd warm-up", LEAK_FDS, SHAPE_LEAK, 20, 1, 2, 50, true, 400, 60 },
	{ "fds 10/s from 5m", LEAK_FDS, SHAPE_LEAK, 20, 10, 0, 0, true, 300, 60 },
	{ "fds 0.2/s from 5m", LEAK_FDS, SHAPE_LEAK, 20, 0.2, 1, 0, true, 300, 600 },
	{ "fds 5/min from 5m", LEAK_FDS, SHAPE_LEAK, 20, 5.0 / 60, 1, 0, true, 300, 600 },
	{ "fds 3/min from 5m", LEAK_FDS, SHAPE_LEAK, 20, 3.0 / 60, 0, 0, true, 300, 600 },
	{ "fds +10 every 2m from 5m", LEAK_FDS, SHAPE_LEAK_STEPS, 20, 10, 120, 0, true, 300, 600 },
	{ "threads 1 per 2s from 5m", LEAK_THREADS, SHAPE_LEAK, 4, 0.5, 0, 0, true, 300, 60 },
	{ "threads 1 per 2s from 5m, noise 2", LEAK_THREADS, SHAPE_LEAK, 6, 0.5, 2, 0, true, 300, 60 },
	{ "memory 2 MiB/s from 5m", LEAK_MEMORY, SHAPE_LEAK, 100 * MIB, 2 * MIB, 0, 0, true, 300, 60 },
	{ "memory 2 MiB/s from 5m, noise 4 MiB", LEAK_MEMORY, SHAPE_LEAK, 100 * MIB, 2 * MIB, 4 * MIB, 0, true, 300, 60 },
	{ "memory 64 KiB/s from 5m", LEAK_MEMORY, SHAPE_LEAK, 100 * MIB, 64 * 1024, 0, 0, true, 300, 600 },
};
#undef MIB

#define CORPUS_N (sizeof(corpus_patterns) / sizeof(corpus_patterns[0]))

/* Called after each evaluation when set (bench/leak_corpus.c's trace). */
typedef void (*corpus_trace_fn)(double t, const struct leak_trend *tr, enum leak_series k);
static corpus_trace_fn corpus_trace;

/* Runs one pattern for `duration_s` sampled every `every_s`, evaluating at
 * each sample as the daemon does (the verdict fed back as prev). Returns
 * the time (s) of the first `leaking` verdict, or -1; *flags counts the
 * times the verdict turned leaking. */
static inline double corpus_run(const struct corpus_pattern *p, uint64_t seed, const struct leak_config *c,
				double every_s, double duration_s, unsigned *flags)
{
	struct leak_history h = { 0 };
	struct leak_trend tr = { 0 };
	struct leak_verdicts prev = { 0 };
	struct corpus_gen g;
	uint64_t cap = c->window_ms / (uint64_t)(every_s * 1000) + 2;
	double first = -1;

	*flags = 0;
	if (leak_history_init(&h, (uint32_t)MIN(cap, (uint64_t)LEAK_HISTORY_MAX)) < 0)
		return -2;
	corpus_gen_init(&g, p, seed);
	for (double t = 0; t <= duration_s; t += every_s) {
		struct leak_point pt = corpus_point(p, t, corpus_value(&g, t, every_s));
		pt.t_ms += 1000000;   /* a monotonic clock does not start at 0 */
		leak_history_add(&h, &pt);
		leak_evaluate(&h, c, pt.t_ms, &prev, &tr);
		if (corpus_trace)
			corpus_trace(t, &tr, p->series);
		if (tr.verdict == LEAK_LEAKING && prev.verdict != LEAK_LEAKING) {
			(*flags)++;
			if (first < 0)
				first = t;
		}
		leak_verdicts_of(&tr, &prev);
	}
	leak_history_done(&h);
	return first;
}
