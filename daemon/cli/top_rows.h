/* SPDX-License-Identifier: MIT */
/*
 * top_rows.h: the rows of `ringvisor top`, private to top*.c. Collected
 * once per refresh from the status and leaks replies (with the CPU% rates,
 * which need the previous refresh and so cannot be computed at drawing
 * time), then sorted and filtered for each frame.
 */
#pragma once

#include "cli/top_draw.h"

/* Fills s->rows (one per instance of s->status, leaks entries attached)
 * and the sources in s; each row's CPU% is against t->prev_cpu, which then
 * holds this refresh's samples. Once per refresh. 0 or -ENOMEM. */
int top_rows_collect(struct top *t, struct snapshot *s);

/* Puts s->rows in t->sort's order (name ascending; a figure descending,
 * unknowns last, ties by name) and s->view on those whose name contains
 * t->filter, ignoring case. */
void top_rows_view(const struct top *t, struct snapshot *s);

void top_rows_free(struct snapshot *s);
