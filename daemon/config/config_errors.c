/* SPDX-License-Identifier: MIT */
/*
 * config_errors.c: the error lines of config_load(), bounded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_errors.h"

void config_error(struct config_errors *errs, const char *file, const char *fmt, ...)
{
	char *msg = NULL, *line = NULL;
	va_list ap;
	int r;

	if (!errs)
		return;
	if (errs->n >= CONFIG_MAX_ERRORS) {
		errs->dropped++;
		return;
	}
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0 || asprintf(&line, "%s: %s", file, msg) < 0) {
		if (r >= 0)
			free(msg);
		errs->dropped++;
		return;
	}
	free(msg);
	errs->lines[errs->n++] = line;
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

void config_errors_done(struct config_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->lines[i]);
	*errs = (struct config_errors){ .n = 0 };
}
