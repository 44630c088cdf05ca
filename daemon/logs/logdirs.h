/* SPDX-License-Identifier: MIT */
/*
 * logdirs.h: the log directories, each opened (and created) once and shared
 * by every stream that writes there; a refusal is remembered and logged
 * once.
 */
#pragma once

#include <stddef.h>

#define LOG_MAX_DIRS 256                   /* distinct log directories */

struct logdirs {
	struct { char *path; int fd; int error; } dirs[LOG_MAX_DIRS];
	size_t n;
};

/* The directory fd for path, or its -errno (-EMFILE past LOG_MAX_DIRS). */
int logdirs_get(struct logdirs *d, const char *path);
void logdirs_done(struct logdirs *d);
