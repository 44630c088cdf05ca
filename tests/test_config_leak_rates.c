/* SPDX-License-Identifier: MIT */
/*
 * test_config_leak_rates.c: config_load() on the leak keys of issue 20:
 * leak.grace, and the rates per series (min_growth, min_growth_threads,
 * min_growth_memory, fast_growth, fast_growth_threads,
 * fast_growth_memory): their defaults, their units (/s, /min, /h; K, M, G,
 * KiB, MiB, GiB for memory), min_growth alone setting threads too, and an
 * error naming the key for each bad value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_leak_rates.XXXXXX"
#include "config/config.h"
#include "config/config_leak.h"
#include "config_test_util.h"
#include "basic/macro.h"

#define MIB (1024.0 * 1024.0)

static const struct service_leak_config *leak_of(struct config *c)
{
	return &c->services[0].leak;
}

static void test_defaults(void **state)
{
	struct loaded l;
	const struct service_leak_config *d = config_leak_defaults(), *lc;

	(void)state;
	lc = leak_of(expect_valid(&l, "defaults", WEB("")));
	assert_int_equal(lc->grace_ms, 120000);
	assert_true(lc->min_growth[0] == 60 && lc->min_growth[1] == 60 && lc->min_growth[2] == 64 * MIB);
	assert_true(lc->fast_growth[0] == 0.6 * 3600 && lc->fast_growth[1] == 0.3 * 3600);
	assert_true(lc->fast_growth[2] == 1.2 * MIB * 3600);
	assert_memory_equal(lc, d, sizeof(*lc));
	loaded_done(&l);
}

static void test_units(void **state)
{
	static const struct {
		const char *key, *text;
		int series;
		bool fast;
		double want;
	} cases[] = {
		{ "min_growth", "1/min", 0, false, 60 },
		{ "min_growth", "0.5/s", 0, false, 1800 },
		{ "min_growth", "12.5/h", 0, false, 12.5 },
		{ "min_growth_threads", "2/min", 1, false, 120 },
		{ "min_growth_memory", "64MiB/h", 2, false, 64 * MIB },
		{ "min_growth_memory", "100K/s", 2, false, 100 * 1024.0 * 3600 },
		{ "min_growth_memory", "1GiB/h", 2, false, 1024 * MIB },
		{ "min_growth_memory", "1000000", 2, false, 1e6 },
		{ "fast_growth", "2/s", 0, true, 7200 },
		{ "fast_growth_threads", "30/min", 1, true, 1800 },
		{ "fast_growth_memory", "1.5M/s", 2, true, 1.5 * MIB * 3600 },
	};
	struct loaded l;
	char text[256];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		snprintf(text, sizeof(text), WEB("    leak: {%s: %s}\n"), cases[i].key, cases[i].text);
		const struct service_leak_config *lc = leak_of(expect_valid(&l, cases[i].key, text));
		double got = (cases[i].fast ? lc->fast_growth : lc->min_growth)[cases[i].series];
		if (got != cases[i].want)
			fail_msg("%s: %s gave %f, want %f", cases[i].key, cases[i].text, got, cases[i].want);
		loaded_done(&l);
	}
}

/* min_growth alone sets threads too (as it always did); with
 * min_growth_threads, each its own. */
static void test_threads_follow_fds(void **state)
{
	struct loaded l;
	const struct service_leak_config *lc;

	(void)state;
	lc = leak_of(expect_valid(&l, "alone", WEB("    leak: {min_growth: 120/h}\n")));
	assert_true(lc->min_growth[0] == 120 && lc->min_growth[1] == 120);
	loaded_done(&l);
	lc = leak_of(expect_valid(&l, "both", WEB("    leak: {min_growth: 120/h, min_growth_threads: 30/h}\n")));
	assert_true(lc->min_growth[0] == 120 && lc->min_growth[1] == 30);
	loaded_done(&l);
	lc = leak_of(expect_valid(&l, "grace", WEB("    leak: {grace: 0s}\n")));
	assert_int_equal(lc->grace_ms, 0);
	loaded_done(&l);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("grace_big", WEB("    leak: {grace: 2h}\n"), "services.web.leak.grace:");
	expect_error("grace_bad", WEB("    leak: {grace: soon}\n"), "services.web.leak.grace:");
	expect_error("unit_on_fds", WEB("    leak: {fast_growth: 1MiB/s}\n"),
		     "services.web.leak.fast_growth: \"1MiB/s\" is not a number per hour");
	expect_error("per_day", WEB("    leak: {min_growth_memory: 1M/d}\n"),
		     "services.web.leak.min_growth_memory: \"1M/d\" is not bytes per hour");
	expect_error("mem_zero", WEB("    leak: {fast_growth_memory: 0K/s}\n"),
		     "services.web.leak.fast_growth_memory: must be greater than 0");
	expect_error("mem_big", WEB("    leak: {min_growth_memory: 2048GiB/h}\n"),
		     "services.web.leak.min_growth_memory: 2048GiB/h exceeds the maximum of 1T per hour");
	expect_error("threads_big", WEB("    leak: {fast_growth_threads: 300/s}\n"),
		     "services.web.leak.fast_growth_threads: 300/s exceeds the maximum of 1000000 per hour");
	expect_error("threads_neg", WEB("    leak: {min_growth_threads: -1}\n"),
		     "services.web.leak.min_growth_threads: \"-1\" is not a number per hour");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_threads_follow_fds),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
