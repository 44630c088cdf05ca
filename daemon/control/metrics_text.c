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

static void put(struct mtext *t, const char *s)
{
	mtext_raw(t, s, strlen(s));
}

static void put_char(struct mtext *t, char c)
{
	mtext_raw(t, &c, 1);
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
		mtext_raw(t, s + run, i - run);
		if (seq) {
			char e[2] = { '\\', as[hit - special] };
			mtext_raw(t, e, 2);
		} else {
			mtext_raw(t, "\xef\xbf\xbd", 3);
		}
		run = ++i;
	}
	mtext_raw(t, s + run, n - run);
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

void mtext_family(struct mtext *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP ");
	put(t, name);
	put_char(t, ' ');
	mtext_escape_help(t, help, strlen(help));
	put(t, "\n# TYPE ");
	put(t, name);
	put_char(t, ' ');
	put(t, type);
	put_char(t, '\n');
}

void mtext_sample(struct mtext *t, const char *name)
{
	put(t, name);
	t->in_labels = false;
}

void mtext_label(struct mtext *t, const char *key, const char *value)
{
	put_char(t, t->in_labels ? ',' : '{');
	t->in_labels = true;
	put(t, key);
	mtext_raw(t, "=\"", 2);
	mtext_escape_label(t, value, strlen(value));
	put_char(t, '"');
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
	char d[20], *p = u64_digits(value, d);

	put_char(t, t->in_labels ? ',' : '{');
	t->in_labels = true;
	put(t, key);
	mtext_raw(t, "=\"", 2);
	mtext_raw(t, p, (size_t)(d + 20 - p));
	put_char(t, '"');
}

static void end_labels(struct mtext *t)
{
	mtext_raw(t, t->in_labels ? "} " : " ", t->in_labels ? 2 : 1);
	t->in_labels = false;
}

void mtext_value_u64(struct mtext *t, uint64_t v)
{
	char d[21], *p = u64_digits(v, d);

	end_labels(t);
	d[20] = '\n';
	mtext_raw(t, p, (size_t)(d + 21 - p));
}

void mtext_value_i64(struct mtext *t, int64_t v)
{
	if (v >= 0) {
		mtext_value_u64(t, (uint64_t)v);
		return;
	}
	char d[21], *p = u64_digits(-(uint64_t)v, d);
	end_labels(t);
	put_char(t, '-');
	d[20] = '\n';
	mtext_raw(t, p, (size_t)(d + 21 - p));
}

void mtext_value_fixed(struct mtext *t, uint64_t v, unsigned digits)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
					  100000000, 1000000000 };
	char d[20], f[11], *p;

	digits = MIN(digits, 9u);
	end_labels(t);
	p = u64_digits(v / pow10[digits], d);
	mtext_raw(t, p, (size_t)(d + 20 - p));
	if (digits) {
		uint64_t frac = v % pow10[digits];
		f[0] = '.';
		for (unsigned i = digits; i > 0; i--, frac /= 10)
			f[i] = (char)('0' + frac % 10);
		mtext_raw(t, f, digits + 1);
	}
	put_char(t, '\n');
}
