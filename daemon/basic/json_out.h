/* SPDX-License-Identifier: MIT */
/*
 * json_out.h: JSON written straight into a growing buffer, for replies
 * built many times a second (`status` writes ~40 values per instance): no
 * tree of objects to allocate, serialise and free, as json-c would.
 *
 * The writer places the commas: a key or a value after another at the
 * same level gets one. It keeps which brackets are open (at most
 * JSON_OUT_MAX_DEPTH), so json_out_end() closes the right one. The text
 * is plain (no spaces), as json-c's JSON_C_TO_STRING_PLAIN; strings are
 * escaped as json-c escapes them (\" \\ \b \f \n \r \t, other control
 * characters \u00xx), except that '/' is left as it is, and an invalid
 * UTF-8 sequence becomes U+FFFD, so the text is always valid JSON.
 *
 * Bounded: past `max` bytes (or when memory runs out) the writer stops,
 * and json_out_error() says so; what was written is cut, never reused as
 * a reply. The state survives json_out_take_text(): a long reply can be
 * written, and sent, a piece at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_OUT_MAX_DEPTH 64

struct json_out {
	char *buf;            /* NUL-terminated when not NULL */
	size_t len, cap, max;
	uint64_t arrays;      /* bit d: the bracket open at depth d is '[' */
	unsigned depth;
	bool comma;           /* a value came before at this level */
	int error;            /* 0, -ENOBUFS (past max, or too deep) or -ENOMEM: sticky */
};

void json_out_init(struct json_out *j, size_t max);
void json_out_done(struct json_out *j);
/* 0, or why the text is cut (-ENOBUFS, -ENOMEM). */
static inline int json_out_error(const struct json_out *j) { return j->error; }
/* The text written since the last call is consumed: len is 0 again, the
 * buffer and the open brackets kept (the caller sends the text first). */
void json_out_take_text(struct json_out *j);

void json_out_object(struct json_out *j);   /* { */
void json_out_array(struct json_out *j);    /* [ */
void json_out_end(struct json_out *j);      /* } or ], whichever is open */
void json_out_key(struct json_out *j, const char *key);
/* NULL: null. */
void json_out_string(struct json_out *j, const char *s);
void json_out_stringn(struct json_out *j, const char *s, size_t n);
void json_out_int(struct json_out *j, int64_t v);
void json_out_uint(struct json_out *j, uint64_t v);
void json_out_bool(struct json_out *j, bool v);
void json_out_null(struct json_out *j);

/* A key and its value, the usual pair. */
static inline void json_out_kstring(struct json_out *j, const char *k, const char *s)
{
	json_out_key(j, k);
	json_out_string(j, s);
}

static inline void json_out_kint(struct json_out *j, const char *k, int64_t v)
{
	json_out_key(j, k);
	json_out_int(j, v);
}

static inline void json_out_kuint(struct json_out *j, const char *k, uint64_t v)
{
	json_out_key(j, k);
	json_out_uint(j, v);
}

static inline void json_out_kbool(struct json_out *j, const char *k, bool v)
{
	json_out_key(j, k);
	json_out_bool(j, v);
}

static inline void json_out_knull(struct json_out *j, const char *k)
{
	json_out_key(j, k);
	json_out_null(j);
}

static inline void json_out_kobject(struct json_out *j, const char *k)
{
	json_out_key(j, k);
	json_out_object(j);
}

static inline void json_out_karray(struct json_out *j, const char *k)
{
	json_out_key(j, k);
	json_out_array(j);
}
