/* SPDX-License-Identifier: MIT */
/*
 * event_ring.c: a circular array of pointers to one block per event (the
 * entry, its service name and its line), so that evicting is one free()
 * and the byte bound counts what the lines really hold.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/event_ring.h"

int event_ring_init(struct event_ring *r, size_t max_events, size_t max_bytes)
{
	*r = (struct event_ring){ .cap = max_events, .max_bytes = max_bytes, .next_seq = 1 };
	if (max_events == 0)
		return -EINVAL;
	r->slots = calloc(max_events, sizeof(*r->slots));
	return r->slots ? 0 : -ENOMEM;
}

static void drop_oldest(struct event_ring *r)
{
	struct event_entry *e = r->slots[r->head];

	r->bytes -= e->len;
	free(e);
	r->slots[r->head] = NULL;
	r->head = (r->head + 1) % r->cap;
	r->n--;
	r->evicted++;
}

void event_ring_done(struct event_ring *r)
{
	while (r->n)
		drop_oldest(r);
	free(r->slots);
	r->slots = NULL;
}

int event_ring_push(struct event_ring *r, uint64_t seq, uint64_t mono_ns, const char *service, int index,
		    const char *line, size_t len)
{
	size_t slen = service ? strlen(service) + 1 : 0;

	if (seq < r->next_seq)
		return -EINVAL;
	if (len > r->max_bytes)
		return -E2BIG;
	struct event_entry *e = malloc(sizeof(*e) + len + 1 + slen);
	if (!e)
		return -ENOMEM;
	*e = (struct event_entry){ .seq = seq, .mono_ns = mono_ns, .index = index, .len = len };
	memcpy(e->line, line, len);
	e->line[len] = '\0';
	if (service) {
		e->service = e->line + len + 1;
		memcpy(e->service, service, slen);
	}
	/* A gap: the events before it cannot be told from those lost. */
	while (r->n && seq != r->next_seq)
		drop_oldest(r);
	while (r->n && (r->n == r->cap || r->bytes + len > r->max_bytes))
		drop_oldest(r);
	r->slots[(r->head + r->n) % r->cap] = e;
	r->n++;
	r->bytes += len;
	r->next_seq = seq + 1;
	return 0;
}

uint64_t event_ring_oldest(const struct event_ring *r)
{
	return r->n ? r->slots[r->head]->seq : r->next_seq;
}

static const struct event_entry *at(const struct event_ring *r, size_t i)
{
	return r->slots[(r->head + i) % r->cap];
}

const struct event_entry *event_ring_first(const struct event_ring *r)
{
	return r->n ? at(r, 0) : NULL;
}

uint64_t event_ring_since(const struct event_ring *r, uint64_t mono_ns)
{
	size_t lo = 0, hi = r->n;

	/* Times only grow along the ring: the first one not before mono_ns. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (at(r, mid)->mono_ns < mono_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->n ? at(r, lo)->seq : r->next_seq;
}

bool event_filter_match(const struct event_filter *f, const struct event_entry *e)
{
	if (!f || !f->service)
		return true;
	if (!e->service || strcmp(e->service, f->service))
		return false;
	/* The service's own events (a reload of it) concern each instance. */
	return f->index < 0 || e->index < 0 || e->index == f->index;
}

enum event_walk event_ring_walk(const struct event_ring *r, uint64_t *cursor, uint64_t end,
				const struct event_filter *f,
				int (*emit)(const struct event_entry *e, void *userdata), void *userdata)
{
	uint64_t oldest = event_ring_oldest(r);

	if (*cursor < oldest)
		return EVENT_WALK_BEHIND;
	end = end < r->next_seq ? end : r->next_seq;
	for (; *cursor < end; ++*cursor) {
		const struct event_entry *e = at(r, (size_t)(*cursor - oldest));
		if (event_filter_match(f, e) && emit(e, userdata) != 0)
			return EVENT_WALK_STOPPED;
	}
	return EVENT_WALK_DONE;
}
