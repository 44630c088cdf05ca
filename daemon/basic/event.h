/* SPDX-License-Identifier: MIT */
/*
 * event.h: one event of the daemon (a state change, an exit, a violation,
 * a reload, ...) as log_event() collects it from its call site, before it
 * becomes a line: its name, its service and instance, and its fields, each
 * a string or a number by what the call site passed (LOG_NUM in log.h),
 * never by what the text looks like. Both forms of the line come from
 * here: the text log's and the JSON one (the daemon's JSON log, and the
 * event stream of `ringvisor events`, docs/events.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define EVENT_MAX_FIELDS 16

struct event_field {
	const char *key;
	bool is_num;
	long long num;            /* when is_num */
	const char *str;          /* else; NULL prints as "" */
};

struct event {
	uint64_t seq;             /* 1, 2, ... in this process; 0: not numbered (no "seq" member) */
	uint64_t wall_ns;         /* when it happened, the wall clock ("ts") */
	const char *name;         /* "exit", "state", ... */
	const char *service;      /* NULL: the daemon's own event */
	int index;                /* -1: the service as a whole */
	struct event_field fields[EVENT_MAX_FIELDS];
	size_t n_fields;          /* fields past EVENT_MAX_FIELDS are not kept */
};

/* {"seq":N (when numbered),"ts":"...","event":NAME,"service":S,"index":I,
 * then each field}: numbers as JSON numbers, strings as strings. */
json_object *event_to_json(const struct event *e);
/* "TS SERVICE.INDEX NAME key=value key=\"a value\"\n" into buf (cut to
 * fit, the newline kept); returns the length. The text log's line. */
size_t event_format_text(const struct event *e, char *buf, size_t len);
