/* SPDX-License-Identifier: MIT */
/*
 * test_config_defaults.c: config_load() on valid files that leave keys
 * out, written to a private temp dir as in test_config.c (helpers:
 * config_test_util.h). Where a key is absent, set to null (`key:`,
 * `key: ~`) or its section is empty, the struct must hold the defaults of
 * config.h, field by field; a quoted "~" is a string, not null.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_defaults.XXXXXX"
#include "config/config.h"
#include "config_test_util.h"
#include "basic/macro.h"

static void test_defaults_supervisor(void **state)
{
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "defaults", WEB(""));
	assert_null(c->supervisor.control_socket);
	assert_int_equal(c->supervisor.shutdown_timeout_ms, 8000);
	assert_null(c->supervisor.admin_group);
	assert_false(c->supervisor.has_admin_gid);
	assert_null(c->supervisor.cgroup_root);
	assert_false(c->supervisor.strict_limits);
	assert_int_equal(c->n_services, 1);
	assert_int_equal(c->total_instances, 1);
	loaded_done(&l);
}

static void test_defaults_service(void **state)
{
	const struct service_config *s;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "defaults", WEB(""));
	s = &c->services[0];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->argc, 1);
	assert_string_equal(s->argv[0], "/bin/true");
	assert_null(s->argv[1]);
	assert_int_equal(s->instances, 1);
	assert_int_equal(s->n_env, 0);
	assert_true(!s->env || !s->env[0]);
	assert_null(s->cwd);
	assert_null(s->user);
	assert_null(s->group);
	assert_false(s->has_uid);
	assert_false(s->has_gid);
	assert_null(s->groups);
	assert_int_equal(s->n_groups, 0);
	assert_false(s->has_umask);
	assert_int_equal(s->n_caps, 0);
	loaded_done(&l);
}

static void test_defaults_restart_stop(void **state)
{
	const struct service_config *s;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "defaults", WEB(""));
	s = &c->services[0];
	assert_int_equal(s->restart.policy, RESTART_ALWAYS);
	assert_int_equal(s->restart.backoff_initial_ms, 100);
	assert_int_equal(s->restart.backoff_max_ms, 30000);
	assert_int_equal(s->restart.reset_after_ms, 10000);
	assert_int_equal(s->restart.max_restarts, 10);
	assert_int_equal(s->restart.window_ms, 60000);
	assert_int_equal(s->restart.half_open_after_ms, 0);
	assert_int_equal(s->stop.signal, SIGTERM);
	assert_int_equal(s->stop.timeout_ms, 10000);
	loaded_done(&l);
}

static void test_defaults_limits(void **state)
{
	const struct service_config *s;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "defaults", WEB(""));
	s = &c->services[0];
	assert_int_equal(s->nofile, 0);
	assert_int_equal(s->limits.memory_max, 0);
	assert_int_equal(s->limits.memory_high, 0);
	assert_int_equal(s->limits.memory_swap_max, 0);
	assert_false(s->limits.has_memory_swap_max);
	assert_int_equal(s->limits.pids_max, 0);
	assert_int_equal(s->limits.cpu_quota_us, 0);
	assert_int_equal(s->limits.cpu_period_us, 100000);
	assert_int_equal(s->limits.cpu_weight, 0);
	assert_null(s->limits.io_max);
	assert_int_equal(s->limits.n_io_max, 0);
	assert_true(s->limits.memory_oom_group);
	assert_int_equal(s->on_violation.oom, VIOLATION_RESTART);
	assert_int_equal(s->on_violation.pids, VIOLATION_LOG);
	assert_int_equal(s->on_violation.memory_high, VIOLATION_LOG);
	loaded_done(&l);
}

/* An empty limits, io_max or on_violation changes nothing either. */
static void test_defaults_empty_sections(void **state)
{
	const struct service_config *s;
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "defaults_empty",
			 "supervisor: {cgroup_root: auto}\n"
			 WEB("    limits: {io_max: []}\n    on_violation: {}\n"));
	s = &c->services[0];
	assert_null(c->supervisor.cgroup_root); /* auto is stored as NULL */
	assert_int_equal(s->limits.n_io_max, 0);
	assert_true(s->limits.memory_oom_group);
	assert_int_equal(s->on_violation.oom, VIOLATION_RESTART);
	assert_int_equal(s->on_violation.pids, VIOLATION_LOG);
	assert_int_equal(s->on_violation.memory_high, VIOLATION_LOG);
	loaded_done(&l);
}

/* `key:` and `key: ~` mean "not set"; a quoted "~" is a string. */
static void test_null_is_unset(void **state)
{
	struct loaded l;
	struct config *c;

	(void)state;
	c = expect_valid(&l, "null", "supervisor:\n" WEB("    cwd: ~\n    user:\n    env:\n"
							   "    restart: null\n    limits: {nofile: ~, io_max: ~,\n"
							   "             memory_swap_max: ~}\n"
							   "    memory_oom_group: ~\n    on_violation: {oom: ~}\n"));
	assert_null(c->supervisor.control_socket);
	assert_null(c->services[0].cwd);
	assert_null(c->services[0].user);
	assert_int_equal(c->services[0].n_env, 0);
	assert_int_equal(c->services[0].restart.backoff_max_ms, 30000);
	assert_int_equal(c->services[0].nofile, 0);
	assert_int_equal(c->services[0].limits.n_io_max, 0);
	assert_false(c->services[0].limits.has_memory_swap_max);
	assert_true(c->services[0].limits.memory_oom_group);
	assert_int_equal(c->services[0].on_violation.oom, VIOLATION_RESTART);
	loaded_done(&l);
	expect_error("null_quoted", WEB("    cwd: \"~\"\n"),
		     "services.web.cwd: \"~\" is not an absolute path");
	expect_error("null_cmd", WEB("") "  api:\n    command:\n",
		     "services.api.command: expected a list");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_supervisor),
		cmocka_unit_test(test_defaults_service),
		cmocka_unit_test(test_defaults_restart_stop),
		cmocka_unit_test(test_defaults_limits),
		cmocka_unit_test(test_defaults_empty_sections),
		cmocka_unit_test(test_null_is_unset),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
