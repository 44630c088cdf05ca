/* SPDX-License-Identifier: MIT */
/*
 * leak_history.c: the sample ring of leak.h. Pure: no syscalls, no clock;
 * its only allocations are its growth.
 *
 * Memory: a ring starts at LEAK_HISTORY_FIRST samples and doubles up to
 * its cap (docs/design.md, "Memory per instance"). It never wraps before
 * it is full (head is 0), so growing is one realloc; a growth that fails
 * makes the size it has its cap (a shorter window, from then on).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/leak_history.h"
#include "basic/macro.h"

/* Offsets are rebased before they reach 2^31 ms (24 days). */
#define LEAK_OFFSET_MAX (1ULL << 31)

int leak_history_init(struct leak_history *h, uint32_t cap)
{
	if (cap == 0 || cap > LEAK_HISTORY_MAX)
		return -EINVAL;
	uint32_t alloc = MIN(cap, (uint32_t)LEAK_HISTORY_FIRST);
	struct leak_sample *s = calloc(alloc, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*h = (struct leak_history){ .s = s, .cap = cap, .alloc = alloc };
	return 0;
}

/* Room for one more sample while not full: the ring doubles (up to cap).
 * Only called with n == alloc < cap, when head is 0. */
static void grow(struct leak_history *h)
{
	uint32_t alloc = (uint32_t)MIN((uint64_t)h->alloc * 2, (uint64_t)h->cap);
	struct leak_sample *s = reallocarray(h->s, alloc, sizeof(*s));
	if (!s) {
		h->cap = h->alloc;   /* keep what we have: it wraps from now on */
		return;
	}
	h->s = s;
	h->alloc = alloc;
}

void leak_history_done(struct leak_history *h)
{
	if (!h)
		return;
	free(h->s);
	*h = (struct leak_history){ 0 };
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

uint64_t leak_history_t_ms(const struct leak_history *h, size_t i)
{
	const struct leak_sample *s = leak_history_at(h, i);
	return s ? h->origin_ms + s->t : 0;
}

uint32_t leak_history_value(const struct leak_history *h, size_t i, enum leak_series k)
{
	const struct leak_sample *s = leak_history_at(h, i);
	return s && k >= 0 && k < _LEAK_SERIES_MAX ? s->v[k] : 0;
}

void leak_history_reset(struct leak_history *h)
{
	h->head = h->n = 0;
	h->origin_ms = h->start_ms = 0;
	h->evicted = false;
	memset(h->evicted_max, 0, sizeof(h->evicted_max));
}

/* Moves the origin to the oldest sample, so that offsets stay small. */
static void rebase(struct leak_history *h)
{
	uint32_t d = h->s[h->head].t;
	for (size_t i = 0; i < h->n; i++)
		h->s[(h->head + i) % h->cap].t -= d;
	h->origin_ms += d;
}

static void fold_evicted(struct leak_history *h, uint32_t v, int k)
{
	h->evicted_max[k] = h->evicted ? MAX(h->evicted_max[k], v) : v;
	if (k == _LEAK_SERIES_MAX - 1)
		h->evicted = true;
}

void leak_history_add(struct leak_history *h, const struct leak_point *p)
{
	if (!h->s || h->cap == 0)
		return;
	if (h->n == 0 && !h->evicted)
		h->origin_ms = h->start_ms = p->t_ms;
	uint64_t t = p->t_ms > h->origin_ms ? p->t_ms - h->origin_ms : 0;
	if (t >= LEAK_OFFSET_MAX && h->n > 0) {
		rebase(h);
		t = p->t_ms > h->origin_ms ? p->t_ms - h->origin_ms : 0;
	}
	if (t >= LEAK_OFFSET_MAX) {
		/* A gap of weeks (sampling paused): what the ring holds is only
		 * levels visited, kept as such; the ring starts again here. */
		for (size_t i = 0; i < h->n; i++)
			for (int k = 0; k < _LEAK_SERIES_MAX; k++)
				fold_evicted(h, h->s[(h->head + i) % h->cap].v[k], k);
		h->head = h->n = 0;
		h->origin_ms = p->t_ms;
		t = 0;
	}
	struct leak_sample s = {
		.t = (uint32_t)MIN(t, LEAK_OFFSET_MAX - 1),
		.v = { p->fds, p->threads, (uint32_t)MIN(p->memory / 1024, (uint64_t)UINT32_MAX) },
	};
	const struct leak_sample *newest = h->n > 0 ? &h->s[(h->head + h->n - 1) % h->cap] : NULL;
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		h->run[k] = newest && newest->v[k] == s.v[k] ? h->run[k] + 1 : 1;
	if (h->n < h->cap && h->n == h->alloc)
		grow(h);
	if (h->n < h->cap) {
		h->s[(h->head + h->n) % h->cap] = s;
		h->n++;
		return;
	}
	/* Full: the oldest is folded into evicted_max, then overwritten. */
	for (int k = 0; k < _LEAK_SERIES_MAX; k++) {
		fold_evicted(h, h->s[h->head].v[k], k);
		h->run[k] = MIN(h->run[k], h->n);
	}
	h->s[h->head] = s;
	h->head = (h->head + 1) % h->cap;
}

bool leak_history_flat(const struct leak_history *h, enum leak_series k)
{
	if (!h || h->n == 0 || k < 0 || k >= _LEAK_SERIES_MAX || h->run[k] < h->n)
		return false;
	return !h->evicted || h->evicted_max[k] >= leak_history_value(h, h->n - 1, k);
}
