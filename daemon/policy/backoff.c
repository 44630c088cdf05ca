/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "policy/backoff.h"
#include "basic/macro.h"

uint64_t backoff_delay_ms(uint64_t initial_ms, uint64_t max_ms, unsigned n, uint32_t rnd)
{
	uint64_t d = initial_ms;

	for (unsigned i = 0; i < n && d > 0 && d < max_ms; i++)
		d = d > max_ms / 2 ? max_ms : d * 2;
	d = MIN(d, max_ms);
	if (d < 2)
		return d;
	uint64_t half = d / 2;
	return d - half + (uint64_t)rnd % (half + 1);
}

int breaker_record(struct breaker *b, uint32_t max_restarts, uint64_t window_ms, uint64_t now_ms)
{
	if (max_restarts == 0)
		return 0;
	if (max_restarts > BREAKER_MAX_RESTARTS)
		return -ERANGE;
	if (b->cap != max_restarts + 1) {
		uint64_t *t = calloc(max_restarts + 1, sizeof(*t));
		if (!t)
			return -ENOMEM;
		free(b->times);
		*b = (struct breaker){ .times = t, .cap = max_restarts + 1 };
	}
	b->times[b->head] = now_ms;
	b->head = (b->head + 1) % b->cap;
	if (b->n < b->cap)
		b->n++;
	if (b->n < b->cap)
		return 0;
	/* Full ring: the oldest entry is the one about to be overwritten. */
	uint64_t oldest = b->times[b->head];
	return now_ms - oldest < window_ms ? 1 : 0;
}

void breaker_reset(struct breaker *b)
{
	b->n = 0;
	b->head = 0;
}

void breaker_done(struct breaker *b)
{
	free(b->times);
	*b = (struct breaker){ 0 };
}
