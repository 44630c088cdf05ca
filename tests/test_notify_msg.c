/* SPDX-License-Identifier: MIT */
/*
 * test_notify_msg.c: the sd_notify payload parser (basic/notify_msg.c,
 * issue 13). Every key, in combination; bad values and unknown keys are
 * counted without spoiling the rest; a NUL or an oversized message is
 * refused whole; STATUS= is cut at a character and made printable UTF-8.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "basic/notify_msg.h"
#include "basic/utf8.h"

#define LIT(s) s, sizeof(s) - 1

/* Parses a literal, expecting success. */
static struct notify_msg parse(const char *s, size_t n)
{
	struct notify_msg m;
	memset(&m, 0x5a, sizeof(m));
	assert_int_equal(notify_msg_parse(s, n, &m), 0);
	return m;
}

static void assert_nothing_set(const struct notify_msg *m)
{
	assert_false(m->ready || m->reloading || m->stopping || m->watchdog_ping || m->watchdog_trigger);
	assert_false(m->has_status || m->has_mainpid || m->has_watchdog_usec || m->has_extend_usec ||
		     m->has_errno);
}

static void test_empty(void **state)
{
	(void)state;
	struct notify_msg m = parse(LIT(""));
	assert_nothing_set(&m);
	assert_int_equal(m.unknown_keys + m.ignored_keys + m.bad_values, 0);
	m = parse(LIT("\n\n\n"));
	assert_nothing_set(&m);
	assert_int_equal(m.unknown_keys + m.ignored_keys + m.bad_values, 0);
	assert_int_equal(notify_msg_parse(NULL, 0, &m), 0);
	assert_nothing_set(&m);
}

static void test_flags(void **state)
{
	(void)state;
	struct notify_msg m = parse(LIT("READY=1"));
	assert_true(m.ready);
	assert_false(m.reloading || m.stopping || m.watchdog_ping || m.watchdog_trigger);
	m = parse(LIT("RELOADING=1\n"));
	assert_true(m.reloading && !m.ready);
	m = parse(LIT("STOPPING=1"));
	assert_true(m.stopping && !m.ready);
	m = parse(LIT("WATCHDOG=1"));
	assert_true(m.watchdog_ping && !m.watchdog_trigger);
	m = parse(LIT("WATCHDOG=trigger"));
	assert_true(m.watchdog_trigger && !m.watchdog_ping);
	assert_int_equal(m.unknown_keys + m.ignored_keys + m.bad_values, 0);
}

static void test_numbers(void **state)
{
	(void)state;
	struct notify_msg m = parse(LIT("MAINPID=4242\nWATCHDOG_USEC=30000000\n"
					"EXTEND_TIMEOUT_USEC=5000000\nERRNO=2"));
	assert_true(m.has_mainpid && m.has_watchdog_usec && m.has_extend_usec && m.has_errno);
	assert_int_equal(m.mainpid, 4242);
	assert_int_equal(m.watchdog_usec, 30000000);
	assert_int_equal(m.extend_usec, 5000000);
	assert_int_equal(m.errno_value, 2);
	assert_int_equal(m.bad_values, 0);

	m = parse(LIT("WATCHDOG_USEC=18446744073709551615\nEXTEND_TIMEOUT_USEC=0\nERRNO=0\n"
		      "MAINPID=2147483647"));
	assert_true(m.watchdog_usec == UINT64_MAX);
	assert_true(m.has_extend_usec && m.extend_usec == 0);
	assert_true(m.has_errno && m.errno_value == 0);
	assert_int_equal(m.mainpid, 2147483647);
	m = parse(LIT("MAINPID=007\nERRNO=4095"));   /* still decimal */
	assert_int_equal(m.mainpid, 7);
	assert_int_equal(m.errno_value, 4095);
	assert_int_equal(m.bad_values, 0);
}

/* Each line alone: a bad value of its key, counted, nothing set. */
static void test_bad_values(void **state)
{
	static const char *const bad[] = {
		"READY=0", "READY=", "READY=11", "READY=1 ", "READY=true", "READY=1\r",
		"RELOADING=yes", "STOPPING=2", "WATCHDOG=0", "WATCHDOG=Trigger", "WATCHDOG=",
		"MAINPID=0", "MAINPID=-1", "MAINPID=+5", "MAINPID= 5", "MAINPID=5x", "MAINPID=",
		"MAINPID=2147483648", "MAINPID=0x10",
		"WATCHDOG_USEC=18446744073709551616", "WATCHDOG_USEC=99999999999999999999999",
		"WATCHDOG_USEC=1.5", "WATCHDOG_USEC=-0", "EXTEND_TIMEOUT_USEC=1e6",
		"EXTEND_TIMEOUT_USEC=", "ERRNO=4096", "ERRNO=-2", "ERRNO=EIO",
		"READY", "no equals sign at all", "STATUS",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct notify_msg m = parse(bad[i], strlen(bad[i]));
		if (m.bad_values != 1)
			fail_msg("%s: bad_values %u", bad[i], m.bad_values);
		assert_nothing_set(&m);
		assert_int_equal(m.unknown_keys + m.ignored_keys, 0);
	}
}

static void test_unknown_and_ignored(void **state)
{
	(void)state;
	struct notify_msg m = parse(LIT("X_MY_KEY=1\nready=1\nREADY_=1\n=1\nFDSTORE=1\n"
					"FDNAME=sock\nBARRIER=1\nMONOTONIC_USEC=12\nREADY=1"));
	assert_true(m.ready);
	assert_int_equal(m.unknown_keys, 4);
	assert_int_equal(m.ignored_keys, 4);
	assert_int_equal(m.bad_values, 0);
}

/* Bad lines, unknown keys and good lines mixed: the good ones count. */
static void test_combined(void **state)
{
	(void)state;
	struct notify_msg m = parse(LIT("READY=1\nSTATUS=serving 3 clients\nMAINPID=abc\n"
					"\nFOO=bar\nWATCHDOG=1\nSTOPPING=no\nERRNO=5\n"));
	assert_true(m.ready && m.watchdog_ping);
	assert_false(m.stopping || m.has_mainpid);
	assert_string_equal(m.status, "serving 3 clients");
	assert_true(m.has_errno && m.errno_value == 5);
	assert_int_equal(m.bad_values, 2);
	assert_int_equal(m.unknown_keys, 1);
}

/* As systemd: a flag is set by any line saying so; a valued key takes its
 * first line, even when that one is bad. */
static void test_repeats(void **state)
{
	(void)state;
	struct notify_msg m = parse(LIT("READY=0\nREADY=1\nSTATUS=first\nSTATUS=second\n"
					"MAINPID=x\nMAINPID=9\nERRNO=3\nERRNO=4"));
	assert_true(m.ready);
	assert_string_equal(m.status, "first");
	assert_false(m.has_mainpid);
	assert_int_equal(m.errno_value, 3);
	assert_int_equal(m.bad_values, 2);   /* READY=0, MAINPID=x */
}

static void test_nul_rejected(void **state)
{
	struct notify_msg m;
	(void)state;
	memset(&m, 0x5a, sizeof(m));
	assert_int_equal(notify_msg_parse(LIT("READY=1\0STOPPING=1"), &m), -EBADMSG);
	assert_int_equal(notify_msg_parse(LIT("STATUS=a\0b"), &m), -EBADMSG);
	assert_int_equal(notify_msg_parse(LIT("\0"), &m), -EBADMSG);
	assert_int_equal(notify_msg_parse(LIT("READY=1\n\0"), &m), -EBADMSG);
	/* Untouched on failure. */
	assert_int_equal(m.mainpid, 0x5a5a5a5a);
}

static void test_size_bound(void **state)
{
	char *buf = malloc(NOTIFY_MSG_MAX + 1);
	struct notify_msg m;
	(void)state;

	assert_non_null(buf);
	/* READY=1, then a STATUS line filling the message to exactly the limit. */
	memcpy(buf, "READY=1\nSTATUS=", 15);
	memset(buf + 15, 'x', NOTIFY_MSG_MAX + 1 - 15);
	assert_int_equal(notify_msg_parse(buf, NOTIFY_MSG_MAX, &m), 0);
	assert_true(m.ready);
	assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX);
	memset(&m, 0x5a, sizeof(m));
	assert_int_equal(notify_msg_parse(buf, NOTIFY_MSG_MAX + 1, &m), -EMSGSIZE);
	assert_int_equal(m.mainpid, 0x5a5a5a5a);
	free(buf);
}

static void test_status_plain(void **state)
{
	(void)state;
	struct notify_msg m = parse(LIT("STATUS="));
	assert_true(m.has_status);   /* an empty status clears the old one */
	assert_string_equal(m.status, "");
	m = parse(LIT("STATUS=caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 a=b"));
	assert_string_equal(m.status, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 a=b");
	assert_int_equal(m.bad_values, 0);
}

static void test_status_sanitised(void **state)
{
	(void)state;
	/* Invalid UTF-8: one U+FFFD per byte. */
	struct notify_msg m = parse(LIT("STATUS=a\xff" "b\xc3\n"));
	assert_string_equal(m.status, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	m = parse(LIT("STATUS=\xc0\xaf\xed\xa0\x80"));   /* overlong, surrogate */
	assert_true(utf8_valid(m.status, strlen(m.status)));
	assert_null(strchr(m.status, '\xc0'));
	/* A terminal escape, CR, BEL, DEL and a C1 CSI: never reach a terminal. */
	m = parse(LIT("STATUS=\x1b[2Jwiped\rover\a\x7f\xc2\x9b" "1m"));
	assert_string_equal(m.status, "\xef\xbf\xbd[2Jwiped\xef\xbf\xbdover\xef\xbf\xbd\xef\xbf\xbd"
				      "\xef\xbf\xbd" "1m");
	/* A tab reads as a space; U+00A0 (after the C1 range) is kept. */
	m = parse(LIT("STATUS=a\tb\xc2\xa0" "c"));
	assert_string_equal(m.status, "a b\xc2\xa0" "c");
}

/* Cut to NOTIFY_STATUS_MAX bytes, never inside a character. */
static void test_status_truncated(void **state)
{
	char buf[1024], out[NOTIFY_STATUS_MAX + 1];
	size_t o = 0;
	(void)state;

	o += (size_t)sprintf(buf, "STATUS=");
	for (int i = 0; i < 200; i++)
		o += (size_t)sprintf(buf + o, "\xe2\x82\xac");   /* 3 bytes each */
	struct notify_msg m = parse(buf, o);
	assert_int_equal(strlen(m.status), 255);             /* 85 whole euros */
	assert_true(utf8_valid(m.status, strlen(m.status)));

	/* One ASCII byte first: 254 would split a euro, so 253. */
	o = (size_t)sprintf(buf, "STATUS=x");
	for (int i = 0; i < 200; i++)
		o += (size_t)sprintf(buf + o, "\xe2\x82\xac");
	m = parse(buf, o);
	assert_int_equal(strlen(m.status), 253);
	assert_true(utf8_valid(m.status, strlen(m.status)));

	/* Replacements grow the text; the cut still holds. */
	memset(buf, 0xff, 300);
	assert_int_equal(notify_status_sanitise(buf, 300, out, sizeof(out)), 255);
	assert_true(utf8_valid(out, 255));
	assert_int_equal(notify_status_sanitise(buf, 300, out, 3), 0);
	assert_int_equal(notify_status_sanitise(buf, 300, out, 4), 3);
	assert_int_equal(notify_status_sanitise("abc", 3, out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_unknown_and_ignored),
		cmocka_unit_test(test_combined),
		cmocka_unit_test(test_repeats),
		cmocka_unit_test(test_nul_rejected),
		cmocka_unit_test(test_size_bound),
		cmocka_unit_test(test_status_plain),
		cmocka_unit_test(test_status_sanitised),
		cmocka_unit_test(test_status_truncated),
	};
	return cmocka_run_group_tests_name("notify message", tests, NULL, NULL);
}
