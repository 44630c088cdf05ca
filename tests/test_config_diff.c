/* SPDX-License-Identifier: MIT */
/*
 * test_config_diff.c: config_service_diff(), what `reload` uses to tell a
 * kept service from an updated (live keys only) or restarted one. Two
 * files are loaded per case, one key changed between them: the group named
 * must be the only one reported, and whether it is live must match
 * docs/reload.md's table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_diff.XXXXXX"
#include "config/config.h"
#include "config/config_diff.h"
#include "config_test_util.h"
#include "basic/macro.h"

#define BASE "services:\n  web:\n    command: [/bin/sleep, \"1\"]\n"

/* The diff of web between BASE + a and BASE + b. */
static bool digests_equal;   /* of the last diff_of's two services */

static unsigned diff_of(const char *a, const char *b)
{
	char ta[1024], tb[1024];
	struct loaded la, lb;

	snprintf(ta, sizeof(ta), "%s%s", BASE, a);
	snprintf(tb, sizeof(tb), "%s%s", BASE, b);
	expect_valid(&la, "a", ta);
	expect_valid(&lb, "b", tb);
	unsigned m = config_service_diff(&la.c->services[0], &lb.c->services[0]);
	digests_equal = config_service_digest(&la.c->services[0]) == config_service_digest(&lb.c->services[0]);
	loaded_done(&la);
	loaded_done(&lb);
	return m;
}

static void test_same(void **state)
{
	(void)state;
	assert_int_equal(diff_of("", ""), 0);
	assert_true(digests_equal);
	/* Equal after parsing: another spelling of the same values. */
	assert_int_equal(diff_of("    limits: {memory_max: 64M}\n", "    limits: {memory_max: 67108864}\n"), 0);
	assert_int_equal(diff_of("    stop: {timeout: 1s}\n", "    stop: {timeout: 1000ms}\n"), 0);
	assert_int_equal(diff_of("    env: {A: \"1\", B: \"2\"}\n", "    env: {A: \"1\", B: \"2\"}\n"), 0);
}

static void test_each_group(void **state)
{
	static const struct {
		const char *a, *b;
		enum config_key_group g;
		bool live;
		unsigned also;               /* groups that change with g */
	} cases[] = {
		{ "", "    instances: 3\n", CK_INSTANCES, true },
		{ "", "    env: {A: \"1\"}\n", CK_ENV, false },
		{ "    env: {A: \"1\"}\n", "    env: {A: \"2\"}\n", CK_ENV, false },
		{ "", "    cwd: /tmp\n", CK_CWD, false },
		/* HOME, USER, LOGNAME, SHELL come with the user. */
		{ "", "    user: nobody\n", CK_USER, false, CK_BIT(CK_ENV) },
		{ "", "    inherit_env: true\n", CK_ENV, false },
		{ "    inherit_env: [A]\n", "    inherit_env: [B]\n", CK_ENV, false },
		{ "", "    on_exit: shutdown\n", CK_ON_EXIT, true },
		{ "", "    umask: \"0077\"\n", CK_UMASK, false },
		{ "", "    restart: {policy: never}\n", CK_RESTART, true },
		{ "", "    restart: {backoff_max: 5s}\n", CK_RESTART, true },
		{ "", "    stop: {signal: SIGINT}\n", CK_STOP, true },
		{ "", "    limits: {nofile: 4096}\n", CK_NOFILE, false },
		{ "", "    limits: {memory_max: 64M}\n", CK_LIMITS, true },
		{ "    limits: {memory_max: 64M}\n", "    limits: {memory_max: 32M}\n", CK_LIMITS, true },
		{ "", "    limits: {io_max: [\"8:0 rbps=1000\"]}\n", CK_LIMITS, true },
		{ "", "    on_violation: {leak: freeze}\n", CK_ON_VIOLATION, true },
		{ "", "    leak: {window: 20m}\n", CK_LEAK, true },
		{ "", "    log: {timestamps: true}\n", CK_LOG, false },
		{ "    restart: {policy: never}\n", "    type: oneshot\n    restart: {policy: never}\n", CK_TYPE, false },
		{ "", "    readiness: {tcp: \"127.0.0.1:1\"}\n", CK_READINESS, false },
		{ "", "    health: {tcp: \"127.0.0.1:1\"}\n", CK_HEALTH, false },
	};
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		unsigned m = diff_of(cases[i].a, cases[i].b);
		if (m != (CK_BIT(cases[i].g) | cases[i].also))
			fail_msg("case %zu (%s): mask %#x, expected only %s", i, cases[i].b, m,
				 config_key_group_name(cases[i].g));
		assert_int_equal(!(m & ~CK_LIVE), cases[i].live);
		/* The digest an adopted instance is checked against changes
		 * exactly when reload would restart it. */
		if (digests_equal != cases[i].live)
			fail_msg("case %zu (%s): digest %s", i, cases[i].b, digests_equal ? "equal" : "differs");
	}
}

/* The command, depends_on (by name, whatever the index) and two groups at once. */
static void test_command_deps(void **state)
{
	struct loaded la, lb;
	(void)state;

	expect_valid(&la, "c1", "services:\n  db: {command: [/bin/true]}\n  web: {command: [/bin/sleep, \"1\"], depends_on: {db: started}}\n");
	expect_valid(&lb, "c2", "services:\n  x: {command: [/bin/true]}\n  db: {command: [/bin/true]}\n"
		     "  web: {command: [/bin/sleep, \"2\"], depends_on: {db: started}, instances: 2}\n");
	/* db moved from index 0 to 1: the same dependency. */
	assert_int_equal(config_service_diff(&la.c->services[1], &lb.c->services[2]),
			 CK_BIT(CK_COMMAND) | CK_BIT(CK_INSTANCES));
	loaded_done(&la);
	loaded_done(&lb);
	expect_valid(&la, "d1", "services:\n  db: {command: [/bin/true]}\n  web: {command: [/bin/true], depends_on: {db: started}}\n");
	expect_valid(&lb, "d2", "services:\n  db: {command: [/bin/true]}\n  web: {command: [/bin/true], depends_on: {db: ready}}\n");
	assert_int_equal(config_service_diff(&la.c->services[1], &lb.c->services[1]), CK_BIT(CK_DEPENDS_ON));
	loaded_done(&la);
	loaded_done(&lb);
}

static void test_names(void **state)
{
	char buf[64];
	(void)state;
	config_key_groups_format(CK_BIT(CK_LIMITS) | CK_BIT(CK_INSTANCES), buf, sizeof(buf));
	assert_string_equal(buf, "instances,limits");
	config_key_groups_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	for (int g = 0; g < _CK_MAX; g++)
		assert_non_null(config_key_group_name(g));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_each_group),
		cmocka_unit_test(test_command_deps),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
