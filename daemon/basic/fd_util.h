/* SPDX-License-Identifier: MIT */
/*
 * fd_util.h: handing an fd to stdio or a DIR stream without losing it.
 * Ownership moves only on success (systemd's take_fdopen): *fd is set to
 * -EBADF once the stream owns it, and left alone when fdopen/fdopendir
 * fails, so the caller's _cleanup_close_ still closes it.
 */
#pragma once

#include <dirent.h>
#include <stdio.h>

#include "basic/macro.h"

FILE *take_fdopen(int *fd, const char *mode);
DIR *take_fdopendir(int *fd);
/* Open fds of this process, or -errno. */
long fd_count(void);
/* A DIR stream over a close-on-exec copy of dirfd; the caller keeps dirfd. */
DIR *opendir_dup(int dirfd);

static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}
static inline void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
