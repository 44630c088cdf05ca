/* SPDX-License-Identifier: MIT */
/*
 * test_heap.c: the deadline heap as a pure data structure: ordering with
 * random and duplicate keys, removal anywhere, re-keying, bounds, and the
 * heap_index bookkeeping the loop relies on (SIZE_MAX = not armed).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel/heap.h"

#define N 1000

static void noop(struct loop *l, void *u)
{
	(void)l;
	(void)u;
}

static void timers_init(struct loop_timer *t, size_t n)
{
	/* By hand: this test links heap.o alone, not loop.o's loop_timer_init(). */
	for (size_t i = 0; i < n; i++)
		t[i] = (struct loop_timer){ .heap_index = SIZE_MAX, .fn = noop };
}

/* Checks the min-heap property and that every item knows its index. */
static void assert_heap_valid(const struct deadline_heap *h)
{
	assert_true(h->n <= h->cap);
	for (size_t i = 0; i < h->n; i++) {
		assert_int_equal(h->items[i]->heap_index, i);
		if (i > 0)
			assert_true(h->items[(i - 1) / 2]->due_ns <= h->items[i]->due_ns);
	}
}

static void drain_sorted(struct deadline_heap *h, size_t expect)
{
	uint64_t last = 0;
	size_t count = 0;

	for (struct loop_timer *t; (t = heap_pop(h)); count++) {
		assert_true(t->due_ns >= last);
		assert_int_equal(t->heap_index, SIZE_MAX);
		assert_false(loop_timer_armed(t));
		last = t->due_ns;
		assert_heap_valid(h);
	}
	assert_int_equal(count, expect);
	assert_null(heap_peek(h));
	assert_null(heap_pop(h));
}

static void test_random_order(void **state)
{
	(void)state;
	static struct loop_timer t[N];
	struct deadline_heap h;

	srand(12345);
	assert_int_equal(heap_init(&h, N), 0);
	timers_init(t, N);
	for (size_t i = 0; i < N; i++) {
		/* A small key range forces many duplicates. */
		t[i].due_ns = (uint64_t)(rand() % 200);
		assert_int_equal(heap_push(&h, &t[i]), 0);
		assert_true(loop_timer_armed(&t[i]));
	}
	assert_heap_valid(&h);
	drain_sorted(&h, N);
	heap_done(&h);
}

static void test_all_equal_keys(void **state)
{
	(void)state;
	struct loop_timer t[16];
	struct deadline_heap h;

	assert_int_equal(heap_init(&h, 16), 0);
	timers_init(t, 16);
	for (size_t i = 0; i < 16; i++) {
		t[i].due_ns = 7;
		assert_int_equal(heap_push(&h, &t[i]), 0);
	}
	drain_sorted(&h, 16);
	heap_done(&h);
}

static void test_remove_anywhere(void **state)
{
	(void)state;
	static struct loop_timer t[N];
	struct deadline_heap h;

	srand(777);
	assert_int_equal(heap_init(&h, N), 0);
	timers_init(t, N);
	for (size_t i = 0; i < N; i++) {
		t[i].due_ns = (uint64_t)(rand() % 5000);
		assert_int_equal(heap_push(&h, &t[i]), 0);
	}
	size_t left = N;
	for (int round = 0; round < 300; round++) {
		struct loop_timer *victim;
		switch (round % 3) {
		case 0:
			victim = h.items[0];                       /* top */
			break;
		case 1:
			victim = h.items[h.n - 1];                 /* bottom */
			break;
		default:
			victim = h.items[h.n / 2];                 /* middle */
			break;
		}
		heap_remove(&h, victim);
		left--;
		assert_int_equal(victim->heap_index, SIZE_MAX);
		assert_int_equal(h.n, left);
		assert_heap_valid(&h);
		/* Idempotent: a second removal changes nothing. */
		heap_remove(&h, victim);
		assert_int_equal(h.n, left);
	}
	drain_sorted(&h, left);
	heap_done(&h);
}

static void test_remove_not_armed(void **state)
{
	(void)state;
	struct loop_timer a, b;
	struct deadline_heap h;

	assert_int_equal(heap_init(&h, 4), 0);
	timers_init(&a, 1);
	timers_init(&b, 1);
	a.due_ns = 1;
	assert_int_equal(heap_push(&h, &a), 0);
	heap_remove(&h, &b);
	heap_update(&h, &b);
	assert_int_equal(h.n, 1);
	assert_ptr_equal(heap_peek(&h), &a);
	heap_done(&h);
	/* heap_done leaves queued timers looking unarmed. */
	assert_false(loop_timer_armed(&a));
}

static void test_update(void **state)
{
	(void)state;
	static struct loop_timer t[100];
	struct deadline_heap h;

	assert_int_equal(heap_init(&h, 100), 0);
	timers_init(t, 100);
	for (size_t i = 0; i < 100; i++) {
		t[i].due_ns = 1000 + i * 10;
		assert_int_equal(heap_push(&h, &t[i]), 0);
	}
	/* Up: the last becomes the earliest. */
	t[99].due_ns = 1;
	heap_update(&h, &t[99]);
	assert_heap_valid(&h);
	assert_ptr_equal(heap_peek(&h), &t[99]);
	/* Down: the earliest becomes the latest. */
	t[99].due_ns = 1000000;
	heap_update(&h, &t[99]);
	assert_heap_valid(&h);
	assert_ptr_equal(heap_peek(&h), &t[0]);
	/* Down from the top. */
	t[0].due_ns = 1045;
	heap_update(&h, &t[0]);
	assert_heap_valid(&h);
	assert_ptr_equal(heap_peek(&h), &t[1]);
	/* Middle, both ways. */
	t[50].due_ns = 0;
	heap_update(&h, &t[50]);
	t[20].due_ns = 999999;
	heap_update(&h, &t[20]);
	assert_heap_valid(&h);
	assert_ptr_equal(heap_pop(&h), &t[50]);
	drain_sorted(&h, 99);
	heap_done(&h);
}

static void test_bounds(void **state)
{
	(void)state;
	struct loop_timer t[4];
	struct deadline_heap h;

	assert_int_equal(heap_init(&h, 3), 0);
	timers_init(t, 4);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(heap_push(&h, &t[i]), 0);
	assert_int_equal(heap_push(&h, &t[3]), -ENOSPC);
	assert_false(loop_timer_armed(&t[3]));
	assert_int_equal(heap_push(&h, &t[1]), -EALREADY);
	assert_int_equal(h.n, 3);
	heap_remove(&h, &t[1]);
	assert_int_equal(heap_push(&h, &t[3]), 0);
	heap_done(&h);

	/* A zero-capacity heap is valid and always full. */
	assert_int_equal(heap_init(&h, 0), 0);
	assert_int_equal(heap_push(&h, &t[0]), -ENOSPC);
	assert_null(heap_pop(&h));
	heap_done(&h);
}

static void test_pop_resets_index(void **state)
{
	(void)state;
	struct loop_timer a, b;
	struct deadline_heap h;

	assert_int_equal(heap_init(&h, 2), 0);
	timers_init(&a, 1);
	timers_init(&b, 1);
	a.due_ns = 5;
	b.due_ns = 3;
	assert_int_equal(heap_push(&h, &a), 0);
	assert_int_equal(heap_push(&h, &b), 0);
	assert_ptr_equal(heap_pop(&h), &b);
	assert_int_equal(b.heap_index, SIZE_MAX);
	assert_int_equal(a.heap_index, 0);
	/* A popped timer can be pushed again. */
	assert_int_equal(heap_push(&h, &b), 0);
	assert_ptr_equal(heap_pop(&h), &b);
	assert_ptr_equal(heap_pop(&h), &a);
	assert_int_equal(a.heap_index, SIZE_MAX);
	heap_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_order),
		cmocka_unit_test(test_all_equal_keys),
		cmocka_unit_test(test_remove_anywhere),
		cmocka_unit_test(test_remove_not_armed),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_pop_resets_index),
	};
	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
