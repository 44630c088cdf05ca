/* SPDX-License-Identifier: MIT */
/*
 * cli_table.h: a text table whose columns are as wide as their widest
 * cell, so that nothing is cut (an instance name may be 64 bytes and more).
 * Cells are copied; the last column is not padded.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

#define CLI_TABLE_MAX_COLS 16

struct cli_table {
	size_t cols, rows, cap;
	char **cells;                   /* rows x cols */
	size_t width[CLI_TABLE_MAX_COLS];
};

/* The header row; cols <= CLI_TABLE_MAX_COLS. */
int cli_table_init(struct cli_table *t, const char *const *header, size_t cols);
/* Adds a row of t->cols cells (NULL prints as "-"); -ENOMEM. */
int cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_done(struct cli_table *t);
