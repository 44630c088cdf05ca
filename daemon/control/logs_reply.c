/* SPDX-License-Identifier: MIT */
/*
 * logs_reply.c: the `logs` command. The reply carries the last N lines of each
 * stream's in-memory tail; with `follow` the client then gets every new line
 * (control.c keeps it as a follower of those streams).
 */
#include <string.h>

#include "basic/utf8.h"
#include "control/logs_reply.h"
#include "policy/supervisor.h"

json_object *logs_line_json(const struct logstream *s, const char *line, size_t n, bool split,
			    bool truncated, uint64_t seq)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "service", json_object_new_string(s->service));
	json_object_object_add(o, "index", json_object_new_int((int)s->index));
	json_object_object_add(o, "stream", json_object_new_string(s->is_stderr ? "stderr" : "stdout"));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "line", json_string_utf8(line, n));
	if (split)
		json_object_object_add(o, "split", json_object_new_boolean(1));
	if (truncated)
		json_object_object_add(o, "truncated", json_object_new_boolean(1));
	return o;
}

int logs_for_each_stream(struct supervisor *sup, const struct rv_request *req,
			 int (*fn)(struct logstream *s, void *userdata), void *userdata)
{
	struct service *svc = supervisor_find_service(sup, req->service);
	int n = 0;

	if (!svc)
		return -ENOENT;
	for (uint32_t i = 0; i < svc->n_instances; i++) {
		struct instance *inst = svc->instances[i];
		if (!inst || (req->index >= 0 && inst->index != (unsigned)req->index))
			continue;
		struct logstream *streams[] = { inst->log_out, inst->log_err };
		for (size_t k = 0; k < 2; k++) {
			if (!streams[k])
				continue;
			int r = fn(streams[k], userdata);
			if (r < 0)
				return r;
			n++;
		}
	}
	return n;
}

/* Bytes a line costs in the reply, near enough: its text and what wraps
 * it ({"service":...,"seq":...,"line":""}) with escapes at worst 6x. */
#define LINE_OVERHEAD 160

struct reply_ctx {
	uint32_t want;
	json_object *lines;
	const struct logstream *s;
	size_t bytes, max_bytes;
};

static int add_tail_line(const char *line, size_t n, unsigned flags, uint64_t seq, void *userdata)
{
	struct reply_ctx *rc = userdata;

	/* Counted before it is built: a reply past the bound is never made. */
	rc->bytes += n + LINE_OVERHEAD;
	if (rc->bytes > rc->max_bytes)
		return -E2BIG;
	json_object_array_add(rc->lines, logs_line_json(rc->s, line, n, flags & LOGTAIL_SPLIT,
							flags & LOGTAIL_TRUNCATED, seq));
	return 0;
}

static int add_tail(struct logstream *s, void *userdata)
{
	struct reply_ctx *rc = userdata;

	/* No tail yet: the stream has not had a byte. */
	rc->s = s;
	if (!s->tail.buf)
		return 0;
	return logtail_foreach_last(&s->tail, rc->want, add_tail_line, rc) < 0 ? -E2BIG : 0;
}

static json_object *error_reply(const char *msg)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

json_object *logs_reply(struct supervisor *sup, const struct rv_request *req, size_t max_bytes)
{
	struct reply_ctx rc = { .want = req->lines, .lines = json_object_new_array(), .max_bytes = max_bytes };
	int r = logs_for_each_stream(sup, req, add_tail, &rc);
	json_object *o;

	if (r <= 0) {
		json_object_put(rc.lines);
		return error_reply(r == -E2BIG ? "reply too large: ask for fewer lines, or one instance" :
				   r == -ENOENT ? "no such service" : "no such instance");
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "lines", rc.lines);
	return o;
}
