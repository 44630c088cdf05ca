/* SPDX-License-Identifier: MIT */
/*
 * test_logs_reply.c: the `logs` reply (control/logs_reply.c) against real
 * log streams of real instances. Its size is checked line by line while it
 * is built (issue 12, finding 10: it was built whole, 100000 lines of every
 * stream of every instance, and only then found too large), and lines are
 * valid UTF-8 whatever the service wrote.
 */
#include <json-c/json.h>

#include "control/logs_reply.h"
#include "policy/supervisor.h"
#include "policy_test_util.h"

#define LINES 50
#define LINE "0123456789012345678901234567890123456789012345678901234567890123456789012345678"

/* A supervisor around the fixture's service: all logs_reply() looks at. */
static struct supervisor *sup_of(struct fixture *fx)
{
	static struct supervisor sup;
	sup = (struct supervisor){ .services = &fx->svc, .n_services = 1 };
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
			logtail_push(&s->tail, LINE, sizeof(LINE) - 1, false);
		logtail_push(&s->tail, "bad \xff byte", 10, false);
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
	json_object_put(o);
}

#define T(f, e) cmocka_unit_test_prestate_setup_teardown(f, fx_setup, fx_teardown, &(e))

int main(void)
{
	const struct CMUnitTest tests[] = { T(test_bounded, env_epoll) };
	return cmocka_run_group_tests_name("logs reply", tests, NULL, NULL);
}
