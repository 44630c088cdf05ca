/* SPDX-License-Identifier: MIT */
/*
 * test_units.c: durations, sizes and signals as written in the config.
 * Each parser gets every unit, zero, the largest value that fits, the first
 * that does not (-ERANGE), and malformed text (-EINVAL); a failed parse must
 * leave the output untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "basic/macro.h"
#include "basic/units.h"

#define UNTOUCHED 0xdeadbeefULL

static void assert_duration(const char *s, uint64_t want)
{
	uint64_t ms = UNTOUCHED;

	assert_int_equal(parse_duration_ms(s, &ms), 0);
	assert_true(ms == want);
}

static void assert_duration_fails(const char *s, int err)
{
	uint64_t ms = UNTOUCHED;

	assert_int_equal(parse_duration_ms(s, &ms), err);
	assert_true(ms == UNTOUCHED);
}

static void assert_size(const char *s, uint64_t want)
{
	uint64_t b = UNTOUCHED;

	assert_int_equal(parse_size_bytes(s, &b), 0);
	assert_true(b == want);
}

static void assert_size_fails(const char *s, int err)
{
	uint64_t b = UNTOUCHED;

	assert_int_equal(parse_size_bytes(s, &b), err);
	assert_true(b == UNTOUCHED);
}

static void test_duration_units(void **state)
{
	(void)state;
	assert_duration("250ms", 250);
	assert_duration("10s", 10000);
	assert_duration("5m", 300000);
	assert_duration("1h", 3600000);
	assert_duration("24h", 86400000);
	assert_duration("007s", 7000); /* leading zeros are still decimal */
}

static void test_duration_zero(void **state)
{
	(void)state;
	assert_duration("0", 0);
	assert_duration("0ms", 0);
	assert_duration("0s", 0);
	assert_duration("0h", 0);
	/* Only zero may go without a unit. */
	assert_duration_fails("10", -EINVAL);
}

static void test_duration_max_and_overflow(void **state)
{
	(void)state;
	assert_duration("18446744073709551615ms", UINT64_MAX);
	assert_duration_fails("18446744073709551616ms", -ERANGE);
	assert_duration("18446744073709551s", 18446744073709551000ULL);
	assert_duration_fails("18446744073709552s", -ERANGE);
	assert_duration("5124095576030h", 5124095576030ULL * 3600000);
	assert_duration_fails("5124095576031h", -ERANGE);
	assert_duration_fails("99999999999999999999999999h", -ERANGE);
}

static void test_duration_malformed(void **state)
{
	static const char *const bad[] = {
		"", " ", "s", "ms", "-1s", "+1s", " 1s", "1s ", "1 s", "1.5s", "1S", "1MS",
		"1sec", "1d", "1w", "1us", "1hm", "1s1", "0x10s", "abc", "1e3ms", "1m0s",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_duration_fails(bad[i], -EINVAL);
	assert_duration_fails(NULL, -EINVAL);
}

static void test_size_units(void **state)
{
	(void)state;
	assert_size("0", 0);
	assert_size("0K", 0);
	assert_size("512", 512);
	assert_size("64K", 64ULL << 10);
	assert_size("256M", 256ULL << 20);
	assert_size("2G", 2ULL << 30);
	assert_size("3T", 3ULL << 40);
}

static void test_size_max_and_overflow(void **state)
{
	(void)state;
	assert_size("18446744073709551615", UINT64_MAX);
	assert_size_fails("18446744073709551616", -ERANGE);
	assert_size("16777215T", 16777215ULL << 40);
	assert_size_fails("16777216T", -ERANGE);
	assert_size("17179869183G", 17179869183ULL << 30);
	assert_size_fails("17179869184G", -ERANGE);
}

static void test_size_malformed(void **state)
{
	static const char *const bad[] = {
		"", " ", "K", "-1", "+1", " 1K", "1K ", "1 K", "1.5G", "1k", "1KB", "1KiB",
		"1P", "1B", "1KK", "0x10", "abc",
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_size_fails(bad[i], -EINVAL);
	assert_size_fails(NULL, -EINVAL);
}

static void test_signal_names(void **state)
{
	int sig = -1;

	(void)state;
	assert_int_equal(parse_signal("SIGTERM", &sig), 0);
	assert_int_equal(sig, SIGTERM);
	assert_int_equal(parse_signal("TERM", &sig), 0);
	assert_int_equal(sig, SIGTERM);
	assert_int_equal(parse_signal("term", &sig), 0);
	assert_int_equal(sig, SIGTERM);
	assert_int_equal(parse_signal("sigkill", &sig), 0);
	assert_int_equal(sig, SIGKILL);
	assert_int_equal(parse_signal("HUP", &sig), 0);
	assert_int_equal(sig, SIGHUP);
	assert_int_equal(parse_signal("SIGSYS", &sig), 0);
	assert_int_equal(sig, SIGSYS);
	assert_int_equal(parse_signal("SIGUSR2", &sig), 0);
	assert_int_equal(sig, SIGUSR2);
}

static void test_signal_numbers(void **state)
{
	int sig = -1;

	(void)state;
	assert_int_equal(parse_signal("15", &sig), 0);
	assert_int_equal(sig, 15);
	assert_int_equal(parse_signal("1", &sig), 0);
	assert_int_equal(sig, 1);
	/* Real-time signals have no name here but a valid number. */
	assert_int_equal(parse_signal("64", &sig), 0);
	assert_int_equal(sig, SIGRTMAX);
}

static void test_signal_bad(void **state)
{
	static const char *const bad[] = {
		"", "0", "65", "-15", "+15", "15 ", " TERM", "SIG", "SIGFOO", "FOO", "SIGTERMX",
		"15x", "99999999999999999999", "SIG15",
	};
	int sig = 12345;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(parse_signal(bad[i], &sig), -EINVAL);
		assert_int_equal(sig, 12345);
	}
	assert_int_equal(parse_signal(NULL, &sig), -EINVAL);
}

static void test_signal_name(void **state)
{
	(void)state;
	assert_string_equal(signal_name(SIGTERM), "SIGTERM");
	assert_string_equal(signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(signal_name(SIGHUP), "SIGHUP");
	assert_string_equal(signal_name(0), "SIG?");
	assert_string_equal(signal_name(-1), "SIG?");
	assert_string_equal(signal_name(SIGRTMIN + 1), "SIG?");
	assert_string_equal(signal_name(1000), "SIG?");
	/* Every name parses back to its number. */
	for (int s = 1; s < 32; s++) {
		int back = -1;

		if (strcmp(signal_name(s), "SIG?") == 0)
			continue;
		assert_int_equal(parse_signal(signal_name(s), &back), 0);
		assert_int_equal(back, s);
	}
}

static void assert_format(uint64_t ms, const char *want)
{
	char buf[32];

	assert_string_equal(format_duration_ms(ms, buf, sizeof(buf)), want);
}

static void test_format_duration(void **state)
{
	char small[4];

	(void)state;
	assert_format(0, "0");
	assert_format(1, "1ms");
	assert_format(250, "250ms");
	assert_format(999, "999ms");
	assert_format(1000, "1s");
	assert_format(1500, "1.5s");
	assert_format(1234, "1.234s");
	assert_format(10000, "10s");
	assert_format(61000, "61s");  /* not 1.0167m: only exact decimals */
	assert_format(60000, "1m");
	assert_format(90000, "1.5m");
	assert_format(3600000, "1h");
	assert_format(5400000, "1.5h");
	assert_format(3601000, "3601s");
	assert_format(86400000, "24h");
	assert_format(UINT64_MAX, "18446744073709551.615s");
	/* Cut to fit, always terminated. */
	assert_ptr_equal(format_duration_ms(250, small, sizeof(small)), small);
	assert_string_equal(small, "250");
	assert_ptr_equal(format_duration_ms(250, small, 0), small);
}

static void test_format_round_trip(void **state)
{
	static const uint64_t whole[] = { 0, 1, 999, 1000, 59000, 60000, 120000, 3600000, 7200000 };

	(void)state;
	/* Whole units print in a form parse_duration_ms() reads back. */
	for (size_t i = 0; i < ELEMENTSOF(whole); i++) {
		char buf[32];
		uint64_t back = UNTOUCHED;

		assert_int_equal(parse_duration_ms(format_duration_ms(whole[i], buf, sizeof(buf)), &back), 0);
		assert_true(back == whole[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_zero),
		cmocka_unit_test(test_duration_max_and_overflow),
		cmocka_unit_test(test_duration_malformed),
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_max_and_overflow),
		cmocka_unit_test(test_size_malformed),
		cmocka_unit_test(test_signal_names),
		cmocka_unit_test(test_signal_numbers),
		cmocka_unit_test(test_signal_bad),
		cmocka_unit_test(test_signal_name),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_format_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
