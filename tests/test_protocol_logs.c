/* SPDX-License-Identifier: MIT */
/*
 * test_protocol_logs.c: the `logs` request: its target, `lines` (bounded,
 * default 10) and `follow`, which no other command takes; that it needs
 * privileges; and that the CLI's formatting parses back the same. The
 * `events` request too: an optional target, follow and since_ms, no
 * lines, anyone may ask.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/protocol.h"

static int parse(const char *line, struct rv_request *r, char *err, size_t len)
{
	return rv_request_parse(line, strlen(line), r, err, len);
}

static void expect_error(const char *line, const char *needle)
{
	struct rv_request r;
	char err[256] = "";

	assert_int_equal(parse(line, &r, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("%s: error \"%s\" lacks \"%s\"", line, err, needle);
}

static void test_defaults(void **state)
{
	struct rv_request r;
	char err[256];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"logs\",\"target\":\"web.2\"}", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cmd, RV_CMD_LOGS);
	assert_string_equal(r.service, "web");
	assert_int_equal(r.index, 2);
	assert_int_equal(r.lines, RV_PROTO_DEFAULT_LINES);
	assert_false(r.follow);
	assert_true(rv_cmd_is_mutating(RV_CMD_LOGS));   /* logs may hold secrets */
}

static void test_lines_follow(void **state)
{
	struct rv_request r;
	char err[256];

	(void)state;
	assert_int_equal(parse("{\"cmd\":\"logs\",\"target\":\"web\",\"lines\":0,\"follow\":true}",
			       &r, err, sizeof(err)), 0);
	assert_int_equal(r.lines, 0);
	assert_true(r.follow);
	assert_int_equal(r.index, -1);
	assert_int_equal(parse("{\"cmd\":\"logs\",\"target\":\"web\",\"lines\":100000}", &r, err,
			       sizeof(err)), 0);
	assert_int_equal(r.lines, 100000);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{\"cmd\":\"logs\"}", "needs a \"target\"");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"lines\":100001}", "0..100000");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"lines\":-1}", "0..100000");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"lines\":\"5\"}", "0..100000");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"follow\":1}", "true or false");
	expect_error("{\"cmd\":\"status\",\"lines\":5}", "only for logs");
	expect_error("{\"cmd\":\"stop\",\"target\":\"web\",\"follow\":true}", "only for logs");
}

static void test_roundtrip(void **state)
{
	struct rv_request in = { .cmd = RV_CMD_LOGS, .service = "db", .index = 1, .lines = 7,
				 .follow = true }, out;
	char buf[RV_PROTO_MAX_REQUEST], err[256];

	(void)state;
	int n = rv_request_format(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(rv_request_parse(buf, (size_t)n - 1, &out, err, sizeof(err)), 0);
	assert_int_equal(out.cmd, RV_CMD_LOGS);
	assert_string_equal(out.service, "db");
	assert_int_equal(out.index, 1);
	assert_int_equal(out.lines, 7);
	assert_true(out.follow);
	assert_int_equal(out.since_ms, 0);
	assert_false(out.rotate);
}

/* since_ms (1 ms .. a year) and rotate (alone), only for logs. */
static void test_since_rotate(void **state)
{
	struct rv_request r, in = { .cmd = RV_CMD_LOGS, .service = "db", .index = -1, .lines = 9,
				    .since_ms = 600000 };
	char buf[RV_PROTO_MAX_REQUEST], err[256];

	(void)state;
	int n = rv_request_format(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(rv_request_parse(buf, (size_t)n - 1, &r, err, sizeof(err)), 0);
	assert_int_equal(r.since_ms, 600000);
	assert_int_equal(r.lines, 9);
	in = (struct rv_request){ .cmd = RV_CMD_LOGS, .service = "db", .index = 2, .rotate = true, .lines = 10 };
	n = rv_request_format(&in, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"rotate\":true"));
	assert_null(strstr(buf, "\"lines\""));   /* rotate reads nothing */
	assert_int_equal(rv_request_parse(buf, (size_t)n - 1, &r, err, sizeof(err)), 0);
	assert_true(r.rotate);
	assert_int_equal(r.index, 2);
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"since_ms\":0}", "1..31622400000");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"since_ms\":31622400001}", "1..31622400000");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"since_ms\":\"10m\"}", "1..31622400000");
	expect_error("{\"cmd\":\"status\",\"since_ms\":5}", "only for logs");
	expect_error("{\"cmd\":\"stop\",\"target\":\"web\",\"rotate\":true}", "only for logs");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"rotate\":1}", "true or false");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"rotate\":true,\"lines\":5}", "goes without");
	expect_error("{\"cmd\":\"logs\",\"target\":\"web\",\"rotate\":true,\"follow\":true}", "goes without");
}

static void test_events(void **state)
{
	struct rv_request r, in;
	char err[256], buf[512];
	(void)state;

	assert_int_equal(parse("{\"cmd\":\"events\"}", &r, err, sizeof(err)), 0);
	assert_int_equal(r.cmd, RV_CMD_EVENTS);
	assert_string_equal(r.service, "");
	assert_false(r.follow);
	assert_false(rv_cmd_is_mutating(RV_CMD_EVENTS));   /* like status: anyone */
	assert_int_equal(parse("{\"cmd\":\"events\",\"target\":\"web.1\",\"follow\":true,\"since_ms\":600000}",
			       &r, err, sizeof(err)), 0);
	assert_true(r.follow);
	assert_int_equal(r.since_ms, 600000);
	assert_int_equal(r.index, 1);
	expect_error("{\"cmd\":\"events\",\"lines\":5}", "only for logs");
	expect_error("{\"cmd\":\"events\",\"rotate\":true}", "only for logs");
	expect_error("{\"cmd\":\"events\",\"since_ms\":0}", "1..31622400000");
	in = (struct rv_request){ .cmd = RV_CMD_EVENTS, .service = "db", .index = -1, .follow = true, .since_ms = 90000 };
	int n = rv_request_format(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(rv_request_parse(buf, (size_t)n - 1, &r, err, sizeof(err)), 0);
	assert_true(r.follow);
	assert_int_equal(r.since_ms, 90000);
	assert_string_equal(r.service, "db");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_lines_follow),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_since_rotate),
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests_name("protocol_logs", tests, NULL, NULL);
}
