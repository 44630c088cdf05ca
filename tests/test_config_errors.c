/* SPDX-License-Identifier: MIT */
/*
 * test_config_errors.c: config_load() on files it must reject, written to a
 * private temp dir as in test_config.c (helpers: config_test_util.h). Every
 * rejected file must come back as -errno, no struct, and error lines
 * "FILE: KEY.PATH: message" naming the key. Validation errors (a value out
 * of range, an unknown user, a bad name; the bounds on lists and on the
 * number of errors) are all reported together, as are unknown and
 * duplicate keys (test_config_tree.c); other shape errors (wrong types,
 * YAML syntax, an empty file) stop at the first one. Lines carry the source
 * line:column where known. The ASan build of this test checks that no path
 * leaks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_errors.XXXXXX"
#include "config/config.h"
#include "config/config_errors.h"
#include "config_test_util.h"
#include "basic/macro.h"

static void test_instances(void **state)
{
	(void)state;
	expect_error("inst0", WEB("    instances: 0\n"),
		     "services.web.instances: 0 is below the minimum of 1");
	expect_error("inst_max", WEB("    instances: 10001\n"),
		     "services.web.instances: 10001 exceeds the maximum of 10000");
	expect_error("inst_neg", WEB("    instances: -1\n"),
		     "services.web.instances: \"-1\" is not a whole number");
	expect_error("inst_junk", WEB("    instances: 3x\n"),
		     "services.web.instances: \"3x\" is not a whole number");
	expect_error("inst_huge", WEB("    instances: 99999999999999999999999\n"),
		     "services.web.instances: 99999999999999999999999 exceeds the maximum");
}

static void test_total_instances(void **state)
{
	char text[4096];
	size_t used = 0;

	(void)state;
	used += (size_t)snprintf(text, sizeof(text), "services:\n");
	for (int i = 0; i < 11; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "  s%d:\n    command: [/bin/true]\n    instances: 10000\n", i);
	expect_error("total", text,
		     "services: the instances add up to 110000, more than the maximum of 100000");
}

static void test_restart_errors(void **state)
{
	(void)state;
	expect_error("bmax", WEB("    restart: {backoff_max: 2h}\n"),
		     "services.web.restart.backoff_max: 2h exceeds the maximum of 1h");
	expect_error("binit", WEB("    restart: {backoff_initial: 61m}\n"),
		     "services.web.restart.backoff_initial: 61m exceeds the maximum of 1h");
	expect_error("border", WEB("    restart: {backoff_initial: 10s, backoff_max: 5s}\n"),
		     "services.web.restart.backoff_max: 5s is below backoff_initial (10s)");
	expect_error("bdefault", WEB("    restart: {backoff_initial: 1m}\n"),
		     "services.web.restart.backoff_max: 30s (the default) is below backoff_initial");
	expect_error("reset", WEB("    restart: {reset_after: 2h}\n"),
		     "services.web.restart.reset_after: 2h exceeds the maximum of 1h");
	expect_error("halfopen", WEB("    restart: {half_open_after: 3601s}\n"),
		     "services.web.restart.half_open_after: 3601s exceeds the maximum of 1h");
	expect_error("window", WEB("    restart: {window: 25h}\n"),
		     "services.web.restart.window: 25h exceeds the maximum of 24h");
	expect_error("window0", WEB("    restart: {window: 0}\n"),
		     "services.web.restart.window: must be greater than 0");
	expect_error("maxr", WEB("    restart: {max_restarts: 10001}\n"),
		     "services.web.restart.max_restarts: 10001 exceeds the maximum of 10000");
	expect_error("policy", WEB("    restart: {policy: sometimes}\n"),
		     "services.web.restart.policy: \"sometimes\" is not one of always, on-failure, never");
	expect_error("dur", WEB("    restart: {reset_after: 10 s}\n"),
		     "services.web.restart.reset_after: \"10 s\" is not a duration");
	expect_error("dur_nounit", WEB("    restart: {reset_after: 10}\n"),
		     "services.web.restart.reset_after: \"10\" is not a duration");
	expect_error("dur_overflow", WEB("    restart: {reset_after: 99999999999999999999h}\n"),
		     "services.web.restart.reset_after: 99999999999999999999h exceeds the maximum of 1h");
}

static void test_stop_and_limits_errors(void **state)
{
	(void)state;
	expect_error("sig", WEB("    stop: {signal: SIGFOO}\n"),
		     "services.web.stop.signal: \"SIGFOO\" is not a signal name or number");
	expect_error("sig0", WEB("    stop: {signal: 0}\n"),
		     "services.web.stop.signal: \"0\" is not a signal name or number");
	expect_error("stoptimeout", WEB("    stop: {timeout: 2h}\n"),
		     "services.web.stop.timeout: 2h exceeds the maximum of 1h");
	expect_error("nofile0", WEB("    limits: {nofile: 0}\n"),
		     "services.web.limits.nofile: 0 is below the minimum of 1");
	expect_error("nofile_max", WEB("    limits: {nofile: 1048577}\n"),
		     "services.web.limits.nofile: 1048577 exceeds the maximum of 1048576");
	expect_error("nofile_size", WEB("    limits: {nofile: 1K}\n"),
		     "services.web.limits.nofile: \"1K\" is not a whole number");
}

static void test_supervisor_errors(void **state)
{
	(void)state;
	expect_error("shut0", "supervisor: {shutdown_timeout: 0}\n" WEB(""),
		     "supervisor.shutdown_timeout: must be greater than 0");
	expect_error("shutmax", "supervisor: {shutdown_timeout: 2h}\n" WEB(""),
		     "supervisor.shutdown_timeout: 2h exceeds the maximum of 1h");
	expect_error("admin", "supervisor: {admin_group: no-such-group-rv}\n" WEB(""),
		     "supervisor.admin_group: unknown group \"no-such-group-rv\"");
	expect_error("sock_rel", "supervisor: {control_socket: run/x.sock}\n" WEB(""),
		     "supervisor.control_socket: \"run/x.sock\" is not an absolute path");
	expect_error("sock_long",
		     "supervisor: {control_socket: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock}\n" WEB(""),
		     "supervisor.control_socket: is 118 bytes long, a unix socket path holds at most 107");
}

static void test_service_errors(void **state)
{
	(void)state;
	expect_error("name_chars", "services:\n  \"web server\":\n    command: [/bin/true]\n",
		     "services.web server: invalid service name");
	expect_error("name_long",
		     "services:\n  nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn:\n"
		     "    command: [/bin/true]\n",
		     "invalid service name: use 1 to 64");
	expect_error("name_empty", "services:\n  \"\":\n    command: [/bin/true]\n",
		     "services.\"\": invalid service name");
	expect_error("argv0", "services:\n  web:\n    command: [\"\", x]\n",
		     "services.web.command[0]: the program must not be empty");
	expect_error("cwd", WEB("    cwd: tmp\n"), "services.web.cwd: \"tmp\" is not an absolute path");
	expect_error("umask", WEB("    umask: \"0999\"\n"),
		     "services.web.umask: \"0999\" is not an octal mode from 0 to 0777");
	expect_error("umask_big", WEB("    umask: \"1000\"\n"),
		     "services.web.umask: \"1000\" is not an octal mode");
	expect_error("user", WEB("    user: no-such-user-rv\n"),
		     "services.web.user: unknown user \"no-such-user-rv\"");
	expect_error("group", WEB("    group: no-such-group-rv\n"),
		     "services.web.group: unknown group \"no-such-group-rv\"");
	expect_error("group_empty", WEB("    group: \"\"\n"), "services.web.group: must not be empty");
	expect_error("cap", WEB("    capabilities: [CAP_NET_BIND_SERVICE, CAP_BOGUS]\n"),
		     "services.web.capabilities[1]: unknown capability \"CAP_BOGUS\"");
	expect_error("cap_number", WEB("    capabilities: [\"12\"]\n"),
		     "services.web.capabilities[0]: unknown capability \"12\"");
	expect_error("cap_list", WEB("    capabilities: [\"cap_chown,cap_kill\"]\n"),
		     "services.web.capabilities[0]: unknown capability");
	expect_error("cap_dup", WEB("    capabilities: [net_bind_service, CAP_NET_BIND_SERVICE]\n"),
		     "services.web.capabilities[1]: CAP_NET_BIND_SERVICE is listed more than once");
}

static void test_env_errors(void **state)
{
	(void)state;
	expect_error("env_key", WEB("    env: {1BAD: x}\n"),
		     "services.web.env.1BAD: invalid variable name");
	expect_error("env_key_eq", WEB("    env: {\"A=B\": x}\n"),
		     "services.web.env.A=B: invalid variable name");
	expect_error("env_dup", WEB("    env:\n      A: 1\n      A: 2\n"),
		     "services.web.env.A: defined more than once");
	expect_error("env_list", WEB("    env: [A=1]\n"),
		     "4:10: services.web.env: expected a mapping of variable names to values");
	expect_error("env_nested", WEB("    env: {A: {B: 1}}\n"),
		     "services.web.env.A: expected a string, not a mapping");
}

static void test_argv_bounds(void **state)
{
	char *text = malloc(8192);
	size_t used;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, 8192, "services:\n  web:\n    command: [/bin/echo");
	for (int i = 0; i < 256; i++)
		used += (size_t)snprintf(text + used, 8192 - used, ", a");
	snprintf(text + used, 8192 - used, "]\n");
	expect_error("argv_many", text, "3:5: services.web.command: has more than 256 entries");

	used = (size_t)snprintf(text, 8192, "services:\n  web:\n    command: [/bin/echo, ");
	memset(text + used, 'x', 4097);
	used += 4097;
	snprintf(text + used, 8192 - used, "]\n");
	expect_error("argv_long", text, "services.web.command[1]: is longer than 4096 bytes");
	expect_error("argv_empty", WEB("") "  api:\n    command: []\n",
		     "services.api.command: must not be empty");
	expect_error("argv_scalar", "services:\n  web:\n    command: /bin/true\n",
		     "3:5: services.web.command: expected a list, not a single value");
	free(text);
}

static void test_env_bounds(void **state)
{
	char *text = malloc(16384);
	size_t used;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, 16384, WEB("    env:\n"));
	for (int i = 0; i < 257; i++)
		used += (size_t)snprintf(text + used, 16384 - used, "      K%d: v\n", i);
	expect_error("env_many", text, "services.web.env: has more than 256 entries");
	free(text);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("unk_top", WEB("") "bogus: 1\n", "4:1: bogus: unknown key");
	expect_error("unk_sup", "supervisor:\n  shutdown_timeout: 1s\n  colour: red\n" WEB(""),
		     "3:3: supervisor.colour: unknown key");
	expect_error("unk_svc", WEB("    restrat: {}\n"),
		     "4:5: services.web.restrat: unknown key");
	expect_error("unk_restart", WEB("    restart:\n      policy: always\n      backof: 1s\n"),
		     "6:7: services.web.restart.backof: unknown key");
	expect_error("unk_second", WEB("") "  api:\n    command: [x]\n    nme: x\n",
		     "6:5: services.api.nme: unknown key");
	expect_error("unk_limits", WEB("    limits:\n      memory_max: 1M\n      memory: 1M\n"),
		     "6:7: services.web.limits.memory: unknown key");
	expect_error("unk_violation", WEB("    on_violation:\n      oom: stop\n      leek: restart\n"),
		     "6:7: services.web.on_violation.leek: unknown key");
	/* The cgroup keys belong where docs/config.md puts them. */
	expect_error("unk_oom_group", WEB("    limits: {memory_oom_group: true}\n"),
		     "services.web.limits.memory_oom_group: unknown key");
	expect_error("unk_strict", WEB("    strict_limits: true\n"),
		     "services.web.strict_limits: unknown key");
	/* The rewrite passes the service's key as `name`: not a user key. */
	expect_error("unk_name", WEB("    name: x\n"),
		     "4:5: services.web.name: unknown key");
}

static void test_schema_shape_errors(void **state)
{
	(void)state;
	expect_error("no_services", "supervisor: {}\n", "services: required key is missing");
	expect_error("no_command", WEB("") "  api:\n    instances: 2\n",
		     "4:3: services.api.command: required key is missing");
	expect_error("services_empty", "services: {}\n", "services: needs at least one service");
	expect_error("services_list", "services: [web]\n",
		     "services: expected a mapping of service names to services");
	expect_error("service_scalar", "services:\n  web: /bin/true\n",
		     "services.web: expected a mapping of settings");
	expect_error("top_list", "- a\n- b\n", "1:1: the top level must be a mapping");
	expect_error("dup_key", WEB("    instances: 1\n    instances: 2\n"),
		     "5:5: services.web.instances: duplicate key");
	expect_error("instances_list", WEB("    instances: [1]\n"),
		     "services.web.instances: expected a single value, not a list");
	expect_error("restart_list", WEB("    restart: [always]\n"),
		     "services.web.restart: expected a mapping, not a list");
	expect_error("alias", "services:\n  web: &w\n    command: [/bin/true]\n  api: *w\n",
		     "4:8: services.api: aliases (*w) are not supported");
	expect_error("two_docs", WEB("") "---\nservices: {}\n", "only one YAML document is allowed");
	expect_error("nul", "services:\n  web:\n    command: [\"a\\0b\"]\n",
		     "services.web.command[0]: a value contains a NUL byte");
}

static void test_duplicate_service(void **state)
{
	(void)state;
	expect_error("dup_service", WEB("") "  web:\n    command: [/bin/false]\n",
		     "services.web: service defined more than once");
}

static void test_many_errors_all_reported(void **state)
{
	static const char text[] =
		"supervisor: {shutdown_timeout: 0}\n"
		"services:\n"
		"  web:\n"
		"    command: [/bin/true]\n"
		"    instances: 0\n"
		"    umask: \"8\"\n"
		"    restart: {backoff_max: 2h, policy: maybe}\n"
		"  api:\n"
		"    command: [/bin/true]\n"
		"    stop: {signal: NOPE, timeout: 1d}\n"
		"    limits: {nofile: 0}\n";
	static const char *const want[] = {
		"supervisor.shutdown_timeout: must be greater than 0",
		"services.web.instances: 0 is below the minimum of 1",
		"services.web.umask: \"8\" is not an octal mode",
		"services.web.restart.backoff_max: 2h exceeds the maximum of 1h",
		"services.web.restart.policy: \"maybe\" is not one of",
		"services.api.stop.signal: \"NOPE\" is not a signal",
		"services.api.stop.timeout: \"1d\" is not a duration",
		"services.api.limits.nofile: 0 is below the minimum of 1",
	};
	struct loaded l;

	(void)state;
	expect_errors(&l, "many", text, want, ELEMENTSOF(want));
	assert_int_equal(l.errs.dropped, 0);
	loaded_done(&l);
}

static void test_errors_bounded(void **state)
{
	char *text = malloc(8192);
	struct loaded l;
	size_t used;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, 8192, "services:\n");
	for (int i = 0; i < CONFIG_MAX_ERRORS + 6; i++)
		used += (size_t)snprintf(text + used, 8192 - used,
					 "  s%d:\n    command: [x]\n    instances: x\n", i);
	load_text(&l, "bounded", text);
	assert_int_equal(l.r, -EINVAL);
	assert_int_equal(l.errs.n, CONFIG_MAX_ERRORS);
	assert_int_equal(l.errs.dropped, 6);
	assert_has_error(&l, "services.s0.instances");
	loaded_done(&l);
	free(text);
}

static void test_yaml_syntax_error(void **state)
{
	(void)state;
	expect_error("syntax", "services:\n  web:\n    command: [a\n  x: y\n",
		     "4:4: services.web.command[1]: YAML syntax error: did not find expected ',' or ']'");
	expect_error("syntax_indent", "services:\n  web:\n   command: [a]\n  bad: : :\n",
		     "4:8: services.bad: YAML syntax error: mapping values are not allowed in this context");
	expect_error("syntax_tab", "services:\n\tweb: 1\n",
		     "2:1: services: YAML syntax error: found character that cannot start any token");
}

static void test_empty_file(void **state)
{
	(void)state;
	expect_error("empty", "", "the file is empty");
	expect_error("comments", "# nothing here\n\n", "the file is empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instances),
		cmocka_unit_test(test_total_instances),
		cmocka_unit_test(test_restart_errors),
		cmocka_unit_test(test_stop_and_limits_errors),
		cmocka_unit_test(test_supervisor_errors),
		cmocka_unit_test(test_service_errors),
		cmocka_unit_test(test_env_errors),
		cmocka_unit_test(test_argv_bounds),
		cmocka_unit_test(test_env_bounds),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_schema_shape_errors),
		cmocka_unit_test(test_duplicate_service),
		cmocka_unit_test(test_many_errors_all_reported),
		cmocka_unit_test(test_errors_bounded),
		cmocka_unit_test(test_yaml_syntax_error),
		cmocka_unit_test(test_empty_file),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
