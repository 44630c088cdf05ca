/* SPDX-License-Identifier: MIT */
/*
 * test_event_ring.c: the ring of recent events (basic/event_ring.c) and
 * what log_event() puts in it (basic/log.c). Both bounds hold, the count
 * and the bytes, the oldest going first; seqs run on without a gap, and a
 * gap empties the ring; --since finds the first event at or after a time;
 * a walk hands on what a filter takes, stops where its reader is full and
 * goes on from there, and says when a reader fell behind the oldest event
 * kept (the subscriber that is cut off); log_event's numbers are JSON
 * numbers, its strings strings, whatever they look like.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "basic/event_ring.h"
#include "basic/log.h"

static void push(struct event_ring *r, uint64_t seq, uint64_t t, const char *svc, int idx, size_t len)
{
	char line[256];

	assert_true(len < sizeof(line));
	memset(line, 'x', len);
	assert_int_equal(event_ring_push(r, seq, t, svc, idx, line, len), 0);
}

static void test_count_bound(void **state)
{
	struct event_ring r;
	(void)state;

	assert_int_equal(event_ring_init(&r, 4, 1 << 20), 0);
	assert_int_equal(event_ring_oldest(&r), 1);
	for (uint64_t s = 1; s <= 10; s++)
		push(&r, s, s * 100, "web", 0, 10);
	assert_int_equal(r.n, 4);
	assert_int_equal(event_ring_oldest(&r), 7);
	assert_int_equal(r.next_seq, 11);
	assert_int_equal(r.evicted, 6);
	assert_int_equal(r.bytes, 40);
	event_ring_done(&r);
}

static void test_byte_bound(void **state)
{
	struct event_ring r;
	(void)state;

	assert_int_equal(event_ring_init(&r, 100, 250), 0);
	for (uint64_t s = 1; s <= 5; s++)
		push(&r, s, s, NULL, -1, 100);
	/* 250 bytes hold two lines of 100. */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.bytes, 200);
	assert_int_equal(event_ring_oldest(&r), 4);
	/* A line over the whole bound is refused, the ring untouched. */
	char big[300] = { 0 };
	assert_int_equal(event_ring_push(&r, 6, 6, NULL, -1, big, sizeof(big)), -E2BIG);
	assert_int_equal(r.n, 2);
	/* An old seq is refused; a gap empties what came before it. */
	assert_int_equal(event_ring_push(&r, 5, 6, NULL, -1, "x", 1), -EINVAL);
	push(&r, 9, 9, NULL, -1, 10);
	assert_int_equal(r.n, 1);
	assert_int_equal(event_ring_oldest(&r), 9);
	event_ring_done(&r);
}

static void test_since(void **state)
{
	struct event_ring r;
	(void)state;

	assert_int_equal(event_ring_init(&r, 8, 1 << 20), 0);
	assert_int_equal(event_ring_since(&r, 0), 1);   /* empty: the next one */
	for (uint64_t s = 1; s <= 12; s++)
		push(&r, s, s * 1000, "a", 0, 5);       /* 5..12 kept */
	assert_int_equal(event_ring_since(&r, 0), 5);
	assert_int_equal(event_ring_since(&r, 7000), 7);
	assert_int_equal(event_ring_since(&r, 7001), 8);
	assert_int_equal(event_ring_since(&r, 12000), 12);
	assert_int_equal(event_ring_since(&r, 12001), 13);
	event_ring_done(&r);
}

struct reader {
	uint64_t got[64];
	size_t n, room;
};

static int take(const struct event_entry *e, void *ud)
{
	struct reader *rd = ud;
	if (rd->n == rd->room)
		return 1;
	rd->got[rd->n++] = e->seq;
	return 0;
}

static void test_walk_filter_and_stop(void **state)
{
	struct event_ring r;
	struct reader rd = { .room = 3 };
	struct event_filter web0 = { .service = "web", .index = 0 }, web = { .service = "web", .index = -1 };
	uint64_t cursor = 1;
	(void)state;

	assert_int_equal(event_ring_init(&r, 16, 1 << 20), 0);
	push(&r, 1, 1, "web", 0, 4);
	push(&r, 2, 2, "web", 1, 4);
	push(&r, 3, 3, NULL, -1, 4);     /* the daemon's own: not web's */
	push(&r, 4, 4, "web", -1, 4);    /* web's own (a reload): web.0's too */
	push(&r, 5, 5, "db", 0, 4);
	push(&r, 6, 6, "web", 0, 4);
	push(&r, 7, 7, "web", 0, 4);

	assert_int_equal(event_ring_walk(&r, &cursor, UINT64_MAX, &web0, take, &rd), EVENT_WALK_STOPPED);
	assert_int_equal(rd.n, 3);
	assert_int_equal(rd.got[0], 1);
	assert_int_equal(rd.got[1], 4);
	assert_int_equal(rd.got[2], 6);
	assert_int_equal(cursor, 7);     /* 7 was not taken: the reader was full */
	rd.room = 10;
	assert_int_equal(event_ring_walk(&r, &cursor, UINT64_MAX, &web0, take, &rd), EVENT_WALK_DONE);
	assert_int_equal(rd.n, 4);
	assert_int_equal(rd.got[3], 7);
	assert_int_equal(cursor, 8);

	/* Up to an end; the service's filter takes every instance of it. */
	rd.n = 0;
	cursor = 1;
	assert_int_equal(event_ring_walk(&r, &cursor, 5, &web, take, &rd), EVENT_WALK_DONE);
	assert_int_equal(rd.n, 3);
	assert_int_equal(cursor, 5);
	rd.n = 0;
	cursor = 1;
	assert_int_equal(event_ring_walk(&r, &cursor, UINT64_MAX, NULL, take, &rd), EVENT_WALK_DONE);
	assert_int_equal(rd.n, 7);
	event_ring_done(&r);
}

/* A reader that does not keep up: once what it has not read yet is
 * evicted, the walk says so and hands on nothing. */
static void test_walk_behind(void **state)
{
	struct event_ring r;
	struct reader rd = { .room = 64 };
	uint64_t slow = 1, fast = 1;
	(void)state;

	assert_int_equal(event_ring_init(&r, 4, 1 << 20), 0);
	for (uint64_t s = 1; s <= 4; s++)
		push(&r, s, s, "web", 0, 4);
	assert_int_equal(event_ring_walk(&r, &fast, UINT64_MAX, NULL, take, &rd), EVENT_WALK_DONE);
	push(&r, 5, 5, "web", 0, 4);    /* evicts 1, which slow has not read */
	assert_int_equal(event_ring_walk(&r, &fast, UINT64_MAX, NULL, take, &rd), EVENT_WALK_DONE);
	assert_int_equal(fast, 6);
	rd.n = 0;
	assert_int_equal(event_ring_walk(&r, &slow, UINT64_MAX, NULL, take, &rd), EVENT_WALK_BEHIND);
	assert_int_equal(rd.n, 0);
	assert_int_equal(slow, 1);
	event_ring_done(&r);
}

static size_t n_events;

static void count_sink(void *ud)
{
	(void)ud;
	n_events++;
}

static int grab(const struct event_entry *e, void *ud)
{
	json_object **o = ud;
	json_object_put(*o);
	*o = json_tokener_parse(e->line);
	return 0;
}

/* log_event: numbered, kept, typed by the call site. */
static void test_log_event_kept_and_typed(void **state)
{
	json_object *o = NULL, *v;
	uint64_t cursor = 1;
	(void)state;

	log_setup(LOG_FORMAT_TEXT, LOG_LVL_ERROR);   /* nothing on stderr but errors */
	assert_int_equal(log_keep_events(8, 1 << 16), 0);
	log_set_event_sink(count_sink, NULL);
	log_event("exit", "web", 2, LOG_NUM("code", 3), "cause", "exited", LOG_NUM("pid", 4242), NULL);
	log_event("restart", "web", 2, "delay", "100ms", "restarts", "12", NULL);
	log_event_debug("state", "web", 2, "from", "running", "to", "backoff", NULL);
	assert_int_equal(n_events, 3);
	const struct event_ring *r = log_events();
	assert_non_null(r);
	assert_int_equal(r->n, 3);

	assert_int_equal(event_ring_walk(r, &cursor, 2, NULL, grab, &o), EVENT_WALK_DONE);
	assert_true(json_object_object_get_ex(o, "seq", &v) && json_object_get_int64(v) == 1);
	assert_true(json_object_object_get_ex(o, "code", &v) && json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int(v), 3);
	assert_true(json_object_object_get_ex(o, "pid", &v) && json_object_get_int(v) == 4242);
	assert_true(json_object_object_get_ex(o, "index", &v) && json_object_get_int(v) == 2);
	assert_true(json_object_object_get_ex(o, "cause", &v) && json_object_is_type(v, json_type_string));
	/* Digits passed as a string stay a string. */
	assert_int_equal(event_ring_walk(r, &cursor, 3, NULL, grab, &o), EVENT_WALK_DONE);
	assert_true(json_object_object_get_ex(o, "restarts", &v) && json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), "12");
	/* A debug-level event is kept too. */
	assert_int_equal(event_ring_walk(r, &cursor, UINT64_MAX, NULL, grab, &o), EVENT_WALK_DONE);
	assert_true(json_object_object_get_ex(o, "event", &v));
	assert_string_equal(json_object_get_string(v), "state");
	json_object_put(o);
	log_set_event_sink(NULL, NULL);
	log_forget_events();
	assert_null(log_events());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_bound),
		cmocka_unit_test(test_byte_bound),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_walk_filter_and_stop),
		cmocka_unit_test(test_walk_behind),
		cmocka_unit_test(test_log_event_kept_and_typed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
