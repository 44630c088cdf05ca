/* SPDX-License-Identifier: MIT */
/*
 * config_errors.h: the bounded list of error lines config_load() returns,
 * and how a user's key or value is shown in one.
 */
#pragma once

#include <stddef.h>

#include "basic/macro.h"
#include "config/config.h"

#define CONFIG_PATH_MAX 512        /* a key path as shown in an error */
#define CONFIG_PATH_PART_MAX 64    /* one key of it, longer ones are cut */

/* Appends "FILE: <message>" (a warning: "FILE: warning: <message>"); past CONFIG_MAX_ERRORS (or without memory) the
 * line is only counted in errs->dropped. errs may be NULL. */
void config_error(struct config_errors *errs, const char *file, const char *fmt, ...)
	_printf_(3, 4);
/* "FILE:LINE:COL: PATH: <message>": without the position when mark is NULL
 * or its line 0, without the path when path is NULL or "". */
void config_error_at(struct config_errors *errs, const char *file, const struct config_mark *mark,
		     const char *path, const char *fmt, ...) _printf_(5, 6);
/* Copies s for display in a key path: at most CONFIG_PATH_PART_MAX bytes,
 * control characters as '?', "..." when cut. Returns buf. */
char *config_path_part(char *buf, size_t len, const char *s, size_t n);

/* In the file's order, as a compiler reports (the stages find them in
 * theirs); lines without a position last. */
void config_errors_sort(struct config_errors *errs);
void config_errors_done(struct config_errors *errs);
