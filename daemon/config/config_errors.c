/* SPDX-License-Identifier: MIT */
/*
 * config_errors.c: the error (and warning) lines of config_load(), bounded,
 * each kept whole for people and in parts for `check --json`.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_errors.h"

static void add(struct config_errors *errs, const char *file, const struct config_mark *mark,
		const char *path, const char *fmt, va_list ap)
{
	struct config_note *note = &errs->notes[errs->n];
	char *msg = NULL, *line = NULL, *p = NULL, where[48] = "";
	int r;

	if (errs->n >= CONFIG_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	if (path && !*path)
		path = NULL;
	if (mark && mark->line > 0)
		snprintf(where, sizeof(where), ":%zu:%zu", mark->line, mark->column);
	r = vasprintf(&msg, fmt, ap);
	if (r < 0)
		msg = NULL;
	else if ((path && !(p = strdup(path))) ||
		 asprintf(&line, "%s%s: %s%s%s%s", file, where, errs->warnings ? "warning: " : "",
			  path ? path : "", path ? ": " : "", msg) < 0)
		line = NULL;
	if (!line) {
		free(msg);
		free(p);
		errs->dropped++;
		return;
	}
	*note = (struct config_note){ .path = p, .message = msg, .mark = { 0, 0 } };
	if (mark && mark->line > 0)
		note->mark = *mark;
	errs->lines[errs->n++] = line;
}

void config_error(struct config_errors *errs, const char *file, const char *fmt, ...)
{
	va_list ap;

	if (!errs)
		return;
	va_start(ap, fmt);
	add(errs, file, NULL, NULL, fmt, ap);
	va_end(ap);
}

void config_error_at(struct config_errors *errs, const char *file, const struct config_mark *mark,
		     const char *path, const char *fmt, ...)
{
	va_list ap;

	if (!errs)
		return;
	va_start(ap, fmt);
	add(errs, file, mark, path, fmt, ap);
	va_end(ap);
}

char *config_path_part(char *buf, size_t len, const char *s, size_t n)
{
	size_t keep = MIN(n, (size_t)CONFIG_PATH_PART_MAX), i;

	if (len < 4) {
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	if (n == 0) {
		snprintf(buf, len, "\"\"");
		return buf;
	}
	/* Cut on a UTF-8 character boundary, not inside a sequence. */
	while (keep < n && keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
		keep--;
	keep = MIN(keep, len - 4);
	for (i = 0; i < keep; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	buf[i] = '\0';
	if (keep < n)
		strcpy(buf + i, "...");
	return buf;
}

static bool before(const struct config_note *a, const struct config_note *b)
{
	if (!a->mark.line || !b->mark.line)
		return a->mark.line && !b->mark.line; /* without a position: last */
	return a->mark.line < b->mark.line ||
	       (a->mark.line == b->mark.line && a->mark.column < b->mark.column);
}

/* Insertion sort, stable: at most CONFIG_MAX_ERRORS lines. */
void config_errors_sort(struct config_errors *errs)
{
	for (size_t i = 1; errs && i < errs->n; i++) {
		struct config_note note = errs->notes[i];
		char *line = errs->lines[i];
		size_t j = i;

		for (; j > 0 && before(&note, &errs->notes[j - 1]); j--) {
			errs->notes[j] = errs->notes[j - 1];
			errs->lines[j] = errs->lines[j - 1];
		}
		errs->notes[j] = note;
		errs->lines[j] = line;
	}
}

void config_errors_done(struct config_errors *errs)
{
	bool warnings;

	if (!errs)
		return;
	warnings = errs->warnings;
	for (size_t i = 0; i < errs->n; i++) {
		free(errs->lines[i]);
		free(errs->notes[i].path);
		free(errs->notes[i].message);
	}
	*errs = (struct config_errors){ .warnings = warnings };
}
