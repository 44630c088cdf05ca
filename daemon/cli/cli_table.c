/* SPDX-License-Identifier: MIT */
/* cli_table.c: see cli_table.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_table.h"

int cli_table_init(struct cli_table *t, const char *const *header, size_t cols)
{
	*t = (struct cli_table){ .cols = cols };
	if (cols == 0 || cols > CLI_TABLE_MAX_COLS)
		return -EINVAL;
	return cli_table_add(t, header);
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **n = realloc(t->cells, cap * t->cols * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->cells = n;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->cols; c++) {
		char *s = strdup(cells[c] ? cells[c] : "-");
		if (!s) {
			while (c-- > 0)
				free(t->cells[t->rows * t->cols + c]);
			return -ENOMEM;
		}
		t->cells[t->rows * t->cols + c] = s;
		if (strlen(s) > t->width[c])
			t->width[c] = strlen(s);
	}
	t->rows++;
	return 0;
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols; c++) {
			const char *s = t->cells[r * t->cols + c];
			if (c + 1 == t->cols)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)t->width[c], s);
		}
}

void cli_table_done(struct cli_table *t)
{
	for (size_t i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
	*t = (struct cli_table){ 0 };
}
