/* SPDX-License-Identifier: MIT */
#include <fcntl.h>

#include "basic/fd_util.h"

FILE *take_fdopen(int *fd, const char *mode)
{
	FILE *f = fdopen(*fd, mode);
	if (f)
		*fd = -EBADF;
	return f;
}

DIR *take_fdopendir(int *fd)
{
	DIR *d = fdopendir(*fd);
	if (d)
		*fd = -EBADF;
	return d;
}

DIR *opendir_dup(int dirfd)
{
	_cleanup_close_ int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return NULL;
	return take_fdopendir(&fd);
}
