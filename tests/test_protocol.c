/* SPDX-License-Identifier: MIT */
/*
 * test_protocol.c: the control protocol's request parser and formatter
 * (include/rv_protocol.h, docs/protocol.md) on what it must accept: every
 * command with its target, count and signal, the bounds of each (and the
 * value just past them, which must be refused), the formatter's round trip
 * through the parser, and the table of command names. Rejections are
 * checked for their error code, a non-empty one-line explanation and an
 * untouched *ret (protocol_test_util.h); malformed and hostile lines are in
 * test_protocol_errors.c. The ASan build checks that nothing leaks on any
 * path.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/protocol.h"
#include "protocol_test_util.h"

static void test_valid_requests(void **state)
{
	(void)state;
	struct rv_request r;

	r = ok("{\"cmd\":\"status\"}");
	assert_req(&r, RV_CMD_STATUS, "", -1, 0, 0);
	r = ok("{\"cmd\":\"status\",\"target\":\"web\"}");
	assert_req(&r, RV_CMD_STATUS, "web", -1, 0, 0);
	r = ok("{\"cmd\":\"status\",\"target\":\"web.1\"}");
	assert_req(&r, RV_CMD_STATUS, "web", 1, 0, 0);
	r = ok("{\"cmd\":\"start\",\"target\":\"web\"}");
	assert_req(&r, RV_CMD_START, "web", -1, 0, 0);
	r = ok("{\"cmd\":\"start\",\"target\":\"web.2\"}");
	assert_req(&r, RV_CMD_START, "web", 2, 0, 0);
	r = ok("{\"cmd\":\"stop\",\"target\":\"a-b_c.0\"}");
	assert_req(&r, RV_CMD_STOP, "a-b_c", 0, 0, 0);
	r = ok("{\"cmd\":\"restart\",\"target\":\"web\"}");
	assert_req(&r, RV_CMD_RESTART, "web", -1, 0, 0);
	r = ok("{\"cmd\":\"scale\",\"target\":\"web\",\"count\":4}");
	assert_req(&r, RV_CMD_SCALE, "web", -1, 4, 0);
	r = ok("{\"cmd\":\"signal\",\"target\":\"web.0\",\"signal\":\"SIGHUP\"}");
	assert_req(&r, RV_CMD_SIGNAL, "web", 0, 0, SIGHUP);
	r = ok("{\"cmd\":\"shutdown\"}");
	assert_req(&r, RV_CMD_SHUTDOWN, "", -1, 0, 0);

	/* Field order and insignificant whitespace do not matter. */
	r = ok("{\"target\":\"web\",\"count\":0,\"cmd\":\"scale\"}");
	assert_req(&r, RV_CMD_SCALE, "web", -1, 0, 0);
	r = ok(" { \"cmd\" : \"restart\" ,\t\"target\" : \"db.7\" } ");
	assert_req(&r, RV_CMD_RESTART, "db", 7, 0, 0);
	/* JSON escapes in values are decoded before the target is checked. */
	r = ok("{\"cmd\":\"stop\",\"target\":\"w\\u0065b\"}");
	assert_req(&r, RV_CMD_STOP, "web", -1, 0, 0);
}

static void test_target_parse(void **state)
{
	(void)state;
	static const struct {
		const char *s, *service;
		int index;
	} good[] = {
		{ "web", "web", -1 },
		{ "web.2", "web", 2 },
		{ "a-b_c.0", "a-b_c", 0 },
		{ "A9", "A9", -1 },
		{ "_", "_", -1 },
		{ "-", "-", -1 },
		{ "web.99999", "web", 99999 },
		{ "0.0", "0", 0 },
	};
	static const char *const bad_targets[] = {
		"", ".1", "web.", "web.x", "web.-1", "web.+1", "web. 1", "web.1 ", " web",
		"we b", "web.1x", "web..1", "web.1.2", "a.b", "web.100000", "web.4294967296",
		"web.18446744073709551617", "web/1", "web:1", "wéb", "web\t", "web\n",
		"web.0x1", "web.1e3",
	};
	char service[RV_PROTO_MAX_NAME + 1];
	int index;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(service, 'Z', sizeof(service));
		index = 1234;
		if (rv_target_parse(good[i].s, service, &index) != 0)
			fail_msg("rv_target_parse(\"%s\") failed", good[i].s);
		assert_string_equal(service, good[i].service);
		assert_int_equal(index, good[i].index);
	}
	for (size_t i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++) {
		strcpy(service, "untouched");
		if (rv_target_parse(bad_targets[i], service, &index) != -EINVAL)
			fail_msg("rv_target_parse(\"%s\") accepted", bad_targets[i]);
		assert_string_equal(service, "untouched");
	}
}

static void test_target_name_length(void **state)
{
	(void)state;
	char service[RV_PROTO_MAX_NAME + 1];
	int index;

	/* 64 characters is the longest name; 65 does not fit. */
	char name[RV_PROTO_MAX_NAME + 8];
	memset(name, 'n', RV_PROTO_MAX_NAME);
	name[RV_PROTO_MAX_NAME] = '\0';
	assert_int_equal(rv_target_parse(name, service, &index), 0);
	assert_string_equal(service, name);
	assert_int_equal(index, -1);
	strcpy(name + RV_PROTO_MAX_NAME, ".3");
	assert_int_equal(rv_target_parse(name, service, &index), 0);
	assert_int_equal(strlen(service), RV_PROTO_MAX_NAME);
	assert_int_equal(index, 3);
	memset(name, 'n', RV_PROTO_MAX_NAME + 1);
	name[RV_PROTO_MAX_NAME + 1] = '\0';
	assert_int_equal(rv_target_parse(name, service, &index), -EINVAL);
	strcpy(name + RV_PROTO_MAX_NAME + 1, ".3");
	assert_int_equal(rv_target_parse(name, service, &index), -EINVAL);
	/* A very long name must not be copied anywhere (ASan watches). */
	char *huge = malloc(100000);
	assert_non_null(huge);
	memset(huge, 'h', 99990);
	strcpy(huge + 99990, ".1");
	assert_int_equal(rv_target_parse(huge, service, &index), -EINVAL);
	free(huge);
}

static void test_target_in_request(void **state)
{
	(void)state;
	static const char *const bad_targets[] = {
		"\"\"", "\".1\"", "\"web.\"", "\"web.x\"", "\"web.-1\"", "\"we b\"", "\"web.100000\"",
		"\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\"",   /* 65 */
		"1", "null", "true", "[\"web\"]", "{\"name\":\"web\"}",
	};
	char line[512];

	for (size_t i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"stop\",\"target\":%s}", bad_targets[i]);
		bad(line, -EINVAL, "target");
		snprintf(line, sizeof(line), "{\"cmd\":\"status\",\"target\":%s}", bad_targets[i]);
		bad(line, -EINVAL, "target");
	}
	/* 64 characters through the whole parser. */
	struct rv_request r = ok("{\"cmd\":\"stop\",\"target\":"
				 "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn.9\"}");
	assert_int_equal(strlen(r.service), RV_PROTO_MAX_NAME);
	assert_int_equal(r.index, 9);

	/* Every command but status and shutdown needs a target. */
	bad("{\"cmd\":\"start\"}", -EINVAL, "start");
	bad("{\"cmd\":\"stop\"}", -EINVAL, "stop");
	bad("{\"cmd\":\"restart\"}", -EINVAL, "restart");
	bad("{\"cmd\":\"scale\",\"count\":1}", -EINVAL, "scale");
	bad("{\"cmd\":\"signal\",\"signal\":\"HUP\"}", -EINVAL, "signal");
	/* shutdown refuses one, even a valid one. */
	bad("{\"cmd\":\"shutdown\",\"target\":\"web\"}", -EINVAL, "shutdown");
	bad("{\"cmd\":\"shutdown\",\"target\":\"web.1\"}", -EINVAL, NULL);
	bad("{\"cmd\":\"shutdown\",\"target\":\"\"}", -EINVAL, NULL);
}

static void test_scale(void **state)
{
	(void)state;
	static const char *const bad_counts[] = {
		"-1", "100001", "4294967296", "-4294967296", "9223372036854775807",
		"18446744073709551615", "99999999999999999999999", "1.5", "1.0", "1e3",
		"\"3\"", "true", "null", "[3]", "{\"n\":3}",
	};
	char line[256];
	struct rv_request r;

	r = ok("{\"cmd\":\"scale\",\"target\":\"web\",\"count\":0}");
	assert_req(&r, RV_CMD_SCALE, "web", -1, 0, 0);
	r = ok("{\"cmd\":\"scale\",\"target\":\"web\",\"count\":100000}");
	assert_req(&r, RV_CMD_SCALE, "web", -1, 100000, 0);
	r = ok("{\"cmd\":\"scale\",\"target\":\"web\",\"count\":99999}");
	assert_int_equal(r.count, 99999);

	for (size_t i = 0; i < sizeof(bad_counts) / sizeof(bad_counts[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"scale\",\"target\":\"web\",\"count\":%s}", bad_counts[i]);
		bad(line, -EINVAL, "count");
	}
	bad("{\"cmd\":\"scale\",\"target\":\"web\"}", -EINVAL, "count");
	/* A service, not an instance, is scaled. */
	bad("{\"cmd\":\"scale\",\"target\":\"web.0\",\"count\":3}", -EINVAL, "instance");
	bad("{\"cmd\":\"scale\",\"target\":\"web.2\",\"count\":3}", -EINVAL, "instance");
}

/* reload: no target, an optional absolute "path" (only reload takes one);
 * reexec: nothing. */
static void test_reload_reexec(void **state)
{
	char line[RV_PROTO_MAX_REQUEST + 64], fmt[RV_PROTO_MAX_REQUEST];
	struct rv_request r;
	(void)state;

	r = ok("{\"cmd\":\"reload\"}");
	assert_int_equal(r.cmd, RV_CMD_RELOAD);
	assert_string_equal(r.path, "");
	r = ok("{\"cmd\":\"reload\",\"path\":\"/etc/ringvisor.yaml\"}");
	assert_string_equal(r.path, "/etc/ringvisor.yaml");
	assert_true(rv_request_format(&r, fmt, sizeof(fmt)) > 0);
	assert_non_null(strstr(fmt, "\"path\":\"\\/etc\\/ringvisor.yaml\""));
	bad("{\"cmd\":\"reload\",\"path\":\"etc/ringvisor.yaml\"}", -EINVAL, "absolute");
	bad("{\"cmd\":\"reload\",\"path\":\"\"}", -EINVAL, "absolute");
	bad("{\"cmd\":\"reload\",\"path\":3}", -EINVAL, "absolute");
	bad("{\"cmd\":\"status\",\"path\":\"/x\"}", -EINVAL, "only for reload");
	bad("{\"cmd\":\"reload\",\"target\":\"web\"}", -EINVAL, "no target");
	/* metrics: the whole daemon, no target, no argument. */
	r = ok("{\"cmd\":\"metrics\"}");
	assert_int_equal(r.cmd, RV_CMD_METRICS);
	bad("{\"cmd\":\"metrics\",\"target\":\"web\"}", -EINVAL, "no target");
	bad("{\"cmd\":\"metrics\",\"lines\":3}", -EINVAL, "only for logs");
	/* The longest path that fits, and one byte more. */
	int n = snprintf(line, sizeof(line), "{\"cmd\":\"reload\",\"path\":\"/%0*d\"}", RV_PROTO_MAX_PATH - 1, 0);
	assert_true(n < RV_PROTO_MAX_REQUEST);
	r = ok(line);
	assert_int_equal(strlen(r.path), RV_PROTO_MAX_PATH);
	snprintf(line, sizeof(line), "{\"cmd\":\"reload\",\"path\":\"/%0*d\"}", RV_PROTO_MAX_PATH, 0);
	bad(line, -EINVAL, "absolute");
	r = ok("{\"cmd\":\"reexec\"}");
	assert_int_equal(r.cmd, RV_CMD_REEXEC);
	bad("{\"cmd\":\"reexec\",\"target\":\"web\"}", -EINVAL, "no target");
	assert_true(rv_cmd_is_mutating(RV_CMD_RELOAD));
	assert_true(rv_cmd_is_mutating(RV_CMD_REEXEC));
}

static void test_signal(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int sig;
	} good[] = {
		{ "SIGHUP", SIGHUP }, { "HUP", SIGHUP }, { "hup", SIGHUP }, { "SigTerm", SIGTERM },
		{ "SIGKILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SIGWINCH", SIGWINCH }, { "9", 9 },
		{ "1", 1 }, { "40", 40 }, { "64", 64 },
	};
	static const char *const bad_signals[] = {
		"\"\"", "\"SIG\"", "\"SIGFOO\"", "\"FOO\"", "\"0\"", "\"-1\"", "\"65\"", "\"SIGHUP \"",
		"\" HUP\"", "\"SIG?\"", "\"HUP1\"", "1", "15", "null", "true", "[\"HUP\"]",
	};
	char line[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"signal\",\"target\":\"web\",\"signal\":\"%s\"}",
			 good[i].name);
		struct rv_request r = ok(line);
		assert_req(&r, RV_CMD_SIGNAL, "web", -1, 0, good[i].sig);
	}
	for (size_t i = 0; i < sizeof(bad_signals) / sizeof(bad_signals[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"signal\",\"target\":\"web.1\",\"signal\":%s}",
			 bad_signals[i]);
		bad(line, -EINVAL, "signal");
	}
	bad("{\"cmd\":\"signal\",\"target\":\"web\"}", -EINVAL, "signal");
}

static void test_status_without_target(void **state)
{
	(void)state;
	struct rv_request r = ok("{\"cmd\":\"status\"}");

	assert_int_equal(r.cmd, RV_CMD_STATUS);
	assert_string_equal(r.service, "");
	assert_int_equal(r.index, -1);
	assert_false(rv_cmd_is_mutating(r.cmd));
}

/* status's filter and page: bounds, and refused on other commands. */
static void test_status_filters(void **state)
{
	(void)state;
	struct rv_request r = ok("{\"cmd\":\"status\",\"state\":\"failed\",\"offset\":0,\"limit\":1000000}");
	char buf[RV_PROTO_MAX_REQUEST], err[256];

	assert_string_equal(r.state, "failed");
	assert_true(r.paged);
	assert_int_equal(r.offset, 0);
	assert_int_equal(r.limit, RV_PROTO_MAX_PAGE);
	r = ok("{\"cmd\":\"status\",\"target\":\"web\",\"offset\":1000000}");
	assert_true(r.paged && r.offset == RV_PROTO_MAX_PAGE && r.limit == 0);
	r = ok("{\"cmd\":\"status\"}");
	assert_false(r.paged);
	assert_string_equal(r.state, "");
	bad("{\"cmd\":\"status\",\"limit\":0}", -EINVAL, "\"limit\" must be an integer 1..1000000");
	bad("{\"cmd\":\"status\",\"limit\":1000001}", -EINVAL, "\"limit\" must be");
	bad("{\"cmd\":\"status\",\"offset\":-1}", -EINVAL, "\"offset\" must be an integer 0..1000000");
	bad("{\"cmd\":\"status\",\"offset\":\"3\"}", -EINVAL, "\"offset\" must be");
	bad("{\"cmd\":\"status\",\"state\":\"\"}", -EINVAL, "\"state\" must be a state");
	bad("{\"cmd\":\"status\",\"state\":\"abcdefghijklmnop\"}", -EINVAL, "\"state\" must be a state");   /* 16 > 15 */
	bad("{\"cmd\":\"status\",\"state\":3}", -EINVAL, "\"state\" must be a state");
	bad("{\"cmd\":\"leaks\",\"state\":\"failed\"}", -EINVAL, "\"state\" is only for status");
	bad("{\"cmd\":\"stop\",\"target\":\"web\",\"limit\":3}", -EINVAL, "\"limit\" is only for status");
	/* The formatter writes what was asked, and the parser takes it back. */
	r = (struct rv_request){ .cmd = RV_CMD_STATUS, .index = -1, .paged = true, .offset = 7, .limit = 9 };
	strcpy(r.state, "backoff");
	assert_true(rv_request_format(&r, buf, sizeof(buf)) > 0);
	struct rv_request back;
	assert_int_equal(parse_len(buf, strlen(buf) - 1, &back, err, sizeof(err)), 0);
	assert_string_equal(back.state, "backoff");
	assert_true(back.paged && back.offset == 7 && back.limit == 9);
}

static void roundtrip(const struct rv_request *in)
{
	char buf[RV_PROTO_MAX_REQUEST];
	char err[256];
	struct rv_request out;

	int n = rv_request_format(in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_int_equal(buf[n - 1], '\n');
	/* Exactly one line. */
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
	int rc = parse_len(buf, (size_t)n - 1, &out, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s %s.%d count %u signal %d: formatted as %.*s, parse gave %d (%s)",
			 rv_cmd_to_string(in->cmd), in->service, in->index, in->count, in->signal,
			 n - 1, buf, rc, err);
	assert_req(&out, in->cmd, in->service, in->index, in->count, in->signal);

	/* The buffer bound: n + 1 bytes fit, n do not. */
	char *exact = malloc((size_t)n + 1);
	assert_non_null(exact);
	assert_int_equal(rv_request_format(in, exact, (size_t)n + 1), n);
	assert_string_equal(exact, buf);
	assert_int_equal(rv_request_format(in, exact, (size_t)n), -ENOBUFS);
	free(exact);
}

static struct rv_request req(enum rv_cmd cmd, const char *service, int index, uint32_t count, int sig)
{
	struct rv_request r = { .cmd = cmd, .index = index, .count = count, .signal = sig };
	snprintf(r.service, sizeof(r.service), "%s", service);
	return r;
}

static void test_format_roundtrip(void **state)
{
	(void)state;
	static const char long_name[] = "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn";
	struct rv_request r;

	assert_int_equal(strlen(long_name), RV_PROTO_MAX_NAME);
	r = req(RV_CMD_STATUS, "", -1, 0, 0);
	roundtrip(&r);
	r = req(RV_CMD_STATUS, "web", -1, 0, 0);
	roundtrip(&r);
	r = req(RV_CMD_STATUS, "web", 3, 0, 0);
	roundtrip(&r);
	for (enum rv_cmd c = RV_CMD_START; c <= RV_CMD_RESTART; c++) {
		r = req(c, "web", -1, 0, 0);
		roundtrip(&r);
		r = req(c, "a-b_c", 0, 0, 0);
		roundtrip(&r);
		r = req(c, long_name, 99999, 0, 0);
		roundtrip(&r);
	}
	static const uint32_t counts[] = { 0, 1, 7, 10000, 100000 };
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		r = req(RV_CMD_SCALE, "web", -1, counts[i], 0);
		roundtrip(&r);
	}
	r = req(RV_CMD_SCALE, long_name, -1, 5, 0);
	roundtrip(&r);
	/* Every named signal (1..31 on Linux). */
	for (int sig = 1; sig <= 31; sig++) {
		r = req(RV_CMD_SIGNAL, "web", sig % 3 ? -1 : sig, 0, sig);
		roundtrip(&r);
	}
	r = req(RV_CMD_SHUTDOWN, "", -1, 0, 0);
	roundtrip(&r);

	/* The formatted text itself, for the docs' examples. */
	char buf[256];
	r = req(RV_CMD_SCALE, "web", -1, 4, 0);
	assert_int_equal(rv_request_format(&r, buf, sizeof(buf)),
			 (int)strlen("{\"cmd\":\"scale\",\"target\":\"web\",\"count\":4}\n"));
	assert_string_equal(buf, "{\"cmd\":\"scale\",\"target\":\"web\",\"count\":4}\n");
	r = req(RV_CMD_SHUTDOWN, "", -1, 0, 0);
	rv_request_format(&r, buf, sizeof(buf));
	assert_string_equal(buf, "{\"cmd\":\"shutdown\"}\n");
	assert_int_equal(rv_request_format(&r, buf, 0), -ENOBUFS);
	assert_int_equal(rv_request_format(&r, buf, 1), -ENOBUFS);
}

/*
 * BUG (reported): parse_signal() accepts real-time signals by number
 * (`ringvisor signal web 40`), but rv_request_format() writes the signal with
 * signal_name(), which gives "SIG?" for anything above 31, and the daemon's
 * parser then refuses "SIG?". Expected: the request round-trips (e.g. by
 * formatting unnamed signals as their number); got: -EINVAL.
 */
static void test_format_roundtrip_rt_signals(void **state)
{
	(void)state;
	struct rv_request r;

	for (int sig = 32; sig <= 64; sig++) {
		r = req(RV_CMD_SIGNAL, "web", 1, 0, sig);
		roundtrip(&r);
	}
}

static void test_cmd_names(void **state)
{
	(void)state;
	static const char *const names[_RV_CMD_MAX] = {
		[RV_CMD_STATUS] = "status", [RV_CMD_START] = "start",     [RV_CMD_STOP] = "stop",
		[RV_CMD_RESTART] = "restart", [RV_CMD_SCALE] = "scale",   [RV_CMD_SIGNAL] = "signal",
		[RV_CMD_SHUTDOWN] = "shutdown", [RV_CMD_FREEZE] = "freeze", [RV_CMD_THAW] = "thaw",
		[RV_CMD_LEAKS] = "leaks", [RV_CMD_SNAPSHOT] = "snapshot", [RV_CMD_SNAPSHOTS] = "snapshots",
		[RV_CMD_LOGS] = "logs", [RV_CMD_RELOAD] = "reload", [RV_CMD_REEXEC] = "reexec",
		[RV_CMD_METRICS] = "metrics", [RV_CMD_EVENTS] = "events",
	};

	for (int c = 0; c < _RV_CMD_MAX; c++) {
		assert_non_null(names[c]);
		assert_string_equal(rv_cmd_to_string(c), names[c]);
		assert_int_equal(rv_cmd_from_string(rv_cmd_to_string(c)), c);
		assert_int_equal(rv_cmd_from_string(names[c]), c);
	}
	assert_null(rv_cmd_to_string(_RV_CMD_MAX));
	assert_null(rv_cmd_to_string(_RV_CMD_INVALID));
	assert_null(rv_cmd_to_string(1000));
	static const char *const unknown[] = { "", "invalid", "Status", "STOP", "stat", "statuss",
					       "status ", " status", "kill" };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_int_equal(rv_cmd_from_string(unknown[i]), _RV_CMD_INVALID);
}

static void test_cmd_is_mutating(void **state)
{
	(void)state;

	/* Read-only: status, leaks, snapshots (listing), metrics, events. Everything
	 * else, snapshot included (it freezes the instance), needs privileges. */
	assert_false(rv_cmd_is_mutating(RV_CMD_STATUS));
	assert_false(rv_cmd_is_mutating(RV_CMD_LEAKS));
	assert_false(rv_cmd_is_mutating(RV_CMD_SNAPSHOTS));
	assert_false(rv_cmd_is_mutating(RV_CMD_METRICS));
	assert_false(rv_cmd_is_mutating(RV_CMD_EVENTS));
	for (int c = 0; c < _RV_CMD_MAX; c++)
		if (c != RV_CMD_STATUS && c != RV_CMD_LEAKS && c != RV_CMD_SNAPSHOTS && c != RV_CMD_METRICS &&
		    c != RV_CMD_EVENTS && !rv_cmd_is_mutating(c))
			fail_msg("%s must need privileges", rv_cmd_to_string(c));
	/* Fail safe: whatever is not known to be harmless needs privileges. */
	assert_true(rv_cmd_is_mutating(_RV_CMD_INVALID));
	assert_true(rv_cmd_is_mutating(_RV_CMD_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_requests),
		cmocka_unit_test(test_target_parse),
		cmocka_unit_test(test_target_name_length),
		cmocka_unit_test(test_target_in_request),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_status_without_target),
		cmocka_unit_test(test_status_filters),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_format_roundtrip_rt_signals),
		cmocka_unit_test(test_cmd_names),
		cmocka_unit_test(test_reload_reexec),
		cmocka_unit_test(test_cmd_is_mutating),
	};
	return cmocka_run_group_tests_name("protocol", tests, NULL, NULL);
}
