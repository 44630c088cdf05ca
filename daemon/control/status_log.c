/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "basic/macro.h"
#include "basic/time_util.h"
#include "control/status_log.h"

/* As an int64, as json-c showed them: a counter past INT64_MAX is capped. */
static void add_u64(struct json_out *j, const char *k, uint64_t v)
{
	json_out_kint(j, k, (int64_t)MIN(v, (uint64_t)INT64_MAX));
}

void status_log_stream(struct json_out *j, const struct logstream *s)
{
	uint64_t held_ns = s->c.held_back_ns + (s->held ? now_ns() - s->held_since_ns : 0);

	json_out_object(j);
	add_u64(j, "bytes_in", s->c.bytes_in);
	add_u64(j, "lines_in", s->c.lines_in);
	add_u64(j, "bytes_written", s->c.bytes_written);
	add_u64(j, "spliced_bytes", s->c.spliced_bytes);
	add_u64(j, "dropped_bytes", s->c.dropped_bytes);
	add_u64(j, "dropped_lines", s->c.dropped_lines);
	add_u64(j, "held_back", s->c.held_back);
	add_u64(j, "held_back_ms", held_ns / NSEC_PER_MSEC);
	json_out_kbool(j, "held", s->held);
	add_u64(j, "write_errors", s->c.write_errors);
	add_u64(j, "rotations", s->file.rotations);
	add_u64(j, "buffered", linebuf_len(&s->in) + s->out_len);
	json_out_kstring(j, "file", s->path);
	json_out_kstring(j, "last_error", s->c.last_error ? strerror(-s->c.last_error) : NULL);
	if (s->merged)
		json_out_kbool(j, "merged", true);
	json_out_end(j);
}
