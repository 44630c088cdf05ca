/* SPDX-License-Identifier: MIT */
/*
 * protocol.c: request parsing and formatting with json-c. The length is
 * checked before the tokenizer sees a byte, and the tokenizer's depth is
 * bounded, so a hostile line costs at most RV_PROTO_MAX_REQUEST bytes of work.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "basic/macro.h"
#include "basic/string_table.h"
#include "basic/units.h"
#include "control/protocol.h"

static const char *const rv_cmd_table[_RV_CMD_MAX] = {
	[RV_CMD_STATUS] = "status",   [RV_CMD_START] = "start",
	[RV_CMD_STOP] = "stop",       [RV_CMD_RESTART] = "restart",
	[RV_CMD_SCALE] = "scale",     [RV_CMD_SIGNAL] = "signal",
	[RV_CMD_SHUTDOWN] = "shutdown",
	[RV_CMD_FREEZE] = "freeze",   [RV_CMD_THAW] = "thaw",
	[RV_CMD_LEAKS] = "leaks",     [RV_CMD_SNAPSHOT] = "snapshot",
	[RV_CMD_SNAPSHOTS] = "snapshots",
	[RV_CMD_LOGS] = "logs",       [RV_CMD_RELOAD] = "reload",
	[RV_CMD_REEXEC] = "reexec",   [RV_CMD_METRICS] = "metrics",
	[RV_CMD_EVENTS] = "events",
};

DEFINE_STRING_TABLE_LOOKUP(rv_cmd, enum rv_cmd)

bool rv_cmd_is_mutating(enum rv_cmd c)
{
	return c != RV_CMD_STATUS && c != RV_CMD_LEAKS && c != RV_CMD_SNAPSHOTS && c != RV_CMD_METRICS &&
	       c != RV_CMD_EVENTS;
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > RV_PROTO_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

int rv_target_parse(const char *s, char service[RV_PROTO_MAX_NAME + 1], int *index)
{
	const char *dot = strrchr(s, '.');
	size_t n = dot ? (size_t)(dot - s) : strlen(s);

	if (!name_ok(s, n))
		return -EINVAL;
	*index = -1;
	if (dot) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(dot + 1, &end, 10);
		if (dot[1] < '0' || dot[1] > '9' || *end || errno || v >= 100000)
			return -EINVAL;
		*index = (int)v;
	}
	memcpy(service, s, n);
	service[n] = '\0';
	return 0;
}

/* json-c keeps "\u0000" inside strings; as C strings they would be cut. */
static bool has_nul(json_object *v)
{
	return strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v);
}

/* A client's text quoted in an error: at most 64 bytes, cut on a UTF-8
 * character boundary, control characters as '?', so the explanation stays
 * one printable line whatever the client sent. */
static const char *quoted(const char *s, char buf[72])
{
	size_t n = strnlen(s, 64), i;

	if (s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	buf[i] = '\0';
	return buf;
}

/* Writes the message, returns code. */
static int fail(int code, char *err, size_t errlen, const char *fmt, ...) _printf_(4, 5);
static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

#define FAIL(code, ...) return fail((code), err, errlen, __VA_ARGS__)

/* One flat JSON object spanning the whole line, strictly. */
static int parse_object(const char *line, size_t len, json_object **ret, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new_ex(8);   /* depth: a request is flat */
	if (!tok)
		FAIL(-ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);   /* JSON, not JavaScript */
	json_object *o = json_tokener_parse_ex(tok, line, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = (size_t)json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	int r = 0;
	if (jerr == json_tokener_continue)
		r = fail(-EINVAL, err, errlen, "malformed JSON: incomplete object");
	else if (jerr != json_tokener_success)
		r = fail(-EINVAL, err, errlen, "malformed JSON: %s", json_tokener_error_desc(jerr));
	else if (end != len)
		r = fail(-EINVAL, err, errlen, "malformed JSON: trailing data");
	else if (!o || !json_object_is_type(o, json_type_object))
		r = fail(-EINVAL, err, errlen, "request is not a JSON object");
	if (r < 0) {
		json_object_put(o);
		return r;
	}
	*ret = o;
	return 0;
}

static int check_fields(json_object *o, char *err, size_t errlen)
{
	char q[72];

	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "cmd") && strcmp(key, "target") && strcmp(key, "count") &&
		    strcmp(key, "signal") && strcmp(key, "lines") && strcmp(key, "follow") && strcmp(key, "path") &&
		    strcmp(key, "since_ms") && strcmp(key, "rotate") && strcmp(key, "state") &&
		    strcmp(key, "offset") && strcmp(key, "limit"))
			FAIL(-EINVAL, "unknown field \"%s\"", quoted(key, q));
		if (json_object_is_type(val, json_type_string) && has_nul(val))
			FAIL(-EINVAL, "\"%s\" contains a NUL character", key);
	}
	return 0;
}

static int parse_cmd_target(json_object *o, struct rv_request *req, char *err, size_t errlen)
{
	json_object *v;
	char q[72];

	if (!json_object_object_get_ex(o, "cmd", &v) || !json_object_is_type(v, json_type_string))
		FAIL(-EINVAL, "\"cmd\" (a string) is required");
	req->cmd = rv_cmd_from_string(json_object_get_string(v));
	if (req->cmd == _RV_CMD_INVALID)
		FAIL(-EOPNOTSUPP, "unknown command \"%s\"", quoted(json_object_get_string(v), q));
	bool needs_target = req->cmd != RV_CMD_STATUS && req->cmd != RV_CMD_SHUTDOWN &&
			    req->cmd != RV_CMD_LEAKS && req->cmd != RV_CMD_SNAPSHOTS &&
			    req->cmd != RV_CMD_RELOAD && req->cmd != RV_CMD_REEXEC && req->cmd != RV_CMD_METRICS &&
			    req->cmd != RV_CMD_EVENTS;
	if (json_object_object_get_ex(o, "target", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    rv_target_parse(json_object_get_string(v), req->service, &req->index) < 0)
			FAIL(-EINVAL, "\"target\" must be SERVICE or SERVICE.INDEX");
		if (req->cmd == RV_CMD_SHUTDOWN || req->cmd == RV_CMD_RELOAD || req->cmd == RV_CMD_REEXEC ||
		    req->cmd == RV_CMD_METRICS)
			FAIL(-EINVAL, "%s takes no target", rv_cmd_to_string(req->cmd));
	} else if (needs_target) {
		FAIL(-EINVAL, "%s needs a \"target\"", rv_cmd_to_string(req->cmd));
	}
	return 0;
}

/* since_ms and rotate (logs); rotate goes with nothing that reads lines. */
static int parse_logs_args(json_object *o, struct rv_request *req, char *err, size_t errlen)
{
	json_object *v;

	if (json_object_object_get_ex(o, "since_ms", &v)) {
		if (req->cmd != RV_CMD_LOGS && req->cmd != RV_CMD_EVENTS)
			FAIL(-EINVAL, "\"since_ms\" is only for logs and events");
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
		    (uint64_t)json_object_get_int64(v) > RV_PROTO_MAX_SINCE_MS)
			FAIL(-EINVAL, "\"since_ms\" must be an integer 1..%llu",
			     (unsigned long long)RV_PROTO_MAX_SINCE_MS);
		req->since_ms = (uint64_t)json_object_get_int64(v);
	}
	if (json_object_object_get_ex(o, "rotate", &v)) {
		if (req->cmd != RV_CMD_LOGS)
			FAIL(-EINVAL, "\"rotate\" is only for logs");
		if (!json_object_is_type(v, json_type_boolean))
			FAIL(-EINVAL, "\"rotate\" must be true or false");
		req->rotate = json_object_get_boolean(v);
	}
	if (req->rotate && (req->follow || req->since_ms || json_object_object_get_ex(o, "lines", &v)))
		FAIL(-EINVAL, "\"rotate\" goes without \"lines\", \"since_ms\" and \"follow\"");
	return 0;
}

/* state, offset, limit (status): a filter and a page. The state's name is
 * checked by the daemon, which knows the states. */
static int parse_status_args(json_object *o, struct rv_request *req, char *err, size_t errlen)
{
	static const char *const page_keys[] = { "offset", "limit" };
	json_object *v;

	if (json_object_object_get_ex(o, "state", &v)) {
		const char *st = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (req->cmd != RV_CMD_STATUS)
			FAIL(-EINVAL, "\"state\" is only for status");
		if (!st || !st[0] || strlen(st) > RV_PROTO_MAX_STATE)
			FAIL(-EINVAL, "\"state\" must be a state's name such as \"failed\"");
		memcpy(req->state, st, strlen(st) + 1);
	}
	for (size_t i = 0; i < 2; i++) {
		if (!json_object_object_get_ex(o, page_keys[i], &v))
			continue;
		if (req->cmd != RV_CMD_STATUS)
			FAIL(-EINVAL, "\"%s\" is only for status", page_keys[i]);
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < (int64_t)i ||
		    json_object_get_int64(v) > RV_PROTO_MAX_PAGE)
			FAIL(-EINVAL, "\"%s\" must be an integer %zu..%d", page_keys[i], i, RV_PROTO_MAX_PAGE);
		*(i ? &req->limit : &req->offset) = (uint32_t)json_object_get_int64(v);
		req->paged = true;
	}
	return 0;
}

/* count (scale), signal (signal), lines and follow (logs). */
static int parse_args(json_object *o, struct rv_request *req, char *err, size_t errlen)
{
	json_object *v;

	if (req->cmd == RV_CMD_SCALE) {
		if (req->index >= 0)
			FAIL(-EINVAL, "scale takes a service, not an instance");
		if (!json_object_object_get_ex(o, "count", &v) || !json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) < 0 || json_object_get_int64(v) > 100000)
			FAIL(-EINVAL, "scale needs \"count\", an integer 0..100000");
		req->count = (uint32_t)json_object_get_int64(v);
	}
	if (req->cmd == RV_CMD_SIGNAL &&
	    (!json_object_object_get_ex(o, "signal", &v) || !json_object_is_type(v, json_type_string) ||
	     parse_signal(json_object_get_string(v), &req->signal) < 0))
		FAIL(-EINVAL, "signal needs \"signal\", a signal name such as \"SIGHUP\"");
	if (json_object_object_get_ex(o, "path", &v)) {
		const char *p = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (req->cmd != RV_CMD_RELOAD)
			FAIL(-EINVAL, "\"path\" is only for reload");
		if (!p || p[0] != '/' || strlen(p) > RV_PROTO_MAX_PATH)
			FAIL(-EINVAL, "\"path\" must be an absolute file name of at most %d bytes", RV_PROTO_MAX_PATH);
		memcpy(req->path, p, strlen(p) + 1);
	}
	req->lines = RV_PROTO_DEFAULT_LINES;
	if (json_object_object_get_ex(o, "lines", &v)) {
		if (req->cmd != RV_CMD_LOGS)
			FAIL(-EINVAL, "\"lines\" is only for logs");
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
		    json_object_get_int64(v) > RV_PROTO_MAX_LINES)
			FAIL(-EINVAL, "\"lines\" must be an integer 0..%d", RV_PROTO_MAX_LINES);
		req->lines = (uint32_t)json_object_get_int64(v);
	}
	if (json_object_object_get_ex(o, "follow", &v)) {
		if (req->cmd != RV_CMD_LOGS && req->cmd != RV_CMD_EVENTS)
			FAIL(-EINVAL, "\"follow\" is only for logs and events");
		if (!json_object_is_type(v, json_type_boolean))
			FAIL(-EINVAL, "\"follow\" must be true or false");
		req->follow = json_object_get_boolean(v);
	}
	int r = parse_logs_args(o, req, err, errlen);
	return r < 0 ? r : parse_status_args(o, req, err, errlen);
}

int rv_request_parse(const char *line, size_t len, struct rv_request *ret, char *err, size_t errlen)
{
	struct rv_request req = { .index = -1 };
	json_object *o = NULL;
	int r;

	if (len >= RV_PROTO_MAX_REQUEST)
		FAIL(-E2BIG, "request longer than %d bytes", RV_PROTO_MAX_REQUEST - 1);
	r = parse_object(line, len, &o, err, errlen);
	if (r < 0)
		return r;
	r = check_fields(o, err, errlen);
	if (r >= 0)
		r = parse_cmd_target(o, &req, err, errlen);
	if (r >= 0)
		r = parse_args(o, &req, err, errlen);
	json_object_put(o);
	if (r >= 0)
		*ret = req;
	return r;
}

static void format_status_args(json_object *o, const struct rv_request *r)
{
	if (r->state[0])
		json_object_object_add(o, "state", json_object_new_string(r->state));
	if (r->paged && r->offset)
		json_object_object_add(o, "offset", json_object_new_int64(r->offset));
	if (r->paged && r->limit)
		json_object_object_add(o, "limit", json_object_new_int64(r->limit));
}

int rv_request_format(const struct rv_request *r, char *buf, size_t len)
{
	json_object *o = json_object_new_object();
	char target[RV_PROTO_MAX_NAME + 16];

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "cmd", json_object_new_string(rv_cmd_to_string(r->cmd)));
	if (r->service[0]) {
		if (r->index >= 0)
			snprintf(target, sizeof(target), "%s.%d", r->service, r->index);
		else
			snprintf(target, sizeof(target), "%s", r->service);
		json_object_object_add(o, "target", json_object_new_string(target));
	}
	if (r->cmd == RV_CMD_SCALE)
		json_object_object_add(o, "count", json_object_new_int64(r->count));
	if (r->cmd == RV_CMD_RELOAD && r->path[0])
		json_object_object_add(o, "path", json_object_new_string(r->path));
	if (r->cmd == RV_CMD_LOGS && r->rotate)
		json_object_object_add(o, "rotate", json_object_new_boolean(1));
	if (r->cmd == RV_CMD_LOGS && !r->rotate) {
		json_object_object_add(o, "lines", json_object_new_int64(r->lines));
		if (r->follow)
			json_object_object_add(o, "follow", json_object_new_boolean(1));
		if (r->since_ms)
			json_object_object_add(o, "since_ms", json_object_new_int64((int64_t)r->since_ms));
	}
	if (r->cmd == RV_CMD_STATUS)
		format_status_args(o, r);
	if (r->cmd == RV_CMD_EVENTS && r->follow)
		json_object_object_add(o, "follow", json_object_new_boolean(1));
	if (r->cmd == RV_CMD_EVENTS && r->since_ms)
		json_object_object_add(o, "since_ms", json_object_new_int64((int64_t)r->since_ms));
	if (r->cmd == RV_CMD_SIGNAL) {
		/* Real-time signals have no name: send the number. */
		char num[16];
		const char *name = signal_name(r->signal);
		if (!strcmp(name, "SIG?")) {
			snprintf(num, sizeof(num), "%d", r->signal);
			name = num;
		}
		json_object_object_add(o, "signal", json_object_new_string(name));
	}
	int n = snprintf(buf, len, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return n < 0 || (size_t)n >= len ? -ENOBUFS : n;
}
