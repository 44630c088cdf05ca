/* SPDX-License-Identifier: MIT */
/*
 * test_instance_memory.c: what the daemon holds for every instance, kept
 * small (issue 18: Pss per instance under 4 KiB at 1000 instances;
 * docs/design.md, "Memory per instance"). Each bound here is one that a
 * change could lose without any other test noticing: the leak history
 * allocated at its full window before it has samples to fill it, a log
 * file's name kept in a fixed array whether the stream has a file or not,
 * a sockaddr_storage in every check of every service's config.
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "logs/logstream.h"
#include "policy/instance.h"
#include "policy/leak.h"

/* The default leak watch: a 10 min window sampled every 5 s. */
#define DEFAULT_CAP (600 / 5 + 2)

/* An instance sampled once holds a few samples, not the window's 122
 * (1952 bytes, a third of the heap per instance at 1000 instances); the
 * ring still keeps the whole window once it has it, in order, across
 * every growth. */
static void test_leak_ring_grows_as_filled(void **state)
{
	(void)state;
	struct leak_history h = { 0 };
	struct leak_point p = { .t_ms = 1000, .fds = 3, .threads = 1, .memory = 4096 };

	assert_int_equal(leak_history_init(&h, DEFAULT_CAP), 0);
	leak_history_add(&h, &p);
	assert_true(malloc_usable_size(h.s) <= 16 * sizeof(struct leak_sample));
	for (uint32_t i = 1; i < 3 * DEFAULT_CAP; i++) {
		p.t_ms = 1000 + 5000ULL * i;
		p.fds = 3 + i;
		leak_history_add(&h, &p);
		assert_int_equal(leak_history_len(&h), MIN(i + 1, (uint32_t)DEFAULT_CAP));
	}
	assert_true(malloc_usable_size(h.s) >= DEFAULT_CAP * sizeof(struct leak_sample));
	for (size_t i = 0; i < DEFAULT_CAP; i++) {
		uint32_t k = 3 * DEFAULT_CAP - DEFAULT_CAP + (uint32_t)i;
		assert_int_equal(leak_history_value(&h, i, LEAK_FDS), 3 + k);
		assert_int_equal(leak_history_t_ms(&h, i), 1000 + 5000ULL * k);
	}
	/* Evicted samples still count as levels visited. */
	assert_true(h.evicted);
	assert_int_equal(h.evicted_max[LEAK_FDS], 3 + 2 * DEFAULT_CAP - 1);
	leak_history_done(&h);
}

/* A reset ring (a restart) starts again at the front of what it has. */
static void test_leak_ring_reset_keeps_order(void **state)
{
	(void)state;
	struct leak_history h = { 0 };
	struct leak_point p = { .t_ms = 1, .fds = 1 };

	assert_int_equal(leak_history_init(&h, 20), 0);
	for (int i = 0; i < 12; i++)
		leak_history_add(&h, &p);
	leak_history_reset(&h);
	for (uint32_t i = 0; i < 25; i++) {
		p.t_ms = 100 + i;
		p.fds = i;
		leak_history_add(&h, &p);
	}
	assert_int_equal(leak_history_len(&h), 20);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(leak_history_value(&h, i, LEAK_FDS), 5 + i);
	leak_history_done(&h);
}

/* Every stream carries these whether it ever sees a byte or not: the
 * buffers (ring, staging, tail) are allocated on the first byte, the
 * file's name only when it has a file. 560 bytes: what it is today
 * (544 on x86-64) and a little room; 784 with the name in an array. */
static void test_logstream_size(void **state)
{
	(void)state;
	assert_true(sizeof(struct logstream) <= 560);
	assert_true(sizeof(struct logfile) <= 80);
}

/* A readiness and a health check in every service's config, configured or
 * not: the parsed address needs a sockaddr_in6 at most (netaddr.h takes
 * IPv4 and IPv6 only), not a sockaddr_storage (200 bytes a check with it). */
static void test_check_config_size(void **state)
{
	(void)state;
	assert_true(sizeof(((struct check_config *)0)->addr) >= sizeof(struct sockaddr_in6));
	assert_true(sizeof(struct check_config) <= 104);
}

/* Every instance, whatever it runs: the last exit's cause is static text
 * or allocated when it carries an error's text, not a 128-byte array
 * (680 bytes with it). 568 on x86-64 today, with a little room. */
static void test_instance_size(void **state)
{
	(void)state;
	assert_true(sizeof(struct instance) <= 584);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leak_ring_grows_as_filled),
		cmocka_unit_test(test_leak_ring_reset_keeps_order),
		cmocka_unit_test(test_logstream_size),
		cmocka_unit_test(test_check_config_size),
		cmocka_unit_test(test_instance_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
