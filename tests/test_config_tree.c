/* SPDX-License-Identifier: MIT */
/*
 * test_config_tree.c: the tree pass of config_load() (config_tree.c) and
 * what it gives the error lines: every unknown and duplicate key in one
 * run, each at its line:column, the value errors of the same file still
 * reported, and each value error at its key's position; and the warnings
 * of config_load_warn() (config_warn.c). Files go to a private temp dir
 * (config_test_util.h).
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
#include <sys/stat.h>

#include <cmocka.h>

#define CONFIG_TEST_TMPDIR "/tmp/test_config_tree.XXXXXX"
#include "config/config.h"
#include "config/config_errors.h"
#include "config_test_util.h"
#include "basic/macro.h"

/* Error i is at line:column, for path, with a message starting msg. */
static void assert_note(const struct config_errors *e, size_t i, size_t line, size_t column,
			const char *path, const char *msg)
{
	if (i >= e->n) {
		print_message("no error %zu\n", i);
		fail();
	}
	if (e->notes[i].mark.line != line || e->notes[i].mark.column != column ||
	    strcmp(e->notes[i].path ? e->notes[i].path : "", path) != 0 ||
	    strncmp(e->notes[i].message, msg, strlen(msg)) != 0) {
		print_message("error %zu: want %zu:%zu %s: %s, got %s\n", i, line, column, path, msg,
			      e->lines[i]);
		fail();
	}
}

static void test_three_typos_one_run(void **state)
{
	static const char text[] = "supervisor:\n"
				   "  shutdown_timout: 5s\n"         /* 2:3 */
				   "services:\n"
				   "  web:\n"
				   "    command: [/bin/true]\n"
				   "    restrat: {policy: never}\n"      /* 6:5 */
				   "    stop: {signal: TERM, timeot: 1s}\n" /* 7:26 */
				   "    limits:\n"
				   "      nofile: 10\n";
	struct loaded l;
	char want[512];

	(void)state;
	load_text(&l, "typos", text);
	print_errors(&l);
	assert_int_equal(l.r, -EINVAL);
	assert_null(l.c);
	assert_int_equal(l.errs.n, 3);
	assert_note(&l.errs, 0, 2, 3, "supervisor.shutdown_timout",
		    "unknown key (did you mean shutdown_timeout?)");
	assert_note(&l.errs, 1, 6, 5, "services.web.restrat", "unknown key (did you mean restart?)");
	assert_note(&l.errs, 2, 7, 26, "services.web.stop.timeot", "unknown key");
	/* The line as people and editors read it. */
	snprintf(want, sizeof(want), "%s:6:5: services.web.restrat: unknown key", l.path);
	assert_true(strncmp(l.errs.lines[1], want, strlen(want)) == 0);
	loaded_done(&l);
}

/* An unknown key is left out whole, however deep its value: the keys after
 * it are still checked, and the file's value errors still reported. */
static void test_typos_and_values_together(void **state)
{
	static const char text[] = "services:\n"
				   "  web:\n"
				   "    command: [/bin/true]\n"
				   "    helth:\n"                 /* 4:5 */
				   "      exec: [x]\n"
				   "      bogus: {a: [1, 2]}\n"
				   "    instances: 0\n"           /* 7:5 */
				   "    restart:\n"
				   "      policy: maybe\n"        /* 9:7 */
				   "      policy: never\n"        /* 10:7 */
				   "  api:\n"
				   "    command: [/bin/true]\n"
				   "    cwd: relative\n";         /* 13:5 */
	struct loaded l;

	(void)state;
	load_text(&l, "mixed", text);
	print_errors(&l);
	assert_int_equal(l.r, -EINVAL);
	assert_int_equal(l.errs.n, 5);
	assert_note(&l.errs, 0, 4, 5, "services.web.helth", "unknown key (did you mean health?)");
	assert_note(&l.errs, 1, 7, 5, "services.web.instances", "0 is below the minimum of 1");
	assert_note(&l.errs, 2, 9, 7, "services.web.restart.policy", "\"maybe\" is not one of");
	assert_note(&l.errs, 3, 10, 7, "services.web.restart.policy",
		    "duplicate key (first at line 9)");
	assert_note(&l.errs, 4, 13, 5, "services.api.cwd", "\"relative\" is not an absolute path");
	loaded_done(&l);
}

static void test_duplicate_key(void **state)
{
	struct loaded l;

	(void)state;
	load_text(&l, "dup", "services:\n  web:\n    command: [/bin/true]\n"
			     "    stop: {timeout: 1s, timeout: 2s}\n");
	print_errors(&l);
	assert_int_equal(l.r, -EINVAL);
	assert_int_equal(l.errs.n, 1);
	assert_note(&l.errs, 0, 4, 25, "services.web.stop.timeout", "duplicate key (first at line 4)");
	loaded_done(&l);
}

/* A syntax error stops there, at its position, with the path it was in. */
static void test_syntax_error_position(void **state)
{
	struct loaded l;

	(void)state;
	load_text(&l, "syntax", "services:\n  web:\n    bogus: 1\n    command: [a\n  x: y\n");
	print_errors(&l);
	assert_int_equal(l.r, -EINVAL);
	assert_int_equal(l.errs.n, 1);
	assert_note(&l.errs, 0, 5, 4, "services.web.command[1]",
		    "YAML syntax error: did not find expected ',' or ']'");
	loaded_done(&l);
}

/* A value error is at its key, a list entry's at the entry; a missing key's
 * error at the nearest key that is in the file. */
static void test_value_error_positions(void **state)
{
	static const char text[] = "services:\n"
				   "  web:\n"
				   "    command: [/bin/true, \"\"]\n"
				   "    env:\n"
				   "      1BAD: x\n"              /* 5:7, the key */
				   "    restart:\n"               /* 6:5 */
				   "      backoff_initial: 40s\n"
				   "    limits: {io_max: [\"8:0 rbps=1\", nonsense]}\n"; /* 8:37 */
	struct loaded l;

	(void)state;
	load_text(&l, "values", text);
	print_errors(&l);
	assert_int_equal(l.r, -EINVAL);
	assert_int_equal(l.errs.n, 3);
	assert_note(&l.errs, 0, 5, 7, "services.web.env.1BAD", "invalid variable name");
	assert_note(&l.errs, 1, 6, 5, "services.web.restart.backoff_max", "30s (the default)");
	assert_note(&l.errs, 2, 8, 37, "services.web.limits.io_max[1]", "\"nonsense\"");
	loaded_done(&l);
}

/* Bounded: the 64 first in the file order are kept, the rest counted. */
static void test_many_unknown_keys_capped(void **state)
{
	char text[8192];
	size_t used;
	struct loaded l;

	(void)state;
	used = (size_t)snprintf(text, sizeof(text), "services:\n  web:\n    command: [/bin/true]\n");
	for (int i = 0; i < 100; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "    typo%d: 1\n", i);
	load_text(&l, "many", text);
	assert_int_equal(l.r, -EINVAL);
	assert_int_equal(l.errs.n, CONFIG_MAX_ERRORS);
	assert_int_equal(l.errs.dropped, 100 - CONFIG_MAX_ERRORS);
	assert_note(&l.errs, 0, 4, 5, "services.web.typo0", "unknown key");
	loaded_done(&l);
}

static void test_warnings(void **state)
{
	struct config_errors errs = { 0 }, warns = { .warnings = true };
	struct config *c = NULL;
	char path[256], text[1024], want[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/warn.yaml", tmpdir);
	snprintf(text, sizeof(text),
		 "services:\n"
		 "  ok:\n    command: [sh, -c, \"exit 0\"]\n"
		 "  gone:\n    command: [no-such-program-rv]\n"                /* 5:15 */
		 "  dir:\n    command: [/bin/true]\n    cwd: %s/nowhere\n"       /* 8:5 */
		 "  plain:\n    command: [./warn.yaml]\n    cwd: %s\n"          /* 10:15 */
		 "  own_path:\n    command: [true]\n    env: {PATH: %s}\n",      /* 13:15 */
		 tmpdir, tmpdir, tmpdir);
	write_file(path, text, strlen(text));
	assert_int_equal(config_load_warn(path, &c, &errs, &warns), 0);
	assert_non_null(c);
	for (size_t i = 0; i < warns.n; i++)
		print_message("  %s\n", warns.lines[i]);
	assert_int_equal(errs.n, 0);
	assert_int_equal(warns.n, 4);
	assert_note(&warns, 0, 5, 15, "services.gone.command[0]",
		    "\"no-such-program-rv\" is not found in PATH (/usr/local/sbin:");
	assert_note(&warns, 1, 8, 5, "services.dir.cwd", "");
	assert_true(strstr(warns.notes[1].message, "/nowhere\" does not exist"));
	assert_note(&warns, 2, 10, 15, "services.plain.command[0]", "");
	snprintf(want, sizeof(want), "\"%s/warn.yaml\" is not an executable file", tmpdir);
	assert_string_equal(warns.notes[2].message, want);
	assert_note(&warns, 3, 13, 15, "services.own_path.command[0]", "\"true\" is not found in PATH");
	snprintf(want, sizeof(want), "%s:5:15: warning: services.gone.command[0]: ", path);
	assert_true(strncmp(warns.lines[0], want, strlen(want)) == 0);
	c = config_free(c);
	config_errors_done(&errs);
	config_errors_done(&warns);
	/* Without a warnings list nothing is looked at, and nothing fails. */
	assert_int_equal(config_load(path, &c, &errs), 0);
	c = config_free(c);
	config_errors_done(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_typos_one_run),
		cmocka_unit_test(test_typos_and_values_together),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_value_error_positions),
		cmocka_unit_test(test_many_unknown_keys_capped),
		cmocka_unit_test(test_warnings),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
