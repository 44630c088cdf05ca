/* SPDX-License-Identifier: MIT */
/*
 * test_backoff.c: the restart delay and the crash-loop breaker as pure
 * functions. The delay is checked against a reference model written here
 * (min(max, initial * 2^n) without overflow, then "equal jitter" into
 * [d - d/2, d]); the breaker against "more than max_restarts restarts with
 * now - t < window opens it". ASan runs check that the ring is freed and
 * that reallocation on a new max_restarts stays in bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "xorshift.h"

#include "policy/backoff.h"

/* min(max, initial * 2^n), computed without ever multiplying. */
static uint64_t ref_delay(uint64_t initial, uint64_t max, unsigned n)
{
	if (initial == 0)
		return 0;
	if (initial >= max || n >= 64 || initial > (max >> n))
		return max;
	return initial << n;
}

/* d's jitter range is [d - d/2, d]: rnd == 0 gives the low end and
 * rnd == d/2 the high end (rnd is reduced modulo d/2 + 1). */
static uint64_t low_end(uint64_t d)
{
	return d - d / 2;
}

static void assert_jittered(uint64_t v, uint64_t d)
{
	assert_true(v >= low_end(d));
	assert_true(v <= d);
	/* The documented bound, [d/2, d], follows from the one above. */
	assert_true(v >= d / 2);
}

static void test_delay_n0_range(void **state)
{
	(void)state;
	static const uint32_t rnds[] = { 0, 1, 2, 49, 50, 51, 100, 12345, 0x7fffffff, UINT32_MAX };

	for (size_t i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
		uint64_t v = backoff_delay_ms(100, 30000, 0, rnds[i]);
		assert_true(v >= 50 && v <= 100);
		/* Odd initial: the low end rounds up, never below initial/2. */
		v = backoff_delay_ms(101, 30000, 0, rnds[i]);
		assert_true(v >= 51 && v <= 101);
	}
	assert_int_equal(backoff_delay_ms(100, 30000, 0, 0), 50);
	assert_int_equal(backoff_delay_ms(100, 30000, 0, 50), 100);
}

static void test_delay_doubling(void **state)
{
	(void)state;
	uint64_t expect = 100;

	/* 100, 200, ..., 25600; 51200 would pass the cap of 30000. */
	for (unsigned n = 0; n <= 8; n++, expect *= 2) {
		assert_int_equal(backoff_delay_ms(100, 30000, n, 0), expect / 2);
		assert_int_equal(backoff_delay_ms(100, 30000, n, (uint32_t)(expect / 2)), expect);
		/* One past the top wraps around to the low end. */
		assert_int_equal(backoff_delay_ms(100, 30000, n, (uint32_t)(expect / 2 + 1)), expect / 2);
	}
	/* Each step's high end is exactly twice the last one's. */
	for (unsigned n = 1; n <= 8; n++) {
		assert_int_equal(ref_delay(3, 1000000, n), 2 * ref_delay(3, 1000000, n - 1));
		assert_int_equal(backoff_delay_ms(3, 1000000, n, (uint32_t)(ref_delay(3, 1000000, n) / 2)),
				 ref_delay(3, 1000000, n));
	}
}

static void test_delay_capped(void **state)
{
	(void)state;

	for (unsigned n = 9; n < 200; n++) {
		assert_int_equal(backoff_delay_ms(100, 30000, n, 0), 15000);
		assert_int_equal(backoff_delay_ms(100, 30000, n, 15000), 30000);
		assert_jittered(backoff_delay_ms(100, 30000, n, UINT32_MAX), 30000);
	}
	/* A cap that is not a power-of-two multiple of initial is still hit exactly. */
	assert_int_equal(backoff_delay_ms(7, 1000, 20, 500), 1000);
	/* initial above max (config forbids it, the function clamps). */
	assert_int_equal(backoff_delay_ms(5000, 1000, 0, 500), 1000);
	assert_int_equal(backoff_delay_ms(5000, 1000, 3, 0), 500);
	/* max 0 means no delay at all. */
	assert_int_equal(backoff_delay_ms(100, 0, 0, 0), 0);
	assert_int_equal(backoff_delay_ms(100, 0, 5, UINT32_MAX), 0);
}

static void test_delay_saturation(void **state)
{
	(void)state;
	static const unsigned ns[] = { 0, 1, 2, 31, 32, 63, 64, 65, 100, 1000, 100000, UINT32_MAX };

	/* The config's ceilings: one hour, any number of restarts. */
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		uint64_t v = backoff_delay_ms(3600000, 3600000, ns[i], 0);
		assert_int_equal(v, 1800000);
		v = backoff_delay_ms(3600000, 3600000, ns[i], 1800000);
		assert_int_equal(v, 3600000);
		assert_jittered(backoff_delay_ms(3600000, 3600000, ns[i], UINT32_MAX), 3600000);
		assert_jittered(backoff_delay_ms(1, 3600000, ns[i], UINT32_MAX),
				ref_delay(1, 3600000, ns[i]));
	}
	/* Beyond the config: the whole uint64_t range, where a naive d * 2 or
	 * d + rnd would wrap. */
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		uint64_t v = backoff_delay_ms(UINT64_MAX, UINT64_MAX, ns[i], 0);
		assert_true(v == UINT64_MAX - UINT64_MAX / 2);
		v = backoff_delay_ms(UINT64_MAX, UINT64_MAX, ns[i], UINT32_MAX);
		assert_jittered(v, UINT64_MAX);
		v = backoff_delay_ms(UINT64_MAX / 2 + 1, UINT64_MAX, ns[i], UINT32_MAX);
		assert_jittered(v, ref_delay(UINT64_MAX / 2 + 1, UINT64_MAX, ns[i]));
		v = backoff_delay_ms(3, UINT64_MAX, ns[i], UINT32_MAX);
		assert_jittered(v, ref_delay(3, UINT64_MAX, ns[i]));
	}
	/* 1 << 63 is the last power of two below the cap. */
	assert_int_equal(backoff_delay_ms(1, UINT64_MAX, 63, 0), (1ULL << 63) - (1ULL << 62));
	assert_true(backoff_delay_ms(1, UINT64_MAX, 64, 0) == UINT64_MAX - UINT64_MAX / 2);
}

static void test_delay_zero_initial(void **state)
{
	(void)state;
	static const unsigned ns[] = { 0, 1, 10, 64, 1000, 1000000 };
	static const uint32_t rnds[] = { 0, 1, 12345, UINT32_MAX };

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (size_t j = 0; j < sizeof(rnds) / sizeof(rnds[0]); j++) {
			assert_int_equal(backoff_delay_ms(0, 30000, ns[i], rnds[j]), 0);
			assert_int_equal(backoff_delay_ms(0, 0, ns[i], rnds[j]), 0);
		}
	/* A 1 ms delay has no room for jitter. */
	assert_int_equal(backoff_delay_ms(1, 1, 0, UINT32_MAX), 1);
	assert_int_equal(backoff_delay_ms(1, 1, 5, 0), 1);
}

static void test_delay_rnd_ends(void **state)
{
	(void)state;

	/* rnd = 0 is always the low end. */
	for (unsigned n = 0; n < 40; n++) {
		uint64_t d = ref_delay(250, 3600000, n);
		assert_int_equal(backoff_delay_ms(250, 3600000, n, 0), low_end(d));
	}
	/* Large rnd values stay in range, and every value of the range is
	 * reachable: rnd = 0..d/2 maps one to one onto [d - d/2, d]. */
	assert_jittered(backoff_delay_ms(100, 30000, 0, UINT32_MAX), 100);
	assert_jittered(backoff_delay_ms(100, 30000, 0, UINT32_MAX - 1), 100);
	assert_jittered(backoff_delay_ms(1000, 30000, 4, UINT32_MAX), 16000);
	uint8_t seen[101] = { 0 };
	for (uint32_t rnd = 0; rnd <= 50; rnd++) {
		uint64_t v = backoff_delay_ms(100, 30000, 0, rnd);
		assert_int_equal(v, 50 + rnd);
		seen[v]++;
	}
	for (unsigned v = 50; v <= 100; v++)
		assert_int_equal(seen[v], 1);
	/* Different large rnd values do not all land on one value. */
	uint64_t a = backoff_delay_ms(100000, 3600000, 0, UINT32_MAX);
	uint64_t b = backoff_delay_ms(100000, 3600000, 0, UINT32_MAX - 1);
	uint64_t c = backoff_delay_ms(100000, 3600000, 0, UINT32_MAX - 2);
	assert_true(a != b && b != c && a != c);
}

static void test_delay_jitter_bounds(void **state)
{
	(void)state;
	static const uint64_t inits[] = { 1, 2, 3, 7, 100, 250, 1000, 3600000, 1ULL << 40, UINT64_MAX / 3 };
	static const uint64_t maxes[] = { 1, 2, 5, 1000, 30000, 3600000, 1ULL << 50, UINT64_MAX };
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++)
		for (size_t j = 0; j < sizeof(maxes) / sizeof(maxes[0]); j++)
			for (unsigned n = 0; n < 70; n++) {
				uint64_t d = ref_delay(inits[i], maxes[j], n);
				for (int k = 0; k < 20; k++) {
					uint32_t rnd = (uint32_t)xorshift64(&seed);
					assert_jittered(backoff_delay_ms(inits[i], maxes[j], n, rnd), d);
				}
				assert_int_equal(backoff_delay_ms(inits[i], maxes[j], n, 0), low_end(d));
			}
}

/* ---- breaker ---- */

static void test_breaker_disabled(void **state)
{
	(void)state;
	struct breaker b = { 0 };

	for (int i = 0; i < 1000; i++)
		assert_int_equal(breaker_record(&b, /* max_restarts= */ 0, 1000, 5), 0);
	/* Disabled costs nothing: no ring was allocated. */
	assert_null(b.times);
	assert_int_equal(b.cap, 0);
	breaker_done(&b);
}

static void test_breaker_opens(void **state)
{
	(void)state;
	struct breaker b = { 0 };

	/* Nothing is allocated before the first restart. */
	assert_null(b.times);
	assert_int_equal(breaker_record(&b, 3, 1000, 10000), 0);
	assert_non_null(b.times);
	assert_int_equal(breaker_record(&b, 3, 1000, 10100), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 10200), 0);
	/* The 4th restart within 1000 ms is one more than max_restarts. */
	assert_int_equal(breaker_record(&b, 3, 1000, 10300), 1);
	/* Still within the window: stays open. */
	assert_int_equal(breaker_record(&b, 3, 1000, 10400), 1);
	/* 10100..10400 plus 11050: the oldest of the last four (10200) is
	 * 850 ms back, still open; at 11250 the oldest (10300) is 950 ms back. */
	assert_int_equal(breaker_record(&b, 3, 1000, 11050), 1);
	assert_int_equal(breaker_record(&b, 3, 1000, 11250), 1);
	/* At 11400 the last four are 10400, 11050, 11250, 11400: 1000 ms, closed. */
	assert_int_equal(breaker_record(&b, 3, 1000, 11400), 0);
	breaker_done(&b);
}

static void test_breaker_same_instant(void **state)
{
	(void)state;
	struct breaker b = { 0 };

	assert_int_equal(breaker_record(&b, 1, 1000, 0), 0);
	assert_int_equal(breaker_record(&b, 1, 1000, 0), 1);
	breaker_done(&b);

	/* max_restarts = 1 with a zero window can never open. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(breaker_record(&b, 1, 0, 42), 0);
	breaker_done(&b);
}

static void test_breaker_window_edge(void **state)
{
	(void)state;
	struct breaker b = { 0 };

	/* Four restarts spanning exactly the window: the oldest is outside. */
	assert_int_equal(breaker_record(&b, 3, 1000, 0), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 1), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 2), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 1000), 0);
	breaker_done(&b);

	/* One millisecond less and it is inside. */
	assert_int_equal(breaker_record(&b, 3, 1000, 0), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 1), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 2), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 999), 1);
	breaker_done(&b);
}

static void test_breaker_spread_out(void **state)
{
	(void)state;
	struct breaker b = { 0 };
	uint64_t t = 1000000;

	/* One restart every 400 ms: any four span 1200 ms > the 1000 ms window. */
	for (int i = 0; i < 1000; i++, t += 400)
		assert_int_equal(breaker_record(&b, 3, 1000, t), 0);
	/* Bursts of three separated by more than the window never open either. */
	for (int i = 0; i < 100; i++) {
		t += 1001;
		assert_int_equal(breaker_record(&b, 3, 1000, t), 0);
		assert_int_equal(breaker_record(&b, 3, 1000, t), 0);
		assert_int_equal(breaker_record(&b, 3, 1000, t), 0);
	}
	breaker_done(&b);
}

static void test_breaker_reset(void **state)
{
	(void)state;
	struct breaker b = { 0 };

	for (int i = 0; i < 3; i++)
		assert_int_equal(breaker_record(&b, 3, 1000, 100 + i), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 103), 1);

	uint64_t *ring = b.times;
	breaker_reset(&b);
	/* The ring is kept, the history is gone. */
	assert_ptr_equal(b.times, ring);
	assert_int_equal(b.n, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(breaker_record(&b, 3, 1000, 104 + i), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 107), 1);
	assert_ptr_equal(b.times, ring);

	/* Reset on a breaker that never recorded anything is harmless. */
	struct breaker empty = { 0 };
	breaker_reset(&empty);
	assert_null(empty.times);
	assert_int_equal(breaker_record(&empty, 2, 1000, 0), 0);
	breaker_done(&empty);
	breaker_done(&b);
}

static void test_breaker_resize(void **state)
{
	(void)state;
	struct breaker b = { 0 };

	assert_int_equal(breaker_record(&b, 3, 1000, 0), 0);
	assert_int_equal(breaker_record(&b, 3, 1000, 1), 0);
	assert_int_equal(b.cap, 4);

	/* Growing: a new ring, the old history dropped, six needed to open. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(breaker_record(&b, 5, 1000, 10 + i), 0);
	assert_int_equal(b.cap, 6);
	assert_int_equal(breaker_record(&b, 5, 1000, 20), 1);

	/* Shrinking: three needed to open. */
	assert_int_equal(breaker_record(&b, 2, 1000, 30), 0);
	assert_int_equal(b.cap, 3);
	assert_int_equal(b.n, 1);
	assert_int_equal(breaker_record(&b, 2, 1000, 31), 0);
	assert_int_equal(breaker_record(&b, 2, 1000, 32), 1);
	/* Wrap around the small ring many times (ASan checks the indexing). */
	for (uint64_t t = 5000; t < 5000 + 100 * 600; t += 600)
		assert_int_equal(breaker_record(&b, 2, 1000, t), 0);

	/* A disabled call in between records nothing and keeps the ring, so
	 * re-enabling with the same size keeps the history. */
	uint64_t *ring = b.times;
	assert_int_equal(breaker_record(&b, 2, 1000, 100000), 0);
	assert_int_equal(breaker_record(&b, 2, 1000, 100001), 0);
	assert_int_equal(breaker_record(&b, 0, 1000, 100001), 0);
	assert_ptr_equal(b.times, ring);
	assert_int_equal(b.n, 3);
	assert_int_equal(breaker_record(&b, 2, 1000, 100002), 1);

	/* A large ring, filled and wrapped. */
	for (uint64_t t = 0; t < 3 * 10001; t++)
		assert_int_equal(breaker_record(&b, 10000, 1, 200000 + t * 2), 0);
	assert_int_equal(b.cap, 10001);
	breaker_done(&b);
}

static void test_breaker_done(void **state)
{
	(void)state;
	struct breaker b = { 0 };

	/* Done on an unused breaker, twice. */
	breaker_done(&b);
	breaker_done(&b);
	assert_null(b.times);

	assert_int_equal(breaker_record(&b, 4, 1000, 0), 0);
	assert_non_null(b.times);
	breaker_done(&b);
	assert_null(b.times);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.head, 0);
	breaker_done(&b);

	/* Usable again after done, starting from an empty history. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(breaker_record(&b, 4, 1000, 7), 0);
	assert_int_equal(breaker_record(&b, 4, 1000, 7), 1);
	breaker_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_n0_range),
		cmocka_unit_test(test_delay_doubling),
		cmocka_unit_test(test_delay_capped),
		cmocka_unit_test(test_delay_saturation),
		cmocka_unit_test(test_delay_zero_initial),
		cmocka_unit_test(test_delay_rnd_ends),
		cmocka_unit_test(test_delay_jitter_bounds),
		cmocka_unit_test(test_breaker_disabled),
		cmocka_unit_test(test_breaker_opens),
		cmocka_unit_test(test_breaker_same_instant),
		cmocka_unit_test(test_breaker_window_edge),
		cmocka_unit_test(test_breaker_spread_out),
		cmocka_unit_test(test_breaker_reset),
		cmocka_unit_test(test_breaker_resize),
		cmocka_unit_test(test_breaker_done),
	};
	return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
