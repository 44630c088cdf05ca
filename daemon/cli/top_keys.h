/* SPDX-License-Identifier: MIT */
/*
 * top_keys.h: the keys of `ringvisor top`'s live view, private to top*.c:
 * sort (c m f t r n), filter (/ text Enter; Esc clears), scroll (arrows,
 * PgUp, PgDn, Home, End, j, k), q quits. A key changes struct top only;
 * the caller redraws from the snapshot it has.
 */
#pragma once

#include <stddef.h>

#include "cli/top_draw.h"

/* Applies the bytes read from the terminal, k[0..n), to t. Returns -1 for
 * q (outside the filter prompt), 1 when the frame must be drawn again, 0
 * when nothing changed. An escape sequence is taken as whole within one
 * read (a terminal writes it in one piece); an ESC ending the read, or
 * followed by anything but [ or O, is the Esc key. */
int top_keys_feed(struct top *t, const char *k, size_t n);
