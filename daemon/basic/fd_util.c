/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

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

long fd_count(void)
{
	/* Linux >= 6.2 gives the count as the directory's size; listing 3000
	 * entries for every status call was 1 ms here. */
	struct stat st;
	if (stat("/proc/self/fd", &st) == 0 && st.st_size > 0)
		return (long)st.st_size;
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	if (!d)
		return -errno;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;   /* ".", ".." and the directory's own fd */
}

DIR *opendir_dup(int dirfd)
{
	_cleanup_close_ int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return NULL;
	return take_fdopendir(&fd);
}
