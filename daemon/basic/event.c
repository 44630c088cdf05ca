/* SPDX-License-Identifier: MIT */
/*
 * event.c: an event's two forms. The text one is what the daemon's text
 * log has always printed (t_logformat.sh pins it); the JSON one types each
 * field as its call site did.
 */
#include <stdio.h>
#include <string.h>

#include "basic/event.h"
#include "basic/macro.h"
#include "basic/time_util.h"

json_object *event_to_json(const struct event *e)
{
	char ts[TIMESTAMP_MS_LEN + 1];
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	format_timestamp_ms(ts, e->wall_ns / NSEC_PER_MSEC);
	if (e->seq)
		json_object_object_add(o, "seq", json_object_new_int64((int64_t)e->seq));
	json_object_object_add(o, "ts", json_object_new_string(ts));
	json_object_object_add(o, "event", json_object_new_string(e->name));
	if (e->service) {
		json_object_object_add(o, "service", json_object_new_string(e->service));
		if (e->index >= 0)
			json_object_object_add(o, "index", json_object_new_int(e->index));
	}
	for (size_t i = 0; i < e->n_fields; i++) {
		const struct event_field *f = &e->fields[i];
		json_object_object_add(o, f->key, f->is_num ? json_object_new_int64(f->num) :
							     json_object_new_string(f->str ? f->str : ""));
	}
	return o;
}

size_t event_format_text(const struct event *e, char *line, size_t len)
{
	char ts[TIMESTAMP_MS_LEN + 1];
	size_t n = 0;

	if (len < 2)
		return 0;
#define APPEND(...)                                                              \
	do {                                                                     \
		int _m = snprintf(line + n, len - n, __VA_ARGS__);               \
		if (_m > 0)                                                      \
			n = MIN(n + (size_t)_m, len - 2);                        \
	} while (0)
	format_timestamp_ms(ts, e->wall_ns / NSEC_PER_MSEC);
	APPEND("%s ", ts);
	if (e->service && e->index >= 0)
		APPEND("%s.%d ", e->service, e->index);
	else if (e->service)
		APPEND("%s ", e->service);
	APPEND("%s", e->name);
	for (size_t i = 0; i < e->n_fields; i++) {
		const struct event_field *f = &e->fields[i];
		if (f->is_num) {
			APPEND(" %s=%lld", f->key, f->num);
			continue;
		}
		const char *v = f->str ? f->str : "";
		bool quote = strpbrk(v, " \t\"") != NULL;
		APPEND(quote ? " %s=\"%s\"" : " %s=%s", f->key, v);
	}
#undef APPEND
	line[n++] = '\n';
	line[n] = '\0';
	return n;
}
