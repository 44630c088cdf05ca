/* SPDX-License-Identifier: MIT */
/*
 * test_idmap.c: the pid and name map against a plain array doing the same
 * puts and removes: random churn (which exercises the backward shift at
 * every position of a run, wrapping at the table's end), keys that collide
 * on one home slot, replacement, removal guarded by the value, and growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "basic/idmap.h"
#include "xorshift.h"

#define KEYS 512

static void check_all(const struct idmap *m, void *const *want)
{
	size_t n = 0;

	for (uint64_t k = 0; k < KEYS; k++) {
		assert_ptr_equal(idmap_get(m, k * 7919), want[k]);
		n += want[k] != NULL;
	}
	assert_int_equal(m->n, n);
	assert_true(m->n * 2 <= m->cap);
}

static void test_churn_matches_array(void **state)
{
	static char cells[KEYS];
	void *want[KEYS] = { 0 };
	struct idmap m = { 0 };
	uint64_t seed = 42;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		uint64_t k = xorshift64(&seed) % KEYS;
		if (xorshift64(&seed) % 3) {
			assert_int_equal(idmap_put(&m, k * 7919, &cells[k]), 0);
			want[k] = &cells[k];
		} else {
			assert_ptr_equal(idmap_remove(&m, k * 7919, NULL), want[k]);
			want[k] = NULL;
		}
		if (round % 1000 == 0)
			check_all(&m, want);
	}
	check_all(&m, want);
	idmap_done(&m);
}

/* Keys that differ only above what picks the slot land in one run. */
static void test_one_home_run(void **state)
{
	static char cells[40];
	struct idmap m = { 0 };

	(void)state;
	assert_int_equal(idmap_put(&m, 1, &cells[0]), 0);
	size_t home = (size_t)((UINT64_C(1) * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (m.cap - 1);
	uint64_t keys[40];
	size_t n = 0;
	/* Search keys sharing key 1's home slot in a 64-slot table. */
	for (uint64_t k = 2; n < 20; k++)
		if ((((k * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & 63) == home)
			keys[n++] = k;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(idmap_put(&m, keys[i], &cells[i + 1]), 0);
	assert_int_equal(m.cap, 64);
	/* Remove from the middle of the run: the later ones stay reachable. */
	for (size_t i = 0; i < n; i += 2)
		assert_ptr_equal(idmap_remove(&m, keys[i], &cells[i + 1]), &cells[i + 1]);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(idmap_get(&m, keys[i]), i % 2 ? &cells[i + 1] : NULL);
	assert_ptr_equal(idmap_get(&m, 1), &cells[0]);
	idmap_done(&m);
}

static void test_replace_and_guarded_remove(void **state)
{
	char a, b;
	struct idmap m = { 0 };

	(void)state;
	assert_null(idmap_get(&m, 5));
	assert_null(idmap_remove(&m, 5, NULL));
	assert_int_equal(idmap_put(&m, 5, &a), 0);
	assert_int_equal(idmap_put(&m, 5, &b), 0);
	assert_int_equal(m.n, 1);
	/* An instance that lost its pid to another never removes the other. */
	assert_null(idmap_remove(&m, 5, &a));
	assert_ptr_equal(idmap_get(&m, 5), &b);
	assert_ptr_equal(idmap_remove(&m, 5, &b), &b);
	assert_int_equal(m.n, 0);
	idmap_clear(&m);
	idmap_done(&m);
}

static void test_growth_keeps_everything(void **state)
{
	static char cells[20000];
	struct idmap m = { 0 };

	(void)state;
	for (uint64_t k = 0; k < 20000; k++)
		assert_int_equal(idmap_put(&m, k + 1, &cells[k]), 0);
	assert_int_equal(m.n, 20000);
	assert_int_equal(m.cap, 65536);
	for (uint64_t k = 0; k < 20000; k++)
		assert_ptr_equal(idmap_get(&m, k + 1), &cells[k]);
	idmap_clear(&m);
	assert_null(idmap_get(&m, 1));
	idmap_done(&m);
}

static void test_string_hash(void **state)
{
	(void)state;
	/* FNV-1a's published vectors. */
	assert_true(idmap_hash_string("") == UINT64_C(0xcbf29ce484222325));
	assert_true(idmap_hash_string("a") == UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(idmap_hash_string("web") != idmap_hash_string("weB"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_churn_matches_array),
		cmocka_unit_test(test_one_home_run),
		cmocka_unit_test(test_replace_and_guarded_remove),
		cmocka_unit_test(test_growth_keeps_everything),
		cmocka_unit_test(test_string_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
