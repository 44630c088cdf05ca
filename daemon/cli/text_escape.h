/* SPDX-License-Identifier: MIT */
/*
 * text_escape.h: a service's text shown on a terminal. Control characters
 * (other than tab) and the C1 controls would be read by the terminal as
 * commands (move the cursor, set the title, paste): they are shown as
 * \xHH instead. Printable text, UTF-8 included, passes unchanged.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..n) to f, escaped. */
void text_escape_write(FILE *f, const char *s, size_t n);
