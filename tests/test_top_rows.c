/* SPDX-License-Identifier: MIT */
/*
 * test_top_rows.c: top's rows from status and leaks replies: MEM from
 * memory.current or the leak pass's RSS, FDS/THREADS from status's usage
 * (leaks for a daemon without it), CPU% from two refreshes and computed
 * once (drawing the same snapshot twice gives the same frame), each sort
 * order, the filter in any case, and the "... N more" line's counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cli/top_draw.h"
#include "cli/top_rows.h"

/* A status reply: web.0 busy (cpu usec), web.1 with usage only,
 * api.0 with memory.current and 2 restarts, api.1 stopped (nothing). */
static json_object *status_at(int64_t web0_usec)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
		 "{\"ok\":true,\"supervisor\":{\"pid\":1,\"instances\":4,\"usage_source\":\"bpf\"},\"services\":["
		 "{\"name\":\"web\",\"instances\":["
		 "{\"index\":0,\"state\":\"running\",\"pid\":10,\"restarts\":0,\"cgroup\":{\"cpu_usage_usec\":%lld},"
		 "\"usage\":{\"fds\":5,\"threads\":2,\"memory\":4096,\"memory_source\":\"rss\",\"ago_ms\":300}},"
		 "{\"index\":1,\"state\":\"running\",\"pid\":11,\"restarts\":1,\"cgroup\":{\"cpu_usage_usec\":7},"
		 "\"usage\":{\"fds\":50,\"threads\":1,\"memory\":1048576,\"memory_source\":\"rss\",\"ago_ms\":900}}]},"
		 "{\"name\":\"api\",\"instances\":["
		 "{\"index\":0,\"state\":\"running\",\"pid\":12,\"restarts\":2,\"cgroup\":{\"cpu_usage_usec\":9,"
		 "\"memory_current\":8388608},\"usage\":{\"fds\":3,\"threads\":8,\"memory\":1,\"memory_source\":"
		 "\"memory.current\",\"ago_ms\":100}},"
		 "{\"index\":1,\"state\":\"stopped\",\"pid\":null,\"restarts\":0,\"usage\":null}]}]}",
		 (long long)web0_usec);
	return json_tokener_parse(buf);
}

static void refresh(struct top *t, int64_t web0_usec, uint64_t at_ns)
{
	top_rows_free(&t->snap);
	json_object_put(t->snap.status);
	json_object_put(t->snap.leaks);
	t->snap = (struct snapshot){ .status = status_at(web0_usec), .at_ns = at_ns, .at_wall = 0 };
	assert_int_equal(top_rows_collect(t, &t->snap), 0);
}

static void top_done(struct top *t)
{
	top_rows_free(&t->snap);
	json_object_put(t->snap.status);
	json_object_put(t->prev_cpu);
	free(t->out.p);
}

static const struct top_row *row_of(const struct snapshot *s, const char *key)
{
	for (size_t i = 0; i < s->n_rows; i++)
		if (!strcmp(s->rows[i].key, key))
			return &s->rows[i];
	fail_msg("no row %s", key);
	return NULL;
}

static void test_figures(void **state)
{
	struct top t = { .interval_ms = 1000, .width = INT32_MAX, .height = INT32_MAX };
	(void)state;

	refresh(&t, 1000, 1000000000ULL);
	assert_int_equal(t.snap.n_rows, 4);
	assert_true(row_of(&t.snap, "web.0")->cpu < 0);   /* no previous sample */
	assert_int_equal(row_of(&t.snap, "web.0")->mem, 4096);             /* rss */
	assert_int_equal(row_of(&t.snap, "api.0")->mem, 8388608);          /* memory.current */
	assert_int_equal(row_of(&t.snap, "api.1")->mem, -1);
	assert_int_equal(row_of(&t.snap, "web.1")->fds, 50);
	assert_true(t.snap.cpu_cgroup && t.snap.mem_cgroup && t.snap.mem_rss);
	assert_int_equal(t.snap.usage_ago_ms, 900);
	/* 0.5 s of CPU over 1 s: 50% */
	refresh(&t, 501000, 2000000000ULL);
	assert_true(row_of(&t.snap, "web.0")->cpu > 49.9 && row_of(&t.snap, "web.0")->cpu < 50.1);
	assert_true(row_of(&t.snap, "web.1")->cpu == 0);
	top_done(&t);
}

/* Drawing the same snapshot again (a key) changes nothing: the rates are
 * the refresh's, not the drawing's. */
static void test_redraw_same(void **state)
{
	struct top t = { .interval_ms = 1000, .width = INT32_MAX, .height = INT32_MAX };
	(void)state;

	refresh(&t, 1000, 1000000000ULL);
	refresh(&t, 501000, 2000000000ULL);
	top_render(&t);
	char *first = strndup(t.out.p, t.out.len);
	assert_non_null(strstr(first, " 50.0 "));
	top_render(&t);
	assert_string_equal(t.out.p, first);
	free(first);
	top_done(&t);
}

static void order(struct top *t, enum top_sort by, const char *want)
{
	char got[128] = "";
	t->sort = by;
	top_rows_view(t, &t->snap);
	for (size_t i = 0; i < t->snap.n_view; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s ", t->snap.rows[t->snap.view[i]].key);
	assert_string_equal(got, want);
}

static void test_sort_filter(void **state)
{
	struct top t = { .interval_ms = 1000, .width = INT32_MAX, .height = INT32_MAX };
	(void)state;

	refresh(&t, 1000, 1000000000ULL);
	refresh(&t, 501000, 2000000000ULL);
	order(&t, TOP_SORT_NAME, "api.0 api.1 web.0 web.1 ");
	order(&t, TOP_SORT_CPU, "web.0 api.0 web.1 api.1 ");      /* unknown last */
	order(&t, TOP_SORT_MEMORY, "api.0 web.1 web.0 api.1 ");
	order(&t, TOP_SORT_FDS, "web.1 web.0 api.0 api.1 ");
	order(&t, TOP_SORT_THREADS, "api.0 web.0 web.1 api.1 ");
	order(&t, TOP_SORT_RESTARTS, "api.0 web.1 api.1 web.0 "); /* ties by name */
	strcpy(t.filter, "WEB");
	order(&t, TOP_SORT_NAME, "web.0 web.1 ");
	strcpy(t.filter, ".1");
	order(&t, TOP_SORT_NAME, "api.1 web.1 ");
	strcpy(t.filter, "nothing");
	order(&t, TOP_SORT_NAME, "");
	top_done(&t);
}

/* Live, 4 header lines + 3 more: 2 rows and the count of the others;
 * the offset is clamped to the last page. */
static void test_scroll_counts(void **state)
{
	struct top t = { .interval_ms = 1000, .live = true, .width = 200, .height = 7 };
	(void)state;

	refresh(&t, 1000, 1000000000ULL);
	top_render(&t);
	assert_non_null(strstr(t.out.p, "... 2 more: 0 above, 2 below"));
	t.offset = 1;
	top_render(&t);
	assert_non_null(strstr(t.out.p, "... 2 more: 1 above, 1 below"));
	assert_non_null(strstr(t.out.p, "api.1 "));
	assert_null(strstr(t.out.p, "api.0 "));
	t.offset = 99;
	top_render(&t);
	assert_int_equal(t.offset, 2);
	assert_non_null(strstr(t.out.p, "... 2 more: 2 above, 0 below"));
	assert_int_equal(t.page, 2);
	top_done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_redraw_same),
		cmocka_unit_test(test_sort_filter),
		cmocka_unit_test(test_scroll_counts),
	};
	return cmocka_run_group_tests_name("top_rows", tests, NULL, NULL);
}
