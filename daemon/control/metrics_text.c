/* SPDX-License-Identifier: MIT */
/*
 * metrics_text.c: see metrics_text.h.
 */
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/utf8.h"
#include "control/metrics_text.h"

void mtext_init(struct mtext *t, size_t max)
{
	*t = (struct mtext){ .max = max };
}

void mtext_done(struct mtext *t)
{
	free(t->buf);
	*t = (struct mtext){ 0 };
}

/* Room for n more bytes (and a NUL): doubling, never past max. */
static bool reserve(struct mtext *t, size_t n)
{
	if (t->overflow)
		return false;
	if (t->len + n + 1 > t->max) {
		t->overflow = true;
		return false;
	}
	if (t->len + n + 1 <= t->cap)
		return true;
	size_t cap = MIN(MAX(t->len + n + 1, t->cap ? 2 * t->cap : (size_t)65536), t->max);
	char *b = realloc(t->buf, cap);
	if (!b) {
		t->overflow = true;
		return false;
	}
	t->buf = b;
	t->cap = cap;
	return true;
}

bool mtext_reserve(struct mtext *t, size_t n)
{
	n = MIN(n, t->max - 1 - t->len);
	return reserve(t, n);
}

void mtext_raw(struct mtext *t, const char *s, size_t n)
{
	if (!reserve(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* Room for n more bytes: where they go, or NULL (overflow said). The
 * writer then commits what it wrote with done(). */
static char *room(struct mtext *t, size_t n)
{
	return reserve(t, n) ? t->buf + t->len : NULL;
}

static void done(struct mtext *t, char *end)
{
	t->len = (size_t)(end - t->buf);
	*end = '\0';
}

static char *copy(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* The format's quote and newline, as the mode writes them. */
static char *quote(const struct mtext *t, char *p)
{
	if (t->json)
		*p++ = '\\';
	*p++ = '"';
	return p;
}

static char *newline(const struct mtext *t, char *p)
{
	if (t->json) {
		*p++ = '\\';
		*p++ = 'n';
	} else {
		*p++ = '\n';
	}
	return p;
}

/* Bytes that need no escape in a label value, HELP text or JSON string:
 * printable ASCII but the quote and the backslash. */
static bool plain(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* Text of the format (not raw): JSON-escaped in the JSON mode. */
static void emit(struct mtext *t, const char *s, size_t n)
{
	if (t->json)
		mtext_escape_json(t, s, n);
	else
		mtext_raw(t, s, n);
}

/* Escapes the bytes of s that `special` names, as \c with c from `as`;
 * runs of plain bytes are copied whole. Invalid UTF-8 becomes U+FFFD:
 * the format (and JSON) are UTF-8. */
static void escape(struct mtext *t, const char *s, size_t n, const char *special, const char *as)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, i = 0;

	while (i < n) {
		const char *hit = u[i] < 0x80 ? strchr(special, u[i]) : NULL;
		size_t seq = u[i] < 0x80 ? 1 : utf8_sequence(u + i, n - i);
		if ((!hit || !u[i]) && seq) {
			i += seq;
			continue;
		}
		emit(t, s + run, i - run);
		if (seq) {
			char e[2] = { '\\', as[hit - special] };
			emit(t, e, 2);
		} else {
			mtext_raw(t, "\xef\xbf\xbd", 3);
		}
		run = ++i;
	}
	emit(t, s + run, n - run);
}

void mtext_escape_label(struct mtext *t, const char *s, size_t n)
{
	escape(t, s, n, "\\\"\n", "\\\"n");
}

void mtext_escape_help(struct mtext *t, const char *s, size_t n)
{
	escape(t, s, n, "\\\n", "\\n");
}

/* JSON: the two the format needs, and every other control character as
 * \u00XX (a label value may hold a tab). */
void mtext_escape_json(struct mtext *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		mtext_raw(t, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			mtext_raw(t, e, 2);
		} else if (c == '\n') {
			mtext_raw(t, "\\n", 2);
		} else {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			mtext_raw(t, e, 6);
		}
	}
	mtext_raw(t, s + run, n - run);
}

/* Names and types are [a-zA-Z0-9_:] by the format: written as they are. */
void mtext_family(struct mtext *t, const char *name, const char *type, const char *help)
{
	size_t nl = strlen(name), tl = strlen(type), hl = strlen(help);
	char *p = room(t, 2 * nl + tl + hl + 24);

	if (!p)
		return;
	p = copy(copy(copy(p, "# HELP ", 7), name, nl), " ", 1);
	if (plain(help, hl)) {
		p = copy(p, help, hl);
	} else {
		done(t, p);
		mtext_escape_help(t, help, hl);
		if (!(p = room(t, nl + tl + 20)))
			return;
	}
	p = copy(copy(copy(newline(t, p), "# TYPE ", 7), name, nl), " ", 1);
	done(t, newline(t, copy(p, type, tl)));
}

void mtext_sample(struct mtext *t, const char *name)
{
	mtext_raw(t, name, strlen(name));
	t->in_labels = false;
}

void mtext_label(struct mtext *t, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	char *p = room(t, kl + vl + 8);

	if (!p)
		return;
	*p++ = t->in_labels ? ',' : '{';
	t->in_labels = true;
	p = quote(t, copy(copy(p, key, kl), "=", 1));
	if (plain(value, vl)) {
		p = copy(p, value, vl);
	} else {
		done(t, p);
		mtext_escape_label(t, value, vl);
		if (!(p = room(t, 2)))
			return;
	}
	done(t, quote(t, p));
}

/* Decimal digits of v, right-aligned in buf[20]: the start. */
static char *u64_digits(uint64_t v, char buf[20])
{
	char *p = buf + 20;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

void mtext_label_u64(struct mtext *t, const char *key, uint64_t value)
{
	char d[20], *s = u64_digits(value, d);
	size_t kl = strlen(key);
	char *p = room(t, kl + 20 + 8);

	if (!p)
		return;
	*p++ = t->in_labels ? ',' : '{';
	t->in_labels = true;
	p = quote(t, copy(copy(p, key, kl), "=", 1));
	done(t, quote(t, copy(p, s, (size_t)(d + 20 - s))));
}

void mtext_label_set(struct mtext *t, const char *labels, size_t n)
{
	char *p = room(t, n + 1);

	if (!p)
		return;
	*p++ = t->in_labels ? ',' : '{';
	t->in_labels = true;
	done(t, copy(p, labels, n));
}

/* Ends the labels, if any, before the value: where the value goes, with
 * room for 32 bytes and the newline; NULL when it does not fit. */
static char *value_start(struct mtext *t)
{
	char *p = room(t, 2 + 32 + 2);

	if (!p)
		return NULL;
	if (t->in_labels)
		*p++ = '}';
	*p++ = ' ';
	t->in_labels = false;
	return p;
}

void mtext_value_u64(struct mtext *t, uint64_t v)
{
	char d[20], *s = u64_digits(v, d), *p = value_start(t);

	if (p)
		done(t, newline(t, copy(p, s, (size_t)(d + 20 - s))));
}

void mtext_value_i64(struct mtext *t, int64_t v)
{
	char d[20], *s = u64_digits(v < 0 ? -(uint64_t)v : (uint64_t)v, d), *p = value_start(t);

	if (!p)
		return;
	if (v < 0)
		*p++ = '-';
	done(t, newline(t, copy(p, s, (size_t)(d + 20 - s))));
}

void mtext_value_fixed(struct mtext *t, uint64_t v, unsigned digits)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
					  100000000, 1000000000 };
	char d[20], *s, *p = value_start(t);

	if (!p)
		return;
	digits = MIN(digits, 9u);
	s = u64_digits(v / pow10[digits], d);
	p = copy(p, s, (size_t)(d + 20 - s));
	if (digits) {
		uint64_t frac = v % pow10[digits];
		*p = '.';
		for (unsigned i = digits; i > 0; i--, frac /= 10)
			p[i] = (char)('0' + frac % 10);
		p += digits + 1;
	}
	done(t, newline(t, p));
}
