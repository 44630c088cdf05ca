/* SPDX-License-Identifier: MIT */
/*
 * test_config_metrics.c: config_load() on supervisor.metrics.listen: off by
 * default; unix paths and literal addresses parsed; every bad entry named
 * with its key in one load (a name to resolve, a relative path, a path too
 * long, a repeat, too many); config_metrics_equal() for reload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_metrics.XXXXXX"
#include "config/config.h"
#include "config/config_metrics.h"
#include "config_test_util.h"
#include "basic/macro.h"

#define SUP(listen) "supervisor:\n  metrics: {listen: " listen "}\n" WEB("")

static void test_off_by_default(void **state)
{
	struct loaded l;

	(void)state;
	assert_int_equal(expect_valid(&l, "off", WEB(""))->supervisor.metrics.n_listen, 0);
	loaded_done(&l);
	assert_int_equal(expect_valid(&l, "empty", SUP("[]"))->supervisor.metrics.n_listen, 0);
	loaded_done(&l);
}

static void test_parsed(void **state)
{
	struct loaded l;
	const struct metrics_config *m;

	(void)state;
	m = &expect_valid(&l, "ok", SUP("[\"unix:/run/rv/m.sock\", \"127.0.0.1:9464\", \"[::1]:9464\", "
					"\"localhost:9465\"]"))->supervisor.metrics;
	assert_int_equal(m->n_listen, 4);
	assert_true(m->listen[0].is_unix);
	assert_string_equal(m->listen[0].path, "/run/rv/m.sock");
	assert_string_equal(config_metrics_listen_text(&m->listen[0]), "unix:/run/rv/m.sock");
	assert_false(m->listen[1].is_unix);
	assert_string_equal(config_metrics_listen_text(&m->listen[1]), "127.0.0.1:9464");
	assert_string_equal(m->listen[2].addr.text, "[::1]:9464");
	assert_string_equal(m->listen[3].addr.text, "127.0.0.1:9465");
	loaded_done(&l);
}

static void test_errors_at_once(void **state)
{
	struct loaded l;
	char long_path[160];

	(void)state;
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	load_text(&l, "bad", SUP("[\"example.com:80\", \"unix:rel.sock\", \"127.0.0.1:1\", \"127.0.0.1:1\"]"));
	assert_true(l.r < 0);
	assert_has_error(&l, "supervisor.metrics.listen:");
	assert_has_error(&l, "example.com");
	assert_has_error(&l, "\"rel.sock\": a unix socket needs an absolute path");
	assert_has_error(&l, "\"127.0.0.1:1\" is listed twice");
	loaded_done(&l);
	expect_error("dotdot", SUP("[\"unix:/run/../x.sock\"]"), "no \"..\" in the path");
	expect_error("port", SUP("[\"127.0.0.1:0\"]"), "supervisor.metrics.listen:");
	expect_error("many", SUP("[\"127.0.0.1:1\", \"127.0.0.1:2\", \"127.0.0.1:3\", \"127.0.0.1:4\", "
				 "\"127.0.0.1:5\"]"), "5 listeners, at most 4");
	char text[512];
	snprintf(text, sizeof(text), SUP("[\"unix:/%s\"]"), long_path);
	expect_error("long", text, "a unix socket path holds at most 107");
}

static void test_equal(void **state)
{
	struct loaded a, b;

	(void)state;
	expect_valid(&a, "a", SUP("[\"127.0.0.1:9464\", \"unix:/x.sock\"]"));
	expect_valid(&b, "b", SUP("[\"127.0.0.1:9464\", \"unix:/x.sock\"]"));
	assert_true(config_metrics_equal(&a.c->supervisor.metrics, &b.c->supervisor.metrics));
	loaded_done(&b);
	expect_valid(&b, "b2", SUP("[\"unix:/x.sock\", \"127.0.0.1:9464\"]"));
	assert_false(config_metrics_equal(&a.c->supervisor.metrics, &b.c->supervisor.metrics));
	loaded_done(&b);
	expect_valid(&b, "b3", WEB(""));
	assert_false(config_metrics_equal(&a.c->supervisor.metrics, &b.c->supervisor.metrics));
	loaded_done(&b);
	loaded_done(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_by_default),
		cmocka_unit_test(test_parsed),
		cmocka_unit_test(test_errors_at_once),
		cmocka_unit_test(test_equal),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
