/* SPDX-License-Identifier: MIT */
/*
 * test_top_keys.c: top's keys: sort keys, q (but not at the filter
 * prompt), the filter prompt (text, Backspace, Enter, Esc, an empty
 * filter), arrows, PgUp/PgDn, Home/End in their CSI, SS3 and ~ forms, j/k,
 * a bare Esc apart from a sequence, unknown sequences ignored whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/top_keys.h"

#define FEED(t, s) top_keys_feed(t, s, sizeof(s) - 1)

static void test_sort_quit(void **state)
{
	struct top t = { .offset = 5 };
	(void)state;

	assert_int_equal(FEED(&t, "c"), 1);
	assert_int_equal(t.sort, TOP_SORT_CPU);
	assert_int_equal(t.offset, 0);   /* a new order starts at the top */
	FEED(&t, "M");
	assert_int_equal(t.sort, TOP_SORT_MEMORY);
	FEED(&t, "f");
	assert_int_equal(t.sort, TOP_SORT_FDS);
	FEED(&t, "t");
	assert_int_equal(t.sort, TOP_SORT_THREADS);
	FEED(&t, "r");
	assert_int_equal(t.sort, TOP_SORT_RESTARTS);
	FEED(&t, "n");
	assert_int_equal(t.sort, TOP_SORT_NAME);
	assert_int_equal(FEED(&t, "x"), 0);
	assert_int_equal(FEED(&t, "cq"), -1);
	assert_int_equal(FEED(&t, "Q"), -1);
}

static void test_filter(void **state)
{
	struct top t = { 0 };
	(void)state;

	assert_int_equal(FEED(&t, "/"), 1);
	assert_true(t.editing);
	FEED(&t, "wqx\x7f" "b\x08" "eb");   /* q is text here; Backspace as DEL or BS */
	assert_string_equal(t.edit, "wqeb");
	assert_string_equal(t.filter, "");   /* not applied before Enter */
	FEED(&t, "\r");
	assert_false(t.editing);
	assert_string_equal(t.filter, "wqeb");
	FEED(&t, "/web\n");
	assert_string_equal(t.filter, "web");
	FEED(&t, "/\r");   /* an empty filter clears it */
	assert_string_equal(t.filter, "");
	FEED(&t, "/ab\033[A");   /* an arrow is not text */
	assert_string_equal(t.edit, "ab");
	FEED(&t, "\033");   /* Esc at the prompt: no filter */
	assert_false(t.editing);
	assert_string_equal(t.filter, "");
	FEED(&t, "/api\r");
	t.offset = 3;
	assert_int_equal(FEED(&t, "\033"), 1);   /* Esc outside the prompt clears it too */
	assert_string_equal(t.filter, "");
	assert_int_equal(t.offset, 0);
	char longer[200];
	memset(longer, 'a', sizeof(longer));
	longer[0] = '/';
	top_keys_feed(&t, longer, sizeof(longer));
	assert_int_equal(strlen(t.edit), TOP_FILTER_MAX - 1);   /* bounded */
}

static void test_scroll(void **state)
{
	struct top t = { .page = 10 };
	(void)state;

	FEED(&t, "\033[B\033OBj");
	assert_int_equal(t.offset, 3);
	FEED(&t, "\033[A");
	assert_int_equal(t.offset, 2);
	FEED(&t, "kkk\033OA");   /* not below 0 */
	assert_int_equal(t.offset, 0);
	FEED(&t, "\033[6~");
	assert_int_equal(t.offset, 10);
	FEED(&t, "\033[5~\033[5~");
	assert_int_equal(t.offset, 0);
	FEED(&t, "\033[F");
	assert_true(t.offset > 1000);   /* the frame clamps it */
	FEED(&t, "\033[H");
	assert_int_equal(t.offset, 0);
	FEED(&t, "\033[4~");
	assert_true(t.offset > 1000);
	FEED(&t, "\033[1~");
	assert_int_equal(t.offset, 0);
	FEED(&t, "\033OF");
	FEED(&t, "\033OH");
	assert_int_equal(t.offset, 0);
	/* An unknown sequence (F5, Right) is skipped whole, its letters not keys. */
	assert_int_equal(FEED(&t, "\033[15~\033[C"), 0);
	assert_int_equal(t.sort, TOP_SORT_NAME);
	assert_int_equal(FEED(&t, "\033[1;5q"), 0);   /* not q */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_quit),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_scroll),
	};
	return cmocka_run_group_tests_name("top_keys", tests, NULL, NULL);
}
