/* SPDX-License-Identifier: MIT */
/*
 * text_escape.h: a service's text shown as text. Control characters
 * (other than tab) and the C1 controls would be read by a terminal as
 * commands (move the cursor, set the title, paste), and bytes that are not
 * UTF-8 garble it and the tools after it: they are shown as \xHH instead.
 * Printable text, valid UTF-8 included, passes unchanged (a backslash too:
 * `logs --raw` or `--json` are exact where that matters).
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..n) to f, escaped. */
void text_escape_write(FILE *f, const char *s, size_t n);
