/* SPDX-License-Identifier: MIT */
/*
 * logs_reply.c: the `logs` command. The reply carries the last N lines of each
 * stream's in-memory tail; with `follow` the client then gets every new line
 * (control.c keeps it as a follower of those streams).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/base64.h"
#include "basic/macro.h"
#include "basic/time_util.h"
#include "basic/utf8.h"
#include "control/logs_reply.h"
#include "policy/supervisor.h"

json_object *logs_line_json(const struct logstream *s, const char *line, size_t n, bool split,
			    bool truncated, uint64_t seq, uint64_t ts_ms)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "service", json_object_new_string(s->service));
	json_object_object_add(o, "index", json_object_new_int((int)s->index));
	json_object_object_add(o, "stream", json_object_new_string(s->is_stderr ? "stderr" : "stdout"));
	if (seq != LOGS_NO_SEQ)
		json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	if (ts_ms) {
		char ts[TIMESTAMP_MS_LEN + 1];
		format_timestamp_ms(ts, ts_ms);
		json_object_object_add(o, "ts", json_object_new_string(ts));
	}
	json_object_object_add(o, "line", json_string_utf8(line, n));
	if (!utf8_valid(line, n)) {
		/* "line" has U+FFFD for what is not UTF-8: the bytes as written
		 * go beside it, for `logs --raw` and the \xHH of text output. */
		_cleanup_free_ char *b64 = malloc(BASE64_LEN(n) + 1);
		if (b64) {
			base64_encode(line, n, b64);
			json_object_object_add(o, "bytes", json_object_new_string(b64));
		}
	}
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

/* Bytes a line costs in the reply, near enough: what wraps it
 * ({"service":...,"seq":...,"ts":...,"line":""}), and its text with
 * escapes at worst 6x. */
#define LINE_OVERHEAD 160

struct reply_ctx {
	uint32_t want;
	uint64_t since;                /* ms since the epoch; 0 = any */
	json_object *lines, *notes;
	const struct logstream *s;
	size_t bytes, max_bytes;
	size_t read_left;              /* bytes all streams may still read back from files */
};

/* What one request may read back from files over all its streams: each
 * stream is bounded by LOGREAD_MAX_BYTES, and a service of 1000 instances
 * must not make one request read 16 GB on the loop. */
#define LOGS_READ_TOTAL (4 * LOGREAD_MAX_BYTES)

/* What a line read back from a file costs, closer: a file may give 100000
 * short lines, which must fit the reply. Its wrapping has no seq, split or
 * truncated: {"service":"","index":99999,"stream":"stderr","ts":"<24>",
 * "line":""}, and a comma, is 89 bytes and the name. Escapes: a control
 * byte as \u00XX (6), '"', '\\' and '/' doubled, a byte past ASCII at
 * worst a U+FFFD (3). */
#define FILE_LINE_OVERHEAD 96

static size_t file_line_cost(const char *line, size_t n, void *userdata)
{
	const struct reply_ctx *rc = userdata;
	size_t c = FILE_LINE_OVERHEAD + strlen(rc->s->service);

	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)line[i];
		c += b < 0x20 ? 6 : b == '"' || b == '\\' || b == '/' ? 2 : b >= 0x80 ? 3 : 1;
	}
	return c + (utf8_valid(line, n) ? 0 : BASE64_LEN(n) + 12);   /* "bytes" */
}

static int add_tail_line(const char *line, size_t n, unsigned flags, uint64_t seq, uint64_t ts_ms,
			 void *userdata)
{
	struct reply_ctx *rc = userdata;

	if (rc->since && ts_ms < rc->since)
		return 0;
	/* Counted before it is built: a reply past the bound is never made. */
	rc->bytes += n + LINE_OVERHEAD + (utf8_valid(line, n) ? 0 : BASE64_LEN(n));
	if (rc->bytes > rc->max_bytes)
		return -E2BIG;
	json_object_array_add(rc->lines, logs_line_json(rc->s, line, n, flags & LOGTAIL_SPLIT,
							flags & LOGTAIL_TRUNCATED, seq, ts_ms));
	return 0;
}

static int add_file_line(const char *line, size_t n, uint64_t ts_ms, void *userdata)
{
	struct reply_ctx *rc = userdata;

	rc->bytes += file_line_cost(line, n, rc);
	json_object_array_add(rc->lines, logs_line_json(rc->s, line, n, false, false, LOGS_NO_SEQ, ts_ms));
	return 0;
}

static void note(struct reply_ctx *rc, const char *fmt, ...) _printf_(2, 3);
static void note(struct reply_ctx *rc, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!rc->notes)
		rc->notes = json_object_new_array();
	json_object_array_add(rc->notes, json_object_new_string(buf));
}

/* Does the tail alone answer? It does when it holds `want` lines, or a
 * line older than `since` (so every newer one). A tail that never lost a
 * line may still be short of the file: a daemon restarted (reexec) starts
 * with an empty tail beside a file of the service's history. */
static bool tail_answers(const struct reply_ctx *rc, const struct logstream *s)
{
	if (s->tail.count >= rc->want)
		return true;
	return rc->since && s->tail.count && logtail_oldest_ts(&s->tail) < rc->since;
}

/* The lines from the stream's files; false when they could not be read
 * (the tail answers then, with a note). */
static bool add_from_file(struct reply_ctx *rc, struct logstream *s)
{
	struct logread_req req = {
		.want = rc->want, .since_ms = rc->since, .max_bytes = MIN(rc->read_left, LOGREAD_MAX_BYTES),
		.cost = file_line_cost, .budget = rc->max_bytes - MIN(rc->bytes, rc->max_bytes),
		.cost_userdata = rc,
	};
	struct logread_result res;
	int r;

	if (req.max_bytes == 0) {
		note(rc, "%s.%u: the in-memory tail only: this request read back its %u MiB from files "
		     "already; ask for one instance", s->service, s->index, LOGS_READ_TOTAL >> 20);
		return false;
	}
	r = logstream_read_back(s, &req, add_file_line, rc, &res);
	if (r < 0) {
		note(rc, "%s.%u: cannot read %s back (%s): the in-memory tail only", s->service, s->index,
		     s->path, strerror(-r));
		return false;
	}
	rc->read_left -= MIN(res.bytes_read, rc->read_left);
	if (res.bytes_capped)
		note(rc, "%s.%u: read back at most %zu MiB of %s and its rotated files", s->service,
		     s->index, req.max_bytes >> 20, s->path);
	if (res.budget_capped)
		note(rc, "%s.%u: older lines left out: a reply is at most %zu MiB", s->service, s->index,
		     rc->max_bytes >> 20);
	return true;
}

/* The tail came up short and no file answers: say why, if lines were lost. */
static void note_tail_only(struct reply_ctx *rc, const struct logstream *s)
{
	bool lost = logtail_first_seq(&s->tail) > 0;

	if (s->has_file && !s->file_ok)
		note(rc, "%s.%u: only the last %zu lines are in memory: the log file %s was refused "
		     "at start (see the daemon's log)", s->service, s->index, s->tail.count, s->path);
	else if (!s->file_ok && lost)
		note(rc, "%s.%u: only the last %zu lines are kept in memory (log.tail); "
		     "set log.dir to keep more in files", s->service, s->index, s->tail.count);
	else if (s->file_ok && rc->since && !s->cfg->timestamps)
		note(rc, "%s.%u: --since reaches back only through the in-memory tail (%zu lines): "
		     "%s has no times (set log.timestamps)", s->service, s->index, s->tail.count, s->path);
}

static int add_stream(struct logstream *s, void *userdata)
{
	struct reply_ctx *rc = userdata;

	rc->s = s;
	/* No tail yet: the stream has not had a byte since we started. */
	if (s->tail.buf && tail_answers(rc, s))
		return logtail_foreach_last(&s->tail, rc->want, add_tail_line, rc) < 0 ? -E2BIG : 0;
	if (s->file_ok && (!rc->since || s->cfg->timestamps) && add_from_file(rc, s))
		return 0;
	if (!s->tail.buf)
		return 0;
	note_tail_only(rc, s);
	return logtail_foreach_last(&s->tail, rc->want, add_tail_line, rc) < 0 ? -E2BIG : 0;
}

static json_object *error_reply(const char *msg)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/* A target that names nothing: the CLI exits 4 for it (docs/cli.md). */
static json_object *unknown_reply(const char *msg)
{
	json_object *o = error_reply(msg);
	json_object_object_add(o, "unknown_target", json_object_new_boolean(1));
	return o;
}

json_object *logs_reply(struct supervisor *sup, const struct rv_request *req, size_t max_bytes)
{
	struct reply_ctx rc = { .want = req->lines, .lines = json_object_new_array(), .max_bytes = max_bytes,
				.read_left = LOGS_READ_TOTAL };
	uint64_t now_ms = realtime_ns() / NSEC_PER_MSEC;

	if (req->since_ms)
		rc.since = now_ms > req->since_ms ? now_ms - req->since_ms : 1;
	int r = logs_for_each_stream(sup, req, add_stream, &rc);
	json_object *o;

	if (r <= 0) {
		json_object_put(rc.lines);
		json_object_put(rc.notes);
		if (r != -E2BIG)
			return unknown_reply(r == -ENOENT ? "no such service" : "no such instance");
		return error_reply("reply too large: ask for fewer lines, or one instance");
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "lines", rc.lines);
	if (rc.notes)
		json_object_object_add(o, "notes", rc.notes);
	return o;
}

struct rotate_ctx {
	json_object *rotated;
	char error[512];
};

static int rotate_stream(struct logstream *s, void *userdata)
{
	struct rotate_ctx *c = userdata;
	int r = logstream_rotate(s);

	if (r == -ENOENT)
		return 0;   /* no file: nothing to rotate */
	if (r < 0 && !c->error[0])
		snprintf(c->error, sizeof(c->error), "cannot rotate %s: %s", s->path, strerror(-r));
	if (r >= 0)
		json_object_array_add(c->rotated, json_object_new_string(s->path));
	return 0;
}

json_object *logs_rotate_reply(struct supervisor *sup, const struct rv_request *req)
{
	struct rotate_ctx c = { .rotated = json_object_new_array() };
	int r = logs_for_each_stream(sup, req, rotate_stream, &c);

	if (r <= 0 || c.error[0] || json_object_array_length(c.rotated) == 0) {
		json_object_put(c.rotated);
		if (r == -ENOENT || r == 0)
			return unknown_reply(r == -ENOENT ? "no such service" : "no such instance");
		return error_reply(c.error[0] ? c.error : "no log file to rotate (log.dir is not set)");
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "rotated", c.rotated);
	return o;
}
