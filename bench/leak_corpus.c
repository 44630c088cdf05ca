/* SPDX-License-Identifier: MIT */
/*
 * leak_corpus.c: the leak verdict over the corpus (tests/leak_corpus.h),
 * replayed as the daemon would see it with the default settings: per
 * pattern, over SEEDS seeded runs of DURATION, how many runs were flagged
 * and, for leaks, the delay from the leak's start to the verdict (min,
 * median, max), beside the bound. Also the cost of one evaluation.
 *
 * usage: leak_corpus [SEEDS [DURATION_S [SAMPLE_EVERY_S]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config_leak.h"
#include "leak_corpus.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void trace(double t, const struct leak_trend *tr, enum leak_series k)
{
	const struct leak_series_trend *st = &tr->series[k];
	printf("%6.0f %-8s %-20s fast %u/%d rise %8.1f need %8.1f  slow %u/%d rise %8.1f need %8.1f\n", t,
	       leak_verdict_to_string(st->verdict), st->why ? st->why : "", st->fast.new_highs, LEAK_FAST_PARTS,
	       st->fast.rise, st->fast.needed, st->slow.new_highs, LEAK_SLOW_PARTS, st->slow.rise, st->slow.needed);
}

/* leak_corpus trace PATTERN SEED DURATION_S: every evaluation of one run. */
static int trace_one(char **argv)
{
	struct leak_config c;
	unsigned flags, i = (unsigned)atoi(argv[2]);

	leak_config_from(&c, config_leak_defaults());
	corpus_trace = trace;
	if (i >= CORPUS_N)
		return 2;
	printf("%s\n", corpus_patterns[i].name);
	corpus_run(&corpus_patterns[i], (uint64_t)atoll(argv[3]), &c, 5, atof(argv[4]), &flags);
	return 0;
}

struct tally {
	unsigned false_total, missed, late;
};

/* SEEDS runs of one pattern: its line of the table. */
static void one_pattern(const struct corpus_pattern *p, const struct leak_config *c, unsigned seeds,
			double duration, double every, double *delays, struct tally *t)
{
	unsigned flagged = 0, nd = 0, flags;

	for (unsigned s = 0; s < seeds; s++) {
		double first = corpus_run(p, s + 1, c, every, p->leak ? p->leak_start_s + 1200 : duration, &flags);
		flagged += first >= 0;
		if (p->leak && first >= 0)
			delays[nd++] = first - p->leak_start_s;
		if (p->leak && (first < 0 || first - p->leak_start_s > p->delay_max_s))
			first < 0 ? t->missed++ : t->late++;
		if (!p->leak && !p->limit && first >= 0)
			t->false_total++;
		if (p->limit && flags > 1)
			t->false_total++;   /* flagged again after it cleared: a false verdict */
	}
	if (p->leak && nd) {
		qsort(delays, nd, sizeof(*delays), cmp_double);
		printf("%-40s %4u/%-3u %8.0f %8.0f %8.0f %8.0f\n", p->name, flagged, seeds, delays[0],
		       delays[nd / 2], delays[nd - 1], p->delay_max_s);
	} else {
		printf("%-40s %4u/%-3u %8s %8s %8s %8s\n", p->name, flagged, seeds, p->leak ? "never" : "-", "", "",
		       p->leak ? "" : p->limit ? "once" : "never");
	}
}

/* The cost: one evaluation of a full default window (121 samples). */
static void measure_cost(const struct leak_config *c)
{
	struct leak_history h = { 0 };
	struct leak_trend tr;
	struct leak_verdicts prev = { 0 };
	unsigned reps = 20000;

	if (leak_history_init(&h, 122) < 0)
		return;
	for (unsigned i = 0; i < 122; i++) {
		struct leak_point pt = { .t_ms = 1000000 + i * 5000, .fds = 40 + i % 7, .threads = 8, .memory = 64 << 20 };
		leak_history_add(&h, &pt);
	}
	double t0 = now_s();
	for (unsigned i = 0; i < reps; i++)
		leak_evaluate(&h, c, 1000000 + 121 * 5000, &prev, &tr);
	double per = (now_s() - t0) / reps;
	leak_history_done(&h);
	printf("one evaluation (3 series, 121 samples): %.1f us; 1000 instances: %.1f ms per pass\n", per * 1e6,
	       per * 1e6);
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "trace") == 0)
		return trace_one(argv);

	unsigned seeds = argc > 1 ? (unsigned)atoi(argv[1]) : 50;
	double duration = argc > 2 ? atof(argv[2]) : 3600, every = argc > 3 ? atof(argv[3]) : 5;
	struct service_leak_config sc = *config_leak_defaults();
	struct leak_config c;
	struct tally t = { 0 };
	double *delays = seeds ? calloc(seeds, sizeof(*delays)) : NULL;

	if (!delays)
		return 2;
	sc.sample_every_ms = (uint64_t)(every * 1000);
	leak_config_from(&c, &sc);
	printf("leak verdicts over the corpus: %u runs of %.0f s per pattern, a sample every %.0f s\n", seeds,
	       duration, every);
	printf("%-40s %8s %8s %8s %8s %8s\n", "pattern", "flagged", "min s", "median s", "max s", "bound s");
	for (size_t i = 0; i < CORPUS_N; i++)
		one_pattern(&corpus_patterns[i], &c, seeds, duration, every, delays, &t);
	measure_cost(&c);
	printf("false verdicts: %u, leaks missed: %u, late: %u\n", t.false_total, t.missed, t.late);
	free(delays);
	return 0;   /* figures only: the unit test test_leak_corpus asserts */
}
