/* SPDX-License-Identifier: MIT */
/*
 * json_out.c: see json_out.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json_out.h"
#include "basic/macro.h"
#include "basic/utf8.h"

void json_out_init(struct json_out *j, size_t max)
{
	*j = (struct json_out){ .max = max };
}

void json_out_done(struct json_out *j)
{
	free(j->buf);
	*j = (struct json_out){ 0 };
}

void json_out_take_text(struct json_out *j)
{
	j->len = 0;
	if (j->buf)
		j->buf[0] = '\0';
}

/* Room for n more bytes and the NUL: where they go, or NULL (the error
 * set). The caller adds what it wrote to len. */
static char *room(struct json_out *j, size_t n)
{
	if (j->error)
		return NULL;
	if (n > j->max || j->len + n + 1 > j->max) {
		j->error = -ENOBUFS;
		return NULL;
	}
	if (j->len + n + 1 > j->cap) {
		size_t cap = MIN(MAX(j->len + n + 1, j->cap ? 2 * j->cap : (size_t)4096), j->max);
		char *b = realloc(j->buf, cap);
		if (!b) {
			j->error = -ENOMEM;
			return NULL;
		}
		j->buf = b;
		j->cap = cap;
	}
	return j->buf + j->len;
}

static void commit(struct json_out *j, char *end)
{
	j->len = (size_t)(end - j->buf);
	*end = '\0';
}

static void put(struct json_out *j, const char *s, size_t n)
{
	char *p = room(j, n);

	if (p)
		commit(j, (char *)memcpy(p, s, n) + n);
}

/* A value (or a key) starts: room for its n bytes after the comma that
 * goes before it when one came before at this level, or NULL. All of it
 * or nothing is written: a value is never cut at the bound. */
static char *begin(struct json_out *j, size_t n)
{
	char *p = room(j, n + 1);

	if (!p)
		return NULL;
	if (j->comma)
		*p++ = ',';
	j->comma = true;
	return p;
}

static void open_bracket(struct json_out *j, bool array)
{
	if (j->depth >= JSON_OUT_MAX_DEPTH) {
		j->error = j->error ?: -ENOBUFS;
		return;
	}
	char *p = begin(j, 1);
	if (!p)
		return;
	*p++ = array ? '[' : '{';
	commit(j, p);
	j->arrays = array ? j->arrays | (1ULL << j->depth) : j->arrays & ~(1ULL << j->depth);
	j->depth++;
	j->comma = false;
}

void json_out_object(struct json_out *j)
{
	open_bracket(j, false);
}

void json_out_array(struct json_out *j)
{
	open_bracket(j, true);
}

void json_out_end(struct json_out *j)
{
	if (j->depth == 0) {
		j->error = j->error ?: -EINVAL;
		return;
	}
	char *p = room(j, 1);
	if (!p)
		return;
	j->depth--;
	*p++ = j->arrays & (1ULL << j->depth) ? ']' : '}';
	commit(j, p);
	j->comma = true;
}

/* A byte that goes into a string as it is: printable ASCII but the quote
 * and the backslash. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* s[0..n) as the body of a JSON string, escaped: runs that need nothing
 * are copied whole. */
static void escaped(struct json_out *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, i = 0;

	while (i < n) {
		unsigned char c = u[i];
		size_t seq = c < 0x80 ? 1 : utf8_sequence(u + i, n - i);
		if (seq && (plain(c) || c >= 0x80)) {
			i += seq;
			continue;
		}
		put(j, s + run, i - run);
		char e[6] = { '\\', (char)c };
		size_t el = 2;
		switch (c) {
		case '"': case '\\': break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			if (c < 0x20) {
				memcpy(e, (char[6]){ '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] }, 6);
				el = 6;
			} else {   /* not UTF-8: U+FFFD */
				memcpy(e, "\xef\xbf\xbd", 3);
				el = 3;
			}
		}
		put(j, e, el);
		run = ++i;
	}
	put(j, s + run, n - run);
}

/* A string (a key: and its colon). Most have nothing to escape: they are
 * written in one piece. */
static void quoted(struct json_out *j, const char *s, size_t n, bool key)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n && plain(u[i]))
		i++;
	if (i == n) {
		char *p = begin(j, n + 3);
		if (!p)
			return;
		*p++ = '"';
		memcpy(p, s, n);
		p += n;
		*p++ = '"';
		if (key)
			*p++ = ':';
		commit(j, p);
		return;
	}
	char *p = begin(j, 1);
	if (!p)
		return;
	*p++ = '"';
	commit(j, p);
	escaped(j, s, n);
	put(j, key ? "\":" : "\"", key ? 2 : 1);
}

void json_out_key(struct json_out *j, const char *key)
{
	quoted(j, key, strlen(key), true);
	j->comma = false;   /* its value follows without one */
}

void json_out_stringn(struct json_out *j, const char *s, size_t n)
{
	quoted(j, s, n, false);
}

void json_out_string(struct json_out *j, const char *s)
{
	if (s)
		json_out_stringn(j, s, strlen(s));
	else
		json_out_null(j);
}

/* Digits of v, without snprintf (a status of 10 000 instances writes
 * some 300 000 numbers). */
static void digits(struct json_out *j, uint64_t v, bool minus)
{
	char b[21];
	size_t i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (minus)
		b[--i] = '-';
	char *p = begin(j, sizeof(b) - i);
	if (p)
		commit(j, (char *)memcpy(p, b + i, sizeof(b) - i) + (sizeof(b) - i));
}

void json_out_uint(struct json_out *j, uint64_t v)
{
	digits(j, v, false);
}

void json_out_int(struct json_out *j, int64_t v)
{
	/* -INT64_MIN does not fit an int64_t; its magnitude fits a uint64_t. */
	digits(j, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

static void word(struct json_out *j, const char *w, size_t n)
{
	char *p = begin(j, n);

	if (p)
		commit(j, (char *)memcpy(p, w, n) + n);
}

void json_out_bool(struct json_out *j, bool v)
{
	if (v)
		word(j, "true", 4);
	else
		word(j, "false", 5);
}

void json_out_null(struct json_out *j)
{
	word(j, "null", 4);
}
