/* SPDX-License-Identifier: MIT */
/*
 * test_cli_status.c: the text status for people (issue 16): a table whose
 * columns are as wide as their widest cell (a 64-byte name is never cut,
 * the last column is not padded) and status's exit code as LSB gives it
 * (0 all up, 3 one not running, 4 an instance asked for that is not there).
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cli/cli_status.h"
#include "cli/cli_table.h"

static char *print_table(const struct cli_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cli_table_print(t, f);
	fclose(f);
	return buf;
}

static void test_table_never_cuts(void **state)
{
	static const char *const head[] = { "INSTANCE", "STATE", "LAST EXIT" };
	char name[80];
	struct cli_table t;

	(void)state;
	memset(name, 'n', 64);
	strcpy(name + 64, ".0");
	assert_int_equal(cli_table_init(&t, head, 3), 0);
	assert_int_equal(cli_table_add(&t, (const char *[]){ name, "running", NULL }), 0);
	assert_int_equal(cli_table_add(&t, (const char *[]){ "a.1", "backoff 3.2s", "code=1 (exited)" }), 0);
	char *out = print_table(&t);
	char want[512];
	snprintf(want, sizeof(want), "%-66s  %-12s  LAST EXIT\n%-66s  %-12s  -\n%-66s  %-12s  code=1 (exited)\n",
		 "INSTANCE", "STATE", name, "running", "a.1", "backoff 3.2s");
	assert_string_equal(out, want);
	free(out);
	cli_table_done(&t);
	assert_int_equal(cli_table_init(&t, head, 0), -EINVAL);
	assert_int_equal(cli_table_init(&t, head, CLI_TABLE_MAX_COLS + 1), -EINVAL);
}

/* A status reply with one service whose instances are in these states. */
static json_object *reply_of(const char *const *states, size_t n)
{
	json_object *r = json_object_new_object(), *svcs = json_object_new_array(), *svc = json_object_new_object();
	json_object *insts = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *in = json_object_new_object();
		json_object_object_add(in, "index", json_object_new_int((int)i));
		json_object_object_add(in, "state", json_object_new_string(states[i]));
		json_object_array_add(insts, in);
	}
	json_object_object_add(svc, "name", json_object_new_string("web"));
	json_object_object_add(svc, "instances", insts);
	json_object_array_add(svcs, svc);
	json_object_object_add(r, "ok", json_object_new_boolean(1));
	json_object_object_add(r, "services", svcs);
	return r;
}

static void test_exit_codes(void **state)
{
	static const char *const up[] = { "starting", "running", "ready", "frozen", "completed" };
	static const char *const down[] = { "stopped", "stopping", "exited", "backoff", "failed" };
	(void)state;

	json_object *r = reply_of(up, 5);
	assert_int_equal(cli_status_exit(r, false), 0);
	json_object_put(r);
	for (size_t i = 0; i < 5; i++) {
		const char *states[] = { "running", down[i] };
		r = reply_of(states, 2);
		assert_int_equal(cli_status_exit(r, false), 3);
		json_object_put(r);
	}
	/* No instance: a service scaled to 0 is as asked (0), not unknown;
	 * one instance asked for and absent is unknown (4). */
	r = reply_of(NULL, 0);
	assert_int_equal(cli_status_exit(r, false), 0);
	assert_int_equal(cli_status_exit(r, true), 4);
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_never_cuts),
		cmocka_unit_test(test_exit_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
