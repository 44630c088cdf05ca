/* SPDX-License-Identifier: MIT */
/*
 * dirfd.h: a DIR stream over a copy of a directory fd, so the caller keeps
 * its own fd. The copy is close-on-exec like every fd here, and is closed
 * on every path (by closedir, or here when fdopendir fails).
 */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

static inline DIR *opendir_dup(int dirfd)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		(void)close(fd);
	return d;
}
