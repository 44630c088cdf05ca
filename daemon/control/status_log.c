/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "control/status_log.h"

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)MIN(v, (uint64_t)INT64_MAX)));
}

json_object *status_log_stream(const struct logstream *s)
{
	json_object *o = json_object_new_object();
	uint64_t held_ns = s->c.held_back_ns + (s->held ? now_ns() - s->held_since_ns : 0);

	add_u64(o, "bytes_in", s->c.bytes_in);
	add_u64(o, "lines_in", s->c.lines_in);
	add_u64(o, "bytes_written", s->c.bytes_written);
	add_u64(o, "dropped_bytes", s->c.dropped_bytes);
	add_u64(o, "dropped_lines", s->c.dropped_lines);
	add_u64(o, "held_back", s->c.held_back);
	add_u64(o, "held_back_ms", held_ns / NSEC_PER_MSEC);
	json_object_object_add(o, "held", json_object_new_boolean(s->held));
	add_u64(o, "write_errors", s->c.write_errors);
	add_u64(o, "rotations", s->file.rotations);
	add_u64(o, "buffered", linebuf_len(&s->in) + s->out_len);
	json_object_object_add(o, "file", s->path ? json_object_new_string(s->path) : NULL);
	json_object_object_add(o, "last_error",
			       s->c.last_error ? json_object_new_string(strerror(-s->c.last_error)) : NULL);
	if (s->merged)
		json_object_object_add(o, "merged", json_object_new_boolean(1));
	return o;
}
