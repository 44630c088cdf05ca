/* SPDX-License-Identifier: MIT */
/*
 * heap.h: a binary min-heap of struct loop_timer pointers ordered by due_ns,
 * with a fixed capacity chosen at creation. Each timer records its own index
 * so removal and re-keying are O(log n). Pure data structure, no syscalls.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/loop.h"

struct deadline_heap {
	struct loop_timer **items;
	size_t n;
	size_t cap;
};

int heap_init(struct deadline_heap *h, size_t cap);        /* -ENOMEM */
void heap_done(struct deadline_heap *h);
int heap_push(struct deadline_heap *h, struct loop_timer *t);   /* -ENOSPC when full, -EALREADY if armed */
void heap_remove(struct deadline_heap *h, struct loop_timer *t); /* no-op if not armed */
void heap_update(struct deadline_heap *h, struct loop_timer *t); /* after due_ns changed */
struct loop_timer *heap_peek(const struct deadline_heap *h);     /* NULL when empty */
struct loop_timer *heap_pop(struct deadline_heap *h);
