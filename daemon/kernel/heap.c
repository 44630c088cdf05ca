/* SPDX-License-Identifier: MIT */
/*
 * heap.c: the deadline heap behind the loop's one timerfd.
 *
 * Invariants: items[0..n) is a binary min-heap on due_ns; for every i < n,
 * items[i]->heap_index == i; a timer not in the heap has heap_index ==
 * SIZE_MAX. The array never grows: cap is fixed by heap_init().
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/heap.h"
#include "basic/macro.h"

int heap_init(struct deadline_heap *h, size_t cap)
{
	/* calloc(0) may return NULL; one spare slot keeps cap == 0 valid. */
	h->items = calloc(MAX(cap, 1u), sizeof(*h->items));
	if (!h->items)
		return -ENOMEM;
	h->n = 0;
	h->cap = cap;
	return 0;
}

void heap_done(struct deadline_heap *h)
{
	/* Timers still queued must not look armed once the heap is gone. */
	for (size_t i = 0; i < h->n; i++)
		h->items[i]->heap_index = SIZE_MAX;
	free(h->items);
	h->items = NULL;
	h->n = h->cap = 0;
}

static void heap_set(struct deadline_heap *h, size_t i, struct loop_timer *t)
{
	h->items[i] = t;
	t->heap_index = i;
}

static void sift_up(struct deadline_heap *h, size_t i)
{
	struct loop_timer *t = h->items[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (h->items[parent]->due_ns <= t->due_ns)
			break;
		heap_set(h, i, h->items[parent]);
		i = parent;
	}
	heap_set(h, i, t);
}

static void sift_down(struct deadline_heap *h, size_t i)
{
	struct loop_timer *t = h->items[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= h->n)
			break;
		if (child + 1 < h->n && h->items[child + 1]->due_ns < h->items[child]->due_ns)
			child++;
		if (t->due_ns <= h->items[child]->due_ns)
			break;
		heap_set(h, i, h->items[child]);
		i = child;
	}
	heap_set(h, i, t);
}

int heap_push(struct deadline_heap *h, struct loop_timer *t)
{
	if (t->heap_index != SIZE_MAX)
		return -EALREADY;
	if (h->n >= h->cap)
		return -ENOSPC;
	heap_set(h, h->n++, t);
	sift_up(h, h->n - 1);
	return 0;
}

static bool heap_owns(const struct deadline_heap *h, const struct loop_timer *t)
{
	return t->heap_index < h->n && h->items[t->heap_index] == t;
}

void heap_remove(struct deadline_heap *h, struct loop_timer *t)
{
	if (!heap_owns(h, t))
		return;
	size_t i = t->heap_index;
	t->heap_index = SIZE_MAX;
	if (i == --h->n)
		return;
	/* Move the last item into the hole; it may belong above or below. */
	struct loop_timer *moved = h->items[h->n];
	heap_set(h, i, moved);
	sift_up(h, i);
	sift_down(h, moved->heap_index);
}

void heap_update(struct deadline_heap *h, struct loop_timer *t)
{
	if (!heap_owns(h, t))
		return;
	sift_up(h, t->heap_index);
	sift_down(h, t->heap_index);
}

struct loop_timer *heap_peek(const struct deadline_heap *h)
{
	return h->n > 0 ? h->items[0] : NULL;
}

struct loop_timer *heap_pop(struct deadline_heap *h)
{
	struct loop_timer *t = heap_peek(h);

	if (t)
		heap_remove(h, t);
	return t;
}
