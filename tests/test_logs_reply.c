/* SPDX-License-Identifier: MIT */
/*
 * test_logs_reply.c: the `logs` reply (control/logs_reply.c) against real
 * log streams of real instances. Its size is checked line by line while it
 * is built (issue 12, finding 10: it was built whole, 100000 lines of every
 * stream of every instance, and only then found too large), and lines are
 * valid UTF-8 whatever the service wrote.
 */
#include <json-c/json.h>

#include "basic/time_util.h"
#include "control/logs_reply.h"
#include "policy/supervisor.h"
#include "policy_test_util.h"

#define LINES 50
#define NOW_MS (realtime_ns() / NSEC_PER_MSEC)
#define LINE "0123456789012345678901234567890123456789012345678901234567890123456789012345678"

/* A supervisor around the fixture's service: all logs_reply() looks at
 * (the service found by name through its index, as the daemon's is). */
static struct supervisor *sup_of(struct fixture *fx)
{
	static struct supervisor sup;
	idmap_done(&sup.by_name);
	sup = (struct supervisor){ .services = &fx->svc, .n_services = 1 };
	assert_int_equal(supervisor_index_services(&sup), 0);
	return &sup;
}

static void fill(struct fixture *fx)
{
	struct service *svc = fx_service(fx, fx_load(fx, "  web:\n    command: [/bin/sleep, \"30\"]\n"));
	assert_int_equal(service_scale(svc, 2), 0);
	for (uint32_t i = 0; i < 2; i++) {
		struct logstream *s = svc->instances[i]->log_out;
		if (!s->tail.buf)
			assert_int_equal(logtail_init(&s->tail, 64 * 1024), 0);
		for (int k = 0; k < LINES; k++)
			logtail_push(&s->tail, LINE, sizeof(LINE) - 1, false, NOW_MS - 3600 * 1000 + (uint64_t)k);
		logtail_push(&s->tail, "bad \xff byte", 10, false, NOW_MS);
	}
}

static json_object *reply(struct fixture *fx, uint32_t lines, int index, size_t max)
{
	struct rv_request req = { .cmd = RV_CMD_LOGS, .service = "web", .index = index, .lines = lines };
	return logs_reply(sup_of(fx), &req, max);
}

static void test_bounded(void **state)
{
	struct fixture *fx = fx_get(state);
	json_object *o, *v;

	fill(fx);
	/* Everything fits in a big enough bound: both instances, every line. */
	o = reply(fx, 1000, -1, 1 << 20);
	assert_true(json_object_object_get_ex(o, "lines", &v));
	assert_int_equal(json_object_array_length(v), 2 * (LINES + 1));
	json_object_put(o);
	/* Past the bound: an error, not a reply built whole and then refused. */
	o = reply(fx, 1000, -1, 4096);
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "error", &v));
	assert_string_equal(json_object_get_string(v), "reply too large: ask for fewer lines, or one instance");
	json_object_put(o);
	/* Fewer lines of one instance fit again. */
	o = reply(fx, 5, 1, 4096);
	assert_true(json_object_object_get_ex(o, "lines", &v));
	assert_int_equal(json_object_array_length(v), 5);
	/* The last is the invalid byte, made valid. */
	json_object *line = json_object_object_get(json_object_array_get_idx(v, 4), "line");
	assert_string_equal(json_object_get_string(line), "bad \xef\xbf\xbd byte");
	/* ... and the bytes as written beside it, for --raw. */
	line = json_object_object_get(json_object_array_get_idx(v, 4), "bytes");
	assert_string_equal(json_object_get_string(line), "YmFkIP8gYnl0ZQ==");
	assert_null(json_object_object_get(json_object_array_get_idx(v, 3), "bytes"));
	json_object_put(o);
}

/* Every line has its receive time as "ts"; since_ms keeps only the lines
 * received that recently; a tail that lost lines and has no file says so. */
static void test_ts_since(void **state)
{
	struct fixture *fx = fx_get(state);
	struct rv_request req = { .cmd = RV_CMD_LOGS, .service = "web", .index = 0, .lines = 1000 };
	char want[TIMESTAMP_MS_LEN + 1];
	json_object *o, *v, *ts;

	fill(fx);
	o = logs_reply(sup_of(fx), &req, 1 << 20);
	assert_true(json_object_object_get_ex(o, "lines", &v));
	assert_int_equal(json_object_array_length(v), LINES + 1);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(v, 0), "ts", &ts));
	uint64_t first_ms;
	assert_int_equal(parse_timestamp_ms(json_object_get_string(ts), TIMESTAMP_MS_LEN, &first_ms), 0);
	format_timestamp_ms(want, first_ms);
	assert_string_equal(json_object_get_string(ts), want);
	assert_true(NOW_MS - first_ms >= 3600 * 1000 && NOW_MS - first_ms < 3700 * 1000);
	assert_false(json_object_object_get_ex(o, "notes", &v));   /* nothing was lost */
	json_object_put(o);

	/* The last 10 minutes: only the line pushed "now". */
	req.since_ms = 10 * 60 * 1000;
	o = logs_reply(sup_of(fx), &req, 1 << 20);
	assert_true(json_object_object_get_ex(o, "lines", &v));
	assert_int_equal(json_object_array_length(v), 1);
	json_object_put(o);

	/* A 256-byte tail keeps 2 of 51 lines, and there is no file: a note. */
	struct logstream *s = fx->svc.instances[0]->log_out;
	logtail_done(&s->tail);
	assert_int_equal(logtail_init(&s->tail, 256), 0);
	for (int k = 0; k < 20; k++)
		logtail_push(&s->tail, LINE, sizeof(LINE) - 1, false, NOW_MS);
	req.since_ms = 0;
	o = logs_reply(sup_of(fx), &req, 1 << 20);
	assert_true(json_object_object_get_ex(o, "lines", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_true(json_object_object_get_ex(o, "notes", &v));
	assert_non_null(strstr(json_object_get_string(json_object_array_get_idx(v, 0)),
			       "web.0: only the last 2 lines are kept in memory"));
	json_object_put(o);
}

/* --rotate of a service without log files: an error that says so. */
static void test_rotate_no_file(void **state)
{
	struct fixture *fx = fx_get(state);
	struct rv_request req = { .cmd = RV_CMD_LOGS, .service = "web", .index = -1, .rotate = true };
	json_object *o, *v;

	fill(fx);
	o = logs_rotate_reply(sup_of(fx), &req);
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "error", &v));
	assert_string_equal(json_object_get_string(v), "no log file to rotate (log.dir is not set)");
	json_object_put(o);
}

#define T(f, e) cmocka_unit_test_prestate_setup_teardown(f, fx_setup, fx_teardown, &(e))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bounded, env_epoll),
		T(test_ts_since, env_epoll),
		T(test_rotate_no_file, env_epoll),
	};
	return cmocka_run_group_tests_name("logs reply", tests, NULL, NULL);
}
