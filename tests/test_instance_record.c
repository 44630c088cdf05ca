/* SPDX-License-Identifier: MIT */
/*
 * test_instance_record.c: the text of an instance's record for a later
 * daemon (trusted.ringvisor on its cgroup): what is written is read back
 * whole, and anything else (an older or newer version, a truncated or
 * padded text, a pid of 0, a field out of range) is refused, so that a
 * daemon never adopts on the strength of a record it misreads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy/instance_record.h"

static void test_roundtrip(void **state)
{
	struct instance_record r = {
		.pid = 4194304, .pid_start = 18446744073709551615ULL, .restarts = 4294967295U, .backoff_n = 64,
		.started_ns = 123456789012345ULL, .ready = true, .digest = 0xfedcba9876543210ULL,
		.out_ino = 99, .err_ino = 0,
	}, back;
	char buf[INSTANCE_RECORD_MAX];
	(void)state;

	int n = instance_record_format(&r, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n == strlen(buf));
	assert_int_equal(instance_record_parse(buf, &back), 0);
	assert_int_equal(back.pid, r.pid);
	assert_true(back.pid_start == r.pid_start);
	assert_int_equal(back.restarts, r.restarts);
	assert_int_equal(back.backoff_n, r.backoff_n);
	assert_true(back.started_ns == r.started_ns);
	assert_true(back.ready);
	assert_true(back.digest == r.digest);
	assert_true(back.out_ino == r.out_ino && back.err_ino == r.err_ino);
	r.ready = false;
	r.pid = 1;
	assert_true(instance_record_format(&r, buf, sizeof(buf)) > 0);
	assert_int_equal(instance_record_parse(buf, &back), 0);
	assert_false(back.ready);
	assert_int_equal(back.pid, 1);
	/* Too small a buffer is an error, not a cut record. */
	assert_int_equal(instance_record_format(&r, buf, 20), -ENOBUFS);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"v2 pid=1 start=1 restarts=0 backoff=0 started=1 ready=0 digest=00 out=1 err=0",
		"v1 pid=0 start=1 restarts=0 backoff=0 started=1 ready=0 digest=00 out=1 err=0",
		"v1 pid=-5 start=1 restarts=0 backoff=0 started=1 ready=0 digest=00 out=1 err=0",
		"v1 pid=1 start=1 restarts=0 backoff=0 started=1 ready=2 digest=00 out=1 err=0",
		"v1 pid=1 start=1 restarts=0 backoff=0 started=1 ready=0 digest=00 out=1",
		"v1 pid=1 start=1 restarts=0 backoff=0 started=1 ready=0 digest=00 out=1 err=0 extra",
		"v1 pid=1 start=1 restarts=0 backoff=0 started=1 ready=0 digest=zz out=1 err=0",
		"v1 pid=1",
		"pid=1 start=1 restarts=0 backoff=0 started=1 ready=0 digest=00 out=1 err=0",
	};
	struct instance_record r;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (instance_record_parse(bad[i], &r) != -EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
