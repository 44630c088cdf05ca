/* SPDX-License-Identifier: MIT */
/*
 * leak.c: the sample ring and the leak verdict (see leak.h). Pure: no
 * syscalls, no clock, no allocation after leak_history_init().
 *
 * Cost bound. The Theil-Sen slope looks at every pair of samples, so the
 * window is first thinned to at most LEAK_SUBSAMPLE_MAX (200) samples, evenly
 * spaced by rank, always keeping the oldest and the newest in the window. One
 * evaluation then looks at no more than 200 * 199 / 2 = 19,900 pairs per
 * series. Their slopes go into one scratch array of that size on the
 * stack (float, 80 KB), and both series reuse it. The median is taken by
 * quickselect in expected O(pairs), not by sorting.
 *
 * Samples are expected in time order (the daemon's monotonic clock). Pairs
 * whose times are not strictly increasing are skipped, so out-of-order or
 * duplicate timestamps cannot divide by zero.
 */
#include <errno.h>
#include <stdlib.h>

#include "policy/leak.h"
#include "basic/macro.h"
#include "basic/string_table.h"

#define MS_PER_HOUR 3600000.0
#define LEAK_SUBSAMPLE_MAX 200
#define LEAK_PAIRS_MAX (LEAK_SUBSAMPLE_MAX * (LEAK_SUBSAMPLE_MAX - 1) / 2)
/* Kendall-style share of rising pairs among pairs whose values differ. */
#define LEAK_RISING_MIN 0.7

int leak_history_init(struct leak_history *h, uint32_t cap)
{
	if (cap == 0 || cap > LEAK_HISTORY_MAX)
		return -EINVAL;
	struct leak_sample *s = calloc(cap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*h = (struct leak_history){ .s = s, .cap = cap };
	return 0;
}

void leak_history_done(struct leak_history *h)
{
	if (!h)
		return;
	free(h->s);
	*h = (struct leak_history){ 0 };
}

void leak_history_add(struct leak_history *h, const struct leak_sample *s)
{
	if (!h->s || h->cap == 0)
		return;
	if (h->n < h->cap) {
		h->s[(h->head + h->n) % h->cap] = *s;
		h->n++;
		return;
	}
	/* Full: the oldest slot is overwritten and the next one becomes the oldest. */
	h->s[h->head] = *s;
	h->head = (h->head + 1) % h->cap;
}

size_t leak_history_len(const struct leak_history *h)
{
	return h ? h->n : 0;
}

const struct leak_sample *leak_history_at(const struct leak_history *h, size_t i)
{
	if (!h || i >= h->n)
		return NULL;
	return &h->s[(h->head + i) % h->cap];
}

void leak_history_reset(struct leak_history *h)
{
	h->head = 0;
	h->n = 0;
}

static const char *const leak_verdict_table[_LEAK_VERDICT_MAX] = {
	[LEAK_UNKNOWN] = "unknown",
	[LEAK_OK] = "ok",
	[LEAK_LEAKING] = "leaking",
};

DEFINE_STRING_TABLE_LOOKUP(leak_verdict, enum leak_verdict)

/* The samples inside the window, thinned to at most LEAK_SUBSAMPLE_MAX. */
struct leak_window {
	struct leak_sample s[LEAK_SUBSAMPLE_MAX];
	size_t n;     /* kept */
	size_t total; /* in the window, before thinning */
};

static void window_select(const struct leak_history *h, uint64_t cutoff, struct leak_window *w)
{
	size_t len = leak_history_len(h), m = 0, rank = 0;

	for (size_t i = 0; i < len; i++)
		m += leak_history_at(h, i)->t_ms >= cutoff;
	size_t k = MIN(m, (size_t)LEAK_SUBSAMPLE_MAX);
	w->total = m;
	w->n = 0;
	for (size_t i = 0; i < len && w->n < k; i++) {
		const struct leak_sample *s = leak_history_at(h, i);
		if (s->t_ms < cutoff)
			continue;
		/* The j-th kept sample has rank j*(m-1)/(k-1): 0 and m-1 are always
		 * kept, and ranks strictly increase since k <= m. */
		size_t want = k == 1 ? 0 : (size_t)((uint64_t)w->n * (m - 1) / (k - 1));
		if (rank == want)
			w->s[w->n++] = *s;
		rank++;
	}
}

static uint32_t sample_value(const struct leak_sample *s, bool threads)
{
	return threads ? s->threads : s->fds;
}

static void swapf(float *a, float *b)
{
	float t = *a;
	*a = *b;
	*b = t;
}

static float median3(float x, float y, float z)
{
	if (x > y)
		swapf(&x, &y);
	if (y > z)
		swapf(&y, &z);
	return x > y ? x : y;
}

/* The k-th smallest of a[0..n), 0-based. Reorders a so that every element
 * after index k is >= the result. Three-way partitions keep runs of equal
 * slopes (a flat series) linear. */
static float select_kth(float *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		float p = median3(a[lo], a[lo + (hi - lo) / 2], a[hi - 1]);
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			if (a[i] < p)
				swapf(&a[lt++], &a[i++]);
			else if (a[i] > p)
				swapf(&a[i], &a[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return p;
	}
	return a[lo];
}

static double median(float *a, size_t n)
{
	size_t k = (n - 1) / 2;
	float lo = select_kth(a, n, k);
	if (n % 2)
		return lo;
	float hi = a[k + 1];
	for (size_t i = k + 2; i < n; i++)
		hi = MIN(hi, a[i]);
	return ((double)lo + hi) / 2;
}

struct leak_series {
	double per_hour; /* Theil-Sen slope, 0 without any pair */
	double rising;   /* rising pairs / pairs with different values, 0 if none */
};

static void series_trend(const struct leak_window *w, bool threads, float *scratch,
			 struct leak_series *ret)
{
	size_t np = 0, up = 0, down = 0;

	for (size_t i = 0; i < w->n; i++)
		for (size_t j = i + 1; j < w->n; j++) {
			if (w->s[j].t_ms <= w->s[i].t_ms)
				continue;
			double dv = (double)sample_value(&w->s[j], threads) -
				    (double)sample_value(&w->s[i], threads);
			double dt = (double)(w->s[j].t_ms - w->s[i].t_ms);
			scratch[np++] = (float)(dv * MS_PER_HOUR / dt);
			up += dv > 0;
			down += dv < 0;
		}
	*ret = (struct leak_series){
		.per_hour = np ? median(scratch, np) : 0,
		.rising = up + down ? (double)up / (double)(up + down) : 0,
	};
}

/* Growing: a positive slope of at least min_growth, a rise from the first to
 * the last sample of at least half of what that slope predicts over the
 * span, and mostly rising pairs. The last two rule out a series that goes up
 * and down, whose median slope can still come out positive. */
static bool series_growing(const struct leak_window *w, bool threads, const struct leak_series *t,
			   double min_growth, double span_h)
{
	double first = sample_value(&w->s[0], threads);
	double last = sample_value(&w->s[w->n - 1], threads);

	return t->per_hour > 0 && t->per_hour >= min_growth &&
	       last - first >= 0.5 * t->per_hour * span_h && t->rising >= LEAK_RISING_MIN;
}

static enum leak_verdict series_verdict(bool over, bool enough, bool growing)
{
	if (over)
		return LEAK_LEAKING;
	if (!enough)
		return LEAK_UNKNOWN;
	return growing ? LEAK_LEAKING : LEAK_OK;
}

static const char *trend_reason(bool fds_over, bool threads_over, bool fds_grow,
				bool threads_grow, bool enough_samples, bool enough_span)
{
	if (fds_over)
		return "fds over fds_max";
	if (threads_over)
		return "threads over threads_max";
	if (!enough_samples)
		return "not enough samples";
	if (!enough_span)
		return "samples span less than half the window";
	if (fds_grow)
		return "fds growing";
	if (threads_grow)
		return "threads growing";
	return "steady";
}

void leak_evaluate(const struct leak_history *h, const struct leak_config *c, uint64_t now_ms,
		   struct leak_trend *ret)
{
	float scratch[LEAK_PAIRS_MAX];
	struct leak_window w;
	struct leak_series fds = { 0 }, threads = { 0 };

	*ret = (struct leak_trend){ .reason = "not enough samples" };
	window_select(h, now_ms > c->window_ms ? now_ms - c->window_ms : 0, &w);
	if (w.n == 0)
		return;

	const struct leak_sample *first = &w.s[0], *newest = &w.s[w.n - 1];
	uint64_t span_ms = newest->t_ms > first->t_ms ? newest->t_ms - first->t_ms : 0;
	double span_h = (double)span_ms / MS_PER_HOUR;
	bool fds_over = c->fds_max && newest->fds > c->fds_max;
	bool threads_over = c->threads_max && newest->threads > c->threads_max;
	bool enough_samples = w.total >= LEAK_MIN_SAMPLES;
	bool enough_span = span_ms * 2 >= c->window_ms;

	series_trend(&w, /* threads= */ false, scratch, &fds);
	series_trend(&w, /* threads= */ true, scratch, &threads);
	bool fds_grow = series_growing(&w, false, &fds, c->min_growth_per_hour, span_h);
	bool threads_grow = series_growing(&w, true, &threads, c->min_growth_per_hour, span_h);
	bool enough = enough_samples && enough_span;

	ret->fds_per_hour = fds.per_hour;
	ret->threads_per_hour = threads.per_hour;
	ret->fds_verdict = series_verdict(fds_over, enough, fds_grow);
	ret->threads_verdict = series_verdict(threads_over, enough, threads_grow);
	ret->verdict = MAX(ret->fds_verdict, ret->threads_verdict);
	ret->reason = trend_reason(fds_over, threads_over, enough && fds_grow,
				   enough && threads_grow, enough_samples, enough_span);
}

char *leak_sparkline(const struct leak_history *h, bool threads, size_t width, char *buf,
		     size_t len)
{
	if (!buf || len == 0)
		return buf;

	size_t n = leak_history_len(h), k = MIN(width, n), o = 0;
	uint32_t lo = UINT32_MAX, hi = 0;
	for (size_t i = n - k; i < n; i++) {
		uint32_t v = sample_value(leak_history_at(h, i), threads);
		lo = MIN(lo, v);
		hi = MAX(hi, v);
	}
	/* Each bar is 3 bytes, U+2581..U+2588 = E2 96 81..88; keep one for NUL. */
	for (size_t i = n - k; i < n && len - o >= 4; i++) {
		uint64_t v = sample_value(leak_history_at(h, i), threads) - lo, range = hi - lo;
		unsigned level = range ? (unsigned)((v * 14 + range) / (2 * range)) : 0;
		buf[o++] = (char)0xE2;
		buf[o++] = (char)0x96;
		buf[o++] = (char)(0x81 + level);
	}
	buf[o] = '\0';
	return buf;
}
